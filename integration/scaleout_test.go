package integration

import (
	"net/http"
	"slices"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// scaleOutService is the service identity: the only user of the upstream store, and the
// identity the doorman nodes sign their upstream requests with.
var scaleOutService = s3test.Account{Name: "upstream-service", AccessKey: "AKIDUPSTREAMSERVICE", SecretKey: "upstream-service-secret-key"}

// Two doorman nodes over one upstream store (a third doorman, embedded) serve one store: a
// CORS configuration set through one node is answered by the other within two seconds,
// objects, multipart uploads and listings go through either, the meta bucket is hidden, and
// when the upstream dies a node answers 503 with CORS headers while preflights are still
// answered from the last snapshot.
func TestScaleOut(t *testing.T) {
	t.Parallel()
	requireTool(t, "aws", "--version")
	up := startServe(t, "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(),
		"--access-key", scaleOutService.AccessKey, "--secret-key", scaleOutService.SecretKey, "--log-format", "json")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log of the upstream, its end:\n%s", lastLines(up.logs.String(), 30))
		}
	})
	a, b := startScaleOutNodes(t, []string{up.URL}, scaleOutService)
	cliA, cliB := newAWSCLI(t, a), newAWSCLI(t, b)
	const bucket, origin = "scaleout", "https://app.example"

	cliA.run(true, "s3api", "create-bucket", "--bucket", bucket)

	// CORS through A, answered by B within the bound.
	corsReachesB(t, cliA, b, bucket, origin)

	// An object written through A is read through B, byte for byte; its key needs S3's escaping.
	oddKeyAcross(t, cliA, cliB, bucket, 1, 3<<20+17)

	// A multipart upload with its parts sent alternately to A and B, completed through A.
	ca, cb := a.client(), b.client()
	multipartAcross(t, ca, cb, bucket)

	// Listings page through B (the CLI follows the continuation tokens), and a page begun on B
	// continues on A.
	keys := putPageKeys(t, ca, bucket)
	before := countRequests(t, b, "ListObjectsV2", bucket)
	var listing cliListing
	cliB.json(&listing, "s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "page/", "--page-size", "2")
	if !slices.Equal(listing.keys(), keys) {
		t.Errorf("list-objects-v2 --page-size 2 through B: %q, want %q", listing.keys(), keys)
	}
	if pages := countRequests(t, b, "ListObjectsV2", bucket) - before; pages != 4 {
		t.Errorf("list-objects-v2 --page-size 2 of 7 keys made %d requests to B, want 4 pages", pages)
	}
	listAcross(t, cb, ca, "B", "A", bucket, keys)

	// The meta bucket is hidden from clients.
	wantMetaBucketHidden(t, cliA, "A", bucket)
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
	wantPreflightAnswered(t, b, bucket, origin, "the upstream dead")
}
