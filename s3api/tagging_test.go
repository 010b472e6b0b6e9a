package s3api_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage"
)

// The AWS pages the tagging rows follow.
const (
	pageObjectTagging = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html"
	pagePutObjTagging = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html"
	pageGetObjTagging = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectTagging.html"
	pageDelObjTagging = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjectTagging.html"
	pagePutObject     = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html"
	pageGetObject     = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html"
	pageCopyObject    = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html"
	pageCreateMPU     = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html"
	pageBucketTagging = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketTagging.html"
	pageGetBktTagging = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketTagging.html"
	// pageCLI2841 records S3's answers to malformed x-amz-tagging headers.
	pageCLI2841 = "https://github.com/aws/aws-cli/issues/2841"
	// pageTF19895 records S3's answer to 11 tags.
	pageTF19895 = "https://github.com/hashicorp/terraform-provider-aws/issues/19895"
)

// withMD5 is the Content-MD5 header of body, which S3's SDKs send with every tagging
// document (botocore marks both Put operations requestChecksumRequired).
func withMD5(body string) http.Header {
	return http.Header{"Content-Md5": {s3test.MD5Base64([]byte(body))}}
}

// step is an accessStep; a PUT of a tagging document without headers of its own gets its
// Content-MD5.
func step(page string, as s3test.Account, method, path string, h http.Header, body string, status int, code, want string) accessStep {
	if h == nil && method == "PUT" && strings.Contains(path, "?tagging") && body != "" {
		h = withMD5(body)
	}
	return accessStep{page: page, as: as, method: method, path: path, header: h, body: body, status: status, code: code, want: want}
}

// withResponse adds the response header s must answer ("": none).
func withResponse(s accessStep, name, value string) accessStep {
	s.respHeader, s.respValue = name, value
	return s
}

const emptyTagSet = "<TagSet></TagSet>"

