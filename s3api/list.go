package s3api

import (
	"encoding/base64"
	"encoding/xml"
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

// listAfterMarker reads the parameters of ListObjects or ListObjectVersions and lists the page
// after the key given in markerParam (marker, key-marker).
func (s *Server) listAfterMarker(rc *request, markerParam string) (p listParams, marker string, res storage.ListObjectsResult, err error) {
	if p, err = readListParams(rc.query, "max-keys"); err != nil {
		return
	}
	marker = rc.query.Get(markerParam)
	res, err = s.list(rc, &p, marker)
	return
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
	var cps []commonPrefix
	for _, cp := range res.CommonPrefixes {
		cps = append(cps, commonPrefix{p.enc(cp)})
	}
	return es, cps
}

func encodingType(p *listParams) string {
	if p.urlEncode {
		return "url"
	}
	return ""
}

func (s *Server) listObjectsV1(rc *request, st *bucketState) error {
	p, marker, res, err := s.listAfterMarker(rc, "marker")
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
	Versions            []versionEntry `xml:"Version"`
	CommonPrefixes      []commonPrefix `xml:"CommonPrefixes"`
}

type versionEntry struct {
	Key          string `xml:"Key"`
	VersionID    string `xml:"VersionId"`
	IsLatest     bool   `xml:"IsLatest"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	Owner        *owner `xml:"Owner,omitempty"`
	StorageClass string `xml:"StorageClass"`
}

// listObjectVersions lists an unversioned bucket as S3 does: every object is its only,
// latest version, whose id is "null".
func (s *Server) listObjectVersions(rc *request, st *bucketState) error {
	p, keyMarker, res, err := s.listAfterMarker(rc, "key-marker")
	if err != nil {
		return err
	}
	out := listVersionsResult{Name: rc.bucket, Prefix: p.enc(p.prefix), KeyMarker: p.enc(keyMarker),
		VersionIDMarker: rc.query.Get("version-id-marker"), MaxKeys: p.maxKeys, Delimiter: p.enc(p.delimiter),
		IsTruncated: res.IsTruncated, EncodingType: encodingType(&p)}
	if res.IsTruncated {
		out.NextKeyMarker, out.NextVersionIDMarker = p.enc(res.NextMarker), "null"
	}
	entries, cps := s.entries(&p, &res, st, true)
	for _, en := range entries {
		out.Versions = append(out.Versions, versionEntry{Key: en.Key, VersionID: "null", IsLatest: true,
			LastModified: en.LastModified, ETag: en.ETag, Size: en.Size, Owner: en.Owner, StorageClass: en.StorageClass})
	}
	out.CommonPrefixes = cps
	return rc.writeXML(http.StatusOK, out)
}
