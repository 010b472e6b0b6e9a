"""What the Object Lock and attributes scripts share: a boto3 client for the server in
DOORMAN_ENDPOINT with the keys of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, path-style and
without retries, and the outcome of a request that may be refused."""

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


def refusal(e):
    """A refusal's code and status."""
    return "%s %d" % (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])


def outcome(f, **kw):
    """Runs one request: "ok", or the refusal's code and status."""
    try:
        f(**kw)
        return "ok"
    except ClientError as e:
        return refusal(e)
