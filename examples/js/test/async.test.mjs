// Owns the tests of the Promise API (index.mjs: the component in a worker thread) against the
// loopback fixture server (server.mjs, a child process) with the default transport
// (transport.mjs, Node's http) and with wasi:http: the event loop keeps running during a
// request, bodies, streaming both ways, hooks and adapters on this thread, errors.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { startServer } from '../server.mjs';
import {
  Session, HookResponse, HookError, ConnectionError, HTTPError, ReadTimeout, AdapterError, JSONDecodeError,
  TooManyRedirects, SSLError, BodyTooLarge, InvalidRequest, StreamConsumedError, ProxyError, ConnectTimeout,
} from '../index.mjs';

let server;
let url;
before(async () => {
  server = await startServer();
  url = (path) => server.url + path;
});
after(() => server.close());

for (const transport of ['node', 'wasi-http']) {
  test(`${transport}: the event loop keeps running while a slow request is in flight`, { timeout: 30000 }, async () => {
    // The server runs on this thread and answers only after a timer of this thread has fired
    // five times during the request: with the event loop blocked by the request, neither could
    // run and the request would never end (no duration is measured).
    let ticks = 0;
    let answer;
    const local = http.createServer((req, res) => {
      answer = () => res.end('answered');
    });
    await new Promise((resolve) => local.listen(0, '127.0.0.1', resolve));
    const s = new Session({ transport });
    const delay = monitorEventLoopDelay({ resolution: 1 });
    const timer = setInterval(() => {
      if (answer !== undefined && ++ticks === 5) answer();
    }, 10);
    delay.enable();
    try {
      const r = await s.get(`http://127.0.0.1:${local.address().port}/slow`);
      assert.equal(await r.text(), 'answered');
      // (the timer may fire again before the answer reaches this thread)
      assert.ok(ticks >= 5, `${ticks} ticks`);
    } finally {
      clearInterval(timer);
      delay.disable();
      local.closeAllConnections();
      await new Promise((resolve) => local.close(resolve));
    }
    test.diagnostic?.(`event-loop delay during the request: max ${(delay.max / 1e6).toFixed(1)} ms, mean ${(delay.mean / 1e6).toFixed(2)} ms`);
  });

  test(`${transport}: GET with params, headers, auth; JSON; cookies across a redirect`, async () => {
    const s = new Session({ transport });
    await s.setHeader('X-Demo', 1);
    await s.configure({ auth: ['demo', 's3cret'] });
    const r = await s.get(url('/basic-auth/demo/s3cret'));
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { authenticated: true, user: 'demo' });
    const echo = await (await s.get(url('/get'), { params: { q: 'a b' }, headers: { 'X-Call': 'c' } })).json();
    assert.equal(echo.args.q, 'a b');
    assert.equal(echo.headers['x-demo'], '1');
    assert.equal(echo.headers['x-call'], 'c');
    const jar = await s.get(url('/cookies/set?k=v'));
    assert.equal(jar.url, url('/cookies'));
    assert.deepEqual((await jar.json()).cookies, { k: 'v' });
    assert.equal((await jar.history()).length, 1);
    assert.deepEqual((await s.cookies()).map((c) => [c.name, c.value]), [['k', 'v']]);
    const settings = await s.settings();
    assert.deepEqual(settings.auth, { username: 'demo', password: 's3cret' });
  });

  test(`${transport}: POST JSON and form; text, content and errors of the body`, async () => {
    const s = new Session({ transport });
    const echo = await (await s.post(url('/post'), { json: { a: [1, 'é'] } })).json();
    assert.deepEqual(echo.json, { a: [1, 'é'] });
    const form = await (await s.post(url('/post'), { data: { x: '1', y: '2' } })).json();
    assert.deepEqual(form.form, [['x', '1'], ['y', '2']]);
    const bytes = await (await s.get(url('/bytes/1000'))).content();
    assert.equal(bytes.length, 1000);
    assert.equal(bytes[300], 300 % 251);
    const notJson = await s.get(url('/not-json'));
    await assert.rejects(notJson.json(), JSONDecodeError);
    assert.equal(typeof await notJson.text(), 'string');
  });

  test(`${transport}: streamed bodies by chunks and by lines`, async () => {
    const s = new Session({ transport });
    const r = await s.get(url('/stream-bytes/300000?chunk_size=7000'), { stream: true });
    assert.equal(r.bodySize, null);
    let size = 0;
    let max = 0;
    for await (const chunk of r.iterContent(65536)) {
      size += chunk.length;
      max = Math.max(max, chunk.length);
    }
    assert.equal(size, 300000);
    assert.ok(max <= 65536);
    const lines = [];
    for await (const line of (await s.get(url('/lines'), { stream: true })).iterLines()) lines.push(line);
    assert.deepEqual(lines, ['alpha', 'beta', '', 'gamma café', 'last']);
  });

  test(`${transport}: uploads from an async generator, a Node stream and startRequest`, async () => {
    const s = new Session({ transport });
    const pieces = Array.from({ length: 20 }, (_, i) => Buffer.alloc(10000, i));
    const sha = createHash('sha256').update(Buffer.concat(pieces)).digest('hex');
    async function* generate() {
      for (const piece of pieces) {
        await new Promise((resolve) => setImmediate(resolve));
        yield piece;
      }
    }
    const chunked = await (await s.put(url('/upload'), { data: generate() })).json();
    assert.equal(chunked.body_len, 200000);
    assert.equal(chunked.sha256, sha);
    assert.equal(chunked.transfer_encoding, 'chunked');
    const streamed = await (await s.post(url('/upload'), { data: Readable.from(pieces), contentLength: 200000 })).json();
    assert.equal(streamed.sha256, sha);
    assert.equal(streamed.content_length, '200000');
    const up = await s.startRequest('POST', url('/upload'), { contentLength: 5 });
    await up.write('he');
    await up.write(new Uint8Array([108, 108, 111]));
    const done = await (await up.finish()).json();
    assert.equal(done.sha256, createHash('sha256').update('hello').digest('hex'));
  });

  test(`${transport}: hooks are functions of this thread, sync or async`, async () => {
    const s = new Session({ transport });
    const seen = [];
    s.hooks.request.push(async (req) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      req.setHeader('X-Signed', `sig:${req.method}`);
    });
    s.hooks.response.push((res) => { seen.push(res.status); });
    const echo = await (await s.get(url('/redirect/1'))).json();
    assert.equal(echo.headers['x-signed'], 'sig:GET');
    assert.deepEqual(seen, [302, 200]);
    const cached = await s.get(url('/get'), { hooks: { request: () => new HookResponse({ status: 203, body: 'cached' }) } });
    assert.equal(cached.status, 203);
    assert.equal(await cached.text(), 'cached');
    const boom = new Error('no signature');
    const error = await s.get(url('/get'), { hooks: { request: () => { throw boom; } } }).catch((e) => e);
    assert.ok(error instanceof HookError, String(error));
    assert.equal(error.cause, boom);
  });

  test(`${transport}: errors are RequestsError subclasses`, async () => {
    const s = new Session({ transport });
    const refused = await s.get('http://127.0.0.1:9/').catch((e) => e);
    assert.ok(refused instanceof ConnectionError, String(refused));
    assert.equal(refused.kind, 'connection-refused');
    const r = await s.get(url('/status/418'));
    assert.throws(() => r.raiseForStatus(), (e) => e instanceof HTTPError && e.response === r && e.status === 418);
    await s.configure({ maxRedirects: 2 });
    await assert.rejects(s.get(url('/redirect/5')), TooManyRedirects);
    // The session keeps working.
    assert.equal((await s.get(url('/get'))).status, 200);
  });
}

