"""Adapters written in Python: the host's side of the `requests:http/host-adapters` import.

requests lets you `mount(prefix, adapter)` an adapter of your own; WIT cannot pass a Python
object into the component, so `Session.mount` registers the Python adapter here under a name
and mounts the component's `adapter.host(name)`. Each request the session sends through it
(every redirect hop, Digest retry and retry of its own) is then a call to this interface,
which finds the adapter by name and calls its `send`. The session does everything else, as for
its own adapters: merging settings, cookies, redirects, auth, retries, decoding
`Content-Encoding`, hooks. An adapter sends one request and returns its response as it came.

This module owns:

* the contract (`BaseAdapter`, `AdapterRequest`, `SendSettings`, `AdapterResponse`,
  `AdapterFailure`), for adapter authors;
* the registry: name -> adapter (`register`, `unregister`), and the handles of the response
  bodies being read and of the uploads being written, by number;
* `IMPORTS`, the functions `_component` defines in the linker (`send`, `start`, `write`,
  `finish`, `read`, `discard`). An exception escaping them would trap the instance, and a
  wrongly shaped return value fails while being lowered, with the same effect; so they catch
  everything and answer a `failure` record, keeping the exception to become the `__cause__` of
  the error the session's call raises (as a failing hook's does, see `hooks.py`).

The contract. An adapter is any object with ``send(request, settings)`` (and optionally
``close()``, called by `Session.close`):

* `request` is an `AdapterRequest`: `method`, `url` (without userinfo), `headers` (a
  `MutableHeaders`, in order, `Content-Length` or `Transfer-Encoding` included when there is a
  body; add `Host` yourself if your transport needs it) and `body`: None, `bytes`, or, for a
  body the session sends in pieces (a streaming upload, or a body over 1 MiB), a binary file
  object at its start (spooled to disk past 1 MiB), or an iterator of `bytes` chunks (the
  caller's own streamed body, handed over by `Session.request` without a copy through the
  component). `request.content` gives the body as `bytes` in every case.
* `settings` is a `SendSettings`, the request's settings merged with the session's, the
  environment's (`trust_env`) and the adapter's, in requests' forms: `timeout` (``(connect,
  read)`` seconds, each None for no limit), `verify` (True, False, or a CA bundle path or
  `PemData`), `cert` (None, a path or `PemData`, or a ``(cert, key)`` pair), `proxy` (the URL
  of the proxy to go through, userinfo included, or None) and `stream` (the caller streams the
  body: do not wait for it).
* it returns ``(status, headers, body)`` (an `AdapterResponse` is that tuple): `headers` a
  mapping or ``(name, value)`` pairs (repeats kept), `body` the body as received (still
  encoded): `bytes`, `str` (sent as UTF-8), None, an iterable of `bytes` chunks (a
  generator is read as the caller reads, and closed when the response is dropped), or a
  binary file object (read in pieces, and closed at the end).
* it raises to fail: `AdapterFailure(kind, message)` names the failure kind; otherwise the
  exception's class decides (this package's `ConnectionRefused`, `ReadTimeout`, `SSLError`,
  ..., or Python's `ConnectionRefusedError`, `socket.gaierror`, `ssl.SSLError`,
  `TimeoutError`, `ConnectionError`), and anything else is ``other`` (a `TransportError`
  with code ``host-adapter``). The session adds the URL to the message, and the exception
  raised to the caller has the adapter's exception as its `__cause__`.

Bodies cross as Latin-1 strings (each code point U+0000-U+00FF is one byte:
``bytes.decode("latin-1")`` / ``str.encode("latin-1")``): wasmtime-py copies a `string` in one
go, where its C API holds a `list<u8>` as one 32-byte value per byte (see `_witcache`). A body
is handed over in pieces of at most what the
component asks for (1 MiB), so no call lifts more than wasmtime-py can (see `_limits`).

Like a hook, an adapter should not call back into the session that is running it (the
component answers that call with `HookError`); other sessions work.
"""

from __future__ import annotations

import itertools
import socket
import ssl
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

from wasmtime.component import Record, Variant

from . import exceptions as exc
from ._redact import redact_url
from .hooks import keep_cause
from .structures import MutableHeaders

