package cors

// Report is an Explanation together with the request it explains, in the form `doorman
// explain --json` prints it and the console's simulator answers it: the response Amazon S3
// sends, the decision, and how each rule fared. Every key is camelCase: none of its values is
// an AWS document, so none keeps AWS's element names.
type Report struct {
	Preflight bool           `json:"preflight"`
	Request   ReportRequest  `json:"request"`
	Outcome   string         `json:"outcome"`
	Rule      *int           `json:"rule"`
	Response  ReportResponse `json:"response"`
	Method    string         `json:"matchedMethod"`
	Headers   []string       `json:"matchedHeaders"`
	Refused   bool           `json:"headersOverBounds,omitempty"`
	Rules     []ReportRule   `json:"rules"`
}

// ReportRequest is the Request explained.
type ReportRequest struct {
	Method         string   `json:"method"`
	Origin         string   `json:"origin"`
	RequestMethod  string   `json:"requestMethod"`
	RequestHeaders []string `json:"requestHeaders"`
	Object         bool     `json:"object"`
}

// ReportResponse is the response: for a preflight, the status, the headers in order and the
// error body (without request ids); for an actual request, only the headers CORS adds to the
// operation's own response (Status 0).
type ReportResponse struct {
	Status  int            `json:"status,omitempty"`
	Headers []ReportHeader `json:"headers"`
	Body    string         `json:"body,omitempty"`
}

// ReportHeader is one response header.
type ReportHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ReportRule is a RuleTrace.
type ReportRule struct {
	Index         int                 `json:"index"`
	ID            string              `json:"id"`
	Origin        string              `json:"origin"`
	OriginMatched bool                `json:"originMatched"`
	MethodMatched bool                `json:"methodMatched"`
	Headers       []ReportHeaderTrace `json:"headers"`
	Matched       bool                `json:"matched"`
}

// ReportHeaderTrace is a HeaderTrace.
type ReportHeaderTrace struct {
	Name      string `json:"name"`
	AllowedBy string `json:"allowedBy"`
}

func reportHeaders(hs []Header) []ReportHeader {
	out := make([]ReportHeader, len(hs))
	for i, h := range hs {
		out[i] = ReportHeader(h)
	}
	return out
}

// NewReport reports e, the explanation of req.
func NewReport(req *Request, e *Explanation) *Report {
	out := &Report{Preflight: e.Preflight, Request: ReportRequest(*req), Outcome: e.Decision.Outcome.String(),
		Method: e.Method, Headers: e.Headers, Refused: e.HeadersRefused, Rules: make([]ReportRule, len(e.Rules))}
	for i, r := range e.Rules {
		out.Rules[i] = ReportRule{Index: r.Index, ID: r.ID, Origin: r.Origin, OriginMatched: r.OriginMatched,
			MethodMatched: r.MethodMatched, Headers: make([]ReportHeaderTrace, len(r.Headers)), Matched: r.Matched}
		for j, h := range r.Headers {
			out.Rules[i].Headers[j] = ReportHeaderTrace(h)
		}
	}
	if e.Decision.Rule >= 0 {
		r := e.Decision.Rule
		out.Rule = &r
	}
	if e.Preflight {
		status, headers, body := e.Decision.Response("", "")
		out.Response = ReportResponse{Status: status, Headers: reportHeaders(headers), Body: string(body)}
	} else {
		out.Response = ReportResponse{Headers: reportHeaders(e.Decision.Headers())}
	}
	return out
}
