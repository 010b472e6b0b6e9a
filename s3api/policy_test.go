package s3api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/doorman-s3/doorman/internal/s3test"
	"github.com/doorman-s3/doorman/s3api"
	"github.com/doorman-s3/doorman/storage/disk"
)

// The users of one account, 111122223333: its root user and two IAM users, who have no
// identity policy and get only what bucket policies and ACLs grant them.
var (
	teamRoot  = s3test.Account{Name: "team-root", AccessKey: "AKIDTEAMROOT", SecretKey: "team-root-secret"}
	teamAlice = s3test.Account{Name: "alice", AccessKey: "AKIDTEAMALICE", SecretKey: "team-alice-secret"}
	teamBob   = s3test.Account{Name: "bob", AccessKey: "AKIDTEAMBOB", SecretKey: "team-bob-secret"}
)

const teamAccount = "111122223333"

// startPolicyServer is s3test.Start with the team's users besides Owner, Other and Third.
func startPolicyServer(t *testing.T) *s3test.Server {
	t.Helper()
	return s3test.Start(t, func(c *s3api.Config) {
		c.Users = append(c.Users,
			s3api.User{AccessKey: teamRoot.AccessKey, SecretKey: teamRoot.SecretKey, Account: teamAccount},
			s3api.User{AccessKey: teamAlice.AccessKey, SecretKey: teamAlice.SecretKey, Account: teamAccount, UserName: "alice"},
			s3api.User{AccessKey: teamBob.AccessKey, SecretKey: teamBob.SecretKey, Account: teamAccount, UserName: "bob"})
	})
}

// newPolicyBucket creates a bucket as owner, with ACLs enabled (ObjectWriter) and no public
// access block, as one must on AWS today before a public policy or ACL can be set, and an
// object "k" in it.
func newPolicyBucket(t *testing.T, srv *s3test.Server, owner s3test.Account, bucket string) {
	t.Helper()
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/" + bucket, As: owner, Header: http.Header{"X-Amz-Object-Ownership": {"ObjectWriter"}}})
	srv.Must(t, 204, s3test.Request{Method: "DELETE", Path: "/" + bucket + "?publicAccessBlock", As: owner})
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/" + bucket + "/k", Body: []byte("body"), As: owner})
}

func putPolicy(t *testing.T, srv *s3test.Client, as s3test.Account, bucket, doc string) {
	t.Helper()
	srv.Must(t, 204, s3test.Request{Method: "PUT", Path: "/" + bucket + "?policy", Body: []byte(doc), As: as})
}

// The bucket policy API: PutBucketPolicy stores the document and GetBucketPolicy answers it as
// sent, GetBucketPolicyStatus says whether it is public, DeleteBucketPolicy answers 204 with or
// without a policy, and the errors are S3's
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html,
// API_GetBucketPolicy.html, API_DeleteBucketPolicy.html, API_GetBucketPolicyStatus.html).
func TestBucketPolicyAPI(t *testing.T) {
	t.Parallel()
	srv := startPolicyServer(t)
	newPolicyBucket(t, srv, s3test.Owner, "pol")
	public := `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pol/*"}]}`
	private := `{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": {"AWS": "` + teamAccount + `"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::pol/*"}]
}`
	otherPut := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + teamAccount + `:root"},"Action":"s3:*Policy","Resource":"arn:aws:s3:::pol"}]}`
	type step struct {
		name     string
		r        s3test.Request
		status   int
		code     string // an error's code
		message  string // an error's message, when code is set
		contains string // a success's body contains it
	}
	get := s3test.Request{Method: "GET", Path: "/pol?policy", As: s3test.Owner}
	status := s3test.Request{Method: "GET", Path: "/pol?policyStatus", As: s3test.Owner}
	put := func(doc string, as s3test.Account) s3test.Request {
		return s3test.Request{Method: "PUT", Path: "/pol?policy", Body: []byte(doc), As: as}
	}
	for _, s := range []step{
		{"no policy yet", get, 404, "NoSuchBucketPolicy", "The bucket policy does not exist", ""},
		{"no policy, status", status, 404, "NoSuchBucketPolicy", "The bucket policy does not exist", ""},
		{"not JSON", put("Version: 2012-10-17", s3test.Owner), 400, "MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'", ""},
		{"no Statement", put(`{"Version":"2012-10-17"}`, s3test.Owner), 400, "MalformedPolicy", "Missing required field Statement", ""},
		{"another bucket's resource", put(strings.ReplaceAll(public, "pol/*", "elsewhere/*"), s3test.Owner), 400, "MalformedPolicy", "Policy has invalid resource", ""},
		{"another account may not", put(public, s3test.Other), 403, "AccessDenied", "Access Denied", ""},
		{"an IAM user of another account may not", put(public, teamAlice), 403, "AccessDenied", "Access Denied", ""},
		{"put a private policy", put(private, s3test.Owner), 204, "", "", ""},
		{"read it back as sent", get, 200, "", "", private},
		{"it is not public", status, 200, "", "", "<PolicyStatus xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><IsPublic>false</IsPublic></PolicyStatus>"},
		{"put a public policy", put(public, s3test.Owner), 204, "", "", ""},
		{"it is public", status, 200, "", "", "<IsPublic>true</IsPublic>"},
		{"another account reads nothing", s3test.Request{Method: "GET", Path: "/pol?policy", As: s3test.Other}, 403, "AccessDenied", "Access Denied", ""},
		// A policy granting the policy's actions to another account: the caller has the
		// permission but is outside the owner's account.
		{"let another account manage the policy", put(otherPut, s3test.Owner), 204, "", "", ""},
		{"outside the owner's account", s3test.Request{Method: "GET", Path: "/pol?policy", As: teamRoot}, 405, "MethodNotAllowed", "The specified method is not allowed against this resource.", ""},
		{"delete", s3test.Request{Method: "DELETE", Path: "/pol?policy", As: s3test.Owner}, 204, "", "", ""},
		{"deleted", get, 404, "NoSuchBucketPolicy", "The bucket policy does not exist", ""},
		{"delete again", s3test.Request{Method: "DELETE", Path: "/pol?policy", As: s3test.Owner}, 204, "", "", ""},
	} {
		res, body := srv.Do(t, s.r)
		if s.code != "" {
			s3test.WantError(t, s.name, res, body, s.status, s.code, s.message)
			continue
		}
		if res.StatusCode != s.status || !strings.Contains(string(body), s.contains) {
			t.Errorf("%s: %d %s, want %d with %q", s.name, res.StatusCode, body, s.status, s.contains)
		}
	}
}

