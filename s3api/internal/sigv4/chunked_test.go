package sigv4

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/doorman-s3/doorman/s3api/internal/checksum"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
)

// The examples of "Signature Calculations for the Authorization Header: Transferring Payload
// in Multiple Chunks" and its trailing-header variant: 65536 + 1024 bytes of 'a'.
var (
	docData         = strings.Repeat("a", 66560)
	docChunkSigs    = [3]string{"ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648", "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497", "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"}
	docTrailerSigs  = [3]string{"b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2", "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7", "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992"}
	docTrailerLines = "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n"
)

func docBody(sigs [3]string, trailer string) string {
	return fmt.Sprintf("10000;chunk-signature=%s\r\n%s\r\n400;chunk-signature=%s\r\n%s\r\n0;chunk-signature=%s\r\n%s\r\n",
		sigs[0], docData[:65536], sigs[1], docData[:1024], sigs[2], trailer)
}

func docRequest(t testing.TB, trailer bool, body string) *http.Request {
	t.Helper()
	h := map[string]string{
		"X-Amz-Date":                   "20130524T000000Z",
		"X-Amz-Storage-Class":          "REDUCED_REDUNDANCY",
		"Content-Encoding":             "aws-chunked",
		"X-Amz-Decoded-Content-Length": "66560",
		"X-Amz-Content-Sha256":         StreamingPayload,
		"Authorization":                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
	}
	if trailer {
		h["X-Amz-Content-Sha256"] = StreamingPayloadTrailer
		h["X-Amz-Trailer"] = "x-amz-checksum-crc32c"
		h["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer,Signature=106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
	}
	r, err := http.NewRequest("PUT", "http://s3.amazonaws.com/examplebucket/chunkObject.txt", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		r.Header.Set(k, v)
	}
	return wire(t, r)
}

// oneByteReader returns the body a byte at a time, to exercise every decoder boundary.
type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

func TestDocumentedChunkedUpload(t *testing.T) {
	for _, trailer := range []bool{false, true} {
		sigs, lines := docChunkSigs, ""
		if trailer {
			sigs, lines = docTrailerSigs, docTrailerLines
		}
		body := docBody(sigs, lines)
		if !trailer && len(body) != 66824 {
			t.Fatalf("documented Content-Length is 66824, built %d", len(body))
		}
		for _, slow := range []bool{false, true} {
			r := docRequest(t, trailer, body)
			if slow {
				r.Body = io.NopCloser(oneByteReader{r.Body})
			}
			res, err := testVerifier(t0).Verify(r)
			if err != nil {
				t.Fatalf("trailer=%v: %v", trailer, err)
			}
			got, err := io.ReadAll(res.Body)
			if err != nil || string(got) != docData {
				t.Fatalf("trailer=%v slow=%v: %d bytes, %v", trailer, slow, len(got), err)
			}
			if res.DecodedLength != 66560 || !res.Payload.Chunked() {
				t.Fatalf("result %+v", res)
			}
			c, ok := res.TrailingChecksum()
			if trailer != ok || trailer && c != (checksum.Checksum{Algorithm: checksum.CRC32C, Value: "sOO8/Q=="}) {
				t.Fatalf("trailing checksum %v %v", c, ok)
			}
		}
	}
}

func TestChunkedTampering(t *testing.T) {
	base := docBody(docChunkSigs, "")
	baseTrailer := docBody(docTrailerSigs, docTrailerLines)
	cases := []struct {
		name    string
		trailer bool
		body    string
		code    string
	}{
		{"a data byte", false, strings.Replace(base, "\r\naaaa", "\r\nbaaa", 1), "SignatureDoesNotMatch"},
		{"a byte of the last chunk", false, strings.Replace(base, "a\r\n0;", "b\r\n0;", 1), "SignatureDoesNotMatch"},
		{"the first chunk signature", false, strings.Replace(base, docChunkSigs[0], docChunkSigs[1], 1), "SignatureDoesNotMatch"},
		{"the final chunk signature", false, strings.Replace(base, docChunkSigs[2], strings.Repeat("0", 64), 1), "SignatureDoesNotMatch"},
		{"chunks reordered", false, fmt.Sprintf("400;chunk-signature=%s\r\n%s\r\n10000;chunk-signature=%s\r\n%s\r\n0;chunk-signature=%s\r\n\r\n",
			docChunkSigs[1], docData[:1024], docChunkSigs[0], docData[:65536], docChunkSigs[2]), "SignatureDoesNotMatch"},
		// Content-Length is signed in the first example only; the second one is used where the
		// length changes.
		{"the last chunk dropped", true, baseTrailer[:strings.Index(baseTrailer, "0;chunk-signature")], "IncompleteBody"},
		{"truncated", true, baseTrailer[:40000], "IncompleteBody"},
		{"truncated in a chunk header", true, baseTrailer[:65536+90], "IncompleteBody"},
		{"no signature", true, strings.Replace(baseTrailer, ";chunk-signature="+docTrailerSigs[0], "", 1), "IncompleteBody"},
		{"a size that is not hex", false, strings.Replace(base, "10000;", "1000x;", 1), "IncompleteBody"},
		{"more data than declared", false, strings.Replace(base, "400;", "401;", 1), "IncompleteBody"},
		{"the trailing checksum", true, strings.Replace(baseTrailer, "sOO8/Q==", "AAAAAA==", 1), "SignatureDoesNotMatch"},
		{"the trailer signature", true, strings.Replace(baseTrailer, "d81f82fc", "d81f82fd", 1), "SignatureDoesNotMatch"},
		{"no trailer signature", true, strings.Replace(baseTrailer, "x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n", "", 1), "MalformedTrailerError"},
		{"no trailer", true, strings.Replace(baseTrailer, docTrailerLines, "", 1), "MalformedTrailerError"},
		{"another checksum trailer", true, strings.Replace(baseTrailer, "crc32c:sOO8/Q==", "crc32:sOO8/Q==", 1), "MalformedTrailerError"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := testVerifier(t0).Verify(docRequest(t, c.trailer, c.body))
			if err != nil {
				t.Fatal(err)
			}
			n, err := io.Copy(io.Discard, res.Body)
			if code(err) != c.code {
				t.Fatalf("got %v after %d bytes, want %s", err, n, c.code)
			}
			if n > 66560 {
				t.Fatalf("decoded %d bytes", n)
			}
		})
	}
}

