package upstream

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/doorman-s3/doorman/acl"
	"github.com/doorman-s3/doorman/internal/awsxml"
	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/tagging"
)

// The object methods of storage.Backend: each is one upstream request, or a few, signed as
// the caller (credentialsFor), after checkBucket. What each refuses with ErrNotImplemented is
// said at the method.

// refuseWrite refuses what a write (PutObject, CopyObject, CreateMultipartUpload) may name
// that this backend does not pass on.
//
//   - An object ACL other than the bucket owner's: object ACLs are not kept with this backend,
//     whose buckets are BucketOwnerEnforced, where every object belongs to the bucket's owner.
//   - SSE-KMS and SSE-C: the upstream's keys are not doorman's.
//   - SSE-S3 (AES256) is accepted and no header sent: the upstream applies its own default
//     encryption. MinIO without a KMS refuses the header, and Amazon S3 encrypts every new
//     object with SSE-S3 since January 2023
//     (https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html).
//     The object's encryption reported is then the upstream's answer, never assumed.
//     A bucket key setting has no effect with SSE-S3
//     (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html: bucket keys
//     reduce the calls to AWS KMS).
//
// Object Lock settings go upstream (setLockHeaders), which keeps and enforces them.
func refuseWrite(objectACL string, enc storage.Encryption) error {
	switch {
	case objectACL != "" && objectACL != storage.DefaultACL && objectACL != acl.BucketOwnerFullControl:
		return storage.NotImplementedError("Object ACLs are not available with the s3 backend.")
	case enc.CustomerKey != nil:
		return storage.NotImplementedError("Server-side encryption with customer-provided keys (SSE-C) is not available with the s3 backend.")
	case enc.Algorithm == storage.SSEKMS:
		return storage.NotImplementedError("Server-side encryption with AWS KMS keys (SSE-KMS) is not available with the s3 backend.")
	}
	return nil
}

// setWriteConditions sets the conditional write headers
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html). The
// upstream checks them atomically with the write, and answers 412 PreconditionFailed, or 409
// ConditionalRequestConflict when a concurrent write raced it (a ServiceError, passed on).
func setWriteConditions(h http.Header, c storage.WriteConditions) {
	if c.IfMatch != "" {
		h["If-Match"] = []string{quoteETag(c.IfMatch)}
	}
	if c.IfNoneMatch {
		h["If-None-Match"] = []string{"*"}
	}
}

// resolveIfMatchAny turns the condition If-Match "*" (the key exists) into If-Match with
// the ETag of the key's latest version, read by a HEAD: S3 documents If-Match with an ETag
// (API_PutObject.html), and stores such as doorman's own answer "*" with 501
// [UNVERIFIED for each upstream]. A key without an object, or whose latest version is a
// delete marker, fails with ErrPreconditionFailed here. The write that follows is then
// conditional on that very version: one that replaced it after the HEAD fails the write with
// 412, where "*" would have let it through.
func (b *Backend) resolveIfMatchAny(ctx context.Context, bucket, key string, c *storage.WriteConditions, creds *Credentials) error {
	if c.IfMatch != "*" {
		return nil
	}
	resp, info, err := b.readOnce(ctx, http.MethodHead, bucket, key, "", creds)
	switch {
	case errors.Is(err, storage.ErrNoSuchKey):
		return fmt.Errorf("%w: %q does not exist", storage.ErrPreconditionFailed, key)
	case err != nil:
		return err
	}
	resp.Body.Close()
	c.IfMatch = info.ETag
	return nil
}

