// Owns redaction: no value the wrapper hands out prints a secret. A password, a bearer
// token, a proxy password, URL userinfo, or an `Authorization` / `Proxy-Authorization`
// value (Basic credentials are only base64) never appears in what `util.inspect`
// (console.log), `String()` / template literals, or `JSON.stringify` make of it. The
// values themselves are untouched: `auth.password` is still the password, `headers[i][1]`
// still the header; only those three views are redacted, through non-enumerable members
// (so `assert.deepEqual`, spreading and `Object.keys` see the plain data).

import { inspect } from 'node:util';

export const REDACTED = '***';
/** Header names (lower case) whose values are credentials. */
export const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization']);

/**
 * `url` without its userinfo, `scheme://***@host/...` (the component's own form, so a URL
 * reads the same whichever side printed it); anything else is returned as it is.
 */
export function redactUrl(url) {
  if (typeof url !== 'string') return url;
  const start = url.indexOf('://');
  if (start < 0) return url;
  const rest = url.slice(start + 3);
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const at = authority.lastIndexOf('@');
  return at < 0 ? url : `${url.slice(0, start + 3)}${REDACTED}@${rest.slice(at + 1)}`;
}

/** `***` for the value of a credential header, else the value (its userinfo removed). */
export function redactHeader(name, value) {
  return typeof name === 'string' && SECRET_HEADERS.has(name.toLowerCase()) ? REDACTED : redactUrl(value);
}

/**
 * Headers with credential values redacted: `[name, value]` pairs (an array or any iterable
 * of them: Map, Headers), or a plain object (anything else is left as it is).
 */
export function redactPairs(pairs) {
  if (pairs === null || typeof pairs !== 'object') return pairs;
  if (Object.getPrototypeOf(pairs) === Object.prototype) {
    return Object.fromEntries(Object.entries(pairs).map(([name, value]) => [name, redactHeader(name, value)]));
  }
  if (typeof pairs[Symbol.iterator] !== 'function') return pairs;
  return Array.from(pairs, (pair) => (Array.isArray(pair) && pair.length === 2 ? [pair[0], redactHeader(pair[0], pair[1])] : pair));
}

/**
 * Gives `target` non-enumerable `toJSON`, `toString` and `util.inspect.custom` members
 * that show `view(target)` instead of `target` (call before freezing it). Returns `target`.
 */
export function redacted(target, view) {
  Object.defineProperties(target, {
    toJSON: { value() { return view(this); }, configurable: true, writable: true },
    toString: { value() { return String(view(this)); }, configurable: true, writable: true },
    [inspect.custom]: {
      value(depth, options) { return inspect(view(this), { ...options, depth: options.depth === null ? null : depth }); },
      configurable: true,
      writable: true,
    },
  });
  return target;
}

/** Header pairs (an array) that print with credential values as `***`. */
export const withRedactedHeaders = (pairs) => redacted(pairs, redactPairs);

/** `[key, url]` pairs (proxies) that print without the URLs' userinfo. */
export const withRedactedUrls = (pairs) => redacted(pairs, (p) => p.map(([key, url]) => [key, redactUrl(url)]));

/** `{username, password}` that prints with the password as `***`. */
export const withRedactedPassword = (credentials) => redacted(credentials, (c) => ({ ...c, password: REDACTED }));
