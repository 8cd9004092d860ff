"""Transport adapters (WIT `adapter`): the wasi:http one and the scripted one, for `Session.mount`,
and the contract of adapters written in Python (re-exported from `_host_adapters`).

This module owns `Adapter`, `CannedResponse` and `RecordedRequest`. A guest resource belongs to
one store, and each `Session` has its own store, so an `Adapter` made with `Adapter.http(...)` or
`Adapter.scripted([...])` is only a description until it is mounted: the first `mount` creates
the resource in that session's instance (errors such as a canned status outside 100-999 surface
there), and the adapter then stays bound to that session. An adapter's retry policy
(`retries=`, or the `retries` property) is used for the requests sent through it when the
session sets none (requests' ``HTTPAdapter(max_retries=...)``).

A Python adapter (`BaseAdapter`, or any object with ``send(request, settings)``) is mounted
as it is: ``s.mount("https://api.test/", MyAdapter())``; see `_host_adapters` for what it gets
and returns. `Session.get_adapter` gives it back as an `Adapter` of kind ``"host"``.
"""

from __future__ import annotations

import inspect
import json as _json
import weakref
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from ._component import TYPES, Handle, Instance, rec
from ._host_adapters import (AdapterFailure, AdapterRequest, AdapterResponse, BaseAdapter,
                             SendSettings)
from ._redact import redact_pairs, redact_url
from .exceptions import InvalidOption
from .options import _timeout_record  # the one timeout conversion
from .retries import Retry

__all__ = ["RequestsAdapter", "Adapter", "CannedResponse", "RecordedRequest", "BaseAdapter", "AdapterRequest",
           "AdapterResponse", "AdapterFailure", "SendSettings"]


@dataclass
class CannedResponse:
    """One answer of a scripted adapter: status, headers (in order) and the body as sent."""

    status: int = 200
    headers: Sequence[Tuple[str, str]] = field(default_factory=list)
    body: Union[bytes, str] = b""

    @classmethod
    def json(cls, obj: Any, status: int = 200,
             headers: Sequence[Tuple[str, str]] = ()) -> "CannedResponse":
        """A JSON answer with `Content-Type: application/json`."""
        return cls(status, [("Content-Type", "application/json"), *headers], _json.dumps(obj))

    @classmethod
    def coerce(cls, value: Any) -> "CannedResponse":
        """Accept a `CannedResponse`, a dict of its fields, a ``(status, headers, body)`` tuple or
        a bare status code."""
        if isinstance(value, CannedResponse):
            return value
        if isinstance(value, int):
            return cls(value)
        if isinstance(value, Mapping):
            if "json" in value:
                return cls.json(value["json"], value.get("status", 200), value.get("headers", ()))
            return cls(**value)
        if isinstance(value, (tuple, list)):
            return cls(*value)
        raise TypeError(f"cannot make a canned response from {value!r}")

    def _to_wit(self) -> Any:
        headers = self.headers.items() if isinstance(self.headers, Mapping) else self.headers
        body = self.body.encode("utf-8") if isinstance(self.body, str) else bytes(self.body)
        if not 0 <= self.status <= 0xFFFF:  # what the u16 can hold; the component checks the rest
            raise InvalidOption(f"canned status {self.status} is not a u16")
        return rec(status=self.status, headers=[(str(k), str(v)) for k, v in headers], body=body)


@dataclass(frozen=True)
class RecordedRequest:
    """A request a scripted adapter received (the WIT `recorded-request` record)."""

    method: str
    url: str
    headers: List[Tuple[str, str]]
    body: bytes

    def __repr__(self) -> str:
        # The headers as sent hold the request's credentials (`Authorization`): not printed.
        return (f"RecordedRequest(method={self.method!r}, url={redact_url(self.url)!r}, "
                f"headers={redact_pairs(self.headers)!r}, body=<{len(self.body)} bytes>)")

    def header(self, name: str) -> Optional[str]:
        """The first value of a header, case-insensitively."""
        lower = name.lower()
        return next((v for k, v in self.headers if k.lower() == lower), None)

    def json(self) -> Any:
        return _json.loads(self.body)


