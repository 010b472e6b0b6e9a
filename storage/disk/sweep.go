package disk

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The start-up sweep removes what a run that ended without Close left: data files no record
// refers to, and what is kept beside them (see "Write protocol" in the package documentation).
// A run that closed the store leaves none, and says so in meta.db (cleanKey), so Open sweeps
// only after a crash, and then in the background: the store serves at once, the sweep reads
// every record in one read transaction and lists the data directory, with the writes going
// on. A write may stage a file after the sweep listed its shard and commit its record after the
// sweep's transaction began: the registry of files in flight (inFlight) tells the sweep of
// every such file, which it leaves alone.

// cleanKey, in bktFormat, says that the last run closed the store after its last write: no
// file of data/ lacks its record. Open removes it in its first transaction, Close puts it
// back. Code that does not know the key neither reads nor removes it; a run of it that
// crashes leaves garbage that this code does not sweep, which costs disk space and loses
// nothing.
var cleanKey = []byte("clean")

// closeWait bounds how long Close waits for writes in progress to finish before it leaves the
// store without cleanKey, for the next Open to sweep.
const closeWait = 5 * time.Second

// errClosed is the error of a write that starts once Close has begun.
var errClosed = errors.New("disk: the store is closed")

// fileID is a data file's id in binary: a sweep holds one for each record.
type fileID [16]byte

// parseID returns the binary id of a data file's name; ok is false for a name that is not one.
func parseID(name string) (id fileID, ok bool) {
	if hex.DecodedLen(len(name)) != len(id) {
		return id, false
	}
	_, err := hex.Decode(id[:], []byte(name))
	return id, err == nil
}

// inFlight registers the writes in progress and the files they staged, which no record
// refers to yet: Close waits for the writes, a sweep leaves the files alone.
type inFlight struct {
	mu sync.Mutex
	// writes counts the writes in progress (Store.writing).
	writes int
	// files are the staged files whose record is not committed yet.
	files map[fileID]struct{}
	// tracked is nil but during a sweep: then it holds every file in flight since the sweep
	// began, including the ones that landed since.
	tracked map[fileID]struct{}
	// closed refuses new writes; idle is closed when the last write in progress ends after.
	closed bool
	idle   chan struct{}
}

// begin registers a write, unless Close has begun.
func (f *inFlight) begin() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return errClosed
	}
	f.writes++
	return nil
}

// end ends a write that begin registered.
func (f *inFlight) end() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.writes--; f.writes == 0 && f.idle != nil {
		close(f.idle)
		f.idle = nil
	}
}

// stage registers a file about to enter data/ without a record.
func (f *inFlight) stage(name string) {
	id, _ := parseID(name)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.files == nil {
		f.files = make(map[fileID]struct{})
	}
	f.files[id] = struct{}{}
	if f.tracked != nil {
		f.tracked[id] = struct{}{}
	}
}

// land forgets files that have their record or are removed; names not staged are ignored.
func (f *inFlight) land(names ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range names {
		if id, ok := parseID(n); ok {
			delete(f.files, id)
		}
	}
}

// track starts a sweep's tracking, with the files in flight now.
func (f *inFlight) track() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tracked = make(map[fileID]struct{}, len(f.files))
	for id := range f.files {
		f.tracked[id] = struct{}{}
	}
}

// isTracked reports whether a file was in flight since track.
func (f *inFlight) isTracked(id fileID) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.tracked[id]
	return ok
}

// untrack ends a sweep's tracking.
func (f *inFlight) untrack() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tracked = nil
}

// close refuses new writes and waits, at most wait, for those in progress to end. It reports
// whether they did.
func (f *inFlight) close(wait time.Duration) bool {
	f.mu.Lock()
	f.closed = true
	if f.writes == 0 {
		f.mu.Unlock()
		return true
	}
	if f.idle == nil {
		f.idle = make(chan struct{})
	}
	idle := f.idle
	f.mu.Unlock()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-idle:
		return true
	case <-t.C:
		return false
	}
}

// writing registers a write that may stage a file or remove one after its commit, for Close
// to wait for; the caller calls done when the write has finished.
func (s *Store) writing() (done func(), err error) {
	if err := s.flight.begin(); err != nil {
		return nil, err
	}
	return s.flight.end, nil
}

