package awsxml

import (
	"encoding/xml"

	"github.com/doorman-s3/doorman/storage"
)

// The Object Lock documents of S3's API, named once for the S3 server that reads and writes
// them and the s3 backend that sends them to an upstream and reads its answers.

// ObjectLockConfiguration is the document of PutObjectLockConfiguration and
// GetObjectLockConfiguration
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ObjectLockConfiguration.html).
type ObjectLockConfiguration struct {
	XMLName           xml.Name        `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ObjectLockConfiguration"`
	ObjectLockEnabled string          `xml:"ObjectLockEnabled"`
	Rule              *ObjectLockRule `xml:"Rule,omitempty"`
}

// ObjectLockRule is the Rule of an ObjectLockConfiguration: the default retention.
type ObjectLockRule struct {
	DefaultRetention struct {
		Mode  string `xml:"Mode"`
		Days  int    `xml:"Days,omitempty"`
		Years int    `xml:"Years,omitempty"`
	} `xml:"DefaultRetention"`
}

// EncodeObjectLock is the ObjectLockConfiguration document of c, a configuration with Object
// Lock enabled.
func EncodeObjectLock(c storage.ObjectLockConfig) ObjectLockConfiguration {
	out := ObjectLockConfiguration{ObjectLockEnabled: "Enabled"}
	if d := c.DefaultRetention; d != nil {
		out.Rule = &ObjectLockRule{}
		r := &out.Rule.DefaultRetention
		r.Mode, r.Days, r.Years = string(d.Mode), d.Days, d.Years
	}
	return out
}

// Config is the configuration the document describes, as it is written: without
// ObjectLockEnabled "Enabled", none. It checks nothing (storage.ObjectLockConfig.Validate).
func (d *ObjectLockConfiguration) Config() storage.ObjectLockConfig {
	if d.ObjectLockEnabled != "Enabled" {
		return storage.ObjectLockConfig{}
	}
	c := storage.ObjectLockConfig{Enabled: true}
	if r := d.Rule; r != nil {
		dr := r.DefaultRetention
		c.DefaultRetention = &storage.DefaultRetention{Mode: storage.RetentionMode(dr.Mode), Days: dr.Days, Years: dr.Years}
	}
	return c
}

// Retention is the document of PutObjectRetention and GetObjectRetention
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ObjectLockRetention.html); one without
// a mode and a date removes a version's retention.
type Retention struct {
	XMLName         xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ Retention"`
	Mode            string   `xml:"Mode,omitempty"`
	RetainUntilDate string   `xml:"RetainUntilDate,omitempty"`
}

// LegalHold is the document of PutObjectLegalHold and GetObjectLegalHold
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ObjectLockLegalHold.html).
type LegalHold struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LegalHold"`
	Status  string   `xml:"Status"`
}

// The legal hold statuses, as S3 spells them.
const (
	LegalHoldOn  = "ON"
	LegalHoldOff = "OFF"
)

// LegalHoldStatus is how S3 spells a legal hold that is on or off.
func LegalHoldStatus(on bool) string {
	if on {
		return LegalHoldOn
	}
	return LegalHoldOff
}
