// One small interface over the suite's three engines (lib/browsers.js, lib/webkit.js) for
// driving the console as a person does: real clicks and keystrokes, never a script setting
// what a control holds. A tab is one fresh browser context with one page:
//
//   goto(url)                     load a page
//   click(selector)               the engine's own pointer click on the element
//   fill(selector, text)          empty a text field and type into it
//   typeKeys(selector, text, {replace})  click an editable element (CodeMirror's .cm-content)
//                                 and type, each "\n" an Enter key; replace selects all and
//                                 deletes it first
//   select(selector, value)       choose an <option> of a <select> by its value
//   evaluate(fn, arg)             run fn(arg) in the page (it may be async) and return its
//                                 result, as JSON
//   run(source)                   run a script's source text in the page (axe-core's)
//   waitFor(fn, arg, timeoutMs, what)  evaluate until it returns a truthy value; that value
//   screenshot(file)              a PNG of the whole page (WebKit: of the window)
//   cookies()                     the context's cookies, HttpOnly ones included
//   setViewport(width, height)    the page's viewport in CSS pixels (WebKit: its window's)
//   pickFiles(selector, paths)    choose files on disk in an <input type=file>, as the file
//                                 picker does (it fires change)
//   close()
'use strict';

const fs = require('node:fs');
const { launch } = require('../lib/browsers');

// POLL_MS is how often waitFor asks the page again: the console's own updates (a list after
// an upload, a status after validation) take tens of milliseconds or more.
const POLL_MS = 100;
// Every wait has an end; a step that needs longer names its own.
const DEFAULT_WAIT_MS = 15000;
// How long an element may take to appear before it is acted on (Playwright's and Puppeteer's
// own waits are longer; the console renders within a second).
const FIND_TIMEOUT_MS = 5000;
// A screenshot of a whole page is at most this tall (pixels): the console's longest page, the
// CORS editor with a simulation and a probe, is about 3000.
const MAX_SHOT_HEIGHT = 6000;
// WebDriver's key codes (https://w3c.github.io/webdriver/#keyboard-actions).
const WD_KEYS = { enter: '\uE007', control: '\uE009', backspace: '\uE003', release: '\uE000' };
// WebDriver's id of an element reference in JSON.
const WD_ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// expression is the script that calls fn with arg: functions cross to the page as source text.
function expression(fn, arg) {
  return `(${fn.toString()})(${JSON.stringify(arg === undefined ? null : arg)})`;
}

async function openEngine(name) {
  const engine = await launch(name, []);
  return {
    name,
    version: engine.version,
    async tab() {
      const s = await engine.session();
      const base = name === 'webkit' ? webkitTab(s) : pageTab(s, name);
      return withWaits(base, s);
    },
    close: () => engine.close(),
  };
}

