package integration

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// A second account, given to doorman with --credentials, and its display name.
const (
	acct2AccessKey   = "AKIDSECONDACCOUNT"
	acct2SecretKey   = "second-account-secret-key"
	acct2DisplayName = "second-team"
)

// second is the second account as a caller.
var second = s3test.Account{Name: acct2DisplayName, AccessKey: acct2AccessKey, SecretKey: acct2SecretKey}

// startTwoAccountServer runs doorman with the main test user (flags, no display name) and a
// second account (--credentials, with a display name).
func startTwoAccountServer(t testing.TB) *server {
	t.Helper()
	users, _ := json.Marshal([]map[string]string{{"accessKey": acct2AccessKey, "secretKey": acct2SecretKey, "displayName": acct2DisplayName}})
	file := filepath.Join(t.TempDir(), "users.json")
	if err := os.WriteFile(file, users, 0o600); err != nil {
		t.Fatal(err)
	}
	return startServer(t, "", "--credentials", file)
}

// stagingWait bounds the wait for the server to start storing a body it has authorized.
const stagingWait = 10 * time.Second

// An upload authorized for a bucket must not land in another account's bucket of the same
// name, created while the body was in flight: AWS answers 404 NoSuchBucket.
func TestUploadDoesNotLandInARecreatedBucket(t *testing.T) {
	t.Parallel()
	srv := startTwoAccountServer(t)
	const bucket = "race-recreated"
	// The first account's bucket takes writes from anyone: the upload is anonymous.
	srv.CreateACLBucket(t, s3test.Owner, bucket, "public-read-write")
	before := dataFiles(t, srv.Data)
	first := bytes.Repeat([]byte("a"), 64<<10)
	pr, pw := io.Pipe()
	req, err := http.NewRequest("PUT", srv.URL+"/"+bucket+"/in-flight", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(2 * len(first))
	type answer struct {
		status int
		body   []byte
		err    error
	}
	done := make(chan answer, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- answer{err: err}
			return
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		done <- answer{res.StatusCode, b, err}
	}()
	if _, err := pw.Write(first); err != nil {
		t.Fatal(err)
	}
	// The server is storing the body once its data file exists.
	deadline := time.Now().Add(stagingWait)
	for {
		if len(newFiles(t, srv.Data, before)) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not start storing the body within %v", stagingWait)
		}
		time.Sleep(10 * time.Millisecond)
	}
	res, body := srv.Do(t, s3test.Request{Method: "DELETE", Path: "/" + bucket, As: s3test.Owner})
	if res.StatusCode != 204 {
		t.Fatalf("DeleteBucket: %d %s", res.StatusCode, body)
	}
	res, body = srv.Do(t, s3test.Request{Method: "PUT", Path: "/" + bucket, As: second})
	if res.StatusCode != 200 {
		t.Fatalf("CreateBucket by the second account: %d %s", res.StatusCode, body)
	}
	if _, err := pw.Write(first); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	a := <-done
	if a.err != nil {
		t.Fatal(a.err)
	}
	if a.status != 404 {
		t.Errorf("upload into the recreated bucket: %d %s, want 404 NoSuchBucket", a.status, a.body)
	} else if e := s3test.ParseError(t, a.body); e.Code != "NoSuchBucket" || e.BucketName != bucket {
		t.Errorf("upload into the recreated bucket: %+v, want NoSuchBucket", e)
	}
	res, body = srv.Do(t, s3test.Request{Method: "GET", Path: "/" + bucket + "?list-type=2", As: second})
	if res.StatusCode != 200 || bytes.Contains(body, []byte("<Contents>")) {
		t.Errorf("the second account's bucket: %d %s", res.StatusCode, body)
	}
}

// canonicalID is the form of an owner id: 64 lower-case hex digits, as AWS's canonical ids.
var (
	canonicalID        = regexp.MustCompile(`^[0-9a-f]{64}$`)
	idElement          = regexp.MustCompile(`<ID>([^<]*)</ID>`)
	displayNameElement = regexp.MustCompile(`<DisplayName>([^<]*)</DisplayName>`)
)

