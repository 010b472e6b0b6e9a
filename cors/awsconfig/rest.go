package awsconfig

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/doorman-s3/doorman/cors/fetch"
)

// pathItem is one path of a REST definition: its keys (the methods, as SAM reads them), and
// its OPTIONS method when the definition has one.
type pathItem struct {
	path    string
	at      value
	keys    []string
	options value
}

// definitionPaths lists the paths of a Swagger or OpenAPI definition. id names the SAM
// resource whose DefinitionBody it is, for SAM's messages; "" for a definition of its own.
func definitionPaths(body value, id string) ([]pathItem, error) {
	invalid := func(v value, sam, own string) *Error {
		if id != "" {
			return invalidResource(v, id, sam)
		}
		return v.fail("", own, "")
	}
	paths, ok := body.get("paths")
	entries, isMap, err := paths.mapping()
	if !ok || !isMap {
		return nil, invalid(body, "Unable to add Cors configuration because 'DefinitionBody' does not contain a valid Swagger definition.",
			"the definition has no paths object")
	}
	if err != nil {
		return nil, err
	}
	if len(entries) > MaxPaths {
		return nil, paths.fail("", fmt.Sprintf("the definition has %d paths; the limit is %d", len(entries), MaxPaths), "")
	}
	out := make([]pathItem, 0, len(entries))
	for _, e := range entries {
		if fn := e.v.intrinsic(); fn != "" {
			return nil, e.v.notLiteral(fn)
		}
		methods, ok, err := e.v.mapping()
		if !ok {
			return nil, invalid(e.v, "Value of '"+e.key+"' path must be a dictionary according to Swagger spec.", "path "+e.key+" must be an object")
		}
		if err != nil {
			return nil, err
		}
		p := pathItem{path: e.key, at: e.v}
		for _, m := range methods {
			p.keys = append(p.keys, m.key)
			if m.key == "options" {
				p.options = m.v
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// restBuild gathers the OPTIONS answer of each path of a REST API.
type restBuild struct {
	imp *Import
	at  [][]value // where each path's headers are written, by index in imp.Paths
}

func (b *restBuild) add(p PathPreflight, at []value) {
	b.imp.Paths = append(b.imp.Paths, p)
	b.at = append(b.at, at)
}

// own records a path's own OPTIONS method: a mock integration's static headers are what API
// Gateway answers; any other integration is the backend's to answer.
func (b *restBuild) own(p pathItem) error {
	headers, at, err := b.mock(p)
	b.add(PathPreflight{Path: p.path, Own: true, Static: headers}, at)
	return err
}

// mock reads the static headers of a mock OPTIONS method (x-amazon-apigateway-integration
// type mock, its default response mapping method.response.header.X to 'values'), as the
// console's "Enable CORS" and SAM write it
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/enable-cors-for-resource-using-swagger-importer-tool.html).
func (b *restBuild) mock(p pathItem) ([]fetch.Header, []value, error) {
	if p.options.n == nil {
		return nil, nil, nil // a function's own OPTIONS event: the backend answers
	}
	integ, ok := p.options.get("x-amazon-apigateway-integration")
	typ := ""
	if ok {
		tv, _ := integ.get("type")
		typ, _ = tv.str()
	}
	if !strings.EqualFold(typ, "mock") {
		what := "no integration"
		if typ != "" {
			what = "a " + typ + " integration"
		}
		b.imp.Warnings = append(b.imp.Warnings, p.options.fail("", "the OPTIONS method of "+p.path+" has "+what+": API Gateway passes its preflights to the backend, whose answer only the backend can give",
			"the gateway forwards them to the upstream: it must answer OPTIONS as the backend does, without authentication, or the preflight fails as it does on API Gateway"))
		return nil, nil, nil
	}
	responses, _ := integ.get("responses")
	resp, ok := responses.get("default")
	if !ok {
		if resp, ok = responses.get("200"); !ok {
			b.imp.Warnings = append(b.imp.Warnings, integ.fail("", "the mock OPTIONS method of "+p.path+" has no default response", ""))
			return nil, nil, nil
		}
	}
	params, _ := resp.get("responseParameters")
	entries, _, err := params.mapping()
	if err != nil {
		return nil, nil, err
	}
	var headers []fetch.Header
	var at []value
	var errs []error
	for _, e := range entries {
		name, ok := strings.CutPrefix(e.key, "method.response.header.")
		if !ok {
			continue
		}
		s, err := staticValue(e.v)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		headers = append(headers, fetch.Header{Name: name, Value: s})
		at = append(at, e.v)
	}
	if headers == nil {
		headers = []fetch.Header{}
	}
	return headers, at, errors.Join(errs...)
}

// finish sets the policy's Static to the paths' common answer, placed in the document by l;
// it reports false when no path answers OPTIONS with static headers. Each path keeps its
// own answer in Paths, which is what API Gateway answers, resource by resource; Static sums
// them up for a reader that gives every path one answer: when the answers differ only in
// Access-Control-Allow-Methods, the union of the methods, otherwise the first path's
// headers.
func (b *restBuild) finish(l locator) bool {
	first := -1
	union := map[string]bool{}
	differ, methodsOnly := false, true
	for i, p := range b.imp.Paths {
		if len(p.Static) == 0 {
			continue
		}
		if first < 0 {
			first = i
		}
		if ref := b.imp.Paths[first].Static; !slices.Equal(p.Static, ref) {
			differ = true
			methodsOnly = methodsOnly && slices.EqualFunc(p.Static, ref, func(x, y fetch.Header) bool {
				return x.Name == y.Name && (x.Value == y.Value || strings.EqualFold(x.Name, "Access-Control-Allow-Methods"))
			})
		}
		for _, h := range p.Static {
			if strings.EqualFold(h.Name, "Access-Control-Allow-Methods") {
				for _, m := range strings.Split(h.Value, ",") {
					union[m] = true
				}
			}
		}
	}
	if first < 0 {
		return false
	}
	b.imp.Config.Static = slices.Clone(b.imp.Paths[first].Static)
	for i, v := range b.at[first] {
		l["static["+strconv.Itoa(i)+"]"] = v
	}
	if differ && methodsOnly {
		all := strings.Join(slices.Sorted(maps.Keys(union)), ",")
		for i, h := range b.imp.Config.Static {
			if strings.EqualFold(h.Name, "Access-Control-Allow-Methods") {
				b.imp.Config.Static[i].Value = all
			}
		}
	}
	return true
}

// readREST reads a REST API definition (`aws apigateway get-export --extensions
// apigateway`, or one written by hand): the mock OPTIONS method of each path and the
// DEFAULT_4XX and DEFAULT_5XX headers of x-amazon-apigateway-gateway-responses.
func readREST(root value) (*Import, error) {
	imp := &Import{Source: "OpenAPI REST API mock OPTIONS methods", Config: &fetch.Config{Semantics: fetch.APIGatewayREST, PreflightStatus: 200}}
	paths, err := definitionPaths(root, "")
	if err != nil {
		return nil, err
	}
	b := restBuild{imp: imp}
	var errs []error
	for _, p := range paths {
		if p.options.n != nil {
			errs = append(errs, b.own(p))
		}
	}
	l := locator{}
	found := b.finish(l)
	if gr, ok := root.get("x-amazon-apigateway-gateway-responses"); ok {
		errs = append(errs, gatewayResponsesExtension(gr, imp, l))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if !found && imp.Config.Errors4XX == nil && imp.Config.Errors5XX == nil {
		return nil, root.fail("", "the definition has no root-level "+extensionKey+" (HTTP API), and no mock OPTIONS method nor DEFAULT_4XX/DEFAULT_5XX gateway response headers (REST API)",
			"API Gateway reads the extension only at the root of the definition")
	}
	if err := compile(imp.Config, l, root); err != nil {
		return nil, err
	}
	return imp, nil
}

// gatewayResponsesExtension reads x-amazon-apigateway-gateway-responses
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-gateway-responses.html):
// the static gatewayresponse.header.X values of DEFAULT_4XX and DEFAULT_5XX.
func gatewayResponsesExtension(gr value, imp *Import, l locator) error {
	entries, _, err := gr.mapping()
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		params, _ := e.v.get("responseParameters")
		ps, _, err := params.mapping()
		if err != nil {
			return err
		}
		var headers []fetch.Header
		var at []value
		for _, p := range ps {
			name, ok := strings.CutPrefix(p.key, "gatewayresponse.header.")
			if !ok {
				continue
			}
			s, ok, err := gatewayValue(imp, e.key, name, p.v)
			if err != nil {
				errs = append(errs, err)
			}
			if ok {
				headers = append(headers, fetch.Header{Name: name, Value: s})
				at = append(at, p.v)
			}
		}
		setGatewayHeaders(imp, e.keyValue(gr), e.key, headers, at, l)
	}
	return errors.Join(errs...)
}
