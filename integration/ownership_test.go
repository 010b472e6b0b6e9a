package integration

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// createACLBucket creates name with c with ACLs enabled and, unless acl is empty, that canned
// ACL, as one must on Amazon S3 since April 2023, when new buckets began with ACLs disabled and
// Block Public Access on
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html):
// CreateBucket with Object Ownership ObjectWriter, DeletePublicAccessBlock, then PutBucketAcl.
func createACLBucket(t testing.TB, c *s3.Client, name string, acl s3types.BucketCannedACL) string {
	t.Helper()
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name), ObjectOwnership: s3types.ObjectOwnershipObjectWriter}); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
	if _, err := c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("DeletePublicAccessBlock %s: %v", name, err)
	}
	if acl != "" {
		if _, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String(name), ACL: acl}); err != nil {
			t.Fatalf("PutBucketAcl %s: %v", name, err)
		}
	}
	return name
}

// createACLBucket is server.createBucket for a bucket whose objects are given ACLs.
func (s *server) createACLBucket(t testing.TB, name string) string {
	t.Helper()
	return createACLBucket(t, s.client(), name, "")
}
