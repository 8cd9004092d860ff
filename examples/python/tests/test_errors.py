"""Every error the loopback setup can provoke, mapped to its requests-style exception with the WIT
case in `.kind`; and after each one the session still works. Also the completeness of the map."""

from __future__ import annotations

import json

import pytest

import requests_wasm as rw
from loopback_server import closed_port
from requests_wasm import Adapter, Session
from requests_wasm._component import SESSION, Instance


def test_every_wit_error_case_has_an_exception() -> None:
    """Read the `error-kind` enum from the component itself and check the map covers it."""
    inst = Instance()
    fty = inst.func(SESSION, "[method]session.set-headers").type(inst.store)
    error = fty.result.err                    # the `error` record
    assert [name for name, _ in error.fields] == ["kind", "message", "url", "response", "history",
                                                 "code"]
    kind = dict(error.fields)["kind"]
    cases = [kind.name(i) for i in range(kind.names_count)]
    assert len(cases) == 26                   # `proxy` is the 26th
    assert set(cases) == set(rw.ERROR_CLASSES)
    for name, cls in rw.ERROR_CLASSES.items():
        assert issubclass(cls, rw.RequestException)
        assert cls.default_kind == name


def test_hierarchy_matches_requests() -> None:
    assert issubclass(rw.ConnectTimeout, rw.ConnectionError)
    assert issubclass(rw.ConnectTimeout, rw.Timeout)
    assert issubclass(rw.ReadTimeout, rw.Timeout)
    assert issubclass(rw.ConnectionRefused, rw.ConnectionError)
    assert issubclass(rw.SSLError, rw.ConnectionError)
    assert issubclass(rw.ProxyError, rw.ConnectionError)
    assert issubclass(rw.MissingSchema, ValueError)
    assert issubclass(rw.InvalidHeader, ValueError)
    assert issubclass(rw.JSONDecodeError, rw.InvalidJSONError)
    assert issubclass(rw.JSONDecodeError, json.JSONDecodeError)
    assert issubclass(rw.RequestException, IOError)


def test_connection_refused(s: Session, assert_usable) -> None:
    url = f"http://127.0.0.1:{closed_port()}/nothing"
    with pytest.raises(rw.ConnectionError) as info:
        s.get(url)
    assert isinstance(info.value, rw.ConnectionRefused)
    assert info.value.kind == "connection-refused"
    assert url in info.value.message
    assert info.value.url == url                # network errors name their URL
    assert info.value.response is None and info.value.code is None
    assert_usable(s)


@pytest.mark.parametrize("url, cls, kind", [
    ("127.0.0.1/get", rw.MissingSchema, "missing-schema"),
    ("ftp://127.0.0.1/file", rw.InvalidSchema, "invalid-schema"),
    ("http://", rw.InvalidURL, "invalid-url"),
    ("http://exa mple.com/", rw.InvalidURL, "invalid-url"),
])
def test_bad_urls(s: Session, assert_usable, url: str, cls: type, kind: str) -> None:
    with pytest.raises(cls) as info:
        s.get(url)
    assert info.value.kind == kind and info.value.message
    assert_usable(s)


def test_missing_schema_message(s: Session) -> None:
    with pytest.raises(rw.MissingSchema, match="No scheme supplied"):
        s.get("example.com/path")


@pytest.mark.parametrize("headers", [
    {"X-Bad": "a\r\nb"},
    {"X-Bad": "a\nInjected: 1"},
    {"Bad\r\nName": "v"},
])
def test_invalid_header(s: Session, server, assert_usable, headers) -> None:
    with pytest.raises(rw.InvalidHeader) as info:
        s.get(server.url("/get"), headers=headers)
    assert info.value.kind == "invalid-header"
    assert_usable(s)


def test_header_forbidden_by_wasi_http(wasi: Session, s: Session, server, assert_usable,
                                       needs_urllib3) -> None:
    with pytest.raises(rw.InvalidHeader) as info:
        wasi.get(server.url("/get"), headers={"Connection": "close"})
    assert info.value.kind == "invalid-header"
    assert_usable(wasi)
    # urllib3 sends it, as requests does
    r = s.get(server.url("/get"), headers={"Connection": "close"})
    assert r.json()["headers"]["connection"] == "close"
    assert_usable(s)


def test_invalid_header_in_session_defaults(s: Session, assert_usable) -> None:
    with pytest.raises(rw.InvalidHeader):
        s.headers["X-Bad"] = "line1\r\nline2"
    assert "X-Bad" not in s.headers
    with pytest.raises(rw.InvalidHeader):   # checked in Python, as requests does
        s.get("http://127.0.0.1/", headers={"X-Num": 5})
    assert_usable(s)


def test_invalid_method(s: Session, server, assert_usable) -> None:
    with pytest.raises(rw.InvalidMethod) as info:
        s.request("GE T", server.url("/get"))
    assert info.value.kind == "invalid-method"
    assert_usable(s)


