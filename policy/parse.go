package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// MaxSize is the largest bucket policy accepted, in bytes: S3's limit, "Bucket policies are
// limited to 20 KB in size" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/add-bucket-policy.html).
// It applies both to the document as sent and to its canonical form (MarshalJSON): AWS
// measures a normalised form, not the bytes sent (FogSecurity/aws-size#38), and measuring
// the canonical form too keeps every accepted policy readable back from its canonical form.
// Every count and length in a policy (statements, values per list, string lengths) is bounded
// by it.
const MaxSize = 20 * 1024

// maxDepth is the deepest nesting of JSON objects and arrays the policy grammar has:
// document { Statement [ { Condition { operator { key [ values ] } } } ] } is six levels.
// Anything deeper is refused while reading, before it is built.
const maxDepth = 6

// Versions of the policy language
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html).
const (
	Version2012 = "2012-10-17" // the current version; policy variables need it
	Version2008 = "2008-10-17" // the old version, and the meaning of a missing Version
)

// Options adjust Parse.
type Options struct {
	// KnownPrincipal, when set, is asked about every AWS and CanonicalUser principal other than
	// "*" (a 12-digit account id, an IAM ARN or a canonical user id); false refuses the policy
	// with "Invalid principal in policy", as S3 refuses an account or user that does not exist.
	KnownPrincipal func(string) bool
}

// Parse reads and validates a bucket policy for bucket with S3's errors (an *Error).
func Parse(doc []byte, bucket string) (*Policy, error) {
	return ParseWith(doc, bucket, Options{})
}

// ParseWith is Parse with options.
func ParseWith(doc []byte, bucket string, opt Options) (*Policy, error) {
	if len(doc) > MaxSize {
		return nil, &Error{Code: CodePolicyTooLarge, Message: msgTooLarge}
	}
	if len(doc) == 0 || doc[0] != '{' {
		return nil, malformed(msgFirstByte)
	}
	root, err := readJSON(doc)
	if err != nil {
		return nil, err
	}
	p, err := readPolicy(root, bucket, opt)
	if err != nil {
		return nil, err
	}
	canonical, err := p.MarshalJSON()
	if err != nil {
		return nil, err
	}
	if len(canonical) > MaxSize {
		return nil, &Error{Code: CodePolicyTooLarge, Message: msgTooLarge}
	}
	return p, nil
}

// node is one JSON value, objects with their members in document order: encoding/json's own
// decoding into maps and structs would lose the order, merge duplicate names and match field
// names without regard to case, all of which the policy grammar needs to see.
type node struct {
	kind    byte   // 's' string, 'n' number, 'b' boolean, 'z' null, 'a' array, 'o' object
	text    string // a string's value, a number as written, "true" or "false"
	items   []node // array elements
	members []member
}

type member struct {
	name  string
	value node
}

