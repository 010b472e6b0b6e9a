package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/s3api"
)

// requestTimeoutMessage is Amazon S3's message for a body that stalls.
const requestTimeoutMessage = "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed."

// startRequest sends req's request line, its headers and the first bytes of its body on a
// connection of its own, and sends nothing more.
func startRequest(t testing.TB, addr string, req *http.Request, first []byte) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Write(requestHead(req, first)); err != nil {
		t.Fatal(err)
	}
	return c
}

// requestHead is req's request line and headers followed by first.
func requestHead(req *http.Request, first []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", req.Method, req.URL.RequestURI(), req.Host)
	if req.ContentLength > 0 {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", req.ContentLength)
	}
	_ = req.Header.Write(&b)
	b.WriteString("\r\n")
	b.Write(first)
	return b.Bytes()
}

// readAnswer reads the response on c, waiting at most within, and returns it with its body
// and how long it took.
func readAnswer(t testing.TB, c net.Conn, within time.Duration) (*http.Response, []byte, time.Duration) {
	t.Helper()
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(within))
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer within %v: %v", within, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	return res, body, time.Since(start)
}

// dataFiles lists the data files in the data directory: those of the objects (and parts)
// stored, and those of writes in progress, which the store makes under their final names.
func dataFiles(t testing.TB, data string) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(data, "data", "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	set := make(map[string]bool, len(files))
	for _, f := range files {
		set[f] = true
	}
	return set
}

// newFiles lists the data files in the data directory that are not in before: while no
// object is stored, those of writes in progress, or left behind by writes that failed.
func newFiles(t testing.TB, data string, before map[string]bool) []string {
	t.Helper()
	var added []string
	for f := range dataFiles(t, data) {
		if !before[f] {
			added = append(added, f)
		}
	}
	return added
}

// anonymousForm is an anonymous form upload of file as key to url: the request's head, and its
// body cut where the file's content starts.
func anonymousForm(t testing.TB, url, key string, file []byte) (req *http.Request, head, tail []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.WriteField("key", key)
	if _, err := w.CreateFormFile("file", "f.bin"); err != nil {
		t.Fatal(err)
	}
	head = bytes.Clone(b.Bytes())
	b.Reset()
	b.Write(file)
	w.Close()
	tail = b.Bytes()
	req, err := http.NewRequest(http.MethodPost, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(head) + len(tail))
	req.Header.Set("Content-Type", w.FormDataContentType())
	return req, head, tail
}

// A request body that stalls is cut off after --body-idle-timeout with 400 RequestTimeout and
// leaves no temporary file behind; so is an anonymous form upload, whichever bucket it names;
// a response the client stops reading is cut off too. An anonymous form to a bucket that
// does not take anonymous writes is refused before its file is read.
func TestStalledBodiesAreCutOff(t *testing.T) {
	const idle = time.Second
	srv := startServer(t, "", "--body-idle-timeout", idle.String())
	c := srv.client()
	private := srv.createBucket(t, "stall-private")
	open := createACLBucket(t, c, "stall-open", types.BucketCannedACLPublicReadWrite)
	file := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	// The stalled requests store nothing: every data file made since is one left behind (the
	// last subtest stores an object, and checks no stalled write).
	before := dataFiles(t, srv.Data)
	// cutOff checks the answer to a stalled request: RequestTimeout, after the idle timeout
	// and well within the default one, and that its write left no file behind.
	cutOff := func(t *testing.T, conn net.Conn) {
		t.Helper()
		res, body, took := readAnswer(t, conn, 10*idle)
		s3test.WantError(t, "stalled", res, body, 400, "RequestTimeout", requestTimeoutMessage)
		if took < idle/2 {
			t.Errorf("cut off after %v, before the idle timeout %v", took, idle)
		}
		if !res.Close {
			t.Error("the connection stays open")
		}
		if left := newFiles(t, srv.Data, before); len(left) != 0 {
			t.Errorf("files of stalled writes left: %q", left)
		}
	}

	t.Run("PutObject", func(t *testing.T) {
		req := srv.NewRequest(t, s3test.Request{Method: http.MethodPut, Path: "/" + private + "/stalled", Body: file, As: s3test.Owner})
		cutOff(t, startRequest(t, srv.Addr, req, file[:1000]))
		if _, err := c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(private), Key: aws.String("stalled")}); err == nil {
			t.Error("the stalled object was stored")
		}
	})
	t.Run("PutObject trickling a byte at a time", func(t *testing.T) {
		req := srv.NewRequest(t, s3test.Request{Method: http.MethodPut, Path: "/" + private + "/trickled", Body: file, As: s3test.Owner})
		conn := startRequest(t, srv.Addr, req, file[:1000])
		done := make(chan struct{})
		defer close(done)
		go func() { // ten bytes a second: progress, but far below any real upload
			for i := 1000; i < len(file); i++ {
				select {
				case <-done:
					return
				case <-time.After(100 * time.Millisecond):
				}
				if _, err := conn.Write(file[i : i+1]); err != nil {
					return
				}
			}
		}()
		cutOff(t, conn)
		if _, err := c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(private), Key: aws.String("trickled")}); err == nil {
			t.Error("the trickled object was stored")
		}
	})
	t.Run("anonymous form, stalled in its fields", func(t *testing.T) {
		req, head, _ := anonymousForm(t, srv.URL+"/"+private, "stalled", file)
		cutOff(t, startRequest(t, srv.Addr, req, head[:len(head)/2]))
	})
	t.Run("anonymous form, stalled in its file", func(t *testing.T) {
		req, head, tail := anonymousForm(t, srv.URL+"/"+open, "stalled", file)
		cutOff(t, startRequest(t, srv.Addr, req, append(head, tail[:1000]...)))
		if _, err := c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(open), Key: aws.String("stalled")}); err == nil {
			t.Error("the stalled object was stored")
		}
	})
	t.Run("anonymous form refused before its file", func(t *testing.T) {
		req, head, _ := anonymousForm(t, srv.URL+"/"+private, "refused", file)
		res, body, took := readAnswer(t, startRequest(t, srv.Addr, req, head), 10*idle)
		s3test.WantError(t, "anonymous form", res, body, 403, "AccessDenied", "")
		if took >= idle/2 {
			t.Errorf("refused after %v: the server waited for the file", took)
		}
	})
	t.Run("a response the client does not read", func(t *testing.T) {
		big := bytes.Repeat([]byte("x"), 64<<20) // far more than the sockets' buffers
		if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(private), Key: aws.String("big"), Body: bytes.NewReader(big)}); err != nil {
			t.Fatal(err)
		}
		req := srv.NewRequest(t, s3test.Request{Method: http.MethodGet, Path: "/" + private + "/big", As: s3test.Owner})
		conn := startRequest(t, srv.Addr, req, nil)
		time.Sleep(4 * idle)
		_ = conn.SetReadDeadline(time.Now().Add(10 * idle))
		n, err := io.Copy(io.Discard, conn)
		if n >= int64(len(big)) || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("read %d bytes (%v): the response was not cut off", n, err)
		}
	})
}

