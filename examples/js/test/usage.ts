// Owns a compile-only use of the requests.d.ts types (checked by test/types.test.mjs); it is never run.
import {
  Session, Response, Adapter, RequestsError, HTTPError, TooManyRedirects, ConnectionError,
  TransportError, BodyTooLarge, fromComponentError, raw, type Cookie, type RequestOptions, type Auth,
  type Link, type EnvironmentSettings, type Part, type FilesInit, RetryError, retryPolicyFor, adapterRetries,
  setAdapterRetries, type RetryPolicy, type RetryOptions, type RetryInit, Upload, InvalidRequest,
  type Chunk, type UploadOptions, HookRequest, HookResponse, HookError, type RequestHook, type HooksInit,
  ResponseHead, ProxyError, type Verify, type Cert, type VerifyInit, type CertInit, type ErrorKind,
  AdapterError, AdapterRequest, type AdapterSettings, type AdapterResponse, type JsAdapter, registerAdapter,
  unregisterAdapter, hostAdapter, FAILURE_KINDS, type FailureKind, type SessionInit,
} from 'requests-component/sync';

const log = (..._values: unknown[]): void => undefined;

export function use(base: string): void {
  const s = new Session();
  s.setHeader('X-Demo', 1);
  s.headers = { Accept: 'application/json', 'X-Many': ['a', 'b'] };
  s.auth = ['user', 'pass'];
  s.auth = { bearer: 'token' };
  s.auth = null;
  s.maxRedirects = 5;
  s.timeout = 2000;
  s.timeout = { connectMs: 500 };
  s.params = new Map([['a', '1']]);
  s.setCookie({ name: 'c', value: '1', expires: new Date() });

  const options: RequestOptions = {
    params: { q: 'x', page: 2, drop: null },
    headers: [['X-Req', '1']],
    json: { any: ['value'] },
    auth: null,
    timeout: 100,
  };
  const r: Response = s.post(`${base}/post`, options);
  const status: number = r.status;
  const body: { json: unknown } = r.json();
  const bytes: Uint8Array = r.content();
  const hops: Response[] = r.history;
  r.raiseForStatus().text();
  for (const chunk of s.get(`${base}/stream-bytes/10`, { stream: true }).iterContent(4)) chunk.byteLength;
  const jar: Cookie[] = s.cookies();
  const expires: number | undefined = jar[0]?.expires;
  s.post(`${base}/post`, { data: { a: '1' } });
  s.post(`${base}/post`, { data: new Uint8Array(2) });

  const p = s.prepareRequest('GET', `${base}/get`);
  p.method = 'PUT';
  p.body = 'text';
  p.setHeader('X-Gone', null);
  s.send(p, { allowRedirects: false });

  s.mount('mock://', Adapter.scripted([{ status: 200, headers: [], body: new Uint8Array() }]));
  const rawResponse = raw.types.Response;

  try {
    s.get(base);
  } catch (e) {
    if (e instanceof HTTPError) log(e.status, e.reason, e.url, e.response.status);
    if (e instanceof HTTPError && e.response instanceof Response) log(e.response.history.length);
    if (e instanceof TooManyRedirects) log(e.response.status, e.response.header('location'), e.response.headers.length);
    if (e instanceof TransportError) log(e.code);
    if (e instanceof ProxyError) log(e.url);
    if (e instanceof ConnectionError || e instanceof RequestsError) {
      const kind: ErrorKind = e.kind;
      const url: string | undefined = e.url;
      log(kind, url, e.message, e.payload.kind, e.payload.message, e.payload.code);
      const head: Response | ResponseHead | undefined = e.response;
      void head;
    }
    const mapped = fromComponentError(e);
  }
  void [status, body, bytes, hops, expires, rawResponse];
  s.close();
}

