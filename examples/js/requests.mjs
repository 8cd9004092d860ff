// Owns the hand-written, requests-style JavaScript API over the jco-transpiled
// component (generated/requests.js): Session, Response, PreparedRequest, Upload, and
// turning the component's errors into the classes of errors.mjs (a session created with
// `{sockets}` runs on the world `client-with-sockets` build, generated-sockets/). It only
// converts values (options.mjs) and errors; all HTTP behaviour (merging, cookies, redirects,
// auth, decoding, retries and their defaults, error messages) is the component's.
// Adapters written in JS are host-adapters.mjs. Types: requests.d.ts.
//
// How jco represents the WIT values handled here:
//   option<T>   -> T or undefined          tuple<a, b>  -> [a, b]
//   record      -> plain object, camelCase  variant      -> {tag: 'kebab-case', val}
//   list<u8>    -> Uint8Array              u64 / s64    -> BigInt;  u16 / u32 / f64 -> number
//   (jco wraps out-of-range integers instead of rejecting them: this module checks u32s)
//   resource    -> class (methods camelCase, [Symbol.dispose] frees the handle)
//   enum        -> 'kebab-case' string
//   result<T, error> -> returns T, or throws ComponentError whose `.payload` is the error record

import { isPlainObject, toBytes, toPairs, utf8 } from './convert.mjs';
import { ERROR_CLASSES, RequestsError, HTTPError } from './errors.mjs';
import { HookRequest, HookResponse, registerHooks, takeHookError, unregisterHooks } from './hooks.mjs';
import {
  AdapterError, AdapterRequest, FAILURE_KINDS, adapterName, clearAdapterError, registerAdapter,
  takeAdapterError, unregisterAdapter,
} from './host-adapters.mjs';
import {
  toAuth, fromAuth, u32, toTimeout, toRetryPolicy, fromRetryPolicy, REQUEST_OPTIONS, VERB_OPTIONS,
  BODY_OPTIONS, UPLOAD_OPTIONS, checkKeys, toRequestOptions, toHookLists, toSendOptions, toChunk,
  chunkSource, toContentLength, fromCookie, toSeconds, frozenPairs, frozenHeaders, frozenProxies,
  u64, fromU64, fromLink, toVerify, fromVerify, toCert, fromCert, toSocketsOptions,
} from './options.mjs';
import { redactPairs, redactUrl, withRedactedHeaders, redacted } from './redact.mjs';

export {
  RequestsError, InvalidRequest, MissingSchema, InvalidSchema, InvalidURL, InvalidHeader,
  InvalidJSONError, ConnectionError, SSLError, ProxyError, TransportError, Timeout, ConnectTimeout,
  ReadTimeout, TooManyRedirects, HTTPError, JSONDecodeError, ContentDecodingError, BodyTooLarge,
  RetryError, StreamConsumedError, SessionClosed, Unsupported, HookError, ResponseHead,
} from './errors.mjs';
export { HookRequest, HookResponse };
export { AdapterError, AdapterRequest, FAILURE_KINDS, registerAdapter, unregisterAdapter };

let generated;
try {
  generated = await import('./generated/requests.js');
} catch (e) {
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('generated/requests.js')) {
    throw new Error(
      'examples/js/generated/requests.js is missing: build the component, then run `npm run build`',
      { cause: e },
    );
  }
  throw e;
}

/** The transpiled component as jco exports it: `raw.session.Session`, `raw.types.Response`, ... */
export const raw = { session: generated.session, types: generated.types };

// The world `client-with-sockets` build (its own HTTP/1.1 client over wasi:sockets), for
// sessions created with `{sockets}`; optional: without it only those fail.
let socketsBuild = null;
try {
  socketsBuild = await import('./generated-sockets/requests.js');
} catch (e) {
  if (!(e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('generated-sockets/requests.js'))) throw e;
}

/**
 * The component's adapter resource, unwrapped: `Adapter.http({})`, `Adapter.scripted([...])`.
 * The requests a scripted adapter `received()` carry their credentials as sent (an
 * `Authorization` header): they print with them redacted (see redact.mjs).
 */
