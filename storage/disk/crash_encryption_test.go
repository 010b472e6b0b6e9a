package disk_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/disk"
)

// The bucket and keys of TestEncryptedCrashRecovery: a key's prefix names its encryption.
const crashEncrypted = "crashe"

// maxEncryptedCrashRounds bounds the rounds TestEncryptedCrashRecovery runs to see a multipart
// object completed before a kill.
const maxEncryptedCrashRounds = 16

var encryptedCrashKeys = []string{"s3/k0", "kms/k1", "c/k2", "s3/k3", "kms/k4", "c/k5"}

// encryptionOfCrashKey is the encryption of a key of TestEncryptedCrashRecovery, and the
// customer key its reads need.
func encryptionOfCrashKey(key string) (storage.Encryption, []byte) {
	switch {
	case strings.HasPrefix(key, "s3/"):
		return sseS3, nil
	case strings.HasPrefix(key, "kms/"):
		return sseKMS, nil
	}
	return sseC, testCustomerKey
}

// encryptedCrashBodyMax bounds the bodies of single writes: up to 256 KiB, several sealed
// chunks, so that kills land mid-write; one in four is up to 16 KiB, an inline object.
const encryptedCrashBodyMax = 256 << 10

// encryptedCrashBody is version v's content: a header naming v, then bytes derived from v; one
// of a multipart upload is MinPartSize bytes longer, for two parts.
func encryptedCrashBody(v uint64, multipart bool) []byte {
	n := v * 7919 % encryptedCrashBodyMax
	if v%4 == 0 {
		n %= inlineLimit - 16 // with the header
	}
	if multipart {
		n += storage.MinPartSize
	}
	return versionBody(v, n)
}

// TestEncryptedCrashRecovery kills a process writing encrypted objects (single writes, copies
// between encryptions, and multipart uploads with a FULL_OBJECT checksum, the SSE-C ones
// completed with their key) with SIGKILL at random moments, from its first writes on: the ones
// that take format 4 and make the default KMS key. It then reopens the store and checks that
// the keyring still opens every object, that each object is a whole version whose size and
// checksum are its plaintext's and whose encryption is its key's, that an SSE-KMS object names
// the default key the keyring holds, that the directory says it holds encrypted data once it
// does (format 4, or the mark of a later format), and that no temporary or orphaned file or
// inline object survived.
func TestEncryptedCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := filepath.Join(t.TempDir(), "store")
	s, err := disk.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateBucket(ctx, crashEncrypted, storage.CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	seen, multipart := 0, 0
	// At least 8 rounds, and more, up to maxEncryptedCrashRounds, until a multipart object was
	// completed before a kill: a loaded machine (the race detector, other tests) can kill every
	// one of 8 rounds before the child's first completion.
	for round := 0; round < 8 || (multipart == 0 && round < maxEncryptedCrashRounds); round++ {
		// Even rounds kill within the child's first writes, odd ones after its first.
		delay := time.Duration(rng.IntN(400)) * time.Millisecond
		if round%2 == 0 {
			delay = time.Duration(rng.IntN(30)) * time.Millisecond
		}
		if round >= 8 {
			// Rounds past the eighth are there for a multipart completion: they wait longer.
			delay = 500*time.Millisecond + time.Duration(rng.IntN(1500))*time.Millisecond
		}
		runAndKill(t, "TestEncryptedCrashChild", dir, round, delay)
		s, err := disk.Open(dir)
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		keys := keysOf(t, s, crashEncrypted)
		var kms []string
		for _, k := range keys {
			enc, customer := encryptionOfCrashKey(k)
			body, info := readAllWith(t, s, crashEncrypted, k, customer)
			checkEncryptedCrashBody(t, round, k, body, info, enc)
			if info.PartsCount > 0 {
				multipart++
			}
			if info.Encryption.Algorithm == storage.SSEKMS {
				kms = append(kms, info.Encryption.KMSKeyID)
			}
		}
		if keys := s.KMSKeys(); len(kms) > 0 && (len(keys) != 1 || keys[0].ARN != kms[0]) {
			t.Errorf("round %d: KMS keys %+v; objects name %q", round, keys, kms)
		}
		seen += len(keys)
		files := len(keys) + pendingParts(t, s, crashEncrypted)
		if tmp, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(tmp) != 0 {
			t.Errorf("round %d: temporary files survived reopening: %d", round, len(tmp))
		}
		if sw := swept(t, s); !sw.Ran {
			t.Errorf("round %d: no sweep after a crash", round)
		}
		if got := storedData(t, s, dir); got != files {
			t.Errorf("round %d: %d data files and inline objects for %d objects and parts", round, got, files)
		}
		s.Close()
		if len(keys) > 0 && !holdsEncrypted(t, dir) {
			t.Errorf("round %d: format %q with encrypted objects, and no mark of them", round, formatOf(t, dir))
		}
	}
	t.Logf("%d objects checked, %d of them multipart", seen, multipart)
	if seen == 0 || multipart == 0 {
		t.Error("no object, or no multipart object, was ever written before a kill")
	}
}

