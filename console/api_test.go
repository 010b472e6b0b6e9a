package console_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
)

func decode[T any](t *testing.T, data []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	return v
}

// TestBuckets creates, lists and deletes buckets, and shows S3's own refusals.
func TestBuckets(t *testing.T) {
	e := start(t, nil)
	owner, other := e.signIn(s3test.Owner), e.signIn(s3test.Other)
	type list struct{ Buckets []struct{ Name string } }
	if got := decode[list](t, owner.want(http.StatusOK, http.MethodGet, "/api/buckets", nil)); len(got.Buckets) != 0 {
		t.Fatalf("a new server lists %v", got)
	}
	owner.want(http.StatusCreated, http.MethodPost, "/api/buckets", jsonOf(map[string]string{"name": "photos"}))
	owner.want(http.StatusCreated, http.MethodPost, "/api/buckets", jsonOf(map[string]string{"name": "docs", "region": s3test.Region}))
	got := decode[list](t, owner.want(http.StatusOK, http.MethodGet, "/api/buckets", nil))
	if len(got.Buckets) != 2 || got.Buckets[0].Name != "docs" || got.Buckets[1].Name != "photos" {
		t.Fatalf("owner lists %+v", got)
	}
	if got := decode[list](t, other.want(http.StatusOK, http.MethodGet, "/api/buckets", nil)); len(got.Buckets) != 0 {
		t.Fatalf("another user lists %+v", got)
	}
	refusals := []struct {
		name            string
		b               *browser
		method, path    string
		body            any
		status          int
		code, message   string
		s3Method, s3Url string
	}{
		{"name taken by another user", other, http.MethodPost, "/api/buckets", jsonOf(map[string]string{"name": "photos"}),
			http.StatusConflict, "BucketAlreadyExists", "", http.MethodPut, "/photos"},
		{"invalid name", owner, http.MethodPost, "/api/buckets", jsonOf(map[string]string{"name": "No_Such"}),
			http.StatusBadRequest, "InvalidBucketName", "", http.MethodPut, "/No_Such"},
		{"escaped slash in a name", owner, http.MethodDelete, "/api/buckets/photos%2Fx", nil,
			http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid.", "", ""},
		{"unknown bucket", owner, http.MethodDelete, "/api/buckets/nosuch", nil,
			http.StatusNotFound, "NoSuchBucket", "", http.MethodDelete, "/nosuch"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			res, body := tt.b.send(tt.method, tt.path, tt.body, nil)
			msg := tt.message
			if tt.s3Method != "" {
				// The console's error is S3's, code and message alike.
				as := s3test.Owner
				if tt.b == other {
					as = s3test.Other
				}
				r, b := e.S3.Do(t, s3test.Request{Method: tt.s3Method, Path: tt.s3Url, As: as, At: e.clock.Now()})
				msg = s3test.WantError(t, tt.name, r, b, tt.status, tt.code, "").Message
			}
			wantError(t, res, body, tt.status, tt.code, msg)
		})
	}
	owner.want(http.StatusNoContent, http.MethodDelete, "/api/buckets/photos", nil)
	got = decode[list](t, owner.want(http.StatusOK, http.MethodGet, "/api/buckets", nil))
	if len(got.Buckets) != 1 || got.Buckets[0].Name != "docs" {
		t.Fatalf("after delete, owner lists %+v", got)
	}
}

