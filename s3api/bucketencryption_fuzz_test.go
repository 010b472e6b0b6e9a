package s3api

import (
	"errors"
	"net/http"
	"testing"

	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

// parseEncryptionConfiguration reads what any client sends: whatever the document, it returns
// a default of SSE-S3 or SSE-KMS (a KMS key with SSE-KMS alone), or an S3 error a client
// caused (a 4xx, or 501 for what doorman does not implement), never anything else; and the
// document GetBucketEncryption answers for it, once stored, reads back as the same default.
func FuzzParseEncryptionConfiguration(f *testing.F) {
	for _, seed := range []string{
		`<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`,
		`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>alias/a&amp;b</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`,
		`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm><KMSMasterKeyID>k</KMSMasterKeyID></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`,
		`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms:dsse</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`,
		`<ServerSideEncryptionConfiguration><Rule><BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType></BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>`,
		`<ServerSideEncryptionConfiguration><Rule/><Rule/></ServerSideEncryptionConfiguration>`,
		`<ServerSideEncryptionConfiguration/>`,
		`<ServerSideEncryptionConfiguration><Rule><BucketKeyEnabled>maybe</BucketKeyEnabled></Rule>`,
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		e, err := parseEncryptionConfiguration(doc)
		if err != nil {
			var se *s3err.Error
			if !errors.As(err, &se) || se.Status < http.StatusBadRequest || se.Status >= http.StatusInternalServerError && se.Status != http.StatusNotImplemented || e != nil {
				t.Fatalf("%q: %+v, %v: want a client error alone", doc, e, err)
			}
			return
		}
		switch {
		case e.algorithm != storage.SSEAES256 && e.algorithm != storage.SSEKMS,
			e.kmsKeyID != "" && e.algorithm != storage.SSEKMS:
			t.Fatalf("%q: %+v", doc, e)
		}
		answer := e.encode()
		again, err := parseEncryptionConfiguration(answer)
		if err != nil || *again != *e {
			t.Fatalf("%s reads as %+v, %v; want %+v", answer, again, err, e)
		}
	})
}
