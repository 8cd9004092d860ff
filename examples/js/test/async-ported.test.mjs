// Owns the synchronous suite's cases run again through the Promise API (index.mjs) with its
// default transport (Node's http, transport.mjs), against the loopback fixture server: where
// the transport or the worker could change what the session does (several sends per request:
// retries, Digest, redirects; encoded bodies; Set-Cookie lines; large bodies both ways;
// errors and their heads; settings; redaction on this thread).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { startServer } from '../server.mjs';
import {
  Session, RetryError, ConnectionError, HTTPError, ContentDecodingError, SessionClosed, MissingSchema,
  InvalidHeader, ResponseHead, TooManyRedirects,
} from '../index.mjs';

let server;
let url;
before(async () => {
  server = await startServer();
  url = (path) => server.url + path;
});
after(() => server.close());

const FAST = { backoffFactorMs: 0, backoffJitterMs: 0 };

test('every Set-Cookie line is its own header and every cookie is stored', async () => {
  const lines = ['plain=1; Path=/', 'secret=3; Path=/; HttpOnly', 'aged=4; Max-Age=3600; Path=/', 'gone=5; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT'];
  const s = new Session();
  const r = await s.get(url('/response-headers'), { params: [...lines.map((line) => ['Set-Cookie', line]), ['X-Multi', 'one'], ['X-Multi', 'two']] });
  assert.deepEqual(r.headerAll('set-cookie'), lines);
  assert.deepEqual(r.headerAll('x-multi'), ['one', 'two']);
  assert.equal(r.header('x-multi'), 'one, two');
  assert.deepEqual((await r.cookies()).map((c) => c.name).sort(), ['aged', 'plain', 'secret']);
  assert.deepEqual((await s.cookies()).map((c) => c.name).sort(), ['aged', 'plain', 'secret']);
});

test('retries: a flaky endpoint succeeds, a forcelisted 503 ends in RetryError, a refused connection in ConnectionError', async () => {
  const s = new Session();
  await s.configure({ retries: { total: 3, statusForcelist: [502, 503], ...FAST } });
  const r = await s.get(url('/flaky/async-get-ok/3'));
  assert.deepEqual(await r.json(), { key: 'async-get-ok', attempt: 4, method: 'GET' });
  assert.deepEqual(await r.history(), []);
  const redirected = await s.get(url(`/redirect-to?url=${encodeURIComponent('/flaky/async-after-redirect/1')}`));
  assert.deepEqual([redirected.status, (await redirected.json()).attempt, (await redirected.history()).length], [200, 2, 1]);
  await s.configure({ retries: { total: 2, statusForcelist: [503], ...FAST } });
  const e = await s.get(url('/status/503')).catch((error) => error);
  assert.ok(e instanceof RetryError, String(e));
  assert.match(e.message, /^Max retries exceeded with url: .*\/status\/503/);
  const refused = await s.post('http://127.0.0.1:9/', { json: {} }).catch((error) => error);
  assert.ok(refused instanceof ConnectionError && !(refused instanceof RetryError), String(refused));
  assert.equal(refused.kind, 'connection-refused');
});

test('Digest auth answers the challenge over the transport', async () => {
  const s = new Session();
  await s.configure({ auth: { digest: ['user', 'passwd'] } });
  const r = await s.get(url('/digest-auth/auth/user/passwd'));
  assert.equal(r.status, 200);
  assert.equal((await r.json()).authenticated, true);
});

test('encoded bodies are decoded by the component, small and large; a bomb is ContentDecodingError', async () => {
  const s = new Session();
  for (const [path, flag] of [['/gzip', 'gzipped'], ['/deflate', 'deflated'], ['/brotli', 'brotli'], ['/zstd', 'zstd']]) {
    assert.equal((await (await s.get(url(path))).json())[flag], true, path);
  }
  const big = await (await s.get(url('/brotli?pad=3000000'))).json();
  assert.equal(big.pad.length, 3000000);
  await s.configure({ maxBodySize: 100 });
  await assert.rejects(s.get(url('/gzip')), (e) => e instanceof ContentDecodingError && /exceeds 100 bytes/.test(e.message));
});

