// Owns the test of one response carrying several Set-Cookie headers through the
// Node shim, one of them with an `Expires` date (which contains a comma).
//
// What preview2-shim 0.26.1 does (dist/io/worker-http.js and dist/nodejs/http.js):
// it builds the wasi:http response fields from Node's `res.headers`, where
// `set-cookie` is an array, and encodes each value with TextEncoder, which turns
// the array into one string joined by "," (no space). The guest therefore sees a
// single `set-cookie` field and must split it without breaking `Expires` dates.
// Other repeated headers arrive joined by ", " (Node's own joining).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../server.mjs';
import { Session } from '../requests.mjs';

let server;
let url;
before(async () => {
  server = await startServer();
  url = (path) => server.url + path;
});
after(() => server.close());

const EXPIRES_2037 = Date.UTC(2037, 9, 21, 7, 28, 0) / 1000; // Wed, 21 Oct 2037 07:28:00 GMT

test('every cookie of a multi-Set-Cookie response is stored, with its expiry', (t) => {
  const lines = [
    'plain=1; Path=/',
    'dated=2; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT',
    'secret=3; Path=/; HttpOnly',
    'aged=4; Max-Age=3600; Path=/',
    'scoped=a=b; Path=/cookies',
    'gone=5; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
  ];
  const s = new Session();
  const before = Math.floor(Date.now() / 1000);
  // The fixture's /response-headers sends each repeated param as its own header line.
  const r = s.get(url('/response-headers'), {
    params: [...lines.map((line) => ['Set-Cookie', line]), ['X-Multi', 'one'], ['X-Multi', 'two']],
  });
  assert.equal(r.status, 200);

  // What arrived in the guest: one field joined with "," by the shim, or separate fields.
  const received = r.headerAll('set-cookie');
  if (received.length === 1) {
    assert.equal(received[0], lines.join(','));
    t.diagnostic(`preview2-shim joined ${lines.length} Set-Cookie headers into one field with ","`);
  } else {
    assert.deepEqual(received, lines);
    t.diagnostic('preview2-shim kept the Set-Cookie headers as separate fields');
  }
  const multi = r.headerAll('x-multi');
  t.diagnostic(`X-Multi (sent as 2 lines) arrived as ${JSON.stringify(multi)}`);
  assert.equal(r.header('x-multi'), 'one, two');

  // The cookies the response set: the expired one is not among them.
  const byName = (cookies) => Object.fromEntries(cookies.map((c) => [c.name, c]));
  const set = byName(r.cookies());
  assert.deepEqual(Object.keys(set).sort(), ['aged', 'dated', 'plain', 'scoped', 'secret']);

  const jar = byName(s.cookies());
  assert.deepEqual(Object.keys(jar).sort(), ['aged', 'dated', 'plain', 'scoped', 'secret']);
  assert.deepEqual(
    Object.fromEntries(Object.values(jar).map((c) => [c.name, c.value])),
    { plain: '1', dated: '2', secret: '3', aged: '4', scoped: 'a=b' },
  );
  assert.equal(jar.dated.expires, EXPIRES_2037);
  assert.equal(typeof jar.dated.expires, 'number');
  assert.ok(jar.aged.expires >= before + 3600 && jar.aged.expires <= before + 3600 + 60, `aged: ${jar.aged.expires}`);
  for (const name of ['plain', 'secret', 'scoped']) assert.equal(jar[name].expires, undefined, name);
  assert.equal(jar.secret.httpOnly, true);
  assert.equal(jar.plain.httpOnly, false);
  assert.equal(jar.scoped.path, '/cookies');
  for (const c of Object.values(jar)) {
    assert.equal(c.domain, '127.0.0.1');
    assert.equal(c.hostOnly, true);
  }

  // The raw API gives the same expiry as a BigInt (WIT s64).
  const rawDated = s.raw.cookies().find((c) => c.name === 'dated');
  assert.equal(rawDated.expires, BigInt(EXPIRES_2037));

  // And all of them go back to the server; `scoped` only under /cookies.
  assert.deepEqual(s.get(url('/cookies')).json().cookies, { plain: '1', dated: '2', secret: '3', aged: '4', scoped: 'a=b' });
  assert.equal(s.get(url('/headers')).json().headers.cookie, 'plain=1; dated=2; secret=3; aged=4');
});

test('an expiring Set-Cookie among others deletes only its cookie', () => {
  const s = new Session();
  s.get(url('/cookies/set?keep=1&drop=2'));
  s.get(url('/response-headers'), {
    params: [
      ['Set-Cookie', 'drop=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT'],
      ['Set-Cookie', 'fresh=3; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT'],
    ],
  });
  assert.deepEqual(
    s.cookies().map((c) => [c.name, c.value, c.expires]),
    [['keep', '1', undefined], ['fresh', '3', EXPIRES_2037]],
  );
});
