// Package upstream is a storage.Backend that keeps objects in an existing S3 cluster (MinIO,
// Ceph, Amazon S3 itself), so that many stateless doorman nodes behind a load balancer serve
// one store, each adding what the cluster lacks: AWS-exact per-bucket CORS, doorman's access
// control, metrics and console.
//
// # What goes where
//
// Objects, multipart uploads and versions live in the upstream's buckets, under the client's
// own bucket and key names, and every object operation is one (or a few) upstream requests:
// upload ids, version ids, ETags and continuation come from the upstream, so any node serves
// any part of an upload or any page of a listing. What doorman manages itself (each bucket's
// owner, ID, creation date and ACL, and its configuration documents: CORS, bucket policy,
// Object Ownership, Block Public Access, tagging) is kept as objects in a reserved meta bucket
// on the upstream (Config.MetaBucket), which no client can name. Every node holds all of it in
// memory, as one immutable snapshot refreshed by polling (Config.PollInterval) and written
// through on the node that served a change, so no request waits on an upstream round trip to
// decide CORS or access; a node that cannot reach the upstream keeps serving from its last
// snapshot and reports its age.
//
// # Identities
//
// The protocol layer verifies every client's signature itself; this backend signs a fresh
// request for the upstream with the identity the client's access key maps to
// (Config.Identities, else Config.Service), from the storage.Caller in the call's context.
// Anonymous requests go upstream unsigned, never with any credentials: the upstream's own
// policy decides what an anonymous client may read, as well as doorman's. Calls without a
// Caller (the server's own: loading buckets, polling) use Config.Service.
//
// # Bodies
//
// Bodies stream and are never buffered whole. A body the protocol layer verifies while
// reading (aws-chunked with chunk and trailer signatures, trailing checksums) fails at its end
// if it is bad; this backend holds back the last bytes of every upload body until its reader
// has returned io.EOF, so a body that fails never reaches the upstream whole and the upstream
// stores nothing.
//
// # What is refused
//
// What the upstream could do but this backend does not yet pass on, and what doorman's
// embedded store does that an upstream cannot do atomically (conditions checked in the same
// transaction as a write, such as storage.DeleteObjectOptions.IfRevision), fails with
// storage.ErrNotImplemented, which clients see as 501 NotImplemented: never emulated half-way.
// doc.go of this package lists what each method refuses.
//
// Hand-written here, on purpose: the request building and response parsing. The typed
// aws-sdk-go-v2 S3 client re-serializes what it reads, buffers or refuses non-seekable
// bodies over plain HTTP, and retries requests whose bodies cannot be rewound; a raw
// request signed with aws-sdk-go-v2's aws/signer/v4 streams, and keeps the upstream's
// bytes (ETags, ids, XML) exactly as they came.
package upstream
