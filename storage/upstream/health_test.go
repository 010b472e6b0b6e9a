package upstream_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/upstream"
)

func TestStaleIfError(t *testing.T) {
	ctx := context.Background()
	up := newUpstream(t)
	b := newBackend(t, up, nil)
	if _, err := b.CreateBucket(ctx, "kept", storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := b.PutBucketConfig(ctx, "kept", "cors", []byte(corsDoc)); err != nil {
		t.Fatal(err)
	}
	if err := b.Health(ctx); err != nil {
		t.Fatalf("Health of a backend in good health: %v", err)
	}

	// Polls fail while the endpoint still answers its probes: the snapshot ages.
	failed := time.Now()
	up.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/"+upstream.DefaultMetaBucket) {
			http.Error(w, "<Error><Code>InternalError</Code><Message>injected</Message></Error>", http.StatusInternalServerError)
			return true
		}
		return false
	})
	var herr error
	eventually(t, 10*time.Second, "Health fails once the snapshot is too old", func() bool {
		herr = b.Health(ctx)
		if herr == nil && time.Since(failed) > 12*testPollInterval {
			t.Fatalf("Health still passes %v after the polls began to fail", time.Since(failed))
		}
		return herr != nil
	})
	if time.Since(failed) < 9*testPollInterval || !strings.Contains(herr.Error(), "old") {
		t.Errorf("Health failed after %v with %v; want after 10 poll intervals, telling the snapshot's age", time.Since(failed), herr)
	}
	if got := configOf(b, "kept", "cors"); got != corsDoc {
		t.Errorf("GetBucketConfig while polls fail: %s", got)
	}

	up.Intercept(nil)
	eventually(t, 10*testPollInterval, "Health passes again once a poll completes", func() bool { return b.Health(ctx) == nil })

	// The upstream is gone: the prober finds no endpoint, and the snapshot still answers.
	up.Kill()
	eventually(t, 10*time.Second, "Health fails when no endpoint answers", func() bool {
		err := b.Health(ctx)
		return err != nil && err.Error() == "no upstream endpoint is reachable"
	})
	if got := configOf(b, "kept", "cors"); got != corsDoc {
		t.Errorf("GetBucketConfig with the upstream down: %s", got)
	}
	if _, err := b.HeadBucket(ctx, "kept"); err != nil {
		t.Errorf("HeadBucket with the upstream down: %v", err)
	}
}
