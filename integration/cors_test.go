package integration

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/internal/corsspec"
	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/s3api"
)

// putCORS stores a configuration given in the AWS CLI's JSON form through the SDK.
func putCORS(t testing.TB, c *s3.Client, bucket, configJSON string) {
	t.Helper()
	if err := tryPutCORS(t, c, bucket, configJSON); err != nil {
		t.Fatalf("PutBucketCors: %v", err)
	}
}

// tryPutCORS stores a configuration given in the AWS CLI's JSON form through the SDK and
// returns the server's error.
func tryPutCORS(t testing.TB, c *s3.Client, bucket, configJSON string) error {
	t.Helper()
	cfg, err := cors.DecodeJSON([]byte(configJSON))
	if err != nil {
		t.Fatal(err)
	}
	in := &types.CORSConfiguration{}
	for _, r := range cfg.Rules {
		rule := types.CORSRule{AllowedHeaders: r.AllowedHeaders, AllowedMethods: r.AllowedMethods,
			AllowedOrigins: r.AllowedOrigins, ExposeHeaders: r.ExposeHeaders, MaxAgeSeconds: r.MaxAgeSeconds}
		if r.ID != "" {
			rule.ID = aws.String(r.ID)
		}
		in.CORSRules = append(in.CORSRules, rule)
	}
	_, err = c.PutBucketCors(context.Background(), &s3.PutBucketCorsInput{Bucket: aws.String(bucket), CORSConfiguration: in})
	return err
}

