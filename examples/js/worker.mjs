// Owns the worker thread of the Promise API (index.mjs): it owns the component instance,
// drives it through the synchronous wrapper (requests.mjs), and answers the main thread's
// messages one at a time. What must run on the main thread (hooks, adapters written in JS,
// the default transport over Node's http: transport.mjs) is called from here synchronously
// through `callMain`: one message to the main thread, then Atomics.wait on a shared word
// until the main thread has posted the answer on a port of its own (receiveMessageOnPort).
// The main thread never waits on this thread, so its event loop keeps running.
//
// Protocol (main -> worker, on parentPort): `{id, op, ...}`; every op is answered with
// `{id, ok}` or `{id, error}` (serialized by `toWire`). Worker -> main calls:
// `{call, args}`, answered on `workerData.port` (see callMain).

import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import {
  Session, RequestsError, HTTPError, HookResponse, AdapterError,
} from './requests.mjs';
import { takeBody, uploadStream } from './host-adapters.mjs';

const { port, signal } = workerData;
const word = new Int32Array(signal);

/**
 * Calls `op` on the main thread and waits for its answer (the main thread's event loop
 * runs the call, awaiting what it must). Returns `{ok}`, or throws the error the main
 * thread described (`{error: {ref, name, message, kind, code}}`): the main thread keeps
 * the value that was thrown under `ref`, and puts it back as the `cause` of the request's
 * error (see `toWire`).
 */
function callMain(call, args, transfer = []) {
  Atomics.store(word, 0, 0);
  parentPort.postMessage({ call, args }, transfer);
  for (;;) {
    Atomics.wait(word, 0, 0);
    const received = receiveMessageOnPort(port);
    if (received !== undefined) {
      const answer = received.message;
      if (answer.error === undefined) return answer.ok;
      const { ref, name, message, kind, code } = answer.error;
      const error = kind !== undefined ? new AdapterError(kind, message) : new Error(message);
      if (kind === undefined && name) error.name = name;
      if (code !== undefined) error.code = code;
      error.mainRef = ref;
      throw error;
    }
    Atomics.store(word, 0, 0);
  }
}

/**
 * What the op in flight did so far: requests sent through the main thread's adapters, and
 * response bodies the main thread kept (reset for every op).
 */
const op = { sends: 0, kept: 0 };

/**
 * The prefixes of each session mounted with an adapter of the main thread. Once both
 * `http://` and `https://` are, every request of the session goes through one (`op.sends`
 * counts them all); else some may go through the component's own wasi:http, uncounted.
 */
const mainPrefixes = new WeakMap();
const countsEverySend = (session) => {
  const prefixes = mainPrefixes.get(session);
  return prefixes !== undefined && prefixes.has('http://') && prefixes.has('https://');
};

// ---------------------------------------------------------------------------
// Objects the main thread refers to by number.

const sessions = new Map();
const responses = new Map();
const uploads = new Map();
const prepared = new Map();
let nextId = 0;
function keep(map, value) {
  const id = ++nextId;
  map.set(id, value);
  return id;
}
function get(map, id, what) {
  const value = map.get(id);
  if (value === undefined) throw new TypeError(`${what} ${id} is gone (disposed or garbage-collected)`);
  return value;
}

/** A copy of bytes that owns its buffer (transferable), and the transfer list for it. */
function own(bytes, transfer) {
  if (!(bytes instanceof Uint8Array)) return bytes;
  // A Buffer's memory may be Node's pool, which cannot be transferred (Node 22 refuses any).
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const copy = whole && !Buffer.isBuffer(bytes) && !(bytes.buffer instanceof SharedArrayBuffer) ? bytes : new Uint8Array(bytes);
  transfer.push(copy.buffer);
  return copy;
}

/**
 * What the main thread gets of a response: its head, and, unless it is streamed, its
 * body (so `content()`, `text()` and `json()` need no further message).
 */
