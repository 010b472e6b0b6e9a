package upstreamhttp_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/upstreamhttp"
)

// BenchmarkRoundTrip sends GETs of a 4 KiB answer and PUTs of a 4 KiB body over loopback from
// 8 goroutines, through the Transport (impl=direct) and through net/http's Transport with the
// same bounds (impl=std), to a net/http server in the same process. `benchstat -col /impl`
// compares them: the difference is the cost of the Transport's two goroutines per
// connection, which the direct path does without.
func BenchmarkRoundTrip(b *testing.B) {
	answer := strings.Repeat("x", 4<<10)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = io.WriteString(w, answer)
	}))
	defer up.Close()
	newStd := func() *http.Transport {
		return &http.Transport{
			DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			ResponseHeaderTimeout: 5 * time.Second, MaxIdleConns: 64, MaxIdleConnsPerHost: 64,
			DisableCompression: true,
		}
	}
	impls := []struct {
		name string
		rt   func() http.RoundTripper
	}{
		{"direct", func() http.RoundTripper { return newTransport(newStd(), 64) }},
		{"std", func() http.RoundTripper { return newStd() }},
	}
	ops := []struct {
		name string
		req  func() *http.Request
	}{
		{"get4KiB", func() *http.Request {
			r, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, up.URL+"/obj", nil)
			return r
		}},
		{"put4KiB", func() *http.Request {
			r, _ := http.NewRequestWithContext(context.Background(), http.MethodPut, up.URL+"/obj", strings.NewReader(answer))
			return r
		}},
	}
	for _, op := range ops {
		for _, impl := range impls {
			b.Run("op="+op.name+"/impl="+impl.name, func(b *testing.B) {
				rt := impl.rt()
				defer rt.(interface{ CloseIdleConnections() }).CloseIdleConnections()
				b.SetParallelism(4)
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						res, err := rt.RoundTrip(op.req())
						if err != nil {
							b.Error(err)
							return
						}
						if n, err := io.Copy(io.Discard, res.Body); err != nil || n != int64(len(answer)) {
							b.Errorf("read %d bytes of the answer: %v", n, err)
						}
						res.Body.Close()
					}
				})
			})
		}
	}
}

// The Transport satisfies what http.Client and httputil.ReverseProxy ask of a transport.
var _ interface {
	http.RoundTripper
	CloseIdleConnections()
} = (*upstreamhttp.Transport)(nil)
