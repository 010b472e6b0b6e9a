package s3api_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage"
)

// The AWS pages and records the lifecycle rows follow.
const (
	pagePutLifecycle    = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html"
	pageGetLifecycle    = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLifecycleConfiguration.html"
	pageDeleteLifecycle = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketLifecycle.html"
	pageLifecycleRule   = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRule.html"
	pageExpireDays      = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-expire-general-considerations.html"
	snapshotLifecycle   = "localstack tests/aws/services/s3/test_s3.snapshot.json test_delete_bucket_lifecycle_configuration"
	snapshotExpiryVer   = "localstack tests/aws/services/s3/test_s3.snapshot.json test_bucket_lifecycle_configuration_object_expiry_versioned"
	s3testsLifecycle    = "ceph/s3-tests s3tests/functional/test_s3.py test_lifecycle_*"
)

// lifecycleDoc is a LifecycleConfiguration of the given rules.
func lifecycleDoc(rules ...string) string {
	return `<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` + strings.Join(rules, "") + `</LifecycleConfiguration>`
}

// expireRule is a rule expiring, after days, the current versions its filter selects.
func expireRule(id, status, filter, days string) string {
	return `<Rule><ID>` + id + `</ID><Filter>` + filter + `</Filter><Status>` + status + `</Status><Expiration><Days>` + days + `</Days></Expiration></Rule>`
}

// prefixRule is a V1 rule (a Prefix of its own, no Filter), as ceph/s3-tests writes them.
func prefixRule(id, prefix, status, days string) string {
	return `<Rule><ID>` + id + `</ID><Prefix>` + prefix + `</Prefix><Status>` + status + `</Status><Expiration><Days>` + days + `</Days></Expiration></Rule>`
}

