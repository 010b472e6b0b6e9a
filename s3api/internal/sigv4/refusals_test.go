package sigv4

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/s3api/internal/s3err"
)

func TestUnsupportedAuthorization(t *testing.T) {
	for _, authz := range []string{"Bearer token", "AWS4-ECDSA-P256-SHA256 Credential=x", "AWS4-HMAC-SHA25 Credential=x"} {
		r := &http.Request{Method: "GET", URL: &url.URL{Path: "/b/k"}, Host: "h", Header: http.Header{"Authorization": {authz}}}
		_, err := testVerifier(t0).Verify(r)
		want{400, "InvalidArgument", "Unsupported Authorization Type", fields("ArgumentName", "Authorization", "ArgumentValue", authz)}.check(t, err)
	}
}

// A forged signature over a request with a long, escape-heavy query gets an answer whose
// echoed elements stay within s3err.MaxEcho (three times that for the hex renderings).
func TestMismatchEchoIsBounded(t *testing.T) {
	q := "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + testAK + "%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" +
		"&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=" + strings.Repeat("0", 64) +
		"&x=" + strings.Repeat("!", 8<<10)
	r := &http.Request{Method: "GET", URL: &url.URL{Path: "/b/k", RawQuery: q}, Host: "h", Header: http.Header{}}
	_, err := testVerifier(t0).Verify(r)
	e, _ := err.(*s3err.Error)
	if e == nil || e.Code != "SignatureDoesNotMatch" {
		t.Fatalf("%v", err)
	}
	total := 0
	for _, f := range e.Extra {
		if len(f.Value) > 3*s3err.MaxEcho {
			t.Errorf("%s: %d bytes", f.Name, len(f.Value))
		}
		total += len(f.Value)
	}
	if total < s3err.MaxEcho {
		t.Errorf("only %d bytes echoed", total)
	}
}
