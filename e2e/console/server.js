// doorman serve with its console, for the console's tests: two users (the suite's owner and
// another, from a --credentials file), the console and its probe on free loopback ports, and
// `doorman explain` run as the command line runs it.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Doorman, ACCESS_KEY, SECRET_KEY } = require('../lib/doorman');

const OWNER = { accessKey: ACCESS_KEY, secretKey: SECRET_KEY };
const OTHER = { accessKey: 'E2EOTHERKEY00000002', secretKey: 'e2e-other-secret-not-a-real-one-00000002', displayName: 'other' };
// explain answers in milliseconds; this bounds a stuck process.
const EXPLAIN_TIMEOUT_MS = 10000;

// startServer starts doorman serve and returns it with the console's and the probe's URLs.
async function startServer(bin) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doorman-e2e-console-'));
  const credentials = path.join(dir, 'users.json');
  fs.writeFileSync(credentials, JSON.stringify([OTHER]), { mode: 0o600 });
  const d = new Doorman('console', ['--console-addr', '127.0.0.1:0', '--console-probe-addr', '127.0.0.1:0',
    '--credentials', credentials]);
  try {
    await d.start(bin);
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const printed = (re) => {
    for (const line of d.stdout) {
      const m = re.exec(line);
      if (m) return m[1];
    }
    return null;
  };
  const consoleURL = printed(/^doorman console on (http:\/\/\S+)$/);
  const probeURL = printed(/^doorman console probe on (http:\/\/\S+)$/);
  const stop = async () => {
    await d.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  if (!consoleURL || !probeURL) {
    await stop();
    throw new Error(`doorman serve printed no console or probe address:\n${d.stdout.join('\n')}`);
  }
  return { doorman: d, consoleURL, probePort: Number(new URL(probeURL).port), probeURL, dir, stop };
}

// explain runs `doorman explain` on a configuration document for one request, as a person
// would at the command line: it returns the text printed and the exit status.
function explain(bin, dir, document, { origin, method, headers = [], key, preflight }) {
  const config = path.join(dir, `explain-${process.hrtime.bigint()}.json`);
  fs.writeFileSync(config, document);
  const args = ['explain', '--config', config, '--origin', origin, '--method', method];
  for (const h of headers) args.push('--header', h);
  if (key) args.push('--key', key);
  if (preflight) args.push('--preflight');
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: EXPLAIN_TIMEOUT_MS });
  fs.rmSync(config, { force: true });
  if (r.error) throw r.error;
  if (r.status !== 0 && r.status !== 1) throw new Error(`doorman ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  const command = ['doorman', ...args].map((a) => (a === config ? 'cors.json' : /[\s"]/.test(a) ? JSON.stringify(a) : a)).join(' ');
  return { command, stdout: r.stdout, status: r.status };
}

// responseOf is the part of explain's text that is S3's response: what comes before the
// outcome.
function responseOf(text) {
  return text.split('\nOutcome:')[0].trim();
}

// api calls the console's API from outside any browser: with a session cookie and a CSRF
// token, as a replayed request would.
async function api(consoleURL, method, p, { cookie, csrf, body } = {}) {
  const headers = {};
  if (cookie) headers.Cookie = cookie;
  if (csrf) headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(consoleURL + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual' });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text, setCookie: res.headers.get('set-cookie') };
}

// signIn signs a user in through the API and returns the cookie and CSRF token.
async function signIn(consoleURL, user) {
  const r = await api(consoleURL, 'POST', '/api/session', { body: { accessKey: user.accessKey, secretKey: user.secretKey } });
  if (r.status !== 200) throw new Error(`sign-in as ${user.accessKey}: ${r.status} ${r.text}`);
  return { cookie: r.setCookie.split(';')[0], csrf: r.json.csrfToken };
}

module.exports = { startServer, explain, responseOf, api, signIn, OWNER, OTHER };
