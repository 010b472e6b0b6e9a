package disk_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/disk"
	"github.com/doorman-s3/doorman/storage/storagetest"
)

// crashDirEnv names the store directory of the child process of TestCrashRecovery.
const crashDirEnv = "DOORMAN_STORAGE_CRASH_CHILD_DIR"

var crashKeys = []string{"k0", "k1", "k2", "k3", "dir/k4", "../../k5"}

// The buckets of TestCrashRecovery: one whose versioning was never set, where a write
// replaces the key's object; a versioned one, where a write adds a version and moves the
// previous latest among the others (and, while versioning is suspended, removes the null
// version too), so that a kill lands in changes of several records; and one with Object Lock
// and a default retention, where each write gives its version a retention in the same
// transaction, and retentions are extended, legal holds put and versions deleted (refused
// unless the delete bypasses governance and no legal hold is on).
const (
	crashPlain     = "crash"
	crashVersioned = "crashv"
	crashLocked    = "crashl"
)

// crashBuckets are the buckets of TestCrashRecovery, in the order of its writers.
var crashBuckets = []string{crashPlain, crashVersioned, crashLocked}

// crashRetention is the default retention of crashLocked: a day, so that no version's
// retention ends while the test runs.
var crashRetention = storage.DefaultRetention{Mode: storage.RetentionGovernance, Days: 1}

// crashBodyMax bounds the bodies written to each bucket: up to 512 KiB so that kills land
// mid-write, and 32 KiB in the versioned buckets, where every version stays until removed;
// about half of those are inline objects, the others files.
var crashBodyMax = map[string]uint64{crashPlain: 512 << 10, crashVersioned: 32 << 10, crashLocked: 32 << 10}

// crashBody is version v's content in bucket: a header naming v, then bytes derived from v,
// of a length that varies up to the bucket's crashBodyMax.
func crashBody(bucket string, v uint64) []byte { return versionBody(v, v*7919%crashBodyMax[bucket]) }

// versionBody is a header naming v, then n bytes derived from v.
func versionBody(v, n uint64) []byte {
	header := fmt.Sprintf("v=%d\n", v)
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], v)
	body := make([]byte, n)
	rand.NewChaCha8(seed).Read(body)
	return append([]byte(header), body...)
}

// crashVersion recovers the version from a body's header.
func crashVersion(b []byte) (uint64, bool) {
	line, _, ok := bytes.Cut(b, []byte("\n"))
	if !ok || !bytes.HasPrefix(line, []byte("v=")) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(line[2:]), 10, 64)
	return v, err == nil
}

