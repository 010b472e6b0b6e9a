package postpolicy

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// op is a condition's operation.
type op uint8

const (
	opEq op = iota
	opStartsWith
	opRange
)

// condition is one entry of a policy's conditions.
type condition struct {
	op op
	// field is the lower-cased name of the form field the condition tests, without its '$';
	// empty when the policy wrote the name without '$', which S3 treats as a condition no
	// form meets.
	field string
	value string
	// min and max are the bounds of a content-length-range; numeric is false when a bound
	// is a string that is not a number, which S3 treats as a failed condition.
	min, max int64
	numeric  bool
	// text renders the condition as S3 quotes it in errors: a JSON array, an object
	// condition being written as its "eq" equivalent.
	text string
}

// policy is a decoded POST policy document.
type policy struct {
	expiration time.Time
	conditions []condition
}

// expirationLayout accepts S3's ISO 8601 UTC form, with or without fractional seconds.
const expirationLayout = "2006-01-02T15:04:05.999999999Z"

// parsePolicy decodes a policy document (the JSON, not its base64). Its errors are
// InvalidPolicyDocument with S3's messages.
func parsePolicy(doc []byte) (*policy, error) {
	if len(bytes.TrimSpace(doc)) == 0 {
		return nil, invalidPolicy("Expecting '{' but found End-of-Input")
	}
	if !json.Valid(doc) {
		return nil, errInvalidJSON
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if t, _ := dec.Token(); t != json.Delim('{') {
		return nil, errInvalidJSON
	}
	var expiration, conditions json.RawMessage
	for dec.More() {
		t, _ := dec.Token()
		name, _ := t.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, errInvalidJSON
		}
		// The member names are case-sensitive, as S3 has them.
		switch name {
		case "expiration":
			expiration = value
		case "conditions":
			conditions = value
		default:
			return nil, invalidPolicy("Unexpected: '%s'", strings.ToLower(name))
		}
	}
	p := new(policy)
	if expiration == nil {
		return nil, invalidPolicy("Policy missing expiration.")
	}
	var exp string
	if json.Unmarshal(expiration, &exp) != nil {
		exp = string(expiration)
	}
	t, err := time.Parse(expirationLayout, exp)
	if err != nil {
		return nil, invalidPolicy("Invalid 'expiration' value: '%s'", exp)
	}
	p.expiration = t
	if conditions == nil {
		return nil, invalidPolicy("Policy missing conditions.")
	}
	var list []json.RawMessage
	if conditions[0] != '[' || json.Unmarshal(conditions, &list) != nil {
		return nil, invalidPolicy("Invalid 'conditions' value: must be a List.")
	}
	p.conditions = make([]condition, 0, len(list))
	for _, raw := range list {
		c, err := parseCondition(raw)
		if err != nil {
			return nil, err
		}
		p.conditions = append(p.conditions, c)
	}
	return p, nil
}

func parseCondition(raw json.RawMessage) (condition, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return condition{}, errInvalidJSON
	}
	switch v := v.(type) {
	case map[string]any:
		// A JSON object with one member is an exact match; encoding/json keeps only the
		// last of duplicate names, so count the members in the text.
		if len(v) != 1 || countMembers(raw) != 1 {
			return condition{}, invalidPolicy("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.")
		}
		for name, value := range v {
			switch value := value.(type) {
			case string:
				return condition{
					op: opEq, field: strings.ToLower(name), value: value,
					text: render("eq", "$"+name, value),
				}, nil
			case nil:
				return condition{}, errInvalidJSON
			default:
				return condition{}, invalidPolicy("Invalid Simple-Condition: value must be a string.")
			}
		}
	case []any:
		return parseArray(v)
	}
	return condition{}, invalidPolicy("Invalid condition test: must be a List or Object.")
}

// countMembers counts the members of the JSON object raw, duplicates included.
func countMembers(raw json.RawMessage) int {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return 0
	}
	n := 0
	for dec.More() {
		if _, err := dec.Token(); err != nil {
			return 0
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return 0
		}
		n++
	}
	return n
}

func parseArray(v []any) (condition, error) {
	if len(v) == 0 {
		return condition{}, invalidPolicy("Invalid Condition: missing operation identifier.")
	}
	name, ok := v[0].(string)
	if !ok {
		return condition{}, invalidPolicy("Invalid Condition: missing operation identifier.")
	}
	var c condition
	switch strings.ToLower(name) {
	case "eq":
		c.op = opEq
	case "starts-with":
		c.op = opStartsWith
	case "content-length-range":
		c.op = opRange
	default:
		return condition{}, invalidPolicy("Invalid Condition: unknown operation '%s'.", name)
	}
	if len(v) != 3 {
		return condition{}, invalidPolicy("Invalid %s: wrong number of arguments.", name)
	}
	c.text = render(v...)
	if c.op == opRange {
		lo, okLo, err := parseBound(v[1])
		if err != nil {
			return condition{}, err
		}
		hi, okHi, err := parseBound(v[2])
		if err != nil {
			return condition{}, err
		}
		c.min, c.max, c.numeric = lo, hi, okLo && okHi
		return c, nil
	}
	field, ok1 := v[1].(string)
	value, ok2 := v[2].(string)
	if !ok1 || !ok2 {
		return condition{}, errInvalidJSON
	}
	if name, ok := strings.CutPrefix(field, "$"); ok {
		c.field = strings.ToLower(name)
	}
	c.value = value
	return c, nil
}

