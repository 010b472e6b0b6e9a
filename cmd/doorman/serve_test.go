package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage/disk"
)

// maxStall is the longest a stalled client may hold the server by default: the issue's
// bound, well above Amazon S3's 20 s.
const maxStall = 60 * time.Second

// Without any flag, serve cuts off a stalled body, stalled headers and an idle connection
// within maxStall, and bounds its connections.
func TestServeTimeoutDefaults(t *testing.T) {
	if s3api.DefaultBodyIdleTimeout <= 0 || s3api.DefaultBodyIdleTimeout > maxStall {
		t.Fatalf("DefaultBodyIdleTimeout %v", s3api.DefaultBodyIdleTimeout)
	}
	f := new(serveFlags)
	if err := serveCommand(f).ParseFlags(nil); err != nil {
		t.Fatal(err)
	}
	if got := f.s3Config(nil, nil, nil, nil).BodyIdleTimeout; got != s3api.DefaultBodyIdleTimeout {
		t.Errorf("serve's body idle timeout %v, want %v", got, s3api.DefaultBodyIdleTimeout)
	}
	hs := f.httpServer(nil, slog.New(slog.DiscardHandler))
	if hs.ReadHeaderTimeout <= 0 || hs.ReadHeaderTimeout > maxStall {
		t.Errorf("header timeout %v", hs.ReadHeaderTimeout)
	}
	if hs.IdleTimeout <= 0 || hs.IdleTimeout > maxStall {
		t.Errorf("keep-alive timeout %v", hs.IdleTimeout)
	}
	if f.maxConnections != 0 {
		t.Errorf("--max-connections defaults to %d, not to the open-file limit's bound", f.maxConnections)
	}
}

func TestDefaultMaxConnections(t *testing.T) {
	for _, tc := range []struct {
		openFiles uint64
		want      int
	}{
		{0, 1},
		{reservedFiles, 1},
		{1024, (1024 - reservedFiles) / filesPerConnection},
		{20000, maxDefaultConnections},
		{1 << 20, maxDefaultConnections},
	} {
		if got := defaultMaxConnections(tc.openFiles); got != tc.want {
			t.Errorf("defaultMaxConnections(%d) = %d, want %d", tc.openFiles, got, tc.want)
		}
	}
}

// startWait bounds how long serve may take to start listening in a test.
const startWait = 10 * time.Second

// serveOnce runs serve with args until it listens, then stops it; it returns what serve
// printed and logged, and the error of a failed start.
func serveOnce(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	out, logs, stop, err := serving(t, args...)
	if err == nil {
		if err := stop(); err != nil {
			t.Fatalf("serve: %v", err)
		}
	}
	return out.String(), logs.String(), err
}

