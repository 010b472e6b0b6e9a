package cors_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/cors/corserr"
	"github.com/doorman-s3/doorman/internal/corsspec"
)

const malformedMsg = "The XML you provided was not well-formed or did not validate against our published schema"

func xmlDoc(rules ...string) string {
	return `<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` + strings.Join(rules, "") + `</CORSConfiguration>`
}

func ruleXML(inner string) string { return "<CORSRule>" + inner + "</CORSRule>" }

const okRule = "<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"

// validationCases are the PutBucketCors refusals of spec A.2, as XML bodies.
var validationCases = []struct {
	Name, Src, body string
	Status          int
	code, message   string
}{
	{"no-rules", "SNAP:test_put_cors_invalid_rules/put-cors-exc-empty", xmlDoc(), 400, "MalformedXML", malformedMsg},
	{"unsupported-method", "SNAP:test_put_cors_invalid_rules/put-cors-exc",
		xmlDoc(ruleXML("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedMethod>MYMETHOD</AllowedMethod>")),
		400, "InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is MYMETHOD"},
	{"empty-method", "VGW-D empty allowed method", xmlDoc(ruleXML("<AllowedOrigin>*</AllowedOrigin><AllowedMethod></AllowedMethod>")),
		400, "InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is "},
	{"lower-case-method", "SCAL putCors.js", xmlDoc(ruleXML("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>get</AllowedMethod>")),
		400, "InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is get"},
	{"empty-rule", "VGW-D empty CORS rule", xmlDoc("<CORSRule></CORSRule>"), 400, "MalformedXML", malformedMsg},
	{"no-origin", "VGW-D; SCAL", xmlDoc(ruleXML("<AllowedMethod>GET</AllowedMethod>")), 400, "MalformedXML", malformedMsg},
	{"no-method", "VGW-D; SCAL", xmlDoc(ruleXML("<AllowedOrigin>*</AllowedOrigin>")), 400, "MalformedXML", malformedMsg},
	{"max-age-not-integer", "VGW-D invalid max age seconds", xmlDoc(ruleXML(okRule + "<MaxAgeSeconds>a</MaxAgeSeconds>")), 400, "MalformedXML", malformedMsg},
	{"max-age-over-int32", "xs:int", xmlDoc(ruleXML(okRule + "<MaxAgeSeconds>2147483648</MaxAgeSeconds>")), 400, "MalformedXML", malformedMsg},
	{"unknown-element", "OBS aws/aws-sdk-js#123", xmlDoc(ruleXML(okRule + "<AllowedOrigins>*</AllowedOrigins>")), 400, "MalformedXML", malformedMsg},
	{"misspelt-root", "OBS aws/aws-sdk-js#701", `<CORSConfig>` + ruleXML(okRule) + `</CORSConfig>`, 400, "MalformedXML", malformedMsg},
	{"wrong-nesting", "OBS aws/aws-sdk-js#701", xmlDoc(okRule), 400, "MalformedXML", malformedMsg},
	{"nested-in-leaf", "schema", xmlDoc(ruleXML("<AllowedOrigin><x/></AllowedOrigin><AllowedMethod>GET</AllowedMethod>")), 400, "MalformedXML", malformedMsg},
	{"text-in-rule", "schema", xmlDoc(ruleXML(okRule + "stray")), 400, "MalformedXML", malformedMsg},
	{"two-ids", "schema", xmlDoc(ruleXML(okRule + "<ID>a</ID><ID>b</ID>")), 400, "MalformedXML", malformedMsg},
	{"not-well-formed", "schema", xmlDoc(ruleXML(okRule))[:40], 400, "MalformedXML", malformedMsg},
	{"doctype-entity", "bounded parsing", `<!DOCTYPE x [<!ENTITY a "aaaa">]>` + xmlDoc(ruleXML("<AllowedOrigin>&a;</AllowedOrigin><AllowedMethod>GET</AllowedMethod>")), 400, "MalformedXML", malformedMsg},
	{"unknown-entity", "bounded parsing", xmlDoc(ruleXML("<AllowedOrigin>&xxe;</AllowedOrigin><AllowedMethod>GET</AllowedMethod>")), 400, "MalformedXML", malformedMsg},
	{"foreign-namespace", "UNVERIFIED", `<CORSConfiguration xmlns="urn:other">` + ruleXML(okRule) + `</CORSConfiguration>`, 400, "MalformedXML", malformedMsg},
	{"two-roots", "schema", xmlDoc(ruleXML(okRule)) + xmlDoc(ruleXML(okRule)), 400, "MalformedXML", malformedMsg},
	{"origin-two-wildcards", "OBS versity/versitygw#1870", xmlDoc(ruleXML("<AllowedOrigin>*example*.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod>")),
		400, "InvalidRequest", `AllowedOrigin "*example*.com" can not have more than one wildcard.`},
	{"header-two-wildcards", "SCAL; message UNVERIFIED", xmlDoc(ruleXML(okRule + "<AllowedHeader>*-amz-*</AllowedHeader>")),
		400, "InvalidRequest", `AllowedHeader "*-amz-*" can not have more than one wildcard.`},
	{"expose-wildcard", "OBS AWS error text; SCAL", xmlDoc(ruleXML(okRule + "<ExposeHeader>x-amz-meta-*</ExposeHeader>")),
		400, "InvalidRequest", `ExposeHeader "x-amz-meta-*" contains wildcard. We currently do not support wildcard for ExposeHeader.`},
	{"expose-invalid-char", "UNVERIFIED: scality/cloudserver#497, VGW", xmlDoc(ruleXML(okRule + "<ExposeHeader>x amz</ExposeHeader>")),
		400, "InvalidRequest", `AllowedHeader "x amz" contains invalid character.`},
	{"header-invalid-char", "UNVERIFIED: VGW", xmlDoc(ruleXML(okRule + "<AllowedHeader>x:amz</AllowedHeader>")),
		400, "InvalidRequest", `AllowedHeader "x:amz" contains invalid character.`},
	{"101-rules", "UNVERIFIED: SCAL, 3P MinIO", xmlDoc(strings.Repeat(ruleXML(okRule), 101)),
		400, "InvalidRequest", "The number of CORS rules should not exceed allowed limit of 100 rules."},
	{"id-256", "UNVERIFIED: lifecycle's ID error", xmlDoc(ruleXML(okRule + "<ID>" + strings.Repeat("i", 256) + "</ID>")),
		400, "InvalidArgument", "ID length should not exceed allowed limit of 255"},
	{"body-over-64KiB", "UNVERIFIED: DOC limit; S3's generic too-big error",
		xmlDoc(ruleXML(okRule + strings.Repeat("<AllowedHeader>x-long-header-name</AllowedHeader>", 1400))),
		400, "MaxMessageLengthExceeded", "Your request was too big."},
}