def test_invalid_json_body(s: Session, server, assert_usable) -> None:
    with pytest.raises(rw.InvalidJSONError) as info:
        s.post(server.url("/post"), json={"x": float("nan")})
    assert info.value.kind == "invalid-json"
    assert not isinstance(info.value, rw.JSONDecodeError)
    assert_usable(s)


def test_json_decode_error(s: Session, server, assert_usable) -> None:
    r = s.get(server.url("/html"))
    with pytest.raises(rw.JSONDecodeError) as info:
        r.json()
    assert info.value.kind == "json-decode"
    with pytest.raises(json.JSONDecodeError):   # also catchable as the stdlib error
        r.json()
    with pytest.raises(ValueError):
        r.json()
    assert_usable(s)


def test_raise_for_status_404(s: Session, server, assert_usable) -> None:
    r = s.get(server.url("/status/404"))
    assert r.status_code == 404 and not r.ok
    with pytest.raises(rw.HTTPError) as info:
        r.raise_for_status()
    e = info.value
    assert e.kind == "http-status"
    assert e.response is r
    assert e.status_code == 404 and e.reason == "Not Found"
    assert str(e) == f"404 Client Error: Not Found for url: {server.url('/status/404')}"
    assert e.request.url == server.url("/status/404")
    with pytest.raises(rw.HTTPError, match="500 Server Error"):
        s.get(server.url("/status/500")).raise_for_status()
    assert_usable(s)


def test_too_many_redirects(s: Session, server, assert_usable) -> None:
    s.max_redirects = 4
    with pytest.raises(rw.TooManyRedirects) as info:
        s.get(server.url("/loop"))
    e = info.value
    assert e.kind == "too-many-redirects"
    assert str(e) == "Exceeded 4 redirects."
    # the head of the last hop, as the error record carries it (no body), and the heads of
    # the hops before it as its `history`, oldest first (requests' `e.response.history`)
    assert isinstance(e.response, rw.ResponseHead)
    assert e.response.status_code == 302 and e.response.reason == "Found"
    assert e.response.url == server.url("/loop") == e.url
    assert e.response.headers["location"]
    assert len(e.response.history) == 4
    assert all(isinstance(h, rw.ResponseHead) and h.status_code == 302 and h.history == []
               for h in e.response.history)
    assert e.request is None
    # a chain within the limit is fine
    assert s.get(server.url("/redirect/4")).status_code == 200
    assert_usable(s)


def test_read_timeout(s: Session, server, assert_usable) -> None:
    with pytest.raises(rw.ReadTimeout) as info:
        s.get(server.url("/delay/2000"), timeout=(None, 0.25))
    e = info.value
    assert isinstance(e, rw.Timeout) and not isinstance(e, rw.ConnectionError)
    assert e.kind == "read-timeout"
    assert server.url("/delay/2000") in e.message and e.url == server.url("/delay/2000")
    with pytest.raises(rw.Timeout):            # a plain number is both timeouts
        s.get(server.url("/delay/2000"), timeout=0.25)
    assert_usable(s)


def test_content_decoding_error(s: Session, server, assert_usable) -> None:
    with pytest.raises(rw.ContentDecodingError) as info:
        s.get(server.url("/bad-gzip"))
    assert info.value.kind == "content-decoding"
    r = s.get(server.url("/bad-gzip"), stream=True)   # streamed: the error comes on reading
    with pytest.raises(rw.ContentDecodingError):
        r.content
    assert_usable(s)


def test_protocol_error_is_transport(wasi: Session, server, assert_usable) -> None:
    with pytest.raises(rw.TransportError) as info:
        wasi.get(server.url("/garbage"))
    e = info.value
    assert isinstance(e, rw.ConnectionError)
    assert e.kind == "transport" and e.code == "HTTP-protocol-error"
    assert e.url == server.url("/garbage") and e.message.startswith("HTTP-protocol-error")
    assert_usable(wasi)


def test_protocol_error_through_urllib3(s: Session, server, assert_usable,
                                       needs_urllib3) -> None:
    with pytest.raises(rw.ConnectionError) as info:     # as requests: a ConnectionError
        s.get(server.url("/garbage"))
    e = info.value
    assert e.kind == "connection" and e.url == server.url("/garbage")
    assert server.url("/garbage") in e.message
    assert_usable(s)


def test_tls_error_against_plain_http(s: Session, server, assert_usable) -> None:
    with pytest.raises(rw.SSLError) as info:
        s.get(f"https://127.0.0.1:{server.port}/get")
    assert info.value.kind == "tls"
    assert_usable(s)


@pytest.mark.parametrize("kwargs", [
    {"verify": False},
    {"cert": "/path/client.pem"},
    {"cert": ("/path/client.pem", "/path/client.key")},
    {"verify": "/path/ca.pem"},
])
def test_unsupported_tls_settings(wasi: Session, assert_usable, kwargs) -> None:
    # The wrapper passes every `verify` and `cert` on; the component's wasi:http adapter is what
    # cannot honour them (a Python adapter can: test_host_adapters.py, test_urllib3.py).
    with pytest.raises(rw.UnsupportedError) as info:
        wasi.get(f"https://127.0.0.1:{closed_port()}/", **kwargs)
    assert info.value.kind == "unsupported"
    assert_usable(wasi)


