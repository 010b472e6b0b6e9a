package console_test

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// at returns the 1-based line and column (in characters) where marker first occurs in doc.
func at(t *testing.T, doc, marker string) (line, col int) {
	t.Helper()
	i := strings.Index(doc, marker)
	if i < 0 {
		t.Fatalf("%q not in the document", marker)
	}
	before := doc[:i]
	start := strings.LastIndexByte(before, '\n') + 1
	return 1 + strings.Count(before, "\n"), 1 + len([]rune(before[start:]))
}

type validationAnswer struct {
	Error *struct {
		Status        int
		Code, Message string
		Line, Column  int
	}
	Findings []struct {
		Code         string
		Rule         int
		Line, Column int
	}
}

// TestValidate checks drafts as PutBucketCors does: S3's exact code and message at the
// fault's line and column, and the linter's findings at theirs.
func TestValidate(t *testing.T) {
	e := start(t, nil)
	b := e.signIn(s3test.Owner)
	b.want(http.StatusCreated, http.MethodPost, "/api/buckets", jsonOf(map[string]string{"name": "drafts"}))
	const notWellFormed = "The XML you provided was not well-formed or did not validate against our published schema"
	tests := []struct {
		name, format, document string
		code, message          string // "" for a valid draft
		marker                 string // where the error is (in XML, the element), or the finding wantFinding is
		wantFinding            string
	}{
		{"xml: unsupported method", "xml", "<CORSConfiguration>\n  <CORSRule>\n    <AllowedOrigin>*</AllowedOrigin>\n    <AllowedMethod>PATCH</AllowedMethod>\n  </CORSRule>\n</CORSConfiguration>",
			"InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is PATCH", "<AllowedMethod>PATCH", ""},
		{"xml: two wildcards", "xml", "<CORSConfiguration><CORSRule>\n<AllowedOrigin>https://a.test</AllowedOrigin>\n<AllowedOrigin>https://*.*.test</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>",
			"InvalidRequest", `AllowedOrigin "https://*.*.test" can not have more than one wildcard.`, "<AllowedOrigin>https://*.*", ""},
		{"xml: unknown element", "xml", "<CORSConfiguration>\n<CORSRule><AllowedOrigin>*</AllowedOrigin>\n  <AllowedMethods>GET</AllowedMethods></CORSRule></CORSConfiguration>",
			"MalformedXML", notWellFormed, "<AllowedMethods>", ""},
		{"json: lower-case method", "json", "{\"CORSRules\": [\n  {\"AllowedOrigins\": [\"*\"],\n   \"AllowedMethods\": [\"GET\", \"put\"]}\n]}",
			"InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is put", `"put"`, ""},
		{"json: trailing comma", "json", "{\"CORSRules\": [\n  {\"AllowedOrigins\": [\"*\"], \"AllowedMethods\": [\"GET\"],}\n]}",
			"MalformedJSON", "invalid character '}' looking for beginning of object key string", "}\n]}", ""},
		{"valid, with a finding", "json", "{\"CORSRules\": [\n  {\"AllowedOrigins\": [\"https://app.test\"], \"AllowedMethods\": [\"GET\"]},\n  {\"AllowedOrigins\": [\"null\"], \"AllowedMethods\": [\"GET\"]}\n]}",
			"", "", `"null"`, "CORS101"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decode[validationAnswer](t, b.want(http.StatusOK, http.MethodPost, "/api/cors/validate",
				jsonOf(map[string]string{"format": tt.format, "document": tt.document})))
			line, col := at(t, tt.document, tt.marker)
			if tt.code == "" {
				if got.Error != nil {
					t.Fatalf("error %+v for a valid draft", *got.Error)
				}
				for _, f := range got.Findings {
					if f.Code == tt.wantFinding && f.Line == line && f.Column == col {
						return
					}
				}
				t.Fatalf("no %s at %d:%d in %+v", tt.wantFinding, line, col, got.Findings)
			}
			if got.Error == nil || got.Error.Code != tt.code || got.Error.Message != tt.message || got.Error.Line != line || got.Error.Column != col {
				t.Fatalf("error %+v, want %s %q at %d:%d", got.Error, tt.code, tt.message, line, col)
			}
			if tt.format != "xml" {
				return
			}
			// S3 itself answers the same code and message.
			var s3 s3test.Error
			res, body := e.S3.Do(t, s3test.Request{Method: http.MethodPut, Path: "/drafts?cors", As: s3test.Owner, At: e.clock.Now(),
				Body: []byte(tt.document), Header: http.Header{"Content-Md5": {s3test.MD5Base64([]byte(tt.document))}}})
			if err := xml.Unmarshal(body, &s3); err != nil || res.StatusCode != got.Error.Status || s3.Code != tt.code || s3.Message != tt.message {
				t.Fatalf("S3 answers %d %s", res.StatusCode, body)
			}
		})
	}

	// A draft with nothing to say has an empty list of findings, not null.
	clean := b.want(http.StatusOK, http.MethodPost, "/api/cors/validate",
		jsonOf(map[string]string{"format": "json", "document": `{"CORSRules":[{"AllowedOrigins":["https://app.test"],"AllowedMethods":["GET"]}]}`}))
	if !strings.Contains(string(clean), `"findings":[]`) {
		t.Fatalf("a clean draft answers %s, want findings []", clean)
	}

	res, body := b.send(http.MethodPost, "/api/cors/validate", jsonOf(map[string]string{"format": "yaml", "document": "x"}), nil)
	wantError(t, res, body, http.StatusBadRequest, "InvalidArgument", `format must be "json" or "xml".`)
}
