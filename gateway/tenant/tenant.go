// Package tenant serves each tenant's allowed origins from a file of its own, so that a host
// pattern such as {tenant}.api.example.com admits a different set of origins per tenant (the
// job Lambda@Edge functions are written for in front of CloudFront) and the set changes
// without a restart.
//
// A Set watches one directory. Every file whose name fits the path template
// (tenants/{tenant}.yaml) holds one tenant's origins:
//
//	origins: [https://shop.tenant-a.example, "https://*.tenant-a.example"]
//
// Each list is compiled with the gateway policy's other fields (fetch.Compile on the base
// configuration with Origins replaced), so a tenant's origins are validated exactly as the
// policy's own "origins" are. The compiled policies live in an immutable map swapped
// atomically, so a request sees either the old set or the new one, never half of each.
//
// A tenant's file is the tenant's whole origin set: the base policy's origin_patterns are
// cleared along with its origins. A pattern written for the policy (previews of the
// operator's own application, say) would otherwise admit its origins on every tenant's host,
// credentials included, though no tenant file lists them. Tenant files list origins only
// (exact, subdomain wildcards, any port); a tenant that needs a pattern gets a policy and a
// host of its own.
//
// # Why these choices
//
//   - Files are loaded when they appear, never when a request names a tenant. The tenant
//     comes from the Host header, which any client writes; looking it up is a map probe
//     that touches no file and caches nothing, so hostile Host headers cannot grow memory or
//     make the gateway read paths of their choosing. Tenant names are single DNS labels
//     (RFC 1035 section 2.3.1, https://www.rfc-editor.org/rfc/rfc1035#section-2.3.1):
//     lower-case letters, digits and inner hyphens, at most 63 bytes, so a name can never hold
//     a "/" or be "..".
//   - Changes apply on their own: the directory is watched (inotify, kqueue or
//     ReadDirectoryChangesW through fsnotify), events are coalesced for SettleDelay so that a
//     file written in several steps is read once it is whole, and Reload (the gateway calls
//     it on SIGHUP) re-reads everything. Writing a temporary file and renaming it over the
//     tenant's file is the safe way to edit; the Kubernetes ConfigMap volume swap (a "..data"
//     symlink renamed in the directory) triggers a full re-read.
//   - A file that cannot be used (unreadable, malformed, an invalid origin, over a bound) is
//     logged, reported to Options.Observe, and either leaves the tenant's last good origins
//     in place (KeepLast) or takes them away (DenyAll). A deleted file removes the tenant.
//   - Sizes are bounded: MaxFileSize and MaxOrigins per file, MaxTenants files per Set.
package tenant

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/fsnotify/fsnotify"

	"github.com/doorman-s3/doorman/cors/fetch"
)

// Bounds on a Set.
const (
	// MaxTenants is the most tenant files a Set holds: each compiled policy costs a few KiB,
	// so 10000 tenants stay within tens of MiB. Files beyond it are refused and logged, in
	// name order, so the same tenants are served after every restart.
	MaxTenants = 10000
	// MaxNameLen is the longest tenant name: one DNS label (RFC 1035 section 2.3.4).
	MaxNameLen = 63
	// placeholder marks the tenant's name in a path template.
	placeholder = "{tenant}"
)

// OnError says what becomes of a tenant whose file turns invalid.
type OnError uint8

const (
	// KeepLast keeps the tenant's last good origins (none if it never had a good file).
	KeepLast OnError = iota
	// DenyAll takes the tenant's origins away until its file is valid again.
	DenyAll
)

// onErrorNames are the configuration spellings, in OnError order.
var onErrorNames = [...]string{KeepLast: "keep-last", DenyAll: "deny-all"}

func (o OnError) String() string {
	if int(o) < len(onErrorNames) {
		return onErrorNames[o]
	}
	return fmt.Sprintf("OnError(%d)", uint8(o))
}

// ParseOnError reads "keep-last" or "deny-all".
func ParseOnError(s string) (OnError, error) {
	if i := slices.Index(onErrorNames[:], s); i >= 0 {
		return OnError(i), nil
	}
	return 0, fmt.Errorf("on_error must be keep-last or deny-all, not %q", s)
}

// Options tune a Set; the zero value keeps the last good origins and logs to slog.Default.
type Options struct {
	OnError OnError
	Logger  *slog.Logger
	// Observe, when set, is called after every attempt to load a tenant's file, with the
	// error that refused it (ok false) or nil. It is called from the watching goroutine and
	// from Reload's caller, never concurrently.
	Observe func(tenant string, ok bool, err error)
}

