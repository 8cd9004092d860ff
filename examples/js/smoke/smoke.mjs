// Owns the smoke test of the packed npm package (test.sh copies this directory into a fresh
// project outside the repository, installs the tarball there and runs it): imported by its
// package name from node_modules, the Promise API sends to a loopback server of this very
// thread (the event loop runs during requests), through the default transport and wasi:http;
// the sync entry and the raw jco entries load; the typings compile (tsc -p . in that project).

import assert from 'node:assert/strict';
import http from 'node:http';
import { createRequire } from 'node:module';
import { Session, HTTPError, HookResponse } from 'requests-component';
import * as sync from 'requests-component/sync';
import * as raw from 'requests-component/raw';

const require = createRequire(import.meta.url);
const installed = require.resolve('requests-component/package.json');
assert.ok(installed.includes('node_modules'), `resolved from ${installed}`);

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.url === '/cookie') {
      res.setHeader('Set-Cookie', ['a=1; Path=/', 'b=2; Path=/']);
      res.end('{}');
      return;
    }
    if (req.url === '/teapot') {
      res.statusCode = 418;
      res.end();
      return;
    }
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }));
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;

for (const transport of ['node', 'wasi-http']) {
  const s = new Session({ transport });
  s.hooks.request.push((req) => req.setHeader('X-Hook', transport));
  const r = await s.post(`${base}/echo?x=1`, { json: { a: 1 } });
  const echo = await r.json();
  assert.equal(echo.method, 'POST');
  assert.equal(echo.url, '/echo?x=1');
  assert.equal(echo.headers['x-hook'], transport);
  assert.deepEqual(JSON.parse(echo.body), { a: 1 });
  const cookie = await s.get(`${base}/cookie`);
  assert.equal(cookie.headerAll('set-cookie').length, transport === 'node' ? 2 : 1);
  assert.deepEqual((await s.cookies()).map((c) => c.name).sort(), ['a', 'b']);
  const teapot = await s.get(`${base}/teapot`);
  assert.throws(() => teapot.raiseForStatus(), HTTPError);
  const cached = await s.get(`${base}/x`, { hooks: { request: () => new HookResponse({ status: 200, body: 'cached' }) } });
  assert.equal(await cached.text(), 'cached');
  await s.close();
}

assert.equal(typeof sync.Session, 'function');
assert.equal(typeof raw.session.Session, 'function');
server.close();
console.log(`requests-component smoke test: ok (Node ${process.version}, from ${installed})`);
