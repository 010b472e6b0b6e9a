package upstream

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/doorman-s3/doorman/internal/awsxml"
	"github.com/doorman-s3/doorman/storage"
)

// refusedKinds are the configuration kinds this backend refuses, and what each is called in
// the refusal: documents the store itself would have to act on, which the upstream does not
// get. A lifecycle configuration's rules are carried out through delete conditions
// (IfRevision, IfNoncurrent, IfTags, IfOnlyVersion) this backend refuses; a bucket's default
// encryption would have to be applied by the upstream's keys. Every other kind is kept in the
// meta bucket as the bytes given, as the embedded store keeps it; ownership-controls only as
// BucketOwnerEnforced (ownershipEnforced).
var refusedKinds = map[string]string{
	"lifecycle":  "Lifecycle configurations are",
	"encryption": "Bucket default encryption configurations are",
}

const (
	ownershipKind     = "ownership-controls"
	ownershipEnforced = "BucketOwnerEnforced"
)

// ownershipDoc is the OwnershipControls document the protocol layer stores
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketOwnershipControls.html).
type ownershipDoc struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ OwnershipControls"`
	Rules   []struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	} `xml:"Rule"`
}

// enforcedOwnership is the document of a bucket without stored ownership controls:
// BucketOwnerEnforced, the only Object Ownership of this backend, whose upstream keeps no
// object owners or ACLs; the same bytes the protocol layer stores for it.
var enforcedOwnership = func() []byte {
	var d ownershipDoc
	d.Rules = append(d.Rules, struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	}{ownershipEnforced})
	doc, _ := xml.Marshal(d)
	return doc
}()

// bucketExistsMessage is S3's message of BucketAlreadyExists
// (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList).
const bucketExistsMessage = "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again."

// alreadyOwned reports an upstream's answer to a create of a bucket its caller owns.
func alreadyOwned(err error) bool {
	var se *storage.ServiceError
	return errors.Is(err, storage.ErrBucketExists) || errors.As(err, &se) && se.Code == "BucketAlreadyOwnedByYou"
}

