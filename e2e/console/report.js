// The console run's report: report.json (everything) and report.md (per engine, per step:
// pass or fail with its figures; axe's results per page and theme; the screenshots).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { FAILING_IMPACTS } = require('./axe');

// failed tells whether an engine's run failed: a step, or an axe violation that counts.
function failed(run) {
  return Boolean(run.error) || run.steps.some((s) => !s.pass) || run.axe.some((a) => a.failing > 0) || (run.zoom || []).some((z) => !z.pass);
}

const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, '<br>');

// summary gives a step's figures in a line or a few.
function summary(step) {
  const f = step.figures;
  if (!f) return '';
  switch (step.step) {
    case 'upload 20 MiB with progress':
      return `${f.uploadMs} ms in the page (${f.wallMs} ms driven); ${f.samples} progress samples, ${f.values} bar values of which ${f.intermediateValues} between 0 and 100%; percents ${(f.percents || []).join(' ')}; SHA-256 page ${f.pageSha256}, S3 ${f.storedSha256 || '?'}; ETag ${f.multipartETag || '?'}`;
    case 'download and compare bytes':
      return `${f.bytes} bytes, SHA-256 ${f.sha}; ${f.disposition || ''}`;
    case 'invalid CORS rule: AWS error at its line':
      return `#cors-status "${f.status}"; inline mark "${f.inline && f.inline.marked}" on line ${f.line}, gutter marker ${f.inline && f.inline.gutterOnLine ? 'beside it' : 'missing'}`;
    case 'simulator equals doorman explain':
      return (Array.isArray(f) ? f : []).map((x) => `${x.origin}: ${(x.simulator.response || '').split('\n')[0]}; \`${x.command}\` exit ${x.explainExit}; browsers ${JSON.stringify(x.simulator.browsers)}`).join('<br>');
    case 'try it from a real page':
      return (f.runs || []).map((r) => `${r.origin}: result ${r.verdict}, prediction ${r.prediction}, match ${r.match}`).concat(f.browserReasons && f.browserReasons.length ? [`browser: ${f.browserReasons.join('; ')}`] : []).join('<br>');
    default:
      return JSON.stringify(f).slice(0, 400);
  }
}

function writeReport(dir, report) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const out = [];
  out.push('# The console in real browsers', '');
  out.push(`${report.doorman}; ${report.started}; ${report.mutate ? `**E2E_CONSOLE_MUTATE=${report.mutate}** (${report.mutation})` : 'no mutation'}.`, '');
  out.push('| engine | version | result | time |', '|---|---|---|---|');
  for (const r of report.engines) {
    out.push(`| ${r.engine} | ${r.version || ''} | ${r.skipped ? `skipped: ${r.skipped}` : failed(r) ? '**FAIL**' : 'pass'} | ${r.ms ? `${(r.ms / 1000).toFixed(1)} s` : ''} |`);
  }
  for (const r of report.engines.filter((x) => !x.skipped)) {
    out.push('', `## ${r.engine}`, '');
    if (r.error) out.push(`**The engine did not run:** ${cell(r.error)}`, '');
    out.push('| step | result | ms | figures or failure |', '|---|---|---|---|');
    for (const s of r.steps) {
      out.push(`| ${s.step} | ${s.pass ? 'pass' : s.skipped ? 'not run' : '**FAIL**'} | ${s.ms ?? ''} | ${cell(s.pass ? summary(s) : s.error)} |`);
    }
    out.push('', `### axe-core (${FAILING_IMPACTS.join(' or ')} fails)`, '');
    out.push('| page | theme | passes | violations |', '|---|---|---|---|');
    for (const a of r.axe) {
      const v = a.error ? `**axe failed: ${cell(a.error)}**`
        : a.violations.length === 0 ? 'none'
          : a.violations.map((x) => `${FAILING_IMPACTS.includes(x.impact) ? '**' : ''}${x.id} (${x.impact}, ${x.nodes.length}: ${cell(x.nodes.slice(0, 3).map((n) => n.target).join(', '))})${FAILING_IMPACTS.includes(x.impact) ? '**' : ''}`).join('<br>');
      out.push(`| ${a.page} | ${a.theme} | ${a.passes ?? ''} | ${v} |`);
    }
    out.push('', '### 200% zoom (a viewport half as wide): no sideways scrolling', '');
    out.push('| page | result | document width / viewport | wider than the viewport |', '|---|---|---|---|');
    for (const z of r.zoom || []) {
      out.push(`| ${z.page} | ${z.pass ? 'pass' : '**FAIL**'} | ${z.scrollWidth} / ${z.clientWidth} | ${cell(z.wide.join(', ') || 'nothing')} |`);
    }
    out.push('', '### Screenshots', '', r.screenshots.map((s) => `[${s}](${s})`).join(' · ') || 'none');
  }
  out.push('');
  fs.writeFileSync(path.join(dir, 'report.md'), out.join('\n'));
  return out.join('\n');
}

module.exports = { writeReport, failed };
