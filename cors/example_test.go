package cors_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/cors/corserr"
)

// The whole flow: a configuration as `aws s3api put-bucket-cors` takes it, compiled once, then
// a preflight and the actual request that follows it, each decided as Amazon S3 decides it.
func Example() {
	cfg, err := cors.Decode([]byte(`{"CORSRules": [{
		"AllowedOrigins": ["https://app.example.com"],
		"AllowedMethods": ["GET", "PUT"],
		"AllowedHeaders": ["content-type"],
		"MaxAgeSeconds": 600
	}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := cors.Compile(cfg) // validated as PutBucketCors validates it
	if err != nil {
		fmt.Println(err)
		return
	}

	preflight := cors.Request{Method: "OPTIONS", Origin: "https://app.example.com",
		RequestMethod: "PUT", RequestHeaders: []string{"Content-Type"}, Object: true}
	d := p.Preflight(&preflight)
	fmt.Println("preflight:", d.Status, d.Outcome)
	for _, h := range d.Headers() {
		fmt.Printf("  %s: %s\n", h.Name, h.Value)
	}

	put := cors.Request{Method: "PUT", Origin: "https://app.example.com", Object: true}
	d = p.Actual(&put)
	fmt.Println("PUT:", d.Outcome, "rule", d.Rule)
	// Output:
	// preflight: 200 allowed
	//   Access-Control-Allow-Origin: https://app.example.com
	//   Access-Control-Allow-Methods: GET, PUT
	//   Access-Control-Allow-Headers: content-type
	//   Access-Control-Max-Age: 600
	//   Access-Control-Allow-Credentials: true
	//   Vary: Origin, Access-Control-Request-Headers, Access-Control-Request-Method
	// PUT: allowed rule 0
}

// A refused preflight carries S3's error: Err is a plain error, nil when nothing is refused,
// and errors.As gives the *corserr.Error with the status, code and message to send.
func ExampleDecision_Err() {
	cfg := &cors.Config{Rules: []cors.Rule{{
		AllowedOrigins: []string{"https://app.example.com"},
		AllowedMethods: []string{"GET"},
	}}}
	p, err := cors.Compile(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, origin := range []string{"https://app.example.com", "https://evil.example"} {
		d := p.Preflight(&cors.Request{Method: "OPTIONS", Origin: origin, RequestMethod: "GET"})
		err := d.Err()
		var e *corserr.Error
		if errors.As(err, &e) {
			fmt.Println(origin, "refused:", e.Status, e.Code, e.Method, e.ResourceType)
			continue
		}
		fmt.Println(origin, "allowed, error:", err)
	}
	// Output:
	// https://app.example.com allowed, error: <nil>
	// https://evil.example refused: 403 AccessForbidden GET BUCKET
}

// Validate reports every fault of a configuration at once, in the order Amazon S3 checks
// them; the first is the one PutBucketCors answers with.
func ExampleValidate() {
	cfg := &cors.Config{Rules: []cors.Rule{
		{AllowedOrigins: []string{"https://*.*.example.com"}, AllowedMethods: []string{"get"}},
		{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}, ExposeHeaders: []string{"x-amz-meta-*"}},
	}}
	for e := range corserr.All(cors.Validate(cfg)) {
		fmt.Printf("rule %d %s: %s %s\n", e.Rule, e.Field, e.Code, e.Message)
	}
	// Output:
	// rule 0 AllowedMethod: InvalidRequest Found unsupported HTTP method in CORS config. Unsupported method is get
	// rule 0 AllowedOrigin: InvalidRequest AllowedOrigin "https://*.*.example.com" can not have more than one wildcard.
	// rule 1 ExposeHeader: InvalidRequest ExposeHeader "x-amz-meta-*" contains wildcard. We currently do not support wildcard for ExposeHeader.
}

// The middleware puts bucket CORS rules in front of any net/http handler: preflights are
// answered without reaching it, other requests reach it with the CORS headers already set.
func ExampleMiddleware() {
	m, err := cors.NewMiddleware(&cors.Config{Rules: []cors.Rule{{
		AllowedOrigins: []string{"*"},
		AllowedMethods: []string{"GET"},
	}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	h := m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello")
	}))

	for _, method := range []string{"OPTIONS", "GET"} {
		r := httptest.NewRequest(method, "/photo.jpg", nil)
		r.Header.Set("Origin", "https://app.example.com")
		r.Header.Set("Access-Control-Request-Method", "GET")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Printf("%s: %d, Allow-Origin %q, body %q\n", method, w.Code,
			w.Header().Get("Access-Control-Allow-Origin"), w.Body.String())
	}
	// Output:
	// OPTIONS: 200, Allow-Origin "*", body ""
	// GET: 200, Allow-Origin "*", body "hello\n"
}

// Explain says why a request got its decision, rule by rule: what doorman explain prints.
func ExamplePolicy_Explain() {
	cfg := &cors.Config{Rules: []cors.Rule{
		{ID: "reads", AllowedOrigins: []string{"https://app.example.com"}, AllowedMethods: []string{"GET"}},
		{ID: "uploads", AllowedOrigins: []string{"https://admin.example.com"}, AllowedMethods: []string{"PUT"}},
	}}
	p, err := cors.Compile(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	e := p.Explain(&cors.Request{Method: "OPTIONS", Origin: "https://app.example.com", RequestMethod: "PUT"}, true)
	fmt.Println(e.Decision.Status, e.Decision.Outcome)
	for _, r := range e.Rules {
		fmt.Printf("rule %q: origin matched %v, method matched %v\n", r.ID, r.OriginMatched, r.MethodMatched)
	}
	// Output:
	// 403 no_matching_rule
	// rule "reads": origin matched true, method matched false
	// rule "uploads": origin matched false, method matched true
}
