// Owns the TypeScript types of index.mjs, the Promise API (the package's main entry). The
// value types (options, settings, cookies, errors, hook objects, adapter contracts) are the
// synchronous API's, from requests.d.ts (`requests-component/sync`): the same classes at run time.

import type {
  Pair, PairsInit, RequestOptions, UploadOptions, SendOptions, AuthInit, Auth, TimeoutInit, Timeouts,
  VerifyInit, Verify, CertInit, Cert, RetryInit, RetryPolicy, Cookie, NewCookie, Link, EnvironmentSettings,
  HookRequest, HookResponse, HookResponseInit, AdapterRequest, AdapterSettings, Chunk, SocketsOptions,
} from 'requests-component/sync';

export type {
  Pair, PairsInit, RequestOptions, UploadOptions, SendOptions, AuthInit, Auth, TimeoutInit, Timeouts,
  VerifyInit, Verify, CertInit, Cert, RetryInit, RetryPolicy, Cookie, NewCookie, Link, EnvironmentSettings,
  AdapterSettings, Chunk, SocketsOptions, ErrorKind, FailureKind, Part, FilesInit, HooksInit as SyncHooksInit,
} from 'requests-component/sync';
export {
  RequestsError, InvalidRequest, MissingSchema, InvalidSchema, InvalidURL, InvalidHeader, InvalidJSONError,
  ConnectionError, SSLError, ProxyError, TransportError, Timeout, ConnectTimeout, ReadTimeout, TooManyRedirects,
  HTTPError, JSONDecodeError, ContentDecodingError, BodyTooLarge, RetryError, StreamConsumedError,
  SessionClosed, Unsupported, HookError, ResponseHead, HookRequest, HookResponse, AdapterError, AdapterRequest,
  FAILURE_KINDS,
} from 'requests-component/sync';

/** The most bytes one response piece crosses with (1 MiB, the component's cap). */
export declare const READ_PIECE: number;

type Awaitable<T> = T | Promise<T>;
/** A URL: a string, or a URL object (anything with a string `href`). */
export type UrlInit = string | { readonly href: string };

/** A request hook of this thread, sync or async: change the request in place, or answer it. */
export type RequestHook = (request: HookRequest) => Awaitable<HookResponseInit | HookRequest | void>;
/** A response hook of this thread, sync or async: return a replacement, or nothing to keep it. */
export type ResponseHook = (response: HookResponse) => Awaitable<HookResponseInit | void>;
export interface Hooks {
  request: RequestHook[];
  response: ResponseHook[];
}
export interface HooksInit {
  request?: RequestHook | readonly RequestHook[];
  response?: ResponseHook | readonly ResponseHook[];
}

/** Request options; `data` may also be an async iterable of chunks (a Node stream, an async generator). */
export interface AsyncRequestOptions extends Omit<RequestOptions, 'data' | 'hooks'> {
  data?: RequestOptions['data'] | AsyncIterable<Chunk>;
  hooks?: HooksInit;
}
export interface AsyncUploadOptions extends Omit<UploadOptions, 'hooks'> {
  hooks?: HooksInit;
}

/** A response body an async adapter returns: also an async iterable, or a reader (`read(max)`, `close()`). */
export type AsyncAdapterBody =
  | string | Uint8Array | ArrayBufferView | ArrayBuffer | Iterable<Chunk> | AsyncIterable<Chunk> | null
  | { read(max: number): Promise<Uint8Array | null>; close(): void };
export interface AsyncAdapterResponse {
  status: number;
  headers?: PairsInit;
  body?: AsyncAdapterBody;
}
/** An upload an adapter streams itself (`AsyncAdapter.start`). */
export interface AdapterUpload {
  /** The next piece of the body (the request's `Content-Length` or chunked framing says how). */
  write(bytes: Uint8Array): Awaitable<void>;
  /** The body is complete: the response. */
  finish(): Awaitable<AsyncAdapterResponse>;
  /** The upload is abandoned. */
  abort?(): void;
}
/** An adapter of this thread: `send` may return a Promise. */
export interface AsyncAdapter {
  send(request: AdapterRequest, settings: AdapterSettings): Awaitable<AsyncAdapterResponse>;
  /** Optional: stream an upload (the request's body is null); without it `send` gets the whole body. */
  start?(request: AdapterRequest, settings: AdapterSettings): Awaitable<AdapterUpload>;
}
/** The default transport: Node's http/https with keep-alive agents (transport.mjs). */
export interface NodeTransport extends AsyncAdapter {
  /** Destroys the idle connections of its agents; one in use closes when its response ends. */
  close(): void;
}
/** A transport over Node's http/https; `agentOptions` (http.AgentOptions) go to every agent it makes. */
export declare function nodeTransport(agentOptions?: Record<string, unknown>): NodeTransport;

export interface SessionInit {
  /**
   * `'node'` (the default: Node's http/https, keep-alive), `'wasi-http'` (preview2-shim's
   * wasi:http), or an adapter to mount for http:// and https://.
   */
  transport?: 'node' | 'wasi-http' | AsyncAdapter;
  /** The world `client-with-sockets` build with its own HTTP/1.1 client (no hooks or JS adapters). */
  sockets?: boolean | SocketsOptions;
  /** `'shared'` (the default): the process's one worker; `'own'`: a worker for this session alone. */
  worker?: 'shared' | 'own';
}

