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
// any namespace, as clients do not all declare S3's. Every element is read as a list, so that
// one the schema has once (AccessControlList; a Grant's Grantee and Permission; a Grantee's
// fields) given twice is refused rather than merged or overwritten.
type policyIn struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	Owner   []struct {
		ID []string `xml:"ID"`
	} `xml:"Owner"`
	List []struct {
		Grants []grantIn `xml:"Grant"`
	} `xml:"AccessControlList"`
}

type grantIn struct {
	Grantee []struct {
		Type         string   `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
		ID           []string `xml:"ID"`
		URI          []string `xml:"URI"`
		EmailAddress []string `xml:"EmailAddress"`
	} `xml:"Grantee"`
	Permission []string `xml:"Permission"`
}

// ParseDocument reads an AccessControlPolicy (MalformedACLError for XML that is not
// well-formed or does not match the schema: another root element, no AccessControlList or
// two, a Grant without exactly one Grantee and one Permission, an element of the owner or of a
// grantee given twice, unknown permission, grantee type missing or unknown, a grantee without
// the field its type needs, more than MaxGrants grants, a body longer than MaxDocumentSize).
// A Permission is one of its enumeration's values exactly as written (XML Schema keeps the
// whitespace of a string); the other values are read without the whitespace around them. The
// grantee's type is the type attribute of the XML Schema instance namespace (xsi:type with
// xmlns:xsi declared), as S3 writes it. Grantees are not checked against accounts or groups
// here: Resolve does that. Errors are *Error.
//
// [UNVERIFIED] S3's answer to a document without AccessControlList is not recorded; doorman
// refuses it, as it refuses one without its Owner: a list left out by mistake would otherwise
// revoke every grant.
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
	if len(in.Owner) > 1 || len(in.List) != 1 || len(in.List[0].Grants) > MaxGrants {
		return Document{}, malformedACL()
	}
	var doc Document
	if len(in.Owner) == 1 {
		id, ok := atMostOne(in.Owner[0].ID)
		if !ok {
			return Document{}, malformedACL()
		}
		doc.OwnerID = id
	}
	for _, g := range in.List[0].Grants {
		g, ok := readGrant(g)
		if !ok {
			return Document{}, malformedACL()
		}
		doc.Grants = append(doc.Grants, g)
	}
	return doc, nil
}

// readGrant reads one Grant of a document; ok is false when it does not match the schema.
func readGrant(in grantIn) (g Grant, ok bool) {
	if len(in.Grantee) != 1 || len(in.Permission) != 1 {
		return Grant{}, false
	}
	g.Permission = Permission(in.Permission[0])
	e := in.Grantee[0]
	id, okID := atMostOne(e.ID)
	uri, okURI := atMostOne(e.URI)
	address, okAddress := atMostOne(e.EmailAddress)
	if !g.Permission.valid() || !okID || !okURI || !okAddress {
		return Grant{}, false
	}
	switch t := strings.TrimSpace(e.Type); t {
	case TypeCanonicalUser:
		g.Grantee = Grantee{Type: t, ID: id}
	case TypeGroup:
		g.Grantee = Grantee{Type: t, URI: uri}
	case TypeEmail:
		g.Grantee = Grantee{Type: t, EmailAddress: address}
	default:
		return Grant{}, false
	}
	return g, g.Grantee.ID != "" || g.Grantee.URI != "" || g.Grantee.EmailAddress != ""
}

// atMostOne is the value of an element the schema has at most once, without the whitespace
// around it, "" when it is absent; ok is false when it is given more than once.
func atMostOne(values []string) (value string, ok bool) {
	switch len(values) {
	case 0:
		return "", true
	case 1:
		return strings.TrimSpace(values[0]), true
	}
	return "", false
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
