package s3api_test

import (
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// TestMissingKeyNeedsListBucket: GetObjectAcl, GetObjectTagging, PutObjectTagging and
// DeleteObjectTagging on a key that does not exist answer NoSuchKey only to a caller who may
// list the bucket; a caller allowed the operation's own action, but not s3:ListBucket, gets
// 403 and learns nothing of the key (API_GetObject.html, "Permissions").
func TestMissingKeyNeedsListBucket(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/mkey", As: s3test.Owner})
	srv.Must(t, 204, s3test.Request{Method: "DELETE", Path: "/mkey?publicAccessBlock", As: s3test.Owner})
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/mkey/there", Body: []byte("x"), As: s3test.Owner})
	tagging := []byte(`<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>`)
	for _, tc := range []struct {
		name   string
		list   bool // the policy also allows s3:ListBucket
		method string
		path   string
		body   []byte
		status int
	}{
		{"GetObjectAcl without ListBucket", false, "GET", "/mkey/missing?acl", nil, 403},
		{"GetObjectTagging without ListBucket", false, "GET", "/mkey/missing?tagging", nil, 403},
		{"PutObjectTagging without ListBucket", false, "PUT", "/mkey/missing?tagging", tagging, 403},
		{"DeleteObjectTagging without ListBucket", false, "DELETE", "/mkey/missing?tagging", nil, 403},
		{"GetObjectTagging of an existing key", false, "GET", "/mkey/there?tagging", nil, 200},
		{"GetObjectAcl with ListBucket", true, "GET", "/mkey/missing?acl", nil, 404},
		{"GetObjectTagging with ListBucket", true, "GET", "/mkey/missing?tagging", nil, 404},
	} {
		list := ""
		if tc.list {
			list = `,{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::mkey"}`
		}
		putPolicy(t, srv.Client, s3test.Owner, "mkey", `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Principal":"*","Action":["s3:GetObjectAcl","s3:GetObjectTagging","s3:PutObjectTagging","s3:DeleteObjectTagging"],"Resource":"arn:aws:s3:::mkey/*"}`+list+`]}`)
		r := s3test.Request{Method: tc.method, Path: tc.path, Body: tc.body}
		if tc.body != nil {
			r.Header = map[string][]string{"Content-Md5": {s3test.MD5Base64(tc.body)}}
		}
		if res, body := srv.Do(t, r); res.StatusCode != tc.status {
			t.Errorf("%s: anonymous %s %s: status %d, want %d\n%s", tc.name, tc.method, tc.path, res.StatusCode, tc.status, body)
		}
	}
}