// ifMatchFailed is err, but that a key without an object upstream fails a write with If-Match
// as storage.WriteConditions says, with ErrPreconditionFailed: S3 answers such a write 404
// NoSuchKey ("If there's no current object version with the same name, or if the current
// object version is a delete marker, the response is a 404 Not Found error",
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html [UNVERIFIED
// wording]).
func ifMatchFailed(c storage.WriteConditions, err error) error {
	if c.IfMatch != "" && errors.Is(err, storage.ErrNoSuchKey) {
		return fmt.Errorf("%w: %v", storage.ErrPreconditionFailed, err)
	}
	return err
}

// quoteETag returns an ETag as HTTP conditions carry it: quoted, "*" as it is.
func quoteETag(etag string) string {
	if etag == "*" || strings.HasPrefix(etag, `"`) {
		return etag
	}
	return `"` + etag + `"`
}

// PutObject implements storage.Backend. The body streams to the upstream with Content-Length
// opts.Size, its last bytes held back until it has been read to its end and verified, so a
// body that fails (short, long, a checksum mismatch, a bad chunk signature) stores nothing.
// Content-MD5 and a checksum value given up front go upstream, which verifies them and keeps
// the checksum. A checksum whose value comes after the body (the client's trailer) is computed
// and verified here, and goes upstream in a trailer too, the body framed as aws-chunked
// (trailerBody), so that the upstream keeps it. A body of unknown length (Size -1, a
// browser-based POST upload) is first read whole into a file in Config.SpoolDir (spool),
// within Config.SpoolLimit, as an upstream S3 needs Content-Length, and sent from there once
// it has ended.
func (b *Backend) PutObject(ctx context.Context, bucket, key string, r io.Reader, opts storage.PutObjectOptions) (storage.ObjectInfo, error) {
	if err := b.checkBucket(bucket, opts.BucketID); err != nil {
		return storage.ObjectInfo{}, err
	}
	if err := storage.ValidateKey(key); err != nil {
		return storage.ObjectInfo{}, err
	}
	if err := refuseWrite(opts.ACL, opts.Encryption); err != nil {
		return storage.ObjectInfo{}, err
	}
	if opts.Size > storage.MaxObjectSize {
		return storage.ObjectInfo{}, storage.ErrEntityTooLarge
	}
	alg := opts.Checksum.Algorithm
	switch {
	case alg != "" && !alg.Valid():
		return storage.ObjectInfo{}, fmt.Errorf("%w: algorithm %q", storage.ErrInvalidChecksum, alg)
	case alg == "" && opts.Checksum.Value != "":
		return storage.ObjectInfo{}, fmt.Errorf("%w: checksum value without algorithm", storage.ErrInvalidChecksum)
	case !digestOf(alg, opts.Checksum.Value):
		return storage.ObjectInfo{}, &storage.ChecksumMismatchError{Algorithm: alg}
	}
	h := http.Header{}
	opts.Metadata = writeMetadata(opts.Metadata)
	if err := setObjectHeaders(h, opts.Metadata, opts.Tags, opts.StorageClass); err != nil {
		return storage.ObjectInfo{}, err
	}
	lock, err := setLockHeaders(h, opts.Lock)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	if st := b.meta.get(bucket); (!lock.IsZero() || st != nil && st.info.ObjectLock.Enabled) && opts.ContentMD5 == nil && alg == "" {
		// S3 requires Content-MD5 or a checksum of a write naming Object Lock settings, or
		// into a bucket with Object Lock
		// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html: "The
		// Content-MD5 or x-amz-sdk-checksum-algorithm header is required for any request to
		// upload an object with a retention period configured using Amazon S3 Object Lock"):
		// one given none gets the CRC64NVME S3 gives every object, computed as the body
		// streams and sent in a trailer.
		alg = storage.ChecksumCRC64NVME
	}
	if opts.Size < 0 {
		s, err := b.spool(r)
		if err != nil {
			return storage.ObjectInfo{}, err
		}
		defer s.Close()
		r, opts.Size = s, s.size
	}
	if opts.ContentMD5 != nil {
		h["Content-Md5"] = []string{base64.StdEncoding.EncodeToString(opts.ContentMD5)}
	}
	if opts.Checksum.Value != "" {
		h[checksumHeader(alg)] = []string{opts.Checksum.Value}
	}
	if err := b.resolveIfMatchAny(ctx, bucket, key, &opts.Conditions, b.credentialsFor(ctx)); err != nil {
		return storage.ObjectInfo{}, err
	}
	setWriteConditions(h, opts.Conditions)

	v := &verifier{r: r, size: opts.Size, want: opts.Checksum, trailing: opts.TrailingChecksum}
	if alg != "" {
		v.sum = alg.New()
	}
	// do holds back the body's last bytes until v has returned io.EOF, and fails with v's
	// error when it fails: the upstream then gets less than Content-Length and stores nothing.
	req := &request{method: http.MethodPut, bucket: bucket, key: key, header: h, body: v, size: opts.Size, creds: b.credentialsFor(ctx)}
	if alg != "" && opts.Checksum.Value == "" {
		req.body, req.size = newTrailerBody(v, h, alg, opts.Size)
	}
	resp, err := b.client.do(ctx, req)
	if err != nil {
		return storage.ObjectInfo{}, ifMatchFailed(opts.Conditions, err)
	}
	resp.Body.Close()
	info := storage.ObjectInfo{
		Bucket: bucket, Key: key, Size: opts.Size,
		ETag:         unquote(resp.Header.Get("Etag")),
		LastModified: responseDate(resp, b.cfg.Now).Truncate(time.Second),
		Metadata:     opts.Metadata,
		StorageClass: opts.StorageClass,
		Checksum:     checksumFromHeader(resp.Header),
		VersionID:    resp.Header.Get("X-Amz-Version-Id"),
		Tags:         opts.Tags,
		Encryption:   encryptionFromHeader(resp.Header),
		Retention:    lock.Retention, LegalHold: lock.LegalHold, LegalHoldSet: lock.LegalHoldSet,
	}
	if alg != "" {
		info.Checksum = storage.Checksum{Algorithm: alg, Value: v.result(), Type: storage.ChecksumFullObject}
	}
	if info.StorageClass == "" {
		info.StorageClass = storage.DefaultStorageClass
	}
	if info.VersionID == "" {
		info.VersionID = storage.NullVersion
	}
	info.Revision = revision(info.ETag, info.VersionID, info.LastModified)
	b.readDefaultRetention(ctx, &info, b.credentialsFor(ctx))
	return info, nil
}

// readDefaultRetention sets the retention of a version just written without one of its own
// (info.Retention zero) into a bucket whose snapshot has a default retention: the upstream
// gave it one, from its own clock, which a HEAD of the version reads. A HEAD that fails (the
// version replaced or deleted since, an identity that may not read retentions) leaves the
// answer without it: the version was written, and its retention is the upstream's to keep.
// A default set through another node since this node's last poll is not seen here.
func (b *Backend) readDefaultRetention(ctx context.Context, info *storage.ObjectInfo, creds *Credentials) {
	st := b.meta.get(info.Bucket)
	if !info.Retention.IsZero() || st == nil || st.info.ObjectLock.DefaultRetention == nil {
		return
	}
	version := info.VersionID
	if version == storage.NullVersion {
		version = ""
	}
	resp, head, err := b.readOnce(ctx, http.MethodHead, info.Bucket, info.Key, version, creds)
	if err != nil {
		b.log.Debug("upstream: reading the default retention of a version written", "bucket", info.Bucket, "key", info.Key, "error", err)
		return
	}
	resp.Body.Close()
	if head.ETag == info.ETag {
		info.Retention = head.Retention
	}
}

// verifier reads an upload body, counting it and computing its checksum, and fails at its
// end, instead of returning io.EOF, when it was not size bytes long (ErrIncompleteBody) or
// its checksum is not want's value, when it has one, or the one of want's algorithm in its
// trailer (a *storage.ChecksumMismatchError); sum is nil when nothing is to be computed. It
// serves PutObject and UploadPart: behind holdBack, the upstream never gets a failed body
// whole. The transport reads it on its own goroutine, which may still run when the answer has
// come: its first failure and the checksum computed are handed over under mu.
type verifier struct {
	r        io.Reader
	size     int64
	n        int64
	sum      hash.Hash
	want     storage.Checksum
	trailing func() storage.Checksum
	err      error // the first failure; written under mu, read by Read without it

	mu       sync.Mutex
	computed string // the checksum, once the body was read whole and verified
}

// result is the checksum computed over the body, once it was read whole and verified.
func (v *verifier) result() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.computed
}

// failure is the body's first failure, nil while it has none.
func (v *verifier) failure() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.err
}

func (v *verifier) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.r.Read(p)
	v.n += int64(n)
	if v.sum != nil {
		v.sum.Write(p[:n])
	}
	switch {
	case v.n > v.size:
		err = fmt.Errorf("%w: more than %d bytes", storage.ErrIncompleteBody, v.size)
	case err == io.EOF:
		if err = v.check(); err == nil {
			return n, io.EOF
		}
	}
	if err != nil {
		v.mu.Lock()
		v.err = err
		v.mu.Unlock()
		return 0, err
	}
	return n, nil
}

