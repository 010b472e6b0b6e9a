// WebKit, Safari's engine: WebKitGTK driven over classic W3C WebDriver (WebKitWebDriver, plain
// HTTP with Node's fetch; WebKit has no WebDriver BiDi) on a private virtual X display.
//
// One driver serves one session at a time, and each session is a new browser process with
// its own network process, so its HTTP cache and preflight cache start empty: the suite's
// fresh browser context. The browser is webkit-browser.py, which makes WebKit print the pages'
// console messages on the driver's stdout; that is where WebKit's reason for a blocked request
// is read. Host names reach 127.0.0.1 through the loopback forward proxy (proxy.js) named in
// WebDriver's proxy capability.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const readline = require('node:readline');
const { startProxy } = require('./proxy');

const DRIVER = '/usr/bin/WebKitWebDriver';
const XVFB = '/usr/bin/Xvfb';
const BROWSER = path.join(__dirname, 'webkit-browser.py');
// Every WebDriver command gets an answer well within this, or the driver is stuck (a browser
// that cannot start makes POST /session hang until the driver's own, much longer, timeout).
const COMMAND_TIMEOUT_MS = 30000;
// HELPERS_WAIT_MS bounds the wait for a page's helpers after its navigation returned (call).
// 5 s once ran out in the scale-out run, where the two cores also carry four MinIO processes,
// four doorman nodes and two nginx: a page still loading then failed its row without having
// sent a request. A page that never defines them still fails, 15 s later.
const HELPERS_WAIT_MS = 15000;
// The driver and Xvfb are ready within ~100 ms on a quiet machine; this bounds a busy one.
const START_TIMEOUT_MS = 15000;
const POLL_MS = 50;
// How long a process gets to exit after SIGTERM before SIGKILL.
const STOP_GRACE_MS = 3000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// WebKit's account of a blocked fetch is two console lines: the reason at level "SECURITY
// ERROR", then "Fetch API cannot load URL due to access control checks." at "JS ERROR".
const CONSOLE_LINE = /^CONSOLE (\S+) (ERROR|WARN|LOG|INFO|DEBUG) (.*)$/;
const CANNOT_LOAD = /^Fetch API cannot load (\S+) due to access control checks\.$/;

// freePort asks the kernel for a free loopback port (the driver has no --port=0).
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