test('node transport: repeated response headers stay apart; the read timeout holds before the head', async () => {
  const s = new Session();
  const r = await s.get(url('/set-cookie-multi'), { allowRedirects: false });
  assert.equal(r.headerAll('set-cookie').length, 3);
  const slow = await s.get(url('/delay/2000'), { timeout: { connectMs: 5000, readMs: 200 } }).catch((e) => e);
  assert.ok(slow instanceof ReadTimeout, String(slow));
});

test('node transport: a body over 1 MiB stays on this thread (read here), within maxBodySize; an encoded one is decoded', async () => {
  const s = new Session();
  const big = await s.get(url('/bytes/3000000'));
  assert.equal(big.bodySize, 3000000); // read on this thread before the request resolved
  const bytes = await big.content();
  assert.equal(bytes.length, 3000000);
  assert.equal(bytes[2999999], 2999999 % 251);
  assert.equal(big.bodySize, 3000000);
  const lines = [];
  for await (const line of (await s.get(url('/lines/200000?chunk_size=5000'))).iterLines()) lines.push(line);
  assert.equal(lines.length, 200000);
  assert.equal(lines[199999], 'line 199999');
  const gzip = await (await s.get(url('/gzip?pad=2000000'))).json();
  assert.equal(gzip.gzipped, true);
  assert.equal(gzip.pad.length, 2000000);
  let chunks = 0;
  for await (const chunk of big.iterContent(1 << 20)) chunks += chunk.length;
  assert.equal(chunks, 3000000);
  await s.configure({ maxBodySize: 2_000_000 });
  const error = await s.get(url('/bytes/3000000')).catch((e) => e);
  assert.ok(error instanceof BodyTooLarge, String(error));
  assert.match(error.message, /exceeds 2000000 bytes/);
  // Streamed, nothing is held: chunks are fine, content() is not.
  let streamed = 0;
  for await (const chunk of (await s.get(url('/bytes/3000000'), { stream: true })).iterContent()) streamed += chunk.length;
  assert.equal(streamed, 3000000);
  await assert.rejects((await s.get(url('/bytes/3000000'), { stream: true })).content(), BodyTooLarge);
  const partly = await s.get(url('/bytes/300000'), { stream: true });
  assert.equal((await partly.readChunk(10)).length, 10);
  await assert.rejects(partly.content(), (e) => e instanceof StreamConsumedError && /already consumed/.test(e.message));
  assert.equal((await (await s.get(url('/bytes/10'))).content()).length, 10);
});

