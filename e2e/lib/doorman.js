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
  GetObjectCommand, HeadObjectCommand, DeletePublicAccessBlockCommand, PutBucketAclCommand,
} = require('@aws-sdk/client-s3');
const { getSignedUrl } = require('@aws-sdk/s3-request-presigner');
const { GATEWAY_MUTATIONS } = require('./gateway');

const ACCESS_KEY = 'E2EACCESSKEY0000001';
const SECRET_KEY = 'e2e-secret-key-not-a-real-one-0000000001';
const REGION = 'us-east-1';

// A running doorman: its port, its access-log lines (parsed) and a way to stop it.
class Doorman {
  constructor(name, extraArgs = []) {
    this.name = name;
    this.extraArgs = extraArgs;
    this.log = [];
    this.stderrTail = [];
    this.stdout = []; // every line printed on stdout (the addresses it serves on)
  }

  async start(bin) {
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'doorman-e2e-'));
    this.proc = spawn(bin, ['serve', '--addr', '127.0.0.1:0', '--data', this.dataDir,
      '--access-key', ACCESS_KEY, '--secret-key', SECRET_KEY, '--log-format', 'json',
      ...this.extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
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
        const m = /listening on (http:\/\/\S+)/.exec(line);
        if (m) resolve(new URL(m[1]));
      });
    });
    const url = await Promise.race([listening, exited.then((code) => {
      throw new Error(`doorman (${this.name}) exited with ${code}: ${this.stderrTail.join('\n')}`);
    })]);
    this.port = Number(url.port);
    this.endpoint = `http://127.0.0.1:${this.port}`;
    const health = await fetch(`${this.endpoint}/_doorman/health`);
    if (!health.ok) throw new Error(`doorman (${this.name}) is not healthy: ${health.status}`);
    this.s3 = new S3Client({
      endpoint: this.endpoint, region: REGION, forcePathStyle: true,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
      // Presigned URLs must not carry a checksum of an empty body (the SDK's default adds one).
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    return this;
  }

  // stop ends the process by its id and removes its data directory.
  async stop() {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise((resolve) => this.proc.once('exit', resolve));
      process.kill(this.proc.pid, 'SIGTERM');
      const timer = setTimeout(() => process.kill(this.proc.pid, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (this.dataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  // requestsFor lists, in order, the access-log entries for the given buckets from index `from`.
  requestsFor(buckets, from = 0) {
    return this.log.slice(from).filter((e) => buckets.includes(e.bucket));
  }

  // bucket creates a bucket with an optional canned ACL, CORS rules and objects.
  // objects: [{key, body, contentType, cacheControl, acl}]
  // A bucket given ACLs (its own or its objects') is created as one must on Amazon S3 since
  // April 2023, when new buckets began with ACLs disabled and Block Public Access on: with
  // Object Ownership ObjectWriter, then its public access block deleted, then its ACL.
  async bucket(name, { acl, cors, objectLock, objects = [] } = {}) {
    const acls = acl !== undefined || objects.some((o) => o.acl !== undefined);
    await this.s3.send(new CreateBucketCommand({
      Bucket: name, ObjectOwnership: acls ? 'ObjectWriter' : undefined, ObjectLockEnabledForBucket: objectLock || undefined,
    }));
    if (acls) await this.s3.send(new DeletePublicAccessBlockCommand({ Bucket: name }));
    if (acl) await this.s3.send(new PutBucketAclCommand({ Bucket: name, ACL: acl }));
    if (cors) await this.putCors(name, cors);
    for (const o of objects) {
      await this.s3.send(new PutObjectCommand({
        Bucket: name, Key: o.key, Body: o.body, ContentType: o.contentType,
        CacheControl: o.cacheControl, ACL: o.acl,
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

module.exports = { Doorman, ACCESS_KEY, SECRET_KEY, REGION, MUTATION };
