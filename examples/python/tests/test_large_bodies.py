"""Large bodies never trap the instance (see `requests_wasm._limits`): wasmtime-py traps a call
that lifts more than about 2.67 MiB of `list<u8>` (or 128 MiB of `string`) out of the guest, and
every later call then fails with "cannot enter component instance".

The first tests move real sizes past those limits (10 MiB, and 3 MiB where the bounded path is
slow) and check that the session works afterwards. The others lower the limits (`small_limits`)
so that every bounded path runs on small bodies, and check it against what the component's own
calls give for the same request."""

from __future__ import annotations

import hashlib
from typing import Any, Dict, List

import pytest

import requests_wasm as rw
from loopback_server import _pattern
from requests_wasm import (Adapter, CannedResponse, HookResponse, Request, Session, _limits)
from requests_wasm.models import decode_like_component
from requests_wasm.options import encode_form

MiB = 1 << 20
#: Past what one call can lift as a `list<u8>` (2,796,202 bytes).
OVER_LIST_LIFT = 3 * MiB


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def lines_of(data: bytes) -> List[bytes]:
    """The component's line rule: split on \\n, a \\r before it dropped, no empty last line."""
    lines = data.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


# ---- real sizes -------------------------------------------------------------------------------

def test_ten_mib_download_and_upload(s: Session, server, assert_usable) -> None:
    n = 10 * MiB
    r = s.get(server.url(f"/bytes/{n}"))
    assert r.content == _pattern(n)                 # one ISO-8859-1 `string` (Content-Length)
    assert sum(len(c) for c in r.iter_content(4 * MiB)) == n
    text = "a" * n
    report = s.post(server.url("/upload"), data=text).json()   # one `string`, replayable
    assert report["length"] == n and report["sha256"] == sha256(text.encode())
    report = s.put(server.url("/upload"), json={"k": text}).json()
    assert report["length"] == n + 9 and report["content_type"] == "application/json"
    assert_usable(s)


def test_download_of_unknown_size_is_read_in_pieces(s: Session, server, assert_usable) -> None:
    data = _pattern(OVER_LIST_LIFT)
    r = s.get(server.url(f"/stream-bytes/{len(data)}"))      # chunked: no size known
    assert r.content == data
    assert r.text == data.decode("utf-8", "replace")
    r = s.get(server.url(f"/stream-bytes/{len(data)}"), stream=True)
    assert r.content == data
    r = s.get(server.url(f"/stream-bytes/{len(data)}"), stream=True)
    chunks = list(r.iter_content(100 * MiB))
    assert b"".join(chunks) == data and max(map(len, chunks)) <= MiB
    assert_usable(s)


def test_binary_upload_and_files_go_in_pieces(s: Session, server, assert_usable) -> None:
    data = _pattern(OVER_LIST_LIFT)                  # not UTF-8: streamed with a length
    report = s.post(server.url("/upload"), data=data).json()
    assert report["sha256"] == sha256(data)
    assert report["content_length"] == str(len(data)) and report["transfer_encoding"] is None
    report = s.post(server.url("/upload"), files={"f": ("f.bin", data)}).json()
    assert report["length"] > len(data)
    assert report["content_type"].startswith("multipart/form-data; boundary=")
    assert_usable(s)


def test_hooks_never_see_a_body_too_large_to_pass(s: Session, server, assert_usable) -> None:
    seen: List[Any] = []
    text = "b" * OVER_LIST_LIFT
    r = s.post(server.url("/upload"), data=text, hooks={"request": lambda req: seen.append(req.body)})
    assert r.json()["length"] == len(text) and seen == [None]   # streamed: the hook sees no body
    with pytest.raises(rw.BodyTooLargeError, match="response hooks"):
        s.get(server.url(f"/bytes/{OVER_LIST_LIFT}"), hooks={"response": lambda res: None})
    assert_usable(s)
    assert s.max_body_size == 256 * MiB              # put back after the call
    r = s.get(server.url(f"/bytes/{OVER_LIST_LIFT}"), stream=True,
              hooks={"response": lambda res: seen.append(res.content)})
    assert seen[-1] is None and r.content == _pattern(OVER_LIST_LIFT)
    with pytest.raises(rw.HookError, match="a hook may give at most"):
        s.get(server.url("/get"), hooks={"response": lambda res: HookResponse(
            200, {}, b"x" * (_limits.HOOK_BODY_LIMIT + 1))})
    assert_usable(s)


