package s3api_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"hash/crc32"
	"net/http"
	"strconv"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// The pages of GetObjectAttributes and partNumber reads, and LocalStack's snapshots of AWS's
// answers where they are silent.
const (
	pageAttributes      = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html"
	pageAttributesParts = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributesParts.html"
	snapshotGetPart     = "localstack tests/aws/services/s3/test_s3.snapshot.json test_get_object_part"
	snapshotAttributes  = "localstack tests/aws/services/s3/test_s3.snapshot.json test_get_object_attributes"
	recordAttributes    = "github.com/versity/versitygw/issues/915 and /issues/1000"
	xmlnsS3             = `xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`
)

func crc32Of(b []byte) string {
	return base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(b)))
}

// compositeCRC32 is the COMPOSITE CRC32 checksum of an object made of parts: the CRC32 of
// their CRC32s, "-N".
func compositeCRC32(parts ...[]byte) string {
	var sums []byte
	for _, p := range parts {
		sums = binary.BigEndian.AppendUint32(sums, crc32.ChecksumIEEE(p))
	}
	return crc32Of(sums) + "-" + strconv.Itoa(len(parts))
}

// putMultipart makes key in bucket from parts, with CRC32 part checksums when sums is set.
func putMultipart(t *testing.T, c *s3test.Client, bucket, key string, sums bool, parts ...[]byte) {
	t.Helper()
	h := http.Header{}
	if sums {
		h.Set("X-Amz-Checksum-Algorithm", "CRC32")
	}
	var up struct {
		UploadID string `xml:"UploadId"`
	}
	if err := xml.Unmarshal(c.Must(t, 200, s3test.Request{Method: "POST", Path: "/" + bucket + "/" + key + "?uploads", Header: h, As: s3test.Owner}), &up); err != nil {
		t.Fatal(err)
	}
	path := "/" + bucket + "/" + key + "?uploadId=" + up.UploadID
	doc := "<CompleteMultipartUpload>"
	for i, p := range parts {
		n := strconv.Itoa(i + 1)
		ph, sum := http.Header{}, ""
		if sums {
			ph.Set("X-Amz-Checksum-Crc32", crc32Of(p))
			sum = "<ChecksumCRC32>" + crc32Of(p) + "</ChecksumCRC32>"
		}
		c.Must(t, 200, s3test.Request{Method: "PUT", Path: path + "&partNumber=" + n, Header: ph, Body: p, As: s3test.Owner})
		doc += "<Part><PartNumber>" + n + "</PartNumber><ETag>" + etagOf(string(p)) + "</ETag>" + sum + "</Part>"
	}
	res := c.Must(t, 200, s3test.Request{Method: "POST", Path: path, Body: []byte(doc + "</CompleteMultipartUpload>"), As: s3test.Owner})
	if want := "-" + strconv.Itoa(len(parts)) + `&#34;</ETag><ChecksumCRC32>` + compositeCRC32(parts...) + "</ChecksumCRC32><ChecksumType>COMPOSITE</ChecksumType></CompleteMultipartUploadResult>"; sums && !bytes.Contains(res, []byte(want)) {
		t.Errorf("CompleteMultipartUpload (%s): %s, want the object's checksum in its element: %s", pageCompleteUpload, res, want)
	}
}

