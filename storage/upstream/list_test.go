package upstream_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/upstream"
)

// listKeys are keys a listing must carry exactly: spaces, '+', '%', '=', control characters
// XML 1.0 cannot carry, non-ASCII, and nested delimiters.
var listKeys = []string{
	"a", "a b", "a+b", "a%b", "a=b", "a\x01ctl", "a\x1fb", "é/x", "é/y/z", "日本/語",
	"dir/with space+plus=é%.txt", "dir/sub/1", "dir/sub/2", "dir/sub2/3", "dir/x", "dir/", "z",
}

// makeBucket creates a bucket on the upstream directly and puts keys in it, each with its
// own name as its body.
func makeBucket(t *testing.T, up *testUpstream, bucket string, keys []string) *s3.Client {
	t.Helper()
	ctx := context.Background()
	c := up.S3(up.Service)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k),
			Body: strings.NewReader(k)}); err != nil {
			t.Fatalf("put %q: %v", k, err)
		}
	}
	return c
}

// unescape decodes a value of a listing the test asked with encoding-type=url.
func unescape(t *testing.T, s *string) string {
	t.Helper()
	v, err := url.QueryUnescape(aws.ToString(s))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// listed is a listing flattened: each object as "key etag size", each common prefix as
// "prefix/".
type listed struct {
	entries []string
	pages   int
}

// listDirect lists the bucket on the upstream directly, every page.
func listDirect(t *testing.T, c *s3.Client, bucket, prefix, delimiter string) []string {
	t.Helper()
	var out []string
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), EncodingType: types.EncodingTypeUrl}
	if prefix != "" {
		in.Prefix = aws.String(prefix)
	}
	if delimiter != "" {
		in.Delimiter = aws.String(delimiter)
	}
	p := s3.NewListObjectsV2Paginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			out = append(out, fmt.Sprintf("%q %s %d", unescape(t, o.Key), strings.Trim(aws.ToString(o.ETag), `"`), aws.ToInt64(o.Size)))
		}
		for _, cp := range page.CommonPrefixes {
			out = append(out, fmt.Sprintf("prefix %q", unescape(t, cp.Prefix)))
		}
	}
	slices.Sort(out)
	return out
}

// listBackend lists the bucket through b, page by page, each page starting after the last
// one's NextMarker.
func listBackend(t *testing.T, b *upstream.Backend, bucket, prefix, delimiter string, maxKeys int) listed {
	t.Helper()
	var l listed
	opts := storage.ListObjectsOptions{Prefix: prefix, Delimiter: delimiter, MaxKeys: maxKeys}
	for {
		res, err := b.ListObjects(context.Background(), bucket, opts)
		if err != nil {
			t.Fatal(err)
		}
		l.pages++
		if n := len(res.Objects) + len(res.CommonPrefixes); n > maxKeys || n == 0 && res.IsTruncated {
			t.Fatalf("page %d holds %d entries, max %d, truncated %v", l.pages, n, maxKeys, res.IsTruncated)
		}
		for _, o := range res.Objects {
			if o.Bucket != bucket || o.LastModified.IsZero() || o.StorageClass == "" || o.Owner != "" {
				t.Errorf("listed %+v", o)
			}
			l.entries = append(l.entries, fmt.Sprintf("%q %s %d", o.Key, o.ETag, o.Size))
		}
		for _, cp := range res.CommonPrefixes {
			l.entries = append(l.entries, fmt.Sprintf("prefix %q", cp))
		}
		if !res.IsTruncated {
			if res.NextMarker != "" {
				t.Errorf("NextMarker %q on the last page", res.NextMarker)
			}
			break
		}
		if res.NextMarker <= opts.StartAfter {
			t.Fatalf("NextMarker %q does not move past %q", res.NextMarker, opts.StartAfter)
		}
		opts.StartAfter = res.NextMarker
		if l.pages > 100 {
			t.Fatal("the listing does not end")
		}
	}
	return l
}

func TestListObjectsPagesAsTheUpstreamLists(t *testing.T) {
	up := newUpstream(t)
	c := makeBucket(t, up, "lists", listKeys)
	b := newBackend(t, up, nil)
	for _, tc := range []struct {
		prefix, delimiter string
		maxKeys           int
	}{
		{"", "", 1000}, {"", "", 1}, {"", "", 4}, {"", "/", 1}, {"", "/", 3},
		{"dir/", "/", 1}, {"dir/", "/", 1000}, {"a", "", 2}, {"é", "/", 1}, {"", "b", 2}, {"nothing", "/", 5},
	} {
		t.Run(fmt.Sprintf("%q %q %d", tc.prefix, tc.delimiter, tc.maxKeys), func(t *testing.T) {
			want := listDirect(t, c, "lists", tc.prefix, tc.delimiter)
			got := listBackend(t, b, "lists", tc.prefix, tc.delimiter, tc.maxKeys)
			slices.Sort(got.entries)
			if !slices.Equal(got.entries, want) {
				t.Errorf("backend lists\n%s\nupstream lists\n%s", strings.Join(got.entries, "\n"), strings.Join(want, "\n"))
			}
			if wantPages := max(1, (len(want)+tc.maxKeys-1)/tc.maxKeys); got.pages < wantPages {
				t.Errorf("%d pages, want at least %d", got.pages, wantPages)
			}
		})
	}
}