// Object tagging: the three operations, the limits and errors, and the tag count GET and HEAD
// answer.
func TestObjectTagging(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	o, a := s3test.Owner, s3test.Anonymous
	tagging := func(pairs ...string) http.Header { return http.Header{"X-Amz-Tagging": {strings.Join(pairs, "&")}} }
	runSteps(t, srv.Client, []accessStep{
		step(pageCreate, o, "PUT", "/tags", nil, "", 200, "", ""),
		withResponse(step(pagePutObject, o, "PUT", "/tags/k", nil, "data", 200, "", ""), "X-Amz-Tagging-Count", ""),
		step(pageGetObjTagging, o, "GET", "/tags/k?tagging", nil, "", 200, "", emptyTagSet),
		step(pageGetObjTagging, o, "GET", "/tags/absent?tagging", nil, "", 404, "NoSuchKey", ""),
		withResponse(step(pageGetObject, o, "GET", "/tags/k", nil, "", 200, "", "data"), "X-Amz-Tagging-Count", ""),
		step(pagePutObjTagging, o, "PUT", "/tags/k?tagging", nil, s3test.TaggingDocument("project", "blue", "a b", "x+y"), 200, "", ""),
		step(pageGetObjTagging, o, "GET", "/tags/k?tagging", nil, "", 200, "",
			`<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>a b</Key><Value>x+y</Value></Tag><Tag><Key>project</Key><Value>blue</Value></Tag></TagSet></Tagging>`),
		withResponse(step(pageGetObject, o, "GET", "/tags/k", nil, "", 200, "", ""), "X-Amz-Tagging-Count", "2"),
		withResponse(step(pageGetObject, o, "HEAD", "/tags/k", nil, "", 200, "", ""), "X-Amz-Tagging-Count", "2"),
		// The limits (object-tagging.html) and S3's answers.
		step(pagePutObjTagging, o, "PUT", "/tags/k?tagging", nil, s3test.TaggingDocument(s3test.TagPairs(10)...), 200, "", ""),
		step(pageTF19895, o, "PUT", "/tags/k?tagging", nil, s3test.TaggingDocument(s3test.TagPairs(11)...), 400, "BadRequest", "Object tags cannot be greater than 10"),
		step(pageObjectTagging, o, "PUT", "/tags/k?tagging", nil, s3test.TaggingDocument(strings.Repeat("k", 129), "v"), 400, "InvalidTag", "The TagKey you have provided is invalid"),
		step(pageObjectTagging, o, "PUT", "/tags/k?tagging", nil, s3test.TaggingDocument("k", strings.Repeat("v", 257)), 400, "InvalidTag", "The TagValue you have provided is invalid"),
		step(pageObjectTagging, o, "PUT", "/tags/k?tagging", nil, s3test.TaggingDocument("k", "1", "k", "2"), 400, "InvalidTag", "Cannot provide multiple Tags with the same key"),
		step(pageObjectTagging, o, "PUT", "/tags/k?tagging", nil, s3test.TaggingDocument("aws:k", "v"), 400, "InvalidTag", "Your TagKey cannot be prefixed with aws:"),
		step(pagePutObjTagging, o, "PUT", "/tags/k?tagging", nil, "<Tagging></Tagging>", 400, "MalformedXML", ""),
		step(pagePutObjTagging, o, "PUT", "/tags/k?tagging", http.Header{}, s3test.TaggingDocument("a", "b"), 400, "InvalidRequest", "Content-MD5"),
		step(pagePutObjTagging, o, "PUT", "/tags/k?tagging", http.Header{"Content-Md5": {s3test.MD5Base64([]byte("other"))}}, s3test.TaggingDocument("a", "b"), 400, "BadDigest", ""),
		withResponse(step(pageGetObject, o, "HEAD", "/tags/k", nil, "", 200, "", ""), "X-Amz-Tagging-Count", "10"),
		// Others may not read or change the tags of the owner's object.
		step(pageGetObjTagging, a, "GET", "/tags/k?tagging", nil, "", 403, "AccessDenied", ""),
		step(pagePutObjTagging, s3test.Other, "PUT", "/tags/k?tagging", nil, s3test.TaggingDocument("a", "b"), 403, "AccessDenied", ""),
		step(pageDelObjTagging, s3test.Other, "DELETE", "/tags/k?tagging", nil, "", 403, "AccessDenied", ""),
		step(pageDelObjTagging, o, "DELETE", "/tags/k?tagging", nil, "", 204, "", ""),
		step(pageGetObjTagging, o, "GET", "/tags/k?tagging", nil, "", 200, "", emptyTagSet),
		withResponse(step(pageGetObject, o, "HEAD", "/tags/k", nil, "", 200, "", ""), "X-Amz-Tagging-Count", ""),
		// An empty TagSet removes the tags (object-tagging.html).
		step(pagePutObjTagging, o, "PUT", "/tags/k?tagging", nil, s3test.TaggingDocument("a", "b"), 200, "", ""),
		step(pagePutObjTagging, o, "PUT", "/tags/k?tagging", nil, s3test.TaggingDocument(), 200, "", ""),
		step(pageGetObjTagging, o, "GET", "/tags/k?tagging", nil, "", 200, "", emptyTagSet),

		// x-amz-tagging on PutObject: a URL-encoded query (API_PutObject.html).
		step(pagePutObject, o, "PUT", "/tags/h", tagging("tag1=value1", "tag2=a%20b+c"), "x", 200, "", ""),
		step(pageGetObjTagging, o, "GET", "/tags/h?tagging", nil, "", 200, "",
			"<Tag><Key>tag1</Key><Value>value1</Value></Tag><Tag><Key>tag2</Key><Value>a b c</Value></Tag>"),
		step(pagePutObject, o, "PUT", "/tags/h2", tagging("foo=bar", "bar"), "x", 200, "", ""),
		step(pageGetObjTagging, o, "GET", "/tags/h2?tagging", nil, "", 200, "",
			"<Tag><Key>bar</Key><Value></Value></Tag><Tag><Key>foo</Key><Value>bar</Value></Tag>"),
		step(pageCLI2841, o, "PUT", "/tags/bad", tagging("TagSet=[{Key=string,Value=string}]"), "x", 400, "InvalidArgument",
			"The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates."),
		step(pageCLI2841, o, "PUT", "/tags/bad", tagging("TagSet%3D%5B%7BKey%3Dstring%2CValue%3Dstring%7D%5D"), "x", 400, "InvalidTag", "The TagKey you have provided is invalid"),
		step(pagePutObject, o, "PUT", "/tags/bad", tagging("a=1", "a=2"), "x", 400, "InvalidArgument", ""),
		step(pageTF19895, o, "PUT", "/tags/bad", tagging(s3test.TaggingHeader(s3test.TagPairs(11)...)), "x", 400, "BadRequest", "Object tags cannot be greater than 10"),
		step(pagePutObject, o, "HEAD", "/tags/bad", nil, "", 404, "", ""),
		// Overwriting an object replaces its tags with the new object's.
		step(pagePutObject, o, "PUT", "/tags/h", nil, "y", 200, "", ""),
		step(pageGetObjTagging, o, "GET", "/tags/h?tagging", nil, "", 200, "", emptyTagSet),

		// CopyObject: COPY (the default) keeps the source's tags, REPLACE takes x-amz-tagging's.
		step(pageCopyObject, o, "PUT", "/tags/c1", http.Header{"X-Amz-Copy-Source": {"/tags/h2"}, "X-Amz-Tagging": {"ignored=1"}}, "", 200, "", ""),
		step(pageGetObjTagging, o, "GET", "/tags/c1?tagging", nil, "", 200, "", "<Tag><Key>foo</Key><Value>bar</Value></Tag>"),
		step(pageCopyObject, o, "PUT", "/tags/c2", http.Header{"X-Amz-Copy-Source": {"/tags/h2"}, "X-Amz-Tagging-Directive": {"REPLACE"}, "X-Amz-Tagging": {"new=1"}}, "", 200, "", ""),
		step(pageGetObjTagging, o, "GET", "/tags/c2?tagging", nil, "", 200, "", "<TagSet><Tag><Key>new</Key><Value>1</Value></Tag></TagSet>"),
		step(pageCopyObject, o, "PUT", "/tags/c3", http.Header{"X-Amz-Copy-Source": {"/tags/h2"}, "X-Amz-Tagging-Directive": {"REPLACE"}}, "", 200, "", ""),
		step(pageGetObjTagging, o, "GET", "/tags/c3?tagging", nil, "", 200, "", emptyTagSet),
		step(pageCopyObject, o, "PUT", "/tags/c4", http.Header{"X-Amz-Copy-Source": {"/tags/h2"}, "X-Amz-Tagging-Directive": {"MERGE"}}, "", 400, "InvalidArgument", "Unknown tagging directive."),
		step(pageCopyObject, o, "PUT", "/tags/c4", http.Header{"X-Amz-Copy-Source": {"/tags/h2"}, "X-Amz-Tagging-Directive": {"REPLACE"}, "X-Amz-Tagging": {"a=1&a=2"}}, "", 400, "InvalidArgument", ""),
	})
}

