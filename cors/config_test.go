package cors_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/cors/corserr"
	"github.com/doorman-s3/doorman/internal/corsspec"
)

func decodeAndValidate(body string) error {
	cfg, err := cors.DecodeXML([]byte(body))
	if err != nil {
		return err
	}
	return cors.Validate(cfg)
}

func TestValidationErrors(t *testing.T) {
	t.Parallel()
	for _, c := range corsspec.Validation {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			var e *corserr.Error
			if !errors.As(decodeAndValidate(c.Body), &e) {
				t.Fatalf("[%s] accepted", c.Src)
			}
			if e.Status != c.Status || e.Code != c.Code || e.Message != c.Message {
				t.Fatalf("[%s] got %d %s %q\nwant %d %s %q", c.Src, e.Status, e.Code, e.Message, c.Status, c.Code, c.Message)
			}
		})
	}
}

// Accepted as recorded, and read back unchanged: the values S3 accepts that can never match
// (docs/s3-cors.md#putbucketcors-validation).
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
	body := corsspec.XMLDoc(
		corsspec.RuleXML("<AllowedOrigin>*a*</AllowedOrigin><AllowedMethod>get</AllowedMethod>"),
		corsspec.RuleXML("<AllowedOrigin>*</AllowedOrigin>"),
		corsspec.RuleXML(corsspec.OKRule+"<ExposeHeader>*</ExposeHeader>"),
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
	// errors.As finds the first, the one Amazon S3 answers with.
	var e *corserr.Error
	if !errors.As(cors.Validate(cfg), &e) || e.Field != "AllowedMethod" || e.Rule != 1 {
		t.Fatalf("first = %+v", e)
	}
	if !strings.Contains(e.Error(), "CORSRule 2, AllowedMethod: the rule has no AllowedMethod") {
		t.Fatalf("Error() = %q", e.Error())
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
	if c, err := cors.Decode([]byte("\n  " + corsspec.XMLDoc(corsspec.RuleXML(corsspec.OKRule)))); err != nil || len(c.Rules) != 1 {
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
