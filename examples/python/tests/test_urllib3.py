"""The default transport, `Urllib3Adapter` (requests_wasm/_urllib3_adapter.py), against loopback
servers: pooled keep-alive connections, `verify` (CA bundle as a path or PEM data, False,
the environment's bundle), `cert` (mutual TLS), proxies through tinyproxy (absolute-form and
CONNECT, credentials to the proxy only), streamed bodies both ways, headers as the component
gives them, and its failures as the session's exceptions. No timing assertions."""

from __future__ import annotations

import hashlib
import os
import socket
import stat
from typing import Iterator

import pytest

import requests_wasm as rw
from loopback_server import closed_port
from local_servers import (TLS, VIA_NAME, CountingServer, Tinyproxy, pattern,
                           tinyproxy_binary)
from requests_wasm import PemData, Session, Urllib3Adapter
from requests_wasm._urllib3_adapter import _failure_kind, _headers

CA = str(TLS / "ca.pem")
OTHER_CA = str(TLS / "other-ca.pem")
CLIENT_CERT, CLIENT_KEY = str(TLS / "client.pem"), str(TLS / "client.key")
CLIENT_WITH_KEY = str(TLS / "client-with-key.pem")


@pytest.fixture(scope="module", autouse=True)
def urllib3_default() -> None:
    """Skip when `$REQUESTS_WASM_COMPONENT` is a build for world `client` (no host adapters,
    so the default transport is wasi:http)."""
    with Session(env={}) as probe:
        if probe.transport != "urllib3":
            pytest.skip("the component is the build for world `client`: no urllib3 transport")


@pytest.fixture
def plain() -> Iterator[CountingServer]:
    with CountingServer() as srv:
        yield srv


@pytest.fixture
def tls() -> Iterator[CountingServer]:
    with CountingServer(tls=True) as srv:
        yield srv


@pytest.fixture
def mtls() -> Iterator[CountingServer]:
    with CountingServer(tls=True, client_ca=TLS / "ca.pem") as srv:
        yield srv


def test_default_transport_is_urllib3(s: Session) -> None:
    assert s.transport == "urllib3"
    assert isinstance(s.adapters["http://"], Urllib3Adapter)
    assert s.adapters["http://"] is s.adapters["https://"]
    assert s.get_adapter("https://example.test/").kind == "host"
    with Session(env={}, transport="wasi-http") as wasi:
        assert wasi.transport == "wasi-http" and wasi.adapters == {}
        assert wasi.get_adapter("https://example.test/").kind == "wasi-http"
    with pytest.raises(ValueError, match="transport"):
        Session(env={}, transport="curl")


# ---- pooling --------------------------------------------------------------------------------

def test_many_gets_over_one_connection(s: Session, plain: CountingServer) -> None:
    for i in range(20):
        r = s.get(plain.url(f"/get?i={i}"))
        assert r.status_code == 200 and r.json()["connection"] == 1
    assert plain.connections == 1
    # bodies up and down, HEAD and a streamed read to the end keep it too
    assert s.post(plain.url("/post"), data=b"x" * 1000).json()["body_len"] == 1000
    assert s.head(plain.url("/get")).status_code == 200
    streamed = s.get(plain.url("/bytes/5000"), stream=True)
    assert b"".join(streamed.iter_content(1024)) == pattern(5000)
    assert s.get(plain.url("/get")).json()["connection"] == 1
    assert plain.connections == 1


def test_wasi_http_opens_a_connection_per_request(wasi: Session, plain: CountingServer) -> None:
    for _ in range(3):
        assert wasi.get(plain.url("/get")).ok
    assert plain.connections == 3     # what the urllib3 transport saves


def test_each_session_has_its_own_pool(plain: CountingServer) -> None:
    with Session(env={}) as a, Session(env={}) as b:
        for _ in range(3):
            assert a.get(plain.url("/get")).ok and b.get(plain.url("/get")).ok
    assert plain.connections == 2


def test_connection_close_and_unread_streams_open_new_connections(
        s: Session, plain: CountingServer) -> None:
    assert s.get(plain.url("/close")).json()["connection"] == 1
    assert s.get(plain.url("/get")).json()["connection"] == 2     # the server closed it
    r = s.get(plain.url("/bytes/300000"), stream=True)
    assert next(r.iter_content(10)) == pattern(10)
    r.close()                                                    # dropped unread: closed
    assert s.get(plain.url("/get")).json()["connection"] == 3
    assert s.get(plain.url("/get")).json()["connection"] == 3
    s.close()


