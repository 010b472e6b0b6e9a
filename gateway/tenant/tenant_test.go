package tenant_test

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/cors/fetch"
	"github.com/doorman-s3/doorman/gateway/tenant"
)

// applyWithin is how soon a change to a tenant's file must be served: the 2 s for
// "a tenant's origin added to its file and allowed without restart".
const applyWithin = 2 * time.Second

// base is the policy every tenant shares but for its origins.
func base() *fetch.Config {
	return &fetch.Config{Methods: []string{"GET", "PUT"}, RequestHeaders: []string{"content-type"}, Credentials: true}
}

// allowed reports whether the tenant's policy admits a GET from origin.
func allowed(s *tenant.Set, name, origin string) bool {
	p, ok := s.Policy(name)
	if !ok {
		return false
	}
	d := p.Evaluate(&fetch.Request{Method: "GET", Origin: origin, HasOrigin: true})
	return d.Allowed
}

// observed records Options.Observe's calls.
type observed struct {
	mu    sync.Mutex
	calls []string // "tenant ok" or "tenant error"
	errs  []error
}

func (o *observed) observe(name string, ok bool, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if ok != (err == nil) {
		panic(fmt.Sprintf("observe(%q, %v, %v)", name, ok, err))
	}
	if ok {
		o.calls = append(o.calls, name+" ok")
	} else {
		o.calls = append(o.calls, name+" error")
		o.errs = append(o.errs, err)
	}
}

func (o *observed) last() (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var err error
	if len(o.errs) > 0 {
		err = o.errs[len(o.errs)-1]
	}
	if len(o.calls) == 0 {
		return "", err
	}
	return o.calls[len(o.calls)-1], err
}