// TestObjects uploads, lists by prefix with paging, downloads, describes and deletes objects.
func TestObjects(t *testing.T) {
	e := start(t, nil)
	b := e.signIn(s3test.Owner)
	b.want(http.StatusCreated, http.MethodPost, "/api/buckets", jsonOf(map[string]string{"name": "data"}))
	keys := []string{"a.txt", "dir/b.txt", "dir/c d+e.txt", "dir/sub/f.txt", "z é.txt"}
	for _, k := range keys {
		res, body := b.send(http.MethodPut, "/api/buckets/data/object?key="+url.QueryEscape(k), []byte("content of "+k),
			map[string]string{"Content-Type": "text/plain", "X-Amz-Meta-Owner": "ops"})
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"etag":"\"`) {
			t.Fatalf("upload %q: %d %s", k, res.StatusCode, body)
		}
	}
	type page struct {
		Objects []struct {
			Key  string
			Size int64
		}
		Prefixes  []string
		Truncated bool
		NextToken string
	}
	// Page through the top level two entries at a time.
	var names []string
	token := ""
	for range 10 {
		q := url.Values{"delimiter": {"/"}, "max": {"2"}}
		if token != "" {
			q.Set("token", token)
		}
		p := decode[page](t, b.want(http.StatusOK, http.MethodGet, "/api/buckets/data/objects?"+q.Encode(), nil))
		for _, o := range p.Objects {
			names = append(names, o.Key)
		}
		names = append(names, p.Prefixes...)
		if !p.Truncated {
			break
		}
		token = p.NextToken
	}
	if got := strings.Join(names, ","); got != "a.txt,dir/,z é.txt" {
		t.Fatalf("top level: %s", got)
	}
	p := decode[page](t, b.want(http.StatusOK, http.MethodGet, "/api/buckets/data/objects?prefix=dir/&delimiter=/", nil))
	if len(p.Objects) != 2 || p.Objects[1].Key != "dir/c d+e.txt" || p.Objects[1].Size != int64(len("content of dir/c d+e.txt")) || len(p.Prefixes) != 1 || p.Prefixes[0] != "dir/sub/" {
		t.Fatalf("dir/: %+v", p)
	}
	for _, max := range []string{"0", "1001", "x"} {
		res, body := b.send(http.MethodGet, "/api/buckets/data/objects?max="+max, nil, nil)
		wantError(t, res, body, http.StatusBadRequest, "InvalidArgument", "")
	}

	// Download: S3's bytes, as an attachment never rendered on the console's origin.
	res, body := b.send(http.MethodGet, "/api/buckets/data/object?key="+url.QueryEscape("dir/c d+e.txt"), nil, nil)
	if res.StatusCode != http.StatusOK || string(body) != "content of dir/c d+e.txt" || res.Header.Get("Content-Type") != "text/plain" ||
		res.Header.Get("Content-Disposition") != `attachment; filename="c d+e.txt"` || !strings.HasPrefix(res.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("download: %d %q %v", res.StatusCode, body, res.Header)
	}
	res, body = b.send(http.MethodGet, "/api/buckets/data/object?key=a.txt", nil, map[string]string{"Range": "bytes=0-6"})
	if res.StatusCode != http.StatusPartialContent || string(body) != "content" || res.Header.Get("Content-Range") != "bytes 0-6/16" {
		t.Fatalf("range: %d %q %v", res.StatusCode, body, res.Header)
	}
	res, body = b.send(http.MethodGet, "/api/buckets/data/object?key=nosuch", nil, nil)
	wantError(t, res, body, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")

	// Details, with the checksum S3 stored.
	type det struct {
		Size        int64
		ETag        string
		ContentType string
		Metadata    map[string]string
		Checksums   map[string]string
	}
	d := decode[det](t, b.want(http.StatusOK, http.MethodGet, "/api/buckets/data/details?key=a.txt", nil))
	if d.Size != 16 || d.ETag == "" || d.ContentType != "text/plain" || d.Metadata["owner"] != "ops" {
		t.Fatalf("details: %+v", d)
	}
	sum := base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE([]byte("x"))))
	if res, body := b.send(http.MethodPut, "/api/buckets/data/object?key=summed", []byte("x"), map[string]string{"X-Amz-Checksum-Crc32": sum}); res.StatusCode != http.StatusOK {
		t.Fatalf("upload with a checksum: %d %s", res.StatusCode, body)
	}
	if d := decode[det](t, b.want(http.StatusOK, http.MethodGet, "/api/buckets/data/details?key=summed", nil)); d.Checksums["crc32"] != sum {
		t.Fatalf("checksums: %+v", d)
	}
	res, body = b.send(http.MethodGet, "/api/buckets/data/details?key=nosuch", nil, nil)
	wantError(t, res, body, http.StatusNotFound, "NotFound", "Not Found")
	res, body = b.send(http.MethodGet, "/api/buckets/data/details", nil, nil)
	wantError(t, res, body, http.StatusBadRequest, "InvalidArgument", "")

	// Delete.
	b.want(http.StatusNoContent, http.MethodDelete, "/api/buckets/data/object?key=a.txt", nil)
	res, body = b.send(http.MethodGet, "/api/buckets/data/details?key=a.txt", nil, nil)
	wantError(t, res, body, http.StatusNotFound, "NotFound", "")
}

