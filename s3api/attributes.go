package s3api

import (
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/doorman-s3/doorman/s3api/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

// An object's attributes and parts: GetObjectAttributes
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html) and the
// partNumber parameter of GetObject and HeadObject
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_RequestSyntax).
// The backend records where each part of a multipart object lies (storage.ObjectPart). Where
// the pages are silent, the answers follow LocalStack's snapshots of AWS's
// (https://github.com/localstack/localstack, tests/aws/services/s3/test_s3.snapshot.json:
// test_get_object_part, test_get_object_part_checksum, test_get_object_attributes,
// test_get_object_attributes_versioned), cited below as "the snapshots".

// errPartNotSatisfiable is the answer to a partNumber above the object's part count: 416, as
// the snapshot test_get_object_part records (a non-multipart object has one part, itself).
var errPartNotSatisfiable = &s3err.Error{Status: http.StatusRequestedRangeNotSatisfiable, Code: "InvalidPartNumber",
	Message: "The requested partnumber is not satisfiable"}

// errPartsNotRecorded answers a partNumber read of a multipart object stored before its
// backend recorded where its parts lie (storage.ErrPartsNotRecorded). S3 has no such object, so
// this answer is doorman's own: 501, as for any feature doorman cannot serve, with a message
// that says what to do instead.
var errPartsNotRecorded = s3err.NotImplemented.Withf("The part bounds of this object were not recorded when it was uploaded: read it without partNumber, with a Range if need be, or upload it again.")

// readPart reads the partNumber parameter of a GetObject or HeadObject: 0 without one. A part
// is read whole, so a Range with it is refused (the snapshot test_get_object_part). A number
// outside 1..10000 is refused as UploadPart refuses it. [UNVERIFIED]
func (rc *request) readPart() (int, error) {
	if !rc.query.Has("partNumber") {
		return 0, nil
	}
	if rc.r.Header.Get("Range") != "" {
		return 0, s3err.InvalidRequest.Withf("Cannot specify both Range header and partNumber query parameter")
	}
	return rc.partNumber()
}

// partError answers a read of part n that the backend refused with err, once the caller is
// known to be allowed to read the object opts names: a part above the count names the count
// (ActualPartCount, the snapshot test_get_object_part), which only a reader may learn. It
// returns nil when err is no error of the part.
func (s *Server) partError(rc *request, st *bucketState, opts storage.ReadOptions, err error) error {
	notRecorded := errors.Is(err, storage.ErrPartsNotRecorded)
	if !notRecorded && !errors.Is(err, storage.ErrInvalidPartNumber) {
		return nil
	}
	n := opts.PartNumber
	opts.PartNumber = 0
	info, herr := s.cfg.Backend.HeadObject(rc.ctx, rc.bucket, rc.key, opts)
	if herr != nil {
		// The object went between the two reads: answered as a missing one.
		return rc.readError(st, herr)
	}
	if err := rc.authorizeObject(accessObjectRead, st, &info); err != nil {
		return err
	}
	if notRecorded {
		return errPartsNotRecorded
	}
	return errPartNotSatisfiable.With("PartNumberRequested", strconv.Itoa(n)).
		With("ActualPartCount", strconv.Itoa(max(info.PartsCount, 1)))
}

// writePartHeaders sets what the answer of a partNumber read says besides the part's bytes:
// x-amz-mp-parts-count for a multipart object (none for another, the snapshot
// test_get_object_part), and, with x-amz-checksum-mode ENABLED, the part's checksum: its own in
// an object whose checksum is COMPOSITE, the object's when the part is the whole object, none
// otherwise (the snapshots test_get_object_part and test_get_object_part_checksum).
func writePartHeaders(h http.Header, r *http.Request, info *storage.ObjectInfo) {
	if info.PartsCount > 0 {
		h["X-Amz-Mp-Parts-Count"] = []string{strconv.Itoa(info.PartsCount)}
	}
	if !strings.EqualFold(r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") {
		return
	}
	p := info.Part
	switch {
	case p.Checksum != "":
		writeChecksumHeader(h, storage.Checksum{Algorithm: info.Checksum.Algorithm, Value: p.Checksum, Type: storage.ChecksumComposite})
	case p.Offset == 0 && p.Size == info.Size:
		writeChecksumHeader(h, info.Checksum)
	}
}

