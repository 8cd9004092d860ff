"""Loading the component: compiled once per process, the path can be given, a missing file is a
clear error, and the environment the component sees (proxy / CA variables) is chosen per session."""

from __future__ import annotations

import pytest

import requests_wasm as rw
from requests_wasm import DEFAULT_COMPONENT_PATH, Session, load_component
from requests_wasm._component import resolve_component_path


def test_component_compiled_once() -> None:
    assert load_component() is load_component()
    # the default is `$REQUESTS_WASM_COMPONENT` when set (e.g. to the build for world `client`)
    assert load_component(resolve_component_path()) is load_component()
    if DEFAULT_COMPONENT_PATH.is_file():
        assert load_component(DEFAULT_COMPONENT_PATH) is load_component(DEFAULT_COMPONENT_PATH)
    # the build for world `client-with-host`: shipped in the package (an installed wheel), or as
    # `cargo build -p host-tests` makes it (a development checkout)
    assert (DEFAULT_COMPONENT_PATH.parts[-2:] == ("components", "client-with-host.wasm")
            or DEFAULT_COMPONENT_PATH.parts[-4:-2] == ("component-host", "wasm32-wasip2"))


def test_component_path_argument(server) -> None:
    with Session(component_path=DEFAULT_COMPONENT_PATH, env={}) as s:
        assert s.get(server.url("/get")).ok


def test_component_path_from_environment(monkeypatch, server) -> None:
    monkeypatch.setenv(rw.COMPONENT_ENV_VAR, str(DEFAULT_COMPONENT_PATH))
    with Session(env={}) as s:
        assert s.get(server.url("/get")).ok


def test_missing_component_file(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="component not found"):
        Session(component_path=tmp_path / "nope.wasm")


def test_sessions_are_independent(server) -> None:
    with Session(env={}) as a, Session(env={}) as b:
        a.headers["X-Who"] = "a"
        a.cookies["only"] = "a"
        assert "X-Who" not in b.headers
        assert b.get(server.url("/cookies")).json()["cookies"] == {}
        a.close()
        assert b.get(server.url("/get")).ok     # closing one leaves the other open


def test_default_env_passes_proxy_variables(monkeypatch, server) -> None:
    for name in rw.PROXY_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("UNRELATED_SECRET", "not passed")
    # env=None: the proxy variables of os.environ (wasi:http refuses a proxy, and says where
    # it came from)
    with Session(transport="wasi-http") as s:
        with pytest.raises(rw.UnsupportedError, match="HTTP_PROXY"):
            s.get(server.url("/get"))
