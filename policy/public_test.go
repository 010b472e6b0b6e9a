package policy_test

import (
	"testing"

	"github.com/doorman-s3/doorman/policy"
)

// pagePublic is "The meaning of public", the rules of every row below.
const pagePublic = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status"

// putAny is the page's example statement: Allow s3:PutObject to "*", with a Condition block
// (or none when block is "").
func putAny(block string) string {
	s := `{"Principal":"*","Resource":"arn:aws:s3:::photos/*","Action":"s3:PutObject","Effect":"Allow"`
	if block != "" {
		s += `,"Condition":` + block
	}
	return stmts(s + `}`)
}

func TestIsPublic(t *testing.T) {
	cases := []struct {
		name, source, policy string
		public               bool
	}{
		{"page/vpc-wildcard", pagePublic, putAny(`{"StringLike":{"aws:SourceVpc":"vpc-*"}}`), true},
		{"page/no-condition", pagePublic, putAny(""), true},
		{"page/vpc-fixed", pagePublic, putAny(`{"StringEquals":{"aws:SourceVpc":"vpc-91237329"}}`), false},
		{"fixed-principal", pagePublic, stmts(allowAcct), false},
		{"fixed-user", pagePublic, stmts(allowAlice), false},
		{"deny-any", pagePublic, stmts(denyAnyGet), false},
		{"allow-any-beside-deny", pagePublic, stmts(denyAnyGet, allowAnyGet), true},
		{"aws-star", pagePublic, stmts(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`), true},
		{"not-principal-allow", pagePublic, stmts(`{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`), true},
		{"source-ip-cidr", pagePublic, putAny(`{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:db8::/32"]}}`), false},
		{"source-ip-everything", pagePublic, putAny(`{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`), true},
		{"source-ip-negated", pagePublic, putAny(`{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`), true},
		{"source-arn-fixed", pagePublic, putAny(`{"ArnEquals":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"}}`), false},
		{"source-arn-wildcard", pagePublic, putAny(`{"ArnLike":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:distribution/*"}}`), true},
		{"source-vpce-fixed", pagePublic, putAny(`{"StringEquals":{"aws:sourcevpce":"vpce-1a2b3c4d"}}`), false},
		{"source-account-fixed", pagePublic, putAny(`{"StringEquals":{"aws:SourceAccount":"111122223333"}}`), false},
		{"source-owner-fixed", pagePublic, putAny(`{"StringEquals":{"aws:SourceOwner":"111122223333"}}`), false},
		{"userid-fixed", pagePublic, putAny(`{"StringEquals":{"aws:userid":"AIDAEXAMPLE"}}`), false},
		{"userid-role-pattern", pagePublic, putAny(`{"StringLike":{"aws:userid":"AROLEID:*"}}`), true},
		{"principal-org-fixed", pagePublic, putAny(`{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}`), false},
		{"access-point-account", pagePublic, putAny(`{"StringEquals":{"s3:DataAccessPointAccount":"111122223333"}}`), false},
		{"variable-is-not-fixed", pagePublic, putAny(`{"StringEquals":{"aws:SourceAccount":"${aws:PrincipalAccount}"}}`), true},
		{"for-any-value-fixed", pagePublic, putAny(`{"ForAnyValue:StringEquals":{"aws:SourceVpc":"vpc-91237329"}}`), false},
		{"if-exists-does-not-restrict", pagePublic, putAny(`{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-91237329"}}`), true},
		{"for-all-values-does-not-restrict", pagePublic, putAny(`{"ForAllValues:StringEquals":{"aws:SourceVpc":"vpc-91237329"}}`), true},
		{"negated-does-not-restrict", pagePublic, putAny(`{"StringNotEquals":{"aws:SourceVpc":"vpc-91237329"}}`), true},
		{"unlisted-key", pagePublic, putAny(`{"StringLike":{"aws:Referer":"https://example.com/*"}}`), true},
		{"unlisted-key-fixed", pagePublic, putAny(`{"StringEquals":{"aws:UserAgent":"curl"}}`), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := policy.Parse([]byte(c.policy), "photos")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := p.IsPublic(); got != c.public {
				t.Errorf("IsPublic() = %v, want %v (%s)", got, c.public, c.source)
			}
		})
	}
}
