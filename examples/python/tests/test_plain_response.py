"""`Response()` of plain data (made by hand, or unpickled), `Response.raw`, and `history`
keeping its objects."""

from __future__ import annotations

import pickle

import pytest
from urllib3 import exceptions as u3

from requests_wasm import (ChunkedEncodingError, ConnectionError, ContentDecodingError,
                           HTTPError, Response, Session, SSLError)


class FakeRaw:
    def __init__(self, chunks=(), error=None):
        self.chunks = list(chunks)
        self.error = error
        self.closed = False

    def stream(self, amt, decode_content=None):
        yield from self.chunks
        if self.error is not None:
            raise self.error

    def close(self):
        self.closed = True


def test_a_response_made_by_hand() -> None:
    r = Response()
    assert r.status_code is None and r.headers == {} and r.history == [] and r.raw is None
    assert r.content is None and r.encoding is None
    r.status_code = 404
    r.reason = "Not Found"
    r.url = "http://h/x"
    r.raw = FakeRaw([b'{"a"', b": 1}"])
    assert r.json() == {"a": 1} and r.text == '{"a": 1}'
    with pytest.raises(HTTPError, match="404 Client Error"):
        r.raise_for_status()
    r.close()
    assert r.raw.closed


@pytest.mark.parametrize("error, expected", [
    (u3.ProtocolError("broken"), ChunkedEncodingError),
    (u3.DecodeError("bad gzip"), ContentDecodingError),
    (u3.ReadTimeoutError(None, None, "Read timed out"), ConnectionError),
    (u3.SSLError("bad"), SSLError),
])
def test_raw_errors_are_requests_errors(error, expected) -> None:
    r = Response()
    r.raw = FakeRaw([b"x"], error)
    chunks = r.iter_content(1)
    assert next(chunks) == b"x"
    with pytest.raises(expected):
        next(chunks)


def test_raw_reads_the_body(server) -> None:
    with Session() as s:
        r = s.get(server.url("/bytes/1000"), stream=True)
        raw = r.raw
        assert not raw.closed
        first = raw.read(10)
        assert len(first) == 10
        rest = b"".join(raw.stream(300))
        assert first + rest == bytes(i % 251 for i in range(1000))
        assert raw.read(5) == b"" and raw.closed
        r2 = s.get(server.url("/bytes/10"), stream=True)
        assert r2._content_consumed is False
        r2.close()
        assert r2.raw.closed


def test_history_keeps_its_objects(server) -> None:
    with Session() as s:
        r = s.get(server.url("/redirect/3"))
        assert len(r.history) == 3
        assert r.history[-1].history == r.history[:-1]
        assert r.history[1].history[0] is r.history[0]


def test_a_response_pickles_as_plain_data(server) -> None:
    with Session() as s:
        r = s.get(server.url("/redirect/1"))
        copy = pickle.loads(pickle.dumps(r))
    assert copy.status_code == 200 and copy.json() == r.json() and copy.url == r.url
    assert copy.headers == r.headers and copy.request.headers == r.request.headers
    assert [h.status_code for h in copy.history] == [302] and copy.ok
    assert copy.encoding == r.encoding and copy.elapsed == r.elapsed


def test_raw_of_a_response_not_streamed_is_at_its_end(server) -> None:
    with Session() as s:
        r = s.get(server.url("/bytes/10"))
        assert r.raw.read() == b"" and r.raw.closed and len(r.content) == 10


def test_raw_of_a_small_streamed_response_has_its_body(server) -> None:
    with Session() as s:
        r = s.get(server.url("/get"), stream=True)
        assert r.raw.read() != b"" and r.raw.closed
