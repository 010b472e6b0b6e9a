package s3test

import (
	"net/http"
	"testing"
)

// CreateACLBucket creates bucket as the account as with ACLs enabled and the canned ACL acl, as
// one must on Amazon S3 since April 2023, when new buckets began with ACLs disabled and Block
// Public Access on (https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html):
// CreateBucket with Object Ownership ObjectWriter, DeletePublicAccessBlock, then PutBucketAcl.
func (c *Client) CreateACLBucket(t testing.TB, as Account, bucket, acl string) {
	t.Helper()
	c.Must(t, 200, Request{Method: "PUT", Path: "/" + bucket, As: as, Header: http.Header{"X-Amz-Object-Ownership": {"ObjectWriter"}}})
	c.Must(t, 204, Request{Method: "DELETE", Path: "/" + bucket + "?publicAccessBlock", As: as})
	c.Must(t, 200, Request{Method: "PUT", Path: "/" + bucket + "?acl", As: as, Header: http.Header{"X-Amz-Acl": {acl}}})
}
