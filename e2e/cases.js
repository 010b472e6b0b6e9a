// The conformance cases. Each row runs once per browser in a fresh browser context, against its
// own buckets (named after the row and the browser), so doorman's access log, filtered by
// bucket, tells exactly what the server received for that row.
//
// A row returns its observed outcome as a short string; `expect` (an object, or a function of
// the browser's name where the engines legitimately differ) gives:
//   outcome   what the page must observe
//   chromium  the corsError Chromium must report (CDP Network.loadingFailed), none if absent
//   firefox   a pattern for Firefox's "(Reason: …)" text, none if absent
//   webkit    a pattern for WebKit's console reason (the line before "Fetch API cannot load
//             URL due to access control checks."), none if absent
//   server    the requests doorman must log for the row's buckets, in order
//   note      why an engine differs, or why the expectation is not the obvious one
//   notes     the same for one engine: { webkit: '…' }
// Wherever the page saw a request blocked, it must have seen the engine's own TypeError text
// (run.js: PAGE_ERRORS); WebKit's says only "Load failed".
'use strict';

const {
  PutObjectCommand, CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand,
} = require('@aws-sdk/client-s3');

// The domain of doorman's virtual-hosted addressing (BUCKET.DOMAIN).
const DOMAIN = 's3.localhost';

// E2E_LONG=1 adds the waits that take minutes (WebKit's 600 s preflight cache cap).
const LONG = process.env.E2E_LONG === '1';
const LONG_WAIT_MS = 610 * 1000;

// A 1×1 transparent PNG.
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

// Exactly the request headers the AWS SDK for JavaScript v3 (client-s3 3.1162.0, default
// settings) sends from a browser for PutObject, GetObject, ListObjectsV2 and DeleteObject, found
// by recording its fetch() calls (verdicts.json keeps them): PutObject adds content-type and the
// CRC32 checksum headers, GetObject x-amz-checksum-mode.
const SDK_HEADERS = [
  'amz-sdk-invocation-id', 'amz-sdk-request', 'authorization', 'content-type', 'x-amz-checksum-crc32',
  'x-amz-checksum-mode', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-sdk-checksum-algorithm', 'x-amz-user-agent',
];

const publicObject = (key, body, extra = {}) => ({ key, body, acl: 'public-read', ...extra });
const uncacheable = publicObject('hello.txt', 'hello', { cacheControl: 'no-store' });

// fetched summarises an e2e.fetch result: "ok STATUS" (with the body when asked), or "blocked".
function fetched(r, { body = false } = {}) {
  if (!r.ok) return 'blocked';
  return body ? `ok ${r.status} "${r.body}"` : `ok ${r.status}`;
}

// errorCode reads the Code element of an S3 error body.
const errorCode = (body) => (/<Code>([^<]*)<\/Code>/.exec(body || '') || [])[1];

// Firefox's reasons. A refused preflight (403 without CORS headers) is reported as the missing
// Access-Control-Allow-Origin of the preflight, then as the failure of the request itself.
const MISSING_ACAO = /^CORS header ‘Access-Control-Allow-Origin’ missing$/;
const PREFLIGHT_FAILED = /^CORS header ‘Access-Control-Allow-Origin’ missing; CORS request did not succeed$/;

// WebKit's reasons. It checks a preflight's status before its CORS headers, so an S3 refusal
// (403 without CORS headers) is the status to it, the missing header to the other two.
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const WK_NOT_ALLOWED = (host) => new RegExp(`^Origin http://${escape(host)}:\\d+ is not allowed by Access-Control-Allow-Origin\\. Status code: 200$`);
const WK_PREFLIGHT_403 = /^Preflight response is not successful\. Status code: 403$/;
const WK_STATUS_FIRST = 'WebKit checks the preflight\'s status first: it reports the 403, not the missing Access-Control-Allow-Origin';

