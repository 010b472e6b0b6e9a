package disk

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/doorman-s3/doorman/storage"
)

// Top-level bbolt buckets. Each holds one nested bucket per S3 bucket, except bktBuckets,
// which maps a bucket name to its bucketRecord, and bktFormat, which holds formatKey.
//
//	format/version                           → the format (formatVersioned to formatLatest), in decimal
//	format/encrypted                         → empty, once the directory has held encrypted data
//	format/clean                             → empty, while the store is closed after a clean run (sweep.go)
//	objects/<bucket>/<key>                   → objectRecord of the key's latest version, when an object
//	versions/<bucket>/<key>/<^seq>           → objectRecord of every other version and delete marker
//	configs/<bucket>/<kind>                  → document
//	uploads/<bucket>/<key>/<uploadID>/meta   → uploadRecord
//	uploads/<bucket>/<key>/<uploadID>/parts/<uint16 part number> → partRecord
//	partchecksums/<data file id>             → the part checksums of a COMPOSITE multipart object
//	segments/<data file id>                  → the sealed segments of an encrypted multipart object
//	inline/<data id>                         → the data of an object kept in meta.db (inline.go)
var (
	bktFormat   = []byte("format")
	formatKey   = []byte("version")
	bktBuckets  = []byte("buckets")
	bktObjects  = []byte("objects")
	bktVersions = []byte("versions")
	bktConfigs  = []byte("configs")
	bktUploads  = []byte("uploads")
	keyMeta     = []byte("meta")
	bktParts    = []byte("parts")
	// bktPartChecksums is keyed by data file id, which no two records share and a record
	// keeps through every change, so an entry never moves; it goes with the data file.
	bktPartChecksums = []byte("partchecksums")
	// bktSegments is kept as bktPartChecksums is, for the segments of an encrypted object
	// made by a multipart upload (see encryptionRecord.SegmentsAside).
	bktSegments = []byte("segments")
	// bktInline is keyed as bktPartChecksums is: an entry goes with its object's last record.
	bktInline = []byte("inline")
)

// The format is the version of the record encoding below. A database without a version was
// written before versions were recorded, in this same encoding, and gets one on Open. A
// database of a later version is refused rather than misread. A change to the encoding that
// older code could not use safely takes a new number, with a conversion of older records on
// Open or, where none is needed, when the change is first used.
//
// Format 2 added versions/: its records are format 1's with fields that format 1 leaves absent,
// so Open converts a format-1 database by adding the bucket and the number. The number changed
// all the same because format-1 code would treat versions/ as unknown and delete, as garbage,
// the data files of every noncurrent version.
//
// Format 3 added Object Lock: a bucket's configuration and each version's retention and legal
// hold. Format-2 code would read those records without the fields it does not know, and so
// delete a version under a retention or a legal hold; it refuses format 3 instead. A directory
// takes format 3 in the transaction that first gives a bucket Object Lock, and only then: one
// that never had Object Lock stays in format 2, which format-2 code still opens. The part
// bounds recorded at the completion of a multipart upload (objectRecord.PartSizes) need no
// new format: format-2 code ignores them harmlessly, and an object it completes has none,
// which reads as an object completed before they were recorded.
//
// Format 4 added server-side encryption: an object's or an upload's encryption record
// (encryptionRecord) and data files that hold sealed bytes. Format-3 code would read those
// records without the field and serve the ciphertext as the object's data; it refuses format 4
// instead. A directory takes format 4 in the transaction that first commits an encrypted
// object or creates an encrypted upload, and only then; the formats are ordered, each reading
// everything the ones before it wrote, so format 4 holds Object Lock too, and Object Lock never
// takes a format-4 directory back to 3.
//
// Format 5 added inline objects: records (objectRecord.Inline) whose data is in inline/, not
// in a file. Format-4 code would find no file for them, and answer every read of them with an
// error; it refuses format 5 instead. A directory takes format 5 in the transaction that first
// commits an inline object.
const (
	// formatUnversioned is the format before versions/, converted on Open.
	formatUnversioned = 1
	// formatVersioned is the format Open gives a directory, and keeps until Object Lock.
	formatVersioned = 2
	// formatObjectLock is the format of a directory where a bucket has had Object Lock.
	formatObjectLock = 3
	// formatEncrypted is the format of a directory that has held an encrypted object or upload.
	formatEncrypted = 4
	// formatInline is the format of a directory that has held an inline object.
	formatInline = 5
	// formatLatest is the latest format this code reads.
	formatLatest = formatInline
)

