package lint

import (
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/xml"
	"slices"
	"strings"

	"github.com/doorman-s3/doorman/cors"
	"github.com/doorman-s3/doorman/internal/textpos"
)

// A finding on an S3 configuration is placed where an editor should go: at the list entry or
// value it names, else at its field, else at its rule. The document is read a second time for
// this, token by token, since cors.Decode keeps no positions.

// spot is where one field of a rule is written: the field (its XML element name), its value
// as written, and the offset of the value's start (in JSON, of the key when the value is not
// a string or number: a list's entries each have a spot of their own).
type spot struct {
	field, value string
	off          int64
}

// ruleSpots is where a rule starts and where its fields are.
type ruleSpots struct {
	off   int64
	spots []spot
}

// Place sets the Line and Column of each finding of the S3 configuration doc at what it
// names: the list entry or value equal to its Value (or to the first of the values it
// joins, "PUT, POST"), else its field, else its rule. A finding on the document as a whole
// is left unplaced.
func Place(findings []Finding, doc []byte) {
	rules := scan(doc)
	for k := range findings {
		f := &findings[k]
		if f.Rule < 0 || f.Rule >= len(rules) {
			continue
		}
		r := rules[f.Rule]
		off := r.off
		first, _, _ := strings.Cut(f.Value, ", ")
		for _, want := range []string{f.Value, first, ""} {
			if s, ok := r.find(f.Field, want); ok {
				off = s.off
				break
			}
		}
		f.Line, f.Column = textpos.LineCol(doc, off)
	}
}

// Placed lints c, the configuration decoded from doc, and returns the findings placed in doc
// (see Place) in the document's order: an editor's list of places, top to bottom, with the
// findings on the document as a whole first.
func Placed(c *cors.Config, doc []byte) []Finding {
	findings := Lint(c)
	Place(findings, doc)
	slices.SortStableFunc(findings, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return findings
}

// find returns the first spot of field whose value is value ("": any).
func (r *ruleSpots) find(field, value string) (spot, bool) {
	for _, s := range r.spots {
		if s.field == field && (value == "" || s.value == value) {
			return s, true
		}
	}
	return spot{}, false
}

// scan finds the rules of doc and their fields, in either form.
func scan(doc []byte) []ruleSpots {
	if t := bytes.TrimLeft(doc, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '<' {
		return scanXML(doc)
	}
	return scanJSON(doc)
}

// jsonFields maps the AWS CLI's JSON keys of a rule to the XML element names findings use.
var jsonFields = map[string]string{"id": "ID", "allowedheaders": "AllowedHeader", "allowedmethods": "AllowedMethod",
	"allowedorigins": "AllowedOrigin", "exposeheaders": "ExposeHeader", "maxageseconds": "MaxAgeSeconds"}

func scanJSON(doc []byte) []ruleSpots {
	type frame struct {
		object  bool   // an object, else an array
		wantKey bool   // in an object: the next string is a key
		rules   bool   // the top-level CORSRules array
		field   string // a rule's list field: the array of its values
	}
	var (
		rules []ruleSpots
		stack []frame
		key   string
		keyAt int64
	)
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	for {
		end := d.InputOffset()
		tok, err := d.Token()
		if err != nil {
			return rules
		}
		// The token's start: after the white space, colon or comma before it.
		at := end + int64(len(doc[end:])-len(bytes.TrimLeft(doc[end:], " \t\r\n,:")))
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if s, ok := tok.(string); ok && top != nil && top.object && top.wantKey {
			key, keyAt, top.wantKey = s, at, false
			continue
		}
		if top != nil && top.object {
			top.wantKey = true // a value is starting; a key comes after it
		}
		inRule := len(stack) == 3 && stack[1].rules && top.object
		field := jsonFields[strings.ToLower(key)]
		switch tok {
		case json.Delim('{'), json.Delim('['):
			rulesArray := tok == json.Delim('[') && len(stack) == 1 && stack[0].object && strings.EqualFold(key, "CORSRules")
			if rulesArray {
				rules = rules[:0] // encoding/json keeps the last of repeated keys
			}
			if tok == json.Delim('{') && top != nil && top.rules {
				rules = append(rules, ruleSpots{off: at})
			}
			fr := frame{object: tok == json.Delim('{'), wantKey: true, rules: rulesArray}
			if inRule && tok == json.Delim('[') && field != "" {
				rules[len(rules)-1].spots = append(rules[len(rules)-1].spots, spot{field: field, off: keyAt})
				fr.field = field
			}
			stack = append(stack, fr)
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		default:
			value := ""
			switch v := tok.(type) {
			case string:
				value = v
			case json.Number:
				value = v.String()
			}
			switch {
			case inRule && field != "":
				rules[len(rules)-1].spots = append(rules[len(rules)-1].spots, spot{field: field, value: value, off: at})
			case top != nil && top.field != "" && len(stack) == 4:
				rules[len(rules)-1].spots = append(rules[len(rules)-1].spots, spot{field: top.field, value: value, off: at})
			}
		}
	}
}

func scanXML(doc []byte) []ruleSpots {
	var rules []ruleSpots
	d := xml.NewDecoder(bytes.NewReader(doc))
	depth := 0
	var open *spot // the field element being read
	for {
		off := d.InputOffset()
		tok, err := d.RawToken()
		if err != nil {
			return rules
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case depth == 1 && t.Name.Local == "CORSRule":
				rules = append(rules, ruleSpots{off: off})
			case depth == 2 && len(rules) > 0:
				open = &spot{field: t.Name.Local, off: off}
			}
			depth++
		case xml.CharData:
			if open != nil {
				open.value += string(t)
			}
		case xml.EndElement:
			depth--
			if depth == 2 && open != nil {
				rules[len(rules)-1].spots = append(rules[len(rules)-1].spots, *open)
				open = nil
			}
		}
	}
}
