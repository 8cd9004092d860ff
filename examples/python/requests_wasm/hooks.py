"""Request and response hooks: the objects hooks see, the registry, and the host's hooks import.

WIT cannot pass closures, so the component keeps hook *names* and calls the host's
`requests:http/hooks` interface (`on-request`, `on-response`) with a name each time a hook is
due. This module owns everything on the host's side of that:

* `HookRequest` and `HookResponse`, what Python hooks get (and give back);
* the process-wide registry: name -> Python callable. Names are made here, never by users:
  ``s<session>/session/<event>/<i>`` for a session's own hooks (they depend only on position, so
  before each request the session re-registers its current callables under them, and calls the
  component's `set-hooks` only when the number per event changed), and
  ``s<session>/<kind><n>/<event>/<i>`` for one request's hooks (`kind` is ``call``, ``upload``
  or ``prepared``), registered for as long as that request can run them;
* `on_request` / `on_response`, the functions `_component` defines in the linker for the
  import. An exception escaping them would trap the instance (wasmtime-py turns it into a
  trap, and the instance is dead after one), and a wrongly shaped return value fails while
  being lowered, with the same effect. So they catch everything, check and convert what the
  hook returned, and answer a failure with the `fail` action; the exception is kept per session
  (`keep_cause`, which Python adapters use too: `_host_adapters.py`) and becomes the
  `__cause__` of the error the call then raises (`SessionHooks.run`);
* `SessionHooks`: one session's side of this (its prefix, syncing, running state, cleanup).

What a hook does:

* a request hook, ``hook(request)``: change the `HookRequest` in place (or return another
  `HookRequest`) and return None to send it; return a `HookResponse` (or any object with
  `status_code`, `headers` and `content`) to answer without sending anything (later request
  hooks do not run; response hooks do). It runs for the first request and again for every
  redirect hop and Digest retry.
* a response hook, ``hook(response)`` (so requests' ``hook(r, *args, **kwargs)`` works): return
  None to keep the response, or a `HookResponse` (or response-like object) to replace it: the
  session then handles it as if the server had sent it (cookies stored, redirects followed).
  Changes made in place to the `HookResponse` without returning it are not used.

Bodies: hooks are shown bodies of up to 1 MiB (`_limits.HOOK_BODY_LIMIT`, the component's
`MAX_HOOK_BODY`), request or response: a request hook the encoded request body, a response hook
the decoded response body. A larger body reaches them as None (``request.body``,
``response.content``), as does the body of a streamed response or upload; the request and the
response keep it. The component does this because wasmtime-py traps the instance when one call
hands the host more than about 2.67 MiB of `list<u8>` (see `_limits`), so downloads and uploads
of any size work with hooks set, and no hook is ever handed a copy of a large body.

Giving None back in place of a body a hook was not shown keeps that body: a hook that only
changes headers or the status (in place, or with ``HookResponse(r.status_code, headers,
r.content)``) leaves a 3 MiB body as it is. To change such a body, give one (``b""`` empties
it). For a body hooks were shown, None is no body, as before.

Costs: a `list<u8>` crosses as one 32-byte C value per byte, copied in bulk (`_witcache`: about
0.05 us per byte out of the guest, 0.1 us and 64 bytes of memory per byte into it). A request
hook that leaves the request unchanged answers `keep`, so its body is not sent back. A body a
hook gives may be of any size: it only goes *into* the guest, which costs no hostcall fuel (the
component shows it to later hooks only up to 1 MiB), but a large one takes memory to hand
over (64 bytes per byte while it is converted).
"""

from __future__ import annotations

import http
import inspect
import itertools
import json as _json
import threading
from collections.abc import Mapping
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar

from wasmtime.component import Record, Variant

from ._component import CALL_LOCK
from ._redact import redact_url
from .exceptions import HTTPError, RequestException
from .structures import MutableHeaders

__all__ = ["HookRequest", "HookResponse", "EVENTS", "SessionHooks", "normalize_hooks",
           "without_hooks", "keep_cause", "on_request", "on_response"]

#: The hook events: ``request`` (before each send, httpx's event) and ``response`` (requests').
EVENTS = ("request", "response")

