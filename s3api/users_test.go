package s3api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage/disk"
)

// A display name is shown to anyone who may list the user's buckets: it may not be one of the
// user's credentials. An account id is 12 digits, an IAM user needs an account, and user names
// are IAM's (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateUser.html).
func TestUserValidation(t *testing.T) {
	store, err := disk.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, tt := range []struct {
		name string
		user s3api.User
		ok   bool
	}{
		{"none", s3api.User{AccessKey: "AKID1", SecretKey: "secret1"}, true},
		{"a name", s3api.User{AccessKey: "AKID1", SecretKey: "secret1", DisplayName: "team"}, true},
		{"the access key", s3api.User{AccessKey: "AKID1", SecretKey: "secret1", DisplayName: "AKID1"}, false},
		{"the secret key", s3api.User{AccessKey: "AKID1", SecretKey: "secret1", DisplayName: "secret1"}, false},
		{"a given account", s3api.User{AccessKey: "AKID1", SecretKey: "secret1", Account: "111122223333"}, true},
		{"an IAM user", s3api.User{AccessKey: "AKID1", SecretKey: "secret1", Account: "111122223333", UserName: "alice.b@example+1"}, true},
		{"an account of 11 digits", s3api.User{AccessKey: "AKID1", SecretKey: "secret1", Account: "11112222333"}, false},
		{"an account with a letter", s3api.User{AccessKey: "AKID1", SecretKey: "secret1", Account: "11112222333x"}, false},
		{"an IAM user without account", s3api.User{AccessKey: "AKID1", SecretKey: "secret1", UserName: "alice"}, false},
		{"a user name with a slash", s3api.User{AccessKey: "AKID1", SecretKey: "secret1", Account: "111122223333", UserName: "a/b"}, false},
		{"a user name of 65 characters", s3api.User{AccessKey: "AKID1", SecretKey: "secret1", Account: "111122223333", UserName: strings.Repeat("a", 65)}, false},
	} {
		_, err := s3api.New(context.Background(), s3api.Config{Backend: store, Users: []s3api.User{tt.user}})
		if (err == nil) != tt.ok {
			t.Errorf("%s: New = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

// An e-mail address names one account, by which ACL grants may name it
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#specifying-grantee):
// the users of one account may share it, two accounts may not (compared ignoring case), and it
// must be one a grant header can carry (emailAddress="...": no quotes, commas or spaces).
func TestUserEmails(t *testing.T) {
	store, err := disk.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	root := func(ak, email string) s3api.User {
		return s3api.User{AccessKey: ak, SecretKey: "secret-" + ak, Account: "111122223333", Email: email}
	}
	alone := func(ak, email string) s3api.User {
		return s3api.User{AccessKey: ak, SecretKey: "secret-" + ak, Email: email}
	}
	for _, tt := range []struct {
		name  string
		users []s3api.User
		ok    bool
	}{
		{"one account's address", []s3api.User{alone("AKID1", "team@example.com")}, true},
		{"shared by an account's users", []s3api.User{root("AKID1", "team@example.com"),
			{AccessKey: "AKID2", SecretKey: "secret2", Account: "111122223333", UserName: "alice", Email: "Team@Example.com"}}, true},
		{"given to two accounts", []s3api.User{alone("AKID1", "team@example.com"), alone("AKID2", "team@example.com")}, false},
		{"given to two accounts in another case", []s3api.User{alone("AKID1", "team@example.com"), alone("AKID2", "TEAM@example.com")}, false},
		{"without @", []s3api.User{alone("AKID1", "team.example.com")}, false},
		{"with two @", []s3api.User{alone("AKID1", "team@example@com")}, false},
		{"without a local part", []s3api.User{alone("AKID1", "@example.com")}, false},
		{"without a domain", []s3api.User{alone("AKID1", "team@")}, false},
		{"with a quote", []s3api.User{alone("AKID1", `te"am@example.com`)}, false},
		{"with a comma", []s3api.User{alone("AKID1", "te,am@example.com")}, false},
		{"with a space", []s3api.User{alone("AKID1", "te am@example.com")}, false},
		{"with a letter outside ASCII", []s3api.User{alone("AKID1", "t\u00e9am@example.com")}, false},
		{"with the Kelvin sign, which folds to k", []s3api.User{alone("AKID1", "kim@example.com"), alone("AKID2", "\u212aim@example.com")}, false},
		{"with a control character", []s3api.User{alone("AKID1", "te\x7fam@example.com")}, false},
	} {
		_, err := s3api.New(context.Background(), s3api.Config{Backend: store, Users: tt.users})
		if (err == nil) != tt.ok {
			t.Errorf("%s: New = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

// TestEmailGrantees: a grant names an account by e-mail address when the address is the
// account's but for the case of ASCII letters. A letter outside ASCII is never the same as an
// ASCII one, though Unicode case folding maps some onto ASCII letters (U+212A KELVIN SIGN
// onto k, U+0130 LATIN CAPITAL LETTER I WITH DOT ABOVE onto i): such an address names no
// account (UnresolvableGrantByEmailAddress), by header and by document.
func TestEmailGrantees(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t, func(c *s3api.Config) {
		for i, u := range c.Users {
			if u.AccessKey == s3test.Other.AccessKey {
				c.Users[i].Email = "kim@example.com"
			}
		}
	})
	owner, other := canonicalID(t, srv, s3test.Owner), canonicalID(t, srv, s3test.Other)
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/by-email", Header: http.Header{"X-Amz-Object-Ownership": {"ObjectWriter"}}, As: s3test.Owner})
	byHeader := func(email string) s3test.Request {
		return s3test.Request{Header: http.Header{"X-Amz-Grant-Read": {`emailAddress="` + email + `"`}}}
	}
	byDocument := func(email string) s3test.Request {
		return s3test.Request{Body: []byte(policyDoc(owner, [3]string{"AmazonCustomerByEmail", "<EmailAddress>" + email + "</EmailAddress>", "READ"}))}
	}
	for _, tc := range []struct {
		name string
		r    s3test.Request
		code string // "" when the grant is made to the account
	}{
		{"the address by header", byHeader("kim@example.com"), ""},
		{"the address in capitals by header", byHeader("KIM@EXAMPLE.COM"), ""},
		{"the address by document", byDocument("Kim@Example.com"), ""},
		{"the Kelvin sign by header", byHeader("\u212aim@example.com"), "UnresolvableGrantByEmailAddress"},
		{"the Kelvin sign by document", byDocument("\u212aim@example.com"), "UnresolvableGrantByEmailAddress"},
		{"a dotted capital I by header", byHeader("k\u0130m@example.com"), "UnresolvableGrantByEmailAddress"},
		{"a dotted capital I by document", byDocument("k\u0130m@example.com"), "UnresolvableGrantByEmailAddress"},
	} {
		srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/by-email?acl", Header: http.Header{"X-Amz-Acl": {"private"}}, As: s3test.Owner})
		tc.r.Method, tc.r.Path, tc.r.As = "PUT", "/by-email?acl", s3test.Owner
		res, body := srv.Do(t, tc.r)
		if tc.code != "" {
			s3test.WantError(t, tc.name, res, body, 400, tc.code, "The e-mail address you provided does not match any account on record.")
		} else if res.StatusCode != 200 {
			t.Errorf("%s: status %d, want 200\n%s", tc.name, res.StatusCode, body)
		}
		got := string(srv.Must(t, 200, s3test.Request{Method: "GET", Path: "/by-email?acl", As: s3test.Owner}))
		if granted := strings.Contains(got, "<ID>"+other+"</ID>"); granted != (tc.code == "") {
			t.Errorf("%s: the account granted %v, want %v:\n%s", tc.name, granted, tc.code == "", got)
		}
	}
}
