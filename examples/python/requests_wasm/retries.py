"""`Retry`: the retry policy of a session or an adapter (the WIT `retry-policy` record).

This module owns `Retry` (named after urllib3's `Retry`, which requests' `max_retries` takes)
and its conversion to and from the WIT record (seconds here, milliseconds there). The retries
themselves run in the component:

* connection set-up failures (refused, DNS, connect timeout, TLS) are retried for every
  method: the request never left;
* read failures (read timeout, broken connection) and statuses in `status_forcelist` (and 413,
  429 and 503 that carry `Retry-After`, when `respect_retry_after_header`) only for the
  idempotent methods, which `allowed_methods` can narrow but never widen: a POST or PATCH is
  not sent twice once it may have reached the server (urllib3 lets you list them; here they
  are ignored);
* when a status is still retried as the retries run out, `RetryError` ("Max retries exceeded
  with url: ..."); when a failure is, that failure itself (`ConnectionRefused`, `ReadTimeout`...).

Counts are retries, not attempts: ``Retry(total=3)`` sends a request up to four times.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Collection, Optional, Union

from ._component import field, rec
from .exceptions import InvalidOption

__all__ = ["Retry", "DEFAULT_ALLOWED_METHODS", "RETRY_AFTER_STATUS_CODES"]

#: The methods retried after the request may have reached the server (RFC 9110's idempotent ones).
DEFAULT_ALLOWED_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
#: Retried when they carry `Retry-After` and `respect_retry_after_header` is on.
RETRY_AFTER_STATUS_CODES = frozenset({413, 429, 503})

_U32_MAX = 2**32 - 1


@dataclass
class Retry:
    """How failed requests are retried (urllib3's `Retry`, with its argument names).

    The defaults are the component's: three retries, a backoff of 0.1 s doubling up to 10 s plus
    up to 0.05 s of random jitter (the first retry waits too, unlike urllib3 2), no forcelist,
    `Retry-After` respected up to 30 s. Times are seconds (floats, kept to the millisecond).
    `connect`, `read` and `status` default to `None`: only `total` limits them; set one to 0 to
    retry nothing of that kind (urllib3's ``read=False``).
    """

    total: int = 3
    connect: Optional[int] = None
    read: Optional[int] = None
    status: Optional[int] = None
    backoff_factor: float = 0.1
    backoff_max: float = 10.0
    backoff_jitter: float = 0.05
    status_forcelist: Collection[int] = ()
    #: `None`: `DEFAULT_ALLOWED_METHODS`; a list narrows them (non-idempotent methods are ignored).
    allowed_methods: Optional[Collection[str]] = None
    respect_retry_after_header: bool = True
    retry_after_max: float = 30.0

    def __post_init__(self) -> None:
        # Order-free collections in a canonical form, so that equal policies compare equal
        # (and a policy read back from the component equals the one set).
        if self.status_forcelist is None:
            self.status_forcelist = ()
        if isinstance(self.status_forcelist, (str, bytes)) or not _iterable(self.status_forcelist):
            raise TypeError(f"status_forcelist must be a collection of status codes: "
                            f"{self.status_forcelist!r}")
        self.status_forcelist = tuple(sorted(set(self.status_forcelist)))
        if self.allowed_methods is False:
            raise InvalidOption("allowed_methods=False (retry every method) is not supported: "
                                "a POST or PATCH is never sent twice once it may have reached "
                                "the server")
        if self.allowed_methods is not None:
            if (isinstance(self.allowed_methods, (str, bytes))
                    or not _iterable(self.allowed_methods)):
                raise TypeError(f"allowed_methods must be None or a collection of method names: "
                                f"{self.allowed_methods!r}")
            methods = list(self.allowed_methods)
            if not all(isinstance(m, str) for m in methods):
                raise TypeError(f"allowed_methods must hold strings: {self.allowed_methods!r}")
            self.allowed_methods = tuple(sorted({m.upper() for m in methods}))

    @classmethod
    def coerce(cls, value: Union[None, int, "Retry"]) -> Optional["Retry"]:
        """`None` (no retries), a `Retry`, or an int as requests' ``max_retries=n``, which is
        ``Retry(total=n, read=0)`` (requests' ``Retry(n, read=False)``: read failures are not
        retried)."""
        if value is None or isinstance(value, Retry):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return cls(total=value, read=0)
        raise TypeError(f"retries must be None, an int or a Retry, not {value!r}")

    # ---- WIT ---------------------------------------------------------------------------------

    def _to_wit(self) -> Any:
        """The WIT `retry-policy` record. Values that do not fit it raise `InvalidOption`; the
        component checks the rest (backoff_max below backoff_factor, a status outside 100-599,
        a method that is not a token)."""
        statuses = []
        for code in self.status_forcelist:
            if isinstance(code, bool) or not isinstance(code, int) or not 0 <= code <= 0xFFFF:
                raise InvalidOption(f"a retry status must be an int from 100 to 599: {code!r}")
            statuses.append(code)
        return rec(
            total=_count(self.total, "total"),
            connect=_optional_count(self.connect, "connect"),
            read=_optional_count(self.read, "read"),
            status=_optional_count(self.status, "status"),
            backoff_factor_ms=_ms(self.backoff_factor, "backoff_factor"),
            backoff_max_ms=_ms(self.backoff_max, "backoff_max"),
            backoff_jitter_ms=_ms(self.backoff_jitter, "backoff_jitter"),
            status_forcelist=statuses,
            allowed_methods=None if self.allowed_methods is None else list(self.allowed_methods),
            respect_retry_after=bool(self.respect_retry_after_header),
            retry_after_max_ms=_ms(self.retry_after_max, "retry_after_max"),
        )

    @classmethod
    def _from_wit(cls, record: Any) -> Optional["Retry"]:
        if record is None:
            return None
        methods = field(record, "allowed_methods")
        return cls(
            total=field(record, "total"),
            connect=field(record, "connect"),
            read=field(record, "read"),
            status=field(record, "status"),
            backoff_factor=field(record, "backoff_factor_ms") / 1000,
            backoff_max=field(record, "backoff_max_ms") / 1000,
            backoff_jitter=field(record, "backoff_jitter_ms") / 1000,
            status_forcelist=tuple(field(record, "status_forcelist")),
            allowed_methods=None if methods is None else tuple(methods),
            respect_retry_after_header=field(record, "respect_retry_after"),
            retry_after_max=field(record, "retry_after_max_ms") / 1000,
        )


def _iterable(value: Any) -> bool:
    try:
        iter(value)
    except TypeError:
        return False
    return True


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidOption(f"Retry.{name} must be an int, not {value!r}")
    if not 0 <= value <= _U32_MAX:
        raise InvalidOption(f"Retry.{name} must be from 0 to 2**32-1: {value!r}")
    return value


def _optional_count(value: Any, name: str) -> Optional[int]:
    return None if value is None else _count(value, name)


def _ms(seconds: Any, name: str) -> int:
    """Seconds -> whole milliseconds (a positive time never rounds down to 0)."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or math.isnan(seconds):
        raise InvalidOption(f"Retry.{name} must be a number of seconds, not {seconds!r}")
    if seconds < 0:
        raise InvalidOption(f"Retry.{name} must not be negative: {seconds!r}")
    ms = round(seconds * 1000) if not math.isinf(seconds) else _U32_MAX + 1
    if seconds > 0 and ms == 0:
        ms = 1
    if ms > _U32_MAX:
        raise InvalidOption(f"Retry.{name} is too large for a u32 of milliseconds: {seconds!r}")
    return ms
