// Package s3test is the one way doorman's tests talk S3 over HTTP: it runs the S3 server in the
// test's own process, and it sends requests to it, or to a `doorman serve` process, exactly as
// a test writes them.
//
// Why it exists: the protocol layer (routing, authentication, the ACLs) is a matter of bytes on
// the wire, and SDK clients hide those bytes: they escape paths their own way, sign what they
// choose and retry what fails. A test of the protocol needs a request it wrote itself, signed
// or not, and the answer's status, headers and body as they came, with one idea of signing
// shared by every test. The package has one client (Client, Request), signing with
// aws-sdk-go-v2's SigV4 signer or with SigV2, and one in-process server (Start): a protocol
// test runs in milliseconds with `go test ./s3api/`, without a built binary, and the tests
// that need a real process (command-line clients, crashes, signals, timeouts, a full disk)
// use the same client against the process's URL.
//
// Credentials are always explicit and static (the Account values below), and every server is
// on the loopback interface.
package s3test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/accesslog"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage/disk"
)

// Region is the region the servers run in and the client signs for by default.
const Region = "us-east-1"

// Account is a caller: a set of credentials, each an account of its own that owns the buckets
// it creates, or, without keys, an anonymous caller.
type Account struct {
	Name                 string
	AccessKey, SecretKey string
}

// The accounts of every server: Owner is the one tests act as by default (and `doorman serve`'s
// --access-key and --secret-key in the process-level tests); Other and Third are further
// accounts, for what one account may do to another's buckets.
var (
	Owner     = Account{"owner", "AKIDOORMANTEST", "doorman-test-secret-key"}
	Other     = Account{"other", "AKIDOTHERACCOUNT", "other-account-secret-key"}
	Third     = Account{"third", "AKIDTHIRDACCOUNT", "third-account-secret-key"}
	Anonymous = Account{Name: "anonymous"}
)

// IsAnonymous tells whether a sends requests unsigned.
func (a Account) IsAnonymous() bool { return a.AccessKey == "" }

// User is a as a user of the server, its name as display name.
func (a Account) User() s3api.User {
	return s3api.User{AccessKey: a.AccessKey, SecretKey: a.SecretKey, DisplayName: a.Name}
}

// Server is the S3 server running in the test's process on 127.0.0.1, with its data in a
// temporary directory of the test, and a Client for it.
type Server struct {
	*Client
	// Log is the server's access log, one JSON object a request (s3api.Config.Logger).
	Log *SyncBuffer
}

// Start starts a server whose users are Owner, Other and Third; configure, when not nil, may
// change its configuration before it starts. The server stops when the test ends.
func Start(t testing.TB, configure func(*s3api.Config)) *Server {
	t.Helper()
	store, err := disk.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	log := &SyncBuffer{}
	cfg := s3api.Config{
		Backend:   store,
		Users:     []s3api.User{Owner.User(), Other.User(), Third.User()},
		Region:    Region,
		Logger:    slog.New(slog.NewJSONHandler(log, nil)),
		AccessLog: accesslog.NewStream(log, accesslog.JSON),
	}
	if configure != nil {
		configure(&cfg)
	}
	h, err := s3api.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h) // listens on 127.0.0.1
	t.Cleanup(ts.Close)
	return &Server{Client: &Client{URL: ts.URL, HTTP: ts.Client()}, Log: log}
}

// SyncBuffer is a bytes.Buffer that a server or a command writes to while a test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// logWait bounds how long Logged waits for a line: the server writes it as the request ends,
// which for an answer larger than net/http's write buffer may come after the client has it.
const logWait = 5 * time.Second

// Logged returns the access-log line of the request whose x-amz-request-id is id, decoded.
func (s *Server) Logged(t testing.TB, id string) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(logWait); ; time.Sleep(10 * time.Millisecond) {
		for _, line := range strings.Split(s.Log.String(), "\n") {
			if !strings.Contains(line, `"request_id":"`+id+`"`) {
				continue
			}
			var entry map[string]any
			if err := json.Unmarshal([]byte(line), &entry); err != nil {
				t.Fatalf("access log line %q: %v", line, err)
			}
			return entry
		}
		if time.Now().After(deadline) {
			t.Fatalf("no access log line for request %s in:\n%s", id, s.Log)
		}
	}
}
