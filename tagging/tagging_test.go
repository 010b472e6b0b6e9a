package tagging_test

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/tagging"
)

var (
	doc  = s3test.TaggingDocument
	many = s3test.TagPairs
)

// The limits and errors of https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html
// and CostAllocTagging.html, with the answers S3 was recorded to give (see the package's errors).
func TestParseXML(t *testing.T) {
	k128, v256 := strings.Repeat("k", 128), strings.Repeat("v", 256)
	// U+20000, a letter, is two UTF-16 code units: 64 of them make a key of 128.
	wide := strings.Repeat("\U00020000", 64)
	tests := []struct {
		name string
		body string
		max  int
		want string // Encode of the result
		err  error
	}{
		{"one tag", doc("a", "b"), tagging.MaxObjectTags, "a=b", nil},
		{"sorted by key", doc("z", "1", "a", "2"), tagging.MaxObjectTags, "a=2&z=1", nil},
		{"empty set", doc(), tagging.MaxObjectTags, "", nil},
		{"empty value", doc("a", ""), tagging.MaxObjectTags, "a=", nil},
		{"namespace", `<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>`, tagging.MaxObjectTags, "a=b", nil},
		{"allowed symbols and space", doc("a b_.:/=+@-", "é 9"), tagging.MaxObjectTags, "a+b_.%3A%2F%3D%2B%40-=%C3%A9+9", nil},
		{"longest key and value", doc(k128, v256), tagging.MaxObjectTags, k128 + "=" + v256, nil},
		{"key of 128 UTF-16 units", doc(wide, ""), tagging.MaxObjectTags, strings.Repeat("%F0%A0%80%80", 64) + "=", nil},
		{"10 tags", doc(many(10)...), tagging.MaxObjectTags, "", nil},
		{"50 bucket tags", doc(many(50)...), tagging.MaxBucketTags, "", nil},
		{"11 object tags", doc(many(11)...), tagging.MaxObjectTags, "", tagging.ErrTooManyObjectTags},
		{"51 bucket tags", doc(many(51)...), tagging.MaxBucketTags, "", tagging.ErrTooManyBucketTags},
		{"key too long", doc(k128+"k", "v"), tagging.MaxObjectTags, "", tagging.ErrInvalidKey},
		{"key too long in UTF-16", doc(wide+"k", "v"), tagging.MaxObjectTags, "", tagging.ErrInvalidKey},
		{"empty key", doc("", "v"), tagging.MaxObjectTags, "", tagging.ErrInvalidKey},
		{"key character", doc("a,b", "v"), tagging.MaxObjectTags, "", tagging.ErrInvalidKey},
		{"emoji, a symbol", doc("\U0001F600", "v"), tagging.MaxObjectTags, "", tagging.ErrInvalidKey},
		{"value too long", doc("k", v256+"v"), tagging.MaxObjectTags, "", tagging.ErrInvalidValue},
		{"value character", doc("k", "a*b"), tagging.MaxObjectTags, "", tagging.ErrInvalidValue},
		{"aws: prefix", doc("aws:cloudformation", "v"), tagging.MaxObjectTags, "", tagging.ErrReservedKey},
		{"aws: prefix on a bucket", doc("aws:cloudformation", "v"), tagging.MaxBucketTags, "", tagging.ErrReservedBucketKey},
		{"aws: inside a key", doc("something:aws:stuff", "v"), tagging.MaxBucketTags, "something%3Aaws%3Astuff=v", nil},
		{"duplicate key", doc("a", "1", "a", "2"), tagging.MaxObjectTags, "", tagging.ErrDuplicateKey},
		{"no TagSet", "<Tagging></Tagging>", tagging.MaxObjectTags, "", tagging.ErrMalformedXML},
		{"no Key", "<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>", tagging.MaxObjectTags, "", tagging.ErrMalformedXML},
		{"no Value", "<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>", tagging.MaxObjectTags, "", tagging.ErrMalformedXML},
		{"other root", "<TagSet></TagSet>", tagging.MaxObjectTags, "", tagging.ErrMalformedXML},
		{"not XML", "a=b", tagging.MaxObjectTags, "", tagging.ErrMalformedXML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := tagging.ParseXML([]byte(tt.body), tt.max)
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err == nil && tt.want != "" && set.Encode() != tt.want {
				t.Errorf("Encode = %q, want %q", set.Encode(), tt.want)
			}
		})
	}
}

