package awsconfig_test

import (
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/cors/awsconfig"
)

// BenchmarkRead reads each good fixture of TestReadGood.
func BenchmarkRead(b *testing.B) {
	for _, tc := range goodCases {
		name := strings.NewReplacer("/", "_", ".", "_").Replace(strings.TrimSuffix(tc.file, ".json"))
		if tc.resource != "" {
			name += "_" + tc.resource
		}
		doc := read(b, tc.file)
		b.Run("case="+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := awsconfig.Read(tc.format, doc, tc.resource); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
