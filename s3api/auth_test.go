package s3api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage/disk"
)

// forgedRequests are presigned requests whose signature was made up (only the access key id
// is known), with padding that the canonical request escapes to three bytes a character.
func forgedRequests(tb testing.TB) (srv *s3api.Server, reqs []forged) {
	tb.Helper()
	store, err := disk.Open(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	srv, err = s3api.New(context.Background(), s3api.Config{Backend: store, Users: []s3api.User{{AccessKey: "AK", SecretKey: "SK"}}})
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now().UTC()
	target := "http://127.0.0.1/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F" + now.Format("20060102") +
		"%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=" + now.Format("20060102T150405Z") +
		"&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature=" + strings.Repeat("0", 64) + "&x="
	return srv, []forged{
		{"7KiB", httptest.NewRequest("GET", target+strings.Repeat("!", 7<<10), nil), 403, "SignatureDoesNotMatch", 0},
		// Refused before the query is even decoded: 64 KiB is ample, where before the bound
		// such a request cost the server tens of megabytes.
		{"1MiB", httptest.NewRequest("GET", target+strings.Repeat("!", 1<<20), nil), 400, "RequestHeaderSectionTooLarge", 64 << 10},
	}
}

type forged struct {
	name     string
	r        *http.Request
	status   int
	code     string
	maxAlloc uint64 // bytes the server may allocate answering it; 0 leaves it unchecked
}

// maxErrorBody bounds any error answer, whatever the request.
const maxErrorBody = 32 << 10

// A forged signature costs the server little and gets a small answer: a request head over
// 8 KiB is refused before any signature work (its allocations do not grow with the request),
// and a signature mismatch echoes a bounded part of what was signed. Allocated bytes stand for
// the work done: unlike time, they do not depend on the machine's load.
func TestForgedSignatureIsCheap(t *testing.T) {
	srv, reqs := forgedRequests(t)
	for _, f := range reqs {
		var before, after runtime.MemStats
		w := httptest.NewRecorder()
		runtime.ReadMemStats(&before)
		srv.ServeHTTP(w, f.r)
		runtime.ReadMemStats(&after)
		if w.Code != f.status || !strings.Contains(w.Body.String(), "<Code>"+f.code+"</Code>") {
			t.Errorf("%s: %d %.300s", f.name, w.Code, w.Body)
		}
		if w.Body.Len() > maxErrorBody {
			t.Errorf("%s: a %d-byte answer", f.name, w.Body.Len())
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; f.maxAlloc != 0 && alloc > f.maxAlloc {
			t.Errorf("%s: %d bytes allocated", f.name, alloc)
		}
	}
}

func BenchmarkForgedSignature(b *testing.B) {
	srv, reqs := forgedRequests(b)
	for _, f := range reqs {
		b.Run("query="+f.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, f.r)
				if w.Code != f.status {
					b.Fatalf("%d %.300s", w.Code, w.Body)
				}
			}
		})
	}
}
