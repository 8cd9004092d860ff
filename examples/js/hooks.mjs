// Owns the `requests:http/hooks` import of the transpiled component: `npm run build`
// maps it here (`jco transpile --map requests:http/hooks=../hooks.mjs`), so jco calls
// `onRequest` / `onResponse` by hook name. It keeps the registry of hook functions by
// name (requests.mjs registers a Session's hooks under generated names before each
// request), and converts what hooks see and return. It must not import requests.mjs
// (the generated module imports this one, and requests.mjs imports the generated one).
//
// Nothing may be thrown back into jco: an exception escaping an import call unwinds
// through the component without cleaning up and breaks it. Every failure becomes the
// `fail` action (the request then throws HookError), and every value a hook returns is
// checked before jco lowers it (jco would wrap a status of 70000, or turn an object
// given as headers into an empty list, without a word).
//
// Bodies: the component shows hooks a request or response body only up to 1 MiB
// (`MAX_HOOK_BODY`, for hosts that cannot copy large values; jco could, but the component
// is the same for every host). A larger one reaches them as null, and a null body handed
// back in its place (`none`) keeps it: a hook that only changes headers or the status of a
// large request or response leaves its body alone. To change such a body, give one ('' empties
// it). A body a hook gives may be of any size.

import { headerOf, toBytes, toPairs, u16, utf8 } from './convert.mjs';
import { redactPairs, redactUrl, withRedactedHeaders } from './redact.mjs';
import { inspect } from 'node:util';

/** name -> hook function. */
const registry = new Map();

/**
 * Registers the hook functions of `hooks` (`{request: fn[], response: fn[]}`) under
 * names made from `prefix` and their position, and returns those names as a WIT
 * `hook-set`. Names depend only on position, so re-registering replaces the functions.
 */
export function registerHooks(prefix, hooks) {
  const names = { request: [], response: [] };
  for (const event of ['request', 'response']) {
    hooks[event].forEach((hook, i) => {
      const name = `${prefix}/${event}/${i}`;
      registry.set(name, hook);
      names[event].push(name);
    });
  }
  return names;
}

/** Forgets every hook registered under `prefix`. */
export function unregisterHooks(prefix) {
  for (const name of registry.keys()) if (name.startsWith(`${prefix}/`)) registry.delete(name);
}

const decoder = new TextDecoder();

/** What a HookRequest or HookResponse prints: its fields, credentials redacted (redact.mjs). */
function printable(value) {
  if (value instanceof HookRequest) {
    return { method: value.method, url: redactUrl(value.url), headers: redactPairs(value.headers), body: value.body };
  }
  const out = { ...value, headers: redactPairs(value.headers) };
  if (value.request instanceof HookRequest) out.request = printable(value.request);
  return out;
}

/**
 * What `util.inspect` (console.log), `String()` and `JSON.stringify` make of hook objects:
 * the fields, with `Authorization` / `Proxy-Authorization` values as `***` and URLs without
 * userinfo (the headers a hook sees carry the request's credentials).
 */
class Printable {
  toJSON() { return printable(this); }
  toString() { return `${this.constructor.name} ${JSON.stringify(printable(this))}`; }
  [inspect.custom](depth, options) {
    return `${this.constructor.name} ${inspect(printable(this), { ...options, depth: options.depth === null ? null : depth })}`;
  }
}

/**
 * A request as hooks see it, about to be sent. Change it in place (or return a
 * HookResponse to answer it without sending anything).
 */
export class HookRequest extends Printable {
  constructor({ method, url, headers = [], body = null }) {
    super();
    /** The upper-case method. */
    this.method = method;
    /** The full URL (no userinfo). */
    this.url = url;
    /** `[name, value]` pairs, in order (the host adds `Host`); printed with credentials redacted. */
    this.headers = withRedactedHeaders(headers.map(([name, value]) => [name, value]));
    /**
     * The encoded body (Uint8Array), or null: also for a streamed upload, and for a body
     * over 1 MiB, which hooks are not shown. Left null, that body is sent as it is.
     */
    this.body = body ?? null;
  }
  /** A header by case-insensitive name (repeats joined with `, `), or null. */
  header(name) { return headerOf(this.headers, name); }
  /** Replace every header of that name (case-insensitive) with one; `null` removes them. */
  setHeader(name, value) {
    const lower = name.toLowerCase();
    this.headers = withRedactedHeaders(this.headers.filter(([n]) => n.toLowerCase() !== lower));
    if (value !== null && value !== undefined) this.headers.push([name, String(value)]);
  }
}

/**
 * A response as hooks see it, and as they give one: `new HookResponse({status: 200,
 * headers: {'Content-Type': 'text/plain'}, body: 'cached'})`. The body is decoded
 * content; it is null when the request is streamed (left for the caller to read) and when
 * it is over 1 MiB (hooks are not shown it). A replacement with a null body keeps a body
 * over 1 MiB the hook was not shown (`{ ...res, status: 299 }` changes only the status);
 * otherwise null is an empty body.
 */
