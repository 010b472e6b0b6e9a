package lifecycle_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/lifecycle"
)

// BenchmarkDecide is the decision for one version under the largest configuration S3 allows,
// 1,000 rules, each filtering by prefix, tags and size: the worker's cost per listed version.
// The version matches only the last rule, so every rule is tried.
func BenchmarkDecide(b *testing.B) {
	rs := make([]string, lifecycle.MaxRules)
	for i := range rs {
		rs[i] = rule(id(fmt.Sprint("r", i)), filter(fmt.Sprintf("<And>%s%s<ObjectSizeGreaterThan>10</ObjectSizeGreaterThan></And>", prefix(fmt.Sprint("p", i, "/")), tagAB)), on,
			expireDays(fmt.Sprint(1+i%30)), noncurrent("5", "2"))
	}
	c := mustParse(b, doc(rs...))
	v := lifecycle.Version{Key: fmt.Sprint("p", lifecycle.MaxRules-1, "/object"), Size: 100, IsLatest: true, LastModified: created,
		Tags: []lifecycle.Tag{{Key: "x", Value: "y"}, {Key: "a", Value: "b"}}}
	now := created.Add(365 * 24 * time.Hour)
	b.Run(fmt.Sprint("rules=", lifecycle.MaxRules), func(b *testing.B) {
		for b.Loop() {
			if a, _ := c.Decide(v, now, lifecycle.Clock{}); a != lifecycle.ExpireCurrent {
				b.Fatal(a)
			}
		}
	})
}
