package awsconfig

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/doorman-s3/doorman/cors/fetch"
)

// SAM resource types, and the logical ids SAM gives the APIs it makes for function events
// that name no API.
const (
	typeRestAPI  = "AWS::Serverless::Api"
	typeHTTPAPI  = "AWS::Serverless::HttpApi"
	typeV2API    = "AWS::ApiGatewayV2::Api"
	typeCFPolicy = "AWS::CloudFront::ResponseHeadersPolicy"
	typeFunction = "AWS::Serverless::Function"
	implicitREST = "ServerlessRestApi"
	implicitHTTP = "ServerlessHttpApi"
)

// samAPI is one API of a template.
type samAPI struct {
	id    string
	typ   string
	props value // the Properties mapping; zero for an implicit API
}

// samTemplate is what every API of a template shares.
type samTemplate struct {
	globals  value
	events   []samEvent
	warnings []*Error // found before the Import exists
}

// samEvent is an Api or HttpApi event of a function.
type samEvent struct {
	api          string // the API's logical id (implicit when the event names none)
	path, method string
}

// readSAM reads the API resource of a SAM template.
func readSAM(root value, resource string) (*Import, error) {
	resources, ok := root.get("Resources")
	if !ok {
		return nil, root.fail("", "the template has no Resources", "")
	}
	entries, ok, err := resources.mapping()
	if !ok {
		return nil, resources.fail("", "Resources must be an object, not "+resources.kind(), "")
	}
	if err != nil {
		return nil, err
	}
	t := samTemplate{}
	t.globals, _ = root.get("Globals")
	var apis []samAPI
	types := map[string]string{}
	implicit := map[string]bool{}
	for _, e := range entries {
		typ := ""
		if tv, ok := e.v.get("Type"); ok {
			typ, _ = tv.str()
		}
		types[e.key] = typ
		props, ok := e.v.get("Properties")
		if !ok {
			props = value{path: e.v.at("Properties").path}
		}
		switch typ {
		case typeRestAPI, typeHTTPAPI, typeV2API, typeCFPolicy:
			apis = append(apis, samAPI{id: e.key, typ: typ, props: props})
		case typeFunction:
			for _, ev := range functionEvents(props) {
				if len(t.events) == MaxPaths {
					break
				}
				t.events = append(t.events, ev)
				if ev.api == implicitREST || ev.api == implicitHTTP {
					implicit[ev.api] = true
				}
			}
		}
	}
	for _, id := range []string{implicitREST, implicitHTTP} {
		if implicit[id] && types[id] == "" {
			typ := typeRestAPI
			if id == implicitHTTP {
				typ = typeHTTPAPI
			}
			apis = append(apis, samAPI{id: id, typ: typ, props: value{path: "Resources." + id + ".Properties"}})
		}
	}
	api, err := pickAPI(resources, apis, types, resource)
	if err != nil {
		return nil, err
	}
	switch api.typ {
	case typeHTTPAPI:
		return t.httpAPI(api)
	case typeV2API:
		return v2API(api)
	case typeCFPolicy:
		return cloudFrontResource(api)
	}
	return t.restAPI(api)
}

// resourceTypes names the resource types a template import reads.
const resourceTypes = typeRestAPI + ", " + typeHTTPAPI + ", " + typeV2API + " or " + typeCFPolicy

// v2API reads an AWS::ApiGatewayV2::Api (what the CDK and plain CloudFormation write): its
// CorsConfiguration over the x-amazon-apigateway-cors of its Body, field by field.
// [UNVERIFIED] How CloudFormation combines the two is not recorded; the property is taken as
// UpdateApi applies a CorsConfiguration, field by field over what the import stored (as
// AWS-validated emulator tests of UpdateApi show).
func v2API(api samAPI) (*Import, error) {
	d := dialect{resource: api.id}
	if pt, ok := api.props.get("ProtocolType"); ok {
		if s, err := pt.str(); err == nil && s != "HTTP" {
			return nil, pt.fail("", api.id+" is a "+s+" API: only HTTP APIs have a CorsConfiguration", "")
		}
	}
	body, _ := api.props.get("Body")
	c, err := bodyExtension(body)
	if err != nil {
		return nil, err
	}
	if cc, ok := api.props.get("CorsConfiguration"); ok && !cc.isNull() {
		props, err := decodeHTTPCors(cc, false, func(e entry) *Error { return d.unknown(e, cc, httpFields) })
		if err != nil {
			return nil, err
		}
		if c == nil {
			c = props
		} else {
			c.override(props, true)
		}
	}
	if c == nil {
		return nil, api.props.fail("", api.id+" has no CorsConfiguration and its Body no "+extensionKey,
			"API Gateway then answers no preflight and adds no CORS header")
	}
	return c.policy("CloudFormation " + typeV2API + " " + api.id)
}

