// Package postpolicy handles S3's POST Object: an upload from an HTML form, sent as
// multipart/form-data to the bucket's URL, where the parameters a PUT carries in headers
// arrive as form fields and the authority to upload comes from a signed POST policy rather
// than from a signed request.
//
// A browser cannot sign a request it builds itself, so S3 turns the problem around: the
// bucket owner's server writes a policy (an expiration time and a list of conditions the
// form fields must meet), signs the base64 text of that policy, and hands both to the page.
// The browser posts them with the file. What is signed is therefore the policy, not the
// request, and the server must enforce the policy itself: every condition must hold, every
// field the form carries must be named by some condition (so a page cannot smuggle in an
// ACL or metadata the owner did not allow), and the file's size must stay within the
// content-length-range the policy sets.
//
// Parse reads the form as a stream. S3 requires the file to be the last field and ignores
// what follows it, so everything up to the file part is small (at most 20 KiB, as AWS
// bounds it) and is read into memory, checked and authenticated; the file itself is handed
// back as a reader that the caller streams into storage. That reader enforces the
// content-length-range: it fails with EntityTooLarge as soon as the upper bound is passed
// and, at the end of the file, with EntityTooSmall when the lower bound was not reached.
// Only a Read returning io.EOF vouches for the bytes read before it.
//
// Forms are signed with SigV4 (x-amz-algorithm, x-amz-credential, x-amz-date and
// x-amz-signature, the hex HMAC-SHA256 of the base64 policy under the SigV4 signing key) or
// SigV2 (AWSAccessKeyId and signature, the base64 HMAC-SHA1 of the base64 policy). A form
// with no policy and no signature fields is anonymous; whether the bucket accepts anonymous
// uploads is for the caller to decide. Field names are matched without regard to letter
// case, as S3 does, while values are compared exactly.
//
// Errors are *s3err.Error values with the codes and messages S3 returns, including those
// POST Object alone uses: InvalidPolicyDocument for a policy that does not parse,
// AccessDenied "Invalid according to Policy: ..." for one the form does not meet,
// MalformedPOSTRequest and MaxPostPreDataLengthExceeded for the multipart body.
package postpolicy
