package disk

import (
	"bytes"
	"context"
	"fmt"
	"hash"
	"io"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/doorman-s3/doorman/sse"
	"github.com/doorman-s3/doorman/storage"
)

func noSuchKey(key string) error { return fmt.Errorf("%w: %q", storage.ErrNoSuchKey, key) }

// precheck fails fast, before a body is read, if the bucket is missing (or not the one with
// bucketID, when set), the write conditions already fail or the bucket refuses the write's
// Object Lock settings. The commit checks all again.
func (s *Store) precheck(bucket, bucketID, key string, c storage.WriteConditions, lock storage.ObjectLock) error {
	return s.db.View(func(tx *bolt.Tx) error {
		k, err := s.keyFor(tx, bucket, bucketID, key)
		if err != nil {
			return err
		}
		if _, err := storage.VersionLock(k.lock, lock, k.now); err != nil {
			return err
		}
		return checkConditions(c, k.cur, k.exists)
	})
}

// commit runs steps 3 and 4 of the write protocol for a staged object file, or for the data
// of an inline object (rec.Inline), which it stores with the record: into the bucket
// with bucketID, when set, as the key's new version, with the Object Lock state
// storage.VersionLock gives it from lock and the bucket's configuration in the same
// transaction. also, when not nil, runs in the same transaction and returns more data files
// to remove after the commit.
func (s *Store) commit(bucket, bucketID, key string, rec objectRecord, inline []byte, c storage.WriteConditions, lock storage.ObjectLock, also func(*bolt.Tx) ([]string, error)) (storage.ObjectInfo, error) {
	defer s.flight.land(rec.File)
	var release []string
	var added objectRecord
	// Batch: concurrent writers share one transaction and so one fsync of the metadata. The
	// function may run more than once (bbolt retries it alone when a batch fails), which is
	// why it starts from rec and an empty release each time.
	err := s.db.Batch(func(tx *bolt.Tx) (err error) {
		added, release, err = s.commitIn(tx, bucket, bucketID, key, rec, inline, c, lock, also)
		return err
	})
	if err != nil {
		if !rec.Inline {
			s.removeData(rec.File)
		}
		return storage.ObjectInfo{}, noSpace(err)
	}
	s.removeData(release...)
	return added.info(bucket, key), nil
}

// commitIn is commit's transaction: it returns the record added and the data files to remove
// once tx is committed.
func (s *Store) commitIn(tx *bolt.Tx, bucket, bucketID, key string, rec objectRecord, inline []byte, c storage.WriteConditions, lock storage.ObjectLock, also func(*bolt.Tx) ([]string, error)) (added objectRecord, release []string, err error) {
	k, err := s.keyFor(tx, bucket, bucketID, key)
	if err != nil {
		return added, nil, err
	}
	if err := checkConditions(c, k.cur, k.exists); err != nil {
		return added, nil, err
	}
	stored, err := storage.VersionLock(k.lock, lock, k.now)
	if err != nil {
		return added, nil, err
	}
	if rec.Encryption != nil {
		if err := useEncryption(tx); err != nil {
			return added, nil, err
		}
	}
	if rec.Inline {
		if err := putInline(tx, &rec, inline); err != nil {
			return added, nil, err
		}
	}
	if also != nil {
		if release, err = also(tx); err != nil {
			return added, nil, err
		}
	}
	added = rec
	added.Retention, added.LegalHold, added.LegalHoldSet = retentionOf(stored.Retention), stored.LegalHold, stored.LegalHoldSet
	more, err := k.add(&added)
	if err != nil {
		return added, nil, err
	}
	release, err = releaseInline(tx, append(release, more...))
	return added, release, err
}

