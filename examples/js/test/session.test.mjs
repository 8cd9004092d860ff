// Owns the tests of normal session use through requests.mjs against the loopback
// fixture server (server.mjs: host-tests' Rust fixture-server, a child process): headers, auth, params, bodies,
// cookies, redirects, streaming, decoding, prepared requests and mounted adapters.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../server.mjs';
import { Session, Adapter, StreamConsumedError } from '../requests.mjs';

let server;
let url;
before(async () => {
  server = await startServer();
  url = (path) => server.url + path;
});
after(() => server.close());

test('default headers and Basic auth go with every request', () => {
  const s = new Session();
  s.setHeader('X-Demo', 1);
  s.auth = ['demo', 's3cret'];
  assert.deepEqual(s.auth, { username: 'demo', password: 's3cret' });
  assert.ok(s.headers.some(([name, value]) => name === 'X-Demo' && value === '1'));

  const r = s.get(url('/basic-auth/demo/s3cret'));
  assert.equal(r.status, 200);
  assert.deepEqual(r.json(), { authenticated: true, user: 'demo' });

  const echo = s.get(url('/headers')).json().headers;
  assert.equal(echo['x-demo'], '1');
  assert.equal(echo.authorization, 'Basic ' + Buffer.from('demo:s3cret').toString('base64'));
  assert.equal(echo['user-agent'], 'requests-component/0.2.0');
});

test('per-request headers and auth override the session, null removes', () => {
  const s = new Session();
  s.headers = { 'X-Keep': 'k', 'X-Drop': 'd' };
  s.auth = { bearer: 'tok' };
  const echo = s.get(url('/headers'), { headers: { 'x-keep': 'request', 'X-Drop': null } }).json().headers;
  assert.equal(echo['x-keep'], 'request');
  assert.equal(echo['x-drop'], undefined);
  assert.equal(echo.authorization, 'Bearer tok');

  assert.equal(s.get(url('/bearer'), { auth: null }).status, 401);
  assert.equal(s.get(url('/basic-auth/a/b'), { auth: ['a', 'b'] }).status, 200);
});

test('session and request params, repeated names and removal', () => {
  const s = new Session();
  s.params = { session: 's', gone: 'x' };
  const r = s.get(url('/get?pre=1'), { params: { tag: ['a', 'b'], page: 2, gone: null, sp: 'a b&c' } });
  assert.deepEqual(r.json().args, { pre: '1', session: 's', tag: ['a', 'b'], page: '2', sp: 'a b&c' });
  assert.equal(new URL(r.url).searchParams.get('gone'), null);
});

test('JSON, form, text and byte bodies', () => {
  const s = new Session();
  let echo = s.post(url('/post'), { json: { name: 'ü', list: [1, 2], nested: { ok: true } } }).json();
  assert.deepEqual(echo.json, { name: 'ü', list: [1, 2], nested: { ok: true } });
  assert.equal(echo.headers['content-type'], 'application/json');

  echo = s.post(url('/post'), { data: { flavour: 'oat meal', n: [1, 2] } }).json();
  assert.deepEqual(echo.form, [['flavour', 'oat meal'], ['n', '1'], ['n', '2']]);
  assert.equal(echo.headers['content-type'], 'application/x-www-form-urlencoded');

  echo = s.put(url('/put'), { data: 'plain text', headers: { 'Content-Type': 'text/plain' } }).json();
  assert.equal(echo.data, 'plain text');
  assert.equal(echo.method, 'PUT');

  echo = s.patch(url('/patch'), { data: Buffer.from('bytes!') }).json();
  assert.equal(echo.data, 'bytes!');
  assert.equal(echo.headers['content-length'], '6');

  assert.throws(() => s.post(url('/post'), { json: 1, data: 'x' }), TypeError);
  // jco would wrap -1 to 4294967295 ms; the wrapper refuses it.
  assert.throws(() => s.get(url('/get'), { timeout: -1 }), RangeError);
  assert.throws(() => { s.maxRedirects = 2 ** 32; }, RangeError);
  assert.throws(() => s.get(url('/get'), { jsn: 1 }), /unknown option "jsn"/);
});

