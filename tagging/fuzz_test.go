package tagging_test

import (
	"testing"

	"github.com/doorman-s3/doorman/tagging"
)

// A document or header that parses is a valid set: within the limits, sorted, no key twice,
// and its stored form reads back as itself.
func checkSet(t *testing.T, set tagging.Set, max int) {
	if len(set) > max {
		t.Fatalf("%d tags, limit %d", len(set), max)
	}
	for i := 1; i < len(set); i++ {
		if set[i-1].Key >= set[i].Key {
			t.Fatalf("not sorted or a key twice: %v", set)
		}
	}
	stored := set.Encode()
	if back, err := tagging.Decode(stored); err != nil || back.Encode() != stored || tagging.Count(stored) != len(set) {
		t.Fatalf("stored %q reads back as %v, %v", stored, back, err)
	}
	if _, err := tagging.ParseHeader(stored); err != nil && len(set) <= tagging.MaxObjectTags {
		t.Fatalf("stored form %q is not a valid header: %v", stored, err)
	}
}

func FuzzParseXML(f *testing.F) {
	f.Add([]byte(doc("a", "b", "c", "")))
	f.Add([]byte(doc(many(11)...)))
	f.Add([]byte("<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		if set, err := tagging.ParseXML(body, tagging.MaxBucketTags); err == nil {
			checkSet(t, set, tagging.MaxBucketTags)
		}
	})
}

func FuzzParseHeader(f *testing.F) {
	f.Add("tag1=value1&tag2=value2")
	f.Add("foo=bar&bar")
	f.Add("a%20b=c+d&=&a=%zz")
	f.Fuzz(func(t *testing.T, h string) {
		if set, err := tagging.ParseHeader(h); err == nil {
			checkSet(t, set, tagging.MaxObjectTags)
		}
	})
}
