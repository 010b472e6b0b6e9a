"""Drives Object Lock with boto3 and prints what each step answered as one JSON document, for
objectlock_test.go.

DOORMAN_ENDPOINT is the server; AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are the keys of the
buckets' owner; DOORMAN_RETAIN_UNTIL is a future date, to the millisecond
(2027-12-01T03:20:00.123Z), that the retentions set here end at. A step that may be refused
answers "ok" or "<Code> <status>"; a date is printed as that same form, so that a round trip is
compared exactly. A failure of a step that sets the scene raises, which fails the calling test.
"""

import datetime
import json
import os

from botocore.exceptions import ClientError

from common import outcome, s3

LOCKED = "boto3-lock"
PLAIN = "boto3-lock-plain"
UTC = datetime.timezone.utc

UNTIL = datetime.datetime.strptime(os.environ["DOORMAN_RETAIN_UNTIL"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
DAY = datetime.timedelta(days=1)


def iso(t):
    """A date as the test writes it: UTC, to the millisecond."""
    t = t.astimezone(UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def exists(key, version_id):
    """Whether a version is still there."""
    try:
        s3.head_object(Bucket=LOCKED, Key=key, VersionId=version_id)
        return True
    except ClientError as e:
        if e.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
            return False
        raise


def put(key, **lock):
    return s3.put_object(Bucket=LOCKED, Key=key, Body=key.encode(), **lock)["VersionId"]


def lock_of(key, version_id):
    """The Object Lock fields HeadObject answers for a version."""
    head = s3.head_object(Bucket=LOCKED, Key=key, VersionId=version_id)
    until = head.get("ObjectLockRetainUntilDate")
    return [head.get("ObjectLockMode", "(none)"), iso(until) if until else "(none)", head.get("ObjectLockLegalHoldStatus", "(none)")]


def retention(key, version_id):
    r = s3.get_object_retention(Bucket=LOCKED, Key=key, VersionId=version_id)["Retention"]
    return [r["Mode"], iso(r["RetainUntilDate"])]


def set_retention(key, version_id, mode, until, **kw):
    return outcome(s3.put_object_retention, Bucket=LOCKED, Key=key, VersionId=version_id,
                   Retention={"Mode": mode, "RetainUntilDate": until}, **kw)


def deleted(answer):
    return {"deleted": sorted(d["Key"] for d in answer.get("Deleted", [])),
            "errors": sorted([e["Key"], e["Code"]] for e in answer.get("Errors", []))}


out = {}

# A bucket created with Object Lock has versioning Enabled for good.
s3.create_bucket(Bucket=LOCKED, ObjectLockEnabledForBucket=True)
out["versioning"] = s3.get_bucket_versioning(Bucket=LOCKED).get("Status", "(none)")
out["configuration"] = s3.get_object_lock_configuration(Bucket=LOCKED)["ObjectLockConfiguration"]
out["suspend"] = outcome(s3.put_bucket_versioning, Bucket=LOCKED, VersioningConfiguration={"Status": "Suspended"})

# A bucket without Object Lock: no configuration, no lock settings, and Object Lock enabled only
# once its versioning is.
s3.create_bucket(Bucket=PLAIN)
enabled = {"ObjectLockEnabled": "Enabled"}
out["plain_configuration"] = outcome(s3.get_object_lock_configuration, Bucket=PLAIN)
out["plain_enable_unversioned"] = outcome(s3.put_object_lock_configuration, Bucket=PLAIN, ObjectLockConfiguration=enabled)
try:
    s3.put_object(Bucket=PLAIN, Key="k", Body=b"k", ObjectLockLegalHoldStatus="ON")
    out["plain_legal_hold_header"] = "ok"
except ClientError as e:
    err = e.response["Error"]
    out["plain_legal_hold_header"] = "%s %d %s" % (err["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"], err.get("Message", ""))
s3.put_object(Bucket=PLAIN, Key="k", Body=b"k")
out["plain_retention"] = outcome(s3.put_object_retention, Bucket=PLAIN, Key="k",
                                 Retention={"Mode": "GOVERNANCE", "RetainUntilDate": UNTIL})
s3.put_bucket_versioning(Bucket=PLAIN, VersioningConfiguration={"Status": "Enabled"})
out["plain_enable_versioned"] = outcome(s3.put_object_lock_configuration, Bucket=PLAIN, ObjectLockConfiguration=enabled)
out["plain_configuration_after"] = s3.get_object_lock_configuration(Bucket=PLAIN)["ObjectLockConfiguration"]

# Configurations S3 refuses.
for name, rule in (
    ("lowercase_mode", {"DefaultRetention": {"Mode": "governance", "Days": 1}}),
    ("days_and_years", {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1, "Years": 1}}),
    ("zero_days", {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 0}}),
):
    out["config_" + name] = outcome(s3.put_object_lock_configuration, Bucket=LOCKED,
                                    ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": rule})
out["config_disabled"] = outcome(s3.put_object_lock_configuration, Bucket=LOCKED, ObjectLockConfiguration={"ObjectLockEnabled": "Disabled"})

# GOVERNANCE: a version named by id survives a delete and a shorter retention without the
# bypass, and goes with it; a delete without a version only adds a delete marker.
g = put("g", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=UNTIL)
out["g_head"] = lock_of("g", g)
out["g_retention"] = retention("g", g)
out["g_delete"] = outcome(s3.delete_object, Bucket=LOCKED, Key="g", VersionId=g)
out["g_survives_delete"] = exists("g", g)
out["g_shorten"] = set_retention("g", g, "GOVERNANCE", UNTIL - DAY)
out["g_to_compliance"] = set_retention("g", g, "COMPLIANCE", UNTIL + DAY)
out["g_extend"] = set_retention("g", g, "GOVERNANCE", UNTIL + DAY)
out["g_shorten_bypass"] = set_retention("g", g, "GOVERNANCE", UNTIL, BypassGovernanceRetention=True)
out["g_retention_after"] = retention("g", g)
yesterday = datetime.datetime.now(UTC) - DAY
out["g_past_date"] = set_retention("g", g, "GOVERNANCE", yesterday, BypassGovernanceRetention=True)
out["g_lowercase_mode"] = set_retention("g", g, "governance", UNTIL + DAY)
out["g_marker"] = s3.delete_object(Bucket=LOCKED, Key="g").get("DeleteMarker", False)
out["g_survives_marker"] = exists("g", g)
# The key's latest version is now the delete marker, which has no retention to read or set.
out["g_marker_retention"] = outcome(s3.put_object_retention, Bucket=LOCKED, Key="g",
                                    Retention={"Mode": "GOVERNANCE", "RetainUntilDate": UNTIL})
out["g_delete_bypass"] = outcome(s3.delete_object, Bucket=LOCKED, Key="g", VersionId=g, BypassGovernanceRetention=True)
out["g_survives_bypass"] = exists("g", g)

# A legal hold: no end date, no bypass.
h = put("h", ObjectLockLegalHoldStatus="ON")
out["h_head"] = lock_of("h", h)
out["h_legal_hold"] = s3.get_object_legal_hold(Bucket=LOCKED, Key="h", VersionId=h)["LegalHold"]["Status"]
out["h_no_retention"] = outcome(s3.get_object_retention, Bucket=LOCKED, Key="h", VersionId=h)
out["h_delete_bypass"] = outcome(s3.delete_object, Bucket=LOCKED, Key="h", VersionId=h, BypassGovernanceRetention=True)
s3.put_object_legal_hold(Bucket=LOCKED, Key="h", VersionId=h, LegalHold={"Status": "OFF"})
out["h_legal_hold_off"] = s3.get_object_legal_hold(Bucket=LOCKED, Key="h", VersionId=h)["LegalHold"]["Status"]
out["h_delete_released"] = outcome(s3.delete_object, Bucket=LOCKED, Key="h", VersionId=h)
out["h_survives_release"] = exists("h", h)

# COMPLIANCE: only kept or extended, and no delete, bypass or not.
c = put("c", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=UNTIL)
out["c_shorten_bypass"] = set_retention("c", c, "COMPLIANCE", UNTIL - DAY, BypassGovernanceRetention=True)
out["c_to_governance_bypass"] = set_retention("c", c, "GOVERNANCE", UNTIL + DAY, BypassGovernanceRetention=True)
out["c_extend"] = set_retention("c", c, "COMPLIANCE", UNTIL + DAY)
out["c_retention_after"] = retention("c", c)
out["c_delete_bypass"] = outcome(s3.delete_object, Bucket=LOCKED, Key="c", VersionId=c, BypassGovernanceRetention=True)

# DeleteObjects: a locked version is an entry's error; with the bypass it is deleted.
d1 = put("d1", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=UNTIL)
d2 = put("d2")
both = {"Objects": [{"Key": "d1", "VersionId": d1}, {"Key": "d2", "VersionId": d2}]}
out["delete_objects"] = deleted(s3.delete_objects(Bucket=LOCKED, Delete=both))
out["delete_objects_bypass"] = deleted(s3.delete_objects(Bucket=LOCKED, Delete={"Objects": [{"Key": "d1", "VersionId": d1}]},
                                                         BypassGovernanceRetention=True))
out["d1_survives"] = exists("d1", d1)

# A multipart upload's lock settings apply to the object it completes.
up = s3.create_multipart_upload(Bucket=LOCKED, Key="mp", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=UNTIL)
part = s3.upload_part(Bucket=LOCKED, Key="mp", UploadId=up["UploadId"], PartNumber=1, Body=b"multipart")
mp = s3.complete_multipart_upload(Bucket=LOCKED, Key="mp", UploadId=up["UploadId"],
                                  MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})["VersionId"]
out["mp_head"] = lock_of("mp", mp)

# The bucket's default retention: a write without a retention of its own gets one that ends the
# period after it; a write that names one keeps its own.
default = {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}}
s3.put_object_lock_configuration(Bucket=LOCKED, ObjectLockConfiguration=default)
out["default_configuration"] = s3.get_object_lock_configuration(Bucket=LOCKED)["ObjectLockConfiguration"]
# The window allows for the seconds the server's and the script's clocks read apart.
before = datetime.datetime.now(UTC) - datetime.timedelta(seconds=1)
r = put("r")
after = datetime.datetime.now(UTC) + datetime.timedelta(seconds=1)
head = s3.head_object(Bucket=LOCKED, Key="r", VersionId=r)
out["r_default_mode"] = head.get("ObjectLockMode", "(none)")
out["r_default_until_in_window"] = before + DAY <= head["ObjectLockRetainUntilDate"] <= after + DAY
out["r_delete"] = outcome(s3.delete_object, Bucket=LOCKED, Key="r", VersionId=r)
own = put("own", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=UNTIL)
out["own_head"] = lock_of("own", own)

print(json.dumps(out))
