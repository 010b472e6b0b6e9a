package s3api_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage/disk"
)

// A bucket whose stored policy, Object Ownership or Block Public Access no longer decodes
// (written by hand, by another version, or damaged) fails closed when the server starts: the
// server starts, logs the bucket, and holds it to the most closed form of what it cannot read
// (a policy denying everything but its owner's policy operations, BucketOwnerEnforced, every
// public access blocked) until the owner replaces or deletes it. Each case writes the damaged
// document through the storage backend, under the kind the server stores it as.
func TestCorruptStoredAccessConfig(t *testing.T) {
	t.Parallel()
	type step struct {
		r      s3test.Request
		status int
		body   string // a success's body contains it
	}
	get := func(as s3test.Account) s3test.Request {
		return s3test.Request{Method: "GET", Path: "/damaged/k", As: as}
	}
	const corruptPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow"`
	repairedPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::damaged/*"}]}`
	ownershipDoc := []byte(`<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>`)
	for _, tc := range []struct {
		name, kind, doc string
		logged          string
		steps           []step
	}{
		{"bucket policy", "policy", corruptPolicy, "stored bucket policy cannot be parsed", []step{
			{get(s3test.Anonymous), 403, ""},
			{get(s3test.Other), 403, ""},
			{get(s3test.Owner), 403, ""},
			{s3test.Request{Method: "GET", Path: "/damaged?list-type=2", As: s3test.Owner}, 403, ""},
			{s3test.Request{Method: "GET", Path: "/damaged?policy", As: s3test.Owner}, 200, corruptPolicy},
			{s3test.Request{Method: "PUT", Path: "/damaged?policy", Body: []byte(repairedPolicy), As: s3test.Other}, 403, ""},
			{s3test.Request{Method: "PUT", Path: "/damaged?policy", Body: []byte(repairedPolicy), As: s3test.Owner}, 204, ""},
			{get(s3test.Anonymous), 200, "body"},
			{get(s3test.Owner), 200, "body"},
		}},
		{"bucket policy deleted", "policy", "not a policy", "stored bucket policy cannot be parsed", []step{
			{get(s3test.Anonymous), 403, ""},
			{s3test.Request{Method: "DELETE", Path: "/damaged?policy", As: s3test.Owner}, 204, ""},
			{get(s3test.Anonymous), 200, "body"},
		}},
		{"ownership controls", "ownership-controls", "<OwnershipControls><Rule>", "stored ownership controls cannot be decoded", []step{
			{get(s3test.Anonymous), 403, ""},
			{get(s3test.Owner), 200, "body"},
			{s3test.Request{Method: "GET", Path: "/damaged?ownershipControls", As: s3test.Owner}, 200, "<ObjectOwnership>BucketOwnerEnforced</ObjectOwnership>"},
			{s3test.Request{Method: "PUT", Path: "/damaged?ownershipControls", Body: ownershipDoc, As: s3test.Owner,
				Header: http.Header{"Content-Md5": {s3test.MD5Base64(ownershipDoc)}}}, 200, ""},
			{get(s3test.Anonymous), 200, "body"},
		}},
		{"public access block", "public-access-block", "<PublicAccessBlockConfiguration><IgnorePublicAcls>maybe</IgnorePublicAcls></PublicAccessBlockConfiguration>", "stored public access block cannot be decoded", []step{
			{get(s3test.Anonymous), 403, ""},
			{get(s3test.Owner), 200, "body"},
			{s3test.Request{Method: "GET", Path: "/damaged?publicAccessBlock", As: s3test.Owner}, 200, "<IgnorePublicAcls>true</IgnorePublicAcls>"},
			{s3test.Request{Method: "DELETE", Path: "/damaged?publicAccessBlock", As: s3test.Owner}, 204, ""},
			{get(s3test.Anonymous), 200, "body"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store, err := disk.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = store.Close() })
			users := []s3api.User{s3test.Owner.User(), s3test.Other.User()}
			start := func(log *slog.Logger) *s3test.Client {
				h, err := s3api.New(context.Background(), s3api.Config{Backend: store, Users: users, Region: s3test.Region, Logger: log})
				if err != nil {
					t.Fatalf("the server does not start: %v", err)
				}
				ts := httptest.NewServer(h)
				t.Cleanup(ts.Close)
				return &s3test.Client{URL: ts.URL, HTTP: ts.Client()}
			}
			first := start(nil)
			first.Must(t, 200, s3test.Request{Method: "PUT", Path: "/damaged", As: s3test.Owner, Header: http.Header{"X-Amz-Object-Ownership": {"ObjectWriter"}}})
			first.Must(t, 204, s3test.Request{Method: "DELETE", Path: "/damaged?publicAccessBlock", As: s3test.Owner})
			first.Must(t, 200, s3test.Request{Method: "PUT", Path: "/damaged/k", Body: []byte("body"), As: s3test.Owner, Header: http.Header{"X-Amz-Acl": {"public-read"}}})
			first.Must(t, 200, get(s3test.Anonymous))
			if err := store.PutBucketConfig(context.Background(), "damaged", tc.kind, []byte(tc.doc)); err != nil {
				t.Fatal(err)
			}
			log := &s3test.SyncBuffer{}
			srv := start(slog.New(slog.NewJSONHandler(log, nil)))
			if l := log.String(); !strings.Contains(l, `"level":"ERROR"`) || !strings.Contains(l, tc.logged) || !strings.Contains(l, `"bucket":"damaged"`) {
				t.Errorf("the start's log does not name the bucket:\n%s", l)
			}
			for i, s := range tc.steps {
				res, body := srv.Do(t, s.r)
				if res.StatusCode != s.status || !strings.Contains(string(body), s.body) {
					t.Errorf("step %d, %s %s as %s: %d %s, want %d with %q", i, s.r.Method, s.r.Path, s.r.As.Name, res.StatusCode, body, s.status, s.body)
				}
			}
		})
	}
}
