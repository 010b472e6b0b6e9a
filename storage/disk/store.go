package disk

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/doorman-s3/doorman/storage"
)

const (
	dbName  = "meta.db"
	dataDir = "data"
	tmpDir  = "tmp"
	// lockTimeout bounds the wait for another process that holds the database open.
	lockTimeout = time.Second
	// batchDelay is how long an object commit waits for concurrent ones to share its
	// transaction (and its fsyncs). It is small beside the fsyncs a write already costs.
	batchDelay = 500 * time.Microsecond
)

// Store is the embedded Backend. Only one process may have a directory open at a time.
type Store struct {
	dir string
	db  *bolt.DB

	closeOnce sync.Once
	closeErr  error
}

var _ storage.Backend = (*Store)(nil)

// Open opens the store in dir, creating it if needed, and deletes what an interrupted write
// left behind. While another process has dir open it fails with an *InUseError (ErrInUse).
// A failed Open leaves behind nothing it created.
func Open(dir string) (s *Store, err error) {
	created, err := firstMissing(dir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil && created != "" {
			os.RemoveAll(created)
		}
	}()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	db, err := bolt.Open(filepath.Join(dir, dbName), 0o600, &bolt.Options{Timeout: lockTimeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, inUse(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("open metadata: %w", err)
	}
	// A lone write waits at most this long for others to share its commit.
	db.MaxBatchDelay = batchDelay
	s = &Store{dir: dir, db: db}
	if err := s.start(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// start runs once the store holds the lock: it records the process and prepares the layout.
func (s *Store) start() error {
	if err := writePID(s.dir); err != nil {
		return err
	}
	if err := makeLayout(s.dir); err != nil {
		return err
	}
	return s.init()
}

// firstMissing returns the outermost directory of path that does not exist yet, "" if path
// exists: what Open must remove if it fails.
func firstMissing(path string) (string, error) {
	path = filepath.Clean(path)
	missing := ""
	for {
		_, err := os.Stat(path)
		if err == nil {
			return missing, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		missing = path
		parent := filepath.Dir(path)
		if parent == path {
			return missing, nil
		}
		path = parent
	}
}

// Close closes the store and releases the directory. Readers returned by GetObject stay
// usable. Closing again does nothing: in particular it leaves the pid file of a process that
// opened the directory since.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closeErr = removePID(s.dir)
		if err := s.db.Close(); s.closeErr == nil {
			s.closeErr = err
		}
	})
	return s.closeErr
}

func makeLayout(dir string) error {
	for i := 0; i < 256; i++ {
		if err := os.MkdirAll(filepath.Join(dir, dataDir, fmt.Sprintf("%02x", i)), 0o700); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, tmpDir), 0o700); err != nil {
		return err
	}
	// Make the directories themselves durable before any file is renamed into them.
	for _, d := range []string{filepath.Join(dir, dataDir), dir, filepath.Dir(dir)} {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	return nil
}

// init checks the format version, creates the top-level buckets and removes leftovers of
// interrupted writes.
func (s *Store) init() error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := checkFormat(tx); err != nil {
			return err
		}
		for _, name := range [][]byte{bktBuckets, bktObjects, bktConfigs, bktUploads} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return assignBucketIDs(tx)
	})
	if err != nil {
		return err
	}
	tmp, err := os.ReadDir(filepath.Join(s.dir, tmpDir))
	if err != nil {
		return err
	}
	for _, e := range tmp {
		if err := os.RemoveAll(filepath.Join(s.dir, tmpDir, e.Name())); err != nil {
			return err
		}
	}
	return s.removeUnreferenced()
}

