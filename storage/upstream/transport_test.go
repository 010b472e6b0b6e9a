package upstream_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/upstream"
)

// faultyEndpoint answers the prober's HEAD / and fails every other request after reading it
// whole: "drop" closes the connection without an answer (as an upstream that acted and lost
// its connection), "hang" never answers. It counts the requests for a key k it failed.
func faultyEndpoint(t *testing.T, mode string) (string, *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var n atomic.Int32
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				br := bufio.NewReader(conn)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					if req.Method == http.MethodHead && req.URL.Path == "/" {
						conn.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
						continue
					}
					if strings.HasSuffix(req.URL.Path, "/k") {
						n.Add(1)
					}
					if mode == "hang" {
						<-done
					}
					return
				}
			}()
		}
	}()
	return "http://" + l.Addr().String(), &n
}

// A GET or HEAD whose transport fails is sent to the next endpoint; a DELETE only when it was
// certainly not sent (the connection was refused), never after the endpoint may have acted.
// Only a failure to connect marks an endpoint down: a dropped connection or an answer slower
// than the header timeout leaves it up, to the prober.
func TestRetryAndMarkDownAfterTransportFailures(t *testing.T) {
	ctx := context.Background()
	up := newUpstream(t)
	bucket := clientBucket(t, up)
	hc := &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: 300 * time.Millisecond}}
	for _, tc := range []struct {
		mode    string // of the failing endpoint
		method  string
		retried bool
		down    bool
	}{
		{"drop", http.MethodGet, true, false},
		{"drop", http.MethodHead, true, false},
		{"drop", http.MethodDelete, false, false},
		{"hang", http.MethodGet, true, false},
		{"hang", http.MethodDelete, false, false},
		{"refused", http.MethodDelete, true, true},
		{"refused", http.MethodGet, true, true},
	} {
		t.Run(tc.mode+" "+tc.method, func(t *testing.T) {
			putDirect(t, up, bucket, "k", []byte("v"))
			var bad string
			var failed *atomic.Int32
			if tc.mode == "refused" {
				bad, failed = deadURL(t), &atomic.Int32{}
			} else {
				bad, failed = faultyEndpoint(t, tc.mode)
			}
			b := newBackend(t, up, func(c *upstream.Config) {
				c.Endpoints = []string{bad, up.URL}
				c.HealthInterval = time.Hour
				c.HTTPClient = hc
			})
			// The second request of two starts at the failing endpoint, whichever the first.
			up.Reset()
			var errs []error
			for range 2 {
				resp, err := b.SendForTest(ctx, upstream.RawRequest{Method: tc.method, Bucket: bucket, Key: "k"})
				if err == nil {
					resp.Body.Close()
				}
				errs = append(errs, err)
				if tc.mode == "refused" {
					break // the endpoint is down now: no request goes to it first
				}
			}
			reached := 0
			for _, r := range up.Requests() {
				if r.Path == "/"+bucket+"/k" {
					reached++
				}
			}
			switch {
			case tc.mode != "refused" && failed.Load() != 1:
				t.Fatalf("the failing endpoint got %d requests, want 1", failed.Load())
			case tc.retried && (errors.Join(errs...) != nil || reached != len(errs)):
				t.Errorf("errors %v, %d requests reached the live endpoint; want every one answered", errs, reached)
			case !tc.retried && (reached != 1 || !errors.Is(errors.Join(errs...), storage.ErrUnavailable)):
				t.Errorf("errors %v, %d requests reached the live endpoint; want the one that failed not sent again", errs, reached)
			}
			if n, _ := b.EndpointsUpForTest(); n != map[bool]int{true: 1, false: 2}[tc.down] {
				t.Errorf("%d endpoints up, want the failing one down=%v", n, tc.down)
			}
		})
	}
}

// A key segment "." or ".." goes upstream with its dots encoded (so no proxy normalises the
// path), is signed as sent, and is stored under the same key.
func TestDotSegmentsRoundTrip(t *testing.T) {
	ctx := context.Background()
	up := newUpstream(t)
	bucket := clientBucket(t, up)
	b := newBackend(t, up, nil)
	for _, key := range []string{"..", ".", "a/../b", "a/./b/..", "../doorman-meta/x", "a/.../b"} {
		t.Run(key, func(t *testing.T) {
			up.Reset()
			resp, err := b.SendForTest(ctx, upstream.RawRequest{Method: http.MethodPut, Bucket: bucket, Key: key,
				Body: strings.NewReader(key), Size: int64(len(key))})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			uri := up.ClientRequests()[0].URI
			for _, seg := range strings.Split(strings.TrimPrefix(uri, "/"+bucket+"/"), "/") {
				if seg == "." || seg == ".." {
					t.Errorf("sent %s, with a dot segment", uri)
				}
			}
			if got := getDirect(t, up, bucket, key); string(got) != key {
				t.Errorf("stored under %q: %q", key, got)
			}
			resp, err = b.SendForTest(ctx, upstream.RawRequest{Method: http.MethodGet, Bucket: bucket, Key: key})
			if err != nil {
				t.Fatal(err)
			}
			if got := readAll(t, resp); string(got) != key {
				t.Errorf("read back %q", got)
			}
		})
	}
}

// Config.ResponseTimeout bounds the wait for an upstream's answer: a write sent to an
// endpoint that never answers fails with ErrUnavailable once it has passed, not after the
// default's 30 s, and is not sent again.
func TestResponseTimeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	up := newUpstream(t)
	bucket := clientBucket(t, up)
	bad, failed := faultyEndpoint(t, "hang")
	b := newBackend(t, up, func(c *upstream.Config) {
		c.Endpoints = []string{bad, up.URL}
		c.HealthInterval = time.Hour
		c.ResponseTimeout = timeout
	})
	// The second request of two starts at the hanging endpoint, whichever the first. Each
	// is given up on after 5 s, however long the backend would wait.
	var timedOut []time.Duration
	for range 2 {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		resp, err := b.SendForTest(ctx, upstream.RawRequest{Method: http.MethodDelete, Bucket: bucket, Key: "k"})
		cancel()
		if err == nil {
			resp.Body.Close()
			continue
		}
		if !errors.Is(err, storage.ErrUnavailable) {
			t.Fatalf("DELETE at the hanging endpoint: %v, want ErrUnavailable", err)
		}
		timedOut = append(timedOut, time.Since(start))
	}
	if len(timedOut) != 1 || failed.Load() != 1 {
		t.Fatalf("%d requests timed out, %d reached the hanging endpoint; want one each", len(timedOut), failed.Load())
	}
	if d := timedOut[0]; d < timeout || d > 10*timeout {
		t.Errorf("the DELETE gave up after %v, want %v or a little more", d, timeout)
	}
}
