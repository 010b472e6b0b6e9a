package s3api_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// The AWS pages the versioning rows follow, and LocalStack's snapshots of AWS's answers where
// the pages are silent (the test and the snapshot's key in its name).
const (
	pageVersioning     = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html"
	pagePutVersioning  = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html"
	pageGetVersioning  = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketVersioning.html"
	pageDeleteMarker   = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeleteMarker.html"
	pageDeleteObjects  = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html"
	pageListVersions   = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html"
	pageSuspended      = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/AddingObjectstoVersionSuspendedBuckets.html"
	pageMFADelete      = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/MultiFactorAuthenticationDelete.html"
	pagePolicyActions  = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html"
	snapshotVersioning = "localstack tests/aws/services/s3/test_s3_api.snapshot.json test_bucket_versioning_crud"
	snapshotDelete     = "localstack tests/aws/services/s3/test_s3_api.snapshot.json test_delete_object_versioned"
	snapshotDeletes    = "localstack tests/aws/services/s3/test_s3_api.snapshot.json test_delete_objects_versioned"
	snapshotUnversion  = "localstack tests/aws/services/s3/test_s3_api.snapshot.json test_get_object_with_version_unversioned_bucket"
	snapshotTagging    = "localstack tests/aws/services/s3/test_s3_api.snapshot.json test_object_tagging_versioned"
	snapshotSuspended  = "localstack tests/aws/services/s3/test_s3_api.snapshot.json test_delete_object_on_suspended_bucket"
	snapshotListMarker = "localstack tests/aws/services/s3/test_s3_list_operations.snapshot.json list-objects-next-version-only"
)

// A vstep is a request and what its answer must be, in a scenario whose answers name version
// ids it cannot know beforehand: "{name}" in the path, a header value, the body or an expected
// value stands for the value a previous step saved under name.
type vstep struct {
	page         string
	as           s3test.Account // Owner when empty
	method, path string
	header       http.Header
	body         string
	status       int
	code         string   // the error code, for an error
	want         []string // fragments the body must hold, in this order
	// respHeaders are headers the answer must carry with these values ("": absent; "?": any
	// value but none and "null").
	respHeaders map[string]string
	// save records the answer's headers under names, for later steps.
	save map[string]string
}

const anyVersionID = "?"

// runVersionSteps runs steps in order, saving and substituting the values they name.
func runVersionSteps(t *testing.T, c *s3test.Client, steps []vstep) {
	t.Helper()
	vars := map[string]string{}
	sub := func(s string) string {
		for k, v := range vars {
			s = strings.ReplaceAll(s, "{"+k+"}", v)
		}
		return s
	}
	for i, s := range steps {
		as := s.as
		if as.Name == "" {
			as = s3test.Owner
		}
		h := http.Header{}
		for k, vs := range s.header {
			for _, v := range vs {
				h.Add(k, sub(v))
			}
		}
		body := sub(s.body)
		if body != "" && s.method != "GET" && h.Get("Content-Md5") == "" && strings.Contains(s.path, "?") && !strings.Contains(s.path, "uploadId") {
			h.Set("Content-Md5", s3test.MD5Base64([]byte(body)))
		}
		path := sub(s.path)
		res, got := c.Do(t, s3test.Request{Method: s.method, Path: path, Header: h, Body: []byte(body), As: as})
		what := s.method + " " + path + " as " + as.Name + " (" + s.page + ")"
		if s.code != "" {
			s3test.WantError(t, what, res, got, s.status, s.code, "")
		} else if res.StatusCode != s.status {
			t.Errorf("step %d: %s: status %d, want %d\n%s", i, what, res.StatusCode, s.status, got)
		}
		rest := string(got)
		for _, w := range s.want {
			w = sub(w)
			j := strings.Index(rest, w)
			if j < 0 {
				t.Errorf("step %d: %s: body lacks %q (in this order):\n%s", i, what, w, got)
				break
			}
			rest = rest[j+len(w):]
		}
		for name, want := range s.respHeaders {
			v, ok := res.Header[http.CanonicalHeaderKey(name)]
			switch want = sub(want); {
			case want == anyVersionID:
				if !ok || v[0] == "" || v[0] == "null" {
					t.Errorf("step %d: %s: %s %q, want a version id", i, what, name, v)
				}
			case want == "":
				if ok {
					t.Errorf("step %d: %s: %s %q, want none", i, what, name, v)
				}
			case !ok || v[0] != want:
				t.Errorf("step %d: %s: %s %q, want %q", i, what, name, v, want)
			}
		}
		for name, as := range s.save {
			vars[as] = res.Header.Get(name)
		}
	}
}