// The x-amz-tagging header: a query string (API_PutObject.html), checked as a document is,
// with S3's InvalidArgument for one that is not a query of distinct names
// (github.com/aws/aws-cli/issues/2841).
func TestParseHeader(t *testing.T) {
	tests := []struct {
		header string
		want   string
		err    error
	}{
		{"tag1=value1&tag2=value2", "tag1=value1&tag2=value2", nil},
		{"", "", nil},
		{"foo=bar&bar", "bar=&foo=bar", nil}, // ceph/s3-tests' test_put_obj_with_tags
		{"a%20b=c+d", "a+b=c+d", nil},
		{"k=%3D", "k=%3D", nil},
		{"a=1&&b=2", "a=1&b=2", nil},
		{"TagSet=[{Key=string,Value=string}]", "", tagging.ErrHeader},
		{"a=1&a=2", "", tagging.ErrHeader},
		{"a=%zz", "", tagging.ErrHeader},
		{"a=%ff", "", tagging.ErrHeader},
		{"TagSet%3D%5B%7BKey%3Dstring%2CValue%3Dstring%7D%5D", "", tagging.ErrInvalidKey},
		{"=v", "", tagging.ErrInvalidKey},
		{"aws:k=v", "", tagging.ErrReservedKey},
		{strings.Repeat("a", 129) + "=v", "", tagging.ErrInvalidKey},
		{"k=" + strings.Repeat("v", 257), "", tagging.ErrInvalidValue},
		{strings.Join(many(11), "="), "", tagging.ErrHeader}, // "key0=v=key1=...": raw "=" in a value
		{headerOf(11), "", tagging.ErrTooManyObjectTags},
		{headerOf(10), headerOf(10), nil},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			set, err := tagging.ParseHeader(tt.header)
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err == nil && set.Encode() != tt.want {
				t.Errorf("Encode = %q, want %q", set.Encode(), tt.want)
			}
		})
	}
}

// headerOf is an x-amz-tagging header of n tags in key order.
func headerOf(n int) string { return s3test.TaggingHeader(many(n)...) }

// The stored form reads back as the set it was written from, and counts its tags.
func TestEncodeDecode(t *testing.T) {
	for _, h := range []string{"", "a=b", "a%3D=%3D%2B&b=", headerOf(10), "%C3%A9+x=%F0%A0%80%80"} {
		set, err := tagging.ParseHeader(h)
		if err != nil {
			t.Fatalf("%q: %v", h, err)
		}
		stored := set.Encode()
		back, err := tagging.Decode(stored)
		if err != nil || back.Encode() != stored || len(back) != len(set) || tagging.Count(stored) != len(set) {
			t.Errorf("%q: stored %q reads back as %v, %v, count %d", h, stored, back, err, tagging.Count(stored))
		}
	}
}

// A damaged stored form is an error, never the tags that still decode: a policy deciding by
// a tag must not see a set without it.
func TestDecodeDamaged(t *testing.T) {
	for _, stored := range []string{"a=1&b", "a=1&", "&a=1", "a=%ZZ", "%G1=1&b=2", "a=1&&b=2"} {
		if set, err := tagging.Decode(stored); err == nil {
			t.Errorf("%q decodes as %v", stored, set)
		}
	}
}

// GetObjectTagging's document: S3's namespace, and an empty TagSet element for no tags
// (API_GetObjectTagging.html).
func TestXML(t *testing.T) {
	tests := []struct {
		stored, want string
	}{
		{"", `<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet></TagSet></Tagging>`},
		{"a=1&b%26=%3C", `<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b&amp;</Key><Value>&lt;</Value></Tag></TagSet></Tagging>`},
	}
	for _, tt := range tests {
		set, err := tagging.Decode(tt.stored)
		if err != nil {
			t.Fatalf("%q: %v", tt.stored, err)
		}
		b, err := xml.Marshal(set.XML())
		if err != nil || string(b) != tt.want {
			t.Errorf("%q: %s %v, want %s", tt.stored, b, err, tt.want)
		}
	}
}
