// doorman's CORS in real browsers. Starts doorman (twice: as S3, and with --vary-origin-always),
// a static server for the pages' origins, for the gateway cases `doorman gateway` in front of an
// API that requires authentication (and, for the edge cases, caching in front of doorman),
// headless Chromium, Firefox and WebKit; runs every case in each; writes results/verdicts.md and
// results/verdicts.json; exits non-zero on any mismatch.
//
//   node e2e/run.js            DOORMAN_BIN   the doorman binary (default bin/doorman)
//                              E2E_CASES     a regular expression on case ids, e.g. '^(2|5)'
//                              E2E_BROWSERS  the engines, e.g. 'chromium,webkit' (default all)
//                              E2E_MUTATE    upload mutated CORS rules (see lib/doorman.js), or
//                                            mutate the gateway's configuration (lib/gateway.js)
//                              E2E_LONG=1    also the waits that take minutes (see cases.js)
//                              E2E_RESULTS   where the verdicts go (default e2e/results)
//                              E2E_TOPOLOGY  embedded (default), or scale-out: the S3 cases
//                                            against doorman nodes over MinIO behind nginx
//                                            (lib/scaleout.js), verdicts in RESULTS/scale-out,
//                                            compared with RESULTS/verdicts.json
//                              E2E_RUN       an id `make e2e` gives both runs, so that the
//                                            scale-out run compares with the embedded run of
//                                            the same invocation
//                              CI=true       a missing browser is a failure, not a skip
'use strict';

// The pinned SDK works on this Node; its notice about future releases needing Node 22 is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const fs = require('node:fs');
const path = require('node:path');
const { Doorman, ACCESS_KEY, SECRET_KEY, REGION, MUTATION } = require('./lib/doorman');
const { startOrigin } = require('./lib/origin');
const { launch, missing } = require('./lib/browsers');
const { cases: s3Cases, hosts, DOMAIN } = require('./cases');
const accessCases = require('./access-cases');
const versioningCases = require('./versioning-cases');
const objectLockCases = require('./objectlock-cases');
const gatewayCases = require('./gateway-cases');
const edgeCases = require('./edge-cases');
const { Gateway, freePort, isGatewayMutation } = require('./lib/gateway');
const { startUpstream } = require('./lib/upstream');
const { agreement, agreementTable, agreementSummary } = require('./lib/agreement');
const { MinIO, minioBinary, startScaleOut } = require('./lib/scaleout');

const BROWSERS = ['chromium', 'firefox', 'webkit'];
// What a script sees of a blocked request: fetch() rejects with this TypeError, in each engine.
const PAGE_ERRORS = {
  chromium: 'TypeError: Failed to fetch',
  firefox: 'TypeError: NetworkError when attempting to fetch resource.',
  webkit: 'TypeError: Load failed',
};
const SETTLE_MS = 300; // browser events and access-log lines can arrive after the page's promise
const ROW_TIMEOUT_MS = 30000;
const TOPOLOGIES = ['embedded', 'scale-out'];
const TOPOLOGY = process.env.E2E_TOPOLOGY || 'embedded';
if (!TOPOLOGIES.includes(TOPOLOGY)) throw new Error(`E2E_TOPOLOGY=${TOPOLOGY}: unknown; one of ${TOPOLOGIES.join(', ')}`);
const SCALE_OUT = TOPOLOGY === 'scale-out';
// The embedded run's results; the scale-out run's go in a folder of their own below them.
const EMBEDDED_RESULTS = process.env.E2E_RESULTS || path.join(__dirname, 'results');
const RESULTS = SCALE_OUT ? path.join(EMBEDDED_RESULTS, 'scale-out') : EMBEDDED_RESULTS;
const RUN_ID = process.env.E2E_RUN || null;
const BIN = process.env.DOORMAN_BIN || path.join(__dirname, '..', 'bin', 'doorman');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const cases = [...s3Cases, ...accessCases.cases, ...versioningCases.cases, ...objectLockCases.cases, ...gatewayCases.cases, ...edgeCases.cases];
const isGatewayCase = (c) => gatewayCases.cases.includes(c);
const isEdgeCase = (c) => edgeCases.cases.includes(c);

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// RowContext is what a case's run(t) works with: its buckets, its page, its server log.
class RowContext {
  constructor(c, browser, env) {
    this.c = c;
    this.browser = browser.name;
    this.engine = browser;
    this.env = env;
    this.d = env.doorman;
    this.dVary = env.doormanVary;
    this.APP = this.origin('app.test');
    this.OTHER = this.origin('other.test');
    this.region = REGION;
    this.credentials = { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY };
    this.buckets = {};
    this.seenByPage = [];
    // What the pages the row left had recorded (navigate), before the last page's own.
    this.left = { requests: [], errors: [] };
  }

