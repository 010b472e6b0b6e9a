// Package checksum implements the integrity checks S3 applies to request bodies: the
// additional checksums (CRC32, CRC32C, CRC64NVME, SHA1, SHA256) that clients declare in an
// x-amz-checksum-<algorithm> header or trailer, and Content-MD5.
//
// S3 carries every checksum as the standard base64 encoding of the big-endian digest, which is
// what hash.Hash.Sum produces for all five algorithms. Verification is streaming: Reader hashes
// the body as the handler reads it and turns the final io.EOF into an error when the digest
// differs, so no body is ever buffered to be checked.
package checksum

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"net/http"
	"strings"

	"github.com/doorman-s3/doorman/s3api/internal/s3err"
)

// Algorithm is one of the additional checksum algorithms of S3.
type Algorithm uint8

// The algorithms, in the order AWS lists them.
const (
	CRC32 Algorithm = iota + 1
	CRC32C
	CRC64NVME
	SHA1
	SHA256
)

// crc64NVMEPoly is the NVMe polynomial 0xad93d23594c93659 bit-reversed, the form
// hash/crc64.MakeTable takes.
const crc64NVMEPoly = 0x9a6c9329ac4bc9b5

var (
	crc32cTable    = crc32.MakeTable(crc32.Castagnoli)
	crc64NVMETable = crc64.MakeTable(crc64NVMEPoly)
)

var algorithms = [...]struct {
	name, header string
	size         int
}{
	CRC32:     {"CRC32", "x-amz-checksum-crc32", crc32.Size},
	CRC32C:    {"CRC32C", "x-amz-checksum-crc32c", crc32.Size},
	CRC64NVME: {"CRC64NVME", "x-amz-checksum-crc64nvme", crc64.Size},
	SHA1:      {"SHA1", "x-amz-checksum-sha1", sha1.Size},
	SHA256:    {"SHA256", "x-amz-checksum-sha256", sha256.Size},
}

// Algorithms lists every supported algorithm.
var Algorithms = []Algorithm{CRC32, CRC32C, CRC64NVME, SHA1, SHA256}

// Valid reports whether a is one of the defined algorithms.
func (a Algorithm) Valid() bool { return a >= CRC32 && a <= SHA256 }

// String is the algorithm's name as S3 spells it: "CRC32", "CRC64NVME", ...
func (a Algorithm) String() string {
	if !a.Valid() {
		return ""
	}
	return algorithms[a].name
}

// Header is the lower-case name of the header or trailer carrying a checksum of this algorithm.
func (a Algorithm) Header() string {
	if !a.Valid() {
		return ""
	}
	return algorithms[a].header
}

// Size is the length of the raw digest in bytes.
func (a Algorithm) Size() int {
	if !a.Valid() {
		return 0
	}
	return algorithms[a].size
}

// New returns a fresh hash for the algorithm; it panics for an invalid Algorithm.
func (a Algorithm) New() hash.Hash {
	switch a {
	case CRC32:
		return crc32.NewIEEE()
	case CRC32C:
		return crc32.New(crc32cTable)
	case CRC64NVME:
		return crc64.New(crc64NVMETable)
	case SHA1:
		return sha1.New()
	case SHA256:
		return sha256.New()
	}
	panic("checksum: invalid algorithm")
}

// Sum returns the base64 checksum of data, as it appears in an x-amz-checksum-* header.
func (a Algorithm) Sum(data []byte) string {
	h := a.New()
	h.Write(data)
	return Encode(h.Sum(nil))
}

// Decode returns the digest carried by value if it is the base64 encoding of exactly
// a.Size() bytes.
func (a Algorithm) Decode(value string) ([]byte, bool) {
	if !a.Valid() || len(value) != base64.StdEncoding.EncodedLen(a.Size()) {
		return nil, false
	}
	sum, err := base64.StdEncoding.DecodeString(value)
	return sum, err == nil && len(sum) == a.Size()
}

// Mismatch is the error S3 returns when a declared checksum of this algorithm differs from
// the one computed over the body.
func (a Algorithm) Mismatch() *s3err.Error {
	return s3err.BadDigest.Withf("The %s you specified did not match the calculated checksum.", a)
}

// Encode is the base64 form S3 uses for digests in headers.
func Encode(sum []byte) string { return base64.StdEncoding.EncodeToString(sum) }

// ParseAlgorithm parses an algorithm name such as the value of x-amz-sdk-checksum-algorithm;
// letter case does not matter.
func ParseAlgorithm(name string) (Algorithm, bool) {
	for _, a := range Algorithms {
		if strings.EqualFold(name, algorithms[a].name) {
			return a, true
		}
	}
	return 0, false
}

