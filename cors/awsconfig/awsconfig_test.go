package awsconfig_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/cors/awsconfig"
	"github.com/doorman-s3/doorman/cors/fetch"
)

func intp(n int) *int    { return &n }
func boolp(b bool) *bool { return &b }

func read(t testing.TB, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// all flattens the errors Read joins.
func all(err error) []*awsconfig.Error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []*awsconfig.Error
		for _, e := range j.Unwrap() {
			out = append(out, all(e)...)
		}
		return out
	}
	var e *awsconfig.Error
	if errors.As(err, &e) {
		return []*awsconfig.Error{e}
	}
	return []*awsconfig.Error{{Message: "not an *awsconfig.Error: " + err.Error()}}
}

func h(name, value string) fetch.Header { return fetch.Header{Name: name, Value: value} }

// The configured lists are advertised as the services send them.
const configured = fetch.AdvertiseConfigured

var corsStatic = []fetch.Header{
	h("Access-Control-Allow-Origin", "https://app.example.com"),
	h("Access-Control-Allow-Headers", "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token"),
	h("Access-Control-Allow-Methods", "GET,POST,OPTIONS"),
	h("Access-Control-Max-Age", "600"),
	h("Access-Control-Allow-Credentials", "true"),
}

type goodCase struct {
	name     string // the source the row checks
	format   awsconfig.Format
	file     string
	resource string
	want     awsconfig.Import
	warnings []string // substrings of the warnings' messages, in order
}

