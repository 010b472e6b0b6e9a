"""Drives GetObjectAttributes, reads of one part and conditional writes with boto3, and prints
what each step answered as one JSON document, for attributes_test.go.

DOORMAN_ENDPOINT is the server, DOORMAN_BUCKET a bucket holding "mp", an object the test made
from three parts with CRC32 checksums; AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are the keys
of the bucket's owner. A step that may be refused answers "ok" or "<Code> <status>". A failure
of a step that sets the scene raises, which fails the calling test.
"""

import hashlib
import json
import os

from common import outcome, s3

BUCKET = os.environ["DOORMAN_BUCKET"]


out = {}

attrs = s3.get_object_attributes(Bucket=BUCKET, Key="mp", ObjectAttributes=["ETag", "ObjectSize", "StorageClass", "ObjectParts"])
out["etag"] = attrs["ETag"]
out["size"] = attrs["ObjectSize"]
out["storage_class"] = attrs["StorageClass"]
out["total_parts"] = attrs["ObjectParts"]["TotalPartsCount"]

# The parts one a page, each page starting after the previous one's NextPartNumberMarker.
pages, truncated, marker = [], [], 0
while len(pages) < 10:
    page = s3.get_object_attributes(Bucket=BUCKET, Key="mp", ObjectAttributes=["ObjectParts"], MaxParts=1,
                                    PartNumberMarker=marker)["ObjectParts"]
    pages.append([[p["PartNumber"], p["Size"], p.get("ChecksumCRC32", "")] for p in page.get("Parts", [])])
    truncated.append(page.get("IsTruncated", False))
    if not page.get("IsTruncated"):
        break
    marker = int(page["NextPartNumberMarker"])
out["pages"] = pages
out["pages_truncated"] = truncated

got = s3.get_object(Bucket=BUCKET, Key="mp", PartNumber=2)
out["part_2"] = [hashlib.md5(got["Body"].read()).hexdigest(), got.get("PartsCount"), got.get("ContentRange")]
head = s3.head_object(Bucket=BUCKET, Key="mp", PartNumber=3)
out["head_part_3"] = [head["ContentLength"], head.get("PartsCount")]
out["part_4"] = outcome(s3.get_object, Bucket=BUCKET, Key="mp", PartNumber=4)

# Conditional writes.
out["put_if_none_match"] = outcome(s3.put_object, Bucket=BUCKET, Key="once", Body=b"first", IfNoneMatch="*")
out["put_if_none_match_again"] = outcome(s3.put_object, Bucket=BUCKET, Key="once", Body=b"second", IfNoneMatch="*")
first = s3.head_object(Bucket=BUCKET, Key="once")["ETag"]
out["put_if_match"] = outcome(s3.put_object, Bucket=BUCKET, Key="once", Body=b"second", IfMatch=first)
out["put_if_match_stale"] = outcome(s3.put_object, Bucket=BUCKET, Key="once", Body=b"third", IfMatch=first)
current = s3.head_object(Bucket=BUCKET, Key="once")["ETag"]


def complete(**cond):
    up = s3.create_multipart_upload(Bucket=BUCKET, Key="once")
    part = s3.upload_part(Bucket=BUCKET, Key="once", UploadId=up["UploadId"], PartNumber=1, Body=b"completed")
    return outcome(s3.complete_multipart_upload, Bucket=BUCKET, Key="once", UploadId=up["UploadId"],
                   MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}, **cond)


out["complete_if_none_match"] = complete(IfNoneMatch="*")
out["complete_if_match"] = complete(IfMatch=current)
out["after_complete"] = s3.get_object(Bucket=BUCKET, Key="once")["Body"].read().decode()

print(json.dumps(out))
