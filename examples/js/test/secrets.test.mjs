// Owns the tests that nothing the wrapper hands out prints a secret (redact.mjs): every
// type is made with a marker secret wherever it can take one (passwords, bearer tokens,
// proxy passwords, URL userinfo, Authorization headers), and what util.inspect,
// String() and JSON.stringify make of it must not hold the marker or its base64 forms.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { inspect } from 'node:util';
import { startServer } from '../server.mjs';
import {
  Session, Adapter, HookRequest, HookResponse, RequestsError, HTTPError, TooManyRedirects,
} from '../requests.mjs';

const MARKER = 'pw-MARKER-5ecret';
const FORMS = [
  MARKER,
  Buffer.from(`user:${MARKER}`).toString('base64'),
  Buffer.from(`${MARKER}:x`).toString('base64'),
];

let server;
let url;
let port;
before(async () => {
  server = await startServer();
  url = (path) => server.url + path;
  port = server.port;
});
after(() => server.close());

const userinfoUrl = (path, p = port) => `http://user:${MARKER}@127.0.0.1:${p}${path}`;

async function closedPort() {
  const probe = net.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port: free } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return free;
}

/** Every way a value is printed. */
function printed(value) {
  const out = { inspect: inspect(value, { depth: Infinity }), String: '', JSON: '' };
  try {
    out.String = String(value);
  } catch (e) {
    out.String = `(String threw ${e.name})`;
  }
  try {
    out.JSON = JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? String(v) : v)) ?? '';
  } catch (e) {
    out.JSON = `(JSON threw ${e.name})`;
  }
  return out;
}

function assertClean(objects) {
  const leaks = [];
  for (const [label, value] of objects) {
    for (const [how, text] of Object.entries(printed(value))) {
      if (FORMS.some((form) => text.includes(form))) leaks.push(`${how}(${label}) = ${text}`);
    }
  }
  assert.deepEqual(leaks, []);
}

test('auth, headers and proxies print redacted and keep their values', () => {
  const s = new Session();
  s.auth = ['user', MARKER];
  assert.deepEqual(s.auth, { username: 'user', password: MARKER });
  assert.equal(inspect(s.auth), "{ username: 'user', password: '***' }");
  assert.equal(JSON.stringify(s.auth), '{"username":"user","password":"***"}');
  s.auth = { bearer: MARKER };
  assert.equal(s.auth.bearer, MARKER);
  assert.equal(JSON.stringify(s.auth), '{"bearer":"***"}');
  s.headers = { Authorization: `Bearer ${MARKER}`, 'X-Visible': 'yes' };
  const headers = s.headers;
  assert.deepEqual(headers.find(([n]) => n === 'Authorization'), ['Authorization', `Bearer ${MARKER}`]);
  assert.match(inspect(headers), /\[ 'Authorization', '\*\*\*' \]/);
  assert.match(inspect(headers), /\[ 'X-Visible', 'yes' \]/);
  s.proxies = { http: `http://puser:${MARKER}@proxy.invalid:3128` };
  assert.deepEqual(s.proxies, [['http', `http://puser:${MARKER}@proxy.invalid:3128`]]);
  assert.equal(JSON.stringify(s.proxies), '[["http","http://***@proxy.invalid:3128"]]');
  assert.ok(Object.isFrozen(s.proxies));
});

