package s3api

import "testing"

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
