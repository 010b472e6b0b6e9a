package s3api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/doorman-s3/doorman/s3api/internal/s3err"
)

// refusal is a request header that asks for a feature doorman does not have, with the
// operations on which it is refused and the answer. A request is never served as if such a
// header were absent: an SSE-C object readable without its key is worse than an error. The
// README's table lists these, and the headers and parameters that are honoured.
type refusal struct {
	// header is a canonical header name; ending in "*", the prefix of a family of headers.
	header string
	// only, when set, limits the refusal to that value (compared ignoring case).
	only string
	ops  []string // nil: every operation
	// answer is the error; nil means 501 NotImplemented naming the header, which is how S3
	// answers a header it does not implement, as for "Transfer-Encoding". The Header element
	// carries the name as net/http canonicalizes it; that S3 echoes the client's spelling or
	// another is not documented. [UNVERIFIED]
	answer *s3err.Error
}

// Operations sharing refusals.
var (
	// PostObject's form fields are checked as headers (postFormRefused).
	objectCreations = []string{"PutObject", "CopyObject", "CreateMultipartUpload", "PostObject"}
	listings        = []string{"ListObjects", "ListObjectsV2", "ListObjectVersions"}
	mfaOps          = []string{"DeleteObject", "DeleteObjects", "PutBucketVersioning"}
)

// missingObjectLock is what S3 answers to Object Lock headers on a write into a bucket without
// Object Lock (newObjectLock). The wording (no spaces in "ObjectLockConfiguration") is the
// one the versitygw maintainers recorded against S3 for PutObject, CopyObject and
// CreateMultipartUpload (github.com/versity/versitygw/pull/1755). [UNVERIFIED]
var missingObjectLock = s3err.InvalidRequest.Withf("Bucket is missing ObjectLockConfiguration")

// refusals, in the order they are checked: the first that applies answers.
var refusals = []refusal{
	// Dual-layer server-side encryption (DSSE-KMS): SSE-S3, SSE-KMS and SSE-C are served
	// (encryption.go), the second layer of DSSE is not.
	{header: hdrSSE, only: notImplementedDSSE, ops: objectCreations},
	// The token S3 once required to enable Object Lock on an existing bucket: doorman enables
	// it without one (objectlock.go), and a token it cannot check is refused, not ignored.
	{header: "X-Amz-Bucket-Object-Lock-Token", ops: []string{"PutObjectLockConfiguration"}},
	// MFA: doorman has no MFA devices to check a token against, so MFA delete is never
	// enabled (errMfaRequired) and a token is refused rather than ignored.
	{header: "X-Amz-Mfa", ops: mfaOps},
	// Website redirects.
	{header: "X-Amz-Website-Redirect-Location", ops: objectCreations},
	// Conditions of directory buckets (If-Match on deletes is honoured).
	{header: "X-Amz-If-Match-Last-Modified-Time", ops: []string{"DeleteObject"}},
	{header: "X-Amz-If-Match-Size", ops: []string{"DeleteObject"}},
	{header: "X-Amz-If-Match-Initiated-Time", ops: []string{"AbortMultipartUpload"}},
	// Appends (directory buckets), the declared size of a multipart object, archive
	// attributes in listings.
	{header: "X-Amz-Write-Offset-Bytes", ops: []string{"PutObject"}},
	{header: "X-Amz-Mp-Object-Size", ops: []string{"CompleteMultipartUpload"}},
	{header: "X-Amz-Optional-Object-Attributes", ops: listings},
	// The minimum size of the objects a lifecycle transition moves: doorman has no
	// transitions, so it keeps S3's default, all_storage_classes_128K, and refuses the other
	// setting (lifecycle.go).
	{header: transitionMinimumSize, only: "varies_by_storage_class", ops: []string{"PutBucketLifecycleConfiguration"}},
	// Checksum algorithms newer than doorman's: their digest would go unchecked.
	{header: "X-Amz-Checksum-Md5"},
	{header: "X-Amz-Checksum-Sha512"},
	{header: "X-Amz-Checksum-Xxhash3"},
	{header: "X-Amz-Checksum-Xxhash64"},
	{header: "X-Amz-Checksum-Xxhash128"},
}

// refusalsByOp indexes refusals by operation, in order; the key "" holds those of every
// operation, checked after an operation's own.
var refusalsByOp = func() map[string][]refusal {
	m := map[string][]refusal{}
	for _, r := range refusals {
		if r.ops == nil {
			m[""] = append(m[""], r)
		}
		for _, op := range r.ops {
			m[op] = append(m[op], r)
		}
	}
	return m
}()

// refused returns the error for the first header of the request that
// operation op does not implement, or nil.
func (rc *request) refused(op string) error {
	return refusedIn(op, rc.r.Header)
}

// postFormRefused applies the refusals of PostObject to the fields of a form upload, which
// carry what a PutObject carries in headers.
func postFormRefused(fields map[string]string) error {
	return refusedIn("PostObject", formHeader(fields))
}

// formHeader is a form upload's fields as the headers of a PutObject.
func formHeader(fields map[string]string) http.Header {
	h := make(http.Header, len(fields))
	for k, v := range fields {
		h[http.CanonicalHeaderKey(k)] = []string{v}
	}
	return h
}

func refusedIn(op string, h http.Header) error {
	for _, list := range [2][]refusal{refusalsByOp[op], refusalsByOp[""]} {
		for _, r := range list {
			if name, ok := r.match(h); ok {
				if r.answer != nil {
					return r.answer
				}
				return s3err.NotImplemented.With("Header", name)
			}
		}
	}
	return nil
}

// match finds the header r refuses; of a family, the first in sorted order, so that the
// answer does not depend on map iteration.
func (r *refusal) match(h http.Header) (string, bool) {
	prefix, family := strings.CutSuffix(r.header, "*")
	if !family {
		vs, ok := h[r.header]
		if ok && r.only != "" {
			ok = slices.ContainsFunc(vs, func(v string) bool { return strings.EqualFold(strings.TrimSpace(v), r.only) })
		}
		return r.header, ok
	}
	found := ""
	for k := range h {
		if strings.HasPrefix(k, prefix) && (found == "" || k < found) {
			found = k
		}
	}
	return found, found != ""
}

// checkExpectedOwner enforces x-amz-expected-bucket-owner (or, for a copy's source,
// x-amz-source-expected-bucket-owner): a bucket owned by another account answers 403
// AccessDenied, as S3 does. Doorman's account id is the canonical ID that answers show as
// Owner/ID (64 hex digits); an AWS 12-digit account id never matches.
func checkExpectedOwner(h http.Header, name string, st *bucketState) error {
	if vs, ok := h[name]; ok && (len(vs) != 1 || vs[0] != st.info.Owner) {
		return s3err.AccessDenied
	}
	return nil
}