// TestLargeDownload streams an object larger than the console reads whole.
func TestLargeDownload(t *testing.T) {
	e := start(t, nil)
	b := e.signIn(s3test.Owner)
	b.want(http.StatusCreated, http.MethodPost, "/api/buckets", jsonOf(map[string]string{"name": "big"}))
	data := make([]byte, 40<<20)
	_, _ = rand.Read(data)
	b.want(http.StatusOK, http.MethodPut, "/api/buckets/big/object?key=blob", data)
	got := b.want(http.StatusOK, http.MethodGet, "/api/buckets/big/object?key=blob", nil)
	if !bytes.Equal(got, data) {
		t.Fatalf("downloaded %d bytes, not the %d uploaded", len(got), len(data))
	}
}

// TestMultipart uploads an object in parts, and aborts another upload.
func TestMultipart(t *testing.T) {
	e := start(t, nil)
	b := e.signIn(s3test.Owner)
	b.want(http.StatusCreated, http.MethodPost, "/api/buckets", jsonOf(map[string]string{"name": "mpu"}))
	type created struct{ UploadID string }
	up := decode[created](t, b.want(http.StatusOK, http.MethodPost, "/api/buckets/mpu/uploads", jsonOf(map[string]string{"key": "film.bin", "contentType": "video/mp4"})))
	if up.UploadID == "" {
		t.Fatal("no upload id")
	}
	parts := [][]byte{bytes.Repeat([]byte("a"), 5<<20), []byte("tail")}
	type done struct {
		N    int    `json:"n"`
		ETag string `json:"etag"`
	}
	var list []done
	for i, p := range parts {
		path := fmt.Sprintf("/api/buckets/mpu/uploads/%s/parts/%d?key=film.bin", url.PathEscape(up.UploadID), i+1)
		r := decode[struct{ ETag string }](t, b.want(http.StatusOK, http.MethodPut, path, p))
		list = append(list, done{i + 1, r.ETag})
	}
	// Too small a first part: S3's own refusal, in the 200 or not as S3 answers it.
	bad := []done{{1, list[1].ETag}, {2, list[1].ETag}}
	res, body := b.send(http.MethodPost, "/api/buckets/mpu/uploads/"+up.UploadID+"/complete", jsonOf(map[string]any{"key": "film.bin", "parts": bad}), nil)
	wantError(t, res, body, http.StatusBadRequest, "InvalidPart", "")
	c := decode[struct{ ETag string }](t, b.want(http.StatusOK, http.MethodPost, "/api/buckets/mpu/uploads/"+up.UploadID+"/complete", jsonOf(map[string]any{"key": "film.bin", "parts": list})))
	if !strings.HasSuffix(c.ETag, `-2"`) {
		t.Fatalf("complete: %+v", c)
	}
	got := b.want(http.StatusOK, http.MethodGet, "/api/buckets/mpu/object?key=film.bin", nil)
	if !bytes.Equal(got, append(append([]byte{}, parts[0]...), parts[1]...)) {
		t.Fatal("the assembled object differs from its parts")
	}

	up = decode[created](t, b.want(http.StatusOK, http.MethodPost, "/api/buckets/mpu/uploads", jsonOf(map[string]string{"key": "gone"})))
	b.want(http.StatusNoContent, http.MethodDelete, "/api/buckets/mpu/uploads/"+up.UploadID+"?key=gone", nil)
	res, body = b.send(http.MethodPut, "/api/buckets/mpu/uploads/"+up.UploadID+"/parts/1?key=gone", []byte("x"), nil)
	wantError(t, res, body, http.StatusNotFound, "NoSuchUpload", "")
}