// TestCrashRecovery kills a process that is writing to the store with SIGKILL at random
// moments, then reopens the store and checks that every object is one whole version whose
// size, ETag and checksum match its bytes, that no temporary or orphaned file survived, and,
// in the versioned buckets, that every version the child wrote is still there and readable,
// and that each key's latest version is what a read without a version id finds. In the bucket
// with Object Lock it checks that no version is without the default retention of its write,
// that each retention is the default or one the child set, at least the last one the child
// saw set, that each legal hold the child saw put is on, and that no version under a legal
// hold or written and never deleted with a bypass is gone.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := filepath.Join(t.TempDir(), "store")
	s, err := disk.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range crashBuckets {
		if _, err := s.CreateBucket(ctx, b, storage.CreateBucketOptions{ObjectLockEnabled: b == crashLocked}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutBucketVersioning(ctx, crashVersioned, storage.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	if err := s.PutBucketObjectLock(ctx, crashLocked, storage.ObjectLockConfig{Enabled: true, DefaultRetention: &crashRetention}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	seen, leftovers := 0, 0
	// The versions the child reported written, and those it began to remove: a version can
	// be removed before its writer reports it.
	written, removing := map[string]bool{}, map[string]bool{}
	locks := newCrashLocks()
	for round := 0; round < 10; round++ {
		for _, line := range runAndKill(t, "TestCrashChild", dir, round, time.Duration(rng.IntN(250))*time.Millisecond) {
			switch op, id, _ := strings.Cut(line, " "); op {
			case "wrote":
				written[id] = true
			case "removing":
				removing[id] = true
			default:
				locks.record(t, line)
			}
		}
		maps.DeleteFunc(written, func(id string, _ bool) bool { return removing[id] })
		tmp, _ := os.ReadDir(filepath.Join(dir, "tmp"))
		leftovers += len(tmp) + len(dataFiles(t, dir))

		s, err := disk.Open(dir)
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		keys := keysOf(t, s, crashPlain)
		for _, k := range keys {
			body, info := storagetest.Get(t, s, crashPlain, k)
			checkCrashBody(t, round, crashPlain, k, body, info)
		}
		seen += len(keys)
		objects := len(keys) + checkCrashVersions(t, s, round, crashVersioned, written, nil) +
			checkCrashVersions(t, s, round, crashLocked, written, locks)
		if err := disk.CheckLayout(s); err != nil {
			t.Errorf("round %d: %v", round, err)
		}
		if tmp, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(tmp) != 0 {
			t.Errorf("round %d: temporary files survived reopening: %d", round, len(tmp))
		}
		if sw := swept(t, s); !sw.Ran {
			t.Errorf("round %d: no sweep after a crash", round)
		}
		if n := storedData(t, s, dir); n != objects {
			t.Errorf("round %d: %d data files and inline objects for %d objects and versions", round, n, objects)
		}
		s.Close()
	}
	// Data files beyond the objects found are those the reopen removed.
	t.Logf("%d objects checked, %d versions written; %d files before reopening; %d retentions and %d legal holds set",
		seen, len(written), leftovers, len(locks.retained), len(locks.held))
	if seen == 0 || len(written) == 0 || len(locks.retained) == 0 || len(locks.held) == 0 {
		t.Error("no object, version, retention or legal hold was ever written before a kill")
	}
}

// checkCrashBody checks that an object read from bucket is a whole version with metadata
// that matches its bytes.
func checkCrashBody(t *testing.T, round int, bucket, key string, body []byte, info storage.ObjectInfo) {
	t.Helper()
	v, ok := crashVersion(body)
	if !ok || !bytes.Equal(body, crashBody(bucket, v)) {
		t.Errorf("round %d: %s/%q holds %d bytes that are not a whole version", round, bucket, key, len(body))
		return
	}
	if info.Size != int64(len(body)) || info.ETag != storagetest.MD5Hex(body) || info.Checksum.Value != storage.ChecksumCRC32C.Sum(body) {
		t.Errorf("round %d: %s/%q version %d has metadata %+v that does not match its bytes", round, bucket, key, v, info)
	}
}

// checkCrashVersions checks every version of a versioned bucket: each object version is
// whole, every version written is listed, and a read without a version id finds each key's
// latest; in the bucket with Object Lock, each version's lock is one locks allows. It returns
// the number of object versions.
func checkCrashVersions(t *testing.T, s *disk.Store, round int, bucket string, written map[string]bool, locks *crashLocks) int {
	t.Helper()
	listed := map[string]bool{} // by bucket/id, as written names them
	objects := 0
	for _, v := range allVersions(t, s, bucket) {
		listed[bucket+"/"+v.VersionID] = true
		if !v.DeleteMarker {
			objects++
			body, info := getVersion(t, s, bucket, v.Key, v.VersionID)
			checkCrashBody(t, round, bucket, v.Key, body, info)
			if locks != nil {
				locks.check(t, round, info)
			}
		}
		if !v.IsLatest {
			continue
		}
		latest, err := s.HeadObject(ctx, bucket, v.Key, storage.ReadOptions{})
		var dm *storage.DeleteMarkerError
		if v.DeleteMarker && !(errors.As(err, &dm) && dm.Latest && dm.VersionID == v.VersionID) ||
			!v.DeleteMarker && (err != nil || latest.VersionID != v.VersionID) {
			t.Errorf("round %d: %q: the latest version is %s (marker %v); a read finds %+v, %v", round, v.Key, v.VersionID, v.DeleteMarker, latest, err)
		}
	}
	for id := range written {
		if !listed[id] && strings.HasPrefix(id, bucket+"/") {
			t.Errorf("round %d: version %s was written and is lost", round, id)
		}
	}
	if locks != nil {
		for id := range locks.held {
			if !listed[bucket+"/"+id] {
				t.Errorf("round %d: version %s was under a legal hold and is gone", round, id)
			}
		}
	}
	return objects
}

// allVersions lists every version of a bucket, page by page.
func allVersions(t *testing.T, s *disk.Store, bucket string) []storage.ObjectInfo {
	t.Helper()
	var all []storage.ObjectInfo
	opts := storage.ListVersionsOptions{MaxKeys: storage.MaxListKeys}
	for {
		res, err := s.ListObjectVersions(ctx, bucket, opts)
		if err != nil {
			t.Fatalf("listing the versions of %s: %v", bucket, err)
		}
		all = append(all, res.Versions...)
		if !res.IsTruncated {
			return all
		}
		opts.KeyMarker, opts.VersionIDMarker = res.NextKeyMarker, res.NextVersionIDMarker
	}
}

// runAndKill starts the child writer, the test named child, waits until it says "ready", lets
// it run for delay and kills it. It returns the lines the child wrote after "ready".
func runAndKill(t *testing.T, child, dir string, round int, delay time.Duration) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+child+"$")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, "DOORMAN_STORAGE_CRASH_ROUND="+strconv.Itoa(round))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan bool, 1)
	var lines []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "ready" {
				ready <- true
				continue
			}
			lines = append(lines, sc.Text())
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			cmd.Wait()
			t.Fatalf("round %d: child exited before writing: %s", round, stderr.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("round %d: child never became ready: %s", round, stderr.String())
	}
	time.Sleep(delay)
	cmd.Process.Kill()
	<-done // the pipe's end: every line the child wrote has been read
	cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("round %d: child exited by itself (%v): %s", round, cmd.ProcessState, stderr.String())
	}
	return lines
}

