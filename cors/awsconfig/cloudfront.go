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

// cloudFrontMethods are the values AccessControlAllowMethods takes (the service model's enum).
var cloudFrontMethods = []string{"GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH", "HEAD", "ALL"}

// allCloudFrontMethods is what ALL stands for: "ALL is a special value that includes all of
// the listed HTTP methods" (CloudFront API reference,
// ResponseHeadersPolicyAccessControlAllowMethods).
var allCloudFrontMethods = []string{"GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH", "HEAD"}

// cloudFrontCors is a CorsConfig as CloudFront stores it.
type cloudFrontCors struct {
	origins, headers, methods, expose []string
	credentials, override             bool
	maxAge                            *int
}

// invalidArgument is CloudFront's refusal of a policy (HTTP 400, InvalidArgument).
func invalidArgument(v value, msg string) *Error { return v.fail("InvalidArgument", msg, "") }

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
	cc, ok := config.get("CorsConfig")
	if !ok || cc.isNull() {
		return nil, config.fail("", "the policy has no CorsConfig", "CloudFront then adds no CORS header")
	}
	c, err := decodeCloudFront(cc)
	if err != nil {
		return nil, err
	}
	override := c.override
	return &Import{Config: c.config(), OriginOverride: &override, Source: source}, nil
}

