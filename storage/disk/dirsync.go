package disk

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"time"
)

// A new data file's directory entry is durable only once its shard directory is fsynced, and
// that fsync was, after the file's own, the dearest step of a small PUT (an eighth of its CPU
// time on ext4). Two measures let concurrent writers share it (group commit):
//
//   - newDataID gives every file created within the same shardPeriod the same shard, so that
//     concurrent writes put their files in one directory. The rest of the id stays random
//     (120 bits), and over time the shards fill evenly, one period after another;
//   - dirSyncs notes when each writer made its file, and an fsync of the directory that began
//     after that, whoever's it was, makes the file's entry durable: a writer whose entry
//     another writer's fsync covered, while it was still writing its data, makes none.

// shardPeriod is how long new data files go to the same shard directory. It is long beside a
// write (a few milliseconds), so that most concurrent writers meet in one directory, and
// short enough that 256 periods (about a minute) spread the files over every shard.
const shardPeriod = 250 * time.Millisecond

// newDataID returns the id of a data file created at now: its first byte (its shard) is
// now's shardPeriod, the other fifteen are random.
func newDataID(now time.Time) string {
	var b [16]byte
	rand.Read(b[:])
	b[0] = byte(now.UnixNano() / int64(shardPeriod))
	return hex.EncodeToString(b[:])
}

// dirSyncs fsyncs directories for concurrent writers, one fsync of a directory at a time.
// Each writer takes a ticket once it has made its file (made), and asks for it to be durable
// once the file's data is (sync): an fsync of the directory that began after the ticket was
// taken (often another writer's, while this one was still writing) made the entry durable.
type dirSyncs struct {
	mu   sync.Mutex
	dirs map[string]*dirSync // the directories with a ticket out
	// fsync syncs a directory: syncDir, or, in tests, one that counts and blocks.
	fsync func(dir string) error
}

// dirSync is one directory's state.
type dirSync struct {
	ended   *sync.Cond // broadcast when a sync ends
	running bool
	// begun and done count the syncs begun and ended; err is the last ended sync's error.
	begun, done uint64
	err         error
	tickets     int // taken and not yet synced or dropped
}

// dirTicket is an entry made in dir, once the syncs numbered up to after had begun.
type dirTicket struct {
	dir   string
	after uint64
}

// made returns the ticket of an entry just made in dir. The caller ends it with sync or drop.
func (d *dirSyncs) made(dir string) dirTicket {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dirs == nil {
		d.dirs = make(map[string]*dirSync)
	}
	ds := d.dirs[dir]
	if ds == nil {
		ds = &dirSync{ended: sync.NewCond(&d.mu)}
		d.dirs[dir] = ds
	}
	ds.tickets++
	return dirTicket{dir: dir, after: ds.begun}
}

// sync makes t's entry durable: it returns once an fsync of its directory that began after
// the entry was made has ended, beginning one if none has and none is running. The error is
// that of the last ended sync (which began after the entry was made).
func (d *dirSyncs) sync(t dirTicket) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	ds := d.dirs[t.dir]
	for ds.done <= t.after {
		if ds.running {
			ds.ended.Wait()
			continue
		}
		ds.running = true
		ds.begun++
		n := ds.begun
		d.mu.Unlock()
		err := d.fsync(t.dir)
		d.mu.Lock()
		ds.running, ds.done, ds.err = false, n, err
		ds.ended.Broadcast()
	}
	d.release(t.dir, ds)
	return ds.err
}

// drop ends a ticket whose entry is not synced (its write failed).
func (d *dirSyncs) drop(t dirTicket) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.release(t.dir, d.dirs[t.dir])
}

// release ends one of ds's tickets, and forgets ds with the last one. A sync still running
// has a ticket out: its writer's.
func (d *dirSyncs) release(dir string, ds *dirSync) {
	if ds.tickets--; ds.tickets == 0 {
		delete(d.dirs, dir)
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
