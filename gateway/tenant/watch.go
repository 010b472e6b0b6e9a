package tenant

import (
	"path/filepath"
	"strings"
	"time"
)

const (
	// SettleDelay is how long the watcher waits after a change in the folder before reading:
	// an editor's truncate-then-write or a write-then-rename arrives as several events, and
	// reading after the last of them sees the file whole. It keeps a change well within the
	// 2 s in which it must apply.
	SettleDelay = 50 * time.Millisecond
	// maxPending is the most changed tenants remembered between two reads; beyond it the
	// whole folder is read again, which covers them all.
	maxPending = 1024
	// swapPrefix begins the names Kubernetes renames to swap a mounted ConfigMap or Secret
	// ("..data"): the tenant files are symlinks through it and see no event of their own.
	swapPrefix = ".."
)

// watch applies the folder's changes until the watcher is closed.
func (s *Set) watch() {
	defer close(s.stopped)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var (
		armed   bool
		full    bool
		changed = make(map[string]struct{})
	)
	arm := func() {
		if !armed {
			timer.Reset(SettleDelay)
			armed = true
		}
	}
	for {
		select {
		case ev, ok := <-s.watcher.Events:
			if !ok {
				return
			}
			name := filepath.Base(ev.Name)
			if t, ok := s.tenantOf(name); ok && filepath.Dir(ev.Name) == s.dir {
				if len(changed) < maxPending {
					changed[t] = struct{}{}
				} else {
					full = true
				}
				arm()
			} else if strings.HasPrefix(name, swapPrefix) || filepath.Clean(ev.Name) == s.dir {
				full = true
				arm()
			}
		case err, ok := <-s.watcher.Errors:
			if !ok {
				return
			}
			// An overflow loses events: read everything again.
			s.log.Warn("tenant origins: watching the folder; reading it again", "dir", s.dir, "err", err)
			full = true
			arm()
		case <-timer.C:
			armed = false
			s.mu.Lock()
			if !s.closed {
				if full {
					_ = s.rescan(false) // logged and observed
				} else {
					s.update(changed)
				}
			}
			s.mu.Unlock()
			full = false
			clear(changed)
		}
	}
}
