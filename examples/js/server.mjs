// Starts the loopback httpbin-like fixture server used by example.mjs and the tests: the Rust
// one the Rust tests use (host-tests/src/server/, which lists its endpoints in mod.rs), run as
// the child process target/debug/fixture-server (host-tests/src/bin/fixture-server.rs). It is
// built with cargo when missing; $REQUESTS_FIXTURE_SERVER names another binary to run.
//
// The server must not run on this thread: the preview2-shim's wasi:http outgoing handler blocks
// the calling thread (Atomics.wait) until the response arrives. A child process is elsewhere.
// It prints its port as one line of JSON and serves until its stdin closes, so it also stops
// when this process exits.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The fixture-server binary, built first if it is missing. */
function binary() {
  if (process.env.REQUESTS_FIXTURE_SERVER) return process.env.REQUESTS_FIXTURE_SERVER;
  const target = path.resolve(root, process.env.CARGO_TARGET_DIR || 'target');
  const exe = path.join(target, 'debug', process.platform === 'win32' ? 'fixture-server.exe' : 'fixture-server');
  if (!existsSync(exe)) {
    const args = ['build', '-p', 'host-tests', '--bin', 'fixture-server', '--locked'];
    execFileSync('cargo', args, { cwd: root, stdio: ['ignore', 2, 2] });
  }
  return exe;
}

/**
 * Starts the fixture server in a child process.
 * @returns {Promise<{url: string, port: number, close(): Promise<void>}>}
 */
export function startServer() {
  const child = spawn(binary(), [], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let line = '';
    const early = (code, signal) => reject(new Error(`fixture server exited (${signal ?? code}) before giving its port`));
    child.once('error', reject);
    child.once('exit', early);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', function first(text) {
      line += text;
      if (!line.includes('\n')) return;
      child.stdout.off('data', first);
      child.off('exit', early);
      let port;
      try {
        ({ port } = JSON.parse(line.slice(0, line.indexOf('\n'))));
      } catch (e) {
        child.kill();
        return reject(new Error(`fixture server: not a port line: ${JSON.stringify(line)}`, { cause: e }));
      }
      // Until close() the child does not keep this process alive (if this process ends first,
      // the child's stdin closes and it stops).
      child.stdout.resume();
      for (const handle of [child, child.stdin, child.stdout]) handle.unref();
      let closed;
      resolve({
        port,
        url: `http://127.0.0.1:${port}`,
        close: () => (closed ??= stop(child)),
      });
    });
  });
}

/** Stops the child and waits until it has exited. */
function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  child.ref();
  const exited = new Promise((resolve) => child.once('exit', () => resolve()));
  child.stdin.end();
  child.kill();
  return exited;
}
