package disk_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/disk"
	"github.com/doorman-s3/doorman/storage/storagetest"
)

// A store closed by the run before is not swept: with 20,000 objects, Open neither reads their
// records nor lists data/, and the sweep that follows a crash removes what the crash left.
func TestCleanStartDoesNotSweep(t *testing.T) {
	s, dir, keys := withObjects(t, 20_000)
	s.Close()
	// A file no record names, which only a sweep removes.
	stray := filepath.Join(dir, "data", "01", "0123456789abcdef0123456789abcdef")
	if err := os.WriteFile(stray, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		crash bool
	}{{"clean", false}, {"crash", true}} {
		if tc.crash {
			updateMeta(t, dir, asCrashed)
		}
		s := reopen(t, dir)
		sw := swept(t, s)
		_, err := os.Stat(stray)
		if sw.Ran != tc.crash || os.IsNotExist(err) != tc.crash || (tc.crash && sw.Removed != 1) {
			t.Errorf("%s start: sweep %+v; the stray file: %v", tc.name, sw, err)
		}
		if got := len(dataFiles(t, dir)); got != len(keys)+btoi(!tc.crash) {
			t.Errorf("%s start: %d data files for %d objects", tc.name, got, len(keys))
		}
		s.Close()
	}
}

// withObjects opens a store whose bucket "bkt" holds n empty objects (disk.BulkPut), and
// returns their keys.
func withObjects(t *testing.T, n int, opts ...disk.Option) (*disk.Store, string, []string) {
	s, dir := openWithBucket(t, opts...)
	keys := startupKeys(n)
	if err := disk.BulkPut(s, "bkt", keys); err != nil {
		t.Fatal(err)
	}
	return s, dir, keys
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Sweeps racing writes never remove the file of a write that commits after the sweep read the
// records: every object written stays readable, and the garbage is gone once the writes stop.
func TestSweepRacingWrites(t *testing.T) {
	s, dir, keys := withObjects(t, 2_000, inFiles) // every write with a file in flight
	var stop atomic.Bool
	var wg sync.WaitGroup
	written := make([][]string, 4)
	for w := range written {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				key := fmt.Sprintf("w%d/%06d", w, i)
				storagetest.Put(t, s, "bkt", key, []byte(key))
				written[w] = append(written[w], key)
			}
		})
	}
	sweeps, removed := 0, 0
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); sweeps++ {
		n, err := disk.SweepNow(s)
		if err != nil {
			t.Fatal(err)
		}
		removed += n
	}
	stop.Store(true)
	wg.Wait()
	if removed != 0 {
		t.Errorf("%d sweeps removed %d files while nothing was garbage", sweeps, removed)
	}
	all := 0
	for _, keys := range written {
		for _, key := range keys {
			if body, _ := storagetest.Get(t, s, "bkt", key); !bytes.Equal(body, []byte(key)) {
				t.Fatalf("%s: %q", key, body)
			}
		}
		all += len(keys)
	}
	for _, key := range keys {
		if _, _, err := s.GetObject(ctx, "bkt", key, storage.ReadOptions{}); err != nil {
			t.Errorf("bulk %s: %v", key, err)
		}
	}
	if n := disk.InFlight(s); n != 0 {
		t.Errorf("%d files still in flight once every write returned", n)
	}
	if got, want := storedData(t, s, dir), len(keys)+all; got != want {
		t.Errorf("%d data files and inline objects for %d objects", got, want)
	}
	t.Logf("%d sweeps during %d writes", sweeps, all)
}
