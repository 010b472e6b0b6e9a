package sse

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// KeyringVersion is the version of the keyring's encoding this package writes and reads.
const KeyringVersion = 1

// MaxKeys bounds the keys of a keyring, SSE-S3 and KMS together: a keyring is read whole at
// a store's start and kept in memory, and ten thousand keys are a rotation a day for 27 years
// or a KMS key for each of thousands of tenants.
const MaxKeys = 10_000

// MaxAliasesPerKey is AWS KMS's quota of aliases per KMS key
// (https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html).
const MaxAliasesPerKey = 50

// MaxAliases bounds the aliases of a keyring, for the same reason as MaxKeys.
const MaxAliases = 10_000

// maxAliasLen is the longest alias name, "alias/" included
// (https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html).
const maxAliasLen = 256

// maxARNField bounds the region and the account of a KMS key's ARN.
const maxARNField = 64

// MaxKeyringSize bounds the encoding ParseKeyring reads. The largest keyring the methods
// can build (MaxKeys KMS keys of ARNs of maxARNField fields, MaxAliases aliases of
// maxAliasLen bytes) encodes in under 8 MiB; twice that leaves room for a keyring written
// with more whitespace.
const MaxKeyringSize = 16 << 20

// DefaultKMSAlias names the KMS key used for SSE-KMS when a request names none, as AWS
// names its managed key for S3 (https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-key);
// the one alias under the reserved "alias/aws/" a keyring holds.
const DefaultKMSAlias = "alias/aws/s3"

// ErrUnknownKey is a key the keyring does not hold: a KMS key no name finds, or a sealed key
// whose KeyID names no key (one sealed under another keyring).
var ErrUnknownKey = errors.New("sse: no such key")

// errKeyring is every error of a keyring that cannot be read or a change that would make one.
var errKeyring = errors.New("sse: keyring")

// keyringJSON is a keyring's encoding.
type keyringJSON struct {
	Version int `json:"version"`
	// Current is the index in S3 of the key that seals: the newest.
	Current int          `json:"current"`
	S3      []s3KeyJSON  `json:"s3"`
	KMS     []kmsKeyJSON `json:"kms"`
}

type s3KeyJSON struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	Key     []byte    `json:"key"` // base64, as encoding/json writes a []byte
}

type kmsKeyJSON struct {
	ID      string    `json:"id"`
	ARN     string    `json:"arn"`
	Aliases []string  `json:"aliases"`
	Created time.Time `json:"created"`
	Key     []byte    `json:"key"`
}

// Keyring is a store's master keys: SSE-S3 keys, of which the newest seals new data keys
// and the older ones still open what they sealed (rotation), and KMS keys, each with an id,
// an ARN and aliases. Its encoding is JSON, with a version. Its methods may be called
// concurrently.
type Keyring struct {
	mu sync.RWMutex
	j  keyringJSON
	// keys holds each key's AES-256-GCM, by id, SSE-S3 and KMS: made once, as a key is
	// added, since making it costs more than a data key's sealing or opening (an AES key
	// schedule and GCM's tables, 1.3 KB); it is safe for concurrent use.
	keys    map[string]cipher.AEAD
	kmsBy   map[string]int // index in j.KMS by id, ARN and alias
	aliases int
}

// NewKeyring returns a keyring with one SSE-S3 key.
func NewKeyring() (*Keyring, error) {
	k := &Keyring{j: keyringJSON{Version: KeyringVersion, S3: []s3KeyJSON{}, KMS: []kmsKeyJSON{}}}
	k.index()
	if _, err := k.Rotate(); err != nil {
		return nil, err
	}
	return k, nil
}

// index makes the maps of k.j, which it does not check.
func (k *Keyring) index() {
	k.keys = make(map[string]cipher.AEAD, len(k.j.S3)+len(k.j.KMS))
	k.kmsBy = make(map[string]int, 3*len(k.j.KMS))
	k.aliases = 0
	for _, s := range k.j.S3 {
		k.keys[s.ID] = newGCM(Key(s.Key))
	}
	for i := range k.j.KMS {
		k.addKMS(i)
	}
}

// addKMS adds KMS key i to the maps.
func (k *Keyring) addKMS(i int) {
	m := &k.j.KMS[i]
	k.keys[m.ID] = newGCM(Key(m.Key))
	k.kmsBy[m.ID], k.kmsBy[m.ARN] = i, i
	for _, a := range m.Aliases {
		k.kmsBy[a] = i
	}
	k.aliases += len(m.Aliases)
}

