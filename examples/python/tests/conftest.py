"""Shared pytest fixtures: one loopback server per test run, a fresh Session per test.

This file owns the fixtures `server` (the httpbin-like `LoopbackServer` on 127.0.0.1), `s`
(a `requests_wasm.Session` with an empty environment, closed after the test; its transport is
the default, urllib3), `wasi` (the same on ``transport="wasi-http"``),
`assert_usable` (checks that a session still sends a request after an error),
`needs_hooks` (skips a test when the component is the build for world `client`, which has
neither hooks nor Python adapters: `$REQUESTS_WASM_COMPONENT` may point at it) and
`needs_urllib3` (the same, for tests of the default transport, urllib3).
With `REQUESTS_WASM_TEST_INSTALLED=1` the tests import the installed `requests_wasm` (below).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable, Iterator

import pytest

#: `REQUESTS_WASM_TEST_INSTALLED=1`: test the installed package (the wheel), not the source tree.
#: pytest.ini's ``pythonpath = .`` put `examples/python` first on `sys.path`; it goes last
#: instead, so `requests_wasm` comes from site-packages and only `loopback_server` from here.
_SOURCE_DIR = Path(__file__).resolve().parents[1]
if os.environ.get("REQUESTS_WASM_TEST_INSTALLED") == "1":
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _SOURCE_DIR]
    sys.path.append(str(_SOURCE_DIR))
    import requests_wasm as _installed
    assert not Path(_installed.__file__).resolve().is_relative_to(_SOURCE_DIR), _installed.__file__
    # and its default component is the one shipped in it
    assert _installed.DEFAULT_COMPONENT_PATH.parent.parent == Path(_installed.__file__).resolve().parent

from loopback_server import LoopbackServer  # noqa: E402
from requests_wasm import Request, Session, UnsupportedError  # noqa: E402


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
