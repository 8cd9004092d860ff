"""No `repr` or `str` of any object of the wrapper shows a secret: a password, a bearer token, a
proxy password, URL userinfo, or the `Authorization` value that carries them (Basic credentials
are only base64). Every object is made with a marker secret in every place it can take one,
and the marker (and its base64 forms) must be absent from what it prints (`_redact`)."""

from __future__ import annotations

import base64
from typing import Any, Iterable, List, Tuple

import pytest

import requests_wasm as rw
from loopback_server import closed_port
from requests_wasm import (Adapter, BearerAuth, CannedResponse, CaseInsensitiveDict, Cookie,
                           Cookies, HookRequest, HookResponse, HTTPBasicAuth, HTTPDigestAuth,
                           MutableHeaders, Request, ResponseHeaders, Retry, Session)

MARKER = "pw-MARKER-5ecret"
USERINFO_URL = "http://user:{}@127.0.0.1:{}{}"


def forms() -> List[str]:
    """The marker as it may appear: itself, and inside Basic credentials."""
    return [MARKER, base64.b64encode(f"user:{MARKER}".encode()).decode(),
            base64.b64encode(f"{MARKER}:x".encode()).decode()]


def assert_clean(objects: Iterable[Tuple[str, Any]]) -> None:
    leaks = []
    for label, obj in objects:
        for how, text in (("repr", repr(obj)), ("str", str(obj))):
            if any(form in text for form in forms()):
                leaks.append(f"{how}({label}) = {text}")
    assert not leaks, "\n".join(leaks)


def userinfo_url(server: Any, path: str) -> str:
    return USERINFO_URL.format(MARKER, server.port, path)


def test_auth_reprs_hide_the_password() -> None:
    assert repr(HTTPBasicAuth("user", MARKER)) == "HTTPBasicAuth(username='user', password='***')"
    assert str(HTTPDigestAuth("user", MARKER)) == "HTTPDigestAuth(username='user', password='***')"
    assert repr(BearerAuth(MARKER)) == "BearerAuth(token='***')"
    # still the values themselves
    assert HTTPBasicAuth("user", MARKER) == ("user", MARKER)
    assert HTTPBasicAuth("user", MARKER).password == MARKER


def test_header_and_proxy_reprs_hide_credentials(s: Session) -> None:
    s.headers["Authorization"] = f"Bearer {MARKER}"
    s.headers["X-Visible"] = "yes"
    assert "'Authorization': '***'" in repr(s.headers) and "'X-Visible': 'yes'" in repr(s.headers)
    assert s.headers["Authorization"] == f"Bearer {MARKER}"          # the value is untouched
    s.proxies = {"http": f"http://puser:{MARKER}@proxy.invalid:3128"}
    assert repr(s.proxies) == "{'http': 'http://***@proxy.invalid:3128'}"
    assert s.proxies == {"http": f"http://puser:{MARKER}@proxy.invalid:3128"}


