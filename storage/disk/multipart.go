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

	"github.com/doorman-s3/doorman/sse"
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
	if err := opts.Metadata.CheckSize(); err != nil {
		return storage.UploadInfo{}, err
	}
	typ, err := multipartChecksumType(opts.ChecksumAlgorithm, opts.ChecksumType)
	if err != nil {
		return storage.UploadInfo{}, err
	}
	d, err := s.newDataKey(opts.Encryption)
	if err != nil {
		return storage.UploadInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return storage.UploadInfo{}, err
	}
	rec := uploadRecord{
		Initiated: now(), Metadata: metadataOf(opts.Metadata), ACL: orDefault(opts.ACL, storage.DefaultACL),
		StorageClass: orDefault(opts.StorageClass, storage.DefaultStorageClass), Owner: opts.Owner,
		ChecksumAlgorithm: opts.ChecksumAlgorithm, ChecksumType: typ, Tags: opts.Tags, Lock: lockOf(opts.Lock),
	}
	if opts.ObjectOwner != opts.Owner {
		rec.ObjectOwner = opts.ObjectOwner // kept only when not the initiator, as objectOwner reads it
	}
	id := newUploadID()
	// The data key is bound to the upload id: every part is sealed under it.
	if rec.Encryption, err = s.seal(d, id); err != nil {
		return storage.UploadInfo{}, err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b, err := bucketIn(tx, bucket, opts.BucketID)
		if err != nil {
			return err
		}
		// The settings apply at completion; a bucket without Object Lock refuses them now.
		if _, err := storage.VersionLock(b.objectLock(), opts.Lock, s.clock()); err != nil {
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
		if rec.Encryption != nil {
			if err := useEncryption(tx); err != nil {
				return err
			}
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
	done, err := s.writing()
	if err != nil {
		return storage.PartInfo{}, err
	}
	defer done()
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
	d, err := s.openDataKey(up.Encryption, uploadID, opts.CustomerKey)
	if err != nil {
		return storage.PartInfo{}, err
	}
	alg, extra, err := partChecksum(up.ChecksumAlgorithm, opts)
	if err != nil {
		return storage.PartInfo{}, err
	}
	// A part is one segment, of an id of its own: two uploads of one part number never
	// seal under the same nonces.
	seal, err := d.sealing()
	if err != nil {
		return storage.PartInfo{}, err
	}
	st, err := s.stage(ctx, r, opts.Size, storage.MaxObjectSize, extra, seal)
	if err != nil {
		return storage.PartInfo{}, err
	}
	if err := verifyDigests(st, opts.ContentMD5, storage.Checksum{Algorithm: alg, Value: opts.ChecksumValue}, opts.TrailingChecksum); err != nil {
		s.removeData(st.id)
		return storage.PartInfo{}, err
	}
	rec := partRecord{File: st.id, Size: st.size, ETag: d.etag(st.md5), Modified: now()}
	if seal != nil {
		rec.Segment = segmentOf(seal, st.size).ID
	}
	if extra != nil {
		// Kept also for an upload without an algorithm, where it adds nothing to the object's
		// checksum: a client (a transfer manager) echoes it in the completion, which compares it.
		rec.Checksum = b64(st.sum)
	}
	old, err := s.commitPart(bucket, opts.BucketID, key, uploadID, partNumber, rec)
	if err != nil {
		s.removeData(st.id)
		return storage.PartInfo{}, noSpace(err)
	}
	s.removeData(old)
	return rec.info(partNumber), nil
}

// partChecksum returns the algorithm a part is checked in, and a hash computing it (nil for
// none): the upload's, which the request may repeat but not contradict, or, for an upload
// without one, the request's.
func partChecksum(uploads storage.ChecksumAlgorithm, opts storage.UploadPartOptions) (storage.ChecksumAlgorithm, hash.Hash, error) {
	alg := uploads
	switch {
	case alg == "":
		alg = opts.ChecksumAlgorithm
	case opts.ChecksumAlgorithm != "" && opts.ChecksumAlgorithm != alg:
		return "", nil, fmt.Errorf("%w: the upload uses %s, the part %s", storage.ErrInvalidChecksum, alg, opts.ChecksumAlgorithm)
	}
	extra, err := newChecksum(alg)
	if err != nil {
		return "", nil, err
	}
	if extra == nil && opts.ChecksumValue != "" {
		return "", nil, fmt.Errorf("%w: checksum value without algorithm", storage.ErrInvalidChecksum)
	}
	return alg, extra, nil
}

// commitPart runs step 3 of the write protocol for a staged part and returns the data file of
// the part it replaced, if any.
func (s *Store) commitPart(bucket, bucketID, key, uploadID string, n int, rec partRecord) (string, error) {
	defer s.flight.land(rec.File)
	var old partRecord
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := checkBucketID(tx, bucket, bucketID); err != nil {
			return err
		}
		up, _, err := uploadOf(tx, bucket, key, uploadID)
		if err != nil {
			return err
		}
		parts := up.Bucket(bktParts)
		old = partRecord{}
		if v := parts.Get(partKey(n)); v != nil {
			if err := decode(v, &old); err != nil {
				return err
			}
		}
		return parts.Put(partKey(n), encode(rec))
	})
	return old.File, err
}