// The records are the JSON documents stored in meta.db. They are types of their own, not
// storage's public types, and every field has its name in a tag: the encoding is part of the
// directory's format, so renaming or adding a field of a public type must not change it. The
// names without a tag style (ContentType, Algorithm, ...) are the ones encoding/json gave the
// public types' fields when records embedded them, kept so that those records read as written.
// String types of storage (ChecksumAlgorithm, ChecksumType) are stored as their values, the
// names S3 gives them.

type bucketRecord struct {
	ID      string    `json:"id"` // storage.BucketInfo.ID
	Created time.Time `json:"created"`
	Region  string    `json:"region,omitempty"`
	Owner   string    `json:"owner,omitempty"`
	ACL     string    `json:"acl"`
	// Versioning is storage.BucketInfo.Versioning; absent while never set.
	Versioning string `json:"versioning,omitempty"`
	// Lock is storage.BucketInfo.ObjectLock; absent for a bucket without Object Lock.
	Lock *lockConfigRecord `json:"lock,omitempty"`
}

// lockConfigRecord is a stored storage.ObjectLockConfig of a bucket with Object Lock.
type lockConfigRecord struct {
	Default *defaultRetentionRecord `json:"default,omitempty"`
}

// defaultRetentionRecord is a stored storage.DefaultRetention.
type defaultRetentionRecord struct {
	Mode  storage.RetentionMode `json:"mode"`
	Days  int                   `json:"days,omitempty"`
	Years int                   `json:"years,omitempty"`
}

// retentionRecord is a stored storage.Retention that is not zero.
type retentionRecord struct {
	Mode  storage.RetentionMode `json:"mode"`
	Until time.Time             `json:"until"`
}

// lockRecord is a stored storage.ObjectLock: the settings an upload gives the object it
// completes into.
type lockRecord struct {
	Retention    *retentionRecord `json:"retention,omitempty"`
	LegalHold    bool             `json:"legalHold,omitempty"`
	LegalHoldSet bool             `json:"legalHoldSet,omitempty"`
}

// partRun is a run of consecutive parts of one size in an object's part bounds: the size,
// then how many parts have it. A multipart upload's parts are nearly always one size but the
// last, so the bounds of even 10,000 parts take a few runs in the object's record.
type partRun [2]int64

type objectRecord struct {
	File         string         `json:"file"`
	Size         int64          `json:"size"`
	ETag         string         `json:"etag"`
	Modified     time.Time      `json:"modified"`
	Metadata     metadataRecord `json:"metadata"`
	ACL          string         `json:"acl"`
	StorageClass string         `json:"class"`
	Checksum     checksumRecord `json:"checksum"`
	Parts        int            `json:"parts,omitempty"`
	Owner        string         `json:"owner,omitempty"`
	// Upload is the id of the multipart upload that made the object, so that completing it
	// again answers with the object.
	Upload string `json:"upload,omitempty"`
	// Initiator is who started that upload, when not Owner.
	Initiator *string `json:"initiator,omitempty"`
	// Tags is storage.ObjectInfo.Tags; absent when empty, so that a record without tags is
	// what it was before tags were stored.
	Tags string `json:"tags,omitempty"`
	// Version is the version id; absent for the null version, and so in every record written
	// before versions were stored.
	Version string `json:"version,omitempty"`
	// Seq orders the key's versions: the bucket's counter when the version was written; absent
	// (0) for a version written while the bucket's versioning was never set, older than any.
	Seq uint64 `json:"seq,omitempty"`
	// Marker tells a delete marker, which has no data file.
	Marker bool `json:"marker,omitempty"`
	// Inline tells an object whose data is in inline/ under File, not in a file (inline.go).
	Inline bool `json:"inline,omitempty"`
	// Retention and LegalHold are the version's Object Lock state; absent without one.
	Retention *retentionRecord `json:"retention,omitempty"`
	LegalHold bool             `json:"legalHold,omitempty"`
	// LegalHoldSet tells a version given a legal hold status, ON or OFF; a record with
	// LegalHold has one whether or not it says so.
	LegalHoldSet bool `json:"legalHoldSet,omitempty"`
	// PartSizes are the sizes of the parts of an object made by a multipart upload, in
	// order, as runs; absent for any other object and for one completed before they were
	// recorded (Parts set, PartSizes absent).
	PartSizes []partRun `json:"partSizes,omitempty"`
	// PartChecksums tells an object whose checksum is COMPOSITE, whose parts' checksums are
	// kept beside the record, in partchecksums/ under its data file's id: 10,000 of them would
	// make the record half a megabyte to decode on every read, listing and write of the key.
	PartChecksums bool `json:"partChecksums,omitempty"`
	// Encryption is how the data file is sealed; absent for an object stored in plain, and
	// so in every record written before encryption.
	Encryption *encryptionRecord `json:"encryption,omitempty"`
}

