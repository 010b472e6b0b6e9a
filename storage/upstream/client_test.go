package upstream_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/upstream"
)

// clientBucket makes a bucket of the service identity on up, and returns its name.
func clientBucket(t *testing.T, up *testUpstream) string {
	t.Helper()
	const bucket = "data"
	if _, err := up.S3(up.Service).CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	return bucket
}

// putDirect stores an object on up behind the backend's back.
func putDirect(t *testing.T, up *testUpstream, bucket, key string, data []byte) {
	t.Helper()
	_, err := up.S3(up.Service).PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data)))})
	if err != nil {
		t.Fatal(err)
	}
}

// getDirect reads an object on up behind the backend's back; nil when it does not exist.
func getDirect(t *testing.T, up *testUpstream, bucket, key string) []byte {
	t.Helper()
	out, err := up.S3(up.Service).GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		if strings.Contains(err.Error(), "NoSuchKey") {
			return nil
		}
		t.Fatal(err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// readAll reads and closes an answer's body.
func readAll(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func emptySHA256() string {
	s := sha256.Sum256(nil)
	return hex.EncodeToString(s[:])
}

// Keys and queries with every kind of byte are escaped S3's way and signed so that a real
// S3 server verifies the signature; the payload hash says what the body is.
func TestSignedKeysAndQueries(t *testing.T) {
	up := newUpstream(t)
	bucket := clientBucket(t, up)
	b := newBackend(t, up, nil)
	ctx := context.Background()
	for _, tc := range []struct{ key, path string }{
		{"dir/with space+plus=é%.txt", "/data/dir/with%20space%2Bplus%3D%C3%A9%25.txt"},
		{"a//b/~x-_.", "/data/a//b/~x-_."},
		{"q?h#;:@!*'()&$,[]", "/data/q%3Fh%23%3B%3A%40%21%2A%27%28%29%26%24%2C%5B%5D"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			up.Reset()
			data := []byte("data of " + tc.key)
			resp, err := b.SendForTest(ctx, upstream.RawRequest{Method: http.MethodPut, Bucket: bucket, Key: tc.key,
				Body: bytes.NewReader(data), Size: int64(len(data))})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			resp, err = b.SendForTest(ctx, upstream.RawRequest{Method: http.MethodGet, Bucket: bucket, Key: tc.key})
			if err != nil {
				t.Fatal(err)
			}
			if got := readAll(t, resp); !bytes.Equal(got, data) {
				t.Errorf("GET = %q, want %q", got, data)
			}
			reqs := up.ClientRequests()
			if len(reqs) != 2 {
				t.Fatalf("%d requests, want 2: %+v", len(reqs), reqs)
			}
			for i, want := range []string{"UNSIGNED-PAYLOAD", emptySHA256()} {
				if reqs[i].URI != tc.path || reqs[i].Path != "/"+bucket+"/"+tc.key {
					t.Errorf("%s sent to %q (%q), want %q", reqs[i].Method, reqs[i].URI, reqs[i].Path, tc.path)
				}
				if got := reqs[i].Header.Get("X-Amz-Content-Sha256"); got != want {
					t.Errorf("%s x-amz-content-sha256 = %q, want %q", reqs[i].Method, got, want)
				}
			}
			if reqs[0].ContentLength != int64(len(data)) {
				t.Errorf("PUT Content-Length %d, want %d", reqs[0].ContentLength, len(data))
			}
		})
	}
	// A query value with a space, a plus and an é, signed and understood as sent.
	resp, err := b.SendForTest(ctx, upstream.RawRequest{Method: http.MethodGet, Bucket: bucket,
		Query: url.Values{"list-type": {"2"}, "prefix": {"dir/with space+plus=é"}}})
	if err != nil {
		t.Fatal(err)
	}
	if body := string(readAll(t, resp)); !strings.Contains(body, "<KeyCount>1</KeyCount>") {
		t.Errorf("listing with a prefix = %s, want one key", body)
	}
}

// A client's own hex payload hash goes upstream as it came, and the upstream verifies it.
func TestClientPayloadHashForwarded(t *testing.T) {
	up := newUpstream(t)
	bucket := clientBucket(t, up)
	b := newBackend(t, up, nil)
	data := []byte("hashed body")
	sum := sha256.Sum256(data)
	for _, tc := range []struct {
		name, hash string
		want       error
	}{
		{"right", hex.EncodeToString(sum[:]), nil},
		{"wrong", emptySHA256(), storage.ErrBadDigest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up.Reset()
			resp, err := b.SendForTest(context.Background(), upstream.RawRequest{Method: http.MethodPut, Bucket: bucket, Key: tc.name,
				Header: http.Header{"X-Amz-Content-Sha256": {tc.hash}}, Body: bytes.NewReader(data), Size: int64(len(data))})
			if tc.want == nil && err == nil {
				resp.Body.Close()
			}
			if !errors.Is(err, tc.want) && (tc.want != nil || err != nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if got := up.ClientRequests()[0].Header.Get("X-Amz-Content-Sha256"); got != tc.hash {
				t.Errorf("x-amz-content-sha256 sent = %q, want %q", got, tc.hash)
			}
			if stored := getDirect(t, up, bucket, tc.name); (stored != nil) != (tc.want == nil) {
				t.Errorf("stored = %q", stored)
			}
		})
	}
}

// Each call is signed as its caller's mapped identity, the service identity when the caller
// is absent, and not at all when anonymous. An unmapped caller is signed as the service
// identity under Unmapped "service" (the default without identities), and refused with 403
// AccessDenied, nothing sent, under "deny" (the default with identities).
func TestCallerIdentity(t *testing.T) {
	up := newUpstream(t)
	bucket := clientBucket(t, up)
	putDirect(t, up, bucket, "k", []byte("v"))
	alice := map[string]upstream.Credentials{"alice": up.Other}
	withIdentities := newBackend(t, up, func(c *upstream.Config) { c.Identities = alice })
	serviceToo := newBackend(t, up, func(c *upstream.Config) { c.Identities, c.Unmapped = alice, upstream.UnmappedService })
	noIdentities := newBackend(t, up, nil)
	denyAll := newBackend(t, up, func(c *upstream.Config) { c.Unmapped = upstream.UnmappedDeny })
	bob := storage.WithCaller(context.Background(), storage.Caller{AccessKey: "bob"})
	denied := &storage.ServiceError{Status: 403, Code: "AccessDenied", Message: "Access Denied"}
	for _, tc := range []struct {
		name string
		b    *upstream.Backend
		ctx  context.Context
		ak   string // the access key signed with; "" unsigned
		err  *storage.ServiceError
		sent bool
	}{
		{"no caller", withIdentities, context.Background(), up.Service.AccessKey, nil, true},
		{"unmapped, identities given", withIdentities, bob, "", denied, false},
		{"unmapped, service with identities", serviceToo, bob, up.Service.AccessKey, nil, true},
		{"unmapped, no identities", noIdentities, bob, up.Service.AccessKey, nil, true},
		{"unmapped, deny without identities", denyAll, bob, "", denied, false},
		{"no caller, deny", denyAll, context.Background(), up.Service.AccessKey, nil, true},
		// The bucket is the service identity's: the other user is refused by the upstream.
		{"mapped", withIdentities, storage.WithCaller(context.Background(), storage.Caller{AccessKey: "alice"}), up.Other.AccessKey,
			&storage.ServiceError{Status: 403, Code: "AccessDenied"}, true},
		{"anonymous", withIdentities, storage.WithCaller(context.Background(), storage.Caller{}), "",
			&storage.ServiceError{Status: 403, Code: "AccessDenied"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up.Reset()
			resp, err := tc.b.SendForTest(tc.ctx, upstream.RawRequest{Method: http.MethodGet, Bucket: bucket, Key: "k"})
			if tc.err == nil {
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			} else if se, ok := errors.AsType[*storage.ServiceError](err); !ok || se.Status != tc.err.Status || se.Code != tc.err.Code ||
				tc.err.Message != "" && se.Message != tc.err.Message {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			var got []recorded
			for _, r := range up.Requests() {
				if r.Path == "/"+bucket+"/k" {
					got = append(got, r)
				}
			}
			if len(got) != map[bool]int{true: 1}[tc.sent] {
				t.Fatalf("the upstream received %d requests, want sent=%v", len(got), tc.sent)
			}
			if !tc.sent {
				return
			}
			h := got[0].Header
			auth := h.Get("Authorization")
			switch {
			case tc.ak == "" && (auth != "" || h.Get("X-Amz-Date") != "" || h.Get("X-Amz-Content-Sha256") != ""):
				t.Errorf("an anonymous request went signed: %v", h)
			case tc.ak != "" && !strings.Contains(auth, "Credential="+tc.ak+"/"):
				t.Errorf("Authorization = %q, want the access key %s", auth, tc.ak)
			}
		})
	}
	if _, err := upstream.New(context.Background(), upstream.Config{Endpoints: []string{up.URL}, Service: up.Service, Unmapped: "anyone"}); err == nil {
		t.Error("New accepted Unmapped \"anyone\"")
	}
}

func TestCredentialsNeverPrinted(t *testing.T) {
	c := upstream.Credentials{AccessKey: "AKVISIBLE", SecretKey: "the-secret"}
	cfg := upstream.Config{Service: c, Identities: map[string]upstream.Credentials{"x": c}}
	// What JSON can encode of a Config (not its funcs).
	inStruct := struct {
		Service    upstream.Credentials
		Identities map[string]upstream.Credentials
	}{cfg.Service, cfg.Identities}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("m", "creds", c, "ptr", &c, "cfg", inStruct)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("m", "creds", c, "ptr", &c, "cfg", cfg)
	js, err := json.Marshal(inStruct)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s %q", c, c, c, c, c), fmt.Sprintf("%v %+v %#v", &c, cfg, cfg),
		logged.String(), string(js)} {
		if strings.Contains(s, "the-secret") {
			t.Errorf("the secret shows in %s", s)
		}
		if !strings.Contains(s, "AKVISIBLE") {
			t.Errorf("the access key does not show in %s", s)
		}
	}
}

// metricsRecorder records what a backend measures.
type metricsRecorder struct {
	mu       sync.Mutex
	requests []string // "endpoint METHOD status"
	health   map[string][]bool
}

func (m *metricsRecorder) UpstreamRequest(endpoint, method string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests = append(m.requests, fmt.Sprintf("%s %s %d", endpoint, method, status))
}

func (m *metricsRecorder) EndpointHealth(endpoint string, healthy bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.health == nil {
		m.health = map[string][]bool{}
	}
	m.health[endpoint] = append(m.health[endpoint], healthy)
}

func (m *metricsRecorder) SnapshotLoaded(time.Time) {}

// probed tells how many probes (or requests) reported endpoint's health, and the last.
func (m *metricsRecorder) probed(endpoint string) (n int, last bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.health[endpoint]
	if len(h) == 0 {
		return 0, false
	}
	return len(h), h[len(h)-1]
}

func (m *metricsRecorder) take() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.requests
	m.requests = nil
	return r
}

// waitProbedUp waits until every endpoint has been probed and found up.
func (m *metricsRecorder) waitProbedUp(t *testing.T, endpoints ...string) {
	t.Helper()
	eventually(t, 5*time.Second, "the endpoints probed up", func() bool {
		for _, ep := range endpoints {
			if n, up := m.probed(ep); n == 0 || !up {
				return false
			}
		}
		return true
	})
}

// Requests go to the endpoints in turn; a read whose transport fails goes to the next one
// and the failed endpoint is skipped from then on, while a write is never sent twice.
func TestEndpointsInTurnAndFailover(t *testing.T) {
	up := newUpstream(t)
	bucket := clientBucket(t, up)
	putDirect(t, up, bucket, "k", []byte("v"))
	second, kill := up.AddEndpoint()
	m := &metricsRecorder{}
	b := newBackend(t, up, func(c *upstream.Config) {
		c.Endpoints = []string{up.URL, second}
		c.HealthInterval = time.Hour // the first probes only
		c.Metrics = m
	})
	m.waitProbedUp(t, up.URL, second)
	get := func() error {
		resp, err := b.SendForTest(context.Background(), upstream.RawRequest{Method: http.MethodGet, Bucket: bucket, Key: "k"})
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	perEndpoint := func() map[string]int {
		n := map[string]int{}
		for _, r := range up.Requests() {
			n[r.Endpoint]++
		}
		return n
	}

	up.Reset()
	m.take()
	for range 4 {
		if err := get(); err != nil {
			t.Fatal(err)
		}
	}
	if n := perEndpoint(); n[up.URL] != 2 || n[second] != 2 {
		t.Errorf("4 GETs went %v, want 2 to each endpoint", n)
	}
	if got := m.take(); len(got) != 4 || got[0] == got[1] || !strings.HasSuffix(got[0], " GET 200") {
		t.Errorf("metrics = %q, want 4 GETs answered 200, in turn", got)
	}

	kill()
	up.Reset()
	for range 4 {
		if err := get(); err != nil {
			t.Fatalf("a GET did not fail over: %v", err)
		}
	}
	if n := perEndpoint(); n[up.URL] != 4 || len(n) != 1 {
		t.Errorf("GETs went %v, want all 4 to the live endpoint", n)
	}
	if up, total := b.EndpointsUpForTest(); up != 1 || total != 2 {
		t.Errorf("endpoints up = %d of %d, want 1 of 2", up, total)
	}
	if _, last := m.probed(second); last {
		t.Error("the dead endpoint is not reported down")
	}
	if got := m.take(); len(got) != 5 || !strings.Contains(strings.Join(got, ","), second+" GET 0") {
		t.Errorf("metrics = %q, want the failed attempt (status 0) and 4 answers", got)
	}
}

// With BalanceFailover every request goes to the first healthy endpoint in the order given:
// the next one takes over while it is down, and it takes every request back once a probe
// finds it up again. A balance the backend does not know is refused.
func TestEndpointsFailoverInOrder(t *testing.T) {
	up := newUpstream(t)
	bucket := clientBucket(t, up)
	putDirect(t, up, bucket, "k", []byte("v"))
	first, stop, restart := up.AddRestartableEndpoint()
	m := &metricsRecorder{}
	b := newBackend(t, up, func(c *upstream.Config) {
		c.Endpoints = []string{first, up.URL}
		c.Balance = upstream.BalanceFailover
		c.Metrics = m
	})
	m.waitProbedUp(t, first, up.URL)
	gets := func(want string) {
		t.Helper()
		up.Reset()
		for range 4 {
			resp, err := b.SendForTest(context.Background(), upstream.RawRequest{Method: http.MethodGet, Bucket: bucket, Key: "k"})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		n := map[string]int{}
		for _, r := range up.Requests() {
			if r.Method == http.MethodGet && r.Path == "/"+bucket+"/k" { // not probes or polls
				n[r.Endpoint]++
			}
		}
		if n[want] != 4 || len(n) != 1 {
			t.Errorf("4 GETs went %v, want all to %s", n, want)
		}
	}
	gets(first)

	stop()
	eventually(t, 5*time.Second, "the first endpoint probed down", func() bool {
		n, last := m.probed(first)
		return n > 1 && !last
	})
	gets(up.URL)

	restart()
	eventually(t, 5*time.Second, "the first endpoint probed up again", func() bool {
		_, last := m.probed(first)
		return last
	})
	gets(first)

	for _, balance := range []string{"random", "Failover"} {
		_, err := upstream.New(context.Background(), upstream.Config{Endpoints: []string{up.URL}, Service: up.Service, Balance: balance})
		if err == nil || !strings.Contains(err.Error(), `balance: "`+balance+`" is neither "round-robin" nor "failover"`) {
			t.Errorf("Balance %q: %v, want it refused", balance, err)
		}
	}
}

// A write whose connection to an endpoint is refused (the endpoint just died, and no probe
// has told it yet) is sent whole to the next endpoint, its body read once: nothing of it had
// left this node.
func TestRefusedWriteGoesToNextEndpoint(t *testing.T) {
	up := newUpstream(t)
	bucket := clientBucket(t, up)
	second, kill := up.AddEndpoint()
	m := &metricsRecorder{}
	b := newBackend(t, up, func(c *upstream.Config) {
		c.Endpoints = []string{up.URL, second}
		c.HealthInterval = time.Hour
		c.Metrics = m
		// Every request dials: none reuses a connection the endpoint's end closed, which fails
		// once written (a write that may have reached the endpoint), not at its dial.
		c.HTTPClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	})
	m.waitProbedUp(t, up.URL, second)
	kill()
	up.Reset()
	m.take()
	// A body beyond what holdBack keeps; one of two writes in turn goes to the dead endpoint
	// first.
	data := bytes.Repeat([]byte("0123456789abcdef"), 8<<10)
	for i := range 2 {
		key := fmt.Sprint("k", i)
		// A reader that cannot be rewound: the body is read once, by the attempt that sends it.
		body := io.MultiReader(bytes.NewReader(data[:1000]), bytes.NewReader(data[1000:]))
		resp, err := b.SendForTest(context.Background(), upstream.RawRequest{Method: http.MethodPut, Bucket: bucket, Key: key,
			Body: body, Size: int64(len(data))})
		if err != nil {
			t.Fatalf("PUT %s with the endpoint %s refusing connections: %v", key, second, err)
		}
		resp.Body.Close()
		if got := getDirect(t, up, bucket, key); !bytes.Equal(got, data) {
			t.Errorf("%s stored %d bytes, want the %d bytes sent", key, len(got), len(data))
		}
	}
	puts := 0
	for _, r := range up.Requests() {
		if r.Method == http.MethodPut {
			puts++
		}
	}
	if puts != 2 {
		t.Errorf("the upstream received %d PUTs, want 2", puts)
	}
	if got := strings.Join(m.take(), ","); !strings.Contains(got, second+" PUT 0") {
		t.Errorf("metrics = %q, want the refused attempt (status 0)", got)
	}
	if up, total := b.EndpointsUpForTest(); up != 1 || total != 2 {
		t.Errorf("endpoints up = %d of %d, want 1 of 2", up, total)
	}
}

// A write whose connection fails once its request was sent (the endpoint read part of it and
// dropped the connection) fails with ErrUnavailable and is not sent again: the upstream may
// have acted on it.
func TestWriteIsNotRetried(t *testing.T) {
	up := newUpstream(t)
	bucket := clientBucket(t, up)
	var mu sync.Mutex
	drops := 0
	dropping := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut || !strings.HasPrefix(r.URL.Path, "/"+bucket+"/") {
			up.s3.ServeHTTP(w, r) // the probes and New's first load
			return
		}
		mu.Lock()
		drops++
		mu.Unlock()
		var one [1]byte
		io.ReadFull(r.Body, one[:])
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		conn.Close()
	}))
	t.Cleanup(dropping.Close)
	m := &metricsRecorder{}
	b := newBackend(t, up, func(c *upstream.Config) {
		c.Endpoints = []string{up.URL, dropping.URL}
		c.HealthInterval = time.Hour
		c.Metrics = m
	})
	m.waitProbedUp(t, up.URL, dropping.URL)
	up.Reset()
	var failed []error
	for i := range 2 { // one of two writes in turn goes to the dropping endpoint
		key := fmt.Sprint("k", i)
		resp, err := b.SendForTest(context.Background(), upstream.RawRequest{Method: http.MethodPut, Bucket: bucket, Key: key,
			Body: strings.NewReader("value"), Size: 5})
		if err != nil {
			failed = append(failed, err)
			if getDirect(t, up, bucket, key) != nil {
				t.Errorf("the failed write of %s was stored", key)
			}
			continue
		}
		resp.Body.Close()
	}
	if len(failed) != 1 || !errors.Is(failed[0], storage.ErrUnavailable) {
		t.Fatalf("failures = %v, want one ErrUnavailable", failed)
	}
	puts := 0
	for _, r := range up.Requests() {
		if r.Method == http.MethodPut {
			puts++
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if puts != 1 || drops != 1 {
		t.Errorf("the upstream received %d PUTs and the dropping endpoint %d, want 1 each", puts, drops)
	}
}

// An HTTP error answer is the upstream's answer: it is not sent to another endpoint.
func TestErrorAnswerIsNotRetried(t *testing.T) {
	up := newUpstream(t)
	bucket := clientBucket(t, up)
	putDirect(t, up, bucket, "k", []byte("v"))
	second, _ := up.AddEndpoint()
	b := newBackend(t, up, func(c *upstream.Config) { c.Endpoints = []string{up.URL, second} })
	up.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/data/k" {
			return false
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	})
	up.Reset()
	_, err := b.SendForTest(context.Background(), upstream.RawRequest{Method: http.MethodGet, Bucket: bucket, Key: "k"})
	want := storage.ServiceError{Status: 503, Code: "ServiceUnavailable", Message: "Service Unavailable"}
	if se, ok := errors.AsType[*storage.ServiceError](err); !ok || *se != want {
		t.Fatalf("err = %v, want %v", err, &want)
	}
	n := 0
	for _, r := range up.Requests() {
		if r.Path == "/data/k" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the GET was sent %d times, want once", n)
	}
}

