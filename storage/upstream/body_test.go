package upstream_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"testing/iotest"
	"time"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/upstream"
)

// A body whose reader fails after its last byte (a bad chunk signature, trailer or checksum
// found at the end) fails the write with the reader's error and leaves nothing upstream, as
// does a body of another length than declared; the same body read to a clean end is stored.
func TestBodyFailingAtItsEndStoresNothing(t *testing.T) {
	up := newUpstream(t)
	bucket := clientBucket(t, up)
	b := newBackend(t, up, nil)
	boom := errors.New("bad chunk signature")
	large := bytes.Repeat([]byte("0123456789abcdef"), 10<<10) // 160 KiB: more than is held back
	for _, tc := range []struct {
		name string
		data []byte
		body func(data []byte) io.Reader
		size int // the declared size; len(data) when 0
		want error
	}{
		{name: "small, clean", data: []byte("x"), body: func(d []byte) io.Reader { return bytes.NewReader(d) }},
		{name: "large, clean, in small reads", data: large, body: func(d []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(d)) }},
		{name: "small, failing at its end", data: []byte("x"),
			body: func(d []byte) io.Reader { return io.MultiReader(bytes.NewReader(d), iotest.ErrReader(boom)) }, want: boom},
		{name: "large, failing at its end", data: large,
			body: func(d []byte) io.Reader { return io.MultiReader(bytes.NewReader(d), iotest.ErrReader(boom)) }, want: boom},
		// The upstream has time to store whatever reached it before the failure.
		{name: "large, failing at its end after a while", data: large,
			body: func(d []byte) io.Reader { return io.MultiReader(bytes.NewReader(d), &lateFailure{boom}) }, want: boom},
		{name: "large, failing with its last bytes", data: large,
			body: func(d []byte) io.Reader { return iotest.TimeoutReader(bytes.NewReader(d)) }, want: iotest.ErrTimeout},
		{name: "longer than declared", data: large, size: len(large) - 1,
			body: func(d []byte) io.Reader { return bytes.NewReader(d) }, want: storage.ErrIncompleteBody},
		{name: "shorter than declared", data: large, size: len(large) + 1,
			body: func(d []byte) io.Reader { return bytes.NewReader(d) }, want: storage.ErrIncompleteBody},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := tc.name
			size := len(tc.data)
			if tc.size != 0 {
				size = tc.size
			}
			resp, err := b.SendForTest(context.Background(), upstream.RawRequest{Method: http.MethodPut, Bucket: bucket, Key: key,
				Body: tc.body(tc.data), Size: int64(size)})
			if err == nil {
				resp.Body.Close()
			}
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			stored := getDirect(t, up, bucket, key)
			switch {
			case tc.want == nil && !bytes.Equal(stored, tc.data):
				t.Errorf("stored %d bytes, want the %d of the body", len(stored), len(tc.data))
			case tc.want != nil && stored != nil:
				t.Errorf("a failed body stored %d bytes upstream", len(stored))
			}
		})
	}
}

// lateFailure fails after a pause.
type lateFailure struct{ err error }

func (l *lateFailure) Read([]byte) (int, error) {
	time.Sleep(300 * time.Millisecond)
	return 0, l.err
}
