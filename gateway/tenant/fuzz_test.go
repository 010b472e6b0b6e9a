package tenant_test

import (
	"bytes"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/doorman-s3/doorman/gateway/tenant"
)

// FuzzDecode: the decoder never panics, honours its bounds, and whatever it accepts the YAML
// library's own strict decoding into the file's shape reads the same.
func FuzzDecode(f *testing.F) {
	for _, tc := range decodeCases {
		f.Add([]byte(tc.in))
	}
	for _, tc := range invalidFiles {
		if len(tc.content) < 4096 {
			f.Add([]byte(tc.content))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		origins, err := tenant.Decode(data)
		if err != nil {
			if origins != nil {
				t.Fatalf("origins %q with error %v", origins, err)
			}
			return
		}
		if len(data) > tenant.MaxFileSize || len(origins) > tenant.MaxOrigins {
			t.Fatalf("accepted %d bytes, %d origins", len(data), len(origins))
		}
		var ref struct {
			Origins []string `yaml:"origins"`
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&ref); err != nil {
			t.Fatalf("accepted %q, which strict decoding refuses: %v", data, err)
		}
		if !slices.Equal(ref.Origins, origins) {
			t.Fatalf("decoded %q, strict decoding %q", origins, ref.Origins)
		}
	})
}
