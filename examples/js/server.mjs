// Owns the loopback httpbin-like fixture server used by example.mjs and the tests.
//
// The server always runs in its own worker thread. The preview2-shim's wasi:http
// outgoing handler blocks the calling thread (Atomics.wait) until the response
// arrives, so a server on the thread that calls the component could never answer.
// `startServer()` spawns this same file as a Worker, which listens on 127.0.0.1:0
// and posts its port back.
//
// Endpoints follow httpbin (https://httpbin.org) where httpbin has them:
//   /get /post /put /patch /delete /anything[/...]   echo {args, data, form, json, headers, method, url}
//   /headers /json /status/:code /gzip /bytes/:n /stream-bytes/:n[?chunk_size=]
//   /cookies /cookies/set?k=v /cookies/delete?k
//   /redirect/:n /absolute-redirect/:n /redirect-to?url=&status_code=
//   /basic-auth/:user/:passwd /bearer /response-headers?k=v /delay/:seconds
//   /brotli /deflate   compressed echo, like /gzip
//   /digest-auth/:qop/:user/:passwd[/:algorithm[/stale-once]]   RFC 7616 Digest (see `digestAuth`)
// Differences: the bytes of /bytes and /stream-bytes are deterministic (i % 251); a
// multipart/form-data body is echoed in `form` and `files` (as httpbin) and also as
// `parts` ([{name, filename, headers, data, base64}], headers as raw [name, value] pairs), and
// `data` keeps its raw text.
// Not in httpbin:
//   /lines/:n[?chunk_size=&crlf=1]   n lines `line i`, chunked in `chunk_size`-byte pieces
//   /flaky/:key/:n[?status=&retry_after=]   any method: the first n requests per key get `status`
//       (503 by default, with `Retry-After: retry_after` if given), later ones 200; the body is
//       {key, attempt, method} either way (attempt counts from 1 per key)
//   /upload[?headers=1]   any method: {method, length, sha256, transferEncoding, contentLength}
//       of the request body (the framing headers, null when absent), without echoing the body;
//       with headers=1, `headers` too (every request header, as /get echoes them)

import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import http from 'node:http';
import zlib from 'node:zlib';
import crypto from 'node:crypto';

/**
 * Starts the fixture server in a worker thread.
 * @returns {Promise<{url: string, port: number, close(): Promise<void>}>}
 */
export function startServer() {
  const worker = new Worker(new URL(import.meta.url), { workerData: { requestsFixture: true } });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`fixture server exited with ${code}`)));
    worker.once('message', ({ port }) => {
      resolve({
        port,
        url: `http://127.0.0.1:${port}`,
        close: () => worker.terminate().then(() => undefined),
      });
    });
  });
}

if (!isMainThread && workerData?.requestsFixture) {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        route(req, res, Buffer.concat(chunks));
      } catch (e) {
        send(res, 500, { error: String(e?.stack ?? e) });
      }
    });
  });
  server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
}

function send(res, status, body, headers = {}) {
  const data = Buffer.from(JSON.stringify(body, null, 2) + '\n');
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length, ...headers });
  res.end(data);
}

function redirect(res, location, status = 302) {
  res.writeHead(status, { Location: location, 'Content-Length': 0 });
  res.end();
}

/** httpbin's multi-dict: a single value stays a string, repeats become an array. */
function multiDict(pairs) {
  const out = {};
  for (const [k, v] of pairs) {
    if (!(k in out)) out[k] = v;
    else if (Array.isArray(out[k])) out[k].push(v);
    else out[k] = [out[k], v];
  }
  return out;
}

/** Request headers with httpbin's Title-Case names; repeats joined with `,`. */
function titleHeaders(req) {
  const out = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase().replace(/(^|-)([a-z])/g, (m) => m.toUpperCase());
    out[name] = name in out ? `${out[name]},${req.rawHeaders[i + 1]}` : req.rawHeaders[i + 1];
  }
  return out;
}