// PutObject implements storage.Backend.
func (s *Store) PutObject(ctx context.Context, bucket, key string, r io.Reader, opts storage.PutObjectOptions) (storage.ObjectInfo, error) {
	done, err := s.writing()
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	defer done()
	if err := storage.ValidateKey(key); err != nil {
		return storage.ObjectInfo{}, err
	}
	if err := opts.Metadata.CheckSize(); err != nil {
		return storage.ObjectInfo{}, err
	}
	extra, err := newChecksum(opts.Checksum.Algorithm)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	if extra == nil && opts.Checksum.Value != "" {
		return storage.ObjectInfo{}, fmt.Errorf("%w: checksum value without algorithm", storage.ErrInvalidChecksum)
	}
	d, err := s.newDataKey(opts.Encryption)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	if err := s.precheck(bucket, opts.BucketID, key, opts.Conditions, opts.Lock); err != nil {
		return storage.ObjectInfo{}, err
	}
	st, enc, err := s.stageSealed(ctx, r, opts.Size, extra, d)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	if err := verifyDigests(st, opts.ContentMD5, opts.Checksum, opts.TrailingChecksum); err != nil {
		s.discard(st)
		return storage.ObjectInfo{}, err
	}
	return s.commit(bucket, opts.BucketID, key, putRecord(st, d, enc, opts), st.inline, opts.Conditions, opts.Lock, nil)
}

// putRecord is the record PutObject commits for the staged file st, sealed under d and enc
// when they are not nil.
func putRecord(st staged, d *dataKey, enc *encryptionRecord, opts storage.PutObjectOptions) objectRecord {
	return objectRecord{
		File: st.id, Inline: st.inline != nil, Size: st.size, ETag: d.etag(st.md5), Modified: now(), Encryption: enc,
		Metadata: metadataOf(opts.Metadata), ACL: orDefault(opts.ACL, storage.DefaultACL),
		StorageClass: orDefault(opts.StorageClass, storage.DefaultStorageClass),
		Checksum:     checksumOf(fullChecksum(opts.Checksum.Algorithm, st.sum)), Owner: opts.Owner,
		Tags: opts.Tags,
	}
}

// stageSealed stages an object's data, sealed under d when not nil: in memory, to be kept in
// meta.db, when its size is within the inline limit, else as stage does. It returns the record
// of its encryption: its data key sealed and bound to the data's id, its one segment.
func (s *Store) stageSealed(ctx context.Context, r io.Reader, size int64, extra hash.Hash, d *dataKey) (st staged, _ *encryptionRecord, err error) {
	seal, err := d.sealing()
	if err != nil {
		return staged{}, nil, err
	}
	if s.inlines(size) {
		st, err = s.stageInline(ctx, r, size, extra, seal)
	} else {
		st, err = s.stage(ctx, r, size, storage.MaxObjectSize, extra, seal)
	}
	if err != nil || d == nil {
		return st, nil, err
	}
	enc, err := s.seal(d, st.id)
	if err != nil {
		s.discard(st)
		return staged{}, nil, err
	}
	enc.Segments = []segmentRecord{segmentOf(seal, st.size)}
	return st, enc, nil
}

// verifyDigests checks a staged file against the digests the client sent: c is the
// checksum computed (its value, when set, expected) and trailing, when set, reports one more
// expected value that came after the body.
func verifyDigests(st staged, contentMD5 []byte, c storage.Checksum, trailing func() storage.Checksum) error {
	if contentMD5 != nil && !bytes.Equal(contentMD5, st.md5) {
		return fmt.Errorf("%w: Content-MD5", storage.ErrBadDigest)
	}
	if err := verifySum(c.Algorithm, st.sum, c.Value); err != nil {
		return err
	}
	if trailing == nil || c.Algorithm == "" {
		return nil
	}
	if t := trailing(); t.Algorithm == c.Algorithm {
		return verifySum(c.Algorithm, st.sum, t.Value)
	}
	return nil
}

func fullChecksum(alg storage.ChecksumAlgorithm, sum []byte) storage.Checksum {
	if alg == "" {
		return storage.Checksum{}
	}
	return storage.Checksum{Algorithm: alg, Value: b64(sum), Type: storage.ChecksumFullObject}
}

