"""Requests and responses against the loopback server: bodies, cookies, redirects, decoding,
prepared requests and the response attributes."""

from __future__ import annotations

import datetime

import pytest

from loopback_server import _pattern
from requests_wasm import Request, Response, ResponseHeaders, Session


def test_get_response_attributes(s: Session, server) -> None:
    r = s.get(server.url("/get"), params={"a": "1"})
    assert isinstance(r, Response)
    assert r.status_code == 200 and r.ok and bool(r)
    assert r.reason == "OK"
    assert r.url == server.url("/get?a=1")
    assert isinstance(r.headers, ResponseHeaders)
    assert r.headers["Content-Type"] == r.headers["content-type"] == "application/json"
    assert int(r.headers["CONTENT-LENGTH"]) == len(r.content)
    assert r.history == []
    assert isinstance(r.elapsed, datetime.timedelta)
    assert r.json()["method"] == "GET"
    assert r.text == r.content.decode("utf-8")
    assert r.encoding == "utf-8"
    assert repr(r) == "<Response [200]>"
    r.raise_for_status()  # no error for 200
    assert r.request.method == "GET" and r.request.url == r.url


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_json_body(s: Session, server, method: str) -> None:
    payload = {"name": "wasm", "n": [1, 2.5, None], "ok": True, "text": "ünïcode"}
    fn = getattr(s, method)
    r = fn(server.url(f"/{method}"), json=payload)
    echo = r.json()
    assert echo["method"] == method.upper()
    assert echo["json"] == payload
    assert echo["headers"]["content-type"] == "application/json"


def test_form_body(s: Session, server) -> None:
    r = s.post(server.url("/post"), data={"q": "a b&c", "multi": ["1", "2"]})
    echo = r.json()
    assert echo["form"] == [["q", "a b&c"], ["multi", "1"], ["multi", "2"]]
    assert echo["data"] == "q=a+b%26c&multi=1&multi=2"
    assert echo["headers"]["content-type"] == "application/x-www-form-urlencoded"


def test_text_and_bytes_bodies(s: Session, server) -> None:
    echo = s.post(server.url("/post"), data="plain text").json()
    assert echo["data"] == "plain text" and "content-type" not in echo["headers"]
    echo = s.put(server.url("/put"), data=b"\x00\x01raw",
                 headers={"Content-Type": "application/octet-stream"}).json()
    assert echo["headers"]["content-length"] == "5"
    assert echo["headers"]["content-type"] == "application/octet-stream"
    echo = s.delete(server.url("/delete")).json()
    assert echo["method"] == "DELETE" and echo["data"] == ""


def test_head_and_options(s: Session, server) -> None:
    r = s.head(server.url("/get"))
    assert r.status_code == 200 and r.content == b""
    r = s.head(server.url("/redirect/1"))
    assert r.status_code == 302 and r.is_redirect   # HEAD does not follow by default
    assert s.options(server.url("/anything")).json()["method"] == "OPTIONS"


def test_cookies_persist_across_requests(s: Session, server) -> None:
    r = s.get(server.url("/cookies/set-many"))
    # three Set-Cookie headers in one response, one with "Expires=Wed, 21 Oct 2037 ..." (commas)
    assert len(r.headers.get_all("Set-Cookie")) == 3
    assert r.cookies == {"a": "1", "b": "2", "c": "3"}
    by_name = {c.name: c for c in r.cookies.list()}
    assert by_name["b"].expires == int(datetime.datetime(2037, 10, 21, 7, 28, tzinfo=datetime.timezone.utc).timestamp())
    assert by_name["c"].http_only and by_name["c"].expires is not None
    assert by_name["a"].expires is None and by_name["a"].host_only
    assert s.cookies.get_dict() == {"a": "1", "b": "2", "c": "3"}
    assert s.get(server.url("/cookies")).json()["cookies"] == {"a": "1", "b": "2", "c": "3"}


def test_cookies_across_redirect_and_delete(s: Session, server) -> None:
    r = s.get(server.url("/cookies/set?k1=v1&k2=v2"))
    assert r.json()["cookies"] == {"k1": "v1", "k2": "v2"}     # sent on the redirect hop
    assert r.history[0].cookies == {"k1": "v1", "k2": "v2"}
    r = s.get(server.url("/cookies/delete?k1"))
    assert r.json()["cookies"] == {"k2": "v2"}
    assert "k1" not in s.cookies


def test_request_cookies_are_not_stored(s: Session, server) -> None:
    s.cookies["jar"] = "j"
    r = s.get(server.url("/cookies"), cookies={"once": "1", "jar": "override"})
    assert r.json()["cookies"] == {"once": "1", "jar": "override"}
    assert s.cookies.get_dict() == {"jar": "j"}


