package s3api_test

import (
	"net/http"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// RestrictPublicBuckets keeps a public policy's Allow to "only AWS service principals and
// authorized users within the bucket owner's account"
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html):
// an IAM user of the owner's account still gets what the policy allows, another account and
// an anonymous caller nothing; with the setting off, all three do.
func TestRestrictPublicBuckets(t *testing.T) {
	t.Parallel()
	const public = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::restricted/*"}]}`
	for _, tc := range []struct {
		name     string
		restrict bool
		as       s3test.Account
		status   int
	}{
		{"an IAM user of the owner's account", true, teamAlice, 200},
		{"another account", true, s3test.Other, 403},
		{"an anonymous caller", true, s3test.Anonymous, 403},
		{"another account, setting off", false, s3test.Other, 200},
		{"an anonymous caller, setting off", false, s3test.Anonymous, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startPolicyServer(t)
			newPolicyBucket(t, srv, teamRoot, "restricted")
			putPolicy(t, srv.Client, teamRoot, "restricted", public)
			if tc.restrict {
				doc := []byte(`<PublicAccessBlockConfiguration><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>`)
				srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/restricted?publicAccessBlock", Body: doc, As: teamRoot,
					Header: http.Header{"Content-Md5": {s3test.MD5Base64(doc)}}})
			}
			if res, body := srv.Do(t, s3test.Request{Method: "GET", Path: "/restricted/k", As: tc.as}); res.StatusCode != tc.status {
				t.Errorf("%d, want %d\n%s", res.StatusCode, tc.status, body)
			}
		})
	}
}
