// Owns the tests of adapters written in JS (host-adapters.mjs, the component's
// `requests:http/host-adapters` import): mock adapters with canned responses, mounted on a
// session, for which the session does cookies, redirects, decoding and retries; the
// settings they are handed (verify, cert, proxy, timeout, stream) exactly as set; bodies in
// pieces (Latin-1 across the interface) both ways; chunked uploads; failures, each naming the
// request's URL; response heads an HTTP parser would refuse. No network at all.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import {
  Session, Adapter, AdapterError, AdapterRequest, ConnectionError, TransportError, HookError, InvalidRequest,
  ProxyError, ReadTimeout, RequestsError, registerAdapter, unregisterAdapter, hostAdapter,
} from '../requests.mjs';
import { openHandles } from '../host-adapters.mjs';

const MiB = 1 << 20;
const FAST = { backoffFactorMs: 1, backoffMaxMs: 1, backoffJitterMs: 0 };

/** A mock adapter: answers `routes[path]` (a response, or a function of the request), records what it got. */
function mock(routes) {
  const received = [];
  return {
    received,
    send(request, settings) {
      received.push({ request, settings });
      const route = routes[new URL(request.url).pathname];
      if (route === undefined) return { status: 404, headers: [['Content-Type', 'text/plain']], body: 'no route' };
      return typeof route === 'function' ? route(request, settings) : route;
    },
  };
}

/** A session that reads nothing from the environment (the machine's CA bundle, proxies). */
function session() {
  const s = new Session();
  s.trustEnv = false;
  return s;
}

test('the session does cookies, redirects and decoding for a JS adapter', () => {
  const adapter = mock({
    '/login': { status: 302, headers: [['Location', '/home'], ['Set-Cookie', 'sid=abc; Path=/']] },
    '/home': (request) => ({
      status: 200,
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      body: zlib.gzipSync(JSON.stringify({ cookie: request.header('cookie') })),
    }),
  });
  const s = session();
  const mounted = s.mount('mock://app/', adapter);
  assert.ok(mounted instanceof Adapter);
  assert.equal(mounted.kind(), 'host');

  const r = s.post('mock://app/login', { data: { user: 'me' } });
  assert.equal(r.status, 200);
  assert.equal(r.url, 'mock://app/home');
  assert.deepEqual(r.history.map((h) => [h.status, h.url]), [[302, 'mock://app/login']]);
  assert.deepEqual(r.json(), { cookie: 'sid=abc' }, 'decoded by the component; the cookie went with the redirect');
  assert.deepEqual(s.cookies().map((c) => [c.name, c.value, c.domain]), [['sid', 'abc', 'app']]);

  const [login, home] = adapter.received.map((entry) => entry.request);
  assert.ok(login instanceof AdapterRequest);
  assert.deepEqual([login.method, login.url, login.body.toString()], ['POST', 'mock://app/login', 'user=me']);
  assert.equal(login.header('content-type'), 'application/x-www-form-urlencoded');
  assert.equal(login.header('user-agent'), 'requests-component/0.2.0');
  assert.deepEqual([home.method, home.body], ['GET', null], 'a 302 after a POST is a GET without a body');

  // The jar goes with later requests too, and the same object mounted again keeps its name.
  s.get('mock://app/home');
  assert.equal(adapter.received.at(-1).request.header('cookie'), 'sid=abc');
  assert.equal(s.mount('mock://other/', adapter).kind(), 'host');
  assert.equal(new Session().mount('mock://', adapter).kind(), 'host');
  assert.equal(openHandles(), 0);
});