// parseBound reads a content-length-range bound: a JSON integer, or a string holding one. A
// string that is not a number makes the condition fail (ok false); a fraction or a value of
// another type makes the policy invalid, as in S3.
func parseBound(v any) (n int64, ok bool, err error) {
	switch v := v.(type) {
	case json.Number:
		s := string(v)
		if strings.ContainsAny(s, ".eE") {
			return 0, false, errInvalidJSON
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			// An integer beyond int64, which no upload can pass or stay below.
			if strings.HasPrefix(s, "-") {
				return math.MinInt64, true, nil
			}
			return math.MaxInt64, true, nil
		}
		return n, true, nil
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil, nil
	}
	return 0, false, errInvalidJSON
}

// render writes a condition as S3 quotes it: a JSON array with ", " between elements and
// strings escaped as JSON but without HTML escaping.
func render(parts ...any) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, p := range parts {
		if i > 0 {
			b.WriteString(", ")
		}
		switch p := p.(type) {
		case json.Number:
			b.WriteString(string(p))
		default:
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if enc.Encode(p) != nil {
				buf.Reset()
				buf.WriteString("null")
			}
			b.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		}
	}
	b.WriteByte(']')
	return b.String()
}

// sizeRange is the content-length-range a policy sets: the intersection of its
// content-length-range conditions.
type sizeRange struct{ min, max int64 }

// check evaluates the policy's conditions against the form. fields maps lower-cased field
// names to values, ${filename} already expanded; names lists the fields in form order as
// they were spelled. bucket is the bucket the request is for, which a "bucket" condition
// tests. It returns the content-length-range the file must meet.
func (p *policy) check(fields map[string]string, names []string, bucket string, now time.Time) (sizeRange, error) {
	if now.After(p.expiration) {
		return sizeRange{}, denied("Policy expired.")
	}
	r := sizeRange{min: 0, max: math.MaxInt64}
	covered := make(map[string]bool, len(p.conditions))
	for i := range p.conditions {
		c := &p.conditions[i]
		if c.op == opRange {
			if !c.numeric {
				return sizeRange{}, denied("Policy Condition failed: %s", c.text)
			}
			r.min, r.max = max(r.min, c.min), min(r.max, c.max)
			continue
		}
		covered[c.field] = true
		if !c.holds(fields, bucket) {
			return sizeRange{}, denied("Policy Condition failed: %s", c.text)
		}
	}
	for _, name := range names {
		lower := strings.ToLower(name)
		if !covered[lower] && !exempt(lower) {
			return sizeRange{}, denied("Extra input fields: %s", name)
		}
	}
	return r, nil
}

// holds reports whether an eq or starts-with condition is met. A condition on a field the
// form lacks fails, even a starts-with with an empty prefix, as in S3.
func (c *condition) holds(fields map[string]string, bucket string) bool {
	if c.field == "" {
		return false
	}
	got, ok := fields[c.field]
	if c.field == "bucket" {
		got, ok = bucket, true
	}
	if !ok {
		return false
	}
	if c.op == opEq {
		return got == c.value
	}
	if c.field != "content-type" {
		return strings.HasPrefix(got, c.value)
	}
	// A Content-Type is a comma-separated list, each of whose entries must match.
	for entry := range strings.SplitSeq(got, ",") {
		if !strings.HasPrefix(strings.TrimSpace(entry), c.value) {
			return false
		}
	}
	return true
}

// exempt reports whether a field (lower-cased) needs no condition: the file, the policy and
// its signature, and fields the form marks as ignored.
//
// x-amz-checksum-* fields are not exempt: AWS refuses a content-md5 field the policy does not
// name ("Extra input fields: content-md5", observed in aws/aws-sdk-ruby#257) and the SDKs that
// add a checksum to a form add its condition too (minio-go's PostPolicy.SetChecksum). ceph/s3-tests'
// test_post_object_upload_checksum sends one outside the policy and expects 204 [UNVERIFIED].
func exempt(lower string) bool {
	switch lower {
	case "file", "policy", "x-amz-signature", "signature", "awsaccesskeyid":
		return true
	}
	return strings.HasPrefix(lower, "x-ignore-")
}
