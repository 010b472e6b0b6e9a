package postpolicy

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/doorman-s3/doorman/s3api/internal/checksum"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

const (
	// MaxFieldBytes bounds the fields before the file: their names, values, part headers and
	// boundaries together, as AWS bounds "the form data and boundaries (excluding the
	// contents of the file)". The policy is one of those fields, so it is bounded too.
	MaxFieldBytes = 20 << 10
	// MaxFields bounds the number of parts before the file.
	MaxFields = 500

	// readAhead is how far past the fields the multipart reader may have read when the file
	// part starts (its buffer), plus room for a preamble; the raw body before the file is
	// cut off at MaxFieldBytes+readAhead bytes, so that not even a single huge header line
	// is read into memory.
	readAhead = 8 << 10
	// MaxTrailingBytes bounds what may follow the file part. S3 ignores it, but the body is
	// read to its end, so that the file counts only once the whole body has arrived and any
	// payload hash the request was signed with has been checked; what follows a browser's
	// file is a closing boundary and perhaps a field or two, so the bound before the file
	// serves here too.
	MaxTrailingBytes = MaxFieldBytes

	fileField       = "file"
	filenameVar     = "${filename}"
	algorithm       = "AWS4-HMAC-SHA256"
	amzDateFormat   = "20060102T150405Z"
	scopeDateFormat = "20060102"
)

// Credentials looks up the secret key of an access key.
type Credentials interface {
	SecretKey(accessKey string) (secret string, ok bool)
}

// Form is a parsed and verified POST Object form.
type Form struct {
	// AccessKey is the access key that signed the policy; empty for an anonymous form.
	AccessKey string
	// SignedAt is the x-amz-date of a form signed with SigV4; zero for a SigV2 or an
	// anonymous form, which carry no signing time.
	SignedAt time.Time
	// Key is the object key, ${filename} expanded.
	Key string
	// Filename is the file name the client gave in the file part, with any directory part
	// (up to the last '/' or '\') removed; empty when it gave none.
	Filename string
	// File is the object's content. It must be read to io.EOF for the upload to count:
	// any other error, such as EntityTooLarge or EntityTooSmall, means the object must not
	// be stored.
	File io.Reader
	// ACL is the canned ACL of the acl field; empty when absent.
	ACL string
	// StorageClass is the x-amz-storage-class field; empty when absent.
	StorageClass string
	// Metadata holds the Content-Type, Cache-Control, Content-Disposition,
	// Content-Encoding and Expires fields and the x-amz-meta-* fields (keyed by the
	// lower-cased name after the prefix). An absent Content-Type is left empty.
	Metadata storage.ObjectMetadata
	// ContentMD5 is the digest of a Content-MD5 field; nil when absent.
	ContentMD5 []byte
	// Checksum is the checksum of an x-amz-checksum-<algorithm> field; zero when absent.
	Checksum checksum.Checksum
	// SuccessStatus is the status of the answer: 200, 201 or 204 from
	// success_action_status, 204 when it is absent or another value.
	SuccessStatus int
	// Redirect is the absolute http or https URL of success_action_redirect (or of the
	// deprecated redirect field), to which the answer redirects with 303; empty when there
	// is none or it is not such a URL, as S3 then acts as if the field were absent.
	Redirect string
	// Fields holds every field before the file by lower-cased name, ${filename} expanded,
	// the values of repeated fields joined by commas as S3 joins them. The caller finds here
	// the fields this package does not interpret (tagging, x-amz-server-side-encryption,
	// x-amz-website-redirect-location, ...).
	Fields map[string]string
}

