"""`Session`: a requests-style session whose state and logic live in the WebAssembly component.

This module owns `Session` and its live settings views, and the single place where Python
arguments become WIT values (`_request_options`, `_send_options`, `_timeout_record`, ...).
Every setting is read from and written to the component (the session keeps no Python copy),
so `s.headers["X"] = "1"` calls `set-header`, `del s.cookies["a"]` calls `remove-cookie`, and so on.

The shapes wasmtime-py 50 expects for this WIT (untagged when the cases' Python classes differ):

* `record` -> a `wasmtime.component.Record` with kebab-case attributes (`rec(...)`);
* `tuple<string, string>` -> a Python `tuple`; `list<u8>` -> `bytes`; `list<T>` -> `list`;
* `option<T>` -> `None` or the value, except `option<auth-override>`, which is *tagged*
  (`auth-override.disable` lifts to `None` too): `Variant("none")` / `Variant("some", x)`;
* `auth` -> untagged: a `Record(username, password)` for `basic`, a `str` for `bearer`;
* `auth-override` -> untagged: `None` for `disable`, an `auth` value for `replace`;
* `body` -> tagged (`text` and `json` are both `str`): `Variant("json", "...")`, ...;
* resources -> `ResourceAny` (owned ones must be dropped; see `Handle`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping as _MappingABC
from typing import Any, Dict, Iterable, Iterator, List, Mapping, MutableMapping, Optional, Tuple, Union
from urllib.parse import parse_qsl

from wasmtime.component import Variant

from ._component import SESSION, Handle, Instance, field, rec
from .adapters import Adapter
from .exceptions import InvalidHeader, UnsupportedError
from .models import BearerAuth, HTTPBasicAuth, PreparedRequest, Request, Response
from .structures import CaseInsensitiveDict, Cookie, Cookies

__all__ = ["Session", "session", "PROXY_ENV_VARS"]

#: The environment variables the component reads when `trust_env` is on; by default a session
#: gets these (and only these) from `os.environ`.
PROXY_ENV_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY",
                  "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")

_U32_MAX = 2**32 - 1
TimeoutArg = Union[None, float, int, Tuple[Optional[float], Optional[float]]]


# ---- Python arguments -> WIT values ---------------------------------------------------------

def _ms(seconds: Optional[float], what: str) -> Optional[int]:
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or math.isnan(seconds):
        raise ValueError(f"{what} timeout must be a number of seconds or None, not {seconds!r}")
    if seconds < 0:
        raise ValueError(f"{what} timeout must not be negative: {seconds!r}")
    ms = max(1, math.ceil(seconds * 1000)) if seconds > 0 else 0
    if ms > _U32_MAX:
        raise ValueError(f"{what} timeout is too large for a u32 of milliseconds: {seconds!r}")
    return ms


def _timeout_record(timeout: TimeoutArg) -> Any:
    """`None` -> none (inherit); ``5`` -> both 5 s; ``(connect, read)``, each may be `None`."""
    if timeout is None:
        return None
    if isinstance(timeout, (tuple, list)):
        if len(timeout) != 2:
            raise ValueError(f"timeout must be a (connect, read) tuple, a number or None: {timeout!r}")
        connect, read = timeout
    else:
        connect = read = timeout
    return rec(connect_ms=_ms(connect, "connect"), read_ms=_ms(read, "read"))


def _timeout_from_wit(record: Any) -> Optional[Tuple[Optional[float], Optional[float]]]:
    if record is None:
        return None
    to_s = lambda ms: None if ms is None else ms / 1000  # noqa: E731
    return (to_s(field(record, "connect_ms")), to_s(field(record, "read_ms")))


def _items(value: Any) -> Iterable[Tuple[Any, Any]]:
    if isinstance(value, _MappingABC):
        return value.items()
    return value


def _param_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def _header_text(name: Any, value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, str):
        return value
    raise InvalidHeader(f"Header part ({value!r}) from ({name!r}, {value!r}) must be of type "
                        f"str or bytes, not {type(value)}")


def _param_overrides(params: Any) -> Optional[List[Tuple[str, Optional[str]]]]:
    """Params as WIT overrides: a `None` value removes the session param of that name; a list
    value repeats the key (as requests does)."""
    if params is None:
        return None
    if isinstance(params, (str, bytes)):
        text = params.decode("utf-8") if isinstance(params, bytes) else params
        return [(k, v) for k, v in parse_qsl(text.lstrip("?"), keep_blank_values=True)]
    out: List[Tuple[str, Optional[str]]] = []
    for name, value in _items(params):
        name = _param_text(name)
        if value is None:
            out.append((name, None))
        elif isinstance(value, (list, tuple)):
            out.extend((name, _param_text(v)) for v in value)
        else:
            out.append((name, _param_text(value)))
    return out


def _param_pairs(params: Any) -> List[Tuple[str, str]]:
    return [(k, v) for k, v in (_param_overrides(params) or []) if v is not None]


def _header_overrides(headers: Any) -> Optional[List[Tuple[str, Optional[str]]]]:
    if headers is None:
        return None
    return [(n.decode("latin-1") if isinstance(n, bytes) else str(n),
             None if v is None else _header_text(n, v)) for n, v in _items(headers)]


def _header_pairs(headers: Any) -> List[Tuple[str, str]]:
    return [(k, v) for k, v in (_header_overrides(headers) or []) if v is not None]


def _pairs(value: Any) -> Optional[List[Tuple[str, str]]]:
    if value is None:
        return None
    return [(str(k), str(v)) for k, v in _items(value)]


def _auth_value(auth: Any) -> Any:
    """A Python auth -> the untagged WIT `auth` value (or `None`)."""
    if auth is None:
        return None
    if isinstance(auth, BearerAuth):
        return auth.token
    if isinstance(auth, (tuple, list)) and len(auth) == 2:
        return rec(username=str(auth[0]), password=str(auth[1]))
    raise TypeError("auth must be None, a (user, password) tuple, HTTPBasicAuth or BearerAuth; "
                    f"callable auth handlers are not supported: {auth!r}")


def _auth_from_wit(value: Any) -> Union[None, HTTPBasicAuth, BearerAuth]:
    if value is None:
        return None
    if isinstance(value, str):
        return BearerAuth(value)
    return HTTPBasicAuth(field(value, "username"), field(value, "password"))


def _auth_override(auth: Any) -> Variant:
    """`option<auth-override>` is tagged in wasmtime-py: `None` inherits, `False` disables."""
    if auth is None:
        return Variant("none")
    if auth is False:
        return Variant("some", None)             # auth-override.disable
    return Variant("some", _auth_value(auth))    # auth-override.replace(auth)


def _body(data: Any, json_obj: Any) -> Optional[Variant]:
    """requests' rule: `data` wins unless it is empty and `json` is given."""
    if not data and json_obj is not None:
        import json as _json
        # allow_nan: NaN/Infinity give invalid JSON, which the component rejects (InvalidJSONError)
        return Variant("json", _json.dumps(json_obj))
    if data is None or (not data and not hasattr(data, "read") and not hasattr(data, "__next__")):
        return None   # as requests: an empty body is no body
    if isinstance(data, str):
        return Variant("text", data)
    if isinstance(data, (bytes, bytearray, memoryview)):
        return _bytes_body(bytes(data))
    if hasattr(data, "read"):
        content = data.read()
        return Variant("text", content) if isinstance(content, str) else _bytes_body(bytes(content))
    if isinstance(data, _MappingABC) or (isinstance(data, (list, tuple))
                                         and all(isinstance(p, (tuple, list)) for p in data)):
        form: List[Tuple[str, str]] = []
        for name, value in _items(data):
            values = value if isinstance(value, (list, tuple)) else [value]
            form.extend((_param_text(name), _param_text(v)) for v in values if v is not None)
        return Variant("form", form)
    if hasattr(data, "__iter__"):  # a generator of chunks: sent as one body (no chunked upload)
        chunks = [c.encode("utf-8") if isinstance(c, str) else bytes(c) for c in data]
        return _bytes_body(b"".join(chunks))
    raise TypeError(f"cannot send {type(data).__name__} as a request body")


