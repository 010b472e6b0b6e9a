package disk_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

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
		{"holder known", func(*testing.T, string) {}, os.Getpid(), "in use by another doorman (pid " + strconv.Itoa(os.Getpid()) + ")"},
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

// An Open that fails leaves no directory behind that it created: here the new directory's
// path is so long that meta.db can be created in it but doorman.pid cannot.
func TestFailedOpenCreatesNothing(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("relies on Linux's PATH_MAX")
	}
	root := t.TempDir()
	created := filepath.Join(root, "new")
	dir := created
	// The longest directory whose meta.db path fits: its doorman.pid path does not.
	for target := linuxPathMax - 1 - len("/meta.db"); len(dir) < target; {
		dir = filepath.Join(dir, strings.Repeat("d", min(200, target-len(dir)-1)))
	}
	s, err := disk.Open(dir)
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded")
	}
	if _, serr := os.Stat(created); !errors.Is(serr, os.ErrNotExist) {
		t.Errorf("Open failed (%v) and left %s behind: %v", err, created, serr)
	}
	if entries, err := os.ReadDir(root); err != nil || len(entries) != 0 {
		t.Errorf("the parent directory holds %v (%v)", entries, err)
	}
}
