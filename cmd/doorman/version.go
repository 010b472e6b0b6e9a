package main

import (
	"fmt"
	"regexp"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at link time: `make build` and `make install` pass
// -ldflags "-X main.version=$(git describe --tags --always --dirty)".
var version = ""

// revisionDigits is how much of a commit hash a development version shows: 12 hex digits, as
// Go's pseudo-versions do (https://go.dev/ref/mod#pseudo-versions).
const revisionDigits = 12

// pseudoVersion matches a pseudo-version's timestamp and revision ("v0.0.0-20261130135147-
// f2be38569598"), which says less than the revision and commit time themselves.
var pseudoVersion = regexp.MustCompile(`\d{14}-[0-9a-f]{12}(\+dirty)?$`)

// versionString is the version doorman reports: the one stamped at link time; else a release
// version from the build information (go install ...@v1.2.3, or a build at a tagged commit);
// else, for a build in a clone, the commit it was built from ("devel+f2be38569598", with
// "-dirty" when the tree had uncommitted changes, and the commit's time); else "(devel)".
func versionString() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	return buildVersion(bi)
}

// buildVersion is versionString's answer for a binary without a stamped version. The go
// command records the version control state of a build in a clone
// (https://pkg.go.dev/runtime/debug#BuildSetting: vcs.revision, vcs.time, vcs.modified).
func buildVersion(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" && !pseudoVersion.MatchString(v) {
		return v
	}
	var revision, when string
	var modified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if revision == "" {
		if bi.Main.Version != "" {
			return bi.Main.Version
		}
		return "(devel)"
	}
	v := "devel+" + revision[:min(len(revision), revisionDigits)]
	if modified {
		v += "-dirty"
	}
	if when != "" {
		v += " (" + when + ")"
	}
	return v
}

// versionTemplate prints `doorman --version` as `doorman version` prints it.
const versionTemplate = "doorman {{.Version}}\n"

// withVersion gives root a --version flag printing what the version command prints.
func withVersion(root *cobra.Command) *cobra.Command {
	root.Version = versionString()
	root.SetVersionTemplate(versionTemplate)
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print doorman's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "doorman", versionString())
			return err
		},
	}
}
