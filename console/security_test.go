package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/console"
	"github.com/doorman-s3/doorman/internal/s3test"
)

// TestRefused shows that every request the console must refuse is refused with the status
// and code the browser's script acts on, and that a refused state change changed nothing.
func TestRefused(t *testing.T) {
	const evil = "http://attacker.example"
	create := jsonOf(map[string]string{"name": "refused-bucket"})
	tests := []struct {
		name string
		// prepare returns the browser that sends the request, after whatever it needs.
		prepare      func(e *env) *browser
		method, path string
		body         any
		header       map[string]string
		status       int
		code         string
		message      string
	}{
		{
			name:    "no session",
			prepare: func(e *env) *browser { return &browser{e: e, origin: e.console.URL} },
			method:  http.MethodGet, path: "/api/buckets",
			status: http.StatusUnauthorized, code: "NoSession",
		},
		{
			name: "forged session id",
			prepare: func(e *env) *browser {
				b := e.signIn(s3test.Owner)
				b.cookie.Value = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
				return b
			},
			method: http.MethodGet, path: "/api/buckets",
			status: http.StatusUnauthorized, code: "NoSession",
		},
		{
			name: "idle session expired",
			prepare: func(e *env) *browser {
				b := e.signIn(s3test.Owner)
				e.clock.Advance(console.DefaultSessionIdle)
				return b
			},
			method: http.MethodGet, path: "/api/buckets",
			status: http.StatusUnauthorized, code: "NoSession",
		},
		{
			name: "session past its absolute life, though never idle",
			prepare: func(e *env) *browser {
				b := e.signIn(s3test.Owner)
				step := console.DefaultSessionIdle - time.Minute
				for range console.DefaultSessionMax/step + 1 {
					e.clock.Advance(step)
					if res, body := b.send(http.MethodGet, "/api/session", nil, nil); res.StatusCode != http.StatusOK {
						if res.StatusCode != http.StatusUnauthorized {
							e.t.Fatalf("%d %s", res.StatusCode, body)
						}
						return b
					}
				}
				e.t.Fatalf("the session outlived its %v", console.DefaultSessionMax)
				return nil
			},
			method: http.MethodGet, path: "/api/buckets",
			status: http.StatusUnauthorized, code: "NoSession",
		},
		{
			name: "signed-out session reused",
			prepare: func(e *env) *browser {
				b := e.signIn(s3test.Owner)
				b.want(http.StatusNoContent, http.MethodDelete, "/api/session", nil)
				return b
			},
			method: http.MethodGet, path: "/api/buckets",
			status: http.StatusUnauthorized, code: "NoSession",
		},
		{
			name:    "cookie without the token: a read",
			prepare: func(e *env) *browser { return e.signIn(s3test.Owner) },
			method:  http.MethodGet, path: "/api/buckets",
			header: map[string]string{"X-CSRF-Token": ""},
			status: http.StatusUnauthorized, code: "NoSession",
		},
		{
			name:    "cookie without the token: the session, which would tell the token",
			prepare: func(e *env) *browser { return e.signIn(s3test.Owner) },
			method:  http.MethodGet, path: "/api/session",
			header: map[string]string{"X-CSRF-Token": ""},
			status: http.StatusUnauthorized, code: "NoSession",
		},
		{
			name:    "cookie without the token: a download",
			prepare: func(e *env) *browser { return e.signIn(s3test.Owner) },
			method:  http.MethodGet, path: "/api/buckets/owners-bucket/object?key=secret.txt",
			header: map[string]string{"X-CSRF-Token": ""},
			status: http.StatusUnauthorized, code: "NoSession",
		},
		{
			name:    "a download with a forged token in the query",
			prepare: func(e *env) *browser { return e.signIn(s3test.Owner) },
			method:  http.MethodGet, path: "/api/buckets/owners-bucket/object?key=secret.txt&csrf=forged",
			header: map[string]string{"X-CSRF-Token": ""},
			status: http.StatusUnauthorized, code: "NoSession",
		},
		{
			name:    "a read with the token in the query, which only a download may carry",
			prepare: func(e *env) *browser { return e.signIn(s3test.Owner) },
			method:  http.MethodGet, path: "/api/buckets?csrf=",
			header: map[string]string{"X-CSRF-Token": ""},
			status: http.StatusUnauthorized, code: "NoSession",
		},
		{
			name: "another host name, as a name rebound by DNS to the console's address sends",
			prepare: func(e *env) *browser {
				b := e.signIn(s3test.Owner)
				b.host = rebound(e)
				return b
			},
			method: http.MethodGet, path: "/api/buckets",
			status: http.StatusMisdirectedRequest, code: "MisdirectedRequest",
		},
		{
			name:    "another host name: the pages",
			prepare: func(e *env) *browser { return &browser{e: e, host: rebound(e)} },
			method:  http.MethodGet, path: "/",
			status: http.StatusMisdirectedRequest, code: "MisdirectedRequest",
		},
		{
			name:    "another host name: sign-in",
			prepare: func(e *env) *browser { return &browser{e: e, host: rebound(e), origin: "http://" + rebound(e)} },
			method:  http.MethodPost, path: "/api/session",
			body:   jsonOf(map[string]string{"accessKey": s3test.Owner.AccessKey, "secretKey": s3test.Owner.SecretKey}),
			status: http.StatusMisdirectedRequest, code: "MisdirectedRequest",
		},
		{
			name: "state change from another port of the host: the S3 endpoint's origin",
			prepare: func(e *env) *browser {
				b := e.signIn(s3test.Owner)
				b.origin = e.S3.URL
				return b
			},
			method: http.MethodPost, path: "/api/buckets", body: create,
			status: http.StatusForbidden, code: "CrossOrigin",
		},
		{
			name:    "missing CSRF token",
			prepare: func(e *env) *browser { return e.signIn(s3test.Owner) },
			method:  http.MethodPost, path: "/api/buckets", body: create,
			header: map[string]string{"X-CSRF-Token": ""},
			status: http.StatusForbidden, code: "InvalidCSRFToken",
		},
		{
			name:    "forged CSRF token",
			prepare: func(e *env) *browser { return e.signIn(s3test.Owner) },
			method:  http.MethodPost, path: "/api/buckets", body: create,
			header: map[string]string{"X-CSRF-Token": "forged"},
			status: http.StatusForbidden, code: "InvalidCSRFToken",
		},
		{
			name: "another session's CSRF token",
			prepare: func(e *env) *browser {
				b := e.signIn(s3test.Owner)
				b.csrf = e.signIn(s3test.Owner).csrf
				return b
			},
			method: http.MethodPost, path: "/api/buckets", body: create,
			status: http.StatusForbidden, code: "InvalidCSRFToken",
		},
		{
			name:    "state change from another origin",
			prepare: func(e *env) *browser { return e.signIn(s3test.Owner) },
			method:  http.MethodPost, path: "/api/buckets", body: create,
			header: map[string]string{"Origin": evil},
			status: http.StatusForbidden, code: "CrossOrigin",
		},
		{
			name:    "state change from an opaque origin",
			prepare: func(e *env) *browser { return e.signIn(s3test.Owner) },
			method:  http.MethodDelete, path: "/api/session",
			header: map[string]string{"Origin": "null"},
			status: http.StatusForbidden, code: "CrossOrigin",
		},
		{
			name:    "sign-in from another origin",
			prepare: func(e *env) *browser { return &browser{e: e} },
			method:  http.MethodPost, path: "/api/session",
			body:   jsonOf(map[string]string{"accessKey": s3test.Owner.AccessKey, "secretKey": s3test.Owner.SecretKey}),
			header: map[string]string{"Origin": evil},
			status: http.StatusForbidden, code: "CrossOrigin",
		},
		{
			name:    "JSON sent as a form could send it",
			prepare: func(e *env) *browser { return e.signIn(s3test.Owner) },
			method:  http.MethodPost, path: "/api/buckets", body: create,
			header: map[string]string{"Content-Type": "text/plain"},
			status: http.StatusForbidden, code: "UnsupportedMediaType",
		},
		{
			name:    "another user's bucket: list",
			prepare: func(e *env) *browser { return e.signIn(s3test.Other) },
			method:  http.MethodGet, path: "/api/buckets/owners-bucket/objects",
			status: http.StatusForbidden, code: "AccessDenied", message: "Access Denied",
		},
		{
			name:    "another user's bucket: download",
			prepare: func(e *env) *browser { return e.signIn(s3test.Other) },
			method:  http.MethodGet, path: "/api/buckets/owners-bucket/object?key=secret.txt",
			status: http.StatusForbidden, code: "AccessDenied", message: "Access Denied",
		},
		{
			name:    "another user's bucket: CORS",
			prepare: func(e *env) *browser { return e.signIn(s3test.Other) },
			method:  http.MethodDelete, path: "/api/buckets/owners-bucket/cors",
			status: http.StatusForbidden, code: "AccessDenied", message: "Access Denied",
		},
		{
			name:    "another user's bucket: delete",
			prepare: func(e *env) *browser { return e.signIn(s3test.Other) },
			method:  http.MethodDelete, path: "/api/buckets/owners-bucket",
			status: http.StatusForbidden, code: "AccessDenied", message: "Access Denied",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := start(t, nil)
			e.direct(http.StatusOK, s3test.Request{Method: http.MethodPut, Path: "/owners-bucket", As: s3test.Owner})
			e.direct(http.StatusOK, s3test.Request{Method: http.MethodPut, Path: "/owners-bucket/secret.txt", Body: []byte("secret"), As: s3test.Owner})
			b := tt.prepare(e)
			res, body := b.send(tt.method, tt.path, tt.body, tt.header)
			wantError(t, res, body, tt.status, tt.code, tt.message)
			// Nothing changed: the bucket a refused request would have created is not there,
			// and the owner's bucket and object still are.
			e.direct(http.StatusNotFound, s3test.Request{Method: http.MethodHead, Path: "/refused-bucket", As: s3test.Owner})
			e.direct(http.StatusOK, s3test.Request{Method: http.MethodHead, Path: "/owners-bucket/secret.txt", As: s3test.Owner})
		})
	}
}

