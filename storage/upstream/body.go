package upstream

import (
	"fmt"
	"io"
	"os"

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

// spooled is an upload body of unknown length read whole into a temporary file, so that it
// goes upstream with its Content-Length; Close removes the file.
type spooled struct {
	*os.File
	size int64
}

// spool reads r to its end into a temporary file in os.TempDir() and returns it, positioned
// at its start. A body longer than storage.MaxObjectSize fails with ErrEntityTooLarge once
// that many bytes are read; an error of r is returned as it came. Nothing is sent before r
// has returned io.EOF, so the rule of holdBack holds: a body that fails at its end never
// reaches the upstream. The file is removed on every path: here when spooling fails, by
// Close otherwise.
func spool(r io.Reader) (*spooled, error) {
	f, err := os.CreateTemp("", "doorman-upload-*")
	if err != nil {
		return nil, fmt.Errorf("spooling an upload of unknown length: %w", err)
	}
	s := &spooled{File: f}
	n, err := io.Copy(f, io.LimitReader(r, storage.MaxObjectSize+1))
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

// Close closes and removes the file.
func (s *spooled) Close() error {
	err := s.File.Close()
	if rerr := os.Remove(s.Name()); err == nil {
		err = rerr
	}
	return err
}
