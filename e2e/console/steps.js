// The console's end-to-end flow, one engine at a time, as a person uses it: every step drives
// the pages with the engine's own clicks and keystrokes and asserts what the page shows, then
// checks it against what doorman itself holds (through S3, `doorman explain`, or the console's
// API from outside the browser). Each page is captured in both themes (screenshot and axe).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { HeadObjectCommand, GetObjectCommand, GetBucketCorsCommand, HeadBucketCommand } = require('@aws-sdk/client-s3');
const { explain, responseOf, api, signIn, OWNER, OTHER } = require('./server');
const { seededBytes, sha256 } = require('./data');
const { runAxe } = require('./axe');

const MiB = 1 << 20;
// The issue's upload: 20 MiB, which the console sends as a multipart upload (parts of 8 MiB).
const BIG_SIZE = 20 * MiB;
const BIG_SEED = 0x5eed2026;
const SMALL_SEED = 0x00c0ffee;
const SMALL_SIZE = 4096;
const FOLDER = 'data/';
const BIG_KEY = `${FOLDER}e2e-20MiB.bin`;
const DROPPED_KEY = 'dropped.bin';
const PICKED_KEY = 'picked.bin';
const PROBE_KEY = 'doorman-probe.txt';
const SIM_HEADER = 'x-amz-meta-e2e';
// The presigned URL's life: any within S3's bounds; one that is not the form's default.
const PRESIGN_SECONDS = 600;
// A 20 MiB upload over loopback takes well under a second on a quiet machine; the bound is for
// a busy one sharing two cores.
const UPLOAD_TIMEOUT_MS = 120000;
// How often the page samples the progress bars' percent and state texts while uploading; the
// bar's values are each recorded as they change, since a fast machine sends 20 MiB over
// loopback between two samples.
const SAMPLE_MS = 10;
// The console validates as one types, after a short pause; a probe round trip crosses two
// origins and a preflight.
const VALIDATE_TIMEOUT_MS = 15000;
const PROBE_TIMEOUT_MS = 30000;
// The monitor refreshes every 5 s; its record is written as S3 answers.
const MONITOR_TIMEOUT_MS = 20000;
const REFRESH_MS = 1000;
// Colours change at once with the theme, but a transition on them would be caught half-way.
const THEME_SETTLE_MS = 300;
const THEMES = ['light', 'dark'];
// The viewport the pages are seen in, and the same screen at 200% zoom: a page zoomed to 200%
// lays out as in a viewport half as wide (in CSS pixels), where it must not scroll sideways
// (WCAG 2.1, 1.4.10 Reflow: https://www.w3.org/WAI/WCAG21/Understanding/reflow.html).
const VIEWPORT = { width: 1280, height: 800 };
const ZOOM200 = { width: VIEWPORT.width / 2, height: VIEWPORT.height / 2 };

// MUTATIONS break something a person would see, to prove the steps notice (E2E_CONSOLE_MUTATE).
const MUTATIONS = {
  // The simulator is asked about another origin (port + 1) than the one explain is run for.
  'sim-origin': 'the simulator gets the probe origin with the port plus one',
  // An unlabelled text field appears on every page before axe runs (axe must fail the page).
  'axe-unlabelled': 'an unlabelled <input> is added to each page before axe runs',
  // The saved rule also allows the origin that should be refused.
  'allow-refused-origin': 'the valid CORS rule also allows http://localhost:PORT',
  // The 20 MiB upload is made from another seed than the bytes the runner hashes.
  'upload-seed': 'the page uploads bytes from another seed',
};

class StepError extends Error {}
function check(cond, message) {
  if (!cond) throw new StepError(message);
}

// Steps: [name, needs (earlier steps that must have passed), function]. Each returns its
// figures for the report.
const STEPS = [
  ['sign in', [], signInStep],
  ['create a bucket', ['sign in'], createBucket],
  ['upload 20 MiB with progress', ['create a bucket'], uploadBig],
  ['upload small files (drop and picker)', ['create a bucket'], uploadSmall],
  ['browse folders', ['upload 20 MiB with progress'], browse],
  ['download and compare bytes', ['browse folders'], download],
  ['object details and a presigned URL', ['browse folders'], objectDetails],
  ['delete an object, with confirmation', ['upload small files (drop and picker)'], deleteObject],
  ['invalid CORS rule: AWS error at its line', ['create a bucket'], invalidCors],
  ['save a valid CORS rule', ['invalid CORS rule: AWS error at its line'], saveCors],
  ['simulator equals doorman explain', ['save a valid CORS rule'], simulator],
  ['try it from a real page', ['save a valid CORS rule'], probe],
  ['simulator on the unsaved draft', ['save a valid CORS rule'], draftSimulator],
  ['refused preflights in the monitor', ['save a valid CORS rule'], monitorStep],
  ['another user is refused', ['create a bucket'], otherUser],
  ['a page on another origin is refused', ['sign in'], crossOrigin],
  ['sign out: old session refused', ['sign in'], signOutStep],
];

// runFlow runs every step in one engine and returns the steps' results, the pages' axe
// results and the screenshots.
async function runFlow(engine, env) {
  const ctx = {
    engine: engine.name, env, tab: await engine.tab(),
    bucket: `console-${engine.name}`,
    axe: [], zoom: [], screenshots: [], mutate: env.mutate,
    dir: path.join(env.results, engine.name),
  };
  fs.mkdirSync(ctx.dir, { recursive: true });
  await ctx.tab.setViewport(VIEWPORT.width, VIEWPORT.height);
  const results = [];
  const passed = new Set();
  try {
    for (const [name, needs, fn] of STEPS) {
      const missing = needs.filter((n) => !passed.has(n));
      if (missing.length) {
        results.push({ step: name, pass: false, skipped: true, error: `not run: needs ${missing.join(', ')}` });
        continue;
      }
      const started = Date.now();
      try {
        const figures = await fn(ctx);
        passed.add(name);
        results.push({ step: name, pass: true, ms: Date.now() - started, figures });
      } catch (e) {
        const error = e instanceof StepError ? e.message : `${e.message.split('\n').slice(0, 3).join(' ')}`;
        results.push({ step: name, pass: false, ms: Date.now() - started, error, figures: ctx.partial });
        await ctx.tab.screenshot(path.join(ctx.dir, `failed-${slug(name)}.png`)).catch(() => {});
      }
      ctx.partial = undefined;
    }
  } finally {
    await ctx.tab.close().catch(() => {});
  }
  return { steps: results, axe: ctx.axe, zoom: ctx.zoom, screenshots: ctx.screenshots, failures: ctx.tab.failures };
}

