"""Drives bucket lifecycle configurations with boto3 and prints what each step answered as one
JSON document, for lifecycle_test.go.

DOORMAN_ENDPOINT is the server; AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are the keys of the
bucket's owner. A step that may be refused answers "ok" or "<Code> <status>" (with the message
where S3's is on record). A step reading x-amz-expiration answers "(none)" without the header,
"malformed: <header>" when it is not of S3's form
(expiry-date="Fri, 23 Dec 2012 00:00:00 GMT", rule-id="rule1"), and otherwise, for a rule
counting days, "D+<n> <time> <rule id>": n days after the midnight UTC that starts the day of
the object's LastModified, so that S3's rounding to the next midnight shows whatever the hour of
the test. A failure of a step that sets the scene raises, which fails the calling test.
"""

import datetime
import email.utils
import json
import re

from s3client import outcome, s3

BUCKET = "boto3-lifecycle"
HEADER = re.compile(r'expiry-date="(\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT)", rule-id="(.*)"')


def expiration(answer, key=None):
    """What an answer's x-amz-expiration says, relative to the LastModified of key (the
    answer's own LastModified when key is None)."""
    header = answer.get("Expiration")
    if header is None:
        return "(none)"
    m = HEADER.fullmatch(header)
    if not m:
        return "malformed: " + header
    when = email.utils.parsedate_to_datetime(m.group(1))
    modified = answer.get("LastModified") if key is None else s3.head_object(Bucket=BUCKET, Key=key)["LastModified"]
    start = modified.astimezone(datetime.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return "D+%d %s %s" % ((when - start).days, when.strftime("%H:%M:%S"), m.group(2))


def put(key, body=b"body", **kw):
    return expiration(s3.put_object(Bucket=BUCKET, Key=key, Body=body, **kw), key)


def head(key):
    return expiration(s3.head_object(Bucket=BUCKET, Key=key))


def rules(*extra_rules):
    return {"Rules": list(extra_rules)}


def expire(rule_id, days=1, **kw):
    """A rule expiring the objects under rule_id/ after days, changed by kw."""
    rule = {"ID": rule_id, "Status": "Enabled", "Filter": {"Prefix": rule_id + "/"}, "Expiration": {"Days": days}}
    rule.update(kw)
    return rule


def put_configuration(configuration):
    return outcome(s3.put_bucket_lifecycle_configuration, with_message=False, Bucket=BUCKET, LifecycleConfiguration=configuration)


def plain(value):
    """A parsed answer as JSON: dates as ISO 8601."""
    return json.loads(json.dumps(value, default=lambda d: d.isoformat()))


s3.create_bucket(Bucket=BUCKET)
out = {}
out["get_none"] = outcome(s3.get_bucket_lifecycle_configuration, Bucket=BUCKET)

CONFIGURATION = rules(
    {"ID": "logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 3}},
    # Of two rules expiring an object, the shorter expiration wins (intro-lifecycle-rules.html).
    {"ID": "logs-temp", "Status": "Enabled", "Filter": {"And": {"Prefix": "logs/", "Tags": [{"Key": "temp", "Value": "yes"}]}},
     "Expiration": {"Days": 1}},
    {"ID": "archive", "Status": "Enabled", "Filter": {"Prefix": "archive/"}, "Expiration": {"Date": datetime.datetime(2099, 1, 1, tzinfo=datetime.timezone.utc)}},
    {"ID": "big", "Status": "Enabled", "Filter": {"And": {"Prefix": "sized/", "ObjectSizeGreaterThan": 100}}, "Expiration": {"Days": 2}},
    # A rule Disabled is kept and does nothing.
    {"ID": "off", "Status": "Disabled", "Filter": {}, "Expiration": {"Days": 1}},
    {"ID": "uploads", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
     "NoncurrentVersionExpiration": {"NoncurrentDays": 30, "NewerNoncurrentVersions": 2}},
)
out["put"] = put_configuration(CONFIGURATION)
out["get"] = plain(s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"])

# x-amz-expiration on the answers of the writes and reads of a current version a rule expires.
out["put_logs"] = put("logs/a.txt")
out["head_logs"] = head("logs/a.txt")
get = s3.get_object(Bucket=BUCKET, Key="logs/a.txt")
get["Body"].read()
out["get_logs"] = expiration(get)
out["put_logs_temp"] = put("logs/t.txt", Tagging="temp=yes")
out["head_logs_temp"] = head("logs/t.txt")
out["put_archive"] = s3.put_object(Bucket=BUCKET, Key="archive/x", Body=b"x").get("Expiration", "(none)")
out["put_other"] = put("other/x")
out["put_sized_small"] = put("sized/small", body=b"s" * 100)
out["put_sized_big"] = put("sized/big", body=b"b" * 101)
out["copy_logs"] = expiration(s3.copy_object(Bucket=BUCKET, Key="logs/copy", CopySource={"Bucket": BUCKET, "Key": "other/x"}), "logs/copy")
up = s3.create_multipart_upload(Bucket=BUCKET, Key="logs/mp")
part = s3.upload_part(Bucket=BUCKET, Key="logs/mp", UploadId=up["UploadId"], PartNumber=1, Body=b"the only part")
done = s3.complete_multipart_upload(Bucket=BUCKET, Key="logs/mp", UploadId=up["UploadId"],
                                    MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
out["complete_logs"] = expiration(done, "logs/mp")

# Configurations S3 refuses, each changing nothing (ceph/s3-tests' test_lifecycle_id_too_long,
# _same_id, _invalid_status, _expiration_days0; API_LifecycleExpiration.html: a Date "is always
# midnight UTC"). Transitions need storage classes doorman does not have: refused, never
# accepted and ignored.
out["id_too_long"] = put_configuration(rules(expire("a" * 256)))
out["same_id"] = put_configuration(rules(expire("twice"), expire("twice", Filter={"Prefix": "other/"})))
out["status_lowercase"] = put_configuration(rules(expire("lower", Status="enabled")))
out["days_zero"] = put_configuration(rules(expire("zero", days=0)))
out["date_not_midnight"] = put_configuration(rules(expire("noon", Expiration={"Date": datetime.datetime(2099, 1, 1, 12, tzinfo=datetime.timezone.utc)})))
out["abort_with_tags"] = put_configuration(rules(expire("tagged", Filter={"Tag": {"Key": "k", "Value": "v"}}, AbortIncompleteMultipartUpload={"DaysAfterInitiation": 1})))
out["transition"] = put_configuration(rules(expire("cold", Transitions=[{"Days": 30, "StorageClass": "GLACIER"}])))
out["noncurrent_transition"] = put_configuration(rules(expire("cold", NoncurrentVersionTransitions=[{"NoncurrentDays": 30, "StorageClass": "GLACIER"}])))
out["no_bucket"] = outcome(s3.put_bucket_lifecycle_configuration, with_message=False, Bucket="boto3-lifecycle-none", LifecycleConfiguration=CONFIGURATION)
out["ids_after_refusals"] = [r["ID"] for r in s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]]
out["id_255"] = put_configuration(rules(expire("a" * 255)))

# The older form of the document (Lifecycle V1): a rule's own Prefix instead of a Filter, read
# back in that form; the two forms are not mixed (API_LifecycleRule.html: "Filter is required
# if the LifecycleRule does not contain a Prefix element").
LEGACY = {"ID": "legacy", "Status": "Enabled", "Prefix": "v1/", "Expiration": {"Days": 1}}
out["v1_put"] = put_configuration(rules(LEGACY))
out["v1_get"] = plain(s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"])
out["v1_with_v2"] = put_configuration(rules(LEGACY, expire("modern")))

# DeleteBucketLifecycle: the configuration is gone, and with it every x-amz-expiration.
out["delete_status"] = s3.delete_bucket_lifecycle(Bucket=BUCKET)["ResponseMetadata"]["HTTPStatusCode"]
out["get_after_delete"] = outcome(s3.get_bucket_lifecycle_configuration, Bucket=BUCKET)
out["head_after_delete"] = head("logs/a.txt")

print(json.dumps(out))
