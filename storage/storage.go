// Package storage defines the contract between doorman's S3 protocol layer and the
// backends that hold buckets and objects.
//
// The protocol layer speaks HTTP, XML, signatures, ranges and read conditions; a Backend only
// stores and retrieves. The interface is kept narrow so that a backend other than the embedded
// one (for example, an upstream S3 cluster) can be added without touching the protocol layer.
// Failures a client can cause are reported through the sentinel errors of this package, which
// the protocol layer maps to S3 error codes with errors.Is. Package
// [github.com/doorman-s3/doorman/storage/storagetest] checks that a Backend keeps this
// contract; the embedded backend, storage/disk, runs it in its tests.
//
// Conventions shared by every Backend:
//   - ETags are the bare hex string, without the quotes HTTP puts around them; a multipart
//     object's ETag ends in "-N", N being its part count.
//   - Checksums are the base64 text S3 sends in x-amz-checksum-* headers.
//   - A body reader that returns an error other than io.EOF aborts the write and nothing is
//     stored; the protocol layer relies on this to reject bodies whose chunk signatures or
//     trailing checksums turn out to be wrong.
//
// # Versions
//
// A key holds a list of versions, newest first, as in S3
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html). In a bucket whose
// versioning was never set the list has at most one version, the null version (NullVersion),
// and a write replaces it. Once versioning is Enabled, every write (PutObject, CopyObject,
// CompleteMultipartUpload) adds a version with a new id, and a DeleteObject without a version
// id adds a delete marker: a version without data that makes the key read as missing. While
// versioning is Suspended, those writes and deletes make a null version (an object or a delete
// marker) that replaces the key's previous null version and leaves its other versions alone.
// DeleteObject with a version id removes that version for good; if it was the latest, the one
// before becomes the latest. Versioning, once set, is never unset: only Enabled and Suspended
// follow. A version id is opaque, at most MaxVersionIDLength bytes of URL-safe text; "null"
// names the null version in every bucket.
package storage

import (
	"context"
	"fmt"
	"io"
	"time"
)

// Limits enforced by every Backend. They follow AWS S3.
const (
	// MaxObjectSize bounds a single PutObject or CopyObject, and each part of a multipart upload.
	MaxObjectSize = 5 << 30
	// MaxMultipartObjectSize bounds an object assembled by CompleteMultipartUpload.
	MaxMultipartObjectSize = 5 << 40
	// MinPartSize is the least size of every part of a multipart upload but the last.
	MinPartSize = 5 << 20
	// MaxPartNumber is the highest part number; part numbers start at 1.
	MaxPartNumber = 10000
	// MaxKeyLength is the longest object key, in bytes of UTF-8.
	MaxKeyLength = 1024
	// MaxUserMetadataSize bounds the sum of the lengths of user metadata names and values.
	MaxUserMetadataSize = 2 << 10
	// MaxMetadataSize bounds all of an object's metadata: user metadata plus the
	// content-type, content-encoding and other system fields.
	MaxMetadataSize = 8 << 10
	// MaxListKeys caps the entries of one page of ListObjects and ListMultipartUploads, and the
	// parts of one page of ListParts.
	MaxListKeys = 1000
	// MaxConfigSize bounds one bucket configuration document.
	MaxConfigSize = 1 << 20
	// MaxVersionIDLength bounds a version id a backend issues. S3's are 32 characters; 1024
	// leaves room for a backend that proxies another store's ids.
	MaxVersionIDLength = 1024
)

// The versioning states of a bucket (BucketInfo.Versioning), named as S3 names them; a bucket
// whose versioning was never set has "".
const (
	VersioningEnabled   = "Enabled"
	VersioningSuspended = "Suspended"
)

// NullVersion is the version id of the null version: an object or delete marker written while
// the bucket's versioning was not Enabled.
const NullVersion = "null"

// Defaults applied when a request leaves the field empty. An ACL field is the S3 layer's
// encoding of an access control list (a canned ACL's name, or its explicit grants); storage
// keeps it verbatim and never reads it.
const (
	DefaultACL          = "private"
	DefaultStorageClass = "STANDARD"
)