def test_https_pooled_and_verified_with_a_ca_bundle(s: Session, tls: CountingServer) -> None:
    for _ in range(5):
        r = s.get(tls.url("/get"), verify=CA)
        assert r.ok and r.json()["connection"] == 1
    assert tls.connections == 1
    s.verify = CA                                               # the session's setting
    assert s.get(tls.url("/get", host="localhost")).json()["path"] == "/get"


# ---- verify ---------------------------------------------------------------------------------

def test_verify_refuses_unknown_certificates(s: Session, tls: CountingServer,
                                             assert_usable) -> None:
    with pytest.raises(rw.SSLError) as info:          # the system's roots: not the test CA
        s.get(tls.url("/get"))
    assert info.value.kind == "tls" and info.value.url == tls.url("/get")
    with pytest.raises(rw.SSLError):                  # another CA
        s.get(tls.url("/get"), verify=OTHER_CA)
    with pytest.raises(rw.SSLError, match="invalid path"):
        s.get(tls.url("/get"), verify="/nonexistent/ca.pem")
    assert_usable(s)


def test_verify_false_and_pem_data(s: Session, tls: CountingServer) -> None:
    with pytest.warns(Warning):                       # urllib3's InsecureRequestWarning
        assert s.get(tls.url("/get"), verify=False).json()["connection"] == 1
    # a connection made without verification is not reused for a verified request
    assert s.get(tls.url("/get"), verify=CA).json()["connection"] == 2
    with open(CA) as f:
        pem = PemData(f.read())
    assert s.get(tls.url("/get"), verify=pem).ok
    assert s.get(tls.url("/get"), verify=pem).json()["connection"] == 3   # pooled by its data


def test_ca_bundle_from_the_environment(tls: CountingServer) -> None:
    with Session(env={"REQUESTS_CA_BUNDLE": CA}) as s:
        assert s.get(tls.url("/get")).ok
        s.trust_env = False
        with pytest.raises(rw.SSLError):
            s.get(tls.url("/get"))


# ---- cert -----------------------------------------------------------------------------------

@pytest.mark.parametrize("cert", [
    (CLIENT_CERT, CLIENT_KEY),
    CLIENT_WITH_KEY,
    "pem-data",
    "pem-data-pair",
])
def test_client_certificates(s: Session, mtls: CountingServer, cert) -> None:
    if cert == "pem-data":
        cert = PemData(open(CLIENT_WITH_KEY).read())
    elif cert == "pem-data-pair":
        cert = (PemData(open(CLIENT_CERT).read()), PemData(open(CLIENT_KEY).read()))
    r = s.get(mtls.url("/get"), verify=CA, cert=cert)
    assert r.json()["client_cert"] and r.json()["connection"] == 1
    assert s.get(mtls.url("/get"), verify=CA, cert=cert).json()["connection"] == 1


def test_client_certificate_missing_or_refused(s: Session, mtls: CountingServer,
                                              assert_usable) -> None:
    with pytest.raises(rw.ConnectionError):           # the server wants one (TLS alert)
        s.get(mtls.url("/get"), verify=CA)
    with pytest.raises(rw.SSLError, match="invalid path"):
        s.get(mtls.url("/get"), verify=CA, cert="/nonexistent/client.pem")
    assert_usable(s)


def test_pem_files_are_private_and_removed_on_close(mtls: CountingServer) -> None:
    adapter = Urllib3Adapter()
    with Session(env={}, transport=adapter) as s:
        assert s.transport is adapter
        s.get(mtls.url("/get"), verify=CA, cert=PemData(open(CLIENT_WITH_KEY).read()))
        [path] = adapter._pem_files.values()
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    assert not os.path.exists(path)


# ---- proxies ----------------------------------------------------------------------------------

@pytest.fixture
def tinyproxy() -> str:
    binary = tinyproxy_binary()
    if binary is None:
        pytest.skip("tinyproxy is not installed (apt-get install tinyproxy; .ci/run does)")
    return binary


def _header(answer, name):
    return [v for k, v in answer["headers"] if k.lower() == name.lower()]


def test_http_through_a_proxy(s: Session, plain: CountingServer, tinyproxy: str) -> None:
    with Tinyproxy(tinyproxy) as proxy:
        for _ in range(3):
            r = s.get(plain.url("/get?via=proxy"), proxies={"http": proxy.url()})
            assert r.ok
            assert any(VIA_NAME in v for v in _header(r.json(), "via"))
        assert f"GET http://127.0.0.1:{plain.port}/get?via=proxy" in proxy.log()


def test_https_through_a_proxy_tunnel(s: Session, tls: CountingServer, tinyproxy: str) -> None:
    with Tinyproxy(tinyproxy, connect_ports=[tls.port]) as proxy:
        s.proxies = {"https": proxy.url()}
        for _ in range(3):
            answer = s.get(tls.url("/get"), verify=CA).json()
            assert answer["connection"] == 1 and not _header(answer, "via")   # a tunnel
        assert f"CONNECT 127.0.0.1:{tls.port}" in proxy.log()
        assert tls.connections == 1


