package disk_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/disk"
	"github.com/doorman-s3/doorman/storage/storagetest"
)

// crashDirEnv names the store directory of the child process of TestCrashRecovery.
const crashDirEnv = "DOORMAN_STORAGE_CRASH_CHILD_DIR"

var crashKeys = []string{"k0", "k1", "k2", "k3", "dir/k4", "../../k5"}

// The buckets of TestCrashRecovery: one whose versioning was never set, where a write
// replaces the key's object, and a versioned one, where a write adds a version and moves the
// previous latest among the others (and, while versioning is suspended, removes the null
// version too), so that a kill lands in changes of several records.
const (
	crashPlain     = "crash"
	crashVersioned = "crashv"
)

// crashBodyMax bounds the bodies written to each bucket: up to 512 KiB so that kills land
// mid-write, and 16 KiB in the versioned bucket, where every version stays until removed.
var crashBodyMax = map[string]uint64{crashPlain: 512 << 10, crashVersioned: 16 << 10}

// crashBody is version v's content in bucket: a header naming v, then bytes derived from v,
// of a length that varies up to the bucket's crashBodyMax.
func crashBody(bucket string, v uint64) []byte {
	header := fmt.Sprintf("v=%d\n", v)
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], v)
	body := make([]byte, v*7919%crashBodyMax[bucket])
	rand.NewChaCha8(seed).Read(body)
	return append([]byte(header), body...)
}

// crashVersion recovers the version from a body's header.
func crashVersion(b []byte) (uint64, bool) {
	line, _, ok := bytes.Cut(b, []byte("\n"))
	if !ok || !bytes.HasPrefix(line, []byte("v=")) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(line[2:]), 10, 64)
	return v, err == nil
}

// TestCrashRecovery kills a process that is writing to the store with SIGKILL at random
// moments, then reopens the store and checks that every object is one whole version whose
// size, ETag and checksum match its bytes, that no temporary or orphaned file survived, and,
// in the versioned bucket, that every version the child wrote is still there and readable, and
// that each key's latest version is what a read without a version id finds.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := filepath.Join(t.TempDir(), "store")
	s, err := disk.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{crashPlain, crashVersioned} {
		if _, err := s.CreateBucket(ctx, b, storage.CreateBucketOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutBucketVersioning(ctx, crashVersioned, storage.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	s.Close()

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	seen, leftovers := 0, 0
	// The versions the child reported written, and those it began to remove: a version can
	// be removed before its writer reports it.
	written, removing := map[string]bool{}, map[string]bool{}
	for round := 0; round < 10; round++ {
		for _, line := range runAndKill(t, dir, round, time.Duration(rng.IntN(250))*time.Millisecond) {
			switch op, id, _ := strings.Cut(line, " "); op {
			case "wrote":
				written[id] = true
			case "removing":
				removing[id] = true
			}
		}
		maps.DeleteFunc(written, func(id string, _ bool) bool { return removing[id] })
		tmp, _ := os.ReadDir(filepath.Join(dir, "tmp"))
		leftovers += len(tmp) + len(dataFiles(t, dir))

		s, err := disk.Open(dir)
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		keys := keysOf(t, s, crashPlain)
		for _, k := range keys {
			body, info := storagetest.Get(t, s, crashPlain, k)
			checkCrashBody(t, round, crashPlain, k, body, info)
		}
		seen += len(keys)
		objects := len(keys) + checkCrashVersions(t, s, round, written)
		if err := disk.CheckLayout(s); err != nil {
			t.Errorf("round %d: %v", round, err)
		}
		if tmp, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(tmp) != 0 {
			t.Errorf("round %d: temporary files survived reopening: %d", round, len(tmp))
		}
		if files := dataFiles(t, dir); len(files) != objects {
			t.Errorf("round %d: %d data files for %d objects and versions", round, len(files), objects)
		}
		s.Close()
	}
	// Data files beyond the objects found are those the reopen removed.
	t.Logf("%d objects checked, %d versions written; %d files before reopening", seen, len(written), leftovers)
	if seen == 0 || len(written) == 0 {
		t.Error("no object was ever written before a kill")
	}
}

// checkCrashBody checks that an object read from bucket is a whole version with metadata
// that matches its bytes.
func checkCrashBody(t *testing.T, round int, bucket, key string, body []byte, info storage.ObjectInfo) {
	t.Helper()
	v, ok := crashVersion(body)
	if !ok || !bytes.Equal(body, crashBody(bucket, v)) {
		t.Errorf("round %d: %s/%q holds %d bytes that are not a whole version", round, bucket, key, len(body))
		return
	}
	if info.Size != int64(len(body)) || info.ETag != storagetest.MD5Hex(body) || info.Checksum.Value != storage.ChecksumCRC32C.Sum(body) {
		t.Errorf("round %d: %s/%q version %d has metadata %+v that does not match its bytes", round, bucket, key, v, info)
	}
}

// checkCrashVersions checks every version of the versioned bucket: each object version is
// whole, every version written is listed, and a read without a version id finds each key's
// latest. It returns the number of object versions.
func checkCrashVersions(t *testing.T, s *disk.Store, round int, written map[string]bool) int {
	t.Helper()
	res, err := s.ListObjectVersions(ctx, crashVersioned, storage.ListVersionsOptions{MaxKeys: storage.MaxListKeys})
	if err != nil || res.IsTruncated {
		t.Fatalf("round %d: listing versions: %v (truncated %v)", round, err, res.IsTruncated)
	}
	listed := map[string]bool{}
	objects := 0
	for _, v := range res.Versions {
		listed[v.VersionID] = true
		if !v.DeleteMarker {
			objects++
			body, info := getVersion(t, s, crashVersioned, v.Key, v.VersionID)
			checkCrashBody(t, round, crashVersioned, v.Key, body, info)
		}
		if !v.IsLatest {
			continue
		}
		latest, err := s.HeadObject(ctx, crashVersioned, v.Key, storage.ReadOptions{})
		var dm *storage.DeleteMarkerError
		if v.DeleteMarker && !(errors.As(err, &dm) && dm.Latest && dm.VersionID == v.VersionID) ||
			!v.DeleteMarker && (err != nil || latest.VersionID != v.VersionID) {
			t.Errorf("round %d: %q: the latest version is %s (marker %v); a read finds %+v, %v", round, v.Key, v.VersionID, v.DeleteMarker, latest, err)
		}
	}
	for id := range written {
		if !listed[id] {
			t.Errorf("round %d: version %s was written and is lost", round, id)
		}
	}
	return objects
}

// runAndKill starts the child writer, waits until it has written, lets it run for delay and
// kills it. It returns the lines the child wrote after "ready".
func runAndKill(t *testing.T, dir string, round int, delay time.Duration) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, "DOORMAN_STORAGE_CRASH_ROUND="+strconv.Itoa(round))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan bool, 1)
	var lines []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "ready" {
				ready <- true
				continue
			}
			lines = append(lines, sc.Text())
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			cmd.Wait()
			t.Fatalf("round %d: child exited before writing: %s", round, stderr.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("round %d: child never became ready: %s", round, stderr.String())
	}
	time.Sleep(delay)
	cmd.Process.Kill()
	<-done // the pipe's end: every line the child wrote has been read
	cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("round %d: child exited by itself (%v): %s", round, cmd.ProcessState, stderr.String())
	}
	return lines
}

