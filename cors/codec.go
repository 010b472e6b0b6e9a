package cors

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/doorman-s3/doorman/cors/corserr"
	"github.com/doorman-s3/doorman/internal/awsxml"
	"github.com/doorman-s3/doorman/internal/suggest"
	"github.com/doorman-s3/doorman/internal/textpos"
)

// MaxJSONSize bounds the JSON form read by DecodeJSON. JSON spends more bytes per value than
// the XML Amazon S3 limits to MaxDocumentSize, so it gets more room; the XML size of the result
// is still checked by Validate.
const MaxJSONSize = 4 * MaxDocumentSize

// DecodeXML reads a CORSConfiguration document as PutBucketCors receives it. It checks the
// document against the schema only (well-formed, known elements in their places, integer
// MaxAgeSeconds); Validate checks the rest. Errors are *DecodeError, which place a
// *corserr.Error: MalformedXML, or MaxMessageLengthExceeded for a body over MaxDocumentSize.
//
// Entities other than XML's five and character references are refused, as is any DOCTYPE,
// so a document cannot expand; an element nested where the schema has none is refused at
// once, which bounds the depth.
func DecodeXML(data []byte) (*Config, error) {
	if len(data) > MaxDocumentSize {
		return nil, &DecodeError{Err: tooLarge(len(data))}
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true // the default: only XML's own entities
	p := xmlParser{d: d}
	cfg, err := p.document()
	if err != nil {
		line, col := textpos.LineCol(data, p.at)
		return nil, &DecodeError{Line: line, Column: col, Err: err, Hint: p.hint}
	}
	return cfg, nil
}

// DecodeError is a fault of a configuration document found while reading it: what is wrong
// (Err), where (Line and Column, 1-based, columns counted in characters; both 0 when the
// fault is the document as a whole), and how to put it right when there is more to say than
// what is wrong (Hint: "did you mean", the shape expected).
//
// From DecodeXML, Err is the *corserr.Error Amazon S3 answers PutBucketCors with
// ([errors.As] finds it): MalformedXML, or MaxMessageLengthExceeded. From DecodeJSON, Err
// describes a fault in the JSON the AWS CLI takes, which it refuses before any request is
// sent; its text names the field, as in CORSRules[0].AllowedOrigins.
type DecodeError struct {
	Line, Column int
	Err          error
	Hint         string
}

func (e *DecodeError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d, column %d: ", e.Line, e.Column)
	}
	b.WriteString(e.Err.Error())
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	return b.String()
}

func (e *DecodeError) Unwrap() error { return e.Err }

// didYouMean is the hint for an unknown name, or "" when no known name is close.
func didYouMean(name string, known []string) string {
	if s := suggest.Closest(name, known); s != "" {
		return fmt.Sprintf("did you mean %s?", s)
	}
	return ""
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
	d    *xml.Decoder
	at   int64  // where the fault is: the start of the last token next read, or where reading failed
	hint string // how to put the fault right, when there is more to say
}

// xmlRuleElements are the elements of a CORSRule, each a leaf.
var xmlRuleElements = []string{"ID", "AllowedMethod", "AllowedOrigin", "AllowedHeader", "ExposeHeader", "MaxAgeSeconds"}