  origin(host) { return `http://${host}:${this.env.origin.port}`; }

  bucketName(suffix) { return `c${this.c.id}${suffix ? `-${suffix}` : ''}-${this.browser}`; }

  // bucket creates the row's bucket (on `server`, default doorman) and notes its rules.
  async bucket(suffix, { server = this.d, ...opts } = {}) {
    const name = this.bucketName(suffix);
    this.buckets[name] = { server, cors: opts.cors };
    await server.bucket(name, opts);
    return name;
  }

  url(bucket, key = '', host = '127.0.0.1', server = this.d) {
    return `http://${host}:${server.port}/${bucket}${key ? `/${key}` : ''}`;
  }

  vhost(bucket) { return `${bucket}.${DOMAIN}:${this.d.port}`; }

  // open loads a page in a fresh browser context; what doorman logs from now on is the row's.
  async open(origin, pathname = '/') {
    if (!this.session) this.session = await this.engine.session();
    await this.propagated();
    this.mark();
    await this.session.goto(origin + pathname);
  }

  // navigate loads another page in the row's context (or opens it), keeping what the page it
  // leaves recorded: its fetch() calls and their errors.
  async navigate(origin, pathname = '/') {
    if (!this.session) return this.open(origin, pathname);
    this.left.requests.push(...await this.session.call('requests'));
    this.left.errors.push(...await this.session.call('errors'));
    await this.propagated();
    return this.session.goto(origin + pathname);
  }

  mark() {
    if (!this.marks) this.marks = this.servers().map((s) => (s.mark ? s.mark() : s.log.length));
  }

  // propagated waits, in a scale-out deployment, until every node has seen the bucket settings
  // the row wrote, so that whichever node the load balancer picks answers with them (the
  // deployment's guarantee is within about two polls: docs/scale-out.md).
  async propagated() {
    await Promise.all(this.servers().filter((s) => s.propagated).map((s) => s.propagated()));
  }

  // The S3 servers, then (for the gateway cases) the gateway and the API behind it.
  servers() { return [this.d, this.dVary, this.env.gateway, this.env.upstream].filter(Boolean); }

  // page calls an in-page helper (page/probe.js) and keeps what it returned.
  async page(fn, arg) {
    await this.propagated();
    this.mark();
    const result = await this.session.call(fn, arg);
    this.seenByPage.push({ call: fn, result });
    return result;
  }

  // settle waits for late events, then freezes what the servers saw for the row's buckets (or,
  // for a gateway case, under the row's path prefix), so that the runner's own checks
  // afterwards do not count.
  async settle() {
    if (this.seen || !this.marks) return;
    await sleep(SETTLE_MS);
    const names = Object.keys(this.buckets);
    this.seen = this.servers().flatMap((s, i) => {
      if (s.seen) return this.prefix ? s.seen(this.prefix, this.marks[i]) : [];
      // A case may say more of each S3 request (the edge cases: whether it carried Origin).
      const line = this.c.s3Line || ((e) => (e.method === 'OPTIONS' ? `OPTIONS ${e.status}` : `${e.op} ${e.status}`));
      const entries = s.requestsFor(names, this.marks[i]);
      // Behind a load balancer: which node served each request.
      if (s.nodes) this.servedBy = [...(this.servedBy || []), ...entries.map((e) => e.node)];
      return entries.map(line);
    });
  }
}

// sameURL compares URLs as the engines print them (WebKit and Chromium normalise them).
function sameURL(a, b) {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return a === b;
  }
}