var goodCases = []goodCase{
	{
		name: "get-api output, PascalCase (docs/apigw-cors.md#http-api-configuration; lower-case method accepted, TF-ACC)", format: awsconfig.HTTPAPI, file: "httpapi/get-api.json",
		want: awsconfig.Import{Source: "API Gateway HTTP API CorsConfiguration of orders-api", Config: &fetch.Config{
			Semantics: fetch.APIGatewayHTTP, Origins: []string{"https://app.example.com", "http://localhost:5173"},
			Methods: []string{"GET", "POST", "put"}, RequestHeaders: []string{"authorization", "content-type"},
			ExposeHeaders: []string{"x-request-id"}, MaxAge: intp(300), Credentials: true, Advertise: configured}},
	},
	{
		name: "REST wire form, camelCase; https://* and MaxAge -1 accepted (docs/apigw-cors.md#http-api-validation)", format: awsconfig.HTTPAPI, file: "httpapi/rest-wire.json",
		want: awsconfig.Import{Source: "API Gateway HTTP API CorsConfiguration of orders-api", Config: &fetch.Config{
			Semantics: fetch.APIGatewayHTTP, Origins: []string{"https://*"}, Methods: []string{"*"}, MaxAge: intp(-1), Advertise: configured}},
	},
	{
		name: "bare --cors-configuration document with the documented * values (docs/apigw-cors.md#http-api-configuration)", format: awsconfig.HTTPAPI, file: "httpapi/bare.json",
		want: awsconfig.Import{Source: "API Gateway HTTP API CorsConfiguration", Config: &fetch.Config{
			Semantics: fetch.APIGatewayHTTP, Origins: []string{"*"}, Methods: []string{"GET", "OPTIONS"}, RequestHeaders: []string{"*"},
			ExposeHeaders: []string{"date", "x-api-id", "*"}, Advertise: configured}},
	},
	{
		name: "unset MaxAge and AllowCredentials stay unset (SAM-IT httpcors asserts them absent)", format: awsconfig.HTTPAPI, file: "httpapi/sam-it.json",
		want: awsconfig.Import{Source: "API Gateway HTTP API CorsConfiguration of HttpApiWithCors", Config: &fetch.Config{
			Semantics: fetch.APIGatewayHTTP, Origins: []string{"https://foo.com"}, Methods: []string{"GET"},
			RequestHeaders: []string{"x-apigateway-header"}, ExposeHeaders: []string{"x-amzn-header"}, Advertise: configured}},
	},
	{
		name: "OpenAPI YAML, the documented example (docs/apigw-cors.md#http-api-openapi-extension)", format: awsconfig.OpenAPI, file: "openapi/http-api.yaml",
		want: awsconfig.Import{Source: "OpenAPI x-amazon-apigateway-cors", Config: &fetch.Config{
			Semantics: fetch.APIGatewayHTTP, Origins: []string{"*"}, Methods: []string{"GET", "OPTIONS", "POST"},
			RequestHeaders: []string{"x-amzm-header", "x-apigateway-header", "x-api-key", "authorization", "x-amz-date", "content-type"}, Advertise: configured}},
	},
	{
		name: "OpenAPI JSON, every key (docs/apigw-cors.md#http-api-openapi-extension)", format: awsconfig.OpenAPI, file: "openapi/http-api.json",
		want: awsconfig.Import{Source: "OpenAPI x-amazon-apigateway-cors", Config: &fetch.Config{
			Semantics: fetch.APIGatewayHTTP, Origins: []string{"https://app.example.com"}, Methods: []string{"*"},
			RequestHeaders: []string{"authorization", "content-type"}, ExposeHeaders: []string{"x-request-id"}, MaxAge: intp(600),
			Credentials: true, Advertise: configured}},
	},
	{
		name: "REST API export (get-export): each path's mock OPTIONS method, the gateway responses (docs/apigw-cors.md#rest-api-the-mock-options-method, the PetStore export)", format: awsconfig.OpenAPI, file: "openapi/rest-export.json",
		want: awsconfig.Import{Source: "OpenAPI REST API mock OPTIONS methods",
			Config: &fetch.Config{Semantics: fetch.APIGatewayREST, PreflightStatus: 200, Static: []fetch.Header{
				h("Access-Control-Allow-Methods", "GET,OPTIONS,POST"), h("Access-Control-Allow-Headers", "Content-Type,X-Amz-Date,Authorization,X-Api-Key"), h("Access-Control-Allow-Origin", "*")},
				Errors4XX: []fetch.Header{h("Access-Control-Allow-Origin", "*")}, Errors5XX: []fetch.Header{h("Access-Control-Allow-Origin", "*")}},
			Paths: []awsconfig.PathPreflight{
				{Path: "/pets", Own: true, Static: []fetch.Header{h("Access-Control-Allow-Methods", "POST,GET,OPTIONS"), h("Access-Control-Allow-Headers", "Content-Type,X-Amz-Date,Authorization,X-Api-Key"), h("Access-Control-Allow-Origin", "*")}},
				{Path: "/pets/{petId}", Own: true, Static: []fetch.Header{h("Access-Control-Allow-Methods", "GET,OPTIONS"), h("Access-Control-Allow-Headers", "Content-Type,X-Amz-Date,Authorization,X-Api-Key"), h("Access-Control-Allow-Origin", "*")}}}},
	},
	{
		name: "SAM Api Cors: static mock headers, DEFAULT_4XX/5XX headers, short-form tags elsewhere (docs/apigw-cors.md#rest-api-the-mock-options-method, docs/apigw-cors.md#rest-api-gateway-responses, docs/apigw-cors.md#sam-templates)", format: awsconfig.SAM, file: "sam/rest.yaml",
		want: awsconfig.Import{Source: "SAM AWS::Serverless::Api OrdersApi",
			Config: &fetch.Config{Semantics: fetch.APIGatewayREST, PreflightStatus: 200, Static: corsStatic,
				Errors4XX: []fetch.Header{h("Access-Control-Allow-Origin", "https://app.example.com"), h("Access-Control-Allow-Credentials", "true")},
				Errors5XX: []fetch.Header{h("Access-Control-Allow-Origin", "https://app.example.com")}},
			Paths: []awsconfig.PathPreflight{{Path: "/orders", Static: corsStatic}, {Path: "/orders/{id}", Static: corsStatic}}},
	},
	{
		name: "SAM Api without DefinitionBody: paths from events, AllowMethods computed per path, ANY (docs/apigw-cors.md#sam-templates)", format: awsconfig.SAM, file: "sam/rest-events.yaml", resource: "ItemsApi",
		want: awsconfig.Import{Source: "SAM AWS::Serverless::Api ItemsApi",
			Config: &fetch.Config{Semantics: fetch.APIGatewayREST, PreflightStatus: 200, Static: []fetch.Header{
				h("Access-Control-Allow-Origin", "*"), h("Access-Control-Allow-Methods", "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT")}},
			Paths: []awsconfig.PathPreflight{
				{Path: "/items", Static: []fetch.Header{h("Access-Control-Allow-Origin", "*"), h("Access-Control-Allow-Methods", "GET,OPTIONS,POST")}},
				{Path: "/admin", Static: []fetch.Header{h("Access-Control-Allow-Origin", "*"), h("Access-Control-Allow-Methods", "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT")}}}},
	},
	{
		name: "SAM implicit ServerlessRestApi takes Globals.Api.Cors, the plain-string form (docs/apigw-cors.md#sam-templates)", format: awsconfig.SAM, file: "sam/rest-events.yaml", resource: "ServerlessRestApi",
		want: awsconfig.Import{Source: "SAM AWS::Serverless::Api ServerlessRestApi",
			Config: &fetch.Config{Semantics: fetch.APIGatewayREST, PreflightStatus: 200, Static: []fetch.Header{
				h("Access-Control-Allow-Origin", "*"), h("Access-Control-Allow-Methods", "GET,OPTIONS")}},
			Paths: []awsconfig.PathPreflight{{Path: "/health", Static: []fetch.Header{h("Access-Control-Allow-Origin", "*"), h("Access-Control-Allow-Methods", "GET,OPTIONS")}}}},
	},
	{
		name: "SAM Globals merged key by key, own OPTIONS kept, path-item keys taken for methods, preflight authorizer (docs/apigw-cors.md#sam-templates)", format: awsconfig.SAM, file: "sam/rest-globals.yaml",
		want: awsconfig.Import{Source: "SAM AWS::Serverless::Api Api",
			Config: &fetch.Config{Semantics: fetch.APIGatewayREST, PreflightStatus: 200, Static: []fetch.Header{
				h("Access-Control-Allow-Origin", "https://b.example.com"), h("Access-Control-Allow-Headers", "Content-Type"),
				h("Access-Control-Allow-Methods", "GET,OPTIONS,PARAMETERS"), h("Access-Control-Max-Age", "300")},
				Errors4XX: []fetch.Header{h("Access-Control-Allow-Headers", "Content-Type")}},
			Paths: []awsconfig.PathPreflight{
				{Path: "/things", Static: []fetch.Header{
					h("Access-Control-Allow-Origin", "https://b.example.com"), h("Access-Control-Allow-Headers", "Content-Type"),
					h("Access-Control-Allow-Methods", "GET,OPTIONS,PARAMETERS"), h("Access-Control-Max-Age", "300")}},
				{Path: "/legacy", Own: true}}},
		warnings: []string{"SAM lists PARAMETERS in Access-Control-Allow-Methods for /things",
			"the OPTIONS method of /legacy has no integration: API Gateway passes its preflights to the backend",
			"header Access-Control-Allow-Origin of DEFAULT_4XX takes method.request.header.origin from each request",
			"SAM puts DefaultAuthorizer TokenAuth on the generated OPTIONS methods"},
	},
	{
		name: "SAM Api without Cors: the definition's own mock OPTIONS method and gateway responses, deployed as written (docs/apigw-cors.md#rest-api-methods-per-resource)", format: awsconfig.SAM, file: "sam/rest-own-mock.yaml",
		want: awsconfig.Import{Source: "SAM AWS::Serverless::Api LegacyApi",
			Config: &fetch.Config{Semantics: fetch.APIGatewayREST, PreflightStatus: 200, Static: []fetch.Header{
				h("Access-Control-Allow-Origin", "https://app.example.com"), h("Access-Control-Allow-Methods", "GET,OPTIONS")},
				Errors4XX: []fetch.Header{h("Access-Control-Allow-Origin", "https://app.example.com")}},
			Paths: []awsconfig.PathPreflight{{Path: "/orders", Own: true, Static: []fetch.Header{
				h("Access-Control-Allow-Origin", "https://app.example.com"), h("Access-Control-Allow-Methods", "GET,OPTIONS")}}}},
	},
	{
		name: "SAM HttpApi CorsConfiguration overrides the body's extension key by key (SAM open_api add_cors)", format: awsconfig.SAM, file: "sam/http.yaml",
		want: awsconfig.Import{Source: "SAM AWS::Serverless::HttpApi OrdersHttpApi", Config: &fetch.Config{
			Semantics: fetch.APIGatewayHTTP, Origins: []string{"https://app.example.com"}, Methods: []string{"GET", "POST"},
			RequestHeaders: []string{"x-a"}, MaxAge: intp(100), Credentials: true, Advertise: configured}},
	},
	{
		name: "SAM HttpApi CorsConfiguration: true from Globals is AllowOrigins [*] only (docs/apigw-cors.md#sam-templates, docs/apigw-cors.md#http-api-method-and-header-matching)", format: awsconfig.SAM, file: "sam/http-true.yaml",
		want: awsconfig.Import{Source: "SAM AWS::Serverless::HttpApi Api", Config: &fetch.Config{
			Semantics: fetch.APIGatewayHTTP, Origins: []string{"*"}, Advertise: configured}},
	},
	{
		name: "SAM Globals in JSON: lists concatenated, scalars replaced (SAM globals.py)", format: awsconfig.SAM, file: "sam/http-globals-merge.yaml",
		want: awsconfig.Import{Source: "SAM AWS::Serverless::HttpApi Api", Config: &fetch.Config{
			Semantics: fetch.APIGatewayHTTP, Origins: []string{"https://a.example.com", "https://b.example.com"}, Methods: []string{"*"},
			RequestHeaders: []string{"authorization"}, MaxAge: intp(120), Advertise: configured}},
	},
	{
		name: "SAM template with two APIs, HttpApi picked by logical id", format: awsconfig.SAM, file: "sam/multi.yaml", resource: "PublicApi",
		want: awsconfig.Import{Source: "SAM AWS::Serverless::HttpApi PublicApi", Config: &fetch.Config{
			Semantics: fetch.APIGatewayHTTP, Origins: []string{"*"}, Methods: []string{"GET"}, Advertise: configured}},
	},
	{
		name: "SAM template with two APIs, Api picked by logical id", format: awsconfig.SAM, file: "sam/multi.yaml", resource: "AdminApi",
		want: awsconfig.Import{Source: "SAM AWS::Serverless::Api AdminApi",
			Config: &fetch.Config{Semantics: fetch.APIGatewayREST, PreflightStatus: 200, Static: []fetch.Header{
				h("Access-Control-Allow-Origin", "https://admin.example.com"), h("Access-Control-Allow-Methods", "DELETE,GET,OPTIONS")}},
			Paths: []awsconfig.PathPreflight{{Path: "/users", Static: []fetch.Header{
				h("Access-Control-Allow-Origin", "https://admin.example.com"), h("Access-Control-Allow-Methods", "DELETE,GET,OPTIONS")}}}},
	},
	{
		name: "SAM gateway responses other than DEFAULT_4XX/5XX and the HTTP API extension in a REST body are not reproduced (docs/apigw-cors.md#rest-api-gateway-responses, docs/apigw-cors.md#rest-api-what-an-import-leaves-out)", format: awsconfig.SAM, file: "sam/gateway-unauthorized.yaml",
		want: awsconfig.Import{Source: "SAM AWS::Serverless::Api OrdersApi",
			Config: &fetch.Config{Semantics: fetch.APIGatewayREST, PreflightStatus: 200, Static: []fetch.Header{
				h("Access-Control-Allow-Origin", "https://app.example.com"), h("Access-Control-Allow-Methods", "OPTIONS,POST")},
				Errors4XX: []fetch.Header{h("Access-Control-Allow-Origin", "https://app.example.com")}},
			Paths: []awsconfig.PathPreflight{{Path: "/orders", Static: []fetch.Header{
				h("Access-Control-Allow-Origin", "https://app.example.com"), h("Access-Control-Allow-Methods", "OPTIONS,POST")}}}},
		warnings: []string{"x-amazon-apigateway-cors is an HTTP API extension", "the headers of the UNAUTHORIZED gateway response are not reproduced"},
	},
	{
		name: "CloudFront ALL headers read as * [UNVERIFIED] (cloudformation-coverage-roadmap 1156)", format: awsconfig.CloudFront, file: "cloudfront/all-headers.json",
		want: awsconfig.Import{Source: "CloudFront response headers policy all-headers", OriginOverride: boolp(true), Config: &fetch.Config{
			Semantics: fetch.CloudFront, Origins: []string{"https://*.example.org"}, Methods: []string{"GET", "HEAD"},
			RequestHeaders: []string{"*"}, MaxAge: intp(86400), Advertise: configured}},
	},
	{
		name: "cdk synth output: AWS::ApiGatewayV2::Api in JSON, beside other resources (aws-cdk issue 9076's shape with explicit origins)", format: awsconfig.SAM, file: "sam/cdk-http.json",
		want: awsconfig.Import{Source: "CloudFormation AWS::ApiGatewayV2::Api HttpProxyApiD0217C67", Config: &fetch.Config{
			Semantics: fetch.APIGatewayHTTP, Origins: []string{"https://app.example.com"}, Methods: []string{"GET", "HEAD", "OPTIONS", "POST"},
			RequestHeaders: []string{"Authorization"}, MaxAge: intp(600), Credentials: true, Advertise: configured}},
	},
	{
		name: "CloudFormation AWS::CloudFront::ResponseHeadersPolicy, {Items} lists, intrinsic Name (docs/cloudfront.md#response-headers-policies)", format: awsconfig.SAM, file: "sam/cfn-cloudfront.yaml",
		want: awsconfig.Import{Source: "CloudFormation AWS::CloudFront::ResponseHeadersPolicy WebCorsPolicy", OriginOverride: boolp(false), Config: &fetch.Config{
			Semantics: fetch.CloudFront, Origins: []string{"https://app.example.com"}, Methods: []string{"GET", "PUT", "OPTIONS"},
			RequestHeaders: []string{"content-type", "authorization"}, ExposeHeaders: []string{"etag"}, MaxAge: intp(600), Credentials: true, Advertise: configured}},
	},
	{
		name: "get-response-headers-policy-config output (docs/cloudfront.md#response-headers-policies)", format: awsconfig.CloudFront, file: "cloudfront/policy-config.json",
		want: awsconfig.Import{Source: "CloudFront response headers policy web-app-cors", OriginOverride: boolp(true), Config: &fetch.Config{
			Semantics: fetch.CloudFront, Origins: []string{"https://app.example.com", "*.example.org"}, Methods: []string{"GET", "POST", "OPTIONS"},
			RequestHeaders: []string{"authorization", "content-type"}, ExposeHeaders: []string{"x-request-id"}, MaxAge: intp(600),
			Credentials: true, Advertise: configured}},
	},
	{
		name: "get-response-headers-policy output; ALL methods; OriginOverride false (docs/cloudfront.md#response-headers-policies)", format: awsconfig.CloudFront, file: "cloudfront/policy.json",
		want: awsconfig.Import{Source: "CloudFront response headers policy public-assets", OriginOverride: boolp(false), Config: &fetch.Config{
			Semantics: fetch.CloudFront, Origins: []string{"*"}, Methods: []string{"ALL"},
			RequestHeaders: []string{"*"}, Advertise: configured}},
	},
}

