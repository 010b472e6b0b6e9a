package policy_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/policy"
)

// Pages the rows follow.
const (
	pageElements   = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html"
	pageVersion    = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html"
	pageStatement  = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_statement.html"
	pageEffect     = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_effect.html"
	pagePrincipal  = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"
	pageAction     = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html"
	pageResource   = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html"
	pageCondition  = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
	pageS3Keys     = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html"
	pageS3Actions  = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html"
	pageExamples   = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html"
	pageBucketSize = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/add-bucket-policy.html"
	pagePutPolicy  = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html"
)

const bucket = "photos"

// doc is a one-statement policy whose statement has the given members besides defaults for
// Effect, Principal, Action and Resource; a member given as `"Name": null` is left out.
func doc(members ...string) string {
	defaults := map[string]string{
		"Effect":    `"Allow"`,
		"Principal": `"*"`,
		"Action":    `"s3:GetObject"`,
		"Resource":  `"arn:aws:s3:::photos/*"`,
	}
	order := []string{"Effect", "Principal", "Action", "Resource"}
	var extra []string
	for _, m := range members {
		name, value, _ := strings.Cut(m, ":")
		name = strings.Trim(strings.TrimSpace(name), `"`)
		value = strings.TrimSpace(value)
		if _, ok := defaults[name]; ok {
			defaults[name] = value
			continue
		}
		if value != "null" {
			extra = append(extra, m)
		}
	}
	var parts []string
	for _, name := range order {
		if defaults[name] != "null" {
			parts = append(parts, `"`+name+`": `+defaults[name])
		}
	}
	parts = append(parts, extra...)
	return `{"Version": "2012-10-17", "Statement": [{` + strings.Join(parts, ", ") + `}]}`
}

