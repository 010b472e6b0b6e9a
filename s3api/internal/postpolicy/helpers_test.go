package postpolicy

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/s3api/internal/s3err"
)

const (
	testAK     = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	testBucket = "sigv4examplebucket"
)

type staticCreds map[string]string

func (c staticCreds) SecretKey(ak string) (string, bool) { s, ok := c[ak]; return s, ok }

var creds = staticCreds{testAK: testSecret}

// field is one form field; a form is a list of them, in order.
type field struct{ name, value string }

// upload describes the file part and what follows it.
type upload struct {
	name     string // form name; "file" when empty
	filename *string
	content  []byte
	after    []field // fields after the file, which must be ignored
}

func ptr(s string) *string { return &s }

// body encodes a multipart/form-data body.
func body(t testing.TB, fields []field, file *upload) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, f := range fields {
		if err := w.WriteField(f.name, f.value); err != nil {
			t.Fatal(err)
		}
	}
	if file != nil {
		name := file.name
		if name == "" {
			name = "file"
		}
		h := make(textproto.MIMEHeader)
		cd := fmt.Sprintf(`form-data; name="%s"`, name)
		if file.filename != nil {
			cd += fmt.Sprintf(`; filename="%s"`, strings.ReplaceAll(*file.filename, `\`, `\\`))
		}
		h.Set("Content-Disposition", cd)
		h.Set("Content-Type", "application/octet-stream")
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(file.content)
		for _, f := range file.after {
			if err := w.WriteField(f.name, f.value); err != nil {
				t.Fatal(err)
			}
		}
	}
	w.Close()
	return w.FormDataContentType(), b.Bytes()
}

func request(t testing.TB, fields []field, file *upload) *http.Request {
	t.Helper()
	ct, b := body(t, fields, file)
	r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/"+testBucket, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", ct)
	return r
}

// testSigningKey derives the SigV4 key as AWS documents it, written apart from the package's
// own derivation so that each checks the other.
func testSigningKey(secret, date, region string) []byte {
	mac := func(key []byte, data string) []byte {
		m := hmac.New(sha256.New, key)
		io.WriteString(m, data)
		return m.Sum(nil)
	}
	return mac(mac(mac(mac([]byte("AWS4"+secret), date), region), "s3"), "aws4_request")
}

// signedV4 returns the fields of a SigV4 form: the given fields, then the credential
// fields, the base64 policy (conditions plus those the credential fields need) and its
// signature. at is the signing time; the policy expires an hour later.
func signedV4(fields []field, conditions string, at time.Time) []field {
	date := at.UTC().Format("20060102T150405Z")
	credential := testAK + "/" + date[:8] + "/us-east-1/s3/aws4_request"
	conds := fmt.Sprintf(`{"x-amz-algorithm": "AWS4-HMAC-SHA256"}, {"x-amz-credential": %q}, {"x-amz-date": %q}`, credential, date)
	if conditions != "" {
		conds = conditions + ", " + conds
	}
	doc := fmt.Sprintf(`{"expiration": %q, "conditions": [%s]}`, at.Add(time.Hour).UTC().Format("2006-01-02T15:04:05Z"), conds)
	policy := base64.StdEncoding.EncodeToString([]byte(doc))
	m := hmac.New(sha256.New, testSigningKey(testSecret, date[:8], "us-east-1"))
	io.WriteString(m, policy)
	out := append([]field(nil), fields...)
	return append(out,
		field{"x-amz-algorithm", "AWS4-HMAC-SHA256"},
		field{"x-amz-credential", credential},
		field{"x-amz-date", date},
		field{"policy", policy},
		field{"x-amz-signature", hex.EncodeToString(m.Sum(nil))},
	)
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// wantErr checks that err is the S3 error with this code and, when msg is not empty, this
// message.
func wantErr(t testing.TB, err error, code, msg string) *s3err.Error {
	t.Helper()
	var e *s3err.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if e.Code != code || (msg != "" && e.Message != msg) {
		t.Fatalf("error = %s %q, want %s %q", e.Code, e.Message, code, msg)
	}
	return e
}

func extra(e *s3err.Error, name string) string {
	for _, f := range e.Extra {
		if f.Name == name {
			return f.Value
		}
	}
	return "<absent>"
}

// readFile reads a Form's file to the end.
func readFile(f *Form) ([]byte, error) { return io.ReadAll(f.File) }

var sha256Hash = sha256.New

// parse parses the form in r's body.
func parse(r *http.Request, bucket string, creds Credentials, now time.Time) (*Form, error) {
	return Parse(r.Header.Get("Content-Type"), r.Body, bucket, creds, now)
}