test('node transport: an upload goes to the connection piece by piece, within its announced length', async () => {
  const s = new Session();
  const piece = Buffer.alloc(1 << 20, 7);
  const up = await s.startRequest('PUT', url('/upload'), { contentLength: 3 * piece.length });
  for (let i = 0; i < 3; i++) await up.write(piece);
  assert.equal(await up.written(), 3 * piece.length);
  const done = await (await up.finish()).json();
  assert.equal(done.body_len, 3 * piece.length);
  assert.equal(done.sha256, createHash('sha256').update(Buffer.concat([piece, piece, piece])).digest('hex'));
  const over = await s.startRequest('PUT', url('/upload'), { contentLength: 2 });
  await assert.rejects(over.write('abc'), (e) => e instanceof InvalidRequest && /Content-Length 2; 3 bytes is more/.test(e.message));
  over.abort();
  const short = await s.startRequest('PUT', url('/upload'), { contentLength: 5 });
  await short.write('ab');
  await assert.rejects(short.finish(), (e) => e instanceof InvalidRequest && /but 2 bytes were written/.test(e.message));
  assert.equal((await s.get(url('/get'))).status, 200);
});

test('concurrent requests from several sessions; a hook that calls into its own worker, or one waiting on it, fails instead of waiting for ever', { timeout: 30000 }, async () => {
  const a = new Session();
  const b = new Session();
  const own = new Session({ worker: 'own' });
  const all = await Promise.all(Array.from({ length: 12 }, (_, i) => [a, b, own][i % 3].get(url(`/get?i=${i}`))));
  const echoes = await Promise.all(all.map((r) => r.json()));
  assert.deepEqual(echoes.map((e) => e.args.i), Array.from({ length: 12 }, (_, i) => String(i)));
  const error = await a.get(url('/get'), { hooks: { request: async () => { await b.get(url('/get')); } } }).catch((e) => e);
  assert.ok(error instanceof HookError, String(error));
  assert.match(error.cause.message, /worker: 'own'/);
  // A session of another worker is fine from a hook.
  const fine = await a.get(url('/get'), { hooks: { request: async (req) => { req.setHeader('X-Other', (await own.get(url('/get'))).status); } } });
  assert.equal((await fine.json()).headers['x-other'], '200');
  // Through another worker and back: the hook of `own` (run for a's hook) calls a's worker.
  const back = await a.get(url('/get'), {
    hooks: { request: async () => { await own.get(url('/get'), { hooks: { request: async () => { await b.get(url('/get')); } } }); } },
  }).catch((e) => e);
  assert.ok(back instanceof HookError, String(back));
  assert.ok(back.cause instanceof HookError, String(back.cause));
  assert.match(back.cause.cause.message, /worker: 'own'/);
});

