package integration

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// payloadRecorder notes how the SDK framed each request body.
type payloadRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen map[string]string // "METHOD path" -> x-amz-content-sha256 + " " + x-amz-trailer
}

func (p *payloadRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	p.mu.Lock()
	p.seen[r.Method+" "+r.URL.Path] = r.Header.Get("X-Amz-Content-Sha256") + " " + r.Header.Get("X-Amz-Trailer")
	p.mu.Unlock()
	return p.next.RoundTrip(r)
}

func (p *payloadRecorder) get(method, path string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen[method+" "+path]
}

var crc64NVME = crc64.MakeTable(0x9a6c9329ac4bc9b5)

// checksumOf is the base64 checksum S3 reports for body.
func checksumOf(alg types.ChecksumAlgorithm, body []byte) string {
	var h hash.Hash
	switch alg {
	case types.ChecksumAlgorithmCrc32:
		h = crc32.NewIEEE()
	case types.ChecksumAlgorithmCrc32c:
		h = crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case types.ChecksumAlgorithmCrc64nvme:
		h = crc64.New(crc64NVME)
	case types.ChecksumAlgorithmSha1:
		h = sha1.New()
	case types.ChecksumAlgorithmSha256:
		h = sha256.New()
	}
	h.Write(body)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

func checksumField(alg types.ChecksumAlgorithm, crc32v, crc32c, crc64v, sha1v, sha256v *string) string {
	switch alg {
	case types.ChecksumAlgorithmCrc32:
		return aws.ToString(crc32v)
	case types.ChecksumAlgorithmCrc32c:
		return aws.ToString(crc32c)
	case types.ChecksumAlgorithmCrc64nvme:
		return aws.ToString(crc64v)
	case types.ChecksumAlgorithmSha1:
		return aws.ToString(sha1v)
	case types.ChecksumAlgorithmSha256:
		return aws.ToString(sha256v)
	}
	return ""
}

// onlyReader hides every method but Read, so the SDK cannot seek or rewind the body.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// The SDK's default uploads: over HTTPS, aws-sdk-go-v2 streams bodies as aws-chunked with
// STREAMING-UNSIGNED-PAYLOAD-TRAILER and the checksum in a trailer; over HTTP it sends the
// payload's SHA-256 and an x-amz-checksum-* header. Both must store the exact bytes and
// report the checksum back.
func TestSDKChecksums(t *testing.T) {
	t.Parallel()
	srv, hc, _ := startTLSServer(t)
	rec := &payloadRecorder{next: hc.Transport, seen: map[string]string{}}
	tlsClient := sdkClient(srv, &http.Client{Transport: rec}, func(o *s3.Options) {
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenSupported
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenSupported
	})
	plain := startServer(t, "")
	plainRec := &payloadRecorder{next: http.DefaultTransport, seen: map[string]string{}}
	plainClient := sdkClient(plain, &http.Client{Transport: plainRec}, func(o *s3.Options) {
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenSupported
	})
	ctx := context.Background()
	for _, env := range []struct {
		name        string
		c           *s3.Client
		rec         *payloadRecorder
		wantPayload string // x-amz-content-sha256 of a PutObject; "" means the body's hex SHA-256
	}{
		{"https", tlsClient, rec, "STREAMING-UNSIGNED-PAYLOAD-TRAILER"},
		{"http", plainClient, plainRec, ""},
	} {
		t.Run(env.name, func(t *testing.T) {
			t.Parallel()
			c := env.c
			b := "checksums-" + env.name
			if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
				t.Fatal(err)
			}
			for i, alg := range []types.ChecksumAlgorithm{"", types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmCrc32c,
				types.ChecksumAlgorithmCrc64nvme, types.ChecksumAlgorithmSha1, types.ChecksumAlgorithmSha256} {
				for _, size := range []int{0, 1, 300 << 10} {
					key := "obj-" + string(alg) + "-" + strconv.Itoa(size)
					body := pseudoRandom(uint64(100+i*size), size)
					in := &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(key), Body: bytes.NewReader(body), ChecksumAlgorithm: alg}
					put, err := c.PutObject(ctx, in)
					if err != nil {
						t.Fatalf("PutObject %s: %v", key, err)
					}
					want := alg
					if want == "" {
						want = types.ChecksumAlgorithmCrc32 // the SDK's default
					}
					if got := checksumField(want, put.ChecksumCRC32, put.ChecksumCRC32C, put.ChecksumCRC64NVME, put.ChecksumSHA1, put.ChecksumSHA256); got != checksumOf(want, body) {
						t.Errorf("PutObject %s: checksum %q, want %q", key, got, checksumOf(want, body))
					}
					framing := env.rec.get("PUT", "/"+b+"/"+key)
					wantFraming := env.wantPayload + " x-amz-checksum-" + strings.ToLower(string(want))
					switch {
					case env.wantPayload == "":
						wantFraming = s3test.SHA256Hex(body) + " "
					case size == 0:
						wantFraming = "UNSIGNED-PAYLOAD " // an empty body goes whole, its checksum in a header
					}
					if framing != wantFraming {
						t.Errorf("PutObject %s was sent as %q, want %q", key, framing, wantFraming)
					}
					out, got := getAll(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
					if !bytes.Equal(got, body) || aws.ToInt64(out.ContentLength) != int64(size) || aws.ToString(out.ETag) != `"`+md5HexOf(body)+`"` {
						t.Errorf("GetObject %s: %d bytes (equal %v), ETag %s", key, len(got), bytes.Equal(got, body), aws.ToString(out.ETag))
					}
					if got := checksumField(want, out.ChecksumCRC32, out.ChecksumCRC32C, out.ChecksumCRC64NVME, out.ChecksumSHA1, out.ChecksumSHA256); got != checksumOf(want, body) {
						t.Errorf("GetObject %s: checksum %q, want %q", key, got, checksumOf(want, body))
					}
				}
			}

			// A body the SDK cannot rewind, with its length known.
			body := pseudoRandom(200, 200<<10)
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("unseekable"), Body: onlyReader{bytes.NewReader(body)},
				ContentLength: aws.Int64(int64(len(body)))}); err != nil {
				if env.name == "https" {
					t.Errorf("PutObject of an unseekable body: %v", err)
				}
			} else if _, got := getAll(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("unseekable")}); !bytes.Equal(got, body) {
				t.Errorf("unseekable body stored wrong (%d bytes)", len(got))
			}

			// A checksum the caller declares is checked against the body.
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("wrong"), Body: bytes.NewReader(body),
				ChecksumCRC32: aws.String(checksumOf(types.ChecksumAlgorithmCrc32, []byte("other")))}); apiCode(err) != "BadDigest" {
				t.Errorf("PutObject with a wrong CRC32: %v, want BadDigest", err)
			}
			if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("wrong")}); httpStatus(err) != 404 {
				t.Errorf("a refused upload left an object: %v", err)
			}

			// Multipart through the uploader, each part with its own trailing checksum: the
			// object's checksum is S3's composite one, the checksum of the parts' checksums.
			big := pseudoRandom(201, 11*mib)
			etag, err := managerUpload(ctx, c, 5*mib, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("multi"), Body: bytes.NewReader(big),
				ChecksumAlgorithm: types.ChecksumAlgorithmCrc32c})
			if err != nil {
				t.Fatal(err)
			}
			parts := [][]byte{big[:5*mib], big[5*mib : 10*mib], big[10*mib:]}
			if want := `"` + multipartETag(parts...) + `"`; etag != want {
				t.Errorf("multipart ETag %s, want %s", etag, want)
			}
			var sums []byte
			for _, p := range parts {
				s, _ := base64.StdEncoding.DecodeString(checksumOf(types.ChecksumAlgorithmCrc32c, p))
				sums = append(sums, s...)
			}
			composite := checksumOf(types.ChecksumAlgorithmCrc32c, sums) + "-3"
			head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("multi"), ChecksumMode: types.ChecksumModeEnabled})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(head.ChecksumCRC32C) != composite || head.ChecksumType != types.ChecksumTypeComposite {
				t.Errorf("multipart checksum %q (%s), want %q COMPOSITE", aws.ToString(head.ChecksumCRC32C), head.ChecksumType, composite)
			}
			if _, got := getAll(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("multi"), ChecksumMode: types.ChecksumModeEnabled}); !bytes.Equal(got, big) {
				t.Errorf("multipart object differs (%d bytes)", len(got))
			}
		})
	}
}