// checkEncryptedCrashBody checks that an object read is a whole version, with its plaintext's
// size and checksum, encrypted as its key says.
func checkEncryptedCrashBody(t *testing.T, round int, key string, body []byte, info storage.ObjectInfo, enc storage.Encryption) {
	t.Helper()
	v, ok := crashVersion(body)
	if !ok || !bytes.Equal(body, encryptedCrashBody(v, false)) && !bytes.Equal(body, encryptedCrashBody(v, true)) {
		t.Errorf("round %d: %q holds %d bytes that are not a whole version", round, key, len(body))
		return
	}
	if info.Size != int64(len(body)) || info.Checksum.Value != storage.ChecksumCRC32C.Sum(body) {
		t.Errorf("round %d: %q version %d has metadata %+v that does not match its bytes", round, key, v, info)
	}
	if info.Encryption.Algorithm != enc.Algorithm || info.Encryption.Customer != (enc.CustomerKey != nil) {
		t.Errorf("round %d: %q is encrypted as %+v, want %+v", round, key, info.Encryption, enc)
	}
}

// pendingParts counts the parts of the uploads in progress in bucket.
func pendingParts(t *testing.T, s *disk.Store, bucket string) int {
	t.Helper()
	ups, err := s.ListMultipartUploads(ctx, bucket, storage.ListUploadsOptions{MaxUploads: storage.MaxListKeys})
	if err != nil || ups.IsTruncated {
		t.Fatalf("listing uploads: %v (truncated %v)", err, ups.IsTruncated)
	}
	n := 0
	for _, u := range ups.Uploads {
		parts, err := s.ListParts(ctx, bucket, u.Key, u.UploadID, storage.ListPartsOptions{MaxParts: storage.MaxListKeys})
		if err != nil {
			t.Fatal(err)
		}
		n += len(parts.Parts)
	}
	return n
}

// TestEncryptedCrashChild is the writer process of TestEncryptedCrashRecovery; it does nothing
// in a normal run. Writers put, copy and upload in parts until the process is killed. In even
// rounds it says "ready" before its first write, in odd ones after it.
func TestEncryptedCrashChild(t *testing.T) {
	s, round := openCrashChild(t, "TestEncryptedCrashRecovery")
	var once sync.Once
	if round%2 == 0 {
		once.Do(func() { fmt.Println("ready") })
	}
	var version atomic.Uint64
	version.Store(round << 32)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for i := 0; ; i++ {
				v := version.Add(1)
				key := encryptedCrashKeys[v%uint64(len(encryptedCrashKeys))]
				err := encryptedCrashWrite(s, key, i, v)
				if err == nil {
					once.Do(func() { fmt.Println("ready") })
				}
				if err != nil && !errors.Is(err, storage.ErrNoSuchKey) {
					fmt.Fprintln(os.Stderr, "child:", err)
					os.Exit(3)
				}
			}
		})
	}
	wg.Wait()
}

// encryptedCrashWrite is the i-th change of a writer of TestEncryptedCrashChild, to version v
// of key.
func encryptedCrashWrite(s *disk.Store, key string, i int, v uint64) error {
	enc, customer := encryptionOfCrashKey(key)
	switch i % 3 {
	case 1:
		src := encryptedCrashKeys[(v+1)%uint64(len(encryptedCrashKeys))]
		_, srcKey := encryptionOfCrashKey(src)
		_, err := s.CopyObject(ctx, crashEncrypted, src, crashEncrypted, key, storage.CopyObjectOptions{SourceCustomerKey: srcKey, Encryption: enc})
		return err
	case 2:
		body := encryptedCrashBody(v, true)
		up, err := s.CreateMultipartUpload(ctx, crashEncrypted, key, storage.CreateMultipartUploadOptions{
			Encryption: enc, ChecksumAlgorithm: storage.ChecksumCRC32C, ChecksumType: storage.ChecksumFullObject,
		})
		if err != nil {
			return err
		}
		var done []storage.CompletedPart
		for n, part := range [][]byte{body[:storage.MinPartSize], body[storage.MinPartSize:]} {
			p, err := s.UploadPart(ctx, crashEncrypted, key, up.UploadID, n+1, bytes.NewReader(part), storage.UploadPartOptions{Size: int64(len(part)), CustomerKey: customer})
			if err != nil {
				return err
			}
			done = append(done, storage.CompletedPart{PartNumber: n + 1, ETag: p.ETag})
		}
		_, err = s.CompleteMultipartUpload(ctx, crashEncrypted, key, up.UploadID, done, storage.CompleteMultipartUploadOptions{CustomerKey: customer})
		return err
	}
	_, err := s.PutObject(ctx, crashEncrypted, key, bytes.NewReader(encryptedCrashBody(v, false)), storage.PutObjectOptions{
		Size: -1, Checksum: storage.Checksum{Algorithm: storage.ChecksumCRC32C}, Encryption: enc,
	})
	return err
}

// readAllWith reads an object whole, with a customer key.
func readAllWith(t *testing.T, s *disk.Store, bucket, key string, customer []byte) ([]byte, storage.ObjectInfo) {
	t.Helper()
	r, info, err := s.GetObject(ctx, bucket, key, storage.ReadOptions{CustomerKey: customer})
	if err != nil {
		t.Fatalf("GetObject(%s, %q): %v", bucket, key, err)
	}
	defer r.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(r); err != nil {
		t.Fatalf("reading %q: %v", key, err)
	}
	return b.Bytes(), info
}