def _bytes_body(data: bytes) -> Variant:
    """`body.bytes` and `body.text` are sent alike (as they are, no Content-Type added), and
    wasmtime-py lowers a `string` in one copy but a `list<u8>` byte by byte (~0.7 s per MB), so
    bytes that are valid UTF-8 travel as `text`."""
    try:
        return Variant("text", data.decode("utf-8"))
    except UnicodeDecodeError:
        return Variant("bytes", data)


def _verify(verify: Any) -> Optional[bool]:
    if verify is None or isinstance(verify, bool):
        return verify
    raise UnsupportedError(f"verify={verify!r}: a CA bundle cannot be given over wasi:http "
                           "(the host verifies with its own roots)")


def _cert(cert: Any) -> Optional[str]:
    if cert is None or isinstance(cert, str):
        return cert
    if isinstance(cert, (tuple, list)) and cert:
        return str(cert[0])
    return str(cert)


def _request_options(*, params: Any = None, data: Any = None, headers: Any = None,
                     cookies: Any = None, files: Any = None, auth: Any = None,
                     timeout: TimeoutArg = None, allow_redirects: Optional[bool] = None,
                     proxies: Any = None, hooks: Any = None, stream: Optional[bool] = None,
                     verify: Any = None, cert: Any = None, json: Any = None) -> Any:
    """requests' keyword arguments -> the WIT `request-options` record."""
    if files:
        raise UnsupportedError("files=: multipart bodies are not part of the component's "
                               "`body` variant (bytes, text, form, json)")
    if hooks:
        raise UnsupportedError("hooks= are not supported")
    return rec(params=_param_overrides(params), headers=_header_overrides(headers),
               cookies=_pairs(cookies), body=_body(data, json), auth=_auth_override(auth),
               timeout=_timeout_record(timeout), allow_redirects=allow_redirects, stream=stream,
               verify=_verify(verify), cert=_cert(cert), proxies=_pairs(proxies))


