package policy

import (
	"fmt"
	"strings"
)

// Caller is who makes a request.
type Caller struct {
	Anonymous   bool
	Account     string // 12-digit account id
	ARN         string // "arn:aws:iam::ACCOUNT:root" or "arn:aws:iam::ACCOUNT:user/NAME"
	CanonicalID string
	UserName    string // aws:username (IAM users only)
}

// Request is what is asked of a policy: who does which action on which resource, and the
// request's condition keys.
type Request struct {
	Caller   Caller
	Action   string              // "s3:GetObject"
	Resource string              // "arn:aws:s3:::bucket" or "arn:aws:s3:::bucket/key"
	Context  map[string][]string // condition keys, names lower-cased; a missing key is absent
}

// Result is a policy's decision on a request and each statement's part in it.
type Result struct {
	Effect     Effect            // Deny if any applicable Deny; else Allow if any Allow; else NoEffect
	Statement  int               // index of the deciding statement, -1 for NoEffect
	Statements []StatementResult // one per statement, in order
}

// StatementResult says whether a statement applies to a request and, when not, why.
type StatementResult struct {
	Index   int
	Sid     string
	Effect  Effect
	Applies bool
	Why     string // the first element that does not match, or "applies"
}

// whyApplies is StatementResult.Why of a statement that applies.
const whyApplies = "applies"

// Evaluate decides the request as AWS's evaluation logic does within one policy
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
// an applicable Deny wins over any Allow; an applicable Allow allows; when nothing applies
// the result is NoEffect, the implicit deny, which leaves the decision to whatever else
// grants access (the bucket owner, ACLs). The deciding statement is the first applicable Deny,
// else the first applicable Allow.
func (p *Policy) Evaluate(r *Request) Result {
	res := Result{Statement: -1, Statements: make([]StatementResult, len(p.Statements))}
	variables := p.Version == versionWithVariables
	for i := range p.Statements {
		s := &p.Statements[i]
		why := s.why(r, variables)
		applies := why == ""
		if applies {
			why = whyApplies
			if s.Effect == Deny && res.Effect != Deny || s.Effect == Allow && res.Effect == NoEffect {
				res.Effect, res.Statement = s.Effect, i
			}
		}
		res.Statements[i] = StatementResult{Index: i, Sid: s.Sid, Effect: s.Effect, Applies: applies, Why: why}
	}
	return res
}

// why is "" when the statement applies to the request, else the first element, in the
// order Principal, Action, Resource, Condition, that does not match.
func (s *Statement) why(r *Request, variables bool) string {
	switch {
	case s.Principal != nil && !principalMatch(s.Principal, &r.Caller, s.Effect == Deny):
		return "Principal does not match " + callerName(&r.Caller)
	case s.NotPrincipal != nil && notPrincipalExcludes(s.NotPrincipal, &r.Caller):
		return "NotPrincipal matches " + callerName(&r.Caller)
	}
	// Action names are not case-sensitive
	// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html).
	actionMatches := func(list []string) bool {
		return anyValue(list, func(a string) bool { return literalPattern(a).match(r.Action, true) })
	}
	switch {
	case s.Action != nil && !actionMatches(s.Action):
		return fmt.Sprintf("Action does not match %q", r.Action)
	case s.NotAction != nil && actionMatches(s.NotAction):
		return fmt.Sprintf("NotAction matches %q", r.Action)
	}
	// Resource ARNs are case-sensitive and take policy variables
	// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).
	resourceMatches := func(list []string) bool {
		return anyValue(list, func(res string) bool {
			pat, ok := expand(res, variables, r)
			return ok && pat.match(r.Resource, false)
		})
	}
	switch {
	case s.Resource != nil && !resourceMatches(s.Resource):
		return fmt.Sprintf("Resource does not match %q", r.Resource)
	case s.NotResource != nil && resourceMatches(s.NotResource):
		return fmt.Sprintf("NotResource matches %q", r.Resource)
	}
	for i := range s.Conditions {
		if ok, why := s.Conditions[i].holds(r, variables); !ok {
			return why
		}
	}
	return ""
}

// callerName names the caller in a StatementResult's Why.
func callerName(c *Caller) string {
	switch {
	case c.Anonymous:
		return "an anonymous caller"
	case c.ARN != "":
		return fmt.Sprintf("%q", c.ARN)
	}
	return fmt.Sprintf("%q", strings.TrimSpace(c.Account+" "+c.CanonicalID))
}
