// Owns the tests of the features beyond the basics, through requests.mjs against the
// loopback fixture: Digest auth, brotli, multipart uploads (files / multipart), lines,
// Link headers, baseUrl, errorForStatus, maxBodySize (BodyTooLarge) and saved state.
// mergeEnvironmentSettings needs a controlled environment: test/environment.test.mjs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../server.mjs';
import {
  Session, RequestsError, InvalidRequest, InvalidHeader, InvalidJSONError, MissingSchema, HTTPError,
  BodyTooLarge, ContentDecodingError, StreamConsumedError, fromComponentError, ResponseHead,
} from '../requests.mjs';

let server;
let url;
before(async () => {
  server = await startServer();
  url = (path) => server.url + path;
});
after(() => server.close());

test('Digest auth answers the challenge for every algorithm (checked with node:crypto)', () => {
  const s = new Session();
  s.auth = { digest: ['user', 'passwd'] };
  assert.deepEqual(s.auth, { digest: { username: 'user', password: 'passwd' } });
  for (const algorithm of ['MD5', 'MD5-sess', 'SHA', 'SHA-256', 'SHA-256-sess', 'SHA-512-256']) {
    const r = s.get(url(`/digest-auth/auth/user/passwd/${algorithm}`));
    assert.equal(r.status, 200, algorithm);
    assert.deepEqual(r.json(), { authenticated: true, user: 'user', algorithm, nc: '00000001' });
    // The 401 is in history; the cookie it set went with the retry (else the fixture says 403).
    assert.deepEqual(r.history.map((h) => h.status), [401], algorithm);
    assert.match(r.history[0].header('www-authenticate'), new RegExp(`^Digest realm=.*algorithm=${algorithm}\\b`));
  }
  // RFC 2069 style, without qop.
  const legacy = s.get(url('/digest-auth/none/user/passwd/SHA-256'));
  assert.equal(legacy.status, 200);
  assert.equal(legacy.json().nc, '', 'no qop: no nonce count');
});

test('Digest auth reuses a known nonce with the next count and retries a stale one', () => {
  const s = new Session();
  const auth = { digest: { username: 'u', password: 'p' } };
  const path = url('/digest-auth/auth/u/p/SHA-256');
  let r = s.get(path, { auth });
  assert.equal(r.json().nc, '00000001');
  r = s.get(path, { auth });
  assert.equal(r.json().nc, '00000002');
  assert.equal(r.history.length, 0, 'the known challenge is answered up front');
  const sent = r.request().headers.find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  assert.match(sent, /^Digest username="u", realm="requests-component@loopback", .*nc=00000002/);

  r = s.get(url('/digest-auth/auth/u/p/MD5/stale-once'), { auth: { digest: ['u', 'p'] } });
  assert.equal(r.status, 200);
  assert.match(r.history.at(-1).header('www-authenticate'), /stale=TRUE/);

  // Wrong credentials: exactly one retry, then the 401 is the answer.
  r = s.get(path, { auth: { digest: ['u', 'wrong'] } });
  assert.equal(r.status, 401);
  assert.equal(r.history.length, 1);
  // Without auth the server only challenges.
  assert.equal(s.get(path).status, 401);
});

test('auth options are checked before anything is sent', () => {
  const s = new Session();
  assert.throws(() => { s.auth = { digest: 'user:pass' }; }, /auth\.digest: expected \[username, password\]/);
  assert.throws(() => s.get(url('/get'), { auth: { token: 'x' } }), TypeError);
  s.auth = { digest: { username: 'u' } };
  assert.deepEqual(s.auth, { digest: { username: 'u', password: '' } });
  s.auth = null;
  assert.equal(s.auth, null);
});

test('brotli and deflate bodies are decoded; Accept-Encoding offers br and zstd', () => {
  const s = new Session();
  const r = s.get(url('/brotli'));
  assert.equal(r.header('Content-Encoding'), 'br');
  assert.equal(r.json().brotli, true);
  assert.equal(r.json().headers['accept-encoding'], 'gzip, deflate, br, zstd');
  assert.equal(s.get(url('/deflate')).json().deflated, true);
  // Streamed, the brotli body is decoded chunk by chunk.
  const streamed = s.get(url('/brotli'), { stream: true });
  const text = Buffer.concat([...streamed.iterContent(16)]).toString('utf8');
  assert.equal(JSON.parse(text).brotli, true);
});