// check verifies a body read to its end.
func (v *verifier) check() error {
	if v.n != v.size {
		return fmt.Errorf("%w: %d bytes of %d", storage.ErrIncompleteBody, v.n, v.size)
	}
	if v.sum == nil {
		return nil
	}
	got := base64.StdEncoding.EncodeToString(v.sum.Sum(nil))
	if v.want.Value != "" && v.want.Value != got {
		return &storage.ChecksumMismatchError{Algorithm: v.want.Algorithm}
	}
	if v.trailing != nil {
		if t := v.trailing(); t.Algorithm == v.want.Algorithm && t.Value != got {
			return &storage.ChecksumMismatchError{Algorithm: v.want.Algorithm}
		}
	}
	v.mu.Lock()
	v.computed = got
	v.mu.Unlock()
	return nil
}

// trailerChunkSize is the size of the chunks of a body sent with a trailer, as the AWS SDKs
// send it (64 KiB); an upstream may bound a chunk's size (MinIO: 16 MiB) [UNVERIFIED].
const trailerChunkSize = 64 << 10

// trailerBody is an upload body framed as aws-chunked with its checksum in a trailer, sent as
// STREAMING-UNSIGNED-PAYLOAD-TRAILER
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html,
// "Using trailing checksums"): chunks of "size in hex\r\n", the data and "\r\n", then
// "0\r\n", the trailer "x-amz-checksum-<alg>:<value>\r\n" and "\r\n". The value is the one
// v computed and verified when the body ended.
type trailerBody struct {
	v       *verifier
	name    string
	chunk   []byte
	pending []byte
	done    bool
}

// newTrailerBody returns v framed as a trailerBody and its exact length, and sets the headers
// that announce it on h.
func newTrailerBody(v *verifier, h http.Header, alg storage.ChecksumAlgorithm, size int64) (*trailerBody, int64) {
	name := strings.ToLower(checksumHeader(alg))
	h["X-Amz-Content-Sha256"] = []string{"STREAMING-UNSIGNED-PAYLOAD-TRAILER"}
	h["X-Amz-Trailer"] = []string{name}
	h["X-Amz-Decoded-Content-Length"] = []string{strconv.FormatInt(size, 10)}
	// "aws-chunked" describes the transfer; the object keeps its own coding
	// (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html).
	enc := "aws-chunked"
	if e := h.Get("Content-Encoding"); e != "" {
		enc += "," + e
	}
	h["Content-Encoding"] = []string{enc}
	chunkLen := func(n int64) int64 { return int64(len(strconv.FormatInt(n, 16))) + 2 + n + 2 }
	length := size / trailerChunkSize * chunkLen(trailerChunkSize)
	if rest := size % trailerChunkSize; rest > 0 {
		length += chunkLen(rest)
	}
	length += int64(len("0\r\n") + len(name) + 1 + base64.StdEncoding.EncodedLen(alg.Size()) + len("\r\n\r\n"))
	return &trailerBody{v: v, name: name, chunk: make([]byte, trailerChunkSize)}, length
}

func (t *trailerBody) Read(p []byte) (int, error) {
	for len(t.pending) == 0 {
		if t.done {
			return 0, io.EOF
		}
		n, err := io.ReadFull(t.v, t.chunk)
		switch {
		case err == nil || err == io.ErrUnexpectedEOF || err == io.EOF:
			if n > 0 {
				t.pending = fmt.Appendf(t.pending[:0], "%x\r\n", n)
				t.pending = append(append(t.pending, t.chunk[:n]...), "\r\n"...)
			}
			if err != nil {
				// v returned io.EOF: the body was read whole and verified.
				t.pending = fmt.Appendf(t.pending, "0\r\n%s:%s\r\n\r\n", t.name, t.v.result())
				t.done = true
			}
		default:
			return 0, err
		}
	}
	n := copy(p, t.pending)
	t.pending = t.pending[n:]
	return n, nil
}

// GetObject implements storage.Backend, as HeadObject; the reader streams the GET's body and
// reads elsewhere (Seek, ReadAt) with ranged GETs pinned to the version read.
func (b *Backend) GetObject(ctx context.Context, bucket, key string, opts storage.ReadOptions) (storage.ObjectReader, storage.ObjectInfo, error) {
	resp, info, err := b.read(ctx, http.MethodGet, bucket, key, opts)
	if err != nil {
		return nil, storage.ObjectInfo{}, err
	}
	return b.openReader(ctx, info, resp.Body), info, nil
}

// HeadObject implements storage.Backend: a HEAD, with x-amz-checksum-mode ENABLED for the
// object's checksum, and a GET ?tagging when the object has tags (x-amz-tagging-count), for
// its tags in the protocol layer's encoding; the two are not atomic (a tag change in between
// is seen). Owner and ACL are empty: the bucket owner's. A PartNumber is read by a HEAD
// naming the part, pinned to the version read (If-Match on its ETag, its version id), after
// the object's own read, whose reader spans the whole object as the contract wants. An SSE-C
// key is refused (ErrNotImplemented), unless MetadataOnly.
func (b *Backend) HeadObject(ctx context.Context, bucket, key string, opts storage.ReadOptions) (storage.ObjectInfo, error) {
	resp, info, err := b.read(ctx, http.MethodHead, bucket, key, opts)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	resp.Body.Close()
	return info, nil
}

// maxReadTries bounds the reads of an object replaced between its read and the read of its
// part.
const maxReadTries = 3

