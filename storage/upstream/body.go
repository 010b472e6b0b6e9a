package upstream

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/doorman-s3/doorman/storage"
)

// holdBackSize is how much of a body holdBack reads ahead; it always keeps at least the last
// byte read until its reader has ended.
const holdBackSize = 32 << 10

// holdBack returns a reader of r's bytes that keeps the last ones from its reader until r
// has returned io.EOF: a body that fails at its end (a bad chunk signature, trailer or
// checksum) never reaches the upstream whole. An error of r is returned as it came, the
// bytes still held back never.
func holdBack(r io.Reader) io.Reader {
	return &heldBack{r: r}
}

type heldBack struct {
	r          io.Reader
	buf        []byte
	start, end int // buf[start:end] is read from r and not returned yet
	eof        bool
	err        error
}

func (h *heldBack) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		switch {
		case h.err != nil:
			return 0, h.err
		case h.eof && h.start == h.end:
			return 0, io.EOF
		case h.eof || h.end-h.start > 1:
			avail := h.end - h.start
			if !h.eof {
				avail-- // the last byte waits for r's end
			}
			n := copy(p, h.buf[h.start:h.start+avail])
			h.start += n
			return n, nil
		}
		// At most one byte is held: read more.
		if h.buf == nil {
			h.buf = make([]byte, holdBackSize)
		}
		h.end = copy(h.buf, h.buf[h.start:h.end])
		h.start = 0
		n, err := h.r.Read(h.buf[h.end:])
		h.end += n
		switch {
		case err == io.EOF:
			h.eof = true
		case err != nil:
			h.err = err
		case n == 0:
			return 0, nil
		}
	}
}

// spoolPrefix begins the name of every spool file; New removes the files of that name a
// previous process left in Config.SpoolDir.
const spoolPrefix = "doorman-upload-"

// spoolBudget bounds the bytes spooled at once, across every request (Config.SpoolLimit).
type spoolBudget struct {
	dir   string
	limit int64
	mu    sync.Mutex
	used  int64
}

// take reserves n bytes of the budget, or reports that they would pass it.
func (s *spoolBudget) take(n int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.used+n > s.limit {
		return false
	}
	s.used += n
	return true
}

// give returns n bytes to the budget.
func (s *spoolBudget) give(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.used -= n
}

// removeLeftovers removes the spool files in dir a previous process left (a crash, a kill),
// and fails when dir cannot be read.
func removeLeftovers(dir string, log *slog.Logger) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("upstream: the spool directory: %w", err)
	}
	for _, e := range ents {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), spoolPrefix) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			log.Warn("upstream: a spool file left by a previous process could not be removed", "error", err)
		}
	}
	return nil
}

// errSpoolFull is the answer to a body that would pass Config.SpoolLimit: S3's SlowDown
// (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList: 503,
// "Please reduce your request rate."), which clients retry later.
func errSpoolFull() error {
	return &storage.ServiceError{Status: http.StatusServiceUnavailable, Code: "SlowDown", Message: "Please reduce your request rate."}
}

// spooled is an upload body of unknown length read whole into a temporary file, so that it
// goes upstream with its Content-Length; Close removes the file and gives its bytes back to
// the budget.
type spooled struct {
	*os.File
	size   int64
	budget *spoolBudget
	held   int64 // bytes taken from budget
}

// Write writes p to the file once its bytes are taken from the budget, and fails with
// errSpoolFull when they would pass it.
func (s *spooled) Write(p []byte) (int, error) {
	if !s.budget.take(int64(len(p))) {
		return 0, errSpoolFull()
	}
	s.held += int64(len(p))
	return s.File.Write(p)
}

// spool reads r to its end into a temporary file in Config.SpoolDir and returns it,
// positioned at its start. A body longer than storage.MaxObjectSize fails with
// ErrEntityTooLarge once that many bytes are read, and one that would take the bytes spooled
// at once past Config.SpoolLimit with 503 SlowDown (errSpoolFull); an error of r is returned
// as it came. Nothing is sent before r has returned io.EOF, so the rule of holdBack holds: a
// body that fails at its end never reaches the upstream. The file is removed on every path:
// here when spooling fails, by Close otherwise.
func (b *Backend) spool(r io.Reader) (*spooled, error) {
	f, err := os.CreateTemp(b.spooling.dir, spoolPrefix+"*")
	if err != nil {
		return nil, fmt.Errorf("spooling an upload of unknown length: %w", err)
	}
	s := &spooled{File: f, budget: &b.spooling}
	// s alone, so io.Copy goes through its Write rather than the file's ReadFrom.
	n, err := io.Copy(struct{ io.Writer }{s}, io.LimitReader(r, storage.MaxObjectSize+1))
	if err == nil && n > storage.MaxObjectSize {
		err = storage.ErrEntityTooLarge
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	s.size = n
	return s, nil
}

// Close closes and removes the file, and gives its bytes back to the budget.
func (s *spooled) Close() error {
	err := s.File.Close()
	if rerr := os.Remove(s.Name()); err == nil && !errors.Is(rerr, fs.ErrNotExist) {
		err = rerr
	}
	s.budget.give(s.held)
	s.held = 0
	return err
}
