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

// The service identity: the only user of the upstream store, and the identity the doorman
// nodes sign their upstream requests with.
const (
	serviceAccessKey = "AKIDUPSTREAMSERVICE"
	serviceSecretKey = "upstream-service-secret-key"
)

// scaleOutPoll is the nodes' poll interval, and propagationBound the time within which a
// bucket setting changed through one node must reach the other.
const (
	scaleOutPoll     = 500 * time.Millisecond
	propagationBound = 2 * time.Second
)

// startScaleOutNode runs `doorman serve --backend s3` over the upstream at upstreamURL, with
// the tests' main user as its user and the service identity upstream.
func startScaleOutNode(t *testing.T, upstreamURL string) *server {
	t.Helper()
	return startServe(t, "serve", "--addr", "127.0.0.1:0", "--backend", "s3", "--upstream", upstreamURL,
		"--access-key", accessKey, "--secret-key", secretKey,
		"--upstream-access-key", serviceAccessKey, "--upstream-secret-key", serviceSecretKey,
		"--upstream-poll-interval", scaleOutPoll.String(), "--log-format", "json")
}

// preflight sends a CORS preflight for a PUT from origin to the object path.
func preflight(t *testing.T, srv *server, path, origin string) (*http.Response, []byte) {
	t.Helper()
	return srv.Do(t, s3test.Request{Method: "OPTIONS", Path: path, Header: http.Header{
		"Origin": {origin}, "Access-Control-Request-Method": {"PUT"}, "Access-Control-Request-Headers": {"content-type"},
	}})
}

// Two doorman nodes over one upstream store (a third doorman, embedded) serve one store: a
// CORS configuration set through one node is answered by the other within two seconds,
// objects, multipart uploads and listings go through either, the meta bucket is hidden, and
// when the upstream dies a node answers 503 with CORS headers while preflights are still
// answered from the last snapshot.
func TestScaleOut(t *testing.T) {
	t.Parallel()
	requireTool(t, "aws", "--version")
	up := startServe(t, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(),
		"--access-key", serviceAccessKey, "--secret-key", serviceSecretKey, "--log-format", "json")
	a := startScaleOutNode(t, up.URL)
	b := startScaleOutNode(t, up.URL)
	t.Cleanup(func() {
		if t.Failed() {
			for _, n := range []struct {
				name string
				srv  *server
			}{{"upstream", up}, {"A", a}, {"B", b}} {
				t.Logf("log of %s, its end:\n%s", n.name, lastLines(n.srv.logs.String(), 30))
			}
		}
	})
	cliA, cliB := newAWSCLI(t, a), newAWSCLI(t, b)
	ctx := context.Background()
	const bucket, origin = "scaleout", "https://app.example"

	cliA.run(true, "s3api", "create-bucket", "--bucket", bucket)

	// CORS through A, answered by B within the bound.
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
			break
		}
		if time.Since(set) > propagationBound {
			t.Fatalf("B still answers the preflight %d (Access-Control-Allow-Origin %q) %v after the CORS configuration was set through A",
				res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"), propagationBound)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// An object written through A is read through B, byte for byte; its key needs S3's escaping.
	const oddKey = "dir/with space+plus=é%.txt"
	data := pseudoRandom(1, 3<<20+17)
	in, out := filepath.Join(cliA.dir, "in.bin"), filepath.Join(cliB.dir, "out.bin")
	writeTestFile(t, in, data)
	cliA.run(true, "s3", "cp", in, "s3://"+bucket+"/"+oddKey)
	cliB.run(true, "s3", "cp", "s3://"+bucket+"/"+oddKey, out)
	if got := readTestFile(t, out); !bytes.Equal(got, data) {
		t.Errorf("the object read through B differs from the one written through A (%d bytes, want %d)", len(got), len(data))
	}

	// A multipart upload with its parts sent alternately to A and B, completed through A.
	ca, cb := a.client(), b.client()
	multipartAcross(t, ca, cb, bucket)

	// Listings page through B (the CLI follows the continuation tokens), and a page begun on B
	// continues on A.
	var keys []string
	for i := range 7 {
		k := fmt.Sprintf("page/%02d", i)
		keys = append(keys, k)
		if _, err := ca.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatalf("PutObject %s through A: %v", k, err)
		}
	}
	before := countRequests(t, b, "ListObjectsV2", bucket)
	var listing cliListing
	cliB.json(&listing, "s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "page/", "--page-size", "2")
	if !slices.Equal(listing.keys(), keys) {
		t.Errorf("list-objects-v2 --page-size 2 through B: %q, want %q", listing.keys(), keys)
	}
	if pages := countRequests(t, b, "ListObjectsV2", bucket) - before; pages != 4 {
		t.Errorf("list-objects-v2 --page-size 2 of 7 keys made %d requests to B, want 4 pages", pages)
	}
	first, err := cb.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("page/"), MaxKeys: aws.Int32(3)})
	if err != nil || first.NextContinuationToken == nil {
		t.Fatalf("first page through B: %v (token %v)", err, first.NextContinuationToken)
	}
	rest, err := ca.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("page/"), MaxKeys: aws.Int32(10),
		ContinuationToken: first.NextContinuationToken})
	if err != nil {
		t.Fatalf("the next page through A, with B's continuation token: %v", err)
	}
	var across []string
	for _, o := range slices.Concat(first.Contents, rest.Contents) {
		across = append(across, aws.ToString(o.Key))
	}
	if !slices.Equal(across, keys) {
		t.Errorf("a listing begun on B and continued on A: %q, want %q", across, keys)
	}

	// The meta bucket is hidden from clients.
	ls := cliA.run(true, "s3", "ls")
	if !strings.Contains(ls, bucket) || strings.Contains(ls, "doorman-meta") {
		t.Errorf("aws s3 ls through A lists:\n%s\nwant %s and not the meta bucket", ls, bucket)
	}
	if out, err := cliB.try(true, "s3", "ls", "s3://doorman-meta"); err == nil {
		t.Errorf("aws s3 ls s3://doorman-meta through B succeeds:\n%s", out)
	}

	// The upstream dies: a read through A fails with 503, with the bucket's CORS headers for
	// its Origin, and B still answers preflights from its snapshot.
	up.kill()
	res, errBody := a.Do(t, s3test.Request{Method: "GET", Path: "/" + bucket + "/page/00", Header: http.Header{"Origin": {origin}}, As: s3test.Owner})
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("GET through A with its upstream dead: %d, want 503\n%s", res.StatusCode, errBody)
	}
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != origin {
		t.Errorf("GET through A with its upstream dead: Access-Control-Allow-Origin %q, want %q", got, origin)
	}
	res, body := preflight(t, b, "/"+bucket+"/any", origin)
	if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != origin {
		t.Errorf("B's preflight with the upstream dead: %d, Access-Control-Allow-Origin %q, want 200 and %q\n%s",
			res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"), origin, body)
	}
}

// lastLines is the last n lines of text.
func lastLines(text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
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
