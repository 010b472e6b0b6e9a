package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// crashBodyHeader is the fixed-size first line of a crash-test body: its version, its total
// length and the MD5 of the rest, so that a body read back proves itself whole.
const crashBodyHeader = 80

func crashBody(version uint64, size int) []byte {
	payload := pseudoRandom(version*7919, size-crashBodyHeader)
	head := fmt.Sprintf("version=%012d length=%010d md5=%s", version, size, md5HexOf(payload))
	b := make([]byte, 0, size)
	b = append(b, head...)
	for len(b) < crashBodyHeader-1 {
		b = append(b, ' ')
	}
	b = append(b, '\n')
	return append(b, payload...)
}

// decodeCrashBody returns the version a body was made for, or an error if it is not whole.
func decodeCrashBody(b []byte) (uint64, error) {
	if len(b) < crashBodyHeader {
		return 0, fmt.Errorf("%d bytes: shorter than the header", len(b))
	}
	var version uint64
	var size int
	var sum string
	if _, err := fmt.Sscanf(string(b[:crashBodyHeader]), "version=%d length=%d md5=%s", &version, &size, &sum); err != nil {
		return 0, fmt.Errorf("header %q: %v", b[:crashBodyHeader], err)
	}
	if size != len(b) {
		return version, fmt.Errorf("version %d: %d bytes, made with %d", version, len(b), size)
	}
	if got := md5HexOf(b[crashBodyHeader:]); got != sum {
		return version, fmt.Errorf("version %d: payload md5 %s, made with %s", version, got, sum)
	}
	return version, nil
}

// crashPut is one PUT of the crash test.
type crashPut struct {
	key      string
	alg      types.ChecksumAlgorithm // "" when no checksum was sent
	start    time.Time
	acked    time.Time // zero unless the server answered 200
	ackedTag string
}

// crashLedger records every PUT sent, before it is sent.
type crashLedger struct {
	mu   sync.Mutex
	puts map[uint64]*crashPut
	next atomic.Uint64
}

func (l *crashLedger) begin(key string, alg types.ChecksumAlgorithm) (uint64, *crashPut) {
	v := l.next.Add(1)
	p := &crashPut{key: key, alg: alg, start: time.Now()}
	l.mu.Lock()
	l.puts[v] = p
	l.mu.Unlock()
	return v, p
}

// unacked counts the PUTs never acknowledged.
func (l *crashLedger) unacked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, p := range l.puts {
		if p.acked.IsZero() {
			n++
		}
	}
	return n
}

func (l *crashLedger) ack(p *crashPut, etag string) {
	l.mu.Lock()
	p.acked, p.ackedTag = time.Now(), etag
	l.mu.Unlock()
}

// crashFirstAckWait bounds the wait for a round's first acknowledged PUT: far above the tens of
// milliseconds one takes, and still a failure rather than a hang if the server stops answering.
const crashFirstAckWait = 30 * time.Second

