package s3api

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

// getObject serves GetObject and HeadObject: read permission, conditions, Range, response-*
// overrides.
func (s *Server) getObject(rc *request, st *bucketState) error {
	overrides, err := rc.responseOverrides()
	if err != nil {
		return err
	}
	part, err := rc.readPart()
	if err != nil {
		return err
	}
	ck, err := rc.readCustomerKey()
	if err != nil {
		return err
	}
	info, obj, err := s.openObject(rc, st, storage.ReadOptions{VersionID: rc.version, PartNumber: part, CustomerKey: ck.bytes()})
	if err != nil {
		return err
	}
	if obj != nil {
		defer obj.Close()
	}
	if done, err := rc.answerReadConditions(&info); done || err != nil {
		return err
	}
	start, length, partial, ok := parseRange(rc.r.Header.Get("Range"), info.Size)
	if part > 0 {
		// A part is sent as a range of the object, 206 with its Content-Range, even when it
		// is the whole object (the snapshot test_get_object_part in attributes.go); an empty
		// one, which no range can name, as an empty object: 200. [UNVERIFIED]
		start, length, partial = info.Part.Offset, info.Part.Size, info.Part.Size > 0
	}
	if !ok {
		return s3err.InvalidRange.With("RangeRequested", rc.r.Header.Get("Range")).With("ActualObjectSize", strconv.FormatInt(info.Size, 10))
	}
	h := rc.w.Header()
	writeObjectHeaders(h, &info)
	writeEncryptionHeaders(h, info.Encryption, ck, sseReadAnswer)
	writeVersionHeader(h, st, info.VersionID)
	rc.writeLockHeaders(h, st, &info)
	if rc.version == "" {
		s.writeExpiration(h, st, rc.key, &info)
	}
	for _, o := range overrides {
		h[o[0]] = []string{o[1]}
	}
	if part > 0 {
		writePartHeaders(h, rc.r, &info)
	} else if !partial && strings.EqualFold(rc.r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") {
		writeChecksumHeader(h, info.Checksum)
	}
	h["Content-Length"] = []string{strconv.FormatInt(length, 10)}
	status := http.StatusOK
	if partial {
		h["Content-Range"] = []string{fmt.Sprintf("bytes %d-%d/%d", start, start+length-1, info.Size)}
		status = http.StatusPartialContent
	}
	rc.w.WriteHeader(status)
	if obj != nil && length > 0 {
		rc.sendObject(obj, start, length)
	}
	return nil
}

// responseOverrideParams are the response-* query parameters of GetObject and the headers
// they set.
var responseOverrideParams = [...][2]string{
	{"response-content-type", "Content-Type"},
	{"response-content-language", "Content-Language"},
	{"response-expires", "Expires"},
	{"response-cache-control", "Cache-Control"},
	{"response-content-disposition", "Content-Disposition"},
	{"response-content-encoding", "Content-Encoding"},
}

// responseOverrides returns the headers the request's response-* parameters set, which only
// a signed request may use.
func (rc *request) responseOverrides() ([][2]string, error) {
	var overrides [][2]string
	for _, o := range responseOverrideParams {
		if v, ok := rc.query[o[0]]; ok {
			overrides = append(overrides, [2]string{o[1], v[0]})
		}
	}
	if len(overrides) > 0 && rc.user == nil {
		return nil, s3err.InvalidRequest.Withf("Request specific response headers cannot be used for anonymous GET requests.")
	}
	return overrides, nil
}

// openObject returns the object's information, with the bounds of the part opts names, and
// for a GET the object itself, once the caller may read it.
func (s *Server) openObject(rc *request, st *bucketState, opts storage.ReadOptions) (info storage.ObjectInfo, obj storage.ObjectReader, err error) {
	if rc.r.Method == http.MethodHead {
		info, err = s.cfg.Backend.HeadObject(rc.ctx, rc.bucket, rc.key, opts)
	} else {
		obj, info, err = s.cfg.Backend.GetObject(rc.ctx, rc.bucket, rc.key, opts)
	}
	if err != nil {
		if perr := s.partError(rc, st, opts, err); perr != nil {
			return info, nil, perr
		}
		if kerr := s.readKeyError(rc, st, rc.bucket, rc.key, opts.VersionID, err); kerr != nil {
			return info, nil, kerr
		}
		return info, nil, rc.readError(st, err)
	}
	if err := rc.authorizeObject(accessObjectRead, st, &info); err != nil {
		if obj != nil {
			obj.Close()
		}
		return info, nil, err
	}
	return info, obj, nil
}

// answerReadConditions applies the request's If-* headers to the object: it answers 304 Not
// Modified itself (done), or returns PreconditionFailed naming the condition that failed.
func (rc *request) answerReadConditions(info *storage.ObjectInfo) (done bool, err error) {
	switch checkReadConditions(rc.r.Header, info) {
	case http.StatusNotModified:
		h := rc.w.Header()
		h["Etag"] = []string{quote(info.ETag)}
		h["Last-Modified"] = []string{info.LastModified.UTC().Format(http.TimeFormat)}
		rc.w.WriteHeader(http.StatusNotModified)
		return true, nil
	case http.StatusPreconditionFailed:
		cond := "If-Match"
		if rc.r.Header.Get("If-Match") == "" {
			cond = "If-Unmodified-Since"
		}
		return false, s3err.PreconditionFailed.With("Condition", cond)
	}
	return false, nil
}

// sendObject sends length bytes of obj from start, after the headers. Seek and CopyN rather
// than a SectionReader: the reader is a file, so net/http can send it with sendfile, without
// copying it through user space. A reader of bytes in memory (a small object's, kept in the
// store's metadata), when the rest of them is asked for, writes them in one Write instead:
// net/http's ReadFrom would copy their first 512 bytes through a buffer and the rest through
// one the connection allocates, for no sendfile to gain. A failure now can only cut the
// answer short.
func (rc *request) sendObject(obj storage.ObjectReader, start, length int64) {
	_, err := obj.Seek(start, io.SeekStart)
	if mem, ok := obj.(inMemory); err == nil && ok && int64(mem.Len()) == length {
		_, err = mem.WriteTo(rc.w)
	} else if err == nil {
		_, err = io.CopyN(rc.w, obj, length)
	}
	if err != nil {
		rc.s.log.Warn("object read interrupted", "request_id", rc.id, "error", err)
	}
}

// inMemory is a reader of bytes it holds, as bytes.Reader: Len is how many are left to read,
// and WriteTo writes them at once.
type inMemory interface {
	io.WriterTo
	Len() int
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
	writeTaggingCount(h, info)
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
