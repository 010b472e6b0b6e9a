package disk

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/doorman-s3/doorman/storage"
)

// newUploadID returns an upload id whose byte order is the order of creation: the creation
// time in nanoseconds followed by random bits.
func newUploadID() string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(time.Now().UnixNano()))
	return hex.EncodeToString(b[:]) + newID()[:16]
}

func noSuchUpload(id string) error { return fmt.Errorf("%w: %q", storage.ErrNoSuchUpload, id) }

// uploadOf returns the nested bbolt bucket of one upload, and the bucket of the key's uploads
// that holds it.
func uploadOf(tx *bolt.Tx, bucket, key, id string) (up, byID *bolt.Bucket, err error) {
	byKey := sub(tx, bktUploads, bucket)
	if byKey == nil {
		return nil, nil, noSuchBucket(bucket)
	}
	if byID = byKey.Bucket([]byte(key)); byID != nil {
		up = byID.Bucket([]byte(id))
	}
	if up == nil {
		return nil, nil, noSuchUpload(id)
	}
	return up, byID, nil
}

// getUpload reads an upload's record; bucketID, when set, must be the bucket's.
func (s *Store) getUpload(bucket, bucketID, key, id string) (rec uploadRecord, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		if err := checkBucketID(tx, bucket, bucketID); err != nil {
			return err
		}
		up, _, err := uploadOf(tx, bucket, key, id)
		if err != nil {
			return err
		}
		return decode(up.Get(keyMeta), &rec)
	})
	return rec, err
}

// dropUpload deletes an upload's records and returns its part files.
func dropUpload(tx *bolt.Tx, bucket, key, id string) ([]string, error) {
	up, byID, err := uploadOf(tx, bucket, key, id)
	if err != nil {
		return nil, err
	}
	var files []string
	if err := forEachPart(up, func(_ int, p partRecord) { files = append(files, p.File) }); err != nil {
		return nil, err
	}
	if err := byID.DeleteBucket([]byte(id)); err != nil {
		return nil, err
	}
	if k, _ := byID.Cursor().First(); k == nil {
		err = sub(tx, bktUploads, bucket).DeleteBucket([]byte(key))
	}
	return files, err
}

// CreateMultipartUpload implements storage.Backend.
func (s *Store) CreateMultipartUpload(ctx context.Context, bucket, key string, opts storage.CreateMultipartUploadOptions) (storage.UploadInfo, error) {
	if err := storage.ValidateKey(key); err != nil {
		return storage.UploadInfo{}, err
	}
	if err := checkMetadata(opts.Metadata); err != nil {
		return storage.UploadInfo{}, err
	}
	typ, err := multipartChecksumType(opts.ChecksumAlgorithm, opts.ChecksumType)
	if err != nil {
		return storage.UploadInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return storage.UploadInfo{}, err
	}
	rec := uploadRecord{
		Initiated: now(), Metadata: metadataOf(opts.Metadata), ACL: orDefault(opts.ACL, storage.DefaultACL),
		StorageClass: orDefault(opts.StorageClass, storage.DefaultStorageClass), Owner: opts.Owner,
		ChecksumAlgorithm: opts.ChecksumAlgorithm, ChecksumType: typ,
	}
	id := newUploadID()
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := checkBucketID(tx, bucket, opts.BucketID); err != nil {
			return err
		}
		byKey := sub(tx, bktUploads, bucket)
		byID, err := byKey.CreateBucketIfNotExists([]byte(key))
		if err != nil {
			return err
		}
		up, err := byID.CreateBucket([]byte(id))
		if err != nil {
			return err
		}
		if _, err := up.CreateBucket(bktParts); err != nil {
			return err
		}
		return up.Put(keyMeta, encode(rec))
	})
	if err != nil {
		return storage.UploadInfo{}, err
	}
	return rec.info(bucket, key, id), nil
}

