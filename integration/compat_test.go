package integration

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// A second account, for the tests where one user acts in another's bucket.
const (
	altAccessKey = "AKIDOORMANALT"
	altSecretKey = "doorman-alt-secret-key"
	altName      = "alt-user"
)

// startTwoUsers runs a server with the main user and the alt user.
func startTwoUsers(t *testing.T) *server {
	t.Helper()
	creds, err := json.Marshal([]map[string]string{{"accessKey": altAccessKey, "secretKey": altSecretKey, "displayName": altName}})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "users.json")
	if err := os.WriteFile(file, creds, 0o600); err != nil {
		t.Fatal(err)
	}
	return startServer(t, "", "--credentials", file)
}

func (s *server) altClient() *s3.Client {
	return s3.New(s3.Options{
		Region:       region,
		BaseEndpoint: aws.String(s.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(altAccessKey, altSecretKey, ""),
	})
}

// compositeOf is S3's COMPOSITE checksum of parts: the checksum of the parts' binary checksums,
// then "-N".
func compositeOf(alg types.ChecksumAlgorithm, parts ...[]byte) string {
	var sums []byte
	for _, p := range parts {
		s, _ := base64.StdEncoding.DecodeString(checksumOf(alg, p))
		sums = append(sums, s...)
	}
	return checksumOf(alg, sums) + "-" + strconv.Itoa(len(parts))
}

func setChecksum(alg types.ChecksumAlgorithm, v string, crc32v, crc32c, crc64v, sha1v, sha256v **string) {
	p := map[types.ChecksumAlgorithm]**string{
		types.ChecksumAlgorithmCrc32: crc32v, types.ChecksumAlgorithmCrc32c: crc32c, types.ChecksumAlgorithmCrc64nvme: crc64v,
		types.ChecksumAlgorithmSha1: sha1v, types.ChecksumAlgorithmSha256: sha256v,
	}[alg]
	*p = aws.String(v)
}

// The x-amz-checksum-* header of CompleteMultipartUpload is the object's checksum (full-object
// or composite), checked against what was assembled and returned in the response body with its
// type; a part named without its checksum in a COMPOSITE upload is refused as AWS refuses it.
func TestCompleteMultipartChecksumHeader(t *testing.T) {
	srv := startServer(t, "")
	c := srv.client()
	ctx := context.Background()
	b := srv.createBucket(t, "complete-checksums")
	parts := [][]byte{pseudoRandom(301, 5*mib), pseudoRandom(302, 1000)}
	whole := append(append([]byte{}, parts[0]...), parts[1]...)
	for _, tc := range []struct {
		alg  types.ChecksumAlgorithm
		typ  types.ChecksumType
		want string
	}{
		{types.ChecksumAlgorithmSha256, types.ChecksumTypeComposite, compositeOf(types.ChecksumAlgorithmSha256, parts...)},
		{types.ChecksumAlgorithmCrc32c, types.ChecksumTypeComposite, compositeOf(types.ChecksumAlgorithmCrc32c, parts...)},
		{types.ChecksumAlgorithmCrc32, types.ChecksumTypeFullObject, checksumOf(types.ChecksumAlgorithmCrc32, whole)},
		{types.ChecksumAlgorithmCrc64nvme, types.ChecksumTypeFullObject, checksumOf(types.ChecksumAlgorithmCrc64nvme, whole)},
	} {
		t.Run(string(tc.alg), func(t *testing.T) {
			// upload starts an upload of the two parts and returns the Complete request.
			upload := func(key string) *s3.CompleteMultipartUploadInput {
				up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String(key),
					ChecksumAlgorithm: tc.alg, ChecksumType: tc.typ})
				if err != nil {
					t.Fatal(err)
				}
				in := &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String(key), UploadId: up.UploadId,
					MultipartUpload: &types.CompletedMultipartUpload{}}
				for i, p := range parts {
					res, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String(key), UploadId: up.UploadId,
						PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p), ChecksumAlgorithm: tc.alg})
					if err != nil {
						t.Fatal(err)
					}
					cp := types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: res.ETag}
					setChecksum(tc.alg, checksumOf(tc.alg, p), &cp.ChecksumCRC32, &cp.ChecksumCRC32C, &cp.ChecksumCRC64NVME, &cp.ChecksumSHA1, &cp.ChecksumSHA256)
					in.MultipartUpload.Parts = append(in.MultipartUpload.Parts, cp)
				}
				return in
			}

			in := upload("good")
			in.ChecksumType = tc.typ
			setChecksum(tc.alg, tc.want, &in.ChecksumCRC32, &in.ChecksumCRC32C, &in.ChecksumCRC64NVME, &in.ChecksumSHA1, &in.ChecksumSHA256)
			out, err := c.CompleteMultipartUpload(ctx, in)
			if err != nil {
				t.Fatalf("Complete with the object's checksum: %v", err)
			}
			if got := checksumField(tc.alg, out.ChecksumCRC32, out.ChecksumCRC32C, out.ChecksumCRC64NVME, out.ChecksumSHA1, out.ChecksumSHA256); got != tc.want || out.ChecksumType != tc.typ {
				t.Errorf("Complete answered checksum %q %s, want %q %s", got, out.ChecksumType, tc.want, tc.typ)
			}
			head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("good"), ChecksumMode: types.ChecksumModeEnabled})
			if err != nil {
				t.Fatal(err)
			}
			if got := checksumField(tc.alg, head.ChecksumCRC32, head.ChecksumCRC32C, head.ChecksumCRC64NVME, head.ChecksumSHA1, head.ChecksumSHA256); got != tc.want || head.ChecksumType != tc.typ {
				t.Errorf("HeadObject: checksum %q %s, want %q %s", got, head.ChecksumType, tc.want, tc.typ)
			}

			// A wrong object checksum, or another checksum type, is BadDigest and stores nothing.
			other := types.ChecksumTypeComposite
			if tc.typ == other {
				other = types.ChecksumTypeFullObject
			}
			for name, edit := range map[string]func(*s3.CompleteMultipartUploadInput){
				"value": func(in *s3.CompleteMultipartUploadInput) {
					setChecksum(tc.alg, checksumOf(tc.alg, []byte("other")), &in.ChecksumCRC32, &in.ChecksumCRC32C, &in.ChecksumCRC64NVME, &in.ChecksumSHA1, &in.ChecksumSHA256)
				},
				"type": func(in *s3.CompleteMultipartUploadInput) {
					in.ChecksumType = other
					setChecksum(tc.alg, tc.want, &in.ChecksumCRC32, &in.ChecksumCRC32C, &in.ChecksumCRC64NVME, &in.ChecksumSHA1, &in.ChecksumSHA256)
				},
			} {
				in := upload("bad-" + name)
				edit(in)
				_, err := c.CompleteMultipartUpload(ctx, in)
				if apiCode(err) != "BadDigest" {
					t.Errorf("Complete with a wrong %s: %v, want BadDigest", name, err)
				}
				// A wrong value is named by its algorithm: the request sent no Content-MD5.
				if name == "value" && (err == nil || !strings.Contains(err.Error(), "you specified did not match the calculated checksum") || strings.Contains(err.Error(), "Content-MD5")) {
					t.Errorf("Complete with a wrong value: %v, want the %s mismatch message", err, tc.alg)
				}
				if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("bad-" + name)}); httpStatus(err) != 404 {
					t.Errorf("a refused Complete (%s) stored an object: %v", name, err)
				}
			}

			if tc.typ == types.ChecksumTypeComposite {
				in := upload("no-part-checksum")
				in.MultipartUpload.Parts[1] = types.CompletedPart{PartNumber: aws.Int32(2), ETag: in.MultipartUpload.Parts[1].ETag}
				_, err := c.CompleteMultipartUpload(ctx, in)
				want := "The upload was created using a " + strings.ToLower(string(tc.alg)) + " checksum. The complete request must include the checksum for each part. It was missing for part 2 in the request."
				if apiCode(err) != "InvalidRequest" || !strings.Contains(err.Error(), want) {
					t.Errorf("Complete without part 2's checksum: %v, want InvalidRequest %q", err, want)
				}
			}
		})
	}
}

