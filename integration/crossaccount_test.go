package integration

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// usersFile writes the --credentials file of s3test's Other and Third accounts, who are, like
// the main test user (s3test.Owner), accounts of their own.
func usersFile(t *testing.T) string {
	t.Helper()
	var users []map[string]string
	for _, p := range []s3test.Account{s3test.Other, s3test.Third} {
		users = append(users, map[string]string{"accessKey": p.AccessKey, "secretKey": p.SecretKey, "displayName": p.Name})
	}
	doc, err := json.Marshal(users)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "users.json")
	if err := os.WriteFile(file, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// ACL changes take effect at once for every caller, both ways, and survive a restart.
func TestCrossAccountACLChanges(t *testing.T) {
	t.Parallel()
	data, file := t.TempDir(), usersFile(t)
	srv := startServer(t, data, "--credentials", file)
	srv.CreateACLBucket(t, s3test.Owner, "acl-changes", "private")
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/acl-changes/obj", Body: []byte("object body"), As: s3test.Owner})
	check := func(step string, p s3test.Account, path string, want int) {
		t.Helper()
		if res, body := srv.Do(t, s3test.Request{Method: "GET", Path: path, As: p}); res.StatusCode != want {
			t.Errorf("%s: GET %s as %s: %d, want %d\n%s", step, path, p.Name, res.StatusCode, want, body)
		}
	}
	check("private", s3test.Other, "/acl-changes", 403)
	check("private", s3test.Anonymous, "/acl-changes/obj", 403)
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/acl-changes?acl", Header: http.Header{"X-Amz-Acl": {"authenticated-read"}}, As: s3test.Owner})
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/acl-changes/obj?acl", Header: http.Header{"X-Amz-Acl": {"public-read"}}, As: s3test.Owner})
	check("opened", s3test.Other, "/acl-changes", 200)
	check("opened", s3test.Anonymous, "/acl-changes", 403)
	check("opened", s3test.Anonymous, "/acl-changes/obj", 200)
	srv.stop()
	srv = startServer(t, data, "--credentials", file)
	check("opened, after a restart", s3test.Other, "/acl-changes", 200)
	check("opened, after a restart", s3test.Anonymous, "/acl-changes/obj", 200)
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/acl-changes?acl", Header: http.Header{"X-Amz-Acl": {"private"}}, As: s3test.Owner})
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/acl-changes/obj?acl", Header: http.Header{"X-Amz-Acl": {"private"}}, As: s3test.Owner})
	check("closed again", s3test.Other, "/acl-changes", 403)
	check("closed again", s3test.Anonymous, "/acl-changes/obj", 403)
}