// A server SIGKILLed in the middle of concurrent overwrites comes back with every object
// whole: each key holds a version that was sent, with the right length, ETag and checksum,
// and never one older than a write the server had acknowledged before the next one began.
func TestCrashDuringPuts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keys := []string{"a", "b", "dir/c", "dir/d", "e", "f"}
	const bucket = "crash-puts"
	ledger := &crashLedger{puts: map[uint64]*crashPut{}}
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	var rngMu sync.Mutex

	put := func(c *s3.Client, key string, size int, alg types.ChecksumAlgorithm) error {
		v, p := ledger.begin(key, alg)
		out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
			Body: bytes.NewReader(crashBody(v, size)), ChecksumAlgorithm: alg})
		if err == nil {
			ledger.ack(p, aws.ToString(out.ETag))
		}
		return err
	}
	crashClient := func(srv *server) *s3.Client {
		return sdkClient(srv, nil, func(o *s3.Options) {
			o.RetryMaxAttempts = 1
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		})
	}

	srv := startServer(t, dir)
	c := crashClient(srv)
	srv.createBucket(t, bucket)
	for _, k := range keys {
		if err := put(c, k, 4096, ""); err != nil {
			t.Fatal(err)
		}
	}
	const rounds = 6
	for round := range rounds {
		var stop atomic.Bool
		var wg sync.WaitGroup
		var okPuts atomic.Int64
		for w := range 6 {
			wg.Go(func() {
				for i := 0; !stop.Load(); i++ {
					rngMu.Lock()
					key := keys[rng.IntN(len(keys))]
					size := 1024 + rng.IntN(2<<20-1024)
					rngMu.Unlock()
					alg := []types.ChecksumAlgorithm{"", types.ChecksumAlgorithmCrc32c, types.ChecksumAlgorithmSha256}[(w+i)%3]
					if err := put(c, key, size, alg); err == nil {
						okPuts.Add(1)
					} else if !stop.Load() {
						t.Errorf("round %d: PUT before the crash: %v", round, err)
						return
					}
				}
			})
		}
		// The crash comes a random pause after the round's first acknowledged PUT, so that every
		// round kills the server among acknowledged and unacknowledged writes, however long a
		// loaded machine takes to acknowledge the first.
		for wait := time.Now().Add(crashFirstAckWait); okPuts.Load() == 0 && time.Now().Before(wait); {
			time.Sleep(10 * time.Millisecond)
		}
		rngMu.Lock()
		pause := time.Duration(250+rng.IntN(500)) * time.Millisecond
		rngMu.Unlock()
		time.Sleep(pause)
		stop.Store(true)
		srv.kill()
		wg.Wait()
		if okPuts.Load() == 0 {
			t.Fatalf("round %d: no PUT completed before the crash", round)
		}
		t.Logf("round %d: %d PUTs acknowledged, %d cut off by the crash", round, okPuts.Load(), ledger.unacked())
		srv = startServer(t, dir)
		c = crashClient(srv)
		verifyAfterCrash(t, round, c, bucket, keys, ledger)
		if t.Failed() {
			t.Logf("server log after restart:\n%s", srv.logs)
			return
		}
	}
}

func verifyAfterCrash(t *testing.T, round int, c *s3.Client, bucket string, keys []string, ledger *crashLedger) {
	t.Helper()
	ctx := context.Background()
	ledger.mu.Lock()
	defer ledger.mu.Unlock()
	sizes := map[string]int64{}
	etags := map[string]string{}
	for _, key := range keys {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil {
			t.Errorf("round %d: GET %s after restart: %v", round, key, err)
			continue
		}
		body, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			t.Errorf("round %d: reading %s: %v", round, key, err)
			continue
		}
		v, err := decodeCrashBody(body)
		if err != nil {
			t.Errorf("round %d: %s is not whole: %v", round, key, err)
			continue
		}
		p := ledger.puts[v]
		if p == nil || p.key != key {
			t.Errorf("round %d: %s holds version %d, which was never sent to it", round, key, v)
			continue
		}
		if aws.ToInt64(out.ContentLength) != int64(len(body)) {
			t.Errorf("round %d: %s: Content-Length %d for %d bytes", round, key, aws.ToInt64(out.ContentLength), len(body))
		}
		if want := `"` + md5HexOf(body) + `"`; aws.ToString(out.ETag) != want || (!p.acked.IsZero() && p.ackedTag != want) {
			t.Errorf("round %d: %s: ETag %s (acknowledged as %q), body md5 %s", round, key, aws.ToString(out.ETag), p.ackedTag, want)
		}
		if p.alg != "" {
			if got := checksumField(p.alg, out.ChecksumCRC32, out.ChecksumCRC32C, out.ChecksumCRC64NVME, out.ChecksumSHA1, out.ChecksumSHA256); got != checksumOf(p.alg, body) {
				t.Errorf("round %d: %s: %s checksum %q, body's is %q", round, key, p.alg, got, checksumOf(p.alg, body))
			}
		}
		// No acknowledged write may be lost: a later write that began after this version was
		// acknowledged, and was itself acknowledged, must have replaced it.
		if !p.acked.IsZero() {
			for w, q := range ledger.puts {
				if q.key == key && !q.acked.IsZero() && q.start.After(p.acked) {
					t.Errorf("round %d: %s holds version %d, but version %d, begun after it was acknowledged, was acknowledged too", round, key, v, w)
					break
				}
			}
		}
		sizes[key], etags[key] = int64(len(body)), aws.ToString(out.ETag)
	}
	// The listing agrees with the objects.
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("round %d: listing after restart: %v", round, err)
	}
	var listed []string
	for _, o := range out.Contents {
		k := aws.ToString(o.Key)
		listed = append(listed, k)
		if s, ok := sizes[k]; ok && (aws.ToInt64(o.Size) != s || aws.ToString(o.ETag) != etags[k]) {
			t.Errorf("round %d: listing says %s is %d bytes %s, GET said %d bytes %s", round, k, aws.ToInt64(o.Size), aws.ToString(o.ETag), s, etags[k])
		}
	}
	want := slices.Sorted(slices.Values(keys))
	if !slices.Equal(listed, want) {
		t.Errorf("round %d: listing after restart %v, want %v", round, listed, want)
	}
}

