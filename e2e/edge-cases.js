// The edge cases: doorman gateway caching, with CloudFront's cache, origin request and response
// headers policies, in front of doorman serve (a bucket with CORS rules and a public object),
// in each engine. They reproduce the stale-CORS trap of a CDN in front of S3 and its cures:
// a response cached for a request without Origin (an <img>), or for another origin, is served
// to a fetch() from the page.
//
// Every row has its own bucket, c<case>-<engine>, and its own route on the edge host,
// /c<case>-<engine>/, with its own cache behaviour (the cache key is scoped by route), so the
// rows never share an entry while the engines run side by side. A row's `server` lists what
// reached the origin (doorman serve's S3 operations on the row's bucket, each with whether it
// carried an Origin and doorman's CORS outcome for it), then what the gateway logged under the
// row's route, then how its cache answered the row's requests (the increase of
// doorman_gateway_cache_requests_total{route,result}). The page reads X-Cache on every fetch() it is allowed to read: the bucket's rules and
// the response headers policy expose it. `expect` is as in cases.js.
//
// The page's fetch() uses cache: 'no-store': it goes to the network past the browser's own HTTP
// cache, so that every engine's request reaches the edge. Left to its default, Chromium and
// WebKit would answer it from their own copy of the <img> response (case 11a) before the edge
// is asked, and these rows would test the browser's cache, not the edge's.
'use strict';

const BROWSERS = ['chromium', 'firefox', 'webkit'];

// The edge's host name: a CDN host in front of the bucket; the browsers map it to 127.0.0.1.
const EDGE = 'cdn.app.test';
const HOSTS = [EDGE];

// A 1×1 transparent PNG, the object the pages load.
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
// The object's own lifetime: long enough that every row's requests meet the stored answer
// (the edge's TTL is this, within the cache policy's bounds).
const OBJECT = { key: 'pixel.png', body: PIXEL, contentType: 'image/png', cacheControl: 'max-age=3600', acl: 'public-read' };

// CloudFront's managed cache policy CachingOptimized keys on the path alone (and the
// normalised Accept-Encoding); ORIGIN_KEYED is a cache policy of one's own with the same TTLs
// and the Origin header in the key: one entry per Origin, as CloudFront's guide advises for CORS
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/header-caching.html#header-caching-web-cors).
const CACHING_OPTIMIZED = 'CachingOptimized';
const ORIGIN_KEYED = { min_ttl: '1s', default_ttl: '86400s', max_ttl: '31536000s', headers: ['origin'], accept_encoding: ['gzip', 'br'] };

// What the page's fetch() sees, and what Firefox and WebKit give as their reason.
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const FF_MISSING_ACAO = /^CORS header ‘Access-Control-Allow-Origin’ missing$/;
const WK_NOT_ALLOWED = (host) => new RegExp(`^Origin http://${escape(host)}:\\d+ is not allowed by Access-Control-Allow-Origin\\. Status code: 200$`);

// fetched summarises a fetch(): "ok 200 Hit" with the edge's X-Cache as the page read it
// ("Hit from doorman": the bucket's rules and the response headers policy expose it), or
// "blocked".
function fetched(r) {
  if (!r.ok) return 'blocked';
  const xCache = r.headers['x-cache'];
  return `ok ${r.status} ${xCache ? xCache.replace(/ from doorman$/, '') : '(no X-Cache)'}`;
}

// The row's bucket, as RowContext.bucketName names it; the route has the same name.
const bucketOf = (id, browser) => `c${id}-${browser}`;

// The row's object through the edge; t.prefix selects the row's lines in the gateway's log.
function edgeURL(t, bucket) {
  t.prefix = `/${bucket}/`;
  return `http://${EDGE}:${t.env.gateway.port}/${bucket}/${OBJECT.key}`;
}

// cacheResults sums the row's doorman_gateway_cache_requests_total by result.
async function cacheResults(t) {
  const out = {};
  for (const s of await t.env.gateway.metrics()) {
    if (s.name === 'doorman_gateway_cache_requests_total' && (s.labels.route || '').endsWith(t.prefix)) {
      out[s.labels.result] = (out[s.labels.result] || 0) + s.value;
    }
  }
  return out;
}

// measured runs the row's page actions between two readings of its cache counters and adds
// their increase to what the servers saw: "cache miss +1, hit +1".
async function measured(t, bucket, actions) {
  edgeURL(t, bucket);
  const before = await cacheResults(t);
  const outcome = await actions();
  await t.settle();
  const after = await cacheResults(t);
  const grew = ['miss', 'hit', 'refresh_hit', 'bypass'].filter((k) => (after[k] || 0) > (before[k] || 0))
    .map((k) => `${k} +${after[k] - (before[k] || 0)}`);
  t.seen.push(`cache ${grew.join(', ') || 'unchanged'}`);
  return outcome;
}

