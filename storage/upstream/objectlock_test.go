package upstream_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/doorman-s3/doorman/storage"
)

// Object Lock goes to the upstream, which enforces it: the bucket made with it, its
// configuration (kept in the bucket's record too, which another node reads), a bucket made
// upstream with it and adopted, the locks of a version and the governance bypass of a delete.
func TestObjectLockUpstream(t *testing.T) {
	ctx := context.Background()
	up := newUpstream(t)
	b := newBackend(t, up, nil)
	c := up.S3(up.Service)
	if _, err := b.CreateBucket(ctx, "locked", storage.CreateBucketOptions{ObjectLockEnabled: true}); err != nil {
		t.Fatal(err)
	}
	def := &storage.DefaultRetention{Mode: storage.RetentionGovernance, Days: 3}
	if err := b.PutBucketObjectLock(ctx, "locked", storage.ObjectLockConfig{Enabled: true, DefaultRetention: def}); err != nil {
		t.Fatal(err)
	}
	cfg, err := c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String("locked")})
	if err != nil || cfg.ObjectLockConfiguration.ObjectLockEnabled != types.ObjectLockEnabledEnabled || cfg.ObjectLockConfiguration.Rule == nil ||
		aws.ToInt32(cfg.ObjectLockConfiguration.Rule.DefaultRetention.Days) != 3 {
		t.Errorf("the upstream's Object Lock configuration: %+v, %v", cfg, err)
	}
	if v, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("locked")}); err != nil || v.Status != types.BucketVersioningStatusEnabled {
		t.Errorf("the upstream bucket's versioning: %+v, %v", v, err)
	}

	// A bucket made upstream with Object Lock, behind doorman's back, is adopted with it.
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("adopted"), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String("adopted"),
		ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled,
			Rule: &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{Mode: types.ObjectLockRetentionModeCompliance, Years: aws.Int32(2)}}}}); err != nil {
		t.Fatal(err)
	}
	other := newBackend(t, up, nil)
	for _, tc := range []struct {
		bucket string
		want   storage.ObjectLockConfig
	}{
		{"locked", storage.ObjectLockConfig{Enabled: true, DefaultRetention: def}},
		{"adopted", storage.ObjectLockConfig{Enabled: true, DefaultRetention: &storage.DefaultRetention{Mode: storage.RetentionCompliance, Years: 2}}},
	} {
		got, err := other.HeadBucket(ctx, tc.bucket)
		if err != nil || !reflect.DeepEqual(got.ObjectLock, tc.want) || got.Versioning != storage.VersioningEnabled {
			t.Errorf("another node's %s: %+v, %v; want Object Lock %+v, versioning Enabled", tc.bucket, got, err, tc.want)
		}
	}

	// A version under the default GOVERNANCE retention: the upstream refuses its delete, and
	// lets a delete through with the bypass, which goes as S3's header.
	start := time.Now()
	v, err := other.PutObject(ctx, "locked", "k", strings.NewReader("body"), storage.PutObjectOptions{Size: 4})
	if err != nil {
		t.Fatal(err)
	}
	if r := v.Retention; r.Mode != storage.RetentionGovernance || r.RetainUntil.Before(start.Truncate(time.Second).Add(72*time.Hour)) {
		t.Errorf("PutObject answered retention %+v, want the default's", r)
	}
	up.Reset()
	for _, tc := range []struct {
		bypass bool
		want   error
		header string
	}{
		{false, storage.ErrObjectLocked, ""},
		{true, nil, "true"},
	} {
		up.Reset()
		_, err := other.DeleteObject(ctx, "locked", "k", storage.DeleteObjectOptions{VersionID: v.VersionID, BypassGovernance: tc.bypass})
		if !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
			t.Errorf("DeleteObject, bypass %v: %v, want %v", tc.bypass, err, tc.want)
		}
		for _, r := range up.Requests() {
			if r.Method == http.MethodDelete && r.Header.Get("X-Amz-Bypass-Governance-Retention") != tc.header {
				t.Errorf("DeleteObject, bypass %v: sent x-amz-bypass-governance-retention %q", tc.bypass, r.Header.Get("X-Amz-Bypass-Governance-Retention"))
			}
		}
	}
}

// An upstream without Object Lock answers 501, which passes as it came, and nothing is kept
// of a configuration the upstream did not take.
func TestObjectLockRefusedUpstream(t *testing.T) {
	ctx := context.Background()
	up := newUpstream(t)
	b := newBackend(t, up, nil)
	if _, err := b.CreateBucket(ctx, "plain", storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := b.PutBucketVersioning(ctx, "plain", storage.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	up.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if !r.URL.Query().Has("object-lock") && r.Header.Get("X-Amz-Bucket-Object-Lock-Enabled") == "" {
			return false
		}
		w.WriteHeader(http.StatusNotImplemented)
		w.Write([]byte(`<Error><Code>NotImplemented</Code><Message>Object Lock is not supported here</Message></Error>`))
		return true
	})
	err := b.PutBucketObjectLock(ctx, "plain", storage.ObjectLockConfig{Enabled: true})
	if !errors.Is(err, storage.ErrNotImplemented) || !strings.Contains(err.Error(), "Object Lock is not supported here") {
		t.Errorf("PutBucketObjectLock: %v, want the upstream's NotImplemented", err)
	}
	if got, err := b.HeadBucket(ctx, "plain"); err != nil || got.ObjectLock.Enabled {
		t.Errorf("HeadBucket after a refused PutBucketObjectLock: %+v, %v", got, err)
	}
	if _, err := b.CreateBucket(ctx, "locked", storage.CreateBucketOptions{ObjectLockEnabled: true}); !errors.Is(err, storage.ErrNotImplemented) {
		t.Errorf("CreateBucket with Object Lock: %v, want the upstream's NotImplemented", err)
	}
	if _, err := b.HeadBucket(ctx, "locked"); !errors.Is(err, storage.ErrNoSuchBucket) {
		t.Errorf("HeadBucket of a bucket the upstream refused: %v", err)
	}
}