// UploadPart implements storage.Backend.
func (s *Store) UploadPart(ctx context.Context, bucket, key, uploadID string, partNumber int, r io.Reader, opts storage.UploadPartOptions) (storage.PartInfo, error) {
	if err := storage.ValidateKey(key); err != nil {
		return storage.PartInfo{}, err
	}
	if partNumber < 1 || partNumber > storage.MaxPartNumber {
		return storage.PartInfo{}, fmt.Errorf("%w: %d", storage.ErrInvalidPartNumber, partNumber)
	}
	up, err := s.getUpload(bucket, opts.BucketID, key, uploadID)
	if err != nil {
		return storage.PartInfo{}, err
	}
	alg := up.ChecksumAlgorithm
	switch {
	case alg == "":
		alg = opts.ChecksumAlgorithm
	case opts.ChecksumAlgorithm != "" && opts.ChecksumAlgorithm != alg:
		return storage.PartInfo{}, fmt.Errorf("%w: the upload uses %s, the part %s", storage.ErrInvalidChecksum, alg, opts.ChecksumAlgorithm)
	}
	extra, err := newChecksum(alg)
	if err != nil {
		return storage.PartInfo{}, err
	}
	if extra == nil && opts.ChecksumValue != "" {
		return storage.PartInfo{}, fmt.Errorf("%w: checksum value without algorithm", storage.ErrInvalidChecksum)
	}
	st, err := s.stage(ctx, r, opts.Size, storage.MaxObjectSize, extra)
	if err != nil {
		return storage.PartInfo{}, err
	}
	if err := verifyDigests(st, opts.ContentMD5, storage.Checksum{Algorithm: alg, Value: opts.ChecksumValue}, opts.TrailingChecksum); err != nil {
		s.removeData(st.id)
		return storage.PartInfo{}, err
	}
	rec := partRecord{File: st.id, Size: st.size, ETag: hex.EncodeToString(st.md5), Modified: now()}
	if extra != nil {
		// Kept also for an upload without an algorithm, where it adds nothing to the object's
		// checksum: a client (a transfer manager) echoes it in the completion, which compares it.
		rec.Checksum = b64(st.sum)
	}
	var old partRecord
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := checkBucketID(tx, bucket, opts.BucketID); err != nil {
			return err
		}
		up, _, err := uploadOf(tx, bucket, key, uploadID)
		if err != nil {
			return err
		}
		parts := up.Bucket(bktParts)
		old = partRecord{}
		if v := parts.Get(partKey(partNumber)); v != nil {
			if err := decode(v, &old); err != nil {
				return err
			}
		}
		return parts.Put(partKey(partNumber), encode(rec))
	})
	if err != nil {
		s.removeData(st.id)
		return storage.PartInfo{}, noSpace(err)
	}
	s.removeData(old.File)
	return rec.info(partNumber), nil
}

