package disk

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/storage"
)

// fakeFsyncs counts the fsyncs of a dirSyncs and can hold them until released.
type fakeFsyncs struct {
	mu    sync.Mutex
	calls int
	fail  error         // what the next fsyncs return
	hold  chan struct{} // when non-nil, each fsync waits for a value
	began chan struct{} // when non-nil, told as each fsync begins
}

func (f *fakeFsyncs) fsync(string) error {
	f.mu.Lock()
	f.calls++
	err, hold, began := f.fail, f.hold, f.began
	f.mu.Unlock()
	if began != nil {
		began <- struct{}{}
	}
	if hold != nil {
		<-hold
	}
	return err
}

func (f *fakeFsyncs) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// began waits for f's next fsync to begin.
func began(t *testing.T, f *fakeFsyncs) {
	t.Helper()
	select {
	case <-f.began:
	case <-time.After(10 * time.Second):
		t.Fatal("no fsync began")
	}
}

// result waits for a sync's result.
func result(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("a sync did not return")
		return nil
	}
}

// TestDirSyncsShareAnFsync checks which entries an fsync of their directory covers: those
// made before it began, whoever asked for it, and never one made while it ran.
func TestDirSyncsShareAnFsync(t *testing.T) {
	t.Run("one entry, one fsync; the next entry, another", func(t *testing.T) {
		f := &fakeFsyncs{}
		d := &dirSyncs{fsync: f.fsync}
		if err := d.sync(d.made("a")); err != nil {
			t.Fatal(err)
		}
		if err := d.sync(d.made("a")); err != nil {
			t.Fatal(err)
		}
		if f.count() != 2 {
			t.Errorf("%d fsyncs, want 2", f.count())
		}
	})
	t.Run("entries made before an fsync began share it", func(t *testing.T) {
		f := &fakeFsyncs{}
		d := &dirSyncs{fsync: f.fsync}
		first, second := d.made("a"), d.made("a")
		other := d.made("b")
		for _, e := range []dirTicket{first, second, other} {
			if err := d.sync(e); err != nil {
				t.Fatal(err)
			}
		}
		if f.count() != 2 {
			t.Errorf("%d fsyncs for two entries in a and one in b, want 2", f.count())
		}
	})
	t.Run("an entry made while an fsync runs waits for the next", func(t *testing.T) {
		f := &fakeFsyncs{hold: make(chan struct{}), began: make(chan struct{})}
		d := &dirSyncs{fsync: f.fsync}
		before := d.made("a")
		covered := d.made("a")
		done := make(chan error, 3)
		go func() { done <- d.sync(before) }()
		began(t, f) // the first fsync runs: covered's entry was made before it began
		late := d.made("a")
		go func() { done <- d.sync(covered) }()
		go func() { done <- d.sync(late) }()
		f.hold <- struct{}{} // the first fsync ends
		// before and covered return; late needs a second fsync, which begins now.
		for range 2 {
			if err := result(t, done); err != nil {
				t.Fatal(err)
			}
		}
		began(t, f) // the second, for late's entry
		select {
		case err := <-done:
			t.Fatalf("the entry made while the first fsync ran returned (%v) before the second ended", err)
		case <-time.After(50 * time.Millisecond):
		}
		f.hold <- struct{}{}
		if err := result(t, done); err != nil {
			t.Fatal(err)
		}
		if f.count() != 2 {
			t.Errorf("%d fsyncs, want 2", f.count())
		}
	})
	t.Run("a failed fsync fails the entries it covered, and a later one succeeds", func(t *testing.T) {
		boom := errors.New("EIO")
		f := &fakeFsyncs{fail: boom}
		d := &dirSyncs{fsync: f.fsync}
		a, b := d.made("a"), d.made("a")
		if err := d.sync(a); !errors.Is(err, boom) {
			t.Errorf("sync: %v, want %v", err, boom)
		}
		if err := d.sync(b); !errors.Is(err, boom) {
			t.Errorf("sync of an entry the failed fsync covered: %v, want %v", err, boom)
		}
		f.mu.Lock()
		f.fail = nil
		f.mu.Unlock()
		if err := d.sync(d.made("a")); err != nil {
			t.Errorf("sync after a failure: %v", err)
		}
	})
	t.Run("a directory is forgotten with its last ticket", func(t *testing.T) {
		f := &fakeFsyncs{}
		d := &dirSyncs{fsync: f.fsync}
		synced, dropped := d.made("a"), d.made("a")
		if err := d.sync(synced); err != nil {
			t.Fatal(err)
		}
		if len(d.dirs) != 1 {
			t.Errorf("%d directories held with a ticket out, want 1", len(d.dirs))
		}
		d.drop(dropped)
		if len(d.dirs) != 0 {
			t.Errorf("%d directories held after every ticket ended, want 0", len(d.dirs))
		}
	})
}

