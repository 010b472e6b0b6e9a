package s3

import "github.com/doorman-s3/doorman/s3/internal/s3err"

func (s *Server) postObject(rc *request, _ *bucketState) { rc.writeError(s3err.NotImplemented) }
