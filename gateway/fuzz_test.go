package gateway_test

import (
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/gateway"
)

// FuzzLoadConfig feeds the configuration decoder arbitrary documents: it must never panic,
// every error must be located in the file, and a configuration it accepts must route and
// explain any host and path.
func FuzzLoadConfig(f *testing.F) {
	for _, c := range configErrorCases {
		f.Add([]byte(c.yaml))
	}
	for _, s := range []string{mainConfig, explainConfig, reloadConfig, tenantConfig} {
		f.Add([]byte(strings.NewReplacer("{{UP}}", "http://127.0.0.1:1", "{{DEAD}}", "http://127.0.0.1:2",
			"{{ORIGIN}}", "https://a.test").Replace(s)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := gateway.Load("fuzz.yaml", data)
		if err != nil {
			for line := range strings.SplitSeq(err.Error(), "\n") {
				// "file[:line[:col]]: field: message", the file being the configuration or
				// one it imports.
				if !strings.Contains(line, ": ") || strings.HasPrefix(line, ": ") {
					t.Fatalf("an error without its place: %q", line)
				}
			}
			return
		}
		for _, host := range []string{"api.test", "x.t.test", "", "[::1]:80", "A.B"} {
			e := gateway.Explain(cfg, host, "/a/../b/")
			_ = e.String()
		}
	})
}
