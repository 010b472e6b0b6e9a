package sigv4

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/doorman-s3/doorman/internal/awsxml"
	"github.com/doorman-s3/doorman/s3api/internal/checksum"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
)

const (
	algorithm = "AWS4-HMAC-SHA256"
	service   = "s3"
	terminal  = "aws4_request"

	// MaxExpires is the longest validity of a presigned URL, in seconds (7 days).
	MaxExpires = 604800
	// MaxSkew is how far the time of a header-signed request may be from the server's clock.
	MaxSkew = 15 * time.Minute

	amzDateFormat   = "20060102T150405Z"
	scopeDateFormat = "20060102"
	serverTime      = "2006-01-02T15:04:05Z"
)

// The x-amz-content-sha256 values other than a hex digest.
const (
	UnsignedPayload                 = "UNSIGNED-PAYLOAD"
	StreamingPayload                = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	StreamingPayloadTrailer         = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	StreamingUnsignedPayloadTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// Payload is how the body of a verified request is authenticated.
type Payload uint8

// The payload modes.
const (
	PayloadSigned                   Payload = iota // hex SHA-256 in x-amz-content-sha256
	PayloadUnsigned                                // UNSIGNED-PAYLOAD
	PayloadStreaming                               // STREAMING-AWS4-HMAC-SHA256-PAYLOAD
	PayloadStreamingTrailer                        // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
	PayloadStreamingUnsignedTrailer                // STREAMING-UNSIGNED-PAYLOAD-TRAILER
)

// Chunked reports whether the body is aws-chunked.
func (p Payload) Chunked() bool { return p >= PayloadStreaming }

// Credentials looks up the secret key of an access key.
type Credentials interface {
	SecretKey(accessKey string) (secret string, ok bool)
}

// StaticCredentials maps access keys to secret keys.
type StaticCredentials map[string]string

// SecretKey implements Credentials.
func (c StaticCredentials) SecretKey(accessKey string) (string, bool) {
	s, ok := c[accessKey]
	return s, ok
}

// Config configures a Verifier.
type Config struct {
	Credentials Credentials
	// Region is the region credentials must be scoped to; a request scoped to another one
	// fails as AWS fails it, naming the expected region. Empty accepts any region, which suits
	// a single-site server whose clients may be configured with any region name.
	Region string
	// Now is the server's clock; nil means time.Now.
	Now func() time.Time
}

// Verifier checks SigV4 requests. It is safe for concurrent use.
type Verifier struct {
	creds  Credentials
	region string
	now    func() time.Time
	keys   keyCache
}

// New returns a Verifier for c.
func New(c Config) *Verifier {
	now := c.Now
	if now == nil {
		now = time.Now
	}
	return &Verifier{creds: c.Credentials, region: c.Region, now: now}
}

// Result describes an authenticated request.
type Result struct {
	AccessKey string
	Presigned bool
	// SignedAt is the signing time the signature covers (X-Amz-Date, or Date).
	SignedAt time.Time
	Payload  Payload
	// DecodedLength is the object size declared by x-amz-decoded-content-length for an
	// aws-chunked body, and -1 otherwise.
	DecodedLength int64
	// Body is what the handler reads the object from instead of the request body: decoded
	// from aws-chunked and verified against the payload hash, chunk signatures and trailing
	// checksum. Only a Read returning io.EOF vouches for the bytes read before it.
	Body io.Reader

	chunked *chunkedReader
}

// TrailingChecksum returns the checksum received in the trailer of an aws-chunked body, once
// Body has returned io.EOF; it has already been checked against the decoded bytes.
func (r *Result) TrailingChecksum() (checksum.Checksum, bool) {
	if r.chunked == nil || !r.chunked.done || r.chunked.got.Algorithm == "" {
		return checksum.Checksum{}, false
	}
	return r.chunked.got, true
}

// presignParams are the query parameters that make a request a presigned one.
var presignParams = [...]string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature"}

// IsSigV4 reports whether r claims Signature Version 4, in the Authorization header or as a
// presigned URL, so that a server can route it here.
func IsSigV4(r *http.Request) bool {
	if strings.HasPrefix(r.Header.Get("Authorization"), algorithm+" ") {
		return true
	}
	var name []byte
	for raw := range queryParams(r.URL.RawQuery) {
		name = appendDecoded(name[:0], raw)
		for _, p := range presignParams {
			if bytes.EqualFold(name, []byte(p)) {
				return true
			}
		}
	}
	return false
}

// request is what a request claims about its signature.
type request struct {
	presigned     bool
	accessKey     string
	scopeDate     string
	region        string
	amzDate       string
	time          time.Time
	expires       int64
	signedHeaders string
	signature     string
	payload       string
}

// Verify authenticates r. On success the handler must read the body from Result.Body. The
// errors are *s3err.Error values with AWS's codes, messages and extra elements.
func (v *Verifier) Verify(r *http.Request) (*Result, error) {
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	s.parseQuery(r.URL.RawQuery)
	req, err := v.parseRequest(s, r.Header)
	if err != nil {
		return nil, err
	}
	if err := checkSigned(r.Header, req.signedHeaders); err != nil {
		return nil, err
	}
	if tok, ok := securityToken(s, r.Header); ok {
		return nil, s3err.InvalidToken.With("Token-0", tok)
	}
	mode, err := payloadMode(req.payload)
	if err != nil {
		return nil, err
	}

	secret, ok := v.creds.SecretKey(req.accessKey)
	if !ok {
		return nil, s3err.InvalidAccessKeyID.With("AWSAccessKeyId", req.accessKey)
	}
	key := v.keys.get(secret, req.scopeDate, req.region)
	canon := s.canonicalRequest(r, req.signedHeaders, req.payload, req.presigned)
	sts := s.stringToSign(req, canon)
	s.mac = key.sign(s.mac[:0], sts)
	if !signatureEqual(s.mac, req.signature) {
		return nil, mismatch(req.accessKey, string(sts), req.signature, string(canon))
	}
	if err := v.checkTime(req); err != nil {
		return nil, err
	}

	res := &Result{AccessKey: req.accessKey, Presigned: req.presigned, SignedAt: req.time, Payload: mode, DecodedLength: -1}
	if err := res.setBody(r, req, key, s.mac); err != nil {
		return nil, err
	}
	return res, nil
}

// parseRequest reads the signature's parameters from a presigned URL's query or from the
// Authorization header, which may not come together.
func (v *Verifier) parseRequest(s *scratch, h http.Header) (*request, error) {
	authz := h.Get("Authorization")
	presigned := false
	for _, name := range presignParams {
		if _, ok := s.lookup(name); ok {
			presigned = true
		}
	}
	switch {
	case presigned && authz != "":
		return nil, invalidArgument("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified", "Authorization", authz)
	case presigned:
		return v.parseQuery(s)
	case authz != "":
		return v.parseHeader(authz, h)
	}
	return nil, s3err.AccessDenied
}

// setBody sets the body the handler reads: r's body checked against the signed payload hash,
// as it is, or decoded from aws-chunked with each chunk's signature checked, chained from the
// request's signature seed.
func (res *Result) setBody(r *http.Request, req *request, key *signingKey, seed []byte) error {
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	switch res.Payload {
	case PayloadSigned:
		want, _ := hex.DecodeString(req.payload)
		res.Body = checksum.NewReader(body, sha256.New(), want, func(got []byte) error {
			return s3err.XAmzContentSHA256Mismatch.
				With("ClientComputedContentSHA256", req.payload).
				With("S3ComputedContentSHA256", hex.EncodeToString(got))
		})
	case PayloadUnsigned:
		res.Body = body
	default:
		c, err := newChunkedReader(body, r.Header, res.Payload, key, req.amzDate, scope(req), seed)
		if err != nil {
			return err
		}
		res.Body, res.chunked, res.DecodedLength = c, c, c.declared
	}
	return nil
}

func scope(req *request) string {
	return req.scopeDate + "/" + req.region + "/" + service + "/" + terminal
}

func (s *scratch) stringToSign(req *request, canon []byte) []byte {
	sum := sha256.Sum256(canon)
	b := append(s.sts[:0], algorithm+"\n"...)
	b = append(b, req.amzDate...)
	b = append(b, '\n')
	b = append(b, req.scopeDate...)
	b = append(b, '/')
	b = append(b, req.region...)
	b = append(b, "/"+service+"/"+terminal+"\n"...)
	b = hex.AppendEncode(b, sum[:])
	s.sts = b
	return b
}

// signatureEqual compares a computed MAC with a hex signature in constant time; the hex may
// be in either letter case.
func signatureEqual(mac []byte, signature string) bool {
	var got [sha256.Size]byte
	if len(signature) != 2*len(got) {
		return false
	}
	if _, err := hex.Decode(got[:], []byte(signature)); err != nil {
		return false
	}
	return hmac.Equal(mac, got[:])
}

func (v *Verifier) parseHeader(authz string, h http.Header) (*request, error) {
	rest, ok := strings.CutPrefix(authz, algorithm+" ")
	if !ok {
		return nil, UnsupportedAuthorization(authz)
	}
	var credential, signedHeaders, signature string
	var seen int
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		name, value, _ := strings.Cut(part, "=")
		switch {
		case name == "Credential" && seen&1 == 0:
			credential, seen = value, seen|1
		case name == "SignedHeaders" && seen&2 == 0:
			signedHeaders, seen = value, seen|2
		case name == "Signature" && seen&4 == 0:
			signature, seen = value, seen|4
		default:
			return nil, headerMalformed("the authorization component %q is malformed.", part)
		}
	}
	if seen != 7 {
		return nil, headerMalformed("the authorization header requires three components: Credential, SignedHeaders, and Signature.")
	}
	req := &request{signedHeaders: signedHeaders, signature: signature}
	if err := v.parseCredential(req, credential); err != nil {
		return nil, err
	}
	req.amzDate = h.Get("X-Amz-Date")
	t, err := time.Parse(amzDateFormat, req.amzDate)
	if err != nil {
		t, err = http.ParseTime(h.Get("Date"))
		if err != nil || req.amzDate != "" {
			return nil, s3err.AccessDenied.Withf("AWS authentication requires a valid Date or x-amz-date header")
		}
		req.amzDate = t.UTC().Format(amzDateFormat)
	}
	req.time = t
	if err := checkScopeDate(req); err != nil {
		return nil, err
	}
	req.payload = h.Get("X-Amz-Content-Sha256")
	if req.payload == "" {
		return nil, s3err.InvalidRequest.Withf("Missing required header for this request: x-amz-content-sha256")
	}
	return req, nil
}