// Backend stores buckets, objects and multipart uploads. All methods are safe for concurrent
// use. Bucket names must satisfy ValidBucketName; keys must be non-empty valid UTF-8 of at most
// MaxKeyLength bytes.
type Backend interface {
	// ListBuckets returns every bucket, sorted by name.
	ListBuckets(ctx context.Context) ([]BucketInfo, error)
	// CreateBucket fails with ErrBucketExists if the name is taken and with
	// ErrInvalidBucketName if the name is not valid.
	CreateBucket(ctx context.Context, bucket string, opts CreateBucketOptions) (BucketInfo, error)
	// DeleteBucket fails with ErrBucketNotEmpty while the bucket holds objects. Its multipart
	// uploads are aborted and its configuration documents deleted with it.
	DeleteBucket(ctx context.Context, bucket string) error
	// HeadBucket returns the bucket's creation date, region, owner and ACL.
	HeadBucket(ctx context.Context, bucket string) (BucketInfo, error)
	// PutBucketACL replaces the bucket's ACL.
	PutBucketACL(ctx context.Context, bucket, acl string) error
	// PutBucketVersioning sets the bucket's versioning to VersioningEnabled or
	// VersioningSuspended (ErrInvalidVersioning for anything else). A change commits in the
	// same order as the writes around it: a write committed after it follows the new state.
	PutBucketVersioning(ctx context.Context, bucket, status string) error
	// PutBucketObjectLock enables Object Lock on the bucket, or replaces its default retention
	// (see Object Lock in objectlock.go). cfg must pass Validate (ErrInvalidObjectLock); a
	// bucket without Object Lock must have its versioning Enabled (ErrInvalidBucketState).
	// PutBucketVersioning of VersioningSuspended on a bucket with Object Lock fails with
	// ErrInvalidBucketState.
	PutBucketObjectLock(ctx context.Context, bucket string, cfg ObjectLockConfig) error

	// PutBucketConfig stores doc as the bucket's configuration of the given kind ("cors",
	// "acl", "policy", ...), atomically replacing any previous one.
	PutBucketConfig(ctx context.Context, bucket, kind string, doc []byte) error
	// GetBucketConfig fails with ErrNoSuchConfig when the bucket has none of that kind.
	GetBucketConfig(ctx context.Context, bucket, kind string) ([]byte, error)
	// DeleteBucketConfig succeeds whether or not such a configuration exists.
	DeleteBucketConfig(ctx context.Context, bucket, kind string) error

	// PutObject stores the body read from r as the key's new version (see Versions). Either
	// the whole new object becomes visible or nothing changes. The ObjectInfo it returns is
	// the version's as a read reports it; a backend over another store, whose answer to a
	// write carries no time, may report when that store answered as LastModified (and a
	// Revision made of it), later than the version's own by up to the write's duration
	// (storagetest.AreaWriteTime).
	PutObject(ctx context.Context, bucket, key string, r io.Reader, opts PutObjectOptions) (ObjectInfo, error)
	// GetObject opens an object for reading; the caller must close the reader. The reader keeps
	// returning the data it opened even if the object is replaced or deleted meanwhile. A
	// backend over another store, which cannot pin a null version that a write replaces in
	// place, may instead fail the reader's reads it cannot serve from the data already
	// fetched, from the replacement on, with ErrPreconditionFailed (ErrNoSuchKey once the
	// object is deleted); it never returns another write's bytes. The protocol layer has sent
	// its status and headers by then, so the answer is cut short of its Content-Length, which
	// a client sees as a failed transfer. The errors of a version that is missing or a delete
	// marker are HeadObject's.
	GetObject(ctx context.Context, bucket, key string, opts ReadOptions) (ObjectReader, ObjectInfo, error)
	// HeadObject returns an object's information, ACL included. When the latest version is
	// a delete marker (and opts names no version) it fails with a *DeleteMarkerError that is
	// an ErrNoSuchKey; when opts names a delete marker, with one that is an ErrDeleteMarker.
	// A version id that names no version fails with ErrNoSuchVersion, one the backend could
	// never have issued with ErrInvalidVersionID.
	HeadObject(ctx context.Context, bucket, key string, opts ReadOptions) (ObjectInfo, error)
	// DeleteObject deletes the version opts names, or, without one, the key (see Versions).
	// It succeeds whether or not the key or version exists, unless opts.IfMatch is set. A
	// version under Object Lock is removed only as DeleteAllowed says (ErrObjectLocked).
	DeleteObject(ctx context.Context, bucket, key string, opts DeleteObjectOptions) (DeleteResult, error)
	// CopyObject copies an object server-side, atomically like PutObject.
	CopyObject(ctx context.Context, srcBucket, srcKey, dstBucket, dstKey string, opts CopyObjectOptions) (ObjectInfo, error)
	// PutObjectACL replaces an object's ACL: the latest version's, or the one opts names. A
	// delete marker has none (ErrDeleteMarker, or, as the latest, ErrNoSuchKey).
	PutObjectACL(ctx context.Context, bucket, key string, opts PutObjectACLOptions) error
	// PutObjectTags replaces an object's tags, as PutObjectACL its ACL; empty Tags removes
	// them.
	PutObjectTags(ctx context.Context, bucket, key string, opts PutObjectTagsOptions) error
	// PutObjectRetention replaces a version's retention, as PutObjectACL its ACL, when
	// RetentionChangeAllowed allows it (ErrObjectLocked, or ErrInvalidRetention, otherwise);
	// ErrNoObjectLock in a bucket without Object Lock.
	PutObjectRetention(ctx context.Context, bucket, key string, opts PutObjectRetentionOptions) error
	// PutObjectLegalHold puts or lifts a version's legal hold, as PutObjectACL its ACL;
	// ErrNoObjectLock in a bucket without Object Lock.
	PutObjectLegalHold(ctx context.Context, bucket, key string, opts PutObjectLegalHoldOptions) error
	// ListObjectParts lists the parts of the version opts names (the latest when none), one
	// page at a time, with their bounds in the object. An object not made by a multipart
	// upload has no parts; one made before its backend recorded part bounds fails with
	// ErrPartsNotRecorded. A delete marker fails as HeadObject fails.
	ListObjectParts(ctx context.Context, bucket, key string, opts ListObjectPartsOptions) (ListObjectPartsResult, error)
	// ListObjects lists a bucket's keys in UTF-8 binary order, one page at a time: the keys
	// whose latest version is an object, with that version. Its VersionID may be left empty
	// (S3's ListObjectsV2 gives none, so a backend over another S3 store has none to give):
	// the protocol layer's listing shows no version id.
	ListObjects(ctx context.Context, bucket string, opts ListObjectsOptions) (ListObjectsResult, error)
	// ListObjectVersions lists every version and delete marker of a bucket's keys, by key
	// in UTF-8 binary order, then newest first, one page at a time.
	ListObjectVersions(ctx context.Context, bucket string, opts ListVersionsOptions) (ListVersionsResult, error)

	// CreateMultipartUpload starts an upload and returns its id.
	CreateMultipartUpload(ctx context.Context, bucket, key string, opts CreateMultipartUploadOptions) (UploadInfo, error)
	// UploadPart stores one part, replacing a previous part with the same number.
	UploadPart(ctx context.Context, bucket, key, uploadID string, partNumber int, r io.Reader, opts UploadPartOptions) (PartInfo, error)
	// CompleteMultipartUpload assembles the listed parts into the object and ends the upload.
	// Parts must be in strictly ascending order (ErrInvalidPartOrder), exist with the given
	// ETags (ErrInvalidPart), and all but the last be at least MinPartSize (ErrEntityTooSmall).
	// Completing again an upload that already completed returns the object it made, as long
	// as that object is still the one stored under the key.
	CompleteMultipartUpload(ctx context.Context, bucket, key, uploadID string, parts []CompletedPart, opts CompleteMultipartUploadOptions) (ObjectInfo, error)
	// AbortMultipartUpload discards an upload and its parts.
	AbortMultipartUpload(ctx context.Context, bucket, key, uploadID string) error
	// ListParts lists an upload's parts in part-number order, one page at a time.
	ListParts(ctx context.Context, bucket, key, uploadID string, opts ListPartsOptions) (ListPartsResult, error)
	// ListMultipartUploads lists a bucket's uploads ordered by key, then by initiation.
	ListMultipartUploads(ctx context.Context, bucket string, opts ListUploadsOptions) (ListUploadsResult, error)
}

