package console

import (
	"crypto/subtle"
	"net/http"
)

// handler is an endpoint that needs a session: the route table gives it the caller's.
type handler func(c *Console, w http.ResponseWriter, r *http.Request, s *session)

// body says what a state-changing route's request body is.
type body int

const (
	noBody   body = iota // nothing, or nothing read
	jsonBody             // JSON: Content-Type application/json required
	rawBody              // bytes streamed to S3 as they are (an upload)
)

// route is one endpoint: a net/http pattern, what its body is, and its handler.
type route struct {
	pattern string
	body    body
	h       handler
}

// table lists every endpoint that needs a session.
var table = []route{
	{"GET /api/session", noBody, getSession},
	{"DELETE /api/session", noBody, signOut},
	{"GET /api/buckets", noBody, listBuckets},
	{"POST /api/buckets", jsonBody, createBucket},
	{"DELETE /api/buckets/{bucket}", noBody, deleteBucket},
	{"GET /api/buckets/{bucket}/objects", noBody, listObjects},
	{"GET /api/buckets/{bucket}/object", noBody, download},
	{"PUT /api/buckets/{bucket}/object", rawBody, upload},
	{"DELETE /api/buckets/{bucket}/object", noBody, deleteObject},
	{"GET /api/buckets/{bucket}/details", noBody, details},
	{"POST /api/buckets/{bucket}/uploads", jsonBody, createUpload},
	{"PUT /api/buckets/{bucket}/uploads/{uploadId}/parts/{n}", rawBody, uploadPart},
	{"POST /api/buckets/{bucket}/uploads/{uploadId}/complete", jsonBody, completeUpload},
	{"DELETE /api/buckets/{bucket}/uploads/{uploadId}", noBody, abortUpload},
	{"POST /api/buckets/{bucket}/presign", jsonBody, presign},
	{"GET /api/buckets/{bucket}/cors", noBody, getCORS},
	{"PUT /api/buckets/{bucket}/cors", jsonBody, putCORS},
	{"DELETE /api/buckets/{bucket}/cors", noBody, deleteCORS},
	{"POST /api/cors/validate", jsonBody, validateCORS},
	{"POST /api/simulate", jsonBody, simulate},
	{"GET /api/monitor", noBody, monitor},
	{"GET /api/probe", noBody, probeInfo},
}

// routes builds the console's mux: sign-in, the table's endpoints behind checkSession and
// checkState, a JSON 404 for anything else under /api/, and the pages.
func (c *Console) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/session", c.signIn)
	for _, rt := range table {
		mux.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) {
			s := c.checkSession(w, r)
			if s == nil || !c.checkState(w, r, s, rt.body) {
				return
			}
			rt.h(c, w, r, s)
		})
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "NotFound", "The console has no such endpoint.")
	})
	mux.Handle("/", c.pages)
	return mux
}

// safe tells whether a request's method changes nothing.
func safe(r *http.Request) bool { return r.Method == http.MethodGet || r.Method == http.MethodHead }

// checkState refuses a state change that does not carry the session's CSRF token, comes from
// another origin, or sends JSON without saying so, answering 403 itself.
func (c *Console) checkState(w http.ResponseWriter, r *http.Request, s *session, b body) bool {
	if safe(r) {
		return true
	}
	if !c.sameOrigin(w, r) {
		return false
	}
	token := r.Header.Get("X-CSRF-Token")
	if token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(s.csrf)) != 1 {
		writeError(w, http.StatusForbidden, "InvalidCSRFToken", "The X-CSRF-Token header is missing or does not match the session.")
		return false
	}
	if b == jsonBody && !isJSON(r) {
		writeError(w, http.StatusForbidden, "UnsupportedMediaType", "The request body must be application/json.")
		return false
	}
	return true
}

// sameOrigin refuses, with 403, a request whose Origin header names another origin than the
// console's own (the scheme it is served with and the Host the request was sent to). A
// request without Origin passes: browsers send it with every cross-origin request and every
// state-changing one (https://fetch.spec.whatwg.org/#origin-header), so its absence is not a
// browser's cross-site request, and the CSRF token is still required.
func (c *Console) sameOrigin(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	scheme := "http"
	if c.cfg.Secure || r.TLS != nil {
		scheme = "https"
	}
	if origin == scheme+"://"+r.Host {
		return true
	}
	writeError(w, http.StatusForbidden, "CrossOrigin", "The console accepts state changes from its own origin only.")
	return false
}
