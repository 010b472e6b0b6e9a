package lifecycle

import (
	"encoding/xml"
	"strconv"
	"strings"
	"time"
)

// Encode is the document GetBucketLifecycleConfiguration answers for c
// (API_GetBucketLifecycleConfiguration.html): in the namespace, each rule's elements in the
// order of S3's answer (ID, Prefix or Filter, Status, Expiration, NoncurrentVersionExpiration,
// AbortIncompleteMultipartUpload), a Date as S3 writes it (2017-09-27T00:00:00.000Z). A V1
// rule answers its own Prefix, as ceph/s3-tests test_lifecycle_get reads it back; a V2 rule's
// Filter holds its one condition, or an And of several, or nothing ([UNVERIFIED] the empty
// Filter, as test_lifecycle_set_empty_filter sets it). Parse reads the document back to the
// same configuration.
func (c *Configuration) Encode() []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<LifecycleConfiguration xmlns="` + Namespace + `">`)
	for _, r := range c.Rules {
		b.WriteString("<Rule>")
		element(&b, "ID", r.ID)
		if c.LegacyPrefix {
			element(&b, "Prefix", r.Filter.Prefix)
		} else {
			b.WriteString("<Filter>")
			r.Filter.encode(&b)
			b.WriteString("</Filter>")
		}
		if r.Enabled {
			element(&b, "Status", "Enabled")
		} else {
			element(&b, "Status", "Disabled")
		}
		if e := r.Expiration; e != nil {
			b.WriteString("<Expiration>")
			switch {
			case e.Days > 0:
				element(&b, "Days", strconv.Itoa(e.Days))
			case !e.Date.IsZero():
				element(&b, "Date", e.Date.UTC().Format("2006-01-02T15:04:05.000Z"))
			default:
				element(&b, "ExpiredObjectDeleteMarker", strconv.FormatBool(e.ExpiredObjectDeleteMarker))
			}
			b.WriteString("</Expiration>")
		}
		if n := r.NoncurrentExpiration; n != nil {
			b.WriteString("<NoncurrentVersionExpiration>")
			element(&b, "NoncurrentDays", strconv.Itoa(n.Days))
			if n.NewerNoncurrentVersions > 0 {
				element(&b, "NewerNoncurrentVersions", strconv.Itoa(n.NewerNoncurrentVersions))
			}
			b.WriteString("</NoncurrentVersionExpiration>")
		}
		if r.AbortAfterDays > 0 {
			b.WriteString("<AbortIncompleteMultipartUpload>")
			element(&b, "DaysAfterInitiation", strconv.Itoa(r.AbortAfterDays))
			b.WriteString("</AbortIncompleteMultipartUpload>")
		}
		b.WriteString("</Rule>")
	}
	b.WriteString("</LifecycleConfiguration>")
	return []byte(b.String())
}

// encode writes a filter's conditions: one alone, several in an And, in the order of
// API_LifecycleRuleAndOperator.html (Prefix, Tag, ObjectSizeGreaterThan, ObjectSizeLessThan).
func (f Filter) encode(b *strings.Builder) {
	n := len(f.Tags)
	greater := f.SizeGreaterThan > 0 || f.NonEmpty
	for _, set := range []bool{f.Prefix != "", greater, f.SizeLessThan > 0} {
		if set {
			n++
		}
	}
	if n > 1 {
		b.WriteString("<And>")
	}
	if f.Prefix != "" {
		element(b, "Prefix", f.Prefix)
	}
	for _, t := range f.Tags {
		b.WriteString("<Tag>")
		element(b, "Key", t.Key)
		element(b, "Value", t.Value)
		b.WriteString("</Tag>")
	}
	if greater {
		element(b, "ObjectSizeGreaterThan", strconv.FormatInt(f.SizeGreaterThan, 10))
	}
	if f.SizeLessThan > 0 {
		element(b, "ObjectSizeLessThan", strconv.FormatInt(f.SizeLessThan, 10))
	}
	if n > 1 {
		b.WriteString("</And>")
	}
}

// element writes <name>text</name>, text escaped.
func element(b *strings.Builder, name, text string) {
	b.WriteString("<" + name + ">")
	_ = xml.EscapeText(b, []byte(text)) // a strings.Builder never fails a write
	b.WriteString("</" + name + ">")
}

// midnight is the start of t's day in UTC.
func midnight(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }
