package upstream

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/doorman-s3/doorman/internal/awsxml"
	"github.com/doorman-s3/doorman/storage"
)

// Multipart uploads are the upstream's own: the upload id, the parts and the listings come
// from it, so any node serves any part of any upload. What doorman knows of an upload that
// the upstream cannot keep or does not list (its initiator's and its object owner's canonical
// ids: the upstream's initiator is the upstream identity the request was signed as, which
// means nothing to doorman; the encryption the upstream answered at its creation; its
// initiation date and the tags its object gets, which S3's ListParts does not list; its
// checksum algorithm and type, which UploadPart needs without a ListParts of its own) is kept
// in an upload record in the meta bucket, uploads/<bucket>/<bucket ID>/<upload id>
// (uploadRecordKey), JSON of uploadRecord. The protocol layer lets only an upload's initiator
// upload its parts and complete it, as AWS does
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions),
// and asks ListParts for the initiator first: the record is what answers it, on any node.
//
//   - CreateMultipartUpload writes the record once the upstream has answered with the upload
//     id; when the record cannot be written, it aborts the upload and fails, since an upload
//     without its record would refuse its own initiator.
//   - UploadPart reads it for the upload's checksum algorithm: a part sent without a checksum
//     gets one computed in it (its PartInfo.Checksum, which the completion names), one sent
//     in another algorithm is refused (ErrInvalidChecksum). CompleteMultipartUpload reads
//     it to name each part's checksum in that algorithm, and refuses a COMPOSITE upload's
//     part named without one (storage.MissingPartChecksumError) and an upload without an
//     algorithm's part named with one (ErrInvalidPart) before asking the upstream.
//   - ListParts and ListMultipartUploads read it, after the upstream's answer (which checks
//     that the upload exists, under that key). Records never change, so each node caches
//     those it read or wrote (uploadCache, bounded): an upload's parts cost no extra round
//     trip after the first on a node. An absence is not cached (the record of an upload just
//     created on another node may be written after another node listed the upload).
//   - CompleteMultipartUpload and AbortMultipartUpload delete it once the upstream has
//     answered with success; a failed delete is logged, and leaves an orphan record.
//
// An upload without a record (made on the upstream directly, made in a bucket this node's
// snapshot did not hold yet, or whose record was lost) is reported as initiated by the
// bucket's owner (its snapshot's Owner, Config.AdoptOwner for an adopted bucket), with its
// object owned by the bucket's owner, as every object of this backend is: the bucket owner
// may then finish or abort it, and nobody else can claim it. Its encryption and tags are
// unknown (none reported), its checksum algorithm what the upstream lists (parts of an upload
// with one the upstream does not list must then be sent with their checksums).
//
// An upload that ends on the upstream without doorman (aborted or completed there directly,
// or removed by the upstream's lifecycle rule AbortIncompleteMultipartUpload) leaves its
// record behind, an orphan nothing reads again (the upload id is the upstream's and not
// reused): the sweep (uploadsweep.go) deletes such records, and DeleteBucket its bucket's.

// maxMultipartAnswer bounds the XML answers of CreateMultipartUpload and
// CompleteMultipartUpload, small documents; the whitespace S3 may send ahead of a completion's
// result while it works (API_CompleteMultipartUpload.html) fits well within it.
const maxMultipartAnswer = 1 << 20

// uploadRecord is an upload's record in the meta bucket.
type uploadRecord struct {
	// Key is the upload's object key: a record is used only for the key it was made for.
	Key string `json:"key"`
	// Owner is the initiator's canonical id ("" for an anonymous initiator), ObjectOwner the
	// completed object's owner, as the upload was created with them.
	Owner       string                   `json:"owner"`
	ObjectOwner string                   `json:"objectOwner"`
	Encryption  storage.ObjectEncryption `json:"encryption"`
	// Initiated is the upload's creation date as CreateMultipartUpload reported it.
	Initiated time.Time `json:"initiated"`
	// ChecksumAlgorithm and ChecksumType are the upload's (empty for none), Tags the tags
	// its object gets (the protocol layer's encoding), as it was created with them.
	ChecksumAlgorithm storage.ChecksumAlgorithm `json:"checksumAlgorithm,omitempty"`
	ChecksumType      storage.ChecksumType      `json:"checksumType,omitempty"`
	Tags              string                    `json:"tags,omitempty"`
	// Lock is the Object Lock settings the upload was created with, which the upstream gives
	// its object and lists nowhere.
	Lock storage.ObjectLock `json:"lock,omitzero"`
}

// uploadRecordKey is the meta bucket key of an upload's record. The upload id is the
// upstream's, path-escaped so that it is one segment whatever it holds.
func uploadRecordKey(bucket, bucketID, uploadID string) string {
	return uploadRecordPrefix(bucket, bucketID) + url.PathEscape(uploadID)
}

// uploadRecordPrefix is the meta bucket prefix of a bucket's upload records.
func uploadRecordPrefix(bucket, bucketID string) string {
	return "uploads/" + bucket + "/" + bucketID + "/"
}