// metadataRecord is a stored storage.ObjectMetadata.
type metadataRecord struct {
	ContentType        string            `json:"ContentType"`
	ContentEncoding    string            `json:"ContentEncoding"`
	ContentDisposition string            `json:"ContentDisposition"`
	ContentLanguage    string            `json:"ContentLanguage"`
	CacheControl       string            `json:"CacheControl"`
	Expires            string            `json:"Expires"`
	User               map[string]string `json:"User"`
}

// checksumRecord is a stored storage.Checksum.
type checksumRecord struct {
	Algorithm storage.ChecksumAlgorithm `json:"Algorithm"`
	Value     string                    `json:"Value"`
	Type      storage.ChecksumType      `json:"Type"`
}

type uploadRecord struct {
	Initiated         time.Time                 `json:"initiated"`
	Metadata          metadataRecord            `json:"metadata"`
	ACL               string                    `json:"acl"`
	StorageClass      string                    `json:"class"`
	Owner             string                    `json:"owner,omitempty"`
	ObjectOwner       string                    `json:"objectOwner,omitempty"` // when not Owner
	ChecksumAlgorithm storage.ChecksumAlgorithm `json:"checksumAlgorithm,omitempty"`
	ChecksumType      storage.ChecksumType      `json:"checksumType,omitempty"`
	Tags              string                    `json:"tags,omitempty"`
	// Lock is storage.UploadInfo.Lock; absent when it names no setting.
	Lock *lockRecord `json:"lock,omitempty"`
	// Encryption holds the upload's data key, bound to the upload id, which seals every
	// part; absent for an upload in plain. It has no segments: each part records its own.
	Encryption *encryptionRecord `json:"encryption,omitempty"`
}

type partRecord struct {
	File     string    `json:"file"`
	Size     int64     `json:"size"`
	ETag     string    `json:"etag"`
	Modified time.Time `json:"modified"`
	Checksum string    `json:"checksum,omitempty"`
	// Segment is the id of the segment the part's data file holds, sealed under its upload's
	// data key (hex of an sse.SegmentID); absent for a part in plain. Size stays the
	// plaintext's.
	Segment string `json:"segment,omitempty"`
}

func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// The records hold only strings, numbers and times.
		panic(err)
	}
	return b
}

// decode parses a record. A record that does not parse means the database is damaged.
func decode(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("corrupt metadata record: %w", err)
	}
	return nil
}

// checkFormat records the format version in a database that has none or is in format 1
// (which init converts in the same transaction), and refuses one of a version this code does
// not know.
func checkFormat(tx *bolt.Tx) error {
	b, err := tx.CreateBucketIfNotExists(bktFormat)
	if err != nil {
		return err
	}
	v := b.Get(formatKey)
	if v == nil || string(v) == strconv.Itoa(formatUnversioned) {
		return b.Put(formatKey, []byte(strconv.Itoa(formatVersioned)))
	}
	if n, err := strconv.Atoi(string(v)); err != nil || n < formatVersioned || n > formatLatest {
		return fmt.Errorf("%w: the metadata is in format %q; this doorman reads formats up to %d", ErrUnknownFormat, v, formatLatest)
	}
	return nil
}

// useFormat raises the directory's format to at least format, in the transaction that first
// writes what needs it (see formatEncrypted); a later format stays. A directory in format 4
// raised to a later one is marked as having held encrypted data (encryptedKey), which its new
// format does not say.
func useFormat(tx *bolt.Tx, format int) error {
	b := tx.Bucket(bktFormat)
	n, err := strconv.Atoi(string(b.Get(formatKey)))
	if err == nil && n >= format {
		return nil
	}
	if n == formatEncrypted {
		if err := b.Put(encryptedKey, []byte{}); err != nil {
			return err
		}
	}
	return b.Put(formatKey, []byte(strconv.Itoa(format)))
}

