// Package sigv2 verifies AWS Signature Version 2 on incoming S3 requests: the
// "Authorization: AWS AccessKeyId:Signature" header and presigned URLs carrying AWSAccessKeyId,
// Expires and Signature. AWS has deprecated it, but older tools and libraries still sign this
// way, and aws-sdk-go-v2 does not implement it at all, neither to sign nor to verify.
//
// The signature is a base64 HMAC-SHA1 over
//
//	Method\nContent-MD5\nContent-Type\nDate\nCanonicalizedAmzHeaders CanonicalizedResource
//
// where Date is empty when x-amz-date is present (it is then signed among the x-amz-* headers)
// and is the Expires value for a presigned URL. The canonical resource is the escaped path as
// sent, prefixed with /bucket for a virtual-hosted request, followed by the S3 sub-resources
// found in the query string. Since the addressing style and the query's meaning are decided by
// the server's router, the caller passes its view of the request (a Target) to Verify: the
// sub-resources signed are the ones the router acts on, however their names were escaped.
package sigv2

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/s3api/internal/sigv4"
)

// MaxSkew is how far the date of a header-signed request may be from the server's clock.
const MaxSkew = 15 * time.Minute

const serverTime = "2006-01-02T15:04:05Z"

// subResources are the query parameters that are part of the canonical resource: those S3
// documents plus those current clients sign.
//
// Clients disagree on some of them (optionalSubResources); a request naming one verifies
// signed either way.
var subResources = map[string]bool{
	"accelerate": true, "acl": true, "analytics": true, "cors": true, "defaultObjectAcl": true,
	"delete": true, "encryption": true, "intelligent-tiering": true, "inventory": true,
	"legal-hold": true, "lifecycle": true, "location": true, "logging": true, "metrics": true,
	"notification": true, "object-lock": true, "ownershipControls": true, "partNumber": true,
	"policy": true, "policyStatus": true, "publicAccessBlock": true, "replication": true,
	"requestPayment": true, "response-cache-control": true, "response-content-disposition": true,
	"response-content-encoding": true, "response-content-language": true,
	"response-content-type": true, "response-expires": true, "restore": true, "retention": true,
	"select": true, "select-type": true, "storageClass": true, "tagging": true, "torrent": true,
	"uploadId": true, "uploads": true, "versionId": true, "versioning": true, "versions": true,
	"website": true,
}

// optionalSubResources are sub-resources that minio-go signs and botocore, AWS's own SDK,
// does not (its HmacV1Auth.QSAOfInterest leaves them out), so a SigV2 GetBucketEncryption or
// DeletePublicAccessBlock from boto3 or the AWS CLI is signed without them. Amazon S3 accepts
// botocore's signatures, so a request naming one verifies with it in the canonical resource
// or without it. [UNVERIFIED: AWS publishes no list beyond
// https://docs.aws.amazon.com/AmazonS3/latest/API/Appendix-Sigv2.html, which names none of
// them; botocore's signing is the record of what S3 accepts.]
var optionalSubResources = map[string]bool{
	"encryption": true, "intelligent-tiering": true, "legal-hold": true, "ownershipControls": true,
	"policyStatus": true, "publicAccessBlock": true, "retention": true,
}

// Credentials looks up the secret key of an access key.
type Credentials interface {
	SecretKey(accessKey string) (secret string, ok bool)
}

// Verifier checks SigV2 requests. It is safe for concurrent use.
type Verifier struct {
	creds Credentials
	now   func() time.Time
}

// New returns a Verifier; now is the server's clock, nil meaning time.Now.
func New(creds Credentials, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	return &Verifier{creds: creds, now: now}
}

// Result describes an authenticated request. SigV2 does not cover the body, so the request
// body is read as is.
type Result struct {
	AccessKey string
	Presigned bool
}

// Target is what a request addresses, as the server's router reads it.
type Target struct {
	// Query is the decoded query string the router acts on.
	Query url.Values
	// VirtualBucket is the bucket named by the host of a virtual-hosted request, empty for a
	// path-style one.
	VirtualBucket string
	// BucketLevel is set when the request addresses a bucket rather than an object.
	BucketLevel bool
}

// IsSigV2 reports whether r, with its decoded query q, claims Signature Version 2, so that a
// server can route it here.
func IsSigV2(r *http.Request, q url.Values) bool {
	if strings.HasPrefix(r.Header.Get("Authorization"), "AWS ") {
		return true
	}
	return q.Has("AWSAccessKeyId") && q.Has("Signature")
}

