package main

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// requestWait bounds one request to serve's listeners in a test: a listener that accepts and
// never answers fails the test instead of hanging it.
const requestWait = 10 * time.Second

// serve --console-addr serves the console on a listener of its own: a browser signs in with
// the server's keys and what it does is done on the S3 endpoint; the S3 listener does not
// answer the console's API, and the console stops with serve. The probe page is served on a
// third listener, framed by the console's origins only, which the console frames in turn;
// it answers nothing else.
func TestServeConsole(t *testing.T) {
	out, logs, stop, err := serving(t, "--addr", "127.0.0.1:0", "--console-addr", "127.0.0.1:0", "--data", filepath.Join(t.TempDir(), "data"),
		"--access-key", s3test.Owner.AccessKey, "--secret-key", s3test.Owner.SecretKey)
	if err != nil {
		t.Fatalf("serve: %v\n%s%s", err, out, logs)
	}
	consoleLine := regexp.MustCompile(`doorman console on (http://127\.0\.0\.1:\d+)\n`)
	s3Line := regexp.MustCompile(` listening on (http://127\.0\.0\.1:\d+) `)
	m := consoleLine.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no console line:\n%s", out.String())
	}
	consoleURL, s3URL := m[1], s3Line.FindStringSubmatch(out.String())[1]
	probeLine := regexp.MustCompile(`doorman console probe on (http://127\.0\.0\.1:(\d+))\n`)
	pm := probeLine.FindStringSubmatch(out.String())
	if pm == nil {
		t.Fatalf("no probe line:\n%s", out.String())
	}
	probeURL := pm[1]
	probeOrigins := []string{probeURL, "http://localhost:" + pm[2]}
	consoleOrigins := []string{consoleURL, strings.Replace(consoleURL, "127.0.0.1", "localhost", 1)}

	client := &http.Client{Timeout: requestWait}
	send := func(base, method, path, cookie, csrf string, body any) (*http.Response, []byte) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, err := http.NewRequest(method, base+path, rd)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", base)
		if cookie != "" {
			req.Header.Set("Cookie", "doorman_console="+cookie)
		}
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		data, _ := io.ReadAll(res.Body)
		return res, data
	}
	res, body := send(consoleURL, http.MethodPost, "/api/session", "", "", map[string]string{"accessKey": s3test.Owner.AccessKey, "secretKey": s3test.Owner.SecretKey})
	if res.StatusCode != http.StatusOK || len(res.Cookies()) != 1 {
		t.Fatalf("sign-in: %d %s", res.StatusCode, body)
	}
	var info struct{ CSRFToken string }
	if err := json.Unmarshal(body, &info); err != nil {
		t.Fatal(err)
	}
	cookie := res.Cookies()[0].Value
	if res, body := send(consoleURL, http.MethodPost, "/api/buckets", cookie, info.CSRFToken, map[string]string{"name": "from-console"}); res.StatusCode != http.StatusCreated {
		t.Fatalf("create bucket: %d %s", res.StatusCode, body)
	}
	s3 := &s3test.Client{URL: s3URL}
	s3.Must(t, http.StatusOK, s3test.Request{Method: http.MethodHead, Path: "/from-console", As: s3test.Owner})
	// A presigned URL the console makes points at the S3 listener.
	res, body = send(consoleURL, http.MethodPost, "/api/buckets/from-console/presign", cookie, info.CSRFToken, map[string]any{"key": "k", "method": "PUT", "expiresSeconds": 60})
	var signed struct{ URL string }
	if err := json.Unmarshal(body, &signed); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("presign: %d %s", res.StatusCode, body)
	}
	s3.Must(t, http.StatusOK, s3test.Request{URL: signed.URL, Method: http.MethodPut, Body: []byte("via a presigned URL")})
	// The monitor reads serve's record of CORS decisions: a refused preflight to the S3 listener
	// shows up in it.
	rules := []byte(`<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`)
	s3.Must(t, http.StatusOK, s3test.Request{Method: http.MethodPut, Path: "/from-console?cors", As: s3test.Owner,
		Header: http.Header{"Content-Md5": {s3test.MD5Base64(rules)}}, Body: rules})
	s3.Must(t, http.StatusForbidden, s3test.Request{Method: http.MethodOptions, Path: "/from-console/k",
		Header: http.Header{"Origin": {"https://elsewhere.example"}, "Access-Control-Request-Method": {"GET"}}})
	res, body = send(consoleURL, http.MethodGet, "/api/monitor?bucket=from-console", cookie, info.CSRFToken, nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "https://elsewhere.example") {
		t.Fatalf("monitor: %d %s", res.StatusCode, body)
	}
	// The pages frame the probe's origins, and the probe lets the console's frame it.
	for _, page := range []struct{ url, policy string }{
		{consoleURL + "/", "; frame-src " + strings.Join(probeOrigins, " ") + ";"},
		{probeURL + "/", "; frame-ancestors " + strings.Join(consoleOrigins, " ")},
	} {
		res, body := send(page.url, http.MethodGet, "", "", "", nil)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(res.Header.Get("Content-Security-Policy"), page.policy) {
			t.Fatalf("%s: %d %v\n%s", page.url, res.StatusCode, res.Header, body)
		}
	}
	res, body = send(consoleURL, http.MethodGet, "/api/probe", cookie, info.CSRFToken, nil)
	var probe struct{ Origins []string }
	if err := json.Unmarshal(body, &probe); err != nil || res.StatusCode != http.StatusOK || !slices.Equal(probe.Origins, probeOrigins) {
		t.Fatalf("/api/probe: %d %s, want origins %q", res.StatusCode, body, probeOrigins)
	}
	// The probe has no API: it neither signs in nor answers with the console's session.
	for _, r := range []struct{ method, path, cookie string }{
		{http.MethodPost, "/api/session", ""},
		{http.MethodGet, "/api/probe", cookie},
		{http.MethodGet, "/api/buckets", cookie},
		{http.MethodGet, "/index.html", ""},
	} {
		res, body := send(probeURL, r.method, r.path, r.cookie, info.CSRFToken, map[string]string{"accessKey": s3test.Owner.AccessKey, "secretKey": s3test.Owner.SecretKey})
		if res.StatusCode != http.StatusNotFound || len(res.Cookies()) != 0 {
			t.Fatalf("the probe answers %s %s: %d %s", r.method, r.path, res.StatusCode, body)
		}
	}
	// The console knows its listener's origins: another host name at its address is refused,
	// localhost is one of its names.
	for host, want := range map[string]int{"rebound.example" + strings.TrimPrefix(consoleURL, "http://127.0.0.1"): http.StatusMisdirectedRequest, strings.TrimPrefix(consoleOrigins[1], "http://"): http.StatusOK} {
		req, err := http.NewRequest(http.MethodGet, consoleURL+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Fatalf("the console at Host %s: %d, want %d", host, res.StatusCode, want)
		}
	}
	// The S3 listener is no console: /api/session there is a bucket named api.
	if res, _ := send(s3URL, http.MethodGet, "/api/session", "", "", nil); res.StatusCode == http.StatusOK {
		t.Fatal("the S3 listener answers the console's API")
	}

	if err := stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}
	for _, u := range []string{consoleURL + "/api/session", probeURL + "/"} {
		if _, err := http.Get(u); err == nil {
			t.Fatalf("%s still answers after serve stopped", u)
		}
	}
}