test('the adapter receives verify, cert, proxy, timeout and stream exactly as set', () => {
  const adapter = mock({ '/x': { status: 204 } });
  const s = session();
  s.mount('https://mock.test/', adapter);
  const settings = () => adapter.received.at(-1).settings;

  s.get('https://mock.test/x');
  assert.deepEqual({ ...settings() }, {
    timeout: { connectMs: undefined, readMs: undefined }, verify: true, cert: null, proxy: null, stream: false,
  });

  s.verify = '/etc/ca.pem';
  s.cert = ['/client.pem', '/client.key'];
  s.proxies = { https: 'http://user:pw@proxy.test:3128' };
  s.timeout = { connectMs: 1500, readMs: 2500 };
  assert.equal(s.verify, '/etc/ca.pem');
  assert.deepEqual(s.cert, ['/client.pem', '/client.key']);
  s.get('https://mock.test/x');
  assert.deepEqual({ ...settings() }, {
    timeout: { connectMs: 1500, readMs: 2500 },
    verify: '/etc/ca.pem',
    cert: ['/client.pem', '/client.key'],
    proxy: 'http://user:pw@proxy.test:3128',
    stream: false,
  });

  // Per request, every form requests knows: verify=False, cert="/path", a proxy for all.
  s.get('https://mock.test/x', {
    verify: false, cert: '/both.pem', proxies: { https: 'http://other:3128' }, timeout: 700, stream: true,
  });
  assert.deepEqual({ ...settings() }, {
    timeout: { connectMs: 700, readMs: 700 }, verify: false, cert: '/both.pem', proxy: 'http://other:3128', stream: true,
  });
  // As in requests, the session's proxy for the scheme beats the request's for `all`.
  s.get('https://mock.test/x', { proxies: { all: 'http://all:3128' } });
  assert.equal(settings().proxy, 'http://user:pw@proxy.test:3128');

  // PEM text instead of paths, and {path} objects.
  const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const key = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
  s.get('https://mock.test/x', { verify: { data: ca }, cert: { cert: { path: '/c.pem' }, key: { data: key } } });
  assert.deepEqual(settings().verify, { data: ca });
  assert.deepEqual(settings().cert, ['/c.pem', { data: key }]);
  s.verify = true;
  s.cert = null;
  s.get('https://mock.test/x');
  assert.deepEqual([settings().verify, settings().cert], [true, null]);

  // The forms the session gives back can be set again; bad forms are TypeErrors.
  s.cert = { cert: '/c.pem' };
  assert.equal(s.cert, '/c.pem');
  s.verify = { path: '/ca.pem' };
  assert.equal(s.verify, '/ca.pem');
  assert.throws(() => { s.verify = 1; }, TypeError);
  assert.throws(() => { s.cert = ['/only-one']; }, TypeError);
  assert.throws(() => { s.cert = { cert: '/c', pass: 'x' }; }, /unknown option "pass"/);
  assert.throws(() => { s.cert = { data: 'no PEM block' }; }, InvalidRequest, 'the component checks PEM text');
});

test('large bodies cross in pieces, byte for byte, both ways', () => {
  const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const big = Buffer.alloc(3 * MiB + 17);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 256;
  const sha = (data) => crypto.createHash('sha256').update(data).digest('hex');
  const adapter = mock({
    '/every': { status: 200, body: every },
    '/big': { status: 200, body: big },
    '/echo': (request) => ({ status: 200, body: request.body }),
  });
  const s = session();
  s.mount('mock://', adapter);

  assert.deepEqual(Buffer.from(s.get('mock://h/every').content()), every, 'every byte value survives Latin-1');
  assert.equal(sha(s.get('mock://h/big').content()), sha(big));
  assert.deepEqual(Buffer.from(s.post('mock://h/echo', { data: every }).content()), every);
  // Over 1 MiB the body goes as start / write / finish; the adapter gets it whole.
  assert.equal(sha(s.post('mock://h/echo', { data: big }).content()), sha(big));
  // A streamed upload (chunked) too.
  const r = s.put('mock://h/echo', { data: [big.subarray(0, MiB + 1), 'ü', big.subarray(MiB + 1)] });
  const sent = adapter.received.at(-1).request;
  assert.equal(sent.header('content-length'), null);
  assert.equal(sent.body.length, big.length + 2);
  assert.equal(sha(r.content()), sha(Buffer.concat([big.subarray(0, MiB + 1), Buffer.from('ü'), big.subarray(MiB + 1)])));
  assert.equal(openHandles(), 0);
});

