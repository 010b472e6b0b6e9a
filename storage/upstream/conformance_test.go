package upstream_test

import (
	"testing"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/storagetest"
)

// TestConformance runs the storage conformance suite against the backend, each subtest over
// an upstream of its own, declaring the areas the backend leaves out: the suite checks that
// each is refused as its Area constant says, and runs every other check as it runs against
// the embedded store. Refused with ErrNotImplemented: SSE-KMS and SSE-C, the
// delete conditions checked atomically with the delete, object ACLs and owners. Declared,
// with a check of what the backend does instead: an open reader of an unversioned object
// replaced since fails rather than return the old bytes (ReaderIsolation, the upstream's
// null version being replaced in place), and the revision of an unversioned object written
// again with the same bytes within the same second is the same (DistinctRevisions, the
// revision being the upstream's ETag, version id and Last-Modified second), and PutObject
// reports the time of the upstream's answer (WriteTime: S3's PutObject answer has no
// Last-Modified, and reading it back would cost every write a request). The test upstream
// accepts its own region, us-east-1, alone, as a regional S3 endpoint does.
func TestConformance(t *testing.T) {
	storagetest.RunWith(t, func(t *testing.T) storage.Backend {
		return newBackend(t, newUpstream(t), nil)
	}, storagetest.Options{
		NotImplemented: []string{
			storagetest.AreaEncryption,
			storagetest.AreaDeleteRevision, storagetest.AreaObjectACL,
			storagetest.AreaReaderIsolation, storagetest.AreaDistinctRevisions, storagetest.AreaWriteTime,
		},
		Region: "us-east-1",
	})
}
