package storagetest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/disk"
	"github.com/doorman-s3/doorman/storage/storagetest"
)

// RunWith passes a backend that refuses every area it declares, as such a backend must, and
// keeps no object ACL or owner: the embedded store behind limited, which refuses what a
// backend in front of a plain S3 store would, and accepts one region alone. This checks the suite itself: that the refusal
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
		storagetest.AreaDeleteRevision, storagetest.AreaObjectACL, storagetest.AreaReaderIsolation,
		// limited keeps the store's revisions, which tell every write apart: declaring the
		// area checks that no check of another area needs more.
		storagetest.AreaDistinctRevisions,
		// limited's PutObject answers with the time it returns, as a backend over a store
		// whose write answers carry no time does.
		storagetest.AreaWriteTime,
	}, Region: limitedRegion})
}

// limitedRegion is the one region limited accepts.
const limitedRegion = "eu-central-1"

// limited refuses Object Lock, SSE-KMS and SSE-C, part bounds, the atomic delete conditions
// and object ACLs with storage.ErrNotImplemented, and stores objects without an ACL or owner
// of their own: every write is stored with the default ACL and no owner, and every object
// reads with ACL, Owner, Initiator and Upload "". It refuses a bucket in another region than
// limitedRegion as S3 does, lists objects without their version ids, and its readers fail
// with ErrPreconditionFailed a read away from where they stand once their object was
// replaced (pinnedReader), as a backend over another store's may. Its PutObject reports the
// time it answered as the object's LastModified.
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
	o.ACL, o.Owner, o.Initiator, o.Upload = "", "", "", ""
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
	if opts.Region != "" && opts.Region != limitedRegion {
		return storage.BucketInfo{}, &storage.ServiceError{Status: http.StatusBadRequest, Code: "IllegalLocationConstraintException",
			Message: "The " + opts.Region + " location constraint is incompatible for the region specific endpoint this request was sent to."}
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
	if err == nil {
		// The time of the answer, and a Revision made of it, as a backend over another store
		// reports them (AreaWriteTime).
		info.LastModified = time.Now().UTC().Truncate(time.Second)
		info.Revision = info.ETag + "/" + info.LastModified.String()
	}
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
	if err != nil {
		return nil, storage.ObjectInfo{}, err
	}
	return &pinnedReader{ObjectReader: r, b: b.Backend, info: info}, strip(info), nil
}

// pinnedReader reads as the reader of a backend over another store: in order from where it
// was opened, from the data it holds, but from elsewhere (after a Seek away, or ReadAt) only
// while its version is still the one under its id, failing with ErrPreconditionFailed (or
// ErrNoSuchKey) otherwise.
type pinnedReader struct {
	storage.ObjectReader
	b     storage.Backend
	info  storage.ObjectInfo
	moved bool // a Seek moved it: the next Read checks the version
}

func (r *pinnedReader) check() error {
	now, err := r.b.HeadObject(context.Background(), r.info.Bucket, r.info.Key, storage.ReadOptions{VersionID: r.info.VersionID})
	switch {
	case errors.Is(err, storage.ErrNoSuchKey), errors.Is(err, storage.ErrNoSuchVersion):
		return storage.ErrNoSuchKey
	case err != nil:
		return err
	case now.Revision != r.info.Revision:
		return storage.ErrPreconditionFailed
	}
	return nil
}

func (r *pinnedReader) Read(p []byte) (int, error) {
	if r.moved {
		if err := r.check(); err != nil {
			return 0, err
		}
		r.moved = false
	}
	return r.ObjectReader.Read(p)
}

func (r *pinnedReader) Seek(offset int64, whence int) (int64, error) {
	before, _ := r.ObjectReader.Seek(0, io.SeekCurrent)
	pos, err := r.ObjectReader.Seek(offset, whence)
	r.moved = r.moved || pos != before
	return pos, err
}

func (r *pinnedReader) ReadAt(p []byte, off int64) (int, error) {
	if err := r.check(); err != nil {
		return 0, err
	}
	return r.ObjectReader.ReadAt(p, off)
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
	for i := range res.Objects {
		res.Objects[i].VersionID = ""
	}
	return res, err
}

func (b *limited) ListObjectVersions(ctx context.Context, bucket string, opts storage.ListVersionsOptions) (storage.ListVersionsResult, error) {
	res, err := b.Backend.ListObjectVersions(ctx, bucket, opts)
	stripAll(res.Versions)
	return res, err
}
