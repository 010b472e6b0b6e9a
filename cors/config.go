package cors

import "slices"

// Limits of a configuration document, as Amazon S3 documents them.
const (
	// MaxDocumentSize is the largest CORS configuration Amazon S3 accepts ("limited to 64 KB
	// in size"). Read request bodies through an io.LimitReader of MaxDocumentSize+1.
	MaxDocumentSize = 64 << 10
	// MaxRules is the most CORSRule elements one configuration may hold.
	MaxRules = 100
	// MaxIDLength is the longest rule ID.
	MaxIDLength = 255
)

// Namespace is the XML namespace of S3 request and response documents.
const Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

// Config is a bucket's CORS configuration: the CORSConfiguration document of PutBucketCors
// and GetBucketCors. It keeps the document as written: rule order, list order, case, IDs, and
// absent optional elements (nil lists, nil MaxAgeSeconds) stay as they are, so that a
// configuration reads back exactly as it was stored.
//
// Its JSON form is the one `aws s3api put-bucket-cors --cors-configuration file://cors.json`
// takes and `aws s3api get-bucket-cors` prints.
type Config struct {
	Rules []Rule `json:"CORSRules"`
}

// Rule is one CORSRule. Field order follows the S3 API model, which is also the order of
// the AWS CLI's JSON.
type Rule struct {
	ID             string   `json:"ID,omitempty"`
	AllowedHeaders []string `json:"AllowedHeaders,omitempty"`
	AllowedMethods []string `json:"AllowedMethods"`
	AllowedOrigins []string `json:"AllowedOrigins"`
	ExposeHeaders  []string `json:"ExposeHeaders,omitempty"`
	MaxAgeSeconds  *int32   `json:"MaxAgeSeconds,omitempty"`
}

// Clone returns a deep copy of c.
func (c *Config) Clone() *Config {
	out := &Config{Rules: make([]Rule, len(c.Rules))}
	for i, r := range c.Rules {
		out.Rules[i] = Rule{
			ID:             r.ID,
			AllowedHeaders: slices.Clone(r.AllowedHeaders),
			AllowedMethods: slices.Clone(r.AllowedMethods),
			AllowedOrigins: slices.Clone(r.AllowedOrigins),
			ExposeHeaders:  slices.Clone(r.ExposeHeaders),
		}
		if r.MaxAgeSeconds != nil {
			v := *r.MaxAgeSeconds
			out.Rules[i].MaxAgeSeconds = &v
		}
	}
	return out
}
