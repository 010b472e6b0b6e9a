"""What the Object Lock and attributes scripts share: the outcome of a request that may be
refused, and the shared client (s3client.py)."""

from botocore.exceptions import ClientError
from s3client import s3


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
