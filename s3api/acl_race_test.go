package s3api_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage"
)

// changingBackend changes an object just before the server replaces its ACL: between the
// HeadObject the request was authorized against and its PutObjectACL, as another request
// would.
type changingBackend struct {
	storage.Backend
	change map[string]func(ctx context.Context, b storage.Backend, bucket, key string) error // by key
}

func (b *changingBackend) PutObjectACL(ctx context.Context, bucket, key string, opts storage.PutObjectACLOptions) error {
	if change := b.change[key]; change != nil {
		if err := change(ctx, b.Backend, bucket, key); err != nil {
			return err
		}
	}
	return b.Backend.PutObjectACL(ctx, bucket, key, opts)
}

// TestPutObjectACLOnTheObjectAuthorized: PutObjectAcl changes the ACL of the object it was
// authorized for, or of none. An account that may change one object's ACL (WRITE_ACP) does not
// get to set the ACL of a private object written under the key meanwhile, nor to keep using a
// WRITE_ACP revoked meanwhile: the request fails as S3 fails a request that meets a concurrent
// change, 409 OperationAborted, and the client may try again (and is then authorized against
// the object as it is).
func TestPutObjectACLOnTheObjectAuthorized(t *testing.T) {
	t.Parallel()
	const message = "A conflicting conditional operation is currently in progress against this resource. Please try again."
	overwrite := func(ctx context.Context, b storage.Backend, bucket, key string) error {
		info, err := b.HeadObject(ctx, bucket, key, storage.ReadOptions{})
		if err == nil {
			_, err = b.PutObject(ctx, bucket, key, bytes.NewReader([]byte("v2")), storage.PutObjectOptions{Size: 2, Owner: info.Owner})
		}
		return err
	}
	revoke := func(ctx context.Context, b storage.Backend, bucket, key string) error {
		return b.PutObjectACL(ctx, bucket, key, storage.PutObjectACLOptions{ACL: "private"})
	}
	backend := &changingBackend{change: map[string]func(context.Context, storage.Backend, string, string) error{"overwritten": overwrite, "revoked": revoke}}
	srv := s3test.Start(t, func(c *s3api.Config) {
		backend.Backend = c.Backend
		c.Backend = backend
		c.Users = append(c.Users, s3api.User{AccessKey: granteeRoot.AccessKey, SecretKey: granteeRoot.SecretKey, DisplayName: granteeRoot.Name, Account: granteeAccount})
	})
	grantee := canonicalID(t, srv, granteeRoot)
	aclBucket(t, srv, "race")
	for _, tc := range []struct {
		key    string
		status int
		code   string // "" for success
	}{
		{"unchanged", 200, ""},
		{"overwritten", 409, "OperationAborted"},
		{"revoked", 409, "OperationAborted"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			path := "/race/" + tc.key
			srv.Must(t, 200, s3test.Request{Method: "PUT", Path: path, Body: []byte("v1"), As: s3test.Owner,
				Header: http.Header{"X-Amz-Grant-Write-Acp": {`id="` + grantee + `"`}}})
			res, body := srv.Do(t, s3test.Request{Method: "PUT", Path: path + "?acl", As: granteeRoot,
				Header: http.Header{"X-Amz-Grant-Read": {`id="` + grantee + `"`}}})
			read := 200
			if tc.code != "" {
				s3test.WantError(t, "PUT "+path+"?acl ("+pageErrors+")", res, body, tc.status, tc.code, message)
				read = 403
			} else if res.StatusCode != tc.status {
				t.Fatalf("PUT %s?acl: %d\n%s", path, res.StatusCode, body)
			}
			srv.Must(t, read, s3test.Request{Method: "GET", Path: path, As: granteeRoot})
		})
	}
}