// Set serves the origins of each tenant from a file per tenant (path template containing
// "{tenant}"), watched (fsnotify on the directory) and reloaded on Reload() (SIGHUP), swapped
// atomically; an invalid file keeps the last good set, is logged and counted; sizes bounded.
// Its methods are safe for concurrent use.
type Set struct {
	template
	base fetch.Config
	opts Options
	log  *slog.Logger

	live atomic.Pointer[map[string]*fetch.Policy] // what Policy reads; never modified once stored

	mu      sync.Mutex // serialises loading; guards files and closed
	files   map[string]*file
	closed  bool
	watcher *fsnotify.Watcher
	stopped chan struct{} // closed when the watching goroutine has returned
}

// file is what is known of one tenant's file.
type file struct {
	sum    [sha256.Size]byte // of the content last read; zero when it could not be read
	policy *fetch.Policy     // served; nil when the tenant has no usable origins
	err    error             // why the content last read was refused
}

// Open loads every tenant file in the template's directory and watches it. The template's
// last element holds "{tenant}" once ("tenants/{tenant}.yaml"); the directory must exist.
// base supplies every field but Origins and OriginPatterns (a tenant's file replaces both)
// and must not be changed afterwards. Invalid tenant
// files do not make Open fail: they are logged and observed, as later changes are.
func Open(pathTemplate string, base *fetch.Config, opts Options) (*Set, error) {
	if base == nil {
		return nil, errors.New("tenant: no base policy")
	}
	tmpl, err := splitTemplate(pathTemplate)
	if err != nil {
		return nil, err
	}
	s := &Set{
		template: tmpl,
		base:     *base, opts: opts, log: opts.Logger,
		files: make(map[string]*file), stopped: make(chan struct{}),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.live.Store(new(map[string]*fetch.Policy))
	if st, err := os.Stat(s.dir); err != nil {
		return nil, fmt.Errorf("tenant: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("tenant: %s is not a folder", s.dir)
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("tenant: watching %s: %w", s.dir, err)
	}
	if err := w.Add(s.dir); err != nil {
		w.Close()
		return nil, fmt.Errorf("tenant: watching %s: %w", s.dir, err)
	}
	s.watcher = w
	s.mu.Lock()
	_ = s.rescan(false) // the errors are logged and observed
	s.mu.Unlock()
	go s.watch()
	return s, nil
}

// Policy returns the tenant's compiled policy: the base with the tenant's origins (and no
// origin pattern). false means the tenant has no usable origins (no file, or an invalid one
// under DenyAll): its requests must be answered as by a policy that allows no origin. The
// name is compared ignoring ASCII case, as host names are. It reads no file and allocates
// nothing.
func (s *Set) Policy(tenant string) (*fetch.Policy, bool) {
	if len(tenant) == 0 || len(tenant) > MaxNameLen {
		return nil, false
	}
	live := *s.live.Load()
	p, ok := live[tenant]
	if !ok && strings.ContainsFunc(tenant, isUpper) {
		var lower [MaxNameLen]byte
		for i := range len(tenant) {
			c := tenant[i]
			if isUpper(rune(c)) {
				c += 'a' - 'A'
			}
			lower[i] = c
		}
		p, ok = live[string(lower[:len(tenant)])] // the compiler converts without allocating
	}
	return p, ok
}

// Tenants returns the names of the tenants with usable origins, sorted.
func (s *Set) Tenants() []string {
	live := *s.live.Load()
	names := make([]string, 0, len(live))
	for name := range live {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Reload re-reads every tenant file now, including unchanged ones, and drops the tenants
// whose file is gone. It returns every file's error at once (errors.Join of *FileError).
func (s *Set) Reload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		// The folder may have been replaced; watching it again follows the new one.
		if err := s.watcher.Add(s.dir); err != nil {
			s.log.Warn("tenant origins: watching the folder again", "dir", s.dir, "err", err)
		}
	}
	return s.rescan(true)
}

// Close stops watching. Policy keeps answering with the last set loaded.
func (s *Set) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	err := s.watcher.Close()
	s.mu.Unlock()
	<-s.stopped
	return err
}

// template is a path template split into its folder and the file name's text before and
// after "{tenant}".
type template struct {
	dir, prefix, suffix string
}

// splitTemplate splits a path template ("tenants/{tenant}.yaml").
func splitTemplate(pathTemplate string) (template, error) {
	dir, name := filepath.Split(pathTemplate)
	if strings.Count(name, placeholder) != 1 || strings.Contains(dir, placeholder) {
		return template{}, fmt.Errorf("tenant: path %q: the file name (not the folder) must contain %s once", pathTemplate, placeholder)
	}
	if dir == "" {
		dir = "."
	}
	prefix, suffix, _ := strings.Cut(name, placeholder)
	return template{dir: filepath.Clean(dir), prefix: prefix, suffix: suffix}, nil
}

// ValidName reports whether s is a tenant name: one lower-case DNS label of 1 to MaxNameLen
// letters, digits and hyphens, neither first nor last a hyphen.
func ValidName(s string) bool {
	if len(s) == 0 || len(s) > MaxNameLen || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func isUpper(r rune) bool { return 'A' <= r && r <= 'Z' }

// tenantOf returns the tenant a file name in the directory belongs to.
func (t template) tenantOf(name string) (string, bool) {
	if len(name) < len(t.prefix)+len(t.suffix) || !strings.HasPrefix(name, t.prefix) || !strings.HasSuffix(name, t.suffix) {
		return "", false
	}
	tenant := name[len(t.prefix) : len(name)-len(t.suffix)]
	return tenant, ValidName(tenant)
}

// path is the file of tenant.
func (t template) path(tenant string) string {
	return filepath.Join(t.dir, t.prefix+tenant+t.suffix)
}

// File is a tenant's origin file.
type File struct {
	Tenant, Path string
}

// Files lists the tenant files in pathTemplate's folder as a Set finds them (a file named
// with a valid tenant name in place of "{tenant}"), in the folder's order, at most
// MaxTenants of them, as a Set holds. A missing folder is an error wrapping fs.ErrNotExist.
func Files(pathTemplate string) ([]File, error) {
	tmpl, err := splitTemplate(pathTemplate)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(tmpl.dir)
	if err != nil {
		return nil, fmt.Errorf("tenant: %w", err)
	}
	var files []File
	for _, e := range entries {
		if t, ok := tmpl.tenantOf(e.Name()); ok && len(files) < MaxTenants {
			files = append(files, File{Tenant: t, Path: tmpl.path(t)})
		}
	}
	return files, nil
}

// rescan loads every tenant file in the directory (force: even those whose content has not
// changed) and forgets the tenants whose file is gone. s.mu is held.
func (s *Set) rescan(force bool) error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		// The folder is briefly missing or unreadable: serve what was loaded.
		s.log.Error("tenant origins: reading the folder; keeping the tenants loaded", "dir", s.dir, "err", err)
		return fmt.Errorf("tenant: %w", err)
	}
	var names []string // sorted, as ReadDir returns them
	for _, e := range entries {
		if t, ok := s.tenantOf(e.Name()); ok {
			names = append(names, t)
		}
	}
	present := make(map[string]bool, len(names))
	for _, t := range names {
		present[t] = true
	}
	for t := range s.files {
		if !present[t] {
			s.remove(t)
		}
	}
	var errs []error
	for _, t := range names {
		if err := s.load(t, force, slog.LevelDebug); err != nil {
			errs = append(errs, err)
		}
	}
	s.publish()
	// One line for the folder: a line per tenant would be thousands at every SIGHUP.
	summary := slog.LevelInfo
	if len(errs) > 0 {
		summary = slog.LevelWarn
	}
	s.log.Log(context.Background(), summary, "tenant origins read", "dir", s.dir, "tenants", len(*s.live.Load()), "refused", len(errs))
	return errors.Join(errs...)
}

