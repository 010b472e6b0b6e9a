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
func walk(c *bolt.Cursor, prefix, delimiter, after string, inclusive bool, visit func(k, v []byte, commonPrefix string) bool) {
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

// pageSize clamps a requested page size to [0, MaxListKeys].
func pageSize(n int) int {
	return min(max(n, 0), storage.MaxListKeys)
}

// ListObjects implements storage.Backend.
func (s *Store) ListObjects(ctx context.Context, bucket string, opts storage.ListObjectsOptions) (storage.ListObjectsResult, error) {
	var res storage.ListObjectsResult
	if err := ctx.Err(); err != nil {
		return res, err
	}
	limit := pageSize(opts.MaxKeys)
	err := s.db.View(func(tx *bolt.Tx) error {
		objects, err := objectsOf(tx, bucket)
		if err != nil {
			return err
		}
		n := 0
		walk(objects.Cursor(), opts.Prefix, opts.Delimiter, opts.StartAfter, false, func(k, v []byte, cp string) bool {
			if n == limit {
				res.IsTruncated = true
				return false
			}
			n++
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
	if !res.IsTruncated {
		res.NextMarker = ""
	}
	return res, nil
}

// ListMultipartUploads implements storage.Backend.
func (s *Store) ListMultipartUploads(ctx context.Context, bucket string, opts storage.ListUploadsOptions) (storage.ListUploadsResult, error) {
	var res storage.ListUploadsResult
	if err := ctx.Err(); err != nil {
		return res, err
	}
	limit := pageSize(opts.MaxUploads)
	// The upload-id marker only counts together with a key marker.
	idMarker := ""
	if opts.KeyMarker != "" {
		idMarker = opts.UploadIDMarker
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		byKey := sub(tx, bktUploads, bucket)
		if byKey == nil {
			return noSuchBucket(bucket)
		}
		var err error
		n := 0
		walk(byKey.Cursor(), opts.Prefix, opts.Delimiter, opts.KeyMarker, idMarker != "", func(k, _ []byte, cp string) bool {
			if cp != "" {
				if n == limit {
					res.IsTruncated = true
					return false
				}
				n++
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
				if n == limit {
					res.IsTruncated = true
					return false
				}
				n++
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
	if !res.IsTruncated {
		res.NextKeyMarker, res.NextUploadIDMarker = "", ""
	}
	return res, nil
}
