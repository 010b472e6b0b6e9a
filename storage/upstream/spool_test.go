package upstream_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/upstream"
)

// A body of unknown length (Size -1: a browser-based POST upload's file) is spooled to a
// temporary file and sent with its Content-Length only once it has ended: stored whole when
// it ends cleanly, never sent when it fails at its end, refused when its checksum does not
// match, and its temporary file removed on every path.
func TestUnknownLengthBodySpooled(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	up, b, bucket := objBackend(t, "")
	ctx := context.Background()
	boom := errors.New("bad chunk signature")
	large := bytes.Repeat([]byte("0123456789abcdef"), 10<<10) // 160 KiB: more than is held back
	sum := sha256.Sum256(large)
	goodSHA := base64.StdEncoding.EncodeToString(sum[:])
	badSHA := base64.StdEncoding.EncodeToString(make([]byte, sha256.Size))
	for _, tc := range []struct {
		name string
		data []byte
		fail bool   // the reader fails after data
		sum  string // a SHA-256 given up front, when set
		part bool   // UploadPart instead of PutObject
		want error
	}{
		{name: "clean", data: large},
		{name: "clean, its checksum verified", data: large, sum: goodSHA},
		{name: "empty", data: []byte{}},
		{name: "failing at its end", data: large, fail: true, want: boom},
		{name: "another checksum", data: large, sum: badSHA, want: storage.ErrBadDigest},
		{name: "part, clean", data: large, part: true},
		{name: "part, failing at its end", data: large, fail: true, part: true, want: boom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := tc.name
			var body io.Reader = iotest.HalfReader(bytes.NewReader(tc.data))
			if tc.fail {
				body = io.MultiReader(body, iotest.ErrReader(boom))
			}
			var id string
			if tc.part {
				upl, err := b.CreateMultipartUpload(ctx, bucket, key, storage.CreateMultipartUploadOptions{})
				if err != nil {
					t.Fatal(err)
				}
				id = upl.UploadID
			}
			up.Reset()
			var err error
			if tc.part {
				_, err = b.UploadPart(ctx, bucket, key, id, 1, body, storage.UploadPartOptions{Size: -1})
			} else {
				opts := storage.PutObjectOptions{Size: -1}
				if tc.sum != "" {
					opts.Checksum = storage.Checksum{Algorithm: storage.ChecksumSHA256, Value: tc.sum}
				}
				_, err = b.PutObject(ctx, bucket, key, body, opts)
			}
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var puts []recorded
			for _, r := range up.Requests() {
				if r.Method == http.MethodPut {
					puts = append(puts, r)
				}
			}
			switch {
			case tc.want == nil && (len(puts) != 1 || puts[0].ContentLength != int64(len(tc.data))):
				t.Errorf("sent %+v, want one PUT with Content-Length %d", puts, len(tc.data))
			case tc.fail && len(puts) != 0:
				t.Errorf("a body failing at its end was sent: %+v", puts)
			}
			if !tc.part {
				stored := getDirect(t, up, bucket, key)
				if tc.want == nil && !bytes.Equal(stored, tc.data) || tc.want != nil && stored != nil {
					t.Errorf("stored %d bytes (nil: %t)", len(stored), stored == nil)
				}
			} else if tc.want == nil {
				res, err := b.ListParts(ctx, bucket, key, id, storage.ListPartsOptions{MaxParts: 10})
				if err != nil || len(res.Parts) != 1 || res.Parts[0].Size != int64(len(tc.data)) {
					t.Errorf("ListParts = %+v, %v; want the part of %d bytes", res.Parts, err, len(tc.data))
				}
			}
			if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
				t.Errorf("temporary files left: %v", ents)
			}
		})
	}
}

// blockingReader returns data, then tells it has done so on reached and waits for release
// before its end.
type blockingReader struct {
	r       io.Reader
	reached chan struct{}
	release chan struct{}
}

func (b *blockingReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		close(b.reached)
		<-b.release
	}
	return n, err
}

// The bytes spooled at once are bounded by Config.SpoolLimit across requests: of two bodies
// spooled together past it, the one that would pass it fails with S3's 503 SlowDown, sending
// nothing and leaving no file, while the other is stored; the budget is given back once a
// body is sent, so a later one of the same size is stored too.
func TestSpoolLimit(t *testing.T) {
	dir := t.TempDir()
	const limit = 100 << 10
	up := newUpstream(t)
	b := newBackend(t, up, func(c *upstream.Config) {
		c.SpoolDir = dir
		c.SpoolLimit = limit
	})
	ctx := context.Background()
	const bucket = "spool"
	if _, err := b.CreateBucket(ctx, bucket, storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 60<<10/16) // 60 KiB: two pass the limit
	first := &blockingReader{r: bytes.NewReader(data), reached: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := b.PutObject(ctx, bucket, "first", first, storage.PutObjectOptions{Size: -1})
		done <- err
	}()
	<-first.reached // the first body is spooled whole, its end not read yet
	up.Reset()
	_, err := b.PutObject(ctx, bucket, "second", bytes.NewReader(data), storage.PutObjectOptions{Size: -1})
	want := storage.ServiceError{Status: 503, Code: "SlowDown", Message: "Please reduce your request rate."}
	if se, ok := errors.AsType[*storage.ServiceError](err); !ok || *se != want {
		t.Errorf("the second body past the limit: err = %v, want %v", err, &want)
	}
	if n := len(up.ClientRequests()); n != 0 {
		t.Errorf("the refused body sent %d requests upstream", n)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 || !strings.HasPrefix(ents[0].Name(), "doorman-upload-") {
		t.Errorf("spool files while the first is spooled: %v, want the first's alone", ents)
	}
	close(first.release)
	if err := <-done; err != nil {
		t.Fatalf("the first body within the limit: %v", err)
	}
	if _, err := b.PutObject(ctx, bucket, "third", bytes.NewReader(data), storage.PutObjectOptions{Size: -1}); err != nil {
		t.Errorf("a body spooled once the others are done: %v", err)
	}
	for _, key := range []string{"first", "third"} {
		if got := getDirect(t, up, bucket, key); !bytes.Equal(got, data) {
			t.Errorf("%s stored %d bytes, want %d", key, len(got), len(data))
		}
	}
	if getDirect(t, up, bucket, "second") != nil {
		t.Error("the refused body was stored")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("spool files left: %v", ents)
	}
}

// New removes the spool files a previous process left in Config.SpoolDir, and nothing else
// there; a spool directory that cannot be read, or a negative limit, fails New.
func TestSpoolDirLeftovers(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"doorman-upload-123", "doorman-upload-", "other-file"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	up := newUpstream(t)
	newBackend(t, up, func(c *upstream.Config) { c.SpoolDir = dir })
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != "other-file" {
		t.Errorf("the spool directory holds %v after New, want other-file alone", ents)
	}

	for _, tc := range []struct {
		name string
		cfg  func(*upstream.Config)
		want string
	}{
		{"missing directory", func(c *upstream.Config) { c.SpoolDir = filepath.Join(dir, "none") }, "the spool directory"},
		{"negative limit", func(c *upstream.Config) { c.SpoolLimit = -1 }, "negative spool limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := upstream.Config{Endpoints: []string{up.URL}, Service: up.Service}
			tc.cfg(&cfg)
			b, err := upstream.New(context.Background(), cfg)
			if err == nil {
				b.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New: %v, want an error saying %q", err, tc.want)
			}
		})
	}
}
