"""Request and response hooks (`Session.hooks`, ``hooks=``), run by the component through the
host's `requests:http/hooks` import, against the loopback server: what hooks see and give back,
redirect hops and Digest retries, answers without sending, per-request hooks, failures (raised,
invalid returns, calling back into the session) as `HookError` with the session still working,
uploads, prepared requests, saved state, threads, and the build for world `client`."""

from __future__ import annotations

import itertools
import json
import threading
from typing import Any, List
from urllib.parse import quote

import pytest

import requests_wasm as rw
from requests_wasm import (DEFAULT_COMPONENT_PATH, HookError, HookRequest, HookResponse, Request,
                           Session)
from requests_wasm import hooks as hooks_module
from requests_wasm._component import builtin_component_path

#: The build for world `client` (no hooks import), next to the default `client-with-host` one.
CLIENT_COMPONENT_PATH = builtin_component_path("client")   # shipped in the package, or target/

_markers = itertools.count(1)


@pytest.fixture(scope="module", autouse=True)
def hooks_build() -> None:
    """Skip (but for the test of the build without hooks) when `$REQUESTS_WASM_COMPONENT`
    points at a build for world `client`."""
    with Session(env={}) as probe:
        probe.hooks["response"].append(print)
        try:
            probe.prepare_request(Request("GET", "http://127.0.0.1/")).close()
        except rw.UnsupportedError:
            pytest.skip("the component is the build for world `client` (no hooks import)")


def marker() -> str:
    """A path segment no other test uses, to find this test's requests in the server's log."""
    return f"hooks-{next(_markers)}-{threading.get_ident()}"


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def sign(request: HookRequest) -> None:
    """A request hook: `X-Signature: <METHOD> <path>`, replacing one an earlier hop left."""
    request.headers["X-Signature"] = f"{request.method} {path_of(request.url)}"


def redirect_chain(m: str) -> str:
    """Two redirects, then /anything/<m>/end; every hop's path holds the marker."""
    end = f"/anything/{m}/end"
    second = f"/redirect-to?m={m}&url={quote(end, safe='')}"
    return f"/redirect-to?m={m}&url={quote(second, safe='')}"


# ---- what hooks see and do ---------------------------------------------------------------------

def test_a_request_hook_signs_every_redirect_hop(s: Session, server) -> None:
    seen: List[str] = []
    s.hooks["request"].append(lambda request: seen.append(request.url))
    s.hooks["request"].append(sign)
    m = marker()
    r = s.get(server.url(redirect_chain(m)))
    assert r.status_code == 200 and len(r.history) == 2
    hops = server.seen(m)
    assert [h["path"] for h in hops] == [path_of(u) for u in seen]
    assert len(hops) == 3
    for hop in hops:                                    # each hop signed with its own path
        assert hop["headers"]["x-signature"] == f"GET {hop['path']}"
    assert r.json()["headers"]["x-signature"] == f"GET /anything/{m}/end"


def test_a_response_hook_sees_the_decoded_body_and_its_replacement_is_the_answer(
        s: Session, server) -> None:
    def patch(response: HookResponse) -> HookResponse:
        assert response.json()["gzipped"] is True       # Content-Encoding undone
        assert response.headers["content-encoding"] == "gzip"
        assert response.request.method == "GET" and response.url == server.url("/gzip")
        return HookResponse(299, [("Content-Type", "text/plain; charset=utf-8"),
                                  ("X-Seen-Url", response.request.url)], "patched by the host")
    r = s.get(server.url("/gzip"), hooks={"response": patch})
    assert r.status_code == 299
    assert r.text == "patched by the host"
    assert r.headers["x-seen-url"] == server.url("/gzip")


def test_a_request_hook_answers_without_contacting_the_server(s: Session, server) -> None:
    responses: List[Any] = []
    s.hooks["request"].append(lambda request: HookResponse(
        json={"from": "cache"}, headers=[("Set-Cookie", "cached=yes; Path=/")]))
    s.hooks["request"].append(lambda request: pytest.fail("later request hooks do not run"))
    s.hooks["response"].append(lambda response: responses.append(
        (response.status_code, response.request.url, response.json())))
    m = marker()
    url = server.url(f"/anything/{m}")
    r = s.get(url)
    assert r.json() == {"from": "cache"}
    assert r.headers["content-type"] == "application/json"
    assert server.seen(m) == []                         # nothing was sent
    assert responses == [(200, url, {"from": "cache"})]   # response hooks still ran
    assert s.cookies["cached"] == "yes"                 # the answer's cookies are stored


