// Owns the `requests:http/host-adapters` import of the transpiled component: `npm run
// build` maps it here (`jco transpile --map requests:http/host-adapters=../host-adapters.mjs`),
// so jco calls `send` / `start` / `write` / `finish` / `read` / `discard` naming an adapter.
// It keeps the registry of adapters written in JS by name (`registerAdapter`), the handles
// of uploads and response bodies in flight, and converts what crosses: bodies cross the
// interface as Latin-1 strings (one code point per byte: `Buffer.from(s, 'latin1')` and
// `buffer.toString('latin1')`). It must not import requests.mjs (the generated module
// imports this one, and requests.mjs imports the generated one).
//
// The JS contract of an adapter (requests' `BaseAdapter.send`, synchronous):
//
//   registerAdapter('mock', {
//     send(request, settings) {        // request: {method, url, headers, body: Buffer | null}
//       return { status: 200, headers: { 'Content-Type': 'text/plain' }, body: 'hi' };
//     },
//   });
//   session.mount('mock://', hostAdapter('mock'));   // or session.mount('mock://', adapterObject)
//
// `settings` is what the session merged for the request: `{timeout: {connectMs, readMs},
// verify, cert, proxy, stream}` with `verify` and `cert` in the forms Session takes them
// (`true` / `false` / a CA bundle path or `{data}`; the cert alone or `[cert, key]`), and
// `proxy` the proxy URL to go through (its userinfo the proxy's credentials) or null. The
// session does the rest (cookies, redirects, auth, retries, decoding, hooks): an adapter
// sends one request and returns its response as it came (a body still encoded if its
// `Content-Encoding` says so). The body of the response: a string (UTF-8), bytes, null,
// or an iterable of strings and bytes, pulled only as the session reads (a streamed
// response). A streamed upload's pieces are collected and `send` gets the whole body, unless
// the adapter also has `start(request, settings)`, returning `{write(bytes), finish(),
// abort()}`: the upload's pieces then go to `write` as they come, and `finish` returns the
// response. A response may say `keepsRest: true` (with an iterable body): the body then
// stays with the adapter for the caller (`takeBody`, after `response.take-host-body`).
// A failure: throw `new AdapterError(kind, message)` (kinds: FAILURE_KINDS), or any
// error (Node's ECONNREFUSED, ENOTFOUND, ETIMEDOUT and ECONNRESET are told apart by
// their `code`; anything else is `other`, a TransportError with code `host-adapter`).
// The request then throws the RequestsError of that kind, whose `cause` is what was thrown.
//
// Nothing but a failure payload may be thrown back into jco: an exception escaping an
// import call unwinds through the component without cleaning up and breaks it. Every
// value an adapter returns is checked before jco lowers it (jco would wrap a status of
// 70000, or turn an object given as headers into an empty list, without a word).

import { Buffer } from 'node:buffer';
import { inspect } from 'node:util';
import { headerOf, toBytes, toPairs, u16, utf8 } from './convert.mjs';
import { fromCert, fromVerify } from './options.mjs';
import { REDACTED, redacted, redactPairs, redactUrl, withRedactedHeaders } from './redact.mjs';

/** The WIT `failure-kind`s an adapter may fail with. */
export const FAILURE_KINDS = Object.freeze([
  'connection-refused', 'connection', 'dns', 'tls', 'proxy', 'connect-timeout', 'read-timeout',
  'unsupported', 'invalid-header', 'invalid-url', 'other',
]);

/** What an adapter throws to fail a request with one of FAILURE_KINDS. */
export class AdapterError extends Error {
  constructor(kind, message, options = undefined) {
    super(message, options);
    if (!FAILURE_KINDS.includes(kind)) throw new TypeError(`AdapterError: unknown kind ${JSON.stringify(kind)}`);
    this.name = 'AdapterError';
    this.kind = kind;
  }
}

/** The failure kinds of Node's network error codes. */
const NODE_CODES = {
  ECONNREFUSED: 'connection-refused',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  ETIMEDOUT: 'connect-timeout',
  ECONNRESET: 'connection',
  EPIPE: 'connection',
};

/** name -> adapter (an object with a `send(request, settings)` method). */
const adapters = new Map();

function checkAdapter(adapter, what) {
  if (adapter === null || (typeof adapter !== 'object' && typeof adapter !== 'function') || typeof adapter.send !== 'function') {
    throw new TypeError(`${what}: expected an object with a send(request, settings) method`);
  }
}

