package accesslog_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/accesslog"
)

// field is one attribute of a line, added to a Line and to a slog.Record alike.
type field struct {
	key  string
	kind byte // 's' string, 'i' integer, 'd' duration, 't' true
	s    string
	i    int64
}

func (f field) attr() slog.Attr {
	switch f.kind {
	case 'i':
		return slog.Int64(f.key, f.i)
	case 'd':
		return slog.Duration(f.key, time.Duration(f.i))
	case 't':
		return slog.Bool(f.key, true)
	}
	return slog.String(f.key, f.s)
}

func (f field) add(l *accesslog.Line) {
	switch f.kind {
	case 'i':
		l.Int(f.key, f.i)
	case 'd':
		l.Duration(f.key, time.Duration(f.i))
	case 't':
		l.True(f.key)
	default:
		l.String(f.key, f.s)
	}
}

var formats = []struct {
	name    string
	format  accesslog.Format
	handler func(io.Writer) slog.Handler
}{
	{"json", accesslog.JSON, func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, nil) }},
	{"text", accesslog.Text, func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, nil) }},
}

// checkSameAsSlog checks that a Line with fields is byte for byte what log/slog's handler of
// the same format writes for an INFO record with those attributes, in each format.
func checkSameAsSlog(t *testing.T, at time.Time, msg string, fields []field) {
	t.Helper()
	for _, f := range formats {
		var want bytes.Buffer
		r := slog.NewRecord(at, slog.LevelInfo, msg, 0)
		for _, fd := range fields {
			r.AddAttrs(fd.attr())
		}
		if err := f.handler(&want).Handle(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		l := accesslog.NewLine(f.format, at, msg)
		for _, fd := range fields {
			fd.add(l)
		}
		got := string(l.End())
		l.Release()
		if got != want.String() {
			t.Errorf("%s:\n got %q\nwant %q", f.name, got, want.String())
		}
	}
}

var utc = time.Date(2026, 12, 1, 15, 4, 5, 123456789, time.UTC)

// Each value a client controls (a path, a remote address, a bucket name, an error) and each
// kind of time, written as the handlers write them.
func TestLineIsSlogs(t *testing.T) {
	for _, s := range []string{
		"", "plain", "/a/b.txt", "with space", "a=b", `quote"d`, `back\slash`,
		"ctl\x00\x01\x08\x0c\x1f\x7f", "nl\n\r\t", "<script>&amp;</script>",
		"ls\u2028ps\u2029", "invalid\xff\xfe\xc3", "truncated\xe2\x80", "é日本🙂",
		"nbsp\u00a0", "replacement\ufffd", "zero width\u200b", "127.0.0.1:53124", "[::1]:80",
	} {
		checkSameAsSlog(t, utc, "request", []field{{key: "path", kind: 's', s: s}, {key: "remote", kind: 's', s: s}})
	}
	for _, at := range []time.Time{
		utc, utc.Truncate(time.Second), utc.Truncate(time.Millisecond), time.Date(2026, 1, 2, 3, 4, 5, 100_000, time.UTC),
		utc.In(time.FixedZone("", -7*3600)), utc.In(time.FixedZone("", 5*3600+1800)),
	} {
		checkSameAsSlog(t, at, "request", []field{
			{key: "status", kind: 'i', i: 200}, {key: "bytes", kind: 'i', i: -1}, {key: "duration", kind: 'd', i: 1234567},
			{key: "duration", kind: 'd', i: 0}, {key: "duration", kind: 'd', i: 999}, {key: "duration", kind: 'd', i: 3 * int64(time.Hour)},
			{key: "preflight_answered", kind: 't'},
		})
	}
	checkSameAsSlog(t, utc, "a message with spaces", nil)
}

// FuzzLineIsSlogs: any string, integer and duration make the line log/slog writes.
func FuzzLineIsSlogs(f *testing.F) {
	f.Add("/a", "x y", int64(200), int64(1500))
	f.Add("\"\\", "\x00\u2028\xff", int64(-1), int64(-5))
	f.Add("<&>", "=", int64(0), int64(1<<62))
	f.Fuzz(func(t *testing.T, a, b string, i, d int64) {
		checkSameAsSlog(t, utc, a, []field{{key: "a", kind: 's', s: a}, {key: "b", kind: 's', s: b},
			{key: "i", kind: 'i', i: i}, {key: "d", kind: 'd', i: d}})
	})
}

// A file's lines are buffered, reach the file within the flush interval without Close, all
// of them on Close, and never mixed up when written by many writers at once.
func TestFileBuffersAndFlushes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	l, err := accesslog.OpenFile(path, accesslog.JSON)
	if err != nil {
		t.Fatal(err)
	}
	l.Write([]byte("first\n"))
	if b, _ := os.ReadFile(path); len(b) != 0 {
		t.Fatalf("written at once, not buffered: %q", b)
	}
	deadline := time.Now().Add(5 * time.Second)
	for b, _ := os.ReadFile(path); string(b) != "first\n"; b, _ = os.ReadFile(path) {
		if time.Now().After(deadline) {
			t.Fatalf("not flushed by the timer: %q", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var wg sync.WaitGroup
	line := strings.Repeat("x", 99) + "\n"
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 2000 {
				l.Write([]byte(line))
			}
		}()
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if l.Write([]byte("late\n")) {
		t.Error("a write after Close reported written")
	}
	b, _ := os.ReadFile(path)
	if want := "first\n" + strings.Repeat(line, 16000); string(b) != want {
		t.Errorf("file holds %d bytes, want %d, or lines mixed", len(b), len(want))
	}
}

// A stream writes a line at once when no write is in progress; lines that come during a
// write go out together in the next one, each write whole lines, and none is lost or mixed.
func TestStreamWritesWholeLines(t *testing.T) {
	var w writes
	l := accesslog.NewStream(&w, accesslog.Text)
	l.Write([]byte("one\n"))
	l.Write([]byte("two\n"))
	if len(w.all) != 2 || w.all[0] != "one\n" || w.all[1] != "two\n" {
		t.Fatalf("writes %q", w.all)
	}
	// A line that comes during a write is written by that write's writer, before it returns.
	gate := &gatedWriter{entered: make(chan bool), open: make(chan bool)}
	l = accesslog.NewStream(gate, accesslog.JSON)
	done := make(chan bool)
	go func() { l.Write([]byte("first\n")); close(done) }()
	<-gate.entered
	l.Write([]byte("second\n")) // returns at once: a write is in progress
	close(gate.open)
	<-done
	if got := gate.String(); got != "first\nsecond\n" {
		t.Fatalf("written %q when the first write returned", got)
	}

	slow := writes{delay: time.Millisecond}
	l = accesslog.NewStream(&slow, accesslog.JSON)
	var wg sync.WaitGroup
	const writers, lines = 8, 200
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range lines {
				l.Write(fmt.Appendf(nil, "%d-%d %s\n", g, i, strings.Repeat("x", i)))
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, out := range slow.all {
		if !strings.HasSuffix(out, "\n") {
			t.Fatalf("a write ends inside a line: %q", out)
		}
		for _, line := range strings.SplitAfter(out, "\n") {
			if line == "" {
				continue
			}
			var g, i int
			head, x, _ := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
			if _, err := fmt.Sscanf(head, "%d-%d", &g, &i); err != nil || x != strings.Repeat("x", i) || seen[line] {
				t.Fatalf("line %q mixed up or repeated", line)
			}
			seen[line] = true
		}
	}
	if len(seen) != writers*lines {
		t.Errorf("%d lines written, want %d", len(seen), writers*lines)
	}
	if len(slow.all) >= writers*lines/2 {
		t.Errorf("%d writes for %d lines: lines that came during a write did not share the next", len(slow.all), writers*lines)
	}
}

// gatedWriter tells entered when its first write starts, then holds that write until open.
type gatedWriter struct {
	entered, open chan bool
	once          sync.Once
	mu            sync.Mutex
	b             strings.Builder
}

func (g *gatedWriter) Write(p []byte) (int, error) {
	g.once.Do(func() { g.entered <- true; <-g.open })
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.b.Write(p)
}

func (g *gatedWriter) String() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.b.String()
}

// writes records each write it gets, taking delay over each.
type writes struct {
	mu    sync.Mutex
	all   []string
	delay time.Duration
}

func (w *writes) Write(p []byte) (int, error) {
	time.Sleep(w.delay)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.all = append(w.all, string(p))
	return len(p), nil
}

// BenchmarkLine: a serve access line encoded here against log/slog's handler writing it (to
// io.Discard, so that neither pays for a write).
func BenchmarkLine(b *testing.B) {
	for _, f := range formats {
		b.Run("format="+f.name+"/impl=accesslog", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				l := accesslog.NewLine(f.format, utc, "request")
				l.String("request_id", "18C3A0B1D2E3F405")
				l.String("op", "GetObject")
				l.String("method", "GET")
				l.String("bucket", "bench-bucket")
				l.Int("status", 200)
				l.Int("bytes", 4096)
				l.Duration("duration", 153*time.Microsecond)
				l.String("remote", "127.0.0.1:53124")
				l.End()
				l.Release()
			}
		})
		b.Run("format="+f.name+"/impl=slog", func(b *testing.B) {
			b.ReportAllocs()
			log := slog.New(f.handler(io.Discard))
			for b.Loop() {
				log.LogAttrs(context.Background(), slog.LevelInfo, "request",
					slog.String("request_id", "18C3A0B1D2E3F405"), slog.String("op", "GetObject"),
					slog.String("method", "GET"), slog.String("bucket", "bench-bucket"), slog.Int("status", 200),
					slog.Int64("bytes", 4096), slog.Duration("duration", 153*time.Microsecond),
					slog.String("remote", "127.0.0.1:53124"))
			}
		})
	}
}

