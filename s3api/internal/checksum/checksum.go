// Package checksum implements the integrity checks S3 applies to request bodies: the
// additional checksums (CRC32, CRC32C, CRC64NVME, SHA1, SHA256) that clients declare in an
// x-amz-checksum-<algorithm> header or trailer, and Content-MD5. The algorithms and their
// hashes are storage's ([storage.ChecksumAlgorithm]), shared with every backend; this package
// holds what only the protocol knows: header names, parsing, and the S3 errors.
//
// S3 carries every checksum as the standard base64 encoding of the big-endian digest, which is
// what hash.Hash.Sum produces for all five algorithms. Verification is streaming: Reader hashes
// the body as the handler reads it and turns the final io.EOF into an error when the digest
// differs, so no body is ever buffered to be checked.
package checksum

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"hash"
	"io"
	"net/http"
	"strings"

	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

// Algorithm is one of the additional checksum algorithms of S3. It is storage's type, which
// carries the hashes; this package adds what belongs to the protocol: the headers that carry a
// checksum and the error S3 answers when one differs.
type Algorithm = storage.ChecksumAlgorithm

// The algorithms, in the order AWS lists them.
const (
	CRC32     = storage.ChecksumCRC32
	CRC32C    = storage.ChecksumCRC32C
	CRC64NVME = storage.ChecksumCRC64NVME
	SHA1      = storage.ChecksumSHA1
	SHA256    = storage.ChecksumSHA256
)

// Algorithms lists every supported algorithm.
var Algorithms = storage.ChecksumAlgorithms

const headerPrefix = "x-amz-checksum-"

// Header is the lower-case name of the header or trailer carrying a checksum of algorithm a:
// "x-amz-checksum-crc32", ...; empty for an unsupported algorithm.
func Header(a Algorithm) string {
	return headerNames[a].lower
}

// CanonicalHeader is Header as net/http canonicalises it (X-Amz-Checksum-Crc32), the key of
// the response header; "" for an unknown algorithm.
func CanonicalHeader(a Algorithm) string {
	return headerNames[a].canonical
}

// headerNames are each algorithm's header names, made once: responses carry them on every
// read of an object stored with a checksum.
var headerNames = func() map[Algorithm]struct{ lower, canonical string } {
	m := make(map[Algorithm]struct{ lower, canonical string }, len(Algorithms))
	for _, a := range Algorithms {
		lower := headerPrefix + strings.ToLower(string(a))
		m[a] = struct{ lower, canonical string }{lower, http.CanonicalHeaderKey(lower)}
	}
	return m
}()

// Mismatch is the error S3 returns when a declared checksum of algorithm a differs from the
// one computed over the body.
func Mismatch(a Algorithm) *s3err.Error {
	return s3err.BadDigest.Withf("The %s you specified did not match the calculated checksum.", a)
}

// Encode is the base64 form S3 uses for digests in headers.
func Encode(sum []byte) string { return base64.StdEncoding.EncodeToString(sum) }

// ParseAlgorithm parses an algorithm name such as the value of x-amz-sdk-checksum-algorithm;
// letter case does not matter.
func ParseAlgorithm(name string) (Algorithm, bool) {
	for _, a := range Algorithms {
		if strings.EqualFold(name, string(a)) {
			return a, true
		}
	}
	return "", false
}

// ForHeader returns the algorithm whose checksum header or trailer is named name
// (x-amz-checksum-crc32, ...); letter case does not matter.
func ForHeader(name string) (Algorithm, bool) {
	for _, a := range Algorithms {
		if strings.EqualFold(name, Header(a)) {
			return a, true
		}
	}
	return "", false
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
		if found.Algorithm != "" || len(values) != 1 {
			return Checksum{}, s3err.InvalidRequest.Withf("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		}
		if _, ok := a.Decode(values[0]); !ok {
			return Checksum{}, s3err.InvalidRequest.Withf("Value for %s header is invalid.", Header(a))
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
// "" when value is empty.
func ParseTrailer(value string) (Algorithm, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return "", nil
	}
	a, ok := ForHeader(value)
	if !ok {
		return "", s3err.InvalidRequest.Withf("The value specified in the x-amz-trailer header is not supported")
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
	return NewReader(r, c.Algorithm.New(), c.Sum(), func([]byte) error { return Mismatch(c.Algorithm) })
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
