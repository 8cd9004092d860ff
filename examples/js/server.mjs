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
// Differences: the bytes of /bytes and /stream-bytes are deterministic (i % 251).

import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import http from 'node:http';
import zlib from 'node:zlib';

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
  return {
    args: multiDict(url.searchParams),
    data: form && Object.keys(form).length ? '' : text,
    form,
    json,
    headers: titleHeaders(req),
    method: req.method,
    origin: req.socket.remoteAddress,
    url: url.href,
  };
}

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
    case 'gzip': {
      const data = zlib.gzipSync(JSON.stringify({ gzipped: true, headers: titleHeaders(req), method: req.method }));
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': data.length });
      return res.end(data);
    }
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
