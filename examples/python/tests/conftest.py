"""Shared pytest fixtures: one loopback server per test run, a fresh Session per test.

This file owns the fixtures `server` (the httpbin-like `LoopbackServer` on 127.0.0.1), `s`
(a `requests_wasm.Session` with an empty environment, closed after the test; its transport is
the default, urllib3), `wasi` (the same on ``transport="wasi-http"``),
`assert_usable` (checks that a session still sends a request after an error),
`needs_hooks` (skips a test when the component is the build for world `client`, which has
neither hooks nor Python adapters: `$REQUESTS_WASM_COMPONENT` may point at it) and
`needs_urllib3` (the same, for tests of the default transport, urllib3).
"""

from __future__ import annotations

from typing import Callable, Iterator

import pytest

from loopback_server import LoopbackServer
from requests_wasm import Request, Session, UnsupportedError


@pytest.fixture(scope="session")
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


@pytest.fixture
def s() -> Iterator[Session]:
    # An empty environment: the machine's proxy / CA-bundle variables must not change results.
    session = Session(env={})
    yield session
    session.close()


@pytest.fixture
def wasi() -> Iterator[Session]:
    """A session on the component's own wasi:http adapter (``transport="wasi-http"``), for what
    only that transport does (or refuses)."""
    session = Session(env={}, transport="wasi-http")
    yield session
    session.close()


@pytest.fixture(scope="session")
def client_with_host() -> bool:
    """Whether the component loaded is the build for world `client-with-host` (hooks and
    Python adapters), rather than the one for world `client`."""
    with Session(env={}) as probe:
        probe.hooks["response"].append(print)
        try:
            probe.prepare_request(Request("GET", "http://127.0.0.1/")).close()
        except UnsupportedError:
            return False
    return True


@pytest.fixture
def needs_hooks(client_with_host: bool) -> None:
    if not client_with_host:
        pytest.skip("the component is the build for world `client` (no hooks import)")


@pytest.fixture
def needs_urllib3(client_with_host: bool) -> None:
    """Skip where the default transport is not urllib3 (the build for world `client` has no
    host adapters: its sessions send over wasi:http)."""
    if not client_with_host:
        pytest.skip("the component is the build for world `client`: no urllib3 transport")


@pytest.fixture
def assert_usable(server: LoopbackServer) -> Callable[[Session], None]:
    def check(session: Session) -> None:
        r = session.get(server.url("/get"), params={"after": "error"})
        assert r.status_code == 200
        assert r.json()["args"] == {"after": "error"}
    return check
