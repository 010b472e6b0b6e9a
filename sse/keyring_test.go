package sse_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/sse"
)

func mustKeyring(t testing.TB) *sse.Keyring {
	t.Helper()
	k, err := sse.NewKeyring()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// reparse is k marshalled and parsed again.
func reparse(t testing.TB, k *sse.Keyring) *sse.Keyring {
	t.Helper()
	b, err := k.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	k2, err := sse.ParseKeyring(b)
	if err != nil {
		t.Fatalf("ParseKeyring of Marshal: %v\n%s", err, b)
	}
	return k2
}

func TestKeyringRotate(t *testing.T) {
	k := mustKeyring(t)
	aad := []byte("file 1")
	type sealing struct {
		dek    sse.Key
		sealed sse.Sealed
	}
	var seals []sealing
	seal := func() {
		dek := mustKey(t)
		s, err := k.Seal(dek, aad)
		if err != nil {
			t.Fatal(err)
		}
		seals = append(seals, sealing{dek, s})
	}
	seal()
	first := k.S3Keys()
	if len(first) != 1 || !first[0].Current || seals[0].sealed.KeyID != first[0].ID {
		t.Fatalf("a new keyring's keys %v, sealed under %q", first, seals[0].sealed.KeyID)
	}
	for range 3 {
		id, err := k.Rotate()
		if err != nil {
			t.Fatal(err)
		}
		seal()
		if got := seals[len(seals)-1].sealed.KeyID; got != id {
			t.Errorf("sealed under %q after rotating to %q", got, id)
		}
		k = reparse(t, k)
	}
	keys := k.S3Keys()
	if len(keys) != 4 || keys[0].ID != first[0].ID || !keys[3].Current || keys[0].Current {
		t.Errorf("keys after three rotations: %+v", keys)
	}
	for i, s := range seals {
		if got, err := k.Open(s.sealed, aad); err != nil || got != s.dek {
			t.Errorf("data key %d sealed before %d rotations: %v, or another key", i, 3-i, err)
		}
		if _, err := k.Open(s.sealed, []byte("file 2")); !errors.Is(err, sse.ErrOpen) {
			t.Errorf("data key %d opened with another aad: %v, want ErrOpen", i, err)
		}
	}
	other := mustKeyring(t)
	if _, err := other.Open(seals[0].sealed, aad); !errors.Is(err, sse.ErrUnknownKey) {
		t.Errorf("opened by another keyring: %v, want ErrUnknownKey", err)
	}
}

var uuid4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestKMSKeyNames(t *testing.T) {
	k := mustKeyring(t)
	a, err := k.CreateKMSKey("eu-west-1", "123456789012", "alias/app", "alias/team/app-2")
	if err != nil {
		t.Fatal(err)
	}
	b, err := k.CreateKMSKey("eu-west-1", "123456789012", sse.DefaultKMSAlias)
	if err != nil {
		t.Fatal(err)
	}
	c, err := k.CreateKMSKey("us-east-1", "210987654321")
	if err != nil {
		t.Fatal(err)
	}
	if !uuid4.MatchString(a.ID) || a.ID == b.ID {
		t.Errorf("ids %q, %q: not distinct version 4 UUIDs", a.ID, b.ID)
	}
	if want := "arn:aws:kms:eu-west-1:123456789012:key/" + a.ID; a.ARN != want {
		t.Errorf("ARN %q, want %q", a.ARN, want)
	}
	k = reparse(t, k)
	tests := []struct {
		name string
		want string // the key's id; "" for none
	}{
		{a.ID, a.ID},
		{a.ARN, a.ID},
		{"alias/app", a.ID},
		{"alias/team/app-2", a.ID},
		{"arn:aws:kms:eu-west-1:123456789012:alias/app", a.ID},
		{"arn:aws:kms:eu-west-1:123456789012:alias/team/app-2", a.ID},
		{b.ID, b.ID},
		{sse.DefaultKMSAlias, b.ID},
		{"arn:aws:kms:eu-west-1:123456789012:" + sse.DefaultKMSAlias, b.ID},
		{c.ARN, c.ID},
		{"", ""},
		{"alias/", ""},
		{"alias/apps", ""},
		{"app", ""},
		{strings.ToUpper(a.ID), ""},
		{"key/" + a.ID, ""},
		{"alias/" + a.ID, ""},
		{"arn:aws:kms:us-east-1:123456789012:alias/app", ""},
		{"arn:aws:kms:eu-west-1:000000000000:alias/app", ""},
		{"arn:aws:kms:eu-west-1:123456789012:key/" + c.ID, ""},
		{"arn:aws:kms:eu-west-1:123456789012:alias/" + a.ID, ""},
		{"arn:aws:kms:eu-west-1:123456789012:app", ""},
		{"arn:aws-cn:kms:eu-west-1:123456789012:alias/app", ""},
		{"arn:aws:kms:eu-west-1:123456789012:key/alias/app", ""},
		{a.ARN + "x", ""},
	}
	for _, tt := range tests {
		got, ok := k.KMSKey(tt.name)
		if ok != (tt.want != "") || got.ID != tt.want {
			t.Errorf("KMSKey(%q) = %q, %v; want %q", tt.name, got.ID, ok, tt.want)
		}
		dek := mustKey(t)
		s, info, err := k.SealKMS(tt.name, dek, []byte("f"))
		if tt.want == "" {
			if !errors.Is(err, sse.ErrUnknownKey) {
				t.Errorf("SealKMS(%q): %v, want ErrUnknownKey", tt.name, err)
			}
			continue
		}
		if err != nil || s.KeyID != tt.want || info.ID != tt.want {
			t.Errorf("SealKMS(%q): %v, sealed under %q, key %q", tt.name, err, s.KeyID, info.ID)
			continue
		}
		if got, err := k.Open(s, []byte("f")); err != nil || got != dek {
			t.Errorf("Open of SealKMS(%q): %v, or another key", tt.name, err)
		}
	}
	if got := k.KMSKeys(); len(got) != 3 || got[0].ID != a.ID || len(got[0].Aliases) != 2 || got[2].ID != c.ID {
		t.Errorf("KMSKeys: %+v", got)
	}
}

func TestCreateKMSKeyErrors(t *testing.T) {
	long := "alias/" + strings.Repeat("a", 250)
	tests := []struct {
		name            string
		region, account string
		aliases         []string
		ok              bool
	}{
		{"longest alias", "r", "1", []string{long}, true},
		{"every character", "r", "1", []string{"alias/AZaz09/_-"}, true},
		{"alias too long", "r", "1", []string{long + "a"}, false},
		{"no prefix", "r", "1", []string{"app"}, false},
		{"empty name", "r", "1", []string{"alias/"}, false},
		{"dot", "r", "1", []string{"alias/a.b"}, false},
		{"colon", "r", "1", []string{"alias/a:b"}, false},
		{"space", "r", "1", []string{"alias/a b"}, false},
		{"reserved", "r", "1", []string{"alias/aws/ebs"}, false},
		{"reserved prefix alone", "r", "1", []string{"alias/aws/"}, false},
		{"reserved near default", "r", "1", []string{"alias/aws/s3x"}, false},
		{"default", "r", "1", []string{sse.DefaultKMSAlias}, true},
		{"twice", "r", "1", []string{"alias/a", "alias/a"}, false},
		{"taken", "r", "1", []string{"alias/taken"}, false},
		{"most aliases", "r", "1", manyAliases(sse.MaxAliasesPerKey), true},
		{"too many aliases", "r", "1", manyAliases(sse.MaxAliasesPerKey + 1), false},
		{"no region", "", "1", nil, false},
		{"no account", "r", "", nil, false},
		{"colon in region", "r:x", "1", nil, false},
		{"slash in account", "r", "1/x", nil, false},
		{"long region", strings.Repeat("r", 65), "1", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := mustKeyring(t)
			if _, err := k.CreateKMSKey("r", "1", "alias/taken"); err != nil {
				t.Fatal(err)
			}
			_, err := k.CreateKMSKey(tt.region, tt.account, tt.aliases...)
			if (err == nil) != tt.ok {
				t.Fatalf("CreateKMSKey(%q, %q, %d aliases): %v, want ok %v", tt.region, tt.account, len(tt.aliases), err, tt.ok)
			}
			if n := len(k.KMSKeys()); n != 1+btoi(tt.ok) {
				t.Errorf("%d KMS keys after it", n)
			}
			reparse(t, k)
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func manyAliases(n int) []string {
	a := make([]string, n)
	for i := range a {
		a[i] = fmt.Sprintf("alias/a%d", i)
	}
	return a
}

// TestKeyringLimits fills a keyring to its bounds: MaxKeys keys, MaxAliases aliases of the
// longest names, in ARNs of the longest fields, all of which encode in MaxKeyringSize.
func TestKeyringLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a keyring")
	}
	k := mustKeyring(t)
	field := strings.Repeat("x", 64)
	aliases := sse.MaxAliases
	for i := 1; i < sse.MaxKeys; i++ {
		var names []string
		for j := 0; j < sse.MaxAliasesPerKey && aliases > 0; j++ {
			name := fmt.Sprintf("alias/%d-%d-", i, j)
			names = append(names, name+strings.Repeat("n", 256-len(name)))
			aliases--
		}
		if _, err := k.CreateKMSKey(field, field, names...); err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
	}
	if _, err := k.Rotate(); err == nil {
		t.Error("Rotate past MaxKeys succeeded")
	}
	if _, err := k.CreateKMSKey("r", "1"); err == nil {
		t.Error("CreateKMSKey past MaxKeys succeeded")
	}
	b, err := k.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > sse.MaxKeyringSize {
		t.Fatalf("the fullest keyring encodes in %d bytes, more than MaxKeyringSize", len(b))
	}
	if _, err := sse.ParseKeyring(b); err != nil {
		t.Fatal(err)
	}

	k = mustKeyring(t)
	for range sse.MaxAliases / sse.MaxAliasesPerKey {
		if _, err := k.CreateKMSKey("r", "1", uniqueAliases(k, sse.MaxAliasesPerKey)...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := k.CreateKMSKey("r", "1", "alias/one-more"); err == nil {
		t.Error("an alias past MaxAliases added")
	}
}

// uniqueAliases returns n aliases no key of k has.
func uniqueAliases(k *sse.Keyring, n int) []string {
	a := make([]string, n)
	base := len(k.KMSKeys())
	for i := range a {
		a[i] = fmt.Sprintf("alias/k%d-%d", base, i)
	}
	return a
}

// validKeyring is an encoding ParseKeyring takes, as a JSON object to change.
func validKeyring(t testing.TB) map[string]any {
	k := mustKeyring(t)
	if _, err := k.Rotate(); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"alias/a", "alias/b"} {
		if _, err := k.CreateKMSKey("r", "1", a); err != nil {
			t.Fatal(err)
		}
	}
	b, err := k.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestParseKeyringErrors(t *testing.T) {
	s3 := func(m map[string]any, i int) map[string]any { return m["s3"].([]any)[i].(map[string]any) }
	kms := func(m map[string]any, i int) map[string]any { return m["kms"].([]any)[i].(map[string]any) }
	tests := []struct {
		name   string
		change func(m map[string]any)
		raw    func(b []byte) []byte
	}{
		{name: "unchanged"},
		{name: "not JSON", raw: func([]byte) []byte { return []byte("{") }},
		{name: "empty", raw: func([]byte) []byte { return nil }},
		{name: "an array", raw: func([]byte) []byte { return []byte("[]") }},
		{name: "data after", raw: func(b []byte) []byte { return append(b, "{}"...) }},
		{name: "too large", raw: func(b []byte) []byte {
			return append(b, bytes.Repeat([]byte(" "), sse.MaxKeyringSize)...)
		}},
		{name: "unknown field", change: func(m map[string]any) { m["extra"] = 1 }},
		{name: "no version", change: func(m map[string]any) { delete(m, "version") }},
		{name: "version 2", change: func(m map[string]any) { m["version"] = 2 }},
		{name: "version a string", change: func(m map[string]any) { m["version"] = "1" }},
		{name: "no SSE-S3 key", change: func(m map[string]any) { m["s3"] = []any{}; m["current"] = 0 }},
		{name: "current past the keys", change: func(m map[string]any) { m["current"] = 2 }},
		{name: "current negative", change: func(m map[string]any) { m["current"] = -1 }},
		{name: "short key", change: func(m map[string]any) { s3(m, 0)["key"] = "AAAA" }},
		{name: "long KMS key", change: func(m map[string]any) {
			kms(m, 0)["key"] = strings.Repeat("A", 44) + "AAAA"
		}},
		{name: "key not base64", change: func(m map[string]any) { s3(m, 0)["key"] = "!!" }},
		{name: "no key", change: func(m map[string]any) { delete(s3(m, 1), "key") }},
		{name: "SSE-S3 ids twice", change: func(m map[string]any) { s3(m, 1)["id"] = s3(m, 0)["id"] }},
		{name: "SSE-S3 id of a KMS key", change: func(m map[string]any) { s3(m, 1)["id"] = kms(m, 0)["id"] }},
		{name: "KMS ids twice", change: func(m map[string]any) {
			kms(m, 1)["id"], kms(m, 1)["arn"] = kms(m, 0)["id"], kms(m, 0)["arn"]
		}},
		{name: "SSE-S3 id malformed", change: func(m map[string]any) { s3(m, 0)["id"] = "s3-1" }},
		{name: "KMS id not a UUID", change: func(m map[string]any) {
			kms(m, 0)["id"] = "key1"
			kms(m, 0)["arn"] = "arn:aws:kms:r:1:key/key1"
		}},
		{name: "KMS id upper case", change: func(m map[string]any) {
			id := strings.ToUpper(kms(m, 0)["id"].(string))
			kms(m, 0)["id"], kms(m, 0)["arn"] = id, "arn:aws:kms:r:1:key/"+id
		}},
		{name: "ARN of another key", change: func(m map[string]any) { kms(m, 0)["arn"] = kms(m, 1)["arn"] }},
		{name: "ARN not KMS", change: func(m map[string]any) {
			kms(m, 0)["arn"] = "arn:aws:s3:r:1:key/" + kms(m, 0)["id"].(string)
		}},
		{name: "ARN of no region", change: func(m map[string]any) {
			kms(m, 0)["arn"] = "arn:aws:kms::1:key/" + kms(m, 0)["id"].(string)
		}},
		{name: "aliases twice", change: func(m map[string]any) { kms(m, 1)["aliases"] = []any{"alias/a"} }},
		{name: "alias twice in a key", change: func(m map[string]any) { kms(m, 1)["aliases"] = []any{"alias/b", "alias/b"} }},
		{name: "alias invalid", change: func(m map[string]any) { kms(m, 1)["aliases"] = []any{"b"} }},
		{name: "alias reserved", change: func(m map[string]any) { kms(m, 1)["aliases"] = []any{"alias/aws/b"} }},
		{name: "too many aliases", change: func(m map[string]any) {
			kms(m, 1)["aliases"] = toAny(manyAliases(sse.MaxAliasesPerKey + 1))
		}},
		{name: "too many keys", change: func(m map[string]any) {
			keys := m["s3"].([]any)
			for i := len(keys); i <= sse.MaxKeys; i++ {
				k := maps.Clone(s3(m, 0))
				k["id"] = fmt.Sprintf("s3-%016x", i)
				keys = append(keys, k)
			}
			m["s3"] = keys
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validKeyring(t)
			if tt.change != nil {
				tt.change(m)
			}
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if tt.raw != nil {
				b = tt.raw(b)
			}
			_, err = sse.ParseKeyring(b)
			if ok := tt.change == nil && tt.raw == nil; (err == nil) != ok {
				t.Fatalf("ParseKeyring: %v, want ok %v", err, ok)
			}
		})
	}
}

func toAny(s []string) []any {
	a := make([]any, len(s))
	for i, v := range s {
		a[i] = v
	}
	return a
}

func TestKeyringEncoding(t *testing.T) {
	k := mustKeyring(t)
	if _, err := k.CreateKMSKey("r", "1", "alias/a"); err != nil {
		t.Fatal(err)
	}
	b, err := k.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Version int `json:"version"`
		S3      []struct {
			ID  string `json:"id"`
			Key []byte `json:"key"`
		} `json:"s3"`
	}
	if err := json.Unmarshal(b, &m); err != nil || m.Version != sse.KeyringVersion || len(m.S3) != 1 || len(m.S3[0].Key) != sse.KeySize {
		t.Fatalf("encoding %s: %v", b, err)
	}
	again, err := reparse(t, k).Marshal()
	if err != nil || !bytes.Equal(again, b) {
		t.Errorf("marshalled again differently (%v):\n%s\n%s", err, b, again)
	}
}
