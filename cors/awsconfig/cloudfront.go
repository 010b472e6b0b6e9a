package awsconfig

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/doorman-s3/doorman/cors/fetch"
)

// The fields of ResponseHeadersPolicyCorsConfig, in the service model's order.
var cloudFrontFields = []string{"AccessControlAllowOrigins", "AccessControlAllowHeaders", "AccessControlAllowMethods",
	"AccessControlAllowCredentials", "AccessControlExposeHeaders", "AccessControlMaxAgeSec", "OriginOverride"}

// cloudFrontRequired are the fields the service model requires.
var cloudFrontRequired = []string{"AccessControlAllowOrigins", "AccessControlAllowHeaders", "AccessControlAllowMethods",
	"AccessControlAllowCredentials", "OriginOverride"}

// cloudFrontCors is a CorsConfig as CloudFront stores it.
type cloudFrontCors struct {
	origins, headers, methods, expose []string
	credentials, override             bool
	maxAge                            *int
}

// readCloudFront reads the output of get-response-headers-policy-config or of
// get-response-headers-policy.
func readCloudFront(root value) (*Import, error) {
	config, ok := root.get("ResponseHeadersPolicyConfig")
	if !ok {
		if p, isPolicy := root.get("ResponseHeadersPolicy"); isPolicy {
			config, ok = p.get("ResponseHeadersPolicyConfig")
		}
	}
	if !ok {
		return nil, root.fail("", "the document has no ResponseHeadersPolicyConfig",
			"expected the output of `aws cloudfront get-response-headers-policy-config` or `get-response-headers-policy`")
	}
	source := "CloudFront response headers policy"
	if name, ok := config.get("Name"); ok {
		if s, err := name.str(); err == nil {
			source += " " + s
		}
	}
	return cloudFrontImport(config, dialect{}, source)
}

// cloudFrontImport reads the CorsConfig of a ResponseHeadersPolicyConfig.
func cloudFrontImport(config value, d dialect, source string) (*Import, error) {
	cc, ok := config.get("CorsConfig")
	if !ok || cc.isNull() {
		return nil, config.fail("", "the policy has no CorsConfig", "CloudFront then adds no CORS header")
	}
	c, l, err := decodeCloudFront(cc, d)
	if err != nil {
		return nil, err
	}
	cfg := c.config()
	if err := compile(cfg, l, cc); err != nil {
		return nil, err
	}
	override := c.override
	return &Import{Config: cfg, OriginOverride: &override, Source: source}, nil
}