export const Adapter = generated.types.Adapter;
for (const AdapterClass of [Adapter, socketsBuild?.types.Adapter]) {
  const receivedRaw = AdapterClass?.prototype.received;
  if (typeof receivedRaw !== 'function') continue;
  Object.defineProperty(AdapterClass.prototype, 'received', {
    value: function received() {
      return receivedRaw.call(this).map((record) => {
        if (Array.isArray(record.headers)) withRedactedHeaders(record.headers);
        return redacted(record, (r) => ({ ...r, url: redactUrl(r.url), headers: redactPairs(r.headers) }));
      });
    },
    writable: true,
    configurable: true,
  });
}

/**
 * The most bytes one `readChunk` returns: the component caps every read at 1 MiB,
 * streamed or not, whatever it is asked for.
 */
export const READ_PIECE = 1 << 20;

/**
 * An adapter whose requests go to the JS adapter registered as `name`
 * (`registerAdapter`, host-adapters.mjs), to `session.mount`.
 */
export function hostAdapter(name) {
  if (typeof name !== 'string') throw new TypeError('hostAdapter: the name must be a string');
  return call(() => Adapter.host(name));
}

/**
 * Turns jco's `ComponentError` (whose `.payload` is the WIT `error` record) into
 * the matching RequestsError subclass, with the component's message as it is; anything
 * else (a trap, a TypeError) is returned unchanged. Useful around calls on the raw API too.
 */
export function fromComponentError(e) {
  if (!(e instanceof Error) || e instanceof RequestsError || !Object.hasOwn(e, 'payload')) return e;
  const error = e.payload;
  const Class = ERROR_CLASSES[error?.kind];
  if (!Class) return e;
  // What a hook or a JS adapter threw is the cause, when it is what failed the request.
  const cause = (error.kind === 'hook' ? takeHookError() : takeAdapterError(error.kind)) ?? e;
  return new Class(error, { cause });
}

function call(fn) {
  try {
    return fn();
  } catch (e) {
    throw fromComponentError(e);
  }
}

/** The component's `retry-policy-for`: its default policy with `total` retries. */
const policyFor = (total) => generated.types.retryPolicyFor(total);

/**
 * The component's default retry policy with `total` retries (what a number given as
 * `retries` means, and what a policy object's omitted fields become), every field spelled out.
 */
export function retryPolicyFor(total) { return fromRetryPolicy(policyFor(u32(total, 'total'))); }

/** An adapter's retry policy (used for requests whose session sets none), or null. */
export function adapterRetries(adapter) { return fromRetryPolicy(adapter.retries()); }
/** Set an adapter's retry policy, as `Session.retries` takes it; null for none. */
export function setAdapterRetries(adapter, policy) {
  const wit = policy == null ? undefined : toRetryPolicy(policy, policyFor, 'adapter retries');
  call(() => adapter.setRetries(wit));
}

let sessionCount = 0;

/** What `new Session(options)` takes. */
const SESSION_OPTIONS = new Set(['sockets']);

/**
 * A saved state without its `hooks`: the names there are the ones this module made up
 * for functions of this process, meaningless to another session (and refused by a
 * build without hooks). Text that does not parse is left for the component to refuse.
 */
function withoutHooks(state) {
  let doc;
  try {
    doc = JSON.parse(state);
  } catch {
    return state;
  }
  if (!isPlainObject(doc) || !Object.hasOwn(doc, 'hooks')) return state;
  delete doc.hooks;
  return JSON.stringify(doc);
}

// ---------------------------------------------------------------------------
// Resources

/** Unregisters a prepared request's own hooks once it is garbage-collected. */
const releaseHooks = new FinalizationRegistry((prefix) => unregisterHooks(prefix));

