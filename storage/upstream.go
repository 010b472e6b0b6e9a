package storage

import (
	"context"
	"errors"
	"fmt"
)

// What a backend in front of another store (an upstream S3 cluster) tells the protocol layer
// beyond the Backend methods: who the request is for, what it cannot do, that it cannot be
// reached, an error the upstream answered in its own words, and buckets that changed behind
// the protocol layer's back (through another node).

var (
	// ErrNotImplemented: the backend does not offer the feature the call needs (the
	// upstream store cannot do it, and the backend never emulates it half-way). The protocol
	// layer answers 501 NotImplemented with the error's text, as S3 answers a feature it does
	// not implement.
	ErrNotImplemented = errors.New("not implemented by this backend")
	// ErrUnavailable: the backend could not reach its store (every upstream endpoint failed,
	// or timed out). A read changed nothing; a write whose request was never sent changed
	// nothing, but one whose request was sent and whose answer was lost has an unknown
	// outcome: it may have been carried out. The protocol layer answers 503.
	ErrUnavailable = errors.New("storage unavailable")
)

// NotImplementedError returns an ErrNotImplemented whose text says what is missing, in words
// a client reads in the error's Message: "Object Lock is not available with the s3 backend."
func NotImplementedError(format string, args ...any) error {
	return &notImplemented{msg: fmt.Sprintf(format, args...)}
}

type notImplemented struct{ msg string }

func (e *notImplemented) Error() string        { return e.msg }
func (e *notImplemented) Is(target error) bool { return target == ErrNotImplemented }

// ServiceError is an error an upstream store answered that maps to no sentinel of this
// package: the protocol layer forwards its status, code and message as they came, so a
// client sees the upstream's own S3 answer (AccessDenied from the upstream's own policy,
// SlowDown, InternalError). Status is an HTTP error status (400 to 599).
type ServiceError struct {
	Status  int
	Code    string
	Message string
}

func (e *ServiceError) Error() string {
	return fmt.Sprintf("upstream %d %s: %s", e.Status, e.Code, e.Message)
}

// Caller is the identity a request was authenticated as, which a backend in front of another
// store signs its upstream requests with (mapped to an upstream identity). The zero Caller is
// an anonymous request.
type Caller struct {
	// AccessKey is the access key the request was signed with; empty when anonymous.
	AccessKey string
}

type callerKey struct{}

// WithCaller returns ctx carrying c. The protocol layer sets it once a request is
// authenticated, for every backend call the request makes.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the Caller ctx carries, and false when it carries none: a call the
// server makes on its own behalf (loading its bucket table at start, a background worker),
// which a backend makes with its own service identity.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// BucketWatcher is a Backend whose buckets can change without a call through this
// protocol layer: created, deleted, or given new configurations through another node that
// shares its store. The protocol layer keeps every bucket's state in memory and calls
// WatchBuckets once, at start, before its first load, so changed may run while that load
// does: the names told before the table of buckets exists are read again once it does, and
// a change made during the load is not lost.
type BucketWatcher interface {
	// WatchBuckets registers changed, called (from one goroutine, never concurrently with
	// itself) with the name of each bucket that was created, deleted, or whose
	// configurations, ACL, versioning or Object Lock settings changed since the backend
	// last told. By the time changed runs, HeadBucket and GetBucketConfig answer the new
	// state. A change made through this backend's own methods need not be told.
	WatchBuckets(changed func(bucket string))
}

// HealthChecker is a Backend whose store can become unreachable. The protocol layer's
// health endpoint answers 503 with Health's text while it fails.
type HealthChecker interface {
	// Health returns nil while the backend can serve requests, and an error saying why not
	// otherwise. It answers from what the backend already knows (its last health checks),
	// without a round trip.
	Health(ctx context.Context) error
}