// The three operations: 404 NoSuchLifecycleConfiguration before a configuration is put and
// after it is deleted, 204 for a delete either way, the document as stored, S3's answers to
// documents it refuses, the integrity header required, the bucket owner alone, and ?lifecycle
// on any other request refused rather than taken for another operation.
func TestBucketLifecycleConfiguration(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	v1 := lifecycleDoc(prefixRule("rule1", "test1/", "Enabled", "31"), prefixRule("rule2", "test2/", "Disabled", "120"))
	noID := lifecycleDoc(`<Rule><Prefix>test1/</Prefix><Status>Enabled</Status><Expiration><Days>31</Days></Expiration></Rule>`)
	v2 := lifecycleDoc(expireRule("logs", "Enabled", `<And><Prefix>logs/</Prefix><Tag><Key>class</Key><Value>tmp</Value></Tag></And>`, "7"))
	transition := lifecycleDoc(`<Rule><ID>t</ID><Filter/><Status>Enabled</Status><Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>`)
	minimum := func(v string) http.Header { return hdr(transitionMinimumSize, v) }
	const noConfig = "<Message>The lifecycle configuration does not exist</Message><BucketName>lcfg</BucketName>"
	runVersionSteps(t, srv.Client, []vstep{
		{page: pageCreate, method: "PUT", path: "/lcfg", status: 200},
		{page: snapshotLifecycle, method: "GET", path: "/lcfg?lifecycle", status: 404, code: "NoSuchLifecycleConfiguration", want: []string{noConfig}},
		{page: snapshotLifecycle, method: "DELETE", path: "/lcfg?lifecycle", status: 204},
		{page: pagePutLifecycle, method: "PUT", path: "/lcfg?lifecycle", body: v1, status: 200,
			respHeaders: map[string]string{transitionMinimumSize: "all_storage_classes_128K"}},
		{page: s3testsLifecycle + " test_lifecycle_get", method: "GET", path: "/lcfg?lifecycle", status: 200,
			want: []string{"<ID>rule1</ID><Prefix>test1/</Prefix><Status>Enabled</Status><Expiration><Days>31</Days></Expiration>",
				"<ID>rule2</ID><Prefix>test2/</Prefix><Status>Disabled</Status><Expiration><Days>120</Days></Expiration>"},
			respHeaders: map[string]string{transitionMinimumSize: "all_storage_classes_128K"}},
		{page: pagePutLifecycle, method: "PUT", path: "/lcfg?lifecycle", body: v2, status: 200},
		{page: pageGetLifecycle, method: "GET", path: "/lcfg?lifecycle", status: 200,
			want: []string{"<ID>logs</ID>", "<Prefix>logs/</Prefix>", "<Key>class</Key><Value>tmp</Value>", "<Days>7</Days>"}},
		{page: s3testsLifecycle + " test_lifecycle_get_no_id", method: "PUT", path: "/lcfg?lifecycle", body: noID, status: 200},
		{page: s3testsLifecycle + " test_lifecycle_get_no_id", method: "GET", path: "/lcfg?lifecycle", status: 200, want: []string{"<Rule><ID>", "</ID><Prefix>test1/</Prefix>"}},

		// Documents S3 refuses: the error lifecycle.Parse names, with its status.
		{page: s3testsLifecycle + " test_lifecycle_id_too_long", method: "PUT", path: "/lcfg?lifecycle",
			body: lifecycleDoc(prefixRule(strings.Repeat("a", 256), "test1/", "Enabled", "2")), status: 400, code: "InvalidArgument"},
		{page: s3testsLifecycle + " test_lifecycle_same_id", method: "PUT", path: "/lcfg?lifecycle",
			body: lifecycleDoc(prefixRule("rule1", "test1/", "Enabled", "1"), prefixRule("rule1", "test2/", "Enabled", "2")), status: 400, code: "InvalidArgument"},
		{page: s3testsLifecycle + " test_lifecycle_invalid_status", method: "PUT", path: "/lcfg?lifecycle",
			body: lifecycleDoc(prefixRule("rule1", "test1/", "enabled", "2")), status: 400, code: "MalformedXML"},
		{page: s3testsLifecycle + " test_lifecycle_expiration_days0", method: "PUT", path: "/lcfg?lifecycle",
			body: lifecycleDoc(prefixRule("rule1", "days0/", "Enabled", "0")), status: 400, code: "InvalidArgument"},
		{page: s3testsLifecycle + " test_lifecycle_set_invalid_date", method: "PUT", path: "/lcfg?lifecycle",
			body: lifecycleDoc(`<Rule><ID>rule1</ID><Prefix>test1/</Prefix><Status>Enabled</Status><Expiration><Date>20200101</Date></Expiration></Rule>`), status: 400},
		{page: s3testsLifecycle + " test_lifecycle_transition_set_invalid_date (boto3 sends its Date 20220927 as this timestamp)", method: "PUT", path: "/lcfg?lifecycle",
			body:   lifecycleDoc(`<Rule><ID>rule1</ID><Prefix>test1/</Prefix><Status>Enabled</Status><Expiration><Date>2023-09-27T00:00:00Z</Date></Expiration><Transition><Date>1970-08-23T00:55:27Z</Date><StorageClass>GLACIER</StorageClass></Transition></Rule>`),
			status: 400, code: "InvalidArgument", want: []string{"<Message>'Date' must be at midnight GMT</Message><ArgumentName>Date</ArgumentName><ArgumentValue>1970-08-23T00:55:27Z</ArgumentValue>"}},
		{page: pagePutLifecycle, method: "PUT", path: "/lcfg?lifecycle", body: "not xml", status: 400, code: "MalformedXML"},
		{page: pageLifecycleRule, method: "PUT", path: "/lcfg?lifecycle", body: transition, status: 501, code: "NotImplemented",
			want: []string{"The Transition action of a lifecycle rule is not implemented", "<ArgumentName>Transition</ArgumentName><ArgumentValue></ArgumentValue>"}},
		{page: pagePutLifecycle, method: "PUT", path: "/lcfg?lifecycle", header: hdr("Content-Md5", s3test.MD5Base64([]byte("other"))), body: v1, status: 400, code: "BadDigest"},
		{page: pagePutLifecycle, method: "PUT", path: "/lcfg?lifecycle", body: strings.Repeat(" ", storage.MaxConfigSize+1), status: 400, code: "MaxMessageLengthExceeded"},
		{page: pageGetLifecycle, method: "GET", path: "/lcfg?lifecycle", status: 200, want: []string{"</ID><Prefix>test1/</Prefix>"}},

		// The transition setting: S3's default is doorman's only one.
		{page: pagePutLifecycle, method: "PUT", path: "/lcfg?lifecycle", header: minimum("all_storage_classes_128K"), body: v1, status: 200},
		{page: pagePutLifecycle, method: "PUT", path: "/lcfg?lifecycle", header: minimum("varies_by_storage_class"), body: v2, status: 501, code: "NotImplemented",
			want: []string{"<Header>X-Amz-Transition-Default-Minimum-Object-Size</Header>"}},
		{page: pagePutLifecycle, method: "PUT", path: "/lcfg?lifecycle", header: minimum("half"), body: v2, status: 400, code: "InvalidArgument",
			want: []string{"<ArgumentName>x-amz-transition-default-minimum-object-size</ArgumentName><ArgumentValue>half</ArgumentValue>"}},
		{page: pageGetLifecycle, method: "GET", path: "/lcfg?lifecycle", status: 200, want: []string{"<ID>rule1</ID>"}},

		// The bucket owner alone; a missing bucket.
		{page: pagePutLifecycle, as: s3test.Other, method: "PUT", path: "/lcfg?lifecycle", body: v2, status: 403, code: "AccessDenied"},
		{page: pageGetLifecycle, as: s3test.Other, method: "GET", path: "/lcfg?lifecycle", status: 403, code: "AccessDenied"},
		{page: pageDeleteLifecycle, as: s3test.Other, method: "DELETE", path: "/lcfg?lifecycle", status: 403, code: "AccessDenied"},
		{page: pageGetLifecycle, method: "GET", path: "/absent?lifecycle", status: 404, code: "NoSuchBucket"},
		{page: pagePutLifecycle, method: "PUT", path: "/absent?lifecycle", body: v1, status: 404, code: "NoSuchBucket"},

		// ?lifecycle elsewhere than GET, PUT and DELETE of a bucket: never the plain operation.
		{page: pagePutLifecycle, method: "PUT", path: "/lcfg/k?lifecycle", body: v1, status: 501, code: "NotImplemented",
			want: []string{"<Message>The lifecycle subresource is not implemented.</Message>"}},
		{page: pagePutLifecycle, method: "GET", path: "/lcfg/k?lifecycle", status: 501, code: "NotImplemented"},
		{page: pagePutLifecycle, method: "DELETE", path: "/lcfg/k?lifecycle", status: 501, code: "NotImplemented"},
		{page: pagePutLifecycle, method: "HEAD", path: "/lcfg?lifecycle", status: 501},
		{page: pagePutLifecycle, method: "POST", path: "/lcfg?lifecycle", status: 501, code: "NotImplemented"},
		{page: pagePutLifecycle, method: "GET", path: "/?lifecycle", status: 501, code: "NotImplemented"},
		{page: pagePutLifecycle, method: "GET", path: "/lcfg/k", status: 404, code: "NoSuchKey"},

		{page: pageDeleteLifecycle, method: "DELETE", path: "/lcfg?lifecycle", status: 204},
		{page: snapshotLifecycle, method: "GET", path: "/lcfg?lifecycle", status: 404, code: "NoSuchLifecycleConfiguration", want: []string{noConfig}},
		{page: snapshotLifecycle, method: "DELETE", path: "/lcfg?lifecycle", status: 204},
	})
}

