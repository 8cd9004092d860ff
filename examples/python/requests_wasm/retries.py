"""`Retry`: the retry policy of a session or an adapter (the WIT `retry-policy` record).

This module owns `Retry` (named after urllib3's `Retry`, which requests' `max_retries` takes)
and its conversion to and from the WIT record (seconds here, milliseconds there). What a policy
means, and what it defaults to, is the component's: every field not given is taken from the
component's `retry-policy-for(total)` when the policy is handed to it, and an int (requests'
``max_retries=n``) is `retry-policy-for(n)` itself. The retries themselves run in the
component:

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
from dataclasses import dataclass, fields
from typing import Any, Collection, Dict, Optional, Union

from ._component import TYPES, Instance, shared_instance
from .exceptions import InvalidOption

__all__ = ["Retry", "COMPONENT_DEFAULT"]

_U32_MAX = 2**32 - 1


class _ComponentDefault:
    """The value of a `Retry` field left to the component (`retry-policy-for`)."""

    _one: Optional["_ComponentDefault"] = None

    def __new__(cls) -> "_ComponentDefault":
        if cls._one is None:
            cls._one = super().__new__(cls)
        return cls._one

    def __repr__(self) -> str:
        return "COMPONENT_DEFAULT"

    def __reduce__(self) -> str:
        return "COMPONENT_DEFAULT"


#: A `Retry` field not given: the component's default for it (see `Retry`).
COMPONENT_DEFAULT: Any = _ComponentDefault()

#: `Retry` field -> (WIT field, how it converts): ``count`` (u32), ``ocount`` (option<u32>),
#: ``ms`` (seconds <-> u32 milliseconds), ``statuses``, ``methods`` or ``bool``.
_WIT_FIELDS: Dict[str, tuple] = {
    "total": ("total", "count"),
    "connect": ("connect", "ocount"),
    "read": ("read", "ocount"),
    "status": ("status", "ocount"),
    "backoff_factor": ("backoff-factor-ms", "ms"),
    "backoff_max": ("backoff-max-ms", "ms"),
    "backoff_jitter": ("backoff-jitter-ms", "ms"),
    "status_forcelist": ("status-forcelist", "statuses"),
    "allowed_methods": ("allowed-methods", "methods"),
    "respect_retry_after_header": ("respect-retry-after", "bool"),
    "retry_after_max": ("retry-after-max-ms", "ms"),
}


@dataclass(eq=False)
class Retry:
    """How failed requests are retried (urllib3's `Retry`, with its argument names).

    `total` defaults to 3 (urllib3's `Retry.DEFAULT`); every other field left out is
    `COMPONENT_DEFAULT`: the value of the component's `retry-policy-for(total)` (at the time
    of writing: a backoff of 0.1 s doubling up to 10 s plus up to 0.05 s of jitter, no
    forcelist, `Retry-After` respected up to 30 s; `connect`, `read` and `status` None, so that
    only `total` limits them). Set a count to 0 to retry nothing of that kind (urllib3's
    ``read=False``). Times are seconds (floats, kept to the millisecond). `allowed_methods`
    None means the idempotent methods; a list narrows them (non-idempotent methods are
    ignored). Two policies are equal when they mean the same record (the component's defaults
    filled in).
    """

    total: int = 3
    connect: Optional[int] = COMPONENT_DEFAULT
    read: Optional[int] = COMPONENT_DEFAULT
    status: Optional[int] = COMPONENT_DEFAULT
    backoff_factor: float = COMPONENT_DEFAULT
    backoff_max: float = COMPONENT_DEFAULT
    backoff_jitter: float = COMPONENT_DEFAULT
    status_forcelist: Collection[int] = COMPONENT_DEFAULT
    allowed_methods: Optional[Collection[str]] = COMPONENT_DEFAULT
    respect_retry_after_header: bool = COMPONENT_DEFAULT
    retry_after_max: float = COMPONENT_DEFAULT

    def __post_init__(self) -> None:
        # Order-free collections in a canonical form, so that equal policies compare equal
        # (and a policy read back from the component equals the one set).
        forcelist = self.status_forcelist
        if forcelist is not COMPONENT_DEFAULT:
            if forcelist is None:
                forcelist = ()
            if isinstance(forcelist, (str, bytes)) or not _iterable(forcelist):
                raise TypeError(f"status_forcelist must be a collection of status codes: "
                                f"{self.status_forcelist!r}")
            self.status_forcelist = tuple(sorted(set(forcelist)))
        methods = self.allowed_methods
        if methods is False:
            raise InvalidOption("allowed_methods=False (retry every method) is not supported: "
                                "a POST or PATCH is never sent twice once it may have reached "
                                "the server")
        if methods is not None and methods is not COMPONENT_DEFAULT:
            if isinstance(methods, (str, bytes)) or not _iterable(methods):
                raise TypeError(f"allowed_methods must be None or a collection of method names: "
                                f"{methods!r}")
            names = list(methods)
            if not all(isinstance(m, str) for m in names):
                raise TypeError(f"allowed_methods must hold strings: {methods!r}")
            self.allowed_methods = tuple(sorted({m.upper() for m in names}))

    @classmethod
    def coerce(cls, value: Union[None, int, "Retry"]) -> Optional["Retry"]:
        """`None` (no retries), a `Retry`, or an int as requests' ``max_retries=n``: the
        component's `retry-policy-for(n)`, which is `Retry(total=n)`."""
        if value is None or isinstance(value, Retry):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return cls(total=value)
        raise TypeError(f"retries must be None, an int or a Retry, not {value!r}")

    @classmethod
    def from_urllib3(cls, retry: Any) -> "Retry":
        """The policy of a `urllib3.util.Retry` (what requests' ``HTTPAdapter(max_retries=)``
        holds): its counts, backoff, forcelist, methods and `Retry-After` handling. A `total`
        of None (no overall limit) becomes the largest of the other counts; urllib3's ``False``
        for a count is 0; ``raise_on_status=False`` and other urllib3-only settings (`redirect`,
        which the session's `max_redirects` rules here) have no equivalent."""
        def count(value: Any) -> Any:
            if value is None:
                return None
            return 0 if value is False else int(value)

        counts = {name: count(getattr(retry, name, None)) for name in ("connect", "read", "status")}
        total = count(getattr(retry, "total", None))
        if total is None:
            total = max([c for c in counts.values() if c is not None] or [0])
        fields_: Dict[str, Any] = dict(total=total, **counts)
        for name in ("backoff_factor", "backoff_max", "backoff_jitter"):
            value = getattr(retry, name, None)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                fields_[name] = float(value)
        fields_["status_forcelist"] = tuple(getattr(retry, "status_forcelist", None) or ())
        methods = getattr(retry, "allowed_methods", None)
        if methods is not None and methods is not False:
            fields_["allowed_methods"] = tuple(methods)
        respect = getattr(retry, "respect_retry_after_header", None)
        if isinstance(respect, bool):
            fields_["respect_retry_after_header"] = respect
        return cls(**fields_)

    # ---- WIT ---------------------------------------------------------------------------------

    def _check(self) -> None:
        """Raise `InvalidOption` for a value the WIT record cannot hold (a negative or too large
        count or time, a status that is not a u16), without a component at hand."""
        for name, (_, how) in _WIT_FIELDS.items():
            value = getattr(self, name)
            if value is not COMPONENT_DEFAULT:
                _to_wit_value(value, how, name)

    def _to_wit(self, instance: Optional[Instance] = None) -> Any:
        """The WIT `retry-policy` record: `retry-policy-for(total)` of `instance` (else the
        shared one) with every field given here put over it. Values that do not fit the record
        raise `InvalidOption`; the component checks the rest when it is given the record
        (backoff_max below backoff_factor, a status outside 100-599, a method that is not a
        token)."""
        total = _to_wit_value(self.total, "count", "total")
        base = (instance or shared_instance()).call(TYPES, "retry-policy-for", total)
        for name, (wit_name, how) in _WIT_FIELDS.items():
            value = getattr(self, name)
            if value is not COMPONENT_DEFAULT:
                setattr(base, wit_name, _to_wit_value(value, how, name))
        return base

    @classmethod
    def _from_wit(cls, record: Any) -> Optional["Retry"]:
        if record is None:
            return None
        values = {}
        for name, (wit_name, how) in _WIT_FIELDS.items():
            value = getattr(record, wit_name)
            if how == "ms":
                value = value / 1000
            elif how in ("statuses", "methods") and value is not None:
                value = tuple(value)
            values[name] = value
        return cls(**values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Retry):
            return NotImplemented
        if all(getattr(self, f.name) is not COMPONENT_DEFAULT
               and getattr(other, f.name) is not COMPONENT_DEFAULT for f in fields(self)):
            return all(getattr(self, f.name) == getattr(other, f.name) for f in fields(self))
        try:
            return _canonical(self._to_wit()) == _canonical(other._to_wit())
        except InvalidOption:
            return False

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dataclass with eq


def _canonical(record: Any) -> tuple:
    values = []
    for wit_name, how in _WIT_FIELDS.values():
        value = getattr(record, wit_name)
        if how == "statuses":
            value = tuple(sorted(set(value)))
        elif how == "methods" and value is not None:
            value = tuple(sorted({m.upper() for m in value}))
        values.append(value)
    return tuple(values)


def _to_wit_value(value: Any, how: str, name: str) -> Any:
    if how == "count":
        return _count(value, name)
    if how == "ocount":
        return None if value is None else _count(value, name)
    if how == "ms":
        return _ms(value, name)
    if how == "bool":
        return bool(value)
    if how == "methods":
        return None if value is None else list(value)
    statuses = []  # "statuses"
    for code in value:
        if isinstance(code, bool) or not isinstance(code, int) or not 0 <= code <= 0xFFFF:
            raise InvalidOption(f"Retry.{name} must hold status codes (u16): {code!r}")
        statuses.append(code)
    return statuses


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
