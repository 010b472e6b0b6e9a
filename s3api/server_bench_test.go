package s3api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/internal/accesslog"
	"github.com/doorman-s3/doorman/internal/prommetrics"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage/disk"
)

// benchServer is a server over a fresh store with one user ("AK"/"SK"), a bucket
// "bench-bucket" whose CORS configuration allows GET and PUT from https://app.example.com with
// content-type and x-amz-* headers, and a 4 KiB object "obj4k" in it; a bucket
// "bench-rules100" with the largest configuration S3 accepts, 100 such rules, the last one for
// https://app.example.com, each other for an origin of its own; and a bucket "bench-public"
// with ACLs enabled and no public access block, holding "obj4k" with the canned ACL
// public-read, which anonymous readers get through the ACL step of authorization.
func benchServer(b testing.TB, log *slog.Logger, access *accesslog.Log) (*s3api.Server, aws.Credentials) {
	ctx := context.Background()
	store, err := disk.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	srv, err := s3api.New(ctx, s3api.Config{Backend: store, Users: []s3api.User{{AccessKey: "AK", SecretKey: "SK"}},
		Metrics: prommetrics.NewS3(), Logger: log, AccessLog: access})
	if err != nil {
		b.Fatal(err)
	}
	creds := aws.Credentials{AccessKeyID: "AK", SecretAccessKey: "SK"}
	send := func(method, path string, body []byte, h http.Header) *httptest.ResponseRecorder {
		return signedSend(b, srv, creds, method, path, body, h)
	}
	cfg := []byte(`<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod>` +
		`<AllowedMethod>PUT</AllowedMethod><AllowedHeader>content-type</AllowedHeader><AllowedHeader>x-amz-*</AllowedHeader>` +
		`<ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>`)
	var many bytes.Buffer
	many.WriteString("<CORSConfiguration>")
	for i := range cors.MaxRules {
		origin := fmt.Sprintf("https://app%d.example.com", i)
		if i == cors.MaxRules-1 {
			origin = "https://app.example.com"
		}
		fmt.Fprintf(&many, `<CORSRule><AllowedOrigin>%s</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>`+
			`<AllowedHeader>content-type</AllowedHeader><AllowedHeader>x-amz-*</AllowedHeader></CORSRule>`, origin)
	}
	many.WriteString("</CORSConfiguration>")
	for _, step := range []struct {
		method, path string
		body         []byte
		h            http.Header
	}{
		{"PUT", "/bench-bucket", nil, nil},
		{"PUT", "/bench-bucket?cors", cfg, http.Header{"Content-Md5": {md5Base64(cfg)}}},
		{"PUT", "/bench-bucket/obj4k", bytes.Repeat([]byte("x"), 4096), nil},
		{"PUT", "/bench-rules100", nil, nil},
		{"PUT", "/bench-rules100?cors", many.Bytes(), http.Header{"Content-Md5": {md5Base64(many.Bytes())}}},
		{"PUT", "/bench-public", nil, http.Header{"X-Amz-Object-Ownership": {"ObjectWriter"}}},
		{"DELETE", "/bench-public?publicAccessBlock", nil, nil},
		{"PUT", "/bench-public/obj4k", bytes.Repeat([]byte("x"), 4096), http.Header{"X-Amz-Acl": {"public-read"}}},
	} {
		if w := send(step.method, step.path, step.body, step.h); w.Code != 200 && w.Code != 204 {
			b.Fatalf("%s %s: %d %s", step.method, step.path, w.Code, w.Body)
		}
	}
	return srv, creds
}

// signedSend serves one request signed with SigV4 by creds, as the SDKs sign it.
func signedSend(t testing.TB, srv *s3api.Server, creds aws.Credentials, method, path string, body []byte, h http.Header) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "http://127.0.0.1"+path, bytes.NewReader(body))
	for k, v := range h {
		r.Header[k] = v
	}
	sum := sha256Hex(body)
	r.Header.Set("X-Amz-Content-Sha256", sum)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, sum, "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, r)
	return w
}

