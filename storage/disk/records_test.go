package disk

import (
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/storage"
)

// The records' encoding is the directory's format: these are the bytes each record is stored
// as, written out by hand. They must not change when a field of a public storage type is
// renamed, added or reordered, nor when a record's Go field is renamed; and a record stored by
// earlier versions must decode to the same values.
func TestRecordEncoding(t *testing.T) {
	when := time.Date(2026, 11, 30, 13, 57, 43, 0, time.UTC)
	cases := []struct {
		name   string
		record any // a pointer to the record
		golden string
	}{
		{"bucket", &bucketRecord{ID: "cbcd44977852315e3a27238fd3f9189b", Created: when, Region: "eu-west-1", Owner: "o", ACL: "private"},
			`{"id":"cbcd44977852315e3a27238fd3f9189b","created":"2026-11-30T13:57:43Z","region":"eu-west-1","owner":"o","acl":"private"}`},
		{"plain object", &objectRecord{File: "ef8e7368ae903108519d5a43600e89a3", Size: 1, ETag: "9dd4e461268c8034f5c8564e155c67a6", Modified: when, ACL: "private", StorageClass: "STANDARD"},
			`{"file":"ef8e7368ae903108519d5a43600e89a3","size":1,"etag":"9dd4e461268c8034f5c8564e155c67a6","modified":"2026-11-30T13:57:43Z",` +
				`"metadata":{"ContentType":"","ContentEncoding":"","ContentDisposition":"","ContentLanguage":"","CacheControl":"","Expires":"","User":null},` +
				`"acl":"private","class":"STANDARD","checksum":{"Algorithm":"","Value":"","Type":""}}`},
		{"object with every field", &objectRecord{File: "1e5b35b5c93efc2ff1586875d9304c18", Size: 5, ETag: "5d41402abc4b2a76b9719d911017c592-2", Modified: when,
			Metadata: metadataRecord{ContentType: "text/plain", ContentEncoding: "gzip", ContentDisposition: "inline", ContentLanguage: "fr",
				CacheControl: "no-cache", Expires: "Thu, 01 Dec 1994 16:00:00 GMT", User: map[string]string{"a": "b"}},
			ACL: "public-read", StorageClass: "GLACIER", Checksum: checksumRecord{Algorithm: storage.ChecksumCRC32, Value: "NhCmhg==", Type: storage.ChecksumFullObject},
			Parts: 2, Owner: "o", Upload: "18ecd749d462e0cfebe2b02bb1a6910e"},
			`{"file":"1e5b35b5c93efc2ff1586875d9304c18","size":5,"etag":"5d41402abc4b2a76b9719d911017c592-2","modified":"2026-11-30T13:57:43Z",` +
				`"metadata":{"ContentType":"text/plain","ContentEncoding":"gzip","ContentDisposition":"inline","ContentLanguage":"fr","CacheControl":"no-cache","Expires":"Thu, 01 Dec 1994 16:00:00 GMT","User":{"a":"b"}},` +
				`"acl":"public-read","class":"GLACIER","checksum":{"Algorithm":"CRC32","Value":"NhCmhg==","Type":"FULL_OBJECT"},"parts":2,"owner":"o","upload":"18ecd749d462e0cfebe2b02bb1a6910e"}`},
		{"upload", &uploadRecord{Initiated: when, Metadata: metadataRecord{CacheControl: "no"}, ACL: "private", StorageClass: "STANDARD", Owner: "o",
			ChecksumAlgorithm: storage.ChecksumSHA256, ChecksumType: storage.ChecksumComposite},
			`{"initiated":"2026-11-30T13:57:43Z","metadata":{"ContentType":"","ContentEncoding":"","ContentDisposition":"","ContentLanguage":"","CacheControl":"no","Expires":"","User":null},` +
				`"acl":"private","class":"STANDARD","owner":"o","checksumAlgorithm":"SHA256","checksumType":"COMPOSITE"}`},
		{"tagged object", &objectRecord{File: "ef8e7368ae903108519d5a43600e89a3", Size: 1, ETag: "9dd4e461268c8034f5c8564e155c67a6", Modified: when, ACL: "private", StorageClass: "STANDARD", Tags: "a=1&b+c=%2F"},
			`{"file":"ef8e7368ae903108519d5a43600e89a3","size":1,"etag":"9dd4e461268c8034f5c8564e155c67a6","modified":"2026-11-30T13:57:43Z",` +
				`"metadata":{"ContentType":"","ContentEncoding":"","ContentDisposition":"","ContentLanguage":"","CacheControl":"","Expires":"","User":null},` +
				`"acl":"private","class":"STANDARD","checksum":{"Algorithm":"","Value":"","Type":""},"tags":"a=1\u0026b+c=%2F"}`},
		{"tagged upload", &uploadRecord{Initiated: when, ACL: "private", StorageClass: "STANDARD", Tags: "k=v"},
			`{"initiated":"2026-11-30T13:57:43Z","metadata":{"ContentType":"","ContentEncoding":"","ContentDisposition":"","ContentLanguage":"","CacheControl":"","Expires":"","User":null},` +
				`"acl":"private","class":"STANDARD","tags":"k=v"}`},
		{"versioned bucket", &bucketRecord{ID: "cbcd44977852315e3a27238fd3f9189b", Created: when, ACL: "private", Versioning: storage.VersioningSuspended},
			`{"id":"cbcd44977852315e3a27238fd3f9189b","created":"2026-11-30T13:57:43Z","acl":"private","versioning":"Suspended"}`},
		{"object version", &objectRecord{File: "ef8e7368ae903108519d5a43600e89a3", Size: 1, ETag: "9dd4e461268c8034f5c8564e155c67a6", Modified: when, ACL: "private", StorageClass: "STANDARD",
			Version: "0000000000000007a1b2c3d4e5f60718", Seq: 7},
			`{"file":"ef8e7368ae903108519d5a43600e89a3","size":1,"etag":"9dd4e461268c8034f5c8564e155c67a6","modified":"2026-11-30T13:57:43Z",` +
				`"metadata":{"ContentType":"","ContentEncoding":"","ContentDisposition":"","ContentLanguage":"","CacheControl":"","Expires":"","User":null},` +
				`"acl":"private","class":"STANDARD","checksum":{"Algorithm":"","Value":"","Type":""},"version":"0000000000000007a1b2c3d4e5f60718","seq":7}`},
		{"null delete marker", &objectRecord{Modified: when, Owner: "o", Seq: 8, Marker: true},
			`{"file":"","size":0,"etag":"","modified":"2026-11-30T13:57:43Z",` +
				`"metadata":{"ContentType":"","ContentEncoding":"","ContentDisposition":"","ContentLanguage":"","CacheControl":"","Expires":"","User":null},` +
				`"acl":"","class":"","checksum":{"Algorithm":"","Value":"","Type":""},"owner":"o","seq":8,"marker":true}`},
		{"part", &partRecord{File: "d4c1b2cfa054eb03ad0b4e228731a58e", Size: 4, ETag: "f4c9385f1902f7334b00b9b4ecd164de", Modified: when, Checksum: "N6aAEzvQk0L5NK+43Sx9nhtiTaXzXjo4rbED43wFXtE="},
			`{"file":"d4c1b2cfa054eb03ad0b4e228731a58e","size":4,"etag":"f4c9385f1902f7334b00b9b4ecd164de","modified":"2026-11-30T13:57:43Z","checksum":"N6aAEzvQk0L5NK+43Sx9nhtiTaXzXjo4rbED43wFXtE="}`},
		{"SSE-KMS object", &objectRecord{File: "ef8e7368ae903108519d5a43600e89a3", Size: 1, ETag: "0f3c5b1e2d4a69788796a5b4c3d2e1f0", Modified: when, ACL: "private", StorageClass: "STANDARD",
			Encryption: &encryptionRecord{Kind: kindKMS, KeyID: "k1", Box: []byte{1, 2, 3}, KMSKey: "arn:aws:kms:us-east-1:000000000000:key/0b0c2b7e-5d5b-4c5e-9f7a-3c2f1e0d9a8b",
				Context: "e30=", BucketKey: true, Segments: []segmentRecord{{ID: "0001020304050607", Size: 1}}}},
			`{"file":"ef8e7368ae903108519d5a43600e89a3","size":1,"etag":"0f3c5b1e2d4a69788796a5b4c3d2e1f0","modified":"2026-11-30T13:57:43Z",` +
				`"metadata":{"ContentType":"","ContentEncoding":"","ContentDisposition":"","ContentLanguage":"","CacheControl":"","Expires":"","User":null},` +
				`"acl":"private","class":"STANDARD","checksum":{"Algorithm":"","Value":"","Type":""},` +
				`"encryption":{"kind":"kms","keyId":"k1","box":"AQID","kmsKey":"arn:aws:kms:us-east-1:000000000000:key/0b0c2b7e-5d5b-4c5e-9f7a-3c2f1e0d9a8b",` +
				`"context":"e30=","bucketKey":true,"segments":[{"id":"0001020304050607","size":1}]}}`},
		{"SSE-C object completed without its key", &objectRecord{File: "ef8e7368ae903108519d5a43600e89a3", Size: 1, ETag: "0f3c5b1e2d4a69788796a5b4c3d2e1f0-1", Modified: when, ACL: "private", StorageClass: "STANDARD",
			Parts: 1, Upload: "18ecd749d462e0cfebe2b02bb1a6910e",
			Encryption: &encryptionRecord{Kind: kindCustomer, Box: []byte{4, 5, 6}, Bound: "18ecd749d462e0cfebe2b02bb1a6910e", SegmentsAside: true}},
			`{"file":"ef8e7368ae903108519d5a43600e89a3","size":1,"etag":"0f3c5b1e2d4a69788796a5b4c3d2e1f0-1","modified":"2026-11-30T13:57:43Z",` +
				`"metadata":{"ContentType":"","ContentEncoding":"","ContentDisposition":"","ContentLanguage":"","CacheControl":"","Expires":"","User":null},` +
				`"acl":"private","class":"STANDARD","checksum":{"Algorithm":"","Value":"","Type":""},"parts":1,"upload":"18ecd749d462e0cfebe2b02bb1a6910e",` +
				`"encryption":{"kind":"customer","box":"BAUG","bound":"18ecd749d462e0cfebe2b02bb1a6910e","segmentsAside":true}}`},
		{"SSE-S3 upload", &uploadRecord{Initiated: when, ACL: "private", StorageClass: "STANDARD", Encryption: &encryptionRecord{Kind: kindS3, KeyID: "k2", Box: []byte{7}}},
			`{"initiated":"2026-11-30T13:57:43Z","metadata":{"ContentType":"","ContentEncoding":"","ContentDisposition":"","ContentLanguage":"","CacheControl":"","Expires":"","User":null},` +
				`"acl":"private","class":"STANDARD","encryption":{"kind":"s3","keyId":"k2","box":"Bw=="}}`},
		{"sealed part", &partRecord{File: "d4c1b2cfa054eb03ad0b4e228731a58e", Size: 4, ETag: "f4c9385f1902f7334b00b9b4ecd164de", Modified: when, Segment: "0001020304050607"},
			`{"file":"d4c1b2cfa054eb03ad0b4e228731a58e","size":4,"etag":"f4c9385f1902f7334b00b9b4ecd164de","modified":"2026-11-30T13:57:43Z","segment":"0001020304050607"}`},
	}
	for _, tc := range cases {
		if got := string(encode(tc.record)); got != tc.golden {
			t.Errorf("%s: encoded as\n%s\nwant\n%s", tc.name, got, tc.golden)
		}
		decoded := reflect.New(reflect.TypeOf(tc.record).Elem())
		if err := decode([]byte(tc.golden), decoded.Interface()); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !reflect.DeepEqual(decoded.Interface(), tc.record) {
			t.Errorf("%s: decoded as %+v, want %+v", tc.name, decoded.Elem(), reflect.ValueOf(tc.record).Elem())
		}
	}
}

// fill sets every string field of the struct v points to (and one entry of every map of
// strings) to a value of its own, so that a conversion that forgets a field loses a value.
func fill(v any) {
	s := reflect.ValueOf(v).Elem()
	for i := 0; i < s.NumField(); i++ {
		f := s.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("value " + strconv.Itoa(i))
		case reflect.Map:
			f.Set(reflect.ValueOf(map[string]string{"key": "value " + strconv.Itoa(i)}))
		default:
			panic("fill: a field of kind " + f.Kind().String())
		}
	}
}

// Every field of the public types a record holds survives the conversion to the record and
// back: a field added to storage.ObjectMetadata or storage.Checksum fails here until its
// record has it.
func TestRecordConversions(t *testing.T) {
	var m storage.ObjectMetadata
	fill(&m)
	if got := metadataOf(m).public(); !reflect.DeepEqual(got, m) {
		t.Errorf("metadata %+v came back as %+v", m, got)
	}
	var c storage.Checksum
	fill(&c)
	if got := checksumOf(c).public(); got != c {
		t.Errorf("checksum %+v came back as %+v", c, got)
	}
}
