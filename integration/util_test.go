package integration

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"strconv"
	"strings"
	"testing"
)

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func md5Base64(b []byte) string {
	s := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

// s3Error is the body of an S3 error response.
type s3Error struct {
	Code         string `xml:"Code"`
	Message      string `xml:"Message"`
	Method       string `xml:"Method"`
	ResourceType string `xml:"ResourceType"`
	BucketName   string `xml:"BucketName"`
	// Authentication errors.
	ArgumentName   string `xml:"ArgumentName"`
	ArgumentValue  string `xml:"ArgumentValue"`
	Region         string `xml:"Region"`
	MaxSizeAllowed string `xml:"MaxSizeAllowed"`
	RequestID      string `xml:"RequestId"`
	HostID         string `xml:"HostId"`
}

func parseError(t testing.TB, body []byte) s3Error {
	t.Helper()
	var e s3Error
	if err := xml.Unmarshal(body, &e); err != nil {
		t.Fatalf("not an S3 error body: %v\n%s", err, body)
	}
	return e
}

// bucketName makes a valid, unique bucket name from a test name.
func bucketName(prefix string, i int) string {
	r := strings.NewReplacer("/", "-", "_", "-", ".", "-")
	name := strings.ToLower(r.Replace(prefix))
	if len(name) > 50 {
		name = name[:50]
	}
	return strings.Trim(name, "-") + "-" + strconv.Itoa(i)
}