const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

// capture saves a screenshot of the page in each theme and runs axe on it in each.
async function capture(ctx, page) {
  const t = ctx.tab;
  for (const theme of THEMES) {
    await t.select('select#theme', theme);
    await t.waitFor((th) => document.documentElement.dataset.theme === th, theme, 5000, `<html data-theme="${theme}">`);
    await new Promise((r) => setTimeout(r, THEME_SETTLE_MS));
    const file = path.join(ctx.dir, `${page}-${theme}.png`);
    await t.screenshot(file);
    ctx.screenshots.push(path.relative(ctx.env.results, file));
    let result;
    try {
      if (ctx.mutate === 'axe-unlabelled') {
        await t.evaluate(() => document.querySelector('main').append(Object.assign(document.createElement('input'), { type: 'text' })));
      }
      result = await runAxe(t);
    } catch (e) {
      result = { error: e.message.split('\n')[0], violations: [], failing: 1 };
    }
    ctx.axe.push({ page, theme, ...result });
  }
  await t.select('select#theme', 'system');
  // At 200% zoom the page reflows: nothing wider than the viewport but what scrolls inside
  // its own box (a wide table in a scrolling container).
  await t.setViewport(ZOOM200.width, ZOOM200.height);
  try {
    await new Promise((r) => setTimeout(r, THEME_SETTLE_MS));
    const overflow = await t.evaluate(() => {
      const root = document.documentElement;
      const clipped = (el) => {
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
          if (getComputedStyle(p).overflowX !== 'visible') return true;
        }
        return false;
      };
      const wide = [...document.querySelectorAll('body *')].filter((el) => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.right > root.clientWidth + 1 && !clipped(el);
      }).slice(0, 5).map((el) => el.tagName.toLowerCase() + (el.id ? `#${el.id}` : '') + (el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''));
      return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide };
    });
    const file = path.join(ctx.dir, `${page}-zoom200.png`);
    await t.screenshot(file);
    ctx.screenshots.push(path.relative(ctx.env.results, file));
    ctx.zoom.push({ page, ...overflow, pass: overflow.scrollWidth <= overflow.clientWidth });
  } finally {
    await t.setViewport(VIEWPORT.width, VIEWPORT.height);
  }
}

// In-page helpers, as functions whose source crosses to the page.
const textOf = (sel) => {
  const el = document.querySelector(sel);
  return el ? el.textContent.trim() : null;
};
const exists = (sel) => document.querySelector(sel) !== null;
const hashIs = (h) => location.hash === h;
const go = (hash) => { location.hash = hash; return true; };
const cssString = (s) => JSON.stringify(s);

async function waitText(t, sel, what, timeoutMs) {
  return t.waitFor((s) => {
    const el = document.querySelector(s);
    return el && el.textContent.trim() ? el.textContent.trim() : null;
  }, sel, timeoutMs, what || sel);
}

async function signInStep(ctx) {
  const t = ctx.tab;
  await t.goto(`${ctx.env.consoleURL}/#/signin`);
  try {
    await t.waitFor(exists, 'form#signin input#access-key', 15000, 'form#signin');
  } catch (e) {
    // The pages' script may have failed to start: importing it again gives its error.
    const why = await t.evaluate(async () => {
      const src = document.querySelector('script[type=module]');
      if (!src) return 'the page has no module script';
      try {
        await import(`${src.src}?again`);
        return 'the module script loads without error';
      } catch (err) {
        return `${src.getAttribute('src')} fails: ${err}`;
      }
    }).catch((x) => x.message);
    const language = await t.evaluate(() => navigator.language).catch(() => '?');
    throw new StepError(`${e.message}; ${why} (navigator.language "${language}", LANG=${process.env.LANG || ''})`);
  }
  await capture(ctx, 'signin');
  // A wrong secret first: the page says so and stays.
  await t.fill('input#access-key', OWNER.accessKey);
  await t.fill('input#secret-key', 'not-the-secret');
  await t.click('form#signin button[type=submit]');
  const wrong = await waitText(t, '#signin-error', '#signin-error after a wrong secret');
  check(await t.evaluate(() => location.hash.startsWith('#/signin')), 'a wrong secret left the sign-in page');
  // The right one, sent with the Enter key: the form works from the keyboard.
  await t.typeKeys('input#secret-key', `${OWNER.secretKey}\n`, { replace: true });
  await t.waitFor(hashIs, '#/buckets', 15000, 'the buckets page (#/buckets) after signing in with Enter');
  const who = await t.waitFor(textOf, '#whoami', 5000, '#whoami');
  check(who === OWNER.accessKey, `#whoami says "${who}", expected "${OWNER.accessKey}"`);
  // No secret in web storage.
  const stored = await t.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  check(!stored.includes(OWNER.secretKey), 'the secret key is in web storage');
  return { wrongSecretError: wrong, whoami: who, language: await t.evaluate(() => navigator.language) };
}

async function createBucket(ctx) {
  const t = ctx.tab;
  await t.waitFor(exists, 'form#create-bucket input#bucket-name', 10000, 'form#create-bucket');
  await t.fill('input#bucket-name', ctx.bucket);
  await t.click('form#create-bucket button[type=submit]');
  await t.waitFor(exists, `table#buckets tr[data-bucket=${cssString(ctx.bucket)}]`, 10000, `table#buckets tr[data-bucket="${ctx.bucket}"]`);
  await ctx.env.doorman.s3.send(new HeadBucketCommand({ Bucket: ctx.bucket }));
  await capture(ctx, 'buckets');
  return { bucket: ctx.bucket };
}

// openBucket goes to the bucket's objects page at a prefix ("" the root), by the bucket's link
// the first time.
async function openBucket(ctx, prefix) {
  const t = ctx.tab;
  if (await t.evaluate(hashIs, '#/buckets')) {
    await t.click(`table#buckets tr[data-bucket=${cssString(ctx.bucket)}] a`);
  }
  const hash = `#/buckets/${ctx.bucket}${prefix ? `?prefix=${encodeURIComponent(prefix)}` : ''}`;
  if (!(await t.evaluate(hashIs, hash))) await t.evaluate(go, hash);
  await t.waitFor(exists, '#drop-zone', 10000, `#drop-zone on ${hash}`);
  await t.waitFor(exists, 'table#objects', 10000, `table#objects on ${hash}`);
}

