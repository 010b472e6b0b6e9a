package main

import (
	"log/slog"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/s3api"
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