test('no wrapper type prints a secret', async () => {
  const objects = [];
  const add = (label, value) => objects.push([label, value]);
  const s = new Session();

  for (const auth of [['user', MARKER], { bearer: MARKER }, { digest: ['user', MARKER] }]) {
    s.auth = auth;
    add(`session.auth ${JSON.stringify(Object.keys(auth))}`, s.auth);
  }
  s.auth = ['user', MARKER];

  s.setHeader('Authorization', `Bearer ${MARKER}`);
  s.setHeader('Proxy-Authorization', `Basic ${MARKER}`);
  s.proxies = { http: `http://puser:${MARKER}@proxy.invalid:3128`, https: `http://puser:${MARKER}@proxy.invalid:3128` };
  add('Session', s);
  add('session.headers', s.headers);
  add('session.proxies', s.proxies);
  add('mergeEnvironmentSettings', s.mergeEnvironmentSettings('http://example.test/'));
  add('exportState()', s.exportState());
  add('session.cookies()', s.cookies());
  s.headers = {};
  s.proxies = {};

  const prepared = s.prepareRequest('POST', userinfoUrl('/post'), { auth: ['user', MARKER], headers: { Authorization: MARKER } });
  add('PreparedRequest', prepared);
  add('PreparedRequest.url', prepared.url);
  add('PreparedRequest.headers', prepared.headers);

  const r = s.get(userinfoUrl('/redirect/1'));
  assert.equal(r.status, 200);
  assert.ok(r.json().headers.authorization.startsWith('Basic '));
  add('Response', r);
  add('Response.url', r.url);
  add('Response.headers', r.headers);
  add('Response.request()', r.request());
  add('Response.request().url', r.request().url);
  add('Response.request().headers', r.request().headers);
  add('Response.history', r.history);
  add('Response.history[0].request().headers', r.history[0].request().headers);
  add('Response.links', r.links);

  const upload = s.startRequest('PUT', userinfoUrl('/upload'), { auth: ['user', MARKER] });
  add('Upload', upload);
  upload.write('x');
  add('Upload.finish()', upload.finish());

  const seen = [];
  const hooked = s.get(url('/get'), {
    hooks: {
      request: (req) => { seen.push(['HookRequest', req], ['HookRequest.headers', req.headers]); },
      response: (res) => {
        seen.push(['HookResponse', res], ['HookResponse.headers', res.headers], ['HookResponse.request', res.request]);
      },
    },
  });
  assert.equal(hooked.status, 200);
  assert.equal(seen.length, 5);
  assert.ok(seen[1][1].some(([n, v]) => n === 'Authorization' && v.startsWith('Basic ')));
  objects.push(...seen);
  const headers = [['Authorization', `Bearer ${MARKER}`], ['Proxy-Authorization', MARKER]];
  const made = new HookRequest({ method: 'GET', url: `http://user:${MARKER}@h/`, headers });
  made.setHeader('X-Other', '1');
  add('new HookRequest', made);
  add('new HookRequest .headers', made.headers);
  add('new HookResponse', new HookResponse({ status: 200, headers, body: 'ok', request: made }));
  add('new HookResponse (object headers)', new HookResponse({ status: 200, headers: { Authorization: MARKER } }));

  const adapter = Adapter.scripted([{ status: 200, headers: [], body: new Uint8Array() }]);
  s.mount('mock://', adapter);
  assert.equal(s.get(`mock://user:${MARKER}@api/x`, { auth: ['user', MARKER] }).status, 200);
  const [received] = adapter.received();
  assert.ok(received.headers.some(([n]) => n.toLowerCase() === 'authorization'));
  add('Adapter', adapter);
  add('adapter.received()', adapter.received());

  const errors = [];
  const catchIt = (fn) => {
    try {
      fn();
    } catch (e) {
      errors.push(e);
      return;
    }
    throw new Error('no error');
  };
  const closed = await closedPort();
  catchIt(() => s.get(userinfoUrl('/', closed), { timeout: 2000 }));
  catchIt(() => s.get(userinfoUrl('/status/404')).raiseForStatus());
  catchIt(() => s.get(`http://user:${MARKER}@/nohost`));
  catchIt(() => s.get(`user:${MARKER}@127.0.0.1/no-scheme`));
  catchIt(() => s.get(url('/get'), { auth: { token: MARKER } }));
  s.maxRedirects = 1;
  catchIt(() => s.get(userinfoUrl('/redirect/3')));
  s.maxRedirects = 30;
  catchIt(() => s.get(url('/get'), { hooks: { request: () => { throw new Error('hook failed'); } } }));
  assert.deepEqual(errors.map((e) => e.constructor.name),
    ['ConnectionError', 'HTTPError', 'InvalidURL', 'InvalidSchema', 'TypeError', 'TooManyRedirects', 'HookError']);
  assert.ok(errors[1] instanceof HTTPError && errors[5] instanceof TooManyRedirects && errors[0] instanceof RequestsError);
  for (const e of errors) {
    add(e.constructor.name, e);
    add(`${e.constructor.name}.message`, e.message);
    for (const key of ['url', 'payload', 'cause']) if (e[key] !== undefined) add(`${e.constructor.name}.${key}`, e[key]);
    if (e.response) {
      add(`${e.constructor.name}.response`, e.response);
      add(`${e.constructor.name}.response.url`, e.response.url);
      // A Response (from raiseForStatus) has its request; a ResponseHead (the error's own) has none.
      if (typeof e.response.request === 'function') {
        add(`${e.constructor.name}.response.request().headers`, e.response.request().headers);
      }
    }
  }
  assertClean(objects);
});

test('a JS adapter gets the request and settings printing redacted; a cert given as PEM text prints as ***', () => {
  const s = new Session();
  s.trustEnv = false;
  const key = `-----BEGIN PRIVATE KEY-----\n${MARKER}\n-----END PRIVATE KEY-----\n`;
  s.cert = ['/client.pem', { data: key }];
  assert.deepEqual(s.cert, ['/client.pem', { data: key }], 'the value is intact');
  const seen = [];
  s.mount('https://mock.test/', {
    send(request, settings) {
      seen.push(['AdapterRequest', request], ['AdapterRequest.headers', request.headers], ['settings', settings]);
      return { status: 200 };
    },
  });
  const proxy = `http://puser:${MARKER}@proxy.invalid:3128`;
  assert.equal(s.get('https://mock.test/x', { auth: ['user', MARKER], proxies: { all: proxy } }).status, 200);
  const [[, request], , [, settings]] = seen;
  assert.ok(request.header('authorization').startsWith('Basic '), 'the adapter gets the credentials');
  assert.equal(settings.proxy, proxy, 'and the proxy with its credentials');
  assert.deepEqual(settings.cert, ['/client.pem', { data: key }]);
  assertClean([
    ...seen,
    ['session.cert', s.cert],
    ['mergeEnvironmentSettings', s.mergeEnvironmentSettings('https://mock.test/', { proxies: { all: proxy } })],
  ]);
});