// Sweep is what the start-up sweep did.
type Sweep struct {
	// Ran is false when Open found the store closed by the run before: nothing to sweep.
	Ran bool
	// Removed counts the data files removed.
	Removed int
	// Took is how long it ran.
	Took time.Duration
	// Err is why it stopped before the end, if it did; Close stops it.
	Err error
}

// sweeper is the state of the start-up sweep.
type sweeper struct {
	stop   chan struct{} // closed by Close
	done   chan struct{} // closed when the sweep has ended
	result Sweep         // set before done is closed
}

// errSweepStopped is the Err of a sweep that Close stopped.
var errSweepStopped = errors.New("disk: the start-up sweep was stopped by Close")

// Swept waits until the start-up sweep has ended, or ctx is done, and returns what it did.
// After Open of a store its last run closed, it returns at once, with Ran false.
func (s *Store) Swept(ctx context.Context) (Sweep, error) {
	select {
	case <-s.sweep.done:
		return s.sweep.result, nil
	case <-ctx.Done():
		return Sweep{}, ctx.Err()
	}
}

// startSweep starts the sweep in the background, or, when clean, records that none is needed.
func (s *Store) startSweep(clean bool) {
	s.sweep = &sweeper{stop: make(chan struct{}), done: make(chan struct{})}
	if clean {
		close(s.sweep.done)
		return
	}
	go func() {
		t0 := time.Now()
		removed, err := s.removeUnreferenced(s.sweep.stop)
		s.sweep.result = Sweep{Ran: true, Removed: removed, Took: time.Since(t0), Err: err}
		close(s.sweep.done)
	}()
}

// stopSweep stops the sweep, if it runs, waits for it to end, and returns its error: nil when
// it completed or was not needed.
func (s *Store) stopSweep() error {
	select {
	case <-s.sweep.done:
	default:
		close(s.sweep.stop)
		<-s.sweep.done
	}
	return s.sweep.result.Err
}

// removeUnreferenced deletes data files that no record names and no write has in flight, and
// what is kept beside records for them. It holds 16 bytes a record (the ids, sorted), one
// shard's listing and the files in flight meanwhile. It returns the count of files removed.
func (s *Store) removeUnreferenced(stop <-chan struct{}) (removed int, err error) {
	s.flight.track()
	defer s.flight.untrack()
	stopped := func() error {
		select {
		case <-stop:
			return errSweepStopped
		default:
			return nil
		}
	}
	var live []fileID
	type entry struct{ top, id []byte }
	var aside []entry
	err = s.db.View(func(tx *bolt.Tx) error {
		err := forEachDataFile(tx, func(name string) error {
			if id, ok := parseID(name); ok {
				live = append(live, id)
			}
			return stopped()
		})
		if err != nil {
			return err
		}
		slices.SortFunc(live, func(a, b fileID) int { return bytes.Compare(a[:], b[:]) })
		return forEachAside(tx, func(top, name []byte) {
			id, ok := parseID(string(name))
			if !ok || !s.referenced(live, id) {
				aside = append(aside, entry{top, bytes.Clone(name)})
			}
		})
	})
	if err != nil {
		return 0, err
	}
	if len(aside) > 0 {
		err := s.db.Update(func(tx *bolt.Tx) error {
			for _, e := range aside {
				if err := tx.Bucket(e.top).Delete(e.id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	for i := range 256 {
		if err := stopped(); err != nil {
			return removed, err
		}
		shard := filepath.Join(s.dir, dataDir, fmt.Sprintf("%02x", i))
		entries, err := os.ReadDir(shard)
		if err != nil {
			return removed, err
		}
		for _, e := range entries {
			id, ok := parseID(e.Name())
			if ok && s.referenced(live, id) {
				continue
			}
			if err := os.Remove(filepath.Join(shard, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				return removed, err
			}
			removed++
		}
	}
	return removed, nil
}

// referenced reports whether a record in live (sorted) names the file id, or a write has it
// in flight since the sweep began.
func (s *Store) referenced(live []fileID, id fileID) bool {
	_, found := slices.BinarySearchFunc(live, id, func(a, b fileID) int { return bytes.Compare(a[:], b[:]) })
	return found || s.flight.isTracked(id)
}
