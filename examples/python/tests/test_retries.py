"""Retries (`Retry`, `Session.retries`, `Adapter.http(retries=...)`) against the loopback server:
which failures and statuses are retried for which methods, `RetryError` when a retried status
outlasts the policy, the last failure when a retried failure does, and invalid policies.

Every policy here backs off about a millisecond, without jitter, to keep the tests fast. The
`/flaky/<n>?key=` endpoint fails n times per key, then answers 200 with how many requests
that key received, which is how the tests count the attempts."""

from __future__ import annotations

import itertools
import re

import pytest

import requests_wasm as rw
from loopback_server import closed_port
from requests_wasm import Adapter, Retry, Session
from requests_wasm._component import TYPES

FAST = dict(backoff_factor=0.001, backoff_jitter=0)
_keys = itertools.count()


def flaky(server, failures: int, **query: object) -> str:
    """A `/flaky` URL with a key no other request used."""
    q = "&".join(f"{k}={v}" for k, v in dict(query, key=f"k{next(_keys)}").items())
    return server.url(f"/flaky/{failures}?{q}")


def attempts(s: Session, url: str) -> int:
    """How many requests the key of `url` received so far (asked by one more, unretried)."""
    saved, s.retries = s.retries, None
    try:
        return s.get(re.sub(r"/flaky/\d+\?", "/flaky/0?", url)).json()["attempts"] - 1
    finally:
        s.retries = saved


# ---- the policy value ----------------------------------------------------------------------

def test_retries_default_to_none_and_round_trip(s: Session) -> None:
    assert s.retries is None
    policy = Retry(total=4, connect=2, read=1, status=3, backoff_factor=0.25, backoff_max=2,
                   backoff_jitter=0.01, status_forcelist={504, 502, 503},
                   allowed_methods=["get", "HEAD"], respect_retry_after_header=False,
                   retry_after_max=5)
    s.retries = policy
    assert s.retries == policy
    got = s.retries
    assert got.status_forcelist == (502, 503, 504) and got.allowed_methods == ("GET", "HEAD")
    assert got.backoff_factor == 0.25 and got.retry_after_max == 5
    s.retries = 2                                   # requests' max_retries=2: retry-policy-for(2)
    assert s.retries == Retry(total=2)
    s.retries = None
    assert s.retries is None


def test_defaults_are_the_components(s: Session) -> None:
    """What a field left out means, and what an int means, is `retry-policy-for(total)`."""
    inst = s._instance
    for total in (0, 2, 7):
        expected = Retry._from_wit(inst.call(TYPES, "retry-policy-for", total))
        assert expected.total == total
        assert Retry(total=total) == expected == Retry.coerce(total)
        s.retries = total
        assert s.retries == expected
    assert Retry().connect is rw.COMPONENT_DEFAULT     # nothing decided here but `total`
    assert Retry() == Retry(total=3)
    s.retries = Retry(total=4, backoff_factor=0.5)    # given fields go over the defaults
    got = s.retries
    assert got.backoff_factor == 0.5
    assert got == Retry(total=4, backoff_factor=0.5)
    assert got.backoff_max == Retry._from_wit(inst.call(TYPES, "retry-policy-for", 4)).backoff_max


def test_retry_error_is_a_request_exception() -> None:
    assert issubclass(rw.RetryError, rw.RequestException)
    assert rw.ERROR_CLASSES["retry"] is rw.RetryError


# ---- statuses ----------------------------------------------------------------------------------

def test_a_status_that_stays_raises_retry_error_for_get(s: Session, server, assert_usable) -> None:
    s.retries = Retry(total=2, status_forcelist=[503], **FAST)
    url = flaky(server, 100)
    with pytest.raises(rw.RetryError) as info:
        s.get(url)
    assert info.value.kind == "retry"
    assert info.value.message.startswith("Max retries exceeded with url: ")
    assert "/flaky/100" in info.value.message and "503" in info.value.message
    assert attempts(s, url) == 3                    # the request and two retries
    with pytest.raises(rw.RetryError):
        s.get(server.url("/status/503"))
    assert_usable(s)


def test_post_gets_the_503_unretried(s: Session, server) -> None:
    s.retries = Retry(total=3, status_forcelist=[503], **FAST)
    url = flaky(server, 1)
    r = s.post(url, data="once")
    assert r.status_code == 503
    assert attempts(s, url) == 1
    assert s.post(server.url("/status/503")).status_code == 503
    assert s.patch(flaky(server, 1)).status_code == 503
    # listing POST does not make it retried: it may have reached the server
    s.retries = Retry(total=3, status_forcelist=[503], allowed_methods=["POST", "GET"], **FAST)
    url = flaky(server, 1)
    assert s.post(url).status_code == 503
    assert attempts(s, url) == 1


def test_a_flaky_endpoint_succeeds_after_retries(s: Session, server) -> None:
    s.retries = Retry(total=3, status_forcelist=[502, 503], **FAST)
    for method in ("get", "put", "delete", "options"):
        r = getattr(s, method)(flaky(server, 2))
        assert r.status_code == 200
        assert r.json() == {"attempts": 3, "method": method.upper()}
    assert s.get(flaky(server, 2, status=502)).json()["attempts"] == 3
    # a status off the forcelist is returned as it is
    r = s.get(flaky(server, 1, status=500))
    assert r.status_code == 500


def test_status_and_total_counts(s: Session, server) -> None:
    s.retries = Retry(total=5, status=1, status_forcelist=[503], **FAST)
    url = flaky(server, 3)
    with pytest.raises(rw.RetryError):
        s.get(url)
    assert attempts(s, url) == 2
    s.retries = Retry(total=0, status_forcelist=[503], **FAST)
    url = flaky(server, 1)
    with pytest.raises(rw.RetryError):
        s.get(url)
    assert attempts(s, url) == 1


