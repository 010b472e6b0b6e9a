package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/console"
	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage/disk"
)

// startMonitored starts an env whose console's S3 server records CORS decisions, and
// returns a client of that server's listener, to which tests send real requests.
func startMonitored(t *testing.T) (*env, *s3test.Client) {
	t.Helper()
	var s3c *s3test.Client
	e := start(t, func(cfg *console.Config) {
		store, err := disk.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = store.Close() })
		a := s3api.NewCORSActivity(cfg.Now)
		s3, err := s3api.New(context.Background(), s3api.Config{Backend: store, Region: s3test.Region, Now: cfg.Now, Activity: a,
			Users: []s3api.User{s3test.Owner.User(), s3test.Other.User(), s3test.Third.User()}})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(s3)
		t.Cleanup(srv.Close)
		cfg.S3, cfg.Monitor = s3, a
		s3c = &s3test.Client{URL: srv.URL, HTTP: srv.Client()}
	})
	return e, s3c
}

type monitorAnswer struct {
	SlotSeconds int
	Series      []struct {
		Bucket, Kind, Outcome, Check string
		Start                        time.Time
		Counts                       []uint32
	}
	Recent []struct {
		Bucket, Kind, Origin, Method, Reason string
		RequestHeaders                       []string
		Evaluation                           struct {
			Outcome  string
			Response struct{ Status int }
			Rules    []struct{ OriginMatched, MethodMatched bool }
		}
	}
}

// TestMonitor sends real preflights to the S3 server and reads them back in the monitor,
// each user seeing only the buckets S3 lets it read the CORS configuration of.
func TestMonitor(t *testing.T) {
	e, s3c := startMonitored(t)
	owner, other := e.signIn(s3test.Owner), e.signIn(s3test.Other)
	const doc = `{"CORSRules":[{"AllowedOrigins":["https://app.test"],"AllowedMethods":["GET","PUT"]}]}`
	for _, u := range []struct {
		b      *browser
		bucket string
	}{{owner, "watched"}, {other, "theirs"}} {
		u.b.want(http.StatusCreated, http.MethodPost, "/api/buckets", jsonOf(map[string]string{"name": u.bucket}))
		u.b.want(http.StatusNoContent, http.MethodPut, "/api/buckets/"+u.bucket+"/cors", jsonOf(map[string]string{"format": "json", "document": doc}))
	}
	preflight := func(bucket, origin, method, headers string, want int) {
		t.Helper()
		h := http.Header{"Origin": {origin}, "Access-Control-Request-Method": {method}}
		if headers != "" {
			h.Set("Access-Control-Request-Headers", headers)
		}
		s3c.Must(t, want, s3test.Request{Method: http.MethodOptions, Path: "/" + bucket + "/k", Header: h, As: s3test.Anonymous})
	}
	preflight("watched", "https://app.test", "PUT", "", 200)
	preflight("watched", "https://probe.test", "GET", "", 403)
	preflight("watched", "https://app.test", "PUT", "x-secret", 403)
	preflight("theirs", "https://probe.test", "GET", "", 403)

	type seriesKey struct{ bucket, kind, outcome, check string }
	tests := []struct {
		name    string
		b       *browser
		query   string
		series  map[seriesKey]uint32
		reasons []string // newest first
	}{
		{"owner", owner, "", map[seriesKey]uint32{
			{"watched", "preflight", "allowed", ""}:                 1,
			{"watched", "preflight", "no_matching_rule", "origin"}:  1,
			{"watched", "preflight", "no_matching_rule", "headers"}: 1,
		}, []string{"no rule for this origin and method allows headers x-secret", `no rule allows origin "https://probe.test"`}},
		{"other", other, "", map[seriesKey]uint32{{"theirs", "preflight", "no_matching_rule", "origin"}: 1},
			[]string{`no rule allows origin "https://probe.test"`}},
		{"third sees nothing", e.signIn(s3test.Third), "", map[seriesKey]uint32{}, nil},
		{"one bucket", owner, "?bucket=watched", map[seriesKey]uint32{
			{"watched", "preflight", "allowed", ""}:                 1,
			{"watched", "preflight", "no_matching_rule", "origin"}:  1,
			{"watched", "preflight", "no_matching_rule", "headers"}: 1,
		}, []string{"no rule for this origin and method allows headers x-secret", `no rule allows origin "https://probe.test"`}},
		{"since later", owner, "?since=" + url.QueryEscape(e.clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)), map[seriesKey]uint32{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decode[monitorAnswer](t, tt.b.want(http.StatusOK, http.MethodGet, "/api/monitor"+tt.query, nil))
			if got.SlotSeconds != 10 {
				t.Fatalf("slotSeconds %d", got.SlotSeconds)
			}
			sums := map[seriesKey]uint32{}
			for _, s := range got.Series {
				if len(s.Counts) == 0 || len(s.Counts) > 360 {
					t.Fatalf("series of %d slots", len(s.Counts))
				}
				for _, n := range s.Counts {
					sums[seriesKey{s.Bucket, s.Kind, s.Outcome, s.Check}] += n
				}
			}
			if len(sums) != len(tt.series) {
				t.Fatalf("series %v, want %v", sums, tt.series)
			}
			for k, n := range tt.series {
				if sums[k] != n {
					t.Fatalf("series %v, want %v", sums, tt.series)
				}
			}
			if len(got.Recent) != len(tt.reasons) {
				t.Fatalf("recent %+v, want %q", got.Recent, tt.reasons)
			}
			for i, r := range got.Recent {
				if r.Reason != tt.reasons[i] || r.Kind != "preflight" || r.Evaluation.Outcome != "no_matching_rule" ||
					r.Evaluation.Response.Status != 403 || len(r.Evaluation.Rules) != 1 {
					t.Fatalf("recent[%d] %+v, want %q", i, r, tt.reasons[i])
				}
			}
		})
	}
	// The first refusal, in detail: the request and how the rule fared.
	got := decode[monitorAnswer](t, owner.want(http.StatusOK, http.MethodGet, "/api/monitor", nil))
	r := got.Recent[0]
	if r.Bucket != "watched" || r.Origin != "https://app.test" || r.Method != "PUT" || len(r.RequestHeaders) != 1 || r.RequestHeaders[0] != "x-secret" ||
		!r.Evaluation.Rules[0].OriginMatched || !r.Evaluation.Rules[0].MethodMatched {
		t.Fatalf("refusal %+v", r)
	}

	// Another user's bucket, named: S3's own refusal.
	res, body := owner.send(http.MethodGet, "/api/monitor?bucket=theirs", nil, nil)
	wantError(t, res, body, http.StatusForbidden, "AccessDenied", "Access Denied")
	res, body = owner.send(http.MethodGet, "/api/monitor?since=yesterday", nil, nil)
	wantError(t, res, body, http.StatusBadRequest, "InvalidArgument", "")
}

// TestMonitorOff: without a record of decisions there is no monitor.
func TestMonitorOff(t *testing.T) {
	e := start(t, nil)
	res, body := e.signIn(s3test.Owner).send(http.MethodGet, "/api/monitor", nil, nil)
	wantError(t, res, body, http.StatusNotFound, "MonitorOff", "")
}
