package s3api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// A copy reads its source as GetObject does and writes its destination as PutObject does
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html, "Permissions": "you
// must have read access to the source object and write access to the destination bucket"):
// the source is decided as s3:GetObject on the source object's ARN by the source bucket's
// policy, owner and ACLs, the destination as s3:PutObject by the destination bucket's, and a
// source the caller may not read is AccessDenied whether or not its key exists.
func TestCopyObjectSourceAccess(t *testing.T) {
	t.Parallel()
	const (
		readK       = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + teamAccount + `:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::src/k"}]}`
		readAll     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::src","arn:aws:s3:::src/*"]}]}`
		denyK       = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::src/k"}]}`
		denyDstPut  = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::dst/*"}]}`
		allowDstPut = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::dst/*"}]}`
	)
	for _, tc := range []struct {
		name      string
		srcPolicy string // "" for none
		dstPolicy string
		srcACL    string // the canned ACL of src/k
		as        s3test.Account
		source    string
		status    int
		code      string
	}{
		{"the source key the policy allows", readK, "", "", teamRoot, "src/k", 200, ""},
		{"another key of the source", readK, "", "", teamRoot, "src/other", 403, "AccessDenied"},
		{"a missing key without s3:ListBucket", readK, "", "", teamRoot, "src/missing", 403, "AccessDenied"},
		{"a missing key with s3:ListBucket", readAll, "", "", teamRoot, "src/missing", 404, "NoSuchKey"},
		{"an unreadable bucket, existing key", "", "", "", teamRoot, "src/k", 403, "AccessDenied"},
		{"an unreadable bucket, missing key", "", "", "", teamRoot, "src/missing", 403, "AccessDenied"},
		{"the source object's ACL grants", "", "", "public-read", teamRoot, "src/k", 200, ""},
		{"a Deny of the source beats its ACL", denyK, "", "public-read", teamRoot, "src/k", 403, "AccessDenied"},
		{"a Deny of the source binds its owner", denyK, allowDstPut, "", s3test.Owner, "src/k", 403, "AccessDenied"},
		{"a Deny of the destination", readAll, denyDstPut, "", teamRoot, "src/k", 403, "AccessDenied"},
		{"the destination's Allow does not read the source", "", allowDstPut, "", s3test.Owner, "src/k", 200, ""},
		{"the destination's Allow does not read another's source", "", allowDstPut, "", s3test.Third, "src/k", 403, "AccessDenied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startPolicyServer(t)
			newPolicyBucket(t, srv, s3test.Owner, "src")
			srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/src/other", Body: []byte("other"), As: s3test.Owner})
			if tc.srcACL != "" {
				srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/src/k?acl", As: s3test.Owner, Header: http.Header{"X-Amz-Acl": {tc.srcACL}}})
			}
			newPolicyBucket(t, srv, teamRoot, "dst")
			if tc.srcPolicy != "" {
				putPolicy(t, srv.Client, s3test.Owner, "src", tc.srcPolicy)
			}
			if tc.dstPolicy != "" {
				putPolicy(t, srv.Client, teamRoot, "dst", tc.dstPolicy)
			}
			res, body := srv.Do(t, s3test.Request{Method: "PUT", Path: "/dst/copy", As: tc.as, Header: http.Header{"X-Amz-Copy-Source": {tc.source}}})
			if tc.code != "" {
				s3test.WantError(t, tc.name, res, body, tc.status, tc.code, "")
			} else if res.StatusCode != tc.status {
				t.Errorf("%d, want %d\n%s", res.StatusCode, tc.status, body)
			}
		})
	}
}

// A copy's condition keys: s3:x-amz-copy-source (CopyObject and UploadPartCopy) and
// s3:x-amz-metadata-directive (CopyObject), as the example policies of
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html use them.
// s3:x-amz-copy-source is the object copied, "bucket/key", however the header spells it (with
// a leading slash, URL-encoded, with ?versionId=null): a policy denying a prefix denies every
// spelling of it.
func TestCopyConditionKeys(t *testing.T) {
	t.Parallel()
	const (
		onlyPublic = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::dst/*","Condition":{"StringNotLike":{"s3:x-amz-copy-source":"src/public/*"},"Null":{"s3:x-amz-copy-source":"false"}}}]}`
		noSecret   = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::dst/*","Condition":{"StringLike":{"s3:x-amz-copy-source":"src/secret/*"}}}]}`
		notSecretA = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::dst/*","Condition":{"StringEquals":{"s3:x-amz-copy-source":"src/secret/a"}}}]}`
		noReplace  = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::dst/*","Condition":{"StringEquals":{"s3:x-amz-metadata-directive":"REPLACE"}}}]}`
	)
	for _, tc := range []struct {
		name   string
		policy string
		path   string // on dst; "?partNumber=1&uploadId=" is followed by an upload's id
		header http.Header
		status int
	}{
		{"a copy from the allowed prefix", onlyPublic, "/copy", http.Header{"X-Amz-Copy-Source": {"src/public/a"}}, 200},
		{"a copy from elsewhere", onlyPublic, "/copy", http.Header{"X-Amz-Copy-Source": {"src/k"}}, 403},
		{"a plain put has no copy source", onlyPublic, "/copy", nil, 200},
		{"a part copied from elsewhere", onlyPublic, "/mp?partNumber=1&uploadId=", http.Header{"X-Amz-Copy-Source": {"src/k"}}, 403},
		{"a part copied from the allowed prefix", onlyPublic, "/mp?partNumber=1&uploadId=", http.Header{"X-Amz-Copy-Source": {"src/public/a"}}, 200},
		{"the allowed prefix after a leading slash", onlyPublic, "/copy", http.Header{"X-Amz-Copy-Source": {"/src/public/a"}}, 200},
		{"the allowed prefix URL-encoded", onlyPublic, "/copy", http.Header{"X-Amz-Copy-Source": {"src/p%75blic%2Fa"}}, 200},
		{"a copy from the denied prefix", noSecret, "/copy", http.Header{"X-Amz-Copy-Source": {"src/secret/a"}}, 403},
		{"the denied prefix after a leading slash", noSecret, "/copy", http.Header{"X-Amz-Copy-Source": {"/src/secret/a"}}, 403},
		{"the denied prefix URL-encoded", noSecret, "/copy", http.Header{"X-Amz-Copy-Source": {"src/%73ecret/a"}}, 403},
		{"the denied prefix's slash URL-encoded", noSecret, "/copy", http.Header{"X-Amz-Copy-Source": {"src/secret%2Fa"}}, 403},
		{"a part copied from the denied prefix after a leading slash", noSecret, "/mp?partNumber=1&uploadId=", http.Header{"X-Amz-Copy-Source": {"/src/secret/a"}}, 403},
		{"a copy from outside the denied prefix", noSecret, "/copy", http.Header{"X-Amz-Copy-Source": {"/src/public/a"}}, 200},
		{"the denied object", notSecretA, "/copy", http.Header{"X-Amz-Copy-Source": {"src/secret/a"}}, 403},
		{"the denied object's null version", notSecretA, "/copy", http.Header{"X-Amz-Copy-Source": {"src/secret/a?versionId=null"}}, 403},
		{"another object's null version", notSecretA, "/copy", http.Header{"X-Amz-Copy-Source": {"src/public/a?versionId=null"}}, 200},
		{"metadata replaced", noReplace, "/copy", http.Header{"X-Amz-Copy-Source": {"src/k"}, "X-Amz-Metadata-Directive": {"REPLACE"}}, 403},
		{"metadata copied", noReplace, "/copy", http.Header{"X-Amz-Copy-Source": {"src/k"}, "X-Amz-Metadata-Directive": {"COPY"}}, 200},
		{"no directive", noReplace, "/copy", http.Header{"X-Amz-Copy-Source": {"src/k"}}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startPolicyServer(t)
			newPolicyBucket(t, srv, s3test.Owner, "src")
			srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/src/public/a", Body: []byte("a"), As: s3test.Owner})
			srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/src/secret/a", Body: []byte("a"), As: s3test.Owner})
			newPolicyBucket(t, srv, s3test.Owner, "dst")
			path := "/dst" + tc.path
			if strings.HasSuffix(path, "uploadId=") {
				body := string(srv.Must(t, 200, s3test.Request{Method: "POST", Path: "/dst/mp?uploads", As: s3test.Owner}))
				_, id, _ := strings.Cut(body, "<UploadId>")
				id, _, _ = strings.Cut(id, "</UploadId>")
				path += id
			}
			putPolicy(t, srv.Client, s3test.Owner, "dst", tc.policy)
			if res, body := srv.Do(t, s3test.Request{Method: "PUT", Path: path, As: s3test.Owner, Header: tc.header, Body: []byte("x")}); res.StatusCode != tc.status {
				t.Errorf("%d, want %d\n%s", res.StatusCode, tc.status, body)
			}
		})
	}
}