// Verify authenticates r, addressing t. Errors are *s3err.Error values with AWS's codes and
// messages.
func (v *Verifier) Verify(r *http.Request, target Target) (*Result, error) {
	c, err := readCredentials(r, target.Query)
	if err != nil {
		return nil, err
	}
	secret, ok := v.creds.SecretKey(c.accessKey)
	if !ok {
		return nil, s3err.InvalidAccessKeyID.With("AWSAccessKeyId", c.accessKey)
	}
	// The server issues no session tokens, so any token is invalid, as the SigV4 verifier
	// answers it; accepting it would ignore what the client's credentials say.
	if tok, ok := sessionToken(r, target.Query); ok {
		return nil, s3err.InvalidToken.With("Token-0", s3err.Echo(tok))
	}
	if err := checkSignature(r, target, &c, secret); err != nil {
		return nil, err
	}
	now := v.now().UTC()
	if c.presigned {
		if exp := time.Unix(c.expires, 0).UTC(); now.After(exp) {
			return nil, s3err.AccessDenied.Withf("Request has expired").
				With("Expires", exp.Format(serverTime)).
				With("ServerTime", now.Format(serverTime))
		}
		return &Result{AccessKey: c.accessKey, Presigned: true}, nil
	}
	if err := checkDate(r, now); err != nil {
		return nil, err
	}
	return &Result{AccessKey: c.accessKey}, nil
}

// credentials are what a request says of its signature: the access key, the signature, the
// date the string to sign carries and, for a presigned URL, its expiry.
type credentials struct {
	accessKey, signature, date string
	presigned                  bool
	expires                    int64
}

// readCredentials reads the credentials of a presigned URL's query or of an Authorization
// header, which may not come together.
func readCredentials(r *http.Request, q url.Values) (c credentials, err error) {
	authz := r.Header.Get("Authorization")
	c.presigned = q.Has("Signature") || q.Has("AWSAccessKeyId") || q.Has("Expires")
	switch {
	case c.presigned && authz != "":
		return c, s3err.InvalidArgument.Withf("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified").
			With("ArgumentName", "Authorization").With("ArgumentValue", authz)
	case c.presigned:
		c.accessKey, c.signature = q.Get("AWSAccessKeyId"), q.Get("Signature")
		c.date = q.Get("Expires")
		c.expires, err = strconv.ParseInt(c.date, 10, 64)
		if c.accessKey == "" || c.signature == "" || err != nil {
			return c, s3err.AuthorizationQueryParametersError
		}
		// An unescaped '+' in the query arrives as a space.
		c.signature = strings.ReplaceAll(c.signature, " ", "+")
	case authz != "":
		if c.accessKey, c.signature, err = ParseHeader(authz); err != nil {
			return c, err
		}
		if r.Header.Get("X-Amz-Date") == "" {
			c.date = r.Header.Get("Date")
		}
	default:
		return c, s3err.AccessDenied
	}
	return c, nil
}

// checkSignature compares the signature with the ones secret makes of the request, under
// each canonical resource it may have been signed for.
func checkSignature(r *http.Request, target Target, c *credentials, secret string) error {
	got, err := base64.StdEncoding.DecodeString(c.signature)
	head, subs := stringToSignParts(r, c.date, target.Query)
	resources := canonicalResources(r, target)
	for _, res := range resources {
		for _, sub := range subs {
			if err == nil && hmac.Equal(hmacSHA1(secret, head+res+sub), got) {
				return nil
			}
		}
	}
	sts := head + resources[0] + subs[0]
	return s3err.SignatureDoesNotMatch.
		With("AWSAccessKeyId", c.accessKey).
		With("StringToSign", s3err.Echo(sts)).
		With("SignatureProvided", s3err.Echo(c.signature)).
		With("StringToSignBytes", s3err.SpacedHex(s3err.Echo(sts)))
}

// checkDate checks the date of a signed request (x-amz-date, else Date) against the clock.
func checkDate(r *http.Request, now time.Time) error {
	raw := r.Header.Get("X-Amz-Date")
	if raw == "" {
		raw = r.Header.Get("Date")
	}
	t, ok := parseDate(raw)
	if !ok {
		return s3err.AccessDenied.Withf("AWS authentication requires a valid Date or x-amz-date header")
	}
	if d := now.Sub(t); d > MaxSkew || d < -MaxSkew {
		return s3err.RequestTimeTooSkewed.
			With("RequestTime", raw).
			With("ServerTime", now.Format(serverTime)).
			With("MaxAllowedSkewMilliseconds", strconv.FormatInt(MaxSkew.Milliseconds(), 10))
	}
	return nil
}

