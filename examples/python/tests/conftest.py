"""Shared pytest fixtures: one loopback server per test run, a fresh Session per test.

This file owns the fixtures `server` (the httpbin-like `LoopbackServer` on 127.0.0.1), `s`
(a `requests_wasm.Session` with an empty environment, closed after the test) and
`assert_usable` (checks that a session still sends a request after an error).
"""

from __future__ import annotations

from typing import Callable, Iterator

import pytest

from loopback_server import LoopbackServer
from requests_wasm import Session


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
def assert_usable(server: LoopbackServer) -> Callable[[Session], None]:
    def check(session: Session) -> None:
        r = session.get(server.url("/get"), params={"after": "error"})
        assert r.status_code == 200
        assert r.json()["args"] == {"after": "error"}
    return check
