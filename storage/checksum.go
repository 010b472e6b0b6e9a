package storage

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
)

// ChecksumAlgorithm is an S3 additional-checksum algorithm, named as S3 spells it in
// x-amz-checksum-algorithm. The empty string means none. It is the one definition the protocol
// layer and every backend share, with the hashes that compute it, so that a backend needs no
// table of its own (see
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html).
type ChecksumAlgorithm string

// The checksum algorithms S3 supports.
const (
	ChecksumCRC32     ChecksumAlgorithm = "CRC32"
	ChecksumCRC32C    ChecksumAlgorithm = "CRC32C"
	ChecksumCRC64NVME ChecksumAlgorithm = "CRC64NVME"
	ChecksumSHA1      ChecksumAlgorithm = "SHA1"
	ChecksumSHA256    ChecksumAlgorithm = "SHA256"
)

// ChecksumAlgorithms lists every supported algorithm, in the order AWS lists them.
var ChecksumAlgorithms = []ChecksumAlgorithm{ChecksumCRC32, ChecksumCRC32C, ChecksumCRC64NVME, ChecksumSHA1, ChecksumSHA256}

// crc64NVMEPoly is the NVMe polynomial 0xad93d23594c93659 bit-reversed, the form
// hash/crc64.MakeTable takes.
const crc64NVMEPoly = 0x9a6c9329ac4bc9b5

var (
	crc32cTable    = crc32.MakeTable(crc32.Castagnoli)
	crc64NVMETable = crc64.MakeTable(crc64NVMEPoly)
)

// Valid reports whether a is one of the supported algorithms.
func (a ChecksumAlgorithm) Valid() bool { return a.Size() != 0 }

// Size is the length of the algorithm's raw digest in bytes, 0 for an unsupported algorithm.
func (a ChecksumAlgorithm) Size() int {
	switch a {
	case ChecksumCRC32, ChecksumCRC32C:
		return crc32.Size
	case ChecksumCRC64NVME:
		return crc64.Size
	case ChecksumSHA1:
		return sha1.Size
	case ChecksumSHA256:
		return sha256.Size
	}
	return 0
}

// New returns a fresh hash computing the algorithm; it panics for an unsupported algorithm.
// Its Sum is the big-endian digest that S3 carries, base64-encoded, for all five algorithms.
func (a ChecksumAlgorithm) New() hash.Hash {
	switch a {
	case ChecksumCRC32:
		return crc32.NewIEEE()
	case ChecksumCRC32C:
		return crc32.New(crc32cTable)
	case ChecksumCRC64NVME:
		return crc64.New(crc64NVMETable)
	case ChecksumSHA1:
		return sha1.New()
	case ChecksumSHA256:
		return sha256.New()
	}
	panic("storage: unsupported checksum algorithm " + string(a))
}

// Sum returns the base64 checksum of data, as S3 carries it.
func (a ChecksumAlgorithm) Sum(data []byte) string {
	h := a.New()
	h.Write(data)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// Decode returns the digest carried by value if it is the base64 encoding of exactly a.Size()
// bytes.
func (a ChecksumAlgorithm) Decode(value string) ([]byte, bool) {
	if !a.Valid() || len(value) != base64.StdEncoding.EncodedLen(a.Size()) {
		return nil, false
	}
	sum, err := base64.StdEncoding.DecodeString(value)
	return sum, err == nil && len(sum) == a.Size()
}

// ChecksumType tells how a multipart object's checksum was formed.
type ChecksumType string

// The checksum types. A COMPOSITE checksum is the checksum of the parts' binary checksums
// followed by "-N"; a FULL_OBJECT checksum covers the object's bytes.
const (
	ChecksumFullObject ChecksumType = "FULL_OBJECT"
	ChecksumComposite  ChecksumType = "COMPOSITE"
)

// Checksum is an object's additional checksum. The zero value means none.
type Checksum struct {
	Algorithm ChecksumAlgorithm
	Value     string // base64
	Type      ChecksumType
}