// cleanupTimeout bounds what follows an upstream's answer whatever the caller does meanwhile:
// the delete of an ended upload's record, the abort of an upload whose record failed.
const cleanupTimeout = 10 * time.Second

// maxCachedUploads bounds a node's cache of upload records; the oldest entry goes first.
const maxCachedUploads = 10000

// uploadCache holds the upload records a node has read or written, by key, up to
// maxCachedUploads: a ring of the keys in the order they were put drops the oldest.
type uploadCache struct {
	mu   sync.Mutex
	recs map[string]*uploadRecord
	ring []string
	next int
}

func (c *uploadCache) get(key string) *uploadRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.recs[key]
}

func (c *uploadCache) put(key string, r *uploadRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.recs == nil {
		c.recs = map[string]*uploadRecord{}
	}
	if _, ok := c.recs[key]; ok {
		return
	}
	if len(c.ring) < maxCachedUploads {
		c.ring = append(c.ring, key)
	} else {
		// The key put longest ago goes (it may have been dropped already, or put again
		// since: then it goes early, which costs a read).
		delete(c.recs, c.ring[c.next])
		c.ring[c.next] = key
		c.next = (c.next + 1) % maxCachedUploads
	}
	c.recs[key] = r
}

func (c *uploadCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.recs, key)
}

// uploadBucketID is the ID of bucket the upload records are kept under: bucketID when set
// (checkBucket has compared it with the snapshot's), else the snapshot's; "" when the
// snapshot does not hold the bucket.
func (b *Backend) uploadBucketID(bucket, bucketID string) string {
	if bucketID != "" {
		return bucketID
	}
	if st := b.meta.get(bucket); st != nil {
		return st.info.ID
	}
	return ""
}

// putUploadRecord writes the record of a new upload, and caches it.
func (b *Backend) putUploadRecord(ctx context.Context, key string, r *uploadRecord) error {
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := b.putMeta(ctx, key, body); err != nil {
		return err
	}
	b.meta.uploads.put(key, r)
	return nil
}

// uploadRecord returns the record of upload uploadID of key in bucket, nil when it has none
// (or one made for another key, or that does not decode, which is logged).
func (b *Backend) uploadRecord(ctx context.Context, bucket, key, uploadID string) (*uploadRecord, error) {
	id := b.uploadBucketID(bucket, "")
	if id == "" {
		return nil, nil
	}
	rk := uploadRecordKey(bucket, id, uploadID)
	r := b.meta.uploads.get(rk)
	if r == nil {
		o, err := b.getMeta(ctx, rk)
		if errors.Is(err, storage.ErrNoSuchKey) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading the record of upload %s: %w", uploadID, err)
		}
		r = &uploadRecord{}
		if err := json.Unmarshal(o.body, r); err != nil {
			b.log.Error("upstream: an upload record in the meta bucket does not decode; ignored", "key", rk, "error", err)
			return nil, nil
		}
		b.meta.uploads.put(rk, r)
	}
	if r.Key != key {
		b.log.Error("upstream: an upload record names another key; ignored", "key", rk, "recorded", r.Key, "asked", key)
		return nil, nil
	}
	return r, nil
}

// setFromRecord fills in up what the record r keeps (its checksum algorithm and type where
// the upstream listed none), or, without one, the bucket owner as initiator and object owner
// (see the top of this file).
func (b *Backend) setFromRecord(up *storage.UploadInfo, r *uploadRecord) {
	if r != nil {
		up.Owner, up.ObjectOwner, up.Encryption, up.Tags, up.Lock = r.Owner, r.ObjectOwner, r.Encryption, r.Tags, r.Lock
		if !r.Initiated.IsZero() {
			up.Initiated = r.Initiated
		}
		if up.ChecksumAlgorithm == "" {
			up.ChecksumAlgorithm, up.ChecksumType = r.ChecksumAlgorithm, r.ChecksumType
		}
		return
	}
	if st := b.meta.get(up.Bucket); st != nil {
		up.Owner, up.ObjectOwner = st.info.Owner, st.info.Owner
	}
}

// deleteUploadRecord deletes the record of an upload the upstream has completed or aborted;
// a failure is logged, and leaves an orphan record.
func (b *Backend) deleteUploadRecord(ctx context.Context, bucket, bucketID, uploadID string) {
	id := b.uploadBucketID(bucket, bucketID)
	if id == "" {
		return
	}
	rk := uploadRecordKey(bucket, id, uploadID)
	b.meta.uploads.drop(rk)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if err := b.deleteMeta(ctx, rk); err != nil {
		b.log.Warn("upstream: deleting the record of an upload that ended; it stays, an orphan", "key", rk, "error", err)
	}
}

