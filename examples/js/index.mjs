// Owns the Promise API (the package's main entry, `requests-component`): the same session as
// requests.mjs, but every request is `await`ed and never blocks the event loop. The component
// runs in a worker thread (worker.mjs), which owns the instance and drives it through the
// synchronous wrapper; this module sends it one message per call and rebuilds what comes back
// (responses, errors). Hooks and adapters are functions and objects of this thread: the worker
// calls them through `#serve` (each call one message each way; the worker waits on a shared
// word meanwhile), so they may be async. The default transport is transport.mjs (Node's own
// http/https with keep-alive agents), an adapter of this thread like any other. Large bodies
// stay here: a response body over 64 KiB (or streamed) is kept by the adapter (WIT
// `keeps-rest`, handed back by `take-host-body`) and read by Response from this thread, and an
// upload through an adapter with `start` is written to it from here (`host-upload`).
// Types: index.d.ts.

import { AsyncLocalStorage } from 'node:async_hooks';
import { Worker } from 'node:worker_threads';
import { Buffer } from 'node:buffer';
import * as errors from './errors.mjs';
import { HookRequest, HookResponse } from './hooks.mjs';
import { AdapterError, AdapterRequest, FAILURE_KINDS, redactedSettings } from './host-adapters.mjs';
import { headerOf, toBytes, toPairs, u16, utf8 } from './convert.mjs';
import { frozenHeaders, frozenProxies, toChunk, toHookLists } from './options.mjs';
import { REDACTED, redacted, redactUrl, withRedactedPassword } from './redact.mjs';
import { nodeTransport } from './transport.mjs';
import { decodeText, parseJson } from './charset.mjs';

export * from './errors.mjs';
export { HookRequest, HookResponse, AdapterError, AdapterRequest, FAILURE_KINDS, nodeTransport };

/** The most bytes one response piece crosses with (the component reads at most 1 MiB at a time). */
export const READ_PIECE = 1 << 20;

/**
 * The largest body (not streamed) that crosses to the worker with the head; a larger one
 * stays on this thread (copying it through the component and back costs more than the
 * messages it saves).
 */
const WHOLE_BODY = 64 * 1024;

/** Node's network error codes an adapter's error may carry (host-adapters.mjs maps them). */
const NODE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE']);

/** An error sent by the worker (worker.mjs `toWire`) -> the error to throw here. */
function fromWire(wire, thrown, response) {
  const cause = wire.mainRef !== undefined && thrown.has(wire.mainRef) ? thrown.get(wire.mainRef) : undefined;
  if (wire.requests) {
    const Class = errors[wire.requests] ?? errors.RequestsError;
    const error = new Class(wire.payload, cause === undefined ? {} : { cause });
    if (wire.responseIsSelf && response) error.response = response;
    return error;
  }
  if (cause !== undefined) return cause;
  const Class = { TypeError, RangeError, SyntaxError }[wire.name] ?? Error;
  const error = new Class(wire.message);
  if (wire.name && Class === Error) error.name = wire.name;
  if (wire.stack) error.stack = `${error.name}: ${wire.message}\n    at (worker) ${wire.stack.split('\n').slice(1).join('\n')}`;
  if (wire.code !== undefined) error.code = wire.code;
  return error;
}

/**
 * The workers whose calls (a hook, an adapter) this async context serves, nested included (a
 * hook of worker A calling a session of worker B, whose hook runs here): each waits for its
 * answer, so a request to any of them from here would wait for ever.
 */
const serving = new AsyncLocalStorage();

/**
 * What an adapter of this thread threw while a body kept here was read -> the RequestsError
 * the component makes of the same failure (its kind, its message with the URL after it), with
 * what was thrown as the cause.
 */
function fromBodyFailure(e, url) {
  if (e instanceof errors.RequestsError) return e;
  const kind = e instanceof AdapterError ? e.kind : 'other';
  const message = e instanceof AdapterError ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  const where = `(${redactUrl(url)})`;
  if (kind === 'other') {
    return new errors.TransportError({ kind: 'transport', code: 'host-adapter', message: `host-adapter: ${message} ${where}`, url }, { cause: e });
  }
  const Class = errors.ERROR_CLASSES[kind] ?? errors.RequestsError;
  return new Class({ kind, message: `${message} ${where}`, url }, { cause: e });
}

/** Response's method that reads a body kept on this thread when the request was not streamed. */
const SETTLE = Symbol('settle');
/** The Response of a description, its body read if the request was not streamed. */
const settled = (host, description) => new Response(host, description)[SETTLE]();

