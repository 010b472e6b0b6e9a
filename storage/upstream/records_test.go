package upstream_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/upstream"
)

// slowPoll is the poll interval of a node whose snapshot a test keeps as its first load made
// it.
const slowPoll = time.Hour

// Two nodes change one bucket's record at once, each from its own snapshot: neither undoes
// the other's change, for a recorded bucket and for an adopted one whose record the first
// change writes.
func TestRecordChangesNeverUndoEachOther(t *testing.T) {
	ctx := context.Background()
	up := newUpstream(t)
	a := newBackend(t, up, nil)
	if _, err := a.CreateBucket(ctx, "made", storage.CreateBucketOptions{Owner: "alice"}); err != nil {
		t.Fatal(err)
	}
	if _, err := up.S3(up.Service).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("adopted")}); err != nil {
		t.Fatal(err)
	}
	eventually(t, within+upstream.AdoptAfter, "A finds the adopted bucket", func() bool { _, err := a.HeadBucket(ctx, "adopted"); return err == nil })
	stale := newBackend(t, up, func(c *upstream.Config) { c.PollInterval = slowPoll })
	for _, bucket := range []string{"made", "adopted"} {
		if err := a.PutBucketACL(ctx, bucket, "public-read"); err != nil {
			t.Fatal(err)
		}
		// The stale node's snapshot holds the record as it was before A's change.
		if info, _ := stale.HeadBucket(ctx, bucket); info.ACL == "public-read" {
			t.Fatalf("%s: the stale node already read the ACL", bucket)
		}
		if err := stale.PutBucketVersioning(ctx, bucket, storage.VersioningEnabled); err != nil {
			t.Fatal(err)
		}
		if err := stale.PutBucketConfig(ctx, bucket, "cors", []byte(corsDoc)); err != nil {
			t.Fatal(err)
		}
		fresh := newBackend(t, up, nil)
		info, err := fresh.HeadBucket(ctx, bucket)
		if err != nil || info.ACL != "public-read" || info.Versioning != storage.VersioningEnabled || configOf(fresh, bucket, "cors") != corsDoc {
			t.Errorf("%s as a new node reads it: %+v, %v, cors %q; want A's ACL and the stale node's versioning and CORS",
				bucket, info, err, configOf(fresh, bucket, "cors"))
		}
	}
}

// okOnExisting makes up answer 200 to a create of a bucket its caller owns already, as Amazon
// S3 does in us-east-1, instead of 409 BucketAlreadyOwnedByYou.
func okOnExisting(up *testUpstream) {
	up.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPut || strings.Count(r.URL.Path, "/") != 1 || r.URL.RawQuery != "" {
			return false
		}
		rec := httptest.NewRecorder()
		up.s3.ServeHTTP(rec, r)
		if rec.Code == http.StatusConflict && strings.Contains(rec.Body.String(), "BucketAlreadyOwnedByYou") {
			w.WriteHeader(http.StatusOK)
			return true
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		return true
	})
}

// Two nodes that do not know of each other's create (within a poll interval) create one
// name, the upstream answering both 200: the first binds its record, the second is refused,
// BucketAlreadyExists for another owner and BucketAlreadyOwnedByYou for the same; the bucket
// stays the first's, and its claim goes with it when it is deleted.
func TestConcurrentCreateOneWinner(t *testing.T) {
	ctx := context.Background()
	up := newUpstream(t)
	okOnExisting(up)
	a := newBackend(t, up, func(c *upstream.Config) { c.PollInterval = slowPoll })
	b := newBackend(t, up, func(c *upstream.Config) { c.PollInterval = slowPoll })
	won, err := a.CreateBucket(ctx, "contested", storage.CreateBucketOptions{Owner: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.CreateBucket(ctx, "contested", storage.CreateBucketOptions{Owner: "bob"})
	if se, ok := errors.AsType[*storage.ServiceError](err); !ok || se.Status != 409 || se.Code != "BucketAlreadyExists" {
		t.Errorf("another owner's create: %v, want 409 BucketAlreadyExists", err)
	}
	if _, err := b.CreateBucket(ctx, "contested", storage.CreateBucketOptions{Owner: "alice"}); !errors.Is(err, storage.ErrBucketExists) {
		t.Errorf("the same owner's create: %v, want ErrBucketExists (BucketAlreadyOwnedByYou)", err)
	}
	fresh := newBackend(t, up, nil)
	if info, err := fresh.HeadBucket(ctx, "contested"); err != nil || info.ID != won.ID || info.Owner != "alice" {
		t.Errorf("a new node reads %+v, %v; want the first create's bucket", info, err)
	}
	if keys := metaKeys(t, up); len(keys) != 2 {
		t.Errorf("the meta bucket holds %v, want one record and one claim", keys)
	}
	up.Intercept(nil)
	if err := fresh.DeleteBucket(ctx, "contested"); err != nil {
		t.Fatal(err)
	}
	if keys := metaKeys(t, up); len(keys) != 0 {
		t.Errorf("the meta bucket after the delete holds %v", keys)
	}
}

// listingHook rewrites the upstream's ListBuckets answers: a bucket hidden is left out, a
// bucket moved has another CreationDate.
type listingHook struct {
	mu     sync.Mutex
	hidden map[string]bool
	moved  map[string]string
}

func (h *listingHook) set(hide, move map[string]string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hidden = map[string]bool{}
	for k := range hide {
		h.hidden[k] = true
	}
	h.moved = move
}

var bucketEntry = regexp.MustCompile(`<Bucket><Name>([^<]+)</Name><CreationDate>([^<]+)</CreationDate>`)

func (h *listingHook) install(up *testUpstream) {
	up.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodGet || r.URL.Path != "/" {
			return false
		}
		rec := httptest.NewRecorder()
		up.s3.ServeHTTP(rec, r)
		h.mu.Lock()
		body := bucketEntry.ReplaceAllStringFunc(rec.Body.String(), func(e string) string {
			m := bucketEntry.FindStringSubmatch(e)
			switch {
			case h.hidden[m[1]]:
				return `<Bucket><Name>` + m[1] + `-hidden</Name><CreationDate>` + m[2] + `</CreationDate>`
			case h.moved[m[1]] != "":
				return `<Bucket><Name>` + m[1] + `</Name><CreationDate>` + h.moved[m[1]] + `</CreationDate>`
			}
			return e
		})
		h.mu.Unlock()
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(rec.Code)
		w.Write([]byte(body))
		return true
	})
}