__all__ = ["BaseAdapter", "AdapterRequest", "SendSettings", "AdapterResponse", "AdapterFailure",
           "FAILURE_KINDS", "register", "registered", "unregister", "IMPORTS"]

#: The `failure-kind` cases of the WIT, as `AdapterFailure` takes them.
FAILURE_KINDS = ("connection-refused", "connection", "dns", "tls", "proxy", "connect-timeout",
                 "read-timeout", "unsupported", "invalid-header", "invalid-url", "other")

#: A body bigger than this, sent in pieces, reaches the adapter as a file spooled to disk.
_SPOOL_MEMORY = 1 << 20
#: A response body larger than this, with no `Content-Encoding`, stays here (`keeps-rest`):
#: the wrapper takes it (`response.take-host-body`, `take_kept`) and reads it itself, so it
#: never crosses into the component and back. A smaller one goes with the head (one call).
KEEP_OVER = 64 * 1024


# ---- the contract ----------------------------------------------------------------------------

class AdapterFailure(Exception):
    """Raise it from `send` to fail the request with a given `failure-kind` (one of
    `FAILURE_KINDS`, e.g. ``"tls"`` -> `SSLError`); `message` is shown to the user."""

    def __init__(self, kind: str, message: str) -> None:
        if kind not in FAILURE_KINDS:
            raise ValueError(f"unknown failure kind {kind!r}; one of {', '.join(FAILURE_KINDS)}")
        super().__init__(message)
        self.kind = kind
        self.message = message


class AdapterResponse(NamedTuple):
    """What `send` returns (a plain ``(status, headers, body)`` tuple works the same)."""

    status: int
    headers: Any = ()
    body: Any = b""


@dataclass(frozen=True)
class SendSettings:
    """How to send a request (the WIT `send-settings`), in requests' forms; see the module."""

    #: ``(connect, read)`` in seconds; each None sets no limit.
    timeout: Tuple[Optional[float], Optional[float]] = (None, None)
    #: True, False, or a CA bundle: a path, or `PemData`.
    verify: Any = True
    #: None, a path (or `PemData`) holding the certificate and its key, or ``(cert, key)``.
    cert: Any = None
    #: The proxy URL (its userinfo is the proxy's credentials), or None to connect directly.
    proxy: Optional[str] = None
    #: The caller streams the body: return the head as soon as it arrives.
    stream: bool = False

    def __repr__(self) -> str:
        return (f"SendSettings(timeout={self.timeout!r}, verify={self.verify!r}, "
                f"cert={self.cert!r}, proxy={redact_url(self.proxy)!r}, stream={self.stream!r})")


class AdapterRequest:
    """The request an adapter sends (the WIT `request-head` and its body); see the module."""

    def __init__(self, method: str, url: str, headers: Any = None, body: Any = None) -> None:
        self.method = method
        self.url = url
        self.headers = MutableHeaders(headers)
        #: None, `bytes`, a binary file object, or an iterator of `bytes` chunks (a body sent
        #: in pieces).
        self.body = body

    @property
    def content(self) -> bytes:
        """The body as `bytes` (b"" for none); a file body is read and put back at its place,
        an iterator's chunks are joined (and kept as the body from then on)."""
        body = self.body
        if body is None:
            return b""
        if isinstance(body, bytes):
            return body
        if not hasattr(body, "read"):
            self.body = b"".join(body)
            return self.body
        position = body.tell()
        try:
            return body.read()
        finally:
            body.seek(position)

    def __repr__(self) -> str:
        return f"<AdapterRequest [{self.method}] {redact_url(self.url)}>"


class BaseAdapter:
    """requests' `BaseAdapter`, for Python adapters: implement `send`; `close` is optional."""

    def send(self, request: AdapterRequest, settings: SendSettings) -> Any:
        raise NotImplementedError

    def close(self) -> None:
        pass


# ---- the registry ----------------------------------------------------------------------------

