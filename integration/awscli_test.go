package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// requireTool skips the test when an external client is not installed, except on CI where a
// missing client is a failure.
func requireTool(t *testing.T, name string, check ...string) {
	t.Helper()
	var err error
	if len(check) == 0 {
		_, err = exec.LookPath(name)
	} else {
		err = exec.Command(name, check...).Run()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required on CI: %v", name, err)
		}
		t.Skipf("%s not available: %v", name, err)
	}
}

// clientEnv is the environment of an external client: no AWS settings of the machine, only
// the test's credentials and region, and a configuration file of the test's own.
func clientEnv(configFile string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env, "AWS_ACCESS_KEY_ID="+accessKey, "AWS_SECRET_ACCESS_KEY="+secretKey, "AWS_DEFAULT_REGION="+region,
		"AWS_CONFIG_FILE="+configFile, "AWS_SHARED_CREDENTIALS_FILE="+configFile+".credentials",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
}

// awsCLI runs the AWS CLI against one server.
type awsCLI struct {
	t        *testing.T
	endpoint string
	env      []string
	dir      string
}

func newAWSCLI(t *testing.T, srv *server) *awsCLI {
	t.Helper()
	requireTool(t, "aws", "--version")
	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	if err := os.WriteFile(config, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	a := &awsCLI{t: t, endpoint: srv.URL, env: clientEnv(config), dir: dir}
	// Multipart from 5 MB on, in 5 MB parts, written to the test's own configuration.
	a.run(false, "configure", "set", "default.s3.multipart_threshold", "5MB")
	a.run(false, "configure", "set", "default.s3.multipart_chunksize", "5MB")
	return a
}

// run runs one aws command; with an endpoint the --endpoint-url is added. It fails the test
// on error and returns stdout.
func (a *awsCLI) run(endpoint bool, args ...string) string {
	a.t.Helper()
	out, err := a.try(endpoint, args...)
	if err != nil {
		a.t.Fatalf("aws %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func (a *awsCLI) try(endpoint bool, args ...string) (string, error) {
	if endpoint {
		args = append(args, "--endpoint-url", a.endpoint)
	}
	cmd := exec.Command("aws", args...)
	cmd.Env, cmd.Dir = a.env, a.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%w\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	return stdout.String(), nil
}

// json runs an s3api command and decodes its JSON output.
func (a *awsCLI) json(v any, args ...string) {
	a.t.Helper()
	out := a.run(true, append(args, "--output", "json")...)
	if strings.TrimSpace(out) == "" {
		out = "{}"
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		a.t.Fatalf("aws %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
}

type cliListing struct {
	Contents []struct {
		Key  string
		Size int64
		ETag string
	}
	CommonPrefixes []struct{ Prefix string }
	NextToken      string
}

func (l *cliListing) keys() []string {
	var keys []string
	for _, c := range l.Contents {
		keys = append(keys, c.Key)
	}
	return keys
}

// countRequests counts the successful requests of an operation on a bucket in the server's
// access log.
func countRequests(t *testing.T, srv *server, op, bucket string) int {
	t.Helper()
	n := 0
	for _, line := range strings.Split(srv.logs.String(), "\n") {
		var e struct {
			Msg, Op, Bucket string
			Status          int
		}
		if json.Unmarshal([]byte(line), &e) == nil && e.Msg == "request" && e.Op == op && e.Bucket == bucket && e.Status == 200 {
			n++
		}
	}
	return n
}

func writeTestFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func readTestFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The AWS CLI (v1, botocore) against one server: the s3 commands and the s3api ones.
func TestAWSCLI(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "")
	cli := newAWSCLI(t, srv)

	t.Run("Lifecycle", func(t *testing.T) {
		t.Parallel()
		a := *cli
		a.t = t
		dir := t.TempDir()
		if out := a.run(true, "s3", "mb", "s3://cli-life"); !strings.Contains(out, "make_bucket: cli-life") {
			t.Errorf("mb: %q", out)
		}
		body := pseudoRandom(10, 123_457)
		writeTestFile(t, filepath.Join(dir, "up.bin"), body)
		a.run(true, "s3", "cp", filepath.Join(dir, "up.bin"), "s3://cli-life/dir/sub/file.bin")
		writeTestFile(t, filepath.Join(dir, "small.txt"), []byte("hello"))
		a.run(true, "s3", "cp", filepath.Join(dir, "small.txt"), "s3://cli-life/top.txt")
		a.run(true, "s3", "cp", filepath.Join(dir, "small.txt"), "s3://cli-life/ünï cödé/a b+c%d?.txt")
		a.run(true, "s3", "cp", "s3://cli-life/dir/sub/file.bin", filepath.Join(dir, "down.bin"))
		if got := readTestFile(t, filepath.Join(dir, "down.bin")); !bytes.Equal(got, body) {
			t.Errorf("downloaded %d bytes, not what was uploaded", len(got))
		}
		ls := a.run(true, "s3", "ls", "s3://cli-life", "--recursive")
		if !strings.Contains(ls, fmt.Sprintf("%d dir/sub/file.bin", len(body))) || !strings.Contains(ls, "5 top.txt") || !strings.Contains(ls, "5 ünï cödé/a b+c%d?.txt") {
			t.Errorf("ls --recursive:\n%s", ls)
		}
		top := a.run(true, "s3", "ls", "s3://cli-life/")
		if !strings.Contains(top, "PRE dir/") || !strings.Contains(top, "top.txt") || strings.Contains(top, "file.bin") {
			t.Errorf("ls of the top level:\n%s", top)
		}
		var head struct {
			ContentLength int64
			ETag          string
			ContentType   string
		}
		a.json(&head, "s3api", "head-object", "--bucket", "cli-life", "--key", "dir/sub/file.bin")
		if head.ContentLength != int64(len(body)) || head.ETag != `"`+md5HexOf(body)+`"` {
			t.Errorf("head-object: %+v", head)
		}
		if out, err := a.try(true, "s3", "rb", "s3://cli-life"); err == nil || !strings.Contains(err.Error(), "BucketNotEmpty") {
			t.Errorf("rb of a bucket with objects: %q %v", out, err)
		}
		a.run(true, "s3", "rm", "s3://cli-life/dir/sub/file.bin")
		a.run(true, "s3", "rm", "s3://cli-life/top.txt")
		a.run(true, "s3", "rm", "s3://cli-life/ünï cödé/", "--recursive")
		if ls := a.run(true, "s3", "ls", "s3://cli-life", "--recursive"); strings.TrimSpace(ls) != "" {
			t.Errorf("ls after rm:\n%s", ls)
		}
		if out := a.run(true, "s3", "rb", "s3://cli-life"); !strings.Contains(out, "remove_bucket: cli-life") {
			t.Errorf("rb: %q", out)
		}
		if _, err := a.try(true, "s3api", "head-bucket", "--bucket", "cli-life"); err == nil || !strings.Contains(err.Error(), "404") {
			t.Errorf("head-bucket after rb: %v", err)
		}
	})

	t.Run("Listing", func(t *testing.T) {
		t.Parallel()
		a := *cli
		a.t = t
		a.run(true, "s3", "mb", "s3://cli-list")
		dir := t.TempDir()
		var want []string
		for i := range 30 {
			k := fmt.Sprintf("k%02d", i)
			if i%3 == 0 {
				k = fmt.Sprintf("sub/k%02d", i)
			}
			want = append(want, k)
			writeTestFile(t, filepath.Join(dir, filepath.FromSlash(k)), []byte(k))
		}
		slices.Sort(want)
		a.run(true, "s3", "cp", dir, "s3://cli-list/", "--recursive")

		// --max-items over pages of --page-size, resumed with the NextToken.
		var got []string
		token := ""
		for range 10 {
			args := []string{"s3api", "list-objects-v2", "--bucket", "cli-list", "--max-items", "7", "--page-size", "4"}
			if token != "" {
				args = append(args, "--starting-token", token)
			}
			var l cliListing
			a.json(&l, args...)
			if len(l.Contents) > 7 {
				t.Fatalf("--max-items 7 gave %d items", len(l.Contents))
			}
			got = append(got, l.keys()...)
			if token = l.NextToken; token == "" {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("list-objects-v2 --max-items 7 --page-size 4:\n got %v\nwant %v", got, want)
		}
		if n := countRequests(t, srv, "ListObjectsV2", "cli-list"); n < 30/4+1 {
			t.Errorf("the server answered %d ListObjectsV2 requests for 30 keys in pages of 4", n)
		}
		var all cliListing
		a.json(&all, "s3api", "list-objects", "--bucket", "cli-list", "--page-size", "4")
		if !slices.Equal(all.keys(), want) {
			t.Errorf("list-objects (v1) --page-size 4: %v", all.keys())
		}
		if n := countRequests(t, srv, "ListObjects", "cli-list"); n != 30/4+1 {
			t.Errorf("the server answered %d ListObjects requests for 30 keys in pages of 4, want 8", n)
		}
		var delim cliListing
		a.json(&delim, "s3api", "list-objects-v2", "--bucket", "cli-list", "--delimiter", "/")
		if len(delim.CommonPrefixes) != 1 || delim.CommonPrefixes[0].Prefix != "sub/" || len(delim.Contents) != 20 {
			t.Errorf("list-objects-v2 --delimiter /: %d keys, prefixes %v", len(delim.Contents), delim.CommonPrefixes)
		}
		var v1delim cliListing
		a.json(&v1delim, "s3api", "list-objects", "--bucket", "cli-list", "--delimiter", "/", "--prefix", "sub/", "--page-size", "3")
		if len(v1delim.Contents) != 10 || len(v1delim.CommonPrefixes) != 0 || !strings.HasPrefix(v1delim.Contents[0].Key, "sub/") {
			t.Errorf("list-objects --prefix sub/ --delimiter /: %v %v", v1delim.keys(), v1delim.CommonPrefixes)
		}
	})

	t.Run("Multipart", func(t *testing.T) {
		t.Parallel()
		a := *cli
		a.t = t
		a.run(true, "s3", "mb", "s3://cli-multipart")
		dir := t.TempDir()
		body := pseudoRandom(11, 20*mib)
		writeTestFile(t, filepath.Join(dir, "big.bin"), body)
		a.run(true, "s3", "cp", filepath.Join(dir, "big.bin"), "s3://cli-multipart/big.bin")
		var head struct {
			ContentLength int64
			ETag          string
		}
		a.json(&head, "s3api", "head-object", "--bucket", "cli-multipart", "--key", "big.bin")
		const part = 5 * mib
		want := `"` + multipartETag(body[:part], body[part:2*part], body[2*part:3*part], body[3*part:]) + `"`
		if head.ContentLength != int64(len(body)) || head.ETag != want {
			t.Errorf("head-object after a multipart cp: %+v, want ETag %s", head, want)
		}
		a.run(true, "s3", "cp", "s3://cli-multipart/big.bin", filepath.Join(dir, "back.bin"))
		if got := readTestFile(t, filepath.Join(dir, "back.bin")); !bytes.Equal(got, body) {
			t.Errorf("downloaded %d bytes, not what was uploaded", len(got))
		}
		// A copy between buckets above the threshold is a multipart copy (UploadPartCopy).
		a.run(true, "s3", "mb", "s3://cli-multipart-copy")
		a.run(true, "s3", "cp", "s3://cli-multipart/big.bin", "s3://cli-multipart-copy/copied.bin")
		a.json(&head, "s3api", "head-object", "--bucket", "cli-multipart-copy", "--key", "copied.bin")
		if head.ContentLength != int64(len(body)) || head.ETag != want {
			t.Errorf("head-object after a multipart copy: %+v, want ETag %s", head, want)
		}
		a.run(true, "s3", "cp", "s3://cli-multipart-copy/copied.bin", filepath.Join(dir, "copied.bin"))
		if got := readTestFile(t, filepath.Join(dir, "copied.bin")); !bytes.Equal(got, body) {
			t.Errorf("multipart copy holds %d bytes, not the source's", len(got))
		}
		// From standard input the size is unknown: multipart in chunksize parts.
		stream := pseudoRandom(13, 7*mib+123)
		cmd := exec.Command("aws", "s3", "cp", "-", "s3://cli-multipart/stream.bin", "--endpoint-url", srv.URL)
		cmd.Env, cmd.Stdin = a.env, bytes.NewReader(stream)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("aws s3 cp - : %v\n%s", err, out)
		}
		a.json(&head, "s3api", "head-object", "--bucket", "cli-multipart", "--key", "stream.bin")
		if wantStream := `"` + multipartETag(stream[:part], stream[part:]) + `"`; head.ContentLength != int64(len(stream)) || head.ETag != wantStream {
			t.Errorf("head-object after cp from stdin: %+v, want ETag %s", head, wantStream)
		}
		var uploads struct{ Uploads []any }
		a.json(&uploads, "s3api", "list-multipart-uploads", "--bucket", "cli-multipart")
		if len(uploads.Uploads) != 0 {
			t.Errorf("uploads left after cp: %v", uploads.Uploads)
		}
	})

	t.Run("SyncAndMove", func(t *testing.T) {
		t.Parallel()
		a := *cli
		a.t = t
		a.run(true, "s3", "mb", "s3://cli-sync")
		dir := t.TempDir()
		for i := range 8 {
			f := filepath.Join(dir, "tree", fmt.Sprintf("d%d", i%3), fmt.Sprintf("f%d.txt", i))
			writeTestFile(t, f, pseudoRandom(uint64(30+i), 1000+i))
			// S3 keeps LastModified to the second: a file written in the second of its upload
			// would look newer than its copy to sync, on AWS too.
			if err := os.Chtimes(f, time.Now().Add(-time.Hour), time.Now().Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		out := a.run(true, "s3", "sync", filepath.Join(dir, "tree"), "s3://cli-sync/tree")
		if n := strings.Count(out, "upload:"); n != 8 {
			t.Errorf("first sync uploaded %d files, want 8:\n%s", n, out)
		}
		// Nothing changed: sizes and times listed by the server must say so.
		if out := a.run(true, "s3", "sync", filepath.Join(dir, "tree"), "s3://cli-sync/tree"); strings.TrimSpace(out) != "" {
			t.Errorf("second sync did something:\n%s", out)
		}
		writeTestFile(t, filepath.Join(dir, "tree", "d0", "f0.txt"), []byte("changed size"))
		if out := a.run(true, "s3", "sync", filepath.Join(dir, "tree"), "s3://cli-sync/tree"); strings.Count(out, "upload:") != 1 {
			t.Errorf("sync after one change:\n%s", out)
		}
		a.run(true, "s3", "sync", "s3://cli-sync/tree", filepath.Join(dir, "back"))
		for i := range 8 {
			rel := filepath.Join(fmt.Sprintf("d%d", i%3), fmt.Sprintf("f%d.txt", i))
			if !bytes.Equal(readTestFile(t, filepath.Join(dir, "tree", rel)), readTestFile(t, filepath.Join(dir, "back", rel))) {
				t.Errorf("sync down: %s differs", rel)
			}
		}
		a.run(true, "s3", "mv", "s3://cli-sync/tree/d1/f1.txt", "s3://cli-sync/moved.txt")
		ls := a.run(true, "s3", "ls", "s3://cli-sync", "--recursive")
		if strings.Contains(ls, "tree/d1/f1.txt") || !strings.Contains(ls, "1001 moved.txt") {
			t.Errorf("after mv:\n%s", ls)
		}
		a.run(true, "s3", "rm", "s3://cli-sync", "--recursive")
		if ls := a.run(true, "s3", "ls", "s3://cli-sync", "--recursive"); strings.TrimSpace(ls) != "" {
			t.Errorf("after rm --recursive:\n%s", ls)
		}
	})

	t.Run("Presign", func(t *testing.T) {
		t.Parallel()
		a := *cli
		a.t = t
		a.run(true, "s3", "mb", "s3://cli-presign")
		dir := t.TempDir()
		body := pseudoRandom(12, 4096)
		writeTestFile(t, filepath.Join(dir, "f"), body)
		a.run(true, "s3", "cp", filepath.Join(dir, "f"), "s3://cli-presign/a file")
		url := strings.TrimSpace(a.run(true, "s3", "presign", "s3://cli-presign/a file", "--expires-in", "300"))
		res, got := srv.Do(t, s3test.Request{Method: "GET", URL: url})
		if res.StatusCode != 200 || !bytes.Equal(got, body) {
			t.Errorf("GET %s: %d, %d bytes", url, res.StatusCode, len(got))
		}
		// Without the signature the private object is refused.
		base, _, _ := strings.Cut(url, "?")
		if res, got := srv.Do(t, s3test.Request{Method: "GET", URL: base}); res.StatusCode != 403 || s3test.ParseError(t, got).Code != "AccessDenied" {
			t.Errorf("GET without the signature: %d %s", res.StatusCode, got)
		}
	})

	t.Run("CORS", func(t *testing.T) {
		t.Parallel()
		a := *cli
		a.t = t
		a.run(true, "s3", "mb", "s3://cli-cors")
		cfg := `{"CORSRules":[{"ID":"web","AllowedHeaders":["Content-Type","x-amz-meta-*"],"AllowedMethods":["GET","PUT","HEAD"],` +
			`"AllowedOrigins":["https://app.example","https://*.example.org"],"ExposeHeaders":["ETag","x-amz-request-id"],"MaxAgeSeconds":600},` +
			`{"AllowedMethods":["GET"],"AllowedOrigins":["*"]}]}`
		writeTestFile(t, filepath.Join(a.dir, "cors.json"), []byte(cfg))
		a.run(true, "s3api", "put-bucket-cors", "--bucket", "cli-cors", "--cors-configuration", "file://cors.json")
		var got, want any
		a.json(&got, "s3api", "get-bucket-cors", "--bucket", "cli-cors")
		if err := json.Unmarshal([]byte(cfg), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("get-bucket-cors:\n got %v\nwant %v", got, want)
		}
		// The stored rules are in force.
		res, _ := srv.Do(t, s3test.Request{Method: "OPTIONS", Path: "/cli-cors/x", Header: http.Header{"Origin": {"https://a.example.org"}, "Access-Control-Request-Method": {"PUT"},
			"Access-Control-Request-Headers": {"content-type"}}})
		if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != "https://a.example.org" || res.Header.Get("Access-Control-Max-Age") != "600" {
			t.Errorf("preflight under the stored rules: %d %v", res.StatusCode, res.Header)
		}
		a.run(true, "s3api", "delete-bucket-cors", "--bucket", "cli-cors")
		if _, err := a.try(true, "s3api", "get-bucket-cors", "--bucket", "cli-cors"); err == nil || !strings.Contains(err.Error(), "NoSuchCORSConfiguration") {
			t.Errorf("get-bucket-cors after delete: %v", err)
		}
		if res, _ := srv.Do(t, s3test.Request{Method: "OPTIONS", Path: "/cli-cors/x", Header: http.Header{"Origin": {"https://a.example.org"}, "Access-Control-Request-Method": {"GET"}}}); res.StatusCode != 403 {
			t.Errorf("preflight after delete-bucket-cors: %d", res.StatusCode)
		}
	})
}
