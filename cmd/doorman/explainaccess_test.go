package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// explainPolicy is a public-website policy with a Deny outside an office network, as in
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html.
const explainPolicy = `{"Version":"2012-10-17","Statement":[
 {"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"},
 {"Sid":"OfficeOnly","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::site/*",
  "Condition":{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}},
 {"Sid":"Homes","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:user/alice","arn:aws:iam::111122223333:user/bob"]},"Action":"s3:PutObject","Resource":"arn:aws:s3:::site/home/${aws:username}/*"}]}`

// explain-access prints the decision, the deciding statement and why each other one does not
// apply; its exit status says whether the policy allows.
func TestExplainAccess(t *testing.T) {
	file := writeFile(t, "policy.json", explainPolicy)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string // lines the output contains
	}{
		{"anonymous read from the office", []string{"--principal", "*", "--action", "s3:GetObject", "--bucket", "site", "--key", "index.html", "--context", "aws:SourceIp=192.0.2.7"}, 0,
			[]string{"Request: s3:GetObject on arn:aws:s3:::site/index.html by anonymous", `Decision: Allow by statement 1 (Sid "PublicRead")`,
				`statement 2 (Sid "OfficeOnly") Deny: does not apply: `}},
		{"anonymous read from elsewhere", []string{"--principal", "anonymous", "--action", "s3:GetObject", "--resource", "arn:aws:s3:::site/index.html", "--context", "aws:SourceIp=198.51.100.1"}, 1,
			[]string{`Decision: Deny by statement 2 (Sid "OfficeOnly")`, `statement 2 (Sid "OfficeOnly") Deny: applies  <- decides`}},
		{"an IAM user in its own prefix", []string{"--principal", "arn:aws:iam::111122223333:user/alice", "--action", "s3:PutObject", "--bucket", "site", "--key", "home/alice/a", "--context", "aws:SourceIp=192.0.2.7"}, 0,
			[]string{`Decision: Allow by statement 3 (Sid "Homes")`}},
		{"an IAM user in another's prefix", []string{"--principal", "arn:aws:iam::111122223333:user/bob", "--action", "s3:PutObject", "--bucket", "site", "--key", "home/alice/a", "--context", "aws:SourceIp=192.0.2.7"}, 1,
			[]string{"Decision: NoEffect (no statement applies: the bucket owner's root user and the ACLs decide)"}},
		{"a bad principal", []string{"--principal", "bob", "--action", "s3:GetObject", "--bucket", "site"}, 2, []string{`--principal "bob"`}},
		{"a bad context", []string{"--action", "s3:GetObject", "--bucket", "site", "--context", "aws:SourceIp"}, 2, []string{`--context "aws:SourceIp": want KEY=VALUE`}},
		{"no resource", []string{"--action", "s3:GetObject"}, 2, []string{"name the resource"}},
	} {
		out, code := execute(t, append([]string{"explain-access", "--policy", file}, tc.args...)...)
		if code != tc.code {
			t.Errorf("%s: exit %d, want %d\n%s", tc.name, code, tc.code, out)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: output lacks %q:\n%s", tc.name, w, out)
			}
		}
	}
}

func TestExplainAccessJSON(t *testing.T) {
	file := writeFile(t, "policy.json", explainPolicy)
	out, code := execute(t, "explain-access", "--policy", file, "--principal", "111122223333", "--action", "s3:GetObject",
		"--bucket", "site", "--key", "a", "--context", "aws:SourceIp=10.0.0.1", "--json")
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var r accessReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if r.Decision != "Deny" || r.Statement == nil || *r.Statement != 2 || r.Principal != "arn:aws:iam::111122223333:root" ||
		len(r.Statements) != 3 || !r.Statements[0].Applies || r.Statements[0].Why != "" || r.Statements[2].Applies || r.Statements[2].Why == "" {
		t.Errorf("report: %+v", r)
	}
}

// With --endpoint the policy is read with GetBucketPolicy, signed with the keys of the
// environment, and a policy S3 would refuse is reported as such.
func TestExplainAccessEndpoint(t *testing.T) {
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		if r.URL.Path != "/site" || !r.URL.Query().Has("policy") {
			http.Error(w, "unexpected "+r.URL.String(), http.StatusBadRequest)
			return
		}
		_, _ = w.Write([]byte(explainPolicy))
	}))
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXPLAIN")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "explain-secret")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	out, code := execute(t, "explain-access", "--endpoint", srv.URL, "--bucket", "site", "--key", "index.html",
		"--action", "s3:GetObject", "--context", "aws:SourceIp=192.0.2.1")
	if code != 0 || !strings.Contains(out, "Policy: "+srv.URL+"/site?policy") || !strings.Contains(out, "Decision: Allow") {
		t.Errorf("exit %d\n%s", code, out)
	}
	if !strings.Contains(auth, "Credential=AKIDEXPLAIN/") {
		t.Errorf("GetBucketPolicy signed with %q", auth)
	}
}
