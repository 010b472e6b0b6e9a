package disk

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/doorman-s3/doorman/storage"
)

// The bounds of the parts of objects of up to MaxPartNumber parts, kept as runs of equal sizes,
// are the sizes' running sums, read from any part on, and ListObjectParts pages them, at most
// MaxListKeys at a time, from any marker.
func TestPartRuns(t *testing.T) {
	s := openBucket(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(9, 9))
	for _, count := range []int{1, 2, 3, 17, storage.MaxPartNumber} {
		t.Run(fmt.Sprint(count, " parts"), func(t *testing.T) {
			// Sizes in few runs, and a few alone, as a client's uploads make them.
			sizes := make([]int64, count)
			var want []storage.ObjectPart
			var sums []string
			offset := int64(0)
			for i := range sizes {
				sizes[i] = storage.MinPartSize
				if rng.IntN(50) == 0 || i == count-1 {
					sizes[i] = rng.Int64N(storage.MinPartSize) + 1
				}
				sums = append(sums, fmt.Sprintf("sum%d", i+1))
				want = append(want, storage.ObjectPart{PartNumber: i + 1, Offset: offset, Size: sizes[i], Checksum: sums[i]})
				offset += sizes[i]
			}
			c := &completion{up: uploadRecord{ChecksumType: storage.ChecksumComposite}}
			for i, n := range sizes {
				c.recs = append(c.recs, partRecord{Size: n, Checksum: sums[i]})
			}
			rec := objectRecord{Size: offset, Parts: count, PartSizes: c.partSizes(), PartChecksums: true}
			if len(rec.PartSizes) > 2+count/10 {
				t.Fatalf("%d runs for %d parts", len(rec.PartSizes), count)
			}
			for _, n := range []int{1, count, rng.IntN(count) + 1} {
				if p, err := rec.part(n, c.partChecksums()); err != nil || p != want[n-1] {
					t.Errorf("part %d = %+v, %v; want %+v", n, p, err, want[n-1])
				}
			}
			key := fmt.Sprint("k", count)
			rec.File = newID()
			err := s.db.Update(func(tx *bolt.Tx) error {
				if err := keepPartChecksums(tx, rec.File, c.partChecksums()); err != nil {
					return err
				}
				return sub(tx, bktObjects, "bkt").Put([]byte(key), encode(rec))
			})
			if err != nil {
				t.Fatal(err)
			}
			var listed []storage.ObjectPart
			first := rng.IntN(count)
			marker := first
			for {
				res, err := s.ListObjectParts(ctx, "bkt", key, storage.ListObjectPartsOptions{PartNumberMarker: marker, MaxParts: storage.MaxPartNumber})
				if err != nil || len(res.Parts) > storage.MaxListKeys {
					t.Fatalf("ListObjectParts after %d: %d parts, %v", marker, len(res.Parts), err)
				}
				listed = append(listed, res.Parts...)
				if !res.IsTruncated {
					break
				}
				marker = res.NextPartNumberMarker
			}
			if !reflect.DeepEqual(listed, want[first:]) {
				t.Errorf("ListObjectParts after part %d listed %d parts, not the %d after it", first, len(listed), count-first)
			}
		})
	}
}