async function runRow(c, browser, env) {
  const t = new RowContext(c, browser, env);
  const expected = typeof c.expect === 'function' ? c.expect(browser.name) : c.expect;
  const started = Date.now();
  let outcome;
  try {
    outcome = await withTimeout(c.run(t), c.timeoutMs || ROW_TIMEOUT_MS, `case ${c.id}`);
    await t.settle();
  } catch (e) {
    outcome = `error: ${e.message.split('\n')[0]}`;
    // What the S3 servers logged for the row's buckets, setup included, to tell which request failed.
    t.logged = t.servers().filter((s) => s.requestsFor).flatMap((s) => s.requestsFor(Object.keys(t.buckets))
      .map((e) => `${e.node || s.name} ${e.op} ${e.bucket} ${e.status}${e.error ? ` ${e.error}` : ''}`));
  }
  let requests = [];
  let pageErrors = [];
  if (t.session) {
    requests = [...t.left.requests, ...await withTimeout(t.session.call('requests'), 5000, 'requests').catch(() => [])];
    pageErrors = [...t.left.errors, ...await withTimeout(t.session.call('errors'), 5000, 'errors').catch((e) => [`errors: ${e.message}`])];
    await t.session.close().catch(() => {});
  }
  const failures = t.session ? t.session.failures : [];
  const reasons = [...new Set(failures.map((f) => f.reason))];
  const observed = { outcome, reason: reasons.join('; '), pageError: [...new Set(pageErrors)].join('; '), server: t.seen || [] };
  const pattern = { chromium: null, firefox: expected.firefox, webkit: expected.webkit }[browser.name];
  const exp = {
    outcome: expected.outcome, server: expected.server,
    note: [expected.note, (expected.notes || {})[browser.name]].filter(Boolean).join('; ') || undefined,
    ...(browser.name === 'chromium' ? { corsError: expected.chromium || null } : { reason: pattern ? pattern.source : null }),
    pattern, pageError: /\bblocked\b/.test(expected.outcome) ? PAGE_ERRORS[browser.name] : '',
  };
  const mismatches = compare(browser.name, exp, observed);
  delete exp.pattern;
  return {
    case: c.id, title: c.title, browser: browser.name, pass: mismatches.length === 0, mismatches,
    expected: exp, observed, ms: Date.now() - started,
    page: t.seenByPage,
    // The requests as the page asked for them, each with the browser's verdict on it, and the
    // rules of the row's buckets: enough to replay them with `doorman check`.
    // A no-cors request (an <img>) passes no CORS check: a failure of the same URL is another
    // request's.
    requests: requests.map((r) => ({ ...r, corsError: r.mode === 'no-cors' ? null : (failures.find((f) => sameURL(f.url, r.url)) || {}).reason || null })),
    buckets: Object.fromEntries(Object.entries(t.buckets).map(([name, b]) => [name, { endpoint: b.server.endpoint, cors: b.cors || null, mutated: MUTATION && !isGatewayMutation(MUTATION) ? MUTATION : undefined }])),
    ...(t.prefix ? { gateway: { route: t.prefix, policy: c.policy ? env.gateway.config.policies[c.policy] : null } } : {}),
    notReplayable: c.notReplayable,
    ...(t.servedBy ? { servedBy: t.servedBy } : {}),
    ...(t.logged ? { logged: t.logged } : {}),
    failures,
    console: t.session ? t.session.console : [],
  };
}

function compare(browser, expected, observed) {
  const out = [];
  if (observed.outcome !== expected.outcome) out.push(`page saw "${observed.outcome}", expected "${expected.outcome}"`);
  if (browser === 'chromium' && observed.reason !== (expected.corsError || '')) {
    out.push(`corsError "${observed.reason}", expected "${expected.corsError || ''}"`);
  }
  if (browser !== 'chromium') {
    const ok = expected.pattern ? observed.reason !== '' && expected.pattern.test(observed.reason) : observed.reason === '';
    if (!ok) out.push(`reason "${observed.reason}", expected ${expected.pattern ? expected.pattern.source : 'none'}`);
  }
  if (observed.pageError !== expected.pageError) {
    out.push(`page error "${observed.pageError}", expected "${expected.pageError}"`);
  }
  if (observed.server.join(', ') !== expected.server.join(', ')) {
    out.push(`server saw [${observed.server.join(', ')}], expected [${expected.server.join(', ')}]`);
  }
  return out;
}

