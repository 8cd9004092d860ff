// Owns the benchmark's loopback server (run.mjs starts it as a child process, so that it does not
// share the measured process's event loop or thread): keep-alive HTTP/1.1 on 127.0.0.1 with
// fixed bodies, TCP_NODELAY. `/small` is 100 bytes of JSON; `/bytes/N` is N bytes with a
// Content-Length. It prints its port as one line of JSON and stops when its stdin closes.

import http from 'node:http';

const small = Buffer.from(JSON.stringify({ ok: true, id: 12345, name: 'requests-component', pad: 'x'.repeat(41) }));
const bodies = new Map();
const server = http.createServer({ keepAliveTimeout: 60_000, noDelay: true }, (req, res) => {
  req.resume();
  if (req.url === '/small') {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': small.length });
    res.end(small);
    return;
  }
  const match = /^\/bytes\/(\d+)$/.exec(req.url);
  if (!match) {
    res.writeHead(404).end();
    return;
  }
  const size = Number(match[1]);
  let body = bodies.get(size);
  if (!body) bodies.set(size, (body = Buffer.alloc(size, 'x')));
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': size });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
