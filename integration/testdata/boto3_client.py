"""Drives a doorman server with boto3 and prints what it saw as one JSON document.

The server's URL is in DOORMAN_ENDPOINT, the credentials in AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY, and DOORMAN_WORKDIR is a directory holding big.bin (uploaded with
upload_file) where downloads go. Any unexpected error raises, which fails the calling test.
"""

import json
import os
import sys
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["DOORMAN_ENDPOINT"]
WORKDIR = os.environ["DOORMAN_WORKDIR"]
BUCKET = "boto3-bucket"


def client(**config):
    return boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, **config),
    )


def fetch(url, data=None, method="GET", headers=None):
    """Returns (status, body, error code) of a plain HTTP request."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as res:
            return res.status, res.read(), ""
    except urllib.error.HTTPError as e:
        body = e.read()
        code = ""
        if b"<Code>" in body:
            code = body.split(b"<Code>")[1].split(b"</Code>")[0].decode()
        return e.code, body, code


def header(request, name):
    value = request.headers.get(name, "")
    return value.decode() if isinstance(value, bytes) else str(value)


def error_code(fn):
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"]
    return ""


def main():
    s3 = client()
    out = {}
    s3.create_bucket(Bucket=BUCKET)

    put = s3.put_object(Bucket=BUCKET, Key="hello/world.txt", Body=b"hello boto3",
                        ContentType="text/plain", Metadata={"who": "boto3"})
    get = s3.get_object(Bucket=BUCKET, Key="hello/world.txt")
    out["put_etag"] = put["ETag"]
    out["get"] = {"body": get["Body"].read().decode(), "etag": get["ETag"], "type": get["ContentType"],
                  "meta": get["Metadata"], "length": get["ContentLength"]}

    for i in range(25):
        s3.put_object(Bucket=BUCKET, Key="list/%03d" % i, Body=str(i).encode())
    keys, pages = [], 0
    for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=BUCKET, Prefix="list/", PaginationConfig={"PageSize": 10}):
        pages += 1
        keys += [o["Key"] for o in page.get("Contents", [])]
    out["list_v2"] = {"pages": pages, "keys": keys}
    keys, prefixes, pages = [], [], 0
    for page in s3.get_paginator("list_objects").paginate(
            Bucket=BUCKET, Delimiter="/", PaginationConfig={"PageSize": 1}):
        pages += 1
        keys += [o["Key"] for o in page.get("Contents", [])]
        prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
    out["list_v1"] = {"pages": pages, "keys": keys, "prefixes": prefixes}

    # upload_file switches to multipart above boto3's default 8 MiB threshold.
    s3.upload_file(os.path.join(WORKDIR, "big.bin"), BUCKET, "big/file.bin")
    head = s3.head_object(Bucket=BUCKET, Key="big/file.bin")
    out["big"] = {"etag": head["ETag"], "length": head["ContentLength"]}
    s3.download_file(BUCKET, "big/file.bin", os.path.join(WORKDIR, "big.down"))

    # Presigned SigV4 URLs through urllib. (Without a signature_version, botocore presigns
    # S3 URLs with SigV2.)
    v4 = client(signature_version="s3v4")
    url = v4.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "hello/world.txt"}, ExpiresIn=300)
    status, body, _ = fetch(url)
    out["presigned_get"] = {"status": status, "body": body.decode(), "v4": "X-Amz-Signature=" in url}
    url = v4.generate_presigned_url("put_object", ExpiresIn=300,
                                    Params={"Bucket": BUCKET, "Key": "presigned/put.txt", "ContentType": "text/x-presigned"})
    status, _, _ = fetch(url, data=b"sent through a presigned PUT", method="PUT",
                         headers={"Content-Type": "text/x-presigned"})
    stored = s3.get_object(Bucket=BUCKET, Key="presigned/put.txt")
    out["presigned_put"] = {"status": status, "stored": stored["Body"].read().decode(), "type": stored["ContentType"]}

    # SigV2: presigned URLs and header-signed requests.
    v2 = client(signature_version="s3")
    url = v2.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "hello/world.txt"}, ExpiresIn=300)
    status, body, _ = fetch(url)
    tampered = url.replace("hello/world.txt", "presigned/put.txt")
    t_status, _, t_code = fetch(tampered)
    put_url = v2.generate_presigned_url("put_object", ExpiresIn=300,
                                        Params={"Bucket": BUCKET, "Key": "sigv2/put", "ContentType": "text/x-v2"})
    # The Content-Type is part of what SigV2 signs: another one is refused.
    w_status, _, w_code = fetch(put_url, data=b"v2 put", method="PUT", headers={"Content-Type": "text/other"})
    p_status, _, _ = fetch(put_url, data=b"v2 put", method="PUT", headers={"Content-Type": "text/x-v2"})
    v2.put_object(Bucket=BUCKET, Key="sigv2/obj", Body=b"signed with SigV2 headers")
    v2_body = v2.get_object(Bucket=BUCKET, Key="sigv2/obj")["Body"].read().decode()
    out["sigv2"] = {"status": status, "body": body.decode(), "v2": "Signature=" in url and "AWSAccessKeyId=" in url,
                    "tampered_status": t_status, "tampered_code": t_code,
                    "put_wrong_type": [w_status, w_code], "put_status": p_status,
                    "put_stored": s3.get_object(Bucket=BUCKET, Key="sigv2/put")["Body"].read().decode(),
                    "header_signed_body": v2_body}
    # Bucket-level SigV2 requests: botocore signs a path-style bucket's resource as "/bucket/".
    v2_bucket = "boto3-v2-bucket"
    v2_rules = [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]
    ops = [("CreateBucket", lambda: v2.create_bucket(Bucket=v2_bucket)),
           ("PutBucketCors", lambda: v2.put_bucket_cors(Bucket=v2_bucket, CORSConfiguration={"CORSRules": v2_rules})),
           ("GetBucketCors", lambda: v2.get_bucket_cors(Bucket=v2_bucket)),
           ("ListObjects", lambda: v2.list_objects(Bucket=v2_bucket)),
           ("GetBucketAcl", lambda: v2.get_bucket_acl(Bucket=v2_bucket)),
           ("HeadBucket", lambda: v2.head_bucket(Bucket=v2_bucket)),
           ("DeleteBucketCors", lambda: v2.delete_bucket_cors(Bucket=v2_bucket)),
           ("DeleteBucket", lambda: v2.delete_bucket(Bucket=v2_bucket))]
    out["sigv2"]["bucket_ops"] = [[name, error_code(fn)] for name, fn in ops]
    list_url = v2.generate_presigned_url("list_objects", Params={"Bucket": BUCKET}, ExpiresIn=300)
    out["sigv2"]["presigned_list"] = fetch(list_url)[0]

    s3.copy_object(Bucket=BUCKET, Key="copy/dst", CopySource={"Bucket": BUCKET, "Key": "hello/world.txt"},
                   MetadataDirective="REPLACE", Metadata={"new": "1"}, ContentType="text/x-copied")
    head = s3.head_object(Bucket=BUCKET, Key="copy/dst")
    out["copy"] = {"etag": head["ETag"], "type": head["ContentType"], "meta": head["Metadata"]}
    s3.copy_object(Bucket=BUCKET, Key="copy/same-meta", CopySource={"Bucket": BUCKET, "Key": "hello/world.txt"})
    out["copy_meta"] = s3.head_object(Bucket=BUCKET, Key="copy/same-meta")["Metadata"]

    deleted = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "list/%03d" % i} for i in range(25)]})
    left = s3.list_objects_v2(Bucket=BUCKET, Prefix="list/")
    out["delete_objects"] = {"deleted": sorted(d["Key"] for d in deleted.get("Deleted", [])),
                             "errors": deleted.get("Errors", []), "left": left["KeyCount"]}

    rules = [{"ID": "one", "AllowedHeaders": ["*"], "AllowedMethods": ["GET", "PUT"],
              "AllowedOrigins": ["https://boto3.example"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 120},
             {"AllowedMethods": ["HEAD"], "AllowedOrigins": ["*"]}]
    s3.put_bucket_cors(Bucket=BUCKET, CORSConfiguration={"CORSRules": rules})
    got = s3.get_bucket_cors(Bucket=BUCKET)["CORSRules"]
    s3.delete_bucket_cors(Bucket=BUCKET)
    out["cors"] = {"sent": rules, "got": got,
                   "after_delete": error_code(lambda: s3.get_bucket_cors(Bucket=BUCKET))}

    out["missing_key"] = error_code(lambda: s3.get_object(Bucket=BUCKET, Key="no/such/key"))
    if os.environ.get("DOORMAN_TLS_ENDPOINT"):
        out["tls"] = over_tls()
    json.dump(out, sys.stdout)


def over_tls():
    """Over HTTPS botocore sends bodies aws-chunked with the checksum in a trailer."""
    s3 = boto3.client(
        "s3",
        endpoint_url=os.environ["DOORMAN_TLS_ENDPOINT"],
        region_name="us-east-1",
        verify=os.environ["DOORMAN_CA"],
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
    seen = []

    def note(request, **kwargs):
        seen.append([header(request, "x-amz-content-sha256"), header(request, "x-amz-trailer")])

    s3.meta.events.register("before-send.s3.PutObject", note)
    s3.create_bucket(Bucket="boto3-tls")
    out = {}
    body = bytes(range(256)) * 1000
    for alg in ["", "SHA256", "SHA1"]:  # CRC32C and CRC64NVME need awscrt
        kwargs = {"ChecksumAlgorithm": alg} if alg else {}
        put = s3.put_object(Bucket="boto3-tls", Key="obj-" + alg, Body=body, **kwargs)
        got = s3.get_object(Bucket="boto3-tls", Key="obj-" + alg, ChecksumMode="ENABLED")
        name = "Checksum" + (alg or "CRC32")
        out[alg or "default"] = {"put": put.get(name, ""), "get": got.get(name, ""),
                                 "equal": got["Body"].read() == body, "etag": got["ETag"]}
    out["framing"] = seen
    s3.upload_file(os.path.join(WORKDIR, "big.bin"), "boto3-tls", "big")
    head = s3.head_object(Bucket="boto3-tls", Key="big", ChecksumMode="ENABLED")
    out["big"] = {"etag": head["ETag"], "length": head["ContentLength"], "crc32": head.get("ChecksumCRC32", "")}
    return out


if __name__ == "__main__":
    main()
