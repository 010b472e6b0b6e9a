package s3api_test

import (
	"encoding/xml"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// An IAM user shares its account's canonical id with the account's root user, but not its
// rights: without a bucket policy granting it, it may neither list the parts of an upload the
// root user started nor abort it (the root user may), as an IAM user with no identity policy
// has nothing (https://docs.aws.amazon.com/AmazonS3/latest/userguide/how-s3-evaluates-access-control.html).
func TestIAMUserAndAnotherUsersUpload(t *testing.T) {
	t.Parallel()
	srv := startPolicyServer(t)
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/team-uploads", As: teamRoot})
	var created struct {
		UploadID string `xml:"UploadId"`
	}
	if err := xml.Unmarshal(srv.Must(t, 200, s3test.Request{Method: "POST", Path: "/team-uploads/big?uploads", As: teamRoot}), &created); err != nil || created.UploadID == "" {
		t.Fatalf("CreateMultipartUpload: %v %q", err, created.UploadID)
	}
	upload := "/team-uploads/big?uploadId=" + created.UploadID
	for _, tc := range []struct {
		name   string
		r      s3test.Request
		status int
	}{
		{"an IAM user lists the root user's parts", s3test.Request{Method: "GET", Path: upload, As: teamAlice}, 403},
		{"an IAM user aborts the root user's upload", s3test.Request{Method: "DELETE", Path: upload, As: teamAlice}, 403},
		{"an IAM user uploads a part of it", s3test.Request{Method: "PUT", Path: upload + "&partNumber=1", Body: []byte("p"), As: teamAlice}, 403},
		{"the root user lists its parts", s3test.Request{Method: "GET", Path: upload, As: teamRoot}, 200},
		{"the root user aborts it", s3test.Request{Method: "DELETE", Path: upload, As: teamRoot}, 204},
	} {
		if res, body := srv.Do(t, tc.r); res.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d\n%s", tc.name, res.StatusCode, tc.status, body)
		}
	}
}
