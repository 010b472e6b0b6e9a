// Package disk is doorman's embedded storage backend: object data in plain files, everything
// else, and the data of small objects, in a bbolt database, all under one directory.
//
// # Layout
//
//	meta.db          bbolt: buckets, object records, configurations, uploads and parts, and
//	                 the data of objects of up to 16 KiB (see Inline objects)
//	data/00 … data/ff  object and part data, one immutable file per write
//	tmp/             the keyring being rewritten
//	doorman.pid      the id of the process that has the directory open
//	keyring.json     the master keys of server-side encryption (mode 0600; see Encryption)
//
// Only one process may have the directory open: bbolt locks meta.db, and a second Open fails
// with an [InUseError] naming the process from doorman.pid, rather than bbolt's bare timeout.
// The lock, not the file, keeps the second process out, so a file left by a killed process is
// harmless. An Open that fails removes what it created and nothing else: it makes each
// missing level of the path with its own mkdir and counts only those, so that of two starts
// racing on a new directory the loser never removes the winner's; and one that finds the
// directory in use removes nothing. [Store.Discard] does the same for a start that fails
// after Open, before the lock is released.
//
// bbolt was chosen because it is a well-maintained, pure-Go, single-file store with
// serializable read-write transactions and lock-free readers: every metadata change below is
// one transaction, so it is all or nothing.
//
// # Records
//
// The records in meta.db are JSON documents of types of this package (records.go), not of
// storage's public types: a directory outlives the code that wrote it, and a record that
// embedded a public type would change its encoding, and silently lose the field on the next
// read, whenever that type's Go field was renamed. Every record field has its stored name in a
// tag, and the database holds a format version, written by Open into a directory that has
// none (such directories are in the same encoding), and refused when it is one this code does
// not know ([ErrUnknownFormat]), so that a later, different encoding is never misread.
//
// # Keys never become paths
//
// A data file is named by a random 128-bit id, sharded into 256 directories by its first
// byte, and the key → id mapping lives in bbolt. Keys such as "../../etc/passwd", keys of
// 1024 bytes, or keys with control characters are therefore stored byte for byte and can never
// name a file outside the data directory.
//
// # Write protocol
//
// Every write of data (PutObject, CopyObject, UploadPart, CompleteMultipartUpload) runs:
//
//  1. stream the body into a new file, data/<shard>/<id>, computing the MD5 and any
//     additional checksum;
//  2. fsync the file, then its shard directory (concurrent writers share that fsync:
//     dirsync.go);
//  3. in one bbolt transaction, check the bucket, upload and write conditions, then point
//     the key (or part number) at the new id; the commit is fsynced by bbolt;
//  4. delete the data file the key pointed at before, unless a version still refers to it
//     (see Versions).
//
// Metadata refers to a file only after that file is complete and durable, so a crash at any
// moment leaves each key pointing at either its old or its new data, never at a missing or
// partial file. Concurrent writers to one key each write their own file; the transaction that
// commits last wins, with the ETag, size and checksum computed from its own bytes. A crash can
// only leave garbage behind: a data file no record points at, partial (in steps 1 and 2) or
// whole (between steps 2 and 3, or 3 and 4). The data files are swept only
// after a crash (sweep.go): Close, once the writes in progress have ended (it waits a few
// seconds for them) and nothing failed to be removed, records in meta.db that the store was
// closed clean, and Open removes the mark in its first transaction. A start that finds the
// mark reads no record and lists no directory, so it costs the same with a million objects as
// with none. A start that does not find it (a crash, or a directory of an older doorman) sweeps
// in the background, after Open returns: one read transaction collects the ids of every record
// (16 bytes each, sorted), then each shard of data/ is listed and its files no record names are
// removed, with what is kept beside them. Reading every record maps every page of meta.db into
// the process: its resident memory then counts the file's pages (about 800 MiB for a million
// objects), which are the kernel's cache, not the process's own memory. A write in progress
// may have made its file in data/ and commit its record after that transaction: every write
// registers its file from before it makes it until its commit returns, and the sweep spares
// every file registered while it runs. [Store.Swept] waits for the sweep and tells what it removed; Close stops it, and
// then leaves the mark off, so the next Open sweeps again.
//
// Readers open the data file named by the record they read. An open file stays readable
// after step 4 unlinks it, so a GET in progress is never cut short by a newer PUT.
//
// # Inline objects
//
// An object written by PutObject or CopyObject with a known size of up to 16 KiB (the inline
// limit, [WithInlineLimit]) keeps its data, sealed when encrypted, in meta.db, in inline/
// under its data id, beside its record, which says so (objectRecord.Inline). The write
// protocol then has no file: step 1 reads the body into memory, computing its digests as
// above, step 2 is empty, and step 3's transaction puts the data with the record, so the
// commit's fsync, shared by concurrent writers, is the write's only one. Step 4 happens in
// that same transaction: a change that drops the last record of an inline object (an
// overwrite, a delete, a version removed) deletes its data as it commits, so neither a crash
// nor the sweep has anything to do with inline data. A read copies the data out in the
// transaction that reads the record, and so reads what that record named, whatever a later
// write changes; encrypted, that copy is opened whole, in place (sse.OpenBytes), before the
// read returns, so a GET makes no second buffer and an inline object changed at rest fails
// the GET itself rather than a read part-way through the answer. Profiled, the file's creation and fsync, its directory's fsync and the
// unlink of the file it replaced were two fifths of a 4 KiB PUT's CPU time; a read of an
// inline object makes no system call. The limit is low because bbolt rewrites a leaf whole
// on every change near it: past a few pages, a file is cheaper. Multipart parts and
// completed uploads are always files; so is an object of unknown size (a browser's form
// upload), which any size fits.
//
// # Versions
//
// A key's versions (https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html)
// live in two places:
//
//	objects/<bucket>/<key>          the latest version, when it is an object
//	versions/<bucket>/<key>/<^seq>  every other version, and every delete marker
//
// objects/ holds what it held before versions existed: the object a GET without a version id
// reads, one per key, in key order. So ListObjects, GET, HEAD and the write conditions read
// one record, and cost what they cost in a bucket never versioned, however many versions a
// key has; a key whose latest version is a delete marker is simply absent from objects/.
// versions/ holds one nested bucket per key, created with the key's first noncurrent version
// and removed with its last, so that ListObjectVersions walks objects/ and versions/ together,
// key by key, and never meets an empty key.
//
// A version's number, seq, comes from a counter of the bucket's versions/ bucket, and the
// nested bucket's keys are the numbers inverted (big-endian ^seq), so a cursor walks a key's
// versions newest first, the order S3 lists them in. A version id is the number and 8 random
// bytes, in hex (32 characters, as long as S3's): finding a version by id is one seek, and the
// random bytes make the ids of a bucket deleted and created again, whose counter starts over,
// name nothing in it. The null version has no id in its record (so every record written
// before versions is one) and number 0 if it was written before the bucket's versioning was
// set: older than any other. Finding it scans the key's versions; a key has at most one.
//
// Each change is one transaction, after the data file is staged as before. A write while
// versioning is Enabled moves the record in objects/ into versions/ under its number and puts
// the new one in objects/, and releases no file; while Suspended, it also removes the key's
// null version and releases that one's file. A delete adds a marker to versions/ and moves the
// object out of objects/. Removing a version releases its file and, if the latest object or
// marker went, moves the newest version left back into objects/ if it is an object. A crash
// therefore leaves each key with the versions of the last change committed, and the sweep
// after a crash counts the files of both objects/ and versions/, so noncurrent data is never
// taken for garbage. Format 2 is the format with versions/; Open converts a format-1 directory, whose
// records are all null versions, by adding the buckets, and doorman of format 1 refuses a
// format-2 directory rather than delete the noncurrent data it would not know of.
//
// # Object Lock
//
// A bucket's Object Lock configuration is in its record, and each version's retention and
// legal hold in the version's own record, in objects/ and versions/ alike, so that a version
// keeps them as it moves between the two. A write gives its version the state
// storage.VersionLock decides from the bucket's configuration read in the write's own
// transaction (an upload keeps the settings of its creation until it completes), and every
// change that removes a version's data asks storage.DeleteAllowed in the transaction that
// removes it, at the store's clock ([WithClock]): a DeleteObject of the version, and the writes
// that replace one (never in a bucket with Object Lock, whose versioning stays Enabled, but the
// check costs nothing and holds whatever the bucket's state). A crash therefore leaves a version
// with its lock or without the change that would have set it, never locked and gone. Format 3
// is the format of a directory where a bucket has had Object Lock, taken in the transaction that
// first enables it: doorman of format 2 refuses it rather than delete a locked version whose
// lock it would not see, and a directory without Object Lock stays in format 2.
//
// # Encryption
//
// Server-side encryption (https://docs.aws.amazon.com/AmazonS3/latest/userguide/serv-side-encryption.html,
// storage/encryption.go, docs/encryption.md) keeps the data of an encrypted object sealed in
// its data file, in the chunked AES-256-GCM format of package sse, and none of its bytes in the
// clear anywhere in the directory; what the record keeps of it in the clear is its size and its
// additional checksums, the whole object's and its parts', which confirm a guess of the
// plaintext ("What is not encrypted" in docs/encryption.md: S3 keeps an SSE-C object's
// checksums encrypted, this store does not yet). Each object and each multipart upload gets a
// random data key of its own, which its record keeps sealed (encryptionRecord, encryption.go):
// by the newest SSE-S3 master key of the keyring for SSE-S3, by the named KMS key of the
// keyring for SSE-KMS, by the client's own key for SSE-C, which is used and forgotten, so that
// the directory holds nothing that opens an SSE-C object without that key. A sealed data key is
// bound to the data file's id (an upload's, to the upload's id) and, for SSE-KMS, to the
// encryption context (keyAAD): copied into another record, or with its context changed, it
// opens nothing. The record's size, MD5, ETag and checksums are the plaintext's, computed as
// the data is sealed while it is staged; the ETag of SSE-C and SSE-KMS objects is opaque
// (sse.OpaqueETag), as in S3.
//
// The keyring is keyring.json (keyring.go), created by the first Open of a directory. It is
// the one file a copy of the directory must keep and a reader of the disk must not have: with it
// the data files of SSE-S3 and SSE-KMS objects open, without it they never do. It is replaced
// whole, through tmp/, synced and renamed, so a crash leaves the old or the new keyring; a
// damaged keyring is refused, never replaced, and so is a missing one in a directory that holds
// encrypted data. RotateKey adds an SSE-S3 key that seals from then on, the older ones opening
// what they sealed; CreateKMSKey adds KMS keys; the default KMS key, alias/aws/s3, is made on its
// first use, durable before the object that uses it is committed.
//
// A multipart upload's parts are sealed as they arrive, each as one segment of a random id under
// the upload's key (so that a part uploaded again never reuses a nonce), and
// CompleteMultipartUpload joins the sealed parts as they are, without opening them; the list
// of segments is kept beside the record, in segments/, as part checksums are, and the data key
// is sealed again for the new file. An SSE-C upload completed without its key (which the store
// needs only for a FULL_OBJECT checksum, computed over the plaintext; s3api asks for it of
// every SSE-C upload created with a checksum algorithm, as S3 does) keeps its data key bound to
// the upload id.
//
// Format 4 is the format of a directory that has held encrypted data, taken in the transaction
// that commits the first encrypted object or creates the first encrypted upload: doorman of
// format 3 refuses it rather than serve ciphertext as an object's data, and a directory never
// encrypted stays in its format. Format 5, of a directory that has held an inline object, is
// later than 4 and taken without encryption, so from then on a mark in meta.db says the
// directory has held encrypted data, which the keyring's check reads. Objects written unencrypted have no encryption record and read
// as before.
//
// # Part bounds
//
// CompleteMultipartUpload records the size of each part, and its checksum when the object's
// checksum is COMPOSITE, in the object's record (parts.go): a read of one part and
// ListObjectParts find them there, without the upload, which the completion removes.
//
// # Reads
//
// A read costs a bbolt lookup and a read of the file (an inline object's, a copy out of the
// lookup's transaction), and two caches keep it at that, both bounded and neither able to
// serve anything stale. Decoded object records are memoised by their bytes (recordcache.go):
// a record rewritten has new bytes, so the cache needs no invalidation. Sealed data files stay open between reads (openfiles.go), shared by every read
// of the same file at its own offsets: a data file never changes once written, and one that is
// removed is closed when its last read ends.
package disk