// update loads the named tenants' files again, as the watcher saw them change. s.mu is held.
func (s *Set) update(tenants map[string]struct{}) {
	for _, t := range slices.Sorted(maps.Keys(tenants)) {
		_ = s.load(t, false, slog.LevelInfo) // logged and observed
	}
	s.publish()
}

// load reads one tenant's file and records the outcome, logging a success at level; a missing
// file removes the tenant. Content identical to the last read is skipped unless force. s.mu
// is held.
func (s *Set) load(tenant string, force bool, level slog.Level) error {
	path := s.path(tenant)
	data, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		s.remove(tenant)
		return nil
	}
	f := s.files[tenant]
	if f == nil {
		if len(s.files) >= MaxTenants {
			err := &FileError{Path: path, Err: ErrTooManyTenants}
			if level > slog.LevelDebug { // a folder's read counts them in its summary instead
				s.log.Error("tenant origins: file refused", "tenant", tenant, "err", err)
			}
			s.observe(tenant, err)
			return err
		}
		f = new(file)
		s.files[tenant] = f
	}
	var (
		sum [sha256.Size]byte
		n   int // origins compiled
	)
	if err == nil {
		sum = sha256.Sum256(data)
		if !force && sum == f.sum {
			return f.err
		}
		n, err = s.compile(path, data, &f.policy)
	} else {
		err = &FileError{Path: path, Err: err}
	}
	f.sum, f.err = sum, err
	switch {
	case err == nil:
		s.log.Log(context.Background(), level, "tenant origins loaded", "tenant", tenant, "file", path, "origins", n)
	case s.opts.OnError == DenyAll:
		f.policy = nil
		s.log.Error("tenant origins: file refused; the tenant allows no origin until it is fixed", "tenant", tenant, "err", err)
	case f.policy != nil:
		s.log.Error("tenant origins: file refused; keeping the last good origins", "tenant", tenant, "err", err)
	default:
		s.log.Error("tenant origins: file refused; the tenant has no good origins yet", "tenant", tenant, "err", err)
	}
	s.observe(tenant, err)
	return err
}