// lookup reads the record of the object a read names (see keyTx.locate), the segments of
// its data when it is encrypted, and, when withData is set, the data of an inline object.
func (s *Store) lookup(bucket, key, versionID string, withData bool) (rec objectRecord, segs []sse.Segment, inline []byte, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		k, err := keyIn(tx, bucket, key)
		if err != nil {
			return err
		}
		if rec, _, err = k.locate(versionID); err != nil {
			return err
		}
		if withData && rec.Inline {
			if inline, err = inlineData(tx, &rec); err != nil {
				return err
			}
		}
		if rec.Encryption != nil {
			segs, err = segments(tx, &rec)
		}
		return err
	})
	return rec, segs, inline, err
}

// openObject opens the data of the object a read names, and reads its record and, for an
// encrypted object, its segments.
func (s *Store) openObject(ctx context.Context, bucket, key, versionID string) (storage.ObjectReader, objectRecord, []sse.Segment, error) {
	if err := storage.ValidateKey(key); err != nil {
		return nil, objectRecord{}, nil, err
	}
	missing := ""
	for {
		if err := ctx.Err(); err != nil {
			return nil, objectRecord{}, nil, err
		}
		rec, segs, inline, err := s.lookup(bucket, key, versionID, true)
		if err != nil {
			return nil, rec, nil, err
		}
		if rec.Inline {
			return newInlineReader(inline), rec, segs, nil
		}
		f, ok, err := s.openRecordData(&rec)
		if err != nil || ok {
			return f, rec, segs, err
		}
		// The file was removed after the lookup. If the record has moved on, a newer write
		// won the race: read that. If it still names the same file, the file is lost.
		if rec.File == missing {
			return nil, rec, nil, fmt.Errorf("data file of %s/%q is missing", bucket, key)
		}
		missing = rec.File
	}
}

// openRecordData opens the data file of rec for a read: a sealed one through the shared
// descriptors of s.files, a plain one as a file of its own. ok is false when the file is gone
// (see openData).
func (s *Store) openRecordData(rec *objectRecord) (storage.ObjectReader, bool, error) {
	if rec.Encryption != nil {
		h, ok, err := s.files.open(rec.File, s.dataPath(rec.File))
		if !ok {
			return nil, false, err
		}
		return h, true, nil
	}
	f, ok, err := s.openData(rec.File)
	if !ok {
		return nil, false, err
	}
	return f, true, nil
}

// GetObject implements storage.Backend.
func (s *Store) GetObject(ctx context.Context, bucket, key string, opts storage.ReadOptions) (storage.ObjectReader, storage.ObjectInfo, error) {
	r, rec, err := s.openReader(ctx, bucket, key, opts.VersionID, opts.CustomerKey)
	if err != nil {
		return nil, storage.ObjectInfo{}, err
	}
	info := rec.info(bucket, key)
	if err := s.readPart(rec, &info, opts.PartNumber); err != nil {
		r.Close()
		return nil, storage.ObjectInfo{}, err
	}
	return r, info, nil
}

// openReader opens the plaintext of the object a read names: its data file, or a reader
// opening the file's sealed segments with the data key, which customer opens for an SSE-C
// object (see openDataKey).
func (s *Store) openReader(ctx context.Context, bucket, key, versionID string, customer []byte) (storage.ObjectReader, objectRecord, error) {
	f, rec, segs, err := s.openObject(ctx, bucket, key, versionID)
	if err != nil {
		return nil, rec, err
	}
	d, err := s.openDataKey(rec.Encryption, rec.boundTo(), customer)
	switch {
	case err != nil:
		f.Close()
		return nil, rec, err
	case d == nil:
		return f, rec, nil
	}
	if in, ok := f.(inlineReader); ok {
		// The data is this read's own copy: opened in place, whole, before anything is read.
		plain, err := sse.OpenBytes(in.data, d.dek, segs)
		if err != nil {
			return nil, rec, err
		}
		return newInlineReader(plain), rec, nil
	}
	return openSealed(f, d, segs), rec, nil
}

// HeadObject implements storage.Backend.
func (s *Store) HeadObject(ctx context.Context, bucket, key string, opts storage.ReadOptions) (storage.ObjectInfo, error) {
	if err := storage.ValidateKey(key); err != nil {
		return storage.ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return storage.ObjectInfo{}, err
	}
	rec, _, _, err := s.lookup(bucket, key, opts.VersionID, false)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	if !opts.MetadataOnly {
		if err := s.checkCustomerKey(&rec, opts.CustomerKey); err != nil {
			return storage.ObjectInfo{}, err
		}
	}
	info := rec.info(bucket, key)
	if err := s.readPart(rec, &info, opts.PartNumber); err != nil {
		return storage.ObjectInfo{}, err
	}
	return info, nil
}

