package main

import (
	"strings"
	"testing"
)

// Two rounds of two operations: each server's k-th result pairs with the other's k-th, the
// GOMAXPROCS suffix and the server key are not part of the operation, a result without the
// key and other units are left out, and a server that ran an operation alone has no row.
const sample = `goos: linux
BenchmarkS3/op=get/server=doorman-2   100  10 ns/op  900 req/s  50 cpu-µs/req
BenchmarkS3/op=get/server=ceiling-2   100  10 ns/op  1000 req/s  40 cpu-µs/req
BenchmarkS3/op=get/server=minio-2     100  10 ns/op  300 req/s  90 cpu-µs/req
BenchmarkS3/op=refused/server=doorman-2  100  10 ns/op  700 req/s
BenchmarkOther-2                      100  10 ns/op  5 req/s
goos: linux
BenchmarkS3/op=get/server=doorman-2   100  10 ns/op  400 req/s  60 cpu-µs/req
BenchmarkS3/op=get/server=ceiling-2   100  10 ns/op  800 req/s  40 cpu-µs/req
BenchmarkS3/op=get/server=minio-2     100  10 ns/op  100 req/s  90 cpu-µs/req
`

func TestRatios(t *testing.T) {
	for _, tc := range []struct {
		unit, of string
		want     []row
	}{
		{"req/s", "doorman", []row{
			{op: "S3/op=get", other: "ceiling", median: (0.5 + 0.9) / 2, low: 0.5, high: 0.9, rounds: 2},
			{op: "S3/op=get", other: "minio", median: 3.5, low: 3, high: 4, rounds: 2},
		}},
		{"cpu-µs/req", "ceiling", []row{
			{op: "S3/op=get", other: "doorman", median: (0.8 + 40.0/60) / 2, low: 40.0 / 60, high: 0.8, rounds: 2},
			{op: "S3/op=get", other: "minio", median: 40.0 / 90, low: 40.0 / 90, high: 40.0 / 90, rounds: 2},
		}},
	} {
		rs, err := read(strings.NewReader(sample), "sample", "server", tc.unit)
		if err != nil {
			t.Fatal(err)
		}
		got := ratios(rs, tc.of)
		if len(got) != len(tc.want) {
			t.Fatalf("%s of %s: %+v, want %+v", tc.unit, tc.of, got, tc.want)
		}
		for i, w := range tc.want {
			g := got[i]
			if g.op != w.op || g.other != w.other || g.rounds != w.rounds || !near(g.median, w.median) || !near(g.low, w.low) || !near(g.high, w.high) {
				t.Errorf("%s of %s, row %d: %+v, want %+v", tc.unit, tc.of, i, g, w)
			}
		}
	}
	if _, err := read(strings.NewReader(sample), "sample", "server", "B/op"); err == nil {
		t.Error("a unit no result has: no error")
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
