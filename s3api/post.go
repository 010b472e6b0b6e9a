package s3api

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/doorman-s3/doorman/acl"
	"github.com/doorman-s3/doorman/s3api/internal/postpolicy"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/tagging"
)

// postObject serves a browser form upload (POST Object). The form carries its own
// credentials and a signed policy that bounds what may be uploaded; the postpolicy package
// checks both while streaming the file, and the caller it names (or an anonymous one) then
// needs WRITE on the bucket like any PutObject.
func (s *Server) postObject(rc *request, st *bucketState) error {
	form, err := postpolicy.Parse(rc.r.Header.Get("Content-Type"), rc.body, rc.bucket, s.users, s.cfg.Now())
	if err != nil {
		return err
	}
	if form.AccessKey != "" {
		rc.user = s.users[form.AccessKey]
		rc.sig = signature{version: sigV2, at: form.SignedAt}
		if !form.SignedAt.IsZero() {
			rc.sig.version = sigV4
		}
		rc.setCaller()
	}
	// The form's tags and Object Lock settings are read first, for the policy's
	// s3:RequestObjectTag and s3:object-lock-* keys; a tagging or lock field S3 refuses is
	// answered where it always was, after the caller is authorized.
	set, tagsErr := formTags(form.Fields)
	rc.requestTags = set
	lock, lockErr := newObjectLock(formHeader(form.Fields), st, s.cfg.Now())
	if lockErr == nil {
		rc.requestLock = &lock
	}
	if err := rc.authorizeKey(accessBucketWrite, st, form.Key); err != nil {
		return err
	}
	if err := postFormRefused(form.Fields); err != nil {
		return err
	}
	if lockErr == nil {
		lockErr = rc.authorizeNewLock(st, form.Key, lock)
	}
	if lockErr != nil {
		return lockErr
	}
	var a *acl.ACL
	if form.ACL != "" {
		if !acl.IsCanned(form.ACL) {
			return s3err.InvalidArgument.With("ArgumentName", "acl").With("ArgumentValue", form.ACL)
		}
		a = &acl.ACL{Canned: form.ACL}
	}
	if err := st.checkACL(a); err != nil {
		return err
	}
	if err := storage.ValidateKey(form.Key); err != nil {
		return err
	}
	if tagsErr != nil {
		return tagsErr
	}
	tags := set.Encode()
	if tags != "" {
		// As authorizeNewTags: setting tags needs s3:PutObjectTagging.
		if err := rc.authorizeKey(accessObjectTagging, st, form.Key); err != nil {
			return err
		}
	}
	// The form's encryption fields are the headers of a PutObject's, with its answers.
	ne, err := rc.newObjectEncryption(formHeader(form.Fields), st)
	if err != nil {
		return err
	}
	meta := form.Metadata
	if meta.ContentType == "" {
		meta.ContentType = defaultContentType
	}
	opts := storage.PutObjectOptions{Size: -1, ContentMD5: form.ContentMD5, Metadata: meta, ACL: st.storedACL(a), StorageClass: form.StorageClass,
		Owner: st.objectOwner(rc.ownerID(), a), BucketID: st.info.ID, Tags: tags, Lock: lock, Encryption: ne.enc}
	if form.Checksum.Algorithm != "" {
		opts.Checksum = storage.Checksum{Algorithm: form.Checksum.Algorithm, Value: form.Checksum.Value}
	}
	info, err := s.cfg.Backend.PutObject(rc.ctx, rc.bucket, form.Key, form.File, opts)
	if err != nil {
		return rc.objectError(kmsKeyError(err, ne.enc))
	}
	rc.answerPostObject(form, &info, ne.customer)
	return nil
}

// answerPostObject answers a stored form upload as its success_action_redirect or
// success_action_status fields ask, with the headers of its encryption (ck: the form's SSE-C
// key).
func (rc *request) answerPostObject(form *postpolicy.Form, info *storage.ObjectInfo, ck *customerKey) {
	scheme := "http"
	if rc.r.TLS != nil {
		scheme = "https"
	}
	location := scheme + "://" + rc.r.Host + "/" + rc.bucket + "/" + url.PathEscape(form.Key)
	h := rc.w.Header()
	h["Etag"] = []string{quote(info.ETag)}
	writeNewVersionHeader(h, info)
	writeEncryptionHeaders(h, info.Encryption, ck, sseReadAnswer)
	h["Location"] = []string{location}
	if form.Redirect != "" {
		h["Location"] = []string{postpolicy.RedirectURL(form.Redirect, rc.bucket, form.Key, info.ETag)}
		rc.w.WriteHeader(http.StatusSeeOther)
		return
	}
	switch form.SuccessStatus {
	case http.StatusCreated:
		body := postpolicy.ResponseBody(location, rc.bucket, form.Key, info.ETag)
		h["Content-Type"] = []string{"application/xml"}
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
		rc.w.WriteHeader(http.StatusCreated)
		_, _ = rc.w.Write(body)
	default:
		rc.w.WriteHeader(form.SuccessStatus)
	}
}

// formTags reads a form upload's tagging field, which holds a Tagging document, not the
// x-amz-tagging header's query string
// (https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html: "tagging": "The
// specified set of tags to add to the object", as in the example
// "<Tagging><TagSet><Tag><Key>Tag Name</Key><Value>Tag Value</Value></Tag></TagSet></Tagging>").
func formTags(fields map[string]string) (tagging.Set, error) {
	doc, ok := fields["tagging"]
	if !ok {
		return nil, nil
	}
	set, err := tagging.ParseXML([]byte(doc), tagging.MaxObjectTags)
	if err != nil {
		return nil, taggingError(err)
	}
	return set, nil
}