// CreateMultipartUpload's x-amz-tagging is applied to the object its completion makes
// (API_CreateMultipartUpload.html).
func TestMultipartUploadTagging(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/mpt", As: s3test.Owner})
	_, body := srv.Do(t, s3test.Request{Method: "POST", Path: "/mpt/obj?uploads", Header: http.Header{"X-Amz-Tagging": {"stage=raw&owner=me"}}, As: s3test.Owner})
	id := between(string(body), "<UploadId>", "</UploadId>")
	if id == "" {
		t.Fatalf("no upload id in %s", body)
	}
	res, _ := srv.Do(t, s3test.Request{Method: "PUT", Path: "/mpt/obj?partNumber=1&uploadId=" + id, Body: []byte("part"), As: s3test.Owner})
	etag := res.Header.Get("Etag")
	complete := "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + etag + "</ETag></Part></CompleteMultipartUpload>"
	srv.Must(t, 200, s3test.Request{Method: "POST", Path: "/mpt/obj?uploadId=" + id, Body: []byte(complete), As: s3test.Owner})
	got := srv.Must(t, 200, s3test.Request{Method: "GET", Path: "/mpt/obj?tagging", As: s3test.Owner})
	if want := "<Tag><Key>owner</Key><Value>me</Value></Tag><Tag><Key>stage</Key><Value>raw</Value></Tag>"; !strings.Contains(string(got), want) {
		t.Errorf("%s: tags %s, want %s", pageCreateMPU, got, want)
	}
	_, body = srv.Do(t, s3test.Request{Method: "POST", Path: "/mpt/obj?uploads", Header: http.Header{"X-Amz-Tagging": {"a=1&a=2"}}, As: s3test.Owner})
	if e := s3test.ParseError(t, body); e.Code != "InvalidArgument" {
		t.Errorf("%s: a bad header: %s", pageCreateMPU, body)
	}
}

