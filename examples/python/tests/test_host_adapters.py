"""Adapters written in Python (`Session.mount(prefix, adapter)` with an object that has `send`),
run by the component through the host's `requests:http/host-adapters` import: the session does
cookies, redirects, auth, retries, decoding and hooks for them, they receive `verify`, `cert`,
proxy and timeouts exactly as set, bodies of any size cross both ways in pieces, and their
failures become the session's errors (with the adapter's exception as `__cause__`) without
trapping the instance. No network: every adapter here answers from canned responses."""

from __future__ import annotations

import gzip
import io
import json
from typing import Any, Iterator, List

import pytest

import requests_wasm as rw
from requests_wasm import (AdapterFailure, AdapterRequest, BaseAdapter, DEFAULT_COMPONENT_PATH,
                           PemData, Request, Retry, SendSettings, Session)
from requests_wasm import _host_adapters
from requests_wasm._component import builtin_component_path

MiB = 1 << 20
#: Past what one call can lift as a `list<u8>` (2,796,202 bytes): the body must go in pieces.
LARGE = 3 * MiB
CLIENT_COMPONENT_PATH = builtin_component_path("client")   # shipped in the package, or target/
FAST = dict(backoff_factor=0.001, backoff_jitter=0)
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


class Mock(BaseAdapter):
    """Answers from `responses` in order (a response, an exception to raise, or a function of
    the request and settings) and records what it was sent."""

    def __init__(self, *responses: Any) -> None:
        self.responses: List[Any] = list(responses)
        self.requests: List[AdapterRequest] = []
        self.bodies: List[bytes] = []
        self.settings: List[SendSettings] = []
        self.closed = False

    def send(self, request: AdapterRequest, settings: SendSettings) -> Any:
        self.requests.append(request)
        self.bodies.append(request.content)
        self.settings.append(settings)
        answer = self.responses.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer):
            return answer(request, settings)
        return answer

    def close(self) -> None:
        self.closed = True


def json_answer(obj: Any, status: int = 200, *headers: Any) -> Any:
    return status, [("Content-Type", "application/json"), *headers], json.dumps(obj).encode()


