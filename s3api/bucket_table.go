package s3api

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/doorman-s3/doorman/acl"
	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/lifecycle"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

// bucketTable keeps, in memory, what every request needs to know about its bucket before it
// reaches storage: that it exists, its owner and decoded ACL, its compiled CORS policy, its
// bucket policy, Object Ownership, Block Public Access and lifecycle configuration. Readers
// take a snapshot with one atomic load and never lock; writers of one bucket serialise on
// that bucket's lock, change the backend first and then publish a new snapshot, so a request
// sees either the old state or the new one, never a mix, and the memory never runs ahead of
// what is durable. Writers of different buckets do not wait for each other: a backend write
// can take an upstream round trip (the s3 backend), and the reload of a bucket another node
// changed (reloadBucket) must not queue behind this node's writes to other buckets.
type bucketTable struct {
	// mu guards locks and the publishing of a snapshot (a clone of the last one with one
	// bucket changed), never a backend call.
	mu    sync.Mutex
	locks map[string]*bucketLock
	snap  atomic.Pointer[map[string]*bucketState]
}

// bucketLock serialises the writers of one bucket; users counts those holding or waiting
// for it, and the last one removes it from bucketTable.locks.
type bucketLock struct {
	mu    sync.Mutex
	users int
}

// lock takes the writers' lock of bucket name and returns its release.
func (t *bucketTable) lock(name string) (unlock func()) {
	t.mu.Lock()
	if t.locks == nil {
		t.locks = map[string]*bucketLock{}
	}
	l := t.locks[name]
	if l == nil {
		l = &bucketLock{}
		t.locks[name] = l
	}
	l.users++
	t.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		t.mu.Lock()
		if l.users--; l.users == 0 {
			delete(t.locks, name)
		}
		t.mu.Unlock()
	}
}

// bucketState is immutable once published: a change publishes a changed clone.
type bucketState struct {
	info storage.BucketInfo
	// acl is info.ACL decoded, so that no request decodes the bucket's grants; one that does
	// not decode is private (decodeACL).
	acl    acl.ACL
	policy *cors.Policy  // nil: no CORS configuration
	access *bucketPolicy // nil: no bucket policy
	// lifecycle is the bucket's lifecycle configuration (lifecycle.go), nil when it has none.
	lifecycle *lifecycle.Configuration
	// encryption is the bucket's default encryption (bucketencryption.go), nil when none is
	// stored: then SSE-S3.
	encryption *bucketEncryption

	// ownership is the bucket's Object Ownership (ownership.go), "" when none is stored: a
	// bucket from before Object Ownership, which behaves as ObjectWriter.
	ownership string
	// publicAccess is the bucket's Block Public Access (publicaccess.go); hasPublicAccess
	// is false when none is stored, and then every setting is off.
	publicAccess    publicAccessBlock
	hasPublicAccess bool
}

// clone returns a copy of st to change before publishing it.
func (st *bucketState) clone() *bucketState {
	c := *st
	return &c
}

const corsKind = "cors"

// loadBuckets reads every bucket's state (loadBucket). A stored configuration that no longer
// decodes fails the server only where that is safe: a CORS or lifecycle configuration grants
// nothing, but a bucket policy, Object Ownership or Block Public Access that cannot be read is
// logged and replaced by its most closed form (loadBucketPolicy, loadOwnership,
// loadPublicAccess), so one damaged bucket neither stops the server nor opens up.
func (s *Server) loadBuckets(ctx context.Context) (*bucketTable, error) {
	list, err := s.cfg.Backend.ListBuckets(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]*bucketState, len(list))
	for _, info := range list {
		st, err := s.loadBucket(ctx, info, false)
		if err != nil {
			return nil, err
		}
		m[info.Name] = st
	}
	t := &bucketTable{}
	t.snap.Store(&m)
	return t, nil
}

// loadBucket reads the state of the bucket info describes: its configurations, decoded. A
// policy, Object Ownership or Block Public Access that does not decode is held to its most
// closed form, as loadBuckets says. A CORS or lifecycle configuration that does not decode is
// an error at start; when reloading a bucket that changed behind the server's back
// (reloadBucket), where failing would keep a state known to be stale, it is logged and the
// bucket is loaded without it: neither grants anything.
func (s *Server) loadBucket(ctx context.Context, info storage.BucketInfo, reload bool) (*bucketState, error) {
	b, log := s.cfg.Backend, s.log
	st := &bucketState{info: info, acl: s.decodeACL(info.ACL, info.Name, "")}
	var err error
	if st.policy, err = loadCORS(b.GetBucketConfig(ctx, info.Name, corsKind)); errors.Is(err, errUndecodable) && reload {
		log.Error("stored CORS configuration cannot be decoded: the bucket is served without one until it is put again", "bucket", info.Name, "error", err)
		st.policy, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bucket %s: stored CORS configuration: %w", info.Name, err)
	}
	if st.lifecycle, err = loadLifecycle(b.GetBucketConfig(ctx, info.Name, lifecycle.ConfigKind)); errors.Is(err, errUndecodable) && reload {
		log.Error("stored lifecycle configuration cannot be decoded: the bucket is served without one until it is put again", "bucket", info.Name, "error", err)
		st.lifecycle, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bucket %s: stored lifecycle configuration: %w", info.Name, err)
	}
	if st.encryption, err = loadEncryption(b.GetBucketConfig(ctx, info.Name, encryptionKind)); err != nil {
		return nil, fmt.Errorf("bucket %s: stored encryption configuration: %w", info.Name, err)
	}
	if st.access, err = loadBucketPolicy(ctx, b, info.Name, log); err != nil {
		return nil, err
	}
	if st.ownership, err = loadOwnership(b.GetBucketConfig(ctx, info.Name, ownershipKind)); errors.Is(err, s3err.MalformedXML) {
		log.Error("stored ownership controls cannot be decoded: the bucket is held to BucketOwnerEnforced until they are put again or deleted", "bucket", info.Name)
		st.ownership, err = ownershipEnforced, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bucket %s: stored ownership controls: %w", info.Name, err)
	}
	if st.publicAccess, st.hasPublicAccess, err = loadPublicAccess(b.GetBucketConfig(ctx, info.Name, publicAccessKind)); errors.Is(err, s3err.MalformedXML) {
		log.Error("stored public access block cannot be decoded: the bucket blocks all public access until it is put again or deleted", "bucket", info.Name)
		st.publicAccess, st.hasPublicAccess, err = blockAll, true, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bucket %s: stored public access block: %w", info.Name, err)
	}
	return st, nil
}