// CompleteMultipartUpload implements storage.Backend. The parts are copied into one new data
// file, so the object reads like any other and the part files can be removed. It checks what
// the request names, reads the upload, settles the object's checksum, assembles the data, and
// commits it if no part was replaced meanwhile.
func (s *Store) CompleteMultipartUpload(ctx context.Context, bucket, key, uploadID string, parts []storage.CompletedPart, opts storage.CompleteMultipartUploadOptions) (storage.ObjectInfo, error) {
	done, err := s.writing()
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	defer done()
	if err := checkCompletedParts(key, parts); err != nil {
		return storage.ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return storage.ObjectInfo{}, err
	}
	c, err := s.readCompletion(bucket, key, uploadID, parts, opts.BucketID)
	if errors.Is(err, storage.ErrNoSuchUpload) {
		if rec, _, _, lerr := s.lookup(bucket, key, "", false); lerr == nil && rec.Upload == uploadID {
			return rec.info(bucket, key), nil
		}
	}
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	if c.total > storage.MaxMultipartObjectSize {
		return storage.ObjectInfo{}, storage.ErrEntityTooLarge
	}
	if err := s.precheck(bucket, opts.BucketID, key, opts.Conditions, c.up.Lock.public()); err != nil {
		return storage.ObjectInfo{}, err
	}
	want := opts.Checksum
	if err := c.settleChecksum(want); err != nil {
		return storage.ObjectInfo{}, err
	}
	d, err := c.dataKey(s, uploadID, opts.CustomerKey)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	etag, checksum, err := c.digests(want.Value)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	st, err := s.assemble(ctx, c, want.Value, &checksum, d)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	enc, err := c.encryption(s, d, st.id, uploadID)
	if err != nil {
		s.removeData(st.id)
		return storage.ObjectInfo{}, err
	}
	up := c.up
	rec := objectRecord{
		File: st.id, Size: c.total, ETag: etag, Encryption: enc, Modified: now(), Metadata: up.Metadata,
		ACL: up.ACL, StorageClass: up.StorageClass, Checksum: checksumOf(checksum), Parts: len(parts),
		Owner: up.objectOwner(), Upload: uploadID, Tags: up.Tags, PartSizes: c.partSizes(),
	}
	if up.Owner != rec.Owner {
		rec.Initiator = &up.Owner
	}
	sums := c.partChecksums()
	rec.PartChecksums = sums != nil
	return s.commit(bucket, opts.BucketID, key, rec, nil, opts.Conditions, up.Lock.public(), func(tx *bolt.Tx) ([]string, error) {
		if err := c.unchanged(tx, bucket, key, uploadID, parts); err != nil {
			return nil, err
		}
		if err := keepPartChecksums(tx, st.id, sums); err != nil {
			return nil, err
		}
		if enc != nil {
			if err := keepAside(tx, bktSegments, st.id, c.segments()); err != nil {
				return nil, err
			}
		}
		return dropUpload(tx, bucket, key, uploadID)
	})
}

// checkCompletedParts checks what a completion names before anything is read: a valid key and
// at least one part, in strictly ascending order.
func checkCompletedParts(key string, parts []storage.CompletedPart) error {
	if err := storage.ValidateKey(key); err != nil {
		return err
	}
	if len(parts) == 0 {
		return fmt.Errorf("%w: no parts given", storage.ErrInvalidPart)
	}
	for i, p := range parts {
		if i > 0 && p.PartNumber <= parts[i-1].PartNumber {
			return storage.ErrInvalidPartOrder
		}
	}
	return nil
}

// completion is what CompleteMultipartUpload reads of an upload before assembling it.
type completion struct {
	up      uploadRecord
	recs    []partRecord // the parts named, in their order
	total   int64        // their size
	missing int          // the first part named without its checksum, 0 if none
}

// readCompletion reads the upload and the parts named, in one transaction, checking that each
// was uploaded with the ETag (and checksum) given and that all but the last are large enough.
func (s *Store) readCompletion(bucket, key, uploadID string, parts []storage.CompletedPart, bucketID string) (*completion, error) {
	c := &completion{recs: make([]partRecord, len(parts))}
	err := s.db.View(func(tx *bolt.Tx) error {
		if err := checkBucketID(tx, bucket, bucketID); err != nil {
			return err
		}
		b, _, err := uploadOf(tx, bucket, key, uploadID)
		if err != nil {
			return err
		}
		if err := decode(b.Get(keyMeta), &c.up); err != nil {
			return err
		}
		stored := b.Bucket(bktParts)
		for i, p := range parts {
			rec, err := completedPart(stored, p, i == len(parts)-1)
			if err != nil {
				return err
			}
			if p.Checksum == "" && rec.Checksum != "" && c.missing == 0 {
				c.missing = p.PartNumber
			}
			c.recs[i] = rec
			c.total += rec.Size
		}
		return nil
	})
	return c, err
}

