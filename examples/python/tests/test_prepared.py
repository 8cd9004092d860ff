"""`Request.prepare()` and the plain-data `PreparedRequest`: what it holds without a session,
how any session sends it, pickling, and `Session.send` of something else."""

from __future__ import annotations

import http.cookiejar
import io
import pickle

import pytest

from requests_wasm import (HTTPDigestAuth, PreparedRequest, Request, Session)


def test_prepare_without_a_session(server) -> None:
    p = Request("POST", server.url("/post"), data="snow ☃", params={"q": "1"}).prepare()
    assert isinstance(p, PreparedRequest)
    assert p.method == "POST" and p.url == server.url("/post?q=1")
    assert p.body == "snow ☃"                              # a str body stays a str
    assert p.headers["Content-Length"] == str(len("snow ☃".encode("utf-8")))
    assert "User-Agent" not in p.headers                   # no session's defaults
    assert p.path_url == "/post?q=1"


@pytest.mark.parametrize("method, length", [("GET", None), ("HEAD", None), ("POST", "0"),
                                            ("PUT", "0"), ("OPTIONS", "0")])
def test_content_length_without_a_body(server, method: str, length) -> None:
    p = Request(method, server.url("/get")).prepare()
    assert p.headers.get("Content-Length") == length


def test_given_content_length_is_kept_without_a_body(server) -> None:
    p = Request("POST", server.url("/post"), headers={"Content-Length": "7"}).prepare()
    assert p.headers["Content-Length"] == "7"


def test_bodies_as_requests_types_them(server) -> None:
    form = Request("POST", server.url("/post"), data={"a": ["1", "2"]}, json={"x": 1}).prepare()
    assert form.body == "a=1&a=2"
    assert form.headers["Content-Type"] == "application/x-www-form-urlencoded"
    js = Request("POST", server.url("/post"), json={"x": 1}).prepare()
    assert js.body == b'{"x": 1}' and js.headers["Content-Type"] == "application/json"
    raw = Request("POST", server.url("/post"), data=b"\xff\x00").prepare()
    assert raw.body == b"\xff\x00" and "Content-Type" not in raw.headers
    multi = Request("POST", server.url("/post"), data={b"field": "v"},
                    files={"f": ("a.txt", io.BytesIO(b"xyz"))}).prepare()
    assert multi.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'name="field"' in multi.body and b'filename="a.txt"' in multi.body
    assert multi.headers["Content-Length"] == str(len(multi.body))


def test_streamed_bodies_are_framed(server) -> None:
    chunked = Request("POST", server.url("/post"), data=iter([b"a", b"b"])).prepare()
    assert chunked.headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in chunked.headers
    sized = Request("POST", server.url("/post"), data=io.BytesIO(b"12345")).prepare()
    assert sized.headers["Content-Length"] == "5" and "Transfer-Encoding" not in sized.headers


def test_auth_and_cookies(server) -> None:
    p = Request("GET", server.url("/get"), auth=("user", "pass"), cookies={"c": "d"}).prepare()
    assert p.headers["Authorization"] == "Basic dXNlcjpwYXNz"
    assert p.headers["Cookie"] == "c=d"
    jar = http.cookiejar.CookieJar()
    jar.set_cookie(http.cookiejar.Cookie(0, "j", "k", None, False, "", False, False, "/", True,
                                         False, None, True, None, None, {}))
    p = Request("GET", server.url("/get"), cookies=jar).prepare()
    assert p.headers["Cookie"] == "j=k" and p._cookies is jar


def test_callable_auth_changes_the_request(server) -> None:
    def sign(r: PreparedRequest) -> PreparedRequest:
        r.headers["X-Signed"] = r.method + " " + r.path_url
        return r

    p = Request("GET", server.url("/get?a=1"), auth=sign).prepare()
    assert p.headers["X-Signed"] == "GET /get?a=1"


def test_any_session_sends_it_as_it_is(server) -> None:
    p = Request("POST", server.url("/post"), data={"k": "v"}, headers={"X-Mine": "1"},
                params={"q": "2"}).prepare()
    with Session() as a, Session() as b:
        b.headers["X-Session"] = "no"
        b.params = {"sp": "no"}
        for s in (a, b):
            echo = s.send(p).json()
            assert echo["headers"]["x-mine"] == "1" and "x-session" not in echo["headers"]
            assert echo["args"] == {"q": "2"}
            assert echo["form"] == [["k", "v"]]
            assert "user-agent" not in echo["headers"] or \
                echo["headers"]["user-agent"] != a.headers["User-Agent"]


def test_a_session_prepared_request_goes_to_another_session(server) -> None:
    with Session() as a, Session() as b:
        a.headers["X-From-A"] = "yes"
        prepared = a.prepare_request(Request("POST", server.url("/post"), data="body"))
        echo = b.send(prepared).json()
        assert echo["headers"]["x-from-a"] == "yes" and echo["data"] == "body"


def test_streamed_body_is_sent(server) -> None:
    p = Request("POST", server.url("/post"), data=iter([b"ab", b"cd"])).prepare()
    with Session() as s:
        assert s.send(p).json()["data"] == "abcd"


def test_hooks_of_the_prepared_request_run(server) -> None:
    seen = []
    p = Request("GET", server.url("/get"), hooks={"response": seen.append}).prepare()
    assert p.hooks["response"] == [seen.append]
    with Session() as s:
        assert s.send(p).status_code == 200
    assert [r.status_code for r in seen] == [200]


def test_session_prepared_request_lists_its_hooks(server) -> None:
    def h1(r):
        return None

    def h2(r):
        return None

    with Session() as s:
        s.hooks["response"].append(h2)
        assert s.prepare_request(Request("GET", server.url("/get"))).hooks["response"] == [h2]
        own = s.prepare_request(Request("GET", server.url("/get"), hooks={"response": [h1]}))
        assert own.hooks["response"] == [h1]


def test_pickling_keeps_plain_data(server) -> None:
    p = Request("POST", server.url("/post"), data=b"x", hooks={"response": []}).prepare()
    q = pickle.loads(pickle.dumps(p))
    assert (q.method, q.url, q.headers, q.body, q.hooks) == (p.method, p.url, p.headers,
                                                             p.body, p.hooks)
    with Session() as s:
        r = s.get(server.url("/get"))
        copy = pickle.loads(pickle.dumps(r.request))
        assert type(copy) is PreparedRequest and copy.headers == r.request.headers
        assert s.send(copy).status_code == 200


def test_digest_auth_is_kept_for_the_session(server) -> None:
    p = Request("GET", server.url("/digest-auth/auth/user/pass"),
                auth=HTTPDigestAuth("user", "pass")).prepare()
    assert "Authorization" not in p.headers
    with Session() as s:
        assert s.send(p).status_code == 200


def test_send_of_an_unprepared_request_raises(server) -> None:
    with Session() as s, pytest.raises(ValueError, match="PreparedRequests"):
        s.send(Request("GET", server.url("/get")))


def test_bytes_credentials_are_not_their_repr(server) -> None:
    p = Request("GET", server.url("/get"), auth=("имя".encode(), "пароль".encode())).prepare()
    import base64
    assert p.headers["Authorization"] == "Basic " + base64.b64encode(
        "имя:пароль".encode()).decode()


def test_pickling_keeps_the_cookie_jar(server) -> None:
    p = Request("GET", server.url("/cookies"), cookies={"a": "1"}).prepare()
    q = pickle.loads(pickle.dumps(p))
    assert type(q._cookies) is http.cookiejar.CookieJar
    assert {c.name: c.value for c in q._cookies} == {"a": "1"} and q.headers["Cookie"] == "a=1"
