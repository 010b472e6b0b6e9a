package integration

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Object Lock through real clients, as Amazon S3 answers it. The pages they follow, under
// https://docs.aws.amazon.com/AmazonS3/: userguide/object-lock.html (retention modes, legal
// holds, bypassing governance mode with s3:BypassGovernanceRetention), userguide/object-lock-configure.html,
// API/API_PutObjectLockConfiguration.html and API/API_GetObjectLockConfiguration.html,
// API/API_PutObjectRetention.html, API/API_GetObjectRetention.html,
// API/API_PutObjectLegalHold.html, API/API_GetObjectLegalHold.html, API/API_CreateBucket.html
// (x-amz-bucket-object-lock-enabled), API/API_PutObject.html and API/API_HeadObject.html (the
// x-amz-object-lock-* headers; the legal hold header "is not returned if the specified version
// of this object has never had a legal hold applied"), API/API_DeleteObject.html and
// API/API_DeleteObjects.html (x-amz-bypass-governance-retention). Where AWS documents no error
// code, ceph/s3-tests' test_object_lock_* tests, written against AWS, give it.

// lockDateLayout is the form of the Object Lock dates the tests compare, to the millisecond.
const lockDateLayout = "2006-01-02T15:04:05.000Z"

// retainUntil is a retention date a year ahead, to the millisecond, so that a round trip that
// loses the milliseconds or the time zone shows; and its wire form. botocore (the AWS CLI and
// boto3) sends the x-amz-object-lock-retain-until-date header to the second, and the
// Retention document of PutObjectRetention to the microsecond; aws-sdk-go-v2 sends both to the
// millisecond.
func retainUntil() (time.Time, string) {
	t := time.Now().UTC().AddDate(1, 0, 0).Truncate(time.Second).Add(123 * time.Millisecond)
	return t, t.Format(lockDateLayout)
}

