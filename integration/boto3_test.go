package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// boto3Result is what testdata/boto3_client.py prints.
type boto3Result struct {
	PutETag string `json:"put_etag"`
	Get     struct {
		Body   string            `json:"body"`
		ETag   string            `json:"etag"`
		Type   string            `json:"type"`
		Meta   map[string]string `json:"meta"`
		Length int64             `json:"length"`
	} `json:"get"`
	ListV2 struct {
		Pages int      `json:"pages"`
		Keys  []string `json:"keys"`
	} `json:"list_v2"`
	ListV1 struct {
		Pages    int      `json:"pages"`
		Keys     []string `json:"keys"`
		Prefixes []string `json:"prefixes"`
	} `json:"list_v1"`
	Big struct {
		ETag   string `json:"etag"`
		Length int64  `json:"length"`
	} `json:"big"`
	PresignedGet struct {
		Status int    `json:"status"`
		Body   string `json:"body"`
		V4     bool   `json:"v4"`
	} `json:"presigned_get"`
	PresignedPut struct {
		Status int    `json:"status"`
		Stored string `json:"stored"`
		Type   string `json:"type"`
	} `json:"presigned_put"`
	SigV2 struct {
		Status           int         `json:"status"`
		Body             string      `json:"body"`
		V2               bool        `json:"v2"`
		TamperedStatus   int         `json:"tampered_status"`
		TamperedCode     string      `json:"tampered_code"`
		PutWrongType     []any       `json:"put_wrong_type"`
		PutStatus        int         `json:"put_status"`
		PutStored        string      `json:"put_stored"`
		HeaderSignedBody string      `json:"header_signed_body"`
		BucketOps        [][2]string `json:"bucket_ops"`
		PresignedList    int         `json:"presigned_list"`
	} `json:"sigv2"`
	Copy struct {
		ETag string            `json:"etag"`
		Type string            `json:"type"`
		Meta map[string]string `json:"meta"`
	} `json:"copy"`
	CopyMeta      map[string]string `json:"copy_meta"`
	DeleteObjects struct {
		Deleted []string `json:"deleted"`
		Errors  []any    `json:"errors"`
		Left    int      `json:"left"`
	} `json:"delete_objects"`
	CORS struct {
		Sent        []any  `json:"sent"`
		Got         []any  `json:"got"`
		AfterDelete string `json:"after_delete"`
	} `json:"cors"`
	MissingKey string                     `json:"missing_key"`
	TLS        map[string]json.RawMessage `json:"tls"`
}

