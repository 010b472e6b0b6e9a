package upstream

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/doorman-s3/doorman/storage"
)

// Multipart uploads are the upstream's own: the upload id, the parts and the listings come
// from it, so any node serves any part of any upload, and this backend keeps nothing of an
// upload. What doorman records of an upload beyond what S3 lists (its initiator's and its
// object owner's canonical ids, its ACL, metadata and tags) cannot be read back: ListParts
// and ListMultipartUploads report them empty (see uploadInfo).

// maxMultipartAnswer bounds the XML answers of CreateMultipartUpload and
// CompleteMultipartUpload, small documents; the whitespace S3 may send ahead of a completion's
// result while it works (API_CompleteMultipartUpload.html) fits well within it.
const maxMultipartAnswer = 1 << 20

// refuseUploadSettings fails with ErrNotImplemented for the settings of a new upload this
// backend does not pass on.
func refuseUploadSettings(opts *storage.CreateMultipartUploadOptions) error {
	switch {
	case opts.ACL != "" && opts.ACL != storage.DefaultACL:
		return storage.NotImplementedError("Object ACLs are not available with the s3 backend.")
	case !opts.Lock.IsZero():
		return storage.NotImplementedError("Object Lock is not available with the s3 backend.")
	case opts.Encryption.CustomerKey != nil:
		return storage.NotImplementedError("Server-side encryption with customer-provided keys is not available with the s3 backend.")
	case opts.Encryption.Algorithm == storage.SSEKMS:
		return storage.NotImplementedError("Server-side encryption with KMS keys is not available with the s3 backend.")
	}
	return nil
}

// uploadQuery is the query naming an upload.
func uploadQuery(uploadID string) url.Values { return url.Values{"uploadId": {uploadID}} }

// CreateMultipartUpload implements storage.Backend: POST ?uploads. SSE-S3 (SSEAES256) is
// the upstream's own business and nothing is sent for it; the upload's Encryption is what the
// upstream answers. The initiator and object owner are doorman's canonical ids, which the
// upstream does not keep (its initiator is the upstream identity the request was signed as).
func (b *Backend) CreateMultipartUpload(ctx context.Context, bucket, key string, opts storage.CreateMultipartUploadOptions) (storage.UploadInfo, error) {
	if err := b.checkBucket(bucket, opts.BucketID); err != nil {
		return storage.UploadInfo{}, err
	}
	if err := refuseUploadSettings(&opts); err != nil {
		return storage.UploadInfo{}, err
	}
	h := http.Header{}
	if err := setObjectHeaders(h, opts.Metadata, opts.Tags, opts.StorageClass); err != nil {
		return storage.UploadInfo{}, err
	}
	if opts.ChecksumAlgorithm != "" {
		// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html
		h["X-Amz-Checksum-Algorithm"] = []string{string(opts.ChecksumAlgorithm)}
		if opts.ChecksumType != "" {
			h["X-Amz-Checksum-Type"] = []string{string(opts.ChecksumType)}
		}
	} else if opts.ChecksumType != "" {
		return storage.UploadInfo{}, fmt.Errorf("%w: a checksum type without an algorithm", storage.ErrInvalidChecksum)
	}
	resp, err := b.client.do(ctx, &request{method: http.MethodPost, bucket: bucket, key: key,
		query: url.Values{"uploads": {""}}, header: h, creds: b.credentialsFor(ctx)})
	if err != nil {
		return storage.UploadInfo{}, err
	}
	var out struct {
		UploadID string `xml:"UploadId"`
	}
	if err := decodeBoundedXML(resp, maxMultipartAnswer, &out); err != nil {
		return storage.UploadInfo{}, err
	}
	if out.UploadID == "" {
		return storage.UploadInfo{}, errors.New("upstream CreateMultipartUpload answered no upload id")
	}
	up := storage.UploadInfo{Bucket: bucket, Key: key, UploadID: out.UploadID, Initiated: responseDate(resp, b.cfg.Now),
		Metadata: opts.Metadata, ACL: opts.ACL, StorageClass: opts.StorageClass, Owner: opts.Owner, ObjectOwner: opts.ObjectOwner,
		ChecksumAlgorithm: opts.ChecksumAlgorithm, ChecksumType: opts.ChecksumType, Tags: opts.Tags,
		Encryption: encryptionFromHeader(resp.Header)}
	if up.ObjectOwner == "" {
		up.ObjectOwner = up.Owner
	}
	if up.ChecksumAlgorithm != "" {
		if t := resp.Header.Get("X-Amz-Checksum-Type"); t != "" {
			up.ChecksumType = storage.ChecksumType(t)
		} else if up.ChecksumType == "" {
			// The default type (storage.CreateMultipartUploadOptions.ChecksumType).
			up.ChecksumType = storage.ChecksumComposite
			if up.ChecksumAlgorithm == storage.ChecksumCRC64NVME {
				up.ChecksumType = storage.ChecksumFullObject
			}
		}
	}
	return up, nil
}

