package s3api

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

// listParams are the query parameters common to the listings.
type listParams struct {
	prefix, delimiter string
	maxKeys           int
	urlEncode         bool
}

// readListParams reads prefix, delimiter, encoding-type and the page size (named by
// sizeParam: max-keys, max-uploads, max-parts), which defaults to and is capped at 1000.
func readListParams(q url.Values, sizeParam string) (listParams, error) {
	p := listParams{prefix: q.Get("prefix"), delimiter: q.Get("delimiter"), maxKeys: storage.MaxListKeys}
	switch enc := q.Get("encoding-type"); enc {
	case "":
	case "url":
		p.urlEncode = true
	default:
		return p, s3err.InvalidArgument.Withf("Invalid Encoding Method specified in Request").
			With("ArgumentName", "encoding-type").With("ArgumentValue", enc)
	}
	if v, ok := q[sizeParam]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 0 {
			return p, s3err.InvalidArgument.Withf("Provided %s not an integer or within integer range", sizeParam).
				With("ArgumentName", sizeParam).With("ArgumentValue", v[0])
		}
		p.maxKeys = min(n, storage.MaxListKeys)
	}
	return p, nil
}

// enc applies encoding-type=url to a value of the response. S3 form-encodes the value (a
// space is "+", "+" is "%2B") but leaves "/" as it is: "run books/x" is "run+books/x".
// Observed against AWS (brekkylab/backlot#178); ceph/s3-tests' test_bucket_list_encoding_basic
// and test_bucket_listv2_encoding_basic expect "%20" for a space instead. AWS wins.
func (p *listParams) enc(s string) string {
	if !p.urlEncode {
		return s
	}
	return strings.ReplaceAll(url.QueryEscape(s), "%2F", "/")
}

type listEntry struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	Owner        *owner `xml:"Owner,omitempty"`
	StorageClass string `xml:"StorageClass"`
}

type commonPrefix struct {
	Prefix string `xml:"Prefix"`
}

