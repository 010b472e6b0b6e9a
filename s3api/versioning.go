package s3api

import (
	"encoding/xml"
	"errors"
	"net/http"

	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

// Object versioning (https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html).
// The backend keeps the versions (storage's "Versions"); here are the bucket's setting
// (PutBucketVersioning, GetBucketVersioning), the versionId parameter of the operations that
// act on one version, the x-amz-version-id and x-amz-delete-marker headers, and S3's answers to
// a version that is missing, malformed or a delete marker. Where S3's documentation is silent,
// the answers follow what LocalStack's S3 tests record of AWS
// (https://github.com/localstack/localstack, tests/aws/services/s3/test_s3_api.snapshot.json,
// whose snapshots are taken against AWS; cited below as "LocalStack's snapshots").

// versionOps are the operations that act on the version their versionId parameter names,
// the latest without one
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html lists
// the version action of each).
var versionOps = map[string]bool{
	"GetObject": true, "HeadObject": true, "DeleteObject": true, "GetObjectAcl": true, "PutObjectAcl": true,
	"GetObjectTagging": true, "PutObjectTagging": true, "DeleteObjectTagging": true, "GetObjectAttributes": true,
	"GetObjectRetention": true, "PutObjectRetention": true, "GetObjectLegalHold": true, "PutObjectLegalHold": true,
}

// versionActions are the actions that act on a version named by its id, by the action on the
// latest version they stand for (list_amazons3.html; API_GetObject.html: "To get a specific
// version of an object, you need the s3:GetObjectVersion permission"). A copy reads a
// version of its source with s3:GetObjectVersion (API_CopyObject.html), DeleteObjects removes
// one with s3:DeleteObjectVersion (API_DeleteObjects.html).
var versionActions = map[string]string{
	"s3:GetObject":           "s3:GetObjectVersion",
	"s3:DeleteObject":        "s3:DeleteObjectVersion",
	"s3:GetObjectAcl":        "s3:GetObjectVersionAcl",
	"s3:PutObjectAcl":        "s3:PutObjectVersionAcl",
	"s3:GetObjectTagging":    "s3:GetObjectVersionTagging",
	"s3:PutObjectTagging":    "s3:PutObjectVersionTagging",
	"s3:DeleteObjectTagging": "s3:DeleteObjectVersionTagging",
	"s3:GetObjectAttributes": "s3:GetObjectVersionAttributes",
}

// versionAction holds the actions of versionActions' values: those s3:versionid is set for.
var versionAction = func() map[string]bool {
	m := make(map[string]bool, len(versionActions))
	for _, v := range versionActions {
		m[v] = true
	}
	return m
}()

// Answers to a versionId S3 refuses: an empty one and one S3 could not have issued
// (LocalStack's snapshots test_delete_object and test_get_object_with_version_unversioned_bucket
// record the second; the first is what S3 answers GetObjectAcl and PutObjectAcl with an empty
// versionId, observed [UNVERIFIED: no public record to cite]). The argument is versionId, or
// x-amz-copy-source for the version of a copy's source.
func emptyVersionID(argument string) error {
	return s3err.InvalidArgument.Withf("Version id cannot be the empty string").
		With("ArgumentName", argument).With("ArgumentValue", "")
}

func invalidVersionID(argument, id string) error {
	return s3err.InvalidArgument.Withf("Invalid version id specified").
		With("ArgumentName", argument).With("ArgumentValue", id)
}

// checkVersionParam reads the versionId parameter of a request on an object of st into
// rc.version. Only versionOps take one. In a bucket whose versioning was never set the only
// version is "null", and any other id is refused as S3 refuses it (LocalStack's snapshot
// test_get_object_with_version_unversioned_bucket). UploadPart refuses a version id with
// S3's words [UNVERIFIED: observed, no public record to cite]; the other operations keep
// their answer from before versioning, "Invalid version id specified" for an id other than
// "null".
func (rc *request) checkVersionParam(op string, st *bucketState) error {
	v, ok := rc.query["versionId"]
	if !ok || rc.key == "" {
		return nil
	}
	id := v[0]
	switch {
	case op == "UploadPart":
		return s3err.InvalidArgument.Withf("This operation does not accept a version-id.").
			With("ArgumentName", "versionId").With("ArgumentValue", id)
	case !versionOps[op]:
		if id != storage.NullVersion {
			return invalidVersionID("versionId", id)
		}
		return nil
	case id == "":
		return emptyVersionID("versionId")
	case st.info.Versioning == "" && id != storage.NullVersion:
		return invalidVersionID("versionId", id)
	}
	rc.version = id
	return nil
}

// writeVersionHeader sets x-amz-version-id on the answer about an existing version of an
// object of st (GET, HEAD, the ACL and tagging operations): the version's id, "null" for the
// null version, in a bucket whose versioning was ever set; never in another, where S3 sends
// none (LocalStack's snapshot test_get_object_with_version_unversioned_bucket).
func writeVersionHeader(h http.Header, st *bucketState, versionID string) {
	if st.info.Versioning != "" && versionID != "" {
		h["X-Amz-Version-Id"] = []string{versionID}
	}
}

// writeNewVersionHeader sets x-amz-version-id on the answer of a write (PutObject, a form
// upload, CopyObject, CompleteMultipartUpload): the new version's id while versioning is
// Enabled. A null version, written while it is Suspended or never set, gets none
// (LocalStack's snapshot test_delete_object_on_suspended_bucket, put-object-suspended, and
// ceph/s3-tests' test_versioning_bucket_atomic_upload_return_version_id and
// test_versioning_bucket_multipart_upload_return_version_id; a form upload and a copy are
// assumed to answer alike [UNVERIFIED]).
func writeNewVersionHeader(h http.Header, info *storage.ObjectInfo) {
	if info.VersionID != "" && info.VersionID != storage.NullVersion {
		h["X-Amz-Version-Id"] = []string{info.VersionID}
	}
}

// latestMarkerRefused are the operations S3 refuses with 405 MethodNotAllowed even
// when the delete marker is the latest version rather than the one named: those that would
// change it or read its tags (LocalStack's snapshot test_object_tagging_versioned; PutObjectAcl
// [UNVERIFIED: observed, no public record to cite]; PutObjectRetention and PutObjectLegalHold as
// PutObjectAcl [UNVERIFIED]). GetObject, HeadObject, GetObjectAcl and the Object Lock reads
// answer a latest delete marker with 404 NoSuchKey instead.
var latestMarkerRefused = map[string]bool{
	"PutObjectAcl": true, "GetObjectTagging": true, "PutObjectTagging": true, "DeleteObjectTagging": true,
	"PutObjectRetention": true, "PutObjectLegalHold": true,
}

// deleteMarkerError answers a read or change of a delete marker and sets the headers S3 sends
// with it. The latest
// version being a delete marker is 404 NoSuchKey with x-amz-delete-marker: true and the
// marker's id (API_GetObject.html: "If the current version of the object is a delete
// marker, Amazon S3 behaves as if the object was deleted and includes x-amz-delete-marker:
// true in the response"; the id: LocalStack's test_delete_object_versioned). A delete marker
// named by its id is 405 MethodNotAllowed with the method and ResourceType DeleteMarker in the
// body, Allow: DELETE, Last-Modified (API_GetObject.html: "If the specified version in the
// request is a delete marker, the response returns a 405 Method Not Allowed error and the
// Last-Modified: timestamp response header"), and the two headers (LocalStack's snapshot
// test_delete_object_versioned, get-delete-marker, and its test's assertions).
func (rc *request) deleteMarkerError(dm *storage.DeleteMarkerError) error {
	h := rc.w.Header()
	if dm.Latest && !latestMarkerRefused[rc.op] {
		h["X-Amz-Delete-Marker"] = []string{"true"}
		h["X-Amz-Version-Id"] = []string{dm.VersionID}
		return s3err.NoSuchKey.With("Key", rc.key)
	}
	h["Allow"] = []string{http.MethodDelete}
	if !dm.Latest {
		h["X-Amz-Delete-Marker"] = []string{"true"}
		h["X-Amz-Version-Id"] = []string{dm.VersionID}
		h["Last-Modified"] = []string{dm.LastModified.UTC().Format(http.TimeFormat)}
	}
	return s3err.MethodNotAllowed.With("Method", rc.r.Method).With("ResourceType", "DeleteMarker")
}

// missingVersion reports whether err says that what a request names is not there to be read:
// no such key, no such version, or a delete marker. S3 says which only to a caller who may
// list the bucket (openObject, objectForACL).
func missingVersion(err error) bool {
	return errors.Is(err, storage.ErrNoSuchKey) || errors.Is(err, storage.ErrNoSuchVersion) ||
		errors.Is(err, storage.ErrDeleteMarker)
}

// readError answers a read of the object the request names that the backend refused with
// err: a missing key or version is revealed only to a caller allowed to list the bucket, and
// is 403 AccessDenied to any other (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html:
// "If you don't have the s3:ListBucket permission, Amazon S3 returns an HTTP status code 403").
func (rc *request) readError(st *bucketState, err error) error {
	if missingVersion(err) && rc.authorize(accessBucketRead, st) != nil {
		return s3err.AccessDenied
	}
	return rc.objectError(err)
}

// versioningConfiguration is the document of PutBucketVersioning and GetBucketVersioning
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html), as
// GetBucketVersioning answers it. MfaDelete is never answered: "This element is only returned if the bucket has been configured with
// MFA delete" (API_VersioningConfiguration.html), which no doorman bucket can be.
type versioningConfiguration struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ VersioningConfiguration"`
	Status  string   `xml:"Status,omitempty"`
}