#: name -> the Python adapter.
_adapters: Dict[str, Any] = {}
#: handle -> a response body being read (`_Body`) or an upload being written (`_Upload`).
_handles: Dict[int, Any] = {}
_names = itertools.count(1)
_handle_ids = itertools.count(1)
#: The handles of bodies kept here (`keeps-rest`) that neither the wrapper took nor the
#: component read or discarded: while there are none, a response has no body to take.
_kept: set = set()


def register(owner: str, adapter: Any) -> str:
    """Register `adapter` for the session whose hooks prefix is `owner`; its new name."""
    if not callable(getattr(adapter, "send", None)):
        raise TypeError(f"an adapter needs a send(request, settings) method: {adapter!r}")
    name = f"{owner}/adapter{next(_names)}"
    _adapters[name] = adapter
    return name


def unregister(name: str) -> None:
    """Forget an adapter (safe from a finaliser: one atomic dict operation)."""
    _adapters.pop(name, None)


def registered(name: str) -> Any:
    """The adapter registered as `name`, or None."""
    return _adapters.get(name)


def _adapter(name: str) -> Any:
    adapter = _adapters.get(name)
    if adapter is None:
        raise AdapterFailure("other", f"no adapter is registered as {name!r} (its session was "
                                      "closed, or the name was not made by requests_wasm)")
    return adapter


# ---- failures ----------------------------------------------------------------------------

#: Python exceptions -> failure kinds, the first match wins (subclasses first).
_KINDS_BY_CLASS: List[Tuple[type, str]] = [
    (exc.ConnectionRefused, "connection-refused"),
    (exc.NameResolutionError, "dns"),
    (exc.SSLError, "tls"),
    (exc.ProxyError, "proxy"),
    (exc.ConnectTimeout, "connect-timeout"),
    (exc.ReadTimeout, "read-timeout"),
    (exc.UnsupportedError, "unsupported"),
    (exc.InvalidHeader, "invalid-header"),
    (exc.InvalidURL, "invalid-url"),
    (exc.ConnectionError, "connection"),
    (ConnectionRefusedError, "connection-refused"),
    (socket.gaierror, "dns"),
    (ssl.SSLError, "tls"),
    (TimeoutError, "read-timeout"),
    (ConnectionError, "connection"),
]


def _text(value: str) -> str:
    """`value` as it can be lowered (a lone surrogate would fail, and trap the instance)."""
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def _failure(error: BaseException, name: Optional[str]) -> Record:
    """The `failure` record for an exception (kept for the session's error when `name`, the
    adapter's name, is given)."""
    if isinstance(error, AdapterFailure):
        kind, message = error.kind, error.message
    else:
        kind = next((k for cls, k in _KINDS_BY_CLASS if isinstance(error, cls)), "other")
        try:
            detail = str(error)
        except Exception:  # a __str__ that raises
            detail = ""
        if isinstance(error, exc.RequestException):
            message = detail
        else:
            message = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    if name is not None:  # the `__cause__` of the session's error, whose kind this will be
        keep_cause(name, error, "transport" if kind == "other" else kind)
    return _record(kind=kind, message=_text(str(message)))


def _record(**fields: Any) -> Record:
    r = Record()
    for name, value in fields.items():
        setattr(r, name.replace("_", "-"), value)
    return r


# ---- WIT values -> Python ----------------------------------------------------------------

def _pem(value: Variant) -> str:
    from .options import PemData  # (options imports models, which import this package's parts)
    return PemData(value.payload) if value.tag == "data" else value.payload


def _settings(record: Any) -> SendSettings:
    timeout = getattr(record, "timeout")
    seconds = lambda ms: None if ms is None else ms / 1000  # noqa: E731
    verify = getattr(record, "verify")
    verify_value: Any = (True if verify.tag == "enabled" else False if verify.tag == "disabled"
                         else _pem(verify.payload))
    cert = getattr(record, "cert")
    cert_value: Any = None
    if cert is not None:
        key = getattr(cert, "key")
        cert_value = (_pem(getattr(cert, "cert")) if key is None
                      else (_pem(getattr(cert, "cert")), _pem(key)))
    return SendSettings(timeout=(seconds(getattr(timeout, "connect-ms")),
                                 seconds(getattr(timeout, "read-ms"))),
                        verify=verify_value, cert=cert_value, proxy=getattr(record, "proxy"),
                        stream=getattr(record, "stream"))


