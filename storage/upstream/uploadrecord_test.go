package upstream_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage"
	"github.com/doorman-s3/doorman/storage/upstream"
)

// The bucket owner given to adopted buckets, and a doorman user (its access key, mapped to
// the upstream's service identity, and its canonical id) who initiates uploads.
const (
	adoptOwner = "bucket-owner-canonical-id"
	userXKey   = "USERXACCESSKEY"
	userXID    = "user-x-canonical-id"
)

// ownerNodes returns n backends over up, adopting buckets for adoptOwner and mapping userXKey.
func ownerNodes(t *testing.T, up *testUpstream, n int) []*upstream.Backend {
	var nodes []*upstream.Backend
	for range n {
		nodes = append(nodes, newBackend(t, up, func(c *upstream.Config) {
			c.AdoptOwner = adoptOwner
			c.Identities = map[string]upstream.Credentials{userXKey: up.Service}
		}))
	}
	return nodes
}

// uploadRecordKeys returns the meta bucket's keys under uploads/.
func uploadRecordKeys(t *testing.T, up *testUpstream) []string {
	var out []string
	for _, k := range metaKeys(t, up) {
		if strings.HasPrefix(k, "uploads/") {
			out = append(out, k)
		}
	}
	return out
}

// recordReads counts the requests up received for an upload record.
func recordReads(up *testUpstream) int {
	n := 0
	for _, r := range up.Requests() {
		if r.Method == http.MethodGet && strings.HasPrefix(r.Path, "/"+upstream.DefaultMetaBucket+"/uploads/") {
			n++
		}
	}
	return n
}

