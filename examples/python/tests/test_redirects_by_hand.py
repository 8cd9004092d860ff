"""`Session.resolve_redirects` and `get_redirect_target`: following redirects by hand, as
requests' `SessionRedirectMixin` does."""

from __future__ import annotations

import http.cookiejar
import urllib.parse

import pytest

from requests_wasm import HTTPDigestAuth, Request, Session, TooManyRedirects
from requests_wasm.models import plain_cookie


def test_follows_each_hop(s: Session, server) -> None:
    r1 = s.get(server.url("/redirect/2"), allow_redirects=False, stream=True)
    assert r1.is_redirect
    hops = s.resolve_redirects(r1, r1.request, stream=True)
    r2 = next(hops)
    assert r2.status_code == 302 and r2.history == [] and r1.history == []
    for _ in r2.iter_content():
        pass
    r3 = next(hops)
    assert r3.status_code == 200 and r3.url == server.url("/get")
    assert r2.history == [r2]          # requests' own bookkeeping: the hops after the first
    assert list(hops) == []


def test_a_post_becomes_a_get_without_its_body(s: Session, server) -> None:
    prepared = s.prepare_request(Request("POST", server.url("/post"), data={"a": "1"}))
    resp = s.send(prepared)
    resp.status_code = 302
    resp.headers["location"] = "get"            # relative to the response's URL
    nxt = next(s.resolve_redirects(resp, prepared))
    echo = nxt.json()
    assert echo["method"] == "GET" and echo["path"] == "/get"
    assert nxt.request.body is None
    assert "content-type" not in echo["headers"] and "content-length" not in echo["headers"]


def test_307_keeps_method_and_body(s: Session, server) -> None:
    prepared = Request("POST", server.url("/redirect-to?url=/post&status_code=307"),
                       data=b"kept").prepare()
    first = s.send(prepared, allow_redirects=False)
    assert first.status_code == 307
    nxt = next(s.resolve_redirects(first, prepared))
    assert nxt.json()["method"] == "POST" and nxt.json()["data"] == "kept"


def test_yield_requests_and_cookie_jars(s: Session, server) -> None:
    jar = http.cookiejar.CookieJar()
    jar.set_cookie(plain_cookie("foo", "bar"))
    s.cookies["cookie"] = "tasty"
    prepared = Request("GET", server.url("/cookies"), cookies=jar).prepare()
    resp = s.send(prepared)
    resp.status_code = 302
    resp.headers["location"] = server.url("/cookies")
    req = next(s.resolve_redirects(resp, prepared, yield_requests=True))
    assert type(req._cookies) is http.cookiejar.CookieJar and req._cookies is not jar
    assert {c.name: c.value for c in req._cookies} == {"foo": "bar", "cookie": "tasty"}
    assert {c.name for c in jar} == {"foo"}
    sent = s.send(req)
    assert sent.json()["cookies"] == {"foo": "bar", "cookie": "tasty"}
    assert sent.request._cookies is req._cookies


def test_authorization_dropped_for_another_host(s: Session, server) -> None:
    prepared = Request("GET", server.url("/get"), auth=("u", "p")).prepare()
    resp = s.send(prepared)
    resp.status_code = 302
    resp.headers["location"] = server.url("/get").replace("127.0.0.1", "localhost")
    req = next(s.resolve_redirects(resp, prepared, yield_requests=True))
    assert "Authorization" not in req.headers
    resp.headers["location"] = server.url("/headers")
    req = next(s.resolve_redirects(resp, prepared, yield_requests=True))
    assert req.headers["Authorization"].startswith("Basic ")


def test_too_many_redirects(s: Session, server) -> None:
    s.max_redirects = 2
    r1 = s.get(server.url("/redirect/5"), allow_redirects=False)
    with pytest.raises(TooManyRedirects, match="Exceeded 2 redirects"):
        list(s.resolve_redirects(r1, r1.request))


