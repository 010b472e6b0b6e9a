package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// The pages are built from ui/src into ui/dist by `node build.mjs` (make console-ui) and the
// built files are committed, so that the binary serves the console from a fresh clone with no
// build step; `node build.mjs --check` (make console-ui-check, part of make check) fails when
// the committed files are not what the sources build.
//
//go:embed ui/dist
var distFS embed.FS

// asset is one built file, read once: its bytes, type and entity tag.
type asset struct {
	name  string
	body  []byte
	ctype string
	etag  string
}

// contentTypes are the types of the files a build makes, by extension. They are fixed here
// rather than read from the system's MIME tables, which differ between machines (some name
// JavaScript application/x-javascript); with nosniff a browser runs a script only under a
// JavaScript type and applies a stylesheet only as text/css
// (https://fetch.spec.whatwg.org/#x-content-type-options-header).
var contentTypes = map[string]string{
	".html":  "text/html; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".woff2": "font/woff2",
}

// dist is ui/dist's files by name.
var dist = readDist()

func readDist() map[string]*asset {
	entries, err := fs.ReadDir(distFS, "ui/dist")
	if err != nil {
		panic(err) // embedded: present in every build
	}
	files := make(map[string]*asset, len(entries))
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		body, err := distFS.ReadFile("ui/dist/" + e.Name())
		if err != nil {
			panic(err)
		}
		ctype, ok := contentTypes[path.Ext(e.Name())]
		if !ok {
			ctype = "application/octet-stream"
		}
		sum := sha256.Sum256(body)
		files[e.Name()] = &asset{name: e.Name(), body: body, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:]) + `"`}
	}
	return files
}

// isProbeFile tells whether a built file is the probe page's (probe.html and what it loads).
// The probe's files are served by the probe's listener alone, and the console's by the
// console's alone: neither origin serves a page written for the other.
func isProbeFile(name string) bool { return strings.HasPrefix(name, "probe.") }

// pages serves a set of built files by URL path, with the headers every page carries.
type pages struct {
	files map[string]*asset // by URL path: "/" is the page itself
	csp   string            // Content-Security-Policy
}

// newPages serves the built files keep selects, index at "/" as well as by name.
func newPages(index string, keep func(name string) bool, csp string) *pages {
	p := &pages{files: map[string]*asset{"/": dist[index]}, csp: csp}
	for name, a := range dist {
		if keep(name) {
			p.files["/"+name] = a
		}
	}
	return p
}

// ServeHTTP answers GET and HEAD of a page's file: Cache-Control no-cache with an ETag (the
// file's SHA-256), so that a browser revalidates each time and gets 304 until the binary
// serves another build; the page's Content-Security-Policy; nosniff; and no Referer sent from
// it. Anything else is 404, or 405 for another method.
func (p *pages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a := p.files[r.URL.Path]
	if a == nil {
		writeError(w, http.StatusNotFound, "NotFound", "There is no such page.")
		return
	}
	h := w.Header()
	if !safe(r) {
		h.Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "A page is read with GET or HEAD.")
		return
	}
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Security-Policy", p.csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// ServeContent answers If-None-Match (304), HEAD and Range from the ETag and the bytes.
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(a.body))
}