// A client that sends less than its Content-Length, or hangs up mid-upload, gets (or would
// get) 400 IncompleteBody: counted as a 400, logged as a request, not as an internal error.
func TestClientAbortIsClientError(t *testing.T) {
	srv := startServer(t, "", "--metrics-addr", "127.0.0.1:0")
	bucket := srv.createBucket(t, "aborts")
	file := bytes.Repeat([]byte("z"), 1<<20)
	before := dataFiles(t, srv.Data)

	// Half-closed: the body ends early, and the client still reads the answer.
	conn := startRequest(t, srv.Addr, srv.NewRequest(t, s3test.Request{Method: http.MethodPut, Path: "/" + bucket + "/short", Body: file, As: s3test.Owner}), file[:1000])
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	res, body, _ := readAnswer(t, conn, 10*time.Second)
	s3test.WantError(t, "short body", res, body, 400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.")

	// Reset: the client is gone and gets no answer.
	conn = startRequest(t, srv.Addr, srv.NewRequest(t, s3test.Request{Method: http.MethodPut, Path: "/" + bucket + "/reset", Body: file, As: s3test.Owner}), file[:1000])
	time.Sleep(100 * time.Millisecond)
	_ = conn.(*net.TCPConn).SetLinger(0)
	conn.Close()

	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(metrics(t, srv), `doorman_requests_total{operation="PutObject",status="400"} 2`) {
		if time.Now().After(deadline) {
			t.Fatalf("the aborted uploads are not counted as 400:\n%s", metrics(t, srv))
		}
		time.Sleep(50 * time.Millisecond)
	}
	for line := range strings.SplitSeq(srv.logs.String(), "\n") {
		var entry struct {
			Level, Msg, Op, Error string
			Status                int
		}
		if line == "" || json.Unmarshal([]byte(line), &entry) != nil {
			continue
		}
		if entry.Level == "ERROR" {
			t.Errorf("logged as an error: %s", line)
		}
		if entry.Msg == "request" && entry.Op == "PutObject" && entry.Status != 200 && entry.Error != "IncompleteBody" {
			t.Errorf("logged as %s: %s", entry.Error, line)
		}
	}
	if left := newFiles(t, srv.Data, before); len(left) != 0 {
		t.Errorf("files of aborted writes left: %q", left)
	}
}

// metrics returns the server's Prometheus metrics.
func metrics(t testing.TB, srv *server) string {
	t.Helper()
	res, body := srv.Do(t, s3test.Request{Method: http.MethodGet, URL: srv.MetricsURL})
	if res.StatusCode != 200 {
		t.Fatalf("metrics: %d", res.StatusCode)
	}
	return string(body)
}

// stalledClients is how many clients stall at once in TestStalledClientsDoNotStopTheOwner:
// more than the 1024 open files a process gets by default.
const stalledClients = 3000

// Thousands of clients stalled mid-upload on loopback, each holding a connection and a
// data file, do not keep the owner's requests from succeeding while they stall, and
// are all cut off after the default idle timeout with nothing left behind. The server runs
// with its defaults, started with the soft open-file limit most systems give a process
// (1024), as a service would be.
func TestStalledClientsDoNotStopTheOwner(t *testing.T) {
	const idle = s3api.DefaultBodyIdleTimeout
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	// This process holds the clients' ends of the connections, the server the other ends
	// and a data file for each.
	if need := uint64(2*stalledClients + 256); lim.Max < need {
		t.Fatalf("the hard open-file limit %d is below the %d this test needs", lim.Max, need)
	}
	low := lim
	low.Cur = min(1024, lim.Cur)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, "")
	raised := lim
	raised.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim) })

	c := srv.client()
	bucket := srv.createBucket(t, "owner")
	file := bytes.Repeat([]byte("s"), 64<<10)
	head := requestHead(srv.NewRequest(t, s3test.Request{Method: http.MethodPut, Path: "/" + bucket + "/stalled", Body: file, As: s3test.Owner}), file[:1000])

	// Until the owner stores its objects, every data file is an upload in flight.
	before := dataFiles(t, srv.Data)
	stallStart := time.Now()
	conns := make([]net.Conn, stalledClients)
	t.Cleanup(func() {
		for _, conn := range conns {
			if conn != nil {
				conn.Close()
			}
		}
	})
	const dialers = 8
	errs := make(chan error, dialers)
	for d := range dialers {
		go func() {
			for i := d; i < stalledClients; i += dialers {
				conn, err := net.Dial("tcp", srv.Addr)
				if err == nil {
					conns[i] = conn
					_, err = conn.Write(head)
				}
				if err != nil {
					errs <- fmt.Errorf("client %d: %w", i, err)
					return
				}
			}
			errs <- nil
		}()
	}
	for range dialers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// Wait until the server holds an upload for most of them, leaving the owner time to act
	// before the first are cut off.
	for deadline := stallStart.Add(idle * 2 / 3); len(newFiles(t, srv.Data, before)) < stalledClients*9/10; {
		if time.Now().After(deadline) {
			t.Fatalf("only %d uploads in flight", len(newFiles(t, srv.Data, before)))
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("%d clients stalled in %v, %d uploads in flight", stalledClients, time.Since(stallStart), len(newFiles(t, srv.Data, before)))

	// The owner, while they stall.
	ownerStart := time.Now()
	const ownerObjects = 10
	for i := range ownerObjects {
		ctx, cancel := context.WithTimeout(context.Background(), idle/8)
		key := fmt.Sprintf("owner-%d", i)
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(file)})
		if err == nil {
			_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		}
		cancel()
		if err != nil {
			t.Fatalf("the owner's request %d during the stall: %v", i, err)
		}
	}
	if time.Since(stallStart) >= idle {
		t.Fatalf("the owner's requests took until after the stall (%v)", time.Since(stallStart))
	}
	t.Logf("the owner's 10 PUT+HEAD pairs took %v during the stall", time.Since(ownerStart))

	// Every stalled client is cut off.
	var wg sync.WaitGroup
	var mu sync.Mutex
	answers := map[string]int{}
	for _, conn := range conns {
		wg.Go(func() {
			_ = conn.SetReadDeadline(stallStart.Add(3 * idle))
			what := "no answer"
			if res, err := http.ReadResponse(bufio.NewReader(conn), nil); err == nil {
				b, _ := io.ReadAll(res.Body)
				what = fmt.Sprintf("%d %s", res.StatusCode, parseErrorCode(b))
			} else if !errors.Is(err, os.ErrDeadlineExceeded) {
				what = "closed"
			}
			mu.Lock()
			answers[what]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if answers["400 RequestTimeout"]+answers["closed"] != stalledClients {
		t.Errorf("answers to the stalled clients: %v", answers)
	}
	// What is left is the owner's ten objects, a file each.
	for deadline := time.Now().Add(5 * time.Second); len(newFiles(t, srv.Data, before)) != ownerObjects; {
		if time.Now().After(deadline) {
			t.Fatalf("%d data files, want the owner's %d objects' alone", len(newFiles(t, srv.Data, before)), ownerObjects)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("answers: %v, all within %v", answers, time.Since(stallStart))
}

// parseErrorCode is the Code of an S3 error body, or "" when it is not one.
func parseErrorCode(body []byte) string {
	var e s3test.Error
	_ = xml.Unmarshal(body, &e)
	return e.Code
}