/** A copy of some bytes in a buffer of their own (safe to transfer: never Node's Buffer pool). */
function ownBytes(chunks, size) {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * A response body an adapter of this thread returned, read as the worker asks: an object
 * with `read(max)` (a Promise of bytes or null at the end: transport.mjs), an async or
 * sync iterable of chunks, a string or bytes.
 */
class PullSource {
  #read;
  #iterator;
  #held = [];
  #close;
  constructor(body) {
    if (typeof body.read === 'function' && typeof body.close === 'function') {
      this.#read = (max) => (this.#held.length ? this.#fromHeld(max) : body.read(max));
      this.#close = () => body.close();
      return;
    }
    const iterator = typeof body[Symbol.asyncIterator] === 'function' ? body[Symbol.asyncIterator]()
      : typeof body[Symbol.iterator] === 'function' ? body[Symbol.iterator]() : null;
    if (iterator === null) throw new TypeError(`response body: expected a string, bytes, null or an iterable of chunks, got ${typeof body}`);
    this.#iterator = iterator;
    let pulled = 0;
    this.#read = async (max) => {
      if (!this.#held.length) {
        const next = await iterator.next();
        if (next.done) return null;
        const value = next.value;
        const bytes = typeof value === 'string' ? utf8.encode(value) : toBytes(value);
        if (!bytes) throw new TypeError(`response body chunk ${pulled}: expected a string or bytes`);
        pulled++;
        this.#held.push(bytes);
      }
      return this.#fromHeld(max);
    };
    this.#close = () => iterator.return?.();
  }
  #fromHeld(max) {
    const head = this.#held.shift();
    if (head.length > max) this.#held.unshift(head.subarray(max));
    return head.subarray(0, max);
  }
  /** Puts bytes taken back in front of the body. */
  unshift(bytes) {
    if (bytes.length) this.#held.unshift(bytes);
  }
  /** Up to `max` bytes: as many as come before the end when `fill`, else the next piece. */
  async take(max, fill) {
    const chunks = [];
    let size = 0;
    let ended = false;
    while (size < max) {
      const chunk = await this.#read(max - size);
      if (chunk === null) {
        ended = true;
        break;
      }
      if (chunk.length) {
        chunks.push(chunk);
        size += chunk.length;
        if (!fill) break;
      }
    }
    return { bytes: ownBytes(chunks, size), ended };
  }
  close() {
    try {
      const closing = this.#close();
      closing?.catch?.(() => {});
    } catch {
      // The body is given up either way.
    }
  }
}

/**
 * One worker thread with a component instance: sends it ops (`call`), serves its calls
 * back into this thread (hooks, adapters), and keeps the process alive only while an op
 * is in flight.
 */
class WorkerHost {
  #worker;
  /** Why the worker is gone, once it is. */
  #dead;
  #pending = new Map();
  #nextId = 0;
  #word;
  #replies;
  /** The values hooks and adapters threw during the op in flight, by number. */
  #thrown = new Map();
  #nextRef = 0;
  /** Hook snapshots by call number (see Session.#hooksFor). */
  calls = new Map();
  /** Adapters of this thread by number (Session.mount). */
  adapters = new Map();
  /** Response bodies of those adapters being read by the worker, by handle. */
  #bodies = new Map();
  /** Uploads through those adapters, by handle: `{writer, settings}`. */
  #uploads = new Map();
  #nextHandle = 0;

  /** A worker of one session (`{worker: 'own'}`): ended once nothing here refers to it. */
  #own;
  /** The objects here that refer to the worker (sessions, responses, uploads, prepared requests). */
  #users = 0;

