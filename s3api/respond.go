package s3api

import (
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/doorman-s3/doorman/internal/awsxml"
	"github.com/doorman-s3/doorman/s3api/internal/checksum"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

// writeError answers err as AWS's XML error document; it is where every failure of a request
// ends (ServeHTTP calls it). Errors that are not the client's doing are logged. Headers already
// set on w (CORS among them) stay: S3 sends CORS headers on errors too. Once the client has
// failed to send its body, whatever error that caused further up is answered as that failure.
func (rc *request) writeError(err error) {
	e, known := toS3Error(err)
	switch f := rc.bodyFault(); {
	case f != nil:
		// The client's body broke off: that is the answer, and the access log has it.
		e, _ = toS3Error(f)
	case !known:
		rc.s.log.Error("internal error", "request_id", rc.id, "op", rc.op, "error", err)
	case e == errStorageFull:
		rc.s.log.Error("storage full: write refused", "request_id", rc.id, "op", rc.op, "error", err)
	case e == s3err.ServiceUnavailable:
		rc.s.log.Error("storage unavailable", "request_id", rc.id, "op", rc.op, "error", err)
	case e.Status >= 500 && errors.As(err, new(*storage.ServiceError)):
		rc.s.log.Warn("upstream store failed the request", "request_id", rc.id, "op", rc.op, "error", err)
	}
	rc.errCode = e.Code
	h := rc.w.Header()
	h.Set("Content-Type", "application/xml")
	if rc.in != nil && !rc.in.done {
		// The rest of the body is not wanted: the connection closes after the answer, which
		// then goes out at once instead of after net/http has read what the client still
		// sends (or waited for what it never sends).
		h.Set("Connection", "close")
	}
	if rc.r.Method == http.MethodHead {
		// A HEAD response has no body; S3 sends the status alone.
		h.Del("Content-Type")
		rc.w.WriteHeader(e.Status)
		return
	}
	body := awsxml.ErrorBody(e.Code, e.Message, e.Extra, rc.id, rc.hostID)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	rc.w.WriteHeader(e.Status)
	_, _ = rc.w.Write(body)
}

// writeXML marshals v as an S3 response document and sends it; it writes nothing when v
// cannot be marshalled, and returns that error.
func (rc *request) writeXML(status int, v any) error {
	b, err := xml.Marshal(v)
	if err != nil {
		return err
	}
	rc.writeXMLBytes(status, append([]byte(awsxml.Header), b...))
	return nil
}

func (rc *request) writeXMLBytes(status int, body []byte) {
	h := rc.w.Header()
	h["Content-Type"] = []string{"application/xml"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	rc.w.WriteHeader(status)
	if rc.r.Method != http.MethodHead {
		_, _ = rc.w.Write(body)
	}
}

const timeFormatXML = "2006-01-02T15:04:05.000Z"

func xmlTime(t time.Time) string { return t.UTC().Format(timeFormatXML) }

func quote(etag string) string { return `"` + etag + `"` }

// writeChecksumHeader sets the x-amz-checksum-<algorithm> header (and x-amz-checksum-type) of
// a checksum storage computed.
func writeChecksumHeader(h http.Header, c storage.Checksum) {
	if c.Algorithm == "" || c.Value == "" {
		return
	}
	if alg, ok := checksum.ParseAlgorithm(string(c.Algorithm)); ok {
		h[checksum.CanonicalHeader(alg)] = []string{c.Value}
		if c.Type != "" {
			h["X-Amz-Checksum-Type"] = []string{string(c.Type)}
		}
	}
}

// checksumElement holds one checksum in the element of its algorithm, as the answers of
// CompleteMultipartUpload, GetObjectAttributes and ListParts carry it.
type checksumElement struct {
	awsxml.Checksums
	ChecksumType string `xml:"ChecksumType,omitempty"`
}

func newChecksumElement(alg storage.ChecksumAlgorithm, value string, typ storage.ChecksumType) checksumElement {
	c := checksumElement{ChecksumType: string(typ)}
	c.Set(alg, value)
	return c
}