// maxVersioningBody bounds a VersioningConfiguration document: two short elements.
const maxVersioningBody = 16 << 10

// errMfaRequired is S3's answer to a request that needs an MFA token and has none: MFA delete
// can only be enabled with one (x-amz-mfa), "Mfa Authentication must be used for this request"
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/MultiFactorAuthenticationDelete.html;
// the message is the one AWS CLI users report [UNVERIFIED: no AWS page quotes it]). Doorman has no MFA devices, so a request that carries
// x-amz-mfa is refused as not implemented (refusals.go), and MFA delete is never enabled.
var errMfaRequired = s3err.AccessDenied.Withf("Mfa Authentication must be used for this request")

// parseVersioningConfiguration reads a PutBucketVersioning document and returns the status
// it sets. A document without a Status is IllegalVersioningConfigurationException, any other
// status than Enabled and Suspended (case counts: "enabled", "Disabled") MalformedXML, as
// LocalStack's snapshot test_bucket_versioning_crud records S3's answers; an MfaDelete other
// than Enabled and Disabled is MalformedXML too, by the schema's enumeration
// (API_VersioningConfiguration.html) [UNVERIFIED]. MfaDelete Disabled is accepted: MFA
// delete stays off, as it is. [UNVERIFIED] whether S3 asks for x-amz-mfa to turn off what was
// never on.
func parseVersioningConfiguration(doc []byte) (string, error) {
	// The element is read in any namespace, S3's or none, as SDKs send it either way.
	var c struct {
		XMLName   xml.Name
		Status    string `xml:"Status"`
		MfaDelete string `xml:"MfaDelete"`
	}
	if err := xml.Unmarshal(doc, &c); err != nil || c.XMLName.Local != "VersioningConfiguration" {
		return "", s3err.MalformedXML
	}
	switch c.MfaDelete {
	case "", "Disabled":
	case "Enabled":
		return "", errMfaRequired
	default:
		return "", s3err.MalformedXML
	}
	switch c.Status {
	case storage.VersioningEnabled, storage.VersioningSuspended:
		return c.Status, nil
	case "":
		return "", errNoVersioningStatus
	}
	return "", s3err.MalformedXML
}

