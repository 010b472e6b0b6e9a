package sigv4

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/s3api/internal/checksum"
	"github.com/doorman-s3/doorman/s3api/internal/s3err"
)

// This file checks the aws-chunked decoder against bodies built and verified by code written
// independently of it: a signer that frames and signs a body as the AWS documentation
// describes, and a reference decoder that parses a whole body in memory.

const (
	attackDate  = "20130524T000000Z"
	attackScope = "20130524/us-east-1/s3/aws4_request"
)

// attackKey is the signing key of testSecret for attackScope, derived here rather than by
// the package.
var attackKey = func() []byte {
	k := []byte("AWS4" + testSecret)
	for _, part := range strings.Split(attackScope, "/") {
		k = hmacSHA256(k, part)
	}
	return k
}()

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func hexSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Two seed signatures, as two different requests would have.
var (
	seedA = strings.Repeat("a1", 32)
	seedB = strings.Repeat("b2", 32)
)

// streamSigner frames data as aws-chunked, signing each chunk after the previous signature.
type streamSigner struct {
	signed bool
	prev   string
	b      strings.Builder
}

func newStreamSigner(signed bool, seed string) *streamSigner {
	return &streamSigner{signed: signed, prev: seed}
}

func (s *streamSigner) chunk(data string) *streamSigner {
	s.header(data)
	s.b.WriteString(data + "\r\n")
	return s
}

// header writes the header line of a chunk of data.
func (s *streamSigner) header(data string) {
	if !s.signed {
		fmt.Fprintf(&s.b, "%x\r\n", len(data))
		return
	}
	sts := strings.Join([]string{chunkAlgorithm, attackDate, attackScope, s.prev, emptySHA256, hexSHA256([]byte(data))}, "\n")
	s.prev = hex.EncodeToString(hmacSHA256(attackKey, sts))
	fmt.Fprintf(&s.b, "%x;chunk-signature=%s\r\n", len(data), s.prev)
}

// end writes the final chunk, then, when trailer is not "", the trailer line (with its
// signature when signed), and the blank line that ends the body.
func (s *streamSigner) end(trailer string) string {
	s.header("")
	if trailer != "" {
		s.b.WriteString(trailer + "\r\n")
		if s.signed {
			sts := strings.Join([]string{trailerAlgorithm, attackDate, attackScope, s.prev, hexSHA256([]byte(trailer + "\n"))}, "\n")
			s.b.WriteString("x-amz-trailer-signature:" + hex.EncodeToString(hmacSHA256(attackKey, sts)) + "\r\n")
		}
	}
	s.b.WriteString("\r\n")
	return s.b.String()
}

// buildBody frames data in chunks of size bytes (the last one shorter) for mode, with a
// CRC32 trailer in the trailer modes.
func buildBody(mode Payload, seed, data string, size int) string {
	s := newStreamSigner(mode != PayloadStreamingUnsignedTrailer, seed)
	for rest := data; len(rest) > 0; {
		n := min(size, len(rest))
		s.chunk(rest[:n])
		rest = rest[n:]
	}
	trailer := ""
	if mode != PayloadStreaming {
		trailer = "x-amz-checksum-crc32:" + checksum.CRC32.Sum([]byte(data))
	}
	return s.end(trailer)
}