function describe(response, transfer, session = undefined) {
  // Every component call costs a few microseconds of jco's glue: only those needed are made
  // (`ok` and the redirect flags the main thread derives from the status and headers).
  const raw = response.raw;
  // A body the main thread's adapter keeps never crosses: it is read there.
  const taken = session !== undefined && op.kept > 0 ? raw.takeHostBody() : undefined;
  const kept = taken === undefined ? undefined : takeBody(taken);
  const size = raw.bodySize();
  const head = {
    id: keep(responses, response),
    status: raw.status(),
    reason: raw.reason(),
    url: raw.url(),
    headers: raw.headers(),
    elapsedMs: raw.elapsedMs(),
    encoding: raw.encoding() ?? null,
    bodySize: size === undefined ? null : Number(size),
    // One request sent, all of them counted: no redirect came before it.
    historyLength: op.sends === 1 && session !== undefined && countsEverySend(session) ? 0 : raw.history().length,
  };
  head.ok = head.status < 400;
  if (kept?.mainHandle !== undefined) {
    head.hostBody = kept.mainHandle;
    head.maxBodySize = session?.maxBodySize ?? null;
  } else if (head.bodySize !== null) {
    head.content = own(response.content(), transfer);
  }
  if (!head.ok) {
    try {
      response.raiseForStatus();
    } catch (e) {
      head.statusError = toWire(e);
    }
  }
  return head;
}

function describePrepared(request) {
  return {
    id: keep(prepared, request),
    method: request.method,
    url: request.url,
    headers: request.headers.map(([name, value]) => [name, value]),
    body: request.body ?? null,
  };
}

/** An error as the main thread rebuilds it (index.mjs `fromWire`). */
function toWire(e) {
  const mainRef = e?.cause?.mainRef;
  if (e instanceof RequestsError) {
    const wire = { requests: e.constructor.name, payload: e.payload, mainRef };
    if (e instanceof HTTPError && e.response && !(e.response.constructor.name === 'ResponseHead')) {
      wire.responseIsSelf = true;
    }
    return wire;
  }
  if (e?.mainRef !== undefined) return { mainRef: e.mainRef, name: e.name, message: e.message };
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack, code: e.code };
  return { name: 'Error', message: String(e) };
}

// ---------------------------------------------------------------------------
// Hooks and adapters of the main thread, as the synchronous wrapper takes them.

/** A hook that runs on the main thread as `{call, list, event, index}` says. */
function hookProxy(call, list, event, index) {
  return (value) => {
    if (event === 'request') {
      const plain = { method: value.method, url: value.url, headers: value.headers.map((p) => [...p]), body: value.body };
      const answer = callMain('hook', { call, list, event, index, value: plain });
      if (answer.response) return new HookResponse(answer.response);
      // The main thread's HookRequest, changed in place there, is copied back in place here.
      value.method = answer.request.method;
      value.url = answer.request.url;
      value.headers = answer.request.headers;
      value.body = answer.request.body;
      return undefined;
    }
    const request = value.request;
    const plain = {
      status: value.status, headers: value.headers, body: value.body,
      request: { method: request.method, url: request.url, headers: request.headers.map((p) => [...p]), body: request.body },
    };
    const answer = callMain('hook', { call, list, event, index, value: plain });
    return answer.response ? new HookResponse(answer.response) : undefined;
  };
}

/** `{request: n, response: m}` -> lists of hook proxies. */
function hookLists(call, list, counts) {
  const lists = { request: [], response: [] };
  for (const event of ['request', 'response']) {
    for (let i = 0; i < (counts?.[event] ?? 0); i++) lists[event].push(hookProxy(call, list, event, i));
  }
  return lists;
}

/** Sets the session's hooks and the request's own as the main thread snapshotted them. */
function withHooks(session, hooks, options) {
  session.hooks = hookLists(hooks?.call, 'session', hooks?.session);
  if (hooks?.request) return { ...options, hooks: hookLists(hooks.call, 'request', hooks.request) };
  return options;
}

/**
 * An adapter (requests.mjs / host-adapters.mjs shape) whose `send` runs the main thread's
 * adapter `adapter`: the response's head and first bytes come in one call, the rest as the
 * session reads it (each read one call).
 */
