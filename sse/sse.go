// Package sse is server-side encryption at rest: the keys a store keeps and the format of
// its encrypted data. It does no I/O of its own: a backend reads and writes the keyring's
// bytes and its data files, and this package seals and opens them. Its primitives are the
// standard library's: AES-256-GCM (crypto/aes, crypto/cipher), crypto/rand, HMAC-SHA256.
//
// # Keys
//
// Every object (or multipart upload) gets its own random data key. The data key is kept
// beside the object's record, sealed by a key-encryption key: a master key of the keyring
// for SSE-S3 and SSE-KMS, the client's own key for SSE-C. This is the envelope encryption
// AWS describes for SSE-S3, each object under a unique key that a regularly rotated root
// key encrypts (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingServerSideEncryption.html):
//
//   - a key per object bounds what one GCM key seals to one object's segments, far from
//     GCM's limits on a key's messages;
//   - rotating a master key re-seals nothing: older master keys stay in the keyring to open
//     the data keys they sealed, and the newest seals from then on;
//   - a customer key (SSE-C) is used and forgotten. What it leaves behind is only the sealed
//     data key, which that key alone opens (AES-GCM under the customer key, bound to what
//     names the object), so the store can check a later read's key and cannot read the
//     object without it. Nothing else derived from the customer key is kept. This seals the
//     data alone: what a backend keeps of the plaintext beside it, such as the checksums a
//     client asked for, is in the clear unless the backend seals it too (storage/disk does
//     not yet: "What is not encrypted" in docs/encryption.md).
//
// A sealed key is bound to additional data (SealKey's aad) naming its object, so that a
// sealed key copied into another object's record does not open there.
//
// # Data
//
// An object's data is one or more segments (one per part of a multipart upload, one
// otherwise), each cut into chunks of ChunkSize plaintext bytes sealed with AES-256-GCM under
// the data key. Chunked rather than one GCM message per object, because a GCM message can be
// authenticated only whole: a range read of one chunked object opens only the chunks it
// spans, and nothing unauthenticated is ever returned, however large the object.
//
// A chunk's 12-byte nonce is its segment's id (8 random bytes, drawn for every write), its
// index in the segment (3 bytes, big-endian) and whether it is the segment's last (1 byte):
//
//   - two writes under one data key (two uploads of one part number) never share a nonce,
//     as their segment ids differ (a collision among the few segments of one key is about
//     n²/2⁶⁵);
//   - a chunk moved to another index or another segment is opened with another nonce and
//     fails, so chunks cannot be reordered, swapped between segments or parts, or repeated;
//   - the last chunk carries its own flag, so a segment cut at a chunk boundary fails too
//     (its new last chunk was sealed as not last), as does one whose last chunk is dropped.
//
// A segment of n plaintext bytes is max(1, ⌈n/ChunkSize⌉) chunks (an empty segment is one
// empty last chunk, TagSize bytes), each TagSize bytes longer than its plaintext: see
// SealedSize. This is the construction of the STREAM online authenticated encryption of
// Hoang, Reyhanitabar, Rogaway and Vizár ("Online Authenticated-Encryption and its
// Nonce-Reuse Misuse-Resistance", CRYPTO 2015, https://eprint.iacr.org/2015/189), with the
// segment id as STREAM's nonce prefix.
package sse

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
)

// ChunkSize is the plaintext size of a sealed chunk: a range read opens less than two
// chunks more than it returns, and each chunk costs TagSize bytes at rest (0.02%).
const ChunkSize = 64 << 10

// TagSize is what sealing adds to each chunk.
const TagSize = 16

// KeySize is the size of every key: AES-256.
const KeySize = 32

// nonceSize is GCM's standard nonce: a segment id, a chunk index and the last-chunk flag.
const nonceSize = 12

// indexSize is the bytes of a chunk's index in its nonce.
const indexSize = nonceSize - len(SegmentID{}) - 1

// MaxChunks is how many chunks a segment can have: as many as a chunk index of indexSize
// bytes counts. At ChunkSize it makes MaxSegmentSize.
const MaxChunks = 1 << (8 * indexSize)

// MaxSegmentSize is the largest segment: 1 TiB, over 200 times S3's largest part and object
// upload (5 GiB, https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html).
const MaxSegmentSize = MaxChunks * ChunkSize

// Key is a data key or a master key.
type Key [KeySize]byte

// NewKey returns a random key from crypto/rand.
func NewKey() (Key, error) {
	var k Key
	_, err := rand.Read(k[:])
	return k, err
}

// ErrOpen: sealed bytes that do not open with the key given: a wrong key, or bytes changed.
var ErrOpen = errors.New("sse: message authentication failed")

