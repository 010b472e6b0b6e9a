package disk

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/doorman-s3/doorman/storage"
)

// Object Lock (see storage/objectlock.go for the rules): a bucket's configuration is in its
// bucketRecord, each version's retention and legal hold in its objectRecord, in objects/ and
// versions/ alike, and an upload's settings in its uploadRecord until it completes. Every
// decision calls the functions of package storage, in the transaction that acts on it, at the
// store's clock (WithClock).

// PutBucketObjectLock implements storage.Backend.
func (s *Store) PutBucketObjectLock(ctx context.Context, bucket string, cfg storage.ObjectLockConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	return s.updateBucket(ctx, bucket, func(tx *bolt.Tx, rec *bucketRecord) error {
		if rec.Lock == nil && rec.Versioning != storage.VersioningEnabled {
			return fmt.Errorf("%w: Object Lock needs the versioning of %s Enabled", storage.ErrInvalidBucketState, bucket)
		}
		rec.Lock = lockConfigOf(cfg)
		return useFormat(tx, formatObjectLock)
	})
}

// PutObjectRetention implements storage.Backend.
func (s *Store) PutObjectRetention(ctx context.Context, bucket, key string, opts storage.PutObjectRetentionOptions) error {
	return s.updateObject(ctx, bucket, opts.BucketID, key, opts.VersionID, nil, true, func(k *keyTx, rec *objectRecord) error {
		if err := storage.RetentionChangeAllowed(rec.Retention.public(), opts.Retention, opts.BypassGovernance, k.now); err != nil {
			return err
		}
		rec.Retention = retentionOf(opts.Retention)
		return nil
	})
}

// PutObjectLegalHold implements storage.Backend.
func (s *Store) PutObjectLegalHold(ctx context.Context, bucket, key string, opts storage.PutObjectLegalHoldOptions) error {
	return s.updateObject(ctx, bucket, opts.BucketID, key, opts.VersionID, nil, true, func(_ *keyTx, rec *objectRecord) error {
		rec.LegalHold, rec.LegalHoldSet = opts.On, true
		return nil
	})
}
