package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/cors/fetch"
	"github.com/doorman-s3/doorman/gateway"
)

const reloadConfig = `version: 1
policies:
  p: { origins: [{{ORIGIN}}], methods: [PUT] }
hosts:
  - match: "*"
    upstream: {{UP}}
    cors: { policy: p }
`

// allowedPreflight reports whether a PUT preflight from origin is allowed.
func (f *front) allowedPreflight(t *testing.T, host, origin string) bool {
	res, _ := f.do(t, "OPTIONS", host, "/x", preflight(origin, "PUT", ""), nil)
	return res.StatusCode == http.StatusNoContent && res.Header.Get("Access-Control-Allow-Origin") == origin
}

// A reload applies a valid file at once, and an invalid one changes nothing: the errors are
// returned, counted, and the previous configuration keeps serving (complaint 12: stale
// configuration, without outages).
func TestReload(t *testing.T) {
	up := newUpstream(t)
	f := startFront(t, reloadConfig, map[string]string{"UP": up.URL, "ORIGIN": "https://a.test"})
	if !f.allowedPreflight(t, "x.test", "https://a.test") {
		t.Fatal("a.test refused before any reload")
	}
	if err := os.WriteFile(f.file, []byte("version: 1\npolicies: {p: {origins: [https://*.com]}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := f.g.Reload()
	if err == nil || !strings.Contains(err.Error(), "gateway.yaml:2:26: policies.p.origins[0]") {
		t.Fatalf("reloading an invalid file: %v", err)
	}
	res, err := http.Post(f.admin.URL+"/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Result string
		Errors []string
	}
	_ = json.NewDecoder(res.Body).Decode(&out)
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest || out.Result != "error" || len(out.Errors) != 1 {
		t.Errorf("POST /reload of an invalid file: %d %+v", res.StatusCode, out)
	}
	if !f.allowedPreflight(t, "x.test", "https://a.test") {
		t.Fatal("an invalid file replaced the configuration")
	}
	if got := f.metric(t, `doorman_gateway_config_reloads_total{result="error"}`); got != 2 {
		t.Errorf("reload errors counted: %v, want 2", got)
	}

	writeConfig(t, filepath.Dir(f.file), reloadConfig, map[string]string{"UP": up.URL, "ORIGIN": "https://b.test"})
	if err := f.g.Reload(); err != nil {
		t.Fatal(err)
	}
	if f.allowedPreflight(t, "x.test", "https://a.test") || !f.allowedPreflight(t, "x.test", "https://b.test") {
		t.Error("the new configuration is not the one served")
	}
	if got := f.metric(t, `doorman_gateway_config_reloads_total{result="ok"}`); got != 1 {
		t.Errorf("reloads counted: %v, want 1", got)
	}
	res, err = http.Get(f.admin.URL + "/config")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), `"value": "[https://b.test]"`) {
		t.Errorf("GET /config does not show the configuration served:\n%s", body)
	}
	if res, err := http.Get(f.admin.URL + "/healthz"); err != nil || res.StatusCode != 200 {
		t.Errorf("healthz: %v", err)
	}
}

const tenantConfig = `version: 1
policies:
  tenant-app: { methods: [PUT], credentials: true }
hosts:
  - match: "{tenant}.t.test"
    upstream: {{UP}}
    cors: { policy: tenant-app, origins_from: { file: "tenants/{tenant}.yaml" } }
`

