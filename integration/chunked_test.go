package integration

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/doorman-s3/doorman/internal/s3test"
)

const emptyBodySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// chunkSigner frames a body as aws-chunked and signs its chunks and trailer as the AWS
// documentation describes, each signature chained to the previous one from the request's
// seed signature.
type chunkSigner struct {
	key            []byte
	amzDate, scope string
	prev           string
	signed         bool
}

func (s *chunkSigner) sign(algorithm, hash string) string {
	sts := strings.Join([]string{algorithm, s.amzDate, s.scope, s.prev, hash}, "\n")
	s.prev = hex.EncodeToString(s3test.HMACSHA256(s.key, sts))
	return s.prev
}

// header is the header line of a chunk of data.
func (s *chunkSigner) header(data []byte) string {
	if !s.signed {
		return fmt.Sprintf("%x\r\n", len(data))
	}
	return fmt.Sprintf("%x;chunk-signature=%s\r\n", len(data), s.sign("AWS4-HMAC-SHA256-PAYLOAD", emptyBodySHA256+"\n"+s3test.SHA256Hex(data)))
}

// body frames data in chunks of the given sizes (the rest in a last one), then the final
// chunk, the trailer line when not "" (signed when the chunks are) and the final CRLF.
func (s *chunkSigner) body(data []byte, trailer string, sizes ...int) []byte {
	var b bytes.Buffer
	for _, n := range append(sizes, len(data)) {
		n = min(n, len(data))
		b.WriteString(s.header(data[:n]))
		b.Write(data[:n])
		b.WriteString("\r\n")
		data = data[n:]
	}
	b.WriteString(s.header(nil))
	if trailer != "" {
		b.WriteString(trailer + "\r\n")
		if s.signed {
			b.WriteString("x-amz-trailer-signature:" + s.sign("AWS4-HMAC-SHA256-TRAILER", s3test.SHA256Hex([]byte(trailer+"\n"))) + "\r\n")
		}
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

func crc32Trailer(data []byte) string {
	return "x-amz-checksum-crc32:" + checksumOf(types.ChecksumAlgorithmCrc32, data)
}

// streamedRequest signs the headers of a PUT to path whose body is aws-chunked in mode (an
// x-amz-content-sha256 value), declaring decoded bytes and the x-amz-trailer trailer, and
// returns it with the signer of its chunks. The request has no body when it is signed, so that
// Content-Length is not signed and the body can be anything: withBody gives it one.
func (srv *server) streamedRequest(t testing.TB, path, mode string, decoded int, trailer string, at time.Time) (*http.Request, *chunkSigner) {
	t.Helper()
	h := http.Header{"X-Amz-Decoded-Content-Length": {strconv.Itoa(decoded)}, "Content-Encoding": {"aws-chunked"}}
	if trailer != "" {
		h.Set("X-Amz-Trailer", trailer)
	}
	req := srv.NewRequest(t, s3test.Request{Method: http.MethodPut, Path: path, Header: h, As: s3test.Owner, At: at, PayloadHash: mode})
	_, seed, ok := strings.Cut(req.Header.Get("Authorization"), "Signature=")
	if !ok {
		t.Fatalf("no signature in %q", req.Header.Get("Authorization"))
	}
	day := at.UTC().Format("20060102")
	return req, &chunkSigner{
		key: s3test.Owner.SigningKey(at), amzDate: at.UTC().Format("20060102T150405Z"), scope: day + "/" + region + "/s3/aws4_request",
		prev: seed, signed: mode != "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
	}
}

// withBody gives req, signed without one, the body b.
func withBody(req *http.Request, b []byte) *http.Request {
	req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	return req
}

const (
	streamingPayload         = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	streamingPayloadTrailer  = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	streamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// Attacks on PutObject and UploadPart bodies, aws-chunked and header-signed, over HTTP against
// a real server: each is refused with AWS's error, and the object or part it targets keeps
// its previous version.
func TestStreamedUploadAttacks(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "")
	c := srv.client()
	ctx := context.Background()
	bucket := srv.createBucket(t, "streamed-attacks")
	previous := []byte("the previous version of the object")
	putBytes(t, c, bucket, "object", previous)
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("multipart")})
	if err != nil {
		t.Fatal(err)
	}
	previousPart, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("multipart"),
		UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader(previous)})
	if err != nil {
		t.Fatal(err)
	}
	targets := []struct {
		name, path string
		intact     func(t *testing.T)
	}{
		{"PutObject", "/" + bucket + "/object", func(t *testing.T) {
			if _, got := getAll(t, c, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("object")}); !bytes.Equal(got, previous) {
				t.Errorf("the object is now %d bytes: %.40q", len(got), got)
			}
		}},
		{"UploadPart", "/" + bucket + "/multipart?partNumber=1&uploadId=" + aws.ToString(up.UploadId), func(t *testing.T) {
			parts, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String("multipart"), UploadId: up.UploadId})
			if err != nil {
				t.Fatal(err)
			}
			if len(parts.Parts) != 1 {
				t.Fatalf("%d parts", len(parts.Parts))
			}
			if p := parts.Parts[0]; aws.ToString(p.ETag) != aws.ToString(previousPart.ETag) || aws.ToInt64(p.Size) != int64(len(previous)) {
				t.Errorf("part 1 is now %d bytes with ETag %s", aws.ToInt64(p.Size), aws.ToString(p.ETag))
			}
		}},
	}

	data := bytes.Repeat([]byte("doorman "), 1100) // 8800 bytes: a chunk of 8192 and one of 608
	small := []byte("one small chunk")
	const (
		terminated = "The request body terminated unexpectedly"
		lengths    = "You did not provide the number of bytes specified by the Content-Length HTTP header."
		crcDiffers = "The CRC32 you specified did not match the calculated checksum."
	)
	cases := []struct {
		name    string
		mode    string
		decoded int
		trailer string // x-amz-trailer
		// body builds the body to send from the request's chunk signer; another is the signer
		// of another request with the same headers.
		body          func(s, another *chunkSigner) []byte
		status        int
		code, message string
	}{
		{"single chunk replaced", streamingPayload, len(small), "", func(s, _ *chunkSigner) []byte {
			return bytes.Replace(s.body(small, ""), small, []byte("ONE SMALL CHUNK"), 1)
		}, 403, "SignatureDoesNotMatch", ""},
		{"single chunk replaced, trailer", streamingPayloadTrailer, len(small), "x-amz-checksum-crc32", func(s, _ *chunkSigner) []byte {
			return bytes.Replace(s.body(small, crc32Trailer(small)), small, []byte("ONE SMALL CHUNK"), 1)
		}, 403, "SignatureDoesNotMatch", ""},
		{"last of two chunks replaced", streamingPayload, len(data), "", func(s, _ *chunkSigner) []byte {
			b := s.body(data, "", 8192)
			i := bytes.LastIndex(b, data[8192:])
			copy(b[i:], bytes.ToUpper(data[8192:]))
			return b
		}, 403, "SignatureDoesNotMatch", ""},
		{"final chunk omitted", streamingPayload, len(data), "", func(s, _ *chunkSigner) []byte {
			b := s.body(data, "", 8192)
			return b[:bytes.LastIndex(b, []byte("0;chunk-signature="))]
		}, 400, "IncompleteBody", terminated},
		{"one chunk replayed under another request", streamingPayload, len(small), "", func(_, another *chunkSigner) []byte {
			return another.body(small, "")
		}, 403, "SignatureDoesNotMatch", ""},
		{"body longer than declared", streamingPayload, len(small) - 5, "", func(s, _ *chunkSigner) []byte {
			return s.body(small, "")
		}, 400, "IncompleteBody", lengths},
		{"wrong trailer CRC", streamingPayloadTrailer, len(data), "x-amz-checksum-crc32", func(s, _ *chunkSigner) []byte {
			return s.body(data, crc32Trailer(small), 8192)
		}, 400, "BadDigest", crcDiffers},
		{"wrong trailer CRC, unsigned", streamingUnsignedTrailer, len(data), "x-amz-checksum-crc32", func(s, _ *chunkSigner) []byte {
			return s.body(data, crc32Trailer(small), 8192)
		}, 400, "BadDigest", crcDiffers},
		{"wrong trailer signature", streamingPayloadTrailer, len(small), "x-amz-checksum-crc32", func(s, another *chunkSigner) []byte {
			b := s.body(small, crc32Trailer(small))
			mine := []byte(s.prev)
			another.body(small, crc32Trailer(small))
			return bytes.Replace(b, mine, []byte(another.prev), 1)
		}, 403, "SignatureDoesNotMatch", ""},
		{"no CRLF after a chunk", streamingPayload, len(small), "", func(s, _ *chunkSigner) []byte {
			return bytes.Replace(s.body(small, ""), append(small, "\r\n"...), append(small, "XX"...), 1)
		}, 400, "IncompleteBody", terminated},
	}
	at := time.Now()
	for _, target := range targets {
		t.Run(target.name, func(t *testing.T) {
			for _, tc := range cases {
				req, s := srv.streamedRequest(t, target.path, tc.mode, tc.decoded, tc.trailer, at)
				_, another := srv.streamedRequest(t, target.path, tc.mode, tc.decoded, tc.trailer, at.Add(-time.Second))
				res, body := srv.Send(t, withBody(req, tc.body(s, another)))
				s3test.WantError(t, tc.name, res, body, tc.status, tc.code, tc.message)
				target.intact(t)
			}

			// A header-signed body replayed with Content-Length: 0, which was not signed.
			req := srv.NewRequest(t, s3test.Request{Method: http.MethodPut, Path: target.path, As: s3test.Owner, PayloadHash: s3test.SHA256Hex(small)})
			if strings.Contains(req.Header.Get("Authorization"), "content-length") {
				t.Fatal("Content-Length is signed")
			}
			res, body := srv.Send(t, req)
			s3test.WantError(t, "signed body replayed empty", res, body, 400, "XAmzContentSHA256Mismatch", "")
			target.intact(t)

			// The same framing, unchanged, is accepted.
			for _, mode := range []string{streamingPayload, streamingPayloadTrailer, streamingUnsignedTrailer} {
				trailer, lines := "", ""
				if mode != streamingPayload {
					trailer, lines = "x-amz-checksum-crc32", crc32Trailer(data)
				}
				path := strings.Replace(target.path, "/object", "/valid", 1)
				req, s := srv.streamedRequest(t, path, mode, len(data), trailer, at)
				if res, body := srv.Send(t, withBody(req, s.body(data, lines, 8192))); res.StatusCode != 200 {
					t.Fatalf("%s: %d\n%s", mode, res.StatusCode, body)
				}
			}
		})
	}
	if _, got := getAll(t, c, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("valid")}); !bytes.Equal(got, data) {
		t.Errorf("the valid streamed object is %d bytes", len(got))
	}

	// A wrong checksum in a header, which storage compares, answers as a wrong trailer does.
	res, body := srv.Do(t, s3test.Request{Method: http.MethodPut, Path: "/" + bucket + "/object", Header: http.Header{"X-Amz-Checksum-Crc32": {checksumOf(types.ChecksumAlgorithmCrc32, small)}}, Body: data, As: s3test.Owner})
	s3test.WantError(t, "wrong x-amz-checksum-crc32", res, body, 400, "BadDigest", "The CRC32 you specified did not match the calculated checksum.")
	targets[0].intact(t)
}
