package sigv4

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/awsxml"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
)

// want is an expected outcome: a zero want is success.
type want struct {
	status  int
	code    string
	message string
	extra   []awsxml.Field
}

func (w want) check(t *testing.T, err error) {
	t.Helper()
	if w.code == "" {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	var e *s3err.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want %s", err, w.code)
	}
	if e.Status != w.status || e.Code != w.code || e.Message != w.message {
		t.Fatalf("got %d %s %q\nwant %d %s %q", e.Status, e.Code, e.Message, w.status, w.code, w.message)
	}
	if w.extra != nil && !slices.Equal(e.Extra, w.extra) {
		t.Fatalf("extra %q, want %q", e.Extra, w.extra)
	}
}

func fields(kv ...string) []awsxml.Field {
	var f []awsxml.Field
	for i := 0; i < len(kv); i += 2 {
		f = append(f, awsxml.Field{Name: kv[i], Value: kv[i+1]})
	}
	return f
}

func malformedWant(detail string, extra ...string) want {
	return want{400, "AuthorizationHeaderMalformed", "The authorization header is malformed; " + detail, fields(extra...)}
}

func queryWant(msg string, extra ...string) want {
	return want{400, "AuthorizationQueryParametersError", msg, fields(extra...)}
}

func editAuthz(old, new string) func(*http.Request) {
	return func(r *http.Request) {
		r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
	}
}

func setHeader(name, value string) func(*http.Request) {
	return func(r *http.Request) {
		if value == "" {
			r.Header.Del(name)
		} else {
			r.Header.Set(name, value)
		}
	}
}

func TestHeaderErrors(t *testing.T) {
	const scope = "/20130524/us-east-1/s3/aws4_request"
	components := malformedWant("the authorization header requires three components: Credential, SignedHeaders, and Signature.")
	noDate := want{403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header", nil}
	cases := []struct {
		name string
		edit func(*http.Request)
		want want
	}{
		{"unchanged", func(*http.Request) {}, want{}},
		{"signature in upper case", func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:len(a)-64]+strings.ToUpper(a[len(a)-64:]))
		}, want{}},
		{"no Credential", editAuthz("Credential="+testAK+scope+", ", ""), components},
		{"no Signature", func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:strings.Index(a, ", Signature=")])
		}, components},
		{"unknown component", editAuthz("SignedHeaders=", "Foo=bar, SignedHeaders="), malformedWant(`the authorization component "Foo=bar" is malformed.`)},
		{"credential of four parts", editAuthz("/us-east-1/", "/"), malformedWant(`the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`)},
		{"empty access key", editAuthz("Credential="+testAK, "Credential="), malformedWant("a non-empty Access Key (AKID) must be provided in the credential.")},
		{"scope date of seven digits", editAuthz("/20130524/", "/2013052/"), malformedWant(`incorrect date format "2013052". This date in the credential must be in the format "yyyyMMdd".`)},
		{"wrong region", editAuthz("/us-east-1/", "/us-west-2/"), malformedWant("the region 'us-west-2' is wrong; expecting 'us-east-1'", "Region", "us-east-1")},
		{"another service", editAuthz("/s3/", "/ec2/"), malformedWant(`incorrect service "ec2". This endpoint belongs to "s3".`)},
		{"another terminal", editAuthz("aws4_request", "aws4_reques"), malformedWant(`incorrect terminal "aws4_reques". This endpoint uses "aws4_request".`)},
		{"scope date not the request date", editAuthz("/20130524/", "/20130523/"), malformedWant(`Invalid credential date "20130523". This date is not the same as X-Amz-Date: "20130524".`)},
		{"no x-amz-date", setHeader("X-Amz-Date", ""), noDate},
		{"x-amz-date in another format", setHeader("X-Amz-Date", "2013-05-24T00:00:00Z"), noDate},
		{"no x-amz-content-sha256", setHeader("X-Amz-Content-Sha256", ""), want{400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256", nil}},
		{"x-amz-content-sha256 not a hash", setHeader("X-Amz-Content-Sha256", "abc"), want{400, "InvalidArgument",
			"x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.",
			fields("ArgumentName", "x-amz-content-sha256", "ArgumentValue", "abc")}},
		{"unsigned x-amz header", setHeader("X-Amz-Meta-Color", "red"), want{403, "AccessDenied", "There were headers present in the request which were not signed", fields("HeadersNotSigned", "x-amz-meta-color")}},
		{"host not signed", editAuthz("SignedHeaders=host;", "SignedHeaders="), want{403, "AccessDenied", "There were headers present in the request which were not signed", fields("HeadersNotSigned", "host")}},
		{"unknown access key", editAuthz(testAK, "AKIAUNKNOWN"), want{403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", fields("AWSAccessKeyId", "AKIAUNKNOWN")}},
		{"security token", func(r *http.Request) {
			r.Header.Set("X-Amz-Security-Token", "tok")
			editAuthz("x-amz-date,", "x-amz-date;x-amz-security-token,")(r)
		}, want{400, "InvalidToken", "The provided token is malformed or otherwise invalid.", fields("Token-0", "tok")}},
		{"presigned parameters too", func(r *http.Request) { r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256" }, want{400, "InvalidArgument",
			"Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified", nil}},
		{"another algorithm", editAuthz("AWS4-HMAC-SHA256 ", "AWS4-ECDSA-P256-SHA256 "), want{400, "InvalidArgument", "Unsupported Authorization Type", nil}},
		{"short signature", func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:len(a)-2])
		}, want{403, "SignatureDoesNotMatch", s3err.SignatureDoesNotMatch.Message, nil}},
	}
	v := testVerifier(t0)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := signHeader(t, shapes[0].request(t, ""), t0)
			c.edit(r)
			_, err := v.Verify(r)
			c.want.check(t, err)
		})
	}
}