def _request(head: Any, body: Any) -> AdapterRequest:
    return AdapterRequest(getattr(head, "method"), getattr(head, "url"), getattr(head, "headers"),
                          body)


# ---- Python -> WIT values ----------------------------------------------------------------

def _header_text(value: Any, what: str) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    value.encode("utf-8")  # a lone surrogate cannot be lowered: fail here instead
    return value


def _headers(headers: Any) -> List[Tuple[str, str]]:
    if headers is None:
        return []
    if hasattr(headers, "pairs"):
        items: Any = headers.pairs()
    elif isinstance(headers, Mapping):
        items = headers.items()
    elif isinstance(headers, (str, bytes)):
        raise TypeError(f"response headers must be a mapping or (name, value) pairs, "
                        f"not {type(headers).__name__}")
    else:
        items = headers
    out = []
    for name, value in items:
        out.append((_header_text(name, "a response header name"),
                    _header_text(value, f"response header {name!r}")))
    return out


def _status(status: Any) -> int:
    if isinstance(status, bool) or not isinstance(status, int):
        raise TypeError(f"the adapter's status must be an int, not {type(status).__name__}")
    if not 0 <= status <= 0xFFFF:  # what the u16 can hold; the component checks the rest
        raise ValueError(f"the adapter's status {status} is not a u16")
    return status


class _Body:
    """A response body being handed over in pieces: from `bytes`, an iterable of chunks, or a
    file object (read with `read` to fill a piece, and with `read1`, when it has one, to give
    what has arrived without waiting for more)."""

    __slots__ = ("_data", "_at", "_source", "_file", "_read1")

    def __init__(self, body: Any) -> None:
        self._data = b""
        self._at = 0
        self._source: Any = None      # an iterator, or a file object
        self._file = False
        self._read1: Any = None
        if body is None:
            pass
        elif isinstance(body, (bytes, bytearray, memoryview)):
            self._data = bytes(body)
        elif isinstance(body, str):
            self._data = body.encode("utf-8")
        elif hasattr(body, "read"):
            self._source, self._file = body, True
            self._read1 = getattr(body, "read1", None)
        elif hasattr(body, "__iter__"):
            self._source = iter(body)
        else:
            raise TypeError(f"the adapter's body must be bytes, str, None, an iterable of bytes "
                            f"or a file object, not {type(body).__name__}")

    @property
    def done(self) -> bool:
        return self._source is None and self._at >= len(self._data)

    def _next(self, want: int, fill: bool) -> Optional[bytes]:
        """The next chunk from the source (a file gives at most `want` bytes); None at its
        end, where the source is closed."""
        source = self._source
        while source is not None:
            if self._file:
                read = source.read if fill or self._read1 is None else self._read1
                chunk = read(want)
            else:
                chunk = next(source, None)
            if not chunk:
                if chunk is None or self._file:
                    self.close()
                    return None
                continue  # an empty chunk of an iterator: skip it
            if isinstance(chunk, str):
                return chunk.encode("utf-8")
            if not isinstance(chunk, (bytes, bytearray, memoryview)):
                raise TypeError(f"the adapter's body gave a {type(chunk).__name__} chunk, "
                                "not bytes")
            return bytes(chunk)
        return None

    def take(self, limit: int, fill: bool) -> bytes:
        """Up to `limit` bytes: as many as are there (at least one chunk, unless at the end),
        or with `fill` as many as the source gives up to `limit`."""
        if limit <= 0:
            return b""
        pieces = []
        size = 0
        if self._at < len(self._data):   # left over from a chunk larger than asked
            piece = self._data[self._at:self._at + limit]
            self._at += len(piece)
            if self._at >= len(self._data):
                self._data, self._at = b"", 0
            pieces.append(piece)
            size = len(piece)
        while self._source is not None and (size < limit if fill else size == 0):
            chunk = self._next(limit - size, fill)
            if chunk is None:
                break
            if len(chunk) > limit - size:  # (an iterator's chunk): keep the rest for later
                self._data, self._at = chunk, limit - size
                chunk = chunk[:limit - size]
            pieces.append(chunk)
            size += len(chunk)
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def push_back(self, data: bytes) -> None:
        """Put `data`, just taken, back in front of what is left."""
        if data:
            self._data = data + self._data[self._at:]
            self._at = 0

    def read_all(self, limit: Optional[int]) -> bytes:
        """The rest of the body; `BodyTooLarge` (via `too_large`) past `limit` bytes."""
        pieces = []
        size = 0
        while not self.done:
            piece = self.take(_READ_ALL_PIECE, fill=True)
            size += len(piece)
            if limit is not None and size > limit:
                self.close()
                raise _TooLarge(limit)
            pieces.append(piece)
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def close(self) -> None:
        source, self._source = self._source, None
        close = getattr(source, "close", None)
        if close is not None:
            try:
                close()
            except Exception:  # closing a generator or file that failed: nothing to do
                pass