// Reopen, after a rotation moved the file away, writes what was buffered to the moved file
// and the lines that follow to a new one at the path: with writers busy throughout, every
// line is in one of the two, whole, and none reaches the moved file once Reopen returned.
// When the path cannot be opened, lines go on to the file the log has.
func TestReopenAfterRotation(t *testing.T) {
	dir := t.TempDir()
	path, rotated := filepath.Join(dir, "access.log"), filepath.Join(dir, "access.log.1")
	l, err := accesslog.OpenFile(path, accesslog.JSON)
	if err != nil {
		t.Fatal(err)
	}
	const writers, lines = 4, 3000
	var wg sync.WaitGroup
	half := make(chan bool)
	var once sync.Once
	for g := range writers {
		wg.Go(func() {
			for i := range lines {
				if i == lines/2 {
					once.Do(func() { close(half) })
				}
				l.Write(fmt.Appendf(nil, "%d-%d %s\n", g, i, strings.Repeat("x", 40)))
			}
		})
	}
	<-half
	if err := os.Rename(path, rotated); err != nil {
		t.Fatal(err)
	}
	if err := l.Reopen(); err != nil {
		t.Fatal(err)
	}
	movedAtReopen, _ := os.ReadFile(rotated)
	l.Write([]byte("after\n"))
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	moved, _ := os.ReadFile(rotated)
	current, _ := os.ReadFile(path)
	if !bytes.Equal(moved, movedAtReopen) {
		t.Errorf("the moved file grew from %d to %d bytes after Reopen returned", len(movedAtReopen), len(moved))
	}
	if len(moved) == 0 || !bytes.Contains(current, []byte("after\n")) {
		t.Errorf("moved file %d bytes, current %d bytes with the line written after Reopen: %v", len(moved), len(current), bytes.Contains(current, []byte("after\n")))
	}
	seen := map[string]bool{}
	for _, b := range [][]byte{moved, current} {
		for _, line := range strings.SplitAfter(string(b), "\n") {
			if line == "" || line == "after\n" {
				continue
			}
			if !strings.HasSuffix(line, strings.Repeat("x", 40)+"\n") || seen[line] {
				t.Fatalf("a line cut or written twice: %q", line)
			}
			seen[line] = true
		}
	}
	if len(seen) != writers*lines {
		t.Errorf("%d lines in the two files, want %d", len(seen), writers*lines)
	}

	// A path that cannot be opened (its directory gone): the lines go on to the open file.
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	l, err = accesslog.OpenFile(filepath.Join(sub, "access.log"), accesslog.JSON)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(sub, "access.log"), filepath.Join(dir, "kept.log")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(sub); err != nil {
		t.Fatal(err)
	}
	l.Write([]byte("before\n"))
	if err := l.Reopen(); err == nil {
		t.Fatal("Reopen of a path whose directory is gone succeeded")
	}
	l.Write([]byte("still\n"))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "kept.log")); string(b) != "before\nstill\n" {
		t.Errorf("the file kept holds %q, want both lines", b)
	}
}
