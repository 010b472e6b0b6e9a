package awsxml_test

import (
	"encoding/xml"
	"testing"

	"github.com/doorman-s3/doorman/internal/awsxml"
	"github.com/doorman-s3/doorman/storage"
)

// Each algorithm has its element: what Set writes, Get reads back, and the XML names it as S3
// does (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Part.html).
func TestChecksums(t *testing.T) {
	for alg, element := range map[storage.ChecksumAlgorithm]string{
		storage.ChecksumCRC32: "ChecksumCRC32", storage.ChecksumCRC32C: "ChecksumCRC32C",
		storage.ChecksumCRC64NVME: "ChecksumCRC64NVME", storage.ChecksumSHA1: "ChecksumSHA1",
		storage.ChecksumSHA256: "ChecksumSHA256",
	} {
		var c awsxml.Checksums
		c.Set(alg, "v")
		if got, v := c.Get(); got != alg || v != "v" {
			t.Errorf("%s: Get = %s %q", alg, got, v)
		}
		doc, err := xml.Marshal(struct {
			XMLName xml.Name `xml:"Part"`
			awsxml.Checksums
		}{Checksums: c})
		if want := "<Part><" + element + ">v</" + element + "></Part>"; err != nil || string(doc) != want {
			t.Errorf("%s: %s %v, want %s", alg, doc, err, want)
		}
	}
	var none awsxml.Checksums
	none.Set("MD5", "v")
	if alg, v := none.Get(); alg != "" || v != "" {
		t.Errorf("an algorithm without an element set %s %q", alg, v)
	}
}