T = TypeVar("T")
Hooks = Dict[str, List[Callable[..., Any]]]

#: scope -> event -> callables; a hook's name is ``<scope>/<event>/<index>``.
_registry: Dict[str, Hooks] = {}
#: session prefix (``s3``) -> the exception its last failing hook (or Python adapter) raised,
#: and the `error-kind` the session's call reports for that failure.
_failures: Dict[str, Tuple[BaseException, str]] = {}
#: The prefixes of the sessions not closed yet.
_live: set = set()
_session_ids = itertools.count(1)
_scope_ids = itertools.count(1)
_NO_JSON = object()


# ---- what hooks see ------------------------------------------------------------------------

class HookRequest:
    """A request about to be sent, as request hooks see it (and response hooks, as
    `response.request`). Every attribute may be changed in place:

    * `method`: the upper-case method;
    * `url`: the full URL, without userinfo;
    * `headers`: a `MutableHeaders` (case-insensitive, ordered pairs, repeats kept); the host
      adds `Host`, and `Content-Length` follows the body;
    * `body`: the encoded body as `bytes` (a `str` is sent as UTF-8), or None for no body,
      for a streamed upload, whose body comes from its chunks (a hook may not give it one),
      and for a body over 1 MiB (`_limits.HOOK_BODY_LIMIT`), which hooks are not shown. Left
      None, such a body is sent as it is; set `body` to replace it.
    """

    def __init__(self, method: str = "GET", url: str = "", headers: Any = None,
                 body: Optional[bytes] = None) -> None:
        self.method = method
        self.url = url
        self.headers = MutableHeaders(headers)
        self.body = body

    @classmethod
    def _from_wit(cls, record: Any) -> "HookRequest":
        return cls(getattr(record, "method"), getattr(record, "url"), getattr(record, "headers"),
                   getattr(record, "body"))

    def __repr__(self) -> str:
        # A hook may have put userinfo in `url`; it is not printed (nor are credential
        # headers: `MutableHeaders` redacts them).
        return f"<HookRequest [{self.method}] {redact_url(self.url)}>"


class HookResponse:
    """A response, as response hooks see it, and as hooks give one:
    ``HookResponse(status_code=200, headers={"Content-Type": "text/plain"}, content=b"hi")``,
    or ``HookResponse(json={"cached": True})`` (adds ``Content-Type: application/json``).

    `content` is the decoded body (`Content-Encoding` undone) as `bytes`; it is None when the
    request was made with ``stream=True`` (the body is left for the caller; replacing such a
    response replaces its body too, and a None body is empty), and when the body is over 1 MiB
    (`_limits.HOOK_BODY_LIMIT`): hooks are not shown it, and a replacement whose `content` is
    still None keeps it (give bytes to change it; a new ``HookResponse`` without `content` is
    empty). A body a hook gives is used as it is, never decoded again, and may be of any size.
    `request` is the `HookRequest` as sent and `url` its URL (for a response made by a hook,
    what was given: by default none and ``""``).
    """

    def __init__(self, status_code: int = 200, headers: Any = None,
                 content: Optional[bytes] = b"", *, json: Any = _NO_JSON, url: str = "",
                 request: Optional[HookRequest] = None) -> None:
        self.status_code = status_code
        self.headers = MutableHeaders(headers)
        if json is not _NO_JSON:
            content = _json.dumps(json).encode("utf-8")
            if "content-type" not in self.headers:
                self.headers["Content-Type"] = "application/json"
        self.content = content.encode("utf-8") if isinstance(content, str) else content
        self.request = request
        self.url = url if url or request is None else request.url

    @classmethod
    def _from_wit(cls, record: Any, request: HookRequest) -> "HookResponse":
        return cls(getattr(record, "status"), getattr(record, "headers"), getattr(record, "body"),
                   request=request)

    @property
    def ok(self) -> bool:
        """True unless the status is 400 or more."""
        return self.status_code < 400

    @property
    def reason(self) -> str:
        """The standard reason phrase of the status ("" for an unknown one)."""
        try:
            return http.HTTPStatus(self.status_code).phrase
        except ValueError:
            return ""

    @property
    def encoding(self) -> Optional[str]:
        """The `charset` of `Content-Type`, if any (`text` uses UTF-8 without one)."""
        for param in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip('"')
        return None

    @property
    def text(self) -> str:
        """`content` decoded with `encoding` (else UTF-8), bad bytes replaced; "" for none."""
        if not self.content:
            return ""
        try:
            return self.content.decode(self.encoding or "utf-8", errors="replace")
        except LookupError:  # a charset Python does not know
            return self.content.decode("utf-8", errors="replace")

    def json(self, **kwargs: Any) -> Any:
        """The body parsed with `json.loads` (`json.JSONDecodeError` if it is not JSON)."""
        return _json.loads(self.text, **kwargs)

    def raise_for_status(self) -> None:
        """Raise `HTTPError` for a 4xx or 5xx status (requests' wording); in a response hook,
        that fails the request with `HookError`, the `HTTPError` as its `__cause__`."""
        if 400 <= self.status_code < 600:
            side = "Client" if self.status_code < 500 else "Server"
            raise HTTPError(f"{self.status_code} {side} Error: {self.reason} for url: "
                            f"{redact_url(self.url)}",
                            status_code=self.status_code, reason=self.reason,
                            url=redact_url(self.url),
                            response=self, request=self.request)

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"<HookResponse [{self.status_code}]>"


