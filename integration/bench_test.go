package integration

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// benchTarget is one server under load: doorman, the bare net/http ceiling, or a peer.
type benchTarget struct {
	name, url string
	creds     aws.Credentials
	s3        bool // an S3 server (not the ceiling): it gets a bucket, objects and rules
	// urls, when set, are the endpoints of one store: worker w of a benchmark sends its
	// requests to urls[w%len(urls)] instead of url, as a load balancer spreads them.
	urls []string
	// globalCORS: the server has no bucket CORS (PutBucketCors answers 501 NotImplemented)
	// and answers preflights by a server-wide setting, with the status preflight.
	globalCORS bool
	preflight  int
	// cpu maps a metric's unit to the CPU time some of the server's processes have used:
	// runBenchOp reports each per request (cpu-µs/req: all of them).
	cpu map[string]func(testing.TB) time.Duration
}

const benchBucket = "bench-bucket"

const benchCORS = `{"CORSRules":[{"AllowedOrigins":["https://app.example.com"],"AllowedMethods":["GET","PUT"],` +
	`"AllowedHeaders":["content-type","x-amz-*"],"ExposeHeaders":["ETag"],"MaxAgeSeconds":3000}]}`

var (
	body4KiB = bytes.Repeat([]byte("x"), 4<<10)
	body1MiB = bytes.Repeat([]byte("y"), 1<<20)
)

var benchClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}}

// benchTargets starts doorman, the ceiling and, when DOORMAN_BENCH_MINIO and
// DOORMAN_BENCH_VERSITYGW name their binaries, MinIO (one node, one drive) and versitygw (see
// peers in the Makefile's bench target), each as its own process.
//
// Each reports cpu-µs/req, its own process's CPU time per request: the clients share the
// machine's cores, so the throughput is the whole machine's, while the CPU time is the
// server's own cost.
//
// doorman writes its access log to a file (--access-log), as a server in production does and
// as the gateway benchmarks' nginx and doorman do; on stderr, its lines would be read by this
// process, on the cores the clients share. The peers write no access log.
func benchTargets(b *testing.B) []benchTarget {
	doorman := startServer(b, "", "--access-log", filepath.Join(b.TempDir(), "access.log"))
	targets := []benchTarget{doorman.benchTarget()}
	targets[0].cpu = processCPU(doorman.cmd)

	ceiling := exec.Command(buildCeiling(b))
	targets = append(targets, benchTarget{name: "ceiling", url: startProcess(b, ceiling, ""), cpu: processCPU(ceiling)})

	if minio := os.Getenv("DOORMAN_BENCH_MINIO"); minio != "" {
		// One process, one drive: MinIO's single-node single-drive mode.
		addr := freeAddr(b)
		cmd := exec.Command(minio, "server", "--address", addr, b.TempDir())
		cmd.Env = minioEnv(addr)
		targets = append(targets, benchTarget{name: "minio", url: startProcess(b, cmd, addr), s3: true, globalCORS: true,
			creds: aws.Credentials{AccessKeyID: minioRoot.AccessKey, SecretAccessKey: minioRoot.SecretKey}, cpu: processCPU(cmd)})
	}
	if vgw := os.Getenv("DOORMAN_BENCH_VERSITYGW"); vgw != "" {
		addr := freeAddr(b)
		cmd := exec.Command(vgw, "--access", "vgwadmin", "--secret", "vgwsecret", "--port", addr, "posix", b.TempDir())
		targets = append(targets, benchTarget{name: "versitygw", url: startProcess(b, cmd, addr), s3: true,
			creds: aws.Credentials{AccessKeyID: "vgwadmin", SecretAccessKey: "vgwsecret"}, cpu: processCPU(cmd)})
	}
	for i := range targets {
		if t := &targets[i]; t.s3 {
			prepareBenchTarget(b, t)
		}
	}
	return targets
}

// processCPU is the cpu-µs/req metric of the started process cmd.
func processCPU(cmd *exec.Cmd) map[string]func(testing.TB) time.Duration {
	return map[string]func(testing.TB) time.Duration{"cpu-µs/req": func(tb testing.TB) time.Duration { return pidsCPU(tb, cmd.Process.Pid) }}
}

var (
	ceilingOnce sync.Once
	ceilingBin  string
	ceilingErr  error
)

// benchTarget is s as a target of the benchmarks, with its main user's credentials.
func (s *server) benchTarget() benchTarget {
	return benchTarget{name: "doorman", url: s.URL, s3: true,
		creds: aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey}}
}

