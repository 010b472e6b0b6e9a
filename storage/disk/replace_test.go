package disk

import (
	"bytes"
	"context"
	"errors"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/doorman-s3/doorman/storage"
)

// A change that would replace a version under a legal hold is refused, whatever the bucket's
// state, and the version stays: the writes of a bucket never versioned and the deletes without
// a version id there, and the writes that replace the null version while versioning is
// suspended, whether it is the latest or not. Buckets with Object Lock never reach these
// states through the API (their versioning stays Enabled); the records are put under a legal
// hold directly, as a later change of the rules might leave them.
func TestReplacedVersionLocked(t *testing.T) {
	ctx := context.Background()
	put := func(s *Store, body string) error {
		_, err := s.PutObject(ctx, "bkt", "k", bytes.NewReader([]byte(body)), storage.PutObjectOptions{Size: -1})
		return err
	}
	tests := []struct {
		name   string
		states []string // the versioning set before each write of the setup, "" for none
		change func(s *Store) error
	}{
		{"write, never versioned", []string{""}, func(s *Store) error { return put(s, "new") }},
		{"delete, never versioned", []string{""}, func(s *Store) error {
			_, err := s.DeleteObject(ctx, "bkt", "k", storage.DeleteObjectOptions{BypassGovernance: true})
			return err
		}},
		{"write, suspended, null latest", []string{storage.VersioningSuspended}, func(s *Store) error { return put(s, "new") }},
		{"write, suspended, null kept", []string{"", storage.VersioningEnabled}, func(s *Store) error {
			if err := s.PutBucketVersioning(ctx, "bkt", storage.VersioningSuspended); err != nil {
				return err
			}
			return put(s, "new")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openBucket(t)
			for i, state := range tt.states {
				if state != "" {
					if err := s.PutBucketVersioning(ctx, "bkt", state); err != nil {
						t.Fatal(err)
					}
				}
				if err := put(s, []string{"null", "later"}[i]); err != nil {
					t.Fatal(err)
				}
			}
			err := s.db.Update(func(tx *bolt.Tx) error {
				k, err := keyIn(tx, "bkt", "k")
				if err != nil {
					return err
				}
				rec, inObjects, err := k.locate(storage.NullVersion)
				if err != nil {
					return err
				}
				rec.LegalHold = true
				return k.store(rec, inObjects)
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.change(s); !errors.Is(err, storage.ErrObjectLocked) {
				t.Errorf("change: %v, want ErrObjectLocked", err)
			}
			r, info, err := s.GetObject(ctx, "bkt", "k", storage.ReadOptions{VersionID: storage.NullVersion})
			if err != nil || !info.LegalHold {
				t.Fatalf("the null version: %+v, %v", info, err)
			}
			r.Close()
		})
	}
}
