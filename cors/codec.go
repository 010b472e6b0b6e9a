package cors

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/doorman-s3/doorman/cors/corserr"
	"github.com/doorman-s3/doorman/internal/awsxml"
)

// MaxJSONSize bounds the JSON form read by DecodeJSON. JSON spends more bytes per value than
// the XML Amazon S3 limits to MaxDocumentSize, so it gets more room; the XML size of the result
// is still checked by Validate.
const MaxJSONSize = 4 * MaxDocumentSize

// DecodeXML reads a CORSConfiguration document as PutBucketCors receives it. It checks the
// document against the schema only (well-formed, known elements in their places, integer
// MaxAgeSeconds); Validate checks the rest. Errors are *corserr.Error: MalformedXML, or
// MaxMessageLengthExceeded for a body over MaxDocumentSize.
//
// Entities other than XML's five and character references are refused, as is any DOCTYPE,
// so a document cannot expand; an element nested where the schema has none is refused at
// once, which bounds the depth.
func DecodeXML(data []byte) (*Config, error) {
	if len(data) > MaxDocumentSize {
		return nil, tooLarge(len(data))
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true // the default: only XML's own entities
	p := xmlParser{d: d}
	return p.document()
}

// tooLarge is the refusal of a document over MaxDocumentSize. Only the limit is documented;
// the code is S3's generic one for a request body that is too big [UNVERIFIED].
func tooLarge(n int) *corserr.Error {
	return &corserr.Error{Status: 400, Code: corserr.CodeMaxMessageLengthExceeded,
		Message: "Your request was too big.", Rule: -1,
		Detail: fmt.Sprintf("the document has %d bytes; the limit is %d", n, MaxDocumentSize)}
}

func malformed(rule int, field, detail string) *corserr.Error {
	return &corserr.Error{Status: 400, Code: corserr.CodeMalformedXML,
		Message: "The XML you provided was not well-formed or did not validate against our published schema",
		Rule:    rule, Field: field, Detail: detail}
}

type xmlParser struct {
	d *xml.Decoder
}

// next returns the next token that matters: comments, processing instructions and blank
// character data are skipped; other character data outside a leaf element is a fault.
func (p *xmlParser) next(where string) (xml.Token, error) {
	for {
		tok, err := p.d.Token()
		if err == io.EOF {
			return nil, err
		}
		if err != nil {
			return nil, malformed(-1, "", "not well-formed XML: "+err.Error())
		}
		switch t := tok.(type) {
		case xml.Comment, xml.ProcInst:
			continue
		case xml.Directive:
			return nil, malformed(-1, "", "DOCTYPE and other directives are not allowed")
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return nil, malformed(-1, "", "unexpected text in "+where)
			}
			continue
		}
		return tok, nil
	}
}

func inNamespace(n xml.Name) bool { return n.Space == "" || n.Space == Namespace }

func (p *xmlParser) document() (*Config, error) {
	tok, err := p.next("the document")
	if err == io.EOF {
		return nil, malformed(-1, "", "the document is empty")
	}
	if err != nil {
		return nil, err
	}
	root, ok := tok.(xml.StartElement)
	if !ok || root.Name.Local != "CORSConfiguration" || !inNamespace(root.Name) {
		return nil, malformed(-1, "", "the root element must be CORSConfiguration")
	}
	cfg := &Config{}
	for {
		tok, err := p.next("CORSConfiguration")
		if err == io.EOF {
			return nil, malformed(-1, "", "CORSConfiguration is not closed")
		}
		if err != nil {
			return nil, err
		}
		if _, end := tok.(xml.EndElement); end {
			break
		}
		el := tok.(xml.StartElement)
		if el.Name.Local != "CORSRule" || !inNamespace(el.Name) {
			return nil, malformed(len(cfg.Rules), el.Name.Local, "unknown element "+el.Name.Local+" in CORSConfiguration")
		}
		r, err := p.rule(len(cfg.Rules))
		if err != nil {
			return nil, err
		}
		cfg.Rules = append(cfg.Rules, r)
	}
	if _, err := p.next("the document"); err != io.EOF {
		if err != nil {
			return nil, err
		}
		return nil, malformed(-1, "", "content after CORSConfiguration")
	}
	return cfg, nil
}

