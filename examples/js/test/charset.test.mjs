// Owns the tests that a body decoded on the main thread (charset.mjs: a body over 64 KiB kept
// there, or one that crossed whole) reads as the component reads the same bytes: each case is
// served small (text() and json() of the component, through the worker) and large (the same
// bytes and 70,000 bytes of padding, kept on the main thread), by a loopback Node server; and
// that a line of a kept body is capped at maxBodySize, as the component caps it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Session, JSONDecodeError, BodyTooLarge } from '../index.mjs';

const PADDING = 70_000;

/** name -> [Content-Type, body bytes, padding byte]. */
const CASES = {
  'ascii-high-byte': ['text/plain; charset=us-ascii', Buffer.from('caf\xe9 \x80', 'latin1'), 0x20],
  'utf-16-label': ['text/plain; charset=utf-16', Buffer.from('h\x00i\x00', 'latin1'), 0x20],
  'windows-1252': ['text/plain; charset=windows-1252', Buffer.from('\x80\x81\x9f', 'latin1'), 0x20],
  'json-with-bom': ['application/json', Buffer.from('\xef\xbb\xbf{"a": "\xc3\xa9"}', 'latin1'), 0x20],
  'json-latin1-byte': ['application/json; charset=iso-8859-1', Buffer.from('{"a": "\xe9"}', 'latin1'), 0x20],
  'json-bad-utf8': ['application/json', Buffer.from('{"a": "\xff"}', 'latin1'), 0x20],
};

let server;
let base;
before(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/no-newline') {
      // 256 KiB without a newline, in pieces.
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      for (let i = 0; i < 16; i++) res.write(Buffer.alloc(16384, 0x61));
      res.end('\nlast');
      return;
    }
    const [, size, name] = req.url.split('/');
    const [type, body, pad] = CASES[name];
    res.writeHead(200, { 'Content-Type': type });
    res.end(size === 'large' ? Buffer.concat([body, Buffer.alloc(PADDING, pad)]) : body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** What `read` gives: its value, or the class of its error. */
const outcome = (read) => read.then((value) => ({ value }), (e) => ({ error: e.constructor }));

test('text() of a kept body decodes as the component decodes (us-ascii, unknown labels, windows-1252)', async () => {
  const s = new Session();
  for (const name of ['ascii-high-byte', 'utf-16-label', 'windows-1252']) {
    const small = await s.get(`${base}/small/${name}`);
    const large = await s.get(`${base}/large/${name}`);
    assert.equal(await large.text(), (await small.text()) + ' '.repeat(PADDING), name);
  }
});

test('json() of a body read on the main thread follows the component: BOM skipped, UTF-8 whatever the charset', async () => {
  const s = new Session();
  const expected = {
    'json-with-bom': { value: { a: 'é' } },
    'json-latin1-byte': { error: JSONDecodeError },
    'json-bad-utf8': { error: JSONDecodeError },
  };
  for (const [name, want] of Object.entries(expected)) {
    const small = await s.get(`${base}/small/${name}`);
    assert.deepEqual(await outcome(small.json()), want, `${name}, small`);
    const large = await s.get(`${base}/large/${name}`);
    assert.deepEqual(await outcome(large.json()), want, `${name}, large`);
  }
});

test('readLine of a kept streamed body stops at maxBodySize without a newline (BodyTooLarge), as the component does', async () => {
  const s = new Session();
  await s.configure({ maxBodySize: 100_000 });
  const r = await s.get(`${base}/no-newline`, { stream: true });
  await assert.rejects(r.readLine(), (e) => e instanceof BodyTooLarge && /a line of the body of .* exceeds 100000 bytes/.test(e.message));
  // Under the limit the same body reads line by line.
  await s.configure({ maxBodySize: 1 << 20 });
  const lines = [];
  for await (const line of (await s.get(`${base}/no-newline`, { stream: true })).iterLines()) lines.push(line);
  assert.deepEqual(lines.map((line) => line.length), [262144, 4]);
});
