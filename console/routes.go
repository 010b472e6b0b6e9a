package console

import (
	"net/http"
	"slices"
	"strings"
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

// downloadRoute is the download's pattern: a navigation (a link with a download attribute),
// which sends no header of the page's, so the only route whose CSRF token may come in the
// query, as csrf=.
const downloadRoute = "GET /api/buckets/{bucket}/object"

// table lists every endpoint that needs a session.
var table = []route{
	{"GET /api/session", noBody, getSession},
	{"DELETE /api/session", noBody, signOut},
	{"GET /api/buckets", noBody, listBuckets},
	{"POST /api/buckets", jsonBody, createBucket},
	{"DELETE /api/buckets/{bucket}", noBody, deleteBucket},
	{"GET /api/buckets/{bucket}/objects", noBody, listObjects},
	{downloadRoute, noBody, download},
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

// routes builds the console's mux: sign-in, the table's endpoints behind checkSession (and a
// JSON body's type check), a JSON 404 for anything else under /api/, and the pages.
func (c *Console) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/session", c.signIn)
	for _, rt := range table {
		mux.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) {
			s := c.checkSession(w, r, rt.pattern == downloadRoute)
			if s == nil {
				return
			}
			if rt.body == jsonBody && !isJSON(r) {
				writeError(w, http.StatusForbidden, "UnsupportedMediaType", "The request body must be application/json.")
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

// scheme is the scheme the console is served with.
func (c *Console) scheme(r *http.Request) string {
	if c.cfg.Secure || r.TLS != nil {
		return "https"
	}
	return "http"
}

// hostOrigin is the origin the request was sent to: the console's scheme and the Host header,
// without the scheme's default port, as an origin is serialised.
func (c *Console) hostOrigin(r *http.Request) string {
	scheme := c.scheme(r)
	host := r.Host
	if scheme == "http" {
		host = strings.TrimSuffix(host, ":80")
	} else {
		host = strings.TrimSuffix(host, ":443")
	}
	return scheme + "://" + host
}

// ownOrigin tells whether origin is one of the console's: one of Config.Origins, or, without
// them, the one the request was sent to.
func (c *Console) ownOrigin(r *http.Request, origin string) bool {
	if len(c.cfg.Origins) == 0 {
		return origin == c.hostOrigin(r)
	}
	return slices.Contains(c.cfg.Origins, origin)
}

// sameOrigin refuses, with 403, a request whose Origin header names another origin than the
// console's own, another port of the same host included. A request without Origin passes:
// browsers send it with every cross-origin request and every state-changing one
// (https://fetch.spec.whatwg.org/#origin-header), so its absence is not a browser's
// cross-site request, and the CSRF token is still required.
func (c *Console) sameOrigin(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || c.ownOrigin(r, origin) {
		return true
	}
	writeError(w, http.StatusForbidden, "CrossOrigin", "The console accepts state changes from its own origin only.")
	return false
}
