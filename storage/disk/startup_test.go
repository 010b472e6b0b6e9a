package disk_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/disk"
	"github.com/doorman-s3/doorman/storage/storagetest"
)

// The variables that make the test binary a child of BenchmarkStartup (startupChild).
const (
	envStartupDir   = "DOORMAN_STARTUP_DIR"   // the store to open
	envStartupShape = "DOORMAN_STARTUP_SHAPE" // its buckets and objects in each, "buckets,objects"
	envStartupCrash = "DOORMAN_STARTUP_CRASH" // "1": open it, write, and exit without closing
)

// startupShape is the shape of a store a start is measured over: buckets of objects each.
type startupShape struct {
	name             string
	buckets, objects int // objects in each bucket
}

// startupShapes are the stores BenchmarkStartup opens: objects in one bucket, and 10,000
// buckets of 100 objects each.
var startupShapes = []startupShape{
	{"objects=1000000", 1, 1_000_000},
	{"buckets=10000", 10_000, 100},
}

// startupStores are the stores built in this run, by shape name, in the directories of
// startupTemp, which TestMain removes.
var (
	startupStores = map[string]string{}
	startupTemp   []string
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(envStartupDir); dir != "" {
		if err := startupChild(dir, os.Getenv(envStartupShape), os.Getenv(envStartupCrash) == "1"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	for _, dir := range startupTemp {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// startupKey is the name of object i of a bucket: fixed width, so that the names sort as the
// numbers do.
func startupKey(i int) string { return fmt.Sprintf("obj%08d", i) }

// startupKeys are the names of n objects of a bucket.
func startupKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = startupKey(i)
	}
	return keys
}

// startupBucket is the name of bucket i.
func startupBucket(i int) string { return fmt.Sprintf("bkt%05d", i) }

// The object a crashing child writes before it exits, in the last bucket (its key sorts
// before every startupKey), and the file it leaves in data/ without a record, as a write
// interrupted between its rename and its commit leaves one.
const (
	startupCrashKey   = "crash"
	startupCrashBody  = "committed before the crash"
	startupCrashStray = "01/0123456789abcdef0123456789abcdef"
)

// startupFigures is what a child measures of one start.
type startupFigures struct {
	Open  time.Duration // disk.Open returned
	Ready time.Duration // and a server over it answered its health check
	Mem   memory        // the memory then
	// End is the memory once the lists and the sweep, if any, have ended.
	End memory
	// List is the first page of 1,000 keys from the middle of the last bucket (the half of
	// a smaller one's: 49 keys of 100), Relist the same page again.
	List, Relist pageCost
	Swept        bool          // the start-up sweep ran
	Removed      int           // the files it removed
	Sweep        time.Duration // how long it ran
}

// startupChild opens the store in dir, of shape ("buckets,objects"), as `doorman serve` does
// (the store, then the server, which loads every bucket's state), measures it, checks that
// every bucket is there, and writes its figures on stdout. With crash, it writes an object
// and a file without a record, and exits without closing the store.
func startupChild(dir, shape string, crash bool) error {
	var buckets, objects int
	if _, err := fmt.Sscanf(shape, "%d,%d", &buckets, &objects); err != nil {
		return fmt.Errorf("%s=%q: %v", envStartupShape, shape, err)
	}
	last := startupBucket(buckets - 1)
	t0 := time.Now()
	s, err := disk.Open(dir)
	if err != nil {
		return err
	}
	if crash {
		if _, err := s.PutObject(ctx, last, startupCrashKey, strings.NewReader(startupCrashBody), storage.PutObjectOptions{Size: int64(len(startupCrashBody))}); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "data", startupCrashStray), nil, 0o600); err != nil {
			return err
		}
		os.Exit(0)
	}
	defer s.Close()
	var f startupFigures
	f.Open = time.Since(t0)
	srv, err := s3api.New(ctx, s3api.Config{Backend: s})
	if err != nil {
		return err
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, s3api.HealthPath, nil))
	if rec.Code != http.StatusOK {
		return fmt.Errorf("health: %d %s", rec.Code, rec.Body)
	}
	f.Ready = time.Since(t0)
	if f.Mem, err = residentMemory(); err != nil {
		return err
	}
	list := func() (c pageCost, err error) {
		defer c.measure()()
		res, err := s.ListObjects(ctx, last, storage.ListObjectsOptions{StartAfter: startupKey(objects / 2), MaxKeys: 1000})
		if err == nil && len(res.Objects) != min(1000, objects-objects/2-1) {
			err = fmt.Errorf("listing from the middle of %s: %d keys", last, len(res.Objects))
		}
		return c, err
	}
	if f.List, err = list(); err != nil {
		return err
	}
	if f.Relist, err = list(); err != nil {
		return err
	}
	sw, err := s.Swept(ctx)
	if err == nil {
		err = sw.Err
	}
	if err != nil {
		return err
	}
	f.Swept, f.Removed, f.Sweep = sw.Ran, sw.Removed, sw.Took
	if f.End, err = residentMemory(); err != nil {
		return err
	}
	all, err := s.ListBuckets(ctx)
	if err != nil {
		return err
	}
	if len(all) != buckets {
		return fmt.Errorf("%d buckets, want %d", len(all), buckets)
	}
	return json.NewEncoder(os.Stdout).Encode(f)
}

