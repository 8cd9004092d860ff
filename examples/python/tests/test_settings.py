"""Session settings: each property reads and writes the component (WIT getters/setters), and the
settings reach the wire: default headers, params, auth, timeouts, redirect limit and the jar."""

from __future__ import annotations

import pytest

from requests_wasm import BearerAuth, HTTPBasicAuth, PemData, Session


def test_default_headers_sent(s: Session, server) -> None:
    assert s.headers["user-agent"].startswith("requests-component/")
    assert s.headers["Accept"] == "*/*"
    assert s.headers["accept-encoding"] == "gzip, deflate, br, zstd"
    sent = s.get(server.url("/headers")).json()["headers"]
    assert sent["user-agent"] == s.headers["User-Agent"]
    assert sent["accept"] == "*/*"
    assert sent["accept-encoding"] == "gzip, deflate, br, zstd"


def test_session_headers_are_live_and_case_insensitive(s: Session, server) -> None:
    s.headers["X-Api-Key"] = "k1"
    s.headers.update({"X-Other": "o"})
    assert s.headers["x-api-key"] == "k1"
    assert "X-OTHER" in s.headers
    s.headers["x-api-key"] = "k2"          # replaces, case-insensitively
    assert [v for k, v in s.headers.pairs() if k.lower() == "x-api-key"] == ["k2"]
    sent = s.get(server.url("/headers")).json()["headers"]
    assert sent["x-api-key"] == "k2" and sent["x-other"] == "o"

    del s.headers["X-Other"]
    assert "X-Other" not in s.headers
    with pytest.raises(KeyError):
        del s.headers["X-Other"]

    # a request header overrides; a None value removes the session's header for that request
    sent = s.get(server.url("/headers"), headers={"X-API-KEY": "req", "Accept": None}).json()["headers"]
    assert sent["x-api-key"] == "req"
    assert "accept" not in sent
    assert s.headers["Accept"] == "*/*"    # the session is unchanged

    s.headers = {"Only": "this"}
    assert dict(s.headers) == {"Only": "this"}
    sent = s.get(server.url("/headers")).json()["headers"]
    assert sent["only"] == "this" and "user-agent" not in sent


def test_params_merge(s: Session, server) -> None:
    s.params = {"session": "1", "drop": "x"}
    s.params["tags"] = ["a", "b"]
    assert s.params == {"session": "1", "drop": "x", "tags": ["a", "b"]}
    r = s.get(server.url("/get?pre=0"), params={"q": "hello world", "drop": None, "n": 5})
    assert r.json()["args"] == {"pre": "0", "session": "1", "tags": ["a", "b"], "q": "hello world",
                                "n": "5"}
    assert r.url.startswith(server.url("/get?pre=0&session=1"))
    del s.params["tags"]
    assert list(s.params) == ["session", "drop"]
    s.params.clear()
    assert s.params == {}


def test_basic_auth_per_request_and_session(s: Session, server) -> None:
    url = server.url("/basic-auth/user/pa:ss")
    assert s.get(url).status_code == 401
    assert s.get(url, auth=("user", "pa:ss")).json() == {"authenticated": True, "user": "user"}
    s.auth = HTTPBasicAuth("user", "pa:ss")
    assert s.auth == ("user", "pa:ss")
    assert s.get(url).status_code == 200
    assert s.get(url, auth=False).status_code == 401      # disabled for this request
    assert s.get(url, auth=("user", "wrong")).status_code == 401
    s.auth = None
    assert s.auth is None
    assert s.get(url).status_code == 401


def test_bearer_auth(s: Session, server) -> None:
    r = s.get(server.url("/bearer"), auth=BearerAuth("t0ken"))
    assert r.json() == {"authenticated": True, "token": "t0ken"}
    s.auth = BearerAuth("sess")
    assert s.auth == BearerAuth("sess")
    assert s.get(server.url("/bearer")).json()["token"] == "sess"
    assert s.get(server.url("/bearer"), auth=False).status_code == 401


def test_userinfo_in_url_becomes_basic_auth(s: Session, server) -> None:
    url = server.url("/basic-auth/me/pw").replace("http://", "http://me:pw@")
    r = s.get(url)
    assert r.status_code == 200
    assert "me:pw" not in r.url


def test_scalar_settings_round_trip(s: Session) -> None:
    assert s.max_redirects == 30
    s.max_redirects = 5
    assert s.max_redirects == 5

    assert s.trust_env is True
    s.trust_env = False
    assert s.trust_env is False

    assert s.stream is False
    s.stream = True
    assert s.stream is True

    assert s.verify is True
    s.verify = False
    assert s.verify is False
    s.verify = "/path/ca.pem"                      # a CA bundle, as requests takes it
    assert s.verify == "/path/ca.pem"
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    s.verify = PemData(pem)                        # or its PEM text
    assert isinstance(s.verify, PemData) and s.verify == pem
    s.verify = True
    assert s.cert is None
    s.cert = "/path/client.pem"
    assert s.cert == "/path/client.pem"
    s.cert = ("/path/client.pem", "/path/client.key")
    assert s.cert == ("/path/client.pem", "/path/client.key")
    s.cert = None

    assert s.proxies == {}
    s.proxies = {"https": "http://proxy.example:3128"}
    assert s.proxies == {"https": "http://proxy.example:3128"}

    assert s.timeout is None
    s.timeout = 5
    assert s.timeout == (5.0, 5.0)
    s.timeout = (1.5, None)
    assert s.timeout == (1.5, None)
    s.timeout = None
    assert s.timeout is None
    with pytest.raises(ValueError):
        s.timeout = -1


def test_session_timeout_applies(s: Session, server) -> None:
    from requests_wasm import ReadTimeout
    s.timeout = (None, 0.2)
    with pytest.raises(ReadTimeout):
        s.get(server.url("/delay/1000"))
    # a request's own timeout wins over the session's; (None, None) means no limit
    assert s.get(server.url("/delay/400"), timeout=(None, None)).status_code == 200


def test_cookie_jar_by_hand(s: Session, server) -> None:
    s.cookies["manual"] = "1"
    s.cookies.set("scoped", "2", domain="127.0.0.1", path="/cookies")
    s.cookies.set("elsewhere", "3", domain="example.com")
    assert s.cookies["manual"] == "1"
    assert {c.name for c in s.cookies.list()} == {"manual", "scoped", "elsewhere"}
    assert s.get(server.url("/cookies")).json()["cookies"] == {"manual": "1", "scoped": "2"}
    assert s.get(server.url("/get")).json()["cookies"] == {"manual": "1"}  # path-scoped
    del s.cookies["manual"]
    assert "manual" not in s.cookies
    s.cookies = {"fresh": "x"}
    assert s.cookies.get_dict() == {"fresh": "x"}
    s.cookies.clear()
    assert len(s.cookies) == 0
