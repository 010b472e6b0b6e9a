package disk_test

import (
	"testing"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/disk"
	"github.com/doorman-s3/doorman/storage/storagetest"
)

// The store behaves as every storage.Backend must, with the small objects' data kept in
// meta.db (as by default) and with every object's data in a file.
func TestConformance(t *testing.T) {
	for name, opts := range map[string][]disk.Option{"inline": nil, "files": {inFiles}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			storagetest.Run(t, func(t *testing.T) storage.Backend {
				s, _ := openStore(t, opts...)
				return s
			})
		})
	}
}
