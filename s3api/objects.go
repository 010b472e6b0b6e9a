package s3api

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/doorman-s3/doorman/s3api/internal/checksum"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

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

func (rc *request) storageClass() (string, *s3err.Error) {
	sc := rc.r.Header.Get("X-Amz-Storage-Class")
	if sc != "" && !storageClasses[sc] {
		return "", s3err.InvalidStorageClass
	}
	return sc, nil
}

// bodySize is the size of the object the body carries: the declared decoded length of an
// aws-chunked body, else Content-Length. A body without a length (Transfer-Encoding: chunked) is refused
// with 411 MissingContentLength ("You must provide the Content-Length HTTP header", S3's error
// code list); ceph/s3-tests' test_object_write_with_chunked_transfer_encoding expects 200.
func (rc *request) bodySize() (int64, *s3err.Error) {
	if rc.decodedSize >= 0 {
		return rc.decodedSize, nil
	}
	if rc.r.ContentLength < 0 {
		return 0, s3err.MissingContentLength
	}
	return rc.r.ContentLength, nil
}

// bodyChecksum returns the checksum to compute over the body: the one declared in a header,
// or the algorithm of a trailer (whose value the signature layer checks as the body ends and
// trailingChecksum then hands to storage), or none.
func (rc *request) bodyChecksum() (storage.Checksum, *s3err.Error) {
	c, err := checksum.FromHeader(rc.r.Header)
	if err != nil {
		return storage.Checksum{}, asS3(err)
	}
	if c.Algorithm != "" {
		return storage.Checksum{Algorithm: c.Algorithm, Value: c.Value}, nil
	}
	alg, err := checksum.ParseTrailer(rc.r.Header.Get("X-Amz-Trailer"))
	if err != nil {
		return storage.Checksum{}, asS3(err)
	}
	if alg != "" {
		return storage.Checksum{Algorithm: alg}, nil
	}
	return storage.Checksum{}, nil
}

// trailingChecksum is the checksum an aws-chunked body carried in its trailer, once the body
// has been read to its end; the zero Checksum otherwise.
func (rc *request) trailingChecksum() storage.Checksum {
	if rc.auth == nil {
		return storage.Checksum{}
	}
	c, ok := rc.auth.TrailingChecksum()
	if !ok {
		return storage.Checksum{}
	}
	return storage.Checksum{Algorithm: c.Algorithm, Value: c.Value}
}

func writeConditions(h http.Header) storage.WriteConditions {
	return storage.WriteConditions{IfMatch: h.Get("If-Match"), IfNoneMatch: h.Get("If-None-Match") == "*"}
}

// newObjectSettings reads what every request creating an object names: its canned ACL, its
// key's validity and its storage class.
func (rc *request) newObjectSettings() (acl, storageClass string, e *s3err.Error) {
	if acl, e = rc.cannedACL(); e != nil {
		return
	}
	if e = validateKey(rc.key); e != nil {
		return
	}
	storageClass, e = rc.storageClass()
	return
}

// bodyDigests is what describes an object body: its size, and the Content-MD5 and checksum
// it must match.
type bodyDigests struct {
	size   int64
	md5sum []byte
	sum    storage.Checksum
}

func (rc *request) bodyDigests() (d bodyDigests, e *s3err.Error) {
	if d.size, e = rc.bodySize(); e != nil {
		return d, e
	}
	var err error
	if d.md5sum, err = checksum.ContentMD5(rc.r.Header.Get("Content-Md5")); err != nil {
		return d, asS3(err)
	}
	d.sum, e = rc.bodyChecksum()
	return d, e
}

func (s *Server) putObject(rc *request, st *bucketState) {
	h := rc.r.Header
	acl, sc, e := rc.newObjectSettings()
	var d bodyDigests
	if e == nil {
		d, e = rc.bodyDigests()
	}
	if e != nil {
		rc.writeError(e)
		return
	}
	info, err := s.cfg.Backend.PutObject(rc.ctx, rc.bucket, rc.key, rc.body, storage.PutObjectOptions{
		Size: d.size, ContentMD5: d.md5sum, Metadata: metadataFromHeaders(h), ACL: acl,
		StorageClass: sc, Checksum: d.sum, TrailingChecksum: rc.trailingChecksum, Conditions: writeConditions(h),
		Owner: rc.ownerID(), BucketID: st.info.ID,
	})
	if err != nil {
		rc.failObject(err)
		return
	}
	out := rc.w.Header()
	out["Etag"] = []string{quote(info.ETag)}
	writeChecksumHeader(out, info.Checksum)
	out["Content-Length"] = []string{"0"}
	rc.w.WriteHeader(http.StatusOK)
}

