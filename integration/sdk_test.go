package integration

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/doorman-s3/doorman/internal/s3test"
)

const mib = 1 << 20

// getAll fetches an object through the SDK and returns its output and body.
func getAll(t testing.TB, c *s3.Client, in *s3.GetObjectInput) (*s3.GetObjectOutput, []byte) {
	t.Helper()
	out, err := c.GetObject(context.Background(), in)
	if err != nil {
		t.Fatalf("GetObject %s: %v", aws.ToString(in.Key), err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("GetObject %s body: %v", aws.ToString(in.Key), err)
	}
	return out, b
}

func putBytes(t testing.TB, c *s3.Client, bucket, key string, body []byte) *s3.PutObjectOutput {
	t.Helper()
	out, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatalf("PutObject %s: %v", key, err)
	}
	return out
}

// The everyday object operations through aws-sdk-go-v2 against one server, each subtest in a
// bucket of its own.
func TestSDKObjects(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "")
	c := srv.client()
	ctx := context.Background()

	t.Run("Lifecycle", func(t *testing.T) {
		t.Parallel()
		b := srv.createBucket(t, "sdk-life")
		body := pseudoRandom(1, 100_000)
		put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("dir/obj.bin"), Body: bytes.NewReader(body),
			ContentType: aws.String("application/x-test"), CacheControl: aws.String("max-age=60"),
			Metadata: map[string]string{"color": "blue", "Mixed-Case": "Value"}})
		if err != nil {
			t.Fatal(err)
		}
		etag := `"` + md5HexOf(body) + `"`
		if aws.ToString(put.ETag) != etag {
			t.Errorf("PutObject ETag %s, want %s", aws.ToString(put.ETag), etag)
		}
		get, got := getAll(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("dir/obj.bin")})
		if !bytes.Equal(got, body) {
			t.Errorf("GetObject body differs (%d bytes, want %d)", len(got), len(body))
		}
		if aws.ToString(get.ETag) != etag || aws.ToInt64(get.ContentLength) != int64(len(body)) ||
			aws.ToString(get.ContentType) != "application/x-test" || aws.ToString(get.CacheControl) != "max-age=60" ||
			get.Metadata["color"] != "blue" || get.Metadata["mixed-case"] != "Value" {
			t.Errorf("GetObject: etag %s length %d type %q cache %q metadata %v", aws.ToString(get.ETag), aws.ToInt64(get.ContentLength),
				aws.ToString(get.ContentType), aws.ToString(get.CacheControl), get.Metadata)
		}
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("dir/obj.bin")})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(head.ETag) != etag || aws.ToInt64(head.ContentLength) != int64(len(body)) || head.Metadata["color"] != "blue" {
			t.Errorf("HeadObject: etag %s length %d metadata %v", aws.ToString(head.ETag), aws.ToInt64(head.ContentLength), head.Metadata)
		}
		if d := time.Since(aws.ToTime(head.LastModified)); d < -time.Minute || d > time.Minute {
			t.Errorf("HeadObject LastModified %v is not now", head.LastModified)
		}
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("dir/obj.bin")}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("dir/obj.bin")}); httpStatus(err) != 404 {
			t.Errorf("HeadObject after delete: %v, want 404", err)
		}
		if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("dir/obj.bin")}); apiCode(err) != "NoSuchKey" {
			t.Errorf("GetObject after delete: %v, want NoSuchKey", err)
		}
		// Deleting a missing key succeeds, as in S3.
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("never-there")}); err != nil {
			t.Errorf("DeleteObject of a missing key: %v", err)
		}

		// DeleteObjects, including a key that does not exist.
		for _, k := range []string{"m/1", "m/2", "m/3", "keep"} {
			putBytes(t, c, b, k, []byte(k))
		}
		del, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(b), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
			{Key: aws.String("m/1")}, {Key: aws.String("m/2")}, {Key: aws.String("m/3")}, {Key: aws.String("m/missing")}}}})
		if err != nil {
			t.Fatal(err)
		}
		var deleted []string
		for _, d := range del.Deleted {
			deleted = append(deleted, aws.ToString(d.Key))
		}
		slices.Sort(deleted)
		if !slices.Equal(deleted, []string{"m/1", "m/2", "m/3", "m/missing"}) || len(del.Errors) != 0 {
			t.Errorf("DeleteObjects: deleted %v, errors %v", deleted, del.Errors)
		}
		if keys := listKeysV2(t, c, b, ""); !slices.Equal(keys, []string{"keep"}) {
			t.Errorf("after DeleteObjects the bucket holds %v, want [keep]", keys)
		}
		// Quiet mode reports nothing for successes.
		q, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(b), Delete: &types.Delete{Quiet: aws.Bool(true),
			Objects: []types.ObjectIdentifier{{Key: aws.String("keep")}}}})
		if err != nil || len(q.Deleted) != 0 || len(q.Errors) != 0 {
			t.Errorf("quiet DeleteObjects: %v %+v", err, q)
		}
		if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Errorf("DeleteBucket of the emptied bucket: %v", err)
		}
		if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(b)}); httpStatus(err) != 404 {
			t.Errorf("HeadBucket after DeleteBucket: %v, want 404", err)
		}
	})

	t.Run("CopyObject", func(t *testing.T) {
		t.Parallel()
		b := srv.createBucket(t, "sdk-copy")
		b2 := srv.createBucket(t, "sdk-copy-dest")
		body := pseudoRandom(2, 70_000)
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("src key+ü"), Body: bytes.NewReader(body),
			ContentType: aws.String("text/x-source"), Metadata: map[string]string{"origin": "source"}}); err != nil {
			t.Fatal(err)
		}
		src := b + "/" + url.PathEscape("src key+ü")
		// COPY (the default) keeps the source's metadata.
		cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b2), Key: aws.String("copied"), CopySource: aws.String(src),
			Metadata: map[string]string{"ignored": "yes"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(cp.CopyObjectResult.ETag); got != `"`+md5HexOf(body)+`"` {
			t.Errorf("CopyObject ETag %s, want the source's", got)
		}
		out, got := getAll(t, c, &s3.GetObjectInput{Bucket: aws.String(b2), Key: aws.String("copied")})
		if !bytes.Equal(got, body) || aws.ToString(out.ContentType) != "text/x-source" || out.Metadata["origin"] != "source" || out.Metadata["ignored"] != "" {
			t.Errorf("COPY: body equal %v, type %q, metadata %v", bytes.Equal(got, body), aws.ToString(out.ContentType), out.Metadata)
		}
		// REPLACE takes the request's metadata.
		if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("replaced"), CopySource: aws.String(src),
			MetadataDirective: types.MetadataDirectiveReplace, ContentType: aws.String("text/x-new"),
			Metadata: map[string]string{"fresh": "1"}}); err != nil {
			t.Fatal(err)
		}
		out, got = getAll(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("replaced")})
		if !bytes.Equal(got, body) || aws.ToString(out.ContentType) != "text/x-new" || out.Metadata["fresh"] != "1" || out.Metadata["origin"] != "" {
			t.Errorf("REPLACE: body equal %v, type %q, metadata %v", bytes.Equal(got, body), aws.ToString(out.ContentType), out.Metadata)
		}
		// Onto itself: refused without REPLACE, allowed with it.
		self := b + "/replaced"
		if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("replaced"), CopySource: aws.String(self)}); apiCode(err) != "InvalidRequest" {
			t.Errorf("copy onto itself without REPLACE: %v, want InvalidRequest", err)
		}
		if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("replaced"), CopySource: aws.String(self),
			MetadataDirective: types.MetadataDirectiveReplace, Metadata: map[string]string{"v": "2"}}); err != nil {
			t.Errorf("copy onto itself with REPLACE: %v", err)
		}
		if h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("replaced")}); err != nil || h.Metadata["v"] != "2" || h.Metadata["fresh"] != "" {
			t.Errorf("after self-copy: %v %v", err, h)
		}
		// Conditional copy and a missing source.
		if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("x"), CopySource: aws.String(src),
			CopySourceIfMatch: aws.String(`"0123456789abcdef0123456789abcdef"`)}); httpStatus(err) != 412 {
			t.Errorf("CopyObject with a false x-amz-copy-source-if-match: %v, want 412", err)
		}
		if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("x"), CopySource: aws.String(b + "/nope")}); apiCode(err) != "NoSuchKey" {
			t.Errorf("CopyObject of a missing source: %v, want NoSuchKey", err)
		}
	})

	t.Run("ListObjectsV2Paginator", func(t *testing.T) {
		t.Parallel()
		b := srv.createBucket(t, "sdk-list2")
		const n = 2500
		want := make([]string, n)
		for i := range want {
			want[i] = fmt.Sprintf("obj/%05d", i)
		}
		putMany(t, c, b, want)
		slices.Sort(want)
		p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(b)})
		var got []string
		pages := 0
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if int(aws.ToInt32(page.KeyCount)) != len(page.Contents) {
				t.Errorf("page %d: KeyCount %d for %d keys", pages, aws.ToInt32(page.KeyCount), len(page.Contents))
			}
			for _, o := range page.Contents {
				got = append(got, aws.ToString(o.Key))
				if aws.ToInt64(o.Size) != int64(len(aws.ToString(o.Key))) || aws.ToString(o.ETag) != `"`+md5HexOf([]byte(aws.ToString(o.Key)))+`"` {
					t.Fatalf("listed %s with size %d etag %s", aws.ToString(o.Key), aws.ToInt64(o.Size), aws.ToString(o.ETag))
				}
			}
		}
		if pages != 3 || !slices.Equal(got, want) {
			t.Errorf("paginated listing: %d pages, %d keys (want 3 pages, %d keys in order)", pages, len(got), n)
		}
		// max-keys=0: an empty page, complete.
		zero, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b), MaxKeys: aws.Int32(0)})
		if err != nil || len(zero.Contents) != 0 || aws.ToBool(zero.IsTruncated) || zero.NextContinuationToken != nil || aws.ToInt32(zero.KeyCount) != 0 {
			t.Errorf("ListObjectsV2 MaxKeys 0: %v, truncated %v, next token %v", err, aws.ToBool(zero.IsTruncated), aws.ToString(zero.NextContinuationToken))
		}
		zero1, err := c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String(b), MaxKeys: aws.Int32(0), Delimiter: aws.String("/")})
		if err != nil || len(zero1.Contents)+len(zero1.CommonPrefixes) != 0 || aws.ToBool(zero1.IsTruncated) || zero1.NextMarker != nil {
			t.Errorf("ListObjects MaxKeys 0: %v, truncated %v, next marker %v", err, aws.ToBool(zero1.IsTruncated), aws.ToString(zero1.NextMarker))
		}
		// StartAfter and a small page size.
		out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b), StartAfter: aws.String("obj/02497"), MaxKeys: aws.Int32(5)})
		if err != nil {
			t.Fatal(err)
		}
		if keys := objectKeys(out.Contents); !slices.Equal(keys, []string{"obj/02498", "obj/02499"}) || aws.ToBool(out.IsTruncated) {
			t.Errorf("StartAfter: %v truncated %v", keys, aws.ToBool(out.IsTruncated))
		}
	})

	t.Run("ListObjectsV1Delimiter", func(t *testing.T) {
		t.Parallel()
		b := srv.createBucket(t, "sdk-list1")
		putMany(t, c, b, []string{"a/1", "a/2", "b/1", "c", "d/e/f", "d/g", "e"})
		out, err := c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String(b), Delimiter: aws.String("/")})
		if err != nil {
			t.Fatal(err)
		}
		if keys, prefixes := objectKeys(out.Contents), commonPrefixes(out.CommonPrefixes); !slices.Equal(keys, []string{"c", "e"}) ||
			!slices.Equal(prefixes, []string{"a/", "b/", "d/"}) || aws.ToBool(out.IsTruncated) {
			t.Errorf("ListObjects /: keys %v prefixes %v truncated %v", keys, prefixes, aws.ToBool(out.IsTruncated))
		}
		out, err = c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String(b), Delimiter: aws.String("/"), Prefix: aws.String("d/")})
		if err != nil {
			t.Fatal(err)
		}
		if keys, prefixes := objectKeys(out.Contents), commonPrefixes(out.CommonPrefixes); !slices.Equal(keys, []string{"d/g"}) || !slices.Equal(prefixes, []string{"d/e/"}) {
			t.Errorf("ListObjects d/ /: keys %v prefixes %v", keys, prefixes)
		}
		// Pages of two entries, keys and prefixes counted alike, resumed at NextMarker.
		var seen []string
		marker := ""
		for range 10 {
			out, err = c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String(b), Delimiter: aws.String("/"), MaxKeys: aws.Int32(2), Marker: aws.String(marker)})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(out.Contents) + len(out.CommonPrefixes); n > 2 {
				t.Fatalf("page of %d entries with MaxKeys 2", n)
			}
			seen = append(seen, commonPrefixes(out.CommonPrefixes)...)
			seen = append(seen, objectKeys(out.Contents)...)
			if !aws.ToBool(out.IsTruncated) {
				break
			}
			marker = aws.ToString(out.NextMarker)
			if marker == "" {
				t.Fatal("truncated page with a delimiter but no NextMarker")
			}
		}
		slices.Sort(seen)
		if !slices.Equal(seen, []string{"a/", "b/", "c", "d/", "e"}) {
			t.Errorf("paged v1 listing saw %v", seen)
		}
	})

	t.Run("ManagerUploader", func(t *testing.T) {
		t.Parallel()
		b := srv.createBucket(t, "sdk-manager")
		body := pseudoRandom(3, 17*mib)
		etag, err := managerUpload(ctx, c, 5*mib, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("big/17mib"), Body: bytes.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		want := `"` + multipartETag(body[:5*mib], body[5*mib:10*mib], body[10*mib:15*mib], body[15*mib:]) + `"`
		if etag != want {
			t.Errorf("uploader ETag %s, want %s", etag, want)
		}
		out, got := getAll(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("big/17mib")})
		if !bytes.Equal(got, body) || aws.ToString(out.ETag) != want {
			t.Errorf("GET after multipart upload: %d bytes (equal %v), ETag %s", len(got), bytes.Equal(got, body), aws.ToString(out.ETag))
		}
	})

	t.Run("MultipartExplicit", func(t *testing.T) {
		t.Parallel()
		testExplicitMultipart(t, c, srv.createBucket(t, "sdk-multipart"))
	})

	t.Run("RangeAndConditions", func(t *testing.T) {
		t.Parallel()
		b := srv.createBucket(t, "sdk-range")
		body := pseudoRandom(4, 1000)
		etag := aws.ToString(putBytes(t, c, b, "r", body).ETag)
		for _, tc := range []struct {
			rng, contentRange string
			want              []byte
		}{
			{"bytes=10-19", "bytes 10-19/1000", body[10:20]},
			{"bytes=-5", "bytes 995-999/1000", body[995:]},
			{"bytes=990-", "bytes 990-999/1000", body[990:]},
			{"bytes=900-5000", "bytes 900-999/1000", body[900:]},
		} {
			out, got := getAll(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("r"), Range: aws.String(tc.rng)})
			if !bytes.Equal(got, tc.want) || aws.ToString(out.ContentRange) != tc.contentRange || aws.ToInt64(out.ContentLength) != int64(len(tc.want)) {
				t.Errorf("Range %s: %d bytes (equal %v), Content-Range %q", tc.rng, len(got), bytes.Equal(got, tc.want), aws.ToString(out.ContentRange))
			}
		}
		if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("r"), Range: aws.String("bytes=1000-")}); apiCode(err) != "InvalidRange" || httpStatus(err) != 416 {
			t.Errorf("unsatisfiable range: %v, want 416 InvalidRange", err)
		}
		past, future := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
		for _, tc := range []struct {
			name   string
			in     s3.GetObjectInput
			status int
		}{
			{"If-None-Match same", s3.GetObjectInput{IfNoneMatch: aws.String(etag)}, 304},
			{"If-None-Match other", s3.GetObjectInput{IfNoneMatch: aws.String(`"abc"`)}, 200},
			{"If-Match same", s3.GetObjectInput{IfMatch: aws.String(etag)}, 200},
			{"If-Match other", s3.GetObjectInput{IfMatch: aws.String(`"0123456789abcdef0123456789abcdef"`)}, 412},
			{"If-Modified-Since future", s3.GetObjectInput{IfModifiedSince: aws.Time(future)}, 304},
			{"If-Modified-Since past", s3.GetObjectInput{IfModifiedSince: aws.Time(past)}, 200},
			{"If-Unmodified-Since past", s3.GetObjectInput{IfUnmodifiedSince: aws.Time(past)}, 412},
			{"If-Match true beats If-Unmodified-Since false", s3.GetObjectInput{IfMatch: aws.String(etag), IfUnmodifiedSince: aws.Time(past)}, 200},
		} {
			in := tc.in
			in.Bucket, in.Key = aws.String(b), aws.String("r")
			out, err := c.GetObject(ctx, &in)
			status := 200
			if err != nil {
				status = httpStatus(err)
			} else {
				got, _ := io.ReadAll(out.Body)
				out.Body.Close()
				if !bytes.Equal(got, body) {
					t.Errorf("%s: wrong body", tc.name)
				}
			}
			if status != tc.status {
				t.Errorf("%s: status %d (%v), want %d", tc.name, status, err, tc.status)
			}
			if tc.status == 412 && apiCode(err) != "PreconditionFailed" {
				t.Errorf("%s: code %q, want PreconditionFailed", tc.name, apiCode(err))
			}
		}
		if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("r"), IfNoneMatch: aws.String(etag)}); httpStatus(err) != 304 {
			t.Errorf("HeadObject If-None-Match: %v, want 304", err)
		}
		// Conditional writes.
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("r"), Body: strings.NewReader("x"), IfNoneMatch: aws.String("*")}); httpStatus(err) != 412 {
			t.Errorf("PutObject If-None-Match * over an existing key: %v, want 412", err)
		}
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("r"), Body: strings.NewReader("y"), IfMatch: aws.String(etag)}); err != nil {
			t.Errorf("PutObject If-Match current ETag: %v", err)
		}
		if _, got := getAll(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("r")}); string(got) != "y" {
			t.Errorf("after conditional overwrite: %q", got)
		}
	})

	t.Run("Presigned", func(t *testing.T) {
		t.Parallel()
		b := srv.createBucket(t, "sdk-presign")
		body := pseudoRandom(5, 3000)
		putBytes(t, c, b, "p/get me", body)
		pc := s3.NewPresignClient(c)
		preq, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("p/get me")}, s3.WithPresignExpires(5*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		res, got := srv.Do(t, s3test.Request{Method: preq.Method, URL: preq.URL, Header: preq.SignedHeader})
		if res.StatusCode != 200 || !bytes.Equal(got, body) {
			t.Errorf("presigned GET: %d, %d bytes", res.StatusCode, len(got))
		}
		// The signature covers the URL: change the key and it no longer matches.
		res, got = srv.Do(t, s3test.Request{Method: preq.Method, URL: strings.Replace(preq.URL, "get%20me", "get%20you", 1), Header: preq.SignedHeader})
		if res.StatusCode != 403 || s3test.ParseError(t, got).Code != "SignatureDoesNotMatch" {
			t.Errorf("tampered presigned GET: %d %s", res.StatusCode, got)
		}
		up := pseudoRandom(6, 4000)
		preq, err = pc.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("p/put"), ContentType: aws.String("text/x-presigned")},
			s3.WithPresignExpires(5*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		res, got = srv.Do(t, s3test.Request{Method: preq.Method, URL: preq.URL, Header: preq.SignedHeader, Body: up})
		if res.StatusCode != 200 || res.Header.Get("ETag") != `"`+md5HexOf(up)+`"` {
			t.Errorf("presigned PUT: %d %s %s", res.StatusCode, res.Header.Get("ETag"), got)
		}
		out, stored := getAll(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("p/put")})
		if !bytes.Equal(stored, up) || aws.ToString(out.ContentType) != "text/x-presigned" {
			t.Errorf("after presigned PUT: equal %v, type %q", bytes.Equal(stored, up), aws.ToString(out.ContentType))
		}
		// A signed header must be sent as signed.
		h := preq.SignedHeader.Clone()
		h.Set("Content-Type", "text/other")
		if res, got = srv.Do(t, s3test.Request{Method: preq.Method, URL: preq.URL, Header: h, Body: up}); res.StatusCode != 403 || s3test.ParseError(t, got).Code != "SignatureDoesNotMatch" {
			t.Errorf("presigned PUT with another Content-Type: %d %s", res.StatusCode, got)
		}
	})
}

