package upstream

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/doorman-s3/doorman/storage"
)

// RawRequest is one request the tests of the client send through a Backend's client.
type RawRequest struct {
	Method, Bucket, Key string
	Query               url.Values
	Header              http.Header
	Body                io.Reader
	Size                int64
	// NotFound is the error of a 404 without a body.
	NotFound error
}

// SendForTest sends r with the client's do, signed as credentialsFor(ctx).
func (b *Backend) SendForTest(ctx context.Context, r RawRequest) (*http.Response, error) {
	return b.client.do(ctx, &request{method: r.Method, bucket: r.Bucket, key: r.Key, query: r.Query,
		header: r.Header, body: r.Body, size: r.Size, creds: b.credentialsFor(ctx), notFound: r.NotFound})
}

// OpenForTest GETs an object and returns openReader's reader over the answer, with the
// ETag, size and version id the answer tells.
func (b *Backend) OpenForTest(ctx context.Context, bucket, key string) (storage.ObjectReader, storage.ObjectInfo, error) {
	resp, err := b.SendForTest(ctx, RawRequest{Method: http.MethodGet, Bucket: bucket, Key: key})
	if err != nil {
		return nil, storage.ObjectInfo{}, err
	}
	size, _ := strconv.ParseInt(resp.Header.Get("Content-Length"), 10, 64)
	info := storage.ObjectInfo{Bucket: bucket, Key: key, Size: size,
		ETag: strings.Trim(resp.Header.Get("ETag"), `"`), VersionID: resp.Header.Get("X-Amz-Version-Id")}
	if info.VersionID == "" {
		info.VersionID = storage.NullVersion
	}
	return b.openReader(ctx, info, resp.Body), info, nil
}

// EndpointsUpForTest returns how many endpoints are up, and how many there are.
func (b *Backend) EndpointsUpForTest() (up, total int) { return b.client.healthy() }

