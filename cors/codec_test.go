package cors_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/cors/corserr"
)

// A document that cannot be read is refused with a *cors.DecodeError that says where the
// fault is, what it is and, where there is more to say, how to put it right.
func TestDecodeErrorPlace(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, doc  string
		line, col  int
		what, hint string
		malformed  bool // an XML fault: MalformedXML, as Amazon S3 answers
	}{
		{"singular field", "{\"CORSRules\": [\n  {\"AllowedOrigin\": [\"*\"], \"AllowedMethods\": [\"GET\"]}]}", 2, 4,
			`unknown field "AllowedOrigin" in CORSRules[0]`, "did you mean AllowedOrigins?", false},
		{"misspelt field, second rule", "{\"CORSRules\": [{\"AllowedMethods\": [\"GET\"], \"AllowedOrigins\": [\"*\"]},\n" +
			"  {\"AllowedMethods\": [\"PUT\"], \"AllowedOrigins\": [\"*\"], \"ExposeHeader\": [\"ETag\"]}]}", 2, 56,
			`unknown field "ExposeHeader" in CORSRules[1]`, "did you mean ExposeHeaders?", false},
		{"string for a list", `{"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": "*"}]}`, 1, 62,
			"CORSRules[0].AllowedOrigins is a string, not a list", `put the value in a list: "AllowedOrigins": ["*"]`, false},
		{"quoted number", `{"CORSRules": [{"MaxAgeSeconds": "10"}]}`, 1, 34,
			"CORSRules[0].MaxAgeSeconds is a string, not a number", "remove the quotes: MaxAgeSeconds: 10", false},
		{"too large a number", `{"CORSRules": [{"MaxAgeSeconds": 3000000000}]}`, 1, 34,
			"CORSRules[0].MaxAgeSeconds 3000000000 is not a 32-bit integer", `a whole number of seconds, e.g. "MaxAgeSeconds": 3000`, false},
		{"number in a list", `{"CORSRules": [{"AllowedMethods": ["GET", 1]}]}`, 1, 43,
			"CORSRules[0].AllowedMethods[1] is a number, not a string", "each item is a string in double quotes", false},
		{"the console's form", "\n[{\"AllowedMethods\": [\"GET\"], \"AllowedOrigins\": [\"*\"]}]", 2, 1,
			"the document is a list, not an object", "the S3 console takes a list of rules", false},
		{"a CORSConfiguration wrapper", `{"CORSConfiguration": {"CORSRules": []}}`, 1, 2,
			`unknown field "CORSConfiguration" in the document`, "the file holds what goes inside CORSConfiguration", false},
		{"empty", "  \n", 0, 0, "the document is empty", `a configuration is {"CORSRules"`, false},
		{"unclosed", "{\"CORSRules\": [\n", 2, 1, "the document ends too soon", "close every { and [", false},
		{"trailing comma", "{\"CORSRules\": [\n  {\"AllowedMethods\": [\"GET\",]}]}", 2, 29,
			"invalid character ']' looking for beginning of value", "JSON allows no comma after the last item", false},
		{"neither JSON nor XML", "\npolicies:\n", 2, 1, "invalid character 'p' looking for beginning of value", "or S3's XML", false},
		{"trailing data", "{\"CORSRules\": []}\n{}", 2, 1, "unexpected data after the document", "one JSON object", false},
		{"XML plural element", "<CORSConfiguration>\n <CORSRule>\n  <AllowedOrigins>*</AllowedOrigins>\n </CORSRule>\n</CORSConfiguration>", 3, 3,
			"unknown element AllowedOrigins in CORSRule", "did you mean AllowedOrigin?", true},
		{"XML element outside a rule", "<CORSConfiguration>\n\t<AllowedMethod>GET</AllowedMethod>\n</CORSConfiguration>", 2, 2,
			"unknown element AllowedMethod in CORSConfiguration", "put AllowedMethod inside a CORSRule element", true},
		{"XML misspelt root", "<CORSConfigration/>", 1, 1, "the root element must be CORSConfiguration", "did you mean CORSConfiguration?", true},
		{"XML not closed", "<CORSConfiguration>\n<CORSRule>\n<ID>a</ID>", 3, 11, "unexpected EOF", "", true},
		{"XML bad integer", "<CORSConfiguration><CORSRule>\n  <MaxAgeSeconds>ten</MaxAgeSeconds></CORSRule></CORSConfiguration>", 2, 3,
			`MaxAgeSeconds "ten" is not a 32-bit integer`, "", true},
		{"XML not well-formed, column in characters", "<CORSConfiguration><CORSRule><ID>é</I></CORSRule></CORSConfiguration>", 1, 39,
			"not well-formed XML", "", true},
	} {
		_, err := cors.Decode([]byte(c.doc))
		var de *cors.DecodeError
		if !errors.As(err, &de) {
			t.Errorf("%s: %v is not a *cors.DecodeError", c.name, err)
			continue
		}
		if de.Line != c.line || de.Column != c.col {
			t.Errorf("%s: at %d:%d, want %d:%d (%v)", c.name, de.Line, de.Column, c.line, c.col, err)
		}
		if !strings.Contains(de.Err.Error(), c.what) {
			t.Errorf("%s: %q, want %q in it", c.name, de.Err, c.what)
		}
		if !strings.Contains(de.Hint, c.hint) || (c.hint == "") != (de.Hint == "") {
			t.Errorf("%s: hint %q, want %q", c.name, de.Hint, c.hint)
		}
		var ce *corserr.Error
		if got := errors.As(err, &ce) && ce.Code == corserr.CodeMalformedXML; got != c.malformed {
			t.Errorf("%s: MalformedXML %v, want %v", c.name, got, c.malformed)
		}
	}
}

// DecodeError's text holds the place, the fault and the hint.
func TestDecodeErrorText(t *testing.T) {
	t.Parallel()
	_, err := cors.DecodeJSON([]byte(`{"CORSRules": [{"AllowedOrigin": []}]}`))
	want := `line 1, column 17: unknown field "AllowedOrigin" in CORSRules[0]; did you mean AllowedOrigins?`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	_, err = cors.DecodeXML(make([]byte, cors.MaxDocumentSize+1))
	var ce *corserr.Error
	if !errors.As(err, &ce) || ce.Code != corserr.CodeMaxMessageLengthExceeded || strings.HasPrefix(err.Error(), "line") {
		t.Errorf("a document too large: %v", err)
	}
}
