package corsspec_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/internal/corsspec"
)

// root is the repository's root, seen from this package's directory.
const root = "../.."

var (
	// goCitation is a citation of a section of the behaviour reference in Go source: the
	// page under docs/, then # and the anchor of the section's heading.
	goCitation = regexp.MustCompile(`docs/([A-Za-z0-9_-]+\.md)#([A-Za-z0-9_-]+)`)
	// mdLink is a link in the reference itself: (s3-cors.md#vary), (#matching-rules).
	mdLink = regexp.MustCompile(`\]\(([A-Za-z0-9_-]+\.md)?#([A-Za-z0-9_-]+)\)`)
	// heading is a Markdown heading line.
	heading = regexp.MustCompile(`(?m)^#{1,6} +(.+?) *$`)
	// slugDrop is what GitHub drops from a heading to make its anchor.
	slugDrop = regexp.MustCompile(`[^\p{L}\p{N} _-]`)
	// caseName is a quoted case name of a page: `preflight/no-origin`,
	// `apigw-http-preflight-allowed`.
	caseName = regexp.MustCompile("`((?:preflight|actual)/[a-z0-9-]+|(?:apigw-http|apigw-rest|cloudfront)-[a-z0-9-]+)`")
	// fetchCaseName is a case of the gateway engine's table.
	fetchCaseName = regexp.MustCompile(`Name: "([a-z0-9-]+)"`)
)

// slug is the anchor GitHub gives a heading.
func slug(h string) string {
	return strings.ReplaceAll(slugDrop.ReplaceAllString(strings.ToLower(h), ""), " ", "-")
}

// anchors reads docs/ and returns each page's anchors, failing on a heading whose anchor
// another heading of the page already has (GitHub would number it, and a citation of it
// would silently point at the first).
func anchors(t *testing.T) map[string]map[string]bool {
	t.Helper()
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil || len(pages) == 0 {
		t.Fatalf("no docs/*.md: %v", err)
	}
	out := map[string]map[string]bool{}
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		set := map[string]bool{}
		for _, m := range heading.FindAllStringSubmatch(string(b), -1) {
			a := slug(m[1])
			if set[a] {
				t.Errorf("docs/%s: two headings have the anchor #%s", filepath.Base(p), a)
			}
			set[a] = true
		}
		out[filepath.Base(p)] = set
	}
	return out
}

// TestDocsCitations: every section of docs/ cited in a Go file, and every link between the
// pages of docs/, names a heading that exists.
func TestDocsCitations(t *testing.T) {
	t.Parallel()
	docs := anchors(t)
	cited := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".") && path != root) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range goCitation.FindAllStringSubmatch(string(b), -1) {
			cited++
			if page, ok := docs[m[1]]; !ok {
				t.Errorf("%s cites docs/%s, which does not exist", path, m[1])
			} else if !page[m[2]] {
				t.Errorf("%s cites docs/%s#%s, which is not a heading of that page", path, m[1], m[2])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if cited == 0 {
		t.Fatal("no Go file cites docs/: the pattern or the walk is wrong")
	}
	for name := range docs {
		b, err := os.ReadFile(filepath.Join(root, "docs", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mdLink.FindAllStringSubmatch(string(b), -1) {
			target := m[1]
			if target == "" {
				target = name
			}
			if page, ok := docs[target]; !ok || !page[m[2]] {
				t.Errorf("docs/%s links to %s#%s, which is not a heading", name, target, m[2])
			}
		}
	}
}

// TestDocsCaseNames: every case the pages quote as a source is a case of a table: the S3
// table of this package, or the gateway engine's in cors/fetch.
func TestDocsCaseNames(t *testing.T) {
	t.Parallel()
	known := map[string]bool{}
	for _, c := range corsspec.Cases {
		known[c.Name] = true
	}
	b, err := os.ReadFile(filepath.Join(root, "cors", "fetch", "cases_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range fetchCaseName.FindAllStringSubmatch(string(b), -1) {
		known[m[1]] = true
	}
	quoted := 0
	for name := range anchors(t) {
		b, err := os.ReadFile(filepath.Join(root, "docs", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range caseName.FindAllStringSubmatch(string(b), -1) {
			quoted++
			if !known[m[1]] {
				t.Errorf("docs/%s quotes case %q, which no table has", name, m[1])
			}
		}
	}
	if quoted == 0 {
		t.Fatal("the pages quote no case: the pattern is wrong")
	}
}

func TestSlug(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"Preflight evaluation", "preflight-evaluation"},
		{"HTTP API: routes that take OPTIONS", "http-api-routes-that-take-options"},
		{"The stale-CORS trap", "the-stale-cors-trap"},
		{"`Vary` from the origin", "vary-from-the-origin"},
	} {
		if got := slug(c.in); got != c.want {
			t.Errorf("slug(%q) = %q; want %q", c.in, got, c.want)
		}
	}
}
