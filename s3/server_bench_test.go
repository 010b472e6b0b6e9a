package s3_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/doorman-s3/doorman/s3"
	"github.com/doorman-s3/doorman/storage/fs"
)

// BenchmarkServeHTTP measures the server's own cost per request, in process, without a
// network: a signed 4 KiB GET with an Origin, and a preflight.
func BenchmarkServeHTTP(b *testing.B) {
	ctx := context.Background()
	store, err := fs.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	srv, err := s3.New(ctx, s3.Config{Backend: store, Users: []s3.User{{AccessKey: "AK", SecretKey: "SK"}},
		Metrics: s3.NewMetrics(), Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	creds := aws.Credentials{AccessKeyID: "AK", SecretAccessKey: "SK"}
	send := func(method, path string, body []byte, h http.Header) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "http://127.0.0.1"+path, bytes.NewReader(body))
		for k, v := range h {
			r.Header[k] = v
		}
		sum := sha256Hex(body)
		r.Header.Set("X-Amz-Content-Sha256", sum)
		if err := v4.NewSigner().SignHTTP(ctx, creds, r, sum, "s3", "us-east-1", time.Now()); err != nil {
			b.Fatal(err)
		}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		return w
	}
	cfg := []byte(`<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod>` +
		`<AllowedMethod>PUT</AllowedMethod><AllowedHeader>content-type</AllowedHeader><AllowedHeader>x-amz-*</AllowedHeader>` +
		`<ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>`)
	for _, step := range []struct {
		method, path string
		body         []byte
		h            http.Header
	}{
		{"PUT", "/bench-bucket", nil, nil},
		{"PUT", "/bench-bucket?cors", cfg, http.Header{"Content-Md5": {md5Base64(cfg)}}},
		{"PUT", "/bench-bucket/obj4k", bytes.Repeat([]byte("x"), 4096), nil},
	} {
		if w := send(step.method, step.path, step.body, step.h); w.Code != 200 {
			b.Fatalf("%s %s: %d %s", step.method, step.path, w.Code, w.Body)
		}
	}

	get := httptest.NewRequest("GET", "http://127.0.0.1/bench-bucket/obj4k", nil)
	get.Header.Set("Origin", "https://app.example.com")
	get.Header.Set("X-Amz-Content-Sha256", sha256Hex(nil))
	if err := v4.NewSigner().SignHTTP(ctx, creds, get, sha256Hex(nil), "s3", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	preflight := httptest.NewRequest("OPTIONS", "http://127.0.0.1/bench-bucket/obj4k", nil)
	preflight.Header.Set("Origin", "https://app.example.com")
	preflight.Header.Set("Access-Control-Request-Method", "PUT")
	preflight.Header.Set("Access-Control-Request-Headers", "content-type,x-amz-date")
	for _, c := range []struct {
		name string
		r    *http.Request
	}{{"get4KiB-origin", get}, {"preflight", preflight}} {
		b.Run("op="+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, c.r)
				if w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") == "" {
					b.Fatalf("%d %v", w.Code, w.Header())
				}
			}
		})
	}
}