// Sealed is a data key sealed by a key-encryption key.
type Sealed struct {
	// KeyID names the keyring's master key that sealed it; empty when a customer key did.
	KeyID string
	// Box is the nonce and the sealed key.
	Box []byte
}

// newGCM returns AES-256-GCM under k.
func newGCM(k Key) cipher.AEAD {
	b, err := aes.NewCipher(k[:])
	if err != nil {
		panic(err) // only for a key size other than 16, 24 or 32
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		panic(err) // only for a block size other than 16
	}
	return g
}

// boxSize is the size of a sealed key: a random nonce, the key and its tag.
const boxSize = nonceSize + KeySize + TagSize

// SealKey seals dek with kek, bound to aad (a backend passes what names the object, so that
// a sealed key copied to another record does not open there). The nonce is random: a master
// key seals one data key per object, far fewer than the 2³² random nonces NIST SP 800-38D
// (section 8.3) allows one key.
func SealKey(dek, kek Key, aad []byte) ([]byte, error) { return sealKey(dek, newGCM(kek), aad) }

// sealKey is SealKey with kek's AES-256-GCM.
func sealKey(dek Key, kek cipher.AEAD, aad []byte) ([]byte, error) {
	box := make([]byte, nonceSize, boxSize)
	if _, err := rand.Read(box); err != nil {
		return nil, err
	}
	return kek.Seal(box, box, dek[:], aad), nil
}

// OpenKey opens a box SealKey made; ErrOpen when kek or aad differ.
func OpenKey(box []byte, kek Key, aad []byte) (Key, error) { return openKey(box, newGCM(kek), aad) }

// openKey is OpenKey with kek's AES-256-GCM.
func openKey(box []byte, kek cipher.AEAD, aad []byte) (Key, error) {
	var dek Key
	if len(box) != boxSize {
		return dek, fmt.Errorf("%w: a sealed key of %d bytes", ErrOpen, len(box))
	}
	if _, err := kek.Open(dek[:0], box[:nonceSize], box[nonceSize:], aad); err != nil {
		return Key{}, ErrOpen
	}
	return dek, nil
}

// chunks is how many chunks a segment of plain bytes is sealed in.
func chunks(plain int64) int64 {
	if plain <= 0 {
		return 1
	}
	return (plain + ChunkSize - 1) / ChunkSize
}

// SealedSize is the size at rest of a segment of plain bytes.
func SealedSize(plain int64) int64 { return plain + TagSize*chunks(plain) }

// SegmentID identifies a segment among those sealed under one data key; a backend draws
// it at random (NewSegmentID) for every write, so that two writes under one key (two
// uploads of one part number) never share a nonce.
type SegmentID [8]byte

// NewSegmentID returns a random segment id from crypto/rand.
func NewSegmentID() (SegmentID, error) {
	var id SegmentID
	_, err := rand.Read(id[:])
	return id, err
}

// nonce is chunk i's nonce in segment id.
func nonce(n *[nonceSize]byte, id SegmentID, i int64, last bool) {
	copy(n[:], id[:])
	var ib [8]byte
	binary.BigEndian.PutUint64(ib[:], uint64(i))
	copy(n[len(id):], ib[8-indexSize:])
	n[nonceSize-1] = 0
	if last {
		n[nonceSize-1] = 1
	}
}

// ErrSegmentTooLarge is a write past MaxSegmentSize.
var ErrSegmentTooLarge = fmt.Errorf("sse: a segment larger than %d bytes", int64(MaxSegmentSize))

// errClosed is a write to a closed Sealer.
var errClosed = errors.New("sse: write to a closed sealer")

// Sealer seals a segment written to it. Close seals the last chunk (an empty segment is
// one empty last chunk); it does not close the underlying writer. A chunk is sealed only
// when the next byte arrives (or Close), as only then is it known not to be the last, so
// the Sealer holds up to ChunkSize bytes. The first error (of w, of a segment past
// MaxSegmentSize) is returned by every later Write and Close.
type Sealer struct {
	w     io.Writer
	aead  cipher.AEAD
	id    SegmentID
	index int64  // of the chunk in buf
	buf   []byte // plaintext of the chunk not yet sealed, with room to seal it in place
	nonce [nonceSize]byte
	err   error
}

// NewSealer returns a Sealer writing the sealed segment id to w.
func NewSealer(w io.Writer, dek Key, id SegmentID) *Sealer {
	return &Sealer{
		w:    w,
		aead: newGCM(dek),
		id:   id,
	}
}

