package policy_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/doorman-s3/doorman/policy"
)

// FuzzParse: Parse never panics, refuses only with an *Error, and whatever it accepts reads back
// equal from its canonical form.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		doc(),
		doc(`"Sid": "s1"`, `"Principal": {"AWS": ["*", "111122223333"], "Service": "s3.amazonaws.com"}`),
		doc(`"NotPrincipal": {"AWS": "arn:aws:iam::111122223333:user/bob"}`, `"Principal": null`),
		doc(`"Action": ["s3:ListBucket", "s3:GetObject"]`, `"Resource": ["arn:aws:s3:::photos", "arn:aws:s3:::photos/*"]`,
			`"Condition": {"StringLike": {"s3:prefix": ["a/*", "b"]}, "IpAddress": {"aws:SourceIp": "192.0.2.0/24"}, "NumericLessThan": {"s3:max-keys": 5}, "Bool": {"aws:SecureTransport": false}}`),
		`{"Id": "x", "Statement": {"Effect": "Deny", "Principal": "*", "NotAction": "s3:Delete*", "NotResource": "arn:aws:s3:::photos/keep/*"}}`,
		`{"Statement": [], "Version": "2008-10-17"}`,
		`{"Statement": [{"Effect": "Allow"}]}`,
		`{"a": [[[[[[[1]]]]]]]}`,
		`{"Statement": "\u2028<&>"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := policy.Parse(in, bucket)
		if err != nil {
			var pe *policy.Error
			if !errors.As(err, &pe) || pe.Code == "" || pe.Message == "" {
				t.Fatalf("Parse error %#v is not an *Error with a code and message", err)
			}
			return
		}
		canonical, err := p.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		back, err := policy.Parse(canonical, bucket)
		if err != nil {
			t.Fatalf("Parse(MarshalJSON(p)) = %v\ninput: %q\ncanonical: %s", err, in, canonical)
		}
		if !reflect.DeepEqual(back, p) {
			t.Fatalf("Parse(MarshalJSON(p)) =\n%#v\nwant\n%#v", back, p)
		}
	})
}
