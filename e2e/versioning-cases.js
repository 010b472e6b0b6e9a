// The versioning cases: a page uploads to a versioned bucket with a presigned PUT, as a web app
// hands its pages upload URLs, and keeps the version id of what it wrote, so that it can come
// back to exactly that version after others have written the same key. The id comes in the
// x-amz-version-id response header, which a page reads only when the bucket's CORS rule exposes
// it (ExposeHeader), like ETag for a multipart upload (case 4a): nothing about it is special to
// CORS.
//
// Each row's bucket, c<case>-<engine> (cv1-chromium), is private, versioning Enabled, with one
// CORS rule for the page's origin; the runner presigns every URL the page uses, as the app's
// server would. `server` lists what doorman logged for the bucket once the page was open: the
// page's requests, and the other writer's PutObject in between. `expect` is as in cases.js.
//
// E2E_MUTATE=drop-expose-headers uploads the rule without its ExposeHeader: the upload still
// succeeds (CORS protects reading the answer, not sending the request), but the page can no
// longer read the version id, so it cannot ask for its version: the row fails, as it must.
//
// Sources: https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html,
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html (x-amz-version-id),
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (versionId),
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html (ExposeHeader),
// https://fetch.spec.whatwg.org/#http-access-control-expose-headers.
'use strict';

const {
  PutBucketVersioningCommand, PutObjectCommand, GetObjectCommand, ListObjectVersionsCommand,
} = require('@aws-sdk/client-s3');

const KEY = 'doc.json';
const PAGE_BODY = '{"from":"page"}';
const OTHER_BODY = '{"from":"another writer"}';

const cases = [
  {
    id: 'v1', title: 'versioning: presigned PUT to a versioned bucket, x-amz-version-id read, that version fetched after another write',
    async run(t) {
      const b = await t.bucket('', {
        cors: [{ AllowedOrigins: [t.APP], AllowedMethods: ['PUT', 'GET'], AllowedHeaders: ['content-type'], ExposeHeaders: ['x-amz-version-id'] }],
      });
      await t.d.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
      const putURL = await t.d.presign(new PutObjectCommand({ Bucket: b, Key: KEY, ContentType: 'application/json' }));
      await t.open(t.APP);
      const put = await t.page('fetch', { url: putURL, method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: PAGE_BODY });
      if (!put.ok) return 'PUT blocked';
      const id = put.headers['x-amz-version-id'];
      if (!id) return `PUT ok ${put.status}, version id unreadable`;
      // Another writer replaces the key: the page's version is no longer the latest.
      await t.d.s3.send(new PutObjectCommand({ Bucket: b, Key: KEY, Body: OTHER_BODY, ContentType: 'application/json' }));
      const getURL = await t.d.presign(new GetObjectCommand({ Bucket: b, Key: KEY, VersionId: id }));
      const got = await t.page('fetch', { url: getURL });
      await t.settle();
      const read = got.ok
        ? `GET ok ${got.status} ${got.body} ${got.headers['x-amz-version-id'] === id ? 'same version id' : `version id ${got.headers['x-amz-version-id']}`}`
        : 'GET blocked';
      // The id the page read is the bucket's id for what the page wrote, now a version behind.
      const { Versions = [] } = await t.d.s3.send(new ListObjectVersionsCommand({ Bucket: b, Prefix: KEY }));
      const mine = Versions.find((v) => v.VersionId === id);
      const stored = mine ? `stored ${Versions.length} versions, the page's ${mine.IsLatest ? 'latest' : 'not latest'}` : 'no version with that id';
      return `PUT ok ${put.status} version id read, ${read}, ${stored}`;
    },
    expect: {
      outcome: `PUT ok 200 version id read, GET ok 200 ${PAGE_BODY} same version id, stored 2 versions, the page's not latest`,
      server: ['OPTIONS 200', 'PutObject 200', 'PutObject 200', 'GetObject 200'],
      note: 'the second PutObject is the other writer\'s; the GET of a version by id is a simple request, and its answer exposes x-amz-version-id too',
    },
  },
];

module.exports = { cases };
