// Starts `doorman gateway` for the gateway cases with a configuration file generated for the
// run (the pages' origins carry the origin server's port), collects its JSON access log from
// stderr, and reads its metrics from the admin listener.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { ORIGIN_KEYED } = require('../edge-cases');

// The gateway is ready within a second on a quiet machine; this bounds a busy one.
const START_TIMEOUT_MS = 15000;
const POLL_MS = 50;
// How long the gateway gets to exit after SIGTERM before SIGKILL.
const STOP_GRACE_MS = 5000;
// A request of the runner's own to the gateway (metrics, header counts) answers well within this.
const REQUEST_TIMEOUT_MS = 5000;

// Mutations break the gateway's configuration on purpose, into what a naive or misconfigured
// proxy does, to show which cases notice (E2E_MUTATE names one; the S3 mutations of
// doorman.js leave the gateway alone, and these leave the S3 rules alone).
// forEachPolicy changes every policy; an imported one only when `imports` (a policy's own
// fields override what its import sets).
const forEachPolicy = (fn, { imports = false } = {}) => (cfg) => {
  for (const p of Object.values(cfg.policies)) if (imports || !p.import) fn(p);
};
// forEachCache changes every cache block, of hosts and of routes.
const forEachCache = (fn) => (cfg) => {
  for (const h of cfg.hosts) {
    for (const block of [h, ...(h.routes || [])]) if (block.cache && typeof block.cache === 'object') fn(block.cache);
  }
};
const GATEWAY_MUTATIONS = {
  // Preflights go on to the API, as most proxies forward them (it answers 401).
  'gw-preflight-passthrough': forEachPolicy((p) => { p.preflight = { mode: 'passthrough' }; }, { imports: true }),
  // The API's own Access-Control-* headers reach the browser, and the gateway adds none.
  'gw-upstream-passthrough': forEachPolicy((p) => { p.upstream_headers = 'passthrough'; }, { imports: true }),
  // No policy allows credentials.
  'gw-drop-credentials': forEachPolicy((p) => { delete p.credentials; }),
  // No policy exposes a header.
  'gw-drop-expose-headers': forEachPolicy((p) => { delete p.expose_headers; }),
  // No policy lets browsers keep its preflights.
  'gw-drop-max-age': forEachPolicy((p) => { delete p.max_age; }),
  // Every origin gets another port: the pages' origins no longer match.
  'gw-change-origin': forEachPolicy((p) => { p.origins = p.origins.map((o) => o.replace(/:(\d+)$/, (_, n) => `:${Number(n) + 1}`)); }),
  // A subdomain wildcard written as the regular expression people write by hand, anchored
  // but matching anything around the domain.
  'gw-sloppy-pattern': forEachPolicy((p) => {
    const wild = p.origins.filter((o) => o.includes('://*.'));
    if (!wild.length) return;
    p.origins = p.origins.filter((o) => !wild.includes(o));
    p.origin_patterns = wild.map((o) => `^${o.split('://*.')[0]}://.*${o.split('://*.')[1].split(':')[0].replace(/\./g, '\\.')}.*$`);
  }),
  // Shadow policies are enforced.
  'gw-shadow-enforced': forEachPolicy((p) => { if (p.enforce === 'shadow') p.enforce = 'on'; }),
  // The gateway does no CORS at all: a plain reverse proxy.
  'gw-naive': forEachPolicy((p) => { p.enforce = 'off'; }, { imports: true }),
  // Tenants' origins are fixed in the configuration, as a map in a proxy's configuration is:
  // a tenant's file is never read.
  'gw-static-tenant': (cfg) => {
    for (const h of cfg.hosts) if (h.cors && typeof h.cors === 'object') delete h.cors.origins_from;
  },
  // The imported API Gateway configurations are evaluated with the Fetch standard's
  // semantics, not API Gateway's.
  'gw-fetch-semantics': (cfg) => {
    for (const p of Object.values(cfg.policies)) if (p.import) p.semantics = 'fetch';
  },
  // The edge mutations change the routes' cache behaviours (edge-cases.js).
  // Origin taken out of every cache key: the cure of e2 and e4 undone.
  'edge-key-without-origin': forEachCache((c) => {
    if (typeof c.policy !== 'object' || !c.policy.headers) return;
    c.policy.headers = c.policy.headers.filter((h) => h.toLowerCase() !== 'origin');
    if (!c.policy.headers.length) delete c.policy.headers;
  }),
  // CachingOptimized replaced by the same TTLs with Origin in the key: the trap of e1 cured.
  'edge-origin-in-key': forEachCache((c) => {
    if (c.policy === 'CachingOptimized') c.policy = structuredClone(ORIGIN_KEYED);
  }),
  // Every response headers policy keeps the origin's (cached) CORS headers.
  'edge-origin-override-false': forEachCache((c) => {
    if (c.response_headers_policy && typeof c.response_headers_policy === 'object') c.response_headers_policy.origin_override = false;
  }),
  // No response headers policy.
  'edge-no-response-headers-policy': forEachCache((c) => { delete c.response_headers_policy; }),
  // Nothing cached (CachingDisabled): the origin answers every request for its own Origin.
  'edge-caching-disabled': forEachCache((c) => { c.policy = 'CachingDisabled'; }),
};

