package console

import (
	"errors"
	"net/http"

	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/cors/corserr"
	"github.com/doorman-s3/doorman/lint"
)

// The CORS editor checks a draft as the person types: what PutBucketCors would answer, with
// AWS's exact code and message, placed at its line and column, and the linter's findings, each
// at its line. Both come from the code S3 and `doorman lint` run (cors.DecodeXML,
// cors.DecodeJSON, cors.Compile, lint.Placed), so the editor cannot disagree with a save or
// with the command line.

// draft is an unsaved CORS configuration: S3's XML or the AWS CLI's JSON.
type draft struct {
	Format   string `json:"format"`
	Document string `json:"document"`
}

// documentError is why a draft cannot be saved: PutBucketCors's error (for a JSON draft that
// does not decode, the AWS CLI's refusal, which it gives before sending anything, code
// MalformedJSON as the console's save answers it), at the 1-based line and column of the
// fault when it has one; Detail says in plain words what is wrong and how to fix it.
type documentError struct {
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

// validation is the answer of POST /api/cors/validate.
type validation struct {
	Error    *documentError `json:"error,omitempty"`
	Findings []lint.Finding `json:"findings"`
}

// errBadFormat is the refusal of a draft in neither form.
var errBadFormat = &documentError{Status: http.StatusBadRequest, Code: "InvalidArgument", Message: `format must be "json" or "xml".`}

// compile decodes and validates d as PutBucketCors would (a JSON draft as the AWS CLI sends
// it), returning the configuration as decoded (nil when it does not decode) and its compiled
// policy, or why S3 would refuse it.
func (d *draft) compile() (*cors.Config, *cors.Policy, *documentError) {
	doc := []byte(d.Document)
	var cfg *cors.Config
	var err error
	switch d.Format {
	case "xml":
		cfg, err = cors.DecodeXML(doc)
	case "json":
		cfg, err = cors.DecodeJSON(doc)
	default:
		return nil, nil, errBadFormat
	}
	var de *cors.DecodeError
	if errors.As(err, &de) {
		e := &documentError{Status: http.StatusBadRequest, Code: "MalformedJSON", Message: de.Err.Error(),
			Line: de.Line, Column: de.Column, Detail: de.Hint}
		var ce *corserr.Error
		if errors.As(de.Err, &ce) {
			e.Status, e.Code, e.Message, e.Detail = ce.Status, ce.Code, ce.Message, joinDetail(ce.Detail, de.Hint)
		}
		return nil, nil, e
	}
	p, err := cors.Compile(cfg)
	var ce *corserr.Error
	if !errors.As(err, &ce) {
		return cfg, p, nil
	}
	// The first fault is the one S3 answers; it is placed where the linter places the
	// same fault.
	at := []lint.Finding{{Rule: ce.Rule, Field: ce.Field, Value: ce.Value}}
	lint.Place(at, doc)
	return cfg, nil, &documentError{Status: ce.Status, Code: ce.Code, Message: ce.Message,
		Line: at[0].Line, Column: at[0].Column, Detail: ce.Detail}
}

func joinDetail(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

// validateCORS answers POST /api/cors/validate {format, document} → {error?, findings}: 200
// whether or not the draft is valid; 400 only for a request that is not a draft.
func validateCORS(_ *Console, w http.ResponseWriter, r *http.Request, _ *session) {
	var d draft
	if !decodeJSON(w, r, &d) {
		return
	}
	cfg, _, e := d.compile()
	if e == errBadFormat {
		writeError(w, e.Status, e.Code, e.Message)
		return
	}
	out := validation{Error: e, Findings: []lint.Finding{}}
	if cfg != nil {
		out.Findings = append(out.Findings, lint.Placed(cfg, []byte(d.Document))...)
	}
	writeJSON(w, http.StatusOK, out)
}