// transitionMinimumSize is the header naming the smallest object a transition moves.
const transitionMinimumSize = "X-Amz-Transition-Default-Minimum-Object-Size"

// PutBucketLifecycleConfiguration needs Content-MD5 or an x-amz-checksum-*, as PutBucketCors
// does; either one alone will do.
func TestBucketLifecycleIntegrity(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/lcsum", As: s3test.Owner})
	doc := []byte(lifecycleDoc(prefixRule("r", "p/", "Enabled", "1")))
	for _, tc := range []struct {
		name   string
		header http.Header
		status int
		code   string
	}{
		{"neither", nil, 400, "InvalidRequest"},
		{"Content-MD5", hdr("Content-Md5", s3test.MD5Base64(doc)), 200, ""},
		{"x-amz-checksum-sha256", hdr("X-Amz-Checksum-Sha256", sha256Base64(doc)), 200, ""},
		{"x-amz-checksum-sha256 of other bytes", hdr("X-Amz-Checksum-Sha256", sha256Base64([]byte("other"))), 400, "BadDigest"},
	} {
		res, body := srv.Do(t, s3test.Request{Method: "PUT", Path: "/lcsum?lifecycle", Header: tc.header, Body: doc, As: s3test.Owner})
		if tc.code != "" {
			s3test.WantError(t, tc.name+" ("+pagePutLifecycle+")", res, body, tc.status, tc.code, "")
		} else if res.StatusCode != tc.status {
			t.Errorf("%s (%s): %d, want %d\n%s", tc.name, pagePutLifecycle, res.StatusCode, tc.status, body)
		}
	}
}

