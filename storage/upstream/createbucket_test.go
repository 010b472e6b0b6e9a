package upstream_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/upstream"
)

// metaWrite reports that r writes key prefix prefix of the meta bucket (claims/, buckets/).
func metaWrite(r *http.Request, prefix string) bool {
	return r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/"+upstream.DefaultMetaBucket+"/"+prefix)
}

// slowDown answers a request as MinIO answers a write without its quorum.
func slowDown(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>SlowDownWrite</Code><Message>Resource requested is unwritable, please reduce your request rate</Message></Error>`))
}

// upstreamHas reports whether the upstream lists bucket, asked behind the backend's back.
func upstreamHas(t *testing.T, up *testUpstream, bucket string) bool {
	t.Helper()
	out, err := up.S3(up.Service).ListBuckets(context.Background(), &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, bk := range out.Buckets {
		if aws.ToString(bk.Name) == bucket {
			return true
		}
	}
	return false
}

// A CreateBucket whose writes to the meta bucket the upstream fails for a while (503
// SlowDownWrite) retries them, and the bucket is made and bound; one whose write the upstream
// stored before failing it finds its own bytes on the retry, and is done.
func TestCreateBucketRetriesMetaWrites(t *testing.T) {
	for _, tc := range []struct {
		name, prefix string
		stored       bool // the upstream stores the write, then answers 503
	}{
		{"claim refused", "claims/", false},
		{"record refused", "buckets/", false},
		{"claim stored, then 503", "claims/", true},
		{"record stored, then 503", "buckets/", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			up := newUpstream(t)
			b := newBackend(t, up, nil)
			var failed atomic.Int32
			up.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
				if !metaWrite(r, tc.prefix) || failed.Add(1) > 2 {
					return false
				}
				if tc.stored {
					up.s3.ServeHTTP(httptest.NewRecorder(), r)
				}
				slowDown(w)
				return true
			})
			info, err := b.CreateBucket(ctx, "made", storage.CreateBucketOptions{Owner: "alice"})
			if err != nil {
				t.Fatalf("CreateBucket: %v", err)
			}
			if n := failed.Load(); n != 3 {
				t.Errorf("the %s write was sent %d times, want 3 (two answered 503)", tc.prefix, n)
			}
			if got, err := b.HeadBucket(ctx, "made"); err != nil || got != info || got.Owner != "alice" {
				t.Errorf("HeadBucket: %+v, %v; want %+v", got, err, info)
			}
			if keys := metaKeys(t, up); len(keys) != 2 {
				t.Errorf("the meta bucket holds %v, want the claim and the record", keys)
			}
		})
	}
}

// A CreateBucket that cannot bind the bucket it made upstream (the meta bucket refusing every
// write) answers the upstream's error and deletes the bucket again, with the claim it wrote:
// the client's retry makes it anew, as its own, rather than finding it made.
func TestCreateBucketFailingIsUndone(t *testing.T) {
	for _, prefix := range []string{"claims/", "buckets/"} {
		t.Run(strings.TrimSuffix(prefix, "/"), func(t *testing.T) {
			ctx := context.Background()
			up := newUpstream(t)
			b := newBackend(t, up, func(c *upstream.Config) { c.AdoptOwner = "adopted-owner" })
			up.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
				if !metaWrite(r, prefix) {
					return false
				}
				slowDown(w)
				return true
			})
			_, err := b.CreateBucket(ctx, "made", storage.CreateBucketOptions{Owner: "alice"})
			if se, ok := errors.AsType[*storage.ServiceError](err); !ok || se.Status != 503 || se.Code != "SlowDownWrite" {
				t.Fatalf("CreateBucket with the meta bucket refusing writes: %v, want 503 SlowDownWrite", err)
			}
			if upstreamHas(t, up, "made") {
				t.Errorf("the upstream still has the bucket a failed CreateBucket made")
			}
			if keys := metaKeys(t, up); len(keys) != 0 {
				t.Errorf("the meta bucket keeps %v after a failed CreateBucket", keys)
			}
			up.Intercept(nil)
			info, err := b.CreateBucket(ctx, "made", storage.CreateBucketOptions{Owner: "alice"})
			if err != nil || info.Owner != "alice" {
				t.Fatalf("CreateBucket retried: %+v, %v; want alice's bucket", info, err)
			}
		})
	}
}

// When the undoing fails too (the upstream refusing the delete), the bucket is left made
// upstream without a record; the client's retry, answered BucketAlreadyOwnedByYou upstream,
// binds it to its creator, as after the upstream's 200 to a create of a bucket its caller
// owns (Amazon S3 in us-east-1, and this test upstream). A create of a bucket bound already
// is still BucketAlreadyOwnedByYou.
func TestCreateBucketRetryBindsWhatAFailedOneMade(t *testing.T) {
	ctx := context.Background()
	up := newUpstream(t)
	b := newBackend(t, up, func(c *upstream.Config) { c.AdoptOwner = "adopted-owner" })
	up.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if metaWrite(r, "claims/") || r.Method == http.MethodDelete && r.URL.Path == "/made" {
			slowDown(w)
			return true
		}
		return false
	})
	if _, err := b.CreateBucket(ctx, "made", storage.CreateBucketOptions{Owner: "alice"}); err == nil {
		t.Fatal("CreateBucket with the meta bucket refusing writes succeeded")
	}
	if !upstreamHas(t, up, "made") {
		t.Fatal("the upstream deleted the bucket although it refused the delete")
	}
	// The upstream answers the retry's create as MinIO, and Amazon S3 outside us-east-1, do.
	up.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPut || r.URL.Path != "/made" {
			return false
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusConflict)
		_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>BucketAlreadyOwnedByYou</Code><Message>Your previous request to create the named bucket succeeded and you already own it.</Message></Error>`))
		return true
	})
	info, err := b.CreateBucket(ctx, "made", storage.CreateBucketOptions{Owner: "alice"})
	if err != nil || info.Owner != "alice" {
		t.Fatalf("CreateBucket retried: %+v, %v; want alice's bucket", info, err)
	}
	if got, err := b.HeadBucket(ctx, "made"); err != nil || got.Owner != "alice" {
		t.Errorf("HeadBucket after the retry: %+v, %v; want alice's bucket", got, err)
	}
	if _, err := b.CreateBucket(ctx, "made", storage.CreateBucketOptions{Owner: "alice"}); !errors.Is(err, storage.ErrBucketExists) {
		t.Errorf("CreateBucket of a bound bucket: %v, want %v", err, storage.ErrBucketExists)
	}
}