// CompleteMultipartUpload implements storage.Backend. The parts are copied into one new data
// file, so the object reads like any other and the part files can be removed.
func (s *Store) CompleteMultipartUpload(ctx context.Context, bucket, key, uploadID string, parts []storage.CompletedPart, opts storage.CompleteMultipartUploadOptions) (storage.ObjectInfo, error) {
	if err := storage.ValidateKey(key); err != nil {
		return storage.ObjectInfo{}, err
	}
	if len(parts) == 0 {
		return storage.ObjectInfo{}, fmt.Errorf("%w: no parts given", storage.ErrInvalidPart)
	}
	for i, p := range parts {
		if i > 0 && p.PartNumber <= parts[i-1].PartNumber {
			return storage.ObjectInfo{}, storage.ErrInvalidPartOrder
		}
	}
	if err := ctx.Err(); err != nil {
		return storage.ObjectInfo{}, err
	}
	var (
		up      uploadRecord
		recs    = make([]partRecord, len(parts))
		total   int64
		missing int // the first part named without its checksum
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		if err := checkBucketID(tx, bucket, opts.BucketID); err != nil {
			return err
		}
		b, _, err := uploadOf(tx, bucket, key, uploadID)
		if err != nil {
			return err
		}
		if err := decode(b.Get(keyMeta), &up); err != nil {
			return err
		}
		stored := b.Bucket(bktParts)
		for i, p := range parts {
			var v []byte
			if p.PartNumber >= 1 && p.PartNumber <= storage.MaxPartNumber {
				v = stored.Get(partKey(p.PartNumber))
			}
			if v == nil {
				return fmt.Errorf("%w: part %d was not uploaded", storage.ErrInvalidPart, p.PartNumber)
			}
			rec := &recs[i]
			if err := decode(v, rec); err != nil {
				return err
			}
			if trimETag(p.ETag) != rec.ETag || p.Checksum != "" && p.Checksum != rec.Checksum {
				return fmt.Errorf("%w: part %d does not match", storage.ErrInvalidPart, p.PartNumber)
			}
			if p.Checksum == "" && rec.Checksum != "" && missing == 0 {
				missing = p.PartNumber
			}
			if i < len(parts)-1 && rec.Size < storage.MinPartSize {
				return fmt.Errorf("%w: part %d is %d bytes", storage.ErrEntityTooSmall, p.PartNumber, rec.Size)
			}
			total += rec.Size
		}
		return nil
	})
	if errors.Is(err, storage.ErrNoSuchUpload) {
		if rec, lerr := s.lookup(bucket, key); lerr == nil && rec.Upload == uploadID {
			return rec.info(bucket, key), nil
		}
	}
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	if total > storage.MaxMultipartObjectSize {
		return storage.ObjectInfo{}, storage.ErrEntityTooLarge
	}
	if err := s.precheck(bucket, opts.BucketID, key, opts.Conditions); err != nil {
		return storage.ObjectInfo{}, err
	}
	want := opts.Checksum
	if up.ChecksumAlgorithm == "" && want.Algorithm != "" {
		// Only a full-object CRC can be checked: no part checksum was kept.
		typ := want.Type
		if typ == "" {
			typ = storage.ChecksumFullObject
		}
		if up.ChecksumType, err = multipartChecksumType(want.Algorithm, typ); err != nil {
			return storage.ObjectInfo{}, err
		}
		if up.ChecksumType != storage.ChecksumFullObject {
			return storage.ObjectInfo{}, fmt.Errorf("%w: a COMPOSITE checksum needs the upload's algorithm", storage.ErrInvalidChecksum)
		}
		up.ChecksumAlgorithm = want.Algorithm
	}
	if want.Algorithm != "" && want.Algorithm != up.ChecksumAlgorithm || want.Type != "" && want.Type != up.ChecksumType {
		return storage.ObjectInfo{}, fmt.Errorf("%w: the upload's checksum is %s %s", storage.ErrBadDigest, up.ChecksumType, up.ChecksumAlgorithm)
	}
	etag, checksum, err := multipartDigests(up, recs)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	if checksum.Value != "" && want.Value != "" && want.Value != checksum.Value {
		return storage.ObjectInfo{}, &storage.ChecksumMismatchError{Algorithm: up.ChecksumAlgorithm}
	}
	if up.ChecksumType == storage.ChecksumComposite && missing != 0 {
		return storage.ObjectInfo{}, &storage.MissingPartChecksumError{Algorithm: up.ChecksumAlgorithm, PartNumber: missing}
	}
	var full hash.Hash
	if up.ChecksumType == storage.ChecksumFullObject {
		if full, err = newChecksum(up.ChecksumAlgorithm); err != nil {
			return storage.ObjectInfo{}, err
		}
	}
	pr := &partsReader{s: s, recs: recs}
	st, err := s.stage(ctx, pr, total, storage.MaxMultipartObjectSize, full)
	pr.close()
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	if full != nil {
		checksum = fullChecksum(up.ChecksumAlgorithm, st.sum)
		if want.Value != "" && want.Value != checksum.Value {
			s.removeData(st.id)
			return storage.ObjectInfo{}, &storage.ChecksumMismatchError{Algorithm: up.ChecksumAlgorithm}
		}
	}
	rec := objectRecord{
		File: st.id, Size: st.size, ETag: etag, Modified: now(), Metadata: up.Metadata,
		ACL: up.ACL, StorageClass: up.StorageClass, Checksum: checksumOf(checksum), Parts: len(parts),
		Owner: up.Owner, Upload: uploadID,
	}
	return s.commit(bucket, opts.BucketID, key, rec, opts.Conditions, func(tx *bolt.Tx) ([]string, error) {
		b, _, err := uploadOf(tx, bucket, key, uploadID)
		if err != nil {
			return nil, err
		}
		stored := b.Bucket(bktParts)
		for i, p := range parts {
			var cur partRecord
			if v := stored.Get(partKey(p.PartNumber)); v == nil || decode(v, &cur) != nil || cur.File != recs[i].File {
				return nil, fmt.Errorf("%w: part %d was replaced while completing", storage.ErrInvalidPart, p.PartNumber)
			}
		}
		return dropUpload(tx, bucket, key, uploadID)
	})
}

