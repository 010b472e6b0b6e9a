// The suite's scale-out topology (docs/scale-out.md): MinIO as four processes on 127.0.0.1 with
// two drives each (one erasure set of 8 drives, as integration/scaleout_minio_test.go runs it),
// doorman nodes (`serve --backend s3`) over all four of its endpoints with MinIO's root user as
// their service identity, and nginx in front of them as the load balancer, configured from the
// committed integration/testdata/scale-out/nginx.conf. The runner talks to the load balancer
// alone, through the same interface as to one doorman (lib/doorman.js): cases do not change.
'use strict';

const { spawn } = require('node:child_process');
const { S3Client, PutBucketPolicyCommand, DeleteBucketPolicyCommand } = require('@aws-sdk/client-s3');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { S3Endpoint, Doorman, stopProcess, waitHealthy, REGION } = require('./doorman');
const { freePort } = require('./gateway');

// MinIO's root user: the nodes' identity upstream.
const MINIO_ROOT = { accessKey: 'e2eminioroot', secretKey: 'e2e-minio-root-secret-not-a-real-one' };

// The nodes' poll interval. A bucket setting written through one node reaches the other within
// about two polls, and before each request of its own and each of a page's the runner waits
// until every node has polled twice since the last setting it wrote (LoadBalancer.propagated):
// the interval sets that wait, so it is short (the default is 1 s, the least 100 ms) to keep the
// run's time near the embedded one's.
const POLL_MS = 200;
// A node that has not polled twice within this after a setting was written is broken.
const PROPAGATION_WITHIN_MS = 20000;

const TEMPLATE = path.join(__dirname, '..', '..', 'integration', 'testdata', 'scale-out', 'nginx.conf');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// Milliseconds of the monotonic clock since a fixed origin near the wall clock's: the runner's
// setting writes and its samples of the nodes' snapshot ages are compared on it alone.
const nowMs = () => performance.timeOrigin + performance.now();

// minioBinary is the MinIO executable integration/testdata/minio/install.sh builds: $PEERS/minio,
// PEERS defaulting to doorman-peers in the temporary directory.
function minioBinary() {
  const bin = path.join(process.env.PEERS || path.join(os.tmpdir(), 'doorman-peers'), 'minio');
  try {
    fs.accessSync(bin, fs.constants.X_OK);
  } catch {
    const ci = process.env.CI === 'true' ? ' (on CI the scale-out run requires it)' : '';
    throw new Error(`E2E_TOPOLOGY=scale-out: MinIO is not built at ${bin}${ci}: integration/testdata/minio/install.sh builds it`);
  }
  return bin;
}

// spawnTool starts a program, failing with what installs it when it is missing.
function spawnTool(bin, args, options, installs) {
  const proc = spawn(bin, args, options);
  const exited = new Promise((resolve, reject) => {
    proc.once('error', (e) => reject(e.code === 'ENOENT' ? new Error(`${bin} is missing: ${installs} installs it`) : e));
    proc.once('exit', (code, signal) => resolve(signal || code));
  });
  return { proc, exited };
}

// tail keeps the last lines a process wrote, for its error message.
function tail(proc) {
  const lines = [];
  for (const s of [proc.stdout, proc.stderr].filter(Boolean)) {
    s.setEncoding('utf8');
    s.on('data', (d) => {
      lines.push(...d.split('\n').filter(Boolean));
      lines.splice(0, Math.max(lines.length - 20, 0));
    });
  }
  return lines;
}