func TestReadGood(t *testing.T) {
	for _, tc := range goodCases {
		t.Run(tc.file+"/"+tc.resource, func(t *testing.T) {
			got, err := awsconfig.Read(tc.format, read(t, tc.file), tc.resource)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if _, err := fetch.Compile(got.Config); err != nil {
				t.Errorf("%s: the policy does not compile: %v", tc.name, err)
			}
			warnings := got.Warnings
			got.Warnings = nil
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("%s:\n got %+v\n     %+v\nwant %+v\n     %+v", tc.name, *got, *got.Config, tc.want, *tc.want.Config)
			}
			if len(warnings) != len(tc.warnings) {
				t.Fatalf("%s: warnings %v, want %d", tc.name, warnings, len(tc.warnings))
			}
			for i, w := range warnings {
				if !strings.Contains(w.Message, tc.warnings[i]) || w.Line == 0 {
					t.Errorf("%s: warning %d = %v, want %q with a line", tc.name, i, w, tc.warnings[i])
				}
			}
		})
	}
}

// want is one expected error: AWS's code and exact message, where it is.
type want struct {
	code, message, path string
	line                int
}

type badCase struct {
	name     string
	format   awsconfig.Format
	file     string
	resource string
	want     []want // every error, in order
}

// The SAM-side messages carry the transform's "Resource with id [X] is invalid. " prefix.
const orders = "Resource with id [OrdersApi] is invalid. "
const ordersHTTP = "Resource with id [OrdersHttpApi] is invalid. "