// The attributes x-amz-object-attributes may name.
const (
	attrETag         = "ETag"
	attrChecksum     = "Checksum"
	attrObjectParts  = "ObjectParts"
	attrStorageClass = "StorageClass"
	attrObjectSize   = "ObjectSize"
)

var objectAttributeNames = map[string]bool{attrETag: true, attrChecksum: true, attrObjectParts: true, attrStorageClass: true, attrObjectSize: true}

// parseObjectAttributes reads x-amz-object-attributes: attribute names separated by commas,
// with or without spaces (SDKs send both: LocalStack's test_get_object_attributes_with_space),
// on one line or several. The answers to a header that is missing or names nothing, and to a
// name S3 does not know, are S3's as the versitygw maintainers recorded them
// (github.com/versity/versitygw/issues/915 and /issues/1000).
func parseObjectAttributes(lines []string) (map[string]bool, error) {
	attrs := map[string]bool{}
	for _, line := range lines {
		for _, name := range strings.Split(line, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			if !objectAttributeNames[name] {
				return nil, s3err.InvalidArgument.Withf("Invalid attribute name specified.").
					With("ArgumentName", "x-amz-object-attributes").With("ArgumentValue", s3err.Echo(name))
			}
			attrs[name] = true
		}
	}
	if len(attrs) == 0 {
		return nil, s3err.InvalidRequest.Withf("The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty")
	}
	return attrs, nil
}

// headerInt reads a numeric header of GetObjectAttributes; a missing or invalid value is def,
// as S3 ignores an invalid x-amz-max-parts (github.com/versity/versitygw/issues/1806; assumed
// alike for x-amz-part-number-marker [UNVERIFIED]).
func headerInt(h http.Header, name string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get(name)))
	if err != nil || n < 0 {
		return def
	}
	return n
}

type objectAttributesResult struct {
	XMLName      xml.Name               `xml:"http://s3.amazonaws.com/doc/2006-03-01/ GetObjectAttributesResponse"`
	ETag         string                 `xml:"ETag,omitempty"`
	Checksum     *checksumElement       `xml:"Checksum"`
	ObjectParts  *objectAttributesParts `xml:"ObjectParts"`
	StorageClass string                 `xml:"StorageClass,omitempty"`
	ObjectSize   *int64                 `xml:"ObjectSize"`
}

// objectAttributesParts is the ObjectParts element; its count is PartsCount in the XML
// (the SDKs' TotalPartsCount).
type objectAttributesParts struct {
	PartsCount           int                    `xml:"PartsCount"`
	PartNumberMarker     *int                   `xml:"PartNumberMarker"`
	NextPartNumberMarker *int                   `xml:"NextPartNumberMarker"`
	MaxParts             *int                   `xml:"MaxParts"`
	IsTruncated          *bool                  `xml:"IsTruncated"`
	Parts                []objectAttributesPart `xml:"Part"`
}

type objectAttributesPart struct {
	PartNumber int   `xml:"PartNumber"`
	Size       int64 `xml:"Size"`
	checksumElement
}

