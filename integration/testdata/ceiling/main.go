// Command ceiling is the benchmarks' yardstick: a bare net/http server that answers a preflight
// and a 4 KiB GET with the same headers doorman sends (any other method as the GET, after
// reading the request's body, as an API does), and does nothing else. What it reaches
// is the most this machine and client can do; doorman's figures are reported against it.
//
// With -cache-control VALUE, the GET answers also carry Cache-Control: VALUE, so that the
// caches of the edge benchmark store them as an origin's cacheable object.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
)

func main() {
	cacheControl := flag.String("cache-control", "", "the Cache-Control header of GET answers (none when empty)")
	flag.Parse()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("ceiling listening on http://%s\n", ln.Addr())
	body := []byte(strings.Repeat("x", 4096))
	cors := func(h http.Header) {
		h["Access-Control-Allow-Origin"] = []string{"https://app.example.com"}
		h["Access-Control-Allow-Methods"] = []string{"GET, PUT"}
		h["Access-Control-Expose-Headers"] = []string{"ETag"}
		h["Access-Control-Max-Age"] = []string{"3000"}
		h["Access-Control-Allow-Credentials"] = []string{"true"}
		h["Vary"] = []string{"Origin, Access-Control-Request-Headers, Access-Control-Request-Method"}
		h["X-Amz-Request-Id"] = []string{"0123456789ABCDEF"}
		h["X-Amz-Id-2"] = []string{"Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE="}
	}
	_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		cors(h)
		if r.Method == http.MethodOptions {
			h["Access-Control-Allow-Headers"] = []string{"content-type, x-amz-date"}
			h["Content-Length"] = []string{"0"}
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		h["Etag"] = []string{`"0f343b0931126a20f133d67c2b018a3b"`}
		h["Content-Type"] = []string{"binary/octet-stream"}
		h["Content-Length"] = []string{"4096"}
		if *cacheControl != "" {
			h["Cache-Control"] = []string{*cacheControl}
		}
		_, _ = w.Write(body)
	}))
}