// The AWS CLI: a bucket created with --object-lock-enabled-for-bucket, a GOVERNANCE retention
// set by put-object and read back by get-object-retention and head-object, a delete of the
// version refused, a legal hold that even --bypass-governance-retention does not pass, its
// release, then the bypass deleting the version; a default COMPLIANCE retention that a
// bypassing delete cannot pass either; and lock headers on a bucket without Object Lock.
func TestObjectLockAWSCLI(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "")
	cli := newAWSCLI(t, srv)
	const bucket, key = "cli-object-lock", "contract.pdf"
	until, untilWire := retainUntil()
	untilSecond := until.Truncate(time.Second) // as the CLI sends the header
	cli.run(true, "s3api", "create-bucket", "--bucket", bucket, "--object-lock-enabled-for-bucket")
	var versioning struct{ Status string }
	cli.json(&versioning, "s3api", "get-bucket-versioning", "--bucket", bucket)
	var cfg struct {
		ObjectLockConfiguration struct {
			ObjectLockEnabled string
			Rule              *struct {
				DefaultRetention struct {
					Mode        string
					Days, Years int
				}
			}
		}
	}
	cli.json(&cfg, "s3api", "get-object-lock-configuration", "--bucket", bucket)
	if versioning.Status != "Enabled" || cfg.ObjectLockConfiguration.ObjectLockEnabled != "Enabled" || cfg.ObjectLockConfiguration.Rule != nil {
		t.Fatalf("a bucket created with Object Lock: versioning %q, configuration %+v; want Enabled, Enabled and no rule", versioning.Status, cfg)
	}

	file := filepath.Join(cli.dir, "body")
	writeTestFile(t, file, []byte("signed"))
	var put struct{ VersionID string }
	cli.json(&put, "s3api", "put-object", "--bucket", bucket, "--key", key, "--body", file,
		"--object-lock-mode", "GOVERNANCE", "--object-lock-retain-until-date", untilWire)
	v := put.VersionID
	if v == "" {
		t.Fatal("put-object with a retention: no VersionId")
	}
	// cliTime parses a date as the CLI prints it (2027-12-01T03:20:00.123000+00:00).
	cliTime := func(what, s string) time.Time {
		t.Helper()
		got, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Errorf("%s: date %q: %v", what, s, err)
		}
		return got
	}
	var ret struct {
		Retention struct{ Mode, RetainUntilDate string }
	}
	cli.json(&ret, "s3api", "get-object-retention", "--bucket", bucket, "--key", key, "--version-id", v)
	if ret.Retention.Mode != "GOVERNANCE" || !cliTime("get-object-retention", ret.Retention.RetainUntilDate).Equal(untilSecond) {
		t.Errorf("get-object-retention: %+v, want GOVERNANCE until %s", ret.Retention, untilSecond)
	}
	// head reads the version's lock fields; it returns the CLI's error, nil on success.
	type lockFields struct{ ObjectLockMode, ObjectLockRetainUntilDate, ObjectLockLegalHoldStatus string }
	head := func(id string) (lockFields, error) {
		var h lockFields
		out, err := cli.try(true, "s3api", "head-object", "--bucket", bucket, "--key", key, "--version-id", id, "--output", "json")
		if err == nil {
			err = json.Unmarshal([]byte(out), &h)
		}
		return h, err
	}
	if h, err := head(v); err != nil || h.ObjectLockMode != "GOVERNANCE" || !cliTime("head-object", h.ObjectLockRetainUntilDate).Equal(untilSecond) || h.ObjectLockLegalHoldStatus != "" {
		t.Errorf("head-object of the locked version: %+v, %v; want GOVERNANCE until %s and no legal hold", h, err, untilSecond)
	}
	// put-object-retention extends it to the millisecond: the document carries the date whole.
	cli.run(true, "s3api", "put-object-retention", "--bucket", bucket, "--key", key, "--version-id", v,
		"--retention", `{"Mode":"GOVERNANCE","RetainUntilDate":"`+untilWire+`"}`)
	cli.json(&ret, "s3api", "get-object-retention", "--bucket", bucket, "--key", key, "--version-id", v)
	if ret.Retention.Mode != "GOVERNANCE" || !cliTime("get-object-retention", ret.Retention.RetainUntilDate).Equal(until) {
		t.Errorf("get-object-retention after put-object-retention until %s: %+v", untilWire, ret.Retention)
	}

	// del deletes the version, with or without the bypass; it returns the CLI's error.
	del := func(id string, bypass bool) error {
		args := []string{"s3api", "delete-object", "--bucket", bucket, "--key", key, "--version-id", id}
		if bypass {
			args = append(args, "--bypass-governance-retention")
		}
		_, err := cli.try(true, args...)
		return err
	}
	if err := del(v, false); err == nil || !strings.Contains(err.Error(), "(AccessDenied)") {
		t.Errorf("delete-object --version-id of a GOVERNANCE version: %v, want AccessDenied", err)
	}
	cli.run(true, "s3api", "put-object-legal-hold", "--bucket", bucket, "--key", key, "--version-id", v, "--legal-hold", "Status=ON")
	var hold struct{ LegalHold struct{ Status string } }
	cli.json(&hold, "s3api", "get-object-legal-hold", "--bucket", bucket, "--key", key, "--version-id", v)
	if hold.LegalHold.Status != "ON" {
		t.Errorf("get-object-legal-hold after Status=ON: %q", hold.LegalHold.Status)
	}
	if err := del(v, true); err == nil || !strings.Contains(err.Error(), "(AccessDenied)") {
		t.Errorf("delete-object --bypass-governance-retention of a version under a legal hold: %v, want AccessDenied", err)
	}
	if h, err := head(v); err != nil || h.ObjectLockLegalHoldStatus != "ON" {
		t.Errorf("head-object of the version under a legal hold: %+v, %v; want ObjectLockLegalHoldStatus ON", h, err)
	}
	cli.run(true, "s3api", "put-object-legal-hold", "--bucket", bucket, "--key", key, "--version-id", v, "--legal-hold", "Status=OFF")
	if err := del(v, true); err != nil {
		t.Errorf("delete-object --bypass-governance-retention of a GOVERNANCE version: %v", err)
	}
	if _, err := head(v); err == nil || !strings.Contains(err.Error(), "(404)") {
		t.Errorf("head-object of the version deleted with the bypass: %v, want 404", err)
	}

	// A default COMPLIANCE retention of one day: a plain put-object gets it, and no delete of
	// the version passes it.
	cli.run(true, "s3api", "put-object-lock-configuration", "--bucket", bucket, "--object-lock-configuration",
		`{"ObjectLockEnabled":"Enabled","Rule":{"DefaultRetention":{"Mode":"COMPLIANCE","Days":1}}}`)
	cli.json(&cfg, "s3api", "get-object-lock-configuration", "--bucket", bucket)
	if r := cfg.ObjectLockConfiguration.Rule; r == nil || r.DefaultRetention.Mode != "COMPLIANCE" || r.DefaultRetention.Days != 1 || r.DefaultRetention.Years != 0 {
		t.Errorf("get-object-lock-configuration after a default retention: %+v", cfg)
	}
	// The window allows for the second the CLI's start takes on either side of the write.
	before := time.Now().Add(-time.Second)
	cli.json(&put, "s3api", "put-object", "--bucket", bucket, "--key", key, "--body", file)
	after := time.Now().Add(time.Second)
	h, err := head(put.VersionID)
	if d := cliTime("head-object", h.ObjectLockRetainUntilDate); err != nil || h.ObjectLockMode != "COMPLIANCE" || d.Before(before.Add(24*time.Hour)) || d.After(after.Add(24*time.Hour)) {
		t.Errorf("head-object of a version written under a default retention of 1 day: %+v, %v; want COMPLIANCE a day after the write", h, err)
	}
	if err := del(put.VersionID, true); err == nil || !strings.Contains(err.Error(), "(AccessDenied)") {
		t.Errorf("delete-object --bypass-governance-retention of a COMPLIANCE version: %v, want AccessDenied", err)
	}

	// Lock headers on a bucket without Object Lock.
	cli.run(true, "s3api", "create-bucket", "--bucket", "cli-no-lock")
	if _, err := cli.try(true, "s3api", "put-object", "--bucket", "cli-no-lock", "--key", key, "--body", file, "--object-lock-legal-hold-status", "ON"); err == nil ||
		!strings.Contains(err.Error(), "(InvalidRequest)") || !strings.Contains(err.Error(), "Bucket is missing ObjectLockConfiguration") {
		t.Errorf("put-object --object-lock-legal-hold-status into a bucket without Object Lock: %v, want InvalidRequest", err)
	}
}

