package disk

import (
	"context"
	"errors"

	"github.com/doorman-s3/doorman/storage"
)

// PLACEHOLDER: replaced by the Object Lock implementation before this branch merges.

func (s *Store) PutBucketObjectLock(ctx context.Context, bucket string, cfg storage.ObjectLockConfig) error {
	return errors.ErrUnsupported
}

func (s *Store) PutObjectRetention(ctx context.Context, bucket, key string, opts storage.PutObjectRetentionOptions) error {
	return errors.ErrUnsupported
}

func (s *Store) PutObjectLegalHold(ctx context.Context, bucket, key string, opts storage.PutObjectLegalHoldOptions) error {
	return errors.ErrUnsupported
}

func (s *Store) ListObjectParts(ctx context.Context, bucket, key string, opts storage.ListObjectPartsOptions) (storage.ListObjectPartsResult, error) {
	return storage.ListObjectPartsResult{}, errors.ErrUnsupported
}
