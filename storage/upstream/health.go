package upstream

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// staleAfterPolls is how many poll intervals the last complete snapshot may be old before
// Health fails.
const staleAfterPolls = 10

// Health implements storage.HealthChecker, from what the backend knows: it fails while no
// upstream endpoint answered its last probe, and while the last complete snapshot of the
// buckets is older than staleAfterPolls poll intervals (the node then serves configurations
// it cannot vouch for).
func (b *Backend) Health(ctx context.Context) error {
	if up, _ := b.client.healthy(); up == 0 {
		return errors.New("no upstream endpoint is reachable")
	}
	loaded := b.meta.snap.Load().loaded
	if age := b.cfg.Now().Sub(loaded); age > staleAfterPolls*b.cfg.PollInterval {
		return fmt.Errorf("the bucket snapshot is %s old: the upstream's buckets could not be read since %s",
			age.Round(time.Millisecond), loaded.UTC().Format(time.RFC3339))
	}
	return nil
}
