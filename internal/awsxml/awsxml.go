// Package awsxml writes the XML error body that every AWS S3 error response carries, so the S3
// server, the CORS middleware and the explain command render byte-identical bodies.
package awsxml

import (
	"encoding/xml"
	"strings"
)

// Header is the XML declaration AWS puts before every body, followed by a newline.
const Header = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// Field is one element of an <Error> body after Code and Message.
type Field struct{ Name, Value string }

// ErrorBody returns AWS's error document: Code, Message, the extra fields in order, then
// RequestId and HostId when they are not empty.
func ErrorBody(code, message string, extra []Field, requestID, hostID string) []byte {
	var b strings.Builder
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
	_ = xml.EscapeText(b, []byte(value)) // a strings.Builder never fails
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
}
