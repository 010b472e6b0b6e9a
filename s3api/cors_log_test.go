package s3api_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/internal/accesslog"
)

// refusedPreflights are preflights for bench-bucket and bench-rules100 (see benchServer)
// refused at each check, with the reason the access log gives.
var refusedPreflights = []struct {
	name, bucket, origin, method, headers string
	reason                                string
}{
	{"origin", "bench-rules100", "https://evil.example.com", "PUT", "content-type", `no rule allows origin "https://evil.example.com"`},
	{"method", "bench-rules100", "https://app.example.com", "DELETE", "content-type", "no rule for this origin allows method DELETE"},
	{"headers", "bench-rules100", "https://app.example.com", "PUT", "Content-Type, Authorization, x-amz-date, Cookie",
		"no rule for this origin and method allows headers Authorization, Cookie"},
	{"header limits", "bench-bucket", "https://app.example.com", "PUT", strings.Repeat("x-a,", 200), "Access-Control-Request-Headers over the limits"},
	{"bad method", "bench-bucket", "https://app.example.com", "PATCH", "", `invalid Access-Control-Request-Method "PATCH"`},
	{"no bucket", "no-such-bucket", "https://app.example.com", "PUT", "", "bucket not found"},
}

// At the default level the access line of a refused preflight says which check refused it;
// the rule-by-rule trace is logged at debug level only.
func TestPreflightRefusalReason(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		var logs bytes.Buffer
		srv, _ := benchServer(t, slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: level})), accesslog.NewStream(&logs, accesslog.JSON))
		for _, c := range refusedPreflights {
			logs.Reset()
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, preflightRequest(c.bucket, c.origin, c.method, c.headers))
			if w.Code == 200 {
				t.Fatalf("%s: preflight allowed", c.name)
			}
			var reason string
			traced := false
			for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
				var rec struct {
					Msg    string   `json:"msg"`
					Reason string   `json:"cors_reason"`
					Rules  []string `json:"rules"`
				}
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("%s: log line %q: %v", c.name, line, err)
				}
				switch rec.Msg {
				case "request":
					reason = rec.Reason
				case "preflight refused":
					traced = len(rec.Rules) > 0
				}
			}
			if reason != c.reason {
				t.Errorf("level %v, %s: cors_reason %q, want %q", level, c.name, reason, c.reason)
			}
			// Only refusals by the rules have a trace to give.
			wantTrace := level == slog.LevelDebug && c.name != "no bucket" && c.name != "bad method"
			if traced != wantTrace {
				t.Errorf("level %v, %s: rule trace logged %t, want %t", level, c.name, traced, wantTrace)
			}
		}
	}
}

// maxRefusalCostRatio bounds what a refused preflight may cost, in allocations, against an
// allowed one at the default log level: refusals are what a hostile client can send at will.
const maxRefusalCostRatio = 2

func TestPreflightRefusalCost(t *testing.T) {
	srv, _ := benchServer(t, discardLog, discardAccess)
	allocs := func(bucket, origin, method, headers string) float64 {
		r := preflightRequest(bucket, origin, method, headers)
		return testing.AllocsPerRun(50, func() { srv.ServeHTTP(httptest.NewRecorder(), r) })
	}
	for _, bucket := range []string{"bench-bucket", "bench-rules100"} {
		allowed := allocs(bucket, "https://app.example.com", "PUT", "content-type,x-amz-date")
		for _, c := range refusedPreflights[:4] {
			if got := allocs(bucket, c.origin, c.method, c.headers); got > maxRefusalCostRatio*allowed {
				t.Errorf("%s, refused by %s: %.0f allocations, allowed %.0f", bucket, c.name, got, allowed)
			}
		}
	}
}