// BlockPublicPolicy refuses a public policy with 403 AccessDenied, and only a public one
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html).
func TestBlockPublicPolicy(t *testing.T) {
	t.Parallel()
	srv := startPolicyServer(t)
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/blocked", As: s3test.Owner})
	on := []byte(`<PublicAccessBlockConfiguration><BlockPublicPolicy>true</BlockPublicPolicy></PublicAccessBlockConfiguration>`)
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/blocked?publicAccessBlock", Body: on, As: s3test.Owner,
		Header: http.Header{"Content-Md5": {s3test.MD5Base64(on)}}})
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::blocked/*"}]}`
	private := strings.Replace(public, `"*"`, `{"AWS":"`+teamAccount+`"}`, 1)
	res, body := srv.Do(t, s3test.Request{Method: "PUT", Path: "/blocked?policy", Body: []byte(public), As: s3test.Owner})
	s3test.WantError(t, "public policy under BlockPublicPolicy", res, body, 403, "AccessDenied", "Access Denied")
	srv.Must(t, 404, s3test.Request{Method: "GET", Path: "/blocked?policy", As: s3test.Owner})
	putPolicy(t, srv.Client, s3test.Owner, "blocked", private)
	off := []byte(`<PublicAccessBlockConfiguration><BlockPublicPolicy>false</BlockPublicPolicy></PublicAccessBlockConfiguration>`)
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/blocked?publicAccessBlock", Body: off, As: s3test.Owner,
		Header: http.Header{"Content-Md5": {s3test.MD5Base64(off)}}})
	putPolicy(t, srv.Client, s3test.Owner, "blocked", public)
}

// How a bucket policy takes part in every decision, in AWS's order
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/how-s3-evaluates-access-control.html):
// an explicit Deny binds everyone, the bucket owner too, except the owner's root user on the
// policy itself; then the owner's root user; then the policy's Allow; then the ACLs. Rows
// follow https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html.
func TestBucketPolicyDecisions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		owner  s3test.Account
		policy string // %B stands for the bucket
		r      s3test.Request
		status int
	}{
		{"public read by policy", s3test.Owner,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::%B/*"}]}`,
			s3test.Request{Method: "GET", Path: "/k"}, 200},
		{"public read does not list", s3test.Owner,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::%B/*"}]}`,
			s3test.Request{Method: "GET", Path: "?list-type=2"}, 403},
		{"public read does not write", s3test.Owner,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::%B/*"}]}`,
			s3test.Request{Method: "PUT", Path: "/new", Body: []byte("x")}, 403},
		{"a deny binds the owner", s3test.Owner,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::%B/*"}]}`,
			s3test.Request{Method: "GET", Path: "/k", As: s3test.Owner}, 403},
		{"a deny binds a presigned URL of the owner", s3test.Owner,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::%B/*"}]}`,
			s3test.Request{Method: "GET", Path: "/k", As: s3test.Owner, Auth: s3test.SigV4Query}, 403},
		{"a deny of everything leaves the owner's root the policy", s3test.Owner,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::%B","arn:aws:s3:::%B/*"]}]}`,
			s3test.Request{Method: "DELETE", Path: "?policy", As: s3test.Owner}, 204},
		{"a deny of everything binds the owner's listing", s3test.Owner,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::%B","arn:aws:s3:::%B/*"]}]}`,
			s3test.Request{Method: "GET", Path: "?list-type=2", As: s3test.Owner}, 403},
		{"a deny of plain HTTP", s3test.Owner,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::%B/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`,
			s3test.Request{Method: "GET", Path: "/k", As: s3test.Owner}, 403},
		{"another account by account id", s3test.Owner,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + teamAccount + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::%B/*"}]}`,
			s3test.Request{Method: "GET", Path: "/k", As: teamRoot}, 200},
		{"a third account is not named", s3test.Owner,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + teamAccount + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::%B/*"}]}`,
			s3test.Request{Method: "GET", Path: "/k", As: s3test.Other}, 403},
		// Naming an account in an Allow delegates to it: its IAM users, with no identity
		// policy, get nothing from it (reference_policies_elements_principal.html#principal-accounts).
		{"an account id does not reach the account's IAM users", s3test.Owner,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + teamAccount + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::%B/*"}]}`,
			s3test.Request{Method: "GET", Path: "/k", As: teamAlice}, 403},
		{"a Deny naming an account reaches its IAM users", s3test.Owner,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::%B/*","Condition":{"StringEquals":{"aws:PrincipalAccount":"` + teamAccount + `"}}},{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::` + teamAccount + `:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::%B/*"}]}`,
			s3test.Request{Method: "GET", Path: "/k", As: teamAlice}, 403},
		{"an IAM user named by its ARN", teamRoot,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + teamAccount + `:user/alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::%B/*"}]}`,
			s3test.Request{Method: "GET", Path: "/k", As: teamAlice}, 200},
		{"an IAM user has nothing of its own account's bucket", teamRoot,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + teamAccount + `:user/alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::%B/*"}]}`,
			s3test.Request{Method: "GET", Path: "/k", As: teamBob}, 403},
		{"${aws:username}: a user's own prefix", teamRoot,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::%B/home/${aws:username}/*","Condition":{"StringEquals":{"aws:PrincipalAccount":"` + teamAccount + `"}}}]}`,
			s3test.Request{Method: "PUT", Path: "/home/alice/notes", Body: []byte("x"), As: teamAlice}, 200},
		{"${aws:username}: another user's prefix", teamRoot,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::%B/home/${aws:username}/*","Condition":{"StringEquals":{"aws:PrincipalAccount":"` + teamAccount + `"}}}]}`,
			s3test.Request{Method: "PUT", Path: "/home/alice/notes", Body: []byte("x"), As: teamBob}, 403},
		{"referer allowed", s3test.Owner,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::%B/*","Condition":{"StringLike":{"aws:Referer":"https://app.test/*"}}}]}`,
			s3test.Request{Method: "GET", Path: "/k", Header: http.Header{"Referer": {"https://app.test/page"}}}, 200},
		{"referer refused", s3test.Owner,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::%B/*","Condition":{"StringLike":{"aws:Referer":"https://app.test/*"}}}]}`,
			s3test.Request{Method: "GET", Path: "/k", Header: http.Header{"Referer": {"https://evil.test/"}}}, 403},
		{"source IP allowed", s3test.Owner,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::%B/*","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}]}`,
			s3test.Request{Method: "GET", Path: "/k"}, 200},
		{"source IP refused", s3test.Owner,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::%B/*","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}]}`,
			s3test.Request{Method: "GET", Path: "/k"}, 403},
		{"listing a prefix", s3test.Owner,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::%B","Condition":{"StringEquals":{"s3:prefix":"public/"}}}]}`,
			s3test.Request{Method: "GET", Path: "?list-type=2&prefix=public/"}, 200},
		{"listing another prefix", s3test.Owner,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::%B","Condition":{"StringEquals":{"s3:prefix":"public/"}}}]}`,
			s3test.Request{Method: "GET", Path: "?list-type=2"}, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startPolicyServer(t)
			const bucket = "decide"
			newPolicyBucket(t, srv, tc.owner, bucket)
			putPolicy(t, srv.Client, tc.owner, bucket, strings.ReplaceAll(tc.policy, "%B", bucket))
			r := tc.r
			r.Path = "/" + bucket + r.Path
			if res, body := srv.Do(t, r); res.StatusCode != tc.status {
				t.Errorf("%s %s as %q: %d, want %d\n%s", r.Method, r.Path, r.As.Name, res.StatusCode, tc.status, body)
			}
		})
	}
}

// A stored policy is read back when the server starts again.
func TestBucketPolicySurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::kept/*"}]}`
	for i := range 2 {
		store, err := disk.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		h, err := s3api.New(context.Background(), s3api.Config{Backend: store, Users: []s3api.User{s3test.Owner.User()}, Region: s3test.Region})
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(h)
		srv := &s3test.Client{URL: ts.URL, HTTP: ts.Client()}
		if i == 0 {
			srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/kept", As: s3test.Owner})
			srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/kept/k", Body: []byte("x"), As: s3test.Owner})
			putPolicy(t, srv, s3test.Owner, "kept", doc)
		}
		srv.Must(t, 403, s3test.Request{Method: "GET", Path: "/kept/k", As: s3test.Owner})
		if got := string(srv.Must(t, 200, s3test.Request{Method: "GET", Path: "/kept?policy", As: s3test.Owner})); got != doc {
			t.Errorf("start %d: the policy read back: %s", i, got)
		}
		ts.Close()
		_ = store.Close()
	}
}

// An IAM user has no identity policy, and only an identity policy grants ListBuckets and
// CreateBucket (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html,
// API_CreateBucket.html): both are refused, while the account's root user may.
func TestIAMUserServiceOperations(t *testing.T) {
	t.Parallel()
	srv := startPolicyServer(t)
	for _, tc := range []struct {
		name   string
		r      s3test.Request
		status int
	}{
		{"root lists", s3test.Request{Method: "GET", Path: "/", As: teamRoot}, 200},
		{"an IAM user lists", s3test.Request{Method: "GET", Path: "/", As: teamAlice}, 403},
		{"root creates", s3test.Request{Method: "PUT", Path: "/team-root-bucket", As: teamRoot}, 200},
		{"an IAM user creates", s3test.Request{Method: "PUT", Path: "/alice-bucket", As: teamAlice}, 403},
	} {
		if res, body := srv.Do(t, tc.r); res.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d\n%s", tc.name, res.StatusCode, tc.status, body)
		}
	}
}

// DeleteObjects is decided key by key, as s3:DeleteObject on each object: a Deny of some keys
// leaves them, with AccessDenied in the result, and deletes the others
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html).
func TestDeleteObjectsPolicyPerKey(t *testing.T) {
	t.Parallel()
	srv := startPolicyServer(t)
	newPolicyBucket(t, srv, s3test.Owner, "batch")
	srv.Must(t, 200, s3test.Request{Method: "PUT", Path: "/batch/protected/p", Body: []byte("p"), As: s3test.Owner})
	putPolicy(t, srv.Client, s3test.Owner, "batch", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::batch/protected/*"}]}`)
	doc := []byte(`<Delete><Object><Key>k</Key></Object><Object><Key>protected/p</Key></Object></Delete>`)
	body := string(srv.Must(t, 200, s3test.Request{Method: "POST", Path: "/batch?delete", Body: doc, As: s3test.Owner,
		Header: http.Header{"Content-Md5": {s3test.MD5Base64(doc)}}}))
	if !strings.Contains(body, "<Deleted><Key>k</Key></Deleted>") || !strings.Contains(body, "<Error><Key>protected/p</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>") {
		t.Errorf("DeleteObjects: %s", body)
	}
	srv.Must(t, 404, s3test.Request{Method: "HEAD", Path: "/batch/k", As: s3test.Owner})
	srv.Must(t, 200, s3test.Request{Method: "HEAD", Path: "/batch/protected/p", As: s3test.Owner})
}

// A form upload is decided on the key its form names: s3:PutObject on that object's ARN.
func TestPostObjectPolicyKey(t *testing.T) {
	t.Parallel()
	srv := startPolicyServer(t)
	newPolicyBucket(t, srv, s3test.Owner, "form")
	putPolicy(t, srv.Client, s3test.Owner, "form", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::form/uploads/locked/*"}]}`)
	fields := s3test.PostPolicy(t, s3test.Owner, "form", "uploads/", 1<<10, time.Now().Add(time.Hour))
	for _, tc := range []struct {
		key    string
		status int
	}{{"uploads/open.png", 201}, {"uploads/locked/a.png", 403}} {
		if res, body := srv.PostForm(t, "/form", fields, tc.key, "image/png", []byte("png")); res.StatusCode != tc.status {
			t.Errorf("POST %s: %d, want %d\n%s", tc.key, res.StatusCode, tc.status, body)
		}
	}
}
