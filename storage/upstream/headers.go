package upstream

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/doorman-s3/doorman/internal/awsxml"
	"github.com/doorman-s3/doorman/storage"
	"golang.org/x/net/http/httpguts"
)

// The object headers of S3's PutObject, GetObject and HeadObject
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html,
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html). Values go upstream byte
// for byte as the protocol layer read them from the client's request, and come back byte for
// byte: user metadata that is not ASCII is kept as the client sent it (the protocol layer
// neither decodes nor encodes it, and neither does this backend). Access-Control-* headers of
// the upstream's answers are never read: CORS is doorman's.

// userMetaPrefix begins the user metadata headers.
const userMetaPrefix = "X-Amz-Meta-"

// defaultContentType is the Content-Type S3 gives an object written without one
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html: "Default:
// binary/octet-stream" [UNVERIFIED] for other upstreams, MinIO guesses from the key): this
// backend sends it explicitly, so that every upstream stores, and reads back, what the write
// reported.
const defaultContentType = "binary/octet-stream"

// writeMetadata is md as a write sends it: its Content-Type defaulted.
func writeMetadata(md storage.ObjectMetadata) storage.ObjectMetadata {
	if md.ContentType == "" {
		md.ContentType = defaultContentType
	}
	return md
}

// setObjectHeaders sets on h the headers of a write (PutObject, CopyObject with REPLACE,
// CreateMultipartUpload) that carry an object's metadata, tags (the protocol layer's encoding,
// storage.ObjectInfo.Tags) and storage class. It fails with ErrMetadataTooLarge past the
// metadata limits, and with ErrNotImplemented for what the backend does not pass on: a user
// metadata name or a value HTTP cannot carry.
func setObjectHeaders(h http.Header, md storage.ObjectMetadata, tags, storageClass string) error {
	if err := md.CheckSize(); err != nil {
		return err
	}
	set := func(name, v string) error {
		if v == "" {
			return nil
		}
		if !validHeaderValue(v) {
			return storage.NotImplementedError("The value of %s is not available with the s3 backend: it holds a control character.", name)
		}
		h[name] = []string{v}
		return nil
	}
	for _, f := range [...]struct{ name, v string }{
		{"Content-Type", md.ContentType},
		{"Content-Encoding", md.ContentEncoding},
		{"Content-Disposition", md.ContentDisposition},
		{"Content-Language", md.ContentLanguage},
		{"Cache-Control", md.CacheControl},
		{"Expires", md.Expires},
		{"X-Amz-Tagging", tags},
		{"X-Amz-Storage-Class", storageClass},
	} {
		if err := set(f.name, f.v); err != nil {
			return err
		}
	}
	for name, v := range md.User {
		if !httpguts.ValidHeaderFieldName(name) {
			return storage.NotImplementedError("The user metadata name %q is not available with the s3 backend.", name)
		}
		if !validHeaderValue(v) {
			return storage.NotImplementedError("The value of user metadata %q is not available with the s3 backend: it holds a control character.", name)
		}
		// Not canonicalized: the name goes as the client gave it (lower-case, as the
		// protocol layer keeps it); HTTP names are case-insensitive.
		h["x-amz-meta-"+strings.ToLower(name)] = []string{v}
	}
	return nil
}