// open opens a Set over dir/{tenant}.yaml, logging to the test.
func open(t testing.TB, dir string, onError tenant.OnError, obs *observed) *tenant.Set {
	t.Helper()
	opts := tenant.Options{OnError: onError, Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))}
	if obs != nil {
		opts.Observe = obs.observe
	}
	s, err := tenant.Open(filepath.Join(dir, "{tenant}.yaml"), base(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func originsFile(origins ...string) string {
	return "origins: [" + strings.Join(quoteAll(origins), ", ") + "]\n"
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeAtomic writes a temporary file and renames it over path, as deployment tools do.
func writeAtomic(t testing.TB, path, content string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	write(t, tmp, content)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// eventually waits up to applyWithin for cond, and returns how long it took.
func eventually(t testing.TB, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > applyWithin {
			t.Fatalf("%s: not within %v", what, applyWithin)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// Tenant files present at Open are served at once; a tenant without a file has no policy.
func TestOpenLoadsEveryTenant(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "tenant-a.yaml"), originsFile("https://shop.tenant-a.test"))
	write(t, filepath.Join(dir, "tenant-b.yaml"), "origins:\n  - https://tenant-b.test\n  - \"https://*.tenant-b.test\"\n")
	write(t, filepath.Join(dir, "notes.txt"), "not a tenant file")
	write(t, filepath.Join(dir, "Upper.yaml"), originsFile("https://upper.test")) // not a lower-case label
	s := open(t, dir, tenant.KeepLast, nil)
	for _, tc := range []struct {
		source, tenant, origin string
		want                   bool
	}{
		{"issue item 7: the tenant's own origin", "tenant-a", "https://shop.tenant-a.test", true},
		{"issue item 7: another tenant's origin is not this one's", "tenant-a", "https://tenant-b.test", false},
		{"contract: block list in a tenant file", "tenant-b", "https://tenant-b.test", true},
		{"contract: subdomain wildcard in a tenant file", "tenant-b", "https://x.tenant-b.test", true},
		{"host names compare ignoring case", "TENANT-A", "https://shop.tenant-a.test", true},
		{"a tenant without a file allows nothing", "tenant-c", "https://shop.tenant-a.test", false},
		{"file names must be lower-case labels", "upper", "https://upper.test", false},
	} {
		if got := allowed(s, tc.tenant, tc.origin); got != tc.want {
			t.Errorf("%s: tenant %q origin %q: allowed %v, want %v", tc.source, tc.tenant, tc.origin, got, tc.want)
		}
	}
	if got := fmt.Sprint(s.Tenants()); got != "[tenant-a tenant-b]" {
		t.Errorf("Tenants() = %s", got)
	}
}

// Every way a tenant's file changes applies within applyWithin without a restart.
func TestChangesApply(t *testing.T) {
	const old, added = "https://old.tenant-a.test", "https://new.tenant-a.test"
	for _, tc := range []struct {
		source string
		before string // the file's content at Open; "" = no file
		change func(t *testing.T, path string)
		// what must hold afterwards
		tenant           bool
		hasOld, hasAdded bool
	}{
		{source: "issue item 7: a new tenant's file is created", change: func(t *testing.T, p string) {
			write(t, p, originsFile(added))
		}, tenant: true, hasAdded: true},
		{source: "issue item 7: an origin added to the file in place", before: originsFile(old), change: func(t *testing.T, p string) {
			write(t, p, originsFile(old, added))
		}, tenant: true, hasOld: true, hasAdded: true},
		{source: "issue item 7: a file replaced by an atomic rename", before: originsFile(old), change: func(t *testing.T, p string) {
			writeAtomic(t, p, originsFile(added))
		}, tenant: true, hasAdded: true},
		{source: "an origin removed from the file", before: originsFile(old, added), change: func(t *testing.T, p string) {
			write(t, p, originsFile(added))
		}, tenant: true, hasAdded: true},
		{source: "a deleted file removes the tenant", before: originsFile(old), change: func(t *testing.T, p string) {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
		}},
		{source: "a file renamed away removes the tenant", before: originsFile(old), change: func(t *testing.T, p string) {
			if err := os.Rename(p, p+".bak"); err != nil {
				t.Fatal(err)
			}
		}},
		{source: "an empty list leaves the tenant with no origin", before: originsFile(old), change: func(t *testing.T, p string) {
			write(t, p, "origins: []\n")
		}, tenant: true},
	} {
		t.Run(tc.source, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "tenant-a.yaml")
			if tc.before != "" {
				write(t, path, tc.before)
			}
			s := open(t, dir, tenant.KeepLast, nil)
			if tc.before != "" && !allowed(s, "tenant-a", old) {
				t.Fatal("the first file was not loaded")
			}
			tc.change(t, path)
			took := eventually(t, "the change", func() bool {
				_, ok := s.Policy("tenant-a")
				return ok == tc.tenant && allowed(s, "tenant-a", old) == tc.hasOld && allowed(s, "tenant-a", added) == tc.hasAdded
			})
			t.Logf("applied in %v", took)
		})
	}
}

// invalidFiles are tenant files a Set must refuse, each with what the error must say.
var invalidFiles = []struct {
	source, content, want string
}{
	{"YAML syntax error", "origins: [https://a.test\n", "tenant-a.yaml: yaml:"},
	{"unknown key, at its position", "origins: [https://a.test]\norigin: [https://b.test]\n", "tenant-a.yaml:2:1: unknown key \"origin\""},
	{"origins given twice", "origins: []\norigins: []\n", "tenant-a.yaml:2:1: \"origins\" given twice"},
	{"not a mapping", "- https://a.test\n", "tenant-a.yaml:1:1: a tenant file is a mapping"},
	{"origins not a list", "origins: https://a.test\n", "tenant-a.yaml:1:10: origins: must be a list"},
	{"origins null", "origins:\n", "must be a list"},
	{"no origins key", "{}\n", "no \"origins\" key"},
	{"an origin that is not a string", "origins:\n  - https://a.test\n  - 443\n", "tenant-a.yaml:3:5: origins[1]: must be a string"},
	{"an alias instead of an origin", "origins:\n  - &a https://a.test\n  - *a\n", "tenant-a.yaml:3:5: origins[1]: must be a string"},
	{"empty file (a truncated write)", "", "empty file"},
	{"two YAML documents", "origins: []\n---\norigins: []\n", "more than one YAML document"},
	{"an invalid origin, placed at its line (fetch.Compile's error)", "origins:\n  - https://a.test\n  - https://a.test/path\n", "tenant-a.yaml:3:5: origins[1] "},
	{"issue item 2: * with credentials is a load error", "origins: [\"*\"]\n", "tenant-a.yaml:1:11: origins[0] "},
	{"bound: MaxOrigins", originsFile(manyOrigins(tenant.MaxOrigins + 1)...), "more than 1000 origins"},
	{"bound: MaxFileSize", "origins: []\n" + strings.Repeat("#", tenant.MaxFileSize), "file larger than"},
}

func manyOrigins(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("https://o%d.tenant-a.test", i)
	}
	return out
}

// An invalid file keeps the last good origins (KeepLast) or takes them away (DenyAll); it is
// logged and observed with its position in the file; fixing it applies again.
func TestInvalidFile(t *testing.T) {
	const good = "https://good.tenant-a.test"
	for _, onError := range []tenant.OnError{tenant.KeepLast, tenant.DenyAll} {
		for _, tc := range invalidFiles {
			t.Run(onError.String()+"/"+tc.source, func(t *testing.T) {
				dir := t.TempDir()
				path := filepath.Join(dir, "tenant-a.yaml")
				write(t, path, originsFile(good))
				obs := new(observed)
				s := open(t, dir, onError, obs)
				if c, _ := obs.last(); c != "tenant-a ok" {
					t.Fatalf("first load observed as %q", c)
				}
				writeAtomic(t, path, tc.content)
				eventually(t, "the refusal observed", func() bool { c, _ := obs.last(); return c == "tenant-a error" })
				_, err := obs.last()
				if !strings.Contains(err.Error(), tc.want) {
					t.Errorf("error %q does not contain %q", err, tc.want)
				}
				var fe *tenant.FileError
				if !errors.As(err, &fe) || fe.Path != path {
					t.Errorf("error %#v is not a *FileError naming %s", err, path)
				}
				_, ok := s.Policy("tenant-a")
				if want := onError == tenant.KeepLast; ok != want || allowed(s, "tenant-a", good) != want {
					t.Errorf("after the invalid file: tenant served %v, good origin allowed %v; want %v", ok, allowed(s, "tenant-a", good), want)
				}
				if err := s.Reload(); err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("Reload() = %v, want the file's error", err)
				}
				writeAtomic(t, path, originsFile("https://fixed.tenant-a.test"))
				eventually(t, "the fixed file", func() bool { return allowed(s, "tenant-a", "https://fixed.tenant-a.test") })
				if allowed(s, "tenant-a", good) {
					t.Error("the fixed file's origins were added to the old ones, not put in their place")
				}
			})
		}
	}
}

