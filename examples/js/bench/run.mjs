// Owns the Node benchmark (issue 12): one interleaved run of the Promise API (index.mjs) with its
// default transport (Node's http, transport.mjs) and with wasi:http (preview2-shim), fetch
// (undici) and http.get with a keep-alive agent, against a keep-alive loopback server in its
// own process (bench/server.mjs). Cases: a small GET (100 bytes of JSON, parsed), 1 MB and
// 10 MB downloads (the body read whole). Each round runs every client once per case, in turn,
// so that load from elsewhere falls on all of them alike; the figures are medians over the
// rounds, with the CPU time this process spent per request (process.cpuUsage: every thread of
// it, so the wrapper's worker counts; the server's process does not). During each client's
// requests the event-loop delay is recorded
// (perf_hooks.monitorEventLoopDelay, 1 ms resolution) and a 1 ms interval counts its ticks.
// No assertions: it prints a table, with each median's ratio to fetch and the goals.
//
//   node bench/run.mjs              # or: npm run bench
//   node bench/run.mjs --rounds 5   # fewer rounds (default 15)

import { spawn } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Session } from '../index.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const ROUNDS = option('--rounds', 15);

/** Starts bench/server.mjs as a child process; resolves to its base URL and a stop function. */
function startServer() {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./server.mjs', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout.setEncoding('utf8');
    child.stdout.once('data', (line) => {
      const { port } = JSON.parse(line);
      resolve({ base: `http://127.0.0.1:${port}`, stop: () => child.stdin.end() });
    });
  });
}

const { base, stop } = await startServer();

const agent = new http.Agent({ keepAlive: true });
/** http.get with a keep-alive agent; resolves to the body as one Buffer. */
function httpGet(url) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', reject);
    }).on('error', reject);
  });
}

const wrapper = new Session();
const wrapperWasi = new Session({ transport: 'wasi-http', worker: 'own' });

/** The clients: for each case, one request with its body read as a user would. */
const clients = {
  'wrapper (node http)': {
    small: async (url) => (await wrapper.get(url)).json(),
    bytes: async (url) => (await wrapper.get(url)).content(),
  },
  'wrapper (wasi:http)': {
    small: async (url) => (await wrapperWasi.get(url)).json(),
    bytes: async (url) => (await wrapperWasi.get(url)).content(),
  },
  fetch: {
    small: async (url) => (await fetch(url)).json(),
    bytes: async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer()),
  },
  'http.get keep-alive': {
    small: async (url) => JSON.parse(await httpGet(url)),
    bytes: async (url) => httpGet(url),
  },
};

/** The cases: path, what each client calls, requests per round, and the expected body size. */
const cases = [
  { name: 'small GET (100 B JSON)', path: '/small', kind: 'small', perRound: 40 },
  { name: '1 MB download', path: '/bytes/1000000', kind: 'bytes', perRound: 5, size: 1_000_000 },
  { name: '10 MB download', path: '/bytes/10000000', kind: 'bytes', perRound: 1, size: 10_000_000 },
];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// Warm-up: workers started, the component compiled, connections open, JIT warm.
for (const client of Object.values(clients)) {
  for (const c of cases) for (let i = 0; i < 3; i++) await client[c.kind](base + c.path);
}

/** times[case][client] = per-request microseconds of each round; delays[client] = {max, p99} in ms. */
const times = Object.fromEntries(cases.map((c) => [c.name, Object.fromEntries(Object.keys(clients).map((k) => [k, []]))]));
/** cpu[case][client] = CPU microseconds per request of this process (all its threads), per round. */
const cpu = Object.fromEntries(cases.map((c) => [c.name, Object.fromEntries(Object.keys(clients).map((k) => [k, []]))]));
const delays = Object.fromEntries(Object.keys(clients).map((k) => [k, { max: 0, p99: [], ticks: 0, ms: 0 }]));

for (let round = 0; round < ROUNDS; round++) {
  for (const c of cases) {
    for (const [name, client] of Object.entries(clients)) {
      const histogram = monitorEventLoopDelay({ resolution: 1 });
      let ticks = 0;
      const interval = setInterval(() => ticks++, 1);
      histogram.enable();
      const cpuStart = process.cpuUsage();
      const start = process.hrtime.bigint();
      for (let i = 0; i < c.perRound; i++) {
        const body = await client[c.kind](base + c.path);
        if (c.size !== undefined && body.byteLength !== c.size) throw new Error(`${name}: ${body.byteLength} bytes`);
      }
      const elapsed = Number(process.hrtime.bigint() - start) / 1000;
      const cpuUsed = process.cpuUsage(cpuStart);
      cpu[c.name][name].push((cpuUsed.user + cpuUsed.system) / c.perRound);
      histogram.disable();
      clearInterval(interval);
      times[c.name][name].push(elapsed / c.perRound);
      const d = delays[name];
      d.max = Math.max(d.max, histogram.max / 1e6);
      d.p99.push(histogram.percentile(99) / 1e6);
      d.ticks += ticks;
      d.ms += elapsed / 1000;
    }
  }
}

const fmt = (us) => (us >= 10_000 ? `${(us / 1000).toFixed(1)} ms` : `${Math.round(us)} us`);
console.log(`Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`${ROUNDS} interleaved rounds; median per request (ratio to fetch)\n`);
const names = Object.keys(clients);
const width = Math.max(...names.map((n) => n.length)) + 2;
console.log('case'.padEnd(24) + names.map((n) => n.padStart(width)).join(''));
for (const c of cases) {
  const fetchMedian = median(times[c.name].fetch);
  const cells = names.map((n) => {
    const m = median(times[c.name][n]);
    return `${fmt(m)} (${(m / fetchMedian).toFixed(2)}x)`.padStart(width);
  });
  console.log(c.name.padEnd(24) + cells.join(''));
}
console.log('\nCPU time of this process per request (all its threads: the worker and the shim\'s too), median:');
for (const c of cases) {
  console.log(c.name.padEnd(24) + names.map((n) => fmt(median(cpu[c.name][n])).padStart(width)).join(''));
}
console.log('\nevent-loop delay during the requests (monitorEventLoopDelay, 1 ms resolution):');
for (const n of names) {
  const d = delays[n];
  console.log(`  ${n.padEnd(width)} max ${d.max.toFixed(1)} ms, median of per-batch p99 ${median(d.p99).toFixed(1)} ms, a 1 ms interval ran ${(d.ticks / d.ms).toFixed(2)} times per ms`);
}
const ratio = (caseName) => median(times[caseName]['wrapper (node http)']) / median(times[caseName].fetch);
console.log('\ngoals (issue 12), wrapper with its default transport:');
console.log(`  small GET <= 1.0x fetch: ${ratio(cases[0].name).toFixed(2)}x`);
console.log(`  10 MB download <= 1.5x fetch: ${ratio(cases[2].name).toFixed(2)}x`);
console.log(`  event-loop delay < 5 ms: max ${delays['wrapper (node http)'].max.toFixed(1)} ms`);

await wrapper.close();
await wrapperWasi.close();
agent.destroy();
stop();