// MinIO runs the cluster; its drives are in a temporary directory removed by stop.
class MinIO {
  async start(bin) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doorman-e2e-minio-'));
    this.addrs = [];
    for (let i = 0; i < 4; i++) this.addrs.push(`127.0.0.1:${await freePort()}`);
    // Each drive is listed by itself: the {1...4} shorthand would have every process use the
    // same folders.
    const drives = this.addrs.flatMap((a, n) => [1, 2].map((d) => `http://${a}${this.dir}/n${n + 1}/d${d}`));
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MINIO_') && !k.startsWith('_MINIO_')));
    Object.assign(env, {
      MINIO_ROOT_USER: MINIO_ROOT.accessKey, MINIO_ROOT_PASSWORD: MINIO_ROOT.secretKey, MINIO_BROWSER: 'off', MINIO_UPDATE: 'off',
      // Drives on the root file system are refused outside CI/CD mode.
      MINIO_CI_CD: '1',
    });
    this.procs = this.addrs.map((addr) => {
      // _MINIO_SERVER_LOCAL: which endpoints are this process's own; MinIO finds it by
      // resolving their hosts, and in a container waits for that forever.
      const p = spawnTool(bin, ['server', '--address', addr, '--certs-dir', path.join(this.dir, 'certs'), ...drives],
        { stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, _MINIO_SERVER_LOCAL: addr } }, 'integration/testdata/minio/install.sh');
      p.lines = tail(p.proc);
      return p;
    });
    // Every node answers for its own view of the cluster: all must say it is healthy.
    const died = Promise.race(this.procs.map((p, i) => p.exited.then((code) => {
      throw new Error(`MinIO node ${i + 1} exited with ${code}: ${p.lines.join('\n')}`);
    })));
    await Promise.race([Promise.all(this.endpoints.map((u) => waitHealthy(`${u}/minio/health/cluster`, 'MinIO'))), died]);
    died.catch(() => {}); // from here, stop() ends them
    return this;
  }

  get endpoints() { return this.addrs.map((a) => `http://${a}`); }

  // client is an S3 client of the cluster as its root user.
  client() {
    this.s3 ||= new S3Client({
      endpoint: this.endpoints[0], region: REGION, forcePathStyle: true,
      credentials: { accessKeyId: MINIO_ROOT.accessKey, secretAccessKey: MINIO_ROOT.secretKey },
    });
    return this.s3;
  }

  async stop() {
    await Promise.all((this.procs || []).map((p) => stopProcess(p.proc)));
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// renderTemplate fills the nginx template as Go's text/template does, for the actions it
// uses: {{.Field}}, {{range .Field}}…{{.}}…{{end}}, and the trim markers "{{- " and " -}}". Any
// other action fails, so a template that needs more is noticed rather than half filled.
function renderTemplate(text, data) {
  const field = (name) => {
    if (!(name in data)) throw new Error(`${TEMPLATE}: no value for .${name}`);
    return data[name];
  };
  const print = (v) => (Array.isArray(v) ? `[${v.join(' ')}]` : String(v));
  let out = text.replace(/\s*\{\{- /g, '{{').replace(/ -\}\}\s*/g, '}}');
  out = out.replace(/\{\{range \.(\w+)\}\}([\s\S]*?)\{\{end\}\}/g,
    (_, name, body) => field(name).map((item) => body.replace(/\{\{\.\}\}/g, print(item))).join(''));
  out = out.replace(/\{\{\.(\w+)\}\}/g, (_, name) => print(field(name)));
  const left = /\{\{.*?\}\}/.exec(out);
  if (left) throw new Error(`${TEMPLATE}: the action ${left[0]} is not one the suite fills`);
  return out;
}

// startNs is when a node began serving the request of an access-log line, in nanoseconds of
// the wall clock: the line's time (RFC 3339 with nanoseconds, taken as it is written, once the
// answer was sent) less its duration (nanoseconds, since the request began).
function startNs(e) {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(e.time || '');
  if (!m || typeof e.duration !== 'number') throw new Error(`an access-log line without time or duration: ${JSON.stringify(e)}`);
  return BigInt(Date.parse(m[1] + m[3])) * 1000000n + BigInt((m[2] || '').padEnd(9, '0')) - BigInt(e.duration);
}

// snapshotAt samples when a node last installed its snapshot of the bucket settings: `at`, the
// time the sample was asked for less the age the node's metrics give, is never later than the
// truth, and at most `error` earlier (the time the answer took).
async function snapshotAt(node) {
  const asked = nowMs();
  const res = await fetch(node.metricsURL, { signal: AbortSignal.timeout(5000) });
  const m = /^doorman_upstream_snapshot_age_seconds (\S+)$/m.exec(await res.text());
  if (!m) throw new Error(`doorman (${node.name}): ${node.metricsURL} has no doorman_upstream_snapshot_age_seconds`);
  return { at: asked - Number(m[1]) * 1000, error: nowMs() - asked };
}

// twoPollsAfter waits until node has installed two snapshots after `since`: the second one's
// poll began after the first was installed, so after `since`, and saw what was written before.
// A snapshot is known to be a later one than the first when its earliest possible install time
// is past the first's latest.
async function twoPollsAfter(node, since) {
  const deadline = Date.now() + PROPAGATION_WITHIN_MS;
  let firstAtMost = null;
  for (;;) {
    const { at, error } = await snapshotAt(node);
    if (firstAtMost === null && at > since) firstAtMost = at + error;
    else if (firstAtMost !== null && at > firstAtMost) return;
    if (Date.now() > deadline) {
      throw new Error(`doorman (${node.name}) did not poll twice within ${PROPAGATION_WITHIN_MS} ms of a setting written `
        + `(its last snapshot ${Math.round(since - at)} ms before the write, a sample taking ${Math.round(error)} ms; ${firstAtMost === null ? 'none' : 'one'} after it)`);
    }
    await sleep(POLL_MS / 4);
  }
}

// The S3 commands that change a bucket's settings, which doorman keeps in the meta bucket and
// the nodes see by polling (objects, on the upstream, are seen at once).
const SETTING_WRITE = /^(CreateBucket|DeleteBucket\w*|PutBucket\w+|PutPublicAccessBlock|DeletePublicAccessBlock|PutObjectLockConfiguration)Command$/;

// What the runner does upstream when it gives a bucket a policy, or takes it away: the nodes
// send anonymous requests upstream unsigned, so the upstream's own policy decides an anonymous
// read as well as doorman's (docs/scale-out.md, Identities). The upstream cannot apply
// doorman's policy itself (its conditions read the client's request, aws:Referer, which the
// nodes do not pass on), so a bucket with a policy lets anonymous users read it upstream, and
// doorman's policy alone decides: an operator does so only where the nodes alone reach the
// upstream, as here (MinIO on 127.0.0.1).
const UPSTREAM_POLICY = {
  PutBucketPolicyCommand: ({ Bucket }) => new PutBucketPolicyCommand({
    Bucket,
    Policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${Bucket}`] },
        { Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${Bucket}/*`] },
      ],
    }),
  }),
  DeleteBucketPolicyCommand: ({ Bucket }) => new DeleteBucketPolicyCommand({ Bucket }),
};