// A bucket whose upstream CreationDate moves (Amazon S3 moves it when a bucket is edited)
// keeps its record, owner, ACL and configurations, and the record follows the new date; a
// bucket seen missing upstream, then listed again with another date, was made again: the new
// one is adopted and inherits nothing.
func TestCreationDateMovesOrBucketMadeAgain(t *testing.T) {
	ctx := context.Background()
	up := newUpstream(t)
	hook := &listingHook{}
	hook.install(up)
	adopt := func(c *upstream.Config) { c.AdoptOwner = "adopted-owner" }
	a := newBackend(t, up, adopt)
	for _, name := range []string{"edited", "reborn"} {
		if _, err := a.CreateBucket(ctx, name, storage.CreateBucketOptions{Owner: "alice", ACL: "public-read"}); err != nil {
			t.Fatal(err)
		}
		if err := a.PutBucketConfig(ctx, name, "cors", []byte(corsDoc)); err != nil {
			t.Fatal(err)
		}
	}
	edited, _ := a.HeadBucket(ctx, "edited")
	reborn, _ := a.HeadBucket(ctx, "reborn")

	const later = "2031-05-06T07:08:09.000Z"
	hook.set(map[string]string{"reborn": ""}, map[string]string{"edited": later})
	eventually(t, within, "A finds reborn gone", func() bool { _, err := a.HeadBucket(ctx, "reborn"); return err != nil })
	hook.set(nil, map[string]string{"edited": later, "reborn": later})
	eventually(t, within+upstream.AdoptAfter, "A finds reborn again", func() bool { _, err := a.HeadBucket(ctx, "reborn"); return err == nil })
	time.Sleep(7 * testPollInterval) // more than the polls that delete a stale record

	info, err := a.HeadBucket(ctx, "edited")
	if err != nil || info.ID != edited.ID || info.Owner != "alice" || info.ACL != "public-read" || configOf(a, "edited", "cors") != corsDoc {
		t.Errorf("the edited bucket after its date moved: %+v, %v, cors %q; want it as it was", info, err, configOf(a, "edited", "cors"))
	}
	out, err := up.S3(up.Service).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(upstream.DefaultMetaBucket), Key: aws.String("buckets/edited/" + edited.ID)})
	if err != nil {
		t.Fatal(err)
	}
	rec := make([]byte, 4096)
	n, _ := out.Body.Read(rec)
	out.Body.Close()
	if !strings.Contains(string(rec[:n]), `"upstreamCreated":"2031-05-06T07:08:09Z"`) {
		t.Errorf("the edited bucket's record was not re-bound to the new date: %s", rec[:n])
	}
	info, err = a.HeadBucket(ctx, "reborn")
	if err != nil || info.ID == reborn.ID || info.Owner != "adopted-owner" || info.ACL != storage.DefaultACL || configOf(a, "reborn", "cors") == corsDoc {
		t.Errorf("the bucket made again: %+v, %v; want it adopted, without the old CORS", info, err)
	}
	for _, k := range metaKeys(t, up) {
		if strings.Contains(k, reborn.ID) {
			t.Errorf("the stale record's %s is still in the meta bucket", k)
		}
	}
}

// The watcher's callback runs on a goroutine of its own: while it blocks, polls go on (the
// snapshot follows another node's changes, and Health holds), and what changed meanwhile is
// told once it returns, each name once.
func TestBlockedWatcherDoesNotStopPolling(t *testing.T) {
	ctx := context.Background()
	up := newUpstream(t)
	a, b := newBackend(t, up, nil), newBackend(t, up, nil)
	release := make(chan struct{})
	var mu sync.Mutex
	var told []string
	var blocked atomic.Bool
	a.WatchBuckets(func(name string) {
		mu.Lock()
		told = append(told, name)
		mu.Unlock()
		if blocked.CompareAndSwap(false, true) {
			<-release
		}
	})
	if _, err := b.CreateBucket(ctx, "first", storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, within, "the callback is told and blocks", blocked.Load)
	if _, err := b.CreateBucket(ctx, "second", storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := b.PutBucketACL(ctx, "second", "public-read"); err != nil {
			t.Fatal(err)
		}
		if err := b.PutBucketACL(ctx, "second", "private"); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.PutBucketConfig(ctx, "first", "cors", []byte(corsDoc)); err != nil {
		t.Fatal(err)
	}
	eventually(t, within, "A's snapshot follows while the callback blocks", func() bool { return configOf(a, "first", "cors") == corsDoc })
	time.Sleep(12 * testPollInterval) // longer than Health allows a snapshot to age
	if err := a.Health(ctx); err != nil {
		t.Errorf("Health while the callback blocks: %v", err)
	}
	close(release)
	eventually(t, within, "the changes made meanwhile are told", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(told) == 3
	})
	mu.Lock()
	defer mu.Unlock()
	if told[0] != "first" || told[1] != "first" || told[2] != "second" {
		t.Errorf("told %q, want first, then first and second once each", told)
	}
}
