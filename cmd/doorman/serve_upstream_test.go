package main

import (
	"context"
	"encoding/xml"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage/upstream"
)

// Secrets of the tests below: none may ever appear in what serve prints, logs or returns.
const (
	testUpstreamSecret  = "UPSTREAM-SERVICE-SECRET-never-shown"
	testIdentitySecret  = "UPSTREAM-IDENTITY-SECRET-never-shown"
	testURLPassword     = "URL-PASSWORD-never-shown"
	testDoormanSecret   = "doorman-user-secret-never-shown"
	testUpstreamAccess  = "UPSTREAMSERVICEKEY"
	testIdentityAccess  = "UPSTREAMALICEKEY"
	testDoormanAccess   = "AKIDSCALEOUTOWNER"
	testDoormanAccess2  = "AKIDSCALEOUTALICE"
	testDoormanSecret2  = "doorman-alice-secret-never-shown"
	testCredentialsJSON = `{"service": {"accessKey": "` + testUpstreamAccess + `", "secretKey": "` + testUpstreamSecret + `"},
 "identities": {"` + testDoormanAccess2 + `": {"accessKey": "` + testIdentityAccess + `", "secretKey": "` + testIdentitySecret + `"}}}`
)

var testSecrets = []string{testUpstreamSecret, testIdentitySecret, testURLPassword, testDoormanSecret, testDoormanSecret2}

// clearUpstreamEnv keeps the machine's environment out of the flags under test.
func clearUpstreamEnv(t *testing.T) {
	t.Setenv("DOORMAN_UPSTREAM_ACCESS_KEY", "")
	t.Setenv("DOORMAN_UPSTREAM_SECRET_KEY", "")
}

// writeSecretFile writes a test file of secrets, mode 0600.
func writeSecretFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// noSecrets fails the test if any test secret is in one of the texts.
func noSecrets(t *testing.T, texts ...string) {
	t.Helper()
	for _, text := range texts {
		for _, s := range testSecrets {
			if strings.Contains(text, s) {
				t.Errorf("a secret (%.12s...) is shown:\n%s", s, text)
			}
		}
	}
}

