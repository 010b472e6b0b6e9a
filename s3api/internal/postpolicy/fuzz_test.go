package postpolicy

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// FuzzPolicy feeds arbitrary documents to the policy parser: it must never panic, and a
// failure must be an InvalidPolicyDocument.
func FuzzPolicy(f *testing.F) {
	for _, seed := range []string{
		string(doc(`{"key": "a"}, ["starts-with", "$key", ""], ["content-length-range", 1, 10]`)),
		string(doc(`["content-length-range", "1", 99999999999999999999]`)),
		`{"expiration": "2026-12-01T12:00:00Z", "conditions": [{}, []]}`,
		`{"expiration": 1, "conditions": {}}`,
		`{"Statement": []}`,
		``, `[`, `{"a":`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, d []byte) {
		p, err := parsePolicy(d)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "InvalidPolicyDocument: Invalid Policy: ") {
				t.Fatalf("error %v", err)
			}
			return
		}
		if p == nil {
			t.Fatal("nil policy and no error")
		}
	})
}

// FuzzConditions evaluates arbitrary conditions against arbitrary field values: evaluation
// must never panic, a failure must be an AccessDenied, and a content-length-range it
// returns must come from the policy.
func FuzzConditions(f *testing.F) {
	f.Add(`{"key": "a"}, ["starts-with", "$Content-Type", "image/"]`, "a", "image/png,image/gif", "x-amz-meta-a")
	f.Add(`["eq", "$bucket", "b"], ["content-length-range", 5, 1]`, "", "", "bucket")
	f.Add(`["starts-with", "key", ""], ["eq", "$", ""]`, "k", ",", "")
	f.Fuzz(func(t *testing.T, conditions, key, contentType, extraName string) {
		p, err := parsePolicy(doc(conditions))
		if err != nil {
			return
		}
		fields := map[string]string{"key": key, "content-type": contentType}
		names := []string{"key", "Content-Type"}
		if extraName != "" {
			fields[strings.ToLower(extraName)] = key
			names = append(names, extraName)
		}
		r, err := p.check(fields, names, "b", t0)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "AccessDenied: Invalid according to Policy: ") {
				t.Fatalf("error %v", err)
			}
			return
		}
		if r.min != 0 || r.max != 1<<63-1 {
			found := false
			for _, c := range p.conditions {
				found = found || c.op == opRange
			}
			if !found {
				t.Fatalf("range %d..%d without a content-length-range", r.min, r.max)
			}
		}
	})
}

// FuzzParse feeds arbitrary bodies to Parse and reads the file of any form it accepts.
func FuzzParse(f *testing.F) {
	ct, b := body(f, signedV4([]field{{"key", "k"}}, `{"key": "k"}, ["content-length-range", 1, 4]`, t0), &upload{content: []byte("abc")})
	boundary := strings.TrimPrefix(ct, "multipart/form-data; boundary=")
	f.Add(boundary, b)
	_, b = body(f, []field{{"key", "${filename}"}}, &upload{filename: ptr(`a\b/c`), content: []byte("x")})
	f.Add(boundary, b)
	f.Add("b", []byte("--b\r\n\r\n\r\n--b--"))
	f.Fuzz(func(t *testing.T, boundary string, data []byte) {
		r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/b", bytes.NewReader(data))
		if err != nil {
			t.Skip()
		}
		r.Header.Set("Content-Type", `multipart/form-data; boundary="`+boundary+`"`)
		form, err := parse(r, testBucket, creds, t0)
		if err != nil {
			return
		}
		if form.Key == "" || form.File == nil {
			t.Fatalf("accepted form without key or file: %+v", form)
		}
		io.Copy(io.Discard, form.File)
	})
}
