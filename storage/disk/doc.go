// Package disk is doorman's embedded storage backend: object data in plain files, everything
// else in a bbolt database, all under one directory.
//
// # Layout
//
//	meta.db          bbolt: buckets, object records, configurations, uploads and parts
//	data/00 … data/ff  object and part data, one immutable file per write
//	tmp/             files being written
//	doorman.pid      the id of the process that has the directory open
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
//  1. stream the body into tmp/<id>, computing the MD5 and any additional checksum;
//  2. fsync the file, rename it to data/<shard>/<id>, fsync the shard directory;
//  3. in one bbolt transaction, check the bucket, upload and write conditions, then point
//     the key (or part number) at the new id; the commit is fsynced by bbolt;
//  4. delete the data file the key pointed at before.
//
// Metadata refers to a file only after that file is complete and durable, so a crash at any
// moment leaves each key pointing at either its old or its new data, never at a missing or
// partial file. Concurrent writers to one key each write their own file; the transaction that
// commits last wins, with the ETag, size and checksum computed from its own bytes. A crash can
// only leave garbage behind: a file in tmp/ (before step 2), or a data file no record points
// at (between steps 2 and 3, or 3 and 4). Open deletes both, so it costs one scan of the
// records and of the data directory.
//
// Readers open the data file named by the record they read. An open file stays readable
// after step 4 unlinks it, so a GET in progress is never cut short by a newer PUT.
package disk