// Flags that conflict, or are missing, with either backend fail the start with a message
// naming the flag, before anything is bound or created, and never show a secret.
func TestServeBackendFlagsRefused(t *testing.T) {
	clearUpstreamEnv(t)
	badJSON := writeSecretFile(t, "bad.json", `{"service": {"accessKey": "K", "secretKey": "`+testUpstreamSecret+`"`+"\n"+testUpstreamSecret+`}`)
	unknownIdentity := writeSecretFile(t, "unknown.json", `{"identities": {"AKIDNOBODY": {"accessKey": "X", "secretKey": "`+testIdentitySecret+`"}}}`)
	halfIdentity := writeSecretFile(t, "half.json", `{"identities": {"`+testDoormanAccess+`": {"accessKey": "X"}}}`)
	misspelt := writeSecretFile(t, "misspelt.json", `{"servce": {"accessKey": "X", "secretKey": "`+testUpstreamSecret+`"}}`)
	wrongType := writeSecretFile(t, "type.json", `{"service": "`+testUpstreamSecret+`"}`)
	full := writeSecretFile(t, "full.json", testCredentialsJSON)
	data := t.TempDir()

	users := []string{"--access-key", testDoormanAccess, "--secret-key", testDoormanSecret}
	service := []string{"--upstream-access-key", testUpstreamAccess, "--upstream-secret-key", testUpstreamSecret}
	s3 := append(append([]string{"--addr", "127.0.0.1:0", "--backend", "s3", "--upstream", "http://127.0.0.1:1"}, users...), service...)
	embedded := append([]string{"--addr", "127.0.0.1:0", "--data", data}, users...)
	with := func(base []string, more ...string) []string { return append(append([]string{}, base...), more...) }

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown backend", with(embedded, "--backend", "disk"), `--backend must be embedded or s3, not "disk"`},
		{"upstream with embedded", with(embedded, "--upstream", "http://127.0.0.1:1"), "--upstream applies only with --backend s3"},
		{"upstream timeout with embedded", with(embedded, "--upstream-timeout", "5s"), "--upstream-timeout applies only with --backend s3"},
		{"meta bucket with embedded", with(embedded, "--meta-bucket", "m"), "--meta-bucket applies only with --backend s3"},
		{"upstream key with embedded", with(embedded, "--upstream-access-key", "K"), "--upstream-access-key applies only with --backend s3"},
		{"upstream credentials with embedded", with(embedded, "--upstream-credentials", full), "--upstream-credentials applies only with --backend s3"},
		{"poll interval with embedded", with(embedded, "--upstream-poll-interval", "2s"), "--upstream-poll-interval applies only with --backend s3"},
		{"unmapped with embedded", with(embedded, "--upstream-unmapped", "deny"), "--upstream-unmapped applies only with --backend s3"},
		{"spool dir with embedded", with(embedded, "--upstream-spool-dir", data), "--upstream-spool-dir applies only with --backend s3"},
		{"spool limit with embedded", with(embedded, "--upstream-spool-limit", "1048576"), "--upstream-spool-limit applies only with --backend s3"},
		{"spool limit too small", with(s3, "--upstream-spool-limit", "1000"), "--upstream-spool-limit must be from 1048576 to 1099511627776 bytes"},
		{"spool limit too large", with(s3, "--upstream-spool-limit", "2199023255552"), "--upstream-spool-limit must be from 1048576 to 1099511627776 bytes"},
		{"spool dir missing", with(s3, "--upstream-spool-dir", filepath.Join(data, "none")), "--upstream-spool-dir: stat"},
		{"spool dir a file", with(s3, "--upstream-spool-dir", full), "is not a directory"},
		{"no upstream", append(append([]string{"--addr", "127.0.0.1:0", "--backend", "s3"}, users...), service...), "--backend s3 needs --upstream URL"},
		{"data with s3", with(s3, "--data", data), "--data does not apply with --backend s3: nothing of the store is local"},
		{"lifecycle interval with s3", with(s3, "--lifecycle-interval", "1m"), "--lifecycle-interval does not apply with --backend s3"},
		{"lifecycle day with s3", with(s3, "--lifecycle-day", "1h"), "--lifecycle-day does not apply with --backend s3"},
		{"SSE-C over HTTP with s3", with(s3, "--allow-sse-c-over-http"), "--allow-sse-c-over-http does not apply with --backend s3"},
		{"poll interval too short", with(s3, "--upstream-poll-interval", "1ms"), "--upstream-poll-interval must be from 100ms to 1h0m0s"},
		{"upstream timeout too short", with(s3, "--upstream-timeout", "500ms"), "--upstream-timeout must be from 1s to 10m0s"},
		{"upstream timeout too long", with(s3, "--upstream-timeout", "1h"), "--upstream-timeout must be from 1s to 10m0s"},
		{"upstream balance unknown", with(s3, "--upstream-balance", "random"), `--upstream-balance must be round-robin or failover, not "random"`},
		{"upstream balance with embedded", with(embedded, "--upstream-balance", "failover"), "--upstream-balance applies only with --backend s3"},
		{"bad meta bucket", with(s3, "--meta-bucket", "Meta_Bucket"), `--meta-bucket "Meta_Bucket" is not a valid bucket name`},
		{"upstream not http", with(s3, "--upstream", "ftp://127.0.0.1:21"), "--upstream ftp://127.0.0.1:21: the URL must be http:// or https://"},
		{"upstream with a path", with(s3, "--upstream", "http://127.0.0.1:9000/store"), "without a path or query"},
		{"upstream without host", with(s3, "--upstream", "http:///x"), "the URL names no host"},
		{"upstream with a password", with(s3, "--upstream", "http://admin:"+testURLPassword+"@127.0.0.1:9000"), "--upstream http://admin:xxxxx@127.0.0.1:9000: credentials go in --upstream-access-key"},
		{"no service identity", append([]string{"--addr", "127.0.0.1:0", "--backend", "s3", "--upstream", "http://127.0.0.1:1"}, users...),
			"--backend s3 needs the upstream service identity"},
		{"half a service identity", with(append([]string{"--addr", "127.0.0.1:0", "--backend", "s3", "--upstream", "http://127.0.0.1:1"}, users...), "--upstream-secret-key", testUpstreamSecret),
			"give both --upstream-access-key and --upstream-secret-key"},
		{"no doorman user", append([]string{"--addr", "127.0.0.1:0", "--backend", "s3", "--upstream", "http://127.0.0.1:1"}, service...),
			"--backend s3 needs doorman's users given"},
		{"service given twice", with(s3, "--upstream-credentials", full), "the upstream service identity is given twice"},
		{"credentials not JSON", with(s3, "--upstream-credentials", badJSON), "not valid JSON (at byte"},
		{"credentials misspelt", with(s3, "--upstream-credentials", misspelt), `unknown field "servce"`},
		{"credentials of the wrong type", with(s3, "--upstream-credentials", wrongType), `"service" has the wrong type`},
		{"identity of no user", with(s3, "--upstream-credentials", unknownIdentity), `identities: "AKIDNOBODY" is not the access key of a doorman user`},
		{"identity without a secret", with(s3, "--upstream-credentials", halfIdentity), `the identity of "` + testDoormanAccess + `" needs both accessKey and secretKey`},
		{"credentials file missing", with(s3, "--upstream-credentials", filepath.Join(data, "none.json")), "--upstream-credentials: open"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, err := serveOnce(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("serve %s: error %v, want one containing %q", strings.Join(tc.args, " "), err, tc.want)
			}
			if strings.Contains(stdout, "listening on") {
				t.Errorf("serve started:\n%s", stdout)
			}
			noSecrets(t, err.Error(), stdout, stderr)
		})
	}
	// No refused start made anything in the data directory it was given.
	if entries, _ := os.ReadDir(data); len(entries) != 0 {
		t.Errorf("a refused start left %d entries in --data", len(entries))
	}
}