test('node transport: the read timeout holds between body bytes; a refused proxy is ProxyError', async () => {
  const s = new Session();
  // 5 bytes, 400 ms before each: the head comes at once, the body stalls.
  const stalled = await s.get(url('/drip?numbytes=5&delay_ms=400&chunks=5'), { timeout: { connectMs: 5000, readMs: 150 } }).catch((e) => e);
  assert.ok(stalled instanceof ReadTimeout, String(stalled));
  const streamed = await s.get(url('/drip?numbytes=5&delay_ms=400&chunks=5'), { stream: true, timeout: { connectMs: 5000, readMs: 150 } });
  await assert.rejects(streamed.content(), ReadTimeout);
  // Slow but within the timeout between bytes: fine.
  const slow = await s.get(url('/drip?numbytes=3&delay_ms=50&chunks=3'), { timeout: { connectMs: 5000, readMs: 1000 } });
  assert.equal((await slow.content()).length, 3);
  for (const proxies of [{ http: 'http://127.0.0.1:9' }, { https: 'http://127.0.0.1:9' }]) {
    const p = new Session();
    await p.configure({ proxies, trustEnv: false });
    const target = proxies.http ? url('/get') : 'https://127.0.0.1:1/';
    const error = await p.get(target).catch((e) => e);
    assert.ok(error instanceof ProxyError, `${JSON.stringify(proxies)}: ${error}`);
  }
});

test('node transport: requests of a session reuse one keep-alive connection', async () => {
  let connections = 0;
  const local = http.createServer((req, res) => {
    req.resume();
    res.setHeader('Content-Type', 'application/json');
    res.end(req.url === '/big' ? JSON.stringify({ pad: 'x'.repeat(200_000) }) : '{"ok": true}');
  });
  local.on('connection', () => connections++);
  await new Promise((resolve) => local.listen(0, '127.0.0.1', resolve));
  try {
    const s = new Session();
    const base = `http://127.0.0.1:${local.address().port}`;
    for (let i = 0; i < 10; i++) assert.deepEqual(await (await s.get(`${base}/small`)).json(), { ok: true });
    for (let i = 0; i < 3; i++) assert.equal((await (await s.get(`${base}/big`)).json()).pad.length, 200_000);
    for await (const chunk of (await s.get(`${base}/big`, { stream: true })).iterContent()) assert.ok(chunk.length);
    await (await s.post(`${base}/small`, { data: 'x' })).json();
    assert.equal(connections, 1);
  } finally {
    local.closeAllConnections();
    await new Promise((resolve) => local.close(resolve));
  }
});

test('an adapter of this thread may be async; its AdapterError is the cause', async () => {
  const s = new Session();
  const down = new AdapterError('connection-refused', 'down for maintenance');
  await s.mount('mock://', {
    async send(request) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (request.url.endsWith('/down')) throw down;
      async function* body() { yield '{"mock": '; yield 'true}'; }
      return { status: 200, headers: { 'Content-Type': 'application/json' }, body: body() };
    },
  });
  assert.deepEqual(await (await s.get('mock://x/')).json(), { mock: true });
  const error = await s.get('mock://x/down').catch((e) => e);
  assert.ok(error instanceof ConnectionError);
  assert.equal(error.cause, down);
});