// responseDate is the Date of an upstream answer, else now.
func responseDate(resp *http.Response, now func() time.Time) time.Time {
	if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		return t.UTC()
	}
	if now == nil {
		now = time.Now
	}
	return now().UTC()
}

// partBody is an upload part's body as it goes upstream: it fails at its end when it was
// shorter or longer than its declared size, or when its trailing checksum is not the one
// computed over it, so that, behind holdBack, the upstream never gets it whole. err is the
// first failure, which the upload reports rather than the transport's error it causes.
type partBody struct {
	r        io.Reader
	size, n  int64
	alg      storage.ChecksumAlgorithm
	sum      hash.Hash // computes alg when the checksum comes in a trailer
	trailing func() storage.Checksum
	computed string
	err      error
}

func (p *partBody) Read(buf []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	n, err := p.r.Read(buf)
	p.n += int64(n)
	if p.sum != nil {
		p.sum.Write(buf[:n])
	}
	switch {
	case p.n > p.size:
		err = fmt.Errorf("%w: more than %d bytes", storage.ErrIncompleteBody, p.size)
	case err == io.EOF && p.n < p.size:
		err = fmt.Errorf("%w: %d of %d bytes", storage.ErrIncompleteBody, p.n, p.size)
	case err == io.EOF && p.sum != nil:
		p.computed = base64.StdEncoding.EncodeToString(p.sum.Sum(nil))
		if p.trailing != nil {
			if c := p.trailing(); c.Algorithm == p.alg && c.Value != p.computed {
				err = &storage.ChecksumMismatchError{Algorithm: p.alg}
			}
		}
	}
	if err != nil && err != io.EOF {
		p.err = err
	}
	return n, err
}

// UploadPart implements storage.Backend: PUT ?partNumber&uploadId, its body streamed with
// Content-Length. Content-MD5 and a checksum given as a header go upstream, which verifies
// them; a checksum that comes in a trailer is computed here as the body streams and compared
// at its end (storage.UploadPartOptions.TrailingChecksum), and the upstream gets none (it
// computes the part's checksum itself for an upload created with an algorithm, as S3 does:
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity-upload.html
// [UNVERIFIED] for other upstreams than doorman's own). The upstream answers a part whose
// algorithm is not its upload's.
func (b *Backend) UploadPart(ctx context.Context, bucket, key, uploadID string, partNumber int, r io.Reader, opts storage.UploadPartOptions) (storage.PartInfo, error) {
	if err := b.checkBucket(bucket, opts.BucketID); err != nil {
		return storage.PartInfo{}, err
	}
	switch {
	case opts.CustomerKey != nil:
		return storage.PartInfo{}, storage.NotImplementedError("Server-side encryption with customer-provided keys is not available with the s3 backend.")
	case opts.Size < 0:
		return storage.PartInfo{}, storage.NotImplementedError("An upload part of unknown length is not available with the s3 backend.")
	case opts.Size > storage.MaxObjectSize:
		return storage.PartInfo{}, storage.ErrEntityTooLarge
	case opts.ChecksumAlgorithm != "" && !opts.ChecksumAlgorithm.Valid():
		return storage.PartInfo{}, fmt.Errorf("%w: %q", storage.ErrInvalidChecksum, opts.ChecksumAlgorithm)
	case opts.ChecksumAlgorithm == "" && opts.ChecksumValue != "":
		return storage.PartInfo{}, fmt.Errorf("%w: checksum value without algorithm", storage.ErrInvalidChecksum)
	}
	h := http.Header{}
	if opts.ContentMD5 != nil {
		h["Content-Md5"] = []string{base64.StdEncoding.EncodeToString(opts.ContentMD5)}
	}
	body := &partBody{r: r, size: opts.Size, alg: opts.ChecksumAlgorithm, trailing: opts.TrailingChecksum}
	if opts.ChecksumValue != "" {
		h[checksumHeader(opts.ChecksumAlgorithm)] = []string{opts.ChecksumValue}
	} else if opts.ChecksumAlgorithm != "" {
		body.sum = opts.ChecksumAlgorithm.New()
	}
	q := uploadQuery(uploadID)
	q.Set("partNumber", strconv.Itoa(partNumber))
	resp, err := b.client.do(ctx, &request{method: http.MethodPut, bucket: bucket, key: key, query: q, header: h,
		body: holdBack(body), size: opts.Size, creds: b.credentialsFor(ctx)})
	if body.err != nil {
		// The body failed: the upstream got it short, and stored nothing.
		if resp != nil {
			resp.Body.Close()
		}
		return storage.PartInfo{}, body.err
	}
	if err != nil {
		return storage.PartInfo{}, err
	}
	resp.Body.Close()
	part := storage.PartInfo{PartNumber: partNumber, ETag: unquote(resp.Header.Get("Etag")), Size: opts.Size,
		LastModified: responseDate(resp, b.cfg.Now), Checksum: body.computed}
	if part.ETag == "" {
		return storage.PartInfo{}, errors.New("upstream UploadPart answered no ETag")
	}
	if opts.ChecksumAlgorithm != "" {
		if v := resp.Header.Get(checksumHeader(opts.ChecksumAlgorithm)); v != "" {
			part.Checksum = v
		} else if part.Checksum == "" {
			part.Checksum = opts.ChecksumValue
		}
	} else {
		// The upload's own algorithm, when the upstream answers the part's checksum in it.
		part.Checksum = checksumFromHeader(resp.Header).Value
	}
	return part, nil
}