// boto3 against a real server: put/get, paginated listings, upload_file's multipart, SigV4 and
// SigV2 presigned URLs fetched with urllib, copy_object, delete_objects and the CORS calls.
func TestBoto3(t *testing.T) {
	t.Parallel()
	requireTool(t, "python3", "-c", "import boto3")
	srv := startServer(t, "")
	tlsSrv, _, certFile := startTLSServer(t)
	work := t.TempDir()
	big := pseudoRandom(20, 12*mib)
	writeTestFile(t, filepath.Join(work, "big.bin"), big)

	cmd := exec.Command("python3", filepath.Join("testdata", "boto3_client.py"))
	cmd.Env = append(clientEnv(filepath.Join(work, "aws-config")), "DOORMAN_ENDPOINT="+srv.URL, "DOORMAN_WORKDIR="+work,
		"DOORMAN_TLS_ENDPOINT="+tlsSrv.URL, "DOORMAN_CA="+certFile)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("boto3 script: %v\n%s\nserver log:\n%s", err, stderr.String(), srv.logs)
	}
	var r boto3Result
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("boto3 script output: %v\n%s", err, stdout.String())
	}

	hello := `"` + md5HexOf([]byte("hello boto3")) + `"`
	if r.PutETag != hello || r.Get.Body != "hello boto3" || r.Get.ETag != hello || r.Get.Type != "text/plain" ||
		r.Get.Meta["who"] != "boto3" || r.Get.Length != 11 {
		t.Errorf("put/get: put ETag %s, get %+v", r.PutETag, r.Get)
	}
	var want []string
	for i := range 25 {
		want = append(want, fmt.Sprintf("list/%03d", i))
	}
	if r.ListV2.Pages != 3 || !slices.Equal(r.ListV2.Keys, want) {
		t.Errorf("list_objects_v2 paginator: %d pages, %v", r.ListV2.Pages, r.ListV2.Keys)
	}
	// At that point the bucket held hello/world.txt and list/*: two prefixes, a page each.
	if !slices.Equal(r.ListV1.Prefixes, []string{"hello/", "list/"}) {
		t.Errorf("list_objects paginator with delimiter: prefixes %v keys %v", r.ListV1.Prefixes, r.ListV1.Keys)
	}
	if len(r.ListV1.Keys) != 0 || r.ListV1.Pages != len(r.ListV1.Prefixes) {
		t.Errorf("list_objects paginator (page size 1): %d pages for %v and keys %v", r.ListV1.Pages, r.ListV1.Prefixes, r.ListV1.Keys)
	}
	const part = 8 * mib // boto3's default multipart_chunksize
	if wantETag := `"` + multipartETag(big[:part], big[part:]) + `"`; r.Big.ETag != wantETag || r.Big.Length != int64(len(big)) {
		t.Errorf("upload_file: %+v, want ETag %s", r.Big, wantETag)
	}
	if down := readTestFile(t, filepath.Join(work, "big.down")); !bytes.Equal(down, big) {
		t.Errorf("download_file: %d bytes, not what was uploaded", len(down))
	}
	if r.PresignedGet.Status != 200 || r.PresignedGet.Body != "hello boto3" || !r.PresignedGet.V4 {
		t.Errorf("presigned GET: %+v", r.PresignedGet)
	}
	if r.PresignedPut.Status != 200 || r.PresignedPut.Stored != "sent through a presigned PUT" || r.PresignedPut.Type != "text/x-presigned" {
		t.Errorf("presigned PUT: %+v", r.PresignedPut)
	}
	if r.SigV2.Status != 200 || r.SigV2.Body != "hello boto3" || !r.SigV2.V2 || r.SigV2.TamperedStatus != 403 ||
		r.SigV2.TamperedCode != "SignatureDoesNotMatch" || r.SigV2.HeaderSignedBody != "signed with SigV2 headers" ||
		fmt.Sprint(r.SigV2.PutWrongType) != "[403 SignatureDoesNotMatch]" || r.SigV2.PutStatus != 200 || r.SigV2.PutStored != "v2 put" {
		t.Errorf("SigV2: %+v", r.SigV2)
	}
	if len(r.SigV2.BucketOps) != 8 || r.SigV2.PresignedList != 200 {
		t.Errorf("SigV2 bucket-level requests: %v, presigned ListObjects %d", r.SigV2.BucketOps, r.SigV2.PresignedList)
	}
	for _, op := range r.SigV2.BucketOps {
		if op[1] != "" {
			t.Errorf("SigV2 %s: %s", op[0], op[1])
		}
	}
	if r.Copy.ETag != hello || r.Copy.Type != "text/x-copied" || !reflect.DeepEqual(r.Copy.Meta, map[string]string{"new": "1"}) {
		t.Errorf("copy_object REPLACE: %+v", r.Copy)
	}
	if !reflect.DeepEqual(r.CopyMeta, map[string]string{"who": "boto3"}) {
		t.Errorf("copy_object COPY: metadata %v", r.CopyMeta)
	}
	if !slices.Equal(r.DeleteObjects.Deleted, want) || len(r.DeleteObjects.Errors) != 0 || r.DeleteObjects.Left != 0 {
		t.Errorf("delete_objects: %+v", r.DeleteObjects)
	}
	if !reflect.DeepEqual(r.CORS.Sent, r.CORS.Got) || r.CORS.AfterDelete != "NoSuchCORSConfiguration" {
		t.Errorf("bucket CORS: sent %v, got %v, after delete %q", r.CORS.Sent, r.CORS.Got, r.CORS.AfterDelete)
	}
	if r.MissingKey != "NoSuchKey" {
		t.Errorf("get_object of a missing key: %q", r.MissingKey)
	}

	// Over HTTPS: aws-chunked bodies with trailing checksums, stored whole and checked.
	tlsBody := bytes.Repeat(func() []byte {
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	}(), 1000)
	for alg, name := range map[string]types.ChecksumAlgorithm{"default": types.ChecksumAlgorithmCrc32, "SHA256": types.ChecksumAlgorithmSha256,
		"SHA1": types.ChecksumAlgorithmSha1} {
		var o struct {
			Put, Get, ETag string
			Equal          bool
		}
		if err := json.Unmarshal(r.TLS[alg], &o); err != nil {
			t.Fatalf("tls %s: %v", alg, err)
		}
		want := checksumOf(name, tlsBody)
		if o.Put != want || o.Get != want || !o.Equal || o.ETag != `"`+md5HexOf(tlsBody)+`"` {
			t.Errorf("boto3 over HTTPS, %s: %+v, want checksum %s", alg, o, want)
		}
	}
	var framing [][]string
	if err := json.Unmarshal(r.TLS["framing"], &framing); err != nil {
		t.Fatal(err)
	}
	if len(framing) != 3 {
		t.Errorf("saw %d PutObject requests over HTTPS, want 3", len(framing))
	}
	for _, f := range framing {
		if f[0] != "STREAMING-UNSIGNED-PAYLOAD-TRAILER" || !strings.HasPrefix(f[1], "x-amz-checksum-") {
			t.Errorf("boto3 over HTTPS sent a PutObject as %q", f)
		}
	}
	var tlsBig struct {
		ETag   string
		Length int64
		CRC32  string
	}
	if err := json.Unmarshal(r.TLS["big"], &tlsBig); err != nil {
		t.Fatal(err)
	}
	if wantETag := `"` + multipartETag(big[:part], big[part:]) + `"`; tlsBig.ETag != wantETag || tlsBig.Length != int64(len(big)) || !strings.HasSuffix(tlsBig.CRC32, "-2") {
		t.Errorf("boto3 upload_file over HTTPS: %+v, want ETag %s and a composite CRC32", tlsBig, wantETag)
	}
}