function adapterProxy(adapter) {
  return {
    send(request, settings) {
      const body = request.body;
      const transfer = [];
      const plain = { method: request.method, url: request.url, headers: request.headers.map((p) => [...p]), body: own(body, transfer) };
      op.sends++;
      return fromMain(callMain('adapter.send', { adapter, request: plain, settings: { ...settings } }, transfer));
    },
    /** A streamed upload: the main thread's adapter gets the head now and each piece as written. */
    start(request, settings) {
      const head = { method: request.method, url: request.url, headers: request.headers.map((p) => [...p]), body: null };
      op.sends++;
      const upload = callMain('adapter.start', { adapter, request: head, settings: { ...settings } });
      return {
        /** The main thread's number for the upload (Session.startRequest writes to it directly). */
        mainUpload: upload,
        write(bytes) {
          const transfer = [];
          callMain('adapter.write', { upload, bytes: own(bytes, transfer) }, transfer);
        },
        finish() { return fromMain(callMain('adapter.finish', { upload })); },
        abort() { callMain('adapter.abort', { upload }); },
      };
    },
  };
}

/** An adapter response as the main thread answered it -> what host-adapters.mjs takes. */
function fromMain({ status, headers, first, rest, keep }) {
  if (rest === undefined) return { status, headers, body: first };
  if (keep === true) op.kept++;
  const chunks = restOf(first, rest);
  // The main thread keeps the body: `describe` hands it over (`takeHostBody`) unread.
  chunks.mainHandle = rest;
  return { status, headers, body: chunks, keepsRest: keep === true };
}

/**
 * The chunks of a body the main thread holds as `handle`, after `first`: an iterator whose
 * `return()` (the session no longer needs the body: host-adapters.mjs `discard`) releases it
 * there. Not a generator: `return()` on a generator not yet started skips its `finally`, so a
 * kept body the session dropped unread (an HTTPError of `errorForStatus`, a failed hook) would
 * stay open on the main thread for ever.
 */
function restOf(first, handle) {
  let pending = first.length ? first : null;
  let done = false;
  const iterator = {
    [Symbol.iterator]() { return iterator; },
    next() {
      if (done) return { done: true, value: undefined };
      if (pending !== null) {
        const value = pending;
        pending = null;
        return { done: false, value };
      }
      let piece;
      try {
        piece = callMain('adapter.read', { handle });
      } catch (e) {
        // The main thread released the body when its read failed.
        done = true;
        throw e;
      }
      if (piece === null) {
        done = true;
        return { done: true, value: undefined };
      }
      return { done: false, value: piece };
    },
    return(value) {
      if (!done) {
        done = true;
        callMain('adapter.discard', { handle });
      }
      return { done: true, value };
    },
  };
  return iterator;
}

// ---------------------------------------------------------------------------
// Ops.

