// Owns the default transport of the Promise API (index.mjs): an adapter of the main thread
// (host-adapters.mjs's contract, async) over Node's own http/https, with keep-alive agents
// kept per TLS setting. It sends one request and returns its head as soon as it arrives,
// with the body as a reader (`read(max)`, `close()`) the worker pulls as the session reads;
// `start` streams an upload's pieces into the request as they come.
// Honoured: the wasi:http timeouts (connect: until the TCP connection, and TLS, is up; read:
// from the end of the request until the head, then between body bytes while a read waits), `proxy` (an http proxy:
// absolute-form requests for http://, a CONNECT tunnel for https://; its userinfo becomes
// Proxy-Authorization), `verify` (false, or a CA bundle as a path or PEM data) and `cert`.
// Repeated response headers stay apart (rawHeaders); values are Node's Latin-1 strings.

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { AdapterError } from './host-adapters.mjs';

/** Node error codes of TLS failures (certificate checks and handshakes). */
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|ERR_OSSL)/;

/** A PEM setting (`path` or `{data}`, as host-adapters.mjs gives it) -> its text. */
function pem(value) {
  if (typeof value === 'string') return readFileSync(value, 'utf8');
  if (value && typeof value === 'object' && typeof value.data === 'string') return value.data;
  if (value && typeof value === 'object' && typeof value.path === 'string') return readFileSync(value.path, 'utf8');
  throw new AdapterError('other', 'a PEM setting must be a path or {data}');
}

/** The TLS options of `settings.verify` and `settings.cert`. */
function tlsOptions({ verify, cert }) {
  const options = {};
  if (verify === false) options.rejectUnauthorized = false;
  else if (verify !== true && verify != null) options.ca = pem(verify);
  if (cert != null) {
    const [certificate, key] = Array.isArray(cert) ? cert : [cert, undefined];
    options.cert = pem(certificate);
    options.key = key === undefined ? options.cert : pem(key);
  }
  return options;
}

/**
 * What tells the agents of different TLS settings apart: `verify` and `cert` as their values
 * (a PEM's own text, never how it prints: the settings redact PEM data in toJSON, and two
 * client certificates must not share an agent).
 */
function tlsKey({ verify, cert }) {
  const value = (pem) => (pem !== null && typeof pem === 'object' ? { data: pem.data, path: pem.path } : pem);
  return JSON.stringify([value(verify), Array.isArray(cert) ? cert.map(value) : value(cert)]);
}

/** An error of Node's client -> the AdapterError the session reports. */
function toFailure(error, { proxied = false } = {}) {
  if (error instanceof AdapterError) return error;
  const code = error?.code ?? '';
  const message = error?.message ?? String(error);
  if (TLS_CODES.test(code) || /certificate|SSL routines|TLS/i.test(message)) return new AdapterError('tls', message, { cause: error });
  if (code === 'ECONNREFUSED') return new AdapterError(proxied ? 'proxy' : 'connection-refused', message, { cause: error });
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new AdapterError('dns', message, { cause: error });
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED' || code === 'ERR_STREAM_PREMATURE_CLOSE') {
    return new AdapterError('connection', message, { cause: error });
  }
  if (code === 'HPE_INVALID_CONSTANT' || code.startsWith('HPE_')) return new AdapterError('other', `HTTP protocol error: ${message}`, { cause: error });
  return new AdapterError('other', message, { cause: error });
}

/**
 * The body of a response being read: `read(max)` resolves to the bytes buffered (up to
 * `max`), waiting for some if none are (at most `readMs` between bytes), or null at the end.
 */
