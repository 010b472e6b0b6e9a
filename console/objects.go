package console

import (
	"bytes"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// maxListPage is the largest page the object list asks for: S3's own cap on max-keys
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html).
const maxListPage = 1000

// maxErrorBody bounds the S3 error document a streamed answer may carry, a few hundred bytes
// in practice.
const maxErrorBody = 64 << 10

// objectPath is the S3 path of r's {bucket} and ?key=, or "" after answering 400.
func objectPath(w http.ResponseWriter, r *http.Request) string {
	b := bucketPath(w, r)
	if b == "" {
		return ""
	}
	key := r.URL.Query().Get("key")
	if key == "" {
		writeError(w, http.StatusBadRequest, "InvalidArgument", "The key query parameter is required.")
		return ""
	}
	return b + "/" + key
}

// forwarded copies from r the request headers an upload may carry to S3: the content's
// type, length and encoding, its integrity digests and its user metadata.
func forwarded(r *http.Request) http.Header {
	h := make(http.Header)
	if r.ContentLength >= 0 {
		h.Set("Content-Length", strconv.FormatInt(r.ContentLength, 10))
	}
	for k, v := range r.Header {
		lk := strings.ToLower(k)
		switch {
		case lk == "content-type", lk == "content-md5", lk == "cache-control",
			lk == "content-disposition", lk == "content-encoding", lk == "content-language",
			strings.HasPrefix(lk, "x-amz-checksum-"), strings.HasPrefix(lk, "x-amz-meta-"):
			h[k] = v
		}
	}
	return h
}

// listObjects answers GET /api/buckets/{bucket}/objects?prefix=&delimiter=&token=&max=:
// one ListObjectsV2 page.
func listObjects(c *Console, w http.ResponseWriter, r *http.Request, s *session) {
	b := bucketPath(w, r)
	if b == "" {
		return
	}
	in := r.URL.Query()
	q := url.Values{"list-type": {"2"}, "encoding-type": {"url"}}
	for from, to := range map[string]string{"prefix": "prefix", "delimiter": "delimiter", "token": "continuation-token"} {
		if v := in.Get(from); v != "" {
			q.Set(to, v)
		}
	}
	if m := in.Get("max"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 || n > maxListPage {
			writeError(w, http.StatusBadRequest, "InvalidArgument", "max must be a whole number from 1 to 1000.")
			return
		}
		q.Set("max-keys", m)
	}
	res := c.send(w, r, s, http.MethodGet, b, q, nil, nil)
	if res == nil {
		return
	}
	var page struct {
		Contents []struct {
			Key          string
			Size         int64
			ETag         string
			LastModified time.Time
			StorageClass string
		}
		CommonPrefixes        []struct{ Prefix string }
		IsTruncated           bool
		NextContinuationToken string
	}
	if !decodeS3(w, res, &page) {
		return
	}
	type object struct {
		Key          string    `json:"key"`
		Size         int64     `json:"size"`
		ETag         string    `json:"etag"`
		LastModified time.Time `json:"lastModified"`
		StorageClass string    `json:"storageClass"`
	}
	out := struct {
		Objects   []object `json:"objects"`
		Prefixes  []string `json:"prefixes"`
		Truncated bool     `json:"truncated"`
		NextToken string   `json:"nextToken,omitempty"`
	}{Objects: []object{}, Prefixes: []string{}, Truncated: page.IsTruncated, NextToken: page.NextContinuationToken}
	// encoding-type=url: keys come escaped, so that any byte survives XML.
	unescape := func(v string) string {
		if u, err := url.QueryUnescape(v); err == nil {
			return u
		}
		return v
	}
	for _, o := range page.Contents {
		out.Objects = append(out.Objects, object{unescape(o.Key), o.Size, o.ETag, o.LastModified, o.StorageClass})
	}
	for _, p := range page.CommonPrefixes {
		out.Prefixes = append(out.Prefixes, unescape(p.Prefix))
	}
	writeJSON(w, http.StatusOK, out)
}

// downloadHeaders are the S3 answer's headers a download keeps.
var downloadHeaders = []string{"Content-Type", "Content-Length", "Content-Range", "Accept-Ranges", "ETag",
	"Last-Modified", "Content-Encoding", "Content-Language", "Cache-Control"}

// download answers GET /api/buckets/{bucket}/object?key=K: GetObject, streamed to the browser
// as an attachment. A Range header is passed on.
func download(c *Console, w http.ResponseWriter, r *http.Request, s *session) {
	p := objectPath(w, r)
	if p == "" {
		return
	}
	h := make(http.Header)
	if rg := r.Header.Get("Range"); rg != "" {
		h.Set("Range", rg)
	}
	req, err := c.request(r.Context(), s, http.MethodGet, p, nil, h, nil)
	if err != nil {
		writeError(w, http.StatusBadGateway, "S3Unavailable", err.Error())
		return
	}
	req.RemoteAddr = r.RemoteAddr
	st := &streamer{w: w, header: make(http.Header), ok: func(out http.Header) {
		// The object is the user's data, served on the console's origin: never rendered there.
		out.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(p)}))
		out.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	}}
	c.cfg.S3.ServeHTTP(st, req)
	st.finish()
}