func TestListObjectsEncodedAndBounded(t *testing.T) {
	up := newUpstream(t)
	makeBucket(t, up, "enc", []string{"x y"})
	b := newBackend(t, up, nil)
	up.Reset()
	res, err := b.ListObjects(context.Background(), "enc", storage.ListObjectsOptions{MaxKeys: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Objects) != 1 || res.Objects[0].Key != "x y" || res.Objects[0].ETag == "" || strings.Contains(res.Objects[0].ETag, `"`) {
		t.Fatalf("listed %+v", res.Objects)
	}
	var q url.Values
	for _, r := range up.Requests() {
		if r.Method == http.MethodGet && r.Path == "/enc" {
			q = r.Query()
		}
	}
	if q.Get("encoding-type") != "url" || q.Get("list-type") != "2" || q.Get("max-keys") != "10" {
		t.Errorf("the upstream was asked %v", q)
	}

	// An answer larger than a listing can be fails, without reading it all.
	up.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodGet || r.URL.Path != "/enc" {
			return false
		}
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Contents><Key>`)
		chunk := strings.Repeat("k", 1<<20)
		for range 20 {
			if _, err := fmt.Fprint(w, chunk); err != nil {
				return true
			}
		}
		fmt.Fprint(w, `</Key></Contents></ListBucketResult>`)
		return true
	})
	_, err = b.ListObjects(context.Background(), "enc", storage.ListObjectsOptions{MaxKeys: 10})
	if err == nil || !strings.Contains(err.Error(), "size bound") {
		t.Errorf("a 20 MiB listing: %v", err)
	}
}

func TestListObjectsMaxKeysZero(t *testing.T) {
	up := newUpstream(t)
	makeBucket(t, up, "zero", []string{"a", "b"})
	b := newBackend(t, up, nil)
	for _, tc := range []struct {
		prefix    string
		truncated bool
	}{{"", true}, {"b", true}, {"c", false}} {
		res, err := b.ListObjects(context.Background(), "zero", storage.ListObjectsOptions{Prefix: tc.prefix})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Objects)+len(res.CommonPrefixes) != 0 || res.IsTruncated != tc.truncated || res.NextMarker != "" {
			t.Errorf("prefix %q, MaxKeys 0: %+v, want no entries and truncated %v", tc.prefix, res, tc.truncated)
		}
	}
}

func TestListObjectsNoSuchBucket(t *testing.T) {
	up := newUpstream(t)
	b := newBackend(t, up, nil)
	_, err := b.ListObjects(context.Background(), "missing", storage.ListObjectsOptions{MaxKeys: 1})
	if !errors.Is(err, storage.ErrNoSuchBucket) {
		t.Errorf("listing a missing bucket: %v", err)
	}
	_, err = b.ListObjectVersions(context.Background(), upstream.DefaultMetaBucket, storage.ListVersionsOptions{MaxKeys: 1})
	if !errors.Is(err, storage.ErrNoSuchBucket) {
		t.Errorf("listing the meta bucket's versions: %v", err)
	}
}

func TestListObjectVersionsWithDeleteMarkers(t *testing.T) {
	up := newUpstream(t)
	ctx := context.Background()
	c := makeBucket(t, up, "vers", nil)
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("vers"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"k 1", "k 1", "k+2", "d/x", "k 1"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vers"), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"k+2", "k 1"} {
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("vers"), Key: aws.String(k)}); err != nil {
			t.Fatal(err)
		}
	}
	direct, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("vers"), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, v := range direct.Versions {
		want = append(want, fmt.Sprintf("%q %s latest=%v version %s", aws.ToString(v.Key), aws.ToString(v.VersionId), aws.ToBool(v.IsLatest),
			strings.Trim(aws.ToString(v.ETag), `"`)))
	}
	for _, m := range direct.DeleteMarkers {
		want = append(want, fmt.Sprintf("%q %s latest=%v marker", aws.ToString(m.Key), aws.ToString(m.VersionId), aws.ToBool(m.IsLatest)))
	}
	for _, cp := range direct.CommonPrefixes {
		want = append(want, fmt.Sprintf("prefix %q", aws.ToString(cp.Prefix)))
	}
	slices.Sort(want)

	b := newBackend(t, up, nil)
	var got []string
	opts := storage.ListVersionsOptions{Delimiter: "/", MaxKeys: 2}
	markers, pages := 0, 0
	for {
		res, err := b.ListObjectVersions(ctx, "vers", opts)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, v := range res.Versions {
			if v.DeleteMarker {
				markers++
				if v.ETag != "" || v.Size != 0 || v.VersionID == "" || v.LastModified.IsZero() {
					t.Errorf("a delete marker listed as %+v", v)
				}
				got = append(got, fmt.Sprintf("%q %s latest=%v marker", v.Key, v.VersionID, v.IsLatest))
				continue
			}
			got = append(got, fmt.Sprintf("%q %s latest=%v version %s", v.Key, v.VersionID, v.IsLatest, v.ETag))
		}
		for _, cp := range res.CommonPrefixes {
			got = append(got, fmt.Sprintf("prefix %q", cp))
		}
		if !res.IsTruncated {
			break
		}
		if res.NextKeyMarker == "" || pages > 20 {
			t.Fatalf("page %d: truncated, next %q %q", pages, res.NextKeyMarker, res.NextVersionIDMarker)
		}
		opts.KeyMarker, opts.VersionIDMarker = res.NextKeyMarker, res.NextVersionIDMarker
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("backend lists\n%s\nupstream lists\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if markers != 2 || pages < 4 {
		t.Errorf("%d delete markers in %d pages, want 2 in at least 4", markers, pages)
	}
}
