// Owns the decoding of response bodies read on the main thread (index.mjs's Response: a body
// kept there, or one that crossed whole), by the component's own rules so that `text()`,
// `json()` and `readLine()` give what the component gives for the same bytes:
// src/response/charset.rs (four charsets; any other name decodes as UTF-8 with replacement)
// and `Response::json` in src/response.rs (a UTF-8 BOM skipped; UTF-8 whatever the charset).

import { Buffer } from 'node:buffer';

const LATIN1 = new Set(['iso-8859-1', 'iso8859-1', 'latin-1', 'latin1', 'l1']);
const WINDOWS_1252 = new Set(['windows-1252', 'cp1252']);
const ASCII = new Set(['us-ascii', 'ascii']);

const utf8Lossy = new TextDecoder('utf-8', { ignoreBOM: true });
// WHATWG windows-1252 is the component's table (0x81, 0x8D, 0x8F, 0x90, 0x9D as C1 controls).
const windows1252 = new TextDecoder('windows-1252');
// Not ignoreBOM: a UTF-8 BOM is skipped, as the component's json() skips it.
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

const latin1 = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/** The text of `bytes` in `encoding` (a charset name; null or unknown: UTF-8, bad bytes as U+FFFD). */
export function decodeText(bytes, encoding) {
  const name = String(encoding ?? 'utf-8').trim().toLowerCase();
  if (LATIN1.has(name)) return latin1(bytes);
  if (WINDOWS_1252.has(name)) return windows1252.decode(bytes);
  // US-ASCII: a byte over 0x7F is U+FFFD (TextDecoder's 'us-ascii' would be windows-1252).
  if (ASCII.has(name)) return latin1(bytes).replace(/[\x80-\xff]/g, '\uFFFD');
  return utf8Lossy.decode(bytes);
}

/**
 * The JSON value of a body. Throws a SyntaxError whose message is why it is not JSON: not
 * UTF-8 (the component's words), or JSON.parse's.
 */
export function parseJson(bytes) {
  let text;
  try {
    text = utf8Strict.decode(bytes);
  } catch (e) {
    throw new SyntaxError(`the body is not UTF-8 JSON: ${e.message}`, { cause: e });
  }
  return JSON.parse(text);
}