// The rows' buckets: CORS rules for the given origins, GET only, X-Cache exposed (S3 sends
// Access-Control-Expose-Headers for any name), and the public object.
const rules = (origins) => [{ AllowedOrigins: origins, AllowedMethods: ['GET'], ExposeHeaders: ['X-Cache'] }];

// imgThenFetch: the page on app.test loads the object as an <img> (no Origin: a no-cors
// request), then fetch()es the same URL (with Origin).
function imgThenFetch() {
  return async (t) => {
    const b = await t.bucket('', { cors: rules([t.APP]), objects: [OBJECT] });
    return measured(t, b, async () => {
      await t.open(t.APP);
      const r = await t.page('imgThenFetch', { url: edgeURL(t, b), cache: 'no-store' });
      return `img ${r.img}, fetch ${fetched(r.fetch)}`;
    });
  };
}

// fromPages: a page on each origin in turn fetch()es the object. Each fetch() has its own query
// string, so that the results tell each request's verdict apart; neither cache policy keys on
// query strings nor forwards them, so the edge and the origin see one object.
function fromPages(hosts) {
  return async (t) => {
    const b = await t.bucket('', { cors: rules([t.APP, t.OTHER]), objects: [OBJECT] });
    return measured(t, b, async () => {
      const seen = [];
      for (const [i, host] of hosts.entries()) {
        await t.navigate(t.origin(host));
        const r = await t.page('fetch', { url: `${edgeURL(t, b)}?${i + 1}-${host}`, cache: 'no-store' });
        seen.push(`${host}${hosts.indexOf(host) < i ? ' again' : ''} ${fetched(r)}`);
      }
      return seen.join(', ');
    });
  };
}

const GW_GET = 'gateway GET 200';
// What reached the origin: doorman serve logs a CORS outcome for a request with Origin only.
const s3Line = (e) => `origin ${e.op} ${e.status} ${e.cors ? `Origin ${e.cors}` : 'no Origin'}`;
const NO_ORIGIN = 'origin GetObject 200 no Origin';
const WITH_ORIGIN = 'origin GetObject 200 Origin allowed';