// Write seals p, but for its last chunk, kept until more is written or Close.
func (s *Sealer) Write(p []byte) (int, error) {
	n := 0
	for s.err == nil && len(p) > 0 {
		if len(s.buf) == ChunkSize {
			s.seal(false)
			continue
		}
		c := min(len(p), ChunkSize-len(s.buf))
		s.buf = grow(s.buf, len(s.buf)+c+TagSize)
		s.buf = append(s.buf, p[:c]...)
		p = p[c:]
		n += c
	}
	return n, s.err
}

// Close seals the last chunk.
func (s *Sealer) Close() error {
	if s.err == nil {
		s.seal(true)
		if s.err == nil {
			s.err, s.buf = errClosed, nil
			return nil
		}
	}
	if s.err == errClosed {
		return nil
	}
	return s.err
}

// grow returns b with room for n bytes: as much as a sealed chunk at most, so that a small
// segment costs a small buffer and a large one a buffer of a chunk, allocated once.
func grow(b []byte, n int) []byte {
	if cap(b) >= n {
		return b
	}
	return append(make([]byte, 0, min(max(n, 2*cap(b)), ChunkSize+TagSize)), b...)
}

// seal seals and writes the chunk in buf, in place.
func (s *Sealer) seal(last bool) {
	if !last && s.index == MaxChunks-1 {
		s.err = ErrSegmentTooLarge
		return
	}
	nonce(&s.nonce, s.id, s.index, last)
	s.buf = grow(s.buf, len(s.buf)+TagSize)
	if _, err := s.w.Write(s.aead.Seal(s.buf[:0], s.nonce[:], s.buf, nil)); err != nil {
		s.err = err
		return
	}
	s.index++
	s.buf = s.buf[:0]
}

// Segment is one segment of sealed data: its id and its plaintext size.
type Segment struct {
	ID   SegmentID
	Size int64
}

// Opener reads the plaintext of sealed segments stored one after another in r, from its
// offset 0. It is an io.ReaderAt of the plaintext; Size is the plaintext size. A chunk that
// fails to open fails the read with ErrOpen, as does sealed data shorter than the segments'.
// An empty segment has nothing to read, so its one (empty) chunk is never opened.
//
// It keeps the last chunk it opened, so that consecutive small reads open each chunk once;
// a read that covers a whole chunk opens it straight into the caller's buffer. Its methods
// may be called concurrently: they take turns.
type Opener struct {
	r    io.ReaderAt
	aead cipher.AEAD
	segs []openSegment
	size int64
	err  error // of the segment list, returned by every read

	mu sync.Mutex
	// buf is a sealed chunk as read from r, opened in place when cached names it.
	buf    []byte
	cached chunkRef
	nonce  [nonceSize]byte
}

// openSegment is a segment with where it starts in the plaintext and in r.
type openSegment struct {
	Segment
	plainOff, sealedOff int64
}

// chunkRef names a chunk: its segment's index and its own; seg -1 for none.
type chunkRef struct{ seg, chunk int64 }

// NewOpener returns an Opener of segments in r. Segments of a negative size or larger than
// MaxSegmentSize, which no Sealer makes, fail every read with ErrOpen.
func NewOpener(r io.ReaderAt, dek Key, segments []Segment) *Opener {
	o := &Opener{r: r, aead: newGCM(dek), segs: make([]openSegment, len(segments)), cached: chunkRef{-1, 0}}
	var sealedOff int64
	for i, s := range segments {
		if s.Size < 0 || s.Size > MaxSegmentSize {
			o.err = fmt.Errorf("%w: a segment of %d bytes", ErrOpen, s.Size)
			break
		}
		o.segs[i] = openSegment{s, o.size, sealedOff}
		o.size += s.Size
		sealedOff += SealedSize(s.Size)
	}
	return o
}

// Size is the plaintext size.
func (o *Opener) Size() int64 { return o.size }