// ObjectReader reads an object's data. Reads and seeks are relative to the start of the object.
type ObjectReader interface {
	io.ReadSeekCloser
	io.ReaderAt
}

// BucketInfo describes a bucket.
type BucketInfo struct {
	Name string
	// ID tells this bucket from every other bucket ever created under its name: a bucket
	// deleted and created again (by another account, perhaps) has a new ID. A write that
	// names it (the BucketID of its options) commits only into the bucket with that ID, in the
	// same transaction as its other checks, and fails with ErrNoSuchBucket otherwise; so a
	// write authorized for one bucket never lands in another that took its name meanwhile.
	ID           string
	CreationDate time.Time
	Region       string // the LocationConstraint given at creation; empty for the default region
	Owner        string
	ACL          string // the stored ACL
	// Versioning is VersioningEnabled, VersioningSuspended, or "" for a bucket whose
	// versioning was never set.
	Versioning string
	// ObjectLock is the bucket's Object Lock configuration; Enabled false without one.
	ObjectLock ObjectLockConfig
}

// CreateBucketOptions are the settings of a new bucket.
type CreateBucketOptions struct {
	Region string
	Owner  string
	ACL    string // the stored ACL; DefaultACL when empty
	// ObjectLockEnabled creates the bucket with Object Lock enabled, and so with its
	// versioning Enabled.
	ObjectLockEnabled bool
}

// ObjectMetadata is the metadata a client sets on an object and gets back on GET and HEAD.
type ObjectMetadata struct {
	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	ContentLanguage    string
	CacheControl       string
	Expires            string
	// User holds the x-amz-meta-* headers, keyed by the name after the prefix.
	User map[string]string
}

