package sse_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/doorman-s3/doorman/sse"
)

// benchSizes are the object sizes of the benchmarks: a small object (one partial chunk) and
// a large one (sixteen chunks); benchstat filters them by name (size=4KiB, size=1MiB).
var benchSizes = []struct {
	name string
	n    int
}{
	{"size=4KiB", 4 << 10},
	{"size=1MiB", 1 << 20},
}

func BenchmarkSeal(b *testing.B) {
	dek, id := mustKey(b), mustSegmentID(b)
	for _, bs := range benchSizes {
		b.Run(bs.name, func(b *testing.B) {
			plain := plaintext(bs.n, 1)
			b.SetBytes(int64(bs.n))
			for b.Loop() {
				s := sse.NewSealer(io.Discard, dek, id)
				if _, err := s.Write(plain); err != nil {
					b.Fatal(err)
				}
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkOpen reads an object through a Reader with io.Copy's 32 KiB buffer, as a
// response is written.
func BenchmarkOpen(b *testing.B) {
	for _, bs := range benchSizes {
		b.Run(bs.name, func(b *testing.B) {
			o := sealObject(b, bs.n)
			b.SetBytes(int64(bs.n))
			for b.Loop() {
				r := sse.NewReader(sse.NewOpener(bytes.NewReader(o.data), o.dek, o.segs), io.NopCloser(nil))
				if _, err := io.Copy(io.Discard, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
