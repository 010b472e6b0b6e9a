package corsspec

import "strings"

// MalformedMessage is S3's message for schema faults.
const MalformedMessage = "The XML you provided was not well-formed or did not validate against our published schema"

// XMLDoc wraps rules in a CORSConfiguration.
func XMLDoc(rules ...string) string {
	return `<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` + strings.Join(rules, "") + `</CORSConfiguration>`
}

// RuleXML wraps elements in a CORSRule.
func RuleXML(inner string) string { return "<CORSRule>" + inner + "</CORSRule>" }

// OKRule is a valid rule's content.
const OKRule = "<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"

// ValidationCase is a PutBucketCors body and AWS's refusal of it.
type ValidationCase struct {
	Name, Src, Body string
	Status          int
	Code, Message   string
}

// Validation are the PutBucketCors refusals of docs/s3-cors.md#putbucketcors-validation, as XML
// bodies.
var Validation = []ValidationCase{
	{"no-rules", "SNAP:test_put_cors_invalid_rules/put-cors-exc-empty", XMLDoc(), 400, "MalformedXML", MalformedMessage},
	{"unsupported-method", "SNAP:test_put_cors_invalid_rules/put-cors-exc",
		XMLDoc(RuleXML("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedMethod>MYMETHOD</AllowedMethod>")),
		400, "InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is MYMETHOD"},
	{"empty-method", "VGW-D empty allowed method", XMLDoc(RuleXML("<AllowedOrigin>*</AllowedOrigin><AllowedMethod></AllowedMethod>")),
		400, "InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is "},
	{"lower-case-method", "SCAL putCors.js", XMLDoc(RuleXML("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>get</AllowedMethod>")),
		400, "InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is get"},
	{"empty-rule", "VGW-D empty CORS rule", XMLDoc("<CORSRule></CORSRule>"), 400, "MalformedXML", MalformedMessage},
	{"no-origin", "VGW-D; SCAL", XMLDoc(RuleXML("<AllowedMethod>GET</AllowedMethod>")), 400, "MalformedXML", MalformedMessage},
	{"no-method", "VGW-D; SCAL", XMLDoc(RuleXML("<AllowedOrigin>*</AllowedOrigin>")), 400, "MalformedXML", MalformedMessage},
	{"max-age-not-integer", "VGW-D invalid max age seconds", XMLDoc(RuleXML(OKRule + "<MaxAgeSeconds>a</MaxAgeSeconds>")), 400, "MalformedXML", MalformedMessage},
	{"max-age-over-int32", "xs:int", XMLDoc(RuleXML(OKRule + "<MaxAgeSeconds>2147483648</MaxAgeSeconds>")), 400, "MalformedXML", MalformedMessage},
	{"unknown-element", "OBS aws/aws-sdk-js#123", XMLDoc(RuleXML(OKRule + "<AllowedOrigins>*</AllowedOrigins>")), 400, "MalformedXML", MalformedMessage},
	{"misspelt-root", "OBS aws/aws-sdk-js#701", `<CORSConfig>` + RuleXML(OKRule) + `</CORSConfig>`, 400, "MalformedXML", MalformedMessage},
	{"wrong-nesting", "OBS aws/aws-sdk-js#701", XMLDoc(OKRule), 400, "MalformedXML", MalformedMessage},
	{"nested-in-leaf", "schema", XMLDoc(RuleXML("<AllowedOrigin><x/></AllowedOrigin><AllowedMethod>GET</AllowedMethod>")), 400, "MalformedXML", MalformedMessage},
	{"text-in-rule", "schema", XMLDoc(RuleXML(OKRule + "stray")), 400, "MalformedXML", MalformedMessage},
	{"two-ids", "schema", XMLDoc(RuleXML(OKRule + "<ID>a</ID><ID>b</ID>")), 400, "MalformedXML", MalformedMessage},
	{"not-well-formed", "schema", XMLDoc(RuleXML(OKRule))[:40], 400, "MalformedXML", MalformedMessage},
	{"doctype-entity", "bounded parsing", `<!DOCTYPE x [<!ENTITY a "aaaa">]>` + XMLDoc(RuleXML("<AllowedOrigin>&a;</AllowedOrigin><AllowedMethod>GET</AllowedMethod>")), 400, "MalformedXML", MalformedMessage},
	{"unknown-entity", "bounded parsing", XMLDoc(RuleXML("<AllowedOrigin>&xxe;</AllowedOrigin><AllowedMethod>GET</AllowedMethod>")), 400, "MalformedXML", MalformedMessage},
	{"foreign-namespace", "UNVERIFIED", `<CORSConfiguration xmlns="urn:other">` + RuleXML(OKRule) + `</CORSConfiguration>`, 400, "MalformedXML", MalformedMessage},
	{"two-roots", "schema", XMLDoc(RuleXML(OKRule)) + XMLDoc(RuleXML(OKRule)), 400, "MalformedXML", MalformedMessage},
	{"origin-two-wildcards", "OBS versity/versitygw#1870", XMLDoc(RuleXML("<AllowedOrigin>*example*.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod>")),
		400, "InvalidRequest", `AllowedOrigin "*example*.com" can not have more than one wildcard.`},
	{"header-two-wildcards", "SCAL; message UNVERIFIED", XMLDoc(RuleXML(OKRule + "<AllowedHeader>*-amz-*</AllowedHeader>")),
		400, "InvalidRequest", `AllowedHeader "*-amz-*" can not have more than one wildcard.`},
	{"expose-wildcard", "OBS AWS error text; SCAL", XMLDoc(RuleXML(OKRule + "<ExposeHeader>x-amz-meta-*</ExposeHeader>")),
		400, "InvalidRequest", `ExposeHeader "x-amz-meta-*" contains wildcard. We currently do not support wildcard for ExposeHeader.`},
	{"expose-invalid-char", "UNVERIFIED: scality/cloudserver#497, VGW", XMLDoc(RuleXML(OKRule + "<ExposeHeader>x amz</ExposeHeader>")),
		400, "InvalidRequest", `AllowedHeader "x amz" contains invalid character.`},
	{"header-invalid-char", "UNVERIFIED: VGW", XMLDoc(RuleXML(OKRule + "<AllowedHeader>x:amz</AllowedHeader>")),
		400, "InvalidRequest", `AllowedHeader "x:amz" contains invalid character.`},
	{"101-rules", "UNVERIFIED: SCAL, 3P MinIO", XMLDoc(strings.Repeat(RuleXML(OKRule), 101)),
		400, "InvalidRequest", "The number of CORS rules should not exceed allowed limit of 100 rules."},
	{"id-256", "UNVERIFIED: lifecycle's ID error", XMLDoc(RuleXML(OKRule + "<ID>" + strings.Repeat("i", 256) + "</ID>")),
		400, "InvalidArgument", "ID length should not exceed allowed limit of 255"},
	{"body-over-64KiB", "UNVERIFIED: DOC limit; S3's generic too-big error",
		XMLDoc(RuleXML(OKRule + strings.Repeat("<AllowedHeader>x-long-header-name</AllowedHeader>", 1400))),
		400, "MaxMessageLengthExceeded", "Your request was too big."},
}
