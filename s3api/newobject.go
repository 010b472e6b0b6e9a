package s3api

import (
	"net/http"
	"strings"

	"github.com/doorman-s3/doorman/acl"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

// What a request that creates an object (PutObject, CopyObject, CreateMultipartUpload,
// PostObject) says about it besides its bytes: its metadata, ACL, storage class, the validity
// of its key, and the conditions on what it replaces.

// defaultContentType is what S3 records for an object stored without a Content-Type.
const defaultContentType = "binary/octet-stream"

var storageClasses = map[string]bool{
	"STANDARD": true, "REDUCED_REDUNDANCY": true, "STANDARD_IA": true, "ONEZONE_IA": true,
	"INTELLIGENT_TIERING": true, "GLACIER": true, "DEEP_ARCHIVE": true, "GLACIER_IR": true,
	"OUTPOSTS": true, "SNOW": true, "EXPRESS_ONEZONE": true,
}

// metadataFromHeaders reads the object metadata a PUT, POST or copy sets.
func metadataFromHeaders(h http.Header) storage.ObjectMetadata {
	m := storage.ObjectMetadata{
		ContentType:        h.Get("Content-Type"),
		ContentEncoding:    stripAWSChunked(h.Get("Content-Encoding")),
		ContentDisposition: h.Get("Content-Disposition"),
		ContentLanguage:    h.Get("Content-Language"),
		CacheControl:       h.Get("Cache-Control"),
		Expires:            h.Get("Expires"),
	}
	if m.ContentType == "" {
		m.ContentType = defaultContentType
	}
	for k, vs := range h {
		if name, ok := strings.CutPrefix(strings.ToLower(k), "x-amz-meta-"); ok && name != "" {
			if m.User == nil {
				m.User = map[string]string{}
			}
			m.User[name] = strings.Join(vs, ",")
		}
	}
	return m
}

// stripAWSChunked removes the aws-chunked coding, which describes the transfer, not the
// object. A value without it is kept byte for byte ("deflate, gzip" stays as sent).
func stripAWSChunked(v string) string {
	if !strings.Contains(strings.ToLower(v), "aws-chunked") {
		return v
	}
	var keep []string
	for _, c := range strings.Split(v, ",") {
		if c = strings.TrimSpace(c); c != "" && !strings.EqualFold(c, "aws-chunked") {
			keep = append(keep, c)
		}
	}
	return strings.Join(keep, ",")
}

func (rc *request) storageClass() (string, error) {
	sc := rc.r.Header.Get("X-Amz-Storage-Class")
	if sc != "" && !storageClasses[sc] {
		return "", s3err.InvalidStorageClass
	}
	return sc, nil
}

// orDefaultStorageClass is the storage class listings show: STANDARD when none was given.
func orDefaultStorageClass(sc string) string {
	if sc == "" {
		return storage.DefaultStorageClass
	}
	return sc
}

func writeConditions(h http.Header) storage.WriteConditions {
	return storage.WriteConditions{IfMatch: h.Get("If-Match"), IfNoneMatch: h.Get("If-None-Match") == "*"}
}

// newObjectSettings reads what every request creating an object in st names: its ACL (nil
// when none: a canned ACL or grant headers, which the bucket's Object Ownership and Block
// Public Access may refuse), its key's validity and its storage class.
func (rc *request) newObjectSettings(st *bucketState) (a *acl.ACL, storageClass string, err error) {
	if a, err = rc.newObjectACL(st); err != nil {
		return
	}
	if err = storage.ValidateKey(rc.key); err != nil {
		return
	}
	storageClass, err = rc.storageClass()
	return
}

// newObjectACL reads the ACL a request creating an object in st sets (nil: none), its
// grantees resolved, once it is known to be one st accepts.
func (rc *request) newObjectACL(st *bucketState) (*acl.ACL, error) {
	a, err := rc.headerACL()
	if err == nil {
		err = rc.s.resolveACL(a)
	}
	if err == nil {
		err = st.checkACL(a)
	}
	return a, err
}
