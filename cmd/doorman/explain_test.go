package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const explainConfig = `{"CORSRules":[{"ID":"reads","AllowedMethods":["GET"],"AllowedOrigins":["*"]},
{"ID":"uploads","AllowedHeaders":["content-type","x-amz-*"],"AllowedMethods":["PUT","POST"],
"AllowedOrigins":["https://*.example.com"],"ExposeHeaders":["ETag"],"MaxAgeSeconds":3000}]}`

func execute(t *testing.T, args ...string) (string, int) {
	t.Helper()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	var code exitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &code):
		return out.String(), int(code)
	}
	return out.String() + err.Error(), 2
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExplainPreflightAllowed(t *testing.T) {
	cfg := writeFile(t, "cors.json", explainConfig)
	out, code := execute(t, "explain", "--config", cfg, "--origin", "https://app.example.com", "--method", "PUT",
		"--header", "content-type", "--header", "X-Amz-Date", "--key", "photo.jpg", "--preflight")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	want := "HTTP/1.1 200 OK\n" +
		"Access-Control-Allow-Origin: https://app.example.com\n" +
		"Access-Control-Allow-Methods: PUT, POST\n" +
		"Access-Control-Allow-Headers: content-type, x-amz-date\n" +
		"Access-Control-Expose-Headers: ETag\n" +
		"Access-Control-Max-Age: 3000\n" +
		"Access-Control-Allow-Credentials: true\n" +
		"Vary: Origin, Access-Control-Request-Headers, Access-Control-Request-Method\n" +
		"Content-Length: 0\n\n"
	if !strings.HasPrefix(out, want) {
		t.Fatalf("got\n%s", out)
	}
	for _, line := range []string{
		`rule 1 (ID "reads"): origin ok ("*"), method NO, content-type NO, X-Amz-Date NO`,
		`rule 2 (ID "uploads"): origin ok ("https://*.example.com"), method ok, content-type ok ("content-type"), X-Amz-Date ok ("x-amz-*")  <- decides`,
		"Outcome: allowed by rule 2",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("missing %q in\n%s", line, out)
		}
	}
}

func TestExplainPreflightRefused(t *testing.T) {
	cfg := writeFile(t, "cors.json", explainConfig)
	out, code := execute(t, "explain", "--config", cfg, "--origin", "https://app.example.com", "--method", "DELETE", "--preflight")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasPrefix(out, "HTTP/1.1 403 Forbidden\nContent-Type: application/xml\n\n<?xml") ||
		!strings.Contains(out, "<Method>DELETE</Method><ResourceType>BUCKET</ResourceType></Error>") ||
		!strings.Contains(out, "resource's CORS spec.") {
		t.Fatalf("got\n%s", out)
	}
}

func TestExplainActualJSON(t *testing.T) {
	cfg := writeFile(t, "cors.xml", `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><ExposeHeader>ETag</ExposeHeader></CORSRule></CORSConfiguration>`)
	out, code := execute(t, "explain", "--config", cfg, "--origin", "https://a.test", "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var got struct {
		Outcome  string `json:"outcome"`
		Rule     *int   `json:"rule"`
		Response struct {
			Headers []struct{ Name, Value string } `json:"headers"`
		} `json:"response"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Outcome != "allowed" || got.Rule == nil || *got.Rule != 0 || len(got.Response.Headers) != 4 ||
		got.Response.Headers[0].Value != "*" || got.Response.Headers[2].Value != "ETag" {
		t.Fatalf("got %+v", got)
	}
}

func TestExplainInvalidConfig(t *testing.T) {
	cfg := writeFile(t, "cors.json", `{"CORSRules":[{"AllowedMethods":["get"],"AllowedOrigins":["*a*"]}]}`)
	out, code := execute(t, "explain", "--config", cfg, "--origin", "https://a.test")
	if code != 2 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		"400 InvalidRequest: Found unsupported HTTP method in CORS config. Unsupported method is get",
		`400 InvalidRequest: AllowedOrigin "*a*" can not have more than one wildcard.`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

// A configuration file that cannot be read or decoded is refused with the file's name, the
// place of the fault, what it is and how to put it right; "Amazon S3 would refuse it" only
// where S3 would (an XML document it cannot read, a configuration it does not accept).
func TestConfigFileErrors(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	singular := file("singular.json", "{\"CORSRules\": [\n  {\"AllowedOrigin\": [\"*\"], \"AllowedMethods\": [\"GET\"]}]}")
	console := file("console.json", `[{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]`)
	plural := file("plural.xml", "<CORSConfiguration>\n <CORSRule>\n  <AllowedOrigins>*</AllowedOrigins>\n </CORSRule>\n</CORSConfiguration>")
	invalid := file("invalid.json", `{"CORSRules":[{"AllowedMethods":["get"],"AllowedOrigins":["*"]}]}`)
	missing := filepath.Join(dir, "missing.json")
	for _, c := range []struct {
		name, path, want string
		s3               bool // worded as Amazon S3's refusal
	}{
		{"a singular JSON field", singular, singular + `:2:4: unknown field "AllowedOrigin" in CORSRules[0]; did you mean AllowedOrigins?`, false},
		{"the console's JSON", console, console + `:1:1: the document is a list, not an object; the S3 console takes a list of rules; the AWS CLI and doorman take it inside an object: {"CORSRules": [`, false},
		{"a plural XML element", plural, plural + ":3:3: Amazon S3 would refuse it: MalformedXML: ", true},
		{"a method S3 refuses", invalid, invalid + ": the configuration is not valid (Amazon S3 would refuse it):\n  400 InvalidRequest: Found unsupported HTTP method", true},
		{"a missing file", missing, missing + ": no such file: name a bucket CORS configuration file", false},
		{"a directory", dir, dir + ": cannot read it: is a directory", false},
	} {
		for _, args := range [][]string{{"explain", "--config", c.path, "--origin", "https://a.test"}, {"lint", c.path}} {
			if args[0] == "lint" && c.path == invalid {
				continue // lint reports what S3 refuses as findings
			}
			out, code := execute(t, args...)
			if code != 2 || !strings.HasPrefix(out, c.want) || strings.Contains(out, "Amazon S3 would refuse") != c.s3 {
				t.Errorf("%s: %s: exit %d, want 2 and output starting\n%s\ngot\n%s", c.name, args[0], code, c.want, out)
			}
			if c.path == plural && !strings.HasSuffix(out, "; did you mean AllowedOrigin?") {
				t.Errorf("%s: %s: no did you mean in\n%s", c.name, args[0], out)
			}
		}
	}
}

// Every key of explain's JSON is camelCase: none of its values is an AWS document.
func TestExplainJSONKeys(t *testing.T) {
	cfg := writeFile(t, "cors.json", explainConfig)
	out, code := execute(t, "explain", "--config", cfg, "--origin", "https://app.example.com", "--method", "PUT",
		"--header", "content-type", "--preflight", "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var doc any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	camel := regexp.MustCompile(`^[a-z][a-zA-Z]*$`)
	seen := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, v := range x {
				seen[k] = true
				if !camel.MatchString(k) {
					t.Errorf("key %q is not camelCase", k)
				}
				walk(v)
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		}
	}
	walk(doc)
	// The keys of every part: the request, the response's headers, the rules' traces.
	for _, k := range []string{"requestMethod", "name", "value", "originMatched", "allowedBy", "id"} {
		if !seen[k] {
			t.Errorf("no key %q in\n%s", k, out)
		}
	}
}