// refuseUploadSettings fails with ErrNotImplemented for the settings of a new upload this
// backend does not pass on.
func refuseUploadSettings(opts *storage.CreateMultipartUploadOptions) error {
	switch {
	case opts.ACL != "" && opts.ACL != storage.DefaultACL:
		return storage.NotImplementedError("Object ACLs are not available with the s3 backend.")
	case opts.Encryption.CustomerKey != nil:
		return storage.NotImplementedError("Server-side encryption with customer-provided keys is not available with the s3 backend.")
	case opts.Encryption.Algorithm == storage.SSEKMS:
		return storage.NotImplementedError("Server-side encryption with KMS keys is not available with the s3 backend.")
	}
	return nil
}

// uploadQuery is the query naming an upload.
func uploadQuery(uploadID string) url.Values { return url.Values{"uploadId": {uploadID}} }

// CreateMultipartUpload implements storage.Backend: POST ?uploads. SSE-S3 (SSEAES256) is
// the upstream's own business and nothing is sent for it; the upload's Encryption is what the
// upstream answers. The initiator and object owner (doorman's canonical ids) and that
// encryption go to the upload's record, written after the upstream's answer (see the top of
// this file); when it cannot be written, the upload is aborted and the call fails.
func (b *Backend) CreateMultipartUpload(ctx context.Context, bucket, key string, opts storage.CreateMultipartUploadOptions) (storage.UploadInfo, error) {
	if err := b.checkBucket(bucket, opts.BucketID); err != nil {
		return storage.UploadInfo{}, err
	}
	if err := refuseUploadSettings(&opts); err != nil {
		return storage.UploadInfo{}, err
	}
	h := http.Header{}
	opts.Metadata = writeMetadata(opts.Metadata)
	if err := setObjectHeaders(h, opts.Metadata, opts.Tags, opts.StorageClass); err != nil {
		return storage.UploadInfo{}, err
	}
	lock, err := setLockHeaders(h, opts.Lock)
	if err != nil {
		return storage.UploadInfo{}, err
	}
	if err := checkUploadChecksum(opts.ChecksumAlgorithm, opts.ChecksumType); err != nil {
		return storage.UploadInfo{}, err
	}
	if opts.ChecksumAlgorithm != "" {
		// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html
		h["X-Amz-Checksum-Algorithm"] = []string{string(opts.ChecksumAlgorithm)}
		if opts.ChecksumType != "" {
			h["X-Amz-Checksum-Type"] = []string{string(opts.ChecksumType)}
		}
	}
	resp, err := b.client.do(ctx, &request{method: http.MethodPost, bucket: bucket, key: key,
		query: url.Values{"uploads": {""}}, header: h, creds: b.credentialsFor(ctx)})
	if err != nil {
		return storage.UploadInfo{}, err
	}
	var out struct {
		UploadID string `xml:"UploadId"`
	}
	if err := decodeBoundedXML(resp, maxMultipartAnswer, &out); err != nil {
		return storage.UploadInfo{}, err
	}
	if out.UploadID == "" {
		return storage.UploadInfo{}, errors.New("upstream CreateMultipartUpload answered no upload id")
	}
	up := storage.UploadInfo{Bucket: bucket, Key: key, UploadID: out.UploadID, Initiated: responseDate(resp, b.cfg.Now),
		Metadata: opts.Metadata, ACL: opts.ACL, StorageClass: opts.StorageClass, Owner: opts.Owner, ObjectOwner: opts.ObjectOwner,
		ChecksumAlgorithm: opts.ChecksumAlgorithm, ChecksumType: opts.ChecksumType, Tags: opts.Tags,
		Encryption: encryptionFromHeader(resp.Header), Lock: lock}
	if up.ObjectOwner == "" {
		up.ObjectOwner = up.Owner
	}
	if up.ChecksumAlgorithm != "" {
		if t := resp.Header.Get("X-Amz-Checksum-Type"); t != "" {
			up.ChecksumType = storage.ChecksumType(t)
		} else if up.ChecksumType == "" {
			up.ChecksumType = defaultChecksumType(up.ChecksumAlgorithm)
		}
	}
	if id := b.uploadBucketID(bucket, opts.BucketID); id != "" {
		rec := &uploadRecord{Key: key, Owner: up.Owner, ObjectOwner: up.ObjectOwner, Encryption: up.Encryption,
			Initiated: up.Initiated, ChecksumAlgorithm: up.ChecksumAlgorithm, ChecksumType: up.ChecksumType, Tags: up.Tags, Lock: up.Lock}
		if err := b.putUploadRecord(ctx, uploadRecordKey(bucket, id, up.UploadID), rec); err != nil {
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
			defer cancel()
			if aerr := b.abortUpstream(actx, bucket, key, up.UploadID); aerr != nil {
				b.log.Warn("upstream: aborting an upload whose record could not be written", "bucket", bucket, "key", key,
					"upload", up.UploadID, "error", aerr)
			}
			return storage.UploadInfo{}, err
		}
	}
	return up, nil
}

// defaultChecksumType is the checksum type of an upload created with alg and no type
// (storage.CreateMultipartUploadOptions.ChecksumType).
func defaultChecksumType(alg storage.ChecksumAlgorithm) storage.ChecksumType {
	if alg == storage.ChecksumCRC64NVME {
		return storage.ChecksumFullObject
	}
	return storage.ChecksumComposite
}

