package fetch_test

import (
	"fmt"
	"net/http"

	"github.com/doorman-s3/doorman/cors/fetch"
)

func Example() {
	p, err := fetch.Compile(&fetch.Config{
		Origins:        []string{"https://app.example.com", "https://*.preview.example.com"},
		Methods:        []string{"PUT", "DELETE"},
		RequestHeaders: []string{"authorization", "content-type"},
		Credentials:    true,
	})
	if err != nil {
		panic(err)
	}
	r, _ := http.NewRequest("OPTIONS", "https://api.example.com/items/1", nil)
	r.Header.Set("Origin", "https://pr-7.preview.example.com")
	r.Header.Set("Access-Control-Request-Method", "PUT")
	r.Header.Set("Access-Control-Request-Headers", "authorization,content-type")

	req := fetch.FromHTTP(r)
	d := p.Evaluate(&req)
	h := http.Header{"Vary": {"Accept-Encoding"}}
	d.WriteHeaders(h)
	fmt.Println(d.Kind, d.Status)
	for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers"} {
		fmt.Printf("%s: %s\n", k, h.Get(k))
	}
	fmt.Printf("Vary: %q\n", h["Vary"])

	r.Header.Set("Access-Control-Request-Headers", "x-debug")
	req = fetch.FromHTTP(r)
	d = p.Evaluate(&req)
	fmt.Println(d.Status, d.Reason, d.Detail)
	// Output:
	// preflight 204
	// Access-Control-Allow-Origin: https://pr-7.preview.example.com
	// Access-Control-Allow-Credentials: true
	// Access-Control-Allow-Methods: PUT
	// Access-Control-Allow-Headers: authorization,content-type
	// Vary: ["Accept-Encoding" "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"]
	// 403 header x-debug
}

// Compile reports every problem of a configuration at once, each with the field, the entry,
// what is wrong and what to write instead: ConfigErrors walks them.
func ExampleConfigErrors() {
	_, err := fetch.Compile(&fetch.Config{
		Origins:     []string{"*", "https://App.example.com/"},
		Methods:     []string{"GET", "TRACE"},
		Credentials: true,
	})
	for e := range fetch.ConfigErrors(err) {
		fmt.Printf("%s[%d] %q: %s\n", e.Field, e.Index, e.Value, e.Fix)
	}
	// Output:
	// origins[0] "*": list the origins (e.g. https://app.example.com), or set credentials: false
	// origins[1] "https://App.example.com/": write "https://app.example.com"
	// methods[1] "TRACE": remove it
}

// The same policy can answer as an API Gateway HTTP API answers: there, a refused preflight
// is a 204 without CORS headers, and an origin compares ignoring case.
func ExamplePolicy_Evaluate_apiGatewayHTTP() {
	p, err := fetch.Compile(&fetch.Config{
		Semantics:      fetch.APIGatewayHTTP,
		Origins:        []string{"https://app.example.com"},
		Methods:        []string{"GET", "PUT"},
		RequestHeaders: []string{"content-type"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, origin := range []string{"https://APP.example.com", "https://other.example.com"} {
		req := fetch.Request{Method: "OPTIONS", Origin: origin, HasOrigin: true, RequestMethod: "PUT", HasRequestMethod: true}
		d := p.Evaluate(&req)
		fmt.Println(origin, d.Status, d.Allowed)
		for _, h := range d.Headers() {
			fmt.Printf("  %s: %s\n", h.Name, h.Value)
		}
	}
	// Output:
	// https://APP.example.com 204 true
	//   Access-Control-Allow-Origin: https://APP.example.com
	//   Access-Control-Allow-Methods: GET,PUT
	//   Access-Control-Allow-Headers: content-type
	//   Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers
	// https://other.example.com 204 false
	//   Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers
}