// testExplicitMultipart drives every multipart call by hand: parts uploaded and copied (with a
// range), listed, completed with AWS's ETag, and another upload aborted.
func testExplicitMultipart(t *testing.T, c *s3.Client, b string) {
	ctx := context.Background()
	src := pseudoRandom(7, 6*mib)
	putBytes(t, c, b, "copy-src", src)
	create, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp/explicit"),
		ContentType: aws.String("text/x-mp"), Metadata: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	id := create.UploadId
	p1, p2, p3 := pseudoRandom(8, 5*mib), src[1*mib:6*mib], pseudoRandom(9, 1000)
	u1, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("mp/explicit"), UploadId: id, PartNumber: aws.Int32(1), Body: bytes.NewReader(p1)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(u1.ETag) != `"`+md5HexOf(p1)+`"` {
		t.Errorf("UploadPart ETag %s", aws.ToString(u1.ETag))
	}
	u2, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String(b), Key: aws.String("mp/explicit"), UploadId: id, PartNumber: aws.Int32(2),
		CopySource: aws.String(b + "/copy-src"), CopySourceRange: aws.String(fmt.Sprintf("bytes=%d-%d", 1*mib, 6*mib-1))})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(u2.CopyPartResult.ETag) != `"`+md5HexOf(p2)+`"` {
		t.Errorf("UploadPartCopy ETag %s, want md5 of the range", aws.ToString(u2.CopyPartResult.ETag))
	}
	u3, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("mp/explicit"), UploadId: id, PartNumber: aws.Int32(3), Body: bytes.NewReader(p3)})
	if err != nil {
		t.Fatal(err)
	}
	parts, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(b), Key: aws.String("mp/explicit"), UploadId: id})
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, p := range parts.Parts {
		listed = append(listed, fmt.Sprintf("%d:%d:%s", aws.ToInt32(p.PartNumber), aws.ToInt64(p.Size), aws.ToString(p.ETag)))
	}
	wantParts := []string{fmt.Sprintf("1:%d:\"%s\"", len(p1), md5HexOf(p1)), fmt.Sprintf("2:%d:\"%s\"", len(p2), md5HexOf(p2)), fmt.Sprintf("3:%d:\"%s\"", len(p3), md5HexOf(p3))}
	if !slices.Equal(listed, wantParts) {
		t.Errorf("ListParts: %v, want %v", listed, wantParts)
	}
	// ListParts pages.
	page, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(b), Key: aws.String("mp/explicit"), UploadId: id, MaxParts: aws.Int32(2)})
	if err != nil || len(page.Parts) != 2 || !aws.ToBool(page.IsTruncated) || aws.ToString(page.NextPartNumberMarker) != "2" {
		t.Errorf("ListParts MaxParts 2: %v %d parts truncated %v next %q", err, len(page.Parts), aws.ToBool(page.IsTruncated), aws.ToString(page.NextPartNumberMarker))
	}
	if ups := uploadIDs(t, c, b); !slices.Contains(ups, aws.ToString(id)) {
		t.Errorf("ListMultipartUploads %v lacks %s", ups, aws.ToString(id))
	}
	completed := []types.CompletedPart{
		{PartNumber: aws.Int32(1), ETag: u1.ETag, ChecksumCRC32: u1.ChecksumCRC32},
		{PartNumber: aws.Int32(2), ETag: u2.CopyPartResult.ETag, ChecksumCRC32: u2.CopyPartResult.ChecksumCRC32},
		{PartNumber: aws.Int32(3), ETag: u3.ETag, ChecksumCRC32: u3.ChecksumCRC32},
	}
	// A wrong ETag, and parts out of order, are refused and leave the upload in place.
	bad := slices.Clone(completed)
	bad[1].ETag = aws.String(`"0123456789abcdef0123456789abcdef"`)
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp/explicit"), UploadId: id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: bad}}); apiCode(err) != "InvalidPart" {
		t.Errorf("Complete with a wrong ETag: %v, want InvalidPart", err)
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp/explicit"), UploadId: id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{completed[1], completed[0]}}}); apiCode(err) != "InvalidPartOrder" {
		t.Errorf("Complete out of order: %v, want InvalidPartOrder", err)
	}
	done, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp/explicit"), UploadId: id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: completed}})
	if err != nil {
		t.Fatal(err)
	}
	want := `"` + multipartETag(p1, p2, p3) + `"`
	if aws.ToString(done.ETag) != want {
		t.Errorf("CompleteMultipartUpload ETag %s, want %s", aws.ToString(done.ETag), want)
	}
	out, got := getAll(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("mp/explicit")})
	if !bytes.Equal(got, slices.Concat(p1, p2, p3)) || aws.ToString(out.ETag) != want || aws.ToString(out.ContentType) != "text/x-mp" || out.Metadata["k"] != "v" {
		t.Errorf("assembled object: %d bytes, ETag %s, type %q, metadata %v", len(got), aws.ToString(out.ETag), aws.ToString(out.ContentType), out.Metadata)
	}
	if ups := uploadIDs(t, c, b); slices.Contains(ups, aws.ToString(id)) {
		t.Errorf("completed upload still listed: %v", ups)
	}
	// A part too small, not last.
	small, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp/small")})
	if err != nil {
		t.Fatal(err)
	}
	var smallParts []types.CompletedPart
	for i := int32(1); i <= 2; i++ {
		u, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("mp/small"), UploadId: small.UploadId, PartNumber: aws.Int32(i), Body: strings.NewReader("tiny")})
		if err != nil {
			t.Fatal(err)
		}
		smallParts = append(smallParts, types.CompletedPart{PartNumber: aws.Int32(i), ETag: u.ETag, ChecksumCRC32: u.ChecksumCRC32})
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp/small"), UploadId: small.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: smallParts}}); apiCode(err) != "EntityTooSmall" {
		t.Errorf("Complete with a small first part: %v, want EntityTooSmall", err)
	}
	// Abort.
	if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp/small"), UploadId: small.UploadId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(b), Key: aws.String("mp/small"), UploadId: small.UploadId}); apiCode(err) != "NoSuchUpload" {
		t.Errorf("ListParts after abort: %v, want NoSuchUpload", err)
	}
	if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("mp/small"), UploadId: small.UploadId, PartNumber: aws.Int32(3), Body: strings.NewReader("x")}); apiCode(err) != "NoSuchUpload" {
		t.Errorf("UploadPart after abort: %v, want NoSuchUpload", err)
	}
	if ups := uploadIDs(t, c, b); len(ups) != 0 {
		t.Errorf("uploads left: %v", ups)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("mp/small")}); httpStatus(err) != 404 {
		t.Errorf("aborted upload left an object: %v", err)
	}
}

func uploadIDs(t testing.TB, c *s3.Client, b string) []string {
	t.Helper()
	out, err := c.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(b)})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range out.Uploads {
		ids = append(ids, aws.ToString(u.UploadId))
	}
	return ids
}

// putMany stores each key with the key itself as the body, from a few goroutines.
func putMany(t testing.TB, c *s3.Client, bucket string, keys []string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	next := make(chan string)
	for range 8 {
		wg.Go(func() {
			for k := range next {
				if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
					select {
					case errs <- fmt.Errorf("PutObject %s: %w", k, err):
					default:
					}
				}
			}
		})
	}
	for _, k := range keys {
		next <- k
	}
	close(next)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
}

func listKeysV2(t testing.TB, c *s3.Client, bucket, prefix string) []string {
	t.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, objectKeys(page.Contents)...)
	}
	return keys
}

func objectKeys(objs []types.Object) []string {
	var keys []string
	for _, o := range objs {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}

func commonPrefixes(cps []types.CommonPrefix) []string {
	var out []string
	for _, p := range cps {
		out = append(out, aws.ToString(p.Prefix))
	}
	return out
}