func TestHeaderTime(t *testing.T) {
	skewed := func(requestTime string) want {
		return want{403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.",
			fields("RequestTime", requestTime, "ServerTime", "2013-05-24T00:00:00Z", "MaxAllowedSkewMilliseconds", "900000")}
	}
	cases := []struct {
		offset time.Duration
		edit   func(*http.Request)
		want   want
	}{
		{-900 * time.Second, nil, want{}},
		{900 * time.Second, nil, want{}},
		{-901 * time.Second, nil, skewed("20130523T234459Z")},
		{901 * time.Second, nil, skewed("20130524T001501Z")},
		// The signature and the access key are checked before the time.
		{901 * time.Second, setHeader("Range", "bytes=1-2"), want{403, "SignatureDoesNotMatch", s3err.SignatureDoesNotMatch.Message, nil}},
		{901 * time.Second, editAuthz(testAK, "AKIAUNKNOWN"), want{403, "InvalidAccessKeyId", s3err.InvalidAccessKeyID.Message, nil}},
	}
	v := testVerifier(t0)
	for _, c := range cases {
		sh := shapes[0]
		sh.headers = http.Header{"Range": {"bytes=0-1"}}
		r := signHeader(t, sh.request(t, ""), t0.Add(c.offset))
		if c.edit != nil {
			c.edit(r)
		}
		_, err := v.Verify(r)
		c.want.check(t, err)
	}
}

func setQuery(name, value string) func(*http.Request) {
	return func(r *http.Request) {
		q := r.URL.Query()
		if value == "" {
			q.Del(name)
		} else {
			q.Set(name, value)
		}
		r.URL.RawQuery = q.Encode()
	}
}