// cloudFrontResource reads an AWS::CloudFront::ResponseHeadersPolicy.
func cloudFrontResource(api samAPI) (*Import, error) {
	d := dialect{resource: api.id}
	config, ok := api.props.get("ResponseHeadersPolicyConfig")
	if !ok {
		return nil, d.missing(api.props, "ResponseHeadersPolicyConfig")
	}
	return cloudFrontImport(config, d, "CloudFormation "+typeCFPolicy+" "+api.id)
}

func pickAPI(resources value, apis []samAPI, types map[string]string, resource string) (samAPI, error) {
	names := make([]string, len(apis))
	for i, a := range apis {
		names[i] = a.id + " (" + a.typ + ")"
	}
	list := strings.Join(names, ", ")
	if resource != "" {
		for _, a := range apis {
			if a.id == resource {
				return a, nil
			}
		}
		if typ, ok := types[resource]; ok {
			return samAPI{}, resources.fail("", fmt.Sprintf("resource %s is %q, not an %s", resource, typ, resourceTypes), "the template's CORS configurations: "+list)
		}
		if len(apis) == 0 {
			return samAPI{}, resources.fail("", "the template has no resource "+resource+" and no CORS configuration", "")
		}
		return samAPI{}, resources.fail("", "the template has no resource "+resource, "the template's CORS configurations: "+list)
	}
	switch len(apis) {
	case 1:
		return apis[0], nil
	case 0:
		return samAPI{}, resources.fail("", "the template has no "+resourceTypes, "")
	}
	return samAPI{}, resources.fail("", fmt.Sprintf("the template has %d CORS configurations; name the resource to import", len(apis)), "the template's CORS configurations: "+list)
}

// functionEvents lists the Api and HttpApi events of a function's properties, as SAM's
// implicit API plugins read them. Events whose API is not a literal reference are left out:
// they cannot be placed. A template's events are bounded by MaxPaths in all.
func functionEvents(props value) []samEvent {
	events, _ := props.get("Events")
	entries, _, _ := events.mapping()
	var out []samEvent
	for _, e := range entries {
		tv, _ := e.v.get("Type")
		typ, _ := tv.str()
		p, _ := e.v.get("Properties")
		var idKey, implicit string
		switch typ {
		case "Api":
			idKey, implicit = "RestApiId", implicitREST
		case "HttpApi":
			idKey, implicit = "ApiId", implicitHTTP
		default:
			continue
		}
		ev := samEvent{api: implicit}
		if ref, ok := p.get(idKey); ok {
			ev.api = refTarget(ref)
		}
		pv, _ := p.get("Path")
		mv, _ := p.get("Method")
		ev.path, _ = pv.str()
		ev.method, _ = mv.str()
		if ev.api == "" {
			continue
		}
		out = append(out, ev)
	}
	return out
}

// refTarget is the logical id a reference names: !Ref X, {"Ref": "X"}, or a plain "X".
func refTarget(v value) string {
	n := v.node()
	switch {
	case n == nil:
		return ""
	case n.Kind == yaml.ScalarNode && (n.Tag == "!Ref" || n.Tag == "!!str"):
		return n.Value
	}
	if r, ok := v.get("Ref"); ok {
		s, _ := r.str()
		return s
	}
	return ""
}