// A bucket policy grants the operations by s3:GetLifecycleConfiguration and
// s3:PutLifecycleConfiguration, the second deleting the configuration too
// (API_DeleteBucketLifecycle.html, "Permissions").
func TestBucketLifecycleActions(t *testing.T) {
	t.Parallel()
	srv := startPolicyServer(t)
	newPolicyBucket(t, srv, s3test.Owner, "lcacts")
	checkConfigActions(t, srv, "lcacts", "lifecycle", lifecycleDoc(prefixRule("r", "p/", "Enabled", "1")), []actionRow{
		{"s3:GetLifecycleConfiguration reads", "s3:GetLifecycleConfiguration", "GET", 200},
		{"s3:GetLifecycleConfiguration does not put", "s3:GetLifecycleConfiguration", "PUT", 403},
		{"s3:GetLifecycleConfiguration does not delete", "s3:GetLifecycleConfiguration", "DELETE", 403},
		{"s3:PutLifecycleConfiguration puts", "s3:PutLifecycleConfiguration", "PUT", 200},
		{"s3:PutLifecycleConfiguration deletes", "s3:PutLifecycleConfiguration", "DELETE", 204},
		{"s3:PutLifecycleConfiguration does not read", "s3:PutLifecycleConfiguration", "GET", 403},
		{"s3:PutBucketTagging does not delete", "s3:PutBucketTagging", "DELETE", 403},
	})
}

// actionRow is a row of checkConfigActions: a policy allowing action lets teamRoot's method
// answer status.
type actionRow struct {
	name, action, method string
	status               int
}

