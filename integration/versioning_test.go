package integration

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Object versioning through real clients, as Amazon S3 answers it. The pages they follow, under
// https://docs.aws.amazon.com/AmazonS3/: userguide/Versioning.html (objects stored before
// versioning was set have the version id null), userguide/DeleteMarker.html (a simple DELETE
// adds a delete marker, a GET without a version id then answers 404, a DELETE of the marker by
// id restores the object), userguide/AddingObjectstoVersionSuspendedBuckets.html and
// userguide/DeletingObjectsfromVersioningSuspendedBuckets.html (null versions replaced, a null
// delete marker), API/API_PutBucketVersioning.html, API/API_GetBucketVersioning.html (no Status
// before versioning was ever set), API/API_ListObjectVersions.html (key-marker,
// version-id-marker, NextKeyMarker, NextVersionIdMarker), API/API_GetObject.html and
// API/API_HeadObject.html (x-amz-delete-marker on a 404 for a key whose latest version is a
// marker; 405 Method Not Allowed with Last-Modified for a marker named by id; s3:GetObjectVersion
// to read a version named by id), API/API_DeleteObjects.html with API/API_DeletedObject.html,
// and API/API_CopyObject.html (x-amz-copy-source-version-id).

// cliVersion is a version or delete marker as list-object-versions prints it.
type cliVersion struct {
	Key       string
	VersionID string
	IsLatest  bool
}

// cliVersions is list-object-versions' answer.
type cliVersions struct {
	Versions      []cliVersion
	DeleteMarkers []cliVersion
}