# ---- Python values -> the WIT records, checked (lowering is strict, and traps on a mistake) ----

def _text(value: Any, what: str) -> str:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    elif not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    value.encode("utf-8")  # a lone surrogate cannot be lowered: fail here instead
    return str(value)


def _pairs(headers: Any, what: str) -> List[Tuple[str, str]]:
    if headers is None:
        return []
    if hasattr(headers, "pairs"):
        items = headers.pairs()
    elif isinstance(headers, Mapping):
        items = headers.items()
    elif isinstance(headers, (str, bytes)):
        raise TypeError(f"{what} must be a mapping or (name, value) pairs, "
                        f"not {type(headers).__name__}")
    else:
        items = headers
    out = []
    for item in items:
        name, value = item
        out.append((_text(name, f"a header name in {what}"), _text(value, f"header {name!r}")))
    return out


def _body(body: Any, what: str) -> Optional[bytes]:
    if body is None:
        return None
    if isinstance(body, str):
        data = body.encode("utf-8")
    elif isinstance(body, (bytes, bytearray, memoryview)):
        data = bytes(body)
    else:
        raise TypeError(f"{what} must be bytes, str or None, not {type(body).__name__}")
    # Any size: it only goes into the guest (no hostcall fuel), and the component shows later
    # hooks at most 1 MiB of it (`MAX_HOOK_BODY`), so no call lifts it back out whole.
    return data


def _status(status: Any) -> int:
    if isinstance(status, bool) or not isinstance(status, int):
        raise TypeError(f"status_code must be an int, not {type(status).__name__}")
    if not 0 <= status <= 0xFFFF:  # what the u16 can hold; the component checks the rest
        raise ValueError(f"status_code {status} is not a u16")
    return int(status)


def _record(**fields: Any) -> Record:
    r = Record()
    for name, value in fields.items():
        setattr(r, name, value)
    return r


RequestFields = Tuple[str, str, List[Tuple[str, str]], Optional[bytes]]


def _request_fields(request: HookRequest) -> RequestFields:
    return (_text(request.method, "request.method"), _text(request.url, "request.url"),
            _pairs(request.headers, "request.headers"), _body(request.body, "request.body"))


def _response_record(value: Any, what: str) -> Record:
    if not all(hasattr(value, a) for a in ("status_code", "headers", "content")):
        raise TypeError(f"{what} must return None, {'a HookRequest, ' if 'request' in what else ''}"
                        f"or a HookResponse (or an object with status_code, headers and content), "
                        f"not {type(value).__name__}")
    return _record(status=_status(value.status_code), headers=_pairs(value.headers, "headers"),
                   body=_body(value.content, "content"))


# ---- the linker's functions for `requests:http/hooks` ----------------------------------------

