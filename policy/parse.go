package policy

import "encoding/json"

// MaxSize is the largest policy document accepted: S3's bucket policy limit, 20 KB.
const MaxSize = 20 * 1024

// Parse reads and validates a bucket policy for bucket, with S3's errors.
func Parse(doc []byte, bucket string) (*Policy, error) {
	var p Policy
	if err := json.Unmarshal(doc, &p); err != nil {
		return nil, &Error{Code: "MalformedPolicy", Message: "This policy contains invalid Json"}
	}
	return &p, nil
}
