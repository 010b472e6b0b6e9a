package console

import (
	"bytes"
	"net/http"
	"net/url"

	"github.com/doorman-s3/doorman/cors"
)

// corsQuery is the subresource of a bucket's CORS configuration.
var corsQuery = url.Values{"cors": {""}}

// corsDocument is a CORS configuration in both the forms the editor shows: S3's XML, as
// GetBucketCors answers it, and the AWS CLI's JSON ({"CORSRules": [...]}).
type corsDocument struct {
	XML  string `json:"xml"`
	JSON string `json:"json"`
}

// getCORS answers GET /api/buckets/{bucket}/cors: GetBucketCors → {xml, json}.
func getCORS(c *Console, w http.ResponseWriter, r *http.Request, s *session) {
	b := bucketPath(w, r)
	if b == "" {
		return
	}
	res := c.send(w, r, s, http.MethodGet, b, corsQuery, nil, nil)
	if res == nil {
		return
	}
	cfg, err := cors.DecodeXML(res.Body)
	if err != nil {
		writeError(w, http.StatusBadGateway, "S3Unreadable", "The S3 answer could not be read: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, corsDocument{XML: string(res.Body), JSON: string(cors.EncodeJSON(cfg))})
}

// putCORS answers PUT /api/buckets/{bucket}/cors {format: "json"|"xml", document}:
// PutBucketCors, so that S3's own validation decides and its exact errors come back. A JSON
// document is first decoded as the AWS CLI decodes it, and sent as the XML the CLI would send.
func putCORS(c *Console, w http.ResponseWriter, r *http.Request, s *session) {
	b := bucketPath(w, r)
	if b == "" {
		return
	}
	var in struct {
		Format   string `json:"format"`
		Document string `json:"document"`
	}
	if !decodeJSON(w, r, &in) {
		return
	}
	doc := []byte(in.Document)
	switch in.Format {
	case "xml":
	case "json":
		cfg, err := cors.DecodeJSON(doc)
		if err != nil {
			writeError(w, http.StatusBadRequest, "MalformedJSON", err.Error())
			return
		}
		doc = cors.EncodeXML(cfg)
	default:
		writeError(w, http.StatusBadRequest, "InvalidArgument", `format must be "json" or "xml".`)
		return
	}
	if c.send(w, r, s, http.MethodPut, b, corsQuery, nil, bytes.NewReader(doc)) != nil {
		w.WriteHeader(http.StatusNoContent)
	}
}

// deleteCORS answers DELETE /api/buckets/{bucket}/cors: DeleteBucketCors.
func deleteCORS(c *Console, w http.ResponseWriter, r *http.Request, s *session) {
	b := bucketPath(w, r)
	if b != "" && c.send(w, r, s, http.MethodDelete, b, corsQuery, nil, nil) != nil {
		w.WriteHeader(http.StatusNoContent)
	}
}
