//go:build unix

package tenant_test

import (
	"path/filepath"
	"syscall"
	"testing"

	"github.com/doorman-s3/doorman/gateway/tenant"
)

// A FIFO named as a tenant's file is refused without blocking the loader: opening it for
// reading would wait for a writer forever.
func TestFIFO(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "tenant-f.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	obs := new(observed)
	s := open(t, dir, tenant.KeepLast, obs)
	if _, ok := s.Policy("tenant-f"); ok {
		t.Error("a FIFO named as a tenant file is served")
	}
	if c, err := obs.last(); c != "tenant-f error" {
		t.Errorf("observed %q %v", c, err)
	}
}
