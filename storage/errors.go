package storage

import "errors"

// Errors a Backend returns for conditions a client can cause. Backends wrap them with detail;
// test with errors.Is. Any other error is an internal failure.
var (
	ErrInvalidBucketName  = errors.New("invalid bucket name")
	ErrNoSuchBucket       = errors.New("no such bucket")
	ErrBucketExists       = errors.New("bucket already exists")
	ErrBucketNotEmpty     = errors.New("bucket not empty")
	ErrInvalidConfigKind  = errors.New("invalid configuration kind")
	ErrNoSuchConfig       = errors.New("no such bucket configuration")
	ErrConfigTooLarge     = errors.New("bucket configuration too large")
	ErrInvalidKey         = errors.New("invalid object key")
	ErrKeyTooLong         = errors.New("object key too long")
	ErrNoSuchKey          = errors.New("no such key")
	ErrMetadataTooLarge   = errors.New("metadata too large")
	ErrEntityTooLarge     = errors.New("entity too large")
	ErrEntityTooSmall     = errors.New("entity too small")
	ErrIncompleteBody     = errors.New("body length differs from its declared size")
	ErrBadDigest          = errors.New("digest mismatch")
	ErrInvalidChecksum    = errors.New("invalid checksum algorithm or type")
	ErrPreconditionFailed = errors.New("precondition failed")
	ErrNoSuchUpload       = errors.New("no such upload")
	ErrInvalidPartNumber  = errors.New("invalid part number")
	ErrInvalidPart        = errors.New("invalid part")
	ErrInvalidPartOrder   = errors.New("invalid part order")
	// ErrNoSuchVersion: the version id names no version of the key.
	ErrNoSuchVersion = errors.New("no such version")
	// ErrInvalidVersionID: the version id is not one the backend could have issued.
	ErrInvalidVersionID = errors.New("invalid version id")
	// ErrDeleteMarker: the version named is a delete marker (see DeleteMarkerError).
	ErrDeleteMarker = errors.New("version is a delete marker")
	// ErrInvalidVersioning: a versioning state other than Enabled and Suspended.
	ErrInvalidVersioning = errors.New("invalid versioning state")
	// ErrStorageFull: the write found no space left (a full disk or an exhausted quota).
	// Nothing was stored and what was stored before is intact.
	ErrStorageFull = errors.New("storage full")
	// ErrInvalidBucketState: the bucket's versioning and Object Lock forbid the change (Object
	// Lock without Enabled versioning; suspending the versioning of a bucket with Object Lock).
	ErrInvalidBucketState = errors.New("invalid bucket state")
	// ErrInvalidObjectLock: an Object Lock configuration ObjectLockConfig.Validate refuses.
	ErrInvalidObjectLock = errors.New("invalid Object Lock configuration")
	// ErrNoObjectLock: Object Lock settings for a bucket without Object Lock.
	ErrNoObjectLock = errors.New("bucket has no Object Lock configuration")
	// ErrInvalidRetention: a retention Retention.Validate refuses.
	ErrInvalidRetention = errors.New("invalid retention")
	// ErrObjectLocked: a retention or legal hold forbids the delete or the change.
	ErrObjectLocked = errors.New("object is locked")
	// ErrInvalidDeleteCondition: a DeleteObject condition of the version named (IfNoncurrent,
	// IfOnlyVersion) without a version named (see DeleteObjectOptions.Validate).
	ErrInvalidDeleteCondition = errors.New("invalid delete condition")
	// ErrPartsNotRecorded: the part bounds of an object made before its backend recorded them.
	ErrPartsNotRecorded = errors.New("the object's part bounds were not recorded")
)

// ChecksumMismatchError is the ErrBadDigest of an additional checksum: the body's checksum in
// Algorithm is not the one expected.
type ChecksumMismatchError struct{ Algorithm ChecksumAlgorithm }

func (e *ChecksumMismatchError) Error() string {
	return ErrBadDigest.Error() + ": " + string(e.Algorithm) + " checksum"
}

// Is makes a ChecksumMismatchError an ErrBadDigest.
func (e *ChecksumMismatchError) Is(target error) bool { return target == ErrBadDigest }