function parseCookies(header = '') {
  const out = {};
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

function echo(req, url, body) {
  const type = req.headers['content-type'] ?? '';
  const text = body.toString('utf8');
  let json = null;
  let form = {};
  if (type.startsWith('application/json')) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (type.startsWith('application/x-www-form-urlencoded')) form = multiDict(new URLSearchParams(text));
  let files = {};
  let parts;
  const boundary = /^multipart\/form-data;\s*boundary=("?)([^";]+)\1/i.exec(type)?.[2];
  if (boundary) {
    parts = parseMultipart(body, boundary);
    form = multiDict(parts.filter((p) => p.filename === null).map((p) => [p.name, p.data.toString('utf8')]));
    files = multiDict(parts.filter((p) => p.filename !== null).map((p) => [p.name, p.data.toString('utf8')]));
  }
  return {
    args: multiDict(url.searchParams),
    data: parts || !Object.keys(form).length ? text : '',
    form,
    files,
    ...(parts && { parts: parts.map((p) => ({ ...p, data: p.data.toString('utf8'), base64: p.data.toString('base64') })) }),
    json,
    headers: titleHeaders(req),
    method: req.method,
    origin: req.socket.remoteAddress,
    url: url.href,
  };
}

/** A quoted-string parameter of a header (`name="..."`), `\\x` and `%22` unescaped; null if absent. */
function quotedParam(header, name) {
  const m = new RegExp(`;\\s*${name}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(header);
  return m ? m[1].replace(/\\(.)/g, '$1').replace(/%22/g, '"') : null;
}

/**
 * A multipart/form-data body (RFC 7578) -> [{name, filename, headers, data: Buffer}].
 * Strict on the framing, so a malformed body from the component fails the test.
 */
function parseMultipart(body, boundary) {
  const delimiter = Buffer.from(`--${boundary}`);
  const between = Buffer.from(`\r\n--${boundary}`);
  if (body.indexOf(delimiter) !== 0) throw new Error('multipart body does not start with the boundary');
  const parts = [];
  let pos = delimiter.length;
  for (;;) {
    const after = body.subarray(pos, pos + 2).toString('latin1');
    if (after === '--') {
      if (body.subarray(pos + 2).toString('latin1') !== '\r\n') throw new Error('multipart body: junk after the close delimiter');
      return parts;
    }
    if (after !== '\r\n') throw new Error(`multipart body: expected CRLF after the boundary at ${pos}`);
    const start = pos + 2;
    const end = body.indexOf(between, start);
    if (end < 0) throw new Error('multipart body: unterminated part');
    const raw = body.subarray(start, end);
    const headEnd = raw.indexOf('\r\n\r\n');
    if (headEnd < 0) throw new Error('multipart body: a part without a blank line after its headers');
    const headers = raw.subarray(0, headEnd).toString('utf8').split('\r\n').map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon), line.slice(colon + 1).trim()];
    });
    const disposition = headers.find(([n]) => n.toLowerCase() === 'content-disposition')?.[1] ?? '';
    parts.push({
      name: quotedParam(disposition, 'name'),
      filename: quotedParam(disposition, 'filename'),
      headers,
      data: Buffer.from(raw.subarray(headEnd + 4)),
    });
    pos = end + between.length;
  }
}

// RFC 7616 Digest: nonces issued, their last nonce count, and those issued as `stale`.
const REALM = 'requests-component@loopback';
const OPAQUE = '0pa9ue';
const HASHES = { MD5: 'md5', SHA: 'sha1', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' };
const nonces = new Map();

function digestChallenge(res, qop, algorithm, stale = false) {
  const nonce = crypto.randomBytes(16).toString('hex');
  nonces.set(nonce, { nc: 0, stale });
  const qopParam = qop === 'none' ? '' : `, qop="${qop}"`;
  res.writeHead(401, {
    'WWW-Authenticate': `Digest realm="${REALM}", nonce="${nonce}"${qopParam}, opaque="${OPAQUE}", algorithm=${algorithm}, stale=${stale ? 'TRUE' : 'FALSE'}`,
    'Set-Cookie': 'digest_seen=1; Path=/',
    'Content-Length': 0,
  });
  return res.end();
}

/** `Digest k=v, k="v"` -> {k: v} (lower-case keys, quoted-pairs unescaped). */
function digestParams(value) {
  const out = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (let m; (m = re.exec(value));) out[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
  return out;
}

/**
 * `/digest-auth/:qop/:user/:passwd[/:algorithm[/stale-once]]` (qop `auth` or `none`;
 * algorithm MD5 (default), MD5-sess, SHA, SHA-256, SHA-256-sess, SHA-512-256...):
 * checks the answer with node:crypto, requires the cookie its challenge set and a
 * rising nonce count; `stale-once` refuses a first valid answer as stale once.
 */
function digestAuth(req, res, url, [qop, user, passwd, algorithm = 'MD5', mode]) {
  const base = algorithm.replace(/-sess$/i, '').toUpperCase();
  const hashName = HASHES[base];
  if (!hashName || !['auth', 'none'].includes(qop) || passwd === undefined) {
    return send(res, 400, { error: 'use /digest-auth/(auth|none)/USER/PASS/(MD5|SHA|SHA-256|SHA-512-256)[-sess]' });
  }
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Digest ')) return digestChallenge(res, qop, algorithm);
  if (!parseCookies(req.headers.cookie).digest_seen) {
    return send(res, 403, { error: 'the cookie set with the challenge was not sent back' });
  }
  const p = digestParams(header.slice('Digest '.length));
  const h = (text) => crypto.createHash(hashName).update(text).digest('hex');
  const issued = nonces.get(p.nonce);
  const target = url.pathname + url.search;
  if (!issued || p.username !== user || p.realm !== REALM || p.uri !== target || p.opaque !== OPAQUE
    || (p.algorithm ?? 'MD5').toUpperCase() !== algorithm.toUpperCase()) {
    return digestChallenge(res, qop, algorithm);
  }
  let ha1 = h(`${user}:${REALM}:${passwd}`);
  if (/-sess$/i.test(algorithm)) ha1 = h(`${ha1}:${p.nonce}:${p.cnonce}`);
  const ha2 = h(`${req.method}:${p.uri}`);
  const expected = qop === 'none' ? h(`${ha1}:${p.nonce}:${ha2}`) : h(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`);
  const nc = qop === 'none' ? 0 : parseInt(p.nc, 16);
  if (p.response !== expected || (qop !== 'none' && (p.qop !== 'auth' || !p.cnonce || !(nc > issued.nc)))) {
    return digestChallenge(res, qop, algorithm);
  }
  issued.nc = nc;
  if (mode === 'stale-once' && !issued.stale) return digestChallenge(res, qop, algorithm, true);
  return send(res, 200, { authenticated: true, user, algorithm, nc: p.nc ?? null });
}

