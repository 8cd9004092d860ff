// Owns the conversion of the wrapper's JS-friendly options into the WIT values jco
// expects (request and send options, bodies and uploads, auth, timeouts, verify and
// cert, retry policies, cookies, links, the sockets adapter's options) and back. The checks shared with hooks.mjs are in convert.mjs.

import { frozenHeaders, isPlainObject, toBytes, toPairs, u16, utf8 } from './convert.mjs';
import { REDACTED, redacted, withRedactedPassword, withRedactedUrls } from './redact.mjs';

/** `[username, password]` or `{username, password}` -> WIT `credentials`. */
export function toCredentials(value, what) {
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
export function toAuth(auth) {
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

/**
 * WIT `auth` -> `{username, password}`, `{bearer}` or `{digest: {username, password}}`; none -> null.
 * The objects print (inspect, String, JSON.stringify) with the password or token as `***`.
 */
export function fromAuth(auth) {
  if (auth === undefined) return null;
  if (auth.tag === 'basic') return withRedactedPassword({ ...auth.val });
  if (auth.tag === 'digest') return { digest: withRedactedPassword({ ...auth.val }) };
  return redacted({ bearer: auth.val }, () => ({ bearer: REDACTED }));
}

/**
 * Checks a WIT u32. jco does not: it wraps and truncates (-1 -> 4294967295, 2**32 + 5 -> 5),
 * so a bad timeout would silently become another one.
 */
export function u32(value, what) {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${what}: expected an integer from 0 to 4294967295, got ${value}`);
  }
  return value;
}

/** A number of milliseconds (connect and read) or `{connectMs, readMs}` -> WIT `timeout`. */
export function toTimeout(timeout) {
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


const SOCKETS_KEYS = new Set(['timeout', 'maxIdlePerHost', 'maxIdle', 'idleTimeoutMs']);

/**
 * The `sockets` option of `new Session` -> the WIT `sockets-options` of `adapter.sockets`:
 * `true` (undefined: the component's defaults) or `{timeout, maxIdlePerHost, maxIdle,
 * idleTimeoutMs}`, each optional (`timeout` as `toTimeout` takes it, the others u32s).
 */
export function toSocketsOptions(sockets) {
  if (sockets === true) return undefined;
  if (!isPlainObject(sockets)) {
    throw new TypeError('sockets: expected true or {timeout, maxIdlePerHost, maxIdle, idleTimeoutMs}');
  }
  checkKeys(sockets, SOCKETS_KEYS, 'sockets');
  const count = (key) => (sockets[key] == null ? undefined : u32(sockets[key], `sockets.${key}`));
  return {
    timeout: sockets.timeout == null ? undefined : toTimeout(sockets.timeout),
    maxIdlePerHost: count('maxIdlePerHost'),
    maxIdle: count('maxIdle'),
    idleTimeoutMs: count('idleTimeoutMs'),
  };
}

/** A part's content: a string (UTF-8) or bytes (Uint8Array, Buffer, any view, ArrayBuffer). */
export function partData(value, what) {
  const bytes = typeof value === 'string' ? utf8.encode(value) : toBytes(value);
  if (!bytes) throw new TypeError(`${what}: expected a string or bytes, got ${value === null ? 'null' : typeof value}`);
  return bytes;
}

export const PART_KEYS = new Set(['name', 'data', 'filename', 'contentType', 'headers']);

/** `{name, data, filename?, contentType?, headers?}` -> WIT `part` (a file part when it has a filename). */
export function toPart(part, what) {
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
export function toFilePart(name, spec, what) {
  if (!Array.isArray(spec)) return { name, filename: name, contentType: undefined, headers: [], data: partData(spec, what) };
  if (spec.length < 2 || spec.length > 4) {
    throw new TypeError(`${what}: expected the content or [filename, data, contentType?, headers?]`);
  }
  const [filename, data, contentType, headers] = spec;
  return toPart({ name, filename, data, contentType, headers }, what);
}

/** `files`: an object, or `[name, spec]` pairs (or any iterable of them) to repeat a name. */
export function toFileParts(files) {
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
export function toBody({ json, data, files, multipart }) {
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

/** The fields of a retry policy, as `Session.retries` gives and takes them. */
export const RETRY_KEYS = new Set([
  'total', 'connect', 'read', 'status', 'backoffFactorMs', 'backoffMaxMs', 'backoffJitterMs',
  'statusForcelist', 'allowedMethods', 'respectRetryAfter', 'retryAfterMaxMs',
]);

export function iterableOf(value, what) {
  if (value === null || typeof value !== 'object' || typeof value[Symbol.iterator] !== 'function') {
    throw new TypeError(`${what}: expected an array (or any iterable)`);
  }
  return [...value];
}

/**
 * A number (retries in all) or `{total, connect, read, status, backoffFactorMs,
 * backoffMaxMs, backoffJitterMs, statusForcelist, allowedMethods, respectRetryAfter,
 * retryAfterMaxMs}` -> WIT `retry-policy`. The defaults are the component's:
 * `policyFor(total)` is its `retry-policy-for` (what a number means, and what the
 * fields a policy object leaves out, or gives as undefined, become), so `total` is
 * required in an object. `null` counts and methods mean "`total` limits it" and "the
 * idempotent methods". Only types and the ranges jco would wrap are checked here; the
 * component checks the rest (a backoff cap below the factor, a status outside 100-599,
 * a method that is not a token: InvalidRequest, `invalid-option`, from the setter).
 */
export function toRetryPolicy(init, policyFor, what = 'retries') {
  if (typeof init === 'number') return policyFor(u32(init, what));
  if (init === null || typeof init !== 'object' || Array.isArray(init)) {
    throw new TypeError(`${what}: expected a number of retries or a policy object`);
  }
  checkKeys(init, RETRY_KEYS, what);
  if (init.total === undefined) {
    throw new TypeError(`${what}.total: required (the component's defaults for the other fields follow from it)`);
  }
  const base = policyFor(u32(init.total, `${what}.total`));
  const given = (key) => init[key] !== undefined;
  const number = (key) => (given(key) ? u32(init[key], `${what}.${key}`) : base[key]);
  const count = (key) => (!given(key) ? base[key] : init[key] === null ? undefined : u32(init[key], `${what}.${key}`));
  let statusForcelist = base.statusForcelist;
  if (given('statusForcelist')) {
    statusForcelist = Uint16Array.from(iterableOf(init.statusForcelist, `${what}.statusForcelist`)
      .map((status, i) => u16(status, `${what}.statusForcelist[${i}]`)));
  }
  let allowedMethods = base.allowedMethods;
  if (given('allowedMethods')) {
    allowedMethods = init.allowedMethods === null ? undefined
      : iterableOf(init.allowedMethods, `${what}.allowedMethods`).map((method, i) => {
        if (typeof method !== 'string') throw new TypeError(`${what}.allowedMethods[${i}]: expected a string`);
        return method;
      });
  }
  let respectRetryAfter = base.respectRetryAfter;
  if (given('respectRetryAfter')) {
    respectRetryAfter = init.respectRetryAfter;
    if (typeof respectRetryAfter !== 'boolean') throw new TypeError(`${what}.respectRetryAfter: expected a boolean`);
  }
  return {
    total: base.total,
    connect: count('connect'),
    read: count('read'),
    status: count('status'),
    backoffFactorMs: number('backoffFactorMs'),
    backoffMaxMs: number('backoffMaxMs'),
    backoffJitterMs: number('backoffJitterMs'),
    statusForcelist,
    allowedMethods,
    respectRetryAfter,
    retryAfterMaxMs: number('retryAfterMaxMs'),
  };
}

/** WIT `retry-policy` (or none) -> every field spelled out (`null` for none), or null. */
export function fromRetryPolicy(policy) {
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



/**
 * `true` (verify against the default roots), `false` (do not verify), or a CA bundle
 * (a path, `{path}` or `{data: PEM text}`) -> WIT `verify`.
 */
export function toVerify(verify, what = 'verify') {
  if (verify === true) return { tag: 'enabled' };
  if (verify === false) return { tag: 'disabled' };
  return { tag: 'ca-bundle', val: toPem(verify, what, 'true, false, a CA bundle path') };
}

/** WIT `verify` -> `true`, `false`, a CA bundle path, or `{data}` (the bundle's PEM text). */
export function fromVerify(verify) {
  if (verify.tag === 'enabled') return true;
  if (verify.tag === 'disabled') return false;
  return fromPem(verify.val);
}

/** A path, `{path}` or `{data: PEM text}` -> WIT `pem`. */
export function toPem(pem, what, expected = 'a path') {
  if (typeof pem === 'string') return { tag: 'path', val: pem };
  if (isPlainObject(pem) && Object.keys(pem).length === 1) {
    if (typeof pem.path === 'string') return { tag: 'path', val: pem.path };
    if (typeof pem.data === 'string') return { tag: 'data', val: pem.data };
  }
  throw new TypeError(`${what}: expected ${expected}, {path} or {data: PEM text}`);
}

/** WIT `pem` -> the path, or `{data}`: printed as `{data: '***'}` when `secret` (a private key). */
export function fromPem(pem, secret = false) {
  if (pem.tag === 'path') return pem.val;
  const data = { data: pem.val };
  return secret ? redacted(data, () => ({ data: REDACTED })) : data;
}

/**
 * requests' `cert`: the certificate (with its key in it), `[cert, key]`, or `{cert, key?}`,
 * each a path, `{path}` or `{data: PEM text}` -> WIT `client-cert`; null or undefined: none.
 */
export function toCert(cert, what = 'cert') {
  if (cert === null || cert === undefined) return undefined;
  if (Array.isArray(cert)) {
    if (cert.length !== 2) throw new TypeError(`${what}: expected [cert, key]`);
    return { cert: toPem(cert[0], `${what}[0]`), key: toPem(cert[1], `${what}[1]`) };
  }
  if (isPlainObject(cert) && Object.hasOwn(cert, 'cert')) {
    checkKeys(cert, CERT_KEYS, what);
    return { cert: toPem(cert.cert, `${what}.cert`), key: cert.key == null ? undefined : toPem(cert.key, `${what}.key`) };
  }
  return { cert: toPem(cert, what, 'a path, [cert, key], {cert, key}'), key: undefined };
}
const CERT_KEYS = new Set(['cert', 'key']);

/**
 * WIT `client-cert` -> the certificate alone when it holds its key, else `[cert, key]`
 * (as requests takes them); PEM text given as `{data}` prints as `***`. None -> null.
 */
export function fromCert(cert) {
  if (cert === undefined) return null;
  if (cert.key === undefined) return fromPem(cert.cert, true);
  return [fromPem(cert.cert, true), fromPem(cert.key, true)];
}

export const REQUEST_OPTIONS = new Set([
  'params', 'headers', 'cookies', 'json', 'data', 'files', 'multipart', 'auth', 'timeout',
  'allowRedirects', 'stream', 'verify', 'cert', 'proxies', 'hooks',
]);
export const SEND_OPTIONS = new Set(['timeout', 'allowRedirects', 'stream', 'verify', 'cert', 'proxies']);
/** The verbs and `request` also take `contentLength`, for `data` given as chunks. */
export const VERB_OPTIONS = new Set([...REQUEST_OPTIONS, 'contentLength']);
export const BODY_OPTIONS = ['json', 'data', 'files', 'multipart'];
/** `startRequest`: the request options without a body, plus `contentLength`. */
export const UPLOAD_OPTIONS = new Set([...VERB_OPTIONS].filter((key) => !BODY_OPTIONS.includes(key)));

export function checkKeys(options, allowed, what) {
  if (options === null || typeof options !== 'object') throw new TypeError(`${what}: expected an object`);
  for (const key of Object.keys(options)) {
    if (!allowed.has(key)) throw new TypeError(`${what}: unknown option "${key}"`);
  }
}

/**
 * The send options among `options` -> WIT `send-options`, or undefined when none is
 * given (every field, and the whole record, left out inherits the session's setting).
 */
function sendOptions(options) {
  const send = {
    timeout: toTimeout(options.timeout),
    allowRedirects: optionalBoolean(options.allowRedirects, 'allowRedirects'),
    stream: optionalBoolean(options.stream, 'stream'),
    verify: options.verify === undefined ? undefined : toVerify(options.verify),
    cert: toCert(options.cert),
    proxies: toPairs(options.proxies, 'proxies'),
  };
  return Object.values(send).every((value) => value === undefined) ? undefined : send;
}

function optionalBoolean(value, what) {
  if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`${what}: expected a boolean`);
  return value;
}

/**
 * JS options -> WIT `request-options`. Every field left out inherits the session's
 * setting. `hooks` are the names the session registered for the request's hooks.
 */
export function toRequestOptions(options = {}, hooks = undefined) {
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
    hooks,
    send: sendOptions(options),
  };
}

export const HOOK_EVENTS = new Set(['request', 'response']);

/**
 * `{request?, response?}` with a function or an array of functions per event ->
 * `{request: fn[], response: fn[]}`.
 */
export function toHookLists(hooks, what) {
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


/** `session.send` and `mergeEnvironmentSettings` options -> WIT `option<send-options>`. */
export function toSendOptions(options = {}) {
  checkKeys(options, SEND_OPTIONS, 'send options');
  return sendOptions(options);
}

/** One chunk of a streamed upload (a string, UTF-8, or bytes) -> Uint8Array. */
export function toChunk(chunk, what = 'chunk') {
  const bytes = typeof chunk === 'string' ? utf8.encode(chunk) : toBytes(chunk);
  if (!bytes) throw new TypeError(`${what}: expected a string or bytes, got ${chunk === null ? 'null' : typeof chunk}`);
  return bytes;
}

export const isChunk = (value) => typeof value === 'string' || toBytes(value) !== undefined;

/** The chunks of `iterator`, the first (already taken) one included; closes it when left early. */
export function* withFirst(first, iterator) {
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
export function chunkSource(data, contentLength) {
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
export function toContentLength(length) {
  return length == null ? undefined : u64(length, 'contentLength');
}

/** WIT `cookie` -> the same with `expires` as a Number of seconds since the epoch (or undefined). */
export function fromCookie(cookie) {
  return { ...cookie, expires: cookie.expires === undefined ? undefined : Number(cookie.expires) };
}

export function toSeconds(expires) {
  if (expires === undefined || expires === null) return undefined;
  if (expires instanceof Date) return BigInt(Math.floor(expires.getTime() / 1000));
  return BigInt(Math.trunc(Number(expires)));
}

export const frozenPairs = (pairs) => Object.freeze(pairs.map((p) => Object.freeze(p)));
export { frozenHeaders };
/** Proxy pairs, frozen; they print without the proxies' userinfo (passwords). */
export const frozenProxies = (pairs) => Object.freeze(withRedactedUrls(pairs.map((p) => Object.freeze(p))));

export const U64_MAX = 0xffff_ffff_ffff_ffffn;

/**
 * Checks a WIT u64 (jco would wrap -1 to 2**64 - 1): a BigInt from 0 to 2**64 - 1,
 * or a Number that is a non-negative safe integer (larger ones may not be exact).
 */
export function u64(value, what) {
  if (typeof value === 'bigint' && value >= 0n && value <= U64_MAX) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw new RangeError(`${what}: expected a safe non-negative integer or a BigInt below 2**64, got ${value}`);
}

/** A WIT u64 as a Number when it is exact as one, else as the BigInt. */
export const fromU64 = (value) => (value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value);

/** WIT `link` -> `{url, rel, params}` (`rel` null when absent; params as frozen pairs). */
export function fromLink({ url, rel, params }) {
  return Object.freeze({ url, rel: rel ?? null, params: frozenPairs(params) });
}
