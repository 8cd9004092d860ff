// Owns the tests that a body decoded on the main thread (charset.mjs: a body over 64 KiB kept
// there, or one that crossed whole) reads as the component reads the same bytes: each case is
// served small (text() and json() of the component, through the worker) and large (the same
// bytes and 70,000 bytes of padding, kept on the main thread), by a loopback Node server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Session, JSONDecodeError } from '../index.mjs';

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
