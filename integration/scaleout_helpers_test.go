package integration

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// What the scale-out tests share: two doorman nodes, A and B, started with --backend s3 over
// one upstream store, and the steps both tests take through them.

// scaleOutPoll is the nodes' poll interval, and propagationBound the time within which a
// bucket setting changed through one node must reach the other.
const (
	scaleOutPoll     = 500 * time.Millisecond
	propagationBound = 2 * time.Second
)

// oddKey is a key that needs S3's escaping, signed as such upstream.
const oddKey = "dir/with space+plus=é%.txt"

// startScaleOutNodes runs two `doorman serve --backend s3` over the upstream endpoints, with
// the tests' main user as their user, service as their identity upstream, and extra flags;
// their logs' ends are printed when the test fails.
func startScaleOutNodes(t *testing.T, upstreams []string, service s3test.Account, extra ...string) (a, b *server) {
	t.Helper()
	args := scaleOutArgs(upstreams, service, extra...)
	return startNodePair(t, args, args)
}

// startNodePair runs two `doorman serve` with the command lines argsA and argsB; their logs'
// ends are printed when the test fails.
func startNodePair(t *testing.T, argsA, argsB []string) (a, b *server) {
	t.Helper()
	a, b = startServe(t, argsA...), startServe(t, argsB...)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log of doorman A, its end:\n%s", lastLines(a.logs.String(), 30))
			t.Logf("log of doorman B, its end:\n%s", lastLines(b.logs.String(), 30))
		}
	})
	return a, b
}

// scaleOutArgs is the command line of a `doorman serve --backend s3` node over the upstream
// endpoints, with the tests' main user as its user, service as its identity upstream, and
// extra flags.
func scaleOutArgs(upstreams []string, service s3test.Account, extra ...string) []string {
	args := []string{"serve", "--addr", "127.0.0.1:0", "--backend", "s3"}
	for _, u := range upstreams {
		args = append(args, "--upstream", u)
	}
	args = append(args, "--access-key", accessKey, "--secret-key", secretKey,
		"--upstream-access-key", service.AccessKey, "--upstream-secret-key", service.SecretKey,
		"--upstream-poll-interval", scaleOutPoll.String(), "--log-format", "json")
	return append(args, extra...)
}

// lastLines is the last n lines of text.
func lastLines(text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}

// preflight sends a CORS preflight for a PUT from origin to the object path.
func preflight(t *testing.T, srv *server, path, origin string) (*http.Response, []byte) {
	t.Helper()
	return srv.Do(t, s3test.Request{Method: "OPTIONS", Path: path, Header: http.Header{
		"Origin": {origin}, "Access-Control-Request-Method": {"PUT"}, "Access-Control-Request-Headers": {"content-type"},
	}})
}