type listBucketResultV1 struct {
	XMLName        xml.Name       `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name           string         `xml:"Name"`
	Prefix         string         `xml:"Prefix"`
	Marker         string         `xml:"Marker"`
	NextMarker     string         `xml:"NextMarker,omitempty"`
	MaxKeys        int            `xml:"MaxKeys"`
	Delimiter      string         `xml:"Delimiter,omitempty"`
	IsTruncated    bool           `xml:"IsTruncated"`
	EncodingType   string         `xml:"EncodingType,omitempty"`
	Contents       []listEntry    `xml:"Contents"`
	CommonPrefixes []commonPrefix `xml:"CommonPrefixes"`
}

type listBucketResultV2 struct {
	XMLName               xml.Name       `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name                  string         `xml:"Name"`
	Prefix                string         `xml:"Prefix"`
	KeyCount              int            `xml:"KeyCount"`
	MaxKeys               int            `xml:"MaxKeys"`
	Delimiter             string         `xml:"Delimiter,omitempty"`
	IsTruncated           bool           `xml:"IsTruncated"`
	ContinuationToken     string         `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string         `xml:"NextContinuationToken,omitempty"`
	StartAfter            string         `xml:"StartAfter,omitempty"`
	EncodingType          string         `xml:"EncodingType,omitempty"`
	Contents              []listEntry    `xml:"Contents"`
	CommonPrefixes        []commonPrefix `xml:"CommonPrefixes"`
}

// list lists the page of keys after startAfter.
func (s *Server) list(rc *request, p *listParams, startAfter string) (storage.ListObjectsResult, error) {
	res, err := s.cfg.Backend.ListObjects(rc.ctx, rc.bucket, storage.ListObjectsOptions{
		Prefix: p.prefix, Delimiter: p.delimiter, StartAfter: startAfter, MaxKeys: p.maxKeys})
	if err != nil {
		return res, err
	}
	if p.maxKeys == 0 {
		// S3 answers max-keys=0 with an empty page that is not truncated: there is no next
		// page to ask for.
		res.IsTruncated, res.NextMarker = false, ""
	}
	return res, nil
}

func (s *Server) entries(p *listParams, res *storage.ListObjectsResult, st *bucketState, withOwner bool) ([]listEntry, []commonPrefix) {
	var o *owner
	if withOwner {
		ow := s.ownerOf(st.info.Owner)
		o = &ow
	}
	var es []listEntry
	for _, obj := range res.Objects {
		es = append(es, listEntry{Key: p.enc(obj.Key), LastModified: xmlTime(obj.LastModified),
			ETag: quote(obj.ETag), Size: obj.Size, Owner: o, StorageClass: orDefaultStorageClass(obj.StorageClass)})
	}
	return es, p.commonPrefixes(res.CommonPrefixes)
}

// commonPrefixes are a listing's CommonPrefixes elements.
func (p *listParams) commonPrefixes(prefixes []string) []commonPrefix {
	var cps []commonPrefix
	for _, cp := range prefixes {
		cps = append(cps, commonPrefix{p.enc(cp)})
	}
	return cps
}

func encodingType(p *listParams) string {
	if p.urlEncode {
		return "url"
	}
	return ""
}

func (s *Server) listObjectsV1(rc *request, st *bucketState) error {
	p, err := readListParams(rc.query, "max-keys")
	if err != nil {
		return err
	}
	marker := rc.query.Get("marker")
	res, err := s.list(rc, &p, marker)
	if err != nil {
		return err
	}
	out := listBucketResultV1{Name: rc.bucket, Prefix: p.enc(p.prefix), Marker: p.enc(marker), MaxKeys: p.maxKeys,
		Delimiter: p.enc(p.delimiter), IsTruncated: res.IsTruncated, EncodingType: encodingType(&p)}
	if res.IsTruncated && p.delimiter != "" {
		out.NextMarker = p.enc(res.NextMarker)
	}
	out.Contents, out.CommonPrefixes = s.entries(&p, &res, st, true)
	return rc.writeXML(http.StatusOK, out)
}

// Continuation tokens are opaque to clients; doorman's carry the last key of the page behind
// a tag, so that a token doorman did not issue is refused as S3 refuses it.
// An empty token is refused too, as AWS refuses it (observed: minio/minio#5931); ceph/s3-tests'
// test_bucket_listv2_continuationtoken_empty expects a listing from the start instead.
const tokenTag = "doorman1:"

func encodeToken(marker string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenTag + marker))
}

// errBadContinuationToken answers a continuation token doorman did not issue.
var errBadContinuationToken = s3err.InvalidArgument.Withf("The continuation token provided is incorrect").
	With("ArgumentName", "continuation-token")

func decodeToken(tok string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	marker, ok := strings.CutPrefix(string(b), tokenTag)
	return marker, err == nil && ok && marker != ""
}

func (s *Server) listObjectsV2(rc *request, st *bucketState) error {
	q := rc.query
	p, err := readListParams(q, "max-keys")
	if err != nil {
		return err
	}
	startAfter := q.Get("start-after")
	token, hasToken := q["continuation-token"]
	from := startAfter
	if hasToken {
		m, ok := decodeToken(token[0])
		if !ok {
			return errBadContinuationToken
		}
		from = max(m, startAfter)
	}
	res, err := s.list(rc, &p, from)
	if err != nil {
		return err
	}
	out := listBucketResultV2{Name: rc.bucket, Prefix: p.enc(p.prefix), MaxKeys: p.maxKeys, Delimiter: p.enc(p.delimiter),
		IsTruncated: res.IsTruncated, StartAfter: p.enc(startAfter), EncodingType: encodingType(&p)}
	if hasToken {
		out.ContinuationToken = token[0]
	}
	if res.IsTruncated {
		out.NextContinuationToken = encodeToken(res.NextMarker)
	}
	out.Contents, out.CommonPrefixes = s.entries(&p, &res, st, q.Get("fetch-owner") == "true")
	out.KeyCount = len(out.Contents) + len(out.CommonPrefixes)
	return rc.writeXML(http.StatusOK, out)
}

// listVersionsResult is ListObjectVersions' answer
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html). Its Version
// and DeleteMarker elements come in listing order, by key then newest first, interleaved as
// S3 sends them.
type listVersionsResult struct {
	XMLName             xml.Name       `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListVersionsResult"`
	Name                string         `xml:"Name"`
	Prefix              string         `xml:"Prefix"`
	KeyMarker           string         `xml:"KeyMarker"`
	VersionIDMarker     string         `xml:"VersionIdMarker"`
	NextKeyMarker       string         `xml:"NextKeyMarker,omitempty"`
	NextVersionIDMarker string         `xml:"NextVersionIdMarker,omitempty"`
	MaxKeys             int            `xml:"MaxKeys"`
	Delimiter           string         `xml:"Delimiter,omitempty"`
	IsTruncated         bool           `xml:"IsTruncated"`
	EncodingType        string         `xml:"EncodingType,omitempty"`
	Entries             []any          // versionEntry and deleteMarkerEntry, named by their XMLName
	CommonPrefixes      []commonPrefix `xml:"CommonPrefixes"`
}

