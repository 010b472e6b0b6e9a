package awsconfig

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/doorman-s3/doorman/cors/fetch"
)

// Bounds on what a reader accepts. Every document is read whole into memory as a tree, so its
// size bounds the work; the counts bound what one document can make the readers do.
const (
	// MaxDocumentSize is the largest document read: 1 MiB, the size CloudFormation accepts
	// for a template stored in S3 (the largest of the inputs; get-api and CloudFront outputs
	// are a few KiB).
	MaxDocumentSize = 1 << 20
	// MaxListEntries bounds each list (origins, methods, headers). Neither API Gateway nor
	// CloudFront documents a limit; a thousand is far above any list a browser policy needs
	// and keeps the configuration a gateway compiles small.
	MaxListEntries = 1000
	// MaxPaths bounds the paths of a SAM DefinitionBody (or of the events that make one).
	// API Gateway's default quota is 300 resources per REST API; this is ten times that.
	MaxPaths = 3000
	// maxAliasDepth bounds how many YAML aliases are followed to reach a value.
	maxAliasDepth = 16
)

// Format is the kind of document Read takes.
type Format uint8

// The formats.
const (
	// HTTPAPI is the JSON of `aws apigatewayv2 get-api` (PascalCase CorsConfiguration), the
	// raw REST form of GET /v2/apis/{apiId} (camelCase corsConfiguration), or a bare
	// configuration as `--cors-configuration` takes it.
	HTTPAPI Format = iota + 1
	// OpenAPI is an OpenAPI 3 or Swagger 2 definition, JSON or YAML: an HTTP API's, with the
	// root-level x-amazon-apigateway-cors extension, or a REST API's, with mock OPTIONS
	// methods and gateway responses.
	OpenAPI
	// SAM is an AWS SAM or CloudFormation template, YAML (short-form tags allowed) or JSON,
	// such as `cdk synth` writes: its AWS::Serverless::Api, AWS::Serverless::HttpApi,
	// AWS::ApiGatewayV2::Api or AWS::CloudFront::ResponseHeadersPolicy resources.
	SAM
	// CloudFront is the JSON of `aws cloudfront get-response-headers-policy-config` or of
	// `aws cloudfront get-response-headers-policy`.
	CloudFront
)

var formatNames = [...]string{HTTPAPI: "apigw-http", OpenAPI: "openapi", SAM: "sam", CloudFront: "cloudfront"}

// String returns the name ParseFormat reads.
func (f Format) String() string {
	if f < HTTPAPI || f > CloudFront {
		return "Format(" + strconv.Itoa(int(f)) + ")"
	}
	return formatNames[f]
}

// ParseFormat reads "apigw-http", "openapi", "sam" or "cloudfront"; "cloudformation" is SAM
// too, whose reader takes any CloudFormation template.
func ParseFormat(s string) (Format, error) {
	if s == "cloudformation" {
		return SAM, nil
	}
	for f := HTTPAPI; f <= CloudFront; f++ {
		if formatNames[f] == s {
			return f, nil
		}
	}
	return 0, fmt.Errorf("unknown import format %q (want apigw-http, openapi, sam, cloudformation or cloudfront)", s)
}

// Import is what a reader found: the policy, with the Semantics of the service that deploys
// it, and what the policy model has no field for.
type Import struct {
	Config *fetch.Config
	// OriginOverride is CloudFront's switch (nil for the other services): true when the
	// policy's headers replace the origin's, false when the origin's headers win.
	OriginOverride *bool
	// Source says what was read, e.g. "SAM AWS::Serverless::Api MyApi".
	Source string
	// Paths lists, for a REST API, the OPTIONS method of each path as it is deployed, in the
	// document's order: API Gateway answers each resource's preflights with its own. For a
	// reader that gives every path one answer, Config.Static holds the headers when every
	// path answers alike; when only their Allow-Methods differ, the union of the methods, and
	// otherwise the first path's headers.
	Paths []PathPreflight
	// Warnings are things the import cannot reproduce, with where they are written.
	Warnings []*Error
}

// PathPreflight is the OPTIONS method of one path of a REST API.
type PathPreflight struct {
	Path string
	// Own is true when the definition has its own OPTIONS method for the path (which SAM
	// leaves alone); Static then holds its headers if it is a mock integration, and is nil
	// when its backend answers.
	Own    bool
	Static []fetch.Header
}

