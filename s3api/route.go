package s3api

import (
	"net"
	"net/http"
	"strings"

	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/s3api/internal/sigv4"
)

// route finds the bucket and key a request names: from the host for virtual-hosted requests
// (BUCKET.Domain), else from the first path segment. The key is the rest of the path, decoded,
// kept byte for byte (no cleaning: "../" is part of a key like any other text). The query is
// decoded once, as the signature verifiers read it, and everything after acts on that view.
func (rc *request) route() *s3err.Error {
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

// hostOnly strips the port from a Host header.
func hostOnly(host string) string {
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
	"accelerate": true, "analytics": true, "attributes": true, "encryption": true,
	"intelligent-tiering": true, "inventory": true, "legal-hold": true, "lifecycle": true,
	"logging": true, "metrics": true, "notification": true, "object-lock": true,
	"ownershipControls": true, "policy": true, "policyStatus": true, "publicAccessBlock": true,
	"replication": true, "requestPayment": true, "restore": true, "retention": true,
	"select": true, "tagging": true, "torrent": true, "website": true, "session": true,
	"metadataTable": true, "abac": true,
}

// operation picks the S3 operation from the method, the addressing and the query. It returns
// "" for a request doorman does not implement.
func (rc *request) operation() string {
	r := rc.r
	q := rc.query
	for k := range q {
		if unsupported[k] {
			return ""
		}
	}
	has := func(k string) bool { _, ok := q[k]; return ok }
	switch {
	case rc.bucket == "":
		if r.Method == http.MethodGet {
			return "ListBuckets"
		}
		return ""
	case rc.key == "":
		switch r.Method {
		case http.MethodGet:
			switch {
			case has("cors"):
				return "GetBucketCors"
			case has("acl"):
				return "GetBucketAcl"
			case has("location"):
				return "GetBucketLocation"
			case has("versioning"):
				return "GetBucketVersioning"
			case has("uploads"):
				return "ListMultipartUploads"
			case has("versions"):
				return "ListObjectVersions"
			case q.Get("list-type") == "2":
				return "ListObjectsV2"
			}
			return "ListObjects"
		case http.MethodHead:
			return "HeadBucket"
		case http.MethodPut:
			switch {
			case has("cors"):
				return "PutBucketCors"
			case has("acl"):
				return "PutBucketAcl"
			case has("versioning"):
				return ""
			}
			return "CreateBucket"
		case http.MethodDelete:
			if has("cors") {
				return "DeleteBucketCors"
			}
			return "DeleteBucket"
		case http.MethodPost:
			switch {
			case has("delete"):
				return "DeleteObjects"
			case strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "multipart/form-data"):
				return "PostObject"
			}
		}
		return ""
	}
	switch r.Method {
	case http.MethodGet:
		switch {
		case has("uploadId"):
			return "ListParts"
		case has("acl"):
			return "GetObjectAcl"
		}
		return "GetObject"
	case http.MethodHead:
		return "HeadObject"
	case http.MethodPut:
		copySource := r.Header.Get("X-Amz-Copy-Source") != ""
		switch {
		case has("partNumber") && has("uploadId") && copySource:
			return "UploadPartCopy"
		case has("partNumber") && has("uploadId"):
			return "UploadPart"
		case has("acl"):
			return "PutObjectAcl"
		case copySource:
			return "CopyObject"
		}
		return "PutObject"
	case http.MethodDelete:
		if has("uploadId") {
			return "AbortMultipartUpload"
		}
		return "DeleteObject"
	case http.MethodPost:
		switch {
		case has("uploads"):
			return "CreateMultipartUpload"
		case has("uploadId"):
			return "CompleteMultipartUpload"
		}
	}
	return ""
}

// operationName is the operation for logs and metrics, "Unknown" when there is none.
func operationName(rc *request) string {
	if op := rc.operation(); op != "" {
		return op
	}
	return "Unknown"
}
