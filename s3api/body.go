package s3api

import (
	"bytes"
	"crypto/md5"
	"encoding/xml"
	"io"

	"github.com/doorman-s3/doorman/s3api/internal/checksum"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/s3api/internal/sigv4"
	"github.com/doorman-s3/doorman/storage"
)

// A request body is either an object's bytes, streamed to storage with the size and digests
// that describe it (bodyDigests), or a small document (a configuration, a list of keys or
// parts), read whole and checked here (readIntegrityCheckedBody). Either way handlers read
// rc.body, which the signature layer verifies as it is read (authenticate), over the
// connection's body that keeps moving or fails (bodyReader).

// bodyIntegrity says which integrity headers describe a small request body.
type bodyIntegrity uint8

const (
	integrityOptional bodyIntegrity = iota // Content-MD5 and x-amz-checksum-*, checked when present
	integrityRequired                      // one of them is mandatory
	// integrityMD5Only checks Content-MD5 alone: the x-amz-checksum-* headers of
	// CompleteMultipartUpload are the checksum of the object it assembles, not of its body.
	integrityMD5Only
)

// readIntegrityCheckedBody reads a small request body (a configuration or a request
// document) of at most limit bytes, checking the Content-MD5 and x-amz-checksum-* headers
// when present; integrityRequired makes one of them mandatory, as S3 requires for
// PutBucketCors and DeleteObjects. A checksum sent as an aws-chunked trailer satisfies the
// requirement and is checked by the signature layer as the body is read. BadDigest and
// InvalidDigest are the errors recorded for PutObject; that PutBucketCors answers the same is
// assumed [UNVERIFIED].
func (rc *request) readIntegrityCheckedBody(limit int64, integrity bodyIntegrity) ([]byte, error) {
	md5sum, sum, err := rc.declaredDigests(integrity)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(rc.body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, s3err.MaxMessageLengthExceeded
	}
	return body, checkDigests(body, md5sum, sum)
}

// declaredDigests reads the Content-MD5 and x-amz-checksum-* headers of a small request body,
// and checks that one is there if integrity requires it.
func (rc *request) declaredDigests(integrity bodyIntegrity) (md5sum []byte, sum checksum.Checksum, err error) {
	h := rc.r.Header
	if md5sum, err = checksum.ContentMD5(h.Get("Content-Md5")); err != nil {
		return nil, sum, err
	}
	if integrity != integrityMD5Only {
		if sum, err = checksum.FromHeader(h); err != nil {
			return nil, sum, err
		}
	}
	// A trailer counts only where the signature layer verifies it: an aws-chunked body.
	trailer := rc.auth != nil && h.Get("X-Amz-Trailer") != "" &&
		(rc.auth.Payload == sigv4.PayloadStreamingTrailer || rc.auth.Payload == sigv4.PayloadStreamingUnsignedTrailer)
	if integrity == integrityRequired && md5sum == nil && sum.Algorithm == "" && !trailer {
		return nil, sum, s3err.MissingContentMD5
	}
	return md5sum, sum, nil
}

// checkDigests compares a body with the Content-MD5 and the checksum declared for it.
func checkDigests(body, md5sum []byte, sum checksum.Checksum) error {
	if sum := md5.Sum(body); md5sum != nil && !bytes.Equal(sum[:], md5sum) {
		return s3err.BadDigest
	}
	if sum.Algorithm != "" && sum.Algorithm.Sum(body) != sum.Value {
		return checksum.Mismatch(sum.Algorithm)
	}
	return nil
}

// decodeXMLBody reads a request document of at most limit bytes (checked for integrity as
// readIntegrityCheckedBody does) into v; a body that is not such a document is MalformedXML.
func (rc *request) decodeXMLBody(limit int64, integrity bodyIntegrity, v any) error {
	body, err := rc.readIntegrityCheckedBody(limit, integrity)
	if err != nil {
		return err
	}
	if xml.Unmarshal(body, v) != nil {
		return s3err.MalformedXML
	}
	return nil
}

// bodySize is the size of the object the body carries: the declared decoded length of an
// aws-chunked body, else Content-Length. A body without a length (Transfer-Encoding: chunked) is refused
// with 411 MissingContentLength ("You must provide the Content-Length HTTP header", S3's error
// code list); ceph/s3-tests' test_object_write_with_chunked_transfer_encoding expects 200.
func (rc *request) bodySize() (int64, error) {
	if rc.decodedSize >= 0 {
		return rc.decodedSize, nil
	}
	if rc.r.ContentLength < 0 {
		return 0, s3err.MissingContentLength
	}
	return rc.r.ContentLength, nil
}

// bodyChecksum returns the checksum to compute over the body: the one declared in a header,
// or the algorithm of a trailer (whose value the signature layer checks as the body ends and
// trailingChecksum then hands to storage), or none.
func (rc *request) bodyChecksum() (storage.Checksum, error) {
	c, err := checksum.FromHeader(rc.r.Header)
	if err != nil {
		return storage.Checksum{}, err
	}
	if c.Algorithm != "" {
		return storage.Checksum{Algorithm: c.Algorithm, Value: c.Value}, nil
	}
	alg, err := checksum.ParseTrailer(rc.r.Header.Get("X-Amz-Trailer"))
	if err != nil {
		return storage.Checksum{}, err
	}
	return storage.Checksum{Algorithm: alg}, nil
}

// trailingChecksum is the checksum an aws-chunked body carried in its trailer, once the body
// has been read to its end; the zero Checksum otherwise.
func (rc *request) trailingChecksum() storage.Checksum {
	if rc.auth == nil {
		return storage.Checksum{}
	}
	c, ok := rc.auth.TrailingChecksum()
	if !ok {
		return storage.Checksum{}
	}
	return storage.Checksum{Algorithm: c.Algorithm, Value: c.Value}
}

// bodyDigests is what describes an object body: its size, and the Content-MD5 and checksum
// it must match.
type bodyDigests struct {
	size   int64
	md5sum []byte
	sum    storage.Checksum
}

func (rc *request) bodyDigests() (d bodyDigests, err error) {
	if d.size, err = rc.bodySize(); err != nil {
		return d, err
	}
	if d.md5sum, err = checksum.ContentMD5(rc.r.Header.Get("Content-Md5")); err != nil {
		return d, err
	}
	d.sum, err = rc.bodyChecksum()
	return d, err
}