def _incoming(result: Any, limit: int) -> Record:
    """The `incoming` record for what `send` returned, with up to `limit` body bytes; the rest
    stays behind a handle."""
    if not isinstance(result, tuple) or len(result) != 3:
        raise TypeError(f"an adapter's send must return (status, headers, body), not "
                        f"{type(result).__name__}")
    status, headers, body = result
    status, headers = _status(status), _headers(headers)
    source = _Body(body)
    keep = not any(name.lower() == "content-encoding" and value.strip().lower() != "identity"
                   for name, value in headers)
    try:
        first = source.take(min(limit, KEEP_OVER) if keep else limit, fill=True)
        if keep and not source.done:
            source.push_back(first)        # too large to go with the head: it all stays here
            first = b""
    except BaseException:
        source.close()
        raise
    rest = None
    if not source.done:
        rest = next(_handle_ids)
        _handles[rest] = source
        if keep:
            _kept.add(rest)
    else:
        keep = False
    return _record(status=status, headers=headers, body=first.decode("latin-1"), rest=rest,
                   keeps_rest=keep)


# ---- bodies the wrapper reads and writes itself ---------------------------------------------

#: How much `_Body.read_all` asks of its source at a time.
_READ_ALL_PIECE = 1 << 20


class _TooLarge(Exception):
    """`read_all` passed its limit (the wrapper raises the component's error for it)."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def any_kept() -> bool:
    """Whether a body kept here waits to be taken: when not, no response has one, and the
    wrapper need not ask (`response.take-host-body`)."""
    return bool(_kept)


def take_kept(handle: int) -> Optional[_Body]:
    """The body behind a handle that `response.take-host-body` gave: the wrapper's from now
    on (to read with `take` / `read_all`, and to `close`)."""
    _kept.discard(handle)
    source = _handles.pop(handle, None)
    if isinstance(source, _Body):
        return source
    if source is not None:
        _handles[handle] = source
    return None


def upload_directly(handle: int, body: Any) -> bool:
    """Give the upload behind a handle from `body-writer.host-upload` its whole body at
    once: `bytes`, a file object or an iterable of chunks, which its adapter then sends as
    it is (no spool, no copy through the component). False when no upload has the handle."""
    state = _handles.get(handle)
    if not isinstance(state, _Upload) or state.direct is not None or state.spool is not None:
        return False
    state.direct = body
    return True


def _send(adapter: Any, request: AdapterRequest, settings: SendSettings, limit: int) -> Record:
    return _incoming(adapter.send(request, settings), limit)


# ---- the import's functions ------------------------------------------------------------------
# Lowering (wasmtime-py): `result<incoming, failure>` and `result<piece, failure>` are tagged
# (both sides are records): `Variant("ok" | "err", record)`; `result<u64, failure>` and
# `result<_, failure>` are untagged: the value (an int, None) or the failure `Record`.

def send(store: Any, adapter: str, request: Any, body: Optional[str], settings: Any,
         max: int) -> Variant:  # noqa: A002 - the WIT parameter's name
    """`send`: the whole request in one call."""
    try:
        data = None if body is None else body.encode("latin-1")
        incoming = _send(_adapter(adapter), _request(request, data), _settings(settings), max)
        return Variant("ok", incoming)
    except BaseException as e:  # noqa: B036 - anything escaping would trap the instance
        return Variant("err", _failure(e, adapter))


class _Upload:
    """A request whose body arrives in `write`s, spooled until `finish` sends it."""

    def __init__(self, adapter: str, request: Any, settings: Any) -> None:
        self.adapter = adapter
        self.request = request
        self.settings = settings
        #: Made by the first `write`.
        self.spool: Optional[Any] = None
        #: The whole body, when the wrapper gave it (`upload_directly`).
        self.direct: Any = None

    def write(self, data: bytes) -> None:
        if self.direct is not None:
            raise AdapterFailure("other", "the upload's body was given whole already")
        if self.spool is None:
            self.spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MEMORY)
        self.spool.write(data)

    def body(self) -> Any:
        """The body to send: the one given whole, else the spool from its start."""
        if self.direct is not None:
            return self.direct
        if self.spool is None:
            return b""
        self.spool.seek(0)
        return self.spool

    def close(self) -> None:
        direct, self.direct = self.direct, None
        close = getattr(direct, "close", None)
        if close is not None and not isinstance(direct, (bytes, bytearray, memoryview)):
            try:
                close()
            except Exception:  # noqa: BLE001 - a generator or file that failed: nothing to do
                pass
        if self.spool is not None:
            self.spool.close()


def start(store: Any, adapter: str, request: Any, settings: Any) -> Any:
    """`start`: a request whose body follows; its upload handle."""
    try:
        _adapter(adapter)
        handle = next(_handle_ids)
        _handles[handle] = _Upload(adapter, request, settings)
        return handle
    except BaseException as e:  # noqa: B036
        return _failure(e, adapter)


def write(store: Any, upload: int, bytes: str) -> Any:  # noqa: A002 - the WIT parameter's name
    """`write`: the next piece of an upload's body."""
    try:
        state = _handles.get(upload)
        if not isinstance(state, _Upload):
            raise AdapterFailure("other", f"no upload has the handle {upload}")
        state.write(bytes.encode("latin-1"))
        return None
    except BaseException as e:  # noqa: B036
        state = _handles.get(upload)
        return _failure(e, state.adapter if isinstance(state, _Upload) else None)


