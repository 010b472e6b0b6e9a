package sigv4

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"
)

func FuzzAuthorizationHeader(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + emptySHA256)
	f.Add("AWS4-HMAC-SHA256 Credential=/,SignedHeaders=;;,Signature=")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e/f")
	f.Add("AWS4-HMAC-SHA256 ,,,=")
	v := testVerifier(t0)
	f.Fuzz(func(t *testing.T, authz string) {
		r := &http.Request{Method: "GET", URL: &url.URL{Path: "/"}, Host: "h", Header: http.Header{
			"Authorization":        {authz},
			"X-Amz-Date":           {"20130524T000000Z"},
			"X-Amz-Content-Sha256": {emptySHA256},
		}}
		if _, err := v.Verify(r); err == nil {
			t.Fatalf("forged header accepted: %q", authz)
		}
	})
}

func FuzzPresignedQuery(f *testing.F) {
	f.Add("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
	f.Add("x-amz-algorithm&X-Amz-Credential=%&X-Amz-Expires=99999999999999999999&a=%zz+%2")
	f.Add("X-Amz-Signature=&&&=&X-Amz-Date=2013")
	v := testVerifier(t0.Add(time.Hour))
	f.Fuzz(func(t *testing.T, query string) {
		r := &http.Request{Method: "GET", URL: &url.URL{Path: "/test.txt", RawQuery: query}, Host: "examplebucket.s3.amazonaws.com", Header: http.Header{}}
		res, err := v.Verify(r)
		if err == nil && !res.Presigned {
			t.Fatalf("query %q accepted without being presigned", query)
		}
	})
}

// FuzzChunked feeds arbitrary bodies to the decoder in each streaming mode. It must not panic,
// must never return more bytes than it was given nor than were declared, and must end every
// body with io.EOF or an error.
func FuzzChunked(f *testing.F) {
	f.Add([]byte(unsignedChunked("hello world", 4, "x-amz-checksum-crc32:DUoRhQ==\r\n")), uint8(0), uint16(11))
	f.Add([]byte(docBody(docChunkSigs, "")[:300]), uint8(1), uint16(65535))
	f.Add([]byte("5;chunk-signature="+emptySHA256+"\r\nhello\r\n0;chunk-signature="+emptySHA256+"\r\nx-amz-checksum-crc32:AAAAAA==\r\nx-amz-trailer-signature:"+emptySHA256+"\r\n\r\n"), uint8(2), uint16(5))
	f.Add([]byte("ffffffffffffffff\r\n"), uint8(0), uint16(65535))
	modes := []Payload{PayloadStreamingUnsignedTrailer, PayloadStreaming, PayloadStreamingTrailer}
	key := deriveKey(testSecret, "20130524", testRegion)
	seed := bytes.Repeat([]byte{1}, 32)
	f.Fuzz(func(t *testing.T, body []byte, mode uint8, declared uint16) {
		h := http.Header{
			"X-Amz-Decoded-Content-Length": {strconv.Itoa(int(declared))},
			"X-Amz-Trailer":                {"x-amz-checksum-crc32"},
		}
		c, err := newChunkedReader(bytes.NewReader(body), h, modes[int(mode)%len(modes)], key, "20130524T000000Z", "20130524/us-east-1/s3/aws4_request", seed)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		buf := make([]byte, 7)
		for {
			m, err := c.Read(buf)
			n += m
			if n > len(body) || n > int(declared) {
				t.Fatalf("decoded %d bytes from %d, declared %d", n, len(body), declared)
			}
			if err != nil {
				break
			}
			if m == 0 {
				t.Fatal("Read returned nothing and no error")
			}
		}
		if c.done && n != int(declared) {
			t.Fatalf("ended cleanly after %d bytes, declared %d", n, declared)
		}
		if _, err := c.Read(buf); err == nil {
			t.Fatal("read after the end succeeded")
		}
	})
}
