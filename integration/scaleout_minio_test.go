package integration

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// MinIO's root user: the service identity of the doorman nodes in front of it.
var minioRoot = s3test.Account{Name: "minio-root", AccessKey: "scaleadmin", SecretKey: "scaleadmin-secret"}

// minioBinary is the MinIO executable integration/testdata/minio/install.sh builds:
// $PEERS/minio, PEERS defaulting, as in the Makefile, to doorman-peers in the temporary
// directory. Without it the test is skipped, except on CI where it fails.
func minioBinary(t testing.TB) string {
	t.Helper()
	peers := os.Getenv("PEERS")
	if peers == "" {
		peers = filepath.Join(os.TempDir(), "doorman-peers")
	}
	bin := filepath.Join(peers, "minio")
	if _, err := exec.LookPath(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("MinIO is required on CI (integration/testdata/minio/install.sh builds it): %v", err)
		}
		t.Skipf("MinIO not built (integration/testdata/minio/install.sh builds it): %v", err)
	}
	return bin
}

// minioCluster is MinIO as four processes on 127.0.0.1 with two drives each: one erasure set
// of 8 drives (4 data, 4 parity), which keeps reading with half its drives and writing with
// one node down.
type minioCluster struct {
	t      testing.TB
	bin    string
	certs  string
	drives []string // every drive's endpoint, the same list given to every node
	addrs  []string
	nodes  []*minioProcess
}

type minioProcess struct {
	cmd  *exec.Cmd
	done chan struct{}
	logs *s3test.SyncBuffer
}

// startMinIO starts the cluster and waits until it answers /minio/health/cluster; every node
// is killed when the test ends. A port freeAddrs chose may be taken by another test before
// MinIO binds it: the cluster is then started again on other ports, up to three times.
func startMinIO(t testing.TB, bin string) *minioCluster {
	t.Helper()
	for attempt := 1; ; attempt++ {
		c := &minioCluster{t: t, bin: bin}
		c.startOn(freeAddrs(t, 4))
		err := c.awaitHealthy("/minio/health/cluster", 60*time.Second)
		if err == nil {
			return c
		}
		if taken := c.portTaken(); taken >= 0 && attempt < 3 {
			t.Logf("MinIO node %d found its port %s taken; starting the cluster again on other ports", taken+1, c.addrs[taken])
			for i := range c.addrs {
				c.kill(i)
			}
			continue
		}
		t.Fatal(err)
	}
}

// startOn starts the cluster's four nodes on addrs, with fresh drives.
func (c *minioCluster) startOn(addrs []string) {
	t := c.t
	t.Helper()
	dir := t.TempDir()
	c.certs, c.addrs = filepath.Join(dir, "certs"), addrs
	// Each drive is listed by itself: the {1...4} shorthand would have every process use the
	// same folders.
	for n, addr := range c.addrs {
		for d := 1; d <= 2; d++ {
			c.drives = append(c.drives, fmt.Sprintf("http://%s%s/n%d/d%d", addr, filepath.ToSlash(dir), n+1, d))
		}
	}
	c.nodes = make([]*minioProcess, len(c.addrs))
	t.Cleanup(func() {
		for i := range c.addrs {
			c.kill(i)
		}
		if t.Failed() {
			for i, p := range c.nodes {
				if p != nil {
					t.Logf("log of MinIO node %d, its end:\n%s", i+1, lastLines(p.logs.String(), 20))
				}
			}
		}
	})
	for i := range c.addrs {
		c.start(i)
	}
}

// portTaken returns the first node that ended because its port was in use, or -1.
func (c *minioCluster) portTaken() int {
	for i, p := range c.nodes {
		select {
		case <-p.done:
			if strings.Contains(p.logs.String(), "already in use") {
				return i
			}
		default:
		}
	}
	return -1
}

// URL is node i's base URL.
func (c *minioCluster) URL(i int) string { return "http://" + c.addrs[i] }

// URLs are every node's base URL, in order.
func (c *minioCluster) URLs() []string {
	var urls []string
	for i := range c.addrs {
		urls = append(urls, c.URL(i))
	}
	return urls
}