// errNoVersioningStatus is S3's answer to a VersioningConfiguration without a Status
// (LocalStack's snapshot test_bucket_versioning_crud, put-versioning-empty).
var errNoVersioningStatus = &s3err.Error{Status: http.StatusBadRequest, Code: "IllegalVersioningConfigurationException",
	Message: "The Versioning element must be specified"}

// putBucketVersioning sets the bucket's versioning to Enabled or Suspended; it is never unset
// (storage's "Versions"). The document is required to carry Content-MD5 or a checksum:
// botocore marks PutBucketVersioning requestChecksumRequired, and S3 is assumed to refuse a
// request without one as it refuses PutBucketCors [UNVERIFIED]. A bucket with Object Lock
// keeps its versioning Enabled (errLockedVersioning). The change is made under the bucket
// table's lock, on the bucket the request was authorized for.
func (s *Server) putBucketVersioning(rc *request, st *bucketState) error {
	body, err := rc.readIntegrityCheckedBody(maxVersioningBody, integrityRequired)
	if err != nil {
		return err
	}
	status, err := parseVersioningConfiguration(body)
	if err != nil {
		return err
	}
	err = s.buckets.update(rc.bucket, func(old *bucketState) (*bucketState, error) {
		if !sameBucket(old, st) {
			return nil, s3err.NoSuchBucket.With("BucketName", rc.bucket)
		}
		if old.info.ObjectLock.Enabled && status != storage.VersioningEnabled {
			return nil, errLockedVersioning
		}
		if err := s.cfg.Backend.PutBucketVersioning(rc.ctx, rc.bucket, status); err != nil {
			return nil, err
		}
		st := old.clone()
		st.info.Versioning = status
		return st, nil
	})
	if err != nil {
		return err
	}
	rc.w.Header()["Content-Length"] = []string{"0"}
	rc.w.WriteHeader(http.StatusOK)
	return nil
}

// getBucketVersioning answers the bucket's versioning: an empty configuration while it was
// never set (API_GetBucketVersioning.html: "If the versioning state has never been set on a
// bucket, then it will return no versioning state"), else its Status.
func (s *Server) getBucketVersioning(rc *request, st *bucketState) error {
	return rc.writeXML(http.StatusOK, versioningConfiguration{Status: st.info.Versioning})
}
