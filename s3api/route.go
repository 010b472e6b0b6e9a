package s3api

import (
	"net"
	"net/http"
	"slices"
	"strings"

	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/s3api/internal/sigv4"
)

// route finds the bucket and key a request names: from the host for virtual-hosted requests
// (BUCKET.Domain), else from the first path segment. The key is the rest of the path, decoded,
// kept byte for byte (no cleaning: "../" is part of a key like any other text). The query is
// decoded once, as the signature verifiers read it, and everything after acts on that view.
func (rc *request) route() error {
	r := rc.r
	rc.query = sigv4.ParseQuery(r.URL.RawQuery)
	host := hostOnly(r.Host)
	path := r.URL.Path
	if !strings.HasPrefix(path, "/") {
		return s3err.InvalidRequest.Withf("The request path must begin with a slash.")
	}
	if b, ok := rc.s.virtualBucket(host); ok {
		rc.bucket, rc.key, rc.vhost = b, path[1:], true
		return nil
	}
	rc.bucket, rc.key, _ = strings.Cut(path[1:], "/")
	return nil
}

// hostOnly strips the port from a Host header. A host without one (s3.example.com, [::1])
// is returned as it is, without asking SplitHostPort, whose refusal is an allocated error.
func hostOnly(host string) string {
	if !strings.Contains(host, ":") || strings.HasSuffix(host, "]") {
		return host
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}

// virtualBucket returns the bucket a virtual-hosted request names (BUCKET.Domain). Host names
// compare ignoring case, as DNS does; bucket names are lower case.
func (s *Server) virtualBucket(host string) (string, bool) {
	d := s.cfg.Domain
	if d == "" || len(host) <= len(d)+1 {
		return "", false
	}
	host = strings.ToLower(host)
	if !strings.HasSuffix(host, "."+d) {
		return "", false
	}
	return host[:len(host)-len(d)-1], true
}

// Sub-resources of the S3 API that doorman does not implement: a request naming one gets
// NotImplemented, never a wrong success.
var unsupported = map[string]bool{
	"accelerate": true, "analytics": true,
	"intelligent-tiering": true, "inventory": true,
	"logging": true, "metrics": true, "notification": true,
	"replication": true, "requestPayment": true, "restore": true,
	"select": true, "torrent": true, "website": true, "session": true,
	"metadataTable": true, "abac": true,
}

// level is what a request names: the service, a bucket, or an object in a bucket.
type level uint8

const (
	levelService level = iota
	levelBucket
	levelObject
)

// A route names the operation of the requests with its method and level that carry every
// query parameter in query (a sub-resource such as "acl", or "name=value" for a parameter
// with that value), the header, when set, with a value, and, with form, a multipart/form-data
// body. An empty op is a request doorman does not implement.
type route struct {
	method string
	level  level
	query  []string
	header string
	form   bool
	op     string
}

// routes are S3's operations, and within one method and level the first route that matches
// wins: more specific routes come before the plain one of their method.
var routes = []route{
	{method: http.MethodGet, level: levelService, op: "ListBuckets"},

	{method: http.MethodGet, level: levelBucket, query: []string{"cors"}, op: "GetBucketCors"},
	{method: http.MethodGet, level: levelBucket, query: []string{"acl"}, op: "GetBucketAcl"},
	{method: http.MethodGet, level: levelBucket, query: []string{"policy"}, op: "GetBucketPolicy"},
	{method: http.MethodGet, level: levelBucket, query: []string{"policyStatus"}, op: "GetBucketPolicyStatus"},
	{method: http.MethodGet, level: levelBucket, query: []string{"ownershipControls"}, op: "GetBucketOwnershipControls"},
	{method: http.MethodGet, level: levelBucket, query: []string{"publicAccessBlock"}, op: "GetPublicAccessBlock"},
	{method: http.MethodGet, level: levelBucket, query: []string{"tagging"}, op: "GetBucketTagging"},
	{method: http.MethodGet, level: levelBucket, query: []string{"location"}, op: "GetBucketLocation"},
	{method: http.MethodGet, level: levelBucket, query: []string{"versioning"}, op: "GetBucketVersioning"},
	{method: http.MethodGet, level: levelBucket, query: []string{"object-lock"}, op: "GetObjectLockConfiguration"},
	{method: http.MethodGet, level: levelBucket, query: []string{"lifecycle"}, op: "GetBucketLifecycleConfiguration"},
	{method: http.MethodGet, level: levelBucket, query: []string{"encryption"}, op: "GetBucketEncryption"},
	{method: http.MethodGet, level: levelBucket, query: []string{"uploads"}, op: "ListMultipartUploads"},
	{method: http.MethodGet, level: levelBucket, query: []string{"versions"}, op: "ListObjectVersions"},
	{method: http.MethodGet, level: levelBucket, query: []string{"list-type=2"}, op: "ListObjectsV2"},
	{method: http.MethodGet, level: levelBucket, op: "ListObjects"},
	{method: http.MethodHead, level: levelBucket, op: "HeadBucket"},
	{method: http.MethodPut, level: levelBucket, query: []string{"cors"}, op: "PutBucketCors"},
	{method: http.MethodPut, level: levelBucket, query: []string{"acl"}, op: "PutBucketAcl"},
	{method: http.MethodPut, level: levelBucket, query: []string{"policy"}, op: "PutBucketPolicy"},
	{method: http.MethodPut, level: levelBucket, query: []string{"ownershipControls"}, op: "PutBucketOwnershipControls"},
	{method: http.MethodPut, level: levelBucket, query: []string{"publicAccessBlock"}, op: "PutPublicAccessBlock"},
	{method: http.MethodPut, level: levelBucket, query: []string{"tagging"}, op: "PutBucketTagging"},
	{method: http.MethodPut, level: levelBucket, query: []string{"versioning"}, op: "PutBucketVersioning"},
	{method: http.MethodPut, level: levelBucket, query: []string{"object-lock"}, op: "PutObjectLockConfiguration"},
	{method: http.MethodPut, level: levelBucket, query: []string{"lifecycle"}, op: "PutBucketLifecycleConfiguration"},
	{method: http.MethodPut, level: levelBucket, query: []string{"encryption"}, op: "PutBucketEncryption"},
	{method: http.MethodPut, level: levelBucket, op: "CreateBucket"},
	{method: http.MethodDelete, level: levelBucket, query: []string{"cors"}, op: "DeleteBucketCors"},
	{method: http.MethodDelete, level: levelBucket, query: []string{"policy"}, op: "DeleteBucketPolicy"},
	{method: http.MethodDelete, level: levelBucket, query: []string{"ownershipControls"}, op: "DeleteBucketOwnershipControls"},
	{method: http.MethodDelete, level: levelBucket, query: []string{"publicAccessBlock"}, op: "DeletePublicAccessBlock"},
	{method: http.MethodDelete, level: levelBucket, query: []string{"tagging"}, op: "DeleteBucketTagging"},
	{method: http.MethodDelete, level: levelBucket, query: []string{"lifecycle"}, op: "DeleteBucketLifecycle"},
	{method: http.MethodDelete, level: levelBucket, query: []string{"encryption"}, op: "DeleteBucketEncryption"},
	{method: http.MethodDelete, level: levelBucket, op: "DeleteBucket"},
	{method: http.MethodPost, level: levelBucket, query: []string{"delete"}, op: "DeleteObjects"},
	{method: http.MethodPost, level: levelBucket, form: true, op: "PostObject"},

	{method: http.MethodGet, level: levelObject, query: []string{"uploadId"}, op: "ListParts"},
	{method: http.MethodGet, level: levelObject, query: []string{"acl"}, op: "GetObjectAcl"},
	{method: http.MethodGet, level: levelObject, query: []string{"tagging"}, op: "GetObjectTagging"},
	{method: http.MethodGet, level: levelObject, query: []string{"attributes"}, op: "GetObjectAttributes"},
	{method: http.MethodGet, level: levelObject, query: []string{"retention"}, op: "GetObjectRetention"},
	{method: http.MethodGet, level: levelObject, query: []string{"legal-hold"}, op: "GetObjectLegalHold"},
	{method: http.MethodGet, level: levelObject, op: "GetObject"},
	{method: http.MethodHead, level: levelObject, op: "HeadObject"},
	{method: http.MethodPut, level: levelObject, query: []string{"partNumber", "uploadId"}, header: "X-Amz-Copy-Source", op: "UploadPartCopy"},
	{method: http.MethodPut, level: levelObject, query: []string{"partNumber", "uploadId"}, op: "UploadPart"},
	{method: http.MethodPut, level: levelObject, query: []string{"acl"}, op: "PutObjectAcl"},
	{method: http.MethodPut, level: levelObject, query: []string{"tagging"}, op: "PutObjectTagging"},
	{method: http.MethodPut, level: levelObject, query: []string{"retention"}, op: "PutObjectRetention"},
	{method: http.MethodPut, level: levelObject, query: []string{"legal-hold"}, op: "PutObjectLegalHold"},
	{method: http.MethodPut, level: levelObject, header: "X-Amz-Copy-Source", op: "CopyObject"},
	{method: http.MethodPut, level: levelObject, op: "PutObject"},
	{method: http.MethodDelete, level: levelObject, query: []string{"uploadId"}, op: "AbortMultipartUpload"},
	{method: http.MethodDelete, level: levelObject, query: []string{"tagging"}, op: "DeleteObjectTagging"},
	{method: http.MethodDelete, level: levelObject, op: "DeleteObject"},
	{method: http.MethodPost, level: levelObject, query: []string{"uploads"}, op: "CreateMultipartUpload"},
	{method: http.MethodPost, level: levelObject, query: []string{"uploadId"}, op: "CompleteMultipartUpload"},
}

type routeKey struct {
	method string
	level  level
}

// routesBy holds routes by method and level, in order.
var routesBy = func() map[routeKey][]route {
	m := map[routeKey][]route{}
	for _, r := range routes {
		k := routeKey{r.method, r.level}
		m[k] = append(m[k], r)
	}
	return m
}()

func (r *route) matches(rc *request) bool {
	for _, q := range r.query {
		if name, value, ok := strings.Cut(q, "="); ok {
			if rc.query.Get(name) != value {
				return false
			}
		} else if !rc.query.Has(q) {
			return false
		}
	}
	if r.header != "" && rc.r.Header.Get(r.header) == "" {
		return false
	}
	return !r.form || strings.HasPrefix(strings.ToLower(rc.r.Header.Get("Content-Type")), "multipart/form-data")
}

// operation picks the S3 operation from the method, the addressing and the query. It returns
// "" and the NotImplemented error for a request doorman does not implement.
func (rc *request) operation() (string, error) {
	var names []string
	for k := range rc.query {
		if unsupported[k] {
			names = append(names, k)
		}
	}
	if len(names) > 0 {
		return "", notImplementedSubresource(slices.Min(names))
	}
	lv := levelObject
	switch {
	case rc.bucket == "":
		lv = levelService
	case rc.key == "":
		lv = levelBucket
	}
	for _, r := range routesBy[routeKey{rc.r.Method, lv}] {
		if r.matches(rc) {
			if r.op == "" {
				return "", notImplementedSubresource(r.query[0])
			}
			if name := rc.subresourceOutside(&r); name != "" {
				return "", notImplementedSubresource(name)
			}
			return r.op, nil
		}
	}
	return "", s3err.NotImplemented
}

// routeOnlySubresources are the sub-resources that only the routes naming them implement:
// the Object Lock ones (GET and PUT on one level each), attributes (GET on an object) and
// lifecycle and encryption (GET, PUT and DELETE on a bucket). Any other request naming one is
// not implemented, rather than taken for the plain operation of its method (a DELETE
// ?retention or ?attributes deleting the object, a PUT ?attributes, ?lifecycle or ?encryption
// writing it, a GET ?attributes of a bucket listing it). A PUT ?encryption of an object is
// S3's UpdateObjectEncryption, which doorman does not implement.
var routeOnlySubresources = []string{"object-lock", "retention", "legal-hold", "attributes", "lifecycle", "encryption"}

// subresourceOutside returns the sub-resource of routeOnlySubresources the request names that
// r, the route it matches, does not; "" when there is none.
func (rc *request) subresourceOutside(r *route) string {
	for _, name := range routeOnlySubresources {
		if rc.query.Has(name) && !slices.Contains(r.query, name) {
			return name
		}
	}
	return ""
}

// notImplementedSubresource answers a request for a sub-resource doorman does not implement
// (?website, ?logging, ...). Amazon S3 implements every one of them, so it
// records no answer to copy: the status and code are those of S3's NotImplemented, the message
// names the sub-resource instead of S3's "A header you provided implies functionality that is
// not implemented", which would send the reader looking for a header. [UNVERIFIED]
func notImplementedSubresource(name string) error {
	return s3err.NotImplemented.Withf("The %s subresource is not implemented.", name)
}

// operationName is the operation for logs and metrics, "Unknown" when there is none.
func operationName(rc *request) string {
	if op, err := rc.operation(); err == nil {
		return op
	}
	return "Unknown"
}
