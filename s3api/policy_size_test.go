package s3api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/policy"
)

// PutBucketPolicy takes a document of up to 20 KB, "Bucket policies are limited to 20 KB in
// size" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-iam-policies.html), and
// refuses a larger one with PolicyTooLarge, leaving the bucket's policy as it was; a body far
// over the limit is refused unread.
func TestPutBucketPolicyTooLarge(t *testing.T) {
	t.Parallel()
	srv := startPolicyServer(t)
	newPolicyBucket(t, srv, s3test.Owner, "big")
	const head = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::big/*"}]`
	// padded is the document of exactly n bytes, padded with white space before its last brace.
	padded := func(n int) string { return head + strings.Repeat(" ", n-len(head)-1) + "}" }
	// resources is a document whose content, white space aside, is over the limit.
	var resources []string
	for n := 0; n <= policy.MaxSize; n += len(resources[len(resources)-1]) + 1 {
		resources = append(resources, fmt.Sprintf(`"arn:aws:s3:::big/prefix-%05d/*"`, len(resources)))
	}
	long := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":[` + strings.Join(resources, ",") + `]}]}`
	for _, tc := range []struct {
		name   string
		doc    string
		status int
		code   string
	}{
		{"20 KB", padded(policy.MaxSize), 204, ""},
		{"one byte over", padded(policy.MaxSize + 1), 400, "PolicyTooLarge"},
		{"over in content", long, 400, "PolicyTooLarge"},
		{"far over, unread", padded(2*policy.MaxSize + 1), 400, "MaxMessageLengthExceeded"},
	} {
		res, body := srv.Do(t, s3test.Request{Method: "PUT", Path: "/big?policy", Body: []byte(tc.doc), As: s3test.Owner})
		if tc.code == "" {
			if res.StatusCode != tc.status {
				t.Errorf("%s: %d, want %d\n%s", tc.name, res.StatusCode, tc.status, body)
			}
			continue
		}
		s3test.WantError(t, tc.name, res, body, tc.status, tc.code, map[string]string{
			"PolicyTooLarge": "Policy exceeds the maximum allowed document size.",
		}[tc.code])
		// The policy in force is still the last one accepted.
		if got := string(srv.Must(t, 200, s3test.Request{Method: "GET", Path: "/big?policy", As: s3test.Owner})); got != padded(policy.MaxSize) {
			t.Errorf("%s: the policy changed to %.80q...", tc.name, got)
		}
	}
}
