// Owns the error classes of the wrapper: RequestsError and a subclass per kind of
// failure (named as requests names them), the class of each WIT `error-kind`, and
// ResponseHead (the response an `http-status` or `too-many-redirects` error is about).
// requests.mjs turns jco's ComponentError into them (`fromComponentError`). The
// component's message is final: it is the error's message as it is.

import { frozenHeaders, headerOf } from './convert.mjs';

/**
 * The head of the response an error is about (WIT `response-head`): `status`,
 * `reason`, `url` (no userinfo) and `headers` (printed with credentials redacted).
 */
export class ResponseHead {
  constructor({ status, reason, url, headers }) {
    this.status = status;
    this.reason = reason;
    this.url = url;
    /** `[name, value]` pairs, in order, frozen. */
    this.headers = frozenHeaders(headers);
    Object.freeze(this);
  }
  /** A header by case-insensitive name (repeats joined with `, `), or null. */
  header(name) { return headerOf(this.headers, name); }
}

/** Base class of every error the component reports. */
export class RequestsError extends Error {
  /**
   * `error` is the WIT `error` record as jco gave it: `{kind, message, url?, response?, code?}`.
   * `response`, when given, replaces the head the record carries (a full Response).
   */
  constructor(error, { response, cause } = {}) {
    super(error.message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    /** The WIT `error-kind`, e.g. `connection-refused`. */
    this.kind = error.kind;
    /** The WIT `error` record as jco gave it. */
    this.payload = error;
    /** The URL of the request that failed (no userinfo), or undefined. */
    this.url = error.url;
    const head = response ?? (error.response === undefined ? undefined : new ResponseHead(error.response));
    if (head !== undefined) this.response = head;
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
/** The proxy refused the connection or the tunnel, or failed. */
export class ProxyError extends ConnectionError {}
/** Any other transport failure: `.code` names the wasi:http `error-code` (`HTTP-protocol-error`, ...). */
export class TransportError extends ConnectionError {
  constructor(error, options) {
    super(error, options);
    this.code = error.code;
  }
}
export class Timeout extends RequestsError {}
export class ConnectTimeout extends Timeout {}
export class ReadTimeout extends Timeout {}
/** More redirects than `maxRedirects`; `.response` is the head of the last redirect response. */
export class TooManyRedirects extends RequestsError {}
/**
 * A 4xx or 5xx status (`raiseForStatus()`, or every response with `errorForStatus`):
 * `.status`, `.reason`, `.url`, and `.response` (the Response from `raiseForStatus()`,
 * else its head).
 */
export class HTTPError extends RequestsError {
  constructor(error, options) {
    super(error, options);
    ({ status: this.status, reason: this.reason, url: this.url } = error.response ?? {});
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
/**
 * A setting the adapter cannot honour (over wasi:http: `verify` other than enabled, a
 * `cert`, or a proxy that applies), or a host adapter in a build without them.
 */
export class Unsupported extends RequestsError {}
/**
 * A request or response hook failed (threw, returned something that is not a valid
 * request or response, or called back into its own session), or a host adapter called
 * back into its own session. `.cause` is what the hook threw, when it threw.
 */
export class HookError extends RequestsError {}

/** The class of each WIT `error-kind`. */
export const ERROR_CLASSES = {
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
  proxy: ProxyError,
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
