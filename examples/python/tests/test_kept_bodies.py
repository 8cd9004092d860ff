"""Bodies that never cross into the component: a Python adapter keeps a large response body
with no `Content-Encoding` (`keeps-rest`), the wrapper takes it (`take-host-body`) and reads it
from the adapter; a streamed upload goes to the adapter whole (`body-writer.host-upload`).
What the component would have done with them still happens: the body of a request that is not
streamed is read when the response comes (its failures raised by the call that sent it),
`max_body_size` holds, a streamed body is read once, and the announced length is kept."""

from __future__ import annotations

import socket
import threading
from typing import Any, Iterator, List

import pytest

import requests_wasm as rw
from loopback_server import _pattern
from requests_wasm import AdapterRequest, BaseAdapter, SendSettings, Session
from requests_wasm import _host_adapters

MiB = 1 << 20


@pytest.fixture(autouse=True)
def _python_adapters(needs_hooks: None) -> None:
    """Every test here needs the host build (Python adapters, the default transport)."""


class Recorder(BaseAdapter):
    """Answers `{len}` bytes of `_pattern` (or `answer`) and records the body it was given as
    it was given (its type) and as bytes."""

    def __init__(self, answer: Any = None) -> None:
        self.answer = answer
        self.kinds: List[str] = []
        self.bodies: List[bytes] = []

    def send(self, request: AdapterRequest, settings: SendSettings) -> Any:
        body = request.body
        self.kinds.append("bytes" if isinstance(body, bytes) else
                          "file" if hasattr(body, "read") else
                          "none" if body is None else "iterator")
        self.bodies.append(request.content)
        return 200, [("Content-Type", "application/octet-stream")], self.answer or b"ok"


def cut_short_server(declared: int, sent: int) -> Iterator[str]:
    """A server that answers every request with `Content-Length: declared` and then sends only
    `sent` bytes and closes the connection. Yields its URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % declared
                             + b"x" * sent)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/cut"
    finally:
        listener.close()


@pytest.fixture
def cut_short() -> Iterator[str]:
    yield from cut_short_server(3 * MiB, 200_000)


# ---- downloads ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/bytes/{n}", "/stream-bytes/{n}"])
def test_a_large_unencoded_download_is_read_from_the_adapter(s: Session, server, assert_usable,
                                                             path: str) -> None:
    n = 3 * MiB + 5
    r = s.get(server.url(path.format(n=n)))
    assert r._reads == {"string": 0, "pieces": 0, "kept": 1}
    assert r.content == _pattern(n) and len(r.text) == n
    assert not _host_adapters.any_kept() and not _host_adapters._handles
    # (a small body still comes whole with the head: nothing to take, no call for it)
    small = s.get(server.url("/bytes/1000"))
    assert small._reads == {"string": 0, "pieces": 0} and small.content == _pattern(1000)
    # (a body to decode is the component's: it decodes it)
    gz = s.get(server.url(f"/bytes/{n}?gzip=1"))
    assert "kept" not in gz._reads and gz.content == _pattern(n)
    assert_usable(s)


def test_a_streamed_kept_body_is_read_once_in_the_chunks_asked_for(s: Session, server) -> None:
    n = 2 * MiB
    r = s.get(server.url(f"/bytes/{n}"), stream=True)
    chunks = list(r.iter_content(100_000))
    assert r._reads.get("kept") == 1
    assert b"".join(chunks) == _pattern(n) and max(map(len, chunks)) <= 100_000
    with pytest.raises(rw.StreamConsumedError):
        r.content
    r = s.get(server.url("/lines/20000?chunk_size=70000"), stream=True)
    assert list(r.iter_lines()) == [f"line {i}".encode() for i in range(20000)]
    assert r._reads.get("kept") == 1


def test_max_body_size_holds_for_a_kept_body(s: Session, server, assert_usable) -> None:
    s.max_body_size = MiB
    url = server.url(f"/bytes/{2 * MiB}")
    with pytest.raises(rw.BodyTooLargeError) as e:
        s.get(url)
    assert str(e.value) == (f"the body of {url} exceeds {MiB} bytes, the most read into "
                            "memory; stream it to read it in chunks, or raise the body size limit")
    # streamed, it can be read in chunks past the limit, as from the component
    r = s.get(url, stream=True)
    assert sum(map(len, r.iter_content(256 * 1024))) == 2 * MiB
    assert_usable(s)


def test_a_kept_body_cut_short_fails_the_call_that_sent_it(s: Session, cut_short: str,
                                                           assert_usable) -> None:
    with pytest.raises(rw.ChunkedEncodingError) as e:
        s.get(cut_short)                      # not streamed: read (and failed) here
    assert "IncompleteRead" in str(e.value) and str(e.value).endswith(f"({cut_short})")
    r = s.get(cut_short, stream=True)         # streamed: fails when read
    with pytest.raises(rw.ChunkedEncodingError):
        for _ in r.iter_content(65536):
            pass
    assert_usable(s)


# ---- uploads -----------------------------------------------------------------------------------

def test_a_streamed_upload_reaches_the_adapter_whole(s: Session) -> None:
    rec = Recorder()
    s.mount("mock://", rec)
    body = _pattern(3 * MiB)
    assert s.post("mock://x/", data=body).status_code == 200     # binary over 1 MiB: streamed
    chunks = [b"a" * 70_000, b"b" * 10, b"c" * 200_000]
    assert s.post("mock://x/", data=iter(chunks)).status_code == 200
    assert rec.kinds == ["bytes", "iterator"]
    assert rec.bodies == [body, b"".join(chunks)]


def test_a_direct_upload_reaches_a_real_server(s: Session, server, assert_usable) -> None:
    body = _pattern(5 * MiB)
    echo = s.put(server.url("/upload"), data=body).json()
    assert echo["body_len"] == len(body) and echo["content_length"] == str(len(body))

    def gen() -> Iterator[bytes]:
        for i in range(0, len(body), 300_000):
            yield body[i:i + 300_000]
    echo = s.put(server.url("/upload"), data=gen()).json()
    assert echo["body_len"] == len(body) and echo["transfer_encoding"] == "chunked"
    assert_usable(s)


def test_a_direct_upload_keeps_its_announced_length_and_its_own_errors(s: Session) -> None:
    rec = Recorder()
    s.mount("mock://", rec)
    with pytest.raises(rw.InvalidOption, match="announced Content-Length 10 but 5"):
        s.post("mock://x/", data=iter([b"12345"]), headers={"Content-Length": "10"})
    with pytest.raises(rw.InvalidOption, match="announced Content-Length 3; 5 bytes is more"):
        s.post("mock://x/", data=iter([b"12345"]), headers={"Content-Length": "3"})

    def broken() -> Iterator[bytes]:
        yield b"part"
        raise ValueError("the body's own failure")
    with pytest.raises(ValueError, match="the body's own failure"):
        s.post("mock://x/", data=broken())
    assert s.post("mock://x/", data=iter([b"fine"])).status_code == 200
    assert rec.bodies[-1] == b"fine"