export function useExtras(base: string): void {
  const s = new Session();
  s.auth = { digest: ['user', 'pass'] };
  s.auth = { digest: { username: 'user', password: 'pass' } };
  const auth: Auth | null = s.auth;
  if (auth && 'digest' in auth) log(auth.digest.username, auth.digest.password);
  s.get(`${base}/digest-auth/auth/u/p/SHA-256`, { auth: { digest: ['u', 'p'] } });

  const files: FilesInit = {
    notes: ['notes.txt', 'text', 'text/plain', { 'X-Part': '1' }],
    raw: new Uint8Array([1, 2]),
    field: [null, 'value'],
  };
  s.post(`${base}/post`, { data: { title: 'x' }, files });
  s.post(`${base}/post`, { files: [['f', 'one'], ['f', new ArrayBuffer(2)]] });
  const parts: Part[] = [
    { name: 'a', data: '1' },
    { name: 'doc', filename: 'd.bin', contentType: 'application/pdf', headers: [['X-Part', '2']], data: new Uint8Array(3) },
  ];
  s.post(`${base}/post`, { multipart: parts });

  const r = s.get(`${base}/lines/3`, { stream: true });
  const first: string | null = r.readLine();
  for (const line of r.iterLines()) line.toUpperCase();
  const next: Link | undefined = r.links['next'];
  const nextUrl: string | undefined = r.links.next?.url;
  const rel: string | null | undefined = next?.rel;
  next?.params.map(([name, value]) => `${name}=${value}`);

  s.baseUrl = `${base}/api/`;
  s.baseUrl = { href: `${base}/v2/` }; // a URL
  s.baseUrl = null;
  const baseUrl: string | null = s.baseUrl;
  s.errorForStatus = true;
  const strict: boolean = s.errorForStatus;
  s.maxBodySize = 1 << 20;
  s.maxBodySize = 2n ** 40n;
  const limit: number | bigint = s.maxBodySize;

  const state: string = s.exportState();
  s.exportState({ includeSecrets: true });
  new Session().importState(state);
  const env: EnvironmentSettings = s.mergeEnvironmentSettings(`${base}/get`, { stream: true, verify: '/ca.pem' });
  const verify: Verify = env.verify;
  const caBundle: string | null = typeof env.verify === 'string' ? env.verify : null;
  const proxy: string | undefined = env.proxies[0]?.[1];
  const via: string | null = env.proxy;
  const closed: boolean = s.closed;
  void [verify, via, closed];

  try {
    s.get(`${base}/bytes/1000`);
  } catch (e) {
    if (e instanceof BodyTooLarge) log(e.kind, e.message);
  }
  void [first, nextUrl, rel, baseUrl, strict, limit, caBundle, proxy, env.netrcAuth];
  s.close();
}

export function useRetries(base: string): void {
  const s = new Session();
  s.retries = 3;
  s.retries = {
    total: 5, connect: 2, read: null, statusForcelist: new Set([502, 503]), allowedMethods: ['GET'],
    backoffFactorMs: 50, backoffJitterMs: 0, respectRetryAfter: false,
  };
  const policy: RetryPolicy | null = s.retries;
  if (policy) {
    const statuses: number[] = policy.statusForcelist;
    const methods: string[] | null = policy.allowedMethods;
    const connect: number | null = policy.connect;
    s.retries = { ...policy, total: policy.total + 1 };
    void [statuses, methods, connect];
  }
  s.retries = null;
  const defaults: RetryPolicy = retryPolicyFor(3);
  const options: RetryOptions = { total: defaults.total, backoffMaxMs: defaults.backoffMaxMs };
  const init: RetryInit = options;
  // @ts-expect-error a policy object names its total
  const partial: RetryOptions = { connect: 1 };
  void partial;

  const adapter = Adapter.http({});
  setAdapterRetries(adapter, init);
  setAdapterRetries(adapter, null);
  const adapterPolicy: RetryPolicy | null = adapterRetries(adapter);
  s.mount(base, adapter);
  try {
    s.get(`${base}/status/503`);
  } catch (e) {
    if (e instanceof RetryError) log(e.kind, e.message);
  }
  void adapterPolicy;
  s.close();
}

