package upstream_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/storage/upstream"
)

// BenchmarkPoll measures what polling costs a node as the meta bucket grows: 100, 1,000 and
// 10,000 buckets, each with a CORS configuration (a record and a configuration object each),
// on the test upstream (doorman's own store over loopback). Each sub-benchmark times one
// poll of a node whose snapshot is current (nothing changed: what every poll but a few
// costs), with its allocations, and reports:
//
//	list-req/poll      the listing requests a poll sent upstream (ListBuckets, ListObjectsV2)
//	get-req/poll       the objects a poll read (GetObject)
//	heap-B/bucket      the heap a node holds per bucket once loaded (runtime.MemStats,
//	                   after a GC, before and after a node's first load)
//	propagation-ms     the mean time for a CORS configuration set through one node to reach
//	                   another polling at upstream.DefaultPollInterval (its watcher told), over
//	                   5 changes spread over its poll cycle; propagation-max-ms the longest
func BenchmarkPoll(b *testing.B) {
	ctx := context.Background()
	up := newUpstream(b)
	idle := func(c *upstream.Config) { c.PollInterval = time.Hour }
	writer := newBackend(b, up, idle)
	var names []string
	for _, n := range []int{100, 1000, 10000} {
		var more []string
		for i := len(names); i < n; i++ {
			more = append(more, fmt.Sprintf("bucket-%05d", i))
		}
		if err := writer.Seed(ctx, more, "cors", []byte(corsDoc), 8); err != nil {
			b.Fatal(err)
		}
		names = append(names, more...)
		if err := writer.Poll(ctx); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("buckets=%d", n), func(b *testing.B) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			node := newBackend(b, up, idle)
			runtime.GC()
			runtime.ReadMemStats(&after)
			if got := len(mustList(b, node)); got != n {
				b.Fatalf("the node holds %d buckets, want %d", got, n)
			}
			heap := float64(after.HeapAlloc) - float64(before.HeapAlloc)
			up.Reset()
			b.ReportAllocs()
			for b.Loop() {
				if err := node.Poll(ctx); err != nil {
					b.Fatal(err)
				}
			}
			kinds := map[string]int{}
			for _, r := range up.Requests() {
				if r.Method != http.MethodHead { // HEAD /: the health probes, not the poll
					kinds[requestKind(r)]++
				}
			}
			b.Logf("%d polls sent %v", b.N, kinds)
			b.ReportMetric(float64(kinds["ListBuckets"]+kinds["ListObjectsV2"])/float64(b.N), "list-req/poll")
			b.ReportMetric(float64(kinds["GetObject"])/float64(b.N), "get-req/poll")
			b.ReportMetric(heap/float64(n), "heap-B/bucket")
			mean, longest := propagation(b, up, writer, names, 5)
			b.ReportMetric(float64(mean.Microseconds())/1e3, "propagation-ms")
			b.ReportMetric(float64(longest.Microseconds())/1e3, "propagation-max-ms")
		})
	}
}

// mustList is b's buckets.
func mustList(tb testing.TB, b *upstream.Backend) []string {
	tb.Helper()
	infos, err := b.ListBuckets(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, i := range infos {
		out = append(out, i.Name)
	}
	return out
}

// propagation sets a new CORS configuration on changes of names, spread over the list, through
// writer, and returns the mean and the longest time from the write's return to the watcher of
// a node polling at upstream.DefaultPollInterval being told of the bucket. Change i is made
// i/changes of an interval after the node was told of the last (after a poll, then), so that
// the changes fall at even steps of the node's poll cycle.
func propagation(b *testing.B, up *testUpstream, writer *upstream.Backend, names []string, changes int) (mean, longest time.Duration) {
	b.Helper()
	ctx := context.Background()
	reader := newBackend(b, up, func(c *upstream.Config) { c.PollInterval = upstream.DefaultPollInterval })
	var mu sync.Mutex
	told := map[string]chan struct{}{}
	reader.WatchBuckets(func(name string) {
		mu.Lock()
		defer mu.Unlock()
		if c := told[name]; c != nil {
			close(c)
			delete(told, name)
		}
	})
	var total time.Duration
	for i := range changes {
		time.Sleep(upstream.DefaultPollInterval * time.Duration(i) / time.Duration(changes))
		name := names[i*len(names)/changes]
		doc := fmt.Sprintf(`<CORSConfiguration><CORSRule><AllowedOrigin>https://%d.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`, time.Now().UnixNano())
		c := make(chan struct{})
		mu.Lock()
		told[name] = c
		mu.Unlock()
		if err := writer.PutBucketConfig(ctx, name, "cors", []byte(doc)); err != nil {
			b.Fatal(err)
		}
		set := time.Now()
		select {
		case <-c:
		case <-time.After(time.Minute):
			b.Fatalf("the CORS configuration of %s did not reach the other node in a minute", name)
		}
		d := time.Since(set)
		total += d
		longest = max(longest, d)
		if got := configOf(reader, name, "cors"); got != doc {
			b.Fatalf("the other node was told of %s and holds %q, want %q", name, got, doc)
		}
	}
	return total / time.Duration(changes), longest
}

// requestKind names the S3 operation of a request the poller sends.
func requestKind(r recorded) string {
	switch {
	case r.Method == http.MethodGet && r.Path == "/":
		return "ListBuckets"
	case r.Method == http.MethodGet && r.Query().Get("list-type") == "2":
		return "ListObjectsV2"
	case r.Method == http.MethodGet && strings.Count(strings.Trim(r.Path, "/"), "/") > 0:
		return "GetObject"
	}
	return r.Method + " " + r.URI
}