// TestUploadInitiatorAcrossNodes: the initiator and object owner an upload was created with
// are what ListParts and ListMultipartUploads report on another node; an upload made on the
// upstream directly reports the bucket's owner; completion and abort delete the records.
func TestUploadInitiatorAcrossNodes(t *testing.T) {
	up := newUpstream(t)
	makeBucket(t, up, "owned", nil)
	nodes := ownerNodes(t, up, 2)
	ctx := storage.WithCaller(context.Background(), storage.Caller{AccessKey: userXKey})
	bi, err := nodes[0].HeadBucket(ctx, "owned")
	if err != nil || bi.Owner != adoptOwner || bi.ID == "" {
		t.Fatalf("bucket %+v, %v", bi, err)
	}
	// As the protocol layer creates it for user X in a BucketOwnerEnforced bucket.
	create := func(b *upstream.Backend, key string) storage.UploadInfo {
		t.Helper()
		u, err := b.CreateMultipartUpload(ctx, "owned", key, storage.CreateMultipartUploadOptions{
			Owner: userXID, ObjectOwner: adoptOwner, BucketID: bi.ID})
		if err != nil {
			t.Fatal(err)
		}
		if u.Owner != userXID || u.ObjectOwner != adoptOwner {
			t.Fatalf("created %+v", u)
		}
		return u
	}
	const key = "dir/with space+plus=é%.bin"
	ux := create(nodes[0], key)
	direct, err := up.S3(up.Service).CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("owned"), Key: aws.String("direct")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := uploadRecordKeys(t, up), []string{"uploads/owned/" + bi.ID + "/" + ux.UploadID}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("upload records %q, want %q", got, want)
	}

	// Parts through both nodes: each reads the upload's checksum algorithm from its record,
	// the node that wrote it from its cache, the other from the meta bucket.
	up.Reset()
	p1 := uploadPart(t, nodes[0], "owned", key, ux.UploadID, 1, partData(1, storage.MinPartSize))
	if n := recordReads(up); n != 0 {
		t.Errorf("a part on the node that wrote the record read it %d times, want 0", n)
	}
	p2 := uploadPart(t, nodes[1], "owned", key, ux.UploadID, 2, partData(2, 1000))

	// What the protocol layer asks before each part: the upload without its parts. No ask
	// on a node that read the record reads it again.
	for i := range 2 {
		res, err := nodes[1].ListParts(ctx, "owned", key, ux.UploadID, storage.ListPartsOptions{PartNumberMarker: storage.MaxPartNumber})
		if err != nil {
			t.Fatal(err)
		}
		if res.Upload.Owner != userXID || res.Upload.ObjectOwner != adoptOwner {
			t.Fatalf("ask %d: upload %+v", i, res.Upload)
		}
	}
	if n := recordReads(up); n != 1 {
		t.Errorf("a part and two asks on one node read the record %d times, want 1", n)
	}
	res, err := nodes[1].ListParts(ctx, "owned", key, ux.UploadID, storage.ListPartsOptions{MaxParts: 10})
	if err != nil || len(res.Parts) != 2 || res.Parts[0].ETag != p1.ETag || res.Parts[1].ETag != p2.ETag || res.Upload.Owner != userXID {
		t.Fatalf("parts %+v, %v", res, err)
	}

	// Listed on each node: X's upload by X, the direct one by the bucket owner.
	for i, b := range nodes {
		lr, err := b.ListMultipartUploads(ctx, "owned", storage.ListUploadsOptions{MaxUploads: 10})
		if err != nil {
			t.Fatal(err)
		}
		owners := map[string][2]string{}
		for _, u := range lr.Uploads {
			owners[u.UploadID] = [2]string{u.Owner, u.ObjectOwner}
		}
		want := map[string][2]string{ux.UploadID: {userXID, adoptOwner}, aws.ToString(direct.UploadId): {adoptOwner, adoptOwner}}
		if len(owners) != 2 || owners[ux.UploadID] != want[ux.UploadID] || owners[*direct.UploadId] != want[*direct.UploadId] {
			t.Errorf("node %d lists owners %v, want %v", i, owners, want)
		}
	}
	dres, err := nodes[0].ListParts(ctx, "owned", "direct", *direct.UploadId, storage.ListPartsOptions{})
	if err != nil || dres.Upload.Owner != adoptOwner || dres.Upload.ObjectOwner != adoptOwner {
		t.Errorf("direct upload %+v, %v", dres.Upload, err)
	}

	// Completed through the node that did not create it: its record goes.
	if _, err := nodes[1].CompleteMultipartUpload(ctx, "owned", key, ux.UploadID, []storage.CompletedPart{
		{PartNumber: 1, ETag: p1.ETag}, {PartNumber: 2, ETag: p2.ETag}}, storage.CompleteMultipartUploadOptions{BucketID: bi.ID}); err != nil {
		t.Fatal(err)
	}
	if keys := uploadRecordKeys(t, up); len(keys) != 0 {
		t.Errorf("after the completion, upload records %q", keys)
	}

	// Aborted through the node that did not create it, after the creator cached its record.
	ua := create(nodes[0], "to-abort")
	if _, err := nodes[0].ListParts(ctx, "owned", "to-abort", ua.UploadID, storage.ListPartsOptions{}); err != nil {
		t.Fatal(err)
	}
	if keys := uploadRecordKeys(t, up); len(keys) != 1 {
		t.Fatalf("upload records %q, want the new upload's", keys)
	}
	if err := nodes[1].AbortMultipartUpload(ctx, "owned", "to-abort", ua.UploadID); err != nil {
		t.Fatal(err)
	}
	if keys := uploadRecordKeys(t, up); len(keys) != 0 {
		t.Errorf("after the abort, upload records %q", keys)
	}
	if _, err := nodes[0].ListParts(ctx, "owned", "to-abort", ua.UploadID, storage.ListPartsOptions{}); !errors.Is(err, storage.ErrNoSuchUpload) {
		t.Errorf("ListParts of the aborted upload on its creator: %v, want ErrNoSuchUpload", err)
	}
	if err := nodes[0].AbortMultipartUpload(ctx, "owned", "direct", *direct.UploadId); err != nil {
		t.Errorf("abort of an upload without a record: %v", err)
	}
}

