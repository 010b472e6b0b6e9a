package integration

import (
	"bytes"
	"context"
	"encoding/xml"
	"io/fs"
	"net/http"
	"net/url"
	"os"
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

// Authentication, authorization and the input limits, against one server.
func TestSecurity(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	data := filepath.Join(root, "l1", "l2", "l3", "l4", "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	before := treeOutside(t, root, data)
	srv := startServer(t, data)
	c := srv.client()
	ctx := context.Background()
	priv := srv.createACLBucket(t, "sec-private") // a private bucket with a public object
	putBytes(t, c, priv, "secret.txt", []byte("top secret"))
	signed := func(method, path string, header http.Header, body []byte) s3test.Request {
		return s3test.Request{Method: method, Path: path, Header: header, Body: body, As: s3test.Owner}
	}

	t.Run("Authentication", func(t *testing.T) {
		t.Parallel()
		res, body := srv.Do(t, s3test.Request{Method: "GET", Path: "/sec-private/secret.txt"})
		s3test.WantError(t, "anonymous GET of a private object", res, body, 403, "AccessDenied", "Access Denied")
		res, body = srv.Do(t, s3test.Request{Method: "GET", Path: "/sec-private"})
		s3test.WantError(t, "anonymous listing of a private bucket", res, body, 403, "AccessDenied", "Access Denied")
		res, body = srv.Do(t, s3test.Request{Method: "GET", Path: "/"})
		s3test.WantError(t, "anonymous ListBuckets", res, body, 403, "AccessDenied", "")

		r := signed("GET", "/sec-private/secret.txt", nil, nil)
		r.As.SecretKey = "not-the-secret"
		res, body = srv.Do(t, r)
		s3test.WantError(t, "wrong secret", res, body, 403, "SignatureDoesNotMatch",
			"The request signature we calculated does not match the signature you provided. Check your key and signing method.")
		r = signed("GET", "/sec-private/secret.txt", nil, nil)
		r.As.AccessKey = "AKIDNOSUCHKEY"
		res, body = srv.Do(t, r)
		s3test.WantError(t, "unknown access key", res, body, 403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
		r = signed("GET", "/sec-private/secret.txt", nil, nil)
		r.At = time.Now().Add(-20 * time.Minute)
		res, body = srv.Do(t, r)
		s3test.WantError(t, "request signed 20 minutes ago", res, body, 403, "RequestTimeTooSkewed",
			"The difference between the request time and the current time is too large.")
		r = signed("GET", "/sec-private/secret.txt", nil, nil)
		r.At = time.Now().Add(20 * time.Minute)
		res, body = srv.Do(t, r)
		s3test.WantError(t, "request signed 20 minutes ahead", res, body, 403, "RequestTimeTooSkewed", "")

		// A signed header changed after signing.
		r = signed("GET", "/sec-private/secret.txt", http.Header{"X-Amz-Meta-Signed": {"a"}}, nil)
		r.Tamper = func(req *http.Request) { req.Header.Set("X-Amz-Meta-Signed", "b") }
		res, body = srv.Do(t, r)
		s3test.WantError(t, "signed header altered", res, body, 403, "SignatureDoesNotMatch", "")

		// The payload hash is checked against the body, and nothing is stored.
		r = signed("PUT", "/sec-private/tampered", nil, []byte("the real body"))
		r.PayloadHash = s3test.SHA256Hex([]byte("another body"))
		res, body = srv.Do(t, r)
		s3test.WantError(t, "x-amz-content-sha256 of another body", res, body, 400, "XAmzContentSHA256Mismatch", "")
		if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(priv), Key: aws.String("tampered")}); httpStatus(err) != 404 {
			t.Errorf("a PUT with a mismatched payload hash stored an object: %v", err)
		}

		// A presigned URL valid for one second, used after two.
		pc := s3.NewPresignClient(c)
		preq, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(priv), Key: aws.String("secret.txt")}, s3.WithPresignExpires(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(preq.URL, "X-Amz-Expires=1&") {
			t.Fatalf("presigned URL without X-Amz-Expires=1: %s", preq.URL)
		}
		time.Sleep(2 * time.Second)
		res, body = srv.Do(t, s3test.Request{Method: "GET", URL: preq.URL, Header: preq.SignedHeader})
		s3test.WantError(t, "expired presigned URL", res, body, 403, "AccessDenied", "Request has expired")

		// SigV2 query authentication: valid until Expires, refused after.
		res, body = srv.Do(t, s3test.Request{Method: "GET", Path: "/sec-private/secret.txt", As: s3test.Owner, Auth: s3test.SigV2Query, Expires: time.Minute})
		if res.StatusCode != 200 || string(body) != "top secret" {
			t.Errorf("SigV2 presigned GET: %d %s", res.StatusCode, body)
		}
		res, body = srv.Do(t, s3test.Request{Method: "GET", Path: "/sec-private/secret.txt", As: s3test.Owner, Auth: s3test.SigV2Query,
			At: time.Now().Add(-2 * time.Second), Expires: time.Second})
		s3test.WantError(t, "expired SigV2 presigned URL", res, body, 403, "AccessDenied", "Request has expired")
	})

	t.Run("CannedACLs", func(t *testing.T) {
		t.Parallel()
		pubRead := "sec-public-read"
		pubRW := "sec-public-rw"
		for _, b := range []struct {
			name string
			acl  types.BucketCannedACL
		}{{pubRead, types.BucketCannedACLPublicRead}, {pubRW, types.BucketCannedACLPublicReadWrite}} {
			createACLBucket(t, c, b.name, b.acl)
		}
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(priv), Key: aws.String("public.txt"), Body: strings.NewReader("for everyone"),
			ACL: types.ObjectCannedACLPublicRead}); err != nil {
			t.Fatal(err)
		}
		putBytes(t, c, pubRead, "private-in-public.txt", []byte("owner only"))

		res, body := srv.Do(t, s3test.Request{Method: "GET", Path: "/sec-private/public.txt"})
		if res.StatusCode != 200 || string(body) != "for everyone" {
			t.Errorf("anonymous GET of a public-read object: %d %s", res.StatusCode, body)
		}
		res, body = srv.Do(t, s3test.Request{Method: "HEAD", Path: "/sec-private/public.txt"})
		if res.StatusCode != 200 || res.ContentLength != int64(len("for everyone")) || len(body) != 0 {
			t.Errorf("anonymous HEAD of a public-read object: %d, Content-Length %d", res.StatusCode, res.ContentLength)
		}
		// The object's ACL does not open its bucket.
		res, body = srv.Do(t, s3test.Request{Method: "GET", Path: "/sec-private?list-type=2"})
		s3test.WantError(t, "anonymous listing of a private bucket with a public object", res, body, 403, "AccessDenied", "")
		// A public-read bucket lists to anyone, but its private objects stay private.
		res, body = srv.Do(t, s3test.Request{Method: "GET", Path: "/sec-public-read?list-type=2"})
		if res.StatusCode != 200 || !bytes.Contains(body, []byte("<Key>private-in-public.txt</Key>")) {
			t.Errorf("anonymous listing of a public-read bucket: %d %s", res.StatusCode, body)
		}
		res, body = srv.Do(t, s3test.Request{Method: "GET", Path: "/sec-public-read/private-in-public.txt"})
		s3test.WantError(t, "anonymous GET of a private object in a public-read bucket", res, body, 403, "AccessDenied", "")
		// Missing keys: 404 where the caller may list, 403 where it may not.
		res, body = srv.Do(t, s3test.Request{Method: "GET", Path: "/sec-public-read/nothing"})
		s3test.WantError(t, "anonymous GET of a missing key in a listable bucket", res, body, 404, "NoSuchKey", "")
		res, body = srv.Do(t, s3test.Request{Method: "GET", Path: "/sec-private/nothing"})
		s3test.WantError(t, "anonymous GET of a missing key in a private bucket", res, body, 403, "AccessDenied", "")
		// Anonymous writes: only into public-read-write.
		for _, b := range []string{"sec-private", "sec-public-read"} {
			res, body = srv.Do(t, s3test.Request{Method: "PUT", Path: "/" + b + "/anon.txt", Body: []byte("anon")})
			s3test.WantError(t, "anonymous PUT into "+b, res, body, 403, "AccessDenied", "")
			res, body = srv.Do(t, s3test.Request{Method: "DELETE", Path: "/" + b + "/private-in-public.txt"})
			s3test.WantError(t, "anonymous DELETE in "+b, res, body, 403, "AccessDenied", "")
		}
		if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(pubRead), Key: aws.String("private-in-public.txt")}); err != nil {
			t.Errorf("object gone after a refused anonymous DELETE: %v", err)
		}
		res, body = srv.Do(t, s3test.Request{Method: "PUT", Path: "/sec-public-rw/anon.txt", Body: []byte("anon")})
		if res.StatusCode != 200 {
			t.Errorf("anonymous PUT into a public-read-write bucket: %d %s", res.StatusCode, body)
		}
		if _, got := getAll(t, c, &s3.GetObjectInput{Bucket: aws.String(pubRW), Key: aws.String("anon.txt")}); string(got) != "anon" {
			t.Errorf("anonymous PUT stored %q", got)
		}
		// Configuration stays the owner's, whatever the ACL.
		res, body = srv.Do(t, s3test.Request{Method: "GET", Path: "/sec-public-rw?acl"})
		s3test.WantError(t, "anonymous GetBucketAcl of a public-read-write bucket", res, body, 403, "AccessDenied", "")
		res, body = srv.Do(t, s3test.Request{Method: "DELETE", Path: "/sec-public-rw"})
		s3test.WantError(t, "anonymous DeleteBucket of a public-read-write bucket", res, body, 403, "AccessDenied", "")
	})

	t.Run("Keys", func(t *testing.T) {
		t.Parallel()
		b := srv.createBucket(t, "sec-keys")
		keys := []string{
			"../../etc/passwd", "../../../../../../escape-deep", "..", ".", "./dot", "a/../b", "a/./b", "a//b", "/leading", "trailing/",
			"space key", "plus+key", "percent%2Fkey", "question?mark", "hash#tag", "semi;colon", "amp&er=sand",
			"unicode/日本語/ключ/🙂", "caf\u00e9", "cafe\u0301", strings.Repeat("k", 1024), strings.Repeat("é", 512),
		}
		for _, k := range keys {
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(k), Body: strings.NewReader("key:" + k)}); err != nil {
				t.Errorf("PutObject %.40q: %v", k, err)
			}
		}
		// Raw paths: dot segments and encoded slashes reach the server as they are.
		for path, key := range map[string]string{
			"/sec-keys/..%2F..%2F..%2F..%2F..%2F..%2Fraw-escape": "../../../../../../raw-escape",
			"/sec-keys/../../raw-dots":                           "../../raw-dots",
		} {
			res, body := srv.Do(t, signed("PUT", path, nil, []byte("key:"+key)))
			if res.StatusCode != 200 {
				t.Errorf("PUT %s: %d %s", path, res.StatusCode, body)
			}
			keys = append(keys, key)
		}
		for _, k := range keys {
			out, got := getAll(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(k)})
			if string(got) != "key:"+k || aws.ToInt64(out.ContentLength) != int64(len("key:"+k)) {
				t.Errorf("GET %.40q: %.60q", k, got)
			}
		}
		listed := listKeysV2(t, c, b, "")
		want := slices.Sorted(slices.Values(keys))
		if !slices.Equal(listed, want) {
			t.Errorf("listing:\n got %q\nwant %q", listed, want)
		}
		// Prefixes and markers with characters that need escaping in the signed query.
		for _, prefix := range []string{"space ", "plus+", "percent%", "question?", "hash#", "amp&er=", "unicode/日本語/", "café", "café"} {
			var wantPrefixed []string
			for _, k := range want {
				if strings.HasPrefix(k, prefix) {
					wantPrefixed = append(wantPrefixed, k)
				}
			}
			if got := listKeysV2(t, c, b, prefix); len(got) == 0 || !slices.Equal(got, wantPrefixed) {
				t.Errorf("listing with prefix %q: %q, want %q", prefix, got, wantPrefixed)
			}
		}
		after, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b), StartAfter: aws.String("question?mark"), MaxKeys: aws.Int32(1)})
		if i := slices.Index(want, "question?mark"); err != nil || len(after.Contents) != 1 || aws.ToString(after.Contents[0].Key) != want[i+1] {
			t.Errorf("StartAfter question?mark: %v %v", err, after)
		}
		// Copy sources name such keys escaped.
		for _, k := range []string{"question?mark", "hash#tag", "plus+key", "unicode/日本語/ключ/🙂", "../../etc/passwd"} {
			if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("sec-private"), Key: aws.String("copied/" + k),
				CopySource: aws.String(b + "/" + url.PathEscape(k))}); err != nil {
				t.Errorf("CopyObject from %q: %v", k, err)
				continue
			}
			if _, got := getAll(t, c, &s3.GetObjectInput{Bucket: aws.String("sec-private"), Key: aws.String("copied/" + k)}); string(got) != "key:"+k {
				t.Errorf("copy of %q holds %q", k, got)
			}
		}
		// The listing with encoding-type=url round-trips too.
		res, body := srv.Do(t, signed("GET", "/sec-keys?list-type=2&encoding-type=url", nil, nil))
		var l struct {
			Keys []string `xml:"Contents>Key"`
		}
		if err := xml.Unmarshal(body, &l); err != nil || res.StatusCode != 200 {
			t.Fatalf("encoding-type=url listing: %d %v", res.StatusCode, err)
		}
		// S3 form-encodes keys but keeps "/": "run books/x" is listed as "run+books/x".
		var wantEncoded []string
		for _, k := range want {
			wantEncoded = append(wantEncoded, strings.ReplaceAll(url.QueryEscape(k), "%2F", "/"))
		}
		if !slices.Equal(l.Keys, wantEncoded) {
			t.Errorf("encoding-type=url listing:\n got %q\nwant %q", l.Keys, wantEncoded)
		}
		res, body = srv.Do(t, signed("GET", "/sec-keys?list-type=2&encoding-type=url&prefix=unicode/&delimiter=/", nil, nil))
		if !bytes.Contains(body, []byte("<Prefix>unicode/%E6%97%A5%E6%9C%AC%E8%AA%9E/</Prefix>")) || !bytes.Contains(body, []byte("<Delimiter>/</Delimiter>")) {
			t.Errorf("encoding-type=url common prefixes: %d %s", res.StatusCode, body)
		}
		// Keys longer than 1024 bytes are refused.
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(strings.Repeat("k", 1025)), Body: strings.NewReader("x")}); apiCode(err) != "KeyTooLongError" || httpStatus(err) != 400 {
			t.Errorf("PutObject with a 1025-byte key: %v, want 400 KeyTooLongError", err)
		}
		res, body = srv.Do(t, signed("PUT", "/sec-keys/"+strings.Repeat("k", 1025), nil, []byte("x")))
		s3test.WantError(t, "PUT with a 1025-byte key", res, body, 400, "KeyTooLongError", "Your key is too long")
		if _, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String(strings.Repeat("é", 513))}); apiCode(err) != "KeyTooLongError" {
			t.Errorf("CreateMultipartUpload with a 1026-byte key: %v, want KeyTooLongError", err)
		}
		if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String(strings.Repeat("k", 1025)), CopySource: aws.String("sec-keys/space%20key")}); apiCode(err) != "KeyTooLongError" {
			t.Errorf("CopyObject to a 1025-byte key: %v, want KeyTooLongError", err)
		}
	})

	t.Run("Limits", func(t *testing.T) {
		t.Parallel()
		b := srv.createBucket(t, "sec-limits")
		// A header section over 8 KiB, signed or not.
		big := http.Header{"X-Amz-Meta-Big": {strings.Repeat("x", 9000)}}
		res, body := srv.Do(t, s3test.Request{Method: "GET", Path: "/sec-limits/k", Header: big})
		e := s3test.WantError(t, "9000-byte header, anonymous", res, body, 400, "RequestHeaderSectionTooLarge", "Your request header section exceeds the maximum allowed size.")
		if !bytes.Contains(body, []byte("<MaxSizeAllowed>8192</MaxSizeAllowed>")) {
			t.Errorf("RequestHeaderSectionTooLarge without MaxSizeAllowed 8192: %s (%v)", body, e)
		}
		res, body = srv.Do(t, signed("PUT", "/sec-limits/k", big, []byte("x")))
		s3test.WantError(t, "9000-byte header, signed PUT", res, body, 400, "RequestHeaderSectionTooLarge", "")
		if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("k")}); httpStatus(err) != 404 {
			t.Errorf("a refused PUT stored an object: %v", err)
		}
		// A header section just under the limit is fine.
		res, body = srv.Do(t, signed("PUT", "/sec-limits/k", http.Header{"X-Amz-Meta-Big": {strings.Repeat("x", 1500)}}, []byte("x")))
		if res.StatusCode != 200 {
			t.Errorf("PUT with a 1.5 KiB metadata header: %d %s", res.StatusCode, body)
		}

		// A CORS configuration over 64 KB.
		var doc bytes.Buffer
		doc.WriteString("<CORSConfiguration>")
		for i := 0; doc.Len() <= 70_000; i++ {
			doc.WriteString("<CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>https://origin-" + strings.Repeat("o", 40) + ".example</AllowedOrigin></CORSRule>")
		}
		doc.WriteString("</CORSConfiguration>")
		res, body = srv.Do(t, signed("PUT", "/sec-limits?cors", http.Header{"Content-Md5": {s3test.MD5Base64(doc.Bytes())}}, doc.Bytes()))
		s3test.WantError(t, "PutBucketCors of 70 KB", res, body, 400, "MaxMessageLengthExceeded", "Your request was too big.")
		if _, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String(b)}); apiCode(err) != "NoSuchCORSConfiguration" {
			t.Errorf("after a refused PutBucketCors: %v", err)
		}

		// Malformed XML.
		for _, bad := range []string{"<Delete><Object><Key>a</Key></Object>", "not xml at all", "<Delete></Delete>"} {
			res, body = srv.Do(t, signed("POST", "/sec-limits?delete", http.Header{"Content-Md5": {s3test.MD5Base64([]byte(bad))}}, []byte(bad)))
			s3test.WantError(t, "DeleteObjects with "+bad, res, body, 400, "MalformedXML",
				"The XML you provided was not well-formed or did not validate against our published schema")
		}
		up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp")})
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>", "{}", "<CompleteMultipartUpload></CompleteMultipartUpload>"} {
			res, body = srv.Do(t, signed("POST", "/sec-limits/mp?uploadId="+aws.ToString(up.UploadId), nil, []byte(bad)))
			s3test.WantError(t, "CompleteMultipartUpload with "+bad, res, body, 400, "MalformedXML", "")
		}
		// Error bodies of SDK-visible errors carry the request id too.
		res, body = srv.Do(t, signed("GET", "/sec-limits/none", nil, nil))
		s3test.WantError(t, "GET of a missing key", res, body, 404, "NoSuchKey", "The specified key does not exist.")
		res, body = srv.Do(t, signed("GET", "/no-such-bucket-here/k", nil, nil))
		s3test.WantError(t, "GET in a missing bucket", res, body, 404, "NoSuchBucket", "The specified bucket does not exist")
	})

	t.Cleanup(func() {
		srv.stop()
		if after := treeOutside(t, root, data); !slices.Equal(before, after) {
			t.Errorf("files appeared outside the data directory:\nbefore %q\nafter  %q", before, after)
		}
	})
}

// treeOutside lists every path under root that is not under data.
func treeOutside(t testing.TB, root, data string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == data {
			return fs.SkipDir
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, rel)
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}
