package upstream

import (
	"context"
	"sync"
	"time"

	"github.com/doorman-s3/doorman/storage"
)

// Poll runs one poll now, as the poller does, for the benchmarks and the tests that need a
// poll at a given moment.
func (b *Backend) Poll(ctx context.Context) error { return b.poll(ctx) }

// Seed makes each of names upstream, with its record and its configuration doc of kind in
// the meta bucket, as CreateBucket and PutBucketConfig write them, with workers requests at
// once; unlike them it installs nothing: the next poll reads it all. A quick way to many
// buckets, for the benchmarks.
func (b *Backend) Seed(ctx context.Context, names []string, kind string, doc []byte, workers int) error {
	if err := each(names, workers, func(name string) error {
		return b.putUpstreamBucket(ctx, name, "", false, &b.cfg.Service)
	}); err != nil {
		return err
	}
	ups, err := b.listUpstream(ctx)
	if err != nil {
		return err
	}
	return each(names, workers, func(name string) error {
		r := bucketRecord{Name: name, ID: newID(), Owner: "seed", ACL: storage.DefaultACL, Created: time.Now().UTC(),
			UpstreamCreated: ups[name]}
		if _, err := b.putRecordIf(ctx, r, ""); err != nil {
			return err
		}
		_, err := b.putMeta(ctx, configKey(name, r.ID, kind), doc)
		return err
	})
}

// each calls f with every name, from workers goroutines, and returns the first failure.
func each(names []string, workers int, f func(string) error) error {
	work := make(chan string)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var first error
			for name := range work {
				if err := f(name); err != nil && first == nil {
					first = err
				}
			}
			errs <- first
		})
	}
	for _, name := range names {
		work <- name
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// AdoptAfter is how long a bucket found upstream without a record waits to be adopted.
const AdoptAfter = adoptAfter