// validHeaderValue reports whether v can be sent as a header value: no control character but
// the tab (RFC 9110, section 5.5: field-vchar, obs-text, SP and HTAB). Bytes above 0x7f
// (obs-text) are sent as they are.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// objectInfoFromHeader reads an object's information from the headers of an upstream GET or
// HEAD answer. Owner and ACL are left empty: objects in an upstream bucket belong to the
// bucket's owner (storage.ObjectInfo.Owner), and the protocol layer keeps no object ACLs with
// this backend. Tags are not in the headers (only their count, tagCount).
func objectInfoFromHeader(bucket, key string, h http.Header) (storage.ObjectInfo, error) {
	info := storage.ObjectInfo{
		Bucket: bucket,
		Key:    key,
		ETag:   unquote(h.Get("Etag")),
		Metadata: storage.ObjectMetadata{
			ContentType:        h.Get("Content-Type"),
			ContentEncoding:    h.Get("Content-Encoding"),
			ContentDisposition: h.Get("Content-Disposition"),
			ContentLanguage:    h.Get("Content-Language"),
			CacheControl:       h.Get("Cache-Control"),
			Expires:            h.Get("Expires"),
		},
		StorageClass: h.Get("X-Amz-Storage-Class"),
		VersionID:    h.Get("X-Amz-Version-Id"),
		DeleteMarker: h.Get("X-Amz-Delete-Marker") == "true",
		Encryption:   encryptionFromHeader(h),
	}
	if info.StorageClass == "" {
		// S3 sends x-amz-storage-class for every class but STANDARD (API_HeadObject.html).
		info.StorageClass = storage.DefaultStorageClass
	}
	if info.VersionID == "" {
		// No id: an object of a bucket whose versioning was never set, the null version.
		info.VersionID = storage.NullVersion
	}
	var err error
	if v := h.Get("Content-Length"); v != "" {
		if info.Size, err = strconv.ParseInt(v, 10, 64); err != nil || info.Size < 0 {
			return info, fmt.Errorf("upstream answered Content-Length %q", v)
		}
	}
	if v := h.Get("Last-Modified"); v != "" {
		if info.LastModified, err = http.ParseTime(v); err != nil {
			return info, fmt.Errorf("upstream answered Last-Modified %q", v)
		}
	}
	for name, vs := range h {
		if len(name) > len(userMetaPrefix) && strings.EqualFold(name[:len(userMetaPrefix)], userMetaPrefix) {
			if info.Metadata.User == nil {
				info.Metadata.User = map[string]string{}
			}
			info.Metadata.User[strings.ToLower(name[len(userMetaPrefix):])] = strings.Join(vs, ",")
		}
	}
	info.Checksum = checksumFromHeader(h)
	if info.PartsCount, err = partsCount(h, info.ETag); err != nil {
		return info, err
	}
	if info.Retention, info.LegalHold, info.LegalHoldSet, err = lockFromHeader(h); err != nil {
		return info, err
	}
	info.Revision = revision(info.ETag, info.VersionID, info.LastModified)
	return info, nil
}

// unquote removes the quotes HTTP and S3's XML put around an ETag.
func unquote(etag string) string {
	if len(etag) >= 2 && etag[0] == '"' && etag[len(etag)-1] == '"' {
		return etag[1 : len(etag)-1]
	}
	return etag
}

// revision is the storage.ObjectInfo.Revision of the upstream object with this ETag, version
// id and Last-Modified (taken to the second, as HTTP dates carry it, so that a listing's
// millisecond dates give the same). A limit: in a bucket without versioning, two writes of the
// same bytes within the same second share one, where the contract wants each its own; the
// upstream tells nothing more of a write.
func revision(etag, versionID string, modified time.Time) string {
	return fmt.Sprintf("%s/%s/%d", etag, versionID, modified.Unix())
}

// checksumFromHeader reads the x-amz-checksum-* header of an answer, and x-amz-checksum-type.
// The upstream sends the checksum of an object only to a request with x-amz-checksum-mode:
// ENABLED.
func checksumFromHeader(h http.Header) storage.Checksum {
	for _, alg := range storage.ChecksumAlgorithms {
		if v := h.Get("X-Amz-Checksum-" + string(alg)); v != "" {
			c := storage.Checksum{Algorithm: alg, Value: v, Type: storage.ChecksumType(h.Get("X-Amz-Checksum-Type"))}
			if c.Type == "" {
				c.Type = storage.ChecksumFullObject
				if strings.Contains(v, "-") {
					c.Type = storage.ChecksumComposite
				}
			}
			return c
		}
	}
	return storage.Checksum{}
}