// checkConfigActions checks which actions of a bucket policy grant the operations on bucket's
// configuration of sub-resource sub: for each row, the policy allows teamRoot the row's action
// on bucket, the owner puts doc (each row starts from a stored configuration, which a GET
// would otherwise not find), and teamRoot's request (a PUT of doc) must answer the row's status.
func checkConfigActions(t *testing.T, srv *s3test.Server, bucket, sub, doc string, rows []actionRow) {
	t.Helper()
	md5 := hdr("Content-Md5", s3test.MD5Base64([]byte(doc)))
	path := "/" + bucket + "?" + sub
	for _, tc := range rows {
		putPolicy(t, srv.Client, s3test.Owner, bucket, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+
			teamAccount+`:root"},"Action":"`+tc.action+`","Resource":"arn:aws:s3:::`+bucket+`"}]}`)
		srv.Must(t, 200, s3test.Request{Method: "PUT", Path: path, Body: []byte(doc), Header: md5, As: s3test.Owner})
		r := s3test.Request{Method: tc.method, Path: path, As: teamRoot}
		if tc.method == "PUT" {
			r.Body, r.Header = []byte(doc), md5
		}
		if res, body := srv.Do(t, r); res.StatusCode != tc.status {
			t.Errorf("%s (%s): %s: %d, want %d\n%s", tc.name, pagePolicyActions, tc.method, res.StatusCode, tc.status, body)
		}
	}
}

// expiryHeader is the x-amz-expiration S3 answers for an object last modified at lastModified
// (an HTTP date) that rule id expires after days: at the midnight UTC after lastModified plus
// the days ("rounding the resulting time to the next day midnight UTC", pageExpireDays), or,
// with a lifecycle day other than 24 hours, exactly days such days after.
func expiryHeader(t *testing.T, lastModified string, days int, day time.Duration, id string) string {
	t.Helper()
	lm, err := http.ParseTime(lastModified)
	if err != nil {
		t.Fatalf("Last-Modified %q: %v", lastModified, err)
	}
	at := lm.Add(time.Duration(days) * day)
	if day == 24*time.Hour {
		at = at.Truncate(24 * time.Hour).Add(24 * time.Hour)
	}
	return `expiry-date="` + at.UTC().Format(http.TimeFormat) + `", rule-id="` + url.QueryEscape(id) + `"`
}

// x-amz-expiration on every answer about the current version of an object a rule expires:
// PutObject, CopyObject, CompleteMultipartUpload, GetObject and HeadObject naming no version;
// never when no enabled rule selects the object, nor on a read naming a version, nor once the
// configuration is deleted. The filter is decided on the object's tags as they are when asked.
func TestExpirationHeader(t *testing.T) {
	t.Parallel()
	for _, day := range []time.Duration{24 * time.Hour, time.Hour} {
		t.Run(day.String(), func(t *testing.T) {
			t.Parallel()
			cfg := func(c *s3api.Config) {
				if day != 24*time.Hour {
					c.LifecycleDay = day
				}
			}
			testExpirationHeader(t, s3test.Start(t, cfg), day)
		})
	}
}

