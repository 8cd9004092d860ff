"""Case-insensitive header mappings and the cookie records/jars given to Python code.

This module owns the plain-Python data structures: `CaseInsensitiveDict` (as in requests),
`ResponseHeaders` (a case-insensitive snapshot of a response's headers that also keeps the
raw, ordered pairs so repeated headers such as several `Set-Cookie` stay separate),
`MutableHeaders` (the same, changeable: the headers that hooks see and give back), `Cookie`
(the WIT `cookie` record), `Cookies` (a read-only name -> value view over a list of them,
used for `Response.cookies`) and `ResponseHead` (the WIT `response-head` an error carries).
Nothing here calls into the component. The header types print
credential values (`Authorization`, `Proxy-Authorization`) as ``***`` (see `_redact`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterable, Iterator, List, Mapping, MutableMapping, Optional, Tuple

from ._redact import redact_mapping, redact_pairs

__all__ = ["CaseInsensitiveDict", "ResponseHeaders", "MutableHeaders", "Cookie", "Cookies",
           "ResponseHead"]


class CaseInsensitiveDict(MutableMapping):
    """A dict with case-insensitive string keys that remembers the last spelling of each key."""

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        self._store: Dict[str, Tuple[str, Any]] = {}
        self.update(data or {}, **kwargs)

    def __setitem__(self, key: str, value: Any) -> None:
        self._store[key.lower()] = (key, value)

    def __getitem__(self, key: str) -> Any:
        return self._store[key.lower()][1]

    def __delitem__(self, key: str) -> None:
        del self._store[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._store.values())

    def __len__(self) -> int:
        return len(self._store)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._store

    def lower_items(self) -> Iterator[Tuple[str, Any]]:
        return ((lower, kv[1]) for lower, kv in self._store.items())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            other = CaseInsensitiveDict(other)
        else:
            return NotImplemented
        return dict(self.lower_items()) == dict(other.lower_items())

    def copy(self) -> "CaseInsensitiveDict":
        return CaseInsensitiveDict(self._store.values())

    def __repr__(self) -> str:
        # Headers: `Authorization` / `Proxy-Authorization` values are printed as ``***``.
        return repr(redact_mapping(self.items()))


class ResponseHeaders(CaseInsensitiveDict):
    """Response headers: `h["set-cookie"]` joins repeats with ``", "`` (as requests does);
    `h.get_all(name)` gives each value and `h.pairs()` the headers as received, in order."""

    def __init__(self, pairs: Iterable[Tuple[str, str]] = ()) -> None:
        super().__init__()
        self._pairs: List[Tuple[str, str]] = list(pairs)
        for name, value in self._pairs:
            if name in self:
                super().__setitem__(name, self[name] + ", " + value)
            else:
                super().__setitem__(name, value)

    def get_all(self, name: str) -> List[str]:
        lower = name.lower()
        return [value for key, value in self._pairs if key.lower() == lower]

    def pairs(self) -> List[Tuple[str, str]]:
        return list(self._pairs)


class MutableHeaders(MutableMapping):
    """Headers as ordered ``(name, value)`` pairs with a case-insensitive mapping API, for hooks.

    Repeats stay separate (several `Set-Cookie`), as the wire has them: `h[name]` joins the
    values of a name with ``", "`` (as requests does), `h.get_all(name)` lists them, and
    `h.pairs()` gives every pair in order. `h[name] = value` replaces every header of that name
    (in the place of the first one), `del h[name]` removes them all, `h.add(name, value)`
    appends one more. Iteration gives each name once, in its first spelling.
    """

    def __init__(self, headers: Any = None, **kwargs: Any) -> None:
        self._pairs: List[Tuple[str, str]] = []
        if headers is not None:
            if hasattr(headers, "pairs"):
                items: Iterable[Any] = headers.pairs()
            elif isinstance(headers, Mapping):
                items = headers.items()
            else:
                items = headers
            for name, value in items:
                self._pairs.append((name, value))
        for name, value in kwargs.items():
            self._pairs.append((name, value))

    @staticmethod
    def _same(a: str, b: str) -> bool:
        return isinstance(a, str) and isinstance(b, str) and a.lower() == b.lower()

    def __getitem__(self, name: str) -> str:
        values = self.get_all(name)
        if not values:
            raise KeyError(name)
        return ", ".join(values)

    def __setitem__(self, name: str, value: str) -> None:
        out: List[Tuple[str, str]] = []
        placed = False
        for key, old in self._pairs:
            if self._same(key, name):
                if not placed:
                    out.append((name, value))
                    placed = True
            else:
                out.append((key, old))
        if not placed:
            out.append((name, value))
        self._pairs = out

    def __delitem__(self, name: str) -> None:
        kept = [(k, v) for k, v in self._pairs if not self._same(k, name)]
        if len(kept) == len(self._pairs):
            raise KeyError(name)
        self._pairs = kept

    def __iter__(self) -> Iterator[str]:
        seen: Dict[str, str] = {}
        for key, _ in self._pairs:
            seen.setdefault(key.lower() if isinstance(key, str) else key, key)
        return iter(list(seen.values()))

    def __len__(self) -> int:
        return len({k.lower() if isinstance(k, str) else k for k, _ in self._pairs})

    def __contains__(self, name: object) -> bool:
        return any(self._same(k, name) for k, _ in self._pairs)  # type: ignore[arg-type]

    def add(self, name: str, value: str) -> None:
        """Append a header, keeping any of the same name."""
        self._pairs.append((name, value))

    def get_all(self, name: str) -> List[str]:
        return [v for k, v in self._pairs if self._same(k, name)]

    def pairs(self) -> List[Tuple[str, str]]:
        return list(self._pairs)

    def copy(self) -> "MutableHeaders":
        return MutableHeaders(self._pairs)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MutableHeaders):
            return self._pairs == other._pairs
        if isinstance(other, Mapping):
            return CaseInsensitiveDict(self.items()) == other
        return NotImplemented

    def __repr__(self) -> str:
        # `Authorization` / `Proxy-Authorization` values are printed as ``***``.
        return f"MutableHeaders({redact_pairs(self._pairs)!r})"


@dataclass(frozen=True)
class Cookie:
    """A cookie as the jar holds it (the WIT `cookie` record)."""

    name: str
    value: str
    domain: str = ""
    host_only: bool = True
    path: str = "/"
    secure: bool = False
    http_only: bool = False
    #: Expiry in seconds since the Unix epoch; `None` for a session cookie.
    expires: Optional[int] = None

    @classmethod
    def _from_wit(cls, record: Any) -> "Cookie":
        g = lambda name: getattr(record, name)  # noqa: E731 - WIT names are kebab-case
        return cls(g("name"), g("value"), g("domain"), g("host-only"), g("path"), g("secure"),
                   g("http-only"), g("expires"))


class Cookies(Mapping):
    """Read-only name -> value view over a list of `Cookie` (the last one of a name wins).

    `.list()` gives the `Cookie` records themselves, with domain, path and expiry.
    """

    def __init__(self, cookies: Iterable[Cookie] = ()) -> None:
        self._cookies: List[Cookie] = list(cookies)

    def _map(self) -> Dict[str, str]:
        return {c.name: c.value for c in self._cookies}

    def __getitem__(self, name: str) -> str:
        return self._map()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._map())

    def __len__(self) -> int:
        return len(self._map())

    def list(self) -> List[Cookie]:
        return list(self._cookies)

    def get_dict(self, domain: Optional[str] = None, path: Optional[str] = None) -> Dict[str, str]:
        return {c.name: c.value for c in self._cookies
                if (domain is None or c.domain == domain) and (path is None or c.path == path)}

    def __repr__(self) -> str:
        return f"<Cookies {self._cookies!r}>"


class ResponseHead:
    """The head of the response an `HTTPError` (from `Session.error_for_status`) or a
    `TooManyRedirects` is about (the WIT `response-head`): `status_code`, `reason`, `url`
    (without userinfo) and `headers`, the attributes requests users read from
    `error.response`, and `history`: for a `TooManyRedirects`, the heads of the hops before
    it, oldest first (WIT `error.history`), else empty. It has no body (the component hands
    over no response with an error); `request` is None."""

    __slots__ = ("status_code", "reason", "url", "headers", "history")

    #: No request is known for a head (`error.request` is then None).
    request = None

    def __init__(self, status_code: int, reason: str, url: str,
                 headers: Iterable[Tuple[str, str]] = ()) -> None:
        self.status_code = status_code
        self.reason = reason
        self.url = url
        self.headers = ResponseHeaders(headers)
        self.history: List["ResponseHead"] = []

    @classmethod
    def _from_wit(cls, record: Any) -> "ResponseHead":
        g = lambda name: getattr(record, name)  # noqa: E731
        return cls(g("status"), g("reason"), g("url"), g("headers"))

    def __repr__(self) -> str:
        return f"<ResponseHead [{self.status_code}]>"
