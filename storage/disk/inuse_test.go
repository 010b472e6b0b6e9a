package disk_test

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/disk"
)

// deadPID returns the id of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func writePIDFile(t *testing.T, dir string, pid int) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "doorman.pid"), []byte(strconv.Itoa(pid)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A second Open of a directory in use says so, naming the process that holds it when its pid
// file names a live one.
func TestOpenInUse(t *testing.T) {
	cases := []struct {
		name    string
		pidFile func(t *testing.T, dir string) // changes the holder's pid file
		pid     int
		message string
	}{
		{"holder known", func(*testing.T, string) {}, os.Getpid(), "in use by another doorman (pid " + strconv.Itoa(os.Getpid()) + ", as its pid file says)"},
		{"pid file names a dead process", func(t *testing.T, dir string) { writePIDFile(t, dir, deadPID(t)) }, 0, "in use by another process"},
		{"no pid file", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "doorman.pid")) }, 0, "in use by another process"},
		{"unreadable pid file", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "doorman.pid"), []byte("doorman\n"), 0o600)
		}, 0, "in use by another process"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, dir := openStore(t)
			tc.pidFile(t, dir)
			s, err := disk.Open(dir)
			if err == nil {
				s.Close()
				t.Fatal("a second Open of the directory succeeded")
			}
			var e *disk.InUseError
			if !errors.Is(err, disk.ErrInUse) || !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not ErrInUse", err, err)
			}
			want := "data directory " + dir + " is " + tc.message
			if e.PID != tc.pid || e.Dir != dir || err.Error() != want {
				t.Errorf("got %q (pid %d), want %q (pid %d)", err, e.PID, want, tc.pid)
			}
		})
	}
}

// The pid file exists while the store is open, names this process, and is gone after Close
// (and only after the first Close); a stale one left by a killed process does not keep the
// directory from opening.
func TestPIDFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	writePIDFile(t, dir, deadPID(t))
	s, err := disk.Open(dir)
	if err != nil {
		t.Fatalf("a stale pid file kept the directory from opening: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "doorman.pid"))
	if err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Errorf("pid file while open: %q %v, want %d", b, err, os.Getpid())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "doorman.pid")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pid file after Close: %v", err)
	}
	reopen(t, dir)
	if err := s.Close(); err != nil {
		t.Errorf("closing again: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "doorman.pid")); err != nil {
		t.Errorf("closing the first store again removed the second one's pid file: %v", err)
	}
}

// linuxPathMax is PATH_MAX on Linux, the longest path a system call takes, NUL included.
const linuxPathMax = 4096

// longDir returns a directory under parent whose meta.db path fits in PATH_MAX but whose
// doorman.pid path does not: Open can make the database there, and then fails.
func longDir(parent string) string {
	dir := parent
	for target := linuxPathMax - 1 - len("/meta.db"); len(dir) < target; {
		dir = filepath.Join(dir, strings.Repeat("d", min(200, target-len(dir)-1)))
	}
	return dir
}

// An Open that fails removes what it created and nothing else: not a directory that was
// there, nor what is in it, nor a symbolic link to a directory that is missing (a disk not
// mounted yet), which it reports.
func TestFailedOpenCreatesNothing(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("relies on Linux's PATH_MAX")
	}
	cases := []struct {
		name string
		// setup prepares root and returns the directory to open.
		setup   func(t *testing.T, root string) string
		message string // in Open's error, when not empty
		left    []string
	}{
		{"new directory", func(t *testing.T, root string) string {
			return longDir(filepath.Join(root, "new"))
		}, "", nil},
		{"existing directory", func(t *testing.T, root string) string {
			dir := longDir(filepath.Join(root, "old"))
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(root, "old", "keep"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
			return dir
		}, "", []string{"old", "old/keep"}},
		{"dangling symbolic link", func(t *testing.T, root string) string {
			if err := os.Symlink(filepath.Join(root, "unmounted", "store"), filepath.Join(root, "link")); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(root, "link")
		}, "link is a symbolic link to " + "ROOT/unmounted/store, which does not exist", []string{"link"}},
		{"under a dangling symbolic link", func(t *testing.T, root string) string {
			if err := os.Symlink(filepath.Join(root, "unmounted"), filepath.Join(root, "link")); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(root, "link", "store")
		}, "link is a symbolic link to ROOT/unmounted, which does not exist", []string{"link"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dir := tc.setup(t, root)
			s, err := disk.Open(dir)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if want := strings.ReplaceAll(tc.message, "ROOT", root); !strings.Contains(err.Error(), want) {
				t.Errorf("error %q, want %q in it", err, want)
			}
			var left []string
			filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if err == nil && p != root && !strings.HasPrefix(p, filepath.Join(root, "old", "dd")) {
					rel, _ := filepath.Rel(root, p)
					left = append(left, rel)
				}
				return err
			})
			if !slices.Equal(left, tc.left) {
				t.Errorf("the failed Open left %q, want %q", left, tc.left)
			}
			if tc.name == "existing directory" {
				if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
					t.Errorf("the existing directory holds %v (%v)", entries, err)
				}
			}
		})
	}
}

// raceRounds is how many times the race below is run: a loser that removed what the winner
// made did so in most rounds, so that this many would not all miss it. Each round waits out
// the lock timeout once.
const raceRounds = 8

// Two Opens of the same new directory at once: one wins, and the one that finds it in use
// removes nothing of the winner's.
func TestOpenRaceKeepsWinner(t *testing.T) {
	for round := 0; round < raceRounds; round++ {
		dir := filepath.Join(t.TempDir(), "new", "store")
		var (
			wg     sync.WaitGroup
			stores [2]*disk.Store
			errs   [2]error
		)
		for i := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				stores[i], errs[i] = disk.Open(dir)
			}()
		}
		wg.Wait()
		won := 0
		for i, s := range stores {
			if s == nil {
				if !errors.Is(errs[i], disk.ErrInUse) {
					t.Errorf("round %d: the loser's error %v is not ErrInUse", round, errs[i])
				}
				continue
			}
			won++
			for _, name := range []string{"meta.db", "doorman.pid", "data/00", "tmp"} {
				if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
					t.Errorf("round %d: the winner's %s: %v", round, name, err)
				}
			}
			s.Close()
		}
		if won != 1 {
			t.Fatalf("round %d: %d Opens succeeded (%v)", round, won, errs)
		}
	}
}

// waiterStart is how long the test below gives a second Open to open meta.db and wait for
// its lock: far more than it takes, and less than the lock timeout.
const waiterStart = 300 * time.Millisecond

// A start that fails removes the meta.db it made while a second Open waits for its lock: the
// second one opens the file that is there then, and what it stores is kept.
func TestOpenAfterDiscardWhileWaiting(t *testing.T) {
	dir := t.TempDir()
	first, err := disk.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		s   *disk.Store
		err error
	}
	second := make(chan result, 1)
	go func() {
		s, err := disk.Open(dir)
		second <- result{s, err}
	}()
	time.Sleep(waiterStart)
	if err := first.Discard(); err != nil {
		t.Fatal(err)
	}
	r := <-second
	if r.err != nil {
		t.Fatal(r.err)
	}
	if _, err := r.s.CreateBucket(ctx, "kept", storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	r.s.Close()
	if _, err := reopen(t, dir).HeadBucket(ctx, "kept"); err != nil {
		t.Errorf("the bucket the second store made: %v", err)
	}
}