func newTestChunkedReader(t testing.TB, body string, mode Payload, declared int, seed string) *chunkedReader {
	t.Helper()
	h := http.Header{"X-Amz-Decoded-Content-Length": {strconv.Itoa(declared)}}
	if mode != PayloadStreaming {
		h.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
	}
	seedBytes, err := hex.DecodeString(seed)
	if err != nil {
		t.Fatal(err)
	}
	c, err := newChunkedReader(strings.NewReader(body), h, mode, deriveKey(testSecret, "20130524", testRegion), attackDate, attackScope, seedBytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// attackCase is a streamed body and what decoding it must give.
type attackCase struct {
	name     string
	mode     Payload
	body     string
	declared int
	want     *s3err.Error // nil: accepted, decoding to data
	data     string
}

// attackCases are the attacks of a client, or of anyone on the path, against a streamed
// body, and the same framing unchanged.
func attackCases() []attackCase {
	const one, first, last = "hello, world", "the first chunk", "the last one"
	two := first + last
	crc := func(s string) string { return "x-amz-checksum-crc32:" + checksum.CRC32.Sum([]byte(s)) }
	signed := func(seed string) *streamSigner { return newStreamSigner(true, seed) }
	mismatch := func(expected, provided int) *s3err.Error {
		return lengthMismatch(int64(expected), int64(provided))
	}
	return []attackCase{
		{"one chunk", PayloadStreaming, signed(seedA).chunk(one).end(""), len(one), nil, one},
		{"two chunks", PayloadStreaming, signed(seedA).chunk(first).chunk(last).end(""), len(two), nil, two},
		{"two chunks and a trailer", PayloadStreamingTrailer, signed(seedA).chunk(first).chunk(last).end(crc(two)), len(two), nil, two},
		{"unsigned trailer", PayloadStreamingUnsignedTrailer, newStreamSigner(false, "").chunk(first).chunk(last).end(crc(two)), len(two), nil, two},
		{"empty body", PayloadStreamingTrailer, signed(seedA).end(crc("")), 0, nil, ""},

		{"single chunk replaced", PayloadStreaming,
			strings.Replace(signed(seedA).chunk(one).end(""), one, "HELLO, WORLD", 1), len(one), s3err.SignatureDoesNotMatch, ""},
		{"single chunk replaced, trailer", PayloadStreamingTrailer,
			strings.Replace(signed(seedA).chunk(one).end(crc(one)), one, "HELLO, WORLD", 1), len(one), s3err.SignatureDoesNotMatch, ""},
		{"last of two chunks replaced", PayloadStreaming,
			strings.Replace(signed(seedA).chunk(first).chunk(last).end(""), last, "THE LAST ONE", 1), len(two), s3err.SignatureDoesNotMatch, ""},
		{"final chunk omitted", PayloadStreaming, signed(seedA).chunk(one).b.String(), len(one), errBodyTerminated, ""},
		{"final chunk and trailer omitted", PayloadStreamingTrailer, signed(seedA).chunk(one).b.String(), len(one), errBodyTerminated, ""},
		{"one chunk replayed under another seed", PayloadStreaming, signed(seedB).chunk(one).end(""), len(one), s3err.SignatureDoesNotMatch, ""},
		{"body longer than declared", PayloadStreaming, signed(seedA).chunk(one).end(""), 5, mismatch(5, len(one)), ""},
		{"body longer than declared, second chunk", PayloadStreaming, signed(seedA).chunk(first).chunk(last).end(""), len(first) + 1, mismatch(len(first)+1, len(two)), ""},
		{"body shorter than declared", PayloadStreaming, signed(seedA).chunk(one).end(""), len(one) + 1, mismatch(len(one)+1, len(one)), ""},
		{"wrong trailer CRC, signed", PayloadStreamingTrailer, signed(seedA).chunk(one).end(crc("another body")), len(one), checksum.Mismatch(checksum.CRC32), ""},
		{"wrong trailer CRC, unsigned", PayloadStreamingUnsignedTrailer, newStreamSigner(false, "").chunk(one).end(crc("another body")), len(one), checksum.Mismatch(checksum.CRC32), ""},
		{"wrong trailer signature", PayloadStreamingTrailer, changeTrailerSignature(signed(seedA).chunk(one).end(crc(one))), len(one), s3err.SignatureDoesNotMatch, ""},
		{"trailer signed under another seed", PayloadStreamingTrailer,
			signed(seedA).chunk(one).b.String() + signed(seedB).chunk(one).end(crc(one))[len(signed(seedB).chunk(one).b.String()):], len(one), s3err.SignatureDoesNotMatch, ""},
		{"final chunk signature of another request", PayloadStreaming,
			signed(seedA).chunk(one).b.String() + signed(seedB).chunk(one).end("")[len(signed(seedB).chunk(one).b.String()):], len(one), s3err.SignatureDoesNotMatch, ""},
		{"no CRLF after the data", PayloadStreaming, strings.Replace(signed(seedA).chunk(one).end(""), one+"\r\n", one+"XX", 1), len(one), errBodyTerminated, ""},
		{"LF alone after a chunk header", PayloadStreaming, strings.Replace(signed(seedA).chunk(one).end(""), "\r\n"+one, "\n"+one, 1), len(one), errBodyTerminated, ""},
		{"no CRLF after the final chunk header", PayloadStreaming, strings.TrimSuffix(signed(seedA).chunk(one).end(""), "\r\n\r\n") + "\r\nXX", len(one), errBodyTerminated, ""},
		{"data after the end", PayloadStreaming, signed(seedA).chunk(one).end("") + "more", len(one), errBodyTerminated, ""},
		{"data after the trailer", PayloadStreamingTrailer, signed(seedA).chunk(one).end(crc(one)) + "more", len(one), errBodyTerminated, ""},
	}
}

// Each attack is refused whether the body is read to its end or only up to the declared
// length, and the reference decoder agrees.
func TestChunkedAttacks(t *testing.T) {
	for _, c := range attackCases() {
		t.Run(c.name, func(t *testing.T) {
			// Read to the end: the error is the documented one, or the data is the body's.
			got, err := io.ReadAll(newTestChunkedReader(t, c.body, c.mode, c.declared, seedA))
			if c.want == nil {
				if err != nil || string(got) != c.data {
					t.Fatalf("decoded %q, %v; want %q", got, err, c.data)
				}
			} else {
				var e *s3err.Error
				if !errors.As(err, &e) || e.Code != c.want.Code || e.Message != c.want.Message || fmt.Sprint(e.Extra) != fmt.Sprint(c.want.Extra) {
					t.Fatalf("got %v %v after %d bytes, want %v %v", err, e, len(got), c.want, c.want.Extra)
				}
			}
			// Read only the declared length, as a caller trusting it would: a refused body
			// never hands over all of its bytes.
			buf := make([]byte, c.declared)
			n, err := io.ReadFull(newTestChunkedReader(t, c.body, c.mode, c.declared, seedA), buf)
			if c.want == nil && (err != nil || string(buf) != c.data) {
				t.Fatalf("reading the declared length: %q, %v", buf[:n], err)
			}
			if c.want != nil && c.declared > 0 && err == nil {
				t.Fatalf("the declared %d bytes were all handed over: %q", c.declared, buf)
			}
			// The independent reference decoder agrees.
			ref, ok := refDecode([]byte(c.body), c.mode, c.declared, seedA)
			if ok != (c.want == nil) || ok && string(ref) != c.data {
				t.Fatalf("reference decoder: %q, accepted %v", ref, ok)
			}
		})
	}
}

// Every single-byte change anywhere in a streamed body is refused: the decoder never reads
// to io.EOF with data other than what was signed.
func TestChunkedSingleByteChanges(t *testing.T) {
	data := "0123456789abcdefghijklmnopqrstuvwxyz"
	for _, mode := range []Payload{PayloadStreaming, PayloadStreamingTrailer, PayloadStreamingUnsignedTrailer} {
		body := buildBody(mode, seedA, data, 16)
		if got, err := io.ReadAll(newTestChunkedReader(t, body, mode, len(data), seedA)); err != nil || string(got) != data {
			t.Fatalf("mode %d: the unchanged body: %q, %v", mode, got, err)
		}
		for i := range len(body) {
			for _, change := range []func(byte) byte{
				func(b byte) byte { return b ^ 0x01 },
				func(b byte) byte { return b + 0x40 },
			} {
				b := []byte(body)
				b[i] = change(b[i])
				got, err := io.ReadAll(newTestChunkedReader(t, string(b), mode, len(data), seedA))
				if err == nil {
					t.Errorf("mode %d: byte %d changed from %q to %q: accepted, decoding %q", mode, i, body[i], b[i], got)
				}
			}
		}
	}
}

// FuzzChunkedDifferential compares the decoder with refDecode, an independent reference that
// parses and verifies the whole body in memory: both accept or both refuse, an accepted body
// decodes to the same bytes, and a refused one never hands over all of its declared bytes.
// raw, when not empty, is the body; otherwise data is framed in chunks of size bytes, signed,
// and the byte at pos changed by xor.
func FuzzChunkedDifferential(f *testing.F) {
	data := "The quick brown fox jumps over the lazy dog"
	for mode := range uint8(3) {
		f.Add([]byte{}, []byte(data), uint16(8), mode, uint16(0), byte(0))
		f.Add([]byte{}, []byte(data), uint16(100), mode, uint16(20), byte(1))
		f.Add([]byte{}, []byte{}, uint16(1), mode, uint16(3), byte(0))
	}
	modes := [...]Payload{PayloadStreamingUnsignedTrailer, PayloadStreaming, PayloadStreamingTrailer}
	for _, c := range attackCases() {
		f.Add([]byte(c.body), bytes.Repeat([]byte{'x'}, c.declared), uint16(0), uint8(slices.Index(modes[:], c.mode)), uint16(0), byte(0))
	}
	f.Fuzz(func(t *testing.T, raw, data []byte, size uint16, mode uint8, pos uint16, xor byte) {
		m := modes[int(mode)%len(modes)]
		body := raw
		if len(body) == 0 {
			body = []byte(buildBody(m, seedA, string(data), max(int(size), 1)))
			body[int(pos)%len(body)] ^= xor
		}
		want, ok := refDecode(body, m, len(data), seedA)
		c := newTestChunkedReader(t, string(body), m, len(data), seedA)
		got, err := io.ReadAll(c)
		switch {
		case ok && (err != nil || !bytes.Equal(got, want)):
			t.Fatalf("reference accepts %q, decoder: %q, %v", want, got, err)
		case !ok && err == nil:
			t.Fatalf("reference refuses, decoder accepts %q", got)
		case !ok && len(data) > 0 && len(got) >= len(data):
			t.Fatalf("refused after handing over all %d declared bytes", len(got))
		}
	})
}

// changeTrailerSignature changes the first hex digit of a body's trailer signature.
func changeTrailerSignature(body string) string {
	i := strings.Index(body, "x-amz-trailer-signature:") + len("x-amz-trailer-signature:")
	d := "0"
	if body[i] == '0' {
		d = "1"
	}
	return body[:i] + d + body[i+1:]
}

// refDecode is the reference aws-chunked decoder: it splits the whole body into lines and
// chunks in memory and verifies every signature, the trailer and the declared length. It
// accepts the same grammar as the streaming decoder: chunk lines "size[;ext]*" ending in
// CRLF of at most maxLineLen bytes, the first "chunk-signature=" extension carrying a signed
// chunk's signature; after the final chunk, either a CRLF or the end of the body, or trailer
// lines (one blank line before them tolerated, at most maxTrailers) ended by a blank line or
// the end of the body; nothing after.
func refDecode(body []byte, mode Payload, declared int, seed string) ([]byte, bool) {
	signed := mode != PayloadStreamingUnsignedTrailer
	trailers := mode != PayloadStreaming
	prev := seed
	sign := func(alg, hash string) string {
		return hex.EncodeToString(hmacSHA256(attackKey, alg+"\n"+attackDate+"\n"+attackScope+"\n"+prev+"\n"+hash))
	}
	// line takes the next CRLF-terminated line off body.
	line := func() (string, bool) {
		i := bytes.IndexByte(body, '\n')
		if i < 1 || i+1 > maxLineLen || body[i-1] != '\r' {
			return "", false
		}
		l := string(body[:i-1])
		body = body[i+1:]
		return l, true
	}
	var out []byte
	for {
		l, ok := line()
		if !ok {
			return nil, false
		}
		fields := strings.Split(l, ";")
		sizeText := strings.Trim(fields[0], " \t")
		if sizeText == "" || len(sizeText) > 16 || strings.Trim(sizeText, "0123456789abcdefABCDEF") != "" {
			return nil, false
		}
		size, err := strconv.ParseUint(sizeText, 16, 64)
		if err != nil || size > 1<<62 || size > uint64(declared-len(out)) {
			return nil, false
		}
		sig := ""
		for _, ext := range fields[1:] {
			if v, ok := strings.CutPrefix(strings.Trim(ext, " \t"), "chunk-signature="); ok {
				sig = strings.ToLower(v)
				break
			}
		}
		if signed && (len(sig) != 64 || strings.Trim(sig, "0123456789abcdef") != "") {
			return nil, false
		}
		if size > 0 && (uint64(len(body)) < size+2 || string(body[size:size+2]) != "\r\n") {
			return nil, false
		}
		chunk := body[:size]
		if signed {
			if sign(chunkAlgorithm, emptySHA256+"\n"+hexSHA256(chunk)) != sig {
				return nil, false
			}
			prev = sig
		}
		out = append(out, chunk...)
		if size == 0 {
			break
		}
		body = body[size+2:]
	}
	if !trailers {
		if len(body) != 0 && string(body) != "\r\n" {
			return nil, false
		}
		return out, len(out) == declared
	}
	var lines []string
	skipped := false
	for len(body) > 0 { // the end of the body may stand for the final blank line
		l, ok := line()
		if !ok {
			return nil, false
		}
		if l == "" && len(lines) == 0 && !skipped {
			skipped = true
			continue
		}
		if l == "" {
			if len(body) != 0 {
				return nil, false
			}
			break
		}
		lines = append(lines, l)
	}
	if len(lines) > maxTrailers {
		return nil, false
	}
	var value, trailerSig string
	for i, l := range lines {
		name, v, ok := strings.Cut(l, ":")
		if !ok {
			return nil, false
		}
		name, v = strings.Trim(name, " \t"), strings.Trim(v, " \t")
		switch {
		case strings.EqualFold(name, "x-amz-trailer-signature") && signed && trailerSig == "" && len(v) == 64 && strings.Trim(strings.ToLower(v), "0123456789abcdef") == "":
			trailerSig = strings.ToLower(v)
		case strings.EqualFold(name, "x-amz-checksum-crc32") && i == 0 && trailerSig == "":
			value = v
		default:
			return nil, false
		}
	}
	if value == "" {
		return nil, false
	}
	if signed && (trailerSig == "" || sign(trailerAlgorithm, hexSHA256([]byte("x-amz-checksum-crc32:"+value+"\n"))) != trailerSig) {
		return nil, false
	}
	sum := crc32.ChecksumIEEE(out)
	if want, err := base64.StdEncoding.DecodeString(value); err != nil || len(value) != 8 || !bytes.Equal(want, binary.BigEndian.AppendUint32(nil, sum)) {
		return nil, false
	}
	return out, len(out) == declared
}