func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return v
}

// Bucket tagging: up to 50 tags, NoSuchTagSet without any, the owner only.
func TestBucketTagging(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	o := s3test.Owner
	runSteps(t, srv.Client, []accessStep{
		step(pageCreate, o, "PUT", "/btags", nil, "", 200, "", ""),
		step(pageGetBktTagging, o, "GET", "/btags?tagging", nil, "", 404, "NoSuchTagSet", "<Message>The TagSet does not exist</Message>"),
		step(pageBucketTagging, o, "PUT", "/btags?tagging", nil, s3test.TaggingDocument("env", "prod", "cost", "1"), 204, "", ""),
		step(pageGetBktTagging, o, "GET", "/btags?tagging", nil, "", 200, "",
			"<TagSet><Tag><Key>cost</Key><Value>1</Value></Tag><Tag><Key>env</Key><Value>prod</Value></Tag></TagSet>"),
		step(pageBucketTagging, o, "PUT", "/btags?tagging", nil, s3test.TaggingDocument(s3test.TagPairs(50)...), 204, "", ""),
		step(pageBucketTagging, o, "PUT", "/btags?tagging", nil, s3test.TaggingDocument("aws:k", "v"), 400, "InvalidTag", "System tags cannot be added/updated by requester"),
		step(pageBucketTagging, o, "PUT", "/btags?tagging", nil, s3test.TaggingDocument(s3test.TagPairs(51)...), 400, "InvalidTag", ""),
		step(pageBucketTagging, o, "PUT", "/btags?tagging", nil, s3test.TaggingDocument("k", "1", "k", "2"), 400, "InvalidTag", "Cannot provide multiple Tags with the same key"),
		step(pageBucketTagging, o, "PUT", "/btags?tagging", nil, "not xml", 400, "MalformedXML", ""),
		step(pageBucketTagging, o, "PUT", "/btags?tagging", http.Header{}, s3test.TaggingDocument("a", "b"), 400, "InvalidRequest", ""),
		step(pageGetBktTagging, o, "GET", "/btags?tagging", nil, "", 200, "", "<Key>k49</Key>"),
		step(pageGetBktTagging, s3test.Other, "GET", "/btags?tagging", nil, "", 403, "AccessDenied", ""),
		step(pageBucketTagging, s3test.Other, "PUT", "/btags?tagging", nil, s3test.TaggingDocument("a", "b"), 403, "AccessDenied", ""),
		step(pageBucketTagging, s3test.Other, "DELETE", "/btags?tagging", nil, "", 403, "AccessDenied", ""),
		step(pageBucketTagging, o, "DELETE", "/btags?tagging", nil, "", 204, "", ""),
		step(pageGetBktTagging, o, "GET", "/btags?tagging", nil, "", 404, "NoSuchTagSet", ""),
		step(pageBucketTagging, o, "DELETE", "/btags?tagging", nil, "", 204, "", ""),
	})
}

