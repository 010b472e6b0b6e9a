package upstream

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/doorman-s3/doorman/storage"
)

// The sweep of orphan upload records. An upload that ends on the upstream without doorman
// (aborted or completed there directly, removed by the upstream's lifecycle rule
// AbortIncompleteMultipartUpload) or whose record's delete failed leaves its record in the
// meta bucket, where nothing reads it again. Every Config.UploadSweepInterval each node lists
// the records (uploads/, which polls never list) and, for each bucket name holding some, the
// upstream's multipart uploads in that bucket; a record is deleted once two sweeps in a row
// found its upload id missing from that list (or the bucket missing upstream). Upload ids are
// the upstream's and never reused, so the test needs neither the bucket's ID nor this node's
// snapshot, which may not hold a bucket another node made since its last poll. Two sweeps an
// interval apart, not one, so that an upstream whose listings lag its writes does not lose
// the record of an upload in progress: a record is written only once the upstream answered
// its upload's creation.

// DefaultUploadSweepInterval is Config.UploadSweepInterval when zero.
const DefaultUploadSweepInterval = time.Hour

// maxSweepUploadPages bounds the upstream's ListMultipartUploads pages one sweep reads for
// one bucket (1,000 uploads a page): a bucket with more uploads in progress is left for the
// next sweep, its records neither suspected nor deleted.
const maxSweepUploadPages = 100

// sweepTimeout bounds one sweep.
const sweepTimeout = 5 * time.Minute

// sweepLoop sweeps every UploadSweepInterval until ctx is done. suspects are the records the
// last sweep found orphans, owned by this goroutine.
func (b *Backend) sweepLoop(ctx context.Context) {
	t := time.NewTicker(b.cfg.UploadSweepInterval)
	defer t.Stop()
	suspects := map[string]bool{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		sctx, cancel := context.WithTimeout(ctx, sweepTimeout)
		next, deleted, err := b.sweepUploadRecords(sctx, suspects)
		cancel()
		suspects = next
		if err != nil && ctx.Err() == nil {
			b.log.Warn("upstream: the sweep of upload records failed", "error", err)
		}
		if deleted > 0 {
			b.log.Info("upstream: deleted the records of uploads that ended without doorman", "records", deleted)
		}
	}
}

// sweepUploadRecords deletes each record that suspects holds and that is still an orphan,
// and returns the orphans found this time that it did not delete (the next sweep's suspects)
// and how many it deleted. A bucket whose uploads cannot be listed keeps its suspects as
// they were.
func (b *Backend) sweepUploadRecords(ctx context.Context, suspects map[string]bool) (map[string]bool, int, error) {
	recs := map[string]string{}
	if err := b.listMetaPrefix(ctx, "uploads/", recs); err != nil {
		return suspects, 0, err
	}
	// uploads/<bucket>/<bucket ID>/<escaped upload id>, grouped by bucket name.
	groups := map[string]map[string]string{} // bucket -> record key -> upload id
	for key := range recs {
		parts := strings.SplitN(strings.TrimPrefix(key, "uploads/"), "/", 3)
		if len(parts) != 3 {
			continue // not a record this package writes
		}
		uploadID, err := url.PathUnescape(parts[2])
		if err != nil {
			continue
		}
		if groups[parts[0]] == nil {
			groups[parts[0]] = map[string]string{}
		}
		groups[parts[0]][key] = uploadID
	}
	next := map[string]bool{}
	deleted := 0
	var firstErr error
	for bucket, keys := range groups {
		live, err := b.liveUploads(ctx, bucket)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			for key := range keys {
				if suspects[key] {
					next[key] = true
				}
			}
			continue
		}
		for key, uploadID := range keys {
			if live[uploadID] {
				continue
			}
			if !suspects[key] {
				next[key] = true
				continue
			}
			if err := b.deleteMeta(ctx, key); err != nil {
				next[key] = true
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			b.meta.uploads.drop(key)
			deleted++
		}
	}
	return next, deleted, firstErr
}

// liveUploads returns the ids of the multipart uploads in progress in bucket, as the
// upstream lists them to the service identity: none when the bucket is gone.
func (b *Backend) liveUploads(ctx context.Context, bucket string) (map[string]bool, error) {
	live := map[string]bool{}
	var keyMarker, idMarker string
	for range maxSweepUploadPages {
		var page xmlListUploads
		err := b.listPage(ctx, bucket, url.Values{"uploads": {""}, "max-uploads": {"1000"}},
			map[string]string{"key-marker": keyMarker, "upload-id-marker": idMarker}, &page)
		if errors.Is(err, storage.ErrNoSuchBucket) {
			return map[string]bool{}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("listing the uploads of %s: %w", bucket, err)
		}
		for _, u := range page.Uploads {
			live[u.UploadID] = true
		}
		if !page.IsTruncated {
			return live, nil
		}
		if keyMarker, err = listValue(page.EncodingType, page.NextKeyMarker); err != nil {
			return nil, fmt.Errorf("listing the uploads of %s: %w", bucket, err)
		}
		idMarker = page.NextUploadIDMarker
	}
	return nil, fmt.Errorf("listing the uploads of %s: more than %d pages; its records wait for another sweep", bucket, maxSweepUploadPages)
}
