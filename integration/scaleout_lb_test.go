package integration

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// lbTemplate fills testdata/scale-out/nginx.conf.
type lbTemplate struct {
	Listen string   // host:port to listen on
	Nodes  []string // the doorman nodes' host:port
	Dir    string   // the run's own directory: pid file, logs, temporary files
}

// startLoadBalancer runs nginx from testdata/scale-out/nginx.conf in front of nodes and
// returns it as a server for clients (it has no process of its own to stop: nginx is stopped
// when t ends).
func startLoadBalancer(t *testing.T, nodes ...*server) *server {
	t.Helper()
	data := lbTemplate{Listen: freeLoopbackAddr(t), Dir: filepath.Join(t.TempDir(), "nginx")}
	for _, n := range nodes {
		data.Nodes = append(data.Nodes, n.Addr)
	}
	conf := writeConfigTemplate(t, filepath.Join("testdata", "scale-out", "nginx.conf"), data.Dir, data)
	url := runReadyProcess(t, "nginx", exec.Command("nginx", "-p", data.Dir, "-e", filepath.Join(data.Dir, "error.log"), "-c", conf),
		data.Listen, "/_doorman/health")
	return &server{t: t, URL: url, Addr: data.Listen, Client: &s3test.Client{URL: url}}
}

// servedRequests counts the requests in a node's access log.
func servedRequests(srv *server) int {
	n := 0
	for _, line := range strings.Split(srv.logs.String(), "\n") {
		var e struct{ Msg string }
		if json.Unmarshal([]byte(line), &e) == nil && e.Msg == "request" {
			n++
		}
	}
	return n
}

// Two doorman nodes over one upstream store behind nginx, configured from the committed
// testdata/scale-out/nginx.conf: the AWS CLI, pointed at nginx only, creates a bucket and its
// CORS configuration, preflights through nginx are answered with the rule (by doorman, nginx
// adds nothing), an object goes in and comes back byte for byte, requests reach both nodes, and
// when node A dies requests through nginx keep succeeding on B.
func TestScaleOutLoadBalancer(t *testing.T) {
	t.Parallel()
	requireTool(t, "aws", "--version")
	requireTool(t, "nginx")
	up := startServe(t, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(),
		"--access-key", scaleOutService.AccessKey, "--secret-key", scaleOutService.SecretKey, "--log-format", "json")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log of the upstream, its end:\n%s", lastLines(up.logs.String(), 30))
		}
	})
	a, b := startScaleOutNodes(t, []string{up.URL}, scaleOutService)
	lb := startLoadBalancer(t, a, b)
	cli := newAWSCLI(t, lb)
	const bucket, origin = "scaleout-lb", "https://app.example"
	// What nginx passes on is in the nodes' logs; the node logged before nginx's health check.
	beforeA, beforeB := servedRequests(a), servedRequests(b)

	cli.run(true, "s3api", "create-bucket", "--bucket", bucket)
	cli.run(true, "s3api", "put-bucket-cors", "--bucket", bucket, "--cors-configuration",
		`{"CORSRules":[{"AllowedOrigins":["`+origin+`"],"AllowedMethods":["GET","PUT"],"AllowedHeaders":["*"],"ExposeHeaders":["ETag"],"MaxAgeSeconds":600}]}`)

	// Preflights through nginx, whichever node answers, carry the rule within the bound; a
	// refused origin gets no CORS headers (nginx adds none of its own).
	set := time.Now()
	for answered := 0; answered < 4; {
		res, body := preflight(t, lb, "/"+bucket+"/any", origin)
		if res.StatusCode == 200 && res.Header.Get("Access-Control-Allow-Origin") == origin {
			if got := res.Header.Get("Access-Control-Max-Age"); got != "600" {
				t.Errorf("preflight through nginx: Access-Control-Max-Age %q, want the rule's 600", got)
			}
			answered++
			continue
		}
		answered = 0
		if time.Since(set) > propagationBound {
			t.Fatalf("the preflight through nginx is answered %d (Access-Control-Allow-Origin %q) %v after the CORS configuration was set\n%s",
				res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"), propagationBound, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("preflights through nginx carry the rule %v after it was set", time.Since(set).Round(time.Millisecond))
	res, _ := preflight(t, lb, "/"+bucket+"/any", "https://other.example")
	if got := res.Header.Values("Access-Control-Allow-Origin"); res.StatusCode != http.StatusForbidden || len(got) != 0 {
		t.Errorf("preflight through nginx from a refused origin: %d, Access-Control-Allow-Origin %q, want 403 and none", res.StatusCode, got)
	}

	// An object through nginx, streamed both ways (multipart from 5 MB: several requests).
	data := pseudoRandom(7, 12<<20+5)
	in, out := filepath.Join(cli.dir, "in.bin"), filepath.Join(cli.dir, "out.bin")
	writeTestFile(t, in, data)
	cli.run(true, "s3", "cp", in, "s3://"+bucket+"/"+oddKey)
	cli.run(true, "s3", "cp", "s3://"+bucket+"/"+oddKey, out)
	if got := readTestFile(t, out); !bytes.Equal(got, data) {
		t.Errorf("the object read back through nginx differs from the one written (%d bytes, want %d)", len(got), len(data))
	}

	// nginx spread the requests over both nodes.
	servedA, servedB := servedRequests(a)-beforeA, servedRequests(b)-beforeB
	t.Logf("requests through nginx: %d served by A, %d by B", servedA, servedB)
	if servedA == 0 || servedB == 0 {
		t.Errorf("requests through nginx: %d served by A, %d by B, want both nodes to serve some", servedA, servedB)
	}

	// Node A dies: nginx passes every request to B.
	a.kill()
	beforeB = servedRequests(b)
	for i := range 6 {
		if out, err := cli.try(true, "s3api", "head-object", "--bucket", bucket, "--key", oddKey); err != nil {
			t.Errorf("head-object %d through nginx with node A dead: %v\n%s", i, err, out)
		}
	}
	cli.run(true, "s3", "cp", "s3://"+bucket+"/"+oddKey, out)
	if got := readTestFile(t, out); !bytes.Equal(got, data) {
		t.Errorf("the object read through nginx with node A dead differs (%d bytes, want %d)", len(got), len(data))
	}
	cli.run(true, "s3", "cp", in, "s3://"+bucket+"/after-failover.bin")
	res, body := preflight(t, lb, "/"+bucket+"/any", origin)
	if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != origin {
		t.Errorf("preflight through nginx with node A dead: %d, Access-Control-Allow-Origin %q, want 200 and %q\n%s",
			res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"), origin, body)
	}
	if served := servedRequests(b) - beforeB; served < 8 {
		t.Errorf("with node A dead B served %d requests, want all of them (at least 8)", served)
	}
}
