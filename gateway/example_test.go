package gateway_test

import (
	"fmt"
	"time"

	"github.com/doorman-s3/doorman/gateway"
)

// The one-line start builds the configuration a file would, and explain shows where each
// field of the effective policy comes from.
func ExampleFromFlags() {
	maxAge := 10 * time.Minute
	cfg, err := gateway.FromFlags(gateway.Flags{
		Upstream:         "http://127.0.0.1:8081",
		AllowOrigins:     []string{"http://localhost:5173"},
		AllowMethods:     []string{"PUT", "DELETE"},
		AllowHeaders:     []string{"authorization", "content-type"},
		MaxAge:           &maxAge,
		AllowCredentials: true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(gateway.Explain(cfg, "localhost:8080", "/api/orders"))
	// Output:
	// host localhost:8080, path /api/orders
	// route     *
	// upstream  http://127.0.0.1:8081
	// cors      policy flags, chosen by flags
	//
	// field                     value                          from                      at
	// origins                   [http://localhost:5173]        flag --allow-origin
	// origin_patterns           []                             default
	// methods                   [PUT, DELETE]                  flag --allow-method
	// request_headers           [authorization, content-type]  flag --allow-header
	// expose_headers            []                             default
	// max_age                   600s                           flag --max-age
	// credentials               true                           flag --allow-credentials
	// semantics                 fetch                          default
	// advertise                 requested                      default
	// preflight.mode            answer                         default
	// preflight.success_status  the semantics' default         default
	// preflight.failure_status  the semantics' default         default
	// upstream_headers          override                       default
	// enforce                   on                             default
}