// checksumHeader is the x-amz-checksum-* header of alg.
func checksumHeader(alg storage.ChecksumAlgorithm) string {
	return "X-Amz-Checksum-" + strings.ToLower(string(alg))
}

// xmlChecksums are the checksum elements of a part or an object in S3's XML.
type xmlChecksums struct {
	ChecksumCRC32     string `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string `xml:"ChecksumSHA256,omitempty"`
}

// get returns the one checksum set, and its algorithm.
func (c *xmlChecksums) get() (storage.ChecksumAlgorithm, string) {
	for _, e := range [...]struct {
		alg storage.ChecksumAlgorithm
		v   string
	}{{storage.ChecksumCRC32, c.ChecksumCRC32}, {storage.ChecksumCRC32C, c.ChecksumCRC32C},
		{storage.ChecksumCRC64NVME, c.ChecksumCRC64NVME}, {storage.ChecksumSHA1, c.ChecksumSHA1}, {storage.ChecksumSHA256, c.ChecksumSHA256}} {
		if e.v != "" {
			return e.alg, e.v
		}
	}
	return "", ""
}

// set sets the element of alg to v.
func (c *xmlChecksums) set(alg storage.ChecksumAlgorithm, v string) {
	switch alg {
	case storage.ChecksumCRC32:
		c.ChecksumCRC32 = v
	case storage.ChecksumCRC32C:
		c.ChecksumCRC32C = v
	case storage.ChecksumCRC64NVME:
		c.ChecksumCRC64NVME = v
	case storage.ChecksumSHA1:
		c.ChecksumSHA1 = v
	case storage.ChecksumSHA256:
		c.ChecksumSHA256 = v
	}
}

// xmlCompletePart is a Part of a CompleteMultipartUpload document
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompletedPart.html).
type xmlCompletePart struct {
	PartNumber int    `xml:"PartNumber"`
	ETag       string `xml:"ETag"`
	xmlChecksums
}

type xmlCompleteUpload struct {
	XMLName xml.Name          `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CompleteMultipartUpload"`
	Parts   []xmlCompletePart `xml:"Part"`
}