def test_proxy_credentials_go_to_the_proxy_only(s: Session, plain: CountingServer,
                                               tls: CountingServer, tinyproxy: str) -> None:
    with Tinyproxy(tinyproxy, connect_ports=[tls.port], basic_auth=("user", "secret")) as proxy:
        good = proxy.url("user:secret@")
        answer = s.get(plain.url("/get"), proxies={"http": good}).json()
        assert not _header(answer, "proxy-authorization")
        assert s.get(tls.url("/get"), verify=CA, proxies={"https": good}).ok
        # without credentials: the proxy's 407 is the response (http), a ProxyError (CONNECT)
        assert s.get(plain.url("/get"), proxies={"http": proxy.url()}).status_code == 407
        with pytest.raises(rw.ProxyError) as info:
            s.get(tls.url("/get"), verify=CA, proxies={"https": proxy.url()})
        assert info.value.kind == "proxy"
        # from the environment
        with Session(env={"HTTP_PROXY": good}) as env_session:
            assert env_session.get(plain.url("/get")).ok


def test_proxy_not_listening_and_unknown_schemes(s: Session, plain: CountingServer,
                                                 assert_usable) -> None:
    with pytest.raises(rw.ProxyError) as info:
        s.get(plain.url("/get"), proxies={"http": f"http://127.0.0.1:{closed_port()}"})
    assert info.value.kind == "proxy"
    with pytest.raises(rw.UnsupportedError, match="socks5"):
        s.get(plain.url("/get"), proxies={"http": "socks5://127.0.0.1:1080"})
    assert_usable(s)


# ---- bodies ---------------------------------------------------------------------------------

def test_streamed_response_comes_before_its_body(s: Session, plain: CountingServer) -> None:
    r = s.get(plain.url("/held"), stream=True)        # the server holds the rest back
    assert r.status_code == 200 and not plain.release.is_set()
    chunks = r.iter_content(None)
    assert next(chunks) == b"first"                   # what has arrived, not a full piece
    plain.release.set()
    assert b"".join(chunks) == b"last"


def test_large_bodies_both_ways(s: Session, plain: CountingServer) -> None:
    data = bytes(range(256)) * 12288                  # 3 MiB, not UTF-8: a streaming upload
    answer = s.post(plain.url("/upload"), data=data).json()
    assert answer["body_len"] == len(data)
    assert answer["sha256"] == hashlib.sha256(data).hexdigest()
    assert _header(answer, "content-length") == [str(len(data))]
    chunked = s.post(plain.url("/upload"), data=iter([b"a" * 70000, b"b" * 5])).json()
    assert chunked["body_len"] == 70005 and _header(chunked, "transfer-encoding") == ["chunked"]
    assert s.get(plain.url("/bytes/3000000")).content == pattern(3000000)
    assert s.get(plain.url("/chunks/2500000?size=100000")).content == pattern(2500000)
    streamed = s.get(plain.url("/chunks/2500000?size=70000"), stream=True)
    assert b"".join(streamed.iter_content(1 << 20)) == pattern(2500000)
    assert plain.connections == 1


# ---- headers ------------------------------------------------------------------------------------

def test_headers_go_as_the_component_gives_them(s: Session, plain: CountingServer,
                                                needs_hooks) -> None:
    answer = s.get(plain.url("/get"), headers={"User-Agent": None,
                                               "Accept-Encoding": None}).json()
    names = [k.lower() for k, _ in answer["headers"]]
    assert "user-agent" not in names and "accept-encoding" not in names   # none of urllib3's
    assert names.count("host") == 1

    def repeat(request):
        request.headers.add("X-Rep", "1")
        request.headers.add("X-Rep", "2")
    answer = s.get(plain.url("/get"), hooks={"request": repeat}).json()
    assert _header(answer, "x-rep") == ["1", "2"]
    assert _headers([("A", "1"), ("a", "2")]).getlist("a") == ["1", "2"]


def test_response_headers_keep_repeats(s: Session, server) -> None:
    r = s.get(server.url("/set-cookie-multi"))
    assert len(r.headers.get_all("set-cookie")) == 3
    assert len(s.cookies.list()) == 3


# ---- failures -------------------------------------------------------------------------------