def _lookup(name: str, event: str) -> Callable[..., Any]:
    scope, _, rest = name.rpartition(f"/{event}/")
    hooks = _registry.get(scope, {}).get(event, []) if scope else []
    if not rest.isdigit() or int(rest) >= len(hooks):
        raise LookupError(f"no {event} hook is registered as {name!r} (its session or prepared "
                          "request was closed, or the name was not made by requests_wasm)")
    return hooks[int(rest)]


def keep_cause(name: str, error: BaseException, kind: str = "hook") -> None:
    """Keep `error`, raised by the hook or Python adapter registered as `name`, to be the
    `__cause__` of the error of `kind` its session's call raises (`SessionHooks.run`)."""
    prefix = name.split("/", 1)[0]
    if prefix in _live:
        _failures[prefix] = (error, kind)


def _fail(name: str, error: BaseException) -> str:
    """Keep `error` for the session's `HookError`; the message for the `fail` action."""
    keep_cause(name, error)
    try:
        message = f"{type(error).__name__}: {error}"
    except Exception:  # a __str__ that raises
        message = type(error).__name__
    return message.encode("utf-8", "backslashreplace").decode("utf-8")


def on_request(store: Any, name: str, request: Any) -> Variant:
    """`on-request`: run the hook; `request-action` is a tagged variant in wasmtime-py."""
    try:
        hook = _lookup(name, "request")
        seen = HookRequest._from_wit(request)
        before = (request.method, request.url, list(request.headers), request.body)
        result = hook(seen)
        if result is None:
            result = seen
        if isinstance(result, HookRequest):
            after = _request_fields(result)
            if after == before:
                return Variant("keep")
            method, url, headers, body = after
            return Variant("replace", _record(method=method, url=url, headers=headers, body=body))
        return Variant("respond", _response_record(result, "a request hook"))
    except BaseException as e:  # noqa: B036 - anything escaping would trap the instance
        return Variant("fail", _fail(name, e))


def on_response(store: Any, name: str, request: Any, response: Any) -> Any:
    """`on-response`: run the hook; `response-action` is untagged in wasmtime-py: None is
    `keep`, a `Record` is `replace`, a `str` is `fail`. A hook that takes keyword arguments
    (``**kwargs``) gets requests' (`send_kwargs`)."""
    try:
        hook = _lookup(name, "response")
        seen = HookResponse._from_wit(response, HookRequest._from_wit(request))
        prefix = name.split("/", 1)[0]
        if _takes_kwargs(hook):
            given = _send_kwargs.get((prefix, threading.get_ident()), {})
            result = hook(seen, **{key: given.get(key) for key in SEND_KWARGS})
        else:
            result = hook(seen)
        _keep_attributes(prefix, seen if result is None else result)
        if result is None:
            return None
        return _response_record(result, "a response hook")
    except BaseException as e:  # noqa: B036 - anything escaping would trap the instance
        return _fail(name, e)


#: (session prefix, thread) -> the keyword arguments of the call that thread has in progress
#: (see `send_kwargs`). Per thread: a hook runs on the thread whose call runs it, and two
#: threads' calls on one session overlap outside `CALL_LOCK` (before and after the call).
_send_kwargs: Dict[Tuple[str, int], Mapping[str, Any]] = {}
#: The names requests gives response hooks as keyword arguments.
SEND_KWARGS = ("timeout", "verify", "proxies", "stream", "cert")


class send_kwargs:
    """While a session's call runs (``with send_kwargs(prefix, kwargs): ...``), the keyword
    arguments requests would pass its response hooks: ``timeout``, ``verify``, ``proxies``,
    ``stream``, ``cert`` of `kwargs` (None when not given). The outermost call of a session
    on this thread sets them. (A class, not a generator: it runs around every request.)"""

    __slots__ = ("key", "owner")

    def __init__(self, prefix: str, kwargs: Mapping[str, Any]) -> None:
        self.key = key = (prefix, threading.get_ident())
        self.owner = key not in _send_kwargs
        if self.owner:
            _send_kwargs[key] = kwargs
            _hook_attributes.pop(key, None)  # (left by a call that failed)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        if self.owner:
            _send_kwargs.pop(self.key, None)


