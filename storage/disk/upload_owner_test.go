package disk

import (
	"context"
	"testing"

	"github.com/doorman-s3/doorman/storage"
)

// An upload's record names its object's owner only when that is not the initiator: a record
// whose initiator owns the object is the same as one written before uploads had an object
// owner. Either way the upload's ObjectOwner is the owner the completed object gets.
func TestUploadRecordObjectOwner(t *testing.T) {
	ctx := context.Background()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.CreateBucket(ctx, "bkt", storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, objectOwner string
		stored, info      string // the record's objectOwner field, the upload's ObjectOwner
	}{
		{"none given", "", "", "initiator"},
		{"the initiator", "initiator", "", "initiator"},
		{"another account", "bucket-owner", "bucket-owner", "bucket-owner"},
	} {
		info, err := s.CreateMultipartUpload(ctx, "bkt", "k", storage.CreateMultipartUploadOptions{Owner: "initiator", ObjectOwner: tc.objectOwner})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := s.getUpload("bkt", "", "k", info.UploadID)
		if err != nil {
			t.Fatal(err)
		}
		if rec.ObjectOwner != tc.stored || info.ObjectOwner != tc.info || rec.info("bkt", "k", info.UploadID).ObjectOwner != tc.info {
			t.Errorf("%s: stored %q, ObjectOwner %q; want %q, %q", tc.name, rec.ObjectOwner, info.ObjectOwner, tc.stored, tc.info)
		}
	}
}
