"""Large bodies never trap the instance (see `requests_wasm._limits`): wasmtime-py traps a call
that lifts more than about 2.67 MiB of `list<u8>` (or 128 MiB of `string`) out of the guest, and
every later call then fails with "cannot enter component instance".

The first tests move real sizes past those limits (10 MiB, and 3 MiB where the bounded path is
slow) and check that the session works afterwards, which way a body was read (`Response._reads`
counts the one-call `string` reads and the bounded `read-chunk` ones), and that hooks, shown
bodies only up to 1 MiB by the component, let bodies of any size through. The others lower the
limits (`small_limits`) so that every bounded path runs on small bodies, and check it against
what the component's own calls give for the same request."""

from __future__ import annotations

import hashlib
from typing import Any, Dict, List

import pytest

import requests_wasm as rw
from loopback_server import _pattern
from requests_wasm import (Adapter, CannedResponse, HookRequest, HookResponse, Request, Session,
                           _limits)
from requests_wasm.models import decode_like_component

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
    assert report["body_len"] == n and report["sha256"] == sha256(text.encode())
    report = s.put(server.url("/upload"), json={"k": text}).json()
    assert report["body_len"] == n + 9 and report["content_type"] == "application/json"
    assert_usable(s)


ONE_STRING = {"string": 1, "pieces": 0}
IN_PIECES = {"string": 0, "pieces": 1}
KEPT = {"string": 0, "pieces": 0, "kept": 1}


@pytest.mark.parametrize("path,reads", [("/bytes/{n}?gzip=1", ONE_STRING),
                                        ("/stream-bytes/{n}", KEPT),
                                        ("/stream-bytes/{n}?gzip=1", ONE_STRING)])
def test_a_body_in_memory_is_one_string_whatever_its_encoding_or_framing(
        s: Session, server, assert_usable, path: str, reads: dict) -> None:
    """`body-size` tells the size of any body the component read into memory: a gzip'd one,
    chunked or not, is one fast `string`, not 1 MiB `read-chunk` pieces (~1 us per byte). A
    large body with nothing to decode never enters the component: the urllib3 adapter keeps
    it and the wrapper reads it from there (`take-host-body`)."""
    data = _pattern(OVER_LIST_LIFT)
    url = server.url(path.format(n=len(data)))
    r = s.get(url)
    assert r.content == data and r._reads == reads
    r = s.get(url)
    assert r.text == data.decode("utf-8", "replace") and r._reads == reads
    r = s.get(server.url(f"/gzip?pad={OVER_LIST_LIFT}"))
    assert r.json()["pad"] == "x" * OVER_LIST_LIFT and r._reads == ONE_STRING
    assert_usable(s)


def test_a_streamed_body_of_unknown_size_is_read_in_pieces(s: Session, server,
                                                           assert_usable) -> None:
    data = _pattern(OVER_LIST_LIFT)
    url = server.url(f"/stream-bytes/{len(data)}?gzip=1")
    r = s.get(url, stream=True)       # not read yet, and max_body_size is 256 MiB
    assert r.content == data and r._reads == IN_PIECES
    r = s.get(url, stream=True)
    chunks = list(r.iter_content(100 * MiB))
    assert b"".join(chunks) == data and max(map(len, chunks)) <= MiB
    s.max_body_size = 32 << 20        # now any body it can read whole fits in one string
    r = s.get(url, stream=True)
    assert r.content == data and r._reads == ONE_STRING
    assert_usable(s)


