"""Streaming bodies (`stream=True`, `iter_content`, `iter_lines`) and mounted adapters
(`Adapter.scripted`, `Adapter.http`, `get_adapter`)."""

from __future__ import annotations


import pytest

import requests_wasm as rw
from loopback_server import _pattern
from requests_wasm import Adapter, CannedResponse, Session


def test_iter_content_streams_as_it_arrives(s: Session, server) -> None:
    r = s.get(server.url("/drip?numbytes=40&chunks=4&delay_ms=150"), stream=True)
    assert r.status_code == 200           # headers are here before the body
    # Bounded memory for huge streams is shown by host-tests (1 GiB through a 64 MiB guest);
    # here: the drip arrives in several pieces and reassembles exactly.
    chunks = list(r.iter_content(chunk_size=None))
    assert b"".join(chunks) == b"*" * 40
    assert len(chunks) >= 2


def test_iter_content_chunk_size(s: Session, server) -> None:
    r = s.get(server.url("/bytes/1000"), stream=True)
    chunks = list(r.iter_content(chunk_size=256))
    assert all(len(c) <= 256 for c in chunks)
    assert b"".join(chunks) == _pattern(1000)


def test_iter_content_on_read_body(s: Session, server) -> None:
    r = s.get(server.url("/bytes/100"))
    assert [len(c) for c in r.iter_content(40)] == [40, 40, 20]
    assert b"".join(r.iter_content(40)) == r.content        # repeatable when not streamed


def test_iter_lines_and_decode_unicode(s: Session, server) -> None:
    r = s.get(server.url("/stream/4"), stream=True)
    lines = list(r.iter_lines(chunk_size=5, decode_unicode=True))
    assert lines == [f'{{"id": {i}}}' for i in range(4)]


def test_session_stream_default(s: Session, server) -> None:
    s.stream = True
    r = s.get(server.url("/stream/2"))
    assert b"".join(r.iter_content(3)) == b'{"id": 0}\n{"id": 1}\n'
    with pytest.raises(rw.StreamConsumedError):
        r.content


def test_streamed_content_reads_rest(s: Session, server) -> None:
    r = s.get(server.url("/stream/3"), stream=True)
    assert r.text.count("\n") == 3           # text/content read the whole streamed body
    assert r.content == r.text.encode()      # ... once; later reads use the cached body


def test_mount_scripted_adapter(s: Session) -> None:
    adapter = Adapter.scripted([
        CannedResponse.json({"hello": "wasm"}),
        {"status": 201, "headers": [("Location", "/items/1")], "body": "created"},
        (404, [("Content-Type", "text/plain")], b"missing"),
    ])
    assert adapter.kind == "scripted" and adapter.received == []
    s.mount("mock://api/", adapter)
    assert s.adapters["mock://api/"] is adapter

    assert s.get("mock://api/hello", params={"x": "1"}).json() == {"hello": "wasm"}
    r = s.post("mock://api/items", json={"name": "n"})
    assert r.status_code == 201 and r.text == "created"
    r = s.get("mock://api/nothing")
    with pytest.raises(rw.HTTPError):
        r.raise_for_status()

    received = adapter.received
    assert [(q.method, q.url) for q in received] == [
        ("GET", "mock://api/hello?x=1"), ("POST", "mock://api/items"), ("GET", "mock://api/nothing")]
    assert received[1].json() == {"name": "n"}
    assert received[1].header("content-type") == "application/json"
    assert s.get_adapter("MOCK://api/x").kind == "scripted"   # prefixes are case-insensitive
    # the default transport: urllib3, a Python adapter (wasi:http in the build for `client`)
    assert s.get_adapter("http://example.com/").kind == (
        "host" if s.transport == "urllib3" else "wasi-http")

    with pytest.raises(rw.ConnectionError):   # no canned response left
        s.get("mock://api/more")
    adapter.close()
    with pytest.raises(rw.SessionClosed):
        s.get("mock://api/more")


def test_scripted_redirect_and_cookies(s: Session) -> None:
    s.mount("mock://", Adapter.scripted([
        (302, [("Location", "/next"), ("Set-Cookie", "sid=abc; Path=/")], b""),
        CannedResponse.json({"done": True}),
    ]))
    r = s.get("mock://site/start")
    assert r.json() == {"done": True}
    assert r.url == "mock://site/next"
    assert [h.status_code for h in r.history] == [302]
    assert s.cookies["sid"] == "abc"


def test_adapter_bound_to_one_session(s: Session) -> None:
    adapter = Adapter.scripted([200])
    s.mount("mock://", adapter)
    with Session(env={}) as other:
        with pytest.raises(ValueError):
            other.mount("mock://", adapter)


def test_mount_http_adapter_with_timeout(s: Session, server) -> None:
    s.mount(server.url("/delay"), Adapter.http(timeout=(None, 0.2)))
    with pytest.raises(rw.ReadTimeout):
        s.get(server.url("/delay/1000"))
    assert s.get(server.url("/get")).ok          # other URLs use the default adapter