// ParseKeyring decodes a keyring; it refuses one malformed, of an unknown version, or
// holding keys of the wrong size, duplicate ids or aliases, more than MaxKeys keys or
// MaxAliases aliases, an invalid id, ARN or alias, or no SSE-S3 key.
func ParseKeyring(b []byte) (*Keyring, error) {
	if len(b) > MaxKeyringSize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", errKeyring, len(b), MaxKeyringSize)
	}
	k := &Keyring{}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&k.j); err != nil {
		return nil, fmt.Errorf("%w: %v", errKeyring, err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the keyring", errKeyring)
	}
	if err := k.check(); err != nil {
		return nil, err
	}
	k.index()
	return k, nil
}

// check checks k.j.
func (k *Keyring) check() error {
	j := &k.j
	switch {
	case j.Version != KeyringVersion:
		return fmt.Errorf("%w: version %d, not %d", errKeyring, j.Version, KeyringVersion)
	case len(j.S3) == 0:
		return fmt.Errorf("%w: no SSE-S3 key", errKeyring)
	case len(j.S3)+len(j.KMS) > MaxKeys:
		return fmt.Errorf("%w: more than %d keys", errKeyring, MaxKeys)
	case j.Current < 0 || j.Current >= len(j.S3):
		return fmt.Errorf("%w: current key %d of %d", errKeyring, j.Current, len(j.S3))
	}
	ids := make(map[string]bool, len(j.S3)+len(j.KMS))
	id := func(id string, key []byte, valid bool) error {
		switch {
		case !valid:
			return fmt.Errorf("%w: key id %q", errKeyring, id)
		case ids[id]:
			return fmt.Errorf("%w: key id %q twice", errKeyring, id)
		case len(key) != KeySize:
			return fmt.Errorf("%w: key %q of %d bytes, not %d", errKeyring, id, len(key), KeySize)
		}
		ids[id] = true
		return nil
	}
	for _, s := range j.S3 {
		if err := id(s.ID, s.Key, validS3ID(s.ID)); err != nil {
			return err
		}
	}
	aliases := make(map[string]bool)
	for _, m := range j.KMS {
		if err := id(m.ID, m.Key, validUUID(m.ID)); err != nil {
			return err
		}
		if region, account, ok := parseARN(m.ARN, "key/"+m.ID); !ok || kmsARN(region, account, "key/"+m.ID) != m.ARN {
			return fmt.Errorf("%w: ARN %q of key %s", errKeyring, m.ARN, m.ID)
		}
		if err := checkAliases(m.Aliases, aliases, len(aliases)); err != nil {
			return err
		}
	}
	return nil
}

// s3IDPrefix begins an SSE-S3 key's id, followed by s3IDBytes random bytes in hex: random,
// so that a data key sealed under a lost keyring is told apart (ErrUnknownKey) from one
// sealed under a key of this keyring and changed (ErrOpen).
const (
	s3IDPrefix = "s3-"
	s3IDBytes  = 8
)

func validS3ID(id string) bool {
	h, ok := strings.CutPrefix(id, s3IDPrefix)
	return ok && len(h) == 2*s3IDBytes && isLowerHex(h)
}

func isLowerHex(s string) bool {
	return strings.Trim(s, "0123456789abcdef") == ""
}

