package browsercheck

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// FuzzClassifyHeader: classification never panics, and adding a header that is not
// safelisted never removes the need for a preflight nor any unsafe name.
func FuzzClassifyHeader(f *testing.F) {
	f.Add("Content-Type", "text/plain", "x-foo", "1")
	f.Add("Range", "bytes=0-", "Accept", "a\x01")
	f.Add("Accept-Language", "en;q=0.5", "Content-Language", strings.Repeat("d", 200))
	f.Add("Content-Type", "multipart/form-data;boundary=\xff", "Authorization", "x")
	f.Fuzz(func(t *testing.T, name, value, extra, extraValue string) {
		for _, b := range []Browser{Chromium, Firefox} {
			r := Request{URL: testURL, Origin: testOrigin, Browser: b, Headers: []Header{{name, value}}}
			p, err := Classify(&r)
			if err != nil {
				return
			}
			r.Headers = append(r.Headers, Header{extra, extraValue})
			q, err := Classify(&r)
			if err != nil {
				return
			}
			if p.Preflight && !q.Preflight {
				t.Fatalf("%s: adding %q: %q lost the preflight", b, extra, extraValue)
			}
			if unsafeValue(strings.ToLower(extra), trimHTTPWhitespace(extraValue)) != "" && !q.Preflight {
				t.Fatalf("%s: unsafe %q: %q needs no preflight", b, extra, extraValue)
			}
			for _, n := range p.UnsafeNames {
				if !slices.Contains(q.UnsafeNames, n) {
					t.Fatalf("%s: %s no longer unsafe", b, n)
				}
			}
			if strings.Contains(q.RequestHeaders, " ") {
				t.Fatalf("ACRH with a space: %q", q.RequestHeaders)
			}
		}
	})
}

// FuzzAllowList: the Access-Control-Allow-* list parser never panics, returns only tokens,
// and agrees with the lines joined into one.
func FuzzAllowList(f *testing.F) {
	f.Add("GET, PUT", "x-foo")
	f.Add(" , ,PUT,", "a b")
	f.Add("*", "")
	f.Fuzz(func(t *testing.T, a, b string) {
		h := http.Header{"X": {a, b}}
		list, bad, ok := extractList(h, "X")
		one, bad1, ok1 := extractList(http.Header{"X": {a + "," + b}}, "X")
		if ok != ok1 || bad != bad1 || !slices.Equal(list, one) {
			t.Fatalf("lines %q %q: %v %q %v; joined: %v %q %v", a, b, list, bad, ok, one, bad1, ok1)
		}
		for _, item := range list {
			if !isToken(item) {
				t.Fatalf("non-token %q", item)
			}
		}
		if !ok && (bad == "" || isToken(bad)) {
			t.Fatalf("bad element %q", bad)
		}
	})
}
