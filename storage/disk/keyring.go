package disk

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"

	"github.com/doorman-s3/doorman/sse"
	"github.com/doorman-s3/doorman/storage"
)

// The keyring: the store's master keys (package sse), in keyringName beside meta.db. It is
// the one file a copy of the directory must not lose, and the one whose reading must be
// restricted: whoever reads it and the data files reads every SSE-S3 and SSE-KMS object. It
// is therefore a file of its own, of mode 0600, never a record of meta.db (whose records are
// decoded, listed and logged as damaged), and it is never logged.
//
// It is only ever replaced whole: written to tmp/, synced, renamed over the old one, and the
// directory synced, so that a crash leaves the old keyring or the new one, never a torn one;
// a temporary file left by a crash is removed at Open with everything else in tmp/. A keyring
// that does not parse is refused, never replaced: a new keyring would open none of the
// objects the lost one sealed.

const (
	keyringName = "keyring.json"
	// defaultRegion is the region of KMS key ARNs when the store was given none (WithRegion):
	// S3's default region.
	defaultRegion = "us-east-1"
	// account is the account id in the ARNs of the store's KMS keys. A store has no AWS
	// account; S3 clients only need the ARN to have the twelve digits of one
	// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html). [UNVERIFIED]
	// that no client checks the account against its own.
	account = "000000000000"
)

// WithRegion names the region of the ARNs of the KMS keys the store creates: the region of
// the S3 endpoint in front of it. It is us-east-1 by default.
func WithRegion(region string) Option { return func(s *Store) { s.region = region } }

// loadKeyring reads the keyring, or creates one in a directory that has none. A directory
// whose metadata is in the format of encrypted data and has no keyring is refused: a new
// keyring would open none of that data.
func (s *Store) loadKeyring() error {
	path := filepath.Join(s.dir, keyringName)
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := sse.ParseKeyring(b)
		if err != nil {
			return fmt.Errorf("the keyring %s is damaged, and is left as it is: %w", path, err)
		}
		s.keys.Store(k)
		return nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	var encrypted bool
	s.db.View(func(tx *bolt.Tx) error {
		encrypted = heldEncrypted(tx)
		return nil
	})
	if encrypted {
		return fmt.Errorf("the keyring %s is missing, and the directory holds encrypted data that only its keys open", path)
	}
	k, err := sse.NewKeyring()
	if err != nil {
		return err
	}
	if err := s.writeKeyring(k); err != nil {
		return err
	}
	s.made.files = append(s.made.files, path)
	s.keys.Store(k)
	return nil
}

// writeKeyring replaces the keyring file with k, atomically.
func (s *Store) writeKeyring(k *sse.Keyring) (err error) {
	b, err := k.Marshal()
	if err != nil {
		return err
	}
	tmp := filepath.Join(s.dir, tmpDir, "keyring-"+newID())
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return noSpace(err)
	}
	if err := os.Rename(tmp, filepath.Join(s.dir, keyringName)); err != nil {
		return err
	}
	return syncDir(s.dir)
}

// keyring is the keyring in use. It is never changed in place: a change makes a new one
// (changeKeyring), so readers need no lock.
func (s *Store) keyring() *sse.Keyring { return s.keys.Load() }

// changeKeyring applies change to a copy of the keyring, writes the copy to its file and
// makes it the keyring in use, in that order: a key is durable before anything it seals is
// written. The keyring in use stays as it was when either step fails.
func (s *Store) changeKeyring(change func(*sse.Keyring) error) error {
	s.keysMu.Lock()
	defer s.keysMu.Unlock()
	b, err := s.keyring().Marshal()
	if err != nil {
		return err
	}
	k, err := sse.ParseKeyring(b)
	if err != nil {
		return err
	}
	if err := change(k); err != nil {
		return err
	}
	if err := s.writeKeyring(k); err != nil {
		return err
	}
	s.keys.Store(k)
	return nil
}

// RotateKey adds a new SSE-S3 master key, which seals the data keys of the objects written
// from now on, and returns its id. The older keys stay: they open what they sealed.
func (s *Store) RotateKey() (id string, err error) {
	err = s.changeKeyring(func(k *sse.Keyring) error {
		id, err = k.Rotate()
		return err
	})
	return id, err
}

// CreateKMSKey adds a KMS key with the given aliases ("alias/name"), for SSE-KMS writes
// that name it by id, ARN or alias.
func (s *Store) CreateKMSKey(aliases ...string) (key sse.KMSKey, err error) {
	err = s.changeKeyring(func(k *sse.Keyring) error {
		key, err = k.CreateKMSKey(s.arnRegion(), account, aliases...)
		return err
	})
	return key, err
}

// S3Keys lists the SSE-S3 master keys of the keyring, oldest first, the one that seals new
// data keys marked Current.
func (s *Store) S3Keys() []sse.S3Key { return s.keyring().S3Keys() }

// KMSKeys lists the KMS keys of the keyring, oldest first.
func (s *Store) KMSKeys() []sse.KMSKey { return s.keyring().KMSKeys() }

// arnRegion is the region of the store's KMS key ARNs.
func (s *Store) arnRegion() string { return orDefault(s.region, defaultRegion) }

// kmsKey finds the KMS key name names, an empty name naming the default key, which it creates
// (and makes durable) on first use, as S3 creates aws/s3. Any other key must exist
// (storage.ErrUnknownKMSKey).
func (s *Store) kmsKey(name string) (sse.KMSKey, error) {
	if name == "" {
		name = sse.DefaultKMSAlias
	}
	if key, ok := s.keyring().KMSKey(name); ok {
		return key, nil
	}
	if name != sse.DefaultKMSAlias {
		return sse.KMSKey{}, fmt.Errorf("%w: %q", storage.ErrUnknownKMSKey, name)
	}
	var key sse.KMSKey
	err := s.changeKeyring(func(k *sse.Keyring) error {
		// Another write may have created it since the look-up above.
		if found, ok := k.KMSKey(name); ok {
			key = found
			return nil
		}
		var err error
		key, err = k.CreateKMSKey(s.arnRegion(), account, sse.DefaultKMSAlias)
		return err
	})
	return key, err
}
