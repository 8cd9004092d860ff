"""Small loopback servers for the urllib3 transport's tests (test_urllib3.py): an HTTP/1.1
keep-alive server that counts the connections it accepts, over plain TCP or TLS (with the
throw-away certificates of host-tests/tests/fixtures/tls, optionally asking for a client
certificate), and tinyproxy as a real forward proxy.

`CountingServer` answers every request with JSON: ``{"method", "path", "headers" (pairs, in
order, names as sent), "connection" (the number of the connection it came on, from 1),
"body_len", "sha256", "client_cert" (the client certificate's commonName, or None)}``.
Paths with a meaning of their own:

* ``/bytes/N``: N bytes ``i % 251`` (`Content-Length`), not JSON;
* ``/chunks/N?size=C``: the same N bytes, chunked, C bytes a chunk;
* ``/held``: the head and a first chunk ``first``, then waits until the test sets
  `CountingServer.release` (at most 30 s) and sends ``last``;
* ``/close``: the JSON answer with ``Connection: close``, then the connection is closed.

Everything listens on 127.0.0.1 only, on a free port, and stops with `close()`.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, List, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[3]
TLS = ROOT / "host-tests" / "tests" / "fixtures" / "tls"


def pattern(n: int) -> bytes:
    return (bytes(range(251)) * (n // 251 + 1))[:n]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True   # (the head and the body are written apart)
    server: "_HTTPServer"

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1
            self.connection_number = self.server.connections

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _client_cert(self) -> Optional[str]:
        getpeercert = getattr(self.connection, "getpeercert", None)
        cert = getpeercert() if getpeercert else None
        if not cert:
            return None
        for rdn in cert.get("subject", ()):
            for key, value in rdn:
                if key == "commonName":
                    return value
        return "?"

    def _send(self, status: int, headers: List[Tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if self.command != "HEAD":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _answer(self) -> None:
        body = self._body()
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        self.server.log.append((self.command, self.path, list(self.headers.items())))
        if url.path.startswith("/bytes/"):
            self._send(200, [("Content-Type", "application/octet-stream")],
                       pattern(int(url.path.rsplit("/", 1)[1])))
            return
        if url.path.startswith("/chunks/"):
            data = pattern(int(url.path.rsplit("/", 1)[1]))
            size = int(query.get("size", ["65536"])[0])
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(data), size):
                piece = data[i:i + size]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            return
        if url.path == "/held":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"5\r\nfirst\r\n")
            self.wfile.flush()
            self.server.release.wait(30)
            self.wfile.write(b"4\r\nlast\r\n0\r\n\r\n")
            return
        answer = {"method": self.command, "path": self.path,
                  "headers": [[k, v] for k, v in self.headers.items()],
                  "connection": self.connection_number, "body_len": len(body),
                  "sha256": hashlib.sha256(body).hexdigest(), "client_cert": self._client_cert()}
        headers = [("Content-Type", "application/json")]
        if url.path == "/close":
            headers.append(("Connection", "close"))
            self.close_connection = True
        self._send(200, headers, json.dumps(answer).encode())

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _answer


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context: Optional[ssl.SSLContext]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.connections = 0
        self.release = threading.Event()
        self.log: List[Any] = []
        self.context = context

    def get_request(self) -> Any:
        sock, addr = super().get_request()
        if self.context is not None:
            sock.settimeout(10)
            sock = self.context.wrap_socket(sock, server_side=True)  # (a failure is dropped)
            sock.settimeout(None)
        return sock, addr


class CountingServer:
    """See the module. ``CountingServer(tls=False, client_ca=None)``; `url(path)`,
    `connections` (accepted so far), `log` (method, target, headers) and `release` (for
    ``/held``)."""

    def __init__(self, tls: bool = False, client_ca: Optional[Path] = None) -> None:
        context = None
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(TLS / "server.pem", TLS / "server.key")
            if client_ca is not None:
                context.verify_mode = ssl.CERT_REQUIRED
                context.load_verify_locations(client_ca)
        self._server = _HTTPServer(context)
        self.port = self._server.server_address[1]
        self.scheme = "https" if tls else "http"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    @property
    def connections(self) -> int:
        with self._server.lock:
            return self._server.connections

    @property
    def log(self) -> List[Any]:
        return self._server.log

    @property
    def release(self) -> threading.Event:
        return self._server.release

    def close(self) -> None:
        self._server.release.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "CountingServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


# ---- tinyproxy ------------------------------------------------------------------------------

VIA_NAME = "requests-test-proxy"


def tinyproxy_binary() -> Optional[str]:
    for candidate in ("/usr/bin/tinyproxy", "/usr/sbin/tinyproxy"):
        if os.path.isfile(candidate):
            return candidate
    return shutil.which("tinyproxy")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Tinyproxy:
    """tinyproxy on 127.0.0.1, allowing CONNECT to `connect_ports`, with Basic credentials
    when given (letters and digits only: tinyproxy's configuration takes no others). It adds
    ``Via: 1.1 requests-test-proxy`` to what it forwards and logs each request line."""

    def __init__(self, binary: str, connect_ports: List[int] = (),
                 basic_auth: Optional[Tuple[str, str]] = None) -> None:
        self._dir = tempfile.mkdtemp(prefix="rw-tinyproxy-")
        self.log_path = os.path.join(self._dir, "tinyproxy.log")
        failure = ""
        for _ in range(5):
            self.port = _free_port()
            config = (f"Port {self.port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 20\n"
                      f"Allow 127.0.0.1\nViaProxyName \"{VIA_NAME}\"\n"
                      f"LogFile \"{self.log_path}\"\nLogLevel Connect\n")
            for port in connect_ports:
                config += f"ConnectPort {port}\n"
            if basic_auth:
                config += f"BasicAuth {basic_auth[0]} {basic_auth[1]}\n"
            path = os.path.join(self._dir, "tinyproxy.conf")
            with open(path, "w") as f:
                f.write(config)
            self._proc = subprocess.Popen([binary, "-d", "-c", path], stdin=subprocess.DEVNULL,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if self._proc.poll() is not None:
                    failure = f"tinyproxy exited with {self._proc.returncode}"
                    break
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                    return
                except OSError:
                    time.sleep(0.02)
            else:
                failure = "tinyproxy did not listen within 10 s"
            self._stop()
        shutil.rmtree(self._dir, True)
        raise RuntimeError(f"could not start tinyproxy: {failure}")

    def url(self, userinfo: str = "") -> str:
        return f"http://{userinfo}127.0.0.1:{self.port}"

    def log(self) -> str:
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ""

    def _stop(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()

    def close(self) -> None:
        self._stop()
        shutil.rmtree(self._dir, True)

    def __enter__(self) -> "Tinyproxy":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