// Engines whose synthetic drop carries a file made by a script. WebKit's
// DataTransferItem.webkitGetAsEntry() gives such a file an entry whose file() fails
// (NotFoundError: it has no path on disk), and the page reads a drop through its entries (to
// walk dropped folders): in WebKit the files go through the picker, as a person's would.
const DROPS_SCRIPT_FILES = { chromium: true, firefox: true, webkit: false };

// upload sends a file made from a seed, by a drop on #drop-zone (the file made in the page)
// or through input#file-picker (the file written by the runner from the same seed), and
// samples the upload's progress bars in the page until its state is done, failed or
// cancelled.
async function upload(ctx, { key, seed, size, via }) {
  const t = ctx.tab;
  const name = key.split('/').pop();
  // The generator crosses as a script of its own (the console's policy allows no eval).
  await t.run(`window.__e2eSeededBytes = ${seededBytes.toString()};`);
  await t.evaluate(({ name, key, seed, size, sampleMs, drop }) => {
    const rec = { samples: [], values: [], started: performance.now(), done: false, sha: null };
    window.__e2eUpload = rec;
    const sel = `li.upload[data-key=${JSON.stringify(key)}]`;
    // Every value the file's progress bar takes, in order, however fast the bytes go: each
    // change of its value attribute is a mutation record holding the value before it, and
    // the value after the last one is read when the upload ends.
    const valueOf = (v) => (v === null ? null : Number(v));
    const keep = (v) => { if (rec.values[rec.values.length - 1] !== v) rec.values.push(v); };
    let bar = null;
    const observer = new MutationObserver((records) => {
      for (const r of records) {
        if (r.target.matches && r.target.matches(`${sel} progress.file-progress`)) {
          bar = r.target;
          keep(valueOf(r.oldValue));
        }
      }
    });
    observer.observe(document.body, { subtree: true, attributes: true, attributeOldValue: true, attributeFilter: ['value'] });
    const sample = () => {
      const li = document.querySelector(sel);
      const p = li && li.querySelector('progress.file-progress');
      const all = document.querySelector('progress#overall-progress');
      const s = {
        t: Math.round(performance.now() - rec.started),
        value: p ? p.value : null, max: p ? p.max : null,
        percent: li && li.querySelector('.percent') ? li.querySelector('.percent').textContent.trim() : null,
        state: li && li.querySelector('.state') ? li.querySelector('.state').textContent.trim() : null,
        overall: all ? all.value : null, overallMax: all ? all.max : null,
        overallPercent: document.querySelector('#overall-percent') ? document.querySelector('#overall-percent').textContent.trim() : null,
      };
      const last = rec.samples[rec.samples.length - 1];
      if (!last || last.value !== s.value || last.state !== s.state || last.percent !== s.percent || last.overall !== s.overall) rec.samples.push(s);
      if (s.state && /^(done|failed|cancelled)/.test(s.state)) {
        for (const r of observer.takeRecords()) if (r.target === bar) keep(valueOf(r.oldValue));
        observer.disconnect();
        if (bar) keep(bar.value);
        rec.done = true;
        rec.ms = s.t;
        clearInterval(timer);
      }
    };
    const timer = setInterval(sample, sampleMs);
    if (!drop) return true;
    const bytes = window.__e2eSeededBytes(seed, size);
    crypto.subtle.digest('SHA-256', bytes).then((d) => {
      rec.sha = [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
    });
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], name, { type: 'application/octet-stream' }));
    const zone = document.querySelector('#drop-zone');
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }
    sample();
    return true;
  }, { name, key, seed, size, sampleMs: SAMPLE_MS, drop: via === 'drop' });
  if (via === 'picker') {
    const dir = path.join(ctx.env.tmp, ctx.engine);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, name);
    fs.writeFileSync(file, seededBytes(seed, size));
    await t.pickFiles('input#file-picker', [file]);
  }
  const rec = await t.waitFor((drop) => window.__e2eUpload.done && (window.__e2eUpload.sha || !drop) && window.__e2eUpload, via === 'drop',
    UPLOAD_TIMEOUT_MS, `li.upload[data-key="${key}"] .state done`);
  rec.via = via;
  return rec;
}

