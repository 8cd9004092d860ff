"""Streaming uploads: `data=` as a generator or a file-like object goes through
`session.start-request`, `body-writer.write` and `body-writer.finish` (see `Session._upload`),
checked with the loopback server's `/upload`, which digests the body without echoing it."""

from __future__ import annotations

import hashlib
import io
from typing import Iterator

import pytest

import requests_wasm as rw
from requests_wasm import Adapter, CannedResponse, Session
from requests_wasm.sessions import UPLOAD_CHUNK_SIZE


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_generator_upload_arrives_whole_and_chunked(s: Session, server) -> None:
    big = bytes(i % 251 for i in range(UPLOAD_CHUNK_SIZE * 2 + 123))   # cut into 3 writes
    sent: list = []

    def gen() -> Iterator[object]:
        for chunk in (b"first,", "zwei \u00fc,", b"", bytearray(b"third,"), big):
            sent.append(chunk)
            yield chunk

    r = s.post(server.url("/upload"), data=gen())
    assert r.status_code == 200
    report = r.json()
    body = b"first," + "zwei \u00fc,".encode() + b"third," + big
    assert report["method"] == "POST"
    assert report["transfer_encoding"] == "chunked"
    assert report["content_length"] is None
    assert report["content_type"] is None
    assert report["body_len"] == len(body) and report["sha256"] == sha256(body)
    assert len(sent) == 5                       # the generator was consumed


def test_generator_with_other_verbs_and_request(s: Session, server) -> None:
    assert s.put(server.url("/upload"), data=iter([b"a", b"b"])).json()["method"] == "PUT"
    report = s.request("PATCH", server.url("/upload"), data=(c for c in [b"xyz"]),
                       params={"q": "1"}, stream=True).json()
    assert report["method"] == "PATCH" and report["body_len"] == 3


def test_generator_with_a_content_length_header_is_not_chunked(s: Session, server) -> None:
    report = s.post(server.url("/upload"), data=iter([b"12345", b"678"]),
                    headers={"Content-Length": "8", "Transfer-Encoding": "chunked"}).json()
    assert report["content_length"] == "8"
    assert report["transfer_encoding"] is None
    assert report["body_len"] == 8


def test_file_upload_sends_content_length(s: Session, server, tmp_path) -> None:
    data = bytes(range(256)) * 400                      # 102400 bytes: two reads
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    with open(path, "rb") as fh:
        report = s.put(server.url("/upload"), data=fh).json()
    assert report["content_length"] == str(len(data))
    assert report["transfer_encoding"] is None
    assert report["body_len"] == len(data) and report["sha256"] == sha256(data)

    with open(path, "rb") as fh:
        fh.seek(1000)                                   # only what is left is sent
        report = s.post(server.url("/upload"), data=fh).json()
    assert report["content_length"] == str(len(data) - 1000)
    assert report["sha256"] == sha256(data[1000:])


def test_bytesio_and_text_file(s: Session, server, tmp_path) -> None:
    report = s.post(server.url("/upload"), data=io.BytesIO(b"in memory")).json()
    assert report["content_length"] == "9" and report["transfer_encoding"] is None

    # An empty file is sent chunked, as requests does (a size of 0 is taken as unknown).
    report = s.post(server.url("/upload"), data=io.BytesIO(b"")).json()
    assert report["transfer_encoding"] == "chunked" and report["body_len"] == 0

    # A text-mode file is sent as UTF-8, chunked: its size on disk is not what is sent.
    path = tmp_path / "notes.txt"
    path.write_text("caf\u00e9\n" * 10, encoding="utf-8")
    with open(path, encoding="utf-8") as fh:
        report = s.post(server.url("/upload"), data=fh).json()
    assert report["transfer_encoding"] == "chunked"
    assert report["sha256"] == sha256(("caf\u00e9\n" * 10).encode())


def test_303_after_upload_is_followed_with_get(s: Session, server) -> None:
    r = s.post(server.url("/redirect-to?url=/upload&status_code=303"), data=iter([b"body"]))
    assert r.status_code == 200
    assert [h.status_code for h in r.history] == [303]
    report = r.json()
    assert report["method"] == "GET"
    assert report["body_len"] == 0 and report["content_length"] is None
    assert report["transfer_encoding"] is None


def test_307_after_upload_is_the_response(s: Session, server) -> None:
    # The body cannot be sent twice, so a redirect that keeps it is not followed.
    r = s.post(server.url("/redirect-to?url=/upload&status_code=307"), data=iter([b"body"]))
    assert r.status_code == 307 and r.history == []
    assert r.headers["location"] == "/upload"


def test_json_next_to_a_generator_is_ignored_as_in_requests(s: Session, server) -> None:
    # requests uses a non-empty `data` and drops `json` (a generator is always truthy).
    report = s.post(server.url("/upload"), data=iter([b"raw"]), json={"a": 1}).json()
    assert report["body_len"] == 3 and report["content_type"] is None


def test_bad_combinations_raise_as_in_requests(s: Session, server, assert_usable) -> None:
    url = server.url("/upload")
    with pytest.raises(NotImplementedError, match="mutually exclusive"):
        s.post(url, data=iter([b"x"]), files={"f": b"y"})
    with pytest.raises(NotImplementedError, match="mutually exclusive"):
        s.prepare_request(rw.Request("POST", url, data=io.BytesIO(b"x"), files={"f": b"y"}))
    with pytest.raises(rw.InvalidHeader):
        s.post(url, data=iter([b"x"]), headers={"Content-Length": "ten"})
    with pytest.raises(ValueError):                      # InvalidHeader is a ValueError too
        s.post(url, data=iter([b"x"]), headers={"Content-Length": "-1"})
    with pytest.raises(rw.InvalidOption):                # more than announced
        s.post(url, data=iter([b"12345", b"6"]), headers={"Content-Length": "5"})
    with pytest.raises(rw.InvalidOption):                # fewer than announced
        s.post(url, data=iter([b"123"]), headers={"Content-Length": "5"})
    with pytest.raises(TypeError):
        s.post(url, data=iter([b"ok", 42]))
    assert_usable(s)


def test_failing_generator_abandons_the_request(s: Session, server, assert_usable) -> None:
    def gen() -> Iterator[bytes]:
        yield b"part one"
        raise RuntimeError("the source broke")

    with pytest.raises(RuntimeError, match="the source broke"):
        s.post(server.url("/upload"), data=gen())
    assert_usable(s)
    assert s.post(server.url("/upload"), data=iter([b"again"])).json()["body_len"] == 5


def test_upload_through_a_scripted_adapter(s: Session) -> None:
    adapter = Adapter.scripted([CannedResponse.json({"stored": True}), 201])
    s.mount("mock://", adapter)
    assert s.post("mock://files/a", data=iter([b"one ", "two"])).json() == {"stored": True}
    assert s.put("mock://files/b", data=io.BytesIO(b"0123456789")).status_code == 201
    first, second = adapter.received
    assert (first.method, first.body, first.header("content-length")) == ("POST", b"one two", None)
    assert (second.method, second.body, second.header("content-length")) == ("PUT", b"0123456789",
                                                                              "10")
