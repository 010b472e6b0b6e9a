package s3test

import (
	"fmt"
	"strings"
)

// TaggingDocument is the Tagging document of PutObjectTagging and PutBucketTagging holding the
// key/value pairs given, written as given: duplicate or invalid tags included
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Tagging.html).
func TaggingDocument(pairs ...string) string {
	var b strings.Builder
	b.WriteString("<Tagging><TagSet>")
	for i := 0; i+1 < len(pairs); i += 2 {
		fmt.Fprintf(&b, "<Tag><Key>%s</Key><Value>%s</Value></Tag>", pairs[i], pairs[i+1])
	}
	b.WriteString("</TagSet></Tagging>")
	return b.String()
}

// TagPairs is n distinct tags as key/value pairs, k00=v, k01=v, ... in key order.
func TagPairs(n int) []string {
	var pairs []string
	for i := range n {
		pairs = append(pairs, fmt.Sprintf("k%02d", i), "v")
	}
	return pairs
}

// TaggingHeader is the x-amz-tagging header of the key/value pairs given, written as given.
func TaggingHeader(pairs ...string) string {
	var kv []string
	for i := 0; i+1 < len(pairs); i += 2 {
		kv = append(kv, pairs[i]+"="+pairs[i+1])
	}
	return strings.Join(kv, "&")
}
