"""The clients the benchmark compares, behind one small interface.

Every client has `get_json(url)`, `download(url) -> bytes received`, `upload(url, body) ->
bytes the server received`, and the requests-style ones (`requests_wasm`, `requests`) also
`stream_down(url, deadline)` (`iter_content` in 1 MiB chunks) and `stream_up(url, chunks)` (a
generator body). `make(name, base)` builds one by name; `available()` lists the names this
wrapper version supports (the wasi:http variant of requests_wasm only when its default
transport is something else).

`raw` is a keep-alive socket that writes the request and reads the answer with no parsing
beyond `Content-Length`: the floor the server and the loopback allow, to show the server is
not the bottleneck.
"""

import inspect
import json
import os
import socket
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Where `requests_wasm` is imported from: `examples/python` (the tests do the same), or a copy
#: of it taken from a commit by `run.py --rev` (named by `$BENCH_WRAPPER_DIR`).
WRAPPER_DIR = Path(os.environ.get("BENCH_WRAPPER_DIR") or HERE.parent)
MiB = 1 << 20


def import_wrapper():
    if str(WRAPPER_DIR) not in sys.path:
        sys.path.insert(0, str(WRAPPER_DIR))
    import requests_wasm
    return requests_wasm


class Client:
    name = "?"
    streams = False

    def close(self):
        pass


# ---- requests_wasm ------------------------------------------------------------------------

def _wasi_http_session(rw):
    """A requests_wasm session whose http:// requests go through wasmtime's wasi:http:
    ``Session(transport="wasi-http")`` where the wrapper has it, else a session whose default
    is something else with `Adapter.http()` mounted; None when the default is wasi:http."""
    if "transport" in inspect.signature(rw.Session).parameters:
        return rw.Session(transport="wasi-http")
    s = rw.Session()
    if _transport_kind(s) in WASI_HTTP_KINDS:
        s.close()
        return None
    s.mount("http://", rw.Adapter.http())
    return s


WASI_HTTP_KINDS = ("http", "wasi-http")


def _transport_kind(session):
    """What the session sends http:// requests with: its `transport` where the wrapper has
    one, else the kind of the adapter mounted for http:// (`wasi-http`, `host`...)."""
    transport = getattr(session, "transport", None)
    if isinstance(transport, str):
        return transport
    try:
        adapter = session.get_adapter("http://127.0.0.1/")
    except Exception:
        return "?"
    kind = getattr(adapter, "kind", None)
    return kind if isinstance(kind, str) else type(adapter).__name__


def transport_label(session):
    kind = _transport_kind(session)
    return "wasi:http" if kind in WASI_HTTP_KINDS else kind


class RequestsWasm(Client):
    streams = True

    def __init__(self, base, variant="default"):
        rw = import_wrapper()
        if variant == "wasi-http":
            self.s = _wasi_http_session(rw)
            if self.s is None:
                raise LookupError("the default transport is wasi:http already")
            if getattr(self.s, "transport", "wasi-http") != "wasi-http":
                raise LookupError(f"asked for wasi-http, got {self.s.transport!r}")
        else:
            self.s = rw.Session()
        self.transport = transport_label(self.s)
        self.name = f"requests_wasm ({self.transport})"
        self.variant = variant

    def get_json(self, url):
        return self.s.get(url).json()

    def download(self, url):
        return len(self.s.get(url).content)

    def upload(self, url, body):
        return self.s.post(url, data=body).json()["received"]

    def stream_down(self, url, deadline):
        r = self.s.get(url, stream=True)
        n = 0
        for chunk in r.iter_content(MiB):
            n += len(chunk)
            if time.perf_counter() > deadline:
                break
        r.close()
        return n

    def stream_up(self, url, chunks):
        return self.s.post(url, data=chunks).json()["received"]

    def alive(self, url):
        return self.get_json(url) is not None

    def close(self):
        self.s.close()