func validateKey(key string) *s3err.Error {
	if err := storage.ValidateKey(key); err != nil {
		return asS3(err)
	}
	return nil
}

// failObject maps a storage error of an object operation, adding the elements S3 puts in the
// body (the key of a NoSuchKey, the condition of a PreconditionFailed).
func (rc *request) failObject(err error) {
	switch {
	case errors.Is(err, storage.ErrNoSuchKey):
		rc.writeError(s3err.NoSuchKey.With("Key", rc.key))
	case errors.Is(err, storage.ErrNoSuchBucket):
		// The bucket was deleted, or deleted and created again, while the request ran.
		rc.writeError(s3err.NoSuchBucket.With("BucketName", rc.bucket))
	case errors.Is(err, storage.ErrPreconditionFailed):
		cond := "If-Match"
		if rc.r.Header.Get("If-None-Match") != "" {
			cond = "If-None-Match"
		}
		rc.writeError(s3err.PreconditionFailed.With("Condition", cond))
	default:
		rc.fail(err)
	}
}

func quote(etag string) string { return `"` + etag + `"` }

func writeChecksumHeader(h http.Header, c storage.Checksum) {
	if c.Algorithm == "" || c.Value == "" {
		return
	}
	if c.Algorithm.Valid() {
		h[http.CanonicalHeaderKey(checksum.Header(c.Algorithm))] = []string{c.Value}
		if c.Type != "" {
			h["X-Amz-Checksum-Type"] = []string{string(c.Type)}
		}
	}
}

// writeObjectHeaders sets the headers GET and HEAD return for an object.
func writeObjectHeaders(h http.Header, info *storage.ObjectInfo) {
	m := info.Metadata
	h["Etag"] = []string{quote(info.ETag)}
	h["Last-Modified"] = []string{info.LastModified.UTC().Format(http.TimeFormat)}
	h["Accept-Ranges"] = []string{"bytes"}
	h["Content-Type"] = []string{m.ContentType}
	set := func(name, v string) {
		if v != "" {
			h[name] = []string{v}
		}
	}
	set("Content-Encoding", m.ContentEncoding)
	set("Content-Disposition", m.ContentDisposition)
	set("Content-Language", m.ContentLanguage)
	set("Cache-Control", m.CacheControl)
	set("Expires", m.Expires)
	for k, v := range m.User {
		h["X-Amz-Meta-"+k] = []string{v}
	}
	if info.StorageClass != "" && info.StorageClass != storage.DefaultStorageClass {
		h["X-Amz-Storage-Class"] = []string{info.StorageClass}
	}
}

// responseOverrides are the response-* query parameters of GetObject.
var responseOverrides = [...][2]string{
	{"response-content-type", "Content-Type"},
	{"response-content-language", "Content-Language"},
	{"response-expires", "Expires"},
	{"response-cache-control", "Cache-Control"},
	{"response-content-disposition", "Content-Disposition"},
	{"response-content-encoding", "Content-Encoding"},
}

