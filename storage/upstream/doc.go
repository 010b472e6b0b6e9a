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
// (Config.Identities), from the storage.Caller in the call's context. A client whose key is
// not mapped is signed as Config.Service (which can write the meta bucket) under
// Config.Unmapped "service", the default without identities, and refused with 403
// AccessDenied, nothing sent, under "deny", the default with identities.
// Anonymous requests go upstream unsigned, never with any credentials: the upstream's own
// policy decides what an anonymous client may read, as well as doorman's. Calls without a
// Caller (the server's own: loading buckets, polling) use Config.Service.
//
// # Bodies
//
// A body of known length streams and is never buffered whole. A body the protocol layer verifies while
// reading (aws-chunked with chunk and trailer signatures, trailing checksums) fails at its end
// if it is bad; this backend holds back the last bytes of every upload body until its reader
// has returned io.EOF, so a body that fails never reaches the upstream whole and the upstream
// stores nothing.
//
// A body of unknown length (Size -1: a browser-based POST upload's file, a part sent without
// its length) is first read whole into a file in Config.SpoolDir (os.TempDir() by default),
// bounded at storage.MaxObjectSize (ErrEntityTooLarge past it) and removed on every path,
// then sent with its Content-Length: the upstream needs it, and nothing is sent before the
// body has ended and been verified. The bytes spooled at once, across every request, are
// bounded by Config.SpoolLimit (1 GiB by default): a body that would pass it fails with S3's
// 503 SlowDown, which clients retry later. Spool files are named doorman-upload-*, and New
// removes those a previous process left in Config.SpoolDir.
//
// # Failover
//
// Requests go to the healthy endpoints in turn. A GET or HEAD whose transport fails is sent
// to the next endpoint; any other request (a PUT or POST with its body included) only when
// its connection could not be made, so that nothing of it, nor of its body, was sent: a write
// whose answer was lost may have been carried out, and is never sent twice.
//
// # Multipart uploads and parts
//
// Uploads are the upstream's own; what it cannot keep (the initiator and object owner
// doorman knows, the checksum algorithm and type, tags, encryption, initiation date) is an
// upload record in the meta bucket, written at creation and read, through a bounded cache of
// each node, by UploadPart (a part's checksum is computed, and checked, in the upload's
// algorithm), CompleteMultipartUpload, ListParts and ListMultipartUploads (see multipart.go).
// ListObjectParts (GetObjectAttributes' ObjectParts, reads by partNumber) asks the upstream's
// GetObjectAttributes, which lists the parts of an object with a COMPOSITE checksum only;
// the parts of another multipart object are read by a HEAD of each part (?partNumber=N) of
// the page asked for, a few at a time, each pinned to the object read.
//
// # Readers
//
// A GET streams the upstream's answer. A reader that must read the object again (a seek, a
// read at an offset, a stream the upstream broke off) sends a ranged GET pinned to the version it opened (its ETag, and its
// version id): an object replaced or deleted since fails that read with
// ErrPreconditionFailed rather than mixing two writes, so a response being sent is cut short
// (fewer bytes than its Content-Length) where the embedded store would finish sending the old
// bytes.
//
// # Object Lock
//
// Object Lock passes through: the upstream keeps the versions, and so their retentions and
// legal holds, and enforces them. A bucket is created upstream with Object Lock, its
// configuration sent upstream and kept in its record (meta.go) for what doorman decides
// without a round trip; writes carry the x-amz-object-lock-* headers, changes and deletes the
// version id and the governance bypass the protocol layer allowed; the upstream's refusals
// become storage's errors (errors.go, messageErrors). An upstream without Object Lock answers
// 501, which passes as it came.
//
// # What is refused
//
// What the upstream could do but this backend does not pass on, and what doorman's embedded
// store does that an upstream cannot do atomically, fails with storage.ErrNotImplemented,
// which clients see as 501 NotImplemented: never emulated half-way.
//
//   - Server-side encryption with AWS KMS keys (SSE-KMS) and with customer-provided keys
//     (SSE-C) is refused on every write and read that names it; SSE-S3 is left to the
//     upstream's own default encryption.
//   - Object ACLs other than private and bucket-owner-full-control are refused, as is
//     PutObjectACL: every bucket is BucketOwnerEnforced and every object its owner's.
//   - Lifecycle configurations are refused, and so are the delete conditions a lifecycle
//     rule is carried out with (storage.DeleteObjectOptions IfRevision, IfNoncurrent, IfTags
//     and IfOnlyVersion), which no upstream checks in the same transaction as the delete.
//   - Bucket default encryption documents (the "encryption" configuration) are refused.
//   - Object Ownership other than BucketOwnerEnforced is refused, and so is deleting the
//     ownership controls.
//
// Some checks are made here, before the upstream request, so they are not atomic with it:
//
//   - An option's BucketID is compared with this node's snapshot, so a bucket deleted and
//     made again through another node since the last poll is not told apart.
//   - IfUnchanged (PutObjectTags, PutObjectACL) compares the object a HEAD reads with the
//     one expected, and the change then names that version; without versioning, a write
//     between the HEAD and the change is not seen.
//   - An object's revision is its ETag, version id and Last-Modified second, so without
//     versioning the same bytes written again within the same second have the same revision.
//   - If-Match "*" is resolved to the ETag of the key's latest version by a HEAD, so a write
//     that replaced it since fails with 412 where "*" would have let it through.
//
// Hand-written here, on purpose: the request building and response parsing. The typed
// aws-sdk-go-v2 S3 client re-serializes what it reads, buffers or refuses non-seekable
// bodies over plain HTTP, and retries requests whose bodies cannot be rewound; a raw
// request signed with aws-sdk-go-v2's aws/signer/v4 streams, and keeps the upstream's
// bytes (ETags, ids, XML) exactly as they came.
package upstream