// prop is a property of the API with its Globals applied, as SAM applies them: objects are
// merged key by key (the resource's keys win), lists are concatenated (Globals first), and
// any other value of the resource replaces the global one.
func (t *samTemplate) prop(api samAPI, section, name string) (value, bool) {
	local, lok := api.props.get(name)
	g, _ := t.globals.get(section)
	global, gok := g.get(name)
	switch {
	case !gok:
		return local, lok
	case !lok:
		return value{n: global.n, path: api.props.at(name).path}, true
	}
	return value{n: mergeNodes(global.node(), local.node(), 0), path: local.path}, true
}

// token is how SAM's Globals merge sees a value: an object, a list, or anything else (an
// intrinsic function is a primitive).
func token(n *yaml.Node) yaml.Kind {
	if n == nil || (value{n: n}).intrinsic() != "" {
		return yaml.ScalarNode
	}
	return n.Kind
}

// mergeNodes merges a global value g and a resource's value l (see prop); positions stay
// those of the values merged.
func mergeNodes(g, l *yaml.Node, depth int) *yaml.Node {
	if g == nil || l == nil || token(g) != token(l) || depth == maxAliasDepth {
		return l
	}
	switch token(l) {
	case yaml.SequenceNode:
		m := *l
		m.Content = append(slices.Clip(g.Content), l.Content...)
		return &m
	case yaml.MappingNode:
		m := *l
		m.Content = slices.Clone(g.Content)
		index := make(map[string]int, len(g.Content)/2) // key → its position in m.Content
		for j := 0; j+1 < len(m.Content); j += 2 {
			if _, dup := index[m.Content[j].Value]; !dup {
				index[m.Content[j].Value] = j
			}
		}
		for i := 0; i+1 < len(l.Content); i += 2 {
			k, v := l.Content[i], l.Content[i+1]
			if j, ok := index[k.Value]; ok {
				m.Content[j], m.Content[j+1] = k, mergeNodes(value{n: m.Content[j+1]}.node(), value{n: v}.node(), depth+1)
				continue
			}
			index[k.Value] = len(m.Content)
			m.Content = append(m.Content, k, v)
		}
		return &m
	}
	return l
}

// truthy is Python's truth of a value, which SAM tests before it adds CORS.
func truthy(v value) bool {
	n := v.node()
	switch {
	case n == nil:
		return false
	case n.Kind == yaml.MappingNode, n.Kind == yaml.SequenceNode:
		return len(n.Content) > 0
	case v.intrinsic() != "":
		return true
	}
	switch n.Tag {
	case "!!null":
		return false
	case "!!bool":
		return n.Value != "false" && n.Value != "False" && n.Value != "FALSE"
	case "!!int", "!!float":
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		return err != nil || f != 0
	}
	return n.Value != ""
}

// invalidResource is SAM's refusal of a resource, as the transform prints it.
func invalidResource(v value, id, msg string) *Error {
	return v.fail("InvalidResourceException", "Resource with id ["+id+"] is invalid. "+msg, "")
}

// httpAPI reads an AWS::Serverless::HttpApi: its CorsConfiguration merged into the
// x-amazon-apigateway-cors of its DefinitionBody, as SAM writes it, then checked as API
// Gateway checks it.
func (t *samTemplate) httpAPI(api samAPI) (*Import, error) {
	source := "SAM " + typeHTTPAPI + " " + api.id
	cc, _ := t.prop(api, "HttpApi", "CorsConfiguration")
	body, hasBody := api.props.get("DefinitionBody")
	c, err := bodyExtension(body)
	if err != nil {
		return nil, err
	}
	if truthy(cc) {
		if uri, ok := api.props.get("DefinitionUri"); ok && !hasBody {
			return nil, invalidResource(uri, api.id, "Cors works only with inline OpenApi specified in 'DefinitionBody' property.")
		}
		props, err := samHTTPCors(cc, api.id)
		if err != nil {
			return nil, err
		}
		if props.credentials && slices.Equal(props.origins, []string{"*"}) {
			return nil, invalidResource(cc, api.id, "Unable to add Cors configuration because 'AllowCredentials' can not be true when 'AllowOrigin' is \"'*'\" or not set.")
		}
		if c == nil {
			c = &httpCors{whole: cc, at: map[string]value{}}
		}
		c.override(props, false)
	}
	if c == nil {
		return nil, api.props.fail("", api.id+" has no CorsConfiguration and its DefinitionBody no "+extensionKey,
			"API Gateway then answers no preflight and adds no CORS header")
	}
	return c.policy(source)
}