async function uploadBig(ctx) {
  await openBucket(ctx, FOLDER);
  const seed = ctx.mutate === 'upload-seed' ? BIG_SEED + 1 : BIG_SEED;
  const expected = sha256(seededBytes(BIG_SEED, BIG_SIZE));
  ctx.bigSha = expected;
  const started = Date.now();
  const via = DROPS_SCRIPT_FILES[ctx.engine] ? 'drop' : 'picker';
  const rec = await upload(ctx, { key: BIG_KEY, seed, size: BIG_SIZE, via });
  const ms = Date.now() - started;
  const s = rec.samples;
  const last = s[s.length - 1];
  const values = rec.values.filter((v) => v !== null);
  const intermediate = [...new Set(values.filter((v) => v > 0 && v < BIG_SIZE))];
  const figures = {
    via, uploadMs: rec.ms, wallMs: ms, samples: s.length, values: values.length, intermediateValues: intermediate.length,
    percents: [...new Set(s.map((x) => x.percent))], final: last, pageSha256: rec.sha, expectedSha256: expected,
  };
  ctx.partial = figures;
  check(last.state.startsWith('done'), `li.upload[data-key="${BIG_KEY}"] .state is "${last.state}", expected "done"`);
  check(last.max === BIG_SIZE && last.value === BIG_SIZE, `progress.file-progress ends at ${last.value}/${last.max}, expected ${BIG_SIZE}/${BIG_SIZE}`);
  check(last.percent === '100%', `.percent ends at "${last.percent}", expected "100%"`);
  check(intermediate.length >= 1, `progress.file-progress took no value between 0 and ${BIG_SIZE}: ${JSON.stringify(values)}`);
  check(values.every((v, i) => i === 0 || v >= values[i - 1]), `progress went backwards: ${JSON.stringify(values)}`);
  check(last.overallPercent === '100%' && last.overall === last.overallMax, `overall progress ends at ${last.overall}/${last.overallMax} "${last.overallPercent}", expected 100%`);
  // What S3 holds is the bytes the runner made from the seed.
  const obj = await ctx.env.doorman.s3.send(new GetObjectCommand({ Bucket: ctx.bucket, Key: BIG_KEY }));
  const stored = sha256(Buffer.from(await obj.Body.transformToByteArray()));
  figures.storedSha256 = stored;
  if (via === 'drop') check(rec.sha === expected, `the page made bytes with SHA-256 ${rec.sha}, expected ${expected}`);
  check(stored === expected, `S3 holds ${BIG_KEY} with SHA-256 ${stored}, expected ${expected}`);
  figures.multipartETag = obj.ETag;
  check(/-\d+"$/.test(obj.ETag), `ETag ${obj.ETag}: not a multipart upload's`);
  return figures;
}

async function uploadSmall(ctx) {
  const t = ctx.tab;
  await openBucket(ctx, '');
  const figures = {};
  const files = [[PICKED_KEY, 'picker']];
  if (DROPS_SCRIPT_FILES[ctx.engine]) files.unshift([DROPPED_KEY, 'drop']);
  for (const [key, via] of files) {
    const rec = await upload(ctx, { key, seed: SMALL_SEED, size: SMALL_SIZE, via });
    const last = rec.samples[rec.samples.length - 1];
    check(last.state.startsWith('done'), `li.upload[data-key="${key}"] .state is "${last.state}"`);
    await t.waitFor(exists, `table#objects tr[data-key=${cssString(key)}]`, 10000, `tr[data-key="${key}"]`);
    const head = await ctx.env.doorman.s3.send(new HeadObjectCommand({ Bucket: ctx.bucket, Key: key }));
    check(head.ContentLength === SMALL_SIZE, `S3 holds ${key} as ${head.ContentLength} bytes, expected ${SMALL_SIZE}`);
    figures[via] = { key, bytes: SMALL_SIZE, ms: rec.ms, contentType: head.ContentType };
  }
  if (!DROPS_SCRIPT_FILES[ctx.engine]) figures.drop = 'not in this engine: a script-made file dropped has no entry the page can read';
  return figures;
}

async function browse(ctx) {
  const t = ctx.tab;
  await openBucket(ctx, '');
  const folder = `table#objects tr[data-prefix=${cssString(FOLDER)}]`;
  await t.waitFor(exists, folder, 10000, `table#objects tr[data-prefix="${FOLDER}"]`);
  check(!(await t.evaluate(exists, `table#objects tr[data-key=${cssString(BIG_KEY)}]`)), `the root lists ${BIG_KEY}, which is in ${FOLDER}`);
  await capture(ctx, 'objects');
  await t.click(`${folder} a`);
  await t.waitFor(exists, `table#objects tr[data-key=${cssString(BIG_KEY)}]`, 10000, `tr[data-key="${BIG_KEY}"] under ${FOLDER}`);
  const hash = await t.evaluate(() => location.hash);
  check(decodeURIComponent(hash).includes(`prefix=${FOLDER}`), `the folder's link went to ${hash}`);
  const crumbs = await t.evaluate(textOf, 'nav#crumbs');
  check(crumbs && crumbs.includes(FOLDER.replace('/', '')), `nav#crumbs says "${crumbs}", expected the folder ${FOLDER}`);
  const rows = await t.evaluate(() => [...document.querySelectorAll('table#objects tr[data-key], table#objects tr[data-prefix]')].map((r) => r.dataset.key || r.dataset.prefix));
  check(!rows.includes(PICKED_KEY), `${FOLDER} lists ${PICKED_KEY}, which is at the root`);
  return { folderRows: rows, crumbs, hash };
}

async function download(ctx) {
  const t = ctx.tab;
  const got = await t.evaluate(async (sel) => {
    const a = document.querySelector(sel);
    if (!a) return { error: `no ${sel}` };
    const res = await fetch(a.href);
    const buf = await res.arrayBuffer();
    const d = await crypto.subtle.digest('SHA-256', buf);
    return {
      href: a.getAttribute('href'), download: a.getAttribute('download'), status: res.status, bytes: buf.byteLength,
      sha: [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join(''),
      disposition: res.headers.get('content-disposition'),
    };
  }, `table#objects tr[data-key=${cssString(BIG_KEY)}] a.download`);
  ctx.partial = got;
  check(!got.error, got.error);
  // The link names the object; the session's token rides along as csrf (the console wants it
  // on every request, and a link sends no header).
  const link = new URL(got.href, ctx.env.consoleURL);
  const extra = [...link.searchParams.keys()].filter((k) => k !== 'key' && k !== 'csrf');
  check(link.pathname === `/api/buckets/${ctx.bucket}/object` && link.searchParams.get('key') === BIG_KEY && extra.length === 0,
    `a.download href="${got.href}", expected /api/buckets/${ctx.bucket}/object?key=${encodeURIComponent(BIG_KEY)} (and csrf)`);
  check(got.download !== null, 'a.download has no download attribute');
  check(got.status === 200 && got.bytes === BIG_SIZE, `the download answered ${got.status} with ${got.bytes} bytes, expected 200 with ${BIG_SIZE}`);
  check(got.sha === ctx.bigSha, `downloaded SHA-256 ${got.sha}, uploaded ${ctx.bigSha}`);
  return got;
}

async function objectDetails(ctx) {
  const t = ctx.tab;
  await t.click(`table#objects tr[data-key=${cssString(BIG_KEY)}] a:not(.download)`);
  await t.waitFor(exists, 'dl#object-details dd', 10000, 'dl#object-details');
  const dl = await t.evaluate(() => {
    const out = {};
    for (const dt of document.querySelectorAll('dl#object-details dt')) {
      const dd = dt.nextElementSibling;
      if (dd && dd.tagName === 'DD') out[dt.textContent.trim()] = dd.textContent.trim();
    }
    return out;
  });
  ctx.partial = dl;
  const head = await ctx.env.doorman.s3.send(new HeadObjectCommand({ Bucket: ctx.bucket, Key: BIG_KEY }));
  check(dl.Key === BIG_KEY, `Key is "${dl.Key}", expected "${BIG_KEY}"`);
  check((dl.ETag || '').replace(/"/g, '') === head.ETag.replace(/"/g, ''), `ETag is "${dl.ETag}", S3 says ${head.ETag}`);
  check((dl.Size || '').replace(/[\s,.\u202f]/g, '').includes(String(BIG_SIZE)) || /20(\.0)?\s*MiB/.test(dl.Size || ''), `Size is "${dl.Size}", expected ${BIG_SIZE} bytes`);
  // A presigned GET URL, made for 600 s, downloads the object from S3 itself.
  await t.select('select#presign-method', 'GET');
  await t.fill('input#presign-expires', String(PRESIGN_SECONDS));
  await t.click('form#presign button[type=submit]');
  const url = await t.waitFor((s) => {
    const el = document.querySelector(s);
    return el && /^https?:\/\//.test(el.textContent.trim()) ? el.textContent.trim() : null;
  }, 'output#presign-url', 10000, 'output#presign-url');
  const u = new URL(url);
  check(u.origin === ctx.env.doorman.endpoint && u.searchParams.get('X-Amz-Expires') === String(PRESIGN_SECONDS),
    `output#presign-url ${url}: expected ${ctx.env.doorman.endpoint} with X-Amz-Expires=${PRESIGN_SECONDS}`);
  const res = await fetch(url);
  const got = sha256(Buffer.from(await res.arrayBuffer()));
  check(res.status === 200 && got === ctx.bigSha, `GET of the presigned URL: ${res.status}, SHA-256 ${got}, expected 200 and ${ctx.bigSha}`);
  await capture(ctx, 'details');
  return { details: dl, presigned: { status: res.status, sha256: got, expires: PRESIGN_SECONDS } };
}

async function deleteObject(ctx) {
  const t = ctx.tab;
  await openBucket(ctx, '');
  const row = `table#objects tr[data-key=${cssString(PICKED_KEY)}]`;
  const button = `${row} button[aria-label=${cssString(`Delete ${PICKED_KEY}`)}]`;
  const stillThere = () => ctx.env.doorman.s3.send(new HeadObjectCommand({ Bucket: ctx.bucket, Key: PICKED_KEY })).then(() => true, (e) => {
    if (e.name === 'NotFound') return false;
    throw e;
  });
  const ask = async () => {
    await t.click(button);
    return t.waitFor(() => {
      const d = document.querySelector('dialog#confirm');
      return d && d.open ? document.querySelector('#confirm-message').textContent.trim() : null;
    }, null, 5000, 'dialog#confirm open');
  };
  // Cancel leaves it...
  const message = await ask();
  check(message.includes(PICKED_KEY), `#confirm-message "${message}" does not name ${PICKED_KEY}`);
  await t.click('button#confirm-cancel');
  await t.waitFor(() => !document.querySelector('dialog#confirm').open, null, 5000, 'dialog#confirm closed');
  check(await t.evaluate(exists, row) && await stillThere(), `${PICKED_KEY} is gone after Cancel`);
  // ...OK deletes it.
  await ask();
  await t.click('button#confirm-ok');
  await t.waitFor((s) => !document.querySelector(s), row, 10000, `${row} gone`);
  check(!(await stillThere()), `S3 still holds ${PICKED_KEY}`);
  return { message };
}

// The configurations typed into the editor: no line ends in an opening bracket, so that the
// editor's closing brackets stay where they were put.
function corsDocuments(ctx) {
  const allowed = `http://127.0.0.1:${ctx.env.probePort}`;
  const refused = `http://localhost:${ctx.env.probePort}`;
  const origins = ctx.mutate === 'allow-refused-origin' ? [allowed, refused] : [allowed];
  const invalid = [
    '{"CORSRules": [{"ID": "e2e",',
    `"AllowedOrigins": ["${allowed}"],`,
    '"AllowedMethods": ["GET", "PATCH"]}]}',
  ].join('\n');
  const valid = [
    '{"CORSRules": [{"ID": "e2e",',
    `"AllowedOrigins": [${origins.map((o) => `"${o}"`).join(', ')}],`,
    '"AllowedMethods": ["GET", "PUT", "HEAD"],',
    '"AllowedHeaders": ["*"],',
    '"ExposeHeaders": ["ETag"]}]}',
  ].join('\n');
  return { allowed, refused, invalid, valid };
}

// editorText is the document the editor shows, line by line.
const editorText = () => [...document.querySelectorAll('#cors-editor .cm-content .cm-line')].map((l) => l.textContent).join('\n');

async function openCors(ctx) {
  const t = ctx.tab;
  if (!(await t.evaluate(hashIs, `#/buckets/${ctx.bucket}/cors`))) {
    if (await t.evaluate(exists, 'a#tab-cors')) await t.click('a#tab-cors');
    else await t.evaluate(go, `#/buckets/${ctx.bucket}/cors`);
  }
  await t.waitFor(exists, '#cors-editor .cm-content', 15000, '#cors-editor .cm-content');
  if (!(await t.evaluate(() => document.querySelector('input[name=cors-format][value=json]').checked))) {
    await t.click('input[name=cors-format][value=json]');
  }
}

// typeDocument replaces the editor's document by typing it, and returns what the editor holds.
async function typeDocument(ctx, doc) {
  const t = ctx.tab;
  await t.typeKeys('#cors-editor .cm-content', doc, { replace: true });
  const text = await t.evaluate(editorText);
  let same = false;
  try { same = JSON.stringify(JSON.parse(text)) === JSON.stringify(JSON.parse(doc)); } catch { same = false; }
  check(same, `the editor holds ${JSON.stringify(text)} after typing ${JSON.stringify(doc)}`);
  return text;
}

async function invalidCors(ctx) {
  const t = ctx.tab;
  await openCors(ctx);
  const { invalid } = corsDocuments(ctx);
  const text = await typeDocument(ctx, invalid);
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes('"PATCH"')) + 1;
  const column = [...lines[line - 1].slice(0, lines[line - 1].indexOf('"PATCH"'))].length + 1;
  // AWS's answer to PutBucketCors with this rule (code InvalidRequest, HTTP 400).
  const want = `InvalidRequest: Found unsupported HTTP method in CORS config. Unsupported method is PATCH (line ${line}, column ${column})`;
  let status;
  try {
    status = await t.waitFor((w) => {
      const s = document.querySelector('#cors-status');
      return s && s.textContent.includes(w) ? s.textContent.trim() : null;
    }, want, VALIDATE_TIMEOUT_MS, `#cors-status "${want}"`);
  } catch (e) {
    throw new StepError(`${e.message}; #cors-status says ${JSON.stringify(await t.evaluate(textOf, '#cors-status'))}`);
  }
  // The diagnostic is marked inline on that line, and its gutter marker sits beside it.
  const inline = await t.waitFor((l) => {
    const el = document.querySelectorAll('#cors-editor .cm-content .cm-line')[l - 1];
    const mark = el && el.querySelector('.cm-lintRange-error, .cm-lintPoint-error');
    if (!mark) return null;
    const top = el.getBoundingClientRect().top;
    const gutter = [...document.querySelectorAll('#cors-editor .cm-lint-marker-error')].map((m) => m.getBoundingClientRect());
    return { marked: mark.textContent, gutterOnLine: gutter.some((g) => g.top <= top + 4 && g.bottom >= top) };
  }, line, VALIDATE_TIMEOUT_MS, `an error diagnostic (.cm-lintRange-error) on editor line ${line}`);
  check(inline.gutterOnLine, `no .cm-lint-marker-error in the gutter beside line ${line}`);
  const saveRefused = await t.evaluate(() => {
    const b = document.querySelector('button#cors-save');
    return b ? b.disabled : null;
  });
  return { status, line, column, inline, saveDisabled: saveRefused };
}

async function saveCors(ctx) {
  const t = ctx.tab;
  await openCors(ctx);
  const { valid } = corsDocuments(ctx);
  await typeDocument(ctx, valid);
  await t.waitFor((s) => {
    const el = document.querySelector(s);
    return el && el.textContent.trim() === 'Valid';
  }, '#cors-status', VALIDATE_TIMEOUT_MS, '#cors-status "Valid"');
  await t.click('button#cors-save');
  const saved = await t.waitFor(() => {
    const ok = document.querySelector('#cors-saved');
    const err = document.querySelector('#cors-error');
    if (err && err.textContent.trim()) return `error: ${err.textContent.trim()}`;
    return ok && ok.textContent.trim() ? ok.textContent.trim() : null;
  }, null, 15000, '#cors-saved');
  check(saved.startsWith('Saved'), `#cors-saved/#cors-error says "${saved}"`);
  const got = await ctx.env.doorman.s3.send(new GetBucketCorsCommand({ Bucket: ctx.bucket }));
  const want = JSON.parse(valid).CORSRules;
  const have = got.CORSRules.map((r) => ({ ID: r.ID, AllowedOrigins: r.AllowedOrigins, AllowedMethods: r.AllowedMethods, AllowedHeaders: r.AllowedHeaders, ExposeHeaders: r.ExposeHeaders }));
  check(JSON.stringify(have) === JSON.stringify(want), `S3 holds ${JSON.stringify(have)}, typed ${JSON.stringify(want)}`);
  ctx.savedDocument = valid;
  return { saved, rules: have };
}

// The request the simulator and the probe are asked about: a PUT with a header of its own,
// which browsers preflight.
const SIM_REQUEST = { method: 'PUT', headers: [SIM_HEADER], credentials: 'omit', key: PROBE_KEY };

// fillSimulator fills the simulator's request (the probe uses it too), for the saved
// configuration or the editor's draft.
async function fillSimulator(ctx, { origin, method, headers, credentials, key }, source = 'saved') {
  const t = ctx.tab;
  await openCors(ctx);
  await t.waitFor(exists, 'section#simulator button#sim-run', 10000, 'section#simulator');
  await t.fill('input#sim-origin', origin);
  await t.select('select#sim-method', method);
  await t.fill('#sim-headers', headers.join('\n'));
  await t.select('select#sim-credentials', credentials);
  await t.fill('input#sim-key', key);
  await t.click(`input[name=sim-source][value=${source}]`);
}

// simulate runs the simulator and returns what it shows.
async function simulate(ctx, input, source) {
  const t = ctx.tab;
  await fillSimulator(ctx, input, source);
  // The previous answer is marked, so that the one waited for is this run's.
  await t.evaluate(() => {
    const old = document.querySelector('pre#sim-response');
    if (old) old.dataset.e2eOld = '1';
    return true;
  });
  await t.click('button#sim-run');
  const response = await waitText(t, 'pre#sim-response:not([data-e2e-old])', 'a new pre#sim-response', 15000);
  return t.evaluate((r) => ({
    response: r,
    decided: (document.querySelector('#sim-decided') || {}).textContent || null,
    rules: [...document.querySelectorAll('ol#sim-rules > li')].map((li) => (li.querySelector('code') || li).textContent.trim()),
    browsers: Object.fromEntries([...document.querySelectorAll('table#sim-browsers tr[data-engine]')].map((tr) => [tr.dataset.engine, (tr.querySelector('td.verdict') || {}).textContent.trim()])),
  }), response);
}

async function simulator(ctx) {
  const { allowed, refused } = corsDocuments(ctx);
  const figures = [];
  for (const [origin, verdict, status] of [[allowed, 'ALLOWED', 200], [refused, 'BLOCKED', 403]]) {
    const input = { origin, ...SIM_REQUEST };
    const typed = ctx.mutate === 'sim-origin' ? { ...input, origin: origin.replace(/:(\d+)$/, (_, p) => `:${Number(p) + 1}`) } : input;
    const shown = await simulate(ctx, typed);
    // A PUT with a header of its own is preflighted: explain is asked about the preflight.
    const ex = explain(ctx.env.bin, ctx.env.tmp, ctx.savedDocument, { ...input, preflight: true });
    figures.push({ origin, command: ex.command, explainExit: ex.status, simulator: shown });
    ctx.partial = figures;
    compareExplain(shown, ex, origin, status, verdict);
  }
  return figures;
}

// compareExplain requires the simulator to show what explain printed, and each engine's
// verdict.
function compareExplain(shown, ex, origin, status, verdict) {
  const want = responseOf(ex.stdout);
  const have = shown.response.trim();
  check(have === want, `pre#sim-response for ${origin}:\n${have}\n--- doorman explain (${ex.command}):\n${want}`);
  // The outcome and each rule's evaluation are explain's lines too.
  const outcome = /^Outcome: .*$/m.exec(ex.stdout)[0];
  check((shown.decided || '').trim().startsWith(outcome), `#sim-decided "${shown.decided}" for ${origin}, explain says "${outcome}"`);
  const rules = ex.stdout.split('\n').filter((l) => /^ {2}rule \d+/.test(l)).map((l) => l.trim());
  check(JSON.stringify(shown.rules) === JSON.stringify(rules), `ol#sim-rules for ${origin}: ${JSON.stringify(shown.rules)}, explain: ${JSON.stringify(rules)}`);
  check(want.startsWith(`HTTP/1.1 ${status} `), `explain answers ${want.split('\n')[0]} for ${origin}, expected ${status}`);
  for (const e of ['chromium', 'firefox', 'webkit']) {
    check((shown.browsers[e] || '').toUpperCase().startsWith(verdict),
      `table#sim-browsers tr[data-engine=${e}] td.verdict is "${shown.browsers[e]}" for ${origin}, expected ${verdict}`);
  }
}

// draftSimulator types an unsaved draft that also allows the refused origin, simulates on it
// (allowed, as explain says of the draft), and types the saved configuration back.
async function draftSimulator(ctx) {
  const t = ctx.tab;
  await openCors(ctx);
  const { allowed, refused } = corsDocuments(ctx);
  const draft = ctx.savedDocument.replace(`"${allowed}"`, `"${allowed}", "${refused}"`);
  await typeDocument(ctx, draft);
  await t.waitFor((sel) => (document.querySelector(sel) || {}).textContent === 'Valid', '#cors-status', VALIDATE_TIMEOUT_MS, '#cors-status "Valid"');
  const input = { origin: refused, ...SIM_REQUEST };
  let figures;
  try {
    const shown = await simulate(ctx, input, 'draft');
    const ex = explain(ctx.env.bin, ctx.env.tmp, draft, { ...input, preflight: true });
    figures = { origin: refused, command: ex.command, explainExit: ex.status, simulator: shown };
    ctx.partial = figures;
    compareExplain(shown, ex, refused, 200, 'ALLOWED');
    // Nothing was saved: S3 still refuses that origin.
    const got = await ctx.env.doorman.s3.send(new GetBucketCorsCommand({ Bucket: ctx.bucket }));
    check(!JSON.stringify(got.CORSRules).includes(refused), `S3 holds the draft's origin ${refused} without a save`);
  } finally {
    // The saved configuration is typed back, so that no unsaved work holds the page.
    await typeDocument(ctx, ctx.savedDocument);
  }
  await t.waitFor(() => (document.querySelector('#cors-dirty') || {}).dataset.dirty === 'false', null, VALIDATE_TIMEOUT_MS, '#cors-dirty data-dirty="false" after typing the saved configuration back');
  return [figures];
}

async function probe(ctx) {
  const t = ctx.tab;
  const { allowed, refused } = corsDocuments(ctx);
  await fillSimulator(ctx, { origin: allowed, ...SIM_REQUEST });
  await t.waitFor(exists, 'section#probe select#probe-origin', 10000, 'section#probe');
  const offered = await t.evaluate(() => [...document.querySelectorAll('select#probe-origin option')].map((o) => o.value));
  check(offered.includes(allowed) && offered.includes(refused), `select#probe-origin offers ${JSON.stringify(offered)}, expected ${allowed} and ${refused}`);
  const figures = { offered, runs: [] };
  ctx.partial = figures;
  for (const [origin, want] of [[allowed, 'allowed'], [refused, 'blocked']]) {
    await t.select('select#probe-origin', origin);
    await t.evaluate(() => {
      for (const sel of ['#probe-result', '#probe-match', '#probe-prediction']) {
        const el = document.querySelector(sel);
        if (el) { delete el.dataset.verdict; delete el.dataset.match; }
      }
      return true;
    });
    await t.click('button#probe-run');
    // A PUT is sent for real: the page asks first.
    const asked = await t.waitFor(() => {
      const d = document.querySelector('dialog#confirm');
      if (d && d.open) return document.querySelector('#confirm-message').textContent.trim();
      return document.querySelector('#probe-result[data-verdict]') ? 'not asked' : null;
    }, null, PROBE_TIMEOUT_MS, 'dialog#confirm or #probe-result[data-verdict]');
    if (asked !== 'not asked') await t.click('button#confirm-ok');
    const got = await t.waitFor(() => {
      const r = document.querySelector('#probe-result');
      const m = document.querySelector('#probe-match');
      if (!r || !r.dataset.verdict || !m || !m.dataset.match) return null;
      const p = document.querySelector('#probe-prediction');
      return { verdict: r.dataset.verdict, text: r.textContent.trim(), match: m.dataset.match, matchText: m.textContent.trim(),
        prediction: p ? (p.dataset.verdict || p.textContent.trim()) : null };
    }, null, PROBE_TIMEOUT_MS, `#probe-result[data-verdict] for ${origin}`);
    figures.runs.push({ origin, expected: want, asked, ...got });
    check(got.verdict === want, `#probe-result data-verdict="${got.verdict}" from ${origin}, expected "${want}" (${got.text})`);
    check(got.match === 'true', `#probe-match data-match="${got.match}" from ${origin} (prediction "${got.prediction}", result "${got.verdict}")`);
    check(new RegExp(want, 'i').test(got.prediction), `#probe-prediction "${got.prediction}" from ${origin}, expected ${want}`);
  }
  // The browser's own word on the refused request (Chromium's corsError; Firefox and WebKit
  // print it on the console).
  // Chromium's account (CDP's corsError) is the page's own process's: the probe on localhost is
  // another site, in a frame of its own process, whose failures it does not see.
  figures.browserReasons = t.failures.map((f) => `${f.reason} (${f.url.split('?')[0]})`);
  ctx.probeRefused = true;
  await capture(ctx, 'cors');
  return figures;
}

async function monitorStep(ctx) {
  const t = ctx.tab;
  const { refused } = corsDocuments(ctx);
  // A refused preflight sent straight to S3, as any page on that origin would.
  const endpoint = ctx.env.doorman.endpoint;
  const res = await fetch(`${endpoint}/${ctx.bucket}/${PROBE_KEY}`, {
    method: 'OPTIONS', headers: { Origin: refused, 'Access-Control-Request-Method': 'DELETE' },
  });
  await res.arrayBuffer();
  check(res.status === 403, `S3 answered the refused preflight with ${res.status}, expected 403`);
  await t.click('nav[aria-label=Main] a[href="#/monitor"]');
  await t.waitFor(exists, 'table#refusals', 10000, 'table#refusals');
  const want = { bucket: ctx.bucket, origin: refused, method: 'DELETE' };
  const seen = (w) => {
    const rs = [...document.querySelectorAll('table#refusals tr.refusal')]
      .map((r) => [...r.cells].map((c) => c.textContent.replace(/\s+/g, ' ').trim().slice(0, 80)).join(' | '));
    return rs.some((r) => r.includes(w.bucket) && r.includes(w.origin) && r.includes(w.method)) ? rs : null;
  };
  // The page refreshes by itself every 5 s; "Refresh now" is pressed once a second until then.
  const deadline = Date.now() + MONITOR_TIMEOUT_MS;
  let rows = null;
  while (!rows) {
    await t.click('button#monitor-refresh');
    try {
      rows = await t.waitFor(seen, want, REFRESH_MS, 'a refresh');
    } catch (e) {
      if (Date.now() > deadline) throw new StepError(`no table#refusals tr.refusal with ${ctx.bucket}, ${refused}, DELETE within ${MONITOR_TIMEOUT_MS} ms`);
    }
  }
  const charts = await t.evaluate(() => document.querySelectorAll('#monitor-charts canvas, #monitor-charts svg').length);
  check(charts > 0, '#monitor-charts shows no chart');
  // The probe's refused preflight (PUT from the refused origin) is there too, when it ran.
  const probeRow = rows.find((r) => r.includes(ctx.bucket) && r.includes(refused) && r.includes('PUT'));
  check(!ctx.probeRefused || probeRow, `no tr.refusal for the probe's PUT from ${refused}: ${JSON.stringify(rows)}`);
  await capture(ctx, 'monitor');
  return { refusals: rows.length, charts, probeRefusalSeen: Boolean(probeRow), sample: rows.slice(0, 3) };
}

async function otherUser(ctx) {
  const { consoleURL } = ctx.env;
  const s = await signIn(consoleURL, OTHER);
  const list = await api(consoleURL, 'GET', '/api/buckets', s);
  const names = JSON.stringify(list.json);
  check(list.status === 200 && !names.includes(`"${ctx.bucket}"`), `GET /api/buckets as ${OTHER.accessKey}: ${list.status} ${list.text}`);
  const objects = await api(consoleURL, 'GET', `/api/buckets/${ctx.bucket}/objects`, s);
  check(objects.status === 403 && objects.json && objects.json.error.code === 'AccessDenied',
    `GET /api/buckets/${ctx.bucket}/objects as ${OTHER.accessKey}: ${objects.status} ${objects.text}, expected 403 AccessDenied`);
  const del = await api(consoleURL, 'DELETE', `/api/buckets/${ctx.bucket}/object?key=${encodeURIComponent(BIG_KEY)}`, s);
  check(del.status === 403, `DELETE of ${BIG_KEY} as ${OTHER.accessKey}: ${del.status} ${del.text}, expected 403`);
  await api(consoleURL, 'DELETE', '/api/session', s);
  return { list: list.status, objects: `${objects.status} ${objects.json.error.code}`, delete: `${del.status} ${del.json && del.json.error.code}` };
}

// crossOrigin opens a page on the probe's origin in the signed-in browser (same site as the
// console: the port is not part of a site, so the SameSite=Strict cookie goes with its
// requests) and tries what a hostile page would: a form-like POST that creates a bucket, and
// reading the bucket list.
async function crossOrigin(ctx) {
  const t = ctx.tab;
  const name = `${ctx.bucket}-forged`;
  await t.goto(`http://127.0.0.1:${ctx.env.probePort}/`);
  const got = await t.evaluate(async ({ consoleURL, name }) => {
    const out = {};
    // A simple request: the browser sends it without asking, with the cookie; the page cannot
    // read the answer.
    const post = await fetch(`${consoleURL}/api/buckets`, {
      method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ name }),
    });
    out.post = post.type;
    try {
      const res = await fetch(`${consoleURL}/api/buckets`, { credentials: 'include' });
      out.read = `read ${res.status}: ${(await res.text()).slice(0, 200)}`;
    } catch (e) {
      out.read = String(e);
    }
    return out;
  }, { consoleURL: ctx.env.consoleURL, name });
  ctx.partial = got;
  const exists = await ctx.env.doorman.s3.send(new HeadBucketCommand({ Bucket: name })).then(() => true, () => false);
  check(!exists, `the POST from http://127.0.0.1:${ctx.env.probePort} created bucket ${name}`);
  check(got.read.startsWith('TypeError'), `a page on http://127.0.0.1:${ctx.env.probePort} read the bucket list: ${got.read}`);
  // The console's own page is still signed in.
  await t.goto(`${ctx.env.consoleURL}/#/buckets`);
  await t.waitFor(textOf, '#whoami', 10000, '#whoami after coming back');
  return got;
}