// read sends the GET or HEAD of GetObject and HeadObject and reads the object's information.
// The response's body is the caller's to close.
func (b *Backend) read(ctx context.Context, method, bucket, key string, opts storage.ReadOptions) (*http.Response, storage.ObjectInfo, error) {
	if err := b.checkBucket(bucket, ""); err != nil {
		return nil, storage.ObjectInfo{}, err
	}
	if err := storage.ValidateKey(key); err != nil {
		return nil, storage.ObjectInfo{}, err
	}
	if opts.CustomerKey != nil && !opts.MetadataOnly {
		return nil, storage.ObjectInfo{}, storage.NotImplementedError("Server-side encryption with customer-provided keys (SSE-C) is not available with the s3 backend.")
	}
	if opts.PartNumber < 0 || opts.PartNumber > storage.MaxPartNumber {
		return nil, storage.ObjectInfo{}, storage.ErrInvalidPartNumber
	}
	creds := b.credentialsFor(ctx)
	for try := 1; ; try++ {
		resp, info, err := b.readOnce(ctx, method, bucket, key, opts.VersionID, creds)
		if err != nil || opts.PartNumber == 0 {
			return resp, info, err
		}
		info.Part, err = b.readPart(ctx, bucket, key, &info, opts.PartNumber, creds)
		if err == nil {
			return resp, info, nil
		}
		resp.Body.Close()
		if !errors.Is(err, storage.ErrPreconditionFailed) {
			return nil, storage.ObjectInfo{}, err
		}
		if try == maxReadTries {
			return nil, storage.ObjectInfo{}, fmt.Errorf("%q was replaced at every one of %d reads of its part %d", key, try, opts.PartNumber)
		}
	}
}

// readOnce sends one GET or HEAD of the object, and the GET of its tags if it has some.
func (b *Backend) readOnce(ctx context.Context, method, bucket, key, versionID string, creds *Credentials) (*http.Response, storage.ObjectInfo, error) {
	req := &request{method: method, bucket: bucket, key: key, query: url.Values{},
		header: http.Header{"X-Amz-Checksum-Mode": {"ENABLED"}}, creds: creds, notFound: b.keyNotFound(bucket, storage.ErrNoSuchKey)}
	if versionID != "" {
		req.query.Set("versionId", versionID)
		req.notFound = b.keyNotFound(bucket, storage.ErrNoSuchVersion)
	}
	resp, err := b.client.do(ctx, req)
	if se, ok := errors.AsType[*storage.ServiceError](err); ok && versionID != "" && method == http.MethodHead && se.Status == http.StatusBadRequest {
		// A HEAD's 400 has no body to name its code; with a version id, S3's is
		// InvalidArgument "Invalid version id specified" [UNVERIFIED for each upstream].
		return nil, storage.ObjectInfo{}, fmt.Errorf("%w: upstream: %s", storage.ErrInvalidVersionID, se.Message)
	}
	if err != nil {
		return nil, storage.ObjectInfo{}, b.markerError(ctx, bucket, key, versionID, creds, err)
	}
	info, err := objectInfoFromHeader(bucket, key, resp.Header)
	if err == nil && tagCount(resp.Header) > 0 {
		info.Tags, err = b.getTags(ctx, bucket, key, resp.Header.Get("X-Amz-Version-Id"), creds)
	}
	if err != nil {
		resp.Body.Close()
		return nil, storage.ObjectInfo{}, err
	}
	return resp, info, nil
}

// keyNotFound is the error of a 404 without a body (the answer to HEAD) for an object of
// bucket: storage.ErrNoSuchBucket when the snapshot does not hold the bucket (the upstream's
// answer cannot tell), else err.
func (b *Backend) keyNotFound(bucket string, err error) error {
	if b.meta.get(bucket) == nil {
		return noSuchBucket(bucket)
	}
	return err
}

// markerError is deleteMarker's error, and, for a latest delete marker, whose answer carries
// no Last-Modified, the marker's Last-Modified read from a HEAD of the marker by its id (405
// with Last-Modified, API_GetObject.html: "If the specified version in the request is a
// delete marker, the response returns a 405 Method Not Allowed error and the
// Last-Modified: timestamp response header").
func (b *Backend) markerError(ctx context.Context, bucket, key, versionID string, creds *Credentials, err error) error {
	err = deleteMarker(key, versionID, err)
	dm, ok := errors.AsType[*storage.DeleteMarkerError](err)
	if !ok || !dm.LastModified.IsZero() || dm.VersionID == "" {
		return err
	}
	resp, herr := b.client.do(ctx, &request{method: http.MethodHead, bucket: bucket, key: key,
		query: url.Values{"versionId": {dm.VersionID}}, creds: creds})
	if herr == nil {
		resp.Body.Close()
		return err
	}
	if t, perr := http.ParseTime(errorHeader(herr).Get("Last-Modified")); perr == nil {
		dm.LastModified = t
	}
	return err
}

// deleteMarker returns the *storage.DeleteMarkerError of a read answered with
// x-amz-delete-marker: true (404 for a latest delete marker, 405 for one named by its id,
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html), err otherwise.
func deleteMarker(key, versionID string, err error) error {
	h := errorHeader(err)
	if h.Get("X-Amz-Delete-Marker") != "true" {
		return err
	}
	dm := &storage.DeleteMarkerError{Key: key, VersionID: h.Get("X-Amz-Version-Id"), Latest: versionID == ""}
	if dm.VersionID == "" {
		dm.VersionID = versionID
	}
	if t, perr := http.ParseTime(h.Get("Last-Modified")); perr == nil {
		dm.LastModified = t
	}
	return dm
}

// tagCount is an answer's x-amz-tagging-count.
func tagCount(h http.Header) int {
	n, _ := strconv.Atoi(h.Get("X-Amz-Tagging-Count"))
	return n
}