// Error is one refusal: AWS's own message when AWS refuses the input, or doorman's when the
// input cannot be read or reproduced.
type Error struct {
	// Path is where the value applies, in the document's own keys and 0-based indexes:
	// "Resources.MyApi.Properties.Cors.AllowOrigin", "CorsConfiguration.AllowOrigins[2]".
	Path string
	// Line and Column (1-based) are where the value is written, 0 when unknown. A value a
	// SAM resource takes from Globals points into Globals.
	Line, Column int
	// Code is AWS's error code or exception name (BadRequestException,
	// InvalidResourceException, InconsistentQuantities, ...) when this package refuses the
	// input as that AWS component does. It is "" for doorman's own messages and for the
	// rules the policy shares with the gateway (fetch.Compile), whose messages are AWS's
	// where AWS's are recorded, and for CloudFormation's property validation, which prints
	// no code.
	Code string
	// Message is AWS's message verbatim (typos included), or doorman's.
	Message string
	// Detail says in plain words what is wrong and what to write, "" when Message says it.
	Detail string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d: ", e.Line, e.Column)
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	if e.Code != "" {
		b.WriteString(e.Code)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	if e.Detail != "" {
		b.WriteString(" (")
		b.WriteString(e.Detail)
		b.WriteString(")")
	}
	return b.String()
}

// Read reads doc in format f. resource picks one API of a SAM template by logical id; empty
// takes the template's only API. The other formats hold one configuration and take no
// resource. Errors are *Error values joined with errors.Join, every one found at once.
func Read(f Format, doc []byte, resource string) (*Import, error) {
	if f != SAM && resource != "" {
		return nil, &Error{Message: fmt.Sprintf("a %s document holds one configuration; resource %q applies to SAM templates only", f, resource)}
	}
	root, err := parse(doc)
	if err != nil {
		return nil, err
	}
	switch f {
	case HTTPAPI:
		return readHTTPAPI(root)
	case OpenAPI:
		return readOpenAPI(root)
	case SAM:
		return readSAM(root, resource)
	case CloudFront:
		return readCloudFront(root)
	}
	return nil, &Error{Message: "unknown import format " + f.String()}
}

// parse reads doc (JSON is YAML) into a tree with positions.
func parse(doc []byte) (value, error) {
	if len(doc) > MaxDocumentSize {
		return value{}, &Error{Message: fmt.Sprintf("the document has %d bytes; the limit is %d", len(doc), MaxDocumentSize)}
	}
	var n yaml.Node
	if err := yaml.Unmarshal(doc, &n); err != nil {
		return value{}, &Error{Message: "the document is neither JSON nor YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if n.Kind != yaml.DocumentNode || len(n.Content) == 0 {
		return value{}, &Error{Message: "the document is empty"}
	}
	return value{n: n.Content[0]}, nil
}

// value is a node of the document and the path that names it.
type value struct {
	n    *yaml.Node
	path string
}

// node follows aliases to the node that holds the value, nil if there are too many.
func (v value) node() *yaml.Node {
	n := v.n
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i == maxAliasDepth {
			return nil
		}
		n = n.Alias
	}
	return n
}

func (v value) at(key string) value {
	if v.path == "" {
		return value{path: key}
	}
	return value{path: v.path + "." + key}
}

func (v value) index(i int) string { return v.path + "[" + strconv.Itoa(i) + "]" }

// fail makes an error at v.
func (v value) fail(code, msg, detail string) *Error {
	e := &Error{Path: v.path, Code: code, Message: msg, Detail: detail}
	if v.n != nil {
		e.Line, e.Column = v.n.Line, v.n.Column
	}
	return e
}

// entry is one key of a mapping.
type entry struct {
	key string
	k   *yaml.Node
	v   value
}

func (e entry) keyValue(v value) value { return value{n: e.k, path: v.at(e.key).path} }

// mapping returns the entries of v in document order, or nil and false if v is not a
// mapping. Keys that are not strings, and keys that repeat, are errors.
func (v value) mapping() ([]entry, bool, error) {
	n := v.node()
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, false, nil
	}
	out := make([]entry, 0, len(n.Content)/2)
	var errs []error
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode {
			errs = append(errs, value{n: k, path: v.path}.fail("", "a key must be a string", ""))
			continue
		}
		if seen[k.Value] {
			errs = append(errs, value{n: k, path: v.at(k.Value).path}.fail("", "key "+strconv.Quote(k.Value)+" appears twice", ""))
			continue
		}
		seen[k.Value] = true
		out = append(out, entry{key: k.Value, k: k, v: value{n: n.Content[i+1], path: v.at(k.Value).path}})
	}
	return out, true, errors.Join(errs...)
}