def _send_options(*, timeout: TimeoutArg = None, allow_redirects: Optional[bool] = None,
                  stream: Optional[bool] = None, verify: Any = None, cert: Any = None,
                  proxies: Any = None) -> Any:
    return rec(timeout=_timeout_record(timeout), allow_redirects=allow_redirects, stream=stream,
               verify=_verify(verify), cert=_cert(cert), proxies=_pairs(proxies))


# ---- live views of the session's settings ------------------------------------------------------

class SessionHeaders(MutableMapping):
    """The session's default headers, live: reads and writes go to the component.
    Names are case-insensitive; a repeated header reads as its values joined with ``", "``."""

    def __init__(self, session: "Session") -> None:
        self._session = session

    def _pairs(self) -> List[Tuple[str, str]]:
        return self._session._call_ok("headers")

    def __getitem__(self, name: str) -> str:
        values = [v for k, v in self._pairs() if k.lower() == name.lower()]
        if not values:
            raise KeyError(name)
        return ", ".join(values)

    def __setitem__(self, name: str, value: Any) -> None:
        self._session._call_ok("set-header", str(name), _header_text(name, value))

    def __delitem__(self, name: str) -> None:
        if not self._session._call_ok("remove-header", name):
            raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        seen: Dict[str, str] = {}
        for k, _ in self._pairs():
            seen.setdefault(k.lower(), k)
        return iter(list(seen.values()))

    def __len__(self) -> int:
        return len({k.lower() for k, _ in self._pairs()})

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(k.lower() == name.lower() for k, _ in self._pairs())

    def clear(self) -> None:
        self._session._call_ok("set-headers", [])

    def pairs(self) -> List[Tuple[str, str]]:
        return self._pairs()

    def copy(self) -> CaseInsensitiveDict:
        return CaseInsensitiveDict(self.items())

    def __eq__(self, other: object) -> bool:
        return self.copy() == other

    def __repr__(self) -> str:
        return repr(self.copy())


