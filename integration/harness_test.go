// Package integration starts real doorman server processes and drives them over HTTP with real
// clients: raw HTTP for CORS exactness, aws-sdk-go-v2, the AWS CLI and boto3.
package integration

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// The credentials of every server's main user, given with --access-key and --secret-key.
var accessKey, secretKey = s3test.Owner.AccessKey, s3test.Owner.SecretKey

const region = s3test.Region

// binary is the doorman executable built once for the whole package.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "doorman-integration")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "doorman")
	build := exec.Command("go", "build", "-o", binary, "../cmd/doorman")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building doorman:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running `doorman serve` child process on 127.0.0.1, and a client for it.
type server struct {
	*s3test.Client
	t    testing.TB
	cmd  *exec.Cmd
	URL  string
	Addr string
	Data string
	// MetricsURL is the metrics endpoint when the server was started with --metrics-addr.
	MetricsURL string
	logs       *s3test.SyncBuffer
	done       chan struct{}
}

// startServer runs doorman serve on a free port with data in dir (a fresh temporary directory
// when empty) and waits until it answers its health check.
func startServer(t testing.TB, dir string, args ...string) *server {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	full := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dir,
		"--access-key", accessKey, "--secret-key", secretKey, "--log-format", "json"}, args...)
	s := startServe(t, full...)
	s.Data = dir
	return s
}

// startServe runs doorman with args (a serve command line) and waits until it answers its
// health check.
func startServe(t testing.TB, args ...string) *server {
	t.Helper()
	cmd := exec.Command(binary, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, logs: &s3test.SyncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = s.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(s.done) }()
	t.Cleanup(s.stop)
	lines := bufio.NewScanner(stdout)
	urlc := make(chan string, 1)
	go func() {
		for lines.Scan() {
			// The metrics line comes first; the channel send below publishes it.
			if _, rest, ok := strings.Cut(lines.Text(), " metrics on "); ok {
				s.MetricsURL = strings.Fields(rest)[0]
			}
			if _, rest, ok := strings.Cut(lines.Text(), " listening on "); ok {
				if u := strings.Fields(rest)[0]; strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") {
					urlc <- u
				}
			}
		}
	}()
	select {
	case s.URL = <-urlc:
	case <-s.done:
		t.Fatalf("doorman exited at start:\n%s", s.logs)
	case <-time.After(20 * time.Second):
		t.Fatalf("doorman did not start:\n%s", s.logs)
	}
	_, s.Addr, _ = strings.Cut(s.URL, "://")
	s.Client = &s3test.Client{URL: s.URL}
	health := http.DefaultClient
	if strings.HasPrefix(s.URL, "https://") {
		// Readiness only: the tests that use TLS give their clients the certificate to trust.
		health = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	}
	res, err := health.Get(s.URL + "/_doorman/health")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("health check: %v", err)
	}
	res.Body.Close()
	return s
}

// stop ends the server with SIGTERM (a graceful shutdown) and waits for it.
func (s *server) stop() { terminate(s.cmd, s.done, 20*time.Second) }

// terminate ends a process started by a test with SIGTERM, then SIGKILL once grace has
// passed, and waits for it; done is closed when it has exited.
func terminate(cmd *exec.Cmd, done <-chan struct{}, grace time.Duration) {
	select {
	case <-done:
		return
	default:
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-done
	}
}

// kill ends the server at once with SIGKILL, as a crash would.
func (s *server) kill() {
	_ = s.cmd.Process.Kill()
	<-s.done
}

// client is an aws-sdk-go-v2 S3 client for the server, path-style.
func (s *server) client() *s3.Client {
	return s3.New(s3.Options{
		Region:       region,
		BaseEndpoint: aws.String(s.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
	})
}

// createBucket creates a bucket through the SDK and returns its name.
func (s *server) createBucket(t testing.TB, name string) string {
	t.Helper()
	if _, err := s.client().CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
	return name
}
