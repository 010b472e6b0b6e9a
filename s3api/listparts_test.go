package s3api_test

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
)

const pageListParts = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html"

// ListParts names the upload's checksum algorithm and type, and each part's checksum in the
// element of that algorithm (API_ListParts.html: ChecksumAlgorithm, ChecksumType and the
// Part's ChecksumCRC32...); an upload without an algorithm lists none of them.
func TestListPartsChecksums(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	c := srv.Client
	c.Must(t, 200, s3test.Request{Method: "PUT", Path: "/listparts", As: s3test.Owner})
	parts := [][]byte{[]byte("the first part"), []byte("the second part")}
	for _, tc := range []struct {
		name     string
		create   http.Header
		alg, typ string
		sums     bool
	}{
		{"CRC32", hdr("X-Amz-Checksum-Algorithm", "CRC32"), "CRC32", "COMPOSITE", true},
		{"CRC32-FULL_OBJECT", hdr("X-Amz-Checksum-Algorithm", "CRC32", "X-Amz-Checksum-Type", "FULL_OBJECT"), "CRC32", "FULL_OBJECT", true},
		{"none", http.Header{}, "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var up struct {
				UploadID string `xml:"UploadId"`
			}
			if err := xml.Unmarshal(c.Must(t, 200, s3test.Request{Method: "POST", Path: "/listparts/" + tc.name + "?uploads", Header: tc.create, As: s3test.Owner}), &up); err != nil {
				t.Fatal(err)
			}
			path := "/listparts/" + tc.name + "?uploadId=" + up.UploadID
			for i, p := range parts {
				h := http.Header{}
				if tc.sums {
					h.Set("X-Amz-Checksum-Crc32", crc32Of(p))
				}
				c.Must(t, 200, s3test.Request{Method: "PUT", Path: path + "&partNumber=" + strconv.Itoa(i+1), Header: h, Body: p, As: s3test.Owner})
			}
			var res struct {
				ChecksumAlgorithm string `xml:"ChecksumAlgorithm"`
				ChecksumType      string `xml:"ChecksumType"`
				Parts             []struct {
					PartNumber     int    `xml:"PartNumber"`
					ChecksumCRC32  string `xml:"ChecksumCRC32"`
					ChecksumSHA256 string `xml:"ChecksumSHA256"`
				} `xml:"Part"`
			}
			if err := xml.Unmarshal(c.Must(t, 200, s3test.Request{Method: "GET", Path: path, As: s3test.Owner}), &res); err != nil {
				t.Fatal(err)
			}
			if res.ChecksumAlgorithm != tc.alg || res.ChecksumType != tc.typ {
				t.Errorf("ListParts (%s): ChecksumAlgorithm %q, ChecksumType %q; want %q, %q", pageListParts, res.ChecksumAlgorithm, res.ChecksumType, tc.alg, tc.typ)
			}
			if len(res.Parts) != len(parts) {
				t.Fatalf("ListParts: %d parts, want %d", len(res.Parts), len(parts))
			}
			for i, p := range res.Parts {
				want := ""
				if tc.sums {
					want = crc32Of(parts[i])
				}
				if p.PartNumber != i+1 || p.ChecksumCRC32 != want || p.ChecksumSHA256 != "" {
					t.Errorf("ListParts (%s): part %d with ChecksumCRC32 %q (SHA256 %q); want part %d with %q", pageListParts, p.PartNumber, p.ChecksumCRC32, p.ChecksumSHA256, i+1, want)
				}
			}
		})
	}
}
