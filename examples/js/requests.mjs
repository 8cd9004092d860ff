// Owns the hand-written, requests-style JavaScript API over the jco-transpiled
// component (generated/requests.js): Session, Response, PreparedRequest and the
// error classes. It only converts values and errors; all HTTP behaviour (merging,
// cookies, redirects, auth, decoding) is the component's. Types: requests.d.ts.
//
// How jco represents the WIT values handled here:
//   option<T>   -> T or undefined          tuple<a, b>  -> [a, b]
//   record      -> plain object, camelCase  variant      -> {tag: 'kebab-case', val}
//   list<u8>    -> Uint8Array              u64 / s64    -> BigInt;  u16 / u32 / f64 -> number
//   (jco wraps out-of-range integers instead of rejecting them: this module checks u32s)
//   resource    -> class (methods camelCase, [Symbol.dispose] frees the handle)
//   result<T, error> -> returns T, or throws ComponentError whose `.payload` is the error variant

import { isPlainObject, toBytes, toPairs, u16, utf8 } from './convert.mjs';
import { HookRequest, HookResponse, registerHooks, takeHookError, unregisterHooks } from './hooks.mjs';

export { HookRequest, HookResponse };

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

/** The component's adapter resource, unwrapped: `Adapter.http({})`, `Adapter.scripted([...])`. */
export const Adapter = generated.types.Adapter;

// ---------------------------------------------------------------------------
// Errors

