package s3api_test

import (
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// TestACLMatrix runs every operation as a bucket's owner, another account and an anonymous
// caller against buckets and objects of each canned ACL, in process: each answer is AWS's,
// the operation's success or 403 AccessDenied with nothing changed. The table and its
// reasoning (which canned ACL grants what, what each operation needs) are s3test.ACLMatrix's.
func TestACLMatrix(t *testing.T) {
	t.Parallel()
	s3test.ACLMatrix(t, s3test.Start(t, nil).Client)
}