/** A request merged with the session's settings (`session.prepareRequest`, `response.request()`). */
export class PreparedRequest {
  constructor(rawRequest, hooksPrefix = undefined) {
    /** The jco `PreparedRequest` resource. */
    this.raw = rawRequest;
    // The request's own hooks stay registered while it can be sent.
    if (hooksPrefix) releaseHooks.register(this, hooksPrefix);
  }
  get method() { return this.raw.method(); }
  set method(method) { call(() => this.raw.setMethod(method)); }
  get url() { return this.raw.url(); }
  set url(url) { call(() => this.raw.setUrl(url)); }
  /** `[name, value]` pairs (printed with credential values as `***`). */
  get headers() { return frozenHeaders(this.raw.headers()); }
  /** Set a header, or remove it with `null`. */
  setHeader(name, value) { call(() => this.raw.setHeader(name, value ?? undefined)); }
  /** The encoded body, or null. */
  get body() { return this.raw.body() ?? null; }
  /** A string (UTF-8), bytes, or null; `Content-Length` follows. */
  set body(body) {
    const bytes = body === null || body === undefined ? undefined
      : typeof body === 'string' ? utf8.encode(body) : toBytes(body);
    if (body != null && !bytes) throw new TypeError('body: expected a string, bytes or null');
    this.raw.setBody(bytes);
  }
  [Symbol.dispose]() { this.raw[Symbol.dispose](); }
}

/** A response. Its body is already read unless the request was streamed. */
export class Response {
  constructor(rawResponse) {
    /** The jco `Response` resource. */
    this.raw = rawResponse;
  }
  get status() { return this.raw.status(); }
  get reason() { return this.raw.reason(); }
  get url() { return this.raw.url(); }
  get ok() { return this.raw.ok(); }
  /** The headers in order, as `[name, value]` pairs (printed with credential values as `***`). */
  get headers() { return frozenHeaders(this.raw.headers()); }
  /** A header by case-insensitive name (repeats joined with `, `), or null. */
  header(name) { return this.raw.header(name) ?? null; }
  headerAll(name) { return this.raw.headerAll(name); }
  /** The redirect responses that led here, oldest first. */
  get history() { return this.raw.history().map((r) => new Response(r)); }
  get elapsedMs() { return this.raw.elapsedMs(); }
  /** The cookies this response set (they are in the session's jar already). */
  cookies() { return this.raw.cookies().map(fromCookie); }
  get encoding() { return this.raw.encoding(); }
  set encoding(encoding) { call(() => this.raw.setEncoding(encoding)); }
  get isRedirect() { return this.raw.isRedirect(); }
  get isPermanentRedirect() { return this.raw.isPermanentRedirect(); }
  /**
   * The decoded size of the body once the component holds it in memory (any response not
   * streamed, or a streamed one read whole), as a Number; null while it is still streaming.
   */
  get bodySize() {
    const size = this.raw.bodySize();
    return size === undefined ? null : Number(size);
  }
  /** The decoded body bytes. */
  content() { return call(() => this.raw.content()); }
  text() { return call(() => this.raw.text()); }
  /** The body parsed as JSON (the component checks it; JSONDecodeError if it is not JSON). */
  json() { return JSON.parse(call(() => this.raw.json())); }
  /** Throws HTTPError (with `.response`) for a 4xx or 5xx status; returns this otherwise. */
  raiseForStatus() {
    try {
      this.raw.raiseForStatus();
    } catch (e) {
      const error = fromComponentError(e);
      if (error instanceof HTTPError) error.response = this;
      throw error;
    }
    return this;
  }
  /** The request as it was sent (for the last hop). */
  request() { return new PreparedRequest(this.raw.request()); }
  /** Up to `max` (at most READ_PIECE, 1 MiB) decoded bytes of the body, or null at the end. */
  readChunk(max = 65536) { return call(() => this.raw.readChunk(u32(max, 'max'))) ?? null; }
  /** Iterates over a streamed body in chunks of at most `chunkSize` bytes (and at most 1 MiB). */
  *iterContent(chunkSize = 65536) {
    for (let chunk; (chunk = this.readChunk(chunkSize)) !== null;) yield chunk;
  }
  /**
   * The next line of the body (split on `\n`, a trailing `\r` removed, decoded in
   * `encoding`), or null at the end. Shares its position with `readChunk`.
   */
  readLine() { return call(() => this.raw.readLine()) ?? null; }
  /** Iterates over the lines of the body (requests' `iter_lines`), streamed or not. */
  *iterLines() {
    for (let line; (line = this.readLine()) !== null;) yield line;
  }
  /**
   * The links of the `Link` headers (RFC 8288), keyed by `rel` (by URL when a link
   * has none; a later link of the same key wins, as in requests): `r.links.next?.url`.
   * Each is `{url, rel, params}`, the URL resolved against the response URL.
   */
  get links() {
    return Object.freeze(Object.fromEntries(this.raw.links().map((link) => [link.rel || link.url, fromLink(link)])));
  }
  /** Frees the component's response handle (jco also frees it when garbage-collected). */
  [Symbol.dispose]() { this.raw[Symbol.dispose](); }
}