/**
 * Registers `adapter` (an object with a synchronous `send(request, settings)` method)
 * as `name`, replacing any adapter of that name; `hostAdapter(name)` in requests.mjs is
 * the component adapter that sends through it.
 */
export function registerAdapter(name, adapter) {
  if (typeof name !== 'string') throw new TypeError('registerAdapter: the name must be a string');
  checkAdapter(adapter, 'registerAdapter');
  adapters.set(name, adapter);
}

/** Forgets the adapter registered as `name`; true if there was one. Requests through it then fail. */
export function unregisterAdapter(name) { return adapters.delete(name); }

/** The names the adapters given to `session.mount` directly were registered under. */
const generatedNames = new WeakMap();
let generated = 0;

/** The name `adapter` is registered under, registering it under a new one the first time. */
export function adapterName(adapter) {
  checkAdapter(adapter, 'mount');
  let name = generatedNames.get(adapter);
  if (name === undefined || adapters.get(name) !== adapter) {
    name = `js-adapter-${++generated}`;
    generatedNames.set(adapter, name);
    adapters.set(name, adapter);
  }
  return name;
}

/**
 * A request as an adapter gets it: `method` (upper case), `url` (no userinfo), `headers`
 * (`[name, value]` pairs in order, `Content-Length` or `Transfer-Encoding` included when there
 * is a body; add `Host` yourself) and `body` (a Buffer, or null). Printed with credentials
 * redacted.
 */
export class AdapterRequest {
  constructor({ method, url, headers }, body) {
    this.method = method;
    this.url = url;
    this.headers = withRedactedHeaders(headers.map(([name, value]) => [name, value]));
    this.body = body;
  }
  /** A header by case-insensitive name (repeats joined with `, `), or null. */
  header(name) { return headerOf(this.headers, name); }
  toJSON() { return { method: this.method, url: redactUrl(this.url), headers: redactPairs(this.headers), body: this.body }; }
  toString() { return `AdapterRequest ${JSON.stringify(this)}`; }
  [inspect.custom](depth, options) {
    return `AdapterRequest ${inspect(this.toJSON(), { ...options, depth: options.depth === null ? null : depth })}`;
  }
}

/** WIT `send-settings` -> what an adapter gets (printed without the proxy's credentials). */
function toSettings(settings) {
  return redactedSettings({
    timeout: { connectMs: settings.timeout.connectMs, readMs: settings.timeout.readMs },
    verify: fromVerify(settings.verify),
    cert: fromCert(settings.cert),
    proxy: settings.proxy ?? null,
    stream: settings.stream,
  });
}

/** A PEM given as `{data}` -> one that prints as `***` (a key may be in it). */
const secretPem = (pem) => (pem !== null && typeof pem === 'object' && typeof pem.data === 'string'
  ? redacted({ data: pem.data }, () => ({ data: REDACTED })) : pem);

/**
 * An adapter's settings (`{timeout, verify, cert, proxy, stream}`, JS forms) as a new object
 * that prints without the proxy's userinfo or a `cert`'s PEM text; the values stay intact.
 * index.mjs applies it again to settings that crossed from the worker (a structured clone
 * drops how they print).
 */
export function redactedSettings({ timeout, verify, cert, proxy, stream }) {
  const out = {
    timeout: { connectMs: timeout.connectMs, readMs: timeout.readMs },
    verify,
    cert: Array.isArray(cert) ? cert.map(secretPem) : secretPem(cert ?? null),
    proxy: proxy ?? null,
    stream,
  };
  return redacted(out, (s) => ({ ...s, proxy: redactUrl(s.proxy) }));
}

