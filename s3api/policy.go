package s3api

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/doorman-s3/doorman/policy"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

// Bucket policies (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html)
// are stored with the bucket's other configurations, as the document was sent, and parsed into
// the bucket's state when the server starts and when one is put, as CORS configurations are:
// a request reads the parsed policy from the bucket table and never parses or reads storage.

const policyKind = "policy"

// maxPolicyBody bounds the PutBucketPolicy body read: twice policy.MaxSize, so that a document
// somewhat over S3's limit gets Parse's own refusal, while a far larger one is refused unread.
const maxPolicyBody = 2 * policy.MaxSize

// bucketPolicy is a bucket's policy: the document as stored, and what it says.
type bucketPolicy struct {
	doc    []byte
	parsed *policy.Policy
	public bool // policy.IsPublic, decided once
}

func newBucketPolicy(doc []byte, p *policy.Policy) *bucketPolicy {
	return &bucketPolicy{doc: doc, parsed: p, public: p.IsPublic()}
}

// loadBucketPolicy reads a bucket's stored policy; nil when it has none. A stored document
// that no longer parses (written by another version, or damaged) is not dropped, which would
// open the bucket wider than its owner set it, nor fatal to the whole server: the bucket fails
// closed, held to denyAll, and the document is kept for its owner to read and replace. The
// returned error is for storage that cannot be read at all.
func loadBucketPolicy(ctx context.Context, b storage.Backend, bucket string, log *slog.Logger) (*bucketPolicy, error) {
	doc, err := b.GetBucketConfig(ctx, bucket, policyKind)
	switch {
	case errors.Is(err, storage.ErrNoSuchConfig):
		return nil, nil
	case err != nil:
		return nil, err
	}
	p, err := policy.Parse(doc, bucket)
	if err != nil {
		log.Error("stored bucket policy cannot be parsed: the bucket refuses every request but its owner's root user's policy operations until the policy is put again or deleted",
			"bucket", bucket, "error", err)
		p = denyAll
	}
	return newBucketPolicy(doc, p), nil
}

// denyAll is the policy a bucket whose stored policy cannot be parsed is held to: a Deny of
// every action to everyone, which leaves the owner account's root user only what S3 always
// leaves it, reading, replacing and deleting the policy (policyOps).
var denyAll = &policy.Policy{Version: "2012-10-17", Statements: []policy.Statement{{
	Effect: policy.Deny, Principal: &policy.Principal{Any: true}, Action: []string{"*"}, Resource: []string{"*"},
}}}

// policyError is S3's answer to a policy Parse refuses: every such error is a 400
// (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html, MalformedPolicy).
func policyError(err error) error {
	var pe *policy.Error
	if errors.As(err, &pe) {
		return &s3err.Error{Status: http.StatusBadRequest, Code: pe.Code, Message: pe.Message}
	}
	return err
}

// sameAccount reports whether the caller is a user of the account that owns the bucket. S3
// answers 405 to a caller outside it that a policy lets manage the bucket's policy: "If you
// have the correct permissions, but you're not using an identity that belongs to the bucket
// owner's account, Amazon S3 returns a 405 Method Not Allowed error"
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html). The body's Method
// and ResourceType elements are those S3's other MethodNotAllowed errors carry; ResourceType
// BUCKETPOLICY is [UNVERIFIED], chosen by analogy with the OBJECT and BUCKET S3 sends.
func (rc *request) sameAccount(st *bucketState) error {
	if rc.ofOwnerAccount(st) {
		return nil
	}
	return s3err.MethodNotAllowed.With("Method", rc.r.Method).With("ResourceType", "BUCKETPOLICY")
}

// putBucketPolicy validates the document as S3 does and stores it. With BlockPublicPolicy on,
// a public policy is refused with 403 AccessDenied
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html).
// x-amz-confirm-remove-self-bucket-access needs nothing here: the owner account's root user
// can always change the policy, whatever it says.
func (s *Server) putBucketPolicy(rc *request, st *bucketState) error {
	if err := rc.sameAccount(st); err != nil {
		return err
	}
	doc, err := rc.readIntegrityCheckedBody(maxPolicyBody, integrityOptional)
	if err != nil {
		return err
	}
	p, err := policy.Parse(doc, rc.bucket)
	if err != nil {
		return policyError(err)
	}
	bp := newBucketPolicy(doc, p)
	err = s.buckets.update(rc.bucket, func(old *bucketState) (*bucketState, error) {
		if !sameBucket(old, st) {
			return nil, s3err.NoSuchBucket.With("BucketName", rc.bucket)
		}
		if bp.public && old.publicAccess.BlockPublicPolicy {
			return nil, s3err.AccessDenied
		}
		if err := s.cfg.Backend.PutBucketConfig(rc.ctx, rc.bucket, policyKind, doc); err != nil {
			return nil, err
		}
		n := old.clone()
		n.access = bp
		return n, nil
	})
	if err != nil {
		return err
	}
	rc.w.WriteHeader(http.StatusNoContent)
	return nil
}

// getBucketPolicy answers the document as it was put.
func (s *Server) getBucketPolicy(rc *request, st *bucketState) error {
	if err := rc.sameAccount(st); err != nil {
		return err
	}
	if st.access == nil {
		return s3err.NoSuchBucketPolicy.With("BucketName", rc.bucket)
	}
	h := rc.w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{fmt.Sprint(len(st.access.doc))}
	rc.w.WriteHeader(http.StatusOK)
	_, _ = rc.w.Write(st.access.doc)
	return nil
}

// deleteBucketPolicy answers 204 whether or not there was a policy.
func (s *Server) deleteBucketPolicy(rc *request, st *bucketState) error {
	if err := rc.sameAccount(st); err != nil {
		return err
	}
	err := s.buckets.update(rc.bucket, func(old *bucketState) (*bucketState, error) {
		if !sameBucket(old, st) {
			return nil, s3err.NoSuchBucket.With("BucketName", rc.bucket)
		}
		if err := s.cfg.Backend.DeleteBucketConfig(rc.ctx, rc.bucket, policyKind); err != nil {
			return nil, err
		}
		n := old.clone()
		n.access = nil
		return n, nil
	})
	if err != nil {
		return err
	}
	rc.w.WriteHeader(http.StatusNoContent)
	return nil
}

type policyStatus struct {
	XMLName  xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ PolicyStatus"`
	IsPublic bool     `xml:"IsPublic"`
}

// getBucketPolicyStatus says whether the bucket's policy is public, by "The meaning of
// public" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html).
// It describes the policy, whatever RestrictPublicBuckets does with it: the setting decides
// who the policy's grants reach, not what the policy says. A bucket without a policy answers
// NoSuchBucketPolicy, as S3 does.
func (s *Server) getBucketPolicyStatus(rc *request, st *bucketState) error {
	if st.access == nil {
		return s3err.NoSuchBucketPolicy.With("BucketName", rc.bucket)
	}
	return rc.writeXML(http.StatusOK, policyStatus{IsPublic: st.access.public})
}
