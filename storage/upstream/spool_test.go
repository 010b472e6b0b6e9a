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
	"testing"
	"testing/iotest"

	"github.com/doorman-s3/doorman/storage"
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
