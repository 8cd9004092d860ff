"""Redaction for `repr` and `str`: no secret is ever printed by an object of this package.

This module owns the one rule every `__repr__` / `__str__` (and every message built here) follows:
a password, a bearer token, a proxy password or a URL's userinfo never appears. Values are left
as they are; only the text meant for people (logs, tracebacks, debuggers) is redacted:

* `redact_url`: ``scheme://user:pass@host/...`` -> ``scheme://***@host/...``, the component's own
  form (`urls::redact_str`), so a URL looks the same whichever side printed it;
* `redact_header`: the value of `Authorization` and `Proxy-Authorization` (Basic credentials are
  only base64, a bearer token is the token) -> ``***``;
* `redact_pairs` / `redact_mapping`: the same over header pairs or a header dict;
* `RedactedDict`: a `dict` whose repr redacts its values as URLs (proxies: ``{"https":
  "http://user:pass@proxy:3128"}`` prints as ``{'https': 'http://***@proxy:3128'}``); it is
  still a plain dict for everything else (equality, item access, `json.dumps`).
"""

from __future__ import annotations

from typing import Any, Iterable, List, Tuple

__all__ = ["REDACTED", "SECRET_HEADERS", "redact_url", "redact_header", "redact_pairs",
           "redact_mapping", "RedactedDict"]

#: What a secret is replaced with.
REDACTED = "***"
#: Header names (lower case) whose values are credentials.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization"})


def redact_url(url: Any) -> Any:
    """`url` without its userinfo (``***@`` in its place); anything that is not a `str` (or
    has no ``scheme://``) is returned as it is."""
    if not isinstance(url, str):
        return url
    start = url.find("://")
    if start < 0:
        return url
    start += 3
    rest = url[start:]
    end = len(rest)
    for sep in "/?#":
        i = rest.find(sep)
        if 0 <= i < end:
            end = i
    at = rest.rfind("@", 0, end)
    if at < 0:
        return url
    return f"{url[:start]}{REDACTED}@{rest[at + 1:]}"


def redact_header(name: Any, value: Any) -> Any:
    """``***`` for the value of a credential header, else the value (its URLs redacted)."""
    if isinstance(name, (str, bytes)):
        lower = name.decode("latin-1") if isinstance(name, bytes) else name
        if lower.lower() in SECRET_HEADERS:
            return REDACTED
    return redact_url(value)


def redact_pairs(pairs: Iterable[Tuple[Any, Any]]) -> List[Tuple[Any, Any]]:
    """Header pairs with credential values redacted."""
    return [(name, redact_header(name, value)) for name, value in pairs]


def redact_mapping(items: Iterable[Tuple[Any, Any]]) -> dict:
    """A header dict (from ``mapping.items()``) with credential values redacted."""
    return {name: redact_header(name, value) for name, value in items}


class RedactedDict(dict):
    """A `dict` of URL values (proxies) whose `repr` and `str` leave userinfo out."""

    def __repr__(self) -> str:
        return repr({key: redact_url(value) for key, value in self.items()})

    __str__ = __repr__