// newUUID returns a random (version 4) UUID, RFC 9562 section 5.4, as AWS KMS key ids are.
func newUUID() (string, error) {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		return "", err
	}
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // variant 10
	h := hex.EncodeToString(u[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// validUUID tells a UUID in the lower-case form newUUID writes.
func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for _, i := range []int{8, 13, 18, 23} {
		if s[i] != '-' {
			return false
		}
	}
	return isLowerHex(strings.ReplaceAll(s, "-", ""))
}

// kmsARN is the ARN of a KMS resource ("key/ID" or "alias/NAME")
// (https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id-key-ARN).
func kmsARN(region, account, resource string) string {
	return "arn:aws:kms:" + region + ":" + account + ":" + resource
}

// parseARN splits a KMS ARN of the resource given, or of any alias when resource is
// "alias/", into its region and account.
func parseARN(arn, resource string) (region, account string, ok bool) {
	rest, ok := strings.CutPrefix(arn, "arn:aws:kms:")
	if !ok {
		return "", "", false
	}
	region, rest, _ = strings.Cut(rest, ":")
	account, rest, _ = strings.Cut(rest, ":")
	if resource == "alias/" {
		ok = strings.HasPrefix(rest, resource)
	} else {
		ok = rest == resource
	}
	return region, account, ok && validARNField(region) && validARNField(account)
}

// validARNField tells a region or account this package puts in an ARN: 1 to maxARNField
// letters, digits and dashes, as AWS's regions ("us-east-1") and account ids are.
func validARNField(s string) bool {
	if len(s) == 0 || len(s) > maxARNField {
		return false
	}
	for _, c := range []byte(s) {
		if !isAlnum(c) && c != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// validAlias tells an alias name AWS KMS's rules allow
// (https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html): "alias/"
// and a name, 1 to 256 characters in all, of letters, digits, "/", "_" and "-", not under
// "alias/aws/", which is reserved for AWS managed keys, but for DefaultKMSAlias.
func validAlias(a string) bool {
	name, ok := strings.CutPrefix(a, "alias/")
	if !ok || name == "" || len(a) > maxAliasLen {
		return false
	}
	if strings.HasPrefix(a, "alias/aws/") && a != DefaultKMSAlias {
		return false
	}
	for _, c := range []byte(name) {
		if !isAlnum(c) && c != '/' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// checkAliases checks a key's aliases: valid, at most MaxAliasesPerKey, none in seen nor
// twice, and had (the keyring's aliases so far) plus them at most MaxAliases; it adds
// them to seen.
func checkAliases(aliases []string, seen map[string]bool, had int) error {
	if len(aliases) > MaxAliasesPerKey {
		return fmt.Errorf("%w: %d aliases for a key, more than %d", errKeyring, len(aliases), MaxAliasesPerKey)
	}
	if had+len(aliases) > MaxAliases {
		return fmt.Errorf("%w: more than %d aliases", errKeyring, MaxAliases)
	}
	for _, a := range aliases {
		switch {
		case !validAlias(a):
			return fmt.Errorf("%w: alias %q", errKeyring, a)
		case seen[a]:
			return fmt.Errorf("%w: alias %q twice", errKeyring, a)
		}
		seen[a] = true
	}
	return nil
}

// Marshal encodes the keyring.
func (k *Keyring) Marshal() ([]byte, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	b, err := json.MarshalIndent(&k.j, "", "\t")
	return append(b, '\n'), err
}

// Seal seals dek with the newest SSE-S3 key.
func (k *Keyring) Seal(dek Key, aad []byte) (Sealed, error) {
	k.mu.RLock()
	id := k.j.S3[k.j.Current].ID
	kek := k.keys[id]
	k.mu.RUnlock()
	box, err := sealKey(dek, kek, aad)
	return Sealed{KeyID: id, Box: box}, err
}

// Open opens what Seal or SealKMS sealed, with the key its KeyID names: ErrUnknownKey when
// the keyring has no such key, ErrOpen when it does not open.
func (k *Keyring) Open(s Sealed, aad []byte) (Key, error) {
	k.mu.RLock()
	kek, ok := k.keys[s.KeyID]
	k.mu.RUnlock()
	if !ok {
		return Key{}, fmt.Errorf("%w: key id %q", ErrUnknownKey, s.KeyID)
	}
	return openKey(s.Box, kek, aad)
}

// checkRoom refuses a key more than MaxKeys.
func (k *Keyring) checkRoom() error {
	if len(k.keys) >= MaxKeys {
		return fmt.Errorf("%w: already %d keys", errKeyring, MaxKeys)
	}
	return nil
}

// Rotate adds a new SSE-S3 key that seals from now on, and returns its id.
func (k *Keyring) Rotate() (string, error) {
	var idb [s3IDBytes]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return "", err
	}
	key, err := NewKey()
	if err != nil {
		return "", err
	}
	id := s3IDPrefix + hex.EncodeToString(idb[:])
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.checkRoom(); err != nil {
		return "", err
	}
	k.j.S3 = append(k.j.S3, s3KeyJSON{ID: id, Created: time.Now().UTC(), Key: key[:]})
	k.j.Current = len(k.j.S3) - 1
	k.keys[id] = newGCM(key)
	return id, nil
}

// S3Key is an SSE-S3 key of the keyring, as a listing shows it.
type S3Key struct {
	ID      string
	Created time.Time
	Current bool // it seals new data keys
}

// S3Keys lists the SSE-S3 keys, oldest first.
func (k *Keyring) S3Keys() []S3Key {
	k.mu.RLock()
	defer k.mu.RUnlock()
	keys := make([]S3Key, len(k.j.S3))
	for i, s := range k.j.S3 {
		keys[i] = S3Key{s.ID, s.Created, i == k.j.Current}
	}
	return keys
}

// KMSKey is a KMS key of the keyring.
type KMSKey struct {
	ID      string // a UUID, as AWS KMS key ids are
	ARN     string // arn:aws:kms:<region>:<account>:key/<ID>
	Aliases []string
	Created time.Time
}

func (m *kmsKeyJSON) info() KMSKey {
	return KMSKey{m.ID, m.ARN, slices.Clone(m.Aliases), m.Created}
}

// CreateKMSKey adds a KMS key with the given aliases ("alias/...", by AWS KMS's rules;
// DefaultKMSAlias the only one under "alias/aws/"), ARN in region and account (each 1 to
// 64 letters, digits and dashes).
func (k *Keyring) CreateKMSKey(region, account string, aliases ...string) (KMSKey, error) {
	if !validARNField(region) || !validARNField(account) {
		return KMSKey{}, fmt.Errorf("%w: region %q, account %q", errKeyring, region, account)
	}
	id, err := newUUID()
	if err != nil {
		return KMSKey{}, err
	}
	key, err := NewKey()
	if err != nil {
		return KMSKey{}, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.checkRoom(); err != nil {
		return KMSKey{}, err
	}
	seen := make(map[string]bool, len(aliases))
	for _, a := range aliases {
		if _, ok := k.kmsBy[a]; ok {
			return KMSKey{}, fmt.Errorf("%w: alias %q taken", errKeyring, a)
		}
	}
	if err := checkAliases(aliases, seen, k.aliases); err != nil {
		return KMSKey{}, err
	}
	m := kmsKeyJSON{ID: id, ARN: kmsARN(region, account, "key/"+id), Aliases: slices.Clone(aliases),
		Created: time.Now().UTC(), Key: key[:]}
	if m.Aliases == nil {
		m.Aliases = []string{}
	}
	k.j.KMS = append(k.j.KMS, m)
	k.addKMS(len(k.j.KMS) - 1)
	return m.info(), nil
}

// KMSKeys lists the KMS keys, oldest first.
func (k *Keyring) KMSKeys() []KMSKey {
	k.mu.RLock()
	defer k.mu.RUnlock()
	keys := make([]KMSKey, len(k.j.KMS))
	for i := range k.j.KMS {
		keys[i] = k.j.KMS[i].info()
	}
	return keys
}

// KMSKey finds a KMS key by id, ARN, alias ("alias/NAME") or alias ARN
// ("arn:aws:kms:REGION:ACCOUNT:alias/NAME", of the key's region and account), the names
// AWS KMS takes for a key (https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id).
func (k *Keyring) KMSKey(name string) (KMSKey, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	m, ok := k.kmsKey(name)
	if !ok {
		return KMSKey{}, false
	}
	return m.info(), true
}

// kmsKey is KMSKey under k.mu. Ids, ARNs and aliases never look alike ("arn:", "alias/"),
// so one map finds all three.
func (k *Keyring) kmsKey(name string) (*kmsKeyJSON, bool) {
	region, account, isAliasARN := parseARN(name, "alias/")
	if isAliasARN {
		name = name[len(kmsARN(region, account, "")):]
	}
	i, ok := k.kmsBy[name]
	if !ok {
		return nil, false
	}
	m := &k.j.KMS[i]
	if isAliasARN && kmsARN(region, account, "key/"+m.ID) != m.ARN {
		return nil, false
	}
	return m, true
}

// SealKMS seals dek with the KMS key named (as KMSKey finds it); ErrUnknownKey when none is.
func (k *Keyring) SealKMS(name string, dek Key, aad []byte) (Sealed, KMSKey, error) {
	k.mu.RLock()
	m, ok := k.kmsKey(name)
	var info KMSKey
	var kek cipher.AEAD
	if ok {
		info, kek = m.info(), k.keys[m.ID]
	}
	k.mu.RUnlock()
	if !ok {
		return Sealed{}, KMSKey{}, fmt.Errorf("%w: KMS key %q", ErrUnknownKey, name)
	}
	box, err := sealKey(dek, kek, aad)
	return Sealed{KeyID: info.ID, Box: box}, info, err
}
