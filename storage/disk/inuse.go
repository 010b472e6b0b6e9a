package disk

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// pidName is the file that names the process holding the directory open. bbolt's lock on
// meta.db is what keeps a second process out; the file only tells who that is, so a stale
// one (left by a process that was killed) is harmless: the lock died with its process, and
// the next Open overwrites the file.
const pidName = "doorman.pid"

// ErrInUse is the error of an Open of a directory that another process has open. The error
// Open returns is an *InUseError, which is ErrInUse under errors.Is.
var ErrInUse = errors.New("data directory in use")

// InUseError tells which directory is in use, and by which process when that is known.
type InUseError struct {
	Dir string
	// PID is the process the directory's pid file names, when that process runs; 0 when
	// unknown (the holder has not written the file yet, or is not a doorman). Between the
	// holder taking the lock and writing the file, a stale file from a killed process can
	// name a process that reused its id: the message says where the number comes from.
	PID int
}

func (e *InUseError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("data directory %s is in use by another process", e.Dir)
	}
	return fmt.Sprintf("data directory %s is in use by another doorman (pid %d, as its pid file says)", e.Dir, e.PID)
}

// Is makes an InUseError an ErrInUse.
func (e *InUseError) Is(target error) bool { return target == ErrInUse }

// inUse is the error of finding dir locked: it names the process its pid file names, when
// that process still runs.
func inUse(dir string) error {
	e := &InUseError{Dir: dir}
	b, err := os.ReadFile(filepath.Join(dir, pidName))
	if err != nil {
		return e
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err == nil && pid > 0 && running(pid) {
		e.PID = pid
	}
	return e
}

// running reports whether a process with this id exists. EPERM means it exists but belongs
// to another user.
func running(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// writePID records this process as the holder of dir, once it holds the lock.
func writePID(dir string) error {
	return os.WriteFile(filepath.Join(dir, pidName), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600)
}

// removePID removes the record, before the lock is released.
func removePID(dir string) error {
	err := os.Remove(filepath.Join(dir, pidName))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}
