// Package tagging reads and writes the tag sets of Amazon S3 objects and buckets: the Tagging
// XML document of PutObjectTagging, GetObjectTagging, PutBucketTagging and GetBucketTagging,
// the x-amz-tagging header of PutObject, CopyObject and CreateMultipartUpload (a URL-encoded
// query string, "tag1=value1&tag2=value2"), and the canonical form a tag set is stored in.
//
// A tag set is checked as S3 checks it
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html,
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/CostAllocTagging.html): at most 10 tags
// on an object and 50 on a bucket, unique keys of 1 to 128 characters, values of 0 to 256,
// counted in UTF-16 code units ("Amazon S3 object tags are internally represented in UTF-16"),
// made of Unicode letters, numbers, white space and "_ . : / = + @ -"
// (https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html), and no key in the
// prefix "aws:", which AWS reserves for the tags it assigns
// (https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/custom-tags.html).
//
// The errors are S3's: the error table of
// https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html names InvalidTag and
// MalformedXML; the messages are those S3 was seen to send, each noted where it is defined.
package tagging

import (
	"encoding/xml"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Limits of a tag set (object-tagging.html, CostAllocTagging.html).
const (
	// MaxObjectTags: "You can associate up to 10 tags with an object."
	MaxObjectTags = 10
	// MaxBucketTags: a bucket's "tag set can contain as many as 50 tags, or it can be empty".
	MaxBucketTags = 50
	// MaxKeyLength and MaxValueLength are in UTF-16 code units: "A tag key can be up to 128
	// Unicode characters in length, and tag values can be up to 256 Unicode characters".
	MaxKeyLength   = 128
	MaxValueLength = 256
	// MaxDocumentSize bounds a Tagging document read from a request. The largest valid one,
	// 50 tags whose 384 characters each take 4 bytes of UTF-8 and are written as numeric
	// character references of up to 10 bytes, is under 200 KiB; a larger body is no tag set.
	MaxDocumentSize = 256 << 10
)

// reservedPrefix begins the keys of the tags AWS assigns, which no one else may set.
const reservedPrefix = "aws:"

// Error is a tag set S3 refuses: the S3 error code and message to answer.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// The errors of a refused tag set.
var (
	// ErrTooManyObjectTags: S3 answered 11 tags, on PutObject's header and on
	// PutObjectTagging, with 400 BadRequest and this message
	// (github.com/hashicorp/terraform-provider-aws/issues/19895 and issues/41747).
	ErrTooManyObjectTags = &Error{"BadRequest", "Object tags cannot be greater than 10"}
	// ErrTooManyBucketTags: [UNVERIFIED] no record shows S3's answer to 51 bucket tags; the
	// code is InvalidTag, which the error table gives for tag input that is not valid, and the
	// message follows ErrTooManyObjectTags'.
	ErrTooManyBucketTags = &Error{"InvalidTag", "Bucket tag count cannot be greater than 50"}
	// ErrInvalidKey: S3's answer to a header whose key held characters outside the allowed
	// set (github.com/aws/aws-cli/issues/2841); used for every key S3 does not accept.
	ErrInvalidKey = &Error{"InvalidTag", "The TagKey you have provided is invalid"}
	// ErrInvalidValue: [UNVERIFIED] the message of ErrInvalidKey for a value.
	ErrInvalidValue = &Error{"InvalidTag", "The TagValue you have provided is invalid"}
	// ErrDuplicateKey: S3's message for a Tagging document with a key twice (quoted from its
	// answers by clients, e.g. in moto's and LocalStack's AWS-validated tests).
	ErrDuplicateKey = &Error{"InvalidTag", "Cannot provide multiple Tags with the same key"}
	// ErrReservedKey: the message moto, whose S3 answers are checked against AWS, gives to an
	// object's key prefixed with "aws:". [UNVERIFIED]
	ErrReservedKey = &Error{"InvalidTag", "Your TagKey cannot be prefixed with aws:"}
	// ErrReservedBucketKey: S3's answer to a bucket's key prefixed with "aws:" (LocalStack's
	// test_put_bucket_tagging_aws_prefix, run against AWS, in
	// github.com/localstack/localstack tests/aws/services/s3).
	ErrReservedBucketKey = &Error{"InvalidTag", "System tags cannot be added/updated by requester"}
	// ErrMalformedXML is the error table's MalformedXML.
	ErrMalformedXML = &Error{"MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema"}
	// ErrHeader: S3's answer to an x-amz-tagging header that is not a query string of
	// distinct names (github.com/aws/aws-cli/issues/2841).
	ErrHeader = &Error{"InvalidArgument", "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates."}
)

// Tag is one tag.
type Tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

// Set is a tag set, sorted by key with no key twice once it is valid.
type Set []Tag

// document is the Tagging document; the pointers tell a missing element from an empty one.
type document struct {
	XMLName xml.Name `xml:"Tagging"`
	TagSet  *struct {
		Tag []struct {
			Key   *string `xml:"Key"`
			Value *string `xml:"Value"`
		} `xml:"Tag"`
	} `xml:"TagSet"`
}

// ParseXML reads a Tagging document holding at most max tags: MaxObjectTags for an object's,
// MaxBucketTags for a bucket's, whose errors differ where S3's do. TagSet, and each Tag's Key and Value, are required (API_Tagging.html,
// API_Tag.html); an empty TagSet is an empty set.
func ParseXML(body []byte, max int) (Set, error) {
	var d document
	if xml.Unmarshal(body, &d) != nil || d.TagSet == nil {
		return nil, ErrMalformedXML
	}
	set := make(Set, 0, len(d.TagSet.Tag))
	for _, t := range d.TagSet.Tag {
		if t.Key == nil || t.Value == nil {
			return nil, ErrMalformedXML
		}
		set = append(set, Tag{*t.Key, *t.Value})
	}
	return set.validate(max, ErrDuplicateKey)
}

// ParseHeader reads an x-amz-tagging header: name=value pairs joined by "&", each
// percent-encoded, "+" standing for a space as in a form's query (a name without "=" has the
// empty value, as ceph/s3-tests' test_put_obj_with_tags expects). A pair with a second raw
// "=", a bad escape, text that is not UTF-8 or a name twice is ErrHeader.
func ParseHeader(h string) (Set, error) {
	var set Set
	for pair := range strings.SplitSeq(h, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if strings.Contains(v, "=") {
			return nil, ErrHeader
		}
		key, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil || !utf8.ValidString(key) || !utf8.ValidString(value) {
			return nil, ErrHeader
		}
		set = append(set, Tag{key, value})
	}
	return set.validate(MaxObjectTags, ErrHeader)
}

// validate sorts a set and checks it holds at most max tags, no key twice (dup otherwise)
// and only keys and values S3 accepts.
func (s Set) validate(max int, dup *Error) (Set, error) {
	tooMany, reserved := ErrTooManyObjectTags, ErrReservedKey
	if max == MaxBucketTags {
		tooMany, reserved = ErrTooManyBucketTags, ErrReservedBucketKey
	}
	if len(s) > max {
		return nil, tooMany
	}
	for _, t := range s {
		if n := utf16Len(t.Key); n == 0 || n > MaxKeyLength || !allowed(t.Key) {
			return nil, ErrInvalidKey
		}
		if strings.HasPrefix(t.Key, reservedPrefix) {
			return nil, reserved
		}
		if utf16Len(t.Value) > MaxValueLength || !allowed(t.Value) {
			return nil, ErrInvalidValue
		}
	}
	s = slices.Clone(s)
	slices.SortStableFunc(s, func(a, b Tag) int { return strings.Compare(a.Key, b.Key) })
	for i := 1; i < len(s); i++ {
		if s[i].Key == s[i-1].Key {
			return nil, dup
		}
	}
	return s, nil
}

// utf16Len is the length of s in UTF-16 code units, as S3 counts a tag's characters.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// allowed reports whether s holds only Unicode letters, numbers, white space and the symbols
// "_ . : / = + @ -" (the pattern [\p{L}\p{Z}\p{N}_.:/=+\-@]* of AWS's tag references).
func allowed(s string) bool {
	for _, r := range s {
		if !unicode.In(r, unicode.L, unicode.Z, unicode.N) && !strings.ContainsRune("_.:/=+@-", r) {
			return false
		}
	}
	return true
}

// Encode is the canonical stored form of a valid set: its pairs percent-encoded and joined by
// "&", in key order; the empty set is "".
func (s Set) Encode() string {
	var b strings.Builder
	for i, t := range s {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(t.Key))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(t.Value))
	}
	return b.String()
}

// Decode reads a set Encode wrote. A stored form that does not parse is an error, never the
// pairs that do: only damage could make it so, and a set missing a tag would let a policy
// that decides by that tag (s3:ExistingObjectTag) decide wrongly.
func Decode(stored string) (Set, error) {
	if stored == "" {
		return nil, nil
	}
	var set Set
	for pair := range strings.SplitSeq(stored, "&") {
		k, v, ok := strings.Cut(pair, "=")
		key, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("stored tag set damaged at %q", pair)
		}
		set = append(set, Tag{key, value})
	}
	return set, nil
}

// Count is the number of tags of a stored set, without decoding it.
func Count(stored string) int {
	if stored == "" {
		return 0
	}
	return strings.Count(stored, "&") + 1
}

// Document is the Tagging document answering GetObjectTagging and GetBucketTagging.
type Document struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ Tagging"`
	TagSet  struct {
		Tag []Tag `xml:"Tag"`
	} `xml:"TagSet"`
}

// XML is the set's Tagging document; an empty set has an empty TagSet, as GetObjectTagging
// answers for an object without tags.
func (s Set) XML() Document {
	var d Document
	d.TagSet.Tag = s
	return d
}
