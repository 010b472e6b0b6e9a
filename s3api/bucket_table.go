package s3api

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"

	"github.com/doorman-s3/doorman/acl"
	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/lifecycle"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

// bucketTable keeps, in memory, what every request needs to know about its bucket before it
// reaches storage: that it exists, its owner and decoded ACL, its compiled CORS policy, its
// bucket policy, Object Ownership, Block Public Access and lifecycle configuration. Readers
// take a snapshot with one atomic load and never lock; writers serialise on mu, change the
// backend first and then publish a new snapshot, so a request sees either the old state or
// the new one, never a mix, and the memory never runs ahead of what is durable.
type bucketTable struct {
	mu   sync.Mutex
	snap atomic.Pointer[map[string]*bucketState]
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

// loadBuckets reads every bucket's state. A stored configuration that no longer decodes fails
// the server only where that is safe: a CORS or lifecycle configuration grants nothing, but a bucket policy,
// Object Ownership or Block Public Access that cannot be read is logged and replaced by its
// most closed form (loadBucketPolicy, loadOwnership, loadPublicAccess), so one damaged bucket
// neither stops the server nor opens up.
func (s *Server) loadBuckets(ctx context.Context) (*bucketTable, error) {
	b, log := s.cfg.Backend, s.log
	list, err := b.ListBuckets(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]*bucketState, len(list))
	for _, info := range list {
		st := &bucketState{info: info, acl: s.decodeACL(info.ACL, info.Name, "")}
		doc, err := b.GetBucketConfig(ctx, info.Name, corsKind)
		switch {
		case errors.Is(err, storage.ErrNoSuchConfig):
		case err != nil:
			return nil, err
		default:
			cfg, err := cors.DecodeXML(doc)
			if err == nil {
				st.policy, err = cors.Compile(cfg)
			}
			if err != nil {
				return nil, fmt.Errorf("bucket %s: stored CORS configuration: %w", info.Name, err)
			}
		}
		if st.lifecycle, err = loadLifecycle(b.GetBucketConfig(ctx, info.Name, lifecycle.ConfigKind)); err != nil {
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
		m[info.Name] = st
	}
	t := &bucketTable{}
	t.snap.Store(&m)
	return t, nil
}

// get returns the bucket's state, nil when it does not exist.
func (t *bucketTable) get(name string) *bucketState { return (*t.snap.Load())[name] }

// update runs change (which writes to the backend) under the writers' lock and, when it
// succeeds, publishes its result for the bucket: a new state, or nil to remove the bucket.
func (t *bucketTable) update(name string, change func(old *bucketState) (*bucketState, error)) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := *t.snap.Load()
	st, err := change(old[name])
	if err != nil {
		return err
	}
	m := maps.Clone(old)
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
