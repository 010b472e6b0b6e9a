package integration

import (
	"bytes"
	"encoding/xml"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// Every header and query parameter doorman does not implement is refused, as the README's
// table says, and a refused request changes nothing.
func TestUnsupportedHeadersRefused(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "")
	const b = "refusals"
	signed := func(method, path string, h http.Header, body []byte) (*http.Response, []byte) {
		return srv.Do(t, s3test.Request{Method: method, Path: path, Header: h, Body: body, As: s3test.Owner})
	}
	mustOK := func(what, method, path string, h http.Header, body []byte) []byte {
		t.Helper()
		res, out := signed(method, path, h, body)
		if res.StatusCode/100 != 2 {
			t.Fatalf("%s: %d %s", what, res.StatusCode, out)
		}
		return out
	}
	mustOK("CreateBucket", "PUT", "/"+b, nil, nil)
	mustOK("PutObject", "PUT", "/"+b+"/keep", nil, []byte("data"))
	body := mustOK("CreateMultipartUpload", "POST", "/"+b+"/mp?uploads", nil, nil)
	var up struct {
		UploadID string `xml:"UploadId"`
	}
	if err := xml.Unmarshal(body, &up); err != nil {
		t.Fatal(err)
	}
	body = mustOK("ListBuckets", "GET", "/", nil, nil)
	var owner struct {
		ID string `xml:"Owner>ID"`
	}
	if err := xml.Unmarshal(body, &owner); err != nil || owner.ID == "" {
		t.Fatalf("ListBuckets owner: %v %s", err, body)
	}

	obj := "/" + b + "/new"
	part := "/" + b + "/mp?partNumber=1&uploadId=" + up.UploadID
	complete := []byte("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>")
	del := []byte("<Delete><Object><Key>keep</Key></Object></Delete>")
	copyFrom := func(h http.Header) http.Header {
		h["X-Amz-Copy-Source"] = []string{"/" + b + "/keep"}
		return h
	}
	ssec := http.Header{
		"X-Amz-Server-Side-Encryption-Customer-Algorithm": {"AES256"},
		"X-Amz-Server-Side-Encryption-Customer-Key":       {"MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI="},
		"X-Amz-Server-Side-Encryption-Customer-Key-Md5":   {"4l0Sm6ZDPTqDpcwhQqsJxw=="},
	}
	with := func(h http.Header, more http.Header) http.Header {
		out := http.Header{}
		for _, m := range []http.Header{h, more} {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	const (
		notImpl   = "NotImplemented"
		lockMsg   = "Bucket is missing ObjectLockConfiguration"
		notImplMs = "A header you provided implies functionality that is not implemented"
		// What doorman refuses in a request document or the query names what it refuses, not a
		// header.
		createConfigMs = "The Location, Bucket and Tags elements of CreateBucketConfiguration are not implemented."
		// Grants are implemented; on this bucket, whose ACLs are disabled (BucketOwnerEnforced,
		// a new bucket's default), they are refused.
		noACLs   = "AccessControlListNotSupported"
		noACLsMs = "The bucket does not allow ACLs"
		// SSE-C is served over HTTPS only, as S3 serves it (docs/encryption.md#sse-c).
		insecureMs = "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection."
	)
	// Dual-layer SSE-KMS is the one kind of server-side encryption doorman does not implement.
	dsse := http.Header{"X-Amz-Server-Side-Encryption": {"aws:kms:dsse"}}
	wrongOwner := http.Header{"X-Amz-Expected-Bucket-Owner": {"123456789012"}}
	tests := []struct {
		name         string
		method, path string
		header       http.Header
		body         []byte
		status       int
		code         string
		headerElem   string // the Header element of a NotImplemented answer
		message      string
	}{
		// PutObject.
		{"PutObject DSSE-KMS", "PUT", obj, dsse, []byte("new"), 501, notImpl, "X-Amz-Server-Side-Encryption", notImplMs},
		{"PutObject SSE-C over HTTP", "PUT", obj, ssec, []byte("new"), 400, "InvalidRequest", "", insecureMs},
		{"PutObject lock mode", "PUT", obj, http.Header{"X-Amz-Object-Lock-Mode": {"GOVERNANCE"}, "X-Amz-Object-Lock-Retain-Until-Date": {"2099-01-01T00:00:00Z"}}, []byte("new"), 400, "InvalidRequest", "", lockMsg},
		{"PutObject legal hold", "PUT", obj, http.Header{"X-Amz-Object-Lock-Legal-Hold": {"ON"}}, []byte("new"), 400, "InvalidRequest", "", lockMsg},
		{"PutObject website redirect", "PUT", obj, http.Header{"X-Amz-Website-Redirect-Location": {"/elsewhere"}}, []byte("new"), 501, notImpl, "X-Amz-Website-Redirect-Location", notImplMs},
		{"PutObject grant", "PUT", obj, http.Header{"X-Amz-Grant-Read": {`uri="http://acs.amazonaws.com/groups/global/AllUsers"`}}, []byte("new"), 400, noACLs, "", noACLsMs},
		{"PutObject append", "PUT", obj, http.Header{"X-Amz-Write-Offset-Bytes": {"0"}}, []byte("new"), 501, notImpl, "X-Amz-Write-Offset-Bytes", notImplMs},
		{"PutObject SHA512 checksum", "PUT", obj, http.Header{"X-Amz-Checksum-Sha512": {"AAAA"}}, []byte("new"), 501, notImpl, "X-Amz-Checksum-Sha512", notImplMs},
		{"PutObject XXHASH64 checksum", "PUT", obj, http.Header{"X-Amz-Checksum-Xxhash64": {"AAAAAAAAAAA="}}, []byte("new"), 501, notImpl, "X-Amz-Checksum-Xxhash64", notImplMs},
		{"PutObject expected owner", "PUT", obj, wrongOwner, []byte("new"), 403, "AccessDenied", "", "Access Denied"},
		// CopyObject.
		{"CopyObject DSSE-KMS", "PUT", obj, copyFrom(with(dsse, nil)), nil, 501, notImpl, "X-Amz-Server-Side-Encryption", notImplMs},
		{"CopyObject source SSE-C over HTTP", "PUT", obj, copyFrom(http.Header{"X-Amz-Copy-Source-Server-Side-Encryption-Customer-Algorithm": {"AES256"}}), nil, 400, "InvalidRequest", "", insecureMs},
		{"CopyObject lock", "PUT", obj, copyFrom(http.Header{"X-Amz-Object-Lock-Legal-Hold": {"ON"}}), nil, 400, "InvalidRequest", "", lockMsg},
		{"CopyObject expected owner", "PUT", obj, copyFrom(with(wrongOwner, nil)), nil, 403, "AccessDenied", "", ""},
		{"CopyObject source expected owner", "PUT", obj, copyFrom(http.Header{"X-Amz-Source-Expected-Bucket-Owner": {"123456789012"}}), nil, 403, "AccessDenied", "", ""},
		// Multipart uploads.
		{"CreateMultipartUpload DSSE-KMS", "POST", obj + "?uploads", dsse, nil, 501, notImpl, "X-Amz-Server-Side-Encryption", notImplMs},
		{"CreateMultipartUpload lock", "POST", obj + "?uploads", http.Header{"X-Amz-Object-Lock-Mode": {"COMPLIANCE"}}, nil, 400, "InvalidRequest", "", lockMsg},
		{"CreateMultipartUpload expected owner", "POST", obj + "?uploads", wrongOwner, nil, 403, "AccessDenied", "", ""},
		{"UploadPart SSE-C over HTTP", "PUT", part, ssec, []byte("part"), 400, "InvalidRequest", "", insecureMs},
		{"UploadPartCopy source SSE-C over HTTP", "PUT", part, copyFrom(http.Header{"X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key": {"k"}}), nil, 400, "InvalidRequest", "", insecureMs},
		{"UploadPartCopy source expected owner", "PUT", part, copyFrom(http.Header{"X-Amz-Source-Expected-Bucket-Owner": {"123456789012"}}), nil, 403, "AccessDenied", "", ""},
		{"CompleteMultipartUpload object size", "POST", "/" + b + "/mp?uploadId=" + up.UploadID, http.Header{"X-Amz-Mp-Object-Size": {"4"}}, complete, 501, notImpl, "X-Amz-Mp-Object-Size", notImplMs},
		{"AbortMultipartUpload initiated time", "DELETE", "/" + b + "/mp?uploadId=" + up.UploadID, http.Header{"X-Amz-If-Match-Initiated-Time": {"Mon, 30 Nov 2026 00:00:00 GMT"}}, nil, 501, notImpl, "X-Amz-If-Match-Initiated-Time", notImplMs},
		{"ListParts SSE-C over HTTP", "GET", "/" + b + "/mp?uploadId=" + up.UploadID, ssec, nil, 400, "InvalidRequest", "", insecureMs},
		// Reads.
		{"GetObject SSE-C over HTTP", "GET", "/" + b + "/keep", ssec, nil, 400, "InvalidRequest", "", insecureMs},
		{"HeadObject SSE-C over HTTP", "HEAD", "/" + b + "/keep", ssec, nil, 400, "", "", ""},
		{"GetObjectAttributes SSE-C over HTTP", "GET", "/" + b + "/keep?attributes", with(ssec, http.Header{"X-Amz-Object-Attributes": {"ETag"}}), nil, 400, "InvalidRequest", "", insecureMs},
		{"GetObject expected owner", "GET", "/" + b + "/keep", wrongOwner, nil, 403, "AccessDenied", "", ""},
		{"ListObjectsV2 optional attributes", "GET", "/" + b + "?list-type=2", http.Header{"X-Amz-Optional-Object-Attributes": {"RestoreStatus"}}, nil, 501, notImpl, "X-Amz-Optional-Object-Attributes", notImplMs},
		{"ListObjects expected owner", "GET", "/" + b, wrongOwner, nil, 403, "AccessDenied", "", ""},
		// Deletes.
		{"DeleteObject last-modified condition", "DELETE", "/" + b + "/keep", http.Header{"X-Amz-If-Match-Last-Modified-Time": {"Mon, 30 Nov 2026 00:00:00 GMT"}}, nil, 501, notImpl, "X-Amz-If-Match-Last-Modified-Time", notImplMs},
		{"DeleteObject size condition", "DELETE", "/" + b + "/keep", http.Header{"X-Amz-If-Match-Size": {"4"}}, nil, 501, notImpl, "X-Amz-If-Match-Size", notImplMs},
		{"DeleteObject MFA", "DELETE", "/" + b + "/keep", http.Header{"X-Amz-Mfa": {"serial 123456"}}, nil, 501, notImpl, "X-Amz-Mfa", notImplMs},
		{"DeleteObject expected owner", "DELETE", "/" + b + "/keep", wrongOwner, nil, 403, "AccessDenied", "", ""},
		{"DeleteObjects MD5 checksum", "POST", "/" + b + "?delete", http.Header{"X-Amz-Checksum-Md5": {s3test.MD5Base64(del)}}, del, 501, notImpl, "X-Amz-Checksum-Md5", notImplMs},
		{"DeleteObjects expected owner", "POST", "/" + b + "?delete", with(wrongOwner, http.Header{"Content-Md5": {s3test.MD5Base64(del)}}), del, 403, "AccessDenied", "", ""},
		// Buckets.
		{"PutObjectLockConfiguration token", "PUT", "/" + b + "?object-lock", http.Header{"X-Amz-Bucket-Object-Lock-Token": {"token"}}, nil, 501, notImpl, "X-Amz-Bucket-Object-Lock-Token", notImplMs},
		{"CreateBucket grant to an unknown id", "PUT", "/refusals-new", http.Header{"X-Amz-Grant-Full-Control": {"id=abc"}}, nil, 400, "InvalidArgument", "", "Invalid id"},
		{"CreateBucket tags", "PUT", "/refusals-new", nil, []byte("<CreateBucketConfiguration><Tags><Tag><Key>a</Key><Value>b</Value></Tag></Tags></CreateBucketConfiguration>"), 501, notImpl, "", createConfigMs},
		{"CreateBucket directory bucket", "PUT", "/refusals-new", nil, []byte("<CreateBucketConfiguration><Location><Type>AvailabilityZone</Type><Name>use1-az4</Name></Location><Bucket><Type>Directory</Type></Bucket></CreateBucketConfiguration>"), 501, notImpl, "", createConfigMs},
		{"PutBucketAcl grants in a body", "PUT", "/" + b + "?acl", nil, []byte(`<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>` + owner.ID + `</ID></Owner><AccessControlList/></AccessControlPolicy>`), 400, noACLs, "", noACLsMs},
		{"PutBucketAcl grant", "PUT", "/" + b + "?acl", http.Header{"X-Amz-Grant-Read": {`uri="http://acs.amazonaws.com/groups/global/AllUsers"`}}, nil, 400, noACLs, "", noACLsMs},
		{"PutObjectAcl grant", "PUT", "/" + b + "/keep?acl", http.Header{"X-Amz-Grant-Read": {`uri="http://acs.amazonaws.com/groups/global/AllUsers"`}}, nil, 400, noACLs, "", noACLsMs},
		{"PutBucketAcl expected owner", "PUT", "/" + b + "?acl", with(wrongOwner, http.Header{"X-Amz-Acl": {"public-read"}}), nil, 403, "AccessDenied", "", ""},
		{"HeadBucket expected owner", "HEAD", "/" + b, wrongOwner, nil, 403, "", "", ""},
		{"DeleteBucket expected owner", "DELETE", "/" + b, wrongOwner, nil, 403, "AccessDenied", "", ""},
	}
	// unchanged checks that nothing a refused request could have done happened.
	unchanged := func(t *testing.T) {
		t.Helper()
		res, body := signed("GET", "/"+b+"?list-type=2", nil, nil)
		var l struct {
			Keys []string `xml:"Contents>Key"`
		}
		if err := xml.Unmarshal(body, &l); err != nil || res.StatusCode != 200 || !slices.Equal(l.Keys, []string{"keep"}) {
			t.Errorf("bucket listing: %d %q %v", res.StatusCode, l.Keys, err)
		}
		if res, body := signed("GET", "/"+b+"/keep", nil, nil); res.StatusCode != 200 || string(body) != "data" {
			t.Errorf("the object: %d %q", res.StatusCode, body)
		}
		res, body = signed("GET", "/"+b+"?uploads", nil, nil)
		if res.StatusCode != 200 || strings.Count(string(body), "<Upload>") != 1 || !strings.Contains(string(body), up.UploadID) {
			t.Errorf("uploads: %d %s", res.StatusCode, body)
		}
		if res, body := signed("GET", "/"+b+"/mp?uploadId="+up.UploadID, nil, nil); res.StatusCode != 200 || strings.Contains(string(body), "<Part>") {
			t.Errorf("parts: %d %s", res.StatusCode, body)
		}
		if res, body := signed("GET", "/"+b+"?acl", nil, nil); res.StatusCode != 200 || strings.Contains(string(body), "AllUsers") {
			t.Errorf("the bucket's ACL: %d %s", res.StatusCode, body)
		}
		if res, body := signed("GET", "/"+b+"/keep?acl", nil, nil); res.StatusCode != 200 || strings.Contains(string(body), "AllUsers") {
			t.Errorf("the object's ACL: %d %s", res.StatusCode, body)
		}
		if res, _ := signed("HEAD", "/refusals-new", nil, nil); res.StatusCode != 404 {
			t.Errorf("a refused CreateBucket created the bucket: %d", res.StatusCode)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := signed(tt.method, tt.path, tt.header, tt.body)
			if tt.method == "HEAD" {
				if res.StatusCode != tt.status {
					t.Errorf("status %d, want %d", res.StatusCode, tt.status)
				}
			} else {
				s3test.WantError(t, tt.name, res, body, tt.status, tt.code, tt.message)
				var e struct {
					Header string `xml:"Header"`
				}
				if err := xml.Unmarshal(body, &e); err != nil || e.Header != tt.headerElem {
					t.Errorf("Header element %q, want %q (%v)", e.Header, tt.headerElem, err)
				}
			}
			unchanged(t)
		})
	}

	// What is honoured: the bucket's own owner id, a disabled Object Lock, the Requester
	// Pays acknowledgement (no bucket is Requester Pays), a tagging directive.
	right := http.Header{"X-Amz-Expected-Bucket-Owner": {owner.ID}}
	mustOK("PutObject with the right expected owner", "PUT", obj, right, []byte("new"))
	mustOK("CopyObject with the right owners", "PUT", "/"+b+"/copy", copyFrom(http.Header{
		"X-Amz-Expected-Bucket-Owner": {owner.ID}, "X-Amz-Source-Expected-Bucket-Owner": {owner.ID}, "X-Amz-Tagging-Directive": {"COPY"}}), nil)
	mustOK("GetObject with x-amz-request-payer", "GET", obj, http.Header{"X-Amz-Request-Payer": {"requester"}}, nil)
	mustOK("CreateBucket with Object Lock disabled", "PUT", "/refusals-new", http.Header{"X-Amz-Bucket-Object-Lock-Enabled": {"false"}}, nil)
	// A governance bypass deletes: no object is locked, so there is nothing to bypass.
	bypass := http.Header{"X-Amz-Bypass-Governance-Retention": {"true"}}
	mustOK("PutObject to delete", "PUT", "/"+b+"/bypass", nil, []byte("x"))
	mustOK("DeleteObject with a governance bypass", "DELETE", "/"+b+"/bypass", bypass, nil)
	if res, _ := signed("HEAD", "/"+b+"/bypass", nil, nil); res.StatusCode != 404 {
		t.Errorf("DeleteObject with a governance bypass left the object: HEAD %d", res.StatusCode)
	}
	mustOK("DeleteObjects with a governance bypass", "POST", "/"+b+"?delete", with(bypass, http.Header{"Content-Md5": {s3test.MD5Base64(del)}}), del)
}

// DeleteObject and DeleteObjects honour If-Match and the ETag element as S3 does: the object
// with that ETag is deleted, another stays (412 PreconditionFailed), none is 404 NoSuchKey.
// The condition needs read permission on the object, as s3:GetObject in S3.
func TestConditionalDeletes(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "")
	const b = "conditional-deletes"
	signed := func(method, path string, h http.Header, body []byte) (*http.Response, []byte) {
		return srv.Do(t, s3test.Request{Method: method, Path: path, Header: h, Body: body, As: s3test.Owner})
	}
	exists := func(key string) bool {
		res, _ := signed("HEAD", "/"+b+"/"+key, nil, nil)
		return res.StatusCode == 200
	}
	srv.CreateACLBucket(t, s3test.Owner, b, "public-read-write")
	for _, k := range []string{"k", "k2", "private"} {
		if res, body := signed("PUT", "/"+b+"/"+k, nil, []byte("v-"+k)); res.StatusCode != 200 {
			t.Fatalf("PutObject: %d %s", res.StatusCode, body)
		}
	}
	etag := func(k string) string { return `"` + md5HexOf([]byte("v-"+k)) + `"` }

	res, body := signed("DELETE", "/"+b+"/k", http.Header{"If-Match": {`"0123456789abcdef0123456789abcdef"`}}, nil)
	s3test.WantError(t, "DELETE with another ETag", res, body, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
	if !exists("k") {
		t.Fatal("a DELETE whose If-Match failed deleted the object")
	}
	if res, body := signed("DELETE", "/"+b+"/k", http.Header{"If-Match": {etag("k")}}, nil); res.StatusCode != 204 || exists("k") {
		t.Fatalf("DELETE with the object's ETag: %d %s", res.StatusCode, body)
	}
	res, body = signed("DELETE", "/"+b+"/k", http.Header{"If-Match": {"*"}}, nil)
	s3test.WantError(t, "DELETE If-Match * of a missing key", res, body, 404, "NoSuchKey", "")

	// Anyone may delete in a public-read-write bucket, but testing the ETag of an object
	// they may not read is refused, and the object stays.
	res, body = srv.Do(t, s3test.Request{Method: "DELETE", Path: "/" + b + "/private", Header: http.Header{"If-Match": {etag("private")}}})
	s3test.WantError(t, "anonymous conditional DELETE of a private object", res, body, 403, "AccessDenied", "")
	if !exists("private") {
		t.Fatal("a refused conditional DELETE deleted the object")
	}

	deleteObjects := func(objects string) (deleted, codes []string) {
		t.Helper()
		doc := []byte("<Delete>" + objects + "</Delete>")
		res, body := signed("POST", "/"+b+"?delete", http.Header{"Content-Md5": {s3test.MD5Base64(doc)}}, doc)
		var out struct {
			Deleted []string `xml:"Deleted>Key"`
			Errors  []string `xml:"Error>Code"`
		}
		if err := xml.Unmarshal(body, &out); err != nil || res.StatusCode != 200 {
			t.Fatalf("DeleteObjects: %d %v %s", res.StatusCode, err, body)
		}
		return out.Deleted, out.Errors
	}
	deleted, codes := deleteObjects(`<Object><Key>k2</Key><ETag>"0123456789abcdef0123456789abcdef"</ETag></Object>`)
	if len(deleted) != 0 || !slices.Equal(codes, []string{"PreconditionFailed"}) || !exists("k2") {
		t.Errorf("DeleteObjects with another ETag: deleted %q, errors %q", deleted, codes)
	}
	deleted, codes = deleteObjects(`<Object><Key>k2</Key><Size>4</Size></Object>`)
	if len(deleted) != 0 || !slices.Equal(codes, []string{"NotImplemented"}) || !exists("k2") {
		t.Errorf("DeleteObjects with a size condition: deleted %q, errors %q", deleted, codes)
	}
	deleted, codes = deleteObjects(`<Object><Key>k2</Key><ETag>` + etag("k2") + `</ETag></Object><Object><Key>gone</Key><ETag>"x"</ETag></Object>`)
	if !slices.Equal(deleted, []string{"k2"}) || !slices.Equal(codes, []string{"NoSuchKey"}) || exists("k2") {
		t.Errorf("DeleteObjects with the object's ETag: deleted %q, errors %q", deleted, codes)
	}
}

// A form upload's fields are refused as the headers of a PutObject are.
func TestPostFormFieldsRefused(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "")
	const b = "refused-forms"
	srv.CreateACLBucket(t, s3test.Owner, b, "public-read-write")
	tests := []struct {
		field, value string
		status       int
		code, header string
	}{
		{"x-amz-server-side-encryption", "aws:kms:dsse", 501, "NotImplemented", "X-Amz-Server-Side-Encryption"},
		// SSE-C over plain HTTP (docs/encryption.md#sse-c).
		{"x-amz-server-side-encryption-customer-algorithm", "AES256", 400, "InvalidRequest", ""},
		{"x-amz-object-lock-legal-hold", "ON", 400, "InvalidRequest", ""},
		{"x-amz-website-redirect-location", "/elsewhere", 501, "NotImplemented", "X-Amz-Website-Redirect-Location"},
		{"x-amz-checksum-sha512", "AAAA", 501, "NotImplemented", "X-Amz-Checksum-Sha512"},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			var form bytes.Buffer
			w := multipart.NewWriter(&form)
			_ = w.WriteField("key", "posted")
			_ = w.WriteField(tt.field, tt.value)
			fw, _ := w.CreateFormFile("file", "f.txt")
			_, _ = fw.Write([]byte("form body"))
			_ = w.Close()
			res, body := srv.Do(t, s3test.Request{Method: "POST", Path: "/" + b, Header: http.Header{"Content-Type": {w.FormDataContentType()}}, Body: form.Bytes()})
			s3test.WantError(t, tt.field, res, body, tt.status, tt.code, "")
			var e struct {
				Header string `xml:"Header"`
			}
			if err := xml.Unmarshal(body, &e); err != nil || e.Header != tt.header {
				t.Errorf("Header element %q, want %q (%v)", e.Header, tt.header, err)
			}
			if res, _ := srv.Do(t, s3test.Request{Method: "HEAD", Path: "/" + b + "/posted", As: s3test.Owner}); res.StatusCode != 404 {
				t.Errorf("a refused form stored the object: HEAD %d", res.StatusCode)
			}
		})
	}
	// The same form without the field is stored: the refusals are what made the difference.
	var form bytes.Buffer
	w := multipart.NewWriter(&form)
	_ = w.WriteField("key", "posted")
	fw, _ := w.CreateFormFile("file", "f.txt")
	_, _ = fw.Write([]byte("form body"))
	_ = w.Close()
	if res, body := srv.Do(t, s3test.Request{Method: "POST", Path: "/" + b, Header: http.Header{"Content-Type": {w.FormDataContentType()}}, Body: form.Bytes()}); res.StatusCode != 204 {
		t.Errorf("a plain anonymous form: %d %s", res.StatusCode, body)
	}
}

