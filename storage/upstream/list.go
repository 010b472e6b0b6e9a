package upstream

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/doorman-s3/doorman/storage"
)

// maxListingBody bounds the XML of one upstream listing page. A page of 1000 entries with
// 1024-byte keys, each encoded up to three times its length, and their other elements fits
// in a few MiB; an answer larger than this is not a listing this backend reads.
const maxListingBody = 16 << 20

// errListingTooLarge is the error of an upstream answer larger than its bound.
var errListingTooLarge = errors.New("upstream answer exceeds its size bound")

// boundedReader fails with errListingTooLarge once more than n bytes have been read.
type boundedReader struct {
	r     io.Reader
	n     int64
	limit int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.n > b.limit {
		return 0, fmt.Errorf("%w (%d bytes)", errListingTooLarge, b.limit)
	}
	if int64(len(p)) > b.limit-b.n+1 {
		p = p[:b.limit-b.n+1]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.n > b.limit {
		return n, fmt.Errorf("%w (%d bytes)", errListingTooLarge, b.limit)
	}
	return n, err
}

// decodeBoundedXML decodes the XML body of resp into v, reading at most limit bytes, and
// closes the body.
func decodeBoundedXML(resp *http.Response, limit int64, v any) error {
	defer resp.Body.Close()
	if err := xml.NewDecoder(&boundedReader{r: resp.Body, limit: limit}).Decode(v); err != nil {
		return fmt.Errorf("upstream %s answer: %w", resp.Request.Method, err)
	}
	return nil
}

// listValue decodes a value of a listing sent with encoding-type=url. S3 encodes keys,
// prefixes and markers when the request asks for it and says so in EncodingType (AWS
// form-encodes them, a space as "+"; https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html),
// so a key with characters XML 1.0 cannot carry is listed. An answer without EncodingType
// (an upstream that ignores the parameter) carries the values as they are.
func listValue(encoding, s string) (string, error) {
	if encoding != "url" {
		return s, nil
	}
	v, err := url.QueryUnescape(s)
	if err != nil {
		return "", fmt.Errorf("upstream listing: a url-encoded value %q: %w", s, err)
	}
	return v, nil
}

// listPrefixes decodes the common prefixes of a listing.
func listPrefixes(encoding string, cps []xmlCommonPrefix) ([]string, error) {
	var out []string
	for _, cp := range cps {
		p, err := listValue(encoding, cp.Prefix)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// pageSize is the upstream page size for a requested size n: capped at MaxListKeys, and one
// for a request of none, which lists no entry but tells whether there is one
// (storage.ListObjectsOptions.MaxKeys: 0 still reports IsTruncated).
func pageSize(n int) int {
	return min(max(n, 1), storage.MaxListKeys)
}

// parseListTime reads a timestamp of an S3 listing (ISO 8601, RFC 3339 with milliseconds).
func parseListTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("upstream listing: a timestamp %q: %w", s, err)
	}
	return t.UTC(), nil
}

type xmlCommonPrefix struct {
	Prefix string `xml:"Prefix"`
}

// xmlListObjectsV2 is the upstream's ListBucketResult
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html).
type xmlListObjectsV2 struct {
	IsTruncated    bool              `xml:"IsTruncated"`
	EncodingType   string            `xml:"EncodingType"`
	Contents       []xmlObject       `xml:"Contents"`
	CommonPrefixes []xmlCommonPrefix `xml:"CommonPrefixes"`
}

// xmlObject is a listed object (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html).
type xmlObject struct {
	Key               string   `xml:"Key"`
	LastModified      string   `xml:"LastModified"`
	ETag              string   `xml:"ETag"`
	Size              int64    `xml:"Size"`
	StorageClass      string   `xml:"StorageClass"`
	ChecksumAlgorithm []string `xml:"ChecksumAlgorithm"`
	ChecksumType      string   `xml:"ChecksumType"`
}

// info is the listed object as an ObjectInfo. Its Owner is left empty, the bucket owner's
// (storage.ObjectInfo.Owner): the upstream's owner is an upstream identity, which means
// nothing to doorman. Its Revision is left empty too: ListObjectsV2 lists no version id, which
// the Revision of a read (revision) is made of; ListObjectVersions sets it.
func (o *xmlObject) info(bucket, encoding string) (storage.ObjectInfo, error) {
	key, err := listValue(encoding, o.Key)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	t, err := parseListTime(o.LastModified)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	info := storage.ObjectInfo{Bucket: bucket, Key: key, Size: o.Size, ETag: unquote(o.ETag),
		LastModified: t, StorageClass: o.StorageClass}
	if len(o.ChecksumAlgorithm) > 0 {
		// A listing names the algorithm (and type) of an object's checksum, not its value.
		info.Checksum = storage.Checksum{Algorithm: storage.ChecksumAlgorithm(o.ChecksumAlgorithm[0]),
			Type: storage.ChecksumType(o.ChecksumType)}
	}
	return info, nil
}

