"""The boto3 client the scripts under testdata share (runBoto3Script puts this directory on
their path): the server in DOORMAN_ENDPOINT with the keys of AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY, path-style, signature version 4, without retries."""

import os

import boto3
from botocore.config import Config

s3 = boto3.client(
    "s3",
    endpoint_url=os.environ["DOORMAN_ENDPOINT"],
    region_name="us-east-1",
    aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
    aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
    config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
)