// The account that wrote an object may delete it conditionally, as it may read it: the ETag
// test asks the same permission as GetObject, which the writer has on its own private object.
func TestConditionalDeleteByTheWriter(t *testing.T) {
	t.Parallel()
	srv := startTwoAccountServer(t)
	const b = "writer-deletes"
	as := func(ak, sk, method, path string, h http.Header, body []byte) (*http.Response, []byte) {
		return srv.Do(t, s3test.Request{Method: method, Path: path, Header: h, Body: body, As: s3test.Account{AccessKey: ak, SecretKey: sk}})
	}
	srv.CreateACLBucket(t, s3test.Owner, b, "public-read-write")
	data := []byte("the writer's own")
	if res, body := as(acct2AccessKey, acct2SecretKey, "PUT", "/"+b+"/k", nil, data); res.StatusCode != 200 {
		t.Fatalf("PutObject by the writer: %d %s", res.StatusCode, body)
	}
	if res, body := as(acct2AccessKey, acct2SecretKey, "DELETE", "/"+b+"/k", http.Header{"If-Match": {`"` + md5HexOf(data) + `"`}}, nil); res.StatusCode != 204 {
		t.Fatalf("the writer's DELETE with If-Match: %d %s", res.StatusCode, body)
	}
	if res, _ := as(accessKey, secretKey, "HEAD", "/"+b+"/k", nil, nil); res.StatusCode != 404 {
		t.Errorf("the object is still there: HEAD %d", res.StatusCode)
	}
}
