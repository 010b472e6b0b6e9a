package disk

import (
	"encoding/base64"
	"fmt"
	"hash"
	"strings"

	"github.com/doorman-s3/doorman/storage"
)

// newChecksum returns a hash for alg, nil for no algorithm, or ErrInvalidChecksum.
func newChecksum(alg storage.ChecksumAlgorithm) (hash.Hash, error) {
	switch {
	case alg == "":
		return nil, nil
	case !alg.Valid():
		return nil, fmt.Errorf("%w: unknown algorithm %q", storage.ErrInvalidChecksum, alg)
	}
	return alg.New(), nil
}

// multipartChecksumType validates an upload's algorithm and type and fills in the default type.
func multipartChecksumType(alg storage.ChecksumAlgorithm, typ storage.ChecksumType) (storage.ChecksumType, error) {
	if alg != "" && !alg.Valid() {
		return "", fmt.Errorf("%w: unknown algorithm %q", storage.ErrInvalidChecksum, alg)
	}
	full := alg == storage.ChecksumCRC64NVME
	switch {
	case alg == "" && typ == "":
		return "", nil
	case alg == "":
		return "", fmt.Errorf("%w: checksum type without algorithm", storage.ErrInvalidChecksum)
	case typ == "" && full, typ == storage.ChecksumFullObject && alg != storage.ChecksumSHA1 && alg != storage.ChecksumSHA256:
		return storage.ChecksumFullObject, nil
	case typ == "" || typ == storage.ChecksumComposite && !full:
		return storage.ChecksumComposite, nil
	}
	return "", fmt.Errorf("%w: %s does not support type %q", storage.ErrInvalidChecksum, alg, typ)
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// verifySum compares a computed digest with an expected base64 value.
func verifySum(alg storage.ChecksumAlgorithm, got []byte, want string) error {
	if want != "" && b64(got) != want {
		return &storage.ChecksumMismatchError{Algorithm: alg}
	}
	return nil
}

// trimETag strips the quotes HTTP puts around an ETag.
func trimETag(s string) string { return strings.Trim(s, `"`) }