// compile decodes and compiles a tenant file's content, storing the policy in *p only when
// both succeed; it returns the number of origins.
func (s *Set) compile(path string, data []byte, p **fetch.Policy) (int, error) {
	pol, n, err := compileFile(&s.base, path, data)
	if err == nil {
		*p = pol
	}
	return n, err
}

// compileFile compiles base with the origins of a tenant file's content, which are the
// tenant's whole origin set: base's OriginPatterns are not kept.
func compileFile(base *fetch.Config, path string, data []byte) (*fetch.Policy, int, error) {
	origins, pos, err := decode(data)
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			fe.Path = path
		}
		return nil, 0, err
	}
	c := *base
	c.Origins, c.OriginPatterns = origins, nil
	pol, err := fetch.Compile(&c)
	if err != nil {
		return nil, 0, locate(path, pos, err)
	}
	return pol, len(origins), nil
}

// Read compiles one tenant's file once, as a Set would load it, without watching anything:
// for tools that answer a single question (which origins does this tenant allow?). A
// missing file is an error wrapping fs.ErrNotExist.
func Read(pathTemplate, tenant string, base *fetch.Config) (*fetch.Policy, error) {
	if base == nil {
		return nil, errors.New("tenant: no base policy")
	}
	if !ValidName(tenant) {
		return nil, fmt.Errorf("tenant: %q is not a tenant name (one lower-case DNS label)", tenant)
	}
	tmpl, err := splitTemplate(pathTemplate)
	if err != nil {
		return nil, err
	}
	path := tmpl.path(tenant)
	data, err := readFile(path)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	pol, _, err := compileFile(base, path, data)
	return pol, err
}

// locate turns fetch.Compile's errors into file errors placed at the origin they are about.
func locate(path string, pos []position, err error) error {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	out := make([]error, len(errs))
	for i, e := range errs {
		fe := &FileError{Path: path, Err: e}
		var ce *fetch.ConfigError
		if errors.As(e, &ce) && ce.Field == originsKey && ce.Index >= 0 && ce.Index < len(pos) {
			fe.Line, fe.Col = pos[ce.Index].line, pos[ce.Index].col
		}
		out[i] = fe
	}
	return errors.Join(out...)
}

func (s *Set) remove(tenant string) {
	if _, ok := s.files[tenant]; ok {
		delete(s.files, tenant)
		s.log.Info("tenant origins removed: its file is gone", "tenant", tenant, "file", s.path(tenant))
	}
}

func (s *Set) observe(tenant string, err error) {
	if s.opts.Observe != nil {
		s.opts.Observe(tenant, err == nil, err)
	}
}

// publish stores a new map of the usable policies for Policy to read. s.mu is held.
func (s *Set) publish() {
	live := make(map[string]*fetch.Policy, len(s.files))
	for t, f := range s.files {
		if f.policy != nil {
			live[t] = f.policy
		}
	}
	s.live.Store(&live)
}

// readFile reads a regular file of at most MaxFileSize bytes. Opening without blocking keeps
// a FIFO given a tenant's name from stalling the loader.
func readFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, errNotRegular
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, ErrFileTooLarge
	}
	return data, nil
}