// Every S3 error answer maps to the storage error the protocol layer turns back into the same
// answer; what maps to no sentinel keeps its status, code and message.
func TestErrorFromResponse(t *testing.T) {
	xmlErr := func(code, msg string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>` + code + `</Code><Message>` + msg + `</Message><RequestId>1</RequestId></Error>`
	}
	for _, tc := range []struct {
		name     string
		status   int
		body     string
		notFound error
		want     error                 // errors.Is
		service  *storage.ServiceError // errors.As, when want is nil
		notImpl  string                // the NotImplementedError's text
	}{
		{name: "NoSuchBucket", status: 404, body: xmlErr("NoSuchBucket", "m"), want: storage.ErrNoSuchBucket},
		{name: "NoSuchKey", status: 404, body: xmlErr("NoSuchKey", "m"), notFound: storage.ErrNoSuchVersion, want: storage.ErrNoSuchKey},
		{name: "NoSuchUpload", status: 404, body: xmlErr("NoSuchUpload", "m"), want: storage.ErrNoSuchUpload},
		{name: "NoSuchVersion", status: 404, body: xmlErr("NoSuchVersion", "m"), want: storage.ErrNoSuchVersion},
		{name: "BucketNotEmpty", status: 409, body: xmlErr("BucketNotEmpty", "m"), want: storage.ErrBucketNotEmpty},
		{name: "BucketAlreadyOwnedByYou", status: 409, body: xmlErr("BucketAlreadyOwnedByYou", "m"), want: storage.ErrBucketExists},
		{name: "InvalidBucketName", status: 400, body: xmlErr("InvalidBucketName", "m"), want: storage.ErrInvalidBucketName},
		{name: "InvalidPart", status: 400, body: xmlErr("InvalidPart", "m"), want: storage.ErrInvalidPart},
		{name: "InvalidPartOrder", status: 400, body: xmlErr("InvalidPartOrder", "m"), want: storage.ErrInvalidPartOrder},
		{name: "EntityTooSmall", status: 400, body: xmlErr("EntityTooSmall", "m"), want: storage.ErrEntityTooSmall},
		{name: "EntityTooLarge", status: 400, body: xmlErr("EntityTooLarge", "m"), want: storage.ErrEntityTooLarge},
		{name: "PreconditionFailed", status: 412, body: xmlErr("PreconditionFailed", "m"), want: storage.ErrPreconditionFailed},
		{name: "BadDigest", status: 400, body: xmlErr("BadDigest", "m"), want: storage.ErrBadDigest},
		{name: "IncompleteBody", status: 400, body: xmlErr("IncompleteBody", "m"), want: storage.ErrIncompleteBody},
		{name: "KeyTooLongError", status: 400, body: xmlErr("KeyTooLongError", "m"), want: storage.ErrKeyTooLong},
		{name: "MetadataTooLarge", status: 400, body: xmlErr("MetadataTooLarge", "m"), want: storage.ErrMetadataTooLarge},
		{name: "InvalidPartNumber", status: 416, body: xmlErr("InvalidPartNumber", "m"), want: storage.ErrInvalidPartNumber},
		{name: "XAmzContentSHA256Mismatch", status: 400, body: xmlErr("XAmzContentSHA256Mismatch", "m"), want: storage.ErrBadDigest},
		{name: "InvalidArgument on a version id", status: 400, body: xmlErr("InvalidArgument", "Invalid version id specified"), want: storage.ErrInvalidVersionID},
		{name: "InvalidArgument named versionId", status: 400,
			body: `<Error><Code>InvalidArgument</Code><Message>Invalid</Message><ArgumentName>versionId</ArgumentName></Error>`, want: storage.ErrInvalidVersionID},
		{name: "InvalidArgument on something else", status: 400, body: xmlErr("InvalidArgument", "Invalid max-keys"),
			service: &storage.ServiceError{Status: 400, Code: "InvalidArgument", Message: "Invalid max-keys"}},
		{name: "NotImplemented", status: 501, body: xmlErr("NotImplemented", "Select is not implemented"), want: storage.ErrNotImplemented, notImpl: "Select is not implemented"},
		{name: "NotImplemented without a body", status: 501, want: storage.ErrNotImplemented, notImpl: "The upstream store does not implement this request."},
		{name: "BucketAlreadyExists", status: 409, body: xmlErr("BucketAlreadyExists", "taken"),
			service: &storage.ServiceError{Status: 409, Code: "BucketAlreadyExists", Message: "taken"}},
		{name: "AccessDenied of Object Lock", status: 403, body: xmlErr("AccessDenied", "Access Denied because object protected by object lock."), want: storage.ErrObjectLocked},
		{name: "MinIO's WORM refusal", status: 400, body: xmlErr("InvalidRequest", "Object is WORM protected and cannot be overwritten"), want: storage.ErrObjectLocked},
		{name: "a write into a bucket without Object Lock", status: 400, body: xmlErr("InvalidRequest", "Bucket is missing ObjectLockConfiguration"), want: storage.ErrNoObjectLock},
		{name: "a retention in a bucket without Object Lock", status: 400, body: xmlErr("InvalidRequest", "Bucket is missing Object Lock Configuration"), want: storage.ErrNoObjectLock},
		{name: "another InvalidRequest", status: 400, body: xmlErr("InvalidRequest", "Bucket is missing ObjectLockConfiguration!"),
			service: &storage.ServiceError{Status: 400, Code: "InvalidRequest", Message: "Bucket is missing ObjectLockConfiguration!"}},
		{name: "InvalidBucketState", status: 409, body: xmlErr("InvalidBucketState", "Object Lock configuration cannot be enabled on existing buckets"),
			service: &storage.ServiceError{Status: 409, Code: "InvalidBucketState", Message: "Object Lock configuration cannot be enabled on existing buckets"}},
		{name: "AccessDenied", status: 403, body: xmlErr("AccessDenied", "Access Denied"),
			service: &storage.ServiceError{Status: 403, Code: "AccessDenied", Message: "Access Denied"}},
		{name: "SlowDown", status: 503, body: xmlErr("SlowDown", "Please reduce your request rate."),
			service: &storage.ServiceError{Status: 503, Code: "SlowDown", Message: "Please reduce your request rate."}},
		{name: "InternalError", status: 500, body: xmlErr("InternalError", "oops"),
			service: &storage.ServiceError{Status: 500, Code: "InternalError", Message: "oops"}},
		{name: "404 without a body, HEAD of a version", status: 404, notFound: storage.ErrNoSuchVersion, want: storage.ErrNoSuchVersion},
		{name: "404 without a body", status: 404, want: storage.ErrNoSuchKey},
		{name: "404 not XML", status: 404, body: "<html>not found</html>", notFound: storage.ErrNoSuchBucket, want: storage.ErrNoSuchBucket},
		{name: "412 without a body", status: 412, want: storage.ErrPreconditionFailed},
		{name: "403 without a body", status: 403,
			service: &storage.ServiceError{Status: 403, Code: "AccessDenied", Message: "Forbidden"}},
		{name: "503 without a body", status: 503,
			service: &storage.ServiceError{Status: 503, Code: "ServiceUnavailable", Message: "Service Unavailable"}},
		{name: "502 from a proxy", status: 502, body: "<html>bad gateway</html>",
			service: &storage.ServiceError{Status: 502, Code: "BadGateway", Message: "Bad Gateway"}},
		{name: "500 without a body", status: 500,
			service: &storage.ServiceError{Status: 500, Code: "InternalError", Message: "Internal Server Error"}},
		{name: "a redirect", status: 301, body: xmlErr("PermanentRedirect", "use another endpoint"),
			service: &storage.ServiceError{Status: 502, Code: "PermanentRedirect", Message: "use another endpoint"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: tc.status, Header: http.Header{"X-Test": {"kept"}},
				Body: io.NopCloser(strings.NewReader(tc.body))}
			err := errorFromResponse(&request{method: http.MethodGet, bucket: "b", key: "k", notFound: tc.notFound}, resp)
			if got := errorHeader(err).Get("X-Test"); got != "kept" {
				t.Errorf("errorHeader = %q, want the answer's header", got)
			}
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
				if tc.body != "" && strings.Contains(tc.body, "<Message>m<") && !strings.HasSuffix(err.Error(), "upstream: m") {
					t.Errorf("err = %q, want the upstream's message", err)
				}
				if tc.notImpl != "" && err.Error() != tc.notImpl {
					t.Errorf("err = %q, want %q", err, tc.notImpl)
				}
				return
			}
			se, ok := errors.AsType[*storage.ServiceError](err)
			if !ok || *se != *tc.service {
				t.Fatalf("err = %#v, want %#v", err, tc.service)
			}
		})
	}
}

// An error body is read at most 64 KiB: a longer one is not read whole.
func TestErrorBodyBounded(t *testing.T) {
	r := &countingReader{r: io.MultiReader(strings.NewReader("<Error><Code>SlowDown</Code><Message>"),
		bytes.NewReader(bytes.Repeat([]byte("x"), 1<<20)))}
	err := errorFromResponse(&request{method: http.MethodGet}, &http.Response{StatusCode: 503, Body: io.NopCloser(r)})
	if r.n > maxErrorBody {
		t.Errorf("read %d bytes of the error body, want at most %d", r.n, maxErrorBody)
	}
	if err == nil {
		t.Fatal("no error")
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// holdBack returns every byte of a good body, in any read sizes, and never the last byte
// before its reader ended: a reader failing after its last byte returns the failure with
// the last byte still held.
func TestHoldBack(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 5000) // 80000 bytes: more than the buffer
	for _, size := range []int{0, 1, 2, holdBackSize - 1, holdBackSize, holdBackSize + 1, len(data)} {
		src := data[:size]
		if err := iotest.TestReader(holdBack(bytes.NewReader(src)), src); err != nil {
			t.Errorf("%d bytes: %v", size, err)
		}
		for _, wrap := range []func(io.Reader) io.Reader{iotest.OneByteReader, iotest.HalfReader, iotest.DataErrReader} {
			got, err := io.ReadAll(holdBack(wrap(bytes.NewReader(src))))
			if err != nil || !bytes.Equal(got, src) {
				t.Errorf("%d bytes: read %d bytes, %v", size, len(got), err)
			}
		}
		boom := errors.New("bad chunk signature")
		got, err := io.ReadAll(holdBack(io.MultiReader(bytes.NewReader(src), iotest.ErrReader(boom))))
		if err != boom {
			t.Errorf("%d bytes then a failure: err = %v, want it as it came", size, err)
		}
		if size > 0 && len(got) >= size {
			t.Errorf("%d bytes then a failure: %d bytes were returned, want the last held back", size, len(got))
		}
	}
}

// An empty body that fails fails the request before anything is sent.
func TestDoEmptyBodyFailure(t *testing.T) {
	c, err := newClient(Config{Endpoints: []string{"http://127.0.0.1:1"}, Service: Credentials{AccessKey: "a", SecretKey: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("bad trailer")
	_, err = c.do(context.Background(), &request{method: http.MethodPut, bucket: "b", key: "k", body: iotest.ErrReader(boom)})
	if err != boom {
		t.Errorf("err = %v, want %v", err, boom)
	}
	_, err = c.do(context.Background(), &request{method: http.MethodPut, bucket: "b", key: "k", body: strings.NewReader("x")})
	if !errors.Is(err, storage.ErrIncompleteBody) {
		t.Errorf("err = %v, want ErrIncompleteBody for a byte in a body of size 0", err)
	}
}

// The escaped path keeps A-Za-z0-9-_.~/ and percent-encodes every other byte.
func TestS3Path(t *testing.T) {
	for _, tc := range []struct{ bucket, key, want string }{
		{"", "", "/"},
		{"b", "", "/b"},
		{"b", "dir/with space+plus=é%.txt", "/b/dir/with%20space%2Bplus%3D%C3%A9%25.txt"},
		{"b", "a//b/~x-_.", "/b/a//b/~x-_."},
		{"b", "q?h#;:@!*'()", "/b/q%3Fh%23%3B%3A%40%21%2A%27%28%29"},
		{"b", "..", "/b/%2E%2E"},
		{"b", "./a/../b/.../.c/", "/b/%2E/a/%2E%2E/b/.../.c/"},
	} {
		if got := s3Path(tc.bucket, tc.key); got != tc.want {
			t.Errorf("s3Path(%q, %q) = %q, want %q", tc.bucket, tc.key, got, tc.want)
		}
	}
}
