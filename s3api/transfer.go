package s3api

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/doorman-s3/doorman/s3api/internal/s3err"
)

// DefaultBodyIdleTimeout is how long reading a request body or writing a response may make no
// progress before the request is given up. Amazon S3 closes a connection whose body stalls
// for about 20 seconds with 400 RequestTimeout; so does doorman by default.
const DefaultBodyIdleTimeout = 20 * time.Second

// responseChunk is the most written to the connection under one write deadline. A response
// body handed over in one piece (a file sent with sendfile, a long listing) is written in
// pieces of at most this size, each of which must go out within the idle timeout: a reader
// must take at least responseChunk bytes per idle period (12.8 KiB/s with the default),
// and a client that stops reading is cut off.
const responseChunk = 256 << 10

// minBodyProgress is the least a request body must deliver in each idle period while it is
// being read (3.2 KiB/s with the default): a client that trickles a byte now and then is cut
// off as one that stalls, instead of holding a connection for as long as it likes. Small
// enough for any real uplink, as responseChunk is for downloads.
const minBodyProgress = 64 << 10

// errRequestTimeout answers a request whose body stalled. The message is the one Amazon S3
// sends (its documentation gives the first sentence; responses seen from S3 carry both).
var errRequestTimeout = &s3err.Error{Status: http.StatusBadRequest, Code: "RequestTimeout",
	Message: "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed."}

// errStorageFull answers a write that found the disk (or the user's quota) full. Amazon S3
// has no such error: this one is doorman's, documented in the README, and modelled on MinIO's
// XMinioStorageFull, 507 Insufficient Storage (RFC 4918). Unlike a 500 it is not retried by
// the AWS SDKs, which retry 500, 502, 503 and 504, as retrying cannot help until space is
// freed. [UNVERIFIED]: no AWS behaviour to follow; the choice follows MinIO's observed answer.
var errStorageFull = &s3err.Error{Status: http.StatusInsufficientStorage, Code: "XDoormanStorageFull",
	Message: "The server has no storage space left for this write. Delete objects or add space, then try again."}

// bodyReader is the request body as the handlers read it. It must keep moving: the
// connection's read deadline is idle away, and moves on only once minBodyProgress more bytes
// have arrived; a read that reaches it fails with RequestTimeout. A body that breaks off before its
// end (the client closed or reset the connection, or sent less than its Content-Length)
// fails with IncompleteBody. Either failure is the client's doing, so it is kept and answered
// as such, whatever layer the error passes through on its way up.
type bodyReader struct {
	body io.ReadCloser
	ctl  *http.ResponseController
	idle time.Duration
	// window counts the bytes read since the deadline last moved.
	window int
	done   bool  // read to its end
	err    error // the client's failure, an *s3err.Error
}

// newBodyReader wraps a request body. The read deadline is set at once, for the handler may
// never read the body: net/http then reads what it can of it after the response, and a
// client that never sends it must not hold the connection.
func newBodyReader(body io.ReadCloser, ctl *http.ResponseController, idle time.Duration) *bodyReader {
	_ = ctl.SetReadDeadline(time.Now().Add(idle))
	return &bodyReader{body: body, ctl: ctl, idle: idle}
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.window >= minBodyProgress {
		_ = b.ctl.SetReadDeadline(time.Now().Add(b.idle))
		b.window = 0
	}
	n, err := b.body.Read(p)
	b.window += n
	switch {
	case err == nil:
	case err == io.EOF:
		b.done = true
		// The deadline must not outlive the body: once it is read, net/http watches the
		// connection in the background to notice a client that goes away.
		_ = b.ctl.SetReadDeadline(time.Time{})
	default:
		// A request body comes from the client alone: whatever breaks it off (an early
		// end, a reset, framing net/http refuses) is the client's failure, not the server's.
		b.err = s3err.IncompleteBody
		if errors.Is(err, os.ErrDeadlineExceeded) {
			b.err = errRequestTimeout
		}
		err = b.err
	}
	return n, err
}

func (b *bodyReader) Close() error { return b.body.Close() }

// bodyFault is the client's failure to send its body, nil when there was none.
func (rc *request) bodyFault() error {
	if rc.in == nil || rc.in.err == nil {
		return nil
	}
	return rc.in.err
}

// responseRecorder notes the status and the body size for the access log and metrics, and
// keeps the response moving: before each write the connection's write deadline moves to
// now+idle, so that a client that stops reading is cut off.
type responseRecorder struct {
	http.ResponseWriter
	ctl    http.ResponseController
	idle   time.Duration
	status int
	bytes  int64
}

func (w *responseRecorder) extendWriteDeadline() {
	_ = w.ctl.SetWriteDeadline(time.Now().Add(w.idle))
}

func (w *responseRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	written := 0
	for {
		chunk := b[:min(len(b), responseChunk)]
		w.extendWriteDeadline()
		n, err := w.ResponseWriter.Write(chunk)
		written += n
		w.bytes += int64(n)
		b = b[n:]
		if err != nil || len(b) == 0 {
			return written, err
		}
	}
}

// ReadFrom lets object bodies reach the connection with sendfile when the underlying writer
// can do that, responseChunk bytes at a time, each under a fresh write deadline. A reader
// limited with io.LimitReader is unwrapped, so that the underlying writer still sees a file.
func (w *responseRecorder) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	rf, ok := w.ResponseWriter.(io.ReaderFrom)
	if !ok {
		return io.Copy(struct{ io.Writer }{w}, r)
	}
	src, left := r, int64(1<<63-1)
	lr, limited := r.(*io.LimitedReader)
	if limited {
		src, left = lr.R, lr.N
	}
	var total int64
	var err error
	for left > 0 {
		want := min(left, responseChunk)
		w.extendWriteDeadline()
		var n int64
		n, err = rf.ReadFrom(&io.LimitedReader{R: src, N: want})
		total += n
		left -= n
		if err != nil || n < want {
			break
		}
	}
	w.bytes += total
	if limited {
		lr.N = left
	}
	return total, err
}

func (w *responseRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