// TestCrashChild is the writer process of TestCrashRecovery; it does nothing in a normal run.
// Writers put new versions, copy objects and delete them until the process is killed; in the
// versioned bucket they also remove versions for good, and suspend and enable versioning,
// making and replacing null versions; in the bucket with Object Lock they extend retentions,
// put legal holds and delete versions, with a bypass or without. It prints "wrote <bucket>/<id>"
// once a version (or delete marker) is written and "removing <bucket>/<id>" before it removes
// one, and the lines of crashLocks.record.
func TestCrashChild(t *testing.T) {
	s, round := openCrashChild(t, "TestCrashRecovery")
	var version atomic.Uint64
	version.Store(round << 32)
	var once sync.Once
	var wg sync.WaitGroup
	for w := 0; w < 3*len(crashBuckets); w++ {
		bucket := crashBuckets[w%len(crashBuckets)]
		wg.Go(func() {
			for i := 0; ; i++ {
				v := version.Add(1)
				key := crashKeys[v%uint64(len(crashKeys))]
				err := crashWrite(s, bucket, key, i, v, &once)
				if err != nil && !errors.Is(err, storage.ErrNoSuchKey) {
					// Exit on our own, which the parent reports: it only ever kills.
					fmt.Fprintln(os.Stderr, "child:", err)
					os.Exit(3)
				}
			}
		})
	}
	wg.Wait()
}

// openCrashChild opens the store of a child process of the crash test parent, and returns it
// with the child's round; it skips the test outside such a process.
func openCrashChild(t *testing.T, parent string) (*disk.Store, uint64) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("runs only as the child of " + parent)
	}
	s, err := disk.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	round, _ := strconv.ParseUint(os.Getenv("DOORMAN_STORAGE_CRASH_ROUND"), 10, 64)
	return s, round
}