/** Every setting as `Session.settings()` reads it. */
export interface Settings {
  headers: readonly Pair[];
  params: readonly Pair[];
  auth: Auth | null;
  maxRedirects: number;
  trustEnv: boolean;
  stream: boolean;
  verify: Verify;
  cert: Cert | null;
  proxies: readonly Pair[];
  timeout: Timeouts | null;
  retries: RetryPolicy | null;
  baseUrl: string | null;
  errorForStatus: boolean;
  maxBodySize: number | bigint;
  closed: boolean;
}
/** What `Session.configure` takes: each setting as the synchronous API's setter takes it. */
export interface SettingsInit {
  headers?: PairsInit;
  params?: PairsInit;
  auth?: AuthInit | null;
  maxRedirects?: number;
  trustEnv?: boolean;
  stream?: boolean;
  verify?: VerifyInit;
  cert?: CertInit | null;
  proxies?: PairsInit;
  timeout?: TimeoutInit | null;
  retries?: RetryInit | null;
  baseUrl?: string | { readonly href: string } | null;
  errorForStatus?: boolean;
  maxBodySize?: number | bigint;
}

/** A requests-style session whose calls return Promises; its component runs in a worker thread. */
export declare class Session implements AsyncDisposable {
  constructor(options?: SessionInit);
  get hooks(): Hooks;
  set hooks(hooks: HooksInit);
  request(method: string, url: UrlInit, options?: AsyncRequestOptions): Promise<Response>;
  get(url: UrlInit, options?: AsyncRequestOptions): Promise<Response>;
  head(url: UrlInit, options?: AsyncRequestOptions): Promise<Response>;
  post(url: UrlInit, options?: AsyncRequestOptions): Promise<Response>;
  put(url: UrlInit, options?: AsyncRequestOptions): Promise<Response>;
  patch(url: UrlInit, options?: AsyncRequestOptions): Promise<Response>;
  delete(url: UrlInit, options?: AsyncRequestOptions): Promise<Response>;
  options(url: UrlInit, options?: AsyncRequestOptions): Promise<Response>;
  startRequest(method: string, url: UrlInit, options?: AsyncUploadOptions): Promise<Upload>;
  prepareRequest(method: string, url: UrlInit, options?: Omit<AsyncRequestOptions, 'data'> & { data?: RequestOptions['data'] }): Promise<PreparedRequest>;
  send(request: PreparedRequest, options?: SendOptions): Promise<Response>;
  mount(prefix: string, adapter: AsyncAdapter): Promise<void>;
  configure(settings: SettingsInit): Promise<void>;
  settings(): Promise<Settings>;
  setHeader(name: string, value: string | number | boolean | bigint): Promise<void>;
  removeHeader(name: string): Promise<boolean>;
  cookies(): Promise<Cookie[]>;
  setCookie(cookie: NewCookie): Promise<void>;
  removeCookie(name: string, where?: { domain?: string; path?: string }): Promise<number>;
  clearCookies(): Promise<void>;
  exportState(options?: { includeSecrets?: boolean }): Promise<string>;
  importState(state: string): Promise<void>;
  mergeEnvironmentSettings(url: string, options?: SendOptions): Promise<EnvironmentSettings>;
  /** Later requests throw SessionClosed; the default transport's connections close (see README). */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A response; its body has crossed already unless the request was streamed. */
export declare class Response implements Disposable {
  private constructor();
  readonly status: number;
  readonly reason: string;
  readonly url: string;
  readonly ok: boolean;
  readonly headers: readonly Pair[];
  readonly elapsedMs: number;
  readonly encoding: string | null | undefined;
  readonly isRedirect: boolean;
  readonly isPermanentRedirect: boolean;
  /** The decoded size of a body held whole, or null while streaming. */
  readonly bodySize: number | null;
  header(name: string): string | null;
  headerAll(name: string): string[];
  content(): Promise<Uint8Array>;
  text(): Promise<string>;
  json(): Promise<any>;
  setEncoding(encoding: string): Promise<void>;
  /** Throws HTTPError (its `.response` this) for a 4xx or 5xx status. */
  raiseForStatus(): this;
  history(): Promise<Response[]>;
  cookies(): Promise<Cookie[]>;
  links(): Promise<Readonly<Record<string, Link>>>;
  request(): Promise<PreparedRequest>;
  readChunk(max?: number): Promise<Uint8Array | null>;
  iterContent(chunkSize?: number): AsyncGenerator<Uint8Array, void, undefined>;
  readLine(): Promise<string | null>;
  iterLines(): AsyncGenerator<string, void, undefined>;
  [Symbol.dispose](): void;
}

/** A request whose body is written in pieces. */
export declare class Upload implements Disposable {
  private constructor();
  readonly contentLength: number | bigint | null;
  write(chunk: Chunk): Promise<void>;
  written(): Promise<number | bigint>;
  finish(): Promise<Response>;
  abort(): void;
  [Symbol.dispose](): void;
}

/** A request merged with the session's settings. */
export declare class PreparedRequest {
  private constructor();
  readonly method: string;
  readonly url: string;
  readonly headers: readonly Pair[];
  readonly body: Uint8Array | null;
  header(name: string): string | null;
  update(values: { method?: string; url?: string; body?: string | Uint8Array | null }): Promise<void>;
  setHeader(name: string, value: string | null): Promise<void>;
}