// withWaits adds what every engine does the same way on top of evaluate.
function withWaits(t, s) {
  return {
    ...t,
    failures: s.failures,
    console: s.console,
    async waitFor(fn, arg, timeoutMs = DEFAULT_WAIT_MS, what = 'condition') {
      const deadline = Date.now() + timeoutMs;
      let last;
      for (;;) {
        try {
          last = await t.evaluate(fn, arg);
          if (last) return last;
        } catch (e) {
          // A navigation can destroy the context an evaluation ran in; ask again.
          last = `error: ${e.message.split('\n')[0]}`;
        }
        if (Date.now() > deadline) throw new Error(`waiting for ${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
        await sleep(POLL_MS);
      }
    },
    close: () => s.close(),
  };
}

// pageTab drives a Playwright (Chromium) or Puppeteer (Firefox) page: the same calls but for
// choosing an option, picking files and sizing the viewport.
function pageTab(s, name) {
  const { page, context } = s;
  const playwright = name === 'chromium';
  // A page that asks before it is left (unsaved work) is left: the run moves on.
  page.on('dialog', (d) => d.accept().catch(() => {}));
  return {
    goto: (url) => page.goto(url, { waitUntil: 'load' }),
    click: (sel) => page.click(sel),
    async fill(sel, text) {
      await page.$eval(sel, (el) => { el.focus(); el.select(); });
      await page.keyboard.press('Backspace');
      await page.keyboard.type(text);
    },
    async typeKeys(sel, text, { replace = false } = {}) {
      await page.click(sel);
      if (replace) {
        await page.keyboard.down('Control');
        await page.keyboard.press('a');
        await page.keyboard.up('Control');
        await page.keyboard.press('Backspace');
      }
      await page.keyboard.type(text);
    },
    select: (sel, value) => (playwright ? page.selectOption(sel, value) : page.select(sel, value)).then(() => undefined),
    evaluate: (fn, arg) => page.evaluate(expression(fn, arg)),
    run: (source) => page.evaluate(source).then(() => undefined),
    screenshot: (file) => page.screenshot({ path: file, fullPage: true }),
    cookies: () => context.cookies(),
    async pickFiles(sel, paths) {
      const input = await page.$(sel);
      await (playwright ? input.setInputFiles(paths) : input.uploadFile(...paths));
    },
    setViewport: (width, height) => (playwright ? page.setViewportSize({ width, height }) : page.setViewport({ width, height })),
  };
}

function webkitTab(s) {
  const cmd = s.command;
  // find waits for the element, as Playwright and Puppeteer do before acting on one.
  const find = async (sel) => {
    const deadline = Date.now() + FIND_TIMEOUT_MS;
    for (;;) {
      try {
        const el = await cmd('POST', '/element', { using: 'css selector', value: sel });
        return el[WD_ELEMENT];
      } catch (e) {
        if (!/no such element/.test(e.message) || Date.now() > deadline) throw new Error(`${sel}: ${e.message}`);
      }
      await sleep(POLL_MS);
    }
  };
  const keys = (text) => text.replace(/\n/g, WD_KEYS.enter);
  const evaluate = async (fn, arg) => {
    // The answer crosses as JSON text, as page.evaluate gives it in the other engines.
    const text = await cmd('POST', '/execute/async', {
      script: `const done = arguments[arguments.length - 1];
        Promise.resolve().then(() => ${expression(fn, arg)}).then((r) => done(JSON.stringify({ r })), (e) => done(JSON.stringify({ e: String(e) })));`,
      args: [],
    });
    const out = JSON.parse(text);
    if ('e' in out) throw new Error(out.e);
    return out.r;
  };
  return {
    goto: (url) => s.goto(url),
    async click(sel) {
      await cmd('POST', `/element/${await find(sel)}/click`, {});
    },
    async fill(sel, text) {
      const id = await find(sel);
      await cmd('POST', `/element/${id}/clear`, {});
      await cmd('POST', `/element/${id}/value`, { text: keys(text) });
    },
    async typeKeys(sel, text, { replace = false } = {}) {
      const id = await find(sel);
      await cmd('POST', `/element/${id}/click`, {});
      if (replace) {
        await cmd('POST', `/element/${id}/value`, { text: `${WD_KEYS.control}a${WD_KEYS.release}${WD_KEYS.backspace}` });
      }
      await cmd('POST', `/element/${id}/value`, { text: keys(text) });
    },
    async select(sel, value) {
      await cmd('POST', `/element/${await find(`${sel} option[value="${value}"]`)}/click`, {});
    },
    evaluate,
    async run(source) {
      await cmd('POST', '/execute/sync', { script: source, args: [] });
    },
    // WebDriver's screenshot is of the viewport: the window is made as tall as the page for
    // it (at most MAX_SHOT_HEIGHT), then put back.
    async screenshot(file) {
      const rect = await cmd('GET', '/window/rect');
      const [page, inner] = await evaluate(() => [document.documentElement.scrollHeight, window.innerHeight]);
      const height = Math.min(MAX_SHOT_HEIGHT, rect.height + page - inner);
      if (height > rect.height) await cmd('POST', '/window/rect', { width: rect.width, height });
      try {
        fs.writeFileSync(file, Buffer.from(await cmd('GET', '/screenshot'), 'base64'));
      } finally {
        if (height > rect.height) await cmd('POST', '/window/rect', { width: rect.width, height: rect.height });
      }
    },
    async cookies() {
      return cmd('GET', '/cookie');
    },
    // The window is the viewport plus what the browser draws around it.
    async setViewport(width, height) {
      const rect = await cmd('GET', '/window/rect');
      const [w, h] = await evaluate(() => [window.innerWidth, window.innerHeight]);
      await cmd('POST', '/window/rect', { width: width + rect.width - w, height: height + rect.height - h });
    },
    // WebDriver's send keys to a file input names the files, one path a line.
    async pickFiles(sel, paths) {
      await cmd('POST', `/element/${await find(sel)}/value`, { text: paths.join('\n') });
    },
  };
}

module.exports = { openEngine };
