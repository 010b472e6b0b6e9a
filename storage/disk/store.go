package disk

import (
	"bytes"
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
	"sync/atomic"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/doorman-s3/doorman/sse"
	"github.com/doorman-s3/doorman/storage"
)

const (
	dbName  = "meta.db"
	dataDir = "data"
	tmpDir  = "tmp"
	// lockTimeout bounds the wait for another process that holds the database open.
	lockTimeout = time.Second
	// maxOpenAttempts bounds how often Open opens meta.db again after finding that the file
	// it waited for was removed (by a start that failed): each removal needs a start that
	// made the file and failed, so more than one in a row is unlikely.
	maxOpenAttempts = 3
	// batchDelay is how long an object commit waits for concurrent ones to share its
	// transaction (and its fsyncs). It is small beside the fsyncs a write already costs.
	batchDelay = 500 * time.Microsecond
)

// Store is the embedded Backend. Only one process may have a directory open at a time.
type Store struct {
	dir string
	db  *bolt.DB
	// made is what Open created, for Discard.
	made *creation
	// clock is the time Object Lock decisions are taken at (see WithClock).
	clock func() time.Time
	// region is the region of the KMS keys' ARNs (see WithRegion).
	region string
	// keys is the keyring in use (keyring.go); keysMu serializes its changes.
	keys   atomic.Pointer[sse.Keyring]
	keysMu sync.Mutex
	// flight registers the writes in progress and the files they staged (sweep.go).
	flight inFlight
	// dirs fsyncs the shard directories of new data files, once for concurrent writers.
	dirs dirSyncs
	// inlineLimit is the size up to which an object's data is kept in meta.db (inline.go).
	inlineLimit int64
	// sweep is the start-up sweep, which runs after a start that did not find the store
	// closed (sweep.go).
	sweep *sweeper
	// litter tells that a file or an entry beside a record could not be removed: the store is
	// then not closed clean, so that the next Open sweeps.
	litter atomic.Bool

	// files keeps sealed data files open between reads (openfiles.go).
	files openFiles

	closeOnce sync.Once
	closeErr  error
}

var _ storage.Backend = (*Store)(nil)

// An Option changes a setting of Open.
type Option func(*Store)

// WithClock makes now the store's clock for Object Lock: the time a write's default retention
// starts from and the time retentions are compared with (storage.VersionLock, DeleteAllowed,
// RetentionChangeAllowed). It is time.Now by default; a test moves it to see retentions expire.
// The dates recorded as LastModified stay the system's.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.clock = now } }

// Open opens the store in dir, creating it if needed, and empties tmp/. After a run that did
// not Close the store (a crash), it starts the sweep of what interrupted writes left in data/,
// which runs in the background while the store serves (see Swept). While another process has
// dir open it fails with an *InUseError (ErrInUse) and removes nothing. Any other failure
// removes what this call created, and only that: the directories its own mkdir made, the
// database file if it made it, the layout's directories; a directory that holds anything
// else stays. A symbolic link to a directory that does not exist (a disk not mounted yet) is
// an error, never replaced.
func Open(dir string, opts ...Option) (*Store, error) {
	made := new(creation)
	if err := made.mkdirAll(filepath.Clean(dir)); err != nil {
		made.undo()
		return nil, err
	}
	dbPath := filepath.Join(dir, dbName)
	db, madeDB, err := openDB(dbPath)
	if errors.Is(err, bolterrors.ErrTimeout) {
		// The directories made above are the holder's now.
		return nil, inUse(dir)
	}
	if err != nil {
		made.undo()
		return nil, fmt.Errorf("open metadata: %w", err)
	}
	// A lone write waits at most this long for others to share its commit.
	db.MaxBatchDelay = batchDelay
	s := &Store{dir: dir, db: db, made: made, clock: time.Now, dirs: dirSyncs{fsync: syncDir}, inlineLimit: defaultInlineLimit}
	for _, o := range opts {
		o(s)
	}
	if madeDB {
		made.files = append(made.files, dbPath)
	}
	if err := s.start(madeDB); err != nil {
		s.Discard()
		return nil, err
	}
	return s, nil
}

// openDB opens and locks the database at path. made tells that this call made the file: it
// was missing, and holds nothing now that this call has the lock.
//
// The file locked must still be the one at path: a start that fails after making it removes
// it before releasing the lock, and a start that was waiting on the lock then holds a file no
// one will see again. Such a start opens path again, at most maxOpenAttempts times in all.
func openDB(path string) (db *bolt.DB, made bool, err error) {
	for range maxOpenAttempts {
		_, statErr := os.Lstat(path)
		var file *os.File
		opts := &bolt.Options{Timeout: lockTimeout, OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, perm)
			file = f
			return f, err
		}}
		db, err = bolt.Open(path, 0o600, opts)
		if err != nil {
			return nil, false, err
		}
		if current(file, path) {
			return db, errors.Is(statErr, os.ErrNotExist) && empty(db), nil
		}
		db.Close()
	}
	return nil, false, fmt.Errorf("%s was removed each time it was opened (%d times)", path, maxOpenAttempts)
}