const cases = [
  // 1. Simple GET: CORS blocks reading, not sending.
  {
    id: '1a', title: 'simple GET of a public-read object, allowed origin',
    async run(t) {
      const b = await t.bucket('', { cors: [{ AllowedOrigins: [t.APP], AllowedMethods: ['GET'] }], objects: [publicObject('hello.txt', 'hello')] });
      await t.open(t.APP);
      return fetched(await t.page('fetch', { url: t.url(b, 'hello.txt') }), { body: true });
    },
    expect: { outcome: 'ok 200 "hello"', server: ['GetObject 200'] },
  },
  {
    id: '1b', title: 'simple GET of a public-read object, other origin',
    async run(t) {
      const b = await t.bucket('', { cors: [{ AllowedOrigins: [t.APP], AllowedMethods: ['GET'] }], objects: [publicObject('hello.txt', 'hello')] });
      await t.open(t.OTHER);
      return fetched(await t.page('fetch', { url: t.url(b, 'hello.txt') }));
    },
    expect: { outcome: 'blocked', chromium: 'MissingAllowOriginHeader', firefox: MISSING_ACAO, webkit: WK_NOT_ALLOWED('other.test'), server: ['GetObject 200'] },
  },

  // 2. Presigned PUT with Content-Type: application/json (preflighted).
  ...[
    { id: '2a', title: 'presigned PUT, allowed', origin: 'APP', methods: ['PUT'] },
    { id: '2b', title: 'presigned PUT, origin not allowed', origin: 'OTHER', methods: ['PUT'] },
    { id: '2c', title: 'presigned PUT, method not allowed', origin: 'APP', methods: ['GET'] },
  ].map((v) => ({
    id: v.id, title: v.title,
    async run(t) {
      const b = await t.bucket('', { cors: [{ AllowedOrigins: [t.APP], AllowedMethods: v.methods, AllowedHeaders: ['content-type'] }] });
      const url = await t.d.presign(new PutObjectCommand({ Bucket: b, Key: 'doc.json', ContentType: 'application/json' }));
      await t.open(t[v.origin]);
      const r = await t.page('fetch', { url, method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{"from":"page"}' });
      await t.settle();
      const stored = await t.d.objectBody(b, 'doc.json');
      return `${fetched(r)}, stored ${stored ?? 'nothing'}`;
    },
    expect: v.id === '2a'
      ? { outcome: 'ok 200, stored {"from":"page"}', server: ['OPTIONS 200', 'PutObject 200'] }
      : {
        outcome: 'blocked, stored nothing', chromium: 'PreflightMissingAllowOriginHeader', firefox: PREFLIGHT_FAILED, webkit: WK_PREFLIGHT_403,
        server: ['OPTIONS 403'], notes: { webkit: WK_STATUS_FIRST },
      },
  })),

  // 3. AllowedHeader patterns.
  {
    id: '3a', title: 'AllowedHeader x-amz-* admits x-amz-meta-foo',
    async run(t) {
      const b = await t.bucket('', { cors: [{ AllowedOrigins: [t.APP], AllowedMethods: ['GET'], AllowedHeaders: ['x-amz-*'] }], objects: [publicObject('hello.txt', 'hello')] });
      await t.open(t.APP);
      return fetched(await t.page('fetch', { url: t.url(b, 'hello.txt'), headers: { 'x-amz-meta-foo': 'bar' } }), { body: true });
    },
    expect: { outcome: 'ok 200 "hello"', server: ['OPTIONS 200', 'GetObject 200'] },
  },
  {
    id: '3b', title: 'AllowedHeader x-amz-* refuses x-custom-foo',
    async run(t) {
      const b = await t.bucket('', { cors: [{ AllowedOrigins: [t.APP], AllowedMethods: ['GET'], AllowedHeaders: ['x-amz-*'] }], objects: [publicObject('hello.txt', 'hello')] });
      await t.open(t.APP);
      return fetched(await t.page('fetch', { url: t.url(b, 'hello.txt'), headers: { 'x-custom-foo': '1' } }));
    },
    // Not HeaderDisallowedByPreflightResponse: S3 does not answer 200 with a shorter
    // Access-Control-Allow-Headers, it refuses the whole preflight (403, no CORS headers) because
    // no rule matches, so the browser stops at the missing Access-Control-Allow-Origin.
    expect: {
      outcome: 'blocked', chromium: 'PreflightMissingAllowOriginHeader', firefox: PREFLIGHT_FAILED, webkit: WK_PREFLIGHT_403, server: ['OPTIONS 403'],
      note: 'S3 refuses the preflight (403) instead of omitting the header', notes: { webkit: WK_STATUS_FIRST },
    },
  },

  // 4. ExposeHeader ETag: a multipart upload from the page through presigned URLs.
  ...[
    { id: '4a', title: 'multipart upload, ETag exposed', expose: ['ETag'] },
    { id: '4b', title: 'multipart upload, ETag not exposed', expose: undefined },
  ].map((v) => ({
    id: v.id, title: v.title,
    async run(t) {
      const b = await t.bucket('', { cors: [{ AllowedOrigins: [t.APP], AllowedMethods: ['PUT', 'POST'], AllowedHeaders: ['content-type'], ExposeHeaders: v.expose }] });
      const key = 'big.bin';
      const { UploadId } = await t.d.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: key }));
      const partUrls = await Promise.all([1, 2].map((n) => t.d.presign(new UploadPartCommand({ Bucket: b, Key: key, UploadId, PartNumber: n }))));
      const completeUrl = await t.d.presign(new CompleteMultipartUploadCommand({ Bucket: b, Key: key, UploadId }));
      await t.open(t.APP);
      // Every part but the last must be at least 5 MiB.
      const r = await t.page('multipart', { partUrls, sizes: [5 << 20, 1024], completeUrl });
      await t.settle();
      const etags = r.parts.map((p) => (p.etag ? 'read' : String(p.etag))).join(' ');
      const complete = r.complete ? `complete ${r.complete.status ?? 'blocked'}` : 'complete not sent';
      return `ETags ${etags}, ${complete}, stored ${await t.d.exists(b, key)}`;
    },
    expect: v.expose
      ? { outcome: 'ETags read read, complete 200, stored true', server: ['OPTIONS 200', 'UploadPart 200', 'OPTIONS 200', 'UploadPart 200', 'OPTIONS 200', 'CompleteMultipartUpload 200'] }
      : { outcome: 'ETags null, complete not sent, stored false', server: ['OPTIONS 200', 'UploadPart 200'] },
  })),

  // 5. The AWS SDK for JavaScript v3 in the page, SigV4-signed.
  ...[
    { id: '5a', title: 'AWS SDK v3 in the page: exactly its headers allowed', deleteCors: false },
    { id: '5b', title: 'AWS SDK v3 in the page after DeleteBucketCors', deleteCors: true },
  ].map((v) => ({
    id: v.id, title: v.title,
    async run(t) {
      const b = await t.bucket('', { cors: [{ AllowedOrigins: [t.APP], AllowedMethods: ['GET', 'PUT', 'DELETE'], AllowedHeaders: SDK_HEADERS, ExposeHeaders: ['ETag'] }] });
      if (v.deleteCors) await t.d.deleteCors(b);
      await t.open(t.APP, '/sdk.html');
      const r = await t.page('sdk', { endpoint: t.d.endpoint, region: t.region, credentials: t.credentials, bucket: b, key: 'sdk.txt' });
      return Object.entries(r).map(([op, res]) => `${op} ${res}`).join('; ');
    },
    expect: v.deleteCors
      ? {
        outcome: 'PutObject blocked; GetObject blocked; ListObjectsV2 blocked; DeleteObject blocked',
        chromium: 'PreflightMissingAllowOriginHeader', firefox: PREFLIGHT_FAILED, webkit: WK_PREFLIGHT_403, server: Array(4).fill('OPTIONS 403'),
        notes: { webkit: WK_STATUS_FIRST },
      }
      : {
        outcome: 'PutObject ok ETag read; GetObject ok "written by the page"; ListObjectsV2 ok keys sdk.txt; DeleteObject ok',
        server: ['OPTIONS 200', 'PutObject 200', 'OPTIONS 200', 'GetObject 200', 'OPTIONS 200', 'ListObjectsV2 200', 'OPTIONS 200', 'DeleteObject 204'],
      },
  })),

  // 6. A wildcard origin: whole-string match, anchored at both ends.
  ...[
    { id: '6a', host: 'a.partner.test', allowed: true },
    { id: '6b', host: 'b.partner.test', allowed: true },
    { id: '6c', host: 'evilpartner.test', allowed: false },
    { id: '6d', host: 'partner.test.evil.test', allowed: false },
  ].map((v) => ({
    id: v.id, title: `wildcard origin http://*.partner.test:PORT, page on ${v.host}`,
    async run(t) {
      const b = await t.bucket('', { cors: [{ AllowedOrigins: [t.origin('*.partner.test')], AllowedMethods: ['GET'] }], objects: [publicObject('hello.txt', 'hello')] });
      await t.open(t.origin(v.host));
      return fetched(await t.page('fetch', { url: t.url(b, 'hello.txt') }), { body: true });
    },
    expect: v.allowed
      ? { outcome: 'ok 200 "hello"', server: ['GetObject 200'] }
      : { outcome: 'blocked', chromium: 'MissingAllowOriginHeader', firefox: MISSING_ACAO, webkit: WK_NOT_ALLOWED(v.host), server: ['GetObject 200'] },
  })),

  // 7. Credentials.
  {
    id: '7a', title: "credentials: 'include' against a * rule",
    async run(t) {
      const b = await t.bucket('', { cors: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }], objects: [publicObject('hello.txt', 'hello')] });
      await t.open(t.APP);
      return fetched(await t.page('fetch', { url: t.url(b, 'hello.txt'), credentials: 'include' }));
    },
    expect: {
      outcome: 'blocked', chromium: 'WildcardOriginNotAllowed', firefox: /Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘\*’/,
      webkit: /^Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true\.$/, server: ['GetObject 200'],
    },
  },
  {
    id: '7b', title: "credentials: 'include' against a rule naming the origin",
    async run(t) {
      const b = await t.bucket('', { cors: [{ AllowedOrigins: [t.APP], AllowedMethods: ['GET'] }], objects: [publicObject('hello.txt', 'hello')] });
      await t.open(t.APP);
      return fetched(await t.page('fetch', { url: t.url(b, 'hello.txt'), credentials: 'include' }), { body: true });
    },
    expect: { outcome: 'ok 200 "hello"', server: ['GetObject 200'] },
  },

  // 8. Preflight caching, against a host name (Firefox's cache is unreliable for IP hosts). The
  // object is stored with Cache-Control: no-store, so that every GET reaches the server and only
  // the preflight cache decides what the server sees. (A fetch() with cache: 'no-store' would
  // not do: both engines then bypass the preflight cache too.)
  {
    id: '8a', title: 'MaxAgeSeconds 600: no preflight again after 5 s',
    async run(t) {
      const b = await t.bucket('', { cors: [{ AllowedOrigins: [t.APP], AllowedMethods: ['GET'], AllowedHeaders: ['x-amz-meta-*'], MaxAgeSeconds: 600 }], objects: [uncacheable] });
      await t.open(t.APP);
      const request = { url: t.url(b, 'hello.txt', 's3.test'), headers: { 'x-amz-meta-probe': '1' } };
      return (await t.page('series', { request, pausesMs: [5500] })).map((r) => fetched(r)).join(', ');
    },
    expect: { outcome: 'ok 200, ok 200', server: ['OPTIONS 200', 'GetObject 200', 'GetObject 200'] },
  },
  {
    id: '8b', title: 'no MaxAgeSeconds: a preflight again after 5 s',
    async run(t) {
      const b = await t.bucket('', { cors: [{ AllowedOrigins: [t.APP], AllowedMethods: ['GET'], AllowedHeaders: ['x-amz-meta-*'] }], objects: [uncacheable] });
      await t.open(t.APP);
      const request = { url: t.url(b, 'hello.txt', 's3.test'), headers: { 'x-amz-meta-probe': '1' } };
      return (await t.page('series', { request, pausesMs: [0, 5500] })).map((r) => fetched(r)).join(', ');
    },
    // Both engines keep a preflight without Access-Control-Max-Age for 5 s.
    expect: { outcome: 'ok 200, ok 200, ok 200', server: ['OPTIONS 200', 'GetObject 200', 'GetObject 200', 'OPTIONS 200', 'GetObject 200'] },
  },

  // WebKit caps Access-Control-Max-Age at 600 s, Chromium at 7200 s, Firefox at 86400 s.
  // Seeing the cap takes a wait past it, so only E2E_LONG=1 waits (610 s, engines side by
  // side); otherwise the row checks that the preflight is kept for the first 5.5 s.
  {
    id: '8c', title: `MaxAgeSeconds 3000: ${LONG ? 'WebKit sends the preflight again after 610 s' : 'no preflight again after 5 s'}`,
    timeoutMs: LONG ? LONG_WAIT_MS + 60000 : undefined,
    async run(t) {
      const b = await t.bucket('', { cors: [{ AllowedOrigins: [t.APP], AllowedMethods: ['GET'], AllowedHeaders: ['x-amz-meta-*'], MaxAgeSeconds: 3000 }], objects: [uncacheable] });
      await t.open(t.APP);
      const request = { url: t.url(b, 'hello.txt', 's3.test'), headers: { 'x-amz-meta-probe': '1' } };
      const first = await t.page('fetch', request);
      await new Promise((r) => setTimeout(r, LONG ? LONG_WAIT_MS : 5500));
      return [first, await t.page('fetch', request)].map((r) => fetched(r)).join(', ');
    },
    expect: (browser) => (LONG && browser === 'webkit'
      ? {
        outcome: 'ok 200, ok 200', server: ['OPTIONS 200', 'GetObject 200', 'OPTIONS 200', 'GetObject 200'],
        notes: { webkit: 'WebKit caps Access-Control-Max-Age at 600 s: after 610 s it asks again' },
      }
      : { outcome: 'ok 200, ok 200', server: ['OPTIONS 200', 'GetObject 200', 'GetObject 200'], note: LONG ? undefined : 'E2E_LONG=1 waits 610 s for WebKit\'s 600 s cap' }),
  },

  // 9. Errors are readable cross-origin.
  {
    id: '9', title: 'GET of a missing key: the page reads the 404 and its XML',
    async run(t) {
      const b = await t.bucket('', { acl: 'public-read', cors: [{ AllowedOrigins: [t.APP], AllowedMethods: ['GET'] }] });
      await t.open(t.APP);
      const r = await t.page('fetch', { url: t.url(b, 'missing.txt') });
      return r.ok ? `ok ${r.status} ${errorCode(r.body)}` : 'blocked';
    },
    expect: { outcome: 'ok 404 NoSuchKey', server: ['GetObject 404'] },
  },

  // 10. Browser form upload (POST Object) with a signed policy: no preflight.
  ...[
    { id: '10a', title: 'form upload (POST Object), key inside the policy', key: 'uploads/note.txt' },
    { id: '10b', title: 'form upload (POST Object), key outside the policy', key: 'elsewhere/note.txt' },
  ].map((v) => ({
    id: v.id, title: v.title,
    async run(t) {
      const b = await t.bucket('', { cors: [{ AllowedOrigins: [t.APP], AllowedMethods: ['POST'] }] });
      await t.open(t.APP);
      const r = await t.page('post', { url: t.url(b), fields: t.d.postPolicy(b, 'uploads/'), key: v.key, content: 'from a form' });
      await t.settle();
      const stored = await t.d.objectBody(b, v.key);
      const seen = r.ok ? `ok ${r.status} ${errorCode(r.body) || (/<Key>[^<]*<\/Key>/.exec(r.body) || [])[0]}` : 'blocked';
      return `${seen}, stored ${stored ?? 'nothing'}`;
    },
    expect: v.key.startsWith('uploads/')
      ? { outcome: 'ok 201 <Key>uploads/note.txt</Key>, stored from a form', server: ['PostObject 201'] }
      : { outcome: 'ok 403 AccessDenied, stored nothing', server: ['PostObject 403'] },
  })),

  // 11. --vary-origin-always: an <img> load, then a fetch() of the same cacheable URL.
  ...[
    { id: '11a', title: '<img> then fetch(), doorman as S3 (no Vary without Origin)', vary: false },
    { id: '11b', title: '<img> then fetch(), doorman --vary-origin-always', vary: true },
  ].map((v) => ({
    id: v.id, title: v.title,
    async run(t) {
      const server = v.vary ? t.dVary : t.d;
      const b = await t.bucket('', {
        server, cors: [{ AllowedOrigins: [t.APP], AllowedMethods: ['GET'] }],
        objects: [publicObject('pixel.png', PIXEL, { contentType: 'image/png', cacheControl: 'max-age=3600' })],
      });
      await t.open(t.APP);
      const r = await t.page('imgThenFetch', { url: t.url(b, 'pixel.png', '127.0.0.1', server) });
      return `img ${r.img}, fetch ${fetched(r.fetch)}`;
    },
    // Chromium and WebKit: without Vary: Origin the cached no-CORS response (no
    // Access-Control-Allow-Origin) is reused for the fetch, which fails without reaching the
    // server. With it, Chromium revalidates the cached image with the fetch's Origin and gets a
    // 304 with CORS headers; WebKit fetches it again in full. Firefox keeps CORS and no-CORS
    // responses apart in its cache, so it fetches again anyway.
    expect: (browser) => {
      if (browser === 'firefox') {
        return { outcome: 'img 1x1, fetch ok 200', server: ['GetObject 200', 'GetObject 200'], note: 'Firefox never reuses the <img> response for fetch()' };
      }
      if (v.vary) {
        return browser === 'webkit'
          ? { outcome: 'img 1x1, fetch ok 200', server: ['GetObject 200', 'GetObject 200'], notes: { webkit: 'WebKit does not revalidate the cached image: it sends a full GET with the Origin' } }
          : { outcome: 'img 1x1, fetch ok 200', server: ['GetObject 200', 'GetObject 304'] };
      }
      return {
        outcome: 'img 1x1, fetch blocked', chromium: 'MissingAllowOriginHeader', webkit: WK_NOT_ALLOWED('app.test'), server: ['GetObject 200'],
        note: `${browser === 'webkit' ? 'WebKit' : 'Chromium'} reuses the cached <img> response, which has no Vary`,
      };
    },
  })),

  // 12. The static-website scenario of the AWS docs: an app in one bucket, its data in another.
  ...[
    { id: '12a', title: 'website bucket page loads JSON and an image from a data bucket', site: 'site', allowed: true },
    { id: '12b', title: 'a page from another website bucket is refused the data', site: 'rogue', allowed: false },
  ].map((v) => ({
    id: v.id, title: v.title,
    async run(t) {
      const data = t.bucketName('data');
      const allowedSite = `http://${t.vhost(t.bucketName('site'))}`;
      await t.bucket('data', {
        acl: 'public-read', cors: [{ AllowedOrigins: [allowedSite], AllowedMethods: ['GET'] }],
        objects: [publicObject('photos.json', '{"title":"Gallery"}', { contentType: 'application/json' }),
          publicObject('pixel.png', PIXEL, { contentType: 'image/png' })],
      });
      const site = await t.bucket(v.site, { acl: 'public-read', objects: [publicObject('index.html', websitePage(t, `http://${t.vhost(data)}`), { contentType: 'text/html' })] });
      await t.open(`http://${t.vhost(site)}`, '/index.html');
      const r = await t.page('appResult');
      return `json ${r.json}, image ${r.image}`;
    },
    expect: v.allowed
      ? { outcome: 'json 200 Gallery, image 200 1x1', server: ['GetObject 200', 'GetObject 200', 'GetObject 200'] }
      : {
        outcome: 'json blocked, image blocked', chromium: 'MissingAllowOriginHeader', firefox: MISSING_ACAO,
        webkit: WK_NOT_ALLOWED(`c12b-rogue-webkit.${DOMAIN}`), server: ['GetObject 200', 'GetObject 200', 'GetObject 200'],
      },
  })),
];