// The probe listens on --console-probe-addr, or else on the console's host at a free port.
func TestServeProbeAddr(t *testing.T) {
	for _, tt := range []struct{ console, probe, want string }{
		{"", "", ""},
		{"127.0.0.1:9001", "", "127.0.0.1:0"},
		{"localhost:9001", "", "localhost:0"},
		{"[::1]:9001", "", "[::1]:0"},
		{":9001", "", ":0"},
		{"127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9002"},
	} {
		f := &serveFlags{consoleAddr: tt.console, consoleProbeAddr: tt.probe}
		if got := f.probeAddr(); got != tt.want {
			t.Errorf("--console-addr %q --console-probe-addr %q: the probe on %q, want %q", tt.console, tt.probe, got, tt.want)
		}
	}
}

// With --tls-cert, the console and its probe are served over TLS too, and the origins each
// page's policy names are https ones.
func TestServeConsoleTLS(t *testing.T) {
	// httptest's certificate, for 127.0.0.1, written where serve reads it.
	ts := httptest.NewTLSServer(http.NotFoundHandler())
	ts.Close()
	cert := ts.TLS.Certificates[0]
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for file, b := range map[string]*pem.Block{certFile: {Type: "CERTIFICATE", Bytes: cert.Certificate[0]}, keyFile: {Type: "PRIVATE KEY", Bytes: key}} {
		if err := os.WriteFile(file, pem.EncodeToMemory(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, logs, stop, err := serving(t, "--addr", "127.0.0.1:0", "--console-addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"),
		"--access-key", s3test.Owner.AccessKey, "--secret-key", s3test.Owner.SecretKey, "--tls-cert", certFile, "--tls-key", keyFile)
	if err != nil {
		t.Fatalf("serve: %v\n%s%s", err, out, logs)
	}
	t.Cleanup(func() { _ = stop() })
	lines := regexp.MustCompile(`doorman console on https://127\.0\.0\.1:(\d+)\ndoorman console probe on https://127\.0\.0\.1:(\d+)\n`).FindStringSubmatch(out.String())
	if lines == nil {
		t.Fatalf("no https console and probe lines:\n%s", out.String())
	}
	client := ts.Client()
	client.Timeout = requestWait
	for _, page := range []struct{ port, policy string }{
		{lines[1], "; frame-src https://127.0.0.1:" + lines[2] + " https://localhost:" + lines[2] + ";"},
		{lines[2], "; frame-ancestors https://127.0.0.1:" + lines[1] + " https://localhost:" + lines[1]},
	} {
		res, err := client.Get("https://127.0.0.1:" + page.port + "/")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Security-Policy"), page.policy) {
			t.Fatalf("port %s: %d %v, want a policy with %q", page.port, res.StatusCode, res.Header, page.policy)
		}
	}
}

// The console's and the probe's origins keep the host their flag names, with the port bound.
func TestServeListenerOrigins(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	for _, tt := range []struct {
		addr string
		want []string
	}{
		{"console.example:0", []string{"http://console.example:" + port}},
		{"127.0.0.1:0", []string{"http://127.0.0.1:" + port, "http://localhost:" + port}},
		{":0", []string{"http://127.0.0.1:" + port, "http://localhost:" + port}},
	} {
		if got := listenerOrigins("http", tt.addr, ln); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.addr, got, tt.want)
		}
	}
}