// putUpstreamBucket makes a bucket upstream, with a LocationConstraint when region is set
// and x-amz-bucket-object-lock-enabled with Object Lock, which enables its versioning too
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html).
func (b *Backend) putUpstreamBucket(ctx context.Context, bucket, region string, objectLock bool, creds *Credentials) error {
	req := &request{method: http.MethodPut, bucket: bucket, creds: creds, header: http.Header{}}
	if objectLock {
		req.header["X-Amz-Bucket-Object-Lock-Enabled"] = []string{"true"}
	}
	if region != "" {
		var body bytes.Buffer
		body.WriteString(`<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>`)
		xml.EscapeText(&body, []byte(region))
		body.WriteString(`</LocationConstraint></CreateBucketConfiguration>`)
		req.body, req.size = bytes.NewReader(body.Bytes()), int64(body.Len())
		req.header["Content-Type"] = []string{"application/xml"}
	}
	resp, err := b.client.do(ctx, req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// upstreamCreated returns the upstream's creation date of bucket. A zero date (unknownDate)
// is asked again, of the next endpoints, up to three times, then taken as unknown: the
// record is written without waiting, and re-bound to the date a later poll lists.
func (b *Backend) upstreamCreated(ctx context.Context, bucket string) (change, error) {
	for try := 0; ; try++ {
		ups, err := b.listUpstream(ctx)
		if err != nil {
			return change{}, err
		}
		c, ok := ups[bucket]
		if !ok {
			return change{}, fmt.Errorf("upstream: bucket %s is not in the upstream's bucket list after it was made", bucket)
		}
		if !c.IsZero() || try == 3 {
			return change{bucket: bucket, created: c}, nil
		}
	}
}

// putRecordIf writes a bucket's record only if it is still at etag, or, with etag "", only if
// it does not exist (putMetaIf), and returns its change.
func (b *Backend) putRecordIf(ctx context.Context, r bucketRecord, etag string) (change, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return change{}, err
	}
	key := recordKey(r.Name, r.ID)
	o, err := b.putMetaIf(ctx, key, body, etag)
	if err != nil {
		return change{}, err
	}
	return change{key: key, o: o}, nil
}

// recordRetries bounds the writes of one record change that lost to another node's.
const recordRetries = 5

// updateRecord changes st's bucket record by edit and writes it, conditionally on the ETag
// the snapshot read it at (If-Match; If-None-Match: * for an adopted bucket without a record),
// so that it never undoes a change another node made since: when the record changed, it is
// read again and edit applied to what was read, up to recordRetries times. edit nil writes an
// adopted bucket's record, unless another node wrote it first (which is then read). A record
// deleted meanwhile (its bucket deleted through another node) is ErrNoSuchBucket.
func (b *Backend) updateRecord(ctx context.Context, st *bucketState, edit func(*bucketRecord)) error {
	r, etag, recorded := st.rec, st.recETag, st.recorded
	if recorded && !st.rebound && edit == nil {
		return nil
	}
	key := recordKey(r.Name, r.ID)
	for attempt := 0; ; attempt++ {
		if edit != nil {
			edit(&r)
		}
		c, err := b.putRecordIf(ctx, r, etag)
		if err == nil {
			b.meta.apply(c)
			return nil
		}
		if !errors.Is(err, storage.ErrPreconditionFailed) || attempt == recordRetries {
			return err
		}
		o, err := b.getMeta(ctx, key)
		switch {
		case errors.Is(err, storage.ErrNoSuchKey) && recorded:
			return noSuchBucket(r.Name)
		case errors.Is(err, storage.ErrNoSuchKey):
			continue // written and deleted since: write it again, only if it does not exist
		case err != nil:
			return err
		}
		var cur bucketRecord
		if err := json.Unmarshal(o.body, &cur); err != nil || cur.Name != r.Name || cur.ID != r.ID {
			return fmt.Errorf("upstream: the record %s of the meta bucket does not decode: %v", key, err)
		}
		// Read at an ETag the upstream keeps: the next write is conditional on it.
		if edit == nil {
			b.meta.apply(change{key: key, o: &o})
			return nil
		}
		r, etag, recorded = cur, o.etag, true
	}
}

// bucketFor returns the snapshot's state of a bucket a client names; the meta bucket and a
// bucket the snapshot does not hold are ErrNoSuchBucket.
func (b *Backend) bucketFor(bucket string) (*bucketState, error) {
	if bucket == b.meta.bucket {
		return nil, noSuchBucket(bucket)
	}
	st := b.meta.get(bucket)
	if st == nil {
		return nil, noSuchBucket(bucket)
	}
	return st, nil
}

// ensureRecord writes the record of an adopted bucket that has none yet (unless another node
// wrote it first), so that what doorman changes of it is kept with the upstream creation date
// it belongs to; and the record of a bucket re-bound to a moved creation date, so.
func (b *Backend) ensureRecord(ctx context.Context, st *bucketState) error {
	if st.rebound {
		return b.updateRecord(ctx, st, func(*bucketRecord) {})
	}
	return b.updateRecord(ctx, st, nil)
}

// ListBuckets implements storage.Backend, from the snapshot: the buckets the upstream lists
// to the service identity, but the meta bucket.
func (b *Backend) ListBuckets(ctx context.Context) ([]storage.BucketInfo, error) {
	s := b.meta.snap.Load()
	out := make([]storage.BucketInfo, 0, len(s.buckets))
	for _, st := range s.buckets {
		out = append(out, st.info)
	}
	slices.SortFunc(out, func(x, y storage.BucketInfo) int { return strings.Compare(x.Name, y.Name) })
	return out, nil
}

// CreateBucket implements storage.Backend: the bucket is made upstream, as the caller's
// identity, then its record is written.
func (b *Backend) CreateBucket(ctx context.Context, bucket string, opts storage.CreateBucketOptions) (storage.BucketInfo, error) {
	if bucket == b.meta.bucket {
		return storage.BucketInfo{}, &storage.ServiceError{Status: http.StatusConflict, Code: "BucketAlreadyExists", Message: bucketExistsMessage}
	}
	if !storage.ValidBucketName(bucket) {
		return storage.BucketInfo{}, fmt.Errorf("%w: %q", storage.ErrInvalidBucketName, bucket)
	}
	if b.meta.get(bucket) != nil {
		return storage.BucketInfo{}, fmt.Errorf("%w: %s", storage.ErrBucketExists, bucket)
	}
	// The caller owning the bucket upstream already, without doorman's record of it, is the
	// retry of a create that failed after the upstream made the bucket and whose undoing
	// failed too, or a create through another node in flight: both go on, as after the
	// upstream's 200 to such a create, and the claim decides which one binds.
	err := b.putUpstreamBucket(ctx, bucket, opts.Region, opts.ObjectLockEnabled, b.credentialsFor(ctx))
	made := err == nil
	if err != nil && !alreadyOwned(err) {
		return storage.BucketInfo{}, err
	}
	id := newID()
	info, err := b.bindBucket(ctx, bucket, id, opts)
	if err != nil && made && !decided(err) {
		b.undoCreate(ctx, bucket, id, err)
	}
	return info, err
}

// decided reports that err is CreateBucket's answer that another create holds the name
// (BucketAlreadyOwnedByYou, BucketAlreadyExists): the bucket is that create's, not to undo.
func decided(err error) bool {
	se, ok := errors.AsType[*storage.ServiceError](err)
	return errors.Is(err, storage.ErrBucketExists) || ok && se.Code == "BucketAlreadyExists"
}

// undoCreate deletes the upstream bucket a CreateBucket made and then failed to bind to
// its record under id (cause), with the claim if that create wrote it, so that the client's
// retry makes the bucket anew rather than finding it made: left, it would be adopted, owned
// by Config.AdoptOwner, and the creator's retry refused with BucketAlreadyOwnedByYou. It
// runs even when the client has gone (the request's context ended), within undoTimeout. The
// upstream refuses to delete a bucket holding objects, so nothing written since is lost. A
// bucket another create has claimed is left to it, and so is one whose claim cannot be read.
// A failure is logged: the bucket stays, and a retry within adoptAfter still binds it.
func (b *Backend) undoCreate(ctx context.Context, bucket, id string, cause error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
	defer cancel()
	log := b.log.With("bucket", bucket, "cause", cause)
	up, err := b.upstreamCreated(ctx, bucket)
	if err != nil {
		log.Warn("upstream: a bucket made and not recorded is left: its creation date cannot be read", "error", err)
		return
	}
	key := claimKey(bucket, up.created)
	o, err := b.getMeta(ctx, key)
	var c bucketClaim
	switch {
	case errors.Is(err, storage.ErrNoSuchKey):
	case err == nil && json.Unmarshal(o.body, &c) == nil && c.ID == id:
		if err := b.deleteMeta(ctx, key); err != nil {
			log.Warn("upstream: a bucket made and not recorded is left: its claim cannot be deleted", "error", err)
			return
		}
	default:
		log.Warn("upstream: a bucket made and not recorded is left to the create that claimed it", "error", err)
		return
	}
	resp, err := b.client.do(ctx, &request{method: http.MethodDelete, bucket: bucket, creds: b.credentialsFor(ctx)})
	if err != nil {
		log.Warn("upstream: a bucket made and not recorded could not be deleted", "error", err)
		return
	}
	resp.Body.Close()
	log.Info("upstream: deleted a bucket made and not recorded")
}

// undoTimeout bounds undoCreate.
const undoTimeout = 10 * time.Second

// bindBucket binds the upstream bucket a CreateBucket made to a new record: its claim, then
// the record.
func (b *Backend) bindBucket(ctx context.Context, bucket, id string, opts storage.CreateBucketOptions) (storage.BucketInfo, error) {
	up, err := b.upstreamCreated(ctx, bucket)
	if err != nil {
		return storage.BucketInfo{}, err
	}
	acl := opts.ACL
	if acl == "" {
		acl = storage.DefaultACL
	}
	r := bucketRecord{
		Name: bucket, ID: id, Owner: opts.Owner, ACL: acl, Region: opts.Region,
		Created: b.cfg.Now().UTC(), UpstreamCreated: up.created, Claim: claimKey(bucket, up.created),
	}
	if opts.ObjectLockEnabled {
		r.Versioning, r.ObjectLock = storage.VersioningEnabled, storage.ObjectLockConfig{Enabled: true}
	}
	if err := b.claim(ctx, r); err != nil {
		return storage.BucketInfo{}, err
	}
	c, err := b.putRecordIf(ctx, r, "")
	if err != nil {
		return storage.BucketInfo{}, err
	}
	b.meta.apply(up, c)
	if st := b.meta.get(bucket); st != nil {
		return st.info, nil
	}
	return r.info(), nil
}

// bucketClaim is the body of a claim (claimKey): who created the bucket, under which ID.
type bucketClaim struct {
	Owner string `json:"owner"`
	ID    string `json:"id"`
}

// claim writes r's claim of its upstream bucket generation, only if no claim of it exists
// (If-None-Match: *). When one does, another create won it: this one fails with
// BucketAlreadyOwnedByYou when the winner is the same owner (storage.ErrBucketExists), and
// with 409 BucketAlreadyExists otherwise, as S3 answers a create of a name another account
// holds (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html).
func (b *Backend) claim(ctx context.Context, r bucketRecord) error {
	body, err := json.Marshal(bucketClaim{Owner: r.Owner, ID: r.ID})
	if err != nil {
		return err
	}
	_, err = b.putMetaIf(ctx, r.Claim, body, "")
	if !errors.Is(err, storage.ErrPreconditionFailed) {
		return err
	}
	o, err := b.getMeta(ctx, r.Claim)
	if err != nil && !errors.Is(err, storage.ErrNoSuchKey) {
		return err
	}
	var won bucketClaim
	if err == nil && json.Unmarshal(o.body, &won) == nil && won.Owner == r.Owner {
		return fmt.Errorf("%w: %s", storage.ErrBucketExists, r.Name)
	}
	return &storage.ServiceError{Status: http.StatusConflict, Code: "BucketAlreadyExists", Message: bucketExistsMessage}
}

// DeleteBucket implements storage.Backend: the bucket is deleted upstream first (which
// refuses a bucket that holds objects), then its records and configurations, then the
// records of its multipart uploads (uploads/<name>/<id>/, under the ID the snapshot held).
// A record that cannot be deleted is logged and left behind: the bucket is gone, and a
// bucket made again under its name gets another ID, which never reads it.
func (b *Backend) DeleteBucket(ctx context.Context, bucket string) error {
	if bucket == b.meta.bucket {
		return noSuchBucket(bucket)
	}
	var bucketID, claim string
	if st := b.meta.get(bucket); st != nil {
		bucketID, claim = st.info.ID, st.rec.Claim
	}
	resp, err := b.client.do(ctx, &request{method: http.MethodDelete, bucket: bucket, creds: b.credentialsFor(ctx), notFound: noSuchBucket(bucket)})
	if err != nil {
		return err
	}
	resp.Body.Close()
	m := b.meta
	m.mu.Lock()
	var keys []string
	for k := range m.objs {
		if strings.HasPrefix(k, "configs/"+bucket+"/") {
			keys = append(keys, k)
		}
	}
	for k := range m.objs {
		if strings.HasPrefix(k, "buckets/"+bucket+"/") {
			keys = append(keys, k)
		}
	}
	m.mu.Unlock()
	changes := []change{{bucket: bucket, gone: true}}
	for _, k := range keys {
		if err := b.deleteMeta(ctx, k); err != nil {
			// The bucket is gone: its record is stale now, and every poller deletes it.
			b.log.Warn("upstream: deleting a deleted bucket's record", "bucket", bucket, "key", k, "error", err)
			break
		}
		changes = append(changes, change{key: k})
	}
	m.apply(changes...)
	if claim != "" {
		if err := b.deleteMeta(ctx, claim); err != nil {
			b.log.Warn("upstream: deleting a deleted bucket's claim", "bucket", bucket, "key", claim, "error", err)
		}
	}
	if bucketID != "" {
		b.deleteUploadRecords(ctx, bucket, bucketID)
	}
	return nil
}

// deleteUploadRecords deletes the upload records of a deleted bucket, logging what fails.
func (b *Backend) deleteUploadRecords(ctx context.Context, bucket, bucketID string) {
	recs := map[string]string{}
	if err := b.listMetaPrefix(ctx, uploadRecordPrefix(bucket, bucketID), recs); err != nil {
		b.log.Warn("upstream: listing a deleted bucket's upload records", "bucket", bucket, "error", err)
		return
	}
	for k := range recs {
		if err := b.deleteMeta(ctx, k); err != nil {
			b.log.Warn("upstream: deleting a deleted bucket's upload record", "bucket", bucket, "key", k, "error", err)
			return
		}
		b.meta.uploads.drop(k)
	}
}

// HeadBucket implements storage.Backend, from the snapshot.
func (b *Backend) HeadBucket(ctx context.Context, bucket string) (storage.BucketInfo, error) {
	st, err := b.bucketFor(bucket)
	if err != nil {
		return storage.BucketInfo{}, err
	}
	return st.info, nil
}

// PutBucketACL implements storage.Backend: the ACL is kept in the bucket's record.
func (b *Backend) PutBucketACL(ctx context.Context, bucket, acl string) error {
	st, err := b.bucketFor(bucket)
	if err != nil {
		return err
	}
	if acl == "" {
		acl = storage.DefaultACL
	}
	return b.updateRecord(ctx, st, func(r *bucketRecord) { r.ACL = acl })
}

// PutBucketVersioning implements storage.Backend: the upstream bucket's versioning is set,
// as the caller's identity, then the record. The record's upstream creation date is read
// again after the change: Amazon S3 documents that a bucket's CreationDate "can change when
// making changes to your bucket" (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Bucket.html).
func (b *Backend) PutBucketVersioning(ctx context.Context, bucket, status string) error {
	if status != storage.VersioningEnabled && status != storage.VersioningSuspended {
		return fmt.Errorf("%w: %q", storage.ErrInvalidVersioning, status)
	}
	st, err := b.bucketFor(bucket)
	if err != nil {
		return err
	}
	if status == storage.VersioningSuspended && st.info.ObjectLock.Enabled {
		// The upstream refuses it too (409 InvalidBucketState, as S3 does); the snapshot
		// answers without the round trip.
		return fmt.Errorf("%w: bucket %s has Object Lock", storage.ErrInvalidBucketState, bucket)
	}
	body := []byte(`<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>` + status + `</Status></VersioningConfiguration>`)
	sum := md5.Sum(body)
	// PutBucketVersioning requires Content-MD5 (API_PutBucketVersioning.html).
	resp, err := b.client.do(ctx, &request{
		method: http.MethodPut, bucket: bucket, query: url.Values{"versioning": {""}}, creds: b.credentialsFor(ctx),
		header: http.Header{"Content-Type": {"application/xml"}, "Content-Md5": {base64.StdEncoding.EncodeToString(sum[:])}},
		body:   bytes.NewReader(body), size: int64(len(body)), notFound: noSuchBucket(bucket),
	})
	if err != nil {
		return err
	}
	resp.Body.Close()
	up, err := b.upstreamCreated(ctx, bucket)
	if err != nil {
		return err
	}
	b.meta.apply(up)
	return b.updateRecord(ctx, st, func(r *bucketRecord) { r.Versioning, r.UpstreamCreated = status, up.created })
}

// PutBucketObjectLock implements storage.Backend: PUT ?object-lock upstream, as the caller's
// identity, then the configuration in the bucket's record. The upstream enforces it: it gives
// every version written after it the default retention, from its own clock. A bucket without
// Object Lock whose versioning the snapshot does not hold Enabled is refused here
// (ErrInvalidBucketState), as the protocol layer refuses it; an upstream's own refusal passes
// as it came (MinIO answers 409 InvalidBucketState "Object Lock configuration cannot be
// enabled on existing buckets", where Amazon S3 enables it).
func (b *Backend) PutBucketObjectLock(ctx context.Context, bucket string, cfg storage.ObjectLockConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	st, err := b.bucketFor(bucket)
	if err != nil {
		return err
	}
	if !st.info.ObjectLock.Enabled && st.info.Versioning != storage.VersioningEnabled {
		return fmt.Errorf("%w: bucket %s: Object Lock needs versioning Enabled", storage.ErrInvalidBucketState, bucket)
	}
	body, err := xml.Marshal(awsxml.EncodeObjectLock(cfg))
	if err != nil {
		return err
	}
	sum := md5.Sum(body)
	// PutObjectLockConfiguration requires Content-MD5 or a checksum
	// (API_PutObjectLockConfiguration.html).
	resp, err := b.client.do(ctx, &request{
		method: http.MethodPut, bucket: bucket, query: url.Values{"object-lock": {""}}, creds: b.credentialsFor(ctx),
		header: http.Header{"Content-Type": {"application/xml"}, "Content-Md5": {base64.StdEncoding.EncodeToString(sum[:])}},
		body:   bytes.NewReader(body), size: int64(len(body)), notFound: noSuchBucket(bucket),
	})
	if err != nil {
		return err
	}
	resp.Body.Close()
	return b.updateRecord(ctx, st, func(r *bucketRecord) {
		r.ObjectLock, r.Versioning = cfg, storage.VersioningEnabled
	})
}

// upstreamObjectLock returns the Object Lock configuration of an upstream bucket, as the
// service identity reads it; a bucket without one (404 ObjectLockConfigurationNotFoundError)
// has none (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectLockConfiguration.html).
func (b *Backend) upstreamObjectLock(ctx context.Context, bucket string) (storage.ObjectLockConfig, error) {
	resp, err := b.client.do(ctx, &request{method: http.MethodGet, bucket: bucket, query: url.Values{"object-lock": {""}},
		creds: &b.cfg.Service, notFound: noSuchBucket(bucket)})
	if se, ok := errors.AsType[*storage.ServiceError](err); ok && se.Code == "ObjectLockConfigurationNotFoundError" {
		return storage.ObjectLockConfig{}, nil
	}
	if err != nil {
		return storage.ObjectLockConfig{}, err
	}
	var d awsxml.ObjectLockConfiguration
	if err := decodeBoundedXML(resp, maxErrorBody, &d); err != nil {
		return storage.ObjectLockConfig{}, fmt.Errorf("reading the Object Lock configuration of bucket %s: %w", bucket, err)
	}
	c := d.Config()
	return c, c.Validate()
}

// PutBucketConfig implements storage.Backend. A configuration is written to the meta bucket
// and the snapshot at once; Object Ownership other than BucketOwnerEnforced, and the kinds of
// refusedKinds, are refused as not implemented.
func (b *Backend) PutBucketConfig(ctx context.Context, bucket, kind string, doc []byte) error {
	if err := storage.CheckConfigKind(kind); err != nil {
		return err
	}
	st, err := b.bucketFor(bucket)
	if err != nil {
		return err
	}
	if what, ok := refusedKinds[kind]; ok {
		return storage.NotImplementedError("%s not available with the s3 backend.", what)
	}
	if len(doc) > storage.MaxConfigSize {
		return storage.ErrConfigTooLarge
	}
	if kind == ownershipKind {
		var d ownershipDoc
		if err := xml.Unmarshal(doc, &d); err != nil || len(d.Rules) != 1 || d.Rules[0].ObjectOwnership != ownershipEnforced {
			return storage.NotImplementedError("Object Ownership other than BucketOwnerEnforced is not available with the s3 backend.")
		}
	}
	if err := b.ensureRecord(ctx, st); err != nil {
		return err
	}
	key := configKey(bucket, st.info.ID, kind)
	o, err := b.putMeta(ctx, key, bytes.Clone(doc))
	if err != nil {
		return err
	}
	b.meta.apply(change{key: key, o: o})
	return nil
}

// GetBucketConfig implements storage.Backend, from the snapshot. A bucket without stored
// ownership controls answers BucketOwnerEnforced's; the kinds of refusedKinds are never
// stored, so a bucket has none of them.
func (b *Backend) GetBucketConfig(ctx context.Context, bucket, kind string) ([]byte, error) {
	if err := storage.CheckConfigKind(kind); err != nil {
		return nil, err
	}
	st, err := b.bucketFor(bucket)
	if err != nil {
		return nil, err
	}
	if doc, ok := st.configs[kind]; ok && refusedKinds[kind] == "" {
		return bytes.Clone(doc), nil
	}
	if kind == ownershipKind {
		return bytes.Clone(enforcedOwnership), nil
	}
	return nil, fmt.Errorf("%w: %s", storage.ErrNoSuchConfig, kind)
}

// DeleteBucketConfig implements storage.Backend. Deleting the ownership controls is refused
// (every bucket of this backend is BucketOwnerEnforced); a kind of refusedKinds has nothing
// to delete.
func (b *Backend) DeleteBucketConfig(ctx context.Context, bucket, kind string) error {
	if err := storage.CheckConfigKind(kind); err != nil {
		return err
	}
	st, err := b.bucketFor(bucket)
	if err != nil {
		return err
	}
	switch {
	case kind == ownershipKind:
		return storage.NotImplementedError("Object Ownership other than BucketOwnerEnforced is not available with the s3 backend.")
	case refusedKinds[kind] != "":
		return nil
	}
	key := configKey(bucket, st.info.ID, kind)
	if err := b.deleteMeta(ctx, key); err != nil {
		return err
	}
	b.meta.apply(change{key: key})
	return nil
}