// TestDirSyncsConcurrentWriters runs writers that each make an entry, then sync it, with an
// fsync that, as a directory's, makes durable the entries there when it began, and checks
// that every sync returns with its entry durable.
func TestDirSyncsConcurrentWriters(t *testing.T) {
	var mu sync.Mutex
	present := map[int]bool{} // the entries made
	durable := map[int]bool{} // the entries an ended fsync made durable
	fsyncs := 0
	d := &dirSyncs{fsync: func(string) error {
		mu.Lock()
		fsyncs++
		held := maps.Clone(present)
		mu.Unlock()
		time.Sleep(200 * time.Microsecond)
		mu.Lock()
		maps.Copy(durable, held)
		mu.Unlock()
		return nil
	}}
	const writers, each = 8, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				entry := w*each + i
				mu.Lock()
				present[entry] = true // the file is made
				mu.Unlock()
				e := d.made("a")
				time.Sleep(100 * time.Microsecond) // the file's data and its fsync
				if err := d.sync(e); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				ok := durable[entry]
				mu.Unlock()
				if !ok {
					t.Errorf("entry %d: sync returned before an fsync that began after it was made ended", entry)
					return
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d fsyncs for %d entries", fsyncs, writers*each)
	if fsyncs >= writers*each {
		t.Errorf("%d fsyncs for %d entries: none shared", fsyncs, writers*each)
	}
}

// TestNewDataIDSharesShardsInAPeriod checks that data files made within one shardPeriod share
// a shard, that the next period's go to the next shard, and that the ids stay distinct.
func TestNewDataIDSharesShardsInAPeriod(t *testing.T) {
	start := time.Unix(1700000000, 0).Truncate(shardPeriod)
	seen := map[string]bool{}
	for i := range 100 {
		id := newDataID(start.Add(time.Duration(i) * shardPeriod / 100))
		if id[:2] != newDataID(start)[:2] {
			t.Fatalf("id %s made within the period of %s has another shard", id, newDataID(start))
		}
		if len(id) != 32 || seen[id] {
			t.Fatalf("id %q: not a fresh 128-bit hex id", id)
		}
		seen[id] = true
	}
	this, next := newDataID(start), newDataID(start.Add(shardPeriod))
	if this[:2] == next[:2] {
		t.Errorf("the next period's shard %s is this one's", next[:2])
	}
	shards := map[string]bool{}
	for i := range 256 {
		shards[newDataID(start.Add(time.Duration(i) * shardPeriod))[:2]] = true
	}
	if len(shards) != 256 {
		t.Errorf("256 periods used %d shards, want 256", len(shards))
	}
}

// TestDataFileDirectorySynced checks that a write fsyncs the directory of its data file after
// making the file and before committing its record, and that a failed fsync of the directory
// fails the write and leaves no file behind.
func TestDataFileDirectorySynced(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir, WithInlineLimit(-1)) // the object's data in a file
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.CreateBucket(ctx, "bkt", storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	var synced []string // the directories fsynced, each with the data files it held then
	var fail error
	s.dirs.fsync = func(d string) error {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			synced = append(synced, filepath.Join(d, e.Name()))
		}
		return fail
	}
	if _, err := s.PutObject(ctx, "bkt", "k", bytes.NewReader([]byte("body")), storage.PutObjectOptions{Size: 4}); err != nil {
		t.Fatal(err)
	}
	files := dataFilesIn(t, dir)
	if len(files) != 1 || len(synced) != 1 || synced[0] != files[0] {
		t.Errorf("data files %q; entries in the directories fsynced %q: want the one file's", files, synced)
	}

	fail = errors.New("EIO")
	if _, err := s.PutObject(ctx, "bkt", "k2", bytes.NewReader([]byte("body")), storage.PutObjectOptions{Size: 4}); !errors.Is(err, fail) {
		t.Errorf("PutObject with its directory's fsync failing: %v, want %v", err, fail)
	}
	if after := dataFilesIn(t, dir); len(after) != 1 || after[0] != files[0] {
		t.Errorf("data files after the failed write: %q, want %q", after, files)
	}
	if _, err := s.HeadObject(ctx, "bkt", "k2", storage.ReadOptions{}); !errors.Is(err, storage.ErrNoSuchKey) {
		t.Errorf("the failed write's key: %v, want %v", err, storage.ErrNoSuchKey)
	}
}

// dataFilesIn lists the data files under dir's data/.
func dataFilesIn(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, dataDir, "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}
