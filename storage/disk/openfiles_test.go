package disk_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/doorman-s3/doorman/storage"
)

// descriptors lists this process's open descriptors on files under dir's data directory, as
// /proc/self/fd shows their targets (" (deleted)" ends a removed file's).
func descriptors(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	data, _ := filepath.EvalSymlinks(filepath.Join(dir, "data"))
	var on []string
	for _, e := range ents {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && strings.HasPrefix(target, data+"/") {
			on = append(on, target)
		}
	}
	return on
}

func putSealed(t *testing.T, s storage.Backend, key, body string) {
	t.Helper()
	if _, err := s.PutObject(ctx, "bkt", key, strings.NewReader(body), storage.PutObjectOptions{Size: int64(len(body)), Encryption: sseS3}); err != nil {
		t.Fatal(err)
	}
}

func readAll(t *testing.T, s storage.Backend, key string) string {
	t.Helper()
	r, _, err := s.GetObject(ctx, "bkt", key, storage.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Reads of a sealed object share one descriptor, kept open between reads, and a bounded
// number of them; a file removed is let go of as soon as no read has it, while a read that
// had it reads it to the end; Close lets go of every one.
func TestSealedFilesStayOpenBetweenReads(t *testing.T) {
	s, dir := openWithBucket(t, inFiles)
	putSealed(t, s, "a", "first body")
	for range 3 {
		if got := readAll(t, s, "a"); got != "first body" {
			t.Fatalf("read %q", got)
		}
	}
	if fds := descriptors(t, dir); len(fds) != 1 {
		t.Fatalf("after three reads of one object, %d descriptors: %q", len(fds), fds)
	}

	// A read in progress keeps the old file while the key is overwritten; then it is closed.
	r, _, err := s.GetObject(ctx, "bkt", "a", storage.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	putSealed(t, s, "a", "second body")
	if fds := descriptors(t, dir); len(fds) != 1 || !strings.HasSuffix(fds[0], " (deleted)") {
		t.Fatalf("during the read of the replaced file: %q", fds)
	}
	b, err := io.ReadAll(r)
	if err != nil || string(b) != "first body" {
		t.Fatalf("the read in progress got %q, %v", b, err)
	}
	r.Close()
	if fds := descriptors(t, dir); len(fds) != 0 {
		t.Fatalf("the replaced file is still open: %q", fds)
	}
	if got := readAll(t, s, "a"); got != "second body" {
		t.Fatalf("read %q after the overwrite", got)
	}
	if _, err := s.DeleteObject(ctx, "bkt", "a", storage.DeleteObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if fds := descriptors(t, dir); len(fds) != 0 {
		t.Fatalf("a deleted object's file is still open: %q", fds)
	}

	// Past the bound, the least recently read are closed.
	const n = 200
	for i := range n {
		putSealed(t, s, fmt.Sprint("k", i), fmt.Sprint("body ", i))
		readAll(t, s, fmt.Sprint("k", i))
	}
	if fds := descriptors(t, dir); len(fds) == 0 || len(fds) >= n {
		t.Errorf("%d descriptors open after reading %d objects once each: the bound does not hold", len(fds), n)
	}
	s.Close()
	if fds := descriptors(t, dir); len(fds) != 0 {
		t.Errorf("%d descriptors open after Close", len(fds))
	}
}

// Concurrent reads and overwrites of sealed objects: every read gets one whole body that was
// written, and no removed file stays open.
func TestSealedReadsRacingOverwrites(t *testing.T) {
	s, dir := openWithBucket(t)
	for k := range 4 {
		putSealed(t, s, fmt.Sprint("k", k), fmt.Sprintf("k%d v0 %s", k, strings.Repeat("x", 100)))
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for v := 1; v <= 30; v++ {
				putSealed(t, s, fmt.Sprint("k", w), fmt.Sprintf("k%d v%d %s", w, v, strings.Repeat("x", 100)))
			}
		}()
		go func() {
			defer wg.Done()
			for range 60 {
				got := readAll(t, s, fmt.Sprint("k", w))
				var k, v int
				if _, err := fmt.Sscanf(got, "k%d v%d", &k, &v); err != nil || k != w || !strings.HasSuffix(got, " "+strings.Repeat("x", 100)) {
					t.Errorf("read %q", got)
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, fd := range descriptors(t, dir) {
		if strings.HasSuffix(fd, " (deleted)") {
			t.Errorf("a removed file is still open: %s", fd)
		}
	}
}