// get returns the value under key, if v is a mapping that has it.
func (v value) get(key string) (value, bool) {
	n := v.node()
	if n == nil || n.Kind != yaml.MappingNode {
		return value{}, false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			return value{n: n.Content[i+1], path: v.at(key).path}, true
		}
	}
	return value{}, false
}

// intrinsic names the CloudFormation intrinsic function v is ("!Ref", "Fn::Sub"), or "".
// Short forms are YAML tags; long forms are one-key mappings, as SAM's is_intrinsic sees them.
func (v value) intrinsic() string {
	n := v.node()
	if n == nil {
		return ""
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return n.Tag
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 {
		k := n.Content[0].Value
		if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
			return k
		}
	}
	return ""
}

// notLiteral is the refusal of an intrinsic function where a literal is needed.
func (v value) notLiteral(fn string) *Error {
	return v.fail("", "the value must be literal, not "+fn,
		"CloudFormation resolves "+fn+" when it deploys the stack, which an import cannot do; write the value the stack deploys")
}

// isNull reports whether v is YAML/JSON null (or absent).
func (v value) isNull() bool {
	n := v.node()
	return n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// A type a value can have, named as a person reads it and as Python (SAM's messages) does.
type typeName struct{ person, python string }

var (
	typeNothing = typeName{"nothing", "NoneType"}
	typeObject  = typeName{"an object", "dict"}
	typeList    = typeName{"a list", "list"}
	scalarTypes = map[string]typeName{"!!str": {"a string", "str"}, "!!int": {"an integer", "int"},
		"!!float": {"a number", "float"}, "!!bool": {"a boolean", "bool"}, "!!null": {"null", "NoneType"}}
)

// typeOf is the type of v; an unknown scalar tag is a string to Python.
func (v value) typeOf() typeName {
	n := v.node()
	switch {
	case n == nil:
		return typeNothing
	case n.Kind == yaml.MappingNode:
		return typeObject
	case n.Kind == yaml.SequenceNode:
		return typeList
	}
	if t, ok := scalarTypes[n.Tag]; ok {
		return t
	}
	return typeName{"a " + strings.TrimPrefix(n.Tag, "!!"), "str"}
}

// kind is the type of v as a person reads it.
func (v value) kind() string {
	if fn := v.intrinsic(); fn != "" {
		return "the intrinsic function " + fn
	}
	return v.typeOf().person
}

// str reads a literal string.
func (v value) str() (string, error) {
	if fn := v.intrinsic(); fn != "" {
		return "", v.notLiteral(fn)
	}
	n := v.node()
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return "", v.fail("", "must be a string, not "+v.kind(), "")
	}
	return n.Value, nil
}

// boolean reads a literal boolean.
func (v value) boolean() (bool, error) {
	if fn := v.intrinsic(); fn != "" {
		return false, v.notLiteral(fn)
	}
	n := v.node()
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		return false, v.fail("", "must be true or false, not "+v.kind(), "")
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		return false, v.fail("", "must be true or false", "")
	}
	return b, nil
}

// integer reads a literal integer that fits in 32 bits, as the AWS models' integers do.
func (v value) integer() (int, error) {
	if fn := v.intrinsic(); fn != "" {
		return 0, v.notLiteral(fn)
	}
	n := v.node()
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		return 0, v.fail("", "must be an integer, not "+v.kind(), "")
	}
	var i int64
	if err := n.Decode(&i); err != nil || i != int64(int32(i)) {
		return 0, v.fail("", "must be a 32-bit integer, not "+strconv.Quote(n.Value), "")
	}
	return int(i), nil
}

