package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/gateway"
)

// logOnly is a gateway with no upstream: every request is answered 404 by the gateway and
// logged, which is all the escaping tests need.
const logOnly = `version: 1
hosts:
  - match: api.test
    upstream: http://127.0.0.1:9
`

// logLine serves one request in process with path and remote address as given (any bytes,
// as a percent-encoded path decodes to) and returns the access-log line.
func logLine(t testing.TB, g *gateway.Gateway, buf *syncBuffer, path, remote string) string {
	t.Helper()
	r := httptest.NewRequest("GET", "http://other.test/", nil)
	r.URL.Path, r.RemoteAddr = path, remote
	before := len(buf.String())
	g.ServeHTTP(&discardWriter{h: http.Header{}}, r)
	return buf.String()[before:]
}

// slogField is the "key":value text log/slog's JSONHandler writes for a string attribute:
// the access log's lines were written by it, and must stay byte for byte what they were.
func slogField(key, value string) string {
	var b bytes.Buffer
	h := slog.NewJSONHandler(&b, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey {
			return slog.Attr{}
		}
		return a
	}})
	slog.New(h).LogAttrs(context.Background(), slog.LevelInfo, "", slog.String(key, value))
	return strings.TrimSuffix(strings.TrimPrefix(b.String(), "{"), "}\n")
}

func newLogOnly(t testing.TB) (*gateway.Gateway, *syncBuffer) {
	t.Helper()
	cfg, err := gateway.Load("gateway.yaml", []byte(logOnly))
	if err != nil {
		t.Fatal(err)
	}
	buf := &syncBuffer{}
	g, err := gateway.New(cfg, gateway.Options{Stderr: buf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g, buf
}

// checkEscaped checks that the line is one JSON object whose path and remote are s, escaped
// as log/slog escapes them, and decoded as encoding/json decodes a string it encoded.
func checkEscaped(t *testing.T, line, s string) {
	t.Helper()
	if !strings.HasSuffix(line, "}\n") || strings.Count(line, "\n") != 1 {
		t.Fatalf("not one line: %q", line)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(line), &got); err != nil {
		t.Fatalf("not JSON (%v): %q", err, line)
	}
	enc, _ := json.Marshal(s)
	var want string
	if err := json.Unmarshal(enc, &want); err != nil {
		t.Fatal(err)
	}
	if got["path"] != want || got["remote"] != want {
		t.Errorf("path %q, remote %q: want %q", got["path"], got["remote"], want)
	}
	for _, k := range []string{"path", "remote"} {
		if f := slogField(k, s); !strings.Contains(line, ","+f+",") && !strings.HasSuffix(line, ","+f+"}\n") {
			t.Errorf("%s not written as log/slog writes it, %s:\n%s", k, f, line)
		}
	}
}

// Every string of the access log is escaped as log/slog's JSONHandler escaped it (the log
// was written by it): quotes, backslashes, control characters, U+2028/U+2029, invalid
// UTF-8, and HTML characters left alone. Each row is a value a client controls: the path
// decodes from percent-escapes (RFC 3986 §2.1), and any byte can be sent so.
func TestAccessLogEscaping(t *testing.T) {
	g, buf := newLogOnly(t)
	for _, s := range []string{
		"/plain",
		`/quote"and\backslash`,
		"/ctl\x00\x01\x08\x0c\x1f\x7f",
		"/nl\n\r\t",
		"/html<script>&amp;</script>",
		"/ls\u2028ps\u2029",
		"/invalid\xff\xfe\xc3",
		"/truncated\xe2\x80",
		"/é日本🙂",
		"",
	} {
		t.Run(fmt.Sprintf("%q", s), func(t *testing.T) {
			checkEscaped(t, logLine(t, g, buf, s, s), s)
		})
	}
}

// FuzzAccessLogEscaping: any path and remote address make one JSON line, escaped as
// log/slog escapes them.
func FuzzAccessLogEscaping(f *testing.F) {
	for _, s := range []string{"/a", "\"\\", "\x00\u2028\xff", "<&>", "\t\n"} {
		f.Add(s)
	}
	g, buf := newLogOnly(f)
	f.Fuzz(func(t *testing.T, s string) {
		checkEscaped(t, logLine(t, g, buf, s, s), s)
	})
}

// An access-log file is buffered, but a graceful shutdown (the server drained, then Close)
// loses no line: every request answered is in the file when Close returns.
func TestAccessLogFileFlushedOnClose(t *testing.T) {
	up := newUpstream(t)
	path := filepath.Join(t.TempDir(), "access.json")
	text := strings.NewReplacer("{{UP}}", up.URL, "{{ORIGIN}}", "https://a.test").Replace("access_log: " + path + "\n" + reloadConfig)
	cfg, err := gateway.Load("gateway.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	g, err := gateway.New(cfg, gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(g)
	srv.Config = g.Server()
	srv.Start()
	const n = 200
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res, err := srv.Client().Get(srv.URL + fmt.Sprintf("/r%d", i))
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
		})
	}
	wg.Wait()
	srv.Close() // waits for the handlers, as Server.Shutdown does
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for l := range strings.SplitSeq(strings.TrimSuffix(string(b), "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		seen[m["path"].(string)] = true
	}
	if len(seen) != n {
		t.Errorf("%d requests logged after Close, want %d", len(seen), n)
	}
}

// A buffered line reaches the file within the flush interval, without Close: whoever tails
// the log sees each request about a second late at most.
func TestAccessLogFileFlushedOnTime(t *testing.T) {
	up := newUpstream(t)
	dir := t.TempDir()
	f := startFrontIn(t, dir, "access_log: access.json\n"+reloadConfig, map[string]string{"UP": up.URL, "ORIGIN": "https://a.test"})
	f.do(t, "GET", "x.test", "/tailed", nil, nil)
	start := time.Now()
	for {
		b, _ := os.ReadFile(filepath.Join(dir, "access.json"))
		if strings.Contains(string(b), `"path":"/tailed"`) {
			break
		}
		if time.Since(start) > 3*time.Second {
			t.Fatalf("the line is not in the file %v after the request", time.Since(start))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