def test_no_wrapper_type_prints_a_secret(s: Session, server) -> None:
    objects: List[Tuple[str, Any]] = []
    add = lambda label, obj: objects.append((label, obj))  # noqa: E731

    # auth, as given and as the session gives it back
    for auth in (HTTPBasicAuth("user", MARKER), HTTPDigestAuth("user", MARKER),
                 BearerAuth(MARKER)):
        add(type(auth).__name__, auth)
        s.auth = auth
        add(f"Session.auth ({type(auth).__name__})", s.auth)
    s.auth = ("user", MARKER)
    add("Session.auth (tuple)", s.auth)

    # session settings and views
    s.headers["Authorization"] = f"Bearer {MARKER}"
    s.headers["Proxy-Authorization"] = f"Basic {MARKER}"
    s.proxies = {"http": f"http://puser:{MARKER}@proxy.invalid:3128",
                 "https": f"http://puser:{MARKER}@proxy.invalid:3128"}
    add("Session", s)
    add("Session.headers", s.headers)
    add("Session.headers.copy()", s.headers.copy())
    add("Session.proxies", s.proxies)
    add("Session.cookies", s.cookies)
    add("merge_environment_settings", s.merge_environment_settings("http://example.test/"))
    add("export_state()", s.export_state())
    add("Session.retries", Retry(total=2))
    s.headers.clear()
    s.proxies = {}

    # requests, prepared requests, responses, history
    req = Request("POST", userinfo_url(server, "/post"), headers={"Authorization": MARKER},
                  auth=("user", MARKER), data={"password": "x"}, params={"q": "1"})
    add("Request", req)
    prepared = s.prepare_request(req)
    add("PreparedRequest", prepared)
    add("PreparedRequest.url", prepared.url)
    add("PreparedRequest.headers", prepared.headers)
    r = s.get(userinfo_url(server, "/redirect/1"))
    assert r.status_code == 200 and r.json()["headers"]["authorization"].startswith("Basic ")
    add("Response", r)
    add("Response.url", r.url)
    add("Response.headers", r.headers)
    add("Response.request", r.request)
    add("Response.request.url", r.request.url)
    add("Response.request.headers", r.request.headers)
    add("Response.history", r.history)
    add("Response.history[0].request.headers", r.history[0].request.headers)
    add("Response.cookies", r.cookies)
    add("Response.links", r.links)

    # hook objects made by hand (what hooks are given: `test_what_hooks_see_prints_no_secret`)
    headers = [("Authorization", f"Bearer {MARKER}"), ("Proxy-Authorization", MARKER)]
    add("HookRequest(...)", HookRequest("GET", f"http://user:{MARKER}@h/", headers))
    add("HookResponse(...)", HookResponse(200, headers, b"", url=f"http://user:{MARKER}@h/"))
    add("MutableHeaders", MutableHeaders(headers))
    add("CaseInsensitiveDict", CaseInsensitiveDict(headers))
    add("ResponseHeaders", ResponseHeaders(headers))
    add("Cookie", Cookie("session", "v"))
    add("Cookies", Cookies([Cookie("session", "v")]))

    # adapters: what a scripted adapter recorded carries the credentials as sent
    adapter = Adapter.scripted([CannedResponse(200, [("X", "y")], b"ok")])
    s.mount("mock://", adapter)
    assert s.get(f"mock://user:{MARKER}@api/x", auth=("user", MARKER)).ok
    assert adapter.received[0].header("authorization")                # it was sent
    add("Adapter", adapter)
    add("Adapter.received", adapter.received)
    add("CannedResponse", CannedResponse(200, [("X", "y")], b"ok"))

    # errors: messages and every attribute holding a URL, a request or a response
    errors: List[BaseException] = []
    catch = catcher(errors)
    catch(lambda: s.get(USERINFO_URL.format(MARKER, closed_port(), "/"), timeout=2))
    catch(lambda: s.get(userinfo_url(server, "/status/404")).raise_for_status())
    catch(lambda: s.get(f"http://user:{MARKER}@/nohost"))
    catch(lambda: s.get(f"user:{MARKER}@127.0.0.1/no-scheme"))
    catch(lambda: s.get(server.url("/get"), auth=("user", MARKER, "third")))

    class Token:
        def __repr__(self) -> str:
            return f"Token({MARKER})"

    catch(lambda: s.get(server.url("/get"), headers={"Authorization": Token()}))
    catch(lambda: HookResponse(401, url=f"http://user:{MARKER}@h/").raise_for_status())
    s.max_redirects = 1
    catch(lambda: s.get(userinfo_url(server, "/redirect/3")))
    s.max_redirects = 30
    assert [type(e).__name__ for e in errors] == [
        "ConnectionRefused", "HTTPError", "InvalidURL", "InvalidSchema", "TypeError",
        "InvalidHeader", "HTTPError", "TooManyRedirects"]
    objects.extend(error_parts(errors))

    assert_clean(objects)


@pytest.mark.usefixtures("needs_hooks")
def test_what_hooks_see_prints_no_secret(s: Session, server) -> None:
    """The objects hooks are given, a request made with hooks, and a hook's failure."""
    objects: List[Tuple[str, Any]] = []
    req = Request("POST", userinfo_url(server, "/post"), headers={"Authorization": MARKER},
                  auth=("user", MARKER), data={"password": "x"}, params={"q": "1"},
                  hooks={"response": lambda r: None})
    prepared = s.prepare_request(req)
    objects += [("Request (hooks)", req), ("PreparedRequest (hooks)", prepared),
                ("PreparedRequest.headers (hooks)", prepared.headers)]

    def request_hook(hook_request: HookRequest) -> None:
        objects.extend([("HookRequest", hook_request),
                        ("HookRequest.headers", hook_request.headers),
                        ("HookRequest.url", hook_request.url)])

    def response_hook(hook_response: HookResponse) -> None:
        objects.extend([("HookResponse", hook_response),
                        ("HookResponse.request", hook_response.request),
                        ("HookResponse.request.headers", hook_response.request.headers)])

    s.auth = ("user", MARKER)
    r = s.get(userinfo_url(server, "/get"), hooks={"request": request_hook,
                                                   "response": response_hook})
    assert r.ok and r.json()["headers"]["authorization"].startswith("Basic ")
    assert len(objects) == 9

    errors: List[BaseException] = []
    catcher(errors)(lambda: s.get(server.url("/get"), hooks={"response": lambda r: HookResponse(
        500, url=f"http://user:{MARKER}@h/").raise_for_status()}))
    assert [type(e).__name__ for e in errors] == ["HookError"]
    objects.extend(error_parts(errors))
    assert_clean(objects)


def catcher(errors: List[BaseException]) -> Any:
    """`catch(call)`: `call()` must raise; what it raises is added to `errors`."""
    def catch(call: Any) -> None:
        try:
            call()
        except BaseException as e:  # noqa: B036
            errors.append(e)
        else:
            raise AssertionError("no error")
    return catch


def error_parts(errors: List[BaseException]) -> List[Tuple[str, Any]]:
    """Each error and every attribute of it holding a URL, a request or a response."""
    parts: List[Tuple[str, Any]] = []
    for e in errors:
        parts.append((f"{type(e).__name__}", e))
        for name in ("url", "request", "response", "__cause__"):
            value = getattr(e, name, None)
            if value is not None:
                parts.append((f"{type(e).__name__}.{name}", value))
        response = getattr(e, "response", None)
        if isinstance(response, rw.Response):
            parts.append((f"{type(e).__name__}.response.url", response.url))
            parts.append((f"{type(e).__name__}.response.request.headers",
                          response.request.headers))
    return parts
