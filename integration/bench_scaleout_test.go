package integration

import (
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
)

// scaleOutBenchOps are the operations of benchOps that BenchmarkScaleOut measures.
var scaleOutBenchOps = map[string]bool{"preflight": true, "get4KiB": true, "get1MiB": true, "put4KiB": true, "put1MiB": true, "list": true}

// listOp is a ListObjectsV2 of the benchmark's bucket: its two objects and a PUT's object per
// client, a page of about a dozen keys.
var listOp = benchOp{name: "list", status: 200, sign: true, build: func(t *benchTarget, _ int) *http.Request {
	r, _ := http.NewRequest("GET", t.url+"/"+benchBucket+"?list-type=2", nil)
	return r
}}

// BenchmarkScaleOut measures what a doorman node costs in front of MinIO: the requests of
// BenchmarkS3 (8 concurrent clients, kept-alive connections, SigV4) and a ListObjectsV2, sent
// to `doorman serve --backend s3` nodes over an erasure-coded MinIO cluster of four
// processes (MinIO's root user their service identity) and to the same cluster directly, in
// one run so that benchstat -col /server compares them like for like. Each node has its own
// counterpart among the direct targets, sending MinIO its requests the same way:
// server=doorman (--upstream-balance round-robin) spreads them over MinIO's four nodes, as
// server=minio-spread does (a load balancer in front of MinIO), which on this machine
// mostly costs MinIO more than requests sent to one node; server=doorman-failover (--upstream-balance failover) sends
// them all to MinIO's first node, as server=minio does (a client configured with one
// endpoint). cpu-µs/req is the CPU time the servers' processes spent per request (the node's
// and MinIO's four for a node, MinIO's four for the others), which the machine's other loads
// change less than the throughput; doorman-cpu-µs/req is the node's share. The bucket, its
// CORS configuration and its objects are made through the first node, so every target reads
// the same objects. Community MinIO refuses PutBucketCors (501 Not Implemented) and answers
// a preflight from any Origin itself; the benchmark checks both and times MinIO's own answer
// to the same preflight.
func BenchmarkScaleOut(b *testing.B) {
	mc := startMinIO(b, minioBinary(b))
	// The nodes' access logs go to files, as the S3 benchmark's (see benchTargets).
	node := func(extra ...string) (benchTarget, *server) {
		args := append(scaleOutArgs(mc.URLs(), minioRoot, extra...), "--access-log", filepath.Join(b.TempDir(), "access.log"))
		s := startServe(b, args...)
		return s.benchTarget(), s
	}
	roundRobin, roundRobinNode := node()
	prepareBenchTarget(b, &roundRobin)
	// Started once the bucket is made: a node serves once it has read the meta bucket.
	failover, failoverNode := node("--upstream-balance", "failover")
	failover.name = "doorman-failover"
	var minioPIDs []int
	for _, p := range mc.nodes {
		minioPIDs = append(minioPIDs, p.cmd.Process.Pid)
	}
	minioCPU := func(tb testing.TB) time.Duration { return pidsCPU(tb, minioPIDs...) }
	for _, n := range []struct {
		t *benchTarget
		s *server
	}{{&roundRobin, roundRobinNode}, {&failover, failoverNode}} {
		nodeCPU := func(tb testing.TB) time.Duration { return pidsCPU(tb, n.s.cmd.Process.Pid) }
		n.t.cpu = map[string]func(testing.TB) time.Duration{
			"cpu-µs/req":         func(tb testing.TB) time.Duration { return minioCPU(tb) + nodeCPU(tb) },
			"doorman-cpu-µs/req": nodeCPU,
		}
	}
	direct := benchTarget{name: "minio", url: mc.URL(0), s3: true,
		creds: aws.Credentials{AccessKeyID: minioRoot.AccessKey, SecretAccessKey: minioRoot.SecretKey},
		cpu:   map[string]func(testing.TB) time.Duration{"cpu-µs/req": minioCPU}}
	// MinIO directly, as a client that knows one of its nodes calls it, and as a load balancer
	// (or doorman) spreads requests over its four.
	spread := direct
	spread.name, spread.urls = "minio-spread", mc.URLs()
	for _, t := range []*benchTarget{&direct, &spread} {
		var apiErr smithy.APIError
		err := tryPutCORS(b, s3Over(t.url, minioRoot), benchBucket, benchCORS)
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "NotImplemented" {
			b.Fatalf("PutBucketCors on MinIO: %v; the benchmark expects MinIO to refuse it (NotImplemented), and to answer preflights itself", err)
		}
		t.globalCORS, t.preflight = true, globalPreflight(b, t)
	}

	// MinIO's own work when nobody calls it (its scanner, its nodes' heartbeats), which every
	// cpu-µs/req includes.
	idle := minioCPU(b)
	time.Sleep(3 * time.Second)
	b.Logf("MinIO's four processes, idle, use %.0f%% of a core", (minioCPU(b)-idle).Seconds()/3*100)

	signer := v4.NewSigner()
	for _, op := range append(benchOps, listOp) {
		if !scaleOutBenchOps[op.name] {
			continue
		}
		for _, t := range []*benchTarget{&roundRobin, &failover, &direct, &spread} {
			runBenchOp(b, signer, t, op)
		}
	}
}

// globalPreflight sends benchOps' preflight to t once, checks that t allows it (the
// Access-Control-Allow-Origin of its origin) and returns the status it answered.
func globalPreflight(b testing.TB, t *benchTarget) int {
	for _, op := range benchOps {
		if op.name != "preflight" {
			continue
		}
		r := op.build(t, 0)
		res, err := benchClient.Do(r)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if got, want := res.Header.Get("Access-Control-Allow-Origin"), r.Header.Get("Origin"); got != want {
			b.Fatalf("%s answered the preflight %d with Access-Control-Allow-Origin %q, want %q", t.name, res.StatusCode, got, want)
		}
		b.Logf("%s answers the preflight %d, headers %v", t.name, res.StatusCode, res.Header)
		return res.StatusCode
	}
	b.Fatal("benchOps has no preflight")
	return 0
}
