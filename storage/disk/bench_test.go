package disk_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/disk"
	"github.com/doorman-s3/doorman/storage/storagetest"
)

var benchSizes = []struct {
	name string
	size int
}{{"4KiB", 4 << 10}, {"1MiB", 1 << 20}}

// benchEncryptions are the encryptions of the rows of BenchmarkPut and BenchmarkGet: none,
// and SSE-S3, which S3 clients get by default.
var benchEncryptions = []struct {
	name string
	enc  storage.Encryption
}{{"plain", storage.Encryption{}}, {"sse-s3", sseS3}}

// BenchmarkPut writes over 64 keys. The versioned row keeps every version it writes (the
// previous latest moves among the others in the same transaction), so it writes only the
// smaller size, to bound the disk it fills.
func BenchmarkPut(b *testing.B) {
	for _, e := range benchEncryptions {
		for _, sz := range benchSizes {
			b.Run(e.name+"/size="+sz.name, func(b *testing.B) { benchPut(b, sz.size, "", e.enc) })
		}
	}
	b.Run("versioned/size="+benchSizes[0].name, func(b *testing.B) { benchPut(b, benchSizes[0].size, storage.VersioningEnabled, storage.Encryption{}) })
}

func benchPut(b *testing.B, size int, versioning string, enc storage.Encryption) {
	s, _ := openWithBucket(b)
	if versioning != "" {
		if err := s.PutBucketVersioning(ctx, "bkt", versioning); err != nil {
			b.Fatal(err)
		}
	}
	body := bytes.Repeat([]byte("x"), size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.PutObject(ctx, "bkt", fmt.Sprintf("key-%d", i%64), bytes.NewReader(body), storage.PutObjectOptions{Size: int64(len(body)), Encryption: enc}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// benchPlacements are where the 4 KiB objects of BenchmarkPutParallel and BenchmarkGet keep
// their data: in meta.db, as by default, and in a file, as a larger object does.
var benchPlacements = []struct {
	name string
	opts []disk.Option
}{{"inline", nil}, {"files", []disk.Option{inFiles}}}

// BenchmarkPutParallel writes 4 KiB objects from 8 goroutines, over 64 keys each.
func BenchmarkPutParallel(b *testing.B) {
	for _, p := range benchPlacements {
		b.Run("placement="+p.name, func(b *testing.B) {
			s, _ := openWithBucket(b, p.opts...)
			body := bytes.Repeat([]byte("x"), 4<<10)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := s.PutObject(ctx, "bkt", fmt.Sprintf("key-%p-%d", pb, i%64), bytes.NewReader(body), storage.PutObjectOptions{Size: int64(len(body))}); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
	}
}

func BenchmarkGet(b *testing.B) {
	for _, e := range benchEncryptions {
		for _, sz := range benchSizes {
			b.Run(e.name+"/size="+sz.name, func(b *testing.B) { benchGet(b, sz.size, e.enc) })
		}
		b.Run(e.name+"/size=4KiB/placement=files", func(b *testing.B) { benchGet(b, 4<<10, e.enc, inFiles) })
	}
}

func benchGet(b *testing.B, size int, enc storage.Encryption, opts ...disk.Option) {
	s, _ := openWithBucket(b, opts...)
	body := bytes.Repeat([]byte("x"), size)
	if _, err := s.PutObject(ctx, "bkt", "k", bytes.NewReader(body), storage.PutObjectOptions{Size: int64(size), Encryption: enc}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		r, _, err := s.GetObject(ctx, "bkt", "k", storage.ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}

func BenchmarkList(b *testing.B) {
	s, _ := openWithBucket(b)
	for i := 0; i < 2000; i++ {
		storagetest.Put(b, s, "bkt", fmt.Sprintf("dir%02d/obj%05d", i%20, i), []byte("x"))
	}
	for _, tc := range []struct {
		name string
		opts storage.ListObjectsOptions
	}{
		{"keys=1000", storage.ListObjectsOptions{MaxKeys: 1000}},
		{"delimiter", storage.ListObjectsOptions{Delimiter: "/", MaxKeys: 1000}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.ListObjects(ctx, "bkt", tc.opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
