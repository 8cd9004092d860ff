// Owns the tests of large bodies through requests.mjs: a 50 MiB download and upload go
// whole (jco copies a list<u8> as one typed array and has no per-call copy limit, unlike
// wasmtime-py; see README), the session works afterwards, and one readChunk never asks the
// component for more than READ_PIECE (1 MiB), streamed or not.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer } from '../server.mjs';
import { Session, READ_PIECE } from '../requests.mjs';

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
  assert.equal(report.length, N);
  assert.equal(report.sha256, expected);
  assert.equal(report.contentLength, String(N));
  const text = 'a'.repeat(N);
  report = s.put(url('/upload'), { data: text }).json();
  assert.equal(report.sha256, sha256(text));
  report = s.post(url('/upload'), { json: { k: text } }).json();
  assert.equal(report.length, N + 8);
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