// No answer shows an access key id as an owner's name or id: not to anonymous callers of a
// public-read bucket, not to the owner. An owner's DisplayName appears only when it was
// configured.
func TestOwnerNeverShowsAccessKey(t *testing.T) {
	t.Parallel()
	srv := startTwoAccountServer(t)
	for _, acct := range []struct {
		bucket, ak, sk, displayName string
	}{
		{"owner-main", accessKey, secretKey, ""},
		{"owner-second", acct2AccessKey, acct2SecretKey, acct2DisplayName},
	} {
		signed := func(method, path string, h http.Header) (*http.Response, []byte) {
			return srv.Do(t, s3test.Request{Method: method, Path: path, Header: h, As: s3test.Account{AccessKey: acct.ak, SecretKey: acct.sk}})
		}
		srv.CreateACLBucket(t, s3test.Account{AccessKey: acct.ak, SecretKey: acct.sk}, acct.bucket, "public-read")
		if res, body := srv.Do(t, s3test.Request{Method: "PUT", Path: "/" + acct.bucket + "/obj", Body: []byte("x"), As: s3test.Account{AccessKey: acct.ak, SecretKey: acct.sk}}); res.StatusCode != 200 {
			t.Fatalf("PutObject: %d %s", res.StatusCode, body)
		}
		res, body := signed("POST", "/"+acct.bucket+"/mp?uploads", nil)
		var up struct {
			UploadID string `xml:"UploadId"`
		}
		if err := xml.Unmarshal(body, &up); err != nil || res.StatusCode != 200 {
			t.Fatalf("CreateMultipartUpload: %d %s", res.StatusCode, body)
		}
		b := "/" + acct.bucket
		answers := []struct {
			what      string
			anonymous bool
			path      string
		}{
			{"ListObjects", true, b},
			{"ListObjectsV2 fetch-owner", true, b + "?list-type=2&fetch-owner=true"},
			{"ListObjectVersions", true, b + "?versions"},
			{"ListMultipartUploads", true, b + "?uploads"},
			{"ListBuckets", false, "/"},
			{"GetBucketAcl", false, b + "?acl"},
			{"GetObjectAcl", false, b + "/obj?acl"},
			{"ListParts", false, b + "/mp?uploadId=" + up.UploadID},
		}
		for _, a := range answers {
			var res *http.Response
			var body []byte
			if a.anonymous {
				res, body = srv.Do(t, s3test.Request{Method: "GET", Path: a.path})
			} else {
				res, body = signed("GET", a.path, nil)
			}
			what := acct.bucket + ": " + a.what
			if res.StatusCode != 200 {
				t.Errorf("%s: %d %s", what, res.StatusCode, body)
				continue
			}
			for _, ak := range []string{accessKey, acct2AccessKey} {
				if bytes.Contains(bytes.ToLower(body), []byte(strings.ToLower(ak))) {
					t.Errorf("%s shows the access key id %s:\n%s", what, ak, body)
				}
			}
			ids := idElement.FindAllSubmatch(body, -1)
			names := displayNameElement.FindAllSubmatch(body, -1)
			if len(ids) == 0 {
				t.Errorf("%s: no owner id:\n%s", what, body)
			}
			for _, id := range ids {
				if !canonicalID.Match(id[1]) {
					t.Errorf("%s: owner id %q is not a canonical id", what, id[1])
				}
			}
			for _, n := range names {
				if string(n[1]) != acct.displayName {
					t.Errorf("%s: DisplayName %q, want %q", what, n[1], acct.displayName)
				}
			}
			if acct.displayName != "" && len(names) == 0 {
				t.Errorf("%s: the configured display name is missing:\n%s", what, body)
			}
		}
	}
}
