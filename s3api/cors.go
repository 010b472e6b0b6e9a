package s3api

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
)

// preflight answers an OPTIONS request from the bucket's rules, before and without any
// authentication, in the order of the cors engine (docs/s3-cors.md#preflight-evaluation). A
// request for the service itself has no bucket and is answered like one for a missing bucket
// [UNVERIFIED: S3 refuses such preflights with a 403; its body is not recorded].
func (s *Server) preflight(rc *request) error {
	req := cors.FromHTTP(rc.r, rc.key != "")
	var d cors.Decision
	st := s.buckets.get(rc.bucket)
	if st == nil {
		d = cors.PreflightNoBucket(&req)
	} else {
		d = st.policy.Preflight(&req)
	}
	rc.cors = d.Outcome
	if a := s.cfg.Activity; a != nil {
		recordActivity(a, st, rc.bucket, true, &req, &d)
	}
	if d.Outcome != cors.Allowed {
		// For the access log: which check refused, from the decision itself, at no more than
		// the cost of the decision; the rule-by-rule trace only at debug level.
		if s.cfg.AccessLog != nil {
			rc.corsWhy = refusalReason(&req, &d)
		}
		if d.Outcome == cors.NoMatchingRule && s.log.Enabled(rc.ctx, slog.LevelDebug) {
			s.log.LogAttrs(rc.ctx, slog.LevelDebug, "preflight refused", slog.String("request_id", rc.id),
				slog.String("bucket", rc.bucket), slog.Any("rules", ruleTrace(st.policy.Explain(&req, true))))
		}
	}
	h := rc.w.Header()
	d.WriteHeaders(h)
	if err := d.Err(); err != nil {
		return err
	}
	h["Content-Length"] = []string{"0"}
	rc.w.WriteHeader(d.Status)
	return nil
}

// recordActivity records a CORS decision in a; st is the bucket's state, nil when it does not
// exist.
func recordActivity(a *CORSActivity, st *bucketState, bucket string, preflight bool, req *cors.Request, d *cors.Decision) {
	if st == nil {
		a.record("", preflight, req, d, nil)
		return
	}
	a.record(bucket, preflight, req, d, st.policy)
}

// refusalReason says in words which check refused a preflight, for the access log.
func refusalReason(req *cors.Request, d *cors.Decision) string {
	switch d.Outcome {
	case cors.NoOrigin:
		return "no Origin header"
	case cors.NoBucket:
		return "bucket not found"
	case cors.NoConfiguration:
		return "bucket has no CORS configuration"
	case cors.BadRequest:
		return "invalid Access-Control-Request-Method " + strconv.Quote(req.RequestMethod)
	}
	switch d.Refused {
	case cors.CheckOrigin:
		return "no rule allows origin " + strconv.Quote(req.Origin)
	case cors.CheckMethod:
		return "no rule for this origin allows method " + req.RequestMethod
	case cors.CheckHeaderLimits:
		return "Access-Control-Request-Headers over the limits"
	case cors.CheckHeaders:
		if d.RefusedHeaders == "" {
			return "no single rule for this origin and method allows all the headers"
		}
		return "no rule for this origin and method allows headers " + d.RefusedHeaders
	}
	return ""
}

// ruleTrace is the debug log's account of how each rule fared against a refused preflight.
func ruleTrace(e cors.Explanation) []string {
	out := make([]string, len(e.Rules))
	for i, r := range e.Rules {
		var refused []string
		for _, h := range r.Headers {
			if h.AllowedBy == "" {
				refused = append(refused, h.Name)
			}
		}
		out[i] = fmt.Sprintf("rule %d id=%q origin=%t method=%t refused_headers=%q", r.Index, r.ID, r.OriginMatched, r.MethodMatched, refused)
	}
	return out
}

// applyCORS writes the CORS headers of a non-OPTIONS request before anything else happens, so that
// the response carries them whatever its status (docs/s3-cors.md#errors-carry-cors-headers). It
// neither grants nor denies: the request goes on to authentication either way
// (docs/s3-cors.md#cors-is-not-access-control).
func (s *Server) applyCORS(rc *request) {
	st := s.buckets.get(rc.bucket)
	if rc.bucket == "" || st == nil {
		// Service-level requests and missing buckets never get CORS headers.
		rc.cors = cors.NoBucket
		if a := s.cfg.Activity; a != nil && rc.r.Header.Get("Origin") != "" {
			a.record("", false, nil, &cors.Decision{Outcome: cors.NoBucket, Rule: -1}, nil)
		}
		return
	}
	req := cors.FromHTTP(rc.r, rc.key != "")
	d := st.policy.Actual(&req)
	rc.cors = d.Outcome
	if a := s.cfg.Activity; a != nil && req.Origin != "" {
		recordActivity(a, st, rc.bucket, false, &req, &d)
	}
	h := rc.w.Header()
	d.WriteHeaders(h)
	if s.cfg.VaryOriginAlways && st.policy != nil && d.Outcome != cors.Allowed {
		h["Vary"] = append(h["Vary"][:len(h["Vary"]):len(h["Vary"])], "Origin")
	}
}

// putBucketCors stores a new configuration (docs/s3-cors.md#bucket-cors-api): the body is checked
// for integrity (Content-MD5 or an x-amz-checksum-*, one of which is required), then validated
// exactly as S3 validates it, then stored durably and published atomically.
func (s *Server) putBucketCors(rc *request, st *bucketState) error {
	body, err := rc.readIntegrityCheckedBody(cors.MaxDocumentSize, integrityRequired)
	if err != nil {
		return err
	}
	cfg, err := cors.DecodeXML(body)
	if err != nil {
		return err
	}
	p, err := cors.Compile(cfg)
	if err != nil {
		return err
	}
	if err := s.setBucketConfig(rc, st, corsKind, cors.EncodeXML(cfg), func(st *bucketState) { st.policy = p }); err != nil {
		return err
	}
	rc.w.Header()["Content-Length"] = []string{"0"}
	rc.w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) getBucketCors(rc *request, st *bucketState) error {
	if st.policy == nil {
		return s3err.NoSuchCORSConfiguration.With("BucketName", rc.bucket)
	}
	rc.writeXMLBytes(http.StatusOK, cors.EncodeXML(st.policy.Config()))
	return nil
}

// deleteBucketCors answers 204 whether or not there was a configuration
// (docs/s3-cors.md#getbucketcors-and-deletebucketcors).
func (s *Server) deleteBucketCors(rc *request, st *bucketState) error {
	if err := s.setBucketConfig(rc, st, corsKind, nil, func(st *bucketState) { st.policy = nil }); err != nil {
		return err
	}
	rc.w.WriteHeader(http.StatusNoContent)
	return nil
}
