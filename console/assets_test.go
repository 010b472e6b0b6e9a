package console_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/console"
)

// probeOrigins are the probe's origins the tests configure the console with.
var probeOrigins = []string{"http://127.0.0.1:9002", "http://localhost:9002"}

// contentTypes are the types each built file must be served with, by extension: a file of
// another kind in ui/dist fails the tests until the server knows its type.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
}

// builtFile is one file of ui/dist as the build wrote it.
type builtFile struct {
	name string
	body []byte
}

// built reads ui/dist, which the package embeds, failing when it has no index.html or no
// probe.html.
func built(t *testing.T) []builtFile {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("ui", "dist"))
	if err != nil {
		t.Fatal(err)
	}
	var files []builtFile
	for _, e := range entries {
		body, err := os.ReadFile(filepath.Join("ui", "dist", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, builtFile{e.Name(), body})
	}
	for _, page := range []string{"index.html", "probe.html"} {
		if _, err := os.Stat(filepath.Join("ui", "dist", page)); err != nil {
			t.Fatalf("ui/dist has no %s: %v", page, err)
		}
	}
	return files
}

// etag is the entity tag of a file: its SHA-256.
func etag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// get sends method path to srv with header and returns the answer and its body.
func get(t *testing.T, srv *httptest.Server, method, path string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

// wantFile checks that res served f with every header a page carries and the policy csp.
func wantFile(t *testing.T, res *http.Response, body []byte, f builtFile, csp string) {
	t.Helper()
	ctype, ok := contentTypes[filepath.Ext(f.name)]
	if !ok {
		t.Fatalf("ui/dist/%s: no content type known for it", f.name)
	}
	if res.StatusCode != http.StatusOK || !bytes.Equal(body, f.body) {
		t.Fatalf("%s: %d, %d bytes; want 200 and the %d bytes of ui/dist", f.name, res.StatusCode, len(body), len(f.body))
	}
	for k, v := range map[string]string{
		"Content-Type":            ctype,
		"ETag":                    etag(f.body),
		"Cache-Control":           "no-cache",
		"Content-Security-Policy": csp,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
	} {
		if got := res.Header.Get(k); got != v {
			t.Errorf("%s: %s %q, want %q", f.name, k, got, v)
		}
	}
}

// TestPages serves every built file of the console with its type, entity tag and the
// console's policy, which frames the probe's origins and nothing else; the probe's files are
// not the console's.
func TestPages(t *testing.T) {
	const csp = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
		"frame-src http://127.0.0.1:9002 http://localhost:9002; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
	e := start(t, func(cfg *console.Config) { cfg.ProbeOrigins = probeOrigins })
	files := built(t)
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			res, body := get(t, e.console, http.MethodGet, "/"+f.name, nil)
			if strings.HasPrefix(f.name, "probe.") {
				wantError(t, res, body, http.StatusNotFound, "NotFound", "")
				return
			}
			wantFile(t, res, body, f, csp)
			if f.name == "index.html" {
				res, body := get(t, e.console, http.MethodGet, "/", nil)
				wantFile(t, res, body, f, csp)
			}
		})
	}
	pageRequests(t, e.console, builtNamed(t, files, "index.html"))
}

// builtFile is the built file named name.
func builtNamed(t *testing.T, files []builtFile, name string) builtFile {
	t.Helper()
	for _, f := range files {
		if f.name == name {
			return f
		}
	}
	t.Fatalf("no ui/dist/%s", name)
	return builtFile{}
}

// pageRequests checks how srv answers requests for its page at "/", index, other than a plain
// GET: revalidation, HEAD, other methods and unknown paths.
func pageRequests(t *testing.T, srv *httptest.Server, index builtFile) {
	t.Helper()
	tag := etag(index.body)
	for _, tt := range []struct {
		name, method, path string
		header             map[string]string
		status             int
		body               string
		allow              string
	}{
		{name: "revalidated", method: http.MethodGet, path: "/", header: map[string]string{"If-None-Match": tag}, status: http.StatusNotModified},
		{name: "revalidated among tags", method: http.MethodGet, path: "/", header: map[string]string{"If-None-Match": `"old", ` + tag}, status: http.StatusNotModified},
		{name: "another build's tag", method: http.MethodGet, path: "/", header: map[string]string{"If-None-Match": `"old"`}, status: http.StatusOK, body: string(index.body)},
		{name: "HEAD", method: http.MethodHead, path: "/", status: http.StatusOK},
		{name: "POST", method: http.MethodPost, path: "/", status: http.StatusMethodNotAllowed, allow: "GET, HEAD"},
		{name: "DELETE", method: http.MethodDelete, path: "/" + index.name, status: http.StatusMethodNotAllowed, allow: "GET, HEAD"},
		{name: "unknown file", method: http.MethodGet, path: "/nothing.js", status: http.StatusNotFound},
		{name: "a directory's path", method: http.MethodGet, path: "/ui/dist/" + index.name, status: http.StatusNotFound},
		{name: "unknown API endpoint", method: http.MethodGet, path: "/api/nothing", status: http.StatusNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, body := get(t, srv, tt.method, tt.path, tt.header)
			if res.StatusCode != tt.status || res.Header.Get("Allow") != tt.allow {
				t.Fatalf("%d Allow %q %s, want %d Allow %q", res.StatusCode, res.Header.Get("Allow"), body, tt.status, tt.allow)
			}
			switch tt.status {
			case http.StatusOK:
				if string(body) != tt.body || res.Header.Get("ETag") != tag {
					t.Fatalf("body %d bytes, ETag %s; want %d bytes and %s", len(body), res.Header.Get("ETag"), len(tt.body), tag)
				}
			case http.StatusNotModified:
				if len(body) != 0 || res.Header.Get("ETag") != tag {
					t.Fatalf("304 with %d bytes, ETag %s", len(body), res.Header.Get("ETag"))
				}
			case http.StatusNotFound, http.StatusMethodNotAllowed:
				wantError(t, res, body, tt.status, map[int]string{404: "NotFound", 405: "MethodNotAllowed"}[tt.status], "")
			}
		})
	}
}