// A tenant's origins come from its own file, and a change to the file applies without a
// restart within 2 s (the per-tenant origins; complaint 7). A tenant without a file
// is refused every origin.
func TestTenantOrigins(t *testing.T) {
	up := newUpstream(t)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "tenants"), 0o755); err != nil {
		t.Fatal(err)
	}
	acme := filepath.Join(dir, "tenants", "acme.yaml")
	if err := os.WriteFile(acme, []byte("origins: [https://shop.acme.test]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := startFrontIn(t, dir, tenantConfig, map[string]string{"UP": up.URL})
	if !f.allowedPreflight(t, "acme.t.test", "https://shop.acme.test") {
		t.Fatal("acme's origin refused")
	}
	if f.allowedPreflight(t, "globex.t.test", "https://shop.acme.test") {
		t.Fatal("a tenant without a file admits another tenant's origin")
	}
	if f.allowedPreflight(t, "acme.t.test", "https://new.acme.test") {
		t.Fatal("an origin not yet in the file is admitted")
	}
	if err := os.WriteFile(acme, []byte("origins: [https://shop.acme.test, https://new.acme.test]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for !f.allowedPreflight(t, "acme.t.test", "https://new.acme.test") {
		if time.Now().After(deadline) {
			t.Fatal("the added origin is not admitted 2 s after the file changed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	loads := func() float64 { return f.metric(t, `doorman_gateway_tenant_loads_total{result="ok"}`) }
	for deadline := time.Now().Add(settle); loads() < 2 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if got := loads(); got < 2 {
		t.Errorf("tenant loads counted: %v, want at least 2", got)
	}

	// explain reads the tenant's file as the gateway serves it.
	checkExplainTenant(t, f.g.Config(), []explainTenantCase{
		{"acme.t.test", "https://new.acme.test", "[https://shop.acme.test, https://new.acme.test]", acme, true},
		{"globex.t.test", "https://new.acme.test", "none: the file is not usable (" + filepath.Join(dir, "tenants", "globex.yaml"), "", false},
	})
}

type explainTenantCase struct {
	host, origin, value, at string
	allowed                 bool
}

// checkExplainTenant checks explain's origins field (its value's beginning, and where it
// comes from when at is given) and its decision for a GET from origin, host by host.
func checkExplainTenant(t *testing.T, cfg *gateway.Config, cases []explainTenantCase) {
	t.Helper()
	for _, c := range cases {
		e := gateway.Explain(cfg, c.host, "/")
		var origins gateway.ExplainField
		for _, fl := range e.Fields {
			if fl.Name == "origins" {
				origins = fl
			}
		}
		d, ok := e.Evaluate(&fetch.Request{Method: "GET", Origin: c.origin, HasOrigin: true})
		if !strings.HasPrefix(origins.Value, c.value) || c.at != "" && origins.Position != c.at || !ok || d.Allowed != c.allowed {
			t.Errorf("explain %s: origins %q at %q, %s allowed %v", c.host, origins.Value, origins.Position, c.origin, d.Allowed)
		}
	}
}

// explain on a {tenant} host answers as the gateway does: the tenant's file is its whole
// origin set, so the policy's origin_patterns admit nothing there, and the origins field
// names the tenant's file as where they come from (a user complaint: explain said "refused"
// for an origin the gateway allowed, and the reverse for a pattern's origin).
func TestExplainTenant(t *testing.T) {
	up := newUpstream(t)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "tenants"), 0o755); err != nil {
		t.Fatal(err)
	}
	acme := filepath.Join(dir, "tenants", "acme.yaml")
	if err := os.WriteFile(acme, []byte("origins: [https://shop.acme.test]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := strings.Replace(tenantConfig, "methods: [PUT],", `methods: [PUT], origin_patterns: ['^https://pr-[0-9]+\.preview\.test$'],`, 1)
	f := startFrontIn(t, dir, conf, map[string]string{"UP": up.URL})
	checkExplainTenant(t, f.g.Config(), []explainTenantCase{
		{"acme.t.test", "https://shop.acme.test", "[https://shop.acme.test]", acme, true},
		{"acme.t.test", "https://pr-1.preview.test", "[https://shop.acme.test]", acme, false},
		{"globex.t.test", "https://pr-1.preview.test", "none: ", "", false},
	})
	// And the gateway answers alike.
	if f.allowedPreflight(t, "acme.t.test", "https://pr-1.preview.test") || !f.allowedPreflight(t, "acme.t.test", "https://shop.acme.test") {
		t.Error("the gateway does not answer as explain says")
	}
}

// Requests from many goroutines while the configuration flips between two files: every
// answer is the whole answer of one configuration (the table is swapped atomically), and the
// exchanges the gateway pools are never shared (run with -race).
func TestReloadUnderLoad(t *testing.T) {
	up := newUpstream(t)
	f := startFront(t, reloadConfig, map[string]string{"UP": up.URL, "ORIGIN": "https://a.test"})
	dir := filepath.Dir(f.file)
	stop := make(chan struct{})
	flipped := make(chan int)
	go func() {
		n := 0
		defer func() { flipped <- n }()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			origin := []string{"https://a.test", "https://b.test"}[i%2]
			writeConfig(t, dir, reloadConfig, map[string]string{"UP": up.URL, "ORIGIN": origin})
			if err := f.g.Reload(); err != nil {
				t.Error(err)
				return
			}
			n++
		}
	}()
	var wg sync.WaitGroup
	deadline := time.Now().Add(time.Second)
	for g := range 8 {
		wg.Go(func() {
			for time.Now().Before(deadline) && !t.Failed() {
				origin := []string{"https://a.test", "https://b.test"}[g%2]
				method, h := "GET", withOrigin(auth, origin)
				if g%4 < 2 {
					method, h = "OPTIONS", preflight(origin, "PUT", "")
				}
				res, _ := f.do(t, method, "x.test", "/x", h, nil)
				acao := res.Header.Get("Access-Control-Allow-Origin")
				if acao != "" && acao != origin || len(res.Header.Values("Access-Control-Allow-Origin")) > 1 {
					t.Errorf("%s from %s: Allow-Origin %q", method, origin, res.Header.Values("Access-Control-Allow-Origin"))
				}
				if method == "OPTIONS" && (res.StatusCode == 204) != (acao == origin) {
					t.Errorf("preflight from %s: status %d with Allow-Origin %q", origin, res.StatusCode, acao)
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	if n := <-flipped; n < 2 {
		t.Errorf("only %d reloads ran", n)
	}
}

// The access log written to a file is reopened on reload, as log rotation expects: lines go
// to the file at the path, not to the one renamed away.
func TestAccessLogReopenedOnReload(t *testing.T) {
	up := newUpstream(t)
	dir := t.TempDir()
	f := startFrontIn(t, dir, "access_log: access.json\n"+reloadConfig, map[string]string{"UP": up.URL, "ORIGIN": "https://a.test"})
	log := filepath.Join(dir, "access.json")
	f.do(t, "GET", "x.test", "/first", auth, nil)
	if err := os.Rename(log, log+".1"); err != nil {
		t.Fatal(err)
	}
	if err := f.g.Reload(); err != nil {
		t.Fatal(err)
	}
	f.do(t, "GET", "x.test", "/second", auth, nil)
	read := func(p string) string {
		b, _ := os.ReadFile(p)
		return string(b)
	}
	// The line is written once the answer is sent.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(read(log), `"path":"/second"`); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after the reload, the new file holds %q", read(log))
		}
	}
	if old := read(log + ".1"); !strings.Contains(old, `"path":"/first"`) || strings.Contains(old, "/second") {
		t.Errorf("the rotated file holds %q", old)
	}
}

// A reload refused for an invalid gateway.yaml still reads the running configuration's
// tenant files again: SIGHUP promises both, and a broken main file must not hold back a
// fixed tenant file.
func TestRefusedReloadRereadsTenants(t *testing.T) {
	up := newUpstream(t)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "tenants"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tenants", "acme.yaml"), []byte("origins: [https://shop.acme.test]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := startFrontIn(t, dir, tenantConfig, map[string]string{"UP": up.URL})
	const loads = `doorman_gateway_tenant_loads_total{result="ok"}`
	if got := f.metricIs(t, loads, 1); got != 1 {
		t.Fatalf("tenant loads at start: %v, want 1", got)
	}
	if err := os.WriteFile(f.file, []byte("version: 1\npolices: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := f.g.Reload(); err == nil {
		t.Fatal("an invalid file reloaded")
	}
	if got := f.metricIs(t, loads, 2); got != 2 {
		t.Errorf("tenant loads after a refused reload: %v, want 2 (the tenant file read again)", got)
	}
	if !f.allowedPreflight(t, "acme.t.test", "https://shop.acme.test") {
		t.Error("the tenant's origin is refused after a refused reload")
	}
}

// A route removed by a reload takes its metric series with it; the routes kept keep theirs.
// Otherwise the removed route's counters would be exported, frozen, until a restart.
func TestReloadForgetsRemovedRoutes(t *testing.T) {
	up := newUpstream(t)
	const conf = `version: 1
policies:
  p: { origins: [https://a.test] }
hosts:
  - match: "*"
    upstream: {{UP}}
    cors: { policy: p }
    routes:
      - path: /kept/
      - path: /{{GONE}}/
`
	f := startFront(t, conf, map[string]string{"UP": up.URL, "GONE": "old"})
	for _, p := range []string{"/kept/x", "/old/x"} {
		f.do(t, "OPTIONS", "x.test", p, preflight("https://a.test", "GET", ""), nil)
		f.do(t, "GET", "x.test", p, http.Header{"Origin": {"https://a.test"}}, nil)
	}
	exported := func(route string) []string {
		res, err := http.Get(f.admin.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var names []string
		for _, l := range strings.Split(string(body), "\n") {
			if strings.Contains(l, `route="`+route+`"`) {
				names = append(names, strings.FieldsFunc(l, func(r rune) bool { return r == '{' })[0])
			}
		}
		return names
	}
	f.metricIs(t, `doorman_gateway_requests_total{code="401",route="*/old/"}`, 1)
	if got := exported("*/old/"); len(got) < 4 {
		t.Fatalf("the route's series before the reload: %q", got)
	}
	writeConfig(t, filepath.Dir(f.file), conf, map[string]string{"UP": up.URL, "GONE": "new"})
	if err := f.g.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := exported("*/old/"); len(got) != 0 {
		t.Errorf("series of the removed route still exported: %q", got)
	}
	if got := exported("*/kept/"); len(got) < 4 {
		t.Errorf("series of the kept route lost: %q", got)
	}
}
