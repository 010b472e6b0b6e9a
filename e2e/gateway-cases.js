// The gateway cases: doorman gateway in front of an API that requires authentication on
// everything (lib/upstream.js), in each engine. Every row has its own route,
// /<case>/<engine>/, so that the gateway's access log, its metrics (labelled by route) and the
// API's log, filtered by that prefix, tell exactly what the row made each of them see, while
// the engines run side by side.
//
// The row's `server` lists what the gateway logged ("gateway METHOD STATUS", its CORS decision
// and why it refused, the upstream failure it answered for), then what reached the API
// ("upstream METHOD STATUS"), then what the row measured at the gateway itself (its metrics,
// or a header's lines on a request of its own). `expect` is as in cases.js.
//
// The pages' origins are plain http with ports (the suite has no TLS for its test hosts), so
// the subdomain wildcard of case g5 is http://*.app.test:PORT, the same rule as https://*.app.test.
// The API host api.app.test is same-site with app.test (ports and subdomains do not make another
// site), so the session cookie that api.app.test sets on a top-level visit is sent by a
// credentialed fetch() from app.test in every engine, as it is for an app and its API under one
// registrable domain.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { TOKEN, COOKIE, SLOW_MS } = require('./lib/upstream');
const { rawRequest } = require('./lib/gateway');

const BROWSERS = ['chromium', 'firefox', 'webkit'];

// Host names of the gateway cases; the browsers map them to 127.0.0.1 like the others.
const API = 'api.app.test';
const TENANT_SUFFIX = 'api.test';
const tenantOf = (browser) => `acme-${browser}`;
// UNROUTED is a host the configuration does not name: the gateway answers it 404 itself.
const UNROUTED = 'unrouted.app.test';
const HOSTS = [API, UNROUTED, 'a.app.test', 'app.test.evil.test', 'old.app.test', 'shop.acme.test',
  ...BROWSERS.map((b) => `${tenantOf(b)}.${TENANT_SUFFIX}`)];

// How long a tenant's new origin may take to be allowed: the bound.
const TENANT_APPLY_MS = 2000;
// The gateway's wait for the API's answer: shorter than the slow endpoint's SLOW_MS, far
// longer than any other endpoint takes.
const UPSTREAM_TIMEOUT = '2s';
// The gateway's bound on a request body, and a body past it (the cases' other bodies are a
// few bytes).
const MAX_BODY = '64KiB';
const TOO_LARGE = 100 * 1024;
// Past the 5 s every engine keeps a preflight that has no Access-Control-Max-Age.
const PAST_DEFAULT_CACHE_MS = 5500;

const BEARER = { Authorization: `Bearer ${TOKEN}` };

// What the gateway logs: method, status, then its CORS decision; LOGIN is the top-level visit
// of login(), which has no Origin.
const ALLOWED = (method, status) => `gateway ${method} ${status} actual allowed`;
const PREFLIGHT_OK = 'gateway OPTIONS 204 preflight allowed';
const PREFLIGHT_REFUSED = 'gateway OPTIONS 403 preflight refused (origin)';
const LOGIN = ['gateway GET 200'];

// Firefox's and WebKit's reasons (Chromium's are its corsError names).
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const FF_PREFLIGHT_FAILED = /^CORS header ‘Access-Control-Allow-Origin’ missing; CORS request did not succeed$/;
const WK_PREFLIGHT = (status) => new RegExp(`^Preflight response is not successful\\. Status code: ${status}$`);
const WK_NOT_ALLOWED = (host, status) => new RegExp(`^Origin http://${escape(host)}:\\d+ is not allowed by Access-Control-Allow-Origin\\. Status code: ${status}$`);
const WK_STATUS_FIRST = 'WebKit checks the preflight\'s status first: it reports the 403, not the missing Access-Control-Allow-Origin';

// A refused preflight: the gateway answers 403 without CORS headers (its documented refusal),
// nothing reaches the API.
const refusedPreflight = (server) => ({
  outcome: 'blocked', chromium: 'PreflightMissingAllowOriginHeader', firefox: FF_PREFLIGHT_FAILED, webkit: WK_PREFLIGHT(403),
  server, notes: { webkit: WK_STATUS_FIRST },
});

function fetched(r, { body = false } = {}) {
  if (!r.ok) return 'blocked';
  return body ? `ok ${r.status} ${r.body}` : `ok ${r.status}`;
}