// Parse reads, authenticates and checks the POST Object form in body, up to and including
// the headers of its file part. contentType is the request's Content-Type; body is the
// request body as the request's own signature verifies it (the body itself for an unsigned
// request), so that a form can never be swapped for another under a signed payload hash.
// bucket is the bucket the request is addressed to,
// which "bucket" conditions are matched against; now is the server's clock, against which
// the policy's expiration is checked. Errors are *s3err.Error values.
//
// Parse does not decide whether the request is allowed: an anonymous form (AccessKey empty)
// is accepted here and must be refused by the caller unless the bucket allows anonymous
// writes, and the caller checks that AccessKey may write to the bucket.
func Parse(contentType string, body io.Reader, bucket string, creds Credentials, now time.Time) (*Form, error) {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.EqualFold(mediaType, "multipart/form-data") {
		return nil, errNotMultipart
	}
	boundary := params["boundary"]
	if boundary == "" {
		return nil, errMalformed
	}
	src := &source{r: body}
	g := &guard{r: src, left: MaxFieldBytes + readAhead}
	f := &Form{Fields: make(map[string]string)}
	names, file, err := readFields(multipart.NewReader(g, boundary), boundary, f.Fields)
	if err != nil {
		return nil, err
	}
	g.left = -1

	var hasName bool
	if file != nil {
		f.Filename, hasName = fileName(file)
	}
	expand(f.Fields, f.Filename, hasName)
	f.Key = f.Fields["key"]
	if f.Key == "" {
		return nil, missingField("key")
	}
	if file == nil {
		return nil, errNoFile
	}

	p, err := authenticate(f, creds)
	if err != nil {
		return nil, err
	}
	size := sizeRange{min: 0, max: storage.MaxObjectSize}
	if p != nil {
		allowed, err := p.check(f.Fields, names, bucket, now)
		if err != nil {
			return nil, err
		}
		size.min, size.max = allowed.min, min(allowed.max, size.max)
	}
	if err := f.interpret(); err != nil {
		return nil, err
	}
	f.File = &fileReader{r: file, body: src, min: size.min, max: size.max}
	return f, nil
}

// source is the body below the multipart reader, which remembers the first error (io.EOF
// included) it returned, since the multipart reader's buffer may have taken it in already
// when the file part ends.
type source struct {
	r   io.Reader
	err error
}

func (s *source) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.r.Read(p)
	s.err = err
	return n, err
}

// drain reads the body to its end once the file part is done: at most MaxTrailingBytes
// more, discarded. A body that does not end well (a payload hash that does not match, a
// connection that breaks) fails the upload.
func (s *source) drain() error {
	var buf [4 << 10]byte
	for read := 0; s.err == nil; {
		if read > MaxTrailingBytes {
			// [UNVERIFIED]: S3 does not document a bound on what follows the file; a body
			// that goes on is answered as one that is not a well-formed form.
			return errMalformed
		}
		n, _ := s.Read(buf[:])
		read += n
	}
	if s.err != io.EOF {
		return bodyError(s.err)
	}
	return nil
}

// guard limits how much of the body is read before the file part. left < 0 disarms it.
type guard struct {
	r    io.Reader
	left int
}

func (g *guard) Read(p []byte) (int, error) {
	if g.left < 0 {
		return g.r.Read(p)
	}
	if g.left == 0 {
		return 0, errPreDataTooLarge
	}
	if len(p) > g.left {
		p = p[:g.left]
	}
	n, err := g.r.Read(p)
	g.left -= n
	return n, err
}

// readFields reads the parts before the file into fields (lower-cased names, repeated
// fields joined by commas) and returns the field names in form order as first spelled, and
// the file part, nil when the body ends without one.
func readFields(mr *multipart.Reader, boundary string, fields map[string]string) ([]string, *multipart.Part, error) {
	var names []string
	used := 0
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			return names, nil, nil
		}
		if err != nil {
			return nil, nil, bodyError(err)
		}
		name := part.FormName()
		lower := strings.ToLower(name)
		if lower == fileField {
			return names, part, nil
		}
		if n == MaxFields {
			return nil, nil, errPreDataTooLarge
		}
		// The delimiter line, the headers and the blank line after them.
		used += len(boundary) + 4 + 2
		for k, vs := range part.Header {
			for _, v := range vs {
				used += len(k) + len(v) + 4
			}
		}
		if used > MaxFieldBytes {
			return nil, nil, errPreDataTooLarge
		}
		value, err := io.ReadAll(io.LimitReader(part, int64(MaxFieldBytes-used+1)))
		if err != nil {
			return nil, nil, bodyError(err)
		}
		if used += len(value); used > MaxFieldBytes {
			return nil, nil, errPreDataTooLarge
		}
		if name == "" {
			// A part that is not form-data, or has no name: no field.
			continue
		}
		if old, ok := fields[lower]; ok {
			fields[lower] = old + "," + string(value)
			continue
		}
		fields[lower] = string(value)
		names = append(names, name)
	}
}