// unsignedChunked frames data as STREAMING-UNSIGNED-PAYLOAD-TRAILER.
func unsignedChunked(data string, size int, trailer string) string {
	var b strings.Builder
	for len(data) > 0 {
		n := min(size, len(data))
		fmt.Fprintf(&b, "%x\r\n%s\r\n", n, data[:n])
		data = data[n:]
	}
	b.WriteString("0\r\n" + trailer + "\r\n")
	return b.String()
}

func unsignedTrailerRequest(t *testing.T, body string, decoded int, trailer string) *http.Request {
	t.Helper()
	r, err := http.NewRequest("PUT", "http://s3.example.com/bucket/key", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("X-Amz-Content-Sha256", StreamingUnsignedPayloadTrailer)
	r.Header.Set("X-Amz-Decoded-Content-Length", fmt.Sprint(decoded))
	r.Header.Set("Content-Encoding", "aws-chunked")
	if trailer != "" {
		r.Header.Set("X-Amz-Trailer", trailer)
	}
	return signHeader(t, r, t0)
}

func TestUnsignedTrailer(t *testing.T) {
	data := strings.Repeat("0123456789", 3000)
	sum := checksum.SHA256.Sum([]byte(data))
	cases := []struct {
		name, body, trailer, code string
	}{
		{"valid", unsignedChunked(data, 8192, "x-amz-checksum-sha256:"+sum+"\r\n"), "x-amz-checksum-sha256", ""},
		{"no final CRLF", strings.TrimSuffix(unsignedChunked(data, 8192, "x-amz-checksum-sha256:"+sum+"\r\n"), "\r\n"), "x-amz-checksum-sha256", ""},
		{"no trailer announced", unsignedChunked(data, 1000, ""), "", ""},
		{"checksum mismatch", unsignedChunked(data, 8192, "x-amz-checksum-sha256:"+checksum.SHA256.Sum(nil)+"\r\n"), "x-amz-checksum-sha256", "BadDigest"},
		{"data changed", strings.Replace(unsignedChunked(data, 8192, "x-amz-checksum-sha256:"+sum+"\r\n"), "0123", "0124", 1), "x-amz-checksum-sha256", "BadDigest"},
		{"checksum missing", unsignedChunked(data, 8192, ""), "x-amz-checksum-sha256", "MalformedTrailerError"},
		{"checksum not base64 of the right size", unsignedChunked(data, 8192, "x-amz-checksum-sha256:AAAA\r\n"), "x-amz-checksum-sha256", "MalformedTrailerError"},
		{"too many trailers", unsignedChunked(data, 8192, strings.Repeat("x-amz-checksum-sha256:"+sum+"\r\n", 9)), "x-amz-checksum-sha256", "MalformedTrailerError"},
		{"chunk line too long", "1" + strings.Repeat(";x=y", 300) + "\r\n", "", "IncompleteBody"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := testVerifier(t0).Verify(unsignedTrailerRequest(t, c.body, len(data), c.trailer))
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(res.Body)
			if code(err) != c.code {
				t.Fatalf("got %v, want %q", err, c.code)
			}
			if c.code == "" && string(got) != data {
				t.Fatalf("decoded %d bytes", len(got))
			}
		})
	}
	var e *s3err.Error
	res, _ := testVerifier(t0).Verify(unsignedTrailerRequest(t, cases[3].body, len(data), cases[3].trailer))
	if _, err := io.ReadAll(res.Body); !errors.As(err, &e) || e.Message != "The SHA256 you specified did not match the calculated checksum." {
		t.Fatalf("mismatch message: %v", err)
	}
	if _, err := testVerifier(t0).Verify(unsignedTrailerRequest(t, "", 0, "x-amz-checksum-md5")); code(err) != "InvalidRequest" {
		t.Fatalf("unsupported trailer: %v", err)
	}
}

