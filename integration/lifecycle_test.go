package integration

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Bucket lifecycle configurations through real clients, as Amazon S3 answers them, and their
// rules applied by the server's worker. The pages they follow, under
// https://docs.aws.amazon.com/AmazonS3/: API/API_PutBucketLifecycleConfiguration.html,
// API/API_GetBucketLifecycleConfiguration.html (404 NoSuchLifecycleConfiguration),
// API/API_DeleteBucketLifecycle.html, API/API_LifecycleRule.html,
// API/API_LifecycleRuleFilter.html, API/API_LifecycleExpiration.html,
// API/API_NoncurrentVersionExpiration.html, API/API_AbortIncompleteMultipartUpload.html,
// API/API_PutObject.html and API/API_HeadObject.html (x-amz-expiration),
// userguide/intro-lifecycle-rules.html (filters, conflicting rules) and
// userguide/lifecycle-expire-general-considerations.html (the expiry date rounded to the next
// midnight UTC). Where AWS documents no error code, ceph/s3-tests' test_lifecycle_* tests,
// written against AWS, give it. docs/lifecycle.md says what doorman does.

// expirationRe is x-amz-expiration as S3 writes it:
// expiry-date="Fri, 23 Dec 2012 00:00:00 GMT", rule-id="picture-deletion-rule".
var expirationRe = regexp.MustCompile(`^expiry-date="([^"]+)", rule-id="([^"]*)"$`)

// checkExpiration checks an x-amz-expiration header: rule's expiry at want.
func checkExpiration(t *testing.T, what string, header *string, want time.Time, rule string) {
	t.Helper()
	m := expirationRe.FindStringSubmatch(aws.ToString(header))
	if m == nil {
		t.Errorf("%s: x-amz-expiration %q, want expiry-date=%q, rule-id=%q", what, aws.ToString(header), want.Format(http.TimeFormat), rule)
		return
	}
	if m[1] != want.UTC().Format(http.TimeFormat) || m[2] != rule {
		t.Errorf("%s: x-amz-expiration %q, want expiry-date=%q, rule-id=%q", what, aws.ToString(header), want.Format(http.TimeFormat), rule)
	}
}

// s3Expiry is when S3 expires an object modified at modified by a rule of days: "Amazon S3
// calculates the expiration date by adding the number of days specified in the rule to the
// object creation time and rounding the resulting time to the next day midnight UTC"
// (lifecycle-expire-general-considerations.html).
func s3Expiry(modified time.Time, days int) time.Time {
	return modified.UTC().AddDate(0, 0, days).Truncate(24 * time.Hour).Add(24 * time.Hour)
}

// cliDate parses a date as head-object prints LastModified: as its header
// (Tue, 01 Dec 2026 04:50:00 GMT).
func cliDate(t *testing.T, what, s string) time.Time {
	t.Helper()
	d, err := http.ParseTime(s)
	if err != nil {
		t.Fatalf("%s: date %q: %v", what, s, err)
	}
	return d
}

