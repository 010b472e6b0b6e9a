package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// Preflights and GETs from many goroutines while PutBucketCors and DeleteBucketCors flip the
// configuration: every response must be the whole answer of one configuration, or of none.
func TestCORSConfigFlipsAreAtomic(t *testing.T) {
	srv := startServer(t, "")
	c := srv.client()
	bucket := srv.createACLBucket(t, "flip-bucket")
	ctx := context.Background()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), Body: bytes.NewReader([]byte("x")),
		ACL: "public-read"}); err != nil {
		t.Fatal(err)
	}
	const (
		cfgA = `{"CORSRules":[{"AllowedMethods":["GET","PUT"],"AllowedOrigins":["https://app.example"],"AllowedHeaders":["content-type"],"ExposeHeaders":["ETag"],"MaxAgeSeconds":100}]}`
		cfgB = `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["*"],"MaxAgeSeconds":200}]}`
	)
	// The three possible answers, as "status|ACAO|ACAM|ACEH|Max-Age".
	validPreflight := map[string]bool{
		"200|https://app.example|GET, PUT|ETag|100": true,
		"403||||": true, // B does not allow PUT; no configuration refuses too
	}
	validGet := map[string]bool{
		"200|https://app.example|GET, PUT|ETag|100": true,
		"200|*|GET||200": true,
		"200||||":        true,
	}
	var stop atomic.Bool
	var writers sync.WaitGroup
	flips := 0
	writers.Go(func() {
		for i := 0; !stop.Load(); i++ {
			switch i % 3 {
			case 0:
				putCORS(t, c, bucket, cfgA)
			case 1:
				putCORS(t, c, bucket, cfgB)
			case 2:
				if _, err := c.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: aws.String(bucket)}); err != nil {
					t.Error(err)
					return
				}
			}
			flips++
		}
	})
	key := func(res *http.Response) string {
		h := res.Header
		return strings.Join([]string{
			strconv.Itoa(res.StatusCode), h.Get("Access-Control-Allow-Origin"),
			h.Get("Access-Control-Allow-Methods"), h.Get("Access-Control-Expose-Headers"), h.Get("Access-Control-Max-Age")}, "|")
	}
	var readers sync.WaitGroup
	var checked atomic.Int64
	deadline := time.Now().Add(3 * time.Second)
	for g := range 8 {
		readers.Go(func() {
			for time.Now().Before(deadline) && !t.Failed() {
				if g%2 == 0 {
					res, _ := srv.Do(t, s3test.Request{Method: "OPTIONS", Path: "/" + bucket + "/k", Header: http.Header{"Origin": {"https://app.example"},
						"Access-Control-Request-Method": {"PUT"}, "Access-Control-Request-Headers": {"content-type"}}})
					if k := key(res); !validPreflight[k] {
						t.Errorf("preflight answer mixes configurations: %q", k)
					}
				} else {
					res, _ := srv.Do(t, s3test.Request{Method: "GET", Path: "/" + bucket + "/k", Header: http.Header{"Origin": {"https://app.example"}}})
					if k := key(res); !validGet[k] {
						t.Errorf("GET answer mixes configurations: %q", k)
					}
				}
				checked.Add(1)
			}
		})
	}
	readers.Wait()
	stop.Store(true)
	writers.Wait()
	if flips < 10 || checked.Load() < 100 {
		t.Fatalf("too little happened: %d flips, %d requests", flips, checked.Load())
	}
	t.Logf("%d configuration changes, %d requests checked", flips, checked.Load())
}

// --vary-origin-always: every response of a bucket with a configuration varies on Origin,
// also without Origin and when no rule matched; without the option, S3's behaviour (no Vary).
func TestVaryOriginAlways(t *testing.T) {
	for _, on := range []bool{false, true} {
		var args []string
		if on {
			args = append(args, "--vary-origin-always")
		}
		srv := startServer(t, "", args...)
		c := srv.client()
		bucket := srv.createACLBucket(t, "vary-bucket")
		if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("img.png"),
			Body: bytes.NewReader([]byte("png")), ACL: "public-read"}); err != nil {
			t.Fatal(err)
		}
		plain := srv.createACLBucket(t, "plain-bucket")
		if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(plain), Key: aws.String("img.png"),
			Body: bytes.NewReader([]byte("png")), ACL: "public-read"}); err != nil {
			t.Fatal(err)
		}
		putCORS(t, c, bucket, `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["https://app.example"]}]}`)
		for _, tc := range []struct {
			name, bucket, origin, want string
		}{
			{"no Origin", bucket, "", "Origin"},
			{"unmatched Origin", bucket, "https://other.example", "Origin"},
			{"matched Origin", bucket, "https://app.example", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"},
			{"bucket without configuration", plain, "https://app.example", ""},
		} {
			h := http.Header{}
			if tc.origin != "" {
				h.Set("Origin", tc.origin)
			}
			res, _ := srv.Do(t, s3test.Request{Method: "GET", Path: "/" + tc.bucket + "/img.png", Header: h})
			want := tc.want
			if !on && tc.want == "Origin" {
				want = "" // S3 sends no Vary on these responses
			}
			if got := strings.Join(res.Header.Values("Vary"), ", "); res.StatusCode != 200 || got != want {
				t.Errorf("option %v, %s: status %d, Vary %q; want %q", on, tc.name, res.StatusCode, got, want)
			}
		}
	}
}