/**
 * A request whose body is written in pieces (`session.startRequest`): `write` the
 * chunks, then `finish` for the response. Sent with `Content-Length` when one was
 * announced, chunked otherwise; the body is never sent twice (a 307/308 redirect or
 * a Digest challenge to it is the response).
 */
export class Upload {
  #written = 0n;
  #contentLength;
  #hooksPrefix;
  /** The build's `BodyWriter` class (its static `finish`). */
  #BodyWriter;
  constructor(rawWriter, contentLength, hooksPrefix = undefined, BodyWriter = raw.session.BodyWriter) {
    /** The jco `BodyWriter` resource; null once finished or disposed. */
    this.raw = rawWriter;
    this.#contentLength = contentLength;
    this.#hooksPrefix = hooksPrefix;
    this.#BodyWriter = BodyWriter;
  }
  /** The upload's own hooks can no longer run. */
  #release() {
    if (this.#hooksPrefix) unregisterHooks(this.#hooksPrefix);
    this.#hooksPrefix = undefined;
  }
  /** The bytes written so far: a Number (a BigInt past 2**53 - 1). */
  get written() { return fromU64(this.raw === null ? this.#written : this.raw.written()); }
  /** The announced length (a Number, or a BigInt past 2**53 - 1), or null for a chunked upload. */
  get contentLength() { return this.#contentLength === undefined ? null : fromU64(this.#contentLength); }
  #writer(what) {
    if (this.raw === null) throw new TypeError(`${what}: the upload is already finished or abandoned`);
    return this.raw;
  }
  /**
   * Send the next chunk: a string (UTF-8) or bytes. Past the announced length:
   * InvalidRequest (`invalid-option`).
   */
  write(chunk) {
    const writer = this.#writer('write');
    const bytes = toChunk(chunk);
    call(() => writer.write(bytes));
  }
  /**
   * End the body and get the response, redirects followed as for the other requests
   * (a 303 as a GET). Short of the announced length: InvalidRequest. The upload is
   * over either way.
   */
  finish() {
    const writer = this.#writer('finish');
    this.#written = writer.written();
    this.raw = null;
    try {
      return new Response(call(() => this.#BodyWriter.finish(writer)));
    } finally {
      this.#release();
    }
  }
  /** Abandon an unfinished upload (nothing if it is finished). */
  [Symbol.dispose]() {
    if (this.raw === null) return;
    this.#written = this.raw.written();
    this.raw[Symbol.dispose]();
    this.raw = null;
    this.#release();
  }
}

/** A requests-style session: default headers, params, auth, cookie jar and redirect policy. */
export class Session {
  /** The prefix of this session's hook names in the hooks.mjs registry. */
  #id = `s${++sessionCount}`;
  #hooks = { request: [], response: [] };
  /** The hook counts last given to the component's `setHooks` (null: unknown). */
  #synced = '0,0';
  /** Requests with hooks of their own so far (their registry prefixes are numbered). */
  #calls = 0;
  /** The transpiled build the session runs on (generated/, or generated-sockets/). */
  #build = generated;

  /**
   * A session on the build with hooks and JS adapters (generated/), or with `{sockets}`
   * (`true`, or `{timeout, maxIdlePerHost, maxIdle, idleTimeoutMs}`: the WIT
   * `sockets-options`) one on the world `client-with-sockets` build (generated-sockets/)
   * with `Adapter.sockets(options)` mounted for http:// and https:// (`mount-http`): the
   * component's own HTTP/1.1 client over wasi:sockets, with a keep-alive pool. That build
   * has no hooks or JS adapters (`unsupported`).
   */
  constructor(options = {}) {
    checkKeys(options, SESSION_OPTIONS, 'Session options');
    if (options.sockets === undefined || options.sockets === false) {
      /** The jco `Session` resource. */
      this.raw = new raw.session.Session();
      return;
    }
    const socketsOptions = toSocketsOptions(options.sockets);
    if (socketsBuild === null) {
      throw new Error(
        'examples/js/generated-sockets/requests.js is missing: build the component with the sockets feature '
        + '(npm run build:component), then run `npm run build`',
      );
    }
    this.#build = socketsBuild;
    this.raw = new socketsBuild.session.Session();
    const adapter = call(() => socketsBuild.types.Adapter.sockets(socketsOptions));
    try {
      call(() => this.raw.mountHttp(adapter));
    } finally {
      adapter[Symbol.dispose]();
    }
  }

  /**
   * The session's hooks: `{request: [], response: []}`, arrays of functions to push
   * onto (requests' `s.hooks['response'].append(f)`; `request` is httpx's pre-send
   * event). They run on every hop (redirects, Digest retries). A request hook gets a
   * HookRequest to change in place, or returns a HookResponse to answer without
   * sending; a response hook gets a HookResponse (`.request` is the request as sent)
   * and returns a replacement, or nothing to keep it. Hooks are synchronous; one that
   * throws fails the request with HookError (its `cause` is what was thrown).
   */
  get hooks() { return this.#hooks; }
  set hooks(hooks) { this.#hooks = toHookLists(hooks, 'hooks'); }

  /**
   * Registers the session's hooks in the hooks.mjs registry and tells the component
   * their names when their number changed (names depend only on position).
   */
  #syncHooks() {
    takeHookError();
    clearAdapterError();
    const lists = toHookLists(this.#hooks, 'session.hooks');
    unregisterHooks(`${this.#id}/session`);
    const names = registerHooks(`${this.#id}/session`, lists);
    const counts = `${names.request.length},${names.response.length}`;
    if (counts !== this.#synced) {
      call(() => this.raw.setHooks(names));
      this.#synced = counts;
    }
  }

  /**
   * Syncs the session's hooks, and registers a request's own (`perRequest`, or
   * undefined) under a prefix of their own: `{names, prefix}`, where `names` is the
   * WIT `hook-set` for the request options (undefined without hooks), and `prefix`
   * what to unregister once the request can no longer run them.
   */
  #requestHooks(perRequest, { prepared = false } = {}) {
    this.#syncHooks();
    let lists = perRequest === undefined ? undefined : toHookLists(perRequest, 'hooks');
    if (prepared) {
      // As requests' prepare_request: the session's hooks of the moment are merged in,
      // so changing them later does not change what the prepared request runs.
      const own = this.#hooks;
      lists = { request: lists?.request.length ? lists.request : [...own.request],
        response: lists?.response.length ? lists.response : [...own.response] };
      if (!lists.request.length && !lists.response.length) lists = undefined;
    }
    if (lists === undefined) return { names: undefined, prefix: undefined };
    const prefix = `${this.#id}/call${++this.#calls}`;
    return { names: registerHooks(prefix, lists), prefix };
  }

  /** The default headers as `[name, value]` pairs (a frozen snapshot: assign to change). */
  get headers() { return frozenHeaders(this.raw.headers()); }
  /** Replace every default header (an object or pairs). */
  set headers(headers) { call(() => this.raw.setHeaders(toPairs(headers, 'headers'))); }
  /** Set one default header (replacing any of that name, case-insensitively). */
  setHeader(name, value) { call(() => this.raw.setHeader(name, String(value))); }
  /** Remove a default header; true if it was there. */
  removeHeader(name) { return call(() => this.raw.removeHeader(name)); }

  get params() { return frozenPairs(this.raw.params()); }
  set params(params) { call(() => this.raw.setParams(toPairs(params, 'params'))); }

  /** `{username, password}` (Basic), `{bearer}`, `{digest: {username, password}}`, or null. */
  get auth() { return fromAuth(this.raw.auth()); }
  /**
   * `[username, password]` or `{username, password}` (Basic), `{bearer: token}`,
   * `{digest: [username, password]}` (or `{digest: {username, password}}`), or null for none.
   */
  set auth(auth) { call(() => this.raw.setAuth(auth == null ? undefined : toAuth(auth))); }

  /** The cookies in the jar; `expires` is seconds since the epoch or undefined. */
  cookies() { return this.raw.cookies().map(fromCookie); }
  /** Put a cookie in the jar: `{name, value, domain?, path?, secure?, expires?: seconds | Date}`. */
  setCookie({ name, value, domain, path, secure = false, expires }) {
    call(() => this.raw.setCookie({ name, value, domain, path, secure, expires: toSeconds(expires) }));
  }
  /** Remove cookies by name (optionally only for a domain and path); returns how many. */
  removeCookie(name, { domain, path } = {}) { return call(() => this.raw.removeCookie(name, domain, path)); }
  clearCookies() { call(() => this.raw.clearCookies()); }

  get maxRedirects() { return this.raw.maxRedirects(); }
  set maxRedirects(max) { call(() => this.raw.setMaxRedirects(u32(max, 'maxRedirects'))); }
  get trustEnv() { return this.raw.trustEnv(); }
  set trustEnv(trust) { call(() => this.raw.setTrustEnv(trust)); }
  get stream() { return this.raw.stream(); }
  set stream(stream) { call(() => this.raw.setStream(stream)); }
  /**
   * How TLS certificates are verified: `true` (the default roots), `false` (not at all),
   * or a CA bundle: its path, or `{data}` (its PEM text).
   */
  get verify() { return fromVerify(this.raw.verify()); }
  /** `true`, `false`, or a CA bundle: a path, `{path}` or `{data: PEM text}`. */
  set verify(verify) {
    const wit = toVerify(verify);
    call(() => this.raw.setVerify(wit));
  }
  /**
   * The client certificate as requests gives it: the certificate alone when it holds its
   * key, else `[cert, key]`; each a path, or `{data}` (printed as `***`). Null for none.
   */
  get cert() { return fromCert(this.raw.cert()); }
  /** A path (or `{path}`, `{data: PEM text}`), `[cert, key]`, `{cert, key}`, or null for none. */
  set cert(cert) {
    const wit = toCert(cert);
    call(() => this.raw.setCert(wit));
  }
  /** Proxy URLs by scheme, as pairs (printed without the URLs' userinfo). */
  get proxies() { return frozenProxies(this.raw.proxies()); }
  set proxies(proxies) { call(() => this.raw.setProxies(toPairs(proxies, 'proxies'))); }
  /** `{connectMs, readMs}` or null. */
  get timeout() { return this.raw.timeout() ?? null; }
  /** Milliseconds (connect and read), `{connectMs, readMs}`, or null for none. */
  set timeout(timeout) { call(() => this.raw.setTimeout(timeout == null ? undefined : toTimeout(timeout))); }

  /**
   * The retry policy of every request (it beats the adapter's), every field spelled
   * out, or null (the default: no retries unless the adapter has a policy).
   */
  get retries() { return fromRetryPolicy(this.raw.retries()); }
  /**
   * A number of retries in all (the component's `retryPolicyFor(total)`), a policy
   * object (`total` required; omitted fields: `retryPolicyFor(total)`'s), or null for none. Connection set-up failures are retried for any method; read
   * failures and retried statuses only for idempotent methods (`allowedMethods`
   * narrows them). Out of retries on a status: RetryError; on an error: that error.
   */
  set retries(policy) {
    const wit = policy == null ? undefined : toRetryPolicy(policy, (total) => this.#build.types.retryPolicyFor(total));
    call(() => this.raw.setRetries(wit));
  }

  /** The URL relative request URLs are resolved against (userinfo left out), or null. */
  get baseUrl() { return this.raw.baseUrl() ?? null; }
  /** An absolute URL (a string, or a URL: anything with a string `href`), or null for none. */
  set baseUrl(url) {
    const href = url == null ? undefined : typeof url === 'string' ? url : url?.href;
    if (url != null && typeof href !== 'string') throw new TypeError('baseUrl: expected a string, a URL or null');
    call(() => this.raw.setBaseUrl(href));
  }
  /** Every 4xx and 5xx response throws HTTPError (its `.response` is the response's head). */
  get errorForStatus() { return this.raw.errorForStatus(); }
  set errorForStatus(on) { call(() => this.raw.setErrorForStatus(Boolean(on))); }
  /**
   * The most decoded bytes a body read into memory may have (256 MiB by default);
   * past it BodyTooLarge (or ContentDecodingError while decompressing). A Number,
   * or a BigInt when it is too large to be exact as a Number.
   */
  get maxBodySize() { return fromU64(this.raw.maxBodySize()); }
  /** A non-negative safe integer Number, or a BigInt up to 2**64 - 1. */
  set maxBodySize(bytes) { call(() => this.raw.setMaxBodySize(u64(bytes, 'maxBodySize'))); }

  /**
   * The settings and cookies as JSON text, for `importState` in another session.
   * Auth and `Authorization` / `Proxy-Authorization` headers only with `includeSecrets`.
   * Hooks are left out (they are functions of this process; `hooks` stays as it is).
   */
  exportState({ includeSecrets = false } = {}) {
    if (typeof includeSecrets !== 'boolean') throw new TypeError('includeSecrets: expected a boolean');
    return withoutHooks(call(() => this.raw.exportState(includeSecrets)));
  }
  /** Replace the settings and cookies with an `exportState` text; nothing changes on error. */
  importState(state) {
    if (typeof state !== 'string') throw new TypeError('importState: expected the JSON text exportState gave');
    call(() => this.raw.importState(withoutHooks(state)));
    // The component's hook names are this session's again before the next request.
    this.#synced = null;
  }
  /** True once `close` was called (the settings stay readable). */
  get closed() { return this.raw.closed(); }

  /**
   * The settings a request to `url` would be sent with once the environment is
   * merged in (requests' `merge_environment_settings`), as the adapter gets them:
   * `{proxies, proxy, stream, verify, cert, netrcAuth}`.
   */
  mergeEnvironmentSettings(url, options) {
    const opts = toSendOptions(options);
    const merged = call(() => this.raw.mergeEnvironmentSettings(url, opts));
    return {
      proxies: frozenProxies(merged.proxies),
      proxy: merged.proxy ?? null,
      stream: merged.stream,
      verify: fromVerify(merged.verify),
      cert: fromCert(merged.cert),
      netrcAuth: merged.netrcAuth,
    };
  }

  /**
   * Start a request whose body is written through the returned Upload: the head is
   * sent now, with `Content-Length` when `contentLength` is given, chunked otherwise.
   * Takes the request options without a body (json, data, files, multipart).
   */
  startRequest(method, url, options = {}) {
    if (options !== null && typeof options === 'object') {
      const body = BODY_OPTIONS.filter((key) => Object.hasOwn(options, key));
      if (body.length) throw new TypeError(`startRequest: the body is written through the upload, not given as ${body.join(' or ')}`);
    }
    checkKeys(options, UPLOAD_OPTIONS, 'startRequest options');
    const { contentLength, ...rest } = options;
    const length = toContentLength(contentLength);
    const hooks = this.#requestHooks(rest.hooks);
    try {
      const opts = toRequestOptions(rest, hooks.names);
      const writer = call(() => this.raw.startRequest(method, url, opts, length));
      return new Upload(writer, length, hooks.prefix, this.#build.session.BodyWriter);
    } catch (e) {
      if (hooks.prefix) unregisterHooks(hooks.prefix);
      throw e;
    }
  }

  // A request or verb call: `data` given as chunks goes through an Upload, the
  // rest through `send` (the component's request or verb function).
  #request(method, url, options, send) {
    checkKeys(options, VERB_OPTIONS, 'request options');
    const { contentLength, ...rest } = options;
    const source = chunkSource(rest.data, contentLength);
    if (source?.chunks === undefined) {
      if (contentLength != null) throw new TypeError('contentLength: only with data given as an iterable of chunks');
      const hooks = this.#requestHooks(rest.hooks);
      try {
        const opts = toRequestOptions(source ? { ...rest, data: source.data } : rest, hooks.names);
        return new Response(call(() => send(opts)));
      } finally {
        if (hooks.prefix) unregisterHooks(hooks.prefix);
      }
    }
    const { json, data, files, multipart, ...head } = rest;
    let upload;
    try {
      const others = Object.entries({ json, files, multipart }).filter(([, v]) => v !== undefined).map(([k]) => k);
      if (others.length) throw new TypeError(`data given as chunks cannot go with ${others.join(' or ')}`);
      upload = this.startRequest(method, url, { ...head, contentLength });
    } catch (e) {
      source.close();
      throw e;
    }
    try {
      let i = 0;
      for (const chunk of source.chunks) upload.write(toChunk(chunk, `data chunk ${i++}`));
    } catch (e) {
      upload[Symbol.dispose]();
      throw e;
    }
    return upload.finish();
  }

  /**
   * Send a request, merged with the session's settings, following redirects.
   * `data` may be an iterable (a generator, an array...) of chunks (strings or bytes):
   * they are streamed, chunked unless `contentLength` is given.
   */
  request(method, url, options = {}) {
    return this.#request(method, url, options, (opts) => this.raw.request(method, url, opts));
  }
  // The verbs call the component's own verb functions: its `head` does not follow
  // redirects by default, while `request('HEAD', ...)` does (as in requests).
  #verb(verb, url, options = {}) {
    return this.#request(verb.toUpperCase(), url, options, (opts) => this.raw[verb](url, opts));
  }
  get(url, options) { return this.#verb('get', url, options); }
  /** Does not follow redirects unless `allowRedirects: true`. */
  head(url, options) { return this.#verb('head', url, options); }
  post(url, options) { return this.#verb('post', url, options); }
  put(url, options) { return this.#verb('put', url, options); }
  patch(url, options) { return this.#verb('patch', url, options); }
  delete(url, options) { return this.#verb('delete', url, options); }
  options(url, options) { return this.#verb('options', url, options); }

  /** Merge a request with the session's settings without sending it. */
  prepareRequest(method, url, options = {}) {
    checkKeys(options, REQUEST_OPTIONS, 'request options');
    const source = chunkSource(options.data);
    if (source?.chunks) {
      source.close();
      throw new TypeError('prepareRequest: data given as chunks cannot be prepared (send it, or use startRequest)');
    }
    const hooks = this.#requestHooks(options.hooks, { prepared: true });
    try {
      const opts = toRequestOptions(source ? { ...options, data: source.data } : options, hooks.names);
      return new PreparedRequest(call(() => this.raw.prepareRequest(method, url, opts)), hooks.prefix);
    } catch (e) {
      if (hooks.prefix) unregisterHooks(hooks.prefix);
      throw e;
    }
  }
  /** Send a prepared request as it is (jar cookies are added unless it has a Cookie header). */
  send(request, options) {
    const opts = toSendOptions(options);
    this.#syncHooks();
    return new Response(call(() => this.raw.send(request.raw, opts)));
  }
  /**
   * Use `adapter` for URLs starting with `prefix` (the longest prefix wins): an `Adapter`
   * (`Adapter.http`, `Adapter.scripted`, `hostAdapter(name)`), or an adapter written in JS
   * (an object with a `send(request, settings)` method: see host-adapters.mjs), registered
   * under a name of its own. Returns the mounted `Adapter`.
   */
  mount(prefix, adapter) {
    // An adapter of this session's build, or a JS adapter (the sockets build says `unsupported`).
    const BuildAdapter = this.#build.types.Adapter;
    const mounted = adapter instanceof BuildAdapter ? adapter : call(() => BuildAdapter.host(adapterName(adapter)));
    call(() => this.raw.mount(prefix, mounted));
    return mounted;
  }

  /** Close the session: later requests and setters throw SessionClosed (the settings stay readable). */
  close() {
    this.raw.close();
    unregisterHooks(this.#id);
  }
  [Symbol.dispose]() {
    this.close();
    this.raw[Symbol.dispose]();
  }
}