// reloadTimeout bounds the reload of one bucket that changed behind the server's back.
const reloadTimeout = 30 * time.Second

// reloadBucket reads again the state of a bucket that changed without a request through this
// server (a storage.BucketWatcher told), and publishes it: the new state, or, when the bucket
// no longer exists, its removal. It reads under the writers' lock, so that it never publishes
// a state older than a change this server made meanwhile. A reload that fails (the store
// cannot be read) is logged and leaves the bucket as it was. The calls are the server's own,
// without a storage.Caller.
func (s *Server) reloadBucket(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), reloadTimeout)
	defer cancel()
	err := s.buckets.update(name, func(*bucketState) (*bucketState, error) {
		info, err := s.cfg.Backend.HeadBucket(ctx, name)
		if err == nil {
			var st *bucketState
			if st, err = s.loadBucket(ctx, info, true); err == nil {
				return st, nil
			}
		}
		if errors.Is(err, storage.ErrNoSuchBucket) {
			return nil, nil
		}
		return nil, err
	})
	if err != nil {
		s.log.Error("bucket changed in the store but cannot be read again: its previous state is kept", "bucket", name, "error", err)
	}
}

// errUndecodable marks a stored CORS or lifecycle configuration that no longer decodes
// (loadCORS, loadLifecycle), as against storage that cannot be read.
var errUndecodable = errors.New("does not decode")

// loadCORS compiles a bucket's stored CORS configuration, given as GetBucketConfig returns
// it; nil when it has none. One that does not decode fails with an errUndecodable.
func loadCORS(doc []byte, err error) (*cors.Policy, error) {
	switch {
	case errors.Is(err, storage.ErrNoSuchConfig):
		return nil, nil
	case err != nil:
		return nil, err
	}
	cfg, err := cors.DecodeXML(doc)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errUndecodable, err)
	}
	p, err := cors.Compile(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errUndecodable, err)
	}
	return p, nil
}

// get returns the bucket's state, nil when it does not exist.
func (t *bucketTable) get(name string) *bucketState { return (*t.snap.Load())[name] }

// update runs change (which writes to the backend) under the bucket's writers' lock and, when
// it succeeds, publishes its result for the bucket: a new state, or nil to remove the bucket.
func (t *bucketTable) update(name string, change func(old *bucketState) (*bucketState, error)) error {
	unlock := t.lock(name)
	defer unlock()
	st, err := change(t.get(name))
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	m := maps.Clone(*t.snap.Load())
	if st == nil {
		delete(m, name)
	} else {
		m[name] = st
	}
	t.snap.Store(&m)
	return nil
}

// setBucketConfig stores doc as the bucket's configuration of kind, or deletes that
// configuration when doc is nil, and publishes the bucket's state as set changes it: on the
// bucket the request was authorized for (st), under the writers' lock, the backend first.
func (s *Server) setBucketConfig(rc *request, st *bucketState, kind string, doc []byte, set func(*bucketState)) error {
	return s.buckets.update(rc.bucket, func(old *bucketState) (*bucketState, error) {
		if !sameBucket(old, st) {
			return nil, s3err.NoSuchBucket.With("BucketName", rc.bucket)
		}
		var err error
		if doc == nil {
			err = s.cfg.Backend.DeleteBucketConfig(rc.ctx, rc.bucket, kind)
		} else {
			err = s.cfg.Backend.PutBucketConfig(rc.ctx, rc.bucket, kind, doc)
		}
		if err != nil {
			return nil, err
		}
		st := old.clone()
		set(st)
		return st, nil
	})
}

// sameBucket reports whether old, the state under the writers' lock, is still the bucket the
// request was authorized against: not deleted, nor deleted and created again (by another
// account, perhaps) in between. Object writes make the same check in storage, in the
// transaction that commits them, by passing the authorized bucket's ID (storage.BucketInfo.ID).
func sameBucket(old, authorized *bucketState) bool {
	return old != nil && authorized != nil && old.info.ID == authorized.info.ID
}