export class HookResponse extends Printable {
  constructor({ status, headers = [], body = null, request = null }) {
    super();
    this.status = status;
    /** `[name, value]` pairs, in order (an object or any iterable of pairs is accepted). */
    this.headers = headers;
    /** The body: a Uint8Array, a string (UTF-8), or null. */
    this.body = body;
    /** The HookRequest as sent (for the responses the session hands to hooks). */
    this.request = request;
  }
  header(name) { return headerOf(toPairs(this.headers, 'headers'), name); }
  /** The body as UTF-8 text ('' when there is none). */
  text() { return typeof this.body === 'string' ? this.body : decoder.decode(this.body ?? new Uint8Array()); }
  json() { return JSON.parse(this.text()); }
}

/** Pairs for jco: an array of two-string arrays. */
function witHeaders(headers, what) {
  return toPairs(headers, what).map(([name, value]) => {
    if (typeof name !== 'string') throw new TypeError(`${what}: header names must be strings`);
    return [name, value];
  });
}

/** A body for jco: a Uint8Array, or undefined for none. */
function witBody(body, what) {
  if (body === null || body === undefined) return undefined;
  const bytes = typeof body === 'string' ? utf8.encode(body) : toBytes(body);
  if (!bytes) throw new TypeError(`${what}: expected a string, bytes or null, got ${typeof body}`);
  return bytes;
}

function witRequest(request) {
  if (typeof request.method !== 'string' || typeof request.url !== 'string') {
    throw new TypeError('the request hook left a method or url that is not a string');
  }
  return {
    method: request.method,
    url: request.url,
    headers: witHeaders(request.headers, 'request.headers'),
    body: witBody(request.body, 'request.body'),
  };
}

function witResponse(response) {
  if (response === null || typeof response !== 'object') {
    throw new TypeError(`a hook must return a HookResponse (or {status, headers, body}), got ${typeof response}`);
  }
  return {
    status: u16(response.status, 'response.status'),
    headers: witHeaders(response.headers ?? [], 'response.headers'),
    body: witBody(response.body, 'response.body'),
  };
}

/**
 * The request a hook was given, still as it was: bodiless (a body's bytes may have been
 * changed in place, which is not worth checking), with equal headers. (A changed request
 * whose body is still null goes back with `none`, which keeps a body over 1 MiB that the
 * hook was not shown.)
 */
function unchanged(request, given) {
  const { headers } = request;
  return request.method === given.method && request.url === given.url
    && request.body === null && given.body === undefined
    && Array.isArray(headers) && headers.length === given.headers.length
    && headers.every((pair, i) => Array.isArray(pair) && pair[0] === given.headers[i][0] && pair[1] === given.headers[i][1]);
}

/** What a hook returned, unless it is a promise: hooks run inside a synchronous call. */
function settled(result, name) {
  if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
    throw new TypeError(`hook ${name} returned a promise: hooks must be synchronous functions`);
  }
  return result;
}

/** The `fail` action for anything thrown, with the thrown value kept for the caller. */
function fail(error) {
  lastError = error;
  return { tag: 'fail', val: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}

let lastError;
/** The last value a hook threw (or a conversion error), taken once: requests.mjs makes it the HookError's cause. */
export function takeHookError() {
  const error = lastError;
  lastError = undefined;
  return error;
}

/** `on-request`: run the hook; undefined sends the (changed) request, a response answers it. */
export function onRequest(name, request) {
  try {
    const hook = registry.get(name);
    if (!hook) return fail(new Error(`no request hook is registered as ${JSON.stringify(name)}`));
    const seen = new HookRequest(request);
    const result = settled(hook(seen), name);
    const sent = result === undefined || result === null ? seen : result;
    if (!(sent instanceof HookRequest)) return { tag: 'respond', val: witResponse(sent) };
    // Unchanged, it is kept rather than checked again by the component.
    return unchanged(sent, request) ? { tag: 'keep' } : { tag: 'replace', val: witRequest(sent) };
  } catch (e) {
    return fail(e);
  }
}

/** `on-response`: run the hook; undefined keeps the response, a response replaces it. */
export function onResponse(name, request, response) {
  try {
    const hook = registry.get(name);
    if (!hook) return fail(new Error(`no response hook is registered as ${JSON.stringify(name)}`));
    const seen = new HookResponse({ ...response, body: response.body ?? null, request: new HookRequest(request) });
    const result = settled(hook(seen), name);
    if (result === undefined || result === null) return { tag: 'keep' };
    return { tag: 'replace', val: witResponse(result) };
  } catch (e) {
    return fail(e);
  }
}