// streamer is the http.ResponseWriter of an S3 answer passed on to the browser as it comes:
// a success with the downloadHeaders, an error as the console's JSON error.
type streamer struct {
	w      http.ResponseWriter
	header http.Header
	status int
	ok     func(http.Header) // sets the success answer's own headers
	errBuf bytes.Buffer
}

func (s *streamer) Header() http.Header { return s.header }

func (s *streamer) WriteHeader(status int) {
	if s.status != 0 {
		return
	}
	s.status = status
	if status >= 300 {
		return
	}
	out := s.w.Header()
	for _, k := range downloadHeaders {
		if v := s.header.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	s.ok(out)
	s.w.WriteHeader(status)
}

func (s *streamer) Write(p []byte) (int, error) {
	s.WriteHeader(http.StatusOK)
	if s.status < 300 {
		return s.w.Write(p)
	}
	if s.errBuf.Len()+len(p) > maxErrorBody {
		return 0, errS3ResponseTooLarge
	}
	return s.errBuf.Write(p)
}

// Unwrap lets the S3 handler reach the browser's connection through
// http.ResponseController (its deadlines while it streams).
func (s *streamer) Unwrap() http.ResponseWriter { return s.w }

// finish answers an error S3 gave, or an empty success when S3 wrote nothing.
func (s *streamer) finish() {
	switch {
	case s.status == 0:
		s.WriteHeader(http.StatusOK)
	case s.status >= 300:
		writeS3Error(s.w, s.status, s.errBuf.Bytes())
	}
}

// details answers GET /api/buckets/{bucket}/details?key=K: HeadObject with the checksums.
func details(c *Console, w http.ResponseWriter, r *http.Request, s *session) {
	p := objectPath(w, r)
	if p == "" {
		return
	}
	res := c.send(w, r, s, http.MethodHead, p, nil, http.Header{"X-Amz-Checksum-Mode": {"ENABLED"}}, nil)
	if res == nil {
		return
	}
	size, _ := strconv.ParseInt(res.Header.Get("Content-Length"), 10, 64)
	out := struct {
		Key          string            `json:"key"`
		Size         int64             `json:"size"`
		ETag         string            `json:"etag"`
		ContentType  string            `json:"contentType"`
		LastModified string            `json:"lastModified"`
		Metadata     map[string]string `json:"metadata"`
		Checksums    map[string]string `json:"checksums"`
		Headers      map[string]string `json:"headers"`
	}{Key: r.URL.Query().Get("key"), Size: size, ETag: res.Header.Get("ETag"), ContentType: res.Header.Get("Content-Type"),
		LastModified: res.Header.Get("Last-Modified"), Metadata: map[string]string{}, Checksums: map[string]string{}, Headers: map[string]string{}}
	for k, v := range res.Header {
		lk := strings.ToLower(k)
		switch {
		case strings.HasPrefix(lk, "x-amz-meta-"):
			out.Metadata[strings.TrimPrefix(lk, "x-amz-meta-")] = strings.Join(v, ",")
		case strings.HasPrefix(lk, "x-amz-checksum-"):
			out.Checksums[strings.TrimPrefix(lk, "x-amz-checksum-")] = strings.Join(v, ",")
		case lk == "cache-control", lk == "content-disposition", lk == "content-encoding", lk == "content-language",
			lk == "expires", lk == "x-amz-storage-class", lk == "x-amz-version-id", lk == "x-amz-server-side-encryption":
			out.Headers[lk] = strings.Join(v, ",")
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// upload answers PUT /api/buckets/{bucket}/object?key=K: PutObject, the body streamed.
func upload(c *Console, w http.ResponseWriter, r *http.Request, s *session) {
	p := objectPath(w, r)
	if p == "" {
		return
	}
	res := c.send(w, r, s, http.MethodPut, p, nil, forwarded(r), r.Body)
	if res == nil {
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"etag": res.Header.Get("ETag")})
}

// deleteObject answers DELETE /api/buckets/{bucket}/object?key=K: DeleteObject.
func deleteObject(c *Console, w http.ResponseWriter, r *http.Request, s *session) {
	p := objectPath(w, r)
	if p != "" && c.send(w, r, s, http.MethodDelete, p, nil, nil, nil) != nil {
		w.WriteHeader(http.StatusNoContent)
	}
}
