package disk

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/doorman-s3/doorman/storage"
)

func checkBucketName(bucket string) error {
	if !storage.ValidBucketName(bucket) {
		return fmt.Errorf("%w: %q", storage.ErrInvalidBucketName, bucket)
	}
	return nil
}

func noSuchBucket(bucket string) error { return fmt.Errorf("%w: %s", storage.ErrNoSuchBucket, bucket) }

// ListBuckets implements storage.Backend.
func (s *Store) ListBuckets(ctx context.Context) ([]storage.BucketInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []storage.BucketInfo
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bktBuckets).ForEach(func(k, v []byte) error {
			var rec bucketRecord
			if err := decode(v, &rec); err != nil {
				return err
			}
			out = append(out, rec.info(string(k)))
			return nil
		})
	})
	return out, err
}

// CreateBucket implements storage.Backend.
func (s *Store) CreateBucket(ctx context.Context, bucket string, opts storage.CreateBucketOptions) (storage.BucketInfo, error) {
	if err := checkBucketName(bucket); err != nil {
		return storage.BucketInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return storage.BucketInfo{}, err
	}
	rec := bucketRecord{ID: newID(), Created: now(), Region: opts.Region, Owner: opts.Owner, ACL: orDefault(opts.ACL, storage.DefaultACL)}
	if opts.ObjectLockEnabled {
		rec.Versioning, rec.Lock = storage.VersioningEnabled, lockConfigOf(storage.ObjectLockConfig{Enabled: true})
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		name := []byte(bucket)
		if tx.Bucket(bktBuckets).Get(name) != nil {
			return fmt.Errorf("%w: %s", storage.ErrBucketExists, bucket)
		}
		if err := tx.Bucket(bktBuckets).Put(name, encode(rec)); err != nil {
			return err
		}
		for _, top := range [][]byte{bktObjects, bktVersions, bktConfigs, bktUploads} {
			if _, err := tx.Bucket(top).CreateBucket(name); err != nil {
				return err
			}
		}
		if rec.Lock != nil {
			return useFormat(tx, formatObjectLock)
		}
		return nil
	})
	if err != nil {
		return storage.BucketInfo{}, err
	}
	return rec.info(bucket), nil
}

// DeleteBucket implements storage.Backend.
func (s *Store) DeleteBucket(ctx context.Context, bucket string) error {
	done, err := s.writing()
	if err != nil {
		return err
	}
	defer done()
	if err := ctx.Err(); err != nil {
		return err
	}
	var parts []string
	err = s.db.Update(func(tx *bolt.Tx) error {
		parts = parts[:0]
		objects, err := objectsOf(tx, bucket)
		if err != nil {
			return err
		}
		// A key whose latest version is a delete marker is only in versions/.
		for _, b := range []*bolt.Bucket{objects, sub(tx, bktVersions, bucket)} {
			if k, _ := b.Cursor().First(); k != nil {
				return fmt.Errorf("%w: %s", storage.ErrBucketNotEmpty, bucket)
			}
		}
		byKey := sub(tx, bktUploads, bucket)
		err = byKey.ForEachBucket(func(key []byte) error {
			byID := byKey.Bucket(key)
			return byID.ForEachBucket(func(id []byte) error {
				return forEachPart(byID.Bucket(id), func(_ int, p partRecord) { parts = append(parts, p.File) })
			})
		})
		if err != nil {
			return err
		}
		name := []byte(bucket)
		for _, top := range [][]byte{bktObjects, bktVersions, bktConfigs, bktUploads} {
			if err := tx.Bucket(top).DeleteBucket(name); err != nil {
				return err
			}
		}
		return tx.Bucket(bktBuckets).Delete(name)
	})
	if err != nil {
		return err
	}
	s.removeData(parts...)
	return nil
}

// HeadBucket implements storage.Backend.
func (s *Store) HeadBucket(ctx context.Context, bucket string) (storage.BucketInfo, error) {
	if err := ctx.Err(); err != nil {
		return storage.BucketInfo{}, err
	}
	var rec bucketRecord
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		rec, err = bucketIn(tx, bucket, "")
		return err
	})
	if err != nil {
		return storage.BucketInfo{}, err
	}
	return rec.info(bucket), nil
}

// PutBucketACL implements storage.Backend.
func (s *Store) PutBucketACL(ctx context.Context, bucket, acl string) error {
	return s.updateBucket(ctx, bucket, func(_ *bolt.Tx, rec *bucketRecord) error {
		rec.ACL = orDefault(acl, storage.DefaultACL)
		return nil
	})
}

// PutBucketVersioning implements storage.Backend. The writes of objects read the state in
// their own transaction, so each follows the state committed before it. A bucket with Object
// Lock keeps its versioning Enabled: a suspended bucket's writes replace the null version.
func (s *Store) PutBucketVersioning(ctx context.Context, bucket, status string) error {
	if status != storage.VersioningEnabled && status != storage.VersioningSuspended {
		return fmt.Errorf("%w: %q", storage.ErrInvalidVersioning, status)
	}
	return s.updateBucket(ctx, bucket, func(_ *bolt.Tx, rec *bucketRecord) error {
		if rec.Lock != nil && status != storage.VersioningEnabled {
			return fmt.Errorf("%w: %s has Object Lock", storage.ErrInvalidBucketState, bucket)
		}
		rec.Versioning = status
		return nil
	})
}

// updateBucket changes a bucket's record in one transaction, unless change fails.
func (s *Store) updateBucket(ctx context.Context, bucket string, change func(*bolt.Tx, *bucketRecord) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		rec, err := bucketIn(tx, bucket, "")
		if err != nil {
			return err
		}
		if err := change(tx, &rec); err != nil {
			return err
		}
		return tx.Bucket(bktBuckets).Put([]byte(bucket), encode(rec))
	})
}

// configsOf returns the bucket's configuration documents, or ErrNoSuchBucket.
func configsOf(tx *bolt.Tx, bucket string) (*bolt.Bucket, error) {
	b := sub(tx, bktConfigs, bucket)
	if b == nil {
		return nil, noSuchBucket(bucket)
	}
	return b, nil
}

// PutBucketConfig implements storage.Backend.
func (s *Store) PutBucketConfig(ctx context.Context, bucket, kind string, doc []byte) error {
	if err := storage.CheckConfigKind(kind); err != nil {
		return err
	}
	if len(doc) > storage.MaxConfigSize {
		return storage.ErrConfigTooLarge
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := configsOf(tx, bucket)
		if err != nil {
			return err
		}
		// bbolt treats a nil value as a bucket marker; store empty documents as empty slices.
		return b.Put([]byte(kind), append([]byte{}, doc...))
	})
}

// GetBucketConfig implements storage.Backend.
func (s *Store) GetBucketConfig(ctx context.Context, bucket, kind string) ([]byte, error) {
	if err := storage.CheckConfigKind(kind); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var doc []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		b, err := configsOf(tx, bucket)
		if err != nil {
			return err
		}
		v := b.Get([]byte(kind))
		if v == nil {
			return fmt.Errorf("%w: %s", storage.ErrNoSuchConfig, kind)
		}
		doc = append([]byte{}, v...)
		return nil
	})
	return doc, err
}

// DeleteBucketConfig implements storage.Backend.
func (s *Store) DeleteBucketConfig(ctx context.Context, bucket, kind string) error {
	if err := storage.CheckConfigKind(kind); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := configsOf(tx, bucket)
		if err != nil {
			return err
		}
		return b.Delete([]byte(kind))
	})
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