// A tenant whose first file is invalid has no origins until it is fixed, whatever OnError.
func TestInvalidFirstFile(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "tenant-a.yaml"), "origins: [\n")
	obs := new(observed)
	s := open(t, dir, tenant.KeepLast, obs)
	if _, ok := s.Policy("tenant-a"); ok {
		t.Error("a tenant with only an invalid file is served")
	}
	if c, err := obs.last(); c != "tenant-a error" || err == nil {
		t.Errorf("observed %q %v", c, err)
	}
}

// Tenant names come from Host headers: no name can reach a file outside the folder, or any
// file at all, and every lookup is answered from memory.
func TestPathEscape(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "tenants")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Files an escaping name would reach.
	write(t, filepath.Join(root, "evil.yaml"), originsFile("https://evil.test"))
	write(t, filepath.Join(root, ".yaml"), originsFile("https://evil.test"))
	write(t, filepath.Join(dir, ".yaml"), originsFile("https://evil.test"))
	write(t, filepath.Join(dir, "-a.yaml"), originsFile("https://evil.test"))
	write(t, filepath.Join(dir, "a_b.yaml"), originsFile("https://evil.test"))
	write(t, filepath.Join(dir, strings.Repeat("a", 64)+".yaml"), originsFile("https://evil.test"))
	s := open(t, dir, tenant.KeepLast, nil)
	for _, name := range []string{
		"../evil", "..", ".", "", "a/b", "tenants/../../evil", "..%2fevil", "a\x00", "-a", "a_b",
		strings.Repeat("a", 64), "evil/", "/evil", `..\evil`,
	} {
		if p, ok := s.Policy(name); ok || p != nil {
			t.Errorf("Policy(%q) served a policy", name)
		}
	}
	if got := s.Tenants(); len(got) != 0 {
		t.Errorf("files that are not tenant names were loaded: %v", got)
	}
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"a", true}, {"tenant-a", true}, {"xn--bcher-kva", true}, {"0", true}, {strings.Repeat("a", 63), true},
		{"", false}, {"-a", false}, {"a-", false}, {"A", false}, {"a.b", false}, {"a/b", false},
		{"..", false}, {"a_b", false}, {"a b", false}, {strings.Repeat("a", 64), false}, {"é", false},
	} {
		if got := tenant.ValidName(tc.name); got != tc.want {
			t.Errorf("ValidName(%q) = %v", tc.name, got)
		}
	}
}