class BodyReader {
  #res;
  #readMs;
  #ended = false;
  #error;
  #wake;
  constructor(res, readMs) {
    this.#res = res;
    this.#readMs = readMs;
    const wake = () => {
      const resolve = this.#wake;
      this.#wake = undefined;
      resolve?.();
    };
    res.on('readable', wake);
    res.on('end', () => { this.#ended = true; wake(); });
    res.on('error', (e) => { this.#error = e; wake(); });
    res.on('close', () => {
      if (!this.#ended && !res.complete) this.#error ??= Object.assign(new Error('the connection closed before the body was complete'), { code: 'ECONNRESET' });
      wake();
    });
  }
  async read(max) {
    for (;;) {
      if (this.#error) throw toFailure(this.#error);
      const chunks = [];
      let size = 0;
      while (size < max) {
        const chunk = this.#res.read();
        if (chunk === null) break;
        if (size + chunk.length > max) {
          this.#res.unshift(chunk.subarray(max - size));
          chunks.push(chunk.subarray(0, max - size));
          size = max;
          break;
        }
        chunks.push(chunk);
        size += chunk.length;
      }
      if (size) return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      if (this.#ended || this.#res.readableEnded) return null;
      // Complete and drained: the end, without waiting for the 'end' event (resumed so that it
      // still comes, and the connection goes back to the agent).
      if (this.#res.complete && this.#res.readableLength === 0) {
        this.#ended = true;
        this.#res.resume();
        return null;
      }
      await new Promise((resolve, reject) => {
        this.#wake = resolve;
        if (this.#readMs == null) return;
        const timer = setTimeout(() => {
          this.#wake = undefined;
          this.#res.destroy();
          reject(new AdapterError('read-timeout', `no body bytes within ${this.#readMs} ms`));
        }, this.#readMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
  /** The body is not needed: its connection is closed (it cannot be reused mid-body). */
  close() {
    if (!this.#ended) this.#res.destroy();
  }
}

/** The Proxy-Authorization value of a proxy URL's userinfo (Basic, percent-decoded). */
function proxyAuthorization(proxy) {
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

/** Opens a CONNECT tunnel through `proxy` to `host:port`; resolves to the socket. */
function tunnel(proxy, host, port, connectMs) {
  return new Promise((resolve, reject) => {
    // The authority-form of RFC 9110 section 9.3.6: an IPv6 address in brackets.
    const authority = net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
    const headers = { host: authority };
    if (proxy.username) headers['proxy-authorization'] = proxyAuthorization(proxy);
    const req = http.request({
      host: proxy.hostname.replace(/^\[|\]$/g, ''), port: proxy.port || 80, method: 'CONNECT', path: authority, headers, agent: false,
    });
    const timer = connectMs == null ? undefined : setTimeout(() => {
      req.destroy();
      reject(new AdapterError('connect-timeout', `the proxy tunnel was not up within ${connectMs} ms`));
    }, connectMs);
    req.once('connect', (res, socket) => {
      clearTimeout(timer);
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(new AdapterError('proxy', `the proxy answered CONNECT with ${res.statusCode} ${res.statusMessage}`));
        return;
      }
      resolve(socket);
    });
    req.once('error', (e) => {
      clearTimeout(timer);
      reject(new AdapterError('proxy', `the proxy failed: ${e.message}`, { cause: e }));
    });
    req.end();
  });
}

/**
 * A transport adapter over Node's http/https. `agentOptions` go to every `http.Agent` /
 * `https.Agent` it makes (defaults: keepAlive, at most 256 idle sockets per origin... Node's
 * defaults otherwise). `close()` destroys its idle connections.
 */
export function nodeTransport(agentOptions = {}) {
  const agents = new Map();
  const agentFor = (scheme, settings, key) => {
    let agent = agents.get(key);
    if (agent === undefined) {
      const options = { keepAlive: true, scheduling: 'lifo', ...agentOptions };
      agent = scheme === 'https:' ? new https.Agent({ ...options, ...tlsOptions(settings) }) : new http.Agent(options);
      agents.set(key, agent);
    }
    return agent;
  };

  /**
   * Sends the head of `request` and returns `{req, response}`: the ClientRequest to write the
   * body to (and end), and a Promise of the response (`{status, headers, body: BodyReader}`).
   */
  async function open(request, settings) {
    const url = new URL(request.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AdapterError('invalid-url', `cannot send to ${url.protocol} URLs`);
    const secure = url.protocol === 'https:';
    const { connectMs, readMs } = settings.timeout;
    const proxy = settings.proxy ? new URL(settings.proxy) : null;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = url.port || (secure ? 443 : 80);
    // Node adds no Host header to headers given as an array (which keeps repeats apart): the
    // URL's, unless the request has its own (as urllib3 sends a Host the caller set; two would
    // be a 400 under RFC 9112 section 3.2).
    const headers = request.headers.some(([name]) => name.toLowerCase() === 'host') ? [] : ['Host', url.host];
    for (const [name, value] of request.headers) headers.push(name, value);
    const options = { method: request.method, headers, host, port, path: url.pathname + url.search };
    /** A TLS session over a CONNECT tunnel: its handshake is still part of connecting. */
    let tunnelled = false;
    if (proxy && !secure) {
      // Absolute form to the proxy.
      options.host = proxy.hostname.replace(/^\[|\]$/g, '');
      options.port = proxy.port || 80;
      options.path = request.url;
      if (proxy.username) options.headers.push('Proxy-Authorization', proxyAuthorization(proxy));
      options.agent = agentFor('http:', settings, `proxy ${proxy.origin}`);
    } else if (proxy && secure) {
      // A tunnel per request (not pooled).
      const socket = await tunnel(proxy, host, port, connectMs);
      headers.push('Connection', 'close');
      const servername = net.isIP(host) ? undefined : host;
      // No agent: Node then uses createConnection (an agent would connect directly).
      options.createConnection = () => tls.connect({ ...tlsOptions(settings), socket, servername });
      tunnelled = true;
    } else {
      const key = secure ? `https ${tlsKey(settings)}` : 'http';
      options.agent = agentFor(url.protocol, settings, key);
    }
    const client = secure ? https : http;
    const req = client.request(options);
    const response = new Promise((resolve, reject) => {
      let settled = false;
      let headTimer;
      let connectTimer;
      const done = (error, value) => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        clearTimeout(headTimer);
        if (error) {
          req.destroy();
          reject(toFailure(error, { proxied: proxy !== null && !secure }));
        } else resolve(value);
      };
      // The read timeout runs from the end of the request (its body included) to the head.
      req.on('finish', () => {
        if (readMs == null || settled) return;
        headTimer = setTimeout(() => done(new AdapterError('read-timeout', `no response within ${readMs} ms`)), readMs);
      });
      req.on('socket', (socket) => {
        // A new connection until it is up (TLS included); a tunnel's TLS socket is not
        // `connecting` (the tunnel is), but its handshake has yet to happen.
        if ((!socket.connecting && !tunnelled) || connectMs == null) return;
        connectTimer = setTimeout(() => done(new AdapterError('connect-timeout', `no connection within ${connectMs} ms`)), connectMs);
        socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
      });
      req.on('response', (res) => {
        clearTimeout(headTimer);
        const pairs = [];
        const raw = res.rawHeaders;
        for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i], raw[i + 1]]);
        done(undefined, { status: res.statusCode, headers: pairs, body: new BodyReader(res, readMs) });
      });
      req.on('error', (e) => done(e));
    });
    return { req, response };
  }

  /** One request with its whole body (`request.body`, a Buffer or null). */
  async function send(request, settings) {
    const { req, response } = await open(request, settings);
    req.end(request.body ?? undefined);
    return response;
  }

  /**
   * A streamed upload: the head goes now; `write` sends each piece as it comes (waiting while
   * the socket's buffer is full), `finish` ends the body and resolves to the response. A
   * failed write is not thrown: writing stops, and `finish` fails with the request's error
   * (or gives the response, when the server answered early).
   */
  async function start(request, settings) {
    const { req, response } = await open(request, settings);
    let failed = false;
    response.catch(() => { failed = true; });
    req.on('error', () => { failed = true; });
    return {
      async write(chunk) {
        if (failed || req.destroyed) return;
        if (!req.write(chunk)) {
          await new Promise((resolve) => {
            const go = () => {
              req.off('drain', go);
              req.off('close', go);
              resolve();
            };
            req.on('drain', go);
            req.on('close', go);
          });
        }
      },
      finish() {
        if (!req.destroyed) req.end();
        return response;
      },
      abort() { req.destroy(); },
    };
  }

  return {
    send,
    start,
    /**
     * Destroys the idle connections of every agent; a connection still in use (a body being
     * read) is closed when its response ends instead of going back to the pool.
     */
    close() {
      for (const agent of agents.values()) {
        agent.keepSocketAlive = () => false;
        for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets) socket.destroy();
      }
      agents.clear();
    },
  };
}
