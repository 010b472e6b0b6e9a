package main

// The mutations the test suite must kill. Each replaces one exact snippet of one file; a
// snippet that no longer occurs exactly once fails the run, so a change to the code it names
// shows up here and the mutation is brought up to date (or replaced by the equivalent one).
// Tests is what runs against the mutant: packages and a -run filter, kept narrow so that the
// whole list runs in minutes.
var mutants = []mutant{
	// Authorisation (s3api/auth.go, s3api/acl.go, s3api/newobject.go, s3api/getobject.go,
	// s3api/copy.go, s3api/post.go).
	{
		Name:  "owner check replaced by authenticated",
		File:  "s3api/auth.go",
		From:  "if authenticated && st.info.Owner == rc.user.id {",
		To:    "if authenticated {",
		Tests: []test{{"./s3api/", "^TestACLMatrix$"}},
	},
	{
		Name:  "anonymous treated as authenticated by authenticated-read",
		File:  "s3api/acl.go",
		From:  "return !write && authenticated",
		To:    "return !write",
		Tests: []test{{"./s3api/", "^TestACLMatrix$"}},
	},
	{
		Name:  "anonymous allowed what needs a signature",
		File:  "s3api/auth.go",
		From:  "\tif a == accessAuthenticated {\n\t\tif !authenticated {\n\t\t\treturn s3err.AccessDenied\n\t\t}\n\t\treturn nil\n\t}",
		To:    "\tif a == accessAuthenticated {\n\t\treturn nil\n\t}",
		Tests: []test{{"./integration/", "^TestSecurity$"}},
	},
	{
		Name:  "public-read grants write",
		File:  "s3api/acl.go",
		From:  "\tcase aclPublicRead:\n\t\treturn !write",
		To:    "\tcase aclPublicRead:\n\t\treturn true",
		Tests: []test{{"./s3api/", "^TestACLMatrix$"}},
	},
	{
		Name:  "canned ACL of a new object ignored",
		File:  "s3api/newobject.go",
		From:  "if acl, err = rc.cannedACL(); err != nil {",
		To:    "if _, err = rc.cannedACL(); err != nil {",
		Tests: []test{{"./s3api/", "^TestACLMatrix$"}},
	},
	{
		Name:  "object ACL not consulted on GetObject",
		File:  "s3api/getobject.go",
		From:  "\tif err := rc.authorizeObject(accessObjectRead, st, &info); err != nil {\n\t\tif obj != nil {",
		To:    "\tif err := rc.authorizeObject(accessObjectRead, st, &storage.ObjectInfo{ACL: aclPublicRead}); err != nil {\n\t\tif obj != nil {",
		Tests: []test{{"./s3api/", "^TestACLMatrix$"}},
	},
	{
		Name:  "copy source readable by anyone",
		File:  "s3api/copy.go",
		From:  "\tif err := rc.authorizeObject(accessObjectRead, st, &info); err != nil {\n\t\treturn",
		To:    "\tif err := rc.authorizeObject(accessObjectRead, st, &storage.ObjectInfo{ACL: aclPublicRead}); err != nil {\n\t\treturn",
		Tests: []test{{"./s3api/", "^TestACLMatrix$"}},
	},
	{
		Name:  "multipart upload open to any writer",
		File:  "s3api/auth.go",
		From:  "if rc.ownerID() == initiator || a == accessUploadOwners",
		To:    "if initiator == initiator || a == accessUploadOwners",
		Tests: []test{{"./s3api/", "^TestACLMatrix$"}},
	},
	{
		Name:  "POST form writes without WRITE on the bucket",
		File:  "s3api/post.go",
		From:  "if err := rc.authorize(accessBucketWrite, st, \"\"); err != nil {",
		To:    "if err := rc.authorize(accessBucketRead, st, \"\"); err != nil {",
		Tests: []test{{"./s3api/", "^TestACLMatrix$"}},
	},

	// Signatures and expiry (s3api/internal/sigv4, s3api/internal/sigv2).
	{
		Name:  "SigV4 signature comparison always true",
		File:  "s3api/internal/sigv4/verify.go",
		From:  "return hmac.Equal(mac, got[:])",
		To:    "return hmac.Equal(mac, mac[:len(got)])",
		Tests: []test{{"./s3api/internal/sigv4/", ""}},
	},
	{
		Name:  "aws-chunked chunk signature never checked",
		File:  "s3api/internal/sigv4/chunked.go",
		From:  "if !hmac.Equal(c.key.sign(mac[:0], sts), sig) {",
		To:    "if !hmac.Equal(c.key.sign(mac[:0], sts), c.key.sign(nil, sts)) {",
		Tests: []test{{"./s3api/internal/sigv4/", ""}},
	},
	{
		Name:  "presigned SigV4 expiry never enforced",
		File:  "s3api/internal/sigv4/verify.go",
		From:  "if req.expires == 0 || now.After(expiry) {",
		To:    "if req.expires == 0 {",
		Tests: []test{{"./s3api/internal/sigv4/", ""}},
	},
	{
		Name:  "SigV2 signature comparison always true",
		File:  "s3api/internal/sigv2/sigv2.go",
		From:  "if err == nil && hmac.Equal(hmacSHA1(secret, head+res+sub), got) {",
		To:    "if err == nil && (hmac.Equal(hmacSHA1(secret, head+res+sub), got) || true) {",
		Tests: []test{{"./s3api/internal/sigv2/", ""}},
	},
	{
		Name:  "POST policy starts-with always true",
		File:  "s3api/internal/postpolicy/policy.go",
		From:  "\tif c.field != \"content-type\" {\n\t\treturn strings.HasPrefix(got, c.value)\n\t}",
		To:    "\tif c.field != \"content-type\" {\n\t\treturn true\n\t}",
		Tests: []test{{"./s3api/internal/postpolicy/", ""}},
	},

	// Ranges (s3api/getobject.go).
	{
		Name:  "range one byte short",
		File:  "s3api/getobject.go",
		From:  "return first, last - first + 1, true, true",
		To:    "return first, last - first, true, true",
		Tests: []test{{"./integration/", "^(TestSDKObjects|TestObjectEdges)$"}},
	},
	{
		Name:  "range end clamped one past the object",
		File:  "s3api/getobject.go",
		From:  "last = min(last, size-1)",
		To:    "last = min(last, size)",
		Tests: []test{{"./integration/", "^(TestSDKObjects|TestObjectEdges)$"}},
	},

	// CORS (cors/).
	{
		Name:  "Vary missing from allowed CORS responses",
		File:  "cors/decision.go",
		From:  "return append(hs, Header{\"Vary\", Vary})",
		To:    "return hs",
		Tests: []test{{"./cors/", ""}},
	},
	{
		Name:  "CORS rules matched whatever the method",
		File:  "cors/policy.go",
		From:  "\t\tset[w] &= among[w]\n",
		To:    "",
		Tests: []test{{"./cors/", ""}},
	},
	{
		Name:  "wildcard origin prefix and suffix may overlap",
		File:  "cors/internal/wildcard/wildcard.go",
		From:  "\treturn len(s) >= len(p.prefix)+len(p.suffix) &&\n\t\tstrings.HasPrefix(s, p.prefix)",
		To:    "\treturn strings.HasPrefix(s, p.prefix)",
		Tests: []test{{"./cors/...", ""}},
	},
	{
		Name:  "origins compared ignoring case",
		File:  "cors/internal/wildcard/wildcard.go",
		From:  "\tif !p.star {\n\t\treturn s == p.prefix\n\t}",
		To:    "\tif !p.star {\n\t\treturn strings.EqualFold(s, p.prefix)\n\t}",
		Tests: []test{{"./cors/...", ""}},
	},

	// Checksums and digests (storage/disk, s3api/internal/checksum).
	{
		Name:  "declared checksum never compared",
		File:  "storage/disk/checksum.go",
		From:  "if want != \"\" && b64(got) != want {",
		To:    "if want != \"\" && b64(got) == \"\" {",
		Tests: []test{{"./storage/disk/", ""}, {"./integration/", "^TestSDKChecksums$"}},
	},
	{
		Name:  "Content-MD5 never compared",
		File:  "storage/disk/objects.go",
		From:  "if contentMD5 != nil && !bytes.Equal(contentMD5, st.md5) {",
		To:    "if contentMD5 != nil && bytes.Equal(contentMD5, nil) {",
		Tests: []test{{"./storage/disk/", ""}},
	},
	{
		Name:  "streamed digest (payload hash, trailer checksum) never compared",
		File:  "s3api/internal/checksum/checksum.go",
		From:  "if got := r.h.Sum(nil); !bytes.Equal(got, r.want) {",
		To:    "if got := r.h.Sum(nil); bytes.Equal(got, nil) {",
		Tests: []test{{"./s3api/...", ""}},
	},
	{
		Name:  "configuration body checksum never compared",
		File:  "s3api/body.go",
		From:  "if sum.Algorithm != \"\" && sum.Algorithm.Sum(body) != sum.Value {",
		To:    "if sum.Algorithm != \"\" && sum.Value == \"\" {",
		Tests: []test{{"./s3api/", "^TestConfigurationBodyDigests$"}},
	},
	{
		Name:  "configuration body Content-MD5 never compared",
		File:  "s3api/body.go",
		From:  "if sum := md5.Sum(body); md5sum != nil && !bytes.Equal(sum[:], md5sum) {",
		To:    "if sum := md5.Sum(body); md5sum != nil && bytes.Equal(sum[:0], md5sum) {",
		Tests: []test{{"./s3api/", "^TestConfigurationBodyDigests$"}},
	},
	// Bodies, scopes and bucket identity.
	{
		Name:  "final aws-chunked chunk's signature not verified",
		File:  "s3api/internal/sigv4/chunked.go",
		From:  "\t\tsum := sha256.Sum256(nil)\n\t\tif err := c.verifyChunk(sum[:]); err != nil {\n\t\t\treturn err",
		To:    "\t\tsum := sha256.Sum256(nil)\n\t\tif err := c.verifyChunk(sum[:]); err != nil {\n\t\t\t_ = err",
		Tests: []test{{"./s3api/internal/sigv4/", "^TestChunkedAttacks$"}},
	},
	{
		Name:  "aws-chunked trailing checksum not compared",
		File:  "s3api/internal/sigv4/chunked.go",
		From:  "if !bytes.Equal(c.sum.Sum(nil), want) {",
		To:    "if bytes.Equal(want, want) && false {",
		Tests: []test{{"./s3api/internal/sigv4/", "^TestChunkedAttacks$"}},
	},
	{
		Name:  "body read only up to its declared size",
		File:  "storage/disk/store.go",
		From:  "\t\tmax = size + 1\n",
		To:    "\t\tmax = size\n",
		Tests: []test{{"./storage/disk/", "^TestConformance$/^Objects$/^Put$"}},
	},
	{
		Name:  "credential scope region not checked",
		File:  "s3api/internal/sigv4/verify.go",
		From:  "if v.region != \"\" && req.region != v.region {",
		To:    "if v.region != \"\" && req.region != req.region {",
		Tests: []test{{"./s3api/internal/sigv4/", ""}},
	},
	{
		Name:  "write commits into whatever bucket has the name",
		File:  "storage/disk/records.go",
		From:  "\tif rec.ID != id {",
		To:    "\tif rec.ID != rec.ID {",
		Tests: []test{{"./storage/disk/", "^TestConformance$/^BucketIdentity$"}},
	},
	// The data directory: its format and its one owner.
	{
		Name:  "metadata of an unknown format read anyway",
		File:  "storage/disk/records.go",
		From:  "if string(v) != strconv.Itoa(formatVersion) {",
		To:    "if string(v) == \"\" {",
		Tests: []test{{"./storage/disk/", "^TestOpenUnknownFormat$"}},
	},
	{
		Name:  "a failed Open leaves the directories it created",
		File:  "storage/disk/store.go",
		From:  "\t\tos.Remove(c.dirs[i])\n",
		To:    "\t\t_ = c.dirs[i]\n",
		Tests: []test{{"./storage/disk/", "^TestFailedOpenCreatesNothing$"}},
	},
	{
		Name:  "a failed Open leaves the database it made",
		File:  "storage/disk/store.go",
		From:  "\t\tmade.files = append(made.files, dbPath)\n",
		To:    "\t\t_ = dbPath\n",
		Tests: []test{{"./storage/disk/", "^TestFailedOpenCreatesNothing$"}},
	},
	{
		Name:  "a dangling link to the data directory is not reported",
		File:  "storage/disk/store.go",
		From:  "if target, lerr := os.Readlink(path); lerr == nil {",
		To:    "if target, lerr := os.Readlink(path); lerr != nil {",
		Tests: []test{{"./storage/disk/", "^TestFailedOpenCreatesNothing$"}},
	},
	{
		Name:  "a directory that was there counts as made by Open",
		File:  "storage/disk/store.go",
		From:  "\tcase err == nil:\n\t\tc.dirs = append(c.dirs, dir)\n",
		To:    "\tcase err == nil || errors.Is(err, os.ErrExist):\n\t\tc.dirs = append(c.dirs, dir)\n",
		Tests: []test{{"./storage/disk/", "^TestFailedOpenCreatesNothing$"}},
	},
	{
		Name:  "an Open that waited keeps the meta.db a failed start removed",
		File:  "storage/disk/store.go",
		From:  "if current(file, path) {",
		To:    "if file != nil {",
		Tests: []test{{"./storage/disk/", "^TestOpenAfterDiscardWhileWaiting$"}},
	},
	{
		Name:  "a directory in use names a dead process",
		File:  "storage/disk/inuse.go",
		From:  "if err == nil && pid > 0 && running(pid) {",
		To:    "if err == nil && pid > 0 {",
		Tests: []test{{"./storage/disk/", "^TestOpenInUse$"}},
	},
}
