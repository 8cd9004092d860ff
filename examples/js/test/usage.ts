// Owns a compile-only use of the requests.d.ts types (checked by test/types.test.mjs); it is never run.
import {
  Session, Response, Adapter, RequestsError, HTTPError, TooManyRedirects, ConnectionError,
  TransportError, fromComponentError, raw, type Cookie, type RequestOptions,
} from 'requests-component';

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
    if (e instanceof HTTPError) log(e.status, e.reason, e.url, e.response?.status);
    if (e instanceof TooManyRedirects) log(e.response.history.length);
    if (e instanceof TransportError) log(e.code, e.detail);
    if (e instanceof ConnectionError || e instanceof RequestsError) log(e.kind, e.message, e.payload.tag);
    const mapped = fromComponentError(e);
  }
  void [status, body, bytes, hops, expires, rawResponse];
  s.close();
}
