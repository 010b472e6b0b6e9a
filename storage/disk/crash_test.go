package disk_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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

// crashBody is version v's content: a header naming v, then bytes derived from v, of a length
// that varies up to 512 KiB so that kills land mid-write.
func crashBody(v uint64) []byte {
	header := fmt.Sprintf("v=%d\n", v)
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], v)
	body := make([]byte, v*7919%(512<<10))
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
// size, ETag and checksum match its bytes, and that no temporary or orphaned file survived.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := filepath.Join(t.TempDir(), "store")
	s, err := disk.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateBucket(ctx, "crash", storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	seen, leftovers := 0, 0
	for round := 0; round < 10; round++ {
		runAndKill(t, dir, round, time.Duration(rng.IntN(250))*time.Millisecond)
		tmp, _ := os.ReadDir(filepath.Join(dir, "tmp"))
		leftovers += len(tmp) + len(dataFiles(t, dir))

		s, err := disk.Open(dir)
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		keys := keysOf(t, s, "crash")
		for _, k := range keys {
			body, info := storagetest.Get(t, s, "crash", k)
			v, ok := crashVersion(body)
			if !ok || !bytes.Equal(body, crashBody(v)) {
				t.Errorf("round %d: %q holds %d bytes that are not a whole version", round, k, len(body))
				continue
			}
			if info.Size != int64(len(body)) || info.ETag != storagetest.MD5Hex(body) || info.Checksum.Value != storage.ChecksumCRC32C.Sum(body) {
				t.Errorf("round %d: %q version %d has metadata %+v that does not match its bytes", round, k, v, info)
			}
		}
		seen += len(keys)
		if tmp, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(tmp) != 0 {
			t.Errorf("round %d: temporary files survived reopening: %d", round, len(tmp))
		}
		if files := dataFiles(t, dir); len(files) != len(keys) {
			t.Errorf("round %d: %d data files for %d objects", round, len(files), len(keys))
		}
		s.Close()
	}
	// Data files beyond the objects found are those the reopen removed.
	t.Logf("%d objects checked; %d files before reopening", seen, leftovers)
	if seen == 0 {
		t.Error("no object was ever written before a kill")
	}
}

// runAndKill starts the child writer, waits until it has written, lets it run for delay and
// kills it.
func runAndKill(t *testing.T, dir string, round int, delay time.Duration) {
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
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "ready" {
				ready <- true
				return
			}
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
	cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("round %d: child exited by itself (%v): %s", round, cmd.ProcessState, stderr.String())
	}
}

// TestCrashChild is the writer process of TestCrashRecovery; it does nothing in a normal run.
// Writers put new versions, copy objects and delete them until the process is killed.
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
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				v := version.Add(1)
				key := crashKeys[v%uint64(len(crashKeys))]
				var err error
				switch {
				case i%7 == 6:
					_, err = s.DeleteObject(ctx, "crash", key, storage.DeleteObjectOptions{})
				case i%5 == 4:
					_, err = s.CopyObject(ctx, "crash", crashKeys[(v+1)%uint64(len(crashKeys))], "crash", key, storage.CopyObjectOptions{})
				default:
					_, err = s.PutObject(ctx, "crash", key, bytes.NewReader(crashBody(v)), storage.PutObjectOptions{
						Size: -1, Checksum: storage.Checksum{Algorithm: storage.ChecksumCRC32C},
					})
					if err == nil {
						once.Do(func() { fmt.Println("ready") })
					}
				}
				if err != nil && !errors.Is(err, storage.ErrNoSuchKey) {
					// Exit on our own, which the parent reports: it only ever kills.
					fmt.Fprintln(os.Stderr, "child:", err)
					os.Exit(3)
				}
			}
		}()
	}
	wg.Wait()
}
