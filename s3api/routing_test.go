package s3api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/s3api"
)

// routingDomain is the domain of virtual-hosted addressing in TestRouting.
const routingDomain = "s3.test"

// TestRouting sends each kind of request S3 routes, path-style and, where the request names a
// bucket, virtual-hosted too (rows with a host of their own run once, as written), and checks
// the operation it reached, as the access log names it, and its answer: the operation's own
// success or error shows that its handler ran. Sub-resources and methods doorman does not
// implement answer 501 NotImplemented and reach no operation ("Unknown"); doorman answers no
// request 405 MethodNotAllowed. The rows run in order against one bucket, "routes", holding
// the object "k" and no CORS configuration.
func TestRouting(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, func(c *s3api.Config) { c.Domain = routingDomain })
	srv.CreateACLBucket(t, s3test.Owner, "routes", "private") // ACLs enabled: the ?acl rows set one
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/routes/k", Body: []byte("object k"), As: s3test.Owner})
	deleteDoc := []byte("<Delete><Object><Key>gone</Key></Object></Delete>")
	corsDoc := []byte(`<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`)
	form := http.Header{"Content-Type": {"multipart/form-data; boundary=b"}}
	copySource := http.Header{"X-Amz-Copy-Source": {"routes/k"}}
	vhost := "routes." + routingDomain

	for _, tc := range []struct {
		name         string
		method, path string
		host         string // "" for path-style
		header       http.Header
		body         []byte
		anonymous    bool
		op           string
		status       int
		code         string // the error code, "" for a success
	}{
		{"service GET lists buckets", "GET", "/", "", nil, nil, false, "ListBuckets", 200, ""},
		{"bucket GET lists objects (v1)", "GET", "/routes", "", nil, nil, false, "ListObjects", 200, ""},
		{"list-type=2 is ListObjectsV2", "GET", "/routes?list-type=2", "", nil, nil, false, "ListObjectsV2", 200, ""},
		{"list-type other than 2 is v1", "GET", "/routes?list-type=1", "", nil, nil, false, "ListObjects", 200, ""},
		{"?versions", "GET", "/routes?versions", "", nil, nil, false, "ListObjectVersions", 200, ""},
		{"?uploads on a bucket", "GET", "/routes?uploads", "", nil, nil, false, "ListMultipartUploads", 200, ""},
		{"?location", "GET", "/routes?location", "", nil, nil, false, "GetBucketLocation", 200, ""},
		{"?versioning", "GET", "/routes?versioning", "", nil, nil, false, "GetBucketVersioning", 200, ""},
		{"bucket ?acl", "GET", "/routes?acl", "", nil, nil, false, "GetBucketAcl", 200, ""},
		{"?cors before one is set", "GET", "/routes?cors", "", nil, nil, false, "GetBucketCors", 404, "NoSuchCORSConfiguration"},
		{"bucket HEAD", "HEAD", "/routes", "", nil, nil, false, "HeadBucket", 200, ""},
		{"PUT ?cors", "PUT", "/routes?cors", "", http.Header{"Content-Md5": {s3test.MD5Base64(corsDoc)}}, corsDoc, false, "PutBucketCors", 200, ""},
		{"DELETE ?cors", "DELETE", "/routes?cors", "", nil, nil, false, "DeleteBucketCors", 204, ""},
		{"?policy before one is set", "GET", "/routes?policy", "", nil, nil, false, "GetBucketPolicy", 404, "NoSuchBucketPolicy"},
		{"?policyStatus before one is set", "GET", "/routes?policyStatus", "", nil, nil, false, "GetBucketPolicyStatus", 404, "NoSuchBucketPolicy"},
		{"PUT ?policy, not JSON", "PUT", "/routes?policy", "", nil, []byte("x"), false, "PutBucketPolicy", 400, "MalformedPolicy"},
		{"DELETE ?policy", "DELETE", "/routes?policy", "", nil, nil, false, "DeleteBucketPolicy", 204, ""},
		{"PUT bucket ?acl", "PUT", "/routes?acl", "", http.Header{"X-Amz-Acl": {"private"}}, nil, false, "PutBucketAcl", 200, ""},
		{"?ownershipControls", "GET", "/routes?ownershipControls", "", nil, nil, false, "GetBucketOwnershipControls", 200, ""},
		{"PUT ?ownershipControls", "PUT", "/routes?ownershipControls", "", nil, []byte("<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>"), false, "PutBucketOwnershipControls", 200, ""},
		{"DELETE ?ownershipControls", "DELETE", "/routes?ownershipControls", "", nil, nil, false, "DeleteBucketOwnershipControls", 204, ""},
		{"?publicAccessBlock once deleted", "GET", "/routes?publicAccessBlock", "", nil, nil, false, "GetPublicAccessBlock", 404, "NoSuchPublicAccessBlockConfiguration"},
		{"PUT ?publicAccessBlock", "PUT", "/routes?publicAccessBlock", "", nil, []byte("<PublicAccessBlockConfiguration/>"), false, "PutPublicAccessBlock", 200, ""},
		{"DELETE ?publicAccessBlock", "DELETE", "/routes?publicAccessBlock", "", nil, nil, false, "DeletePublicAccessBlock", 204, ""},
		{"PUT ?versioning", "PUT", "/routes?versioning", "", http.Header{"Content-Md5": {s3test.MD5Base64([]byte("x"))}}, []byte("x"), false, "PutBucketVersioning", 400, "MalformedXML"},
		{"PUT bucket creates it", "PUT", "/routes-new", "", nil, nil, false, "CreateBucket", 200, ""},
		{"DELETE bucket", "DELETE", "/routes", "", nil, nil, false, "DeleteBucket", 409, "BucketNotEmpty"},
		{"POST ?delete", "POST", "/routes?delete", "", http.Header{"Content-Md5": {s3test.MD5Base64(deleteDoc)}}, deleteDoc, false, "DeleteObjects", 200, ""},
		{"POST form", "POST", "/routes", "", form, []byte("--b--\r\n"), true, "PostObject", 400, "InvalidArgument"},
		{"POST bucket, neither form nor ?delete", "POST", "/routes", "", nil, nil, false, "Unknown", 501, "NotImplemented"},
		{"object GET", "GET", "/routes/k", "", nil, nil, false, "GetObject", 200, ""},
		{"object GET of a missing key", "GET", "/routes/nothing", "", nil, nil, false, "GetObject", 404, "NoSuchKey"},
		{"object ?acl", "GET", "/routes/k?acl", "", nil, nil, false, "GetObjectAcl", 200, ""},
		{"object GET ?uploadId", "GET", "/routes/mp?uploadId=none", "", nil, nil, false, "ListParts", 404, "NoSuchUpload"},
		{"object HEAD", "HEAD", "/routes/k", "", nil, nil, false, "HeadObject", 200, ""},
		{"object PUT", "PUT", "/routes/k2", "", nil, []byte("k2"), false, "PutObject", 200, ""},
		{"object PUT with a copy source", "PUT", "/routes/k3", "", copySource, nil, false, "CopyObject", 200, ""},
		{"object PUT ?acl", "PUT", "/routes/k?acl", "", http.Header{"X-Amz-Acl": {"private"}}, nil, false, "PutObjectAcl", 200, ""},
		{"PUT ?partNumber&uploadId", "PUT", "/routes/mp?partNumber=1&uploadId=none", "", nil, []byte("part"), false, "UploadPart", 404, "NoSuchUpload"},
		{"PUT ?partNumber&uploadId with a copy source", "PUT", "/routes/mp?partNumber=1&uploadId=none", "", copySource, nil, false, "UploadPartCopy", 404, "NoSuchUpload"},
		{"object DELETE", "DELETE", "/routes/gone", "", nil, nil, false, "DeleteObject", 204, ""},
		{"object DELETE ?uploadId", "DELETE", "/routes/mp?uploadId=none", "", nil, nil, false, "AbortMultipartUpload", 404, "NoSuchUpload"},
		{"POST ?uploads", "POST", "/routes/mp?uploads", "", nil, nil, false, "CreateMultipartUpload", 200, ""},
		{"POST ?uploadId", "POST", "/routes/mp?uploadId=none", "", nil, []byte("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"e\"</ETag></Part></CompleteMultipartUpload>"), false, "CompleteMultipartUpload", 404, "NoSuchUpload"},
		{"bucket GET ?tagging", "GET", "/routes?tagging", "", nil, nil, false, "GetBucketTagging", 404, "NoSuchTagSet"},
		{"bucket PUT ?tagging", "PUT", "/routes?tagging", "", nil, nil, false, "PutBucketTagging", 400, "InvalidRequest"},
		{"bucket DELETE ?tagging", "DELETE", "/routes?tagging", "", nil, nil, false, "DeleteBucketTagging", 204, ""},
		{"object GET ?tagging", "GET", "/routes/k?tagging", "", nil, nil, false, "GetObjectTagging", 200, ""},
		{"object PUT ?tagging", "PUT", "/routes/k?tagging", "", nil, nil, false, "PutObjectTagging", 400, "InvalidRequest"},
		{"object DELETE ?tagging", "DELETE", "/routes/k?tagging", "", nil, nil, false, "DeleteObjectTagging", 204, ""},
		{"bucket GET ?object-lock", "GET", "/routes?object-lock", "", nil, nil, false, "GetObjectLockConfiguration", 404, "ObjectLockConfigurationNotFoundError"},
		{"bucket PUT ?object-lock", "PUT", "/routes?object-lock", "", nil, nil, false, "PutObjectLockConfiguration", 400, "InvalidRequest"},
		{"object GET ?retention", "GET", "/routes/k?retention", "", nil, nil, false, "GetObjectRetention", 400, "InvalidRequest"},
		{"object PUT ?retention", "PUT", "/routes/k?retention", "", nil, nil, false, "PutObjectRetention", 400, "InvalidRequest"},
		{"object GET ?legal-hold", "GET", "/routes/k?legal-hold", "", nil, nil, false, "GetObjectLegalHold", 400, "InvalidRequest"},
		{"object PUT ?legal-hold", "PUT", "/routes/k?legal-hold", "", nil, nil, false, "PutObjectLegalHold", 400, "InvalidRequest"},
		{"object GET ?attributes", "GET", "/routes/k?attributes", "", nil, nil, false, "GetObjectAttributes", 400, "InvalidRequest"},
		{"bucket GET ?lifecycle", "GET", "/routes?lifecycle", "", nil, nil, false, "GetBucketLifecycleConfiguration", 404, "NoSuchLifecycleConfiguration"},
		{"bucket PUT ?lifecycle", "PUT", "/routes?lifecycle", "", nil, nil, false, "PutBucketLifecycleConfiguration", 400, "InvalidRequest"},
		{"bucket DELETE ?lifecycle", "DELETE", "/routes?lifecycle", "", nil, nil, false, "DeleteBucketLifecycle", 204, ""},

		// Sub-resources and methods doorman does not implement.
		{"?logging", "GET", "/routes?logging", "", nil, nil, false, "Unknown", 501, "NotImplemented"},
		{"object PUT ?lifecycle", "PUT", "/routes/k?lifecycle", "", nil, []byte("overwritten"), false, "Unknown", 501, "NotImplemented"},
		{"bucket HEAD ?lifecycle", "HEAD", "/routes?lifecycle", "", nil, nil, false, "Unknown", 501, ""},
		{"bucket POST ?lifecycle", "POST", "/routes?lifecycle", "", nil, nil, false, "Unknown", 501, "NotImplemented"},
		{"?replication", "PUT", "/routes?replication", "", nil, nil, false, "Unknown", 501, "NotImplemented"},
		{"?website beside ?acl", "GET", "/routes?acl&website", "", nil, nil, false, "Unknown", 501, "NotImplemented"},
		{"object DELETE ?retention", "DELETE", "/routes/k?retention", "", nil, nil, false, "Unknown", 501, "NotImplemented"},
		{"object HEAD ?legal-hold", "HEAD", "/routes/k?legal-hold", "", nil, nil, false, "Unknown", 501, ""},
		{"bucket GET ?retention", "GET", "/routes?retention", "", nil, nil, false, "Unknown", 501, "NotImplemented"},
		{"object PUT ?object-lock", "PUT", "/routes/k?object-lock", "", nil, nil, false, "Unknown", 501, "NotImplemented"},
		{"object DELETE ?attributes", "DELETE", "/routes/k?attributes", "", nil, nil, false, "Unknown", 501, "NotImplemented"},
		{"object PUT ?attributes", "PUT", "/routes/k?attributes", "", nil, []byte("overwritten"), false, "Unknown", 501, "NotImplemented"},
		{"object HEAD ?attributes", "HEAD", "/routes/k?attributes", "", nil, nil, false, "Unknown", 501, ""},
		{"object POST ?uploads&attributes", "POST", "/routes/mp?uploads&attributes", "", nil, nil, false, "Unknown", 501, "NotImplemented"},
		{"bucket GET ?attributes", "GET", "/routes?attributes", "", nil, nil, false, "Unknown", 501, "NotImplemented"},
		{"bucket PUT ?attributes", "PUT", "/routes?attributes", "", nil, nil, false, "Unknown", 501, "NotImplemented"},
		{"bucket DELETE ?attributes", "DELETE", "/routes?attributes", "", nil, nil, false, "Unknown", 501, "NotImplemented"},
		{"bucket POST ?delete&attributes", "POST", "/routes?delete&attributes", "", http.Header{"Content-Md5": {s3test.MD5Base64(deleteDoc)}}, deleteDoc, false, "Unknown", 501, "NotImplemented"},
		{"PATCH", "PATCH", "/routes/k", "", nil, nil, false, "Unknown", 501, "NotImplemented"},
		{"POST to an object without ?uploads or ?uploadId", "POST", "/routes/k", "", nil, nil, false, "Unknown", 501, "NotImplemented"},

		// Virtual-hosted addressing: the bucket is the host's first label.
		{"virtual-hosted bucket GET", "GET", "/", vhost, nil, nil, false, "ListObjects", 200, ""},
		{"virtual-hosted ?acl", "GET", "/?acl", vhost, nil, nil, false, "GetBucketAcl", 200, ""},
		{"virtual-hosted object GET", "GET", "/k", vhost, nil, nil, false, "GetObject", 200, ""},
		{"virtual-hosted, host in upper case", "GET", "/k", strings.ToUpper(vhost), nil, nil, false, "GetObject", 200, ""},
		{"virtual-hosted, host with a port", "HEAD", "/k", vhost + ":8080", nil, nil, false, "HeadObject", 200, ""},
		{"virtual-hosted object PUT ?acl", "PUT", "/k?acl", vhost, http.Header{"X-Amz-Acl": {"private"}}, nil, false, "PutObjectAcl", 200, ""},
		{"the domain itself is the service", "GET", "/", routingDomain, nil, nil, false, "ListBuckets", 200, ""},
		{"virtual-hosted: the health path is a key", "GET", "/_doorman/health", vhost, nil, nil, false, "GetObject", 404, "NoSuchKey"},
		{"a host outside the domain is path-style", "GET", "/routes/k", "routes.elsewhere.test", nil, nil, false, "GetObject", 200, ""},

		// Bucket names and keys.
		{"bucket name with upper case", "PUT", "/Routes_Bad", "", nil, nil, false, "CreateBucket", 400, "InvalidBucketName"},
		{"bucket name of two characters", "PUT", "/ab", "", nil, nil, false, "CreateBucket", 400, "InvalidBucketName"},
		{"missing bucket", "GET", "/no-such-bucket", "", nil, nil, false, "ListObjects", 404, "NoSuchBucket"},
		{"a trailing slash names the bucket", "GET", "/routes/", "", nil, nil, false, "ListObjects", 200, ""},
		{"key with dot segments, kept as sent", "PUT", "/routes/a/../b", "", nil, []byte("dots"), false, "PutObject", 200, ""},
		{"key with an escaped slash", "PUT", "/routes/a%2Fb", "", nil, []byte("slash"), false, "PutObject", 200, ""},
		{"key of 1024 bytes", "PUT", "/routes/" + strings.Repeat("k", 1024), "", nil, []byte("long"), false, "PutObject", 200, ""},
		{"key of 1025 bytes", "PUT", "/routes/" + strings.Repeat("k", 1025), "", nil, []byte("long"), false, "PutObject", 400, "KeyTooLongError"},
		{"key of the slash alone", "GET", "/routes//", "", nil, nil, false, "GetObject", 404, "NoSuchKey"},
	} {
		styles := map[string]string{"path-style": ""}
		if tc.host != "" {
			styles = map[string]string{"as written": tc.host}
		} else if host, _, ok := virtualHosted(tc.path); ok {
			styles["virtual-hosted"] = host
		}
		for _, style := range []string{"path-style", "virtual-hosted", "as written"} {
			host, ok := styles[style]
			if !ok {
				continue
			}
			t.Run(style+"/"+tc.name, func(t *testing.T) {
				as := s3test.Owner
				if tc.anonymous {
					as = s3test.Anonymous
				}
				path := tc.path
				if style == "virtual-hosted" {
					_, path, _ = virtualHosted(tc.path)
				}
				res, body := srv.Do(t, s3test.Request{Method: tc.method, Path: path, Host: host, Header: tc.header, Body: tc.body, As: as})
				if tc.code != "" && tc.method != "HEAD" {
					s3test.WantError(t, "answer", res, body, tc.status, tc.code, "")
				} else if res.StatusCode != tc.status {
					t.Errorf("status %d, want %d\n%s", res.StatusCode, tc.status, body)
				}
				if op := srv.Logged(t, res.Header.Get("X-Amz-Request-Id"))["op"]; op != tc.op {
					t.Errorf("operation %v, want %s", op, tc.op)
				}
			})
		}
	}

	// Keys are stored as sent: the dot segments and the escaped slash are parts of the key.
	for path, want := range map[string]string{"/routes/a/../b": "dots", "/routes/a/b": "slash"} {
		if _, body := srv.Do(t, s3test.Request{Method: "GET", Path: path, As: s3test.Owner}); string(body) != want {
			t.Errorf("GET %s: %q, want %q", path, body, want)
		}
	}
	// The health path answers on a path-style request, outside the S3 API.
	if res, body := srv.Do(t, s3test.Request{Method: "GET", Path: s3api.HealthPath}); res.StatusCode != 200 || string(body) != "ok\n" {
		t.Errorf("health: %d %q", res.StatusCode, body)
	}
}

// virtualHosted is the virtual-hosted form of a path-style request for a bucket or an object:
// the bucket moves from the path to the host.
func virtualHosted(pathStyle string) (host, path string, ok bool) {
	p, query, hasQuery := strings.Cut(pathStyle, "?")
	bucket, key, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	if bucket == "" {
		return "", "", false
	}
	path = "/" + key
	if hasQuery {
		path += "?" + query
	}
	return bucket + "." + routingDomain, path, true
}
