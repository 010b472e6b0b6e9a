// Starts `doorman serve` processes for the suite, collects their JSON access logs, and gives
// the runner an S3 client (path-style, as the bucket owner) to set buckets up and check them.
'use strict';

const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const {
  S3Client, CreateBucketCommand, PutBucketCorsCommand, DeleteBucketCorsCommand, PutObjectCommand,
  GetObjectCommand, HeadObjectCommand, DeletePublicAccessBlockCommand, PutBucketAclCommand, PutBucketPolicyCommand,
} = require('@aws-sdk/client-s3');
const { getSignedUrl } = require('@aws-sdk/s3-request-presigner');
const { GATEWAY_MUTATIONS } = require('./gateway');

const ACCESS_KEY = 'E2EACCESSKEY0000001';
const SECRET_KEY = 'e2e-secret-key-not-a-real-one-0000000001';
const REGION = 'us-east-1';

// An S3 endpoint of the suite: a doorman, or the load balancer of a scale-out deployment
// (lib/scaleout.js). It gives the runner an S3 client (path-style, as the bucket owner) to set
// buckets up and check them.
class S3Endpoint {
  // connect points the endpoint's S3 client at port, once something answers there.
  connect(port) {
    this.port = port;
    this.endpoint = `http://127.0.0.1:${this.port}`;
    this.s3 = new S3Client({
      endpoint: this.endpoint, region: REGION, forcePathStyle: true,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
      // Presigned URLs must not carry a checksum of an empty body (the SDK's default adds one).
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
  }

  // aclsAsPolicy: the endpoint's buckets have ACLs disabled (Object Ownership
  // BucketOwnerEnforced, which the s3 backend of a scale-out deployment enforces), so bucket()
  // grants the anonymous reads the suite's canned ACLs would by a bucket policy instead.

  // bucket creates a bucket with an optional canned ACL, CORS rules and objects.
  // objects: [{key, body, contentType, cacheControl, acl}]
  // A bucket given ACLs (its own or its objects') is created as one must on Amazon S3 since
  // April 2023, when new buckets began with ACLs disabled and Block Public Access on: with
  // Object Ownership ObjectWriter, then its public access block deleted, then its ACL. Where
  // ACLs are disabled (aclsAsPolicy), AWS's advice for that default applies instead: the public
  // access block deleted, then a bucket policy granting the same anonymous access
  // (publicPolicy): https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
  async bucket(name, { acl, cors, objectLock, objects = [] } = {}) {
    const acls = acl !== undefined || objects.some((o) => o.acl !== undefined);
    const asACLs = acls && !this.aclsAsPolicy;
    await this.s3.send(new CreateBucketCommand({
      Bucket: name, ObjectOwnership: asACLs ? 'ObjectWriter' : undefined, ObjectLockEnabledForBucket: objectLock || undefined,
    }));
    if (acls) await this.s3.send(new DeletePublicAccessBlockCommand({ Bucket: name }));
    if (asACLs && acl) await this.s3.send(new PutBucketAclCommand({ Bucket: name, ACL: acl }));
    if (acls && !asACLs) await this.s3.send(new PutBucketPolicyCommand({ Bucket: name, Policy: JSON.stringify(publicPolicy(name, acl, objects)) }));
    if (cors) await this.putCors(name, cors);
    for (const o of objects) {
      await this.s3.send(new PutObjectCommand({
        Bucket: name, Key: o.key, Body: o.body, ContentType: o.contentType,
        CacheControl: o.cacheControl, ACL: asACLs ? o.acl : undefined,
      }));
    }
    return name;
  }

  async putCors(bucket, rules) {
    const mutated = mutate(rules);
    if (mutated.length === 0) return; // the mutation no-cors-rules: no configuration at all
    await this.s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: mutated } }));
  }

  async deleteCors(bucket) {
    await this.s3.send(new DeleteBucketCorsCommand({ Bucket: bucket }));
  }

  // objectBody returns an object's content as a string, or null when it does not exist.
  async objectBody(bucket, key) {
    try {
      const r = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return await r.Body.transformToString();
    } catch (e) {
      if (e.name === 'NoSuchKey') return null;
      throw e;
    }
  }

  async exists(bucket, key) {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (e) {
      if (e.name === 'NotFound' || e.name === 'NoSuchKey') return false;
      throw e;
    }
  }

  presign(command, expiresIn = 600) {
    return getSignedUrl(this.s3, command, { expiresIn });
  }

  // postPolicy returns the form fields of a browser upload (POST Object) signed with SigV4:
  // keys must start with `prefix`, the answer is 201 with an XML body.
  postPolicy(bucket, prefix) {
    const now = new Date();
    const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const day = amzDate.slice(0, 8);
    const credential = `${ACCESS_KEY}/${day}/${REGION}/s3/aws4_request`;
    const policy = Buffer.from(JSON.stringify({
      expiration: new Date(now.getTime() + 10 * 60 * 1000).toISOString(),
      conditions: [
        { bucket }, ['starts-with', '$key', prefix], { success_action_status: '201' },
        ['content-length-range', 0, 1 << 20], { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' },
        { 'x-amz-credential': credential }, { 'x-amz-date': amzDate },
      ],
    })).toString('base64');
    const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();
    let key = hmac(`AWS4${SECRET_KEY}`, day);
    for (const part of [REGION, 's3', 'aws4_request']) key = hmac(key, part);
    return {
      success_action_status: '201', 'x-amz-algorithm': 'AWS4-HMAC-SHA256',
      'x-amz-credential': credential, 'x-amz-date': amzDate, policy,
      'x-amz-signature': crypto.createHmac('sha256', key).update(policy).digest('hex'),
    };
  }
}