// boto3: the bucket configuration (created with Object Lock, enabled later on a versioned
// bucket, the configurations S3 refuses, versioning that cannot be suspended), GOVERNANCE,
// COMPLIANCE and legal holds against every delete and retention change, with and without
// BypassGovernanceRetention, DeleteObjects entries, a multipart upload's lock settings, and the
// default retention (testdata/objectlock/lock.py).
func TestObjectLockBoto3(t *testing.T) {
	t.Parallel()
	requireTool(t, "python3", "-c", "import boto3")
	srv := startServer(t, "")
	untilTime, until := retainUntil()
	dayAfter := untilTime.Add(24 * time.Hour).Format(lockDateLayout)
	// The date as boto3 sends it in a header, to the second.
	untilHeader := untilTime.Truncate(time.Second).Format(lockDateLayout)
	cmd := exec.Command("python3", filepath.Join("testdata", "objectlock", "lock.py"))
	cmd.Env = append(clientEnv(filepath.Join(t.TempDir(), "aws-config")), "DOORMAN_ENDPOINT="+srv.URL, "DOORMAN_RETAIN_UNTIL="+until)
	got := runBoto3Script(t, cmd, srv)
	const denied, none = "AccessDenied 403", "(none)"
	checkSteps(t, got, []scriptStep{
		{"versioning", "Enabled"},
		{"configuration", map[string]any{"ObjectLockEnabled": "Enabled"}},
		{"suspend", "InvalidBucketState 409"},
		{"plain_configuration", "ObjectLockConfigurationNotFoundError 404"},
		{"plain_enable_unversioned", "InvalidBucketState 409"},
		{"plain_legal_hold_header", "InvalidRequest 400 Bucket is missing ObjectLockConfiguration"},
		{"plain_retention", "InvalidRequest 400"},
		{"plain_enable_versioned", "ok"},
		{"plain_configuration_after", map[string]any{"ObjectLockEnabled": "Enabled"}},
		{"config_lowercase_mode", "MalformedXML 400"},
		{"config_days_and_years", "MalformedXML 400"},
		{"config_zero_days", "InvalidArgument 400"},
		{"config_disabled", "MalformedXML 400"},

		{"g_head", []string{"GOVERNANCE", untilHeader, none}},
		{"g_retention", []string{"GOVERNANCE", untilHeader}},
		{"g_delete", denied},
		{"g_survives_delete", true},
		{"g_shorten", denied},
		// A GOVERNANCE retention changed to COMPLIANCE without the bypass (ceph/s3-tests'
		// test_object_lock_changing_mode_from_governance_without_bypass).
		{"g_to_compliance", denied},
		{"g_extend", "ok"},
		{"g_shorten_bypass", "ok"},
		{"g_retention_after", []string{"GOVERNANCE", until}},
		{"g_past_date", "InvalidArgument 400"},
		{"g_lowercase_mode", "MalformedXML 400"},
		{"g_marker", true},
		{"g_survives_marker", true},
		// A delete marker is answered as for its ACL and tags (versioning.md#delete-markers).
		{"g_marker_retention", "MethodNotAllowed 405"},
		{"g_delete_bypass", "ok"},
		{"g_survives_bypass", false},

		{"h_head", []string{none, none, "ON"}},
		{"h_legal_hold", "ON"},
		{"h_no_retention", "NoSuchObjectLockConfiguration 404"},
		{"h_delete_bypass", denied},
		{"h_legal_hold_off", "OFF"},
		{"h_delete_released", "ok"},
		{"h_survives_release", false},

		{"c_shorten_bypass", denied},
		{"c_to_governance_bypass", denied},
		{"c_extend", "ok"},
		{"c_retention_after", []string{"COMPLIANCE", dayAfter}},
		{"c_delete_bypass", denied},

		{"delete_objects", map[string]any{"deleted": []any{"d2"}, "errors": []any{[]any{"d1", "AccessDenied"}}}},
		{"delete_objects_bypass", map[string]any{"deleted": []any{"d1"}, "errors": []any{}}},
		{"d1_survives", false},

		{"mp_head", []string{"GOVERNANCE", untilHeader, none}},

		{"default_configuration", map[string]any{"ObjectLockEnabled": "Enabled", "Rule": map[string]any{"DefaultRetention": map[string]any{"Mode": "GOVERNANCE", "Days": 1.0}}}},
		{"r_default_mode", "GOVERNANCE"},
		{"r_default_until_in_window", true},
		{"r_delete", denied},
		{"own_head", []string{"COMPLIANCE", untilHeader, none}},
	})
}