#: (session prefix, thread) -> attributes response hooks set on the responses they were
#: given (see `take_hook_attributes`), per thread as `_send_kwargs`.
_hook_attributes: Dict[Tuple[str, int], Dict[str, Any]] = {}
#: What a `HookResponse` holds of its own (not an attribute a hook set).
_OWN_ATTRIBUTES = frozenset(("status_code", "headers", "content", "request", "url"))


def _keep_attributes(prefix: str, response: Any) -> None:
    """Keep the attributes a response hook set on the response it was given (or returned),
    as requests' hooks mark the `Response` they get (``r.hook_working = True``)."""
    extra = {k: v for k, v in getattr(response, "__dict__", {}).items()
             if k not in _OWN_ATTRIBUTES and not k.startswith("_")}
    if extra and prefix in _live:
        _hook_attributes.setdefault((prefix, threading.get_ident()), {}).update(extra)


def take_hook_attributes(prefix: str) -> Dict[str, Any]:
    """The attributes response hooks of this session set since the last call (see
    `_keep_attributes`) on this thread: the session puts them on the `Response` it returns."""
    return _hook_attributes.pop((prefix, threading.get_ident()), {}) if _hook_attributes else {}


def _takes_kwargs(hook: Callable[..., Any]) -> bool:
    """Whether `hook` takes ``**kwargs`` (requests' hooks do: ``hook(r, *args, **kwargs)``)."""
    try:
        parameters = inspect.signature(hook).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


# ---- a session's hooks -----------------------------------------------------------------------

def normalize_hooks(value: Any, what: str) -> Hooks:
    """``{"request": f | [f, ...], "response": ...}`` -> lists of callables for both events.
    Unknown events raise `ValueError` (as requests does), non-callables `TypeError`."""
    if value is None:
        return {event: [] for event in EVENTS}
    if not isinstance(value, Mapping):
        raise TypeError(f"{what} must be a dict of event -> hook or list of hooks, "
                        f"not {type(value).__name__}")
    unknown = [key for key in value if key not in EVENTS]
    if unknown:
        raise ValueError(f"{what}: unknown hook event {unknown[0]!r} "
                         f"(the events are 'request' and 'response')")
    out: Hooks = {}
    for event in EVENTS:
        hooks = value.get(event)
        if hooks is None:
            hooks = []
        elif callable(hooks):
            hooks = [hooks]
        elif isinstance(hooks, (list, tuple)):
            hooks = list(hooks)
        else:
            raise TypeError(f"{what}[{event!r}] must be a callable or a list of callables, "
                            f"not {type(hooks).__name__}")
        for hook in hooks:
            if not callable(hook):
                raise TypeError(f"{what}[{event!r}]: a hook must be callable, not {hook!r}")
        out[event] = hooks
    return out


def _names(scope: str, hooks: Hooks) -> Record:
    """The WIT `hook-set` naming `hooks` registered under `scope`."""
    return _record(**{event: [f"{scope}/{event}/{i}" for i in range(len(hooks[event]))]
                      for event in EVENTS})


def forget_session(prefix: str) -> None:
    """Unregister every hook of the session with this prefix (also run when it is collected)."""
    for scope in list(_registry):
        if scope.startswith(prefix + "/"):
            _registry.pop(scope, None)
    _failures.pop(prefix, None)
    for key in [key for key in list(_hook_attributes) if key[0] == prefix]:
        _hook_attributes.pop(key, None)
    _live.discard(prefix)


def without_hooks(state: str) -> str:
    """A saved-state document without its ``"hooks"`` entry: it holds the names generated here
    for Python callables, which mean nothing to another session or process (and a build without
    hooks refuses any). Text that does not parse is left as it is, for the component to refuse."""
    try:
        doc = _json.loads(state)
    except ValueError:
        return state
    if not isinstance(doc, dict) or "hooks" not in doc:
        return state
    del doc["hooks"]
    return _json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def release(scope: Optional[str]) -> None:
    """Unregister one request's hooks (safe from a finaliser: one atomic dict operation)."""
    if scope is not None:
        _registry.pop(scope, None)


