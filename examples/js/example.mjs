// Owns the runnable example of the requests component in Node through the Promise API
// (index.mjs, the package's main entry): one session with default headers and auth, JSON,
// form and JSON posts, cookies kept across requests and a redirect, request and response
// hooks (one of them async), an adapter written in JS mounted on a prefix, and typed errors
// after which it still works; a timer keeps firing on this thread meanwhile.
//
//   node example.mjs                          # against a loopback server it starts itself
//   node example.mjs http://127.0.0.1:8080    # against an httpbin-compatible server
//
// The loopback server is host-tests' Rust fixture-server, run as a child process (see
// server.mjs). The component runs in a worker thread, so this thread's event loop runs
// during every request.
// It echoes header names in lower case and a form as [name, value] pairs; httpbin gives
// names as sent and a form as an object, so the lookups below accept either.

import assert from 'node:assert/strict';
import { startServer } from './server.mjs';
import { Session, HTTPError, MissingSchema, HookResponse, ConnectionError, AdapterError } from './index.mjs';

const given = process.argv[2] || undefined;
const server = given ? null : await startServer();
const base = (given ?? server.url).replace(/\/+$/, '');
const url = (path) => base + path;
/** An echoed request header by name, in any case. */
const echoed = (doc, name) => Object.entries(doc.headers).find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
/** An echoed form as [name, value] pairs (the fixture's form; httpbin's object). */
const formPairs = (form) => (Array.isArray(form) ? form : Object.entries(form));
console.log(`requests component example against ${base}\n`);

const s = new Session();
let ticks = 0;
const timer = setInterval(() => ticks++, 5);
try {
  // 1. Default headers and Basic auth, sent with every request.
  await s.setHeader('X-Demo', '1');
  await s.configure({ auth: ['demo', 's3cret'] });
  let r = await s.get(url('/basic-auth/demo/s3cret'));
  console.log(`1. session auth: GET /basic-auth/demo/s3cret -> ${r.status} ${JSON.stringify(await r.json())}`);
  assert.equal(r.status, 200);

  // 2. GET JSON.
  r = await s.get(url('/json'));
  const { slideshow } = await r.json();
  console.log(`2. GET /json -> ${r.status} ${r.header('content-type')}, slideshow "${slideshow.title}"`);

  // 3. POST a form, then JSON with a query param; the default header rides along.
  r = await s.post(url('/post'), { data: { flavour: 'oatmeal', count: 3 } });
  const { form } = await r.json();
  console.log(`3. POST form -> form ${JSON.stringify(form)}`);
  assert.ok(formPairs(form).some(([name, value]) => name === 'flavour' && value === 'oatmeal'));
  r = await s.post(url('/post'), { json: { cookie: 'oatmeal', count: 3 }, params: { page: 2 } });
  const echo = await r.json();
  console.log(`   POST json -> json ${JSON.stringify(echo.json)}, args ${JSON.stringify(echo.args)}, X-Demo ${echoed(echo, 'X-Demo')}`);
  assert.equal(echo.json.count, 3);
  assert.equal(echoed(echo, 'X-Demo'), '1');

  // 4. Cookies: the server sets one and redirects; the jar keeps it for later requests.
  r = await s.get(url('/cookies/set?flavour=oatmeal'));
  console.log(`4. GET /cookies/set?flavour=oatmeal -> ${r.status} ${r.url} (history: ${(await r.history()).map((h) => h.status)})`);
  for (const c of await s.cookies()) console.log(`   jar: ${c.name}=${c.value} (domain ${c.domain}, path ${c.path})`);
  r = await s.get(url('/cookies'));
  const { cookies } = await r.json();
  console.log(`   GET /cookies -> ${JSON.stringify(cookies)} (sent from the jar)`);
  assert.equal(cookies.flavour, 'oatmeal');

  // 5. Redirects are followed; history keeps the hops.
  r = await s.get(url('/redirect/2'));
  const history = await r.history();
  console.log(`5. GET /redirect/2 -> ${r.status} ${r.url}, via ${history.map((h) => `${h.status} ${new URL(h.url).pathname}`).join(', ')}`);
  assert.equal(history.length, 2);

  // 6. Hooks: a request hook stamps every hop (redirects included), a response hook
  //    sees each response; a request hook may also answer without sending anything. Hooks
  //    run on this thread, and may be async.
  const hops = [];
  s.hooks.request.push(async (request) => {
    const id = await Promise.resolve(`demo-${hops.length + 1}`); // e.g. a signature from a key store
    request.setHeader('X-Request-Id', id);
  });
  s.hooks.response.push((response) => { hops.push(`${response.status} ${new URL(response.request.url).pathname}`); });
  r = await s.get(url('/redirect/1'));
  const stamped = echoed(await r.json(), 'X-Request-Id');
  console.log(`6. hooks: GET /redirect/1 -> ${hops.join(', ')}; the server saw X-Request-Id ${stamped}`);
  assert.equal(stamped, 'demo-2');
  const cached = await s.get(url('/anything/cached'), {
    hooks: { request: () => new HookResponse({ status: 200, body: 'from the cache' }) },
  });
  console.log(`   a request hook answered: ${await cached.text()} (response hooks saw ${hops.at(-1)})`);
  s.hooks = { request: [], response: [] };

  // 7. An adapter written in JS (requests' `mount(prefix, adapter)`): it sends one request
  //    and returns the response; the session does cookies, redirects, auth and retries for it.
  const seen = [];
  await s.mount('mock://', {
    async send(request, settings) {
      seen.push(`${request.method} ${request.url} (verify ${settings.verify}, proxy ${settings.proxy})`);
      if (request.url.endsWith('/down')) throw new AdapterError('connection-refused', 'the mock is down');
      if (request.url.endsWith('/start')) return { status: 302, headers: { Location: '/end', 'Set-Cookie': 'mocked=1' } };
      return { status: 200, headers: { 'Content-Type': 'text/plain' }, body: `cookie: ${request.header('cookie')}` };
    },
  });
  r = await s.get('mock://api/start', { verify: false });
  const text = await r.text();
  console.log(`7. JS adapter: GET mock://api/start -> ${r.status} "${text}" via ${(await r.history()).map((h) => h.status)}`);
  assert.equal(text, 'cookie: mocked=1');
  for (const line of seen) console.log(`   the adapter got ${line}`);
  try {
    await s.get('mock://api/down');
  } catch (e) {
    if (!(e instanceof ConnectionError)) throw e;
    console.log(`   ${e.name} (${e.kind}): ${e.message}`);
  }

  // 8. Errors are RequestsError subclasses, with the component's message; the session keeps working afterwards.
  try {
    await s.get('example.invalid/x');
  } catch (e) {
    if (!(e instanceof MissingSchema)) throw e;
    console.log(`8. ${e.name} (${e.kind}): ${e.message}`);
  }
  try {
    (await s.get(url('/status/404'))).raiseForStatus();
  } catch (e) {
    if (!(e instanceof HTTPError)) throw e;
    console.log(`   ${e.name}: ${e.message} (status ${e.status})`);
  }
  r = await s.get(url('/get'));
  console.log(`   GET /get -> ${r.status} (the session still works)`);
  assert.equal(r.status, 200);
  console.log(`\nmeanwhile a 5 ms timer on this thread fired ${ticks} times`);
} finally {
  clearInterval(timer);
  await s.close();
  await server?.close();
}