  constructor({ own = false } = {}) {
    this.#own = own;
    const signal = new SharedArrayBuffer(4);
    this.#word = new Int32Array(signal);
    const { port1, port2 } = new MessageChannel();
    this.#replies = port1;
    this.#worker = new Worker(new URL('./worker.mjs', import.meta.url), {
      workerData: { port: port2, signal },
      transferList: [port2],
    });
    this.#worker.on('message', (message) => {
      if (message.call !== undefined) this.#serve(message);
      else this.#settle(message);
    });
    // A worker that failed or exited fails what is pending and every later call.
    const dead = (error) => {
      this.#dead ??= error;
      for (const { reject } of this.#pending.values()) reject(this.#dead);
      this.#pending.clear();
    };
    this.#worker.on('error', dead);
    this.#worker.on('exit', (code) => dead(new Error(`the requests worker thread exited (code ${code})`)));
    this.#worker.unref();
  }

  /** Sends op `op` with `fields`; resolves to its result (`describe` results rebuilt by the caller). */
  call(op, fields = {}, transfer = []) {
    if (this.#dead) return Promise.reject(this.#dead);
    if (serving.getStore()?.has(this)) {
      return Promise.reject(new Error(
        'a hook or adapter cannot call into a session of the worker that is running it (it waits for the hook): '
        + "use a session with {worker: 'own'}",
      ));
    }
    const id = ++this.#nextId;
    if (this.#pending.size === 0) this.#worker.ref();
    // The workers waiting on the caller, for the hooks this op may run (see #serve).
    const waiting = serving.getStore();
    const promise = new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject, waiting }));
    this.#worker.postMessage({ id, op, ...fields }, transfer);
    return promise;
  }
  /** One more object here refers to the worker (see `drops`). */
  retain() { this.#users++; }
  /**
   * One object fewer; an own worker with none left is ended (its thread and its component
   * instance, some 40 MB, would otherwise stay for the life of the process).
   */
  release() {
    this.#users--;
    if (this.#own && this.#users === 0 && this.#pending.size === 0) this.#end();
  }
  /** Ends an own worker, and what this thread's adapters still hold for it (it can no longer ask). */
  #end() {
    this.#worker.terminate();
    for (const { source } of this.#bodies.values()) source.close();
    this.#bodies.clear();
    for (const upload of [...this.#uploads.keys()]) this.abortUpload(upload);
  }

  /** Sends an op whose answer nobody waits for (drops). */
  post(op, fields) {
    if (!this.#dead) this.#worker.postMessage({ id: 0, op, ...fields });
  }

  /** Rebuilds an error of the op just answered (with what this thread's code threw as its cause). */
  error(wire, response = undefined) { return fromWire(wire, this.#thrown, response); }

  #settle({ id, ok, error }) {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    if (this.#pending.size === 0) {
      this.#worker.unref();
      // An own worker released while this op ran (its objects collected meanwhile) ends now.
      if (this.#own && this.#users === 0) this.#end();
    }
    if (error === undefined) pending.resolve(ok);
    else pending.reject(this.error(error));
    // Ops run one at a time: what was thrown during this one is no longer needed.
    queueMicrotask(() => this.#thrown.clear());
  }

  /** Answers a call from the worker, which waits for it (worker.mjs `callMain`). */
  async #serve({ call, args }) {
    const transfer = [];
    let answer;
    try {
      // The worker's message comes in no caller's async context: the op it runs is the oldest
      // pending one (ops run one at a time, in order), and what waits on that op's caller
      // waits on this call too.
      const inFlight = this.#pending.values().next().value;
      const waiting = new Set(inFlight?.waiting).add(this);
      answer = { ok: await serving.run(waiting, () => this.#handle(call, args, transfer)) };
    } catch (e) {
      const ref = ++this.#nextRef;
      this.#thrown.set(ref, e);
      const described = { ref, name: e?.name ?? 'Error', message: e instanceof Error ? e.message : String(e) };
      if (e instanceof AdapterError) described.kind = e.kind;
      else if (typeof e?.code === 'string' && NODE_CODES.has(e.code)) described.code = e.code;
      answer = { error: described };
    }
    try {
      this.#replies.postMessage(answer, transfer);
    } catch (e) {
      this.#replies.postMessage({ error: { ref: 0, name: e.name, message: e.message } });
    }
    Atomics.store(this.#word, 0, 1);
    Atomics.notify(this.#word, 0);
  }

  async #handle(call, args, transfer) {
    switch (call) {
      case 'hook': return this.#hook(args);
      case 'adapter.send': return this.#adapterSend(args, transfer);
      case 'adapter.read': {
        const body = this.#bodies.get(args.handle);
        if (!body) throw new AdapterError('other', `no response body has the handle ${args.handle}`);
        try {
          const { bytes, ended } = await body.source.take(READ_PIECE, !body.stream);
          // The end is told by an empty read (then the handle goes).
          if (bytes.length === 0 && ended) {
            this.#bodies.delete(args.handle);
            return null;
          }
          transfer.push(bytes.buffer);
          return bytes;
        } catch (e) {
          this.#bodies.delete(args.handle);
          body.source.close();
          throw e;
        }
      }
      case 'adapter.start': return this.#adapterStart(args);
      case 'adapter.write': return this.writeUpload(args.upload, args.bytes);
      case 'adapter.finish': return this.#adapterFinish(args, transfer);
      case 'adapter.abort': return this.abortUpload(args.upload);
      case 'adapter.discard': {
        this.#bodies.get(args.handle)?.source.close();
        this.#bodies.delete(args.handle);
        return undefined;
      }
      default: throw new TypeError(`unknown call ${call}`);
    }
  }

  async #hook({ call, list, event, index, value }) {
    const hook = this.calls.get(call)?.[list]?.[event]?.[index];
    if (typeof hook !== 'function') throw new TypeError(`the ${event} hook ${index} is gone`);
    if (event === 'request') {
      const request = new HookRequest(value);
      const result = await hook(request);
      if (result === undefined || result === null || result === request) {
        return { request: { method: request.method, url: request.url, headers: toPairs(request.headers, 'request.headers'), body: request.body } };
      }
      if (result instanceof HookRequest) {
        return { request: { method: result.method, url: result.url, headers: toPairs(result.headers, 'request.headers'), body: result.body } };
      }
      return { response: plainResponse(result) };
    }
    const response = new HookResponse({ ...value, request: new HookRequest(value.request) });
    const result = await hook(response);
    return result === undefined || result === null ? {} : { response: plainResponse(result) };
  }

  #adapter(id) {
    const adapter = this.adapters.get(id);
    if (!adapter) throw new AdapterError('other', `adapter ${id} is gone`);
    return adapter;
  }

  async #adapterSend({ adapter: id, request, settings: crossed }, transfer) {
    const adapter = this.#adapter(id);
    const settings = redactedSettings(crossed);
    const body = request.body ? Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength) : null;
    return this.#answer(await adapter.send(new AdapterRequest(request, body), settings), settings, transfer);
  }

  /**
   * `adapter.start`: a streamed upload through an adapter of this thread, with its `start`
   * (the default transport: the pieces go out as they come), else collected for its `send`.
   */
  async #adapterStart({ adapter: id, request, settings: crossed }) {
    const adapter = this.#adapter(id);
    const settings = redactedSettings(crossed);
    const head = new AdapterRequest(request, null);
    let writer;
    if (typeof adapter.start === 'function') {
      writer = await adapter.start(head, settings);
    } else {
      const pieces = [];
      writer = {
        write: (bytes) => { pieces.push(Buffer.from(bytes)); },
        finish: () => adapter.send(new AdapterRequest(request, Buffer.concat(pieces)), settings),
      };
    }
    const upload = ++this.#nextHandle;
    this.#uploads.set(upload, { writer, settings });
    return upload;
  }

  /** Writes a piece of an upload of this thread's adapter (from the worker, or `Upload.write` directly). */
  async writeUpload(upload, bytes) {
    const entry = this.#uploads.get(upload);
    if (!entry) throw new AdapterError('other', `no upload has the handle ${upload}`);
    await entry.writer.write(bytes);
  }

  /** The response of an upload (`adapter.finish`); the upload is released. */
  async #adapterFinish({ upload }, transfer) {
    const entry = this.#uploads.get(upload);
    if (!entry) throw new AdapterError('other', `no upload has the handle ${upload}`);
    this.#uploads.delete(upload);
    return this.#answer(await entry.writer.finish(), entry.settings, transfer);
  }

  /** Abandons an upload (`adapter.abort`, or `Upload.abort`). */
  abortUpload(upload) {
    const entry = this.#uploads.get(upload);
    this.#uploads.delete(upload);
    try {
      entry?.writer.abort?.();
    } catch {
      // Abandoned either way.
    }
  }

  /** An adapter's response -> the worker's answer: the head, and the body or a handle to it. */
  async #answer(response, settings, transfer) {
    if (response === null || typeof response !== 'object') {
      throw new TypeError(`an adapter's send must return {status, headers, body}, got ${response === null ? 'null' : typeof response}`);
    }
    const status = u16(response.status, 'response.status');
    const headers = toPairs(response.headers ?? [], 'response.headers');
    const given = response.body;
    if (given === null || given === undefined) return { status, headers, first: new Uint8Array() };
    if (typeof given === 'string' || toBytes(given)) {
      const bytes = typeof given === 'string' ? utf8.encode(given) : ownBytes([toBytes(given)], toBytes(given).length);
      transfer.push(bytes.buffer);
      return { status, headers, first: bytes };
    }
    const source = new PullSource(given);
    // Unless streamed, the head and a body of up to 1 MiB go in one answer. A larger body, and
    // a streamed one, stay here (`keep`: the WIT `keeps-rest`): the Response reads them from
    // this thread without a copy through the worker (the session still reads, through the
    // worker, a body it must decode).
    let first = { bytes: new Uint8Array(), ended: false };
    try {
      if (!settings.stream) first = await source.take(WHOLE_BODY, true);
    } catch (e) {
      source.close();
      throw e;
    }
    if (first.ended) {
      transfer.push(first.bytes.buffer);
      return { status, headers, first: first.bytes };
    }
    source.unshift(first.bytes);
    const handle = ++this.#nextHandle;
    this.#bodies.set(handle, { source, stream: settings.stream });
    return { status, headers, first: new Uint8Array(), rest: handle, keep: true };
  }

  /**
   * The body an adapter of this thread keeps as `handle`, for its Response to read:
   * `{source, stream}` (whether the request was streamed), or null if it is gone.
   */
  takeBody(handle) {
    const body = this.#bodies.get(handle);
    this.#bodies.delete(handle);
    return body ?? null;
  }
}

/** A hook's response (a HookResponse or `{status, headers, body}`) as plain values. */
function plainResponse(result) {
  if (typeof result !== 'object') throw new TypeError(`a hook must return a HookResponse (or {status, headers, body}), got ${typeof result}`);
  return { status: result.status, headers: toPairs(result.headers ?? [], 'response.headers'), body: result.body ?? null };
}

/**
 * Settings as they crossed from the worker (a structured clone drops how they print) ->
 * printing redacted again, as requests.mjs's getters give them: auth passwords and tokens,
 * PEM text, credential headers and proxy userinfo as `***`.
 */
function redactSettings(settings) {
  const out = { ...settings };
  if (Array.isArray(out.headers)) out.headers = frozenHeaders(out.headers);
  if (Array.isArray(out.proxies)) out.proxies = frozenProxies(out.proxies);
  const auth = out.auth;
  if (auth?.bearer !== undefined) out.auth = redacted({ bearer: auth.bearer }, () => ({ bearer: REDACTED }));
  else if (auth?.digest !== undefined) out.auth = { digest: withRedactedPassword({ ...auth.digest }) };
  else if (auth?.username !== undefined) out.auth = withRedactedPassword({ ...auth });
  const pem = (value) => (value !== null && typeof value === 'object' && typeof value.data === 'string'
    ? redacted({ data: value.data }, () => ({ data: REDACTED })) : value);
  if (Array.isArray(out.cert)) out.cert = out.cert.map(pem);
  else if (out.cert != null) out.cert = pem(out.cert);
  return out;
}

let sharedHost;
/** The worker every session shares unless created with `{worker: 'own'}`. */
function sharedWorker() {
  sharedHost ??= new WorkerHost();
  return sharedHost;
}

/**
 * What a session holds on this thread: the numbers of its adapters in `host.adapters`, and
 * the default transport it made (its keep-alive agents). Released by `close()`, or when the
 * session is garbage-collected: nothing else refers to them.
 */
function releaseSession({ host, adapters, transport }) {
  for (const id of adapters) host.adapters.delete(id);
  adapters.length = 0;
  transport?.close();
}

/**
 * Drops worker-side objects once their handles here are garbage-collected. Every object
 * registered here holds its worker (`host.retain()` with `track`); the collection, or an
 * explicit release (`untrack`), lets it go.
 */
const drops = new FinalizationRegistry(({ host, kind, id, call, source, owned }) => {
  source?.close();
  if (owned !== undefined) releaseSession(owned);
  if (call !== undefined) host.calls.delete(call);
  if (id !== undefined) host.post('drop', { kind, id });
  host.release();
});
/** Registers `object` with `drops` (`held`: what to drop), holding its worker meanwhile. */
function track(object, held) {
  held.host.retain();
  drops.register(object, held, object);
}
/** Unregisters `object` from `drops` (dropped explicitly), releasing its worker once. */
function untrack(object, host) {
  if (drops.unregister(object)) host.release();
}

let callCount = 0;
let adapterCount = 0;

/** `data` that is read here and written to the worker piece by piece: async iterables, iterators, streams. */
const isUploadSource = (data) => data !== null && typeof data === 'object'
  && (typeof data[Symbol.asyncIterator] === 'function' || (typeof data[Symbol.iterator] === 'function' && typeof data.next === 'function'));

/** What `new Session(options)` takes. */
const SESSION_OPTIONS = new Set(['transport', 'sockets', 'worker']);

/**
 * A requests-style session whose requests return Promises. Its component instance lives
 * in a worker thread (shared by the sessions of this process, or its own with
 * `{worker: 'own'}`); requests of one worker run one at a time there.
 */
export class Session {
  #host;
  #ready;
  #hooks = { request: [], response: [] };
  #id;
  #transport;
  /** What this session holds here (`releaseSession`): its adapters' numbers, its own transport. */
  #owned;

  /**
   * `transport`: `'node'` (the default: transport.mjs, Node's http/https with keep-alive
   * agents, mounted for http:// and https://), `'wasi-http'` (the component's own
   * adapter over preview2-shim's wasi:http), or an adapter object (`send(request,
   * settings)`, see host-adapters.mjs) to mount for both. `sockets`: the world
   * `client-with-sockets` build with its own HTTP/1.1 client (as requests.mjs takes it).
   */
  constructor(options = {}) {
    for (const key of Object.keys(options ?? {})) {
      if (!SESSION_OPTIONS.has(key)) throw new TypeError(`Session options: unknown option ${JSON.stringify(key)}`);
    }
    const { transport = 'node', sockets, worker = 'shared' } = options ?? {};
    if (worker !== 'shared' && worker !== 'own') throw new TypeError("Session options: worker must be 'shared' or 'own'");
    this.#transport = sockets ? null : transport === 'node' ? nodeTransport() : transport === 'wasi-http' ? null : transport;
    if (this.#transport !== null && (typeof this.#transport !== 'object' || typeof this.#transport.send !== 'function')) {
      throw new TypeError("Session options: transport must be 'node', 'wasi-http' or an adapter object");
    }
    this.#host = worker === 'own' ? new WorkerHost({ own: true }) : sharedWorker();
    // The default transport is this session's own (closed with it); an adapter object given
    // as `transport` is the caller's.
    this.#owned = { host: this.#host, adapters: [], transport: transport === 'node' && !sockets ? this.#transport : undefined };
    // Tracked (holding the worker) from now; its worker-side number is filled in when known.
    const held = { host: this.#host, kind: 'session', id: undefined, owned: this.#owned };
    track(this, held);
    const created = this.#host.call('session.new', { options: sockets === undefined ? {} : { sockets } });
    const steps = [created.then((id) => {
      this.#id = id;
      held.id = id;
    })];
    this.#ready = Promise.all(steps).then(async () => {
      if (this.#transport) {
        await this.#mount('http://', this.#transport);
        await this.#mount('https://', this.#transport);
      }
    });
    this.#ready.catch(() => {});
  }

  async #op(op, fields = {}, transfer = []) {
    await this.#ready;
    return this.#host.call(op, { session: this.#id, ...fields }, transfer);
  }

  /**
   * The session's hooks: `{request: [], response: []}`, arrays of functions (sync or
   * async) to push onto; they run on this thread. See requests.mjs `Session.hooks`.
   */
  get hooks() { return this.#hooks; }
  set hooks(hooks) { this.#hooks = toHookLists(hooks, 'hooks'); }

  /**
   * The hooks a call runs, snapshotted now and kept under a call number while the worker
   * may call them: the session's, and the call's own (`perRequest`).
   */
  #hooksFor(perRequest) {
    const session = toHookLists(this.#hooks, 'session.hooks');
    const request = perRequest === undefined ? undefined : toHookLists(perRequest, 'hooks');
    const counts = (lists) => ({ request: lists.request.length, response: lists.response.length });
    const none = (lists) => lists.request.length === 0 && lists.response.length === 0;
    if (none(session) && (request === undefined || none(request))) return { wire: undefined, call: undefined };
    const call = ++callCount;
    this.#host.calls.set(call, { session: { request: [...session.request], response: [...session.response] }, request });
    return { wire: { call, session: counts(session), request: request && counts(request) }, call };
  }

  /** A Response (or its worker-side description) for a description from the worker. */
  #response(description) { return settled(this.#host, description); }

  /**
   * Send a request, merged with the session's settings, following redirects. `data` may
   * be an async iterable (a Node stream, an async generator) or an iterator of chunks
   * (strings or bytes): they are streamed, chunked unless `contentLength` is given.
   */
  async request(method, url, options = {}) { return this.#request(method, url, options, undefined); }
  get(url, options) { return this.#request('GET', url, options, 'get'); }
  /** Does not follow redirects unless `allowRedirects: true`. */
  head(url, options) { return this.#request('HEAD', url, options, 'head'); }
  post(url, options) { return this.#request('POST', url, options, 'post'); }
  put(url, options) { return this.#request('PUT', url, options, 'put'); }
  patch(url, options) { return this.#request('PATCH', url, options, 'patch'); }
  delete(url, options) { return this.#request('DELETE', url, options, 'delete'); }
  options(url, options) { return this.#request('OPTIONS', url, options, 'options'); }

  async #request(method, url, options = {}, verb) {
    if (options === null || typeof options !== 'object') throw new TypeError('request options: expected an object');
    const { hooks, data, contentLength, ...rest } = options;
    if (isUploadSource(data)) {
      const upload = await this.startRequest(method, url, { ...rest, hooks, contentLength });
      try {
        let i = 0;
        for await (const chunk of data) await upload.write(toChunk(chunk, `data chunk ${i++}`));
      } catch (e) {
        upload.abort();
        throw e;
      }
      return upload.finish();
    }
    const { wire, call } = this.#hooksFor(hooks);
    const opts = { ...rest };
    if (data !== undefined) opts.data = data;
    if (contentLength !== undefined) opts.contentLength = contentLength;
    try {
      return this.#response(await this.#op('session.request', { method, url: String(url?.href ?? url), options: opts, hooks: wire, verb }));
    } finally {
      if (call !== undefined) this.#host.calls.delete(call);
    }
  }

  /**
   * Start a request whose body is written through the returned Upload (`await
   * up.write(chunk)`, then `await up.finish()` for the response).
   */
  async startRequest(method, url, options = {}) {
    const { hooks, ...rest } = options ?? {};
    const { wire, call } = this.#hooksFor(hooks);
    try {
      const { id, mainUpload } = await this.#op('session.startRequest', { method, url: String(url?.href ?? url), options: rest, hooks: wire });
      return new Upload(this.#host, id, call, rest.contentLength ?? null, mainUpload);
    } catch (e) {
      if (call !== undefined) this.#host.calls.delete(call);
      throw e;
    }
  }

  /** Merge a request with the session's settings without sending it. */
  async prepareRequest(method, url, options = {}) {
    const { hooks, ...rest } = options ?? {};
    const { wire, call } = this.#hooksFor(hooks ?? {});
    try {
      const description = await this.#op('session.prepareRequest', { method, url: String(url?.href ?? url), options: rest, hooks: wire });
      return new PreparedRequest(this.#host, description, call);
    } catch (e) {
      if (call !== undefined) this.#host.calls.delete(call);
      throw e;
    }
  }
  /** Send a prepared request as it is. */
  async send(request, options) {
    const { wire, call } = this.#hooksFor(undefined);
    try {
      return this.#response(await this.#op('session.send', { request: request.id, options, hooks: wire }));
    } finally {
      if (call !== undefined) this.#host.calls.delete(call);
    }
  }

  /**
   * Use `adapter` (an object with `send(request, settings)`, which may return a Promise;
   * see host-adapters.mjs for what it gets and returns) for URLs starting with `prefix`.
   * It runs on this thread.
   */
  async mount(prefix, adapter) {
    if (adapter === null || typeof adapter !== 'object' || typeof adapter.send !== 'function') {
      throw new TypeError('mount: expected an object with a send(request, settings) method');
    }
    await this.#ready;
    await this.#mount(prefix, adapter);
  }
  async #mount(prefix, adapter) {
    const id = ++adapterCount;
    this.#host.adapters.set(id, adapter);
    try {
      await this.#host.call('session.mount', { session: this.#id, prefix, adapter: id });
    } catch (e) {
      this.#host.adapters.delete(id);
      throw e;
    }
    this.#owned.adapters.push(id);
  }

  /**
   * Change settings: `{headers, params, auth, maxRedirects, trustEnv, stream, verify, cert,
   * proxies, timeout, retries, baseUrl, errorForStatus, maxBodySize}`, each as requests.mjs's
   * setter of that name takes it; applied in order, stopping at the first that fails.
   */
  async configure(values) {
    const plain = { ...values };
    if (plain.baseUrl !== null && typeof plain.baseUrl === 'object' && typeof plain.baseUrl.href === 'string') plain.baseUrl = plain.baseUrl.href;
    await this.#op('session.set', { values: plain });
  }
  /** Every setting, as requests.mjs's getters give them: `{headers, params, auth, ...}`. */
  async settings() { return redactSettings(await this.#op('session.settings')); }
  #method(method, ...args) { return this.#op('session.call', { method, args }); }
  setHeader(name, value) { return this.#method('setHeader', name, String(value)); }
  removeHeader(name) { return this.#method('removeHeader', name); }
  cookies() { return this.#method('cookies'); }
  setCookie(cookie) { return this.#method('setCookie', cookie); }
  removeCookie(name, where) { return this.#method('removeCookie', name, where); }
  clearCookies() { return this.#method('clearCookies'); }
  exportState(options) { return this.#method('exportState', options); }
  importState(state) { return this.#method('importState', state); }
  async mergeEnvironmentSettings(url, options) { return redactSettings(await this.#method('mergeEnvironmentSettings', url, options)); }
  /**
   * Close the session: later requests throw SessionClosed. Its adapters are forgotten here and
   * its default transport closed (idle connections now; one a streamed response still reads
   * when that body ends). An adapter object given as `transport` or to `mount` stays open.
   */
  async close() {
    try {
      await this.#method('close');
    } finally {
      releaseSession(this.#owned);
    }
  }
  async [Symbol.asyncDispose]() {
    try {
      await this.close();
    } finally {
      this.#host.post('drop', { kind: 'session', id: this.#id });
      untrack(this, this.#host);
    }
  }
}

/** A response. Its body has already crossed to this thread unless the request was streamed. */
export class Response {
  #host;
  #content;
  #statusError;
  #description;
  constructor(host, description) {
    this.#host = host;
    this.#description = description;
    /** The worker's number for this response. */
    this.id = description.id;
    this.status = description.status;
    this.reason = description.reason;
    this.url = description.url;
    this.ok = description.ok;
    /** The headers in order, as `[name, value]` pairs (printed with credential values as `***`). */
    this.headers = frozenHeaders(description.headers);
    this.elapsedMs = description.elapsedMs;
    this.encoding = description.encoding;
    // As the component (and requests) define them: a redirect status with a Location.
    const location = this.headers.some(([name]) => name.toLowerCase() === 'location');
    this.isRedirect = location && [301, 302, 303, 307, 308].includes(this.status);
    this.isPermanentRedirect = location && (this.status === 301 || this.status === 308);
    /** The decoded size of a body held whole (not streamed), else null. */
    this.bodySize = description.bodySize;
    this.#content = description.content;
    this.#statusError = description.statusError;
    if (description.hostBody !== undefined) {
      const kept = host.takeBody(description.hostBody);
      this.#source = kept?.source ?? null;
      this.#maxBodySize = description.maxBodySize;
      // A request that is not streamed has its body read before it resolves, as requests does.
      this.#eager = kept !== null && !kept.stream;
      this.#kept = true;
    }
    track(this, { host, kind: 'response', id: this.id, source: this.#source ?? undefined });
  }
  /** A body kept on this thread by its adapter (see `#adapterSend`): read here, not through the worker. */
  #source;
  /** The kept body is to be read before the request resolves (it was not streamed). */
  #eager = false;
  /** The body was kept on this thread: the component no longer has it (text and lines are decoded here). */
  #kept = false;
  /** Some of a kept streamed body was read by readChunk or readLine (content() is then refused). */
  #consumed = false;
  /** Reads a kept body now if the request was not streamed (`settled`). */
  async [SETTLE]() {
    if (this.#eager && this.#source) await this.#readAll();
    return this;
  }
  #maxBodySize;
  /** Bytes of `#source` read ahead by `readLine`. */
  #lineBuffer = null;
  #sourceFailed(e) {
    this.#source?.close();
    this.#source = null;
    return fromBodyFailure(e, this.url);
  }
  /** Reads the rest of a body kept here, holding to the session's `maxBodySize`. */
  async #readAll() {
    const chunks = this.#lineBuffer ? [this.#lineBuffer] : [];
    let size = this.#lineBuffer?.length ?? 0;
    this.#lineBuffer = null;
    const limit = this.#maxBodySize ?? Infinity;
    try {
      for (;;) {
        const { bytes, ended } = await this.#source.take(READ_PIECE, true);
        chunks.push(bytes);
        size += bytes.length;
        if (size > limit) {
          throw new errors.BodyTooLarge({
            kind: 'body-too-large', url: this.url,
            message: `the body of ${this.url} exceeds ${limit} bytes, the most read into memory; stream it to read it in chunks, or raise the body size limit`,
          });
        }
        if (ended) break;
      }
    } catch (e) {
      throw this.#sourceFailed(e);
    }
    // Read whole before anything else (not streamed): readChunk and readLine then read the content.
    this.#source = this.#eager ? undefined : null;
    this.#eager = false;
    this.#content = ownBytes(chunks, size);
    this.bodySize = size;
    return this.#content;
  }
  /** The text of bytes in `encoding`, as the component decodes it (charset.mjs). */
  #decode(bytes) { return decodeText(bytes, this.encoding); }
  #call(method, ...args) { return this.#host.call('response.call', { response: this.id, method, args }); }
  /** A header by case-insensitive name (repeats joined with `, `), or null. */
  header(name) { return headerOf(this.headers, name); }
  headerAll(name) {
    const lower = String(name).toLowerCase();
    return this.headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
  }
  /** The decoded body bytes. */
  async content() {
    if (this.#content === undefined && this.#kept && (this.#consumed || !this.#source)) {
      // The component's error for the same.
      throw new errors.StreamConsumedError({ kind: 'stream-consumed', url: this.url, message: 'the content of this response was already consumed' });
    }
    if (this.#content === undefined && this.#source) return this.#readAll();
    return this.#content ?? this.#call('content');
  }
  /** The body decoded in `encoding` (as the component decodes it). */
  async text() {
    if (this.#kept || this.#content !== undefined) return this.#decode(await this.content());
    return this.#call('text');
  }
  /** The body parsed as JSON (JSONDecodeError if it is not JSON, or not UTF-8 whatever the charset). */
  async json() {
    if (this.#kept) {
      const bytes = await this.content();
      try {
        return parseJson(bytes);
      } catch (e) {
        throw new errors.JSONDecodeError({ kind: 'json-decode', url: this.url, message: e.message }, { cause: e });
      }
    }
    if (this.#content !== undefined) {
      try {
        return parseJson(this.#content);
      } catch {
        // The component says why (JSONDecodeError, its message).
      }
    }
    return this.#call('json');
  }
  /** Set the encoding `text()` decodes with. */
  async setEncoding(encoding) { this.encoding = await this.#call('setEncoding', encoding); }
  /** Throws HTTPError (with `.response`, this) for a 4xx or 5xx status; returns this otherwise. */
  raiseForStatus() {
    if (this.#statusError === undefined) return this;
    const error = this.#host.error(this.#statusError, this);
    error.response = this;
    throw error;
  }
  /** The redirect responses that led here, oldest first. */
  async history() {
    if (this.#description.historyLength === 0) return [];
    return (await this.#call('history')).map((d) => new Response(this.#host, d));
  }
  /** The cookies this response set (they are in the session's jar already). */
  cookies() { return this.#call('cookies'); }
  /** The `Link` headers keyed by rel (see requests.mjs `Response.links`). */
  links() { return this.#call('links'); }
  /** The request as it was sent (for the last hop). */
  async request() { return new PreparedRequest(this.#host, await this.#call('request')); }
  /** Up to `max` (at most 1 MiB) decoded bytes of the body, or null at the end. */
  /** A body that crossed whole is read from here on: by `readChunk` and `readLine` too. */
  #fromContent() {
    if (this.#source !== undefined || this.#content === undefined) return;
    this.#source = null;
    this.#lineBuffer = this.#content.length ? this.#content : null;
  }
  async readChunk(max = 65536) {
    this.#fromContent();
    if (this.#source === undefined && !this.#kept) return this.#call('readChunk', max);
    if (!Number.isInteger(max) || max < 0 || max > 0xffff_ffff) throw new TypeError('max: expected an integer 0-4294967295');
    const limit = Math.max(1, Math.min(max, READ_PIECE));
    if (this.#lineBuffer) {
      const out = this.#lineBuffer.subarray(0, limit);
      this.#lineBuffer = this.#lineBuffer.length > limit ? this.#lineBuffer.subarray(limit) : null;
      return out;
    }
    if (this.#source === null) return null;
    this.#consumed = true;
    try {
      const { bytes, ended } = await this.#source.take(limit, false);
      if (ended) this.#source = null;
      return bytes.length ? bytes : null;
    } catch (e) {
      throw this.#sourceFailed(e);
    }
  }
  /** Iterates over the body (streamed or not) in chunks of at most `chunkSize` bytes. */
  async *iterContent(chunkSize = 65536) {
    for (let chunk; (chunk = await this.readChunk(chunkSize)) !== null;) yield chunk;
  }
  /** The next line of the body, or null at the end. */
  async readLine() {
    this.#fromContent();
    if (this.#source === undefined && !this.#kept) return this.#call('readLine');
    // A body kept here: split on \n here, a trailing \r removed, decoded in `encoding`; a line
    // longer than maxBodySize is BodyTooLarge, as the component caps it (src/response/body.rs
    // next_line), so a server sending no newline cannot fill this thread's memory.
    const limit = this.#maxBodySize ?? Infinity;
    const pieces = [];
    let size = 0;
    let piece = this.#lineBuffer;
    this.#lineBuffer = null;
    for (;;) {
      piece ??= await this.readChunk(READ_PIECE);
      if (piece === null && size === 0) return null;
      const at = piece === null ? -1 : piece.indexOf(10);
      if (piece === null || at !== -1) {
        if (at !== -1) {
          if (at + 1 < piece.length) this.#lineBuffer = piece.subarray(at + 1);
          pieces.push(piece.subarray(0, at));
          size += at;
        }
        const line = ownBytes(pieces, size);
        return this.#decode(line[size - 1] === 13 ? line.subarray(0, size - 1) : line);
      }
      pieces.push(piece);
      size += piece.length;
      piece = null;
      if (size > limit) {
        throw this.#sourceFailed(new errors.BodyTooLarge({
          kind: 'body-too-large', url: this.url,
          message: `a line of the body of ${redactUrl(this.url)} exceeds ${limit} bytes, the most read into memory`,
        }));
      }
    }
  }
  async *iterLines() {
    for (let line; (line = await this.readLine()) !== null;) yield line;
  }
  /** Frees the worker's response now (else when this is garbage-collected). */
  [Symbol.dispose]() {
    this.#source?.close();
    this.#source = null;
    this.#host.post('drop', { kind: 'response', id: this.id });
    untrack(this, this.#host);
  }
}

/** A request whose body is written in pieces (`session.startRequest`). */
export class Upload {
  #host;
  #call;
  #done = false;
  /** The upload of this thread's adapter that the pieces go to directly, or undefined. */
  #mainUpload;
  #written = 0n;
  constructor(host, id, call, contentLength, mainUpload = undefined) {
    this.#host = host;
    this.id = id;
    this.#call = call;
    this.#mainUpload = mainUpload;
    /** The announced length, or null for a chunked upload. */
    this.contentLength = contentLength;
    // Dropped unfinished: abandoned when garbage-collected (the worker's upload, and through
    // it the main thread's, whose connection would otherwise stay open).
    track(this, { host, kind: 'upload', id, call });
  }
  /** An InvalidRequest about the announced length (the component's words). */
  #lengthError(message) {
    return new errors.InvalidRequest({ kind: 'invalid-option', message });
  }
  /**
   * Send the next chunk: a string (UTF-8) or bytes. Through the default transport it goes
   * straight to the connection (never through the worker or the component).
   */
  async write(chunk) {
    if (this.#done) throw new TypeError('write: the upload is already finished or abandoned');
    const bytes = toChunk(chunk);
    if (this.#mainUpload === undefined) {
      await this.#host.call('upload.write', { upload: this.id, chunk: bytes });
      return;
    }
    const total = this.#written + BigInt(bytes.length);
    if (this.contentLength != null && total > BigInt(this.contentLength)) {
      throw this.#lengthError(`the upload announced Content-Length ${this.contentLength}; ${total} bytes is more`);
    }
    this.#written = total;
    await this.#host.writeUpload(this.#mainUpload, bytes);
  }
  /** The bytes written so far. */
  async written() {
    if (this.#mainUpload !== undefined) return Number(this.#written);
    return this.#host.call('upload.written', { upload: this.id });
  }
  /** End the body and get the response. */
  async finish() {
    if (this.#done) throw new TypeError('finish: the upload is already finished or abandoned');
    if (this.#mainUpload !== undefined && this.contentLength != null && this.#written < BigInt(this.contentLength)) {
      this.abort();
      throw this.#lengthError(`the upload announced Content-Length ${this.contentLength} but ${this.#written} bytes were written`);
    }
    this.#done = true;
    try {
      return await settled(this.#host, await this.#host.call('upload.finish', { upload: this.id }));
    } finally {
      untrack(this, this.#host);
      if (this.#call !== undefined) this.#host.calls.delete(this.#call);
    }
  }
  /** Abandon an unfinished upload. */
  abort() {
    if (this.#done) return;
    this.#done = true;
    if (this.#mainUpload !== undefined) this.#host.abortUpload(this.#mainUpload);
    this.#host.post('drop', { kind: 'upload', id: this.id });
    if (this.#call !== undefined) this.#host.calls.delete(this.#call);
    untrack(this, this.#host);
  }
  [Symbol.dispose]() { this.abort(); }
}

/** A request merged with the session's settings (`prepareRequest`, `response.request()`). */
export class PreparedRequest {
  #host;
  constructor(host, description, call = undefined) {
    this.#host = host;
    this.id = description.id;
    this.#update(description);
    track(this, { host, kind: 'prepared', id: this.id, call });
  }
  #update({ method, url, headers, body }) {
    this.method = method;
    this.url = url;
    this.headers = frozenHeaders(headers);
    this.body = body;
  }
  header(name) { return headerOf(this.headers, name); }
  /** Change `method`, `url` or `body` (a string, bytes or null). */
  async update(values) { this.#update(await this.#host.call('prepared.set', { request: this.id, values })); }
  /** Set a header, or remove it with `null`. */
  async setHeader(name, value) { this.#update(await this.#host.call('prepared.set', { request: this.id, values: { header: [name, value] } })); }
}
