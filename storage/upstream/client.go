package upstream

import (
	"context"
	"io"
	"net/http"
	"net/url"

	"github.com/doorman-s3/doorman/storage"
)

// request is one upstream request, built by a Backend method and sent by client.do.
type request struct {
	method string
	bucket string // empty for the service (ListBuckets)
	key    string // empty for a bucket-level request
	query  url.Values
	header http.Header
	// body is nil for a bodiless request; size is its exact length, sent as Content-Length.
	body io.Reader
	size int64
	// creds signs the request; nil sends it unsigned (an anonymous client).
	creds *Credentials
	// notFound is the error of a 404 without an S3 error body (the answer to HEAD).
	notFound error
}

// client sends requests to the upstream's endpoints.
type client struct{}

// do sends req, signed with SigV4 for the configured region (payload UNSIGNED-PAYLOAD when it
// has a body, the empty payload's hash otherwise), to a healthy endpoint; a bodiless GET, HEAD
// or DELETE whose transport fails is sent again to the next healthy endpoint. It returns the
// response of a 2xx, 206 or 304 answer, whose body the caller closes. An error answer becomes
// an error: a storage sentinel where the S3 code maps to one (see errors.go), a
// *storage.ServiceError otherwise; a transport failure on every endpoint tried, a
// storage.ErrUnavailable.
func (c *client) do(ctx context.Context, req *request) (*http.Response, error) {
	panic("written by the client's owner")
}

// credentialsFor returns who ctx's request is signed as: the mapped identity of its
// storage.Caller, Config.Service for an unmapped one and for a call without a Caller, nil
// for an anonymous Caller.
func (b *Backend) credentialsFor(ctx context.Context) *Credentials {
	panic("written by the client's owner")
}

// openReader returns the reader GetObject hands out for info, whose data first (the body of
// the GET that read info) starts at offset 0. Reads in order consume first; a Seek or ReadAt
// elsewhere sends a ranged GET pinned to info (If-Match on its ETag, and its version id), so
// the reader keeps returning the object it opened or fails, never mixing two writes.
func (b *Backend) openReader(ctx context.Context, info storage.ObjectInfo, first io.ReadCloser) storage.ObjectReader {
	panic("written by the client's owner")
}