// checkUploadChecksum fails with ErrInvalidChecksum for an upload's checksum algorithm and
// type S3 refuses: an unknown algorithm or type, a type without an algorithm, a SHA
// algorithm with FULL_OBJECT, CRC64NVME with COMPOSITE
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity-upload.html).
func checkUploadChecksum(alg storage.ChecksumAlgorithm, typ storage.ChecksumType) error {
	switch {
	case alg == "" && typ != "":
		return fmt.Errorf("%w: a checksum type without an algorithm", storage.ErrInvalidChecksum)
	case alg != "" && !alg.Valid():
		return fmt.Errorf("%w: algorithm %q", storage.ErrInvalidChecksum, alg)
	case typ != "" && typ != storage.ChecksumComposite && typ != storage.ChecksumFullObject:
		return fmt.Errorf("%w: checksum type %q", storage.ErrInvalidChecksum, typ)
	case typ == storage.ChecksumFullObject && (alg == storage.ChecksumSHA1 || alg == storage.ChecksumSHA256),
		typ == storage.ChecksumComposite && alg == storage.ChecksumCRC64NVME:
		return fmt.Errorf("%w: %s does not support the %s checksum type", storage.ErrInvalidChecksum, alg, typ)
	}
	return nil
}

// responseDate is the Date of an upstream answer, else now.
func responseDate(resp *http.Response, now func() time.Time) time.Time {
	if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		return t.UTC()
	}
	if now == nil {
		now = time.Now
	}
	return now().UTC()
}

// UploadPart implements storage.Backend: PUT ?partNumber&uploadId, its body streamed with
// Content-Length (a body of unknown length spooled first, as PutObject's). Content-MD5 and a
// checksum given as a header go upstream, which verifies them; a checksum that comes in a trailer is computed here as the body streams and compared
// at its end (storage.UploadPartOptions.TrailingChecksum), and the upstream gets none (it
// computes the part's checksum itself for an upload created with an algorithm, as S3 does:
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity-upload.html
// [UNVERIFIED] for other upstreams than doorman's own). The upload's algorithm comes from its
// record (see the top of this file): a part declared in another is refused here, and one sent
// without a checksum gets its checksum computed in it as it streams, reported in PartInfo.
func (b *Backend) UploadPart(ctx context.Context, bucket, key, uploadID string, partNumber int, r io.Reader, opts storage.UploadPartOptions) (storage.PartInfo, error) {
	if err := b.checkBucket(bucket, opts.BucketID); err != nil {
		return storage.PartInfo{}, err
	}
	switch {
	case opts.CustomerKey != nil:
		return storage.PartInfo{}, storage.NotImplementedError("Server-side encryption with customer-provided keys is not available with the s3 backend.")
	case partNumber < 1 || partNumber > storage.MaxPartNumber:
		return storage.PartInfo{}, fmt.Errorf("%w: %d", storage.ErrInvalidPartNumber, partNumber)
	case opts.Size > storage.MaxObjectSize:
		return storage.PartInfo{}, storage.ErrEntityTooLarge
	case opts.ChecksumAlgorithm != "" && !opts.ChecksumAlgorithm.Valid():
		return storage.PartInfo{}, fmt.Errorf("%w: %q", storage.ErrInvalidChecksum, opts.ChecksumAlgorithm)
	}
	rec, err := b.uploadRecord(ctx, bucket, key, uploadID)
	if err != nil {
		return storage.PartInfo{}, err
	}
	alg := opts.ChecksumAlgorithm
	if rec != nil && rec.ChecksumAlgorithm != "" {
		if alg != "" && alg != rec.ChecksumAlgorithm {
			return storage.PartInfo{}, fmt.Errorf("%w: a %s checksum for a part of an upload created with %s", storage.ErrInvalidChecksum, alg, rec.ChecksumAlgorithm)
		}
		alg = rec.ChecksumAlgorithm
	}
	if alg == "" && opts.ChecksumValue != "" {
		return storage.PartInfo{}, fmt.Errorf("%w: checksum value without algorithm", storage.ErrInvalidChecksum)
	}
	if !digestOf(alg, opts.ChecksumValue) {
		return storage.PartInfo{}, &storage.ChecksumMismatchError{Algorithm: alg}
	}
	if opts.Size < 0 {
		s, err := b.spool(r)
		if err != nil {
			return storage.PartInfo{}, err
		}
		defer s.Close()
		r, opts.Size = s, s.size
	}
	h := http.Header{}
	if opts.ContentMD5 != nil {
		h["Content-Md5"] = []string{base64.StdEncoding.EncodeToString(opts.ContentMD5)}
	}
	// The checksum given in a header is the upstream's to verify; one that comes in a trailer
	// is verified here, against the one computed as the body streams.
	body := &verifier{r: r, size: opts.Size, want: storage.Checksum{Algorithm: alg}, trailing: opts.TrailingChecksum}
	if opts.ChecksumValue != "" {
		h[checksumHeader(alg)] = []string{opts.ChecksumValue}
	} else if alg != "" {
		body.sum = alg.New()
	}
	q := uploadQuery(uploadID)
	q.Set("partNumber", strconv.Itoa(partNumber))
	resp, err := b.client.do(ctx, &request{method: http.MethodPut, bucket: bucket, key: key, query: q, header: h,
		body: holdBack(body), size: opts.Size, creds: b.credentialsFor(ctx)})
	if err := body.failure(); err != nil {
		// The body failed: the upstream got it short, and stored nothing.
		if resp != nil {
			resp.Body.Close()
		}
		return storage.PartInfo{}, err
	}
	if err != nil {
		return storage.PartInfo{}, err
	}
	resp.Body.Close()
	part := storage.PartInfo{PartNumber: partNumber, ETag: unquote(resp.Header.Get("Etag")), Size: opts.Size,
		LastModified: responseDate(resp, b.cfg.Now), Checksum: body.result()}
	if part.ETag == "" {
		return storage.PartInfo{}, errors.New("upstream UploadPart answered no ETag")
	}
	if alg != "" {
		if v := resp.Header.Get(checksumHeader(alg)); v != "" {
			part.Checksum = v
		} else if part.Checksum == "" {
			part.Checksum = opts.ChecksumValue
		}
	} else {
		// The upload's own algorithm, when the upstream answers the part's checksum in it.
		part.Checksum = checksumFromHeader(resp.Header).Value
	}
	return part, nil
}