func decodeCloudFront(cc value) (*cloudFrontCors, error) {
	entries, ok, err := cc.mapping()
	if !ok {
		return nil, cc.fail("", "CorsConfig must be an object, not "+cc.kind(), "")
	}
	errs := []error{err}
	c := &cloudFrontCors{}
	at := map[string]value{}
	for _, e := range entries {
		if !slices.Contains(cloudFrontFields, e.key) {
			errs = append(errs, unknownKey(e, cc, "CorsConfig", cloudFrontFields))
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
			if list, err = quantityList(e.v); err == nil {
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
			// botocore's refusal, which the AWS CLI prints before sending; the service's own
			// message for a missing field is not recorded [UNVERIFIED].
			errs = append(errs, cc.fail("ParamValidation", fmt.Sprintf("Missing required parameter in CorsConfig: %q", f), ""))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := c.validate(at); err != nil {
		return nil, err
	}
	return c, nil
}

// quantityList reads a {Quantity, Items} list.
func quantityList(v value) ([]string, error) {
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
	for _, e := range entries {
		switch e.key {
		case "Quantity":
			n, err := e.v.integer()
			if err != nil {
				return nil, err
			}
			quantity = &n
		case "Items":
			itemsAt = e.v
			if e.v.isNull() {
				continue
			}
			if items, err = e.v.strings(); err != nil {
				return nil, err
			}
		default:
			return nil, unknownKey(e, v, v.path[strings.LastIndex(v.path, ".")+1:], []string{"Quantity", "Items"})
		}
	}
	if quantity == nil {
		return nil, v.fail("ParamValidation", fmt.Sprintf("Missing required parameter in %s: \"Quantity\"", v.path[strings.LastIndex(v.path, ".")+1:]), "")
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

// validate checks c as CreateResponseHeadersPolicy does. Only the Allow-Headers rule is
// recorded; the others follow its wording and are marked where they are made.
func (c *cloudFrontCors) validate(at map[string]value) error {
	var errs []error
	elem := func(field string, i int) value {
		v, _ := at[field].get("Items")
		if n := v.node(); n != nil && i < len(n.Content) {
			return value{n: n.Content[i], path: v.index(i)}
		}
		return v
	}
	if c.credentials && slices.Contains(c.headers, "*") {
		// Recorded: aws-cdk pull request 35308 (HTTP 400, seen through CloudFormation).
		errs = append(errs, invalidArgument(elem("AccessControlAllowHeaders", slices.Index(c.headers, "*")),
			"The parameter Access-Control-Allow-Headers cannot contain * when allowCredentials is true."))
	}
	if c.credentials && slices.Contains(c.origins, "*") {
		// [UNVERIFIED] By analogy with the recorded Allow-Headers rule (spec C.1).
		errs = append(errs, invalidArgument(elem("AccessControlAllowOrigins", slices.Index(c.origins, "*")),
			"The parameter Access-Control-Allow-Origin cannot contain * when allowCredentials is true."))
	}
	if c.credentials && slices.Contains(c.expose, "*") {
		// [UNVERIFIED] By analogy with the recorded Allow-Headers rule (spec C.1).
		errs = append(errs, invalidArgument(elem("AccessControlExposeHeaders", slices.Index(c.expose, "*")),
			"The parameter Access-Control-Expose-Headers cannot contain * when allowCredentials is true."))
	}
	if len(c.headers) == 0 {
		// [UNVERIFIED] Refused ("cannot be an empty list", found by trial,
		// awsdocs/aws-cloudformation-user-guide issue 1179); the message is not recorded.
		errs = append(errs, invalidArgument(at["AccessControlAllowHeaders"], "The parameter Access-Control-Allow-Headers cannot be empty."))
	}
	if len(c.origins) == 0 {
		// [UNVERIFIED] The list is required and a policy without origins answers nobody.
		errs = append(errs, invalidArgument(at["AccessControlAllowOrigins"], "The parameter Access-Control-Allow-Origin cannot be empty."))
	}
	if len(c.methods) == 0 {
		// [UNVERIFIED] As for origins.
		errs = append(errs, invalidArgument(at["AccessControlAllowMethods"], "The parameter Access-Control-Allow-Methods cannot be empty."))
	}
	for i, m := range c.methods {
		if !slices.Contains(cloudFrontMethods, m) {
			// [UNVERIFIED] Outside the enum; through CloudFormation AWS answers an internal
			// error (cloudformation-coverage-roadmap issue 2196), so no message is recorded.
			errs = append(errs, invalidArgument(elem("AccessControlAllowMethods", i), "The parameter Access-Control-Allow-Methods cannot contain "+m+"."))
		}
	}
	for i, o := range c.origins {
		if o == "ALL" {
			// [UNVERIFIED] Refused (cloudformation-coverage-roadmap issue 1156, a screenshot).
			errs = append(errs, invalidArgument(elem("AccessControlAllowOrigins", i), "The parameter Access-Control-Allow-Origin cannot contain ALL."))
		} else if !cloudFrontOriginOK(o) {
			// [UNVERIFIED] The placement rules are documented (spec C.1); the message is not.
			errs = append(errs, invalidArgument(elem("AccessControlAllowOrigins", i), "The parameter Access-Control-Allow-Origin has an invalid wildcard in "+o+"."))
		}
	}
	if c.maxAge != nil && *c.maxAge < 0 {
		// [UNVERIFIED] The model has no bound; a negative age is no age.
		errs = append(errs, invalidArgument(at["AccessControlMaxAgeSec"], fmt.Sprintf("The parameter Access-Control-Max-Age cannot be %d.", *c.maxAge)))
	}
	return errors.Join(errs...)
}

// cloudFrontOriginOK applies the documented wildcard placement: "*" alone, or "*" as the
// leftmost label ("*.example.org", with or without a scheme), never in the top-level domain,
// right of a label, or inside one.
func cloudFrontOriginOK(o string) bool {
	if o == "*" || !strings.Contains(o, "*") {
		return true
	}
	host := o
	if _, rest, ok := strings.Cut(o, "://"); ok {
		host = rest
	}
	rest, ok := strings.CutPrefix(host, "*.")
	return ok && !strings.Contains(rest, "*") && strings.Contains(rest, ".")
}

// config is the policy CloudFront applies. ALL in the methods stands for the seven methods
// it includes; ALL in the headers for any header.
func (c *cloudFrontCors) config() *fetch.Config {
	methods := c.methods
	if slices.Contains(methods, "ALL") {
		// [UNVERIFIED] The Access-Control-Allow-Methods value CloudFront sends for ALL is not
		// recorded; the documented meaning is "all of the listed HTTP methods".
		methods = slices.Clone(allCloudFrontMethods)
	}
	headers := c.headers
	if slices.Contains(headers, "ALL") {
		// [UNVERIFIED] ALL is accepted for headers (cloudformation-coverage-roadmap issue 1156);
		// read as the documented "*".
		headers = []string{"*"}
	}
	return &fetch.Config{
		Semantics:      fetch.CloudFront,
		Origins:        c.origins,
		Methods:        methods,
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
// (OriginOverride false); SimpleCORS and CORS-and-SecurityHeadersPolicy add only
// Access-Control-Allow-Origin: *; the preflight ones add Access-Control-Allow-Origin,
// -Methods and -Headers to preflight responses. [UNVERIFIED] The methods and headers values
// are in a documentation table no archive holds; the methods are taken as every method
// CloudFront's enum has (an emulator, floci, lists the same seven) and the headers as "*".
// SecurityHeadersPolicy's headers are not CORS and are not reproduced.
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
		if p.preflight {
			c.Methods = slices.Clone(allCloudFrontMethods)
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