// TestCrashChild is the writer process of TestCrashRecovery; it does nothing in a normal run.
// Writers put new versions, copy objects and delete them until the process is killed; in the
// versioned bucket they also remove versions for good, and suspend and enable versioning,
// making and replacing null versions. It prints "wrote <id>" once a version
// (or delete marker) is written and "removing <id>" before it removes one.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("runs only as the child of TestCrashRecovery")
	}
	s, err := disk.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	round, _ := strconv.ParseUint(os.Getenv("DOORMAN_STORAGE_CRASH_ROUND"), 10, 64)
	var version atomic.Uint64
	version.Store(round << 32)
	var once sync.Once
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		bucket := []string{crashPlain, crashVersioned}[w%2]
		wg.Go(func() {
			for i := 0; ; i++ {
				v := version.Add(1)
				key := crashKeys[v%uint64(len(crashKeys))]
				err := crashWrite(s, bucket, key, i, v, &once)
				if err != nil && !errors.Is(err, storage.ErrNoSuchKey) {
					// Exit on our own, which the parent reports: it only ever kills.
					fmt.Fprintln(os.Stderr, "child:", err)
					os.Exit(3)
				}
			}
		})
	}
	wg.Wait()
}

// crashWrite is the i-th change of a writer of TestCrashChild, to version v.
func crashWrite(s *disk.Store, bucket, key string, i int, v uint64, once *sync.Once) error {
	wrote := func(id string) {
		// A null version is replaced by the next one, so it is not expected to stay.
		if bucket == crashVersioned && id != storage.NullVersion {
			fmt.Println("wrote", id)
		}
	}
	switch {
	case i%11 == 10 && bucket == crashVersioned:
		return s.PutBucketVersioning(ctx, bucket, []string{storage.VersioningEnabled, storage.VersioningSuspended}[v%2])
	case i%7 == 6:
		res, err := s.DeleteObject(ctx, bucket, key, storage.DeleteObjectOptions{})
		if err == nil {
			wrote(res.VersionID)
		}
		return err
	case i%5 == 4:
		info, err := s.CopyObject(ctx, bucket, crashKeys[(v+1)%uint64(len(crashKeys))], bucket, key, storage.CopyObjectOptions{})
		if err == nil {
			wrote(info.VersionID)
		}
		return err
	case i%3 == 2 && bucket == crashVersioned:
		res, err := s.ListObjectVersions(ctx, bucket, storage.ListVersionsOptions{Prefix: key, MaxKeys: storage.MaxListKeys})
		if err != nil || len(res.Versions) == 0 {
			return err
		}
		id := res.Versions[int(v)%len(res.Versions)].VersionID
		fmt.Println("removing", id)
		_, err = s.DeleteObject(ctx, bucket, res.Versions[int(v)%len(res.Versions)].Key, storage.DeleteObjectOptions{VersionID: id})
		return err
	}
	info, err := s.PutObject(ctx, bucket, key, bytes.NewReader(crashBody(bucket, v)), storage.PutObjectOptions{
		Size: -1, Checksum: storage.Checksum{Algorithm: storage.ChecksumCRC32C},
	})
	if err == nil {
		wrote(info.VersionID)
		once.Do(func() { fmt.Println("ready") })
	}
	return err
}
