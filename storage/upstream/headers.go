package upstream

import (
	"net/http"

	"github.com/doorman-s3/doorman/storage"
)

// setObjectHeaders sets on h the headers of a write (PutObject, CopyObject with REPLACE,
// CreateMultipartUpload) that carry an object's metadata, tags (the protocol layer's encoding,
// storage.ObjectInfo.Tags) and storage class. It fails with ErrNotImplemented for what the
// backend does not pass on.
func setObjectHeaders(h http.Header, md storage.ObjectMetadata, tags, storageClass string) error {
	panic("written by the objects owner")
}

// objectInfoFromHeader reads an object's information from the headers of an upstream GET or
// HEAD answer.
func objectInfoFromHeader(bucket, key string, h http.Header) (storage.ObjectInfo, error) {
	panic("written by the objects owner")
}
