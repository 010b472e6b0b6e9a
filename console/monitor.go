package console

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/doorman-s3/doorman/cors"
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

// maxMonitorBuckets bounds the buckets one monitor request looks at, each with one
// GetBucketCors: as many as the S3 server's record counts separately.
const maxMonitorBuckets = s3api.ActivityBuckets

// monitorAnswer is the answer of GET /api/monitor.
type monitorAnswer struct {
	// SlotSeconds is the width of a series' slots.
	SlotSeconds int                `json:"slotSeconds"`
	Series      []s3api.CORSSeries `json:"series"`
	Recent      []refusal          `json:"recent"`
}

// refusal is one refused request, with the rule-by-rule evaluation that refused it, as
// `doorman explain --json` reports it.
type refusal struct {
	Time       time.Time    `json:"time"`
	Bucket     string       `json:"bucket"`
	Kind       string       `json:"kind"`
	Origin     string       `json:"origin"`
	Method     string       `json:"method"`
	Headers    []string     `json:"requestHeaders"`
	Reason     string       `json:"reason"`
	Evaluation *cors.Report `json:"evaluation"`
}

// monitor answers GET /api/monitor?bucket=&since=: the series and the latest refusals of the
// buckets the user may read the CORS configuration of, as S3 decides it (GetBucketCors as
// the user answers the configuration or NoSuchCORSConfiguration), from since (RFC 3339; at
// the earliest, the last hour). With bucket, that bucket alone, and S3's refusal when the
// user may not read it.
func monitor(c *Console, w http.ResponseWriter, r *http.Request, s *session) {
	m := c.cfg.Monitor
	if m == nil {
		writeError(w, http.StatusNotFound, "MonitorOff", "The server does not record CORS decisions.")
		return
	}
	q := r.URL.Query()
	var since time.Time
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "InvalidArgument", "since must be a time in RFC 3339 form, such as 2006-01-02T15:04:05Z.")
			return
		}
		since = t
	}
	buckets := m.Buckets()
	one := q.Get("bucket")
	if one != "" {
		buckets = []string{one}
	}
	out := monitorAnswer{SlotSeconds: int(s3api.ActivitySlot / time.Second), Series: []s3api.CORSSeries{}, Recent: []refusal{}}
	for _, b := range buckets[:min(len(buckets), maxMonitorBuckets)] {
		ok, res := c.mayReadCORS(r, s, b)
		if !ok {
			if one != "" {
				if res == nil {
					writeError(w, http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid.")
				} else {
					writeS3Error(w, res.Status, res.Body)
				}
				return
			}
			continue
		}
		out.Series = append(out.Series, m.Series(b, since)...)
		for _, rf := range m.Recent(b, since) {
			e := rf.Explain()
			kind := "actual"
			if rf.Preflight {
				kind = "preflight"
			}
			method := rf.Request.Method
			if rf.Preflight {
				method = rf.Request.RequestMethod
			}
			out.Recent = append(out.Recent, refusal{Time: rf.Time, Bucket: b, Kind: kind, Origin: rf.Request.Origin, Method: method,
				Headers: rf.Request.RequestHeaders, Reason: rf.Reason(), Evaluation: cors.NewReport(&rf.Request, &e)})
		}
	}
	slices.SortStableFunc(out.Recent, func(a, b refusal) int { return b.Time.Compare(a.Time) })
	writeJSON(w, http.StatusOK, out)
}

// mayReadCORS asks S3 whether s's user may read bucket's CORS configuration (see
// bucketCORS). res is S3's refusal otherwise (nil for a name that is no bucket's).
func (c *Console) mayReadCORS(r *http.Request, s *session, bucket string) (bool, *s3Response) {
	if bucket == "" || strings.Contains(bucket, "/") {
		return false, nil
	}
	res, none, err := c.bucketCORS(r.Context(), s, "/"+bucket)
	if err != nil {
		return false, &s3Response{Status: http.StatusBadGateway}
	}
	return none || !res.failed(), res
}
