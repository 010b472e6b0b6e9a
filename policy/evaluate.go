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
// else the first applicable Allow. Evaluate, which runs on every request, leaves the Why of a
// statement that does not apply empty; Explain fills it in.
func (p *Policy) Evaluate(r *Request) Result { return p.evaluate(r, false) }

// Explain is Evaluate with every StatementResult's Why filled in.
func (p *Policy) Explain(r *Request) Result { return p.evaluate(r, true) }

func (p *Policy) evaluate(r *Request, explain bool) Result {
	res := Result{Statement: -1, Statements: make([]StatementResult, len(p.Statements))}
	variables := p.Version == versionWithVariables
	for i := range p.Statements {
		s := &p.Statements[i]
		m := s.check(r, variables)
		applies := m.element == elementNone
		why := ""
		if applies {
			why = whyApplies
			if s.Effect == Deny && res.Effect != Deny || s.Effect == Allow && res.Effect == NoEffect {
				res.Effect, res.Statement = s.Effect, i
			}
		} else if explain {
			why = m.text(s, r)
		}
		res.Statements[i] = StatementResult{Index: i, Sid: s.Sid, Effect: s.Effect, Applies: applies, Why: why}
	}
	return res
}

// A mismatch is the first element of a statement that does not match a request, as data.
type mismatch struct {
	element   element
	condition int     // element == elementCondition: the index of the condition
	failure   failure // and why it does not hold
}

type element uint8

const (
	elementNone element = iota // the statement applies
	elementPrincipal
	elementNotPrincipal
	elementAction
	elementNotAction
	elementResource
	elementNotResource
	elementCondition
)

// check finds the first element, in the order Principal, Action, Resource, Condition, that
// does not match the request; elementNone when the statement applies.
func (s *Statement) check(r *Request, variables bool) mismatch {
	switch {
	case s.Principal != nil && !principalMatch(s.Principal, &r.Caller, s.Effect == Deny):
		return mismatch{element: elementPrincipal}
	case s.NotPrincipal != nil && notPrincipalExcludes(s.NotPrincipal, &r.Caller):
		return mismatch{element: elementNotPrincipal}
	}
	// Action names are not case-sensitive
	// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html).
	actionMatches := func(list []string) bool {
		return anyValue(list, func(a string) bool { return literalPattern(a).match(r.Action, true) })
	}
	switch {
	case s.Action != nil && !actionMatches(s.Action):
		return mismatch{element: elementAction}
	case s.NotAction != nil && actionMatches(s.NotAction):
		return mismatch{element: elementNotAction}
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
		return mismatch{element: elementResource}
	case s.NotResource != nil && resourceMatches(s.NotResource):
		return mismatch{element: elementNotResource}
	}
	for i := range s.Conditions {
		if ok, f := s.Conditions[i].holds(r, variables); !ok {
			return mismatch{element: elementCondition, condition: i, failure: f}
		}
	}
	return mismatch{}
}

// text is the mismatch's explanation, a StatementResult's Why.
func (m mismatch) text(s *Statement, r *Request) string {
	switch m.element {
	case elementPrincipal:
		return "Principal does not match " + callerName(&r.Caller)
	case elementNotPrincipal:
		return "NotPrincipal matches " + callerName(&r.Caller)
	case elementAction:
		return fmt.Sprintf("Action does not match %q", r.Action)
	case elementNotAction:
		return fmt.Sprintf("NotAction matches %q", r.Action)
	case elementResource:
		return fmt.Sprintf("Resource does not match %q", r.Resource)
	case elementNotResource:
		return fmt.Sprintf("NotResource matches %q", r.Resource)
	case elementCondition:
		return m.failure.text(&s.Conditions[m.condition])
	}
	return whyApplies
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
