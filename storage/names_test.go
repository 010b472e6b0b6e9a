package storage_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/storage"
)

func TestValidBucketName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"abc", true},
		{"my-bucket", true},
		{"my.bucket.name", true},
		{"0bucket9", true},
		{strings.Repeat("a", 63), true},
		{"a-b.c-d", true},
		{"192.168.5.4x", true},
		{"1.2.3", true},
		{"xn-bucket", true},
		{"bucket-s3alia", true},

		{"ab", false},
		{strings.Repeat("a", 64), false},
		{"", false},
		{"MyBucket", false},
		{"my_bucket", false},
		{"my bucket", false},
		{"-bucket", false},
		{"bucket-", false},
		{".bucket", false},
		{"bucket.", false},
		{"my..bucket", false},
		{"my.-bucket", false},
		{"my-.bucket", false},
		{"192.168.5.4", false},
		{"1.2.3.4", false},
		{"xn--bucket", false},
		{"sthree-bucket", false},
		{"amzn-s3-demo-bucket", false},
		{"bucket-s3alias", false},
		{"bucket--ol-s3", false},
		{"bucket.mrap", false},
		{"bucket--x-s3", false},
		{"bucket--table-s3", false},
		{"bücket", false},
		{"buck\x00et", false},
	}
	for _, tt := range tests {
		if got := storage.ValidBucketName(tt.name); got != tt.ok {
			t.Errorf("ValidBucketName(%q) = %v, want %v", tt.name, got, tt.ok)
		}
	}
}

func TestValidateKey(t *testing.T) {
	tests := []struct {
		key  string
		want error
	}{
		{"a", nil},
		{"../../etc/passwd", nil},
		{"with\x00nul", nil},
		{"日本語/キー", nil},
		{strings.Repeat("k", storage.MaxKeyLength), nil},
		{strings.Repeat("é", storage.MaxKeyLength/2), nil},
		{strings.Repeat("k", storage.MaxKeyLength+1), storage.ErrKeyTooLong},
		{"", storage.ErrInvalidKey},
		{"bad\xffutf8", storage.ErrInvalidKey},
	}
	for _, tt := range tests {
		if err := storage.ValidateKey(tt.key); !errors.Is(err, tt.want) {
			t.Errorf("ValidateKey(%.20q) = %v, want %v", tt.key, err, tt.want)
		}
	}
}

// referenceBucketName restates the naming rules as regular expressions, independently of the
// byte-scanning implementation.
var (
	refShape    = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	refBadPairs = regexp.MustCompile(`\.\.|\.-|-\.`)
	refIPv4     = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$`)
	refReserved = regexp.MustCompile(`^(xn--|sthree-|amzn-s3-demo-)|(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$`)
)

func referenceBucketName(s string) bool {
	return refShape.MatchString(s) && !refBadPairs.MatchString(s) && !refIPv4.MatchString(s) && !refReserved.MatchString(s)
}

func FuzzValidBucketName(f *testing.F) {
	for _, s := range []string{"abc", "a.b-c", "1.2.3.4", "xn--a", "a--x-s3", "a..b", "A", "ab.", strings.Repeat("z", 63)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := storage.ValidBucketName(s), referenceBucketName(s); got != want {
			t.Errorf("ValidBucketName(%q) = %v, reference says %v", s, got, want)
		}
	})
}
