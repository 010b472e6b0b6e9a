// The three engines behind one small interface. A session is a fresh browser context with one
// page: it has its own HTTP cache and preflight cache, and it collects the browser's own
// account of every CORS failure (Chromium: CDP corsError; Firefox and WebKit: the console
// reason).
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const webkit = require('./webkit');

const EXECUTABLES = { chromium: '/usr/bin/chromium', firefox: '/usr/bin/firefox-esr' };

// missing lists what an engine needs and is not installed (empty when it can run).
function missing(name) {
  if (name === 'webkit') return webkit.missing();
  return fs.existsSync(EXECUTABLES[name]) ? [] : [EXECUTABLES[name]];
}

// launch starts one engine; hosts are the names the pages use, all mapped to 127.0.0.1
// (WebKit sends every host to 127.0.0.1 through its proxy instead).
async function launch(name, hosts) {
  const lacking = missing(name);
  if (lacking.length) throw new Error(`${lacking.join(', ')} missing (run e2e/install.sh)`);
  if (name === 'webkit') return webkit.launchWebKit();
  return name === 'chromium' ? launchChromium(hosts) : launchFirefox(hosts);
}

async function launchChromium(hosts) {
  const { chromium } = require('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'doorman-e2e-chromium-'));
  // ignoreDefaultArgs keeps Playwright's feature switches out, so Chromium behaves as shipped.
  const browser = await chromium.launch({
    executablePath: EXECUTABLES.chromium, headless: true, ignoreDefaultArgs: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--host-resolver-rules=${hosts.map((h) => `MAP ${h} 127.0.0.1`).join(', ')}`,
      `--user-data-dir=${profile}`, '--remote-debugging-pipe', '--no-startup-window'],
  });
  return {
    name: 'chromium',
    version: browser.version(),
    async session() {
      const context = await browser.newContext();
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      const urls = new Map();
      const failures = [];
      const console = [];
      cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
      cdp.on('Network.loadingFailed', (e) => {
        if (e.corsErrorStatus) {
          failures.push({ url: urls.get(e.requestId), reason: e.corsErrorStatus.corsError, parameter: e.corsErrorStatus.failedParameter });
        }
      });
      page.on('console', (m) => console.push(m.text()));
      await cdp.send('Network.enable');
      return {
        failures, console, context, page,
        goto: (url) => page.goto(url, { waitUntil: 'load' }),
        call: (fn, arg) => page.evaluate(([f, a]) => window.e2e[f](a), [fn, arg]),
        close: () => context.close(),
      };
    },
    async close() {
      await browser.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

async function launchFirefox(hosts) {
  const puppeteer = require('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: EXECUTABLES.firefox, headless: true,
    env: { ...process.env, MOZ_DISABLE_NONLOCAL_CONNECTIONS: '1' }, // keeps Firefox off the network
    networkEnabled: false, // BiDi network events would add ~45 ms to every fetch
    extraPrefsFirefox: {
      'services.settings.server': 'data:,#remote-settings-dummy/v1',
      'network.dns.localDomains': hosts.join(','),
    },
  });
  return {
    name: 'firefox',
    version: await browser.version(),
    async session() {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      const failures = [];
      const console = [];
      // Firefox reports a CORS failure only as text: "Cross-Origin Request Blocked: … at URL.
      // (Reason: …)"; some reasons quote the URL in ‘’.
      const note = (text) => {
        console.push(text);
        const m = /Cross-Origin Request Blocked: .*? at ‘?(\S+?)’?\.? \(Reason: (.*?)\)(?:\. Status code: (\d+))?/.exec(text);
        if (m) failures.push({ url: m[1], reason: m[2], status: m[3] ? Number(m[3]) : undefined });
      };
      page.on('pageerror', (e) => note(e.message));
      page.on('console', (m) => note(m.text()));
      return {
        failures, console, context, page,
        goto: (url) => page.goto(url, { waitUntil: 'load' }),
        call: (fn, arg) => page.evaluate((f, a) => window.e2e[f](a), fn, arg),
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

module.exports = { launch, missing };