// The prober marks an endpoint down when its unsigned HEAD / fails in transport or gets no
// answer within its timeout, and up again when it answers (403 included); requests still go
// to the endpoints when none is up.
func TestHealthProbes(t *testing.T) {
	up := newUpstream(t)
	bucket := clientBucket(t, up)
	putDirect(t, up, bucket, "k", []byte("v"))
	m := &metricsRecorder{}
	b := newBackend(t, up, func(c *upstream.Config) { c.Metrics = m })
	var mu sync.Mutex
	fault := ""
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	up.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodHead || r.URL.Path != "/" {
			return false
		}
		if r.Header.Get("Authorization") != "" {
			t.Errorf("a probe was signed")
		}
		mu.Lock()
		f := fault
		mu.Unlock()
		switch f {
		case "reset":
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return true
		case "hang":
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return true
		}
		return false // the S3 server answers 403 to an anonymous HEAD /
	})
	setFault := func(f string) {
		mu.Lock()
		fault = f
		mu.Unlock()
	}
	isUp := func() bool { n, _ := b.EndpointsUpForTest(); return n == 1 }

	eventually(t, 2*time.Second, "the endpoint up", isUp)
	setFault("reset")
	eventually(t, 2*time.Second, "the endpoint down after a transport failure", func() bool { return !isUp() })
	if _, last := m.probed(up.URL); last {
		t.Error("metrics: the endpoint is not reported down")
	}
	// No endpoint is up: requests still try them.
	resp, err := b.SendForTest(context.Background(), upstream.RawRequest{Method: http.MethodGet, Bucket: bucket, Key: "k"})
	if err != nil {
		t.Fatalf("a GET with no endpoint up: %v", err)
	}
	resp.Body.Close()
	setFault("")
	eventually(t, 2*time.Second, "the endpoint up again", isUp)
	if _, last := m.probed(up.URL); !last {
		t.Error("metrics: the endpoint is not reported up")
	}
	setFault("hang")
	start := time.Now()
	eventually(t, 5*time.Second, "the endpoint down after a probe timed out", func() bool { return !isUp() })
	if d := time.Since(start); d < time.Second {
		t.Errorf("down after %s, before the probe's timeout", d)
	}
}

// New refuses endpoints that are not base URLs of an http or https server, without showing
// a password given in one.
func TestEndpointValidation(t *testing.T) {
	for _, e := range []string{"", "ftp://127.0.0.1:9000", "127.0.0.1:9000", "/relative", "http://", "http://127.0.0.1:9000/path",
		"http://127.0.0.1:9000?x=1", "http://127.0.0.1:9000#f", "http://user:pw-secret@127.0.0.1:9000"} {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := upstream.New(ctx, upstream.Config{Endpoints: []string{e}, Service: serviceCreds})
		cancel()
		if err == nil || errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("endpoint %q: err = %v, want it refused", e, err)
			continue
		}
		if strings.Contains(err.Error(), "pw-secret") {
			t.Errorf("endpoint %q: the error shows the password: %v", e, err)
		}
	}
}