// DeleteObject implements storage.Backend.
func (s *Store) DeleteObject(ctx context.Context, bucket, key string, opts storage.DeleteObjectOptions) (storage.DeleteResult, error) {
	done, err := s.writing()
	if err != nil {
		return storage.DeleteResult{}, err
	}
	defer done()
	if err := storage.ValidateKey(key); err != nil {
		return storage.DeleteResult{}, err
	}
	if err := opts.Validate(); err != nil {
		return storage.DeleteResult{}, err
	}
	if err := ctx.Err(); err != nil {
		return storage.DeleteResult{}, err
	}
	var res storage.DeleteResult
	var release []string
	change := func(tx *bolt.Tx) error {
		k, err := s.keyFor(tx, bucket, opts.BucketID, key)
		if err != nil {
			return err
		}
		if opts.VersionID != "" {
			res, release, err = k.deleteVersion(opts)
			return err
		}
		if opts.IfMatch != "" || opts.IfRevision != "" || opts.IfTags != nil {
			// objects/ holds the latest version only when it is an object: a delete marker
			// latest is no object to match.
			if !k.exists {
				return noSuchKey(key)
			}
			if err := checkConditions(storage.WriteConditions{IfMatch: opts.IfMatch}, k.cur, k.exists); err != nil {
				return err
			}
			if err := checkRevision(opts.IfRevision, k.cur); err != nil {
				return err
			}
			if err := checkTags(opts.IfTags, k.cur); err != nil {
				return err
			}
		}
		if k.state == "" {
			if k.exists {
				if err := k.removable(k.cur, false); err != nil {
					return err
				}
				release = []string{k.cur.File}
			}
			return k.objects.Delete([]byte(key))
		}
		marker := objectRecord{Modified: now(), Marker: true}
		release, err = k.add(&marker)
		res = storage.DeleteResult{VersionID: marker.versionID(), DeleteMarker: true}
		return err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := change(tx); err != nil {
			return err
		}
		release, err = releaseInline(tx, release)
		return err
	})
	if err != nil {
		return storage.DeleteResult{}, err
	}
	s.removeData(release...)
	return res, nil
}

// deleteVersion removes the version opts.VersionID names for good, if its Object Lock state
// allows it (with BypassGovernance, see storage.DeleteAllowed). IfMatch, when set, requires it
// to be an object with that ETag; IfRevision, to be the object, or the delete marker, with that
// revision (see objectRecord.revision); IfTags, to have those tags; IfNoncurrent, to be
// noncurrent as k.noncurrent checks; IfOnlyVersion, to be the key's only version.
func (k *keyTx) deleteVersion(opts storage.DeleteObjectOptions) (storage.DeleteResult, []string, error) {
	id, ifMatch, ifRevision := opts.VersionID, opts.IfMatch, opts.IfRevision
	rec, inObjects, ok, err := k.version(id)
	if err != nil {
		return storage.DeleteResult{}, nil, err
	}
	if ifMatch != "" || ifRevision != "" {
		if !ok || rec.Marker && (ifMatch != "" || ifRevision != rec.revision()) {
			return storage.DeleteResult{}, nil, noSuchKey(k.key)
		}
		if err := checkConditions(storage.WriteConditions{IfMatch: ifMatch}, rec, true); err != nil {
			return storage.DeleteResult{}, nil, err
		}
		if err := checkRevision(ifRevision, rec); err != nil {
			return storage.DeleteResult{}, nil, err
		}
	}
	if !ok && (opts.IfTags != nil || opts.IfNoncurrent != nil || opts.IfOnlyVersion) {
		return storage.DeleteResult{}, nil, noSuchKey(k.key)
	}
	if err := checkTags(opts.IfTags, rec); err != nil {
		return storage.DeleteResult{}, nil, err
	}
	if c := opts.IfNoncurrent; c != nil {
		if err := k.noncurrent(rec, inObjects, *c); err != nil {
			return storage.DeleteResult{}, nil, err
		}
	}
	if opts.IfOnlyVersion {
		if err := k.only(rec, inObjects); err != nil {
			return storage.DeleteResult{}, nil, err
		}
	}
	res := storage.DeleteResult{VersionID: id}
	if !ok {
		return res, nil, nil
	}
	if err := k.removable(rec, opts.BypassGovernance); err != nil {
		return storage.DeleteResult{}, nil, err
	}
	res.DeleteMarker = rec.Marker
	var release []string
	if !rec.Marker {
		release = []string{rec.File}
	}
	return res, release, k.remove(rec, inObjects)
}

