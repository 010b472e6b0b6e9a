package s3api_test

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// The pages an object another account owns follows.
const (
	// "If the request is for an object, Amazon S3 evaluates all the policies owned by the
	// bucket owner to check if the bucket owner has not explicitly denied access to the
	// object", then "the subset of policies owned by the object owner".
	pageEvaluation = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/how-s3-evaluates-access-control.html"
	// "The permissions attached to the bucket apply to all of the objects in the bucket that
	// are owned by the bucket owner. These permissions don't apply to objects that are owned by
	// other AWS accounts."
	pageBucketPolicies = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html"
	// The canned ACLs bucket-owner-read and bucket-owner-full-control.
	pageCannedACL = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl"
	// Deleting an object needs WRITE on the bucket, which its owner has.
	pageDeleteObject = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html"
)

// foreignWrite is an object a scenario starts with: key written by as with the canned ACL
// acl ("" for none).
type foreignWrite struct {
	as       s3test.Account
	key, acl string
}

// foreignProbe is a request of a scenario and the status it must get. copyFrom, when set, makes
// it a copy whose source is that key of the bucket; "{upload}" in path is the upload the
// bucket owner started.
type foreignProbe struct {
	page         string
	as           s3test.Account
	method, path string
	header       http.Header
	copyFrom     string
	status       int
}

