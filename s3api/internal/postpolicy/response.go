package postpolicy

import (
	"bytes"
	"encoding/xml"
	"net/url"
	"strings"
)

// ResponseBody is the XML document of a 201 answer (success_action_status 201): the
// object's URL, its bucket and key, and its ETag, given bare as storage returns it and
// quoted here. location is the object's URL with the key percent-encoded, '/' included, as
// S3 writes it. Like S3's, the document has no namespace.
func ResponseBody(location, bucket, key, etag string) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<PostResponse><Location>")
	xml.EscapeText(&b, []byte(location))
	b.WriteString("</Location><Bucket>")
	xml.EscapeText(&b, []byte(bucket))
	b.WriteString("</Bucket><Key>")
	xml.EscapeText(&b, []byte(key))
	b.WriteString(`</Key><ETag>"`)
	xml.EscapeText(&b, []byte(etag))
	b.WriteString(`"</ETag></PostResponse>`)
	return b.Bytes()
}

// RedirectURL is the Location of a 303 answer to a form with success_action_redirect: the
// redirect URL as given, its query kept, with bucket, key and the quoted ETag appended
// form-encoded, as S3 appends them.
func RedirectURL(redirect, bucket, key, etag string) string {
	q := "bucket=" + url.QueryEscape(bucket) + "&key=" + url.QueryEscape(key) + "&etag=" + url.QueryEscape(`"`+etag+`"`)
	base, fragment, hasFragment := strings.Cut(redirect, "#")
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
		if strings.HasSuffix(base, "?") || strings.HasSuffix(base, "&") {
			sep = ""
		}
	}
	out := base + sep + q
	if hasFragment {
		out += "#" + fragment
	}
	return out
}