// ReadAt reads the plaintext at off, opening the chunks it spans.
func (o *Opener) ReadAt(p []byte, off int64) (int, error) {
	switch {
	case o.err != nil:
		return 0, o.err
	case off < 0:
		return 0, fmt.Errorf("sse: read at negative offset %d", off)
	case off >= o.size:
		return 0, io.EOF
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for n < len(p) && off < o.size {
		// The segment holding off: the last one starting at or before it that is not empty.
		si := sort.Search(len(o.segs), func(i int) bool {
			return o.segs[i].plainOff+o.segs[i].Size > off
		})
		seg := &o.segs[si]
		ci := (off - seg.plainOff) / ChunkSize
		in := (off - seg.plainOff) % ChunkSize
		clen := min(ChunkSize, seg.Size-ci*ChunkSize)
		ref := chunkRef{int64(si), ci}
		if o.cached != ref && in == 0 && clen <= int64(len(p)-n) {
			if err := o.open(p[n:n:n+int(clen)], seg, ci, clen); err != nil {
				return n, err
			}
			n += int(clen)
			off += clen
			continue
		}
		if o.cached != ref {
			if err := o.open(nil, seg, ci, clen); err != nil {
				return n, err
			}
			o.cached = ref
		}
		c := copy(p[n:], o.buf[in:clen])
		n += c
		off += int64(c)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// open opens chunk ci of seg, of clen plaintext bytes, into dst, whose capacity is clen, or
// in place in o.buf when dst is nil. Either way o.buf no longer holds the cached chunk.
func (o *Opener) open(dst []byte, seg *openSegment, ci, clen int64) error {
	o.cached.seg = -1
	o.buf = grow(o.buf[:0], int(clen+TagSize))
	sealed := o.buf[:clen+TagSize]
	if _, err := o.r.ReadAt(sealed, seg.sealedOff+ci*(ChunkSize+TagSize)); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: sealed data cut short", ErrOpen)
		}
		return err
	}
	if dst == nil {
		dst = sealed[:0]
	}
	nonce(&o.nonce, seg.ID, ci, ci == chunks(seg.Size)-1)
	if _, err := o.aead.Open(dst, o.nonce[:], sealed, nil); err != nil {
		return fmt.Errorf("%w: chunk %d of segment %x", ErrOpen, ci, seg.ID)
	}
	return nil
}

// OpenBytes opens sealed segments held whole in memory, stored one after another from
// sealed[0], in place: the plaintext it returns is sealed's own memory, its chunks moved
// together. A chunk that does not open, and sealed data of another length than the
// segments', are ErrOpen. It is for small objects a backend keeps in memory (storage/disk's
// inline data): no second buffer is made, and data changed at rest is refused before any of
// it is read, where an Opener refuses it at the read of the chunk that changed.
func OpenBytes(sealed []byte, dek Key, segments []Segment) ([]byte, error) {
	aead := newGCM(dek)
	var n [nonceSize]byte
	plain, off := 0, 0
	for _, s := range segments {
		// A segment of a size no Sealer makes fails below: one of a negative size has a
		// chunk shorter than its tag, one past MaxSegmentSize more data than sealed holds.
		last := chunks(s.Size) - 1
		for ci := int64(0); ci <= last; ci++ {
			clen := int(min(ChunkSize, s.Size-ci*ChunkSize))
			if len(sealed)-off < clen+TagSize {
				return nil, fmt.Errorf("%w: sealed data cut short", ErrOpen)
			}
			chunk := sealed[off : off+clen+TagSize]
			nonce(&n, s.ID, ci, ci == last)
			if _, err := aead.Open(chunk[:0], n[:], chunk, nil); err != nil {
				return nil, fmt.Errorf("%w: chunk %d of segment %x", ErrOpen, ci, s.ID)
			}
			plain += copy(sealed[plain:], chunk[:clen])
			off += clen + TagSize
		}
	}
	if off != len(sealed) {
		return nil, fmt.Errorf("%w: %d bytes after the sealed data", ErrOpen, len(sealed)-off)
	}
	return sealed[:plain], nil
}

// Reader reads an Opener's plaintext as a file: Read and Seek (of an io.SectionReader over
// the whole plaintext), ReadAt, and Close, which closes what the sealed data was read from.
// It is what a backend returns for an object's data (storage.ObjectReader).
type Reader struct {
	*io.SectionReader
	closer io.Closer
}

// NewReader returns a Reader of o's plaintext; Close closes c.
func NewReader(o *Opener, c io.Closer) *Reader {
	return &Reader{io.NewSectionReader(o, 0, o.Size()), c}
}

// Close closes what the sealed data was read from.
func (r *Reader) Close() error { return r.closer.Close() }

// OpaqueETag is the ETag of an object whose ETag must not be its data's MD5 (SSE-C and
// SSE-KMS: S3 gives such objects ETags that are not an MD5 of their data,
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html): 32 hex digits
// derived from the data key and the MD5, so that it is stable for the object, differs
// between objects and tells nothing about the data without the key. It is
// HMAC-SHA256(dek, "etag" || md5) cut to 16 bytes: keyed by the data key, so that it cannot
// be used to confirm a guess of the plaintext as a bare MD5 could, and of an MD5's length
// and form, which clients expect of a single-part ETag. The "etag" prefix keeps this use
// of the data key apart from any other MAC of it.
func OpaqueETag(dek Key, md5 []byte) string {
	m := hmac.New(sha256.New, dek[:])
	m.Write([]byte("etag"))
	m.Write(md5)
	return hex.EncodeToString(m.Sum(nil)[:16])
}
