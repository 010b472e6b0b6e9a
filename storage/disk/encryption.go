package disk

import (
	"encoding/hex"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/doorman-s3/doorman/sse"
	"github.com/doorman-s3/doorman/storage"
)

// Server-side encryption (see storage/encryption.go and package sse): every encrypted object
// and upload has a data key of its own, kept in its record sealed by a master key of the
// keyring (SSE-S3, SSE-KMS) or by the customer's key (SSE-C), and bound to the data file's id
// (an upload's, to the upload's id) and, for SSE-KMS, to its encryption context, so that a
// sealed key copied into another record, or a context changed in its record, opens nothing. The data file holds the sealed segments (sse.Sealer); the record keeps the size,
// MD5 and checksums of the plaintext.

// The kinds of encryptionRecord.Kind.
const (
	kindS3       = "s3"
	kindKMS      = "kms"
	kindCustomer = "customer"
)

// encryptionRecord is how a data file, or the parts of an upload, are sealed.
type encryptionRecord struct {
	Kind string `json:"kind"`
	// KeyID and Box are the sealed data key (sse.Sealed); KeyID is absent for SSE-C.
	KeyID string `json:"keyId,omitempty"`
	Box   []byte `json:"box"`
	// KMSKey is the ARN of the KMS key of SSE-KMS.
	KMSKey    string `json:"kmsKey,omitempty"`
	Context   string `json:"context,omitempty"`
	BucketKey bool   `json:"bucketKey,omitempty"`
	// Bound is what the sealed key is bound to when it is not the data file's id: the upload
	// id, for an SSE-C upload completed without its key (which alone could bind it again).
	Bound string `json:"bound,omitempty"`
	// Segments are the data file's segments, in order; absent when SegmentsAside keeps them
	// beside the record, in segments/ under the data file's id, as for part checksums: an
	// object of 10,000 parts has as many segments.
	Segments      []segmentRecord `json:"segments,omitempty"`
	SegmentsAside bool            `json:"segmentsAside,omitempty"`
}

// segmentRecord is a stored sse.Segment: its id in hex, its plaintext size.
type segmentRecord struct {
	ID   string `json:"id"`
	Size int64  `json:"size"`
}

// public is what reads report of the encryption.
func (e *encryptionRecord) public() storage.ObjectEncryption {
	if e == nil {
		return storage.ObjectEncryption{}
	}
	enc := storage.ObjectEncryption{KMSKeyID: e.KMSKey, KMSContext: e.Context, BucketKeyEnabled: e.BucketKey, Customer: e.Kind == kindCustomer}
	switch e.Kind {
	case kindS3:
		enc.Algorithm = storage.SSEAES256
	case kindKMS:
		enc.Algorithm = storage.SSEKMS
	}
	return enc
}

// dataKey is an open data key and how it is sealed.
type dataKey struct {
	// how is the sealing's record without its sealed key and segments.
	how encryptionRecord
	dek sse.Key
	// customer is the SSE-C key that seals dek.
	customer []byte
}

// newDataKey draws the data key of a write encrypted as e says: nil for none. It fails with
// ErrInvalidEncryption for settings e.Validate refuses, and ErrUnknownKMSKey for a KMS key
// the keyring does not have; it creates the default KMS key on its first use.
func (s *Store) newDataKey(e storage.Encryption) (*dataKey, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	var how encryptionRecord
	switch {
	case e.CustomerKey != nil:
		how.Kind = kindCustomer
	case e.Algorithm == storage.SSEAES256:
		how = encryptionRecord{Kind: kindS3, BucketKey: e.BucketKeyEnabled}
	case e.Algorithm == storage.SSEKMS:
		key, err := s.kmsKey(e.KMSKeyID)
		if err != nil {
			return nil, err
		}
		how = encryptionRecord{Kind: kindKMS, KMSKey: key.ARN, Context: e.KMSContext, BucketKey: e.BucketKeyEnabled}
	default:
		return nil, nil
	}
	dek, err := sse.NewKey()
	if err != nil {
		return nil, err
	}
	return &dataKey{how: how, dek: dek, customer: e.CustomerKey}, nil
}

