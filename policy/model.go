package policy

// Effect is what a statement, or a whole evaluation, decides.
type Effect uint8

const (
	// NoEffect is the implicit deny: no statement applies.
	NoEffect Effect = iota
	// Allow grants the request unless an applicable Deny exists.
	Allow
	// Deny refuses the request whatever else applies.
	Deny
)

// String returns the effect as the policy language spells it ("Allow", "Deny"), or "NoEffect".
func (e Effect) String() string {
	switch e {
	case Allow:
		return "Allow"
	case Deny:
		return "Deny"
	}
	return "NoEffect"
}

// Policy is a parsed bucket policy document.
type Policy struct {
	Version    string // "2012-10-17" or "2008-10-17"
	ID         string
	Statements []Statement
}

// Statement is one element of a policy's Statement list.
type Statement struct {
	Sid          string
	Effect       Effect     // Allow or Deny
	Principal    *Principal // exactly one of Principal, NotPrincipal is set
	NotPrincipal *Principal
	// Action and NotAction: exactly one is set; "s3:GetObject", "s3:Get*", "*".
	Action, NotAction []string
	// Resource and NotResource: exactly one is set; ARNs, wildcards.
	Resource, NotResource []string
	Conditions            []Condition
}

// Principal is a Principal or NotPrincipal element.
type Principal struct {
	Any           bool     // "*" or {"AWS": "*"}
	AWS           []string // account ids, "arn:aws:iam::123456789012:root", user ARNs
	CanonicalUser []string
	Service       []string
	Federated     []string
}

// Condition is one operator/key pair of a statement's Condition block.
type Condition struct {
	Operator string   // as written: "StringEquals", "ForAnyValue:StringLikeIfExists", ...
	Key      string   // as written: "aws:SourceIp", "s3:prefix"
	Values   []string // a scalar is a one-element list; booleans and numbers as text
}