// buildCeiling builds the ceiling server, once for the package's run, beside the doorman
// binary, and returns its executable.
func buildCeiling(tb testing.TB) string {
	tb.Helper()
	ceilingOnce.Do(func() {
		ceilingBin = filepath.Join(filepath.Dir(binary), "ceiling")
		if out, err := exec.Command("go", "build", "-o", ceilingBin, "./testdata/ceiling").CombinedOutput(); err != nil {
			ceilingErr = fmt.Errorf("building the ceiling server: %v\n%s", err, out)
		}
	})
	if ceilingErr != nil {
		tb.Fatal(ceilingErr)
	}
	return ceilingBin
}

// prepareBenchTarget gives the S3 server t the benchmarks' bucket, its CORS configuration
// (benchCORS) and the objects the GETs read. A server with global CORS must refuse the
// configuration and allow the preflight by itself: t.preflight is then the status it answers.
func prepareBenchTarget(b testing.TB, t *benchTarget) {
	// Its connections are closed when it is done, so that they do not count against the
	// server's bound on connections.
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := s3.New(s3.Options{Region: region, BaseEndpoint: aws.String(t.url), UsePathStyle: true,
		Credentials: credentials.StaticCredentialsProvider{Value: t.creds}, HTTPClient: &http.Client{Transport: tr}})
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(benchBucket)}); err != nil {
		b.Fatalf("%s: %v", t.name, err)
	}
	if t.globalCORS {
		var apiErr smithy.APIError
		if err := tryPutCORS(b, c, benchBucket, benchCORS); !errors.As(err, &apiErr) || apiErr.ErrorCode() != "NotImplemented" {
			b.Fatalf("PutBucketCors on %s: %v; the benchmark expects it to refuse it (NotImplemented), and to answer preflights itself", t.name, err)
		}
		t.preflight = globalPreflight(b, t)
	} else {
		putCORS(b, c, benchBucket, benchCORS)
	}
	for key, body := range map[string][]byte{"obj4k": body4KiB, "obj1m": body1MiB} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(benchBucket), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
			b.Fatalf("%s: %v", t.name, err)
		}
	}
}

func freeAddr(b *testing.B) string { return freeAddrs(b, 1)[0] }

// startProcess runs cmd until the benchmark ends and returns its URL: read from a
// "listening on http://ADDR" line on its stdout, or addr once it accepts connections.
func startProcess(b *testing.B, cmd *exec.Cmd, addr string) string {
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if addr == "" {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), "listening on http://"); ok {
				addr = strings.Fields(rest)[0]
				break
			}
		}
		go func() { _, _ = io.Copy(io.Discard, stdout) }()
	} else {
		go func() { _, _ = io.Copy(io.Discard, stdout) }()
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%s did not start", cmd.Path)
			}
		}
	}
	return "http://" + addr
}

// benchOp builds and checks one request.
type benchOp struct {
	name    string
	ceiling bool // the ceiling server answers it too
	// only, when set, names the one server the operation is for: a refused preflight needs
	// a server with per-bucket CORS rules that refuses one (MinIO allows every origin).
	only    string
	build   func(t *benchTarget, worker int) *http.Request
	status  int
	sign    bool
	payload []byte
}

var emptySHA256 = s3test.SHA256Hex(nil)

var benchOps = []benchOp{
	{name: "preflight", ceiling: true, status: 200, build: func(t *benchTarget, _ int) *http.Request {
		r, _ := http.NewRequest("OPTIONS", t.url+"/"+benchBucket+"/obj4k", nil)
		r.Header.Set("Origin", "https://app.example.com")
		r.Header.Set("Access-Control-Request-Method", "PUT")
		r.Header.Set("Access-Control-Request-Headers", "content-type,x-amz-date")
		return r
	}},
	{name: "preflight-refused", only: "doorman", status: 403, build: func(t *benchTarget, _ int) *http.Request {
		r, _ := http.NewRequest("OPTIONS", t.url+"/"+benchBucket+"/obj4k", nil)
		r.Header.Set("Origin", "https://evil.example.com")
		r.Header.Set("Access-Control-Request-Method", "PUT")
		r.Header.Set("Access-Control-Request-Headers", "content-type,x-amz-date")
		return r
	}},
	{name: "get4KiB-origin", ceiling: true, status: 200, sign: true, build: func(t *benchTarget, _ int) *http.Request {
		r, _ := http.NewRequest("GET", t.url+"/"+benchBucket+"/obj4k", nil)
		r.Header.Set("Origin", "https://app.example.com")
		return r
	}},
	{name: "get4KiB", status: 200, sign: true, build: func(t *benchTarget, _ int) *http.Request {
		r, _ := http.NewRequest("GET", t.url+"/"+benchBucket+"/obj4k", nil)
		return r
	}},
	{name: "get1MiB", status: 200, sign: true, build: func(t *benchTarget, _ int) *http.Request {
		r, _ := http.NewRequest("GET", t.url+"/"+benchBucket+"/obj1m", nil)
		return r
	}},
	{name: "put4KiB", status: 200, sign: true, payload: body4KiB, build: func(t *benchTarget, w int) *http.Request {
		r, _ := http.NewRequest("PUT", fmt.Sprintf("%s/%s/put-%d", t.url, benchBucket, w), bytes.NewReader(body4KiB))
		return r
	}},
	{name: "put1MiB", status: 200, sign: true, payload: body1MiB, build: func(t *benchTarget, w int) *http.Request {
		r, _ := http.NewRequest("PUT", fmt.Sprintf("%s/%s/put-%d", t.url, benchBucket, w), bytes.NewReader(body1MiB))
		return r
	}},
}

