"""Drives server-side encryption with boto3 and prints what each step answered as one JSON
document, for sse_test.go.

DOORMAN_ENDPOINT is the server (started with --allow-sse-c-over-http: this script speaks plain
HTTP); AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are the keys of the bucket's owner;
DOORMAN_SSE_KEY and DOORMAN_SSE_OTHER_KEY are two SSE-C keys in hex; the data directory holds
a KMS key aliased alias/app. boto3 computes the key's MD5 header and base64-encodes the key
itself. A step reading an answer's encryption gives its encryption fields (and the body's
verdict for a read); a step that may be refused answers "ok" or "<Code> <status> <Message>",
and a HEAD, whose refusal has no body, "<status> <status>". A failure of a step that sets the
scene raises, which fails the calling test.
"""

import json
import os

from s3client import outcome, refusal, s3
from botocore.exceptions import ClientError

BUCKET = "boto3-sse"
KEY = bytes.fromhex(os.environ["DOORMAN_SSE_KEY"])
OTHER = bytes.fromhex(os.environ["DOORMAN_SSE_OTHER_KEY"])
# Two chunks of 64 KiB and a short one; a multipart part of 5 MiB.
DATA = bytes(range(256)) * 600
PART = b"p" * (5 << 20)

FIELDS = ("ServerSideEncryption", "SSECustomerAlgorithm", "SSECustomerKeyMD5", "SSEKMSKeyId", "BucketKeyEnabled")


