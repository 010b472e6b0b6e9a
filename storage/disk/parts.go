package disk

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/doorman-s3/doorman/storage"
)

// Part bounds: CompleteMultipartUpload records in the object's record the size of each part
// (objectRecord.PartSizes, as runs of equal sizes) and, for a COMPOSITE checksum, each part's
// checksum beside the record (partchecksums/, see objectRecord.PartChecksums), so that a read of one part (GetObject and HeadObject with a part number,
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_RequestSyntax)
// and GetObjectAttributes' ObjectParts
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html) find them
// without the upload, which is gone. A copy is a new object of one part, as in S3, whose
// CopyObject answers a copy of a multipart object with the ETag of a single-part one.

// forEachPart calls fn with the bounds of the object's parts from number from on, in order,
// until fn returns false. The object was made by a multipart upload whose bounds were recorded.
// sums are the parts' checksums (partChecksumsOf).
func (r *objectRecord) forEachPart(from int, sums []string, fn func(storage.ObjectPart) bool) {
	n, offset := 1, int64(0)
	for _, run := range r.PartSizes {
		size, count := run[0], int(run[1])
		if n+count <= from {
			// The whole run is before from.
			n, offset = n+count, offset+size*int64(count)
			continue
		}
		if n < from {
			offset += size * int64(from-n)
			count -= from - n
			n = from
		}
		for range count {
			p := storage.ObjectPart{PartNumber: n, Offset: offset, Size: size}
			if n-1 < len(sums) {
				p.Checksum = sums[n-1]
			}
			if !fn(p) {
				return
			}
			n, offset = n+1, offset+size
		}
	}
}

// part returns the bounds of part n of the object, with its checksum among sums: the whole
// object as part 1 of an object no multipart upload made.
func (r *objectRecord) part(n int, sums []string) (storage.ObjectPart, error) {
	if n < 1 || n > max(r.Parts, 1) {
		return storage.ObjectPart{}, fmt.Errorf("%w: the object has %d parts, not %d", storage.ErrInvalidPartNumber, max(r.Parts, 1), n)
	}
	if r.Parts == 0 {
		return storage.ObjectPart{PartNumber: 1, Size: r.Size}, nil
	}
	if r.PartSizes == nil {
		return storage.ObjectPart{}, storage.ErrPartsNotRecorded
	}
	var part storage.ObjectPart
	r.forEachPart(n, sums, func(p storage.ObjectPart) bool { part = p; return false })
	return part, nil
}

// readPart fills info.Part with the part a read names, if any. The checksums are read after
// the record: those of an object removed meanwhile are gone, and the part has none.
func (s *Store) readPart(rec objectRecord, info *storage.ObjectInfo, n int) error {
	if n == 0 {
		return nil
	}
	var sums []string
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		sums, err = partChecksumsOf(tx, &rec)
		return err
	})
	if err != nil {
		return err
	}
	info.Part, err = rec.part(n, sums)
	return err
}

// ListObjectParts implements storage.Backend.
func (s *Store) ListObjectParts(ctx context.Context, bucket, key string, opts storage.ListObjectPartsOptions) (storage.ListObjectPartsResult, error) {
	var res storage.ListObjectPartsResult
	if err := storage.ValidateKey(key); err != nil {
		return res, err
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		k, err := keyIn(tx, bucket, key)
		if err != nil {
			return err
		}
		rec, _, err := k.locate(opts.VersionID)
		if err != nil {
			return err
		}
		if err := s.checkCustomerKey(&rec, opts.CustomerKey); err != nil {
			return err
		}
		res.Object = rec.info(bucket, key)
		if rec.Parts == 0 {
			return nil
		}
		if rec.PartSizes == nil {
			return storage.ErrPartsNotRecorded
		}
		if opts.PartNumberMarker >= rec.Parts {
			return nil
		}
		sums, err := partChecksumsOf(tx, &rec)
		if err != nil {
			return err
		}
		pg := newPage(opts.MaxParts)
		rec.forEachPart(max(opts.PartNumberMarker, 0)+1, sums, func(p storage.ObjectPart) bool {
			if res.IsTruncated = !pg.fits(); res.IsTruncated {
				return false
			}
			res.Parts = append(res.Parts, p)
			res.NextPartNumberMarker = p.PartNumber
			return true
		})
		return nil
	})
	if err != nil {
		return storage.ListObjectPartsResult{}, err
	}
	return res, nil
}

// partChecksumsOf reads the part checksums kept for rec (see objectRecord.PartChecksums): nil
// for an object without them, or whose object was removed since rec was read.
func partChecksumsOf(tx *bolt.Tx, rec *objectRecord) ([]string, error) {
	if !rec.PartChecksums {
		return nil, nil
	}
	var sums []string
	_, err := asideOf(tx, bktPartChecksums, rec.File, &sums)
	return sums, err
}

// keepPartChecksums stores the part checksums of the object whose data file is id, in the
// transaction that commits its record.
func keepPartChecksums(tx *bolt.Tx, id string, sums []string) error {
	if sums == nil {
		return nil
	}
	return keepAside(tx, bktPartChecksums, id, sums)
}

// What is kept beside a record, in a top-level bucket of its own keyed by the record's data
// file id (part checksums, segments), so that a record of many parts stays small. The id is
// one no other record shares and a record keeps through every change, so an entry never
// moves, and goes with its data file.
var asideBuckets = [][]byte{bktPartChecksums, bktSegments}

// keepAside stores v beside the record of data file id, in the transaction that commits it.
func keepAside(tx *bolt.Tx, top []byte, id string, v any) error {
	return tx.Bucket(top).Put([]byte(id), encode(v))
}

// asideOf decodes into v what top keeps for data file id, and says whether anything is kept;
// it leaves v as it is when nothing is, as for an object removed since its record was read.
func asideOf(tx *bolt.Tx, top []byte, id string, v any) (bool, error) {
	b := tx.Bucket(top).Get([]byte(id))
	if b == nil {
		return false, nil
	}
	return true, decode(b, v)
}

// forEachAside calls fn with each data file id something is kept beside, and the top-level
// bucket it is kept in.
func forEachAside(tx *bolt.Tx, fn func(top, id []byte)) error {
	for _, top := range asideBuckets {
		err := tx.Bucket(top).ForEach(func(id, _ []byte) error {
			fn(top, id)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// removeAside deletes what is kept beside data files that are no longer referenced. Few
// objects have anything there, and a write transaction costs a sync, so it looks first. A
// failure leaves entries that the sweep of the next Open removes (litter).
func (s *Store) removeAside(ids []string) {
	type entry struct {
		top []byte
		id  string
	}
	var kept []entry
	_ = s.db.View(func(tx *bolt.Tx) error {
		for _, top := range asideBuckets {
			b := tx.Bucket(top)
			for _, id := range ids {
				if id != "" && b.Get([]byte(id)) != nil {
					kept = append(kept, entry{top, id})
				}
			}
		}
		return nil
	})
	if len(kept) == 0 {
		return
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, e := range kept {
			if err := tx.Bucket(e.top).Delete([]byte(e.id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.litter.Store(true)
	}
}
