package sse_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/doorman-s3/doorman/sse"
)

// FuzzParseKeyring: ParseKeyring never panics, and what it takes marshals to an encoding it
// takes again, alike.
func FuzzParseKeyring(f *testing.F) {
	k := mustKeyring(f)
	if _, err := k.CreateKMSKey("eu-west-1", "123456789012", "alias/a", sse.DefaultKMSAlias); err != nil {
		f.Fatal(err)
	}
	valid, err := k.Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add([]byte(`{"version":1,"current":0,"s3":[{"id":"s3-0123456789abcdef","key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}],"kms":null}`))
	f.Add([]byte(`{"version":1,"current":0,"s3":[],"kms":[]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := sse.ParseKeyring(b)
		if err != nil {
			return
		}
		m, err := k.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		k2, err := sse.ParseKeyring(m)
		if err != nil {
			t.Fatalf("ParseKeyring of Marshal: %v\n%s", err, m)
		}
		if m2, err := k2.Marshal(); err != nil || !bytes.Equal(m, m2) {
			t.Fatalf("marshalled again differently: %v", err)
		}
		for _, s := range k.KMSKeys() {
			if got, ok := k2.KMSKey(s.ARN); !ok || got.ID != s.ID {
				t.Fatalf("KMS key %s not found by its ARN", s.ID)
			}
		}
	})
}

// FuzzOpener: plain sealed as two segments (cut at cut) reads back at any range, and not at
// all with any byte changed; the same segment list over arbitrary bytes never panics and
// fails only with ErrOpen or io.EOF.
func FuzzOpener(f *testing.F) {
	f.Add([]byte("hello, world"), uint32(5), []byte("garbage"), int64(3), uint32(4))
	f.Add([]byte{}, uint32(0), []byte{}, int64(0), uint32(0))
	f.Add(make([]byte, sse.ChunkSize+3), uint32(sse.ChunkSize+1), make([]byte, 100), int64(sse.ChunkSize-2), uint32(5))
	f.Fuzz(func(t *testing.T, plain []byte, cut uint32, junk []byte, off int64, n uint32) {
		c := int(cut) % (len(plain) + 1)
		n %= 3 * sse.ChunkSize
		dek, a, b := mustKey(t), mustSegmentID(t), mustSegmentID(t)
		data := append(sealSegment(t, dek, a, plain[:c], 0), sealSegment(t, dek, b, plain[c:], 0)...)
		segs := []sse.Segment{{ID: a, Size: int64(c)}, {ID: b, Size: int64(len(plain) - c)}}

		p := make([]byte, n)
		got, err := sse.NewOpener(bytes.NewReader(data), dek, segs).ReadAt(p, off)
		switch {
		case off < 0:
			if err == nil || err == io.EOF {
				t.Fatalf("ReadAt at %d: %v", off, err)
			}
		case off >= int64(len(plain)):
			if got != 0 || err != io.EOF {
				t.Fatalf("ReadAt at %d of %d: %d, %v", off, len(plain), got, err)
			}
		default:
			want := plain[off:min(off+int64(n), int64(len(plain)))]
			if !bytes.Equal(p[:got], want) || (got < int(n)) != (err == io.EOF) || err != nil && err != io.EOF {
				t.Fatalf("ReadAt(%d bytes, %d) of %d: %d, %v", n, off, len(plain), got, err)
			}
		}

		// An empty segment holds no data to read, so its one chunk is never opened.
		flip := int(cut) % len(data)
		if inFirst := int64(flip) < sse.SealedSize(int64(c)); inFirst && c > 0 || !inFirst && c < len(plain) {
			flipped := bytes.Clone(data)
			flipped[flip] ^= byte(n) | 1
			if got, err := readAll(sse.NewOpener(bytes.NewReader(flipped), dek, segs)); !errors.Is(err, sse.ErrOpen) {
				t.Fatalf("a sealing with byte %d changed read %d bytes, %v; want ErrOpen", flip, len(got), err)
			}
		}

		_, err = sse.NewOpener(bytes.NewReader(junk), dek, segs).ReadAt(p, off)
		if err != nil && err != io.EOF && !errors.Is(err, sse.ErrOpen) && off >= 0 {
			t.Fatalf("ReadAt of junk: %v", err)
		}
	})
}

// FuzzOpenBytes: plain sealed as two segments (cut at cut) opens in place to plain, what the
// Opener reads of it; with any byte changed, a byte cut off its end or one added, it does not
// open (ErrOpen); over arbitrary bytes it never panics and fails only with ErrOpen.
func FuzzOpenBytes(f *testing.F) {
	f.Add([]byte("hello, world"), uint32(5), []byte("garbage"), uint32(4))
	f.Add([]byte{}, uint32(0), []byte{}, uint32(0))
	f.Add(make([]byte, 2*sse.ChunkSize+3), uint32(sse.ChunkSize+1), make([]byte, 100), uint32(5))
	f.Fuzz(func(t *testing.T, plain []byte, cut uint32, junk []byte, flip uint32) {
		c := int(cut) % (len(plain) + 1)
		dek, a, b := mustKey(t), mustSegmentID(t), mustSegmentID(t)
		data := append(sealSegment(t, dek, a, plain[:c], 0), sealSegment(t, dek, b, plain[c:], 0)...)
		segs := []sse.Segment{{ID: a, Size: int64(c)}, {ID: b, Size: int64(len(plain) - c)}}

		read, err := readAll(sse.NewOpener(bytes.NewReader(data), dek, segs))
		if err != nil {
			t.Fatal(err)
		}
		sealed := bytes.Clone(data)
		got, err := sse.OpenBytes(sealed, dek, segs)
		if err != nil || !bytes.Equal(got, plain) || !bytes.Equal(got, read) {
			t.Fatalf("OpenBytes of %d bytes: %d bytes, %v", len(plain), len(got), err)
		}
		if len(got) > 0 && &got[0] != &sealed[0] {
			t.Fatalf("OpenBytes did not open in place")
		}

		flipped := bytes.Clone(data)
		flipped[int(flip)%len(flipped)] ^= byte(flip>>8) | 1
		for name, in := range map[string][]byte{"a byte changed": flipped, "cut short": data[:len(data)-1], "a byte added": append(bytes.Clone(data), 0)} {
			if got, err := sse.OpenBytes(bytes.Clone(in), dek, segs); !errors.Is(err, sse.ErrOpen) {
				t.Fatalf("OpenBytes with %s: %d bytes, %v; want ErrOpen", name, len(got), err)
			}
		}

		if _, err := sse.OpenBytes(bytes.Clone(junk), dek, segs); err != nil && !errors.Is(err, sse.ErrOpen) {
			t.Fatalf("OpenBytes of junk: %v", err)
		}
	})
}
