package integration

import (
	"os"
	"strings"
	"testing"
)

// doorman serve runs its garbage collector at GOGC=400 unless the environment sets GOGC, and
// its metrics say which goal is in force.
func TestServeGCGoal(t *testing.T) {
	t.Parallel()
	want := "400"
	if v, ok := os.LookupEnv("GOGC"); ok {
		want = v // the server inherits it, and keeps it
		if v == "off" {
			want = "-1"
		}
	}
	srv := startServer(t, "", "--metrics-addr", "127.0.0.1:0")
	for line := range strings.SplitSeq(metrics(t, srv), "\n") {
		if v, ok := strings.CutPrefix(line, "go_gc_gogc_percent "); ok {
			if v != want {
				t.Errorf("go_gc_gogc_percent %s, want %s", v, want)
			}
			return
		}
	}
	t.Error("the metrics have no go_gc_gogc_percent")
}
