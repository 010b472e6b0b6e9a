package storage_test

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"testing"

	"github.com/doorman-s3/doorman/storage"
)

// The catalogued check values of each algorithm over "123456789" (for the CRCs, CRC-32/ISO-HDLC,
// CRC-32/ISCSI and CRC-64/NVME of https://reveng.sourceforge.io/crc-catalogue/) and the SHA
// digests of the same input.
func TestChecksumCheckValues(t *testing.T) {
	be := func(n int, v uint64) []byte {
		b := binary.BigEndian.AppendUint64(nil, v)
		return b[8-n:]
	}
	unhex := func(s string) []byte {
		b, _ := hex.DecodeString(s)
		return b
	}
	cases := []struct {
		alg  storage.ChecksumAlgorithm
		want []byte
	}{
		{storage.ChecksumCRC32, be(4, 0xcbf43926)},
		{storage.ChecksumCRC32C, be(4, 0xe3069283)},
		{storage.ChecksumCRC64NVME, be(8, 0xae8b14860a799888)},
		{storage.ChecksumSHA1, unhex("f7c3bc1d808e04732adf679965ccc34ca7ae3441")},
		{storage.ChecksumSHA256, unhex("15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225")},
	}
	if len(cases) != len(storage.ChecksumAlgorithms) {
		t.Fatalf("%d algorithms, %d check values", len(storage.ChecksumAlgorithms), len(cases))
	}
	for i, c := range cases {
		a := c.alg
		want := base64.StdEncoding.EncodeToString(c.want)
		if storage.ChecksumAlgorithms[i] != a {
			t.Errorf("ChecksumAlgorithms[%d] = %s, want %s", i, storage.ChecksumAlgorithms[i], a)
		}
		if got := a.Sum([]byte("123456789")); got != want {
			t.Errorf("%s: %s, want %s", a, got, want)
		}
		if !a.Valid() || a.New().Size() != a.Size() || a.Size() != len(c.want) {
			t.Errorf("%s: valid %v, size %d", a, a.Valid(), a.Size())
		}
		if sum, ok := a.Decode(want); !ok || string(sum) != string(c.want) {
			t.Errorf("%s: Decode(%s) = %x %v", a, want, sum, ok)
		}
	}
}

func TestChecksumDecodeRejects(t *testing.T) {
	crc := storage.ChecksumCRC32.Sum(nil)
	cases := []struct {
		alg   storage.ChecksumAlgorithm
		value string
	}{
		{storage.ChecksumSHA256, crc},              // a digest of another length
		{storage.ChecksumCRC32, "not base64"},      // not base64, right length for nothing
		{storage.ChecksumCRC32, "AAAA!A=="},        // base64 length of 4 bytes, not base64
		{storage.ChecksumCRC32, crc + "AAAA"},      // too long
		{"MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="},        // not an S3 additional checksum
		{"", ""},                                   // no algorithm
		{storage.ChecksumCRC32C, crc[:len(crc)-1]}, // truncated
	}
	for _, c := range cases {
		if sum, ok := c.alg.Decode(c.value); ok {
			t.Errorf("%q.Decode(%q) = %x, accepted", c.alg, c.value, sum)
		}
	}
	for _, a := range []storage.ChecksumAlgorithm{"", "MD5", "crc32"} {
		if a.Valid() || a.Size() != 0 {
			t.Errorf("%q: valid %v, size %d", a, a.Valid(), a.Size())
		}
	}
}
