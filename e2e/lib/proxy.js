// A forward HTTP proxy on 127.0.0.1 that sends every request to 127.0.0.1, whatever its host
// name: how WebKit reaches app.test, other.test, … (it has no host-resolver switch, and WebDriver's
// proxy capability sends it here). The request goes on unchanged, Host header included, and the
// answer comes back unchanged, repeated header lines included, so that the servers and the
// browser see what they would see without it. Plain http only: the suite has no https origin.
'use strict';

const http = require('node:http');

const agent = new http.Agent({ keepAlive: true });

// Hop-by-hop headers of the browser-to-proxy connection, which are not forwarded.
const HOP = new Set(['proxy-connection', 'proxy-authorization', 'connection', 'keep-alive']);

function forward(req, res) {
  let target;
  try {
    target = new URL(req.url);
  } catch {
    res.writeHead(400).end('absolute http URL required');
    return;
  }
  if (target.protocol !== 'http:') {
    res.writeHead(400).end('http only');
    return;
  }
  const headers = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (!HOP.has(req.rawHeaders[i].toLowerCase())) headers.push(req.rawHeaders[i], req.rawHeaders[i + 1]);
  }
  const upstream = http.request({
    host: '127.0.0.1', port: target.port || 80, method: req.method, path: target.pathname + target.search,
    headers, agent, setHost: false,
  }, (answer) => {
    const back = [];
    for (let i = 0; i < answer.rawHeaders.length; i += 2) {
      if (!HOP.has(answer.rawHeaders[i].toLowerCase())) back.push(answer.rawHeaders[i], answer.rawHeaders[i + 1]);
    }
    res.writeHead(answer.statusCode, answer.statusMessage, back);
    answer.pipe(res);
  });
  upstream.on('error', (e) => {
    if (!res.headersSent) res.writeHead(502).end(e.message);
    else res.destroy();
  });
  req.pipe(upstream);
}

async function startProxy() {
  const server = http.createServer(forward);
  // CONNECT (https) is refused: every origin of the suite is plain http.
  server.on('connect', (_req, socket) => socket.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n'));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
      agent.destroy();
    }),
  };
}

module.exports = { startProxy };
