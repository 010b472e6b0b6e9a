package s3api

import (
	"errors"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/storage"
)

// An update of one bucket does not wait for another bucket's, whose backend write may take
// an upstream round trip; the updates of one bucket still run one at a time, each seeing what
// the one before published; and both buckets' states are published.
func TestBucketTableLocksPerBucket(t *testing.T) {
	var tb bucketTable
	empty := map[string]*bucketState{}
	tb.snap.Store(&empty)
	state := func(name string) *bucketState { return &bucketState{info: storage.BucketInfo{Name: name}} }

	inB, release, doneB := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		doneB <- tb.update("b", func(*bucketState) (*bucketState, error) {
			close(inB)
			<-release
			return state("b"), nil
		})
	}()
	<-inB
	doneA := make(chan error, 1)
	go func() { doneA <- tb.update("a", func(*bucketState) (*bucketState, error) { return state("a"), nil }) }()
	select {
	case err := <-doneA:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("an update of bucket a waited for an update of bucket b")
	}
	second := make(chan error, 1)
	go func() {
		second <- tb.update("b", func(old *bucketState) (*bucketState, error) {
			if old == nil {
				return nil, errors.New("the second update of b did not see what the first published")
			}
			return old, nil
		})
	}()
	select {
	case err := <-second:
		t.Fatalf("a second update of b ran while the first held its lock: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if err := <-doneB; err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	if tb.get("a") == nil || tb.get("b") == nil {
		t.Errorf("published: a %v, b %v; want both", tb.get("a"), tb.get("b"))
	}
	if len(tb.locks) != 0 {
		t.Errorf("%d bucket locks left after every update returned", len(tb.locks))
	}
}
