package storage

import (
	"errors"
	"fmt"
)

// Server-side encryption (https://docs.aws.amazon.com/AmazonS3/latest/userguide/serv-side-encryption.html).
//
// Encryption is a storage feature rather than a protocol one: a backend that keeps bytes
// itself encrypts them at rest, and one in front of another S3 service would hand the
// settings on. So the protocol layer parses and validates the request's headers and the
// bucket's default, and passes the result here; a backend returns data only to a read that
// may have it, and never stores a customer's key.
//
// The three kinds S3 offers:
//
//   - SSE-S3: the backend's own keys (Algorithm SSEAES256);
//   - SSE-KMS: a key of a key management service, named by KMSKeyID (Algorithm SSEKMS); a
//     backend without one refuses it (ErrUnknownKMSKey);
//   - SSE-C: a key the client gives with each write and each read (CustomerKey), which the
//     backend uses and forgets.

// Server-side encryption algorithms, as S3 names them in x-amz-server-side-encryption.
const (
	SSEAES256 = "AES256"
	SSEKMS    = "aws:kms"
)

// CustomerKeySize is the size of an SSE-C key: S3 takes AES-256 keys only.
const CustomerKeySize = 32

// Encryption is how a write is to be encrypted. The zero value stores the object
// unencrypted; the protocol layer applies the bucket's default encryption before it gets here.
type Encryption struct {
	// Algorithm is SSEAES256 or SSEKMS for encryption with the backend's keys; empty with
	// CustomerKey, and for none.
	Algorithm string
	// KMSKeyID names the KMS key of SSEKMS: a key id, an alias ("alias/name") or an ARN of
	// either; empty for the backend's default KMS key.
	KMSKeyID string
	// KMSContext is the SSE-KMS encryption context as the client gave it (base64 of a JSON
	// object), kept and returned; empty for none.
	KMSContext string
	// BucketKeyEnabled is S3's bucket key setting, kept and returned (it changes how many
	// KMS calls S3 makes, not what is stored).
	BucketKeyEnabled bool
	// CustomerKey is the SSE-C key, CustomerKeySize bytes; nil for none. It is used for this
	// write and never stored, nor anything from which it could be found.
	CustomerKey []byte
}

// Validate checks what every backend refuses with ErrInvalidEncryption: an algorithm other
// than the two, a key of the wrong size, a customer key together with an algorithm, KMS
// settings without SSEKMS.
func (e Encryption) Validate() error {
	switch {
	case e.CustomerKey != nil && len(e.CustomerKey) != CustomerKeySize:
		return fmt.Errorf("%w: a customer key of %d bytes", ErrInvalidEncryption, len(e.CustomerKey))
	case e.CustomerKey != nil && e.Algorithm != "":
		return fmt.Errorf("%w: a customer key with %s", ErrInvalidEncryption, e.Algorithm)
	case e.Algorithm != "" && e.Algorithm != SSEAES256 && e.Algorithm != SSEKMS:
		return fmt.Errorf("%w: algorithm %q", ErrInvalidEncryption, e.Algorithm)
	case e.Algorithm != SSEKMS && (e.KMSKeyID != "" || e.KMSContext != ""):
		return fmt.Errorf("%w: KMS settings without %s", ErrInvalidEncryption, SSEKMS)
	case e.Algorithm == "" && e.CustomerKey == nil && e.BucketKeyEnabled:
		return fmt.Errorf("%w: a bucket key without encryption", ErrInvalidEncryption)
	}
	return nil
}

// ObjectEncryption is how a stored object or upload is encrypted, as reads report it
// (ObjectInfo.Encryption, UploadInfo.Encryption). The zero value is an unencrypted object.
type ObjectEncryption struct {
	// Algorithm is SSEAES256 or SSEKMS; empty for an SSE-C object and an unencrypted one.
	Algorithm string
	// KMSKeyID is the KMS key's ARN for SSEKMS, as S3 reports it in
	// x-amz-server-side-encryption-aws-kms-key-id.
	KMSKeyID         string
	KMSContext       string
	BucketKeyEnabled bool
	// Customer tells an SSE-C object: every read of its data or metadata needs its key
	// (ReadOptions.CustomerKey). Its key's MD5 is not kept: the protocol layer reports the
	// one of the key the request gave.
	Customer bool
}

// Encrypted tells an object stored encrypted.
func (e ObjectEncryption) Encrypted() bool { return e.Algorithm != "" || e.Customer }

// Errors of server-side encryption.
var (
	// ErrInvalidEncryption: an Encryption that Validate refuses.
	ErrInvalidEncryption = errors.New("invalid encryption settings")
	// ErrCustomerKeyRequired: the object (or upload, or copy source) is SSE-C and the request
	// gave no key.
	ErrCustomerKeyRequired = errors.New("the object is encrypted with a customer key and none was given")
	// ErrCustomerKeyMismatch: the key given is not the one the object (or upload) was
	// encrypted with.
	ErrCustomerKeyMismatch = errors.New("the customer key does not match the object's")
	// ErrCustomerKeyNotApplicable: a customer key was given to read an object that is not
	// SSE-C, or to upload a part of an upload that is not.
	ErrCustomerKeyNotApplicable = errors.New("the object is not encrypted with a customer key")
	// ErrUnknownKMSKey: SSE-KMS with a key the backend does not have (or SSE-KMS on a
	// backend without a key store).
	ErrUnknownKMSKey = errors.New("no such KMS key")
)
