package disk

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/doorman-s3/doorman/storage"
)

// Part bounds: CompleteMultipartUpload records in the object's record the size of each part
// (objectRecord.PartSizes, as runs of equal sizes) and, for a COMPOSITE checksum, each part's
// checksum, so that a read of one part (GetObject and HeadObject with a part number,
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_RequestSyntax)
// and GetObjectAttributes' ObjectParts
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html) find them
// without the upload, which is gone. A copy is a new object of one part, as in S3, whose
// CopyObject answers a copy of a multipart object with the ETag of a single-part one.

// forEachPart calls fn with the bounds of the object's parts from number from on, in order,
// until fn returns false. The object was made by a multipart upload whose bounds were recorded.
func (r *objectRecord) forEachPart(from int, fn func(storage.ObjectPart) bool) {
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
			if n-1 < len(r.PartChecksums) {
				p.Checksum = r.PartChecksums[n-1]
			}
			if !fn(p) {
				return
			}
			n, offset = n+1, offset+size
		}
	}
}

// part returns the bounds of part n of the object: the whole object as part 1 of an object no
// multipart upload made.
func (r *objectRecord) part(n int) (storage.ObjectPart, error) {
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
	r.forEachPart(n, func(p storage.ObjectPart) bool { part = p; return false })
	return part, nil
}

// readPart fills info.Part with the part a read names, if any.
func readPart(rec objectRecord, info *storage.ObjectInfo, n int) error {
	if n == 0 {
		return nil
	}
	var err error
	info.Part, err = rec.part(n)
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
		res.Object = rec.info(bucket, key)
		if rec.Parts == 0 {
			return nil
		}
		if rec.PartSizes == nil {
			return storage.ErrPartsNotRecorded
		}
		pg := newPage(opts.MaxParts)
		rec.forEachPart(max(opts.PartNumberMarker, 0)+1, func(p storage.ObjectPart) bool {
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
