// The versioning cases: a page uploads to a versioned bucket with a presigned PUT, as a web app
// hands its pages upload URLs, and keeps the version id of what it wrote, so that it can come
// back to exactly that version after others have written the same key (v1); a page deletes an
// object and undoes it by deleting the delete marker it was told of (v2). The id comes in the
// x-amz-version-id response header, and x-amz-delete-marker says a delete marker is involved;
// a page reads them only when the bucket's CORS rule exposes them (ExposeHeader), like ETag for
// a multipart upload (case 4a): nothing about them is special to CORS.
//
// Each row's bucket, c<case>-<engine> (cv1-chromium), is private, versioning Enabled, with one
// CORS rule for the page's origin; the runner presigns every URL the page uses, as the app's
// server would. `server` lists what doorman logged for the bucket once the page was open: the
// page's requests, and the other writer's PutObject in between. `expect` is as in cases.js.
//
// E2E_MUTATE=drop-expose-headers uploads the rules without their ExposeHeader: the upload and
// the delete still succeed (CORS protects reading the answer, not sending the request), but the
// page can no longer read the version id, so it cannot ask for its version or undo the delete:
// the rows fail, as they must.
//
// Sources: https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html,
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html (x-amz-version-id),
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (versionId, a delete
// marker's 404 with x-amz-delete-marker), https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeleteMarker.html,
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html (ExposeHeader),
// https://fetch.spec.whatwg.org/#http-access-control-expose-headers.
'use strict';

const {
  PutBucketVersioningCommand, PutObjectCommand, GetObjectCommand, ListObjectVersionsCommand, DeleteObjectCommand,
} = require('@aws-sdk/client-s3');

const KEY = 'doc.json';
const PAGE_BODY = '{"from":"page"}';
const OTHER_BODY = '{"from":"another writer"}';

// errorCode reads the Code element of an S3 error body.
const errorCode = (body) => (/<Code>([^<]*)<\/Code>/.exec(body || '') || [])[1];

// versionedBucket creates the row's bucket with one CORS rule for the page's origin and
// versioning Enabled.
async function versionedBucket(t, rule) {
  const b = await t.bucket('', { cors: [{ AllowedOrigins: [t.APP], ...rule }] });
  await t.d.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
  return b;
}

// marker summarises what the page read of a delete's answer, or of a GET refused by a delete
// marker: its status and x-amz-delete-marker.
const marker = (r) => `${r.status}${r.status === 404 ? ` ${errorCode(r.body)}` : ''} marker ${r.headers['x-amz-delete-marker'] ?? 'unreadable'}`;

const cases = [
  {
    id: 'v1', title: 'versioning: presigned PUT to a versioned bucket, x-amz-version-id read, that version fetched after another write',
    async run(t) {
      const b = await versionedBucket(t, { AllowedMethods: ['PUT', 'GET'], AllowedHeaders: ['content-type'], ExposeHeaders: ['x-amz-version-id'] });
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
  {
    id: 'v2', title: 'versioning: a page deletes an object, reads the delete marker\'s id, and undoes the delete by deleting the marker',
    async run(t) {
      const b = await versionedBucket(t, { AllowedMethods: ['GET', 'DELETE'], ExposeHeaders: ['x-amz-version-id', 'x-amz-delete-marker'] });
      await t.d.s3.send(new PutObjectCommand({ Bucket: b, Key: 'note.txt', Body: 'kept', ContentType: 'text/plain' }));
      const presign = (Command, input = {}) => t.d.presign(new Command({ Bucket: b, Key: 'note.txt', ...input }));
      const [del, get] = await Promise.all([presign(DeleteObjectCommand), presign(GetObjectCommand)]);
      await t.open(t.APP);
      // cache: 'no-store': each GET reaches the server, whatever the browser kept of the last.
      const deleted = await t.page('fetch', { url: del, method: 'DELETE' });
      if (!deleted.ok) return 'DELETE blocked';
      const id = deleted.headers['x-amz-version-id'];
      const seen = [`DELETE ok ${marker(deleted)}${id ? '' : ', version id unreadable'}`];
      const missing = await t.page('fetch', { url: get, cache: 'no-store' });
      seen.push(missing.ok ? `GET ok ${marker(missing)}` : 'GET blocked');
      if (id) {
        const undo = await t.page('fetch', { url: await presign(DeleteObjectCommand, { VersionId: id }), method: 'DELETE' });
        seen.push(undo.ok ? `DELETE of the marker ok ${marker(undo)} ${undo.headers['x-amz-version-id'] === id ? 'same version id' : 'another version id'}` : 'DELETE of the marker blocked');
        const back = await t.page('fetch', { url: get, cache: 'no-store' });
        seen.push(back.ok ? `GET ok ${back.status} "${back.body}"` : 'GET blocked');
      }
      return seen.join(', ');
    },
    expect: {
      outcome: 'DELETE ok 204 marker true, GET ok 404 NoSuchKey marker true, DELETE of the marker ok 204 marker true same version id, GET ok 200 "kept"',
      server: ['OPTIONS 200', 'DeleteObject 204', 'GetObject 404', 'OPTIONS 200', 'DeleteObject 204', 'GetObject 200'],
      note: 'the 404 of a key whose latest version is a delete marker carries the rule\'s CORS headers, so the page reads it; the DELETE naming the marker\'s id is another URL, so another preflight',
    },
  },
];

module.exports = { cases };
