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
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/disk"
)

// The variables that make the test binary a child of BenchmarkStartup (startupChild).
const (
	envStartupDir   = "DOORMAN_STARTUP_DIR"   // the store to open
	envStartupCrash = "DOORMAN_STARTUP_CRASH" // "1": open it and exit without closing
)

// startupShapes are the stores BenchmarkStartup opens: objects in one bucket, and 10,000
// buckets of 100 objects each.
var startupShapes = []struct {
	name             string
	buckets, objects int // objects in each bucket
}{
	{"objects=200000", 1, 200_000},
	{"objects=1000000", 1, 1_000_000},
	{"buckets=10000", 10_000, 100},
}

// startupStores are the stores built in this run, by shape, removed by TestMain.
var startupStores = map[string]string{}

func TestMain(m *testing.M) {
	if dir := os.Getenv(envStartupDir); dir != "" {
		if err := startupChild(dir, os.Getenv(envStartupCrash) == "1"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	for _, dir := range startupStores {
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

// startupFigures is what a child measures of one start.
type startupFigures struct {
	Open  time.Duration // disk.Open returned
	Ready time.Duration // and a server over it answered its health check
	RSS   int64         // resident memory then, bytes
	HWM   int64         // peak resident memory by then, bytes
	List  time.Duration // a page of 1,000 keys from the middle of the last bucket
	Sweep time.Duration // how long the start-up sweep ran, if it did
}

// startupChild opens the store in dir as `doorman serve` does (the store, then the server,
// which loads every bucket's state), measures it, and writes its figures on stdout. With
// crash, it exits right after Open, without closing the store.
func startupChild(dir string, crash bool) error {
	t0 := time.Now()
	s, err := disk.Open(dir)
	if err != nil {
		return err
	}
	if crash {
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
	if f.RSS, f.HWM, err = residentMemory(); err != nil {
		return err
	}
	buckets, err := s.ListBuckets(ctx)
	if err != nil {
		return err
	}
	last := buckets[len(buckets)-1].Name
	n := 0
	for _, sh := range startupShapes {
		if filepath.Base(dir) == sh.name {
			n = sh.objects
		}
	}
	t1 := time.Now()
	res, err := s.ListObjects(ctx, last, storage.ListObjectsOptions{StartAfter: startupKey(n / 2), MaxKeys: 1000})
	f.List = time.Since(t1)
	if err != nil {
		return err
	}
	if len(res.Objects) != min(1000, n-n/2-1) {
		return fmt.Errorf("listing from the middle of %s: %d keys", last, len(res.Objects))
	}
	sw, err := s.Swept(ctx)
	if err == nil {
		err = sw.Err
	}
	if err != nil {
		return err
	}
	f.Sweep = sw.Took
	return json.NewEncoder(os.Stdout).Encode(f)
}

// residentMemory reads the process's resident memory and its peak (VmRSS, VmHWM).
func residentMemory() (rss, hwm int64, err error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, value, _ := strings.Cut(sc.Text(), ":")
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		switch name {
		case "VmRSS":
			rss = kb << 10
		case "VmHWM":
			hwm = kb << 10
		}
	}
	return rss, hwm, sc.Err()
}

// startupStore builds the store of a shape once in a run: each object through disk.BulkPut,
// which writes what PutObject writes, without the fsyncs.
func startupStore(b *testing.B, name string, buckets, objects int) string {
	if dir, ok := startupStores[name]; ok {
		return dir
	}
	parent, err := os.MkdirTemp("", "doorman-startup-")
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(parent, name)
	startupStores[name] = parent
	s, err := disk.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	disk.NoSync(s)
	keys := startupKeys(objects)
	for i := range buckets {
		if _, err := s.CreateBucket(ctx, startupBucket(i), storage.CreateBucketOptions{}); err != nil {
			b.Fatal(err)
		}
		if err := disk.BulkPut(s, startupBucket(i), keys); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// runStartupChild runs the test binary as a child that opens dir (startupChild).
func runStartupChild(b *testing.B, dir string, crash bool) startupFigures {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envStartupDir+"="+dir)
	if crash {
		cmd.Env = append(cmd.Env, envStartupCrash+"=1")
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("child: %v: %s", err, stderr.Bytes())
	}
	var f startupFigures
	if !crash {
		if err := json.Unmarshal(out, &f); err != nil {
			b.Fatalf("child: %v: %q", err, out)
		}
	}
	return f
}

// BenchmarkStartup measures a start of the server over a large store, each in a process of
// its own: the time to Open it and to answer the health check, the resident memory then, and
// the time of a page of 1,000 keys from the middle of a bucket. start=clean opens the store as
// the previous process closed it; start=crash, as a process that exited without closing it
// left it, and reports how long the sweep that follows took, in the background. The store is built once in a run (a million objects take seconds).
func BenchmarkStartup(b *testing.B) {
	for _, sh := range startupShapes {
		for _, crash := range []bool{false, true} {
			start := "clean"
			if crash {
				start = "crash"
			}
			b.Run(sh.name+"/start="+start, func(b *testing.B) {
				dir := startupStore(b, sh.name, sh.buckets, sh.objects)
				var sum startupFigures
				n := 0
				for b.Loop() {
					if crash {
						b.StopTimer()
						runStartupChild(b, dir, true)
						b.StartTimer()
					}
					f := runStartupChild(b, dir, false)
					sum.Open += f.Open
					sum.Ready += f.Ready
					sum.RSS += f.RSS
					sum.HWM += f.HWM
					sum.List += f.List
					sum.Sweep += f.Sweep
					n++
				}
				b.ReportMetric(float64(sum.Open.Milliseconds())/float64(n), "open-ms")
				b.ReportMetric(float64(sum.Ready.Milliseconds())/float64(n), "ready-ms")
				b.ReportMetric(float64(sum.RSS>>20)/float64(n), "rss-MiB")
				b.ReportMetric(float64(sum.HWM>>20)/float64(n), "peak-MiB")
				b.ReportMetric(float64(sum.List.Microseconds())/float64(n), "list-µs")
				b.ReportMetric(float64(sum.Sweep.Milliseconds())/float64(n), "sweep-ms")
			})
		}
	}
}
