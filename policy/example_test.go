package policy_test

import (
	"fmt"

	"github.com/doorman-s3/doorman/policy"
)

// A public-read bucket policy, as in
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html.
func ExampleParse() {
	p, err := policy.Parse([]byte(`{
		"Version": "2012-10-17",
		"Statement": {
			"Sid": "PublicRead",
			"Effect": "Allow",
			"Principal": "*",
			"Action": "s3:GetObject",
			"Resource": "arn:aws:s3:::photos/*"
		}
	}`), "photos")
	if err != nil {
		fmt.Println(err)
		return
	}
	canonical, _ := p.MarshalJSON()
	fmt.Println(string(canonical))

	_, err = policy.Parse([]byte(`{"Statement": {"Effect": "Allow", "Principal": "*",
		"Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos"}}`), "photos")
	fmt.Println(err)
	// Output:
	// {"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::photos/*"]}]}
	// MalformedPolicy: Action does not apply to any resource(s) in statement
}
