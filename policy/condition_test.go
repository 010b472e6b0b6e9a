package policy_test

import (
	"strings"

	"github.com/doorman-s3/doorman/policy"
)

// cond is a one-statement 2012-10-17 policy with the given Condition block; effect, action and
// resource are Allow s3:GetObject on the bucket's objects unless list is set, which makes it
// s3:ListBucket on the bucket.
func cond(effect, block string, list bool) string {
	action, res := "s3:GetObject", "arn:aws:s3:::photos/*"
	if list {
		action, res = "s3:ListBucket", "arn:aws:s3:::photos"
	}
	return stmts(`{"Effect":"` + effect + `","Principal":"*","Action":"` + action + `","Resource":"` + res + `","Condition":` + block + `}`)
}

func ctx(kv ...string) map[string][]string {
	m := map[string][]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = append(m[kv[i]], strings.Split(kv[i+1], "|")...)
	}
	return m
}

var (
	ipCond      = cond("Allow", `{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:db8::/32"]}}`, false)
	notIPDeny   = cond("Deny", `{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, false)
	refererCond = cond("Allow", `{"StringLike":{"aws:Referer":["https://www.example.com/*","https://example.com/*"]}}`, false)
	prefixCond  = cond("Allow", `{"StringLike":{"s3:prefix":["home/${aws:username}/*",""]}}`, true)
	tagsAll     = cond("Allow", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b","c"]}}`, false)
	tagsAny     = cond("Allow", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a","b"]}}`, false)
	httpsDeny   = cond("Deny", `{"Bool":{"aws:SecureTransport":"false"}}`, false)
)

var conditionCases = []evalCase{
	{"condition/ip-in-block", evPageOperators + "#Conditions_IPAddress", ipCond, anon, "s3:GetObject", "a", ctx("aws:sourceip", "192.0.2.7"), policy.Allow, 0, ""},
	{"condition/ip-v6-in-block", evPageOperators + "#Conditions_IPAddress", ipCond, anon, "s3:GetObject", "a", ctx("aws:sourceip", "2001:db8::1"), policy.Allow, 0, ""},
	{"condition/ip-mapped-v4", evPageOperators + "#Conditions_IPAddress", ipCond, anon, "s3:GetObject", "a", ctx("aws:sourceip", "::ffff:192.0.2.7"), policy.Allow, 0, ""},
	// A zoned source address is its address: the zone names the interface it came in on.
	{"condition/ip-zoned-v6-in-block", evPageOperators + "#Conditions_IPAddress", ipCond, anon, "s3:GetObject", "a", ctx("aws:sourceip", "2001:db8::1%eth0"), policy.Allow, 0, ""},
	{"condition/not-ip-zoned-v6-outside", evPageOperators + "#Conditions_IPAddress",
		cond("Deny", `{"NotIpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, false), anon, "s3:GetObject", "a", ctx("aws:sourceip", "2001:db8::1%eth0"), policy.NoEffect, -1, "matches"},
	{"condition/ip-single-mapped-policy-address", evPageOperators + "#Conditions_IPAddress",
		cond("Allow", `{"IpAddress":{"aws:SourceIp":"::ffff:192.0.2.7"}}`, false), anon, "s3:GetObject", "a", ctx("aws:sourceip", "192.0.2.7"), policy.Allow, 0, ""},
	{"condition/ip-outside", evPageOperators + "#Conditions_IPAddress", ipCond, anon, "s3:GetObject", "a", ctx("aws:sourceip", "10.0.0.1"), policy.NoEffect, -1,
		`Condition IpAddress aws:SourceIp: "10.0.0.1" does not match 192.0.2.0/24, 2001:db8::/32`},
	{"condition/ip-missing", evPageCondition + "#AccessPolicyLanguage_ConditionKeysPresent", ipCond, anon, "s3:GetObject", "a", nil, policy.NoEffect, -1, "the key is absent"},
	{"condition/not-ip-outside", evPageOperators + "#Conditions_IPAddress", notIPDeny, anon, "s3:GetObject", "a", ctx("aws:sourceip", "10.0.0.1"), policy.Deny, 0, ""},
	{"condition/not-ip-inside", evPageOperators + "#Conditions_IPAddress", notIPDeny, anon, "s3:GetObject", "a", ctx("aws:sourceip", "192.0.2.1"), policy.NoEffect, -1, "matches 192.0.2.0/24"},
	{"condition/negated-missing-key-holds", evPageCondition, notIPDeny, anon, "s3:GetObject", "a", nil, policy.Deny, 0, ""},
	{"condition/key-case-insensitive", evPageCondition,
		cond("Allow", `{"IpAddress":{"AWS:SOURCEIP":"192.0.2.0/24"}}`, false), anon, "s3:GetObject", "a", ctx("aws:sourceip", "192.0.2.7"), policy.Allow, 0, ""},
	{"condition/referer-like", evPageExamples + "#example-bucket-policies-HTTP-HTTPS", refererCond, anon, "s3:GetObject", "a", ctx("aws:referer", "https://example.com/page"), policy.Allow, 0, ""},
	{"condition/referer-other", evPageExamples + "#example-bucket-policies-HTTP-HTTPS", refererCond, anon, "s3:GetObject", "a", ctx("aws:referer", "https://evil.example/"), policy.NoEffect, -1, "does not match"},
	{"condition/string-equals-case", evPageOperators + "#Conditions_String",
		cond("Allow", `{"StringEquals":{"aws:UserAgent":"Curl"}}`, false), anon, "s3:GetObject", "a", ctx("aws:useragent", "curl"), policy.NoEffect, -1, "does not match"},
	{"condition/string-equals-star-is-text", evPageOperators + "#Conditions_String",
		cond("Allow", `{"StringEquals":{"aws:UserAgent":"c*"}}`, false), anon, "s3:GetObject", "a", ctx("aws:useragent", "curl"), policy.NoEffect, -1, "does not match"},
	{"condition/string-equals-ignore-case", evPageOperators + "#Conditions_String",
		cond("Allow", `{"StringEqualsIgnoreCase":{"aws:UserAgent":"Curl"}}`, false), anon, "s3:GetObject", "a", ctx("aws:useragent", "curl"), policy.Allow, 0, ""},
	{"condition/string-not-equals-ignore-case", evPageOperators + "#Conditions_String",
		cond("Deny", `{"StringNotEqualsIgnoreCase":{"aws:UserAgent":"Curl"}}`, false), anon, "s3:GetObject", "a", ctx("aws:useragent", "CURL"), policy.NoEffect, -1, "matches"},
	{"condition/values-ored", evPageCondition + "#AccessPolicyLanguage_MultiValueConditions",
		cond("Allow", `{"StringEquals":{"s3:x-amz-acl":["private","bucket-owner-full-control"]}}`, false), anon, "s3:GetObject", "a", ctx("s3:x-amz-acl", "bucket-owner-full-control"), policy.Allow, 0, ""},
	{"condition/keys-anded", evPageCondition + "#AccessPolicyLanguage_MultiValueConditions",
		cond("Allow", `{"StringEquals":{"s3:x-amz-acl":"private","aws:UserAgent":"curl"}}`, false), anon, "s3:GetObject", "a", ctx("s3:x-amz-acl", "private", "aws:useragent", "wget"), policy.NoEffect, -1, "aws:UserAgent"},
	{"condition/operators-anded", evPageCondition + "#AccessPolicyLanguage_MultiValueConditions",
		cond("Allow", `{"StringEquals":{"s3:x-amz-acl":"private"},"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, false), anon, "s3:GetObject", "a", ctx("s3:x-amz-acl", "private", "aws:sourceip", "192.0.2.9"), policy.Allow, 0, ""},
	{"condition/string-not-equals-missing", evPageCondition,
		cond("Deny", `{"StringNotEquals":{"s3:x-amz-server-side-encryption":"AES256"}}`, false), anon, "s3:GetObject", "a", nil, policy.Deny, 0, ""},
	{"condition/string-equals-missing", evPageCondition,
		cond("Allow", `{"StringEquals":{"s3:x-amz-server-side-encryption":"AES256"}}`, false), anon, "s3:GetObject", "a", nil, policy.NoEffect, -1, "the key is absent"},
	{"condition/if-exists-missing", evPageOperators + "#Conditions_IfExists",
		cond("Allow", `{"StringEqualsIfExists":{"s3:x-amz-server-side-encryption":"AES256"}}`, false), anon, "s3:GetObject", "a", nil, policy.Allow, 0, ""},
	{"condition/if-exists-present", evPageOperators + "#Conditions_IfExists",
		cond("Allow", `{"StringEqualsIfExists":{"s3:x-amz-server-side-encryption":"AES256"}}`, false), anon, "s3:GetObject", "a", ctx("s3:x-amz-server-side-encryption", "aws:kms"), policy.NoEffect, -1, "does not match"},
	{"condition/null-true-absent", evPageOperators + "#Conditions_Null",
		cond("Deny", `{"Null":{"s3:x-amz-server-side-encryption":"true"}}`, false), anon, "s3:GetObject", "a", nil, policy.Deny, 0, ""},
	{"condition/null-true-present", evPageOperators + "#Conditions_Null",
		cond("Deny", `{"Null":{"s3:x-amz-server-side-encryption":"true"}}`, false), anon, "s3:GetObject", "a", ctx("s3:x-amz-server-side-encryption", "AES256"), policy.NoEffect, -1, "the key is present"},
	// A multivalued key without a set operator: a positive operator holds when some value
	// matches, a negated one when none does (the page requires a set operator and leaves
	// this case undocumented).
	{"condition/multivalued-positive-any", evPageMultiValue + "#reference_policies_condition-key-points",
		cond("Allow", `{"StringEquals":{"aws:TagKeys":"a"}}`, false), anon, "s3:GetObject", "a", ctx("aws:tagkeys", "b|a"), policy.Allow, 0, ""},
	{"condition/multivalued-negated-one-matches", evPageMultiValue + "#reference_policies_condition-key-points",
		cond("Allow", `{"StringNotEquals":{"aws:TagKeys":"a"}}`, false), anon, "s3:GetObject", "a", ctx("aws:tagkeys", "b|a"), policy.NoEffect, -1, `"a" matches a`},
	{"condition/multivalued-negated-none-matches", evPageMultiValue + "#reference_policies_condition-key-points",
		cond("Allow", `{"StringNotEquals":{"aws:TagKeys":"a"}}`, false), anon, "s3:GetObject", "a", ctx("aws:tagkeys", "b|c"), policy.Allow, 0, ""},
	{"condition/null-true-empty", evPageOperators + "#Conditions_Null",
		cond("Deny", `{"Null":{"aws:TagKeys":"true"}}`, false), anon, "s3:GetObject", "a", map[string][]string{"aws:tagkeys": {}}, policy.Deny, 0, ""},
	{"condition/null-false-empty", evPageOperators + "#Conditions_Null",
		cond("Allow", `{"Null":{"aws:TagKeys":"false"}}`, false), anon, "s3:GetObject", "a", map[string][]string{"aws:tagkeys": {}}, policy.NoEffect, -1, "the key is absent"},
	{"condition/null-false-present", evPageOperators + "#Conditions_Null",
		cond("Allow", `{"Null":{"aws:TokenIssueTime":"false"}}`, false), anon, "s3:GetObject", "a", ctx("aws:tokenissuetime", "2024-01-01T00:00:00Z"), policy.Allow, 0, ""},
	{"condition/for-all-values-subset", evPageMultiValue + "#reference_policies_condition-multi-valued-context-keys",
		tagsAll, anon, "s3:GetObject", "a", ctx("aws:tagkeys", "a|b"), policy.Allow, 0, ""},
	{"condition/for-all-values-not-subset", evPageMultiValue + "#reference_policies_condition-multi-valued-context-keys",
		tagsAll, anon, "s3:GetObject", "a", ctx("aws:tagkeys", "a|d"), policy.NoEffect, -1, `"d" does not satisfy it`},
	{"condition/for-all-values-missing", evPageMultiValue + "#reference_policies_condition-multi-valued-context-keys",
		tagsAll, anon, "s3:GetObject", "a", nil, policy.Allow, 0, ""},
	{"condition/for-any-value-one", evPageMultiValue + "#reference_policies_condition-multi-valued-context-keys",
		tagsAny, anon, "s3:GetObject", "a", ctx("aws:tagkeys", "x|b"), policy.Allow, 0, ""},
	{"condition/for-any-value-none", evPageMultiValue + "#reference_policies_condition-multi-valued-context-keys",
		tagsAny, anon, "s3:GetObject", "a", ctx("aws:tagkeys", "x|y"), policy.NoEffect, -1, "does not match"},
	{"condition/for-any-value-missing", evPageMultiValue + "#reference_policies_condition-multi-valued-context-keys",
		tagsAny, anon, "s3:GetObject", "a", nil, policy.NoEffect, -1, "the key is absent"},
	{"condition/numeric-max-keys", evPageOperators + "#Conditions_Numeric",
		cond("Allow", `{"NumericLessThanEquals":{"s3:max-keys":"10"}}`, true), anon, "s3:ListBucket", "", ctx("s3:max-keys", "5"), policy.Allow, 0, ""},
	{"condition/numeric-max-keys-equal", evPageOperators + "#Conditions_Numeric",
		cond("Allow", `{"NumericLessThanEquals":{"s3:max-keys":"10"}}`, true), anon, "s3:ListBucket", "", ctx("s3:max-keys", "10"), policy.Allow, 0, ""},
	{"condition/numeric-max-keys-over", evPageOperators + "#Conditions_Numeric",
		cond("Allow", `{"NumericLessThanEquals":{"s3:max-keys":"10"}}`, true), anon, "s3:ListBucket", "", ctx("s3:max-keys", "50"), policy.NoEffect, -1, "does not match"},
	{"condition/numeric-not-a-number", evPageOperators + "#Conditions_Numeric",
		cond("Allow", `{"NumericGreaterThan":{"s3:max-keys":"10"}}`, true), anon, "s3:ListBucket", "", ctx("s3:max-keys", "many"), policy.NoEffect, -1, "is not a number"},
	{"condition/numeric-not-equals", evPageOperators + "#Conditions_Numeric",
		cond("Allow", `{"NumericNotEquals":{"s3:max-keys":["10","20"]}}`, true), anon, "s3:ListBucket", "", ctx("s3:max-keys", "15"), policy.Allow, 0, ""},
	{"condition/date-after", evPageOperators + "#Conditions_Date",
		cond("Allow", `{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, false), anon, "s3:GetObject", "a", ctx("aws:currenttime", "2026-06-01T12:00:00Z"), policy.Allow, 0, ""},
	{"condition/date-before", evPageOperators + "#Conditions_Date",
		cond("Allow", `{"DateLessThan":{"aws:CurrentTime":"2020-01-01"}}`, false), anon, "s3:GetObject", "a", ctx("aws:currenttime", "2026-06-01T12:00:00Z"), policy.NoEffect, -1, "does not match"},
	// Dates outside the years 1678-2262 (where nanoseconds since 1970 overflow an int64) and
	// instants a nanosecond apart compare as the times they are.
	{"condition/date-1600-before-2020", evPageOperators + "#Conditions_Date",
		cond("Allow", `{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, false), anon, "s3:GetObject", "a", ctx("aws:currenttime", "1600-01-01T00:00:00Z"), policy.Allow, 0, ""},
	{"condition/date-3000-after-2020", evPageOperators + "#Conditions_Date",
		cond("Allow", `{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, false), anon, "s3:GetObject", "a", ctx("aws:currenttime", "3000-01-01T00:00:00Z"), policy.Allow, 0, ""},
	{"condition/date-9999-not-before-2020", evPageOperators + "#Conditions_Date",
		cond("Allow", `{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, false), anon, "s3:GetObject", "a", ctx("aws:currenttime", "9999-12-31T23:59:59Z"), policy.NoEffect, -1, "does not match"},
	{"condition/date-subsecond-not-equal", evPageOperators + "#Conditions_Date",
		cond("Allow", `{"DateEquals":{"aws:CurrentTime":"2026-06-01T12:00:00.000000001Z"}}`, false), anon, "s3:GetObject", "a", ctx("aws:currenttime", "2026-06-01T12:00:00.000000002Z"), policy.NoEffect, -1, "does not match"},
	{"condition/date-subsecond-equal", evPageOperators + "#Conditions_Date",
		cond("Allow", `{"DateEquals":{"aws:CurrentTime":"2026-06-01T12:00:00.123456789Z"}}`, false), anon, "s3:GetObject", "a", ctx("aws:currenttime", "2026-06-01T12:00:00.123456789+00:00"), policy.Allow, 0, ""},
	{"condition/date-no-zone-is-utc", evPageOperators + "#Conditions_Date",
		cond("Allow", `{"DateEquals":{"aws:CurrentTime":"2026-06-01T12:00:00"}}`, false), anon, "s3:GetObject", "a", ctx("aws:currenttime", "2026-06-01T12:00:00Z"), policy.Allow, 0, ""},
	// A request value the Numeric operators cannot read matches nothing, negated or not.
	{"condition/numeric-request-exponent", evPageOperators + "#Conditions_Numeric",
		cond("Allow", `{"NumericEquals":{"s3:max-keys":"10"}}`, true), anon, "s3:ListBucket", "", ctx("s3:max-keys", "1e1"), policy.NoEffect, -1, "is not a number"},
	{"condition/numeric-request-exponent-negated", evPageOperators + "#Conditions_Numeric",
		cond("Allow", `{"NumericNotEquals":{"s3:max-keys":"10"}}`, true), anon, "s3:ListBucket", "", ctx("s3:max-keys", "1e2"), policy.NoEffect, -1, "is not a number"},
	{"condition/numeric-decimal", evPageOperators + "#Conditions_Numeric",
		cond("Allow", `{"NumericLessThan":{"s3:max-keys":"10.5"}}`, true), anon, "s3:ListBucket", "", ctx("s3:max-keys", "-3"), policy.Allow, 0, ""},
	{"condition/bool-case", evPageOperators + "#Conditions_Boolean",
		cond("Deny", `{"Bool":{"aws:SecureTransport":"False"}}`, false), anon, "s3:GetObject", "a", ctx("aws:securetransport", "false"), policy.Deny, 0, ""},
	{"condition/date-epoch", evPageOperators + "#Conditions_Date",
		cond("Allow", `{"DateLessThanEquals":{"aws:EpochTime":"1700000000"}}`, false), anon, "s3:GetObject", "a", ctx("aws:epochtime", "1600000000"), policy.Allow, 0, ""},
	{"condition/bool-https-deny", evPageExamples + "#example-bucket-policies-use-case-8",
		httpsDeny, anon, "s3:GetObject", "a", ctx("aws:securetransport", "false"), policy.Deny, 0, ""},
	{"condition/bool-https-allowed", evPageExamples + "#example-bucket-policies-use-case-8",
		httpsDeny, anon, "s3:GetObject", "a", ctx("aws:securetransport", "true"), policy.NoEffect, -1, `"true" does not match false`},
	{"condition/binary-equals", evPageOperators + "#Conditions_BinaryEquals",
		cond("Allow", `{"BinaryEquals":{"aws:Key":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}`, false), anon, "s3:GetObject", "a", ctx("aws:key", "QmluYXJ5VmFsdWVJbkJhc2U2NA=="), policy.Allow, 0, ""},
	{"condition/arn-like", evPageOperators + "#Conditions_ARN",
		cond("Allow", `{"ArnLike":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:distribution/*"}}`, false), anon, "s3:GetObject", "a",
		ctx("aws:sourcearn", "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"), policy.Allow, 0, ""},
	{"condition/arn-wildcard-stays-in-component", evPageOperators + "#Conditions_ARN",
		cond("Allow", `{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:*:111122223333"}}`, false), anon, "s3:GetObject", "a",
		ctx("aws:sourcearn", "arn:aws:sns:us-east-1:111122223333:topic"), policy.NoEffect, -1, "does not match"},
	{"condition/arn-wildcard-stays-in-account", evPageOperators + "#Conditions_ARN",
		cond("Allow", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"}}`, false), anon, "s3:GetObject", "a",
		ctx("aws:sourcearn", "arn:aws:sns:us-east-1:444455556666:111122223333:x"), policy.NoEffect, -1, "does not match"},
	{"condition/arn-not-like", evPageOperators + "#Conditions_ARN",
		cond("Deny", `{"ArnNotLike":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:*"}}`, false), anon, "s3:GetObject", "a",
		ctx("aws:sourcearn", "arn:aws:cloudfront::444455556666:distribution/X"), policy.Deny, 0, ""},
	{"condition/variable-in-value", evPageVariables + "#policy-vars-using-variables", prefixCond, alice, "s3:ListBucket", "", ctx("s3:prefix", "home/alice/photos/"), policy.Allow, 0, ""},
	{"condition/variable-in-value-other-user", evPageVariables + "#policy-vars-using-variables", prefixCond, alice2, "s3:ListBucket", "", ctx("s3:prefix", "home/alice/"), policy.NoEffect, -1, "does not match"},
	{"condition/variable-unset", evPageVariables + "#policy-vars-no-value", prefixCond, anon, "s3:ListBucket", "", ctx("s3:prefix", "home//x"), policy.NoEffect, -1, "does not match"},
}
