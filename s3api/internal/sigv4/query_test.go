package sigv4

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"testing"
)

func TestParseQuery(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want url.Values
	}{
		{"", url.Values{}},
		{"acl", url.Values{"acl": {""}}},
		{"%61cl&%63ors=", url.Values{"acl": {""}, "cors": {""}}},
		{"%72esponse-content-type=text%2Fhtml", url.Values{"response-content-type": {"text/html"}}},
		{"prefix=a+b%2Bc&&prefix=%zz%4", url.Values{"prefix": {"a b+c", "%zz%4"}}},
		{"a=b=c&semi;colon=1", url.Values{"a": {"b=c"}, "semi;colon": {"1"}}},
		{"%E6%97%A5=%e6%97%a5", url.Values{"日": {"日"}}},
	} {
		if got := ParseQuery(tc.raw); !maps.EqualFunc(got, tc.want, slices.Equal) {
			t.Errorf("%q: %q, want %q", tc.raw, got, tc.want)
		}
	}
}

// FuzzParseQuery holds the router's view of a query (ParseQuery) to the signer's (the
// parameters the canonical request is built from), and both to the standard library's
// decoding wherever that accepts the query.
func FuzzParseQuery(f *testing.F) {
	f.Add("%61cl&x=%zz&prefix=a+b")
	f.Add("uploadId=1&%75ploadId=2&&=&a;b")
	f.Fuzz(func(t *testing.T, raw string) {
		got := ParseQuery(raw)
		var s scratch
		s.parseQuery(raw)
		signed := url.Values{}
		for _, p := range s.params {
			n := string(s.bytes(p.name))
			signed[n] = append(signed[n], string(s.bytes(p.value)))
		}
		if !maps.EqualFunc(got, signed, slices.Equal) {
			t.Fatalf("%q: routed %q, signed %q", raw, got, signed)
		}
		if std, err := url.ParseQuery(raw); err == nil && !maps.EqualFunc(got, std, slices.Equal) {
			t.Fatalf("%q: %q, the standard library reads %q", raw, got, std)
		}
	})
}

// A presigned request is recognised by its parameters' decoded names, as Verify reads them.
func TestIsSigV4EncodedNames(t *testing.T) {
	for raw, want := range map[string]bool{
		"X-Amz-Signature=x":            true,
		"x-amz-credential=x":           true,
		"X-Amz-%53ignature=x":          true,
		"%58-Amz-Algorithm":            true,
		"X-Amz-Date=x&prefix=a":        false,
		"X-Amz-Signature%3Dx=1":        false,
		"AWSAccessKeyId=a&Signature=b": false,
	} {
		r := &http.Request{URL: &url.URL{Path: "/", RawQuery: raw}, Header: http.Header{}}
		if got := IsSigV4(r); got != want {
			t.Errorf("%q: %v, want %v", raw, got, want)
		}
	}
}
