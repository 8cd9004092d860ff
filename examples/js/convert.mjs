// Owns the conversions of values that several modules need (requests.mjs, errors.mjs,
// hooks.mjs, host-adapters.mjs): pairs, bytes, u16 and header lookup. jco's own lowering
// accepts too much (an object where a list is expected becomes an empty list; a u16
// wraps), so values are checked here.

import { withRedactedHeaders } from './redact.mjs';

export const isPlainObject = (v) => v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;

export const utf8 = new TextEncoder();

/**
 * Pairs from an object (`{a: 1, b: [2, 3], c: null}`), an array of `[name, value]`,
 * or any iterable of entries (Map, URLSearchParams, Headers). A `null`/`undefined`
 * value becomes `undefined` (WIT `none`: "remove the session's entry") when
 * `removable`, else it is a TypeError.
 */
export function toPairs(input, what, removable = false) {
  if (input === undefined) return undefined;
  const entries = isPlainObject(input) ? Object.entries(input) : input;
  if (entries === null || typeof entries[Symbol.iterator] !== 'function' || typeof entries === 'string') {
    throw new TypeError(`${what}: expected an object or [name, value] pairs, got ${typeof input}`);
  }
  const out = [];
  const push = (name, value) => {
    if (value === null || value === undefined) {
      if (!removable) throw new TypeError(`${what}: "${name}" has no value`);
      out.push([name, undefined]);
    } else out.push([name, String(value)]);
  };
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length !== 2) throw new TypeError(`${what}: expected [name, value] pairs`);
    const [name, value] = entry;
    // An array value in an object repeats the name: {tag: ['a', 'b']} -> tag=a&tag=b.
    if (Array.isArray(value) && entries !== input) for (const v of value) push(String(name), v);
    else push(String(name), value);
  }
  return out;
}

export function toBytes(data) {
  if (data instanceof Uint8Array) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return undefined;
}

/** Checks a WIT u16 (jco would wrap 65536 to 0). */
export function u16(value, what) {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new RangeError(`${what}: expected an integer from 0 to 65535, got ${value}`);
  }
  return value;
}

/** Case-insensitive header lookup in `[name, value]` pairs; repeats joined with `, `; null if absent. */
export function headerOf(headers, name) {
  const lower = String(name).toLowerCase();
  const values = headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
  return values.length ? values.join(', ') : null;
}

/** Header pairs, frozen; they print with `Authorization` / `Proxy-Authorization` values as `***`. */
export const frozenHeaders = (pairs) => Object.freeze(withRedactedHeaders(pairs.map((p) => Object.freeze(p))));
