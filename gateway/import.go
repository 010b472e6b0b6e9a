package gateway

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/doorman-s3/doorman/cors/awsconfig"
	"github.com/doorman-s3/doorman/internal/errlist"
)

// runImport reads a policy's `import:` with the AWS readers and returns the settings it
// makes, each field's provenance naming the import; errors go to errs, located in the
// imported file.
func runImport(cfg *Config, imp *importDef, errs *errorList) *settings {
	if imp.managed != "" {
		im, err := awsconfig.Managed(imp.managed)
		if err != nil {
			errs.add(&Error{File: imp.at.file, Line: imp.at.line, Col: imp.at.col, Field: imp.path + ".managed", Message: err.Error()})
			return nil
		}
		return importSettings(cfg, imp, im, imp.at.file)
	}
	path := imp.file
	if !filepath.IsAbs(path) {
		path = filepath.Join(cfg.dir, path)
	}
	fail := func(msg string) *settings {
		errs.add(&Error{File: imp.at.file, Line: imp.at.line, Col: imp.at.col, Field: imp.path + ".file", Message: msg})
		return nil
	}
	format, err := awsconfig.ParseFormat(imp.format)
	if err != nil {
		return fail(err.Error())
	}
	f, err := os.Open(path)
	if err != nil {
		return fail(err.Error())
	}
	defer f.Close()
	doc, err := io.ReadAll(io.LimitReader(f, awsconfig.MaxDocumentSize+1))
	if err != nil {
		return fail(err.Error())
	}
	if len(doc) > awsconfig.MaxDocumentSize {
		return fail(fmt.Sprintf("%s is larger than %d bytes", path, awsconfig.MaxDocumentSize))
	}
	im, err := awsconfig.Read(format, doc, imp.resource)
	if err != nil {
		for _, e := range errlist.Flatten(err) {
			var ae *awsconfig.Error
			if errors.As(e, &ae) {
				msg := ae.Message
				if ae.Code != "" {
					msg = ae.Code + ": " + msg
				}
				if ae.Detail != "" {
					msg += " (" + ae.Detail + ")"
				}
				errs.add(&Error{File: path, Line: ae.Line, Col: ae.Column, Field: ae.Path, Message: msg})
				continue
			}
			errs.add(&Error{File: path, Message: e.Error()})
		}
		return nil
	}
	return importSettings(cfg, imp, im, path)
}

// importSettings turns what an AWS reader found into settings, and its warnings into the
// configuration's, placed in file (the imported file; for a managed policy, which has none,
// at the import itself).
func importSettings(cfg *Config, imp *importDef, im *awsconfig.Import, file string) *settings {
	for _, w := range im.Warnings {
		msg := w.Message
		if w.Detail != "" {
			msg += " (" + w.Detail + ")"
		}
		e := &Error{File: file, Line: w.Line, Col: w.Column, Field: w.Path, Message: msg}
		if w.Line == 0 && imp.managed != "" {
			e.Line, e.Col, e.Field = imp.at.line, imp.at.col, imp.path+".managed"
		}
		cfg.Warnings = append(cfg.Warnings, e)
	}
	s := &settings{}
	from := &where{source: "import " + im.Source + " (" + imp.format + ")", path: imp.path, at: imp.at}
	c := im.Config
	s.lists[fOrigins], s.lists[fOriginPatterns], s.lists[fMethods] = c.Origins, c.OriginPatterns, c.Methods
	s.lists[fRequestHeaders], s.lists[fExposeHeaders] = c.RequestHeaders, c.ExposeHeaders
	s.maxAge, s.credentials, s.semantics, s.advertise = c.MaxAge, c.Credentials, c.Semantics, c.Advertise
	s.successStatus, s.failureStatus = c.PreflightStatus, c.FailureStatus
	s.static, s.errors4XX, s.errors5XX, s.paths = c.Static, c.Errors4XX, c.Errors5XX, im.Paths
	for _, f := range []field{fOrigins, fOriginPatterns, fMethods, fRequestHeaders, fExposeHeaders, fMaxAge, fCredentials, fSemantics} {
		s.from[f] = from
	}
	if im.OriginOverride != nil {
		// CloudFront's OriginOverride: true, the policy's headers replace the origin's.
		s.upstream = upstreamWins
		if *im.OriginOverride {
			s.upstream = upstreamOverride
		}
		s.from[fUpstreamHeaders] = from
	}
	return s
}
