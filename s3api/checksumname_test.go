package s3api

import (
	"net/http"
	"testing"

	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

// A backend may name a checksum algorithm in any letter case: the mismatch error and the
// checksum header are those of the algorithm, whatever the case.
func TestChecksumAlgorithmNameCase(t *testing.T) {
	for _, c := range []struct {
		alg     storage.ChecksumAlgorithm
		header  string
		message string
	}{
		{"CRC32", "X-Amz-Checksum-Crc32", "The CRC32 you specified did not match the calculated checksum."},
		{"crc32", "X-Amz-Checksum-Crc32", "The CRC32 you specified did not match the calculated checksum."},
		{"Sha256", "X-Amz-Checksum-Sha256", "The SHA256 you specified did not match the calculated checksum."},
		{"MD5", "", s3err.BadDigest.Message},
	} {
		h := http.Header{}
		writeChecksumHeader(h, storage.Checksum{Algorithm: c.alg, Value: "v", Type: "FULL_OBJECT"})
		if got := h.Get(c.header); c.header != "" && got != "v" || c.header == "" && len(h) != 0 {
			t.Errorf("%s: headers %v, want %s: v", c.alg, h, c.header)
		}
		if se, _ := toS3Error(&storage.ChecksumMismatchError{Algorithm: c.alg}); se.Code != "BadDigest" || se.Message != c.message {
			t.Errorf("%s: error %v, want BadDigest: %s", c.alg, se, c.message)
		}
	}
}
