// The API behind doorman gateway in the gateway cases: a real HTTP server on 127.0.0.1 that,
// like most production APIs, requires authentication on everything: an unauthenticated
// request, OPTIONS included, gets 401 before any handler runs. That is the server a naive
// proxy forwards preflights to, which is why the browser then reports a preflight failure
// instead of the API's answer.
//
// Authentication is either `Authorization: Bearer TOKEN` or the session cookie that
// GET …/login sets (the only unauthenticated endpoint). The handler is chosen by the last path
// segment, so that every row can use its own path prefix (/g2/chromium/item) and the log, kept
// per request, tells what each row made reach the API.
'use strict';

const http = require('node:http');

const TOKEN = 'e2e-token';
const SESSION = 'e2e-alice';
const COOKIE = `session=${SESSION}`;
// A request body larger than this is refused: the cases send a few bytes of JSON.
const MAX_BODY = 64 * 1024;
// How long the slow endpoint takes to answer: longer than the gateway's upstream_timeout in
// the gateway cases' configuration (gateway-cases.js), so the gateway gives up first.
const SLOW_MS = 5000;
// How long an idle kept-alive connection stays open: longer than the gateway keeps an idle
// upstream connection (at most 90 s), as behind any proxy, so that the gateway, not the API,
// closes idle connections and never sends a request on one the API is closing (Node's
// default is 5 s).
const KEEP_ALIVE_MS = 120 * 1000;

// What a 401 says, as an API behind an authorizer says it.
function unauthorized(res) {
  res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Bearer realm="e2e"' });
  res.end('{"message":"Unauthorized"}');
}

function json(res, status, value, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}

function authenticated(req) {
  if (req.headers.authorization === `Bearer ${TOKEN}`) return true;
  return (req.headers.cookie || '').split(/;\s*/).includes(COOKIE);
}

// The endpoints, by last path segment.
const HANDLERS = {
  // Echoes the cookies the browser sent: the page reads them back through the gateway.
  whoami: (req, res) => json(res, 200, { user: 'alice', cookie: req.headers.cookie || null }),
  // Stores nothing, but answers what it was given, so that the page sees its PUT arrived.
  item: (req, res, body) => json(res, 200, { method: req.method, received: body ? JSON.parse(body) : null }),
  // Fails as an application fails.
  fail: (req, res) => json(res, 500, { message: 'upstream failure' }),
  // Has CORS of its own, as frameworks add by default: Access-Control-Allow-Origin: *.
  'own-acao': (req, res) => json(res, 200, { user: 'alice' }, { 'Access-Control-Allow-Origin': '*' }),
  // Headers for the page to read, one meant to be exposed and one not.
  headers: (req, res) => json(res, 200, { ok: true }, { 'X-Request-Id': 'req-e2e-1', 'X-Internal-Trace': 'trace-e2e-1' }),
  // Answers too late, unless the client goes away first.
  slow: (req, res) => {
    const timer = setTimeout(() => json(res, 200, { late: true }), SLOW_MS);
    res.on('close', () => clearTimeout(timer));
  },
};

// The legacy endpoint owns its CORS, as the app did before the gateway's policy is enforced:
// it reflects any Origin with credentials, on every answer (its CORS layer runs before auth).
const LEGACY = 'legacy';

async function startUpstream() {
  const log = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://upstream');
    const endpoint = url.pathname.split('/').pop();
    const entry = { method: req.method, path: url.pathname, origin: req.headers.origin || null, status: 0 };
    // Logged when answered, or when the client closed the connection before the answer.
    res.on('close', () => {
      entry.status = res.writableFinished ? res.statusCode : 'aborted';
      log.push(entry);
    });
    if (endpoint === LEGACY && req.headers.origin) {
      res.setHeader('Access-Control-Allow-Origin', req.headers.origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    }
    if (endpoint === 'login' && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Set-Cookie': `${COOKIE}; Path=/; HttpOnly; SameSite=Lax` });
      res.end('<!doctype html><title>logged in</title>logged in');
      return;
    }
    if (!authenticated(req)) {
      req.resume();
      unauthorized(res);
      return;
    }
    const handler = endpoint === LEGACY ? (_, r) => json(r, 200, { user: 'alice', legacy: true }) : HANDLERS[endpoint];
    if (!handler) {
      req.resume();
      json(res, 404, { message: 'no such endpoint' });
      return;
    }
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      try {
        handler(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        json(res, 400, { message: e.message });
      }
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    url: `http://127.0.0.1:${server.address().port}`,
    log,
    // seen lists, in order, what reached the API under `prefix` since index `from`.
    seen: (prefix, from = 0) => log.slice(from).filter((e) => e.path.startsWith(prefix)).map((e) => `upstream ${e.method} ${e.status}`),
    close: () => new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    }),
  };
}

module.exports = { startUpstream, TOKEN, COOKIE, SLOW_MS };