class SessionParams(MutableMapping):
    """The session's default query params, live. A repeated name reads as a list of its values
    (the form `params=` accepts); setting a name replaces every param of that name in place."""

    def __init__(self, session: "Session") -> None:
        self._session = session

    def _pairs(self) -> List[Tuple[str, str]]:
        return self._session._call_ok("params")

    def __getitem__(self, name: str) -> Union[str, List[str]]:
        values = [v for k, v in self._pairs() if k == name]
        if not values:
            raise KeyError(name)
        return values[0] if len(values) == 1 else values

    def __setitem__(self, name: str, value: Any) -> None:
        new = _param_pairs([(name, value)])
        out: List[Tuple[str, str]] = []
        for k, v in self._pairs():
            if k == name:
                out.extend(new)
                new = []
            else:
                out.append((k, v))
        self._session._call_ok("set-params", out + new)

    def __delitem__(self, name: str) -> None:
        pairs = self._pairs()
        kept = [(k, v) for k, v in pairs if k != name]
        if len(kept) == len(pairs):
            raise KeyError(name)
        self._session._call_ok("set-params", kept)

    def __iter__(self) -> Iterator[str]:
        return iter(list(dict.fromkeys(k for k, _ in self._pairs())))

    def __len__(self) -> int:
        return len({k for k, _ in self._pairs()})

    def clear(self) -> None:
        self._session._call_ok("set-params", [])

    def pairs(self) -> List[Tuple[str, str]]:
        return self._pairs()

    def __eq__(self, other: object) -> bool:
        return dict(self.items()) == other

    def __repr__(self) -> str:
        return repr(dict(self.items()))


class SessionCookies(MutableMapping):
    """The session's cookie jar, live: name -> value (first match), `set(...)` with domain/path/
    expiry, `del jar[name]` (every domain and path), `clear()`, and `list()` of `Cookie` records."""

    def __init__(self, session: "Session") -> None:
        self._session = session

    def list(self) -> List[Cookie]:
        return [Cookie._from_wit(c) for c in self._session._call_ok("cookies")]

    def __getitem__(self, name: str) -> str:
        for cookie in self.list():
            if cookie.name == name:
                return cookie.value
        raise KeyError(name)

    def get(self, name: str, default: Any = None, domain: Optional[str] = None,  # type: ignore[override]
            path: Optional[str] = None) -> Any:
        for cookie in self.list():
            if cookie.name == name and (domain is None or cookie.domain == domain) \
                    and (path is None or cookie.path == path):
                return cookie.value
        return default

    def set(self, name: str, value: str, *, domain: Optional[str] = None,
            path: Optional[str] = None, secure: bool = False,
            expires: Optional[int] = None) -> None:
        """Put a cookie in the jar (`domain=None` sends it to every host)."""
        self._session._call_ok("set-cookie", rec(name=name, value=value, domain=domain, path=path,
                                                 secure=secure, expires=expires))

    def __setitem__(self, name: str, value: str) -> None:
        self.set(name, value)

    def remove(self, name: str, domain: Optional[str] = None, path: Optional[str] = None) -> int:
        """Remove cookies by name (optionally only for a domain and path); returns how many."""
        return self._session._call_ok("remove-cookie", name, domain, path)

    def __delitem__(self, name: str) -> None:
        if not self.remove(name):
            raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(list(dict.fromkeys(c.name for c in self.list())))

    def __len__(self) -> int:
        return len({c.name for c in self.list()})

    def clear(self, domain: Optional[str] = None, path: Optional[str] = None,  # type: ignore[override]
              name: Optional[str] = None) -> None:
        if name is not None:
            self.remove(name, domain, path)
        else:
            self._session._call_ok("clear-cookies")

    def get_dict(self, domain: Optional[str] = None, path: Optional[str] = None) -> Dict[str, str]:
        return Cookies(self.list()).get_dict(domain, path)

    def __repr__(self) -> str:
        return f"<SessionCookies {self.list()!r}>"


