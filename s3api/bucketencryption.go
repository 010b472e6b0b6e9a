package s3api

import (
	"encoding/xml"
	"errors"
	"net/http"

	"github.com/doorman-s3/doorman/internal/awsxml"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

// Bucket default encryption: PutBucketEncryption, GetBucketEncryption, DeleteBucketEncryption
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-encryption.html). Since
// 5 January 2023 every S3 bucket has one: "By default, all buckets have a default encryption
// configuration that uses server-side encryption with Amazon S3 managed keys (SSE-S3)"
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketEncryption.html), and
// DeleteBucketEncryption "resets the default encryption for the bucket as server-side
// encryption with Amazon S3 managed keys (SSE-S3)"
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketEncryption.html). So a
// bucket without a stored configuration answers the SSE-S3 one, as S3 did to ceph/s3-tests#613,
// and never ServerSideEncryptionConfigurationNotFoundError. The configuration is stored as the
// bucket configuration of kind encryptionKind, in the form GetBucketEncryption answers, and
// kept in the bucket's state, which every write of the bucket reads.

const encryptionKind = "encryption"

// bucketEncryption is a bucket's default encryption: SSEAlgorithm, KMSMasterKeyID and
// BucketKeyEnabled of its one rule.
type bucketEncryption struct {
	algorithm string
	kmsKeyID  string
	bucketKey bool
}

// defaultEncryption is what a write into st that names no encryption gets: the bucket's
// default, SSE-S3 when none is stored. S3 reports no bucket key on SSE-S3 objects (LocalStack's
// snapshot test_s3_default_bucket_encryption_exc), so a bucket key goes with SSE-KMS alone.
func (st *bucketState) defaultEncryption() storage.Encryption {
	e := st.encryption
	if e == nil || e.algorithm != storage.SSEKMS {
		return storage.Encryption{Algorithm: storage.SSEAES256}
	}
	return storage.Encryption{Algorithm: storage.SSEKMS, KMSKeyID: e.kmsKeyID, BucketKeyEnabled: e.bucketKey}
}

// encryptionConfiguration is the document of PutBucketEncryption
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketEncryption.html).
type encryptionConfiguration struct {
	XMLName xml.Name `xml:"ServerSideEncryptionConfiguration"`
	Rules   []struct {
		Default *struct {
			SSEAlgorithm   *string `xml:"SSEAlgorithm"`
			KMSMasterKeyID *string `xml:"KMSMasterKeyID"`
		} `xml:"ApplyServerSideEncryptionByDefault"`
		BucketKeyEnabled bool      `xml:"BucketKeyEnabled"`
		Blocked          *struct{} `xml:"BlockedEncryptionTypes"`
	} `xml:"Rule"`
}

// parseEncryptionConfiguration reads a PutBucketEncryption document as S3 does (LocalStack's
// snapshot test_s3_default_bucket_encryption_exc, and its provider's put_bucket_encryption):
// exactly one rule, with ApplyServerSideEncryptionByDefault and an SSEAlgorithm of AES256,
// aws:kms or aws:kms:dsse, else MalformedXML; a KMSMasterKeyID with AES256 is InvalidArgument.
// The KMS key is not checked: "Amazon S3 doesn't validate the KMS key ID provided in
// PutBucketEncryption requests" (the page above); a write using it is refused if the backend
// has no such key. Doorman refuses what it does not implement: DSSE-KMS, and
// BlockedEncryptionTypes (it never blocks SSE-C), with 501 NotImplemented in its own words.
func parseEncryptionConfiguration(doc []byte) (*bucketEncryption, error) {
	var c encryptionConfiguration
	if xml.Unmarshal(doc, &c) != nil || len(c.Rules) != 1 {
		return nil, s3err.MalformedXML
	}
	r := c.Rules[0]
	if r.Blocked != nil {
		return nil, s3err.NotImplemented.Withf("The BlockedEncryptionTypes element of a bucket encryption configuration is not implemented.")
	}
	if r.Default == nil || r.Default.SSEAlgorithm == nil {
		return nil, s3err.MalformedXML
	}
	e := &bucketEncryption{algorithm: *r.Default.SSEAlgorithm, bucketKey: r.BucketKeyEnabled}
	switch e.algorithm {
	case storage.SSEAES256, storage.SSEKMS:
	case notImplementedDSSE:
		return nil, s3err.NotImplemented.Withf("Dual-layer server-side encryption (aws:kms:dsse) is not implemented.")
	default:
		return nil, s3err.MalformedXML
	}
	if k := r.Default.KMSMasterKeyID; k != nil {
		if e.algorithm != storage.SSEKMS {
			return nil, s3err.InvalidArgument.Withf("a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse").
				With("ArgumentName", "ApplyServerSideEncryptionByDefault")
		}
		e.kmsKeyID = *k
	}
	return e, nil
}