// TestPollReadsNoUploadRecord: the poller lists the meta bucket's bucket records and
// configurations only, never an upload record.
func TestPollReadsNoUploadRecord(t *testing.T) {
	up := newUpstream(t)
	makeBucket(t, up, "polled", nil)
	b := ownerNodes(t, up, 1)[0]
	ctx := context.Background()
	for _, k := range []string{"a", "b"} {
		if _, err := b.CreateMultipartUpload(ctx, "polled", k, storage.CreateMultipartUploadOptions{Owner: userXID}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(uploadRecordKeys(t, up)); n != 2 {
		t.Fatalf("%d upload records, want 2", n)
	}
	up.Reset()
	metaPath := "/" + upstream.DefaultMetaBucket
	lists := func() (n int) {
		for _, r := range up.Requests() {
			if r.Method == http.MethodGet && strings.TrimSuffix(r.Path, "/") == metaPath {
				n++
			}
		}
		return n
	}
	eventually(t, 5*time.Second, "three polls", func() bool { return lists() >= 6 })
	prefixes := map[string]int{}
	for _, r := range up.Requests() {
		switch {
		case strings.HasPrefix(r.Path, metaPath+"/uploads/"):
			t.Errorf("the poller read an upload record: %s %s", r.Method, r.URI)
		case r.Method == http.MethodGet && strings.TrimSuffix(r.Path, "/") == metaPath:
			prefixes[r.Query().Get("prefix")]++
		}
	}
	if len(prefixes) != 2 || prefixes["buckets/"] == 0 || prefixes["configs/"] == 0 {
		t.Errorf("the meta bucket was listed with prefixes %v, want buckets/ and configs/ alone", prefixes)
	}
}

// TestUploadRecordWriteFails: an upload whose record cannot be written is aborted on the
// upstream, and its creation fails.
func TestUploadRecordWriteFails(t *testing.T) {
	up := newUpstream(t)
	makeBucket(t, up, "norecord", nil)
	b := ownerNodes(t, up, 1)[0]
	up.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/"+upstream.DefaultMetaBucket+"/uploads/") {
			w.WriteHeader(http.StatusInternalServerError)
			return true
		}
		return false
	})
	_, err := b.CreateMultipartUpload(context.Background(), "norecord", "k", storage.CreateMultipartUploadOptions{Owner: userXID})
	if err == nil {
		t.Fatal("created an upload without its record")
	}
	lr, err := up.S3(up.Service).ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String("norecord")})
	if err != nil {
		t.Fatal(err)
	}
	if len(lr.Uploads) != 0 {
		t.Errorf("the upstream keeps %d uploads, want the one made aborted", len(lr.Uploads))
	}
}

