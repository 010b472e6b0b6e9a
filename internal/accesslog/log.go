package accesslog

import (
	"io"
	"os"
	"sync"
	"time"
)

// Bounds of a file's buffer.
const (
	// bufferSize is what a file buffers before a write: with one write system call per
	// line, the log was a tenth of a cache hit's CPU time. 64 KiB and a flush every second
	// are nginx's access_log buffer=64k flush=1s
	// (https://nginx.org/en/docs/http/ngx_http_log_module.html#access_log).
	bufferSize = 64 << 10
	// flushInterval bounds how long a line waits in the buffer: whoever tails the file sees
	// a request at most this late.
	flushInterval = time.Second
)

// Log is where access-log lines go: a stream, written at once (lines that arrive while a
// write is in progress go out together in the next one; every write holds whole lines, so
// lines from several writers sharing the stream never mix), or a file, written through a
// buffer flushed every second, when full, and on Close.
type Log struct {
	format Format
	mu     sync.Mutex
	w      io.Writer
	file   *os.File // nil for a stream
	path   string
	buf    []byte      // the lines not yet written
	timer  *time.Timer // flushes buf (files only); armed while buf holds lines
	closed bool
	// A stream's lines are written by whichever writer finds no write in progress: it takes
	// buf and writes it, and then what arrived during that write, until buf is empty. Lines
	// of concurrent requests so share one write system call, and none waits for a timer.
	writing bool
	spare   []byte     // the other buffer, swapped with buf around each write
	room    *sync.Cond // signalled when a stream's write ends (buf has room again)
}

// maxPending bounds what a stream holds while a write is in progress (a reader of the stream
// that stopped reading): a line that would go past it waits, as a write to the stream would.
const maxPending = 256 << 10

// NewStream is a log of lines of format f written to w as they come.
func NewStream(w io.Writer, f Format) *Log {
	l := &Log{w: w, format: f}
	l.room = sync.NewCond(&l.mu)
	return l
}

// Open is the access log a server's setting names: none (nil) for "off", a stream to stderr
// for "stderr" or "", and otherwise the file at dest, appended to (OpenFile).
func Open(dest string, stderr io.Writer, f Format) (*Log, error) {
	switch dest {
	case "off":
		return nil, nil
	case "stderr", "":
		return NewStream(stderr, f), nil
	}
	return OpenFile(dest, f)
}

// OpenFile opens the file at path for appending lines of format f, made with mode 0640 when
// missing.
func OpenFile(path string, f Format) (*Log, error) {
	file, err := openAppend(path)
	if err != nil {
		return nil, err
	}
	l := &Log{format: f, w: file, file: file, path: path, buf: make([]byte, 0, bufferSize)}
	l.timer = time.AfterFunc(flushInterval, l.flushTimer)
	l.timer.Stop()
	return l, nil
}

func openAppend(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
}

// Reopen opens a file's path anew, as logrotate expects of a signalled server: what was
// buffered is written to the file it was buffered for, which is closed, and the lines that
// follow go to the file now at the path (created when the rotation moved the old one away).
// Lines written meanwhile wait: none is lost or goes to the old file after the switch. When
// the path cannot be opened, the log goes on writing to the file it has. A stream has
// nothing to reopen.
func (l *Log) Reopen() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.file == nil || l.closed {
		return nil
	}
	l.flushLocked()
	file, err := openAppend(l.path)
	if err != nil {
		return err
	}
	old := l.file
	l.file, l.w = file, file
	return old.Close()
}

// NewLine starts a line of the log's format: see [NewLine].
func (l *Log) NewLine(t time.Time, msg string) *Line { return NewLine(l.format, t, msg) }

// Path is the file's path, "" for a stream.
func (l *Log) Path() string { return l.path }

// Write writes one line, or returns false when the log was closed. A failed write is not the
// request's: as a log handler does, it is dropped.
func (l *Log) Write(line []byte) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	if l.file == nil {
		l.writeStreamLocked(line)
		return true
	}
	if len(l.buf)+len(line) > cap(l.buf) {
		l.flushLocked()
		if len(line) > cap(l.buf) {
			_, _ = l.w.Write(line)
			return true
		}
	}
	if len(l.buf) == 0 {
		l.timer.Reset(flushInterval)
	}
	l.buf = append(l.buf, line...)
	return true
}

// writeStreamLocked adds line to what the stream is to write, and writes it unless a write is
// in progress, whose writer will.
func (l *Log) writeStreamLocked(line []byte) {
	for l.writing && len(l.buf) > 0 && len(l.buf)+len(line) > maxPending {
		l.room.Wait()
	}
	l.buf = append(l.buf, line...)
	if l.writing {
		return
	}
	l.writing = true
	for len(l.buf) > 0 {
		out := l.buf
		l.buf = l.spare[:0]
		l.mu.Unlock()
		_, _ = l.w.Write(out)
		l.mu.Lock()
		l.spare = out[:0]
		l.room.Broadcast()
	}
	l.writing = false
}

// Flush writes what a file has buffered. A stream has nothing to flush: what it holds, its
// write in progress is about to write, in order, which a write from here would overtake.
func (l *Log) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.file != nil {
		l.flushLocked()
	}
}

func (l *Log) flushLocked() {
	if len(l.buf) > 0 {
		_, _ = l.w.Write(l.buf)
		l.buf = l.buf[:0]
	}
}

func (l *Log) flushTimer() { l.Flush() } // after Close, buf is empty

// Close writes what is buffered and closes the file (a stream stays open); later writes
// return false.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	if l.file == nil {
		return nil
	}
	l.timer.Stop()
	l.flushLocked()
	return l.file.Close()
}