def ssec(key):
    return {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": key}


def copy_ssec(key):
    return {"CopySourceSSECustomerAlgorithm": "AES256", "CopySourceSSECustomerKey": key}


def encryption(answer):
    """The encryption fields of an answer (of a copy's CopyObjectResult's answer too)."""
    return {f: answer[f] for f in FIELDS if f in answer}


def read(key, want=DATA, **kw):
    """A GetObject's encryption fields and whether its body is want."""
    answer = s3.get_object(Bucket=BUCKET, Key=key, **kw)
    got = encryption(answer)
    got["body"] = "same" if answer["Body"].read() == want else "different"
    return got


def head(key, **kw):
    try:
        return encryption(s3.head_object(Bucket=BUCKET, Key=key, **kw))
    except ClientError as e:
        return refusal(e)


def bucket_encryption():
    """The bucket's encryption rules, or the refusal of GetBucketEncryption."""
    try:
        return s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    except ClientError as e:
        return refusal(e)


s3.create_bucket(Bucket=BUCKET)
out = {}

# SSE-C: the key on every read, the same key.
out["put_ssec"] = encryption(s3.put_object(Bucket=BUCKET, Key="customer", Body=DATA, **ssec(KEY)))
out["get_ssec"] = read("customer", **ssec(KEY))
out["head_ssec"] = head("customer", **ssec(KEY))
out["get_ssec_no_key"] = outcome(s3.get_object, Bucket=BUCKET, Key="customer")
out["head_ssec_no_key"] = head("customer")
out["get_ssec_other_key"] = outcome(s3.get_object, with_message=False, Bucket=BUCKET, Key="customer", **ssec(OTHER))
out["head_ssec_other_key"] = head("customer", **ssec(OTHER))
# What S3 tells of any object, its tags and ACL, needs no key.
out["get_ssec_tagging_no_key"] = outcome(s3.get_object_tagging, Bucket=BUCKET, Key="customer")
out["get_ssec_acl_no_key"] = outcome(s3.get_object_acl, Bucket=BUCKET, Key="customer")
s3.put_object(Bucket=BUCKET, Key="sse-s3", Body=DATA)
out["get_sse_s3_with_key"] = outcome(s3.get_object, Bucket=BUCKET, Key="sse-s3", **ssec(KEY))

# CopyObject: the source opened with its key, the copy sealed under its own.
out["copy_to_other_key"] = encryption(
    s3.copy_object(Bucket=BUCKET, Key="copy-other", CopySource={"Bucket": BUCKET, "Key": "customer"}, **copy_ssec(KEY), **ssec(OTHER)))
out["get_copy_other_key"] = read("copy-other", **ssec(OTHER))
out["get_copy_with_source_key"] = outcome(s3.get_object, with_message=False, Bucket=BUCKET, Key="copy-other", **ssec(KEY))
out["copy_to_sse_s3"] = encryption(
    s3.copy_object(Bucket=BUCKET, Key="copy-s3", CopySource={"Bucket": BUCKET, "Key": "customer"}, **copy_ssec(KEY)))
out["get_copy_sse_s3"] = read("copy-s3")
out["copy_without_source_key"] = outcome(
    s3.copy_object, Bucket=BUCKET, Key="copy-nokey", CopySource={"Bucket": BUCKET, "Key": "customer"})

# A multipart upload with a customer key: every part with the upload's key.
up = s3.create_multipart_upload(Bucket=BUCKET, Key="multipart", **ssec(KEY))
out["create_multipart"] = encryption(up)
upload = {"Bucket": BUCKET, "Key": "multipart", "UploadId": up["UploadId"]}
parts = []
for n, body in ((1, PART), (2, DATA)):
    answer = s3.upload_part(PartNumber=n, Body=body, **upload, **ssec(KEY))
    out["upload_part_%d" % n] = encryption(answer)
    parts.append({"PartNumber": n, "ETag": answer["ETag"]})
out["upload_part_no_key"] = outcome(s3.upload_part, with_message=False, PartNumber=3, Body=DATA, **upload)
out["upload_part_other_key"] = outcome(s3.upload_part, with_message=False, PartNumber=3, Body=DATA, **upload, **ssec(OTHER))
out["complete_multipart"] = encryption(s3.complete_multipart_upload(MultipartUpload={"Parts": parts}, **upload))
out["get_multipart"] = read("multipart", want=PART + DATA, **ssec(KEY))
out["get_multipart_no_key"] = outcome(s3.get_object, with_message=False, Bucket=BUCKET, Key="multipart")

# SSE-KMS: a key by its alias, the default key, an unknown key.
out["put_kms_alias"] = encryption(
    s3.put_object(Bucket=BUCKET, Key="kms", Body=DATA, ServerSideEncryption="aws:kms", SSEKMSKeyId="alias/app"))
out["get_kms"] = read("kms")
out["head_kms"] = head("kms")
out["put_kms_default"] = encryption(s3.put_object(Bucket=BUCKET, Key="kms-default", Body=DATA, ServerSideEncryption="aws:kms"))
out["get_kms_default"] = read("kms-default")
out["put_kms_unknown"] = outcome(
    s3.put_object, Bucket=BUCKET, Key="kms-unknown", Body=DATA, ServerSideEncryption="aws:kms", SSEKMSKeyId="alias/unknown")

# Bucket default encryption.
out["get_bucket_encryption_none"] = bucket_encryption()
out["put_bucket_encryption"] = outcome(s3.put_bucket_encryption, Bucket=BUCKET, ServerSideEncryptionConfiguration={"Rules": [{
    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/app"}, "BucketKeyEnabled": True}]})
out["get_bucket_encryption"] = bucket_encryption()
out["put_under_kms_default"] = encryption(s3.put_object(Bucket=BUCKET, Key="bucket-kms", Body=DATA))
out["get_under_kms_default"] = read("bucket-kms")
out["put_ssec_under_kms_default"] = encryption(s3.put_object(Bucket=BUCKET, Key="bucket-kms-ssec", Body=DATA, **ssec(KEY)))
out["put_bucket_encryption_dsse"] = outcome(s3.put_bucket_encryption, with_message=False, Bucket=BUCKET, ServerSideEncryptionConfiguration={
    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms:dsse"}}]})
out["delete_bucket_encryption"] = s3.delete_bucket_encryption(Bucket=BUCKET)["ResponseMetadata"]["HTTPStatusCode"]
out["get_bucket_encryption_deleted"] = bucket_encryption()
out["put_after_delete"] = encryption(s3.put_object(Bucket=BUCKET, Key="after-delete", Body=DATA))

print(json.dumps(out))