// getObject serves GetObject and HeadObject: read permission, conditions, Range, response-*
// overrides.
func (s *Server) getObject(rc *request, st *bucketState) {
	head := rc.r.Method == http.MethodHead
	q := rc.query
	var overrides [][2]string
	for _, o := range responseOverrides {
		if v, ok := q[o[0]]; ok {
			overrides = append(overrides, [2]string{o[1], v[0]})
		}
	}
	if len(overrides) > 0 && rc.user == nil {
		rc.writeError(s3err.InvalidRequest.Withf("Request specific response headers cannot be used for anonymous GET requests."))
		return
	}
	var (
		info storage.ObjectInfo
		obj  storage.ObjectReader
		err  error
	)
	if head {
		info, err = s.cfg.Backend.HeadObject(rc.ctx, rc.bucket, rc.key)
	} else {
		obj, info, err = s.cfg.Backend.GetObject(rc.ctx, rc.bucket, rc.key)
	}
	if err != nil {
		// Without permission to list the bucket, a missing key is not revealed: 403.
		if errors.Is(err, storage.ErrNoSuchKey) && rc.authorize(accessBucketRead, st, "") != nil {
			rc.writeError(s3err.AccessDenied)
			return
		}
		rc.failObject(err)
		return
	}
	if obj != nil {
		defer obj.Close()
	}
	if e := rc.authorizeObject(accessObjectRead, st, &info); e != nil {
		rc.writeError(e)
		return
	}
	h := rc.w.Header()
	switch status := checkReadConditions(rc.r.Header, &info); status {
	case http.StatusNotModified:
		h["Etag"] = []string{quote(info.ETag)}
		h["Last-Modified"] = []string{info.LastModified.UTC().Format(http.TimeFormat)}
		rc.w.WriteHeader(http.StatusNotModified)
		return
	case http.StatusPreconditionFailed:
		cond := "If-Match"
		if rc.r.Header.Get("If-Match") == "" {
			cond = "If-Unmodified-Since"
		}
		rc.writeError(s3err.PreconditionFailed.With("Condition", cond))
		return
	}
	start, length, partial, ok := parseRange(rc.r.Header.Get("Range"), info.Size)
	if !ok {
		rc.writeError(s3err.InvalidRange.With("RangeRequested", rc.r.Header.Get("Range")).With("ActualObjectSize", strconv.FormatInt(info.Size, 10)))
		return
	}
	writeObjectHeaders(h, &info)
	for _, o := range overrides {
		h[o[0]] = []string{o[1]}
	}
	if !partial && strings.EqualFold(rc.r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") {
		writeChecksumHeader(h, info.Checksum)
	}
	h["Content-Length"] = []string{strconv.FormatInt(length, 10)}
	status := http.StatusOK
	if partial {
		h["Content-Range"] = []string{fmt.Sprintf("bytes %d-%d/%d", start, start+length-1, info.Size)}
		status = http.StatusPartialContent
	}
	rc.w.WriteHeader(status)
	if head || length == 0 {
		return
	}
	// Seek and CopyN rather than a SectionReader: the reader is a file, so net/http can send it
	// with sendfile, without copying it through user space.
	_, err = obj.Seek(start, io.SeekStart)
	if err == nil {
		_, err = io.CopyN(rc.w, obj, length)
	}
	if err != nil {
		rc.s.log.Warn("object read interrupted", "request_id", rc.id, "error", err)
	}
}

// checkReadConditions applies If-Match, If-Unmodified-Since, If-None-Match and
// If-Modified-Since in S3's precedence: a true If-Match overrides a false
// If-Unmodified-Since, a false If-None-Match overrides a true If-Modified-Since. It returns
// 0 when the object is to be sent.
func checkReadConditions(h http.Header, info *storage.ObjectInfo) int {
	mod := info.LastModified.Truncate(time.Second)
	since := func(name string) (time.Time, bool) {
		v := h.Get(name)
		if v == "" {
			return time.Time{}, false
		}
		t, err := http.ParseTime(v)
		return t, err == nil
	}
	if im := h.Get("If-Match"); im != "" {
		if !etagMatches(im, info.ETag) {
			return http.StatusPreconditionFailed
		}
	} else if t, ok := since("If-Unmodified-Since"); ok && mod.After(t) {
		return http.StatusPreconditionFailed
	}
	if inm := h.Get("If-None-Match"); inm != "" {
		if etagMatches(inm, info.ETag) {
			return http.StatusNotModified
		}
	} else if t, ok := since("If-Modified-Since"); ok && !mod.After(t) {
		return http.StatusNotModified
	}
	return 0
}

// etagMatches reports whether a list of entity tags (quoted or not, or "*") names etag.
func etagMatches(list, etag string) bool {
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		t = strings.TrimPrefix(t, "W/")
		if t == "*" || strings.Trim(t, `"`) == etag {
			return true
		}
	}
	return false
}

// parseRange reads a Range header. S3 serves one range; a header it cannot parse (or with
// several ranges) is ignored and the whole object sent. ok is false when the range is
// syntactically fine but unsatisfiable (416).
func parseRange(v string, size int64) (start, length int64, partial, ok bool) {
	spec, found := strings.CutPrefix(v, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, size, false, true
	}
	a, b, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, size, false, true
	}
	if a == "" { // suffix: the last b bytes
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 0 {
			return 0, size, false, true
		}
		if n == 0 {
			return 0, 0, false, false
		}
		n = min(n, size)
		return size - n, n, true, size > 0
	}
	first, err := strconv.ParseInt(a, 10, 64)
	if err != nil || first < 0 {
		return 0, size, false, true
	}
	last := size - 1
	if b != "" {
		if last, err = strconv.ParseInt(b, 10, 64); err != nil || last < first {
			return 0, size, false, true
		}
		last = min(last, size-1)
	}
	if first >= size {
		return 0, 0, false, false
	}
	return first, last - first + 1, true, true
}

