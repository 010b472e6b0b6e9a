package acl_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/doorman-s3/doorman/acl"
)

// Documentation pages the tables follow.
const (
	docCanned      = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl"
	docPermissions = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#permissions"
	docGrantees    = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#specifying-grantee"
	docGroups      = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#specifying-grantee-predefined-groups"
	docPublic      = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status"
	docIgnore      = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-options"
	docEnforced    = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-error-responses.html"
	docDelegation  = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-walkthroughs-managing-access-example3.html"
)

// The accounts of the tables: owner owns the bucket (and its own objects), writer owns an
// object it wrote to owner's bucket, grantee is the account explicit grants name, other an
// account nothing names.
const (
	owner   = "owner-canonical-id"
	writer  = "writer-canonical-id"
	grantee = "grantee-canonical-id"
	other   = "other-canonical-id"
)

func user(id string, p acl.Permission) acl.Grant {
	return acl.Grant{Grantee: acl.Grantee{Type: acl.TypeCanonicalUser, ID: id}, Permission: p}
}

func group(uri string, p acl.Permission) acl.Grant {
	return acl.Grant{Grantee: acl.Grantee{Type: acl.TypeGroup, URI: uri}, Permission: p}
}

func email(address string, p acl.Permission) acl.Grant {
	return acl.Grant{Grantee: acl.Grantee{Type: acl.TypeEmail, EmailAddress: address}, Permission: p}
}

var allPermissions = []acl.Permission{acl.Read, acl.Write, acl.ReadACP, acl.WriteACP, acl.FullControl}

var cannedNames = []string{acl.Private, acl.PublicRead, acl.PublicReadWrite, acl.AuthenticatedRead, acl.AWSExecRead, acl.BucketOwnerRead, acl.BucketOwnerFullControl}

func TestIsCanned(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
		doc  string
	}{
		{acl.Private, true, docCanned},
		{acl.PublicRead, true, docCanned},
		{acl.PublicReadWrite, true, docCanned},
		{acl.AuthenticatedRead, true, docCanned},
		{acl.AWSExecRead, true, docCanned},
		{acl.BucketOwnerRead, true, docCanned},
		{acl.BucketOwnerFullControl, true, docCanned},
		{"log-delivery-write", false, docCanned + " (a bucket's canned ACL for log delivery, which doorman does not have)"},
		{"Private", false, docCanned + " (names are case-sensitive)"},
		{"", false, docCanned},
	} {
		if got := acl.IsCanned(tc.name); got != tc.want {
			t.Errorf("IsCanned(%q) = %v, want %v (%s)", tc.name, got, tc.want, tc.doc)
		}
	}
}