// isGatewayMutation tells a mutation of the gateway's configuration from one of the S3 rules.
const isGatewayMutation = (m) => Object.hasOwn(GATEWAY_MUTATIONS, m || '');

// freePort asks the kernel for a free loopback port (the gateway listens on the address its
// configuration gives).
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// rawRequest sends one request to 127.0.0.1:port with the given Host and returns its status
// and all(name): the values of every line of that header as sent (repeated lines kept apart).
function rawRequest(port, host, method, pathname, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: pathname, headers: { Host: `${host}:${port}`, ...headers }, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => {
        // Name and value of every header line, repeated lines kept apart.
        const pairs = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i].toLowerCase(), res.rawHeaders[i + 1]]);
        resolve({ status: res.statusCode, all: (name) => pairs.filter(([n]) => n === name).map(([, v]) => v) });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${pathname}: no answer in ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

// parseMetrics reads Prometheus text exposition into samples {name, labels, value}.
function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const l of (m[2] || '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\(.)/g, '$1');
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

class Gateway {
  constructor() {
    this.log = [];
    this.stderrTail = [];
  }

  // start writes the configuration `build(dir)` returns (after E2E_MUTATE's mutation) into a
  // fresh folder, where build also writes the files it names, and starts the gateway on it.
  async start(bin, build, mutation) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doorman-e2e-gateway-'));
    const cfg = build(this.dir);
    if (GATEWAY_MUTATIONS[mutation]) GATEWAY_MUTATIONS[mutation](cfg);
    this.config = cfg;
    this.file = path.join(this.dir, 'gateway.yaml');
    // JSON is YAML: the file is the configuration a person would write, in flow style.
    fs.writeFileSync(this.file, `${JSON.stringify(cfg, null, 2)}\n`);
    this.port = Number(cfg.listen.split(':').pop());
    this.admin = `http://${cfg.admin.listen}`;
    this.proc = spawn(bin, ['gateway', '--config', this.file], { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.proc.stdout, this.proc.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        let entry;
        try { entry = JSON.parse(line); } catch { entry = null; }
        if (entry && entry.method && entry.status) this.log.push(entry);
        else this.stderrTail = [...this.stderrTail.slice(-20), line];
      });
    }
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const ready = await fetch(`${this.admin}/healthz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
      if (ready) break;
      if (this.proc.exitCode !== null) {
        await exited;
        throw new Error(`doorman gateway exited with ${this.proc.exitCode}:\n${this.stderrTail.join('\n')}`);
      }
      if (Date.now() > deadline) throw new Error(`doorman gateway not ready after ${START_TIMEOUT_MS} ms:\n${this.stderrTail.join('\n')}`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    return this;
  }

  // seen lists, in order, what the gateway logged under `prefix` since index `from`: method,
  // status, its CORS decision ("preflight allowed", "actual refused (origin)", …) and the
  // upstream failure it answered for.
  seen(prefix, from = 0) {
    return this.log.slice(from).filter((e) => (e.path || '').startsWith(prefix)).map((e) => [
      `gateway ${e.method} ${e.status}`,
      e.cors ? ` ${e.cors} ${e.cors_outcome}${e.cors_reason ? ` (${e.cors_reason})` : ''}` : '',
      e.error ? ` [${e.error}]` : '',
    ].join(''));
  }

  async metrics() {
    const res = await fetch(`${this.admin}/metrics`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`gateway /metrics: ${res.status}`);
    return parseMetrics(await res.text());
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise((resolve) => this.proc.once('exit', resolve));
      process.kill(this.proc.pid, 'SIGTERM');
      const timer = setTimeout(() => process.kill(this.proc.pid, 'SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

module.exports = { Gateway, GATEWAY_MUTATIONS, isGatewayMutation, freePort, rawRequest };
