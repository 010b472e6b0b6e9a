package acl

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// Document is an AccessControlPolicy body
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_AccessControlPolicy.html).
type Document struct {
	OwnerID string // "" when the body names no owner
	Grants  []Grant
}

// MaxDocumentSize bounds the AccessControlPolicy ParseDocument reads: MaxGrants grants of
// some 300 bytes each (a Grant with its Grantee's namespace declaration and type, a 64-digit
// id or an e-mail address and a display name, a permission) and the owner fit in a quarter
// of it, leaving room for a client's indentation.
const MaxDocumentSize = 128 << 10

// xsiNamespace is XML Schema's instance namespace, whose type attribute names a grantee's
// type.
const xsiNamespace = "http://www.w3.org/2001/XMLSchema-instance"

// policyIn is an AccessControlPolicy as ParseDocument reads it. Element names are matched in
// any namespace, as clients do not all declare S3's.
type policyIn struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	Owner   struct {
		ID string `xml:"ID"`
	} `xml:"Owner"`
	Grants []struct {
		Grantee *struct {
			Type         string `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
			ID           string `xml:"ID"`
			URI          string `xml:"URI"`
			EmailAddress string `xml:"EmailAddress"`
		} `xml:"Grantee"`
		Permission string `xml:"Permission"`
	} `xml:"AccessControlList>Grant"`
}

// ParseDocument reads an AccessControlPolicy (MalformedACLError for XML that is not
// well-formed or does not match the schema: another root element, unknown permission,
// grantee type missing or unknown, a grantee without the field its type needs, more than
// MaxGrants grants, a body longer than MaxDocumentSize). Values are read without the
// whitespace around them. The grantee's type is the type attribute of the XML Schema
// instance namespace (xsi:type with xmlns:xsi declared), as S3 writes it. Grantees are not
// checked against accounts or groups here: Resolve does that. Errors are *Error.
func ParseDocument(body []byte) (Document, error) {
	if len(body) > MaxDocumentSize {
		// [UNVERIFIED] S3's answer to a longer body is not recorded; a server bounds the body
		// before it gets here.
		return Document{}, malformedACL()
	}
	var in policyIn
	d := xml.NewDecoder(bytes.NewReader(body))
	if err := d.Decode(&in); err != nil || !onlyMisc(d) {
		return Document{}, malformedACL()
	}
	if len(in.Grants) > MaxGrants {
		return Document{}, malformedACL()
	}
	doc := Document{OwnerID: strings.TrimSpace(in.Owner.ID)}
	for _, g := range in.Grants {
		p := Permission(strings.TrimSpace(g.Permission))
		if g.Grantee == nil || !p.valid() {
			return Document{}, malformedACL()
		}
		var grantee Grantee
		switch t := strings.TrimSpace(g.Grantee.Type); t {
		case TypeCanonicalUser:
			grantee = Grantee{Type: t, ID: strings.TrimSpace(g.Grantee.ID)}
		case TypeGroup:
			grantee = Grantee{Type: t, URI: strings.TrimSpace(g.Grantee.URI)}
		case TypeEmail:
			grantee = Grantee{Type: t, EmailAddress: strings.TrimSpace(g.Grantee.EmailAddress)}
		default:
			return Document{}, malformedACL()
		}
		if grantee.ID == "" && grantee.URI == "" && grantee.EmailAddress == "" {
			return Document{}, malformedACL()
		}
		doc.Grants = append(doc.Grants, Grant{Grantee: grantee, Permission: p})
	}
	return doc, nil
}

// onlyMisc reports whether what follows the root element is only what XML allows there:
// whitespace, comments and processing instructions.
func onlyMisc(d *xml.Decoder) bool {
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			return false
		}
		switch tok := tok.(type) {
		case xml.Comment, xml.ProcInst:
		case xml.CharData:
			if len(bytes.TrimSpace(tok)) != 0 {
				return false
			}
		default:
			return false
		}
	}
}

// policyOut is the AccessControlPolicy S3 answers, element for element.
type policyOut struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ AccessControlPolicy"`
	Owner   ownerOut `xml:"Owner"`
	List    struct {
		Grants []grantOut `xml:"Grant"`
	} `xml:"AccessControlList"`
}

type ownerOut struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName,omitempty"`
}

type grantOut struct {
	Grantee    granteeOut `xml:"Grantee"`
	Permission Permission `xml:"Permission"`
}

type granteeOut struct {
	XMLNSXsi     string `xml:"xmlns:xsi,attr"`
	Type         string `xml:"xsi:type,attr"`
	ID           string `xml:"ID,omitempty"`
	DisplayName  string `xml:"DisplayName,omitempty"`
	URI          string `xml:"URI,omitempty"`
	EmailAddress string `xml:"EmailAddress,omitempty"`
}

// MarshalDocument writes the AccessControlPolicy S3 answers (GetBucketAcl/GetObjectAcl):
// namespace http://s3.amazonaws.com/doc/2006-03-01/, Owner (ID, DisplayName if non-empty),
// AccessControlList>Grant>Grantee with xmlns:xsi and xsi:type, ID+DisplayName / URI (or
// EmailAddress, for a grantee Resolve has not replaced), Permission. displayName maps a
// canonical id to its display name ("" = omit); nil omits every display name. The XML
// declaration is not included.
func MarshalDocument(ownerID string, grants []Grant, displayName func(id string) string) ([]byte, error) {
	name := func(id string) string {
		if displayName == nil {
			return ""
		}
		return displayName(id)
	}
	out := policyOut{Owner: ownerOut{ID: ownerID, DisplayName: name(ownerID)}}
	out.List.Grants = make([]grantOut, len(grants))
	for i, g := range grants {
		e := granteeOut{XMLNSXsi: xsiNamespace, Type: g.Grantee.Type}
		switch g.Grantee.Type {
		case TypeCanonicalUser:
			e.ID, e.DisplayName = g.Grantee.ID, name(g.Grantee.ID)
		case TypeGroup:
			e.URI = g.Grantee.URI
		case TypeEmail:
			e.EmailAddress = g.Grantee.EmailAddress
		}
		out.List.Grants[i] = grantOut{Grantee: e, Permission: g.Permission}
	}
	return xml.Marshal(out)
}