// An SDK sends its default CRC32 with every part, also for an upload created without a
// checksum algorithm. AWS checks it and accepts the part; the object gets no checksum from it.
func TestUploadPartChecksumWithoutUploadAlgorithm(t *testing.T) {
	srv := startServer(t, "")
	c := srv.client()
	ctx := context.Background()
	b := srv.createBucket(t, "part-default-checksum")
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	part := pseudoRandom(310, 100<<10)
	in := &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("k"), UploadId: up.UploadId, PartNumber: aws.Int32(1),
		Body: bytes.NewReader(part), ChecksumCRC32: aws.String(checksumOf(types.ChecksumAlgorithmCrc32, []byte("other")))}
	if _, err := c.UploadPart(ctx, in); apiCode(err) != "BadDigest" {
		t.Errorf("UploadPart with a wrong CRC32: %v, want BadDigest", err)
	}
	in.Body, in.ChecksumCRC32 = bytes.NewReader(part), aws.String(checksumOf(types.ChecksumAlgorithmCrc32, part))
	res, err := c.UploadPart(ctx, in)
	if err != nil {
		t.Fatalf("UploadPart with its CRC32: %v", err)
	}
	if aws.ToString(res.ChecksumCRC32) != checksumOf(types.ChecksumAlgorithmCrc32, part) {
		t.Errorf("UploadPart answered CRC32 %q", aws.ToString(res.ChecksumCRC32))
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("k"), UploadId: up.UploadId,
		// A transfer manager echoes the part's checksum in the completion: it is accepted too.
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: res.ETag, ChecksumCRC32: res.ChecksumCRC32}}}}); err != nil {
		t.Fatal(err)
	}
	if _, got := getAll(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("k")}); !bytes.Equal(got, part) {
		t.Errorf("object differs (%d bytes)", len(got))
	}
}