// deleteObject deletes a key, unconditionally or, with If-Match, only the object with that
// ETag ("*": any), as S3 does since September 2025: 412 PreconditionFailed for another
// object, 404 NoSuchKey for none
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-deletes.html).
func (s *Server) deleteObject(rc *request, st *bucketState) {
	ifMatch := rc.r.Header.Get("If-Match")
	if ifMatch != "" {
		if e := s.mayTestETag(rc, st, rc.key); e != nil {
			rc.writeError(e)
			return
		}
	}
	err := s.cfg.Backend.DeleteObject(rc.ctx, rc.bucket, rc.key, storage.DeleteObjectOptions{IfMatch: ifMatch, BucketID: st.info.ID})
	if err != nil && (ifMatch != "" || !errors.Is(err, storage.ErrNoSuchKey)) {
		rc.failObject(err)
		return
	}
	rc.w.WriteHeader(http.StatusNoContent)
}

// mayTestETag checks that the caller may read what a delete conditional on key's ETag would
// reveal: S3 asks s3:GetObject besides s3:DeleteObject of such a delete. As for GetObject, a
// missing key is revealed only to a caller that may list the bucket.
func (s *Server) mayTestETag(rc *request, st *bucketState, key string) *s3err.Error {
	if rc.authorize(accessOwner, st, "") == nil {
		return nil
	}
	info, err := s.cfg.Backend.HeadObject(rc.ctx, rc.bucket, key)
	switch {
	case err == nil:
		return rc.authorizeObject(accessObjectRead, st, &info)
	case errors.Is(err, storage.ErrNoSuchKey):
		return rc.authorize(accessBucketRead, st, "")
	}
	return asS3(err)
}

// maxDeleteObjects is the most keys one DeleteObjects request may name, as in S3.
const maxDeleteObjects = 1000

type deleteRequest struct {
	XMLName xml.Name `xml:"Delete"`
	Quiet   bool     `xml:"Quiet"`
	Objects []struct {
		Key       string `xml:"Key"`
		VersionID string `xml:"VersionId"`
		// ETag makes the delete conditional, as If-Match does for DeleteObject.
		ETag string `xml:"ETag"`
		// LastModifiedTime and Size are conditions of directory buckets only; doorman
		// refuses them rather than delete unconditionally.
		LastModifiedTime string `xml:"LastModifiedTime"`
		Size             string `xml:"Size"`
	} `xml:"Object"`
}

type deleteResult struct {
	XMLName xml.Name        `xml:"http://s3.amazonaws.com/doc/2006-03-01/ DeleteResult"`
	Deleted []deletedObject `xml:"Deleted"`
	Errors  []deleteError   `xml:"Error"`
}

type deletedObject struct {
	Key string `xml:"Key"`
}