def pattern(n: int) -> bytes:
    return (bytes(range(256)) * (n // 256 + 1))[:n]


@pytest.fixture(scope="module", autouse=True)
def host_build() -> None:
    """Skip when `$REQUESTS_WASM_COMPONENT` points at a build for world `client`."""
    with Session(env={}) as probe:
        try:
            probe.mount("mock://", Mock())
        except rw.UnsupportedError:
            pytest.skip("the component is the build for world `client` (no host-adapters import)")


# ---- the session does the rest ---------------------------------------------------------------

def test_the_session_does_cookies_and_redirects_for_it(s: Session) -> None:
    adapter = Mock((302, [("Location", "/next"), ("Set-Cookie", "sid=abc; Path=/")], b""),
                   json_answer({"done": True}),
                   (303, {"Location": "https://api.test/after-post"}, "see other"),
                   json_answer({"posted": True}))
    s.mount("https://api.test/", adapter)
    assert s.adapters["https://api.test/"] is adapter
    r = s.get("https://api.test/start", params={"q": "1"})
    assert r.json() == {"done": True} and r.status_code == 200 and r.reason == "OK"
    assert r.url == "https://api.test/next"
    assert [h.status_code for h in r.history] == [302]
    assert s.cookies["sid"] == "abc"
    first, second = adapter.requests[:2]
    assert (first.method, first.url) == ("GET", "https://api.test/start?q=1")
    assert first.headers["user-agent"].startswith("requests-component/")   # session defaults
    assert "cookie" not in first.headers and second.headers["cookie"] == "sid=abc"
    assert second.url == "https://api.test/next"

    r = s.post("https://api.test/form", data={"a": "1"})       # 303: the session turns it a GET
    assert r.json() == {"posted": True}
    post, get = adapter.requests[2:]
    assert post.method == "POST" and adapter.bodies[2] == b"a=1"
    assert post.headers["content-type"] == "application/x-www-form-urlencoded"
    assert get.method == "GET" and adapter.bodies[3] == b"" and get.body is None
    assert s.get_adapter("https://API.test/x").kind == "host"
    # the default transport: urllib3, a Python adapter too (`Session(transport=...)`)
    assert s.get_adapter("https://other.test/").kind == "host"
    assert isinstance(s.adapters["https://"], rw.Urllib3Adapter)


def test_auth_retries_decoding_and_hooks_are_the_sessions(s: Session) -> None:
    body = json.dumps({"zipped": True}).encode()
    adapter = Mock((503, [], b"busy"),
                   (200, [("Content-Encoding", "gzip")], gzip.compress(body)),
                   (401, [("WWW-Authenticate", 'Basic realm="x"')], b""))
    s.mount("https://api.test/", adapter)
    s.retries = Retry(total=2, status_forcelist=[503], **FAST)
    s.auth = ("user", "pw")
    s.hooks["request"].append(lambda request: request.headers.__setitem__("X-Hook", "1"))
    r = s.get("https://api.test/data")
    assert r.json() == {"zipped": True}                          # decoded by the session
    assert len(adapter.requests) == 2                            # the 503 was retried
    for request in adapter.requests:
        assert request.headers["authorization"].startswith("Basic ")
        assert request.headers["x-hook"] == "1"
    assert s.get("https://api.test/denied").status_code == 401


# ---- settings, exactly as set -----------------------------------------------------------------

def test_it_receives_verify_cert_proxy_and_timeouts_as_set(s: Session) -> None:
    answers = [json_answer({})] * 6
    adapter = Mock(*answers)
    s.mount("https://api.test/", adapter)

    s.get("https://api.test/defaults")
    assert adapter.settings[-1] == SendSettings(timeout=(None, None), verify=True, cert=None,
                                                proxy=None, stream=False)

    s.verify = "/etc/ssl/ca.pem"
    s.cert = ("/etc/ssl/client.pem", "/etc/ssl/client.key")
    s.proxies = {"https": "http://puser:ppw@proxy.test:3128"}
    s.timeout = (1.5, 20)
    s.get("https://api.test/session")
    assert adapter.settings[-1] == SendSettings(
        timeout=(1.5, 20.0), verify="/etc/ssl/ca.pem",
        cert=("/etc/ssl/client.pem", "/etc/ssl/client.key"),
        proxy="http://puser:ppw@proxy.test:3128", stream=False)

    s.get("https://api.test/request", verify=False, cert="/both.pem", timeout=3, stream=True,
          proxies={"https": "http://other.test:8080"})
    got = adapter.settings[-1]
    assert (got.verify, got.cert, got.timeout, got.stream, got.proxy) == (
        False, "/both.pem", (3.0, 3.0), True, "http://other.test:8080")

    s.get("https://api.test/pem", verify=PemData(PEM), cert=(PemData(PEM), "/k.pem"))
    got = adapter.settings[-1]
    assert isinstance(got.verify, PemData) and got.verify == PEM
    assert isinstance(got.cert[0], PemData) and got.cert == (PEM, "/k.pem")
    assert s.verify == "/etc/ssl/ca.pem"                         # the session's is unchanged
    assert "puser" not in repr(got) and "ppw" not in repr(adapter.settings[1])


def test_it_receives_the_environments_settings(s: Session) -> None:
    env = {"REQUESTS_CA_BUNDLE": "/env/ca.pem", "HTTPS_PROXY": "http://envproxy.test:3128",
           "NO_PROXY": "direct.test"}
    with Session(env=env) as session:
        adapter = Mock(*[json_answer({})] * 3)
        session.mount("https://", adapter)
        session.get("https://api.test/")
        session.get("https://direct.test/")
        session.trust_env = False
        session.get("https://api.test/")
        assert [(x.verify, x.proxy) for x in adapter.settings] == [
            ("/env/ca.pem", "http://envproxy.test:3128"), ("/env/ca.pem", None), (True, None)]


# ---- bodies ------------------------------------------------------------------------------------

def test_bodies_cross_byte_exact_both_ways(s: Session) -> None:
    every_byte = bytes(range(256))
    adapter = Mock((200, [], every_byte), (200, [], every_byte.decode("latin-1").encode("utf-8")),
                   (204, [], None), (200, [], "ünïcode text"))
    s.mount("mock://", adapter)
    r = s.post("mock://x", data=every_byte, headers={"Content-Type": "application/octet-stream"})
    assert r.content == every_byte and adapter.bodies[0] == every_byte
    assert adapter.requests[0].headers["content-length"] == "256"
    assert s.get("mock://x").content == every_byte.decode("latin-1").encode("utf-8")
    assert s.get("mock://x").content == b""
    assert s.get("mock://x").text == "ünïcode text"              # a str body goes as UTF-8


def test_large_bodies_go_in_pieces(s: Session) -> None:
    data = pattern(LARGE)
    closed: List[str] = []

    def chunks(n: int) -> Iterator[bytes]:
        try:
            for start in range(0, n, 100_000):
                yield data[start:start + 100_000]
        finally:
            closed.append("generator")

    adapter = Mock((200, [], data),                                 # bytes over 1 MiB
                   lambda request, settings: (200, [], chunks(LARGE)),   # a generator
                   lambda request, settings: (200, [], io.BytesIO(data)),  # a file
                   lambda request, settings: (200, [], chunks(LARGE)),   # streamed, read lazily
                   lambda request, settings: (200, [], chunks(LARGE)))   # dropped unread
    s.mount("mock://", adapter)
    assert s.get("mock://bytes").content == data
    assert s.get("mock://generator").content == data and closed == ["generator"]
    assert s.get("mock://file").content == data
    r = s.get("mock://stream", stream=True)
    pieces = list(r.iter_content(chunk_size=None))
    assert b"".join(pieces) == data and len(pieces) > 1
    r = s.get("mock://dropped", stream=True)
    assert next(r.iter_content(10)) == data[:10]
    r.close()                                   # the session discards the rest of the body
    assert closed == ["generator"] * 3
    assert not [h for h in _host_adapters._handles]


def test_large_request_bodies_reach_it_as_a_file(s: Session) -> None:
    adapter = Mock(*[(200, [], b"ok")] * 3)
    s.mount("mock://", adapter)
    binary = pattern(LARGE)
    assert s.put("mock://held", data=binary.decode("latin-1")).ok   # text over 1 MiB, held whole
    assert s.post("mock://upload", data=iter([binary[:MiB], binary[MiB:]])).ok
    prepared = s.prepare_request(Request("POST", "mock://prepared", data="p" * (MiB + 1)))
    assert s.send(prepared).ok
    held, upload, sent = adapter.requests
    assert hasattr(held.body, "read") and adapter.bodies[0] == binary.decode("latin-1").encode()
    assert adapter.bodies[1] == binary
    assert upload.headers.get("transfer-encoding") == "chunked"
    assert adapter.bodies[2] == b"p" * (MiB + 1)
    assert sent.headers["content-length"] == str(MiB + 1)


# ---- failures ----------------------------------------------------------------------------------

@pytest.mark.parametrize("raised, cls, kind", [
    (ConnectionRefusedError(111, "Connection refused"), rw.ConnectionRefused, "connection-refused"),
    (AdapterFailure("proxy", "the proxy said 407"), rw.ProxyError, "proxy"),
    (AdapterFailure("tls", "certificate verify failed"), rw.SSLError, "tls"),
    (rw.ReadTimeout("no answer in 1 s"), rw.ReadTimeout, "read-timeout"),
    (TimeoutError("timed out"), rw.ReadTimeout, "read-timeout"),
    (rw.UnsupportedError("no client certificates here"), rw.UnsupportedError, "unsupported"),
    (RuntimeError("something else"), rw.TransportError, "transport"),
])
def test_a_failure_is_the_sessions_error_with_its_cause(s: Session, raised: BaseException,
                                                        cls: type, kind: str) -> None:
    adapter = Mock(raised, json_answer({"after": "failure"}))
    s.mount("https://api.test/", adapter)
    with pytest.raises(cls) as info:
        s.get("https://api.test/x")
    e = info.value
    assert e.kind == kind and e.__cause__ is raised
    # Every failure, of any kind, names the request's URL, at the end of the message.
    assert e.url == "https://api.test/x"
    assert e.message.endswith("(https://api.test/x)") and str(e).endswith("(https://api.test/x)")
    if kind == "transport":
        assert e.code == "host-adapter" and "RuntimeError: something else" in e.message
    assert s.get("https://api.test/y").json() == {"after": "failure"}   # the instance lives


def test_a_failure_of_any_kind_names_the_url_without_its_userinfo(s: Session) -> None:
    kinds = _host_adapters.FAILURE_KINDS
    adapter = Mock(*[AdapterFailure(kind, f"failed: {kind}") for kind in kinds])
    s.mount("https://api.test/", adapter)
    for kind in kinds:
        with pytest.raises(rw.RequestException) as info:
            s.get("https://user:secret@api.test/k", params={"kind": kind})
        e = info.value
        url = f"https://api.test/k?kind={kind}"
        assert e.kind == ("transport" if kind == "other" else kind)
        assert isinstance(e.__cause__, AdapterFailure) and e.__cause__.kind == kind
        assert e.url == url and e.message.endswith(f"({url})"), (kind, e.message)
        assert f"failed: {kind}" in e.message and "secret" not in str(e)
    assert len(adapter.requests) == len(kinds)


def test_failures_after_the_head_name_the_url(s: Session) -> None:
    def cut(request: AdapterRequest, settings: SendSettings) -> Any:
        def body() -> Iterator[bytes]:
            yield pattern(2 * MiB)                   # more than the first piece
            raise AdapterFailure("connection", "the peer went away")
        return 200, [], body()

    s.mount("mock://", Mock(cut, cut, lambda request, settings: (201, [], b"stored"),
                            AdapterFailure("unsupported", "no uploads today")))
    with pytest.raises(rw.ConnectionError) as info:            # read by the session
        s.get("mock://site/whole")
    assert info.value.kind == "connection" and info.value.url == "mock://site/whole"
    assert info.value.message.endswith("(mock://site/whole)")
    r = s.get("mock://site/streamed", stream=True)              # read by the caller
    with pytest.raises(rw.ConnectionError) as info:
        for _ in r.iter_content(MiB):
            pass
    assert info.value.url == "mock://site/streamed"
    assert "the peer went away" in info.value.message
    assert info.value.message.endswith("(mock://site/streamed)")
    assert s.post("mock://site/upload", data=iter([b"a", b"b"])).text == "stored"
    with pytest.raises(rw.UnsupportedError) as info:            # a failing streamed upload
        s.post("mock://site/upload2", data=iter([b"a", b"b"]))
    assert info.value.url == "mock://site/upload2"
    assert info.value.message.endswith("(mock://site/upload2)")
    assert not _host_adapters._handles


@pytest.mark.parametrize("status, headers", [
    (200, [("X-Smuggle", "v\r\nSet-Cookie: evil=1")]),     # CR/LF: a header smuggled in
    (200, [("X-Smuggle", "v\nSet-Cookie: evil=1")]),
    (200, [("X-Cr", "a\rb")]),
    (200, [("X-Nul", "a\x00b")]),
    (200, [("X-Del", "a\x7fb")]),
    (200, [("Bad Name", "v")]),                           # not a token
    (200, [("X-Colon:", "v")]),
    (200, [("", "v")]),
    (200, [("Content-Type", "text/plain"), ("X-Ok", "fine"), ("X\r\nY", "v")]),
    (42, []),                                             # a u16, outside 100-999
    (99, []),
    (1000, []),
    (0, []),
])
def test_an_invalid_head_is_a_protocol_error(s: Session, status: int, headers: Any) -> None:
    check_invalid_head(s, status, headers, "get")


@pytest.mark.parametrize("how", ["upload", "large"])
@pytest.mark.parametrize("status, headers", [(200, [("X-Smuggle", "v\r\nX-In: 1")]), (1000, [])])
def test_an_invalid_head_after_an_upload_is_a_protocol_error(s: Session, status: int,
                                                             headers: Any, how: str) -> None:
    check_invalid_head(s, status, headers, how)


def check_invalid_head(s: Session, status: int, headers: Any, how: str) -> None:
    """The component checks the head a host adapter gives as an HTTP parser would: a
    `TransportError` (kind `transport`, code `HTTP-protocol-error`) naming the URL; the body's
    handle is discarded and the instance lives."""
    closed: List[str] = []

    def answer(request: AdapterRequest, settings: SendSettings) -> Any:
        def body() -> Iterator[bytes]:
            try:
                yield pattern(2 * MiB)                    # a rest behind a handle: discarded
            finally:
                closed.append("body")
        return status, headers, body()

    adapter = Mock(answer, json_answer({"ok": True}))
    s.mount("https://api.test/", adapter)
    url = f"https://api.test/{how}?q=1"
    with pytest.raises(rw.TransportError) as info:
        if how == "get":
            s.get(url)
        elif how == "upload":                             # start, write, finish
            s.post(url, data=iter([b"a", b"b"]))
        else:                                             # a body sent in pieces
            s.put(url, data=pattern(MiB + 1))
    e = info.value
    assert isinstance(e, rw.ConnectionError)
    assert e.kind == "transport" and e.code == "HTTP-protocol-error"
    assert e.url == url and e.message.endswith(f"({url})")
    assert ("outside 100-999" in e.message if headers == [] else "invalid header" in e.message)
    assert e.__cause__ is None                            # the adapter did not fail
    assert closed == ["body"] and not _host_adapters._handles
    assert "evil" not in s.cookies
    assert s.get("https://api.test/after").json() == {"ok": True}     # the instance lives


def test_a_valid_head_with_a_tab_and_obs_text_passes(s: Session) -> None:
    s.mount("mock://", Mock((999, [("X-Tab", "a\tb"), ("X-Latin", "caf\u00e9"),
                                   ("X!#$%&'*+-.^_`|~", "token chars")], b"")))
    r = s.get("mock://site/")
    assert r.status_code == 999
    assert r.headers["x-tab"] == "a\tb" and r.headers["x!#$%&'*+-.^_`|~"] == "token chars"
    assert r.headers["x-latin"] == "caf\u00e9"


def test_a_failure_retried_away_is_no_cause(s: Session) -> None:
    adapter = Mock(ConnectionRefusedError(111, "Connection refused"), (500, [], b"broken"))
    s.mount("https://api.test/", adapter)
    s.retries = Retry(total=1, **FAST)                 # set-up failures are retried
    s.error_for_status = True
    with pytest.raises(rw.HTTPError) as info:
        s.get("https://api.test/x")
    assert info.value.status_code == 500 and info.value.__cause__ is None
    assert len(adapter.requests) == 2


@pytest.mark.parametrize("answer", [
    (70000, [], b""),                  # not a u16: refused here
    (42, [], b""),                     # a u16 outside 100-999: refused by the component
    "not a response",
    (200, [("X-Num", 5)], b""),
    (200, [("X-Lone", "\ud800")], b""),
    (200, "headers as a string", b""),
    (200, [], 12345),
    (200, [], iter([b"fine", 42])),
])
def test_an_invalid_answer_is_an_error_not_a_trap(s: Session, answer: Any) -> None:
    adapter = Mock(answer, json_answer({"ok": True}))
    s.mount("mock://", adapter)
    with pytest.raises(rw.RequestException):
        s.get("mock://bad").content
    assert s.get("mock://good").json() == {"ok": True}


def test_a_keyboard_interrupt_is_raised_as_it_is(s: Session) -> None:
    s.mount("mock://", Mock(KeyboardInterrupt(), json_answer({})))
    with pytest.raises(KeyboardInterrupt):
        s.get("mock://x")
    assert s.get("mock://x").ok


def test_calling_back_into_its_own_session_fails_and_other_sessions_work(s: Session) -> None:
    with Session(env={}) as other:
        other.mount("mock://", rw.Adapter.scripted([rw.CannedResponse.json({"inner": True})]))

        def forward(request: AdapterRequest, settings: SendSettings) -> Any:
            inner = other.get("mock://inner")
            return inner.status_code, inner.headers.pairs(), inner.content

        adapter = Mock(lambda request, settings: s.get("mock://again"), forward)
        s.mount("https://api.test/", adapter)
        with pytest.raises(rw.RequestException) as info:
            s.get("https://api.test/reenter")
        assert isinstance(info.value.__cause__, rw.HookError)      # the session was busy
        assert s.get("https://api.test/forward").json() == {"inner": True}


# ---- lifetime ------------------------------------------------------------------------------------

def test_close_closes_it_and_forgets_it() -> None:
    adapter = Mock(json_answer({}))
    session = Session(env={}, transport="wasi-http")   # (no urllib3 adapter of its own)
    session.mount("mock://", adapter)
    session.mount("other://", adapter)                 # one adapter on two prefixes: one name
    names = list(session._host_adapter_names)
    assert len(names) == 1 and all(name in _host_adapters._adapters for name in names)
    assert session.get("mock://x").ok
    session.close()
    assert adapter.closed
    assert not any(name in _host_adapters._adapters for name in names)
    with pytest.raises(rw.SessionClosed):
        session.get("mock://x")


def test_the_build_for_world_client_refuses_it() -> None:
    if not CLIENT_COMPONENT_PATH.is_file():
        pytest.skip(f"not built: {CLIENT_COMPONENT_PATH} (cargo build -p host-tests)")
    with Session(component_path=CLIENT_COMPONENT_PATH, env={}) as session:
        with pytest.raises(rw.UnsupportedError, match="client-with-host"):
            session.mount("mock://", Mock())


def test_the_contract_objects() -> None:
    with pytest.raises(ValueError, match="unknown failure kind"):
        AdapterFailure("bogus", "x")
    request = AdapterRequest("POST", "http://user:pw@h/x", [("A", "1")], io.BytesIO(b"body"))
    assert request.content == b"body" and request.body.read() == b"body"   # put back
    assert "pw" not in repr(request)
    assert "BEGIN" not in repr(PemData(PEM)) and str(PemData(PEM)) == PEM
    assert rw.AdapterResponse(200, {}, b"x") == (200, {}, b"x")
    with pytest.raises(NotImplementedError):
        BaseAdapter().send(request, SendSettings())
    with Session(env={}) as session:
        with pytest.raises(TypeError):
            session.mount("mock://", object())


def test_a_requests_style_adapter_is_bridged(server) -> None:
    """An adapter with requests' `send(request, stream=, timeout=, verify=, cert=, proxies=)`
    (requests' `HTTPAdapter`) gets a `PreparedRequest`; its `max_retries` (urllib3's `Retry`)
    becomes the session's policy for it, and its own is set to none."""
    from urllib3.util import Retry as Urllib3Retry
    from requests_wasm import PreparedRequest, RetryError, Session

    class Answer:
        def __init__(self, status):
            self.status_code, self.headers, self.raw = status, {"X-Via": "bridge"}, None
            self.content = b"from the adapter"

    class RequestsStyle:
        def __init__(self):
            self.max_retries = Urllib3Retry(total=2, status_forcelist=[503])
            self.seen = []
            self.closed = False

        def send(self, request, stream=False, timeout=None, verify=True, cert=None,
                 proxies=None):
            assert isinstance(request, PreparedRequest) and stream is True
            self.seen.append((request.method, request.path_url, request.body))
            return Answer(503 if request.path_url == "/busy" else 200)

        def close(self):
            self.closed = True

    adapter = RequestsStyle()
    with Session() as s:
        s.mount("mock://", adapter)
        assert adapter.max_retries.total == 0           # the session retries, not the adapter
        r = s.post("mock://host/x", data=b"body")
        assert r.text == "from the adapter" and r.headers["X-Via"] == "bridge"
        assert adapter.seen == [("POST", "/x", b"body")]
        with pytest.raises(RetryError):
            s.get("mock://host/busy")
        assert len(adapter.seen) == 1 + 3               # the first try and two retries
        assert s.adapters["mock://"] is adapter
    assert adapter.closed


@pytest.mark.parametrize("how", ["read", "closed", "dropped"])
def test_a_requests_style_adapters_response_is_closed_with_its_body(server, how: str) -> None:
    """The requests `Response` a requests-style adapter gave is closed (requests' `close`:
    its connection goes back to the pool, or is closed when the body was left unread) when
    its body is read to the end, when the session's response is closed, and when it is
    dropped unread."""
    import gc

    import urllib3

    from requests_wasm import Session

    pool = urllib3.PoolManager()
    closed: List[str] = []

    class Answer:   # requests' Response, as far as the bridge uses it
        def __init__(self, raw):
            self.raw, self.status_code, self.headers = raw, raw.status, raw.headers

        def close(self):
            self.raw.close()
            self.raw.release_conn()
            closed.append(how)

    class RequestsStyle:
        def send(self, request, stream=False, timeout=None, verify=True, cert=None,
                 proxies=None):
            url = request.url.replace("mock://", "http://")
            return Answer(pool.request(request.method, url, preload_content=False,
                                       decode_content=False))

    host = server.url("/").split("//", 1)[1].rstrip("/")
    with Session(env={}) as s:
        s.mount("mock://", RequestsStyle())
        r = s.get(f"mock://{host}/bytes/300000", stream=how != "read")
        if how == "read":
            assert len(r.content) == 300000
        else:
            assert len(next(r.iter_content(1000))) == 1000
            if how == "closed":
                r.close()
            else:
                del r
                gc.collect()
        assert closed == [how]
    pool.clear()


def test_a_streamed_upload_reaches_a_requests_style_adapter_as_a_stream(server,
                                                                       tmp_path) -> None:
    """requests' `HTTPAdapter` sends a file or an iterator body as it comes: the bridge hands
    over the upload's body as it is, not read whole into memory first."""
    import urllib3

    from requests_wasm import Session

    pool = urllib3.PoolManager()
    kinds: List[str] = []

    class Answer:
        def __init__(self, raw):
            self.raw, self.status_code, self.headers = raw, raw.status, raw.headers

        def close(self):
            self.raw.release_conn()

    class RequestsStyle:
        def send(self, request, stream=False, timeout=None, verify=True, cert=None,
                 proxies=None):
            body = request.body
            kinds.append("bytes" if isinstance(body, (bytes, str)) or body is None else
                         "stream")
            url = request.url.replace("mock://", "http://")
            return Answer(pool.urlopen(request.method, url, body=body,
                                       headers=dict(request.headers), preload_content=False,
                                       chunked="Content-Length" not in request.headers))

    host = server.url("/").split("//", 1)[1].rstrip("/")
    chunks = [b"a" * 100_000] * 30
    with Session(env={}) as s:
        s.mount("mock://", RequestsStyle())
        echo = s.put(f"mock://{host}/upload", data=iter(chunks)).json()
        assert echo["body_len"] == 3_000_000
        (tmp_path / "body").write_bytes(b"x" * 3_000_000)
        with open(tmp_path / "body", "rb") as f:
            echo = s.put(f"mock://{host}/upload", data=f).json()
        assert echo["body_len"] == 3_000_000
        assert s.post(f"mock://{host}/post", data=b"small").json()["data"] == "small"
    assert kinds == ["stream", "stream", "bytes"]
    pool.clear()


def test_mounting_again_and_again_does_not_grow_the_registry(server) -> None:
    from requests_wasm import Session

    class Fixed(BaseAdapter):
        def __init__(self, text: bytes) -> None:
            self.text = text

        def send(self, request: AdapterRequest, settings: SendSettings) -> Any:
            return 200, {}, self.text

    before = len(_host_adapters._adapters)
    same = Fixed(b"same")
    with Session(env={}) as s:
        for i in range(50):
            s.mount("mock://", Fixed(b"%d" % i))
            s.mount("other://", same)
        # the transport, the last adapter on mock://, and the one on other://
        assert len(_host_adapters._adapters) == before + 3
        assert s.get("mock://x").text == "49" and s.get("other://x").text == "same"
        assert s.get(server.url("/get")).status_code == 200
        s.mount("mock://", same)
        assert len(_host_adapters._adapters) == before + 2
        assert s.get("mock://x").text == "same"
    assert len(_host_adapters._adapters) == before


def test_a_requests_style_adapter_mounted_twice_keeps_its_retries() -> None:
    """requests' recipe mounts one `HTTPAdapter(max_retries=...)` on ``http://`` and
    ``https://``: both prefixes retry as it says (the first mount set its own to none)."""
    from urllib3.util import Retry as Urllib3Retry
    from requests_wasm import RetryError, Session

    class Busy:
        def __init__(self):
            self.status_code, self.headers, self.raw, self.content = 503, {}, None, b""

    class RequestsStyle:
        def __init__(self):
            self.max_retries = Urllib3Retry(total=2, status_forcelist=[503])
            self.sent = 0

        def send(self, request, stream=False, timeout=None, verify=True, cert=None,
                 proxies=None):
            self.sent += 1
            return Busy()

    adapter = RequestsStyle()
    with Session(env={}) as s, Session(env={}) as other:
        s.mount("one://", adapter)
        s.mount("two://", adapter)
        other.mount("one://", adapter)              # (another session too)
        for session, prefix in ((s, "one"), (s, "two"), (other, "one")):
            adapter.sent = 0
            with pytest.raises(RetryError):
                session.get(f"{prefix}://host/busy")
            assert adapter.sent == 3, prefix        # the first try and two retries
