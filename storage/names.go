package storage

import (
	"strings"
	"unicode/utf8"
)

// Prefixes and suffixes AWS reserves for its own bucket names.
var (
	reservedBucketPrefixes = []string{"xn--", "sthree-", "amzn-s3-demo-"}
	reservedBucketSuffixes = []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}
)

// ValidBucketName reports whether name follows S3's general-purpose bucket naming rules:
// 3 to 63 characters of lowercase letters, digits, dots and hyphens, beginning and ending with
// a letter or digit, with no ".." ".-" or "-.", not shaped like an IPv4 address, and free of
// the prefixes and suffixes AWS reserves.
func ValidBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	if !isLowerAlnum(name[0]) || !isLowerAlnum(name[len(name)-1]) {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case isLowerAlnum(c):
		case c == '.' || c == '-':
			// The last byte is alphanumeric, so name[i+1] exists.
			if c == '.' && (name[i+1] == '.' || name[i+1] == '-') || c == '-' && name[i+1] == '.' {
				return false
			}
		default:
			return false
		}
	}
	if looksLikeIPv4(name) {
		return false
	}
	for _, p := range reservedBucketPrefixes {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	for _, s := range reservedBucketSuffixes {
		if strings.HasSuffix(name, s) {
			return false
		}
	}
	return true
}

func isLowerAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

// looksLikeIPv4 reports whether s is four dot-separated runs of digits.
func looksLikeIPv4(s string) bool {
	groups := strings.Split(s, ".")
	if len(groups) != 4 {
		return false
	}
	for _, g := range groups {
		if g == "" {
			return false
		}
		for i := 0; i < len(g); i++ {
			if g[i] < '0' || g[i] > '9' {
				return false
			}
		}
	}
	return true
}

// ValidateKey checks an object key: ErrKeyTooLong beyond MaxKeyLength bytes, ErrInvalidKey
// when empty or not valid UTF-8.
func ValidateKey(key string) error {
	switch {
	case len(key) > MaxKeyLength:
		return ErrKeyTooLong
	case key == "" || !utf8.ValidString(key):
		return ErrInvalidKey
	}
	return nil
}
