package upstream_test

import (
	"os"
	"testing"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/storagetest"
)

// TestConformance runs the storage conformance suite against the backend, each subtest over
// an upstream of its own, declaring the areas the backend refuses: the suite checks that
// each is refused with storage.ErrNotImplemented and storing nothing, and runs every other
// check as it runs against the embedded store.
//
// It runs only with DOORMAN_UPSTREAM_CONFORMANCE set, until the checks it still fails are
// settled: a region other than the upstream's at CreateBucket (the upstream refuses the
// LocationConstraint), an open reader of an unversioned object that was replaced (it fails
// rather than mix versions), ListObjects entries without their version id (ListObjectsV2
// has none), upload tags and ACLs, checksums at completion of uploads created with an
// algorithm, the part number paging of ListParts, PutObjectTags with IfUnchanged on an
// unversioned object, and the object part bounds the upstream does not list.
func TestConformance(t *testing.T) {
	if os.Getenv("DOORMAN_UPSTREAM_CONFORMANCE") == "" {
		t.Skip("set DOORMAN_UPSTREAM_CONFORMANCE to run the storage conformance suite against the backend")
	}
	storagetest.RunWith(t, func(t *testing.T) storage.Backend {
		return newBackend(t, newUpstream(t), nil)
	}, storagetest.Options{NotImplemented: []string{
		storagetest.AreaObjectLock, storagetest.AreaEncryption,
		storagetest.AreaDeleteRevision, storagetest.AreaObjectACL,
	}})
}
