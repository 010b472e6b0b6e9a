package disk

import (
	"bytes"
	"context"

	bolt "go.etcd.io/bbolt"

	"github.com/doorman-s3/doorman/storage"
)

// walk visits, in order, the keys of a bbolt bucket that start with prefix and sort after
// after (or equal it, if inclusive). With a delimiter, the keys that contain it past the prefix
// are rolled up into one common prefix each, which is visited once if it sorts after after.
// A cursor seek skips each rolled-up run, so the cost is proportional to the entries visited,
// not to the bucket's size. visit returns false to stop.
func walk(c cursor, prefix, delimiter, after string, inclusive bool, visit func(k, v []byte, commonPrefix string) bool) {
	start := prefix
	if after > start {
		start = after
	}
	k, v := c.Seek([]byte(start))
	if !inclusive && k != nil && string(k) == after {
		k, v = c.Next()
	}
	p, d := []byte(prefix), []byte(delimiter)
	for k != nil && bytes.HasPrefix(k, p) {
		if len(d) > 0 {
			if i := bytes.Index(k[len(p):], d); i >= 0 {
				cp := string(k[:len(p)+i+len(d)])
				if cp > after && !visit(nil, nil, cp) {
					return
				}
				next := successor(cp)
				if next == nil {
					return
				}
				k, v = c.Seek(next)
				continue
			}
		}
		if !visit(k, v, "") {
			return
		}
		k, v = c.Next()
	}
}

// cursor is what walk reads keys with: a bbolt cursor, or a unionCursor.
type cursor interface {
	Seek(seek []byte) (k, v []byte)
	Next() (k, v []byte)
}

// unionCursor walks the keys of two bbolt buckets as one, in order, each key once. A key's
// value is the first bucket's, nil when only the second has the key.
type unionCursor struct {
	a, b       *bolt.Cursor
	ka, va, kb []byte
}

func (u *unionCursor) Seek(seek []byte) ([]byte, []byte) {
	u.ka, u.va = u.a.Seek(seek)
	u.kb, _ = u.b.Seek(seek)
	return u.current()
}

func (u *unionCursor) Next() ([]byte, []byte) {
	k, _ := u.current()
	if u.ka != nil && bytes.Equal(u.ka, k) {
		u.ka, u.va = u.a.Next()
	}
	if u.kb != nil && bytes.Equal(u.kb, k) {
		u.kb, _ = u.b.Next()
	}
	return u.current()
}

func (u *unionCursor) current() ([]byte, []byte) {
	if u.ka != nil && (u.kb == nil || bytes.Compare(u.ka, u.kb) <= 0) {
		return u.ka, u.va
	}
	return u.kb, nil
}

// successor returns the least byte string greater than every string starting with p, or nil
// if there is none.
func successor(p string) []byte {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return b[:i+1]
		}
	}
	return nil
}

// page counts the entries of one page of a listing.
type page struct {
	n, limit  int // limit: the requested size clamped to [0, MaxListKeys]
	truncated bool
}

func newPage(size int) *page { return &page{limit: min(max(size, 0), storage.MaxListKeys)} }

// fits reports whether one more entry fits on the page. Once one does not, the page is
// truncated: there is more to list.
func (p *page) fits() bool {
	if p.n == p.limit {
		p.truncated = true
		return false
	}
	p.n++
	return true
}

// idMarker is the second marker of a listing by key and id, which counts only together with
// a key marker.
func idMarker(keyMarker, id string) string {
	if keyMarker == "" {
		return ""
	}
	return id
}

// ListObjects implements storage.Backend.
func (s *Store) ListObjects(ctx context.Context, bucket string, opts storage.ListObjectsOptions) (storage.ListObjectsResult, error) {
	var res storage.ListObjectsResult
	if err := ctx.Err(); err != nil {
		return res, err
	}
	p := newPage(opts.MaxKeys)
	err := s.db.View(func(tx *bolt.Tx) error {
		objects, err := objectsOf(tx, bucket)
		if err != nil {
			return err
		}
		walk(objects.Cursor(), opts.Prefix, opts.Delimiter, opts.StartAfter, false, func(k, v []byte, cp string) bool {
			if !p.fits() {
				return false
			}
			if cp != "" {
				res.CommonPrefixes = append(res.CommonPrefixes, cp)
				res.NextMarker = cp
				return true
			}
			var rec objectRecord
			if err = decode(v, &rec); err != nil {
				return false
			}
			res.Objects = append(res.Objects, rec.info(bucket, string(k)))
			res.NextMarker = res.Objects[len(res.Objects)-1].Key
			return true
		})
		return err
	})
	if err != nil {
		return storage.ListObjectsResult{}, err
	}
	if res.IsTruncated = p.truncated; !res.IsTruncated {
		res.NextMarker = ""
	}
	return res, nil
}

