package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/gateway"
)

// FuzzLoadConfig feeds the configuration decoder arbitrary documents: it must never panic,
// every error must be located in the file, and a configuration it accepts must route and
// explain any host and path.
func FuzzLoadConfig(f *testing.F) {
	for _, c := range configErrorCases {
		f.Add([]byte(c.yaml))
	}
	for _, c := range cacheErrorCases {
		f.Add([]byte(c.yaml))
	}
	for _, s := range []string{mainConfig, explainConfig, reloadConfig, tenantConfig, cacheConfig} {
		f.Add([]byte(strings.NewReplacer("{{UP}}", "http://127.0.0.1:1", "{{DEAD}}", "http://127.0.0.1:2",
			"{{ORIGIN}}", "https://a.test").Replace(s)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := gateway.Load("fuzz.yaml", data)
		if err != nil {
			for line := range strings.SplitSeq(err.Error(), "\n") {
				// "file[:line[:col]]: field: message", the file being the configuration or
				// one it imports.
				if !strings.Contains(line, ": ") || strings.HasPrefix(line, ": ") {
					t.Fatalf("an error without its place: %q", line)
				}
			}
			return
		}
		for _, host := range []string{"api.test", "x.t.test", "", "[::1]:80", "A.B"} {
			e := gateway.Explain(cfg, host, "/a/../b/")
			_ = e.String()
		}
	})
}

// FuzzGatewayRequest sends arbitrary hosts, paths, methods and CORS request headers through
// the gateway: it must never panic, never send two Access-Control-Allow-Origin lines, and
// send Vary: Origin with every Allow-Origin that names an origin.
func FuzzGatewayRequest(f *testing.F) {
	up := newUpstream(f)
	front := startFront(f, strings.NewReplacer("{{UP}}", up.URL, "{{DEAD}}", "http://127.0.0.1:1").Replace(mainConfig), nil)
	f.Add("api.test", "/ok", "OPTIONS", appOrigin, "PUT", "authorization, content-type")
	f.Add("api.test:80", "/public/../wins/x", "GET", "https://a.example.com", "", "")
	f.Add("NOTHING.test.", "//a/./b", "DELETE", "null", "GET", strings.Repeat("x,", 200))
	f.Add("[::1]:8080", "*", "OPTIONS", "https://example.com.evil.test", "put", "\x00")
	f.Fuzz(func(t *testing.T, host, path, method, origin, acrm, acrh string) {
		if method == "" || strings.ContainsAny(method, " \t\r\n") {
			return
		}
		h := http.Header{"Origin": {origin}, "Authorization": {"Bearer " + token}}
		if acrm != "" {
			h.Set("Access-Control-Request-Method", acrm)
		}
		if acrh != "" {
			h["Access-Control-Request-Headers"] = strings.Split(acrh, "\n")
		}
		r := &http.Request{Method: method, URL: &url.URL{Path: path}, Host: host, Header: h, Proto: "HTTP/1.1",
			ProtoMajor: 1, ProtoMinor: 1, RemoteAddr: "127.0.0.1:1"}
		w := httptest.NewRecorder()
		front.g.ServeHTTP(w, r)
		acao := w.Header().Values("Access-Control-Allow-Origin")
		if len(acao) > 1 {
			t.Fatalf("%d Access-Control-Allow-Origin lines: %q", len(acao), acao)
		}
		if len(acao) == 1 && acao[0] != "*" && !slices.Contains(varyNames(w.Header()), "Origin") {
			t.Fatalf("Allow-Origin %q without Vary: Origin (%q)", acao[0], w.Header().Values("Vary"))
		}
	})
}

// restResources are the resources of testdata/sam-rest-paths.yaml.
var restResources = []string{"/orders", "/orders/{id}", "/orders/export", "/files/{proxy+}", "/hooks"}

// resourcePattern is a reference matcher for a REST resource template: a literal segment
// matches itself, {name} one non-empty segment, {name+} one or more; a trailing slash is
// ignored.
func resourcePattern(template string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for seg := range strings.SplitSeq(strings.Trim(template, "/"), "/") {
		switch {
		case strings.HasSuffix(seg, "+}"):
			b.WriteString("/(?s:.+)")
		case strings.HasPrefix(seg, "{"):
			b.WriteString("/[^/]+")
		default:
			b.WriteString("/" + regexp.QuoteMeta(seg))
		}
	}
	b.WriteString("/?$")
	return regexp.MustCompile(b.String())
}

// FuzzRESTResource: the resource explain (and the gateway, by the same lookup) chooses for a
// path is one whose template matches the cleaned path by the reference matcher, a literal one
// when the path names it, and a path some template matches always finds a resource.
func FuzzRESTResource(f *testing.F) {
	td, err := filepath.Abs("testdata")
	if err != nil {
		f.Fatal(err)
	}
	cfg, err := gateway.Load(filepath.Join(td, "gateway.yaml"), []byte(`version: 1
policies:
  rest: { import: { format: sam, file: sam-rest-paths.yaml, resource: RestApi } }
hosts:
  - match: "*"
    upstream: http://127.0.0.1:1
    cors: { policy: rest }
`))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range []string{"/orders", "/orders/42/", "/orders/export", "/files/a/b", "/hooks", "/files", "//orders/./x", "/x"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		e := gateway.Explain(cfg, "api.test", p)
		chosen := ""
		for _, fl := range e.Fields {
			if _, r, ok := strings.Cut(fl.Source, "the OPTIONS method of resource "); ok {
				chosen, _, _ = strings.Cut(r, " ")
			}
		}
		clean := path.Clean("/" + p)
		var matching []string
		for _, r := range restResources {
			if resourcePattern(r).MatchString(clean) {
				matching = append(matching, r)
			}
		}
		switch {
		case chosen == "" && len(matching) > 0:
			t.Fatalf("%q (%q): no resource chosen; %q match", p, clean, matching)
		case chosen != "" && !slices.Contains(matching, chosen):
			t.Fatalf("%q (%q): resource %s chosen, which does not match; %q do", p, clean, chosen, matching)
		case slices.Contains(matching, "/orders/export") && chosen != "/orders/export":
			t.Fatalf("%q: %s chosen over the literal /orders/export", p, chosen)
		}
	})
}