// A running doorman: its port, its access-log lines (parsed) and a way to stop it. With
// `upstream` ({ endpoints, service: { accessKey, secretKey }, pollInterval } in milliseconds) it
// is a node of a scale-out deployment, `doorman serve --backend s3` over those endpoints with
// its metrics on a listener of their own (metricsURL); otherwise it keeps its store in a
// temporary data directory.
class Doorman extends S3Endpoint {
  constructor(name, extraArgs = [], { upstream } = {}) {
    super();
    this.name = name;
    this.extraArgs = extraArgs;
    this.upstream = upstream;
    this.log = [];
    this.stderrTail = [];
    this.stdout = []; // every line printed on stdout (the addresses it serves on)
  }

  async start(bin) {
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'doorman-e2e-'));
    let store = ['--data', this.dataDir];
    let env = process.env;
    if (this.upstream) {
      // Nothing is local but the node's uploads of unknown length, in a directory of its own
      // (docs/scale-out.md); its identity upstream comes from the environment.
      store = ['--backend', 's3', ...this.upstream.endpoints.flatMap((u) => ['--upstream', u]),
        '--upstream-poll-interval', `${this.upstream.pollInterval}ms`, '--upstream-spool-dir', this.dataDir,
        '--metrics-addr', '127.0.0.1:0'];
      env = {
        ...process.env,
        DOORMAN_UPSTREAM_ACCESS_KEY: this.upstream.service.accessKey, DOORMAN_UPSTREAM_SECRET_KEY: this.upstream.service.secretKey,
      };
    }
    this.proc = spawn(bin, ['serve', '--addr', '127.0.0.1:0', ...store,
      '--access-key', ACCESS_KEY, '--secret-key', SECRET_KEY, '--log-format', 'json',
      ...this.extraArgs], { stdio: ['ignore', 'pipe', 'pipe'], env });
    readline.createInterface({ input: this.proc.stderr }).on('line', (line) => {
      let entry;
      try { entry = JSON.parse(line); } catch { entry = null; }
      if (entry && entry.msg === 'request') this.log.push(entry);
      else this.stderrTail = [...this.stderrTail.slice(-20), line];
    });
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    const listening = new Promise((resolve) => {
      readline.createInterface({ input: this.proc.stdout }).on('line', (line) => {
        this.stdout.push(line);
        const metrics = / metrics on (http:\/\/\S+)/.exec(line);
        if (metrics) this.metricsURL = metrics[1];
        const m = /listening on (http:\/\/\S+)/.exec(line);
        if (m) resolve(new URL(m[1]));
      });
    });
    const failed = exited.then((code) => {
      throw new Error(`doorman (${this.name}) exited with ${code}: ${this.stderrTail.join('\n')}`);
    });
    const url = await Promise.race([listening, failed]);
    // A node answers once it has read the upstream's buckets; the embedded store at once.
    await Promise.race([waitHealthy(`${url.origin}/_doorman/health`, `doorman (${this.name})`), failed]);
    this.connect(Number(url.port));
    return this;
  }

  // stop ends the process by its id and removes its data directory.
  async stop() {
    await stopProcess(this.proc);
    if (this.dataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  // mark is where the row's requests begin in the log.
  mark() { return this.log.length; }

  // requestsFor lists, in order, the access-log entries for the given buckets from the mark.
  requestsFor(buckets, from = 0) {
    return this.log.slice(from).filter((e) => buckets.includes(e.bucket));
  }
}

// stopProcess ends a child process by its id: SIGTERM, then SIGKILL after 5 s.
async function stopProcess(proc) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  process.kill(proc.pid, 'SIGTERM');
  const timer = setTimeout(() => process.kill(proc.pid, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

// HEALTHY_WITHIN_MS bounds the wait for a server to answer its health check: a scale-out node
// first reads the upstream's buckets, a MinIO cluster first finds its drives.
const HEALTHY_WITHIN_MS = 60000;

// waitHealthy waits until url answers 200, failing after HEALTHY_WITHIN_MS.
async function waitHealthy(url, what) {
  const deadline = Date.now() + HEALTHY_WITHIN_MS;
  let last = 'no answer';
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      if (res.ok) return;
      last = `${res.status}`;
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > deadline) throw new Error(`${what} does not answer ${url} with 200 after ${HEALTHY_WITHIN_MS} ms (last: ${last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// publicPolicy is the bucket policy that grants anonymous users what the canned ACLs of
// bucket() would: s3:ListBucket for a bucket made public-read (so that a missing key answers
// 404 rather than 403), s3:GetObject on each public-read object's key. Other canned ACLs are
// not used by the suite and are refused here.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (404 with s3:ListBucket)
function publicPolicy(bucket, acl, objects) {
  const refuse = (what) => { throw new Error(`bucket ${bucket}: ${what} has no bucket-policy equivalent here`); };
  if (acl !== undefined && acl !== 'public-read') refuse(`the canned ACL ${acl}`);
  const keys = objects.filter((o) => o.acl !== undefined).map((o) => (o.acl === 'public-read' ? o.key : refuse(`the object ACL ${o.acl}`)));
  const statements = [];
  if (acl) statements.push({ Sid: 'PublicList', Effect: 'Allow', Principal: '*', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${bucket}` });
  if (keys.length) statements.push({ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: keys.map((k) => `arn:aws:s3:::${bucket}/${k}`) });
  return { Version: '2012-10-17', Statement: statements };
}

// Mutations break doorman's CORS on purpose by changing the rules the suite uploads (never
// doorman itself), to show that the suite notices. E2E_MUTATE names one.
const MUTATIONS = {
  // No rule exposes a header: ETag becomes unreadable.
  'drop-expose-headers': (r) => ({ ...r, ExposeHeaders: undefined }),
  // Every exact origin gets another port: the pages' origins no longer match.
  'change-origin': (r) => ({ ...r, AllowedOrigins: r.AllowedOrigins.map((o) => o.replace(/:(\d+)$/, (_, p) => `:${Number(p) + 1}`)) }),
  // Every rule admits any origin.
  'wildcard-origin': (r) => ({ ...r, AllowedOrigins: ['*'] }),
  // No rule admits a request header.
  'drop-allowed-headers': (r) => ({ ...r, AllowedHeaders: undefined }),
  // No rule lets browsers cache its preflights.
  'drop-max-age': (r) => ({ ...r, MaxAgeSeconds: undefined }),
  // Every rule allows GET only.
  'get-only': (r) => ({ ...r, AllowedMethods: ['GET'] }),
  // No rule at all: the bucket gets no CORS configuration.
  'no-cors-rules': () => null,
};

const MUTATION = process.env.E2E_MUTATE || '';
if (MUTATION && !MUTATIONS[MUTATION] && !GATEWAY_MUTATIONS[MUTATION]) {
  throw new Error(`E2E_MUTATE=${MUTATION}: unknown; one of ${[...Object.keys(MUTATIONS), ...Object.keys(GATEWAY_MUTATIONS)].join(', ')}`);
}

// mutate applies an S3 mutation; a gateway mutation (lib/gateway.js) leaves the rules alone.
function mutate(rules) {
  return MUTATIONS[MUTATION] ? rules.map(MUTATIONS[MUTATION]).filter(Boolean) : rules;
}

module.exports = { S3Endpoint, Doorman, stopProcess, waitHealthy, ACCESS_KEY, SECRET_KEY, REGION, MUTATION };