// readJSON reads doc as exactly one JSON value with encoding/json's tokenizer.
func readJSON(doc []byte) (node, error) {
	if !utf8.Valid(doc) {
		return node{}, malformed(msgInvalidJSON)
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	root, err := readValue(dec, 0)
	if err != nil {
		return node{}, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return node{}, malformed(msgInvalidJSON)
	}
	return root, nil
}

func readValue(dec *json.Decoder, depth int) (node, error) {
	tok, err := dec.Token()
	if err != nil {
		return node{}, malformed(msgInvalidJSON)
	}
	switch t := tok.(type) {
	case string:
		return node{kind: 's', text: t}, nil
	case json.Number:
		return node{kind: 'n', text: string(t)}, nil
	case bool:
		if t {
			return node{kind: 'b', text: "true"}, nil
		}
		return node{kind: 'b', text: "false"}, nil
	case nil:
		return node{kind: 'z'}, nil
	}
	if depth == maxDepth {
		return node{}, malformed(msgSyntax)
	}
	if tok == json.Delim('[') {
		n := node{kind: 'a'}
		for dec.More() {
			v, err := readValue(dec, depth+1)
			if err != nil {
				return node{}, err
			}
			n.items = append(n.items, v)
		}
		if _, err := dec.Token(); err != nil { // ']'
			return node{}, malformed(msgInvalidJSON)
		}
		return n, nil
	}
	n := node{kind: 'o'}
	for dec.More() {
		name, err := dec.Token()
		if err != nil {
			return node{}, malformed(msgInvalidJSON)
		}
		v, err := readValue(dec, depth+1)
		if err != nil {
			return node{}, err
		}
		n.members = append(n.members, member{name: name.(string), value: v})
	}
	if _, err := dec.Token(); err != nil { // '}'
		return node{}, malformed(msgInvalidJSON)
	}
	return n, nil
}

// fields checks an object's member names against the element names the grammar allows there
// (case-sensitive, as AWS's are) and returns the members by name.
func fields(n node, allowed ...string) (map[string]node, error) {
	if n.kind != 'o' {
		return nil, malformed(msgSyntax)
	}
	m := make(map[string]node, len(n.members))
	for _, mb := range n.members {
		known := false
		for _, a := range allowed {
			known = known || mb.name == a
		}
		if !known {
			return nil, malformed(msgUnknownField + mb.name)
		}
		if _, dup := m[mb.name]; dup {
			return nil, malformed(msgDuplicate + mb.name)
		}
		m[mb.name] = mb.value
	}
	return m, nil
}

// stringList reads the grammar's "a string or a list of strings"; invalid is the message for
// an empty string or an empty list.
func stringList(n node, invalid string) ([]string, error) {
	var out []string
	switch n.kind {
	case 's':
		out = []string{n.text}
	case 'a':
		for _, it := range n.items {
			if it.kind != 's' {
				return nil, malformed(msgSyntax)
			}
			out = append(out, it.text)
		}
	default:
		return nil, malformed(msgSyntax)
	}
	if len(out) == 0 {
		return nil, malformed(invalid)
	}
	for _, s := range out {
		if s == "" {
			return nil, malformed(invalid)
		}
	}
	return out, nil
}

func readPolicy(root node, bucket string, opt Options) (*Policy, error) {
	f, err := fields(root, "Version", "Id", "Statement")
	if err != nil {
		return nil, err
	}
	p := &Policy{Version: Version2008}
	if v, ok := f["Version"]; ok {
		if v.kind != 's' || (v.text != Version2012 && v.text != Version2008) {
			return nil, malformed(msgInvalidVersion)
		}
		p.Version = v.text
	}
	if id, ok := f["Id"]; ok {
		if id.kind != 's' {
			return nil, malformed(msgSyntax)
		}
		p.ID = id.text
	}
	st, ok := f["Statement"]
	if !ok {
		return nil, malformed(msgMissingStatement)
	}
	items := []node{st}
	if st.kind == 'a' {
		items = st.items
	}
	if len(items) == 0 {
		return nil, malformed(msgEmptyStatement)
	}
	for _, it := range items {
		s, err := readStatement(it, bucket, opt)
		if err != nil {
			return nil, err
		}
		p.Statements = append(p.Statements, s)
	}
	return p, nil
}

// pair reads an element that has a negated form (Principal/NotPrincipal, ...): at most one of
// the two, and one of them is required.
func pair(f map[string]node, name string) (n node, negated bool, err error) {
	v, has := f[name]
	nv, hasNot := f["Not"+name]
	switch {
	case has && hasNot:
		return node{}, false, malformed(msgDuplicate + name)
	case has:
		return v, false, nil
	case hasNot:
		return nv, true, nil
	}
	return node{}, false, malformed(msgMissingField + name)
}

// readList reads Action/NotAction or Resource/NotResource: a string or a non-empty list of
// strings, each of which valid accepts, else the message invalid.
func readList(f map[string]node, name, invalid string, valid func(string) bool) (list []string, negated bool, err error) {
	n, negated, err := pair(f, name)
	if err != nil {
		return nil, false, err
	}
	if list, err = stringList(n, invalid); err != nil {
		return nil, false, err
	}
	for _, v := range list {
		if !valid(v) {
			return nil, false, malformed(invalid)
		}
	}
	return list, negated, nil
}

// readStatement follows https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
// with S3's requirement of a Principal in a bucket policy.
func readStatement(n node, bucket string, opt Options) (Statement, error) {
	var s Statement
	f, err := fields(n, "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
		"Resource", "NotResource", "Condition")
	if err != nil {
		return s, err
	}
	if sid, ok := f["Sid"]; ok {
		if sid.kind != 's' {
			return s, malformed(msgSyntax)
		}
		s.Sid = sid.text
	}
	e, ok := f["Effect"]
	switch {
	case !ok:
		return s, malformed(msgMissingField + "Effect")
	case e.kind == 's' && e.text == "Allow":
		s.Effect = Allow
	case e.kind == 's' && e.text == "Deny":
		s.Effect = Deny
	default:
		return s, malformed(msgInvalidEffect + e.text)
	}

	pn, not, err := pair(f, "Principal")
	if err != nil {
		return s, err
	}
	pr, err := readPrincipal(pn, opt)
	if err != nil {
		return s, err
	}
	if not {
		s.NotPrincipal = pr
	} else {
		s.Principal = pr
	}

	actions, not, err := readList(f, "Action", msgInvalidAction, validAction)
	if err != nil {
		return s, err
	}
	if not {
		s.NotAction = actions
	} else {
		s.Action = actions
	}

	resources, not, err := readList(f, "Resource", msgInvalidResource, func(r string) bool {
		return validResource(r, bucket) && countVariables(r) <= maxVariables
	})
	if err != nil {
		return s, err
	}
	if not {
		s.NotResource = resources
	} else {
		s.Resource = resources
	}

	if c, ok := f["Condition"]; ok {
		if s.Conditions, err = readConditions(c); err != nil {
			return s, err
		}
	}
	if err := checkConditionsApply(s); err != nil {
		return s, err
	}
	if err := checkActionsApply(s); err != nil {
		return s, err
	}
	return s, nil
}

// Principal types (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
const (
	principalAWS           = "AWS"
	principalCanonicalUser = "CanonicalUser"
	principalFederated     = "Federated"
	principalService       = "Service"
)

// readPrincipal reads "*" or an object of principal types, each a string or a list. A
// wildcard is only ever the whole value "*": "You cannot use a wildcard to match part of a
// principal name or ARN" (the page above).
func readPrincipal(n node, opt Options) (*Principal, error) {
	bad := malformed(msgInvalidPrincipal)
	if n.kind == 's' {
		if n.text != "*" {
			return nil, bad
		}
		return &Principal{Any: true}, nil
	}
	if n.kind != 'o' || len(n.members) == 0 {
		return nil, bad
	}
	p := &Principal{}
	seen := map[string]bool{}
	for _, mb := range n.members {
		if seen[mb.name] {
			return nil, malformed(msgDuplicate + mb.name)
		}
		seen[mb.name] = true
		values, err := stringList(mb.value, msgInvalidPrincipal)
		if err != nil {
			return nil, err
		}
		for _, v := range values {
			if mb.name != principalAWS && strings.ContainsAny(v, "*?") {
				return nil, bad
			}
		}
		switch mb.name {
		case principalAWS:
			for _, v := range values {
				switch {
				case v == "*":
					p.Any = true
				case validAWSPrincipal(v) && known(opt, v):
					p.AWS = append(p.AWS, v)
				default:
					return nil, bad
				}
			}
		case principalCanonicalUser:
			for _, v := range values {
				if !isHex(v, canonicalIDLen) || !known(opt, v) {
					return nil, bad
				}
			}
			p.CanonicalUser = values
		case principalService:
			p.Service = values
		case principalFederated:
			p.Federated = values
		default:
			return nil, bad
		}
	}
	return p, nil
}

func known(opt Options, principal string) bool {
	return opt.KnownPrincipal == nil || opt.KnownPrincipal(principal)
}

// canonicalIDLen is the length of an S3 canonical user id: 64 hex digits.
const canonicalIDLen = 64

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// IsAccountID reports whether s has the form of an AWS account id: 12 decimal digits.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validAWSPrincipal accepts what an "AWS" principal may name: a 12-digit account id, or an
// IAM or STS ARN of an account ("arn:aws:iam::123456789012:root", ":user/NAME", ":role/NAME",
// "arn:aws:sts::123456789012:assumed-role/ROLE/SESSION", ...), or a CloudFront origin access
// identity ("arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity ID").
func validAWSPrincipal(v string) bool {
	if IsAccountID(v) {
		return true
	}
	if strings.ContainsAny(v, "*?") {
		return false
	}
	rest, ok := strings.CutPrefix(v, "arn:aws:iam::")
	if !ok {
		if rest, ok = strings.CutPrefix(v, "arn:aws:sts::"); !ok {
			return false
		}
	}
	account, name, ok := strings.Cut(rest, ":")
	if !ok || name == "" {
		return false
	}
	if account == "cloudfront" {
		id, ok := strings.CutPrefix(name, "user/CloudFront Origin Access Identity ")
		return ok && id != ""
	}
	if !IsAccountID(account) {
		return false
	}
	if name == "root" {
		return true
	}
	kind, path, ok := strings.Cut(name, "/")
	if !ok || path == "" || strings.HasSuffix(path, "/") {
		return false
	}
	switch kind {
	case "user", "role", "assumed-role", "federated-user", "group":
		return true
	}
	return false
}

// validAction accepts "*" and "s3:NAME" where NAME, with the wildcards * and ?, names at least
// one S3 action (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html).
// Action names are not case-sensitive
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html).
func validAction(a string) bool {
	if a == "*" {
		return true
	}
	return len(matchingActions(a)) > 0
}

