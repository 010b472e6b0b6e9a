// The access cases: a bucket made public with a bucket policy, as a web app's public assets are
// published on Amazon S3 today (new buckets have Block Public Access on and ACLs disabled, so
// the public access block is deleted and a policy grants s3:GetObject to everyone), read by a
// page on an origin the bucket's CORS rule allows. Then a Deny statement applies, and the page
// must see S3's 403 itself, not a CORS failure: the refusal carries the rule's CORS headers,
// because CORS decides which headers an answer carries and access control decides the answer
// (docs/access.md, and docs/s3-cors.md's "Errors carry CORS headers").
//
// Each row's bucket, c<case>-<engine> (ca1-chromium), is private until the row deletes its public access block
// and puts its policy; `server` lists what doorman logged for the bucket once the page was
// open: the page's GETs, and the bucket owner's PutBucketPolicy when the row changes the policy
// in between. `expect` is as in cases.js. The E2E_MUTATE mutation `no-cors-rules` uploads no
// CORS rule at all: every row then fails, the page's fetch() being blocked.
//
// Sources: https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html
// (public read of a prefix, restricting by aws:Referer),
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html,
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html.
'use strict';

const { DeletePublicAccessBlockCommand, PutBucketPolicyCommand } = require('@aws-sdk/client-s3');

// errorCode reads the Code element of an S3 error body.
const errorCode = (body) => (/<Code>([^<]*)<\/Code>/.exec(body || '') || [])[1];

// read summarises what the page's fetch() saw: the status and the body (the error's code for
// an error answer), or "blocked" when the engine withheld the answer from the page.
function read(r) {
  if (!r.ok) return 'blocked';
  return r.status === 200 ? `ok 200 "${r.body}"` : `ok ${r.status} ${errorCode(r.body)}`;
}

// The statements: everyone may read the bucket's site/ prefix (a public website's assets);
// the Deny statements refuse that read again, for a key prefix or for pages on other sites.
const publicRead = (b) => ({
  Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/site/*`,
});
const denyPrefix = (b, prefix) => ({
  Sid: 'DenyPrefix', Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/${prefix}*`,
});
// AWS's hotlinking example restricts by aws:Referer; the page's fetch() sends its origin as the
// Referer (the default referrer policy, strict-origin-when-cross-origin).
const denyOtherReferers = (b, origin) => ({
  Sid: 'DenyOtherSites', Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/site/*`,
  Condition: { StringNotLike: { 'aws:Referer': [`${origin}/*`] } },
});

async function putPolicy(t, bucket, statements) {
  await t.d.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }));
}

// publicBucket creates the row's bucket with a CORS rule for the given origins (GET), the
// objects, no public access block, and a policy of the given statements.
async function publicBucket(t, origins, objects, statements) {
  const b = await t.bucket('', { cors: [{ AllowedOrigins: origins, AllowedMethods: ['GET'] }], objects });
  await t.d.s3.send(new DeletePublicAccessBlockCommand({ Bucket: b }));
  await putPolicy(t, b, statements(b));
  return b;
}

const cases = [
  // 1. The same object, read by the page before and after the owner adds a Deny statement.
  {
    id: 'a1', title: 'access: a policy-public object read from an allowed origin, then refused by a Deny statement',
    async run(t) {
      const b = await publicBucket(t, [t.APP], [{ key: 'site/index.txt', body: 'hello' }], (name) => [publicRead(name)]);
      await t.open(t.APP);
      const before = await t.page('fetch', { url: t.url(b, 'site/index.txt'), cache: 'no-store' });
      await putPolicy(t, b, [publicRead(b), denyPrefix(b, 'site/')]);
      const after = await t.page('fetch', { url: t.url(b, 'site/index.txt'), cache: 'no-store' });
      return `${read(before)}, under the Deny ${read(after)}`;
    },
    expect: {
      outcome: 'ok 200 "hello", under the Deny ok 403 AccessDenied',
      server: ['GetObject 200', 'PutBucketPolicy 204', 'GetObject 403'],
      note: 'the refusal carries the CORS headers of the rule that matched, so the page reads the 403 and its error code',
    },
  },
  // 2. Hotlink protection: the policy denies reads whose Referer is not the app's site. Both
  // pages' origins are allowed by the CORS rule; only the policy tells them apart.
  {
    id: 'a2', title: 'access: a Deny on aws:Referer refuses the other site\'s page, which still reads the 403',
    async run(t) {
      const b = await publicBucket(t, [t.APP, t.OTHER], [{ key: 'site/index.txt', body: 'hello' }],
        (name) => [publicRead(name), denyOtherReferers(name, t.APP)]);
      const seen = [];
      for (const origin of [t.APP, t.OTHER]) {
        await t.navigate(origin);
        seen.push(`${new URL(origin).hostname} ${read(await t.page('fetch', { url: t.url(b, 'site/index.txt'), cache: 'no-store' }))}`);
      }
      return seen.join(', ');
    },
    expect: {
      outcome: 'app.test ok 200 "hello", other.test ok 403 AccessDenied',
      server: ['GetObject 200', 'GetObject 403'],
      note: 'the Referer a page sends is its origin; the Deny applies to the other site only, and its 403 carries the CORS headers',
    },
  },
];

module.exports = { cases };