test('a chunked upload reaches the adapter with Transfer-Encoding: chunked', () => {
  const adapter = mock({ '/up': { status: 200 } });
  const s = session();
  s.mount('mock://', adapter);
  const up = s.startRequest('POST', 'mock://h/up');
  up.write('chunk');
  up.write(Buffer.from(' two'));
  assert.equal(up.finish().status, 200);
  let sent = adapter.received.at(-1).request;
  assert.equal(sent.header('transfer-encoding'), 'chunked');
  assert.equal(sent.header('content-length'), null);
  assert.equal(sent.body.toString(), 'chunk two', 'the adapter gets the pieces collected');

  // An iterable given as data is an upload of unknown length too; a known length is not chunked.
  s.put('mock://h/up', { data: ['a', 'b'] });
  sent = adapter.received.at(-1).request;
  assert.deepEqual([sent.header('transfer-encoding'), sent.header('content-length')], ['chunked', null]);
  const known = s.startRequest('PUT', 'mock://h/up', { contentLength: 3 });
  known.write('abc');
  known.finish();
  sent = adapter.received.at(-1).request;
  assert.deepEqual([sent.header('transfer-encoding'), sent.header('content-length')], [null, '3']);
  assert.equal(openHandles(), 0);
});

test('a body given as an iterable is pulled only as the session reads it', () => {
  let pulled = 0;
  let closed = false;
  function* pieces(n) {
    try {
      for (let i = 0; i < n; i++) {
        pulled++;
        yield i % 2 ? `piece ${i}\n` : Buffer.from(`piece ${i}\n`);
      }
    } finally {
      closed = true;
    }
  }
  const adapter = mock({ '/lines': () => ({ status: 200, headers: { 'Content-Type': 'text/plain' }, body: pieces(1000) }) });
  const s = session();
  s.mount('mock://', adapter);

  const r = s.get('mock://h/lines', { stream: true });
  assert.equal(adapter.received.at(-1).settings.stream, true);
  assert.equal(pulled, 0, 'streamed: nothing is pulled with the head');
  assert.equal(r.readLine(), 'piece 0');
  assert.ok(pulled > 0 && pulled < 10, `pulled ${pulled}`);
  // Dropping the response unread releases the body: the generator is closed.
  r[Symbol.dispose]();
  assert.ok(closed);
  assert.equal(openHandles(), 0);

  pulled = 0;
  closed = false;
  const whole = s.get('mock://h/lines');
  assert.equal(whole.text().split('\n').length, 1001);
  assert.deepEqual([pulled, closed], [1000, true]);
  assert.equal(openHandles(), 0);
});

test('failures become the RequestsError of their kind, caused by what the adapter threw', () => {
  const errors = {
    '/refused': new AdapterError('connection-refused', 'nobody listens'),
    '/proxy': new AdapterError('proxy', 'the proxy said 407'),
    '/slow': new AdapterError('read-timeout', 'no answer in time'),
    '/node': Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    '/bug': new TypeError('undefined is not a function'),
  };
  const routes = Object.fromEntries(Object.entries(errors).map(([path, error]) => [path, () => { throw error; }]));
  routes['/ok'] = { status: 200, body: 'fine' };
  const s = session();
  s.mount('mock://', mock(routes));
  const failure = (path) => {
    try {
      s.get(`mock://h${path}`);
    } catch (e) {
      assert.equal(s.get('mock://h/ok').text(), 'fine', 'the session still works');
      return e;
    }
    assert.fail(`${path} did not fail`);
  };

  let e = failure('/refused');
  assert.ok(e instanceof ConnectionError && e.kind === 'connection-refused');
  assert.equal(e.cause, errors['/refused']);
  assert.equal(e.url, 'mock://h/refused');
  assert.match(e.message, /nobody listens.*mock:\/\/h\/refused/);
  e = failure('/proxy');
  assert.ok(e instanceof ProxyError && e instanceof ConnectionError && e.kind === 'proxy');
  assert.equal(e.url, 'mock://h/proxy');
  e = failure('/slow');
  assert.ok(e instanceof ReadTimeout);
  assert.equal(e.url, 'mock://h/slow');
  e = failure('/node');
  assert.ok(e instanceof ConnectionError && e.kind === 'connection-refused', 'a Node error code is told apart');
  assert.equal(e.cause, errors['/node']);
  assert.equal(e.url, 'mock://h/node');
  e = failure('/bug');
  assert.ok(e instanceof TransportError);
  assert.equal(e.code, 'host-adapter');
  assert.match(e.message, /TypeError: undefined is not a function/);
  assert.equal(e.cause, errors['/bug']);
  assert.equal(e.url, 'mock://h/bug', 'every failure names the URL, not only network ones');

  // A body that fails while the session reads it: that failure names the URL too.
  const cut = new AdapterError('connection', 'cut off');
  s.mount('mock://cut/', mock({
    '/midway': () => ({ status: 200, body: (function* () { yield 'first'; throw cut; })() }),
  }));
  const r = s.get('mock://cut/midway', { stream: true });
  assert.equal(r.status, 200);
  assert.throws(() => r.content(), (err) => {
    assert.ok(err instanceof ConnectionError && err.kind === 'connection', String(err));
    assert.equal(err.cause, cut);
    assert.equal(err.url, 'mock://cut/midway');
    return true;
  });
  assert.equal(openHandles(), 0);
  assert.throws(() => new AdapterError('nope', 'x'), TypeError);
});