// readPart reads the bounds of part n of the object info describes, by a HEAD naming the
// part, pinned to it: ErrPreconditionFailed when the object was replaced since.
func (b *Backend) readPart(ctx context.Context, bucket, key string, info *storage.ObjectInfo, n int, creds *Credentials) (storage.ObjectPart, error) {
	req := &request{method: http.MethodHead, bucket: bucket, key: key,
		query:  url.Values{"partNumber": {strconv.Itoa(n)}},
		header: http.Header{"X-Amz-Checksum-Mode": {"ENABLED"}, "If-Match": {quoteETag(info.ETag)}},
		creds:  creds, notFound: storage.ErrNoSuchKey}
	if info.VersionID != storage.NullVersion {
		req.query.Set("versionId", info.VersionID)
	}
	resp, err := b.client.do(ctx, req)
	var se *storage.ServiceError
	if errors.As(err, &se) && se.Status == http.StatusRequestedRangeNotSatisfiable {
		// A HEAD has no body to say InvalidPartNumber, whose status is 416
		// (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList).
		return storage.ObjectPart{}, fmt.Errorf("%w: %d", storage.ErrInvalidPartNumber, n)
	}
	if err != nil {
		return storage.ObjectPart{}, err
	}
	resp.Body.Close()
	part := storage.ObjectPart{PartNumber: n}
	if cr := resp.Header.Get("Content-Range"); cr != "" {
		var total int64
		var last int64
		if _, err := fmt.Sscanf(cr, "bytes %d-%d/%d", &part.Offset, &last, &total); err != nil || last < part.Offset {
			return storage.ObjectPart{}, fmt.Errorf("upstream answered Content-Range %q", cr)
		}
		part.Size = last - part.Offset + 1
	} else if part.Size, err = strconv.ParseInt(resp.Header.Get("Content-Length"), 10, 64); err != nil {
		return storage.ObjectPart{}, fmt.Errorf("upstream answered Content-Length %q", resp.Header.Get("Content-Length"))
	}
	if info.Checksum.Type == storage.ChecksumComposite {
		if c := checksumFromHeader(resp.Header); c.Algorithm == info.Checksum.Algorithm {
			part.Checksum = c.Value
		}
	}
	return part, nil
}

