package lint

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
)

// RuleLines returns the 1-based line on which each rule of doc begins, in document order:
// the N-th object of the CORSRules array in the AWS CLI's JSON, the N-th CORSRule element
// in S3 XML. The form is told apart as cors.Decode does. Lines are found as far as the
// document can be read; a document cors.Decode refuses may yield fewer or none.
func RuleLines(doc []byte) []int {
	var offsets []int64
	if t := bytes.TrimLeft(doc, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '<' {
		offsets = xmlRuleOffsets(doc)
	} else {
		offsets = jsonRuleOffsets(doc)
	}
	lines := make([]int, len(offsets))
	for k, off := range offsets {
		lines[k] = 1 + bytes.Count(doc[:off], []byte("\n"))
	}
	return lines
}

// SetLines fills in the Line of each finding from lines, as RuleLines returns them.
func SetLines(findings []Finding, lines []int) {
	for k := range findings {
		if r := findings[k].Rule; r >= 0 && r < len(lines) {
			findings[k].Line = lines[r]
		}
	}
}

func jsonRuleOffsets(doc []byte) []int64 {
	type frame struct {
		object  bool // an object, else an array
		wantKey bool // in an object: the next string is a key
		rules   bool // the top-level CORSRules array
	}
	var (
		offsets []int64
		stack   []frame
		key     string
	)
	d := json.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		if err != nil {
			return offsets
		}
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if s, ok := tok.(string); ok && top != nil && top.object && top.wantKey {
			key, top.wantKey = s, false
			continue
		}
		if top != nil && top.object {
			top.wantKey = true // a value is starting; a key comes after it
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			rules := tok == json.Delim('[') && len(stack) == 1 && stack[0].object && strings.EqualFold(key, "CORSRules")
			if rules {
				offsets = offsets[:0] // encoding/json keeps the last of repeated keys
			}
			if tok == json.Delim('{') && top != nil && top.rules {
				offsets = append(offsets, d.InputOffset()-1)
			}
			stack = append(stack, frame{object: tok == json.Delim('{'), wantKey: true, rules: rules})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
	}
}

func xmlRuleOffsets(doc []byte) []int64 {
	var offsets []int64
	d := xml.NewDecoder(bytes.NewReader(doc))
	depth := 0
	for {
		off := d.InputOffset()
		tok, err := d.RawToken()
		if err != nil {
			return offsets
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 1 && t.Name.Local == "CORSRule" {
				offsets = append(offsets, off)
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
}