// noncurrent fails with ErrPreconditionFailed unless rec, a version of the key that version
// found (in objects/ when inObjects), is noncurrent as c describes (see
// storage.NoncurrentCondition): the nearest newer version was written at c.Since, and at least
// c.Newer noncurrent versions are newer. The versions newer than rec are those before it in
// versions/, nearest first, then the latest object in objects/; it visits at most c.Newer+1 of
// them and decodes only the nearest.
func (k *keyTx) noncurrent(rec objectRecord, inObjects bool, c storage.NoncurrentCondition) error {
	newer := 0 // versions newer than rec, the latest among them
	var since time.Time
	if !inObjects {
		h := k.kept().Cursor()
		h.Seek(seqKey(rec.Seq))
		for hk, hv := h.Prev(); hk != nil && newer <= c.Newer; hk, hv = h.Prev() {
			if newer == 0 {
				var nearest objectRecord
				if err := decode(hv, &nearest); err != nil {
					return err
				}
				since = nearest.Modified
			}
			newer++
		}
		if newer <= c.Newer && k.exists {
			if newer == 0 {
				since = k.cur.Modified
			}
			newer++
		}
	}
	if newer == 0 || !since.Equal(c.Since) || newer-1 < c.Newer {
		return fmt.Errorf("%w: %q version %q is not noncurrent as the delete was decided (%d newer versions, the nearest written at %v)",
			storage.ErrPreconditionFailed, k.key, rec.versionID(), newer, since)
	}
	return nil
}

// only fails with ErrPreconditionFailed unless rec, a version of the key that version found
// (in objects/ when inObjects), is the key's only version: the latest object with nothing in
// versions/, or the one version in versions/ with no latest object. It reads at most two
// entries of versions/ and decodes none.
func (k *keyTx) only(rec objectRecord, inObjects bool) error {
	var first, second []byte
	if h := k.kept(); h != nil {
		c := h.Cursor()
		if first, _ = c.First(); first != nil {
			second, _ = c.Next()
		}
	}
	if inObjects && first == nil || !inObjects && !k.exists && bytes.Equal(first, seqKey(rec.Seq)) && second == nil {
		return nil
	}
	return fmt.Errorf("%w: %q version %q is not its key's only version", storage.ErrPreconditionFailed, k.key, rec.versionID())
}

// ListObjectVersions is in list.go.

// unchanged fails with ErrPreconditionFailed unless rec is still the object want describes
// (see PutObjectACLOptions.IfUnchanged): one check for the ACL and the tags, as either decides
// who may change the other.
func unchanged(rec objectRecord, want *storage.ObjectInfo) error {
	if want != nil && (rec.File != want.Revision || rec.Owner != want.Owner || rec.ACL != want.ACL || rec.Tags != want.Tags) {
		return fmt.Errorf("%w: the object changed since it was read", storage.ErrPreconditionFailed)
	}
	return nil
}

// PutObjectACL implements storage.Backend.
func (s *Store) PutObjectACL(ctx context.Context, bucket, key string, opts storage.PutObjectACLOptions) error {
	return s.updateObject(ctx, bucket, opts.BucketID, key, opts.VersionID, opts.IfUnchanged, false, func(_ *keyTx, rec *objectRecord) error {
		rec.ACL = orDefault(opts.ACL, storage.DefaultACL)
		return nil
	})
}