// The AWS CLI: put-bucket-versioning, two put-objects, list-object-versions, get-object
// --version-id, delete-object (a delete marker), delete-object --version-id of the marker (the
// object restored), then of the latest version (the one before becomes the latest).
func TestVersioningAWSCLI(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "")
	cli := newAWSCLI(t, srv)
	const bucket, key = "cli-versioning", "doc.txt"
	cli.run(true, "s3api", "create-bucket", "--bucket", bucket)
	var state struct{ Status string }
	cli.json(&state, "s3api", "get-bucket-versioning", "--bucket", bucket)
	if state.Status != "" {
		t.Fatalf("get-bucket-versioning of a new bucket: Status %q, want none", state.Status)
	}
	cli.run(true, "s3api", "put-bucket-versioning", "--bucket", bucket, "--versioning-configuration", "Status=Enabled")
	cli.json(&state, "s3api", "get-bucket-versioning", "--bucket", bucket)
	if state.Status != "Enabled" {
		t.Fatalf("get-bucket-versioning after put-bucket-versioning Status=Enabled: Status %q", state.Status)
	}

	// Two versions of one key, each put-object answering its own id.
	put := func(body string) string {
		t.Helper()
		file := filepath.Join(cli.dir, "body-"+body)
		writeTestFile(t, file, []byte(body))
		var out struct{ ETag, VersionID string }
		cli.json(&out, "s3api", "put-object", "--bucket", bucket, "--key", key, "--body", file)
		if out.VersionID == "" || out.VersionID == "null" {
			t.Fatalf("put-object %q in a versioning-enabled bucket: VersionId %q, want a new id", body, out.VersionID)
		}
		return out.VersionID
	}
	v1, v2 := put("first"), put("second")
	if v1 == v2 {
		t.Fatalf("put-object twice: the same VersionId %q", v1)
	}

	// get reads the key (a version of it with id), checking the body and the VersionId printed;
	// it returns the CLI's error, nil on success.
	get := func(id, wantBody, wantID string) error {
		t.Helper()
		args := []string{"s3api", "get-object", "--bucket", bucket, "--key", key}
		if id != "" {
			args = append(args, "--version-id", id)
		}
		outFile := filepath.Join(cli.dir, "got")
		out, err := cli.try(true, append(args, outFile, "--output", "json")...)
		if err != nil {
			return err
		}
		var res struct{ VersionID string }
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("get-object: %v\n%s", err, out)
		}
		if got := string(readTestFile(t, outFile)); got != wantBody || res.VersionID != wantID {
			t.Errorf("get-object --version-id %q: %q version %q, want %q version %q", id, got, res.VersionID, wantBody, wantID)
		}
		return nil
	}
	// versions lists the key's versions and markers as "id latest" strings, newest first.
	versions := func() (objects, markers []string) {
		t.Helper()
		var l cliVersions
		cli.json(&l, "s3api", "list-object-versions", "--bucket", bucket)
		show := func(vs []cliVersion) []string {
			out := []string{}
			for _, v := range vs {
				if v.Key != key {
					t.Errorf("list-object-versions: key %q", v.Key)
				}
				latest := ""
				if v.IsLatest {
					latest = " latest"
				}
				out = append(out, v.VersionID+latest)
			}
			return out
		}
		return show(l.Versions), show(l.DeleteMarkers)
	}
	checkVersions := func(step string, wantObjects, wantMarkers []string) {
		t.Helper()
		objects, markers := versions()
		if !reflect.DeepEqual(objects, wantObjects) || !reflect.DeepEqual(markers, wantMarkers) {
			t.Errorf("%s: list-object-versions: Versions %q DeleteMarkers %q, want %q and %q", step, objects, markers, wantObjects, wantMarkers)
		}
	}

	checkVersions("two put-objects", []string{v2 + " latest", v1}, []string{})
	for _, r := range []struct{ id, body, versionID string }{{"", "second", v2}, {v1, "first", v1}, {v2, "second", v2}} {
		if err := get(r.id, r.body, r.versionID); err != nil {
			t.Errorf("get-object --version-id %q: %v", r.id, err)
		}
	}

	// A simple delete adds a delete marker: the key reads as missing, every version stays.
	var del struct {
		DeleteMarker bool
		VersionID    string
	}
	cli.json(&del, "s3api", "delete-object", "--bucket", bucket, "--key", key)
	marker := del.VersionID
	if !del.DeleteMarker || marker == "" || marker == v1 || marker == v2 {
		t.Fatalf("delete-object without --version-id: %+v, want DeleteMarker true and a new VersionId", del)
	}
	checkVersions("delete-object", []string{v2, v1}, []string{marker + " latest"})
	if err := get("", "", ""); err == nil || !strings.Contains(err.Error(), "(NoSuchKey)") {
		t.Errorf("get-object of a key whose latest version is a delete marker: %v, want NoSuchKey", err)
	}
	if _, err := cli.try(true, "s3api", "head-object", "--bucket", bucket, "--key", key); err == nil || !strings.Contains(err.Error(), "(404)") {
		t.Errorf("head-object of a key whose latest version is a delete marker: %v, want 404", err)
	}
	if err := get(v1, "first", v1); err != nil {
		t.Errorf("get-object --version-id of a version behind a delete marker: %v", err)
	}

	// Deleting the marker by id restores the object; deleting the latest version by id makes
	// the one before it the latest.
	for _, step := range []struct {
		what, id     string
		deleteMarker bool
		body, latest string
		objects      []string
	}{
		{"delete-object --version-id of the delete marker", marker, true, "second", v2, []string{v2 + " latest", v1}},
		{"delete-object --version-id of the latest version", v2, false, "first", v1, []string{v1 + " latest"}},
	} {
		del.DeleteMarker, del.VersionID = false, ""
		cli.json(&del, "s3api", "delete-object", "--bucket", bucket, "--key", key, "--version-id", step.id)
		if del.VersionID != step.id || del.DeleteMarker != step.deleteMarker {
			t.Errorf("%s: %+v, want VersionId %q DeleteMarker %v", step.what, del, step.id, step.deleteMarker)
		}
		checkVersions(step.what, step.objects, []string{})
		if err := get("", step.body, step.latest); err != nil {
			t.Errorf("%s: get-object: %v", step.what, err)
		}
	}
	if err := get(v2, "", ""); err == nil || !strings.Contains(err.Error(), "(NoSuchVersion)") {
		t.Errorf("get-object --version-id of a version deleted for good: %v, want NoSuchVersion", err)
	}
}