// encryptedKey, in bktFormat, says that the directory has held encrypted data: format 4 says
// it, and the formats after it, which a directory may take without encryption, do not.
var encryptedKey = []byte("encrypted")

// useEncryption takes format 4, in the transaction that commits encrypted data, and marks the
// directory as having held encrypted data (encryptedKey).
func useEncryption(tx *bolt.Tx) error {
	if err := useFormat(tx, formatEncrypted); err != nil {
		return err
	}
	b := tx.Bucket(bktFormat)
	if b.Get(encryptedKey) != nil {
		return nil
	}
	return b.Put(encryptedKey, []byte{})
}

// heldEncrypted reports whether the directory has held encrypted data.
func heldEncrypted(tx *bolt.Tx) bool {
	b := tx.Bucket(bktFormat)
	return b.Get(encryptedKey) != nil || string(b.Get(formatKey)) == strconv.Itoa(formatEncrypted)
}

// ErrUnknownFormat is the error of an Open of a directory written in a format this version
// does not read, by a later version of doorman.
var ErrUnknownFormat = errors.New("unknown data directory format")

func metadataOf(m storage.ObjectMetadata) metadataRecord {
	return metadataRecord{
		ContentType: m.ContentType, ContentEncoding: m.ContentEncoding, ContentDisposition: m.ContentDisposition,
		ContentLanguage: m.ContentLanguage, CacheControl: m.CacheControl, Expires: m.Expires, User: m.User,
	}
}

func (r metadataRecord) public() storage.ObjectMetadata {
	return storage.ObjectMetadata{
		ContentType: r.ContentType, ContentEncoding: r.ContentEncoding, ContentDisposition: r.ContentDisposition,
		ContentLanguage: r.ContentLanguage, CacheControl: r.CacheControl, Expires: r.Expires, User: r.User,
	}
}

func checksumOf(c storage.Checksum) checksumRecord {
	return checksumRecord{Algorithm: c.Algorithm, Value: c.Value, Type: c.Type}
}

func (r checksumRecord) public() storage.Checksum {
	return storage.Checksum{Algorithm: r.Algorithm, Value: r.Value, Type: r.Type}
}

func (r *bucketRecord) info(name string) storage.BucketInfo {
	return storage.BucketInfo{
		Name: name, ID: r.ID, CreationDate: r.Created, Region: r.Region, Owner: r.Owner, ACL: r.ACL,
		Versioning: r.Versioning, ObjectLock: r.objectLock(),
	}
}

// objectLock is the bucket's Object Lock configuration.
func (r *bucketRecord) objectLock() storage.ObjectLockConfig {
	if r.Lock == nil {
		return storage.ObjectLockConfig{}
	}
	cfg := storage.ObjectLockConfig{Enabled: true}
	if d := r.Lock.Default; d != nil {
		cfg.DefaultRetention = &storage.DefaultRetention{Mode: d.Mode, Days: d.Days, Years: d.Years}
	}
	return cfg
}

// lockConfigOf is the record of an enabled Object Lock configuration.
func lockConfigOf(cfg storage.ObjectLockConfig) *lockConfigRecord {
	rec := &lockConfigRecord{}
	if d := cfg.DefaultRetention; d != nil {
		rec.Default = &defaultRetentionRecord{Mode: d.Mode, Days: d.Days, Years: d.Years}
	}
	return rec
}

// retentionOf is the record of a retention: nil for none. The date is kept in UTC to the
// millisecond, the precision S3 gives it (x-amz-object-lock-retain-until-date), so that a date
// read back and written again keeps the retention rather than shortens it by the nanoseconds
// it lost on the way.
func retentionOf(r storage.Retention) *retentionRecord {
	if r.IsZero() {
		return nil
	}
	return &retentionRecord{Mode: r.Mode, Until: r.RetainUntil.UTC().Truncate(time.Millisecond)}
}

func (r *retentionRecord) public() storage.Retention {
	if r == nil {
		return storage.Retention{}
	}
	return storage.Retention{Mode: r.Mode, RetainUntil: r.Until}
}