// A CompleteMultipartUpload sent again after it succeeded answers with the same result, as long
// as the object it made is the one under the key.
func TestCompleteMultipartUploadAgain(t *testing.T) {
	srv := startServer(t, "")
	c := srv.client()
	ctx := context.Background()
	b := srv.createBucket(t, "complete-again")
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("k"),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256})
	if err != nil {
		t.Fatal(err)
	}
	part := []byte("the only part")
	res, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("k"), UploadId: up.UploadId, PartNumber: aws.Int32(1),
		Body: bytes.NewReader(part), ChecksumAlgorithm: types.ChecksumAlgorithmSha256})
	if err != nil {
		t.Fatal(err)
	}
	in := &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("k"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: res.ETag, ChecksumSHA256: res.ChecksumSHA256}}}}
	first, err := c.CompleteMultipartUpload(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.CompleteMultipartUpload(ctx, in)
	if err != nil {
		t.Fatalf("second Complete: %v", err)
	}
	if aws.ToString(again.ETag) != aws.ToString(first.ETag) || aws.ToString(again.ChecksumSHA256) != aws.ToString(first.ChecksumSHA256) || aws.ToString(first.ChecksumSHA256) == "" {
		t.Errorf("second Complete: ETag %s checksum %s, first %s %s", aws.ToString(again.ETag), aws.ToString(again.ChecksumSHA256),
			aws.ToString(first.ETag), aws.ToString(first.ChecksumSHA256))
	}
	putBytes(t, c, b, "k", []byte("replaced"))
	if _, err := c.CompleteMultipartUpload(ctx, in); apiCode(err) != "NoSuchUpload" {
		t.Errorf("Complete after the object was replaced: %v, want NoSuchUpload", err)
	}
}

// Content-Encoding comes back byte for byte as stored; only the aws-chunked coding, which
// describes the transfer, is dropped.
func TestContentEncodingAsStored(t *testing.T) {
	srv := startServer(t, "")
	b := srv.createBucket(t, "content-encoding")
	for _, tc := range []struct{ sent, want string }{
		{"gzip", "gzip"},
		{"deflate, gzip", "deflate, gzip"},
		{"deflate,  gzip", "deflate,  gzip"},
		{"gzip, aws-chunked", "gzip"},
		{"aws-chunked, gzip", "gzip"},
		{"aws-chunked", ""},
	} {
		res, _ := srv.Do(t, s3test.Request{Method: "PUT", Path: "/" + b + "/k", Header: http.Header{"Content-Encoding": {tc.sent}},
			Body: []byte("x"), As: s3test.Owner})
		if res.StatusCode != 200 {
			t.Fatalf("PUT with Content-Encoding %q: %d", tc.sent, res.StatusCode)
		}
		res, _ = srv.Do(t, s3test.Request{Method: "HEAD", Path: "/" + b + "/k", As: s3test.Owner})
		if got := res.Header.Values("Content-Encoding"); strings.Join(got, "|") != tc.want {
			t.Errorf("Content-Encoding %q came back as %q, want %q", tc.sent, got, tc.want)
		}
	}
}

