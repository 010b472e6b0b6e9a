package gateway_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestTimeoutNeverResends sends timed-out GETs until timeoutRetryReused of them came on a
// kept-alive upstream connection. The resend it prevents came from a race between the
// connection's read deadline and the transport's response-header timer, lost about once in
// thirty tries on an idle machine and far more often on a loaded one: 240 tries miss it with
// a probability under 1e-3. The test asserts counts only, never durations, so that a slow
// machine makes it longer, never wrong.
const (
	timeoutRetryWorkers = 8
	timeoutRetryReused  = 240
	// timeoutRetryMaxTries bounds the tries when few come on a kept-alive connection (a
	// pool connection idle past upstream_timeout/2 is closed, and a /fast answer later than
	// upstream_timeout is a 504 that closes it).
	timeoutRetryMaxTries = 10 * timeoutRetryReused
	// timeoutRetryHold bounds how long the upstream holds a request the gateway gave up on
	// (it lets go as soon as the gateway closes the connection), and the wait for the
	// upstream to have read every request sent.
	timeoutRetryHold = 30 * time.Second
)

// An upstream that answers too late gets the request once, and the client its 504: when the
// connection's own read deadline fired first on a kept-alive connection, net/http took it
// for a connection the upstream had closed and sent the GET again on a new one (the
// complaint: "the upstream receives the same GET twice after a timeout, and the 504 takes 2x
// upstream_timeout"; e2e case g3c). A deadline merely later than the timer still lost the
// race on a loaded machine, with -race.
func TestTimeoutNeverResends(t *testing.T) {
	var (
		mu    sync.Mutex
		slow  = map[string]int{}  // slow requests received, by id
		addrs = map[string]bool{} // the client addresses of the fast requests
		reuse int                 // slow requests on a connection a fast request used before
	)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if r.URL.Path == "/fast" {
			addrs[r.RemoteAddr] = true
			mu.Unlock()
			return
		}
		slow[strings.TrimPrefix(r.URL.Path, "/slow/")]++
		if addrs[r.RemoteAddr] {
			reuse++
		}
		mu.Unlock()
		select { // never in time: the gateway gives up first and closes the connection
		case <-r.Context().Done():
		case <-time.After(timeoutRetryHold):
		}
	}))
	t.Cleanup(up.Close)
	f := startFront(t, `version: 1
limits: { upstream_timeout: 100ms }
hosts:
  - match: api.test
    upstream: {{UP}}
`, map[string]string{"UP": up.URL})
	reused := func() int {
		mu.Lock()
		defer mu.Unlock()
		return reuse
	}

	var (
		wg    sync.WaitGroup
		tries atomic.Int64
	)
	errs := make(chan error, timeoutRetryWorkers)
	for w := range timeoutRetryWorkers {
		wg.Go(func() {
			for i := 0; reused() < timeoutRetryReused && tries.Add(1) <= timeoutRetryMaxTries; i++ {
				// The fast GET leaves its connection kept alive; the slow one may reuse it. A
				// fast GET answered late is a 504 like any other: that try then proves less,
				// and the loop goes on until enough tries came on a kept-alive connection.
				f.do(t, "GET", "api.test", "/fast", nil, nil)
				res, body := f.do(t, "GET", "api.test", fmt.Sprintf("/slow/%d-%d", w, i), nil, nil)
				if res.StatusCode != http.StatusGatewayTimeout || !strings.Contains(body, "Gateway Timeout") {
					errs <- fmt.Errorf("/slow: %d %s, want the gateway's 504", res.StatusCode, body)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Every slow GET was written before its 504 (the wait for an answer starts after the
	// write), but the upstream may read it later on a loaded machine; closing the upstream
	// before would drop it unread. Then Close waits for the handlers, the resent GETs' too.
	sent := int(min(tries.Load(), timeoutRetryMaxTries))
	for end := time.Now().Add(timeoutRetryHold); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		n := len(slow)
		mu.Unlock()
		if n >= sent {
			break
		}
	}
	up.Close()

	mu.Lock()
	defer mu.Unlock()
	for id, n := range slow {
		if n != 1 {
			t.Errorf("GET /slow/%s reached the upstream %d times, want once", id, n)
		}
	}
	if len(slow) != sent {
		t.Errorf("the upstream received %d distinct slow GETs, want %d", len(slow), sent)
	}
	// The race only exists on a reused connection: enough slow requests must have used one,
	// or this test proves nothing.
	if reuse < timeoutRetryReused {
		t.Errorf("only %d of %d slow requests came on a kept-alive connection, want %d", reuse, sent, timeoutRetryReused)
	}
	t.Logf("%d slow requests, %d on a kept-alive connection", sent, reuse)
}