// The AWS CLI: no configuration at first, one put from a file and read back, the
// x-amz-expiration that put-object and head-object show for a key a rule expires (and not for
// one it does not), then delete-bucket-lifecycle taking the configuration and the header away.
func TestLifecycleAWSCLI(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "")
	cli := newAWSCLI(t, srv)
	const bucket = "cli-lifecycle"
	cli.run(true, "s3api", "create-bucket", "--bucket", bucket)
	noConfiguration := func(when string) {
		t.Helper()
		if _, err := cli.try(true, "s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket); err == nil ||
			!strings.Contains(err.Error(), "(NoSuchLifecycleConfiguration)") || !strings.Contains(err.Error(), "The lifecycle configuration does not exist") {
			t.Errorf("get-bucket-lifecycle-configuration %s: %v, want NoSuchLifecycleConfiguration", when, err)
		}
	}
	noConfiguration("before any configuration")

	const configuration = `{"Rules": [
		{"ID": "expire-logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 30}},
		{"ID": "abort-uploads", "Status": "Enabled", "Filter": {}, "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}
	]}`
	file := filepath.Join(cli.dir, "lifecycle.json")
	writeTestFile(t, file, []byte(configuration))
	cli.run(true, "s3api", "put-bucket-lifecycle-configuration", "--bucket", bucket, "--lifecycle-configuration", "file://"+file)
	var got, want struct{ Rules []map[string]any }
	cli.json(&got, "s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket)
	if err := json.Unmarshal([]byte(configuration), &want); err != nil {
		t.Fatal(err)
	}
	if g, w := mustJSON(t, got.Rules), mustJSON(t, want.Rules); g != w {
		t.Errorf("get-bucket-lifecycle-configuration:\n%s\nwant\n%s", g, w)
	}

	body := filepath.Join(cli.dir, "body")
	writeTestFile(t, body, []byte("a line of log"))
	var put struct{ Expiration string }
	cli.json(&put, "s3api", "put-object", "--bucket", bucket, "--key", "logs/today.log", "--body", body)
	type headAnswer struct{ Expiration, LastModified string }
	head := func(key string) headAnswer {
		var h headAnswer
		cli.json(&h, "s3api", "head-object", "--bucket", bucket, "--key", key)
		return h
	}
	h := head("logs/today.log")
	expiry := s3Expiry(cliDate(t, "head-object", h.LastModified), 30)
	checkExpiration(t, "put-object logs/today.log", &put.Expiration, expiry, "expire-logs")
	checkExpiration(t, "head-object logs/today.log", &h.Expiration, expiry, "expire-logs")
	var other struct{ Expiration string }
	cli.json(&other, "s3api", "put-object", "--bucket", bucket, "--key", "notes.txt", "--body", body)
	if h := head("notes.txt"); other.Expiration != "" || h.Expiration != "" {
		t.Errorf("put-object and head-object of a key no expiration rule selects: Expiration %q and %q, want none", other.Expiration, h.Expiration)
	}

	cli.run(true, "s3api", "delete-bucket-lifecycle", "--bucket", bucket)
	noConfiguration("after delete-bucket-lifecycle")
	if h := head("logs/today.log"); h.Expiration != "" {
		t.Errorf("head-object after delete-bucket-lifecycle: Expiration %q, want none", h.Expiration)
	}
}

// mustJSON is v as JSON, for comparing documents decoded from different sources.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// boto3: a configuration with every kind of filter read back as put, x-amz-expiration on
// every answer that carries it (PutObject, GetObject, HeadObject, CopyObject,
// CompleteMultipartUpload) with S3's rounding, the shorter of two expirations winning, a
// disabled rule and a size filter selecting nothing; the configurations S3 refuses, each
// leaving the configuration as it was; the older form of the document (a rule's own Prefix)
// read back in its form, and not mixed with the newer; DeleteBucketLifecycle.
func TestLifecycleBoto3(t *testing.T) {
	t.Parallel()
	requireTool(t, "python3", "-c", "import boto3")
	srv := startServer(t, "")
	cmd := exec.Command("python3", filepath.Join("testdata", "lifecycle", "lifecycle.py"))
	cmd.Env = append(clientEnv(filepath.Join(t.TempDir(), "aws-config")), "DOORMAN_ENDPOINT="+srv.URL)
	got := runBoto3Script(t, cmd, srv)
	var wantRules []any
	if err := json.Unmarshal([]byte(`[
		{"ID": "logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 3}},
		{"ID": "logs-temp", "Status": "Enabled", "Filter": {"And": {"Prefix": "logs/", "Tags": [{"Key": "temp", "Value": "yes"}]}}, "Expiration": {"Days": 1}},
		{"ID": "archive", "Status": "Enabled", "Filter": {"Prefix": "archive/"}, "Expiration": {"Date": "2099-01-01T00:00:00+00:00"}},
		{"ID": "big", "Status": "Enabled", "Filter": {"And": {"Prefix": "sized/", "ObjectSizeGreaterThan": 100}}, "Expiration": {"Days": 2}},
		{"ID": "off", "Status": "Disabled", "Filter": {}, "Expiration": {"Days": 1}},
		{"ID": "uploads", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
		 "NoncurrentVersionExpiration": {"NoncurrentDays": 30, "NewerNoncurrentVersions": 2}}
	]`), &wantRules); err != nil {
		t.Fatal(err)
	}
	const noConfiguration = "NoSuchLifecycleConfiguration 404 The lifecycle configuration does not exist"
	// Days 3 from day D at any hour is D+3 at that hour, rounded to the midnight after: D+4.
	const logs, temp = "D+4 00:00:00 logs", "D+2 00:00:00 logs-temp"
	checkSteps(t, got, []scriptStep{
		{"get_none", noConfiguration},
		{"put", "ok"},
		{"get", wantRules},
		{"put_logs", logs},
		{"head_logs", logs},
		{"get_logs", logs},
		{"put_logs_temp", temp},
		{"head_logs_temp", temp},
		{"put_archive", `expiry-date="Thu, 01 Jan 2099 00:00:00 GMT", rule-id="archive"`},
		{"put_other", "(none)"},
		{"put_sized_small", "(none)"},
		{"put_sized_big", "D+3 00:00:00 big"},
		{"copy_logs", logs},
		{"complete_logs", logs},

		{"id_too_long", "InvalidArgument 400"},
		{"same_id", "InvalidArgument 400"},
		{"status_lowercase", "MalformedXML 400"},
		{"days_zero", "InvalidArgument 400"},
		{"date_not_midnight", "InvalidArgument 400"},
		{"abort_with_tags", "InvalidRequest 400"},
		{"transition", "NotImplemented 501"},
		{"noncurrent_transition", "NotImplemented 501"},
		{"no_bucket", "NoSuchBucket 404"},
		{"ids_after_refusals", []string{"logs", "logs-temp", "archive", "big", "off", "uploads"}},
		{"id_255", "ok"},
		{"v1_put", "ok"},
		{"v1_get", []any{map[string]any{"ID": "legacy", "Status": "Enabled", "Prefix": "v1/", "Expiration": map[string]any{"Days": 1.0}}}},
		{"v1_with_v2", "InvalidRequest 400"},

		{"delete_status", 204.0},
		{"get_after_delete", noConfiguration},
		{"head_after_delete", "(none)"},
	})
}

// aws-sdk-go-v2: typed rules of every kind (prefix, tag and And filters with sizes, Days and
// Date, ExpiredObjectDeleteMarker, noncurrent versions kept by count, incomplete uploads, a
// rule Disabled) read back exactly as put, and after a restart; x-amz-expiration in PutObject's
// and HeadObject's typed answers; transitions refused without changing the configuration;
// DeleteBucketLifecycle.
func TestLifecycleSDK(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "")
	ctx := context.Background()
	c := srv.client()
	const bucket = "sdk-lifecycle"
	srv.createBucket(t, bucket)
	getRules := func(c *s3.Client) ([]s3types.LifecycleRule, error) {
		out, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(bucket)})
		if err != nil {
			return nil, err
		}
		return out.Rules, nil
	}
	if _, err := getRules(c); httpStatus(err) != 404 || apiCode(err) != "NoSuchLifecycleConfiguration" {
		t.Errorf("GetBucketLifecycleConfiguration without a configuration: %v, want 404 NoSuchLifecycleConfiguration", err)
	}

	date := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	enabled := s3types.ExpirationStatusEnabled
	rules := []s3types.LifecycleRule{
		{ID: aws.String("logs"), Status: enabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("logs/")},
			Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(30)}},
		{ID: aws.String("scratch"), Status: enabled, Filter: &s3types.LifecycleRuleFilter{Tag: &s3types.Tag{Key: aws.String("class"), Value: aws.String("scratch")}},
			Expiration: &s3types.LifecycleExpiration{Date: aws.Time(date)}},
		{ID: aws.String("data"), Status: enabled, Filter: &s3types.LifecycleRuleFilter{And: &s3types.LifecycleRuleAndOperator{
			Prefix:                aws.String("data/"),
			Tags:                  []s3types.Tag{{Key: aws.String("team"), Value: aws.String("web")}, {Key: aws.String("stage"), Value: aws.String("")}},
			ObjectSizeGreaterThan: aws.Int64(1024), ObjectSizeLessThan: aws.Int64(1 << 20)}},
			NoncurrentVersionExpiration: &s3types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(7), NewerNoncurrentVersions: aws.Int32(3)}},
		{ID: aws.String("markers"), Status: enabled, Filter: &s3types.LifecycleRuleFilter{},
			Expiration: &s3types.LifecycleExpiration{ExpiredObjectDeleteMarker: aws.Bool(true)}},
		{ID: aws.String("uploads"), Status: enabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("tmp/")},
			AbortIncompleteMultipartUpload: &s3types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(2)}},
		{ID: aws.String("paused"), Status: s3types.ExpirationStatusDisabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("old/")},
			Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)}},
	}
	put := func(rules []s3types.LifecycleRule) error {
		_, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String(bucket),
			LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: rules}})
		return err
	}
	if err := put(rules); err != nil {
		t.Fatalf("PutBucketLifecycleConfiguration: %v", err)
	}
	want := mustJSON(t, rules)
	sameRules := func(c *s3.Client, when string) {
		t.Helper()
		got, err := getRules(c)
		if err != nil {
			t.Fatalf("GetBucketLifecycleConfiguration %s: %v", when, err)
		}
		if g := mustJSON(t, got); g != want {
			t.Errorf("GetBucketLifecycleConfiguration %s:\n%s\nwant\n%s", when, g, want)
		}
	}
	sameRules(c, "after a put")

	for _, r := range []struct {
		key, tagging string
		want         func(modified time.Time) time.Time
		rule         string
	}{
		{"logs/a", "", func(m time.Time) time.Time { return s3Expiry(m, 30) }, "logs"},
		{"anywhere", "class=scratch", func(time.Time) time.Time { return date }, "scratch"},
	} {
		in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(r.key), Body: strings.NewReader("body")}
		if r.tagging != "" {
			in.Tagging = aws.String(r.tagging)
		}
		p, err := c.PutObject(ctx, in)
		if err != nil {
			t.Fatalf("PutObject %s: %v", r.key, err)
		}
		h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(r.key)})
		if err != nil {
			t.Fatalf("HeadObject %s: %v", r.key, err)
		}
		expiry := r.want(aws.ToTime(h.LastModified))
		checkExpiration(t, "PutObject "+r.key, p.Expiration, expiry, r.rule)
		checkExpiration(t, "HeadObject "+r.key, h.Expiration, expiry, r.rule)
	}
	// In an old/ key only the Disabled rule would apply, and a size filter of data/ keeps its
	// small object out of any rule: neither answer names an expiration.
	for _, key := range []string{"old/x", "data/small"} {
		p, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("small"), Tagging: aws.String("team=web&stage=")})
		if err != nil {
			t.Fatalf("PutObject %s: %v", key, err)
		}
		if p.Expiration != nil {
			t.Errorf("PutObject %s: x-amz-expiration %q, want none", key, aws.ToString(p.Expiration))
		}
	}

	// Transitions move objects between storage classes, which doorman does not have.
	for name, rule := range map[string]s3types.LifecycleRule{
		"Transition": {ID: aws.String("cold"), Status: enabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("")},
			Transitions: []s3types.Transition{{Days: aws.Int32(30), StorageClass: s3types.TransitionStorageClassGlacier}}},
		"NoncurrentVersionTransition": {ID: aws.String("cold"), Status: enabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("")},
			NoncurrentVersionTransitions: []s3types.NoncurrentVersionTransition{{NoncurrentDays: aws.Int32(30), StorageClass: s3types.TransitionStorageClassStandardIa}}},
	} {
		if err := put([]s3types.LifecycleRule{rule}); httpStatus(err) != 501 || apiCode(err) != "NotImplemented" {
			t.Errorf("PutBucketLifecycleConfiguration with a %s: %v, want 501 NotImplemented", name, err)
		}
	}
	sameRules(c, "after refused transitions")

	// The configuration is the bucket's, kept across a restart.
	srv.stop()
	again := startServer(t, srv.Data)
	sameRules(again.client(), "after a restart")

	if _, err := again.client().DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("DeleteBucketLifecycle: %v", err)
	}
	if _, err := getRules(again.client()); httpStatus(err) != 404 || apiCode(err) != "NoSuchLifecycleConfiguration" {
		t.Errorf("GetBucketLifecycleConfiguration after DeleteBucketLifecycle: %v, want 404 NoSuchLifecycleConfiguration", err)
	}
}

