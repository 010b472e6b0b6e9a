package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"sync"
)

// maxCachedKeys bounds the signing key cache; a full cache is emptied and refilled.
const maxCachedKeys = 4096

type keyID struct{ secret, date, region string }

// keyCache holds derived signing keys. A key depends only on the secret, the scope date and
// the region, so one derivation (four chained HMACs) serves every request of a day.
type keyCache struct {
	mu   sync.RWMutex
	keys map[keyID]*signingKey
}

func (c *keyCache) get(secret, date, region string) *signingKey {
	id := keyID{secret, date, region}
	c.mu.RLock()
	k := c.keys[id]
	c.mu.RUnlock()
	if k != nil {
		return k
	}
	k = deriveKey(secret, date, region)
	c.mu.Lock()
	if c.keys == nil || len(c.keys) >= maxCachedKeys {
		c.keys = make(map[keyID]*signingKey)
	}
	c.keys[id] = k
	c.mu.Unlock()
	return k
}

// signingKey is a derived key with a pool of HMACs keyed by it, so that signing reuses the
// precomputed inner and outer states instead of allocating new ones.
type signingKey struct {
	key  []byte
	macs sync.Pool
}

func deriveKey(secret, date, region string) *signingKey {
	k := []byte("AWS4" + secret)
	for _, part := range []string{date, region, service, terminal} {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(part))
		k = m.Sum(nil)
	}
	return &signingKey{key: k}
}

// sign appends HMAC-SHA256(key, msg) to dst.
func (k *signingKey) sign(dst, msg []byte) []byte {
	m, _ := k.macs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, k.key)
	} else {
		m.Reset()
	}
	m.Write(msg)
	dst = m.Sum(dst)
	k.macs.Put(m)
	return dst
}