def test_failures_map_to_the_sessions_exceptions(s: Session, plain: CountingServer,
                                                 assert_usable, monkeypatch) -> None:
    url = f"http://127.0.0.1:{closed_port()}/x"
    with pytest.raises(rw.ConnectionRefused) as refused:
        s.get(url)
    assert refused.value.kind == "connection-refused" and refused.value.url == url
    assert isinstance(refused.value.__cause__, rw.AdapterFailure)

    with pytest.raises(rw.SSLError):                          # TLS to a plain http server
        s.get(plain.url("/get").replace("http:", "https:"))

    real = socket.getaddrinfo

    def no_such_host(host, *args, **kwargs):
        if host == "no-such-host.test":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)
    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    with pytest.raises(rw.NameResolutionError) as dns:
        s.get("http://no-such-host.test/")
    assert dns.value.kind == "dns" and "no-such-host.test" in dns.value.message
    assert_usable(s)


def test_read_timeout(s: Session, plain: CountingServer, assert_usable) -> None:
    with pytest.raises(rw.ReadTimeout) as info:
        s.get(plain.url("/held"), timeout=(None, 0.2))   # the head comes, the body is held
    assert info.value.kind == "read-timeout"
    r = s.get(plain.url("/held"), stream=True, timeout=(None, 0.2))
    with pytest.raises(rw.ReadTimeout):
        b"".join(r.iter_content(None))
    plain.release.set()
    assert_usable(s)


def test_connect_timeout(s: Session, assert_usable) -> None:
    # A listener whose accept queue is full: the kernel answers no more SYNs.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(8):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        try:
            probe = socket.create_connection(("127.0.0.1", port), timeout=0.2)
        except OSError:
            pass
        else:
            probe.close()
            pytest.skip("this kernel accepts connections past a full accept queue")
        with pytest.raises(rw.ConnectTimeout) as info:
            s.get(f"http://127.0.0.1:{port}/", timeout=(0.2, None))
        assert info.value.kind == "connect-timeout"
        assert isinstance(info.value, rw.ConnectionError) and isinstance(info.value, rw.Timeout)
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
    assert_usable(s)


def test_failure_kinds_of_urllib3_exceptions() -> None:
    from urllib3 import exceptions as ue
    refused = ue.NewConnectionError(None, "refused")
    refused.__cause__ = ConnectionRefusedError()
    assert _failure_kind(refused) == "connection-refused"
    assert _failure_kind(ue.NewConnectionError(None, "unreachable")) == "connection"
    assert _failure_kind(ue.NameResolutionError("h", None, socket.gaierror())) == "dns"
    assert _failure_kind(ue.ConnectTimeoutError()) == "connect-timeout"
    assert _failure_kind(ue.ReadTimeoutError(None, "/", "slow")) == "read-timeout"
    assert _failure_kind(ue.SSLError()) == "tls"
    assert _failure_kind(ue.ProxyError("p", OSError())) == "proxy"
    assert _failure_kind(ue.ProtocolError("aborted")) == "connection"
    assert _failure_kind(ue.LocationParseError("x")) == "invalid-url"
    assert _failure_kind(ValueError()) is None


def test_retries_and_redirects_are_the_sessions(s: Session, server) -> None:
    # urllib3 follows no redirect and retries nothing: the component does both
    r = s.get(server.url("/redirect/3"))
    assert r.ok and len(r.history) == 3
    s.retries = rw.Retry(total=2, status_forcelist=[503], backoff_factor=0.001,
                         backoff_jitter=0)
    r = s.get(server.url(f"/flaky/2?key=urllib3-{id(s)}"))
    assert r.ok and r.json()["attempts"] == 3


def test_closed_adapter_refuses(plain: CountingServer) -> None:
    adapter = Urllib3Adapter()
    with Session(env={}, transport=adapter) as s:
        assert s.get(plain.url("/get")).ok
    with Session(env={}, transport=adapter) as again:
        with pytest.raises(rw.ConnectionError, match="closed"):
            again.get(plain.url("/get"))


def test_pools_closed_by_the_manager_are_looked_up_again(plain: CountingServer) -> None:
    adapter = Urllib3Adapter(pool_connections=1)      # one pool kept: each origin evicts it
    with CountingServer() as other, Session(env={}, transport=adapter) as s:
        for _ in range(3):
            assert s.get(plain.url("/get")).ok and s.get(other.url("/get")).ok
        assert plain.connections == 3 and other.connections == 3


def test_timeouts_remembered_are_bounded(plain: CountingServer) -> None:
    # a timeout worked out per request (a deadline's time left) is a new key every time
    from requests_wasm import AdapterRequest, SendSettings
    from requests_wasm._urllib3_adapter import _CACHED
    adapter = Urllib3Adapter()
    try:
        for i in range(_CACHED + 50):
            status, _, body = adapter.send(AdapterRequest("GET", plain.url("/")),
                                           SendSettings(timeout=(5.0, 5.0 + i / 1000)))
            assert status == 200
        assert len(adapter._timeouts) <= _CACHED
    finally:
        adapter.close()
