"""The features beyond the first API, against the loopback server: Digest auth, multipart uploads
(`files=`), `iter_lines` on `read-line`, `links`, brotli/zstd, `max_body_size`, `base_url`,
`error_for_status`, saved state and `merge_environment_settings`."""

from __future__ import annotations

import json

import pytest

import requests_wasm as rw
from requests_wasm import HTTPBasicAuth, HTTPDigestAuth, Request, Session

DIGEST_ALGORITHMS = ["MD5", "MD5-sess", "SHA", "SHA-256", "SHA-256-sess", "SHA-512-256"]


# ---- Digest auth -------------------------------------------------------------------------------

@pytest.mark.parametrize("algorithm", DIGEST_ALGORITHMS)
def test_digest_auth_as_session_auth(s: Session, server, algorithm: str) -> None:
    s.auth = HTTPDigestAuth("user", "passwd")
    r = s.get(server.url(f"/digest-auth/auth/user/passwd/{algorithm}"))
    assert r.status_code == 200
    assert r.json() == {"authenticated": True, "user": "user", "nc": "00000001",
                        "algorithm": algorithm}
    # the challenge is kept in the history; the retry carried the cookie it set (else 403)
    assert [h.status_code for h in r.history] == [401]


def test_digest_auth_per_request_reuses_the_nonce(s: Session, server) -> None:
    url = server.url("/digest-auth/auth/u/p/SHA-256")
    assert s.get(url).status_code == 401                      # no auth: the challenge
    r = s.get(url, auth=HTTPDigestAuth("u", "p"))
    assert r.json()["nc"] == "00000001" and len(r.history) == 1
    r = s.get(url, auth=HTTPDigestAuth("u", "p"))             # known nonce: answered up front
    assert r.json()["nc"] == "00000002" and r.history == []
    assert s.auth is None                                     # the session's auth is unchanged
    s.auth = HTTPDigestAuth("u", "p")
    assert s.get(url, auth=False).status_code == 401          # disabled for one request
    # RFC 2069 style (no qop) works too
    assert s.get(server.url("/digest-auth/none/u/p/MD5")).json()["authenticated"] is True


def test_wrong_digest_password_ends_in_401_after_one_retry(s: Session, server,
                                                           assert_usable) -> None:
    r = s.get(server.url("/digest-auth/auth/u/p/MD5"), auth=HTTPDigestAuth("u", "wrong"))
    assert r.status_code == 401
    assert [h.status_code for h in r.history] == [401]
    assert_usable(s)


def test_digest_auth_value(s: Session) -> None:
    s.auth = HTTPDigestAuth("u", "p")
    assert s.auth == HTTPDigestAuth("u", "p")
    assert isinstance(s.auth, HTTPDigestAuth)
    assert s.auth != HTTPBasicAuth("u", "p") and s.auth != ("u", "p")
    assert "p'" not in repr(s.auth) and "***" in repr(s.auth)
    s.auth = ("u", "p")                                       # a tuple is still Basic
    assert isinstance(s.auth, HTTPBasicAuth)


# ---- multipart uploads -------------------------------------------------------------------------

def test_files_in_every_requests_form(s: Session, server, tmp_path) -> None:
    path = tmp_path / "report.csv"
    path.write_bytes(b"a,b\r\n1,2\r\n")
    with open(path, "rb") as fh:
        r = s.post(server.url("/post"), data={"title": "hi", "tags": ["x", 2]}, files={
            "plain": b"raw bytes",                                    # filename = field name
            "opened": fh,                                             # filename = base name
            "named": ("notes.txt", "text ünïcode"),                   # str is sent as UTF-8
            "typed": ("data.json", b"{}", "application/json"),
            "headed": ("h.bin", b"\x00\x01", None, {"X-Part": "1"}),
            "field": (None, "no filename"),                           # a plain field part
        })
    echo = r.json()
    assert echo["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    assert echo["form"] == [["title", "hi"], ["tags", "x"], ["tags", "2"],
                            ["field", "no filename"]]
    assert echo["files"] == {"plain": "raw bytes", "opened": "a,b\r\n1,2\r\n",
                             "named": "text ünïcode", "typed": "{}", "headed": "\x00\x01"}
    parts = {p["name"]: p for p in echo["parts"]}
    assert [p["name"] for p in echo["parts"]][:3] == ["title", "tags", "tags"]  # data first
    assert parts["plain"]["filename"] == "plain"
    assert parts["opened"]["filename"] == "report.csv"
    assert parts["typed"]["content_type"] == "application/json"
    assert parts["plain"]["content_type"] == "application/octet-stream"  # the component's default
    assert parts["headed"]["headers"]["x-part"] == "1"
    assert parts["field"]["filename"] is None and parts["field"]["content_type"] is None


