package cors_test

import (
	"testing"

	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/internal/corsspec"
)

// evalCase adds the engine-side helpers to a spec case.
type evalCase struct{ corsspec.Case }

var evalCases = func() []evalCase {
	out := make([]evalCase, len(corsspec.Cases))
	for i, c := range corsspec.Cases {
		out[i] = evalCase{c}
	}
	return out
}()

// compile builds the case's policy; nil when the bucket has no configuration.
func (c *evalCase) compile(tb testing.TB) *cors.Policy {
	tb.Helper()
	if c.Config == "" {
		return nil
	}
	cfg, err := cors.DecodeJSON([]byte(c.Config))
	if err != nil {
		tb.Fatal(err)
	}
	p, err := cors.Compile(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func (c *evalCase) run(p *cors.Policy) cors.Decision {
	switch {
	case c.NoBucket:
		return cors.PreflightNoBucket(&c.Req)
	case c.Preflight:
		return p.Preflight(&c.Req)
	}
	return p.Actual(&c.Req)
}
