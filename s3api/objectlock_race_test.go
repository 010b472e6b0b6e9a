package s3api_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage"
)

// newerVersionBackend writes a newer version under a key named "raced..." just before the
// server changes the retention or legal hold of one of its versions: between the HeadObject
// the request was authorized against and the change, as another request would.
type newerVersionBackend struct{ storage.Backend }

func (b *newerVersionBackend) writeNewer(ctx context.Context, bucket, key string) error {
	if !strings.HasPrefix(key, "raced") {
		return nil
	}
	info, err := b.HeadObject(ctx, bucket, key, storage.ReadOptions{})
	if err == nil {
		_, err = b.PutObject(ctx, bucket, key, bytes.NewReader([]byte("newer")), storage.PutObjectOptions{Size: 5, Owner: info.Owner})
	}
	return err
}

func (b *newerVersionBackend) PutObjectRetention(ctx context.Context, bucket, key string, opts storage.PutObjectRetentionOptions) error {
	if err := b.writeNewer(ctx, bucket, key); err != nil {
		return err
	}
	return b.Backend.PutObjectRetention(ctx, bucket, key, opts)
}

func (b *newerVersionBackend) PutObjectLegalHold(ctx context.Context, bucket, key string, opts storage.PutObjectLegalHoldOptions) error {
	if err := b.writeNewer(ctx, bucket, key); err != nil {
		return err
	}
	return b.Backend.PutObjectLegalHold(ctx, bucket, key, opts)
}

// TestVersionLockOnTheVersionAuthorized: PutObjectRetention and PutObjectLegalHold without a
// versionId change the latest version as the request found it, the one the caller was
// authorized for, even when a newer version is written before the change is made; the newer
// version gets nothing it was not authorized for. Without a race the latest is the newest
// version written.
func TestVersionLockOnTheVersionAuthorized(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, func(c *s3api.Config) { c.Backend = &newerVersionBackend{c.Backend} })
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/lockrace", As: s3test.Owner, Header: hdr("X-Amz-Bucket-Object-Lock-Enabled", "true")})
	put := func(key string) string {
		res, body := srv.Do(t, s3test.Request{Method: "PUT", Path: "/lockrace/" + key, Body: []byte("b"), Header: withBodyMD5("b"), As: s3test.Owner})
		if res.StatusCode != 200 {
			t.Fatalf("PUT %s: %d\n%s", key, res.StatusCode, body)
		}
		return res.Header.Get("X-Amz-Version-Id")
	}
	for _, tc := range []struct {
		key, sub, doc, set string
	}{
		{"raced-retention", "retention", retentionDoc("GOVERNANCE", until2100), "<Mode>GOVERNANCE</Mode>"},
		{"raced-legal-hold", "legal-hold", legalHoldDoc("ON"), "<Status>ON</Status>"},
		{"retention", "retention", retentionDoc("GOVERNANCE", until2100), "<Mode>GOVERNANCE</Mode>"},
		{"legal-hold", "legal-hold", legalHoldDoc("ON"), "<Status>ON</Status>"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			put(tc.key)
			authorized := put(tc.key) // the latest when the change is asked for
			path := "/lockrace/" + tc.key + "?" + tc.sub
			srv.Must(t, 200, s3test.Request{Method: "PUT", Path: path, Body: []byte(tc.doc), Header: withBodyMD5(tc.doc), As: s3test.Owner})
			res, body := srv.Do(t, s3test.Request{Method: "GET", Path: path + "&versionId=" + authorized, As: s3test.Owner})
			if res.StatusCode != 200 || !strings.Contains(string(body), tc.set) {
				t.Errorf("%s (%s): the version read for the change: %d\n%s", path, pagePutRetention, res.StatusCode, body)
			}
			if !strings.HasPrefix(tc.key, "raced") {
				return
			}
			res, _ = srv.Do(t, s3test.Request{Method: "HEAD", Path: "/lockrace/" + tc.key, As: s3test.Owner})
			newer := res.Header.Get("X-Amz-Version-Id")
			res, body = srv.Do(t, s3test.Request{Method: "GET", Path: path + "&versionId=" + newer, As: s3test.Owner})
			if newer == authorized || res.StatusCode != 404 {
				t.Errorf("%s (%s): the version written meanwhile (%s, read %s): %d, want 404\n%s", path, pagePutRetention, newer, authorized, res.StatusCode, body)
			}
		})
	}
}