// A browser preflights a presigned PUT with the URL's query string; the answer is the same
// as without it (docs/s3-cors.md#preflight-evaluation,
// docs/s3-cors.md#cors-is-not-access-control), and the presigned PUT itself gets the CORS
// headers.
func TestPresignedPutPreflight(t *testing.T) {
	srv := startServer(t, "")
	c := srv.client()
	bucket := srv.createBucket(t, "presign-bucket")
	putCORS(t, c, bucket, `{"CORSRules":[{"AllowedMethods":["PUT"],"AllowedOrigins":["https://app.example","https://other.example"],"AllowedHeaders":["content-type"],"MaxAgeSeconds":3000}]}`)
	req, err := s3.NewPresignClient(c).PresignPutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("upload.json")})
	if err != nil {
		t.Fatal(err)
	}
	pathAndQuery := strings.TrimPrefix(req.URL, srv.URL)
	res, body := srv.Do(t, s3test.Request{Method: "OPTIONS", Path: pathAndQuery, Header: http.Header{"Origin": {"https://other.example"},
		"Access-Control-Request-Method": {"PUT"}, "Access-Control-Request-Headers": {"content-type"}}})
	if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != "https://other.example" ||
		res.Header.Get("Access-Control-Allow-Headers") != "content-type" {
		t.Fatalf("preflight of a presigned URL: %d %v %s", res.StatusCode, res.Header, body)
	}
	pres, _ := srv.Do(t, s3test.Request{Method: "PUT", URL: req.URL, Body: []byte(`{"ok":true}`),
		Header: http.Header{"Origin": {"https://other.example"}, "Content-Type": {"application/json"}}})
	if pres.StatusCode != 200 || pres.Header.Get("Access-Control-Allow-Origin") != "https://other.example" ||
		pres.Header.Get("Access-Control-Allow-Methods") != "PUT" || pres.Header.Get("Access-Control-Max-Age") != "3000" ||
		pres.Header.Get("Etag") == "" {
		t.Fatalf("presigned PUT: %d %v", pres.StatusCode, pres.Header)
	}
}

// Operators see CORS decisions in the metrics, and the reason for a refused preflight in the
// access log, with no secret in either.
func TestCORSMetricsAndLog(t *testing.T) {
	srv := startServer(t, "", "--metrics-addr", "127.0.0.1:0")
	c := srv.client()
	bucket := srv.createBucket(t, "metrics-bucket")
	putCORS(t, c, bucket, `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["https://app.example"]}]}`)
	opt := func(origin, method string) {
		srv.Do(t, s3test.Request{Method: "OPTIONS", Path: "/" + bucket + "/k", Header: http.Header{"Origin": {origin}, "Access-Control-Request-Method": {method}}})
	}
	opt("https://app.example", "GET")
	opt("https://evil.example", "GET")
	opt("https://app.example", "DELETE")
	srv.Do(t, s3test.Request{Method: "OPTIONS", Path: "/" + bucket + "/k", Header: http.Header{"Origin": {"https://app.example"}}})
	srv.Do(t, s3test.Request{Method: "OPTIONS", Path: "/no-such-bucket-m/k", Header: http.Header{"Origin": {"https://app.example"}}})

	body := metrics(t, srv)
	// The S3 endpoint does not serve them: they name every bucket.
	if res, _ := srv.Do(t, s3test.Request{Method: "GET", Path: "/metrics"}); res.StatusCode == 200 {
		t.Fatal("metrics reached through the S3 endpoint")
	}
	for _, want := range []string{
		`doorman_cors_decisions_total{bucket="metrics-bucket",kind="preflight",outcome="allowed"} 1`,
		`doorman_cors_decisions_total{bucket="metrics-bucket",kind="preflight",outcome="no_matching_rule"} 2`,
		`doorman_cors_decisions_total{bucket="metrics-bucket",kind="preflight",outcome="bad_request"} 1`,
		`doorman_cors_decisions_total{bucket="-",kind="preflight",outcome="no_bucket"} 1`,
		`doorman_requests_total{operation="PutBucketCors",status="200"} 1`,
		`doorman_request_duration_seconds_count{operation="PreflightRequest"} 5`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	srv.stop()
	var reasons []string
	for _, line := range strings.Split(srv.logs.String(), "\n") {
		if strings.Contains(line, secretKey) {
			t.Fatalf("the secret key reached the log: %s", line)
		}
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil || rec["op"] != "PreflightRequest" {
			continue
		}
		if r, ok := rec["cors_reason"].(string); ok {
			reasons = append(reasons, r)
		}
	}
	want := []string{`no rule allows origin "https://evil.example"`, "no rule for this origin allows method DELETE",
		`invalid Access-Control-Request-Method ""`, "bucket not found"}
	if strings.Join(reasons, "|") != strings.Join(want, "|") {
		t.Fatalf("refusal reasons in the log:\n got %q\nwant %q", reasons, want)
	}
}
