//lint:file-ignore SA1019 the classic upload manager is still what most aws-sdk-go-v2 programs use, so it is what doorman must serve

package integration

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// managerUpload uploads through aws-sdk-go-v2's upload manager in parts of partSize, two at a
// time, and returns the ETag it reports.
func managerUpload(ctx context.Context, c *s3.Client, partSize int64, in *s3.PutObjectInput) (string, error) {
	up := manager.NewUploader(c, func(u *manager.Uploader) { u.PartSize = partSize; u.Concurrency = 2 })
	res, err := up.Upload(ctx, in)
	if err != nil {
		return "", err
	}
	if res.ETag == nil {
		return "", nil
	}
	return *res.ETag, nil
}