// boto3: the same cycle, then null versions (an object stored before versioning was set, and
// writes and a delete while versioning is Suspended), DeleteObjects naming versions,
// list_object_versions through its paginator one version a page, with and without a delimiter,
// and the version a multipart upload makes (testdata/versioning/versioning.py).
func TestVersioningBoto3(t *testing.T) {
	t.Parallel()
	requireTool(t, "python3", "-c", "import boto3")
	srv := startServer(t, "")
	cmd := exec.Command("python3", filepath.Join("testdata", "versioning", "versioning.py"))
	cmd.Env = append(clientEnv(filepath.Join(t.TempDir(), "aws-config")), "DOORMAN_ENDPOINT="+srv.URL)
	got := runBoto3Script(t, cmd, srv)
	// The script names each version by what it holds ("a1" is the first body of key a, "m1"
	// the first delete marker, "null" the null version) and lists versions as
	// [key, name, IsLatest, "object" or "marker"] in the order of ListObjectVersions' answer:
	// by key, newest first within a key.
	type entry = []any
	const noSuchKey = "NoSuchKey 404 The specified key does not exist."
	checkSteps(t, got, []scriptStep{
		// GetBucketVersioning of a bucket whose versioning was never set has no Status.
		{"status_unset", "(none)"},
		{"status_enabled", "Enabled"},
		{"put_ids_distinct", true},
		// An object stored before versioning was set is the null version.
		{"pre_listed", []entry{{"pre", "null", true, "object"}}},
		{"pre_by_null_id", "pre"},
		{"get_a1_by_id", "a1"},
		{"get_latest", []any{"a2", "a2"}},
		{"simple_delete", []any{true, "m1"}},
		{"after_simple_delete", noSuchKey},
		{"listed_after_delete", []entry{{"a", "m1", true, "marker"}, {"a", "a2", false, "object"}, {"a", "a1", false, "object"}}},

		// Suspended: a write is the null version. PutObject answers no version id (observed:
		// https://github.com/versity/versitygw/issues/2164); GetObject and HeadObject answer
		// "null" (https://github.com/versity/versitygw/issues/2165).
		{"status_suspended", "Suspended"},
		{"suspended_put_version", "(none)"},
		{"suspended_head_version", "null"},
		{"suspended_get", []any{"s1", "null"}},
		// A second write replaces the null version and leaves the others.
		{"listed_after_suspended_puts", []entry{{"a", "null", true, "object"}, {"a", "m1", false, "marker"}, {"a", "a2", false, "object"}, {"a", "a1", false, "object"}}},
		{"null_body", "s2"},
		// So is the null version written before versioning was set, when a version came after it.
		{"listed_null_replaced", []entry{{"n", "null", true, "object"}, {"n", "n2", false, "object"}}},
		{"replaced_null_body", "n3"},
		// A simple delete while suspended removes the null version and adds a null delete marker.
		{"suspended_delete_marker", true},
		{"after_suspended_delete", noSuchKey},
		{"listed_after_suspended_delete", []entry{{"a", "null", true, "marker"}, {"a", "m1", false, "marker"}, {"a", "a2", false, "object"}, {"a", "a1", false, "object"}}},

		// DeleteObjects, versioning Enabled again: a version named is removed for good, a delete
		// marker named reports DeleteMarker and its id as DeleteMarkerVersionId; a key named
		// without a version gets a new delete marker (the AWS CLI reference's delete-objects
		// example). The entries sorted by key and version.
		{"delete_objects", []map[string]any{
			{"Key": "a", "VersionId": "a1"},
			{"Key": "a", "VersionId": "m1", "DeleteMarker": true, "DeleteMarkerVersionId": "m1"},
			{"Key": "a", "VersionId": "null", "DeleteMarker": true, "DeleteMarkerVersionId": "null"},
			{"Key": "pre", "DeleteMarker": true, "DeleteMarkerVersionId": "m2"},
		}},
		{"delete_objects_errors", 0},
		{"listed_after_delete_objects", []entry{{"a", "a2", true, "object"}, {"n", "null", true, "object"}, {"n", "n2", false, "object"},
			{"pre", "m2", true, "marker"}, {"pre", "null", false, "object"}}},
		{"get_after_delete_objects", "a2"},

		// The paginator, one version or delete marker a page (max-keys=1): every page but the
		// last truncated, each next page starting at NextKeyMarker and NextVersionIdMarker, the
		// pages together the listing in its order.
		{"pages", []entry{{"p/a", "m3", true, "marker"}, {"p/a", "pa2", false, "object"}, {"p/a", "pa1", false, "object"}, {"p/b", "pb1", true, "object"}}},
		{"pages_entries", []int{1, 1, 1, 1}},
		{"pages_truncated", []bool{true, true, true, false}},
		{"page_after_markers", []entry{{"p/a", "pa1", false, "object"}, {"p/b", "pb1", true, "object"}}},
		{"delimited_pages", [][]entry{
			{{"a", "a2", true, "object"}}, {{"n", "null", true, "object"}}, {{"n", "n2", false, "object"}}, {{"prefix", "p/"}},
			{{"pre", "m2", true, "marker"}}, {{"pre", "null", false, "object"}},
		}},

		// CompleteMultipartUpload answers the id of the version it made (ceph/s3-tests'
		// test_versioning_bucket_multipart_upload_return_version_id).
		{"multipart_version_id", "new"},
		{"multipart_listed", []entry{{"mp", "mp1", true, "object"}}},
	})
}

