package tenant_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/doorman-s3/doorman/gateway/tenant"
)

// Files finds the tenant files a Set loads: named with a valid tenant name in place of
// {tenant}, in the template's folder; nothing else.
func TestFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"origins-acme.yaml", "origins-beta-2.yaml", "origins-.yaml",
		"origins-Upper.yaml", "origins-acme.yml", "other.yaml", "origins-a_b.yaml"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("origins: []\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	files, err := tenant.Files(filepath.Join(dir, "origins-{tenant}.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []tenant.File{
		{Tenant: "acme", Path: filepath.Join(dir, "origins-acme.yaml")},
		{Tenant: "beta-2", Path: filepath.Join(dir, "origins-beta-2.yaml")},
	}
	if !slices.Equal(files, want) {
		t.Errorf("Files = %v, want %v", files, want)
	}
	if _, err := tenant.Files(filepath.Join(dir, "missing", "{tenant}.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing folder: %v, want fs.ErrNotExist", err)
	}
	if _, err := tenant.Files(filepath.Join(dir, "{tenant}", "origins.yaml")); err == nil {
		t.Error("a template with {tenant} in the folder was accepted")
	}
}
