"""Drives object and bucket tagging with boto3 and prints what each step answered as one JSON
document, for tagging_test.go.

DOORMAN_ENDPOINT is the server; AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are the keys of the
bucket's owner. A step that reads a tag set answers it sorted by key (S3 documents no order); a
step that may be refused answers "ok" or "<Code> <status> <Message>"; a step whose status
matters answers "<status>". A failure of a step that sets the scene raises, which fails the
calling test.
"""

import json

from s3client import outcome, s3

BUCKET = "boto3-tagging"


def tag_set(answer):
    """A TagSet, sorted by key."""
    return sorted(answer["TagSet"], key=lambda t: t["Key"])


def object_tags(key):
    return tag_set(s3.get_object_tagging(Bucket=BUCKET, Key=key))


def status(f, **kw):
    """The HTTP status of a request that succeeds."""
    return str(f(**kw)["ResponseMetadata"]["HTTPStatusCode"])


def tags(*pairs):
    return {"TagSet": [{"Key": k, "Value": v} for k, v in pairs]}


s3.create_bucket(Bucket=BUCKET)
out = {}

# CopyObject: COPY, the default, keeps the source's tags whatever x-amz-tagging says; REPLACE
# takes the request's, none when it has none.
s3.put_object(Bucket=BUCKET, Key="source", Body=b"source", Tagging="origin=source&kind=original")
for name, extra in [
    ("copy_directive_copy", {"TaggingDirective": "COPY", "Tagging": "ignored=yes"}),
    ("copy_no_directive", {"Tagging": "ignored=yes"}),
    ("copy_directive_replace", {"TaggingDirective": "REPLACE", "Tagging": "origin=copy&stage=new"}),
    ("copy_replace_without_tagging", {"TaggingDirective": "REPLACE"}),
]:
    s3.copy_object(Bucket=BUCKET, Key=name, CopySource={"Bucket": BUCKET, "Key": "source"}, **extra)
    out[name] = object_tags(name)
out["copy_source_after"] = object_tags("source")

# A multipart upload created with tags has them once completed, and not before.
up = s3.create_multipart_upload(Bucket=BUCKET, Key="multipart", Tagging="upload=multi&parts=1")
part = s3.upload_part(Bucket=BUCKET, Key="multipart", UploadId=up["UploadId"], PartNumber=1, Body=b"the only part")
out["multipart_before_completion"] = outcome(s3.get_object_tagging, Bucket=BUCKET, Key="multipart")
s3.complete_multipart_upload(
    Bucket=BUCKET,
    Key="multipart",
    UploadId=up["UploadId"],
    MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
)
out["multipart"] = object_tags("multipart")
out["multipart_tag_count"] = s3.head_object(Bucket=BUCKET, Key="multipart").get("TagCount")

# Refusals leave the object's tags as they were.
s3.put_object(Bucket=BUCKET, Key="limits", Body=b"limits", Tagging="keep=me")
put_tags = lambda t: outcome(s3.put_object_tagging, Bucket=BUCKET, Key="limits", Tagging=t)
out["eleven_tags"] = put_tags(tags(*[("k%d" % i, "v") for i in range(11)]))
out["duplicate_keys"] = put_tags(tags(("same", "1"), ("same", "2")))
out["key_of_129"] = put_tags(tags(("k" * 129, "v")))
out["value_of_257"] = put_tags(tags(("k", "v" * 257)))
out["aws_prefix"] = put_tags(tags(("aws:owner", "me")))
out["header_duplicate_keys"] = outcome(s3.put_object, Bucket=BUCKET, Key="limits", Body=b"x", Tagging="same=1&same=2")
out["after_refusals"] = object_tags("limits")
# The limits themselves are accepted: 10 tags, keys of 128 characters, values of 256.
out["ten_tags_at_the_limits"] = put_tags(tags(*[(("%d" % i) * 128, "v" * 256) for i in range(10)]))
out["ten_tags_stored"] = len(object_tags("limits"))

# Bucket tagging.
out["bucket_untagged"] = outcome(s3.get_bucket_tagging, Bucket=BUCKET)
out["put_bucket_tagging_status"] = status(s3.put_bucket_tagging, Bucket=BUCKET, Tagging=tags(("team", "web"), ("cost-center", "42")))
out["bucket_tags"] = tag_set(s3.get_bucket_tagging(Bucket=BUCKET))
s3.put_bucket_tagging(Bucket=BUCKET, Tagging=tags(("team", "data")))
out["bucket_tags_replaced"] = tag_set(s3.get_bucket_tagging(Bucket=BUCKET))
out["bucket_aws_prefix"] = outcome(s3.put_bucket_tagging, Bucket=BUCKET, Tagging=tags(("aws:cloudformation:stack-name", "s")))
out["bucket_duplicate_keys"] = outcome(s3.put_bucket_tagging, Bucket=BUCKET, Tagging=tags(("team", "a"), ("team", "b")))
out["bucket_tags_after_refusals"] = tag_set(s3.get_bucket_tagging(Bucket=BUCKET))
out["delete_bucket_tagging_status"] = status(s3.delete_bucket_tagging, Bucket=BUCKET)
out["bucket_after_delete"] = outcome(s3.get_bucket_tagging, Bucket=BUCKET)

print(json.dumps(out))
