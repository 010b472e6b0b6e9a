package browsercheck

import (
	"errors"
	"strings"
	"testing"
)

const (
	testURL    = "https://bucket.example.net/photo.jpg"
	testOrigin = "https://app.example.com"
)

func hdr(kv ...string) []Header {
	var hs []Header
	for i := 0; i < len(kv); i += 2 {
		hs = append(hs, Header{kv[i], kv[i+1]})
	}
	return hs
}

func TestClassify(t *testing.T) {
	long := strings.Repeat("a", 129)
	tests := []struct {
		name      string
		method    string
		headers   []Header
		preflight bool
		acrm      string
		acrh      string
	}{
		{"plain GET", "", nil, false, "", ""},
		{"lower-case get is normalised", "get", nil, false, "", ""},
		{"POST form", "POST", hdr("Content-Type", "application/x-www-form-urlencoded"), false, "", ""},
		{"POST text/plain with charset", "post", hdr("content-type", "text/plain;charset=UTF-8"), false, "", ""},
		{"multipart with boundary", "POST", hdr("Content-Type", " multipart/form-data; boundary=x "), false, "", ""},
		{"JSON content type", "POST", hdr("Content-Type", "application/json"), true, "POST", "content-type"},
		{"content type with unsafe byte", "POST", hdr("Content-Type", "text/plain; a=\"b\""), true, "POST", "content-type"},
		{"content type not a MIME type", "POST", hdr("Content-Type", "text"), true, "POST", "content-type"},
		{"PUT", "put", nil, true, "PUT", ""},
		{"patch keeps its case", "patch", nil, true, "patch", ""},
		{"OPTIONS needs a preflight", "options", nil, true, "OPTIONS", ""},
		{"custom headers sorted and lower-cased", "GET", hdr("X-Foo", "1", "Authorization", "Bearer t", "x-amz-date", "2"), true, "GET", "authorization,x-amz-date,x-foo"},
		{"accept any", "GET", hdr("Accept", "application/json, */*;q=0.8"), false, "", ""},
		{"accept with unsafe byte", "GET", hdr("Accept", "a(b"), true, "GET", "accept"},
		{"accept with tab is fine", "GET", hdr("Accept", "a\tb"), false, "", ""},
		{"accept-language ok", "GET", hdr("Accept-Language", "en-US,en;q=0.9"), false, "", ""},
		{"accept-language bad byte", "GET", hdr("Accept-Language", "en_US"), true, "GET", "accept-language"},
		{"content-language bad byte", "GET", hdr("Content-Language", "de/DE"), true, "GET", "content-language"},
		{"value over 128 bytes", "GET", hdr("Accept", long), true, "GET", "accept"},
		{"range single", "GET", hdr("Range", "bytes=0-499"), false, "", ""},
		{"range open end", "GET", hdr("Range", "bytes=100-"), false, "", ""},
		{"range suffix", "GET", hdr("Range", "bytes=-500"), true, "GET", "range"},
		{"range multiple", "GET", hdr("Range", "bytes=0-1,5-6"), true, "GET", "range"},
		{"range reversed", "GET", hdr("Range", "bytes=9-1"), true, "GET", "range"},
		{"range with space", "GET", hdr("Range", "bytes= 0-1"), true, "GET", "range"},
		{"range other unit", "GET", hdr("Range", "items=0-1"), true, "GET", "range"},
		{"duplicates sorted once", "GET", hdr("X-Foo", "1", "x-foo", "2"), true, "GET", "x-foo"},
		{"two short Accepts", "GET", hdr("Accept", "a", "Accept", "b"), false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Classify(&Request{URL: testURL, Origin: testOrigin, Method: tt.method, Headers: tt.headers})
			if err != nil {
				t.Fatal(err)
			}
			if p.Preflight != tt.preflight || p.RequestMethod != tt.acrm || p.RequestHeaders != tt.acrh {
				t.Fatalf("got preflight=%v ACRM=%q ACRH=%q (%v), want %v %q %q", p.Preflight, p.RequestMethod, p.RequestHeaders, p.Reasons, tt.preflight, tt.acrm, tt.acrh)
			}
			if p.Preflight && len(p.Reasons) == 0 {
				t.Fatal("a preflight without a reason")
			}
		})
	}
}

