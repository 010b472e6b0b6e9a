package checksum

import (
	"crypto/md5"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/s3api/internal/s3err"
)

func TestNames(t *testing.T) {
	for _, a := range Algorithms {
		if got, ok := ParseAlgorithm(strings.ToLower(string(a))); !ok || got != a {
			t.Errorf("ParseAlgorithm(%s) = %v %v", a, got, ok)
		}
		if got, ok := ForHeader(http.CanonicalHeaderKey(Header(a))); !ok || got != a {
			t.Errorf("ForHeader(%s) = %v %v", Header(a), got, ok)
		}
	}
	if a, ok := ParseAlgorithm("MD5"); ok {
		t.Errorf("MD5 parsed as %v", a)
	}
	if _, ok := ForHeader("x-amz-checksum-type"); ok {
		t.Error("x-amz-checksum-type taken for a checksum")
	}
	if Header("") != "" || Header("MD5") != "" {
		t.Error("invalid algorithm has a name")
	}
}

func TestFromHeader(t *testing.T) {
	crc := CRC32.Sum([]byte("x"))
	cases := []struct {
		name    string
		h       http.Header
		want    Checksum
		message string
	}{
		{"none", http.Header{"X-Amz-Checksum-Type": {"FULL_OBJECT"}, "X-Amz-Checksum-Mode": {"ENABLED"}}, Checksum{}, ""},
		{"crc32", http.Header{"X-Amz-Checksum-Crc32": {crc}}, Checksum{CRC32, crc}, ""},
		{"with the sdk algorithm", http.Header{"X-Amz-Checksum-Crc32": {crc}, "X-Amz-Sdk-Checksum-Algorithm": {"crc32"}}, Checksum{CRC32, crc}, ""},
		{"trailer announced", http.Header{"X-Amz-Sdk-Checksum-Algorithm": {"CRC64NVME"}, "X-Amz-Trailer": {"x-amz-checksum-crc64nvme"}}, Checksum{}, ""},
		{"two checksums", http.Header{"X-Amz-Checksum-Crc32": {crc}, "X-Amz-Checksum-Sha1": {SHA1.Sum(nil)}}, Checksum{},
			"Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."},
		{"invalid value", http.Header{"X-Amz-Checksum-Sha256": {crc}}, Checksum{}, "Value for x-amz-checksum-sha256 header is invalid."},
		{"unknown sdk algorithm", http.Header{"X-Amz-Sdk-Checksum-Algorithm": {"MD5"}}, Checksum{}, "Value for x-amz-sdk-checksum-algorithm header is invalid."},
		{"sdk algorithm without checksum", http.Header{"X-Amz-Sdk-Checksum-Algorithm": {"SHA1"}, "X-Amz-Checksum-Crc32": {crc}}, Checksum{},
			"x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found."},
	}
	for _, c := range cases {
		got, err := FromHeader(c.h)
		var e *s3err.Error
		switch {
		case c.message == "" && (err != nil || got != c.want):
			t.Errorf("%s: %v %v", c.name, got, err)
		case c.message != "" && (!errors.As(err, &e) || e.Code != "InvalidRequest" || e.Message != c.message):
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if a, err := ParseTrailer(" x-amz-checksum-crc32c "); a != CRC32C || err != nil {
		t.Errorf("ParseTrailer: %v %v", a, err)
	}
	if _, err := ParseTrailer("x-amz-meta-a"); err == nil {
		t.Error("ParseTrailer accepted a header that is not a checksum")
	}
}

func TestReaders(t *testing.T) {
	body := strings.Repeat("body ", 1000)
	sum := md5.Sum([]byte(body))
	right, err := ContentMD5(Encode(sum[:]))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"not base64!", Encode([]byte("short"))} {
		if _, err := ContentMD5(bad); err != s3err.InvalidDigest {
			t.Errorf("ContentMD5(%q): %v", bad, err)
		}
	}
	if sum, err := ContentMD5(""); sum != nil || err != nil {
		t.Errorf("empty Content-MD5: %v %v", sum, err)
	}
	read := func(r io.Reader) error {
		_, err := io.ReadAll(r)
		return err
	}
	if err := read(NewMD5Reader(strings.NewReader(body), right)); err != nil {
		t.Errorf("matching MD5: %v", err)
	}
	if err := read(NewMD5Reader(strings.NewReader(body+"x"), right)); err != s3err.BadDigest {
		t.Errorf("changed body: %v", err)
	}

	c := Checksum{CRC64NVME, CRC64NVME.Sum([]byte(body))}
	if err := read(NewChecksumReader(strings.NewReader(body), c)); err != nil {
		t.Errorf("matching checksum: %v", err)
	}
	err = read(NewChecksumReader(strings.NewReader(body[1:]), c))
	var e *s3err.Error
	if !errors.As(err, &e) || e.Code != "BadDigest" || e.Message != "The CRC64NVME you specified did not match the calculated checksum." {
		t.Errorf("checksum mismatch: %v", err)
	}
}

// The response header of each algorithm is its canonical name; an unknown algorithm has none.
func TestCanonicalHeader(t *testing.T) {
	want := map[Algorithm]string{CRC32: "X-Amz-Checksum-Crc32", CRC32C: "X-Amz-Checksum-Crc32c",
		CRC64NVME: "X-Amz-Checksum-Crc64nvme", SHA1: "X-Amz-Checksum-Sha1", SHA256: "X-Amz-Checksum-Sha256", "MD5": ""}
	for a, w := range want {
		if got := CanonicalHeader(a); got != w {
			t.Errorf("CanonicalHeader(%q) = %q, want %q", a, got, w)
		}
	}
}