async function signOutStep(ctx) {
  const t = ctx.tab;
  const { consoleURL } = ctx.env;
  const cookies = await t.cookies();
  const c = cookies.find((x) => x.name === 'doorman_console');
  check(c, `no doorman_console cookie in the browser: ${cookies.map((x) => x.name).join(', ')}`);
  check(c.httpOnly && /strict/i.test(c.sameSite), `doorman_console is ${c.httpOnly ? '' : 'not '}HttpOnly, SameSite=${c.sameSite}`);
  // The page keeps the session's CSRF token for its tab in sessionStorage.
  const csrf = await t.evaluate(() => sessionStorage.getItem('doorman-csrf'));
  check(csrf, 'no CSRF token in sessionStorage "doorman-csrf"');
  const old = { cookie: `doorman_console=${c.value}`, csrf };
  // The captured session works from outside the browser before sign-out...
  const before = await api(consoleURL, 'GET', '/api/buckets', old);
  const replayBucket = `${ctx.bucket}-replay`;
  const postBefore = await api(consoleURL, 'POST', '/api/buckets', { ...old, body: { name: replayBucket } });
  check(before.status === 200 && postBefore.status === 201, `the captured session before sign-out: GET ${before.status}, POST ${postBefore.status} ${postBefore.text}`);
  await t.click('button#sign-out');
  await t.waitFor(() => location.hash.startsWith('#/signin'), null, 10000, 'the sign-in page after button#sign-out');
  // ...and is refused after.
  const get = await api(consoleURL, 'GET', '/api/buckets', old);
  const post = await api(consoleURL, 'POST', '/api/buckets', { ...old, body: { name: `${replayBucket}-2` } });
  const code = (r) => (r.json && r.json.error ? r.json.error.code : r.text);
  check(get.status === 401 && code(get) === 'NoSession', `GET /api/buckets with the old cookie: ${get.status} ${get.text}, expected 401 NoSession`);
  check(post.status === 401 && code(post) === 'NoSession', `POST /api/buckets with the old cookie and CSRF token: ${post.status} ${post.text}, expected 401 NoSession`);
  // The page itself, with the old token (its cookie is whatever the browser kept), is refused.
  const after = await t.evaluate(async (token) => (await fetch('/api/buckets', { headers: { 'X-CSRF-Token': token } })).status, csrf);
  check(after === 401, `the page's own GET /api/buckets after sign-out: ${after}`);
  return { before: `${before.status}/${postBefore.status}`, afterGet: `${get.status} ${code(get)}`, afterPost: `${post.status} ${code(post)}`, pageAfter: after };
}

module.exports = { runFlow, MUTATIONS };