// current reports whether f is still the file at path.
func current(f *os.File, path string) bool {
	opened, err := f.Stat()
	if err != nil {
		return false
	}
	now, err := os.Stat(path)
	return err == nil && os.SameFile(opened, now)
}

// empty reports whether the database holds no bucket at all: a file bbolt has just made.
func empty(db *bolt.DB) bool {
	none := true
	db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func([]byte, *bolt.Bucket) error { none = false; return nil })
	})
	return none
}

// start runs once the store holds the lock: it records the process, prepares the layout,
// reads the keyring, or creates it, and starts the sweep unless the database is new (made) or
// was closed clean.
func (s *Store) start(made bool) error {
	if err := writePID(s.dir); err != nil {
		return err
	}
	if err := makeLayout(s.dir, s.made); err != nil {
		return err
	}
	clean, err := s.init()
	if err != nil {
		return err
	}
	if err := s.loadKeyring(); err != nil {
		return err
	}
	s.startSweep(clean || made)
	return nil
}

// creation records what one Open made, so that a failed start removes that and nothing else.
type creation struct {
	dirs  []string // directories this Open's own mkdir made, outermost first
	files []string // files this Open made
}

// mkdirAll makes dir and its missing parents one level at a time, recording the levels made
// here: a level another process made first (EEXIST) is not ours to remove.
func (c *creation) mkdirAll(dir string) error {
	err := os.Mkdir(dir, 0o700)
	if errors.Is(err, os.ErrNotExist) {
		if parent := filepath.Dir(dir); parent != dir {
			if err := c.mkdirAll(parent); err != nil {
				return err
			}
			err = os.Mkdir(dir, 0o700)
		}
	}
	switch {
	case err == nil:
		c.dirs = append(c.dirs, dir)
		return nil
	case errors.Is(err, os.ErrExist):
		return isDir(dir)
	}
	return err
}

// isDir checks that path, which exists, is a directory or a link to one.
func isDir(path string) error {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		if target, lerr := os.Readlink(path); lerr == nil {
			return fmt.Errorf("%s is a symbolic link to %s, which does not exist", path, target)
		}
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", path)
	}
	return nil
}

// undo removes what was recorded: the files, then the directories innermost first. A
// directory that is not empty (something else was put in it) stays.
func (c *creation) undo() {
	for _, f := range c.files {
		os.Remove(f)
	}
	for i := len(c.dirs) - 1; i >= 0; i-- {
		os.Remove(c.dirs[i])
	}
}

// Close closes the store and releases the directory. Readers returned by GetObject stay
// usable. Closing again does nothing: in particular it leaves the pid file of a process that
// opened the directory since.
func (s *Store) Close() error { return s.close(false) }

// Discard closes the store of a start that failed before the store was used, and removes
// what its Open created, as a failed Open does. It removes them before the directory is
// released, so that no process that opens it since loses anything. Closing again does
// nothing.
func (s *Store) Discard() error { return s.close(true) }

func (s *Store) close(discard bool) error {
	s.closeOnce.Do(func() {
		idle := s.flight.close(closeWait)
		swept := s.sweep != nil && s.stopSweep() == nil
		if idle && swept && !discard && !s.litter.Load() {
			// Every write has ended and nothing is left that a sweep would remove.
			s.closeErr = s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bktFormat).Put(cleanKey, []byte{}) })
		}
		s.files.closeAll()
		if err := removePID(s.dir); s.closeErr == nil {
			s.closeErr = err
		}
		if discard {
			s.made.undo()
		}
		if err := s.db.Close(); s.closeErr == nil {
			s.closeErr = err
		}
	})
	return s.closeErr
}

// makeLayout makes the data and temporary directories, recording in made those it makes.
func makeLayout(dir string, made *creation) error {
	for i := 0; i < 256; i++ {
		if err := made.mkdirAll(filepath.Join(dir, dataDir, fmt.Sprintf("%02x", i))); err != nil {
			return err
		}
	}
	if err := made.mkdirAll(filepath.Join(dir, tmpDir)); err != nil {
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

// init checks the format version, creates the top-level buckets and empties tmp/. clean tells
// that the run before closed the store (cleanKey), which init marks open.
func (s *Store) init() (clean bool, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := checkFormat(tx); err != nil {
			return err
		}
		format := tx.Bucket(bktFormat)
		clean = format.Get(cleanKey) != nil
		if err := format.Delete(cleanKey); err != nil {
			return err
		}
		for _, name := range [][]byte{bktBuckets, bktObjects, bktVersions, bktConfigs, bktUploads, bktPartChecksums, bktSegments, bktInline} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		if err := addVersionBuckets(tx); err != nil {
			return err
		}
		return assignBucketIDs(tx)
	})
	if err != nil {
		return false, err
	}
	tmp, err := os.ReadDir(filepath.Join(s.dir, tmpDir))
	if err != nil {
		return false, err
	}
	for _, e := range tmp {
		if err := os.RemoveAll(filepath.Join(s.dir, tmpDir, e.Name())); err != nil {
			return false, err
		}
	}
	return clean, nil
}