// serving starts serve with args and waits until it listens; it returns what serve prints
// and logs, and stop, which stops it and returns its error, or the error of a failed start.
func serving(t *testing.T, args ...string) (stdout, stderr *s3test.SyncBuffer, stop func() error, err error) {
	t.Helper()
	t.Setenv("DOORMAN_ACCESS_KEY", "")
	t.Setenv("DOORMAN_SECRET_KEY", "")
	f := new(serveFlags)
	if err := serveCommand(f).ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var out, logs s3test.SyncBuffer
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, &out, &logs, f) }()
	deadline := time.After(startWait)
	for !strings.Contains(out.String(), " listening on ") {
		select {
		case err := <-done:
			cancel()
			return &out, &logs, nil, err
		case <-deadline:
			cancel()
			t.Fatalf("serve did not start within %v:\n%s%s", startWait, out.String(), logs.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	return &out, &logs, func() error { cancel(); return <-done }, nil
}

// A start that fails, on a flag or a busy port, shows no credentials and leaves no data
// directory behind; in a data directory that was there, it leaves nothing it made.
func TestServeFailedStartCreatesNothing(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	badUsers := filepath.Join(t.TempDir(), "users.json")
	if err := os.WriteFile(badUsers, []byte(`[{"accessKey": "", "secretKey": "s"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	// The credentials file's "email" reaches the server, which refuses an address given to two
	// accounts.
	sharedEmail := filepath.Join(t.TempDir(), "email.json")
	if err := os.WriteFile(sharedEmail, []byte(`[{"accessKey": "AK1", "secretKey": "s1", "email": "team@example.com"},
		{"accessKey": "AK2", "secretKey": "s2", "email": "team@example.com"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	notAKey := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(notAKey, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"port in use", []string{"--addr", busy.Addr().String()}, "address already in use"},
		{"metrics port in use", []string{"--metrics-addr", busy.Addr().String()}, "address already in use"},
		{"console port in use", []string{"--console-addr", busy.Addr().String()}, "address already in use"},
		{"console probe port in use", []string{"--console-addr", "127.0.0.1:0", "--console-probe-addr", busy.Addr().String()}, "address already in use"},
		{"a probe without a console", []string{"--console-probe-addr", "127.0.0.1:0"}, "--console-probe-addr needs --console-addr"},
		{"bad --log-level", []string{"--log-level", "loud"}, `--log-level "loud": want debug, info, warn or error`},
		{"half a key pair", []string{"--access-key", "AK"}, "give both an access key and a secret key"},
		{"a user the server refuses", []string{"--credentials", badUsers}, "a user needs an access key and a secret key"},
		{"an e-mail address of two accounts", []string{"--credentials", sharedEmail}, `e-mail address "team@example.com" is given to two accounts`},
		{"a bad TLS key pair", []string{"--tls-cert", notAKey, "--tls-key", notAKey}, "--tls-cert and --tls-key: tls: failed to find any PEM data in certificate input"},
	} {
		for _, existing := range []bool{false, true} {
			data := filepath.Join(t.TempDir(), "new", "data")
			if existing {
				if err := os.MkdirAll(data, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			stdout, _, err := serveOnce(t, append([]string{"--addr", "127.0.0.1:0", "--data", data}, c.args...)...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: error %v, want %q", c.name, err, c.want)
			}
			if strings.Contains(stdout, "Generated credentials") {
				t.Errorf("%s: credentials shown by a failed start:\n%s", c.name, stdout)
			}
			if existing {
				if entries, err := os.ReadDir(data); err != nil || len(entries) != 0 {
					t.Errorf("%s: the failed start left %v in the existing data directory (%v)", c.name, entries, err)
				}
			} else if _, err := os.Stat(filepath.Dir(data)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s: the failed start left %s behind (%v)", c.name, filepath.Dir(data), err)
			}
		}
	}
}

// A data directory that is a symbolic link to a missing one (a disk not mounted yet) fails
// the start, says so, and the link stays: the next start does not make a new empty store.
func TestServeDanglingDataLink(t *testing.T) {
	root := t.TempDir()
	link := filepath.Join(root, "link")
	target := filepath.Join(root, "unmounted", "data")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, _, err := serveOnce(t, "--addr", "127.0.0.1:0", "--data", link)
		want := link + " is a symbolic link to " + target + ", which does not exist"
		if err == nil || err.Error() != want {
			t.Errorf("error %v, want %q", err, want)
		}
		if got, err := os.Readlink(link); err != nil || got != target {
			t.Fatalf("the link after a failed start: %q %v", got, err)
		}
	}
}

// A data directory another process has open is refused with that process named, and
// nothing else said.
func TestServeDataInUse(t *testing.T) {
	data := t.TempDir()
	store, err := disk.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	_, _, err = serveOnce(t, "--addr", "127.0.0.1:0", "--data", data)
	want := fmt.Sprintf("data directory %s is in use by another doorman (pid %d, as its pid file says)", data, os.Getpid())
	if !errors.Is(err, disk.ErrInUse) || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
}

// Every start says where the generated credentials are kept; only the first shows them.
func TestServeSaysWhereCredentialsAre(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	file := filepath.Join(data, credentialsFile)
	logLine := "msg=credentials file=" + file + "\n"
	stdout, logs, err := serveOnce(t, "--addr", "127.0.0.1:0", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stdout, "Generated credentials (kept in "+file+"; shown only now):\n") || !strings.Contains(logs, logLine) {
		t.Fatalf("first start:\n%s%s", stdout, logs)
	}
	stdout, logs, err = serveOnce(t, "--addr", "127.0.0.1:0", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stdout, "Generated credentials") || strings.Count(logs, logLine) != 1 {
		t.Fatalf("restart:\n%s%s", stdout, logs)
	}
	users := filepath.Join(t.TempDir(), "users.json")
	if err := os.WriteFile(users, []byte(`[{"accessKey": "AK2", "secretKey": "s2"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, logs, err = serveOnce(t, "--addr", "127.0.0.1:0", "--data", data, "--access-key", "AK", "--secret-key", "s", "--credentials", users)
	want := `msg=credentials from="--access-key and --secret-key, or DOORMAN_ACCESS_KEY and DOORMAN_SECRET_KEY" more_users=` + users + "\n"
	if err != nil || !strings.Contains(logs, want) {
		t.Fatalf("keys from flags: %v\n%s", err, logs)
	}
}

// serve logs what the sweep that follows a crash removed, once it has ended, and logs nothing
// of a sweep after a clean stop, when there is none.
func TestServeLogsSweep(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	s, err := disk.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// What a crash leaves: meta.db without the mark of a clean close, and a data file whose
	// record was never committed.
	db, err := bolt.Open(filepath.Join(data, "meta.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("format")).Delete([]byte("clean")) })
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "data", "01", "0123456789abcdef0123456789abcdef"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	const logged = `msg="removed the files an interrupted run left" files=`
	args := []string{"--addr", "127.0.0.1:0", "--data", data,
		"--access-key", s3test.Owner.AccessKey, "--secret-key", s3test.Owner.SecretKey}
	for _, tc := range []struct {
		start string
		want  string // the line's end; "" for none
	}{{"after the crash", logged + "1 "}, {"after a clean stop", ""}} {
		_, logs, stop, err := serving(t, args...)
		if err != nil {
			t.Fatalf("serve %s: %v\n%s", tc.start, err, logs)
		}
		deadline := time.Now().Add(startWait)
		for tc.want != "" && !strings.Contains(logs.String(), tc.want) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if err := stop(); err != nil {
			t.Fatalf("serve %s: %v", tc.start, err)
		}
		if got := logs.String(); tc.want != "" && !strings.Contains(got, tc.want) || tc.want == "" && strings.Contains(got, logged) {
			t.Errorf("serve %s, want %q logged:\n%s", tc.start, tc.want, got)
		}
	}
}

// --access-log FILE sends the access lines to the file, not to stderr, and SIGHUP reopens it
// after a rotation moved it away (logrotate's move, then SIGHUP): a request after the signal
// is logged in the new file, none in the moved one. --access-log off logs no request; a file
// that cannot be opened fails the start with the flag named.
func TestServeAccessLogFile(t *testing.T) {
	dir := t.TempDir()
	logFile := filepath.Join(dir, "access.log")
	base := []string{"--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), "--log-format", "json",
		"--access-key", s3test.Owner.AccessKey, "--secret-key", s3test.Owner.SecretKey}
	out, logs, stop, err := serving(t, append(base, "--access-log", logFile)...)
	if err != nil {
		t.Fatal(err)
	}
	get := func(bucket string) {
		t.Helper()
		res := do(t, "GET", "http://"+listeningAddr(t, out.String())+"/"+bucket)
		res.Body.Close()
	}
	logged := func(path, bucket string) bool {
		b, err := os.ReadFile(path)
		return err == nil && strings.Contains(string(b), `"bucket":"`+bucket+`"`)
	}
	get("before-rotation")
	waitFor(t, "the request logged in the access-log file", func() bool { return logged(logFile, "before-rotation") })
	if err := os.Rename(logFile, logFile+".1"); err != nil {
		t.Fatal(err)
	}
	sighup(t)
	waitFor(t, "SIGHUP handled", func() bool { return strings.Contains(logs.String(), "access log reopened") })
	get("after-rotation")
	waitFor(t, "the request logged in a new access-log file", func() bool { return logged(logFile, "after-rotation") })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if logged(logFile+".1", "after-rotation") || strings.Contains(logs.String(), `"msg":"request"`) {
		t.Errorf("a request logged in the moved file or on stderr:\n%s", logs)
	}

	out, logs, stop, err = serving(t, append(base, "--access-log", "off")...)
	if err != nil {
		t.Fatal(err)
	}
	get("not-logged")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "not-logged") {
		t.Errorf("--access-log off logged a request:\n%s", logs)
	}

	_, _, _, err = serving(t, append(base, "--access-log", filepath.Join(dir, "missing", "access.log"))...)
	if err == nil || !strings.Contains(err.Error(), "--access-log: open ") {
		t.Errorf("serve with an access-log file in a missing directory: %v, want the flag named", err)
	}
}

// listeningAddr is the address in serve's "listening on http://ADDR (" line.
func listeningAddr(t *testing.T, stdout string) string {
	t.Helper()
	_, rest, ok := strings.Cut(stdout, " listening on http://")
	addr, _, ok2 := strings.Cut(rest, " ")
	if !ok || !ok2 {
		t.Fatalf("no listening line in %q", stdout)
	}
	return addr
}
