// Owns the tests of streaming uploads through requests.mjs against the loopback
// fixture's /upload (method, body_len and sha256, the Transfer-Encoding, Content-Length
// and Content-Type headers and all headers, never the body): session.startRequest -> Upload, and an iterable
// of chunks given as `data` to request and the verbs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer } from '../server.mjs';
import { Session, Upload, InvalidRequest, SessionClosed } from '../requests.mjs';

let server;
let url;
before(async () => {
  server = await startServer();
  url = (path) => server.url + path;
});
after(() => server.close());

/** `count` chunks of `size` bytes (each chunk's bytes its index), and their sha256. */
function chunks(count, size) {
  const hash = crypto.createHash('sha256');
  const list = Array.from({ length: count }, (_, i) => new Uint8Array(size).fill(i % 256));
  for (const c of list) hash.update(c);
  return { list, sha256: hash.digest('hex'), length: count * size };
}

test('a generator given as data arrives whole and chunked', () => {
  const s = new Session();
  const { list, sha256, length } = chunks(64, 16 * 1024);
  let pulled = 0;
  function* gen() {
    for (const c of list) {
      pulled++;
      yield c;
    }
  }
  const r = s.put(url('/upload'), { data: gen(), headers: { 'Content-Type': 'application/octet-stream' } });
  assert.equal(r.status, 200);
  assert.equal(pulled, list.length);
  const { headers, ...report } = r.json();
  assert.deepEqual(report, {
    method: 'PUT', body_len: length, sha256,
    transfer_encoding: 'chunked', content_length: null, content_type: 'application/octet-stream',
  });
  assert.equal(headers['transfer-encoding'], 'chunked');

  // Strings (UTF-8), views, ArrayBuffers and an empty chunk, from an array, through request().
  const mixed = ['ü', Buffer.from('ab'), new DataView(new ArrayBuffer(3)), new ArrayBuffer(1), new Uint8Array()];
  const echo = s.request('POST', url('/upload'), { data: mixed }).json();
  assert.equal(echo.method, 'POST');
  assert.equal(echo.body_len, 2 + 2 + 3 + 1);
  assert.equal(echo.transfer_encoding, 'chunked');

  // An empty generator is an empty upload; an empty array is still an (empty) form.
  const empty = s.post(url('/upload'), { data: (function* () {})() }).json();
  assert.deepEqual([empty.body_len, empty.transfer_encoding], [0, 'chunked']);
  assert.equal(s.post(url('/post'), { data: [] }).json().headers['content-type'], 'application/x-www-form-urlencoded');
  // Pairs, from a generator too, are still form fields.
  const form = s.post(url('/post'), { data: (function* () { yield ['a', '1']; yield ['b', '2']; })() }).json();
  assert.deepEqual(form.form, [['a', '1'], ['b', '2']]);
});

test('contentLength is sent as Content-Length, not chunked', () => {
  const s = new Session();
  const { list, sha256, length } = chunks(10, 1000);
  const echo = s.post(url('/upload'), { data: list.values(), contentLength: length }).json();
  const { headers, ...report } = echo;
  assert.deepEqual(report, {
    method: 'POST', body_len: length, sha256,
    transfer_encoding: null, content_length: String(length), content_type: null,
  });
  assert.equal(headers['transfer-encoding'], undefined);
  assert.equal(s.put(url('/upload'), { data: list, contentLength: BigInt(length) }).json().content_length, String(length));
});

test('startRequest gives an Upload: write chunks, watch written, finish for the response', () => {
  const s = new Session();
  const up = s.startRequest('PUT', url('/upload'), { headers: { 'X-Demo': '1' }, contentLength: 11 });
  assert.ok(up instanceof Upload);
  assert.equal(up.contentLength, 11);
  assert.equal(up.written, 0);
  up.write('hello ');
  up.write(new TextEncoder().encode('world'));
  assert.equal(up.written, 11);
  const r = up.finish();
  assert.equal(up.written, 11);
  assert.equal(up.raw, null);
  const { headers, ...report } = r.json();
  assert.deepEqual(report, {
    method: 'PUT', body_len: 11, sha256: crypto.createHash('sha256').update('hello world').digest('hex'),
    transfer_encoding: null, content_length: '11', content_type: null,
  });
  assert.equal(headers['x-demo'], '1');
  assert.throws(() => up.write('x'), /already finished/);
  assert.throws(() => up.finish(), /already finished/);

  const chunked = s.startRequest('POST', url('/upload'));
  assert.equal(chunked.contentLength, null);
  chunked.write('abc');
  assert.equal(chunked.finish().json().transfer_encoding, 'chunked');

  // Disposing an unfinished upload abandons it; the session goes on.
  const abandoned = s.startRequest('POST', url('/upload'));
  abandoned.write('never finished');
  abandoned[Symbol.dispose]();
  abandoned[Symbol.dispose]();
  assert.equal(abandoned.written, 14);
  assert.throws(() => abandoned.finish(), /already finished/);
  assert.equal(s.get(url('/get')).status, 200);
});

