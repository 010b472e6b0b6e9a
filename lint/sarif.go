package lint

import (
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
)

// SARIF 2.1.0, the format code-scanning services read. Only the parts the linter fills in
// are modelled.
const (
	SARIFVersion = "2.1.0"
	SARIFSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string      `json:"id"`
	Name                 string      `json:"name"`
	ShortDescription     sarifText   `json:"shortDescription"`
	FullDescription      sarifText   `json:"fullDescription"`
	DefaultConfiguration sarifConfig `json:"defaultConfiguration"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID     string          `json:"ruleId"`
	RuleIndex  int             `json:"ruleIndex"`
	Level      string          `json:"level"`
	Message    sarifText       `json:"message"`
	Locations  []sarifLocation `json:"locations"`
	Properties sarifProperties `json:"properties"`
}

type sarifProperties struct {
	Fix   string `json:"fix"`
	Value string `json:"value"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical  `json:"physicalLocation"`
	LogicalLocations []sarifLogical `json:"logicalLocations"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

func (s Severity) sarifLevel() string {
	if s == Info {
		return "note"
	}
	return s.String()
}

// WriteSARIF prints the report as a SARIF 2.1.0 log with one run. The driver's rules are
// Rules, PolicyChecks and EdgeChecks; each finding is a result located in the source by line (when
// known) and, logically, by its place in the configuration, such as
// CORSRules[1].AllowedOrigin or policies.web-app.origins[0].
func (r *Report) WriteSARIF(w io.Writer, toolVersion string) error {
	driver := sarifDriver{Name: "doorman lint", Version: toolVersion,
		InformationURI: "https://github.com/doorman-s3/doorman"}
	index := make(map[string]int, len(Rules)+len(PolicyChecks)+len(EdgeChecks))
	for _, c := range slices.Concat(Rules, PolicyChecks, EdgeChecks) {
		index[c.Code] = len(driver.Rules)
		driver.Rules = append(driver.Rules, sarifRule{ID: c.Code, Name: c.Name,
			ShortDescription: sarifText{c.Summary}, FullDescription: sarifText{c.Why},
			DefaultConfiguration: sarifConfig{c.Severity.sarifLevel()}})
	}
	uri := artifactURI(r.Source)
	results := make([]sarifResult, 0, len(r.Findings))
	for _, f := range r.Findings {
		loc := sarifLocation{
			PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{uri}},
			LogicalLocations: []sarifLogical{{FullyQualifiedName: f.Location(), Kind: "member"}},
		}
		if f.File != "" {
			loc.PhysicalLocation.ArtifactLocation.URI = artifactURI(f.File)
		}
		if f.Line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: f.Line, StartColumn: f.Column}
		}
		results = append(results, sarifResult{RuleID: f.Code, RuleIndex: index[f.Code], Level: f.Severity.sarifLevel(),
			Message:    sarifText{f.Message + " Fix: " + f.Fix},
			Locations:  []sarifLocation{loc},
			Properties: sarifProperties{Fix: f.Fix, Value: f.Value}})
	}
	log := sarifLog{Schema: SARIFSchema, Version: SARIFVersion,
		Runs: []sarifRun{{Tool: sarifTool{driver}, Results: results}}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

// artifactURI turns a source into a URI reference: a URL stays as it is, a relative file
// path becomes a relative reference (so that code scanning resolves it against the
// repository), an absolute one a file: URL.
func artifactURI(source string) string {
	if strings.Contains(source, "://") {
		return source
	}
	p := filepath.ToSlash(source)
	if filepath.IsAbs(source) {
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: p}).String()
}