test('cookies set by the server persist in the jar across requests', () => {
  const s = new Session();
  const r = s.get(url('/cookies/set?flavour=oatmeal&size=large'));
  assert.deepEqual(r.json().cookies, { flavour: 'oatmeal', size: 'large' });
  assert.deepEqual(
    s.cookies().map((c) => [c.name, c.value, c.domain, c.path, c.hostOnly]),
    [['flavour', 'oatmeal', '127.0.0.1', '/', true], ['size', 'large', '127.0.0.1', '/', true]],
  );
  assert.deepEqual(s.get(url('/cookies')).json().cookies, { flavour: 'oatmeal', size: 'large' });

  // Request cookies are sent once and not stored; a hand-set cookie is sent everywhere.
  s.setCookie({ name: 'hand', value: 'made' });
  const sent = s.get(url('/cookies'), { cookies: { once: '1' } }).json().cookies;
  assert.deepEqual(sent, { flavour: 'oatmeal', size: 'large', hand: 'made', once: '1' });
  assert.equal(s.cookies().some((c) => c.name === 'once'), false);

  s.get(url('/cookies/delete?size'));
  assert.deepEqual(s.cookies().map((c) => c.name), ['flavour', 'hand']);
  assert.equal(s.removeCookie('hand'), 1);
  s.clearCookies();
  assert.deepEqual(s.get(url('/cookies')).json().cookies, {});
});

test('redirects are followed and recorded in history', () => {
  const s = new Session();
  const r = s.get(url('/redirect/3'));
  assert.equal(r.status, 200);
  assert.equal(r.url, url('/get'));
  assert.deepEqual(
    r.history.map((h) => [h.status, h.url, h.isRedirect]),
    [[302, url('/redirect/3'), true], [302, url('/redirect/2'), true], [302, url('/redirect/1'), true]],
  );

  const abs = s.get(url('/absolute-redirect/1'));
  assert.equal(abs.url, url('/get'));

  // 303 turns a POST into a GET and drops the body.
  const seeOther = s.post(url('/redirect-to'), { params: { url: '/anything', status_code: 303 }, data: 'x' });
  assert.equal(seeOther.json().method, 'GET');
  assert.equal(seeOther.json().data, '');

  // head does not follow unless asked; allowRedirects: false stops a GET.
  assert.equal(s.head(url('/redirect/1')).status, 302);
  assert.equal(s.head(url('/redirect/1'), { allowRedirects: true }).status, 200);
  const stopped = s.get(url('/redirect/1'), { allowRedirects: false });
  assert.equal(stopped.status, 302);
  assert.equal(stopped.header('location'), '/get');
});

test('a streamed body is read chunk by chunk', () => {
  const s = new Session();
  const n = 100_000;
  const r = s.get(url(`/stream-bytes/${n}?chunk_size=7000`), { stream: true });
  assert.equal(r.status, 200);
  const first = r.readChunk(1000);
  assert.ok(first.length > 0 && first.length <= 1000);
  const chunks = [first, ...r.iterContent(8192)];
  assert.ok(chunks.every((c) => c.length <= 8192));
  const body = Buffer.concat(chunks);
  assert.equal(body.length, n);
  assert.ok(body.every((b, i) => b === i % 251));
  // After the end (null once), the component treats the stream as consumed.
  assert.throws(() => r.readChunk(10), StreamConsumedError);
  assert.throws(() => r.content(), StreamConsumedError);
});

test('gzip bodies are decoded by the component', () => {
  const s = new Session();
  const r = s.get(url('/gzip'));
  assert.equal(r.header('Content-Encoding'), 'gzip');
  assert.equal(r.json().gzipped, true);
  assert.equal(r.json().headers['accept-encoding'], 'gzip, deflate, br, zstd');
});

test('prepared requests can be changed and sent', () => {
  const s = new Session();
  s.setHeader('X-Session', 'yes');
  const p = s.prepareRequest('POST', url('/anything'), { json: { a: 1 } });
  assert.equal(p.method, 'POST');
  assert.ok(p.headers.some(([n, v]) => n === 'X-Session' && v === 'yes'));
  p.method = 'PUT';
  p.body = 'replaced';
  p.setHeader('X-Session', null);
  const echo = s.send(p).json();
  assert.equal(echo.method, 'PUT');
  assert.equal(echo.data, 'replaced');
  assert.equal(echo.headers['x-session'], undefined);
});

test('a scripted adapter answers without a network and records the requests', () => {
  const s = new Session();
  const adapter = Adapter.scripted([
    { status: 200, headers: [['Content-Type', 'application/json']], body: new TextEncoder().encode('{"mock":true}') },
  ]);
  s.mount('mock://', adapter);
  const r = s.post('mock://api/items', { json: { x: 1 } });
  assert.deepEqual(r.json(), { mock: true });
  const [received] = adapter.received();
  assert.equal(received.method, 'POST');
  assert.equal(received.url, 'mock://api/items');
  assert.equal(new TextDecoder().decode(received.body), '{"x":1}');
});
