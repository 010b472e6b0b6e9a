package awsconfig_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/doorman-s3/doorman/cors/awsconfig"
	"github.com/doorman-s3/doorman/cors/fetch"
)

// seed adds every fixture of a format's folder to the corpus.
func seed(f *testing.F, dir string) {
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures in %s: %v", dir, err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// fuzzRead checks what holds for any input: no panic, either a policy that compiles or
// *Error values, and every list within the bound.
func fuzzRead(t *testing.T, format awsconfig.Format, doc []byte, resource string) {
	imp, err := awsconfig.Read(format, doc, resource)
	if err != nil {
		for _, e := range all(err) {
			if e.Message == "" {
				t.Fatalf("error without a message: %#v", e)
			}
		}
		return
	}
	c := imp.Config
	if c == nil || imp.Source == "" {
		t.Fatalf("Read succeeded without a policy: %+v", imp)
	}
	if _, err := fetch.Compile(c); err != nil {
		t.Fatalf("Read returned a policy that does not compile: %v", err)
	}
	for _, l := range [][]string{c.Origins, c.Methods, c.RequestHeaders, c.ExposeHeaders} {
		if len(l) > 2*awsconfig.MaxListEntries { // Globals concatenate two lists at most
			t.Fatalf("a list of %d entries", len(l))
		}
	}
	if len(imp.Paths) > awsconfig.MaxPaths {
		t.Fatalf("%d paths", len(imp.Paths))
	}
}

func FuzzReadHTTPAPI(f *testing.F) {
	seed(f, "httpapi")
	f.Fuzz(func(t *testing.T, doc []byte) { fuzzRead(t, awsconfig.HTTPAPI, doc, "") })
}

func FuzzReadOpenAPI(f *testing.F) {
	seed(f, "openapi")
	f.Fuzz(func(t *testing.T, doc []byte) { fuzzRead(t, awsconfig.OpenAPI, doc, "") })
}

func FuzzReadSAM(f *testing.F) {
	seed(f, "sam")
	f.Fuzz(func(t *testing.T, doc []byte) {
		fuzzRead(t, awsconfig.SAM, doc, "")
		fuzzRead(t, awsconfig.SAM, doc, "Api")
	})
}

func FuzzReadCloudFront(f *testing.F) {
	seed(f, "cloudfront")
	f.Fuzz(func(t *testing.T, doc []byte) { fuzzRead(t, awsconfig.CloudFront, doc, "") })
}