class Adapter:
    """A transport a session sends through for the URLs it is mounted on."""

    def __init__(self, kind: str, spec: Any, retries: Union[None, int, Retry] = None) -> None:
        self._kind = kind
        self._spec = spec
        self._handle: Optional[Handle] = None
        self._closed = False
        self._retries = Retry.coerce(retries)
        if self._retries is not None:
            self._retries._check()  # fail now on values the record cannot hold

    @classmethod
    def http(cls, timeout: Any = None, retries: Union[None, int, Retry] = None) -> "Adapter":
        """The wasi:http adapter, with default timeouts (seconds, or ``(connect, read)``) and a
        retry policy (a `Retry`, an int as requests' ``max_retries``, or None)."""
        return cls("wasi-http", rec(timeout=_timeout_record(timeout)), retries)

    @classmethod
    def scripted(cls, responses: Iterable[Any],
                 retries: Union[None, int, Retry] = None) -> "Adapter":
        """An in-memory adapter answering from `responses` in order and recording requests."""
        return cls("scripted", [CannedResponse.coerce(r) for r in responses], retries)

    @classmethod
    def _from_handle(cls, handle: Handle) -> "Adapter":
        adapter = cls("?", None)
        adapter._handle = handle
        return adapter

    def _bind(self, instance: Instance) -> Handle:
        """The guest resource in `instance`, created on first use."""
        if self._handle is not None:
            if self._handle.instance is not instance:
                raise ValueError("this adapter is already mounted on another session; "
                                 "make a new Adapter for each session")
            return self._handle
        if self._kind == "wasi-http":
            resource = instance.call(TYPES, "[static]adapter.http", self._spec)
        else:
            resource = instance.call_ok(TYPES, "[static]adapter.scripted",
                                        [c._to_wit() for c in self._spec])
        handle = Handle(instance, resource)
        if self._retries is not None:
            try:
                handle.call_ok(TYPES, "[method]adapter.set-retries",
                               self._retries._to_wit(instance))
            except BaseException:
                handle.drop()
                raise
        self._handle = handle
        if self._closed:
            self.close()
        return self._handle

    @property
    def kind(self) -> str:
        """``"wasi-http"``, ``"scripted"`` or ``"host"`` (a Python adapter; the WIT
        `adapter-kind`)."""
        if self._handle is None:
            return self._kind
        return self._handle.call(TYPES, "[method]adapter.kind")

    @property
    def received(self) -> List[RecordedRequest]:
        """The requests a scripted adapter received so far (empty before it is mounted)."""
        if self._handle is None:
            return []
        return [RecordedRequest(getattr(r, "method"), getattr(r, "url"), list(getattr(r, "headers")),
                                getattr(r, "body"))
                for r in self._handle.call(TYPES, "[method]adapter.received")]

    @property
    def retries(self) -> Optional[Retry]:
        """The adapter's retry policy, used when the session sets none (default None: no
        retries). Set a `Retry`, an int (requests' ``max_retries``) or None; an invalid policy
        raises `InvalidOption` (before mounting, only what Python can check: the rest when
        the adapter is mounted)."""
        if self._handle is None:
            return self._retries
        return Retry._from_wit(self._handle.call(TYPES, "[method]adapter.retries"))

    @retries.setter
    def retries(self, value: Union[None, int, Retry]) -> None:
        policy = Retry.coerce(value)
        if self._handle is not None:
            record = None if policy is None else policy._to_wit(self._handle.instance)
            self._handle.call_ok(TYPES, "[method]adapter.set-retries", record)
        elif policy is not None:
            policy._check()
        self._retries = policy

    def close(self) -> None:
        """Close the adapter: later sends through it raise `SessionClosed`."""
        self._closed = True
        if self._handle is not None and self._handle.alive:
            self._handle.call(TYPES, "[method]adapter.close")

    def __repr__(self) -> str:
        return f"<Adapter {self.kind}>"


# ---- requests' own adapters --------------------------------------------------------------------

def is_requests_adapter(adapter: Any) -> bool:
    """Whether `adapter` is a requests-style adapter (requests' `HTTPAdapter`, or a subclass of
    its `BaseAdapter`): its `send` takes requests' keyword arguments (`stream`, `proxies`)
    instead of this package's ``send(request, settings)``."""
    send = getattr(adapter, "send", None)
    if not callable(send) or isinstance(adapter, BaseAdapter):
        return False
    try:
        parameters = inspect.signature(send).parameters
    except (TypeError, ValueError):
        return False
    return "stream" in parameters and "proxies" in parameters


#: requests' exception classes (by name, most specific first) -> failure kinds.
_REQUESTS_FAILURES = (("ConnectTimeout", "connect-timeout"), ("ReadTimeout", "read-timeout"),
                      ("SSLError", "tls"), ("ProxyError", "proxy"),
                      ("InvalidHeader", "invalid-header"), ("InvalidURL", "invalid-url"),
                      ("InvalidSchema", "invalid-url"), ("MissingSchema", "invalid-url"),
                      ("ConnectionError", "connection"), ("Timeout", "read-timeout"))


