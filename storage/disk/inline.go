package disk

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// An object of up to the store's inline limit keeps its data in meta.db, in inline/ under its
// data id, instead of in a file of data/ (see Inline objects in the package doc): its write is
// one transaction, whose fsync concurrent writers share, and its read one lookup.
//
// defaultInlineLimit is the limit. A 4 KiB object written to a file costs the file's creation
// and fsync, its directory's fsync (shared by concurrent writers, dirsync.go) and, when it
// replaces another, an unlink; profiled, those were two fifths of a 4 KiB PUT's CPU time. In
// meta.db the data costs a B+tree leaf of its own size or a few pages, rewritten with the
// commit that bbolt makes anyway. Past a few pages, the leaf's rewrite on every change near
// it costs more than a file: 16 KiB keeps a leaf at four pages.
const defaultInlineLimit = 16 << 10

// WithInlineLimit sets the size up to which an object's data is kept in meta.db rather than
// in a file: 16 KiB by default, and none when negative. Objects written before keep where
// they are; multipart parts and completed uploads are always files.
func WithInlineLimit(n int64) Option { return func(s *Store) { s.inlineLimit = n } }

// inlines tells whether an object of size bytes (-1: unknown) has its data kept in meta.db.
// An object of unknown size is written to a file, which any size fits.
func (s *Store) inlines(size int64) bool { return size >= 0 && size <= s.inlineLimit }

// putInline stores the data of the record rec in tx, which commits it, and takes the format
// of a directory with inline objects.
func putInline(tx *bolt.Tx, rec *objectRecord, data []byte) error {
	if err := useFormat(tx, formatInline); err != nil {
		return err
	}
	return tx.Bucket(bktInline).Put([]byte(rec.File), data)
}

// inlineData returns a copy of the data of the inline object rec, which stays valid after tx
// ends.
func inlineData(tx *bolt.Tx, rec *objectRecord) ([]byte, error) {
	v := tx.Bucket(bktInline).Get([]byte(rec.File))
	if v == nil {
		return nil, fmt.Errorf("corrupt metadata record: no data kept for inline object %s", rec.File)
	}
	return bytes.Clone(v), nil
}

// releaseInline deletes, in tx, the inline data among the data ids a change no longer
// refers to, and returns the others: the files to remove once tx is committed. Inline data
// so goes in the transaction that drops its last record, and a crash never leaves it behind.
func releaseInline(tx *bolt.Tx, ids []string) ([]string, error) {
	b := tx.Bucket(bktInline)
	files := ids[:0:0]
	for _, id := range ids {
		if id == "" {
			continue
		}
		if b.Get([]byte(id)) == nil {
			files = append(files, id)
			continue
		}
		if err := b.Delete([]byte(id)); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// inlineReader reads an inline object's data, which it holds.
type inlineReader struct {
	*bytes.Reader
	data []byte // what it reads, the reader's own copy
}

func newInlineReader(data []byte) inlineReader { return inlineReader{bytes.NewReader(data), data} }

func (inlineReader) Close() error { return nil }
