// Replays every request Chromium decided with `doorman check`, against the same servers, and
// compares the verdicts: the toolkit must say what the real browser did.
'use strict';

const { execFile } = require('node:child_process');

// Rows whose verdict rests on state that `doorman check` does not see, and why.
const NOT_REPLAYABLE = {
  '11a': "Chromium reused the cached <img> response for the fetch; check does not model the HTTP cache (the case exists to show why --vary-origin-always matters)",
};

function check(bin, args) {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: 20000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 2) : 0, stdout, stderr });
    });
  });
}

// agreement returns one entry per replayed request: the browser's verdict, check's, and
// whether they agree (skipped entries say why they were not replayed).
async function agreement(bin, rows) {
  const out = [];
  for (const row of rows.filter((r) => r.browser === 'chromium')) {
    for (const req of row.requests) {
      const entry = { case: row.case, method: req.method, url: req.url, chromium: req.corsError || 'allowed' };
      out.push(entry);
      if (NOT_REPLAYABLE[row.case]) {
        entry.skipped = NOT_REPLAYABLE[row.case];
        continue;
      }
      const u = new URL(req.url);
      // Every server of the suite listens on 127.0.0.1; host names map to it as in the browsers.
      const args = ['check', req.url, '--origin', req.origin, '--method', req.method, '--json',
        '--connect', `127.0.0.1:${u.port}`];
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
      entry.check = blocked ? `BLOCKED ${result.block.corsError}` : result.verdict;
      entry.agree = req.corsError ? blocked && result.block.corsError === req.corsError : !blocked;
    }
  }
  return out;
}

function agreementTable(entries) {
  const cell = (s) => String(s).replace(/\|/g, '\\|');
  const lines = ['| case | request | Chromium | doorman check | agree |', '|---|---|---|---|---|'];
  for (const e of entries) {
    const u = new URL(e.url);
    lines.push(`| ${e.case} | ${e.method} ${cell(u.host + u.pathname)} | ${e.chromium} | ${cell(e.skipped ? `not replayed: ${e.skipped}` : e.check)} | ${e.skipped ? '—' : e.agree ? 'yes' : 'NO'} |`);
  }
  return lines.join('\n');
}

module.exports = { agreement, agreementTable };