// GET and HEAD with partNumber: the part's bytes as a 206 range, x-amz-mp-parts-count, the
// part's checksum, and S3's answers to a part above the count, a Range with it and a number
// out of 1..10000; a non-multipart object is its own part 1.
func TestPartNumberReads(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	c := srv.Client
	c.Must(t, 200, s3test.Request{Method: "PUT", Path: "/parts", As: s3test.Owner})
	p1 := bytes.Repeat([]byte("a"), 5<<20)
	p2 := []byte("the second part")
	putMultipart(t, c, "parts", "mp", true, p1, p2)
	single := []byte("hello")
	c.Must(t, 200, s3test.Request{Method: "PUT", Path: "/parts/single", Body: single, As: s3test.Owner,
		Header: hdr("X-Amz-Checksum-Crc32", crc32Of(single))})
	total := len(p1) + len(p2)
	second := map[string]string{"Content-Range": "bytes " + strconv.Itoa(len(p1)) + "-" + strconv.Itoa(total-1) + "/" + strconv.Itoa(total),
		"Content-Length": strconv.Itoa(len(p2)), "X-Amz-Mp-Parts-Count": "2"}
	first := map[string]string{"Content-Range": "bytes 0-" + strconv.Itoa(len(p1)-1) + "/" + strconv.Itoa(total),
		"Content-Length": strconv.Itoa(len(p1)), "X-Amz-Mp-Parts-Count": "2", "X-Amz-Checksum-Crc32": ""}
	notSatisfiable := func(n, count string) []string {
		return []string{"<PartNumberRequested>" + n + "</PartNumberRequested><ActualPartCount>" + count + "</ActualPartCount>"}
	}
	badNumber := func(v string) []string {
		return []string{"<Message>Part number must be an integer between 1 and 10000, inclusive</Message><ArgumentName>partNumber</ArgumentName><ArgumentValue>" + v + "</ArgumentValue>"}
	}
	runVersionSteps(t, c, []vstep{
		{page: snapshotGetPart, method: "GET", path: "/parts/mp?partNumber=2", status: 206, want: []string{string(p2)}, respHeaders: second},
		{page: snapshotGetPart, method: "HEAD", path: "/parts/mp?partNumber=2", status: 206, respHeaders: second},
		{page: snapshotGetPart, method: "HEAD", path: "/parts/mp?partNumber=1", status: 206, respHeaders: first},
		{page: snapshotGetPart, method: "GET", path: "/parts/mp?partNumber=2", header: hdr("X-Amz-Checksum-Mode", "ENABLED"), status: 206,
			respHeaders: map[string]string{"X-Amz-Checksum-Crc32": crc32Of(p2), "X-Amz-Checksum-Type": "COMPOSITE"}},
		{page: snapshotGetPart, method: "GET", path: "/parts/mp?partNumber=3", status: 416, code: "InvalidPartNumber",
			want: append([]string{"<Message>The requested partnumber is not satisfiable</Message>"}, notSatisfiable("3", "2")...)},
		{page: snapshotGetPart, method: "HEAD", path: "/parts/mp?partNumber=3", status: 416},
		{page: snapshotGetPart, method: "GET", path: "/parts/mp?partNumber=1", header: hdr("Range", "bytes=0-8"), status: 400, code: "InvalidRequest",
			want: []string{"<Message>Cannot specify both Range header and partNumber query parameter</Message>"}},
		{page: pageGetObject, method: "GET", path: "/parts/mp?partNumber=0", status: 400, code: "InvalidArgument", want: badNumber("0")},
		{page: pageGetObject, method: "GET", path: "/parts/mp?partNumber=10001", status: 400, code: "InvalidArgument", want: badNumber("10001")},
		{page: pageGetObject, method: "GET", path: "/parts/mp?partNumber=one", status: 400, code: "InvalidArgument", want: badNumber("one")},
		// Read conditions apply as on a plain GET.
		{page: pageGetObject, method: "GET", path: "/parts/mp?partNumber=2", header: hdr("If-Match", etagOf("other")), status: 412, code: "PreconditionFailed"},
		{page: pageGetObject, method: "GET", path: "/parts/mp?partNumber=2", header: hdr("If-None-Match", "*"), status: 304},
		// A single-part object is its own part 1, sent as a range with its checksum.
		{page: snapshotGetPart, method: "GET", path: "/parts/single?partNumber=1", header: hdr("X-Amz-Checksum-Mode", "ENABLED"), status: 206, want: []string{"hello"},
			respHeaders: map[string]string{"Content-Range": "bytes 0-4/5", "X-Amz-Mp-Parts-Count": "", "X-Amz-Checksum-Crc32": crc32Of(single)}},
		{page: snapshotGetPart, method: "GET", path: "/parts/single?partNumber=2", status: 416, code: "InvalidPartNumber", want: notSatisfiable("2", "1")},
		// An empty object's part 1 is empty: no range names it.
		{page: pagePutObject, method: "PUT", path: "/parts/empty", status: 200},
		{page: pageGetObject, method: "GET", path: "/parts/empty?partNumber=1", status: 200, respHeaders: map[string]string{"Content-Length": "0", "Content-Range": ""}},
		// Who may not read the object learns nothing of its parts, nor whether a key exists.
		{page: pageGetObject, as: s3test.Other, method: "GET", path: "/parts/mp?partNumber=3", status: 403, code: "AccessDenied"},
		{page: pageGetObject, as: s3test.Other, method: "GET", path: "/parts/absent?partNumber=1", status: 403, code: "AccessDenied"},
		{page: pageGetObject, method: "GET", path: "/parts/absent?partNumber=1", status: 404, code: "NoSuchKey"},
	})
}