// discardLog is a log at the default level, and discardAccess an access log, both written
// nowhere (but encoded).
var (
	discardLog    = slog.New(slog.NewJSONHandler(io.Discard, nil))
	discardAccess = accesslog.NewStream(io.Discard, accesslog.JSON)
)

// preflightRequest is an OPTIONS request for the object obj4k of bucket.
func preflightRequest(bucket, origin, method, headers string) *http.Request {
	r := httptest.NewRequest("OPTIONS", "http://127.0.0.1/"+bucket+"/obj4k", nil)
	r.Header.Set("Origin", origin)
	r.Header.Set("Access-Control-Request-Method", method)
	r.Header.Set("Access-Control-Request-Headers", headers)
	return r
}

// BenchmarkServeHTTP measures the server's own cost per request, in process, without a
// network: a signed 4 KiB GET with an Origin and the same without (their difference is what
// CORS costs a GET), an anonymous one of a public-read object (which the object's canned ACL
// grants), and a preflight.
func BenchmarkServeHTTP(b *testing.B) {
	ctx := context.Background()
	srv, creds := benchServer(b, discardLog, discardAccess)
	signedGet := func(origin string) *http.Request {
		r := httptest.NewRequest("GET", "http://127.0.0.1/bench-bucket/obj4k", nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		r.Header.Set("X-Amz-Content-Sha256", sha256Hex(nil))
		if err := v4.NewSigner().SignHTTP(ctx, creds, r, sha256Hex(nil), "s3", "us-east-1", time.Now()); err != nil {
			b.Fatal(err)
		}
		return r
	}
	get, getNoOrigin := signedGet("https://app.example.com"), signedGet("")
	public := httptest.NewRequest("GET", "http://127.0.0.1/bench-public/obj4k", nil)
	public.Header.Set("Origin", "https://app.example.com")
	preflight := preflightRequest("bench-bucket", "https://app.example.com", "PUT", "content-type,x-amz-date")
	for _, c := range []struct {
		name string
		r    *http.Request
		cors bool
	}{{"get4KiB-origin", get, true}, {"get4KiB", getNoOrigin, false}, {"get4KiB-anonymous-public-read", public, false}, {"preflight", preflight, true}} {
		b.Run("op="+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, c.r)
				if w.Code != 200 || c.cors && w.Header().Get("Access-Control-Allow-Origin") == "" {
					b.Fatalf("%d %v", w.Code, w.Header())
				}
			}
		})
	}
}

// BenchmarkServerPreflight compares an allowed preflight with preflights refused at each
// check, at the default log level, against a configuration of 1 rule and one of 100: a
// refusal must not cost much more than an allowance (outcome=refused-* against
// outcome=allowed; benchstat -col /outcome).
func BenchmarkServerPreflight(b *testing.B) {
	srv, _ := benchServer(b, discardLog, discardAccess)
	for _, bucket := range []struct{ name, rules string }{{"bench-bucket", "1"}, {"bench-rules100", "100"}} {
		for _, c := range []struct {
			outcome                 string
			origin, method, headers string
			status                  int
		}{
			{"allowed", "https://app.example.com", "PUT", "content-type,x-amz-date", 200},
			{"refused-origin", "https://evil.example.com", "PUT", "content-type,x-amz-date", 403},
			{"refused-method", "https://app.example.com", "DELETE", "content-type,x-amz-date", 403},
			{"refused-headers", "https://app.example.com", "PUT", "content-type,authorization", 403},
		} {
			r := preflightRequest(bucket.name, c.origin, c.method, c.headers)
			b.Run("rules="+bucket.rules+"/outcome="+c.outcome, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					w := httptest.NewRecorder()
					srv.ServeHTTP(w, r)
					if w.Code != c.status {
						b.Fatalf("%d %v", w.Code, w.Header())
					}
				}
			})
		}
	}
}