/** Base class of every error the component reports. */
export class RequestsError extends Error {
  constructor(message, { kind, payload, response, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    /** The WIT `error` case, e.g. `connection-refused`. */
    this.kind = kind;
    /** The WIT `error` variant as jco gave it (`{tag, val}`). */
    this.payload = payload;
    if (response !== undefined) this.response = response;
  }
}
/** Bad input, found before anything was sent (requests raises these as ValueError too). */
export class InvalidRequest extends RequestsError {}
export class MissingSchema extends InvalidRequest {}
export class InvalidSchema extends InvalidRequest {}
export class InvalidURL extends InvalidRequest {}
export class InvalidHeader extends InvalidRequest {}
export class InvalidJSONError extends InvalidRequest {}
/** The connection could not be made or broke. */
export class ConnectionError extends RequestsError {
  // As in requests, a ConnectTimeout is a ConnectionError too (JS has single inheritance).
  static [Symbol.hasInstance](value) {
    return Function.prototype[Symbol.hasInstance].call(this, value) ||
      (this === ConnectionError && value instanceof ConnectTimeout);
  }
}
export class SSLError extends ConnectionError {}
/** Any other wasi:http `error-code`: `.code` is its case name, `.detail` what the host said. */
export class TransportError extends ConnectionError {
  constructor(message, options) {
    super(message, options);
    this.code = options.payload.val.code;
    this.detail = options.payload.val.detail;
  }
}
export class Timeout extends RequestsError {}
export class ConnectTimeout extends Timeout {}
export class ReadTimeout extends Timeout {}
/** More redirects than `maxRedirects`; `.response` is the last redirect response. */
export class TooManyRedirects extends RequestsError {}
/** From `raiseForStatus()`: `.status`, `.reason`, `.url`, and `.response`. */
export class HTTPError extends RequestsError {
  constructor(message, options) {
    super(message, options);
    ({ status: this.status, reason: this.reason, url: this.url } = options.payload.val);
  }
}
export class JSONDecodeError extends RequestsError {}
export class ContentDecodingError extends RequestsError {}
/** A body read into memory (or one line of it) is larger than the session's `maxBodySize`. */
export class BodyTooLarge extends RequestsError {}
/**
 * The retry policy ran out on a retried status (urllib3's MaxRetryError: `Max retries
 * exceeded with url: ...`). Retries that end on an error throw that last error instead.
 */
export class RetryError extends RequestsError {}
export class StreamConsumedError extends RequestsError {}
export class SessionClosed extends RequestsError {}
/** A setting wasi:http cannot honour (verify=false, cert, an applicable proxy). */
export class Unsupported extends RequestsError {}
/**
 * A request or response hook failed (threw, returned something that is not a valid
 * request or response, or called back into its own session). `.cause` is what the
 * hook threw, when it threw.
 */
export class HookError extends RequestsError {}

const ERROR_CLASSES = {
  'missing-schema': MissingSchema,
  'invalid-schema': InvalidSchema,
  'invalid-url': InvalidURL,
  'invalid-header': InvalidHeader,
  'invalid-method': InvalidRequest,
  'invalid-json': InvalidJSONError,
  'invalid-cookie': InvalidRequest,
  'invalid-option': InvalidRequest,
  'connection-refused': ConnectionError,
  connection: ConnectionError,
  dns: ConnectionError,
  tls: SSLError,
  'connect-timeout': ConnectTimeout,
  'read-timeout': ReadTimeout,
  'too-many-redirects': TooManyRedirects,
  'http-status': HTTPError,
  'json-decode': JSONDecodeError,
  'content-decoding': ContentDecodingError,
  'body-too-large': BodyTooLarge,
  retry: RetryError,
  'stream-consumed': StreamConsumedError,
  'session-closed': SessionClosed,
  unsupported: Unsupported,
  transport: TransportError,
  hook: HookError,
};

/**
 * Turns jco's `ComponentError` (whose `.payload` is the WIT `error` variant) into
 * the matching RequestsError subclass; anything else (a trap, a TypeError) is
 * returned unchanged. Useful around calls on the raw API too.
 */
export function fromComponentError(e) {
  if (!(e instanceof Error) || e instanceof RequestsError || !Object.hasOwn(e, 'payload')) return e;
  const payload = e.payload;
  const Class = ERROR_CLASSES[payload?.tag];
  if (!Class) return e;
  const { tag, val } = payload;
  let message;
  let response;
  if (tag === 'session-closed') message = 'the session is closed';
  else if (tag === 'transport') message = val.detail ? `${val.code}: ${val.detail}` : val.code;
  else if (tag === 'too-many-redirects') {
    message = val.message;
    response = new Response(val.response);
  } else if (tag === 'http-status') message = val.message;
  else message = val;
  const cause = tag === 'hook' ? takeHookError() ?? e : e;
  return new Class(message, { kind: tag, payload, response, cause });
}

function call(fn) {
  try {
    return fn();
  } catch (e) {
    throw fromComponentError(e);
  }
}

// ---------------------------------------------------------------------------
// Value conversion (JS-friendly input -> what jco expects; the shared part is convert.mjs)

/** `[username, password]` or `{username, password}` -> WIT `credentials`. */
function toCredentials(value, what) {
  if (Array.isArray(value) && value.length === 2) return { username: String(value[0]), password: String(value[1]) };
  if (value && typeof value === 'object' && 'username' in value) {
    return { username: String(value.username), password: String(value.password ?? '') };
  }
  throw new TypeError(`${what}: expected [username, password] or {username, password}`);
}

/**
 * `['user', 'pass']` or `{username, password}` (Basic), `{bearer: token}`, or
 * `{digest: ['user', 'pass'] | {username, password}}` (Digest) -> WIT `auth`.
 */
function toAuth(auth) {
  if (Array.isArray(auth) && auth.length === 2) return { tag: 'basic', val: toCredentials(auth, 'auth') };
  if (auth && typeof auth === 'object') {
    if ('bearer' in auth) return { tag: 'bearer', val: String(auth.bearer) };
    if ('digest' in auth) return { tag: 'digest', val: toCredentials(auth.digest, 'auth.digest') };
    if ('username' in auth) return { tag: 'basic', val: toCredentials(auth, 'auth') };
  }
  throw new TypeError(
    'auth: expected [username, password], {username, password}, {bearer: token} or {digest: [username, password]}',
  );
}

/** WIT `auth` -> `{username, password}`, `{bearer}` or `{digest: {username, password}}`; none -> null. */
function fromAuth(auth) {
  if (auth === undefined) return null;
  if (auth.tag === 'basic') return { ...auth.val };
  if (auth.tag === 'digest') return { digest: { ...auth.val } };
  return { bearer: auth.val };
}

/**
 * Checks a WIT u32. jco does not: it wraps and truncates (-1 -> 4294967295, 2**32 + 5 -> 5),
 * so a bad timeout would silently become another one.
 */
function u32(value, what) {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${what}: expected an integer from 0 to 4294967295, got ${value}`);
  }
  return value;
}

/** A number of milliseconds (connect and read) or `{connectMs, readMs}` -> WIT `timeout`. */
function toTimeout(timeout) {
  if (timeout === undefined) return undefined;
  if (typeof timeout === 'number') return { connectMs: u32(timeout, 'timeout'), readMs: timeout };
  if (timeout && typeof timeout === 'object') {
    const { connectMs, readMs } = timeout;
    return {
      connectMs: connectMs === undefined ? undefined : u32(connectMs, 'timeout.connectMs'),
      readMs: readMs === undefined ? undefined : u32(readMs, 'timeout.readMs'),
    };
  }
  throw new TypeError('timeout: expected milliseconds or {connectMs, readMs}');
}


/** A part's content: a string (UTF-8) or bytes (Uint8Array, Buffer, any view, ArrayBuffer). */
function partData(value, what) {
  const bytes = typeof value === 'string' ? utf8.encode(value) : toBytes(value);
  if (!bytes) throw new TypeError(`${what}: expected a string or bytes, got ${value === null ? 'null' : typeof value}`);
  return bytes;
}

const PART_KEYS = new Set(['name', 'data', 'filename', 'contentType', 'headers']);

/** `{name, data, filename?, contentType?, headers?}` -> WIT `part` (a file part when it has a filename). */
function toPart(part, what) {
  checkKeys(part, PART_KEYS, what);
  const { name, data, filename, contentType, headers } = part;
  if (typeof name !== 'string') throw new TypeError(`${what}.name: expected a string`);
  return {
    name,
    filename: filename == null ? undefined : String(filename),
    contentType: contentType == null ? undefined : String(contentType),
    headers: toPairs(headers ?? undefined, `${what}.headers`) ?? [],
    data: partData(data, `${what}.data`),
  };
}

/**
 * One entry of requests' `files`: the content alone (the field name is the
 * filename, as in requests), or `[filename, data, contentType?, headers?]`
 * (a `null` filename makes a plain field) -> WIT `part`.
 */
function toFilePart(name, spec, what) {
  if (!Array.isArray(spec)) return { name, filename: name, contentType: undefined, headers: [], data: partData(spec, what) };
  if (spec.length < 2 || spec.length > 4) {
    throw new TypeError(`${what}: expected the content or [filename, data, contentType?, headers?]`);
  }
  const [filename, data, contentType, headers] = spec;
  return toPart({ name, filename, data, contentType, headers }, what);
}

/** `files`: an object, or `[name, spec]` pairs (or any iterable of them) to repeat a name. */
function toFileParts(files) {
  const entries = isPlainObject(files) ? Object.entries(files) : files;
  if (entries === null || typeof entries !== 'object' || typeof entries[Symbol.iterator] !== 'function') {
    throw new TypeError('files: expected an object or [name, file] pairs');
  }
  const parts = [];
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length !== 2) throw new TypeError('files: expected [name, file] pairs');
    const name = String(entry[0]);
    parts.push(toFilePart(name, entry[1], `files["${name}"]`));
  }
  return parts;
}

/**
 * The body options -> WIT `body`: `json` (any value, JSON.stringify'd); `data` (a
 * string, bytes, or form pairs); `files` (multipart, after the form fields of
 * `data`, as requests does); or `multipart` (the parts spelled out).
 */
function toBody({ json, data, files, multipart }) {
  const given = Object.entries({ json, data, files, multipart }).filter(([, v]) => v !== undefined).map(([k]) => k);
  const allowed = given.length <= 1 || (given.length === 2 && given.includes('data') && given.includes('files'));
  if (!allowed) throw new TypeError(`give one body option (json, data, files or multipart), or data with files; got ${given.join(' and ')}`);
  if (json !== undefined) return { tag: 'json', val: JSON.stringify(json) };
  if (multipart !== undefined) {
    if (!Array.isArray(multipart)) throw new TypeError('multipart: expected an array of parts');
    return { tag: 'multipart', val: multipart.map((part, i) => toPart(part, `multipart[${i}]`)) };
  }
  if (files !== undefined) {
    if (typeof data === 'string' || toBytes(data)) throw new TypeError('data: with files it must be form fields, not a string or bytes');
    const fields = (toPairs(data, 'data') ?? []).map(([name, value]) => (
      { name, filename: undefined, contentType: undefined, headers: [], data: utf8.encode(value) }
    ));
    return { tag: 'multipart', val: [...fields, ...toFileParts(files)] };
  }
  if (data === undefined) return undefined;
  if (typeof data === 'string') return { tag: 'text', val: data };
  const bytes = toBytes(data);
  if (bytes) return { tag: 'bytes', val: bytes };
  return { tag: 'form', val: toPairs(data, 'data') };
}

/**
 * What a retry policy's omitted fields become: the component's default policy
 * (urllib3's `Retry(3)`, idempotent methods only, `Retry-After` respected on
 * 413/429/503, no forcelist) with a backoff of 100 ms doubling up to 10 s plus up
 * to 50 ms of jitter, and `Retry-After` waits cut at 30 s. `null` counts and
 * methods mean "`total` limits it" and "the idempotent methods". An omitted
 * `backoffMaxMs` is raised to `backoffFactorMs` when that is larger.
 */
export const RETRY_DEFAULTS = Object.freeze({
  total: 3,
  connect: null,
  read: null,
  status: null,
  backoffFactorMs: 100,
  backoffMaxMs: 10_000,
  backoffJitterMs: 50,
  statusForcelist: Object.freeze([]),
  allowedMethods: null,
  respectRetryAfter: true,
  retryAfterMaxMs: 30_000,
});
const RETRY_KEYS = new Set(Object.keys(RETRY_DEFAULTS));

function iterableOf(value, what) {
  if (value === null || typeof value !== 'object' || typeof value[Symbol.iterator] !== 'function') {
    throw new TypeError(`${what}: expected an array (or any iterable)`);
  }
  return [...value];
}

/**
 * A number (retries in all, the rest defaulted) or `{total, connect, read, status,
 * backoffFactorMs, backoffMaxMs, backoffJitterMs, statusForcelist, allowedMethods,
 * respectRetryAfter, retryAfterMaxMs}` (omitted or undefined fields: RETRY_DEFAULTS)
 * -> WIT `retry-policy`. Types and ranges are checked here; what the component checks
 * (a backoff cap below the factor, a status outside 100-599, a method that is not a
 * token) throws InvalidRequest (`invalid-option`) from the setter.
 */
function toRetryPolicy(init, what = 'retries') {
  if (typeof init === 'number') init = { total: init };
  if (init === null || typeof init !== 'object' || Array.isArray(init)) {
    throw new TypeError(`${what}: expected a number of retries or a policy object`);
  }
  checkKeys(init, RETRY_KEYS, what);
  const field = (key) => (init[key] === undefined ? RETRY_DEFAULTS[key] : init[key]);
  const count = (key) => {
    const value = field(key);
    return value === null ? undefined : u32(value, `${what}.${key}`);
  };
  const backoffFactorMs = u32(field('backoffFactorMs'), `${what}.backoffFactorMs`);
  const backoffMaxMs = init.backoffMaxMs === undefined
    ? Math.max(RETRY_DEFAULTS.backoffMaxMs, backoffFactorMs)
    : u32(init.backoffMaxMs, `${what}.backoffMaxMs`);
  const statuses = iterableOf(field('statusForcelist'), `${what}.statusForcelist`)
    .map((status, i) => u16(status, `${what}.statusForcelist[${i}]`));
  const methods = field('allowedMethods');
  const respectRetryAfter = field('respectRetryAfter');
  if (typeof respectRetryAfter !== 'boolean') throw new TypeError(`${what}.respectRetryAfter: expected a boolean`);
  return {
    total: u32(field('total'), `${what}.total`),
    connect: count('connect'),
    read: count('read'),
    status: count('status'),
    backoffFactorMs,
    backoffMaxMs,
    backoffJitterMs: u32(field('backoffJitterMs'), `${what}.backoffJitterMs`),
    statusForcelist: Uint16Array.from(statuses),
    allowedMethods: methods === null ? undefined : iterableOf(methods, `${what}.allowedMethods`).map((method, i) => {
      if (typeof method !== 'string') throw new TypeError(`${what}.allowedMethods[${i}]: expected a string`);
      return method;
    }),
    respectRetryAfter,
    retryAfterMaxMs: u32(field('retryAfterMaxMs'), `${what}.retryAfterMaxMs`),
  };
}

/** WIT `retry-policy` (or none) -> every field spelled out (`null` for none), or null. */
function fromRetryPolicy(policy) {
  if (policy === undefined) return null;
  return {
    total: policy.total,
    connect: policy.connect ?? null,
    read: policy.read ?? null,
    status: policy.status ?? null,
    backoffFactorMs: policy.backoffFactorMs,
    backoffMaxMs: policy.backoffMaxMs,
    backoffJitterMs: policy.backoffJitterMs,
    statusForcelist: Array.from(policy.statusForcelist),
    allowedMethods: policy.allowedMethods === undefined ? null : [...policy.allowedMethods],
    respectRetryAfter: policy.respectRetryAfter,
    retryAfterMaxMs: policy.retryAfterMaxMs,
  };
}

/** An adapter's retry policy (used for requests whose session sets none), or null. */
export function adapterRetries(adapter) { return fromRetryPolicy(call(() => adapter.retries())); }
/** Set an adapter's retry policy, as `Session.retries` takes it; null for none. */
export function setAdapterRetries(adapter, policy) {
  const wit = policy == null ? undefined : toRetryPolicy(policy, 'adapter retries');
  call(() => adapter.setRetries(wit));
}

const REQUEST_OPTIONS = new Set([
  'params', 'headers', 'cookies', 'json', 'data', 'files', 'multipart', 'auth', 'timeout',
  'allowRedirects', 'stream', 'verify', 'cert', 'proxies', 'hooks',
]);
const SEND_OPTIONS = new Set(['timeout', 'allowRedirects', 'stream', 'verify', 'cert', 'proxies']);
/** The verbs and `request` also take `contentLength`, for `data` given as chunks. */
const VERB_OPTIONS = new Set([...REQUEST_OPTIONS, 'contentLength']);
const BODY_OPTIONS = ['json', 'data', 'files', 'multipart'];
/** `startRequest`: the request options without a body, plus `contentLength`. */
const UPLOAD_OPTIONS = new Set([...VERB_OPTIONS].filter((key) => !BODY_OPTIONS.includes(key)));

function checkKeys(options, allowed, what) {
  if (options === null || typeof options !== 'object') throw new TypeError(`${what}: expected an object`);
  for (const key of Object.keys(options)) {
    if (!allowed.has(key)) throw new TypeError(`${what}: unknown option "${key}"`);
  }
}

/**
 * JS options -> WIT `request-options`. Every field left out inherits the session's
 * setting. `hooks` are the names the session registered for the request's hooks.
 */
function toRequestOptions(options = {}, hooks = undefined) {
  checkKeys(options, REQUEST_OPTIONS, 'request options');
  const { auth } = options;
  return {
    params: toPairs(options.params, 'params', true),
    headers: toPairs(options.headers, 'headers', true),
    cookies: toPairs(options.cookies, 'cookies'),
    body: toBody(options),
    // null or false: no auth for this request; undefined: the session's.
    auth: auth === undefined ? undefined : auth === null || auth === false
      ? { tag: 'disable' } : { tag: 'replace', val: toAuth(auth) },
    timeout: toTimeout(options.timeout),
    allowRedirects: options.allowRedirects,
    stream: options.stream,
    verify: options.verify,
    cert: options.cert,
    proxies: toPairs(options.proxies, 'proxies'),
    hooks,
  };
}

const HOOK_EVENTS = new Set(['request', 'response']);

/**
 * `{request?, response?}` with a function or an array of functions per event ->
 * `{request: fn[], response: fn[]}`.
 */
function toHookLists(hooks, what) {
  if (hooks === null || typeof hooks !== 'object' || Array.isArray(hooks)) {
    throw new TypeError(`${what}: expected {request: [...], response: [...]}`);
  }
  checkKeys(hooks, HOOK_EVENTS, what);
  const lists = {};
  for (const event of HOOK_EVENTS) {
    const value = hooks[event] ?? [];
    const list = typeof value === 'function' ? [value] : value;
    if (!Array.isArray(list) || !list.every((hook) => typeof hook === 'function')) {
      throw new TypeError(`${what}.${event}: expected a function or an array of functions`);
    }
    lists[event] = list;
  }
  return lists;
}

let sessionCount = 0;

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

function toSendOptions(options = {}) {
  checkKeys(options, SEND_OPTIONS, 'send options');
  return {
    timeout: toTimeout(options.timeout),
    allowRedirects: options.allowRedirects,
    stream: options.stream,
    verify: options.verify,
    cert: options.cert,
    proxies: toPairs(options.proxies, 'proxies'),
  };
}

/** One chunk of a streamed upload (a string, UTF-8, or bytes) -> Uint8Array. */
function toChunk(chunk, what = 'chunk') {
  const bytes = typeof chunk === 'string' ? utf8.encode(chunk) : toBytes(chunk);
  if (!bytes) throw new TypeError(`${what}: expected a string or bytes, got ${chunk === null ? 'null' : typeof chunk}`);
  return bytes;
}

const isChunk = (value) => typeof value === 'string' || toBytes(value) !== undefined;

/** The chunks of `iterator`, the first (already taken) one included; closes it when left early. */
function* withFirst(first, iterator) {
  if (first.done) return;
  let closed = false;
  try {
    yield first.value;
    for (;;) {
      closed = true; // a throwing next() has closed it
      const next = iterator.next();
      closed = next.done;
      if (closed) return;
      yield next.value;
    }
  } finally {
    if (!closed) iterator.return?.();
  }
}

/**
 * Sorts out `data` that is an iterable other than a string or bytes by its first
 * item: strings or bytes are chunks to stream (`{chunks}`), `[name, value]` pairs
 * are form fields (`{data}`, collected into an array). An empty one is an empty
 * upload when it is an iterator (a generator) or `contentLength` is given, else an
 * empty form. Anything else: undefined (toBody handles it).
 */
function chunkSource(data, contentLength) {
  if (data === null || typeof data !== 'object' || isPlainObject(data) || toBytes(data)) return undefined;
  if (typeof data[Symbol.iterator] !== 'function') {
    if (typeof data[Symbol.asyncIterator] === 'function') {
      throw new TypeError('data: an async iterable cannot be sent by a synchronous call; write its chunks to session.startRequest(...) instead');
    }
    return undefined;
  }
  const iterator = data[Symbol.iterator]();
  const first = iterator.next();
  if (first.done ? contentLength != null || typeof data.next === 'function' : isChunk(first.value)) {
    // close: for when the chunks are not read at all (iterating closes them when left early).
    return { chunks: withFirst(first, iterator), close: () => iterator.return?.() };
  }
  return { data: [...withFirst(first, iterator)] };
}

/** `contentLength` (a safe integer, a BigInt, or null / undefined for chunked) -> WIT option<u64>. */
function toContentLength(length) {
  return length == null ? undefined : u64(length, 'contentLength');
}

/** WIT `cookie` -> the same with `expires` as a Number of seconds since the epoch (or undefined). */
function fromCookie(cookie) {
  return { ...cookie, expires: cookie.expires === undefined ? undefined : Number(cookie.expires) };
}

function toSeconds(expires) {
  if (expires === undefined || expires === null) return undefined;
  if (expires instanceof Date) return BigInt(Math.floor(expires.getTime() / 1000));
  return BigInt(Math.trunc(Number(expires)));
}

const frozenPairs = (pairs) => Object.freeze(pairs.map((p) => Object.freeze(p)));

const U64_MAX = 0xffff_ffff_ffff_ffffn;

/**
 * Checks a WIT u64 (jco would wrap -1 to 2**64 - 1): a BigInt from 0 to 2**64 - 1,
 * or a Number that is a non-negative safe integer (larger ones may not be exact).
 */
function u64(value, what) {
  if (typeof value === 'bigint' && value >= 0n && value <= U64_MAX) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw new RangeError(`${what}: expected a safe non-negative integer or a BigInt below 2**64, got ${value}`);
}

/** A WIT u64 as a Number when it is exact as one, else as the BigInt. */
const fromU64 = (value) => (value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value);

/** WIT `link` -> `{url, rel, params}` (`rel` null when absent; params as frozen pairs). */
function fromLink({ url, rel, params }) {
  return Object.freeze({ url, rel: rel ?? null, params: frozenPairs(params) });
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
  get headers() { return frozenPairs(this.raw.headers()); }
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
  /** The headers in order, as `[name, value]` pairs. */
  get headers() { return frozenPairs(this.raw.headers()); }
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
  /** Up to `max` decoded bytes of a streamed body, or null at the end. */
  readChunk(max = 65536) { return call(() => this.raw.readChunk(u32(max, 'max'))) ?? null; }
  /** Iterates over a streamed body in chunks of at most `chunkSize` bytes. */
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
  constructor(rawWriter, contentLength, hooksPrefix = undefined) {
    /** The jco `BodyWriter` resource; null once finished or disposed. */
    this.raw = rawWriter;
    this.#contentLength = contentLength;
    this.#hooksPrefix = hooksPrefix;
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
      return new Response(call(() => raw.session.BodyWriter.finish(writer)));
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

  constructor() {
    /** The jco `Session` resource. */
    this.raw = new raw.session.Session();
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
  get headers() { return frozenPairs(call(() => this.raw.headers())); }
  /** Replace every default header (an object or pairs). */
  set headers(headers) { call(() => this.raw.setHeaders(toPairs(headers, 'headers'))); }
  /** Set one default header (replacing any of that name, case-insensitively). */
  setHeader(name, value) { call(() => this.raw.setHeader(name, String(value))); }
  /** Remove a default header; true if it was there. */
  removeHeader(name) { return call(() => this.raw.removeHeader(name)); }

  get params() { return frozenPairs(call(() => this.raw.params())); }
  set params(params) { call(() => this.raw.setParams(toPairs(params, 'params'))); }

  /** `{username, password}` (Basic), `{bearer}`, `{digest: {username, password}}`, or null. */
  get auth() { return fromAuth(call(() => this.raw.auth())); }
  /**
   * `[username, password]` or `{username, password}` (Basic), `{bearer: token}`,
   * `{digest: [username, password]}` (or `{digest: {username, password}}`), or null for none.
   */
  set auth(auth) { call(() => this.raw.setAuth(auth == null ? undefined : toAuth(auth))); }

  /** The cookies in the jar; `expires` is seconds since the epoch or undefined. */
  cookies() { return call(() => this.raw.cookies()).map(fromCookie); }
  /** Put a cookie in the jar: `{name, value, domain?, path?, secure?, expires?: seconds | Date}`. */
  setCookie({ name, value, domain, path, secure = false, expires }) {
    call(() => this.raw.setCookie({ name, value, domain, path, secure, expires: toSeconds(expires) }));
  }
  /** Remove cookies by name (optionally only for a domain and path); returns how many. */
  removeCookie(name, { domain, path } = {}) { return call(() => this.raw.removeCookie(name, domain, path)); }
  clearCookies() { call(() => this.raw.clearCookies()); }

  get maxRedirects() { return call(() => this.raw.maxRedirects()); }
  set maxRedirects(max) { call(() => this.raw.setMaxRedirects(u32(max, 'maxRedirects'))); }
  get trustEnv() { return call(() => this.raw.trustEnv()); }
  set trustEnv(trust) { call(() => this.raw.setTrustEnv(trust)); }
  get stream() { return call(() => this.raw.stream()); }
  set stream(stream) { call(() => this.raw.setStream(stream)); }
  get verify() { return call(() => this.raw.verify()); }
  set verify(verify) { call(() => this.raw.setVerify(verify)); }
  get cert() { return call(() => this.raw.cert()) ?? null; }
  set cert(cert) { call(() => this.raw.setCert(cert ?? undefined)); }
  get proxies() { return frozenPairs(call(() => this.raw.proxies())); }
  set proxies(proxies) { call(() => this.raw.setProxies(toPairs(proxies, 'proxies'))); }
  /** `{connectMs, readMs}` or null. */
  get timeout() { return call(() => this.raw.timeout()) ?? null; }
  /** Milliseconds (connect and read), `{connectMs, readMs}`, or null for none. */
  set timeout(timeout) { call(() => this.raw.setTimeout(timeout == null ? undefined : toTimeout(timeout))); }

  /**
   * The retry policy of every request (it beats the adapter's), every field spelled
   * out, or null (the default: no retries unless the adapter has a policy).
   */
  get retries() { return fromRetryPolicy(call(() => this.raw.retries())); }
  /**
   * A number of retries in all, a policy object (omitted fields: RETRY_DEFAULTS), or
   * null for none. Connection set-up failures are retried for any method; read
   * failures and retried statuses only for idempotent methods (`allowedMethods`
   * narrows them). Out of retries on a status: RetryError; on an error: that error.
   */
  set retries(policy) {
    const wit = policy == null ? undefined : toRetryPolicy(policy);
    call(() => this.raw.setRetries(wit));
  }

  /** The URL relative request URLs are resolved against (userinfo left out), or null. */
  get baseUrl() { return call(() => this.raw.baseUrl()) ?? null; }
  /** An absolute URL (a string, or a URL: anything with a string `href`), or null for none. */
  set baseUrl(url) {
    const href = url == null ? undefined : typeof url === 'string' ? url : url?.href;
    if (url != null && typeof href !== 'string') throw new TypeError('baseUrl: expected a string, a URL or null');
    call(() => this.raw.setBaseUrl(href));
  }
  /** Every 4xx and 5xx response throws HTTPError (without `.response`: the error carries none). */
  get errorForStatus() { return call(() => this.raw.errorForStatus()); }
  set errorForStatus(on) { call(() => this.raw.setErrorForStatus(Boolean(on))); }
  /**
   * The most decoded bytes a body read into memory may have (256 MiB by default);
   * past it BodyTooLarge (or ContentDecodingError while decompressing). A Number,
   * or a BigInt when it is too large to be exact as a Number.
   */
  get maxBodySize() { return fromU64(call(() => this.raw.maxBodySize())); }
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
  /**
   * The settings a request to `url` would be sent with once the environment is
   * merged in (requests' `merge_environment_settings`): `{proxies, stream, verify,
   * caBundle, cert, netrcAuth}`.
   */
  mergeEnvironmentSettings(url, options) {
    const opts = toSendOptions(options);
    const merged = call(() => this.raw.mergeEnvironmentSettings(url, opts));
    return {
      proxies: frozenPairs(merged.proxies),
      stream: merged.stream,
      verify: merged.verify,
      caBundle: merged.caBundle ?? null,
      cert: merged.cert ?? null,
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
      return new Upload(call(() => this.raw.startRequest(method, url, opts, length)), length, hooks.prefix);
    } catch (e) {
      if (hooks.prefix) unregisterHooks(hooks.prefix);
      throw e;
    }
  }

  // A request or verb call: `data` given as chunks goes through an Upload, the
  // rest through `send` (the component's request or verb function).
  #request(method, url, options, send, followRedirects = true) {
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
      upload = this.startRequest(method, url, { ...head, allowRedirects: head.allowRedirects ?? followRedirects, contentLength });
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
    // An upload follows redirects unless told not to, so head's default is spelled out for it.
    return this.#request(verb.toUpperCase(), url, options, (opts) => this.raw[verb](url, opts), verb !== 'head');
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
  /** Use `adapter` (an `Adapter`) for URLs starting with `prefix`. */
  mount(prefix, adapter) { call(() => this.raw.mount(prefix, adapter)); }

  /** Close the session; later calls throw SessionClosed. */
  close() {
    this.raw.close();
    unregisterHooks(this.#id);
  }
  [Symbol.dispose]() {
    this.close();
    this.raw[Symbol.dispose]();
  }
}