// A server SIGKILLed while PutBucketCors alternates two configurations comes back with exactly
// one of them, whole, and answers preflights by it.
func TestCrashDuringPutBucketCors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const bucket = "crash-cors"
	cfgs := []*types.CORSConfiguration{
		{CORSRules: []types.CORSRule{{ID: aws.String("a"), AllowedMethods: []string{"GET", "PUT"}, AllowedOrigins: []string{"https://a.example"},
			AllowedHeaders: []string{"x-a"}, ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: aws.Int32(111)}}},
		{CORSRules: []types.CORSRule{{ID: aws.String("b"), AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"https://b.example"},
			MaxAgeSeconds: aws.Int32(222)}, {AllowedMethods: []string{"DELETE"}, AllowedOrigins: []string{"*"}}}},
	}
	canon := func(cfg []types.CORSRule) string {
		b, _ := json.Marshal(cfg)
		return string(b)
	}
	srv := startServer(t, dir)
	srv.createBucket(t, bucket)
	ctx := context.Background()
	for round := range 3 {
		c := sdkClient(srv, nil, func(o *s3.Options) { o.RetryMaxAttempts = 1 })
		var stop atomic.Bool
		var wg sync.WaitGroup
		var okPuts atomic.Int64
		for w := range 3 {
			wg.Go(func() {
				for i := w; !stop.Load(); i++ {
					_, err := c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String(bucket), CORSConfiguration: cfgs[i%2]})
					if err == nil {
						okPuts.Add(1)
					} else if !stop.Load() {
						t.Errorf("PutBucketCors before the crash: %v", err)
						return
					}
				}
			})
		}
		time.Sleep(time.Duration(200+100*round) * time.Millisecond)
		stop.Store(true)
		srv.kill()
		wg.Wait()
		if okPuts.Load() == 0 {
			t.Fatalf("round %d: no PutBucketCors completed before the crash", round)
		}
		srv = startServer(t, dir)
		got, err := srv.client().GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String(bucket)})
		if err != nil {
			t.Fatalf("round %d: GetBucketCors after restart: %v\n%s", round, err, srv.logs)
		}
		which := slices.IndexFunc(cfgs, func(c *types.CORSConfiguration) bool { return canon(c.CORSRules) == canon(got.CORSRules) })
		if which < 0 {
			t.Fatalf("round %d: configuration after restart is neither one sent: %s", round, canon(got.CORSRules))
		}
		// Preflights follow the configuration in force, and only it.
		for i, origin := range []string{"https://a.example", "https://b.example"} {
			res, _ := srv.Do(t, s3test.Request{Method: "OPTIONS", Path: "/" + bucket + "/k", Header: http.Header{"Origin": {origin}, "Access-Control-Request-Method": {"GET"}}})
			allowed := res.StatusCode == 200 && res.Header.Get("Access-Control-Allow-Origin") == origin
			if allowed != (i == which) {
				t.Errorf("round %d: configuration %d in force, preflight from %s: %d %v", round, which, origin, res.StatusCode, res.Header)
			}
			if allowed && res.Header.Get("Access-Control-Max-Age") != fmt.Sprint(aws.ToInt32(cfgs[which].CORSRules[0].MaxAgeSeconds)) {
				t.Errorf("round %d: Max-Age %q", round, res.Header.Get("Access-Control-Max-Age"))
			}
		}
	}
}
