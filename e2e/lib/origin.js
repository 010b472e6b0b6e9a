// The pages' origin: a small static HTTP server on 127.0.0.1 that answers for any host name
// (the browsers map app.test, other.test, … to 127.0.0.1). It serves an empty page that loads
// the in-page helpers, and the AWS SDK bundled for the browser.
'use strict';

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const esbuild = require('esbuild');

const PAGE_DIR = path.join(__dirname, '..', 'page');

async function bundleSDK() {
  const out = await esbuild.build({
    entryPoints: [path.join(PAGE_DIR, 'sdk-entry.js')],
    bundle: true, write: false, platform: 'browser', format: 'iife', globalName: 'S3SDK',
    target: 'es2022', minify: true, logLevel: 'silent',
  });
  return out.outputFiles[0].text;
}

// page is an empty document that loads the in-page helpers (and more scripts when asked).
const page = (scripts) => `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>doorman e2e</title><script src="/probe.js"></script>${scripts}`;

async function startOrigin() {
  const files = {
    '/': { type: 'text/html', body: page('') },
    '/sdk.html': { type: 'text/html', body: page('<script src="/sdk.js"></script>') },
    '/probe.js': { type: 'text/javascript', body: fs.readFileSync(path.join(PAGE_DIR, 'probe.js'), 'utf8') },
    '/sdk.js': { type: 'text/javascript', body: await bundleSDK() },
  };
  const server = http.createServer((req, res) => {
    const f = files[new URL(req.url, 'http://x').pathname];
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': `${f.type}; charset=utf-8`, 'Cache-Control': 'no-store' }).end(f.body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: server.address().port, close: () => new Promise((resolve) => server.close(resolve)) };
}

module.exports = { startOrigin };
