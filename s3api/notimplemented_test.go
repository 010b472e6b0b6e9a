package s3api_test

import (
	"context"
	"encoding/xml"
	"net/http/httptest"
	"testing"

	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage/disk"
)

// A request for a sub-resource doorman does not implement answers 501 NotImplemented with a
// message naming the sub-resource (the first in name order when there are several), not S3's
// "A header you provided ...", which would send the reader looking for a header; a request
// that names no operation at all keeps S3's wording. No answer carries a Header element.
func TestNotImplementedMessages(t *testing.T) {
	store, err := disk.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	srv, err := s3api.New(context.Background(), s3api.Config{Backend: store, Users: []s3api.User{{AccessKey: "AK", SecretKey: "SK"}}})
	if err != nil {
		t.Fatal(err)
	}
	const generic = "A header you provided implies functionality that is not implemented"
	for _, tt := range []struct {
		method, target, message string
	}{
		{"GET", "/bucket?notification", "The notification subresource is not implemented."},
		{"PUT", "/bucket/key?torrent", "The torrent subresource is not implemented."},
		{"PUT", "/bucket?intelligent-tiering", "The intelligent-tiering subresource is not implemented."},
		{"PUT", "/bucket?logging", "The logging subresource is not implemented."},
		{"PUT", "/bucket/key?lifecycle", "The lifecycle subresource is not implemented."},
		{"GET", "/bucket?website&replication", "The replication subresource is not implemented."},
		{"POST", "/bucket/key?restore", "The restore subresource is not implemented."},
		{"GET", "/?session", "The session subresource is not implemented."},
		{"PUT", "/bucket/key?acl&object-lock", "The object-lock subresource is not implemented."},
		{"PATCH", "/bucket/key", generic},
		{"POST", "/bucket/key", generic},
		{"PUT", "/", generic},
	} {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(tt.method, "http://127.0.0.1"+tt.target, nil))
		var e struct {
			Code, Message string
			Header        *string
		}
		if err := xml.Unmarshal(rec.Body.Bytes(), &e); err != nil {
			t.Fatalf("%s %s: %v: %s", tt.method, tt.target, err, rec.Body)
		}
		if rec.Code != 501 || e.Code != "NotImplemented" || e.Message != tt.message || e.Header != nil {
			t.Errorf("%s %s: %d %s %q (Header %v), want 501 NotImplemented %q", tt.method, tt.target, rec.Code, e.Code, e.Message, e.Header, tt.message)
		}
	}
}