func TestExpand(t *testing.T) {
	for _, tc := range []struct {
		name               string
		a                  acl.ACL
		owner, bucketOwner string
		want               []acl.Grant
		doc                string
	}{
		// Buckets: the owner is the bucket's owner, so the bucket-owner-* ACLs add nothing
		// ("If you specify this canned ACL when creating a bucket, Amazon S3 ignores it").
		{"bucket private", acl.ACL{Canned: acl.Private}, owner, owner, []acl.Grant{user(owner, acl.FullControl)}, docCanned},
		{"bucket public-read", acl.ACL{Canned: acl.PublicRead}, owner, owner, []acl.Grant{user(owner, acl.FullControl), group(acl.AllUsers, acl.Read)}, docCanned},
		{"bucket public-read-write", acl.ACL{Canned: acl.PublicReadWrite}, owner, owner, []acl.Grant{user(owner, acl.FullControl), group(acl.AllUsers, acl.Read), group(acl.AllUsers, acl.Write)}, docCanned},
		{"bucket authenticated-read", acl.ACL{Canned: acl.AuthenticatedRead}, owner, owner, []acl.Grant{user(owner, acl.FullControl), group(acl.AuthenticatedUsers, acl.Read)}, docCanned},
		{"bucket aws-exec-read", acl.ACL{Canned: acl.AWSExecRead}, owner, owner, []acl.Grant{user(owner, acl.FullControl)}, docCanned + " (EC2's READ is not modelled: no EC2 reads AMI bundles here)"},
		{"bucket bucket-owner-read", acl.ACL{Canned: acl.BucketOwnerRead}, owner, owner, []acl.Grant{user(owner, acl.FullControl)}, docCanned},
		{"bucket bucket-owner-full-control", acl.ACL{Canned: acl.BucketOwnerFullControl}, owner, owner, []acl.Grant{user(owner, acl.FullControl)}, docCanned},
		// Objects another account wrote to owner's bucket.
		{"object private", acl.ACL{Canned: acl.Private}, writer, owner, []acl.Grant{user(writer, acl.FullControl)}, docCanned},
		{"object public-read", acl.ACL{Canned: acl.PublicRead}, writer, owner, []acl.Grant{user(writer, acl.FullControl), group(acl.AllUsers, acl.Read)}, docCanned},
		{"object public-read-write", acl.ACL{Canned: acl.PublicReadWrite}, writer, owner, []acl.Grant{user(writer, acl.FullControl), group(acl.AllUsers, acl.Read), group(acl.AllUsers, acl.Write)}, docCanned},
		{"object authenticated-read", acl.ACL{Canned: acl.AuthenticatedRead}, writer, owner, []acl.Grant{user(writer, acl.FullControl), group(acl.AuthenticatedUsers, acl.Read)}, docCanned},
		{"object aws-exec-read", acl.ACL{Canned: acl.AWSExecRead}, writer, owner, []acl.Grant{user(writer, acl.FullControl)}, docCanned},
		{"object bucket-owner-read", acl.ACL{Canned: acl.BucketOwnerRead}, writer, owner, []acl.Grant{user(writer, acl.FullControl), user(owner, acl.Read)}, docCanned},
		{"object bucket-owner-full-control", acl.ACL{Canned: acl.BucketOwnerFullControl}, writer, owner, []acl.Grant{user(writer, acl.FullControl), user(owner, acl.FullControl)}, docCanned},
		{"object of the bucket's owner, bucket-owner-full-control", acl.ACL{Canned: acl.BucketOwnerFullControl}, owner, owner, []acl.Grant{user(owner, acl.FullControl)}, docCanned},
		// Explicit grants are shown as they are: the owner gets no implicit grant.
		{"explicit grants in order", acl.ACL{Grants: []acl.Grant{group(acl.LogDelivery, acl.Write), user(grantee, acl.ReadACP), user(owner, acl.FullControl)}}, owner, owner,
			[]acl.Grant{group(acl.LogDelivery, acl.Write), user(grantee, acl.ReadACP), user(owner, acl.FullControl)}, "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketAcl.html"},
		{"no grants", acl.ACL{}, owner, owner, nil, "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAcl.html"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.Expand(tc.owner, tc.bucketOwner); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Expand = %v, want %v (%s)", got, tc.want, tc.doc)
			}
		})
	}
}

// callers are the kinds of caller every Allows row is asked for.
var callers = []struct {
	name string
	c    acl.Caller
}{
	{"anonymous", acl.Caller{}},
	{"another account's root", acl.Caller{ID: other, Root: true}},
	{"an IAM user of the granted account", acl.Caller{ID: grantee, Root: false}},
	{"the granted account's root", acl.Caller{ID: grantee, Root: true}},
	{"the owner's root", acl.Caller{ID: owner, Root: true}},
}

// allowsCase is one question to Allows, shared by TestAllows and BenchmarkAllows.
type allowsCase struct {
	name               string
	a                  acl.ACL
	c                  acl.Caller
	p                  acl.Permission
	owner, bucketOwner string
	ignorePublic       bool
	want               bool
	doc                string
}