// partsCount is x-amz-mp-parts-count, which S3 sends only to a read naming a part, else the
// "-N" an ETag of a multipart object ends with.
func partsCount(h http.Header, etag string) (int, error) {
	v := h.Get("X-Amz-Mp-Parts-Count")
	if v == "" {
		_, n, ok := strings.Cut(etag, "-")
		if !ok {
			return 0, nil
		}
		v = n
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("upstream answered a part count %q", v)
	}
	return n, nil
}

// encryptionFromHeader reads the server-side encryption headers of an answer
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html).
func encryptionFromHeader(h http.Header) storage.ObjectEncryption {
	return storage.ObjectEncryption{
		Algorithm:        h.Get("X-Amz-Server-Side-Encryption"),
		KMSKeyID:         h.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"),
		KMSContext:       h.Get("X-Amz-Server-Side-Encryption-Context"),
		BucketKeyEnabled: h.Get("X-Amz-Server-Side-Encryption-Bucket-Key-Enabled") == "true",
		Customer:         h.Get("X-Amz-Server-Side-Encryption-Customer-Algorithm") != "",
	}
}

// lockFromHeader reads the Object Lock headers of an answer (x-amz-object-lock-mode,
// -retain-until-date, -legal-hold), which the upstream sends to a caller who may read them.
func lockFromHeader(h http.Header) (r storage.Retention, hold, holdSet bool, err error) {
	if v := h.Get("X-Amz-Object-Lock-Mode"); v != "" {
		r.Mode = storage.RetentionMode(v)
		until := h.Get("X-Amz-Object-Lock-Retain-Until-Date")
		if r.RetainUntil, err = time.Parse(lockDateLayout, until); err != nil {
			return r, false, false, fmt.Errorf("upstream answered a retain-until date %q", until)
		}
		r.RetainUntil = r.RetainUntil.UTC()
	}
	switch v := h.Get("X-Amz-Object-Lock-Legal-Hold"); v {
	case "":
	case awsxml.LegalHoldOn, awsxml.LegalHoldOff:
		hold, holdSet = v == awsxml.LegalHoldOn, true
	default:
		return r, false, false, fmt.Errorf("upstream answered a legal hold %q", v)
	}
	return r, hold, holdSet, nil
}

// lockDateLayout writes a retain-until date as S3's headers and documents carry it: ISO 8601
// in UTC (API_PutObject.html, x-amz-object-lock-retain-until-date), to the nanosecond the
// protocol layer read, so that the upstream keeps every digit it can.
const lockDateLayout = time.RFC3339Nano

// setLockHeaders sets on h the Object Lock headers of a write (PutObject, CopyObject,
// CreateMultipartUpload) naming lock: x-amz-object-lock-mode and -retain-until-date for a
// retention, x-amz-object-lock-legal-hold for a legal hold status
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html). The upstream keeps
// and enforces them; a retention storage.Retention.Validate refuses fails here
// (ErrInvalidRetention), nothing sent. It returns what the version gets of lock when the
// bucket has no default retention (storage.VersionLock).
func setLockHeaders(h http.Header, lock storage.ObjectLock) (storage.ObjectLock, error) {
	l, err := storage.VersionLock(storage.ObjectLockConfig{Enabled: true}, lock, time.Time{})
	if err != nil {
		return storage.ObjectLock{}, err
	}
	if r := l.Retention; !r.IsZero() {
		h["X-Amz-Object-Lock-Mode"] = []string{string(r.Mode)}
		h["X-Amz-Object-Lock-Retain-Until-Date"] = []string{r.RetainUntil.UTC().Format(lockDateLayout)}
	}
	if l.LegalHoldSet {
		h["X-Amz-Object-Lock-Legal-Hold"] = []string{awsxml.LegalHoldStatus(l.LegalHold)}
	}
	return l, nil
}