// corsHeaders are the response's Access-Control-* headers and Vary, for comparison.
func corsHeaders(h http.Header) []cors.Header {
	var out []cors.Header
	for k, vs := range h {
		if strings.HasPrefix(k, "Access-Control-") || k == "Vary" {
			for _, v := range vs {
				out = append(out, cors.Header{Name: k, Value: v})
			}
		}
	}
	slices.SortFunc(out, func(a, b cors.Header) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func wantCORSHeaders(hs []cors.Header) []cors.Header {
	var out []cors.Header
	for _, h := range hs {
		if h.Name != "Connection" {
			out = append(out, h)
		}
	}
	slices.SortFunc(out, func(a, b cors.Header) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// The engine's table of recorded S3 behaviours, over HTTP against a running server: every case
// gets a bucket of its own with the case's configuration (or none, or no bucket at all), and
// the request is sent as a browser would, unsigned.
func TestCORSSpecOverHTTP(t *testing.T) {
	srv := startServer(t, "")
	c := srv.client()
	for i, tc := range corsspec.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			bucket := bucketName("spec", i)
			if !tc.NoBucket {
				srv.createBucket(t, bucket)
				if tc.Config != "" {
					putCORS(t, c, bucket, tc.Config)
				}
			}
			path := "/" + bucket + "/"
			if tc.Req.Object {
				path += "photo.jpg"
			}
			h := http.Header{}
			if tc.Req.Origin != "" {
				h.Set("Origin", tc.Req.Origin)
			}
			if tc.Req.RequestMethod != "" {
				h.Set("Access-Control-Request-Method", tc.Req.RequestMethod)
			}
			for _, v := range tc.Req.RequestHeaders {
				h.Add("Access-Control-Request-Headers", v)
			}
			h.Set("User-Agent", "integration-test")
			h.Set("Accept-Encoding", "identity")
			if size := headerSectionSize(h); size > s3api.HTTPMaxHeaderBytes {
				// Far too large: the HTTP server stops reading it and answers a bare 431, which
				// a client still sending may see as a reset connection instead.
				req, err := http.NewRequest(tc.Req.Method, srv.URL+path, nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Header = h
				res, err := http.DefaultClient.Do(req)
				switch {
				case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE):
				case err != nil:
					t.Fatalf("%d-byte header: %v", size, err)
				default:
					res.Body.Close()
					if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge || len(corsHeaders(res.Header)) != 0 {
						t.Fatalf("%d-byte header: %d %v", size, res.StatusCode, res.Header)
					}
				}
				return
			}
			res, body := srv.Do(t, s3test.Request{Method: tc.Req.Method, Path: path, Header: h})
			switch size := headerSectionSize(h); {
			case size > s3api.MaxHeaderBytes:
				// The server refuses so large a header section before CORS is evaluated, as S3 does.
				if e := s3test.ParseError(t, body); res.StatusCode != 400 || e.Code != "RequestHeaderSectionTooLarge" || len(corsHeaders(res.Header)) != 0 {
					t.Fatalf("%d-byte header: %d %+v %v", size, res.StatusCode, e, res.Header)
				}
				return
			}
			if got, want := corsHeaders(res.Header), wantCORSHeaders(tc.Headers); !slices.Equal(got, want) {
				t.Errorf("[%s] CORS headers\n got %v\nwant %v", tc.Src, got, want)
			}
			if !tc.Preflight && !tc.NoBucket {
				return // the operation's own status stands (here an anonymous request: 403/404/501)
			}
			if res.StatusCode != tc.Status {
				t.Fatalf("[%s] status %d; want %d\n%s", tc.Src, res.StatusCode, tc.Status, body)
			}
			if tc.Err == nil {
				if len(body) != 0 || res.Header.Get("Content-Length") != "0" || res.Header.Get("Content-Type") != "" {
					t.Errorf("a successful preflight has an empty body and no Content-Type: %q %v", body, res.Header)
				}
				return
			}
			e := s3test.ParseError(t, body)
			got := corsspec.Err{Code: e.Code, Message: e.Message, Method: e.Method, ResourceType: e.ResourceType}
			if got != *tc.Err {
				t.Errorf("[%s] error\n got %+v\nwant %+v", tc.Src, got, *tc.Err)
			}
			if e.RequestID != res.Header.Get("X-Amz-Request-Id") || e.HostID != res.Header.Get("X-Amz-Id-2") || e.RequestID == "" {
				t.Errorf("RequestId/HostId %q/%q differ from headers %v", e.RequestID, e.HostID, res.Header)
			}
			if res.Header.Get("Content-Type") != "application/xml" {
				t.Errorf("Content-Type %q", res.Header.Get("Content-Type"))
			}
			if tc.Outcome == cors.NoOrigin && !res.Close {
				t.Error("a preflight without Origin closes the connection, as S3 does")
			}
		})
	}
}

// CORS headers ride on error responses of matched requests
// (docs/s3-cors.md#errors-carry-cors-headers), and never on service-level requests.
func TestCORSHeadersOnErrors(t *testing.T) {
	srv := startServer(t, "")
	c := srv.client()
	bucket := srv.createBucket(t, "errors-bucket")
	putCORS(t, c, bucket, corsspec.CfgTwoRules)
	if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"),
		Body: bytes.NewReader([]byte("0123456789"))}); err != nil {
		t.Fatal(err)
	}
	origin := http.Header{"Origin": {"https://a.example"}}
	withOrigin := func(kv ...string) http.Header {
		h := origin.Clone()
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	for _, tc := range []struct {
		name   string
		method string
		path   string
		header http.Header
		as     s3test.Account
		status int
		code   string
	}{
		{"404 NoSuchKey", "GET", "/" + bucket + "/missing", origin, s3test.Owner, 404, "NoSuchKey"},
		{"403 AccessDenied (anonymous)", "GET", "/" + bucket + "/k", origin, s3test.Anonymous, 403, "AccessDenied"},
		{"412 PreconditionFailed", "GET", "/" + bucket + "/k", withOrigin("If-Match", `"nope"`), s3test.Owner, 412, "PreconditionFailed"},
		{"416 InvalidRange", "GET", "/" + bucket + "/k", withOrigin("Range", "bytes=100-"), s3test.Owner, 416, "InvalidRange"},
		{"200 list", "GET", "/" + bucket + "?list-type=2", origin, s3test.Owner, 200, ""},
		{"206 range", "GET", "/" + bucket + "/k", withOrigin("Range", "bytes=2-4"), s3test.Owner, 206, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := srv.Do(t, s3test.Request{Method: tc.method, Path: tc.path, Header: tc.header, As: tc.as})
			if res.StatusCode != tc.status {
				t.Fatalf("status %d; want %d\n%s", res.StatusCode, tc.status, body)
			}
			if tc.code != "" {
				if e := s3test.ParseError(t, body); e.Code != tc.code {
					t.Fatalf("code %s; want %s", e.Code, tc.code)
				}
			}
			want := []cors.Header{
				{Name: "Access-Control-Allow-Credentials", Value: "true"},
				{Name: "Access-Control-Allow-Methods", Value: "GET"},
				{Name: "Access-Control-Allow-Origin", Value: "https://a.example"},
				{Name: "Vary", Value: cors.Vary},
			}
			if got := corsHeaders(res.Header); !slices.Equal(got, want) {
				t.Fatalf("CORS headers %v; want %v", got, want)
			}
		})
	}
	res, _ := srv.Do(t, s3test.Request{Method: "GET", Path: "/", Header: origin, As: s3test.Owner})
	if res.StatusCode != 200 || len(corsHeaders(res.Header)) != 0 {
		t.Fatalf("ListBuckets: %d %v", res.StatusCode, corsHeaders(res.Header))
	}
	res, _ = srv.Do(t, s3test.Request{Method: "GET", Path: "/no-such-bucket-here/k", Header: origin, As: s3test.Owner})
	if res.StatusCode != 404 || len(corsHeaders(res.Header)) != 0 {
		t.Fatalf("missing bucket: %d %v", res.StatusCode, corsHeaders(res.Header))
	}
}

