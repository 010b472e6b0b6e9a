package console_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// TestCORS saves, reads and deletes a bucket's CORS configuration in both forms, and shows
// that an invalid one is refused with S3's exact error.
func TestCORS(t *testing.T) {
	const (
		jsonDoc = `{"CORSRules":[{"AllowedOrigins":["https://app.example"],"AllowedMethods":["GET","PUT"],"AllowedHeaders":["*"],"MaxAgeSeconds":600}]}`
		xmlDoc  = `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`
		badXML  = `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>`
	)
	e := start(t, nil)
	b := e.signIn(s3test.Owner)
	b.want(http.StatusCreated, http.MethodPost, "/api/buckets", jsonOf(map[string]string{"name": "site"}))
	res, body := b.send(http.MethodGet, "/api/buckets/site/cors", nil, nil)
	wantError(t, res, body, http.StatusNotFound, "NoSuchCORSConfiguration", "The CORS configuration does not exist")

	type doc struct{ XML, JSON string }
	tests := []struct {
		name, format, document string
		wantXML, wantJSON      []string // substrings of the saved configuration's forms
	}{
		{"json", "json", jsonDoc,
			[]string{"<AllowedOrigin>https://app.example</AllowedOrigin>", "<AllowedMethod>PUT</AllowedMethod>", "<MaxAgeSeconds>600</MaxAgeSeconds>"},
			[]string{`"CORSRules"`, `"https://app.example"`}},
		{"xml", "xml", xmlDoc,
			[]string{"<AllowedOrigin>*</AllowedOrigin>"},
			[]string{`"AllowedOrigins": [`, `"*"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.want(http.StatusNoContent, http.MethodPut, "/api/buckets/site/cors", jsonOf(map[string]string{"format": tt.format, "document": tt.document}))
			got := decode[doc](t, b.want(http.StatusOK, http.MethodGet, "/api/buckets/site/cors", nil))
			// The XML is S3's own answer, byte for byte.
			if direct := e.direct(http.StatusOK, s3test.Request{Method: http.MethodGet, Path: "/site?cors", As: s3test.Owner}); got.XML != string(direct) {
				t.Fatalf("xml %q, S3 answers %q", got.XML, direct)
			}
			for _, s := range tt.wantXML {
				if !strings.Contains(got.XML, s) {
					t.Fatalf("xml %s lacks %s", got.XML, s)
				}
			}
			for _, s := range tt.wantJSON {
				if !strings.Contains(got.JSON, s) {
					t.Fatalf("json %s lacks %s", got.JSON, s)
				}
			}
		})
	}

	// S3's refusal, code and message exactly, and the saved configuration kept.
	r, raw := e.S3.Do(t, s3test.Request{Method: http.MethodPut, Path: "/site?cors", As: s3test.Owner, At: e.clock.Now(), Body: []byte(badXML),
		Header: http.Header{"Content-Md5": {s3test.MD5Base64([]byte(badXML))}}})
	want := s3test.WantError(t, "S3", r, raw, http.StatusBadRequest, "InvalidRequest", "")
	res, body = b.send(http.MethodPut, "/api/buckets/site/cors", jsonOf(map[string]string{"format": "xml", "document": badXML}), nil)
	wantError(t, res, body, http.StatusBadRequest, "InvalidRequest", want.Message)
	if got := decode[doc](t, b.want(http.StatusOK, http.MethodGet, "/api/buckets/site/cors", nil)); !strings.Contains(got.XML, "<AllowedOrigin>*</AllowedOrigin>") {
		t.Fatalf("a refused save changed the configuration: %s", got.XML)
	}
	for _, in := range []map[string]string{{"format": "json", "document": `{"CORSRules": [`}, {"format": "yaml", "document": "x"}} {
		res, body = b.send(http.MethodPut, "/api/buckets/site/cors", jsonOf(in), nil)
		code := map[string]string{"json": "MalformedJSON", "yaml": "InvalidArgument"}[in["format"]]
		wantError(t, res, body, http.StatusBadRequest, code, "")
	}

	b.want(http.StatusNoContent, http.MethodDelete, "/api/buckets/site/cors", nil)
	res, body = b.send(http.MethodGet, "/api/buckets/site/cors", nil, nil)
	wantError(t, res, body, http.StatusNotFound, "NoSuchCORSConfiguration", "")
}

// TestRequestBounds checks the console's answers to requests it does not serve: a JSON body
// over the bound, one that is not the JSON expected, and an unknown endpoint.
func TestRequestBounds(t *testing.T) {
	e := start(t, nil)
	b := e.signIn(s3test.Owner)
	huge := jsonBody(`{"name":"` + strings.Repeat("a", 1<<20) + `"}`)
	tests := []struct {
		name         string
		method, path string
		body         any
		status       int
		code         string
	}{
		{"body over the bound", http.MethodPost, "/api/buckets", huge, http.StatusRequestEntityTooLarge, "BodyTooLarge"},
		{"unknown field", http.MethodPost, "/api/buckets", jsonBody(`{"nmae":"x"}`), http.StatusBadRequest, "InvalidJSON"},
		{"two values", http.MethodPost, "/api/buckets", jsonBody(`{"name":"abc"} {}`), http.StatusBadRequest, "InvalidJSON"},
		{"not JSON", http.MethodPost, "/api/buckets", jsonBody(`name=abc`), http.StatusBadRequest, "InvalidJSON"},
		{"unknown endpoint", http.MethodGet, "/api/nothing", nil, http.StatusNotFound, "NotFound"},
		{"unknown page", http.MethodGet, "/nothing.html", nil, http.StatusNotFound, "NotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := b.send(tt.method, tt.path, tt.body, nil)
			wantError(t, res, body, tt.status, tt.code, "")
			if res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("headers %v", res.Header)
			}
		})
	}
}
