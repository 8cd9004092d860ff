"""requests' forms the wrapper takes as a drop-in: custom auth callables, `http.cookiejar`
jars, urllib3 `Timeout` objects, the CA bundle of `os.environ` read per request, response hooks
taking keyword arguments, pickled sessions, and smaller details."""

from __future__ import annotations

import http.cookiejar
import io
import pickle
import threading
import urllib.parse

import pytest
from urllib3 import Timeout

from requests_wasm.sessions import PROXY_ENV_VARS

from requests_wasm import (InvalidProxyURL, JSONDecodeError, PreparedRequest, ReadTimeout,
                           Request, Session)


def _cookie(name: str, value: str, domain: str = "") -> http.cookiejar.Cookie:
    return http.cookiejar.Cookie(0, name, value, None, False, domain, bool(domain), False, "/",
                                 True, False, None, True, None, None, {})


class HeaderAuth:
    """requests' `AuthBase` shape: called with the prepared request, gives it back."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.calls = 0

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        self.calls += 1
        r.headers["X-Auth"] = f"{self.value} {r.method} {r.path_url}"
        return r


def test_custom_auth_of_the_request(s: Session, server) -> None:
    auth = HeaderAuth("req")
    echo = s.get(server.url("/get?a=1"), auth=auth).json()
    assert echo["headers"]["x-auth"] == "req GET /get?a=1" and auth.calls == 1


def test_custom_auth_of_the_session(s: Session, server) -> None:
    auth = HeaderAuth("ses")
    s.auth = auth
    assert s.auth is auth
    assert s.get(server.url("/get")).json()["headers"]["x-auth"] == "ses GET /get"
    # the request's auth wins, and auth=False sends none
    assert "x-auth" not in s.get(server.url("/get"), auth=("u", "p")).json()["headers"]
    assert "x-auth" not in s.get(server.url("/get"), auth=False).json()["headers"]
    prepared = s.prepare_request(Request("GET", server.url("/headers")))
    assert s.send(prepared).json()["headers"]["x-auth"] == "ses GET /headers"


class SecretAuth:
    """An `AuthBase` putting a credential in `Authorization` and in a header of its own."""

    def __init__(self) -> None:
        self.urls: list = []

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        self.urls.append(r.url)
        r.headers["Authorization"] = "Bearer secret"
        return r


@pytest.mark.parametrize("where", ["request", "session", "prepared"])
def test_custom_auth_does_not_follow_a_redirect_to_another_host(s: Session, server,
                                                                where: str) -> None:
    # requests applies an `AuthBase` once, to the first request, and drops `Authorization`
    # when a redirect goes to another host: the credential must not reach that host.
    other = server.url("/headers").replace("127.0.0.1", "localhost")
    first = server.url(f"/redirect-to?url={urllib.parse.quote(other, safe='')}")
    auth = SecretAuth()
    if where == "request":
        r = s.get(first, auth=auth)
    elif where == "session":
        s.auth = auth
        r = s.get(first)
    else:
        s.auth = auth
        prepared = s.prepare_request(Request("GET", first))
        r = s.send(prepared)
        assert auth.urls == [first]
        # sent again: the auth goes to the first host again, and again not to the other
        r = s.send(prepared)
        assert auth.urls == [first, first]
    assert r.url == other and "authorization" not in r.json()["headers"]
    assert auth.urls[0] == first and other not in auth.urls


def test_custom_auth_follows_a_redirect_on_the_same_host(s: Session, server) -> None:
    auth = SecretAuth()
    r = s.get(server.url("/redirect/2"), auth=auth)
    assert r.json()["headers"]["authorization"] == "Bearer secret"


def test_cookiejar_as_the_session_jar(s: Session, server) -> None:
    jar = http.cookiejar.CookieJar()
    jar.set_cookie(_cookie("foo", "bar"))
    s.cookies = jar
    assert s.cookies is jar
    assert s.get(server.url("/cookies")).json()["cookies"] == {"foo": "bar"}
    s.get(server.url("/cookies/set?new=1"))
    assert {c.name: c.value for c in jar} == {"foo": "bar", "new": "1"}


def test_an_assigned_cookiejar_keeps_the_cookies_of_two_threads(s: Session, server) -> None:
    # Thread B's request begins while thread A's brings its response's cookies back into the
    # jar: B must not push the jar as it was before A's response (dropping what it set).
    b_pushed = threading.Event()

    class Jar(http.cookiejar.CookieJar):
        def __iter__(self):
            if threading.current_thread().name == "B":
                b_pushed.set()                   # B reads the jar to push it
            return super().__iter__()

        def clear(self, *args):
            if threading.current_thread().name == "A" and not b.is_alive() and \
                    not b_pushed.is_set():
                b.start()                        # A is about to bring its cookies back
                b_pushed.wait(3)                 # (B may not get to it: then A goes on)
            return super().clear(*args)

    errors = []

    def request(path):
        try:
            s.get(server.url(path))
        except BaseException as e:  # noqa: BLE001 - reported by the test's thread
            errors.append(e)

    b = threading.Thread(target=request, args=("/cookies/set?b=2",), name="B")
    a = threading.Thread(target=request, args=("/cookies/set?a=1",), name="A")
    s.cookies = Jar()
    a.start()
    a.join(60)
    b.join(60)
    assert not errors, errors
    assert {c.name for c in s.cookies} == {"a", "b"}


def test_cookiejar_per_request(s: Session, server) -> None:
    jar = http.cookiejar.CookieJar()
    jar.set_cookie(_cookie("here", "1"))
    jar.set_cookie(_cookie("elsewhere", "2", domain="other.example"))
    assert s.get(server.url("/cookies"), cookies=jar).json()["cookies"] == {"here": "1"}
    assert len(s.cookies) == 0           # not stored in the session's jar


def test_cookiejar_per_request_with_a_relative_url(s: Session, server) -> None:
    # the jar's cookies for the URL the request goes to (resolved against `base_url`), not
    # every cookie it holds
    jar = http.cookiejar.CookieJar()
    jar.set_cookie(_cookie("here", "1"))
    jar.set_cookie(_cookie("elsewhere", "2", domain="other.example"))
    s.base_url = server.url("/")
    assert s.get("/cookies", cookies=jar).json()["cookies"] == {"here": "1"}


@pytest.mark.parametrize("timeout", [Timeout(connect=None, read=None), Timeout(total=5),
                                     Timeout(connect=2, read=3)])
def test_urllib3_timeouts(s: Session, server, timeout: Timeout) -> None:
    assert s.get(server.url("/get"), timeout=timeout).status_code == 200


def test_urllib3_read_timeout(s: Session, server) -> None:
    with pytest.raises(ReadTimeout):
        s.get(server.url("/delay/3000"), timeout=Timeout(connect=5, read=0.2))


def test_bad_timeout_message(s: Session, server) -> None:
    with pytest.raises(ValueError, match="must be an int, float or None"):
        s.get(server.url("/get"), timeout="foo")


def test_ca_bundle_read_from_os_environ_per_request(server, monkeypatch) -> None:
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    with Session() as s:
        assert s.merge_environment_settings(server.url("/"), {}, False, True, None)["verify"] \
            is True
        monkeypatch.setenv("CURL_CA_BUNDLE", "/curl/path")
        assert s.merge_environment_settings(server.url("/"), {}, False, True, None)["verify"] \
            == "/curl/path"
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/some/path")
        settings = s.merge_environment_settings(server.url("/"), {}, False, None, None)
        assert settings["verify"] == "/some/path"
        s.trust_env = False
        assert s.merge_environment_settings(server.url("/"), {}, False, True, None)["verify"] \
            is True


def test_session_header_none_is_not_sent(s: Session, server) -> None:
    s.headers["Accept-Encoding"] = None
    assert "Accept-Encoding" not in s.headers
    assert "Accept-Encoding" not in s.prepare_request(Request("GET", server.url("/get"))).headers
    s.headers["Not-There"] = None           # no error either


def test_json_decode_error_has_the_document(s: Session, server) -> None:
    r = s.get(server.url("/not-json"))
    with pytest.raises(JSONDecodeError) as info:
        r.json()
    assert info.value.doc == r.text and r.text


@pytest.mark.parametrize("proxy", ["http:/badproxyurl:3128", "http://:8080", "https://",
                                   "http:///example.com:8080"])
def test_malformed_proxy_url(s: Session, server, proxy: str) -> None:
    with pytest.raises(InvalidProxyURL):
        s.get(server.url("/get"), proxies={"http": proxy})


def test_response_hooks_with_kwargs_get_requests_arguments(s: Session, server) -> None:
    seen = []

    def hook(r, **kwargs):
        seen.append(kwargs)

    def plain(r):
        seen.append("plain")

    s.get(server.url("/get"), timeout=7, hooks={"response": [hook, plain]})
    assert seen == [{"timeout": 7, "verify": None, "proxies": None, "stream": None,
                     "cert": None}, "plain"]


def test_hook_kwargs_and_attributes_are_each_threads_own(s: Session, server) -> None:
    # Two threads on one session: thread B's call begins (its kwargs are taken) while thread
    # A's response hook runs; each hook must get its own call's kwargs, and each Response the
    # attributes its own hooks set.
    began = threading.Event()

    class Timeout:  # urllib3's shape; reading `total` tells that B's call has begun
        _connect = _read = 9

        @property
        def total(self):
            began.set()
            return None

    seen = {}
    errors = []

    def in_b():
        try:
            r = s.get(server.url("/get"), timeout=Timeout())
            seen["B-marked"] = getattr(r, "marked_by", None)
        except BaseException as e:  # noqa: BLE001 - reported by the test's thread
            errors.append(e)

    b = threading.Thread(target=in_b, name="B")

    def hook(r, **kwargs):
        name = threading.current_thread().name
        seen[name] = kwargs["timeout"]
        r.marked_by = name
        if name == "A":
            b.start()
            assert began.wait(30)

    s.hooks["response"].append(hook)
    results = []
    a = threading.Thread(target=lambda: results.append(s.get(server.url("/get"), timeout=1)),
                         name="A")
    a.start()
    a.join(60)
    b.join(60)
    assert not errors, errors
    assert seen["A"] == 1 and isinstance(seen["B"], Timeout)
    assert results[0].marked_by == "A" and seen["B-marked"] == "B"


def test_session_pickles_through_saved_state(server) -> None:
    with Session() as s:
        s.headers["X-Kept"] = "yes"
        s.auth = ("user", "pass")
        s.cookies["c"] = "1"
        s.max_redirects = 7
        copy = pickle.loads(pickle.dumps(s))
    try:
        assert copy.max_redirects == 7 and copy.auth == ("user", "pass")
        echo = copy.get(server.url("/get")).json()
        assert echo["headers"]["x-kept"] == "yes" and echo["cookies"] == {"c": "1"}
    finally:
        copy.close()


def test_len_of_a_file_like_body_gives_its_length(s: Session, server) -> None:
    class Stream:
        def __init__(self, data: bytes) -> None:
            self.data, self.index = data, 0

        def __len__(self) -> int:
            return len(self.data)

        def read(self, size=None):
            end = len(self.data) if not size else self.index + size
            out, self.index = self.data[self.index:end], min(end, len(self.data))
            return out

        def tell(self):
            return self.index

        def seek(self, offset, whence=0):
            self.index = offset

    body = Stream(b"test")
    body.seek(2)
    echo = s.post(server.url("/upload"), data=body).json()
    assert echo["content_length"] == "2" and echo["body_len"] == 2


def test_small_seekable_body_is_sent_again_on_307(s: Session, server) -> None:
    r = s.post(server.url("/redirect-to"), data=io.BytesIO(b"test"),
               params={"url": "/post", "status_code": 307})
    assert [h.status_code for h in r.history] == [307]
    assert r.json()["data"] == "test" and r.json()["method"] == "POST"


def test_encoding_none_goes_back_to_the_found_charset(s: Session, server) -> None:
    r = s.get(server.url("/get"))
    found = r.encoding
    r.encoding = "iso-8859-1"
    assert r.encoding == "iso-8859-1"
    r.encoding = None
    assert r.encoding == found


def test_bytes_method(s: Session, server) -> None:
    assert s.request(b"POST", server.url("/post")).json()["method"] == "POST"


@pytest.fixture
def netrc_file(tmp_path, monkeypatch):
    netrc_file = tmp_path / "netrc"
    netrc_file.write_text("machine example.com\nlogin wrong\npassword wrong\n"
                          "machine 127.0.0.1\nlogin user\npassword pass\n")
    monkeypatch.setenv("NETRC", str(netrc_file))
    for name in PROXY_ENV_VARS:          # (the sessions below read os.environ)
        monkeypatch.delenv(name, raising=False)
    return netrc_file


def test_netrc_of_the_sessions_environment(server, netrc_file, tmp_path, monkeypatch) -> None:
    # A session made with `env=` reads netrc from that environment, like everything else it
    # takes from the environment: not from `os.environ` (nor `~/.netrc` of its $HOME).
    url = server.url("/basic-auth/user/pass")
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".netrc").write_text(netrc_file.read_text())
    with Session(env={}) as s:
        assert s.get(url).status_code == 401
        assert s.merge_environment_settings(url)["netrc_auth"] is False
    with Session(env={"NETRC": str(netrc_file)}) as s:
        assert s.get(url).status_code == 200
    with Session(env={"HOME": str(tmp_path)}) as s:
        assert s.get(url).status_code == 200
    monkeypatch.delenv("NETRC")
    with Session() as s:                           # os.environ: $HOME/.netrc
        assert s.get(url).status_code == 200


def test_netrc_credentials(server, netrc_file) -> None:
    s = Session()
    url = server.url("/basic-auth/user/pass")
    assert s.get(url).status_code == 200
    assert s.merge_environment_settings(url)["netrc_auth"] is True
    assert s.get(url, auth=("user", "bad")).status_code == 401     # the request's auth wins
    s.auth = ("user", "bad")
    assert s.get(url).status_code == 401                           # and the session's
    s.auth = None
    s.trust_env = False
    assert s.get(url).status_code == 401
    s.close()


def test_bytes_header_values_stay_bytes(s: Session, server) -> None:
    r = s.get(server.url("/get"), headers={b"X-Bytes": b"raw", "X-Str": "text"})
    assert r.request.headers["x-bytes"] == b"raw" and r.request.headers["x-str"] == "text"
    assert r.json()["headers"]["x-bytes"] == "raw"


def test_read_timeout_args_hold_the_reason(s: Session, server) -> None:
    with pytest.raises(ReadTimeout) as info:
        s.get(server.url("/delay/3000"), timeout=(5, 0.2))
    assert info.value.args[0].args[0] == str(info.value)


def test_attributes_response_hooks_set_are_kept(s: Session, server) -> None:
    def mark(r, **kwargs):
        r.hook_working = True
        return r

    r = s.get(server.url("/get"), hooks={"response": mark})
    assert r.hook_working is True and r.status_code == 200
    assert not hasattr(s.get(server.url("/get")), "hook_working")


def test_a_body_sent_chunked_says_so_in_request_headers(s: Session, server) -> None:
    r = s.post(server.url("/upload"), data=iter([b"a", b"b", b"c"]))
    assert r.json()["transfer_encoding"] == "chunked" and r.json()["body_len"] == 3
    assert r.request.headers["Transfer-Encoding"] == "chunked"
    sized = s.post(server.url("/upload"), data=io.BytesIO(b"x" * (2 << 20)))
    assert "Transfer-Encoding" not in sized.request.headers
