package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/sse"
	"github.com/doorman-s3/doorman/storage/disk"
)

// doormanKeys runs `doorman keys args...` and returns what it printed and its error.
func doormanKeys(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append([]string{"keys"}, args...))
	err := root.Execute()
	return out.String(), err
}

// keyMaterial is every key of the keyring file in dir: each string of its JSON that decodes,
// as base64, to sse.KeySize bytes, in the forms a listing could print it.
func keyMaterial(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "keyring.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var keys []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case string:
			if raw, err := base64.StdEncoding.DecodeString(v); err == nil && len(raw) == sse.KeySize {
				keys = append(keys, v, fmt.Sprintf("%x", raw), string(raw))
			}
		}
	}
	walk(doc)
	return keys
}

var (
	// listSSES3Re is a listing's SSE-S3 key line: its id, its creation, "active" or nothing.
	listSSES3Re = regexp.MustCompile(`^  (\S+)  created \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ(  active)?$`)
	// listKMSRe is a listing's KMS key line: its ARN, its creation, its aliases.
	listKMSRe = regexp.MustCompile(`^  (arn:aws:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36})  created \S+(?:  (.+))?$`)
)

// keyListing is what `doorman keys list` printed, parsed.
type keyListing struct {
	s3     []string
	active string
	kms    map[string]string // ARN → its aliases as listed
}

func parseListing(t *testing.T, out string) keyListing {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	l := keyListing{kms: map[string]string{}}
	if len(lines) < 3 || lines[0] != "SSE-S3 keys (the active one seals new objects):" {
		t.Fatalf("keys list:\n%s", out)
	}
	i := 1
	for ; i < len(lines) && strings.HasPrefix(lines[i], "  "); i++ {
		m := listSSES3Re.FindStringSubmatch(lines[i])
		if m == nil {
			t.Fatalf("keys list: %q is not an SSE-S3 key line\n%s", lines[i], out)
		}
		l.s3 = append(l.s3, m[1])
		if m[2] != "" {
			l.active = m[1]
		}
	}
	switch {
	case i == len(lines)-1 && lines[i] == "KMS keys: none":
	case i < len(lines) && lines[i] == "KMS keys:":
		for _, line := range lines[i+1:] {
			m := listKMSRe.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("keys list: %q is not a KMS key line\n%s", line, out)
			}
			l.kms[m[1]] = m[2]
		}
	default:
		t.Fatalf("keys list: no KMS section\n%s", out)
	}
	return l
}

// The keys commands on one stopped store, in turn: a new store has one active SSE-S3 key and
// no KMS key; rotate adds a key that becomes the active one; create-kms adds KMS keys with
// their aliases and prints each ARN; an alias taken or malformed is refused. No output ever
// holds key material.
func TestKeys(t *testing.T) {
	dir := t.TempDir()
	first := parseListing(t, mustKeys(t, dir, "list"))
	if len(first.s3) != 1 || first.active != first.s3[0] || len(first.kms) != 0 {
		t.Fatalf("a new store's keys: %+v", first)
	}
	arnRe := regexp.MustCompile(`^arn:aws:kms:(us-east-1|eu-west-3):000000000000:key/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}\n$`)
	var arns []string
	for _, tc := range []struct {
		name string
		args []string
		// want checks the output of a command that succeeds; err is the error of one that fails.
		want func(t *testing.T, out string)
		err  string
	}{
		{"rotate", []string{"rotate"}, func(t *testing.T, out string) {
			l := parseListing(t, mustKeys(t, dir, "list"))
			if len(l.s3) != 2 || l.s3[0] != first.s3[0] || l.active != l.s3[1] ||
				out != "SSE-S3 key "+l.active+" is now active; the older keys still open the objects they sealed\n" {
				t.Errorf("after rotate (%q): %+v", out, l)
			}
		}, ""},
		{"rotate again", []string{"rotate"}, func(t *testing.T, out string) {
			if l := parseListing(t, mustKeys(t, dir, "list")); len(l.s3) != 3 || l.active != l.s3[2] {
				t.Errorf("after a second rotate: %+v", l)
			}
		}, ""},
		{"create-kms with an alias", []string{"create-kms", "--alias", "alias/app"}, func(t *testing.T, out string) {
			arns = append(arns, strings.TrimSpace(out))
			if !arnRe.MatchString(out) || !strings.HasPrefix(out, "arn:aws:kms:us-east-1:") {
				t.Errorf("create-kms printed %q", out)
			}
		}, ""},
		{"create-kms with two aliases in another region", []string{"create-kms", "--alias", "alias/a", "--alias", "alias/b", "--region", "eu-west-3"},
			func(t *testing.T, out string) {
				arns = append(arns, strings.TrimSpace(out))
				if !arnRe.MatchString(out) || !strings.HasPrefix(out, "arn:aws:kms:eu-west-3:") {
					t.Errorf("create-kms printed %q", out)
				}
			}, ""},
		{"create-kms without an alias", []string{"create-kms"}, func(t *testing.T, out string) {
			arns = append(arns, strings.TrimSpace(out))
			if !arnRe.MatchString(out) {
				t.Errorf("create-kms printed %q", out)
			}
		}, ""},
		{"create-kms with an alias taken", []string{"create-kms", "--alias", "alias/app"}, nil, `alias "alias/app" taken`},
		{"create-kms with an alias without alias/", []string{"create-kms", "--alias", "app2"}, nil, "app2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := doormanKeys(t, append(tc.args, "--data", dir)...)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q; output %q", err, tc.err, out)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			tc.want(t, out)
		})
	}
	final := mustKeys(t, dir, "list")
	l := parseListing(t, final)
	want := map[string]string{}
	if len(arns) == 3 {
		want = map[string]string{arns[0]: "alias/app", arns[1]: "alias/a, alias/b", arns[2]: ""}
	}
	if fmt.Sprint(l.kms) != fmt.Sprint(want) {
		t.Errorf("KMS keys listed %v, want %v\n%s", l.kms, want, final)
	}
	secrets := keyMaterial(t, dir)
	if len(secrets) != 3*(3+3) {
		t.Fatalf("the keyring holds %d keys, want 3 SSE-S3 and 3 KMS keys", len(secrets)/3)
	}
	for _, s := range secrets {
		if strings.Contains(final, s) {
			t.Errorf("keys list shows key material:\n%s", final)
		}
	}
}

// mustKeys runs `doorman keys args... --data dir`, fails the test on an error, and returns the
// output.
func mustKeys(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := doormanKeys(t, append(args, "--data", dir)...)
	if err != nil {
		t.Fatalf("keys %v: %v\n%s", args, err, out)
	}
	return out
}

// Every keys command refuses a directory another process holds open (a running serve), and
// one that does not exist, which it does not create.
func TestKeysRefusals(t *testing.T) {
	held := t.TempDir()
	store, err := disk.Open(held)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	missing := filepath.Join(t.TempDir(), "missing")
	for _, cmd := range [][]string{{"list"}, {"rotate"}, {"create-kms", "--alias", "alias/x"}} {
		t.Run(cmd[0], func(t *testing.T) {
			_, err := doormanKeys(t, append(cmd, "--data", held)...)
			want := fmt.Sprintf("data directory %s is in use by another doorman (pid %d, as its pid file says)", held, os.Getpid())
			if !errors.Is(err, disk.ErrInUse) || err.Error() != want {
				t.Errorf("in use: %v, want %q", err, want)
			}
			if _, err := doormanKeys(t, append(cmd, "--data", missing)...); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("missing directory: %v", err)
			}
			if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the missing directory was created: %v", err)
			}
		})
	}
}