// TestObjectOfAnotherAccount: where ACLs are enabled, an object another account wrote (and
// owns) is not the bucket owner's. The bucket owner's root user may neither read it (GetObject,
// HeadObject, the source of CopyObject and UploadPartCopy) nor read or change its ACL unless
// the object's ACL grants it that (bucket-owner-read: READ; bucket-owner-full-control: all),
// yet still lists and deletes it; a bucket policy's Allow grants nothing on it, while its Deny
// binds the object's owner too. Objects the bucket owner owns, and every object under
// BucketOwnerEnforced, are decided as before. ceph/s3-tests test_bucket_policy_put_obj_grant
// expects the bucket owner's GetObjectAcl of such an object to be refused.
func TestObjectOfAnotherAccount(t *testing.T) {
	t.Parallel()
	// Every scenario's objects: "plain" and "gone" written by Other without an ACL, "read"
	// and "full" with bucket-owner-read and bucket-owner-full-control, "denied" (which the
	// policy denies Other to read) and "own" written by the bucket's owner.
	writerOwns := []foreignWrite{
		{s3test.Other, "plain", ""}, {s3test.Other, "gone", ""}, {s3test.Other, "denied", ""},
		{s3test.Other, "read", "bucket-owner-read"}, {s3test.Other, "full", "bucket-owner-full-control"},
		{s3test.Owner, "own", ""},
	}
	// writerOwnsRows are what ObjectWriter and BucketOwnerPreferred agree on: the objects
	// written without bucket-owner-full-control stay Other's.
	writerOwnsRows := []foreignProbe{
		{pageEvaluation, s3test.Owner, "GET", "/foreign/plain", nil, "", 403},
		{pageEvaluation, s3test.Owner, "HEAD", "/foreign/plain", nil, "", 403},
		{pageEvaluation, s3test.Owner, "GET", "/foreign/plain?acl", nil, "", 403},
		{pageEvaluation, s3test.Owner, "PUT", "/foreign/plain?acl", acl("private"), "", 403},
		{pageEvaluation, s3test.Owner, "PUT", "/foreign/copy", nil, "plain", 403},
		{pageEvaluation, s3test.Owner, "PUT", "/foreign/mp?partNumber=1&uploadId={upload}", nil, "plain", 403},
		{pageCannedACL, s3test.Owner, "GET", "/foreign/read", nil, "", 200},
		{pageCannedACL, s3test.Owner, "HEAD", "/foreign/read", nil, "", 200},
		{pageCannedACL, s3test.Owner, "PUT", "/foreign/copy", nil, "read", 200},
		{pageCannedACL, s3test.Owner, "PUT", "/foreign/mp?partNumber=1&uploadId={upload}", nil, "read", 200},
		{pageCannedACL, s3test.Owner, "GET", "/foreign/read?acl", nil, "", 403},
		{pageCannedACL, s3test.Owner, "PUT", "/foreign/read?acl", acl("private"), "", 403},
		{pageCannedACL, s3test.Owner, "GET", "/foreign/full", nil, "", 200},
		{pageCannedACL, s3test.Owner, "PUT", "/foreign/copy", nil, "full", 200},
		{pageCannedACL, s3test.Owner, "GET", "/foreign/full?acl", nil, "", 200},
		{pageCannedACL, s3test.Owner, "PUT", "/foreign/full?acl", acl("bucket-owner-full-control"), "", 200},
		{pageEvaluation, s3test.Owner, "GET", "/foreign", nil, "", 200},
		{pageDeleteObject, s3test.Owner, "DELETE", "/foreign/gone", nil, "", 204},
		// A policy's Allow to a third account reaches the bucket owner's object alone.
		{pageBucketPolicies, s3test.Third, "GET", "/foreign/plain", nil, "", 403},
		{pageBucketPolicies, s3test.Third, "HEAD", "/foreign/plain", nil, "", 403},
		{pageBucketPolicies, s3test.Third, "GET", "/foreign/plain?acl", nil, "", 403},
		{pageBucketPolicies, s3test.Third, "GET", "/foreign/own", nil, "", 200},
		{pageBucketPolicies, s3test.Third, "GET", "/foreign/own?acl", nil, "", 200},
		// The object's owner reads it and its ACL, but not where the policy denies it.
		{pageEvaluation, s3test.Other, "GET", "/foreign/plain", nil, "", 200},
		{pageEvaluation, s3test.Other, "GET", "/foreign/plain?acl", nil, "", 200},
		{pageEvaluation, s3test.Other, "GET", "/foreign/denied", nil, "", 403},
		{pageEvaluation, s3test.Other, "GET", "/foreign/denied?acl", nil, "", 200},
	}
	for _, tc := range []struct {
		ownership string
		writes    []foreignWrite
		probes    []foreignProbe
		switchTo  string // the Object Ownership put after the writes, if any
	}{
		{"ObjectWriter", writerOwns, append(writerOwnsRows[:len(writerOwnsRows):len(writerOwnsRows)],
			// bucket-owner-full-control leaves the object Other's: the policy's Allow does not
			// reach it.
			foreignProbe{pageBucketPolicies, s3test.Third, "GET", "/foreign/full", nil, "", 403},
		), ""},
		{"BucketOwnerPreferred", writerOwns, append(writerOwnsRows[:len(writerOwnsRows):len(writerOwnsRows)],
			// bucket-owner-full-control gives the object to the bucket owner, whose policy then
			// grants it.
			foreignProbe{pageBucketPolicies, s3test.Third, "GET", "/foreign/full", nil, "", 200},
			foreignProbe{pageOwnership, s3test.Other, "GET", "/foreign/full", nil, "", 403},
		), ""},
		{"BucketOwnerEnforced", []foreignWrite{
			{s3test.Other, "plain", ""}, {s3test.Other, "gone", ""}, {s3test.Other, "denied", ""},
			{s3test.Other, "full", "bucket-owner-full-control"}, {s3test.Owner, "own", ""},
		}, []foreignProbe{
			// Every object is the bucket owner's: nothing changes.
			{pageOwnership, s3test.Owner, "GET", "/foreign/plain", nil, "", 200},
			{pageOwnership, s3test.Owner, "HEAD", "/foreign/plain", nil, "", 200},
			{pageOwnership, s3test.Owner, "GET", "/foreign/plain?acl", nil, "", 200},
			{pageOwnership, s3test.Owner, "PUT", "/foreign/plain?acl", acl("bucket-owner-full-control"), "", 200},
			{pageOwnership, s3test.Owner, "PUT", "/foreign/copy", nil, "plain", 200},
			{pageOwnership, s3test.Owner, "PUT", "/foreign/mp?partNumber=1&uploadId={upload}", nil, "plain", 200},
			{pageDeleteObject, s3test.Owner, "DELETE", "/foreign/gone", nil, "", 204},
			{pageBucketPolicies, s3test.Third, "GET", "/foreign/plain", nil, "", 200},
			{pageBucketPolicies, s3test.Third, "GET", "/foreign/plain?acl", nil, "", 200},
			{pageBucketPolicies, s3test.Third, "GET", "/foreign/full", nil, "", 200},
			{pageOwnership, s3test.Other, "GET", "/foreign/plain", nil, "", 403},
			{pageOwnership, s3test.Other, "GET", "/foreign/denied", nil, "", 403},
		}, ""},
		// Objects written under ObjectWriter become the bucket owner's once the bucket switches
		// to BucketOwnerEnforced ("the bucket owner automatically owns and has full control over
		// every object in the bucket"): their writer keeps no right of its own.
		{"ObjectWriter", []foreignWrite{{s3test.Other, "plain", ""}}, []foreignProbe{
			{pageOwnership, s3test.Owner, "GET", "/foreign/plain", nil, "", 200},
			{pageOwnership, s3test.Owner, "GET", "/foreign/plain?acl", nil, "", 200},
			{pageOwnership, s3test.Other, "GET", "/foreign/plain", nil, "", 403},
			{pageOwnership, s3test.Other, "GET", "/foreign/plain?acl", nil, "", 403},
		}, "BucketOwnerEnforced"},
	} {
		name := tc.ownership
		if tc.switchTo != "" {
			name += " then " + tc.switchTo
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := s3test.Start(t, nil)
			other, third := canonicalID(t, srv, s3test.Other), canonicalID(t, srv, s3test.Third)
			srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/foreign", Header: http.Header{"X-Amz-Object-Ownership": {tc.ownership}}, As: s3test.Owner})
			putPolicy(t, srv.Client, s3test.Owner, "foreign", `{"Version":"2012-10-17","Statement":[
				{"Effect":"Allow","Principal":{"CanonicalUser":"`+other+`"},"Action":["s3:PutObject","s3:PutObjectAcl"],"Resource":"arn:aws:s3:::foreign/*"},
				{"Effect":"Allow","Principal":{"CanonicalUser":"`+third+`"},"Action":["s3:GetObject","s3:GetObjectAcl"],"Resource":"arn:aws:s3:::foreign/*"},
				{"Effect":"Deny","Principal":{"CanonicalUser":"`+other+`"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::foreign/denied"}]}`)
			for _, w := range tc.writes {
				r := s3test.Request{Method: "PUT", Path: "/foreign/" + w.key, Body: []byte(w.key), As: w.as}
				if w.acl != "" {
					r.Header = acl(w.acl)
				}
				srv.Must(t, 200, r)
			}
			if tc.switchTo != "" {
				srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/foreign?ownershipControls", Body: []byte(`<OwnershipControls xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ObjectOwnership>` + tc.switchTo + `</ObjectOwnership></Rule></OwnershipControls>`), As: s3test.Owner})
			}
			var upload struct {
				ID string `xml:"UploadId"`
			}
			if err := xml.Unmarshal(srv.Must(t, 200, s3test.Request{Method: "POST", Path: "/foreign/mp?uploads", As: s3test.Owner}), &upload); err != nil {
				t.Fatal(err)
			}
			for _, p := range tc.probes {
				r := s3test.Request{Method: p.method, Path: strings.ReplaceAll(p.path, "{upload}", upload.ID), Header: p.header, As: p.as}
				if p.copyFrom != "" {
					r.Header = http.Header{"X-Amz-Copy-Source": {"/foreign/" + p.copyFrom}}
				}
				what := p.method + " " + p.path
				if p.copyFrom != "" {
					what += " from " + p.copyFrom
				}
				if res, body := srv.Do(t, r); res.StatusCode != p.status {
					t.Errorf("%s as %s (%s): status %d, want %d\n%s", what, p.as.Name, p.page, res.StatusCode, p.status, body)
				} else if p.status == 403 && p.method != "HEAD" {
					s3test.WantError(t, what, res, body, 403, "AccessDenied", "Access Denied")
				}
			}
		})
	}
}
