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