// The bucket CORS API itself (docs/s3-cors.md#bucket-cors-api,
// docs/s3-cors.md#getbucketcors-and-deletebucketcors).
func TestBucketCorsAPI(t *testing.T) {
	srv := startServer(t, "")
	bucket := srv.createBucket(t, "api-bucket")
	path := "/" + bucket + "?cors"

	res, body := srv.Do(t, s3test.Request{Method: "GET", Path: path, As: s3test.Owner})
	if e := s3test.ParseError(t, body); res.StatusCode != 404 || e.Code != "NoSuchCORSConfiguration" ||
		e.Message != "The CORS configuration does not exist" || e.BucketName != bucket {
		t.Fatalf("GET without configuration: %d %+v", res.StatusCode, e)
	}
	res, _ = srv.Do(t, s3test.Request{Method: "DELETE", Path: path, As: s3test.Owner})
	if res.StatusCode != 204 {
		t.Fatalf("DELETE without configuration: %d", res.StatusCode)
	}

	doc := []byte(`<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CORSRule><ID>r1</ID>` +
		`<AllowedOrigin>https://B.example</AllowedOrigin><AllowedOrigin></AllowedOrigin><AllowedMethod>PUT</AllowedMethod>` +
		`<AllowedHeader>x-AMZ-server-SIDE-encryption</AllowedHeader></CORSRule></CORSConfiguration>`)
	res, body = srv.Do(t, s3test.Request{Method: "PUT", Path: path, Body: doc, As: s3test.Owner})
	if e := s3test.ParseError(t, body); res.StatusCode != 400 || e.Code != "InvalidRequest" ||
		e.Message != "Missing required header for this request: Content-MD5 OR x-amz-checksum-*" {
		t.Fatalf("PUT without Content-MD5: %d %+v", res.StatusCode, e)
	}
	res, body = srv.Do(t, s3test.Request{Method: "PUT", Path: path, Header: http.Header{"Content-Md5": {s3test.MD5Base64([]byte("other"))}}, Body: doc, As: s3test.Owner})
	if e := s3test.ParseError(t, body); res.StatusCode != 400 || e.Code != "BadDigest" {
		t.Fatalf("PUT with a wrong Content-MD5: %d %+v", res.StatusCode, e)
	}
	res, body = srv.Do(t, s3test.Request{Method: "PUT", Path: path, Header: http.Header{"Content-Md5": {"not-base64"}}, Body: doc, As: s3test.Owner})
	if e := s3test.ParseError(t, body); res.StatusCode != 400 || e.Code != "InvalidDigest" {
		t.Fatalf("PUT with an unreadable Content-MD5: %d %+v", res.StatusCode, e)
	}
	res, body = srv.Do(t, s3test.Request{Method: "PUT", Path: path, Header: http.Header{"Content-Md5": {s3test.MD5Base64(doc)}}, Body: doc, As: s3test.Owner})
	if res.StatusCode != 200 || len(body) != 0 {
		t.Fatalf("PUT: %d %s", res.StatusCode, body)
	}
	res, body = srv.Do(t, s3test.Request{Method: "GET", Path: path, As: s3test.Owner})
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CORSRule><ID>r1</ID>` +
		`<AllowedHeader>x-AMZ-server-SIDE-encryption</AllowedHeader><AllowedMethod>PUT</AllowedMethod>` +
		`<AllowedOrigin>https://B.example</AllowedOrigin><AllowedOrigin></AllowedOrigin></CORSRule></CORSConfiguration>`
	if res.StatusCode != 200 || string(body) != want || res.Header.Get("Content-Type") != "application/xml" {
		t.Fatalf("GET: %d %s", res.StatusCode, body)
	}
	// Every validation refusal of the table, on the wire.
	for _, v := range corsspec.Validation {
		res, body := srv.Do(t, s3test.Request{Method: "PUT", Path: path, Header: http.Header{"Content-Md5": {s3test.MD5Base64([]byte(v.Body))}}, Body: []byte(v.Body), As: s3test.Owner})
		e := s3test.ParseError(t, body)
		if res.StatusCode != v.Status || e.Code != v.Code || e.Message != v.Message {
			t.Errorf("%s [%s]: %d %s %q; want %d %s %q", v.Name, v.Src, res.StatusCode, e.Code, e.Message, v.Status, v.Code, v.Message)
		}
	}
	// A refused document leaves the stored one in force.
	if res, body := srv.Do(t, s3test.Request{Method: "GET", Path: path, As: s3test.Owner}); string(body) != want {
		t.Fatalf("after refusals: %d %s", res.StatusCode, body)
	}
	// Only the owner may read or change the configuration.
	if res, _ := srv.Do(t, s3test.Request{Method: "GET", Path: path}); res.StatusCode != 403 {
		t.Fatalf("anonymous GetBucketCors: %d", res.StatusCode)
	}
	if res, _ := srv.Do(t, s3test.Request{Method: "DELETE", Path: path, As: s3test.Owner}); res.StatusCode != 204 {
		t.Fatalf("DELETE: %d", res.StatusCode)
	}
	if res, _ := srv.Do(t, s3test.Request{Method: "GET", Path: path, As: s3test.Owner}); res.StatusCode != 404 {
		t.Fatalf("GET after DELETE: %d", res.StatusCode)
	}
	// Deleting the bucket deletes its configuration: a new bucket of the same name has none.
	srv.Do(t, s3test.Request{Method: "PUT", Path: path, Header: http.Header{"Content-Md5": {s3test.MD5Base64(doc)}}, Body: doc, As: s3test.Owner})
	if res, _ := srv.Do(t, s3test.Request{Method: "DELETE", Path: "/" + bucket, As: s3test.Owner}); res.StatusCode != 204 {
		t.Fatalf("DeleteBucket: %d", res.StatusCode)
	}
	srv.createBucket(t, bucket)
	if res, _ := srv.Do(t, s3test.Request{Method: "GET", Path: path, As: s3test.Owner}); res.StatusCode != 404 {
		t.Fatalf("a re-created bucket inherited the old configuration: %d", res.StatusCode)
	}
	if res, _ := srv.Do(t, s3test.Request{Method: "GET", Path: "/missing-bucket-x?cors", As: s3test.Owner}); res.StatusCode != 404 {
		t.Fatalf("GetBucketCors on a missing bucket: %d", res.StatusCode)
	}
}

// headerSectionSize counts a header section as the server does.
func headerSectionSize(h http.Header) int {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}