const cell = (s) => String(s || '—').replace(/\|/g, '\\|').replace(/\n/g, ' ');

// matrix is the verdict table: one row per case, one column per engine, each cell the
// engine's verdict and its own reason for a blocked request.
function matrix(rows, browsers) {
  const lines = [`| case | ${browsers.join(' | ')} |`, `|---|${browsers.map(() => '---|').join('')}`];
  const ids = [...new Set(rows.map((r) => r.case))];
  for (const id of ids) {
    const of = rows.filter((r) => r.case === id);
    const cells = browsers.map((b) => {
      const r = of.find((x) => x.browser === b);
      if (!r) return '—';
      return cell(`${r.pass ? 'pass' : 'FAIL'}: ${r.observed.outcome}${r.observed.reason ? ` (${r.observed.reason})` : ''}`);
    });
    lines.push(`| ${cell(`${id} ${of[0].title}`)} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function table(rows) {
  const lines = [
    '| case | browser | expected | observed | reason | page error | server saw | verdict |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const reason = r.browser === 'chromium' ? r.expected.corsError : r.expected.reason;
    lines.push(`| ${cell(`${r.case} ${r.title}`)} | ${r.browser} | ${cell(r.expected.outcome + (reason ? ` (${reason.replace(/[\\^$]/g, '')})` : ''))} | ${cell(r.observed.outcome)} | ${cell(r.observed.reason)} | ${cell(r.observed.pageError)} | ${cell(r.observed.server.join(' → '))} | ${r.pass ? 'pass' : 'FAIL'} |`);
  }
  const notes = rows.filter((r) => r.expected.note).map((r) => `- ${r.case} ${r.browser}: ${r.expected.note}`);
  const fails = rows.filter((r) => !r.pass).map((r) => `- ${r.case} ${r.browser}: ${r.mismatches.join('; ')}`);
  return [lines.join('\n'), notes.length ? `\nNotes:\n${notes.join('\n')}` : '', fails.length ? `\nMismatches:\n${fails.join('\n')}` : ''].join('\n');
}

// Ports differ from run to run (the pages' origins carry the origin server's).
const portless = (s) => (s || '').replace(/:\d+\b/g, ':PORT');

// embeddedComparison compares each (case, engine) verdict of a scale-out run (pass, what the
// page saw, the engine's reason) with the embedded run's verdicts.json: the same verdicts are
// what shows that a scale-out deployment serves CORS as one doorman does. With E2E_RUN (make
// e2e) the embedded run must be the same invocation's; without it, an existing verdicts.json
// of the same mutation is compared, and none is not a failure.
function embeddedComparison(rows) {
  const file = path.join(EMBEDDED_RESULTS, 'verdicts.json');
  const none = (why) => ({ file, compared: false, why, failed: RUN_ID ? 1 : 0, entries: [] });
  if (!fs.existsSync(file)) return none(`${file} does not exist`);
  const embedded = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (RUN_ID && embedded.run !== RUN_ID) return none(`${file} is from run ${embedded.run}, not this run's ${RUN_ID}`);
  if ((embedded.mutation || null) !== (MUTATION || null)) return none(`${file} was made with mutation ${embedded.mutation}, this run with ${MUTATION || null}`);
  const entries = rows.map((r) => {
    const e = (embedded.verdicts.find((v) => v.case === r.case) || {})[r.browser];
    const mine = { pass: r.pass, outcome: r.observed.outcome, reason: r.observed.reason || null };
    const same = Boolean(e) && e.pass === mine.pass && e.outcome === mine.outcome && portless(e.reason) === portless(mine.reason);
    return { case: r.case, browser: r.browser, same, embedded: e || null, scaleOut: mine };
  });
  return { file, compared: true, generated: embedded.generated, run: embedded.run || null, failed: entries.filter((e) => !e.same).length, entries };
}

function comparisonSection(cmp) {
  if (!cmp.compared) return `Not compared with the embedded run: ${cmp.why}.${cmp.failed ? ' This run needed it (E2E_RUN): a failure.' : ''}`;
  const lines = [`Compared with the embedded run's ${path.relative(process.cwd(), cmp.file)} (generated ${cmp.generated}${cmp.run ? `, run ${cmp.run}` : ''}): ${cmp.entries.length - cmp.failed} of ${cmp.entries.length} (case, engine) verdicts the same (pass, what the page saw, the engine's reason, ports aside).`];
  const differ = cmp.entries.filter((e) => !e.same);
  if (differ.length) {
    lines.push('', '| case | engine | embedded | scale-out |', '|---|---|---|---|');
    const v = (x) => (x ? cell(`${x.pass ? 'pass' : 'FAIL'}: ${x.outcome}${x.reason ? ` (${x.reason})` : ''}`) : 'not run');
    for (const e of differ) lines.push(`| ${e.case} | ${e.browser} | ${v(e.embedded)} | ${v(e.scaleOut)} |`);
  }
  return lines.join('\n');
}

// splitSection tells how the load balancers spread the requests over their nodes; a deployment
// that passed two requests or more must have passed some to each node (nginx's round robin),
// else the run did not test a scale-out deployment.
function splitSection(env, rows) {
  const lbs = [env.doorman, env.doormanVary];
  const both = rows.filter((r) => new Set(r.servedBy || []).size > 1).length;
  const served = rows.filter((r) => (r.servedBy || []).length > 0).length;
  const unused = lbs.filter((lb) => lb.nodes.reduce((n, node) => n + node.log.length, 0) >= 2)
    .flatMap((lb) => lb.nodes.filter((n) => n.log.length === 0).map((n) => n.name));
  // What the nodes said of the upstream store (their last lines other than requests): a failed
  // poll, a record re-bound.
  const messages = lbs.flatMap((lb) => lb.nodes.flatMap((n) => n.stderrTail.filter((l) => /"msg":"upstream: /.test(l)).map((l) => `${n.name} ${l}`)));
  return {
    failed: unused.length,
    unused,
    messages,
    nodes: Object.fromEntries(lbs.flatMap((lb) => lb.nodes.map((n) => [n.name, n.log.length]))),
    rowsServedByBoth: both, rowsWithRequests: served,
    text: `${lbs.map((lb) => `nginx ${lb.name} passed ${lb.nodes.map((n) => `${n.log.length} requests to ${n.name}`).join(', ')}`).join('; ')} (every request each node logged: the runner's setup, the pages' requests, check's replays). Rows whose requests both nodes of a deployment served: ${both} of the ${served} with requests.${unused.length ? ` FAILED: nginx passed nothing to ${unused.join(', ')}.` : ''}${messages.length ? `\n\nWhat the nodes last said of the upstream store:\n\n${messages.map((m) => `    ${m}`).join('\n')}` : ''}`,
  };
}

// failures lists, last in the output so that the tail of a run's log names them, every check
// that failed: a row's mismatches, a replay on which doorman check disagreed with the engine, a
// scale-out verdict unlike the embedded run's, and a node nginx passed nothing to.
function failures(rows, agreed, cmp, split) {
  const lines = [
    ...rows.filter((r) => !r.pass).map((r) => `- row ${r.case} ${r.browser}: ${r.mismatches.join('; ')}`),
    ...agreed.filter((e) => !e.skipped && !e.agree).map((e) => `- check ${e.case} ${e.browser} ${e.method} ${e.url}: the engine ${e.verdict}, doorman check ${e.check}`),
    ...(cmp ? cmp.entries.filter((e) => !e.same).map((e) => `- scale-out ${e.case} ${e.browser}: not the embedded run's verdict`) : []),
    ...(cmp && !cmp.compared && cmp.failed ? [`- scale-out: not compared with the embedded run: ${cmp.why}`] : []),
    ...(split ? split.unused.map((n) => `- scale-out: nginx passed nothing to ${n}`) : []),
  ];
  return lines.length ? ['## What failed', '', ...lines, ''] : [];
}

async function main() {
  const started = Date.now();
  const filter = new RegExp(process.env.E2E_CASES || '');
  // The scale-out topology serves the S3 cases; the gateway and edge ones do not involve it.
  const selected = cases.filter((c) => filter.test(c.id) && !(SCALE_OUT && (isGatewayCase(c) || isEdgeCase(c))));
  const ci = process.env.CI === 'true';
  const wanted = process.env.E2E_BROWSERS ? process.env.E2E_BROWSERS.split(',').map((b) => b.trim()) : BROWSERS;
  for (const b of wanted) if (!BROWSERS.includes(b)) throw new Error(`E2E_BROWSERS: unknown engine ${b}; one of ${BROWSERS.join(', ')}`);
  const available = wanted.filter((b) => {
    const lacking = missing(b);
    if (lacking.length === 0) return true;
    if (ci) throw new Error(`${b}: ${lacking.join(', ')} missing: in CI every browser must run (e2e/install.sh installs it)`);
    console.error(`warning: ${b}: ${lacking.join(', ')} missing, skipping ${b} (run e2e/install.sh)`);
    return false;
  });
  if (available.length === 0) throw new Error('no browser to run the suite in');

  const env = {};
  const cleanup = [];
  const stopAll = async () => {
    for (const f of cleanup.splice(0).reverse()) await f().catch((e) => console.error(`cleanup: ${e.message}`));
  };
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => stopAll().finally(() => process.exit(130)));
  }
  try {
    let origin;
    if (SCALE_OUT) {
      // Both deployments are nodes over the one MinIO cluster (and so one meta bucket), each
      // behind its own nginx; they differ only in --vary-origin-always.
      const minio = new MinIO();
      cleanup.push(() => minio.stop());
      [origin] = await Promise.all([startOrigin(), minio.start(minioBinary())]);
      [env.doorman, env.doormanVary] = await Promise.all([
        startScaleOut(BIN, minio, 's3', ['--domain', DOMAIN], cleanup),
        startScaleOut(BIN, minio, 'vary', ['--domain', DOMAIN, '--vary-origin-always'], cleanup),
      ]);
    } else {
      env.doorman = new Doorman('s3', ['--domain', DOMAIN]);
      cleanup.push(() => env.doorman.stop());
      env.doormanVary = new Doorman('vary', ['--domain', DOMAIN, '--vary-origin-always']);
      cleanup.push(() => env.doormanVary.stop());
      [origin] = await Promise.all([startOrigin(), env.doorman.start(BIN), env.doormanVary.start(BIN)]);
    }
    env.origin = origin;
    cleanup.push(() => origin.close());
    const gatewaySelected = selected.filter(isGatewayCase);
    const edgeSelected = selected.filter(isEdgeCase);
    if (gatewaySelected.length || edgeSelected.length) {
      // The gateway's configuration names the pages' origins, so it starts once their port is
      // known; a closed port stands for an API that is down.
      env.upstream = await startUpstream();
      cleanup.push(() => env.upstream.close());
      const [listen, admin, dead] = await Promise.all([freePort(), freePort(), freePort()]);
      env.gatewayPorts = { listen, admin };
      env.deadUpstream = `http://127.0.0.1:${dead}`;
      env.gateway = new Gateway();
      cleanup.push(() => env.gateway.stop());
      await env.gateway.start(BIN, (dir) => edgeCases.config(env, gatewayCases.config(env, dir, gatewaySelected), edgeSelected), MUTATION);
      env.gatewayDir = env.gateway.dir;
    }
    const serversMs = Date.now() - started;
    const engines = await Promise.all(available.map(async (name) => {
      const t0 = Date.now();
      const b = await launch(name, [...hosts(available), ...gatewayCases.HOSTS, ...edgeCases.HOSTS]);
      cleanup.push(() => b.close());
      b.launchMs = Date.now() - t0;
      return b;
    }));
    const setupMs = Date.now() - started;

    // The engines run side by side; each runs its cases one after the other.
    const perEngine = await Promise.all(engines.map(async (b) => {
      const t0 = Date.now();
      const rows = [];
      for (const c of selected) rows.push(await runRow(c, b, env));
      b.casesMs = Date.now() - t0;
      return rows;
    }));
    const rows = selected.flatMap((c, i) => perEngine.map((r) => r[i]));
    // doorman check must reach each engine's verdict on every request it can replay.
    const agreed = await agreement(BIN, rows);
    const disagreed = agreed.filter((e) => !e.skipped && !e.agree).length;
    const cmp = SCALE_OUT ? embeddedComparison(rows) : null;
    const split = SCALE_OUT ? splitSection(env, rows) : null;
    const failed = rows.filter((r) => !r.pass).length + disagreed + (cmp ? cmp.failed + split.failed : 0);
    const checks = rows.length + agreed.filter((e) => !e.skipped).length + (cmp ? Math.max(cmp.entries.length, cmp.failed) + split.failed : 0);
    const summary = `${checks - failed} passed, ${failed} failed`;
    const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
    const timing = `servers ${s(serversMs)}, setup ${s(setupMs)}, total ${s(Date.now() - started)}`;
    const versions = engines.map((b) => `${b.name} ${b.version}`).join(', ');
    // What each engine costs: its launch, and its cases one after the other (the engines run
    // side by side, so the slowest one sets the total).
    const engineTable = ['| engine | version | launch | cases | rows passed |', '|---|---|---|---|---|',
      ...engines.map((b) => {
        const mine = rows.filter((r) => r.browser === b.name);
        return `| ${b.name} | ${b.version} | ${s(b.launchMs)} | ${s(b.casesMs)} | ${mine.filter((r) => r.pass).length}/${mine.length} |`;
      })].join('\n');
    const scaleOut = SCALE_OUT ? ['## Scale-out deployment', '',
      'Two `doorman serve --backend s3` nodes over MinIO (four processes, one erasure set of 8 drives) behind nginx (integration/testdata/scale-out/nginx.conf), and two more with `--vary-origin-always` behind another nginx; the S3 cases only.', '',
      split.text, '', '### The same verdicts as the embedded store', '', comparisonSection(cmp), ''] : [];
    const md = [`# doorman CORS in real browsers${SCALE_OUT ? ': scale-out' : ''}`, '',
      `${versions}${MUTATION ? `; ${isGatewayMutation(MUTATION) ? 'gateway configuration' : 'CORS rules'} mutated: ${MUTATION}` : ''}; ${timing}`, '',
      engineTable, '', ...scaleOut, '## Verdicts', '', matrix(rows, available), '', '## Rows', '',
      table(rows), '', '## doorman check against each engine', '', agreementSummary(agreed, available), '',
      agreementTable(agreed), '', ...failures(rows, agreed, cmp, split), summary, ''].join('\n');
    fs.mkdirSync(RESULTS, { recursive: true });
    fs.writeFileSync(path.join(RESULTS, 'verdicts.md'), md);
    fs.writeFileSync(path.join(RESULTS, 'verdicts.json'), `${JSON.stringify({
      generated: new Date().toISOString(), run: RUN_ID, topology: TOPOLOGY, mutation: MUTATION || null, long: process.env.E2E_LONG === '1',
      browsers: Object.fromEntries(engines.map((b) => [b.name, b.version])),
      timing: { serversMs, setupMs, totalMs: Date.now() - started, engines: Object.fromEntries(engines.map((b) => [b.name, { launchMs: b.launchMs, casesMs: b.casesMs }])) },
      verdicts: selected.map((c) => ({
        case: c.id, title: c.title,
        ...Object.fromEntries(rows.filter((r) => r.case === c.id).map((r) => [r.browser, { pass: r.pass, outcome: r.observed.outcome, reason: r.observed.reason || null }])),
      })),
      ...(SCALE_OUT ? { split: { nodes: split.nodes, rowsServedByBoth: split.rowsServedByBoth, rowsWithRequests: split.rowsWithRequests, messages: split.messages }, sameAsEmbedded: cmp } : {}),
      rows, checkAgreement: agreed,
    }, null, 2)}\n`);
    process.stdout.write(md);
    return failed === 0 ? 0 : 1;
  } finally {
    await stopAll();
  }
}

main().then((code) => process.exit(code), (e) => {
  console.error(`e2e: ${e.stack || e.message}`);
  process.exit(2);
});