test('a 50 MiB body goes down and up, and the session works afterwards', async () => {
  const s = new Session();
  const size = 50 * 1024 * 1024;
  const down = await (await s.get(url(`/bytes/${size}`))).content();
  assert.equal(down.length, size);
  assert.equal(down[size - 1], (size - 1) % 251);
  const up = await (await s.put(url('/upload'), { data: down })).json();
  assert.equal(up.body_len, size);
  assert.equal(up.sha256, createHash('sha256').update(down).digest('hex'));
  assert.equal((await s.get(url('/get'))).status, 200);
});

test('errors carry their heads; errorForStatus; a closed session says SessionClosed', async () => {
  const s = new Session();
  await assert.rejects(s.get('example.invalid/x'), MissingSchema);
  await assert.rejects(s.get(url('/get'), { headers: { 'X-Bad': 'a\r\nb' } }), InvalidHeader);
  await s.configure({ maxRedirects: 1 });
  const many = await s.get(url('/redirect/3')).catch((e) => e);
  assert.ok(many instanceof TooManyRedirects);
  assert.ok(many.response instanceof ResponseHead);
  assert.equal(many.response.status, 302);
  await s.configure({ errorForStatus: true, maxRedirects: 30 });
  const e = await s.get(url('/status/404')).catch((error) => error);
  assert.ok(e instanceof HTTPError);
  assert.equal(e.status, 404);
  assert.ok(e.response instanceof ResponseHead);
  await s.close();
  await assert.rejects(s.get(url('/get')), SessionClosed);
  assert.equal((await s.settings()).closed, true);
});

test('settings: baseUrl, params, links, exportState / importState', async () => {
  const s = new Session();
  await s.configure({ baseUrl: new URL(url('/anything/')), params: { a: '1' } });
  const echo = await (await s.get('x', { params: { b: '2' } })).json();
  assert.equal(echo.path, '/anything/x');
  assert.deepEqual(echo.args_list, [['a', '1'], ['b', '2']]);
  const links = await (await s.get(url('/link'))).links();
  assert.ok(links.next.url.startsWith('http'));
  await s.get(url('/cookies/set?k=v'));
  const state = await s.exportState();
  const other = new Session();
  await other.importState(state);
  assert.deepEqual((await other.cookies()).map((c) => [c.name, c.value]).sort(), [['a', '1'], ['k', 'v']]);
  assert.equal((await other.settings()).baseUrl, url('/anything/'));
});

test('what crosses to this thread prints redacted and keeps its values', async () => {
  const s = new Session();
  await s.configure({ auth: { bearer: 'tok-secret' } });
  const r = await s.get(url('/get'));
  const sent = await r.request();
  assert.equal(sent.header('authorization'), 'Bearer tok-secret');
  assert.ok(!inspect(sent.headers).includes('tok-secret'));
  const settings = await s.settings();
  assert.deepEqual(settings.auth, { bearer: 'tok-secret' });
  assert.ok(!inspect(settings, { depth: 5 }).includes('tok-secret'));
  await s.configure({ auth: ['user', 'pw-secret'], proxies: { http: 'http://me:proxy-secret@127.0.0.1:9' }, cert: { data: '-----BEGIN PRIVATE KEY-----\nPEM-SECRET\n-----END PRIVATE KEY-----\n' } });
  const again = await s.settings();
  assert.equal(again.auth.password, 'pw-secret');
  for (const value of [again, await s.mergeEnvironmentSettings(url('/get'))]) {
    const printed = inspect(value, { depth: 5 }) + JSON.stringify(value);
    for (const secret of ['pw-secret', 'proxy-secret', 'PEM-SECRET']) assert.ok(!printed.includes(secret), `${secret} in ${printed}`);
  }
  assert.ok(!JSON.stringify(sent.headers).includes('tok-secret'));
});

test('prepared requests are changed and sent; files and multipart go up', async () => {
  const s = new Session();
  const p = await s.prepareRequest('POST', url('/post'), { data: 'x' });
  await p.update({ body: 'changed' });
  await p.setHeader('X-Prepared', '1');
  const echo = await (await s.send(p)).json();
  assert.equal(echo.data, 'changed');
  assert.equal(echo.headers['x-prepared'], '1');
  const files = await (await s.post(url('/post'), { data: { title: 't' }, files: { doc: ['n.txt', 'text', 'text/plain'] } })).json();
  assert.ok(files.files.doc !== undefined || JSON.stringify(files).includes('n.txt'));
});