def test_get_redirect_target(s: Session, server) -> None:
    r = s.get(server.url("/redirect/1"), allow_redirects=False)
    assert s.get_redirect_target(r) == r.headers["location"]
    assert s.get_redirect_target(s.get(server.url("/get"))) is None


def test_a_subclass_overriding_get_redirect_target_follows_its_own(server) -> None:
    final = server.url("/get")
    odd = server.url(f"/response-headers?location={final}")   # a 200 with a Location

    class Lenient(Session):
        def get_redirect_target(self, resp):
            target = super().get_redirect_target(resp)
            if target is None and resp.headers.get("location") not in (None, resp.url):
                return resp.headers["location"]
            return target

    with Lenient() as s:
        r = s.get(server.url(f"/redirect-to?url={urllib.parse.quote(odd, safe='')}"))
        assert r.url == final and r.status_code == 200
        assert [h.status_code for h in r.history] == [302, 200]
    with Session() as plain:
        assert plain.get(odd).url == odd          # not a redirect to the session itself


def test_prepare_request_keeps_a_streamed_body(s: Session, server) -> None:
    s.headers["X-Session"] = "1"
    prepared = s.prepare_request(Request("POST", server.url("/post"),
                                         data=(c for c in [b"a", b"b"])))
    assert prepared.headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in prepared.headers and prepared.headers["X-Session"] == "1"
    echo = s.send(prepared).json()
    assert echo["data"] == "ab" and echo["headers"]["x-session"] == "1"


def test_proxy_authorization_never_follows_a_redirect(s: Session, server) -> None:
    # requests' `rebuild_proxies` drops it on every hop (and makes it again from the proxy's
    # URL, which the adapter does here): a header given by hand must not reach the next host.
    prepared = Request("GET", server.url("/get"),
                       headers={"Proxy-Authorization": "Basic dTpw"}).prepare()
    resp = s.send(prepared)
    resp.status_code = 302
    for location in (server.url("/get").replace("127.0.0.1", "localhost"), server.url("/h")):
        resp.headers["location"] = location
        req = next(s.resolve_redirects(resp, prepared, yield_requests=True))
        assert "Proxy-Authorization" not in req.headers


def test_digest_auth_dropped_for_another_host(s: Session, server) -> None:
    prepared = Request("GET", server.url("/get"), auth=HTTPDigestAuth("u", "p")).prepare()
    resp = s.send(prepared)
    resp.status_code = 302
    resp.headers["location"] = server.url("/get").replace("127.0.0.1", "localhost")
    req = next(s.resolve_redirects(resp, prepared, yield_requests=True))
    assert req._auth is None
    resp.headers["location"] = server.url("/headers")
    req = next(s.resolve_redirects(resp, prepared, yield_requests=True))
    assert isinstance(req._auth, HTTPDigestAuth)


def test_a_subclass_applies_the_sessions_custom_auth_once(server) -> None:
    calls = []

    def auth(r):
        calls.append(r.url)
        r.headers["X-Signed"] = r.headers.get("X-Signed", "") + "s"
        return r

    class Own(Session):
        def get_redirect_target(self, resp):
            return super().get_redirect_target(resp)

    with Own(env={}) as s:
        s.auth = auth
        assert s.get(server.url("/get")).json()["headers"]["x-signed"] == "s"
        assert calls == [server.url("/get")]


def test_userinfo_of_a_location_is_dropped(s: Session, server) -> None:
    # as the component's own redirects (`redirect::next_url`): it is never credentials, and
    # the next request's URL (and so any message naming it) must not carry it
    prepared = Request("GET", server.url("/get")).prepare()
    resp = s.send(prepared)
    resp.status_code = 302
    resp.headers["location"] = server.url("/headers").replace("http://", "http://evil:pw@")
    req = next(s.resolve_redirects(resp, prepared, yield_requests=True))
    assert req.url == server.url("/headers")
