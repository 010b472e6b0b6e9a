package sse_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
	"testing/iotest"

	"github.com/doorman-s3/doorman/sse"
)

func mustKey(t testing.TB) sse.Key {
	t.Helper()
	k, err := sse.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustSegmentID(t testing.TB) sse.SegmentID {
	t.Helper()
	id, err := sse.NewSegmentID()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// plaintext returns n bytes of a pattern that differs from chunk to chunk.
func plaintext(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// sealSegment seals plain as one segment id under dek, writing it in pieces of step bytes
// (all at once when step is 0).
func sealSegment(t testing.TB, dek sse.Key, id sse.SegmentID, plain []byte, step int) []byte {
	t.Helper()
	var b bytes.Buffer
	s := sse.NewSealer(&b, dek, id)
	if step == 0 {
		step = max(len(plain), 1)
	}
	for p := plain; len(p) > 0; {
		n, err := s.Write(p[:min(step, len(p))])
		if err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sealed is an object of several segments sealed under dek.
type sealed struct {
	dek    sse.Key
	plain  []byte
	data   []byte
	segs   []sse.Segment
	starts []int64 // where each segment starts in data
}

func sealObject(t testing.TB, sizes ...int) *sealed {
	t.Helper()
	o := &sealed{dek: mustKey(t)}
	for i, n := range sizes {
		p := plaintext(n, uint64(i))
		id := mustSegmentID(t)
		o.starts = append(o.starts, int64(len(o.data)))
		o.data = append(o.data, sealSegment(t, o.dek, id, p, 0)...)
		o.plain = append(o.plain, p...)
		o.segs = append(o.segs, sse.Segment{ID: id, Size: int64(n)})
	}
	return o
}

func (o *sealed) opener() *sse.Opener {
	return sse.NewOpener(bytes.NewReader(o.data), o.dek, o.segs)
}

// chunkAt is where chunk c of segment s starts in the sealed data.
func (o *sealed) chunkAt(s, c int) int64 {
	return o.starts[s] + int64(c)*(sse.ChunkSize+sse.TagSize)
}

func readAll(o *sse.Opener) ([]byte, error) {
	return io.ReadAll(io.NewSectionReader(o, 0, o.Size()))
}

func TestRoundTrip(t *testing.T) {
	const c = sse.ChunkSize
	tests := []struct {
		name  string
		sizes []int
	}{
		{"empty", []int{0}},
		{"one byte", []int{1}},
		{"chunk less one", []int{c - 1}},
		{"chunk", []int{c}},
		{"chunk and one", []int{c + 1}},
		{"three chunks and five", []int{3*c + 5}},
		{"segments", []int{c + 1, 0, 5, 2 * c, c - 1}},
		{"empty segments", []int{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := sealObject(t, tt.sizes...)
			var want int64
			for _, n := range tt.sizes {
				want += sse.SealedSize(int64(n))
			}
			if int64(len(o.data)) != want {
				t.Errorf("sealed %d bytes, SealedSize says %d", len(o.data), want)
			}
			op := o.opener()
			if op.Size() != int64(len(o.plain)) {
				t.Errorf("Size %d, want %d", op.Size(), len(o.plain))
			}
			got, err := readAll(op)
			if err != nil || !bytes.Equal(got, o.plain) {
				t.Fatalf("read %d bytes, %v; want the %d written", len(got), err, len(o.plain))
			}
		})
	}
}

func TestSealedSize(t *testing.T) {
	const c = sse.ChunkSize
	tests := []struct{ plain, sealed int64 }{
		{0, sse.TagSize},
		{1, 1 + sse.TagSize},
		{c, c + sse.TagSize},
		{c + 1, c + 1 + 2*sse.TagSize},
		{5 << 30, 5<<30 + 5<<30/c*sse.TagSize},
	}
	for _, tt := range tests {
		if got := sse.SealedSize(tt.plain); got != tt.sealed {
			t.Errorf("SealedSize(%d) = %d, want %d", tt.plain, got, tt.sealed)
		}
	}
}

// TestSealerWrites: however a segment is written, it is sealed alike, and nothing of a
// chunk is written before the Sealer knows whether it is the last.
func TestSealerWrites(t *testing.T) {
	dek, id := mustKey(t), mustSegmentID(t)
	plain := plaintext(3*sse.ChunkSize+5, 1)
	want := sealSegment(t, dek, id, plain, 0)
	for _, step := range []int{1, 7, sse.ChunkSize - 1, sse.ChunkSize, sse.ChunkSize + 1, 2 * sse.ChunkSize} {
		t.Run(fmt.Sprint(step), func(t *testing.T) {
			if step < 7 {
				plain := plain[:2*sse.ChunkSize+3]
				if got := sealSegment(t, dek, id, plain, step); !bytes.Equal(got, sealSegment(t, dek, id, plain, 0)) {
					t.Fatal("sealed differently")
				}
				return
			}
			if got := sealSegment(t, dek, id, plain, step); !bytes.Equal(got, want) {
				t.Fatal("sealed differently")
			}
		})
	}

	var b bytes.Buffer
	s := sse.NewSealer(&b, dek, id)
	if _, err := s.Write(plain[:sse.ChunkSize]); err != nil || b.Len() != 0 {
		t.Fatalf("a whole chunk written: %d bytes out, %v; want none until more or Close", b.Len(), err)
	}
	if _, err := s.Write(plain[sse.ChunkSize : sse.ChunkSize+1]); err != nil || b.Len() != sse.ChunkSize+sse.TagSize {
		t.Fatalf("a byte more: %d bytes out, %v; want the first chunk", b.Len(), err)
	}
	if err := s.Close(); err != nil || b.Len() != sse.ChunkSize+1+2*sse.TagSize {
		t.Fatalf("closed: %d bytes out, %v", b.Len(), err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := s.Write([]byte{1}); err == nil {
		t.Error("a write after Close succeeded")
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestSealerErrors(t *testing.T) {
	dek, id := mustKey(t), mustSegmentID(t)
	werr := errors.New("disk full")
	t.Run("writer", func(t *testing.T) {
		s := sse.NewSealer(failingWriter{werr}, dek, id)
		if _, err := s.Write(make([]byte, sse.ChunkSize+1)); !errors.Is(err, werr) {
			t.Errorf("Write: %v, want %v", err, werr)
		}
		if err := s.Close(); !errors.Is(err, werr) {
			t.Errorf("Close: %v, want %v", err, werr)
		}
	})
	t.Run("writer at close", func(t *testing.T) {
		s := sse.NewSealer(failingWriter{werr}, dek, id)
		if err := s.Close(); !errors.Is(err, werr) {
			t.Errorf("Close: %v, want %v", err, werr)
		}
	})
	t.Run("largest segment", func(t *testing.T) {
		var b bytes.Buffer
		s := sse.NewSealer(&b, dek, id)
		sse.SetChunkIndex(s, sse.MaxChunks-1)
		if _, err := s.Write(make([]byte, sse.ChunkSize)); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("the last chunk a segment can have refused: %v", err)
		}
	})
	t.Run("too large", func(t *testing.T) {
		s := sse.NewSealer(io.Discard, dek, id)
		sse.SetChunkIndex(s, sse.MaxChunks-1)
		if _, err := s.Write(make([]byte, sse.ChunkSize+1)); !errors.Is(err, sse.ErrSegmentTooLarge) {
			t.Errorf("Write past MaxSegmentSize: %v, want ErrSegmentTooLarge", err)
		}
		if err := s.Close(); !errors.Is(err, sse.ErrSegmentTooLarge) {
			t.Errorf("Close: %v, want ErrSegmentTooLarge", err)
		}
	})
}

// TestReadAtRanges reads every range between offsets at and around the chunk and segment
// boundaries of a small object, with a fresh Opener and with one shared by every read.
func TestReadAtRanges(t *testing.T) {
	const c = sse.ChunkSize
	sizes := []int{c + 1, 0, 5, 2 * c, 3}
	o := sealObject(t, sizes...)
	var points []int64
	var at int64
	for _, n := range sizes {
		for b := at; b <= at+int64(n); b += c {
			points = append(points, b-1, b, b+1)
		}
		at += int64(n)
		points = append(points, at-1, at, at+1)
	}
	points = slices.DeleteFunc(points, func(p int64) bool { return p < 0 })
	slices.Sort(points)
	points = slices.Compact(points)

	shared := o.opener()
	end := int64(len(o.plain))
	for _, off := range points {
		for _, to := range points {
			if to < off {
				continue
			}
			want := o.plain[min(off, end):min(to, end)]
			for _, op := range []*sse.Opener{o.opener(), shared} {
				p := make([]byte, to-off)
				n, err := op.ReadAt(p, off)
				if !bytes.Equal(p[:n], want) {
					t.Fatalf("ReadAt(%d bytes, %d) = %d bytes unlike the plaintext", len(p), off, n)
				}
				if wantEOF := to > end || off >= end; wantEOF != (err == io.EOF) || !wantEOF && err != nil {
					t.Fatalf("ReadAt(%d bytes, %d) of %d: %v", len(p), off, end, err)
				}
			}
		}
	}
	if _, err := shared.ReadAt(make([]byte, 1), -1); err == nil || err == io.EOF {
		t.Errorf("ReadAt at -1: %v, want an error", err)
	}
}

// TestReadAtSmallReads reads an object a few bytes at a time in order and out of order
// through one Opener, as a reader of small buffers does.
func TestReadAtSmallReads(t *testing.T) {
	o := sealObject(t, 2*sse.ChunkSize+100, sse.ChunkSize)
	op := o.opener()
	for _, step := range []int{1000, 4096, sse.ChunkSize - 1} {
		var got []byte
		buf := make([]byte, step)
		for off := int64(0); ; off += int64(step) {
			n, err := op.ReadAt(buf, off)
			got = append(got, buf[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(got, o.plain) {
			t.Fatalf("reads of %d bytes: the plaintext differs", step)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		off := r.Int64N(int64(len(o.plain)))
		n := min(r.Int64N(3*sse.ChunkSize), int64(len(o.plain))-off)
		p := make([]byte, n)
		if _, err := op.ReadAt(p, off); err != nil && err != io.EOF || !bytes.Equal(p, o.plain[off:off+n]) {
			t.Fatalf("ReadAt(%d bytes, %d): %v or the plaintext differs", n, off, err)
		}
	}
}

func TestOpenerConcurrent(t *testing.T) {
	o := sealObject(t, 3*sse.ChunkSize+7)
	op := o.opener()
	errs := make(chan error)
	for g := range 4 {
		go func() {
			for i := range 50 {
				off := int64((g*50+i)*997) % int64(len(o.plain))
				p := make([]byte, min(3000, int64(len(o.plain))-off))
				if _, err := op.ReadAt(p, off); err != nil && err != io.EOF {
					errs <- err
					return
				}
				if !bytes.Equal(p, o.plain[off:off+int64(len(p))]) {
					errs <- fmt.Errorf("ReadAt at %d: the plaintext differs", off)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestTamper: every change to sealed data, its segment list or its key fails the read with
// ErrOpen.
func TestTamper(t *testing.T) {
	const c = sse.ChunkSize
	// Segment 0: three chunks, the last of 10 bytes; segment 1: two chunks.
	o := sealObject(t, 2*c+10, c+3)
	chunk := func(s, i int) []byte {
		at := o.chunkAt(s, i)
		end := min(at+c+sse.TagSize, int64(len(o.data)))
		if s == 0 {
			end = min(end, o.starts[1])
		}
		return o.data[at:end]
	}
	type object struct {
		data []byte
		segs []sse.Segment
		dek  sse.Key
	}
	tests := []struct {
		name   string
		change func(*object)
	}{
		{"wrong key", func(b *object) { b.dek = mustKey(t) }},
		{"truncated at a chunk boundary", func(b *object) { b.data = b.data[:o.chunkAt(1, 1)] }},
		{"truncated within a chunk", func(b *object) { b.data = b.data[:len(b.data)-1] }},
		{"first segment cut short", func(b *object) {
			b.data = slices.Concat(b.data[:o.chunkAt(0, 2)], b.data[o.starts[1]:])
		}},
		{"last chunk dropped", func(b *object) {
			// The segment list agrees: only the last-chunk flag tells.
			b.data = b.data[:o.chunkAt(1, 1)]
			b.segs[1].Size = c
		}},
		{"last chunk of a segment dropped", func(b *object) {
			b.data = slices.Concat(b.data[:o.chunkAt(0, 2)], b.data[o.starts[1]:])
			b.segs[0].Size = 2 * c
		}},
		{"chunks swapped", func(b *object) {
			b.data = slices.Concat(chunk(0, 1), chunk(0, 0), b.data[o.chunkAt(0, 2):])
		}},
		{"chunk moved to another segment", func(b *object) {
			copy(b.data[o.chunkAt(1, 0):], chunk(0, 0))
		}},
		{"segment ids swapped", func(b *object) {
			b.segs[0].ID, b.segs[1].ID = b.segs[1].ID, b.segs[0].ID
		}},
		{"segment id changed", func(b *object) { b.segs[1].ID[7] ^= 1 }},
	}
	for s := range o.segs {
		for i := range int(o.segs[s].Size+c-1) / c {
			for _, at := range []int64{0, c / 2, int64(len(chunk(s, i))) - 1} {
				tests = append(tests, struct {
					name   string
					change func(*object)
				}{fmt.Sprintf("bit flipped in chunk %d of segment %d at %d", i, s, at), func(b *object) {
					b.data[o.chunkAt(s, i)+min(at, int64(len(chunk(s, i)))-1)] ^= 0x10
				}})
			}
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &object{slices.Clone(o.data), slices.Clone(o.segs), o.dek}
			tt.change(b)
			got, err := readAll(sse.NewOpener(bytes.NewReader(b.data), b.dek, b.segs))
			if !errors.Is(err, sse.ErrOpen) {
				t.Fatalf("read %d bytes, %v; want ErrOpen", len(got), err)
			}
		})
	}
}

// TestTamperRange: a changed chunk fails the reads that span it, and only those.
func TestTamperRange(t *testing.T) {
	const c = sse.ChunkSize
	o := sealObject(t, 3*c)
	data := slices.Clone(o.data)
	data[o.chunkAt(0, 1)+5] ^= 1
	op := sse.NewOpener(bytes.NewReader(data), o.dek, o.segs)
	tests := []struct {
		off, n int64
		fails  bool
	}{
		{0, c, false},
		{c - 1, 1, false},
		{c - 1, 2, true},
		{c + 100, 1, true},
		{2*c - 1, 2, true},
		{2 * c, c, false},
		{0, 3 * c, true},
	}
	for _, tt := range tests {
		p := make([]byte, tt.n)
		_, err := op.ReadAt(p, tt.off)
		if got := errors.Is(err, sse.ErrOpen); got != tt.fails || !tt.fails && err != nil {
			t.Errorf("ReadAt(%d bytes, %d): %v, want failing %v", tt.n, tt.off, err, tt.fails)
		}
		if !tt.fails && !bytes.Equal(p, o.plain[tt.off:tt.off+tt.n]) {
			t.Errorf("ReadAt(%d bytes, %d): the plaintext differs", tt.n, tt.off)
		}
	}
}

// TestSegmentSizes: a segment list no Sealer could have written fails every read, even of
// a chunk that would open.
func TestSegmentSizes(t *testing.T) {
	o := sealObject(t, 2*sse.ChunkSize, 1)
	for _, size := range []int64{-1, sse.MaxSegmentSize + 1} {
		segs := slices.Clone(o.segs)
		segs[0].Size = size
		op := sse.NewOpener(bytes.NewReader(o.data), o.dek, segs)
		if _, err := op.ReadAt(make([]byte, 1), 0); !errors.Is(err, sse.ErrOpen) {
			t.Errorf("a segment of %d bytes: %v, want ErrOpen", size, err)
		}
		if _, err := sse.OpenBytes(bytes.Clone(o.data), o.dek, segs); !errors.Is(err, sse.ErrOpen) {
			t.Errorf("OpenBytes with a segment of %d bytes: %v, want ErrOpen", size, err)
		}
	}
}

type failingReaderAt struct{ err error }

func (r failingReaderAt) ReadAt([]byte, int64) (int, error) { return 0, r.err }

func TestOpenerReadError(t *testing.T) {
	rerr := errors.New("disk gone")
	op := sse.NewOpener(failingReaderAt{rerr}, mustKey(t), []sse.Segment{{Size: 10}})
	if _, err := op.ReadAt(make([]byte, 4), 0); !errors.Is(err, rerr) || errors.Is(err, sse.ErrOpen) {
		t.Errorf("ReadAt: %v, want the reader's error and not ErrOpen", err)
	}
}

// TestSegmentIDs: two segments of the same plaintext under one key are sealed differently
// when their ids differ (their nonces do), alike when not.
func TestSegmentIDs(t *testing.T) {
	dek := mustKey(t)
	plain := plaintext(2*sse.ChunkSize+1, 3)
	a, b := mustSegmentID(t), mustSegmentID(t)
	if a == b {
		t.Fatal("NewSegmentID twice gave one id")
	}
	sa, sb := sealSegment(t, dek, a, plain, 0), sealSegment(t, dek, b, plain, 0)
	for i := 0; i < len(sa); i += sse.ChunkSize + sse.TagSize {
		if bytes.Equal(sa[i:min(i+16, len(sa))], sb[i:min(i+16, len(sb))]) {
			t.Errorf("chunk at %d sealed alike under two segment ids", i)
		}
	}
	if !bytes.Equal(sa, sealSegment(t, dek, a, plain, 0)) {
		t.Error("one segment id sealed the same plaintext differently")
	}
}

func TestReader(t *testing.T) {
	o := sealObject(t, sse.ChunkSize+9, 100)
	closed := 0
	r := sse.NewReader(o.opener(), closerFunc(func() error { closed++; return nil }))
	if err := iotest.TestReader(r, o.plain); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Seek(sse.ChunkSize, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(rest, o.plain[sse.ChunkSize:]) {
		t.Fatalf("read after Seek: %v or the plaintext differs", err)
	}
	if err := r.Close(); err != nil || closed != 1 {
		t.Errorf("Close: %v, closer called %d times", err, closed)
	}
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

func TestSealKey(t *testing.T) {
	dek, kek := mustKey(t), mustKey(t)
	aad := []byte("object 1")
	box, err := sse.SealKey(dek, kek, aad)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := sse.OpenKey(box, kek, aad); err != nil || got != dek {
		t.Fatalf("OpenKey: %v, or another key", err)
	}
	if again, _ := sse.SealKey(dek, kek, aad); bytes.Equal(again, box) {
		t.Error("two seals of one key alike: the nonce is not random")
	}
	flipped := func(i int) []byte { b := slices.Clone(box); b[i] ^= 1; return b }
	tests := []struct {
		name string
		box  []byte
		kek  sse.Key
		aad  []byte
	}{
		{"wrong key", box, mustKey(t), aad},
		{"wrong aad", box, kek, []byte("object 2")},
		{"no aad", box, kek, nil},
		{"nonce flipped", flipped(0), kek, aad},
		{"key flipped", flipped(20), kek, aad},
		{"tag flipped", flipped(len(box) - 1), kek, aad},
		{"truncated", box[:len(box)-1], kek, aad},
		{"empty", nil, kek, aad},
	}
	for _, tt := range tests {
		if _, err := sse.OpenKey(tt.box, tt.kek, tt.aad); !errors.Is(err, sse.ErrOpen) {
			t.Errorf("%s: %v, want ErrOpen", tt.name, err)
		}
	}
}

func TestOpaqueETag(t *testing.T) {
	dek := mustKey(t)
	sum := md5.Sum([]byte("hello"))
	other := md5.Sum([]byte("hello!"))
	e := sse.OpaqueETag(dek, sum[:])
	if b, err := hex.DecodeString(e); err != nil || len(b) != 16 {
		t.Fatalf("OpaqueETag %q: not 32 hex digits", e)
	}
	tests := []struct {
		name string
		etag string
		same bool
	}{
		{"same key and MD5", sse.OpaqueETag(dek, sum[:]), true},
		{"another key", sse.OpaqueETag(mustKey(t), sum[:]), false},
		{"another MD5", sse.OpaqueETag(dek, other[:]), false},
		{"the MD5 itself", hex.EncodeToString(sum[:]), false},
	}
	for _, tt := range tests {
		if (tt.etag == e) != tt.same {
			t.Errorf("%s: %s against %s, want same %v", tt.name, tt.etag, e, tt.same)
		}
	}
}