// corsReachesB sets a CORS rule for origin on bucket through cliA (node A) and waits until B
// answers a preflight with it, failing the test after propagationBound.
func corsReachesB(t *testing.T, cliA *awsCLI, b *server, bucket, origin string) {
	t.Helper()
	cliA.run(true, "s3api", "put-bucket-cors", "--bucket", bucket, "--cors-configuration",
		`{"CORSRules":[{"AllowedOrigins":["`+origin+`"],"AllowedMethods":["GET","PUT"],"AllowedHeaders":["*"],"ExposeHeaders":["ETag"],"MaxAgeSeconds":600}]}`)
	set := time.Now()
	for {
		res, _ := preflight(t, b, "/"+bucket+"/any", origin)
		if res.StatusCode == 200 && res.Header.Get("Access-Control-Allow-Origin") == origin {
			if got := res.Header.Get("Access-Control-Max-Age"); got != "600" {
				t.Errorf("B's preflight: Access-Control-Max-Age %q, want the rule's 600", got)
			}
			t.Logf("the CORS configuration set through A reached B in %v", time.Since(set).Round(time.Millisecond))
			return
		}
		if time.Since(set) > propagationBound {
			t.Fatalf("B still answers the preflight %d (Access-Control-Allow-Origin %q) %v after the CORS configuration was set through A",
				res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"), propagationBound)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// wantPreflightAnswered checks that b answers a preflight from origin with the bucket's rule,
// when its upstream is partly or wholly dead (when says how).
func wantPreflightAnswered(t *testing.T, b *server, bucket, origin, when string) {
	t.Helper()
	res, body := preflight(t, b, "/"+bucket+"/any", origin)
	if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != origin {
		t.Errorf("B's preflight with %s: %d, Access-Control-Allow-Origin %q, want 200 and %q\n%s",
			when, res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"), origin, body)
	}
}

// oddKeyAcross writes size pseudo-random bytes (of seed) to bucket/oddKey with the AWS CLI
// through cliA, reads them back through cliB, checks them byte for byte and returns them.
func oddKeyAcross(t *testing.T, cliA, cliB *awsCLI, bucket string, seed uint64, size int) []byte {
	t.Helper()
	data := pseudoRandom(seed, size)
	in, out := filepath.Join(cliA.dir, "in.bin"), filepath.Join(cliB.dir, "out.bin")
	writeTestFile(t, in, data)
	cliA.run(true, "s3", "cp", in, "s3://"+bucket+"/"+oddKey)
	cliB.run(true, "s3", "cp", "s3://"+bucket+"/"+oddKey, out)
	if got := readTestFile(t, out); !bytes.Equal(got, data) {
		t.Errorf("the object read through B differs from the one written through A (%d bytes, want %d)", len(got), len(data))
	}
	return data
}

// wantMetaBucketHidden checks that `aws s3 ls` through cli (node) lists bucket and not the
// meta bucket.
func wantMetaBucketHidden(t *testing.T, cli *awsCLI, node, bucket string) {
	t.Helper()
	ls := cli.run(true, "s3", "ls")
	if !strings.Contains(ls, bucket) || strings.Contains(ls, "doorman-meta") {
		t.Errorf("aws s3 ls through %s lists:\n%s\nwant %s and not the meta bucket", node, ls, bucket)
	}
}

// putPageKeys puts the objects page/00 to page/06 through c (node A) and returns their keys.
func putPageKeys(t *testing.T, c *s3.Client, bucket string) []string {
	t.Helper()
	var keys []string
	for i := range 7 {
		k := fmt.Sprintf("page/%02d", i)
		keys = append(keys, k)
		if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatalf("PutObject %s through A: %v", k, err)
		}
	}
	return keys
}

// listAcross lists bucket's page/ keys with a first page of 3 through first (node from) and
// the rest through next (node to), with the first page's continuation token, and checks that
// they are keys.
func listAcross(t *testing.T, first, next *s3.Client, from, to, bucket string, keys []string) {
	t.Helper()
	ctx := context.Background()
	p1, err := first.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("page/"), MaxKeys: aws.Int32(3)})
	if err != nil || p1.NextContinuationToken == nil {
		t.Fatalf("first page through %s: %v (token %v)", from, err, p1.NextContinuationToken)
	}
	p2, err := next.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("page/"), MaxKeys: aws.Int32(10),
		ContinuationToken: p1.NextContinuationToken})
	if err != nil {
		t.Fatalf("the next page through %s, with %s's continuation token: %v", to, from, err)
	}
	var across []string
	for _, o := range slices.Concat(p1.Contents, p2.Contents) {
		across = append(across, aws.ToString(o.Key))
	}
	if !slices.Equal(across, keys) {
		t.Errorf("a listing begun on %s and continued on %s: %q, want %q", from, to, across, keys)
	}
}

// multipartAcross makes a multipart upload with its parts sent alternately to the nodes of ca
// (A) and cb (B), completes it through A and reads it back through B.
func multipartAcross(t *testing.T, ca, cb *s3.Client, bucket string) {
	t.Helper()
	ctx := context.Background()
	const mpKey = "multipart.bin"
	parts := [][]byte{pseudoRandom(2, 5<<20), pseudoRandom(3, 5<<20), pseudoRandom(4, 1<<20+3)}
	created, err := ca.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(mpKey)})
	if err != nil {
		t.Errorf("CreateMultipartUpload through A: %v", err)
		return
	}
	var done []types.CompletedPart
	for i, p := range parts {
		c, node := ca, "A"
		if i%2 == 1 {
			c, node = cb, "B"
		}
		n := int32(i + 1)
		res, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(mpKey), UploadId: created.UploadId,
			PartNumber: aws.Int32(n), Body: bytes.NewReader(p)})
		if err != nil {
			t.Errorf("UploadPart %d through %s: %v", n, node, err)
			return
		}
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(n), ETag: res.ETag})
	}
	completed, err := ca.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(mpKey),
		UploadId: created.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
	if err != nil {
		t.Errorf("CompleteMultipartUpload through A: %v", err)
		return
	}
	if want := `"` + multipartETag(parts...) + `"`; aws.ToString(completed.ETag) != want {
		t.Errorf("the completed upload's ETag %s, want %s", aws.ToString(completed.ETag), want)
	}
	got, err := cb.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(mpKey)})
	if err != nil {
		t.Errorf("GetObject of the multipart object through B: %v", err)
		return
	}
	body, err := io.ReadAll(got.Body)
	got.Body.Close()
	if err != nil || !bytes.Equal(body, slices.Concat(parts...)) {
		t.Errorf("the multipart object read through B differs from its parts (%d bytes, %v)", len(body), err)
	}
}

// getObject reads bucket/key whole through c, failing the test on error.
func getObject(t *testing.T, c *s3.Client, bucket, key string) []byte {
	t.Helper()
	res, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Errorf("GetObject %s/%s: %v", bucket, key, err)
		return nil
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Errorf("GetObject %s/%s: reading: %v", bucket, key, err)
	}
	return b
}