/** The Latin-1 string of some bytes (WIT `bytes`). */
const latin1 = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/** A chunk of a response body (a string, UTF-8, or bytes) -> a Buffer. */
function chunkBytes(chunk, what) {
  const bytes = typeof chunk === 'string' ? utf8.encode(chunk) : toBytes(chunk);
  if (!bytes) throw new TypeError(`${what}: expected a string or bytes, got ${chunk === null ? 'null' : typeof chunk}`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * A response body being handed over: bytes held, and an iterator pulled for more. For a
 * streamed response a read pulls only until it has something (the caller may be waiting
 * on a slow stream); otherwise until it has what was asked for (fewer calls).
 */
class BodySource {
  #pieces = [];
  #size = 0;
  #iterator;
  #pulled = 0;
  #stream;
  constructor(body, stream) {
    /** The body as the adapter gave it (`takeBody` hands it back). */
    this.body = body;
    this.#stream = stream;
    if (body === null || body === undefined) return;
    if (typeof body === 'string' || toBytes(body)) {
      this.#push(chunkBytes(body, 'response body'));
    } else if (typeof body === 'object' && typeof body[Symbol.iterator] === 'function') {
      this.#iterator = body[Symbol.iterator]();
    } else {
      throw new TypeError(`response body: expected a string, bytes, null or an iterable of chunks, got ${typeof body}`);
    }
  }
  #push(bytes) {
    if (bytes.length) {
      this.#pieces.push(bytes);
      this.#size += bytes.length;
    }
  }
  /** True when nothing is left. */
  get done() { return this.#iterator === undefined && this.#size === 0; }
  /** Up to `max` bytes, pulling from the iterator as needed (see above). */
  take(max) {
    const enough = this.#stream ? Math.min(max, 1) : max;
    while (this.#iterator !== undefined && this.#size < enough) {
      const next = this.#iterator.next();
      if (next.done) this.#iterator = undefined;
      else this.#push(chunkBytes(next.value, `response body chunk ${this.#pulled++}`));
    }
    // Views, not copies, of what is held: a large body is handed over piece by piece.
    const out = [];
    let wanted = Math.min(max, this.#size);
    while (wanted > 0) {
      const head = this.#pieces[0];
      const part = head.subarray(0, wanted);
      out.push(part);
      if (part.length === head.length) this.#pieces.shift();
      else this.#pieces[0] = head.subarray(part.length);
      this.#size -= part.length;
      wanted -= part.length;
    }
    return out.length === 1 ? out[0] : Buffer.concat(out);
  }
  /** Stops the iterator early (the session no longer needs the body). */
  close() {
    const iterator = this.#iterator;
    this.#iterator = undefined;
    this.#pieces = [];
    this.#size = 0;
    iterator?.return?.();
  }
}

/** Handles of uploads being collected and of response bodies being read. */
const uploads = new Map();
const bodies = new Map();
let nextHandle = 0n;

/** The `incoming` record of an adapter's response, with up to `max` body bytes. */
function toIncoming(response, max, stream) {
  if (response === null || typeof response !== 'object') {
    throw new TypeError(`an adapter's send must return {status, headers, body}, got ${response === null ? 'null' : typeof response}`);
  }
  const status = u16(response.status, 'response.status');
  const headers = toPairs(response.headers ?? [], 'response.headers');
  const source = new BodySource(response.body, stream);
  // A body the adapter keeps for its caller (`keepsRest: true` with an iterable body): none of
  // it crosses now; the caller takes it (`takeBody`) or the session reads it through `read`.
  if (response.keepsRest === true && !source.done && !(typeof response.body === 'string' || toBytes(response.body))) {
    const handle = ++nextHandle;
    bodies.set(handle, source);
    return { status, headers, body: '', rest: handle, keepsRest: true };
  }
  let first;
  try {
    first = source.take(max);
  } catch (e) {
    source.close();
    throw e;
  }
  if (source.done) return { status, headers, body: latin1(first), rest: undefined, keepsRest: false };
  const handle = ++nextHandle;
  bodies.set(handle, source);
  return { status, headers, body: latin1(first), rest: handle, keepsRest: false };
}

/**
 * What the last adapter call threw, and its failure kind, for requests.mjs to make the
 * error's cause (each call forgets the one before: a failure retried away is not kept).
 */
let lastFailure;

/**
 * The value thrown most recently by an adapter, if the request failed with it: the
 * session's error is of kind `errorKind` (the failure's kind, `transport` for `other`).
 * Taken once.
 */
export function takeAdapterError(errorKind) {
  const failure = lastFailure;
  lastFailure = undefined;
  if (failure === undefined) return undefined;
  const kind = failure.kind === 'other' ? 'transport' : failure.kind;
  return kind === errorKind ? failure.error : undefined;
}

/** Forgets what an adapter threw before (a new request starts). */
export function clearAdapterError() { lastFailure = undefined; }

/** Throws the WIT `failure` for `error` the way jco takes it (an object with a `payload`). */
function fail(error) {
  let kind = 'other';
  if (error instanceof AdapterError) kind = error.kind;
  else if (typeof error?.code === 'string' && Object.hasOwn(NODE_CODES, error.code)) kind = NODE_CODES[error.code];
  const message = error instanceof AdapterError ? error.message
    : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  lastFailure = { kind, error };
  // jco takes `payload` as the `err` value of the result.
  throw { payload: { kind, message } };
}

function adapterFor(name) {
  const adapter = adapters.get(name);
  if (adapter === undefined) throw new AdapterError('other', `no adapter is registered as ${JSON.stringify(name)}`);
  return adapter;
}

/** Calls the adapter's `send`, refusing a promise (adapters run inside a synchronous call). */
function callSend(adapter, name, request, settings) {
  const response = adapter.send(request, settings);
  if (response !== null && typeof response === 'object' && typeof response.then === 'function') {
    throw new TypeError(`the adapter ${JSON.stringify(name)} returned a promise: send must be synchronous`);
  }
  return response;
}

/** `send`: one request with its whole body (a Latin-1 string, or undefined for none). */
export function send(name, head, body, settings, max) {
  lastFailure = undefined;
  try {
    const adapter = adapterFor(name);
    const request = new AdapterRequest(head, body === undefined ? null : Buffer.from(body, 'latin1'));
    return toIncoming(callSend(adapter, name, request, toSettings(settings)), max, settings.stream);
  } catch (e) {
    return fail(e);
  }
}

/** `start`: the head of an upload; its pieces are collected until `finish`. */
export function start(name, head, settings) {
  lastFailure = undefined;
  try {
    const adapter = adapterFor(name);
    const handle = ++nextHandle;
    const upload = { name, head, settings, pieces: [] };
    // An adapter with `start` streams the upload itself: `start(request, settings)` (the
    // request's body null) returns `{write(bytes), finish() -> response, abort()}`.
    if (typeof adapter.start === 'function') upload.stream = adapter.start(new AdapterRequest(head, null), toSettings(settings));
    uploads.set(handle, upload);
    return handle;
  } catch (e) {
    return fail(e);
  }
}

/** `write`: the next piece of an upload. */
export function write(handle, bytes) {
  lastFailure = undefined;
  try {
    const upload = uploads.get(handle);
    if (!upload) throw new AdapterError('other', `no upload has the handle ${handle}`);
    if (upload.stream) upload.stream.write(Buffer.from(bytes, 'latin1'));
    else upload.pieces.push(Buffer.from(bytes, 'latin1'));
  } catch (e) {
    fail(e);
  }
}

/** `finish`: the upload's whole body goes to the adapter's `send`; the handle is released. */
export function finish(handle, max) {
  lastFailure = undefined;
  try {
    const upload = uploads.get(handle);
    if (!upload) throw new AdapterError('other', `no upload has the handle ${handle}`);
    uploads.delete(handle);
    if (upload.stream) return toIncoming(upload.stream.finish(), max, upload.settings.stream);
    const adapter = adapterFor(upload.name);
    const request = new AdapterRequest(upload.head, Buffer.concat(upload.pieces));
    return toIncoming(callSend(adapter, upload.name, request, toSettings(upload.settings)), max, upload.settings.stream);
  } catch (e) {
    return fail(e);
  }
}

/** `read`: up to `max` more bytes of a response body; the handle is released at the end. */
export function read(handle, max) {
  lastFailure = undefined;
  const source = bodies.get(handle);
  try {
    if (!source) throw new AdapterError('other', `no response body has the handle ${handle}`);
    const piece = source.take(Math.max(max, 1));
    if (source.done) bodies.delete(handle);
    return { bytes: latin1(piece), end: source.done };
  } catch (e) {
    if (source) {
      bodies.delete(handle);
      try { source.close(); } catch { /* the body is given up either way */ }
    }
    return fail(e);
  }
}

/** `discard`: forget an upload or a body (closing a body's iterator); unknown handles are ignored. */
export function discard(handle) {
  const upload = uploads.get(handle);
  uploads.delete(handle);
  const source = bodies.get(handle);
  bodies.delete(handle);
  try {
    upload?.stream?.abort?.();
    source?.close();
  } catch {
    // Nothing may be thrown back into jco; the body is released either way.
  }
}

/**
 * What the adapter's `start` returned for the upload handle `handle` (its own upload, which a
 * caller that took the upload from the session, `body-writer.host-upload`, writes to
 * directly), or undefined.
 */
export function uploadStream(handle) { return uploads.get(handle)?.stream; }

/**
 * The body of the response handle `handle` as its adapter gave it, untouched, for a caller
 * that took it from the session (`response.takeHostBody()`): the handle is released
 * without closing it. Undefined for an unknown handle.
 */
export function takeBody(handle) {
  const source = bodies.get(handle);
  bodies.delete(handle);
  return source?.body;
}

/** How many uploads and bodies are in flight (for tests: none once responses are read or dropped). */
export function openHandles() { return uploads.size + bodies.size; }