var badCases = []badCase{
	{"credentials with * among the origins (docs/apigw-cors.md#http-api-validation, aws-cdk 9076)", awsconfig.HTTPAPI, "httpapi/credentials-wildcard.json", "",
		[]want{{"", "allow-credentials is not supported if 'allow-origin' is *", "CorsConfiguration.AllowOrigins[1]", 5}}},
	{"partial wildcard origin (docs/apigw-cors.md#http-api-validation, vercel log)", awsconfig.HTTPAPI, "httpapi/partial-wildcard.json", "",
		[]want{{"", "allow-origin https://*.vercel.app can not have wildcards", "CorsConfiguration.AllowOrigins[1]", 5}}},
	{"ANY is not a CORS method (aws-cdk 13643)", awsconfig.HTTPAPI, "httpapi/bad-method.json", "",
		[]want{{"", "Method ANY is not supported", "CorsConfiguration.AllowMethods[1]", 4}}},
	{"MaxAge above 86400 (service model range) [UNVERIFIED message]", awsconfig.HTTPAPI, "httpapi/max-age.json", "",
		[]want{{"", "out of range -1..86400: API Gateway's range", "CorsConfiguration.MaxAge", 4}}},
	{"malformed origin https:/ (LocalStack-Pro no-partial-origin) [UNVERIFIED message]", awsconfig.HTTPAPI, "httpapi/malformed-origin.json", "",
		[]want{{"", "allow-origin https:/ is not a valid origin", "CorsConfiguration.AllowOrigins[0]", 3}}},
	{"unknown key, as the AWS CLI refuses it", awsconfig.HTTPAPI, "httpapi/unknown-key.json", "",
		[]want{{"ParamValidation", `Unknown parameter in CorsConfiguration: "AllowOrigin", must be one of: AllowCredentials, AllowHeaders, AllowMethods, AllowOrigins, ExposeHeaders, MaxAge`, "CorsConfiguration.AllowOrigin", 3}}},
	{"no CorsConfiguration: nothing to reproduce", awsconfig.HTTPAPI, "httpapi/no-cors.json", "",
		[]want{{"", "the API has no CorsConfiguration", "", 1}}},
	{"wrong types, both reported", awsconfig.HTTPAPI, "httpapi/wrong-type.json", "",
		[]want{{"", "must be a list of strings, not a string", "CorsConfiguration.AllowOrigins", 3},
			{"", "must be an integer, not a string", "CorsConfiguration.MaxAge", 4}}},
	{"OpenAPI credentials with * (docs/apigw-cors.md#http-api-validation)", awsconfig.OpenAPI, "openapi/credentials.yaml", "",
		[]want{{"", "allow-credentials is not supported if 'allow-origin' is *", "x-amazon-apigateway-cors.allowOrigins[0]", 5}}},
	{"OpenAPI misspelt key: refused, not silently unset", awsconfig.OpenAPI, "openapi/misspelt.yaml", "",
		[]want{{"", "unknown key allowOrigin in x-amazon-apigateway-cors", "x-amazon-apigateway-cors.allowOrigin", 5}}},
	{"OpenAPI extension below the root is not read (docs/apigw-cors.md#http-api-openapi-extension)", awsconfig.OpenAPI, "openapi/none.yaml", "",
		[]want{{"", "the definition has no root-level x-amazon-apigateway-cors (HTTP API), and no mock OPTIONS method nor DEFAULT_4XX/DEFAULT_5XX gateway response headers (REST API)", "", 1}}},
	{"SAM Api credentials with the default origin (docs/apigw-cors.md#sam-templates)", awsconfig.SAM, "sam/rest-credentials.yaml", "",
		[]want{{"InvalidResourceException", orders + "Unable to add Cors configuration because 'AllowCredentials' can not be true when 'AllowOrigin' is \"'*'\" or not set", "Resources.OrdersApi.Properties.Cors.AllowCredentials", 9}}},
	{"SAM Api unknown Cors key (SAM api_generator)", awsconfig.SAM, "sam/rest-invalid-key.yaml", "",
		[]want{{"InvalidResourceException", orders + "Invalid value for 'Cors' property", "Resources.OrdersApi.Properties.Cors.AllowOrigins", 8}}},
	{"SAM Api Cors: true is not a value (SAM api_generator)", awsconfig.SAM, "sam/rest-cors-true.yaml", "",
		[]want{{"InvalidResourceException", orders + "Invalid value for 'Cors' property", "Resources.OrdersApi.Properties.Cors", 7}}},
	{"SAM Api unquoted value (awsdocs/aws-sam-developer-guide PR 55)", awsconfig.SAM, "sam/rest-unquoted.yaml", "",
		[]want{{"BadRequestException", "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: GET, HEAD, POST]", "Resources.OrdersApi.Properties.Cors.AllowMethods", 8}}},
	{"SAM Api Cors with DefinitionUri (docs/apigw-cors.md#sam-templates)", awsconfig.SAM, "sam/rest-definition-uri.yaml", "",
		[]want{{"InvalidResourceException", orders + "Cors works only with inline Swagger specified in 'DefinitionBody' property.", "Resources.OrdersApi.Properties.DefinitionUri", 8}}},
	{"intrinsic function in a CORS value", awsconfig.SAM, "sam/intrinsic.yaml", "",
		[]want{{"", "the value must be literal, not !Sub", "Resources.OrdersApi.Properties.Cors.AllowOrigin", 11}}},
	{"GatewayResponses entry that is a string (SAM api_generator)", awsconfig.SAM, "sam/gateway-bad-type.yaml", "",
		[]want{{"InvalidResourceException", orders + "Invalid property type 'str' for GatewayResponses. Expected an object of type 'GatewayResponse'.", "Resources.OrdersApi.Properties.GatewayResponses.DEFAULT_4XX", 8}}},
	{"unknown gateway response type (docs/apigw-cors.md#rest-api-gateway-responses)", awsconfig.SAM, "sam/gateway-fake-type.yaml", "",
		[]want{{"ValidationException", "1 validation error detected: Value 'FAKE_RESPONSE_TYPE' at 'responseType' failed to satisfy constraint: Member must satisfy enum value set: [REQUEST_TOO_LARGE, RESOURCE_NOT_FOUND, AUTHORIZER_CONFIGURATION_ERROR, MISSING_AUTHENTICATION_TOKEN, BAD_REQUEST_BODY, INVALID_SIGNATURE, INVALID_API_KEY, BAD_REQUEST_PARAMETERS, AUTHORIZER_FAILURE, UNAUTHORIZED, INTEGRATION_TIMEOUT, ACCESS_DENIED, DEFAULT_4XX, DEFAULT_5XX, WAF_FILTERED, QUOTA_EXCEEDED, THROTTLED, API_CONFIGURATION_ERROR, UNSUPPORTED_MEDIA_TYPE, INTEGRATION_FAILURE, EXPIRED_TOKEN]", "Resources.OrdersApi.Properties.GatewayResponses.FAKE_RESPONSE_TYPE", 8}}},
	{"a header mapped twice in a gateway response (the policy's rule)", awsconfig.SAM, "sam/gateway-duplicate.yaml", "",
		[]want{{"", "mapped twice: a method or gateway response maps each header once", "Resources.OrdersApi.Properties.GatewayResponses.DEFAULT_4XX.ResponseParameters.Headers.access-control-allow-origin", 12}}},
	{"gateway response header without quotes (API Gateway's mapping validator) [UNVERIFIED for gateway responses]", awsconfig.SAM, "sam/gateway-unquoted.yaml", "",
		[]want{{"BadRequestException", "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: *]", "Resources.OrdersApi.Properties.GatewayResponses.DEFAULT_5XX.ResponseParameters.Headers.Access-Control-Allow-Origin", 11}}},
	{"gateway response parameter kind misspelt (SAM ApiGatewayResponse)", awsconfig.SAM, "sam/gateway-bad-parameter.yaml", "",
		[]want{{"InvalidResourceException", orders + "Invalid gateway response parameter 'Header'", "Resources.OrdersApi.Properties.GatewayResponses.DEFAULT_5XX.ResponseParameters.Header", 10}}},
	{"SAM HttpApi unknown key (SAM http_api_generator)", awsconfig.SAM, "sam/http-invalid-key.yaml", "",
		[]want{{"InvalidResourceException", ordersHTTP + "Invalid key 'AllowOrigin' for 'Cors' property.", "Resources.OrdersHttpApi.Properties.CorsConfiguration.AllowOrigin", 7}}},
	{"SAM HttpApi credentials with [*] (SAM http_api_generator)", awsconfig.SAM, "sam/http-credentials.yaml", "",
		[]want{{"InvalidResourceException", ordersHTTP + "Unable to add Cors configuration because 'AllowCredentials' can not be true when 'AllowOrigin' is \"'*'\" or not set.", "Resources.OrdersHttpApi.Properties.CorsConfiguration", 7}}},
	{"SAM HttpApi credentials with * among others passes SAM, API Gateway refuses (docs/apigw-cors.md#http-api-validation)", awsconfig.SAM, "sam/http-credentials-mixed.yaml", "",
		[]want{{"", "allow-credentials is not supported if 'allow-origin' is *", "Resources.OrdersHttpApi.Properties.CorsConfiguration.AllowOrigins[1]", 7}}},
	{"SAM HttpApi partial wildcard (docs/apigw-cors.md#http-api-validation)", awsconfig.SAM, "sam/http-partial-wildcard.yaml", "",
		[]want{{"", "allow-origin https://*.vercel.app can not have wildcards", "Resources.WebHttpApi.Properties.CorsConfiguration.AllowOrigins[0]", 8}}},
	{"SAM Api with Cors: false and no gateway responses", awsconfig.SAM, "sam/no-cors.yaml", "",
		[]want{{"", "OrdersApi has no Cors, no mock OPTIONS method and no DEFAULT_4XX or DEFAULT_5XX gateway response with headers", "Resources.OrdersApi.Properties", 6}}},
	{"two APIs and no resource named: the candidates listed", awsconfig.SAM, "sam/multi.yaml", "",
		[]want{{"", "the template has 2 CORS configurations; name the resource to import", "Resources", 3}}},
	{"resource that is not an API", awsconfig.SAM, "sam/multi.yaml", "Table",
		[]want{{"", `resource Table is "AWS::DynamoDB::Table", not an AWS::Serverless::Api, AWS::Serverless::HttpApi, AWS::ApiGatewayV2::Api or AWS::CloudFront::ResponseHeadersPolicy`, "Resources", 3}}},
	{"resource that does not exist", awsconfig.SAM, "sam/multi.yaml", "Nope",
		[]want{{"", "the template has no resource Nope", "Resources", 3}}},
	{"implicit and explicit API with no resource named", awsconfig.SAM, "sam/rest-events.yaml", "",
		[]want{{"", "the template has 2 CORS configurations; name the resource to import", "Resources", 6}}},
	{"CloudFront credentials with Allow-Headers * (aws-cdk PR 35308)", awsconfig.CloudFront, "cloudfront/credentials-headers.json", "",
		[]want{{"", "The parameter Access-Control-Allow-Headers cannot contain * when allowCredentials is true.", "ResponseHeadersPolicyConfig.CorsConfig.AccessControlAllowHeaders.Items[0]", 6}}},
	{"cdk synth with AllowMethods ANY: API Gateway's recorded refusal (aws-cdk issue 13643)", awsconfig.SAM, "sam/cdk-http-any.json", "",
		[]want{{"", "Method ANY is not supported", "Resources.APIE3C6F1F4.Properties.CorsConfiguration.AllowMethods[0]", 8}}},
	{"CloudFormation template: Quantity is not a property, OriginOverride is required [UNVERIFIED wording]", awsconfig.SAM, "sam/cfn-cloudfront-bad.yaml", "",
		[]want{
			{"", "Properties validation failed for resource WebCorsPolicy with message: #/ResponseHeadersPolicyConfig/CorsConfig/AccessControlAllowOrigins: extraneous key [Quantity] is not permitted", "Resources.WebCorsPolicy.Properties.ResponseHeadersPolicyConfig.CorsConfig.AccessControlAllowOrigins", 9},
			{"", "Properties validation failed for resource WebCorsPolicy with message: #/ResponseHeadersPolicyConfig/CorsConfig: required key [OriginOverride] not found", "Resources.WebCorsPolicy.Properties.ResponseHeadersPolicyConfig.CorsConfig", 8},
		}},
	{"CloudFront Quantity that does not match Items (InconsistentQuantities)", awsconfig.CloudFront, "cloudfront/quantity.json", "",
		[]want{{"InconsistentQuantities", "The value of Quantity and the size of Items don't match.", "ResponseHeadersPolicyConfig.CorsConfig.AccessControlAllowOrigins.Items", 5}}},
	{"CloudFront values refused, all at once (docs/cloudfront.md#response-headers-policies)", awsconfig.CloudFront, "cloudfront/bad-values.json", "",
		[]want{
			{"", "ALL is not a valid value for Access-Control-Allow-Origin: it stands for every method or header, never for origins", "ResponseHeadersPolicyConfig.CorsConfig.AccessControlAllowOrigins.Items[0]", 5},
			{"", "* is allowed only as the leftmost part of the domain (*.example.org) or alone", "ResponseHeadersPolicyConfig.CorsConfig.AccessControlAllowOrigins.Items[1]", 5},
			{"", "The parameter Access-Control-Allow-Origin cannot contain * when allowCredentials is true.", "ResponseHeadersPolicyConfig.CorsConfig.AccessControlAllowOrigins.Items[2]", 5},
			{"", "not one of CloudFront's values for Access-Control-Allow-Methods", "ResponseHeadersPolicyConfig.CorsConfig.AccessControlAllowMethods.Items[1]", 7},
			{"", "Access-Control-Allow-Headers cannot be an empty list", "ResponseHeadersPolicyConfig.CorsConfig.AccessControlAllowHeaders", 6},
			{"", "The parameter Access-Control-Expose-Headers cannot contain * when allowCredentials is true.", "ResponseHeadersPolicyConfig.CorsConfig.AccessControlExposeHeaders.Items[0]", 9},
		}},
	{"CloudFront unknown and missing fields, as the AWS CLI refuses them", awsconfig.CloudFront, "cloudfront/missing.json", "",
		[]want{
			{"ParamValidation", `Unknown parameter in CorsConfig: "AccessControlMaxAge", must be one of: AccessControlAllowOrigins, AccessControlAllowHeaders, AccessControlAllowMethods, AccessControlAllowCredentials, AccessControlExposeHeaders, AccessControlMaxAgeSec, OriginOverride`, "ResponseHeadersPolicyConfig.CorsConfig.AccessControlMaxAge", 8},
			{"ParamValidation", `Missing required parameter in CorsConfig: "AccessControlAllowHeaders"`, "ResponseHeadersPolicyConfig.CorsConfig", 4},
			{"ParamValidation", `Missing required parameter in CorsConfig: "OriginOverride"`, "ResponseHeadersPolicyConfig.CorsConfig", 4},
		}},
	{"CloudFront policy without CorsConfig", awsconfig.CloudFront, "cloudfront/no-cors.json", "",
		[]want{{"", "the policy has no CorsConfig", "ResponseHeadersPolicyConfig", 2}}},
}

