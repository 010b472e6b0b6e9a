package console

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// bucketPath is the S3 path of r's {bucket}, or "" after answering 400 when the name holds a
// '/' (an escaped one in the console's path), which would make the S3 path name another
// resource.
func bucketPath(w http.ResponseWriter, r *http.Request) string {
	return checkBucketName(w, r.PathValue("bucket"))
}

// checkBucketName is the S3 path of bucket, or "" after answering 400 when it is empty or
// holds a '/'. S3 checks the rest of the name's rules itself.
func checkBucketName(w http.ResponseWriter, bucket string) string {
	if bucket == "" || strings.Contains(bucket, "/") {
		writeError(w, http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid.")
		return ""
	}
	return "/" + bucket
}

// send sends one S3 request as s and, when S3 refuses it, answers S3's error itself and
// returns nil. body is read as s3 reads it.
func (c *Console) send(w http.ResponseWriter, r *http.Request, s *session, method, path string, query url.Values, header http.Header, body io.Reader) *s3Response {
	req, err := c.request(r.Context(), s, method, path, query, header, body)
	var res *s3Response
	if err == nil {
		req.RemoteAddr = r.RemoteAddr // S3's access log names the browser
		res, err = c.roundTrip(w, req)
	}
	if err != nil {
		writeError(w, http.StatusBadGateway, "S3Unavailable", err.Error())
		return nil
	}
	if res.failed() {
		writeS3Error(w, res.Status, res.Body)
		return nil
	}
	return res
}

// decodeS3 reads an S3 XML answer into v, answering an error itself when it cannot.
func decodeS3(w http.ResponseWriter, res *s3Response, v any) bool {
	if err := xml.Unmarshal(res.Body, v); err != nil {
		writeError(w, http.StatusBadGateway, "S3Unreadable", "The S3 answer could not be read: "+err.Error())
		return false
	}
	return true
}

// listBuckets answers GET /api/buckets: ListBuckets, as the user.
func listBuckets(c *Console, w http.ResponseWriter, r *http.Request, s *session) {
	res := c.send(w, r, s, http.MethodGet, "/", nil, nil, nil)
	if res == nil {
		return
	}
	var out struct {
		Buckets []struct {
			Name         string    `xml:"Name" json:"name"`
			CreationDate time.Time `xml:"CreationDate" json:"created"`
			BucketRegion string    `xml:"BucketRegion" json:"region,omitempty"`
		} `xml:"Buckets>Bucket" json:"buckets"`
	}
	if decodeS3(w, res, &out) {
		if out.Buckets == nil {
			out.Buckets = out.Buckets[:0:0]
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// createBucket answers POST /api/buckets {name, region?}: CreateBucket.
func createBucket(c *Console, w http.ResponseWriter, r *http.Request, s *session) {
	var in struct {
		Name   string `json:"name"`
		Region string `json:"region"`
	}
	if !decodeJSON(w, r, &in) {
		return
	}
	path := checkBucketName(w, in.Name)
	if path == "" {
		return
	}
	var body io.Reader
	if in.Region != "" {
		doc, err := xml.Marshal(struct {
			XMLName            xml.Name `xml:"CreateBucketConfiguration"`
			LocationConstraint string
		}{LocationConstraint: in.Region})
		if err != nil {
			panic(err) // a struct of strings
		}
		body = bytes.NewReader(doc)
	}
	if c.send(w, r, s, http.MethodPut, path, nil, nil, body) != nil {
		writeJSON(w, http.StatusCreated, map[string]string{"name": in.Name})
	}
}

// deleteBucket answers DELETE /api/buckets/{bucket}: DeleteBucket.
func deleteBucket(c *Console, w http.ResponseWriter, r *http.Request, s *session) {
	path := bucketPath(w, r)
	if path != "" && c.send(w, r, s, http.MethodDelete, path, nil, nil, nil) != nil {
		w.WriteHeader(http.StatusNoContent)
	}
}