test('files: form fields of data first, then files (string, bytes, [filename, data, type, headers])', () => {
  const s = new Session();
  const echo = s.post(url('/post'), {
    data: { title: 'hello', n: [1, 2] },
    files: {
      notes: ['notes.txt', 'line one\nline two', 'text/plain', { 'X-Part': '1' }],
      raw: new Uint8Array([0, 1, 2, 255]),
      buf: ['b.bin', Buffer.from('buffer')],
      ab: ['ab.bin', new Uint16Array([0x4241]).buffer],
      field: [null, 'plain field'],
    },
  }).json();
  const [type, boundary] = echo.headers['content-type'].split('; boundary=');
  assert.equal(type, 'multipart/form-data');
  assert.match(boundary, /^[0-9a-f]{32}$/);
  assert.ok(echo.data.endsWith(`--${boundary}--\r\n`));
  assert.deepEqual(echo.form, [['title', 'hello'], ['n', '1'], ['n', '2'], ['field', 'plain field']]);
  assert.deepEqual(
    echo.parts.map((p) => [p.name, p.filename, p.base64 && Buffer.from(p.base64, 'base64').toString('latin1')]),
    [
      ['title', null, 'hello'], ['n', null, '1'], ['n', null, '2'],
      ['notes', 'notes.txt', 'line one\nline two'],
      ['raw', 'raw', '\x00\x01\x02\xff'], // as requests: the field name is the filename
      ['buf', 'b.bin', 'buffer'],
      ['ab', 'ab.bin', 'AB'],
      ['field', null, 'plain field'],
    ],
  );
  // headers_list: each part's header pairs as sent (names in their case, in order).
  const headersOf = (name) => echo.parts.find((p) => p.name === name).headers_list;
  assert.deepEqual(headersOf('notes'), [
    ['Content-Disposition', 'form-data; name="notes"; filename="notes.txt"'],
    ['Content-Type', 'text/plain'],
    ['X-Part', '1'],
  ]);
  assert.deepEqual(headersOf('raw').slice(1), [['Content-Type', 'application/octet-stream']]);
  assert.deepEqual(headersOf('title'), [['Content-Disposition', 'form-data; name="title"']]);
});

test('multipart: parts spelled out, names repeated and escaped', () => {
  const s = new Session();
  const echo = s.post(url('/anything'), {
    multipart: [
      { name: 'a', data: '1' },
      { name: 'a', data: '2', headers: [['X-Order', 'second']] },
      { name: 'doc', filename: 'résumé "v2".txt', contentType: 'text/plain; charset=utf-8', data: 'ü' },
      { name: 'empty', filename: 'empty.bin', data: new Uint8Array() },
    ],
  }).json();
  assert.deepEqual(echo.form, [['a', '1'], ['a', '2']]);
  assert.deepEqual(echo.files, { doc: 'ü', empty: '' });
  const doc = echo.parts[2];
  assert.equal(doc.filename, 'résumé "v2".txt');
  assert.equal(doc.headers_list[0][1], 'form-data; name="doc"; filename="résumé %22v2%22.txt"');
  assert.deepEqual(doc.headers_list[1], ['Content-Type', 'text/plain; charset=utf-8']);
  assert.deepEqual(echo.parts[1].headers_list[1], ['X-Order', 'second']);

  // Also on a prepared request: the body is encoded when prepared.
  const p = s.prepareRequest('POST', url('/post'), { files: { f: 'x' } });
  assert.match(new TextDecoder().decode(p.body), /^--[0-9a-f]{32}\r\nContent-Disposition: form-data; name="f"; filename="f"\r\n/);
});