// A form upload's tagging field holds a Tagging document, whose tags the object gets
// (https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html); one S3 refuses
// stores nothing.
func TestPostObjectTagging(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	const b = "posttags"
	// A form that sets tags needs s3:PutObjectTagging as PutObject does, and its tags are
	// s3:RequestObjectTag's (RESTObjectPOST.html names no other rule). [UNVERIFIED]
	putOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::` + b + `/*"}]}`
	both := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["s3:PutObject","s3:PutObjectTagging"],"Resource":"arn:aws:s3:::` + b + `/*"},
		{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::` + b + `/*","Condition":{"StringEquals":{"s3:RequestObjectTag/class":"secret"}}}]}`
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/" + b, As: s3test.Owner})
	srv.Must(t, 204, s3test.Request{Method: "DELETE", Path: "/" + b + "?publicAccessBlock", As: s3test.Owner})
	tests := []struct {
		policy, key, tagging string
		status               int
		code, want           string
	}{
		{putOnly, "tagged", s3test.TaggingDocument("source", "form", "n", "1"), 403, "AccessDenied", ""},
		{both, "tagged", s3test.TaggingDocument("source", "form", "n", "1"), 204, "", "<Tag><Key>n</Key><Value>1</Value></Tag><Tag><Key>source</Key><Value>form</Value></Tag>"},
		{both, "secret", s3test.TaggingDocument("class", "secret"), 403, "AccessDenied", ""},
		{both, "duplicate", s3test.TaggingDocument("a", "1", "a", "2"), 400, "InvalidTag", ""},
		{both, "eleven", s3test.TaggingDocument(s3test.TagPairs(11)...), 400, "BadRequest", ""},
		{both, "query", "a=b", 400, "MalformedXML", ""},
	}
	for _, tt := range tests {
		srv.Must(t, 204, s3test.Request{Method: "PUT", Path: "/" + b + "?policy", Body: []byte(tt.policy), As: s3test.Owner})
		var form bytes.Buffer
		w := multipart.NewWriter(&form)
		_ = w.WriteField("key", tt.key)
		_ = w.WriteField("tagging", tt.tagging)
		fw, _ := w.CreateFormFile("file", "f.txt")
		_, _ = fw.Write([]byte("form body"))
		_ = w.Close()
		res, body := srv.Do(t, s3test.Request{Method: "POST", Path: "/" + b, Header: http.Header{"Content-Type": {w.FormDataContentType()}}, Body: form.Bytes()})
		if tt.code != "" {
			s3test.WantError(t, tt.key, res, body, tt.status, tt.code, "")
			srv.Must(t, 404, s3test.Request{Method: "HEAD", Path: "/" + b + "/" + tt.key, As: s3test.Owner})
			continue
		}
		if res.StatusCode != tt.status {
			t.Fatalf("%s: %d %s", tt.key, res.StatusCode, body)
		}
		if got := srv.Must(t, 200, s3test.Request{Method: "GET", Path: "/" + b + "/" + tt.key + "?tagging", As: s3test.Owner}); !strings.Contains(string(got), tt.want) {
			t.Errorf("%s: tags %s, want %s", tt.key, got, tt.want)
		}
	}
}

// A bucket policy decides by the object's tags (s3:ExistingObjectTag/<key>) and by the tags a
// request sets (s3:RequestObjectTag/<key>, s3:RequestObjectTagKeys)
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/tagging-and-policies.html).
func TestTagConditionKeys(t *testing.T) {
	t.Parallel()
	const page = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/tagging-and-policies.html"
	srv := s3test.Start(t, nil)
	policy := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::tagp/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/public":"yes"}}},
		{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::tagp/*","Condition":{"StringEquals":{"s3:RequestObjectTag/class":"secret"}}},
		{"Effect":"Deny","Principal":"*","Action":"s3:PutObjectTagging","Resource":"arn:aws:s3:::tagp/*","Condition":{"ForAnyValue:StringEquals":{"s3:RequestObjectTagKeys":"forbidden"}}}]}`
	o, a := s3test.Owner, s3test.Anonymous
	tags := func(v string) http.Header { return http.Header{"X-Amz-Tagging": {v}} }
	runSteps(t, srv.Client, []accessStep{
		step(page, o, "PUT", "/tagp", nil, "", 200, "", ""),
		step(page, o, "DELETE", "/tagp?publicAccessBlock", nil, "", 204, "", ""),
		step(page, o, "PUT", "/tagp?policy", nil, policy, 204, "", ""),
		step(page, o, "PUT", "/tagp/open", tags("public=yes"), "open", 200, "", ""),
		step(page, o, "PUT", "/tagp/closed", tags("public=no"), "closed", 200, "", ""),
		step(page, a, "GET", "/tagp/open", nil, "", 200, "", "open"),
		step(page, a, "GET", "/tagp/closed", nil, "", 403, "AccessDenied", ""),
		step(page, o, "PUT", "/tagp/s", tags("class=secret"), "s", 403, "AccessDenied", ""),
		step(page, o, "PUT", "/tagp/s", tags("Class=secret&x=1"), "s", 403, "AccessDenied", ""),
		step(page, o, "PUT", "/tagp/s", tags("class=open"), "s", 200, "", ""),
		step(page, o, "PUT", "/tagp/c", http.Header{"X-Amz-Copy-Source": {"/tagp/s"}, "X-Amz-Tagging-Directive": {"REPLACE"}, "X-Amz-Tagging": {"class=secret"}}, "", 403, "AccessDenied", ""),
		step(page, o, "POST", "/tagp/m?uploads", tags("class=secret"), "", 403, "AccessDenied", ""),
		step(page, o, "PUT", "/tagp/open?tagging", nil, s3test.TaggingDocument("forbidden", "1", "public", "yes"), 403, "AccessDenied", ""),
		step(page, a, "GET", "/tagp/open", nil, "", 200, "", "open"),
		step(page, o, "PUT", "/tagp/open?tagging", nil, s3test.TaggingDocument("allowed", "1"), 200, "", ""),
		step(page, a, "GET", "/tagp/open", nil, "", 403, "AccessDenied", ""),
	})
}

// A write that sets tags needs s3:PutObjectTagging besides s3:PutObject ("To successfully set
// the tag-set with your PutObject request, you must have the s3:PutObjectTagging",
// API_PutObject.html, Permissions); no ACL grants it.
func TestNewObjectTagsPermission(t *testing.T) {
	t.Parallel()
	srv := startPolicyServer(t)
	newPolicyBucket(t, srv, s3test.Owner, "tagperm")
	put := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + teamAccount + `"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::tagperm/*"}]}`
	both := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + teamAccount + `"},"Action":["s3:PutObject","s3:PutObjectTagging"],"Resource":"arn:aws:s3:::tagperm/*"}]}`
	tags := http.Header{"X-Amz-Tagging": {"a=1"}}
	o := s3test.Owner
	runSteps(t, srv.Client, []accessStep{
		step(pagePutObject, o, "PUT", "/tagperm?policy", nil, put, 204, "", ""),
		step(pagePutObject, teamRoot, "PUT", "/tagperm/a", nil, "x", 200, "", ""),
		step(pagePutObject, teamRoot, "PUT", "/tagperm/a", tags, "x", 403, "AccessDenied", ""),
		step(pageCreateMPU, teamRoot, "POST", "/tagperm/a?uploads", tags, "", 403, "AccessDenied", ""),
		step(pageCopyObject, teamRoot, "PUT", "/tagperm/c", http.Header{"X-Amz-Copy-Source": {"/tagperm/a"}, "X-Amz-Tagging-Directive": {"REPLACE"}, "X-Amz-Tagging": {"a=1"}}, "", 403, "AccessDenied", ""),
		step(pagePutObject, o, "PUT", "/tagperm/a", tags, "x", 200, "", ""),
		step(pagePutObject, o, "PUT", "/tagperm?policy", nil, both, 204, "", ""),
		step(pagePutObject, teamRoot, "PUT", "/tagperm/a", tags, "x", 200, "", ""),
		step(pageCreateMPU, teamRoot, "POST", "/tagperm/a?uploads", tags, "", 200, "", ""),
	})
}

// x-amz-tagging-count is a response header a CORS rule exposes to a page like any other
// (docs/s3-cors.md).
func TestTaggingCountExposedByCORS(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	o := s3test.Owner
	rules := `<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod><ExposeHeader>x-amz-tagging-count</ExposeHeader></CORSRule></CORSConfiguration>`
	origin := http.Header{"Origin": {"https://app.example"}}
	runSteps(t, srv.Client, []accessStep{
		step(pageCreate, o, "PUT", "/corstags", nil, "", 200, "", ""),
		step(pageGetObject, o, "PUT", "/corstags?cors", withMD5(rules), rules, 200, "", ""),
		step(pagePutObject, o, "PUT", "/corstags/k", http.Header{"X-Amz-Tagging": {"a=1&b=2"}}, "x", 200, "", ""),
		withResponse(step(pageGetObject, o, "GET", "/corstags/k", origin, "", 200, "", ""), "Access-Control-Expose-Headers", "x-amz-tagging-count"),
		withResponse(step(pageGetObject, o, "GET", "/corstags/k", origin, "", 200, "", ""), "X-Amz-Tagging-Count", "2"),
	})
}

// A copy reads its source as s3:GetObject does, the source's tags in the condition context
// (s3:ExistingObjectTag, list_amazons3.html): a Deny by tag on reading the source refuses the
// copy too.
func TestCopyChecksSourceTags(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, nil)
	policy := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::rvb/*"},
		{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::rvb/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/secret":"yes"}}}]}`
	o, a := s3test.Owner, s3test.Anonymous
	copyOf := func(src string) http.Header {
		return http.Header{"X-Amz-Copy-Source": {src}, "X-Amz-Tagging-Directive": {"REPLACE"}}
	}
	runSteps(t, srv.Client, []accessStep{
		step(pageCopyObject, o, "PUT", "/rvb", nil, "", 200, "", ""),
		step(pageCopyObject, o, "DELETE", "/rvb?publicAccessBlock", nil, "", 204, "", ""),
		step(pageCopyObject, o, "PUT", "/rvb?policy", nil, policy, 204, "", ""),
		step(pageCopyObject, o, "PUT", "/rvb/s", http.Header{"X-Amz-Tagging": {"secret=yes"}}, "s", 200, "", ""),
		step(pageCopyObject, o, "PUT", "/rvb/p", nil, "p", 200, "", ""),
		step(pageCopyObject, a, "GET", "/rvb/s", nil, "", 403, "AccessDenied", ""),
		step(pageCopyObject, a, "PUT", "/rvb/leak", copyOf("/rvb/s"), "", 403, "AccessDenied", ""),
		step(pageCopyObject, a, "GET", "/rvb/leak", nil, "", 403, "AccessDenied", ""),
		step(pageCopyObject, a, "PUT", "/rvb/fine", copyOf("/rvb/p"), "", 200, "", ""),
		step(pageCopyObject, a, "GET", "/rvb/fine", nil, "", 200, "", "p"),
	})
}

// A copy that keeps a tagged source's tags needs s3:GetObjectTagging on the source and
// s3:PutObjectTagging on the copy (https://repost.aws/knowledge-center/s3-troubleshoot-copy-between-buckets).
func TestCopyKeepingTagsPermission(t *testing.T) {
	t.Parallel()
	srv := startPolicyServer(t)
	newPolicyBucket(t, srv, s3test.Owner, "cpt")
	allow := func(actions string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + teamAccount + `"},"Action":[` + actions + `],"Resource":"arn:aws:s3:::cpt/*"}]}`
	}
	o := s3test.Owner
	copyOf := func(src string) http.Header { return http.Header{"X-Amz-Copy-Source": {src}} }
	runSteps(t, srv.Client, []accessStep{
		step(pageCopyObject, o, "PUT", "/cpt/t", http.Header{"X-Amz-Tagging": {"a=1"}}, "t", 200, "", ""),
		step(pageCopyObject, o, "PUT", "/cpt?policy", nil, allow(`"s3:GetObject","s3:PutObject"`), 204, "", ""),
		step(pageCopyObject, teamRoot, "PUT", "/cpt/c", copyOf("/cpt/t"), "", 403, "AccessDenied", ""),
		step(pageCopyObject, teamRoot, "PUT", "/cpt/c", copyOf("/cpt/k"), "", 200, "", ""),
		step(pageCopyObject, teamRoot, "PUT", "/cpt/c", http.Header{"X-Amz-Copy-Source": {"/cpt/t"}, "X-Amz-Tagging-Directive": {"REPLACE"}}, "", 200, "", ""),
		step(pageCopyObject, o, "PUT", "/cpt?policy", nil, allow(`"s3:GetObject","s3:PutObject","s3:PutObjectTagging"`), 204, "", ""),
		step(pageCopyObject, teamRoot, "PUT", "/cpt/c", copyOf("/cpt/t"), "", 403, "AccessDenied", ""),
		step(pageCopyObject, o, "PUT", "/cpt?policy", nil, allow(`"s3:GetObject","s3:PutObject","s3:GetObjectTagging"`), 204, "", ""),
		step(pageCopyObject, teamRoot, "PUT", "/cpt/c", copyOf("/cpt/t"), "", 403, "AccessDenied", ""),
		step(pageCopyObject, o, "PUT", "/cpt?policy", nil, allow(`"s3:GetObject","s3:PutObject","s3:GetObjectTagging","s3:PutObjectTagging"`), 204, "", ""),
		step(pageCopyObject, teamRoot, "PUT", "/cpt/c", copyOf("/cpt/t"), "", 200, "", ""),
		step(pageGetObjTagging, teamRoot, "GET", "/cpt/c?tagging", nil, "", 200, "", "<Key>a</Key><Value>1</Value>"),
	})
}

// Stored tags that no longer decode fail the request rather than letting a policy decide by the
// tags that still do: a Deny by s3:ExistingObjectTag would otherwise stop matching once the tag
// it names is the damaged one, and the Allow beside it would grant the read.
func TestDamagedStoredTagsFailClosed(t *testing.T) {
	t.Parallel()
	var backend storage.Backend
	srv := s3test.Start(t, func(c *s3api.Config) { backend = c.Backend })
	policy := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::damaged/*"},
		{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::damaged/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/secret":"yes"}}}]}`
	o, a := s3test.Owner, s3test.Anonymous
	runSteps(t, srv.Client, []accessStep{
		step(pageGetObject, o, "PUT", "/damaged", nil, "", 200, "", ""),
		step(pageGetObject, o, "DELETE", "/damaged?publicAccessBlock", nil, "", 204, "", ""),
		step(pageGetObject, o, "PUT", "/damaged?policy", nil, policy, 204, "", ""),
		step(pageGetObject, o, "PUT", "/damaged/k", http.Header{"X-Amz-Tagging": {"secret=yes"}}, "s", 200, "", ""),
		step(pageGetObject, a, "GET", "/damaged/k", nil, "", 403, "AccessDenied", ""),
	})
	err := backend.PutObjectTags(context.Background(), "damaged", "k", storage.PutObjectTagsOptions{Tags: "secret=%ZZyes"})
	if err != nil {
		t.Fatal(err)
	}
	runSteps(t, srv.Client, []accessStep{
		step(pageGetObject, a, "GET", "/damaged/k", nil, "", 500, "InternalError", ""),
		step(pageGetObjTagging, o, "GET", "/damaged/k?tagging", nil, "", 500, "InternalError", ""),
	})
}