func TestPresignedErrors(t *testing.T) {
	required := queryWant("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
	mismatchWant := want{403, "SignatureDoesNotMatch", s3err.SignatureDoesNotMatch.Message, nil}
	cases := []struct {
		name string
		edit func(*http.Request)
		want want
	}{
		{"unchanged", func(*http.Request) {}, want{}},
		{"parameter names in other case", func(r *http.Request) {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Signature=", "x-amz-SIGNATURE=", 1)
		}, want{}},
		{"another algorithm", setQuery("X-Amz-Algorithm", "AWS4-HMAC-SHA1"), queryWant(`X-Amz-Algorithm only supports "AWS4-HMAC-SHA256 and AWS4-ECDSA-P256-SHA256"`)},
		{"X-Amz-Date in another format", setQuery("X-Amz-Date", "2013-05-24T00:00:00Z"), queryWant(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`)},
		{"X-Amz-Expires over a week", setQuery("X-Amz-Expires", "604801"), queryWant("X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds")},
		{"X-Amz-Expires negative", setQuery("X-Amz-Expires", "-1"), queryWant("X-Amz-Expires must be non-negative")},
		{"X-Amz-Expires not a number", setQuery("X-Amz-Expires", "1h"), queryWant("X-Amz-Expires should be a number")},
		{"another service", setQuery("X-Amz-Credential", testAK+"/20130524/us-east-1/ec2/aws4_request"),
			queryWant(`Error parsing the X-Amz-Credential parameter; incorrect service "ec2". This endpoint belongs to "s3".`)},
		{"malformed credential", setQuery("X-Amz-Credential", testAK+"/20130524/us-east-1/s3"),
			queryWant(`Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`)},
		{"wrong region", setQuery("X-Amz-Credential", testAK+"/20130524/eu-west-1/s3/aws4_request"),
			queryWant("Error parsing the X-Amz-Credential parameter; the region 'eu-west-1' is wrong; expecting 'us-east-1'", "Region", "us-east-1")},
		{"unknown access key", setQuery("X-Amz-Credential", "AKIAUNKNOWN/20130524/us-east-1/s3/aws4_request"),
			want{403, "InvalidAccessKeyId", s3err.InvalidAccessKeyID.Message, fields("AWSAccessKeyId", "AKIAUNKNOWN")}},
		{"security token", setQuery("X-Amz-Security-Token", "tok"), want{400, "InvalidToken", s3err.InvalidToken.Message, fields("Token-0", "tok")}},
		{"parameter names in lower case", func(r *http.Request) {
			r.URL.RawQuery = strings.ReplaceAll(r.URL.RawQuery, "X-Amz-", "x-amz-")
		}, mismatchWant},
		{"signature of 2 digits", setQuery("X-Amz-Signature", "00"), mismatchWant},
		{"unsigned x-amz header", setHeader("X-Amz-Meta-Size", "1"), want{403, "AccessDenied", "There were headers present in the request which were not signed", fields("HeadersNotSigned", "x-amz-meta-size")}},
	}
	for _, name := range []string{"Algorithm", "Credential", "Signature", "Date", "SignedHeaders", "Expires"} {
		cases = append(cases, struct {
			name string
			edit func(*http.Request)
			want want
		}{"no X-Amz-" + name, setQuery("X-Amz-"+name, ""), required})
	}
	v := testVerifier(t0)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := presign(t, shapes[0].request(t, ""), t0, "60")
			c.edit(r)
			_, err := v.Verify(r)
			c.want.check(t, err)
		})
	}
}

func TestPresignedTime(t *testing.T) {
	expired := func(expires, at, server string) want {
		return want{403, "AccessDenied", "Request has expired", fields("X-Amz-Expires", expires, "Expires", at, "ServerTime", server)}
	}
	cases := []struct {
		name     string
		signedAt time.Duration
		expires  string
		now      time.Duration
		edit     func(*http.Request)
		want     want
	}{
		{"at the end of the last second", 0, "60", 60 * time.Second, nil, want{}},
		{"one millisecond after the end", 0, "60", 60*time.Second + time.Millisecond, nil, expired("60", "2013-05-24T00:01:00Z", "2013-05-24T00:01:00Z")},
		{"a day later", 0, "60", 24 * time.Hour, nil, expired("60", "2013-05-24T00:01:00Z", "2013-05-25T00:00:00Z")},
		{"at the end of 7 days", 0, "604800", 7 * 24 * time.Hour, nil, want{}},
		{"after 7 days", 0, "604800", 7*24*time.Hour + time.Second, nil, expired("604800", "2013-05-31T00:00:00Z", "2013-05-31T00:00:01Z")},
		{"X-Amz-Expires=0", 0, "0", 0, nil, expired("0", "2013-05-24T00:00:00Z", "2013-05-24T00:00:00Z")},
		{"15 minutes before X-Amz-Date", 900 * time.Second, "60", 0, nil, want{}},
		{"more than 15 minutes before X-Amz-Date", 901 * time.Second, "60", 0, nil, want{403, "AccessDenied", "Request is not yet valid",
			fields("X-Amz-Date", "20130524T001501Z", "ServerTime", "2013-05-24T00:00:00Z")}},
		{"expired with a bad signature", 0, "60", time.Hour, setQuery("X-Amz-Signature", "00"), want{403, "SignatureDoesNotMatch", s3err.SignatureDoesNotMatch.Message, nil}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := presign(t, shapes[0].request(t, ""), t0.Add(c.signedAt), c.expires)
			if c.edit != nil {
				c.edit(r)
			}
			_, err := testVerifier(t0.Add(c.now)).Verify(r)
			c.want.check(t, err)
		})
	}
}

func TestAnyRegion(t *testing.T) {
	v := New(Config{Credentials: StaticCredentials{testAK: testSecret}, Now: func() time.Time { return t0 }})
	for _, region := range []string{"us-east-1", "eu-west-1", "auto"} {
		r := shapes[1].request(t, "")
		if err := s3Signer.SignHTTP(t.Context(), testCreds, r, r.Header.Get("X-Amz-Content-Sha256"), "s3", region, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(wire(t, r)); err != nil {
			t.Fatalf("%s: %v", region, err)
		}
	}
}

func TestNoCredentials(t *testing.T) {
	r := wire(t, &http.Request{Method: "GET", URL: &url.URL{Scheme: "http", Host: "h", Path: "/"}, Header: http.Header{}, Host: "h"})
	if IsSigV4(r) {
		t.Fatal("anonymous request recognised as SigV4")
	}
	want{403, "AccessDenied", "Access Denied", nil}.check(t, func() error { _, err := testVerifier(t0).Verify(r); return err }())
}
