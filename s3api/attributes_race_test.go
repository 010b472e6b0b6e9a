package s3api_test

import (
	"context"
	"errors"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage"
)

// vanishingBackend deletes an object as soon as a read of one of its parts fails, as a
// DeleteObject would between that read and the next.
type vanishingBackend struct{ storage.Backend }

func (b *vanishingBackend) vanish(ctx context.Context, bucket, key string, opts storage.ReadOptions, err error) {
	if opts.PartNumber > 0 && errors.Is(err, storage.ErrInvalidPartNumber) {
		_, _ = b.DeleteObject(ctx, bucket, key, storage.DeleteObjectOptions{})
	}
}

func (b *vanishingBackend) HeadObject(ctx context.Context, bucket, key string, opts storage.ReadOptions) (storage.ObjectInfo, error) {
	info, err := b.Backend.HeadObject(ctx, bucket, key, opts)
	b.vanish(ctx, bucket, key, opts, err)
	return info, err
}

func (b *vanishingBackend) GetObject(ctx context.Context, bucket, key string, opts storage.ReadOptions) (storage.ObjectReader, storage.ObjectInfo, error) {
	r, info, err := b.Backend.GetObject(ctx, bucket, key, opts)
	b.vanish(ctx, bucket, key, opts, err)
	return r, info, err
}

// TestPartReadOfAVanishedObject: a partNumber read above the part count whose object is deleted
// before the count is read again answers as a read of a missing key: 404 NoSuchKey to a
// caller allowed s3:ListBucket, 403 AccessDenied to one who is not, who must not learn whether
// the key exists.
func TestPartReadOfAVanishedObject(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, func(c *s3api.Config) {
		c.Backend = &vanishingBackend{c.Backend}
		c.Users = append(c.Users, s3api.User{AccessKey: teamRoot.AccessKey, SecretKey: teamRoot.SecretKey, Account: teamAccount})
	})
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/vanish", As: s3test.Owner})
	allow := func(actions string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + teamAccount + `:root"},"Action":[` + actions + `],"Resource":["arn:aws:s3:::vanish","arn:aws:s3:::vanish/*"]}]}`
	}
	for _, tc := range []struct {
		name    string
		as      s3test.Account
		actions string
		method  string
		status  int
		code    string
	}{
		{"the owner", s3test.Owner, `"s3:GetObject"`, "GET", 404, "NoSuchKey"},
		{"s3:GetObject and s3:ListBucket", teamRoot, `"s3:GetObject","s3:ListBucket"`, "GET", 404, "NoSuchKey"},
		{"s3:GetObject alone", teamRoot, `"s3:GetObject"`, "GET", 403, "AccessDenied"},
		{"s3:GetObject alone, HEAD", teamRoot, `"s3:GetObject"`, "HEAD", 403, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			putPolicy(t, srv.Client, s3test.Owner, "vanish", allow(tc.actions))
			srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/vanish/k", Body: []byte("one part"), As: s3test.Owner})
			res, body := srv.Do(t, s3test.Request{Method: tc.method, Path: "/vanish/k?partNumber=2", As: tc.as})
			if tc.code != "" {
				s3test.WantError(t, tc.method+" /vanish/k?partNumber=2 ("+pageGetObject+")", res, body, tc.status, tc.code, "")
			} else if res.StatusCode != tc.status {
				t.Errorf("%s /vanish/k?partNumber=2 (%s): %d, want %d", tc.method, pageGetObject, res.StatusCode, tc.status)
			}
		})
	}
}
