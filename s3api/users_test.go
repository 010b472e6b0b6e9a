package s3api_test

import (
	"context"
	"testing"

	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage/disk"
)

// A display name is shown to anyone who may list the user's buckets: it may not be one of the
// user's credentials.
func TestDisplayNameIsNeverACredential(t *testing.T) {
	store, err := disk.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, tt := range []struct {
		name string
		user s3api.User
		ok   bool
	}{
		{"none", s3api.User{AccessKey: "AKID1", SecretKey: "secret1"}, true},
		{"a name", s3api.User{AccessKey: "AKID1", SecretKey: "secret1", DisplayName: "team"}, true},
		{"the access key", s3api.User{AccessKey: "AKID1", SecretKey: "secret1", DisplayName: "AKID1"}, false},
		{"the secret key", s3api.User{AccessKey: "AKID1", SecretKey: "secret1", DisplayName: "secret1"}, false},
	} {
		_, err := s3api.New(context.Background(), s3api.Config{Backend: store, Users: []s3api.User{tt.user}})
		if (err == nil) != tt.ok {
			t.Errorf("%s: New = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}