test('upload options are checked; the component refuses a CR/LF in a part name', () => {
  const s = new Session();
  const post = (options) => s.post(url('/post'), options);
  assert.throws(() => post({ json: {}, files: { f: 'x' } }), /give one body option/);
  assert.throws(() => post({ data: 'text', files: { f: 'x' } }), /with files it must be form fields/);
  assert.throws(() => post({ multipart: [{ name: 'a', data: 'x' }], data: { b: '1' } }), TypeError);
  assert.throws(() => post({ multipart: { name: 'a', data: 'x' } }), /multipart: expected an array/);
  assert.throws(() => post({ multipart: [{ name: 'a', data: 1 }] }), /multipart\[0\]\.data: expected a string or bytes/);
  assert.throws(() => post({ multipart: [{ name: 'a', data: '', type: 'x' }] }), /multipart\[0\]: unknown option "type"/);
  assert.throws(() => post({ files: { f: ['only-a-name'] } }), /files\["f"\]: expected the content or \[filename, data/);
  assert.throws(() => post({ files: 'f' }), /files: expected an object/);
  assert.throws(
    () => post({ multipart: [{ name: 'a\r\nX-Injected: 1', data: '' }] }),
    (e) => e instanceof InvalidHeader && e.kind === 'invalid-header',
  );
  assert.equal(post({ files: [['f', 'one'], ['f', 'two']] }).json().files.f.length, 2);
});

test('lines are read one by one, streamed or not, sharing the position with readChunk', () => {
  const s = new Session();
  // Streamed in 7-byte pieces: lines straddle chunks; CRLF loses its CR.
  let r = s.get(url('/lines/5?crlf=1&chunk_size=7'), { stream: true });
  assert.equal(r.readLine(), 'line 0');
  assert.equal(new TextDecoder().decode(r.readChunk(3)), 'lin');
  assert.deepEqual([...r.iterLines()], ['e 1', 'line 2', 'line 3', 'line 4']);
  assert.throws(() => r.readLine(), StreamConsumedError, 'the end is reported once, as with readChunk');

  r = s.get(url('/lines/200?chunk_size=100'), { stream: true });
  const lines = [...r.iterLines()];
  assert.equal(lines.length, 200);
  assert.equal(lines[199], 'line 199');

  // A body already read: lines from the buffer, then null (again and again).
  r = s.get(url('/lines/3'));
  assert.equal(r.text(), 'line 0\nline 1\nline 2\n');
  assert.deepEqual([...r.iterLines()], ['line 0', 'line 1', 'line 2']);
  assert.equal(r.readLine(), null);
  assert.equal(r.readLine(), null);

  // Decoded in `encoding` (the fixture's JSON, compact pairs, is UTF-8; read here as Latin-1).
  r = s.get(url('/response-headers'), { params: { x: 'é' } });
  r.encoding = 'iso-8859-1';
  assert.deepEqual([...r.iterLines()], ['[["x","Ã©"]]']);
});

test('Link headers become links keyed by rel, URLs resolved against the response URL', () => {
  const s = new Session();
  const r = s.get(url('/response-headers'), {
    params: [
      ['Link', '</page/2>; rel="next"; title="a, b; c", <https://api.example/items?page=9>; rel=last'],
      ['Link', '<other>; type="text/html"'],
    ],
  });
  const { links } = r;
  assert.deepEqual(Object.keys(links), ['next', 'last', url('/other')]);
  assert.equal(links.next.url, url('/page/2'));
  assert.equal(links.next.rel, 'next');
  // The component's params leave `rel` out (the WIT doc says "rel included"): accept either.
  const withoutRel = (link) => link.params.filter(([name]) => name !== 'rel');
  assert.deepEqual(withoutRel(links.next), [['title', 'a, b; c']]);
  assert.equal(links.last.url, 'https://api.example/items?page=9');
  assert.deepEqual(links[url('/other')], { url: url('/other'), rel: null, params: [['type', 'text/html']] });
  assert.ok(Object.isFrozen(links) && Object.isFrozen(links.next));
  assert.deepEqual(s.get(url('/get')).links, {});
});

test('relative URLs resolve against baseUrl; absolute ones ignore it', () => {
  const s = new Session();
  assert.equal(s.baseUrl, null);
  s.baseUrl = url('/anything/api/');
  assert.equal(s.baseUrl, url('/anything/api/'));
  let echo = s.get('users', { params: { id: 1 } }).json();
  assert.equal(echo.url, url('/anything/api/users?id=1'));
  echo = s.post('../other', { json: { a: 1 } }).json();
  assert.equal(echo.url, url('/anything/other'));
  assert.equal(s.get(url('/get')).json().url, url('/get'));
  assert.equal(s.prepareRequest('GET', 'x').url, url('/anything/api/x'));

  s.baseUrl = new URL(url('/anything/'));
  assert.equal(s.get('v2').url, url('/anything/v2'));
  // Userinfo in the base is not shown back.
  s.baseUrl = `http://user:secret@127.0.0.1:${server.port}/anything/`;
  assert.equal(s.baseUrl, url('/anything/'));

  assert.throws(() => { s.baseUrl = 'not a url'; }, MissingSchema);
  assert.throws(() => { s.baseUrl = 42; }, TypeError);
  assert.equal(s.baseUrl, url('/anything/'), 'a refused base leaves the old one');
  s.baseUrl = null;
  assert.equal(s.baseUrl, null);
  assert.throws(() => s.get('users'), MissingSchema);
});

test('errorForStatus turns every 4xx and 5xx into an HTTPError, session-wide', () => {
  const s = new Session();
  assert.equal(s.errorForStatus, false);
  assert.equal(s.get(url('/status/418')).status, 418);
  s.errorForStatus = true;
  assert.equal(s.errorForStatus, true);
  assert.throws(() => s.get(url('/status/418')), (e) => {
    assert.ok(e instanceof HTTPError && e instanceof RequestsError);
    assert.equal(e.message, `418 Client Error: I'm a Teapot for url: ${url('/status/418')}`);
    assert.equal(e.status, 418);
    assert.equal(e.url, url('/status/418'));
    assert.ok(e.response instanceof ResponseHead, 'the WIT error carries the head of the response');
    assert.deepEqual([e.response.status, e.response.reason, e.response.url], [418, "I'm a Teapot", url('/status/418')]);
    return true;
  });
  assert.throws(() => s.delete(url('/status/503')), (e) => e instanceof HTTPError && e.status === 503);
  assert.equal(s.get(url('/redirect/2')).status, 200, 'redirects are followed, not errors');
  assert.equal(s.get(url('/status/204')).status, 204);
  s.errorForStatus = false;
  assert.equal(s.get(url('/status/500')).status, 500);
});

test('maxBodySize limits bodies read into memory: BodyTooLarge, or ContentDecodingError for a bomb', () => {
  const s = new Session();
  assert.equal(s.maxBodySize, 256 * 1024 * 1024);
  assert.equal(typeof s.maxBodySize, 'number');
  s.maxBodySize = 1000;
  assert.equal(s.get(url('/bytes/1000')).content().length, 1000);
  let error;
  assert.throws(() => s.get(url('/bytes/5000')), (e) => (error = e) instanceof BodyTooLarge);
  assert.equal(error.kind, 'body-too-large');
  assert.match(error.message, /exceeds 1000 bytes/);
  assert.ok(!(error instanceof ContentDecodingError));

  // Streamed, nothing is held in memory: chunks are fine, content() is not.
  let r = s.get(url('/bytes/5000'), { stream: true });
  assert.equal([...r.iterContent(512)].reduce((n, c) => n + c.length, 0), 5000);
  r = s.get(url('/bytes/5000'), { stream: true });
  assert.throws(() => r.content(), BodyTooLarge);

  // Decompressing past the limit is a ContentDecodingError (a decompression bomb).
  s.maxBodySize = 100n;
  assert.throws(() => s.get(url('/gzip')), (e) => e instanceof ContentDecodingError && /exceeds 100 bytes/.test(e.message));
  assert.throws(() => s.get(url('/brotli')), ContentDecodingError);

  // Number in, Number out while exact; BigInt beyond.
  assert.equal(s.maxBodySize, 100);
  s.maxBodySize = 2n ** 60n;
  assert.equal(s.maxBodySize, 2n ** 60n);
  s.maxBodySize = 2n ** 64n - 1n;
  assert.equal(s.maxBodySize, 2n ** 64n - 1n);
  s.maxBodySize = Number.MAX_SAFE_INTEGER;
  assert.equal(s.maxBodySize, Number.MAX_SAFE_INTEGER);
  // jco would wrap these; the wrapper refuses them.
  for (const bad of [-1, 1.5, 2 ** 60, -1n, 2n ** 64n, '1000', NaN]) {
    assert.throws(() => { s.maxBodySize = bad; }, RangeError, String(bad));
  }
  assert.equal(s.maxBodySize, Number.MAX_SAFE_INTEGER);
  assert.equal(s.get(url('/bytes/5000')).content().length, 5000);
});

test('body-too-large maps to BodyTooLarge through fromComponentError', () => {
  const s = new Session();
  s.raw.setMaxBodySize(10n);
  let thrown;
  try {
    s.raw.get(url('/bytes/20'), {});
  } catch (e) {
    thrown = e;
  }
  assert.equal(thrown.payload.kind, 'body-too-large');
  const mapped = fromComponentError(thrown);
  assert.ok(mapped instanceof BodyTooLarge && mapped.name === 'BodyTooLarge');
  assert.equal(mapped.message, thrown.payload.message);
});

test('exportState / importState carry settings and cookies to another session', () => {
  const s = new Session();
  s.get(url('/cookies/set?sid=abc'));
  s.setCookie({ name: 'hand', value: '1', domain: 'example.test', secure: true, expires: 4_000_000_000 });
  s.setHeader('X-Team', 'blue');
  s.auth = { bearer: 't0ken' };
  s.params = { lang: 'en' };
  s.timeout = { connectMs: 1500 };
  s.maxRedirects = 7;

  const open = s.exportState();
  assert.ok(!open.includes('t0ken'), 'no secrets unless asked');
  const doc = JSON.parse(open);
  assert.equal(doc.version, 1);
  assert.equal(doc.secrets, false);
  const secret = s.exportState({ includeSecrets: true });
  assert.equal(JSON.parse(secret).auth.token, 't0ken');

  const other = new Session();
  other.importState(secret);
  assert.deepEqual(other.auth, { bearer: 't0ken' });
  assert.equal(other.maxRedirects, 7);
  assert.deepEqual(other.timeout, { connectMs: 1500, readMs: undefined });
  assert.deepEqual(other.cookies(), s.cookies());
  const echo = other.get(url('/anything')).json();
  assert.equal(echo.headers.cookie, 'sid=abc');
  assert.equal(echo.headers['x-team'], 'blue');
  assert.equal(echo.headers.authorization, 'Bearer t0ken');
  assert.deepEqual(echo.args, { lang: 'en' });

  // Without secrets, the importing session keeps its own auth.
  const third = new Session();
  third.auth = ['me', 'pw'];
  third.importState(open);
  assert.deepEqual(third.auth, { username: 'me', password: 'pw' });
  assert.equal(third.cookies().length, 2);

  // Digest auth survives a round trip too.
  s.auth = { digest: ['u', 'p'] };
  other.importState(s.exportState({ includeSecrets: true }));
  assert.equal(other.get(url('/digest-auth/auth/u/p/MD5')).status, 200);

  // A bad document changes nothing.
  const before = other.exportState({ includeSecrets: true });
  assert.throws(() => other.importState('{not json'), InvalidJSONError);
  assert.throws(() => other.importState('{"version": 2}'), (e) => e instanceof InvalidRequest && e.kind === 'invalid-option');
  assert.throws(() => other.importState(JSON.parse(open)), TypeError);
  assert.throws(() => other.exportState({ includeSecrets: 'yes' }), TypeError);
  assert.equal(other.exportState({ includeSecrets: true }), before);
});
