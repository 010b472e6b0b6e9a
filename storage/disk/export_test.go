package disk

import (
	"crypto/md5"
	"os"

	bolt "go.etcd.io/bbolt"

	"github.com/doorman-s3/doorman/storage"
)

// CheckLayout checks the invariant of versions in every bucket (see keyTx): for the tests of
// package disk_test.
func CheckLayout(s *Store) error { return s.db.View(checkInvariant) }

// InlineCount counts the entries of inline/: the objects whose data is kept in meta.db.
func InlineCount(s *Store) (n int) {
	s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bktInline).Stats().KeyN
		return nil
	})
	return n
}

// bulkBatch is how many records one transaction of BulkPut commits.
const bulkBatch = 10000

// BulkPut puts an empty object at each of keys in bucket, writing what PutObject without
// options writes (a data file, the record putRecord makes, committed by commitIn), without
// the fsyncs and many keys to a transaction: for the benchmarks of start-up, which need a
// million objects in seconds.
func BulkPut(s *Store, bucket string, keys []string) error {
	sum := md5.Sum(nil)
	for len(keys) > 0 {
		n := min(bulkBatch, len(keys))
		recs := make([]objectRecord, n)
		for i := range recs {
			st := staged{id: newID(), md5: sum[:]}
			s.flight.stage(st.id)
			if err := os.WriteFile(s.dataPath(st.id), nil, 0o600); err != nil {
				return err
			}
			recs[i] = putRecord(st, nil, nil, storage.PutObjectOptions{})
		}
		var release []string
		err := s.db.Update(func(tx *bolt.Tx) error {
			for i, rec := range recs {
				_, more, err := s.commitIn(tx, bucket, "", keys[i], rec, nil, storage.WriteConditions{}, storage.ObjectLock{}, nil)
				if err != nil {
					return err
				}
				release = append(release, more...)
			}
			return nil
		})
		for _, rec := range recs {
			s.flight.land(rec.File)
		}
		if err != nil {
			return err
		}
		s.removeData(release...)
		keys = keys[n:]
	}
	return nil
}

// NoSync turns off the fsync of meta.db's commits, for a benchmark that builds a large store
// and never crashes. The function it returns turns it back on and writes meta.db to the disk,
// so that the first commit of the next process does not pay for every commit before.
func NoSync(s *Store) (sync func() error) {
	s.db.NoSync = true
	return func() error {
		s.db.NoSync = false
		return s.db.Sync()
	}
}

// SweepNow runs the sweep of start-up (removeUnreferenced) once more, to the end, and returns
// the count of files it removed.
func SweepNow(s *Store) (int, error) { return s.removeUnreferenced(make(chan struct{})) }

// InFlight counts the staged files that have neither their record nor been removed.
func InFlight(s *Store) int {
	s.flight.mu.Lock()
	defer s.flight.mu.Unlock()
	return len(s.flight.files)
}