type deleteError struct {
	Key     string `xml:"Key"`
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

func (s *Server) deleteObjects(rc *request, st *bucketState) {
	var req deleteRequest
	if !rc.decodeXMLBody(2<<20, integrityRequired, &req) {
		return
	}
	if len(req.Objects) == 0 || len(req.Objects) > maxDeleteObjects {
		rc.writeError(s3err.MalformedXML)
		return
	}
	var out deleteResult
	for _, o := range req.Objects {
		if o.VersionID != "" && o.VersionID != "null" {
			// Buckets are never versioned: no version other than "null" exists, and the
			// current object is not touched.
			out.Errors = append(out.Errors, deleteError{o.Key, "NoSuchVersion", "The specified version does not exist."})
			continue
		}
		if o.LastModifiedTime != "" || o.Size != "" {
			out.Errors = append(out.Errors, deleteError{o.Key, s3err.NotImplemented.Code, s3err.NotImplemented.Message})
			continue
		}
		if o.ETag != "" {
			if e := s.mayTestETag(rc, st, o.Key); e != nil {
				out.Errors = append(out.Errors, deleteError{o.Key, e.Code, e.Message})
				continue
			}
		}
		err := s.cfg.Backend.DeleteObject(rc.ctx, rc.bucket, o.Key, storage.DeleteObjectOptions{IfMatch: o.ETag, BucketID: st.info.ID})
		switch {
		case err == nil || errors.Is(err, storage.ErrNoSuchKey) && o.ETag == "":
			if !req.Quiet {
				out.Deleted = append(out.Deleted, deletedObject{o.Key})
			}
		default:
			se := asS3(err)
			out.Errors = append(out.Errors, deleteError{o.Key, se.Code, se.Message})
		}
	}
	rc.writeXML(http.StatusOK, out)
}

type copyObjectResult struct {
	XMLName      xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CopyObjectResult"`
	ETag         string   `xml:"ETag"`
	LastModified string   `xml:"LastModified"`
}

// copySource reads x-amz-copy-source ("bucket/key", URL-encoded, optionally with a leading
// slash and ?versionId=null), checks that the caller may read it and applies the
// x-amz-copy-source-if-* conditions. It returns the source's information.
func (s *Server) copySource(rc *request) (bucket, key string, info storage.ObjectInfo, e *s3err.Error) {
	raw := rc.r.Header.Get("X-Amz-Copy-Source")
	src, version, _ := strings.Cut(raw, "?")
	src, err := url.PathUnescape(strings.TrimPrefix(src, "/"))
	bucket, key, found := strings.Cut(src, "/")
	if err != nil || !found || bucket == "" || key == "" {
		return "", "", info, s3err.InvalidArgument.Withf("Copy Source must mention the source bucket and key: sourcebucket/sourcekey").
			With("ArgumentName", "x-amz-copy-source").With("ArgumentValue", raw)
	}
	if v, ok := strings.CutPrefix(version, "versionId="); ok && v != "null" {
		return "", "", info, s3err.NoSuchVersion.With("Key", key).With("VersionId", v)
	}
	st := s.buckets.get(bucket)
	if st == nil {
		return "", "", info, s3err.NoSuchBucket.With("BucketName", bucket)
	}
	if e := checkExpectedOwner(rc.r.Header, "X-Amz-Source-Expected-Bucket-Owner", st); e != nil {
		return "", "", info, e
	}
	info, err = s.cfg.Backend.HeadObject(rc.ctx, bucket, key)
	if err != nil {
		if errors.Is(err, storage.ErrNoSuchKey) {
			// As for GetObject: without permission to list the source bucket, a missing key
			// is not revealed.
			if rc.authorize(accessBucketRead, st, "") != nil {
				return "", "", info, s3err.AccessDenied
			}
			return "", "", info, s3err.NoSuchKey.With("Key", key)
		}
		return "", "", info, asS3(err)
	}
	if e := rc.authorizeObject(accessObjectRead, st, &info); e != nil {
		return "", "", info, e
	}
	h := rc.r.Header
	cond := http.Header{}
	for _, n := range []string{"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"} {
		if v := h.Get("X-Amz-Copy-Source-" + n); v != "" {
			cond.Set(n, v)
		}
	}
	if checkReadConditions(cond, &info) != 0 {
		return "", "", info, s3err.PreconditionFailed
	}
	return bucket, key, info, nil
}

func (s *Server) copyObject(rc *request, st *bucketState) {
	h := rc.r.Header
	if e := validateKey(rc.key); e != nil {
		rc.writeError(e)
		return
	}
	srcBucket, srcKey, src, e := s.copySource(rc)
	if e != nil {
		rc.writeError(e)
		return
	}
	directive := h.Get("X-Amz-Metadata-Directive")
	if directive != "" && directive != "COPY" && directive != "REPLACE" {
		rc.writeError(s3err.InvalidArgument.Withf("Unknown metadata directive.").With("ArgumentName", "x-amz-metadata-directive").With("ArgumentValue", directive))
		return
	}
	acl, e := rc.cannedACL()
	if e != nil {
		rc.writeError(e)
		return
	}
	sc, e := rc.storageClass()
	if e != nil {
		rc.writeError(e)
		return
	}
	replace := directive == "REPLACE"
	if srcBucket == rc.bucket && srcKey == rc.key && !replace && (sc == "" || sc == src.StorageClass) {
		rc.writeError(s3err.InvalidRequest.Withf("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes."))
		return
	}
	opts := storage.CopyObjectOptions{SourceIfMatch: src.ETag, ReplaceMetadata: replace, ACL: acl, StorageClass: sc,
		Conditions: writeConditions(h), Owner: rc.ownerID(), BucketID: st.info.ID}
	if replace {
		opts.Metadata = metadataFromHeaders(h)
	}
	if alg := h.Get("X-Amz-Checksum-Algorithm"); alg != "" {
		a, ok := checksum.ParseAlgorithm(alg)
		if !ok {
			rc.writeError(s3err.InvalidRequest.Withf("Invalid Request: Checksum algorithm %s is not supported.", alg))
			return
		}
		opts.ChecksumAlgorithm = a
	}
	info, err := s.cfg.Backend.CopyObject(rc.ctx, srcBucket, srcKey, rc.bucket, rc.key, opts)
	if err != nil {
		rc.failObject(err)
		return
	}
	rc.writeXML(http.StatusOK, copyObjectResult{ETag: quote(info.ETag), LastModified: xmlTime(info.LastModified)})
}