// start starts node i (again, after kill: its drives keep their data).
func (c *minioCluster) start(i int) {
	c.t.Helper()
	cmd := exec.Command(c.bin, append([]string{"server", "--address", c.addrs[i], "--certs-dir", c.certs}, c.drives...)...)
	cmd.Env = minioEnv(c.addrs[i])
	p := &minioProcess{cmd: cmd, done: make(chan struct{}), logs: &s3test.SyncBuffer{}}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	c.nodes[i] = p
}

// minioEnv is the environment of a MinIO process listening on addr: this process's, less any
// MINIO_ setting, with the root account, and no console or update check.
func minioEnv(addr string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MINIO_") && !strings.HasPrefix(kv, "_MINIO_") {
			env = append(env, kv)
		}
	}
	return append(env, "MINIO_ROOT_USER="+minioRoot.AccessKey, "MINIO_ROOT_PASSWORD="+minioRoot.SecretKey,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off",
		// Drives on the root file system are refused outside CI/CD mode.
		"MINIO_CI_CD=1",
		// Which endpoints are this process's own: MinIO finds it by resolving their hosts, and
		// in a container waits for that forever.
		"_MINIO_SERVER_LOCAL="+addr)
}

// kill ends node i at once with SIGKILL, as a crash would.
func (c *minioCluster) kill(i int) {
	p := c.nodes[i]
	if p == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// waitHealthy waits until every live node answers the health check at path with 200: each
// node answers for its own view of the cluster, and a node still joining it may answer a read
// from the drives it has found so far.
func (c *minioCluster) waitHealthy(path string, timeout time.Duration) {
	c.t.Helper()
	if err := c.awaitHealthy(path, timeout); err != nil {
		c.t.Fatal(err)
	}
}

// awaitHealthy is waitHealthy returning its failure; a node that lost its port fails it at
// once.
func (c *minioCluster) awaitHealthy(path string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if i := c.portTaken(); i >= 0 {
			return fmt.Errorf("MinIO node %d ended: its port %s is in use", i+1, c.addrs[i])
		}
		healthy := true
		for i, p := range c.nodes {
			select {
			case <-p.done:
				continue
			default:
			}
			res, err := http.Get(c.URL(i) + path)
			if err != nil {
				healthy = false
				break
			}
			res.Body.Close()
			if res.StatusCode != 200 {
				healthy = false
				break
			}
		}
		if healthy {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("MinIO's nodes do not all answer %s with 200 after %v", path, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// freeAddrs returns n distinct free loopback addresses.
func freeAddrs(t testing.TB, n int) []string {
	t.Helper()
	var addrs []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		addrs = append(addrs, ln.Addr().String())
	}
	return addrs
}

// s3Over is an aws-sdk-go-v2 client of the S3 server at url as account a, path-style.
func s3Over(url string, a s3test.Account) *s3.Client {
	return s3.New(s3.Options{Region: region, BaseEndpoint: aws.String(url), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(a.AccessKey, a.SecretKey, "")})
}

// presignScript makes, with boto3 (SigV4), a presigned GET of argv[4] for node A (argv[1]) and
// fetches it from A and from B (argv[2]), then a presigned PUT of argv[5] for B and sends
// stdin's bytes with it; it prints what it got as JSON.
const presignScript = `
import hashlib, json, os, sys, urllib.error, urllib.request
import boto3
from botocore.config import Config

a, b, bucket, get_key, put_key = sys.argv[1:6]

def client(url):
    return boto3.client("s3", endpoint_url=url, region_name=os.environ["AWS_DEFAULT_REGION"],
        aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))

def fetch(req):
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()

out = {}
get_url = client(a).generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": get_key}, ExpiresIn=300)
out["get_v4"] = "X-Amz-Algorithm=AWS4-HMAC-SHA256" in get_url
status, body = fetch(get_url)
out["get_status"], out["get_sha256"] = status, hashlib.sha256(body).hexdigest()
status, body = fetch(get_url.replace(a, b, 1))
out["get_on_b_status"], out["get_on_b_body"] = status, body.decode("utf-8", "replace")
put_url = client(b).generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": put_key}, ExpiresIn=300)
status, body = fetch(urllib.request.Request(put_url, data=sys.stdin.buffer.read(), method="PUT"))
out["put_status"], out["put_body"] = status, body.decode("utf-8", "replace")
print(json.dumps(out))
`

// upstreamTimeout is the scale-out nodes' --upstream-timeout over MinIO.
const upstreamTimeout = 10 * time.Second

// Two doorman nodes over a real erasure-coded MinIO cluster of four processes, driven by the
// AWS CLI, boto3, aws-sdk-go-v2 and minio-go: CORS set through one node reaches the other's
// preflights within two seconds, objects, presigned URLs, multipart uploads, signed
// aws-chunked bodies, listings and Object Lock work across nodes, MinIO's own CORS headers never come
// through, and doorman rides out MinIO nodes dying (reads and writes go on with one dead; a
// write answers 503 with CORS headers once MinIO has lost its write quorum) and one of its own
// nodes dying.
//
// The nodes wait on MinIO for upstreamTimeout (--upstream-timeout): longer than any answer of
// a MinIO with its quorum takes here, shorter than the 30 s default, which a write held by a
// MinIO that has lost its quorum would otherwise wait out.
func TestScaleOutMinIO(t *testing.T) {
	t.Parallel()
	bin := minioBinary(t)
	requireTool(t, "aws", "--version")
	requireTool(t, "python3", "-c", "import boto3")
	began := time.Now()
	mc := startMinIO(t, bin)
	t.Logf("MinIO's 4 nodes healthy in %v", time.Since(began).Round(time.Millisecond))

	// A spreads its requests over MinIO's nodes in turn; B sends them all to MinIO's second
	// node while it lives (--upstream-balance failover), then to its first.
	extra := []string{"--metrics-addr", "127.0.0.1:0", "--upstream-timeout", upstreamTimeout.String()}
	urls := mc.URLs()
	a, b := startNodePair(t, scaleOutArgs(urls, minioRoot, extra...),
		scaleOutArgs([]string{urls[1], urls[0], urls[2], urls[3]}, minioRoot, append(extra, "--upstream-balance", "failover")...))
	nodes := []struct {
		name string
		srv  *server
	}{{"A", a}, {"B", b}}
	cliA, cliB := newAWSCLI(t, a), newAWSCLI(t, b)
	ca, cb := a.client(), b.client()
	ctx := context.Background()
	const bucket, origin, otherOrigin = "cluster", "https://app.example", "https://evil.example"
	owner := s3test.Owner

	// AWS CLI: the bucket and its CORS through A; B answers a preflight with the rule.
	cliA.run(true, "s3api", "create-bucket", "--bucket", bucket)
	corsReachesB(t, cliA, b, bucket, origin)

	// AWS CLI: up through A, down through B, byte for byte; a key that needs S3's escaping.
	data := oddKeyAcross(t, cliA, cliB, bucket, 11, 3<<20+17)

	// The meta bucket is on MinIO, and no node lists it.
	direct := s3Over(mc.URL(0), minioRoot)
	lb, err := direct.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatalf("ListBuckets on MinIO: %v", err)
	}
	if !slices.ContainsFunc(lb.Buckets, func(b2 types.Bucket) bool { return aws.ToString(b2.Name) == "doorman-meta" }) {
		t.Errorf("MinIO has no doorman-meta bucket")
	}
	wantMetaBucketHidden(t, cliA, "A", bucket)
	wantMetaBucketHidden(t, cliB, "B", bucket)

	// boto3: a presigned GET made for A works on A (and not on B: the URL signs the host), a
	// presigned PUT made for B works on B.
	putBody := []byte("sent with a presigned PUT through B")
	py := exec.Command("python3", "-c", presignScript, a.URL, b.URL, bucket, oddKey, "presigned.txt")
	py.Env, py.Stdin = cliA.env, bytes.NewReader(putBody)
	pyOut, err := py.Output()
	if err != nil {
		t.Fatalf("boto3: %v\n%s", err, pyOut)
	}
	var presigned struct {
		GetV4        bool   `json:"get_v4"`
		GetStatus    int    `json:"get_status"`
		GetSHA256    string `json:"get_sha256"`
		GetOnBStatus int    `json:"get_on_b_status"`
		GetOnBBody   string `json:"get_on_b_body"`
		PutStatus    int    `json:"put_status"`
		PutBody      string `json:"put_body"`
	}
	if err := json.Unmarshal(pyOut, &presigned); err != nil {
		t.Fatalf("boto3 printed %s: %v", pyOut, err)
	}
	sum := sha256.Sum256(data)
	if !presigned.GetV4 || presigned.GetStatus != 200 || presigned.GetSHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("boto3's presigned GET through A: v4 %v, %d, sha256 %s; want a v4 URL, 200 and the object's %x",
			presigned.GetV4, presigned.GetStatus, presigned.GetSHA256, sum)
	}
	if presigned.GetOnBStatus != 403 || !strings.Contains(presigned.GetOnBBody, "SignatureDoesNotMatch") {
		t.Errorf("A's presigned GET sent to B: %d %s, want 403 SignatureDoesNotMatch (the host is signed)", presigned.GetOnBStatus, presigned.GetOnBBody)
	}
	if presigned.PutStatus != 200 {
		t.Errorf("boto3's presigned PUT through B: %d %s", presigned.PutStatus, presigned.PutBody)
	} else if got := getObject(t, ca, bucket, "presigned.txt"); !bytes.Equal(got, putBody) {
		t.Errorf("the object PUT with B's presigned URL, read through A: %q, want %q", got, putBody)
	}

	// aws-sdk-go-v2: a multipart upload with parts sent to A and B in turn.
	multipartAcross(t, ca, cb, bucket)

	// Object Lock, which MinIO keeps and enforces, through either node.
	lockedVersionAcross(t, ca, cb, mc)

	// minio-go: signed aws-chunked bodies over http.
	rec := &payloadRecorder{next: http.DefaultTransport.(*http.Transport).Clone(), seen: map[string]string{}}
	mgo, err := minio.New(a.Addr, &minio.Options{Creds: miniocreds.NewStaticV4(accessKey, secretKey, ""), Region: region,
		Transport: rec, BucketLookup: minio.BucketLookupPath})
	if err != nil {
		t.Fatal(err)
	}
	chunked := pseudoRandom(12, 300<<10+5)
	if _, err := mgo.PutObject(ctx, bucket, "minio-go.bin", bytes.NewReader(chunked), int64(len(chunked)), minio.PutObjectOptions{}); err != nil {
		t.Errorf("minio-go PutObject through A: %v", err)
	}
	if got := rec.get("PUT", "/"+bucket+"/minio-go.bin"); !strings.HasPrefix(got, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD") {
		t.Errorf("minio-go's PUT had x-amz-content-sha256 and x-amz-trailer %q, want a signed aws-chunked body", got)
	}
	if obj, err := mgo.GetObject(ctx, bucket, "minio-go.bin", minio.GetObjectOptions{}); err != nil {
		t.Errorf("minio-go GetObject through A: %v", err)
	} else if got, err := io.ReadAll(obj); err != nil || !bytes.Equal(got, chunked) {
		t.Errorf("minio-go read back %d bytes (%v), want the %d it put", len(got), err, len(chunked))
	}
	if got := getObject(t, cb, bucket, "minio-go.bin"); !bytes.Equal(got, chunked) {
		t.Errorf("the minio-go object read through B differs (%d bytes, want %d)", len(got), len(chunked))
	}

	// Listings: a page begun on A continues on B, with the SDK and with the CLI.
	keys := putPageKeys(t, ca, bucket)
	listAcross(t, ca, cb, "A", "B", bucket, keys)
	var p1, p2 cliListing
	cliA.json(&p1, "s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "page/", "--page-size", "2", "--max-items", "3")
	if p1.NextToken == "" {
		t.Fatalf("list-objects-v2 --max-items 3 through A gave no NextToken: %q", p1.keys())
	}
	cliB.json(&p2, "s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "page/", "--page-size", "2", "--starting-token", p1.NextToken)
	if got := slices.Concat(p1.keys(), p2.keys()); !slices.Equal(got, keys) {
		t.Errorf("aws s3api list-objects-v2 begun on A (%q) and continued on B (%q), want %q", p1.keys(), p2.keys(), keys)
	}

	// MinIO answers any Origin with CORS headers; through doorman only the bucket's rule does.
	get := s3test.Request{Method: "GET", Path: "/" + bucket + "/page/00", Header: http.Header{"Origin": {otherOrigin}}}
	mget := get
	mget.As = minioRoot
	res, body := (&s3test.Client{URL: mc.URL(1)}).Do(t, mget)
	if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != otherOrigin {
		t.Errorf("GET on MinIO with Origin %s: %d, Access-Control-Allow-Origin %q; the test expects MinIO to reflect it (else it cannot catch a leak)\n%s",
			otherOrigin, res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"), body)
	}
	get.As = owner
	for _, n := range nodes {
		res, body := n.srv.Do(t, get)
		if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != "" || res.Header.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("GET through %s with a non-matching Origin: %d, Access-Control-Allow-Origin %q, -Credentials %q; want 200 and none\n%s",
				n.name, res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"), res.Header.Get("Access-Control-Allow-Credentials"), body)
		}
	}

	// One MinIO node dies: writes and reads through both doorman nodes go on at once, before a
	// probe finds the node dead. Four PUTs sent together to A go to its four endpoints in
	// turn, so one is first sent to the dead MinIO node; B's four are all first sent there.
	// It read none of their bodies: they must be sent to another endpoint, not answered 503.
	if sentTo := upstreamRequestsByEndpoint(t, b); len(sentTo) != 1 || sentTo[urls[1]] == 0 {
		t.Errorf("B (failover) sent its requests to %v, want all to its first endpoint %s", sentTo, urls[1])
	}
	mc.kill(1)
	type sent struct {
		node, key string
		srv       *server
		req       *http.Request
		status    int
		body      []byte
		err       error
	}
	var puts []*sent
	for _, n := range nodes {
		for i := range 4 {
			key := fmt.Sprintf("one-down/%s%d", n.name, i)
			req := n.srv.NewRequest(t, s3test.Request{Method: "PUT", Path: "/" + bucket + "/" + key, Body: []byte(key), As: owner})
			puts = append(puts, &sent{node: n.name, key: key, srv: n.srv, req: req})
		}
	}
	var wg sync.WaitGroup
	for _, p := range puts {
		wg.Go(func() {
			res, err := http.DefaultClient.Do(p.req)
			if err != nil {
				p.err = err
				return
			}
			defer res.Body.Close()
			p.status = res.StatusCode
			p.body, p.err = io.ReadAll(res.Body)
		})
	}
	wg.Wait()
	for _, p := range puts {
		if p.err != nil || p.status != 200 {
			t.Errorf("PUT %s through %s with one MinIO node just dead: %d %v\n%s", p.key, p.node, p.status, p.err, p.body)
			continue
		}
		if res, body := p.srv.Do(t, s3test.Request{Method: "GET", Path: "/" + bucket + "/" + p.key, As: owner}); res.StatusCode != 200 || string(body) != p.key {
			t.Errorf("GET %s through %s with one MinIO node dead: %d %q", p.key, p.node, res.StatusCode, body)
		}
	}

	// A second dies: reads go on; once A knows both are dead (so that the write reaches a live
	// MinIO node), a write answers 503 with the bucket's CORS headers for its Origin: MinIO's
	// SlowDownWrite when it refuses the write for want of a quorum, or doorman's own
	// ServiceUnavailable when MinIO holds the write past --upstream-timeout (it may, waiting on
	// its dead peers). B's preflights are answered from its snapshot.
	mc.kill(2)
	for _, n := range nodes {
		if got := getObject(t, n.srv.client(), bucket, oddKey); !bytes.Equal(got, data) {
			t.Errorf("GET through %s with two MinIO nodes dead: %d bytes, want the %d written", n.name, len(got), len(data))
		}
	}
	waitEndpointsDown(t, a, mc.URL(1), mc.URL(2))
	start := time.Now()
	res, body = a.Do(t, s3test.Request{Method: "PUT", Path: "/" + bucket + "/two-down", Body: []byte("no quorum"), As: owner,
		Header: http.Header{"Origin": {origin}}})
	wantCode := "SlowDownWrite"
	if waited := time.Since(start); waited >= upstreamTimeout {
		wantCode = "ServiceUnavailable"
		t.Logf("MinIO held the write without a quorum for %v, past --upstream-timeout", waited.Round(time.Millisecond))
	}
	s3test.WantError(t, "PUT through A with two MinIO nodes dead", res, body, http.StatusServiceUnavailable, wantCode, "")
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != origin {
		t.Errorf("PUT through A with two MinIO nodes dead: Access-Control-Allow-Origin %q, want %q", got, origin)
	}
	wantPreflightAnswered(t, b, bucket, origin, "two MinIO nodes dead")

	// Doorman A dies: B serves reads, listings and preflights; once the MinIO nodes are back,
	// writes too.
	a.kill()
	if got := getObject(t, cb, bucket, "multipart.bin"); len(got) != 11<<20+3 {
		t.Errorf("GET of the multipart object through B with A dead: %d bytes, want %d", len(got), 11<<20+3)
	}
	var left cliListing
	cliB.json(&left, "s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "page/")
	if !slices.Equal(left.keys(), keys) {
		t.Errorf("list-objects-v2 through B with A dead: %q, want %q", left.keys(), keys)
	}
	mc.start(1)
	mc.start(2)
	mc.waitHealthy("/minio/health/cluster", 30*time.Second)
	back := time.Now()
	for {
		res, body := b.Do(t, s3test.Request{Method: "PUT", Path: "/" + bucket + "/back", Body: []byte("quorum is back"), As: owner,
			Header: http.Header{"Origin": {origin}}})
		if res.StatusCode == 200 {
			if res.Header.Get("Access-Control-Allow-Origin") != origin {
				t.Errorf("PUT through B: Access-Control-Allow-Origin %q, want %q", res.Header.Get("Access-Control-Allow-Origin"), origin)
			}
			break
		}
		if time.Since(back) > 10*time.Second {
			t.Fatalf("PUT through B 10s after MinIO's health came back: %d\n%s", res.StatusCode, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// MinIO's nodes reconnect to the restarted ones over a few seconds ("Marking ... offline
	// temporarily" in their logs): meanwhile a read that B sends to another MinIO node than the
	// write's has been seen to answer 404 NoSuchKey for the object just written. The object
	// must read back within that window.
	var nsk *types.NoSuchKey
	for readable := time.Now(); ; time.Sleep(200 * time.Millisecond) {
		res, err := cb.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("back")})
		if errors.As(err, &nsk) && time.Since(readable) < 10*time.Second {
			continue
		}
		if err != nil {
			t.Fatalf("GetObject %s/back after the restart: %v", bucket, err)
		}
		got, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || string(got) != "quorum is back" {
			t.Errorf("the object written through B after the restart reads %q (%v)", got, err)
		}
		t.Logf("the object written through B read back after %v", time.Since(readable).Round(time.Millisecond))
		break
	}
	wantMetaBucketHidden(t, cliB, "B", bucket)
	t.Logf("the whole tier took %v", time.Since(began).Round(time.Millisecond))
}

// upstreamRequestsByEndpoint reads srv's metrics and returns how many upstream requests it
// sent to each endpoint (doorman_upstream_requests_total, summed over methods and codes).
func upstreamRequestsByEndpoint(t *testing.T, srv *server) map[string]float64 {
	t.Helper()
	res, err := http.Get(srv.MetricsURL)
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	defer res.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	sent := map[string]float64{}
	for _, m := range families["doorman_upstream_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "endpoint" {
				sent[l.GetValue()] += m.GetCounter().GetValue()
			}
		}
	}
	return sent
}

// waitEndpointsDown waits until srv's metrics report each of the upstream endpoints down.
func waitEndpointsDown(t *testing.T, srv *server, endpoints ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get(srv.MetricsURL)
		if err != nil {
			t.Fatalf("metrics: %v", err)
		}
		metrics, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatalf("metrics: %v", err)
		}
		down := 0
		for _, ep := range endpoints {
			if bytes.Contains(metrics, []byte(`doorman_upstream_endpoint_up{endpoint="`+ep+`"} 0`)) {
				down++
			}
		}
		if down == len(endpoints) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the metrics do not report %q down after 10s:\n%s", endpoints, metrics)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
