package policy

import (
	"bytes"
	"encoding/json"
)

// The canonical form MarshalJSON writes: elements in the order AWS's documentation writes them,
// every list as a JSON array even of one value, Version always present, Principal "*" when it
// is only the wildcard, conditions grouped by operator, operators and keys sorted.
type jsonPolicy struct {
	Version   string          `json:"Version"`
	ID        string          `json:"Id,omitempty"`
	Statement []jsonStatement `json:"Statement"`
}

type jsonStatement struct {
	Sid          string                         `json:"Sid,omitempty"`
	Effect       string                         `json:"Effect"`
	Principal    any                            `json:"Principal,omitempty"`
	NotPrincipal any                            `json:"NotPrincipal,omitempty"`
	Action       []string                       `json:"Action,omitempty"`
	NotAction    []string                       `json:"NotAction,omitempty"`
	Resource     []string                       `json:"Resource,omitempty"`
	NotResource  []string                       `json:"NotResource,omitempty"`
	Condition    map[string]map[string][]string `json:"Condition,omitempty"`
}

type jsonPrincipal struct {
	AWS           []string `json:"AWS,omitempty"`
	CanonicalUser []string `json:"CanonicalUser,omitempty"`
	Federated     []string `json:"Federated,omitempty"`
	Service       []string `json:"Service,omitempty"`
}

// MarshalJSON writes p in its canonical form, which Parse reads back equal to p.
func (p *Policy) MarshalJSON() ([]byte, error) {
	out := jsonPolicy{Version: p.Version, ID: p.ID}
	for _, s := range p.Statements {
		js := jsonStatement{
			Sid:          s.Sid,
			Effect:       s.Effect.String(),
			Principal:    principalJSON(s.Principal),
			NotPrincipal: principalJSON(s.NotPrincipal),
			Action:       s.Action,
			NotAction:    s.NotAction,
			Resource:     s.Resource,
			NotResource:  s.NotResource,
		}
		for _, c := range s.Conditions {
			if js.Condition == nil {
				js.Condition = map[string]map[string][]string{}
			}
			if js.Condition[c.Operator] == nil {
				js.Condition[c.Operator] = map[string][]string{}
			}
			js.Condition[c.Operator][c.Key] = c.Values
		}
		out.Statement = append(out.Statement, js)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Without HTML escaping a string's canonical form is at most as long as the string as
	// sent (bar U+2028 and U+2029, which are escaped), keeping canonical forms close in size.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// principalJSON is a Principal in canonical form: nil when absent (so omitted), "*" for the
// wildcard alone, otherwise an object whose AWS list starts with "*" when Any is set.
func principalJSON(p *Principal) any {
	if p == nil {
		return nil
	}
	if p.Any && p.AWS == nil && p.CanonicalUser == nil && p.Federated == nil && p.Service == nil {
		return "*"
	}
	jp := jsonPrincipal{AWS: p.AWS, CanonicalUser: p.CanonicalUser, Federated: p.Federated, Service: p.Service}
	if p.Any {
		jp.AWS = append([]string{"*"}, p.AWS...)
	}
	return jp
}