#: requests-style adapter -> the retry policy a `RequestsAdapter` took from its `max_retries`
#: (which it set to none): a later bridge of the same adapter (mounted on another prefix, or
#: in another session) finds the policy here, not the none left on the adapter.
_RETRIES_TAKEN: "weakref.WeakKeyDictionary[Any, Optional[Retry]]" = weakref.WeakKeyDictionary()
_NOT_TAKEN = object()


class RequestsAdapter(BaseAdapter):
    """A requests-style adapter (requests' `HTTPAdapter(pool_connections=..., max_retries=...)`
    or another `requests.adapters.BaseAdapter`) mounted as a Python adapter: `Session.mount`
    wraps one in this. Each request the component sends through it is handed over as a
    `PreparedRequest` (method, URL, headers, body: `bytes`, or the file or iterator of a body
    sent in pieces, not read into memory) with requests' keyword arguments
    (``stream=True``, `timeout`, `verify`, `cert`, `proxies`), and its response's body is
    read from `raw` as received (still encoded: the session decodes it), the response closed
    once the body ends or is dropped (`_closing`).

    Retries are the session's: the adapter's `max_retries` (a urllib3 `Retry`) becomes the
    mounted adapter's retry policy (`retry_policy`), and the adapter itself is left with
    requests' default of no retries, so that nothing is retried twice. requests' exceptions
    become failure kinds by their names (`ConnectionError` -> ``connection`` ...)."""

    def __init__(self, adapter: Any) -> None:
        self.adapter = adapter
        #: The adapter's `max_retries` as a `Retry`, or None when it retries nothing.
        self.retry_policy: Optional[Retry] = None
        try:
            taken = _RETRIES_TAKEN.get(adapter, _NOT_TAKEN)
        except TypeError:  # not weakly referenceable
            taken = _NOT_TAKEN
        if taken is not _NOT_TAKEN:   # bridged before (another prefix or session)
            self.retry_policy = taken
            return
        retries = getattr(adapter, "max_retries", None)
        if retries is not None and hasattr(retries, "total"):
            policy = Retry.from_urllib3(retries)
            if policy.total:
                self.retry_policy = policy
                try:
                    adapter.max_retries = type(retries)(0, read=False)
                except Exception:  # noqa: BLE001 - an adapter that refuses: it retries too
                    return
                try:
                    _RETRIES_TAKEN[adapter] = policy
                except TypeError:
                    pass

    def send(self, request: AdapterRequest, settings: SendSettings) -> Any:
        from .models import PreparedRequest
        from .structures import CaseInsensitiveDict
        prepared = PreparedRequest()
        prepared.method, prepared.url = request.method, request.url
        prepared.headers = CaseInsensitiveDict(request.headers.pairs())
        body = request.body
        if isinstance(body, (bytes, bytearray, memoryview)):
            body = bytes(body) or None
        prepared.body = body  # (a file or an iterator as it is: requests' adapter streams it)
        scheme = request.url.split(":", 1)[0].lower()
        proxies = {scheme: settings.proxy} if settings.proxy else {}
        try:
            response = self.adapter.send(prepared, stream=True, timeout=settings.timeout,
                                         verify=settings.verify, cert=settings.cert,
                                         proxies=proxies)
        except Exception as e:  # noqa: BLE001 - every failure becomes the request's
            names = [c.__name__ for c in type(e).__mro__]
            kind = next((k for name, k in _REQUESTS_FAILURES if name in names), None)
            if kind is None:
                raise
            raise AdapterFailure(kind, str(e)) from e
        raw = getattr(response, "raw", None)
        headers = getattr(raw, "headers", None)
        pairs = list(headers.iteritems()) if hasattr(headers, "iteritems") else \
            list(response.headers.items())
        if raw is not None and hasattr(raw, "stream"):
            body: Any = _closing(response, raw.stream(64 * 1024, decode_content=False))
        else:
            body = response.content
        return response.status_code, pairs, body

    def close(self) -> None:
        close = getattr(self.adapter, "close", None)
        if callable(close):
            close()


def _closing(response: Any, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The chunks of a requests `Response`'s body, then its `close()` (requests': the
    connection goes back to its pool, or is closed when the body was left unread): when the
    body ends, and when the session closes or drops it unread (`_host_adapters._Body.close`
    closes this generator; the garbage collector does the same)."""
    try:
        yield from chunks
    finally:
        close = getattr(response, "close", None)
        if callable(close):
            close()