func TestClassifyTotal(t *testing.T) {
	repeat := func(n, size int) []Header {
		var hs []Header
		for range n {
			hs = append(hs, Header{"Accept", strings.Repeat("a", size)})
		}
		return append(hs, Header{"Content-Language", "en"})
	}
	tests := []struct {
		name    string
		browser Browser
		headers []Header
		acrh    string
	}{
		// Fetch: each entry on its own, then the 1024-byte total.
		{"firefox 8x128+2 is 1026 bytes", Firefox, repeat(8, 128), "accept,content-language"},
		{"firefox 7x128+2 is 898 bytes", Firefox, repeat(7, 128), ""},
		{"webkit over the total", WebKit, repeat(9, 120), "accept,content-language"},
		// Chromium combines the entries first: the one value is over 128 bytes.
		{"chromium combines", Chromium, repeat(2, 100), "accept"},
		{"firefox keeps them apart", Firefox, repeat(2, 100), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Classify(&Request{URL: testURL, Origin: testOrigin, Headers: tt.headers, Browser: tt.browser})
			if err != nil || p.RequestHeaders != tt.acrh || p.Preflight != (tt.acrh != "") {
				t.Fatalf("%v: ACRH %q, want %q (%v)", err, p.RequestHeaders, tt.acrh, p.Reasons)
			}
		})
	}
}

func TestClassifyUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		r    Request
		want string
	}{
		{"forbidden method", Request{Method: "trace"}, "method trace is forbidden"},
		{"CONNECT", Request{Method: "CONNECT"}, "forbidden"},
		{"bad method", Request{Method: "GE T"}, "not a valid method token"},
		{"cookie", Request{Headers: hdr("Cookie", "a=b")}, "Cookie is a forbidden request-header"},
		{"sec- prefix", Request{Headers: hdr("Sec-Fetch-Mode", "cors")}, "forbidden"},
		{"proxy- prefix", Request{Headers: hdr("Proxy-Authorization", "x")}, "forbidden"},
		{"origin", Request{Headers: hdr("Origin", "https://x")}, "forbidden"},
		{"method override to TRACE", Request{Headers: hdr("X-HTTP-Method-Override", "GET, trace")}, "forbidden"},
		{"bad header name", Request{Headers: hdr("X Foo", "1")}, "not a valid token"},
		{"newline in value", Request{Headers: hdr("X-Foo", "a\nb")}, "NUL, CR or LF"},
		{"origin with path", Request{Origin: "https://app.example.com/"}, "not serialized"},
		{"origin default port", Request{Origin: "https://app.example.com:443"}, "https://app.example.com"},
		{"same origin", Request{Origin: "https://bucket.example.net"}, "same-origin"},
		{"bad URL", Request{URL: "ftp://x/y"}, "not an absolute http or https URL"},
		{"URL with credentials", Request{URL: "https://u:p@bucket.example.net/"}, "holds credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r
			if r.URL == "" {
				r.URL = testURL
			}
			if r.Origin == "" {
				r.Origin = testOrigin
			}
			_, err := Classify(&r)
			var ue *UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}

func TestClassifyNullOriginAndOverride(t *testing.T) {
	p, err := Classify(&Request{URL: testURL, Origin: "null", Headers: hdr("X-HTTP-Method-Override", "PATCH")})
	if err != nil || p.RequestHeaders != "x-http-method-override" {
		t.Fatalf("%v %+v", err, p)
	}
}

func TestParseBrowserAndMaxAge(t *testing.T) {
	if b, err := ParseBrowser("Firefox"); err != nil || b != Firefox {
		t.Fatal(b, err)
	}
	if _, err := ParseBrowser("lynx"); err == nil {
		t.Fatal("lynx accepted")
	}
	for _, tt := range []struct {
		v    string
		b    Browser
		n    int64
		okay bool
	}{
		{"600", Chromium, 600, true}, {"-1", Chromium, 0, true}, {"-1", Firefox, 0, false},
		{"1.5", Chromium, 0, false}, {"", WebKit, 0, false}, {"99999999999999999999", Firefox, 1<<63 - 1, true},
	} {
		if n, ok := parseMaxAge(tt.v, tt.b); n != tt.n || ok != tt.okay {
			t.Errorf("parseMaxAge(%q, %s) = %d %v", tt.v, tt.b, n, ok)
		}
	}
}