// getTags reads an object's tags (GetObjectTagging) in the protocol layer's encoding.
func (b *Backend) getTags(ctx context.Context, bucket, key, versionID string, creds *Credentials) (string, error) {
	req := &request{method: http.MethodGet, bucket: bucket, key: key, query: url.Values{"tagging": {""}}, creds: creds, notFound: storage.ErrNoSuchKey}
	if versionID != "" {
		req.query.Set("versionId", versionID)
	}
	resp, err := b.client.do(ctx, req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, tagging.MaxDocumentSize+1))
	if err != nil {
		return "", err
	}
	if len(body) > tagging.MaxDocumentSize {
		return "", fmt.Errorf("upstream answered a tag set over %d bytes", tagging.MaxDocumentSize)
	}
	var doc struct {
		Tags []tagging.Tag `xml:"TagSet>Tag"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("upstream answered a tag set that does not parse: %w", err)
	}
	set := tagging.Set(doc.Tags)
	slices.SortStableFunc(set, func(a, b tagging.Tag) int { return strings.Compare(a.Key, b.Key) })
	return set.Encode(), nil
}

// DeleteObject implements storage.Backend: a DELETE with versionId, If-Match and
// x-amz-bypass-governance-retention forwarded. The conditions a lifecycle worker sets
// (IfRevision, IfNoncurrent, IfTags, IfOnlyVersion) are refused: the upstream cannot check
// them atomically with the delete, and no lifecycle runs with this backend.
func (b *Backend) DeleteObject(ctx context.Context, bucket, key string, opts storage.DeleteObjectOptions) (storage.DeleteResult, error) {
	if err := opts.Validate(); err != nil {
		return storage.DeleteResult{}, err
	}
	if opts.IfRevision != "" || opts.IfNoncurrent != nil || opts.IfTags != nil || opts.IfOnlyVersion {
		return storage.DeleteResult{}, storage.NotImplementedError("Deletes conditional on an object's revision, tags or versions (lifecycle rules) are not available with the s3 backend.")
	}
	if err := b.checkBucket(bucket, opts.BucketID); err != nil {
		return storage.DeleteResult{}, err
	}
	if err := storage.ValidateKey(key); err != nil {
		return storage.DeleteResult{}, err
	}
	req := &request{method: http.MethodDelete, bucket: bucket, key: key, query: url.Values{}, header: http.Header{}, creds: b.credentialsFor(ctx), notFound: storage.ErrNoSuchKey}
	if opts.VersionID != "" {
		req.query.Set("versionId", opts.VersionID)
	}
	if opts.IfMatch != "" {
		req.header["If-Match"] = []string{quoteETag(opts.IfMatch)}
	}
	if opts.BypassGovernance {
		req.header["X-Amz-Bypass-Governance-Retention"] = []string{"true"}
	}
	resp, err := b.client.do(ctx, req)
	if err != nil {
		return storage.DeleteResult{}, err
	}
	resp.Body.Close()
	return storage.DeleteResult{
		VersionID:    resp.Header.Get("X-Amz-Version-Id"),
		DeleteMarker: resp.Header.Get("X-Amz-Delete-Marker") == "true",
	}, nil
}

// CopyObject implements storage.Backend: a HEAD of the source (for what the copy keeps of it:
// its size, metadata and tags, storage class and checksum algorithm, which the contract wants
// copied when not named), then the copy, pinned to the source read (x-amz-copy-source-if-match
// on its ETag, and its version id). It refuses what PutObject refuses, and an SSE-C source.
func (b *Backend) CopyObject(ctx context.Context, srcBucket, srcKey, dstBucket, dstKey string, opts storage.CopyObjectOptions) (storage.ObjectInfo, error) {
	if err := b.checkBucket(dstBucket, opts.BucketID); err != nil {
		return storage.ObjectInfo{}, err
	}
	if err := storage.ValidateKey(dstKey); err != nil {
		return storage.ObjectInfo{}, err
	}
	if err := refuseWrite(opts.ACL, opts.Encryption); err != nil {
		return storage.ObjectInfo{}, err
	}
	if opts.SourceCustomerKey != nil {
		return storage.ObjectInfo{}, storage.NotImplementedError("Server-side encryption with customer-provided keys (SSE-C) is not available with the s3 backend.")
	}
	if a := opts.ChecksumAlgorithm; a != "" && !a.Valid() {
		return storage.ObjectInfo{}, fmt.Errorf("%w: algorithm %q", storage.ErrInvalidChecksum, a)
	}
	src, err := b.HeadObject(ctx, srcBucket, srcKey, storage.ReadOptions{VersionID: opts.SourceVersionID})
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	if opts.SourceIfMatch != "" && unquote(opts.SourceIfMatch) != src.ETag {
		return storage.ObjectInfo{}, fmt.Errorf("%w: the source's ETag is %q", storage.ErrPreconditionFailed, src.ETag)
	}
	if src.Size > storage.MaxObjectSize {
		return storage.ObjectInfo{}, storage.ErrEntityTooLarge
	}
	h := http.Header{}
	source := s3Path(srcBucket, srcKey)
	if src.VersionID != storage.NullVersion || opts.SourceVersionID != "" {
		source += "?versionId=" + url.QueryEscape(src.VersionID)
	}
	h["X-Amz-Copy-Source"] = []string{source}
	h["X-Amz-Copy-Source-If-Match"] = []string{quoteETag(src.ETag)}
	md, tags := src.Metadata, src.Tags
	if opts.ReplaceMetadata {
		h["X-Amz-Metadata-Directive"] = []string{"REPLACE"}
		opts.Metadata = writeMetadata(opts.Metadata)
		md = opts.Metadata
	}
	if opts.ReplaceTags {
		h["X-Amz-Tagging-Directive"] = []string{"REPLACE"}
		tags = opts.Tags
	}
	class := opts.StorageClass
	if class == "" {
		class = src.StorageClass
	}
	// Only what is replaced is sent; the upstream copies the rest.
	var sendMD storage.ObjectMetadata
	if opts.ReplaceMetadata {
		sendMD = opts.Metadata
	}
	var sendTags string
	if opts.ReplaceTags {
		sendTags = opts.Tags
	}
	sendClass := class
	if sendClass == storage.DefaultStorageClass && opts.StorageClass == "" {
		sendClass = ""
	}
	if err := setObjectHeaders(h, sendMD, sendTags, sendClass); err != nil {
		return storage.ObjectInfo{}, err
	}
	// The copy gets the settings named, never the source's: S3 copies no retention or legal
	// hold (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html
	// [UNVERIFIED for each upstream]).
	lock, err := setLockHeaders(h, opts.Lock)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	alg := opts.ChecksumAlgorithm
	if alg == "" {
		alg = src.Checksum.Algorithm
	}
	if alg != "" {
		h["X-Amz-Checksum-Algorithm"] = []string{string(alg)}
	}
	if err := b.resolveIfMatchAny(ctx, dstBucket, dstKey, &opts.Conditions, b.credentialsFor(ctx)); err != nil {
		return storage.ObjectInfo{}, err
	}
	setWriteConditions(h, opts.Conditions)
	resp, err := b.client.do(ctx, &request{method: http.MethodPut, bucket: dstBucket, key: dstKey, header: h, creds: b.credentialsFor(ctx), notFound: storage.ErrNoSuchKey})
	if err != nil {
		// The source was read just before, and is pinned by x-amz-copy-source-if-match: a
		// NoSuchKey with If-Match is the destination's.
		return storage.ObjectInfo{}, ifMatchFailed(opts.Conditions, err)
	}
	var result copyResult
	if err := decodeBoundedXML(resp, maxCopyResult, &result); err != nil {
		return storage.ObjectInfo{}, err
	}
	if result.XMLName.Local == "Error" || result.ETag == "" {
		return storage.ObjectInfo{}, &storage.ServiceError{Status: http.StatusInternalServerError, Code: orDefault(result.Code, "InternalError"),
			Message: orDefault(result.Message, "The upstream answered a copy without an ETag.")}
	}
	info := storage.ObjectInfo{
		Bucket: dstBucket, Key: dstKey, Size: src.Size,
		ETag:         unquote(result.ETag),
		LastModified: result.LastModified,
		Metadata:     md,
		StorageClass: class,
		VersionID:    resp.Header.Get("X-Amz-Version-Id"),
		Tags:         tags,
		PartsCount:   src.PartsCount,
		Encryption:   encryptionFromHeader(resp.Header),
		Checksum:     result.checksum(),
		Retention:    lock.Retention, LegalHold: lock.LegalHold, LegalHoldSet: lock.LegalHoldSet,
	}
	if info.VersionID == "" {
		info.VersionID = storage.NullVersion
	}
	if info.Checksum.Value == "" && alg != "" {
		// An answer without the checksum (not every store puts it in CopyObjectResult): the
		// copy's own, as a HEAD of the version made reads it.
		version := ""
		if info.VersionID != storage.NullVersion {
			version = info.VersionID
		}
		hresp, head, err := b.readOnce(ctx, http.MethodHead, dstBucket, dstKey, version, b.credentialsFor(ctx))
		if err != nil {
			return storage.ObjectInfo{}, err
		}
		hresp.Body.Close()
		if head.ETag == info.ETag {
			info.Checksum = head.Checksum
		}
	}
	info.Revision = revision(info.ETag, info.VersionID, info.LastModified)
	b.readDefaultRetention(ctx, &info, b.credentialsFor(ctx))
	return info, nil
}

// copyResult is the CopyObjectResult document
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html), or the Error
// document S3 may answer with 200 when a copy fails after the answer started
// (https://repost.aws/knowledge-center/s3-resolve-200-internalerror).
type copyResult struct {
	XMLName      xml.Name
	ETag         string    `xml:"ETag"`
	LastModified time.Time `xml:"LastModified"`
	ChecksumType string    `xml:"ChecksumType"`
	awsxml.Checksums
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

// maxCopyResult bounds the CopyObjectResult document read.
const maxCopyResult = 64 << 10

func (r *copyResult) checksum() storage.Checksum {
	alg, v := r.Get()
	if alg == "" {
		return storage.Checksum{}
	}
	t := storage.ChecksumType(r.ChecksumType)
	if t == "" {
		t = storage.ChecksumFullObject
	}
	return storage.Checksum{Algorithm: alg, Value: v, Type: t}
}

// PutObjectACL implements storage.Backend. Object ACLs are not kept with this backend
// (refuseWrite): only the bucket owner's ACL is accepted, which every object has, after a
// check that the object exists (HeadObject's errors) and, with IfUnchanged, is still the one
// the change was authorized for.
func (b *Backend) PutObjectACL(ctx context.Context, bucket, key string, opts storage.PutObjectACLOptions) error {
	if err := b.checkBucket(bucket, opts.BucketID); err != nil {
		return err
	}
	if err := refuseWrite(opts.ACL, storage.Encryption{}); err != nil {
		return err
	}
	_, err := b.unchanged(ctx, bucket, key, opts.VersionID, opts.IfUnchanged)
	return err
}

// unchanged reads the object a change names (HeadObject's errors) and, when ifUnchanged is
// set, checks it is still that object: same Revision, Owner, ACL and Tags
// (ErrPreconditionFailed otherwise). The check is not atomic with the change that follows:
// the upstream has no condition on an object's ACL or tags.
func (b *Backend) unchanged(ctx context.Context, bucket, key, versionID string, ifUnchanged *storage.ObjectInfo) (storage.ObjectInfo, error) {
	info, err := b.HeadObject(ctx, bucket, key, storage.ReadOptions{VersionID: versionID, MetadataOnly: true})
	if err != nil {
		return info, err
	}
	if u := ifUnchanged; u != nil && (u.Revision != info.Revision || u.Owner != info.Owner || u.ACL != info.ACL || u.Tags != info.Tags) {
		return info, fmt.Errorf("%w: %q changed since it was read", storage.ErrPreconditionFailed, key)
	}
	return info, nil
}

// PutObjectTags implements storage.Backend: PUT ?tagging (DELETE ?tagging for no tags) with
// versionId. With IfUnchanged, a HEAD first checks the object is still the one read, and the
// change then names its version (when it has an id); the check is not atomic with the change
// (see unchanged).
func (b *Backend) PutObjectTags(ctx context.Context, bucket, key string, opts storage.PutObjectTagsOptions) error {
	if err := b.checkBucket(bucket, opts.BucketID); err != nil {
		return err
	}
	if err := storage.ValidateKey(key); err != nil {
		return err
	}
	set, err := tagging.Decode(opts.Tags)
	if err != nil {
		return err
	}
	versionID := opts.VersionID
	if opts.IfUnchanged != nil {
		info, err := b.unchanged(ctx, bucket, key, versionID, opts.IfUnchanged)
		if err != nil {
			return err
		}
		if versionID == "" && info.VersionID != storage.NullVersion {
			versionID = info.VersionID
		}
	}
	req := &request{method: http.MethodDelete, bucket: bucket, key: key, query: url.Values{"tagging": {""}}, header: http.Header{}, creds: b.credentialsFor(ctx), notFound: storage.ErrNoSuchKey}
	if versionID != "" {
		req.query.Set("versionId", versionID)
	}
	if len(set) > 0 {
		doc, err := xml.Marshal(set.XML())
		if err != nil {
			return err
		}
		// PutObjectTagging requires Content-MD5 or a checksum
		// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html).
		sum := md5.Sum(doc)
		req.method, req.body, req.size = http.MethodPut, bytes.NewReader(doc), int64(len(doc))
		req.header["Content-Md5"] = []string{base64.StdEncoding.EncodeToString(sum[:])}
	}
	return b.changeVersion(ctx, req, bucket, key, versionID, opts.VersionID)
}

// changeVersion sends req, a change of one version's tags, retention or legal hold naming
// versionID ("" for the latest), which the caller named as named, and answers as HeadObject
// would of a delete marker, a missing version or key.
func (b *Backend) changeVersion(ctx context.Context, req *request, bucket, key, versionID, named string) error {
	resp, err := b.client.do(ctx, req)
	if se, ok := errors.AsType[*storage.ServiceError](err); ok && se.Status == http.StatusMethodNotAllowed && versionID == "" {
		// S3 refuses the change of a key whose latest version is a delete marker with 405 and
		// no delete marker headers: a HEAD tells the marker.
		hresp, _, herr := b.readOnce(ctx, http.MethodHead, bucket, key, "", req.creds)
		if herr == nil {
			hresp.Body.Close()
		} else if errors.Is(herr, storage.ErrNoSuchKey) {
			return herr
		}
	}
	if err != nil {
		return b.markerError(ctx, bucket, key, named, req.creds, err)
	}
	resp.Body.Close()
	return nil
}

// putVersionDoc sends the document doc of a version's subresource (retention, legal-hold)
// with its Content-MD5, which S3 requires of both
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectRetention.html,
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectLegalHold.html), and header.
func (b *Backend) putVersionDoc(ctx context.Context, bucket, key, versionID, subresource string, doc any, header http.Header) error {
	if err := storage.ValidateKey(key); err != nil {
		return err
	}
	body, err := xml.Marshal(doc)
	if err != nil {
		return err
	}
	sum := md5.Sum(body)
	header["Content-Md5"] = []string{base64.StdEncoding.EncodeToString(sum[:])}
	header["Content-Type"] = []string{"application/xml"}
	req := &request{method: http.MethodPut, bucket: bucket, key: key, query: url.Values{subresource: {""}}, header: header,
		body: bytes.NewReader(body), size: int64(len(body)), creds: b.credentialsFor(ctx), notFound: storage.ErrNoSuchKey}
	if versionID != "" {
		req.query.Set("versionId", versionID)
	}
	return b.changeVersion(ctx, req, bucket, key, versionID, versionID)
}

// PutObjectRetention implements storage.Backend: PUT ?retention with versionId, and
// x-amz-bypass-governance-retention when the bypass is allowed. The upstream decides, as
// storage.RetentionChangeAllowed says, on the version it keeps; a retention
// storage.Retention.Validate refuses fails here, nothing sent.
func (b *Backend) PutObjectRetention(ctx context.Context, bucket, key string, opts storage.PutObjectRetentionOptions) error {
	if err := b.checkBucket(bucket, opts.BucketID); err != nil {
		return err
	}
	r := opts.Retention
	if err := r.Validate(); err != nil {
		return err
	}
	doc := awsxml.Retention{Mode: string(r.Mode)}
	if !r.IsZero() {
		doc.RetainUntilDate = r.RetainUntil.UTC().Format(lockDateLayout)
	}
	h := http.Header{}
	if opts.BypassGovernance {
		h["X-Amz-Bypass-Governance-Retention"] = []string{"true"}
	}
	return b.putVersionDoc(ctx, bucket, key, opts.VersionID, "retention", doc, h)
}

// PutObjectLegalHold implements storage.Backend: PUT ?legal-hold with versionId.
func (b *Backend) PutObjectLegalHold(ctx context.Context, bucket, key string, opts storage.PutObjectLegalHoldOptions) error {
	if err := b.checkBucket(bucket, opts.BucketID); err != nil {
		return err
	}
	return b.putVersionDoc(ctx, bucket, key, opts.VersionID, "legal-hold", awsxml.LegalHold{Status: awsxml.LegalHoldStatus(opts.On)}, http.Header{})
}

// ListObjectParts implements storage.Backend with a HEAD of the version (the result's
// Object, HeadObject's errors), then GetObjectAttributes of its ObjectParts, pinned to the
// version's id when it has one and checked against its ETag
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html). S3 lists
// the parts of an object whose checksum is COMPOSITE only ("if an additional checksum ...
// isn't applied to the object ..., the response doesn't return the Part element",
// API_GetObjectAttributesParts.html): the parts of any other multipart object are read by a
// HEAD naming each part of the page (headParts: one request per part, up to partReaders at a
// time), which gives its bounds (Content-Range). The listing gives part sizes, not offsets:
// the offset of a page's first part but the first is read with a HEAD naming it. An SSE-C key
// is refused.
func (b *Backend) ListObjectParts(ctx context.Context, bucket, key string, opts storage.ListObjectPartsOptions) (storage.ListObjectPartsResult, error) {
	if opts.CustomerKey != nil {
		return storage.ListObjectPartsResult{}, storage.NotImplementedError("Server-side encryption with customer-provided keys (SSE-C) is not available with the s3 backend.")
	}
	obj, err := b.HeadObject(ctx, bucket, key, storage.ReadOptions{VersionID: opts.VersionID})
	if err != nil {
		return storage.ListObjectPartsResult{}, err
	}
	res := storage.ListObjectPartsResult{Object: obj}
	marker := max(opts.PartNumberMarker, 0)
	if obj.PartsCount == 0 || marker >= obj.PartsCount {
		return res, nil
	}
	creds := b.credentialsFor(ctx)
	req := &request{method: http.MethodGet, bucket: bucket, key: key, query: url.Values{"attributes": {""}},
		header: http.Header{
			"X-Amz-Object-Attributes":  {"ETag,ObjectParts"},
			"X-Amz-Max-Parts":          {strconv.Itoa(min(max(opts.MaxParts, 1), storage.MaxListKeys))},
			"X-Amz-Part-Number-Marker": {strconv.Itoa(marker)},
		},
		creds: creds, notFound: storage.ErrNoSuchKey}
	if obj.VersionID != storage.NullVersion {
		req.query.Set("versionId", obj.VersionID)
	}
	resp, err := b.client.do(ctx, req)
	if err != nil {
		return storage.ListObjectPartsResult{}, b.markerError(ctx, bucket, key, opts.VersionID, creds, err)
	}
	var attrs struct {
		ETag        string `xml:"ETag"`
		ObjectParts *struct {
			IsTruncated bool `xml:"IsTruncated"`
			Parts       []struct {
				PartNumber int   `xml:"PartNumber"`
				Size       int64 `xml:"Size"`
				awsxml.Checksums
			} `xml:"Part"`
		} `xml:"ObjectParts"`
	}
	if err := decodeBoundedXML(resp, maxListingBody, &attrs); err != nil {
		return storage.ListObjectPartsResult{}, err
	}
	if unquote(attrs.ETag) != obj.ETag {
		return storage.ListObjectPartsResult{}, fmt.Errorf("%q was replaced while its parts were read", key)
	}
	if opts.MaxParts > 0 && (attrs.ObjectParts == nil || len(attrs.ObjectParts.Parts) == 0) {
		// S3 lists the parts of an object uploaded with checksums alone
		// (API_GetObjectAttributes.html, ObjectParts); the others' are read one by one.
		return b.headParts(ctx, bucket, key, res, marker, opts.MaxParts, creds)
	}
	if opts.MaxParts <= 0 {
		// No parts, but whether there are more (storage.ListObjectPartsOptions.MaxParts).
		res.IsTruncated = true
		return res, nil
	}
	parts := attrs.ObjectParts.Parts
	var offset int64
	if first := parts[0].PartNumber; first != 1 {
		p, err := b.readPart(ctx, bucket, key, &obj, first, creds)
		if err != nil {
			return storage.ListObjectPartsResult{}, err
		}
		offset = p.Offset
	}
	for _, p := range parts {
		part := storage.ObjectPart{PartNumber: p.PartNumber, Offset: offset, Size: p.Size}
		if alg, v := p.Get(); obj.Checksum.Type == storage.ChecksumComposite && alg == obj.Checksum.Algorithm {
			part.Checksum = v
		}
		res.Parts = append(res.Parts, part)
		res.NextPartNumberMarker = p.PartNumber
		offset += p.Size
	}
	res.IsTruncated = attrs.ObjectParts.IsTruncated
	return res, nil
}

// partReaders bounds the HEADs of parts headParts sends at a time.
const partReaders = 8

// headParts lists the page of res.Object's parts after marker, at most maxParts (capped at
// storage.MaxListKeys), by a HEAD of each part (readPart), up to partReaders at a time, each
// pinned to the object read: for an object whose parts the upstream does not list.
func (b *Backend) headParts(ctx context.Context, bucket, key string, res storage.ListObjectPartsResult, marker, maxParts int, creds *Credentials) (storage.ListObjectPartsResult, error) {
	obj := res.Object
	last := min(obj.PartsCount, marker+min(maxParts, storage.MaxListKeys))
	parts := make([]storage.ObjectPart, last-marker)
	errs := make([]error, len(parts))
	sem := make(chan struct{}, partReaders)
	var wg sync.WaitGroup
	for i := range parts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			parts[i], errs[i] = b.readPart(ctx, bucket, key, &obj, marker+1+i, creds)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		if errors.Is(err, storage.ErrPreconditionFailed) {
			return storage.ListObjectPartsResult{}, fmt.Errorf("%q was replaced while its parts were read", key)
		}
		return storage.ListObjectPartsResult{}, err
	}
	res.Parts, res.IsTruncated = parts, last < obj.PartsCount
	if len(parts) > 0 {
		res.NextPartNumberMarker = last
	}
	return res, nil
}

// digestOf reports whether an expected checksum value, when set, is the base64 of a digest of
// alg: one that is not can match no body, and is the mismatch (ErrBadDigest) the storage
// contract wants, found before the body is sent; an upstream answers such a header with an
// error of its own, or with BadDigest once it has read the body, depending on when it looks.
func digestOf(alg storage.ChecksumAlgorithm, value string) bool {
	if value == "" {
		return true
	}
	_, ok := alg.Decode(value)
	return ok
}

// orDefault is v, or def when v is empty.
func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