def finish(store: Any, upload: int, max: int) -> Variant:  # noqa: A002
    """`finish`: send the upload (its body a file object at its start); the response."""
    state = _handles.pop(upload, None)
    try:
        if not isinstance(state, _Upload):
            raise AdapterFailure("other", f"no upload has the handle {upload}")
        request = _request(state.request, state.body())
        incoming = _send(_adapter(state.adapter), request, _settings(state.settings), max)
        return Variant("ok", incoming)
    except BaseException as e:  # noqa: B036
        return Variant("err", _failure(e, state.adapter if isinstance(state, _Upload) else None))
    finally:
        if isinstance(state, _Upload):
            state.close()


def read(store: Any, body: int, max: int) -> Variant:  # noqa: A002
    """`read`: the next piece of a response body (as much as is there, up to `max`)."""
    source = _handles.get(body)
    _kept.discard(body)
    try:
        if not isinstance(source, _Body):
            raise AdapterFailure("other", f"no response body has the handle {body}")
        piece = source.take(max, fill=False)
        end = source.done
        if end:
            _handles.pop(body, None)
        return Variant("ok", _record(bytes=piece.decode("latin-1"), end=end))
    except BaseException as e:  # noqa: B036
        # Not kept as a cause: a read runs outside the session's calls (`Response` reads).
        if isinstance(source, _Body):
            _handles.pop(body, None)
            source.close()
        return Variant("err", _failure(e, None))


def discard(store: Any, handle: int) -> None:
    """`discard`: the session no longer needs a body or an upload."""
    _kept.discard(handle)
    state = _handles.pop(handle, None)
    if state is not None:
        try:
            state.close()
        except Exception:  # noqa: BLE001 - nothing may escape into the guest
            pass


#: The linker's functions for `requests:http/host-adapters`, by WIT name.
IMPORTS: Dict[str, Callable[..., Any]] = {"send": send, "start": start, "write": write,
                                          "finish": finish, "read": read, "discard": discard}