func decodeAndValidate(body string) error {
	cfg, err := cors.DecodeXML([]byte(body))
	if err != nil {
		return err
	}
	return cors.Validate(cfg)
}

func TestValidationErrors(t *testing.T) {
	t.Parallel()
	for _, c := range validationCases {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			e := corserr.First(decodeAndValidate(c.body))
			if e == nil {
				t.Fatalf("[%s] accepted", c.Src)
			}
			if e.Status != c.Status || e.Code != c.code || e.Message != c.message {
				t.Fatalf("[%s] got %d %s %q\nwant %d %s %q", c.Src, e.Status, e.Code, e.Message, c.Status, c.code, c.message)
			}
		})
	}
}

// Accepted as recorded (spec A.2, last paragraph), and read back unchanged.
func TestAcceptedAndStoredAsIs(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ Name, Src, json string }{
		{"empty-origin", "SNAP:test_put_cors_empty_origin/get-cors-empty", `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":[""]}]}`},
		{"origin-without-scheme", "SNAP-S3:test_bucket_exists/get-bucket-cors", `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["localhost"]}]}`},
		{"explicit-default-port", "SNAP:test_put_cors/get-cors", `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["http://test.com:80"]}]}`},
		{"star-and-prefix-headers", "SNAP-S3 CloudFormation", `{"CORSRules":[{"AllowedHeaders":["*","x-amz-*"],"AllowedMethods":["GET"],"AllowedOrigins":["*"]}]}`},
		{"negative-max-age", "UNVERIFIED: versitygw comment", `{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["*"],"MaxAgeSeconds":-1}]}`},
		{"case-kept", "SNAP:test_cors_match_headers/get-bucket-cors-casing", `{"CORSRules":[{"ID":"Rule-1","AllowedHeaders":["x-AMZ-server-SIDE-encryption"],"AllowedMethods":["PUT","GET"],"AllowedOrigins":["https://B.example","https://a.example"],"ExposeHeaders":["ETag","x-Amz-Version-Id"]}]}`},
	} {
		cfg, err := cors.DecodeJSON([]byte(c.json))
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if _, err := cors.Compile(cfg); err != nil {
			t.Fatalf("%s [%s]: refused: %v", c.Name, c.Src, err)
		}
		back, err := cors.DecodeXML(cors.EncodeXML(cfg))
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if got := string(cors.EncodeJSON(back)); compactJSON(got) != c.json {
			t.Errorf("%s [%s]: read back\n%s\nwant %s", c.Name, c.Src, compactJSON(got), c.json)
		}
	}
}