// lockOf is the record of a write's Object Lock settings: nil for none.
func lockOf(l storage.ObjectLock) *lockRecord {
	if l.IsZero() {
		return nil
	}
	return &lockRecord{Retention: retentionOf(l.Retention), LegalHold: l.LegalHold, LegalHoldSet: l.LegalHoldSet}
}

func (r *lockRecord) public() storage.ObjectLock {
	if r == nil {
		return storage.ObjectLock{}
	}
	return storage.ObjectLock{Retention: r.Retention.public(), LegalHold: r.LegalHold, LegalHoldSet: r.LegalHoldSet}
}

// versionID is the record's public version id.
func (r *objectRecord) versionID() string { return orDefault(r.Version, storage.NullVersion) }

// revision is the record's storage.ObjectInfo.Revision: an object's data file id, which no
// other write shares; a delete marker's number among its bucket's versions (it has no data
// file), in a form no data file id (hex) takes.
func (r *objectRecord) revision() string {
	if r.Marker {
		return "marker-" + strconv.FormatUint(r.Seq, 10)
	}
	return r.File
}

func (r *objectRecord) info(bucket, key string) storage.ObjectInfo {
	if r.Marker {
		return storage.ObjectInfo{Bucket: bucket, Key: key, VersionID: r.versionID(), LastModified: r.Modified, Owner: r.Owner, DeleteMarker: true, Revision: r.revision()}
	}
	return storage.ObjectInfo{
		Bucket: bucket, Key: key, Size: r.Size, ETag: r.ETag, LastModified: r.Modified,
		Metadata: r.Metadata.public(), ACL: r.ACL, StorageClass: r.StorageClass, Checksum: r.Checksum.public(),
		PartsCount: r.Parts, Owner: r.Owner, Upload: r.Upload, Initiator: r.initiator(), Revision: r.File,
		Tags: r.Tags, VersionID: r.versionID(), Retention: r.Retention.public(), LegalHold: r.LegalHold,
		LegalHoldSet: r.LegalHold || r.LegalHoldSet, Encryption: r.Encryption.public(),
	}
}

// initiator is who started the upload that made the object: Owner unless recorded otherwise;
// "" for an object no upload made.
func (r *objectRecord) initiator() string {
	switch {
	case r.Upload == "":
		return ""
	case r.Initiator != nil:
		return *r.Initiator
	}
	return r.Owner
}

func (r *uploadRecord) info(bucket, key, id string) storage.UploadInfo {
	return storage.UploadInfo{
		Bucket: bucket, Key: key, UploadID: id, Initiated: r.Initiated, Metadata: r.Metadata.public(),
		ACL: r.ACL, StorageClass: r.StorageClass, Owner: r.Owner, ObjectOwner: r.objectOwner(),
		ChecksumAlgorithm: r.ChecksumAlgorithm, ChecksumType: r.ChecksumType, Tags: r.Tags, Lock: r.Lock.public(),
		Encryption: r.Encryption.public(),
	}
}

// objectOwner is the owner of the object the upload completes into. A record without one
// (written before uploads had it, or whose initiator is the object's owner) names its initiator.
func (r *uploadRecord) objectOwner() string { return orDefault(r.ObjectOwner, r.Owner) }

func (r *partRecord) info(n int) storage.PartInfo {
	return storage.PartInfo{PartNumber: n, ETag: r.ETag, Size: r.Size, LastModified: r.Modified, Checksum: r.Checksum}
}

func partKey(n int) []byte { return binary.BigEndian.AppendUint16(nil, uint16(n)) }

func partNumber(k []byte) int { return int(binary.BigEndian.Uint16(k)) }

// sub returns the nested bucket of a top-level bucket for one S3 bucket, or nil if the S3
// bucket does not exist.
func sub(tx *bolt.Tx, top []byte, bucket string) *bolt.Bucket {
	return tx.Bucket(top).Bucket([]byte(bucket))
}

// checkBucketID fails with ErrNoSuchBucket unless the bucket exists and, when id is set, is
// the bucket created with that ID: neither deleted nor deleted and created again.
func checkBucketID(tx *bolt.Tx, bucket, id string) error {
	_, err := bucketIn(tx, bucket, id)
	return err
}