// ListObjectVersions implements storage.Backend. It walks objects/ and versions/ together by
// key; a key's versions are its latest object in objects/, if any, then those in versions/,
// newest first. The cost is proportional to the entries listed: KeyMarker's versions are
// resumed by a seek to VersionIDMarker's number.
func (s *Store) ListObjectVersions(ctx context.Context, bucket string, opts storage.ListVersionsOptions) (storage.ListVersionsResult, error) {
	var res storage.ListVersionsResult
	if err := ctx.Err(); err != nil {
		return res, err
	}
	p := newPage(opts.MaxKeys)
	idMarker := idMarker(opts.KeyMarker, opts.VersionIDMarker)
	err := s.db.View(func(tx *bolt.Tx) error {
		marked, err := keyIn(tx, bucket, opts.KeyMarker)
		if err != nil {
			return err
		}
		// KeyMarker's versions are listed from below the marker's number: the version's, or,
		// for a version deleted since, the number its id carries. A deleted null version's
		// number is gone with it: its key is then listed from its newest version.
		var below uint64
		positioned := false
		if idMarker != "" {
			rec, _, ok, err := marked.version(idMarker)
			switch {
			case err != nil:
				return err
			case ok:
				below, positioned = rec.Seq, true
			case idMarker != storage.NullVersion:
				below, positioned = versionSeq(idMarker)
			}
		}
		c := &unionCursor{a: marked.objects.Cursor(), b: marked.versions().Cursor()}
		walk(c, opts.Prefix, opts.Delimiter, opts.KeyMarker, idMarker != "", func(k, v []byte, cp string) bool {
			if cp != "" {
				if !p.fits() {
					return false
				}
				res.CommonPrefixes = append(res.CommonPrefixes, cp)
				res.NextKeyMarker, res.NextVersionIDMarker = cp, ""
				return true
			}
			key := string(k)
			skip := key == opts.KeyMarker && positioned
			latest := true
			// each lists one version of key; false stops the walk.
			each := func(raw []byte) bool {
				var rec objectRecord
				if err = decode(raw, &rec); err != nil {
					return false
				}
				isLatest := latest
				latest = false
				if skip && rec.Seq >= below {
					return true
				}
				if !p.fits() {
					return false
				}
				info := rec.info(bucket, key)
				info.IsLatest = isLatest
				res.Versions = append(res.Versions, info)
				res.NextKeyMarker, res.NextVersionIDMarker = key, info.VersionID
				return true
			}
			if v != nil && !each(v) {
				return false
			}
			if kept := marked.versions().Bucket(k); kept != nil {
				kc := kept.Cursor()
				hk, hv := kc.First()
				if skip {
					// Seek past the versions listed before (numbered below and up): a key
					// of a million versions resumed deep in costs what the page lists.
					first := hk
					at := seqKey(below)
					if hk, hv = kc.Seek(at); bytes.Equal(hk, at) {
						hk, hv = kc.Next()
					}
					latest = latest && bytes.Equal(hk, first)
				}
				for ; hk != nil; hk, hv = kc.Next() {
					if !each(hv) {
						return false
					}
				}
			}
			return true
		})
		return err
	})
	if err != nil {
		return storage.ListVersionsResult{}, err
	}
	if res.IsTruncated = p.truncated; !res.IsTruncated {
		res.NextKeyMarker, res.NextVersionIDMarker = "", ""
	}
	return res, nil
}

// ListMultipartUploads implements storage.Backend.
func (s *Store) ListMultipartUploads(ctx context.Context, bucket string, opts storage.ListUploadsOptions) (storage.ListUploadsResult, error) {
	var res storage.ListUploadsResult
	if err := ctx.Err(); err != nil {
		return res, err
	}
	p := newPage(opts.MaxUploads)
	idMarker := idMarker(opts.KeyMarker, opts.UploadIDMarker)
	err := s.db.View(func(tx *bolt.Tx) error {
		byKey := sub(tx, bktUploads, bucket)
		if byKey == nil {
			return noSuchBucket(bucket)
		}
		var err error
		walk(byKey.Cursor(), opts.Prefix, opts.Delimiter, opts.KeyMarker, idMarker != "", func(k, _ []byte, cp string) bool {
			if cp != "" {
				if !p.fits() {
					return false
				}
				res.CommonPrefixes = append(res.CommonPrefixes, cp)
				res.NextKeyMarker, res.NextUploadIDMarker = cp, ""
				return true
			}
			key := string(k)
			byID := byKey.Bucket(k)
			c := byID.Cursor()
			id, _ := c.First()
			if key == opts.KeyMarker && idMarker != "" {
				if id, _ = c.Seek([]byte(idMarker)); id != nil && string(id) == idMarker {
					id, _ = c.Next()
				}
			}
			for ; id != nil; id, _ = c.Next() {
				if !p.fits() {
					return false
				}
				var rec uploadRecord
				if err = decode(byID.Bucket(id).Get(keyMeta), &rec); err != nil {
					return false
				}
				res.Uploads = append(res.Uploads, rec.info(bucket, key, string(id)))
				res.NextKeyMarker, res.NextUploadIDMarker = key, string(id)
			}
			return true
		})
		return err
	})
	if err != nil {
		return storage.ListUploadsResult{}, err
	}
	if res.IsTruncated = p.truncated; !res.IsTruncated {
		res.NextKeyMarker, res.NextUploadIDMarker = "", ""
	}
	return res, nil
}