// ListObjects implements storage.Backend with the upstream's ListObjectsV2. StartAfter is
// sent as start-after, and NextMarker is the last entry of the page, key or common prefix,
// in the upstream's order: the protocol layer hands it back as StartAfter (it is the marker
// of a V1 listing, and what its V2 continuation tokens carry), so any node serves any page
// and the upstream's own continuation tokens are never needed. The upstream must list a
// common prefix only when it sorts after start-after, as S3 does with a V1 marker that is
// a common prefix (NextMarker, https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjects.html);
// one listed anyway is dropped here, so that a page never repeats the last one's end.
func (b *Backend) ListObjects(ctx context.Context, bucket string, opts storage.ListObjectsOptions) (storage.ListObjectsResult, error) {
	var res storage.ListObjectsResult
	if err := b.checkBucket(bucket, ""); err != nil {
		return res, err
	}
	var page xmlListObjectsV2
	if err := b.listPage(ctx, bucket, url.Values{"list-type": {"2"}, "max-keys": {strconv.Itoa(pageSize(opts.MaxKeys))}},
		map[string]string{"prefix": opts.Prefix, "delimiter": opts.Delimiter, "start-after": opts.StartAfter}, &page); err != nil {
		return res, err
	}
	for i := range page.Contents {
		info, err := page.Contents[i].info(bucket, page.EncodingType)
		if err != nil {
			return storage.ListObjectsResult{}, err
		}
		res.Objects = append(res.Objects, info)
	}
	cps, err := listPrefixes(page.EncodingType, page.CommonPrefixes)
	if err != nil {
		return storage.ListObjectsResult{}, err
	}
	for _, cp := range cps {
		if opts.StartAfter == "" || cp > opts.StartAfter {
			res.CommonPrefixes = append(res.CommonPrefixes, cp)
		}
	}
	if opts.MaxKeys <= 0 {
		// The page of one entry asked for only tells whether there is one.
		truncated := page.IsTruncated || len(res.Objects)+len(res.CommonPrefixes) > 0
		return storage.ListObjectsResult{IsTruncated: truncated}, nil
	}
	res.IsTruncated = page.IsTruncated
	if res.IsTruncated {
		if n := len(res.Objects); n > 0 {
			res.NextMarker = res.Objects[n-1].Key
		}
		if n := len(res.CommonPrefixes); n > 0 && res.CommonPrefixes[n-1] > res.NextMarker {
			res.NextMarker = res.CommonPrefixes[n-1]
		}
	}
	return res, nil
}

// xmlListVersions is the upstream's ListVersionsResult
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html). Versions
// and delete markers are read in the order they come, which is the listing's.
type xmlListVersions struct {
	IsTruncated         bool              `xml:"IsTruncated"`
	EncodingType        string            `xml:"EncodingType"`
	NextKeyMarker       string            `xml:"NextKeyMarker"`
	NextVersionIDMarker string            `xml:"NextVersionIdMarker"`
	Entries             []xmlVersion      `xml:",any"`
	CommonPrefixes      []xmlCommonPrefix `xml:"CommonPrefixes"`
}

// xmlVersion is a Version or a DeleteMarker element, told apart by XMLName.
type xmlVersion struct {
	XMLName xml.Name
	xmlObject
	VersionID string `xml:"VersionId"`
	IsLatest  bool   `xml:"IsLatest"`
}

// listPage reads one page of a listing of bucket into page: a GET with the query q, keys
// URL-encoded (encoding-type=url), and the parameters of params that are set.
func (b *Backend) listPage(ctx context.Context, bucket string, q url.Values, params map[string]string, page any) error {
	q.Set("encoding-type", "url")
	for name, v := range params {
		if v != "" {
			q.Set(name, v)
		}
	}
	resp, err := b.client.do(ctx, &request{method: http.MethodGet, bucket: bucket, query: q, creds: b.credentialsFor(ctx)})
	if err != nil {
		return err
	}
	return decodeBoundedXML(resp, maxListingBody, page)
}

