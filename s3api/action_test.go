package s3api

import (
	"testing"

	"github.com/doorman-s3/doorman/policy"
)

// Every operation on an existing bucket names the action a bucket policy grants or denies it
// (actions), and the table names no operation that does not exist: an operation without one
// would be evaluated as the empty action, which no statement names.
func TestEveryOperationHasAnAction(t *testing.T) {
	for op := range handlers {
		if _, ok := actions[op]; !ok && op != "ListBuckets" && op != "CreateBucket" {
			t.Errorf("operation %s has no action", op)
		}
	}
	for op, a := range actions {
		if _, ok := handlers[op]; !ok {
			t.Errorf("action table names %s, which is no operation", op)
		}
		if len(a.name) < 4 || a.name[:3] != "s3:" {
			t.Errorf("operation %s: action %q", op, a.name)
		}
	}
}

// Every action of the table is one S3 defines, on the resource its row says: a statement
// naming it on that resource parses, which it does only when the action exists and applies to
// that kind of resource
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html, as
// package policy encodes it; "Action does not apply to any resource(s) in statement" otherwise).
func TestActionsApplyToTheirResource(t *testing.T) {
	for op, a := range actions {
		resource := bucketARN("bkt")
		if a.object {
			resource = objectARN("bkt", "key")
		}
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"` + a.name + `","Resource":"` + resource + `"}]}`
		if _, err := policy.Parse([]byte(doc), "bkt"); err != nil {
			t.Errorf("operation %s: %s on %s: %v", op, a.name, resource, err)
		}
	}
}
