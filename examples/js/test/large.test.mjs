// Owns the tests of large bodies through requests.mjs: a 50 MiB download and upload go
// whole (jco copies a list<u8> as one typed array and has no per-call copy limit, unlike
// wasmtime-py; see README), the session works afterwards, and one readChunk never asks the
// component for more than READ_PIECE (1 MiB), streamed or not. With hooks set, bodies over
// 1 MiB go just the same: hooks see them as null, and a hook that gives no body keeps them.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer } from '../server.mjs';
import { Session, HookResponse, READ_PIECE } from '../requests.mjs';

const MiB = 1 << 20;
const N = 50 * MiB;

let server;
let url;
before(async () => {
  server = await startServer();
  url = (path) => server.url + path;
});
after(() => server.close());

/** The fixture's /bytes pattern: byte i is i % 251. */
function pattern(n) {
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = i % 251;
  return data;
}

const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');

function assertUsable(s) {
  const r = s.get(url('/get'), { params: { after: 'large' } });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json().args, { after: 'large' });
}

test('a 50 MiB body goes down and up whole, and the session works afterwards', () => {
  const s = new Session();
  const expected = sha256(pattern(N));
  const r = s.get(url(`/bytes/${N}`));
  const content = r.content();
  assert.equal(content.length, N);
  assert.equal(sha256(content), expected);
  assert.equal(r.text().length > 0, true);

  let report = s.post(url('/upload'), { data: content }).json();
  assert.equal(report.body_len, N);
  assert.equal(report.sha256, expected);
  assert.equal(report.content_length, String(N));
  const text = 'a'.repeat(N);
  report = s.put(url('/upload'), { data: text }).json();
  assert.equal(report.sha256, sha256(text));
  report = s.post(url('/upload'), { json: { k: text } }).json();
  assert.equal(report.body_len, N + 8);
  assertUsable(s);
});

test('readChunk asks for at most READ_PIECE, streamed or not', () => {
  const s = new Session();
  const n = 3 * MiB;
  const expected = sha256(pattern(n));
  assert.equal(READ_PIECE, MiB);
  for (const stream of [true, false]) {
    const r = s.get(url(`/bytes/${n}`), { stream });
    const chunks = [...r.iterContent(100 * MiB)];
    assert.ok(chunks.every((c) => c.length <= READ_PIECE), `stream: ${stream}`);
    assert.equal(sha256(Buffer.concat(chunks)), expected);
  }
  const r = s.get(url(`/bytes/${n}`));
  assert.equal(r.readChunk(2 ** 32 - 1).length, READ_PIECE);
  assert.throws(() => r.readChunk(-1), RangeError);
  assertUsable(s);
});

test('bodySize is the size of a body held in memory, null while it streams', () => {
  const s = new Session();
  const n = 3 * MiB;
  assert.equal(s.get(url(`/bytes/${n}`)).bodySize, n);
  assert.equal(s.get(url(`/stream-bytes/${n}`)).bodySize, n, 'chunked, read whole');
  assert.equal(s.get(url('/gzip')).bodySize, s.get(url('/gzip')).content().length, 'decoded');
  const r = s.get(url(`/bytes/${n}`), { stream: true });
  assert.equal(r.bodySize, null);
  assert.equal(r.content().length, n);
  assert.equal(r.bodySize, n);
});

test('with hooks set, bodies over 1 MiB go down and up whole, and the hooks see null', () => {
  const s = new Session();
  const n = 3 * MiB;
  const data = pattern(n);
  const seen = [];
  s.hooks.request.push((request) => {
    seen.push(request.body === null ? null : request.body.length);
    request.setHeader('X-Signed', '1');
  });
  s.hooks.response.push((response) => {
    seen.push(response.body === null ? null : response.body.length);
  });
  const r = s.get(url(`/bytes/${n}`));
  assert.equal(sha256(r.content()), sha256(data));
  assert.deepEqual(seen, [null, null], 'no request body; a response body over 1 MiB');

  for (const body of [data, 'b'.repeat(n)]) {
    seen.length = 0;
    const report = s.post(url('/upload'), { data: body }).json();
    assert.equal(report.body_len, n, 'the hook changed a header, and the body stayed');
    assert.equal(report.sha256, sha256(body));
    assert.equal(report.headers['x-signed'], '1');
    assert.equal(seen[0], null, 'the request hook was not shown the body');
    assert.ok(seen[1] > 0, 'the small report was shown to the response hook');
  }

  const prepared = s.prepareRequest('PUT', url('/upload'), { data });
  const report = s.send(prepared).json();
  assert.equal(report.body_len, n);
  assert.equal(report.sha256, sha256(data));
  assert.equal(report.headers['x-signed'], '1');
  assertUsable(s);
});

test('a response hook that gives no body keeps one it was not shown; a body it gives replaces it', () => {
  const s = new Session();
  const n = 3 * MiB;
  const expected = sha256(pattern(n));
  const get = (response) => s.get(url(`/bytes/${n}`), { hooks: { response } });

  let r = get((res) => new HookResponse({ ...res, status: 299 }));
  assert.equal(r.status, 299);
  assert.equal(sha256(r.content()), expected);
  r = get((res) => ({ status: 201, headers: [...res.headers, ['X-Hooked', '1']] }));
  assert.equal(r.status, 201);
  assert.equal(r.header('x-hooked'), '1');
  assert.equal(sha256(r.content()), expected);

  const big = new Uint8Array(2 * MiB).fill(7);
  r = get(() => new HookResponse({ status: 200, body: big }));
  assert.deepEqual(r.content(), big);
  r = get(() => new HookResponse({ status: 200, body: '' }));
  assert.equal(r.content().length, 0);
  // A body hooks are shown is replaced by null: it is empty.
  r = s.get(url('/bytes/10'), { hooks: { response: (res) => ({ status: 200, headers: res.headers }) } });
  assert.equal(r.content().length, 0);
  assertUsable(s);
});