func (v *Verifier) parseQuery(s *scratch) (*request, error) {
	var p [6]string
	for i, name := range [...]string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"} {
		var ok bool
		if p[i], ok = s.lookup(name); !ok {
			return nil, queryError("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
		}
	}
	alg, credential, signature, date, signedHeaders, expires := p[0], p[1], p[2], p[3], p[4], p[5]
	if alg != algorithm {
		// Amazon S3's message names SigV4a, which it accepts and doorman does not: a SigV4a URL
		// is refused like any other algorithm. The text is the one versitygw checks against S3
		// (its query-auth errors); older peers (MinIO) answer "X-Amz-Algorithm only supports
		// \"AWS4-HMAC-SHA256\"" from before SigV4a. [UNVERIFIED] for SigV4a itself.
		return nil, queryError(`X-Amz-Algorithm only supports "AWS4-HMAC-SHA256 and AWS4-ECDSA-P256-SHA256"`)
	}
	req := &request{presigned: true, signedHeaders: signedHeaders, signature: signature, amzDate: date, payload: UnsignedPayload}
	var err error
	if req.time, err = time.Parse(amzDateFormat, date); err != nil {
		return nil, queryError(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`)
	}
	if req.expires, err = strconv.ParseInt(expires, 10, 64); err != nil {
		return nil, queryError("X-Amz-Expires should be a number")
	}
	if req.expires < 0 {
		return nil, queryError("X-Amz-Expires must be non-negative")
	}
	if req.expires > MaxExpires {
		return nil, queryError("X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds")
	}
	if err := v.parseCredential(req, credential); err != nil {
		return nil, err
	}
	if err := checkScopeDate(req); err != nil {
		return nil, err
	}
	return req, nil
}

// parseCredential parses AK/yyyyMMdd/region/s3/aws4_request into req.
func (v *Verifier) parseCredential(req *request, credential string) error {
	var parts [5]string
	n := 0
	for part := range strings.SplitSeq(credential, "/") {
		if n == len(parts) {
			n++
			break
		}
		parts[n] = part
		n++
	}
	if n != len(parts) {
		return credentialMalformed(req.presigned, `the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`)
	}
	req.accessKey, req.scopeDate, req.region = parts[0], parts[1], parts[2]
	if req.accessKey == "" {
		return credentialMalformed(req.presigned, "a non-empty Access Key (AKID) must be provided in the credential.")
	}
	if _, err := time.Parse(scopeDateFormat, req.scopeDate); err != nil || len(req.scopeDate) != 8 {
		return credentialMalformed(req.presigned, `incorrect date format %q. This date in the credential must be in the format "yyyyMMdd".`, req.scopeDate)
	}
	if v.region != "" && req.region != v.region {
		return credentialMalformed(req.presigned, "the region '%s' is wrong; expecting '%s'", req.region, v.region).With("Region", v.region)
	}
	if parts[3] != service {
		return credentialMalformed(req.presigned, `incorrect service %q. This endpoint belongs to "s3".`, parts[3])
	}
	if parts[4] != terminal {
		return credentialMalformed(req.presigned, `incorrect terminal %q. This endpoint uses "aws4_request".`, parts[4])
	}
	return nil
}

func checkScopeDate(req *request) error {
	if day := req.amzDate[:8]; req.scopeDate != day {
		return credentialMalformed(req.presigned, `Invalid credential date %q. This date is not the same as X-Amz-Date: %q.`, req.scopeDate, day)
	}
	return nil
}

// checkSigned requires host and every x-amz-* header of the request to be signed.
func checkSigned(h http.Header, signedHeaders string) error {
	var missing []string
	if !listed(signedHeaders, "host") {
		missing = append(missing, "host")
	}
	for name := range h {
		if len(name) > 6 && strings.EqualFold(name[:6], "x-amz-") && !listed(signedHeaders, name) {
			missing = append(missing, strings.ToLower(name))
		}
	}
	if missing == nil {
		return nil
	}
	slices.Sort(missing)
	return s3err.AccessDenied.Withf("There were headers present in the request which were not signed").
		With("HeadersNotSigned", strings.Join(missing, ", "))
}

func listed(signedHeaders, name string) bool {
	for h := range strings.SplitSeq(signedHeaders, ";") {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}

// securityToken finds a session token. The server issues none, so any token is invalid.
func securityToken(s *scratch, h http.Header) (string, bool) {
	if v, ok := s.lookup("X-Amz-Security-Token"); ok {
		return v, true
	}
	if v := h.Values("X-Amz-Security-Token"); len(v) > 0 {
		return v[0], true
	}
	return "", false
}

func payloadMode(v string) (Payload, error) {
	switch v {
	case UnsignedPayload:
		return PayloadUnsigned, nil
	case StreamingPayload:
		return PayloadStreaming, nil
	case StreamingPayloadTrailer:
		return PayloadStreamingTrailer, nil
	case StreamingUnsignedPayloadTrailer:
		return PayloadStreamingUnsignedTrailer, nil
	case "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER":
		return 0, s3err.NotImplemented
	}
	if len(v) == 2*sha256.Size {
		if _, err := hex.DecodeString(v); err == nil {
			return PayloadSigned, nil
		}
	}
	return 0, invalidArgument("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.", "x-amz-content-sha256", v)
}

// checkTime runs after the signature check, as AWS does: a stale request with a bad
// signature reports the signature.
func (v *Verifier) checkTime(req *request) error {
	now := v.now().UTC()
	if !req.presigned {
		if d := now.Sub(req.time); d > MaxSkew || d < -MaxSkew {
			return s3err.RequestTimeTooSkewed.
				With("RequestTime", req.amzDate).
				With("ServerTime", now.Format(serverTime)).
				With("MaxAllowedSkewMilliseconds", strconv.FormatInt(MaxSkew.Milliseconds(), 10))
		}
		return nil
	}
	if req.time.Sub(now) > MaxSkew {
		return s3err.AccessDenied.Withf("Request is not yet valid").
			With("X-Amz-Date", req.amzDate).
			With("ServerTime", now.Format(serverTime))
	}
	expiry := req.time.Add(time.Duration(req.expires) * time.Second)
	if req.expires == 0 || now.After(expiry) {
		return s3err.AccessDenied.Withf("Request has expired").
			With("X-Amz-Expires", strconv.FormatInt(req.expires, 10)).
			With("Expires", expiry.UTC().Format(serverTime)).
			With("ServerTime", now.Format(serverTime))
	}
	return nil
}

// mismatch is SignatureDoesNotMatch with what AWS echoes to help find the difference, each
// element bounded by s3err.MaxEcho.
func mismatch(accessKey, sts, signature, canon string) *s3err.Error {
	stsEcho, canonEcho := s3err.Echo(sts), s3err.Echo(canon)
	e := *s3err.SignatureDoesNotMatch
	e.Extra = []awsxml.Field{
		{Name: "AWSAccessKeyId", Value: accessKey},
		{Name: "StringToSign", Value: stsEcho},
		{Name: "SignatureProvided", Value: s3err.Echo(signature)},
		{Name: "StringToSignBytes", Value: s3err.SpacedHex(stsEcho)},
		{Name: "CanonicalRequest", Value: canonEcho},
		{Name: "CanonicalRequestBytes", Value: s3err.SpacedHex(canonEcho)},
	}
	return &e
}

// UnsupportedAuthorization is Amazon S3's answer to an Authorization header of any scheme but
// SigV4's and SigV2's ("Bearer ...", "Basic ...", SigV4a's "AWS4-ECDSA-P256-SHA256 ..."): the
// request is refused, never taken for an anonymous one.
func UnsupportedAuthorization(authz string) error {
	return invalidArgument("Unsupported Authorization Type", "Authorization", authz)
}

func invalidArgument(msg, name, value string) *s3err.Error {
	return s3err.InvalidArgument.Withf("%s", msg).With("ArgumentName", name).With("ArgumentValue", s3err.Echo(value))
}

func headerMalformed(format string, args ...any) *s3err.Error {
	return s3err.AuthorizationHeaderMalformed.Withf("The authorization header is malformed; "+format, args...)
}

func queryError(msg string) *s3err.Error {
	return s3err.AuthorizationQueryParametersError.Withf("%s", msg)
}

func credentialMalformed(presigned bool, format string, args ...any) *s3err.Error {
	if presigned {
		return s3err.AuthorizationQueryParametersError.Withf("Error parsing the X-Amz-Credential parameter; "+format, args...)
	}
	return headerMalformed(format, args...)
}