export function useUploads(base: string, file: Iterable<Uint8Array>): void {
  const s = new Session();
  const options: UploadOptions = { headers: { 'Content-Type': 'application/octet-stream' }, contentLength: 11 };
  const up: Upload = s.startRequest('PUT', `${base}/upload`, options);
  up.write('hello ');
  up.write(new Uint8Array(5));
  const written: number | bigint = up.written;
  const announced: number | bigint | null = up.contentLength;
  const r: Response = up.finish();
  const chunked = s.startRequest('POST', `${base}/upload`, { contentLength: null, timeout: 1000 });
  chunked[Symbol.dispose]();

  function* chunks(): Generator<Chunk> {
    yield 'text';
    yield new ArrayBuffer(2);
  }
  s.put(`${base}/upload`, { data: chunks() });
  s.post(`${base}/upload`, { data: file, contentLength: 1024n });
  s.request('PATCH', `${base}/upload`, { data: [new Uint8Array(1), 'x'] });
  try {
    s.put(`${base}/upload`, { data: chunks(), contentLength: 1 });
  } catch (e) {
    if (e instanceof InvalidRequest) log(e.kind);
  }
  // @ts-expect-error startRequest takes no body
  s.startRequest('PUT', `${base}/upload`, { data: 'x' });
  void [written, announced, r.status];
  s.close();
}

export function useHooks(base: string): void {
  const s = new Session();
  const sign: RequestHook = (request: HookRequest) => {
    request.setHeader('X-Signature', `${request.method} ${request.url}`);
  };
  s.hooks.request.push(sign);
  s.hooks.response.push((response: HookResponse) => {
    log(response.status, response.request?.url, response.body === null ? 'streamed' : response.text());
  });
  const cache: HooksInit = {
    request: () => new HookResponse({ status: 200, headers: { 'Content-Type': 'text/plain' }, body: 'cached' }),
  };
  const r: Response = s.get(`${base}/get`, { hooks: cache });
  try {
    s.get(`${base}/get`, { hooks: { response: () => ({ status: 0 }) } });
  } catch (e) {
    if (e instanceof HookError) log(e.kind, e.cause);
  }
  // @ts-expect-error hooks are per event
  s.get(`${base}/get`, { hooks: { sent: [] } });
  s.hooks = { request: sign, response: [] };
  void r.status;
  s.close();
}

export function useTls(base: string): void {
  const s = new Session();
  const verify: VerifyInit[] = [true, false, '/ca.pem', { path: '/ca.pem' }, { data: '-----BEGIN CERTIFICATE-----' }];
  for (const v of verify) s.verify = v;
  const certs: CertInit[] = ['/both.pem', ['/cert.pem', '/key.pem'], { cert: '/cert.pem', key: { data: 'PEM' } }, { data: 'PEM' }];
  for (const c of certs) s.cert = c;
  s.cert = null;
  const current: Verify = s.verify;
  const cert: Cert | null = s.cert;
  if (Array.isArray(cert)) log(cert[0], cert[1]);
  s.get(`${base}/get`, { verify: false, cert: ['/c', '/k'], proxies: { https: 'http://proxy:3128' } });
  void current;
  s.close();
}

export function useAdapters(): void {
  const s = new Session();
  const mock: JsAdapter = {
    send(request: AdapterRequest, settings: AdapterSettings): AdapterResponse {
      const body: Uint8Array | null = request.body;
      const proxy: string | null = settings.proxy;
      const connectMs: number | undefined = settings.timeout.connectMs;
      log(request.method, request.url, request.header('cookie'), body?.length, proxy, connectMs, settings.verify, settings.cert);
      if (settings.stream) return { status: 200, body: (function* () { yield 'a'; yield new Uint8Array(1); })() };
      if (request.url.endsWith('/fail')) throw new AdapterError('connection-refused', 'nobody listens');
      return { status: 200, headers: { 'Content-Type': 'text/plain' }, body: 'mocked' };
    },
  };
  const mounted: Adapter = s.mount('mock://', mock);
  registerAdapter('named', mock);
  s.mount('named://', hostAdapter('named'));
  const removed: boolean = unregisterAdapter('named');
  const kinds: readonly FailureKind[] = FAILURE_KINDS;
  // @ts-expect-error a JS adapter has a send method
  s.mount('bad://', { sned: () => ({ status: 200 }) });
  void [mounted.kind(), removed, kinds];
  s.close();
}

export function useSockets(base: string): void {
  const init: SessionInit = { sockets: { timeout: { connectMs: 1000 }, maxIdlePerHost: 2, idleTimeoutMs: 30000 } };
  const s = new Session(init);
  const r = new Session({ sockets: true }).get(`${base}/get`);
  // @ts-expect-error the sockets options are counts and a timeout
  new Session({ sockets: { maxIdle: '2' } });
  void [s, r.status];
}
