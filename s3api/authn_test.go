package s3api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// TestAuthentication sends a GET of a private object signed each way S3 accepts (SigV4 in the
// header or a presigned URL, SigV2 in the header or the query) and anonymously, rightly and
// wrongly, and checks the exact answer: the object, or S3's error code and, where AWS
// documents or clients match on it, its message.
func TestAuthentication(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/authn", As: s3test.Owner})
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/authn/k", Body: []byte("private"), As: s3test.Owner})

	const (
		skew = 20 * time.Minute // beyond the 15 minutes S3 allows between a request's date and its own clock
		week = 7 * 24 * time.Hour
	)
	wrongSecret := s3test.Account{Name: "wrong secret", AccessKey: s3test.Owner.AccessKey, SecretKey: "not-the-secret"}
	unknownKey := s3test.Account{Name: "unknown key", AccessKey: "AKIDNOSUCHKEY", SecretKey: "whatever"}
	const (
		mismatch = "The request signature we calculated does not match the signature you provided. Check your key and signing method."
		noKey    = "The AWS Access Key Id you provided does not exist in our records."
		skewed   = "The difference between the request time and the current time is too large."
		expired  = "Request has expired"
	)
	now := time.Now()
	for _, tc := range []struct {
		name          string
		r             s3test.Request
		status        int
		code, message string // "" for a success
	}{
		{"SigV4 header", s3test.Request{As: s3test.Owner}, 200, "", ""},
		{"SigV4 header, other account", s3test.Request{As: s3test.Other}, 403, "AccessDenied", "Access Denied"},
		{"SigV4 header, wrong secret", s3test.Request{As: wrongSecret}, 403, "SignatureDoesNotMatch", mismatch},
		{"SigV4 header, unknown key", s3test.Request{As: unknownKey}, 403, "InvalidAccessKeyId", noKey},
		{"SigV4 header, signed long ago", s3test.Request{As: s3test.Owner, At: now.Add(-skew)}, 403, "RequestTimeTooSkewed", skewed},
		{"SigV4 header, signed ahead", s3test.Request{As: s3test.Owner, At: now.Add(skew)}, 403, "RequestTimeTooSkewed", skewed},
		{"SigV4 header, wrong region", s3test.Request{As: s3test.Owner, Region: "us-west-2"}, 400, "AuthorizationHeaderMalformed",
			"The authorization header is malformed; the region 'us-west-2' is wrong; expecting 'us-east-1'"},
		{"SigV4 header, signed header changed", s3test.Request{As: s3test.Owner, Header: http.Header{"X-Amz-Meta-Signed": {"a"}},
			Tamper: func(r *http.Request) { r.Header.Set("X-Amz-Meta-Signed", "b") }}, 403, "SignatureDoesNotMatch", mismatch},
		{"SigV4 header, signature changed", s3test.Request{As: s3test.Owner, Tamper: func(r *http.Request) {
			r.Header.Set("Authorization", r.Header.Get("Authorization")[:len(r.Header.Get("Authorization"))-4]+"0000")
		}}, 403, "SignatureDoesNotMatch", mismatch},

		{"SigV4 header without x-amz-content-sha256", s3test.Request{As: s3test.Owner, Tamper: func(r *http.Request) { r.Header.Del("X-Amz-Content-Sha256") }},
			400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256"},

		{"SigV4 presigned", s3test.Request{As: s3test.Owner, Auth: s3test.SigV4Query}, 200, "", ""},
		{"SigV4 presigned, expired", s3test.Request{As: s3test.Owner, Auth: s3test.SigV4Query, At: now.Add(-2 * time.Minute), Expires: time.Minute}, 403, "AccessDenied", expired},
		{"SigV4 presigned, dated in the future", s3test.Request{As: s3test.Owner, Auth: s3test.SigV4Query, At: now.Add(skew)}, 403, "AccessDenied", "Request is not yet valid"},
		{"SigV4 presigned, wrong secret", s3test.Request{As: wrongSecret, Auth: s3test.SigV4Query}, 403, "SignatureDoesNotMatch", mismatch},
		{"SigV4 presigned, unknown key", s3test.Request{As: unknownKey, Auth: s3test.SigV4Query}, 403, "InvalidAccessKeyId", noKey},
		{"SigV4 presigned, wrong region", s3test.Request{As: s3test.Owner, Auth: s3test.SigV4Query, Region: "eu-west-1"}, 400, "AuthorizationQueryParametersError",
			"Error parsing the X-Amz-Credential parameter; the region 'eu-west-1' is wrong; expecting 'us-east-1'"},
		{"SigV4 presigned for more than a week", s3test.Request{As: s3test.Owner, Auth: s3test.SigV4Query, Expires: week + time.Second}, 400, "AuthorizationQueryParametersError",
			"X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"},
		{"SigV4 presigned, an x-amz header added", s3test.Request{As: s3test.Owner, Auth: s3test.SigV4Query,
			Tamper: func(r *http.Request) { r.Header.Set("X-Amz-Meta-Added", "x") }}, 403, "AccessDenied", "There were headers present in the request which were not signed"},
		{"SigV4 presigned, query changed", s3test.Request{As: s3test.Owner, Auth: s3test.SigV4Query,
			Tamper: func(r *http.Request) { r.URL.RawQuery += "&response-content-type=text/html" }}, 403, "SignatureDoesNotMatch", mismatch},

		{"SigV2 header", s3test.Request{As: s3test.Owner, Auth: s3test.SigV2}, 200, "", ""},
		{"SigV2 header, wrong secret", s3test.Request{As: wrongSecret, Auth: s3test.SigV2}, 403, "SignatureDoesNotMatch", ""},
		{"SigV2 header, unknown key", s3test.Request{As: unknownKey, Auth: s3test.SigV2}, 403, "InvalidAccessKeyId", noKey},
		{"SigV2 header, dated long ago", s3test.Request{As: s3test.Owner, Auth: s3test.SigV2, At: now.Add(-skew)}, 403, "RequestTimeTooSkewed", skewed},
		{"SigV2 query", s3test.Request{As: s3test.Owner, Auth: s3test.SigV2Query}, 200, "", ""},
		{"SigV2 query, expired", s3test.Request{As: s3test.Owner, Auth: s3test.SigV2Query, At: now.Add(-2 * time.Minute), Expires: time.Minute}, 403, "AccessDenied", expired},
		{"SigV2 query, wrong secret", s3test.Request{As: wrongSecret, Auth: s3test.SigV2Query}, 403, "SignatureDoesNotMatch", ""},
		{"SigV2 query, unknown key", s3test.Request{As: unknownKey, Auth: s3test.SigV2Query}, 403, "InvalidAccessKeyId", noKey},

		{"anonymous", s3test.Request{}, 403, "AccessDenied", "Access Denied"},
		{"another scheme", s3test.Request{Header: http.Header{"Authorization": {"Bearer token"}}}, 400, "InvalidArgument", "Unsupported Authorization Type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := tc.r
			r.Method, r.Path = "GET", "/authn/k"
			res, body := srv.Do(t, r)
			if tc.code != "" {
				s3test.WantError(t, "answer", res, body, tc.status, tc.code, tc.message)
			} else if res.StatusCode != tc.status || string(body) != "private" {
				t.Errorf("status %d, want %d\n%s", res.StatusCode, tc.status, body)
			}
		})
	}

	// ListBuckets is for accounts only.
	for _, as := range []s3test.Account{s3test.Owner, s3test.Anonymous} {
		res, body := srv.Do(t, s3test.Request{Method: "GET", Path: "/", As: as})
		if as.IsAnonymous() {
			s3test.WantError(t, "anonymous ListBuckets", res, body, 403, "AccessDenied", "Access Denied")
		} else if res.StatusCode != 200 {
			t.Errorf("ListBuckets as %s: %d\n%s", as.Name, res.StatusCode, body)
		}
	}
}