// TestPresign makes presigned URLs and uses them against the S3 endpoint itself.
func TestPresign(t *testing.T) {
	e := start(t, nil)
	b := e.signIn(s3test.Owner)
	b.want(http.StatusCreated, http.MethodPost, "/api/buckets", jsonOf(map[string]string{"name": "share"}))
	type signed struct{ URL string }
	put := decode[signed](t, b.want(http.StatusOK, http.MethodPost, "/api/buckets/share/presign", jsonOf(map[string]any{"key": "new file.txt", "method": "PUT", "expiresSeconds": 60})))
	if !strings.HasPrefix(put.URL, e.S3.URL+"/share/new%20file.txt?") {
		t.Fatalf("url %s", put.URL)
	}
	e.direct(http.StatusOK, s3test.Request{URL: put.URL, Method: http.MethodPut, Body: []byte("shared")})
	get := decode[signed](t, b.want(http.StatusOK, http.MethodPost, "/api/buckets/share/presign", jsonOf(map[string]any{"key": "new file.txt", "method": "GET", "expiresSeconds": 604800})))
	if got := e.direct(http.StatusOK, s3test.Request{URL: get.URL, Method: http.MethodGet}); string(got) != "shared" {
		t.Fatalf("presigned GET: %q", got)
	}
	head := decode[signed](t, b.want(http.StatusOK, http.MethodPost, "/api/buckets/share/presign", jsonOf(map[string]any{"key": "new file.txt", "method": "HEAD", "expiresSeconds": 60})))
	e.direct(http.StatusOK, s3test.Request{URL: head.URL, Method: http.MethodHead})
	del := decode[signed](t, b.want(http.StatusOK, http.MethodPost, "/api/buckets/share/presign", jsonOf(map[string]any{"key": "new file.txt", "method": "DELETE", "expiresSeconds": 60})))
	e.direct(http.StatusNoContent, s3test.Request{URL: del.URL, Method: http.MethodDelete})
	e.direct(http.StatusNotFound, s3test.Request{URL: head.URL, Method: http.MethodHead})
	// A URL is good for its method alone: the signature covers it.
	e.direct(http.StatusForbidden, s3test.Request{URL: get.URL, Method: http.MethodDelete})
	for _, in := range []map[string]any{
		{"key": "k", "method": "GET", "expiresSeconds": 0},
		{"key": "k", "method": "GET", "expiresSeconds": 604801},
		{"key": "k", "method": "POST", "expiresSeconds": 60},
		{"key": "k", "method": "get", "expiresSeconds": 60},
		{"key": "", "method": "GET", "expiresSeconds": 60},
	} {
		res, body := b.send(http.MethodPost, "/api/buckets/share/presign", jsonOf(in), nil)
		wantError(t, res, body, http.StatusBadRequest, "InvalidArgument", "")
	}
}

// dotSegment tells whether a URL path segment, as written, is one a browser removes when it
// parses the URL: "." or "..", escaped or not (https://url.spec.whatwg.org/#single-dot-path-segment).
func dotSegment(seg string) bool {
	switch strings.ToLower(seg) {
	case ".", "%2e", "..", ".%2e", "%2e.", "%2e%2e":
		return true
	}
	return false
}

// TestPresignDotSegments: keys with "." and ".." segments are stored and listed as they are,
// and their presigned URLs keep no dot segment for a browser to remove; sent as they are (Go's
// net/http, like curl --path-as-is and the SDKs, normalises nothing), they reach the key they
// were made for.
func TestPresignDotSegments(t *testing.T) {
	e := start(t, nil)
	b := e.signIn(s3test.Owner)
	b.want(http.StatusCreated, http.MethodPost, "/api/buckets", jsonOf(map[string]string{"name": "dots"}))
	keys := []string{"x/../y.txt", "./a", "a/.", "..", "x/./../y"}
	for _, key := range keys {
		t.Run(key, func(t *testing.T) {
			b.want(http.StatusOK, http.MethodPut, "/api/buckets/dots/object?key="+url.QueryEscape(key), []byte("content of "+key))
			signed := decode[struct{ URL string }](t, b.want(http.StatusOK, http.MethodPost, "/api/buckets/dots/presign",
				jsonOf(map[string]any{"key": key, "method": "GET", "expiresSeconds": 60})))
			u, err := url.Parse(signed.URL)
			if err != nil {
				t.Fatal(err)
			}
			for _, seg := range strings.Split(u.EscapedPath(), "/") {
				if dotSegment(seg) {
					t.Fatalf("a browser removes the segment %q of %s", seg, signed.URL)
				}
			}
			res, err := http.Get(signed.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusOK || string(body) != "content of "+key {
				t.Fatalf("GET %s: %d %s", signed.URL, res.StatusCode, body)
			}
		})
	}
	type page struct{ Objects []struct{ Key string } }
	var listed []string
	for _, o := range decode[page](t, b.want(http.StatusOK, http.MethodGet, "/api/buckets/dots/objects", nil)).Objects {
		listed = append(listed, o.Key)
	}
	want := slices.Clone(keys)
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Fatalf("listed %q, want %q", listed, want)
	}
}