// ParseHeader splits an "AWS AccessKeyId:Signature" Authorization value.
func ParseHeader(authz string) (accessKey, signature string, err error) {
	rest, ok := strings.CutPrefix(authz, "AWS ")
	if ok {
		accessKey, signature, ok = strings.Cut(strings.TrimSpace(rest), ":")
	}
	if !ok || accessKey == "" || signature == "" {
		return "", "", s3err.InvalidArgument.Withf("AWS authorization header is invalid.  Expected AwsAccessKeyId:signature").
			With("ArgumentName", "Authorization").With("ArgumentValue", s3err.Echo(authz))
	}
	return accessKey, signature, nil
}

func hmacSHA1(secret, sts string) []byte {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(sts))
	return m.Sum(nil)
}

// StringToSign builds the SigV2 string to sign of r addressing t, with date in the Date
// position (the Date header, empty when x-amz-date is present, or Expires for a presigned URL).
func StringToSign(r *http.Request, date string, t Target) string {
	head, subs := stringToSignParts(r, date, t.Query)
	return head + canonicalResources(r, t)[0] + subs[0]
}

// canonicalResources returns the path part of the canonical resource: the escaped path as
// sent, prefixed with /bucket for a virtual-hosted request. A bucket-level request verifies
// with or without a trailing slash: clients sign a path-style bucket both ways (botocore adds
// the slash to "/bucket", minio-go signs "/bucket" as sent) and Amazon S3 accepts both. Both
// name the same bucket, so accepting either widens nothing. The path as sent comes first.
func canonicalResources(r *http.Request, t Target) []string {
	p := sigv4.RequestPath(r)
	if t.VirtualBucket != "" {
		p = "/" + t.VirtualBucket + p
	}
	if !t.BucketLevel || p == "/" {
		return []string{p}
	}
	if alt, ok := strings.CutSuffix(p, "/"); ok {
		return []string{p, alt}
	}
	return []string{p, p + "/"}
}

// stringToSignParts returns what comes before the canonical resource's path (the method, the
// standard headers and the x-amz-* headers) and what may come after it: the sub-resources of
// q, sorted by name, with their decoded values; then, when q names an optional sub-resource,
// the same without the optional ones.
func stringToSignParts(r *http.Request, date string, q url.Values) (head string, subs []string) {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(strings.TrimSpace(r.Header.Get("Content-Md5")))
	b.WriteByte('\n')
	b.WriteString(strings.TrimSpace(r.Header.Get("Content-Type")))
	b.WriteByte('\n')
	b.WriteString(date)
	b.WriteByte('\n')

	var names []string
	for name := range r.Header {
		if len(name) > 6 && strings.EqualFold(name[:6], "x-amz-") {
			names = append(names, name)
		}
	}
	slices.SortFunc(names, func(x, y string) int { return strings.Compare(strings.ToLower(x), strings.ToLower(y)) })
	for _, name := range names {
		b.WriteString(strings.ToLower(name))
		b.WriteByte(':')
		for i, v := range r.Header[name] {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strings.TrimSpace(v))
		}
		b.WriteByte('\n')
	}
	head = b.String()

	all := subResourceString(q, func(name string) bool { return subResources[name] })
	required := subResourceString(q, func(name string) bool { return subResources[name] && !optionalSubResources[name] })
	if required == all {
		return head, []string{all}
	}
	return head, []string{all, required}
}

// subResourceString is the sub-resources of q that signed selects, as they follow the path.
func subResourceString(q url.Values, signed func(name string) bool) string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if !signed(name) {
			continue
		}
		for _, v := range q[name] {
			if b.Len() == 0 {
				b.WriteByte('?')
			} else {
				b.WriteByte('&')
			}
			b.WriteString(name)
			if v != "" {
				b.WriteByte('=')
				b.WriteString(v)
			}
		}
	}
	return b.String()
}

func parseDate(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC1123, time.RFC1123Z, time.RFC850, time.ANSIC} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// sessionToken finds a session token in the headers or, for a presigned URL, the query.
func sessionToken(r *http.Request, q url.Values) (string, bool) {
	if v := r.Header.Values("X-Amz-Security-Token"); len(v) > 0 {
		return v[0], true
	}
	if v, ok := q["x-amz-security-token"]; ok && len(v) > 0 {
		return v[0], true
	}
	return "", false
}