test('node transport: an http proxy on this thread gets absolute-form requests with its credentials', async () => {
  const seen = [];
  const proxy = http.createServer((req, res) => {
    seen.push([req.url, req.headers['proxy-authorization']]);
    const target = new URL(req.url);
    const upstream = http.request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode, up.rawHeaders);
      up.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  try {
    const s = new Session();
    await s.configure({ proxies: { http: `http://user:pw@127.0.0.1:${proxy.address().port}` }, trustEnv: false });
    const r = await s.get(url('/get?via=proxy'));
    assert.equal((await r.json()).args.via, 'proxy');
    assert.equal(seen[0][0], url('/get?via=proxy'));
    assert.equal(seen[0][1], `Basic ${Buffer.from('user:pw').toString('base64')}`);
  } finally {
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
  }
});

test('node transport: https with verify (a CA bundle, or false), a client certificate, and a CONNECT tunnel', async () => {
  const tlsDir = new URL('../../../host-tests/tests/fixtures/tls/', import.meta.url);
  const read = (name) => readFileSync(new URL(name, tlsDir), 'utf8');
  const origin = https.createServer({
    cert: read('server.pem'), key: read('server.key'), ca: read('ca.pem'), requestCert: true, rejectUnauthorized: false,
  }, (req, res) => {
    const peer = req.socket.getPeerCertificate();
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ client: peer?.subject?.CN ?? null, authorized: req.socket.authorized }));
  });
  const tunnels = [];
  const proxy = http.createServer();
  const open = new Set();
  const credentials = [];
  proxy.on('connect', (req, socket, head) => {
    tunnels.push(req.url);
    credentials.push(req.headers['proxy-authorization']);
    open.add(socket);
    const [host, port] = req.url.split(':');
    const upstream = net.connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise((resolve) => origin.listen(0, '127.0.0.1', resolve));
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const base = `https://127.0.0.1:${origin.address().port}/`;
  try {
    const s = new Session();
    await s.configure({ trustEnv: false });
    const unknown = await s.get(base).catch((e) => e);
    assert.ok(unknown instanceof SSLError, String(unknown));
    await s.configure({ verify: { data: read('ca.pem') } });
    assert.deepEqual(await (await s.get(base)).json(), { client: null, authorized: false });
    await s.configure({ cert: { data: read('client-with-key.pem') } });
    const mutual = await (await s.get(base)).json();
    assert.equal(mutual.authorized, true);
    // Another certificate given as PEM data is presented as given (not the agent of the first).
    const other = { data: read('server.pem') + read('server.key') };
    assert.equal((await (await s.get(base, { cert: other })).json()).client, '127.0.0.1');
    assert.equal((await (await s.get(base)).json()).client, mutual.client);
    const loose = new Session();
    await loose.configure({ verify: false, trustEnv: false, proxies: { https: `http://tunnel%20user:p%40ss@127.0.0.1:${proxy.address().port}` } });
    assert.equal((await (await loose.get(base)).json()).authorized, false);
    assert.deepEqual(tunnels, [`127.0.0.1:${origin.address().port}`]);
    // The proxy's userinfo, percent-decoded, goes with the CONNECT.
    assert.deepEqual(credentials, [`Basic ${Buffer.from('tunnel user:p@ss').toString('base64')}`]);
  } finally {
    origin.closeAllConnections();
    proxy.closeAllConnections();
    for (const socket of open) socket.destroy();
    await new Promise((resolve) => origin.close(resolve));
    await new Promise((resolve) => proxy.close(resolve));
  }
});

test('wasi-http: history() counts a redirect answered by an adapter of this thread to a URL wasi:http serves', async () => {
  const s = new Session({ transport: 'wasi-http' });
  await s.mount('jump://', { send: () => ({ status: 302, headers: [['Location', url('/get')]], body: null }) });
  const r = await s.get('jump://here');
  assert.equal(r.url, url('/get'));
  assert.deepEqual((await r.history()).map((h) => [h.status, h.url]), [[302, 'jump://here']]);
});