// GetObjectAttributes: the attributes x-amz-object-attributes names and no others, the parts
// of an object with part checksums paged by x-amz-max-parts and x-amz-part-number-marker, the
// count alone for another multipart object, versions, delete markers and S3's answers to the
// header missing or naming an unknown attribute.
func TestGetObjectAttributes(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	c := srv.Client
	c.Must(t, 200, s3test.Request{Method: "PUT", Path: "/attrs", As: s3test.Owner})
	single := []byte("hello")
	c.Must(t, 200, s3test.Request{Method: "PUT", Path: "/attrs/single", Body: single, As: s3test.Owner,
		Header: hdr("X-Amz-Checksum-Crc32", crc32Of(single), "X-Amz-Storage-Class", "STANDARD_IA")})
	p1, p2 := bytes.Repeat([]byte("a"), 5<<20), []byte("the second part")
	putMultipart(t, c, "attrs", "sums", true, p1, p2)
	putMultipart(t, c, "attrs", "plain", false, p1, p2)
	all := hdr("X-Amz-Object-Attributes", "ETag, Checksum,ObjectParts, StorageClass,ObjectSize")
	with := func(kv ...string) http.Header {
		h := all.Clone()
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	part := func(n, size int, p []byte) string {
		return "<Part><PartNumber>" + strconv.Itoa(n) + "</PartNumber><Size>" + strconv.Itoa(size) + "</Size><ChecksumCRC32>" + crc32Of(p) + "</ChecksumCRC32></Part>"
	}
	size := strconv.Itoa(len(p1) + len(p2))
	runVersionSteps(t, c, []vstep{
		{page: pageAttributes, method: "GET", path: "/attrs/single?attributes", header: all, status: 200,
			want: []string{`<GetObjectAttributesResponse ` + xmlnsS3 + `><ETag>` + etagOf("hello")[1:33] + `</ETag><Checksum><ChecksumCRC32>` + crc32Of(single) +
				`</ChecksumCRC32><ChecksumType>FULL_OBJECT</ChecksumType></Checksum><StorageClass>STANDARD_IA</StorageClass><ObjectSize>5</ObjectSize></GetObjectAttributesResponse>`},
			respHeaders: map[string]string{"Last-Modified": "?", "X-Amz-Version-Id": ""}},
		{page: pageAttributes, method: "GET", path: "/attrs/single?attributes", header: hdr("X-Amz-Object-Attributes", "ObjectSize"), status: 200,
			want: []string{`<GetObjectAttributesResponse ` + xmlnsS3 + `><ObjectSize>5</ObjectSize></GetObjectAttributesResponse>`}},
		// Parts with their checksums, paged.
		{page: pageAttributesParts, method: "GET", path: "/attrs/sums?attributes", header: hdr("X-Amz-Object-Attributes", "ObjectParts,Checksum"), status: 200,
			want: []string{`<Checksum><ChecksumCRC32>` + compositeCRC32(p1, p2) + `</ChecksumCRC32><ChecksumType>COMPOSITE</ChecksumType></Checksum>` +
				`<ObjectParts><PartsCount>2</PartsCount><PartNumberMarker>0</PartNumberMarker><MaxParts>1000</MaxParts><IsTruncated>false</IsTruncated>` +
				part(1, len(p1), p1) + part(2, len(p2), p2) + `</ObjectParts></GetObjectAttributesResponse>`}},
		{page: pageAttributesParts, method: "GET", path: "/attrs/sums?attributes", header: with("X-Amz-Max-Parts", "1"), status: 200,
			want: []string{`<ObjectParts><PartsCount>2</PartsCount><PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>1</NextPartNumberMarker><MaxParts>1</MaxParts><IsTruncated>true</IsTruncated>` +
				part(1, len(p1), p1) + `</ObjectParts><StorageClass>STANDARD</StorageClass><ObjectSize>` + size + `</ObjectSize>`}},
		{page: pageAttributesParts, method: "GET", path: "/attrs/sums?attributes", header: with("X-Amz-Max-Parts", "1", "X-Amz-Part-Number-Marker", "1"), status: 200,
			want: []string{`<ObjectParts><PartsCount>2</PartsCount><PartNumberMarker>1</PartNumberMarker><MaxParts>1</MaxParts><IsTruncated>false</IsTruncated>` +
				part(2, len(p2), p2) + `</ObjectParts>`}},
		{page: "github.com/versity/versitygw/issues/1806", method: "GET", path: "/attrs/sums?attributes", header: with("X-Amz-Max-Parts", "many"), status: 200,
			want: []string{`<MaxParts>1000</MaxParts>`}},
		// A marker past the last part number S3 allows lists nothing, whatever its size.
		{page: pageAttributesParts, method: "GET", path: "/attrs/sums?attributes", header: with("X-Amz-Part-Number-Marker", "9223372036854775807"), status: 200,
			want: []string{`<ObjectParts><PartsCount>2</PartsCount><PartNumberMarker>10000</PartNumberMarker><MaxParts>1000</MaxParts><IsTruncated>false</IsTruncated></ObjectParts>`}},
		// Without part checksums, the count alone.
		{page: snapshotAttributes, method: "GET", path: "/attrs/plain?attributes", header: with("X-Amz-Max-Parts", "3"), status: 200,
			want: []string{`<ETag>`, `-2</ETag><ObjectParts><PartsCount>2</PartsCount></ObjectParts><StorageClass>STANDARD</StorageClass><ObjectSize>` + size + `</ObjectSize>`}},
		// The header missing, empty or naming an unknown attribute.
		{page: recordAttributes, method: "GET", path: "/attrs/single?attributes", status: 400, code: "InvalidRequest",
			want: []string{"<Message>The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty</Message>"}},
		{page: recordAttributes, method: "GET", path: "/attrs/single?attributes", header: hdr("X-Amz-Object-Attributes", " , "), status: 400, code: "InvalidRequest"},
		{page: recordAttributes, method: "GET", path: "/attrs/single?attributes", header: hdr("X-Amz-Object-Attributes", "ETag,ETags"), status: 400, code: "InvalidArgument",
			want: []string{"<Message>Invalid attribute name specified.</Message><ArgumentName>x-amz-object-attributes</ArgumentName><ArgumentValue>ETags</ArgumentValue>"}},
		// A missing key; one only a lister may learn of.
		{page: pageAttributes, method: "GET", path: "/attrs/absent?attributes", header: all, status: 404, code: "NoSuchKey", want: []string{"<Key>absent</Key>"}},
		{page: pageAttributes, as: s3test.Other, method: "GET", path: "/attrs/absent?attributes", header: all, status: 403, code: "AccessDenied"},
		{page: pageAttributes, as: s3test.Other, method: "GET", path: "/attrs/single?attributes", header: all, status: 403, code: "AccessDenied"},
		// SSE-C over plain HTTP is refused (encryption_test.go tests SSE-C reads).
		{page: pageAttributes, method: "GET", path: "/attrs/single?attributes", header: with("X-Amz-Server-Side-Encryption-Customer-Algorithm", "AES256"), status: 400, code: "InvalidRequest"},
	})
}

// GetObjectAttributes in a versioned bucket: the version's id, a version named by id, a delete
// marker as the latest version.
func TestGetObjectAttributesVersions(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	attrs := hdr("X-Amz-Object-Attributes", "ETag,ObjectSize")
	runVersionSteps(t, srv.Client, []vstep{
		{page: pageCreate, method: "PUT", path: "/vattrs", status: 200},
		{page: pagePutVersioning, method: "PUT", path: "/vattrs?versioning", body: versioningDoc("Enabled"), status: 200},
		{page: pagePutObject, method: "PUT", path: "/vattrs/k", body: "one", status: 200, save: vid("v1")},
		{page: pagePutObject, method: "PUT", path: "/vattrs/k", body: "three", status: 200, save: vid("v2")},
		{page: snapshotAttributes, method: "GET", path: "/vattrs/k?attributes", header: attrs, status: 200, want: []string{"<ObjectSize>5</ObjectSize>"}, respHeaders: vid("{v2}")},
		{page: snapshotAttributes, method: "GET", path: "/vattrs/k?attributes&versionId={v1}", header: attrs, status: 200, want: []string{"<ObjectSize>3</ObjectSize>"}, respHeaders: vid("{v1}")},
		{page: pageDeleteMarker, method: "DELETE", path: "/vattrs/k", status: 204, save: vid("dm")},
		{page: snapshotAttributes, method: "GET", path: "/vattrs/k?attributes", header: attrs, status: 404, code: "NoSuchKey", want: []string{"<Key>k</Key>"},
			respHeaders: map[string]string{"X-Amz-Delete-Marker": "true", "X-Amz-Version-Id": "{dm}"}},
		{page: snapshotAttributes, method: "GET", path: "/vattrs/k?attributes&versionId={v1}", header: attrs, status: 200, want: []string{"<ObjectSize>3</ObjectSize>"}},
		{page: pageGetObject, method: "GET", path: "/vattrs/k?attributes&versionId=not-an-id", header: attrs, status: 400, code: "InvalidArgument"},
	})
}

// GetObjectAttributes needs s3:GetObject and s3:GetObjectAttributes, or for a version named by
// id s3:GetObjectVersion and s3:GetObjectVersionAttributes (pageAttributes: "you need both").
func TestGetObjectAttributesActions(t *testing.T) {
	t.Parallel()
	srv := startPolicyServer(t)
	newPolicyBucket(t, srv, s3test.Owner, "aacts")
	allow := func(actions string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + teamAccount + `:root"},"Action":[` + actions + `],"Resource":["arn:aws:s3:::aacts/*"]}]}`
	}
	attrs := hdr("X-Amz-Object-Attributes", "ObjectSize")
	for _, tc := range []struct {
		name, policy, path string
		status             int
	}{
		{"s3:GetObject alone", allow(`"s3:GetObject"`), "/aacts/k?attributes", 403},
		{"s3:GetObjectAttributes alone", allow(`"s3:GetObjectAttributes"`), "/aacts/k?attributes", 403},
		{"both", allow(`"s3:GetObject","s3:GetObjectAttributes"`), "/aacts/k?attributes", 200},
		{"both, of a version by id", allow(`"s3:GetObject","s3:GetObjectAttributes"`), "/aacts/k?attributes&versionId=null", 403},
		{"the version actions, of a version by id", allow(`"s3:GetObjectVersion","s3:GetObjectVersionAttributes"`), "/aacts/k?attributes&versionId=null", 200},
		{"s3:GetObjectVersionAttributes without s3:GetObjectVersion", allow(`"s3:GetObjectVersionAttributes"`), "/aacts/k?attributes&versionId=null", 403},
	} {
		putPolicy(t, srv.Client, s3test.Owner, "aacts", tc.policy)
		if res, body := srv.Do(t, s3test.Request{Method: "GET", Path: tc.path, Header: attrs, As: teamRoot}); res.StatusCode != tc.status {
			t.Errorf("%s (%s): %s: %d, want %d\n%s", tc.name, pageAttributes, tc.path, res.StatusCode, tc.status, body)
		}
	}
	// An ACL's READ grants it.
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/aacts/k?acl", As: s3test.Owner,
		Header: hdr("X-Amz-Grant-Read", `id="`+canonicalID(t, srv, s3test.Other)+`"`)})
	if res, body := srv.Do(t, s3test.Request{Method: "GET", Path: "/aacts/k?attributes", Header: attrs, As: s3test.Other}); res.StatusCode != 200 {
		t.Errorf("READ on the object grants GetObjectAttributes (%s): %d\n%s", pageAttributes, res.StatusCode, body)
	}
}

