package upstream_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/upstream"
)

// partData is part n's body: size bytes that differ from every other part's.
func partData(n, size int) []byte {
	return bytes.Repeat([]byte{byte('a' + n)}, size)
}

func uploadPart(t *testing.T, b *upstream.Backend, bucket, key, id string, n int, data []byte) storage.PartInfo {
	t.Helper()
	p, err := b.UploadPart(context.Background(), bucket, key, id, n, bytes.NewReader(data), storage.UploadPartOptions{Size: int64(len(data))})
	if err != nil {
		t.Fatalf("part %d: %v", n, err)
	}
	sum := md5.Sum(data)
	if p.PartNumber != n || p.ETag != hex.EncodeToString(sum[:]) || p.Size != int64(len(data)) || p.LastModified.IsZero() {
		t.Fatalf("part %d: %+v", n, p)
	}
	return p
}

// TestMultipartAcrossNodes runs one upload through two backends over one upstream (two
// nodes): parts through alternating nodes, listed through one, completed through the other.
func TestMultipartAcrossNodes(t *testing.T) {
	up := newUpstream(t)
	c := makeBucket(t, up, "mpx", nil)
	ctx := context.Background()
	nodes := []*upstream.Backend{newBackend(t, up, nil), newBackend(t, up, nil)}
	const key = "dir/with space+plus=é%.bin"
	upl, err := nodes[0].CreateMultipartUpload(ctx, "mpx", key, storage.CreateMultipartUploadOptions{
		Metadata:     storage.ObjectMetadata{ContentType: "application/x-test", User: map[string]string{"color": "blue"}},
		StorageClass: "STANDARD", Tags: "a=1"})
	if err != nil {
		t.Fatal(err)
	}
	if upl.UploadID == "" || upl.Bucket != "mpx" || upl.Key != key {
		t.Fatalf("upload %+v", upl)
	}
	sizes := []int{storage.MinPartSize, storage.MinPartSize, 1000}
	var whole []byte
	var parts []storage.CompletedPart
	for i, size := range sizes {
		data := partData(i+1, size)
		whole = append(whole, data...)
		p := uploadPart(t, nodes[i%2], "mpx", key, upl.UploadID, i+1, data)
		parts = append(parts, storage.CompletedPart{PartNumber: p.PartNumber, ETag: `"` + p.ETag + `"`})
	}

	// Listed through the other node, two parts a page.
	var listed []storage.PartInfo
	opts := storage.ListPartsOptions{MaxParts: 2}
	for pages := 1; ; pages++ {
		res, err := nodes[1].ListParts(ctx, "mpx", key, upl.UploadID, opts)
		if err != nil {
			t.Fatal(err)
		}
		if res.Upload.UploadID != upl.UploadID || len(res.Parts) > 2 || pages > 3 {
			t.Fatalf("page %d: %+v", pages, res)
		}
		listed = append(listed, res.Parts...)
		if !res.IsTruncated {
			if pages != 2 {
				t.Errorf("%d pages of parts, want 2", pages)
			}
			break
		}
		opts.PartNumberMarker = res.NextPartNumberMarker
	}
	if len(listed) != 3 {
		t.Fatalf("listed %d parts: %+v", len(listed), listed)
	}
	for i, p := range listed {
		if p.PartNumber != i+1 || `"`+p.ETag+`"` != parts[i].ETag || p.Size != int64(sizes[i]) || p.LastModified.IsZero() {
			t.Errorf("part %d listed as %+v", i+1, p)
		}
	}
	ups, err := nodes[0].ListMultipartUploads(ctx, "mpx", storage.ListUploadsOptions{MaxUploads: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(ups.Uploads) != 1 || ups.Uploads[0].Key != key || ups.Uploads[0].UploadID != upl.UploadID || ups.Uploads[0].Initiated.IsZero() {
		t.Fatalf("uploads %+v", ups)
	}

	info, err := nodes[1].CompleteMultipartUpload(ctx, "mpx", key, upl.UploadID, parts, storage.CompleteMultipartUploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(info.ETag, "-3") || info.Size != int64(len(whole)) || info.PartsCount != 3 || info.Upload != "" ||
		info.LastModified.IsZero() || info.Metadata.ContentType != "application/x-test" || info.Metadata.User["color"] != "blue" {
		t.Errorf("completed %+v", info)
	}
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mpx"), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(got.Body)
	got.Body.Close()
	if err != nil || !bytes.Equal(data, whole) || strings.Trim(aws.ToString(got.ETag), `"`) != info.ETag {
		t.Errorf("the upstream holds %d bytes (%v), ETag %s; want %d bytes, ETag %s", len(data), err, aws.ToString(got.ETag), len(whole), info.ETag)
	}
	ups, err = nodes[1].ListMultipartUploads(ctx, "mpx", storage.ListUploadsOptions{MaxUploads: 10})
	if err != nil || len(ups.Uploads) != 0 {
		t.Errorf("uploads after completion: %+v, %v", ups, err)
	}
	// Completing again: as the upstream (doorman's own store) answers, the object it made.
	again, err := nodes[0].CompleteMultipartUpload(ctx, "mpx", key, upl.UploadID, parts, storage.CompleteMultipartUploadOptions{})
	if err != nil || again.ETag != info.ETag {
		t.Errorf("completing again: %+v, %v", again, err)
	}
}

func TestMultipartCompleteFailures(t *testing.T) {
	up := newUpstream(t)
	makeBucket(t, up, "mpf", nil)
	b := newBackend(t, up, nil)
	ctx := context.Background()
	upl, err := b.CreateMultipartUpload(ctx, "mpf", "k", storage.CreateMultipartUploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	small := uploadPart(t, b, "mpf", "k", upl.UploadID, 1, partData(1, 10))
	last := uploadPart(t, b, "mpf", "k", upl.UploadID, 2, partData(2, 10))
	for _, tc := range []struct {
		name  string
		parts []storage.CompletedPart
		opts  storage.CompleteMultipartUploadOptions
		want  error
	}{
		{"too small", []storage.CompletedPart{{PartNumber: 1, ETag: small.ETag}, {PartNumber: 2, ETag: last.ETag}}, storage.CompleteMultipartUploadOptions{}, storage.ErrEntityTooSmall},
		{"wrong ETag", []storage.CompletedPart{{PartNumber: 1, ETag: last.ETag}}, storage.CompleteMultipartUploadOptions{}, storage.ErrInvalidPart},
		{"order", []storage.CompletedPart{{PartNumber: 2, ETag: last.ETag}, {PartNumber: 1, ETag: small.ETag}}, storage.CompleteMultipartUploadOptions{}, storage.ErrInvalidPartOrder},
		{"if-match on no object", []storage.CompletedPart{{PartNumber: 2, ETag: last.ETag}},
			// The upstream's 404 NoSuchKey is the failed condition storage.WriteConditions says.
			storage.CompleteMultipartUploadOptions{Conditions: storage.WriteConditions{IfMatch: `"0123456789abcdef0123456789abcdef"`}}, storage.ErrPreconditionFailed},
		{"customer key", []storage.CompletedPart{{PartNumber: 2, ETag: last.ETag}},
			storage.CompleteMultipartUploadOptions{CustomerKey: make([]byte, 32)}, storage.ErrNotImplemented},
	} {
		_, err := b.CompleteMultipartUpload(ctx, "mpf", "k", upl.UploadID, tc.parts, tc.opts)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}

	// S3 may answer 200 and an Error document in the body.
	up.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost || !r.URL.Query().Has("uploadId") {
			return false
		}
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n   \n<Error><Code>InvalidPart</Code><Message>One or more of the specified parts could not be found.</Message></Error>")
		return true
	})
	_, err = b.CompleteMultipartUpload(ctx, "mpf", "k", upl.UploadID, []storage.CompletedPart{{PartNumber: 2, ETag: last.ETag}}, storage.CompleteMultipartUploadOptions{})
	if !errors.Is(err, storage.ErrInvalidPart) {
		t.Errorf("an Error in a 200 answer: %v", err)
	}
	up.Intercept(nil)

	if err := b.AbortMultipartUpload(ctx, "mpf", "k", upl.UploadID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ListParts(ctx, "mpf", "k", upl.UploadID, storage.ListPartsOptions{MaxParts: 10}); !errors.Is(err, storage.ErrNoSuchUpload) {
		t.Errorf("ListParts after abort: %v", err)
	}
	_, err = b.UploadPart(ctx, "mpf", "k", upl.UploadID, 3, strings.NewReader("x"), storage.UploadPartOptions{Size: 1})
	if !errors.Is(err, storage.ErrNoSuchUpload) {
		t.Errorf("UploadPart after abort: %v", err)
	}
	if err := b.AbortMultipartUpload(ctx, "mpf", "k", upl.UploadID); !errors.Is(err, storage.ErrNoSuchUpload) {
		t.Errorf("aborting again: %v", err)
	}
}

// failingReader returns its data, then err instead of io.EOF: a body whose signature or
// checksum turns out wrong at its end.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

// TestUploadPartBodyFailsAtEnd: a part whose body fails at its end, or is not its declared
// size, or does not match its trailing checksum, is not stored.
func TestUploadPartBodyFailsAtEnd(t *testing.T) {
	up := newUpstream(t)
	makeBucket(t, up, "mpb", nil)
	b := newBackend(t, up, nil)
	ctx := context.Background()
	upl, err := b.CreateMultipartUpload(ctx, "mpb", "k", storage.CreateMultipartUploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data := partData(1, 300<<10)
	errBadChunk := errors.New("bad chunk signature")
	crc := storage.ChecksumCRC32.Sum(data)
	for _, tc := range []struct {
		name string
		r    io.Reader
		opts storage.UploadPartOptions
		want error
	}{
		{"fails at its end", &failingReader{bytes.NewReader(data), errBadChunk}, storage.UploadPartOptions{Size: int64(len(data))}, errBadChunk},
		{"shorter", bytes.NewReader(data), storage.UploadPartOptions{Size: int64(len(data)) + 1}, storage.ErrIncompleteBody},
		{"longer", bytes.NewReader(data), storage.UploadPartOptions{Size: int64(len(data)) - 1}, storage.ErrIncompleteBody},
		{"trailing checksum", bytes.NewReader(data), storage.UploadPartOptions{Size: int64(len(data)), ChecksumAlgorithm: storage.ChecksumCRC32,
			TrailingChecksum: func() storage.Checksum {
				return storage.Checksum{Algorithm: storage.ChecksumCRC32, Value: storage.ChecksumCRC32.Sum([]byte("other"))}
			}}, storage.ErrBadDigest},
		{"checksum header", bytes.NewReader(data), storage.UploadPartOptions{Size: int64(len(data)), ChecksumAlgorithm: storage.ChecksumCRC32,
			ChecksumValue: storage.ChecksumCRC32.Sum([]byte("other"))}, storage.ErrBadDigest},
		{"Content-MD5", bytes.NewReader(data), storage.UploadPartOptions{Size: int64(len(data)), ContentMD5: make([]byte, 16)}, storage.ErrBadDigest},
		{"customer key", bytes.NewReader(data), storage.UploadPartOptions{Size: int64(len(data)), CustomerKey: make([]byte, 32)}, storage.ErrNotImplemented},
	} {
		_, err := b.UploadPart(ctx, "mpb", "k", upl.UploadID, 1, tc.r, tc.opts)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		res, err := b.ListParts(ctx, "mpb", "k", upl.UploadID, storage.ListPartsOptions{MaxParts: 10})
		if err != nil || len(res.Parts) != 0 {
			t.Fatalf("%s: parts stored %+v, %v", tc.name, res.Parts, err)
		}
	}

	// A good trailing checksum is computed and reported.
	p, err := b.UploadPart(ctx, "mpb", "k", upl.UploadID, 1, bytes.NewReader(data), storage.UploadPartOptions{Size: int64(len(data)),
		ChecksumAlgorithm: storage.ChecksumCRC32, TrailingChecksum: func() storage.Checksum {
			return storage.Checksum{Algorithm: storage.ChecksumCRC32, Value: crc}
		}})
	if err != nil || p.Checksum != crc {
		t.Errorf("a part with a good trailing checksum: %+v, %v", p, err)
	}
}

func TestCreateMultipartUploadRefusals(t *testing.T) {
	up := newUpstream(t)
	makeBucket(t, up, "mpr", nil)
	b := newBackend(t, up, nil)
	for _, tc := range []struct {
		name string
		opts storage.CreateMultipartUploadOptions
	}{
		{"ACL", storage.CreateMultipartUploadOptions{ACL: "public-read"}},
		{"SSE-KMS", storage.CreateMultipartUploadOptions{Encryption: storage.Encryption{Algorithm: storage.SSEKMS}}},
		{"SSE-C", storage.CreateMultipartUploadOptions{Encryption: storage.Encryption{CustomerKey: make([]byte, 32)}}},
	} {
		up.Reset()
		_, err := b.CreateMultipartUpload(context.Background(), "mpr", "k", tc.opts)
		if !errors.Is(err, storage.ErrNotImplemented) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if n := len(up.ClientRequests()); n != 0 {
			t.Errorf("%s: %d upstream requests", tc.name, n)
		}
	}
	// SSE-S3 sends nothing; a checksum algorithm goes upstream and comes back with its type.
	up.Reset()
	upl, err := b.CreateMultipartUpload(context.Background(), "mpr", "k", storage.CreateMultipartUploadOptions{
		Encryption: storage.Encryption{Algorithm: storage.SSEAES256}, ChecksumAlgorithm: storage.ChecksumSHA256})
	if err != nil {
		t.Fatal(err)
	}
	if upl.ChecksumAlgorithm != storage.ChecksumSHA256 || upl.ChecksumType != storage.ChecksumComposite {
		t.Errorf("upload %+v", upl)
	}
	for _, r := range up.Requests() {
		if r.Method == http.MethodPost && (r.Header.Get("X-Amz-Server-Side-Encryption") != "" || r.Header.Get("X-Amz-Checksum-Algorithm") != "SHA256") {
			t.Errorf("the upstream got %v", r.Header)
		}
	}
}

func TestListMultipartUploadsPages(t *testing.T) {
	up := newUpstream(t)
	makeBucket(t, up, "mpl", nil)
	b := newBackend(t, up, nil)
	ctx := context.Background()
	keys := []string{"a b", "a b", "a+b", "d/1", "d/2", "é\x01"}
	ids := map[string]bool{}
	for _, k := range keys {
		upl, err := b.CreateMultipartUpload(ctx, "mpl", k, storage.CreateMultipartUploadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ids[k+" "+upl.UploadID] = true
	}
	var got []string
	opts := storage.ListUploadsOptions{Delimiter: "/", MaxUploads: 1}
	pages := 0
	for {
		res, err := b.ListMultipartUploads(ctx, "mpl", opts)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, u := range res.Uploads {
			if !ids[u.Key+" "+u.UploadID] {
				t.Errorf("listed %q %q, not made", u.Key, u.UploadID)
			}
			got = append(got, u.Key)
		}
		got = append(got, res.CommonPrefixes...)
		if !res.IsTruncated {
			break
		}
		if pages > 10 {
			t.Fatal("the listing does not end")
		}
		opts.KeyMarker, opts.UploadIDMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
	want := []string{"a b", "a b", "a+b", "d/", "é\x01"}
	if strings.Join(got, "|") != strings.Join(want, "|") || pages != len(want) {
		t.Errorf("listed %q in %d pages, want %q", got, pages, want)
	}
}