// addVersionBuckets gives each bucket of a format-1 database its nested bucket of versions.
func addVersionBuckets(tx *bolt.Tx) error {
	return tx.Bucket(bktBuckets).ForEach(func(name, _ []byte) error {
		_, err := tx.Bucket(bktVersions).CreateBucketIfNotExists(name)
		return err
	})
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

// newID returns a random 128-bit hex id (a bucket's, an upload's; a data file's is
// newDataID's).
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Store) dataPath(id string) string {
	return filepath.Join(s.dir, dataDir, id[:2], id)
}

// removeData deletes data files that are no longer referenced, and what is kept beside their
// records, and forgets them as files in flight. A failure only leaves garbage, which the sweep
// of the next Open removes (litter), so it is not reported.
func (s *Store) removeData(ids ...string) {
	s.removeAside(ids)
	for _, id := range ids {
		if id != "" {
			s.removeFile(s.dataPath(id))
			s.files.forget(id) // after the unlink: see openFiles.open
		}
	}
	s.flight.land(ids...)
}

// removeFile removes a data file, or records litter when it cannot.
func (s *Store) removeFile(path string) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.litter.Store(true)
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

// staged is an object's data that no record refers to yet: a durable data file, or the bytes
// to keep in meta.db with the record (inline.go).
type staged struct {
	id     string
	size   int64
	md5    []byte
	sum    []byte // additional checksum, when one was asked for
	inline []byte // the data, sealed when encrypted, of an inline object; nil for a file
}

// discard removes staged data that will not be committed.
func (s *Store) discard(st staged) {
	if st.inline == nil {
		s.removeData(st.id)
	}
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// stage runs steps 1 and 2 of the write protocol: it streams r into a new data file and makes
// it durable. size is the expected length or -1; limit bounds the length. extra, when non-nil,
// computes the additional checksum. seal, when non-nil, seals the data as one segment: the
// file holds the sealed bytes, while the size, the MD5 and the checksum are the plaintext's.
func (s *Store) stage(ctx context.Context, r io.Reader, size, limit int64, extra hash.Hash, seal *sealing) (st staged, err error) {
	defer func() { err = noSpace(err) }()
	if size > limit {
		return st, storage.ErrEntityTooLarge
	}
	// The file is made in data/ under its final name: no rename, and no second directory
	// changed. Until its write commits a record, it is a file in flight, which a sweep spares;
	// after a crash, the sweep removes it as a file no record names.
	st.id = newDataID(time.Now())
	final := s.dataPath(st.id)
	s.flight.stage(st.id)
	f, err := os.OpenFile(final, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		s.flight.land(st.id)
		return st, err
	}
	entry := s.dirs.made(filepath.Dir(final))
	synced := false
	defer func() {
		if err != nil {
			if !synced {
				s.dirs.drop(entry)
			}
			f.Close()
			s.removeFile(final)
			s.flight.land(st.id)
		}
	}()
	if err := copyBody(ctx, f, r, size, limit, extra, seal, &st); err != nil {
		return st, err
	}
	if err := f.Sync(); err != nil {
		return st, err
	}
	if err := f.Close(); err != nil {
		return st, err
	}
	synced = true
	return st, s.dirs.sync(entry)
}

// stageInline reads an object's data of size bytes, as stage does, into memory, for its
// commit to keep in meta.db with its record.
func (s *Store) stageInline(ctx context.Context, r io.Reader, size int64, extra hash.Hash, seal *sealing) (st staged, err error) {
	st.id = newDataID(time.Now())
	var out bytes.Buffer
	out.Grow(int(sse.SealedSize(size)))
	if err := copyBody(ctx, &out, r, size, storage.MaxObjectSize, extra, seal, &st); err != nil {
		return st, err
	}
	st.inline = out.Bytes()
	return st, nil
}

// copyBody copies r into out, sealed when seal is not nil, and sets st's size and digests
// (the plaintext's). It reads to the end of the body, one byte past the expected size or the
// limit: a reader that verifies the body (a signature, a digest) reports a failure only at the
// end.
func copyBody(ctx context.Context, out io.Writer, r io.Reader, size, limit int64, extra hash.Hash, seal *sealing, st *staged) error {
	var sealer *sse.Sealer
	if seal != nil {
		sealer = sse.NewSealer(out, seal.dek, seal.seg)
		out = sealer
	}
	sum := md5.New()
	w := io.Writer(io.MultiWriter(out, sum))
	if extra != nil {
		w = io.MultiWriter(out, sum, extra)
	}
	max := limit + 1
	if size >= 0 {
		max = size + 1
	}
	buf := copyBufs.Get().(*[]byte)
	n, err := io.CopyBuffer(w, ctxReader{ctx, io.LimitReader(r, max)}, *buf)
	copyBufs.Put(buf)
	switch {
	case err != nil:
		return err
	case n > limit:
		return storage.ErrEntityTooLarge
	case size >= 0 && n != size:
		return storage.ErrIncompleteBody
	}
	if sealer != nil {
		if err := sealer.Close(); err != nil {
			return err
		}
	}
	st.size = n
	st.md5 = sum.Sum(nil)
	if extra != nil {
		st.sum = extra.Sum(nil)
	}
	return nil
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