// GetObjectAttributes and partNumber reads carry the bucket's CORS headers like every other
// operation, on success and on error.
func TestAttributesCORS(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	c := srv.Client
	c.Must(t, 200, s3test.Request{Method: "PUT", Path: "/acors", As: s3test.Owner})
	doc := []byte(`<CORSConfiguration><CORSRule><AllowedOrigin>https://app.test</AllowedOrigin><AllowedMethod>GET</AllowedMethod><ExposeHeader>x-amz-mp-parts-count</ExposeHeader></CORSRule></CORSConfiguration>`)
	c.Must(t, 200, s3test.Request{Method: "PUT", Path: "/acors?cors", Body: doc, Header: hdr("Content-Md5", s3test.MD5Base64(doc)), As: s3test.Owner})
	c.Must(t, 200, s3test.Request{Method: "PUT", Path: "/acors/k", Body: []byte("body"), As: s3test.Owner})
	origin := func(kv ...string) http.Header { return hdr(append([]string{"Origin", "https://app.test"}, kv...)...) }
	allowed := map[string]string{"Access-Control-Allow-Origin": "https://app.test", "Access-Control-Expose-Headers": "x-amz-mp-parts-count"}
	runVersionSteps(t, c, []vstep{
		{page: pageAttributes, method: "GET", path: "/acors/k?attributes", header: origin("X-Amz-Object-Attributes", "ObjectSize"), status: 200, respHeaders: allowed},
		{page: pageAttributes, method: "GET", path: "/acors/k?attributes", header: origin(), status: 400, code: "InvalidRequest", respHeaders: allowed},
		{page: snapshotGetPart, method: "GET", path: "/acors/k?partNumber=1", header: origin(), status: 206, respHeaders: allowed},
		{page: snapshotGetPart, method: "GET", path: "/acors/k?partNumber=2", header: origin(), status: 416, code: "InvalidPartNumber", respHeaders: allowed},
	})
}
