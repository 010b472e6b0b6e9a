package storagetest

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/doorman-s3/doorman/storage"
)

// TestConcurrentWriters races writers on one key while readers watch it. Every read, and the
// final state, must be one writer's whole body with metadata computed from those bytes.
func TestConcurrentWriters(t *testing.T, newBackend NewBackend) {
	s := withBucket(t, newBackend)
	// Enough writers and rounds for their commits to overlap, few enough for a slow backend.
	const writers, rounds = 12, 3
	bodies := make([][]byte, writers)
	for i := range bodies {
		bodies[i] = randomBytes(uint64(i), 1000+i*7919)
	}
	isBody := func(b []byte) bool {
		for _, w := range bodies {
			if bytes.Equal(b, w) {
				return true
			}
		}
		return false
	}
	// checkObject reports whether body and info are one writer's whole object, saying why not.
	checkObject := func(body []byte, info storage.ObjectInfo) bool {
		t.Helper()
		if !isBody(body) {
			t.Errorf("read %d bytes that no writer wrote", len(body))
			return false
		}
		if info.ETag != MD5Hex(body) || info.Size != int64(len(body)) || info.Checksum.Value != storage.ChecksumCRC32C.Sum(body) {
			t.Errorf("metadata %+v does not match the %d bytes read", info, len(body))
			return false
		}
		return true
	}

	var stop atomic.Bool
	var readers sync.WaitGroup
	for r := 0; r < 2; r++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for !stop.Load() {
				rd, info, err := s.GetObject(ctx, "bkt", "hot", storage.ReadOptions{})
				if errors.Is(err, storage.ErrNoSuchKey) {
					runtime.Gosched() // not written yet: let the writers run
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				body, err := io.ReadAll(rd)
				rd.Close()
				if err != nil {
					t.Error(err)
					return
				}
				if !checkObject(body, info) {
					return // one report, not one per read
				}
			}
		}()
	}
	var writersWG sync.WaitGroup
	for w := 0; w < writers; w++ {
		writersWG.Add(1)
		go func() {
			defer writersWG.Done()
			for r := 0; r < rounds; r++ {
				_, err := s.PutObject(ctx, "bkt", "hot", bytes.NewReader(bodies[w]), storage.PutObjectOptions{
					Size: -1, Checksum: storage.Checksum{Algorithm: storage.ChecksumCRC32C},
				})
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	writersWG.Wait()
	stop.Store(true)
	readers.Wait()

	body, info := Get(t, s, "bkt", "hot")
	checkObject(body, info)
}