const ops = {
  'session.new'({ options }) {
    return keep(sessions, new Session(options));
  },
  'session.set'({ session, values }) {
    const s = get(sessions, session, 'session');
    for (const [name, value] of Object.entries(values)) s[name] = value;
  },
  'session.settings'({ session }) {
    const s = get(sessions, session, 'session');
    const out = {};
    for (const name of SETTINGS) out[name] = s[name];
    return out;
  },
  'session.call'({ session, method, args }) {
    if (!SESSION_METHODS.has(method)) throw new TypeError(`session.${method} is not a method`);
    return get(sessions, session, 'session')[method](...args);
  },
  'session.mount'({ session, prefix, adapter }) {
    const s = get(sessions, session, 'session');
    s.mount(prefix, adapterProxy(adapter));
    if (!mainPrefixes.has(s)) mainPrefixes.set(s, new Set());
    mainPrefixes.get(s).add(prefix.toLowerCase());
  },
  'session.request'({ session, method, url, options, hooks, verb }, transfer) {
    const s = get(sessions, session, 'session');
    const opts = withHooks(s, hooks, options);
    const response = verb ? s[verb](url, opts) : s.request(method, url, opts);
    return describe(response, transfer, s);
  },
  'session.startRequest'({ session, method, url, options, hooks }) {
    const s = get(sessions, session, 'session');
    const up = s.startRequest(method, url, withHooks(s, hooks, options));
    const id = keep(uploads, { upload: up, session: s });
    // An upload through the main thread's adapter is written there directly (`host-upload`).
    const handle = up.raw.hostUpload?.();
    const mainUpload = handle === undefined ? undefined : uploadStream(handle)?.mainUpload;
    return { id, mainUpload };
  },
  'session.prepareRequest'({ session, method, url, options, hooks }) {
    const s = get(sessions, session, 'session');
    return describePrepared(s.prepareRequest(method, url, withHooks(s, hooks, options)));
  },
  'session.send'({ session, request, options, hooks }, transfer) {
    const s = get(sessions, session, 'session');
    withHooks(s, hooks, undefined);
    const p = get(prepared, request, 'prepared request');
    return describe(s.send(p, options), transfer, s);
  },
  'prepared.set'({ request, values }) {
    const p = get(prepared, request, 'prepared request');
    for (const [name, value] of Object.entries(values)) {
      if (name === 'header') p.setHeader(value[0], value[1]);
      else p[name] = value;
    }
    return describePrepared(p);
  },
  'upload.write'({ upload, chunk }) { get(uploads, upload, 'upload').upload.write(chunk); },
  'upload.finish'({ upload }, transfer) {
    const { upload: up, session } = get(uploads, upload, 'upload');
    uploads.delete(upload);
    return describe(up.finish(), transfer, session);
  },
  'upload.written'({ upload }) { return get(uploads, upload, 'upload').upload.written; },
  'response.call'({ response, method, args }, transfer) {
    const r = get(responses, response, 'response');
    switch (method) {
      case 'readChunk': return own(r.readChunk(...args), transfer);
      case 'readChunks': {
        // Up to `count` chunks in one message (async iteration reads ahead a little).
        const [max, count] = args;
        const chunks = [];
        for (let i = 0; i < count; i++) {
          const chunk = r.readChunk(max);
          if (chunk === null) {
            chunks.push(null);
            break;
          }
          chunks.push(own(chunk, transfer));
        }
        return chunks;
      }
      case 'readLine': return r.readLine();
      case 'text': return r.text();
      case 'json': return r.json();
      case 'cookies': return r.cookies();
      case 'links': return r.links;
      case 'content': return own(r.content(), transfer);
      case 'setEncoding': r.encoding = args[0]; return r.encoding;
      case 'history': return r.history.map((h) => describe(h, transfer));
      case 'request': return describePrepared(r.request());
      default: throw new TypeError(`response.${method} is not a method`);
    }
  },
  drop({ kind, id }) {
    const map = { response: responses, upload: uploads, prepared, session: sessions }[kind];
    const value = map.get(id);
    map.delete(id);
    (kind === 'upload' ? value?.upload : value)?.[Symbol.dispose]?.();
  },
};

/** The settings `session.settings()` reads. */
const SETTINGS = [
  'headers', 'params', 'auth', 'maxRedirects', 'trustEnv', 'stream', 'verify', 'cert', 'proxies', 'timeout',
  'retries', 'baseUrl', 'errorForStatus', 'maxBodySize', 'closed',
];
/** The session methods called as they are. */
const SESSION_METHODS = new Set([
  'setHeader', 'removeHeader', 'cookies', 'setCookie', 'removeCookie', 'clearCookies', 'exportState',
  'importState', 'mergeEnvironmentSettings', 'close',
]);

parentPort.on('message', (message) => {
  const { id, op: name } = message;
  const transfer = [];
  op.sends = 0;
  op.kept = 0;
  try {
    const handler = ops[name];
    if (!handler) throw new TypeError(`unknown op ${name}`);
    const ok = handler(message, transfer);
    if (name !== 'drop') parentPort.postMessage({ id, ok }, transfer);
  } catch (e) {
    parentPort.postMessage({ id, error: toWire(e) });
  }
});
