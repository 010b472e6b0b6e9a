package s3api_test

import (
	"encoding/xml"
	"net/http"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// A multipart upload's object is owned as a PutObject's would be: under BucketOwnerEnforced by
// the bucket owner, under ObjectWriter by the writer, under BucketOwnerPreferred by the bucket
// owner when the upload was created with bucket-owner-full-control and by the writer otherwise
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html). ListParts
// and ListMultipartUploads name that owner as Owner and the account that started the upload as
// Initiator (API_ListParts.html: Owner is "the owner of the object", Initiator "who initiated
// the upload"; ceph/s3-tests test_list_multipart_upload_owner), and the initiator still
// uploads the parts and completes the upload, but owns the object only where a PutObject's
// writer would.
func TestMultipartUploadOwner(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ownership   string
		acl         string // CreateMultipartUpload's x-amz-acl, when set
		objectOwner s3test.Account
		// initiatorReads is the initiator's GetObject of the completed object: an object's
		// owner reads it without a grant, and the policy grants the initiator no s3:GetObject.
		initiatorReads int
	}{
		{"BucketOwnerEnforced", "", s3test.Owner, 403},
		{"ObjectWriter", "", teamRoot, 200},
		// Under BucketOwnerEnforced the object's owner is the bucket owner whatever the upload
		// recorded; here it is the upload's record that makes it so.
		{"BucketOwnerPreferred", "bucket-owner-full-control", s3test.Owner, 403},
		{"BucketOwnerPreferred", "", teamRoot, 200},
	} {
		name := tc.ownership
		if tc.acl != "" {
			name += " with " + tc.acl
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := startPolicyServer(t)
			id := func(a s3test.Account) string {
				var res struct {
					ID string `xml:"Owner>ID"`
				}
				if err := xml.Unmarshal(srv.Must(t, 200, s3test.Request{Method: "GET", Path: "/", As: a}), &res); err != nil || res.ID == "" {
					t.Fatalf("ListBuckets as %s: %q, %v", a.Name, res.ID, err)
				}
				return res.ID
			}
			srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/mpu", As: s3test.Owner, Header: http.Header{"X-Amz-Object-Ownership": {tc.ownership}}})
			putPolicy(t, srv.Client, s3test.Owner, "mpu", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+teamAccount+`"},"Action":["s3:PutObject","s3:ListMultipartUploadParts"],"Resource":"arn:aws:s3:::mpu/*"}]}`)
			var created struct {
				UploadID string `xml:"UploadId"`
			}
			var cannedACL http.Header
			if tc.acl != "" {
				cannedACL = http.Header{"X-Amz-Acl": {tc.acl}}
			}
			if err := xml.Unmarshal(srv.Must(t, 200, s3test.Request{Method: "POST", Path: "/mpu/big?uploads", As: teamRoot, Header: cannedACL}), &created); err != nil {
				t.Fatal(err)
			}
			upload := "/mpu/big?uploadId=" + created.UploadID
			srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/mpu/big?partNumber=1&uploadId=" + created.UploadID, Body: []byte("part"), As: teamRoot})

			initiator, objectOwner := id(teamRoot), id(tc.objectOwner)
			var parts struct {
				Initiator string `xml:"Initiator>ID"`
				Owner     string `xml:"Owner>ID"`
				ETag      string `xml:"Part>ETag"`
			}
			if err := xml.Unmarshal(srv.Must(t, 200, s3test.Request{Method: "GET", Path: upload, As: teamRoot}), &parts); err != nil {
				t.Fatal(err)
			}
			if parts.Initiator != initiator || parts.Owner != objectOwner {
				t.Errorf("ListParts: Initiator %s, Owner %s; want %s, %s", parts.Initiator, parts.Owner, initiator, objectOwner)
			}
			var uploads struct {
				Initiator string `xml:"Upload>Initiator>ID"`
				Owner     string `xml:"Upload>Owner>ID"`
			}
			if err := xml.Unmarshal(srv.Must(t, 200, s3test.Request{Method: "GET", Path: "/mpu?uploads", As: s3test.Owner}), &uploads); err != nil {
				t.Fatal(err)
			}
			if uploads.Initiator != initiator || uploads.Owner != objectOwner {
				t.Errorf("ListMultipartUploads: Initiator %s, Owner %s; want %s, %s", uploads.Initiator, uploads.Owner, initiator, objectOwner)
			}
			complete := []byte(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>` + parts.ETag + `</ETag></Part></CompleteMultipartUpload>`)
			srv.Must(t, 200, s3test.Request{Method: "POST", Path: upload, Body: complete, As: teamRoot})
			// A completion sent again is still the initiator's.
			srv.Must(t, 200, s3test.Request{Method: "POST", Path: upload, Body: complete, As: teamRoot})
			// The object's owner reads its ACL: the bucket owner may not read the ACL of an
			// object another account owns without a grant (how-s3-evaluates-access-control.html).
			var acl struct {
				Owner string `xml:"Owner>ID"`
			}
			if err := xml.Unmarshal(srv.Must(t, 200, s3test.Request{Method: "GET", Path: "/mpu/big?acl", As: tc.objectOwner}), &acl); err != nil {
				t.Fatal(err)
			}
			if acl.Owner != objectOwner {
				t.Errorf("the completed object's owner: %s, want %s", acl.Owner, objectOwner)
			}
			if res, body := srv.Do(t, s3test.Request{Method: "GET", Path: "/mpu/big", As: teamRoot}); res.StatusCode != tc.initiatorReads {
				t.Errorf("the initiator reads the object: %d, want %d\n%s", res.StatusCode, tc.initiatorReads, body)
			}
		})
	}
}