def test_per_request_hooks_replace_the_sessions_for_that_request_only(s: Session, server) -> None:
    session_hook = lambda request: request.headers.__setitem__("X-Session", "1")  # noqa: E731
    s.hooks["request"].append(session_hook)
    tag = lambda request: request.headers.__setitem__("X-Tag", "per-request")  # noqa: E731
    echo = s.get(server.url("/get"), hooks={"request": [tag]}).json()
    assert echo["headers"].get("x-tag") == "per-request" and "x-session" not in echo["headers"]
    responses: List[int] = []
    record = lambda r: responses.append(r.status_code)  # noqa: E731
    echo = s.get(server.url("/get"), hooks={"response": record}).json()
    assert echo["headers"]["x-session"] == "1" and responses == [200]   # per event
    echo = s.get(server.url("/get")).json()
    assert echo["headers"]["x-session"] == "1" and "x-tag" not in echo["headers"]
    assert s.hooks == {"request": [session_hook], "response": []}
    assert responses == [200]


def test_a_response_hook_replacement_is_handled_as_if_sent(s: Session, server) -> None:
    m = marker()

    def redirect_once(response: HookResponse) -> Any:
        if path_of(response.url) == "/get":
            return HookResponse(302, {"Location": f"/anything/{m}", "Set-Cookie": "via=hook"})
        return None
    r = s.get(server.url("/get"), hooks={"response": redirect_once})
    assert [h.status_code for h in r.history] == [302]  # the redirect was followed
    assert r.json()["path"] == f"/anything/{m}" and r.json()["cookies"] == {"via": "hook"}


def test_hooks_run_on_the_digest_401_and_its_retry(s: Session, server) -> None:
    calls: List[Any] = []
    s.hooks["request"].append(lambda request: calls.append(
        ("request", request.url, request.headers.get("authorization", "")[:6])))
    s.hooks["response"].append(lambda response: calls.append(("response", response.status_code)))
    url = server.url("/digest-auth/auth/u/p/SHA-256")
    r = s.get(url, auth=rw.HTTPDigestAuth("u", "p"))
    assert r.status_code == 200 and r.json()["authenticated"] is True
    assert calls == [("request", url, ""), ("response", 401),
                     ("request", url, "Digest"), ("response", 200)]


def test_a_streamed_response_reaches_hooks_unread(s: Session, server) -> None:
    contents: List[Any] = []
    record = lambda response: contents.append(response.content)  # noqa: E731
    r = s.get(server.url("/bytes/5000"), stream=True, hooks={"response": record})
    assert contents == [None]
    assert len(r.content) == 5000                       # left for the caller
    s.get(server.url("/bytes/3"), hooks={"response": record})
    assert contents[1] == bytes([0, 1, 2])


def test_an_upload_runs_its_request_hooks_before_the_head(s: Session, server) -> None:
    bodies: List[Any] = []
    responses: List[int] = []

    def chunks():
        yield b"hel"
        yield b"lo"
    r = s.put(server.url("/anything"), data=chunks(), hooks={
        "request": [lambda request: bodies.append(request.body), sign],
        "response": lambda response: responses.append(response.status_code)})
    echo = r.json()
    assert echo["headers"]["x-signature"] == "PUT /anything" and echo["data"] == "hello"
    assert bodies == [None] and responses == [200]
    with pytest.raises(HookError, match="streamed upload"):   # a hook may not give it a body
        s.put(server.url("/anything"), data=iter([b"x"]),
              hooks={"request": lambda request: setattr(request, "body", b"other")})


def test_a_prepared_request_keeps_the_hooks_it_was_prepared_with(s: Session, server) -> None:
    calls: List[str] = []
    s.hooks["response"].append(lambda r: calls.append("session"))
    own = s.prepare_request(Request("GET", server.url("/get"),
                                    hooks={"response": lambda r: calls.append("own")}))
    merged = s.prepare_request(Request("GET", server.url("/get")))
    s.hooks["response"].append(lambda r: calls.append("added later"))
    s.send(own)
    s.send(merged)
    assert calls == ["own", "session"]                  # as requests: hooks fixed when prepared
    scopes = [k for k in hooks_module._registry if k.startswith(s._hooks.prefix + "/prepared")]
    assert len(scopes) == 2
    own.close()
    merged.close()
    assert not [k for k in hooks_module._registry if k.startswith(s._hooks.prefix + "/prepared")]


def test_hook_arguments_are_checked(s: Session, server, assert_usable) -> None:
    with pytest.raises(ValueError, match="unknown hook event 'bogus'"):
        s.get(server.url("/get"), hooks={"bogus": print})
    with pytest.raises(TypeError, match="callable"):
        s.get(server.url("/get"), hooks={"response": [3]})
    with pytest.raises(TypeError):
        s.get(server.url("/get"), hooks=[print])
    with pytest.raises(ValueError):
        s.hooks = {"nope": []}
    s.hooks = {"response": print}                       # a callable alone is a list of one
    assert s.hooks == {"request": [], "response": [print]}
    s.hooks["typo"] = []
    with pytest.raises(ValueError, match="unknown hook event 'typo'"):
        s.get(server.url("/get"))
    s.hooks = {}
    assert_usable(s)


