// Package corserr holds the typed errors of the CORS engine: the ones Amazon S3 returns when it
// refuses a CORS configuration (PutBucketCors) or a preflight request. Each carries AWS's HTTP
// status, error code and exact message (typos included), so a server can put it on the wire
// unchanged, plus where it came from (rule, element, value) so tools such as the linter and the
// console can point at the fault.
//
// Validation returns every fault at once, joined with [errors.Join] in the order Amazon S3 would
// report them: [All] walks them, and [errors.As] finds the first, the one the wire shows.
// Functions hand these out as error values, never as a bare *Error, so that "no error" is
// always a nil error.
package corserr

import (
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/doorman-s3/doorman/internal/awsxml"
)

// AWS error codes the engine produces.
const (
	CodeMalformedXML             = "MalformedXML"
	CodeInvalidRequest           = "InvalidRequest"
	CodeInvalidArgument          = "InvalidArgument"
	CodeMaxMessageLengthExceeded = "MaxMessageLengthExceeded"
	CodeAccessForbidden          = "AccessForbidden"
	CodeBadRequest               = "BadRequest"
)

// Error is one refusal, as Amazon S3 would word it.
type Error struct {
	Status  int    // HTTP status code
	Code    string // AWS error code
	Message string // AWS error message, verbatim

	// Where a configuration fault is. Rule is the 0-based index of the CORSRule, or -1 when
	// the fault is in the document as a whole. Field names the element (AllowedMethod, ...),
	// Value the offending value. Detail says in plain words what is wrong; it is for people
	// and never goes on the wire, where AWS's message alone is sent.
	Rule   int
	Field  string
	Value  string
	Detail string

	// Method and ResourceType are the extra elements of a refused preflight's body; empty
	// for configuration faults.
	Method       string
	ResourceType string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", e.Code, e.Message)
	if e.Detail != "" {
		b.WriteString(" (")
		if e.Rule >= 0 && e.Field != "" {
			fmt.Fprintf(&b, "CORSRule %d, %s: ", e.Rule+1, e.Field)
		}
		b.WriteString(e.Detail)
		b.WriteString(")")
	}
	return b.String()
}

// Fields returns the extra body elements after Code and Message, in AWS's order.
func (e *Error) Fields() []awsxml.Field {
	if e.Method == "" && e.ResourceType == "" {
		return nil
	}
	return []awsxml.Field{{Name: "Method", Value: e.Method}, {Name: "ResourceType", Value: e.ResourceType}}
}

// XML returns the error document Amazon S3 sends, with the given request ids (omitted when
// empty).
func (e *Error) XML(requestID, hostID string) []byte {
	return awsxml.ErrorBody(e.Code, e.Message, e.Fields(), requestID, hostID)
}

// All yields every *Error inside err, in order, looking through errors.Join and wrapping.
func All(err error) iter.Seq[*Error] {
	return func(yield func(*Error) bool) {
		walk(err, yield)
	}
}

func walk(err error, yield func(*Error) bool) bool {
	switch x := err.(type) {
	case nil:
		return true
	case *Error:
		return yield(x)
	case interface{ Unwrap() []error }:
		for _, e := range x.Unwrap() {
			if !walk(e, yield) {
				return false
			}
		}
		return true
	default:
		return walk(errors.Unwrap(err), yield)
	}
}