func testExpirationHeader(t *testing.T, srv *s3test.Server, day time.Duration) {
	o := s3test.Owner
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/exp", As: o})
	doc := lifecycleDoc(
		expireRule("logs", "Enabled", "<Prefix>logs/</Prefix>", "3"),
		expireRule("tagged", "Enabled", "<Tag><Key>class</Key><Value>tmp</Value></Tag>", "1"),
		expireRule("off", "Disabled", "<Prefix>other/</Prefix>", "1"),
		expireRule("a rule/id", "Enabled", "<Prefix>sp/</Prefix>", "5"))
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/exp?lifecycle", Body: []byte(doc), Header: hdr("Content-Md5", s3test.MD5Base64([]byte(doc))), As: o})
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/exp/src", Body: []byte("source"), As: o})
	created := uploadID.FindStringSubmatch(string(srv.Must(t, 200, s3test.Request{Method: "POST", Path: "/exp/logs/mp?uploads", As: o})))
	if created == nil {
		t.Fatal("no upload id")
	}
	part := "/exp/logs/mp?partNumber=1&uploadId=" + created[1]
	res, _ := srv.Do(t, s3test.Request{Method: "PUT", Path: part, Body: []byte("part"), As: o})
	complete := "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + res.Header.Get("Etag") + "</ETag></Part></CompleteMultipartUpload>"
	tags := s3test.TaggingDocument("class", "tmp")
	const none = ""
	for _, tc := range []struct {
		name string
		r    s3test.Request
		key  string // the object the answer is about
		rule string // the rule that expires it, none for none
		days int
	}{
		{"PutObject", s3test.Request{Method: "PUT", Path: "/exp/logs/a", Body: []byte("a")}, "logs/a", "logs", 3},
		{"GetObject", s3test.Request{Method: "GET", Path: "/exp/logs/a"}, "logs/a", "logs", 3},
		{"HeadObject", s3test.Request{Method: "HEAD", Path: "/exp/logs/a"}, "logs/a", "logs", 3},
		{"HeadObject naming the current version", s3test.Request{Method: "HEAD", Path: "/exp/logs/a?versionId=null"}, "logs/a", none, 0},
		{"GetObject naming the current version", s3test.Request{Method: "GET", Path: "/exp/logs/a?versionId=null"}, "logs/a", none, 0},
		{"a disabled rule", s3test.Request{Method: "PUT", Path: "/exp/other/a", Body: []byte("a")}, "other/a", none, 0},
		{"no rule", s3test.Request{Method: "PUT", Path: "/exp/elsewhere", Body: []byte("e")}, "elsewhere", none, 0},
		{"PutObject with the tag", s3test.Request{Method: "PUT", Path: "/exp/other/t", Body: []byte("t"), Header: hdr("X-Amz-Tagging", "class=tmp")}, "other/t", "tagged", 1},
		{"the tag put after the write", s3test.Request{Method: "PUT", Path: "/exp/elsewhere?tagging", Body: []byte(tags), Header: hdr("Content-Md5", s3test.MD5Base64([]byte(tags)))}, "", none, 0},
		{"HeadObject of the object tagged since", s3test.Request{Method: "HEAD", Path: "/exp/elsewhere"}, "elsewhere", "tagged", 1},
		{"the tag removed", s3test.Request{Method: "DELETE", Path: "/exp/elsewhere?tagging"}, "", none, 0},
		{"HeadObject of the object untagged since", s3test.Request{Method: "HEAD", Path: "/exp/elsewhere"}, "elsewhere", none, 0},
		{"CopyObject", s3test.Request{Method: "PUT", Path: "/exp/logs/c", Header: hdr("X-Amz-Copy-Source", "exp/src")}, "logs/c", "logs", 3},
		{"CopyObject elsewhere", s3test.Request{Method: "PUT", Path: "/exp/c", Header: hdr("X-Amz-Copy-Source", "exp/src")}, "c", none, 0},
		{"CompleteMultipartUpload", s3test.Request{Method: "POST", Path: "/exp/logs/mp?uploadId=" + created[1], Body: []byte(complete)}, "logs/mp", "logs", 3},
		{"a rule ID URL-encoded", s3test.Request{Method: "PUT", Path: "/exp/sp/x", Body: []byte("x")}, "sp/x", "a rule/id", 5},
		{"the configuration deleted", s3test.Request{Method: "DELETE", Path: "/exp?lifecycle"}, "", none, 0},
		{"PutObject without a configuration", s3test.Request{Method: "PUT", Path: "/exp/logs/a", Body: []byte("a")}, "logs/a", none, 0},
		{"HeadObject without a configuration", s3test.Request{Method: "HEAD", Path: "/exp/logs/a"}, "logs/a", none, 0},
	} {
		tc.r.As = o
		res, body := srv.Do(t, tc.r)
		if res.StatusCode/100 != 2 {
			t.Fatalf("%s: %d\n%s", tc.name, res.StatusCode, body)
		}
		got, ok := res.Header["X-Amz-Expiration"]
		if tc.rule == none {
			if ok {
				t.Errorf("%s (%s): x-amz-expiration %q, want none", tc.name, snapshotExpiryVer, got)
			}
			continue
		}
		head, _ := srv.Do(t, s3test.Request{Method: "HEAD", Path: "/exp/" + tc.key, As: o})
		if want := expiryHeader(t, head.Header.Get("Last-Modified"), tc.days, day, tc.rule); !ok || got[0] != want {
			t.Errorf("%s (%s): x-amz-expiration %q, want %q", tc.name, pagePutObject, got, want)
		}
	}
}

