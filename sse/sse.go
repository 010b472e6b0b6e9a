// Package sse is server-side encryption at rest: the keys a store keeps and the format of
// its encrypted data. It does no I/O of its own: a backend reads and writes the keyring's
// bytes and its data files, and this package seals and opens them.
//
// PLACEHOLDER: the API below is the contract; the bodies are to be written.
//
// # Keys
//
// Every object (or multipart upload) gets its own random data key. The data key is kept
// beside the object's record, sealed by a key-encryption key: a master key of the keyring
// for SSE-S3 and SSE-KMS, the client's own key for SSE-C. A customer key is never stored,
// nor anything derived from it but the sealed data key, which only that key opens.
//
// # Data
//
// An object's data is one or more segments (one per part of a multipart upload, one
// otherwise), each cut into chunks of ChunkSize plaintext bytes sealed with AES-256-GCM under
// the data key. A chunk's nonce is its segment's id, its index in the segment and whether it
// is the segment's last, so chunks cannot be reordered, moved between segments or dropped
// from the end without the open failing; a range read opens only the chunks it spans.
package sse

import (
	"errors"
	"io"
)

// ChunkSize is the plaintext size of a sealed chunk: a range read opens at most two chunks
// more than it returns, and each chunk costs TagSize bytes at rest (0.02%).
const ChunkSize = 64 << 10

// TagSize is what sealing adds to each chunk.
const TagSize = 16

// KeySize is the size of every key: AES-256.
const KeySize = 32

// Key is a data key or a master key.
type Key [KeySize]byte

// NewKey returns a random key from crypto/rand.
func NewKey() (Key, error) { panic("PLACEHOLDER") }

// ErrOpen: sealed bytes that do not open with the key given: a wrong key, or bytes changed.
var ErrOpen = errors.New("sse: message authentication failed")

// Sealed is a data key sealed by a key-encryption key.
type Sealed struct {
	// KeyID names the keyring's master key that sealed it; empty when a customer key did.
	KeyID string
	// Box is the nonce and the sealed key.
	Box []byte
}

// SealKey seals dek with kek, bound to aad (a backend passes what names the object, so that
// a sealed key copied to another record does not open there).
func SealKey(dek, kek Key, aad []byte) ([]byte, error) { panic("PLACEHOLDER") }

// OpenKey opens a box SealKey made; ErrOpen when kek or aad differ.
func OpenKey(box []byte, kek Key, aad []byte) (Key, error) { panic("PLACEHOLDER") }

// SealedSize is the size at rest of a segment of plain bytes.
func SealedSize(plain int64) int64 { panic("PLACEHOLDER") }

// SegmentID identifies a segment among those sealed under one data key; a backend draws
// it at random (NewSegmentID) for every write, so that two writes under one key (two
// uploads of one part number) never share a nonce.
type SegmentID [8]byte

// NewSegmentID returns a random segment id from crypto/rand.
func NewSegmentID() (SegmentID, error) { panic("PLACEHOLDER") }

// Sealer seals a segment written to it. Close seals the last chunk (an empty segment is
// one empty last chunk); it does not close the underlying writer.
type Sealer struct{}

// NewSealer returns a Sealer writing the sealed segment id to w.
func NewSealer(w io.Writer, dek Key, id SegmentID) *Sealer { panic("PLACEHOLDER") }

func (s *Sealer) Write(p []byte) (int, error) { panic("PLACEHOLDER") }
func (s *Sealer) Close() error                { panic("PLACEHOLDER") }

// Segment is one segment of sealed data: its id and its plaintext size.
type Segment struct {
	ID   SegmentID
	Size int64
}

// Opener reads the plaintext of sealed segments stored one after another in r, from its
// offset 0. It is an io.ReaderAt of the plaintext; Size is the plaintext size. A chunk that
// fails to open fails the read with ErrOpen.
type Opener struct{}

// NewOpener returns an Opener of segments in r.
func NewOpener(r io.ReaderAt, dek Key, segments []Segment) *Opener { panic("PLACEHOLDER") }

func (o *Opener) ReadAt(p []byte, off int64) (int, error) { panic("PLACEHOLDER") }
func (o *Opener) Size() int64                             { panic("PLACEHOLDER") }

// OpaqueETag is the ETag of an object whose ETag must not be its data's MD5 (SSE-C and
// SSE-KMS, as S3): 32 hex digits derived from the data key and the MD5, so that it is stable
// for the object, differs between objects and tells nothing about the data without the key.
func OpaqueETag(dek Key, md5 []byte) string { panic("PLACEHOLDER") }

// Keyring is a store's master keys: SSE-S3 keys, of which the newest seals new data keys
// and the older ones still open what they sealed (rotation), and KMS keys, each with an id,
// an ARN and aliases. Its encoding is JSON, with a version.
type Keyring struct{}

// NewKeyring returns a keyring with one SSE-S3 key.
func NewKeyring() (*Keyring, error) { panic("PLACEHOLDER") }

// ParseKeyring decodes a keyring; it refuses one malformed, of an unknown version, or
// holding keys of the wrong size.
func ParseKeyring(b []byte) (*Keyring, error) { panic("PLACEHOLDER") }

// Marshal encodes the keyring.
func (k *Keyring) Marshal() ([]byte, error) { panic("PLACEHOLDER") }

// Seal seals dek with the newest SSE-S3 key.
func (k *Keyring) Seal(dek Key, aad []byte) (Sealed, error) { panic("PLACEHOLDER") }

// Open opens what Seal or SealKMS sealed, with the key its KeyID names.
func (k *Keyring) Open(s Sealed, aad []byte) (Key, error) { panic("PLACEHOLDER") }

// Rotate adds a new SSE-S3 key that seals from now on, and returns its id.
func (k *Keyring) Rotate() (string, error) { panic("PLACEHOLDER") }

// KMSKey is a KMS key of the keyring.
type KMSKey struct {
	ID      string // a UUID, as AWS KMS key ids are
	ARN     string // arn:aws:kms:<region>:<account>:key/<ID>
	Aliases []string
}

// CreateKMSKey adds a KMS key with the given aliases ("alias/..."), ARN in region and
// account.
func (k *Keyring) CreateKMSKey(region, account string, aliases ...string) (KMSKey, error) {
	panic("PLACEHOLDER")
}

// KMSKey finds a KMS key by id, ARN, alias or alias ARN.
func (k *Keyring) KMSKey(name string) (KMSKey, bool) { panic("PLACEHOLDER") }

// SealKMS seals dek with the KMS key named.
func (k *Keyring) SealKMS(name string, dek Key, aad []byte) (Sealed, KMSKey, error) {
	panic("PLACEHOLDER")
}