// ListObjectVersions implements storage.Backend with the upstream's ListObjectVersions.
// Version ids and markers are the upstream's, passed through as they come; the upstream
// decides what a version-id-marker that names no version lists, and its error for one it
// could never have issued comes back as it answered it. S3's listing carries no retention or
// legal hold: in a bucket the snapshot holds with Object Lock, each version of the page is
// read by a HEAD for them (readVersionLocks).
func (b *Backend) ListObjectVersions(ctx context.Context, bucket string, opts storage.ListVersionsOptions) (storage.ListVersionsResult, error) {
	var res storage.ListVersionsResult
	if err := b.checkBucket(bucket, ""); err != nil {
		return res, err
	}
	var page xmlListVersions
	err := b.listPage(ctx, bucket, url.Values{"versions": {""}, "max-keys": {strconv.Itoa(pageSize(opts.MaxKeys))}},
		map[string]string{"prefix": opts.Prefix, "delimiter": opts.Delimiter,
			"key-marker": opts.KeyMarker, "version-id-marker": opts.VersionIDMarker}, &page)
	if err != nil {
		return res, err
	}
	for i := range page.Entries {
		e := &page.Entries[i]
		if e.XMLName.Local != "Version" && e.XMLName.Local != "DeleteMarker" {
			continue // the page's other elements (Name, Prefix, MaxKeys, ...)
		}
		info, err := e.info(bucket, page.EncodingType)
		if err != nil {
			return storage.ListVersionsResult{}, err
		}
		info.VersionID, info.IsLatest = e.VersionID, e.IsLatest
		if e.XMLName.Local == "DeleteMarker" {
			// A delete marker has only its key, version id and date (and its owner).
			info = storage.ObjectInfo{Bucket: bucket, Key: info.Key, VersionID: info.VersionID,
				LastModified: info.LastModified, IsLatest: info.IsLatest, DeleteMarker: true}
		}
		info.Revision = revision(info.ETag, info.VersionID, info.LastModified)
		res.Versions = append(res.Versions, info)
	}
	if res.CommonPrefixes, err = listPrefixes(page.EncodingType, page.CommonPrefixes); err != nil {
		return storage.ListVersionsResult{}, err
	}
	if opts.MaxKeys <= 0 {
		truncated := page.IsTruncated || len(res.Versions)+len(res.CommonPrefixes) > 0
		return storage.ListVersionsResult{IsTruncated: truncated}, nil
	}
	if st := b.meta.get(bucket); st != nil && st.info.ObjectLock.Enabled {
		if err := b.readVersionLocks(ctx, res.Versions); err != nil {
			return storage.ListVersionsResult{}, err
		}
	}
	res.IsTruncated = page.IsTruncated
	if res.IsTruncated {
		if res.NextKeyMarker, err = listValue(page.EncodingType, page.NextKeyMarker); err != nil {
			return storage.ListVersionsResult{}, err
		}
		res.NextVersionIDMarker = page.NextVersionIDMarker
	}
	return res, nil
}

// readVersionLocks sets the retention and legal hold of each version of vs (delete markers
// have none) from a HEAD of it, up to partReaders at a time. A version gone since the listing
// (ErrNoSuchVersion, ErrNoSuchKey) is listed as the listing saw it, without a lock: it no
// longer has one.
func (b *Backend) readVersionLocks(ctx context.Context, vs []storage.ObjectInfo) error {
	creds := b.credentialsFor(ctx)
	errs := make([]error, len(vs))
	sem := make(chan struct{}, partReaders)
	var wg sync.WaitGroup
	for i := range vs {
		v := &vs[i]
		if v.DeleteMarker {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			// The null version is named "null", as S3 names it (API_HeadObject.html).
			q := url.Values{"versionId": {v.VersionID}}
			resp, err := b.client.do(ctx, &request{method: http.MethodHead, bucket: v.Bucket, key: v.Key, query: q, creds: creds,
				notFound: storage.ErrNoSuchVersion})
			if errors.Is(err, storage.ErrNoSuchVersion) || errors.Is(err, storage.ErrNoSuchKey) || deleteMarker(v.Key, v.VersionID, err) != err {
				return
			}
			if err != nil {
				errs[i] = err
				return
			}
			resp.Body.Close()
			v.Retention, v.LegalHold, v.LegalHoldSet, errs[i] = lockFromHeader(resp.Header)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