const (
	// lifecycleTestDay is the length of a lifecycle day of the expiring server
	// (--lifecycle-day): a rule of 1 day falls due a second after an object's time.
	lifecycleTestDay = "1s"
	// lifecycleTestInterval is how often its worker ticks (--lifecycle-interval).
	lifecycleTestInterval = "1s"
	// expiryWait bounds the wait for the worker to have applied the rules: a day of 1 s and a
	// tick of 1 s need a few seconds; a loaded two-core machine may take several times that.
	expiryWait = 30 * time.Second
	// expiryPoll is how often the test looks while it waits.
	expiryPoll = 200 * time.Millisecond
	// settleWait is three ticks more, in which nothing settled may change.
	settleWait = 3 * time.Second
)

// aws-sdk-go-v2 against a server whose lifecycle day lasts a second: within a few seconds the
// worker expires a current object, removes a noncurrent version and then the delete marker
// left alone, and aborts an incomplete upload, while keys no rule selects stay; in a bucket
// with Object Lock, expiring a locked object only adds a delete marker, and its version stays
// while an unlocked one beside it is removed.
func TestLifecycleExpirySDK(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", "--lifecycle-day", lifecycleTestDay, "--lifecycle-interval", lifecycleTestInterval, "--metrics-addr", "127.0.0.1:0")
	ctx := context.Background()
	c := srv.client()
	putObject := func(bucket, key string, lock bool) string {
		t.Helper()
		in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("body of " + key)}
		if lock {
			in.ChecksumAlgorithm = s3types.ChecksumAlgorithmCrc32
			in.ObjectLockMode = s3types.ObjectLockModeGovernance
			in.ObjectLockRetainUntilDate = aws.Time(time.Now().AddDate(1, 0, 0))
		}
		out, err := c.PutObject(ctx, in)
		if err != nil {
			t.Fatalf("PutObject %s/%s: %v", bucket, key, err)
		}
		return aws.ToString(out.VersionId)
	}
	configure := func(bucket string, rules ...s3types.LifecycleRule) {
		t.Helper()
		if _, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String(bucket),
			LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: rules}}); err != nil {
			t.Fatalf("PutBucketLifecycleConfiguration %s: %v", bucket, err)
		}
	}
	all := &s3types.LifecycleRuleFilter{} // every object of the bucket
	enabled := s3types.ExpirationStatusEnabled

	// An unversioned bucket: tmp/ objects expire after a day, and tmp/ uploads are aborted.
	const plain = "expire-plain"
	srv.createBucket(t, plain)
	putObject(plain, "tmp/a", false)
	putObject(plain, "keep/b", false)
	upload := func(key string) {
		t.Helper()
		if _, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(plain), Key: aws.String(key)}); err != nil {
			t.Fatalf("CreateMultipartUpload %s: %v", key, err)
		}
	}
	upload("tmp/upload")
	upload("keep/upload")
	configure(plain, s3types.LifecycleRule{ID: aws.String("tmp"), Status: enabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("tmp/")},
		Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)}, AbortIncompleteMultipartUpload: &s3types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(1)}})

	// A versioned bucket: noncurrent versions go a day after they stop being current, and a
	// delete marker left as its key's only version goes too; current versions stay.
	const versioned = "expire-versioned"
	srv.createBucket(t, versioned)
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(versioned),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatalf("PutBucketVersioning: %v", err)
	}
	putObject(versioned, "doc", false)
	current := putObject(versioned, "doc", false)
	putObject(versioned, "gone", false)
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(versioned), Key: aws.String("gone")}); err != nil {
		t.Fatalf("DeleteObject gone: %v", err)
	}
	configure(versioned,
		s3types.LifecycleRule{ID: aws.String("noncurrent"), Status: enabled, Filter: all, NoncurrentVersionExpiration: &s3types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(1)}},
		s3types.LifecycleRule{ID: aws.String("markers"), Status: enabled, Filter: all, Expiration: &s3types.LifecycleExpiration{ExpiredObjectDeleteMarker: aws.Bool(true)}})

	// A bucket with Object Lock: everything expires after a day, current and noncurrent.
	const locked = "expire-locked"
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(locked), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatalf("CreateBucket with Object Lock: %v", err)
	}
	lockedVersion := putObject(locked, "locked", true)
	putObject(locked, "free", false)
	configure(locked, s3types.LifecycleRule{ID: aws.String("all"), Status: enabled, Filter: all,
		Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)}, NoncurrentVersionExpiration: &s3types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(1)}})

	// state is a bucket's versions and delete markers, "key version" and "key marker"
	// (latest first within a key, as ListObjectVersions lists them), and its uploads'
	// keys. Each bucket here holds a handful of entries: one page of each listing.
	type state struct{ versions, uploads []string }
	look := func(bucket string) state {
		t.Helper()
		var s state
		v, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)})
		if err != nil {
			t.Fatalf("ListObjectVersions %s: %v", bucket, err)
		}
		for _, o := range v.Versions {
			s.versions = append(s.versions, aws.ToString(o.Key)+" "+aws.ToString(o.VersionId))
		}
		for _, m := range v.DeleteMarkers {
			s.versions = append(s.versions, aws.ToString(m.Key)+" marker")
		}
		u, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
		if err != nil {
			t.Fatalf("ListMultipartUploads %s: %v", bucket, err)
		}
		for _, up := range u.Uploads {
			s.uploads = append(s.uploads, aws.ToString(up.Key))
		}
		return s
	}
	wants := []struct {
		bucket string
		want   state
		// ignore is an entry that may stay or go.
		ignore string
	}{
		{plain, state{[]string{"keep/b null"}, []string{"keep/upload"}}, ""},
		{versioned, state{[]string{"doc " + current}, nil}, ""},
		// The locked object expired: a delete marker over its version, which stays; the
		// unlocked version beside it is gone once noncurrent. The delete marker left over it
		// is then expired, which a rule with Days may remove (userguide/ManagingDelMarkers.html).
		{locked, state{[]string{"locked " + lockedVersion, "locked marker"}, nil}, "free marker"},
	}
	settled := func() bool {
		for _, w := range wants {
			got := look(w.bucket)
			if mustJSON(t, withoutEntry(got.versions, w.ignore)) != mustJSON(t, w.want.versions) || mustJSON(t, got.uploads) != mustJSON(t, w.want.uploads) {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(expiryWait)
	for !settled() {
		if time.Now().After(deadline) {
			for _, w := range wants {
				got := look(w.bucket)
				t.Errorf("%s after %s: versions %q, uploads %q; want %q and %q", w.bucket, expiryWait, got.versions, got.uploads, w.want.versions, w.want.uploads)
			}
			t.Fatalf("server log:\n%s", srv.logs)
		}
		time.Sleep(expiryPoll)
	}

	// More ticks change nothing: the locked version stays, and so does the current one.
	time.Sleep(settleWait)
	if !settled() {
		t.Errorf("the buckets changed after settling: %+v %+v %+v", look(plain), look(versioned), look(locked))
	}
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(locked), Key: aws.String("locked"), VersionId: aws.String(lockedVersion)})
	if err != nil || h.ObjectLockMode != s3types.ObjectLockModeGovernance {
		t.Errorf("HeadObject of the locked version after its expiration: %+v, %v; want it there, GOVERNANCE", h, err)
	}

	// The metrics count each action once, whatever the number of passes since: three current
	// versions expired (tmp/a, locked, free), one upload aborted, four or five versions
	// removed (doc's first, gone's version and then its marker, free's version, and free's
	// marker if removed), and the locked version's refusals.
	m := metrics(t, srv)
	for _, r := range []struct {
		series   string
		min, max float64
	}{
		{`doorman_lifecycle_actions_total{kind="expire_current"}`, 3, 3},
		{`doorman_lifecycle_actions_total{kind="abort_upload"}`, 1, 1},
		{`doorman_lifecycle_actions_total{kind="delete_version"}`, 4, 5},
		{`doorman_lifecycle_skipped_total{reason="locked"}`, 1, math.Inf(1)},
		{`doorman_lifecycle_errors_total`, 0, 0},
	} {
		v, ok := metricValue(m, r.series)
		if !ok || v < r.min || v > r.max {
			t.Errorf("%s: %v (present %v), want from %v to %v", r.series, v, ok, r.min, r.max)
		}
	}
	if _, ok := metricValue(m, `doorman_lifecycle_pass_duration_seconds_count`); !ok {
		t.Errorf("no doorman_lifecycle_pass_duration_seconds in the metrics:\n%s", m)
	}
}

// metricValue is the value of one series in Prometheus's text format.
func metricValue(text, series string) (float64, bool) {
	for line := range strings.SplitSeq(text, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return v, err == nil
		}
	}
	return 0, false
}

// withoutEntry is entries without e.
func withoutEntry(entries []string, e string) []string {
	var out []string
	for _, x := range entries {
		if x != e {
			out = append(out, x)
		}
	}
	return out
}
