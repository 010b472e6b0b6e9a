package upstream

// meta is the meta bucket's in-memory snapshot, its poller and its write-through.
type meta struct{}

// bucketID returns the ID of the bucket named in the current snapshot, false when it does
// not exist there. Methods that take a BucketID option compare it before writing (the check
// cannot be atomic with an upstream write; see doc.go).
func (b *Backend) bucketID(name string) (string, bool) {
	panic("written by the meta owner")
}