// encode is the GetBucketEncryption document of e, the SSE-S3 default for nil: SSEAlgorithm,
// the KMSMasterKeyID when there is one, BucketKeyEnabled always (ceph/s3-tests#613 records
// S3's answer for a bucket never configured:
// {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": false}]}).
func (e *bucketEncryption) encode() []byte {
	if e == nil {
		e = &bucketEncryption{algorithm: storage.SSEAES256}
	}
	var out encryptionAnswer
	out.Rule.Default.SSEAlgorithm, out.Rule.Default.KMSMasterKeyID, out.Rule.BucketKeyEnabled = e.algorithm, e.kmsKeyID, e.bucketKey
	b, err := xml.Marshal(out)
	if err != nil {
		panic(err) // strings and a boolean always marshal
	}
	return append([]byte(awsxml.Header), b...)
}

// encryptionAnswer is the document of GetBucketEncryption.
type encryptionAnswer struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ServerSideEncryptionConfiguration"`
	Rule    struct {
		Default struct {
			SSEAlgorithm   string `xml:"SSEAlgorithm"`
			KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
		} `xml:"ApplyServerSideEncryptionByDefault"`
		BucketKeyEnabled bool `xml:"BucketKeyEnabled"`
	} `xml:"Rule"`
}

// putBucketEncryption sets the bucket's default encryption: the document, at most
// storage.MaxConfigSize bytes, needs Content-MD5 or a checksum (botocore marks the operation
// requestChecksumRequired), and is stored before the bucket's state shows it.
func (s *Server) putBucketEncryption(rc *request, st *bucketState) error {
	body, err := rc.readIntegrityCheckedBody(storage.MaxConfigSize, integrityRequired)
	if err != nil {
		return err
	}
	e, err := parseEncryptionConfiguration(body)
	if err != nil {
		return err
	}
	if err := s.setBucketConfig(rc, st, encryptionKind, e.encode(), func(st *bucketState) { st.encryption = e }); err != nil {
		return err
	}
	rc.w.Header()["Content-Length"] = []string{"0"}
	rc.w.WriteHeader(http.StatusOK)
	return nil
}

// getBucketEncryption answers the bucket's default encryption, SSE-S3 when none is stored.
func (s *Server) getBucketEncryption(rc *request, st *bucketState) error {
	rc.writeXMLBytes(http.StatusOK, st.encryption.encode())
	return nil
}

// deleteBucketEncryption resets the bucket's default encryption to SSE-S3 and answers 204,
// whether or not one was stored.
func (s *Server) deleteBucketEncryption(rc *request, st *bucketState) error {
	if err := s.setBucketConfig(rc, st, encryptionKind, nil, func(st *bucketState) { st.encryption = nil }); err != nil {
		return err
	}
	rc.w.WriteHeader(http.StatusNoContent)
	return nil
}

// loadEncryption reads a bucket's stored default encryption; nil when it has none. One that
// no longer parses is an error: writes would otherwise be encrypted otherwise than the owner
// asked.
func loadEncryption(doc []byte, err error) (*bucketEncryption, error) {
	switch {
	case errors.Is(err, storage.ErrNoSuchConfig):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return parseEncryptionConfiguration(doc)
}