func TestParseRefuses(t *testing.T) {
	big := `{"Statement": [` + strings.Repeat(`{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"},`, 250) +
		`{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}]}`
	// Within 20 KB as sent, over it once the missing Version and the lists are written out.
	compact := `{"Statement":{"Sid":"%s","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}}`
	grows := strings.Replace(compact, "%s", strings.Repeat("s", policy.MaxSize-len(compact)+2), 1)
	tests := []struct {
		name, page, doc, code, msg string
	}{
		{"canonical form over 20 KB", pageBucketSize, grows, "PolicyTooLarge", "Policy exceeds the maximum allowed document size."},
		{"not an object", pagePutPolicy, `["Statement"]`, "MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'"},
		{"leading space", pagePutPolicy, ` {}`, "MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'"},
		{"empty body", pagePutPolicy, ``, "MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'"},
		{"invalid JSON", pagePutPolicy, `{"Statement": [}`, "MalformedPolicy", "This policy contains invalid Json"},
		{"trailing data", pagePutPolicy, `{"Statement": []}}`, "MalformedPolicy", "This policy contains invalid Json"},
		{"invalid UTF-8", pagePutPolicy, "{\"Id\": \"\xff\"}", "MalformedPolicy", "This policy contains invalid Json"},
		{"over 20 KB", pageBucketSize, big, "PolicyTooLarge", "Policy exceeds the maximum allowed document size."},
		{"no Statement", pageStatement, `{"Version": "2012-10-17"}`, "MalformedPolicy", "Missing required field Statement"},
		{"empty Statement", pageStatement, `{"Statement": []}`, "MalformedPolicy", "Could not parse the policy: Statement is empty!"},
		{"unknown Version", pageVersion, `{"Version": "2012-10-18", "Statement": []}`, "MalformedPolicy", "The policy must contain a valid version string"},
		{"Version a number", pageVersion, `{"Version": 2012, "Statement": []}`, "MalformedPolicy", "The policy must contain a valid version string"},
		{"unknown top-level field", pageElements, `{"Statement": [], "Condition": {}}`, "MalformedPolicy", "Unknown field Condition"},
		{"field names are case-sensitive", pageElements, `{"statement": []}`, "MalformedPolicy", "Unknown field statement"},
		{"Statement twice", pageElements, `{"Statement": [], "Statement": []}`, "MalformedPolicy", "Statement/policy already has instance of Statement"},
		{"Id not a string", pageElements, `{"Id": 1, "Statement": []}`, "MalformedPolicy", "Syntax errors in policy."},
		{"statement not an object", pageStatement, `{"Statement": ["x"]}`, "MalformedPolicy", "Syntax errors in policy."},
		{"unknown statement field", pageElements, doc(`"Effects": "Allow"`), "MalformedPolicy", "Unknown field Effects"},
		{"Sid not a string", pageElements, doc(`"Sid": 1`), "MalformedPolicy", "Syntax errors in policy."},
		{"no Effect", pageEffect, doc(`"Effect": null`), "MalformedPolicy", "Missing required field Effect"},
		{"Effect lower case", pageEffect, doc(`"Effect": "allow"`), "MalformedPolicy", "Invalid effect: allow"},
		{"Effect unknown", pageEffect, doc(`"Effect": "hello"`), "MalformedPolicy", "Invalid effect: hello"},
		{"no Principal", pagePrincipal, doc(`"Principal": null`), "MalformedPolicy", "Missing required field Principal"},
		{"Principal and NotPrincipal", pagePrincipal, doc(`"NotPrincipal": "*"`), "MalformedPolicy", "Statement/policy already has instance of Principal"},
		{"Principal empty string", pagePrincipal, doc(`"Principal": ""`), "MalformedPolicy", "Invalid principal in policy"},
		{"Principal a name", pagePrincipal, doc(`"Principal": "AWS"`), "MalformedPolicy", "Invalid principal in policy"},
		{"Principal a list", pagePrincipal, doc(`"Principal": ["*"]`), "MalformedPolicy", "Invalid principal in policy"},
		{"Principal empty object", pagePrincipal, doc(`"Principal": {}`), "MalformedPolicy", "Invalid principal in policy"},
		{"AWS empty string", pagePrincipal, doc(`"Principal": {"AWS": ""}`), "MalformedPolicy", "Invalid principal in policy"},
		{"AWS empty list", pagePrincipal, doc(`"Principal": {"AWS": []}`), "MalformedPolicy", "Invalid principal in policy"},
		{"AWS a user name", pagePrincipal, doc(`"Principal": {"AWS": "bob"}`), "MalformedPolicy", "Invalid principal in policy"},
		{"AWS 11 digits", pagePrincipal, doc(`"Principal": {"AWS": "12345678901"}`), "MalformedPolicy", "Invalid principal in policy"},
		{"AWS partial wildcard", pagePrincipal, doc(`"Principal": {"AWS": "arn:aws:iam::111122223333:user/*"}`), "MalformedPolicy", "Invalid principal in policy"},
		{"AWS ARN without name", pagePrincipal, doc(`"Principal": {"AWS": "arn:aws:iam::111122223333:user/"}`), "MalformedPolicy", "Invalid principal in policy"},
		{"AWS ARN of another service", pagePrincipal, doc(`"Principal": {"AWS": "arn:aws:s3:::photos"}`), "MalformedPolicy", "Invalid principal in policy"},
		{"unknown principal type", pagePrincipal, doc(`"Principal": {"aws": "*"}`), "MalformedPolicy", "Invalid principal in policy"},
		{"CanonicalUser not 64 hex", pagePrincipal, doc(`"Principal": {"CanonicalUser": "abc"}`), "MalformedPolicy", "Invalid principal in policy"},
		{"Service wildcard", pagePrincipal, doc(`"Principal": {"Service": "*"}`), "MalformedPolicy", "Invalid principal in policy"},
		{"principal type twice", pagePrincipal, doc(`"Principal": {"AWS": "*", "AWS": "111122223333"}`), "MalformedPolicy", "Statement/policy already has instance of AWS"},
		{"no Action", pageAction, doc(`"Action": null`), "MalformedPolicy", "Missing required field Action"},
		{"Action and NotAction", pageAction, doc(`"NotAction": "s3:PutObject"`), "MalformedPolicy", "Statement/policy already has instance of Action"},
		{"Action empty string", pageAction, doc(`"Action": ""`), "MalformedPolicy", "Policy has invalid action"},
		{"Action empty list", pageAction, doc(`"Action": []`), "MalformedPolicy", "Policy has invalid action"},
		{"Action not S3", pageS3Actions, doc(`"Action": "ec2:RunInstances"`), "MalformedPolicy", "Policy has invalid action"},
		{"Action unknown", pageS3Actions, doc(`"Action": "s3:GetObjects"`), "MalformedPolicy", "Policy has invalid action"},
		{"Action no prefix", pageAction, doc(`"Action": "GetObject"`), "MalformedPolicy", "Policy has invalid action"},
		{"Action wildcard matching none", pageS3Actions, doc(`"Action": "s3:????"`), "MalformedPolicy", "Policy has invalid action"},
		{"Action not a string", pageAction, doc(`"Action": [1]`), "MalformedPolicy", "Syntax errors in policy."},
		{"no Resource", pageResource, doc(`"Resource": null`), "MalformedPolicy", "Missing required field Resource"},
		{"Resource and NotResource", pageResource, doc(`"NotResource": "arn:aws:s3:::photos"`), "MalformedPolicy", "Statement/policy already has instance of Resource"},
		{"Resource star", pageResource, doc(`"Resource": "*"`), "MalformedPolicy", "Policy has invalid resource"},
		{"Resource empty", pageResource, doc(`"Resource": ""`), "MalformedPolicy", "Policy has invalid resource"},
		{"Resource empty list", pageResource, doc(`"Resource": []`), "MalformedPolicy", "Policy has invalid resource"},
		{"Resource another bucket", pageExamples, doc(`"Resource": "arn:aws:s3:::other/*"`), "MalformedPolicy", "Policy has invalid resource"},
		{"Resource bucket name prefix", pageExamples, doc(`"Resource": "arn:aws:s3:::photos2/*"`), "MalformedPolicy", "Policy has invalid resource"},
		{"NotResource another bucket", pageResource, doc(`"Resource": null`, `"NotResource": "arn:aws:s3:::other/*"`), "MalformedPolicy", "Policy has invalid resource"},
		{"NotAction unknown", pageAction, doc(`"Action": null`, `"NotAction": "s3:Nothing"`), "MalformedPolicy", "Policy has invalid action"},
		{"Resource slash first", pageResource, doc(`"Resource": "arn:aws:s3:::/photos"`), "MalformedPolicy", "Policy has invalid resource"},
		{"Resource IAM ARN", pageResource, doc(`"Resource": "arn:aws:iam:::photos"`), "MalformedPolicy", "Policy has invalid resource"},
		{"object action on the bucket", pageS3Actions, doc(`"Resource": "arn:aws:s3:::photos"`), "MalformedPolicy", "Action does not apply to any resource(s) in statement"},
		{"bucket action on objects", pageS3Actions, doc(`"Action": ["s3:GetObject", "s3:ListBucket"]`), "MalformedPolicy", "Action does not apply to any resource(s) in statement"},
		{"account action in a bucket policy", pageS3Actions, doc(`"Action": "s3:ListAllMyBuckets"`), "MalformedPolicy", "Action does not apply to any resource(s) in statement"},
		{"Condition not an object", pageCondition, doc(`"Condition": []`), "MalformedPolicy", "Syntax errors in policy."},
		{"unknown operator", pageCondition, doc(`"Condition": {"StringEqual": {"aws:Referer": "x"}}`), "MalformedPolicy", "Invalid Condition type : StringEqual"},
		{"operator case", pageCondition, doc(`"Condition": {"stringequals": {"aws:Referer": "x"}}`), "MalformedPolicy", "Invalid Condition type : stringequals"},
		{"NullIfExists", pageCondition, doc(`"Condition": {"NullIfExists": {"aws:Referer": "true"}}`), "MalformedPolicy", "Invalid Condition type : NullIfExists"},
		{"unknown set prefix", pageCondition, doc(`"Condition": {"ForSomeValues:StringLike": {"aws:Referer": "x"}}`), "MalformedPolicy", "Invalid Condition type : ForSomeValues:StringLike"},
		{"unknown S3 key", pageS3Keys, doc(`"Condition": {"StringEquals": {"s3:x-acl": "private"}}`), "MalformedPolicy", "Policy has an invalid condition key"},
		{"key of another service", pageS3Keys, doc(`"Condition": {"StringEquals": {"ec2:Region": "x"}}`), "MalformedPolicy", "Policy has an invalid condition key"},
		{"tag key without a tag", pageS3Keys, doc(`"Condition": {"StringEquals": {"s3:ExistingObjectTag/": "x"}}`), "MalformedPolicy", "Policy has an invalid condition key"},
		{"value null", pageCondition, doc(`"Condition": {"StringEquals": {"aws:Referer": null}}`), "MalformedPolicy", "Syntax errors in policy."},
		{"values empty", pageCondition, doc(`"Condition": {"StringEquals": {"aws:Referer": []}}`), "MalformedPolicy", "Syntax errors in policy."},
		// More than 64 variables in one value: refused, so that no element is left to match
		// nothing at evaluation, which inside NotResource would widen the statement
		// [UNVERIFIED: S3's answer; the messages are S3's for a value it cannot read].
		{"too many variables in NotResource", pageResource, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","NotResource":"arn:aws:s3:::photos/` + strings.Repeat("${$}", 65) + `"}]}`, "MalformedPolicy", "Policy has invalid resource"},
		{"too many variables in a condition", pageCondition, doc(`"Condition": {"StringNotLike": {"aws:Referer": "` + strings.Repeat("${aws:username}", 65) + `"}}`), "MalformedPolicy", "Syntax errors in policy."},
		// Values an operator cannot read ([UNVERIFIED] messages: see valueReaders).
		{"date unreadable", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date", doc(`"Condition": {"DateGreaterThan": {"aws:CurrentTime": "yesterday"}}`), "MalformedPolicy", "Syntax errors in policy."},
		{"date negated unreadable", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date", doc(`"Condition": {"DateNotEquals": {"aws:CurrentTime": "2020-13-01"}}`), "MalformedPolicy", "Syntax errors in policy."},
		{"numeric exponent", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric", doc(`"Condition": {"NumericLessThan": {"s3:max-keys": "1e1"}}`), "MalformedPolicy", "Syntax errors in policy."},
		{"numeric hex", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric", doc(`"Condition": {"NumericLessThan": {"s3:max-keys": "0x10"}}`), "MalformedPolicy", "Syntax errors in policy."},
		{"numeric Inf", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric", doc(`"Condition": {"NumericNotEquals": {"s3:max-keys": "Inf"}}`), "MalformedPolicy", "Syntax errors in policy."},
		{"numeric NaN", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric", doc(`"Condition": {"NumericLessThan": {"s3:max-keys": "NaN"}}`), "MalformedPolicy", "Syntax errors in policy."},
		{"numeric plus", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric", doc(`"Condition": {"NumericEquals": {"s3:max-keys": "+5"}}`), "MalformedPolicy", "Syntax errors in policy."},
		{"numeric JSON exponent", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric", doc(`"Condition": {"NumericEquals": {"s3:max-keys": 1e1}}`), "MalformedPolicy", "Syntax errors in policy."},
		{"bool other", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Boolean", doc(`"Condition": {"Bool": {"aws:SecureTransport": "yes"}}`), "MalformedPolicy", "Syntax errors in policy."},
		{"null other", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null", doc(`"Condition": {"Null": {"aws:Referer": "1"}}`), "MalformedPolicy", "Syntax errors in policy."},
		{"ForAnyValue:Null", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null", doc(`"Condition": {"ForAnyValue:Null": {"aws:Referer": "true"}}`), "MalformedPolicy", "Invalid Condition type : ForAnyValue:Null"},
		{"ForAllValues:Null", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null", doc(`"Condition": {"ForAllValues:Null": {"aws:Referer": "true"}}`), "MalformedPolicy", "Invalid Condition type : ForAllValues:Null"},
		{"bad IP", pageCondition, doc(`"Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.300/24"}}`), "MalformedPolicy", "Invalid IP address in Conditions"},
		// A zone names one host's interface, not addresses (#Conditions_IPAddress takes
		// addresses and CIDR blocks only) [UNVERIFIED: S3 refusing it with this message].
		{"zoned IP", pageCondition, doc(`"Condition": {"IpAddress": {"aws:SourceIp": "fe80::1%eth0"}}`), "MalformedPolicy", "Invalid IP address in Conditions"},
		{"s3:prefix on objects", pageS3Keys, doc(`"Condition": {"StringLike": {"s3:prefix": "home/*"}}`), "MalformedPolicy", "Conditions do not apply to combination of actions and resources in statement"},
		{"nesting deeper than the grammar", pageElements, doc(`"Condition": {"StringEquals": {"aws:Referer": [[1]]}}`), "MalformedPolicy", "Syntax errors in policy."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := policy.Parse([]byte(tt.doc), bucket)
			var pe *policy.Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %+v, %v; want %s %q (%s)", p, err, tt.code, tt.msg, tt.page)
			}
			if pe.Code != tt.code || pe.Message != tt.msg {
				t.Errorf("Parse error = %s %q; want %s %q (%s)", pe.Code, pe.Message, tt.code, tt.msg, tt.page)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	star := &policy.Principal{Any: true}
	tests := []struct {
		name, page, doc string
		want            *policy.Policy
	}{
		{
			name: "public read, statement as an object, scalars", page: pageExamples,
			doc: `{"Version":"2012-10-17","Id":"P1","Statement":{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}}`,
			want: &policy.Policy{Version: "2012-10-17", ID: "P1", Statements: []policy.Statement{{
				Sid: "PublicRead", Effect: policy.Allow, Principal: star,
				Action: []string{"s3:GetObject"}, Resource: []string{"arn:aws:s3:::photos/*"},
			}}},
		},
		{
			name: "missing Version means 2008-10-17", page: pageVersion,
			doc: doc(), want: nil, // checked below through Version only
		},
		{
			name: "AWS star is the wildcard", page: pagePrincipal,
			doc: `{"Version":"2008-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"s3:*","Resource":["arn:aws:s3:::photos","arn:aws:s3:::photos/*"]}]}`,
			want: &policy.Policy{Version: "2008-10-17", Statements: []policy.Statement{{
				Effect: policy.Deny, Principal: star,
				Action: []string{"s3:*"}, Resource: []string{"arn:aws:s3:::photos", "arn:aws:s3:::photos/*"},
			}}},
		},
		{
			name: "accounts, users, canonical ids, services, federated", page: pagePrincipal,
			doc: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:user/bob","arn:aws:sts::111122223333:assumed-role/r/s","arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1"],"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be","Service":"logging.s3.amazonaws.com","Federated":"cognito-identity.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::photos/logs/*"}]}`,
			want: &policy.Policy{Version: "2012-10-17", Statements: []policy.Statement{{
				Effect: policy.Allow,
				Principal: &policy.Principal{
					AWS:           []string{"111122223333", "arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:user/bob", "arn:aws:sts::111122223333:assumed-role/r/s", "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1"},
					CanonicalUser: []string{"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
					Service:       []string{"logging.s3.amazonaws.com"},
					Federated:     []string{"cognito-identity.amazonaws.com"},
				},
				Action: []string{"s3:PutObject"}, Resource: []string{"arn:aws:s3:::photos/logs/*"},
			}}},
		},
		{
			name: "NotPrincipal, NotAction, NotResource; action case", page: pageElements,
			doc: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"NotAction":["S3:getobject","s3:List*"],"NotResource":"arn:aws:s3:::photos/public/*"}]}`,
			want: &policy.Policy{Version: "2012-10-17", Statements: []policy.Statement{{
				Effect: policy.Deny, NotPrincipal: &policy.Principal{AWS: []string{"arn:aws:iam::111122223333:root"}},
				NotAction: []string{"S3:getobject", "s3:List*"}, NotResource: []string{"arn:aws:s3:::photos/public/*"},
			}}},
		},
		{
			name: "conditions: scalars, numbers, booleans, lists; sorted by operator and key", page: pageCondition,
			doc: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::photos","Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*",""],"aws:Referer":"https://example.com/*"},"NumericLessThanEquals":{"s3:max-keys":10},"Bool":{"aws:SecureTransport":true},"ForAnyValue:StringEqualsIfExists":{"aws:CalledVia":"x"},"IpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:db8::1"]},"Null":{"s3:x-amz-acl":"true"}}}]}`,
			want: &policy.Policy{Version: "2012-10-17", Statements: []policy.Statement{{
				Effect: policy.Allow, Principal: star,
				Action: []string{"s3:ListBucket"}, Resource: []string{"arn:aws:s3:::photos"},
				Conditions: []policy.Condition{
					{Operator: "Bool", Key: "aws:SecureTransport", Values: []string{"true"}},
					{Operator: "ForAnyValue:StringEqualsIfExists", Key: "aws:CalledVia", Values: []string{"x"}},
					{Operator: "IpAddress", Key: "aws:SourceIp", Values: []string{"192.0.2.0/24", "2001:db8::1"}},
					{Operator: "Null", Key: "s3:x-amz-acl", Values: []string{"true"}},
					{Operator: "NumericLessThanEquals", Key: "s3:max-keys", Values: []string{"10"}},
					{Operator: "StringLike", Key: "aws:Referer", Values: []string{"https://example.com/*"}},
					{Operator: "StringLike", Key: "s3:prefix", Values: []string{"home/${aws:username}/*", ""}},
				},
			}}},
		},
		{
			name: "S3 keys are case-insensitive; tag keys", page: pageS3Keys,
			doc: doc(`"Condition": {"StringEquals": {"S3:X-AMZ-ACL": "private", "s3:ExistingObjectTag/team": "web"}}`),
		},
		{
			name: "duplicate Sids are accepted", page: pageElements,
			doc: `{"Statement":[{"Sid":"a","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"},{"Sid":"a","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/private/*"}]}`,
		},
		{
			name: "wildcard in the bucket part", page: pageResource,
			doc: doc(`"Resource": "arn:aws:s3:::pho*/*"`),
		},
		{
			name: "an empty Condition block", page: pageCondition,
			doc: doc(`"Condition": {}`),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := policy.Parse([]byte(tt.doc), bucket)
			if err != nil {
				t.Fatalf("Parse: %v (%s)", err, tt.page)
			}
			if tt.want != nil && !reflect.DeepEqual(p, tt.want) {
				t.Errorf("Parse =\n%#v\nwant\n%#v\n(%s)", p, tt.want, tt.page)
			}
			if p.Version != "2012-10-17" && p.Version != "2008-10-17" {
				t.Errorf("Version = %q", p.Version)
			}
			if !strings.Contains(tt.doc, `"Version"`) && p.Version != "2008-10-17" {
				t.Errorf("Version = %q, want 2008-10-17 when missing (%s)", p.Version, pageVersion)
			}
			assertRoundTrip(t, p)
		})
	}
}

// assertRoundTrip checks that p's canonical form reads back equal to p.
func assertRoundTrip(t *testing.T, p *policy.Policy) {
	t.Helper()
	canonical, err := p.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON: %v", err)
	}
	back, err := policy.Parse(canonical, bucket)
	if err != nil {
		t.Fatalf("Parse(MarshalJSON) = %v\n%s", err, canonical)
	}
	if !reflect.DeepEqual(back, p) {
		t.Fatalf("Parse(MarshalJSON(p)) =\n%#v\nwant\n%#v\n%s", back, p, canonical)
	}
}

func TestMarshalJSONCanonicalForm(t *testing.T) {
	p, err := policy.Parse([]byte(`{"Statement":{"Principal":{"AWS":["*","111122223333"]},"Effect":"Deny","Resource":"arn:aws:s3:::photos/*","Action":"s3:GetObject","Condition":{"StringLike":{"aws:Referer":"<a&b>"}}}}`), bucket)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":"2008-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":["*","111122223333"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::photos/*"],"Condition":{"StringLike":{"aws:Referer":["<a&b>"]}}}]}`
	if string(got) != want {
		t.Errorf("MarshalJSON =\n%s\nwant\n%s", got, want)
	}
}

func TestParseWithKnownPrincipal(t *testing.T) {
	known := map[string]bool{"111122223333": true}
	opt := policy.Options{KnownPrincipal: func(p string) bool { return known[p] }}
	tests := []struct {
		name, principal string
		ok              bool
	}{
		{"known account", `{"AWS": "111122223333"}`, true},
		{"wildcard is not asked about", `"*"`, true},
		{"unknown account", `{"AWS": "444455556666"}`, false},
		{"unknown canonical user", `{"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policy.ParseWith([]byte(doc(`"Principal": `+tt.principal)), bucket, opt)
			if tt.ok != (err == nil) {
				t.Fatalf("ParseWith = %v, want ok %v (%s)", err, tt.ok, pagePrincipal)
			}
			var pe *policy.Error
			if err != nil && (!errors.As(err, &pe) || pe.Message != "Invalid principal in policy") {
				t.Errorf("ParseWith = %v, want Invalid principal in policy", err)
			}
		})
	}
}