// The flags, the environment and --upstream-credentials make the backend's configuration:
// the endpoints as base URLs, the service identity, each user's mapped identity, and the
// first user's canonical id as the owner of adopted buckets.
func TestServeUpstreamConfig(t *testing.T) {
	clearUpstreamEnv(t)
	file := writeSecretFile(t, "upstream.json", testCredentialsJSON)
	spoolDir := t.TempDir()
	users := []s3api.User{{AccessKey: testDoormanAccess, SecretKey: testDoormanSecret}, {AccessKey: testDoormanAccess2, SecretKey: testDoormanSecret2}}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want upstream.Config
	}{
		{
			name: "flags",
			args: []string{"--backend", "s3", "--upstream", "http://127.0.0.1:9001/", "--upstream", "https://s3.example.com",
				"--upstream-region", "eu-west-1", "--upstream-access-key", testUpstreamAccess, "--upstream-secret-key", testUpstreamSecret,
				"--meta-bucket", "my-meta", "--upstream-poll-interval", "250ms", "--upstream-spool-dir", spoolDir, "--upstream-spool-limit", "2097152",
				"--upstream-timeout", "5s", "--upstream-balance", "failover"},
			want: upstream.Config{Endpoints: []string{"http://127.0.0.1:9001", "https://s3.example.com"}, Region: "eu-west-1",
				Service: upstream.Credentials{AccessKey: testUpstreamAccess, SecretKey: testUpstreamSecret}, MetaBucket: "my-meta",
				PollInterval: 250 * time.Millisecond, AdoptOwner: s3api.CanonicalID(users[0]), SpoolDir: spoolDir, SpoolLimit: 2 << 20,
				ResponseTimeout: 5 * time.Second, Balance: upstream.BalanceFailover},
		},
		{
			name: "environment",
			env:  map[string]string{"DOORMAN_UPSTREAM_ACCESS_KEY": testUpstreamAccess, "DOORMAN_UPSTREAM_SECRET_KEY": testUpstreamSecret},
			args: []string{"--backend", "s3", "--upstream", "http://127.0.0.1:9001"},
			want: upstream.Config{Endpoints: []string{"http://127.0.0.1:9001"}, Region: "us-east-1",
				Service:    upstream.Credentials{AccessKey: testUpstreamAccess, SecretKey: testUpstreamSecret},
				MetaBucket: upstream.DefaultMetaBucket, PollInterval: upstream.DefaultPollInterval, AdoptOwner: s3api.CanonicalID(users[0]),
				SpoolLimit: upstream.DefaultSpoolLimit, ResponseTimeout: upstream.DefaultResponseTimeout, Balance: upstream.BalanceRoundRobin},
		},
		{
			name: "file",
			args: []string{"--backend", "s3", "--upstream", "http://127.0.0.1:9001", "--upstream-credentials", file, "--upstream-unmapped", "service"},
			want: upstream.Config{Endpoints: []string{"http://127.0.0.1:9001"}, Region: "us-east-1", Unmapped: upstream.UnmappedService,
				Service:    upstream.Credentials{AccessKey: testUpstreamAccess, SecretKey: testUpstreamSecret},
				Identities: map[string]upstream.Credentials{testDoormanAccess2: {AccessKey: testIdentityAccess, SecretKey: testIdentitySecret}},
				MetaBucket: upstream.DefaultMetaBucket, PollInterval: upstream.DefaultPollInterval, AdoptOwner: s3api.CanonicalID(users[0]),
				SpoolLimit: upstream.DefaultSpoolLimit, ResponseTimeout: upstream.DefaultResponseTimeout, Balance: upstream.BalanceRoundRobin},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			f := new(serveFlags)
			if err := serveCommand(f).ParseFlags(tc.args); err != nil {
				t.Fatal(err)
			}
			if err := f.checkBackend(); err != nil {
				t.Fatal(err)
			}
			got, err := f.upstreamConfig(users)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("config\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// s3api.CanonicalID is the Owner ID the S3 server answers for the user, with and without an
// account id: the id serve gives adopted buckets is the one the server knows the user by.
func TestCanonicalIDIsTheServers(t *testing.T) {
	shared := s3test.Account{Name: "shared", AccessKey: "AKIDSHAREDACCOUNT", SecretKey: "shared-account-secret"}
	users := map[s3test.Account]s3api.User{
		s3test.Owner: s3test.Owner.User(),
		shared:       {AccessKey: shared.AccessKey, SecretKey: shared.SecretKey, Account: "123456789012"},
	}
	srv := s3test.Start(t, func(c *s3api.Config) { c.Users = append(c.Users, users[shared]) })
	for a, u := range users {
		body := srv.Must(t, 200, s3test.Request{Method: "GET", Path: "/", As: a})
		var list struct {
			Owner struct{ ID string }
		}
		if err := xml.Unmarshal(body, &list); err != nil {
			t.Fatal(err)
		}
		if got := s3api.CanonicalID(u); got != list.Owner.ID || got == "" {
			t.Errorf("%s: s3api.CanonicalID %q, the server answers Owner ID %q", a.Name, got, list.Owner.ID)
		}
	}
}

// With --backend s3, serve waits for its upstream before it listens: a node whose upstream
// never answers is not ready, and SIGINT or SIGTERM (the context) still stop it, without any
// secret shown.
func TestServeS3StopsWhileWaitingForUpstream(t *testing.T) {
	clearUpstreamEnv(t)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + closed.Addr().String()
	closed.Close()
	file := writeSecretFile(t, "upstream.json", `{"identities": {"`+testDoormanAccess+`": {"accessKey": "`+testIdentityAccess+`", "secretKey": "`+testIdentitySecret+`"}}}`)
	f := new(serveFlags)
	if err := serveCommand(f).ParseFlags([]string{"--addr", "127.0.0.1:0", "--backend", "s3", "--upstream", dead,
		"--access-key", testDoormanAccess, "--secret-key", testDoormanSecret,
		"--upstream-access-key", testUpstreamAccess, "--upstream-secret-key", testUpstreamSecret, "--upstream-credentials", file}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, logs s3test.SyncBuffer
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, &out, &logs, f) }()
	select {
	case err := <-done:
		t.Fatalf("serve ended while its upstream never answered: %v\n%s%s", err, out.String(), logs.String())
	case <-time.After(time.Second):
	}
	if strings.Contains(out.String(), "listening on") {
		t.Fatalf("serve listens before its upstream answered:\n%s", out.String())
	}
	cancel()
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop within 10s of its context's end while waiting for its upstream")
	}
	if err == nil || !strings.Contains(err.Error(), "stopped before the upstream store answered") {
		t.Errorf("serve's error %v, want one saying it stopped before the upstream answered", err)
	}
	if !strings.Contains(logs.String(), "upstream: reading bucket settings before serving") {
		t.Errorf("serve does not say what it waits for:\n%s", logs.String())
	}
	noSecrets(t, err.Error(), out.String(), logs.String())
}