type versionEntry struct {
	XMLName      xml.Name `xml:"Version"`
	Key          string   `xml:"Key"`
	VersionID    string   `xml:"VersionId"`
	IsLatest     bool     `xml:"IsLatest"`
	LastModified string   `xml:"LastModified"`
	ETag         string   `xml:"ETag"`
	Size         int64    `xml:"Size"`
	Owner        *owner   `xml:"Owner,omitempty"`
	StorageClass string   `xml:"StorageClass"`
}

// deleteMarkerEntry is a delete marker in ListObjectVersions' answer
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteMarkerEntry.html).
type deleteMarkerEntry struct {
	XMLName      xml.Name `xml:"DeleteMarker"`
	Key          string   `xml:"Key"`
	VersionID    string   `xml:"VersionId"`
	IsLatest     bool     `xml:"IsLatest"`
	LastModified string   `xml:"LastModified"`
	Owner        *owner   `xml:"Owner,omitempty"`
}

// errVersionMarkerAlone is S3's answer to a version-id-marker without a key-marker
// (LocalStack's snapshot test_s3_list_operations.snapshot.json, list-objects-next-version-only).
func errVersionMarkerAlone(marker string) error {
	return s3err.InvalidArgument.Withf("A version-id marker cannot be specified without a key marker.").
		With("ArgumentName", "version-id-marker").With("ArgumentValue", marker)
}

// listObjectVersions lists every version and delete marker of the bucket's keys, one page
// after key-marker (and version-id-marker). Every entry shows the bucket's owner, as the
// other listings do (entries). A version-id-marker that no longer names a version lists
// from where that version was, as S3 does (LocalStack recorded it against S3 for a client
// deleting each page before asking for the next: localstack/localstack#12259); one doorman
// could not have issued is refused as a versionId is, InvalidArgument. [UNVERIFIED] S3's
// answer to the latter.
func (s *Server) listObjectVersions(rc *request, st *bucketState) error {
	q := rc.query
	p, err := readListParams(q, "max-keys")
	if err != nil {
		return err
	}
	keyMarker, versionMarker := q.Get("key-marker"), q.Get("version-id-marker")
	if versionMarker != "" && keyMarker == "" {
		return errVersionMarkerAlone(versionMarker)
	}
	res, err := s.cfg.Backend.ListObjectVersions(rc.ctx, rc.bucket, storage.ListVersionsOptions{Prefix: p.prefix, Delimiter: p.delimiter,
		KeyMarker: keyMarker, VersionIDMarker: versionMarker, MaxKeys: p.maxKeys})
	switch {
	case errors.Is(err, storage.ErrInvalidVersionID):
		return invalidVersionID("version-id-marker", versionMarker)
	case err != nil:
		return err
	}
	if p.maxKeys == 0 {
		// As for ListObjects (list): an empty page that is not truncated.
		res.IsTruncated = false
	}
	out := listVersionsResult{Name: rc.bucket, Prefix: p.enc(p.prefix), KeyMarker: p.enc(keyMarker),
		VersionIDMarker: versionMarker, MaxKeys: p.maxKeys, Delimiter: p.enc(p.delimiter),
		IsTruncated: res.IsTruncated, EncodingType: encodingType(&p)}
	if res.IsTruncated {
		out.NextKeyMarker, out.NextVersionIDMarker = p.enc(res.NextKeyMarker), res.NextVersionIDMarker
	}
	o := s.ownerOf(st.info.Owner)
	for _, v := range res.Versions {
		if v.DeleteMarker {
			out.Entries = append(out.Entries, deleteMarkerEntry{Key: p.enc(v.Key), VersionID: v.VersionID, IsLatest: v.IsLatest,
				LastModified: xmlTime(v.LastModified), Owner: &o})
			continue
		}
		out.Entries = append(out.Entries, versionEntry{Key: p.enc(v.Key), VersionID: v.VersionID, IsLatest: v.IsLatest,
			LastModified: xmlTime(v.LastModified), ETag: quote(v.ETag), Size: v.Size, Owner: &o,
			StorageClass: orDefaultStorageClass(v.StorageClass)})
	}
	out.CommonPrefixes = p.commonPrefixes(res.CommonPrefixes)
	return rc.writeXML(http.StatusOK, out)
}
