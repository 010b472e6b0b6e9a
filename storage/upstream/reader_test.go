package upstream_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/doorman-s3/doorman/storage"
)

func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(uint64(n), 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// rangeGets returns the Range of every GET of key the upstream received, and checks each is
// pinned to etag (and versionID when not empty).
func rangeGets(t *testing.T, up *testUpstream, path, etag, versionID string) []string {
	t.Helper()
	var ranges []string
	for _, r := range up.Requests() {
		if r.Method != http.MethodGet || r.Path != path {
			continue
		}
		ranges = append(ranges, r.Header.Get("Range"))
		if got := r.Header.Get("If-Match"); got != `"`+etag+`"` {
			t.Errorf("GET %s If-Match = %q, want %q", r.Header.Get("Range"), got, `"`+etag+`"`)
		}
		if got := r.Query().Get("versionId"); got != versionID {
			t.Errorf("GET %s versionId = %q, want %q", r.Header.Get("Range"), got, versionID)
		}
	}
	return ranges
}

// Reads in order stream the opening GET; a Seek elsewhere reads on from a ranged GET, ReadAt
// reads a bounded range: each returns the object's bytes.
func TestReaderSeeksAndReadsAt(t *testing.T) {
	up := newUpstream(t)
	bucket := clientBucket(t, up)
	data := randomBytes(300 << 10)
	putDirect(t, up, bucket, "obj", data)
	b := newBackend(t, up, nil)
	ctx := context.Background()

	up.Reset()
	r, info, err := b.OpenForTest(ctx, bucket, "obj")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("ReadAll: %d bytes, %v", len(got), err)
	}
	if n := len(up.ClientRequests()); n != 1 {
		t.Errorf("reading in order sent %d requests, want the opening GET alone", n)
	}

	up.Reset()
	for _, tc := range []struct {
		name      string
		offset    int64
		whence    int
		n         int
		wantPos   int64
		wantRange string // "" when no request is sent
	}{
		{"back to the start", 0, io.SeekStart, 1000, 0, "bytes=0-"},
		{"on in order", 0, io.SeekCurrent, 5000, 1000, ""},
		{"forward", 100 << 10, io.SeekStart, 10, 100 << 10, "bytes=102400-"},
		{"from the end", -10, io.SeekEnd, 10, int64(len(data)) - 10, "bytes=307190-"},
		{"backward from here", -50000, io.SeekCurrent, 20, int64(len(data)) - 50000, "bytes=257200-"},
	} {
		up.Reset()
		pos, err := r.Seek(tc.offset, tc.whence)
		if err != nil || pos != tc.wantPos {
			t.Fatalf("%s: Seek = %d, %v, want %d", tc.name, pos, err, tc.wantPos)
		}
		buf := make([]byte, tc.n)
		if _, err := io.ReadFull(r, buf); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !bytes.Equal(buf, data[pos:pos+int64(tc.n)]) {
			t.Errorf("%s: read other bytes than the object's at %d", tc.name, pos)
		}
		ranges := rangeGets(t, up, "/data/obj", info.ETag, "")
		if want := []string{tc.wantRange}; tc.wantRange == "" && len(ranges) != 0 || tc.wantRange != "" && !equal(ranges, want) {
			t.Errorf("%s: GETs %q, want %q", tc.name, ranges, tc.wantRange)
		}
	}
	if pos, _ := r.Seek(0, io.SeekEnd); pos != int64(len(data)) {
		t.Errorf("Seek to the end = %d", pos)
	}
	if n, err := r.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Errorf("Read at the end = %d, %v, want io.EOF", n, err)
	}

	up.Reset()
	for _, tc := range []struct {
		off     int64
		n       int
		wantN   int
		wantErr error
		rng     string
	}{
		{5000, 100, 100, nil, "bytes=5000-5099"},
		{int64(len(data)) - 10, 100, 10, io.EOF, "bytes=307190-307199"},
		{int64(len(data)), 10, 0, io.EOF, ""},
	} {
		up.Reset()
		buf := make([]byte, tc.n)
		n, err := r.ReadAt(buf, tc.off)
		if n != tc.wantN || err != tc.wantErr {
			t.Errorf("ReadAt(%d, %d) = %d, %v, want %d, %v", tc.n, tc.off, n, err, tc.wantN, tc.wantErr)
		}
		if !bytes.Equal(buf[:n], data[tc.off:tc.off+int64(n)]) {
			t.Errorf("ReadAt(%d, %d) read other bytes than the object's", tc.n, tc.off)
		}
		ranges := rangeGets(t, up, "/data/obj", info.ETag, "")
		if tc.rng == "" && len(ranges) != 0 || tc.rng != "" && !equal(ranges, []string{tc.rng}) {
			t.Errorf("ReadAt(%d, %d): GETs %q, want %q", tc.n, tc.off, ranges, tc.rng)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(make([]byte, 1)); err == nil {
		t.Error("Read after Close succeeded")
	}
}

func equal(a, b []string) bool {
	return strings.Join(a, "\n") == strings.Join(b, "\n")
}

// An object overwritten while it is read makes the reader fail, never return the new
// object's bytes after the old one's; a version keeps being read as it was.
func TestReaderPinnedToTheVersionOpened(t *testing.T) {
	up := newUpstream(t)
	bucket := clientBucket(t, up)
	oldData, newData := randomBytes(100<<10), randomBytes(100<<10+1)
	putDirect(t, up, bucket, "obj", oldData)
	b := newBackend(t, up, nil)
	ctx := context.Background()

	r, _, err := b.OpenForTest(ctx, bucket, "obj")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	putDirect(t, up, bucket, "obj", newData)
	if _, err := r.Seek(1000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	for name, read := range map[string]func() error{
		"Read": func() error { _, err := r.Read(make([]byte, 100)); return err },
		"ReadAt": func() error {
			_, err := r.ReadAt(make([]byte, 100), 50)
			return err
		},
	} {
		err := read()
		if !errors.Is(err, storage.ErrPreconditionFailed) || !strings.Contains(err.Error(), "changed while it was read") {
			t.Errorf("%s of an object overwritten: err = %v, want ErrPreconditionFailed", name, err)
		}
	}

	// A version stays readable after it is overwritten.
	if _, err := up.S3(up.Service).PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	putDirect(t, up, bucket, "obj", oldData)
	r2, info, err := b.OpenForTest(ctx, bucket, "obj")
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if info.VersionID == storage.NullVersion {
		t.Fatal("no version id")
	}
	putDirect(t, up, bucket, "obj", newData)
	up.Reset()
	if _, err := r2.Seek(1000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r2)
	if err != nil || !bytes.Equal(got, oldData[1000:]) {
		t.Fatalf("reading the version opened after it was overwritten: %d bytes, %v", len(got), err)
	}
	if ranges := rangeGets(t, up, "/data/obj", info.ETag, info.VersionID); !equal(ranges, []string{"bytes=1000-"}) {
		t.Errorf("GETs %q", ranges)
	}
}