// ListBuckets pages with max-buckets and continuation-token, and filters by prefix and
// bucket-region, answering ContinuationToken, Prefix and each bucket's region.
func TestListBucketsPagination(t *testing.T) {
	srv := startTwoUsers(t)
	c := srv.client()
	ctx := context.Background()
	for _, n := range []string{"lb-a", "lb-b", "lb-c", "other"} {
		srv.createBucket(t, n)
	}
	if _, err := srv.altClient().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("lb-alt")}); err != nil {
		t.Fatal(err)
	}
	var names []string
	pages := 0
	in := &s3.ListBucketsInput{MaxBuckets: aws.Int32(2), Prefix: aws.String("lb-")}
	for {
		out, err := c.ListBuckets(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if aws.ToString(out.Prefix) != "lb-" {
			t.Errorf("page %d: Prefix %q", pages, aws.ToString(out.Prefix))
		}
		for _, b := range out.Buckets {
			names = append(names, aws.ToString(b.Name))
			if aws.ToString(b.BucketRegion) != region {
				t.Errorf("bucket %s: region %q", aws.ToString(b.Name), aws.ToString(b.BucketRegion))
			}
		}
		if out.ContinuationToken == nil {
			break
		}
		if pages > 3 {
			t.Fatal("ListBuckets does not end")
		}
		in.ContinuationToken = out.ContinuationToken
	}
	if strings.Join(names, ",") != "lb-a,lb-b,lb-c" || pages != 2 {
		t.Errorf("pages %d, buckets %v; want lb-a,lb-b,lb-c in 2 pages", pages, names)
	}
	if out, err := c.ListBuckets(ctx, &s3.ListBucketsInput{BucketRegion: aws.String("eu-west-1")}); err != nil || len(out.Buckets) != 0 {
		t.Errorf("ListBuckets in another region: %v, %d buckets", err, len(out.Buckets))
	}
	for _, q := range []string{"max-buckets=0", "max-buckets=10001", "max-buckets=x", "continuation-token=bogus", "continuation-token="} {
		res, body := srv.Do(t, s3test.Request{Method: "GET", Path: "/?" + q, As: s3test.Owner})
		if e := s3test.ParseError(t, body); res.StatusCode != 400 || e.Code != "InvalidArgument" {
			t.Errorf("ListBuckets ?%s: %d %s", q, res.StatusCode, e.Code)
		}
	}
}