func TestReadBad(t *testing.T) {
	for _, tc := range badCases {
		t.Run(tc.file+"/"+tc.resource, func(t *testing.T) {
			imp, err := awsconfig.Read(tc.format, read(t, tc.file), tc.resource)
			if err == nil {
				t.Fatalf("%s: no error; got %+v", tc.name, imp)
			}
			got := all(err)
			if len(got) != len(tc.want) {
				t.Fatalf("%s: %d errors, want %d:\n%v", tc.name, len(got), len(tc.want), err)
			}
			for i, w := range tc.want {
				g := got[i]
				if g.Code != w.code || g.Message != w.message || g.Path != w.path || g.Line != w.line {
					t.Errorf("%s: error %d =\n %q %q %q line %d\nwant\n %q %q %q line %d", tc.name, i, g.Code, g.Message, g.Path, g.Line, w.code, w.message, w.path, w.line)
				}
			}
		})
	}
}

// TestReadDocument covers what every format shares: bounds, syntax, and the resource rule.
func TestReadDocument(t *testing.T) {
	big := make([]byte, awsconfig.MaxDocumentSize+1)
	for i := range big {
		big[i] = ' '
	}
	long := `{"CorsConfiguration":{"AllowOrigins":[` + strings.Repeat(`"https://a.example.com",`, awsconfig.MaxListEntries) + `"https://b.example.com"]}}`
	for _, tc := range []struct {
		name     string
		format   awsconfig.Format
		doc      string
		resource string
		want     string
	}{
		{"over MaxDocumentSize", awsconfig.SAM, string(big), "", "the document has 1048577 bytes; the limit is 1048576"},
		{"not JSON or YAML", awsconfig.HTTPAPI, "{\"CorsConfiguration\": [", "", "the document is neither JSON nor YAML"},
		{"empty", awsconfig.CloudFront, "", "", "the document is empty"},
		{"resource for a one-configuration format", awsconfig.OpenAPI, "{}", "MyApi", `a openapi document holds one configuration; resource "MyApi" applies to SAM templates only`},
		{"list over MaxListEntries", awsconfig.HTTPAPI, long, "", "the list has 1001 entries; the limit is 1000"},
		{"duplicate key", awsconfig.HTTPAPI, `{"CorsConfiguration":{"AllowOrigins":["*"],"AllowOrigins":["https://a.example.com"]}}`, "", `key "AllowOrigins" appears twice`},
		{"not an object", awsconfig.HTTPAPI, `["*"]`, "", "the document must be a JSON object, not a list"},
		{"SAM without Resources", awsconfig.SAM, "Transform: AWS::Serverless-2016-10-31\n", "", "the template has no Resources"},
		{"aliases followed", awsconfig.SAM, "Resources:\n  B: &b {x: 1}\n  A: {Type: AWS::Serverless::HttpApi, Properties: {CorsConfiguration: {AllowOrigins: [*b]}}}\n", "", "must be a string, not an object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := awsconfig.Read(tc.format, []byte(tc.doc), tc.resource)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range []awsconfig.Format{awsconfig.HTTPAPI, awsconfig.OpenAPI, awsconfig.SAM, awsconfig.CloudFront} {
		got, err := awsconfig.ParseFormat(f.String())
		if err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %v, %v", f.String(), got, err)
		}
	}
	if _, err := awsconfig.ParseFormat("swagger"); err == nil {
		t.Error("ParseFormat(swagger): no error")
	}
	if s := awsconfig.Format(9).String(); s != "Format(9)" {
		t.Errorf("Format(9).String() = %q", s)
	}
}

