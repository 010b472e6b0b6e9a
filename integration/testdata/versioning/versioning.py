"""Drives object versioning with boto3 and prints what each step answered as one JSON document,
for versioning_test.go.

DOORMAN_ENDPOINT is the server; AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are the keys of the
bucket's owner. Version ids are random, so the script names each version by what it holds ("a1"
the first body written to key "a") and each delete marker "m1", "m2", ... in the order they were
made; "null" stays "null", and an id it never saw is "?<id>". A listing is a list of
[key, name, IsLatest, "object" or "marker"] in the order of the XML answer (boto3 parses versions
and delete markers into two lists, losing how they interleave; the script checks that those two
lists hold the same entries in the same order). A step that may be refused answers "ok" or
"<Code> <status> <Message>". A failure of a step that sets the scene raises, which fails the
calling test.
"""

import json
import xml.etree.ElementTree as ET

from s3client import outcome, s3

BUCKET = "boto3-versioning"


# The body of the last ListObjectVersions answer, kept for the order of its entries.
last_listing = {}


def keep_listing(http_response, **kwargs):
    last_listing["body"] = http_response.content


s3.meta.events.register("after-call.s3.ListObjectVersions", keep_listing)

names = {"null": "null"}
markers = 0


def name(version_id):
    return names.get(version_id, "?%s" % version_id)


def put(key, body):
    """Writes a version and names its id after its body; returns the answer."""
    answer = s3.put_object(Bucket=BUCKET, Key=key, Body=body.encode())
    if "VersionId" in answer:
        names.setdefault(answer["VersionId"], body)
    return answer


def new_marker(version_id):
    global markers
    if version_id not in names:
        markers += 1
        names[version_id] = "m%d" % markers
    return names[version_id]


def body(key, **kw):
    return s3.get_object(Bucket=BUCKET, Key=key, **kw)["Body"].read().decode()


def entry(v, kind):
    return [v["Key"], name(v["VersionId"]), v["IsLatest"], kind]


def listing(**kw):
    """The versions and delete markers of one ListObjectVersions answer, in its order."""
    parsed = s3.list_object_versions(Bucket=BUCKET, **kw)
    out = []
    for el in ET.fromstring(last_listing["body"]):
        kind = {"Version": "object", "DeleteMarker": "marker"}.get(el.tag.split("}")[-1])
        if kind:
            out.append([el.findtext("{*}Key"), name(el.findtext("{*}VersionId")), el.findtext("{*}IsLatest") == "true", kind])
    for field, kind in (("Versions", "object"), ("DeleteMarkers", "marker")):
        mine = [entry(v, kind) for v in parsed.get(field, [])]
        if mine != [e for e in out if e[3] == kind]:
            raise AssertionError("boto3's %s %r differ from the answer's %r" % (field, mine, out))
    return out


def set_versioning(status):
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": status})
    return s3.get_bucket_versioning(Bucket=BUCKET).get("Status", "(none)")


s3.create_bucket(Bucket=BUCKET)
out = {}

# Before versioning is ever set: no Status, and the object written is the null version.
out["status_unset"] = s3.get_bucket_versioning(Bucket=BUCKET).get("Status", "(none)")
s3.put_object(Bucket=BUCKET, Key="pre", Body=b"pre")
s3.put_object(Bucket=BUCKET, Key="n", Body=b"n1")

out["status_enabled"] = set_versioning("Enabled")
a1, a2 = put("a", "a1")["VersionId"], put("a", "a2")["VersionId"]
out["put_ids_distinct"] = a1 != a2 and "null" not in (a1, a2)
out["pre_listed"] = listing(Prefix="pre")
out["pre_by_null_id"] = body("pre", VersionId="null")
put("n", "n2")
out["get_a1_by_id"] = body("a", VersionId=a1)
latest = s3.get_object(Bucket=BUCKET, Key="a")
out["get_latest"] = [latest["Body"].read().decode(), name(latest.get("VersionId"))]
deleted = s3.delete_object(Bucket=BUCKET, Key="a")
out["simple_delete"] = [deleted.get("DeleteMarker"), new_marker(deleted["VersionId"])]
out["after_simple_delete"] = outcome(s3.get_object, Bucket=BUCKET, Key="a")
out["listed_after_delete"] = listing(Prefix="a")