// CheckSize fails with ErrMetadataTooLarge when m passes MaxUserMetadataSize or
// MaxMetadataSize, the bounds every Backend enforces on a write.
func (m ObjectMetadata) CheckSize() error {
	user := 0
	for k, v := range m.User {
		user += len(k) + len(v)
	}
	total := user + len(m.ContentType) + len(m.ContentEncoding) + len(m.ContentDisposition) +
		len(m.ContentLanguage) + len(m.CacheControl) + len(m.Expires)
	if user > MaxUserMetadataSize || total > MaxMetadataSize {
		return ErrMetadataTooLarge
	}
	return nil
}

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Bucket       string
	Key          string
	Size         int64
	ETag         string
	LastModified time.Time
	Metadata     ObjectMetadata
	ACL          string
	StorageClass string
	Checksum     Checksum
	// PartsCount is the number of parts of an object made by a multipart upload, else 0.
	PartsCount int
	// Owner is the canonical id of the account that wrote the object; empty for objects
	// stored before owners were recorded, which belong to the bucket's owner.
	Owner string
	// Upload is the id of the multipart upload that made the object, else empty. It serves to
	// tell a completion sent again its upload's Initiator, so a backend that records no
	// object owners (storagetest.AreaObjectACL) leaves it empty too.
	Upload string
	// Initiator is, for an object a multipart upload made, the canonical id of the account
	// that started the upload, which Object Ownership may have made another than Owner.
	Initiator string
	// Revision tells this write of the object from every other write under its key, opaquely:
	// a PutObject, CopyObject or CompleteMultipartUpload gives the object a new one, even with
	// the same bytes in the same second (LastModified has whole seconds, and the ETag is the
	// bytes'); PutObjectACL and PutObjectTags keep it. A backend over another store, whose
	// revision is what that store reports, may not tell apart an unversioned object written
	// again with the same bytes within the same second (storagetest.AreaDistinctRevisions).
	Revision string
	// Tags is the object's tag set in the protocol layer's encoding, empty when it has none.
	// Storage keeps it verbatim and never reads it, as it keeps ACL.
	Tags string
	// VersionID is the version's id; NullVersion for the null version, which is every
	// object of a bucket whose versioning was never set.
	VersionID string
	// DeleteMarker tells a delete marker: a version with no data, only Key, VersionID,
	// LastModified, Owner and Revision set.
	DeleteMarker bool
	// IsLatest tells the key's latest version. Set by ListObjectVersions only.
	IsLatest bool
	// Retention and LegalHold are the version's Object Lock state (see objectlock.go).
	Retention Retention
	LegalHold bool
	// LegalHoldSet tells a version that was given a legal hold status, ON or OFF, by its
	// write or by PutObjectLegalHold; false for one that never was.
	LegalHoldSet bool
	// Part is the part ReadOptions.PartNumber named; zero otherwise.
	Part ObjectPart
	// Encryption is how the version is encrypted at rest (see Encryption).
	Encryption ObjectEncryption
}

// ReadOptions select the version GetObject and HeadObject read.
type ReadOptions struct {
	// VersionID names a version; empty reads the latest.
	VersionID string
	// PartNumber, when set, asks for the bounds of that part of the version in
	// ObjectInfo.Part, checked in the same read as the version; the reader still spans the
	// whole object. An object not made by a multipart upload has one part, itself. A number
	// above the object's part count fails with ErrInvalidPartNumber; the part of an object made
	// before its backend recorded part bounds, with ErrPartsNotRecorded.
	PartNumber int
	// CustomerKey is the read's SSE-C key: required for an SSE-C version
	// (ErrCustomerKeyRequired, ErrCustomerKeyMismatch) and refused for any other
	// (ErrCustomerKeyNotApplicable). HeadObject and ListObjectParts check it as GetObject
	// does: S3 tells nothing about an SSE-C object to a request without its key.
	CustomerKey []byte
	// MetadataOnly marks a HeadObject made for what S3 tells of any version without its
	// SSE-C key: its ACL, owner, tags, Object Lock settings and ETag, which GetObjectAcl,
	// GetObjectTagging, the Object Lock operations and a conditional delete read. CustomerKey
	// is then neither required nor checked, and the data is not touched.
	MetadataOnly bool
}

// ObjectPart is one part of an object.
type ObjectPart struct {
	PartNumber int
	// Offset and Size are the part's bytes in the object.
	Offset int64
	Size   int64
	// Checksum is the part's checksum in the object's checksum algorithm, for an object whose
	// checksum is COMPOSITE; empty otherwise.
	Checksum string
}

// ListObjectPartsOptions select one page of ListObjectParts.
type ListObjectPartsOptions struct {
	// VersionID names a version; empty lists the latest's parts.
	VersionID        string
	PartNumberMarker int // list parts after this number
	// MaxParts is the page size, capped at MaxListKeys; 0 returns no parts but still reports
	// IsTruncated, as ListObjects' MaxKeys.
	MaxParts int
	// CustomerKey is checked as ReadOptions.CustomerKey (GetObjectAttributes of an SSE-C
	// object needs its key, as every read of it).
	CustomerKey []byte
}

// ListObjectPartsResult is one page of ListObjectParts.
type ListObjectPartsResult struct {
	// Object is the version listed, as HeadObject returns it.
	Object               ObjectInfo
	Parts                []ObjectPart
	IsTruncated          bool
	NextPartNumberMarker int
}

// DeleteResult tells what DeleteObject did.
type DeleteResult struct {
	// VersionID is the id of the delete marker the call added or of the version it removed;
	// empty when it removed the key of a bucket whose versioning was never set, or nothing.
	VersionID string
	// DeleteMarker tells that the version added or removed is a delete marker.
	DeleteMarker bool
}

