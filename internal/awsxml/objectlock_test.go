package awsxml_test

import (
	"encoding/xml"
	"reflect"
	"testing"

	"github.com/doorman-s3/doorman/internal/awsxml"
	"github.com/doorman-s3/doorman/storage"
)

// An Object Lock configuration written as S3's document reads back as itself, and the
// document is S3's, element for element.
func TestObjectLockConfigurationRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		cfg storage.ObjectLockConfig
		doc string
	}{
		{storage.ObjectLockConfig{Enabled: true},
			`<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>`},
		{storage.ObjectLockConfig{Enabled: true, DefaultRetention: &storage.DefaultRetention{Mode: storage.RetentionGovernance, Days: 3}},
			`<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>3</Days></DefaultRetention></Rule></ObjectLockConfiguration>`},
		{storage.ObjectLockConfig{Enabled: true, DefaultRetention: &storage.DefaultRetention{Mode: storage.RetentionCompliance, Years: 2}},
			`<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>COMPLIANCE</Mode><Years>2</Years></DefaultRetention></Rule></ObjectLockConfiguration>`},
	} {
		doc, err := xml.Marshal(awsxml.EncodeObjectLock(tc.cfg))
		if err != nil || string(doc) != tc.doc {
			t.Errorf("EncodeObjectLock(%+v) = %s, %v; want %s", tc.cfg, doc, err, tc.doc)
		}
		var read awsxml.ObjectLockConfiguration
		if err := xml.Unmarshal([]byte(tc.doc), &read); err != nil || !reflect.DeepEqual(read.Config(), tc.cfg) {
			t.Errorf("Config of %s = %+v, %v; want %+v", tc.doc, read.Config(), err, tc.cfg)
		}
	}
	var none awsxml.ObjectLockConfiguration
	if err := xml.Unmarshal([]byte(`<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>`), &none); err != nil || none.Config().Enabled {
		t.Errorf("a document without ObjectLockEnabled: %+v, %v; want no Object Lock", none.Config(), err)
	}
}