function compressed(req, res, flag, coding, compress) {
  const data = compress(Buffer.from(JSON.stringify({ [flag]: true, headers: titleHeaders(req), method: req.method })));
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': coding, 'Content-Length': data.length });
  return res.end(data);
}

// /flaky: requests seen so far, per key.
const flakyAttempts = new Map();

function pattern(i) {
  return i % 251;
}

function route(req, res, body) {
  const url = new URL(req.url, `http://${req.headers.host ?? '127.0.0.1'}`);
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second, third] = parts;
  switch (first) {
    case 'get':
    case 'post':
    case 'put':
    case 'patch':
    case 'delete':
    case 'anything':
      return send(res, 200, echo(req, url, body));
    case 'headers':
      return send(res, 200, { headers: titleHeaders(req) });
    case 'json':
      return send(res, 200, {
        slideshow: { author: 'Yours Truly', title: 'Sample Slide Show', slides: [{ title: 'Wake up', type: 'all' }] },
      });
    case 'status': {
      const code = Number(second);
      if (code >= 300 && code < 400) return redirect(res, '/redirect/1', code);
      res.writeHead(code, { 'Content-Length': 0 });
      return res.end();
    }
    case 'gzip':
      return compressed(req, res, 'gzipped', 'gzip', zlib.gzipSync);
    case 'deflate':
      return compressed(req, res, 'deflated', 'deflate', zlib.deflateSync);
    case 'brotli':
      return compressed(req, res, 'brotli', 'br', zlib.brotliCompressSync);
    case 'bytes': {
      const n = Number(second);
      const data = Buffer.alloc(n);
      for (let i = 0; i < n; i++) data[i] = pattern(i);
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': n });
      return res.end(data);
    }
    case 'stream-bytes': {
      // Chunked transfer encoding, written in `chunk_size` pieces with a pause between them.
      const n = Number(second);
      const size = Number(url.searchParams.get('chunk_size') ?? 10240);
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      let i = 0;
      const next = () => {
        if (i >= n) return res.end();
        const piece = Buffer.alloc(Math.min(size, n - i));
        for (let j = 0; j < piece.length; j++) piece[j] = pattern(i + j);
        i += piece.length;
        res.write(piece);
        setTimeout(next, 1);
      };
      return next();
    }
    case 'lines': {
      // `line 0` ... `line n-1`, each ended by \n (or \r\n with crlf=1), chunked in
      // `chunk_size`-byte pieces so that lines straddle chunks.
      const n = Number(second);
      const eol = url.searchParams.get('crlf') === '1' ? '\r\n' : '\n';
      const text = Buffer.from(Array.from({ length: n }, (_, i) => `line ${i}${eol}`).join(''));
      const size = Number(url.searchParams.get('chunk_size') ?? 7);
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      let i = 0;
      const next = () => {
        if (i >= text.length) return res.end();
        res.write(text.subarray(i, i + size));
        i += size;
        setTimeout(next, 1);
      };
      return next();
    }
    case 'digest-auth':
      return digestAuth(req, res, url, parts.slice(1));
    case 'upload':
      return send(res, 200, {
        method: req.method,
        length: body.length,
        sha256: crypto.createHash('sha256').update(body).digest('hex'),
        transferEncoding: req.headers['transfer-encoding'] ?? null,
        contentLength: req.headers['content-length'] ?? null,
        ...(url.searchParams.get('headers') === '1' ? { headers: titleHeaders(req) } : {}),
      });
    case 'flaky': {
      const attempt = (flakyAttempts.get(second) ?? 0) + 1;
      flakyAttempts.set(second, attempt);
      const body = { key: second, attempt, method: req.method };
      if (attempt > Number(third)) return send(res, 200, body);
      const retryAfter = url.searchParams.get('retry_after');
      return send(res, Number(url.searchParams.get('status') ?? 503), body, retryAfter === null ? {} : { 'Retry-After': retryAfter });
    }
    case 'cookies': {
      if (second === 'set') {
        const cookies = [...url.searchParams].map(([k, v]) => `${k}=${v}; Path=/`);
        res.setHeader('Set-Cookie', cookies);
        return redirect(res, '/cookies');
      }
      if (second === 'delete') {
        const cookies = [...url.searchParams.keys()].map(
          (k) => `${k}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/`,
        );
        res.setHeader('Set-Cookie', cookies);
        return redirect(res, '/cookies');
      }
      return send(res, 200, { cookies: parseCookies(req.headers.cookie) });
    }
    case 'redirect':
    case 'absolute-redirect': {
      const n = Number(second);
      const base = first === 'absolute-redirect' ? `http://${req.headers.host}` : '';
      return redirect(res, n <= 1 ? `${base}/get` : `${base}/${first}/${n - 1}`);
    }
    case 'redirect-to':
      return redirect(res, url.searchParams.get('url'), Number(url.searchParams.get('status_code') ?? 302));
    case 'basic-auth': {
      const expected = 'Basic ' + Buffer.from(`${second}:${third}`).toString('base64');
      if (req.headers.authorization === expected) return send(res, 200, { authenticated: true, user: second });
      return send(res, 401, { authenticated: false }, { 'WWW-Authenticate': 'Basic realm="Fake Realm"' });
    }
    case 'bearer': {
      const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
      if (m) return send(res, 200, { authenticated: true, token: m[1] });
      return send(res, 401, { authenticated: false }, { 'WWW-Authenticate': 'Bearer' });
    }
    case 'response-headers': {
      // Repeated keys become repeated header lines (several Set-Cookie lines, for one).
      const headers = {};
      for (const [k, v] of url.searchParams) (headers[k] ??= []).push(v);
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      return send(res, 200, multiDict(url.searchParams));
    }
    case 'delay': {
      const seconds = Math.min(Number(second), 10);
      return setTimeout(() => send(res, 200, echo(req, url, body)), seconds * 1000);
    }
    default:
      return send(res, 404, { error: `no route for ${url.pathname}` });
  }
}
