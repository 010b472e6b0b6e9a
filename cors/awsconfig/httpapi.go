package awsconfig

import (
	"errors"
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
	whole                             value            // the configuration
	at                                map[string]value // where each set field is written
	credentials                       bool
	headers, methods, origins, expose []string
	maxAge                            *int
}

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
	c := &httpCors{whole: v, at: map[string]value{}}
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

// override sets in c the fields of o. SAM's OpenApiEditor.add_cors sets, from the
// properties, the lists that are not empty, MaxAge when given and AllowCredentials only when
// true; UpdateApi (everySet) sets every field given, as it merges field by field.
func (c *httpCors) override(o *httpCors, everySet bool) {
	set := func(f string) bool { _, ok := o.at[f]; return everySet && ok }
	for _, f := range []string{"AllowHeaders", "AllowMethods", "AllowOrigins", "ExposeHeaders"} {
		if l := *o.list(f); len(l) > 0 || set(f) {
			*c.list(f) = l
			c.at[f] = o.at[f]
		}
	}
	if o.maxAge != nil {
		c.maxAge, c.at["MaxAge"] = o.maxAge, o.at["MaxAge"]
	}
	if o.credentials || set("AllowCredentials") {
		c.credentials, c.at["AllowCredentials"] = o.credentials, o.at["AllowCredentials"]
	}
}

// policy checks c as API Gateway does and returns the policy it applies.
func (c *httpCors) policy(source string) (*Import, error) {
	cfg := c.config()
	if err := compile(cfg, c.locator(), c.whole); err != nil {
		return nil, err
	}
	return &Import{Config: cfg, Source: source}, nil
}

// locator places the policy's fields in the document.
func (c *httpCors) locator() locator {
	return locator{"origins": c.at["AllowOrigins"], "methods": c.at["AllowMethods"], "request_headers": c.at["AllowHeaders"],
		"expose_headers": c.at["ExposeHeaders"], "max_age": c.at["MaxAge"], "credentials": c.at["AllowCredentials"]}
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
		return dialect{}.unknown(e, cors, valid)
	})
	if err != nil {
		return nil, err
	}
	return c.policy(source)
}

// extensionKey is the OpenAPI extension that holds an HTTP API's CORS configuration.
const extensionKey = "x-amazon-apigateway-cors"

// readOpenAPI reads the root-level x-amazon-apigateway-cors of an HTTP API's OpenAPI
// definition, or else the CORS of a REST API's definition (readREST).
func readOpenAPI(root value) (*Import, error) {
	if _, ok, _ := root.mapping(); !ok {
		return nil, root.fail("", "an OpenAPI definition must be an object, not "+root.kind(), "")
	}
	ext, ok := root.get(extensionKey)
	if !ok || ext.isNull() {
		return readREST(root)
	}
	c, err := decodeExtension(ext)
	if err != nil {
		return nil, err
	}
	return c.policy("OpenAPI " + extensionKey)
}

// decodeExtension reads x-amazon-apigateway-cors. [UNVERIFIED] A key outside the six
// documented ones is refused: what an import does with it is not recorded, and a misspelt
// key would otherwise leave a field silently unset.
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
