package s3api_test

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// The pages of conditional writes, and LocalStack's snapshots of AWS's answers where they are
// silent.
const (
	pageConditionalWrites = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html"
	pageCompleteUpload    = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html"
	snapshotConditions    = "localstack tests/aws/services/s3/test_s3_api.snapshot.json TestS3ObjectWritePrecondition"
)

func etagOf(body string) string {
	sum := md5.Sum([]byte(body))
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// newUpload starts a multipart upload of key in bucket with one part holding body, and
// returns the path that completes it and the CompleteMultipartUpload document that names the
// part.
func newUpload(t *testing.T, c *s3test.Client, bucket, key, body string) (path, doc string) {
	t.Helper()
	var res struct {
		UploadID string `xml:"UploadId"`
	}
	if err := xml.Unmarshal(c.Must(t, 200, s3test.Request{Method: "POST", Path: "/" + bucket + "/" + key + "?uploads", As: s3test.Owner}), &res); err != nil {
		t.Fatal(err)
	}
	path = "/" + bucket + "/" + key + "?uploadId=" + res.UploadID
	c.Must(t, 200, s3test.Request{Method: "PUT", Path: path + "&partNumber=1", Body: []byte(body), As: s3test.Owner})
	doc = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>` + etagOf(body) + `</ETag></Part></CompleteMultipartUpload>`
	return path, doc
}

// Conditional writes on PutObject, CopyObject and CompleteMultipartUpload: If-None-Match: *
// and If-Match: ETag, their 412 and 404 answers, and the 501 of what S3 does not take
// (If-None-Match other than "*", If-Match: *, both headers at once), which must never write.
func TestConditionalWrites(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	c := srv.Client
	c.Must(t, 200, s3test.Request{Method: "PUT", Path: "/cond", As: s3test.Owner})
	c.Must(t, 200, s3test.Request{Method: "PUT", Path: "/condv", As: s3test.Owner})
	c.Must(t, 200, s3test.Request{Method: "PUT", Path: "/condv?versioning", Body: []byte(versioningDoc("Enabled")), As: s3test.Owner,
		Header: hdr("Content-Md5", s3test.MD5Base64([]byte(versioningDoc("Enabled"))))})
	notImpl := func(header, detail string) []string {
		return []string{"<Header>" + header + "</Header><additionalMessage>" + detail + "</additionalMessage>"}
	}
	cond := func(name string) []string { return []string{"<Condition>" + name + "</Condition>"} }
	noSuchKey := func(key string) []string { return []string{"<Key>" + key + "</Key>"} }
	copyOf := func(src string) http.Header { return hdr("X-Amz-Copy-Source", src) }
	with := func(h http.Header, kv ...string) http.Header {
		h = h.Clone()
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	// Uploads to complete, each with its own part, made before the steps run.
	up1, doc1 := newUpload(t, c, "cond", "mp", "part one")
	up2, doc2 := newUpload(t, c, "cond", "mp", "part two")
	up3, doc3 := newUpload(t, c, "cond", "mp", "part three")
	up4, doc4 := newUpload(t, c, "cond", "gone", "part four")
	up5, doc5 := newUpload(t, c, "cond", "mp", "part five")
	runVersionSteps(t, c, []vstep{
		// PutObject.
		{page: pageConditionalWrites, method: "PUT", path: "/cond/k", header: hdr("If-None-Match", "*"), body: "one", status: 200},
		{page: pageConditionalWrites, method: "PUT", path: "/cond/k", header: hdr("If-None-Match", "*"), body: "two", status: 412, code: "PreconditionFailed", want: cond("If-None-Match")},
		{page: snapshotConditions, method: "PUT", path: "/cond/k", header: hdr("If-None-Match", etagOf("other")), body: "two", status: 501, code: "NotImplemented",
			want: notImpl("If-None-Match", "We don't accept the provided value of If-None-Match header for this API")},
		{page: snapshotConditions, method: "PUT", path: "/cond/k", header: hdr("If-Match", "*"), body: "two", status: 501, code: "NotImplemented",
			want: notImpl("If-Match", "We don't accept the provided value of If-Match header for this API")},
		{page: snapshotConditions, method: "PUT", path: "/cond/k", header: hdr("If-Match", etagOf("one"), "If-None-Match", "*"), body: "two", status: 501, code: "NotImplemented",
			want: notImpl("If-Match,If-None-Match", "Multiple conditional request headers present in the request")},
		{page: pageConditionalWrites, method: "PUT", path: "/cond/k", header: hdr("If-Match", etagOf("other")), body: "two", status: 412, code: "PreconditionFailed", want: cond("If-Match")},
		{page: pageGetObject, method: "GET", path: "/cond/k", status: 200, want: []string{"one"}},
		{page: pageConditionalWrites, method: "PUT", path: "/cond/k", header: hdr("If-Match", etagOf("one")), body: "two", status: 200},
		{page: pageConditionalWrites, method: "PUT", path: "/cond/k", header: hdr("If-Match", strings.Trim(etagOf("two"), `"`)), body: "three", status: 200},
		{page: snapshotConditions, method: "PUT", path: "/cond/absent", header: hdr("If-Match", etagOf("one")), body: "x", status: 404, code: "NoSuchKey", want: noSuchKey("absent")},
		{page: pageGetObject, method: "GET", path: "/cond/absent", status: 404, code: "NoSuchKey"},

		// A versioned bucket: a delete marker as the latest version is no object.
		{page: pagePutObject, method: "PUT", path: "/condv/k", body: "one", status: 200},
		{page: pageConditionalWrites, method: "PUT", path: "/condv/k", header: hdr("If-None-Match", "*"), body: "two", status: 412, code: "PreconditionFailed"},
		{page: pageDeleteMarker, method: "DELETE", path: "/condv/k", status: 204},
		{page: snapshotConditions, method: "PUT", path: "/condv/k", header: hdr("If-Match", etagOf("one")), body: "two", status: 404, code: "NoSuchKey", want: noSuchKey("k")},
		{page: snapshotConditions, method: "PUT", path: "/condv/k", header: hdr("If-None-Match", "*"), body: "two", status: 200},

		// CopyObject: the conditions are on the destination.
		{page: snapshotConditions, method: "PUT", path: "/cond/k", header: with(copyOf("cond/k"), "If-None-Match", "*", "X-Amz-Storage-Class", "STANDARD"),
			status: 412, code: "PreconditionFailed", want: cond("If-None-Match")},
		{page: snapshotConditions, method: "PUT", path: "/cond/k", header: with(copyOf("cond/k"), "If-Match", etagOf("three")), status: 200},
		{page: snapshotConditions, method: "PUT", path: "/cond/copy", header: with(copyOf("cond/k"), "If-None-Match", "*"), status: 200},
		{page: snapshotConditions, method: "PUT", path: "/cond/copy", header: with(copyOf("cond/k"), "If-None-Match", "*"), status: 412, code: "PreconditionFailed"},
		{page: snapshotConditions, method: "PUT", path: "/cond/copy", header: with(copyOf("cond/k"), "If-Match", etagOf("one")), status: 412, code: "PreconditionFailed", want: cond("If-Match")},
		{page: snapshotConditions, method: "PUT", path: "/cond/copy", header: with(copyOf("cond/k"), "If-Match", etagOf("three")), status: 200},
		{page: snapshotConditions, method: "PUT", path: "/cond/nocopy", header: with(copyOf("cond/k"), "If-Match", etagOf("three")), status: 404, code: "NoSuchKey", want: noSuchKey("nocopy")},
		{page: snapshotConditions, method: "PUT", path: "/cond/nocopy", header: with(copyOf("cond/k"), "If-None-Match", etagOf("three")), status: 501, code: "NotImplemented",
			want: notImpl("If-None-Match", "We don't accept the provided value of If-None-Match header for this API")},
		{page: pageGetObject, method: "HEAD", path: "/cond/nocopy", status: 404},

		// CompleteMultipartUpload.
		{page: pageCompleteUpload, method: "POST", path: up1, header: hdr("If-None-Match", "*"), body: doc1, status: 200},
		{page: pageCompleteUpload, method: "POST", path: up2, header: hdr("If-None-Match", "*"), body: doc2, status: 412, code: "PreconditionFailed", want: cond("If-None-Match")},
		{page: pageCompleteUpload, method: "POST", path: up2, header: hdr("If-Match", "*"), body: doc2, status: 501, code: "NotImplemented",
			want: notImpl("If-Match", "We don't accept the provided value of If-Match header for this API")},
		{page: pageCompleteUpload, method: "POST", path: up4, header: hdr("If-Match", etagOf("one")), body: doc4, status: 404, code: "NoSuchKey", want: noSuchKey("gone")},
		{page: pageCompleteUpload, method: "POST", path: up3, header: hdr("If-Match", etagOf("one")), body: doc3, status: 412, code: "PreconditionFailed", want: cond("If-Match")},
		{page: pageCompleteUpload, method: "POST", path: up2, body: doc2, status: 200, save: map[string]string{"Etag": "mp"}},
		{page: pageCompleteUpload, method: "POST", path: up5, header: hdr("If-Match", "{mp}"), body: doc5, status: 200},
		// The uploads refused are still there to complete.
		{page: pageCompleteUpload, method: "POST", path: up3, body: doc3, status: 200},
		{page: pageCompleteUpload, method: "POST", path: up4, body: doc4, status: 200},
	})
}