// matchingActions is the S3 actions a pattern of the Action element names.
func matchingActions(pattern string) []s3Action {
	prefix, name, ok := strings.Cut(pattern, ":")
	if !ok || !strings.EqualFold(prefix, "s3") || name == "" {
		return nil
	}
	p := literalPattern(name)
	var out []s3Action
	for _, a := range s3Actions {
		if p.match(a.name, true) {
			out = append(out, a)
		}
	}
	return out
}

// resourcePrefix begins every S3 resource ARN: a bucket's is arn:aws:s3:::BUCKET, an object's
// arn:aws:s3:::BUCKET/KEY (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-arn-format.html).
const resourcePrefix = "arn:aws:s3:::"

// validResource accepts an S3 ARN of bucket or of objects in it: a bucket policy governs only
// its own bucket, and a bare "*" is refused (noobaa/noobaa-core#10058). [UNVERIFIED] A
// wildcard in the bucket part is accepted when it matches the bucket's name.
func validResource(r, bucket string) bool {
	rest, ok := strings.CutPrefix(r, resourcePrefix)
	if !ok || rest == "" {
		return false
	}
	name, _, _ := strings.Cut(rest, "/")
	return literalPattern(name).match(bucket, false)
}

// resourceKinds says which kinds of resource a statement's Resource list may name: an ARN with
// a "/" names objects, one without the bucket, and a wildcard may stand for a "/".
func resourceKinds(resources []string) (bucket, object bool) {
	for _, r := range resources {
		rest := strings.TrimPrefix(r, resourcePrefix)
		if strings.ContainsAny(rest, "/*") {
			object = true
		}
		if !strings.Contains(rest, "/") {
			bucket = true
		}
	}
	return bucket, object
}