func compactJSON(s string) string {
	var b strings.Builder
	inString := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' && (i == 0 || s[i-1] != '\\') {
			inString = !inString
		}
		if !inString && (c == ' ' || c == '\n') {
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Validate reports every fault, in order; First is the one on the wire.
func TestValidateReportsAll(t *testing.T) {
	t.Parallel()
	body := xmlDoc(
		ruleXML("<AllowedOrigin>*a*</AllowedOrigin><AllowedMethod>get</AllowedMethod>"),
		ruleXML("<AllowedOrigin>*</AllowedOrigin>"),
		ruleXML(okRule+"<ExposeHeader>*</ExposeHeader>"),
	)
	cfg, err := cors.DecodeXML([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for e := range corserr.All(cors.Validate(cfg)) {
		got = append(got, fmt.Sprintf("%s/%d/%s", e.Code, e.Rule, e.Field))
	}
	want := []string{"MalformedXML/1/AllowedMethod", "InvalidRequest/0/AllowedMethod", "InvalidRequest/0/AllowedOrigin", "InvalidRequest/2/ExposeHeader"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if e := corserr.First(cors.Validate(cfg)); e.Field != "AllowedMethod" || e.Rule != 1 {
		t.Fatalf("first = %+v", e)
	}
	if !strings.Contains(corserr.First(cors.Validate(cfg)).Error(), "CORSRule 2, AllowedMethod: the rule has no AllowedMethod") {
		t.Fatalf("Error() = %q", corserr.First(cors.Validate(cfg)).Error())
	}
}

func TestXMLRoundTrip(t *testing.T) {
	t.Parallel()
	in := `<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment -->
<CORSConfiguration>
  <CORSRule>
    <MaxAgeSeconds> 3000 </MaxAgeSeconds>
    <AllowedOrigin>https://b.example</AllowedOrigin>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedOrigin></AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <ExposeHeader>ETag</ExposeHeader>
    <ID>first &amp; only</ID>
    <AllowedHeader>X-Amz-*</AllowedHeader>
  </CORSRule>
</CORSConfiguration>`
	cfg, err := cors.DecodeXML([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	age := int32(3000)
	want := &cors.Config{Rules: []cors.Rule{{ID: "first & only", AllowedHeaders: []string{"X-Amz-*"},
		AllowedMethods: []string{"PUT", "GET"}, AllowedOrigins: []string{"https://b.example", ""},
		ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: &age}}}
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("decoded %+v", cfg.Rules[0])
	}
	out := string(cors.EncodeXML(cfg))
	wantXML := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CORSRule><ID>first &amp; only</ID>` +
		`<AllowedHeader>X-Amz-*</AllowedHeader><AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod>` +
		`<AllowedOrigin>https://b.example</AllowedOrigin><AllowedOrigin></AllowedOrigin><ExposeHeader>ETag</ExposeHeader>` +
		`<MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>`
	if out != wantXML {
		t.Fatalf("encoded\n%s\nwant\n%s", out, wantXML)
	}
	again, err := cors.DecodeXML([]byte(out))
	if err != nil || !reflect.DeepEqual(again, cfg) {
		t.Fatalf("round trip: %v %+v", err, again)
	}
}

func TestJSONForm(t *testing.T) {
	t.Parallel()
	in := `{"CORSRules":[{"AllowedHeaders":["*"],"AllowedMethods":["PUT","POST","DELETE"],"AllowedOrigins":["http://www.example.com"],"ExposeHeaders":["x-amz-server-side-encryption"],"MaxAgeSeconds":3000},{"AllowedHeaders":[],"AllowedMethods":["GET"],"AllowedOrigins":["*"]}]}`
	cfg, err := cors.DecodeJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Rules[1].AllowedHeaders != nil {
		t.Fatal("an empty list must read as absent, as the AWS CLI sends it")
	}
	want := `{
    "CORSRules": [
        {
            "AllowedHeaders": [
                "*"
            ],
            "AllowedMethods": [
                "PUT",
                "POST",
                "DELETE"
            ],
            "AllowedOrigins": [
                "http://www.example.com"
            ],
            "ExposeHeaders": [
                "x-amz-server-side-encryption"
            ],
            "MaxAgeSeconds": 3000
        },
        {
            "AllowedMethods": [
                "GET"
            ],
            "AllowedOrigins": [
                "*"
            ]
        }
    ]
}
`
	if got := string(cors.EncodeJSON(cfg)); got != want {
		t.Fatalf("got\n%s", got)
	}
	for _, bad := range []string{
		`{"CORSRules":[{"AllowedOrigin":["*"],"AllowedMethods":["GET"]}]}`,
		`{"CORSRules":[]} {}`,
		`{"CORSRules":[{"MaxAgeSeconds":"10"}]}`,
		strings.Repeat(" ", cors.MaxJSONSize+1),
	} {
		if _, err := cors.DecodeJSON([]byte(bad)); err == nil {
			t.Errorf("accepted %.60q", bad)
		}
	}
	if c, err := cors.Decode([]byte("\n  " + xmlDoc(ruleXML(okRule)))); err != nil || len(c.Rules) != 1 {
		t.Errorf("Decode(XML): %v", err)
	}
	if c, err := cors.Decode([]byte(in)); err != nil || len(c.Rules) != 2 {
		t.Errorf("Decode(JSON): %v", err)
	}
}

func TestPolicyKeepsItsOwnCopy(t *testing.T) {
	t.Parallel()
	cfg, _ := cors.DecodeJSON([]byte(corsspec.CfgStar))
	p, err := cors.Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Rules[0].AllowedOrigins[0] = "https://changed"
	got := p.Config()
	if got.Rules[0].AllowedOrigins[0] != "*" {
		t.Fatal("a change to the source config reached the policy")
	}
	got.Rules[0].AllowedMethods[0] = "PUT"
	if p.Config().Rules[0].AllowedMethods[0] != "GET" {
		t.Fatal("a change to a returned config reached the policy")
	}
}