// TestUploadPartInitiatorOnly runs the protocol layer over this backend: a user whom the
// bucket policy grants s3:PutObject may not upload a part of another user's upload
// (AccessDenied), while its initiator may, as in AWS
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions).
func TestUploadPartInitiatorOnly(t *testing.T) {
	up := newUpstream(t)
	b := newBackend(t, up, nil)
	const accountX, accountY = "111111111111", "222222222222"
	srv, err := s3api.New(context.Background(), s3api.Config{Backend: b, Users: []s3api.User{
		{AccessKey: "OWNERKEY", SecretKey: "owner-secret"},
		{AccessKey: "XKEY", SecretKey: "x-secret", Account: accountX},
		{AccessKey: "YKEY", SecretKey: "y-secret", Account: accountY},
	}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	client := func(ak, sk string) *s3.Client {
		return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(hs.URL), UsePathStyle: true,
			Credentials: credentials.NewStaticCredentialsProvider(ak, sk, ""), RetryMaxAttempts: 1,
			RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired})
	}
	owner, x, y := client("OWNERKEY", "owner-secret"), client("XKEY", "x-secret"), client("YKEY", "y-secret")
	ctx := context.Background()
	if _, err := owner.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared")}); err != nil {
		t.Fatal(err)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::` + accountX +
		`:root","arn:aws:iam::` + accountY + `:root"]},"Action":"s3:PutObject","Resource":"arn:aws:s3:::shared/*"}]}`
	if _, err := owner.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("shared"), Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	cu, err := x.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("shared"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	part := func(c *s3.Client) error {
		_, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("shared"), Key: aws.String("k"), UploadId: cu.UploadId,
			PartNumber: aws.Int32(1), Body: bytes.NewReader([]byte("part"))})
		return err
	}
	if err := part(x); err != nil {
		t.Errorf("the initiator's part: %v", err)
	}
	var ae smithy.APIError
	if err := part(y); !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Errorf("another user's part: %v, want AccessDenied", err)
	}
}

// TestDeleteBucketDeletesUploadRecords: deleting a bucket deletes the records of its uploads
// (here orphans: the uploads were aborted on the upstream directly), and no other bucket's.
func TestDeleteBucketDeletesUploadRecords(t *testing.T) {
	up := newUpstream(t)
	b := newBackend(t, up, nil)
	ctx := context.Background()
	ids := map[string]string{}
	for _, bucket := range []string{"gone", "kept"} {
		if _, err := b.CreateBucket(ctx, bucket, storage.CreateBucketOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"a", "b"} {
			u, err := b.CreateMultipartUpload(ctx, bucket, key, storage.CreateMultipartUploadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ids[bucket+"/"+key] = u.UploadID
		}
	}
	for _, key := range []string{"a", "b"} {
		if _, err := up.S3(up.Service).AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
			Bucket: aws.String("gone"), Key: aws.String(key), UploadId: aws.String(ids["gone/"+key])}); err != nil {
			t.Fatal(err)
		}
	}
	if got := uploadRecordKeys(t, up); len(got) != 4 {
		t.Fatalf("upload records before the delete: %q, want 4", got)
	}
	if err := b.DeleteBucket(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	got := uploadRecordKeys(t, up)
	if len(got) != 2 {
		t.Fatalf("upload records after the delete: %q, want kept's 2", got)
	}
	for _, k := range got {
		if !strings.HasPrefix(k, "uploads/kept/") {
			t.Errorf("record %q left after its bucket was deleted", k)
		}
	}
}

// TestUploadChecksumAcrossNodes: what an upload was created with and the upstream's ListParts
// does not list (checksum algorithm and type, tags, initiation date) is kept in its record,
// so another node computes its parts' checksums in the upload's algorithm, refuses a part in
// another, refuses a completion that leaves out a part's checksum before asking the
// upstream, completes it with the parts' checksums, and the object gets the upload's tags.
func TestUploadChecksumAcrossNodes(t *testing.T) {
	up := newUpstream(t)
	makeBucket(t, up, "sums", nil)
	nodes := ownerNodes(t, up, 2)
	ctx := context.Background()
	const key = "k"
	u, err := nodes[0].CreateMultipartUpload(ctx, "sums", key, storage.CreateMultipartUploadOptions{
		ChecksumAlgorithm: storage.ChecksumSHA256, Tags: "a=1"})
	if err != nil || u.ChecksumType != storage.ChecksumComposite {
		t.Fatalf("created %+v, %v", u, err)
	}
	listed, err := nodes[1].ListParts(ctx, "sums", key, u.UploadID, storage.ListPartsOptions{MaxParts: 10})
	if err != nil || listed.Upload.ChecksumAlgorithm != storage.ChecksumSHA256 || listed.Upload.ChecksumType != storage.ChecksumComposite ||
		listed.Upload.Tags != "a=1" || !listed.Upload.Initiated.Equal(u.Initiated) {
		t.Errorf("another node lists the upload as %+v, %v; want it as created, %+v", listed.Upload, err, u)
	}
	data := [][]byte{partData(1, storage.MinPartSize), partData(2, 10)}
	var parts []storage.CompletedPart
	for i, d := range data {
		p := uploadPart(t, nodes[1], "sums", key, u.UploadID, i+1, d)
		if want := storage.ChecksumSHA256.Sum(d); p.Checksum != want {
			t.Errorf("part %d checksum %q, want the upload's algorithm's, %q", i+1, p.Checksum, want)
		}
		parts = append(parts, storage.CompletedPart{PartNumber: p.PartNumber, ETag: p.ETag, Checksum: p.Checksum})
	}
	_, err = nodes[1].UploadPart(ctx, "sums", key, u.UploadID, 3, bytes.NewReader([]byte("x")),
		storage.UploadPartOptions{Size: 1, ChecksumAlgorithm: storage.ChecksumCRC32})
	if !errors.Is(err, storage.ErrInvalidChecksum) {
		t.Errorf("a CRC32 part of a SHA256 upload: %v, want ErrInvalidChecksum", err)
	}
	up.Reset()
	_, err = nodes[1].CompleteMultipartUpload(ctx, "sums", key, u.UploadID, []storage.CompletedPart{parts[0], {PartNumber: 2, ETag: parts[1].ETag}},
		storage.CompleteMultipartUploadOptions{})
	var missing *storage.MissingPartChecksumError
	if !errors.As(err, &missing) || missing.PartNumber != 2 || missing.Algorithm != storage.ChecksumSHA256 {
		t.Errorf("a completion without part 2's checksum: %v, want a MissingPartChecksumError of part 2", err)
	}
	for _, r := range up.Requests() {
		if r.Method == http.MethodPost {
			t.Errorf("the refused completion reached the upstream: %s %s", r.Method, r.Path)
		}
	}
	info, err := nodes[1].CompleteMultipartUpload(ctx, "sums", key, u.UploadID, parts, storage.CompleteMultipartUploadOptions{})
	if err != nil || info.Checksum.Algorithm != storage.ChecksumSHA256 || info.Checksum.Type != storage.ChecksumComposite || info.Tags != "a=1" {
		t.Fatalf("completed %+v, %v", info, err)
	}
	if head, err := nodes[0].HeadObject(ctx, "sums", key, storage.ReadOptions{}); err != nil || head.Tags != "a=1" {
		t.Errorf("the object's tags %q, %v; want the upload's", head.Tags, err)
	}
}

// TestSweepDeletesOrphanUploadRecords: a node's sweep deletes the records of uploads that
// ended on the upstream without doorman (aborted there directly) and of an upload whose
// bucket was deleted there, and keeps the record of an upload in progress, made on another
// node in a bucket the sweeping node has not polled yet; that upload then completes.
func TestSweepDeletesOrphanUploadRecords(t *testing.T) {
	up := newUpstream(t)
	// The sweeping node's snapshot never holds the buckets made below: the sweep must not
	// need it.
	newBackend(t, up, func(c *upstream.Config) {
		c.PollInterval = time.Hour
		c.UploadSweepInterval = 100 * time.Millisecond
	})
	maker := newBackend(t, up, nil)
	ctx := context.Background()
	ids := map[string]string{}
	for _, bk := range []struct{ bucket, key string }{{"swept", "a"}, {"swept", "b"}, {"swept", "live"}, {"vanished", "v"}} {
		if _, err := maker.CreateBucket(ctx, bk.bucket, storage.CreateBucketOptions{}); err != nil && !errors.Is(err, storage.ErrBucketExists) {
			t.Fatal(err)
		}
		u, err := maker.CreateMultipartUpload(ctx, bk.bucket, bk.key, storage.CreateMultipartUploadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ids[bk.bucket+"/"+bk.key] = u.UploadID
	}
	direct := up.S3(up.Service)
	for _, k := range []string{"swept/a", "swept/b", "vanished/v"} {
		bucket, key, _ := strings.Cut(k, "/")
		if _, err := direct.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
			Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(ids[k])}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := direct.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("vanished")}); err != nil {
		t.Fatal(err)
	}
	live := ids["swept/live"]
	wantOnlyLive := func(keys []string) bool {
		return len(keys) == 1 && strings.HasPrefix(keys[0], "uploads/swept/") && strings.HasSuffix(keys[0], "/"+url.PathEscape(live))
	}
	deadline := time.Now().Add(5 * time.Second)
	for keys := uploadRecordKeys(t, up); !wantOnlyLive(keys); keys = uploadRecordKeys(t, up) {
		if time.Now().After(deadline) {
			t.Fatalf("upload records 5 s after three uploads ended upstream: %q, want the live upload's alone (%s)", keys, live)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Sweeps go on; the live upload's record stays, and its initiator completes it.
	time.Sleep(500 * time.Millisecond)
	if keys := uploadRecordKeys(t, up); !wantOnlyLive(keys) {
		t.Fatalf("upload records after more sweeps: %q, want the live upload's alone", keys)
	}
	p := uploadPart(t, maker, "swept", "live", live, 1, partData(1, 10))
	if _, err := maker.CompleteMultipartUpload(ctx, "swept", "live", live,
		[]storage.CompletedPart{{PartNumber: p.PartNumber, ETag: p.ETag}}, storage.CompleteMultipartUploadOptions{}); err != nil {
		t.Errorf("completing the upload whose record the sweep kept: %v", err)
	}
}
