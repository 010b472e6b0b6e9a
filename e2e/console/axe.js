// axe-core (npm) in the page: its script is put into the page through the driver, not a
// <script> tag, so the console's Content-Security-Policy stays as it is served. A violation
// of impact serious or critical fails the run; every violation is recorded.
'use strict';

const fs = require('node:fs');
const { withDeadline } = require('./deadline');

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const FAILING_IMPACTS = ['serious', 'critical'];
// axe takes a second or two on a page of this size in a busy headless browser.
const AXE_TIMEOUT_MS = 60000;

// runAxe runs axe on the page's document and returns its violations, each with its nodes.
async function runAxe(tab) {
  const loaded = await tab.evaluate(() => typeof window.axe === 'object');
  if (!loaded) {
    // The source defines window.axe when run as a script in the page (by the driver: an
    // eval() in the page would meet the policy's script-src).
    await tab.run(AXE_SOURCE);
  }
  const result = await withDeadline(tab.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return {
      violations: r.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
      })),
      passes: r.passes.length,
    };
  }), AXE_TIMEOUT_MS, 'axe');
  const failing = result.violations.filter((v) => FAILING_IMPACTS.includes(v.impact));
  return { ...result, failing: failing.length };
}

module.exports = { runAxe, FAILING_IMPACTS };
