// The web console in real browsers: starts `doorman serve` with its console and probe, and in
// Chromium, Firefox and WebKit signs in, creates a bucket, uploads 20 MiB with progress,
// browses, downloads and compares the bytes, writes an invalid then a valid CORS rule, runs the
// simulator against `doorman explain`, tries the rule from the probe's real page, sees refused
// preflights in the monitor, and signs out (the old session then refused). Every page is
// screenshot and checked with axe-core in the light and the dark theme, and at 200% zoom for
// sideways scrolling. Writes
// results/console/report.md and report.json; exits non-zero on any failure.
//
//   node e2e/console.js        DOORMAN_BIN         the doorman binary (default bin/doorman)
//                              E2E_BROWSERS        the engines, e.g. 'chromium,webkit' (default all)
//                              E2E_CONSOLE_MUTATE  break something a person would see (see
//                                                  console/steps.js), to prove the steps notice
//                              E2E_RESULTS         the results' directory (default e2e/results);
//                                                  this run writes under console/
//                              CI=true             a missing browser is a failure, not a skip
'use strict';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { missing } = require('./lib/browsers');
const { openEngine } = require('./console/driver');
const { startServer } = require('./console/server');
const { runFlow, MUTATIONS } = require('./console/steps');
const { writeReport, failed } = require('./console/report');
const { withDeadline } = require('./console/deadline');

const BROWSERS = ['chromium', 'firefox', 'webkit'];
const BIN = path.resolve(process.env.DOORMAN_BIN || path.join(__dirname, '..', 'bin', 'doorman'));
const RESULTS = path.join(process.env.E2E_RESULTS || path.join(__dirname, 'results'), 'console');
const MUTATE = process.env.E2E_CONSOLE_MUTATE || '';
// An engine's whole flow takes under a minute on a quiet machine; past this it is stuck.
const ENGINE_TIMEOUT_MS = 10 * 60 * 1000;

async function main() {
  if (MUTATE && !MUTATIONS[MUTATE]) throw new Error(`E2E_CONSOLE_MUTATE=${MUTATE}: unknown; one of ${Object.keys(MUTATIONS).join(', ')}`);
  const wanted = (process.env.E2E_BROWSERS || BROWSERS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const b of wanted) if (!BROWSERS.includes(b)) throw new Error(`E2E_BROWSERS: unknown engine ${b}`);
  fs.rmSync(RESULTS, { recursive: true, force: true });
  fs.mkdirSync(RESULTS, { recursive: true });
  const version = execFileSync(BIN, ['version'], { encoding: 'utf8' }).trim();
  const server = await startServer(BIN);
  const report = {
    doorman: version, started: new Date().toISOString(), mutate: MUTATE || undefined, mutation: MUTATIONS[MUTATE],
    console: server.consoleURL, probe: server.probeURL, engines: [],
  };
  const env = {
    bin: BIN, tmp: server.dir, results: RESULTS, mutate: MUTATE, doorman: server.doorman,
    consoleURL: server.consoleURL, probePort: server.probePort,
  };
  console.log(`console ${server.consoleURL}, probe ${server.probeURL}, S3 ${server.doorman.endpoint}`);
  let bad = false;
  try {
    for (const name of wanted) {
      const lacking = missing(name);
      if (lacking.length) {
        const why = `${lacking.join(', ')} missing (run e2e/install.sh)`;
        if (process.env.CI === 'true') {
          report.engines.push({ engine: name, error: why, steps: [], axe: [], zoom: [], screenshots: [] });
          bad = true;
        } else {
          console.warn(`warning: ${name} skipped: ${why}`);
          report.engines.push({ engine: name, skipped: why });
        }
        continue;
      }
      const started = Date.now();
      let run;
      let engine;
      try {
        engine = await openEngine(name);
        run = await withDeadline(runFlow(engine, env), ENGINE_TIMEOUT_MS, `${name}: the flow`);
      } catch (e) {
        run = { steps: [], axe: [], zoom: [], screenshots: [], error: e.message.split('\n')[0] };
      } finally {
        if (engine) await engine.close().catch(() => {});
      }
      const entry = { engine: name, version: engine && engine.version, ms: Date.now() - started, ...run };
      report.engines.push(entry);
      bad = bad || failed(entry);
      const passed = entry.steps.filter((s) => s.pass).length;
      const axeBad = entry.axe.filter((a) => a.failing > 0).length;
      const wide = entry.zoom.filter((z) => !z.pass).length;
      console.log(`${name}: ${passed}/${entry.steps.length} steps pass, ${axeBad} page-theme(s) with serious or critical axe violations, ${wide} page(s) scrolling sideways at 200%, ${(entry.ms / 1000).toFixed(1)} s${entry.error ? `; ${entry.error}` : ''}`);
      for (const s of entry.steps.filter((st) => !st.pass)) console.log(`  ${name}: "${s.step}" failed: ${s.error}`);
    }
  } finally {
    await server.stop();
  }
  writeReport(RESULTS, report);
  console.log(`report: ${path.join(RESULTS, 'report.md')}`);
  return bad ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (e) => {
  console.error(e);
  process.exitCode = 1;
});
