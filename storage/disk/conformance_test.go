package disk_test

import (
	"testing"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/storagetest"
)

// The store behaves as every storage.Backend must, with the small objects' data kept in
// meta.db, as by default.
func TestConformance(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T) storage.Backend {
		s, _ := openStore(t)
		return s
	})
}

// The same with every object's data in a file.
func TestConformanceInFiles(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T) storage.Backend {
		s, _ := openStore(t, inFiles)
		return s
	})
}
