package integration

import (
	"strconv"
	"strings"
)

// bucketName makes a valid, unique bucket name from a test name.
func bucketName(prefix string, i int) string {
	r := strings.NewReplacer("/", "-", "_", "-", ".", "-")
	name := strings.ToLower(r.Replace(prefix))
	if len(name) > 50 {
		name = name[:50]
	}
	return strings.Trim(name, "-") + "-" + strconv.Itoa(i)
}
