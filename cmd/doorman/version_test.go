package main

import (
	"bytes"
	"runtime/debug"
	"testing"
)

// TestBuildVersion: what a binary built without -X main.version reports, from the build
// information the go command records.
func TestBuildVersion(t *testing.T) {
	vcs := func(revision, when, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{
			{Key: "-compiler", Value: "gc"},
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: revision},
			{Key: "vcs.time", Value: when},
			{Key: "vcs.modified", Value: modified},
		}
	}
	const rev = "f2be385695986272b915c80d3894d74cf6cccbd9"
	for _, tc := range []struct {
		name     string
		main     string
		settings []debug.BuildSetting
		want     string
	}{
		{"go install from a clean clone", "(devel)", vcs(rev, "2026-11-30T13:51:47Z", "false"),
			"devel+f2be38569598 (2026-11-30T13:51:47Z)"},
		{"go install from a clone with uncommitted changes", "(devel)", vcs(rev, "2026-11-30T13:51:47Z", "true"),
			"devel+f2be38569598-dirty (2026-11-30T13:51:47Z)"},
		{"a pseudo-version stamped by the go command gives way to the revision", "v0.0.0-20261130135147-f2be38569598+dirty",
			vcs(rev, "2026-11-30T13:51:47Z", "true"), "devel+f2be38569598-dirty (2026-11-30T13:51:47Z)"},
		{"a short revision", "(devel)", vcs("f2be385", "", "false"), "devel+f2be385"},
		{"a build at a tag", "v1.2.0", vcs(rev, "2026-11-30T13:51:47Z", "false"), "v1.2.0"},
		{"go install module@version", "v1.2.0", nil, "v1.2.0"},
		{"go install module@commit", "v0.0.0-20261130135147-f2be38569598", nil, "v0.0.0-20261130135147-f2be38569598"},
		{"no version control information (-buildvcs=false)", "(devel)", nil, "(devel)"},
		{"no main module version", "", nil, "(devel)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/doorman-s3/doorman", Version: tc.main}, Settings: tc.settings}
			if got := buildVersion(bi); got != tc.want {
				t.Errorf("buildVersion = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestVersionOutput: `doorman version` and `doorman --version` print the same line, the
// stamped version when there is one.
func TestVersionOutput(t *testing.T) {
	defer func(v string) { version = v }(version)
	version = "v9.8.7-3-gabcdef0-dirty"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var out bytes.Buffer
		root := newRootCmd()
		root.SetArgs(args)
		root.SetOut(&out)
		if err := root.Execute(); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if got, want := out.String(), "doorman v9.8.7-3-gabcdef0-dirty\n"; got != want {
			t.Errorf("%v printed %q, want %q", args, got, want)
		}
	}
}