// pageCost is what a request cost its thread: the time it took, the processor time it used
// (which, unlike the time, does not grow with the load of a shared machine), and the page
// faults it took (minor and major: each first touch of a page of meta.db's map is one).
type pageCost struct {
	Took, CPU time.Duration
	Faults    int64
}

// measure starts measuring c on the calling thread; the function it returns ends it.
func (c *pageCost) measure() (end func()) {
	runtime.LockOSThread()
	r0, t0 := threadUsage(), time.Now()
	return func() {
		c.Took = time.Since(t0)
		r1 := threadUsage()
		runtime.UnlockOSThread()
		c.CPU = time.Duration(r1.Utime.Nano() + r1.Stime.Nano() - r0.Utime.Nano() - r0.Stime.Nano())
		c.Faults = r1.Minflt + r1.Majflt - r0.Minflt - r0.Majflt
	}
}

func (c *pageCost) add(d pageCost) {
	c.Took += d.Took
	c.CPU += d.CPU
	c.Faults += d.Faults
}

// report reports the mean of n costs summed in c, as name's metrics.
func (c pageCost) report(b *testing.B, n int, name string) {
	b.ReportMetric(float64(c.Took.Microseconds())/float64(n), name+"-µs")
	b.ReportMetric(float64(c.CPU.Microseconds())/float64(n), name+"-cpu-µs")
	b.ReportMetric(float64(c.Faults)/float64(n), name+"-faults")
}

// threadUsage is the resource usage of the calling thread so far.
func threadUsage() syscall.Rusage {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_THREAD, &ru)
	return ru
}

// memory is the resident memory of the process, in bytes: RSS, of which Anon is its own and
// File the pages of files it maps (meta.db's, which the kernel may take back and read again),
// and HWM, the peak of RSS so far.
type memory struct{ RSS, HWM, Anon, File int64 }

// residentMemory reads the process's resident memory (VmRSS, VmHWM, RssAnon, RssFile).
func residentMemory() (m memory, err error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return m, err
	}
	fields := map[string]*int64{"VmRSS": &m.RSS, "VmHWM": &m.HWM, "RssAnon": &m.Anon, "RssFile": &m.File}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, value, _ := strings.Cut(sc.Text(), ":")
		if field := fields[name]; field != nil {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
			*field = kb << 10
		}
	}
	return m, sc.Err()
}

func (m *memory) add(d memory) {
	m.RSS += d.RSS
	m.HWM += d.HWM
	m.Anon += d.Anon
	m.File += d.File
}

// startupStore builds the store of a shape once in a run, and returns its directory: each
// object through disk.BulkPut, which writes what PutObject writes, without the fsyncs, and
// meta.db written to the disk at the end, as a store's commits are.
func startupStore(tb testing.TB, sh startupShape) string {
	if dir, ok := startupStores[sh.name]; ok {
		return dir
	}
	parent, err := os.MkdirTemp("", "doorman-startup-")
	if err != nil {
		tb.Fatal(err)
	}
	startupTemp = append(startupTemp, parent)
	dir := filepath.Join(parent, sh.name)
	startupStores[sh.name] = dir
	s, err := disk.Open(dir)
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	synced := disk.NoSync(s)
	keys := startupKeys(sh.objects)
	for i := range sh.buckets {
		if _, err := s.CreateBucket(ctx, startupBucket(i), storage.CreateBucketOptions{}); err != nil {
			tb.Fatal(err)
		}
		if err := disk.BulkPut(s, startupBucket(i), keys); err != nil {
			tb.Fatal(err)
		}
	}
	if err := synced(); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// runStartupChild runs the test binary as a child that opens dir, of shape sh (startupChild),
// and returns its figures.
func runStartupChild(tb testing.TB, dir string, sh startupShape, crash bool) startupFigures {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envStartupDir+"="+dir, fmt.Sprintf("%s=%d,%d", envStartupShape, sh.buckets, sh.objects))
	if crash {
		cmd.Env = append(cmd.Env, envStartupCrash+"=1")
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("child: %v: %s", err, stderr.Bytes())
	}
	var f startupFigures
	if !crash {
		if err := json.Unmarshal(out, &f); err != nil {
			tb.Fatalf("child: %v: %q", err, out)
		}
	}
	return f
}

