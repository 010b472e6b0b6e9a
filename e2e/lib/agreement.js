// Replays every request each engine decided with `doorman check --browser ENGINE`, against the
// same servers, and compares the verdicts: the toolkit must say what the real browser did, in
// the browser's own words (Chromium's corsError name, Firefox's "Reason:" text, WebKit's
// console reason).
'use strict';

const { execFile } = require('node:child_process');

// Rows whose verdict rests on state that `doorman check` does not see, and why.
const NOT_REPLAYABLE = {
  '11a': {
    chromium: 'Chromium reused the cached <img> response for the fetch; check does not model the HTTP cache (the case exists to show why --vary-origin-always matters)',
    webkit: 'WebKit reused the cached <img> response for the fetch; check does not model the HTTP cache (the case exists to show why --vary-origin-always matters)',
  },
};

// A check run ends well within this: two loopback requests, each with check's own 10 s timeout.
const CHECK_TIMEOUT_MS = 20000;

function check(bin, args) {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: CHECK_TIMEOUT_MS }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 2) : 0, stdout, stderr });
    });
  });
}

// Each engine's reason, as check words it.
const REASON = {
  chromium: (block) => block.corsError,
  // Firefox's message ends "(Reason: …). Status code: N."; the engine reports the reason.
  firefox: (block) => (/\(Reason: (.*)\)\. Status code: \d+\.$/.exec(block.firefox) || [])[1] || block.firefox,
  webkit: (block) => block.webkit,
};

// agreement returns one entry per replayed request: the browser's verdict, check's, and
// whether they agree (skipped entries say why they were not replayed).
async function agreement(bin, rows) {
  const out = [];
  for (const row of rows) {
    for (const req of row.requests) {
      const entry = { case: row.case, browser: row.browser, method: req.method, url: req.url, verdict: req.corsError || 'allowed' };
      out.push(entry);
      // An <img> load is a no-cors request: no CORS check applies, whatever the answer.
      const skip = req.mode === 'no-cors' ? 'a no-cors request (an <img>) passes no CORS check' : (NOT_REPLAYABLE[row.case] || {})[row.browser] || row.notReplayable;
      if (skip) {
        entry.skipped = skip;
        continue;
      }
      const u = new URL(req.url);
      // Every server of the suite listens on 127.0.0.1; host names map to it as in the browsers.
      const args = ['check', req.url, '--origin', req.origin, '--method', req.method, '--json',
        '--browser', row.browser, '--connect', `127.0.0.1:${u.port}`];
      for (const [k, v] of Object.entries(req.headers || {})) args.push('--header', `${k}: ${v}`);
      if (req.credentials === 'include') args.push('--credentials');
      const res = await check(bin, args);
      if (res.code === 2 && /--send/.test(res.stderr)) {
        // A POST needing no preflight is decided only by sending it; replaying would upload again.
        entry.skipped = 'a simple POST is decided only by sending it (check --send)';
        continue;
      }
      let result;
      try {
        result = JSON.parse(res.stdout).result;
      } catch (e) {
        entry.check = `error: ${(res.stderr || res.stdout).trim().split('\n')[0]}`;
        entry.agree = false;
        continue;
      }
      const blocked = result.verdict === 'BLOCKED';
      const reason = blocked ? REASON[row.browser](result.block) : null;
      entry.check = blocked ? `BLOCKED ${reason}` : result.verdict;
      entry.cacheSeconds = result.preflightCacheSeconds;
      entry.agree = req.corsError ? blocked && reason === req.corsError : !blocked;
    }
  }
  return out;
}

// agreementSummary counts, per engine, the replayed requests on which check agreed.
function agreementSummary(entries, browsers) {
  const lines = ['| engine | requests | replayed | agree | disagree | not replayed |', '|---|---|---|---|---|---|'];
  for (const b of browsers) {
    const mine = entries.filter((e) => e.browser === b);
    const replayed = mine.filter((e) => !e.skipped);
    const agree = replayed.filter((e) => e.agree).length;
    lines.push(`| ${b} | ${mine.length} | ${replayed.length} | ${agree} | ${replayed.length - agree} | ${mine.length - replayed.length} |`);
  }
  return lines.join('\n');
}

function agreementTable(entries) {
  const cell = (s) => String(s).replace(/\|/g, '\\|');
  const lines = ['| case | engine | request | engine\'s verdict | doorman check | preflight cache | agree |', '|---|---|---|---|---|---|---|'];
  for (const e of entries) {
    const u = new URL(e.url);
    const cache = e.cacheSeconds === undefined || e.cacheSeconds < 0 ? '—' : `${e.cacheSeconds} s`;
    lines.push(`| ${e.case} | ${e.browser} | ${e.method} ${cell(u.host + u.pathname)} | ${cell(e.verdict)} | ${cell(e.skipped ? `not replayed: ${e.skipped}` : e.check)} | ${cache} | ${e.skipped ? '—' : e.agree ? 'yes' : 'NO'} |`);
  }
  return lines.join('\n');
}

module.exports = { agreement, agreementTable, agreementSummary };
