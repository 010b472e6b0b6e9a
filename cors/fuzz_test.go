package cors_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/internal/corsspec"
)

func FuzzDecodeXML(f *testing.F) {
	for _, c := range corsspec.Validation {
		f.Add([]byte(c.Body))
	}
	for _, c := range evalCases {
		if c.Config != "" {
			cfg, _ := cors.DecodeJSON([]byte(c.Config))
			f.Add(cors.EncodeXML(cfg))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := cors.DecodeXML(data)
		if err != nil {
			return
		}
		again, err := cors.DecodeXML(cors.EncodeXML(cfg))
		if err != nil {
			t.Fatalf("re-decoding what was accepted: %v", err)
		}
		if !reflect.DeepEqual(cfg, again) {
			t.Fatalf("round trip changed the configuration\n%+v\n%+v", cfg, again)
		}
		if cors.Validate(cfg) == nil {
			if _, err := cors.Compile(cfg); err != nil {
				t.Fatalf("valid but not compiled: %v", err)
			}
		}
	})
}

func FuzzDecodeJSON(f *testing.F) {
	for _, c := range evalCases {
		f.Add([]byte(c.Config))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := cors.DecodeJSON(data)
		if err != nil {
			return
		}
		again, err := cors.DecodeJSON(cors.EncodeJSON(cfg))
		if err != nil || !reflect.DeepEqual(cfg, again) {
			t.Fatalf("JSON round trip: %v\n%+v\n%+v", err, cfg, again)
		}
		if cors.Validate(cfg) != nil {
			return
		}
		viaXML, err := cors.DecodeXML(cors.EncodeXML(cfg))
		if err != nil {
			t.Fatalf("a valid configuration's XML does not decode: %v", err)
		}
		if !reflect.DeepEqual(cfg, viaXML) {
			t.Fatalf("JSON and XML forms disagree\n%+v\n%+v", cfg, viaXML)
		}
	})
}

// refMatch is the deliberately simple reference: s matches when some split of it into three
// parts has the text before the '*' first and the text after it last (the star taking the
// middle, possibly empty); without a '*', equality.
func refMatch(pattern, s string) bool {
	before, after, star := strings.Cut(pattern, "*")
	if !star {
		return s == pattern
	}
	for i := 0; i <= len(s); i++ {
		for j := i; j <= len(s); j++ {
			if s[:i] == before && s[j:] == after {
				return true
			}
		}
	}
	return false
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func FuzzOriginMatch(f *testing.F) {
	f.Add("http://*.origin.com", "http://test.origin.com")
	f.Add("http://*.origin.com", "http://test.origin.com/")
	f.Add("http://*.allowedorigin.com", "http://.allowedorigin.com")
	f.Add("https://localhost:4200", "http://localhost:4200")
	f.Add("*", "whatever")
	f.Add("a*a", "a")
	f.Add("ab*", "AB")
	f.Fuzz(func(t *testing.T, pattern, origin string) {
		if strings.Count(pattern, "*") > 1 || origin == "" {
			return
		}
		p, err := cors.Compile(&cors.Config{Rules: []cors.Rule{{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{pattern}}}})
		if err != nil {
			return // too long, or otherwise refused
		}
		d := p.Actual(&cors.Request{Method: "GET", Origin: origin})
		want := refMatch(pattern, origin)
		if (d.Outcome == cors.Allowed) != want {
			t.Fatalf("pattern %q origin %q: engine %v, reference %v", pattern, origin, d.Outcome, want)
		}
	})
}

func FuzzRequestHeaders(f *testing.F) {
	f.Add("x-amz-*", "x-amz-date,X-Amz-Meta-Foo")
	f.Add("content-type", "content-type,,expires")
	f.Add("*", " , ,\t")
	f.Add("X-*-id", "x-request-id, x-trace-ID")
	f.Add("x", strings.Repeat(",x", 200))
	f.Fuzz(func(t *testing.T, pattern, acrh string) {
		if strings.Count(pattern, "*") > 1 {
			return
		}
		p, err := cors.Compile(&cors.Config{Rules: []cors.Rule{{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"*"}, AllowedHeaders: []string{pattern}}}})
		if err != nil {
			return
		}
		// Reference: split, trim, drop empties, lower-case; all must match; bounds as documented.
		var names []string
		for _, item := range strings.Split(acrh, ",") {
			if item = strings.Trim(item, " \t"); item != "" {
				names = append(names, asciiLower(item))
			}
		}
		want := len(acrh) <= 8<<10 && len(names) <= 128
		for _, n := range names {
			want = want && refMatch(asciiLower(pattern), n)
		}
		d := p.Actual(&cors.Request{Method: "GET", Origin: "https://x.test", RequestHeaders: []string{acrh}})
		if (d.Outcome == cors.Allowed) != want {
			t.Fatalf("pattern %q ACRH %q: engine %v, reference %v", pattern, acrh, d.Outcome, want)
		}
		if !want {
			return
		}
		echo := ""
		for _, h := range d.Headers() {
			if h.Name == "Access-Control-Allow-Headers" {
				echo = h.Value
			}
		}
		if wantEcho := strings.Join(names, ", "); echo != wantEcho {
			t.Fatalf("ACRH %q: echo %q; want %q", acrh, echo, wantEcho)
		}
	})
}