// x-amz-expiration is a response header a CORS rule exposes to a page like any other
// (docs/s3-cors.md).
func TestExpirationExposedByCORS(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	o := s3test.Owner
	rules := `<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod><ExposeHeader>x-amz-expiration</ExposeHeader></CORSRule></CORSConfiguration>`
	doc := lifecycleDoc(expireRule("all", "Enabled", "", "1"))
	origin := http.Header{"Origin": {"https://app.example"}}
	runSteps(t, srv.Client, []accessStep{
		step(pageCreate, o, "PUT", "/corsexp", nil, "", 200, "", ""),
		step(pageGetObject, o, "PUT", "/corsexp?cors", withMD5(rules), rules, 200, "", ""),
		step(pagePutLifecycle, o, "PUT", "/corsexp?lifecycle", withMD5(doc), doc, 200, "", ""),
		step(pagePutObject, o, "PUT", "/corsexp/k", nil, "x", 200, "", ""),
		withResponse(step(pageGetObject, o, "GET", "/corsexp/k", origin, "", 200, "", ""), "Access-Control-Expose-Headers", "x-amz-expiration"),
	})
	res, _ := srv.Do(t, s3test.Request{Method: "GET", Path: "/corsexp/k", Header: origin, As: o})
	if v := res.Header.Get("X-Amz-Expiration"); !strings.Contains(v, `rule-id="all"`) {
		t.Errorf("GetObject with Origin: x-amz-expiration %q", v)
	}
}

// A server reads each bucket's stored configuration when it starts: one put before answers
// GetBucketLifecycleConfiguration and x-amz-expiration after, and one that no longer parses
// (written by hand, by another version, or damaged) stops the start with an error naming the
// bucket, as a CORS configuration's does, rather than serving the bucket as if it had none.
func TestStoredLifecycle(t *testing.T) {
	t.Parallel()
	store, start := reopenable(t)
	first, err := start(false)
	if err != nil {
		t.Fatal(err)
	}
	doc := lifecycleDoc(expireRule("all", "Enabled", "", "1"))
	first.Must(t, 200, s3test.Request{Method: "PUT", Path: "/kept", As: s3test.Owner})
	first.Must(t, 200, s3test.Request{Method: "PUT", Path: "/kept?lifecycle", Body: []byte(doc), Header: hdr("Content-Md5", s3test.MD5Base64([]byte(doc))), As: s3test.Owner})
	first.Must(t, 200, s3test.Request{Method: "PUT", Path: "/kept/k", Body: []byte("k"), As: s3test.Owner})

	again, err := start(false)
	if err != nil {
		t.Fatal(err)
	}
	if body := again.Must(t, 200, s3test.Request{Method: "GET", Path: "/kept?lifecycle", As: s3test.Owner}); !strings.Contains(string(body), "<ID>all</ID>") {
		t.Errorf("GetBucketLifecycleConfiguration after a restart: %s", body)
	}
	if res, _ := again.Do(t, s3test.Request{Method: "HEAD", Path: "/kept/k", As: s3test.Owner}); !strings.Contains(res.Header.Get("X-Amz-Expiration"), `rule-id="all"`) {
		t.Errorf("HeadObject after a restart: x-amz-expiration %q", res.Header.Get("X-Amz-Expiration"))
	}

	if err := store.PutBucketConfig(context.Background(), "kept", "lifecycle", []byte("<LifecycleConfiguration><Rule>")); err != nil {
		t.Fatal(err)
	}
	if _, err := start(false); err == nil || !strings.Contains(err.Error(), "bucket kept: stored lifecycle configuration") {
		t.Errorf("a start with a damaged configuration: %v", err)
	}
}