// DeleteMarkerError is the error of a read of a delete marker. Latest tells that the read
// named no version and found a delete marker as the key's latest version: the error is then
// an ErrNoSuchKey; otherwise the read named the marker, and the error is an ErrDeleteMarker.
type DeleteMarkerError struct {
	Key          string
	VersionID    string
	LastModified time.Time
	Latest       bool
}

func (e *DeleteMarkerError) Error() string {
	return fmt.Sprintf("%q: version %s is a delete marker", e.Key, e.VersionID)
}

// Is makes a DeleteMarkerError an ErrNoSuchKey when Latest and an ErrDeleteMarker otherwise.
func (e *DeleteMarkerError) Is(target error) bool {
	if e.Latest {
		return target == ErrNoSuchKey
	}
	return target == ErrDeleteMarker
}

// WriteConditions make a write conditional on the object it would replace; the check and the
// write are atomic. A failed check returns ErrPreconditionFailed.
type WriteConditions struct {
	// IfMatch, when set, requires an existing object with this ETag ("*": any object).
	IfMatch string
	// IfNoneMatch requires that no object exists under the key.
	IfNoneMatch bool
}

// PutObjectOptions are the settings of PutObject.
type PutObjectOptions struct {
	// Size is the body's length, or -1 when unknown. The body is read to its end, so that a
	// reader that verifies what it returns can fail at the end, before anything is stored; a
	// body shorter or longer than Size fails with ErrIncompleteBody.
	Size int64
	// ContentMD5, when set, is the body's expected MD5 digest (ErrBadDigest otherwise).
	ContentMD5 []byte
	Metadata   ObjectMetadata
	ACL        string // DefaultACL when empty
	// StorageClass is recorded as given; DefaultStorageClass when empty.
	StorageClass string
	// Checksum selects an algorithm to compute over the body; when Value is set too it is
	// the expected result (ErrBadDigest otherwise).
	Checksum Checksum
	// TrailingChecksum, when set, is called once the body has been read to its end and
	// returns a checksum that came after it (an aws-chunked trailer); when it is in the
	// algorithm computed, its value is expected too (ErrBadDigest otherwise).
	TrailingChecksum func() Checksum
	Conditions       WriteConditions
	Owner            string // the writer's canonical id
	// BucketID, when set, is the ID of the bucket the write was authorized for (see
	// BucketInfo.ID).
	BucketID string
	Tags     string // the object's tags (see ObjectInfo.Tags); empty for none
	// Lock is the new version's Object Lock settings (see VersionLock).
	Lock ObjectLock
	// Encryption is how the object is encrypted at rest. The ETag of an SSE-C or SSE-KMS
	// object is not the MD5 of its data, as in S3: a backend derives it so that it tells
	// nothing about the data to whoever lacks the key. Content-MD5 and checksums are always
	// of the plaintext.
	Encryption Encryption
}

// DeleteObjectOptions are the settings of DeleteObject.
type DeleteObjectOptions struct {
	// VersionID, when set, names the version to remove for good.
	VersionID string
	// IfMatch, when set, deletes only an object with this ETag ("*": any object): the
	// version named, or the latest; the check and the delete are atomic. A different object
	// fails with ErrPreconditionFailed, no object (or a delete marker) with ErrNoSuchKey.
	IfMatch string
	// BypassGovernance lets the delete remove a version under a GOVERNANCE retention (see
	// DeleteAllowed); the protocol layer sets it only for a caller allowed to.
	BypassGovernance bool
	// IfRevision, when set, deletes only while the version named, or the latest, is the
	// object with this Revision (ObjectInfo.Revision), checked atomically with the delete: a
	// delete decided on a listing (a lifecycle rule's) never removes, or hides behind a delete
	// marker, an object written after the listing. Another object fails with
	// ErrPreconditionFailed, no object (or a delete marker) with ErrNoSuchKey. With VersionID,
	// it may name a delete marker's own Revision: the marker is removed only while it is still
	// that marker, so that the removal of a null delete marker never removes a null version
	// written in its place after the listing.
	IfRevision string
	// IfNoncurrent, when set, deletes the version VersionID names only while it is noncurrent
	// as the condition describes, checked in the delete's transaction like IfRevision, and
	// fails with ErrPreconditionFailed otherwise (ErrNoSuchKey when the version is gone): the
	// removal of a noncurrent version decided on a listing (a lifecycle rule's
	// NoncurrentVersionExpiration) never removes a version that has become the latest again,
	// because the versions after it were deleted meanwhile, nor one whose newer versions
	// changed since the decision. Without VersionID it fails with ErrInvalidDeleteCondition
	// (see Validate): a delete of the latest, which may add a delete marker, names no
	// noncurrent version to check, and must not go ahead unchecked.
	IfNoncurrent *NoncurrentCondition
	// IfTags, when set, deletes the version named, or the latest, only while its tags are
	// exactly these (ObjectInfo.Tags, as listed; a delete marker has none), checked in the
	// delete's transaction like IfRevision, and fails with ErrPreconditionFailed otherwise
	// (ErrNoSuchKey when there is no such version, or no object without VersionID). A change
	// of an object's tags keeps its Revision, since it writes no data, so IfRevision alone
	// would not tell that the tags a lifecycle rule's Tag filter was decided on have changed.
	IfTags *string
	// IfOnlyVersion, when set, deletes the version VersionID names only while it is its
	// key's latest and only version, checked in the delete's transaction like IfRevision, and
	// fails with ErrPreconditionFailed otherwise (ErrNoSuchKey when the version is gone): the
	// removal of an expired object delete marker (a delete marker with no version behind it,
	// https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configuration-examples.html)
	// decided on a listing never removes a marker a version was written after, or behind,
	// since. Without VersionID it fails with ErrInvalidDeleteCondition, as IfNoncurrent does.
	IfOnlyVersion bool
	// BucketID, when set, is the ID of the bucket the delete was authorized for (see
	// BucketInfo.ID).
	BucketID string
}