// completedPart reads the record of a part named by a completion and checks it.
func completedPart(stored *bolt.Bucket, p storage.CompletedPart, last bool) (partRecord, error) {
	var rec partRecord
	var v []byte
	if p.PartNumber >= 1 && p.PartNumber <= storage.MaxPartNumber {
		v = stored.Get(partKey(p.PartNumber))
	}
	if v == nil {
		return rec, fmt.Errorf("%w: part %d was not uploaded", storage.ErrInvalidPart, p.PartNumber)
	}
	if err := decode(v, &rec); err != nil {
		return rec, err
	}
	if trimETag(p.ETag) != rec.ETag || p.Checksum != "" && p.Checksum != rec.Checksum {
		return rec, fmt.Errorf("%w: part %d does not match", storage.ErrInvalidPart, p.PartNumber)
	}
	if !last && rec.Size < storage.MinPartSize {
		return rec, fmt.Errorf("%w: part %d is %d bytes", storage.ErrEntityTooSmall, p.PartNumber, rec.Size)
	}
	return rec, nil
}

// settleChecksum sets the algorithm and type of the object's checksum: the upload's, or, for
// an upload without one, the full-object CRC the client expects (only that can be checked, as
// no part checksum was kept). The client's expectation must name the same.
func (c *completion) settleChecksum(want storage.Checksum) error {
	up := &c.up
	if up.ChecksumAlgorithm == "" && want.Algorithm != "" {
		typ := want.Type
		if typ == "" {
			typ = storage.ChecksumFullObject
		}
		var err error
		if up.ChecksumType, err = multipartChecksumType(want.Algorithm, typ); err != nil {
			return err
		}
		if up.ChecksumType != storage.ChecksumFullObject {
			return fmt.Errorf("%w: a COMPOSITE checksum needs the upload's algorithm", storage.ErrInvalidChecksum)
		}
		up.ChecksumAlgorithm = want.Algorithm
	}
	if want.Algorithm != "" && want.Algorithm != up.ChecksumAlgorithm || want.Type != "" && want.Type != up.ChecksumType {
		return fmt.Errorf("%w: the upload's checksum is %s %s", storage.ErrBadDigest, up.ChecksumType, up.ChecksumAlgorithm)
	}
	return nil
}

// digests computes the object's ETag and COMPOSITE checksum from the parts' and checks the
// checksum against the value the client expects, if any.
func (c *completion) digests(want string) (string, storage.Checksum, error) {
	etag, checksum, err := multipartDigests(c.up, c.recs)
	if err != nil {
		return "", checksum, err
	}
	if checksum.Value != "" && want != "" && want != checksum.Value {
		return "", checksum, &storage.ChecksumMismatchError{Algorithm: c.up.ChecksumAlgorithm}
	}
	if c.up.ChecksumType == storage.ChecksumComposite && c.missing != 0 {
		return "", checksum, &storage.MissingPartChecksumError{Algorithm: c.up.ChecksumAlgorithm, PartNumber: c.missing}
	}
	return etag, checksum, nil
}

// assemble copies the parts into a new data file, steps 1 and 2 of the write protocol. For a
// FULL_OBJECT checksum it computes it as it copies, sets *checksum, and checks it against the
// value the client expects, if any. The parts of an encrypted upload are copied as they are,
// sealed, one segment each; a FULL_OBJECT checksum is then computed over the plaintext, read
// back through d, the upload's data key, which must be open.
func (s *Store) assemble(ctx context.Context, c *completion, want string, checksum *storage.Checksum, d *dataKey) (staged, error) {
	var full hash.Hash
	if c.up.ChecksumType == storage.ChecksumFullObject {
		var err error
		if full, err = newChecksum(c.up.ChecksumAlgorithm); err != nil {
			return staged{}, err
		}
	}
	size, limit, copied := c.total, int64(storage.MaxMultipartObjectSize), full
	if c.up.Encryption != nil {
		size, copied = c.sealedSize(), nil
		limit = size
	}
	pr := &partsReader{s: s, recs: c.recs}
	st, err := s.stage(ctx, pr, size, limit, copied, nil)
	pr.close()
	if err != nil || full == nil {
		return st, err
	}
	if c.up.Encryption != nil {
		if st.sum, err = s.plainSum(st.id, d, c.segments(), full); err != nil {
			s.removeData(st.id)
			return staged{}, err
		}
	}
	*checksum = fullChecksum(c.up.ChecksumAlgorithm, st.sum)
	if want != "" && want != checksum.Value {
		s.removeData(st.id)
		return staged{}, &storage.ChecksumMismatchError{Algorithm: c.up.ChecksumAlgorithm}
	}
	return st, nil
}

