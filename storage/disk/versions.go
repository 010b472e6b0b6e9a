package disk

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/doorman-s3/doorman/storage"
)

// versionIDBytes is the length of a version id before its hex encoding: the version's 8-byte
// number in its bucket, then 8 random bytes. The number makes a lookup by id one seek; the
// random bytes make an id of a bucket deleted and created again (whose numbers start over)
// name nothing in the new one. Hex of 16 bytes is 32 characters, the length of S3's ids.
const versionIDBytes = 16

// newVersionID returns the id of the version numbered seq.
func newVersionID(seq uint64) string {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, versionIDBytes), seq)
	b = b[:versionIDBytes]
	rand.Read(b[8:])
	return hex.EncodeToString(b)
}

// versionSeq returns the number of the version id names; ok is false for an id this store
// could not have issued.
func versionSeq(id string) (seq uint64, ok bool) {
	b, err := hex.DecodeString(id)
	if err != nil || len(b) != versionIDBytes || hex.EncodeToString(b) != id {
		return 0, false
	}
	return binary.BigEndian.Uint64(b), true
}

// seqKey is the key of a version in its key's nested bucket of versions/: the number
// inverted, so that a cursor walks from the newest.
func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, ^seq) }

func noSuchVersion(key, id string) error {
	return fmt.Errorf("%w: %q has no version %q", storage.ErrNoSuchVersion, key, id)
}

// keyTx is one key's versions in a transaction. Invariant: objects/ holds the key's latest
// version exactly when that version is an object; versions/ holds every other version and
// every delete marker, the latest one too.
type keyTx struct {
	bucket, key string
	state       string       // the bucket's versioning
	objects     *bolt.Bucket // the bucket's objects/
	tx          *bolt.Tx
	vers        *bolt.Bucket // the bucket's versions/, once versions opened it
	cur         objectRecord // objects/<key>, when exists
	exists      bool
	// lock is the bucket's Object Lock configuration and now the store's clock, for a write.
	lock storage.ObjectLockConfig
	now  time.Time
}

// keyIn reads the key's latest object, for a read: it costs what it cost before versions,
// one lookup in objects/; versions/ is opened when first needed (a read of the latest object
// never needs it).
func keyIn(tx *bolt.Tx, bucket, key string) (*keyTx, error) {
	objects, err := objectsOf(tx, bucket)
	if err != nil {
		return nil, err
	}
	k := &keyTx{bucket: bucket, key: key, objects: objects, tx: tx}
	k.cur, k.exists, err = getObject(objects, key)
	return k, err
}

// keyFor reads the key's latest object and the bucket's versioning state and Object Lock
// configuration, for a write into the bucket checked as checkBucketID checks it, at the
// store's clock.
func (s *Store) keyFor(tx *bolt.Tx, bucket, bucketID, key string) (*keyTx, error) {
	b, err := bucketIn(tx, bucket, bucketID)
	if err != nil {
		return nil, err
	}
	k, err := keyIn(tx, bucket, key)
	if err != nil {
		return nil, err
	}
	k.state, k.lock, k.now = b.Versioning, b.objectLock(), s.clock()
	return k, nil
}

// removable fails with ErrObjectLocked unless storage.DeleteAllowed lets the change remove
// rec for good. Every removal of a version's data asks it: a DeleteObject of the version, which
// alone may bypass governance, and a write that replaces a version (in a bucket never
// versioned, or the null version while versioning is suspended), which never does.
func (k *keyTx) removable(rec objectRecord, bypassGovernance bool) error {
	return storage.DeleteAllowed(rec.Retention.public(), rec.LegalHold, bypassGovernance, k.now)
}

// kept returns the key's nested bucket of versions/, nil when it holds none.
func (k *keyTx) kept() *bolt.Bucket { return k.versions().Bucket([]byte(k.key)) }

// versions is the bucket's versions/: one nested bucket per key.
func (k *keyTx) versions() *bolt.Bucket {
	if k.vers == nil {
		k.vers = sub(k.tx, bktVersions, k.bucket)
	}
	return k.vers
}

// newestKept returns the newest version in versions/; ok is false when there is none.
func (k *keyTx) newestKept() (rec objectRecord, ok bool, err error) {
	h := k.kept()
	if h == nil {
		return rec, false, nil
	}
	_, v := h.Cursor().First()
	if v == nil {
		return rec, false, nil
	}
	return rec, true, decode(v, &rec)
}

// keep puts rec into versions/.
func (k *keyTx) keep(rec objectRecord) error {
	h, err := k.versions().CreateBucketIfNotExists([]byte(k.key))
	if err != nil {
		return err
	}
	return h.Put(seqKey(rec.Seq), encode(rec))
}

// version finds the version id names (NullVersion included): in objects/ when inObjects;
// ok is false when the key has no such version. An id this store could not have issued is
// ErrInvalidVersionID.
func (k *keyTx) version(id string) (rec objectRecord, inObjects, ok bool, err error) {
	if k.exists && k.cur.versionID() == id {
		return k.cur, true, true, nil
	}
	h := k.kept()
	if id == storage.NullVersion {
		// At most one null version per key, anywhere among its versions: a walk from the
		// newest, which stops at it and reads of the versions before it only their id.
		if h == nil {
			return rec, false, false, nil
		}
		c := h.Cursor()
		for sk, v := c.First(); sk != nil; sk, v = c.Next() {
			var r versionOnly
			if err := decode(v, &r); err != nil {
				return rec, false, false, err
			}
			if r.Version == "" {
				return rec, false, true, decode(v, &rec)
			}
		}
		return rec, false, false, nil
	}
	seq, valid := versionSeq(id)
	if !valid {
		return rec, false, false, fmt.Errorf("%w: %q", storage.ErrInvalidVersionID, id)
	}
	if h == nil {
		return rec, false, false, nil
	}
	v := h.Get(seqKey(seq))
	if v == nil {
		return rec, false, false, nil
	}
	if err := decode(v, &rec); err != nil {
		return rec, false, false, err
	}
	return rec, false, rec.Version == id, nil
}