// Each row's path prefix and URLs.
const prefix = (t) => `/${t.c.id}/${t.browser}/`;
function api(t, endpoint, host = API) {
  t.prefix = prefix(t);
  return `http://${host}:${t.env.gateway.port}${t.prefix}${endpoint}`;
}

// login visits the API host's login page, as a user signing in does: the API sets its session
// cookie there, first-party. The page under test is opened afterwards.
async function login(t) {
  await t.open(`http://${API}:${t.env.gateway.port}`, `${prefix(t)}login`);
  t.prefix = prefix(t);
}

async function openPage(t, origin) {
  if (t.session) await t.session.goto(`${origin}/`);
  else await t.open(origin);
}

// metric sums the gateway's samples of `name` whose route is the row's and whose labels
// include `labels`.
async function metric(t, name, labels = {}) {
  const samples = await t.env.gateway.metrics();
  return samples.filter((s) => s.name === name && (s.labels.route || '').endsWith(prefix(t))
    && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
}

// The policies, by name, given the pages' origin port; the routes name them.
function policies(env) {
  const o = (host) => `http://${host}:${env.origin.port}`;
  return {
    'web-app': {
      origins: [o('app.test')], methods: ['GET', 'PUT', 'DELETE'], request_headers: ['authorization', 'content-type'],
      expose_headers: ['x-request-id'], max_age: '600s', credentials: true,
    },
    subdomains: { origins: [o('*.app.test')], methods: ['GET'], request_headers: ['authorization'] },
    // The tighter policy being rolled out over an API that answers CORS itself: app.test only.
    'shadow-rollout': { origins: [o('app.test')], credentials: true, enforce: 'shadow' },
    // Each tenant's origins come from its file; the base lists the app itself.
    tenants: { origins: [o('app.test')], methods: ['GET'], request_headers: ['authorization'] },
    // API Gateway HTTP API CorsConfigurations as SAM templates hold them (files written below).
    'apigw-no-methods': { import: { format: 'sam', file: 'g10a-template.yaml', resource: 'Api' } },
    'apigw-methods-star': { import: { format: 'sam', file: 'g10b-template.yaml', resource: 'Api' } },
  };
}

// A SAM template of an HTTP API with the given CorsConfiguration.
function samTemplate(cors) {
  const lines = ['AWSTemplateFormatVersion: "2010-09-09"', 'Transform: AWS::Serverless-2016-10-31', 'Resources:',
    '  Api:', '    Type: AWS::Serverless::HttpApi', '    Properties:', '      CorsConfiguration:'];
  for (const [k, v] of Object.entries(cors)) lines.push(`        ${k}: ${JSON.stringify(v)}`);
  return `${lines.join('\n')}\n`;
}

// tenantFile writes a tenant's origins as a deployment tool would: a new file renamed over the
// old one.
function tenantFile(dir, tenant, origins) {
  const file = path.join(dir, 'tenants', `${tenant}.yaml`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, `origins: ${JSON.stringify(origins)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

// config is the gateway's configuration for the selected cases, with the files it names
// written into `dir`.
function config(env, dir, selected) {
  const app = `http://app.test:${env.origin.port}`;
  fs.writeFileSync(path.join(dir, 'g10a-template.yaml'), samTemplate({ AllowOrigins: [app], AllowHeaders: ['authorization'] }));
  fs.writeFileSync(path.join(dir, 'g10b-template.yaml'), samTemplate({ AllowOrigins: [app], AllowMethods: ['*'] }));
  for (const b of BROWSERS) tenantFile(dir, tenantOf(b), [app]);
  const routes = [];
  for (const c of selected) {
    if (!c.policy) continue;
    for (const b of BROWSERS) {
      routes.push({ path: `/${c.id}/${b}/`, ...(c.upstream === 'down' ? { upstream: env.deadUpstream } : {}), cors: { policy: c.policy } });
    }
  }
  return {
    version: 1,
    listen: `127.0.0.1:${env.gatewayPorts.listen}`,
    admin: { listen: `127.0.0.1:${env.gatewayPorts.admin}` },
    limits: { upstream_timeout: UPSTREAM_TIMEOUT, max_body: MAX_BODY },
    access_log: 'stderr',
    policies: policies(env),
    defaults: { cors: { policy: 'web-app' } },
    hosts: [
      { match: API, upstream: env.upstream.url, cors: { policy: 'web-app' }, routes },
      { match: `{tenant}.${TENANT_SUFFIX}`, upstream: env.upstream.url, cors: { policy: 'tenants', origins_from: { file: 'tenants/{tenant}.yaml' } } },
    ],
  };
}

const cases = [
  // 1. A credentialed fetch with the API's session cookie.
  {
    id: 'g1', title: 'gateway: credentialed fetch with the API host\'s cookie, allowed origin', policy: 'web-app',
    async run(t) {
      await login(t);
      await openPage(t, t.APP);
      return fetched(await t.page('fetch', { url: api(t, 'whoami'), credentials: 'include' }), { body: true });
    },
    expect: {
      outcome: 'ok 200 {"user":"alice","cookie":"session=e2e-alice"}',
      server: [...LOGIN, ALLOWED('GET', 200), 'upstream GET 200', 'upstream GET 200'],
      note: 'the first GET of each is the top-level login on api.app.test that sets the cookie',
    },
  },

  // 2. A PUT with JSON and Authorization: the preflight is answered at the gateway; the API,
  // which refuses unauthenticated OPTIONS, never sees it.
  {
    id: 'g2', title: 'gateway: PUT with JSON and Authorization, API refuses unauthenticated OPTIONS', policy: 'web-app',
    async run(t) {
      await t.open(t.APP);
      return fetched(await t.page('fetch', {
        url: api(t, 'item'), method: 'PUT', headers: { ...BEARER, 'Content-Type': 'application/json' }, body: '{"n":1}',
      }), { body: true });
    },
    expect: { outcome: 'ok 200 {"method":"PUT","received":{"n":1}}', server: [PREFLIGHT_OK, ALLOWED('PUT', 200), 'upstream PUT 200'] },
  },

  // 3. Errors are statuses, not CORS errors: the API's 500, and the gateway's own 502.
  {
    id: 'g3a', title: 'gateway: the API\'s 500 read as 500', policy: 'web-app',
    async run(t) {
      await t.open(t.APP);
      return fetched(await t.page('fetch', { url: api(t, 'fail'), headers: BEARER }), { body: true });
    },
    expect: { outcome: 'ok 500 {"message":"upstream failure"}', server: [PREFLIGHT_OK, ALLOWED('GET', 500), 'upstream GET 500'] },
  },
  {
    id: 'g3b', title: 'gateway: API down, the gateway\'s 502 read as 502', policy: 'web-app', upstream: 'down',
    async run(t) {
      await t.open(t.APP);
      const r = await t.page('fetch', { url: api(t, 'item'), headers: BEARER });
      return r.ok ? `ok ${r.status} ${r.headers['content-type']}` : 'blocked';
    },
    expect: { outcome: 'ok 502 application/json', server: [PREFLIGHT_OK, `${ALLOWED('GET', 502)} [unreachable]`] },
  },
  {
    id: 'g3c', title: `gateway: the API answers after ${SLOW_MS / 1000} s, the gateway's 504 read as 504`, policy: 'web-app',
    async run(t) {
      await t.open(t.APP);
      const r = await t.page('fetch', { url: api(t, 'slow'), headers: BEARER });
      return r.ok ? `ok ${r.status} ${r.headers['content-type']}` : 'blocked';
    },
    expect: {
      outcome: 'ok 504 application/json', server: [PREFLIGHT_OK, `${ALLOWED('GET', 504)} [timeout]`, 'upstream GET aborted'],
      note: `the gateway gives up after its upstream_timeout (${UPSTREAM_TIMEOUT}) and closes the API's connection`,
    },
  },

  {
    id: 'g3d', title: `gateway: a ${TOO_LARGE / 1024} KiB PUT over max_body ${MAX_BODY}, the gateway's 413 read as 413`, policy: 'web-app',
    async run(t) {
      await t.open(t.APP);
      const body = JSON.stringify({ pad: 'x'.repeat(TOO_LARGE) });
      const r = await t.page('fetch', { url: api(t, 'item'), method: 'PUT', headers: { ...BEARER, 'Content-Type': 'application/json' }, body });
      return r.ok ? `ok ${r.status} ${r.headers['content-type']}` : 'blocked';
    },
    expect: {
      outcome: 'ok 413 application/json', server: [PREFLIGHT_OK, `${ALLOWED('PUT', 413)} [body]`],
      note: 'the gateway refuses the body by its Content-Length, before reading it: nothing reaches the API',
    },
  },

  {
    id: 'g3e', title: 'gateway: a host no route matches, the gateway\'s 404 read as 404',
    async run(t) {
      await t.open(t.APP);
      return fetched(await t.page('fetch', { url: api(t, 'item', UNROUTED), headers: BEARER }), { body: true });
    },
    expect: {
      outcome: 'ok 404 {"message":"Not Found"}', server: [PREFLIGHT_OK, ALLOWED('GET', 404)],
      note: 'the defaults\' policy decorates what no host matches',
    },
  },

  // 4. The API adds Access-Control-Allow-Origin: * itself on a credentialed route.
  {
    id: 'g4', title: 'gateway: API adds its own Access-Control-Allow-Origin: *, credentialed', policy: 'web-app',
    async run(t) {
      await login(t);
      await openPage(t, t.APP);
      const r = fetched(await t.page('fetch', { url: api(t, 'own-acao'), credentials: 'include' }), { body: true });
      await t.settle();
      // What the browser got, counted on the wire: the same request with the same cookie.
      const res = await rawRequest(t.env.gateway.port, API, 'GET', `${prefix(t)}own-acao`, { Origin: t.APP, Cookie: COOKIE });
      const acao = res.all('access-control-allow-origin');
      t.seen.push(`Access-Control-Allow-Origin ×${acao.length}: ${acao.map((v) => v.replace(t.APP, 'ORIGIN')).join(', ')}`);
      return r;
    },
    expect: {
      outcome: 'ok 200 {"user":"alice"}',
      server: [...LOGIN, ALLOWED('GET', 200), 'upstream GET 200', 'upstream GET 200', 'Access-Control-Allow-Origin ×1: ORIGIN'],
    },
  },

  // 5. A subdomain wildcard: a subdomain is admitted; the apex and a look-alike host are not.
  ...[
    { id: 'g5a', host: 'a.app.test', allowed: true },
    { id: 'g5b', host: 'app.test.evil.test', allowed: false },
    { id: 'g5c', host: 'app.test', allowed: false },
  ].map((v) => ({
    id: v.id, title: `gateway: origin http://*.app.test:PORT, page on ${v.host}`, policy: 'subdomains',
    async run(t) {
      await t.open(t.origin(v.host));
      return fetched(await t.page('fetch', { url: api(t, 'item'), headers: BEARER }), { body: true });
    },
    expect: v.allowed
      ? { outcome: 'ok 200 {"method":"GET","received":null}', server: [PREFLIGHT_OK, ALLOWED('GET', 200), 'upstream GET 200'] }
      : refusedPreflight([PREFLIGHT_REFUSED]),
  })),

  // 6. Expose headers.
  {
    id: 'g6', title: 'gateway: x-request-id exposed, x-internal-trace not', policy: 'web-app',
    async run(t) {
      await t.open(t.APP);
      const r = await t.page('fetch', { url: api(t, 'headers'), headers: BEARER });
      if (!r.ok) return 'blocked';
      const show = (h) => `${h} ${r.headers[h] ?? 'unreadable'}`;
      return `ok ${r.status}, ${show('x-request-id')}, ${show('x-internal-trace')}`;
    },
    expect: { outcome: 'ok 200, x-request-id req-e2e-1, x-internal-trace unreadable', server: [PREFLIGHT_OK, ALLOWED('GET', 200), 'upstream GET 200'] },
  },

  // 7. Max-Age: the second request, past the 5 s default, sends no preflight.
  {
    id: 'g7', title: 'gateway: max_age 600s, no preflight again after 5.5 s', policy: 'web-app',
    async run(t) {
      await t.open(t.APP);
      const before = await metric(t, 'doorman_gateway_preflights_answered_total');
      const rs = await t.page('series', { request: { url: api(t, 'item'), headers: BEARER }, pausesMs: [PAST_DEFAULT_CACHE_MS] });
      await t.settle();
      t.seen.push(`preflights answered +${(await metric(t, 'doorman_gateway_preflights_answered_total')) - before}`);
      return rs.map((r) => fetched(r)).join(', ');
    },
    expect: {
      outcome: 'ok 200, ok 200',
      server: [PREFLIGHT_OK, ALLOWED('GET', 200), ALLOWED('GET', 200), 'upstream GET 200', 'upstream GET 200', 'preflights answered +1'],
    },
  },

  // 8. A tenant's origin added to its file, allowed within 2 s, without a restart.
  {
    id: 'g8', title: 'gateway: tenant origin added to its file, allowed within 2 s',
    notReplayable: 'the tenant\'s file changed during the row: its first request was refused by the set of origins the file held then',
    async run(t) {
      const host = `${tenantOf(t.browser)}.${TENANT_SUFFIX}`;
      const shop = t.origin('shop.acme.test');
      await t.open(shop);
      // Two URLs, so that each request's verdict is told apart in the results.
      const request = (when) => ({ url: `${api(t, 'item', host)}?${when}`, headers: BEARER });
      const before = fetched(await t.page('fetch', request('before')));
      tenantFile(t.env.gatewayDir, tenantOf(t.browser), [t.APP, shop]);
      await new Promise((r) => setTimeout(r, TENANT_APPLY_MS));
      const after = fetched(await t.page('fetch', request('after')));
      return `before ${before}, ${TENANT_APPLY_MS / 1000} s after the file changed ${after}`;
    },
    expect: {
      outcome: 'before blocked, 2 s after the file changed ok 200',
      chromium: 'PreflightMissingAllowOriginHeader', firefox: FF_PREFLIGHT_FAILED, webkit: WK_PREFLIGHT(403),
      server: [PREFLIGHT_REFUSED, PREFLIGHT_OK, ALLOWED('GET', 200), 'upstream GET 200'],
      notes: { webkit: WK_STATUS_FIRST },
    },
  },

  // 9. Shadow mode: the tighter policy is evaluated and counted, the request goes through as
  // before (the API's own CORS answers it).
  {
    id: 'g9', title: 'gateway: shadow policy lets a request through and counts it', policy: 'shadow-rollout',
    async run(t) {
      await login(t);
      await openPage(t, t.origin('old.app.test'));
      const before = await metric(t, 'doorman_gateway_cors_decisions_total', { outcome: 'shadow-refused' });
      const r = fetched(await t.page('fetch', { url: api(t, 'legacy'), credentials: 'include' }), { body: true });
      await t.settle();
      t.seen.push(`shadow-refused +${(await metric(t, 'doorman_gateway_cors_decisions_total', { outcome: 'shadow-refused' })) - before}`);
      return r;
    },
    expect: {
      outcome: 'ok 200 {"user":"alice","legacy":true}',
      server: [...LOGIN, 'gateway GET 200 actual shadow-refused (origin)', 'upstream GET 200', 'upstream GET 200', 'shadow-refused +1'],
    },
  },

  // 10. API Gateway HTTP API semantics, from SAM templates: a CorsConfiguration without
  // AllowMethods never matches a preflight; with AllowMethods ["*"] and no AllowHeaders it
  // matches one that asks for no header, and Access-Control-Allow-Headers is sent empty.
  {
    id: 'g10a', title: 'gateway apigw-http: SAM CorsConfiguration without AllowMethods, preflight never matches', policy: 'apigw-no-methods',
    async run(t) {
      await t.open(t.APP);
      return fetched(await t.page('fetch', { url: api(t, 'item'), headers: BEARER }));
    },
    expect: {
      outcome: 'blocked', chromium: 'PreflightMissingAllowOriginHeader', firefox: FF_PREFLIGHT_FAILED, webkit: WK_NOT_ALLOWED('app.test', 204),
      server: ['gateway OPTIONS 204 preflight refused (unconfigured)'], note: 'API Gateway answers an unmatched preflight without CORS headers',
    },
  },
  {
    id: 'g10b', title: 'gateway apigw-http: SAM CorsConfiguration with AllowMethods *, DELETE without headers', policy: 'apigw-methods-star',
    async run(t) {
      await t.open(t.APP);
      const r = fetched(await t.page('fetch', { url: api(t, 'item'), method: 'DELETE' }), { body: true });
      await t.settle();
      const res = await rawRequest(t.env.gateway.port, API, 'OPTIONS', `${prefix(t)}item`, { Origin: t.APP, 'Access-Control-Request-Method': 'DELETE' });
      const acah = res.all('access-control-allow-headers');
      t.seen.push(`preflight ${res.status}, Access-Control-Allow-Headers ${acah.length ? JSON.stringify(acah.join(', ')) : 'absent'}`);
      return r;
    },
    expect: {
      outcome: 'ok 401 {"message":"Unauthorized"}',
      server: [PREFLIGHT_OK, ALLOWED('DELETE', 401), 'upstream DELETE 401', 'preflight 204, Access-Control-Allow-Headers ""'],
      note: 'the DELETE carries no credentials (AllowHeaders admits none): the API\'s 401 is read as a status',
    },
  },
];

module.exports = { cases, HOSTS, config };