// dataKey opens the data key of an encrypted upload for its completion: nil for an upload in
// plain, and for an SSE-C upload completed without its key, which can be completed all the
// same unless its checksum is FULL_OBJECT (storage.ErrCustomerKeyRequired).
func (c *completion) dataKey(s *Store, uploadID string, customer []byte) (*dataKey, error) {
	e := c.up.Encryption
	if e != nil && e.Kind == kindCustomer && customer == nil {
		if c.up.ChecksumType == storage.ChecksumFullObject {
			return nil, fmt.Errorf("%w: a FULL_OBJECT checksum is computed over the data", storage.ErrCustomerKeyRequired)
		}
		return nil, nil
	}
	return s.openDataKey(e, uploadID, customer)
}

// encryption is the record of the encryption of the object assembled into data file id: the
// upload's data key, sealed again and bound to the file when d has it open, else still bound
// to the upload; nil for an upload in plain. Its segments are kept beside it (segments).
func (c *completion) encryption(s *Store, d *dataKey, id, uploadID string) (*encryptionRecord, error) {
	e := c.up.Encryption
	if e == nil {
		return nil, nil
	}
	enc := &encryptionRecord{}
	*enc = *e
	enc.Bound = uploadID
	if d != nil {
		var err error
		if enc, err = s.seal(d, id); err != nil {
			return nil, err
		}
	}
	enc.SegmentsAside = true
	return enc, nil
}

// segments are the segments of the assembled data file of an encrypted upload: one a part.
func (c *completion) segments() []segmentRecord {
	segs := make([]segmentRecord, len(c.recs))
	for i, p := range c.recs {
		segs[i] = segmentRecord{ID: p.Segment, Size: p.Size}
	}
	return segs
}

// sealedSize is the size at rest of the parts of an encrypted upload.
func (c *completion) sealedSize() int64 {
	var n int64
	for _, p := range c.recs {
		n += sse.SealedSize(p.Size)
	}
	return n
}

// plainSum computes sum over the plaintext of the sealed data file id.
func (s *Store) plainSum(id string, d *dataKey, segs []segmentRecord, sum hash.Hash) ([]byte, error) {
	f, ok, err := s.openData(id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("the data file %s is missing", id)
	}
	defer f.Close()
	plain, err := decodeSegments(segs)
	if err != nil {
		return nil, err
	}
	r := openSealed(f, d, plain)
	buf := copyBufs.Get().(*[]byte)
	_, err = io.CopyBuffer(sum, r, *buf)
	copyBufs.Put(buf)
	if err != nil {
		return nil, err
	}
	return sum.Sum(nil), nil
}

// partSizes are the bounds of the object's parts, for its record.
func (c *completion) partSizes() []partRun {
	var runs []partRun
	for _, p := range c.recs {
		if n := len(runs); n > 0 && runs[n-1][0] == p.Size {
			runs[n-1][1]++
			continue
		}
		runs = append(runs, partRun{p.Size, 1})
	}
	return runs
}

// partChecksums are the parts' checksums, for the record of an object whose checksum is
// COMPOSITE, made of them; nil for any other.
func (c *completion) partChecksums() []string {
	if c.up.ChecksumType != storage.ChecksumComposite {
		return nil
	}
	sums := make([]string, len(c.recs))
	for i, p := range c.recs {
		sums[i] = p.Checksum
	}
	return sums
}

// unchanged fails with ErrInvalidPart if a part named was replaced since readCompletion read
// it: the object assembled would not be the one named.
func (c *completion) unchanged(tx *bolt.Tx, bucket, key, uploadID string, parts []storage.CompletedPart) error {
	b, _, err := uploadOf(tx, bucket, key, uploadID)
	if err != nil {
		return err
	}
	stored := b.Bucket(bktParts)
	for i, p := range parts {
		var cur partRecord
		if v := stored.Get(partKey(p.PartNumber)); v == nil || decode(v, &cur) != nil || cur.File != c.recs[i].File {
			return fmt.Errorf("%w: part %d was replaced while completing", storage.ErrInvalidPart, p.PartNumber)
		}
	}
	return nil
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
	done, err := s.writing()
	if err != nil {
		return err
	}
	defer done()
	if err := storage.ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var files []string
	err = s.db.Update(func(tx *bolt.Tx) (err error) {
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
	pg := newPage(opts.MaxParts)
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
			if res.IsTruncated = !pg.fits(); res.IsTruncated {
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