// openDataKey opens the data key e seals, bound to aad, with the customer's key for SSE-C:
// nil for no encryption. It fails with ErrCustomerKeyRequired, ErrCustomerKeyMismatch or
// ErrCustomerKeyNotApplicable as the storage.ReadOptions.CustomerKey rules say.
func (s *Store) openDataKey(e *encryptionRecord, aad string, customer []byte) (*dataKey, error) {
	isCustomer := e != nil && e.Kind == kindCustomer
	switch {
	case !isCustomer && customer != nil:
		return nil, storage.ErrCustomerKeyNotApplicable
	case e == nil:
		return nil, nil
	case isCustomer && customer == nil:
		return nil, storage.ErrCustomerKeyRequired
	case isCustomer && len(customer) != sse.KeySize:
		return nil, storage.ErrCustomerKeyMismatch
	}
	d := &dataKey{how: *e, customer: customer}
	d.how.Box, d.how.KeyID, d.how.Bound, d.how.Segments, d.how.SegmentsAside = nil, "", "", nil, false
	var err error
	if isCustomer {
		d.dek, err = sse.OpenKey(e.Box, sse.Key(customer), keyAAD(e, aad))
		if errors.Is(err, sse.ErrOpen) {
			return nil, storage.ErrCustomerKeyMismatch
		}
	} else {
		d.dek, err = s.keyring().Open(sse.Sealed{KeyID: e.KeyID, Box: e.Box}, keyAAD(e, aad))
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

// checkCustomerKey checks the customer key a read of rec's metadata gives, as openDataKey
// does, without opening anything but an SSE-C object's key.
func (s *Store) checkCustomerKey(rec *objectRecord, customer []byte) error {
	if customer == nil && (rec.Encryption == nil || rec.Encryption.Kind != kindCustomer) {
		return nil
	}
	_, err := s.openDataKey(rec.Encryption, rec.boundTo(), customer)
	return err
}

// boundTo is what the record's sealed data key is bound to.
func (r *objectRecord) boundTo() string {
	if r.Encryption != nil && r.Encryption.Bound != "" {
		return r.Encryption.Bound
	}
	return r.File
}

// keyAAD is the additional data a data key sealed as e says is bound with: what it is bound
// to (a data file's id, or an upload's) and, for SSE-KMS, the encryption context as well, as
// AWS KMS binds the context to what it encrypts
// (https://docs.aws.amazon.com/kms/latest/developerguide/encrypt_context.html), so that a
// context changed in the record opens nothing. No id holds a NUL byte, so none can pass for
// another with a context.
func keyAAD(e *encryptionRecord, bound string) []byte {
	if e.Kind != kindKMS {
		return []byte(bound)
	}
	return []byte(bound + "\x00" + e.Context)
}

// seal returns the record of d's key sealed and bound to aad (see keyAAD); nil for d nil.
func (s *Store) seal(d *dataKey, aad string) (*encryptionRecord, error) {
	if d == nil {
		return nil, nil
	}
	rec := d.how
	bound := keyAAD(&d.how, aad)
	var err error
	switch d.how.Kind {
	case kindCustomer:
		rec.Box, err = sse.SealKey(d.dek, sse.Key(d.customer), bound)
	case kindKMS:
		var sealed sse.Sealed
		sealed, _, err = s.keyring().SealKMS(d.how.KMSKey, d.dek, bound)
		rec.KeyID, rec.Box = sealed.KeyID, sealed.Box
	default:
		var sealed sse.Sealed
		sealed, err = s.keyring().Seal(d.dek, bound)
		rec.KeyID, rec.Box = sealed.KeyID, sealed.Box
	}
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// sealing is how stage seals the data it writes: nil for d nil, else with d's key as a new
// segment.
func (d *dataKey) sealing() (*sealing, error) {
	if d == nil {
		return nil, nil
	}
	id, err := sse.NewSegmentID()
	if err != nil {
		return nil, err
	}
	return &sealing{dek: d.dek, seg: id}, nil
}

// sealing is a segment stage seals.
type sealing struct {
	dek sse.Key
	seg sse.SegmentID
}

// etag is the ETag of data of MD5 sum sealed under d: the MD5 in plain and for SSE-S3, as
// S3; for SSE-C and SSE-KMS an opaque one (sse.OpaqueETag), as S3, whose ETags of those are
// not the MD5 of the data
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html#AmazonS3-Type-Object-ETag).
func (d *dataKey) etag(sum []byte) string {
	if d == nil || d.how.Kind == kindS3 {
		return hex.EncodeToString(sum)
	}
	return sse.OpaqueETag(d.dek, sum)
}

// segmentOf is the record of the one segment of a staged file.
func segmentOf(seal *sealing, size int64) segmentRecord {
	return segmentRecord{ID: hex.EncodeToString(seal.seg[:]), Size: size}
}

// segments reads the segments of an encrypted record, from beside it when kept there, in the
// transaction that read rec. Segments missing from beside it, or whose sizes do not add up
// to the object's, mean a damaged database: the read fails rather than return a body of
// another length than the object's.
func segments(tx *bolt.Tx, rec *objectRecord) ([]sse.Segment, error) {
	recs := rec.Encryption.Segments
	if rec.Encryption.SegmentsAside {
		kept, err := asideOf(tx, bktSegments, rec.File, &recs)
		if err != nil {
			return nil, err
		}
		if !kept {
			return nil, fmt.Errorf("corrupt metadata record: no segments kept for data file %s", rec.File)
		}
	}
	var total int64
	for _, r := range recs {
		total += r.Size
	}
	if total != rec.Size {
		return nil, fmt.Errorf("corrupt metadata record: the segments of data file %s hold %d bytes, its object %d", rec.File, total, rec.Size)
	}
	return decodeSegments(recs)
}

// decodeSegments decodes stored segments.
func decodeSegments(recs []segmentRecord) ([]sse.Segment, error) {
	segs := make([]sse.Segment, len(recs))
	for i, r := range recs {
		id, err := hex.DecodeString(r.ID)
		if err != nil || len(id) != len(sse.SegmentID{}) {
			return nil, fmt.Errorf("corrupt segment id %q", r.ID)
		}
		segs[i] = sse.Segment{ID: sse.SegmentID(id), Size: r.Size}
	}
	return segs, nil
}

// openSealed returns a reader of the plaintext of the sealed data file f, whose data key d
// has open and whose segments are segs; closing it closes f.
func openSealed(f storage.ObjectReader, d *dataKey, segs []sse.Segment) storage.ObjectReader {
	return sse.NewReader(sse.NewOpener(f, d.dek, segs), f)
}
