// Owns the error classes of the wrapper: RequestsError and a subclass per kind of
// failure (named as requests names them), and the class of each WIT `error` case.
// requests.mjs turns jco's ComponentError into them (`fromComponentError`).

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

/** The class of each WIT `error` case. */
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
