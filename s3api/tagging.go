package s3api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/tagging"
)

// Object and bucket tagging
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html). An object's tags
// are stored with it in tagging's canonical form (storage.ObjectInfo.Tags); a bucket's are a
// bucket configuration of kind taggingKind, in the same form.

// taggingKind is the bucket configuration holding a bucket's tags.
const taggingKind = "tagging"

// taggingError is the S3 error of a tag set tagging refuses.
func taggingError(err error) error {
	var te *tagging.Error
	if errors.As(err, &te) {
		return &s3err.Error{Status: http.StatusBadRequest, Code: te.Code, Message: te.Message}
	}
	return err
}

// readTagging reads the Tagging document of PutObjectTagging or PutBucketTagging, holding at
// most max tags. botocore marks both operations requestChecksumRequired, so every SDK sends
// Content-MD5 or a checksum; that S3 refuses a request without one as it refuses
// PutBucketCors is assumed. [UNVERIFIED]
func (rc *request) readTagging(max int) (tagging.Set, error) {
	body, err := rc.readIntegrityCheckedBody(tagging.MaxDocumentSize, integrityRequired)
	if err != nil {
		return nil, err
	}
	set, err := tagging.ParseXML(body, max)
	return set, taggingError(err)
}

// getObjectTagging answers the object's tags, an empty TagSet when it has none
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectTagging.html). The caller needs
// s3:GetObjectTagging, which no ACL grants: the object's owner has it, and a bucket policy may
// grant it (objectForACL decides, as for the object's ACL).
func (s *Server) getObjectTagging(rc *request, st *bucketState) error {
	info, err := s.objectForACL(rc, accessObjectTagging, st)
	if err != nil {
		return err
	}
	set, err := tagging.Decode(info.Tags)
	if err != nil {
		return err
	}
	return rc.writeXML(http.StatusOK, set.XML())
}

// putObjectTagging replaces the object's tags; an empty TagSet removes them
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html). The tags are
// set only on the object the caller was authorized for, as putObjectACL sets an ACL.
func (s *Server) putObjectTagging(rc *request, st *bucketState) error {
	set, err := rc.readTagging(tagging.MaxObjectTags)
	if err != nil {
		return err
	}
	rc.requestTags = set
	if err := s.setObjectTags(rc, st, set.Encode()); err != nil {
		return err
	}
	rc.w.Header()["Content-Length"] = []string{"0"}
	rc.w.WriteHeader(http.StatusOK)
	return nil
}

// deleteObjectTagging removes the object's tags and answers 204
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjectTagging.html).
func (s *Server) deleteObjectTagging(rc *request, st *bucketState) error {
	if err := s.setObjectTags(rc, st, ""); err != nil {
		return err
	}
	rc.w.WriteHeader(http.StatusNoContent)
	return nil
}

// setObjectTags authorizes the caller on the object and replaces its tags with stored.
func (s *Server) setObjectTags(rc *request, st *bucketState, stored string) error {
	info, err := s.objectForACL(rc, accessObjectTagging, st)
	if err != nil {
		return err
	}
	err = s.cfg.Backend.PutObjectTags(rc.ctx, rc.bucket, rc.key, storage.PutObjectTagsOptions{Tags: stored, IfUnchanged: &info,
		VersionID: rc.version, BucketID: st.info.ID})
	switch {
	case errors.Is(err, storage.ErrPreconditionFailed):
		return errObjectChanged
	case err != nil:
		return rc.objectError(err)
	}
	return nil
}

// headerTags reads the x-amz-tagging header of PutObject, CopyObject or
// CreateMultipartUpload: the stored form of its tags, "" when it is absent.
func headerTags(h http.Header) (string, error) {
	v, ok := h["X-Amz-Tagging"]
	if !ok {
		return "", nil
	}
	set, err := tagging.ParseHeader(v[0])
	if err != nil {
		return "", taggingError(err)
	}
	return set.Encode(), nil
}

// authorizeNewTags decides whether a write that sets tags (x-amz-tagging on PutObject,
// CreateMultipartUpload, or CopyObject with REPLACE) may set them: "s3:PutObjectTagging - To
// successfully set the tag-set with your PutObject request, you must have the
// s3:PutObjectTagging" (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html,
// Permissions). No ACL grants it, so a caller whom only the bucket's ACL lets write writes
// without tags. [UNVERIFIED] that CreateMultipartUpload and CopyObject ask it as PutObject does.
func (rc *request) authorizeNewTags(st *bucketState, tags string) error {
	if tags == "" {
		return nil
	}
	return rc.authorize(accessObjectTagging, st)
}

// writeTaggingCount sets x-amz-tagging-count on GetObject and HeadObject, "The number of tags,
// if any, on the object" (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html,
// API_HeadObject.html; ceph/s3-tests' test_get_obj_head_tagging reads it on HEAD).
func writeTaggingCount(h http.Header, info *storage.ObjectInfo) {
	if n := tagging.Count(info.Tags); n > 0 {
		h["X-Amz-Tagging-Count"] = []string{strconv.Itoa(n)}
	}
}

