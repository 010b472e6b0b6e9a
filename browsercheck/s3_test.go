package browsercheck

import (
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/cors"
)

// s3Responses answers r as doorman's CORS engine does under cfg (nil: no configuration).
func s3Responses(t *testing.T, cfg *cors.Config, r *Request, p *Plan) (pre, act *Response) {
	t.Helper()
	var pol *cors.Policy
	if cfg != nil {
		var err error
		if pol, err = cors.Compile(cfg); err != nil {
			t.Fatal(err)
		}
	}
	return S3Answers(pol, r, p, true)
}

func TestS3(t *testing.T) {
	reads := cors.Rule{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}}
	uploads := cors.Rule{AllowedOrigins: []string{"https://*.example.com"}, AllowedMethods: []string{"GET", "PUT"},
		AllowedHeaders: []string{"content-type"}, ExposeHeaders: []string{"x-amz-version-id"}}
	tests := []struct {
		name      string
		cfg       *cors.Config
		r         Request
		verdict   Verdict
		corsError string
		fix       string
		rule      bool
	}{
		{"no configuration", nil, Request{Method: "PUT"}, Blocked, "PreflightMissingAllowOriginHeader", "the bucket has no CORS configuration", true},
		{"method not in the rule", &cors.Config{Rules: []cors.Rule{uploads}}, Request{Method: "DELETE"}, Blocked,
			"PreflightMissingAllowOriginHeader", "DELETE in AllowedMethods", true},
		{"header not in the rule", &cors.Config{Rules: []cors.Rule{uploads}}, Request{Method: "PUT", Headers: hdr("X-Amz-Date", "x")}, Blocked,
			"PreflightMissingAllowOriginHeader", "PUT in AllowedMethods and x-amz-date in AllowedHeaders", true},
		{"allowed", &cors.Config{Rules: []cors.Rule{uploads}}, Request{Method: "PUT", Headers: hdr("Content-Type", "image/png")}, Allowed, "", "", false},
		{"GET not matched", &cors.Config{Rules: []cors.Rule{uploads}}, Request{Method: "GET", Headers: hdr("Accept", "x"), Origin: "https://evil.test"}, Blocked,
			"MissingAllowOriginHeader", "one rule must hold https://evil.test, or a pattern matching it, in AllowedOrigins and GET in AllowedMethods", true},
		{"wildcard rule with credentials", &cors.Config{Rules: []cors.Rule{reads}}, Request{Credentials: Include}, Blocked,
			"WildcardOriginNotAllowed", "use an exact origin", true},
		{"ETag not exposed", &cors.Config{Rules: []cors.Rule{uploads}}, Request{ReadHeaders: []string{"ETag"}}, Unreadable, "", "add ETag to ExposeHeaders", true},
		{"PATCH impossible", &cors.Config{Rules: []cors.Rule{uploads}}, Request{Method: "PATCH"}, Blocked, "PreflightMissingAllowOriginHeader", "allows only GET, PUT, POST, DELETE and HEAD", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r
			r.URL = testURL
			if r.Origin == "" {
				r.Origin = testOrigin
			}
			p, err := Classify(&r)
			if err != nil {
				t.Fatal(err)
			}
			pre, act := s3Responses(t, tt.cfg, &r, p)
			res := Evaluate(&r, p, pre, act)
			if res.Verdict != tt.verdict || !res.S3 && tt.verdict != Blocked {
				t.Fatalf("verdict %s s3=%v %+v", res.Verdict, res.S3, res.Steps)
			}
			if tt.corsError != "" && res.Block.CorsError != tt.corsError {
				t.Fatalf("corsError %s", res.Block.CorsError)
			}
			if tt.fix != "" && (len(res.Fixes) == 0 || !strings.Contains(res.Fixes[0], tt.fix)) {
				t.Fatalf("fixes %q", res.Fixes)
			}
			if (res.Rule != nil) != tt.rule {
				t.Fatalf("rule %+v", res.Rule)
			}
			if res.Rule == nil {
				return
			}
			// The suggested rule, put first, lets the request through.
			cfg := &cors.Config{Rules: []cors.Rule{*res.Rule}}
			if tt.cfg != nil {
				cfg.Rules = append(cfg.Rules, tt.cfg.Rules...)
			}
			pre, act = s3Responses(t, cfg, &r, p)
			if got := Evaluate(&r, p, pre, act); got.Verdict != Allowed {
				t.Fatalf("with the rule: %s %+v", got.Verdict, got.Block)
			}
		})
	}
}
