package s3api_test

import (
	"bytes"
	"encoding/base64"
	"hash/crc32"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// The AWS pages the Object Lock rows follow, and the records of AWS's answers where the pages
// are silent (LocalStack's snapshots and ceph/s3-tests, both taken against AWS).
const (
	pageObjectLock    = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html"
	pagePutLockConfig = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectLockConfiguration.html"
	pagePutRetention  = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectRetention.html"
	pagePutLegalHold  = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectLegalHold.html"
	pageHeadObject    = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html"
	snapshotLockAPI   = "localstack tests/aws/services/s3/test_s3_api.snapshot.json TestS3ObjectLock"
	snapshotRetention = "localstack tests/aws/services/s3/test_s3.snapshot.json TestS3ObjectLockRetention"
	snapshotLegalHold = "localstack tests/aws/services/s3/test_s3.snapshot.json TestS3ObjectLockLegalHold"
	s3testsLock       = "ceph/s3-tests s3tests/functional/test_s3.py test_object_lock_*"
	// S3's answers to a default retention period that is not positive, and to one too long.
	recordPositivePeriod = "https://github.com/versity/versitygw/issues/1738"
	recordLongPeriod     = "https://github.com/versity/versitygw/issues/2187"
)

// The dates of the retentions the tests set, and their form in S3's answers.
const (
	until2100     = "2100-01-01T00:00:00Z"
	until2100Wire = "2100-01-01T00:00:00.000Z"
	until2099     = "2099-01-01T00:00:00Z"
	until2101     = "2101-01-01T00:00:00Z"
	until2400     = "2400-01-01T00:00:00Z"
)

func lockConfig(inner string) string {
	return `<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` + inner + `</ObjectLockConfiguration>`
}

func defaultRetention(mode, period string) string {
	return lockConfig(`<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>` + mode + `</Mode>` + period + `</DefaultRetention></Rule>`)
}

func retentionDoc(mode, until string) string {
	return `<Retention xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Mode>` + mode + `</Mode><RetainUntilDate>` + until + `</RetainUntilDate></Retention>`
}

func legalHoldDoc(status string) string {
	return `<LegalHold xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>` + status + `</Status></LegalHold>`
}

// withBodyMD5 is the Content-MD5 of body, with further headers.
func withBodyMD5(body string, kv ...string) http.Header {
	h := hdr(kv...)
	h.Set("Content-Md5", s3test.MD5Base64([]byte(body)))
	return h
}

// lockBucket is the step creating bucket with Object Lock.
func lockBucket(bucket string) vstep {
	return vstep{page: pageCreate, method: "PUT", path: "/" + bucket, header: hdr("X-Amz-Bucket-Object-Lock-Enabled", "true"), status: 200}
}

var noLockHeaders = map[string]string{"X-Amz-Object-Lock-Mode": "", "X-Amz-Object-Lock-Retain-Until-Date": "", "X-Amz-Object-Lock-Legal-Hold": ""}

// Put/GetObjectLockConfiguration, CreateBucket with Object Lock, the versioning it keeps
// Enabled, and S3's answers to the documents it refuses.
func TestObjectLockConfiguration(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	enabledOnly := lockConfig(`<ObjectLockEnabled>Enabled</ObjectLockEnabled>`)
	runVersionSteps(t, srv.Client, []vstep{
		lockBucket("lockcfg"),
		// Created again by its owner, as us-east-1 allows, with Object Lock it has.
		lockBucket("lockcfg"),
		{page: pageObjectLock, method: "GET", path: "/lockcfg?versioning", status: 200, want: []string{"<Status>Enabled</Status>"}},
		{page: snapshotLockAPI, method: "GET", path: "/lockcfg?object-lock", status: 200, want: []string{enabledOnly}},
		{page: s3testsLock, method: "PUT", path: "/lockcfg?object-lock", body: defaultRetention("GOVERNANCE", "<Days>1</Days>"), status: 200},
		{page: s3testsLock, method: "GET", path: "/lockcfg?object-lock", status: 200, want: []string{
			lockConfig(`<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days></DefaultRetention></Rule>`)}},
		{page: s3testsLock, method: "PUT", path: "/lockcfg?object-lock", body: defaultRetention("COMPLIANCE", "<Years>1</Years>"), status: 200},
		{page: s3testsLock, method: "GET", path: "/lockcfg?object-lock", status: 200, want: []string{"<Mode>COMPLIANCE</Mode><Years>1</Years>"}},
		{page: s3testsLock, method: "PUT", path: "/lockcfg?object-lock", body: defaultRetention("governance", "<Years>1</Years>"), status: 400, code: "MalformedXML"},
		{page: s3testsLock, method: "PUT", path: "/lockcfg?object-lock", body: defaultRetention("abc", "<Years>1</Years>"), status: 400, code: "MalformedXML"},
		{page: s3testsLock, method: "PUT", path: "/lockcfg?object-lock", body: defaultRetention("GOVERNANCE", "<Days>1</Days><Years>1</Years>"), status: 400, code: "MalformedXML"},
		{page: snapshotLockAPI, method: "PUT", path: "/lockcfg?object-lock", body: defaultRetention("GOVERNANCE", ""), status: 400, code: "MalformedXML"},
		{page: snapshotLockAPI, method: "PUT", path: "/lockcfg?object-lock", body: lockConfig(`<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule></Rule>`), status: 400, code: "MalformedXML"},
		{page: snapshotLockAPI, method: "PUT", path: "/lockcfg?object-lock", body: lockConfig(`<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days></DefaultRetention></Rule>`), status: 400, code: "MalformedXML"},
		{page: s3testsLock, method: "PUT", path: "/lockcfg?object-lock", body: lockConfig(`<ObjectLockEnabled>Disabled</ObjectLockEnabled>`), status: 400, code: "MalformedXML"},
		{page: recordPositivePeriod, method: "PUT", path: "/lockcfg?object-lock", body: defaultRetention("GOVERNANCE", "<Days>0</Days>"), status: 400, code: "InvalidArgument",
			want: []string{"<Message>Default retention period must be a positive integer value.</Message><ArgumentName>Days</ArgumentName>"}},
		{page: recordPositivePeriod, method: "PUT", path: "/lockcfg?object-lock", body: defaultRetention("GOVERNANCE", "<Years>-1</Years>"), status: 400, code: "InvalidArgument",
			want: []string{"<ArgumentName>Years</ArgumentName>"}},
		{page: recordLongPeriod, method: "PUT", path: "/lockcfg?object-lock", body: defaultRetention("GOVERNANCE", "<Days>36501</Days>"), status: 400, code: "InvalidRetentionPeriod",
			want: []string{"<Message>Default retention period too large.</Message>"}},
		{page: recordLongPeriod, method: "PUT", path: "/lockcfg?object-lock", body: defaultRetention("GOVERNANCE", "<Years>101</Years>"), status: 400, code: "InvalidRetentionPeriod"},
		{page: pagePutLockConfig, method: "PUT", path: "/lockcfg?object-lock", body: defaultRetention("GOVERNANCE", "<Days>x</Days>"), status: 400, code: "MalformedXML"},
		{page: pagePutLockConfig, method: "PUT", path: "/lockcfg?object-lock", header: hdr("Content-Md5", s3test.MD5Base64([]byte("other"))),
			body: enabledOnly, status: 400, code: "BadDigest"},
		{page: pagePutLockConfig, method: "PUT", path: "/lockcfg?object-lock", header: hdr("X-Amz-Bucket-Object-Lock-Token", "token"),
			body: enabledOnly, status: 501, code: "NotImplemented", want: []string{"<Header>X-Amz-Bucket-Object-Lock-Token</Header>"}},
		{page: pagePutLockConfig, as: s3test.Other, method: "PUT", path: "/lockcfg?object-lock", body: enabledOnly, status: 403, code: "AccessDenied"},
		{page: pagePutLockConfig, as: s3test.Other, method: "GET", path: "/lockcfg?object-lock", status: 403, code: "AccessDenied"},
		// A configuration without a Rule removes the default retention.
		{page: snapshotLockAPI, method: "PUT", path: "/lockcfg?object-lock", body: enabledOnly, status: 200},
		{page: snapshotLockAPI, method: "GET", path: "/lockcfg?object-lock", status: 200, want: []string{enabledOnly}},
		{page: snapshotLockAPI, method: "PUT", path: "/lockcfg?versioning", body: versioningDoc("Suspended"), status: 409, code: "InvalidBucketState",
			want: []string{"<Message>An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.</Message>"}},
		{page: snapshotLockAPI, method: "PUT", path: "/lockcfg?versioning", body: versioningDoc("Enabled"), status: 200},
		{page: pageObjectLock, method: "DELETE", path: "/lockcfg?object-lock", status: 501, code: "NotImplemented"},
		{page: pageObjectLock, method: "GET", path: "/lockcfg", status: 200},

		// A bucket created without Object Lock gets it once its versioning is Enabled.
		{page: pageCreate, method: "PUT", path: "/later", header: hdr("X-Amz-Bucket-Object-Lock-Enabled", "false"), status: 200},
		// Created again with Object Lock: it would not have it, so the re-create is refused.
		{page: pageCreate, method: "PUT", path: "/later", header: hdr("X-Amz-Bucket-Object-Lock-Enabled", "true"), status: 409, code: "BucketAlreadyOwnedByYou",
			want: []string{"<BucketName>later</BucketName>"}},
		{page: pageCreate, method: "PUT", path: "/later", status: 200},
		{page: snapshotLockAPI, method: "GET", path: "/later?object-lock", status: 404, code: "ObjectLockConfigurationNotFoundError",
			want: []string{"<Message>Object Lock configuration does not exist for this bucket</Message><BucketName>later</BucketName>"}},
		{page: snapshotLockAPI, method: "PUT", path: "/later?object-lock", body: enabledOnly, status: 409, code: "InvalidBucketState",
			want: []string{"<Message>Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration</Message>"}},
		{page: snapshotLockAPI, method: "PUT", path: "/later?versioning", body: versioningDoc("Suspended"), status: 200},
		{page: snapshotLockAPI, method: "PUT", path: "/later?object-lock", body: enabledOnly, status: 409, code: "InvalidBucketState"},
		{page: snapshotLockAPI, method: "PUT", path: "/later?versioning", body: versioningDoc("Enabled"), status: 200},
		{page: snapshotLockAPI, method: "PUT", path: "/later?object-lock", body: defaultRetention("GOVERNANCE", "<Days>2</Days>"), status: 200},
		{page: snapshotLockAPI, method: "GET", path: "/later?object-lock", status: 200, want: []string{"<Mode>GOVERNANCE</Mode><Days>2</Days>"}},
		{page: snapshotLockAPI, method: "PUT", path: "/later?versioning", body: versioningDoc("Suspended"), status: 409, code: "InvalidBucketState"},
	})
}

// Retentions and legal holds of versions: set, read, extended, shortened or changed only as the
// mode allows, the bypass of governance, deletes of versions refused while locked, delete
// markers, and a bucket without Object Lock.
func TestObjectLockVersions(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	bypass := hdr("X-Amz-Bypass-Governance-Retention", "true")
	locked := []string{"<Code>AccessDenied</Code><Message>Access Denied because object protected by object lock.</Message>"}
	runVersionSteps(t, srv.Client, []vstep{
		lockBucket("lockver"),
		{page: pagePutObject, method: "PUT", path: "/lockver/k", header: withBodyMD5("one"), body: "one", status: 200, save: vid("v1")},
		{page: snapshotRetention, method: "GET", path: "/lockver/k?retention", status: 404, code: "NoSuchObjectLockConfiguration",
			want: []string{"<Message>The specified object does not have a ObjectLock configuration</Message>"}},
		{page: snapshotLegalHold, method: "GET", path: "/lockver/k?legal-hold", status: 404, code: "NoSuchObjectLockConfiguration",
			want: []string{"<Message>The specified object does not have a ObjectLock configuration</Message>"}},
		{page: pageHeadObject, method: "HEAD", path: "/lockver/k", status: 200, respHeaders: noLockHeaders},
		// A write naming a legal hold OFF gives its version that status.
		{page: pagePutObject, method: "PUT", path: "/lockver/off", header: withBodyMD5("off", "X-Amz-Object-Lock-Legal-Hold", "OFF"), body: "off", status: 200},
		{page: snapshotLegalHold, method: "GET", path: "/lockver/off?legal-hold", status: 200, want: []string{"<Status>OFF</Status>"}},
		{page: snapshotLegalHold, method: "HEAD", path: "/lockver/off", status: 200, respHeaders: map[string]string{"X-Amz-Object-Lock-Legal-Hold": "OFF"}},
		{page: s3testsLock, method: "DELETE", path: "/lockver/k?versionId={v1}", status: 204},
		{page: pagePutObject, method: "PUT", path: "/lockver/k", header: withBodyMD5("two"), body: "two", status: 200, save: vid("v2")},
		{page: s3testsLock, method: "PUT", path: "/lockver/k?retention", body: retentionDoc("GOVERNANCE", until2100), status: 200, respHeaders: vid("")},
		{page: s3testsLock, method: "GET", path: "/lockver/k?retention&versionId={v2}", status: 200,
			want: []string{`<Retention xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Mode>GOVERNANCE</Mode><RetainUntilDate>` + until2100Wire + `</RetainUntilDate></Retention>`}},
		{page: pageHeadObject, method: "HEAD", path: "/lockver/k", status: 200, respHeaders: map[string]string{
			"X-Amz-Object-Lock-Mode": "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date": until2100Wire, "X-Amz-Object-Lock-Legal-Hold": ""}},
		{page: snapshotRetention, method: "DELETE", path: "/lockver/k?versionId={v2}", status: 403, code: "AccessDenied", want: locked},
		{page: s3testsLock, method: "PUT", path: "/lockver/k?retention", body: retentionDoc("GOVERNANCE", until2099), status: 403, code: "AccessDenied", want: locked},
		{page: s3testsLock, method: "PUT", path: "/lockver/k?retention", body: retentionDoc("COMPLIANCE", until2100), status: 403, code: "AccessDenied"},
		{page: snapshotRetention, method: "PUT", path: "/lockver/k?retention", body: `<Retention/>`, status: 403, code: "AccessDenied"},
		{page: s3testsLock, method: "PUT", path: "/lockver/k?retention", body: retentionDoc("governance", until2101), status: 400, code: "MalformedXML"},
		{page: snapshotRetention, method: "PUT", path: "/lockver/k?retention", body: `<Retention><Mode>GOVERNANCE</Mode></Retention>`, status: 400, code: "MalformedXML"},
		{page: pagePutRetention, method: "PUT", path: "/lockver/k?retention", body: retentionDoc("GOVERNANCE", "next year"), status: 400, code: "MalformedXML"},
		{page: pagePutRetention, method: "PUT", path: "/lockver/k?retention", body: retentionDoc("GOVERNANCE", "9999-12-31T23:30:00-01:00"), status: 400, code: "MalformedXML"},
		{page: snapshotRetention, method: "PUT", path: "/lockver/k?retention", body: retentionDoc("GOVERNANCE", "2020-01-01T00:00:00Z"), status: 400, code: "InvalidArgument",
			want: []string{"<Message>The retain until date must be in the future!</Message><ArgumentName>RetainUntilDate</ArgumentName>"}},
		{page: s3testsLock, method: "PUT", path: "/lockver/k?retention", body: retentionDoc("GOVERNANCE", until2101), status: 200},
		{page: s3testsLock, method: "PUT", path: "/lockver/k?retention", header: bypass, body: retentionDoc("GOVERNANCE", until2099), status: 200},
		{page: s3testsLock, method: "GET", path: "/lockver/k?retention", status: 200, want: []string{"<RetainUntilDate>2099-01-01T00:00:00.000Z</RetainUntilDate>"}},
		{page: pagePutRetention, as: s3test.Other, method: "PUT", path: "/lockver/k?retention", body: retentionDoc("GOVERNANCE", until2101), status: 403, code: "AccessDenied"},
		{page: pagePutRetention, as: s3test.Other, method: "GET", path: "/lockver/k?retention", status: 403, code: "AccessDenied"},

		// A delete without a version adds a delete marker, whatever the locks.
		{page: s3testsLock, method: "DELETE", path: "/lockver/k", status: 204, respHeaders: map[string]string{"X-Amz-Delete-Marker": "true"}, save: vid("dm")},
		{page: snapshotRetention, method: "PUT", path: "/lockver/k?retention&versionId={dm}", body: retentionDoc("GOVERNANCE", until2100), status: 405, code: "MethodNotAllowed",
			want: []string{"<Method>PUT</Method><ResourceType>DeleteMarker</ResourceType>"}},
		{page: snapshotRetention, method: "GET", path: "/lockver/k?retention&versionId={dm}", status: 405, code: "MethodNotAllowed",
			want: []string{"<Method>GET</Method><ResourceType>DeleteMarker</ResourceType>"}},
		{page: s3testsLock, method: "DELETE", path: "/lockver/k?versionId={dm}", status: 204},
		{page: s3testsLock, method: "DELETE", path: "/lockver/k?versionId={v2}", status: 403, code: "AccessDenied"},
		{page: s3testsLock, method: "DELETE", path: "/lockver/k?versionId={v2}", header: bypass, status: 204},
		{page: pageDeleteObject, method: "GET", path: "/lockver/k?versionId={v2}", status: 404, code: "NoSuchVersion"},

		// A legal hold: no end date, and no bypass.
		{page: pagePutObject, method: "PUT", path: "/lockver/h", header: withBodyMD5("held", "X-Amz-Object-Lock-Legal-Hold", "ON"), body: "held", status: 200, save: vid("h1")},
		{page: snapshotLegalHold, method: "HEAD", path: "/lockver/h", status: 200, respHeaders: map[string]string{"X-Amz-Object-Lock-Legal-Hold": "ON", "X-Amz-Object-Lock-Mode": ""}},
		{page: s3testsLock, method: "GET", path: "/lockver/h?legal-hold", status: 200,
			want: []string{`<LegalHold xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>ON</Status></LegalHold>`}},
		{page: s3testsLock, method: "DELETE", path: "/lockver/h?versionId={h1}", header: bypass, status: 403, code: "AccessDenied", want: locked},
		{page: s3testsLock, method: "PUT", path: "/lockver/h?legal-hold", body: legalHoldDoc("on"), status: 400, code: "MalformedXML"},
		{page: s3testsLock, method: "PUT", path: "/lockver/h?legal-hold", body: legalHoldDoc("abc"), status: 400, code: "MalformedXML"},
		{page: pagePutLegalHold, method: "PUT", path: "/lockver/h?legal-hold", header: hdr("Content-Md5", s3test.MD5Base64([]byte("x"))), body: legalHoldDoc("OFF"), status: 400, code: "BadDigest"},
		{page: pagePutLegalHold, as: s3test.Other, method: "PUT", path: "/lockver/h?legal-hold", body: legalHoldDoc("OFF"), status: 403, code: "AccessDenied"},
		{page: s3testsLock, method: "PUT", path: "/lockver/h?legal-hold&versionId={h1}", body: legalHoldDoc("OFF"), status: 200},
		{page: s3testsLock, method: "GET", path: "/lockver/h?legal-hold", status: 200, want: []string{"<Status>OFF</Status>"}},
		// A hold lifted leaves the status OFF, which HEAD shows (LocalStack's snapshot).
		{page: snapshotLegalHold, method: "HEAD", path: "/lockver/h", status: 200, respHeaders: map[string]string{"X-Amz-Object-Lock-Legal-Hold": "OFF", "X-Amz-Object-Lock-Mode": ""}},
		{page: s3testsLock, method: "DELETE", path: "/lockver/h?versionId={h1}", status: 204},

		// COMPLIANCE: neither shortened, nor changed to GOVERNANCE, nor deleted, bypass or not.
		{page: pagePutObject, method: "PUT", path: "/lockver/c", header: withBodyMD5("kept", "X-Amz-Object-Lock-Mode", "COMPLIANCE", "X-Amz-Object-Lock-Retain-Until-Date", until2100),
			body: "kept", status: 200, save: vid("c1")},
		{page: pageHeadObject, method: "HEAD", path: "/lockver/c", status: 200, respHeaders: map[string]string{"X-Amz-Object-Lock-Mode": "COMPLIANCE", "X-Amz-Object-Lock-Retain-Until-Date": until2100Wire}},
		{page: snapshotRetention, method: "DELETE", path: "/lockver/c?versionId={c1}", header: bypass, status: 403, code: "AccessDenied"},
		{page: s3testsLock, method: "PUT", path: "/lockver/c?retention", header: bypass, body: retentionDoc("GOVERNANCE", until2101), status: 403, code: "AccessDenied"},
		{page: snapshotRetention, method: "PUT", path: "/lockver/c?retention", header: bypass, body: retentionDoc("COMPLIANCE", until2099), status: 403, code: "AccessDenied"},
		{page: snapshotRetention, method: "PUT", path: "/lockver/c?retention", body: retentionDoc("COMPLIANCE", until2101), status: 200},

		// DeleteObjects: each locked version its own AccessDenied entry.
		{page: pagePutObject, method: "PUT", path: "/lockver/d1", header: withBodyMD5("d1", "X-Amz-Object-Lock-Mode", "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date", until2100),
			body: "d1", status: 200, save: vid("d1")},
		{page: pagePutObject, method: "PUT", path: "/lockver/d2", header: withBodyMD5("d2"), body: "d2", status: 200, save: vid("d2")},
		{page: snapshotLegalHold, method: "POST", path: "/lockver?delete", status: 200,
			body: "<Delete><Object><Key>d1</Key><VersionId>{d1}</VersionId></Object><Object><Key>d2</Key><VersionId>{d2}</VersionId></Object></Delete>",
			want: []string{"<Deleted><Key>d2</Key><VersionId>{d2}</VersionId></Deleted>",
				"<Error><Key>d1</Key><VersionId>{d1}</VersionId><Code>AccessDenied</Code><Message>Access Denied because object protected by object lock.</Message></Error>"}},
		{page: s3testsLock, method: "POST", path: "/lockver?delete", header: bypass, status: 200,
			body: "<Delete><Object><Key>d1</Key><VersionId>{d1}</VersionId></Object></Delete>",
			want: []string{"<Deleted><Key>d1</Key><VersionId>{d1}</VersionId></Deleted></DeleteResult>"}},

		// The Object Lock sub-resources answer GET and PUT alone.
		{page: pageObjectLock, method: "DELETE", path: "/lockver/c?retention", status: 501, code: "NotImplemented"},
		{page: pageObjectLock, method: "DELETE", path: "/lockver/c?legal-hold", status: 501, code: "NotImplemented"},
		{page: pageObjectLock, method: "GET", path: "/lockver?retention", status: 501, code: "NotImplemented"},
		{page: pageObjectLock, method: "HEAD", path: "/lockver/c", status: 200},

		// A bucket without Object Lock.
		{page: pageCreate, method: "PUT", path: "/plainlock", status: 200},
		{page: pagePutObject, method: "PUT", path: "/plainlock/k", body: "x", status: 200},
		{page: snapshotRetention, method: "PUT", path: "/plainlock/k?retention", body: retentionDoc("GOVERNANCE", until2100), status: 400, code: "InvalidRequest",
			want: []string{"<Message>Bucket is missing Object Lock Configuration</Message>"}},
		{page: snapshotRetention, method: "GET", path: "/plainlock/k?retention", status: 400, code: "InvalidRequest"},
		{page: snapshotLegalHold, method: "PUT", path: "/plainlock/k?legal-hold", body: legalHoldDoc("ON"), status: 400, code: "InvalidRequest"},
		{page: snapshotLegalHold, method: "GET", path: "/plainlock/k?legal-hold", status: 400, code: "InvalidRequest"},
		{page: pagePutObject, method: "PUT", path: "/plainlock/k", header: hdr("X-Amz-Object-Lock-Legal-Hold", "OFF"), body: "x", status: 400, code: "InvalidRequest",
			want: []string{"<Message>Bucket is missing ObjectLockConfiguration</Message>"}},
		{page: pageDeleteObject, method: "DELETE", path: "/plainlock/k", header: bypass, status: 204},
	})
}

// The x-amz-object-lock-* headers of the writes: S3's answers to those it refuses, the
// checksum a PutObject with them (or into a bucket with a default retention) needs, the
// default retention, copies, multipart uploads and form uploads.
func TestObjectLockWrites(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	lock := func(kv ...string) http.Header { return withBodyMD5("b", kv...) }
	bothNeeded := "<Message>x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied</Message><ArgumentName>"
	crc := make([]byte, 4)
	sum := crc32.ChecksumIEEE([]byte("b"))
	crc[0], crc[1], crc[2], crc[3] = byte(sum>>24), byte(sum>>16), byte(sum>>8), byte(sum)
	runVersionSteps(t, srv.Client, []vstep{
		lockBucket("lockw"),
		{page: snapshotRetention, method: "PUT", path: "/lockw/k", header: lock("X-Amz-Object-Lock-Mode", "GOVERNANCE"), body: "b", status: 400, code: "InvalidArgument",
			want: []string{bothNeeded + "x-amz-object-lock-retain-until-date</ArgumentName>"}},
		{page: snapshotRetention, method: "PUT", path: "/lockw/k", header: lock("X-Amz-Object-Lock-Mode", "BAD-VALUE"), body: "b", status: 400, code: "InvalidArgument",
			want: []string{bothNeeded + "x-amz-object-lock-retain-until-date</ArgumentName>"}},
		{page: snapshotRetention, method: "PUT", path: "/lockw/k", header: lock("X-Amz-Object-Lock-Retain-Until-Date", until2100), body: "b", status: 400, code: "InvalidArgument",
			want: []string{bothNeeded + "x-amz-object-lock-mode</ArgumentName>"}},
		{page: snapshotRetention, method: "PUT", path: "/lockw/k", header: lock("X-Amz-Object-Lock-Mode", "BAD-VALUE", "X-Amz-Object-Lock-Retain-Until-Date", until2100), body: "b",
			status: 400, code: "InvalidArgument",
			want: []string{"<Message>Unknown wormMode directive.</Message><ArgumentName>x-amz-object-lock-mode</ArgumentName><ArgumentValue>BAD-VALUE</ArgumentValue>"}},
		{page: pagePutObject, method: "PUT", path: "/lockw/k", header: lock("X-Amz-Object-Lock-Mode", "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date", "tomorrow"), body: "b",
			status: 400, code: "InvalidArgument", want: []string{"<ArgumentName>x-amz-object-lock-retain-until-date</ArgumentName><ArgumentValue>tomorrow</ArgumentValue>"}},
		// Year 10000 in UTC: no ISO 8601 date can hold it, and no record can store it.
		{page: pagePutObject, method: "PUT", path: "/lockw/k", header: lock("X-Amz-Object-Lock-Mode", "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date", "9999-12-31T23:30:00-01:00"), body: "b",
			status: 400, code: "InvalidArgument", want: []string{"<ArgumentName>x-amz-object-lock-retain-until-date</ArgumentName>"}},
		{page: snapshotRetention, method: "PUT", path: "/lockw/k", header: lock("X-Amz-Object-Lock-Mode", "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date", "2020-01-01T00:00:00Z"), body: "b",
			status: 400, code: "InvalidArgument", want: []string{"<Message>The retain until date must be in the future!</Message>"}},
		{page: pagePutObject, method: "PUT", path: "/lockw/k", header: lock("X-Amz-Object-Lock-Legal-Hold", "on"), body: "b", status: 400, code: "InvalidArgument",
			want: []string{"<ArgumentName>x-amz-object-lock-legal-hold</ArgumentName><ArgumentValue>on</ArgumentValue>"}},
		{page: pagePutObject, method: "PUT", path: "/lockw/k", header: hdr("X-Amz-Object-Lock-Mode", "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date", until2100), body: "b",
			status: 400, code: "InvalidRequest", want: []string{"<Message>Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters</Message>"}},
		{page: pagePutObject, method: "PUT", path: "/lockw/k", header: hdr("X-Amz-Object-Lock-Mode", "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date", until2100,
			"X-Amz-Checksum-Crc32", base64.StdEncoding.EncodeToString(crc)), body: "b", status: 200, save: vid("k1")},
		{page: pageHeadObject, method: "HEAD", path: "/lockw/k?versionId={k1}", status: 200, respHeaders: map[string]string{"X-Amz-Object-Lock-Mode": "GOVERNANCE"}},
		{page: pagePutObject, method: "PUT", path: "/lockw/plain", body: "b", status: 200},
		{page: pageHeadObject, method: "HEAD", path: "/lockw/plain", status: 200, respHeaders: noLockHeaders},

		// A copy gets the request's settings, not its source's.
		{page: snapshotRetention, method: "PUT", path: "/lockw/copy", header: hdr("X-Amz-Copy-Source", "lockw/k"), status: 200},
		{page: snapshotRetention, method: "HEAD", path: "/lockw/copy", status: 200, respHeaders: noLockHeaders},
		{page: pageCopyObject, method: "PUT", path: "/lockw/copy", header: hdr("X-Amz-Copy-Source", "lockw/plain", "X-Amz-Object-Lock-Legal-Hold", "ON"), status: 200},
		{page: pageCopyObject, method: "HEAD", path: "/lockw/copy", status: 200, respHeaders: map[string]string{"X-Amz-Object-Lock-Legal-Hold": "ON", "X-Amz-Object-Lock-Mode": ""}},
		{page: pageCopyObject, method: "PUT", path: "/lockw/copy2", header: hdr("X-Amz-Copy-Source", "lockw/plain", "X-Amz-Object-Lock-Mode", "GOVERNANCE"), status: 400, code: "InvalidArgument"},

		// A multipart upload's settings are the completed object's.
		{page: snapshotRetention, method: "POST", path: "/lockw/mp?uploads", header: hdr("X-Amz-Object-Lock-Mode", "BAD-VALUE", "X-Amz-Object-Lock-Retain-Until-Date", until2100),
			status: 400, code: "InvalidArgument", want: []string{"<Message>Unknown wormMode directive.</Message>"}},

		// A default retention: every version written without its own gets it, and PutObject
		// needs a checksum.
		{page: pagePutLockConfig, method: "PUT", path: "/lockw?object-lock", body: defaultRetention("GOVERNANCE", "<Days>1</Days>"), status: 200},
		{page: pagePutObject, method: "PUT", path: "/lockw/def", body: "b", status: 400, code: "InvalidRequest"},
		{page: snapshotRetention, method: "PUT", path: "/lockw/def", header: lock(), body: "b", status: 200},
		{page: snapshotRetention, method: "HEAD", path: "/lockw/def", status: 200, respHeaders: map[string]string{"X-Amz-Object-Lock-Mode": "GOVERNANCE", "X-Amz-Object-Lock-Legal-Hold": ""}},
		{page: snapshotRetention, method: "PUT", path: "/lockw/def", header: lock("X-Amz-Object-Lock-Mode", "COMPLIANCE", "X-Amz-Object-Lock-Retain-Until-Date", until2100), body: "b", status: 200},
		{page: snapshotRetention, method: "HEAD", path: "/lockw/def", status: 200, respHeaders: map[string]string{"X-Amz-Object-Lock-Mode": "COMPLIANCE", "X-Amz-Object-Lock-Retain-Until-Date": until2100Wire}},
	})

	// The default retention ends a day after the write (LocalStack's snapshot
	// test_bucket_config_default_retention).
	res, _ := srv.Do(t, s3test.Request{Method: "PUT", Path: "/lockw/day", Body: []byte("b"), Header: lock(), As: s3test.Owner})
	v := res.Header.Get("X-Amz-Version-Id")
	res, _ = srv.Do(t, s3test.Request{Method: "HEAD", Path: "/lockw/day?versionId=" + v, As: s3test.Owner})
	end, err := time.Parse(time.RFC3339, res.Header.Get("X-Amz-Object-Lock-Retain-Until-Date"))
	if want := time.Now().Add(24 * time.Hour); err != nil || end.Before(want.Add(-time.Minute)) || end.After(want.Add(time.Minute)) {
		t.Errorf("default retention of 1 day (%s): retained until %v (%v), want about %v", snapshotRetention, end, err, want)
	}

	// A multipart upload with a retention: the completed version has it.
	m := uploadID.FindStringSubmatch(string(srv.Must(t, 200, s3test.Request{Method: "POST", Path: "/lockw/mp?uploads", As: s3test.Owner,
		Header: hdr("X-Amz-Object-Lock-Mode", "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date", until2100)})))
	if m == nil {
		t.Fatal("CreateMultipartUpload with a retention: no upload id")
	}
	res, _ = srv.Do(t, s3test.Request{Method: "PUT", Path: "/lockw/mp?partNumber=1&uploadId=" + m[1], Body: []byte("part"), As: s3test.Owner})
	complete := "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + res.Header.Get("Etag") + "</ETag></Part></CompleteMultipartUpload>"
	srv.Must(t, 200, s3test.Request{Method: "POST", Path: "/lockw/mp?uploadId=" + m[1], Body: []byte(complete), As: s3test.Owner})
	res, _ = srv.Do(t, s3test.Request{Method: "HEAD", Path: "/lockw/mp", As: s3test.Owner})
	if got := res.Header.Get("X-Amz-Object-Lock-Retain-Until-Date"); res.Header.Get("X-Amz-Object-Lock-Mode") != "GOVERNANCE" || got != until2100Wire {
		t.Errorf("multipart upload with a retention (%s): %s until %q", s3testsLock, res.Header.Get("X-Amz-Object-Lock-Mode"), got)
	}

	// A form upload's fields.
	srv.Must(t, 204, s3test.Request{Method: "DELETE", Path: "/lockw?publicAccessBlock", As: s3test.Owner})
	putPolicy(t, srv.Client, s3test.Owner, "lockw",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["s3:PutObject","s3:PutObjectLegalHold"],"Resource":"arn:aws:s3:::lockw/*"}]}`)
	for _, tc := range []struct {
		fields map[string]string
		status int
		hold   string
	}{
		{map[string]string{"key": "form", "x-amz-object-lock-legal-hold": "ON"}, 204, "ON"},
		{map[string]string{"key": "form", "x-amz-object-lock-mode": "GOVERNANCE"}, 400, ""},
	} {
		res, body := postFields(t, srv.Client, "/lockw", tc.fields)
		if res.StatusCode != tc.status {
			t.Errorf("form upload %v: %d, want %d\n%s", tc.fields, res.StatusCode, tc.status, body)
			continue
		}
		if tc.status != 204 {
			continue
		}
		res, _ = srv.Do(t, s3test.Request{Method: "HEAD", Path: "/lockw/form?versionId=" + res.Header.Get("X-Amz-Version-Id"), As: s3test.Owner})
		if got := res.Header.Get("X-Amz-Object-Lock-Legal-Hold"); got != tc.hold {
			t.Errorf("form upload %v: legal hold %q, want %q", tc.fields, got, tc.hold)
		}
	}
}

// postFields uploads an anonymous form of fields to path (a bucket's), its file last.
func postFields(t *testing.T, c *s3test.Client, path string, fields map[string]string) (*http.Response, []byte) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	fw, err := w.CreateFormFile("file", "form.txt")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write([]byte("form body"))
	_ = w.Close()
	return c.Do(t, s3test.Request{Method: http.MethodPost, Path: path, Body: body.Bytes(), Header: http.Header{"Content-Type": {w.FormDataContentType()}}})
}

// Who may do what: the Object Lock actions of a bucket policy, the lock headers of GET and HEAD
// shown only to a caller allowed s3:GetObjectRetention and s3:GetObjectLegalHold, the bypass
// of governance only for a caller allowed s3:BypassGovernanceRetention, and the Object Lock
// condition keys.
func TestObjectLockPermissions(t *testing.T) {
	t.Parallel()
	srv := startPolicyServer(t)
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/lockp", As: s3test.Owner, Header: hdr("X-Amz-Bucket-Object-Lock-Enabled", "true")})
	put := func(key string, kv ...string) string {
		res, body := srv.Do(t, s3test.Request{Method: "PUT", Path: "/lockp/" + key, Body: []byte("b"), Header: withBodyMD5("b", kv...), As: s3test.Owner})
		if res.StatusCode != 200 {
			t.Fatalf("PUT %s: %d\n%s", key, res.StatusCode, body)
		}
		return res.Header.Get("X-Amz-Version-Id")
	}
	gov := put("gov", "X-Amz-Object-Lock-Mode", "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date", until2100, "X-Amz-Object-Lock-Legal-Hold", "ON")
	allow := func(actions, extra string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + teamAccount + `:root"},"Action":[` + actions + `],"Resource":["arn:aws:s3:::lockp","arn:aws:s3:::lockp/*"]` + extra + `}]}`
	}
	retention := retentionDoc("GOVERNANCE", until2101)
	for _, tc := range []struct {
		name, policy, method, path string
		header                     http.Header
		body                       string
		status                     int
		headers                    map[string]string
	}{
		{"s3:GetObject shows no lock headers", allow(`"s3:GetObject"`, ""), "HEAD", "/lockp/gov", nil, "", 200, noLockHeaders},
		{"s3:GetObjectRetention shows the retention", allow(`"s3:GetObject","s3:GetObjectRetention"`, ""), "HEAD", "/lockp/gov", nil, "", 200,
			map[string]string{"X-Amz-Object-Lock-Mode": "GOVERNANCE", "X-Amz-Object-Lock-Legal-Hold": ""}},
		{"s3:GetObjectLegalHold shows the legal hold", allow(`"s3:GetObject","s3:GetObjectLegalHold"`, ""), "GET", "/lockp/gov", nil, "", 200,
			map[string]string{"X-Amz-Object-Lock-Mode": "", "X-Amz-Object-Lock-Legal-Hold": "ON"}},
		{"s3:GetObjectRetention reads the retention", allow(`"s3:GetObjectRetention"`, ""), "GET", "/lockp/gov?retention", nil, "", 200, nil},
		{"s3:GetObjectLegalHold does not", allow(`"s3:GetObjectLegalHold"`, ""), "GET", "/lockp/gov?retention", nil, "", 403, nil},
		{"s3:GetObjectLegalHold reads the legal hold", allow(`"s3:GetObjectLegalHold"`, ""), "GET", "/lockp/gov?legal-hold", nil, "", 200, nil},
		{"s3:PutObjectRetention extends", allow(`"s3:PutObjectRetention"`, ""), "PUT", "/lockp/gov?retention", nil, retention, 200, nil},
		{"s3:object-lock-mode", allow(`"s3:PutObjectRetention"`, `,"Condition":{"StringEquals":{"s3:object-lock-mode":"COMPLIANCE"}}`), "PUT", "/lockp/gov?retention", nil, retention, 403, nil},
		{"s3:object-lock-remaining-retention-days", allow(`"s3:PutObjectRetention"`, `,"Condition":{"NumericLessThan":{"s3:object-lock-remaining-retention-days":"30"}}`),
			"PUT", "/lockp/gov?retention", nil, retention, 403, nil},
		{"s3:PutObjectLegalHold", allow(`"s3:PutObjectLegalHold"`, ""), "PUT", "/lockp/gov?legal-hold", nil, legalHoldDoc("ON"), 200, nil},
		{"s3:object-lock-legal-hold", allow(`"s3:PutObjectLegalHold"`, `,"Condition":{"StringEquals":{"s3:object-lock-legal-hold":"OFF"}}`),
			"PUT", "/lockp/gov?legal-hold", nil, legalHoldDoc("ON"), 403, nil},
		{"s3:object-lock-mode on PutObject", allow(`"s3:PutObject"`, `,"Condition":{"StringEquals":{"s3:object-lock-mode":"COMPLIANCE"}}`), "PUT", "/lockp/new",
			withBodyMD5("b", "X-Amz-Object-Lock-Mode", "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date", until2100), "b", 403, nil},
		{"s3:object-lock-mode on PutObject, allowed", allow(`"s3:PutObject","s3:PutObjectRetention"`, `,"Condition":{"StringEquals":{"s3:object-lock-mode":"GOVERNANCE"}}`), "PUT", "/lockp/new",
			withBodyMD5("b", "X-Amz-Object-Lock-Mode", "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date", until2100), "b", 200, nil},
		{"s3:PutBucketObjectLockConfiguration", allow(`"s3:PutBucketObjectLockConfiguration"`, ""), "PUT", "/lockp?object-lock", nil,
			lockConfig(`<ObjectLockEnabled>Enabled</ObjectLockEnabled>`), 200, nil},
		{"s3:GetBucketObjectLockConfiguration", allow(`"s3:GetBucketObjectLockConfiguration"`, ""), "GET", "/lockp?object-lock", nil, "", 200, nil},
		{"nor s3:PutBucketObjectLockConfiguration", allow(`"s3:PutBucketObjectLockConfiguration"`, ""), "GET", "/lockp?object-lock", nil, "", 403, nil},
		// A retention of more than 292 years: more days than a time.Duration holds.
		{"s3:object-lock-remaining-retention-days, centuries ahead", allow(`"s3:PutObjectRetention"`, `,"Condition":{"NumericLessThan":{"s3:object-lock-remaining-retention-days":"120000"}}`),
			"PUT", "/lockp/gov?retention", nil, retentionDoc("GOVERNANCE", until2400), 403, nil},
		{"s3:object-lock-remaining-retention-days, centuries ahead, allowed", allow(`"s3:PutObjectRetention"`, `,"Condition":{"NumericGreaterThan":{"s3:object-lock-remaining-retention-days":"120000"}}`),
			"PUT", "/lockp/gov?retention", nil, retentionDoc("GOVERNANCE", until2400), 200, nil},
	} {
		putPolicy(t, srv.Client, s3test.Owner, "lockp", tc.policy)
		h := tc.header
		if h == nil && tc.body != "" {
			h = withBodyMD5(tc.body)
		}
		res, body := srv.Do(t, s3test.Request{Method: tc.method, Path: tc.path, Header: h, Body: []byte(tc.body), As: teamRoot})
		if res.StatusCode != tc.status {
			t.Errorf("%s (%s): %s %s: %d, want %d\n%s", tc.name, pagePolicyActions, tc.method, tc.path, res.StatusCode, tc.status, body)
		}
		for name, want := range tc.headers {
			if got := res.Header.Get(name); got != want {
				t.Errorf("%s (%s): %s %q, want %q", tc.name, pageHeadObject, name, got, want)
			}
		}
	}

	// The bypass: granted by s3:BypassGovernanceRetention alone, asked for by the header.
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/lockp/gov?legal-hold", Body: []byte(legalHoldDoc("OFF")), Header: withBodyMD5(legalHoldDoc("OFF")), As: s3test.Owner})
	// The owner account's root user is bound by a Deny of s3:BypassGovernanceRetention: its
	// bypassing deletes and its shortening of the retention are refused.
	bypass := hdr("X-Amz-Bypass-Governance-Retention", "true")
	denyBypass := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:BypassGovernanceRetention","Resource":"arn:aws:s3:::lockp/*"}]}`
	deleteGov := "<Delete><Object><Key>gov</Key><VersionId>" + gov + "</VersionId></Object></Delete>"
	entryDenied := "<Error><Key>gov</Key><VersionId>" + gov + "</VersionId><Code>AccessDenied</Code><Message>Access Denied because object protected by object lock.</Message></Error>"
	shorten := retentionDoc("GOVERNANCE", until2099)
	for _, tc := range []struct {
		name, policy string
		as           s3test.Account
		method, path string
		header       http.Header
		body         string
		status       int
		want         string // in the answer's body
	}{
		{"the owner's bypassing DeleteObject under a Deny", denyBypass, s3test.Owner, "DELETE", "/lockp/gov?versionId=" + gov, bypass, "", 403, "object lock"},
		{"the owner's bypassing DeleteObjects under a Deny", denyBypass, s3test.Owner, "POST", "/lockp?delete", bypass, deleteGov, 200, entryDenied},
		{"the owner's bypassing PutObjectRetention under a Deny", denyBypass, s3test.Owner, "PUT", "/lockp/gov?retention&versionId=" + gov, bypass, shorten, 403, "object lock"},
		{"DeleteObjects with s3:DeleteObjectVersion without the bypass", allow(`"s3:DeleteObject","s3:DeleteObjectVersion"`, ""), teamRoot, "POST", "/lockp?delete", bypass, deleteGov, 200, entryDenied},
		{"s3:DeleteObjectVersion without the bypass", allow(`"s3:DeleteObjectVersion"`, ""), teamRoot, "DELETE", "/lockp/gov?versionId=" + gov, bypass, "", 403, "object lock"},
		{"s3:BypassGovernanceRetention without the header", allow(`"s3:DeleteObjectVersion","s3:BypassGovernanceRetention"`, ""), teamRoot, "DELETE", "/lockp/gov?versionId=" + gov, nil, "", 403, "object lock"},
		{"s3:BypassGovernanceRetention and the header", allow(`"s3:DeleteObjectVersion","s3:BypassGovernanceRetention"`, ""), teamRoot, "DELETE", "/lockp/gov?versionId=" + gov, bypass, "", 204, ""},
	} {
		putPolicy(t, srv.Client, s3test.Owner, "lockp", tc.policy)
		h := tc.header
		if tc.body != "" {
			h = withBodyMD5(tc.body, "X-Amz-Bypass-Governance-Retention", "true")
		}
		res, body := srv.Do(t, s3test.Request{Method: tc.method, Path: tc.path, Header: h, Body: []byte(tc.body), As: tc.as})
		if res.StatusCode != tc.status || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s (%s): %d, want %d with %q\n%s", tc.name, pageObjectLock, res.StatusCode, tc.status, tc.want, body)
		}
	}
}

// The pages that say which permissions placing a retention or a legal hold needs.
const (
	pagePutRetentionPermission = pagePutRetention + " (Permissions: s3:PutObjectRetention \"to place\" a retention)"
	pagePutLegalHoldPermission = pagePutLegalHold + " (Permissions: s3:PutObjectLegalHold \"to place\" a legal hold)"
	pageLockPolicyKeys         = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html"
)

// A write that sets a retention needs s3:PutObjectRetention, one that sets a legal hold
// s3:PutObjectLegalHold, besides s3:PutObject: PutObject, CopyObject, CreateMultipartUpload
// and a form upload alike. And a bucket policy's Object Lock condition keys see the settings
// of each, a form's fields included.
func TestObjectLockWritePermissions(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/lockwp", As: s3test.Owner, Header: hdr("X-Amz-Bucket-Object-Lock-Enabled", "true")})
	srv.Must(t, 204, s3test.Request{Method: "DELETE", Path: "/lockwp?publicAccessBlock", As: s3test.Owner})
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/lockwp/src", Body: []byte("b"), Header: withBodyMD5("b"), As: s3test.Owner})
	allow := func(actions string) string {
		return `{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:PutObject"` + actions + `],"Resource":"arn:aws:s3:::lockwp/*"}`
	}
	policy := func(statements ...string) string {
		return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
	}
	putOnly := policy(allow(""))
	retentionOnly := policy(allow(`,"s3:PutObjectRetention"`))
	both := policy(allow(`,"s3:PutObjectRetention","s3:PutObjectLegalHold"`))
	denyHold := policy(allow(`,"s3:PutObjectRetention","s3:PutObjectLegalHold"`),
		`{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::lockwp/*","Condition":{"StringEquals":{"s3:object-lock-legal-hold":"ON"}}}`)
	retention := []string{"X-Amz-Object-Lock-Mode", "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date", until2100}
	holdOn := []string{"X-Amz-Object-Lock-Legal-Hold", "ON"}
	holdOff := []string{"X-Amz-Object-Lock-Legal-Hold", "OFF"}
	// send makes the write of kind (PUT, COPY, MPU or POST) anonymously, with the lock
	// settings kv as headers, or as a form's fields; it returns the status, and the status of
	// the same write's success.
	send := func(kind string, kv []string) (status, ok int, body []byte) {
		var res *http.Response
		switch kind {
		case "PUT":
			res, body = srv.Do(t, s3test.Request{Method: "PUT", Path: "/lockwp/k", Body: []byte("b"), Header: withBodyMD5("b", kv...)})
		case "COPY":
			res, body = srv.Do(t, s3test.Request{Method: "PUT", Path: "/lockwp/copy", Header: hdr(append([]string{"X-Amz-Copy-Source", "lockwp/src"}, kv...)...)})
		case "MPU":
			res, body = srv.Do(t, s3test.Request{Method: "POST", Path: "/lockwp/mp?uploads", Header: hdr(kv...)})
		case "POST":
			fields := map[string]string{"key": "form"}
			for i := 0; i < len(kv); i += 2 {
				fields[strings.ToLower(kv[i])] = kv[i+1]
			}
			res, body = postFields(t, srv.Client, "/lockwp", fields)
			return res.StatusCode, 204, body
		}
		return res.StatusCode, 200, body
	}
	for _, tc := range []struct {
		page, name, policy, kind string
		lock                     []string
		denied                   bool
	}{
		{pagePutRetentionPermission, "s3:PutObject, no lock", putOnly, "PUT", nil, false},
		{pagePutRetentionPermission, "s3:PutObject, a retention", putOnly, "PUT", retention, true},
		{pagePutLegalHoldPermission, "s3:PutObject, a legal hold OFF", putOnly, "PUT", holdOff, true},
		{pagePutRetentionPermission, "s3:PutObject, a copy with a retention", putOnly, "COPY", retention, true},
		{pagePutLegalHoldPermission, "s3:PutObject, an upload with a legal hold", putOnly, "MPU", holdOn, true},
		{pagePutRetentionPermission, "s3:PutObject, a form with a retention", putOnly, "POST", retention, true},
		{pagePutRetentionPermission, "s3:PutObject, a form, no lock", putOnly, "POST", nil, false},
		{pagePutLegalHoldPermission, "s3:PutObjectRetention, a retention and a legal hold", retentionOnly, "PUT", append(retention, holdOn...), true},
		{pagePutRetentionPermission, "s3:PutObjectRetention, a retention", retentionOnly, "PUT", retention, false},
		{pagePutRetentionPermission, "both, a copy with a retention", both, "COPY", retention, false},
		{pagePutLegalHoldPermission, "both, an upload with a legal hold", both, "MPU", holdOn, false},
		{pagePutLegalHoldPermission, "both, a form with a legal hold", both, "POST", holdOn, false},
		{pageLockPolicyKeys, "a Deny on s3:object-lock-legal-hold ON, header ON", denyHold, "PUT", holdOn, true},
		{pageLockPolicyKeys, "a Deny on s3:object-lock-legal-hold ON, header OFF", denyHold, "PUT", holdOff, false},
		{pageLockPolicyKeys, "a Deny on s3:object-lock-legal-hold ON, field ON", denyHold, "POST", holdOn, true},
		{pageLockPolicyKeys, "a Deny on s3:object-lock-legal-hold ON, field OFF", denyHold, "POST", holdOff, false},
	} {
		putPolicy(t, srv.Client, s3test.Owner, "lockwp", tc.policy)
		status, want, body := send(tc.kind, tc.lock)
		if tc.denied {
			want = 403
		}
		if status != want || tc.denied && !strings.Contains(string(body), "<Code>AccessDenied</Code>") {
			t.Errorf("%s (%s): %s %v: %d, want %d\n%s", tc.name, tc.page, tc.kind, tc.lock, status, want, body)
		}
	}
}
