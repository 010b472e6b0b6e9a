package upstream

// meta is the meta bucket's in-memory snapshot, its poller and its write-through.
type meta struct{}

// checkBucket is called by every object and upload method before its upstream request. It
// fails with storage.ErrNoSuchBucket for the meta bucket (which no client may name), and for
// a bucketID (an option's BucketID) that is set and differs from the snapshot's ID of the
// bucket, or names a bucket the snapshot does not hold. The comparison cannot be atomic with
// the upstream write that follows; doc.go says so. A bucket the snapshot does not hold yet
// (created through another node since the last poll) is left to the upstream to answer.
func (b *Backend) checkBucket(bucket, bucketID string) error {
	panic("written by the meta owner")
}