const cases = [
  // 1. The trap: Origin forwarded to the origin (CORS-S3Origin) but not in the key
  // (CachingOptimized). The <img> request, without Origin, is cached without
  // Access-Control-Allow-Origin; the fetch() is a hit on it.
  {
    id: 'e1', title: 'edge: <img> then fetch(), CachingOptimized + CORS-S3Origin (Origin forwarded, not in the key)',
    cache: { policy: CACHING_OPTIMIZED, origin_request_policy: 'CORS-S3Origin', cached_methods: ['GET', 'HEAD'] },
    run: imgThenFetch(),
    expect: {
      outcome: 'img 1x1, fetch blocked', chromium: 'MissingAllowOriginHeader', firefox: FF_MISSING_ACAO, webkit: WK_NOT_ALLOWED('app.test'),
      server: [NO_ORIGIN, GW_GET, GW_GET, 'cache miss +1, hit +1'],
      note: 'the trap reproduced: the fetch() is a hit on the answer cached for the <img>, which has no Access-Control-Allow-Origin; the origin saw one request',
    },
  },

  // 2. The cure: Origin in the cache key. The fetch() has a key of its own, reaches the
  // origin with its Origin, and gets the origin's CORS answer.
  {
    id: 'e2', title: 'edge: <img> then fetch(), a cache policy with Origin in the key (+ CORS-S3Origin)',
    cache: { policy: ORIGIN_KEYED, origin_request_policy: 'CORS-S3Origin', cached_methods: ['GET', 'HEAD'] },
    run: imgThenFetch(),
    expect: {
      outcome: 'img 1x1, fetch ok 200 Miss',
      server: [NO_ORIGIN, WITH_ORIGIN, GW_GET, GW_GET, 'cache miss +2'],
      note: 'one entry per Origin value (and one without): the fetch() misses and the origin answers it with its CORS headers',
    },
  },

  // 3. The other cure: a response headers policy (CloudFront CorsConfig) applied to every
  // answer, hits included, for the viewer's own Origin.
  {
    id: 'e3a', title: 'edge: <img> then fetch(), the trap\'s key, with a response headers policy (OriginOverride true)',
    cache: { policy: CACHING_OPTIMIZED, origin_request_policy: 'CORS-S3Origin', cached_methods: ['GET', 'HEAD'] }, headersPolicy: true,
    run: imgThenFetch(),
    expect: {
      outcome: 'img 1x1, fetch ok 200 Hit',
      server: [NO_ORIGIN, GW_GET, GW_GET, 'cache miss +1, hit +1'],
      note: 'a hit on the <img>\'s answer, which has no Access-Control-Allow-Origin: the policy adds it for the fetch()\'s Origin (with OriginOverride false too: a header the origin did not send is added either way)',
    },
  },
  {
    id: 'e3b', title: 'edge: other.test then app.test, the trap\'s key, with a response headers policy (OriginOverride true)',
    cache: { policy: CACHING_OPTIMIZED, origin_request_policy: 'CORS-S3Origin', cached_methods: ['GET', 'HEAD'] }, headersPolicy: true,
    run: fromPages(['other.test', 'app.test']),
    expect: {
      outcome: 'other.test ok 200 Miss, app.test ok 200 Hit',
      server: [WITH_ORIGIN, GW_GET, GW_GET, 'cache miss +1, hit +1'],
      note: 'app.test\'s fetch() is a hit on the answer cached for other.test, with other.test\'s Access-Control-Allow-Origin: OriginOverride true replaces it with app.test\'s',
    },
  },

  // 4. Two origins, Origin in the key: each gets its own entry and its own
  // Access-Control-Allow-Origin; the first origin's second fetch() is a hit on its own entry.
  {
    id: 'e4', title: 'edge: app.test, other.test, app.test again, Origin in the key',
    cache: { policy: ORIGIN_KEYED, origin_request_policy: 'CORS-S3Origin', cached_methods: ['GET', 'HEAD'] },
    run: fromPages(['app.test', 'other.test', 'app.test']),
    expect: {
      outcome: 'app.test ok 200 Miss, other.test ok 200 Miss, app.test again ok 200 Hit',
      server: [WITH_ORIGIN, WITH_ORIGIN, GW_GET, GW_GET, GW_GET, 'cache miss +2, hit +1'],
      note: 'a key per Origin: other.test misses and gets its own answer; app.test\'s second fetch() hits its own entry',
    },
  },

  // 5. Neither policy names Origin (CachingOptimized alone): the origin never sees it, and
  // every answer, hit or miss, lacks Access-Control-Allow-Origin: a cache policy's and an
  // origin request policy's values are all CloudFront forwards
  // (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-origin-requests.html).
  {
    id: 'e5', title: 'edge: fetch() alone, CachingOptimized without an origin request policy (Origin never forwarded)',
    cache: { policy: CACHING_OPTIMIZED, cached_methods: ['GET', 'HEAD'] },
    run: fromPages(['app.test']),
    expect: {
      outcome: 'app.test blocked', chromium: 'MissingAllowOriginHeader', firefox: FF_MISSING_ACAO, webkit: WK_NOT_ALLOWED('app.test'),
      server: [NO_ORIGIN, GW_GET, 'cache miss +1'],
      note: 'a miss, and still no Access-Control-Allow-Origin: the edge forwards only what a policy names, so the origin answered a request without Origin',
    },
  },
].map((c) => ({ ...c, s3Line }));

// responseHeadersPolicy is the rows' CorsConfig: both pages' origins, GET and HEAD, any
// request header (CloudFront requires the list), X-Cache exposed, the request's origin
// echoed, OriginOverride true.
function responseHeadersPolicy(env) {
  const o = (host) => `http://${host}:${env.origin.port}`;
  return { origins: [o('app.test'), o('other.test')], methods: ['GET', 'HEAD'], headers: ['*'], expose_headers: ['x-cache'], origin_override: true };
}

// config adds to the gateway's configuration the edge host: doorman serve as its upstream,
// no CORS of the gateway's own (the bucket's CORS answers, as S3 behind CloudFront), and one
// cached route per selected case and engine.
function config(env, cfg, selected) {
  if (!selected.length) return cfg;
  const routes = [];
  for (const c of selected) {
    for (const b of BROWSERS) {
      const cache = { ...structuredClone(c.cache), ...(c.headersPolicy ? { response_headers_policy: responseHeadersPolicy(env) } : {}) };
      routes.push({ path: `/${bucketOf(c.id, b)}/`, cache });
    }
  }
  cfg.hosts.push({ match: EDGE, upstream: env.doorman.endpoint, cors: 'off', routes });
  return cfg;
}

module.exports = { cases, HOSTS, ORIGIN_KEYED, config };
