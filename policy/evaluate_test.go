package policy_test

import (
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/policy"
)

// Pages the evaluation rows follow.
const (
	evPagePrincipal  = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"
	evPageNotPrinc   = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html"
	evPageAction     = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html"
	evPageNotAction  = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html"
	evPageResource   = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html"
	evPageNotRes     = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html"
	evPageVariables  = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"
	evPageLogic      = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"
	evPageCondition  = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html"
	evPageOperators  = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
	evPageMultiValue = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html"
	evPageExamples   = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html"
)

// Callers of the rows: alice, an IAM user of account 111122223333; that account's root; bob,
// the root of another account; an anonymous caller.
var (
	alice = policy.Caller{Account: "111122223333", ARN: "arn:aws:iam::111122223333:user/alice",
		CanonicalID: strings.Repeat("a1", 32), UserName: "alice"}
	root   = policy.Caller{Account: "111122223333", ARN: "arn:aws:iam::111122223333:root", CanonicalID: strings.Repeat("a1", 32)}
	bob    = policy.Caller{Account: "444455556666", ARN: "arn:aws:iam::444455556666:root", CanonicalID: strings.Repeat("b2", 32)}
	anon   = policy.Caller{Anonymous: true}
	alice2 = policy.Caller{Account: "111122223333", ARN: "arn:aws:iam::111122223333:user/mallory", UserName: "mallory"}
)

// evalCase is one evaluation: a policy document for bucket "photos" and a request.
type evalCase struct {
	name   string
	source string // the AWS page (and anchor) the row follows
	policy string
	caller policy.Caller
	action string
	key    string              // "" for the bucket itself
	ctx    map[string][]string // condition keys, lower-cased
	want   policy.Effect
	// stmt is the deciding statement; for NoEffect, why is a part of the first statement's Why.
	stmt int
	why  string
}

func (c *evalCase) request() *policy.Request {
	res := "arn:aws:s3:::photos"
	if c.key != "" {
		res += "/" + c.key
	}
	return &policy.Request{Caller: c.caller, Action: c.action, Resource: res, Context: c.ctx}
}

// stmts is a 2012-10-17 policy of the given statements.
func stmts(s ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(s, ",") + `]}`
}

const (
	allowAnyGet = `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`
	allowAcct   = `{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`
	allowRoot   = `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`
	allowAlice  = `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:*","Resource":"arn:aws:s3:::photos/*"}`
	denyAnyGet  = `{"Sid":"no","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/secret/*"}`
	homeDirs    = `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/home/${aws:username}/*"}`
)