// allowsCases crosses every permission with every grantee kind, granted permission and caller
// kind, and every canned ACL with every caller and permission, with and without
// ignorePublic. The answers come from the reach table (who a grantee kind reaches) and the
// implication table (what a granted permission gives), not from the package.
func allowsCases() []allowsCase {
	// reach: for each grantee kind, the callers (by index in callers) it reaches.
	reach := []struct {
		name    string
		g       acl.Grant // Permission is replaced
		reaches [5]bool
		public  bool // ignored under IgnorePublicAcls
		doc     string
	}{
		{"canonical user", user(grantee, ""), [5]bool{false, false, false, true, false}, false, docGrantees + " and " + docDelegation + " (an ACL grants to an account; its users need an identity policy)"},
		{"AllUsers", group(acl.AllUsers, ""), [5]bool{true, true, true, true, true}, true, docGroups},
		{"AuthenticatedUsers", group(acl.AuthenticatedUsers, ""), [5]bool{false, true, true, true, true}, true, docGroups},
		{"LogDelivery", group(acl.LogDelivery, ""), [5]bool{}, false, docGroups + " (no log delivery exists)"},
		{"unresolved e-mail", email("grantee@example.com", ""), [5]bool{}, false, docGrantees + " (an address reaches its account once resolved)"},
	}
	var cases []allowsCase
	for _, r := range reach {
		for _, granted := range allPermissions {
			for _, asked := range allPermissions {
				for i, c := range callers {
					for _, ignore := range []bool{false, true} {
						g := r.g
						g.Permission = granted
						want := r.reaches[i] && impliesTable[[2]acl.Permission{granted, asked}] && !(ignore && r.public)
						cases = append(cases, allowsCase{
							name: fmt.Sprintf("%s %s, %s asks %s, ignorePublic %v", r.name, granted, c.name, asked, ignore),
							a:    acl.ACL{Grants: []acl.Grant{g}}, c: c.c, p: asked, owner: owner, bucketOwner: owner,
							ignorePublic: ignore, want: want, doc: r.doc + "; " + docPermissions,
						})
					}
				}
			}
		}
	}
	// canned: for each canned ACL of an object writer wrote to owner's bucket, what each kind
	// of caller (anonymous, another root, owner's IAM user, writer's root, owner's root) may.
	rw := []acl.Permission{acl.Read, acl.Write}
	r := []acl.Permission{acl.Read}
	canned := []struct {
		name    string
		permits [5][]acl.Permission
		public  bool
	}{
		{acl.Private, [5][]acl.Permission{nil, nil, nil, allPermissions, nil}, false},
		{acl.PublicRead, [5][]acl.Permission{r, r, r, allPermissions, r}, true},
		{acl.PublicReadWrite, [5][]acl.Permission{rw, rw, rw, allPermissions, rw}, true},
		{acl.AuthenticatedRead, [5][]acl.Permission{nil, r, r, allPermissions, r}, true},
		{acl.AWSExecRead, [5][]acl.Permission{nil, nil, nil, allPermissions, nil}, false},
		{acl.BucketOwnerRead, [5][]acl.Permission{nil, nil, nil, allPermissions, r}, false},
		{acl.BucketOwnerFullControl, [5][]acl.Permission{nil, nil, nil, allPermissions, allPermissions}, false},
	}
	cannedCallers := [5]acl.Caller{{}, {ID: other, Root: true}, {ID: owner, Root: false}, {ID: writer, Root: true}, {ID: owner, Root: true}}
	cannedCallerNames := [5]string{"anonymous", "another account's root", "an IAM user of the bucket owner", "the object writer's root", "the bucket owner's root"}
	for _, cn := range canned {
		for i, c := range cannedCallers {
			for _, asked := range allPermissions {
				for _, ignore := range []bool{false, true} {
					want := contains(cn.permits[i], asked)
					if ignore && cn.public && i != 3 {
						want = false // only the writer's own grant is left
					}
					cases = append(cases, allowsCase{
						name: fmt.Sprintf("canned %s, %s asks %s, ignorePublic %v", cn.name, cannedCallerNames[i], asked, ignore),
						a:    acl.ACL{Canned: cn.name}, c: c, p: asked, owner: writer, bucketOwner: owner,
						ignorePublic: ignore, want: want, doc: docCanned + "; " + docIgnore,
					})
				}
			}
		}
	}
	return cases
}

// impliesTable says which granted permission (first) gives which asked one (second): each
// itself, and FULL_CONTROL all of them ("Allows grantee the READ, WRITE, READ_ACP, and
// WRITE_ACP permissions", acl-overview.html#permissions).
var impliesTable = func() map[[2]acl.Permission]bool {
	m := map[[2]acl.Permission]bool{}
	for _, p := range allPermissions {
		m[[2]acl.Permission{p, p}] = true
		m[[2]acl.Permission{acl.FullControl, p}] = true
	}
	return m
}()

func contains(ps []acl.Permission, p acl.Permission) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

func TestAllows(t *testing.T) {
	for _, tc := range allowsCases() {
		if got := tc.a.Allows(tc.c, tc.p, tc.owner, tc.bucketOwner, tc.ignorePublic); got != tc.want {
			t.Errorf("%s: Allows = %v, want %v (%s)", tc.name, got, tc.want, tc.doc)
		}
	}
}

// TestAllowsSeveralGrants checks that any one grant of a list suffices, whatever its place.
func TestAllowsSeveralGrants(t *testing.T) {
	a := acl.ACL{Grants: []acl.Grant{user(other, acl.Read), group(acl.LogDelivery, acl.Write), user(grantee, acl.WriteACP)}}
	for _, tc := range []struct {
		c    acl.Caller
		p    acl.Permission
		want bool
	}{
		{acl.Caller{ID: grantee, Root: true}, acl.WriteACP, true},
		{acl.Caller{ID: grantee, Root: true}, acl.Read, false},
		{acl.Caller{ID: other, Root: true}, acl.Read, true},
		{acl.Caller{ID: other, Root: true}, acl.WriteACP, false},
	} {
		if got := a.Allows(tc.c, tc.p, owner, owner, false); got != tc.want {
			t.Errorf("Allows(%+v, %s) = %v, want %v (%s)", tc.c, tc.p, got, tc.want, docPermissions)
		}
	}
}