// next returns the next token that matters: comments, processing instructions and blank
// character data are skipped; other character data outside a leaf element is a fault.
func (p *xmlParser) next(where string) (xml.Token, error) {
	for {
		p.at = p.d.InputOffset()
		tok, err := p.d.Token()
		if err == io.EOF {
			return nil, err
		}
		if err != nil {
			p.at = p.d.InputOffset()
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
		if ok {
			p.hint = didYouMean(root.Name.Local, []string{"CORSConfiguration"})
		}
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
			p.hint = didYouMean(el.Name.Local, []string{"CORSRule"})
			if slices.Contains(xmlRuleElements, el.Name.Local) {
				p.hint = "put " + el.Name.Local + " inside a CORSRule element"
			}
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
			p.hint = didYouMean(name, xmlRuleElements)
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
			p.at = p.d.InputOffset()
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
// Unknown fields, trailing data and documents over MaxJSONSize are refused, each with a
// *DecodeError: the AWS CLI refuses a document it cannot read before sending anything.
// Field names are matched ignoring case, as encoding/json matches them; that the AWS CLI's
// parameter validation is as tolerant is not recorded. [UNVERIFIED] Validate then checks the
// configuration as Amazon S3 would.
func DecodeJSON(data []byte) (*Config, error) {
	if len(data) > MaxJSONSize {
		return nil, &DecodeError{Err: fmt.Errorf("CORS configuration JSON is %d bytes; the limit is %d", len(data), MaxJSONSize)}
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	var c Config
	if err := d.Decode(&c); err != nil {
		return nil, jsonFault(data, err)
	}
	end := d.InputOffset()
	if _, err := d.Token(); err != io.EOF {
		line, col := textpos.LineCol(data, end+int64(len(data[end:])-len(bytes.TrimLeft(data[end:], jsonSpace))))
		return nil, &DecodeError{Line: line, Column: col, Err: errors.New("unexpected data after the document"),
			Hint: "a configuration is one JSON object, " + jsonShape}
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

// jsonShape is the shape of the AWS CLI's JSON, for hints.
const jsonShape = `{"CORSRules": [{"AllowedOrigins": [...], "AllowedMethods": [...]}]}`

// jsonSpace is the white space JSON allows between tokens.
const jsonSpace = " \t\r\n"

// jsonFault explains why encoding/json refused data: the first fault of shape a walk over
// the document finds, at its place; else encoding/json's own error at the offset it gives.
func jsonFault(data []byte, err error) *DecodeError {
	w := jsonWalker{data: data, d: json.NewDecoder(bytes.NewReader(data))}
	w.d.UseNumber()
	if fault := w.document(); fault != nil {
		return fault
	}
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = syntaxOffset(data)
	case errors.As(err, &te):
		off = te.Offset
	}
	e := &DecodeError{Err: errors.New(strings.TrimPrefix(err.Error(), "json: "))}
	if off >= 0 {
		e.Line, e.Column = textpos.LineCol(data, off)
	}
	return e
}

// jsonRuleFields are the fields of a rule in the AWS CLI's JSON.
var jsonRuleFields = []string{"ID", "AllowedHeaders", "AllowedMethods", "AllowedOrigins", "ExposeHeaders", "MaxAgeSeconds"}

// jsonWalker reads a JSON document token by token, checking it has the shape of Config as
// encoding/json reads it (keys matched without regard to case), and stops at the first fault
// with its place.
type jsonWalker struct {
	data []byte
	d    *json.Decoder
}

// next reads a token and the offset where it starts.
func (w *jsonWalker) next() (json.Token, int64, *DecodeError) {
	at := w.d.InputOffset()
	rest := w.data[at:]
	at += int64(len(rest) - len(bytes.TrimLeft(rest, jsonSpace+",:")))
	tok, err := w.d.Token()
	if err == nil {
		return tok, at, nil
	}
	e := &DecodeError{Err: errors.New(strings.TrimPrefix(err.Error(), "json: "))}
	var se *json.SyntaxError
	switch {
	case err == io.EOF && len(bytes.TrimLeft(w.data, jsonSpace)) == 0:
		e.Err, e.Hint = errors.New("the document is empty"), "a configuration is "+jsonShape
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		e.Err, e.Hint = errors.New("the document ends too soon"), "close every { and ["
		e.Line, e.Column = textpos.LineCol(w.data, int64(len(w.data)))
	case errors.As(err, &se):
		off := syntaxOffset(w.data)
		e.Line, e.Column = textpos.LineCol(w.data, off)
		switch c := bytes.TrimRight(w.data[:off], jsonSpace); {
		case len(c) == 0:
			e.Hint = "a CORS configuration is the AWS CLI's JSON, " + jsonShape + ", or S3's XML, <CORSConfiguration>...</CORSConfiguration>"
		case c[len(c)-1] == ',':
			e.Hint = "JSON allows no comma after the last item of a list or object"
		}
	}
	return nil, at, e
}

// syntaxOffset is the offset of the byte at which data stops being JSON. A json.Decoder's
// SyntaxError counts offsets from where its buffer starts, leaving out white space it
// skipped; json.Unmarshal's check of the whole input counts from the start of data, and
// stops after the byte at fault.
func syntaxOffset(data []byte) int64 {
	var se *json.SyntaxError
	if err := json.Unmarshal(data, new(json.RawMessage)); errors.As(err, &se) && se.Offset > 0 {
		return se.Offset - 1
	}
	return int64(len(data))
}

// fault is a fault at offset at.
func (w *jsonWalker) fault(at int64, hint, format string, args ...any) *DecodeError {
	line, col := textpos.LineCol(w.data, at)
	return &DecodeError{Line: line, Column: col, Err: fmt.Errorf(format, args...), Hint: hint}
}

// kind names the JSON value tok starts.
func kind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return "an object"
		}
		return "a list"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "true or false"
	}
	return "null"
}

func (w *jsonWalker) document() *DecodeError {
	tok, at, e := w.next()
	switch {
	case e != nil:
		return e
	case tok == json.Delim('['):
		return w.fault(at, "the S3 console takes a list of rules; the AWS CLI and doorman take it inside an object: "+jsonShape,
			"the document is a list, not an object")
	case tok != json.Delim('{'):
		return w.fault(at, "a configuration is "+jsonShape, "the document is %s, not an object", kind(tok))
	}
	return w.object("the document", []string{"CORSRules"}, func(string) *DecodeError { return w.rules() })
}

// object reads an object's keys and values up to its end; the opening brace is read. Each
// key must be one of known, without regard to case; value reads its value.
func (w *jsonWalker) object(where string, known []string, value func(key string) *DecodeError) *DecodeError {
	for {
		tok, at, e := w.next()
		if e != nil {
			return e
		}
		if tok == json.Delim('}') {
			return nil
		}
		key := tok.(string) // the decoder allows only a string or '}' here
		i := slices.IndexFunc(known, func(k string) bool { return strings.EqualFold(k, key) })
		if i < 0 {
			hint := didYouMean(key, known)
			if strings.EqualFold(key, "CORSConfiguration") {
				hint = "the file holds what goes inside CORSConfiguration: " + jsonShape
			}
			return w.fault(at, hint, "unknown field %q in %s", key, where)
		}
		if e := value(known[i]); e != nil {
			return e
		}
	}
}

func (w *jsonWalker) rules() *DecodeError {
	tok, at, e := w.next()
	switch {
	case e != nil || tok == nil:
		return e
	case tok != json.Delim('['):
		return w.fault(at, "CORSRules is a list of rules: "+jsonShape, "CORSRules is %s, not a list", kind(tok))
	}
	return w.list(func(i int, tok json.Token, at int64) *DecodeError {
		if tok != json.Delim('{') {
			return w.fault(at, "each rule is an object: "+jsonShape, "CORSRules[%d] is %s, not an object", i, kind(tok))
		}
		where := fmt.Sprintf("CORSRules[%d]", i)
		return w.object(where, jsonRuleFields, func(key string) *DecodeError { return w.field(where+"."+key, key) })
	})
}

// list reads a list's items up to its end, the opening bracket read: item checks each one
// but null, which encoding/json reads as the zero value.
func (w *jsonWalker) list(item func(i int, tok json.Token, at int64) *DecodeError) *DecodeError {
	for i := 0; ; i++ {
		tok, at, e := w.next()
		switch {
		case e != nil:
			return e
		case tok == json.Delim(']'):
			return nil
		case tok == nil:
			continue
		}
		if e := item(i, tok, at); e != nil {
			return e
		}
	}
}

// field reads the value of a rule's field.
func (w *jsonWalker) field(where, key string) *DecodeError {
	tok, at, e := w.next()
	switch {
	case e != nil || tok == nil:
		return e
	case key == "ID":
		if _, ok := tok.(string); !ok {
			return w.fault(at, `e.g. "ID": "uploads"`, "%s is %s, not a string", where, kind(tok))
		}
		return nil
	case key == "MaxAgeSeconds":
		n, ok := tok.(json.Number)
		if s, isString := tok.(string); isString {
			if _, err := strconv.ParseInt(s, 10, 32); err == nil {
				return w.fault(at, "remove the quotes: "+key+": "+s, "%s is a string, not a number", where)
			}
		}
		if !ok {
			return w.fault(at, `a whole number of seconds, e.g. "MaxAgeSeconds": 3000`, "%s is %s, not a number", where, kind(tok))
		}
		if _, err := strconv.ParseInt(n.String(), 10, 32); err != nil {
			return w.fault(at, `a whole number of seconds, e.g. "MaxAgeSeconds": 3000`, "%s %s is not a 32-bit integer", where, n)
		}
		return nil
	case tok != json.Delim('['):
		hint := fmt.Sprintf("a list of strings, e.g. %q: [\"...\"]", key)
		if s, ok := tok.(string); ok {
			hint = fmt.Sprintf("put the value in a list: %q: [%q]", key, s)
		}
		return w.fault(at, hint, "%s is %s, not a list", where, kind(tok))
	}
	return w.list(func(i int, tok json.Token, at int64) *DecodeError {
		if _, ok := tok.(string); !ok {
			return w.fault(at, "each item is a string in double quotes", "%s[%d] is %s, not a string", where, i, kind(tok))
		}
		return nil
	})
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
