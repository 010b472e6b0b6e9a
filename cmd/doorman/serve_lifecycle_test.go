package main

import (
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// expireWait bounds the wait for serve's worker to expire an object: with a day of 1s and a
// tick a second it takes two or three seconds; a loaded machine may take several times that.
const expireWait = 30 * time.Second

// servedClient starts serve on a free port and a new data directory, with s3test.Owner's keys
// and args, and returns a client of its S3 listener and its logs; serve stops at the end of
// the test.
func servedClient(t *testing.T, args ...string) (*s3test.Client, *s3test.SyncBuffer) {
	t.Helper()
	out, logs, stop, err := serving(t, append([]string{"--addr", "127.0.0.1:0", "--data", filepath.Join(t.TempDir(), "data"),
		"--access-key", s3test.Owner.AccessKey, "--secret-key", s3test.Owner.SecretKey}, args...)...)
	if err != nil {
		t.Fatalf("serve: %v\n%s%s", err, out, logs)
	}
	t.Cleanup(func() { _ = stop() })
	return &s3test.Client{URL: regexp.MustCompile(` listening on (http://127\.0\.0\.1:\d+) `).FindStringSubmatch(out.String())[1],
		HTTP: &http.Client{Timeout: requestWait}}, logs
}

// serve applies the lifecycle rules a bucket is given: with --lifecycle-day 1s, an object a
// rule of one day selects is gone within seconds, and one it does not select stays; the
// worker logs the pass that expired it.
func TestServeLifecycle(t *testing.T) {
	s3, logs := servedClient(t, "--lifecycle-day", "1s", "--lifecycle-interval", "1s")
	as := s3test.Owner
	s3.Must(t, http.StatusOK, s3test.Request{Method: http.MethodPut, Path: "/bkt", As: as})
	for _, k := range []string{"tmp/gone", "keep/stays"} {
		s3.Must(t, http.StatusOK, s3test.Request{Method: http.MethodPut, Path: "/bkt/" + k, Body: []byte(k), As: as})
	}
	doc := []byte(`<LifecycleConfiguration><Rule><ID>tmp</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status>` +
		`<Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`)
	s3.Must(t, http.StatusOK, s3test.Request{Method: http.MethodPut, Path: "/bkt?lifecycle", Body: doc, As: as,
		Header: http.Header{"Content-Md5": {s3test.MD5Base64(doc)}}})
	deadline := time.Now().Add(expireWait)
	for {
		res, _ := s3.Do(t, s3test.Request{Method: http.MethodHead, Path: "/bkt/tmp/gone", As: as})
		if res.StatusCode == http.StatusNotFound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tmp/gone still answers %d after %v:\n%s", res.StatusCode, expireWait, logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	s3.Must(t, http.StatusOK, s3test.Request{Method: http.MethodHead, Path: "/bkt/keep/stays", As: as})
	// The pass that expired tmp/gone logs its line once it has gone over every bucket.
	for !strings.Contains(logs.String(), `msg="lifecycle: pass done"`) || !strings.Contains(logs.String(), "expire_current=1") {
		if time.Now().After(deadline) {
			t.Fatalf("no log line of the pass that expired tmp/gone:\n%s", logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// --lifecycle-interval and --lifecycle-day out of their bounds fail the start.
func TestServeLifecycleFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--lifecycle-interval", "500ms"}, "--lifecycle-interval must be 0 or from 1s to 24h0m0s"},
		{[]string{"--lifecycle-interval", "25h"}, "--lifecycle-interval must be 0 or from 1s to 24h0m0s"},
		{[]string{"--lifecycle-day", "0s"}, "--lifecycle-day must be from 1s to 24h0m0s"},
		{[]string{"--lifecycle-day", "1ns"}, "--lifecycle-day must be from 1s to 24h0m0s"},
		{[]string{"--lifecycle-day", "999ms"}, "--lifecycle-day must be from 1s to 24h0m0s"},
		{[]string{"--lifecycle-day", "48h"}, "--lifecycle-day must be from 1s to 24h0m0s"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			args := append([]string{"--addr", "127.0.0.1:0", "--data", filepath.Join(t.TempDir(), "data")}, tc.args...)
			if _, _, err := serveOnce(t, args...); err == nil || err.Error() != tc.want {
				t.Fatalf("serve %v: %v, want %q", tc.args, err, tc.want)
			}
		})
	}
}

// A --lifecycle-day other than 24h, which makes every rule that much shorter, is warned of at
// start, whether the worker runs or not (x-amz-expiration answers by it too); S3's day is not.
func TestServeLifecycleDayWarned(t *testing.T) {
	const warning = `level=WARN msg="lifecycle: --lifecycle-day is not 24h`
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{nil, false},
		{[]string{"--lifecycle-day", "24h"}, false},
		{[]string{"--lifecycle-day", "1s"}, true},
		{[]string{"--lifecycle-day", "1h", "--lifecycle-interval", "0"}, true},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			args := append([]string{"--addr", "127.0.0.1:0", "--data", filepath.Join(t.TempDir(), "data")}, tc.args...)
			_, logs, err := serveOnce(t, args...)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(logs, warning); got != tc.want {
				t.Errorf("warned %v, want %v:\n%s", got, tc.want, logs)
			}
		})
	}
}