// TestAllowsCannedDoesNotAllocate holds Allows to its promise for canned ACLs, which
// authorization asks on every request.
func TestAllowsCannedDoesNotAllocate(t *testing.T) {
	for _, tc := range allowsCases() {
		if tc.a.Canned == "" {
			continue
		}
		if n := testing.AllocsPerRun(10, func() { tc.a.Allows(tc.c, tc.p, tc.owner, tc.bucketOwner, tc.ignorePublic) }); n != 0 {
			t.Errorf("%s: %v allocations", tc.name, n)
		}
	}
}

func BenchmarkAllows(b *testing.B) {
	cases := allowsCases()
	for _, kind := range []string{"canned", "explicit"} {
		b.Run(kind, func(b *testing.B) {
			var subset []allowsCase
			for _, tc := range cases {
				if (tc.a.Canned != "") == (kind == "canned") {
					subset = append(subset, tc)
				}
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				tc := &subset[i%len(subset)]
				tc.a.Allows(tc.c, tc.p, tc.owner, tc.bucketOwner, tc.ignorePublic)
			}
		})
	}
}

func TestPublic(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    acl.ACL
		want bool
	}{
		{"private", acl.ACL{Canned: acl.Private}, false},
		{"public-read", acl.ACL{Canned: acl.PublicRead}, true},
		{"public-read-write", acl.ACL{Canned: acl.PublicReadWrite}, true},
		{"authenticated-read", acl.ACL{Canned: acl.AuthenticatedRead}, true},
		{"aws-exec-read", acl.ACL{Canned: acl.AWSExecRead}, false},
		{"bucket-owner-read", acl.ACL{Canned: acl.BucketOwnerRead}, false},
		{"bucket-owner-full-control", acl.ACL{Canned: acl.BucketOwnerFullControl}, false},
		{"no grants", acl.ACL{}, false},
		{"AllUsers READ_ACP", acl.ACL{Grants: []acl.Grant{user(grantee, acl.Read), group(acl.AllUsers, acl.ReadACP)}}, true},
		{"AuthenticatedUsers WRITE", acl.ACL{Grants: []acl.Grant{group(acl.AuthenticatedUsers, acl.Write)}}, true},
		{"LogDelivery", acl.ACL{Grants: []acl.Grant{group(acl.LogDelivery, acl.FullControl)}}, false},
		{"accounts only", acl.ACL{Grants: []acl.Grant{user(grantee, acl.FullControl), email("a@example.com", acl.Read)}}, false},
	} {
		if got := tc.a.Public(); got != tc.want {
			t.Errorf("%s: Public = %v, want %v (%s)", tc.name, got, tc.want, docPublic)
		}
	}
}

func TestOwnerFullControlOnly(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    acl.ACL
		want bool
	}{
		{"private", acl.ACL{Canned: acl.Private}, true},
		{"bucket-owner-full-control", acl.ACL{Canned: acl.BucketOwnerFullControl}, true},
		{"public-read", acl.ACL{Canned: acl.PublicRead}, false},
		{"public-read-write", acl.ACL{Canned: acl.PublicReadWrite}, false},
		{"authenticated-read", acl.ACL{Canned: acl.AuthenticatedRead}, false},
		{"aws-exec-read", acl.ACL{Canned: acl.AWSExecRead}, false},
		{"bucket-owner-read", acl.ACL{Canned: acl.BucketOwnerRead}, false},
		{"the bucket owner's FULL_CONTROL", acl.ACL{Grants: []acl.Grant{user(owner, acl.FullControl)}}, true},
		{"another account's FULL_CONTROL", acl.ACL{Grants: []acl.Grant{user(grantee, acl.FullControl)}}, false},
		{"the bucket owner's READ", acl.ACL{Grants: []acl.Grant{user(owner, acl.Read)}}, false},
		{"and one more grant", acl.ACL{Grants: []acl.Grant{user(owner, acl.FullControl), user(grantee, acl.Read)}}, false},
		{"no grants", acl.ACL{}, false},
		{"by e-mail", acl.ACL{Grants: []acl.Grant{email("owner@example.com", acl.FullControl)}}, false},
	} {
		if got := tc.a.OwnerFullControlOnly(owner); got != tc.want {
			t.Errorf("%s: OwnerFullControlOnly = %v, want %v (%s)", tc.name, got, tc.want, docEnforced)
		}
	}
}