// versionOnly is the version id of an objectRecord, decoded alone: a walk for the null version
// decodes nothing else of the versions it passes.
type versionOnly struct {
	Version string `json:"version"`
}

// locate finds the object a read names: the version id names, or the latest without one. A
// delete marker fails with a *storage.DeleteMarkerError.
func (k *keyTx) locate(id string) (rec objectRecord, inObjects bool, err error) {
	if id == "" {
		if k.exists {
			return k.cur, true, nil
		}
		m, ok, err := k.newestKept()
		if err != nil {
			return rec, false, err
		}
		if ok && m.Marker {
			return rec, false, &storage.DeleteMarkerError{Key: k.key, VersionID: m.versionID(), LastModified: m.Modified, Latest: true}
		}
		return rec, false, noSuchKey(k.key)
	}
	rec, inObjects, ok, err := k.version(id)
	switch {
	case err != nil:
		return rec, false, err
	case !ok:
		return rec, false, noSuchVersion(k.key, id)
	case rec.Marker:
		return rec, false, &storage.DeleteMarkerError{Key: k.key, VersionID: id, LastModified: rec.Modified}
	}
	return rec, inObjects, nil
}

// store writes back a changed version where locate found it.
func (k *keyTx) store(rec objectRecord, inObjects bool) error {
	if inObjects {
		return k.objects.Put([]byte(k.key), encode(rec))
	}
	return k.kept().Put(seqKey(rec.Seq), encode(rec))
}

// add makes rec, an object or (in a versioned bucket) a delete marker, the key's latest
// version, and returns the data files no version refers to any more. Never versioned, rec
// replaces the key's one version. Enabled, it gets a new id and every version stays. Suspended,
// it is the null version and replaces the key's previous one.
func (k *keyTx) add(rec *objectRecord) (release []string, err error) {
	if k.state == "" {
		if k.exists {
			if err := k.removable(k.cur, false); err != nil {
				return nil, err
			}
			release = append(release, k.cur.File)
		}
		return release, k.objects.Put([]byte(k.key), encode(*rec))
	}
	if rec.Seq, err = k.versions().NextSequence(); err != nil {
		return nil, err
	}
	rec.Version = ""
	if k.state == storage.VersioningEnabled {
		rec.Version = newVersionID(rec.Seq)
	}
	replaced := false // whether the null version was the latest object
	if k.exists {
		if replaced = rec.Version == "" && k.cur.Version == ""; replaced {
			if err := k.removable(k.cur, false); err != nil {
				return nil, err
			}
			release = append(release, k.cur.File)
		} else if err := k.keep(k.cur); err != nil {
			return nil, err
		}
	}
	if rec.Version == "" && !replaced {
		null, ok, err := k.dropKeptNull()
		if err != nil {
			return nil, err
		}
		if ok && !null.Marker {
			release = append(release, null.File)
		}
	}
	if rec.Marker {
		k.exists = false
		if err := k.objects.Delete([]byte(k.key)); err != nil {
			return nil, err
		}
		return release, k.keep(*rec)
	}
	k.cur, k.exists = *rec, true
	return release, k.objects.Put([]byte(k.key), encode(*rec))
}

// dropKeptNull removes the null version from versions/, if it is there.
func (k *keyTx) dropKeptNull() (rec objectRecord, ok bool, err error) {
	if k.exists && k.cur.Version == "" {
		return rec, false, nil
	}
	rec, _, ok, err = k.version(storage.NullVersion)
	if err != nil || !ok {
		return rec, false, err
	}
	if err := k.removable(rec, false); err != nil {
		return rec, false, err
	}
	if err := k.kept().Delete(seqKey(rec.Seq)); err != nil {
		return rec, false, err
	}
	return rec, true, k.tidy()
}

// tidy removes the key's nested bucket of versions/ once it holds nothing.
func (k *keyTx) tidy() error {
	if h := k.kept(); h != nil {
		if first, _ := h.Cursor().First(); first == nil {
			return k.versions().DeleteBucket([]byte(k.key))
		}
	}
	return nil
}

// remove deletes a version found by version for good, and keeps the invariant: when it was the
// latest object, or a delete marker that hid one, the newest version left becomes the latest
// in objects/ if it is an object.
func (k *keyTx) remove(rec objectRecord, inObjects bool) error {
	if inObjects {
		k.exists = false
		if err := k.objects.Delete([]byte(k.key)); err != nil {
			return err
		}
	} else if err := k.kept().Delete(seqKey(rec.Seq)); err != nil {
		return err
	}
	if err := k.tidy(); err != nil || k.exists {
		return err
	}
	h := k.kept()
	if h == nil {
		return nil
	}
	first, v := h.Cursor().First()
	var newest objectRecord
	if err := decode(v, &newest); err != nil || newest.Marker {
		return err
	}
	if err := k.objects.Put([]byte(k.key), append([]byte(nil), v...)); err != nil {
		return err
	}
	k.cur, k.exists = newest, true
	if err := h.Delete(first); err != nil {
		return err
	}
	return k.tidy()
}
