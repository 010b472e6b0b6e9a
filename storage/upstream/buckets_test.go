package upstream_test

import (
	"context"
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/doorman-s3/doorman/storage"
)

func TestCreateAndDeleteBucket(t *testing.T) {
	ctx := context.Background()
	up := newUpstream(t)
	b := newBackend(t, up, nil)
	// The region goes upstream as the LocationConstraint: this upstream, in us-east-1,
	// refuses another, in its own words.
	_, err := b.CreateBucket(ctx, "elsewhere", storage.CreateBucketOptions{Region: "eu-west-1"})
	var se *storage.ServiceError
	if !errors.As(err, &se) || se.Code != "IllegalLocationConstraintException" {
		t.Errorf("CreateBucket in another region: %v", err)
	}
	if _, err := b.HeadBucket(ctx, "elsewhere"); !errors.Is(err, storage.ErrNoSuchBucket) {
		t.Errorf("a bucket the upstream refused: %v", err)
	}

	info, err := b.CreateBucket(ctx, "made", storage.CreateBucketOptions{Owner: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "made" || len(info.ID) != 32 || info.Owner != "alice" || info.ACL != storage.DefaultACL || info.CreationDate.IsZero() {
		t.Errorf("CreateBucket returned %+v", info)
	}
	if got, err := b.HeadBucket(ctx, "made"); err != nil || got != info {
		t.Errorf("HeadBucket: %+v, %v; want %+v", got, err, info)
	}

	for _, tc := range []struct {
		name   string
		bucket string
		opts   storage.CreateBucketOptions
		want   error
	}{
		{"existing", "made", storage.CreateBucketOptions{}, storage.ErrBucketExists},
		{"invalid name", "No_Such", storage.CreateBucketOptions{}, storage.ErrInvalidBucketName},
	} {
		if _, err := b.CreateBucket(ctx, tc.bucket, tc.opts); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}

	if err := b.PutBucketConfig(ctx, "made", "cors", []byte(corsDoc)); err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteBucket(ctx, "made"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.HeadBucket(ctx, "made"); !errors.Is(err, storage.ErrNoSuchBucket) {
		t.Errorf("HeadBucket after DeleteBucket: %v", err)
	}
	if keys := metaKeys(t, up); len(keys) != 0 {
		t.Errorf("the meta bucket keeps %v after DeleteBucket", keys)
	}
	if err := b.DeleteBucket(ctx, "made"); !errors.Is(err, storage.ErrNoSuchBucket) {
		t.Errorf("DeleteBucket of a deleted bucket: %v", err)
	}
}

func TestDeleteBucketHoldingObjectsKeepsItsRecord(t *testing.T) {
	ctx := context.Background()
	up := newUpstream(t)
	b := newBackend(t, up, nil)
	if _, err := b.CreateBucket(ctx, "full", storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := b.PutBucketConfig(ctx, "full", "cors", []byte(corsDoc)); err != nil {
		t.Fatal(err)
	}
	if _, err := up.S3(up.Service).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("full"), Key: aws.String("k"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteBucket(ctx, "full"); !errors.Is(err, storage.ErrBucketNotEmpty) {
		t.Fatalf("DeleteBucket of a bucket holding an object: %v", err)
	}
	if got := configOf(b, "full", "cors"); got != corsDoc {
		t.Errorf("the CORS configuration after a refused delete: %s", got)
	}
	if keys := metaKeys(t, up); len(keys) != 3 { // record, claim, CORS
		t.Errorf("the meta bucket after a refused delete: %v", keys)
	}
}

// decodeOwnership reads an OwnershipControls document as the protocol layer does: exactly
// one rule naming one setting.
func decodeOwnership(t *testing.T, doc []byte) string {
	t.Helper()
	var c struct {
		XMLName xml.Name `xml:"OwnershipControls"`
		Rules   []struct {
			ObjectOwnership string `xml:"ObjectOwnership"`
		} `xml:"Rule"`
	}
	if err := xml.Unmarshal(doc, &c); err != nil || len(c.Rules) != 1 {
		t.Fatalf("ownership controls %s: %v", doc, err)
	}
	return c.Rules[0].ObjectOwnership
}

const enforcedDoc = `<OwnershipControls xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>`

func TestBucketConfigs(t *testing.T) {
	ctx := context.Background()
	up := newUpstream(t)
	b := newBackend(t, up, nil)
	if _, err := b.CreateBucket(ctx, "conf", storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}

	doc, err := b.GetBucketConfig(ctx, "conf", "ownership-controls")
	if err != nil || decodeOwnership(t, doc) != "BucketOwnerEnforced" {
		t.Fatalf("the default ownership controls: %s, %v", doc, err)
	}
	if string(doc) != enforcedDoc {
		t.Errorf("the default ownership controls are %s, want the protocol layer's %s", doc, enforcedDoc)
	}

	for _, tc := range []struct {
		kind, doc string
		put, get  error // the errors of the put and of the get after it
		del       error
	}{
		{kind: "cors", doc: corsDoc},
		{kind: "policy", doc: `{"Version":"2012-10-17","Statement":[]}`},
		{kind: "public-access-block", doc: `<PublicAccessBlockConfiguration/>`},
		{kind: "tagging", doc: `<Tagging><TagSet/></Tagging>`},
		{kind: "ownership-controls", doc: enforcedDoc, del: storage.ErrNotImplemented},
		{kind: "ownership-controls", doc: strings.Replace(enforcedDoc, "BucketOwnerEnforced", "ObjectWriter", 1), put: storage.ErrNotImplemented, del: storage.ErrNotImplemented},
		{kind: "lifecycle", doc: `<LifecycleConfiguration/>`, put: storage.ErrNotImplemented, get: storage.ErrNoSuchConfig},
		{kind: "encryption", doc: `<ServerSideEncryptionConfiguration/>`, put: storage.ErrNotImplemented, get: storage.ErrNoSuchConfig},
		{kind: "website", doc: `<WebsiteConfiguration/>`},
		{kind: "Bad_Kind", doc: "x", put: storage.ErrInvalidConfigKind, get: storage.ErrInvalidConfigKind, del: storage.ErrInvalidConfigKind},
		{kind: "cors", doc: strings.Repeat("x", storage.MaxConfigSize+1), put: storage.ErrConfigTooLarge},
	} {
		name := tc.kind + "/" + tc.doc[:min(len(tc.doc), 24)]
		err := b.PutBucketConfig(ctx, "conf", tc.kind, []byte(tc.doc))
		if !errors.Is(err, tc.put) || (tc.put == nil) != (err == nil) {
			t.Errorf("%s: put: %v, want %v", name, err, tc.put)
			continue
		}
		got, err := b.GetBucketConfig(ctx, "conf", tc.kind)
		switch {
		case tc.get != nil && !errors.Is(err, tc.get):
			t.Errorf("%s: get: %v, want %v", name, err, tc.get)
		case tc.get == nil && tc.put == nil && (err != nil || string(got) != tc.doc):
			t.Errorf("%s: get: %q, %v", name, got, err)
		}
		err = b.DeleteBucketConfig(ctx, "conf", tc.kind)
		if !errors.Is(err, tc.del) || (tc.del == nil) != (err == nil) {
			t.Errorf("%s: delete: %v, want %v", name, err, tc.del)
		}
		if tc.put == nil && tc.del == nil {
			if _, err := b.GetBucketConfig(ctx, "conf", tc.kind); !errors.Is(err, storage.ErrNoSuchConfig) {
				t.Errorf("%s: get after the delete: %v", name, err)
			}
		}
	}
	if _, err := b.GetBucketConfig(ctx, "none", "cors"); !errors.Is(err, storage.ErrNoSuchBucket) {
		t.Errorf("GetBucketConfig of a missing bucket: %v", err)
	}

	// Reads come from the snapshot, never from the upstream.
	if err := b.PutBucketConfig(ctx, "conf", "cors", []byte(corsDoc)); err != nil {
		t.Fatal(err)
	}
	up.Reset()
	for range 20 {
		if got := configOf(b, "conf", "cors"); got != corsDoc {
			t.Fatalf("GetBucketConfig: %s", got)
		}
	}
	for _, r := range up.Requests() {
		if strings.Contains(r.Path, "/configs/") {
			t.Errorf("GetBucketConfig made an upstream request: %s %s", r.Method, r.URI)
		}
	}
}

func TestBucketACLAndVersioning(t *testing.T) {
	ctx := context.Background()
	up := newUpstream(t)
	b := newBackend(t, up, nil)
	info, err := b.CreateBucket(ctx, "settings", storage.CreateBucketOptions{ACL: "public-read"})
	if err != nil {
		t.Fatal(err)
	}
	if info.ACL != "public-read" {
		t.Errorf("created with ACL %q", info.ACL)
	}
	if err := b.PutBucketACL(ctx, "settings", ""); err != nil {
		t.Fatal(err)
	}
	if err := b.PutBucketVersioning(ctx, "settings", storage.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	got, err := b.HeadBucket(ctx, "settings")
	if err != nil || got.ACL != storage.DefaultACL || got.Versioning != storage.VersioningEnabled || got.ID != info.ID {
		t.Errorf("HeadBucket: %+v, %v", got, err)
	}
	v, err := up.S3(up.Service).GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("settings")})
	if err != nil || v.Status != types.BucketVersioningStatusEnabled {
		t.Errorf("the upstream bucket's versioning: %+v, %v", v, err)
	}
	if err := b.PutBucketVersioning(ctx, "settings", "Off"); !errors.Is(err, storage.ErrInvalidVersioning) {
		t.Errorf("PutBucketVersioning Off: %v", err)
	}
	if err := b.PutBucketObjectLock(ctx, "settings", storage.ObjectLockConfig{Enabled: true}); err != nil {
		t.Errorf("PutBucketObjectLock: %v", err)
	}
	if got, err = b.HeadBucket(ctx, "settings"); err != nil || !got.ObjectLock.Enabled {
		t.Errorf("HeadBucket after PutBucketObjectLock: %+v, %v", got, err)
	}
	// A second node agrees, from the meta bucket.
	other := newBackend(t, up, nil)
	if got2, err := other.HeadBucket(ctx, "settings"); err != nil || got2 != got {
		t.Errorf("another node: %+v, %v; want %+v", got2, err, got)
	}
	if err := b.PutBucketACL(ctx, "missing", "private"); !errors.Is(err, storage.ErrNoSuchBucket) {
		t.Errorf("PutBucketACL of a missing bucket: %v", err)
	}
}