// Validate fails with ErrInvalidDeleteCondition when o sets a condition of the version named
// without naming one: such a delete would otherwise go ahead on the latest, unchecked.
func (o DeleteObjectOptions) Validate() error {
	switch {
	case o.VersionID != "":
	case o.IfNoncurrent != nil:
		return fmt.Errorf("%w: IfNoncurrent without VersionID", ErrInvalidDeleteCondition)
	case o.IfOnlyVersion:
		return fmt.Errorf("%w: IfOnlyVersion without VersionID", ErrInvalidDeleteCondition)
	}
	return nil
}

// NoncurrentCondition is what the removal of a noncurrent version was decided on
// (DeleteObjectOptions.IfNoncurrent): the facts of its key's newer versions that a
// NoncurrentVersionExpiration reads
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_NoncurrentVersionExpiration.html). A
// listing of many versions spans several transactions (its pages, a lifecycle worker's
// ticks), so what one page told about the versions before it may no longer hold; the
// delete's own transaction checks it.
type NoncurrentCondition struct {
	// Since is the LastModified of the version right after it (the nearest newer version of
	// its key, a delete marker or an object): when it became noncurrent. The version must have
	// a newer version, and the nearest must have been written at Since.
	Since time.Time
	// Newer is how many noncurrent versions of the key (delete markers included, the latest
	// not) must at least be newer than it. The check visits up to Newer+1 versions, so a
	// caller asks for no more than its decision needs.
	Newer int
}

// PutObjectACLOptions are the settings of PutObjectACL.
type PutObjectACLOptions struct {
	ACL string // the stored ACL; DefaultACL when empty
	// IfUnchanged, when set, is the object as the change was authorized against (what
	// HeadObject returned): the ACL is replaced only while the stored version is still that
	// one, with the same Revision, Owner, ACL and Tags, checked in the transaction that writes
	// it, and ErrPreconditionFailed otherwise. Who may change an object's ACL depends on its
	// owner and its ACL, and a bucket policy may decide by its tags: an object written, or its
	// ACL or tags changed, after it was read is not the one the change was authorized for.
	IfUnchanged *ObjectInfo
	// VersionID names the version; empty is the latest.
	VersionID string
	// BucketID, when set, is the ID of the bucket the change was authorized for (see
	// BucketInfo.ID).
	BucketID string
}

// PutObjectTagsOptions are the settings of PutObjectTags.
type PutObjectTagsOptions struct {
	Tags string // the new tags (see ObjectInfo.Tags); empty removes them
	// IfUnchanged, when set, is the object as the change was authorized against: the tags are
	// replaced only while the stored version is still that one, with the same Revision, Owner,
	// ACL and Tags, checked in the transaction that writes them, and ErrPreconditionFailed
	// otherwise. Who may change an object's tags depends on its owner, and a bucket policy
	// may decide by its current tags.
	IfUnchanged *ObjectInfo
	// VersionID names the version; empty is the latest.
	VersionID string
	// BucketID, when set, is the ID of the bucket the change was authorized for (see
	// BucketInfo.ID).
	BucketID string
}