// ForHeader returns the algorithm whose checksum header or trailer is named name
// (x-amz-checksum-crc32, ...); letter case does not matter.
func ForHeader(name string) (Algorithm, bool) {
	for _, a := range Algorithms {
		if strings.EqualFold(name, algorithms[a].header) {
			return a, true
		}
	}
	return 0, false
}

// Checksum is a checksum a client declared for a body.
type Checksum struct {
	Algorithm Algorithm
	Value     string // base64, as sent
}

// Sum is the decoded digest; it is nil for a Checksum that Decode would reject.
func (c Checksum) Sum() []byte {
	sum, _ := c.Algorithm.Decode(c.Value)
	return sum
}

const (
	headerPrefix       = "x-amz-checksum-"
	sdkAlgorithmHeader = "X-Amz-Sdk-Checksum-Algorithm"
	trailerHeader      = "X-Amz-Trailer"
)

// FromHeader finds the checksum declared in the request headers h. It returns a zero
// Checksum and no error when there is none. x-amz-checksum-type and x-amz-checksum-mode are
// not checksums and are ignored. A declared x-amz-sdk-checksum-algorithm must name a supported
// algorithm and match the header, unless the checksum is to come in a trailer (x-amz-trailer).
func FromHeader(h http.Header) (Checksum, error) {
	var found Checksum
	for name, values := range h {
		if len(name) <= len(headerPrefix) || !strings.EqualFold(name[:len(headerPrefix)], headerPrefix) {
			continue
		}
		a, ok := ForHeader(name)
		if !ok {
			continue
		}
		if found.Algorithm != 0 || len(values) != 1 {
			return Checksum{}, s3err.InvalidRequest.Withf("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		}
		if _, ok := a.Decode(values[0]); !ok {
			return Checksum{}, s3err.InvalidRequest.Withf("Value for %s header is invalid.", a.Header())
		}
		found = Checksum{a, values[0]}
	}
	if v := h.Get(sdkAlgorithmHeader); v != "" {
		a, ok := ParseAlgorithm(v)
		if !ok {
			return Checksum{}, s3err.InvalidRequest.Withf("Value for x-amz-sdk-checksum-algorithm header is invalid.")
		}
		if found.Algorithm != a && h.Get(trailerHeader) == "" {
			return Checksum{}, s3err.InvalidRequest.Withf("x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.")
		}
	}
	return found, nil
}

// ParseTrailer returns the algorithm of the checksum announced by an x-amz-trailer value, or
// 0 when value is empty.
func ParseTrailer(value string) (Algorithm, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, nil
	}
	a, ok := ForHeader(value)
	if !ok {
		return 0, s3err.InvalidRequest.Withf("The value specified in the x-amz-trailer header is not supported")
	}
	return a, nil
}

// ContentMD5 returns the digest of a Content-MD5 header value, nil when it is empty, and
// InvalidDigest when it is not the base64 encoding of 16 bytes.
func ContentMD5(value string) ([]byte, error) {
	if value == "" {
		return nil, nil
	}
	sum, err := base64.StdEncoding.DecodeString(value)
	if err != nil || len(sum) != md5.Size {
		return nil, s3err.InvalidDigest
	}
	return sum, nil
}

// Reader passes a body through and checks its digest when the body ends.
type Reader struct {
	r        io.Reader
	h        hash.Hash
	want     []byte
	mismatch func(got []byte) error
	err      error
}

// NewReader returns a Reader that hashes everything read from r with h and, at r's io.EOF,
// returns mismatch(computed digest) instead of io.EOF when the digest is not want.
func NewReader(r io.Reader, h hash.Hash, want []byte, mismatch func(got []byte) error) *Reader {
	return &Reader{r: r, h: h, want: want, mismatch: mismatch}
}

// NewMD5Reader checks a body against a Content-MD5 digest and fails with BadDigest.
func NewMD5Reader(r io.Reader, want []byte) *Reader {
	return NewReader(r, md5.New(), want, func([]byte) error { return s3err.BadDigest })
}

// NewChecksumReader checks a body against a declared additional checksum and fails with the
// algorithm's BadDigest.
func NewChecksumReader(r io.Reader, c Checksum) *Reader {
	return NewReader(r, c.Algorithm.New(), c.Sum(), func([]byte) error { return c.Algorithm.Mismatch() })
}

func (r *Reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.r.Read(p)
	r.h.Write(p[:n])
	if err == io.EOF {
		if got := r.h.Sum(nil); !bytes.Equal(got, r.want) {
			err = r.mismatch(got)
		}
	}
	if err != nil {
		r.err = err
	}
	return n, err
}