test('what an adapter returns is checked; the component decides the rest', () => {
  const routes = {
    '/wrapping': { status: 70000 },
    '/status': { status: 42 },
    '/headers': { status: 200, headers: 'nope' },
    '/body': { status: 200, body: 42 },
    '/promise': () => Promise.resolve({ status: 200 }),
    '/nothing': () => undefined,
  };
  const s = session();
  s.mount('mock://', mock(routes));
  for (const [path, message] of [
    ['/wrapping', /expected an integer from 0 to 65535/],
    ['/status', /outside 100-999/],
    ['/headers', /response\.headers/],
    ['/body', /response body: expected a string, bytes/],
    ['/promise', /returned a promise/],
    ['/nothing', /must return \{status, headers, body\}/],
  ]) {
    assert.throws(() => s.get(`mock://h${path}`), (e) => {
      assert.ok(e instanceof TransportError && message.test(e.message), `${path}: ${e}`);
      assert.equal(e.url, `mock://h${path}`, path);
      return true;
    }, path);
  }
  assert.equal(openHandles(), 0);
});

test('a response head an HTTP parser would refuse is a transport error (HTTP-protocol-error) naming the URL', () => {
  let body;
  function* unread() {
    yield 'never';
    yield ' read';
  }
  const routes = {
    '/low': { status: 42 },
    '/high': { status: 1000 },
    '/crlf': { status: 200, headers: [['X-Note', 'a\r\nSet-Cookie: injected=1; Path=/']] },
    '/lf': { status: 200, headers: { 'X-Note': 'a\nb' } },
    '/cr': { status: 200, headers: { 'X-Note': 'a\rb' } },
    '/nul': { status: 200, headers: { 'X-Note': 'a\0b' } },
    '/del': { status: 200, headers: { 'X-Note': 'a\x7fb' } },
    '/space-name': { status: 200, headers: [['Bad Name', 'v']] },
    '/colon-name': { status: 200, headers: [['X-A:B', 'v']] },
    '/empty-name': { status: 200, headers: [['', 'v']] },
    '/body-left': () => ({ status: 200, headers: [['X-Note', 'a\r\nb']], body: (body = unread()) }),
    '/fine': { status: 999, headers: [['X-Note', 'tab\tand "quotes", ü']], body: 'ok' },
    '/echo-bad': (request) => ({ status: 200, headers: [['X-Len', `${request.body.length}\r\n`]] }),
    '/upload-bad': { status: 1000 },
  };
  const s = session();
  s.mount('mock://', mock(routes));
  const protocolError = (path, message) => (e) => {
    assert.ok(e instanceof TransportError, `${path}: ${e}`);
    assert.equal(e.kind, 'transport', path);
    assert.equal(e.code, 'HTTP-protocol-error', path);
    assert.match(e.message, message, path);
    assert.equal(e.url, `mock://h${path}`, path);
    return true;
  };
  for (const path of ['/low', '/high']) {
    assert.throws(() => s.get(`mock://h${path}`), protocolError(path, /outside 100-999/), path);
  }
  for (const path of ['/crlf', '/lf', '/cr', '/nul', '/del', '/space-name', '/colon-name', '/empty-name']) {
    assert.throws(() => s.get(`mock://h${path}`), protocolError(path, /invalid header/), path);
  }
  assert.deepEqual(s.cookies(), [], 'a header smuggled in by CR/LF is not taken as Set-Cookie');

  // A body that came with the refused head is released (its iterator closed), streamed or not.
  for (const stream of [false, true]) {
    assert.throws(() => s.get('mock://h/body-left', { stream }), protocolError('/body-left', /invalid header/));
    assert.deepEqual(body.next(), { value: undefined, done: true }, `stream: ${stream}`);
    assert.equal(openHandles(), 0);
  }

  // The edges that are allowed: status 999, a tab, quotes and non-ASCII in a value.
  const fine = s.get('mock://h/fine');
  assert.equal(fine.status, 999);
  assert.equal(fine.header('x-note'), 'tab\tand "quotes", ü');
  assert.equal(fine.text(), 'ok');

  // The head of an upload's response is checked too: a body over 1 MiB (start / write /
  // finish) and a startRequest upload.
  const big = Buffer.alloc(MiB + 1, 0x61);
  assert.throws(() => s.post('mock://h/echo-bad', { data: big }), protocolError('/echo-bad', /invalid header/));
  const up = s.startRequest('PUT', 'mock://h/upload-bad');
  up.write('x');
  assert.throws(() => up.finish(), protocolError('/upload-bad', /outside 100-999/));
  assert.equal(s.get('mock://h/fine').status, 999, 'the session still works');
  assert.equal(openHandles(), 0);
});