// bodyError maps an error reading the multipart body to the S3 error to answer.
func bodyError(err error) error {
	var e *s3err.Error
	if errors.As(err, &e) {
		return e
	}
	return errMalformed
}

// fileName returns the filename parameter of the file part with any directory part removed,
// and whether the part has the parameter at all.
func fileName(part *multipart.Part) (string, bool) {
	_, params, err := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
	if err != nil {
		return "", false
	}
	name, ok := params["filename"]
	if !ok {
		return "", false
	}
	return name[strings.LastIndexAny(name, `/\`)+1:], true
}

// authFields are the fields that authenticate the form, in which ${filename} is not
// expanded.
var authFields = map[string]bool{
	"policy": true, "x-amz-signature": true, "signature": true, "awsaccesskeyid": true,
	"x-amz-algorithm": true, "x-amz-credential": true, "x-amz-date": true, "x-amz-security-token": true,
}

// expand replaces ${filename} in the fields' values with the file's name, as S3 does in
// every field before checking the policy. A file part without a filename parameter leaves
// the variable as it is, which is what S3 was seen to do.
func expand(fields map[string]string, filename string, hasName bool) {
	if !hasName {
		return
	}
	for k, v := range fields {
		if !authFields[k] && strings.Contains(v, filenameVar) {
			fields[k] = strings.ReplaceAll(v, filenameVar, filename)
		}
	}
}

// authenticate verifies the form's signature and decodes its policy; it returns nil for an
// anonymous form.
func authenticate(f *Form, creds Credentials) (*policy, error) {
	fields := f.Fields
	encoded := fields["policy"]
	has := func(names ...string) bool {
		for _, n := range names {
			if _, ok := fields[n]; ok {
				return true
			}
		}
		return false
	}
	var err error
	switch {
	case has("x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"):
		f.AccessKey, f.SignedAt, err = verifyV4(fields, encoded, creds)
	case has("awsaccesskeyid", "signature"):
		f.AccessKey, err = verifyV2(fields, encoded, creds)
	case encoded != "":
		return nil, errAnonymousPolicy
	default:
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if _, ok := fields["x-amz-security-token"]; ok {
		// The server issues no session credentials, so no token is valid.
		return nil, s3err.InvalidToken
	}
	doc, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return nil, invalidPolicy("invalid Base64 encoding.")
	}
	return parsePolicy(doc)
}

// require returns the named fields' values, or the error for the first one missing; the
// names are spelled as S3 spells them in that error.
func require(fields map[string]string, names ...string) ([]string, error) {
	values := make([]string, len(names))
	for i, name := range names {
		v, ok := fields[strings.ToLower(name)]
		if !ok || v == "" {
			return nil, missingField(name)
		}
		values[i] = v
	}
	return values, nil
}

// verifyV4 checks a SigV4 form: x-amz-signature must be the hex HMAC-SHA256 of the base64
// policy under the signing key of the credential's scope.
func verifyV4(fields map[string]string, encoded string, creds Credentials) (string, time.Time, error) {
	v, err := require(fields, "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Signature", "policy")
	if err != nil {
		return "", time.Time{}, err
	}
	alg, credential, date, signature := v[0], v[1], v[2], v[3]
	if alg != algorithm {
		return "", time.Time{}, invalidField("X-Amz-Algorithm", alg, `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`)
	}
	accessKey, scopeDate, region, err := parseCredential(credential)
	if err != nil {
		return "", time.Time{}, err
	}
	signedAt, err := time.Parse(amzDateFormat, date)
	if err != nil {
		// S3's message, spelling included.
		return "", time.Time{}, invalidField("X-Amz-Date", date, "X-Amz-Date must be formated via ISO8601 Long format")
	}
	if scopeDate != date[:8] {
		return "", time.Time{}, invalidField("X-Amz-Credential", credential, `Invalid credential date %q. This date is not the same as X-Amz-Date: %q.`, scopeDate, date[:8])
	}
	secret, ok := creds.SecretKey(accessKey)
	if !ok {
		return "", time.Time{}, s3err.InvalidAccessKeyID.With("AWSAccessKeyId", accessKey)
	}
	m := hmac.New(sha256.New, signingKey(secret, scopeDate, region))
	m.Write([]byte(encoded))
	got, err := hex.DecodeString(signature)
	if err != nil || !hmac.Equal(m.Sum(nil), got) {
		return "", time.Time{}, mismatch(accessKey, encoded, signature)
	}
	return accessKey, signedAt, nil
}

// parseCredential splits AK/yyyyMMdd/region/s3/aws4_request. Any region is accepted: the
// region is part of the signing key, so the signature binds it either way.
func parseCredential(credential string) (accessKey, date, region string, err error) {
	bad := func(format string, args ...any) error {
		return invalidField("X-Amz-Credential", credential, format, args...)
	}
	parts := strings.Split(credential, "/")
	if len(parts) != 5 {
		return "", "", "", bad(`the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`)
	}
	if parts[0] == "" {
		return "", "", "", bad("a non-empty Access Key (AKID) must be provided in the credential.")
	}
	if _, err := time.Parse(scopeDateFormat, parts[1]); err != nil || len(parts[1]) != 8 {
		return "", "", "", bad(`incorrect date format %q. This date in the credential must be in the format "yyyyMMdd".`, parts[1])
	}
	if parts[3] != "s3" {
		return "", "", "", bad(`incorrect service %q. This endpoint belongs to "s3".`, parts[3])
	}
	if parts[4] != "aws4_request" {
		return "", "", "", bad(`incorrect terminal %q. This endpoint uses "aws4_request".`, parts[4])
	}
	return parts[0], parts[1], parts[2], nil
}

// signingKey derives the SigV4 signing key of a scope: HMAC-SHA256 chained over the date,
// the region, the service and the terminal, starting from "AWS4" and the secret. The sigv4
// package derives the same key for signed requests but does not export its derivation.
func signingKey(secret, date, region string) []byte {
	k := []byte("AWS4" + secret)
	for _, part := range []string{date, region, "s3", "aws4_request"} {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(part))
		k = m.Sum(nil)
	}
	return k
}

// verifyV2 checks a SigV2 form: signature must be the base64 HMAC-SHA1 of the base64 policy
// under the secret key.
func verifyV2(fields map[string]string, encoded string, creds Credentials) (string, error) {
	v, err := require(fields, "AWSAccessKeyId", "Signature", "policy")
	if err != nil {
		return "", err
	}
	accessKey, signature := v[0], v[1]
	secret, ok := creds.SecretKey(accessKey)
	if !ok {
		return "", s3err.InvalidAccessKeyID.With("AWSAccessKeyId", accessKey)
	}
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(encoded))
	got, err := base64.StdEncoding.DecodeString(signature)
	if err != nil || !hmac.Equal(m.Sum(nil), got) {
		return "", mismatch(accessKey, encoded, signature)
	}
	return accessKey, nil
}

// mismatch is S3's SignatureDoesNotMatch for a form, whose string to sign is the policy.
func mismatch(accessKey, stringToSign, signature string) *s3err.Error {
	return s3err.SignatureDoesNotMatch.
		With("AWSAccessKeyId", accessKey).
		With("StringToSign", stringToSign).
		With("SignatureProvided", signature).
		With("StringToSignBytes", spacedHex(stringToSign))
}

// spacedHex renders s as S3 does in error bodies: "65 79 4a ...".
func spacedHex(s string) string {
	b := make([]byte, 0, 3*len(s))
	for i := 0; i < len(s); i++ {
		if i > 0 {
			b = append(b, ' ')
		}
		b = hex.AppendEncode(b, []byte{s[i]})
	}
	return string(b)
}

// interpret fills the Form's fields from the form fields.
func (f *Form) interpret() error {
	fields := f.Fields
	f.ACL = fields["acl"]
	f.StorageClass = fields["x-amz-storage-class"]
	f.Metadata = storage.ObjectMetadata{
		ContentType:        fields["content-type"],
		CacheControl:       fields["cache-control"],
		ContentDisposition: fields["content-disposition"],
		ContentEncoding:    fields["content-encoding"],
		Expires:            fields["expires"],
	}
	for k, v := range fields {
		if name, ok := strings.CutPrefix(k, "x-amz-meta-"); ok && name != "" {
			if f.Metadata.User == nil {
				f.Metadata.User = make(map[string]string)
			}
			f.Metadata.User[name] = v
		}
	}
	var err error
	if f.ContentMD5, err = checksum.ContentMD5(fields["content-md5"]); err != nil {
		return err
	}
	if f.Checksum, err = formChecksum(fields); err != nil {
		return err
	}
	f.SuccessStatus = http.StatusNoContent
	switch fields["success_action_status"] {
	case "200":
		f.SuccessStatus = http.StatusOK
	case "201":
		f.SuccessStatus = http.StatusCreated
	}
	redirect, ok := fields["success_action_redirect"]
	if !ok {
		redirect = fields["redirect"]
	}
	if u, err := url.Parse(redirect); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		f.Redirect = redirect
	}
	return nil
}

// formChecksum finds the x-amz-checksum-<algorithm> field, checked as the header would be,
// and an x-amz-checksum-algorithm field, which must name its algorithm.
func formChecksum(fields map[string]string) (checksum.Checksum, error) {
	h := make(http.Header)
	for _, a := range checksum.Algorithms {
		if v, ok := fields[checksum.Header(a)]; ok {
			h.Set(checksum.Header(a), v)
		}
	}
	c, err := checksum.FromHeader(h)
	if err != nil {
		return checksum.Checksum{}, err
	}
	if name, ok := fields["x-amz-checksum-algorithm"]; ok {
		a, valid := checksum.ParseAlgorithm(name)
		if !valid {
			return checksum.Checksum{}, s3err.InvalidRequest.Withf("Value for x-amz-checksum-algorithm header is invalid.")
		}
		if a != c.Algorithm {
			return checksum.Checksum{}, s3err.InvalidRequest.Withf("x-amz-checksum-algorithm specified, but no corresponding %s field was found.", checksum.Header(a))
		}
	}
	return c, nil
}

// fileReader passes the file part through and enforces the content-length-range. It returns
// io.EOF only once the rest of the body has been read to its end as well.
type fileReader struct {
	r        io.Reader
	body     *source
	min, max int64
	n        int64
	err      error
}

func (f *fileReader) Read(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	// Read at most one byte past the bound, which is enough to know it was passed.
	if left := f.max - f.n + 1; int64(len(p)) > left {
		p = p[:int(left)]
	}
	n, err := f.r.Read(p)
	f.n += int64(n)
	switch {
	case f.n > f.max:
		err = tooLarge(f.max)
		n = 0
	case err == io.EOF && f.n < f.min:
		err = tooSmall(f.n, f.min)
	case err == io.EOF:
		if derr := f.body.drain(); derr != nil {
			err, n = derr, 0
		}
	case err != nil:
		err = bodyError(err)
	}
	if err != nil {
		f.err = err
	}
	return n, err
}