// aws-sdk-go-v2: the typed lock fields of PutObject, CopyObject and a multipart upload read
// back by HeadObject, GetObject, GetObjectRetention and GetObjectLegalHold; the lock headers
// another account sees with and without s3:GetObjectRetention and s3:GetObjectLegalHold;
// DeleteObjects' per-entry AccessDenied; and another account that may delete versions but may
// bypass GOVERNANCE only once a bucket policy grants it s3:BypassGovernanceRetention.
func TestObjectLockSDK(t *testing.T) {
	t.Parallel()
	srv := startPolicyServer(t)
	ctx := context.Background()
	owner, other := sdkAs(srv, -1), sdkAs(srv, 0) // other: the root user of policyAccount
	const bucket = "sdk-object-lock"
	until, untilWire := retainUntil()
	if _, err := owner.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatalf("CreateBucket with Object Lock: %v", err)
	}
	cfg, err := owner.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String(bucket)})
	if err != nil || cfg.ObjectLockConfiguration == nil || cfg.ObjectLockConfiguration.ObjectLockEnabled != s3types.ObjectLockEnabledEnabled {
		t.Fatalf("GetObjectLockConfiguration of a bucket created with Object Lock: %+v, %v", cfg, err)
	}

	// A PutObject with lock settings must carry Content-MD5 or a checksum: "The Content-MD5 or
	// x-amz-sdk-checksum-algorithm header is required for any request to upload an object with
	// a retention period configured using Amazon S3 Object Lock" (API_PutObject.html). The SDK
	// sends neither over plain HTTP unless asked.
	if _, err := owner.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("gov"), Body: strings.NewReader("gov"),
		ObjectLockMode: s3types.ObjectLockModeGovernance, ObjectLockRetainUntilDate: aws.Time(until)}); httpStatus(err) != 400 || apiCode(err) != "InvalidRequest" {
		t.Errorf("PutObject with a retention and neither Content-MD5 nor a checksum: %v, want 400 InvalidRequest", err)
	}
	gov, err := owner.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("gov"), Body: strings.NewReader("gov"),
		ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc32, ObjectLockMode: s3types.ObjectLockModeGovernance, ObjectLockRetainUntilDate: aws.Time(until), ObjectLockLegalHoldStatus: s3types.ObjectLockLegalHoldStatusOn})
	if err != nil {
		t.Fatalf("PutObject with a GOVERNANCE retention and a legal hold: %v", err)
	}
	cp, err := owner.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("copy"),
		CopySource: aws.String(bucket + "/gov?versionId=" + aws.ToString(gov.VersionId)), ObjectLockMode: s3types.ObjectLockModeCompliance, ObjectLockRetainUntilDate: aws.Time(until)})
	if err != nil {
		t.Fatalf("CopyObject with a COMPLIANCE retention: %v", err)
	}
	up, err := owner.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("mp"),
		ObjectLockLegalHoldStatus: s3types.ObjectLockLegalHoldStatusOn})
	if err != nil {
		t.Fatalf("CreateMultipartUpload with a legal hold: %v", err)
	}
	part, err := owner.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("part")})
	if err != nil {
		t.Fatalf("UploadPart: %v", err)
	}
	mp, err := owner.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("mp"), UploadId: up.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}}})
	if err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}

	type lock struct {
		mode  s3types.ObjectLockMode
		until string
		hold  s3types.ObjectLockLegalHoldStatus
	}
	wire := func(d *time.Time) string {
		if d == nil {
			return ""
		}
		return d.UTC().Format(lockDateLayout)
	}
	for _, r := range []struct {
		key, version string
		want         lock
	}{
		{"gov", aws.ToString(gov.VersionId), lock{s3types.ObjectLockModeGovernance, untilWire, s3types.ObjectLockLegalHoldStatusOn}},
		// The copy has its own settings; the source's legal hold is not copied.
		{"copy", aws.ToString(cp.VersionId), lock{s3types.ObjectLockModeCompliance, untilWire, ""}},
		{"mp", aws.ToString(mp.VersionId), lock{"", "", s3types.ObjectLockLegalHoldStatusOn}},
	} {
		h, err := owner.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(r.key), VersionId: aws.String(r.version)})
		if err != nil {
			t.Fatalf("HeadObject %s: %v", r.key, err)
		}
		if got := (lock{h.ObjectLockMode, wire(h.ObjectLockRetainUntilDate), h.ObjectLockLegalHoldStatus}); got != r.want {
			t.Errorf("HeadObject %s: %+v, want %+v", r.key, got, r.want)
		}
		g, err := owner.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(r.key), VersionId: aws.String(r.version)})
		if err != nil {
			t.Fatalf("GetObject %s: %v", r.key, err)
		}
		g.Body.Close()
		if got := (lock{g.ObjectLockMode, wire(g.ObjectLockRetainUntilDate), g.ObjectLockLegalHoldStatus}); got != r.want {
			t.Errorf("GetObject %s: %+v, want %+v", r.key, got, r.want)
		}
		if r.want.mode != "" {
			ret, err := owner.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: aws.String(bucket), Key: aws.String(r.key), VersionId: aws.String(r.version)})
			if err != nil || ret.Retention == nil || string(ret.Retention.Mode) != string(r.want.mode) || !aws.ToTime(ret.Retention.RetainUntilDate).Equal(until) {
				t.Errorf("GetObjectRetention %s: %+v, %v; want %s until %s", r.key, ret, err, r.want.mode, untilWire)
			}
		}
		if r.want.hold != "" {
			lh, err := owner.GetObjectLegalHold(ctx, &s3.GetObjectLegalHoldInput{Bucket: aws.String(bucket), Key: aws.String(r.key), VersionId: aws.String(r.version)})
			if err != nil || lh.LegalHold == nil || lh.LegalHold.Status != r.want.hold {
				t.Errorf("GetObjectLegalHold %s: %+v, %v; want %s", r.key, lh, err, r.want.hold)
			}
		}
	}

	// Another account sees a version's lock headers only when allowed to read them: "This
	// header is only returned if the requester has the s3:GetObjectRetention permission", and
	// s3:GetObjectLegalHold for the legal hold (API_HeadObject.html).
	allow := func(actions ...string) { t.Helper(); allowPolicyAccount(t, owner, bucket, actions...) }
	for _, r := range []struct {
		actions []string
		want    lock
	}{
		{[]string{"s3:GetObjectVersion"}, lock{}},
		{[]string{"s3:GetObjectVersion", "s3:GetObjectRetention"}, lock{s3types.ObjectLockModeGovernance, untilWire, ""}},
		{[]string{"s3:GetObjectVersion", "s3:GetObjectLegalHold"}, lock{"", "", s3types.ObjectLockLegalHoldStatusOn}},
	} {
		allow(r.actions...)
		h, err := other.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("gov"), VersionId: gov.VersionId})
		if err != nil {
			t.Fatalf("HeadObject by another account allowed %v: %v", r.actions, err)
		}
		if got := (lock{h.ObjectLockMode, wire(h.ObjectLockRetainUntilDate), h.ObjectLockLegalHoldStatus}); got != r.want {
			t.Errorf("HeadObject by another account allowed %v: %+v, want %+v", r.actions, got, r.want)
		}
	}

	// DeleteObjects: each locked version is its own AccessDenied entry, the bypass included for
	// a legal hold and COMPLIANCE.
	res, err := owner.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(bucket), BypassGovernanceRetention: aws.Bool(true),
		Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{{Key: aws.String("gov"), VersionId: gov.VersionId}, {Key: aws.String("copy"), VersionId: cp.VersionId}}}})
	if err != nil {
		t.Fatalf("DeleteObjects: %v", err)
	}
	refused := map[string]string{}
	for _, e := range res.Errors {
		refused[aws.ToString(e.Key)] = aws.ToString(e.Code)
	}
	if len(res.Deleted) != 0 || refused["gov"] != "AccessDenied" || refused["copy"] != "AccessDenied" {
		t.Errorf("DeleteObjects with the bypass of a version under a legal hold and a COMPLIANCE version: Deleted %d, Errors %v; want both AccessDenied", len(res.Deleted), refused)
	}
	if _, err := owner.PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{Bucket: aws.String(bucket), Key: aws.String("gov"), VersionId: gov.VersionId,
		LegalHold: &s3types.ObjectLockLegalHold{Status: s3types.ObjectLockLegalHoldStatusOff}}); err != nil {
		t.Fatalf("PutObjectLegalHold OFF: %v", err)
	}

	// Another account allowed to delete versions: the GOVERNANCE version stays until it is
	// allowed s3:BypassGovernanceRetention too, and even then only with the header.
	deleteGov := func(bypass bool) error {
		in := &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("gov"), VersionId: gov.VersionId}
		if bypass {
			in.BypassGovernanceRetention = aws.Bool(true)
		}
		_, err := other.DeleteObject(ctx, in)
		return err
	}
	allow("s3:DeleteObjectVersion")
	for _, bypass := range []bool{false, true} {
		if err := deleteGov(bypass); httpStatus(err) != 403 || apiCode(err) != "AccessDenied" {
			t.Errorf("DeleteObject of a GOVERNANCE version by an account without s3:BypassGovernanceRetention, bypass %v: %v, want 403 AccessDenied", bypass, err)
		}
	}
	allow("s3:DeleteObjectVersion", "s3:BypassGovernanceRetention")
	if err := deleteGov(false); httpStatus(err) != 403 || apiCode(err) != "AccessDenied" {
		t.Errorf("DeleteObject of a GOVERNANCE version without the bypass header: %v, want 403 AccessDenied", err)
	}
	if err := deleteGov(true); err != nil {
		t.Errorf("DeleteObject with the bypass by an account allowed s3:BypassGovernanceRetention: %v", err)
	}
	if _, err := owner.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("gov"), VersionId: gov.VersionId}); httpStatus(err) != 404 {
		t.Errorf("HeadObject of the version deleted with the bypass: %v, want 404", err)
	}
}

// allowPolicyAccount gives the root user of policyAccount the actions on every object of
// bucket, with a bucket policy put by owner that replaces any other.
func allowPolicyAccount(t *testing.T, owner *s3.Client, bucket string, actions ...string) {
	t.Helper()
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + policyAccount +
		`:root"},"Action":["` + strings.Join(actions, `","`) + `"],"Resource":"arn:aws:s3:::` + bucket + `/*"}]}`
	if _, err := owner.PutBucketPolicy(context.Background(), &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(doc)}); err != nil {
		t.Fatalf("PutBucketPolicy %s: %v", doc, err)
	}
}
