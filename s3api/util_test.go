package s3api_test

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http/httptest"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage/disk"
)

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func md5Base64(b []byte) string {
	s := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

func sha256Base64(b []byte) string {
	s := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

// reopenable opens a store in a temporary directory of the test and returns it with a function
// that starts a server on it, owned by s3test.Owner, over TLS with secure: a test starts several
// in turn to see what a server reads of the store when it starts.
func reopenable(t *testing.T) (*disk.Store, func(secure bool) (*s3test.Client, error)) {
	t.Helper()
	store, err := disk.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return store, func(secure bool) (*s3test.Client, error) {
		h, err := s3api.New(context.Background(), s3api.Config{Backend: store, Users: []s3api.User{s3test.Owner.User()}, Region: s3test.Region})
		if err != nil {
			return nil, err
		}
		ts := httptest.NewUnstartedServer(h)
		if secure {
			ts.StartTLS()
		} else {
			ts.Start()
		}
		t.Cleanup(ts.Close)
		return &s3test.Client{URL: ts.URL, HTTP: ts.Client()}, nil
	}
}