// starts are the ways a store is left for the next start: closed, or by a process that exited
// without closing it.
var starts = []struct {
	name  string
	crash bool
}{{"clean", false}, {"crash", true}}

// A store survives a process that exits without closing it, in the sequence of
// BenchmarkStartup: a clean start, a start after a crash (a child that writes and exits without
// Close), and a clean start again, each child of its own over the same store, opened through
// the harness's cache of built stores. Every bucket is there each time, the object written before
// the crash is, and only the start after the crash sweeps, removing the one file the crash left.
func TestStartupAfterCrash(t *testing.T) {
	sh := startupShape{"buckets=2", 2, 1_000}
	for _, start := range append(starts, starts[0]) {
		dir := startupStore(t, sh)
		if start.crash {
			runStartupChild(t, dir, sh, true)
		}
		f := runStartupChild(t, dir, sh, false)
		if f.Swept != start.crash || f.Removed != btoi(start.crash) {
			t.Errorf("%s start: swept %v, removed %d files", start.name, f.Swept, f.Removed)
		}
	}
	s := reopen(t, startupStores[sh.name])
	if body, _ := storagetest.Get(t, s, startupBucket(sh.buckets-1), startupCrashKey); string(body) != startupCrashBody {
		t.Errorf("the object written before the crash: %q", body)
	}
	for i := range sh.buckets {
		for _, key := range []string{startupKey(0), startupKey(sh.objects - 1)} {
			if _, err := s.HeadObject(ctx, startupBucket(i), key, storage.ReadOptions{}); err != nil {
				t.Errorf("%s/%s: %v", startupBucket(i), key, err)
			}
		}
	}
}

// BenchmarkStartup measures a start of the server over a large store, each in a process of
// its own: the time to Open it and to answer the health check, the resident memory then, and
// the time of a page of 1,000 keys from the middle of a bucket, the first and the next.
// start=clean opens the store as the previous process closed it; start=crash, as a process that
// wrote and exited without closing it left it, and reports how long the sweep that follows took,
// in the background. Each store is built once in a run (a million objects take a minute or two).
func BenchmarkStartup(b *testing.B) {
	for _, sh := range startupShapes {
		for _, start := range starts {
			b.Run(sh.name+"/start="+start.name, func(b *testing.B) {
				dir := startupStore(b, sh)
				var sum startupFigures
				n := 0
				for b.Loop() {
					if start.crash {
						b.StopTimer()
						runStartupChild(b, dir, sh, true)
						b.StartTimer()
					}
					f := runStartupChild(b, dir, sh, false)
					sum.Open += f.Open
					sum.Ready += f.Ready
					sum.Mem.add(f.Mem)
					sum.End.add(f.End)
					sum.List.add(f.List)
					sum.Relist.add(f.Relist)
					sum.Sweep += f.Sweep
					n++
				}
				b.ReportMetric(float64(sum.Open.Milliseconds())/float64(n), "open-ms")
				b.ReportMetric(float64(sum.Ready.Milliseconds())/float64(n), "ready-ms")
				mib := func(v int64) float64 { return float64(v>>20) / float64(n) }
				b.ReportMetric(mib(sum.Mem.RSS), "rss-MiB")
				b.ReportMetric(mib(sum.Mem.HWM), "peak-MiB")
				b.ReportMetric(mib(sum.End.HWM), "end-peak-MiB")
				b.ReportMetric(mib(sum.End.Anon), "end-anon-MiB")
				b.ReportMetric(mib(sum.End.File), "end-file-MiB")
				sum.List.report(b, n, "list")
				sum.Relist.report(b, n, "relist")
				b.ReportMetric(float64(sum.Sweep.Milliseconds())/float64(n), "sweep-ms")
			})
		}
	}
}