# ---- every bounded path, on small bodies ------------------------------------------------------

@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> Dict[str, int]:
    """Limits so small that every body takes the bounded paths: nothing is taken as one string,
    reads are 7 bytes, and 64 bytes is a large request body (and the most hooks get)."""
    limits = {"STRING_SAFE_BODY": 0, "READ_PIECE": 7, "LIST_BODY_LIMIT": 64,
              "HOOK_BODY_LIMIT": 64}
    for name, value in limits.items():
        monkeypatch.setattr(_limits, name, value)
    return limits


def reads(s: Session, url: str, stream: bool) -> Dict[str, Any]:
    """Everything a caller can read of a body, each from a response of its own."""
    out: Dict[str, Any] = {}
    out["content"] = s.get(url, stream=stream).content
    out["text"] = s.get(url, stream=stream).text
    out["lines"] = list(s.get(url, stream=stream).iter_lines())
    out["text lines"] = list(s.get(url, stream=stream).iter_lines(decode_unicode=True))
    out["chunks"] = b"".join(s.get(url, stream=stream).iter_content(5))
    try:
        out["json"] = s.get(url, stream=stream).json()
    except rw.JSONDecodeError:
        out["json"] = "not JSON"
    return out


@pytest.mark.parametrize("stream", [False, True])
def test_bounded_reads_give_what_the_component_gives(s: Session, server, stream: bool,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    paths = ["/bytes/1000", "/stream-bytes/1000?chunk_size=10", "/lines", "/gzip", "/deflate",
             "/brotli", "/encoding/latin1", "/encoding/sjis", "/html", "/stream/3"]
    expected = {path: reads(s, server.url(path), stream) for path in paths}
    monkeypatch.setattr(_limits, "STRING_SAFE_BODY", 0)
    monkeypatch.setattr(_limits, "READ_PIECE", 7)
    for path in paths:
        got = reads(s, server.url(path), stream)
        for key, value in expected[path].items():
            if path == "/brotli" and key == "json":  # the echo holds the request's own url
                continue
            assert got[key] == value, (path, key)
    assert lines_of(expected["/bytes/1000"]["content"]) == expected["/bytes/1000"]["lines"]


def test_bounded_streamed_reads_share_one_position(s: Session, server, small_limits) -> None:
    lines = ["alpha", "beta", "", "gamma café", "last"]
    r = s.get(server.url("/lines"), stream=True)
    assert next(r.iter_content(3)) == b"alp"
    assert next(r.iter_lines(decode_unicode=True)) == "ha"
    assert next(r.iter_content(2)) == b"be"           # the rest of what was read ahead
    assert list(r.iter_lines(decode_unicode=True)) == ["ta"] + lines[2:]
    with pytest.raises(rw.StreamConsumedError):
        r.content
    r = s.get(server.url("/lines"), stream=True)
    assert list(r.iter_lines()) == [line.encode() for line in lines]
    with pytest.raises(rw.StreamConsumedError):       # as the component's read-line
        list(r.iter_lines())


def test_bounded_streamed_reads_keep_max_body_size(s: Session, server,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def errors() -> List[str]:
        s.max_body_size = 100
        out = []
        r = s.get(server.url("/stream-bytes/1000"), stream=True)
        for _ in range(2):
            try:
                r.content
            except rw.RequestException as e:
                out.append(type(e).__name__)
        r = s.get(server.url("/drip?numbytes=500&chunks=5"), stream=True)
        with pytest.raises(rw.BodyTooLargeError, match="a line of the body"):
            list(r.iter_lines())
        s.max_body_size = 256 * MiB
        return out

    expected = errors()                               # the component's reads
    assert expected == ["BodyTooLargeError", "StreamConsumedError"]
    monkeypatch.setattr(_limits, "STRING_SAFE_BODY", 0)
    monkeypatch.setattr(_limits, "READ_PIECE", 7)
    assert errors() == expected                       # the bounded reads


def test_large_binary_bodies_are_streamed_and_sent_once(s: Session, server,
                                                        small_limits) -> None:
    binary = bytes(range(256)) * 4
    report = s.post(server.url("/upload"), data=binary).json()
    assert report["sha256"] == sha256(binary) and report["content_length"] == "1024"
    # A streamed body is not replayed: the 307 comes back instead of being followed.
    redirect = server.url("/redirect-to?url=/upload&status_code=307")
    assert s.post(redirect, data=binary).status_code == 307
    # A text body of any size goes whole, and is replayed as requests does.
    text = "é" * 1000
    report = s.post(redirect, data=text).json()
    assert report["sha256"] == sha256(text.encode()) and report["method"] == "POST"
    assert s.post(redirect, data=text.encode()).json()["length"] == 2000


@pytest.mark.parametrize("payload", [b"\xff\x00binary", b"text only"])
def test_large_multipart_bodies_match_the_components(s: Session, server, payload: bytes,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    files = {"f": ('a "quoted" \\ name.txt', payload * 10, "application/x-test", {"X-Part": "1"}),
             "g": "plain", "h": ("h.bin", payload * 10)}
    data = {"field": ["v1", "v2"]}
    expected = s.post(server.url("/post"), files=files, data=data).json()
    monkeypatch.setattr(_limits, "LIST_BODY_LIMIT", 64)
    got = s.post(server.url("/post"), files=files, data=data).json()
    assert got["parts"] == expected["parts"] and got["form"] == expected["form"]
    assert got["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    with pytest.raises(rw.InvalidHeader):
        s.post(server.url("/post"), files={"f": ("bad\r\nname", payload * 10)})


def test_with_hooks_large_bodies_are_kept_from_them(s: Session, server, assert_usable,
                                                    small_limits) -> None:
    seen: List[Any] = []
    s.hooks["request"].append(lambda req: seen.append(req.body))
    assert s.post(server.url("/upload"), data="x" * 10).json()["length"] == 10
    assert s.post(server.url("/upload"), json={"k": "y" * 100}).json()["length"] == 109
    assert s.post(server.url("/upload"), data={"k": "z" * 100}).json()["content_type"] == \
        "application/x-www-form-urlencoded"
    assert seen == [b"x" * 10, None, None]
    s.hooks["request"].clear()
    prepared = s.prepare_request(Request("POST", server.url("/upload"), data="w" * 100,
                                         hooks={"response": lambda res: None}))
    with pytest.raises(rw.InvalidOption, match="hooks are set"):
        s.send(prepared)
    with pytest.raises(rw.BodyTooLargeError, match="response hooks"):
        s.get(server.url("/get"), hooks={"response": lambda res: None})
    with pytest.raises(rw.HookError):
        s.get(server.url("/get"), stream=True,
              hooks={"request": lambda req: HookResponse(200, {}, b"v" * 100)})
    assert_usable(s)


def test_prepared_bodies_are_only_read_when_small(s: Session, server, small_limits) -> None:
    prepared = s.prepare_request(Request("POST", server.url("/post"), data="x" * 10))
    with pytest.raises(rw.BodyTooLargeError, match="prepared request's body is 10 bytes"):
        prepared.body
    prepared.set_header("Content-Length", None)       # the size known when it was made counts
    with pytest.raises(rw.BodyTooLargeError):
        prepared.body
    prepared.body = b"y" * 10
    assert prepared.body == b"y" * 10                 # the one given, not lifted again
    assert s.send(prepared).json()["data"] == "y" * 10
    assert s.prepare_request(Request("GET", server.url("/get"))).body is None


def test_forms_are_encoded_here_exactly_as_the_component_encodes_them(s: Session, server) -> None:
    pairs = [("k é~*", "a b&c=d+e/f?g%h"), ("-._", "\u00ff\U0001F600"), ("empty", "")]
    prepared = s.prepare_request(Request("POST", server.url("/post"), data=pairs))
    assert encode_form(pairs) == prepared.body


def test_text_is_decoded_here_exactly_as_the_component_decodes_it(s: Session) -> None:
    body = (bytes(range(256)) + b"\xe2\x82a\xf0\x9f\x98\xed\xa0\x80\xc0\xaf\xf4\x90\x80\x80"
            + b"\xe0\x80\xaf\xf8\x88\x80\x80\x80" + "h\u00e9llo \U0001F600".encode() + b"\xc3")
    for charset in ["utf-8", "iso-8859-1", "windows-1252", "us-ascii", "shift_jis", "latin1"]:
        adapter = Adapter.scripted([CannedResponse(
            200, [("Content-Type", f"text/plain; charset={charset}")], body)])
        s.mount("mock://", adapter)
        r = s.get("mock://x")
        assert decode_like_component(body, r.encoding) == r._call_ok("text"), charset
