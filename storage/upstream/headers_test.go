package upstream_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/tagging"
)

// An object written by another S3 client, straight to the upstream, reads through the backend
// with what that client set: the headers are read as S3 sends them, not only as this backend
// writes them.
func TestHeadersOfAnObjectWrittenElsewhere(t *testing.T) {
	up, b, bucket := objBackend(t, "")
	ctx := context.Background()
	c := up.S3(up.Service)
	data := "written by an SDK"
	_, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("sdk/é key"), Body: strings.NewReader(data),
		ContentType: aws.String("application/json"), ContentEncoding: aws.String("br"),
		ContentDisposition: aws.String("inline"), ContentLanguage: aws.String("de-CH"),
		CacheControl: aws.String("no-store"), Expires: aws.Time(time.Date(2095, 1, 2, 3, 4, 5, 0, time.UTC)),
		Metadata:       map[string]string{"MixedCase": "Value As Given", "n": "1"},
		StorageClass:   types.StorageClassReducedRedundancy,
		Tagging:        aws.String("b=two%20words&a=1"),
		ChecksumSHA256: aws.String(storage.ChecksumSHA256.Sum([]byte(data))),
	})
	if err != nil {
		t.Fatal(err)
	}
	info, err := b.HeadObject(ctx, bucket, "sdk/é key", storage.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := storage.ObjectMetadata{
		ContentType: "application/json", ContentEncoding: "br", ContentDisposition: "inline", ContentLanguage: "de-CH",
		CacheControl: "no-store", Expires: "Sun, 02 Jan 2095 03:04:05 GMT",
		User: map[string]string{"mixedcase": "Value As Given", "n": "1"},
	}
	if !metadataEqual(info.Metadata, want) {
		t.Errorf("metadata %+v, want %+v", info.Metadata, want)
	}
	if wantTags := (tagging.Set{{Key: "a", Value: "1"}, {Key: "b", Value: "two words"}}).Encode(); info.Tags != wantTags {
		t.Errorf("tags %q, want %q", info.Tags, wantTags)
	}
	if info.StorageClass != "REDUCED_REDUNDANCY" || info.Size != int64(len(data)) || info.ETag != md5Hex(data) {
		t.Errorf("storage class %q, size %d, ETag %q", info.StorageClass, info.Size, info.ETag)
	}
	if wantSum := (storage.Checksum{Algorithm: storage.ChecksumSHA256, Value: storage.ChecksumSHA256.Sum([]byte(data)), Type: storage.ChecksumFullObject}); info.Checksum != wantSum {
		t.Errorf("checksum %+v, want %+v", info.Checksum, wantSum)
	}
}

// What the backend writes goes upstream byte for byte, bytes that are not ASCII (nor UTF-8)
// included, and reads back, through the backend and through another S3 client, as it was
// given (the test upstream's store keeps UTF-8 text; Latin-1 is checked on the wire).
func TestHeadersWrittenReadElsewhere(t *testing.T) {
	up, b, bucket := objBackend(t, "")
	ctx := context.Background()
	user := map[string]string{"utf8": "Grüße, 東京", "spaces": "  inner  two  "}
	data := "x"
	if _, err := b.PutObject(ctx, bucket, "k", strings.NewReader(data), storage.PutObjectOptions{
		Size: 1, Metadata: storage.ObjectMetadata{ContentType: "text/plain", User: user},
	}); err != nil {
		t.Fatal(err)
	}
	up.Reset()
	if _, err := b.PutObject(ctx, bucket, "latin1", strings.NewReader(data), storage.PutObjectOptions{
		Size: 1, Metadata: storage.ObjectMetadata{User: map[string]string{"latin1": "caf\xe9"}},
	}); err != nil {
		t.Fatal(err)
	}
	if got := up.ClientRequests()[0].Header.Get("X-Amz-Meta-Latin1"); got != "caf\xe9" {
		t.Errorf("user metadata sent as %q, want %q", got, "caf\xe9")
	}
	info, err := b.HeadObject(ctx, bucket, "k", storage.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range user {
		if k == "spaces" {
			// HTTP trims a field value's surrounding white space (RFC 9110, section 5.5).
			v = strings.TrimSpace(v)
		}
		if got := info.Metadata.User[k]; got != v {
			t.Errorf("user metadata %q read back as %q, want %q", k, got, v)
		}
	}
	out, err := up.S3(up.Service).HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Metadata["utf8"]; got != user["utf8"] {
		t.Errorf("another client reads user metadata %q as %q", "utf8", got)
	}
	if aws.ToString(out.ContentType) != "text/plain" {
		t.Errorf("another client reads Content-Type %q", aws.ToString(out.ContentType))
	}
}

// Metadata that HTTP cannot carry is refused before anything is sent, never cut or changed.
func TestHeadersRefused(t *testing.T) {
	up, b, bucket := objBackend(t, "")
	ctx := context.Background()
	for name, md := range map[string]storage.ObjectMetadata{
		"a line break in a value":  {User: map[string]string{"a": "one\r\nX-Injected: yes"}},
		"a NUL in a value":         {User: map[string]string{"a": "one\x00"}},
		"a space in a name":        {User: map[string]string{"a b": "v"}},
		"a line break in a header": {ContentDisposition: "inline\nX-Injected: yes"},
	} {
		up.Reset()
		_, err := b.PutObject(ctx, bucket, "k", strings.NewReader("x"), storage.PutObjectOptions{Size: 1, Metadata: md})
		if !errors.Is(err, storage.ErrNotImplemented) {
			t.Errorf("%s: %v, want ErrNotImplemented", name, err)
		}
		if n := len(up.ClientRequests()); n != 0 {
			t.Errorf("%s: %d requests sent", name, n)
		}
	}
}

// Object Lock settings an upstream bucket has are read, though this backend sets none.
func TestHeadersObjectLockRead(t *testing.T) {
	up, b, _ := objBackend(t, "")
	ctx := context.Background()
	c := up.S3(up.Service)
	const bucket = "locked"
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	_, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("k"), Body: strings.NewReader("x"),
		ObjectLockMode: types.ObjectLockModeGovernance, ObjectLockRetainUntilDate: aws.Time(until),
		ObjectLockLegalHoldStatus: types.ObjectLockLegalHoldStatusOn,
		ChecksumAlgorithm:         types.ChecksumAlgorithmCrc32,
	})
	if err != nil {
		t.Fatal(err)
	}
	var info storage.ObjectInfo
	// The bucket was made behind the backend's back: its snapshot learns of it by polling.
	deadline := time.Now().Add(5 * time.Second)
	for {
		info, err = b.HeadObject(ctx, bucket, "k", storage.ReadOptions{})
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(testPollInterval)
	}
	if err != nil {
		t.Fatal(err)
	}
	if info.Retention.Mode != storage.RetentionGovernance || !info.Retention.RetainUntil.Equal(until) || !info.LegalHold || !info.LegalHoldSet {
		t.Errorf("retention %+v, legal hold %v (set %v)", info.Retention, info.LegalHold, info.LegalHoldSet)
	}
	if info.VersionID == storage.NullVersion || info.VersionID == "" {
		t.Errorf("version %q of an object in a bucket with Object Lock", info.VersionID)
	}
}
