package upstream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/doorman-s3/doorman/storage"
)

// openReader returns the reader GetObject hands out for info, whose data first (the body of
// the GET that read info) starts at offset 0. Reads in order consume first; a Seek or ReadAt
// elsewhere sends a ranged GET pinned to info (If-Match on its ETag, and its version id), so
// the reader keeps returning the object it opened or fails, never mixing two writes.
func (b *Backend) openReader(ctx context.Context, info storage.ObjectInfo, first io.ReadCloser) storage.ObjectReader {
	return &objectReader{b: b, ctx: ctx, info: info, creds: b.credentialsFor(ctx), body: first}
}

// errChanged is what a ranged read of an object replaced since it was opened fails with.
const errChanged = "the object changed while it was read"

// objectReader is openReader's reader. Read and Seek are not safe for concurrent use;
// ReadAt is, with them and with itself.
type objectReader struct {
	b     *Backend
	ctx   context.Context
	info  storage.ObjectInfo
	creds *Credentials
	// body streams the object from offset bodyAt; nil when none is open.
	body   io.ReadCloser
	bodyAt int64
	pos    int64
	closed bool
}

func (r *objectReader) Read(p []byte) (int, error) {
	if r.closed {
		return 0, errors.New("upstream: read of a closed object reader")
	}
	if r.pos >= r.info.Size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if r.body == nil || r.bodyAt != r.pos {
		r.closeBody()
		body, err := r.get(r.pos, -1)
		if err != nil {
			return 0, err
		}
		r.body, r.bodyAt = body, r.pos
	}
	if rest := r.info.Size - r.pos; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := r.body.Read(p)
	r.pos += int64(n)
	r.bodyAt = r.pos
	switch {
	case err == io.EOF && r.pos < r.info.Size:
		err = fmt.Errorf("upstream: the object's body ended at %d of %d bytes: %w", r.pos, r.info.Size, io.ErrUnexpectedEOF)
	case err == io.EOF:
		return n, nil // the next Read answers io.EOF without a body
	}
	if err != nil {
		// The next Read opens a new range where this one stopped.
		r.closeBody()
	}
	return n, err
}

func (r *objectReader) Seek(offset int64, whence int) (int64, error) {
	if r.closed {
		return 0, errors.New("upstream: seek of a closed object reader")
	}
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.pos
	case io.SeekEnd:
		offset += r.info.Size
	default:
		return 0, errors.New("upstream: seek: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("upstream: seek: negative position")
	}
	if offset != r.pos {
		r.closeBody()
	}
	r.pos = offset
	return offset, nil
}

func (r *objectReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("upstream: ReadAt: negative offset")
	}
	if off >= r.info.Size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	want := min(int64(len(p)), r.info.Size-off)
	body, err := r.get(off, off+want-1)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	n, err := io.ReadFull(body, p[:want])
	if err != nil {
		return n, fmt.Errorf("upstream: the object's range at %d ended after %d of %d bytes: %w", off, n, want, io.ErrUnexpectedEOF)
	}
	if int(want) < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (r *objectReader) Close() error {
	r.closed = true
	r.closeBody()
	return nil
}

func (r *objectReader) closeBody() {
	if r.body != nil {
		r.body.Close()
		r.body = nil
	}
}

// get sends a GET of the object's bytes from start to end (inclusive; -1: to its end),
// pinned to the version opened: If-Match on its ETag
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html), and its version id
// when it has one. A 412 is the object replaced since.
func (r *objectReader) get(start, end int64) (io.ReadCloser, error) {
	rng := "bytes=" + strconv.FormatInt(start, 10) + "-"
	if end >= 0 {
		rng += strconv.FormatInt(end, 10)
	}
	req := &request{method: http.MethodGet, bucket: r.info.Bucket, key: r.info.Key, query: url.Values{},
		header: http.Header{"Range": {rng}, "If-Match": {`"` + strings.Trim(r.info.ETag, `"`) + `"`}},
		creds:  r.creds, notFound: storage.ErrNoSuchKey}
	if v := r.info.VersionID; v != "" && v != storage.NullVersion {
		req.query.Set("versionId", v)
	}
	resp, err := r.b.client.do(r.ctx, req)
	if errors.Is(err, storage.ErrPreconditionFailed) {
		return nil, fmt.Errorf("%w: %s", storage.ErrPreconditionFailed, errChanged)
	}
	if err != nil {
		return nil, err
	}
	// The answer must be the range asked for: 206 with a Content-Range starting at start.
	if resp.StatusCode != http.StatusPartialContent || !strings.HasPrefix(resp.Header.Get("Content-Range"), "bytes "+strconv.FormatInt(start, 10)+"-") {
		resp.Body.Close()
		return nil, fmt.Errorf("upstream: a GET of range %s answered %d, Content-Range %q", rng, resp.StatusCode, resp.Header.Get("Content-Range"))
	}
	return resp.Body, nil
}