// An object another account writes into a bucket it may write to is that account's: it keeps
// FULL_CONTROL, reads and changes its ACL, and the bucket-owner-* canned ACLs grant the bucket's
// owner READ or FULL_CONTROL after it, which is all the bucket's owner may do with it.
func TestObjectACLOfAnotherWriter(t *testing.T) {
	srv := startTwoUsers(t)
	main, alt := srv.client(), srv.altClient()
	ctx := context.Background()
	createACLBucket(t, main, "shared", types.BucketCannedACLPublicReadWrite)
	acl, err := main.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("shared")})
	if err != nil {
		t.Fatal(err)
	}
	mainID, altID := aws.ToString(acl.Owner.ID), ""
	for _, tc := range []struct {
		acl     types.ObjectCannedACL
		ownerTo types.Permission // what the bucket's owner is granted; "" for nothing
	}{
		{types.ObjectCannedACLBucketOwnerRead, types.PermissionRead},
		{types.ObjectCannedACLBucketOwnerFullControl, types.PermissionFullControl},
		{types.ObjectCannedACLPrivate, ""},
	} {
		key := "by-alt-" + string(tc.acl)
		if _, err := alt.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String(key), Body: strings.NewReader("x"), ACL: tc.acl}); err != nil {
			t.Fatal(err)
		}
		got, err := alt.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("shared"), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("the writer reads its ACL (%s): %v", tc.acl, err)
		}
		altID = aws.ToString(got.Owner.ID)
		want := []string{altID + " " + altName + " FULL_CONTROL"}
		if tc.ownerTo != "" {
			want = append(want, mainID+" "+aws.ToString(acl.Owner.DisplayName)+" "+string(tc.ownerTo))
		}
		var grants []string
		for _, g := range got.Grants {
			grants = append(grants, aws.ToString(g.Grantee.ID)+" "+aws.ToString(g.Grantee.DisplayName)+" "+string(g.Permission))
		}
		if altID == mainID || aws.ToString(got.Owner.DisplayName) != altName || strings.Join(grants, "|") != strings.Join(want, "|") {
			t.Errorf("%s: owner %s %s, grants %q, want %q", tc.acl, altID, aws.ToString(got.Owner.DisplayName), grants, want)
		}
		if _, err := alt.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("shared"), Key: aws.String(key)}); err != nil {
			t.Errorf("the writer reads its %s object: %v", tc.acl, err)
		}
		// The bucket's owner reads the ACL only as a grant lets it: READ_ACP comes with
		// FULL_CONTROL, not with READ
		// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/how-s3-evaluates-access-control.html).
		_, err = main.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("shared"), Key: aws.String(key)})
		if full := tc.ownerTo == types.PermissionFullControl; full && err != nil || !full && apiCode(err) != "AccessDenied" {
			t.Errorf("the bucket's owner reads the ACL of a %s object: %v", tc.acl, err)
		}
		res, _ := srv.Do(t, s3test.Request{Method: "GET", Path: "/shared/" + key + "?acl"})
		if res.StatusCode != 403 {
			t.Errorf("anonymous GetObjectAcl: %d", res.StatusCode)
		}
	}
	if _, err := alt.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: aws.String("shared"), Key: aws.String("by-alt-private"), ACL: types.ObjectCannedACLPublicRead}); err != nil {
		t.Errorf("the writer changes its ACL: %v", err)
	}
	// An object the bucket's owner wrote stays out of the other account's reach.
	putBytes(t, main, "shared", "by-main", []byte("x"))
	if _, err := alt.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("shared"), Key: aws.String("by-main")}); apiCode(err) != "AccessDenied" {
		t.Errorf("another account reads the owner's object ACL: %v", err)
	}
	// A missing key is NoSuchKey to a caller who may list the bucket, as the public-read-write
	// ACL lets the other account; an anonymous caller of a bucket it may not list learns
	// nothing (s3api TestMissingKeyNeedsListBucket).
	if _, err := alt.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("shared"), Key: aws.String("missing")}); apiCode(err) != "NoSuchKey" {
		t.Errorf("another account that may list the bucket asks for a missing key's ACL: %v", err)
	}
}

// UploadPartCopy of a range past the source's end is refused with AWS's InvalidArgument.
func TestUploadPartCopyRangePastEnd(t *testing.T) {
	srv := startServer(t, "")
	c := srv.client()
	ctx := context.Background()
	b := srv.createBucket(t, "copy-range")
	putBytes(t, c, b, "src", []byte("12345"))
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("dst")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String(b), Key: aws.String("dst"), UploadId: up.UploadId, PartNumber: aws.Int32(1),
		CopySource: aws.String(b + "/src"), CopySourceRange: aws.String("bytes=0-21")})
	if apiCode(err) != "InvalidArgument" || !strings.Contains(err.Error(), "Range specified is not valid for source object of size: 5") {
		t.Errorf("UploadPartCopy bytes=0-21 of 5 bytes: %v", err)
	}
}

// Creating again a bucket one owns answers 200 and resets its ACL in us-east-1, and
// BucketAlreadyOwnedByYou in any other region, as the API reference documents.
func TestCreateOwnBucketAgain(t *testing.T) {
	ctx := context.Background()
	srv := startTwoUsers(t)
	c := srv.client()
	createACLBucket(t, c, "again", types.BucketCannedACLPublicRead)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("again")}); err != nil {
		t.Fatalf("creating one's bucket again in us-east-1: %v", err)
	}
	acl, err := c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("again")})
	if err != nil || len(acl.Grants) != 1 {
		t.Errorf("the ACL after creating again: %v, %d grants, want private", err, len(acl.Grants))
	}
	if _, err := srv.altClient().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("again")}); apiCode(err) != "BucketAlreadyExists" {
		t.Errorf("another account creates the bucket: %v, want BucketAlreadyExists", err)
	}

	eu := startServer(t, "", "--region", "eu-west-1")
	ec := s3.New(s3.Options{Region: "eu-west-1", BaseEndpoint: aws.String(eu.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")})
	in := &s3.CreateBucketInput{Bucket: aws.String("again"), CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "eu-west-1"}}
	if _, err := ec.CreateBucket(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := ec.CreateBucket(ctx, in); apiCode(err) != "BucketAlreadyOwnedByYou" {
		t.Errorf("creating one's bucket again in eu-west-1: %v, want BucketAlreadyOwnedByYou", err)
	}
}