// strings reads a literal list of strings, at most MaxListEntries long.
func (v value) strings() ([]string, error) {
	if fn := v.intrinsic(); fn != "" {
		return nil, v.notLiteral(fn)
	}
	n := v.node()
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil, v.fail("", "must be a list of strings, not "+v.kind(), "")
	}
	if len(n.Content) > MaxListEntries {
		return nil, v.fail("", fmt.Sprintf("the list has %d entries; the limit is %d", len(n.Content), MaxListEntries), "")
	}
	out := make([]string, 0, len(n.Content))
	var errs []error
	for i, c := range n.Content {
		s, err := value{n: c, path: v.index(i)}.str()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, s)
	}
	return out, errors.Join(errs...)
}

// dialect is the layer that checks a document's keys before the service sees it: the AWS
// CLI (botocore's parameter validation) for an API's output given back to it, or
// CloudFormation's resource schema for a template.
type dialect struct {
	resource string // the logical id of a template's resource; "" for the AWS CLI
}

// shape is the last name of v's path, as botocore names the structure in its messages.
func shape(v value) string { return v.path[strings.LastIndex(v.path, ".")+1:] }

// pointer is v's JSON pointer below the resource's Properties, as CloudFormation writes it
// ("#/CorsConfiguration/AllowOrigins/1").
func (d dialect) pointer(v value) string {
	rest := strings.TrimPrefix(v.path, "Resources."+d.resource+".Properties")
	rest = strings.NewReplacer(".", "/", "[", "/", "]", "").Replace(rest)
	return "#" + rest
}

// cloudFormation is CloudFormation's refusal of a resource's properties. [UNVERIFIED] The
// wording is its schema validator's ("Properties validation failed for resource X with
// message: #/...: extraneous key [K] is not permitted", "required key [K] not found"), as
// deployments print it; no recorded refusal of these very resources was found.
func (d dialect) cloudFormation(v value, msg string) *Error {
	return v.fail("", "Properties validation failed for resource "+d.resource+" with message: "+d.pointer(v)+": "+msg, "")
}

// unknown refuses a key the model does not have. botocore's message is what the AWS CLI
// prints when the document is given back to it (`--cors-configuration file://...`).
func (d dialect) unknown(e entry, parent value, valid []string) *Error {
	if d.resource != "" {
		return d.cloudFormation(parent, "extraneous key ["+e.key+"] is not permitted")
	}
	return e.keyValue(parent).fail("ParamValidation",
		fmt.Sprintf("Unknown parameter in %s: %q, must be one of: %s", shape(parent), e.key, strings.Join(valid, ", ")), "")
}

// missing refuses the absence of a required key. The AWS CLI's message is botocore's, printed
// before sending. [UNVERIFIED] The services' own messages for a missing field are not
// recorded; botocore's stand for them.
func (d dialect) missing(parent value, key string) *Error {
	if d.resource != "" {
		return d.cloudFormation(parent, "required key ["+key+"] not found")
	}
	return parent.fail("ParamValidation", fmt.Sprintf("Missing required parameter in %s: %q", shape(parent), key), "")
}

// locator places a policy's fields (fetch.ConfigError.Field names) in the document: the value
// written for the field, a list whose entries are the field's indexes. A key "field[i]"
// places one entry on its own.
type locator map[string]value

func (l locator) at(field string, index int) value {
	if v, ok := l[field+"["+strconv.Itoa(index)+"]"]; ok {
		return v
	}
	v := l[field]
	if n := v.node(); index >= 0 && n != nil && n.Kind == yaml.SequenceNode && index < len(n.Content) {
		return value{n: n.Content[index], path: v.index(index)}
	}
	return v
}

// compile checks c as the service that deploys it does: those rules, with AWS's messages
// where they are recorded, are the policy's own (fetch.Compile), so the gateway and an import
// refuse alike. Each fault is placed in the document; a field the document does not write
// (a default) is placed at whole, where the configuration is.
func compile(c *fetch.Config, l locator, whole value) error {
	_, err := fetch.Compile(c)
	var out []error
	for ce := range fetch.ConfigErrors(err) {
		v := l.at(ce.Field, ce.Index)
		if v.n == nil {
			v = whole
		}
		out = append(out, v.fail("", ce.Message, ce.Fix))
	}
	return errors.Join(out...)
}