# ---- failures ----------------------------------------------------------------------------------

def test_a_raising_hook_is_a_hook_error_caused_by_its_exception(s: Session, server,
                                                                assert_usable) -> None:
    boom = ValueError("boom")

    def fail(request: HookRequest) -> None:
        raise boom
    with pytest.raises(HookError) as info:
        s.get(server.url("/get"), hooks={"request": fail})
    assert info.value.__cause__ is boom
    assert info.value.kind == "hook" and isinstance(info.value, rw.RequestException)
    assert "ValueError: boom" in str(info.value)
    assert_usable(s)

    s.hooks["response"].append(lambda r, *args, **kwargs: r.raise_for_status())  # requests' idiom
    with pytest.raises(HookError) as info:
        s.get(server.url("/status/404"))
    cause = info.value.__cause__
    assert isinstance(cause, rw.HTTPError) and cause.status_code == 404
    assert str(cause).startswith("404 Client Error: Not Found for url: ")
    assert s.get(server.url("/get")).ok                 # the hook passes a 200
    s.hooks["response"].clear()
    assert_usable(s)


@pytest.mark.parametrize("event, hook, match, cause", [
    ("request", lambda r: r.headers.__setitem__("X-Bad", "a\r\nInjected: 1"),
     "returned an invalid request", None),
    ("request", lambda r: "not a response", "TypeError", TypeError),
    ("request", lambda r: setattr(r, "body", [1, 2]), "TypeError", TypeError),
    ("request", lambda r: r.headers.__setitem__("X-Num", 3), "TypeError", TypeError),
    ("request", lambda r: r.headers.__setitem__("X-Lone", "\ud800"), "UnicodeEncodeError",
     UnicodeEncodeError),
    ("request", lambda r: setattr(r, "url", "no-scheme"), "returned an invalid request", None),
    ("response", lambda r: HookResponse(status_code=70000), "not a u16", ValueError),
    ("response", lambda r: HookResponse(status_code=42), "outside 100-999", None),
    ("response", lambda r: HookResponse(status_code="200"), "TypeError", TypeError),
    ("response", lambda r: 123, "TypeError", TypeError),
    ("response", lambda r: HookResponse(headers={"X": "1\n2"}), "returned an invalid response",
     None),
])
def test_an_invalid_return_is_a_hook_error_not_a_trap(s: Session, server, assert_usable, event,
                                                      hook, match, cause) -> None:
    with pytest.raises(HookError, match=match) as info:
        s.get(server.url("/get"), hooks={event: hook})
    if cause is None:
        assert info.value.__cause__ is None
    else:
        assert isinstance(info.value.__cause__, cause)
    assert_usable(s)                                    # the instance is alive


def test_a_hook_calling_back_into_its_own_session_gets_a_hook_error(s: Session, server,
                                                                    assert_usable) -> None:
    inner: List[Exception] = []

    def reenter(request: HookRequest) -> None:
        try:
            s.get(server.url("/get"))
        except HookError as e:
            inner.append(e)
            raise
        s.headers["X-Never"] = "set"
    s.hooks["request"].append(reenter)
    with pytest.raises(HookError) as info:
        s.get(server.url("/get"))
    assert len(inner) == 1 and "running a hook" in str(inner[0])
    assert info.value.__cause__ is inner[0]
    s.hooks["request"].clear()
    assert_usable(s)
    assert "X-Never" not in s.headers

    s.cookies["jar"] = "1"
    seen: List[Any] = []
    s.hooks["response"].append(lambda r: seen.extend([
        _try(lambda: s.cookies.list()), _try(lambda: s.cookies.set("other", "2"))]))
    assert s.get(server.url("/get")).ok                # caught inside the hook: the request goes on
    read, write = seen
    assert [c.name for c in read] == ["jar"]            # a getter reads a snapshot, never fails
    assert isinstance(write, HookError)                 # a setter is refused while busy
    s.hooks["response"].clear()
    assert "other" not in s.cookies
    assert_usable(s)


def _try(f: Any) -> Any:
    try:
        return f()
    except Exception as e:  # noqa: BLE001
        return e


def test_a_hook_may_use_another_session(s: Session, server) -> None:
    with Session(env={}) as other:
        other.hooks["request"].append(lambda r: r.headers.__setitem__("X-Other-Hook", "1"))

        def fetch_token(request: HookRequest) -> None:
            echo = other.get(server.url("/get"), params={"token": "t0"}).json()
            assert echo["headers"]["x-other-hook"] == "1"   # hooks of a hook's session run too
            request.headers["X-Token"] = echo["args"]["token"]
        s.hooks["request"].append(fetch_token)
        assert s.get(server.url("/get")).json()["headers"]["x-token"] == "t0"
        assert other.get(server.url("/get")).ok