# ---- requests, httpx, urllib3 -------------------------------------------------------------

class Requests(Client):
    name = "requests.Session"
    streams = True

    def __init__(self, base):
        import requests
        self.s = requests.Session()

    def get_json(self, url):
        return self.s.get(url).json()

    def download(self, url):
        return len(self.s.get(url).content)

    def upload(self, url, body):
        return self.s.post(url, data=body).json()["received"]

    def stream_down(self, url, deadline):
        n = 0
        with self.s.get(url, stream=True) as r:
            for chunk in r.iter_content(MiB):
                n += len(chunk)
                if time.perf_counter() > deadline:
                    break
        return n

    def stream_up(self, url, chunks):
        return self.s.post(url, data=chunks).json()["received"]

    def alive(self, url):
        return self.get_json(url) is not None

    def close(self):
        self.s.close()


class Httpx(Client):
    name = "httpx.Client"

    def __init__(self, base):
        import httpx
        self.c = httpx.Client()

    def get_json(self, url):
        return self.c.get(url).json()

    def download(self, url):
        return len(self.c.get(url).content)

    def upload(self, url, body):
        return self.c.post(url, content=body).json()["received"]

    def close(self):
        self.c.close()


class Urllib3(Client):
    name = "urllib3.PoolManager"

    def __init__(self, base):
        import urllib3
        self.pm = urllib3.PoolManager()

    def get_json(self, url):
        return self.pm.request("GET", url).json()

    def download(self, url):
        return len(self.pm.request("GET", url).data)

    def upload(self, url, body):
        return self.pm.request("POST", url, body=body).json()["received"]

    def close(self):
        self.pm.clear()


class Raw(Client):
    """One keep-alive socket, requests written by hand, answers read by `Content-Length`."""
    name = "raw socket (floor)"

    def __init__(self, base):
        host, port = base.split("//", 1)[1].split(":")
        self.host = f"{host}:{port}"
        self.sock = socket.create_connection((host, int(port)))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray(16 * MiB)
        self.view = memoryview(self.buf)

    def _answer(self):
        got = 0
        while True:
            n = self.sock.recv_into(self.view[got:])
            if not n:
                raise ConnectionError("closed")
            got += n
            end = self.buf.find(b"\r\n\r\n", 0, got)
            if end >= 0:
                break
        head = bytes(self.buf[:end]).lower()
        i = head.index(b"content-length:") + 15
        j = head.find(b"\r\n", i)
        length = int(head[i:j if j >= 0 else len(head)])
        body_start = end + 4
        total = body_start + length
        if total <= len(self.buf):
            while got < total:
                got += self.sock.recv_into(self.view[got:total])
            return bytes(self.buf[body_start:total])
        left = total - got
        while left:
            left -= self.sock.recv_into(self.view[:min(left, len(self.buf))])
        return length

    def _path(self, url):
        return "/" + url.split("//", 1)[1].split("/", 1)[1]

    def get_json(self, url):
        self.sock.sendall(f"GET {self._path(url)} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())
        return json.loads(self._answer())

    def download(self, url):
        self.sock.sendall(f"GET {self._path(url)} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())
        body = self._answer()
        return body if isinstance(body, int) else len(body)

    def upload(self, url, body):
        self.sock.sendall(f"POST {self._path(url)} HTTP/1.1\r\nHost: {self.host}\r\n"
                          f"Content-Length: {len(body)}\r\n\r\n".encode())
        self.sock.sendall(body)
        return json.loads(self._answer())["received"]

    def close(self):
        self.sock.close()


#: name -> factory
FACTORIES = {
    "requests_wasm": lambda base: RequestsWasm(base),
    "requests_wasm-wasi-http": lambda base: RequestsWasm(base, "wasi-http"),
    "requests": Requests,
    "httpx": Httpx,
    "urllib3": Urllib3,
    "raw": Raw,
}


def make(name, base):
    return FACTORIES[name](base)