// s3Server runs a server whose PutObject handler authenticates with the verifier and records
// what it decoded.
type s3Server struct {
	mu       sync.Mutex
	body     []byte
	payload  string
	header   checksum.Checksum
	trailing checksum.Checksum
	err      error
}

func (s *s3Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body, s.err, s.payload = nil, nil, r.Header.Get("X-Amz-Content-Sha256")
	res, err := New(Config{Credentials: StaticCredentials{testAK: testSecret}, Region: testRegion}).Verify(r)
	if err == nil {
		var declared checksum.Checksum
		if declared, err = checksum.FromHeader(r.Header); err == nil {
			body := res.Body
			if declared.Algorithm != "" {
				body = checksum.NewChecksumReader(body, declared)
			}
			s.header = declared
			s.body, err = io.ReadAll(body)
			s.trailing, _ = res.TrailingChecksum()
		}
	}
	s.err = err
	if err != nil {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	w.Header().Set("ETag", `"x"`)
}

func TestSDKPutObject(t *testing.T) {
	data := bytes.Repeat([]byte("doorman "), 40000) // 320000 bytes: several aws-chunked chunks
	for _, tc := range []struct {
		name    string
		tls     bool
		alg     types.ChecksumAlgorithm
		payload string
	}{
		{"http default", false, "", ""},
		{"http crc64nvme", false, types.ChecksumAlgorithmCrc64nvme, ""},
		{"https default", true, "", StreamingUnsignedPayloadTrailer},
		{"https crc64nvme", true, types.ChecksumAlgorithmCrc64nvme, StreamingUnsignedPayloadTrailer},
		{"https crc32c", true, types.ChecksumAlgorithmCrc32c, StreamingUnsignedPayloadTrailer},
		{"https sha1", true, types.ChecksumAlgorithmSha1, StreamingUnsignedPayloadTrailer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := &s3Server{}
			var ts *httptest.Server
			if tc.tls {
				ts = httptest.NewTLSServer(srv)
			} else {
				ts = httptest.NewServer(srv)
			}
			defer ts.Close()
			client := s3.New(s3.Options{
				Region:           testRegion,
				BaseEndpoint:     aws.String(ts.URL),
				UsePathStyle:     true,
				Credentials:      credentials.NewStaticCredentialsProvider(testAK, testSecret, ""),
				HTTPClient:       ts.Client(),
				RetryMaxAttempts: 1,
				// What config.LoadDefaultConfig selects when nothing overrides it.
				RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
			})
			_, err := client.PutObject(t.Context(), &s3.PutObjectInput{
				Bucket:            aws.String("bucket"),
				Key:               aws.String("dir/a b+c~ü.txt"),
				Body:              bytes.NewReader(data),
				ChecksumAlgorithm: tc.alg,
				Metadata:          map[string]string{"color": "red"},
			})
			srv.mu.Lock()
			defer srv.mu.Unlock()
			if err != nil || srv.err != nil {
				t.Fatalf("client: %v; server: %v", err, srv.err)
			}
			if !bytes.Equal(srv.body, data) {
				t.Fatalf("decoded %d bytes", len(srv.body))
			}
			want := checksum.CRC32
			if tc.alg != "" {
				want, _ = checksum.ParseAlgorithm(string(tc.alg))
			}
			got := srv.header
			if tc.payload != "" {
				got = srv.trailing
			} else if srv.payload != sha256Hex(data) {
				t.Fatalf("payload hash %q", srv.payload)
			}
			if tc.payload != "" && srv.payload != tc.payload {
				t.Fatalf("payload %q, want %q", srv.payload, tc.payload)
			}
			// The SDK computed this checksum with its own implementation.
			if got.Algorithm != want || got.Value != want.Sum(data) {
				t.Fatalf("checksum %v %q, want %v %q", got.Algorithm, got.Value, want, want.Sum(data))
			}
		})
	}
}

func TestSDKPresignedPut(t *testing.T) {
	srv := &s3Server{}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	client := s3.New(s3.Options{
		Region:       testRegion,
		BaseEndpoint: aws.String(ts.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(testAK, testSecret, ""),
	})
	req, err := s3.NewPresignClient(client).PresignPutObject(t.Context(), &s3.PutObjectInput{
		Bucket: aws.String("bucket"),
		Key:    aws.String("presigned key ü+~"),
	}, s3.WithPresignExpires(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	hr, err := http.NewRequest(req.Method, req.URL, strings.NewReader("presigned body"))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range req.SignedHeader {
		if !strings.EqualFold(k, "host") {
			hr.Header[k] = v
		}
	}
	resp, err := ts.Client().Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if resp.StatusCode != 200 || srv.err != nil || string(srv.body) != "presigned body" {
		t.Fatalf("status %d, %v, %q", resp.StatusCode, srv.err, srv.body)
	}
}