// websitePage is the app a website bucket serves: it fetches a JSON document and an image from
// the data bucket and leaves what it got in window.appResult. It loads the in-page helpers from
// the pages' origin so that its fetches are recorded like every other page's.
function websitePage(t, dataOrigin) {
  return `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>Gallery</title>
<script src="${t.APP}/probe.js"></script>
<script>
window.appResult = (async () => {
  const get = async (what) => {
    try { return await what(); } catch (e) { return 'blocked'; }
  };
  return {
    json: await get(async () => { const r = await fetch('${dataOrigin}/photos.json'); return r.status + ' ' + (await r.json()).title; }),
    image: await get(async () => {
      const r = await fetch('${dataOrigin}/pixel.png');
      const bmp = await createImageBitmap(await r.blob());
      return r.status + ' ' + bmp.width + 'x' + bmp.height;
    }),
  };
})();
</script>`;
}


// hosts lists every host name the pages use; the browsers map them all to 127.0.0.1.
function hosts(browsers) {
  const names = ['app.test', 'other.test', 'a.partner.test', 'b.partner.test', 'evilpartner.test', 'partner.test.evil.test', 's3.test'];
  for (const browser of browsers) {
    for (const id of ['12a', '12b']) {
      for (const part of ['site', 'rogue', 'data']) names.push(`c${id}-${part}-${browser}.${DOMAIN}`);
    }
  }
  return names;
}

module.exports = { cases, hosts, DOMAIN };