def test_files_as_pairs_win_over_json_and_prepare(s: Session, server) -> None:
    echo = s.post(server.url("/post"), json={"ignored": True},
                  files=[("f", ("a.txt", b"1")), ("f", ("b.txt", b"2"))]).json()
    assert echo["json"] is None and [p["filename"] for p in echo["parts"]] == ["a.txt", "b.txt"]
    prepared = s.prepare_request(Request("PUT", server.url("/put"), files={"f": b"x"}))
    assert prepared.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'name="f"; filename="f"' in prepared.body
    assert s.send(prepared).json()["files"] == {"f": "x"}


def test_multipart_bad_part_name(s: Session, server, assert_usable) -> None:
    with pytest.raises(rw.InvalidHeader):
        s.post(server.url("/post"), files={"a\r\nb": b"x"})
    assert_usable(s)


# ---- lines, links, decoding ----------------------------------------------------------------------

LINES = ["alpha", "beta", "", "gamma café", "last"]


def test_iter_lines_streamed_reads_line_by_line(s: Session, server) -> None:
    r = s.get(server.url("/lines"), stream=True)
    assert list(r.iter_lines()) == [line.encode() for line in LINES]   # \r\n split across chunks
    assert r.encoding == "utf-8"                 # restored after each bytes line
    r = s.get(server.url("/lines"), stream=True)
    assert list(r.iter_lines(decode_unicode=True)) == LINES
    with pytest.raises(rw.StreamConsumedError):
        r.content
    # the position is shared with iter_content
    r = s.get(server.url("/lines"), stream=True)
    assert next(r.iter_content(3)) == b"alp"
    assert next(r.iter_lines(decode_unicode=True)) == "ha"
    assert list(r.iter_lines(decode_unicode=True)) == LINES[1:]


def test_iter_lines_on_a_read_body_is_repeatable(s: Session, server) -> None:
    r = s.get(server.url("/lines"))
    assert list(r.iter_lines(decode_unicode=True)) == LINES
    assert list(r.iter_lines()) == [line.encode() for line in LINES]
    assert list(r.iter_lines(delimiter=b"a")) == r.content.split(b"a")   # exactly that
    r = s.get(server.url("/encoding/latin1"))
    assert list(r.iter_lines(decode_unicode=True)) == ["café"]


def test_iter_lines_with_a_delimiter(s: Session, server) -> None:
    r = s.get(server.url("/stream/3"), stream=True)
    assert list(r.iter_lines(chunk_size=4, delimiter=b"}\n")) == [b'{"id": 0', b'{"id": 1',
                                                                  b'{"id": 2']


def test_links_keyed_by_rel(s: Session, server) -> None:
    links = s.get(server.url("/response-headers"), params=[
        ("Link", '</page/2>; rel="next", </page/9>; rel="last"; title="end, really"'),
        ("Link", "<https://example.com/about>; type=text/html"),
    ]).links
    assert links["next"] == {"url": server.url("/page/2"), "rel": "next"}   # resolved
    assert links["last"] == {"url": server.url("/page/9"), "rel": "last", "title": "end, really"}
    assert links["https://example.com/about"] == {"url": "https://example.com/about",
                                                  "type": "text/html"}
    assert s.get(server.url("/get")).links == {}
    links = s.get(server.url("/link")).links                     # absolute URLs, kept as given
    assert links == {"next": {"url": server.url("/page/2"), "rel": "next"},
                     "last": {"url": server.url("/page/9"), "rel": "last"}}


@pytest.mark.parametrize("path, flag", [("/brotli", "brotli"), ("/zstd", "zstd")])
def test_brotli_and_zstd_are_decoded(s: Session, server, path: str, flag: str) -> None:
    r = s.get(server.url(path))
    assert r.headers["Content-Encoding"] in ("br", "zstd")
    echo = r.json()
    assert echo[flag] is True and echo["headers"]["accept-encoding"] == "gzip, deflate, br, zstd"


# ---- limits and session-wide switches ------------------------------------------------------------

def test_max_body_size(s: Session, server, assert_usable) -> None:
    assert s.max_body_size == 256 << 20
    s.max_body_size = 1000
    assert s.max_body_size == 1000
    with pytest.raises(rw.BodyTooLargeError) as info:
        s.get(server.url("/bytes/5000"))
    assert info.value.kind == "body-too-large" and "1000" in info.value.message
    s.max_body_size = 10
    with pytest.raises(rw.ContentDecodingError, match="exceeds"):     # a decompression bomb
        s.get(server.url("/gzip"))
    s.max_body_size = 1000
    r = s.get(server.url("/bytes/5000"), stream=True)                 # streamed: no total limit
    assert sum(len(c) for c in r.iter_content(512)) == 5000
    r = s.get(server.url("/drip?numbytes=5000&chunks=5"), stream=True)
    with pytest.raises(rw.BodyTooLargeError):                         # one line is held: capped
        list(r.iter_lines())
    for bad in (-1, 2**64, 1.5, True):
        with pytest.raises(ValueError):
            s.max_body_size = bad
    assert s.max_body_size == 1000
    assert_usable(s)