// getObjectAttributes answers GetObjectAttributes: the attributes x-amz-object-attributes
// names, of the version versionId names or the latest, with Last-Modified and, in a bucket
// whose versioning was ever set, x-amz-version-id. It needs both s3:GetObject and
// s3:GetObjectAttributes, or, for a version named by id, s3:GetObjectVersion and
// s3:GetObjectVersionAttributes (the page above: "you need both ... permissions"), and READ
// on the object where ACLs decide. A missing key or version is revealed only to a caller that
// may list the bucket, as for GetObject.
//
// ObjectParts lists a multipart object's count alone, unless its checksum is COMPOSITE: S3
// lists the parts, with their sizes and checksums and paged by x-amz-max-parts and
// x-amz-part-number-marker, only of an object with part checksums
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributesParts.html: "if an
// additional checksum ... isn't applied to the object ..., the response doesn't return the
// Part element"; the snapshot test_get_object_attributes shows the count alone, without
// MaxParts or IsTruncated). An object whose part bounds were not recorded
// (storage.ErrPartsNotRecorded) has its count alone too. A non-multipart object has no
// ObjectParts.
func (s *Server) getObjectAttributes(rc *request, st *bucketState) error {
	attrs, err := parseObjectAttributes(rc.r.Header.Values("X-Amz-Object-Attributes"))
	if err != nil {
		return err
	}
	ck, err := rc.readCustomerKey()
	if err != nil {
		return err
	}
	opts := storage.ReadOptions{VersionID: rc.version, CustomerKey: ck.bytes()}
	info, err := s.cfg.Backend.HeadObject(rc.ctx, rc.bucket, rc.key, opts)
	if kerr := s.readKeyError(rc, st, rc.bucket, rc.key, rc.version, err); kerr != nil {
		return kerr
	}
	if err != nil {
		return rc.readError(st, err)
	}
	if err := rc.authorizeObject(accessObjectRead, st, &info); err != nil {
		return err
	}
	if err := rc.authorizeObject(accessObjectAttributes, st, &info); err != nil {
		return err
	}
	out := objectAttributesResult{}
	if attrs[attrETag] {
		out.ETag = info.ETag
	}
	if attrs[attrChecksum] && info.Checksum.Value != "" {
		c := newChecksumElement(info.Checksum.Algorithm, info.Checksum.Value, info.Checksum.Type)
		out.Checksum = &c
	}
	if attrs[attrObjectParts] && info.PartsCount > 0 {
		if out.ObjectParts, err = s.objectParts(rc, &info, opts.CustomerKey); err != nil {
			return err
		}
	}
	if attrs[attrStorageClass] {
		out.StorageClass = orDefaultStorageClass(info.StorageClass)
	}
	if attrs[attrObjectSize] {
		out.ObjectSize = &info.Size
	}
	h := rc.w.Header()
	h["Last-Modified"] = []string{info.LastModified.UTC().Format(http.TimeFormat)}
	writeVersionHeader(h, st, info.VersionID)
	return rc.writeXML(http.StatusOK, out)
}

// objectParts is the ObjectParts element of the multipart object info, whose parts are read
// with customerKey, the SSE-C key the request gave (an SSE-C object's parts are read with its
// key, as every other read of it).
func (s *Server) objectParts(rc *request, info *storage.ObjectInfo, customerKey []byte) (*objectAttributesParts, error) {
	out := &objectAttributesParts{PartsCount: info.PartsCount}
	if info.Checksum.Type != storage.ChecksumComposite {
		return out, nil
	}
	h := rc.r.Header
	// No part is numbered above storage.MaxPartNumber: a marker past it lists nothing, and is
	// brought down to it so that no backend computes the part after a number near the
	// largest int, which overflows to a negative one and lists from the first part again.
	marker := min(headerInt(h, "X-Amz-Part-Number-Marker", 0), storage.MaxPartNumber)
	maxParts := min(headerInt(h, "X-Amz-Max-Parts", storage.MaxListKeys), storage.MaxListKeys)
	res, err := s.cfg.Backend.ListObjectParts(rc.ctx, rc.bucket, rc.key, storage.ListObjectPartsOptions{
		VersionID: info.VersionID, PartNumberMarker: marker, MaxParts: maxParts, CustomerKey: customerKey})
	switch {
	case errors.Is(err, storage.ErrPartsNotRecorded):
		return out, nil
	case err != nil:
		return nil, rc.objectError(err)
	case res.Object.Revision != info.Revision:
		// The key was written between the two reads, and the parts are another object's,
		// which the caller was not authorized for: a 500, which SDKs retry.
		return nil, s3err.InternalError.Withf("The object was replaced while its parts were read. Please try again.")
	}
	next := res.NextPartNumberMarker
	out.PartNumberMarker, out.MaxParts, out.IsTruncated = &marker, &maxParts, &res.IsTruncated
	if res.IsTruncated {
		out.NextPartNumberMarker = &next
	}
	for _, p := range res.Parts {
		out.Parts = append(out.Parts, objectAttributesPart{PartNumber: p.PartNumber, Size: p.Size,
			checksumElement: newChecksumElement(info.Checksum.Algorithm, p.Checksum, "")})
	}
	return out, nil
}