// bucketIn reads the record of the bucket, checked as checkBucketID checks it.
func bucketIn(tx *bolt.Tx, bucket, id string) (rec bucketRecord, err error) {
	v := tx.Bucket(bktBuckets).Get([]byte(bucket))
	if v == nil {
		return rec, noSuchBucket(bucket)
	}
	if err := decode(v, &rec); err != nil {
		return rec, err
	}
	if id == "" {
		return rec, nil
	}
	if rec.ID != id {
		return rec, fmt.Errorf("%w: %s was deleted and created again", storage.ErrNoSuchBucket, bucket)
	}
	return rec, nil
}

// objectsOf returns the bucket's object records, or ErrNoSuchBucket.
func objectsOf(tx *bolt.Tx, bucket string) (*bolt.Bucket, error) {
	b := sub(tx, bktObjects, bucket)
	if b == nil {
		return nil, noSuchBucket(bucket)
	}
	return b, nil
}

// getObject reads a key's record; ok is false if there is none.
func getObject(b *bolt.Bucket, key string) (rec objectRecord, ok bool, err error) {
	v := b.Get([]byte(key))
	if v == nil {
		return rec, false, nil
	}
	rec, err = decodeObject(v)
	return rec, true, err
}

// forEachDataFile calls fn with the id of every data file a record refers to: of the latest
// objects, of every other version, and of the parts of uploads. It stops at fn's first error.
func forEachDataFile(tx *bolt.Tx, fn func(id string) error) error {
	records := func(b *bolt.Bucket) error {
		return b.ForEach(func(_, v []byte) error {
			var rec objectRecord
			if err := decode(v, &rec); err != nil {
				return err
			}
			if rec.Marker {
				return nil
			}
			return fn(rec.File)
		})
	}
	err := tx.Bucket(bktObjects).ForEachBucket(func(bucket []byte) error {
		return records(tx.Bucket(bktObjects).Bucket(bucket))
	})
	if err != nil {
		return err
	}
	versions := tx.Bucket(bktVersions)
	err = versions.ForEachBucket(func(bucket []byte) error {
		byKey := versions.Bucket(bucket)
		return byKey.ForEachBucket(func(key []byte) error { return records(byKey.Bucket(key)) })
	})
	if err != nil {
		return err
	}
	uploads := tx.Bucket(bktUploads)
	return uploads.ForEachBucket(func(bucket []byte) error {
		byKey := uploads.Bucket(bucket)
		return byKey.ForEachBucket(func(key []byte) error {
			byID := byKey.Bucket(key)
			return byID.ForEachBucket(func(id []byte) error {
				var err error
				perr := forEachPart(byID.Bucket(id), func(_ int, p partRecord) {
					if err == nil {
						err = fn(p.File)
					}
				})
				return errors.Join(perr, err)
			})
		})
	})
}

// forEachPart calls fn with every part of one upload.
func forEachPart(upload *bolt.Bucket, fn func(n int, p partRecord)) error {
	return upload.Bucket(bktParts).ForEach(func(k, v []byte) error {
		var p partRecord
		if err := decode(v, &p); err != nil {
			return err
		}
		fn(partNumber(k), p)
		return nil
	})
}

// checkConditions applies write conditions to the record a write would replace.
func checkConditions(c storage.WriteConditions, cur objectRecord, exists bool) error {
	if c.IfNoneMatch && exists {
		return fmt.Errorf("%w: object exists", storage.ErrPreconditionFailed)
	}
	if c.IfMatch != "" && (!exists || c.IfMatch != "*" && trimETag(c.IfMatch) != cur.ETag) {
		return fmt.Errorf("%w: ETag does not match", storage.ErrPreconditionFailed)
	}
	return nil
}

// checkRevision fails with ErrPreconditionFailed unless rec is the write with revision
// ifRevision (see storage.DeleteObjectOptions.IfRevision); an empty ifRevision always holds.
func checkRevision(ifRevision string, rec objectRecord) error {
	if ifRevision != "" && rec.revision() != ifRevision {
		return fmt.Errorf("%w: the object was written again since it was listed", storage.ErrPreconditionFailed)
	}
	return nil
}

// checkTags fails with ErrPreconditionFailed unless rec's tags are ifTags (see
// storage.DeleteObjectOptions.IfTags); a nil ifTags always holds.
func checkTags(ifTags *string, rec objectRecord) error {
	if ifTags != nil && rec.Tags != *ifTags {
		return fmt.Errorf("%w: the object's tags were changed since it was listed", storage.ErrPreconditionFailed)
	}
	return nil
}