def test_base_url(s: Session, server) -> None:
    assert s.base_url is None
    s.base_url = server.url("/anything/api")
    assert s.base_url == server.url("/anything/api")
    assert s.get("users", params={"id": 1}).json()["url"] == server.url("/anything/api/users?id=1")
    assert s.get(server.url("/get")).json()["path"] == "/get"        # absolute URLs ignore it
    assert s.prepare_request(Request("GET", "x")).url == server.url("/anything/api/x")
    with pytest.raises((rw.MissingSchema, rw.InvalidURL)):
        s.base_url = "not a url"
    s.base_url = None
    with pytest.raises(rw.MissingSchema):
        s.get("users")


def test_error_for_status(s: Session, server, assert_usable) -> None:
    assert s.error_for_status is False
    assert s.get(server.url("/status/418")).status_code == 418
    s.error_for_status = True
    with pytest.raises(rw.HTTPError) as info:
        s.get(server.url("/status/418"))
    assert info.value.status_code == 418 and info.value.url == server.url("/status/418")
    assert "418 Client Error" in str(info.value)
    head = info.value.response               # the head the error record carries (no body)
    assert isinstance(head, rw.ResponseHead)
    assert (head.status_code, head.reason, head.url) == (418, info.value.reason,
                                                         server.url("/status/418"))
    assert head.headers.pairs()                # the headers as received
    with pytest.raises(rw.HTTPError, match="404"):
        s.get(server.url("/redirect-to?url=/status/404"))
    r = s.get(server.url("/redirect/1"))                             # a hop is not the answer
    assert r.status_code == 200 and [h.status_code for h in r.history] == [302]
    r = s.get(server.url("/digest-auth/auth/u/p/MD5"), auth=HTTPDigestAuth("u", "p"))
    assert r.status_code == 200                                       # an answered 401 neither
    assert_usable(s)
    s.error_for_status = False
    assert s.get(server.url("/status/500")).status_code == 500


# ---- saved state and the environment -------------------------------------------------------------

def test_export_and_import_state(s: Session, server) -> None:
    s.get(server.url("/cookies/set?sid=abc"))
    s.headers["X-Team"] = "blue"
    s.params = {"v": "2"}
    s.timeout = (1.5, None)
    s.auth = rw.BearerAuth("t0ken")
    public = s.export_state()
    assert "t0ken" not in public and json.loads(public)["secrets"] is False
    secret = s.export_state(include_secrets=True)
    assert "t0ken" in secret

    with Session.from_state(secret, env={}) as other:
        echo = other.get(server.url("/anything")).json()
        assert echo["cookies"] == {"sid": "abc"}
        assert echo["headers"]["x-team"] == "blue" and echo["args"] == {"v": "2"}
        assert echo["headers"]["authorization"] == "Bearer t0ken"
        assert other.timeout == (1.5, None)
        assert other.cookies.list()[0].host_only
    with Session.from_state(json.loads(public), env={}) as other:    # a parsed document too
        assert other.auth is None and other.cookies["sid"] == "abc"


def test_import_state_is_all_or_nothing(s: Session) -> None:
    s.cookies["keep"] = "1"
    with pytest.raises(rw.InvalidJSONError):
        s.import_state("{not json")
    for bad in ('{"version": 99}', '{"version": 1, "nope": 1}', '{"version": 1, "cookies": 3}'):
        with pytest.raises(rw.InvalidOption):                     # the wrong shape
            s.import_state(bad)
    assert s.cookies.get_dict() == {"keep": "1"}
    state = s.export_state()
    s.cookies.clear()
    s.import_state(state.encode())
    assert s.cookies.get_dict() == {"keep": "1"}
    with pytest.raises(rw.InvalidOption):
        Session.from_state("[]", env={})


def test_merge_environment_settings() -> None:
    env = {"https_proxy": "http://proxy.example:3128", "REQUESTS_CA_BUNDLE": "/etc/ca.pem"}
    with Session(env=env) as s:
        assert s.merge_environment_settings("https://example.com/x") == {
            "proxies": {"https": "http://proxy.example:3128"},
            "proxy": "http://proxy.example:3128", "stream": False,
            "verify": "/etc/ca.pem", "cert": None, "netrc_auth": False}
        merged = s.merge_environment_settings("http://example.com/x",
                                              proxies={"http": "http://p:1"}, stream=True,
                                              verify=False, cert="/c.pem")
        assert merged == {"proxies": {"http": "http://p:1"}, "proxy": "http://p:1",
                          "stream": True, "verify": False, "cert": "/c.pem", "netrc_auth": False}
        merged = s.merge_environment_settings("https://example.com/x", verify="/my/ca.pem",
                                              cert=("/c.pem", "/k.pem"))
        assert merged["verify"] == "/my/ca.pem" and merged["cert"] == ("/c.pem", "/k.pem")
        s.trust_env = False
        assert s.merge_environment_settings("https://example.com/")["proxies"] == {}
        assert s.merge_environment_settings("https://example.com/")["verify"] is True
        s.base_url = "https://example.com/api"
        assert s.merge_environment_settings("relative")["verify"] is True
