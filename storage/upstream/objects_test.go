package upstream_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/upstream"
	"github.com/doorman-s3/doorman/tagging"
)

// objBackend returns a backend over a fresh test upstream with one bucket, made through the
// backend, versioned as versioning says ("" for never).
func objBackend(t *testing.T, versioning string) (*testUpstream, *upstream.Backend, string) {
	t.Helper()
	up := newUpstream(t)
	b := newBackend(t, up, nil)
	const bucket = "objects"
	if _, err := b.CreateBucket(context.Background(), bucket, storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if versioning != "" {
		if err := b.PutBucketVersioning(context.Background(), bucket, versioning); err != nil {
			t.Fatal(err)
		}
	}
	up.Reset()
	return up, b, bucket
}

// objPut stores data under key with default options, and fails the test on an error.
func objPut(t *testing.T, b *upstream.Backend, bucket, key, data string) storage.ObjectInfo {
	t.Helper()
	info, err := b.PutObject(context.Background(), bucket, key, strings.NewReader(data), storage.PutObjectOptions{Size: int64(len(data))})
	if err != nil {
		t.Fatalf("PutObject %q: %v", key, err)
	}
	return info
}

// objRead reads an object whole through GetObject.
func objRead(t *testing.T, b *upstream.Backend, bucket, key string, opts storage.ReadOptions) (string, storage.ObjectInfo) {
	t.Helper()
	r, info, err := b.GetObject(context.Background(), bucket, key, opts)
	if err != nil {
		t.Fatalf("GetObject %q: %v", key, err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading %q: %v", key, err)
	}
	return string(data), info
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// objKeys are keys whose escaping and signing differ from the plain case.
var objKeys = []string{
	"plain.txt",
	"dir/with space+plus=é%.txt",
	"a%2Fb",
	"ünïcødé/日本語",
	"~tilde!$&'()*,;:@",
	"dir//double/slash",
}

func TestObjectRoundTrip(t *testing.T) {
	_, b, bucket := objBackend(t, "")
	ctx := context.Background()
	tags := tagging.Set{{Key: "project", Value: "blue sky"}, {Key: "z", Value: "1+1=2"}}.Encode()
	md := storage.ObjectMetadata{
		ContentType:        "text/plain; charset=utf-8",
		ContentEncoding:    "gzip",
		ContentDisposition: `attachment; filename="a b.txt"`,
		ContentLanguage:    "fr",
		CacheControl:       "max-age=60",
		Expires:            "Thu, 01 Dec 2094 16:00:00 GMT",
		User:               map[string]string{"color": "bleu", "accent": "été à Zürich", "empty": ""},
	}
	for _, key := range objKeys {
		t.Run(key, func(t *testing.T) {
			data := "the data of " + key
			put, err := b.PutObject(ctx, bucket, key, strings.NewReader(data), storage.PutObjectOptions{
				Size: int64(len(data)), Metadata: md, Tags: tags, StorageClass: "REDUCED_REDUNDANCY",
				Checksum: storage.Checksum{Algorithm: storage.ChecksumCRC32C, Value: storage.ChecksumCRC32C.Sum([]byte(data))},
			})
			if err != nil {
				t.Fatal(err)
			}
			if put.ETag != md5Hex(data) || put.VersionID != storage.NullVersion || put.Size != int64(len(data)) {
				t.Errorf("PutObject answered ETag %q, version %q, size %d", put.ETag, put.VersionID, put.Size)
			}
			got, info := objRead(t, b, bucket, key, storage.ReadOptions{})
			if got != data {
				t.Errorf("GetObject read %q, want %q", got, data)
			}
			head, err := b.HeadObject(ctx, bucket, key, storage.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for name, i := range map[string]storage.ObjectInfo{"GetObject": info, "HeadObject": head} {
				want := storage.Checksum{Algorithm: storage.ChecksumCRC32C, Value: storage.ChecksumCRC32C.Sum([]byte(data)), Type: storage.ChecksumFullObject}
				switch {
				case i.Key != key || i.Bucket != bucket || i.Size != int64(len(data)) || i.ETag != put.ETag:
					t.Errorf("%s: key %q, size %d, ETag %q", name, i.Key, i.Size, i.ETag)
				case !metadataEqual(i.Metadata, md):
					t.Errorf("%s: metadata %+v, want %+v", name, i.Metadata, md)
				case i.Tags != tags:
					t.Errorf("%s: tags %q, want %q", name, i.Tags, tags)
				case i.StorageClass != "REDUCED_REDUNDANCY":
					t.Errorf("%s: storage class %q", name, i.StorageClass)
				case i.Checksum != want:
					t.Errorf("%s: checksum %+v, want %+v", name, i.Checksum, want)
				case i.VersionID != storage.NullVersion || i.Owner != "" || i.ACL != "" || i.Revision == "" || i.LastModified.IsZero():
					t.Errorf("%s: version %q, owner %q, ACL %q, revision %q, modified %v", name, i.VersionID, i.Owner, i.ACL, i.Revision, i.LastModified)
				}
			}
			if info.Revision != head.Revision {
				t.Errorf("GetObject's revision %q differs from HeadObject's %q", info.Revision, head.Revision)
			}
			res, err := b.DeleteObject(ctx, bucket, key, storage.DeleteObjectOptions{})
			if err != nil || res != (storage.DeleteResult{}) {
				t.Fatalf("DeleteObject: %+v, %v", res, err)
			}
			if _, err := b.HeadObject(ctx, bucket, key, storage.ReadOptions{}); !errors.Is(err, storage.ErrNoSuchKey) {
				t.Errorf("HeadObject after the delete: %v, want ErrNoSuchKey", err)
			}
		})
	}
}

func metadataEqual(a, b storage.ObjectMetadata) bool {
	if a.ContentType != b.ContentType || a.ContentEncoding != b.ContentEncoding || a.ContentDisposition != b.ContentDisposition ||
		a.ContentLanguage != b.ContentLanguage || a.CacheControl != b.CacheControl || a.Expires != b.Expires || len(a.User) != len(b.User) {
		return false
	}
	for k, v := range a.User {
		if w, ok := b.User[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// objFailingReader returns its data, then err instead of io.EOF: a body whose verification
// fails at its end.
type objFailingReader struct {
	r   io.Reader
	err error
}

func (f *objFailingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestPutObjectBadBodyStoresNothing(t *testing.T) {
	up, b, bucket := objBackend(t, "")
	ctx := context.Background()
	data := strings.Repeat("0123456789", 10000)
	errChunk := errors.New("bad chunk signature")
	wrongMD5 := md5.Sum([]byte("other"))
	crc := storage.ChecksumCRC32.Sum([]byte(data))
	for _, c := range []struct {
		name string
		r    io.Reader
		opts storage.PutObjectOptions
		want error
	}{
		{"body failing at its end", &objFailingReader{strings.NewReader(data), errChunk}, storage.PutObjectOptions{Size: int64(len(data))}, errChunk},
		{"short body", strings.NewReader(data[1:]), storage.PutObjectOptions{Size: int64(len(data))}, storage.ErrIncompleteBody},
		{"long body", strings.NewReader(data + "x"), storage.PutObjectOptions{Size: int64(len(data))}, storage.ErrIncompleteBody},
		{"empty declared, one byte sent", strings.NewReader("x"), storage.PutObjectOptions{Size: 0}, storage.ErrIncompleteBody},
		{"Content-MD5 mismatch", strings.NewReader(data), storage.PutObjectOptions{Size: int64(len(data)), ContentMD5: wrongMD5[:]}, storage.ErrBadDigest},
		{"checksum mismatch", strings.NewReader(data), storage.PutObjectOptions{Size: int64(len(data)),
			Checksum: storage.Checksum{Algorithm: storage.ChecksumCRC32, Value: storage.ChecksumCRC32.Sum([]byte("other"))}}, storage.ErrBadDigest},
		{"trailing checksum mismatch", strings.NewReader(data), storage.PutObjectOptions{Size: int64(len(data)),
			Checksum: storage.Checksum{Algorithm: storage.ChecksumSHA256},
			TrailingChecksum: func() storage.Checksum {
				return storage.Checksum{Algorithm: storage.ChecksumSHA256, Value: storage.ChecksumSHA256.Sum([]byte("other"))}
			}}, storage.ErrBadDigest},
		{"trailing checksum of an empty body", strings.NewReader(""), storage.PutObjectOptions{Size: 0,
			Checksum: storage.Checksum{Algorithm: storage.ChecksumCRC32},
			TrailingChecksum: func() storage.Checksum {
				return storage.Checksum{Algorithm: storage.ChecksumCRC32, Value: crc}
			}}, storage.ErrBadDigest},
	} {
		t.Run(c.name, func(t *testing.T) {
			key := "bad/" + c.name
			_, err := b.PutObject(ctx, bucket, key, c.r, c.opts)
			if !errors.Is(err, c.want) {
				t.Fatalf("PutObject: %v, want %v", err, c.want)
			}
			if _, err := b.HeadObject(ctx, bucket, key, storage.ReadOptions{}); !errors.Is(err, storage.ErrNoSuchKey) {
				t.Errorf("HeadObject after the failed put: %v, want ErrNoSuchKey", err)
			}
		})
	}

	// The good cases of the same options store the object, with its checksum: a checksum
	// that came in the client's trailer goes upstream in a trailer, the body aws-chunked.
	for _, body := range []string{data, ""} {
		up.Reset()
		sum := storage.ChecksumCRC32.Sum([]byte(body))
		key := "good-" + strconv.Itoa(len(body))
		info, err := b.PutObject(ctx, bucket, key, strings.NewReader(body), storage.PutObjectOptions{
			Size: int64(len(body)), Checksum: storage.Checksum{Algorithm: storage.ChecksumCRC32},
			Metadata:         storage.ObjectMetadata{ContentEncoding: "gzip"},
			TrailingChecksum: func() storage.Checksum { return storage.Checksum{Algorithm: storage.ChecksumCRC32, Value: sum} },
		})
		if err != nil {
			t.Fatal(err)
		}
		want := storage.Checksum{Algorithm: storage.ChecksumCRC32, Value: sum, Type: storage.ChecksumFullObject}
		if info.Checksum != want {
			t.Errorf("checksum %+v, want %+v", info.Checksum, want)
		}
		// Only the requests of this key: a failed put's may reach the upstream late.
		var reqs []recorded
		for _, r := range up.Requests() {
			if r.Path == "/"+bucket+"/"+key {
				reqs = append(reqs, r)
			}
		}
		if len(reqs) != 1 || reqs[0].Method != http.MethodPut || reqs[0].Header.Get("X-Amz-Trailer") != "x-amz-checksum-crc32" ||
			reqs[0].Header.Get("X-Amz-Decoded-Content-Length") != strconv.Itoa(len(body)) {
			t.Fatalf("requests %+v, want one PUT of %d bytes with a trailer", reqs, len(body))
		}
		got, head := objRead(t, b, bucket, key, storage.ReadOptions{})
		if got != body || head.Checksum != want || head.Metadata.ContentEncoding != "gzip" {
			t.Errorf("read back %d bytes, checksum %+v, Content-Encoding %q", len(got), head.Checksum, head.Metadata.ContentEncoding)
		}
	}
	sum := md5.Sum([]byte(data))
	if _, err := b.PutObject(ctx, bucket, "good-md5", strings.NewReader(data), storage.PutObjectOptions{Size: int64(len(data)), ContentMD5: sum[:]}); err != nil {
		t.Errorf("PutObject with the right Content-MD5: %v", err)
	}
}

func TestPutObjectConditions(t *testing.T) {
	up, b, bucket := objBackend(t, "")
	ctx := context.Background()
	first := objPut(t, b, bucket, "k", "one")
	put := func(c storage.WriteConditions) error {
		_, err := b.PutObject(ctx, bucket, "k", strings.NewReader("two"), storage.PutObjectOptions{Size: 3, Conditions: c})
		return err
	}
	up.Reset()
	if err := put(storage.WriteConditions{IfNoneMatch: true}); !errors.Is(err, storage.ErrPreconditionFailed) {
		t.Errorf("If-None-Match on an existing key: %v, want ErrPreconditionFailed", err)
	}
	if h := up.ClientRequests()[0].Header; h.Get("If-None-Match") != "*" {
		t.Errorf("If-None-Match sent %q", h.Get("If-None-Match"))
	}
	if err := put(storage.WriteConditions{IfMatch: md5Hex("other")}); !errors.Is(err, storage.ErrPreconditionFailed) {
		t.Errorf("If-Match of another ETag: %v, want ErrPreconditionFailed", err)
	}
	if got, _ := objRead(t, b, bucket, "k", storage.ReadOptions{}); got != "one" {
		t.Fatalf("a failed conditional put changed the object: %q", got)
	}
	if err := put(storage.WriteConditions{IfMatch: first.ETag}); err != nil {
		t.Errorf("If-Match of the object's ETag: %v", err)
	}
	if err := put(storage.WriteConditions{IfNoneMatch: true}); !errors.Is(err, storage.ErrPreconditionFailed) {
		t.Errorf("If-None-Match after: %v", err)
	}
	_, err := b.PutObject(ctx, bucket, "new", strings.NewReader("x"), storage.PutObjectOptions{Size: 1, Conditions: storage.WriteConditions{IfNoneMatch: true}})
	if err != nil {
		t.Errorf("If-None-Match on a new key: %v", err)
	}
}

func TestVersionsAndDeleteMarkers(t *testing.T) {
	_, b, bucket := objBackend(t, storage.VersioningEnabled)
	ctx := context.Background()
	v1 := objPut(t, b, bucket, "k", "one")
	v2 := objPut(t, b, bucket, "k", "two")
	if v1.VersionID == storage.NullVersion || v1.VersionID == "" || v1.VersionID == v2.VersionID {
		t.Fatalf("version ids %q, %q", v1.VersionID, v2.VersionID)
	}
	if got, info := objRead(t, b, bucket, "k", storage.ReadOptions{VersionID: v1.VersionID}); got != "one" || info.VersionID != v1.VersionID {
		t.Errorf("GetObject of the first version: %q, version %q", got, info.VersionID)
	}
	del, err := b.DeleteObject(ctx, bucket, "k", storage.DeleteObjectOptions{})
	if err != nil || !del.DeleteMarker || del.VersionID == "" {
		t.Fatalf("DeleteObject: %+v, %v", del, err)
	}
	var dm *storage.DeleteMarkerError
	_, err = b.HeadObject(ctx, bucket, "k", storage.ReadOptions{})
	if !errors.As(err, &dm) || !dm.Latest || dm.VersionID != del.VersionID || !errors.Is(err, storage.ErrNoSuchKey) {
		t.Errorf("HeadObject of a key whose latest is a delete marker: %v", err)
	}
	_, _, err = b.GetObject(ctx, bucket, "k", storage.ReadOptions{})
	if !errors.As(err, &dm) || !dm.Latest {
		t.Errorf("GetObject of a key whose latest is a delete marker: %v", err)
	}
	_, err = b.HeadObject(ctx, bucket, "k", storage.ReadOptions{VersionID: del.VersionID})
	if !errors.As(err, &dm) || dm.Latest || !errors.Is(err, storage.ErrDeleteMarker) {
		t.Errorf("HeadObject naming a delete marker: %v", err)
	}
	if _, err := b.HeadObject(ctx, bucket, "k", storage.ReadOptions{VersionID: strings.Replace(v1.VersionID, v1.VersionID[:1], "z", 1)}); err == nil {
		t.Errorf("HeadObject of a version that does not exist succeeded")
	}
	// Removing the marker makes the second version the latest again.
	res, err := b.DeleteObject(ctx, bucket, "k", storage.DeleteObjectOptions{VersionID: del.VersionID})
	if err != nil || !res.DeleteMarker || res.VersionID != del.VersionID {
		t.Fatalf("DeleteObject of the marker: %+v, %v", res, err)
	}
	if got, _ := objRead(t, b, bucket, "k", storage.ReadOptions{}); got != "two" {
		t.Errorf("after the marker's removal GetObject read %q", got)
	}
	// If-Match on delete.
	if _, err := b.DeleteObject(ctx, bucket, "k", storage.DeleteObjectOptions{VersionID: v2.VersionID, IfMatch: md5Hex("x")}); !errors.Is(err, storage.ErrPreconditionFailed) {
		t.Errorf("DeleteObject with another ETag: %v", err)
	}
	res, err = b.DeleteObject(ctx, bucket, "k", storage.DeleteObjectOptions{VersionID: v2.VersionID, IfMatch: v2.ETag})
	if err != nil || res.DeleteMarker || res.VersionID != v2.VersionID {
		t.Fatalf("DeleteObject of a version: %+v, %v", res, err)
	}
	if got, _ := objRead(t, b, bucket, "k", storage.ReadOptions{}); got != "one" {
		t.Errorf("after the second version's removal GetObject read %q", got)
	}
}

func TestCopyObject(t *testing.T) {
	up, b, bucket := objBackend(t, storage.VersioningEnabled)
	ctx := context.Background()
	tags := tagging.Set{{Key: "a", Value: "1"}}.Encode()
	md := storage.ObjectMetadata{ContentType: "text/x-source", User: map[string]string{"from": "source é"}}
	src := "src dir/ü+%.txt"
	data := "copied data"
	v1, err := b.PutObject(ctx, bucket, src, strings.NewReader(data), storage.PutObjectOptions{Size: int64(len(data)), Metadata: md, Tags: tags,
		Checksum: storage.Checksum{Algorithm: storage.ChecksumSHA1, Value: storage.ChecksumSHA1.Sum([]byte(data))}})
	if err != nil {
		t.Fatal(err)
	}
	objPut(t, b, bucket, src, "a later version")

	newMD := storage.ObjectMetadata{ContentType: "text/x-copy", User: map[string]string{"to": "copy"}}
	newTags := tagging.Set{{Key: "b", Value: "2"}}.Encode()
	for _, c := range []struct {
		name     string
		opts     storage.CopyObjectOptions
		wantMD   storage.ObjectMetadata
		wantTags string
	}{
		{"COPY both", storage.CopyObjectOptions{}, md, tags},
		{"REPLACE metadata", storage.CopyObjectOptions{ReplaceMetadata: true, Metadata: newMD}, newMD, tags},
		{"REPLACE tags", storage.CopyObjectOptions{ReplaceTags: true, Tags: newTags}, md, newTags},
		{"REPLACE tags with none", storage.CopyObjectOptions{ReplaceTags: true}, md, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.opts.SourceVersionID = v1.VersionID
			c.opts.SourceIfMatch = v1.ETag
			dst := "dst/" + c.name + " é"
			up.Reset()
			info, err := b.CopyObject(ctx, bucket, src, bucket, dst, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if info.ETag != v1.ETag || info.Size != int64(len(data)) || info.VersionID == "" || info.VersionID == storage.NullVersion {
				t.Errorf("CopyObject answered %+v", info)
			}
			var copyReq *recorded
			for _, r := range up.Requests() {
				if r.Header.Get("X-Amz-Copy-Source") != "" {
					copyReq = &r
				}
			}
			if copyReq == nil {
				t.Fatal("no copy request")
			}
			if got, want := copyReq.Header.Get("X-Amz-Copy-Source"), "/"+bucket+"/src%20dir/%C3%BC%2B%25.txt?versionId="+v1.VersionID; got != want {
				t.Errorf("x-amz-copy-source %q, want %q", got, want)
			}
			got, head := objRead(t, b, bucket, dst, storage.ReadOptions{})
			switch {
			case got != data:
				t.Errorf("the copy holds %q", got)
			case !metadataEqual(head.Metadata, c.wantMD):
				t.Errorf("the copy's metadata %+v, want %+v", head.Metadata, c.wantMD)
			case head.Tags != c.wantTags || info.Tags != c.wantTags:
				t.Errorf("the copy's tags %q (answered %q), want %q", head.Tags, info.Tags, c.wantTags)
			case head.Checksum.Algorithm != storage.ChecksumSHA1 || head.Checksum.Value != v1.Checksum.Value:
				t.Errorf("the copy's checksum %+v, want the source's %+v", head.Checksum, v1.Checksum)
			case head.VersionID != info.VersionID:
				t.Errorf("the copy's version %q, answered %q", head.VersionID, info.VersionID)
			}
		})
	}
	_, err = b.CopyObject(ctx, bucket, src, bucket, "dst/stale", storage.CopyObjectOptions{SourceIfMatch: v1.ETag})
	if !errors.Is(err, storage.ErrPreconditionFailed) {
		t.Errorf("CopyObject of a source that has another ETag: %v, want ErrPreconditionFailed", err)
	}
	_, err = b.CopyObject(ctx, bucket, "missing", bucket, "dst/missing", storage.CopyObjectOptions{})
	if !errors.Is(err, storage.ErrNoSuchKey) {
		t.Errorf("CopyObject of a missing source: %v, want ErrNoSuchKey", err)
	}
}

func TestObjectTags(t *testing.T) {
	up, b, bucket := objBackend(t, "")
	ctx := context.Background()
	objPut(t, b, bucket, "k", "data")
	head, err := b.HeadObject(ctx, bucket, "k", storage.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tags := tagging.Set{{Key: "k1", Value: "v 1"}, {Key: "k2", Value: "é"}}.Encode()
	if err := b.PutObjectTags(ctx, bucket, "k", storage.PutObjectTagsOptions{Tags: tags, IfUnchanged: &head}); err != nil {
		t.Fatal(err)
	}
	after, err := b.HeadObject(ctx, bucket, "k", storage.ReadOptions{})
	if err != nil || after.Tags != tags || after.Revision != head.Revision {
		t.Fatalf("after PutObjectTags: tags %q, revision %q (was %q), %v", after.Tags, after.Revision, head.Revision, err)
	}
	// head is stale now: its tags differ.
	up.Reset()
	err = b.PutObjectTags(ctx, bucket, "k", storage.PutObjectTagsOptions{IfUnchanged: &head})
	if !errors.Is(err, storage.ErrPreconditionFailed) {
		t.Errorf("PutObjectTags against a stale object: %v, want ErrPreconditionFailed", err)
	}
	for _, r := range up.Requests() {
		if r.Query().Has("tagging") && r.Method != http.MethodGet {
			t.Errorf("a refused change sent %s ?tagging", r.Method)
		}
	}
	if err := b.PutObjectTags(ctx, bucket, "k", storage.PutObjectTagsOptions{IfUnchanged: &after}); err != nil {
		t.Fatal(err)
	}
	if info, err := b.HeadObject(ctx, bucket, "k", storage.ReadOptions{}); err != nil || info.Tags != "" {
		t.Errorf("after removing the tags: %q, %v", info.Tags, err)
	}
	if err := b.PutObjectTags(ctx, bucket, "missing", storage.PutObjectTagsOptions{Tags: tags}); !errors.Is(err, storage.ErrNoSuchKey) {
		t.Errorf("PutObjectTags of a missing key: %v", err)
	}
	if err := b.PutObjectACL(ctx, bucket, "k", storage.PutObjectACLOptions{ACL: storage.DefaultACL}); err != nil {
		t.Errorf("PutObjectACL private: %v", err)
	}
	if err := b.PutObjectACL(ctx, bucket, "missing", storage.PutObjectACLOptions{}); !errors.Is(err, storage.ErrNoSuchKey) {
		t.Errorf("PutObjectACL of a missing key: %v", err)
	}
}

func TestPartNumber(t *testing.T) {
	_, b, bucket := objBackend(t, "")
	ctx := context.Background()
	up, err := b.CreateMultipartUpload(ctx, bucket, "mp", storage.CreateMultipartUploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	part1 := bytes.Repeat([]byte("a"), storage.MinPartSize)
	var parts []storage.CompletedPart
	for i, p := range [][]byte{part1, []byte("tail")} {
		pi, err := b.UploadPart(ctx, bucket, "mp", up.UploadID, i+1, bytes.NewReader(p), storage.UploadPartOptions{Size: int64(len(p))})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, storage.CompletedPart{PartNumber: i + 1, ETag: pi.ETag})
	}
	if _, err := b.CompleteMultipartUpload(ctx, bucket, "mp", up.UploadID, parts, storage.CompleteMultipartUploadOptions{}); err != nil {
		t.Fatal(err)
	}
	objPut(t, b, bucket, "single", "single part")
	total := int64(len(part1) + 4)
	for _, c := range []struct {
		key  string
		n    int
		want storage.ObjectPart
		size int64
	}{
		{"mp", 1, storage.ObjectPart{PartNumber: 1, Offset: 0, Size: int64(len(part1))}, total},
		{"mp", 2, storage.ObjectPart{PartNumber: 2, Offset: int64(len(part1)), Size: 4}, total},
		{"single", 1, storage.ObjectPart{PartNumber: 1, Offset: 0, Size: 11}, 11},
	} {
		info, err := b.HeadObject(ctx, bucket, c.key, storage.ReadOptions{PartNumber: c.n})
		if err != nil || info.Part != c.want || info.Size != c.size {
			t.Errorf("HeadObject %s part %d: part %+v, size %d, %v; want %+v, %d", c.key, c.n, info.Part, info.Size, err, c.want, c.size)
		}
		r, ginfo, err := b.GetObject(ctx, bucket, c.key, storage.ReadOptions{PartNumber: c.n})
		if err != nil {
			t.Fatalf("GetObject %s part %d: %v", c.key, c.n, err)
		}
		n, err := io.Copy(io.Discard, r)
		r.Close()
		if err != nil || n != c.size || ginfo.Part != c.want {
			t.Errorf("GetObject %s part %d: read %d bytes (want the whole %d), part %+v, %v", c.key, c.n, n, c.size, ginfo.Part, err)
		}
	}
	if info, err := b.HeadObject(ctx, bucket, "mp", storage.ReadOptions{}); err != nil || info.PartsCount != 2 {
		t.Errorf("HeadObject of a multipart object: parts count %d, %v", info.PartsCount, err)
	}
	for _, c := range []struct {
		key string
		n   int
	}{{"mp", 3}, {"single", 2}} {
		if _, err := b.HeadObject(ctx, bucket, c.key, storage.ReadOptions{PartNumber: c.n}); !errors.Is(err, storage.ErrInvalidPartNumber) {
			t.Errorf("HeadObject %s part %d: %v, want ErrInvalidPartNumber", c.key, c.n, err)
		}
	}
}

func TestObjectRefusals(t *testing.T) {
	up, b, bucket := objBackend(t, "")
	ctx := context.Background()
	objPut(t, b, bucket, "k", "data")
	body := func() io.Reader { return strings.NewReader("data") }
	put := func(opts storage.PutObjectOptions) error {
		if opts.Size == 0 {
			opts.Size = 4
		}
		_, err := b.PutObject(ctx, bucket, "k", body(), opts)
		return err
	}
	copyWith := func(opts storage.CopyObjectOptions) error {
		_, err := b.CopyObject(ctx, bucket, "k", bucket, "k2", opts)
		return err
	}
	key := bytes.Repeat([]byte{1}, storage.CustomerKeySize)
	revision := "r"
	for name, call := range map[string]func() error{
		"PutObject public-read": func() error { return put(storage.PutObjectOptions{ACL: "public-read"}) },
		"PutObject SSE-KMS": func() error {
			return put(storage.PutObjectOptions{Encryption: storage.Encryption{Algorithm: storage.SSEKMS}})
		},
		"PutObject SSE-C":         func() error { return put(storage.PutObjectOptions{Encryption: storage.Encryption{CustomerKey: key}}) },
		"CopyObject public-read":  func() error { return copyWith(storage.CopyObjectOptions{ACL: "public-read"}) },
		"CopyObject SSE-C source": func() error { return copyWith(storage.CopyObjectOptions{SourceCustomerKey: key}) },
		"CopyObject SSE-KMS": func() error {
			return copyWith(storage.CopyObjectOptions{Encryption: storage.Encryption{Algorithm: storage.SSEKMS}})
		},
		"GetObject SSE-C": func() error {
			_, _, err := b.GetObject(ctx, bucket, "k", storage.ReadOptions{CustomerKey: key})
			return err
		},
		"DeleteObject IfRevision": func() error {
			_, err := b.DeleteObject(ctx, bucket, "k", storage.DeleteObjectOptions{IfRevision: revision})
			return err
		},
		"DeleteObject IfTags": func() error {
			_, err := b.DeleteObject(ctx, bucket, "k", storage.DeleteObjectOptions{IfTags: &revision})
			return err
		},
		"DeleteObject IfOnlyVersion": func() error {
			_, err := b.DeleteObject(ctx, bucket, "k", storage.DeleteObjectOptions{VersionID: "null", IfOnlyVersion: true})
			return err
		},
		"PutObjectACL public-read": func() error {
			return b.PutObjectACL(ctx, bucket, "k", storage.PutObjectACLOptions{ACL: "public-read"})
		},
		"ListObjectParts SSE-C": func() error {
			_, err := b.ListObjectParts(ctx, bucket, "k", storage.ListObjectPartsOptions{CustomerKey: key})
			return err
		},
	} {
		up.Reset()
		if err := call(); !errors.Is(err, storage.ErrNotImplemented) {
			t.Errorf("%s: %v, want ErrNotImplemented", name, err)
		}
		for _, r := range up.Requests() {
			if r.Method != http.MethodHead && r.Method != http.MethodGet {
				t.Errorf("%s: sent %s %s upstream", name, r.Method, r.URI)
			}
		}
	}
	// What is accepted: SSE-S3 (no header sent), the bucket owner's ACLs.
	for _, opts := range []storage.PutObjectOptions{
		{Encryption: storage.Encryption{Algorithm: storage.SSEAES256}},
		{ACL: storage.DefaultACL},
		{ACL: "bucket-owner-full-control"},
	} {
		up.Reset()
		if err := put(opts); err != nil {
			t.Errorf("PutObject %+v: %v", opts, err)
		}
		for _, r := range up.Requests() {
			if r.Header.Get("X-Amz-Server-Side-Encryption") != "" || r.Header.Get("X-Amz-Acl") != "" {
				t.Errorf("PutObject %+v sent encryption %q, ACL %q", opts, r.Header.Get("X-Amz-Server-Side-Encryption"), r.Header.Get("X-Amz-Acl"))
			}
		}
	}
}

func TestAnonymousCallerIsUnsigned(t *testing.T) {
	up, b, bucket := objBackend(t, "")
	objPut(t, b, bucket, "k", "data")
	anon := storage.WithCaller(context.Background(), storage.Caller{})
	up.Reset()
	_, err := b.HeadObject(anon, bucket, "k", storage.ReadOptions{})
	var se *storage.ServiceError
	if !errors.As(err, &se) || se.Status != http.StatusForbidden {
		t.Errorf("anonymous HeadObject of a private object: %v, want the upstream's 403", err)
	}
	_, err = b.PutObject(anon, bucket, "anon", strings.NewReader("x"), storage.PutObjectOptions{Size: 1})
	if !errors.As(err, &se) || se.Status != http.StatusForbidden {
		t.Errorf("anonymous PutObject: %v, want the upstream's 403", err)
	}
	reqs := up.ClientRequests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	for _, r := range reqs {
		if r.Header.Get("Authorization") != "" || r.Query().Has("X-Amz-Signature") {
			t.Errorf("anonymous %s sent credentials: %q", r.Method, r.Header.Get("Authorization"))
		}
	}
	// A known caller's requests are signed.
	up.Reset()
	signed := storage.WithCaller(context.Background(), storage.Caller{AccessKey: "someone"})
	if _, err := b.HeadObject(signed, bucket, "k", storage.ReadOptions{}); err != nil {
		t.Fatal(err)
	}
	if r := up.ClientRequests()[0]; !strings.Contains(r.Header.Get("Authorization"), "Credential="+up.Service.AccessKey+"/") {
		t.Errorf("a caller's request signed as %q", r.Header.Get("Authorization"))
	}
}

// objMultipart makes key from parts with a multipart upload in alg ("" for none), and
// returns the object.
func objMultipart(t *testing.T, b *upstream.Backend, bucket, key string, alg storage.ChecksumAlgorithm, parts ...[]byte) storage.ObjectInfo {
	t.Helper()
	ctx := context.Background()
	upload, err := b.CreateMultipartUpload(ctx, bucket, key, storage.CreateMultipartUploadOptions{ChecksumAlgorithm: alg})
	if err != nil {
		t.Fatal(err)
	}
	var done []storage.CompletedPart
	for i, p := range parts {
		opts := storage.UploadPartOptions{Size: int64(len(p)), ChecksumAlgorithm: alg}
		if alg != "" {
			opts.ChecksumValue = alg.Sum(p)
		}
		pi, err := b.UploadPart(ctx, bucket, key, upload.UploadID, i+1, bytes.NewReader(p), opts)
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, storage.CompletedPart{PartNumber: i + 1, ETag: pi.ETag, Checksum: opts.ChecksumValue})
	}
	var opts storage.CompleteMultipartUploadOptions
	if alg != "" {
		// The object's COMPOSITE checksum: of the parts' binary checksums, then "-N".
		var raw []byte
		for _, p := range done {
			sum, _ := alg.Decode(p.Checksum)
			raw = append(raw, sum...)
		}
		opts.Checksum = storage.Checksum{Algorithm: alg, Value: alg.Sum(raw) + "-" + strconv.Itoa(len(parts))}
	}
	info, err := b.CompleteMultipartUpload(ctx, bucket, key, upload.UploadID, done, opts)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func TestListObjectParts(t *testing.T) {
	_, b, bucket := objBackend(t, "")
	ctx := context.Background()
	parts := [][]byte{bytes.Repeat([]byte("a"), storage.MinPartSize), bytes.Repeat([]byte("b"), storage.MinPartSize+1), []byte("tail")}
	obj := objMultipart(t, b, bucket, "composite", storage.ChecksumCRC32, parts...)
	if obj.Checksum.Type != storage.ChecksumComposite {
		t.Fatalf("the object's checksum %+v is not COMPOSITE", obj.Checksum)
	}
	want := []storage.ObjectPart{
		{PartNumber: 1, Offset: 0, Size: int64(len(parts[0])), Checksum: storage.ChecksumCRC32.Sum(parts[0])},
		{PartNumber: 2, Offset: int64(len(parts[0])), Size: int64(len(parts[1])), Checksum: storage.ChecksumCRC32.Sum(parts[1])},
		{PartNumber: 3, Offset: int64(len(parts[0]) + len(parts[1])), Size: 4, Checksum: storage.ChecksumCRC32.Sum(parts[2])},
	}
	head, err := b.HeadObject(ctx, bucket, "composite", storage.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		marker, max int
		want        []storage.ObjectPart
		truncated   bool
	}{
		{0, 1000, want, false},
		{0, 1, want[:1], true},
		{1, 1, want[1:2], true},
		{1, 5, want[1:], false},
		{2, 1, want[2:], false},
		{3, 1, nil, false},
		{0, 0, nil, true},
	} {
		res, err := b.ListObjectParts(ctx, bucket, "composite", storage.ListObjectPartsOptions{PartNumberMarker: c.marker, MaxParts: c.max})
		if err != nil {
			t.Fatalf("marker %d, max %d: %v", c.marker, c.max, err)
		}
		if len(res.Parts) != len(c.want) || res.IsTruncated != c.truncated || res.Object.Revision != head.Revision {
			t.Errorf("marker %d, max %d: %+v, truncated %v, revision %q; want %+v, %v, %q", c.marker, c.max, res.Parts, res.IsTruncated, res.Object.Revision, c.want, c.truncated, head.Revision)
			continue
		}
		for i := range c.want {
			if res.Parts[i] != c.want[i] {
				t.Errorf("marker %d, max %d: part %+v, want %+v", c.marker, c.max, res.Parts[i], c.want[i])
			}
		}
		if len(c.want) > 0 && res.NextPartNumberMarker != c.want[len(c.want)-1].PartNumber {
			t.Errorf("marker %d, max %d: next marker %d", c.marker, c.max, res.NextPartNumberMarker)
		}
	}
	// An object without checksums, whose parts the upstream does not list: read by a HEAD of
	// each part, a page at a time.
	objMultipart(t, b, bucket, "plain", "", parts[0], parts[2])
	plain := []storage.ObjectPart{{PartNumber: 1, Size: int64(len(parts[0]))}, {PartNumber: 2, Offset: int64(len(parts[0])), Size: 4}}
	for _, c := range []struct {
		marker, max int
		want        []storage.ObjectPart
		truncated   bool
	}{{0, 10, plain, false}, {0, 1, plain[:1], true}, {1, 1, plain[1:], false}, {0, 0, nil, true}} {
		res, err := b.ListObjectParts(ctx, bucket, "plain", storage.ListObjectPartsOptions{PartNumberMarker: c.marker, MaxParts: c.max})
		if err != nil || !slices.Equal(res.Parts, c.want) || res.IsTruncated != c.truncated || len(c.want) > 0 && res.NextPartNumberMarker != c.want[len(c.want)-1].PartNumber {
			t.Errorf("the parts of an object without checksums after %d, at most %d: %+v, %v; want %+v, truncated %v", c.marker, c.max, res, err, c.want, c.truncated)
		}
	}
	objPut(t, b, bucket, "single", "x")
	if res, err := b.ListObjectParts(ctx, bucket, "single", storage.ListObjectPartsOptions{MaxParts: 10}); err != nil || len(res.Parts) != 0 || res.Object.Size != 1 {
		t.Errorf("the parts of a single-part object: %+v, %v", res, err)
	}
	if _, err := b.ListObjectParts(ctx, bucket, "missing", storage.ListObjectPartsOptions{MaxParts: 10}); !errors.Is(err, storage.ErrNoSuchKey) {
		t.Errorf("the parts of a missing key: %v", err)
	}
}