class SessionHooks:
    """One session's side of the registry. `hooks` is the dict behind `Session.hooks`.

    Every method runs with `_component.CALL_LOCK` held (`call` takes it), which serialises the
    registry's changes with the calls that read it. `running` counts the session's calls in
    progress on this thread: while it is non-zero, the caller is one of the session's own hooks,
    and `begin` changes nothing (the component answers that call with the `hook` error).
    """

    def __init__(self) -> None:
        self.prefix = f"s{next(_session_ids)}"
        _live.add(self.prefix)
        self.hooks: Hooks = {event: [] for event in EVENTS}
        self.running = 0
        #: The hook counts per event last given to the component (`None`: unknown).
        self._synced: Optional[Tuple[int, ...]] = (0, 0)
        self._closed = False

    def resync(self) -> None:
        """Give the component the names again before the next request (after `import-state`)."""
        self._synced = None

    def call(self, set_hooks: Callable[[Record], Any], per_request: Any,
             call: Callable[..., T], args_for: Callable[[Optional[Record]], Tuple[Any, ...]],
             kind: str = "call", keep: bool = False) -> Tuple[T, Optional[str]]:
        """Make `call(*args_for(names))`, a call into the component that may send (and so run
        hooks), with hooks in place: under `CALL_LOCK` (no other thread changes the registry or
        the names in between), `begin` (the session's hooks synced, the request's own
        registered), `args_for` given the request's `hook-set` (None without hooks of its own)
        to put in its options, and `run`. Gives the result and the request's scope, released
        here unless `keep` (then the caller releases it once the request can no longer run
        them)."""
        with CALL_LOCK:
            names, scope = self.begin(per_request, set_hooks, kind)
            try:
                result = self.run(call, *args_for(names))
            except BaseException:
                release(scope)
                raise
            if not keep:
                release(scope)
            return result, scope

    def begin(self, per_request: Any, set_hooks: Callable[[Record], Any],
              kind: str = "call") -> Tuple[Optional[Record], Optional[str]]:
        """Before a call that may send: register the session's hooks (and tell the component
        their names through `set_hooks` when their counts changed), and the request's own
        (`per_request`, the ``hooks=`` argument) under a new scope. Gives the `hook-set` for the
        request options (None without hooks of its own) and the scope to `release` when the
        request can no longer run them. A ``prepared`` request keeps its own copy of the
        session's hooks too (as requests' `prepare_request` merges them in)."""
        if self.running or self._closed:  # the component refuses the call either way
            return None, None
        own = normalize_hooks(self.hooks, "Session.hooks")
        request = normalize_hooks(per_request, "hooks")
        _registry[f"{self.prefix}/session"] = own
        counts = tuple(len(own[event]) for event in EVENTS)
        if counts != self._synced:
            set_hooks(_names(f"{self.prefix}/session", own))
            self._synced = counts
        if kind == "prepared" and any(own.values()):
            request = {event: request[event] or own[event] for event in EVENTS}
        if not any(request.values()):
            return None, None
        scope = f"{self.prefix}/{kind}{next(_scope_ids)}"
        _registry[scope] = request
        return _names(scope, request), scope

    def run(self, call: Callable[..., T], *args: Any) -> T:
        """Make a call into the component that may run this session's hooks or Python adapters.
        The error it raises gets the exception the failing hook or adapter raised as its
        `__cause__` (a `HookError`, or a `ConnectionError`...); a `KeyboardInterrupt` or
        `SystemExit` raised in one is raised as it is."""
        self.running += 1
        try:
            return call(*args)
        except RequestException as error:
            kept = _failures.pop(self.prefix, None)
            if kept is None or kept[1] != error.kind:  # (a failure retried away is not it)
                raise
            cause = kept[0]
            if not isinstance(cause, Exception):
                raise cause from None
            raise error from cause
        finally:
            self.running -= 1
            if not self.running:
                _failures.pop(self.prefix, None)
                if self._closed:
                    forget_session(self.prefix)

    def close(self) -> None:
        """The session closed: unregister its hooks (once its running call, if any, returns)."""
        self._closed = True
        if not self.running:
            forget_session(self.prefix)
