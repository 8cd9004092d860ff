// Owns a compile-only use of the index.d.ts types, the Promise API (checked by test/types.test.mjs); it is never run.
import {
  Session, Response, HTTPError, ConnectionError, HookResponse, AdapterError, nodeTransport, type AsyncAdapter,
  type Settings, type Cookie, type RequestHook,
} from 'requests-component';

const log = (..._values: unknown[]): void => undefined;

export async function use(base: string): Promise<void> {
  await using s = new Session();
  await s.setHeader('X-Demo', 1);
  await s.configure({ auth: ['user', 'pass'], timeout: { connectMs: 1000, readMs: 5000 }, verify: false, baseUrl: { href: base } });
  const settings: Settings = await s.settings();
  log(settings.auth, settings.timeout?.readMs);
  const r: Response = await s.get('get', { params: { q: 'x' } });
  log(r.status, r.header('content-type'), await r.json(), await r.text(), (await r.content()).length);
  try {
    r.raiseForStatus();
  } catch (e) {
    if (e instanceof HTTPError) log(e.status, e.response.status);
    if (e instanceof ConnectionError) log(e.kind, e.url);
  }
  const streamed = await s.get('stream-bytes/100', { stream: true });
  for await (const chunk of streamed.iterContent(16)) log(chunk.byteLength);
  for await (const line of (await s.get('lines', { stream: true })).iterLines()) log(line.length);
  async function* chunks() { yield 'a'; yield new Uint8Array([1]); }
  await s.post('upload', { data: chunks() });
  const stream: AsyncIterable<Uint8Array> = { async *[Symbol.asyncIterator]() { yield new Uint8Array(2); } }; // a Node Readable is one
  await s.put('upload', { data: stream, contentLength: 2 });
  const up = await s.startRequest('PUT', 'upload', { contentLength: 2 });
  await up.write('ab');
  log((await up.finish()).status);
  const sign: RequestHook = async (req) => { req.setHeader('X-Sig', '1'); };
  s.hooks.request.push(sign);
  s.hooks.response.push((res) => (res.status === 404 ? new HookResponse({ status: 200, body: 'x' }) : undefined));
  const cookies: Cookie[] = await s.cookies();
  log(cookies.map((c) => c.name), await s.exportState());
  const mock: AsyncAdapter = {
    async send(request) {
      if (request.url.endsWith('/down')) throw new AdapterError('connection-refused', 'down');
      return { status: 200, headers: { 'Content-Type': 'text/plain' }, body: 'hi' };
    },
  };
  await s.mount('mock://', mock);
  const other = new Session({ transport: 'wasi-http', worker: 'own' });
  const fast = new Session({ transport: nodeTransport({ maxSockets: 16 }) });
  log(other, fast, (await s.prepareRequest('GET', 'get')).headers);
}