// putBucketTagging replaces the bucket's tags
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketTagging.html); it answers
// 204, as the page's sample response and S3 do (LocalStack's test_bucket_tagging_crud, run
// against AWS), not the 200 of its Response Syntax. An empty
// TagSet leaves the bucket without tags, so that GetBucketTagging answers NoSuchTagSet.
// [UNVERIFIED] no record shows what S3 keeps of an empty set.
func (s *Server) putBucketTagging(rc *request, st *bucketState) error {
	set, err := rc.readTagging(tagging.MaxBucketTags)
	if err != nil {
		return err
	}
	err = s.buckets.update(rc.bucket, func(old *bucketState) (*bucketState, error) {
		if !sameBucket(old, st) {
			return nil, s3err.NoSuchBucket.With("BucketName", rc.bucket)
		}
		if len(set) == 0 {
			return old, s.cfg.Backend.DeleteBucketConfig(rc.ctx, rc.bucket, taggingKind)
		}
		return old, s.cfg.Backend.PutBucketConfig(rc.ctx, rc.bucket, taggingKind, []byte(set.Encode()))
	})
	if err != nil {
		return err
	}
	rc.w.WriteHeader(http.StatusNoContent)
	return nil
}

// getBucketTagging answers the bucket's tags, or 404 NoSuchTagSet without any
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketTagging.html; the message is
// the one ceph/s3-tests' test_set_bucket_tagging records).
func (s *Server) getBucketTagging(rc *request, st *bucketState) error {
	doc, err := s.cfg.Backend.GetBucketConfig(rc.ctx, rc.bucket, taggingKind)
	switch {
	case errors.Is(err, storage.ErrNoSuchConfig):
		return s3err.NoSuchTagSet.With("BucketName", rc.bucket)
	case err != nil:
		return err
	}
	set, err := tagging.Decode(string(doc))
	if err != nil {
		return err
	}
	return rc.writeXML(http.StatusOK, set.XML())
}

// deleteBucketTagging removes the bucket's tags and answers 204
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketTagging.html).
func (s *Server) deleteBucketTagging(rc *request, st *bucketState) error {
	err := s.buckets.update(rc.bucket, func(old *bucketState) (*bucketState, error) {
		if !sameBucket(old, st) {
			return nil, s3err.NoSuchBucket.With("BucketName", rc.bucket)
		}
		return old, s.cfg.Backend.DeleteBucketConfig(rc.ctx, rc.bucket, taggingKind)
	})
	if err != nil {
		return err
	}
	rc.w.WriteHeader(http.StatusNoContent)
	return nil
}

// The operations whose policy condition keys include the tags of the object they act on
// (s3:ExistingObjectTag/<key>) and the tags they set (s3:RequestObjectTag/<key>,
// s3:RequestObjectTagKeys), from the condition keys column of
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html and
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/tagging-and-policies.html.
var (
	// existingTagActions are actions, not operations: a copy checks s3:GetObject on its source,
	// whose tags that check must see, and s3:PutObject on its destination, whose must not.
	// The version actions of a request naming a version have the key as their
	// counterparts do.
	existingTagActions = map[string]bool{"s3:GetObject": true, "s3:GetObjectAcl": true, "s3:PutObjectAcl": true,
		"s3:GetObjectTagging": true, "s3:PutObjectTagging": true, "s3:DeleteObjectTagging": true,
		"s3:GetObjectVersion": true, "s3:GetObjectVersionAcl": true, "s3:PutObjectVersionAcl": true,
		"s3:GetObjectVersionTagging": true, "s3:PutObjectVersionTagging": true, "s3:DeleteObjectVersionTagging": true}
	requestTagOps = map[string]bool{"PutObject": true, "CopyObject": true, "CreateMultipartUpload": true, "PutObjectTagging": true,
		"PostObject": true}
)

// objectTagKeys sets the tag condition keys of the request. Condition key names compare
// ignoring case (policy.Request), the tag's name with them; tags whose names differ only in
// case make the key multivalued, which no single-valued condition matches. [UNVERIFIED] how
// S3 treats such tags is not documented. An x-amz-tagging header S3 refuses sets no key: the
// request fails whatever the policy says.
//
// The existing tags are those of the object the check is about (rc.object, when resource is
// its ARN), for an action that has the key. Stored tags that do not decode are an error: the
// policy is then not evaluated, and the request fails.
func (rc *request) objectTagKeys(ctx map[string][]string, action, resource string) error {
	if existingTagActions[action] && rc.object != nil && resource == rc.objectResource {
		set, err := tagging.Decode(rc.object.Tags)
		if err != nil {
			return err
		}
		for _, t := range set {
			k := "s3:existingobjecttag/" + strings.ToLower(t.Key)
			ctx[k] = append(ctx[k], t.Value)
		}
	}
	if !requestTagOps[rc.op] {
		return nil
	}
	set := rc.requestTags
	if rc.op == "PostObject" && set == nil {
		return nil
	}
	if rc.op != "PutObjectTagging" && rc.op != "PostObject" {
		if rc.op == "CopyObject" && rc.r.Header.Get("X-Amz-Tagging-Directive") != "REPLACE" {
			return nil
		}
		if _, ok := rc.r.Header["X-Amz-Tagging"]; !ok {
			return nil
		}
		var err error
		if set, err = tagging.ParseHeader(rc.r.Header.Get("X-Amz-Tagging")); err != nil {
			return nil
		}
	}
	keys := make([]string, 0, len(set))
	for _, t := range set {
		k := "s3:requestobjecttag/" + strings.ToLower(t.Key)
		ctx[k] = append(ctx[k], t.Value)
		keys = append(keys, t.Key)
	}
	ctx["s3:requestobjecttagkeys"] = keys
	return nil
}