# Suspended: writes and deletes make the null version.
out["status_suspended"] = set_versioning("Suspended")
out["suspended_put_version"] = put("a", "s1").get("VersionId", "(none)")
out["suspended_head_version"] = s3.head_object(Bucket=BUCKET, Key="a").get("VersionId", "(none)")
got = s3.get_object(Bucket=BUCKET, Key="a")
out["suspended_get"] = [got["Body"].read().decode(), got.get("VersionId", "(none)")]
put("a", "s2")
out["listed_after_suspended_puts"] = listing(Prefix="a")
out["null_body"] = body("a", VersionId="null")
# The null version written before versioning was set, no longer the latest, is replaced too.
put("n", "n3")
out["listed_null_replaced"] = listing(Prefix="n")
out["replaced_null_body"] = body("n", VersionId="null")
out["suspended_delete_marker"] = s3.delete_object(Bucket=BUCKET, Key="a").get("DeleteMarker")
out["after_suspended_delete"] = outcome(s3.get_object, Bucket=BUCKET, Key="a")
out["listed_after_suspended_delete"] = listing(Prefix="a")

# DeleteObjects naming versions, and a key without one, once versioning is Enabled again.
set_versioning("Enabled")
m1 = [v for v, n in names.items() if n == "m1"][0]
answer = s3.delete_objects(
    Bucket=BUCKET,
    Delete={"Objects": [{"Key": "a", "VersionId": a1}, {"Key": "a", "VersionId": m1}, {"Key": "a", "VersionId": "null"}, {"Key": "pre"}]},
)
reported = []
for d in answer.get("Deleted", []):
    r = {"Key": d["Key"]}
    if "VersionId" in d:
        r["VersionId"] = name(d["VersionId"])
    if "DeleteMarker" in d:
        r["DeleteMarker"] = d["DeleteMarker"]
    if "DeleteMarkerVersionId" in d:
        r["DeleteMarkerVersionId"] = new_marker(d["DeleteMarkerVersionId"])
    reported.append(r)
out["delete_objects"] = sorted(reported, key=lambda r: (r["Key"], r.get("VersionId", "")))
out["delete_objects_errors"] = len(answer.get("Errors", []))
out["listed_after_delete_objects"] = listing()
out["get_after_delete_objects"] = body("a")

# The paginator, one entry a page: PageSize is sent as max-keys.
put("p/a", "pa1")
pa2 = put("p/a", "pa2")["VersionId"]
new_marker(s3.delete_object(Bucket=BUCKET, Key="p/a")["VersionId"])
put("p/b", "pb1")
pages = list(s3.get_paginator("list_object_versions").paginate(Bucket=BUCKET, Prefix="p/", PaginationConfig={"PageSize": 1}))
out["pages"] = [entry(v, kind) for p in pages for field, kind in (("Versions", "object"), ("DeleteMarkers", "marker")) for v in p.get(field, [])]
out["pages_entries"] = [len(p.get("Versions", [])) + len(p.get("DeleteMarkers", [])) for p in pages]
out["pages_truncated"] = [p["IsTruncated"] for p in pages]
out["page_after_markers"] = listing(Prefix="p/", KeyMarker="p/a", VersionIdMarker=pa2)
# With a delimiter, the keys under p/ roll up into one common prefix, which takes a page of its
# own and is not listed again on the page after it.
pages = list(s3.get_paginator("list_object_versions").paginate(Bucket=BUCKET, Delimiter="/", PaginationConfig={"PageSize": 1}))
out["delimited_pages"] = [
    [entry(v, kind) for field, kind in (("Versions", "object"), ("DeleteMarkers", "marker")) for v in p.get(field, [])]
    + [["prefix", c["Prefix"]] for c in p.get("CommonPrefixes", [])]
    for p in pages
]

# CompleteMultipartUpload answers the id of the version it made.
up = s3.create_multipart_upload(Bucket=BUCKET, Key="mp")
part = s3.upload_part(Bucket=BUCKET, Key="mp", UploadId=up["UploadId"], PartNumber=1, Body=b"mp1")
done = s3.complete_multipart_upload(
    Bucket=BUCKET, Key="mp", UploadId=up["UploadId"], MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
)
vid = done.get("VersionId", "(none)")
out["multipart_version_id"] = "new" if vid not in names and vid != "(none)" else vid
names.setdefault(vid, "mp1")
out["multipart_listed"] = listing(Prefix="mp")

print(json.dumps(out))