// crashWrite is the i-th change of a writer of TestCrashChild, to version v.
func crashWrite(s *disk.Store, bucket, key string, i int, v uint64, once *sync.Once) error {
	wrote := func(id string) {
		// A null version is replaced by the next one, so it is not expected to stay.
		if bucket != crashPlain && id != storage.NullVersion {
			fmt.Println("wrote", bucket+"/"+id)
		}
	}
	switch {
	case bucket == crashLocked && i%4 == 3:
		return crashRetain(s, key, v)
	case bucket == crashLocked && i%5 == 4:
		return crashHold(s, key, v)
	case bucket == crashLocked && i%3 == 2:
		return crashDeleteLocked(s, key, v)
	case i%11 == 10 && bucket == crashVersioned:
		return s.PutBucketVersioning(ctx, bucket, []string{storage.VersioningEnabled, storage.VersioningSuspended}[v%2])
	case i%7 == 6:
		res, err := s.DeleteObject(ctx, bucket, key, storage.DeleteObjectOptions{})
		if err == nil {
			wrote(res.VersionID)
		}
		return err
	case i%5 == 4:
		info, err := s.CopyObject(ctx, bucket, crashKeys[(v+1)%uint64(len(crashKeys))], bucket, key, storage.CopyObjectOptions{})
		if err == nil {
			wrote(info.VersionID)
		}
		return err
	case i%3 == 2 && bucket == crashVersioned:
		res, err := s.ListObjectVersions(ctx, bucket, storage.ListVersionsOptions{Prefix: key, MaxKeys: storage.MaxListKeys})
		if err != nil || len(res.Versions) == 0 {
			return err
		}
		id := res.Versions[int(v)%len(res.Versions)].VersionID
		fmt.Println("removing", bucket+"/"+id)
		_, err = s.DeleteObject(ctx, bucket, res.Versions[int(v)%len(res.Versions)].Key, storage.DeleteObjectOptions{VersionID: id})
		return err
	}
	info, err := s.PutObject(ctx, bucket, key, bytes.NewReader(crashBody(bucket, v)), storage.PutObjectOptions{
		Size: -1, Checksum: storage.Checksum{Algorithm: storage.ChecksumCRC32C},
	})
	if err == nil {
		wrote(info.VersionID)
		once.Do(func() { fmt.Println("ready") })
	}
	return err
}

// crashVersionOf picks a version of key in crashLocked, the v-th of those listed; ok is false
// when the key has none.
func crashVersionOf(s *disk.Store, key string, v uint64) (version storage.ObjectInfo, ok bool, err error) {
	res, err := s.ListObjectVersions(ctx, crashLocked, storage.ListVersionsOptions{Prefix: key, MaxKeys: storage.MaxListKeys})
	if err != nil || len(res.Versions) == 0 {
		return version, false, err
	}
	return res.Versions[int(v)%len(res.Versions)], true, nil
}

// crashRaced tells the errors a change of a version in crashLocked meets when another writer
// changed it first: the version was removed, is a delete marker, or its retention was extended
// further.
func crashRaced(err error) bool {
	var dm *storage.DeleteMarkerError
	return errors.Is(err, storage.ErrNoSuchVersion) || errors.As(err, &dm) || errors.Is(err, storage.ErrObjectLocked)
}

// crashRetain extends the retention of a version of key to two days and v milliseconds from
// now, past any default retention's date and any earlier extension's: "retaining <id> <ms>"
// before, "retained <id> <ms>" once done.
func crashRetain(s *disk.Store, key string, v uint64) error {
	version, ok, err := crashVersionOf(s, key, v)
	if !ok || version.DeleteMarker {
		return err
	}
	until := time.Now().Add(48*time.Hour + time.Duration(v%1000)*time.Millisecond).Truncate(time.Millisecond)
	fmt.Println("retaining", version.VersionID, until.UnixMilli())
	err = s.PutObjectRetention(ctx, crashLocked, version.Key, storage.PutObjectRetentionOptions{
		Retention: storage.Retention{Mode: storage.RetentionGovernance, RetainUntil: until}, VersionID: version.VersionID,
	})
	if err == nil {
		fmt.Println("retained", version.VersionID, until.UnixMilli())
	}
	if crashRaced(err) {
		return nil
	}
	return err
}

// crashHold puts a legal hold on a version of key: "held <id>" once done.
func crashHold(s *disk.Store, key string, v uint64) error {
	version, ok, err := crashVersionOf(s, key, v)
	if !ok || version.DeleteMarker {
		return err
	}
	err = s.PutObjectLegalHold(ctx, crashLocked, version.Key, storage.PutObjectLegalHoldOptions{On: true, VersionID: version.VersionID})
	if err == nil {
		fmt.Println("held", version.VersionID)
	}
	if crashRaced(err) {
		return nil
	}
	return err
}

