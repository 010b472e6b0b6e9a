package s3api_test

import (
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// The condition keys that say how a request was signed, as
// https://docs.aws.amazon.com/AmazonS3/latest/API/bucket-policy-s3-sigv4-conditions.html
// defines them: s3:signatureversion ("AWS" for SigV2, "AWS4-HMAC-SHA256" for SigV4),
// s3:authType (REST-HEADER, REST-QUERY-STRING, POST) and s3:signatureAge (milliseconds since
// the signature was made, for presigned URLs and forms only, always 0 with SigV2), with
// aws:CurrentTime, for SigV2 and SigV4 in the header and in the query. Each row is a Deny of
// s3:GetObject under one condition, which binds the bucket owner too.
func TestSignatureConditionKeys(t *testing.T) {
	t.Parallel()
	const (
		v2       = `{"StringEquals":{"s3:signatureversion":"AWS"}}`
		v4       = `{"StringEquals":{"s3:signatureversion":"AWS4-HMAC-SHA256"}}`
		query    = `{"StringEquals":{"s3:authType":"REST-QUERY-STRING"}}`
		header   = `{"StringEquals":{"s3:authType":"REST-HEADER"}}`
		old      = `{"NumericGreaterThan":{"s3:signatureAge":"600000"}}`
		noAge    = `{"Null":{"s3:signatureAge":"true"}}`
		ageZero  = `{"NumericEquals":{"s3:signatureAge":"0"}}`
		thisYear = `{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`
	)
	tooOld := time.Now().Add(-20 * time.Minute)
	for _, tc := range []struct {
		name      string
		condition string
		auth      s3test.Auth
		at        time.Time
		path      string // after the object's path
		status    int
	}{
		{"SigV2 header is AWS", v2, s3test.SigV2, time.Time{}, "", 403},
		{"SigV2 query is AWS", v2, s3test.SigV2Query, time.Time{}, "", 403},
		{"SigV4 header is not AWS", v2, s3test.SigV4, time.Time{}, "", 200},
		{"SigV4 query is AWS4-HMAC-SHA256", v4, s3test.SigV4Query, time.Time{}, "", 403},
		{"SigV2 query is not AWS4-HMAC-SHA256", v4, s3test.SigV2Query, time.Time{}, "", 200},
		{"SigV4 query is REST-QUERY-STRING", query, s3test.SigV4Query, time.Time{}, "", 403},
		{"SigV2 query is REST-QUERY-STRING", query, s3test.SigV2Query, time.Time{}, "", 403},
		{"SigV2 header is not REST-QUERY-STRING", query, s3test.SigV2, time.Time{}, "", 200},
		// A parameter named like a signature does not make a header-signed request a
		// presigned one.
		{"SigV4 header with a Signature parameter", query, s3test.SigV4, time.Time{}, "?Signature=x", 200},
		{"SigV4 header is REST-HEADER", header, s3test.SigV4, time.Time{}, "", 403},
		{"SigV2 header is REST-HEADER", header, s3test.SigV2, time.Time{}, "", 403},
		{"SigV4 query is not REST-HEADER", header, s3test.SigV4Query, time.Time{}, "", 200},
		{"a presigned URL signed 20 minutes ago", old, s3test.SigV4Query, tooOld, "", 403},
		{"a presigned URL signed now", old, s3test.SigV4Query, time.Time{}, "", 200},
		{"a header signature has no age", noAge, s3test.SigV4, time.Time{}, "", 403},
		{"a presigned URL has an age", noAge, s3test.SigV4Query, time.Time{}, "", 200},
		{"a SigV2 presigned URL's age is 0", ageZero, s3test.SigV2Query, time.Time{}, "", 403},
		{"aws:CurrentTime with SigV2", thisYear, s3test.SigV2Query, time.Time{}, "", 403},
		{"aws:CurrentTime with SigV4", thisYear, s3test.SigV4, time.Time{}, "", 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startPolicyServer(t)
			newPolicyBucket(t, srv, s3test.Owner, "signed")
			putPolicy(t, srv.Client, s3test.Owner, "signed", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::signed/*","Condition":`+tc.condition+`}]}`)
			r := s3test.Request{Method: "GET", Path: "/signed/k" + tc.path, As: s3test.Owner, Auth: tc.auth, At: tc.at, Expires: time.Hour}
			if res, body := srv.Do(t, r); res.StatusCode != tc.status {
				t.Errorf("%d, want %d\n%s", res.StatusCode, tc.status, body)
			}
		})
	}
}

// A form upload is s3:authType POST, its s3:signatureversion that of the form's signature
// (s3test.PostPolicy signs with SigV4) and its s3:signatureAge the form's.
func TestPostObjectSignatureKeys(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, condition string
		status          int
	}{
		{"POST", `{"StringEquals":{"s3:authType":"POST"}}`, 403},
		{"not REST-HEADER", `{"StringEquals":{"s3:authType":"REST-HEADER"}}`, 201},
		{"a SigV4 form", `{"StringEquals":{"s3:signatureversion":"AWS4-HMAC-SHA256"}}`, 403},
		{"not a SigV2 form", `{"StringEquals":{"s3:signatureversion":"AWS"}}`, 201},
		{"a form's signature has an age", `{"Null":{"s3:signatureAge":"false"}}`, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startPolicyServer(t)
			newPolicyBucket(t, srv, s3test.Owner, "form")
			putPolicy(t, srv.Client, s3test.Owner, "form", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::form/*","Condition":`+tc.condition+`}]}`)
			fields := s3test.PostPolicy(t, s3test.Owner, "form", "uploads/", 1<<10, time.Now().Add(time.Hour))
			if res, body := srv.PostForm(t, "/form", fields, "uploads/a.png", "image/png", []byte("png")); res.StatusCode != tc.status {
				t.Errorf("%d, want %d\n%s", res.StatusCode, tc.status, body)
			}
		})
	}
}