// startXvfb starts a virtual X server on the first free display number, as it reports on fd 3.
function startXvfb() {
  const proc = spawn(XVFB, ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr = (stderr + d).slice(-2000); });
  const display = new Promise((resolve, reject) => {
    let out = '';
    proc.stdio[3].on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(`:${out.trim()}`);
    });
    proc.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}: ${stderr.trim()}`)));
  });
  return { proc, display };
}

// stop ends one process this module started, by its id.
async function stop(proc) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

// missing lists what WebKit needs and is not installed (empty when it can run).
function missing() {
  const out = [DRIVER, XVFB].filter((f) => !fs.existsSync(f));
  // The console browser needs PyGObject and WebKitGTK's typelib under the system's python.
  const probe = spawnSync('/usr/bin/python3',
    ['-c', "import gi; gi.require_version('WebKit2', '4.1'); from gi.repository import WebKit2"], { stdio: 'ignore' });
  if (probe.status !== 0) out.push('python3-gi with WebKit2 4.1 (gir1.2-webkit2-4.1)');
  return out;
}

async function launchWebKit() {
  const procs = {};
  const stopAll = async () => {
    await stop(procs.driver);
    await stop(procs.xvfb);
    if (procs.proxy) await procs.proxy.close();
  };
  try {
    const xvfb = startXvfb();
    procs.xvfb = xvfb.proc;
    const [display, proxy, port] = await Promise.all([withDeadline(xvfb.display, 'Xvfb'), startProxy(), freePort()]);
    procs.proxy = proxy;
    const driver = spawn(DRIVER, [`--port=${port}`], { env: { ...process.env, DISPLAY: display }, stdio: ['ignore', 'pipe', 'pipe'] });
    procs.driver = driver;
    const base = `http://127.0.0.1:${port}`;
    // The browser's console, as the driver passes it on: given to the current session.
    let listener = null;
    const stray = [];
    for (const stream of [driver.stdout, driver.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        if (listener) listener(line);
        else stray.push(line), stray.splice(0, stray.length - 20);
      });
    }
    const wd = webdriver(base);
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const ready = await wd('GET', '/status').then((v) => v.ready, () => false);
      if (ready) break;
      if (driver.exitCode !== null) throw new Error(`WebKitWebDriver exited with ${driver.exitCode}: ${stray.join('\n')}`);
      if (Date.now() > deadline) throw new Error(`WebKitWebDriver not ready after ${START_TIMEOUT_MS} ms`);
      await sleep(POLL_MS);
    }
    const capabilities = {
      alwaysMatch: {
        'webkitgtk:browserOptions': { binary: BROWSER, args: ['--automation'] },
        proxy: { proxyType: 'manual', httpProxy: proxy.address },
      },
    };

    const session = async () => {
      const lines = [];
      listener = (line) => lines.push(line);
      const created = await wd('POST', '/session', { capabilities });
      const id = created.sessionId;
      const url = (p) => `/session/${id}${p}`;
      await wd('POST', url('/timeouts'), { script: COMMAND_TIMEOUT_MS, pageLoad: COMMAND_TIMEOUT_MS });
      const failures = [];
      const consoleLines = [];
      let reason = null;
      listener = (line) => {
        const m = CONSOLE_LINE.exec(line);
        if (!m) return;
        consoleLines.push(`${m[1]} ${m[2]} ${m[3]}`);
        const loaded = CANNOT_LOAD.exec(m[3]);
        if (m[1] === 'SECURITY') reason = m[3];
        else if (loaded) {
          failures.push({ url: loaded[1], reason: reason || '' });
          reason = null;
        }
      };
      for (const line of lines) listener(line);
      return {
        failures, console: consoleLines, version: created.capabilities.browserVersion,
        goto: (u) => wd('POST', url('/url'), { url: u }),
        // command sends any other WebDriver command of this session (a path under it).
        command: (method, p, body) => wd(method, url(p), body),
        // The page's answer crosses as JSON text, so that it arrives as page.evaluate gives it
        // in the other engines (undefined members left out, not turned into null).
        call: async (fn, arg) => {
          const text = await wd('POST', url('/execute/async'), {
            // WebKit's WebDriver can answer a navigation before the new page has run its
            // scripts: the page's helpers are waited for (HELPERS_WAIT_MS at most) rather
            // than called on a page that does not have them yet.
            script: `const [f, a, wait, done] = arguments;
              const ready = (left) => window.e2e ? Promise.resolve()
                : left <= 0 ? Promise.reject(new Error('the page did not define its helpers (window.e2e) within ' + wait + ' ms of loading'))
                : new Promise((r) => setTimeout(r, 50)).then(() => ready(left - 50));
              ready(wait).then(() => window.e2e[f](a)).then((r) => done(JSON.stringify({ r })), (e) => done(JSON.stringify({ e: String(e) })));`,
            args: [fn, arg === undefined ? null : arg, HELPERS_WAIT_MS],
          });
          const out = JSON.parse(text);
          if ('e' in out) throw new Error(out.e);
          return out.r;
        },
        close: async () => {
          await wd('DELETE', url(''));
          listener = null;
        },
      };
    };

    // A first session shows that the browser starts, and names the engine's version.
    const first = await session();
    const version = first.version;
    await first.close();
    return { name: 'webkit', version, session, close: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

function withDeadline(promise, what) {
  let timer;
  const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} not ready after ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

// webdriver returns a function sending one classic WebDriver command and returning its value.
function webdriver(base) {
  return async (method, p, body) => {
    const res = await fetch(base + p, {
      method, signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
      headers: body ? { 'Content-Type': 'application/json; charset=utf-8' } : undefined,
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json();
    if (json.value && json.value.error) throw new Error(`WebDriver ${method} ${p}: ${json.value.error}: ${json.value.message}`);
    // POST /session answers {value: {sessionId, capabilities}}.
    return json.value;
  };
}

module.exports = { launchWebKit, missing, DRIVER };