// multipartDigests computes an assembled object's ETag, as AWS does: the hex MD5 of the
// concatenated binary MD5s of the parts, then "-" and the part count. For a COMPOSITE upload it
// also computes the checksum of the parts' binary checksums, likewise suffixed.
func multipartDigests(up uploadRecord, recs []partRecord) (string, storage.Checksum, error) {
	suffix := "-" + strconv.Itoa(len(recs))
	etag := md5.New()
	comp, err := newChecksum(up.ChecksumAlgorithm)
	if err != nil {
		return "", storage.Checksum{}, err
	}
	for _, r := range recs {
		sum, err := hex.DecodeString(r.ETag)
		if err != nil {
			return "", storage.Checksum{}, fmt.Errorf("corrupt part ETag %q", r.ETag)
		}
		etag.Write(sum)
		if comp != nil {
			raw, err := base64.StdEncoding.DecodeString(r.Checksum)
			if err != nil {
				return "", storage.Checksum{}, fmt.Errorf("corrupt part checksum %q", r.Checksum)
			}
			comp.Write(raw)
		}
	}
	var checksum storage.Checksum
	if comp != nil && up.ChecksumType == storage.ChecksumComposite {
		checksum = storage.Checksum{Algorithm: up.ChecksumAlgorithm, Value: b64(comp.Sum(nil)) + suffix, Type: storage.ChecksumComposite}
	}
	return hex.EncodeToString(etag.Sum(nil)) + suffix, checksum, nil
}

// partsReader reads the data files of parts one after the other, keeping one open at a time.
type partsReader struct {
	s    *Store
	recs []partRecord
	cur  *os.File
}

func (r *partsReader) Read(p []byte) (int, error) {
	for {
		if r.cur == nil {
			if len(r.recs) == 0 {
				return 0, io.EOF
			}
			f, ok, err := r.s.openData(r.recs[0].File)
			if err != nil {
				return 0, err
			}
			if !ok {
				return 0, fmt.Errorf("%w: a part was replaced while completing", storage.ErrInvalidPart)
			}
			r.cur, r.recs = f, r.recs[1:]
		}
		n, err := r.cur.Read(p)
		if err == io.EOF {
			r.close()
			if n == 0 {
				continue
			}
			err = nil
		}
		return n, err
	}
}

func (r *partsReader) close() {
	if r.cur != nil {
		r.cur.Close()
		r.cur = nil
	}
}

// AbortMultipartUpload implements storage.Backend.
func (s *Store) AbortMultipartUpload(ctx context.Context, bucket, key, uploadID string) error {
	if err := storage.ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var files []string
	err := s.db.Update(func(tx *bolt.Tx) (err error) {
		files, err = dropUpload(tx, bucket, key, uploadID)
		return err
	})
	if err != nil {
		return err
	}
	s.removeData(files...)
	return nil
}

// ListParts implements storage.Backend.
func (s *Store) ListParts(ctx context.Context, bucket, key, uploadID string, opts storage.ListPartsOptions) (storage.ListPartsResult, error) {
	var res storage.ListPartsResult
	if err := storage.ValidateKey(key); err != nil {
		return res, err
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	limit := pageSize(opts.MaxParts)
	err := s.db.View(func(tx *bolt.Tx) error {
		up, _, err := uploadOf(tx, bucket, key, uploadID)
		if err != nil {
			return err
		}
		var rec uploadRecord
		if err := decode(up.Get(keyMeta), &rec); err != nil {
			return err
		}
		res.Upload = rec.info(bucket, key, uploadID)
		if opts.PartNumberMarker >= storage.MaxPartNumber {
			return nil
		}
		c := up.Bucket(bktParts).Cursor()
		for k, v := c.Seek(partKey(max(opts.PartNumberMarker, 0) + 1)); k != nil; k, v = c.Next() {
			if len(res.Parts) == limit {
				res.IsTruncated = true
				return nil
			}
			var p partRecord
			if err := decode(v, &p); err != nil {
				return err
			}
			res.Parts = append(res.Parts, p.info(partNumber(k)))
			res.NextPartNumberMarker = partNumber(k)
		}
		return nil
	})
	if err != nil {
		return storage.ListPartsResult{}, err
	}
	return res, nil
}
