"""`Session`: a requests-style session whose state and logic live in the WebAssembly component.

This module owns `Session` and its live settings views; Python arguments become WIT values in
`options.py` (including the chunks of a streaming upload, which `Session._upload` sends).
Every setting is read from and written to the component (the session keeps no Python copy),
so `s.headers["X"] = "1"` calls `set-header`, `del s.cookies["a"]` calls `remove-cookie`, and so on.
Reading a setting never fails (a closed session's settings stay readable); setters raise what
the component answers. The exceptions are `Session.hooks`, a Python dict of callables (the
component keeps only generated names, and `hooks.py` registers the callables and syncs the
names before each call that may send, see `Session._hooked`), and the Python adapters given to
`mount`, which `_host_adapters.py` registers by name in the same way.
"""

from __future__ import annotations

import copy
import dataclasses
import http.cookiejar
import io
import json as _json
import netrc
import os
import urllib.parse
import urllib.request
import weakref
from typing import Any, Dict, Iterator, List, Mapping, MutableMapping, Optional, Tuple, Union

from . import _host_adapters
from . import hooks as _hooks
from . import options as _options
from ._component import CALL_LOCK, SESSION, TYPES, Handle, Instance, field, rec
from ._redact import RedactedDict, redact_mapping
from .adapters import Adapter, RequestsAdapter, is_requests_adapter
from .models import PreparedRequest, Request, Response, _BoundPreparedRequest, plain_cookie
from .options import (_U64_MAX, BodyPlan, CertValue, TimeoutArg, VerifyValue,
                      _announced_length, _auth_from_wit, _auth_value, _body_plan, _cert,
                      _cert_from_wit, _header_pairs, _header_text, _is_stream, _items, _pairs,
                      _param_pairs, _request_options, _send_options, _stream_chunks,
                      _stream_length, _timeout_from_wit, _timeout_record, _verify,
                      _verify_from_wit, with_hooks)
from ._urllib3_adapter import Urllib3Adapter
from .exceptions import (InvalidOption, InvalidProxyURL, RequestException, TooManyRedirects,
                         UnsupportedError)
from .models import BearerAuth, HTTPBasicAuth, HTTPDigestAuth
from ._redact import redact_url
from .retries import Retry
from .structures import CaseInsensitiveDict, Cookie, Cookies, MutableHeaders

__all__ = ["Session", "session", "PROXY_ENV_VARS", "TRANSPORTS"]

#: The names `Session(transport=...)` takes: ``"urllib3"`` (a `Urllib3Adapter`, the default
#: when the component has host adapters) and ``"wasi-http"`` (the component's own adapter over
#: wasmtime's wasi:http: a new connection per request, no `verify`/`cert`/proxies).
TRANSPORTS = ("urllib3", "wasi-http")

#: The environment variables the component reads when `trust_env` is on; by default a session
#: gets these (and only these) from `os.environ`.
PROXY_ENV_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY",
                  "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")

#: Defined in `options.py`; still importable from here, where it used to live.
UPLOAD_CHUNK_SIZE = _options.UPLOAD_CHUNK_SIZE


# ---- live views of the session's settings ------------------------------------------------------

class SessionHeaders(MutableMapping):
    """The session's default headers, live: reads and writes go to the component.
    Names are case-insensitive; a repeated header reads as its values joined with ``", "``."""

    def __init__(self, session: "Session") -> None:
        self._session = session

    def _pairs(self) -> List[Tuple[str, str]]:
        return self._session._call("headers")

    def __getitem__(self, name: str) -> str:
        values = [v for k, v in self._pairs() if k.lower() == name.lower()]
        if not values:
            raise KeyError(name)
        return ", ".join(values)

    def __setitem__(self, name: str, value: Any) -> None:
        """Set a default header; None removes it (requests keeps the None and leaves the
        header out of every request: the same on the wire)."""
        if value is None:
            self._session._call_ok("remove-header", str(name))
            return
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
        return repr(redact_mapping(self.items()))  # `Authorization` values as ``***``


