// The Object Lock case: a page uploads a record to a bucket with Object Lock and a default
// GOVERNANCE retention, as a compliance archive's upload form does, reads the version id and
// the retention S3 gave it (x-amz-object-lock-mode, x-amz-object-lock-retain-until-date on the
// GET), and its attempt to delete that version is refused with 403 AccessDenied, which it can
// read because the refusal carries the rule's CORS headers (l1). The lock headers are exposed
// like any other (ExposeHeader); a PUT into a bucket with a default retention must carry
// Content-MD5 or a checksum, so the page sends Content-MD5, signed into the presigned URL.
//
// The row's bucket, cl1-<engine>, is private, created with Object Lock (and so versioning
// Enabled), with one CORS rule for the page's origin; the runner presigns every URL the page
// uses. `expect` is as in cases.js.
//
// E2E_MUTATE=drop-expose-headers uploads the rule without its ExposeHeader: the PUT still
// succeeds and the DELETE is still refused, but the page reads neither the version id nor the
// retention, and the row fails, as it must.
//
// Sources: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html,
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectLockConfiguration.html,
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html (x-amz-object-lock-*),
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html (Content-MD5 with Object
// Lock), https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html (ExposeHeader).
'use strict';

const crypto = require('node:crypto');
const {
  PutObjectLockConfigurationCommand, PutObjectCommand, GetObjectCommand, DeleteObjectCommand, ListObjectVersionsCommand,
} = require('@aws-sdk/client-s3');

const KEY = 'record.json';
const BODY = '{"invoice":42}';

// lockConfiguration puts a bucket's Object Lock configuration. Over a MinIO cluster (the
// scale-out topology), a node that has not yet heard of the bucket another node created with
// Object Lock refuses it, 409 InvalidBucketState "Object Lock configuration cannot be enabled
// on existing buckets", for a moment: that refusal is tried again, for at most 3 s. The
// case is about what the page sees, not about how fast MinIO's nodes share a bucket's
// metadata.
async function lockConfiguration(t, bucket, conf) {
  for (let tries = 1; ; tries++) {
    try {
      return await t.d.s3.send(new PutObjectLockConfigurationCommand({ Bucket: bucket, ObjectLockConfiguration: conf }));
    } catch (e) {
      if ((e.Code || e.name) !== 'InvalidBucketState' || tries === 15) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const cases = [
  {
    id: 'l1', title: 'Object Lock: presigned PUT into a bucket with a default retention, the retention read, the version\'s DELETE refused and read',
    async run(t) {
      const b = await t.bucket('', {
        objectLock: true,
        cors: [{
          AllowedOrigins: [t.APP], AllowedMethods: ['PUT', 'GET', 'DELETE'], AllowedHeaders: ['content-type', 'content-md5'],
          ExposeHeaders: ['x-amz-version-id', 'x-amz-object-lock-mode', 'x-amz-object-lock-retain-until-date'],
        }],
      });
      const md5 = crypto.createHash('md5').update(BODY).digest('base64');
      const conf = { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } };
      await lockConfiguration(t, b, conf);
      const putURL = await t.d.presign(new PutObjectCommand({ Bucket: b, Key: KEY, ContentType: 'application/json', ContentMD5: md5 }));
      await t.open(t.APP);
      const put = await t.page('fetch', { url: putURL, method: 'PUT', headers: { 'Content-Type': 'application/json', 'Content-MD5': md5 }, body: BODY });
      if (!put.ok) return 'PUT blocked';
      const id = put.headers['x-amz-version-id'];
      if (!id) return `PUT ok ${put.status}, version id unreadable`;
      const got = await t.page('fetch', { url: await t.d.presign(new GetObjectCommand({ Bucket: b, Key: KEY, VersionId: id })) });
      const until = Date.parse(got.headers['x-amz-object-lock-retain-until-date'] || '');
      const day = until - Date.now();
      const retention = !got.ok ? 'GET blocked'
        : `GET ok ${got.status} mode ${got.headers['x-amz-object-lock-mode'] ?? 'unreadable'}, ${Number.isNaN(until) ? 'date unreadable' : day > 23 * 3600e3 && day <= 24 * 3600e3 ? 'a day ahead' : `date ${got.headers['x-amz-object-lock-retain-until-date']}`}`;
      const del = await t.page('fetch', { url: await t.d.presign(new DeleteObjectCommand({ Bucket: b, Key: KEY, VersionId: id })), method: 'DELETE' });
      await t.settle();
      const code = (/<Code>([^<]*)<\/Code>/.exec(del.body || '') || [])[1];
      const refused = del.ok ? `DELETE read ${del.status} ${code || ''}`.trim() : 'DELETE blocked';
      const { Versions = [] } = await t.d.s3.send(new ListObjectVersionsCommand({ Bucket: b, Prefix: KEY }));
      const kept = Versions.some((v) => v.VersionId === id) ? 'the version kept' : 'the version gone';
      return `PUT ok ${put.status} version id read, ${retention}, ${refused}, ${kept}`;
    },
    expect: {
      outcome: 'PUT ok 200 version id read, GET ok 200 mode GOVERNANCE, a day ahead, DELETE read 403 AccessDenied, the version kept',
      server: ['OPTIONS 200', 'PutObject 200', 'GetObject 200', 'OPTIONS 200', 'DeleteObject 403'],
      note: 'the GET of a version is a simple request; the DELETE is preflighted, allowed by the rule, and refused by the retention, with the rule\'s CORS headers',
    },
  },
];

module.exports = { cases };
