package upstreamhttp_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/upstreamhttp"
)

// newTransport is a Transport with the bounds the callers give, over std.
func newTransport(std *http.Transport, perHost int) *upstreamhttp.Transport {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	std.DialContext = dialer.DialContext
	return upstreamhttp.New(upstreamhttp.Config{
		Std: std, Dialer: dialer, Timeout: 5 * time.Second, IdleFor: time.Minute,
		MaxIdle: 16, MaxIdlePerHost: perHost, MaxHeadBytes: 64 << 10,
	})
}

// countingServer counts the requests and the connections it gets, and the connections closed.
type countingServer struct {
	*httptest.Server
	requests, opened, closed atomic.Int32
}

func newCountingServer(t *testing.T, h http.HandlerFunc) *countingServer {
	s := &countingServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		h(w, r)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			s.opened.Add(1)
		case http.StateClosed:
			s.closed.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func get(t *testing.T, rt http.RoundTripper, ctx context.Context, method, u string, body io.Reader) (string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	res, err := rt.RoundTrip(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return string(b), err
}

// TestCanceledRequestNotSent checks that a request whose context has ended is not written,
// even on a pooled connection that is open.
func TestCanceledRequestNotSent(t *testing.T) {
	up := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	rt := newTransport(&http.Transport{}, 4)
	defer rt.CloseIdleConnections()
	if body, err := get(t, rt, context.Background(), http.MethodGet, up.URL, nil); err != nil || body != "ok" {
		t.Fatalf("GET: %q, %v", body, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 20 {
		if _, err := get(t, rt, ctx, http.MethodPut, up.URL, strings.NewReader("x")); !errors.Is(err, context.Canceled) {
			t.Fatalf("PUT with a canceled context: %v, want %v", err, context.Canceled)
		}
	}
	if n := up.requests.Load(); n != 1 {
		t.Errorf("the upstream got %d requests, want 1 (the GET)", n)
	}
}

// TestProxyFromStdUsed checks that a request for which Std's Proxy names a proxy goes to
// that proxy, through Std, and not straight to the upstream.
func TestProxyFromStdUsed(t *testing.T) {
	up := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "direct") })
	var asked atomic.Value
	proxy := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		asked.Store(r.URL.String())
		_, _ = io.WriteString(w, "proxied")
	})
	proxyURL, _ := url.Parse(proxy.URL)
	rt := newTransport(&http.Transport{Proxy: http.ProxyURL(proxyURL)}, 4)
	defer rt.CloseIdleConnections()
	body, err := get(t, rt, context.Background(), http.MethodGet, up.URL+"/x", nil)
	if err != nil || body != "proxied" {
		t.Fatalf("GET through the proxy: %q, %v", body, err)
	}
	if got := asked.Load(); got != up.URL+"/x" {
		t.Errorf("the proxy was asked for %v, want %s", got, up.URL+"/x")
	}
	if n := up.requests.Load(); n != 0 {
		t.Errorf("the upstream got %d requests straight, want 0", n)
	}
	// Without a proxy, the same request goes straight to the upstream.
	direct := newTransport(&http.Transport{Proxy: func(*http.Request) (*url.URL, error) { return nil, nil }}, 4)
	defer direct.CloseIdleConnections()
	if body, err := get(t, direct, context.Background(), http.MethodGet, up.URL+"/x", nil); err != nil || body != "direct" {
		t.Fatalf("GET with no proxy: %q, %v", body, err)
	}
}

// TestIdleConnectionsBoundedPerHost checks that no more than MaxIdlePerHost connections to
// one upstream stay pooled: of three requests in flight at once, two connections are closed
// when they end, and the third carries the next request.
func TestIdleConnectionsBoundedPerHost(t *testing.T) {
	release := make(chan struct{})
	var inFlight sync.WaitGroup
	inFlight.Add(3)
	up := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/held" {
			inFlight.Done()
			<-release
		}
		_, _ = io.WriteString(w, "ok")
	})
	rt := newTransport(&http.Transport{}, 1)
	defer rt.CloseIdleConnections()
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if _, err := get(t, rt, context.Background(), http.MethodGet, up.URL+"/held", nil); err != nil {
				t.Error(err)
			}
		})
	}
	inFlight.Wait()
	close(release)
	wg.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for up.closed.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if opened, closed := up.opened.Load(), up.closed.Load(); opened != 3 || closed != 2 {
		t.Fatalf("%d connections opened and %d closed, want 3 and 2", opened, closed)
	}
	if _, err := get(t, rt, context.Background(), http.MethodGet, up.URL+"/next", nil); err != nil {
		t.Fatal(err)
	}
	if opened := up.opened.Load(); opened != 3 {
		t.Errorf("%d connections opened after the next request, want 3 (the pooled one reused)", opened)
	}
}
