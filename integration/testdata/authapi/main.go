// Command authapi is the upstream of the gateway's integration tests: an HTTP API that, like
// the APIs behind most gateways, requires authentication on every request, OPTIONS included
// (401 otherwise), and sets its own Access-Control-Allow-Origin: * on every answer. Each
// request it receives is printed to stderr as "authapi METHOD PATH STATUS", so that a test
// can tell what reached it.
//
//	authapi -token T
//
// It prints "authapi listening on http://ADDR" once it accepts connections. Paths:
// /status/N answers N; /slow sleeps 30 s before answering; anything else answers 200 with a
// JSON body naming the path.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	token := flag.String("token", "", "the bearer token every request must carry")
	flag.Parse()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("authapi listening on http://%s\n", ln.Addr())
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status := serve(w, r, *token)
		fmt.Fprintf(os.Stderr, "authapi %s %s %d\n", r.Method, r.URL.Path, status)
	})}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func serve(w http.ResponseWriter, r *http.Request, token string) int {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Vary", "Accept-Encoding")
	h.Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "Bearer "+token {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"unauthorized"}`)
		return http.StatusUnauthorized
	}
	status := http.StatusOK
	if n, ok := strings.CutPrefix(r.URL.Path, "/status/"); ok {
		status, _ = strconv.Atoi(n)
	}
	if r.URL.Path == "/slow" {
		time.Sleep(30 * time.Second)
	}
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"path":%q}`, r.URL.Path)
	return status
}