# ---- the session ---------------------------------------------------------------------------

class Session:
    """A requests-style session; see the module docstring and README for what maps to what.

    ``Session(component_path=None, env=None)``: `component_path` defaults to
    `$REQUESTS_WASM_COMPONENT`, else the release build in the repository's `target/component`.
    `env` is the environment the component sees (it reads proxy and CA-bundle variables when
    `trust_env` is on); by default the `PROXY_ENV_VARS` present in `os.environ`.
    """

    def __init__(self, component_path: Optional[Union[str, os.PathLike]] = None, *,
                 env: Optional[Mapping[str, str]] = None) -> None:
        if env is None:
            env = {k: os.environ[k] for k in PROXY_ENV_VARS if k in os.environ}
        self._instance = Instance(component_path, env.items())
        self._instance.wrap_response = lambda res: Response._wrap(self._instance, res)
        self._handle = Handle(self._instance, self._instance.call(SESSION, "[constructor]session"))
        #: The adapters mounted through this object, by prefix (the component keeps the truth).
        self.adapters: Dict[str, Adapter] = {}

    def _call(self, name: str, *args: Any) -> Any:
        return self._handle.call(SESSION, f"[method]session.{name}", *args)

    def _call_ok(self, name: str, *args: Any) -> Any:
        return self._handle.call_ok(SESSION, f"[method]session.{name}", *args)

    # ---- settings ----------------------------------------------------------------------

    @property
    def headers(self) -> SessionHeaders:
        return SessionHeaders(self)

    @headers.setter
    def headers(self, headers: Any) -> None:
        self._call_ok("set-headers", _header_pairs(headers))

    @property
    def params(self) -> SessionParams:
        return SessionParams(self)

    @params.setter
    def params(self, params: Any) -> None:
        self._call_ok("set-params", _param_pairs(params))

    @property
    def auth(self) -> Union[None, HTTPBasicAuth, BearerAuth]:
        return _auth_from_wit(self._call_ok("auth"))

    @auth.setter
    def auth(self, auth: Any) -> None:
        self._call_ok("set-auth", _auth_value(auth))

    @property
    def cookies(self) -> SessionCookies:
        return SessionCookies(self)

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        jar = SessionCookies(self)
        jar.clear()
        if isinstance(cookies, (Cookies, SessionCookies)):
            for c in cookies.list():
                jar.set(c.name, c.value, domain=c.domain or None, path=c.path, secure=c.secure,
                        expires=c.expires)
        elif cookies is not None:
            for name, value in _items(cookies):
                jar.set(str(name), str(value))

    @property
    def max_redirects(self) -> int:
        return self._call_ok("max-redirects")

    @max_redirects.setter
    def max_redirects(self, value: int) -> None:
        self._call_ok("set-max-redirects", int(value))

    @property
    def trust_env(self) -> bool:
        return self._call_ok("trust-env")

    @trust_env.setter
    def trust_env(self, value: bool) -> None:
        self._call_ok("set-trust-env", bool(value))

    @property
    def stream(self) -> bool:
        return self._call_ok("stream")

    @stream.setter
    def stream(self, value: bool) -> None:
        self._call_ok("set-stream", bool(value))

    @property
    def verify(self) -> bool:
        return self._call_ok("verify")

    @verify.setter
    def verify(self, value: Any) -> None:
        self._call_ok("set-verify", bool(_verify(value)))

    @property
    def cert(self) -> Optional[str]:
        return self._call_ok("cert")

    @cert.setter
    def cert(self, value: Any) -> None:
        self._call_ok("set-cert", _cert(value))

    @property
    def proxies(self) -> Dict[str, str]:
        return dict(self._call_ok("proxies"))

    @proxies.setter
    def proxies(self, value: Any) -> None:
        self._call_ok("set-proxies", _pairs(value) or [])

    @property
    def timeout(self) -> Optional[Tuple[Optional[float], Optional[float]]]:
        """The session-wide default: `None`, or ``(connect, read)`` in seconds (each may be None).
        Set a number for both, a tuple, or None."""
        return _timeout_from_wit(self._call_ok("timeout"))

    @timeout.setter
    def timeout(self, value: TimeoutArg) -> None:
        self._call_ok("set-timeout", _timeout_record(value))

    # ---- requests --------------------------------------------------------------------------

    def _response(self, resource: Any, stream: Optional[bool]) -> Response:
        streamed = self.stream if stream is None else bool(stream)
        return Response._wrap(self._instance, resource, streamed)

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        """Send a request (keyword arguments as in `requests.Session.request`).

        Differences: ``auth=False`` sends without auth even when the session has some;
        ``timeout=(None, None)`` means no limit (``None`` inherits the session's); `files`
        and `hooks` are not supported.
        """
        options = _request_options(**kwargs)
        return self._response(self._call_ok("request", method, url, options), kwargs.get("stream"))

    def _method(self, name: str, url: str, kwargs: Dict[str, Any]) -> Response:
        options = _request_options(**kwargs)
        return self._response(self._call_ok(name, url, options), kwargs.get("stream"))

    def get(self, url: str, params: Any = None, **kwargs: Any) -> Response:
        return self._method("get", url, dict(kwargs, params=params))

    def head(self, url: str, **kwargs: Any) -> Response:
        """HEAD; redirects are not followed unless ``allow_redirects=True``."""
        return self._method("head", url, kwargs)

    def options(self, url: str, **kwargs: Any) -> Response:
        return self._method("options", url, kwargs)

    def post(self, url: str, data: Any = None, json: Any = None, **kwargs: Any) -> Response:
        return self._method("post", url, dict(kwargs, data=data, json=json))

    def put(self, url: str, data: Any = None, **kwargs: Any) -> Response:
        return self._method("put", url, dict(kwargs, data=data))

    def patch(self, url: str, data: Any = None, **kwargs: Any) -> Response:
        return self._method("patch", url, dict(kwargs, data=data))

    def delete(self, url: str, **kwargs: Any) -> Response:
        return self._method("delete", url, kwargs)

    def prepare_request(self, request: Request) -> PreparedRequest:
        """Merge a `Request` with the session's settings without sending it."""
        options = _request_options(params=request.params, data=request.data,
                                   headers=request.headers, cookies=request.cookies,
                                   files=request.files, auth=request.auth, hooks=request.hooks,
                                   json=request.json)
        resource = self._call_ok("prepare-request", request.method, request.url, options)
        return PreparedRequest(Handle(self._instance, resource))

    def send(self, request: PreparedRequest, **kwargs: Any) -> Response:
        """Send a prepared request as it is (`timeout`, `allow_redirects`, `stream`, `verify`,
        `cert`, `proxies` as keywords)."""
        resource = self._call_ok("send", request._handle.resource, _send_options(**kwargs))
        return self._response(resource, kwargs.get("stream"))

    # ---- transport -------------------------------------------------------------------------

    def mount(self, prefix: str, adapter: Adapter) -> None:
        """Use `adapter` for URLs starting with `prefix` (the longest prefix wins)."""
        self._call_ok("mount", prefix, adapter._bind(self._instance).resource)
        self.adapters[prefix] = adapter

    def get_adapter(self, url: str) -> Adapter:
        """The adapter for `url` (`InvalidSchema` if no prefix matches)."""
        return Adapter._from_handle(Handle(self._instance, self._call_ok("get-adapter", url)))

    def close(self) -> None:
        """Close the session and its adapters; later calls raise `SessionClosed`."""
        if self._handle.alive:
            self._call("close")

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return "<requests_wasm.Session>"


def session(**kwargs: Any) -> Session:
    """`requests.session()`: a new `Session`."""
    return Session(**kwargs)
