package postpolicy

import (
	"math"
	"strings"
	"testing"
	"time"
)

func doc(conditions string) []byte {
	return []byte(`{"expiration": "2026-12-01T12:00:00.000Z", "conditions": [` + conditions + `]}`)
}

func TestConditions(t *testing.T) {
	type tc struct {
		name       string
		conditions string
		fields     []field
		code, msg  string // empty code: accepted
	}
	failed := func(c string) string { return "Invalid according to Policy: Policy Condition failed: " + c }
	base := []field{{"key", "user/a.txt"}}
	with := func(fs ...field) []field { return append(append([]field(nil), base...), fs...) }
	keyCond := `{"key": "user/a.txt"}`
	tests := []tc{
		{"object condition holds", keyCond, base, "", ""},
		{"object condition fails", `{"key": "user/b.txt"}`, base, "AccessDenied", failed(`["eq", "$key", "user/b.txt"]`)},
		{"eq holds", `["eq", "$key", "user/a.txt"]`, base, "", ""},
		{"eq fails", `["eq", "$key", "x"]`, base, "AccessDenied", failed(`["eq", "$key", "x"]`)},
		{"eq is case-sensitive in the value", `["eq", "$key", "USER/a.txt"]`, base, "AccessDenied", failed(`["eq", "$key", "USER/a.txt"]`)},
		{"starts-with holds", `["starts-with", "$key", "user/"]`, base, "", ""},
		{"starts-with fails", `["starts-with", "$key", "admin/"]`, base, "AccessDenied", failed(`["starts-with", "$key", "admin/"]`)},
		{"starts-with empty prefix takes anything", `["starts-with", "$key", ""]`, base, "", ""},
		{"a condition on an absent field fails, even an empty prefix", keyCond + `, ["starts-with", "$Content-Type", ""]`, base,
			"AccessDenied", failed(`["starts-with", "$Content-Type", ""]`)},
		{"condition names are case-insensitive", `["eq", "$KeY", "user/a.txt"], {"ACL": "private"}`, with(field{"Acl", "private"}), "", ""},
		{"operations are case-insensitive", `["StArTs-WiTh", "$key", "user/"]`, base, "", ""},
		{"a name without $ never matches", `["eq", "key", "user/a.txt"]`, base, "AccessDenied", failed(`["eq", "key", "user/a.txt"]`)},
		{"Content-Type list, every entry matching", keyCond + `, ["starts-with", "$Content-Type", "image/"]`,
			with(field{"Content-Type", "image/jpg,image/png, image/gif"}), "", ""},
		{"Content-Type list, one entry not matching", keyCond + `, ["starts-with", "$Content-Type", "image/"]`,
			with(field{"Content-Type", "image/jpg,text/plain"}), "AccessDenied", failed(`["starts-with", "$Content-Type", "image/"]`)},
		{"other fields are not lists", keyCond + `, ["starts-with", "$x-amz-meta-tag", "a"]`,
			with(field{"x-amz-meta-tag", "ab,cd"}), "", ""},
		{"eq on Content-Type is exact", keyCond + `, {"content-type": "image/png,image/gif"}`,
			with(field{"content-type", "image/png,image/gif"}), "", ""},
		{"bucket matches the request's bucket", keyCond + `, {"bucket": "` + testBucket + `"}`, base, "", ""},
		{"bucket of another bucket", keyCond + `, {"bucket": "other"}`, base, "AccessDenied", failed(`["eq", "$bucket", "other"]`)},
		{"a bucket field is covered and tested against the request's bucket", keyCond + `, ["eq", "$bucket", "` + testBucket + `"]`,
			with(field{"bucket", "ignored-value"}), "", ""},
		{"extra field", keyCond, with(field{"Filename", "a.txt"}), "AccessDenied", "Invalid according to Policy: Extra input fields: Filename"},
		{"x-ignore- fields need no condition", keyCond, with(field{"X-Ignore-Submit", "Upload"}), "", ""},
		{"the auth fields need no condition", keyCond,
			with(field{"policy", "p"}, field{"x-amz-signature", "s"}, field{"Signature", "s"}, field{"AWSAccessKeyId", "a"}), "", ""},
		{"a failed condition is reported before an extra field", `{"key": "x"}`, with(field{"extra", "1"}),
			"AccessDenied", failed(`["eq", "$key", "x"]`)},
		{"the first failing condition is reported", `{"key": "x"}, {"acl": "y"}`, with(field{"acl", "z"}),
			"AccessDenied", failed(`["eq", "$key", "x"]`)},
		{"several conditions on one field must all hold", `["starts-with", "$key", "user/"], ["starts-with", "$key", "admin/"]`, base,
			"AccessDenied", failed(`["starts-with", "$key", "admin/"]`)},
		{"content-length-range with strings that are numbers", keyCond + `, ["content-length-range", "5", "10"]`, base, "", ""},
		{"content-length-range with a string that is not", keyCond + `, ["content-length-range", "test", "10"]`, base,
			"AccessDenied", failed(`["content-length-range", "test", "10"]`)},
		{"the message keeps the policy's spelling and escapes quotes", `["eq", "$Content-Disposition", "filename=\"a<b>.png\""], ` + keyCond,
			with(field{"content-disposition", "x"}), "AccessDenied", failed(`["eq", "$Content-Disposition", "filename=\"a<b>.png\""]`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parsePolicy(doc(tt.conditions))
			if err != nil {
				t.Fatal(err)
			}
			fields, names := map[string]string{}, []string(nil)
			for _, f := range tt.fields {
				fields[strings.ToLower(f.name)] = f.value
				names = append(names, f.name)
			}
			_, err = p.check(fields, names, testBucket, t0)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			wantErr(t, err, tt.code, tt.msg)
		})
	}
}