test('writing past contentLength, or finishing short, is InvalidRequest (invalid-option)', () => {
  const s = new Session();
  const up = s.startRequest('PUT', url('/upload'), { contentLength: 4 });
  up.write('abc');
  assert.throws(() => up.write('de'), (e) => e instanceof InvalidRequest && e.kind === 'invalid-option');
  up[Symbol.dispose]();

  const short = s.startRequest('PUT', url('/upload'), { contentLength: 4 });
  short.write('abc');
  assert.throws(() => short.finish(), (e) => e instanceof InvalidRequest && e.kind === 'invalid-option');

  // Through a verb: the generator is closed when the write fails.
  let closed = false;
  function* gen() {
    try {
      yield 'abcd';
      yield 'e';
      yield 'never pulled';
    } finally {
      closed = true;
    }
  }
  assert.throws(() => s.put(url('/upload'), { data: gen(), contentLength: 4 }),
    (e) => e instanceof InvalidRequest && e.kind === 'invalid-option');
  assert.ok(closed);
  assert.throws(() => s.put(url('/upload'), { data: ['ab'], contentLength: 3 }), InvalidRequest);
  assert.equal(s.get(url('/get')).status, 200);
});

test('a 303 after an upload is followed as a GET; a 307 is the response (never replayed)', () => {
  const s = new Session();
  const r = s.post(url('/redirect-to'), {
    params: { url: '/upload', status_code: 303 },
    data: (function* () { yield 'part 1, '; yield 'part 2'; })(),
  });
  assert.equal(r.status, 200);
  assert.deepEqual(r.history.map((h) => h.status), [303]);
  const echo = r.json();
  assert.equal(echo.method, 'GET');
  assert.equal(echo.body_len, 0);

  const kept = s.put(url('/redirect-to'), { params: { url: '/upload', status_code: 307 }, data: ['once'] });
  assert.equal(kept.status, 307);
  assert.equal(kept.history.length, 0);

  // A Digest challenge to an upload is the response too.
  const challenged = s.put(url('/digest-auth/auth/u/p'), { auth: { digest: ['u', 'p'] }, data: ['body'] });
  assert.equal(challenged.status, 401);
});

test('upload options are checked before anything is sent', () => {
  const s = new Session();
  let pulled = 0;
  const gen = () => (function* () { pulled++; yield 'x'; })();
  assert.throws(() => s.startRequest('PUT', url('/upload'), { data: 'x' }), /written through the upload, not given as data/);
  assert.throws(() => s.startRequest('PUT', url('/upload'), { bogus: 1 }), /unknown option "bogus"/);
  assert.throws(() => s.startRequest('PUT', url('/upload'), { contentLength: -1 }), RangeError);
  assert.throws(() => s.put(url('/upload'), { data: 'text', contentLength: 4 }), /contentLength: only with data given as an iterable/);
  assert.throws(() => s.put(url('/upload'), { data: gen(), json: 1 }), /cannot go with json/);
  assert.throws(() => s.put(url('/upload'), { data: ['ok', 42] }), /data chunk 1: expected a string or bytes/);
  assert.throws(() => s.prepareRequest('PUT', url('/upload'), { data: gen() }), /cannot be prepared/);
  assert.throws(
    () => s.put(url('/upload'), { data: (async function* () { yield 'x'; })() }),
    /async iterable cannot be sent/,
  );
  assert.equal(pulled, 2); // the first chunk is looked at to tell chunks from form pairs
  s.close();
  assert.throws(() => s.startRequest('PUT', url('/upload')), SessionClosed);
});