// crashDeleteLocked deletes a version of key, bypassing governance three times in four. Every
// version in crashLocked has a retention, so a delete without the bypass that succeeds is an
// error of the store, and so is one with it that fails other than for a legal hold.
func crashDeleteLocked(s *disk.Store, key string, v uint64) error {
	version, ok, err := crashVersionOf(s, key, v)
	if !ok {
		return err
	}
	bypass := v%4 != 0
	if bypass || version.DeleteMarker {
		fmt.Println("removing", crashLocked+"/"+version.VersionID)
	}
	// IfRevision: a version another writer removed since it was listed fails with
	// ErrNoSuchKey, where a delete of a version that is gone would succeed, as in S3.
	_, err = s.DeleteObject(ctx, crashLocked, version.Key, storage.DeleteObjectOptions{
		VersionID: version.VersionID, BypassGovernance: bypass, IfRevision: version.Revision,
	})
	switch {
	case err == nil && !bypass && !version.DeleteMarker:
		return fmt.Errorf("version %s under a retention was deleted without a bypass", version.VersionID)
	case errors.Is(err, storage.ErrObjectLocked) && !version.DeleteMarker:
		return nil
	}
	return err
}

// crashLocks is what TestCrashRecovery learnt of the locks the child set in crashLocked.
type crashLocks struct {
	retaining map[string]map[int64]bool // the dates, in ms, the child began to set, by version
	retained  map[string]int64          // the latest date the child saw set, by version
	held      map[string]bool           // the versions the child saw a legal hold put on
}

func newCrashLocks() *crashLocks {
	return &crashLocks{retaining: map[string]map[int64]bool{}, retained: map[string]int64{}, held: map[string]bool{}}
}

// record reads a line of the child about a lock.
func (l *crashLocks) record(t *testing.T, line string) {
	t.Helper()
	f := strings.Fields(line)
	var ms int64
	if len(f) == 3 {
		var err error
		if ms, err = strconv.ParseInt(f[2], 10, 64); err != nil {
			t.Fatalf("child wrote %q", line)
		}
	}
	switch {
	case len(f) == 3 && f[0] == "retaining":
		if l.retaining[f[1]] == nil {
			l.retaining[f[1]] = map[int64]bool{}
		}
		l.retaining[f[1]][ms] = true
	case len(f) == 3 && f[0] == "retained":
		l.retained[f[1]] = max(l.retained[f[1]], ms)
	case len(f) == 2 && f[0] == "held":
		l.held[f[1]] = true
	default:
		t.Fatalf("child wrote %q", line)
	}
}

// crashCommitDelay bounds the time from a write's LastModified to its commit, when its
// default retention starts: the write's staging and its wait for a commit, on a loaded
// machine.
const crashCommitDelay = time.Minute

// check checks a version's lock against what the child did: a retention that is the default
// one of its write (from the write's commit) or one the child set, at least the last one the
// child saw set, and a legal hold the child saw put still on.
func (l *crashLocks) check(t *testing.T, round int, info storage.ObjectInfo) {
	t.Helper()
	r, id := info.Retention, info.VersionID
	fromWrite := info.LastModified.Add(time.Duration(crashRetention.Days) * 24 * time.Hour)
	switch {
	case r.Mode != storage.RetentionGovernance || r.RetainUntil.Before(fromWrite):
		t.Errorf("round %d: version %s written at %v has retention %+v, not the default one of its write", round, id, info.LastModified, r)
	case !r.RetainUntil.Before(fromWrite.Add(crashCommitDelay)) && !l.retaining[id][r.RetainUntil.UnixMilli()]:
		t.Errorf("round %d: version %s has retention %+v, which no one set", round, id, r)
	case r.RetainUntil.UnixMilli() < l.retained[id]:
		t.Errorf("round %d: version %s has retention %+v, shorter than the one set until %d", round, id, r, l.retained[id])
	}
	if l.held[id] && !info.LegalHold {
		t.Errorf("round %d: version %s lost its legal hold", round, id)
	}
}