class SessionParams(MutableMapping):
    """The session's default query params, live. A repeated name reads as a list of its values
    (the form `params=` accepts); setting a name replaces every param of that name in place."""

    def __init__(self, session: "Session") -> None:
        self._session = session

    def _pairs(self) -> List[Tuple[str, str]]:
        return self._session._call("params")

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
        return [Cookie._from_wit(c) for c in self._session._call("cookies")]

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
    `$REQUESTS_WASM_COMPONENT`, else the build for world `client-with-host` shipped in the
    installed package, else the release build in the repository's `target/component-host` (a
    build for world `client` works too, without hooks or Python adapters). `env` is the environment the component sees (it reads proxy and
    CA-bundle variables when `trust_env` is on); by default the `PROXY_ENV_VARS` present in
    `os.environ`.

    `transport` is what carries the requests to ``http://`` and ``https://`` URLs:

    * None (the default): ``"urllib3"`` when the component has host adapters (the build for
      world `client-with-host`), else ``"wasi-http"``;
    * ``"urllib3"``: a `Urllib3Adapter` (pooled keep-alive connections; `verify`, `cert`,
      proxies and timeouts honoured), closed with the session;
    * ``"wasi-http"``: the component's own adapter, over wasmtime-py's wasi:http (a new
      connection for every request; no `verify` other than True, no `cert`, no proxies);
    * a Python adapter (`BaseAdapter`) or an `Adapter`, mounted on both prefixes.

    `Session.transport` tells which was mounted. `mount` can still put another adapter on any
    prefix (``s.mount("http://", Adapter.http())`` goes back to wasi:http for http URLs).
    """

    def __init__(self, component_path: Optional[Union[str, os.PathLike]] = None, *,
                 env: Optional[Mapping[str, str]] = None, transport: Any = None) -> None:
        #: Whether the environment is `os.environ` (read again for each request: see
        #: `_env_verify`), and the CA bundle it named when the component was given it.
        self._reads_os_environ = env is None
        #: Where netrc is looked for (`_netrc_path`): ``$NETRC`` and ``$HOME`` of the session's
        #: environment, `os.environ` (read for each request) when the session has none of its own.
        self._netrc_env: Mapping[str, str] = os.environ if env is None else \
            {k: env[k] for k in ("NETRC", "HOME") if k in env}
        if env is None:
            env = {k: os.environ[k] for k in PROXY_ENV_VARS if k in os.environ}
        self._env_bundle = _ca_bundle(env)
        if not (transport is None or transport in TRANSPORTS or hasattr(transport, "send")
                or isinstance(transport, Adapter)):
            raise ValueError(f"transport must be one of {', '.join(map(repr, TRANSPORTS))}, an "
                             f"Adapter or a Python adapter, not {transport!r}")
        self._hooks = _hooks.SessionHooks()
        self._instance = Instance(component_path, env.items())
        self._handle = Handle(self._instance, self._instance.call(SESSION, "[constructor]session"))
        #: `max_body_size` as the component has it (every change goes through this object), so
        #: that a response knows how large its body can be without asking (see `Response`).
        self._max_body_size: int = self._call("max-body-size")
        #: The names of the Python adapters mounted here (`_host_adapters`), and the adapters.
        self._host_adapter_names: List[str] = []
        self._python_adapters: List[Any] = []
        #: prefix -> the Python adapter mounted there, as registered (None: an `Adapter`), to
        #: unregister the names no prefix uses any more (`_forget_unmounted`).
        self._mounted: Dict[str, Any] = {}
        #: False once an `Adapter` of kind ``host`` was mounted: it may stand for any name.
        self._may_forget = True
        # Unregister the hooks and adapters if the session is collected without `close()`.
        weakref.finalize(self, _forget, self._hooks.prefix, self._host_adapter_names)
        #: A custom auth callable (requests' `AuthBase`) set as `auth` (see `auth`).
        self._custom_auth: Any = None
        #: The `http.cookiejar.CookieJar` assigned to `cookies`, if any (see `_jar_synced`).
        self._cookie_jar: Optional[http.cookiejar.CookieJar] = None
        #: The adapters mounted through this object, by prefix (the component keeps the truth).
        self.adapters: Dict[str, Any] = {}
        try:
            self._mount_transport(transport)
        except BaseException:
            self.close()
            raise

    def _mount_transport(self, transport: Any) -> None:
        """Mount the transport on ``http://`` and ``https://`` (see `transport`)."""
        if transport == "wasi-http":
            self.transport = "wasi-http"
            return
        if transport is None or transport == "urllib3":
            adapter: Any = Urllib3Adapter()
            try:
                self._mount_http(adapter)
            except UnsupportedError:
                if transport is not None:
                    raise
                # the build for world `client` has no host adapters: wasi:http it is
                self.transport = "wasi-http"
                return
            self.transport = "urllib3"
            return
        self._mount_http(transport)
        self.transport = transport

    def _mount_http(self, adapter: Any) -> None:
        """`mount` on ``http://`` and ``https://`` at once (the component's `mount-http`)."""
        if isinstance(adapter, Adapter):
            self._call_ok("mount-http", self._bind(adapter))
            registered = None
        else:
            handle = self._host_adapter(adapter)
            try:
                self._call_ok("mount-http", handle.resource)
            finally:
                handle.drop()  # the session keeps the adapter it mounted
            self._keep_python_adapter(adapter)
            registered = adapter
        self.adapters["http://"] = self.adapters["https://"] = adapter
        self._mounted["http://"] = self._mounted["https://"] = registered
        self._forget_unmounted()

    def _call(self, name: str, *args: Any) -> Any:
        return self._handle.call(SESSION, f"[method]session.{name}", *args)

    def _call_ok(self, name: str, *args: Any) -> Any:
        return self._handle.call_ok(SESSION, f"[method]session.{name}", *args)

    # ---- hooks -------------------------------------------------------------------------

    @property
    def hooks(self) -> Dict[str, List[Any]]:
        """The session's hooks: ``{"request": [...], "response": [...]}`` (requests has
        ``{"response": []}``; ``request`` is httpx's pre-send event). Append to the lists
        (``s.hooks["response"].append(f)``) or assign a dict of callables or lists of them;
        ``hooks=`` of a request replaces them per event, as in requests. They run on every
        redirect hop and Digest retry; see `requests_wasm.hooks` for what they get and return.
        A failing hook raises `HookError` (its `__cause__` is what the hook raised), and the
        session keeps working; a hook calling back into this session gets `HookError` too.
        Checked before each request (`ValueError` for an unknown event, `TypeError` for a
        hook that is not callable). A component built for world `client` raises
        `UnsupportedError` for any hook."""
        return self._hooks.hooks

    @hooks.setter
    def hooks(self, value: Any) -> None:
        self._hooks.hooks = _hooks.normalize_hooks(value, "hooks")

    def _hooked(self, per_request: Any, call: Any, args_for: Any, kind: str = "call",
                keep: bool = False) -> Tuple[Any, Optional[str]]:
        """`call(*args_for(names))`, a call into the component that may send, with hooks in
        place: see `SessionHooks.call` (the component's `set-hooks` is how it names the
        session's)."""
        return self._hooks.call(self._set_hook_names, per_request, call, args_for, kind=kind,
                                keep=keep)

    def _set_hook_names(self, names: Any) -> None:
        self._call_ok("set-hooks", names)

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
    def auth(self) -> Any:
        """The default auth: `None`, `HTTPBasicAuth` (set it as a tuple too), `HTTPDigestAuth`
        or `BearerAuth`, which the component applies; or any other callable, requests'
        `AuthBase`, kept here and applied by a request hook (see `_AuthHook`). Without
        one, a request that gives none uses netrc credentials (read here: `_netrc_auth`),
        else the URL's userinfo."""
        if self._custom_auth is not None:
            return self._custom_auth
        return _auth_from_wit(self._call("auth"))

    @auth.setter
    def auth(self, auth: Any) -> None:
        if _is_custom_auth(auth):
            self._call_ok("set-auth", None)
            self._custom_auth = auth
            return
        self._call_ok("set-auth", _auth_value(auth))
        self._custom_auth = None

    @property
    def cookies(self) -> Any:
        """The cookie jar: a live `SessionCookies` view of the component's jar, or the
        `http.cookiejar.CookieJar` last assigned (requests' `s.cookies = jar`), which is kept
        in step with the component's jar around every request (see `_jar_synced`)."""
        if self._cookie_jar is not None:
            return self._cookie_jar
        return SessionCookies(self)

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        jar = SessionCookies(self)
        jar.clear()
        self._cookie_jar = None
        if isinstance(cookies, http.cookiejar.CookieJar):
            self._cookie_jar = cookies
            self._push_jar()
        elif isinstance(cookies, (Cookies, SessionCookies)):
            for c in cookies.list():
                jar.set(c.name, c.value, domain=c.domain or None, path=c.path, secure=c.secure,
                        expires=c.expires)
        elif cookies is not None:
            for name, value in _items(cookies):
                jar.set(str(name), str(value))

    def _push_jar(self) -> None:
        """The assigned `CookieJar`'s cookies into the component's jar (replacing its own)."""
        jar = SessionCookies(self)
        jar.clear()
        for c in list(self._cookie_jar or ()):
            jar.set(c.name, c.value or "", domain=c.domain.lstrip(".") or None,
                    path=c.path or "/", secure=bool(c.secure),
                    expires=None if c.expires is None else int(c.expires))

    def _pull_jar(self) -> None:
        """The component's jar (what responses set, expiries applied) into the assigned
        `CookieJar`, replacing its cookies."""
        jar = self._cookie_jar
        if jar is None:
            return
        jar.clear()
        for c in SessionCookies(self).list():
            jar.set_cookie(_jar_cookie(c))

    def _jar_synced(self, send: Any) -> Response:
        """`send()` with an assigned `CookieJar` in step: its cookies go to the component's
        jar before, and the component's come back after (also when the request fails).
        Under `CALL_LOCK` from the push to the pull: another thread's request on this session
        would otherwise push the jar as it was before this response's cookies came back, and
        drop them. (So a streamed upload of such a session holds every other thread's calls
        until it is sent.)"""
        if self._cookie_jar is None:
            return send()
        with CALL_LOCK:
            self._push_jar()
            try:
                return send()
            finally:
                if self._handle.alive:
                    self._pull_jar()

    @property
    def max_redirects(self) -> int:
        return self._call("max-redirects")

    @max_redirects.setter
    def max_redirects(self, value: int) -> None:
        self._call_ok("set-max-redirects", int(value))

    @property
    def trust_env(self) -> bool:
        return self._call("trust-env")

    @trust_env.setter
    def trust_env(self, value: bool) -> None:
        self._call_ok("set-trust-env", bool(value))

    @property
    def stream(self) -> bool:
        return self._call("stream")

    @stream.setter
    def stream(self, value: bool) -> None:
        self._call_ok("set-stream", bool(value))

    @property
    def verify(self) -> VerifyValue:
        """How TLS certificates are verified, as requests has it: True (the default), False,
        or a CA bundle: a path (``"/etc/ca.pem"``), or its PEM text as `PemData`. The default
        wasi:http adapter verifies with the host's roots only: it answers anything else for an
        https URL with `UnsupportedError`; a Python adapter (`mount`) gets it as set."""
        return _verify_from_wit(self._call("verify"))

    @verify.setter
    def verify(self, value: VerifyValue) -> None:
        if value is None:
            raise TypeError("verify must be True, False or a CA bundle path, not None")
        self._call_ok("set-verify", _verify(value))

    @property
    def cert(self) -> CertValue:
        """The client certificate, as requests has it: None (the default), a path to a file
        holding the certificate and its key, or a ``(cert, key)`` pair of paths; each may be
        PEM text as `PemData`. The default wasi:http adapter cannot present one (an https
        request with one gives `UnsupportedError`); a Python adapter gets it as set."""
        return _cert_from_wit(self._call("cert"))

    @cert.setter
    def cert(self, value: CertValue) -> None:
        self._call_ok("set-cert", _cert(value))

    @property
    def proxies(self) -> Dict[str, str]:
        """Proxy URLs by scheme (a `dict` whose repr leaves the proxies' userinfo out)."""
        return RedactedDict(self._call("proxies"))

    @proxies.setter
    def proxies(self, value: Any) -> None:
        self._call_ok("set-proxies", _pairs(value) or [])

    @property
    def timeout(self) -> Optional[Tuple[Optional[float], Optional[float]]]:
        """The session-wide default: `None`, or ``(connect, read)`` in seconds (each may be None).
        Set a number for both, a tuple, or None."""
        return _timeout_from_wit(self._call("timeout"))

    @timeout.setter
    def timeout(self, value: TimeoutArg) -> None:
        self._call_ok("set-timeout", _timeout_record(value))

    @property
    def retries(self) -> Optional[Retry]:
        """The retry policy of every request (`Retry`), or None (the default: no retries, unless
        the adapter a request goes through has a policy; the session's wins over the
        adapter's). Set a `Retry`, an int as requests' ``HTTPAdapter(max_retries=n)`` (the
        component's `retry-policy-for(n)`), or None. An invalid policy raises
        `InvalidOption`; a retried status that outlasts the retries raises `RetryError`, a
        retried failure that does raises that failure (see `requests_wasm.retries`)."""
        return Retry._from_wit(self._call("retries"))

    @retries.setter
    def retries(self, value: Union[None, int, Retry]) -> None:
        policy = Retry.coerce(value)
        self._call_ok("set-retries", None if policy is None else policy._to_wit(self._instance))

    @property
    def base_url(self) -> Optional[str]:
        """The absolute URL relative request URLs are resolved against (httpx's `base_url`;
        requests has none). Joined as a directory: with ``http://h/api``, ``"users"`` is
        ``http://h/api/users``; absolute URLs ignore it. `None` (the default) turns it off;
        a URL that is not absolute raises `MissingSchema` or `InvalidURL`."""
        return self._call("base-url")

    @base_url.setter
    def base_url(self, value: Optional[str]) -> None:
        self._call_ok("set-base-url", None if value is None else str(value))

    @property
    def error_for_status(self) -> bool:
        """When true, every final 4xx or 5xx response raises `HTTPError` instead of being
        returned, as if `raise_for_status()` were called on each (redirect hops and a Digest 401
        that gets answered do not count). Defaults to false. The error carries `status_code`,
        `reason` and `url`, and `.response` is a `ResponseHead` (status, reason, URL and
        headers; no body: the component hands over no response with an error)."""
        return self._call("error-for-status")

    @error_for_status.setter
    def error_for_status(self, value: bool) -> None:
        self._call_ok("set-error-for-status", bool(value))

    @property
    def max_body_size(self) -> int:
        """The most decoded bytes a body read into memory may have (default 256 MiB). Past it,
        a plain body raises `BodyTooLargeError` and a compressed one `ContentDecodingError`;
        it also caps one line of a streamed `iter_lines`. `iter_content` on a streamed
        response has no total limit.

        For a streamed response it also tells `content`, `text` and `json` how large the body
        can be: at most 32 MiB (``s.max_body_size = 32 << 20``) lets them take any streamed
        body in one fast call; above it, a streamed body without a `Content-Length`
        (compressed or chunked) is read in 1 MiB pieces, which cross some 4 times slower
        (see `requests_wasm._limits`). A body not streamed needs no such help: the
        component tells its size (`body-size`), and any body up to 32 MiB is one fast call."""
        self._max_body_size = self._call("max-body-size")
        return self._max_body_size

    @max_body_size.setter
    def max_body_size(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _U64_MAX:
            raise ValueError(f"max_body_size must be an int from 0 to 2**64-1: {value!r}")
        self._call_ok("set-max-body-size", value)
        self._max_body_size = value

    @property
    def closed(self) -> bool:
        """True once `close()` was called."""
        return self._call("closed")

    # ---- saved state and the environment -----------------------------------------------------

    def export_state(self, include_secrets: bool = False) -> str:
        """The settings and cookies as a JSON document, to restore with `import_state` or
        `Session.from_state` (what pickling a requests `Session` is used for).

        It holds the default headers, params, `max_redirects`, `trust_env`, `stream`, `verify`,
        `cert`, `proxies`, `timeout`, `base_url`, `error_for_status`, `max_body_size`, `retries`
        and every unexpired cookie with its attributes; not mounted adapters. `auth`, the
        `Authorization` / `Proxy-Authorization` headers, proxy passwords and PEM key data are
        left out unless ``include_secrets=True``: keep such a document as safe as a password.
        Nor hooks: they are Python callables (the component's ``"hooks"`` entry, which holds
        only the names this wrapper generated for them, is removed).
        """
        return _hooks.without_hooks(self._call_ok("export-state", bool(include_secrets)))

    def import_state(self, state: Union[str, bytes, Mapping[str, Any]]) -> None:
        """Replace the settings and the whole cookie jar with an exported state (a `str`, or
        the document parsed into a dict). A document without secrets keeps this session's own
        auth and credential headers. On error nothing changes: `InvalidJSONError` when it does
        not parse, `InvalidOption` when its shape or version is wrong. Hooks are not part of a
        saved state: a ``"hooks"`` entry is ignored, and the session keeps its `hooks`."""
        if isinstance(state, bytes):
            state = state.decode("utf-8")
        elif not isinstance(state, str):
            state = _json.dumps(state)
        with CALL_LOCK:
            try:
                self._call_ok("import-state", _hooks.without_hooks(state))
            finally:
                self._hooks.resync()  # give the component this session's names again
                self._max_body_size = self._call("max-body-size")

    @classmethod
    def from_state(cls, state: Union[str, bytes, Mapping[str, Any]],
                   component_path: Optional[Union[str, os.PathLike]] = None, *,
                   env: Optional[Mapping[str, str]] = None,
                   transport: Any = None) -> "Session":
        """A new `Session` (arguments as for `Session()`) with `import_state(state)` applied."""
        session = cls(component_path, env=env, transport=transport)
        try:
            session.import_state(state)
        except BaseException:
            session.close()
            raise
        return session

    def merge_environment_settings(self, url: str, proxies: Any = None,
                                   stream: Optional[bool] = None, verify: Any = None,
                                   cert: Any = None) -> Dict[str, Any]:
        """The settings a request to `url` would be sent with, once these arguments, the
        session's settings and (with `trust_env`) the environment are merged (the component's
        `merge-environment-settings`, the function it sends every request with): requests'
        dict ``{"proxies", "stream", "verify", "cert"}``, where `verify` is the CA bundle path
        from ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE`` when verification is on and one is
        set. Two keys more: ``proxy``, the proxy URL the request would go through (without
        userinfo) or None, and ``netrc_auth``, true when netrc credentials would be added (read
        here, `_netrc_auth`: the component has no file system to read `.netrc` from).
        The environment is the one the session was made with (`env=`), but for the CA bundle,
        read from `os.environ` now when the session was made without `env=` (`_env_verify`)."""
        verify = self._env_verify(verify)
        merged = self._call_ok("merge-environment-settings", url,
                               _send_options(stream=stream, verify=verify, cert=cert,
                                             proxies=proxies))
        return {"proxies": RedactedDict(field(merged, "proxies")),
                "proxy": field(merged, "proxy"),
                "stream": field(merged, "stream"),
                "verify": _verify_from_wit(field(merged, "verify")),
                "cert": _cert_from_wit(field(merged, "cert")),
                "netrc_auth": bool(field(merged, "netrc_auth")) or
                self._netrc_auth(url) is not None}

    def _env_verify(self, verify: Any) -> Any:
        """`verify` for a request, with the CA bundle `os.environ` names *now*, as requests
        reads it for each request: the component was given the environment when the session
        was made, so when ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE`` changed since, a bundle
        now named is passed as the request's `verify` (when `verify` is None or True, the
        session's is True and `trust_env` is on). Only for a session made without `env=`
        (whose environment is `os.environ`); a bundle removed since stays in effect (the
        component cannot forget its environment), as with `env=`."""
        if not self._reads_os_environ or verify not in (None, True):
            return verify
        bundle = _ca_bundle(os.environ)
        if bundle is None or bundle == self._env_bundle or not self._handle.alive:
            return verify
        if not self.trust_env or self.verify is not True:
            return verify
        return bundle

    # ---- requests --------------------------------------------------------------------------

    def _response(self, resource: Any, stream: Optional[bool] = None) -> Response:
        """The response of a call, with the body its Python adapter kept taken from the
        component (`_adopt_kept`): read now unless the request was streamed (`stream`: the
        request's own setting, None for the session's)."""
        response = Response._wrap(self._instance, resource, max_body_size=self._max_body_size)
        response._stream_arg = stream
        for name, value in _hooks.take_hook_attributes(self._hooks.prefix).items():
            if not hasattr(Response, name):
                setattr(response, name, value)
        if _host_adapters.any_kept():  # (else no body was kept: nothing to ask)
            response._adopt_kept(self.stream if stream is None else bool(stream))
        return response

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        """Send a request (keyword arguments as in `requests.Session.request`).

        `files` makes a `multipart/form-data` body as requests does (see `_multipart_body`), with
        `data` as its fields. `data` given as a file-like object or an iterator of chunks is a
        streaming upload (see `_upload`). Differences: ``auth=False`` sends without auth even
        when the session has some; ``timeout=(None, None)`` means no limit (``None`` inherits
        the session's); a relative `url` is resolved against `base_url`. `hooks` is
        ``{"request": f | [f, ...], "response": ...}``: for each event given, these run instead
        of the session's (see `Session.hooks`).

        Large bodies (see `requests_wasm._limits` and `options._body_plan`): a text body of
        any size goes whole, and is replayed on a 307/308 redirect or a Digest challenge as
        requests does; a binary body over 1 MiB is sent as a streaming upload, in pieces, and
        so only once. Hooks change nothing here: they are shown bodies up to 1 MiB, and a
        larger request or response body reaches them as None and stays as it is.
        """
        return self._dispatch(method, None, url, kwargs)

    def _method(self, name: str, url: str, kwargs: Dict[str, Any]) -> Response:
        return self._dispatch(name.upper(), name, url, kwargs)

    def _dispatch(self, method: str, verb: Optional[str], url: str,
                  kwargs: Dict[str, Any]) -> Response:
        """A request through the component's `request` (`verb` None) or verb function, or as a
        streaming upload when its body must go in pieces."""
        if isinstance(method, bytes):
            method = method.decode("latin-1")
        if isinstance(kwargs.get("cookies"), http.cookiejar.CookieJar):
            kwargs = dict(kwargs, cookies=_jar_pairs(kwargs["cookies"], self._absolute(url)))
        _check_proxies(kwargs.get("proxies"))
        if kwargs.get("auth") is None:
            netrc_auth = self._netrc_auth(url)
            if netrc_auth is not None:
                kwargs = dict(kwargs, auth=netrc_auth)
        kwargs = self._with_custom_auth(kwargs)
        if self._redirects_overridden() and \
                kwargs.get("allow_redirects", verb != "head") is not False:
            return self._follow_in_python(method, verb, url, kwargs)
        with _hooks.send_kwargs(self._hooks.prefix, kwargs):
            response = self._jar_synced(lambda: self._dispatch_now(method, verb, url, kwargs))
        response._given_bytes = _bytes_values(kwargs.get("headers"))
        return response

    def _absolute(self, url: str) -> Optional[str]:
        """`url` as the request goes to it: a relative one resolved against `base_url` by the
        component (which owns that rule), None when there is no base to resolve it against."""
        if urllib.parse.urlsplit(str(url)).scheme:
            return url
        if self.base_url is None:
            return None
        prepared = _BoundPreparedRequest(Handle(self._instance, self._call_ok(
            "prepare-request", "GET", url, _request_options())))
        try:
            return prepared.url
        finally:
            prepared.close()

    def _redirects_overridden(self) -> bool:
        """Whether a subclass overrides `get_redirect_target` or `resolve_redirects` (as
        requests' tests do to follow malformed redirects): its requests' redirects are then
        followed by them, in Python (`_follow_in_python`)."""
        cls = type(self)
        return cls is not Session and (
            cls.get_redirect_target is not Session.get_redirect_target
            or cls.resolve_redirects is not Session.resolve_redirects)

    def _follow_in_python(self, method: str, verb: Optional[str], url: str,
                          kwargs: Dict[str, Any]) -> Response:
        """A request whose redirects a subclass's `resolve_redirects` / `get_redirect_target`
        follow, as requests' `send` does: sent with ``allow_redirects=False``, then each hop
        from `resolve_redirects`; the last response comes back with the others as its
        `history`."""
        first = self._dispatch(method, verb, url, dict(kwargs, allow_redirects=False))
        send_kwargs = {name: kwargs.get(name) for name in ("timeout", "verify", "cert",
                                                           "proxies")}
        hops = list(self.resolve_redirects(first, first.request,
                                           stream=bool(kwargs.get("stream")), **send_kwargs))
        if not hops:
            return first
        history = [first, *hops[:-1]]
        last = hops[-1]
        last.history = history
        return last

    def _netrc_auth(self, url: str) -> Optional[Tuple[str, str]]:
        """requests' netrc credentials for a request that gives no auth, when the session has
        none and `trust_env` is on: the login and password of `url`'s host in ``$NETRC``,
        else ``$HOME/.netrc`` or ``$HOME/_netrc``, read here (the component has no file
        system), for each request as requests reads it. ``$NETRC`` and ``$HOME`` are those of
        the session's environment (`env=`: none, no netrc), else of `os.environ`. Sent as the request's Basic auth, so the
        component drops it on a redirect to another host."""
        path = _netrc_path(self._netrc_env)
        if path is None or self._custom_auth is not None:
            return None
        host = urllib.parse.urlsplit(str(url)).hostname
        if not host:
            return None
        try:
            found = netrc.netrc(path).authenticators(host)
        except (netrc.NetrcParseError, OSError):
            return None
        if not found or not self.trust_env or self._call("auth") is not None:
            return None
        return (found[0] or found[1] or "", found[2] or "")

    def _with_custom_auth(self, kwargs: Dict[str, Any]) -> Dict[str, Any]:
        """`kwargs` with a custom auth callable (the request's `auth`, else the session's when
        the request gives none) turned into a request hook run first (`_AuthHook`),
        and the component's auth off."""
        auth = kwargs.get("auth")
        if _is_custom_auth(auth):
            pass
        elif auth is None and self._custom_auth is not None:
            auth = self._custom_auth
        else:
            return kwargs
        # (auth=False: the component's is off, and the session's callable is not added again
        # when these kwargs are dispatched again, as `_follow_in_python` does)
        kwargs = dict(kwargs, auth=False)
        own = _hooks.normalize_hooks(kwargs.get("hooks"), "hooks")
        session = _hooks.normalize_hooks(self.hooks, "Session.hooks")
        own["request"] = [_AuthHook(auth)] + (own["request"] or session["request"])
        return dict(kwargs, hooks=own)

    def _dispatch_now(self, method: str, verb: Optional[str], url: str,
                      kwargs: Dict[str, Any]) -> Response:
        kwargs = dict(kwargs)
        if self._reads_os_environ:
            kwargs["verify"] = self._env_verify(kwargs.get("verify"))
        if _is_stream(kwargs.get("data")):
            replayable = _options._replayable(kwargs["data"])
            if replayable is None:
                return self._upload(method, url, kwargs)
            kwargs["data"] = replayable
        hooks = kwargs.pop("hooks", None)
        plan = _body_plan(kwargs.get("data"), kwargs.get("files"))
        if plan is not None:
            if plan[0] == "stream":
                return self._upload(method, url, dict(self._with_body(kwargs, plan), hooks=hooks))
            kwargs = self._with_body(kwargs, plan)
        options = _request_options(**kwargs)
        head = (verb, url) if verb else ("request", method, url)
        resource, _ = self._hooked(hooks, self._call_ok,
                                   lambda names: (*head, with_hooks(options, names)))
        return self._response(resource, kwargs.get("stream"))

    def _with_body(self, kwargs: Dict[str, Any], plan: BodyPlan) -> Dict[str, Any]:
        """`kwargs` with the body `_body_plan` made in place of `data`, `json` and `files`: a
        stream becomes a file-like `data` (for `_upload`), and its `Content-Type` is added
        unless the request or the session names one (requests' `prepare_body`)."""
        kind, body, content_type = plan
        kwargs = dict(kwargs)
        if kind == "parts":
            kwargs.update(files=body, data=None)
            return kwargs
        kwargs.update(data=io.BytesIO(body) if kind == "stream" else body, json=None, files=None)
        if content_type is not None:
            headers = list(_items(kwargs.get("headers") or {}))
            given = [v for k, v in headers if str(k).lower() == "content-type"]
            if not any(v is not None for v in given) and (given or "content-type" not in
                                                          self.headers):
                headers = [(k, v) for k, v in headers if str(k).lower() != "content-type"]
                headers.append(("Content-Type", content_type))
            kwargs["headers"] = headers
        return kwargs

    def _upload(self, method: str, url: str, kwargs: Dict[str, Any]) -> Response:
        """A streaming upload, requests' ``data=<file or iterator>``: the head goes out with
        `session.start-request`, each chunk with `body-writer.write`, and `body-writer.finish`
        ends the body and gives the response, so the body is never held whole, here or in the
        component.

        Framing is requests': ``Content-Length`` when the size is known (a binary file-like
        object's remaining bytes, from `seek`/`tell` or `os.fstat`; else a ``Content-Length``
        header the caller gave), otherwise ``Transfer-Encoding: chunked``. Writing more or
        fewer bytes than announced raises `InvalidOption`; `json=` is ignored, as requests
        ignores it next to a non-empty `data`; with `files=` it raises `NotImplementedError`,
        as in requests. An exception from the iterator (or a failed write) abandons the
        request, which the server sees cut short, and is raised here.

        The body is sent once: a 303 (or 301/302 to a POST) is followed with a GET as usual,
        but a 307/308 or a Digest challenge is returned as the response, with no retries. A
        server that answers before the body is all sent (a 413, a redirect) has that answer
        returned; the rest of the iterator is still consumed and discarded.

        Cost: through a Python adapter (the default transport, urllib3), the body never
        enters the component: the adapter's upload is handed over (`body-writer.host-upload`)
        and given the body as it is (`bytes`, or the chunks as they come), so it moves as fast
        as urllib3 sends it. Through any other adapter (wasi:http) each chunk crosses as a
        Latin-1 string (`body-writer.write-latin1`, one copy); chunks larger than
        `UPLOAD_CHUNK_SIZE` (64 KiB) are cut, smaller ones are sent as they come (each is one
        call into the component, and one HTTP chunk when chunked).

        Request hooks run before the head is sent, and see ``body=None`` (they may not give a
        body, or a response); response hooks run when the body is finished (they see the
        response body up to 1 MiB, a larger one as None).
        """
        kwargs = dict(kwargs)
        data = kwargs.pop("data")
        kwargs.pop("json", None)
        hooks = kwargs.pop("hooks", None)
        if kwargs.get("files"):
            raise NotImplementedError("Streamed bodies and files are mutually exclusive.")
        headers, announced = _announced_length(kwargs.pop("headers", None))
        length = _stream_length(data)
        if length is None:
            length = announced
        options = _request_options(headers=headers, **kwargs)
        resource, scope = self._hooked(
            hooks, self._call_ok,
            lambda names: ("start-request", method, url, with_hooks(options, names), length),
            kind="upload", keep=True)
        writer = Handle(self._instance, resource)
        direct: Optional[_CountedBody] = None
        try:
            try:
                # A Python adapter takes the body as it is (`host-upload`): no copy through
                # the component. Any other adapter is written to in pieces.
                handed = writer.call(SESSION, "[method]body-writer.host-upload")
                if handed is not None:
                    direct = _CountedBody(data, length)
                    if _host_adapters.upload_directly(handed, direct.body()):
                        direct.handed()
                    else:
                        direct = None
                if direct is None:
                    for chunk in _stream_chunks(data):
                        # through `run`: a Python adapter's failure becomes the error's `__cause__`
                        # (as a string of one code point per byte: lowered in one copy)
                        self._hooks.run(writer.call_ok, SESSION,
                                        "[method]body-writer.write-latin1",
                                        chunk.decode("latin-1"))
            except BaseException:
                writer.drop()        # the guest abandons the request (its body is never ended)
                raise
            try:
                resource, _ = self._hooked(None, self._instance.call_ok,
                                           lambda names: (SESSION, "[static]body-writer.finish",
                                                          writer.take()))
            except BaseException:
                if direct is not None and direct.error is not None:
                    raise direct.error from None   # the body's own failure, as when written here
                raise
        finally:
            _hooks.release(scope)
        response = self._response(resource, kwargs.get("stream"))
        if length is None:  # sent chunked (by the adapter), which the record leaves out
            response._framing = ("Transfer-Encoding", "chunked")
        return response

    def get(self, url: str, params: Any = None, **kwargs: Any) -> Response:
        return self._method("get", url, dict(kwargs, params=params))

    def head(self, url: str, **kwargs: Any) -> Response:
        """HEAD, through the component's `head` (which does not follow redirects unless
        ``allow_redirects=True``)."""
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
        """Merge a `Request` with the session's settings without sending it. As in requests, the
        prepared request keeps the hooks it was prepared with (`Request.hooks`, else the
        session's at this moment), whenever it is sent; they stay registered until it is
        closed or collected.

        The body is held whole by the prepared request (it can be sent again): a large text
        or multipart body that is UTF-8 goes as one `string`; a binary one as a `list<u8>`,
        at some 64 bytes of memory per byte while it is handed over (stream large binary
        bodies with `Session.request` instead). A streamed body (a file or an iterator, as
        `Session.request` streams them) stays one: the prepared request is then plain data
        (`_prepare_streamed`), sent once, as requests sends it."""
        if _is_stream(request.data) and not request.files:
            return self._prepare_streamed(request)
        auth = request.auth
        if auth is None:
            auth = self._netrc_auth(request.url)
        custom = self._with_custom_auth({"auth": auth, "hooks": request.hooks})
        request = dataclasses.replace(request, auth=custom["auth"], hooks=custom["hooks"])
        kwargs = dict(data=request.data, json=request.json, files=request.files,
                      headers=request.headers)
        plan = _body_plan(request.data, request.files)
        if plan is not None:
            if plan[0] == "stream":  # cannot be streamed: handed over whole, as bytes
                plan = ("bytes", plan[1], plan[2])
            kwargs = self._with_body(kwargs, plan)
        options = _request_options(params=request.params, cookies=request.cookies,
                                   auth=request.auth, **kwargs)
        resource, scope = self._hooked(
            request.hooks, self._call_ok,
            lambda names: ("prepare-request", request.method, request.url,
                           with_hooks(options, names)),
            kind="prepared", keep=True)
        merged = _hooks.normalize_hooks(request.hooks, "hooks")
        own = _hooks.normalize_hooks(self.hooks, "Session.hooks")
        prepared = _BoundPreparedRequest(Handle(self._instance, resource),
                                         {event: merged[event] or own[event]
                                          for event in _hooks.EVENTS})
        prepared._given_bytes = _bytes_values(request.headers)
        if scope is not None:
            prepared._release_hooks = weakref.finalize(prepared, _hooks.release, scope)
        return prepared

    def _prepare_streamed(self, request: Request) -> PreparedRequest:
        """`prepare_request` of a streamed body: the component merges the request without its
        body, and the result is a plain `PreparedRequest` whose body is the file or iterator
        given, framed as requests frames it (`Content-Length` when its size is known, else
        ``Transfer-Encoding: chunked``), with the merged hooks."""
        bound = self.prepare_request(dataclasses.replace(request, data=None, json=None))
        try:
            prepared = bound._plain()
            prepared._given_bytes = bound._given_bytes
        finally:
            bound.close()
        if prepared.headers.get("Content-Length") == "0":
            del prepared.headers["Content-Length"]
        prepared.prepare_body(request.data, None)
        return prepared

    def send(self, request: PreparedRequest, **kwargs: Any) -> Response:
        """Send a prepared request as it is (`timeout`, `allow_redirects`, `stream`, `verify`,
        `cert`, `proxies` as keywords), with the hooks it was prepared with. (A response's
        `request` made with ``hooks=`` of its own no longer has them: sending it again raises
        `HookError`; prepare the request again instead.)

        A body of any size goes with hooks set: they are shown it only up to 1 MiB (a larger
        one reaches them as ``body=None`` and is sent as it is).

        A `PreparedRequest` of plain data (`Request.prepare()`, unpickled, or prepared by
        another session) is sent as it is too (`_send_plain`); a `Request` raises
        `ValueError`, as in requests."""
        if isinstance(request, Request):
            raise ValueError("You can only send PreparedRequests.")
        if not isinstance(request, _BoundPreparedRequest) or \
                request._handle.instance is not self._instance:
            return self._send_plain(request, kwargs)
        kwargs = dict(kwargs, verify=self._env_verify(kwargs.get("verify")))
        options = _send_options(**kwargs)
        for hook in request.hooks.get("request", ()):
            if isinstance(hook, _AuthHook):
                hook.reset()        # (sent anew: the first request is this one)

        def send() -> Response:
            resource, _ = self._hooked(None, self._call_ok,
                                       lambda names: ("send", request._handle.resource, options))
            return self._response(resource, kwargs.get("stream"))

        _check_proxies(kwargs.get("proxies"))
        with _hooks.send_kwargs(self._hooks.prefix, kwargs):
            return self._jar_synced(send)

    def _send_plain(self, request: PreparedRequest, kwargs: Dict[str, Any]) -> Response:
        """Send a `PreparedRequest` of plain data (`Request.prepare()`, unpickled, or held by
        another session's component) as it is: a request whose options override every default
        of this session (each default header and param not in it removed, auth off, unless it
        holds `HTTPDigestAuth` for the component to answer a 401 with), with its own hooks. The
        component still merges the environment settings and the `kwargs` (`timeout`,
        `allow_redirects`, `stream`, `verify`, `cert`, `proxies`), adds the jar's cookies when
        it has no `Cookie` header, and follows redirects."""
        if isinstance(request, _BoundPreparedRequest):
            request = request._plain()
        if request.method is None or request.url is None:
            raise ValueError("the PreparedRequest has no method or URL: prepare it first")
        headers = list((request.headers or {}).items())
        given = {str(name).lower() for name, _ in headers}
        headers += [(name, None) for name in self.headers if name.lower() not in given]
        params = [(name, None) for name in self.params]
        auth = request._auth if request._auth is not None else False
        response = self._dispatch(request.method, None, request.url,
                                  dict(kwargs, data=request.body, headers=headers, params=params,
                                       auth=auth, hooks=request.hooks))
        response._sent_cookies = request._cookies
        return response

    # ---- redirects by hand (requests' SessionRedirectMixin) ----------------------------------

    def get_redirect_target(self, resp: Any) -> Optional[str]:
        """The `Location` of a redirect response (a 301, 302, 303, 307 or 308 with one), else
        None, as requests' `get_redirect_target`; for `resolve_redirects`. (The session's own
        requests follow redirects in the component, which does not call it: overriding it
        changes only `resolve_redirects`.) A Location sent as UTF-8 bytes is read as UTF-8."""
        if resp.status_code not in _REDIRECT_STATUSES or "location" not in resp.headers:
            return None
        location = resp.headers["location"]
        try:
            return location.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return location

    def resolve_redirects(self, resp: Any, req: Any, stream: Any = False, timeout: Any = None,
                          verify: Any = True, cert: Any = None, proxies: Any = None,
                          yield_requests: bool = False, **adapter_kwargs: Any) -> Iterator[Any]:
        """requests' `SessionRedirectMixin.resolve_redirects`: follow the redirects of `resp`
        (the response to `req`) by hand, one hop per item: each next request is a copy of the
        last as a plain `PreparedRequest` (`copy`) with the new URL (relative ones resolved
        against `resp.url`, the fragment carried over, its userinfo dropped), the method
        browsers use (a 303, or a 302 not to a HEAD, becomes GET; a 301 POST too), the body
        and its headers dropped unless it is a 307/308, `Authorization` (and
        `HTTPDigestAuth`) dropped when the host changes (netrc's applied again),
        `Proxy-Authorization` dropped, and its cookies: the request's jar with the response's
        and the session's merged in. It is sent with `send(..., allow_redirects=False)`, or
        yielded unsent with `yield_requests`. `TooManyRedirects` past `max_redirects`.

        A session's own requests do not go through this: the component follows their
        redirects. Its rules are the component's (`src/redirect.rs`: `next_url`,
        `next_method`, `drops_body`, `rewrite_headers`, `should_strip_auth`), copied here
        (`_rebuild_method`, `_strips_auth`) because the WIT exposes none of them and this
        runs between the component's calls, on plain Python data; a change to one must be
        made to both. This is the API for following redirects by hand
        (``allow_redirects=False``, then this generator), and the one a subclass overriding
        it or `get_redirect_target` has its requests' redirects followed by
        (`_follow_in_python`)."""
        history: List[Any] = []
        url = self.get_redirect_target(resp)
        fragment = urllib.parse.urlsplit(req.url).fragment
        while url:
            prepared = req.copy()
            history.append(resp)
            resp.history = history[1:]
            try:
                resp.content  # read it, as requests does to free the connection
            except (RequestException, RuntimeError):
                pass
            if len(resp.history) >= self.max_redirects:
                raise TooManyRedirects(f"Exceeded {self.max_redirects} redirects.",
                                       response=resp, request=req)
            resp_url, status = resp.url, resp.status_code
            set_cookies = getattr(getattr(resp, "cookies", None), "list", lambda: [])()
            resp.close()
            if url.startswith("//"):
                url = f"{urllib.parse.urlsplit(resp_url).scheme}:{url}"
            parsed = urllib.parse.urlsplit(url)
            if not parsed.fragment and fragment:
                parsed = parsed._replace(fragment=fragment)
            elif parsed.fragment:
                fragment = parsed.fragment
            if "@" in parsed.netloc:   # never credentials: dropped, as the component's hops do
                parsed = parsed._replace(netloc=parsed.netloc.rpartition("@")[2])
            url = parsed.geturl()
            if not parsed.netloc:
                url = urllib.parse.urljoin(resp_url, url)
            old_url, prepared.url = prepared.url, url
            _rebuild_method(prepared, status)
            headers = prepared.headers
            if status not in (307, 308):
                for name in ("Content-Length", "Content-Type", "Transfer-Encoding"):
                    headers.pop(name, None)
                prepared.body = None
            headers.pop("Cookie", None)
            prepared.prepare_cookies(self._redirect_jar(prepared, set_cookies))
            # requests' `rebuild_proxies`: a hop never carries `Proxy-Authorization` (the
            # adapter makes it again from the proxy URL the hop goes through)
            headers.pop("Proxy-Authorization", None)
            if _strips_auth(old_url, url):     # requests' `rebuild_auth`
                headers.pop("Authorization", None)
                prepared._auth = None          # (`HTTPDigestAuth`: not answered for that host)
            netrc_auth = self._netrc_auth(url)
            if netrc_auth is not None:
                prepared.prepare_auth(netrc_auth)
            body, position = prepared.body, prepared._body_position
            if position is not None and hasattr(body, "seek"):
                body.seek(position)
            req = prepared
            if yield_requests:
                yield req
                continue
            resp = self.send(req, stream=stream, timeout=timeout, verify=verify, cert=cert,
                             proxies=proxies, allow_redirects=False, **adapter_kwargs)
            url = self.get_redirect_target(resp)
            yield resp

    def _redirect_jar(self, prepared: PreparedRequest,
                      set_cookies: List[Cookie]) -> http.cookiejar.CookieJar:
        """The next hop's cookies (requests' `resolve_redirects`): a copy of the request's jar
        (its class kept), with the cookies the response set and then the session's not in it
        yet."""
        old = prepared._cookies
        if isinstance(old, http.cookiejar.CookieJar):
            jar = copy.copy(old)
            jar.clear()  # (a new dict: `old` keeps its cookies)
            for cookie in old:
                jar.set_cookie(copy.copy(cookie))
        else:
            jar = http.cookiejar.CookieJar()
        have = {(c.name, c.domain, c.path) for c in jar}
        for c in set_cookies:
            jar.set_cookie(_jar_cookie(c))
            have.add((c.name, c.domain, c.path))
        session = self.cookies
        for c in (session.list() if isinstance(session, SessionCookies) else list(session)):
            cookie = c if isinstance(c, http.cookiejar.Cookie) else _jar_cookie(c)
            if (cookie.name, cookie.domain, cookie.path) not in have:
                jar.set_cookie(copy.copy(cookie))
        return jar

    # ---- transport -------------------------------------------------------------------------

    def mount(self, prefix: str, adapter: Any) -> None:
        """Use `adapter` for URLs starting with `prefix` (case-insensitive; the longest prefix
        wins), as requests' `mount`. `adapter` is an `Adapter` (`Adapter.http(...)`,
        `Adapter.scripted(...)`), or a Python adapter: any object with
        ``send(request, settings)`` (`requests_wasm.BaseAdapter`; see `_host_adapters` for the
        contract), which the component calls for every request through it, while the session
        does the rest (cookies, redirects, auth, retries, decoding, hooks). A Python adapter
        needs the build for world `client-with-host` (else `UnsupportedError`); its `close()`
        is called when the session closes. A requests-style adapter (requests' own
        `HTTPAdapter(...)`, whose `send` takes `stream`, `proxies`...) is mounted through a
        `RequestsAdapter`, its `max_retries` becoming the mounted adapter's retry policy."""
        registered = None
        if isinstance(adapter, Adapter):
            self._call_ok("mount", prefix, self._bind(adapter))
        else:
            given = adapter
            if is_requests_adapter(adapter):
                # one bridge per adapter: it took the adapter's `max_retries` (and left it
                # none), so a second mount (requests' http:// and https://) keeps the policy
                adapter = next((a for a in self._python_adapters
                                if isinstance(a, RequestsAdapter) and a.adapter is given),
                               None) or RequestsAdapter(adapter)
            handle = self._host_adapter(adapter)
            try:
                if isinstance(adapter, RequestsAdapter) and adapter.retry_policy is not None:
                    handle.call_ok(TYPES, "[method]adapter.set-retries",
                                   adapter.retry_policy._to_wit(self._instance))
                self._call_ok("mount", prefix, handle.resource)
            finally:
                handle.drop()  # the session keeps the adapter it mounted
            self._keep_python_adapter(adapter)
            registered, adapter = adapter, given
        self.adapters[prefix] = adapter
        self._mounted[prefix] = registered
        self._forget_unmounted()

    def _bind(self, adapter: Adapter) -> Any:
        """The component's resource of an `Adapter` to mount."""
        if adapter.kind == "host":
            self._may_forget = False
        return adapter._bind(self._instance).resource

    def _host_adapter(self, adapter: Any) -> Handle:
        """The component's `adapter.host` for a Python adapter, registered here by name (the
        name it has already when it was mounted here before)."""
        name = next((n for n in self._host_adapter_names
                     if _host_adapters.registered(n) is adapter), None)
        if name is None:
            name = _host_adapters.register(self._hooks.prefix, adapter)
            self._host_adapter_names.append(name)
        return Handle(self._instance, self._instance.call_ok(TYPES, "[static]adapter.host", name))

    def _forget_unmounted(self) -> None:
        """Unregister the Python adapters no prefix is mounted with any more (a mount replaced
        them), so that mounting again and again does not grow the registry. (They are still
        closed with the session, as every adapter it mounted.)"""
        if not self._may_forget:
            return
        mounted = [a for a in self._mounted.values() if a is not None]
        for name in list(self._host_adapter_names):
            if all(_host_adapters.registered(name) is not a for a in mounted):
                _host_adapters.unregister(name)
                self._host_adapter_names.remove(name)

    def _keep_python_adapter(self, adapter: Any) -> None:
        if all(a is not adapter for a in self._python_adapters):
            self._python_adapters.append(adapter)

    def get_adapter(self, url: str) -> Adapter:
        """The adapter for `url` (`InvalidSchema` if no prefix matches), as an `Adapter`: its
        `kind` is ``"wasi-http"``, ``"scripted"`` or ``"host"`` (a Python adapter)."""
        return Adapter._from_handle(Handle(self._instance, self._call_ok("get-adapter", url)))

    def close(self) -> None:
        """Close the session and its adapters (a Python adapter's `close()` is called); later
        requests and setters raise `SessionClosed` (settings stay readable). Its hooks are
        unregistered (by a hook of its own: once the request running it returns)."""
        with CALL_LOCK:
            if self._handle.alive:
                self._call("close")
            self._hooks.close()
            adapters, self._python_adapters = self._python_adapters, []
            if not self._hooks.running:
                _forget_adapters(self._host_adapter_names)
        for adapter in adapters:
            close = getattr(adapter, "close", None)
            if callable(close):
                close()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return "<requests_wasm.Session>"

    def __reduce__(self) -> Any:
        """Pickled as saved state (`export_state(include_secrets=True)`: settings, auth and
        cookies), its hooks and its custom auth (pickled as they are), and its transport when
        that is a name; unpickled into a new session (a new component instance). Mounted
        adapters other than the transport are not kept."""
        transport = self.transport if isinstance(self.transport, str) else None
        return (_unpickle_session, (self.export_state(include_secrets=True),
                                    dict(self.hooks), self._custom_auth, transport))


#: The redirect statuses (requests' `REDIRECT_STATI`).
_REDIRECT_STATUSES = (301, 302, 303, 307, 308)


def _jar_cookie(c: Cookie) -> http.cookiejar.Cookie:
    """A cookie of the component's jar (`Cookie`) as an `http.cookiejar.Cookie`."""
    return plain_cookie(c.name, c.value, c.domain, c.path, c.secure, c.expires, c.host_only,
                        c.http_only)


def _rebuild_method(prepared: PreparedRequest, status: int) -> None:
    """requests' `rebuild_method`: the method browsers use after a redirect."""
    method = prepared.method
    if (status == 303 and method != "HEAD") or (status == 302 and method != "HEAD") or \
            (status == 301 and method == "POST"):
        prepared.method = "GET"


def _strips_auth(old_url: str, new_url: str) -> bool:
    """requests' `should_strip_auth`: whether credentials must not follow a redirect from
    `old_url` to `new_url` (another host; a scheme or port change, but for http -> https on
    the default ports)."""
    old, new = urllib.parse.urlsplit(old_url), urllib.parse.urlsplit(new_url)
    if old.hostname != new.hostname:
        return True
    defaults = {"http": 80, "https": 443}
    if old.scheme == "http" and old.port in (80, None) and new.scheme == "https" and \
            new.port in (443, None):
        return False
    changed_port = (old.port or defaults.get(old.scheme)) != (new.port or defaults.get(new.scheme))
    return changed_port or old.scheme != new.scheme


def _netrc_path(environ: Mapping[str, str]) -> Optional[str]:
    """The netrc file requests would read in `environ`: ``$NETRC``, else ``.netrc`` or
    ``_netrc`` in ``$HOME`` (in the user's home directory when `environ` is `os.environ`
    without ``$HOME``, as `os.path.expanduser` finds it), if it exists (the candidates are
    worked out once per ``$NETRC`` and ``$HOME``: each request costs only the `stat`s)."""
    key = (environ.get("NETRC"), environ.get("HOME"), environ is os.environ)
    candidates = _NETRC_CANDIDATES.get(key)
    if candidates is None:
        if key[0]:
            candidates = (os.path.expanduser(key[0]),)
        elif key[1]:
            candidates = tuple(os.path.join(key[1], n) for n in (".netrc", "_netrc"))
        elif environ is os.environ:
            try:
                candidates = tuple(os.path.expanduser(n) for n in ("~/.netrc", "~/_netrc"))
            except KeyError:  # no home directory
                candidates = ()
        else:
            candidates = ()
        _NETRC_CANDIDATES.clear()
        _NETRC_CANDIDATES[key] = candidates
    for path in candidates:
        if os.access(path, os.F_OK):  # (`os.path.exists` raises and catches when it is not)
            return path
    return None


#: ($NETRC, $HOME, whether from os.environ) -> the netrc files to look for (see
#: `_netrc_path`); only the last key is kept.
_NETRC_CANDIDATES: Dict[Tuple[Optional[str], Optional[str], bool], Tuple[str, ...]] = {}


def _bytes_values(headers: Any) -> Dict[str, bytes]:
    """The header values given as `bytes`, by lower-case name (`Response._given_bytes`)."""
    if not headers:
        return {}
    return {(n.decode("latin-1") if isinstance(n, bytes) else str(n)).lower(): bytes(v)
            for n, v in _items(headers) if isinstance(v, bytes)}


def _is_custom_auth(auth: Any) -> bool:
    """Whether `auth` is a callable of the user's (requests' `AuthBase`), not one of the
    forms the component applies (a pair, `HTTPBasicAuth`, `HTTPDigestAuth`, `BearerAuth`)."""
    return callable(auth) and not isinstance(auth, (tuple, list, HTTPBasicAuth, HTTPDigestAuth,
                                                    BearerAuth))


class _AuthHook:
    """A request hook applying requests' `AuthBase` callable `auth`: it is given the request
    about to be sent as a `PreparedRequest` (method, url, headers, body), and what it gives
    back (or changed in place) is sent. As a hook it sees a body over 1 MiB as None (`hooks`)
    and cannot register hooks of its own on the request.

    requests applies the callable once, to the first request, and a redirect keeps its
    headers but for `Authorization`, dropped when the host changes (`should_strip_auth`). A
    hook runs again on every redirect hop, Digest retry and retry: it applies the callable
    only to a request to where the first one went (or where requests would keep its
    credentials, `_strips_auth`), and leaves a hop to another host as the component made it
    (which carries the headers but `Authorization`, as requests). `reset` forgets the first
    request (`Session.send` of a prepared request sends it anew)."""

    __slots__ = ("auth", "origin")

    def __init__(self, auth: Any) -> None:
        self.auth = auth
        #: The URL of the first request it was applied to (None: none yet).
        self.origin: Optional[str] = None

    def reset(self) -> None:
        self.origin = None

    def __call__(self, request: Any) -> None:
        if self.origin is None:
            self.origin = request.url
        elif _strips_auth(self.origin, request.url):
            return                  # another host: its credentials are not for it
        prepared = PreparedRequest()
        prepared.method, prepared.url, prepared.body = request.method, request.url, request.body
        prepared.headers = CaseInsensitiveDict(request.headers.pairs())
        result = self.auth(prepared)
        if result is None:
            result = prepared
        request.method, request.url = result.method, result.url
        request.headers = MutableHeaders(list((result.headers or {}).items()))
        request.body = result.body


def _check_proxies(proxies: Any) -> None:
    """requests' check of a proxy URL: one without a host raises `InvalidProxyURL` (before
    anything is sent). Every proxy given is checked, not only the one the URL would use."""
    if not proxies:
        return
    for value in (proxies.values() if isinstance(proxies, Mapping) else
                  (v for _, v in proxies)):
        if value is None:
            continue
        if not urllib.parse.urlsplit(str(value)).hostname:
            raise InvalidProxyURL("Please check proxy URL. It is malformed and could be "
                                  f"missing the host: {redact_url(str(value))}")


def _jar_pairs(jar: http.cookiejar.CookieJar, url: Optional[str]) -> List[Tuple[str, str]]:
    """The cookies of an `http.cookiejar.CookieJar` given as ``cookies=``, as pairs: those the
    standard library's policy sends to `url` (the request's absolute URL; none without one:
    the request then fails for its URL)."""
    try:
        probe = urllib.request.Request(url or "")
    except ValueError:
        return []
    jar.add_cookie_header(probe)
    header = probe.get_header("Cookie") or ""
    pairs = []
    for item in header.split("; "):
        name, sep, value = item.partition("=")
        if sep:
            pairs.append((name, value))
    return pairs


def _ca_bundle(env: Mapping[str, str]) -> Optional[str]:
    """The CA bundle an environment names, as requests reads it."""
    return env.get("REQUESTS_CA_BUNDLE") or env.get("CURL_CA_BUNDLE") or None


def _forget_adapters(names: List[str]) -> None:
    while names:
        _host_adapters.unregister(names.pop())


def _forget(prefix: str, adapter_names: List[str]) -> None:
    """A session collected without `close()`: unregister its hooks and Python adapters."""
    _hooks.forget_session(prefix)
    _forget_adapters(adapter_names)


def _unpickle_session(state: str, hooks: Any, custom_auth: Any, transport: Any) -> Session:
    s = Session.from_state(state, transport=transport)
    s.hooks = hooks
    if custom_auth is not None:
        s.auth = custom_auth
    return s


def session(**kwargs: Any) -> Session:
    """`requests.session()`: a new `Session`."""
    return Session(**kwargs)


class _CountedBody:
    """A streamed request body handed to a Python adapter whole (`body-writer.host-upload`):
    `bytes` as they are (an in-memory file's, from its position), any other body as its
    `_stream_chunks`, counted against the announced `length` (more or fewer bytes raise
    `InvalidOption`, as `body-writer.write` and `finish` would). The first failure of the
    body itself is kept in `error`: it is raised in place of the adapter's failure it caused."""

    def __init__(self, data: Any, length: Optional[int]) -> None:
        self._data = data
        self._length = length
        #: `body` gave an in-memory file's bytes whole.
        self._whole = False
        self.error: Optional[BaseException] = None

    def body(self) -> Any:
        data = self._data
        if isinstance(data, io.BytesIO):
            # (`getvalue` gives the `bytes` the file was made from, without a copy; `getbuffer`
            # would copy them, 11 ms for 10 MiB)
            at = data.tell()
            whole = data.getvalue()
            whole = whole[at:] if at else whole
            if self._length is None or len(whole) == self._length:
                self._whole = True
                return whole
        return self._chunks()

    def handed(self) -> None:
        """The adapter took the body: an in-memory file given whole is then at its end, as
        sending from it would leave it (done only now, so a body not taken is still all there;
        chunks are read from the file as they are sent)."""
        if self._whole:
            self._data.seek(0, io.SEEK_END)

    def _chunks(self) -> Iterator[bytes]:
        length = self._length
        sent = 0
        try:
            for chunk in _stream_chunks(self._data):
                sent += len(chunk)
                if length is not None and sent > length:
                    raise InvalidOption(f"the upload announced Content-Length {length}; "
                                        f"{sent} bytes is more")
                yield chunk
            if length is not None and sent != length:
                raise InvalidOption(f"the upload announced Content-Length {length} but {sent} "
                                    "bytes were written")
        except BaseException as e:
            self.error = e
            raise
