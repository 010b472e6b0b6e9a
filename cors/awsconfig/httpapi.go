package awsconfig

import (
	"errors"
	"fmt"
	"strings"

	"github.com/doorman-s3/doorman/cors/fetch"
)

// The fields of an HTTP API CorsConfiguration, in the service model's order. The REST wire
// form and x-amazon-apigateway-cors spell them in camelCase.
var httpFields = []string{"AllowCredentials", "AllowHeaders", "AllowMethods", "AllowOrigins", "ExposeHeaders", "MaxAge"}

func camel(field string) string { return strings.ToLower(field[:1]) + field[1:] }

// httpCors is an HTTP API CorsConfiguration as API Gateway stores it. A nil list is a field
// that is not set.
type httpCors struct {
	at                                map[string]value // where each set field is written
	credentials                       bool
	headers, methods, origins, expose []string
	maxAge                            *int
}

// httpMethods are the methods CreateApi and UpdateApi accept in AllowMethods. Lower case is
// accepted (terraform-provider-aws's acceptance test sets "put" on AWS).
var httpMethods = []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "*"}

// decodeHTTPCors reads a CorsConfiguration mapping. camelCase selects the REST wire spelling;
// unknown says how a key outside the model is refused.
func decodeHTTPCors(v value, camelCase bool, unknown func(entry) *Error) (*httpCors, error) {
	if fn := v.intrinsic(); fn != "" {
		return nil, v.notLiteral(fn)
	}
	entries, ok, err := v.mapping()
	if !ok {
		return nil, v.fail("", "the CORS configuration must be an object, not "+v.kind(), "")
	}
	errs := []error{err}
	c := &httpCors{at: map[string]value{}}
	for _, e := range entries {
		field := ""
		for _, f := range httpFields {
			if camelCase && e.key == camel(f) || !camelCase && e.key == f {
				field = f
			}
		}
		if field == "" {
			errs = append(errs, unknown(e))
			continue
		}
		if e.v.isNull() {
			continue
		}
		c.at[field] = e.v
		var err error
		switch field {
		case "AllowCredentials":
			c.credentials, err = e.v.boolean()
		case "MaxAge":
			var n int
			if n, err = e.v.integer(); err == nil {
				c.maxAge = &n
			}
		default:
			var list []string
			if list, err = e.v.strings(); err == nil {
				if list == nil {
					list = []string{}
				}
				*c.list(field) = list
			}
		}
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *httpCors) list(field string) *[]string {
	switch field {
	case "AllowHeaders":
		return &c.headers
	case "AllowMethods":
		return &c.methods
	case "AllowOrigins":
		return &c.origins
	}
	return &c.expose
}

// override sets in c what SAM's OpenApiEditor.add_cors sets from the properties o: lists that
// are not empty, MaxAge when given, AllowCredentials only when true.
func (c *httpCors) override(o *httpCors) {
	for _, f := range []string{"AllowHeaders", "AllowMethods", "AllowOrigins", "ExposeHeaders"} {
		if l := *o.list(f); len(l) > 0 {
			*c.list(f) = l
			c.at[f] = o.at[f]
		}
	}
	if o.maxAge != nil {
		c.maxAge, c.at["MaxAge"] = o.maxAge, o.at["MaxAge"]
	}
	if o.credentials {
		c.credentials, c.at["AllowCredentials"] = true, o.at["AllowCredentials"]
	}
}

// validate checks c as CreateApi and UpdateApi do, every fault at once.
func (c *httpCors) validate() error {
	var errs []error
	elem := func(field string, i int) value {
		v := c.at[field]
		if n := v.node(); n != nil && i < len(n.Content) {
			return value{n: n.Content[i], path: v.index(i)}
		}
		return value{path: v.index(i)}
	}
	for i, m := range c.methods {
		if !containsFold(httpMethods, m) {
			// The message is recorded for ANY (aws-cdk issues 13643 and 10230: "Method ANY is
			// not supported", BadRequestException); for other names it is the same rule.
			errs = append(errs, elem("AllowMethods", i).fail("BadRequestException", "Method "+m+" is not supported", "API Gateway accepts GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS and *"))
		}
	}
	wildcard := false
	for i, o := range c.origins {
		switch {
		case o == "*":
			wildcard = true
		case strings.EqualFold(o, "http://*"), strings.EqualFold(o, "https://*"):
			// Whole-scheme wildcards are accepted (spec A.1.2).
		case strings.Contains(o, "*"):
			errs = append(errs, elem("AllowOrigins", i).fail("BadRequestException", "allow-origin "+o+" can not have wildcards",
				"API Gateway accepts *, http://* and https://* but no partial wildcard; list each origin"))
		case !wellFormedOrigin(o):
			// [UNVERIFIED] API Gateway refuses "https:/" (LocalStack-Pro's AWS-validated
			// test no-partial-origin); its message is not recorded. The wording follows the
			// recorded wildcard message.
			errs = append(errs, elem("AllowOrigins", i).fail("BadRequestException", "allow-origin "+o+" is not a valid origin",
				"write scheme://host[:port], e.g. https://app.example.com"))
		}
	}
	if c.credentials && wildcard {
		errs = append(errs, c.at["AllowCredentials"].fail("BadRequestException", "allow-credentials is not supported if 'allow-origin' is *", ""))
	}
	if c.maxAge != nil && (*c.maxAge < -1 || *c.maxAge > 86400) {
		// [UNVERIFIED] The range is the service model's (IntegerWithLengthBetweenMinus1And86400);
		// the AWS CLI refuses it before sending. The service's own message is not recorded;
		// this is API Gateway's constraint message as recorded for other fields (spec B.4.3).
		bound := "greater than or equal to -1"
		if *c.maxAge > 86400 {
			bound = "less than or equal to 86400"
		}
		errs = append(errs, c.at["MaxAge"].fail("BadRequestException",
			fmt.Sprintf("1 validation error detected: Value '%d' at 'corsConfiguration.maxAge' failed to satisfy constraint: Member must have value %s", *c.maxAge, bound), ""))
	}
	return errors.Join(errs...)
}

// wellFormedOrigin reports whether o is scheme "://" host, with nothing but a port after the
// host. It is the structure API Gateway needs, not the stricter form a browser sends; the
// linter judges that.
func wellFormedOrigin(o string) bool {
	scheme, rest, ok := strings.Cut(o, "://")
	if !ok || scheme == "" || rest == "" || strings.ContainsAny(rest, "/?#") {
		return false
	}
	for i, r := range scheme {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')) {
			return false
		}
	}
	return true
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// config is the policy API Gateway applies: the configured lists, advertised in full.
func (c *httpCors) config() *fetch.Config {
	return &fetch.Config{
		Semantics:      fetch.APIGatewayHTTP,
		Origins:        c.origins,
		Methods:        c.methods,
		RequestHeaders: c.headers,
		ExposeHeaders:  c.expose,
		MaxAge:         c.maxAge,
		Credentials:    c.credentials,
		Advertise:      fetch.AdvertiseConfigured,
	}
}

// readHTTPAPI reads the output of `aws apigatewayv2 get-api`, the REST wire form, or a bare
// CorsConfiguration.
func readHTTPAPI(root value) (*Import, error) {
	entries, ok, err := root.mapping()
	if !ok {
		return nil, root.fail("", "the document must be a JSON object, not "+root.kind(), "")
	}
	if err != nil {
		return nil, err
	}
	var cors value
	camelCase, found, bare := false, false, true
	for _, e := range entries {
		switch e.key {
		case "CorsConfiguration":
			cors, found = e.v, true
		case "corsConfiguration":
			cors, found, camelCase = e.v, true, true
		}
		if !containsFold(httpFields, e.key) {
			bare = false
		}
	}
	source := "API Gateway HTTP API CorsConfiguration"
	if !found {
		if !bare || len(entries) == 0 {
			return nil, root.fail("", "the API has no CorsConfiguration",
				"API Gateway then answers no preflight and adds no CORS header; expected the output of `aws apigatewayv2 get-api` for an API with CORS")
		}
		cors, camelCase = root, len(entries) > 0 && entries[0].key == camel(entries[0].key)
	}
	for _, key := range []string{"Name", "name"} {
		if name, ok := root.get(key); ok && found {
			if s, err := name.str(); err == nil {
				source += " of " + s
			}
		}
	}
	if cors.isNull() {
		return nil, cors.fail("", "the API has no CorsConfiguration", "")
	}
	c, err := decodeHTTPCors(cors, camelCase, func(e entry) *Error {
		valid := httpFields
		if camelCase {
			valid = make([]string, len(httpFields))
			for i, f := range httpFields {
				valid[i] = camel(f)
			}
		}
		return unknownKey(e, cors, "CorsConfiguration", valid)
	})
	if err != nil {
		return nil, err
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &Import{Config: c.config(), Source: source}, nil
}

// extensionKey is the OpenAPI extension that holds an HTTP API's CORS configuration.
const extensionKey = "x-amazon-apigateway-cors"

// readOpenAPI reads the root-level x-amazon-apigateway-cors of an OpenAPI definition.
func readOpenAPI(root value) (*Import, error) {
	if _, ok, _ := root.mapping(); !ok {
		return nil, root.fail("", "an OpenAPI definition must be an object, not "+root.kind(), "")
	}
	ext, ok := root.get(extensionKey)
	if !ok || ext.isNull() {
		return nil, root.fail("", "the definition has no root-level "+extensionKey,
			"API Gateway reads the extension only at the root of the definition")
	}
	c, err := decodeExtension(ext)
	if err != nil {
		return nil, err
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &Import{Config: c.config(), Source: "OpenAPI " + extensionKey}, nil
}

// decodeExtension reads x-amazon-apigateway-cors. A key outside the six documented ones is
// refused: what an import does with it is not recorded, and a misspelt key would otherwise
// leave a field silently unset.
func decodeExtension(ext value) (*httpCors, error) {
	return decodeHTTPCors(ext, true, func(e entry) *Error {
		detail := "the extension's keys are allowCredentials, allowHeaders, allowMethods, allowOrigins, exposeHeaders and maxAge"
		for _, f := range httpFields {
			if strings.EqualFold(e.key, camel(f)) || strings.EqualFold(e.key, strings.TrimSuffix(camel(f), "s")) {
				detail = "did you mean " + camel(f) + "?"
			}
		}
		return e.keyValue(ext).fail("", "unknown key "+e.key+" in "+extensionKey, detail)
	})
}
