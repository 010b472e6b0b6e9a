package storagetest_test

import (
	"context"
	"io"
	"testing"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/disk"
	"github.com/doorman-s3/doorman/storage/storagetest"
)

// RunWith passes a backend that refuses every area it declares, as such a backend must, and
// keeps no object ACL or owner: the embedded store behind limited, which refuses what a
// backend in front of a plain S3 store would. This checks the suite itself: that the refusal
// checks accept refusals, and that no check of another area still needs what was declared
// left out.
func TestRunWithAreasLeftOut(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite")
	}
	storagetest.RunWith(t, func(t *testing.T) storage.Backend {
		s, err := disk.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return &limited{Backend: s}
	}, storagetest.Options{NotImplemented: []string{
		storagetest.AreaObjectLock, storagetest.AreaEncryption, storagetest.AreaObjectParts,
		storagetest.AreaDeleteRevision, storagetest.AreaObjectACL,
	}})
}

// limited refuses Object Lock, SSE-KMS and SSE-C, part bounds, the atomic delete conditions
// and object ACLs with storage.ErrNotImplemented, and stores objects without an ACL or owner
// of their own: every write is stored with the default ACL and no owner, and every object
// reads with ACL, Owner and Initiator "".
type limited struct{ storage.Backend }

func refused(what string) error { return storage.NotImplementedError("%s is not available", what) }

func writeRefusal(lock storage.ObjectLock, enc storage.Encryption) error {
	switch {
	case !lock.IsZero():
		return refused("Object Lock")
	case enc.Algorithm == storage.SSEKMS || enc.CustomerKey != nil:
		return refused("SSE-KMS and SSE-C")
	}
	return nil
}

func strip(o storage.ObjectInfo) storage.ObjectInfo {
	o.ACL, o.Owner, o.Initiator = "", "", ""
	return o
}

func stripAll(os []storage.ObjectInfo) {
	for i := range os {
		os[i] = strip(os[i])
	}
}

// unchanged is IfUnchanged as the store behind keeps the object: with the default ACL.
func unchanged(o *storage.ObjectInfo) *storage.ObjectInfo {
	if o == nil {
		return nil
	}
	c := *o
	c.ACL = storage.DefaultACL
	return &c
}

func (b *limited) CreateBucket(ctx context.Context, bucket string, opts storage.CreateBucketOptions) (storage.BucketInfo, error) {
	if opts.ObjectLockEnabled {
		return storage.BucketInfo{}, refused("Object Lock")
	}
	return b.Backend.CreateBucket(ctx, bucket, opts)
}

func (b *limited) PutBucketObjectLock(context.Context, string, storage.ObjectLockConfig) error {
	return refused("Object Lock")
}

func (b *limited) PutObject(ctx context.Context, bucket, key string, r io.Reader, opts storage.PutObjectOptions) (storage.ObjectInfo, error) {
	if err := writeRefusal(opts.Lock, opts.Encryption); err != nil {
		return storage.ObjectInfo{}, err
	}
	opts.ACL, opts.Owner = "", ""
	info, err := b.Backend.PutObject(ctx, bucket, key, r, opts)
	return strip(info), err
}

func (b *limited) CopyObject(ctx context.Context, srcBucket, srcKey, dstBucket, dstKey string, opts storage.CopyObjectOptions) (storage.ObjectInfo, error) {
	if err := writeRefusal(opts.Lock, opts.Encryption); err != nil {
		return storage.ObjectInfo{}, err
	}
	opts.ACL, opts.Owner = "", ""
	info, err := b.Backend.CopyObject(ctx, srcBucket, srcKey, dstBucket, dstKey, opts)
	return strip(info), err
}

func (b *limited) CreateMultipartUpload(ctx context.Context, bucket, key string, opts storage.CreateMultipartUploadOptions) (storage.UploadInfo, error) {
	if err := writeRefusal(opts.Lock, opts.Encryption); err != nil {
		return storage.UploadInfo{}, err
	}
	opts.ACL = ""
	return b.Backend.CreateMultipartUpload(ctx, bucket, key, opts)
}

func (b *limited) CompleteMultipartUpload(ctx context.Context, bucket, key, uploadID string, parts []storage.CompletedPart, opts storage.CompleteMultipartUploadOptions) (storage.ObjectInfo, error) {
	info, err := b.Backend.CompleteMultipartUpload(ctx, bucket, key, uploadID, parts, opts)
	return strip(info), err
}

func (b *limited) GetObject(ctx context.Context, bucket, key string, opts storage.ReadOptions) (storage.ObjectReader, storage.ObjectInfo, error) {
	if opts.PartNumber != 0 {
		return nil, storage.ObjectInfo{}, refused("part bounds")
	}
	r, info, err := b.Backend.GetObject(ctx, bucket, key, opts)
	return r, strip(info), err
}

func (b *limited) HeadObject(ctx context.Context, bucket, key string, opts storage.ReadOptions) (storage.ObjectInfo, error) {
	if opts.PartNumber != 0 {
		return storage.ObjectInfo{}, refused("part bounds")
	}
	info, err := b.Backend.HeadObject(ctx, bucket, key, opts)
	return strip(info), err
}

func (b *limited) DeleteObject(ctx context.Context, bucket, key string, opts storage.DeleteObjectOptions) (storage.DeleteResult, error) {
	if opts.IfRevision != "" || opts.IfTags != nil || opts.IfNoncurrent != nil || opts.IfOnlyVersion {
		return storage.DeleteResult{}, refused("a delete condition")
	}
	return b.Backend.DeleteObject(ctx, bucket, key, opts)
}

func (b *limited) PutObjectACL(context.Context, string, string, storage.PutObjectACLOptions) error {
	return refused("an object ACL")
}

func (b *limited) PutObjectTags(ctx context.Context, bucket, key string, opts storage.PutObjectTagsOptions) error {
	opts.IfUnchanged = unchanged(opts.IfUnchanged)
	return b.Backend.PutObjectTags(ctx, bucket, key, opts)
}

func (b *limited) PutObjectRetention(context.Context, string, string, storage.PutObjectRetentionOptions) error {
	return refused("Object Lock")
}

func (b *limited) PutObjectLegalHold(context.Context, string, string, storage.PutObjectLegalHoldOptions) error {
	return refused("Object Lock")
}

func (b *limited) ListObjectParts(context.Context, string, string, storage.ListObjectPartsOptions) (storage.ListObjectPartsResult, error) {
	return storage.ListObjectPartsResult{}, refused("part bounds")
}

func (b *limited) ListObjects(ctx context.Context, bucket string, opts storage.ListObjectsOptions) (storage.ListObjectsResult, error) {
	res, err := b.Backend.ListObjects(ctx, bucket, opts)
	stripAll(res.Objects)
	return res, err
}

func (b *limited) ListObjectVersions(ctx context.Context, bucket string, opts storage.ListVersionsOptions) (storage.ListVersionsResult, error) {
	res, err := b.Backend.ListObjectVersions(ctx, bucket, opts)
	stripAll(res.Versions)
	return res, err
}
