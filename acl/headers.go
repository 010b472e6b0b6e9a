package acl

import (
	"net/http"
	"strings"
)

// grantHeaders are the x-amz-grant-* headers, in the order ParseHeaders reads them (the order
// of API_PutBucketAcl.html's request headers), each with the permission it grants.
var grantHeaders = [...]struct {
	name       string // as ArgumentName names it
	permission Permission
}{
	{"x-amz-grant-read", Read},
	{"x-amz-grant-write", Write},
	{"x-amz-grant-read-acp", ReadACP},
	{"x-amz-grant-write-acp", WriteACP},
	{"x-amz-grant-full-control", FullControl},
}

// ParseHeaders reads the x-amz-grant-read, -write, -read-acp, -write-acp and -full-control
// headers (values: comma-separated id="...", uri="...", emailAddress="..."; quotes optional;
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAcl.html).
// present is false when none is set. Grants come in the order of the header list above, each
// header's grantees in order; a header given on several lines is read line by line. Errors
// are *Error: InvalidArgument for a grantee that is not key=value with one of the three keys
// (matched without regard to case, as the AWS CLI's examples write "emailaddress=") and a
// value, or for more than MaxGrants grantees. Grantees are not checked against accounts or
// groups here: Resolve does that.
func ParseHeaders(h http.Header) (grants []Grant, present bool, err error) {
	for _, gh := range grantHeaders {
		values := h.Values(gh.name)
		if len(values) == 0 {
			continue
		}
		present = true
		for _, v := range values {
			if grants, err = parseGrantees(gh.name, gh.permission, v, grants); err != nil {
				return nil, true, err
			}
		}
	}
	return grants, present, nil
}

// parseGrantees appends the grantees of one header line to grants.
func parseGrantees(header string, p Permission, value string, grants []Grant) ([]Grant, error) {
	for {
		item, rest, ok := nextItem(value)
		item = strings.TrimSpace(item)
		if !ok {
			return nil, invalidArgument(msgHeaderFormat, header, item)
		}
		g, ok := parseGrantee(item)
		if !ok {
			return nil, invalidArgument(msgHeaderFormat, header, item)
		}
		if len(grants) == MaxGrants {
			return nil, invalidArgument(msgTooManyGrants, header, item)
		}
		grants = append(grants, Grant{Grantee: g, Permission: p})
		if rest == "" {
			return grants, nil
		}
		value = rest[1:] // after the comma
	}
}

// nextItem splits s at its first comma outside double quotes: item is what comes before, rest
// starts with the comma, or is "" when there is none. ok is false when a quote is left open.
func nextItem(s string) (item, rest string, ok bool) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				return s[:i], s[i:], true
			}
		}
	}
	return s, "", !quoted
}

// parseGrantee reads one key=value grantee, the value bare or in double quotes.
func parseGrantee(item string) (Grantee, bool) {
	key, value, ok := strings.Cut(item, "=")
	if !ok {
		return Grantee{}, false
	}
	value = strings.TrimSpace(value)
	if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
		value = value[1 : len(value)-1]
	}
	if value == "" || strings.ContainsRune(value, '"') {
		return Grantee{}, false
	}
	switch strings.ToLower(strings.TrimSpace(key)) {
	case "id":
		return Grantee{Type: TypeCanonicalUser, ID: value}, true
	case "uri":
		return Grantee{Type: TypeGroup, URI: value}, true
	case "emailaddress":
		return Grantee{Type: TypeEmail, EmailAddress: value}, true
	}
	return Grantee{}, false
}
