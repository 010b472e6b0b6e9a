package s3

import (
	"encoding/xml"
	"errors"
	"net/http"
	"time"

	"github.com/doorman-s3/doorman/s3/internal/s3err"
	"github.com/doorman-s3/doorman/storage"
)

const timeFormatXML = "2006-01-02T15:04:05.000Z"

func xmlTime(t time.Time) string { return t.UTC().Format(timeFormatXML) }

type owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName,omitempty"`
}

func (s *Server) ownerOf(id string) owner {
	for _, a := range s.users {
		if a.id == id {
			return owner{ID: id, DisplayName: a.DisplayName}
		}
	}
	return owner{ID: id}
}

type listAllMyBucketsResult struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListAllMyBucketsResult"`
	Owner   owner    `xml:"Owner"`
	Buckets []struct {
		Name         string `xml:"Name"`
		CreationDate string `xml:"CreationDate"`
	} `xml:"Buckets>Bucket"`
}

// listBuckets lists the buckets the caller owns.
func (s *Server) listBuckets(rc *request, _ *bucketState) {
	list, err := s.cfg.Backend.ListBuckets(rc.ctx)
	if err != nil {
		rc.fail(err)
		return
	}
	out := listAllMyBucketsResult{Owner: s.ownerOf(rc.user.id)}
	for _, b := range list {
		if b.Owner != rc.user.id {
			continue
		}
		out.Buckets = append(out.Buckets, struct {
			Name         string `xml:"Name"`
			CreationDate string `xml:"CreationDate"`
		}{b.Name, xmlTime(b.CreationDate)})
	}
	rc.writeXML(http.StatusOK, out)
}

type createBucketConfiguration struct {
	XMLName            xml.Name `xml:"CreateBucketConfiguration"`
	LocationConstraint string   `xml:"LocationConstraint"`
	// Directory buckets (Location, Bucket) and tags given at creation are not implemented:
	// they are refused, not dropped.
	Location *struct{} `xml:"Location"`
	Bucket   *struct{} `xml:"Bucket"`
	Tags     *struct{} `xml:"Tags"`
}

// createBucket creates a bucket owned by the caller. A LocationConstraint, when given, must be
// this endpoint's region (other than us-east-1, which is never named), as on a regional AWS
// endpoint.
func (s *Server) createBucket(rc *request) {
	body, e := rc.readIntegrityCheckedBody(16<<10, false)
	if e != nil {
		rc.writeError(e)
		return
	}
	region := ""
	if len(body) > 0 {
		var c createBucketConfiguration
		if err := xml.Unmarshal(body, &c); err != nil {
			rc.writeError(s3err.MalformedXML)
			return
		}
		if c.Location != nil || c.Bucket != nil || c.Tags != nil {
			rc.writeError(s3err.NotImplemented)
			return
		}
		region = c.LocationConstraint
		switch {
		case region == "" || region == "us-east-1" && s.cfg.Region != "us-east-1":
			rc.writeError(s3err.InvalidLocationConstraint.With("LocationConstraint", region))
			return
		case region != s.cfg.Region:
			rc.writeError(s3err.IllegalLocationConstraintException.Withf(
				"The %s location constraint is incompatible for the region specific endpoint this request was sent to.", region))
			return
		}
	} else if s.cfg.Region != "us-east-1" {
		rc.writeError(s3err.IllegalLocationConstraintException)
		return
	}
	acl, e := rc.cannedACL()
	if e != nil {
		rc.writeError(e)
		return
	}
	if acl == "" {
		acl = aclPrivate
	}
	if !storage.ValidBucketName(rc.bucket) {
		rc.writeError(s3err.InvalidBucketName.With("BucketName", rc.bucket))
		return
	}
	err := s.buckets.update(rc.bucket, func(old *bucketState) (*bucketState, error) {
		if old != nil {
			if old.info.Owner == rc.user.id {
				return nil, s3err.BucketAlreadyOwnedByYou.With("BucketName", rc.bucket)
			}
			return nil, s3err.BucketAlreadyExists.With("BucketName", rc.bucket)
		}
		info, err := s.cfg.Backend.CreateBucket(rc.ctx, rc.bucket, storage.CreateBucketOptions{Region: region, Owner: rc.user.id, ACL: acl})
		if err != nil {
			return nil, err
		}
		return &bucketState{info: info}, nil
	})
	if err != nil {
		rc.fail(err)
		return
	}
	rc.w.Header()["Location"] = []string{"/" + rc.bucket}
	rc.w.Header()["Content-Length"] = []string{"0"}
	rc.w.WriteHeader(http.StatusOK)
}

func (s *Server) headBucket(rc *request, st *bucketState) {
	region := st.info.Region
	if region == "" {
		region = "us-east-1"
	}
	rc.w.Header()["X-Amz-Bucket-Region"] = []string{region}
	rc.w.WriteHeader(http.StatusOK)
}

func (s *Server) deleteBucket(rc *request, st *bucketState) {
	err := s.buckets.update(rc.bucket, func(old *bucketState) (*bucketState, error) {
		if !sameBucket(old, st) {
			return nil, s3err.NoSuchBucket.With("BucketName", rc.bucket)
		}
		return nil, s.cfg.Backend.DeleteBucket(rc.ctx, rc.bucket)
	})
	if err != nil {
		if errors.Is(err, storage.ErrBucketNotEmpty) {
			rc.writeError(s3err.BucketNotEmpty.With("BucketName", rc.bucket))
			return
		}
		rc.fail(err)
		return
	}
	rc.w.WriteHeader(http.StatusNoContent)
}

type locationConstraint struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LocationConstraint"`
	Region  string   `xml:",chardata"`
}

// getBucketLocation answers an empty LocationConstraint for us-east-1, as S3 does.
func (s *Server) getBucketLocation(rc *request, st *bucketState) {
	rc.writeXML(http.StatusOK, locationConstraint{Region: st.info.Region})
}

type versioningConfiguration struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ VersioningConfiguration"`
}

// getBucketVersioning: doorman's buckets are never versioned, which S3 reports as an empty
// configuration.
func (s *Server) getBucketVersioning(rc *request, _ *bucketState) {
	rc.writeXML(http.StatusOK, versioningConfiguration{})
}
