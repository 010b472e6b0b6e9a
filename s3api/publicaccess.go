package s3api

import (
	"encoding/xml"
	"errors"
	"net/http"

	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

// Block Public Access, per bucket
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html):
//   - BlockPublicAcls: PutBucketAcl, PutObjectAcl and the object writes refuse a public ACL
//     (one with grants to AllUsers or AuthenticatedUsers: public-read, public-read-write,
//     authenticated-read, or such grants given by header or document) with AccessDenied
//     (checkACL, acl.ACL.Public);
//   - IgnorePublicAcls: the grants of ACLs to AllUsers and AuthenticatedUsers grant nothing;
//     their other grants still do (aclAllows);
//   - BlockPublicPolicy: PutBucketPolicy refuses a public policy;
//   - RestrictPublicBuckets: a public policy grants nothing to callers outside the bucket
//     owner's account.
//
// New buckets have all four on (API_CreateBucket.html; since April 2023). CreateBucket's own
// ACL is not refused by them: the page names CreateBucket only among the account-level
// setting's refusals, and a bucket's settings exist once it does; a public ACL given at
// creation is kept and, under IgnorePublicAcls, its public grants grant nothing. Re-creating a
// bucket one owns, which resets its ACL, is refused a public ACL under BlockPublicAcls
// (createOrReset).
// [UNVERIFIED] A bucket created before doorman knew of Block Public Access has no stored configuration and blocks nothing,
// as AWS left its existing buckets. Account-level Block Public Access (the S3 Control API) is
// not implemented.
type publicAccessBlock struct {
	BlockPublicAcls       bool
	IgnorePublicAcls      bool
	BlockPublicPolicy     bool
	RestrictPublicBuckets bool
}

// blockAll is every setting on: a new bucket's configuration.
var blockAll = publicAccessBlock{true, true, true, true}

// publicAccessKind is the storage configuration kind of a bucket's public access block.
const publicAccessKind = "public-access-block"

// maxPublicAccessBody bounds a PublicAccessBlockConfiguration document: four booleans.
const maxPublicAccessBody = 4 << 10

// publicAccessConfiguration is the XML of Put/GetPublicAccessBlock
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutPublicAccessBlock.html); a missing
// element is false.
type publicAccessConfiguration struct {
	XMLName               xml.Name `xml:"PublicAccessBlockConfiguration"`
	BlockPublicAcls       bool     `xml:"BlockPublicAcls"`
	IgnorePublicAcls      bool     `xml:"IgnorePublicAcls"`
	BlockPublicPolicy     bool     `xml:"BlockPublicPolicy"`
	RestrictPublicBuckets bool     `xml:"RestrictPublicBuckets"`
}

type publicAccessResponse struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ PublicAccessBlockConfiguration"`
	publicAccessBlock
}

func encodePublicAccess(b publicAccessBlock) []byte {
	doc, _ := xml.Marshal(publicAccessResponse{publicAccessBlock: b})
	return doc
}

// decodePublicAccess reads a PublicAccessBlockConfiguration; a document that is not one (or
// a value other than true or false) is MalformedXML. [UNVERIFIED]
func decodePublicAccess(doc []byte) (publicAccessBlock, error) {
	var c publicAccessConfiguration
	if err := xml.Unmarshal(doc, &c); err != nil {
		return publicAccessBlock{}, s3err.MalformedXML
	}
	return publicAccessBlock{c.BlockPublicAcls, c.IgnorePublicAcls, c.BlockPublicPolicy, c.RestrictPublicBuckets}, nil
}

// setPublicAccess stores (b non-nil) or removes the bucket's public access block.
func (s *Server) setPublicAccess(rc *request, st *bucketState, b *publicAccessBlock) error {
	return s.buckets.update(rc.bucket, func(old *bucketState) (*bucketState, error) {
		if !sameBucket(old, st) {
			return nil, s3err.NoSuchBucket.With("BucketName", rc.bucket)
		}
		var err error
		if b == nil {
			err = s.cfg.Backend.DeleteBucketConfig(rc.ctx, rc.bucket, publicAccessKind)
		} else {
			err = s.cfg.Backend.PutBucketConfig(rc.ctx, rc.bucket, publicAccessKind, encodePublicAccess(*b))
		}
		if err != nil {
			return nil, err
		}
		n := old.clone()
		n.publicAccess, n.hasPublicAccess = publicAccessBlock{}, b != nil
		if b != nil {
			n.publicAccess = *b
		}
		return n, nil
	})
}

func (s *Server) putPublicAccessBlock(rc *request, st *bucketState) error {
	body, err := rc.readIntegrityCheckedBody(maxPublicAccessBody, integrityOptional)
	if err != nil {
		return err
	}
	b, err := decodePublicAccess(body)
	if err != nil {
		return err
	}
	if err := s.setPublicAccess(rc, st, &b); err != nil {
		return err
	}
	rc.w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) getPublicAccessBlock(rc *request, st *bucketState) error {
	if !st.hasPublicAccess {
		return s3err.NoSuchPublicAccessBlockConfiguration.With("BucketName", rc.bucket)
	}
	return rc.writeXML(http.StatusOK, publicAccessResponse{publicAccessBlock: st.publicAccess})
}

// deletePublicAccessBlock answers 204 whether or not there was a configuration.
func (s *Server) deletePublicAccessBlock(rc *request, st *bucketState) error {
	if err := s.setPublicAccess(rc, st, nil); err != nil {
		return err
	}
	rc.w.WriteHeader(http.StatusNoContent)
	return nil
}

// loadPublicAccess reads a bucket's stored public access block; ok is false when it has none.
func loadPublicAccess(doc []byte, err error) (b publicAccessBlock, ok bool, _ error) {
	if errors.Is(err, storage.ErrNoSuchConfig) {
		return b, false, nil
	}
	if err != nil {
		return b, false, err
	}
	b, err = decodePublicAccess(doc)
	return b, err == nil, err
}
