// Owns the tests of request and response hooks through requests.mjs (the component built
// for world `client-with-host`, its hooks import answered by hooks.mjs) against the
// loopback fixture, and of the world `client` build (generated-plain/), which needs no
// hooks (or host-adapters) module at all and refuses hooks as unsupported.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../server.mjs';
import { Session, HookError, HookRequest, HookResponse } from '../requests.mjs';

let server;
let url;
before(async () => {
  server = await startServer();
  url = (path) => server.url + path;
});
after(() => server.close());

/** Sets `X-Signature: <METHOD> <path>` on whatever request it is given, and logs it. */
function signer(log) {
  return (request) => {
    assert.ok(request instanceof HookRequest);
    log.push(`${request.method} ${new URL(request.url).pathname}`);
    request.setHeader('X-Signature', `${request.method} ${new URL(request.url).pathname}`);
  };
}

test('a request hook signs every redirect hop, and the server sees it', () => {
  const s = new Session();
  const log = [];
  s.hooks.request.push(signer(log));
  const r = s.get(url('/redirect/2'));
  assert.equal(r.json().headers['x-signature'], 'GET /get');
  assert.deepEqual(log, ['GET /redirect/2', 'GET /redirect/1', 'GET /get']);
  assert.deepEqual(s.raw.hooks().request.length, 1, 'the component knows one session hook');
});

test('a response hook sees the decoded body and its replacement is the answer', () => {
  const s = new Session();
  const r = s.get(url('/gzip'), {
    hooks: {
      response: (response) => {
        assert.ok(response instanceof HookResponse);
        assert.equal(response.json().gzipped, true, 'the body is decoded for hooks');
        assert.equal(response.request.url, url('/gzip'));
        return new HookResponse({ status: 299, headers: { 'Content-Type': 'text/plain' }, body: 'patched' });
      },
    },
  });
  assert.equal(r.status, 299);
  assert.equal(r.text(), 'patched');
  assert.equal(r.header('content-type'), 'text/plain');
});

test('a request hook can answer from a cache: nothing reaches the server, response hooks still run', () => {
  const s = new Session();
  const seen = [];
  s.hooks.request.push((request) => (request.url.endsWith('/flaky/cache/1')
    ? new HookResponse({ status: 200, headers: [['Set-Cookie', 'cached=yes']], body: '{"from": "cache"}' })
    : undefined));
  s.hooks.response.push((response) => { seen.push(response.status); });
  assert.deepEqual(s.get(url('/flaky/cache/1')).json(), { from: 'cache' });
  assert.deepEqual(seen, [200]);
  assert.equal(s.cookies()[0].name, 'cached', "the answer's cookies are stored");
  s.hooks = { request: [], response: [] };
  // The fixture counts requests per key: the hooked one never arrived.
  assert.equal(s.get(url('/flaky/cache/1')).json().attempt, 1);
});

test("a request's own hooks replace the session's for that request only", () => {
  const s = new Session();
  const log = [];
  s.hooks.request.push(signer(log));
  const tagged = s.get(url('/get'), { hooks: { request: [(request) => { request.headers.push(['X-Tag', 'mine']); }] } });
  assert.equal(tagged.json().headers['x-tag'], 'mine');
  assert.equal(tagged.json().headers['x-signature'], undefined);
  assert.equal(s.get(url('/get')).json().headers['x-signature'], 'GET /get');
  assert.deepEqual(log, ['GET /get']);
});

test('a hook that throws fails the request with HookError caused by what it threw; the session keeps working', () => {
  const s = new Session();
  const boom = new RangeError('no token');
  s.hooks.request.push(() => { throw boom; });
  assert.throws(() => s.get(url('/get')), (e) => {
    assert.ok(e instanceof HookError);
    assert.match(e.message, /^the request hook "s\d+\/session\/request\/0" failed: RangeError: no token$/);
    assert.equal(e.cause, boom);
    return true;
  });
  s.hooks.request.pop();
  assert.equal(s.get(url('/get')).status, 200);
});