def test_redirects_followed_with_history(s: Session, server) -> None:
    r = s.get(server.url("/redirect/3"))
    assert r.status_code == 200
    assert r.url == server.url("/get")
    assert [h.status_code for h in r.history] == [302, 302, 302]
    assert [h.url for h in r.history] == [server.url("/redirect/3"), server.url("/redirect/2"),
                                          server.url("/redirect/1")]
    assert r.history[0].headers["Location"] == "/redirect/2"

    r = s.get(server.url("/redirect/3"), allow_redirects=False)
    assert r.status_code == 302 and r.is_redirect and not r.is_permanent_redirect
    assert r.history == []


def test_redirect_303_turns_post_into_get(s: Session, server) -> None:
    r = s.post(server.url("/redirect-to?url=/anything&status_code=303"), data={"x": "1"})
    echo = r.json()
    assert echo["method"] == "GET" and echo["data"] == ""
    r = s.post(server.url("/redirect-to?url=/anything&status_code=307"), data={"x": "1"})
    assert r.json()["method"] == "POST" and r.json()["form"] == [["x", "1"]]
    assert r.history[0].is_redirect


def test_gzip_and_deflate_decoded(s: Session, server) -> None:
    r = s.get(server.url("/gzip"), params={"via": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    assert r.json()["gzipped"] is True and r.json()["args"] == {"via": "gzip"}
    r = s.get(server.url("/deflate"), params={"via": "deflate"})
    assert r.headers["content-encoding"] == "deflate"
    assert r.json()["deflated"] is True and r.json()["args"] == {"via": "deflate"}


def test_charset_and_encoding_override(s: Session, server) -> None:
    r = s.get(server.url("/encoding/latin1"))
    assert r.encoding == "iso-8859-1"
    assert r.text == "café"
    assert r.content == b"caf\xe9"
    r.encoding = "utf-8"
    assert "\ufffd" in r.text          # latin-1 bytes are not UTF-8


def test_binary_content(s: Session, server) -> None:
    r = s.get(server.url("/bytes/1000"))
    assert r.content == _pattern(1000)
    assert r.headers["content-type"] == "application/octet-stream"


@pytest.mark.parametrize("path", ["/bytes/70000", "/encoding/latin1", "/encoding/sjis", "/gzip"])
def test_content_is_byte_exact(s: Session, path: str, server) -> None:
    """`content` is fetched through `text` in iso-8859-1 (a fast path): bytes must not change,
    and the response's encoding must be what it was."""
    r = s.get(server.url(path))
    encoding = r.encoding
    reference = s.get(server.url(path), stream=True)
    assert r.content == b"".join(reference.iter_content(4096))   # read-chunk: list<u8>
    assert r.encoding == encoding
    if path == "/bytes/70000":
        assert r.content == _pattern(70000)
    if path == "/encoding/sjis":
        assert encoding == "shift_jis" and r.content == bytes(range(256))


def test_binary_upload_is_byte_exact(s: Session, server) -> None:
    data = bytes(range(256)) * 4
    r = s.post(server.url("/post"), data=data)
    assert r.json()["headers"]["content-length"] == "1024"
    assert "content-type" not in r.json()["headers"]
    utf8 = "héllo\x00wörld".encode("utf-8")
    assert s.post(server.url("/post"), data=utf8).json()["data"] == "héllo\x00wörld"


def test_prepare_and_send(s: Session, server) -> None:
    s.headers["X-Session"] = "yes"
    prepared = s.prepare_request(Request("POST", server.url("/anything"), params={"p": "1"},
                                         json={"a": 1}))
    assert prepared.method == "POST"
    assert prepared.url == server.url("/anything?p=1")
    assert prepared.headers["x-session"] == "yes"
    assert prepared.body == b'{"a": 1}'
    prepared.set_header("X-Added", "later")
    prepared.body = b'{"a": 2}'
    prepared.method = "PUT"
    echo = s.send(prepared, timeout=5).json()
    assert echo["method"] == "PUT"
    assert echo["json"] == {"a": 2}
    assert echo["headers"]["x-added"] == "later"
    assert echo["headers"]["content-length"] == "8"


def test_response_close_releases_resource(s: Session, server) -> None:
    with s.get(server.url("/get")) as r:
        status = r.status_code
    assert status == 200
    assert r.status_code == 200              # cached attributes stay readable
    with pytest.raises(ValueError):
        r.headers                            # not fetched before close: the resource is gone


def test_many_requests_do_not_leak_handles(s: Session, server) -> None:
    for _ in range(50):
        assert s.get(server.url("/get")).status_code == 200