test('an adapter of this thread gets settings that print without the proxy credentials or PEM key text', async () => {
  const secret = 'S3CRET-MARKER';
  const key = `-----BEGIN PRIVATE KEY-----\n${secret}\n-----END PRIVATE KEY-----\n`;
  const s = new Session();
  await s.configure({ trustEnv: false, cert: ['/client.pem', { data: key }] });
  const seen = [];
  await s.mount('https://mock.test/', {
    send(request, settings) {
      seen.push(settings);
      return { status: 200 };
    },
  });
  const proxy = `http://puser:${secret}@proxy.invalid:3128`;
  assert.equal((await s.get('https://mock.test/x', { proxies: { all: proxy } })).status, 200);
  const [settings] = seen;
  assert.equal(settings.proxy, proxy, 'the adapter gets the proxy with its credentials');
  assert.deepEqual(settings.cert, ['/client.pem', { data: key }], 'and the key');
  for (const printed of [inspect(settings, { depth: null }), JSON.stringify(settings), inspect({ settings }, { depth: null })]) {
    assert.ok(!printed.includes(secret), printed);
  }
});

test('node transport: a Host header the caller sets is the only Host sent', async () => {
  const local = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    // The Host values received, in order.
    const hosts = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) if (/^host$/i.test(req.rawHeaders[i])) hosts.push(req.rawHeaders[i + 1]);
    res.end(JSON.stringify(hosts));
  });
  await new Promise((resolve) => local.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${local.address().port}/`;
  try {
    const s = new Session();
    assert.deepEqual(await (await s.get(base, { headers: { Host: 'virtual.test' } })).json(), ['virtual.test']);
    assert.deepEqual(await (await s.get(base)).json(), [`127.0.0.1:${local.address().port}`]);
  } finally {
    local.closeAllConnections();
    await new Promise((resolve) => local.close(resolve));
  }
});

test('node transport: a CONNECT tunnel to an IPv6 origin names it in brackets', async () => {
  const tlsDir = new URL('../../../host-tests/tests/fixtures/tls/', import.meta.url);
  const read = (name) => readFileSync(new URL(name, tlsDir), 'utf8');
  const origin = https.createServer({ cert: read('server.pem'), key: read('server.key') }, (req, res) => res.end('through'));
  const tunnels = [];
  const open = new Set();
  const proxy = http.createServer();
  proxy.on('connect', (req, socket, head) => {
    tunnels.push(req.url);
    open.add(socket);
    let target;
    try {
      target = new URL(`http://${req.url}`);
    } catch {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const upstream = net.connect(Number(target.port), target.hostname.replace(/^\[|\]$/g, ''), () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise((resolve) => origin.listen(0, '::1', resolve));
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  try {
    const s = new Session();
    await s.configure({ verify: false, trustEnv: false, proxies: { https: `http://127.0.0.1:${proxy.address().port}` } });
    assert.equal(await (await s.get(`https://[::1]:${origin.address().port}/`)).text(), 'through');
    assert.deepEqual(tunnels, [`[::1]:${origin.address().port}`]);
  } finally {
    origin.closeAllConnections();
    for (const socket of open) socket.destroy();
    await new Promise((resolve) => origin.close(resolve));
    await new Promise((resolve) => proxy.close(resolve));
  }
});

test('node transport: connectMs holds for the TLS handshake through a CONNECT tunnel', { timeout: 20000 }, async () => {
  // The proxy opens the tunnel and then forwards nothing: the handshake never ends.
  const proxy = http.createServer();
  const open = new Set();
  proxy.on('connect', (req, socket) => {
    open.add(socket);
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  try {
    const s = new Session();
    await s.configure({ trustEnv: false, proxies: { https: `http://127.0.0.1:${proxy.address().port}` } });
    await assert.rejects(s.get('https://origin.test/', { timeout: { connectMs: 200, readMs: 200 } }), ConnectTimeout);
  } finally {
    for (const socket of open) socket.destroy();
    await new Promise((resolve) => proxy.close(resolve));
  }
});