// checkActionsApply refuses a statement one of whose actions applies to none of its resources,
// as s3:GetObject with only the bucket's ARN.
func checkActionsApply(s Statement) error {
	if s.Action == nil || s.Resource == nil {
		return nil
	}
	bucket, object := resourceKinds(s.Resource)
	for _, pattern := range s.Action {
		if pattern == "*" {
			continue
		}
		applies := false
		for _, a := range matchingActions(pattern) {
			applies = applies || (a.kind == onBucket && bucket) || (a.kind == onObject && object)
		}
		if !applies {
			return malformed(msgActionResource)
		}
	}
	return nil
}

// readConditions reads the Condition block: operator → key → a value or a list of values
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html).
// The result is sorted by operator, then key, the order MarshalJSON writes, since the
// conditions of a statement all have to hold and their order means nothing.
func readConditions(n node) ([]Condition, error) {
	if n.kind != 'o' {
		return nil, malformed(msgSyntax)
	}
	var out []Condition
	seen := map[string]bool{}
	for _, op := range n.members {
		if seen[op.name] {
			return nil, malformed(msgDuplicate + op.name)
		}
		seen[op.name] = true
		if !validOperator(op.name) {
			return nil, malformed(msgInvalidConditionType + op.name)
		}
		if op.value.kind != 'o' {
			return nil, malformed(msgSyntax)
		}
		keys := map[string]bool{}
		for _, k := range op.value.members {
			if keys[k.name] {
				return nil, malformed(msgDuplicate + k.name)
			}
			keys[k.name] = true
			if !validConditionKey(k.name) {
				return nil, malformed(msgInvalidConditionKey)
			}
			values, err := conditionValues(k.value)
			if err != nil {
				return nil, err
			}
			if base := baseOperator(op.name); base == "IpAddress" || base == "NotIpAddress" {
				for _, v := range values {
					if _, ok := ipBlock(v); !ok {
						return nil, malformed(msgInvalidIP)
					}
				}
			} else if read := valueReaders[base]; read != nil {
				for _, v := range values {
					if !read(v) {
						return nil, malformed(msgSyntax)
					}
				}
			}
			out = append(out, Condition{Operator: op.name, Key: k.name, Values: values})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Operator != out[j].Operator {
			return out[i].Operator < out[j].Operator
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

// conditionValues reads a condition's value: a string, number or boolean, or a non-empty list
// of them, each kept as text.
func conditionValues(n node) ([]string, error) {
	items := []node{n}
	if n.kind == 'a' {
		items = n.items
	}
	if len(items) == 0 {
		return nil, malformed(msgSyntax)
	}
	values := make([]string, 0, len(items))
	for _, it := range items {
		// More than maxVariables variables in one value is refused as a syntax error
		// [UNVERIFIED: S3's answer to it is unknown; the message is S3's for a value it
		// cannot read].
		if it.kind != 's' && it.kind != 'n' && it.kind != 'b' || countVariables(it.text) > maxVariables {
			return nil, malformed(msgSyntax)
		}
		values = append(values, it.text)
	}
	return values, nil
}

// Set-operator prefixes and the IfExists suffix of condition operators
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists).
const (
	prefixForAnyValue  = "ForAnyValue:"
	prefixForAllValues = "ForAllValues:"
	suffixIfExists     = "IfExists"
)

// valueReaders check the values of the operators whose values have a type
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
// a value an operator cannot read would make the condition fail for every request, and a
// negated one hold for every request, so Parse refuses it as a syntax error [UNVERIFIED: S3's
// message for such a value is unknown; "Syntax errors in policy." is its answer to a value it
// cannot read elsewhere; IP values have their own message]. Bool and Null take true or false
// (#Conditions_Boolean, #Conditions_Null), in any case as AWS's examples write them both ways
// [UNVERIFIED: case].
var valueReaders = map[string]func(string) bool{
	"Bool": isBoolText, "Null": isBoolText,
	"NumericEquals": isNumber, "NumericNotEquals": isNumber, "NumericLessThan": isNumber,
	"NumericLessThanEquals": isNumber, "NumericGreaterThan": isNumber, "NumericGreaterThanEquals": isNumber,
	"DateEquals": isDate, "DateNotEquals": isDate, "DateLessThan": isDate,
	"DateLessThanEquals": isDate, "DateGreaterThan": isDate, "DateGreaterThanEquals": isDate,
}

func isBoolText(v string) bool { return strings.EqualFold(v, "true") || strings.EqualFold(v, "false") }

func isDate(v string) bool {
	_, ok := parseDate(v)
	return ok
}

// baseOperator strips the set prefix and the IfExists suffix: "ForAnyValue:StringLikeIfExists"
// is "StringLike".
func baseOperator(op string) string {
	op = strings.TrimPrefix(op, prefixForAnyValue)
	op = strings.TrimPrefix(op, prefixForAllValues)
	if base, ok := strings.CutSuffix(op, suffixIfExists); ok && conditionOperators[base] {
		return base
	}
	return op
}

// validOperator accepts the operators of the IAM list, as written there (case-sensitive), with
// an optional set prefix and IfExists suffix; "NullIfExists" is not one
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
func validOperator(op string) bool {
	base := baseOperator(op)
	if !conditionOperators[base] {
		return false
	}
	// Null asks whether a key is present at all, so it takes neither IfExists nor a set
	// operator (#Conditions_Null) [UNVERIFIED: S3 refusing ForAnyValue:Null/ForAllValues:Null].
	return base != "Null" || op == base
}

// validConditionKey accepts every global key ("aws:...", which S3 does not check: see
// msgInvalidConditionKey) and S3's own keys, whose names are not case-sensitive
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html).
func validConditionKey(k string) bool {
	lower := strings.ToLower(k)
	if strings.HasPrefix(lower, "aws:") && len(lower) > len("aws:") {
		return true
	}
	if conditionKeys[lower] {
		return true
	}
	prefix, tag, ok := strings.Cut(lower, "/")
	return ok && tag != "" && conditionTagKeys[prefix]
}

// checkConditionsApply refuses a statement whose listing keys (s3:prefix, s3:delimiter,
// s3:max-keys) can apply to none of its actions, as humanmade/S3-Uploads#239 saw.
// [UNVERIFIED] S3 checks every key against every action; only these keys, the ones used most
// and whose actions are certain, are checked here.
func checkConditionsApply(s Statement) error {
	if s.Action == nil {
		return nil
	}
	for _, c := range s.Conditions {
		if !listingKeys[strings.ToLower(c.Key)] {
			continue
		}
		applies := false
		for _, pattern := range s.Action {
			if pattern == "*" {
				applies = true
			}
			for _, a := range matchingActions(pattern) {
				applies = applies || a.name == "ListBucket" || a.name == "ListBucketVersions"
			}
		}
		if !applies {
			return malformed(msgConditionNotApplicable)
		}
	}
	return nil
}
