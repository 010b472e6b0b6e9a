package console

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"net/url"
)

// maxParts is S3's largest part number
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html).
const maxParts = 10000

// uploadQuery is the query naming r's {uploadId}.
func uploadQuery(r *http.Request) url.Values {
	return url.Values{"uploadId": {r.PathValue("uploadId")}}
}

// createUpload answers POST /api/buckets/{bucket}/uploads {key, contentType}:
// CreateMultipartUpload → {uploadId}.
func createUpload(c *Console, w http.ResponseWriter, r *http.Request, s *session) {
	b := bucketPath(w, r)
	if b == "" {
		return
	}
	var in struct {
		Key         string `json:"key"`
		ContentType string `json:"contentType"`
	}
	if !decodeJSON(w, r, &in) {
		return
	}
	if in.Key == "" {
		writeError(w, http.StatusBadRequest, "InvalidArgument", "The key is required.")
		return
	}
	h := make(http.Header)
	if in.ContentType != "" {
		h.Set("Content-Type", in.ContentType)
	}
	res := c.send(w, r, s, http.MethodPost, b+"/"+in.Key, url.Values{"uploads": {""}}, h, nil)
	if res == nil {
		return
	}
	var out struct {
		UploadID string `xml:"UploadId" json:"uploadId"`
	}
	if decodeS3(w, res, &out) {
		writeJSON(w, http.StatusOK, out)
	}
}

// uploadPart answers PUT /api/buckets/{bucket}/uploads/{uploadId}/parts/{n}?key=K: UploadPart,
// the body streamed → {etag}.
func uploadPart(c *Console, w http.ResponseWriter, r *http.Request, s *session) {
	p := objectPath(w, r)
	if p == "" {
		return
	}
	q := uploadQuery(r)
	q.Set("partNumber", r.PathValue("n"))
	res := c.send(w, r, s, http.MethodPut, p, q, forwarded(r), r.Body)
	if res != nil {
		writeJSON(w, http.StatusOK, map[string]string{"etag": res.Header.Get("ETag")})
	}
}

// completeUpload answers POST /api/buckets/{bucket}/uploads/{uploadId}/complete
// {key, parts: [{n, etag}]}: CompleteMultipartUpload → {etag}.
func completeUpload(c *Console, w http.ResponseWriter, r *http.Request, s *session) {
	b := bucketPath(w, r)
	if b == "" {
		return
	}
	var in struct {
		Key   string `json:"key"`
		Parts []struct {
			N    int    `json:"n"`
			ETag string `json:"etag"`
		} `json:"parts"`
	}
	if !decodeJSON(w, r, &in) {
		return
	}
	if in.Key == "" || len(in.Parts) > maxParts {
		writeError(w, http.StatusBadRequest, "InvalidArgument", "The key and at most 10000 parts are required.")
		return
	}
	type part struct {
		PartNumber int
		ETag       string
	}
	doc := struct {
		XMLName xml.Name `xml:"CompleteMultipartUpload"`
		Parts   []part   `xml:"Part"`
	}{}
	for _, p := range in.Parts {
		doc.Parts = append(doc.Parts, part{p.N, p.ETag})
	}
	body, err := xml.Marshal(doc)
	if err != nil {
		panic(err) // strings and integers
	}
	res := c.send(w, r, s, http.MethodPost, b+"/"+in.Key, uploadQuery(r), nil, bytes.NewReader(body))
	if res == nil {
		return
	}
	// S3 may answer 200 and then an error, found while it assembled the parts
	// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html).
	var out struct {
		XMLName xml.Name
		ETag    string
	}
	if !decodeS3(w, res, &out) {
		return
	}
	if out.XMLName.Local == "Error" {
		writeS3Error(w, http.StatusInternalServerError, res.Body)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"etag": out.ETag})
}

// abortUpload answers DELETE /api/buckets/{bucket}/uploads/{uploadId}?key=K:
// AbortMultipartUpload.
func abortUpload(c *Console, w http.ResponseWriter, r *http.Request, s *session) {
	p := objectPath(w, r)
	if p != "" && c.send(w, r, s, http.MethodDelete, p, uploadQuery(r), nil, nil) != nil {
		w.WriteHeader(http.StatusNoContent)
	}
}

// Bounds on a presigned URL's life: S3's own for SigV4
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html).
const (
	minPresign = 1
	maxPresign = 7 * 24 * 3600
)

// presignMethods are the methods a presigned URL may be made for: GetObject, PutObject,
// HeadObject and DeleteObject, each a request on the object's URL alone. S3's POSTs (a form
// upload, a multipart upload's steps) need a policy or a query of their own.
var presignMethods = map[string]bool{http.MethodGet: true, http.MethodPut: true, http.MethodHead: true, http.MethodDelete: true}

// presign answers POST /api/buckets/{bucket}/presign {key, method, expiresSeconds} → {url,
// expires}: a SigV4 presigned URL for the S3 endpoint, signed as the user.
func presign(c *Console, w http.ResponseWriter, r *http.Request, s *session) {
	b := bucketPath(w, r)
	if b == "" {
		return
	}
	var in struct {
		Key            string `json:"key"`
		Method         string `json:"method"`
		ExpiresSeconds int    `json:"expiresSeconds"`
	}
	if !decodeJSON(w, r, &in) {
		return
	}
	switch {
	case c.endpoint == nil:
		writeError(w, http.StatusNotImplemented, "PresignUnavailable", "The console does not know the S3 endpoint's URL.")
		return
	case in.Key == "" || !presignMethods[in.Method]:
		writeError(w, http.StatusBadRequest, "InvalidArgument", "A key and a method, GET, PUT, HEAD or DELETE, are required.")
		return
	case in.ExpiresSeconds < minPresign || in.ExpiresSeconds > maxPresign:
		writeError(w, http.StatusBadRequest, "InvalidArgument", "expiresSeconds must be from 1 to 604800.")
		return
	}
	u, expires, err := c.presignURL(r.Context(), s, in.Method, b+"/"+in.Key, in.ExpiresSeconds)
	if err != nil {
		writeError(w, http.StatusBadGateway, "S3Unavailable", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"url": u, "expires": expires})
}