// Presigned URLs and the start-up lines name the host --addr,
// --console-addr and the probe's address give, with the port bound; every interface is
// reached at loopback.
func TestServeReachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	for _, tt := range []struct{ addr, want string }{
		{"s3.example:0", "s3.example:" + port},
		{"localhost:3667", "localhost:" + port},
		{"127.0.0.1:0", "127.0.0.1:" + port},
		{"[::1]:0", "[::1]:" + port},
		{"0.0.0.0:0", "127.0.0.1:" + port},
		{"[::]:0", "127.0.0.1:" + port},
		{":0", "127.0.0.1:" + port},
	} {
		if got := reachable(tt.addr, ln); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.addr, got, tt.want)
		}
	}

	out, logs, stop, err := serving(t, "--addr", "localhost:0", "--console-addr", "localhost:0", "--data", filepath.Join(t.TempDir(), "data"),
		"--access-key", s3test.Owner.AccessKey, "--secret-key", s3test.Owner.SecretKey)
	if err != nil {
		t.Fatalf("serve: %v\n%s%s", err, out, logs)
	}
	t.Cleanup(func() { _ = stop() })
	lines := regexp.MustCompile(`doorman console on (http://localhost:\d+)\ndoorman console probe on http://localhost:\d+\n.* listening on (http://localhost:\d+) `).FindStringSubmatch(out.String())
	if lines == nil {
		t.Fatalf("start-up lines not naming localhost:\n%s", out.String())
	}
	consoleURL, s3URL := lines[1], lines[2]
	client := &http.Client{Timeout: requestWait}
	post := func(path, csrf string, body any) []byte {
		t.Helper()
		data, _ := json.Marshal(body)
		req, err := http.NewRequest(http.MethodPost, consoleURL+path, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", csrf)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		data, _ = io.ReadAll(res.Body)
		if res.StatusCode/100 != 2 {
			t.Fatalf("%s: %d %s", path, res.StatusCode, data)
		}
		return data
	}
	jar, _ := cookiejar.New(nil)
	client.Jar = jar
	var info struct{ CSRFToken string }
	if err := json.Unmarshal(post("/api/session", "", map[string]string{"accessKey": s3test.Owner.AccessKey, "secretKey": s3test.Owner.SecretKey}), &info); err != nil {
		t.Fatal(err)
	}
	post("/api/buckets", info.CSRFToken, map[string]string{"name": "named"})
	var signed struct{ URL string }
	if err := json.Unmarshal(post("/api/buckets/named/presign", info.CSRFToken, map[string]any{"key": "k", "method": "GET", "expiresSeconds": 60}), &signed); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(signed.URL, s3URL+"/named/k?") {
		t.Fatalf("presigned URL %s, want one at %s", signed.URL, s3URL)
	}
}
