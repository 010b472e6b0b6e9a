package integration

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doorman-s3/doorman/internal/s3test"
)

// ListBuckets pages with max-buckets and continuation-token and filters by prefix and
// bucket-region, as the SDK's paginator expects; bad parameters are refused.
func TestListBucketsPages(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "")
	c := srv.client()
	ctx := context.Background()
	names := []string{"pages-a", "pages-b", "pages-b2", "pages-c", "pages-d"}
	for _, n := range names {
		srv.createBucket(t, n)
	}
	list := func(in *s3.ListBucketsInput) (got []string, pages int) {
		t.Helper()
		p := s3.NewListBucketsPaginator(c, in)
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListBuckets %+v: %v", in, err)
			}
			pages++
			for _, b := range out.Buckets {
				got = append(got, aws.ToString(b.Name))
				if aws.ToString(b.BucketRegion) != region {
					t.Errorf("%s: BucketRegion %q", aws.ToString(b.Name), aws.ToString(b.BucketRegion))
				}
			}
		}
		return got, pages
	}
	tests := []struct {
		name  string
		in    s3.ListBucketsInput
		want  []string
		pages int
	}{
		{"all", s3.ListBucketsInput{}, names, 1},
		{"pages of two", s3.ListBucketsInput{MaxBuckets: aws.Int32(2)}, names, 3},
		{"pages of five", s3.ListBucketsInput{MaxBuckets: aws.Int32(5)}, names, 1},
		{"prefix", s3.ListBucketsInput{Prefix: aws.String("pages-b")}, []string{"pages-b", "pages-b2"}, 1},
		{"prefix, pages of one", s3.ListBucketsInput{Prefix: aws.String("pages-b"), MaxBuckets: aws.Int32(1)}, []string{"pages-b", "pages-b2"}, 2},
		{"this region", s3.ListBucketsInput{BucketRegion: aws.String(region)}, names, 1},
		{"another region", s3.ListBucketsInput{BucketRegion: aws.String("eu-west-1")}, nil, 1},
	}
	for _, tt := range tests {
		if got, pages := list(&tt.in); !slices.Equal(got, tt.want) || pages != tt.pages {
			t.Errorf("%s: %q in %d pages, want %q in %d", tt.name, got, pages, tt.want, tt.pages)
		}
	}
	for _, q := range []string{"max-buckets=0", "max-buckets=10001", "max-buckets=two", "continuation-token=not-a-token"} {
		res, body := srv.Do(t, s3test.Request{Method: "GET", Path: "/?" + q, As: s3test.Owner})
		s3test.WantError(t, q, res, body, 400, "InvalidArgument", "")
	}
}
