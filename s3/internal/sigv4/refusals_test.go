package sigv4

import (
	"net/http"
	"net/url"
	"testing"
)

func TestUnsupportedAuthorization(t *testing.T) {
	for _, authz := range []string{"Bearer token", "AWS4-ECDSA-P256-SHA256 Credential=x", "AWS4-HMAC-SHA25 Credential=x"} {
		r := &http.Request{Method: "GET", URL: &url.URL{Path: "/b/k"}, Host: "h", Header: http.Header{"Authorization": {authz}}}
		_, err := testVerifier(t0).Verify(r)
		want{400, "InvalidArgument", "Unsupported Authorization Type", fields("ArgumentName", "Authorization", "ArgumentValue", authz)}.check(t, err)
	}
}
