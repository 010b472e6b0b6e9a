package s3api_test

import (
	"encoding/base64"
	"net/http/httptest"
	"regexp"
	"testing"
)

// Every answer carries a request id as S3's are, 16 upper-case hex digits, and an x-amz-id-2
// of 24 bytes in base64; both differ from one request to the next, and the id-2 of one
// server starts the same (its host part).
func TestRequestIDs(t *testing.T) {
	srv, _ := benchServer(t, discardLog, discardAccess)
	hexID := regexp.MustCompile(`^[0-9A-F]{16}$`)
	seen := map[string]bool{}
	var hostPart string
	for range 3 {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, preflightRequest("bench-bucket", "https://app.example.com", "PUT", "content-type"))
		id, id2 := w.Header().Get("X-Amz-Request-Id"), w.Header().Get("X-Amz-Id-2")
		if !hexID.MatchString(id) {
			t.Errorf("x-amz-request-id %q", id)
		}
		raw, err := base64.StdEncoding.DecodeString(id2)
		if err != nil || len(raw) != 24 {
			t.Errorf("x-amz-id-2 %q: %d bytes, %v", id2, len(raw), err)
			continue
		}
		if hostPart == "" {
			hostPart = string(raw[:16])
		} else if string(raw[:16]) != hostPart {
			t.Errorf("x-amz-id-2 %q: another host part", id2)
		}
		if seen[id] || seen[id2] {
			t.Errorf("ids repeated: %s %s", id, id2)
		}
		seen[id], seen[id2] = true, true
		if w.Header().Get("Server") != "doorman" {
			t.Errorf("Server %q", w.Header().Get("Server"))
		}
	}
}
