// Package sigv4 verifies AWS Signature Version 4 on incoming S3 requests, both in the
// Authorization header and in presigned URLs, and decodes the payload modes S3 defines for the
// request body.
//
// It is written by hand because aws-sdk-go-v2 only signs: it has no server-side verifier, and
// its signer cannot simply be rerun on a received request, since a server must rebuild the
// canonical request from the bytes the client sent (the escaped path exactly as received, the
// query parameters re-encoded, only the headers the client listed) and must report AWS's own
// errors when something does not match.
//
// The x-amz-content-sha256 header selects how the body is authenticated:
//
//   - a hex SHA-256: the body is hashed as it is read and a mismatch fails the final Read with
//     XAmzContentSHA256Mismatch;
//   - UNSIGNED-PAYLOAD: the body is passed through;
//   - STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]: the body is aws-chunked and every chunk is
//     signed, each signature chained to the previous one starting from the request's own
//     signature, so chunks cannot be altered, dropped or reordered;
//   - STREAMING-UNSIGNED-PAYLOAD-TRAILER: aws-chunked without chunk signatures, integrity coming
//     from a checksum trailer.
//
// The aws-chunked format frames the object as a sequence of chunks, each
//
//	hex-size[;chunk-signature=<64 hex>]\r\n<size bytes>\r\n
//
// ended by a chunk of size 0, then optional trailer lines "name:value\r\n" (a checksum
// x-amz-checksum-<alg> announced by x-amz-trailer, and for signed trailers
// x-amz-trailer-signature) and a final "\r\n". The decoded size is declared up front in
// x-amz-decoded-content-length. The decoder streams: it never holds more than one header line
// and never buffers chunk data, so bytes reach the caller before their chunk's signature has
// been checked. A body is authentic only once Read has returned io.EOF; any other error means
// the data read so far must be discarded. Callers read to io.EOF, never stopping at the declared
// length; as a second guard, the last byte of the body is held back until everything after it
// (its chunk's signature, the final chunk, the trailer, the framing) is verified, so no caller
// ever receives a whole body that is not. A body is refused as AWS refuses it: a bad chunk or
// trailer signature with 403 SignatureDoesNotMatch, broken framing or a cut-short body with 400
// IncompleteBody, chunk sizes that do not add up to the declared length with 400 IncompleteBody
// naming both counts, a wrong trailing checksum with 400 BadDigest.
package sigv4