func TestManaged(t *testing.T) {
	simple := &fetch.Config{Semantics: fetch.CloudFront, Origins: []string{"*"}, Advertise: configured,
		Methods: []string{"GET", "HEAD", "POST"}, RequestHeaders: []string{"Accept", "Accept-Language", "Content-Language", "Content-Type"}}
	preflight := &fetch.Config{Semantics: fetch.CloudFront, Origins: []string{"*"}, Advertise: configured,
		Methods: []string{"ALL"}, RequestHeaders: []string{"*"}}
	for _, tc := range []struct {
		name, in string // source: docs/cloudfront.md#managed-response-headers-policies
		want     *fetch.Config
		id       string
		warnings int
	}{
		{"console name", "SimpleCORS", simple, "60669652-455b-4ae9-85a4-c4c02393f86c", 0},
		{"API name", "Managed-CORS-With-Preflight", preflight, "5cc3b908-e619-4b99-88e5-2cf7f45965bd", 0},
		{"any case", "cors-with-preflight", preflight, "5cc3b908-e619-4b99-88e5-2cf7f45965bd", 0},
		{"by id, security headers not reproduced", "e61eb60c-9c35-4d20-a928-2b84e02af89c", simple, "e61eb60c-9c35-4d20-a928-2b84e02af89c", 1},
		{"preflight and security headers", "CORS-with-preflight-and-SecurityHeadersPolicy", preflight, "eaab4381-ed33-4a86-88ca-d9558dc6cd63", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			imp, err := awsconfig.Managed(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := fetch.Compile(imp.Config); err != nil {
				t.Errorf("Managed(%q) does not compile: %v", tc.in, err)
			}
			if !reflect.DeepEqual(imp.Config, tc.want) || imp.OriginOverride == nil || *imp.OriginOverride ||
				!strings.Contains(imp.Source, tc.id) || len(imp.Warnings) != tc.warnings {
				t.Errorf("Managed(%q) = %+v %+v", tc.in, imp, imp.Config)
			}
		})
	}
	if _, err := awsconfig.Managed("SecurityHeadersPolicy"); err == nil || !strings.Contains(err.Error(), "CORS-With-Preflight") {
		t.Errorf("Managed(SecurityHeadersPolicy): %v, want the list of CORS policies", err)
	}
}

