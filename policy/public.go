package policy

import "strings"

// IsPublic reports whether the policy is public in Amazon S3's sense, which Block Public
// Access's BlockPublicPolicy and RestrictPublicBuckets and GetBucketPolicyStatus use
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status,
// "The meaning of public"): a policy is public unless every statement that allows grants
// access only to fixed values — values with no wildcard and no policy variable — of a
// principal or of one of the keys that page lists. So a policy is public when one of its
// Allow statements has a wildcard principal (Principal "*", or a NotPrincipal, which allows
// everyone else) and no condition restricting it to fixed values of those keys. Deny
// statements never make a policy public.
func (p *Policy) IsPublic() bool {
	for i := range p.Statements {
		s := &p.Statements[i]
		if s.Effect != Allow {
			continue
		}
		wildcard := s.NotPrincipal != nil || s.Principal != nil && s.Principal.Any
		if wildcard && !restricted(s.Conditions) {
			return true
		}
	}
	return false
}

// restrictingKeys is the condition keys that page lists whose fixed values make a grant
// non-public, lower-cased. aws:PrincipalOrgID, aws:PrincipalAccount and aws:PrincipalArn fix
// "an AWS principal", the page's first item, by condition rather than by Principal; the
// AWS SDKs' PublicAccessBlockConfiguration reference adds
// s3:x-amz-server-side-encryption-aws-kms-key-id
// (https://docs.aws.amazon.com/sdkfornet/v3/apidocs/items/S3/TPublicAccessBlockConfiguration.html).
var restrictingKeys = setOf(strings.ToLower(`aws:SourceArn aws:SourceVpc aws:SourceVpce
	aws:SourceOwner aws:SourceAccount aws:userid s3:DataAccessPointArn s3:DataAccessPointAccount
	aws:PrincipalOrgID aws:PrincipalAccount aws:PrincipalArn
	s3:x-amz-server-side-encryption-aws-kms-key-id`))

// restrictingOperators is the operators that restrict a key to its values: positive, so
// that a request without the key fails them, and without IfExists or ForAllValues, which a
// missing key passes.
var restrictingOperators = setOf(`StringEquals StringEqualsIgnoreCase StringLike ArnEquals
	ArnLike IpAddress`)

// restricted reports whether one of the conditions restricts the grant to fixed values.
func restricted(conds []Condition) bool {
	for _, c := range conds {
		op := baseOperator(c.Operator)
		if !restrictingOperators[op] || strings.HasPrefix(c.Operator, prefixForAllValues) ||
			strings.HasSuffix(c.Operator, suffixIfExists) || len(c.Values) == 0 {
			continue
		}
		key := strings.ToLower(c.Key)
		fixed := true
		for _, v := range c.Values {
			fixed = fixed && fixedValue(key, v)
		}
		if fixed && (restrictingKeys[key] || key == "aws:sourceip" && op == "IpAddress") {
			return true
		}
	}
	return false
}

// fixedValue: no wildcard and no policy variable. A value of aws:userid in the pattern
// "AROLEID:*" (a role's sessions) is not fixed: the page says "aws:userid, outside the
// pattern AROLEID:*". An aws:SourceIp block is a set of addresses; a prefix of length 0
// (0.0.0.0/0, ::/0) is every address, so it restricts nothing [UNVERIFIED: the page lists
// "a set of Classless Inter-Domain Routings (CIDRs), using aws:SourceIp" without a bound;
// the whole address space is the one set that is plainly no restriction].
func fixedValue(key, v string) bool {
	if strings.ContainsAny(v, "*?") || strings.Contains(v, "${") {
		return false
	}
	if key == "aws:sourceip" {
		b, ok := ipBlock(v)
		return ok && b.Bits() > 0
	}
	return true
}
