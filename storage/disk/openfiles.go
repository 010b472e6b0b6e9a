package disk

import (
	"container/list"
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/doorman-s3/doorman/storage"
)

// maxIdleFiles bounds the data files kept open between reads: descriptors the store holds
// beyond its readers' own (serve's connection limit leaves room for them).
const maxIdleFiles = 128

// openFiles keeps the descriptors of sealed data files open between reads. Opening and closing
// the file was a tenth of the CPU time of a GET of 4 KiB. A data file never changes once
// written (a write makes a new one), so a descriptor opened for one read serves every later
// read of the same file, each at its own offsets (pread); only sealed files are shared, since
// their reader reads at offsets anyway, while a plain file is read with its own offset and sent
// with sendfile.
//
// A file removed (removeData) is forgotten: its descriptor is closed once its last reader is
// done, so that the space is freed, as it is when a reader closes its own descriptor.
type openFiles struct {
	mu     sync.Mutex
	byID   map[string]*sharedFile
	idle   list.List // of *sharedFile with no reader, least recently used first
	closed bool
}

type sharedFile struct {
	id        string
	f         *os.File
	size      int64
	readers   int
	forgotten bool          // removed, or the store closed: closed by its last reader
	idle      *list.Element // in openFiles.idle while it has no reader
}

// open returns a handle on the data file id at path, opening it unless it is open already;
// ok is false when the file does not exist.
func (c *openFiles) open(id, path string) (h *fileHandle, ok bool, err error) {
	c.mu.Lock()
	if sf := c.byID[id]; sf != nil {
		c.useLocked(sf)
		c.mu.Unlock()
		return &fileHandle{files: c, sf: sf}, true, nil
	}
	c.mu.Unlock()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, false, err
	}
	sf := &sharedFile{id: id, f: f, size: fi.Size(), readers: 1}
	c.mu.Lock()
	if c.closed {
		sf.forgotten = true
	} else if other := c.byID[id]; other != nil {
		// Another read opened it meanwhile: use that one.
		c.useLocked(other)
		c.mu.Unlock()
		f.Close()
		return &fileHandle{files: c, sf: other}, true, nil
	} else {
		if c.byID == nil {
			c.byID = map[string]*sharedFile{}
		}
		c.byID[id] = sf
	}
	c.mu.Unlock()
	// A removal that unlinked the file before this open put it in the map is seen here: the
	// path is gone. (removeData unlinks, then forgets.)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		c.forget(id)
	}
	return &fileHandle{files: c, sf: sf}, true, nil
}

// useLocked counts one more reader of sf.
func (c *openFiles) useLocked(sf *sharedFile) {
	if sf.idle != nil {
		c.idle.Remove(sf.idle)
		sf.idle = nil
	}
	sf.readers++
}

// release ends a reader's use of sf: the last one closes a forgotten file, or keeps it idle,
// closing the least recently used idle files past maxIdleFiles.
func (c *openFiles) release(sf *sharedFile) {
	c.mu.Lock()
	sf.readers--
	var closing []*os.File
	if sf.readers == 0 {
		if sf.forgotten {
			closing = append(closing, sf.f)
		} else {
			sf.idle = c.idle.PushBack(sf)
			for c.idle.Len() > maxIdleFiles {
				old := c.idle.Remove(c.idle.Front()).(*sharedFile)
				old.idle = nil
				delete(c.byID, old.id)
				closing = append(closing, old.f)
			}
		}
	}
	c.mu.Unlock()
	for _, f := range closing {
		f.Close()
	}
}

// forget drops the file id: closed now if no reader has it, else by its last reader.
func (c *openFiles) forget(id string) {
	c.mu.Lock()
	sf := c.byID[id]
	if sf == nil {
		c.mu.Unlock()
		return
	}
	delete(c.byID, id)
	sf.forgotten = true
	idle := sf.idle != nil
	if idle {
		c.idle.Remove(sf.idle)
		sf.idle = nil
	}
	c.mu.Unlock()
	if idle {
		sf.f.Close()
	}
}

// closeAll forgets every file, for Close: later opens are not kept.
func (c *openFiles) closeAll() {
	c.mu.Lock()
	c.closed = true
	ids := make([]string, 0, len(c.byID))
	for id := range c.byID {
		ids = append(ids, id)
	}
	c.mu.Unlock()
	for _, id := range ids {
		c.forget(id)
	}
}

// fileHandle is one reader's use of a shared data file, a storage.ObjectReader whose Read and
// Seek move its own offset, never the descriptor's; Close releases it, once.
type fileHandle struct {
	files  *openFiles
	sf     *sharedFile
	off    int64
	closed atomic.Bool
}

func (h *fileHandle) ReadAt(p []byte, off int64) (int, error) {
	if h.closed.Load() {
		return 0, os.ErrClosed
	}
	return h.sf.f.ReadAt(p, off)
}

func (h *fileHandle) Read(p []byte) (int, error) {
	n, err := h.ReadAt(p, h.off)
	h.off += int64(n)
	return n, err
}

func (h *fileHandle) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += h.off
	case io.SeekEnd:
		offset += h.sf.size
	case io.SeekStart:
	default:
		return 0, errors.New("seek: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("seek: negative position")
	}
	h.off = offset
	return offset, nil
}

func (h *fileHandle) Close() error {
	if h.closed.Swap(true) {
		return os.ErrClosed
	}
	h.files.release(h.sf)
	return nil
}

var _ storage.ObjectReader = (*fileHandle)(nil)
