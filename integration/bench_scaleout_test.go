package integration

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
)

// scaleOutBenchOps are the operations of benchOps that BenchmarkScaleOut measures.
var scaleOutBenchOps = map[string]bool{"preflight": true, "get4KiB": true, "get1MiB": true, "put4KiB": true, "put1MiB": true}

// BenchmarkScaleOut measures what a doorman node costs in front of MinIO: the same requests
// as BenchmarkS3 (8 concurrent clients, kept-alive connections, SigV4), sent to one
// `doorman serve --backend s3` node over an erasure-coded MinIO cluster of four processes
// (server=doorman, MinIO's root user its service identity) and to the same cluster directly
// (server=minio, its first node), in one run so that benchstat -col /server compares them
// like for like; cpu-µs/req is the CPU time the servers' processes spent per request (doorman
// and MinIO's four for server=doorman, MinIO's four for server=minio), which the machine's
// other loads change less than the throughput. The bucket, its CORS configuration and its objects are made through doorman,
// so both servers read the same objects. Community MinIO refuses PutBucketCors (501 Not
// Implemented) and answers a preflight from any Origin itself; the benchmark checks both and
// times MinIO's own answer to the same preflight.
func BenchmarkScaleOut(b *testing.B) {
	mc := startMinIO(b, minioBinary(b))
	node := startServe(b, scaleOutArgs(mc.URLs(), minioRoot)...)
	var minioPIDs []int
	for _, p := range mc.nodes {
		minioPIDs = append(minioPIDs, p.cmd.Process.Pid)
	}
	doorman := benchTarget{name: "doorman", url: node.URL, s3: true,
		creds: aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey},
		cpu:   func(tb testing.TB) time.Duration { return pidsCPU(tb, append(minioPIDs, node.cmd.Process.Pid)...) }}
	direct := benchTarget{name: "minio", url: mc.URL(0), s3: true,
		creds: aws.Credentials{AccessKeyID: minioRoot.AccessKey, SecretAccessKey: minioRoot.SecretKey},
		cpu:   func(tb testing.TB) time.Duration { return pidsCPU(tb, minioPIDs...) }}
	prepareBenchTarget(b, doorman)

	var apiErr smithy.APIError
	err := tryPutCORS(b, s3Over(direct.url, minioRoot), benchBucket, benchCORS)
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "NotImplemented" {
		b.Fatalf("PutBucketCors on MinIO: %v; the benchmark expects MinIO to refuse it (NotImplemented), and to answer preflights itself", err)
	}
	minioPreflight := scaleOutPreflight(b, &direct)

	signer := v4.NewSigner()
	for _, op := range benchOps {
		if !scaleOutBenchOps[op.name] {
			continue
		}
		runBenchOp(b, signer, &doorman, op)
		if op.name == "preflight" {
			op.status = minioPreflight
		}
		runBenchOp(b, signer, &direct, op)
	}
}

// scaleOutPreflight sends benchOps' preflight to t once, checks that t allows it (the
// Access-Control-Allow-Origin of its origin) and returns the status it answered.
func scaleOutPreflight(b *testing.B, t *benchTarget) int {
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