// checksumHeader is the x-amz-checksum-* header of alg.
func checksumHeader(alg storage.ChecksumAlgorithm) string {
	return "X-Amz-Checksum-" + strings.ToLower(string(alg))
}

// xmlCompletePart is a Part of a CompleteMultipartUpload document
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompletedPart.html).
type xmlCompletePart struct {
	PartNumber int    `xml:"PartNumber"`
	ETag       string `xml:"ETag"`
	awsxml.Checksums
}

type xmlCompleteUpload struct {
	XMLName xml.Name          `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CompleteMultipartUpload"`
	Parts   []xmlCompletePart `xml:"Part"`
}

// xmlCompleteAnswer is what a completion answers with status 200: its result
// (CompleteMultipartUploadResult), or an error S3 found after it had sent its status
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html: "a 200 OK
// response can contain either a success or an error"), told apart by XMLName.
type xmlCompleteAnswer struct {
	XMLName      xml.Name
	ETag         string `xml:"ETag"`
	ChecksumType string `xml:"ChecksumType"`
	awsxml.Checksums
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

// CompleteMultipartUpload implements storage.Backend: POST ?uploadId with the parts, their
// ETags quoted and their checksums in the upload's algorithm. The upstream checks the parts,
// their order and sizes, the conditions (If-Match, If-None-Match) and the object's checksum;
// once it has made the object, the upload's record is deleted, and the object is read back with
// a HEAD of the version made, for what the answer lacks (size, date, metadata). Completing
// again an upload that completed is answered as the upstream answers it: doorman's own store
// and AWS (for a while) answer with the object made, MinIO with NoSuchUpload [UNVERIFIED for
// Ceph]. The object's Upload is left empty, as HeadObject leaves it: the upstream keeps no
// trace of the upload that made an object (storage.ObjectInfo.Upload).
func (b *Backend) CompleteMultipartUpload(ctx context.Context, bucket, key, uploadID string, parts []storage.CompletedPart, opts storage.CompleteMultipartUploadOptions) (storage.ObjectInfo, error) {
	if err := b.checkBucket(bucket, opts.BucketID); err != nil {
		return storage.ObjectInfo{}, err
	}
	if opts.CustomerKey != nil {
		return storage.ObjectInfo{}, storage.NotImplementedError("Server-side encryption with customer-provided keys is not available with the s3 backend.")
	}
	if len(parts) == 0 {
		return storage.ObjectInfo{}, fmt.Errorf("%w: a completion names at least one part", storage.ErrInvalidPart)
	}
	if c := opts.Checksum; c.Algorithm != "" && !c.Algorithm.Valid() {
		return storage.ObjectInfo{}, fmt.Errorf("%w: %q", storage.ErrInvalidChecksum, c.Algorithm)
	}
	creds := b.credentialsFor(ctx)
	rec, err := b.uploadRecord(ctx, bucket, key, uploadID)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	var alg storage.ChecksumAlgorithm
	if rec != nil {
		alg, err = recordedPartChecksums(rec, parts, opts.Checksum)
	} else {
		alg, err = b.partChecksumAlgorithm(ctx, bucket, key, uploadID, parts, opts.Checksum.Algorithm, creds)
	}
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	doc := xmlCompleteUpload{Parts: make([]xmlCompletePart, len(parts))}
	for i, p := range parts {
		doc.Parts[i] = xmlCompletePart{PartNumber: p.PartNumber, ETag: `"` + unquote(p.ETag) + `"`}
		doc.Parts[i].Set(alg, p.Checksum)
	}
	body, err := xml.Marshal(doc)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	h := http.Header{"Content-Type": {"application/xml"}}
	if err := b.resolveIfMatchAny(ctx, bucket, key, &opts.Conditions, b.credentialsFor(ctx)); err != nil {
		return storage.ObjectInfo{}, err
	}
	if c := opts.Conditions; c.IfMatch != "" {
		h["If-Match"] = []string{`"` + unquote(c.IfMatch) + `"`}
	}
	if opts.Conditions.IfNoneMatch {
		h["If-None-Match"] = []string{"*"}
	}
	if c := opts.Checksum; c.Algorithm != "" {
		h[checksumHeader(c.Algorithm)] = []string{c.Value}
	}
	if opts.Checksum.Type != "" {
		h["X-Amz-Checksum-Type"] = []string{string(opts.Checksum.Type)}
	}
	resp, err := b.client.do(ctx, &request{method: http.MethodPost, bucket: bucket, key: key, query: uploadQuery(uploadID),
		header: h, body: bytes.NewReader(body), size: int64(len(body)), creds: creds})
	if err != nil {
		return storage.ObjectInfo{}, ifMatchFailed(opts.Conditions, err)
	}
	var out xmlCompleteAnswer
	if err := decodeBoundedXML(resp, maxMultipartAnswer, &out); err != nil {
		return storage.ObjectInfo{}, err
	}
	if out.XMLName.Local == "Error" {
		return storage.ObjectInfo{}, completionError(out.Code, out.Message)
	}
	info := storage.ObjectInfo{Bucket: bucket, Key: key, ETag: unquote(out.ETag), VersionID: resp.Header.Get("X-Amz-Version-Id"),
		PartsCount: len(parts), Encryption: encryptionFromHeader(resp.Header)}
	if info.VersionID == "" {
		info.VersionID = storage.NullVersion
	}
	if a, v := out.Get(); a != "" {
		info.Checksum = storage.Checksum{Algorithm: a, Value: v, Type: storage.ChecksumType(out.ChecksumType)}
	}
	q := url.Values{}
	if info.VersionID != storage.NullVersion {
		q.Set("versionId", info.VersionID)
	}
	b.deleteUploadRecord(ctx, bucket, opts.BucketID, uploadID)
	head, err := b.client.do(ctx, &request{method: http.MethodHead, bucket: bucket, key: key, query: q,
		header: http.Header{"If-Match": {`"` + info.ETag + `"`}, "X-Amz-Checksum-Mode": {"ENABLED"}}, creds: creds,
		notFound: storage.ErrNoSuchKey})
	if err != nil {
		// The object was made; what the HEAD would add is missing (another write replaced
		// it already, or the identity may not read it).
		b.log.Debug("upstream HEAD after CompleteMultipartUpload failed", "bucket", bucket, "key", key, "error", err)
		return info, nil
	}
	head.Body.Close()
	full, err := objectInfoFromHeader(bucket, key, head.Header)
	if err == nil && tagCount(head.Header) > 0 {
		// The tags the upload was created with (x-amz-tagging), which the object keeps.
		full.Tags, err = b.getTags(ctx, bucket, key, head.Header.Get("X-Amz-Version-Id"), creds)
	}
	if err != nil {
		return info, err
	}
	if full.Checksum.Algorithm == "" {
		full.Checksum = info.Checksum
	}
	return full, nil
}

// recordedPartChecksums checks the parts' checksums a completion names against the upload's
// record, and returns their algorithm, the upload's: a COMPOSITE upload needs every part's
// (storage.MissingPartChecksumError), an upload without an algorithm has none to name
// (ErrInvalidPart), and can have only a FULL_OBJECT CRC checked
// (storage.CompleteMultipartUploadOptions.Checksum; ErrInvalidChecksum).
func recordedPartChecksums(rec *uploadRecord, parts []storage.CompletedPart, want storage.Checksum) (storage.ChecksumAlgorithm, error) {
	for _, p := range parts {
		switch {
		case rec.ChecksumAlgorithm == "" && p.Checksum != "":
			return "", fmt.Errorf("%w: part %d names a checksum, and the upload has no checksum algorithm", storage.ErrInvalidPart, p.PartNumber)
		case rec.ChecksumType == storage.ChecksumComposite && p.Checksum == "":
			return "", &storage.MissingPartChecksumError{Algorithm: rec.ChecksumAlgorithm, PartNumber: p.PartNumber}
		}
	}
	if rec.ChecksumAlgorithm == "" && want.Algorithm != "" {
		switch {
		case want.Algorithm != storage.ChecksumCRC32 && want.Algorithm != storage.ChecksumCRC32C && want.Algorithm != storage.ChecksumCRC64NVME,
			want.Type == storage.ChecksumComposite, strings.Contains(want.Value, "-"):
			return "", fmt.Errorf("%w: an upload without a checksum algorithm can have only a full-object CRC checked", storage.ErrInvalidChecksum)
		}
	}
	return rec.ChecksumAlgorithm, nil
}

// partChecksumAlgorithm is the algorithm of the parts' checksums a completion of an upload
// without a record names: the object's expected checksum's, else the upload's as the upstream
// lists it. S3's document
// names each part's checksum by its algorithm, which a CompletedPart does not carry.
func (b *Backend) partChecksumAlgorithm(ctx context.Context, bucket, key, uploadID string, parts []storage.CompletedPart, want storage.ChecksumAlgorithm, creds *Credentials) (storage.ChecksumAlgorithm, error) {
	named := false
	for _, p := range parts {
		named = named || p.Checksum != ""
	}
	if !named || want != "" {
		return want, nil
	}
	page, err := b.listParts(ctx, bucket, key, uploadID, storage.MaxPartNumber, 1, creds)
	if errors.Is(err, storage.ErrNoSuchUpload) {
		// An upload that ended (a completion sent again): the completion goes upstream
		// without the parts' checksums, and the upstream answers it, with the object the
		// upload made or NoSuchUpload.
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if page.ChecksumAlgorithm == "" {
		return "", storage.NotImplementedError("Part checksums in CompleteMultipartUpload are not available with the s3 backend when the upstream does not list the upload's checksum algorithm.")
	}
	return storage.ChecksumAlgorithm(page.ChecksumAlgorithm), nil
}

// completionError is the error of an Error document a completion answered with status 200:
// a storage sentinel where its code maps to one, as for an error answer (codeErrors), the
// upstream's own error otherwise, with the status S3 gives an internal error.
func completionError(code, message string) error {
	if sentinel, ok := codeErrors[code]; ok {
		return fmt.Errorf("%w: upstream: %s", sentinel, message)
	}
	return &storage.ServiceError{Status: http.StatusInternalServerError, Code: code, Message: message}
}

// AbortMultipartUpload implements storage.Backend: DELETE ?uploadId, then the delete of the
// upload's record.
func (b *Backend) AbortMultipartUpload(ctx context.Context, bucket, key, uploadID string) error {
	if err := b.checkBucket(bucket, ""); err != nil {
		return err
	}
	if err := b.abortUpstream(ctx, bucket, key, uploadID); err != nil {
		return err
	}
	b.deleteUploadRecord(ctx, bucket, "", uploadID)
	return nil
}

// abortUpstream aborts an upload on the upstream, signed as the caller.
func (b *Backend) abortUpstream(ctx context.Context, bucket, key, uploadID string) error {
	resp, err := b.client.do(ctx, &request{method: http.MethodDelete, bucket: bucket, key: key, query: uploadQuery(uploadID),
		creds: b.credentialsFor(ctx), notFound: storage.ErrNoSuchUpload})
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// xmlListParts is the upstream's ListPartsResult
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html).
type xmlListParts struct {
	StorageClass         string `xml:"StorageClass"`
	ChecksumAlgorithm    string `xml:"ChecksumAlgorithm"`
	ChecksumType         string `xml:"ChecksumType"`
	IsTruncated          bool   `xml:"IsTruncated"`
	NextPartNumberMarker int    `xml:"NextPartNumberMarker"`
	Parts                []struct {
		PartNumber   int    `xml:"PartNumber"`
		LastModified string `xml:"LastModified"`
		ETag         string `xml:"ETag"`
		Size         int64  `xml:"Size"`
		awsxml.Checksums
	} `xml:"Part"`
}

// listParts reads one page of the upstream's ListParts.
func (b *Backend) listParts(ctx context.Context, bucket, key, uploadID string, marker, size int, creds *Credentials) (*xmlListParts, error) {
	q := uploadQuery(uploadID)
	q.Set("max-parts", strconv.Itoa(size))
	if marker > 0 {
		q.Set("part-number-marker", strconv.Itoa(marker))
	}
	resp, err := b.client.do(ctx, &request{method: http.MethodGet, bucket: bucket, key: key, query: q, creds: creds,
		notFound: storage.ErrNoSuchUpload})
	if err != nil {
		return nil, err
	}
	var page xmlListParts
	if err := decodeBoundedXML(resp, maxListingBody, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// ListParts implements storage.Backend with the upstream's ListParts. The upload it reports
// has what the upstream lists of it (storage class, checksum algorithm and type), and its
// initiator, object owner and encryption from its record (read after the upstream's answer,
// from this node's cache when it holds it; see the top of this file).
func (b *Backend) ListParts(ctx context.Context, bucket, key, uploadID string, opts storage.ListPartsOptions) (storage.ListPartsResult, error) {
	var res storage.ListPartsResult
	if err := b.checkBucket(bucket, ""); err != nil {
		return res, err
	}
	page, err := b.listParts(ctx, bucket, key, uploadID, opts.PartNumberMarker, pageSize(opts.MaxParts), b.credentialsFor(ctx))
	if err != nil {
		return res, err
	}
	rec, err := b.uploadRecord(ctx, bucket, key, uploadID)
	if err != nil {
		return res, err
	}
	res.Upload = storage.UploadInfo{Bucket: bucket, Key: key, UploadID: uploadID, StorageClass: page.StorageClass,
		ChecksumAlgorithm: storage.ChecksumAlgorithm(page.ChecksumAlgorithm), ChecksumType: storage.ChecksumType(page.ChecksumType)}
	b.setFromRecord(&res.Upload, rec)
	if opts.MaxParts <= 0 {
		res.IsTruncated = page.IsTruncated || len(page.Parts) > 0
		return res, nil
	}
	for _, p := range page.Parts {
		t, err := parseListTime(p.LastModified)
		if err != nil {
			return storage.ListPartsResult{}, err
		}
		_, sum := p.Get()
		res.Parts = append(res.Parts, storage.PartInfo{PartNumber: p.PartNumber, ETag: unquote(p.ETag), Size: p.Size,
			LastModified: t, Checksum: sum})
		// The last part listed, as S3's NextPartNumberMarker (API_ListParts.html), whether or
		// not the page is truncated.
		res.NextPartNumberMarker = p.PartNumber
	}
	if res.IsTruncated = page.IsTruncated; res.IsTruncated && page.NextPartNumberMarker > res.NextPartNumberMarker {
		res.NextPartNumberMarker = page.NextPartNumberMarker
	}
	return res, nil
}

// recordReaders bounds the upload records one listing reads at a time.
const recordReaders = 8

// setListedOwners fills in each upload what its record keeps (setUploadOwners).
func (b *Backend) setListedOwners(ctx context.Context, ups []storage.UploadInfo) error {
	errs := make([]error, len(ups))
	sem := make(chan struct{}, recordReaders)
	var wg sync.WaitGroup
	for i := range ups {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			rec, err := b.uploadRecord(ctx, ups[i].Bucket, ups[i].Key, ups[i].UploadID)
			if err == nil {
				b.setFromRecord(&ups[i], rec)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// xmlListUploads is the upstream's ListMultipartUploadsResult
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html).
type xmlListUploads struct {
	IsTruncated        bool   `xml:"IsTruncated"`
	EncodingType       string `xml:"EncodingType"`
	NextKeyMarker      string `xml:"NextKeyMarker"`
	NextUploadIDMarker string `xml:"NextUploadIdMarker"`
	Uploads            []struct {
		Key               string `xml:"Key"`
		UploadID          string `xml:"UploadId"`
		StorageClass      string `xml:"StorageClass"`
		Initiated         string `xml:"Initiated"`
		ChecksumAlgorithm string `xml:"ChecksumAlgorithm"`
		ChecksumType      string `xml:"ChecksumType"`
	} `xml:"Upload"`
	CommonPrefixes []xmlCommonPrefix `xml:"CommonPrefixes"`
}

// ListMultipartUploads implements storage.Backend with the upstream's ListMultipartUploads;
// markers are passed through. Each upload's initiator, object owner and encryption come from
// its record, as in ListParts: the records this node does not cache are read, up to
// recordReaders at a time.
func (b *Backend) ListMultipartUploads(ctx context.Context, bucket string, opts storage.ListUploadsOptions) (storage.ListUploadsResult, error) {
	var res storage.ListUploadsResult
	if err := b.checkBucket(bucket, ""); err != nil {
		return res, err
	}
	var page xmlListUploads
	err := b.listPage(ctx, bucket, url.Values{"uploads": {""}, "max-uploads": {strconv.Itoa(pageSize(opts.MaxUploads))}},
		map[string]string{"prefix": opts.Prefix, "delimiter": opts.Delimiter,
			"key-marker": opts.KeyMarker, "upload-id-marker": opts.UploadIDMarker}, &page)
	if err != nil {
		return res, err
	}
	for _, u := range page.Uploads {
		k, err := listValue(page.EncodingType, u.Key)
		if err != nil {
			return storage.ListUploadsResult{}, err
		}
		t, err := parseListTime(u.Initiated)
		if err != nil {
			return storage.ListUploadsResult{}, err
		}
		res.Uploads = append(res.Uploads, storage.UploadInfo{Bucket: bucket, Key: k, UploadID: u.UploadID, Initiated: t,
			StorageClass: u.StorageClass, ChecksumAlgorithm: storage.ChecksumAlgorithm(u.ChecksumAlgorithm),
			ChecksumType: storage.ChecksumType(u.ChecksumType)})
	}
	if res.CommonPrefixes, err = listPrefixes(page.EncodingType, page.CommonPrefixes); err != nil {
		return storage.ListUploadsResult{}, err
	}
	if opts.MaxUploads <= 0 {
		return storage.ListUploadsResult{IsTruncated: page.IsTruncated || len(res.Uploads)+len(res.CommonPrefixes) > 0}, nil
	}
	if err := b.setListedOwners(ctx, res.Uploads); err != nil {
		return storage.ListUploadsResult{}, err
	}
	if res.IsTruncated = page.IsTruncated; res.IsTruncated {
		if res.NextKeyMarker, err = listValue(page.EncodingType, page.NextKeyMarker); err != nil {
			return storage.ListUploadsResult{}, err
		}
		res.NextUploadIDMarker = page.NextUploadIDMarker
	}
	return res, nil
}