// CopyObjectOptions are the settings of CopyObject.
type CopyObjectOptions struct {
	// SourceVersionID names the source's version; empty copies the latest. A delete marker
	// fails as HeadObject fails.
	SourceVersionID string
	// SourceIfMatch, when set, copies only a source with this ETag (ErrPreconditionFailed
	// otherwise). The protocol layer evaluates x-amz-copy-source-if-* against HeadObject and
	// passes the ETag it saw, so that exactly that version is copied.
	SourceIfMatch string
	// ReplaceMetadata selects S3's REPLACE metadata directive: Metadata is used instead of the
	// source's.
	ReplaceMetadata bool
	Metadata        ObjectMetadata
	// ReplaceTags selects S3's REPLACE tagging directive: the copy gets Tags instead of the
	// source's tags.
	ReplaceTags  bool
	Tags         string
	ACL          string // DefaultACL when empty
	StorageClass string // the source's when empty
	// ChecksumAlgorithm for the copy; the source's algorithm when empty.
	ChecksumAlgorithm ChecksumAlgorithm
	Conditions        WriteConditions
	Owner             string // the writer's canonical id
	// BucketID, when set, is the ID of the destination bucket the copy was authorized for
	// (see BucketInfo.ID).
	BucketID string
	// Lock is the copy's Object Lock settings (see VersionLock); the source's are not copied.
	Lock ObjectLock
	// SourceCustomerKey is the SSE-C key of the source, as ReadOptions.CustomerKey.
	SourceCustomerKey []byte
	// Encryption is the copy's, as in PutObjectOptions; the source's is not copied.
	Encryption Encryption
}

// ListObjectsOptions select one page of ListObjects.
type ListObjectsOptions struct {
	Prefix    string
	Delimiter string
	// StartAfter lists only entries (keys and common prefixes) that sort after it. It serves as
	// ListObjects' marker and ListObjectsV2's start-after and continuation token.
	StartAfter string
	// MaxKeys is the page size, capped at MaxListKeys; 0 returns no entries but still reports
	// IsTruncated.
	MaxKeys int
}

// ListObjectsResult is one page of ListObjects.
type ListObjectsResult struct {
	Objects        []ObjectInfo
	CommonPrefixes []string
	IsTruncated    bool
	// NextMarker is the last key or common prefix of the page; pass it as StartAfter to get
	// the next page. Empty unless IsTruncated.
	NextMarker string
}

// ListVersionsOptions select one page of ListObjectVersions.
type ListVersionsOptions struct {
	Prefix    string
	Delimiter string
	// KeyMarker lists only versions of keys after it, and common prefixes after it; with
	// VersionIDMarker, the versions of KeyMarker itself that come after that version too.
	// A VersionIDMarker that no longer names a version (deleted since the page that ended
	// with it, as a client emptying a bucket page by page does) lists the versions that come
	// after where it was, as S3 does; where a backend cannot tell that place (a deleted null
	// version), it lists KeyMarker's versions from its newest, repeating rather than skipping
	// any. One the backend could never have issued fails with ErrInvalidVersionID.
	KeyMarker       string
	VersionIDMarker string
	// MaxKeys is the page size in versions and common prefixes, capped at MaxListKeys; 0
	// returns no entries but still reports IsTruncated.
	MaxKeys int
}

// ListVersionsResult is one page of ListObjectVersions.
type ListVersionsResult struct {
	// Versions holds objects and delete markers (DeleteMarker set), with IsLatest set.
	Versions       []ObjectInfo
	CommonPrefixes []string
	IsTruncated    bool
	// NextKeyMarker and NextVersionIDMarker are where the next page starts: the last version
	// of the page (NextVersionIDMarker empty when the page ended with a common prefix). Empty
	// unless IsTruncated.
	NextKeyMarker       string
	NextVersionIDMarker string
}

// CreateMultipartUploadOptions are the settings of the object a multipart upload will create.
type CreateMultipartUploadOptions struct {
	Metadata     ObjectMetadata
	ACL          string
	StorageClass string
	Owner        string // the initiator's canonical id
	// ObjectOwner is the canonical id of the account the completed object will belong to
	// (Object Ownership may give it to the bucket owner); empty means the initiator's.
	ObjectOwner string
	// ChecksumAlgorithm, when set, is computed over every part. ChecksumType picks how the
	// object's checksum is formed; when empty it is FULL_OBJECT for CRC64NVME and COMPOSITE
	// otherwise. SHA algorithms support only COMPOSITE, CRC64NVME only FULL_OBJECT.
	ChecksumAlgorithm ChecksumAlgorithm
	ChecksumType      ChecksumType
	// BucketID, when set, is the ID of the bucket the upload was authorized for (see
	// BucketInfo.ID).
	BucketID string
	Tags     string // the completed object's tags (see ObjectInfo.Tags)
	// Lock is the completed object's Object Lock settings, applied (with the bucket's default
	// retention when it names none) when the upload completes. A bucket without Object Lock
	// refuses them here already (ErrNoObjectLock).
	Lock ObjectLock
	// Encryption is the completed object's, as in PutObjectOptions. Parts are encrypted
	// as they arrive; with a CustomerKey, every UploadPart must give the same key.
	Encryption Encryption
}

// UploadInfo describes a multipart upload in progress.
type UploadInfo struct {
	Bucket            string
	Key               string
	UploadID          string
	Initiated         time.Time
	Metadata          ObjectMetadata
	ACL               string
	StorageClass      string
	Owner             string // the initiator's canonical id
	ObjectOwner       string // the completed object's owner: Owner unless created with another
	ChecksumAlgorithm ChecksumAlgorithm
	ChecksumType      ChecksumType
	Tags              string // the completed object's tags
	Lock              ObjectLock
	Encryption        ObjectEncryption
}