def test_a_keyboard_interrupt_in_a_hook_is_raised_as_it_is(s: Session, server,
                                                           assert_usable) -> None:
    def interrupt(request: HookRequest) -> None:
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        s.get(server.url("/get"), hooks={"request": interrupt})
    assert_usable(s)


def test_closing_the_session_from_a_hook_and_unregistering(server) -> None:
    s = Session(env={})
    prefix = s._hooks.prefix
    s.hooks["response"].append(lambda r: s.close())
    s.hooks["response"].append(lambda r: None)          # still registered while the call runs
    assert s.get(server.url("/get")).ok                 # the component closes when it returns
    assert not [k for k in hooks_module._registry if k.startswith(prefix + "/")]
    with pytest.raises(rw.SessionClosed):
        s.get(server.url("/get"))


# ---- saved state, threads, the build without hooks ---------------------------------------------

def test_saved_state_leaves_hooks_out_and_an_import_keeps_them(s: Session, server) -> None:
    s.hooks["request"].append(sign)
    assert s.get(server.url("/get")).json()["headers"]["x-signature"] == "GET /get"
    state = s.export_state()
    assert "hooks" not in json.loads(state)
    foreign = dict(json.loads(state), hooks={"request": ["s999999/session/request/0"]})
    s.import_state(foreign)                             # another session's names: ignored
    assert s.get(server.url("/get")).json()["headers"]["x-signature"] == "GET /get"
    with Session.from_state(state, env={}) as other:
        assert "x-signature" not in other.get(server.url("/get")).json()["headers"]
        other.hooks["request"].append(lambda r: r.headers.__setitem__("X-Other", "1"))
        assert other.get(server.url("/get")).json()["headers"]["x-other"] == "1"


def test_sessions_with_hooks_in_several_threads(server) -> None:
    errors: List[BaseException] = []

    def work(n: int) -> None:
        try:
            with Session(env={}) as session:
                session.hooks["request"].append(
                    lambda r: r.headers.__setitem__("X-Thread", str(n)))
                session.hooks["response"].append(lambda r: r if r.ok else None)
                for i in range(8):
                    echo = session.get(server.url("/get"), params={"i": str(i)}).json()
                    assert echo["headers"]["x-thread"] == str(n) and echo["args"] == {"i": str(i)}
        except BaseException as e:  # noqa: BLE001
            errors.append(e)
    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_the_build_for_world_client_refuses_hooks(server) -> None:
    if not CLIENT_COMPONENT_PATH.is_file():
        pytest.skip(f"not built: {CLIENT_COMPONENT_PATH} (CARGO_TARGET_DIR=target/component "
                    "cargo build --release --lib --target wasm32-wasip2)")
    with Session(component_path=CLIENT_COMPONENT_PATH, env={}) as s:
        assert s.get(server.url("/get")).ok
        with pytest.raises(rw.UnsupportedError, match="client-with-host"):
            s.get(server.url("/get"), hooks={"response": print})
        s.hooks["request"].append(sign)
        with pytest.raises(rw.UnsupportedError):
            s.get(server.url("/get"))
        s.hooks["request"].clear()
        assert s.get(server.url("/get")).ok
        with Session(env={}) as hooked:                  # a state saved with hooks imports
            hooked.hooks["request"].append(sign)
            hooked.get(server.url("/get"))
            s.import_state(hooked.export_state())
        assert s.get(server.url("/get")).ok


def test_hook_objects() -> None:
    r = HookResponse(json={"a": 1}, headers={"X-A": "1"})
    assert r.status_code == 200 and r.ok and bool(r) and r.reason == "OK"
    assert r.headers["content-type"] == "application/json" and r.json() == {"a": 1}
    r = HookResponse(503, [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")], "é".encode("latin-1"))
    assert not r.ok and r.headers["set-cookie"] == "a=1, b=2"
    assert r.headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    with pytest.raises(rw.HTTPError, match="503 Server Error: Service Unavailable"):
        r.raise_for_status()
    r.headers["Content-Type"] = "text/plain; charset=iso-8859-1"
    assert r.text == "é" and r.encoding == "iso-8859-1"
    q = HookRequest("POST", "http://h/x", {"A": "1"}, b"body")
    q.headers.add("a", "2")
    assert q.headers["A"] == "1, 2" and len(q.headers) == 1
    q.headers["A"] = "3"
    assert q.headers.pairs() == [("A", "3")]
    del q.headers["a"]
    assert "A" not in q.headers
