package cors

import (
	"errors"
	"fmt"
	"strings"

	"github.com/doorman-s3/doorman/cors/corserr"
	"github.com/doorman-s3/doorman/internal/awsxml"
)

// Validate checks c as PutBucketCors does and returns every fault it finds, each a
// *[corserr.Error], joined in the order Amazon S3 checks them: the first, which [errors.As]
// finds, is the answer the wire gives, [corserr.All] the full list for tools.
//
// What is recorded against AWS (see the package documentation for sources): MalformedXML for
// schema faults, InvalidRequest for methods and wildcards. Which fault AWS reports first when
// a document has several is not recorded [UNVERIFIED]; the order chosen is the order in which
// a server naturally meets them: body size, then the schema, then the rule count, then each
// rule in document order, its elements in schema order.
func Validate(c *Config) error {
	var errs []error
	add := func(e *corserr.Error) { errs = append(errs, e) }

	// The size of the document a client sends for c: its XML without the declaration and the
	// namespace, which clients may leave out. A body DecodeXML accepted (at most
	// MaxDocumentSize bytes as sent) never grows past the limit here, since its values come
	// back in the same or fewer bytes.
	if n := len(EncodeXML(c)) - len(awsxml.Header) - len(` xmlns="`+Namespace+`"`); n > MaxDocumentSize {
		add(tooLarge(n))
	}

	// Schema: at least one rule; each rule has AllowedMethod and AllowedOrigin.
	if len(c.Rules) == 0 {
		add(malformed(-1, "CORSRule", "the configuration has no CORSRule"))
	}
	for i, r := range c.Rules {
		for _, f := range r.fields() {
			for _, v := range f.values {
				if !awsxml.ValidText(v) {
					add(malformed(i, f.name, fmt.Sprintf("%q holds a character an XML document cannot carry", v)))
				}
			}
		}
		if len(r.AllowedMethods) == 0 {
			add(malformed(i, "AllowedMethod", "the rule has no AllowedMethod"))
		}
		if len(r.AllowedOrigins) == 0 {
			add(malformed(i, "AllowedOrigin", "the rule has no AllowedOrigin"))
		}
	}

	// The rule count. The code and message come from Scality's AWS-targeted suite and MinIO,
	// not from a recording [UNVERIFIED].
	if len(c.Rules) > MaxRules {
		add(&corserr.Error{Status: 400, Code: corserr.CodeInvalidRequest,
			Message: "The number of CORS rules should not exceed allowed limit of 100 rules.",
			Rule:    -1, Field: "CORSRule",
			Detail: fmt.Sprintf("the configuration has %d rules; the limit is %d", len(c.Rules), MaxRules)})
	}

	for i, r := range c.Rules {
		validateRule(i, &r, add)
	}
	return errors.Join(errs...)
}

func invalid(rule int, field, value, message, detail string) *corserr.Error {
	return &corserr.Error{Status: 400, Code: corserr.CodeInvalidRequest, Message: message,
		Rule: rule, Field: field, Value: value, Detail: detail}
}

func validateRule(i int, r *Rule, add func(*corserr.Error)) {
	// Only the limit is documented; the error is the one Amazon S3 gives for over-long rule
	// IDs in lifecycle configurations [UNVERIFIED].
	if len(r.ID) > MaxIDLength {
		add(&corserr.Error{Status: 400, Code: corserr.CodeInvalidArgument,
			Message: "ID length should not exceed allowed limit of 255", Rule: i, Field: "ID", Value: r.ID,
			Detail: fmt.Sprintf("the ID has %d characters; the limit is %d", len(r.ID), MaxIDLength)})
	}
	for _, m := range r.AllowedMethods {
		if methodIndex(m) < 0 {
			add(invalid(i, "AllowedMethod", m,
				"Found unsupported HTTP method in CORS config. Unsupported method is "+m,
				"methods are GET, PUT, POST, DELETE and HEAD, in upper case"))
		}
	}
	for _, o := range r.AllowedOrigins {
		if strings.Count(o, "*") > 1 {
			add(invalid(i, "AllowedOrigin", o,
				`AllowedOrigin "`+o+`" can not have more than one wildcard.`,
				"a pattern may hold one '*'"))
		}
	}
	// Header names: AWS's wording for an illegal character is recorded by versitygw's
	// AWS-checked suite as "AllowedHeader ... contains invalid character." for both lists; a
	// Scality report says AWS checks only ExposeHeader (with the same wording) [UNVERIFIED].
	// Both lists are checked here.
	for _, h := range r.AllowedHeaders {
		if strings.Count(h, "*") > 1 {
			// The message's wording is inferred from the AllowedOrigin one [UNVERIFIED].
			add(invalid(i, "AllowedHeader", h,
				`AllowedHeader "`+h+`" can not have more than one wildcard.`,
				"a pattern may hold one '*'"))
		} else if !isToken(h) {
			add(invalid(i, "AllowedHeader", h,
				`AllowedHeader "`+h+`" contains invalid character.`,
				"a header name is an HTTP token: letters, digits and !#$%&'*+-.^_`|~"))
		}
	}
	for _, h := range r.ExposeHeaders {
		if strings.Contains(h, "*") {
			add(invalid(i, "ExposeHeader", h,
				`ExposeHeader "`+h+`" contains wildcard. We currently do not support wildcard for ExposeHeader.`,
				"name each header to expose"))
		} else if !isToken(h) {
			add(invalid(i, "ExposeHeader", h,
				`AllowedHeader "`+h+`" contains invalid character.`,
				"a header name is an HTTP token: letters, digits and !#$%&'*+-.^_`|~"))
		}
	}
}

// isToken reports whether s is an RFC 9110 token (the grammar of a header name). The empty
// string passes: it names nothing and is never matched, and no source says AWS refuses it.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

type ruleField struct {
	name   string
	values []string
}

// fields lists the rule's text values by element name.
func (r *Rule) fields() []ruleField {
	return []ruleField{{"ID", []string{r.ID}}, {"AllowedHeader", r.AllowedHeaders},
		{"AllowedMethod", r.AllowedMethods}, {"AllowedOrigin", r.AllowedOrigins}, {"ExposeHeader", r.ExposeHeaders}}
}
