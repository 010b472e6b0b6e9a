package acl

// Document is an AccessControlPolicy body
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_AccessControlPolicy.html).
type Document struct {
	OwnerID string // "" when the body names no owner
	Grants  []Grant
}

// ParseDocument reads an AccessControlPolicy (MalformedACLError for XML that does not match
// the schema: unknown permission, grantee type missing or unknown, a grantee without the
// field its type needs, more than MaxGrants grants). Errors are *Error.
func ParseDocument(body []byte) (Document, error) {
	return Document{}, nil
}

// MarshalDocument writes the AccessControlPolicy S3 answers (GetBucketAcl/GetObjectAcl):
// namespace http://s3.amazonaws.com/doc/2006-03-01/, Owner (ID, DisplayName if non-empty),
// AccessControlList>Grant>Grantee with xmlns:xsi and xsi:type, ID+DisplayName / URI,
// Permission. displayName maps a canonical id to its display name ("" = omit). The XML
// declaration is not included.
func MarshalDocument(ownerID string, grants []Grant, displayName func(id string) string) ([]byte, error) {
	return nil, nil
}