// BenchmarkS3 puts each server under the same load over loopback: 8 concurrent clients with
// kept-alive connections, requests signed with SigV4 as SDKs sign them. benchstat -col /server
// compares the servers operation by operation; the req/s metric is the throughput.
func BenchmarkS3(b *testing.B) {
	targets := benchTargets(b)
	signer := v4.NewSigner()
	for _, op := range benchOps {
		for i := range targets {
			if t := &targets[i]; (t.s3 || op.ceiling) && (op.only == "" || op.only == t.name) {
				runBenchOp(b, signer, t, op)
			}
		}
	}
}

// runBenchOp runs op against t as the sub-benchmark op=NAME/server=NAME: 8 concurrent
// clients over kept-alive connections, each request signed when op says so and its answer's
// status checked; it reports the throughput as req/s, and the CPU times of t.cpu per request.
// A write also reports disk-KiB/req: what the machine's disks wrote during the run, per
// request. A server that fsyncs writes each body to the disk before answering; one that
// leaves it in the page cache writes next to nothing while the run lasts, and so is not
// bound by the disk's bandwidth.
func runBenchOp(b *testing.B, signer *v4.Signer, t *benchTarget, op benchOp) {
	payloadHash := emptySHA256
	if op.payload != nil {
		payloadHash = s3test.SHA256Hex(op.payload)
	}
	b.Run("op="+op.name+"/server="+t.name, func(b *testing.B) {
		var workers atomic.Int64
		cpu := map[string]time.Duration{}
		for unit, used := range t.cpu {
			cpu[unit] = used(b)
		}
		written := diskWritten(b)
		b.SetParallelism(4)
		b.SetBytes(int64(max(len(op.payload), map[bool]int{true: 4 << 10, false: 1 << 20}[op.name != "get1MiB"])))
		b.ResetTimer()
		if op.name == "preflight" && t.preflight != 0 {
			op.status = t.preflight
		}
		b.RunParallel(func(pb *testing.PB) {
			w := int(workers.Add(1))
			tw := t
			if len(t.urls) > 0 {
				spread := *t
				spread.url = t.urls[w%len(t.urls)]
				tw = &spread
			}
			for pb.Next() {
				r := op.build(tw, w)
				if op.sign {
					r.Header.Set("X-Amz-Content-Sha256", payloadHash)
					if err := signer.SignHTTP(context.Background(), t.creds, r, payloadHash, "s3", region, time.Now()); err != nil {
						b.Error(err)
						return
					}
				}
				res, err := benchClient.Do(r)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != op.status {
					b.Errorf("%s %s: status %d", t.name, op.name, res.StatusCode)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		if op.payload != nil {
			b.ReportMetric(float64(diskWritten(b)-written)/1024/float64(b.N), "disk-KiB/req")
		}
		for unit, used := range t.cpu {
			b.ReportMetric((used(b)-cpu[unit]).Seconds()*1e6/float64(b.N), unit)
		}
	})
}

// diskWritten returns how many bytes the machine's disks have written since boot, from
// /proc/diskstats: the sectors written (its tenth field, in 512-byte units whatever the
// device's sector size) of every device that is a disk of its own (/sys/block/NAME/device
// exists), so that partitions, loop and device-mapper devices do not count a write twice.
func diskWritten(tb testing.TB) int64 {
	tb.Helper()
	data, err := os.ReadFile("/proc/diskstats")
	if err != nil {
		tb.Fatal(err)
	}
	var total int64
	for line := range strings.Lines(string(data)) {
		f := strings.Fields(line)
		if len(f) < 10 {
			continue
		}
		if _, err := os.Stat(filepath.Join("/sys/block", f[2], "device")); err != nil {
			continue
		}
		sectors, err := strconv.ParseInt(f[9], 10, 64)
		if err != nil {
			tb.Fatalf("/proc/diskstats: %q: %v", line, err)
		}
		total += sectors * 512
	}
	return total
}