// bodyExtension reads the x-amazon-apigateway-cors of an inline definition, nil if it has none.
func bodyExtension(body value) (*httpCors, error) {
	if fn := body.intrinsic(); fn != "" {
		return nil, body.notLiteral(fn)
	}
	if ext, ok := body.get(extensionKey); ok && !ext.isNull() {
		return decodeExtension(ext)
	}
	return nil, nil
}

// samHTTPCors reads CorsConfiguration: true, or an object with the six PascalCase keys.
func samHTTPCors(cc value, id string) (*httpCors, error) {
	if fn := cc.intrinsic(); fn != "" {
		return nil, cc.notLiteral(fn)
	}
	if n := cc.node(); n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		return &httpCors{whole: cc, at: map[string]value{"AllowOrigins": cc}, origins: []string{"*"}}, nil
	}
	if _, ok, _ := cc.mapping(); !ok {
		return nil, invalidResource(cc, id, "Invalid value for 'Cors' property.")
	}
	return decodeHTTPCors(cc, false, func(e entry) *Error {
		return invalidResource(e.keyValue(cc), id, "Invalid key '"+e.key+"' for 'Cors' property.")
	})
}

// restCorsKeys are the keys of an AWS::Serverless::Api Cors object (SAM's CorsProperties).
var restCorsKeys = []string{"AllowMethods", "AllowHeaders", "AllowOrigin", "MaxAge", "AllowCredentials"}

// allMethods is what SAM writes for an ANY method (x-amazon-apigateway-any-method).
const allMethods = "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT"