// rebound is the console's address under another host name.
func rebound(e *env) string {
	u, err := url.Parse(e.console.URL)
	if err != nil {
		e.t.Fatal(err)
	}
	return "rebound.example:" + u.Port()
}

// TestPlantedCookie: a page on another port of the host (any port shares the console's
// cookies) plants a cookie of the console's name with a longer path, which the browser sends
// first. The console's page neither loses its session to it nor acts as the planter's user.
func TestPlantedCookie(t *testing.T) {
	e := start(t, nil)
	e.direct(http.StatusOK, s3test.Request{Method: http.MethodPut, Path: "/owners-bucket", As: s3test.Owner})
	owner, planter := e.signIn(s3test.Owner), e.signIn(s3test.Other)
	cookies := map[string]string{"Cookie": "doorman_console=" + planter.cookie.Value + "; doorman_console=" + owner.cookie.Value}
	res, body := owner.send(http.MethodGet, "/api/buckets", nil, cookies)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"owners-bucket"`) {
		t.Fatalf("with a planted cookie first, the owner's page lists: %d %s", res.StatusCode, body)
	}
	res, body = owner.send(http.MethodPost, "/api/buckets", jsonOf(map[string]string{"name": "owners-second"}), cookies)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("with a planted cookie first, the owner's page creates: %d %s", res.StatusCode, body)
	}
	// The bucket is the owner's, not the planter's.
	e.direct(http.StatusOK, s3test.Request{Method: http.MethodHead, Path: "/owners-second", As: s3test.Owner})
	e.direct(http.StatusForbidden, s3test.Request{Method: http.MethodHead, Path: "/owners-second", As: s3test.Other})
	// A planted cookie alone, with the owner's token, is no session.
	res, body = owner.send(http.MethodGet, "/api/buckets", nil, map[string]string{"Cookie": "doorman_console=" + planter.cookie.Value})
	wantError(t, res, body, http.StatusUnauthorized, "NoSession", "")
}

// TestTokenInQuery: a download, which the page makes as a navigation, may carry the token as
// the csrf query parameter; with the right one it downloads.
func TestTokenInQuery(t *testing.T) {
	e := start(t, nil)
	e.direct(http.StatusOK, s3test.Request{Method: http.MethodPut, Path: "/owners-bucket", As: s3test.Owner})
	e.direct(http.StatusOK, s3test.Request{Method: http.MethodPut, Path: "/owners-bucket/secret.txt", Body: []byte("secret"), As: s3test.Owner})
	b := e.signIn(s3test.Owner)
	res, body := b.send(http.MethodGet, "/api/buckets/owners-bucket/object?key=secret.txt&csrf="+url.QueryEscape(b.csrf), nil,
		map[string]string{"X-CSRF-Token": "", "Origin": ""})
	if res.StatusCode != http.StatusOK || string(body) != "secret" {
		t.Fatalf("download with the token in the query: %d %s", res.StatusCode, body)
	}
}