def test_a_body_over_the_string_limit_is_read_in_pieces(s: Session, server,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    data = _pattern(OVER_LIST_LIFT)
    monkeypatch.setattr(_limits, "STRING_SAFE_BODY", OVER_LIST_LIFT - 1)
    r = s.get(server.url(f"/bytes/{len(data)}?gzip=1"))
    assert r.content == data and r._reads == IN_PIECES
    monkeypatch.setattr(_limits, "STRING_SAFE_BODY", OVER_LIST_LIFT)
    r = s.get(server.url(f"/bytes/{len(data)}?gzip=1"))
    assert r.content == data and r._reads == ONE_STRING


def test_binary_upload_and_files_go_in_pieces(s: Session, server, assert_usable) -> None:
    data = _pattern(OVER_LIST_LIFT)                  # not UTF-8: streamed with a length
    report = s.post(server.url("/upload"), data=data).json()
    assert report["sha256"] == sha256(data)
    assert report["content_length"] == str(len(data)) and report["transfer_encoding"] is None
    report = s.post(server.url("/upload"), files={"f": ("f.bin", data)}).json()
    assert report["body_len"] > len(data)
    assert report["content_type"].startswith("multipart/form-data; boundary=")
    assert_usable(s)


@pytest.mark.usefixtures("needs_hooks")
def test_with_a_response_hook_a_large_download_goes_and_the_hook_sees_none(
        s: Session, server, assert_usable) -> None:
    seen: List[Any] = []
    s.hooks["response"].append(lambda res: seen.append(res.content))
    data = _pattern(OVER_LIST_LIFT)
    for path in [f"/bytes/{len(data)}", f"/bytes/{len(data)}?gzip=1",
                 f"/stream-bytes/{len(data)}"]:
        r = s.get(server.url(path))
        assert r.content == data and r._reads == ONE_STRING, path
    assert seen == [None, None, None]
    assert s.max_body_size == 256 * MiB
    r = s.get(server.url(f"/bytes/{len(data)}"), stream=True)
    assert seen[-1] is None and r.content == data
    assert s.get(server.url("/bytes/10")).content == _pattern(10) and seen[-1] == _pattern(10)
    assert_usable(s)


@pytest.mark.usefixtures("needs_hooks")
def test_a_response_hook_that_gives_no_body_keeps_one_it_was_not_shown(
        s: Session, server) -> None:
    def relabel(res: HookResponse) -> HookResponse:
        assert res.content is None
        res.status_code = 299
        res.headers["X-Hooked"] = "1"
        return res

    data = _pattern(OVER_LIST_LIFT)
    r = s.get(server.url(f"/bytes/{len(data)}?gzip=1"), hooks={"response": relabel})
    assert (r.status_code, r.headers["x-hooked"]) == (299, "1") and r.content == data
    r = s.get(server.url(f"/bytes/{len(data)}"), hooks={"response": lambda res: HookResponse(
        201, res.headers, res.content)})
    assert r.status_code == 201 and r.content == data
    # A body the hook gives replaces it, and may be larger than hooks are shown.
    big = b"y" * (_limits.HOOK_BODY_LIMIT + 1)
    r = s.get(server.url(f"/bytes/{len(data)}"),
              hooks={"response": lambda res: HookResponse(200, {}, big)})
    assert r.content == big and r._reads == ONE_STRING
    r = s.get(server.url(f"/bytes/{len(data)}"),
              hooks={"response": lambda res: HookResponse(200, {}, b"")})
    assert r.content == b""


@pytest.mark.usefixtures("needs_hooks")
@pytest.mark.parametrize("body", ["text", "binary", "json"])
def test_a_request_hook_that_adds_a_header_to_a_large_upload_keeps_the_body(
        s: Session, server, assert_usable, body: str) -> None:
    seen: List[Any] = []

    def sign(req: HookRequest) -> None:
        seen.append(req.body)
        req.headers["X-Signed"] = "1"

    s.hooks["request"].append(sign)
    s.hooks["response"].append(lambda res: seen.append(res.request.body))
    payload: Dict[str, Any] = {
        "text": {"data": "b" * OVER_LIST_LIFT},
        "binary": {"data": _pattern(OVER_LIST_LIFT)},     # streamed: not UTF-8
        "json": {"json": {"k": "j" * OVER_LIST_LIFT}},
    }[body]
    report = s.post(server.url("/upload"), **payload).json()
    expected = OVER_LIST_LIFT + (9 if body == "json" else 0)
    assert report["body_len"] == expected and report["headers"]["x-signed"] == "1"
    assert seen == [None, None]
    assert_usable(s)


@pytest.mark.usefixtures("needs_hooks")
def test_a_large_text_body_with_hooks_is_replayed_and_sent_as_prepared(
        s: Session, server) -> None:
    """With hooks set, a large text body still goes whole (not streamed): a 307 re-sends it,
    and a prepared request with hooks sends it."""
    seen: List[Any] = []
    s.hooks["request"].append(lambda req: seen.append(req.body))
    text = "t" * OVER_LIST_LIFT
    redirect = server.url("/redirect-to?url=/upload&status_code=307")
    report = s.post(redirect, data=text).json()
    assert report["body_len"] == len(text) and report["method"] == "POST"
    assert seen == [None, None]                       # both hops; the hook is not shown it
    prepared = s.prepare_request(Request("PUT", server.url("/upload"), data=text,
                                         hooks={"response": lambda res: None}))
    assert s.send(prepared).json()["body_len"] == len(text)
    with pytest.raises(rw.BodyTooLargeError):         # still not lifted out whole
        prepared.body


# ---- every bounded path, on small bodies ------------------------------------------------------

@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> Dict[str, int]:
    """Limits so small that every body takes the bounded paths: nothing is taken as one string,
    reads are 7 bytes, and 64 bytes is a large request body."""
    limits = {"STRING_SAFE_BODY": 0, "READ_PIECE": 7, "LIST_BODY_LIMIT": 64}
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
    """A streamed body of unknown size read in pieces keeps `max_body_size` here, with the
    component's errors word for word (`Response._too_large` copies them: the component's own
    `text` cannot be used for it, as it would lift up to `max_body_size` as one string)."""
    def errors() -> List[Any]:
        s.max_body_size = 100
        out = []
        for path in ("/stream-bytes/1000", "/stream-bytes/1000?gzip=1"):
            r = s.get(server.url(path), stream=True)
            for _ in range(2):
                try:
                    r.content
                except rw.RequestException as e:
                    out.append((type(e).__name__, e.kind, e.message, e.url))
        r = s.get(server.url("/drip?numbytes=500&chunks=5&delay_ms=1"), stream=True)
        with pytest.raises(rw.BodyTooLargeError, match="a line of the body") as info:
            list(r.iter_lines())
        out.append((type(info.value).__name__, info.value.kind, info.value.message,
                    info.value.url))
        s.max_body_size = 256 * MiB
        return out

    expected = errors()                               # the component's reads
    assert [e[0] for e in expected] == ["BodyTooLargeError", "StreamConsumedError",
                                        "ContentDecodingError", "StreamConsumedError",
                                        "BodyTooLargeError"]
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
    assert s.post(redirect, data=text.encode()).json()["body_len"] == 2000


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


@pytest.mark.usefixtures("needs_hooks")
def test_with_hooks_bodies_go_as_without_them(s: Session, server, assert_usable,
                                               small_limits) -> None:
    """Hooks no longer change how a body goes: text whole (replayed on a 307), binary over
    `LIST_BODY_LIMIT` streamed; the hooks are shown what the component holds, up to 1 MiB."""
    seen: List[Any] = []
    s.hooks["request"].append(lambda req: seen.append(req.body))
    s.hooks["response"].append(lambda res: seen.append(res.content))
    redirect = server.url("/redirect-to?url=/upload&status_code=307")
    assert s.post(redirect, data="x" * 100).json()["body_len"] == 100
    assert seen[0] == seen[2] == b"x" * 100           # each hop's request hook saw the body
    seen.clear()
    binary = bytes(range(256))
    assert s.post(redirect, data=binary).status_code == 307    # streamed: sent once
    assert seen == [None, b""]
    seen.clear()
    prepared = s.prepare_request(Request("POST", server.url("/upload"), data="w" * 100))
    assert s.send(prepared).json()["body_len"] == 100 and seen[0] == b"w" * 100
    r = s.get(server.url("/stream-bytes/1000?gzip=1"))
    assert r.content == _pattern(1000) and seen[-1] == _pattern(1000)
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


def test_text_is_decoded_here_exactly_as_the_component_decodes_it(s: Session) -> None:
    body = (bytes(range(256)) + b"\xe2\x82a\xf0\x9f\x98\xed\xa0\x80\xc0\xaf\xf4\x90\x80\x80"
            + b"\xe0\x80\xaf\xf8\x88\x80\x80\x80" + "h\u00e9llo \U0001F600".encode() + b"\xc3")
    for charset in ["utf-8", "iso-8859-1", "windows-1252", "us-ascii", "shift_jis", "latin1"]:
        adapter = Adapter.scripted([CannedResponse(
            200, [("Content-Type", f"text/plain; charset={charset}")], body)])
        s.mount("mock://", adapter)
        r = s.get("mock://x")
        assert decode_like_component(body, r.encoding) == r._call_ok("text"), charset
