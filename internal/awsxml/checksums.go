package awsxml

import "github.com/doorman-s3/doorman/storage"

// Checksums are the checksum elements of S3's XML documents (a part of ListParts and
// CompleteMultipartUpload, CopyObjectResult, GetObjectAttributes): at most one is set, the
// element of the checksum's algorithm. The S3 server writes them and the s3 backend reads the
// upstream's, so both name the elements from this one type.
type Checksums struct {
	ChecksumCRC32     string `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string `xml:"ChecksumSHA256,omitempty"`
}

// Set sets the element of alg to v; an algorithm without an element sets nothing.
func (c *Checksums) Set(alg storage.ChecksumAlgorithm, v string) {
	switch alg {
	case storage.ChecksumCRC32:
		c.ChecksumCRC32 = v
	case storage.ChecksumCRC32C:
		c.ChecksumCRC32C = v
	case storage.ChecksumCRC64NVME:
		c.ChecksumCRC64NVME = v
	case storage.ChecksumSHA1:
		c.ChecksumSHA1 = v
	case storage.ChecksumSHA256:
		c.ChecksumSHA256 = v
	}
}

// Get returns the first element set and its algorithm; "", "" when none is.
func (c *Checksums) Get() (storage.ChecksumAlgorithm, string) {
	for _, e := range [...]struct {
		alg storage.ChecksumAlgorithm
		v   string
	}{{storage.ChecksumCRC32, c.ChecksumCRC32}, {storage.ChecksumCRC32C, c.ChecksumCRC32C},
		{storage.ChecksumCRC64NVME, c.ChecksumCRC64NVME}, {storage.ChecksumSHA1, c.ChecksumSHA1}, {storage.ChecksumSHA256, c.ChecksumSHA256}} {
		if e.v != "" {
			return e.alg, e.v
		}
	}
	return "", ""
}