// decodeCloudFront reads a CorsConfig as the AWS CLI reads it (keys, types, required fields,
// {Quantity, Items} lists) or, in a template, as CloudFormation does ({Items} lists), and
// says where each field is written. The service's own rules are the policy's (fetch.Compile).
func decodeCloudFront(cc value, d dialect) (*cloudFrontCors, locator, error) {
	entries, ok, err := cc.mapping()
	if !ok {
		return nil, nil, cc.fail("", "CorsConfig must be an object, not "+cc.kind(), "")
	}
	errs := []error{err}
	c := &cloudFrontCors{}
	at := map[string]value{}
	for _, e := range entries {
		if !slices.Contains(cloudFrontFields, e.key) {
			errs = append(errs, d.unknown(e, cc, cloudFrontFields))
			continue
		}
		at[e.key] = e.v
		var err error
		switch e.key {
		case "AccessControlAllowCredentials":
			c.credentials, err = e.v.boolean()
		case "OriginOverride":
			c.override, err = e.v.boolean()
		case "AccessControlMaxAgeSec":
			if e.v.isNull() {
				delete(at, e.key)
				continue
			}
			var n int
			if n, err = e.v.integer(); err == nil {
				c.maxAge = &n
			}
		default:
			var list []string
			if list, err = quantityList(e.v, d); err == nil {
				switch e.key {
				case "AccessControlAllowOrigins":
					c.origins = list
				case "AccessControlAllowHeaders":
					c.headers = list
				case "AccessControlAllowMethods":
					c.methods = list
				case "AccessControlExposeHeaders":
					c.expose = list
				}
			}
		}
		errs = append(errs, err)
	}
	for _, f := range cloudFrontRequired {
		if _, ok := at[f]; !ok {
			errs = append(errs, d.missing(cc, f))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	items := func(field string) value {
		if v, ok := at[field].get("Items"); ok {
			return v
		}
		return at[field]
	}
	l := locator{"origins": items("AccessControlAllowOrigins"), "methods": items("AccessControlAllowMethods"),
		"request_headers": items("AccessControlAllowHeaders"), "expose_headers": items("AccessControlExposeHeaders"),
		"max_age": at["AccessControlMaxAgeSec"], "credentials": at["AccessControlAllowCredentials"]}
	return c, l, nil
}

// quantityList reads a {Quantity, Items} list, or in a template an {Items} list.
func quantityList(v value, d dialect) ([]string, error) {
	entries, ok, err := v.mapping()
	if !ok {
		return nil, v.fail("", "must be an object with Quantity and Items, not "+v.kind(), "")
	}
	if err != nil {
		return nil, err
	}
	var quantity *int
	var items []string
	var itemsAt value
	valid := []string{"Quantity", "Items"}
	if d.resource != "" {
		valid = valid[1:]
	}
	for _, e := range entries {
		switch {
		case !slices.Contains(valid, e.key):
			return nil, d.unknown(e, v, valid)
		case e.key == "Quantity":
			n, err := e.v.integer()
			if err != nil {
				return nil, err
			}
			quantity = &n
		default:
			itemsAt = e.v
			if e.v.isNull() {
				continue
			}
			if items, err = e.v.strings(); err != nil {
				return nil, err
			}
		}
	}
	if d.resource != "" {
		if itemsAt.n == nil {
			return nil, d.missing(v, "Items")
		}
		return items, nil
	}
	if quantity == nil {
		return nil, d.missing(v, "Quantity")
	}
	if *quantity != len(items) {
		// The exception's documented description (CloudFront API reference,
		// InconsistentQuantities); the wire message is not recorded [UNVERIFIED].
		at := itemsAt
		if at.n == nil {
			at = v
		}
		return nil, at.fail("InconsistentQuantities", "The value of Quantity and the size of Items don't match.",
			fmt.Sprintf("Quantity is %d and Items has %d entries", *quantity, len(items)))
	}
	return items, nil
}

// config is the policy CloudFront applies. ALL in the headers stands for any header.
func (c *cloudFrontCors) config() *fetch.Config {
	headers := slices.Clone(c.headers)
	for i, h := range headers {
		if h == "ALL" {
			// [UNVERIFIED] ALL is accepted for headers (cloudformation-coverage-roadmap
			// issue 1156); read as the documented "*".
			headers[i] = "*"
		}
	}
	return &fetch.Config{
		Semantics:      fetch.CloudFront,
		Origins:        c.origins,
		Methods:        c.methods,
		RequestHeaders: headers,
		ExposeHeaders:  c.expose,
		MaxAge:         c.maxAge,
		Credentials:    c.credentials,
		Advertise:      fetch.AdvertiseConfigured,
	}
}

// managedPolicy is one of CloudFront's managed response headers policies with a CORS section.
type managedPolicy struct {
	name, id            string
	preflight, security bool
}

// managedPolicies are the managed policies with CORS, from
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-response-headers-policies.html
var managedPolicies = []managedPolicy{
	{name: "SimpleCORS", id: "60669652-455b-4ae9-85a4-c4c02393f86c"},
	{name: "CORS-With-Preflight", id: "5cc3b908-e619-4b99-88e5-2cf7f45965bd", preflight: true},
	{name: "CORS-and-SecurityHeadersPolicy", id: "e61eb60c-9c35-4d20-a928-2b84e02af89c", security: true},
	{name: "CORS-with-preflight-and-SecurityHeadersPolicy", id: "eaab4381-ed33-4a86-88ca-d9558dc6cd63", preflight: true, security: true},
}

// Managed returns the CORS section of a managed response headers policy, named as in the
// console ("CORS-With-Preflight"), as in the API ("Managed-CORS-With-Preflight", any case), or
// by its id.
//
// Documented: every one allows any origin and lets the origin's own CORS headers win
// (OriginOverride false); SimpleCORS and CORS-and-SecurityHeadersPolicy are for simple CORS
// requests and add only Access-Control-Allow-Origin: * to them; the preflight ones add
// Access-Control-Allow-Origin, -Methods and -Headers to preflight responses.
// [UNVERIFIED] The methods and headers values are in a documentation table no archive
// holds. The preflight policies are taken as ALL methods (an emulator, floci, lists the same
// seven) and "*" headers; the simple ones, which must still carry both lists, as what a
// simple request may use: Fetch's CORS-safelisted methods and request-header names
// (https://fetch.spec.whatwg.org/#cors-safelisted-method). SecurityHeadersPolicy's headers
// are not CORS and are not reproduced.
func Managed(name string) (*Import, error) {
	for _, p := range managedPolicies {
		if !strings.EqualFold(name, p.name) && !strings.EqualFold(name, "Managed-"+p.name) && !strings.EqualFold(name, p.id) {
			continue
		}
		override := false
		c := &fetch.Config{
			Semantics: fetch.CloudFront,
			Origins:   []string{"*"},
			Advertise: fetch.AdvertiseConfigured,
		}
		c.Methods = []string{"GET", "HEAD", "POST"}
		c.RequestHeaders = []string{"Accept", "Accept-Language", "Content-Language", "Content-Type"}
		if p.preflight {
			c.Methods = []string{"ALL"}
			c.RequestHeaders = []string{"*"}
		}
		imp := &Import{Config: c, OriginOverride: &override, Source: "CloudFront managed response headers policy Managed-" + p.name + " (" + p.id + ")"}
		if p.security {
			imp.Warnings = append(imp.Warnings, &Error{Message: "the SecurityHeadersPolicy headers of Managed-" + p.name + " are not reproduced; only its CORS section is"})
		}
		return imp, nil
	}
	names := make([]string, len(managedPolicies))
	for i, p := range managedPolicies {
		names[i] = p.name
	}
	return nil, &Error{Message: fmt.Sprintf("no managed response headers policy with CORS is named %q", name), Detail: "the managed policies with CORS: " + strings.Join(names, ", ")}
}