// PutObjectTags implements storage.Backend.
func (s *Store) PutObjectTags(ctx context.Context, bucket, key string, opts storage.PutObjectTagsOptions) error {
	return s.updateObject(ctx, bucket, opts.BucketID, key, opts.VersionID, opts.IfUnchanged, false, func(_ *keyTx, rec *objectRecord) error {
		rec.Tags = opts.Tags
		return nil
	})
}

// updateObject changes the record of an existing object, the version versionID names or the
// latest, in one transaction, if it is still the object ifUnchanged describes, when set, and
// change does not fail. A change of Object Lock state (needsLock) fails first with
// ErrNoObjectLock in a bucket without Object Lock, whether or not the object exists.
func (s *Store) updateObject(ctx context.Context, bucket, bucketID, key, versionID string, ifUnchanged *storage.ObjectInfo, needsLock bool, change func(*keyTx, *objectRecord) error) error {
	if err := storage.ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		k, err := s.keyFor(tx, bucket, bucketID, key)
		if err != nil {
			return err
		}
		if needsLock && !k.lock.Enabled {
			return fmt.Errorf("%w: %s", storage.ErrNoObjectLock, bucket)
		}
		rec, inObjects, err := k.locate(versionID)
		if err != nil {
			return err
		}
		if err := unchanged(rec, ifUnchanged); err != nil {
			return err
		}
		if err := change(k, &rec); err != nil {
			return err
		}
		return k.store(rec, inObjects)
	})
}

// CopyObject implements storage.Backend. The copy is a new object: its ETag is the MD5 of
// its bytes even when the source was assembled from parts (unless its encryption makes it
// opaque). The source is read in plain, opened with opts.SourceCustomerKey when SSE-C, and
// the copy sealed as opts.Encryption says.
func (s *Store) CopyObject(ctx context.Context, srcBucket, srcKey, dstBucket, dstKey string, opts storage.CopyObjectOptions) (storage.ObjectInfo, error) {
	done, err := s.writing()
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	defer done()
	if err := storage.ValidateKey(dstKey); err != nil {
		return storage.ObjectInfo{}, err
	}
	if opts.ReplaceMetadata {
		if err := opts.Metadata.CheckSize(); err != nil {
			return storage.ObjectInfo{}, err
		}
	}
	d, err := s.newDataKey(opts.Encryption)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	src, srcRec, err := s.openReader(ctx, srcBucket, srcKey, opts.SourceVersionID, opts.SourceCustomerKey)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	defer src.Close()
	if opts.SourceIfMatch != "" && trimETag(opts.SourceIfMatch) != srcRec.ETag {
		return storage.ObjectInfo{}, fmt.Errorf("%w: source ETag does not match", storage.ErrPreconditionFailed)
	}
	alg := storage.ChecksumAlgorithm(orDefault(string(opts.ChecksumAlgorithm), string(srcRec.Checksum.Algorithm)))
	extra, err := newChecksum(alg)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	if err := s.precheck(dstBucket, opts.BucketID, dstKey, opts.Conditions, opts.Lock); err != nil {
		return storage.ObjectInfo{}, err
	}
	st, enc, err := s.stageSealed(ctx, src, srcRec.Size, extra, d)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	meta := srcRec.Metadata
	if opts.ReplaceMetadata {
		meta = metadataOf(opts.Metadata)
	}
	tags := srcRec.Tags
	if opts.ReplaceTags {
		tags = opts.Tags
	}
	rec := objectRecord{
		File: st.id, Inline: st.inline != nil, Size: st.size, ETag: d.etag(st.md5), Modified: now(), Encryption: enc,
		Metadata: meta, ACL: orDefault(opts.ACL, storage.DefaultACL),
		StorageClass: orDefault(opts.StorageClass, srcRec.StorageClass),
		Checksum:     checksumOf(fullChecksum(alg, st.sum)), Owner: opts.Owner, Tags: tags,
	}
	return s.commit(dstBucket, opts.BucketID, dstKey, rec, st.inline, opts.Conditions, opts.Lock, nil)
}
