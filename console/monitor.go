package console

import (
	"time"

	"github.com/doorman-s3/doorman/s3api"
)

// Monitor is the record of the S3 server's CORS decisions the monitor shows: an
// *s3api.CORSActivity, the one the S3 server records into (s3api.Config.Activity).
type Monitor interface {
	// Buckets lists the buckets with decisions in the last hour.
	Buckets() []string
	// Series returns a bucket's counts of decisions in time slots, from since.
	Series(bucket string, since time.Time) []s3api.CORSSeries
	// Recent returns a bucket's latest refusals at or after since, newest first.
	Recent(bucket string, since time.Time) []s3api.CORSRefusal
}

var _ Monitor = (*s3api.CORSActivity)(nil)