def test_allowed_methods_narrow(s: Session, server) -> None:
    s.retries = Retry(status_forcelist=[503], allowed_methods=["PUT"], **FAST)
    assert s.get(flaky(server, 1)).status_code == 503
    assert s.put(flaky(server, 1)).status_code == 200


def test_retry_after_statuses(s: Session, server) -> None:
    s.retries = Retry(total=2, **FAST)              # no forcelist
    r = s.get(flaky(server, 1, status=429, retry_after=0))
    assert r.status_code == 200 and r.json()["attempts"] == 2
    assert s.get(flaky(server, 1, status=429)).status_code == 429     # no Retry-After
    s.retries = Retry(total=2, respect_retry_after_header=False, **FAST)
    assert s.get(flaky(server, 1, status=429, retry_after=0)).status_code == 429


# ---- failures ----------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["get", "post"])
def test_connection_refused_is_retried_then_raised(s: Session, method: str,
                                                   assert_usable) -> None:
    url = f"http://127.0.0.1:{closed_port()}/nothing"
    # Set-up failures are retried for any method; when they run out the caller gets the last
    # failure itself, not RetryError. (A refusal leaves nothing to count on loopback; the
    # attempts are counted for statuses and stalls above and below.)
    s.retries = Retry(total=2, **FAST)
    with pytest.raises(rw.ConnectionError) as info:
        getattr(s, method)(url)
    assert isinstance(info.value, rw.ConnectionRefused)
    assert url in info.value.message
    s.retries = Retry(total=2, connect=0, **FAST)
    with pytest.raises(rw.ConnectionRefused):
        getattr(s, method)(url)
    assert_usable(s)


def test_read_timeouts_are_retried_for_get_only(s: Session, server) -> None:
    s.retries = Retry(total=2, **FAST)
    r = s.get(flaky(server, 1, stall=0.6), timeout=(2, 0.2))
    assert r.status_code == 200 and r.json()["attempts"] == 2
    with pytest.raises(rw.ReadTimeout):
        s.post(flaky(server, 1, stall=0.6), timeout=(2, 0.2))
    s.retries = Retry(total=2, read=0, **FAST)       # urllib3's read=False
    with pytest.raises(rw.ReadTimeout):
        s.get(flaky(server, 1, stall=0.6), timeout=(2, 0.2))


# ---- adapters ----------------------------------------------------------------------------------

def test_adapter_retries(s: Session, server) -> None:
    policy = Retry(total=3, status_forcelist=[503], **FAST)
    adapter = Adapter.http(retries=policy)
    assert adapter.retries == policy                 # before it is mounted
    s.mount("http://", adapter)
    assert adapter.retries == policy and s.get_adapter(server.url()).retries == policy
    assert s.get(flaky(server, 2)).json()["attempts"] == 3
    # the session's policy beats the adapter's
    s.retries = Retry(total=1, status_forcelist=[503], **FAST)
    with pytest.raises(rw.RetryError):
        s.get(flaky(server, 2))
    s.retries = None
    adapter.retries = 1                              # set on the mounted adapter
    assert adapter.retries == Retry(total=1)
    assert s.get(flaky(server, 1)).status_code == 503    # no forcelist any more
    adapter.retries = None
    assert adapter.retries is None


def test_scripted_adapter_retries(s: Session) -> None:
    adapter = Adapter.scripted([503, 503, {"json": {"ok": True}}, 503],
                               retries=Retry(status_forcelist=[503], **FAST))
    s.mount("https://api.test/", adapter)
    assert s.get("https://api.test/x").json() == {"ok": True}
    assert [r.method for r in adapter.received] == ["GET"] * 3
    assert s.post("https://api.test/x").status_code == 503
    assert len(adapter.received) == 4


# ---- invalid policies --------------------------------------------------------------------------

@pytest.mark.parametrize("policy", [
    Retry(backoff_factor=1, backoff_max=0.5),        # checked by the component
    Retry(status_forcelist=[503, 600]),
    Retry(status_forcelist=[99]),
    Retry(allowed_methods=["GE T"]),
    Retry(allowed_methods=[""]),
    Retry(total=-1),                                 # checked here: the record cannot hold it
    Retry(read=2**32),
    Retry(backoff_factor=-0.1),
    Retry(backoff_factor=float("nan")),
    Retry(retry_after_max=float("inf")),
    Retry(status_forcelist=[70000]),
])
def test_invalid_policy_raises_invalid_option(s: Session, server, policy: Retry,
                                              assert_usable) -> None:
    s.retries = Retry(total=1)
    with pytest.raises(rw.InvalidOption) as info:
        s.retries = policy
    assert info.value.kind == "invalid-option"
    assert s.retries == Retry(total=1)               # unchanged
    adapter = Adapter.http()
    s.mount("http://", adapter)
    with pytest.raises(rw.InvalidOption):
        adapter.retries = policy
    assert adapter.retries is None
    assert_usable(s)


def test_invalid_adapter_policy_fails_at_mount(s: Session) -> None:
    with pytest.raises(rw.InvalidOption):
        Adapter.http(retries=Retry(total=-1))        # Python can tell at once
    adapter = Adapter.http(retries=Retry(status_forcelist=[600]))
    with pytest.raises(rw.InvalidOption):
        s.mount("http://", adapter)                  # the component, at mount
    with pytest.raises(rw.InvalidOption):
        Retry(allowed_methods=False)                 # urllib3's "every method"
    for bad in ("3", True, 2.5):
        with pytest.raises(TypeError):
            s.retries = bad