func TestExpiration(t *testing.T) {
	p, err := parsePolicy([]byte(`{"expiration": "2026-03-01T12:00:00Z", "conditions": []}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.check(nil, nil, testBucket, t0); err != nil {
		t.Fatalf("at the expiration instant: %v", err)
	}
	_, err = p.check(nil, nil, testBucket, t0.Add(time.Millisecond))
	wantErr(t, err, "AccessDenied", "Invalid according to Policy: Policy expired.")
	// Fractional seconds are accepted.
	p, err = parsePolicy([]byte(`{"expiration": "2026-03-01T12:00:00.250Z", "conditions": []}`))
	if err != nil {
		t.Fatal(err)
	}
	if !p.expiration.Equal(t0.Add(250 * time.Millisecond)) {
		t.Fatalf("expiration = %v", p.expiration)
	}
}

func TestContentLengthRange(t *testing.T) {
	for _, tt := range []struct {
		conditions string
		min, max   int64
	}{
		{``, 0, math.MaxInt64},
		{`["content-length-range", 1, 10]`, 1, 10},
		{`["content-length-range", "5", "10"]`, 5, 10},
		{`["content-length-range", -1, 0]`, 0, 0},
		{`["content-length-range", 1, 100], ["content-length-range", 5, 50]`, 5, 50},
		{`["content-length-range", 0, 99999999999999999999999]`, 0, math.MaxInt64},
	} {
		p, err := parsePolicy(doc(tt.conditions))
		if err != nil {
			t.Fatalf("%s: %v", tt.conditions, err)
		}
		r, err := p.check(nil, nil, testBucket, t0)
		if err != nil || r.min != tt.min || r.max != tt.max {
			t.Errorf("%s: range %d..%d, %v; want %d..%d", tt.conditions, r.min, r.max, err, tt.min, tt.max)
		}
	}
}

func TestPolicyDocumentErrors(t *testing.T) {
	for _, tt := range []struct{ doc, msg string }{
		{``, "Invalid Policy: Expecting '{' but found End-of-Input"},
		{`not json`, "Invalid Policy: Invalid JSON."},
		{`{"expiration": "2026-12-01T12:00:00Z", "conditions": [],}`, "Invalid Policy: Invalid JSON."},
		{`[]`, "Invalid Policy: Invalid JSON."},
		{`{"expiration": "2026-12-01T12:00:00Z", "conditions": []} {}`, "Invalid Policy: Invalid JSON."},
		{`{"Version": "2012-10-17", "Statement": []}`, "Invalid Policy: Unexpected: 'version'"},
		{`{"conditions": []}`, "Invalid Policy: Policy missing expiration."},
		{`{"EXPIRATION": "2026-12-01T12:00:00Z", "conditions": []}`, "Invalid Policy: Unexpected: 'expiration'"},
		{`{"expiration": "2026-12-01T12:00:00Z", "CONDITIONS": []}`, "Invalid Policy: Unexpected: 'conditions'"},
		{`{"expiration": "2011-09-13T07:52:58+02:00", "conditions": []}`, "Invalid Policy: Invalid 'expiration' value: '2011-09-13T07:52:58+02:00'"},
		{`{"expiration": "2015-10-17 03:15:59 UTC", "conditions": []}`, "Invalid Policy: Invalid 'expiration' value: '2015-10-17 03:15:59 UTC'"},
		{`{"expiration": 12, "conditions": []}`, "Invalid Policy: Invalid 'expiration' value: '12'"},
		{`{"expiration": "2026-12-01T12:00:00Z"}`, "Invalid Policy: Policy missing conditions."},
		{`{"expiration": "2026-12-01T12:00:00Z", "conditions": {}}`, "Invalid Policy: Invalid 'conditions' value: must be a List."},
		{string(doc(`{}`)), "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."},
		{string(doc(`{"bucket": "b", "key": "k"}`)), "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."},
		{string(doc(`{"key": "a", "key": "b"}`)), "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."},
		{string(doc(`{"Content-Length": 6199034}`)), "Invalid Policy: Invalid Simple-Condition: value must be a string."},
		{string(doc(`{"success_action_redirect": null}`)), "Invalid Policy: Invalid JSON."},
		{string(doc(`"key"`)), "Invalid Policy: Invalid condition test: must be a List or Object."},
		{string(doc(`[]`)), "Invalid Policy: Invalid Condition: missing operation identifier."},
		{string(doc(`[1, "$key", "a"]`)), "Invalid Policy: Invalid Condition: missing operation identifier."},
		{string(doc(`["matches", "$key", "a"]`)), "Invalid Policy: Invalid Condition: unknown operation 'matches'."},
		{string(doc(`["content-length-range", 0]`)), "Invalid Policy: Invalid content-length-range: wrong number of arguments."},
		{string(doc(`["Starts-With", "$key"]`)), "Invalid Policy: Invalid Starts-With: wrong number of arguments."},
		{string(doc(`["eq", "$key", 1]`)), "Invalid Policy: Invalid JSON."},
		{string(doc(`["content-length-range", 0, 512.0]`)), "Invalid Policy: Invalid JSON."},
		{string(doc(`["content-length-range", 0, true]`)), "Invalid Policy: Invalid JSON."},
	} {
		_, err := parsePolicy([]byte(tt.doc))
		e := wantErr(t, err, "InvalidPolicyDocument", tt.msg)
		if e.Status != 400 {
			t.Errorf("%s: status %d", tt.doc, e.Status)
		}
	}
}
