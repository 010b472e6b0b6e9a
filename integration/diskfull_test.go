package integration

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// storageFullMessage is doorman's message for a write that finds no space.
const storageFullMessage = "The server has no storage space left for this write. Delete objects or add space, then try again."

// A write that finds the file system full answers 507 XDoormanStorageFull (not a 500 that
// SDKs retry), says so in the log, and leaves what was stored before intact; once space is
// freed, writes work again. The data directory is a real 4 MiB tmpfs, which takes root to
// mount: the test fails rather than skips without it.
func TestStorageFull(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=4m"); err != nil {
		t.Fatalf("mounting a 4 MiB tmpfs (this test needs root): %v", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
	srv := startServer(t, dir)
	c := srv.client()
	bucket := srv.createBucket(t, "full")
	old := bytes.Repeat([]byte("o"), 1<<20)
	if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("old"), Body: bytes.NewReader(old)}); err != nil {
		t.Fatal(err)
	}

	// Fill the file system, then free a little: a write then fails after some of its body,
	// and the rest of the body is small enough to sit in the connection's buffers, so the
	// client reads the answer whatever the timing (a large unread remainder makes the
	// server's close reset the connection under the client's write).
	filler := filepath.Join(dir, "filler")
	fillUp(t, filler)
	if err := os.Truncate(filler, fileSize(t, filler)-fillerSlack); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("b"), fillerSlack+fillerSlack/4)
	before := dataFiles(t, srv.Data)
	for _, key := range []string{"big", "old"} {
		res, body := srv.Do(t, s3test.Request{Method: http.MethodPut, Path: "/" + bucket + "/" + key, Body: big, As: s3test.Owner})
		s3test.WantError(t, "PUT "+key, res, body, 507, "XDoormanStorageFull", storageFullMessage)
	}
	if !strings.Contains(srv.logs.String(), `"level":"ERROR","msg":"storage full: write refused"`) ||
		!strings.Contains(srv.logs.String(), "no space left on device") {
		t.Errorf("the log does not say the storage is full:\n%s", srv.logs)
	}
	got, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("old")})
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(got.Body)
	got.Body.Close()
	if err != nil || !bytes.Equal(data, old) {
		t.Fatalf("the old object after the full disk: %d bytes, %v", len(data), err)
	}
	if _, err := c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("big")}); err == nil {
		t.Error("the object that did not fit was stored")
	}
	if left := newFiles(t, srv.Data, before); len(left) != 0 {
		t.Errorf("files of the refused writes left: %q", left)
	}

	if _, err := c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("old")}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("after"), Body: bytes.NewReader(bytes.Repeat(big, 8))}); err != nil {
		t.Fatalf("a write once space is freed: %v", err)
	}
}

// fillerSlack is the space left free on the full file system: less than one write needs.
const fillerSlack = 128 << 10

// fillUp writes path until the file system has no space left.
func fillUp(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for i := 0; ; i++ {
		if i > 1<<10 { // 64 MiB: far more than the test's file system holds
			t.Fatal("the file system never filled up")
		}
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
