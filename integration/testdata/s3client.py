"""The boto3 client the scripts under testdata share (runBoto3Script puts this directory on
their path): the server in DOORMAN_ENDPOINT with the keys of AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY, path-style, signature version 4, without retries; and the outcome of a
request that may be refused."""

import os

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

s3 = boto3.client(
    "s3",
    endpoint_url=os.environ["DOORMAN_ENDPOINT"],
    region_name="us-east-1",
    aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
    aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
    config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
)


def refusal(e, with_message=True):
    """A refusal's code and status, then its message unless with_message is false."""
    err = e.response["Error"]
    code = "%s %d" % (err["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
    return "%s %s" % (code, err.get("Message", "")) if with_message else code


def outcome(f, with_message=True, **kw):
    """Runs one request: "ok", or its refusal (see refusal)."""
    try:
        f(**kw)
        return "ok"
    except ClientError as e:
        return refusal(e, with_message)