test('invalid hook results are HookErrors, never traps', () => {
  const s = new Session();
  const cases = [
    [{ request: (r) => { r.setHeader('X-Bad', 'a\r\nInjected: 1'); } }, /invalid request/],
    [{ request: (r) => { r.url = 'not a url'; } }, /invalid request/],
    [{ response: () => new HookResponse({ status: 70000 }) }, /expected an integer from 0 to 65535/],
    [{ response: () => new HookResponse({ status: 42 }) }, /status 42 is outside 100-999/],
    [{ response: () => ({ status: 200, headers: 'nope' }) }, /headers/],
    [{ response: () => 'a string' }, /must return a HookResponse/],
    [{ request: async () => {} }, /synchronous/],
  ];
  for (const [hooks, message] of cases) {
    assert.throws(() => s.get(url('/get'), { hooks }), (e) => e instanceof HookError && message.test(e.message), String(message));
    assert.equal(s.get(url('/get')).status, 200, 'the session still works');
  }
  assert.throws(() => { s.hooks = { request: ['not a function'] }; }, TypeError);
  assert.throws(() => s.get(url('/get'), { hooks: { sent: [] } }), TypeError);
});

test('a hook that calls back into its own session gets HookError; other sessions work from hooks', () => {
  const s = new Session();
  const other = new Session();
  let inner;
  s.hooks.response.push((response) => {
    if (!response.request.url.endsWith('/get')) return undefined;
    try {
      s.get(url('/headers'));
    } catch (e) {
      inner = e;
    }
    return new HookResponse({ status: 200, body: other.get(url('/json')).text() });
  });
  const r = s.get(url('/get'));
  assert.ok(inner instanceof HookError, String(inner));
  assert.match(inner.message, /running a hook/);
  assert.equal(r.json().slideshow.author, 'Yours Truly', 'the other session answered');
  assert.equal(s.get(url('/headers')).status, 200);
});

test('hooks run on the Digest 401 and on its retry', () => {
  const s = new Session();
  const log = [];
  s.hooks.request.push((request) => { log.push(`-> ${request.header('authorization')?.split(' ')[0] ?? 'none'}`); });
  s.hooks.response.push((response) => { log.push(`<- ${response.status}`); });
  const r = s.get(url('/digest-auth/auth/u/p/SHA-256'), { auth: { digest: ['u', 'p'] } });
  assert.equal(r.status, 200);
  assert.deepEqual(log, ['-> none', '<- 401', '-> Digest', '<- 200']);
});

test('a streamed response reaches hooks unread, and an upload runs its request hooks once', () => {
  const s = new Session();
  let body;
  s.hooks.response.push((response) => { body = response.body; });
  const r = s.get(url('/bytes/5000'), { stream: true });
  assert.equal(body, null);
  assert.equal(r.content().length, 5000);

  const log = [];
  const up = s.startRequest('PUT', url('/anything'), { hooks: { request: signer(log) }, contentLength: 5 });
  up.write('hello');
  const echo = up.finish().json();
  assert.equal(echo.headers['x-signature'], 'PUT /anything');
  assert.equal(echo.data, 'hello');
  assert.deepEqual(log, ['PUT /anything']);
});

test('the world `client` build needs no hooks or adapters module, and refuses hooks and host adapters as unsupported', async () => {
  const plain = await import('../generated-plain/requests.js');
  const s = new plain.session.Session();
  const inherit = {};
  const r = s.get(url('/get'), inherit);
  assert.equal(r.status(), 200);
  assert.throws(() => s.setHooks({ request: ['x'], response: [] }), (e) => e.payload?.kind === 'unsupported'
    && /client-with-host/.test(e.payload.message));
  s.setHooks({ request: [], response: [] });
  assert.equal(s.get(url('/get'), inherit).status(), 200);
  assert.throws(() => plain.types.Adapter.host('mock'), (e) => e.payload?.kind === 'unsupported');
});

test("a prepared request runs the hooks of the moment it was prepared, as in requests", () => {
  const s = new Session();
  const log = [];
  s.hooks.request.push(signer(log));
  const prepared = s.prepareRequest('GET', url('/get'));
  s.hooks.request = [];
  s.hooks.request.push(() => { log.push('later'); });
  assert.equal(s.send(prepared).json().headers['x-signature'], 'GET /get');
  assert.deepEqual(log, ['GET /get']);
});

test('saved state leaves the hooks out; an import keeps the session its own', () => {
  const s = new Session();
  const log = [];
  s.hooks.request.push(signer(log));
  s.get(url('/get'));
  const saved = s.exportState();
  assert.equal('hooks' in JSON.parse(saved), false);
  assert.deepEqual(s.raw.hooks().request.length, 1, 'the component still has them');
  const other = new Session();
  other.importState(saved);
  other.get(url('/get'));
  s.importState(saved);
  assert.equal(s.get(url('/get')).json().headers['x-signature'], 'GET /get');
  assert.deepEqual(log, ['GET /get', 'GET /get']);
});