def test_invalid_tls_settings_are_the_components_to_refuse(s: Session, assert_usable) -> None:
    with pytest.raises(rw.InvalidOption):
        s.verify = ""                             # an empty path
    with pytest.raises(rw.InvalidOption):
        s.cert = rw.PemData("not PEM")            # PEM text without a PEM block
    assert s.verify is True and s.cert is None
    with pytest.raises(TypeError):
        s.get("https://127.0.0.1/", verify=3.5)  # checked here: no WIT value for it
    assert_usable(s)


def test_unsupported_proxy(wasi: Session, server, assert_usable) -> None:
    with pytest.raises(rw.UnsupportedError, match="proxy"):
        wasi.get(server.url("/get"), proxies={"http": "http://127.0.0.1:3128"})
    wasi.proxies = {"all": "http://127.0.0.1:3128"}
    with pytest.raises(rw.UnsupportedError):
        wasi.get(server.url("/get"))
    wasi.proxies = {}
    assert_usable(wasi)


def test_proxy_from_environment(server) -> None:
    env = {"http_proxy": "http://127.0.0.1:3128"}
    with Session(env=env, transport="wasi-http") as s:
        with pytest.raises(rw.UnsupportedError, match="http_proxy"):
            s.get(server.url("/get"))
        s.trust_env = False
        assert s.get(server.url("/get")).ok
    with Session(env={**env, "NO_PROXY": "127.0.0.1"}, transport="wasi-http") as s:
        assert s.get(server.url("/get")).ok
    # urllib3 goes through the proxy the environment names (nothing listens there)
    with Session(env={"http_proxy": f"http://127.0.0.1:{closed_port()}"}) as s:
        if s.transport != "urllib3":
            return                         # (the build for world `client`: wasi:http only)
        with pytest.raises(rw.ProxyError):
            s.get(server.url("/get"))
        s.trust_env = False
        assert s.get(server.url("/get")).ok


def test_unsupported_auth(s: Session, server) -> None:
    # (a callable is requests' AuthBase, applied by a request hook: tests/test_requests_compat.py)
    with pytest.raises(TypeError):
        s.get(server.url("/get"), auth=42)
    with pytest.raises(ValueError, match="Data must not be a string"):   # as requests
        s.post(server.url("/post"), data="text", files={"f": b"data"})


def test_invalid_cookie(s: Session, assert_usable) -> None:
    with pytest.raises(rw.InvalidCookie) as info:
        s.cookies["bad name"] = "v"
    assert info.value.kind == "invalid-cookie"
    with pytest.raises(rw.InvalidCookie):
        s.cookies["ok"] = "bad;value"
    assert len(s.cookies) == 0
    assert_usable(s)


def test_invalid_option(s: Session, server, assert_usable) -> None:
    r = s.get(server.url("/get"))
    with pytest.raises(rw.InvalidOption) as info:
        r.encoding = "klingon"
    assert info.value.kind == "invalid-option"
    with pytest.raises(rw.InvalidOption):
        s.mount("mock://", Adapter.scripted([1000]))   # canned status outside 100-999
    assert_usable(s)


def test_stream_consumed(s: Session, server, assert_usable) -> None:
    r = s.get(server.url("/stream/3"), stream=True)
    assert b"".join(r.iter_content(64)).count(b"\n") == 3
    with pytest.raises(rw.StreamConsumedError) as info:
        r.content
    assert info.value.kind == "stream-consumed"
    assert_usable(s)


def test_close_then_session_closed(server) -> None:
    s = Session(env={})
    s.cookies["kept"] = "1"
    r = s.get(server.url("/get"))
    assert not s.closed
    s.close()
    s.close()  # idempotent
    assert s.closed
    with pytest.raises(rw.SessionClosed) as info:
        s.get(server.url("/get"))
    assert info.value.kind == "session-closed" and info.value.message
    # reading a setting never fails: a closed session's settings stay readable
    assert s.headers["Accept"] == "*/*" and s.max_redirects == 30 and s.auth is None
    assert [c.name for c in s.cookies.list()] == ["kept"] and s.timeout is None
    for write in (lambda: setattr(s, "max_redirects", 3), lambda: s.headers.update(X="1"),
                  lambda: s.cookies.set("a", "b")):
        with pytest.raises(rw.SessionClosed):
            write()
    assert r.json()["method"] == "GET"      # a response already received stays readable


def test_context_manager_closes(server) -> None:
    with Session(env={}) as s:
        assert s.get(server.url("/get")).ok
    with pytest.raises(rw.SessionClosed):
        s.get(server.url("/get"))


def test_exception_carries_kind_and_message(s: Session) -> None:
    try:
        s.get("nope")
    except rw.RequestException as e:
        assert e.kind == "missing-schema"
        assert e.message == str(e) and "nope" in e.message
        assert e.response is None
    else:
        pytest.fail("no exception")