// The number of tenant files held is bounded; the first MaxTenants in name order are served.
func TestMaxTenants(t *testing.T) {
	if testing.Short() {
		t.Skip("writes MaxTenants files")
	}
	dir := t.TempDir()
	for i := range tenant.MaxTenants + 1 {
		write(t, filepath.Join(dir, fmt.Sprintf("t%05d.yaml", i)), "origins: [https://a.test]\n")
	}
	obs := new(observed)
	s := open(t, dir, tenant.KeepLast, obs)
	if got := len(s.Tenants()); got != tenant.MaxTenants {
		t.Errorf("%d tenants served, want %d", got, tenant.MaxTenants)
	}
	last := fmt.Sprintf("t%05d", tenant.MaxTenants)
	if _, ok := s.Policy(last); ok {
		t.Errorf("tenant %s beyond the bound is served", last)
	}
	if c, err := obs.last(); c != last+" error" || !errors.Is(err, tenant.ErrTooManyTenants) {
		t.Errorf("observed %q %v, want %s refused", c, err, last)
	}
	// Room made by a deletion lets a new tenant in.
	if err := os.Remove(filepath.Join(dir, "t00000.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Policy(last); !ok {
		t.Errorf("tenant %s not served once there is room", last)
	}
}

// The file and origin-count bounds are inclusive: a file at the bound loads.
func TestBoundsInclusive(t *testing.T) {
	dir := t.TempDir()
	content := originsFile(manyOrigins(tenant.MaxOrigins)...)
	content += strings.Repeat("#", tenant.MaxFileSize-len(content))
	write(t, filepath.Join(dir, "tenant-a.yaml"), content)
	s := open(t, dir, tenant.KeepLast, nil)
	if !allowed(s, "tenant-a", fmt.Sprintf("https://o%d.tenant-a.test", tenant.MaxOrigins-1)) {
		t.Error("a file of MaxFileSize bytes with MaxOrigins origins was not served")
	}
}

// Reload re-reads the files even when the watcher saw nothing (SIGHUP after a missed event):
// shown here after Close, which stops the watcher.
func TestReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tenant-a.yaml")
	write(t, path, originsFile("https://old.test"))
	write(t, filepath.Join(dir, "tenant-b.yaml"), originsFile("https://b.test"))
	obs := new(observed)
	s := open(t, dir, tenant.KeepLast, obs)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	write(t, path, originsFile("https://new.test"))
	write(t, filepath.Join(dir, "tenant-c.yaml"), originsFile("https://c.test"))
	if err := os.Remove(filepath.Join(dir, "tenant-b.yaml")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * tenant.SettleDelay)
	if !allowed(s, "tenant-a", "https://old.test") {
		t.Fatal("a closed Set applied a change")
	}
	n := len(obs.calls)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		tenant, origin string
		want           bool
	}{
		{"tenant-a", "https://new.test", true},
		{"tenant-a", "https://old.test", false},
		{"tenant-b", "https://b.test", false},
		{"tenant-c", "https://c.test", true},
	} {
		if got := allowed(s, tc.tenant, tc.origin); got != tc.want {
			t.Errorf("after Reload: %s %s allowed %v", tc.tenant, tc.origin, got)
		}
	}
	if got := obs.calls[n:]; fmt.Sprint(got) != "[tenant-a ok tenant-c ok]" {
		t.Errorf("Reload observed %v", got)
	}
}

// A missing folder or a bad template is an error at Open; so is a missing base.
func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "file"), "")
	for _, tc := range []struct{ source, template string }{
		{"no placeholder", filepath.Join(dir, "tenants.yaml")},
		{"placeholder in the folder", filepath.Join(dir, "{tenant}", "origins.yaml")},
		{"two placeholders", filepath.Join(dir, "{tenant}-{tenant}.yaml")},
		{"missing folder", filepath.Join(dir, "missing", "{tenant}.yaml")},
		{"folder is a file", filepath.Join(dir, "file", "{tenant}.yaml")},
	} {
		if s, err := tenant.Open(tc.template, base(), tenant.Options{}); err == nil {
			s.Close()
			t.Errorf("%s: Open(%q) succeeded", tc.source, tc.template)
		}
	}
	if _, err := tenant.Open(filepath.Join(dir, "{tenant}.yaml"), nil, tenant.Options{}); err == nil {
		t.Error("Open with no base succeeded")
	}
}