// TestReadBounded feeds documents at the bounds: each is refused, quickly, with the bound
// named (a quadratic walk over a 1 MiB template would time the test out).
func TestReadBounded(t *testing.T) {
	head := "Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      Cors: \"'*'\"\n      DefinitionBody:\n        paths:\n"
	var many strings.Builder
	many.WriteString(head)
	for i := range awsconfig.MaxPaths + 1 {
		fmt.Fprintf(&many, "          /p%d: {get: {}}\n", i)
	}
	var wide strings.Builder
	wide.WriteString(head + "          /p:\n")
	for i := 0; wide.Len() < awsconfig.MaxDocumentSize-32; i++ {
		fmt.Fprintf(&wide, "            m%d: {}\n", i)
	}
	var merge strings.Builder
	merge.WriteString("Globals:\n  Api:\n    Cors:\n")
	for i := 0; merge.Len() < awsconfig.MaxDocumentSize/2-32; i++ {
		fmt.Fprintf(&merge, "      K%d: x\n", i)
	}
	merge.WriteString("Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      Cors:\n")
	for i := 0; merge.Len() < awsconfig.MaxDocumentSize-32; i++ {
		fmt.Fprintf(&merge, "        K%d: y\n", i)
	}
	for _, tc := range []struct{ name, doc, want string }{
		{"paths over MaxPaths", many.String(), "the definition has 3001 paths; the limit is 3000"},
		{"Globals merged with tens of thousands of keys", merge.String(), "Invalid value for 'Cors' property"},
		{"one path item with tens of thousands of keys", wide.String(), "value longer than 4096 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := awsconfig.Read(awsconfig.SAM, []byte(tc.doc), "")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// TestReadCandidates: a template with several CORS configurations and no resource named lists
// them, with their types, in the template's order, implicit APIs included.
func TestReadCandidates(t *testing.T) {
	for file, want := range map[string]string{
		"sam/multi.yaml":       "the template's CORS configurations: PublicApi (AWS::Serverless::HttpApi), AdminApi (AWS::Serverless::Api)",
		"sam/rest-events.yaml": "the template's CORS configurations: ItemsApi (AWS::Serverless::Api), ServerlessRestApi (AWS::Serverless::Api)",
	} {
		_, err := awsconfig.Read(awsconfig.SAM, read(t, file), "")
		if got := all(err); len(got) != 1 || got[0].Detail != want {
			t.Errorf("%s: %v, want the detail %q", file, err, want)
		}
	}
}
