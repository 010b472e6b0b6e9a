package integration

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Two doorman nodes serving HTTPS over the MinIO cluster, driven by aws-sdk-go-v2 as it
// behaves over TLS: its default uploads stream as aws-chunked bodies with
// STREAMING-UNSIGNED-PAYLOAD-TRAILER and the checksum in a trailer, which each node verifies
// before the last bytes go upstream. An object put through A comes back through B byte for
// byte with the checksum the SDK validates; a multipart upload's parts go to A and B in turn;
// a CORS configuration set through A answers B's preflight over HTTPS.
func TestScaleOutMinIOHTTPS(t *testing.T) {
	t.Parallel()
	mc := startMinIO(t, minioBinary(t))
	var upstreams []string
	for i := range mc.addrs {
		upstreams = append(upstreams, mc.URL(i))
	}
	certFile, keyFile, pool := selfSignedCert(t, t.TempDir())
	a, b := startScaleOutNodes(t, upstreams, minioRoot, "--tls-cert", certFile, "--tls-key", keyFile)
	for _, n := range []*server{a, b} {
		if !strings.HasPrefix(n.URL, "https://") {
			t.Fatalf("a node started with --tls-cert listens on %s, want https", n.URL)
		}
	}
	rec := &payloadRecorder{next: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}, seen: map[string]string{}}
	hc := &http.Client{Transport: rec}
	withChecksums := func(o *s3.Options) {
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenSupported
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenSupported
	}
	ca, cb := sdkClient(a, hc, withChecksums), sdkClient(b, hc, withChecksums)
	ctx := context.Background()
	const bucket, key, origin = "over-tls", "sdk/default-upload.bin", "https://app.example"

	if _, err := ca.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket through A: %v", err)
	}
	// B knows the bucket once it has polled (within propagationBound).
	for made := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		_, err := cb.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
		if err == nil {
			break
		}
		if time.Since(made) > propagationBound {
			t.Fatalf("HeadBucket through B %v after the bucket was made through A: %v", propagationBound, err)
		}
	}
	body := pseudoRandom(31, 2<<20+9)
	put, err := ca.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatalf("PutObject through A: %v", err)
	}
	if got, want := rec.get("PUT", "/"+bucket+"/"+key), "STREAMING-UNSIGNED-PAYLOAD-TRAILER x-amz-checksum-crc32"; got != want {
		t.Errorf("the SDK's PUT over HTTPS had x-amz-content-sha256 and x-amz-trailer %q, want %q", got, want)
	}
	if got, want := aws.ToString(put.ChecksumCRC32), checksumOf(types.ChecksumAlgorithmCrc32, body); got != want {
		t.Errorf("PutObject through A answered CRC32 %q, want %q", got, want)
	}
	got, err := cb.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil {
		t.Fatalf("GetObject through B: %v", err)
	}
	read, err := io.ReadAll(got.Body) // the SDK fails the read when the CRC32 does not match
	got.Body.Close()
	if err != nil || !bytes.Equal(read, body) {
		t.Errorf("GetObject through B read %d bytes (%v), want the %d put through A", len(read), err, len(body))
	}
	if crc := aws.ToString(got.ChecksumCRC32); crc != checksumOf(types.ChecksumAlgorithmCrc32, body) {
		t.Errorf("GetObject through B answered CRC32 %q, want the object's", crc)
	}

	multipartAcross(t, ca, cb, bucket)

	if _, err := ca.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String(bucket), CORSConfiguration: &types.CORSConfiguration{
		CORSRules: []types.CORSRule{{AllowedOrigins: []string{origin}, AllowedMethods: []string{"PUT"}, AllowedHeaders: []string{"*"}}},
	}}); err != nil {
		t.Fatalf("PutBucketCors through A: %v", err)
	}
	set := time.Now()
	for {
		req, err := http.NewRequest(http.MethodOptions, b.URL+"/"+bucket+"/upload.bin", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "PUT")
		res, err := hc.Do(req)
		if err != nil {
			t.Fatalf("preflight through B over HTTPS: %v", err)
		}
		res.Body.Close()
		if res.StatusCode == 200 && res.Header.Get("Access-Control-Allow-Origin") == origin {
			return
		}
		if time.Since(set) > propagationBound {
			t.Fatalf("B's preflight over HTTPS still answers %d (Access-Control-Allow-Origin %q) %v after the CORS configuration was set through A",
				res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"), propagationBound)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