func TestParseOnError(t *testing.T) {
	for _, o := range []tenant.OnError{tenant.KeepLast, tenant.DenyAll} {
		if got, err := tenant.ParseOnError(o.String()); err != nil || got != o {
			t.Errorf("ParseOnError(%q) = %v, %v", o, got, err)
		}
	}
	if _, err := tenant.ParseOnError("keep_last"); err == nil {
		t.Error("ParseOnError accepted keep_last")
	}
}

// A Kubernetes ConfigMap volume: the tenant files are symlinks through "..data", which is
// swapped by a rename; the change applies though the tenant files see no event.
func TestConfigMapSwap(t *testing.T) {
	dir := t.TempDir()
	mkdata := func(name, origin string) {
		d := filepath.Join(dir, name)
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(d, "tenant-a.yaml"), originsFile(origin))
	}
	mkdata("..v1", "https://v1.test")
	if err := os.Symlink("..v1", filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("..data", "tenant-a.yaml"), filepath.Join(dir, "tenant-a.yaml")); err != nil {
		t.Fatal(err)
	}
	s := open(t, dir, tenant.KeepLast, nil)
	if !allowed(s, "tenant-a", "https://v1.test") {
		t.Fatal("the first version was not loaded through the symlinks")
	}
	mkdata("..v2", "https://v2.test")
	if err := os.Symlink("..v2", filepath.Join(dir, "..data_tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	took := eventually(t, "the swapped version", func() bool { return allowed(s, "tenant-a", "https://v2.test") })
	t.Logf("applied in %v", took)
}

// A folder named as a tenant's file is refused.
func TestNotRegularFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "tenant-d.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	obs := new(observed)
	s := open(t, dir, tenant.KeepLast, obs)
	if _, ok := s.Policy("tenant-d"); ok {
		t.Error("a folder named as a tenant file is served")
	}
	if c, _ := obs.last(); c != "tenant-d error" {
		t.Errorf("observed %q", c)
	}
}

// Lookups race with changes: run with -race. Every lookup sees a whole set, the old or the new.
func TestConcurrentChanges(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tenant-a.yaml")
	write(t, path, originsFile("https://v0.test", "https://always.test"))
	s := open(t, dir, tenant.KeepLast, nil)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var bad sync.Once
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if !allowed(s, "tenant-a", "https://always.test") {
					bad.Do(func() { t.Error("a lookup saw a half-loaded set") })
				}
			}
		})
	}
	for i := range 20 {
		writeAtomic(t, path, originsFile(fmt.Sprintf("https://v%d.test", i), "https://always.test"))
		if i%5 == 0 {
			if err := s.Reload(); err != nil {
				t.Error(err)
			}
		}
		time.Sleep(tenant.SettleDelay / 5)
	}
	eventually(t, "the last version", func() bool { return allowed(s, "tenant-a", "https://v19.test") })
	close(stop)
	wg.Wait()
}

// decodeCases drive TestDecode and seed FuzzDecode.
var decodeCases = []struct {
	source, in string
	want       []string // nil: an error
}{
	{"contract: flow list", "origins: [https://shop.tenant-a.test, \"https://*.tenant-a.test\"]", []string{"https://shop.tenant-a.test", "https://*.tenant-a.test"}},
	{"block list with comments", "# tenant a\norigins:\n  - https://a.test # shop\n  - 'http://localhost:*'\n", []string{"https://a.test", "http://localhost:*"}},
	{"empty list", "origins: []", []string{}},
	{"document marker", "---\norigins: [https://a.test]\n...\n", []string{"https://a.test"}},
	{"unknown key", "origins: []\nmethods: [GET]", nil},
	{"a number", "origins: [1]", nil},
	{"a nested list", "origins: [[https://a.test]]", nil},
	{"a mapping item", "origins: [{a: b}]", nil},
	{"a scalar document", "https://a.test", nil},
	{"anchors and aliases", "origins: &x [https://a.test]\nother: *x", nil},
	{"a tag", "origins: !!binary aGk=", nil},
}