// raceWriters bounds the concurrent writers of the race tests: enough that several are in
// flight at once on two cores, few enough to stay quick.
const raceWriters = 16

// race sends the requests at once and returns how many answers had each status.
func race(t *testing.T, c *s3test.Client, reqs []*http.Request) map[int]int {
	t.Helper()
	statuses := make([]int, len(reqs))
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, req := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := c.HTTP.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			res.Body.Close()
			statuses[i] = res.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for i, s := range statuses {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		count[s]++
	}
	return count
}

// Concurrent conditional writes through HTTP: of writers racing with If-None-Match: * on a new
// key, or with If-Match on the ETag they all read, exactly one succeeds and every other gets
// 412, for PutObject and CompleteMultipartUpload alike; the object is the winner's.
func TestConditionalWriteRaces(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	c := srv.Client
	c.Must(t, 200, s3test.Request{Method: "PUT", Path: "/race", As: s3test.Owner})
	c.Must(t, 200, s3test.Request{Method: "PUT", Path: "/race/matched", Body: []byte("original"), As: s3test.Owner})
	c.Must(t, 200, s3test.Request{Method: "PUT", Path: "/race/mp-matched", Body: []byte("original"), As: s3test.Owner})
	put := func(key string, h http.Header) []*http.Request {
		reqs := make([]*http.Request, raceWriters)
		for i := range reqs {
			reqs[i] = c.NewRequest(t, s3test.Request{Method: "PUT", Path: "/race/" + key, Header: h, Body: []byte(fmt.Sprintf("writer %d", i)), As: s3test.Owner})
		}
		return reqs
	}
	complete := func(key string, h http.Header) []*http.Request {
		reqs := make([]*http.Request, raceWriters)
		for i := range reqs {
			path, doc := newUpload(t, c, "race", key, fmt.Sprintf("writer %d", i))
			reqs[i] = c.NewRequest(t, s3test.Request{Method: "POST", Path: path, Header: h, Body: []byte(doc), As: s3test.Owner})
		}
		return reqs
	}
	tests := []struct {
		name string
		key  string
		reqs func(key string, h http.Header) []*http.Request
		h    http.Header
	}{
		{"PutObject If-None-Match", "new", put, hdr("If-None-Match", "*")},
		{"PutObject If-Match", "matched", put, hdr("If-Match", etagOf("original"))},
		{"CompleteMultipartUpload If-None-Match", "mp-new", complete, hdr("If-None-Match", "*")},
		{"CompleteMultipartUpload If-Match", "mp-matched", complete, hdr("If-Match", etagOf("original"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := race(t, c, tt.reqs(tt.key, tt.h))
			if got[200] != 1 || got[412] != raceWriters-1 {
				t.Fatalf("statuses %v, want one 200 and %d 412", got, raceWriters-1)
			}
			// The object is one writer's, whole.
			body := string(c.Must(t, 200, s3test.Request{Method: "GET", Path: "/race/" + tt.key, As: s3test.Owner}))
			if !strings.HasPrefix(body, "writer ") {
				t.Errorf("the object holds %q, want one writer's body", body)
			}
		})
	}
}
