// Owns the tests of sessions on the world `client-with-sockets` build (`new Session({sockets})`):
// the component's own HTTP/1.1 client over preview2-shim's wasi:sockets, against a Node
// keep-alive server on loopback. The server runs on a worker thread, since a request blocks
// this one until its response is read; it counts the TCP connections it accepts.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { Session, ConnectionError, Unsupported, SessionClosed } from '../requests.mjs';

// Echoes each request as JSON: method, url, headers, body length and SHA-256, body text.
const SERVER = `
const http = require('node:http');
const crypto = require('node:crypto');
const { parentPort } = require('node:worker_threads');
let connections = 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({
      method: req.method, url: req.url, headers: req.headers, length: body.length,
      sha256: crypto.createHash('sha256').update(body).digest('hex'), text: body.toString('utf8'),
    }));
  });
});
server.keepAliveTimeout = 60000;
server.on('connection', () => { connections += 1; });
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (m) => {
  if (m === 'count') parentPort.postMessage({ connections });
  if (m === 'close') { server.closeAllConnections(); server.close(); parentPort.close(); }
});
`;

let worker;
let base;

/** The connections the server has accepted so far. */
async function connections() {
  worker.postMessage('count');
  const [reply] = await once(worker, 'message');
  return reply.connections;
}

/** A loopback port nobody listens on (taken, then given back). */
async function deadPort() {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

before(async () => {
  worker = new Worker(SERVER, { eval: true });
  const [{ port }] = await once(worker, 'message');
  base = `http://127.0.0.1:${port}`;
});

after(async () => {
  worker.postMessage('close');
  await once(worker, 'exit');
});

test('GETs from one sockets session reach a keep-alive server over one connection', async () => {
  const s = new Session({ sockets: true });
  assert.equal(s.raw.getAdapter(`${base}/`).kind(), 'sockets');
  assert.equal(s.raw.getAdapter('https://example.org/').kind(), 'sockets');
  const start = await connections();
  for (let i = 0; i < 10; i++) {
    const r = s.get(`${base}/get/${i}`, { params: { n: i } });
    assert.equal(r.status, 200);
    const echo = r.json();
    assert.equal(echo.method, 'GET');
    assert.equal(echo.url, `/get/${i}?n=${i}`);
    assert.equal(echo.headers.host, base.slice('http://'.length));
  }
  assert.equal(await connections() - start, 1, 'ten GETs, one connection');
  s.close();
});

test('POST bodies round-trip over the sockets adapter', async () => {
  const s = new Session({ sockets: true });
  const start = await connections();
  const bytes = randomBytes(256 * 1024);
  let echo = s.post(`${base}/post`, { data: bytes }).json();
  assert.equal(echo.method, 'POST');
  assert.equal(echo.length, bytes.length);
  assert.equal(echo.headers['content-length'], String(bytes.length));
  assert.equal(echo.sha256, createHash('sha256').update(bytes).digest('hex'));

  echo = s.post(`${base}/json`, { json: { greeting: 'grüße', n: [1, 2] } }).json();
  assert.deepEqual(JSON.parse(echo.text), { greeting: 'grüße', n: [1, 2] });
  assert.equal(echo.headers['content-type'], 'application/json');

  // Chunks go through an Upload (the sockets build's BodyWriter), chunked.
  echo = s.put(`${base}/put`, { data: ['one ', new Uint8Array([116, 119, 111])] }).json();
  assert.equal(echo.method, 'PUT');
  assert.equal(echo.text, 'one two');
  assert.equal(echo.headers['transfer-encoding'], 'chunked');
  assert.equal(await connections() - start, 1, 'the bodies went over one kept-alive connection');
  s.close();
});

test('a refused port is connection-refused, and the session keeps working', async () => {
  const s = new Session({ sockets: true });
  const start = await connections();
  assert.equal(s.get(`${base}/before`).status, 200);
  const url = `http://127.0.0.1:${await deadPort()}/nobody`;
  assert.throws(() => s.get(url), (e) => {
    assert.ok(e instanceof ConnectionError, `${e}`);
    assert.equal(e.kind, 'connection-refused');
    assert.equal(e.url, url);
    return true;
  });
  assert.equal(s.get(`${base}/after`).json().url, '/after');
  assert.equal(await connections() - start, 1, 'the pooled connection outlived the failure');
  s.close();
});

test('the sockets options reach the adapter: maxIdlePerHost 0 keeps no connection', async () => {
  const s = new Session({ sockets: { maxIdlePerHost: 0, timeout: { connectMs: 60000 } } });
  const start = await connections();
  for (let i = 0; i < 3; i++) assert.equal(s.get(`${base}/fresh`).status, 200);
  assert.equal(await connections() - start, 3);
  s.close();
});

test('a sockets session has no hooks or JS adapters, and is closed as any other', () => {
  const s = new Session({ sockets: true });
  assert.throws(() => s.mount('mock://', { send: () => ({ status: 200 }) }), Unsupported);
  s.hooks.request.push(() => {});
  assert.throws(() => s.get(`${base}/hooked`), Unsupported);
  s.hooks = { request: [], response: [] };
  assert.equal(s.get(`${base}/unhooked`).status, 200);
  s.close();
  assert.throws(() => s.get(`${base}/closed`), SessionClosed);
});

test('the sockets option is checked before a session is made', () => {
  assert.throws(() => new Session({ socket: true }), /unknown option "socket"/);
  assert.throws(() => new Session({ sockets: { maxIdle: -1 } }), RangeError);
  assert.throws(() => new Session({ sockets: { pool: 1 } }), /unknown option "pool"/);
  assert.throws(() => new Session({ sockets: 'yes' }), TypeError);
  assert.equal(new Session({ sockets: false }).raw.getAdapter('http://x/').kind(), 'wasi-http');
});