func TestDecode(t *testing.T) {
	for _, tc := range decodeCases {
		got, err := tenant.Decode([]byte(tc.in))
		switch {
		case tc.want == nil && err == nil:
			t.Errorf("%s: Decode(%q) = %q, want an error", tc.source, tc.in, got)
		case tc.want != nil && err != nil:
			t.Errorf("%s: Decode(%q): %v", tc.source, tc.in, err)
		case tc.want != nil && fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.want):
			t.Errorf("%s: Decode(%q) = %q, want %q", tc.source, tc.in, got, tc.want)
		}
	}
}

// Policy answers from memory, without allocating, whatever the name's case.
func TestPolicyAllocs(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "tenant-a.yaml"), originsFile("https://a.test"))
	s := open(t, dir, tenant.KeepLast, nil)
	for _, name := range []string{"tenant-a", "TENANT-A", "nobody", strings.Repeat("X", tenant.MaxNameLen)} {
		if n := testing.AllocsPerRun(100, func() { s.Policy(name) }); n != 0 {
			t.Errorf("Policy(%q) allocates %v times", name, n)
		}
	}
}

// Policy answers from memory; nothing allocates.
func BenchmarkPolicy(b *testing.B) {
	dir := b.TempDir()
	for i := range 100 {
		write(b, filepath.Join(dir, fmt.Sprintf("t%d.yaml", i)), originsFile("https://a.test"))
	}
	s := open(b, dir, tenant.KeepLast, nil)
	for _, bc := range []struct{ name, tenant string }{
		{"hit", "t42"}, {"miss", "nobody"}, {"upper", "T42"},
	} {
		b.Run("case="+bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.Policy(bc.tenant)
			}
		})
	}
}

// Read compiles one tenant's file as a Set loads it, for one-off questions.
func TestRead(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "tenant-a.yaml"), originsFile("https://a.test"))
	write(t, filepath.Join(dir, "tenant-b.yaml"), "origins:\n  - https://b.test/\n")
	write(t, filepath.Join(t.TempDir(), "evil.yaml"), originsFile("https://evil.test"))
	template := filepath.Join(dir, "{tenant}.yaml")
	p, err := tenant.Read(template, "tenant-a", base())
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Evaluate(&fetch.Request{Method: "GET", Origin: "https://a.test", HasOrigin: true}); !d.Allowed {
		t.Error("the tenant's origin is not allowed")
	}
	for _, tc := range []struct {
		source, template, tenant, want string
		base                           *fetch.Config
	}{
		{"an invalid origin, at its line", template, "tenant-b", "tenant-b.yaml:2:5: origins[0]", base()},
		{"no file", template, "tenant-c", "no such file", base()},
		{"a name that escapes the folder", template, "../evil", "not a tenant name", base()},
		{"a name in capitals", template, "Tenant-A", "not a tenant name", base()},
		{"no placeholder", filepath.Join(dir, "a.yaml"), "tenant-a", "must contain {tenant}", base()},
		{"no base", template, "tenant-a", "no base policy", nil},
	} {
		if _, err := tenant.Read(tc.template, tc.tenant, tc.base); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Read = %v, want an error containing %q", tc.source, err, tc.want)
		}
	}
	if _, err := tenant.Read(template, "tenant-c", base()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v does not wrap fs.ErrNotExist", err)
	}
}

// A tenant's file is its whole origin set: the base policy's origin_patterns admit nothing on
// a tenant's host, in a Set as in Read. Were they kept, a pattern meant for the operator's
// own previews would admit those origins, with credentials, on every tenant's host.
func TestBasePatternsNotInherited(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "tenant-a.yaml"), originsFile("https://a.test"))
	b := base()
	b.OriginPatterns = []string{`^https://pr-[0-9]+\.preview\.test$`}
	s, err := tenant.Open(filepath.Join(dir, "{tenant}.yaml"), b, tenant.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	read, err := tenant.Read(filepath.Join(dir, "{tenant}.yaml"), "tenant-a", b)
	if err != nil {
		t.Fatal(err)
	}
	live, ok := s.Policy("tenant-a")
	if !ok {
		t.Fatal("tenant-a has no policy")
	}
	for name, p := range map[string]*fetch.Policy{"Set": live, "Read": read} {
		for origin, want := range map[string]bool{"https://a.test": true, "https://pr-1.preview.test": false} {
			if d := p.Evaluate(&fetch.Request{Method: "GET", Origin: origin, HasOrigin: true}); d.Allowed != want {
				t.Errorf("%s: %s allowed %v, want %v", name, origin, d.Allowed, want)
			}
		}
	}
}
