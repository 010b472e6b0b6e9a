package s3api_test

import (
	"encoding/base64"
	"hash/crc32"
	"net/http"
	"strings"
	"testing"
)

// A configuration document is stored only when it matches the Content-MD5 or
// x-amz-checksum-* it was sent with; a mismatch is S3's BadDigest and changes nothing.
func TestConfigurationBodyDigests(t *testing.T) {
	srv, creds := benchServer(t, discardLog, discardAccess)
	doc := []byte(`<CORSConfiguration><CORSRule><AllowedOrigin>https://new.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`)
	crc := func(b []byte) string {
		var sum [4]byte
		v := crc32.ChecksumIEEE(b)
		sum[0], sum[1], sum[2], sum[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
		return base64.StdEncoding.EncodeToString(sum[:])
	}
	other := []byte("another document")
	for _, c := range []struct {
		name    string
		h       http.Header
		status  int
		code    string
		message string
	}{
		{"Content-MD5 of another body", http.Header{"Content-Md5": {md5Base64(other)}}, 400, "BadDigest", "The Content-MD5 you specified did not match what we received."},
		{"x-amz-checksum-crc32 of another body", http.Header{"X-Amz-Checksum-Crc32": {crc(other)}}, 400, "BadDigest", "The CRC32 you specified did not match the calculated checksum."},
		{"x-amz-checksum-crc32 of the body", http.Header{"X-Amz-Checksum-Crc32": {crc(doc)}}, 200, "", ""},
	} {
		w := signedSend(t, srv, creds, "PUT", "/bench-bucket?cors", doc, c.h)
		body := w.Body.String()
		if w.Code != c.status || !strings.Contains(body, "<Code>"+c.code+"</Code>") && c.code != "" ||
			!strings.Contains(body, "<Message>"+c.message+"</Message>") && c.message != "" {
			t.Errorf("%s: %d %s, want %d %s %q", c.name, w.Code, body, c.status, c.code, c.message)
		}
		stored := strings.Contains(signedSend(t, srv, creds, "GET", "/bench-bucket?cors", nil, nil).Body.String(), "https://new.example")
		if stored != (c.status == 200) {
			t.Errorf("%s: configuration stored %t", c.name, stored)
		}
	}
}