// restAPI reads an AWS::Serverless::Api: the OPTIONS mock method SAM adds to every path for
// Cors, and the DEFAULT_4XX/DEFAULT_5XX GatewayResponses headers.
func (t *samTemplate) restAPI(api samAPI) (*Import, error) {
	imp := &Import{Source: "SAM " + typeRestAPI + " " + api.id}
	cfg := &fetch.Config{Semantics: fetch.APIGatewayREST, PreflightStatus: 200}
	imp.Config = cfg
	var errs []error
	l := locator{}
	cors, _ := t.prop(api, "Api", "Cors")
	body, hasBody := api.props.get("DefinitionBody")
	literalBody := hasBody && body.intrinsic() == ""
	switch {
	case truthy(cors):
		paths, err := t.restPaths(api, cors)
		if err != nil {
			return nil, err
		}
		if err := t.restCors(api, cors, paths, imp, l); err != nil {
			errs = append(errs, err)
		}
	case literalBody:
		// Without Cors, what the definition's own OPTIONS methods answer is deployed as it is.
		if paths, err := definitionPaths(body, ""); err == nil {
			b := restBuild{imp: imp}
			for _, p := range paths {
				if p.options.n != nil {
					errs = append(errs, b.own(p))
				}
			}
			b.finish(l)
		}
	}
	if gr, ok := t.prop(api, "Api", "GatewayResponses"); ok && truthy(gr) {
		// SAM writes the property over the definition's x-amazon-apigateway-gateway-responses.
		if err := gatewayResponses(gr, api.id, imp, l); err != nil {
			errs = append(errs, err)
		}
	} else if ext, ok := body.get("x-amazon-apigateway-gateway-responses"); ok && literalBody {
		errs = append(errs, gatewayResponsesExtension(ext, imp, l))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := compile(cfg, l, api.props); err != nil {
		return nil, err
	}
	if cfg.Static == nil && cfg.Errors4XX == nil && cfg.Errors5XX == nil && !truthy(cors) {
		return nil, api.props.fail("", api.id+" has no Cors, no mock OPTIONS method and no DEFAULT_4XX or DEFAULT_5XX gateway response with headers",
			"API Gateway then adds no CORS header to any response")
	}
	t.authWarnings(api, imp)
	imp.Warnings = append(t.warnings, imp.Warnings...)
	return imp, nil
}

// restPaths lists the paths SAM adds CORS to: those of the inline DefinitionBody, or, when
// there is none, those SAM builds from the functions' Api events.
func (t *samTemplate) restPaths(api samAPI, cors value) ([]pathItem, error) {
	body, ok := api.props.get("DefinitionBody")
	if !ok {
		if uri, ok := api.props.get("DefinitionUri"); ok {
			return nil, invalidResource(uri, api.id, "Cors works only with inline Swagger specified in 'DefinitionBody' property.")
		}
		var out []pathItem
		index := map[string]int{}
		for _, ev := range t.events {
			if ev.api != api.id || ev.path == "" || ev.method == "" {
				continue
			}
			m := strings.ToLower(ev.method)
			if m == "any" {
				m = "x-amazon-apigateway-any-method"
			}
			i, ok := index[ev.path]
			if !ok {
				i = len(out)
				index[ev.path] = i
				out = append(out, pathItem{path: ev.path, at: cors})
			}
			if !slices.Contains(out[i].keys, m) {
				out[i].keys = append(out[i].keys, m)
			}
		}
		return out, nil
	}
	if fn := body.intrinsic(); fn != "" {
		return nil, body.notLiteral(fn)
	}
	if ext, ok := body.get(extensionKey); ok {
		// [UNVERIFIED] The extension is documented for HTTP APIs only
		// (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-cors-configuration.html);
		// what a REST API import does with it is not recorded. It is not applied.
		t.warnings = append(t.warnings, ext.fail("", extensionKey+" is an HTTP API extension; a REST API's CORS is its OPTIONS methods, and it is not applied", ""))
	}
	return definitionPaths(body, api.id)
}

// restCors applies Cors to each path as SAM's SwaggerEditor.add_cors does, and reads the
// header values API Gateway's mock integration returns.
func (t *samTemplate) restCors(api samAPI, cors value, paths []pathItem, imp *Import, l locator) error {
	props := map[string]value{}
	credentials := false
	if fn := cors.intrinsic(); fn != "" {
		return cors.notLiteral(fn)
	}
	if n := cors.node(); n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		props["AllowOrigin"] = cors
	} else if entries, ok, err := cors.mapping(); ok {
		if err != nil {
			return err
		}
		for _, e := range entries {
			if !slices.Contains(restCorsKeys, e.key) {
				return invalidResource(e.keyValue(cors), api.id, "Invalid value for 'Cors' property")
			}
			props[e.key] = e.v
		}
	} else {
		return invalidResource(cors, api.id, "Invalid value for 'Cors' property")
	}
	if c, ok := props["AllowCredentials"]; ok {
		n := c.node()
		credentials = n != nil && n.Tag == "!!bool" && truthy(c) // SAM tests `is True`
	}
	origin, setOrigin := props["AllowOrigin"]
	if !setOrigin || origin.isNull() {
		// CorsProperties' default.
		origin = value{n: &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "'*'"}, path: cors.at("AllowOrigin").path}
	}
	if credentials && origin.node().Tag == "!!str" && origin.node().Value == "'*'" {
		return invalidResource(props["AllowCredentials"], api.id, "Unable to add Cors configuration because 'AllowCredentials' can not be true when 'AllowOrigin' is \"'*'\" or not set")
	}
	var errs []error
	var fixed []*fetch.Header // Origin, Headers, Methods (nil: computed per path), Max-Age, Credentials
	var fixedAt []value       // where each of fixed is written
	static := func(name string, v value) *fetch.Header {
		fixedAt = append(fixedAt, v)
		s, err := staticValue(v)
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		return &fetch.Header{Name: name, Value: s}
	}
	if !truthy(origin) {
		return invalidResource(origin, api.id, "Invalid input. Value for AllowedOrigins is required")
	}
	fixed = append(fixed, static("Access-Control-Allow-Origin", origin))
	if h, ok := props["AllowHeaders"]; ok && truthy(h) {
		fixed = append(fixed, static("Access-Control-Allow-Headers", h))
	}
	methodsAt := len(fixed)
	if m, ok := props["AllowMethods"]; ok && truthy(m) {
		fixed = append(fixed, static("Access-Control-Allow-Methods", m))
	} else {
		fixed, fixedAt = append(fixed, nil), append(fixedAt, cors)
	}
	if m, ok := props["MaxAge"]; ok && !m.isNull() {
		fixed = append(fixed, static("Access-Control-Max-Age", m))
	}
	if credentials {
		fixed = append(fixed, &fetch.Header{Name: "Access-Control-Allow-Credentials", Value: "true"})
		fixedAt = append(fixedAt, props["AllowCredentials"])
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	b := restBuild{imp: imp}
	for _, p := range paths {
		if slices.Contains(p.keys, "options") {
			// SAM leaves a path with an OPTIONS method of its own alone.
			if err := b.own(p); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		headers := make([]fetch.Header, 0, len(fixed))
		for i, h := range fixed {
			if i == methodsAt && h == nil {
				headers = append(headers, fetch.Header{Name: "Access-Control-Allow-Methods", Value: pathMethods(p.keys)})
				if odd := nonMethodKeys(p.keys); len(odd) > 0 {
					imp.Warnings = append(imp.Warnings, p.at.fail("", fmt.Sprintf("SAM lists %s in Access-Control-Allow-Methods for %s", strings.ToUpper(strings.Join(odd, ", ")), p.path),
						"SAM takes every key of the path item for a method; set AllowMethods to list the methods"))
				}
				continue
			}
			headers = append(headers, *h)
		}
		b.add(PathPreflight{Path: p.path, Static: headers}, fixedAt)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if !b.finish(l) {
		imp.Warnings = append(imp.Warnings, cors.fail("", "no path gets SAM's CORS OPTIONS method",
			"SAM adds it only to the paths of the definition that have no OPTIONS method of their own"))
	}
	return nil
}

// httpMethodKeys are the keys of a path item that are methods.
var httpMethodKeys = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace", "x-amazon-apigateway-any-method"}

func nonMethodKeys(keys []string) []string {
	var odd []string
	for _, k := range keys {
		if !slices.Contains(httpMethodKeys, strings.ToLower(k)) {
			odd = append(odd, k)
		}
	}
	return odd
}

// pathMethods is SAM's _make_cors_allowed_methods_for_path_item: every key of the path item
// plus OPTIONS, upper-cased, de-duplicated, sorted, joined with ","; ANY stands for every
// method.
func pathMethods(keys []string) string {
	if slices.Contains(keys, "x-amazon-apigateway-any-method") {
		return allMethods
	}
	ms := make([]string, 0, len(keys)+1)
	ms = append(ms, "OPTIONS")
	for _, k := range keys {
		ms = append(ms, strings.ToUpper(k))
	}
	slices.Sort(ms)
	return strings.Join(slices.Compact(ms), ",")
}

// staticValue reads an API Gateway mapping expression that must be a static value: a string
// in single quotes, such as "'https://example.com'". Request-time sources are refused, as is
// anything API Gateway refuses.
func staticValue(v value) (string, error) {
	if fn := v.intrinsic(); fn != "" {
		return "", v.notLiteral(fn)
	}
	n := v.node()
	if n == nil || n.Kind != yaml.ScalarNode {
		return "", v.fail("", "must be a mapping expression such as \"'https://example.com'\", not "+v.kind(), "")
	}
	s := n.Value
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return s[1 : len(s)-1], nil
	}
	for _, p := range []string{"method.request.", "stageVariables.", "context.", "integration.response."} {
		if strings.HasPrefix(s, p) {
			return "", v.fail("", "the value "+s+" is taken from each request, which an import cannot reproduce",
				"write a static value in single quotes, e.g. \"'https://app.example.com'\"")
		}
	}
	// API Gateway's refusal when the stack deploys, recorded for a Cors value (AllowMethods:
	// GET, HEAD, POST; awsdocs/aws-sam-developer-guide pull request 55). [UNVERIFIED] for a
	// gateway response header: the same mapping-expression validator is assumed.
	return "", v.fail("BadRequestException",
		"Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: "+s+"]",
		"a static value needs single quotes inside the string: \"'"+s+"'\"")
}

// gatewayResponseTypes are API Gateway's gateway response types, in the order its
// validation message lists them, as recorded against AWS by LocalStack's
// test_gateway_response_validation (localstack/localstack, tests/aws/services/apigateway).
var gatewayResponseTypes = []string{"REQUEST_TOO_LARGE", "RESOURCE_NOT_FOUND", "AUTHORIZER_CONFIGURATION_ERROR",
	"MISSING_AUTHENTICATION_TOKEN", "BAD_REQUEST_BODY", "INVALID_SIGNATURE", "INVALID_API_KEY", "BAD_REQUEST_PARAMETERS",
	"AUTHORIZER_FAILURE", "UNAUTHORIZED", "INTEGRATION_TIMEOUT", "ACCESS_DENIED", "DEFAULT_4XX", "DEFAULT_5XX",
	"WAF_FILTERED", "QUOTA_EXCEEDED", "THROTTLED", "API_CONFIGURATION_ERROR", "UNSUPPORTED_MEDIA_TYPE",
	"INTEGRATION_FAILURE", "EXPIRED_TOKEN"}

// pythonType is the Python type name SAM's messages print for a value.
func pythonType(v value) string { return v.typeOf().python }

// gatewayResponses reads GatewayResponses as SAM and API Gateway check it, and keeps the
// static headers of DEFAULT_4XX and DEFAULT_5XX.
func gatewayResponses(gr value, id string, imp *Import, l locator) error {
	if gr.intrinsic() != "" {
		return invalidResource(gr, id, "Unable to set GatewayResponses attribute because intrinsic functions are not supported for this field.")
	}
	entries, ok, err := gr.mapping()
	if !ok {
		return invalidResource(gr, id, "Invalid value for 'GatewayResponses' property")
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if e.v.intrinsic() != "" {
			return invalidResource(e.v, id, "Unable to set GatewayResponses attribute because intrinsic functions are not supported for this field.")
		}
		props, ok, err := e.v.mapping()
		if !ok {
			return invalidResource(e.v, id, "Invalid property type '"+pythonType(e.v)+"' for GatewayResponses. Expected an object of type 'GatewayResponse'.")
		}
		if err != nil {
			return err
		}
		for _, p := range props {
			if !slices.Contains([]string{"ResponseParameters", "ResponseTemplates", "StatusCode"}, p.key) {
				return invalidResource(p.keyValue(e.v), id, "Invalid property '"+p.key+"' in 'GatewayResponses' property '"+e.key+"'.")
			}
		}
		if !slices.Contains(gatewayResponseTypes, e.key) {
			errs = append(errs, e.keyValue(gr).fail("ValidationException",
				"1 validation error detected: Value '"+e.key+"' at 'responseType' failed to satisfy constraint: Member must satisfy enum value set: ["+strings.Join(gatewayResponseTypes, ", ")+"]", ""))
			continue
		}
		headers, at, err := responseHeaders(e, id, imp)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		setGatewayHeaders(imp, e.keyValue(gr), e.key, headers, at, l)
	}
	return errors.Join(errs...)
}

// responseHeaders reads ResponseParameters.Headers of one gateway response (see
// gatewayValue).
func responseHeaders(e entry, id string, imp *Import) ([]fetch.Header, []value, error) {
	params, ok := e.v.get("ResponseParameters")
	if !ok || !truthy(params) {
		return nil, nil, nil
	}
	kinds, isMap, err := params.mapping()
	if !isMap {
		return nil, nil, invalidResource(params, id, "Invalid gateway response parameter '"+pythonType(params)+"'")
	}
	if err != nil {
		return nil, nil, err
	}
	var out []fetch.Header
	var at []value
	var errs []error
	for _, k := range kinds {
		if !slices.Contains([]string{"Headers", "Paths", "QueryStrings"}, k.key) {
			return nil, nil, invalidResource(k.keyValue(params), id, "Invalid gateway response parameter '"+k.key+"'")
		}
		if k.key != "Headers" {
			continue
		}
		headers, _, err := k.v.mapping()
		if err != nil {
			return nil, nil, err
		}
		for _, h := range headers {
			if n := h.v.node(); n != nil && n.Kind == yaml.MappingNode && h.v.intrinsic() == "" {
				return nil, nil, invalidResource(h.v, id, "Invalid gateway response parameter 'gatewayresponse.header."+h.key+"'")
			}
			s, ok, err := gatewayValue(imp, e.key, h.key, h.v)
			if err != nil {
				errs = append(errs, err)
			}
			if ok {
				out = append(out, fetch.Header{Name: h.key, Value: s})
				at = append(at, h.v)
			}
		}
	}
	return out, at, errors.Join(errs...)
}

// authWarnings says when SAM's preflight needs credentials that a browser never sends: the
// generated OPTIONS method inherits the default authorizer and the API key requirement
// unless the template turns that off (AddDefaultAuthorizerToCorsPreflight and
// AddApiKeyRequiredToCorsPreflight default to true in SAM's AuthProperties,
// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-api-apiauth.html).
func (t *samTemplate) authWarnings(api samAPI, imp *Import) {
	auth, ok := t.prop(api, "Api", "Auth")
	if !ok || imp.Config.Static == nil {
		return
	}
	off := func(key string) bool {
		v, ok := auth.get(key)
		b, err := v.boolean()
		return ok && err == nil && !b
	}
	if d, ok := auth.get("DefaultAuthorizer"); ok && truthy(d) && !off("AddDefaultAuthorizerToCorsPreflight") {
		name, _ := d.str()
		imp.Warnings = append(imp.Warnings, d.fail("", "SAM puts DefaultAuthorizer "+name+" on the generated OPTIONS methods, so on AWS every preflight is refused",
			"a browser's preflight carries no credentials; set Auth.AddDefaultAuthorizerToCorsPreflight: false"))
	}
	if k, ok := auth.get("ApiKeyRequired"); ok && truthy(k) && !off("AddApiKeyRequiredToCorsPreflight") {
		imp.Warnings = append(imp.Warnings, k.fail("", "SAM requires the API key on the generated OPTIONS methods, so on AWS every preflight is refused",
			"a browser's preflight carries no x-api-key; set Auth.AddApiKeyRequiredToCorsPreflight: false"))
	}
}

// gatewayValue reads the mapping of a gateway response header: a static value (ok), or a
// value taken from the request (method.request.header.Origin, ...), which cannot be
// reproduced and is left out with a warning, or a refusal.
func gatewayValue(imp *Import, typ, name string, v value) (string, bool, error) {
	s, err := staticValue(v)
	if err == nil {
		return s, true, nil
	}
	if n := v.node(); n != nil && n.Kind == yaml.ScalarNode && strings.HasPrefix(n.Value, "method.request.") {
		imp.Warnings = append(imp.Warnings, v.fail("", "header "+name+" of "+typ+" takes "+n.Value+" from each request and is left out",
			"doorman reproduces static 'quoted' values only"))
		return "", false, nil
	}
	return "", false, err
}

// setGatewayHeaders keeps the headers of a DEFAULT_4XX or DEFAULT_5XX gateway response,
// placed in the document by l; another type's headers are reported as not reproduced.
func setGatewayHeaders(imp *Import, key value, typ string, headers []fetch.Header, at []value, l locator) {
	field := ""
	switch typ {
	case "DEFAULT_4XX":
		imp.Config.Errors4XX, field = headers, "errors_4xx"
	case "DEFAULT_5XX":
		imp.Config.Errors5XX, field = headers, "errors_5xx"
	default:
		if len(headers) > 0 {
			imp.Warnings = append(imp.Warnings, key.fail("", "the headers of the "+typ+" gateway response are not reproduced",
				"the policy carries DEFAULT_4XX and DEFAULT_5XX headers only; map the same headers there"))
		}
		return
	}
	for i, v := range at {
		l[field+"["+strconv.Itoa(i)+"]"] = v
	}
}