// assignBucketIDs gives an ID to each bucket created before buckets had one.
func assignBucketIDs(tx *bolt.Tx) error {
	buckets := tx.Bucket(bktBuckets)
	var missing [][]byte
	err := buckets.ForEach(func(k, v []byte) error {
		var rec bucketRecord
		if err := decode(v, &rec); err != nil {
			return err
		}
		if rec.ID == "" {
			missing = append(missing, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range missing {
		var rec bucketRecord
		if err := decode(buckets.Get(k), &rec); err != nil {
			return err
		}
		rec.ID = newID()
		if err := buckets.Put(k, encode(rec)); err != nil {
			return err
		}
	}
	return nil
}

// removeUnreferenced deletes data files that no object or part record names.
func (s *Store) removeUnreferenced() error {
	live := make(map[string]struct{})
	err := s.db.View(func(tx *bolt.Tx) error {
		return forEachDataFile(tx, func(id string) { live[id] = struct{}{} })
	})
	if err != nil {
		return err
	}
	for i := 0; i < 256; i++ {
		shard := filepath.Join(s.dir, dataDir, fmt.Sprintf("%02x", i))
		entries, err := os.ReadDir(shard)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if _, ok := live[e.Name()]; !ok {
				if err := os.Remove(filepath.Join(shard, e.Name())); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// newID returns a random 128-bit hex id for a data file.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Store) dataPath(id string) string {
	return filepath.Join(s.dir, dataDir, id[:2], id)
}

// removeData deletes data files that are no longer referenced. A failure only leaves garbage
// that the next Open removes, so it is not reported.
func (s *Store) removeData(ids ...string) {
	for _, id := range ids {
		if id != "" {
			os.Remove(s.dataPath(id))
		}
	}
}

// openData opens the file of a committed record. ok is false if a concurrent write replaced
// the record and removed the file between the lookup and the open; the caller looks up again.
func (s *Store) openData(id string) (f *os.File, ok bool, err error) {
	f, err = os.Open(s.dataPath(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	return f, err == nil, err
}

// staged is a durable data file that no record refers to yet.
type staged struct {
	id   string
	size int64
	md5  []byte
	sum  []byte // additional checksum, when one was asked for
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// stage runs steps 1 and 2 of the write protocol: it streams r into a new data file and makes
// it durable. size is the expected length or -1; limit bounds the length. extra, when non-nil,
// computes the additional checksum.
func (s *Store) stage(ctx context.Context, r io.Reader, size, limit int64, extra hash.Hash) (st staged, err error) {
	defer func() { err = noSpace(err) }()
	if size > limit {
		return st, storage.ErrEntityTooLarge
	}
	st.id = newID()
	tmp := filepath.Join(s.dir, tmpDir, st.id)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return st, err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()

	sum := md5.New()
	w := io.Writer(io.MultiWriter(f, sum))
	if extra != nil {
		w = io.MultiWriter(f, sum, extra)
	}
	// Read to the end of the body, one byte past the expected size or the limit: a reader
	// that verifies the body (a signature, a digest) reports a failure only at the end.
	max := limit + 1
	if size >= 0 {
		max = size + 1
	}
	buf := copyBufs.Get().(*[]byte)
	n, err := io.CopyBuffer(w, ctxReader{ctx, io.LimitReader(r, max)}, *buf)
	copyBufs.Put(buf)
	switch {
	case err != nil:
		return st, err
	case n > limit:
		return st, storage.ErrEntityTooLarge
	case size >= 0 && n != size:
		return st, storage.ErrIncompleteBody
	}
	if err := f.Sync(); err != nil {
		return st, err
	}
	if err := f.Close(); err != nil {
		return st, err
	}
	final := s.dataPath(st.id)
	if err := os.Rename(tmp, final); err != nil {
		return st, err
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		os.Remove(final)
		return st, err
	}
	st.size = n
	st.md5 = sum.Sum(nil)
	if extra != nil {
		st.sum = extra.Sum(nil)
	}
	return st, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// noSpace marks an error caused by a full file system or an exhausted quota as
// storage.ErrStorageFull, keeping the cause.
func noSpace(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %w", storage.ErrStorageFull, err)
	}
	return err
}

// ctxReader stops a copy once its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// now is the time recorded for writes, at the one-second precision of HTTP dates.
func now() time.Time { return time.Now().UTC().Truncate(time.Second) }
