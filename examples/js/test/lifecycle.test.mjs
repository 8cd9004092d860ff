// Owns the tests of what a session of the Promise API (index.mjs) holds on the main thread and
// gives back: its default transport's keep-alive connections once it is closed or
// garbage-collected, a body kept on this thread that the request failed before handing over,
// an upload dropped unfinished, the thread of a session's own worker, against a loopback Node server that counts the connections it has open.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync, readdirSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Session, HTTPError, HookError } from '../index.mjs';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

let server;
let base;
/** The server's open connections, and a wait for their number to fall to `n`. */
const open = new Set();
let changed = () => {};
const untilOpen = async (n, poke = () => {}) => {
  while (open.size > n) {
    poke();
    await new Promise((resolve) => {
      changed = resolve;
      setTimeout(resolve, 50);
    });
  }
};
/** Called when the head of an upload to `/upload` arrives. */
let uploadArrived = () => {};
/** The response of `/held` the test ends itself. */
let held;

before(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/held') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('first ');
      held = res;
      return;
    }
    if (req.url === '/upload') {
      // Reads nothing, answers nothing: the upload stays open.
      uploadArrived();
      return;
    }
    if (req.url.startsWith('/unfinished')) {
      // A head, more than the 64 KiB that cross with it, and no end: the body stays with the
      // transport on this thread until something releases it.
      res.writeHead(req.url.endsWith('500') ? 500 : 200, { 'Content-Type': 'text/plain' });
      res.write(Buffer.alloc(200_000, 0x61));
      return;
    }
    res.end('ok');
  });
  server.on('connection', (socket) => {
    open.add(socket);
    socket.on('close', () => {
      open.delete(socket);
      changed();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test('closing a session closes its idle keep-alive connections, and one in use when its body ends', { timeout: 20000 }, async () => {
  await untilOpen(0);
  const s = new Session();
  // A streamed response holds one connection; a request meanwhile opens a second, left idle.
  const streamed = await s.get(`${base}/held`, { stream: true });
  assert.equal(await (await s.get(`${base}/small`)).text(), 'ok');
  assert.equal(open.size, 2);
  await s.close();
  await untilOpen(1); // the idle one
  // The connection in use is not cut: the body still reads to its end, then the connection goes.
  held.end('last');
  const chunks = [];
  for await (const chunk of streamed.iterContent()) chunks.push(Buffer.from(chunk));
  assert.equal(Buffer.concat(chunks).toString(), 'first last');
  await untilOpen(0);
});

test('a session dropped without close() gives its keep-alive connection back when garbage-collected', { timeout: 20000 }, async () => {
  await untilOpen(0);
  await (async () => {
    const s = new Session();
    assert.equal(await (await s.get(`${base}/small`)).text(), 'ok');
  })();
  assert.equal(open.size, 1);
  await untilOpen(0, gc);
});

test('a kept body the request fails before handing over is released: errorForStatus, a failing response hook', { timeout: 20000 }, async () => {
  await untilOpen(0);
  const s = new Session();
  await s.configure({ errorForStatus: true });
  await assert.rejects(s.get(`${base}/unfinished/500`), HTTPError);
  await untilOpen(0);
  const t = new Session();
  t.hooks.response.push(() => { throw new Error('the hook fails'); });
  await assert.rejects(t.get(`${base}/unfinished/200`, { stream: true }), HookError);
  await untilOpen(0);
});

test('an upload dropped unfinished is abandoned when garbage-collected: its connection closes', { timeout: 20000 }, async () => {
  await untilOpen(0);
  const s = new Session();
  const arrived = new Promise((resolve) => { uploadArrived = resolve; });
  await (async () => {
    const upload = await s.startRequest('POST', `${base}/upload`);
    await upload.write('the first piece');
  })();
  await arrived;
  assert.equal(open.size, 1);
  await untilOpen(0, gc);
  await s.close();
});

/** The threads of this process (Linux: /proc/self/task). */
const threads = () => readdirSync('/proc/self/task').length;

test('the thread of a session with its own worker ends once the session and its responses are collected', {
  timeout: 30000, skip: !existsSync('/proc/self/task') && 'needs /proc/self/task',
}, async () => {
  await untilOpen(0);
  let responses = [];
  await (async () => {
    const sessions = [new Session({ worker: 'own' }), new Session({ worker: 'own' }), new Session({ worker: 'own' })];
    responses = await Promise.all(sessions.map((s) => s.get(`${base}/small`)));
    await Promise.all(sessions.map((s) => s.close()));
  })();
  const running = threads();
  // The responses still work with their sessions gone: they hold the worker.
  for (let i = 0; i < 5; i++) gc();
  assert.deepEqual(await Promise.all(responses.map((r) => r.cookies())), [[], [], []]);
  responses = [];
  // Three threads fewer (other threads of Node's may come, none of those goes).
  while (threads() > running - 3) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
});

test('an upload of a session with its own worker, all dropped unfinished, still closes its connection when collected', { timeout: 20000 }, async () => {
  await untilOpen(0);
  const arrived = new Promise((resolve) => { uploadArrived = resolve; });
  await (async () => {
    const s = new Session({ worker: 'own' });
    const upload = await s.startRequest('POST', `${base}/upload`);
    await upload.write('the first piece');
  })();
  await arrived;
  assert.equal(open.size, 1);
  await untilOpen(0, gc);
});