var evalCases = []evalCase{
	{"principal/any-anonymous", evPagePrincipal + "#principal-anonymous", stmts(allowAnyGet), anon, "s3:GetObject", "a.jpg", nil, policy.Allow, 0, ""},
	// Naming an account in an Allow delegates to the account: its IAM users get nothing from
	// it without an identity policy, and doorman's IAM users have none.
	{"principal/account-id-iam-user", evPagePrincipal + "#principal-accounts", stmts(allowAcct), alice, "s3:GetObject", "a.jpg", nil, policy.NoEffect, -1, `Principal does not match "arn:aws:iam::111122223333:user/alice"`},
	{"principal/account-id-root", evPagePrincipal + "#principal-accounts", stmts(allowAcct), root, "s3:GetObject", "a.jpg", nil, policy.Allow, 0, ""},
	{"principal/root-arn-iam-user", evPagePrincipal + "#principal-accounts", stmts(allowRoot), alice, "s3:GetObject", "a.jpg", nil, policy.NoEffect, -1, "Principal does not match"},
	{"principal/root-arn-root", evPagePrincipal + "#principal-accounts", stmts(allowRoot), root, "s3:GetObject", "a.jpg", nil, policy.Allow, 0, ""},
	{"principal/canonical-user-iam-user", evPagePrincipal + "#principal-canonical-user",
		stmts(`{"Effect":"Allow","Principal":{"CanonicalUser":"` + strings.Repeat("a1", 32) + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`),
		alice, "s3:GetObject", "a.jpg", nil, policy.NoEffect, -1, "Principal does not match"},
	// In a Deny, naming the account denies every identity in it.
	{"principal/deny-account-iam-user", evPagePrincipal + "#principal-accounts",
		stmts(allowAnyGet, `{"Effect":"Deny","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`),
		alice, "s3:GetObject", "a.jpg", nil, policy.Deny, 1, ""},
	{"principal/deny-root-arn-iam-user", evPagePrincipal + "#principal-accounts",
		stmts(allowAnyGet, `{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`),
		alice, "s3:GetObject", "a.jpg", nil, policy.Deny, 1, ""},
	{"principal/account-other", evPagePrincipal + "#principal-accounts", stmts(allowAcct), bob, "s3:GetObject", "a.jpg", nil, policy.NoEffect, -1, `Principal does not match "arn:aws:iam::444455556666:root"`},
	{"principal/account-anonymous", evPagePrincipal + "#principal-anonymous", stmts(allowAcct), anon, "s3:GetObject", "a.jpg", nil, policy.NoEffect, -1, "Principal does not match an anonymous caller"},
	{"principal/anonymous-is-no-account", evPagePrincipal + "#principal-anonymous", stmts(allowAcct),
		policy.Caller{Anonymous: true, Account: "111122223333"}, "s3:GetObject", "a.jpg", nil, policy.NoEffect, -1, "Principal does not match an anonymous caller"},
	{"principal/user-arn", evPagePrincipal + "#principal-users", stmts(allowAlice), alice, "s3:PutObject", "a.jpg", nil, policy.Allow, 0, ""},
	{"principal/user-arn-other-user", evPagePrincipal + "#principal-users", stmts(allowAlice), alice2, "s3:PutObject", "a.jpg", nil, policy.NoEffect, -1, "Principal does not match"},
	{"principal/user-arn-not-root", evPagePrincipal + "#principal-users", stmts(allowAlice), root, "s3:PutObject", "a.jpg", nil, policy.NoEffect, -1, "Principal does not match"},
	{"principal/canonical-user", evPagePrincipal + "#principal-canonical-user",
		stmts(`{"Effect":"Allow","Principal":{"CanonicalUser":"` + strings.Repeat("b2", 32) + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`),
		bob, "s3:GetObject", "a.jpg", nil, policy.Allow, 0, ""},
	{"principal/canonical-user-anonymous", evPagePrincipal + "#principal-canonical-user",
		stmts(`{"Effect":"Allow","Principal":{"CanonicalUser":"` + strings.Repeat("b2", 32) + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`),
		anon, "s3:GetObject", "a.jpg", nil, policy.NoEffect, -1, "Principal does not match"},
	{"notprincipal/deny-others", evPageNotPrinc,
		stmts(`{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/alice","111122223333"]},"Action":"s3:*","Resource":"arn:aws:s3:::photos/*"}`),
		bob, "s3:GetObject", "a.jpg", nil, policy.Deny, 0, ""},
	{"notprincipal/deny-others-anonymous", evPageNotPrinc,
		stmts(`{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"arn:aws:s3:::photos/*"}`),
		anon, "s3:GetObject", "a.jpg", nil, policy.Deny, 0, ""},
	// An IAM user is excepted only when both its account and its own ARN are listed: the
	// account alone excepts its root, the user's ARN alone nobody (#notprincipal-key-points).
	{"notprincipal/account-only-denies-iam-user", evPageNotPrinc + "#notprincipal-key-points",
		stmts(`{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"arn:aws:s3:::photos/*"}`),
		alice, "s3:GetObject", "a.jpg", nil, policy.Deny, 0, ""},
	{"notprincipal/account-excepts-root", evPageNotPrinc + "#notprincipal-key-points",
		stmts(`{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"arn:aws:s3:::photos/*"}`),
		root, "s3:GetObject", "a.jpg", nil, policy.NoEffect, -1, `NotPrincipal matches "arn:aws:iam::111122223333:root"`},
	{"notprincipal/user-only-denies-user", evPageNotPrinc + "#notprincipal-key-points",
		stmts(`{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:*","Resource":"arn:aws:s3:::photos/*"}`),
		alice, "s3:GetObject", "a.jpg", nil, policy.Deny, 0, ""},
	{"notprincipal/user-only-denies-root", evPageNotPrinc + "#notprincipal-key-points",
		stmts(`{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:*","Resource":"arn:aws:s3:::photos/*"}`),
		root, "s3:GetObject", "a.jpg", nil, policy.Deny, 0, ""},
	{"notprincipal/account-and-user-excepted", evPageNotPrinc + "#notprincipal-key-points",
		stmts(`{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:user/alice"]},"Action":"s3:*","Resource":"arn:aws:s3:::photos/*"}`),
		alice, "s3:GetObject", "a.jpg", nil, policy.NoEffect, -1, `NotPrincipal matches "arn:aws:iam::111122223333:user/alice"`},
	{"notprincipal/account-and-other-user", evPageNotPrinc + "#notprincipal-key-points",
		stmts(`{"Effect":"Deny","NotPrincipal":{"AWS":["111122223333","arn:aws:iam::111122223333:user/alice"]},"Action":"s3:*","Resource":"arn:aws:s3:::photos/*"}`),
		alice2, "s3:GetObject", "a.jpg", nil, policy.Deny, 0, ""},
	{"action/wildcard-case-insensitive", evPageAction,
		stmts(`{"Effect":"Allow","Principal":"*","Action":"S3:get*","Resource":"arn:aws:s3:::photos/*"}`),
		anon, "s3:GetObject", "a.jpg", nil, policy.Allow, 0, ""},
	{"action/question-mark", evPageAction,
		stmts(`{"Effect":"Allow","Principal":"*","Action":"s3:?etObject","Resource":"arn:aws:s3:::photos/*"}`),
		anon, "s3:GetObject", "a.jpg", nil, policy.Allow, 0, ""},
	{"action/other", evPageAction, stmts(allowAnyGet), anon, "s3:PutObject", "a.jpg", nil, policy.NoEffect, -1, `Action does not match "s3:PutObject"`},
	{"notaction/other-action", evPageNotAction,
		stmts(`{"Effect":"Allow","Principal":"*","NotAction":"s3:DeleteObject","Resource":"arn:aws:s3:::photos/*"}`),
		anon, "s3:GetObject", "a.jpg", nil, policy.Allow, 0, ""},
	{"notaction/listed-action", evPageNotAction,
		stmts(`{"Effect":"Allow","Principal":"*","NotAction":"s3:DeleteObject","Resource":"arn:aws:s3:::photos/*"}`),
		anon, "s3:deleteobject", "a.jpg", nil, policy.NoEffect, -1, `NotAction matches "s3:deleteobject"`},
	{"resource/case-sensitive", evPageResource,
		stmts(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/Public/*"}`),
		anon, "s3:GetObject", "public/a.jpg", nil, policy.NoEffect, -1, `Resource does not match "arn:aws:s3:::photos/public/a.jpg"`},
	{"resource/wildcard-spans-slashes", evPageResource + "#reference_policies_elements_resource_wildcards",
		stmts(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*.jpg"}`),
		anon, "s3:GetObject", "2024/06/a.jpg", nil, policy.Allow, 0, ""},
	{"resource/question-mark", evPageResource + "#reference_policies_elements_resource_wildcards",
		stmts(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/a?.jpg"}`),
		anon, "s3:GetObject", "ab.jpg", nil, policy.Allow, 0, ""},
	{"resource/bucket-not-objects", evPageResource,
		stmts(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::photos"}`),
		anon, "s3:GetObject", "a.jpg", nil, policy.NoEffect, -1, "Resource does not match"},
	{"notresource/outside", evPageNotRes,
		stmts(`{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","NotResource":"arn:aws:s3:::photos/public/*"}`),
		anon, "s3:GetObject", "private/a.jpg", nil, policy.Deny, 0, ""},
	{"notresource/inside", evPageNotRes,
		stmts(`{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","NotResource":"arn:aws:s3:::photos/public/*"}`),
		anon, "s3:GetObject", "public/a.jpg", nil, policy.NoEffect, -1, `NotResource matches "arn:aws:s3:::photos/public/a.jpg"`},
	{"logic/deny-beats-allow", evPageLogic + "#policy-eval-denyallow", stmts(allowAnyGet, denyAnyGet), anon, "s3:GetObject", "secret/a.jpg", nil, policy.Deny, 1, ""},
	{"logic/allow-where-deny-does-not-apply", evPageLogic + "#policy-eval-denyallow", stmts(denyAnyGet, allowAnyGet), anon, "s3:GetObject", "a.jpg", nil, policy.Allow, 1, ""},
	{"logic/implicit-deny", evPageLogic + "#policy-eval-denyallow", stmts(denyAnyGet), anon, "s3:GetObject", "a.jpg", nil, policy.NoEffect, -1, "Resource does not match"},
	{"logic/empty", evPageLogic + "#policy-eval-denyallow", stmts(allowAcct), anon, "s3:GetObject", "a.jpg", nil, policy.NoEffect, -1, ""},
	{"variables/username", evPageVariables + "#policy-vars-using-variables", stmts(homeDirs), alice, "s3:GetObject", "home/alice/a.jpg", nil, policy.Allow, 0, ""},
	{"variables/username-other-home", evPageVariables + "#policy-vars-using-variables", stmts(homeDirs), alice2, "s3:GetObject", "home/alice/a.jpg", nil, policy.NoEffect, -1, "Resource does not match"},
	{"variables/username-unset-root", evPageVariables + "#policy-vars-no-value", stmts(homeDirs), root, "s3:GetObject", "home//a.jpg", nil, policy.NoEffect, -1, "Resource does not match"},
	{"variables/value-is-not-a-wildcard", evPageVariables + "#policy-vars-using-variables", stmts(homeDirs),
		policy.Caller{Account: "111122223333", ARN: "arn:aws:iam::111122223333:user/a*", UserName: "a*"}, "s3:GetObject", "home/alice/a.jpg", nil, policy.NoEffect, -1, "Resource does not match"},
	{"variables/version-2008-literal", evPageVariables + "#policy-vars-using-variables",
		`{"Version":"2008-10-17","Statement":` + homeDirs + `}`, alice, "s3:GetObject", "home/alice/a.jpg", nil, policy.NoEffect, -1, "Resource does not match"},
	{"variables/version-2008-literal-text", evPageVariables + "#policy-vars-using-variables",
		`{"Version":"2008-10-17","Statement":` + homeDirs + `}`, alice, "s3:GetObject", "home/${aws:username}/a.jpg", nil, policy.Allow, 0, ""},
	{"variables/default", evPageVariables + "#policy-vars-default-values",
		stmts(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/home/${aws:username, 'shared'}/*"}`),
		anon, "s3:GetObject", "home/shared/a.jpg", nil, policy.Allow, 0, ""},
	{"variables/special-star-literal", evPageVariables + "#policy-vars-specialchars",
		stmts(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/${*}"}`),
		anon, "s3:GetObject", "*", nil, policy.Allow, 0, ""},
	{"variables/special-star-not-wildcard", evPageVariables + "#policy-vars-specialchars",
		stmts(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/${*}"}`),
		anon, "s3:GetObject", "a", nil, policy.NoEffect, -1, "Resource does not match"},
	{"variables/context-key", evPageVariables + "#policy-vars-infotouse",
		stmts(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/${aws:PrincipalAccount}/*"}`),
		alice, "s3:GetObject", "111122223333/a.jpg", nil, policy.Allow, 0, ""},
	{"variables/userid", evPageVariables + "#policy-vars-infotouse",
		stmts(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/${aws:userid}/*"}`),
		alice, "s3:GetObject", "AIDAEXAMPLE/a.jpg", map[string][]string{"aws:userid": {"AIDAEXAMPLE"}}, policy.Allow, 0, ""},
	{"examples/public-read", evPageExamples + "#example-bucket-policies-anonymous-user",
		`{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:GetObjectVersion"],"Resource":["arn:aws:s3:::photos/*"]}]}`,
		anon, "s3:GetObjectVersion", "index.html", nil, policy.Allow, 0, ""},
}

// pathological is a resource pattern whose stars make a backtracking matcher take
// exponential time on a key of 'a's that ends without the final 'b'.
var pathological = "arn:aws:s3:::photos/" + strings.Repeat("*a", 40) + "*b"

func init() {
	evalCases = append(evalCases, evalCase{"resource/pathological-pattern", evPageResource + "#reference_policies_elements_resource_wildcards",
		stmts(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"` + pathological + `"}`),
		anon, "s3:GetObject", strings.Repeat("a", 1024), nil, policy.NoEffect, -1, "Resource does not match"})
}

// dollars is a resource of n ${$} variables after the bucket, each a literal '$'.
func dollars(n int) string {
	return stmts(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/` + strings.Repeat("${$}", n) + `"}`)
}

func init() {
	// A string of maxVariables (64) variables is read; Parse refuses more (TestParseRefuses).
	evalCases = append(evalCases,
		evalCase{"variables/most", evPageVariables + "#policy-vars-specialchars", dollars(64), anon, "s3:GetObject", strings.Repeat("$", 64), nil, policy.Allow, 0, ""})
}

// A policy built in memory, past Parse, with more than maxVariables (64) variables in a
// resource matches nothing there.
func TestEvaluateTooManyVariables(t *testing.T) {
	p := &policy.Policy{Version: policy.Version2012, Statements: []policy.Statement{{
		Effect: policy.Allow, Principal: &policy.Principal{Any: true}, Action: []string{"s3:GetObject"},
		Resource: []string{"arn:aws:s3:::photos/" + strings.Repeat("${$}", 65)},
	}}}
	r := &policy.Request{Caller: anon, Action: "s3:GetObject", Resource: "arn:aws:s3:::photos/" + strings.Repeat("$", 65)}
	if res := p.Evaluate(r); res.Effect != policy.NoEffect {
		t.Errorf("Effect %v, want NoEffect", res.Effect)
	}
}

func allCases() []evalCase { return append(append([]evalCase{}, evalCases...), conditionCases...) }

func TestEvaluate(t *testing.T) {
	for _, c := range allCases() {
		t.Run(c.name, func(t *testing.T) {
			p, err := policy.Parse([]byte(c.policy), "photos")
			if err != nil {
				t.Fatalf("Parse: %v (%s)", err, c.source)
			}
			res := p.Explain(c.request())
			// Evaluate decides as Explain does, leaving the Why of a statement that does
			// not apply empty.
			fast := p.Evaluate(c.request())
			if fast.Effect != res.Effect || fast.Statement != res.Statement || len(fast.Statements) != len(res.Statements) {
				t.Fatalf("Evaluate %+v, Explain %+v", fast, res)
			}
			for i, s := range fast.Statements {
				want := res.Statements[i]
				if !want.Applies {
					want.Why = ""
				}
				if s != want {
					t.Errorf("Evaluate's statement result %d: %+v, want %+v", i, s, want)
				}
			}
			if res.Effect != c.want || res.Statement != c.stmt {
				t.Fatalf("Effect %v, Statement %d; want %v, %d (%s)\n%+v", res.Effect, res.Statement, c.want, c.stmt, c.source, res.Statements)
			}
			if len(res.Statements) != len(p.Statements) {
				t.Fatalf("%d statement results for %d statements", len(res.Statements), len(p.Statements))
			}
			for i, s := range res.Statements {
				if s.Index != i || s.Sid != p.Statements[i].Sid || s.Effect != p.Statements[i].Effect || s.Applies != (s.Why == "applies") {
					t.Errorf("statement result %d: %+v", i, s)
				}
			}
			if c.stmt >= 0 && !res.Statements[c.stmt].Applies {
				t.Errorf("deciding statement %d does not apply: %+v", c.stmt, res.Statements[c.stmt])
			}
			if c.why != "" && !strings.Contains(res.Statements[0].Why, c.why) {
				t.Errorf("Why %q, want it to contain %q (%s)", res.Statements[0].Why, c.why, c.source)
			}
		})
	}
}

// BenchmarkEvaluate evaluates each row of the table, as a sub-benchmark named after it.
func BenchmarkEvaluate(b *testing.B) {
	for _, c := range allCases() {
		p, err := policy.Parse([]byte(c.policy), "photos")
		if err != nil {
			b.Fatal(err)
		}
		r := c.request()
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.Evaluate(r)
			}
		})
	}
}