func versioningDoc(status string) string {
	return `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>` + status + `</Status></VersioningConfiguration>`
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func vid(name string) map[string]string { return map[string]string{"X-Amz-Version-Id": name} }

// PutBucketVersioning and GetBucketVersioning: an empty configuration before versioning is
// set, its Status after; S3's answers to a document it refuses; MFA delete, which needs an
// MFA device doorman does not have; the bucket owner alone.
func TestBucketVersioningConfiguration(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	const empty = `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></VersioningConfiguration>`
	mfa := func(status, mfa string) string {
		return `<VersioningConfiguration><Status>` + status + `</Status><MfaDelete>` + mfa + `</MfaDelete></VersioningConfiguration>`
	}
	runVersionSteps(t, srv.Client, []vstep{
		{page: pageCreate, method: "PUT", path: "/cfg", status: 200},
		{page: pageGetVersioning, method: "GET", path: "/cfg?versioning", status: 200, want: []string{empty}},
		{page: snapshotVersioning, method: "PUT", path: "/cfg?versioning", body: versioningDoc("Suspended"), status: 200},
		{page: pageGetVersioning, method: "GET", path: "/cfg?versioning", status: 200,
			want: []string{`<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Suspended</Status></VersioningConfiguration>`}},
		{page: snapshotVersioning, method: "PUT", path: "/cfg?versioning", body: versioningDoc("enabled"), status: 400, code: "MalformedXML"},
		{page: snapshotVersioning, method: "PUT", path: "/cfg?versioning", body: versioningDoc("Disabled"), status: 400, code: "MalformedXML"},
		{page: snapshotVersioning, method: "PUT", path: "/cfg?versioning", body: `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>`,
			status: 400, code: "IllegalVersioningConfigurationException", want: []string{"<Message>The Versioning element must be specified</Message>"}},
		{page: pagePutVersioning, method: "PUT", path: "/cfg?versioning", body: "not xml", status: 400, code: "MalformedXML"},
		{page: pagePutVersioning, method: "PUT", path: "/cfg?versioning", body: `<Other><Status>Enabled</Status></Other>`, status: 400, code: "MalformedXML"},
		{page: pagePutVersioning, method: "PUT", path: "/cfg?versioning", header: hdr("Content-Md5", s3test.MD5Base64([]byte("other"))),
			body: versioningDoc("Enabled"), status: 400, code: "BadDigest"},
		{page: pageMFADelete, method: "PUT", path: "/cfg?versioning", body: mfa("Enabled", "Enabled"), status: 403, code: "AccessDenied",
			want: []string{"<Message>Mfa Authentication must be used for this request</Message>"}},
		{page: pageMFADelete, method: "PUT", path: "/cfg?versioning", header: hdr("X-Amz-Mfa", "arn:aws:iam::123456789012:mfa/root 123456"),
			body: versioningDoc("Enabled"), status: 501, code: "NotImplemented", want: []string{"<Header>X-Amz-Mfa</Header>"}},
		{page: pagePutVersioning, method: "PUT", path: "/cfg?versioning", body: mfa("Enabled", "Sometimes"), status: 400, code: "MalformedXML"},
		{page: pagePutVersioning, as: s3test.Other, method: "PUT", path: "/cfg?versioning", body: versioningDoc("Enabled"), status: 403, code: "AccessDenied"},
		{page: pagePutVersioning, as: s3test.Other, method: "GET", path: "/cfg?versioning", status: 403, code: "AccessDenied"},
		{page: snapshotVersioning, method: "GET", path: "/cfg?versioning", status: 200, want: []string{"<Status>Suspended</Status>"}},
		{page: pagePutVersioning, method: "PUT", path: "/cfg?versioning", body: mfa("Enabled", "Disabled"), status: 200},
		{page: pageGetVersioning, method: "GET", path: "/cfg?versioning", status: 200,
			want: []string{`<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>`}},
		{page: snapshotVersioning, method: "PUT", path: "/absent?versioning", body: versioningDoc("Enabled"), status: 404, code: "NoSuchBucket"},
		{page: snapshotVersioning, method: "GET", path: "/absent?versioning", status: 404, code: "NoSuchBucket"},
	})
}

// A versioning-enabled bucket: every write a new version and its id, reads of a version by id,
// delete markers (404 with x-amz-delete-marker for the latest, 405 for one named), a version
// removed by id, copies of a version, tags of a version, and the version listing.
func TestVersionedObjects(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	marker := map[string]string{"X-Amz-Delete-Marker": "true", "X-Amz-Version-Id": "{dm}"}
	notMarker := map[string]string{"X-Amz-Delete-Marker": "", "X-Amz-Version-Id": ""}
	methodNotAllowed := func(method string) []string {
		return []string{"<Method>" + method + "</Method><ResourceType>DeleteMarker</ResourceType>"}
	}
	runVersionSteps(t, srv.Client, []vstep{
		{page: pageCreate, method: "PUT", path: "/ver", status: 200},
		{page: pagePutVersioning, method: "PUT", path: "/ver?versioning", body: versioningDoc("Enabled"), status: 200},
		{page: pagePutObject, method: "PUT", path: "/ver/k", body: "one", status: 200, respHeaders: vid(anyVersionID), save: vid("v1")},
		{page: pagePutObject, method: "PUT", path: "/ver/k", body: "two", status: 200, respHeaders: vid(anyVersionID), save: vid("v2")},
		{page: pageGetObject, method: "GET", path: "/ver/k", status: 200, want: []string{"two"}, respHeaders: vid("{v2}")},
		{page: pageGetObject, method: "GET", path: "/ver/k?versionId={v1}", status: 200, want: []string{"one"}, respHeaders: vid("{v1}")},
		{page: pageGetObject, method: "HEAD", path: "/ver/k?versionId={v1}", status: 200, respHeaders: vid("{v1}")},
		{page: snapshotDelete, method: "GET", path: "/ver/k?versionId=not-an-id", status: 400, code: "InvalidArgument",
			want: []string{"<Message>Invalid version id specified</Message><ArgumentName>versionId</ArgumentName><ArgumentValue>not-an-id</ArgumentValue>"}},
		{page: pageGetObject, method: "GET", path: "/ver/k?versionId=", status: 400, code: "InvalidArgument",
			want: []string{"<Message>Version id cannot be the empty string</Message><ArgumentName>versionId</ArgumentName>"}},

		// A simple DELETE adds a delete marker; the key then reads as missing.
		{page: pageDeleteMarker, method: "DELETE", path: "/ver/k", status: 204,
			respHeaders: map[string]string{"X-Amz-Delete-Marker": "true", "X-Amz-Version-Id": anyVersionID}, save: vid("dm")},
		{page: snapshotDelete, method: "GET", path: "/ver/k", status: 404, code: "NoSuchKey", want: []string{"<Key>k</Key>"}, respHeaders: marker},
		{page: pageGetObject, method: "HEAD", path: "/ver/k", status: 404, respHeaders: marker},
		{page: snapshotDelete, method: "GET", path: "/ver/k?versionId={dm}", status: 405, code: "MethodNotAllowed",
			want: methodNotAllowed("GET"), respHeaders: map[string]string{"Allow": "DELETE", "X-Amz-Delete-Marker": "true", "X-Amz-Version-Id": "{dm}"}},
		{page: pageGetObject, method: "HEAD", path: "/ver/k?versionId={dm}", status: 405,
			respHeaders: map[string]string{"Allow": "DELETE", "X-Amz-Delete-Marker": "true", "X-Amz-Version-Id": "{dm}"}},
		{page: snapshotTagging, method: "GET", path: "/ver/k?tagging", status: 405, code: "MethodNotAllowed", want: methodNotAllowed("GET")},
		{page: snapshotTagging, method: "PUT", path: "/ver/k?tagging", body: s3test.TaggingDocument("a", "b"), status: 405, code: "MethodNotAllowed", want: methodNotAllowed("PUT")},
		{page: snapshotTagging, method: "DELETE", path: "/ver/k?tagging&versionId={dm}", status: 405, code: "MethodNotAllowed", want: methodNotAllowed("DELETE")},
		{page: pageGetObject, method: "GET", path: "/ver/k?acl", status: 404, code: "NoSuchKey", respHeaders: marker},
		{page: pageGetObject, method: "GET", path: "/ver/k?acl&versionId={dm}", status: 405, code: "MethodNotAllowed", want: methodNotAllowed("GET")},
		{page: pageListVersions, method: "GET", path: "/ver?versions", status: 200, want: []string{
			"<DeleteMarker><Key>k</Key><VersionId>{dm}</VersionId><IsLatest>true</IsLatest><LastModified>",
			"</DeleteMarker><Version><Key>k</Key><VersionId>{v2}</VersionId><IsLatest>false</IsLatest>",
			"<Version><Key>k</Key><VersionId>{v1}</VersionId><IsLatest>false</IsLatest>"}},
		{page: pageListVersions, method: "GET", path: "/ver", status: 200, want: []string{"<IsTruncated>false</IsTruncated></ListBucketResult>"}},

		// Copies: of a version by id, of a key whose latest version is a delete marker, of a
		// delete marker by id.
		{page: pageCopyObject, method: "PUT", path: "/ver/c", header: hdr("X-Amz-Copy-Source", "ver/k?versionId={v1}"), status: 200,
			respHeaders: map[string]string{"X-Amz-Copy-Source-Version-Id": "{v1}", "X-Amz-Version-Id": anyVersionID}},
		{page: pageCopyObject, method: "GET", path: "/ver/c", status: 200, want: []string{"one"}},
		{page: pageCopyObject, method: "PUT", path: "/ver/c", header: hdr("X-Amz-Copy-Source", "ver/c"), status: 400, code: "InvalidRequest",
			want: []string{"copy an object to itself"}},
		{page: pageCopyObject, method: "PUT", path: "/ver/k", header: hdr("X-Amz-Copy-Source", "ver/k?versionId={v1}"), status: 200,
			respHeaders: map[string]string{"X-Amz-Copy-Source-Version-Id": "{v1}", "X-Amz-Version-Id": anyVersionID}, save: vid("v3")},
		{page: pageCopyObject, method: "GET", path: "/ver/k", status: 200, want: []string{"one"}, respHeaders: vid("{v3}")},
		{page: pageCopyObject, method: "DELETE", path: "/ver/k?versionId={v3}", status: 204},
		{page: pageCopyObject, method: "PUT", path: "/ver/c", header: hdr("X-Amz-Copy-Source", "ver/k"), status: 404, code: "NoSuchKey", respHeaders: marker},
		{page: pageCopyObject, method: "PUT", path: "/ver/c", header: hdr("X-Amz-Copy-Source", "/ver/k?versionId={dm}"), status: 400, code: "InvalidRequest",
			want: []string{"<Message>The source of a copy request may not specifically refer to a delete marker by version id.</Message>"}, respHeaders: notMarker},
		{page: pageCopyObject, method: "PUT", path: "/ver/c", header: hdr("X-Amz-Copy-Source", "ver/k?versionId="), status: 400, code: "InvalidArgument",
			want: []string{"<Message>Version id cannot be the empty string</Message><ArgumentName>x-amz-copy-source</ArgumentName>"}},
		{page: pageCopyObject, method: "PUT", path: "/ver/c", header: hdr("X-Amz-Copy-Source", "ver/k?versionId=not-an-id"), status: 400, code: "InvalidRequest"},

		// Tags of a version named by id.
		{page: snapshotTagging, method: "PUT", path: "/ver/k?tagging&versionId={v1}", body: s3test.TaggingDocument("old", "yes"), status: 200, respHeaders: vid("{v1}")},
		{page: snapshotTagging, method: "GET", path: "/ver/k?tagging&versionId={v1}", status: 200,
			want: []string{"<Tag><Key>old</Key><Value>yes</Value></Tag>"}, respHeaders: vid("{v1}")},
		{page: snapshotTagging, method: "GET", path: "/ver/k?tagging&versionId={v2}", status: 200, want: []string{emptyTagSet}, respHeaders: vid("{v2}")},
		{page: snapshotTagging, method: "DELETE", path: "/ver/k?tagging&versionId={v2}", status: 204, respHeaders: vid("{v2}")},
		{page: pageGetObject, method: "GET", path: "/ver/k?acl&versionId={v1}", status: 200, want: []string{"<AccessControlPolicy"}, respHeaders: vid("{v1}")},

		// Removing the delete marker by id restores the key; removing a version by id makes
		// the one before it the latest.
		{page: snapshotDelete, method: "DELETE", path: "/ver/k?versionId={dm}", status: 204, respHeaders: marker},
		{page: pageDeleteMarker, method: "GET", path: "/ver/k", status: 200, want: []string{"two"}, respHeaders: vid("{v2}")},
		{page: snapshotDelete, method: "DELETE", path: "/ver/k?versionId={v2}", status: 204,
			respHeaders: map[string]string{"X-Amz-Version-Id": "{v2}", "X-Amz-Delete-Marker": ""}},
		{page: pageDeleteObject, method: "GET", path: "/ver/k", status: 200, want: []string{"one"}, respHeaders: vid("{v1}")},
		{page: snapshotDelete, method: "GET", path: "/ver/k?versionId={v2}", status: 404, code: "NoSuchVersion",
			want: []string{"<Key>k</Key><VersionId>{v2}</VersionId>"}, respHeaders: notMarker},
		{page: snapshotDelete, method: "DELETE", path: "/ver/k?versionId=not-an-id", status: 400, code: "InvalidArgument", respHeaders: notMarker},
		{page: snapshotDelete, method: "DELETE", path: "/ver/never", status: 204,
			respHeaders: map[string]string{"X-Amz-Delete-Marker": "true", "X-Amz-Version-Id": anyVersionID}},

		// DeleteObjects: a version by id, a key (a delete marker), a delete marker by id.
		{page: snapshotDeletes, method: "POST", path: "/ver?delete", status: 200,
			body: "<Delete><Object><Key>k</Key><VersionId>{v1}</VersionId></Object><Object><Key>c</Key></Object><Object><Key>k</Key><VersionId>not-an-id</VersionId></Object></Delete>",
			want: []string{"<Deleted><Key>k</Key><VersionId>{v1}</VersionId></Deleted>",
				"<Deleted><Key>c</Key><DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>",
				"<Error><Key>k</Key><VersionId>not-an-id</VersionId><Code>NoSuchVersion</Code>"}},
		{page: pageDeleteObjects, method: "GET", path: "/ver/k", status: 404, code: "NoSuchKey"},
	})
}

// uploadID is the UploadId of a CreateMultipartUpload's answer.
var uploadID = regexp.MustCompile(`<UploadId>([^<]+)</UploadId>`)

// CompleteMultipartUpload, a form upload and a copied part in a versioning-enabled bucket:
// the new version's id; UploadPart refuses a version id.
func TestVersionedWrites(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/vwrites", As: s3test.Owner})
	doc := versioningDoc("Enabled")
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/vwrites?versioning", Body: []byte(doc), Header: hdr("Content-Md5", s3test.MD5Base64([]byte(doc))), As: s3test.Owner})
	res, _ := srv.Do(t, s3test.Request{Method: "PUT", Path: "/vwrites/src", Body: []byte("source"), As: s3test.Owner})
	src := res.Header.Get("X-Amz-Version-Id")
	m := uploadID.FindStringSubmatch(string(srv.Must(t, 200, s3test.Request{Method: "POST", Path: "/vwrites/mp?uploads", As: s3test.Owner})))
	if m == nil || src == "" {
		t.Fatalf("no upload id or source version (%q)", src)
	}
	id := m[1]
	runVersionSteps(t, srv.Client, []vstep{
		{page: pageVersioning, method: "PUT", path: "/vwrites/mp?partNumber=1&uploadId=" + id + "&versionId=" + src, body: "part", status: 400, code: "InvalidArgument",
			want: []string{"<Message>This operation does not accept a version-id.</Message><ArgumentName>versionId</ArgumentName><ArgumentValue>" + src + "</ArgumentValue>"}},
		{page: pageCopyObject, method: "PUT", path: "/vwrites/mp?partNumber=1&uploadId=" + id, header: hdr("X-Amz-Copy-Source", "vwrites/src?versionId="+src), status: 200,
			respHeaders: map[string]string{"X-Amz-Copy-Source-Version-Id": src, "X-Amz-Version-Id": ""}, want: []string{"<ETag>"}},
		{page: pageCopyObject, method: "PUT", path: "/vwrites/mp?partNumber=2&uploadId=" + id, header: hdr("X-Amz-Copy-Source", "vwrites/src?versionId=not-an-id"), status: 400, code: "InvalidArgument",
			want: []string{"<Message>Invalid version id specified</Message><ArgumentName>x-amz-copy-source</ArgumentName><ArgumentValue>not-an-id</ArgumentValue>"}},
	})
	parts := srv.Must(t, 200, s3test.Request{Method: "GET", Path: "/vwrites/mp?uploadId=" + id, As: s3test.Owner})
	etag := between(string(parts), "<ETag>", "</ETag>")
	complete := "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + etag + "</ETag></Part></CompleteMultipartUpload>"
	res, body := srv.Do(t, s3test.Request{Method: "POST", Path: "/vwrites/mp?uploadId=" + id, Body: []byte(complete), As: s3test.Owner})
	if v := res.Header.Get("X-Amz-Version-Id"); res.StatusCode != 200 || v == "" || v == "null" {
		t.Errorf("CompleteMultipartUpload: %d, x-amz-version-id %q\n%s", res.StatusCode, v, body)
	}

	srv.Must(t, 204, s3test.Request{Method: "DELETE", Path: "/vwrites?publicAccessBlock", As: s3test.Owner})
	srv.Must(t, 204, s3test.Request{Method: "PUT", Path: "/vwrites?policy", As: s3test.Owner,
		Body: []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::vwrites/*"}]}`)})
	res, body = srv.PostForm(t, "/vwrites", map[string]string{"key": "form"}, "form", "text/plain", []byte("form body"))
	if v := res.Header.Get("X-Amz-Version-Id"); res.StatusCode != 204 || v == "" || v == "null" {
		t.Errorf("POST form upload: %d, x-amz-version-id %q\n%s", res.StatusCode, v, body)
	}
}

// A bucket whose versioning was never set answers no version header, knows the version
// "null" alone, and lists every object as its null, latest version; once versioning is
// Suspended, objects are written as the null version, and a simple DELETE adds a null delete
// marker.
func TestUnversionedAndSuspended(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	none := vid("")
	runVersionSteps(t, srv.Client, []vstep{
		{page: pageCreate, method: "PUT", path: "/susp", status: 200},
		{page: pagePutVersioning, method: "PUT", path: "/susp?versioning", body: versioningDoc("Enabled"), status: 200},
		{page: pagePutObject, method: "PUT", path: "/susp/k", body: "versioned", status: 200, respHeaders: vid(anyVersionID), save: vid("v1")},

		{page: pageCreate, method: "PUT", path: "/plain", status: 200},
		{page: snapshotUnversion, method: "PUT", path: "/plain/k", body: "data", status: 200, respHeaders: none},
		{page: snapshotUnversion, method: "GET", path: "/plain/k", status: 200, respHeaders: none},
		{page: snapshotUnversion, method: "GET", path: "/plain/k?versionId=null", status: 200, want: []string{"data"}, respHeaders: none},
		{page: snapshotUnversion, method: "GET", path: "/plain/k?versionId=HPniJFCxqTsMuIH9KX8K8wEjNUgmABCD", status: 400, code: "InvalidArgument",
			want: []string{"<Message>Invalid version id specified</Message><ArgumentName>versionId</ArgumentName><ArgumentValue>HPniJFCxqTsMuIH9KX8K8wEjNUgmABCD</ArgumentValue>"}},
		{page: snapshotUnversion, method: "DELETE", path: "/plain/k?versionId=HPniJFCxqTsMuIH9KX8K8wEjNUgmABCD", status: 400, code: "InvalidArgument"},
		{page: snapshotUnversion, method: "HEAD", path: "/plain/k?versionId={v1}", status: 400},
		{page: snapshotUnversion, method: "GET", path: "/plain/k?tagging&versionId={v1}", status: 400, code: "InvalidArgument",
			want: []string{"<Message>Invalid version id specified</Message>"}},
		{page: pageDeleteObjects, method: "POST", path: "/plain?delete", status: 200,
			body: "<Delete><Object><Key>k</Key><VersionId>HPniJFCxqTsMuIH9KX8K8wEjNUgmABCD</VersionId></Object></Delete>",
			want: []string{"<Error><Key>k</Key><VersionId>HPniJFCxqTsMuIH9KX8K8wEjNUgmABCD</VersionId><Code>NoSuchVersion</Code><Message>The specified version does not exist.</Message></Error>"}},
		{page: pageListVersions, method: "GET", path: "/plain?versions", status: 200,
			want: []string{"<Version><Key>k</Key><VersionId>null</VersionId><IsLatest>true</IsLatest>"}},
		{page: pageListVersions, method: "GET", path: "/plain?versions&version-id-marker=null", status: 400, code: "InvalidArgument",
			want: []string{"<Message>A version-id marker cannot be specified without a key marker.</Message><ArgumentName>version-id-marker</ArgumentName><ArgumentValue>null</ArgumentValue>"}},
		{page: pageDeleteObject, method: "DELETE", path: "/plain/k?versionId=null", status: 204, respHeaders: map[string]string{"X-Amz-Version-Id": "", "X-Amz-Delete-Marker": ""}},
		{page: pageDeleteObject, method: "GET", path: "/plain/k", status: 404, code: "NoSuchKey", respHeaders: none},

		{page: pagePutVersioning, method: "PUT", path: "/susp?versioning", body: versioningDoc("Suspended"), status: 200},
		{page: snapshotSuspended, method: "PUT", path: "/susp/k", body: "null one", status: 200, respHeaders: none},
		{page: pageSuspended, method: "GET", path: "/susp/k", status: 200, want: []string{"null one"}, respHeaders: vid("null")},
		{page: pageSuspended, method: "GET", path: "/susp/k?versionId={v1}", status: 200, want: []string{"versioned"}, respHeaders: vid("{v1}")},
		{page: snapshotSuspended, method: "DELETE", path: "/susp/k", status: 204, respHeaders: map[string]string{"X-Amz-Delete-Marker": "true", "X-Amz-Version-Id": "null"}},
		{page: snapshotSuspended, method: "GET", path: "/susp/k", status: 404, code: "NoSuchKey", respHeaders: map[string]string{"X-Amz-Delete-Marker": "true", "X-Amz-Version-Id": "null"}},
		{page: snapshotSuspended, method: "GET", path: "/susp?versions", status: 200, want: []string{
			"<DeleteMarker><Key>k</Key><VersionId>null</VersionId><IsLatest>true</IsLatest>",
			"<Version><Key>k</Key><VersionId>{v1}</VersionId><IsLatest>false</IsLatest>"}},
		{page: pageDeleteObject, method: "DELETE", path: "/susp", status: 409, code: "BucketNotEmpty",
			want: []string{"<Message>The bucket you tried to delete is not empty. You must delete all versions in the bucket.</Message>"}},
	})
}

// ListObjectVersions pages by key-marker and version-id-marker, rolls keys up into common
// prefixes and URL-encodes what it answers with encoding-type=url.
func TestListObjectVersionsPages(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	runVersionSteps(t, srv.Client, []vstep{
		{page: pageCreate, method: "PUT", path: "/pages", status: 200},
		{page: pagePutVersioning, method: "PUT", path: "/pages?versioning", body: versioningDoc("Enabled"), status: 200},
		{page: pagePutObject, method: "PUT", path: "/pages/a%20b", body: "1", status: 200, save: vid("a1")},
		{page: pagePutObject, method: "PUT", path: "/pages/a%20b", body: "2", status: 200, save: vid("a2")},
		{page: pagePutObject, method: "PUT", path: "/pages/dir/x", body: "3", status: 200},
		{page: pageListVersions, method: "GET", path: "/pages?versions&max-keys=1&encoding-type=url", status: 200, want: []string{
			"<KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker><NextKeyMarker>a+b</NextKeyMarker><NextVersionIdMarker>{a2}</NextVersionIdMarker><MaxKeys>1</MaxKeys><IsTruncated>true</IsTruncated><EncodingType>url</EncodingType>",
			"<Version><Key>a+b</Key><VersionId>{a2}</VersionId><IsLatest>true</IsLatest>"}},
		{page: pageListVersions, method: "GET", path: "/pages?versions&max-keys=1&key-marker=a%20b&version-id-marker={a2}", status: 200, want: []string{
			"<KeyMarker>a b</KeyMarker><VersionIdMarker>{a2}</VersionIdMarker><NextKeyMarker>a b</NextKeyMarker><NextVersionIdMarker>{a1}</NextVersionIdMarker>",
			"<Version><Key>a b</Key><VersionId>{a1}</VersionId><IsLatest>false</IsLatest>"}},
		{page: pageListVersions, method: "GET", path: "/pages?versions&delimiter=/&key-marker=a%20b&version-id-marker={a1}", status: 200, want: []string{
			"<IsTruncated>false</IsTruncated><CommonPrefixes><Prefix>dir/</Prefix></CommonPrefixes></ListVersionsResult>"}},
		// The version a page ended with, deleted before the next page is asked for: the
		// listing goes on after where it was.
		{page: pageDeleteObject, method: "DELETE", path: "/pages/a%20b?versionId={a2}", status: 204},
		{page: pageListVersions, method: "GET", path: "/pages?versions&max-keys=1&key-marker=a%20b&version-id-marker={a2}", status: 200, want: []string{
			"<Version><Key>a b</Key><VersionId>{a1}</VersionId><IsLatest>true</IsLatest>"}},
		{page: snapshotListMarker, method: "GET", path: "/pages?versions&version-id-marker={a1}", status: 400, code: "InvalidArgument",
			want: []string{"<Message>A version-id marker cannot be specified without a key marker.</Message>"}},
		{page: pageListVersions, method: "GET", path: "/pages?versions&key-marker=a%20b&version-id-marker=not-an-id", status: 400, code: "InvalidArgument",
			want: []string{"<ArgumentName>version-id-marker</ArgumentName>"}},
		{page: pageListVersions, as: s3test.Other, method: "GET", path: "/pages?versions", status: 403, code: "AccessDenied"},
	})
}

// A request naming a version needs the version's action (s3:GetObjectVersion, ...) in a
// bucket policy, which may test s3:versionid; s3:GetObject does not grant it. An ACL's READ
// grants both (acl-overview.html's table).
func TestVersionActions(t *testing.T) {
	t.Parallel()
	srv := startPolicyServer(t)
	newPolicyBucket(t, srv, s3test.Owner, "vacts")
	doc := versioningDoc("Enabled")
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/vacts?versioning", Body: []byte(doc), Header: hdr("Content-Md5", s3test.MD5Base64([]byte(doc))), As: s3test.Owner})
	res, _ := srv.Do(t, s3test.Request{Method: "PUT", Path: "/vacts/k", Body: []byte("v1"), As: s3test.Owner})
	v1 := res.Header.Get("X-Amz-Version-Id")
	res, _ = srv.Do(t, s3test.Request{Method: "PUT", Path: "/vacts/k", Body: []byte("v2"), As: s3test.Owner})
	v2 := res.Header.Get("X-Amz-Version-Id")
	tags := s3test.TaggingDocument("class", "secret")
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/vacts/k?tagging&versionId=" + v2, Body: []byte(tags), Header: hdr("Content-Md5", s3test.MD5Base64([]byte(tags))), As: s3test.Owner})
	// denySecret allows action to the team and denies it on objects tagged class=secret.
	denySecret := func(action string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + teamAccount + `:root"},"Action":"` + action + `","Resource":"arn:aws:s3:::vacts/*"},` +
			`{"Effect":"Deny","Principal":"*","Action":"` + action + `","Resource":"arn:aws:s3:::vacts/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/class":"secret"}}}]}`
	}
	allow := func(actions, extra string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + teamAccount + `:root"},"Action":[` + actions + `],"Resource":["arn:aws:s3:::vacts","arn:aws:s3:::vacts/*"]` + extra + `}]}`
	}
	// copyOf copies source without its tags, which would need the tagging actions too.
	copyOf := func(source string) http.Header {
		return hdr("X-Amz-Copy-Source", source, "X-Amz-Tagging-Directive", "REPLACE")
	}
	for _, tc := range []struct {
		name, policy, method, path string
		header                     http.Header
		status                     int
	}{
		{"s3:GetObject reads the latest", allow(`"s3:GetObject"`, ""), "GET", "/vacts/k", nil, 200},
		{"s3:GetObject does not read a version by id", allow(`"s3:GetObject"`, ""), "GET", "/vacts/k?versionId=" + v1, nil, 403},
		{"nor the null version by id", allow(`"s3:GetObject"`, ""), "GET", "/vacts/k?versionId=null", nil, 403},
		{"s3:GetObjectVersion reads a version by id", allow(`"s3:GetObjectVersion"`, ""), "GET", "/vacts/k?versionId=" + v1, nil, 200},
		{"s3:GetObjectVersion does not read the latest", allow(`"s3:GetObjectVersion"`, ""), "GET", "/vacts/k", nil, 403},
		{"s3:versionid names the version", allow(`"s3:GetObjectVersion"`, `,"Condition":{"StringEquals":{"s3:versionid":"`+v2+`"}}`), "HEAD", "/vacts/k?versionId=" + v2, nil, 200},
		{"s3:versionid refuses another version", allow(`"s3:GetObjectVersion"`, `,"Condition":{"StringEquals":{"s3:versionid":"`+v2+`"}}`), "HEAD", "/vacts/k?versionId=" + v1, nil, 403},
		{"s3:ExistingObjectTag is the version's", denySecret("s3:GetObjectVersion"), "GET", "/vacts/k?versionId=" + v2, nil, 403},
		{"s3:ExistingObjectTag of another version", denySecret("s3:GetObjectVersion"), "GET", "/vacts/k?versionId=" + v1, nil, 200},
		{"s3:ExistingObjectTag on a version's tags", denySecret("s3:GetObjectVersionTagging"), "GET", "/vacts/k?tagging&versionId=" + v2, nil, 403},
		{"s3:GetObjectAcl does not read a version's ACL", allow(`"s3:GetObjectAcl"`, ""), "GET", "/vacts/k?acl&versionId=" + v1, nil, 403},
		{"s3:GetObjectVersionAcl does", allow(`"s3:GetObjectVersionAcl"`, ""), "GET", "/vacts/k?acl&versionId=" + v1, nil, 200},
		{"s3:GetObjectTagging does not read a version's tags", allow(`"s3:GetObjectTagging"`, ""), "GET", "/vacts/k?tagging&versionId=" + v1, nil, 403},
		{"s3:GetObjectVersionTagging does", allow(`"s3:GetObjectVersionTagging"`, ""), "GET", "/vacts/k?tagging&versionId=" + v1, nil, 200},
		{"s3:DeleteObjectVersionTagging deletes a version's tags", allow(`"s3:DeleteObjectVersionTagging"`, ""), "DELETE", "/vacts/k?tagging&versionId=" + v1, nil, 204},
		{"s3:DeleteObjectTagging does not", allow(`"s3:DeleteObjectTagging"`, ""), "DELETE", "/vacts/k?tagging&versionId=" + v1, nil, 403},
		{"s3:ListBucket does not list versions", allow(`"s3:ListBucket"`, ""), "GET", "/vacts?versions", nil, 403},
		{"s3:ListBucketVersions does", allow(`"s3:ListBucketVersions"`, ""), "GET", "/vacts?versions", nil, 200},
		{"s3:DeleteObject does not remove a version", allow(`"s3:DeleteObject"`, ""), "DELETE", "/vacts/k?versionId=" + v1, nil, 403},
		{"s3:DeleteObjectVersion removes one", allow(`"s3:DeleteObjectVersion"`, ""), "DELETE", "/vacts/k?versionId=" + v1, nil, 204},
		{"s3:PutBucketVersioning does not read the setting", allow(`"s3:PutBucketVersioning"`, ""), "GET", "/vacts?versioning", nil, 403},
		{"s3:GetBucketVersioning does", allow(`"s3:GetBucketVersioning"`, ""), "GET", "/vacts?versioning", nil, 200},
		{"s3:GetObject does not copy a version by id", allow(`"s3:GetObject","s3:PutObject"`, ""), "PUT", "/vacts/copy", copyOf("vacts/k?versionId=" + v2), 403},
		{"s3:GetObject copies the latest", allow(`"s3:GetObject","s3:PutObject"`, ""), "PUT", "/vacts/copy", copyOf("vacts/k"), 200},
		{"s3:GetObjectVersion copies a version by id", allow(`"s3:GetObjectVersion","s3:PutObject"`, ""), "PUT", "/vacts/copy", copyOf("vacts/k?versionId=" + v2), 200},
	} {
		putPolicy(t, srv.Client, s3test.Owner, "vacts", tc.policy)
		if res, body := srv.Do(t, s3test.Request{Method: tc.method, Path: tc.path, Header: tc.header, As: teamRoot}); res.StatusCode != tc.status {
			t.Errorf("%s (%s): %s %s: %d, want %d\n%s", tc.name, pagePolicyActions, tc.method, tc.path, res.StatusCode, tc.status, body)
		}
	}
	// DeleteObjects decides each version by s3:DeleteObjectVersion.
	putPolicy(t, srv.Client, s3test.Owner, "vacts", allow(`"s3:DeleteObject"`, ""))
	del := "<Delete><Object><Key>k</Key><VersionId>" + v2 + "</VersionId></Object></Delete>"
	body := srv.Must(t, 200, s3test.Request{Method: "POST", Path: "/vacts?delete", Body: []byte(del), Header: hdr("Content-Md5", s3test.MD5Base64([]byte(del))), As: teamRoot})
	if !strings.Contains(string(body), "<Code>AccessDenied</Code>") {
		t.Errorf("DeleteObjects of a version with s3:DeleteObject alone (%s): %s", pageDeleteObjects, body)
	}
	// A bucket's WRITE grants deleting a key, not a version, to another account
	// (acl-overview.html: s3:DeleteObjectVersion "when the grantee is the bucket owner").
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/vacts?acl", As: s3test.Owner, Header: hdr(
		"X-Amz-Grant-Write", `id="`+canonicalID(t, srv, s3test.Other)+`"`, "X-Amz-Grant-Full-Control", `id="`+canonicalID(t, srv, s3test.Owner)+`"`)})
	if res, body := srv.Do(t, s3test.Request{Method: "DELETE", Path: "/vacts/k?versionId=" + v2, As: s3test.Other}); res.StatusCode != 403 {
		t.Errorf("WRITE on the bucket deletes a version (%s): %d\n%s", pageACLOverview, res.StatusCode, body)
	}
	if res, body := srv.Do(t, s3test.Request{Method: "DELETE", Path: "/vacts/gone", As: s3test.Other}); res.StatusCode != 204 {
		t.Errorf("WRITE on the bucket deletes a key (%s): %d\n%s", pageACLOverview, res.StatusCode, body)
	}
	// An ACL's READ grants reading a version (acl-overview.html).
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/vacts/k?acl&versionId=" + v2, As: s3test.Owner,
		Header: hdr("X-Amz-Grant-Read", `id="`+canonicalID(t, srv, s3test.Other)+`"`)})
	if res, body := srv.Do(t, s3test.Request{Method: "GET", Path: "/vacts/k?versionId=" + v2, As: s3test.Other}); res.StatusCode != 200 {
		t.Errorf("READ on a version grants s3:GetObjectVersion (%s): %d\n%s", pageACLOverview, res.StatusCode, body)
	}
	if res, body := srv.Do(t, s3test.Request{Method: "GET", Path: "/vacts/k?versionId=" + v1, As: s3test.Other}); res.StatusCode != 403 {
		t.Errorf("READ on one version grants nothing on another (%s): %d\n%s", pageACLOverview, res.StatusCode, body)
	}
}