test('a connection failure through a JS adapter is retried; POST too', () => {
  let calls = 0;
  const s = session();
  s.mount('mock://', {
    send() {
      calls++;
      if (calls % 3) throw new AdapterError('connection-refused', `attempt ${calls}`);
      return { status: 200, body: `attempt ${calls}` };
    },
  });
  s.retries = { total: 2, ...FAST };
  assert.equal(s.get('mock://h/').text(), 'attempt 3');
  assert.equal(s.post('mock://h/', { data: 'x' }).text(), 'attempt 6');
  s.retries = { total: 1, ...FAST };
  assert.throws(() => s.get('mock://h/'), (e) => e instanceof ConnectionError && e.cause.message === 'attempt 8');
});

test('registerAdapter and hostAdapter name an adapter; an unregistered name fails the request', () => {
  const s = session();
  registerAdapter('named', { send: (request) => ({ status: 200, body: `named ${request.method}` }) });
  const adapter = hostAdapter('named');
  assert.equal(adapter.kind(), 'host');
  s.mount('named://', adapter);
  assert.equal(s.delete('named://x/').text(), 'named DELETE');
  // Replacing the registration changes what the mounted adapter sends through.
  registerAdapter('named', { send: () => ({ status: 201 }) });
  assert.equal(s.get('named://x/').status, 201);
  assert.equal(unregisterAdapter('named'), true);
  assert.equal(unregisterAdapter('named'), false);
  assert.throws(() => s.get('named://x/'), (e) => e instanceof TransportError && /no adapter is registered as "named"/.test(e.message) && e.url === 'named://x/');

  assert.throws(() => hostAdapter(''), (e) => e instanceof InvalidRequest && e.kind === 'invalid-option', 'the component refuses an empty name');
  assert.throws(() => registerAdapter('x', {}), TypeError);
  assert.throws(() => s.mount('bad://', { sned() {} }), TypeError);
  // A request to a prefix nothing is mounted on is still the component's InvalidSchema.
  assert.throws(() => s.get('nothing://x/'), (e) => e instanceof RequestsError && e.kind === 'invalid-schema');
});

test('an adapter that calls back into its own session gets HookError; hooks run for its requests', () => {
  const s = session();
  let inner;
  s.mount('mock://', {
    send(request) {
      if (request.url.endsWith('/reenter')) {
        try {
          s.get('mock://h/plain');
        } catch (e) {
          inner = e;
        }
      }
      return { status: 200, body: request.header('x-hooked') ?? 'none' };
    },
  });
  assert.equal(s.get('mock://h/reenter').status, 200);
  assert.ok(inner instanceof HookError, String(inner));
  s.hooks.request.push((request) => request.setHeader('X-Hooked', 'yes'));
  assert.equal(s.get('mock://h/plain').text(), 'yes');
});