func (p *xmlParser) rule(i int) (Rule, error) {
	var r Rule
	var seenID bool
	for {
		tok, err := p.next("CORSRule")
		if err == io.EOF {
			return r, malformed(i, "", "CORSRule is not closed")
		}
		if err != nil {
			return r, err
		}
		if _, end := tok.(xml.EndElement); end {
			return r, nil
		}
		el := tok.(xml.StartElement)
		name := el.Name.Local
		if !inNamespace(el.Name) {
			return r, malformed(i, name, "element "+name+" is in an unknown namespace")
		}
		text, err := p.text(i, name)
		if err != nil {
			return r, err
		}
		switch name {
		case "ID":
			if seenID {
				return r, malformed(i, name, "ID appears twice")
			}
			seenID = true
			r.ID = text
		case "AllowedMethod":
			r.AllowedMethods = append(r.AllowedMethods, text)
		case "AllowedOrigin":
			r.AllowedOrigins = append(r.AllowedOrigins, text)
		case "AllowedHeader":
			r.AllowedHeaders = append(r.AllowedHeaders, text)
		case "ExposeHeader":
			r.ExposeHeaders = append(r.ExposeHeaders, text)
		case "MaxAgeSeconds":
			if r.MaxAgeSeconds != nil {
				return r, malformed(i, name, "MaxAgeSeconds appears twice")
			}
			// xs:int: surrounding white space is collapsed, a sign is allowed.
			v, err := strconv.ParseInt(strings.TrimSpace(text), 10, 32)
			if err != nil {
				e := malformed(i, name, fmt.Sprintf("MaxAgeSeconds %q is not a 32-bit integer", text))
				e.Value = text
				return r, e
			}
			n := int32(v)
			r.MaxAgeSeconds = &n
		default:
			return r, malformed(i, name, "unknown element "+name+" in CORSRule")
		}
	}
}

// text reads the character data of a leaf element up to its end tag.
func (p *xmlParser) text(i int, name string) (string, error) {
	var b []byte
	for {
		tok, err := p.d.Token()
		if err != nil {
			if err == io.EOF {
				err = errors.New("unexpected end of document")
			}
			return "", malformed(i, name, "not well-formed XML: "+err.Error())
		}
		switch t := tok.(type) {
		case xml.CharData:
			b = append(b, t...)
		case xml.EndElement:
			return string(b), nil
		case xml.StartElement:
			return "", malformed(i, name, "element "+t.Name.Local+" is not allowed inside "+name)
		case xml.Directive:
			return "", malformed(i, name, "DOCTYPE and other directives are not allowed")
		}
	}
}

// EncodeXML writes c as GetBucketCors returns it. Elements of a rule come in the order of
// the S3 API model (ID, AllowedHeader, AllowedMethod, AllowedOrigin, ExposeHeader,
// MaxAgeSeconds). Whether Amazon S3 keeps the element order of the stored document is not
// recorded [UNVERIFIED]; rule and value order, which is, are kept.
func EncodeXML(c *Config) []byte {
	var b strings.Builder
	b.WriteString(awsxml.Header)
	b.WriteString(`<CORSConfiguration xmlns="` + Namespace + `">`)
	for _, r := range c.Rules {
		b.WriteString("<CORSRule>")
		if r.ID != "" {
			awsxml.WriteElement(&b, "ID", r.ID)
		}
		list := func(name string, vs []string) {
			for _, v := range vs {
				awsxml.WriteElement(&b, name, v)
			}
		}
		list("AllowedHeader", r.AllowedHeaders)
		list("AllowedMethod", r.AllowedMethods)
		list("AllowedOrigin", r.AllowedOrigins)
		list("ExposeHeader", r.ExposeHeaders)
		if r.MaxAgeSeconds != nil {
			awsxml.WriteElement(&b, "MaxAgeSeconds", strconv.Itoa(int(*r.MaxAgeSeconds)))
		}
		b.WriteString("</CORSRule>")
	}
	b.WriteString("</CORSConfiguration>")
	return []byte(b.String())
}

// DecodeJSON reads the AWS CLI's JSON form ({"CORSRules":[{"AllowedOrigins":[...],...}]}).
// Unknown fields, trailing data and documents over MaxJSONSize are refused. Its errors are
// plain decoding errors; Validate then checks the configuration as Amazon S3 would.
func DecodeJSON(data []byte) (*Config, error) {
	if len(data) > MaxJSONSize {
		return nil, fmt.Errorf("CORS configuration JSON is %d bytes; the limit is %d", len(data), MaxJSONSize)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	var c Config
	if err := d.Decode(&c); err != nil {
		return nil, fmt.Errorf("CORS configuration JSON: %w", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("CORS configuration JSON: unexpected data after the document")
	}
	// The AWS CLI sends an empty list as no element at all: normalise so both forms agree.
	for i := range c.Rules {
		r := &c.Rules[i]
		for _, l := range []*[]string{&r.AllowedHeaders, &r.AllowedMethods, &r.AllowedOrigins, &r.ExposeHeaders} {
			if len(*l) == 0 {
				*l = nil
			}
		}
	}
	return &c, nil
}

// EncodeJSON writes c as `aws s3api get-bucket-cors` prints it.
func EncodeJSON(c *Config) []byte {
	b, err := json.MarshalIndent(c, "", "    ")
	if err != nil {
		panic(err) // Config holds only strings, slices and integers
	}
	return append(b, '\n')
}

// Decode reads either form, telling them apart by the first non-blank byte: '<' is XML.
func Decode(data []byte) (*Config, error) {
	if t := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '<' {
		return DecodeXML(data)
	}
	return DecodeJSON(data)
}
