// Owns the tests of what the component reads from its environment with `trustEnv`:
// Session.mergeEnvironmentSettings (proxies, CA bundle, netrc) and netrc credentials
// on a real request.
//
// The component sees the environment and files the preview2-shim gives it, and its
// libc reads the environment once, on first use. So this file (its own process under
// `node --test`) replaces the shim's environment and adds a preopened directory
// holding a netrc file before it loads the component at all.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _setEnv } from '@bytecodealliance/preview2-shim/cli';
import { _addPreopen } from '@bytecodealliance/preview2-shim/filesystem';

const netrcDir = fs.mkdtempSync(path.join(os.tmpdir(), 'requests-netrc-'));
fs.writeFileSync(path.join(netrcDir, 'netrc'), 'machine 127.0.0.1\n  login netrc-user\n  password netrc-pass\n');
_setEnv({
  https_proxy: 'http://proxy.invalid:3128',
  NO_PROXY: 'localhost,.internal.test',
  REQUESTS_CA_BUNDLE: '/etc/custom/ca.pem',
  NETRC: '/netrc/netrc',
});
_addPreopen('/netrc', netrcDir);

const { startServer } = await import('../server.mjs');
const { Session, SessionClosed, InvalidURL } = await import('../requests.mjs');

let server;
let url;
before(async () => {
  server = await startServer();
  url = (p) => server.url + p;
});
after(async () => {
  await server.close();
  fs.rmSync(netrcDir, { recursive: true, force: true });
});

test('mergeEnvironmentSettings merges request, session and environment settings', () => {
  const s = new Session();
  // The CA bundle of the environment takes the place of `verify: true`.
  assert.deepEqual(s.mergeEnvironmentSettings('https://example.test/x'), {
    proxies: [['https', 'http://proxy.invalid:3128']],
    proxy: 'http://proxy.invalid:3128',
    stream: false,
    verify: '/etc/custom/ca.pem',
    cert: null,
    netrcAuth: false,
  });
  // NO_PROXY bypasses the environment's proxy; plain http has none here.
  assert.deepEqual(s.mergeEnvironmentSettings('https://api.internal.test/').proxies, []);
  assert.equal(s.mergeEnvironmentSettings('https://api.internal.test/').proxy, null);
  assert.deepEqual(s.mergeEnvironmentSettings('http://example.test/').proxies, []);
  // A CA bundle or `verify: false` given beats the environment's.
  assert.equal(s.mergeEnvironmentSettings('https://example.test/', { verify: '/mine.pem' }).verify, '/mine.pem');
  assert.equal(s.mergeEnvironmentSettings('https://example.test/', { verify: false }).verify, false);

  // Options beat the session; an explicit proxy beats the environment's.
  s.stream = true;
  s.cert = '/session.pem';
  s.proxies = { 'https://example.test': 'http://session-proxy:8080' };
  const merged = s.mergeEnvironmentSettings('https://example.test/', { stream: false, proxies: { http: 'http://p:1' } });
  assert.equal(merged.stream, false);
  assert.equal(merged.cert, '/session.pem');
  assert.deepEqual(merged.proxies, [['https://example.test', 'http://session-proxy:8080'], ['http', 'http://p:1']]);
  assert.equal(merged.proxy, 'http://session-proxy:8080', 'the most specific key wins');
  assert.ok(Object.isFrozen(merged.proxies));
  assert.equal(s.mergeEnvironmentSettings('https://example.test/', { cert: '/req.pem' }).cert, '/req.pem');
  assert.deepEqual(s.mergeEnvironmentSettings('https://example.test/', { cert: ['/c.pem', '/k.pem'] }).cert, ['/c.pem', '/k.pem']);

  // Without trustEnv nothing comes from the environment.
  s.trustEnv = false;
  assert.deepEqual(s.mergeEnvironmentSettings('https://other.test/'), {
    proxies: [['https://example.test', 'http://session-proxy:8080']],
    proxy: null,
    stream: true,
    verify: true,
    cert: '/session.pem',
    netrcAuth: false,
  });

  assert.throws(() => s.mergeEnvironmentSettings('http://'), InvalidURL);
  assert.throws(() => s.mergeEnvironmentSettings(url('/'), { json: {} }), /unknown option "json"/);
  s.close();
  assert.throws(() => s.mergeEnvironmentSettings(url('/')), SessionClosed);
});

test('netrc credentials apply to their host unless the session has auth', () => {
  const s = new Session();
  assert.equal(s.mergeEnvironmentSettings(url('/')).netrcAuth, true);
  assert.equal(s.mergeEnvironmentSettings('https://example.test/').netrcAuth, false, 'no entry for that host');
  const r = s.get(url('/basic-auth/netrc-user/netrc-pass'));
  assert.equal(r.status, 200);
  assert.deepEqual(r.json(), { authenticated: true, user: 'netrc-user' });

  // Session auth wins, and netrc is not consulted at all.
  s.auth = { bearer: 'tok' };
  assert.equal(s.mergeEnvironmentSettings(url('/')).netrcAuth, false);
  assert.equal(s.get(url('/headers')).json().headers.authorization, 'Bearer tok');

  const untrusting = new Session();
  untrusting.trustEnv = false;
  assert.equal(untrusting.mergeEnvironmentSettings(url('/')).netrcAuth, false);
  assert.equal(untrusting.get(url('/basic-auth/netrc-user/netrc-pass')).status, 401);
});