// xmlCompleteAnswer is what a completion answers with status 200: its result
// (CompleteMultipartUploadResult), or an error S3 found after it had sent its status
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html: "a 200 OK
// response can contain either a success or an error"), told apart by XMLName.
type xmlCompleteAnswer struct {
	XMLName      xml.Name
	ETag         string `xml:"ETag"`
	ChecksumType string `xml:"ChecksumType"`
	xmlChecksums
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

// CompleteMultipartUpload implements storage.Backend: POST ?uploadId with the parts, their
// ETags quoted and their checksums in the upload's algorithm. The upstream checks the parts,
// their order and sizes, the conditions (If-Match, If-None-Match) and the object's checksum;
// the object is then read back with a HEAD of the version made, for what the answer lacks
// (size, date, metadata). Completing again an upload that completed is answered as the
// upstream answers it: doorman's own store and AWS (for a while) answer with the object made,
// MinIO with NoSuchUpload [UNVERIFIED for Ceph].
func (b *Backend) CompleteMultipartUpload(ctx context.Context, bucket, key, uploadID string, parts []storage.CompletedPart, opts storage.CompleteMultipartUploadOptions) (storage.ObjectInfo, error) {
	if err := b.checkBucket(bucket, opts.BucketID); err != nil {
		return storage.ObjectInfo{}, err
	}
	if opts.CustomerKey != nil {
		return storage.ObjectInfo{}, storage.NotImplementedError("Server-side encryption with customer-provided keys is not available with the s3 backend.")
	}
	creds := b.credentialsFor(ctx)
	alg, err := b.partChecksumAlgorithm(ctx, bucket, key, uploadID, parts, opts.Checksum.Algorithm, creds)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	doc := xmlCompleteUpload{Parts: make([]xmlCompletePart, len(parts))}
	for i, p := range parts {
		doc.Parts[i] = xmlCompletePart{PartNumber: p.PartNumber, ETag: `"` + unquote(p.ETag) + `"`}
		doc.Parts[i].set(alg, p.Checksum)
	}
	body, err := xml.Marshal(doc)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	h := http.Header{"Content-Type": {"application/xml"}}
	if c := opts.Conditions; c.IfMatch == "*" {
		h["If-Match"] = []string{"*"}
	} else if c.IfMatch != "" {
		h["If-Match"] = []string{`"` + unquote(c.IfMatch) + `"`}
	}
	if opts.Conditions.IfNoneMatch {
		h["If-None-Match"] = []string{"*"}
	}
	if c := opts.Checksum; c.Algorithm != "" {
		if !c.Algorithm.Valid() {
			return storage.ObjectInfo{}, fmt.Errorf("%w: %q", storage.ErrInvalidChecksum, c.Algorithm)
		}
		h[checksumHeader(c.Algorithm)] = []string{c.Value}
	}
	if opts.Checksum.Type != "" {
		h["X-Amz-Checksum-Type"] = []string{string(opts.Checksum.Type)}
	}
	resp, err := b.client.do(ctx, &request{method: http.MethodPost, bucket: bucket, key: key, query: uploadQuery(uploadID),
		header: h, body: bytes.NewReader(body), size: int64(len(body)), creds: creds})
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	var out xmlCompleteAnswer
	if err := decodeBoundedXML(resp, maxMultipartAnswer, &out); err != nil {
		return storage.ObjectInfo{}, err
	}
	if out.XMLName.Local == "Error" {
		return storage.ObjectInfo{}, completionError(out.Code, out.Message)
	}
	info := storage.ObjectInfo{Bucket: bucket, Key: key, ETag: unquote(out.ETag), VersionID: resp.Header.Get("X-Amz-Version-Id"),
		PartsCount: len(parts), Upload: uploadID, Encryption: encryptionFromHeader(resp.Header)}
	if info.VersionID == "" {
		info.VersionID = storage.NullVersion
	}
	if a, v := out.get(); a != "" {
		info.Checksum = storage.Checksum{Algorithm: a, Value: v, Type: storage.ChecksumType(out.ChecksumType)}
	}
	q := url.Values{}
	if info.VersionID != storage.NullVersion {
		q.Set("versionId", info.VersionID)
	}
	head, err := b.client.do(ctx, &request{method: http.MethodHead, bucket: bucket, key: key, query: q,
		header: http.Header{"If-Match": {`"` + info.ETag + `"`}, "X-Amz-Checksum-Mode": {"ENABLED"}}, creds: creds,
		notFound: storage.ErrNoSuchKey})
	if err != nil {
		// The object was made; what the HEAD would add is missing (another write replaced
		// it already, or the identity may not read it).
		b.log.Debug("upstream HEAD after CompleteMultipartUpload failed", "bucket", bucket, "key", key, "error", err)
		return info, nil
	}
	head.Body.Close()
	full, err := objectInfoFromHeader(bucket, key, head.Header)
	if err != nil {
		return info, err
	}
	full.Upload = uploadID
	if full.Checksum.Algorithm == "" {
		full.Checksum = info.Checksum
	}
	return full, nil
}

// partChecksumAlgorithm is the algorithm of the parts' checksums a completion names: the
// object's expected checksum's, else the upload's as the upstream lists it. S3's document
// names each part's checksum by its algorithm, which a CompletedPart does not carry.
func (b *Backend) partChecksumAlgorithm(ctx context.Context, bucket, key, uploadID string, parts []storage.CompletedPart, want storage.ChecksumAlgorithm, creds *Credentials) (storage.ChecksumAlgorithm, error) {
	named := false
	for _, p := range parts {
		named = named || p.Checksum != ""
	}
	if !named || want != "" {
		return want, nil
	}
	page, err := b.listParts(ctx, bucket, key, uploadID, storage.MaxPartNumber, 1, creds)
	if err != nil {
		return "", err
	}
	if page.ChecksumAlgorithm == "" {
		return "", storage.NotImplementedError("Part checksums in CompleteMultipartUpload are not available with the s3 backend when the upstream does not list the upload's checksum algorithm.")
	}
	return storage.ChecksumAlgorithm(page.ChecksumAlgorithm), nil
}

// completionError is the error of an Error document a completion answered with status 200:
// a storage sentinel where its code maps to one, as for an error answer (codeErrors), the
// upstream's own error otherwise, with the status S3 gives an internal error.
func completionError(code, message string) error {
	if sentinel, ok := codeErrors[code]; ok {
		return fmt.Errorf("%w: upstream: %s", sentinel, message)
	}
	return &storage.ServiceError{Status: http.StatusInternalServerError, Code: code, Message: message}
}

// AbortMultipartUpload implements storage.Backend: DELETE ?uploadId.
func (b *Backend) AbortMultipartUpload(ctx context.Context, bucket, key, uploadID string) error {
	if err := b.checkBucket(bucket, ""); err != nil {
		return err
	}
	resp, err := b.client.do(ctx, &request{method: http.MethodDelete, bucket: bucket, key: key, query: uploadQuery(uploadID),
		creds: b.credentialsFor(ctx), notFound: storage.ErrNoSuchUpload})
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// xmlListParts is the upstream's ListPartsResult
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html).
type xmlListParts struct {
	StorageClass         string `xml:"StorageClass"`
	ChecksumAlgorithm    string `xml:"ChecksumAlgorithm"`
	ChecksumType         string `xml:"ChecksumType"`
	IsTruncated          bool   `xml:"IsTruncated"`
	NextPartNumberMarker int    `xml:"NextPartNumberMarker"`
	Parts                []struct {
		PartNumber   int    `xml:"PartNumber"`
		LastModified string `xml:"LastModified"`
		ETag         string `xml:"ETag"`
		Size         int64  `xml:"Size"`
		xmlChecksums
	} `xml:"Part"`
}

// listParts reads one page of the upstream's ListParts.
func (b *Backend) listParts(ctx context.Context, bucket, key, uploadID string, marker, size int, creds *Credentials) (*xmlListParts, error) {
	q := uploadQuery(uploadID)
	q.Set("max-parts", strconv.Itoa(size))
	if marker > 0 {
		q.Set("part-number-marker", strconv.Itoa(marker))
	}
	resp, err := b.client.do(ctx, &request{method: http.MethodGet, bucket: bucket, key: key, query: q, creds: creds,
		notFound: storage.ErrNoSuchUpload})
	if err != nil {
		return nil, err
	}
	var page xmlListParts
	if err := decodeBoundedXML(resp, maxListingBody, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// ListParts implements storage.Backend with the upstream's ListParts. The upload it reports
// has what the upstream lists of it (storage class, checksum algorithm and type); its
// initiator and owner are empty, as the upstream's are upstream identities, which mean
// nothing to doorman.
func (b *Backend) ListParts(ctx context.Context, bucket, key, uploadID string, opts storage.ListPartsOptions) (storage.ListPartsResult, error) {
	var res storage.ListPartsResult
	if err := b.checkBucket(bucket, ""); err != nil {
		return res, err
	}
	page, err := b.listParts(ctx, bucket, key, uploadID, opts.PartNumberMarker, pageSize(opts.MaxParts), b.credentialsFor(ctx))
	if err != nil {
		return res, err
	}
	res.Upload = storage.UploadInfo{Bucket: bucket, Key: key, UploadID: uploadID, StorageClass: page.StorageClass,
		ChecksumAlgorithm: storage.ChecksumAlgorithm(page.ChecksumAlgorithm), ChecksumType: storage.ChecksumType(page.ChecksumType)}
	if opts.MaxParts <= 0 {
		res.IsTruncated = page.IsTruncated || len(page.Parts) > 0
		return res, nil
	}
	for _, p := range page.Parts {
		t, err := parseListTime(p.LastModified)
		if err != nil {
			return storage.ListPartsResult{}, err
		}
		_, sum := p.get()
		res.Parts = append(res.Parts, storage.PartInfo{PartNumber: p.PartNumber, ETag: unquote(p.ETag), Size: p.Size,
			LastModified: t, Checksum: sum})
	}
	if res.IsTruncated = page.IsTruncated; res.IsTruncated {
		res.NextPartNumberMarker = page.NextPartNumberMarker
	}
	return res, nil
}

// xmlListUploads is the upstream's ListMultipartUploadsResult
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html).
type xmlListUploads struct {
	IsTruncated        bool   `xml:"IsTruncated"`
	EncodingType       string `xml:"EncodingType"`
	NextKeyMarker      string `xml:"NextKeyMarker"`
	NextUploadIDMarker string `xml:"NextUploadIdMarker"`
	Uploads            []struct {
		Key               string `xml:"Key"`
		UploadID          string `xml:"UploadId"`
		StorageClass      string `xml:"StorageClass"`
		Initiated         string `xml:"Initiated"`
		ChecksumAlgorithm string `xml:"ChecksumAlgorithm"`
		ChecksumType      string `xml:"ChecksumType"`
	} `xml:"Upload"`
	CommonPrefixes []xmlCommonPrefix `xml:"CommonPrefixes"`
}

// ListMultipartUploads implements storage.Backend with the upstream's ListMultipartUploads;
// markers are passed through. Each upload's initiator and owner are empty, as in ListParts.
func (b *Backend) ListMultipartUploads(ctx context.Context, bucket string, opts storage.ListUploadsOptions) (storage.ListUploadsResult, error) {
	var res storage.ListUploadsResult
	if err := b.checkBucket(bucket, ""); err != nil {
		return res, err
	}
	q := url.Values{"uploads": {""}, "encoding-type": {"url"}, "max-uploads": {strconv.Itoa(pageSize(opts.MaxUploads))}}
	for name, v := range map[string]string{"prefix": opts.Prefix, "delimiter": opts.Delimiter,
		"key-marker": opts.KeyMarker, "upload-id-marker": opts.UploadIDMarker} {
		if v != "" {
			q.Set(name, v)
		}
	}
	resp, err := b.client.do(ctx, &request{method: http.MethodGet, bucket: bucket, query: q, creds: b.credentialsFor(ctx)})
	if err != nil {
		return res, err
	}
	var page xmlListUploads
	if err := decodeBoundedXML(resp, maxListingBody, &page); err != nil {
		return res, err
	}
	for _, u := range page.Uploads {
		k, err := listValue(page.EncodingType, u.Key)
		if err != nil {
			return storage.ListUploadsResult{}, err
		}
		t, err := parseListTime(u.Initiated)
		if err != nil {
			return storage.ListUploadsResult{}, err
		}
		res.Uploads = append(res.Uploads, storage.UploadInfo{Bucket: bucket, Key: k, UploadID: u.UploadID, Initiated: t,
			StorageClass: u.StorageClass, ChecksumAlgorithm: storage.ChecksumAlgorithm(u.ChecksumAlgorithm),
			ChecksumType: storage.ChecksumType(u.ChecksumType)})
	}
	if res.CommonPrefixes, err = listPrefixes(page.EncodingType, page.CommonPrefixes); err != nil {
		return storage.ListUploadsResult{}, err
	}
	if opts.MaxUploads <= 0 {
		return storage.ListUploadsResult{IsTruncated: page.IsTruncated || len(res.Uploads)+len(res.CommonPrefixes) > 0}, nil
	}
	if res.IsTruncated = page.IsTruncated; res.IsTruncated {
		if res.NextKeyMarker, err = listValue(page.EncodingType, page.NextKeyMarker); err != nil {
			return storage.ListUploadsResult{}, err
		}
		res.NextUploadIDMarker = page.NextUploadIDMarker
	}
	return res, nil
}