// responseHeader is a header of the HTTP answer behind an SDK error, "" when there was none.
func responseHeader(err error, name string) string {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.Header.Get(name)
	}
	return ""
}

// aws-sdk-go-v2: CopyObject from a version (x-amz-copy-source-version-id), a delete marker
// read without and with its id (404 with x-amz-delete-marker; 405), and a bucket policy that
// lets another account s3:GetObject but not s3:GetObjectVersion: it reads the latest version,
// and no version by id, until s3:GetObjectVersion is granted too.
func TestVersioningSDK(t *testing.T) {
	t.Parallel()
	srv := startPolicyServer(t)
	ctx := context.Background()
	owner, other := sdkAs(srv, -1), sdkAs(srv, 0) // other: the root user of policyAccount
	const bucket, key = "sdk-versioning", "doc"
	srv.createBucket(t, bucket)
	if _, err := owner.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatalf("PutBucketVersioning Enabled: %v", err)
	}
	put := func(body string) string {
		t.Helper()
		out, err := owner.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)})
		if err != nil || aws.ToString(out.VersionId) == "" {
			t.Fatalf("PutObject %q: %v, want a version id", body, err)
		}
		return aws.ToString(out.VersionId)
	}
	v1, v2 := put("first"), put("second")
	read := func(c *s3.Client, k, id string) (body, versionID string, err error) {
		in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(k)}
		if id != "" {
			in.VersionId = aws.String(id)
		}
		out, err := c.GetObject(ctx, in)
		if err != nil {
			return "", "", err
		}
		defer out.Body.Close()
		b, err := io.ReadAll(out.Body)
		return string(b), aws.ToString(out.VersionId), err
	}

	// CopyObject of the first version, which is not the latest.
	cp, err := owner.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("copy"),
		CopySource: aws.String(bucket + "/" + key + "?versionId=" + v1)})
	if err != nil {
		t.Fatalf("CopyObject from version %s: %v", v1, err)
	}
	if aws.ToString(cp.CopySourceVersionId) != v1 {
		t.Errorf("CopyObject from version %s: CopySourceVersionId %q", v1, aws.ToString(cp.CopySourceVersionId))
	}
	if id := aws.ToString(cp.VersionId); id == "" || id == v1 || id == v2 {
		t.Errorf("CopyObject into a versioning-enabled bucket: VersionId %q, want a new id", id)
	}
	if body, id, err := read(owner, "copy", ""); err != nil || body != "first" || id != aws.ToString(cp.VersionId) {
		t.Errorf("GetObject of the copy: %q version %q, %v; want %q version %q", body, id, err, "first", aws.ToString(cp.VersionId))
	}

	// A delete marker: read without an id it is a missing key that says it is a marker; named
	// by its id it is a resource no GET or HEAD applies to.
	del, err := owner.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil || !aws.ToBool(del.DeleteMarker) || aws.ToString(del.VersionId) == "" {
		t.Fatalf("DeleteObject: %v %+v, want a delete marker", err, del)
	}
	marker := aws.ToString(del.VersionId)
	for _, r := range []struct {
		what, id string
		head     bool
		status   int
		code     string // the error's code; HEAD answers have no body
	}{
		{"HeadObject of a key whose latest version is a delete marker", "", true, 404, ""},
		{"GetObject of a key whose latest version is a delete marker", "", false, 404, "NoSuchKey"},
		{"HeadObject of a delete marker by id", marker, true, 405, ""},
		{"GetObject of a delete marker by id", marker, false, 405, "MethodNotAllowed"},
	} {
		if r.head {
			in := &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
			if r.id != "" {
				in.VersionId = aws.String(r.id)
			}
			_, err = owner.HeadObject(ctx, in)
		} else {
			_, _, err = read(owner, key, r.id)
		}
		if httpStatus(err) != r.status || r.code != "" && apiCode(err) != r.code {
			t.Errorf("%s: %v, want %d %s", r.what, err, r.status, r.code)
		}
		if dm, id := responseHeader(err, "x-amz-delete-marker"), responseHeader(err, "x-amz-version-id"); dm != "true" || id != marker {
			t.Errorf("%s: x-amz-delete-marker %q, x-amz-version-id %q; want true and %q", r.what, dm, id, marker)
		}
		if r.status == 405 && responseHeader(err, "Last-Modified") == "" {
			t.Errorf("%s: no Last-Modified", r.what)
		}
	}
	if _, err := owner.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: aws.String(marker)}); err != nil {
		t.Fatalf("DeleteObject of the delete marker by id: %v", err)
	}

	// Another account allowed s3:GetObject reads the latest version only; reading any version
	// by id, the latest's included, is s3:GetObjectVersion.
	allow := func(actions ...string) { t.Helper(); allowPolicyAccount(t, owner, bucket, actions...) }
	for _, phase := range []struct {
		actions []string
		byID    bool // whether a read by version id is allowed
	}{
		{[]string{"s3:GetObject"}, false},
		{[]string{"s3:GetObject", "s3:GetObjectVersion"}, true},
	} {
		allow(phase.actions...)
		for _, r := range []struct{ id, body string }{{"", "second"}, {v2, "second"}, {v1, "first"}} {
			body, _, err := read(other, key, r.id)
			if r.id != "" && !phase.byID {
				if httpStatus(err) != 403 || apiCode(err) != "AccessDenied" {
					t.Errorf("%v: GetObject by the other account of version %s: %q, %v; want 403 AccessDenied", phase.actions, r.id, body, err)
				}
				_, err = other.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: aws.String(r.id)})
				if httpStatus(err) != 403 {
					t.Errorf("%v: HeadObject by the other account of version %s: %v; want 403", phase.actions, r.id, err)
				}
				continue
			}
			if err != nil || body != r.body {
				t.Errorf("%v: GetObject by the other account of version %q: %q, %v; want %q", phase.actions, r.id, body, err, r.body)
			}
		}
	}

	// A previous version copied onto its own key is the latest again: the way to restore one
	// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/RestoringPreviousVersions.html).
	// Naming the source version makes it a copy S3 accepts with the metadata unchanged, unlike a
	// copy of an object onto itself (observed: https://github.com/versity/versitygw/pull/2418).
	restored, err := owner.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		CopySource: aws.String(bucket + "/" + key + "?versionId=" + v1)})
	if err != nil {
		t.Fatalf("CopyObject of version %s onto its own key: %v", v1, err)
	}
	if body, id, err := read(owner, key, ""); err != nil || body != "first" || id != aws.ToString(restored.VersionId) || id == v1 || id == v2 {
		t.Errorf("GetObject after version %s was copied onto its key: %q version %q, %v; want %q in a new version %q", v1, body, id, err, "first", aws.ToString(restored.VersionId))
	}
}
