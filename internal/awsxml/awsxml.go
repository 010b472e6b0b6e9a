// Package awsxml writes the XML error body that every AWS S3 error response carries, so the S3
// server, the CORS middleware and the explain command render byte-identical bodies; and names
// the checksum elements and the Object Lock documents of S3's XML once, for the S3 server that
// writes them and the s3 backend that exchanges them with an upstream.
package awsxml

import (
	"strings"
	"unicode/utf8"
)

// Header is the XML declaration AWS puts before every body, followed by a newline.
const Header = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// Field is one element of an <Error> body after Code and Message.
type Field struct{ Name, Value string }

// ErrorBody returns AWS's error document: Code, Message, the extra fields in order, then
// RequestId and HostId when they are not empty.
func ErrorBody(code, message string, extra []Field, requestID, hostID string) []byte {
	// One allocation for the document unless escapes lengthen it: each element is its value
	// and twice its name in 5 bytes of brackets.
	size := len(Header) + len("<Error></Error>") + 2*len("RequestId") + len(requestID) + 2*len("HostId") + len(hostID) + 10 +
		2*len("Message") + len(message) + 2*len("Code") + len(code) + 10
	for _, f := range extra {
		size += 2*len(f.Name) + len(f.Value) + 5
	}
	var b strings.Builder
	b.Grow(size)
	b.WriteString(Header)
	b.WriteString("<Error>")
	WriteElement(&b, "Code", code)
	WriteElement(&b, "Message", message)
	for _, f := range extra {
		WriteElement(&b, f.Name, f.Value)
	}
	if requestID != "" {
		WriteElement(&b, "RequestId", requestID)
	}
	if hostID != "" {
		WriteElement(&b, "HostId", hostID)
	}
	b.WriteString("</Error>")
	return []byte(b.String())
}

// WriteElement writes <name>value</name>, escaping value as XML character data.
func WriteElement(b *strings.Builder, name, value string) {
	b.WriteByte('<')
	b.WriteString(name)
	b.WriteByte('>')
	escape(b, value)
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
}

// escape writes s as XML character data the way Amazon S3 does: '&', '<' and '>' become
// entities and quotes stay as they are (S3's messages contain apostrophes, sent literally).
// Carriage returns are kept as a reference so that they survive parsing; characters XML
// cannot carry become U+FFFD.
func escape(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\r':
			b.WriteString("&#xD;")
		case r == utf8.RuneError && n == 1, !inCharRange(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
}

// inCharRange reports whether XML 1.0 allows r in a document.
func inCharRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// ValidText reports whether s is valid UTF-8 made only of characters XML 1.0 can carry, so
// that it survives a trip through an S3 XML document unchanged.
func ValidText(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || !inCharRange(r) {
			return false
		}
	}
	return utf8.ValidString(s)
}
