package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// lockedVersionAcross checks Object Lock over MinIO, which keeps and enforces it, through
// two doorman nodes (clients ca of node A, cb of node B, as the bucket owner): a bucket made
// with Object Lock through A; a version under a GOVERNANCE retention that neither node
// deletes; a legal hold put through A that B reports, and that keeps the version even from a
// delete bypassing governance; the bypass refused to a caller a bucket policy denies
// s3:BypassGovernanceRetention, and carried out for one allowed it once the hold is lifted.
// mc is the MinIO cluster, which must hold the retention.
func lockedVersionAcross(t *testing.T, ca, cb *s3.Client, mc *minioCluster) {
	t.Helper()
	ctx := context.Background()
	const bucket, key = "locked", "kept.txt"
	if _, err := ca.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatalf("CreateBucket with Object Lock through A: %v", err)
	}
	// A MinIO node learns of a new bucket's Object Lock configuration from the node that made
	// it, a moment later: until then it refuses a legal hold with "Bucket is missing
	// ObjectLockConfiguration". doorman sends each request to any node, so the test waits
	// until every node has the configuration.
	for i := range mc.addrs {
		node := s3Over(mc.URL(i), minioRoot)
		for made := time.Now(); ; time.Sleep(50 * time.Millisecond) {
			c, err := node.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String(bucket)})
			if err == nil && c.ObjectLockConfiguration.ObjectLockEnabled == types.ObjectLockEnabledEnabled {
				break
			}
			if time.Since(made) > 10*time.Second {
				t.Fatalf("MinIO node %d has no Object Lock configuration of the bucket 10 s after it was made: %+v, %v", i+1, c, err)
			}
		}
	}
	direct := s3Over(mc.URL(0), minioRoot)
	until := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
	put, err := ca.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("kept"),
		ObjectLockMode: types.ObjectLockModeGovernance, ObjectLockRetainUntilDate: aws.Time(until),
		// S3 requires a checksum or Content-MD5 of a write with Object Lock settings.
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatalf("PutObject with a GOVERNANCE retention through A: %v", err)
	}
	version := put.VersionId
	if r, err := direct.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: version}); err != nil ||
		r.Retention.Mode != types.ObjectLockRetentionModeGovernance || !aws.ToTime(r.Retention.RetainUntilDate).Equal(until) {
		t.Errorf("MinIO's retention of the version: %+v, %v; want GOVERNANCE until %v", r, err, until)
	}
	// B learns of the bucket, and of its Object Lock, from its next poll.
	for made := time.Now(); ; time.Sleep(scaleOutPoll / 4) {
		if _, err := cb.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err == nil {
			break
		} else if time.Since(made) > propagationBound {
			t.Fatalf("B does not know the bucket made through A after %v: %v", propagationBound, err)
		}
	}
	del := func(c *s3.Client, bypass bool) error {
		in := &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: version}
		if bypass {
			in.BypassGovernanceRetention = aws.Bool(true)
		}
		_, err := c.DeleteObject(ctx, in)
		return err
	}
	for name, c := range map[string]*s3.Client{"A": ca, "B": cb} {
		if err := del(c, false); apiCode(err) != "AccessDenied" {
			t.Errorf("DeleteObject of the locked version through %s: %v, want AccessDenied", name, err)
		}
	}

	// A legal hold put through A shows through B, and holds against the bypass.
	if _, err := ca.PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: version,
		LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOn}}); err != nil {
		t.Fatalf("PutObjectLegalHold through A: %v", err)
	}
	if h, err := cb.GetObjectLegalHold(ctx, &s3.GetObjectLegalHoldInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: version}); err != nil ||
		h.LegalHold.Status != types.ObjectLockLegalHoldStatusOn {
		t.Errorf("GetObjectLegalHold through B: %+v, %v; want ON", h, err)
	}
	if h, err := cb.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: version}); err != nil ||
		h.ObjectLockLegalHoldStatus != types.ObjectLockLegalHoldStatusOn || h.ObjectLockMode != types.ObjectLockModeGovernance {
		t.Errorf("HeadObject through B: %+v, %v; want the legal hold ON and GOVERNANCE", h, err)
	}
	if err := del(cb, true); apiCode(err) != "AccessDenied" {
		t.Errorf("DeleteObject bypassing governance under a legal hold through B: %v, want AccessDenied", err)
	}
	if _, err := cb.PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: version,
		LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOff}}); err != nil {
		t.Fatalf("PutObjectLegalHold OFF through B: %v", err)
	}

	// A caller denied s3:BypassGovernanceRetention asks for the bypass in vain; once allowed,
	// the bypass removes the version.
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:BypassGovernanceRetention","Resource":"arn:aws:s3:::` + bucket + `/*"}]}`
	if _, err := ca.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(policy)}); err != nil {
		t.Fatalf("PutBucketPolicy through A: %v", err)
	}
	if err := del(ca, true); apiCode(err) != "AccessDenied" {
		t.Errorf("DeleteObject bypassing governance through A, the bypass denied: %v, want AccessDenied", err)
	}
	if _, err := ca.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("DeleteBucketPolicy through A: %v", err)
	}
	if err := del(ca, true); err != nil {
		t.Errorf("DeleteObject bypassing governance through A, allowed: %v", err)
	}
	if _, err := direct.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: version}); httpStatus(err) != 404 {
		t.Errorf("MinIO's HEAD of the version deleted with the bypass: %v, want 404", err)
	}
}
