package console

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
)

// maxJSONBody bounds the body of a JSON endpoint: the largest is a CORS configuration, which
// S3 itself bounds at 64 KiB of XML (s3api's maxCORSBody); the JSON form of one is smaller,
// and the margin covers a multipart completion's list of up to 10,000 parts.
const maxJSONBody = 1 << 20

// apiError is the body of every error the console answers: S3's errors keep S3's status,
// code and message exactly.
type apiError struct {
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers {"error": {status, code, message}}.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, struct {
		Error apiError `json:"error"`
	}{apiError{status, code, message}})
}

// isJSON tells whether r says its body is JSON.
func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// decodeJSON reads r's JSON body (at most maxJSONBody bytes) into v, answering the error
// itself and returning false when it cannot. Unknown fields are refused, so that a typo in a
// field's name is an error rather than a silently missing value.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("the body holds more than one JSON value")
	}
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		return true
	case errors.As(err, &tooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, "BodyTooLarge", "The request body is larger than the console accepts.")
	default:
		writeError(w, http.StatusBadRequest, "InvalidJSON", "The request body is not the JSON expected: "+err.Error())
	}
	return false
}
