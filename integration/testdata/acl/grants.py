"""Drives full ACLs with boto3 as three accounts and prints what each step answered as one JSON
document, for acl_grants_test.go.

DOORMAN_ENDPOINT is the server. AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are the keys of the
bucket owner, GRANTEE_ACCESS_KEY and GRANTEE_SECRET_KEY those of the account the grants name,
THIRD_ACCESS_KEY and THIRD_SECRET_KEY those of an account that only the last grant names;
OWNER_ID, GRANTEE_ID and THIRD_ID are their canonical ids. A step that may be refused answers
"ok" or "<Code> <status>" ("<Code> <status> <Message>" for the refusals of malformed grants);
a step that reads a grant list answers the Grants as boto3 returns them. A failure of a step
that sets the scene raises, which fails the calling test.
"""

import json
import os

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["DOORMAN_ENDPOINT"]
OWNER_ID = os.environ["OWNER_ID"]
GRANTEE_ID = os.environ["GRANTEE_ID"]
THIRD_ID = os.environ["THIRD_ID"]
BUCKET = "boto3-grants"


def client(access_key, secret_key):
    return boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


owner = client(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
grantee = client(os.environ["GRANTEE_ACCESS_KEY"], os.environ["GRANTEE_SECRET_KEY"])
third = client(os.environ["THIRD_ACCESS_KEY"], os.environ["THIRD_SECRET_KEY"])


def outcome(f, message=False, **kw):
    """Runs one request: "ok", or the refusal's code and status (and message)."""
    try:
        f(**kw)
        return "ok"
    except ClientError as e:
        err = e.response["Error"]
        out = err["Code"] + " " + str(e.response["ResponseMetadata"]["HTTPStatusCode"])
        return out + " " + err.get("Message", "") if message else out


def body(f, **kw):
    """The body of a GetObject, or the refusal's code and status."""
    try:
        return f(**kw)["Body"].read().decode()
    except ClientError as e:
        return e.response["Error"]["Code"] + " " + str(e.response["ResponseMetadata"]["HTTPStatusCode"])


def grants(f, **kw):
    """The Grants of a GetBucketAcl or GetObjectAcl, or the refusal's code and status."""
    try:
        return f(**kw)["Grants"]
    except ClientError as e:
        return e.response["Error"]["Code"] + " " + str(e.response["ResponseMetadata"]["HTTPStatusCode"])


def to_grantee(*permissions):
    """An AccessControlPolicy granting the grantee account the permissions."""
    return {
        "Owner": {"ID": OWNER_ID},
        "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": GRANTEE_ID}, "Permission": p} for p in permissions],
    }


owner.create_bucket(Bucket=BUCKET, ObjectOwnership="ObjectWriter")
owner.delete_public_access_block(Bucket=BUCKET)
out = {}

# Bucket permissions, each given alone in turn.
out["write_before_grant"] = outcome(grantee.put_object, Bucket=BUCKET, Key="by-grantee", Body=b"x")
owner.put_bucket_acl(Bucket=BUCKET, AccessControlPolicy=to_grantee("WRITE"))
out["write"] = outcome(grantee.put_object, Bucket=BUCKET, Key="by-grantee", Body=b"x")
out["write_third"] = outcome(third.put_object, Bucket=BUCKET, Key="by-third", Body=b"x")
out["get_acl_with_write"] = outcome(grantee.get_bucket_acl, Bucket=BUCKET)

owner.put_bucket_acl(Bucket=BUCKET, AccessControlPolicy=to_grantee("READ_ACP"))
out["get_acl_with_read_acp"] = grants(grantee.get_bucket_acl, Bucket=BUCKET)
out["put_acl_with_read_acp"] = outcome(grantee.put_bucket_acl, Bucket=BUCKET, GrantRead="id=" + GRANTEE_ID)
out["write_with_read_acp"] = outcome(grantee.put_object, Bucket=BUCKET, Key="by-grantee", Body=b"x")

owner.put_bucket_acl(Bucket=BUCKET, AccessControlPolicy=to_grantee("WRITE_ACP"))
out["get_acl_with_write_acp"] = outcome(grantee.get_bucket_acl, Bucket=BUCKET)
out["put_acl_with_write_acp"] = outcome(grantee.put_bucket_acl, Bucket=BUCKET, GrantRead="id=" + GRANTEE_ID)
out["acl_the_grantee_put"] = grants(owner.get_bucket_acl, Bucket=BUCKET)
out["list_with_read"] = outcome(grantee.list_objects_v2, Bucket=BUCKET)

# Object permissions given when the object is written.
owner.put_object(Bucket=BUCKET, Key="read", Body=b"read body", GrantRead="id=" + GRANTEE_ID)
out["object_read"] = body(grantee.get_object, Bucket=BUCKET, Key="read")
out["object_read_third"] = body(third.get_object, Bucket=BUCKET, Key="read")
out["object_read_get_acl"] = outcome(grantee.get_object_acl, Bucket=BUCKET, Key="read")
out["object_read_acl"] = grants(owner.get_object_acl, Bucket=BUCKET, Key="read")

owner.put_object(Bucket=BUCKET, Key="full", Body=b"full body", GrantFullControl='id="' + GRANTEE_ID + '"')
out["object_full_get"] = body(grantee.get_object, Bucket=BUCKET, Key="full")
out["object_full_acl"] = grants(grantee.get_object_acl, Bucket=BUCKET, Key="full")
out["object_full_put_acl"] = outcome(grantee.put_object_acl, Bucket=BUCKET, Key="full", GrantRead="id=" + THIRD_ID)
out["object_full_third_after"] = body(third.get_object, Bucket=BUCKET, Key="full")

# Grants that name no account, and a canned ACL given with grant headers.
UNKNOWN_EMAIL = {"Type": "AmazonCustomerByEmail", "EmailAddress": "nobody@example.com"}
out["unknown_id"] = outcome(owner.put_bucket_acl, True, Bucket=BUCKET, GrantRead="id=" + "0" * 64)
out["malformed_id"] = outcome(owner.put_bucket_acl, True, Bucket=BUCKET, GrantWrite="id=not-a-canonical-id")
out["unknown_email_header"] = outcome(owner.put_bucket_acl, True, Bucket=BUCKET, GrantRead='emailAddress="nobody@example.com"')
out["unknown_email_body"] = outcome(
    owner.put_object_acl,
    True,
    Bucket=BUCKET,
    Key="read",
    AccessControlPolicy={"Owner": {"ID": OWNER_ID}, "Grants": [{"Grantee": UNKNOWN_EMAIL, "Permission": "READ"}]},
)
out["canned_and_grant_bucket"] = outcome(owner.put_bucket_acl, True, Bucket=BUCKET, ACL="private", GrantRead="id=" + GRANTEE_ID)
out["canned_and_grant_object"] = outcome(owner.put_object_acl, True, Bucket=BUCKET, Key="read", ACL="private", GrantRead="id=" + GRANTEE_ID)
out["bucket_acl_after_refusals"] = grants(owner.get_bucket_acl, Bucket=BUCKET)
out["object_acl_after_refusals"] = grants(owner.get_object_acl, Bucket=BUCKET, Key="read")

print(json.dumps(out))
