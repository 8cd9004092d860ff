"""The default transport: a Python adapter (`_host_adapters`) over urllib3, what requests uses.

A `Session` mounts one `Urllib3Adapter` on ``http://`` and ``https://`` (unless it is made with
``transport="wasi-http"``, or the component is the build for world `client`, which has no
host adapters). The component still does everything a session does (merging settings,
cookies, redirects, auth, retries, decoding `Content-Encoding`, hooks); this adapter only
sends each request it is handed and returns the response as it came, so urllib3 runs with
redirects off, retries off and no decoding.

What it brings over wasmtime-py's wasi:http: connections kept alive and pooled (one
`urllib3.PoolManager` per adapter, so per session; one `ProxyManager` per proxy URL), and the
settings wasi:http cannot honour, from `SendSettings`:

* `timeout` ``(connect, read)`` -> `urllib3.Timeout(connect=, read=)` (None: no limit);
* `verify` True (the system's roots), False (``cert_reqs="CERT_NONE"``), a CA bundle path
  (``ca_certs``, or ``ca_cert_dir`` for a directory) or `PemData` (``ca_cert_data``);
* `cert` a path or ``(cert, key)`` paths (``cert_file``/``key_file``); `PemData` is written to
  a file of its own (mode 0600, in a private directory removed by `close`), as urllib3 loads
  client certificates from files;
* `proxy`: ``http://`` or ``https://`` proxy URLs, the userinfo sent as
  ``Proxy-Authorization: Basic`` to the proxy only (absolute-form for http URLs, a CONNECT
  tunnel for https URLs, as requests does);
* `stream`: the response is returned once its head is read; the body is read as the caller
  reads (``preload_content=False``), in the pieces the component asks for.

The TLS settings are part of urllib3's pool key, so a connection made with ``verify=False``
or a client certificate is never reused for a request with other settings. Failures map to the
failure kinds of `host-adapters` (`_failure_kind`), so the session raises what it raises for
its own adapters: `ConnectionRefused`, `NameResolutionError`, `ConnectTimeout`, `ReadTimeout`,
`SSLError`, `ProxyError`, `ConnectionError`.

Headers go out as the component gives them: urllib3 adds ``Host`` and nothing else (no
``User-Agent`` or ``Accept-Encoding`` of its own when the request has none).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import tempfile
import threading
import weakref
from typing import Any, Dict, Optional, Tuple
from urllib.parse import unquote

import urllib3
from urllib3 import exceptions as ue
from urllib3.util import SKIP_HEADER, Timeout, make_headers, parse_url

from ._host_adapters import AdapterFailure, AdapterRequest, BaseAdapter, SendSettings
from .options import PemData

__all__ = ["Urllib3Adapter"]

#: Keyword arguments of `PoolManager` that `Urllib3Adapter` passes on, as requests'
#: `HTTPAdapter(pool_connections=10, pool_maxsize=10, pool_block=False)`.
DEFAULT_POOLSIZE = 10


class Urllib3Adapter(BaseAdapter):
    """Sends requests with urllib3, over pooled keep-alive connections (see the module).

    ``Urllib3Adapter(pool_connections=10, pool_maxsize=10, pool_block=False)``: as requests'
    `HTTPAdapter`, the number of pools (origins with their TLS settings) kept, the connections
    kept per pool, and whether a request waits for a free connection rather than opening one
    more. Mount it with `Session.mount` (a `Session` mounts one by default)."""

    def __init__(self, pool_connections: int = DEFAULT_POOLSIZE,
                 pool_maxsize: int = DEFAULT_POOLSIZE, pool_block: bool = False) -> None:
        self._pool_kw = {"num_pools": pool_connections, "maxsize": pool_maxsize,
                         "block": pool_block}
        self._lock = threading.Lock()
        self._manager: Optional[urllib3.PoolManager] = None
        self._proxy_managers: Dict[str, urllib3.ProxyManager] = {}
        #: PEM text given as data (`PemData`), written to files: sha256 -> path.
        self._pem_files: Dict[str, str] = {}
        self._pem_dir: Optional[str] = None
        self._pem_cleanup: Optional[weakref.finalize] = None
        self._closed = False
        #: What a request needs that does not change between requests to the same place, so
        #: that a request does not work it out again: URL -> (scheme, host, port, target);
        #: (scheme, host, port, proxy, TLS settings) -> the pool; (connect, read) -> Timeout
        #: (`_urls` and `_timeouts` emptied when they hold `_CACHED` entries).
        #: `_pools` is emptied when it holds `pool_connections` entries: all it holds were
        #: then looked up in the manager since it was last emptied, so none of them can have
        #: been dropped from the manager's own bounded store (which drops its least recently
        #: looked up pool past `pool_connections`).
        self._urls: Dict[str, Tuple[str, str, Optional[int], str]] = {}
        self._pools: Dict[Any, Any] = {}
        self._timeouts: Dict[Any, Timeout] = {}
        #: Every pool handed out, to close with the adapter (urllib3 2 drops the pools it no
        #: longer keeps, and those `PoolManager.clear` forgets, without closing them).
        self._every_pool: "weakref.WeakSet[Any]" = weakref.WeakSet()

    # ---- managers ------------------------------------------------------------------------

    def _direct(self) -> urllib3.PoolManager:
        manager = self._manager
        if manager is None:
            with self._lock:
                if self._manager is None:
                    self._manager = urllib3.PoolManager(**self._pool_kw)
                manager = self._manager
        return manager

    def _proxied(self, proxy: str) -> Tuple[urllib3.ProxyManager, bool]:
        """The `ProxyManager` for a proxy URL (its userinfo the proxy's credentials), and
        whether requests through it go in absolute-form (an http proxy, not a tunnel)."""
        manager = self._proxy_managers.get(proxy)
        if manager is None:
            try:
                parsed = parse_url(proxy)
            except ue.LocationParseError as e:
                raise AdapterFailure("proxy", f"the proxy URL is not valid: {e}") from e
            if parsed.scheme not in ("http", "https"):
                raise AdapterFailure(
                    "unsupported", f"proxies of scheme {parsed.scheme!r} are not supported by "
                                   "the urllib3 adapter (http:// and https:// proxies are)")
            headers = {}
            if parsed.auth:
                user, _, password = parsed.auth.partition(":")
                headers = make_headers(proxy_basic_auth=f"{unquote(user)}:{unquote(password)}")
            bare = parsed._replace(auth=None).url
            with self._lock:
                manager = self._proxy_managers.get(proxy)
                if manager is None:
                    manager = urllib3.ProxyManager(bare, proxy_headers=headers, **self._pool_kw)
                    self._proxy_managers[proxy] = manager
        return manager, True

    # ---- TLS settings ------------------------------------------------------------------------

    def _pem_file(self, pem: Any) -> str:
        """A path holding `pem`: the path itself, or PEM data written to a private file."""
        if not isinstance(pem, PemData):
            return os.fspath(pem)
        data = str(pem)
        digest = hashlib.sha256(data.encode("utf-8")).hexdigest()
        path = self._pem_files.get(digest)
        if path is None:
            with self._lock:
                if self._pem_dir is None:
                    self._pem_dir = tempfile.mkdtemp(prefix="requests_wasm-pem-")  # mode 0700
                    self._pem_cleanup = weakref.finalize(self, shutil.rmtree, self._pem_dir,
                                                         True)
                path = os.path.join(self._pem_dir, digest + ".pem")
                if not os.path.exists(path):
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "w", encoding="utf-8") as f:
                        f.write(data)
                self._pem_files[digest] = path
        return path

    def _tls(self, settings: SendSettings) -> Dict[str, Any]:
        """urllib3's pool keywords for an https request with these settings (as requests'
        `HTTPAdapter.build_connection_pool_key_attributes`)."""
        verify, cert = settings.verify, settings.cert
        kw: Dict[str, Any] = {}
        if verify is False:
            kw["cert_reqs"] = "CERT_NONE"
        else:
            kw["cert_reqs"] = "CERT_REQUIRED"
            if isinstance(verify, PemData):
                kw["ca_cert_data"] = str(verify)
            elif verify is not True:
                path = os.fspath(verify)
                if os.path.isdir(path):
                    kw["ca_cert_dir"] = path
                elif os.path.exists(path):
                    kw["ca_certs"] = path
                else:
                    raise AdapterFailure("tls", "Could not find a suitable TLS CA certificate "
                                                f"bundle, invalid path: {path}")
        if cert is not None:
            cert_file, key_file = cert if isinstance(cert, tuple) else (cert, None)
            kw["cert_file"] = self._pem_file(cert_file)
            if not os.path.exists(kw["cert_file"]):
                raise AdapterFailure("tls", "Could not find the TLS certificate file, invalid "
                                            f"path: {kw['cert_file']}")
            if key_file is not None:
                kw["key_file"] = self._pem_file(key_file)
                if not os.path.exists(kw["key_file"]):
                    raise AdapterFailure("tls", "Could not find the TLS key file, invalid "
                                                f"path: {kw['key_file']}")
        return kw

    # ---- sending ---------------------------------------------------------------------------

    def _url(self, url: str) -> Tuple[str, str, Optional[int], str]:
        """(scheme, host, port, request target) of a URL."""
        parts = self._urls.get(url)
        if parts is None:
            try:
                parsed = parse_url(url)
            except ue.LocationParseError as e:
                raise AdapterFailure("invalid-url", str(e)) from e
            if parsed.scheme not in ("http", "https") or not parsed.host:
                raise AdapterFailure("invalid-url", f"the urllib3 adapter sends http and https "
                                                    f"URLs only: {url}")
            parts = (parsed.scheme, parsed.host, parsed.port, parsed.request_uri)
            if len(self._urls) >= _CACHED:
                self._urls.clear()
            self._urls[url] = parts
        return parts

    def _pool(self, scheme: str, host: str, port: Optional[int],
              settings: SendSettings) -> Tuple[Any, bool]:
        """The connection pool for a request, and whether it goes through an http proxy in
        absolute-form."""
        tls = (_key(settings.verify), _key(settings.cert)) if scheme == "https" else None
        key = (scheme, host, port, settings.proxy, tls)
        entry = self._pools.get(key)
        if entry is None or entry[0].pool is None:   # (a pool's `pool` is None once closed)
            pool_kwargs = self._tls(settings) if scheme == "https" else None
            absolute = False
            if settings.proxy:
                manager, absolute = self._proxied(settings.proxy)
                absolute = absolute and scheme == "http"
            else:
                manager = self._direct()
            if len(self._pools) >= self._pool_kw["num_pools"]:
                self._pools.clear()
            entry = (manager.connection_from_host(host, port, scheme, pool_kwargs=pool_kwargs),
                     absolute)
            self._every_pool.add(entry[0])
            self._pools[key] = entry
        return entry

    def send(self, request: AdapterRequest, settings: SendSettings) -> Any:
        if self._closed:
            raise AdapterFailure("other", "the urllib3 adapter was closed")
        scheme, host, port, target = self._url(request.url)
        timeout = self._timeouts.get(settings.timeout)
        if timeout is None:
            connect, read = settings.timeout
            if len(self._timeouts) >= _CACHED:   # (a timeout per request: a deadline's rest)
                self._timeouts.clear()
            timeout = self._timeouts[settings.timeout] = Timeout(connect=connect, read=read)
        headers = _headers(request.headers.pairs())
        try:
            pool, absolute = self._pool(scheme, host, port, settings)
            if absolute:
                target = request.url         # absolute-form, through an http proxy
            response = pool.urlopen(request.method, target, body=request.body, headers=headers,
                                    retries=False, redirect=False, assert_same_host=False,
                                    timeout=timeout, preload_content=False,
                                    decode_content=False)
            body: Any = _ResponseFile(response)
            if not settings.stream:
                remaining = response.length_remaining
                if remaining is not None and remaining <= _WHOLE:
                    # A small body of known length, read now in one call (and the
                    # connection back in the pool): no file to read it from piece by piece.
                    body = response.read(decode_content=False)
        except AdapterFailure:
            raise
        except Exception as e:  # noqa: BLE001 - mapped to a failure kind, or raised as it is
            raise _failure(e) from e
        return response.status, list(response.headers.iteritems()), body

    def close(self) -> None:
        """Close every pooled connection and remove the files written for PEM data."""
        self._closed = True
        with self._lock:
            managers = [self._manager, *self._proxy_managers.values()]
            self._manager = None
            self._proxy_managers = {}
            self._pem_files = {}
            self._pools = {}
        for manager in managers:
            if manager is not None:
                manager.clear()
        for pool in list(self._every_pool):
            pool.close()
        if self._pem_cleanup is not None:
            self._pem_cleanup()

    def __repr__(self) -> str:
        return f"<Urllib3Adapter pools={len(self._direct().pools) if self._manager else 0}>"


#: How many URLs an adapter remembers before it starts again.
_CACHED = 256
#: A body of known length up to this is read whole when the response comes (the component
#: takes the first 1 MiB with the head, the rest in pieces).
_WHOLE = 1 << 20


def _key(value: Any) -> Any:
    """A `verify` or `cert` value as a dict key that tells PEM data from a path."""
    if isinstance(value, tuple):
        return tuple(_key(v) for v in value)
    return (True, str(value)) if isinstance(value, PemData) else value


def _headers(pairs: Any) -> Any:
    """The request's headers as urllib3 takes them: a dict (an `HTTPHeaderDict` when a name
    repeats), with `User-Agent` and `Accept-Encoding` marked to skip when absent, so that
    urllib3 and http.client add nothing but `Host`."""
    names = {name.lower() for name, _ in pairs}
    if len(names) == len(pairs):
        headers: Any = dict(pairs)
    else:
        headers = urllib3.HTTPHeaderDict()
        for name, value in pairs:
            headers.add(name, value)
    if "user-agent" not in names:
        headers["User-Agent"] = SKIP_HEADER
    if "accept-encoding" not in names:
        headers["Accept-Encoding"] = SKIP_HEADER
    return headers


class _ResponseFile:
    """A response body as a binary file object for `_host_adapters`: `read` fills a piece,
    `read1` gives what has arrived (a streamed body), and urllib3's failures become failure
    kinds. Closed at its end (the connection then went back to the pool when the last byte was
    read) or when the session drops it unread (the connection is closed, as requests does)."""

    __slots__ = ("_response",)

    def __init__(self, response: Any) -> None:
        self._response = response

    def read(self, n: int = -1) -> bytes:
        try:
            return self._response.read(n, decode_content=False)
        except Exception as e:  # noqa: BLE001
            raise _failure(e) from e

    def read1(self, n: int = -1) -> bytes:
        try:
            return self._response.read1(n, decode_content=False)
        except Exception as e:  # noqa: BLE001
            raise _failure(e) from e

    def close(self) -> None:
        response = self._response
        response.close()
        response.release_conn()


def _failure_kind(error: BaseException) -> Optional[str]:
    """The `failure-kind` of a urllib3 (or http.client) exception; None for others."""
    if isinstance(error, ue.ProxyError):
        return "proxy"
    if isinstance(error, ue.NameResolutionError):
        return "dns"
    if isinstance(error, ue.NewConnectionError):  # (a subclass of ConnectTimeoutError)
        cause = error.__cause__
        return "connection-refused" if isinstance(cause, ConnectionRefusedError) else "connection"
    if isinstance(error, ue.ConnectTimeoutError):
        return "connect-timeout"
    if isinstance(error, ue.ReadTimeoutError):
        return "read-timeout"
    if isinstance(error, ue.SSLError):
        return "tls"
    if isinstance(error, ue.LocationValueError):
        return "invalid-url"
    if isinstance(error, (ue.HTTPError, http.client.HTTPException)):
        return "connection"
    return None


def _failure(error: Exception) -> Exception:
    """An `AdapterFailure` for a urllib3 exception (its message, its kind); any other
    exception as it is (`_host_adapters` maps Python's own classes)."""
    kind = _failure_kind(error)
    if kind is None:
        if isinstance(error, ValueError) and "header" in str(error).lower():
            return AdapterFailure("invalid-header", str(error))  # http.client's header checks
        return error
    return AdapterFailure(kind, _message(error))


def _message(error: BaseException) -> str:
    """urllib3's message, without the repr of its connection object."""
    if isinstance(error, ue.ProxyError) and len(error.args) > 1:
        inner = error.args[1]
        return f"{error.args[0]}: {_message(inner) if isinstance(inner, BaseException) else inner}"
    if isinstance(error, ue.NewConnectionError):
        return str(getattr(error, "_message", error))
    if isinstance(error, (ue.ConnectTimeoutError, ue.ReadTimeoutError)) and error.args:
        return str(error.args[-1])    # (without the repr of the pool or connection)
    if isinstance(error, ue.ProtocolError) and len(error.args) > 1:
        return f"{error.args[0]} ({error.args[1]!r})"
    return str(error)
