package s3api_test

import (
	"context"
	"sync"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage"
)

// lateBackend's ListBuckets answers the list as it was before a bucket was created behind
// the server's back, and tells the change while the server is still loading its table, as a
// backend's poller can.
type lateBackend struct {
	storage.Backend
	mu      sync.Mutex
	changed func(string)
	told    bool
}

func (b *lateBackend) WatchBuckets(changed func(string)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.changed = changed
}

func (b *lateBackend) ListBuckets(ctx context.Context) ([]storage.BucketInfo, error) {
	list, err := b.Backend.ListBuckets(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := b.Backend.CreateBucket(ctx, "late", storage.CreateBucketOptions{Owner: s3api.CanonicalID(s3test.Owner.User()), ACL: storage.DefaultACL}); err != nil {
		return nil, err
	}
	b.mu.Lock()
	f := b.changed
	b.told = f != nil
	b.mu.Unlock()
	if f != nil {
		f("late")
	}
	return list, nil
}

// A bucket changed while the server loads its table (after the backend listed the buckets,
// before the load ends) is told to the server, which reads it once the table exists.
func TestChangeDuringLoadIsNotLost(t *testing.T) {
	b := &lateBackend{}
	srv := s3test.Start(t, func(cfg *s3api.Config) {
		b.Backend = cfg.Backend
		cfg.Backend = b
	})
	if !b.told {
		t.Fatal("the server had not registered its watcher when the backend listed the buckets")
	}
	srv.Must(t, 200, s3test.Request{Method: "HEAD", Path: "/late", As: s3test.Owner})
}