// LoadBalancer is nginx in front of nodes over upstream (a MinIO): the endpoint the runner and
// the pages use. Its log is the union of the nodes' logs in the order the requests began.
class LoadBalancer extends S3Endpoint {
  constructor(name, nodes, upstream) {
    super();
    this.name = name;
    this.nodes = nodes;
    this.upstream = upstream;
    this.aclsAsPolicy = true; // the s3 backend's buckets are BucketOwnerEnforced
    this.written = null; // when the runner last changed a bucket setting, not yet waited for
    this.waiting = Promise.resolve(); // the wait for every setting written before
  }

  async start() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doorman-e2e-nginx-'));
    const listen = `127.0.0.1:${await freePort()}`;
    const conf = path.join(this.dir, 'nginx.conf');
    fs.writeFileSync(conf, renderTemplate(fs.readFileSync(TEMPLATE, 'utf8'),
      { Listen: listen, Nodes: this.nodes.map((n) => `127.0.0.1:${n.port}`), Dir: this.dir }));
    const { proc, exited } = spawnTool('nginx', ['-p', this.dir, '-e', path.join(this.dir, 'error.log'), '-c', conf],
      { stdio: ['ignore', 'pipe', 'pipe'] }, 'integration/testdata/gateway-peers/install.sh nginx');
    this.proc = proc;
    const lines = tail(proc);
    const failed = exited.then((code) => { throw new Error(`nginx (${this.name}) exited with ${code}: ${lines.join('\n')}`); });
    await Promise.race([waitHealthy(`http://${listen}/_doorman/health`, `nginx (${this.name})`), failed]);
    failed.catch(() => {});
    this.connect(Number(listen.split(':')[1]));
    // Each request of the runner's waits until the nodes have seen the settings written before
    // it (PutBucketPolicy needs the public access block's deletion, whichever node serves it).
    this.s3.middlewareStack.add((next, context) => async (args) => {
      await this.propagated();
      const out = await next(args);
      if (SETTING_WRITE.test(context.commandName)) this.written = nowMs();
      const upstream = UPSTREAM_POLICY[context.commandName];
      if (upstream) await this.upstream.client().send(upstream(args.input));
      return out;
    }, { step: 'initialize', name: 'settingWrites' });
    return this;
  }

  // propagated resolves once every node has seen the bucket settings the runner wrote. The
  // engines' rows share the runner's client: a caller waits for every write before its call,
  // whoever began waiting for it.
  propagated() {
    if (this.written !== null) {
      const since = this.written;
      this.written = null;
      // A wait that failed fails its callers; the next caller waits for its writes again.
      this.waiting = Promise.all([this.waiting.catch(() => {}), ...this.nodes.map((n) => twoPollsAfter(n, since))])
        .catch((e) => {
          this.written = Math.min(this.written ?? since, since);
          throw e;
        });
    }
    return this.waiting;
  }

  get log() {
    return this.nodes.flatMap((n) => n.log.map((e) => ({ ...e, node: n.name, startNs: startNs(e) })))
      .sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
  }

  // mark is a time: the row's requests are those begun after it (a line of an earlier request
  // may reach the runner late, through the other node's pipe). It is read from the wall clock,
  // as the nodes' log times are, and rounded up to the next millisecond: the runner's own
  // requests before it had their answers, and the page's first request comes after loading a
  // page.
  mark() { return BigInt(Date.now() + 1) * 1000000n; }

  requestsFor(buckets, from = 0n) {
    return this.log.filter((e) => e.startNs >= from && buckets.includes(e.bucket));
  }

  async stop() {
    await stopProcess(this.proc);
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// startScaleOut starts `count` nodes (named name-1, name-2, …) with extraArgs over minio, and
// nginx in front of them; cleanup receives what stops each.
async function startScaleOut(bin, minio, name, extraArgs, cleanup, count = 2) {
  const upstream = { endpoints: minio.endpoints, service: MINIO_ROOT, pollInterval: POLL_MS };
  const nodes = Array.from({ length: count }, (_, i) => new Doorman(`${name}-${i + 1}`, extraArgs, { upstream }));
  for (const n of nodes) cleanup.push(() => n.stop());
  await Promise.all(nodes.map((n) => n.start(bin)));
  const lb = new LoadBalancer(name, nodes, minio);
  cleanup.push(() => lb.stop());
  return lb.start();
}

module.exports = { MinIO, minioBinary, startScaleOut };