// UploadPartOptions are the settings of UploadPart.
type UploadPartOptions struct {
	Size       int64  // the body's length, or -1 when unknown; read as PutObject reads it
	ContentMD5 []byte // expected MD5 digest, when set
	// ChecksumAlgorithm is the algorithm of the part's checksum the request declares (as a
	// header, with ChecksumValue, or as a trailer), empty when it declares none. It must be
	// the upload's algorithm when the upload has one (ErrInvalidChecksum otherwise). For an
	// upload created without one, the part is checked against it and the checksum is reported
	// in PartInfo, but not kept: the object gets no checksum from it.
	ChecksumAlgorithm ChecksumAlgorithm
	// ChecksumValue, when set, is the expected checksum of the part.
	ChecksumValue string
	// TrailingChecksum is as in PutObjectOptions, compared when in the upload's algorithm.
	TrailingChecksum func() Checksum
	// BucketID, when set, is the ID of the bucket the part was authorized for (see
	// BucketInfo.ID).
	BucketID string
	// CustomerKey is the part's SSE-C key: required, and the upload's, for an upload with a
	// customer key (ErrCustomerKeyRequired, ErrCustomerKeyMismatch); refused for any other
	// (ErrCustomerKeyNotApplicable).
	CustomerKey []byte
}

// PartInfo describes an uploaded part.
type PartInfo struct {
	PartNumber   int
	ETag         string
	Size         int64
	LastModified time.Time
	// Checksum is the part's checksum in the upload's algorithm, or, for an upload without
	// one, in the algorithm the UploadPart request declared; empty otherwise.
	Checksum string
}

// CompletedPart names one part in CompleteMultipartUpload.
type CompletedPart struct {
	PartNumber int
	ETag       string // quotes are ignored
	// Checksum, when set, must equal the part's checksum.
	Checksum string
}

// CompleteMultipartUploadOptions are the settings of CompleteMultipartUpload.
type CompleteMultipartUploadOptions struct {
	Conditions WriteConditions
	// BucketID, when set, is the ID of the bucket the completion was authorized for (see
	// BucketInfo.ID).
	BucketID string
	// Checksum, when its Algorithm is set, is the object's checksum the client expects: a
	// COMPOSITE value ends in "-N". A Type, when set, must be the upload's checksum type. For
	// an upload created without an algorithm only a FULL_OBJECT CRC can be checked; it is then
	// computed over the object and kept. A mismatch fails with ErrBadDigest.
	Checksum Checksum
	// CustomerKey is the upload's SSE-C key. S3 asks for it of every SSE-C upload created
	// with a checksum algorithm (API_CompleteMultipartUpload.html), which the caller checks; a
	// backend needs it only where the data must be read to complete (a FULL_OBJECT checksum),
	// and one that cannot complete an SSE-C upload otherwise fails with
	// ErrCustomerKeyRequired; a wrong key fails with ErrCustomerKeyMismatch.
	CustomerKey []byte
}

// MissingPartChecksumError is the error of a CompleteMultipartUpload of an upload with
// COMPOSITE checksums that names a part without its checksum.
type MissingPartChecksumError struct {
	Algorithm  ChecksumAlgorithm
	PartNumber int
}

func (e *MissingPartChecksumError) Error() string {
	return fmt.Sprintf("the %s checksum of part %d is missing", e.Algorithm, e.PartNumber)
}

// ListPartsOptions select one page of ListParts.
type ListPartsOptions struct {
	PartNumberMarker int // list parts after this number
	MaxParts         int // capped at MaxListKeys
}

// ListPartsResult is one page of ListParts.
type ListPartsResult struct {
	Upload               UploadInfo
	Parts                []PartInfo
	IsTruncated          bool
	NextPartNumberMarker int
}

// ListUploadsOptions select one page of ListMultipartUploads.
type ListUploadsOptions struct {
	Prefix    string
	Delimiter string
	// KeyMarker lists uploads of keys after it, and, with UploadIDMarker, uploads of KeyMarker
	// itself whose ids sort after UploadIDMarker.
	KeyMarker      string
	UploadIDMarker string
	MaxUploads     int // capped at MaxListKeys
}

// ListUploadsResult is one page of ListMultipartUploads.
type ListUploadsResult struct {
	Uploads            []UploadInfo
	CommonPrefixes     []string
	IsTruncated        bool
	NextKeyMarker      string
	NextUploadIDMarker string
}

// CheckConfigKind fails with ErrInvalidConfigKind unless kind, a bucket configuration's kind,
// is 1 to 64 lowercase letters, digits and hyphens.
func CheckConfigKind(kind string) error {
	ok := kind != "" && len(kind) <= 64
	for i := 0; ok && i < len(kind); i++ {
		c := kind[i]
		ok = 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-'
	}
	if !ok {
		return fmt.Errorf("%w: %q", ErrInvalidConfigKind, kind)
	}
	return nil
}
