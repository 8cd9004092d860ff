"""A small httpbin-like HTTP/1.1 server on 127.0.0.1, run in a thread, for example.py and the tests.

This module owns the loopback server: `LoopbackServer` (a `ThreadingHTTPServer` bound to
127.0.0.1 on a free port, usable as a context manager), its handler and its endpoints, and
`closed_port()`. It listens on loopback only and uses nothing outside the standard library.

Endpoints (JSON unless noted):
  /get /post /put /patch /delete /anything[/...]  echo: method, url, args, headers (names in
                                                  lower case), cookies, data, form, json
  /headers                        {"headers": {...}}
  /basic-auth/<user>/<pass>       200 {"authenticated": true, "user": ...} or 401
  /bearer                         200 {"authenticated": true, "token": ...} or 401
  /cookies                        {"cookies": {...}} (what the client sent)
  /cookies/set?n=v&...            302 to /cookies, one Set-Cookie per pair
  /cookies/set-many               200 with three Set-Cookie headers, one with an Expires date
  /cookies/delete?n&...           302 to /cookies, expiring each named cookie
  /redirect/<n>                   302 chain of n hops ending at /get
  /redirect-to?url=..&status_code=  a redirect to url
  /loop                           302 to itself, forever
  /status/<code>                  that status (3xx with Location: /get)
  /delay/<seconds>                waits, then answers (for read timeouts)
  /stream/<n>                     n JSON lines, chunked, flushed one by one
  /drip?numbytes=&chunks=&delay=  numbytes bytes in chunks, with a delay between them
  /bytes/<n>                      n bytes (0, 1, 2, ... 255, 0, ...), application/octet-stream
  /gzip /deflate                  a JSON body with that Content-Encoding
  /bad-gzip                       Content-Encoding: gzip on a body that is not gzip
  /garbage                        bytes that are not an HTTP response, then close
  /encoding/latin1                text/plain; charset=iso-8859-1
  /encoding/sjis                  bytes 0-255 labelled charset=shift_jis (a charset the component
                                  does not decode)
  /html                           text/html (not JSON)
"""

from __future__ import annotations

import base64
import gzip
import json
import socket
import threading
import time
import zlib
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, quote, urlsplit

__all__ = ["LoopbackServer", "closed_port"]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _multi(pairs: List[Tuple[str, str]]) -> Dict[str, Any]:
    """httpbin's shape: a single value as a string, a repeated name as a list."""
    out: Dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            out[k] = out[k] + [v] if isinstance(out[k], list) else [out[k], v]
        else:
            out[k] = v
    return out


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "loopback/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    # ---- helpers ---------------------------------------------------------------------------

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes = b"", headers: Optional[List[Tuple[str, str]]] = None,
              content_type: Optional[str] = "application/json") -> None:
        self.send_response(status)
        if content_type and body:
            self.send_header("Content-Type", content_type)
        for k, v in headers or []:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, obj: Any, status: int = 200, headers: Optional[List[Tuple[str, str]]] = None) -> None:
        self._send(status, json.dumps(obj, indent=1).encode("utf-8"), headers)

    def _redirect(self, location: str, status: int = 302,
                  headers: Optional[List[Tuple[str, str]]] = None) -> None:
        self._send(status, b"", [("Location", location), *(headers or [])])

    def _cookies(self) -> Dict[str, str]:
        jar = SimpleCookie()
        for header in self.headers.get_all("Cookie") or []:
            jar.load(header)
        return {k: m.value for k, m in jar.items()}

    def _echo(self, body: bytes) -> Dict[str, Any]:
        parts = urlsplit(self.path)
        ctype = self.headers.get("Content-Type", "")
        form: Dict[str, Any] = {}
        parsed: Any = None
        if ctype.startswith("application/x-www-form-urlencoded"):
            form = _multi(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        if ctype.startswith("application/json"):
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        return {
            "method": self.command,
            "url": f"http://{self.headers.get('Host')}{self.path}",
            "path": parts.path,
            "args": _multi(parse_qsl(parts.query, keep_blank_values=True)),
            "headers": {k.lower(): ", ".join(self.headers.get_all(k) or [])
                        for k in dict.fromkeys(self.headers.keys())},
            "cookies": self._cookies(),
            "data": body.decode("utf-8", "replace"),
            "form": form,
            "json": parsed,
        }

    # ---- routing -----------------------------------------------------------------------------

    def _route(self) -> None:
        body = self._body()
        parts = urlsplit(self.path)
        path = parts.path
        query = parse_qsl(parts.query, keep_blank_values=True)
        seg = [s for s in path.split("/") if s]

        if path in ("/get", "/post", "/put", "/patch", "/delete") or path.startswith("/anything"):
            return self._json(self._echo(body))
        if path == "/headers":
            return self._json({"headers": self._echo(body)["headers"]})
        if seg[:1] == ["basic-auth"] and len(seg) == 3:
            expected = "Basic " + base64.b64encode(f"{seg[1]}:{seg[2]}".encode()).decode()
            if self.headers.get("Authorization") == expected:
                return self._json({"authenticated": True, "user": seg[1]})
            return self._json({"authenticated": False}, 401,
                              [("WWW-Authenticate", 'Basic realm="loopback"')])
        if path == "/bearer":
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Bearer "):
                return self._json({"authenticated": True, "token": auth[len("Bearer "):]})
            return self._json({"authenticated": False}, 401, [("WWW-Authenticate", "Bearer")])
        if path == "/cookies":
            return self._json({"cookies": self._cookies()})
        if path == "/cookies/set":
            return self._redirect("/cookies", headers=[("Set-Cookie", f"{k}={v}; Path=/") for k, v in query])
        if path == "/cookies/set-many":
            return self._json({"set": ["a", "b", "c"]}, headers=[
                ("Set-Cookie", "a=1; Path=/"),
                ("Set-Cookie", "b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/"),
                ("Set-Cookie", "c=3; Max-Age=3600; Path=/; HttpOnly"),
            ])
        if path == "/cookies/delete":
            return self._redirect("/cookies", headers=[
                ("Set-Cookie", f"{k}=; Max-Age=0; Path=/") for k, _ in query])
        if seg[:1] == ["redirect"] and len(seg) == 2:
            n = int(seg[1])
            return self._redirect("/get" if n <= 1 else f"/redirect/{n - 1}")
        if path == "/redirect-to":
            q = dict(query)
            return self._redirect(q["url"], int(q.get("status_code", 302)))
        if path == "/loop":
            return self._redirect("/loop")
        if seg[:1] == ["status"] and len(seg) == 2:
            code = int(seg[1])
            if 300 <= code < 400:
                return self._redirect("/get", code)
            return self._send(code)
        if seg[:1] == ["delay"] and len(seg) == 2:
            time.sleep(float(seg[1]))
            return self._json(self._echo(body))
        if seg[:1] == ["stream"] and len(seg) == 2:
            return self._stream([(json.dumps({"id": i}) + "\n").encode() for i in range(int(seg[1]))])
        if path == "/drip":
            q = dict(query)
            numbytes, chunks = int(q.get("numbytes", 10)), int(q.get("chunks", 1))
            data = b"*" * numbytes
            step = max(1, -(-numbytes // chunks))
            return self._stream([data[i:i + step] for i in range(0, numbytes, step)],
                                float(q.get("delay", 0)), "application/octet-stream")
        if seg[:1] == ["bytes"] and len(seg) == 2:
            return self._send(200, bytes(i % 256 for i in range(int(seg[1]))),
                              content_type="application/octet-stream")
        if path == "/gzip":
            return self._send(200, gzip.compress(json.dumps({"gzipped": True}).encode()),
                              [("Content-Encoding", "gzip")])
        if path == "/deflate":
            return self._send(200, zlib.compress(json.dumps({"deflated": True}).encode()),
                              [("Content-Encoding", "deflate")])
        if path == "/bad-gzip":
            return self._send(200, b"this is not gzip", [("Content-Encoding", "gzip")],
                              content_type="text/plain")
        if path == "/garbage":
            self.wfile.write(b"NOT HTTP AT ALL\r\n\r\n")
            self.wfile.flush()
            self.close_connection = True
            return None
        if path == "/encoding/sjis":
            return self._send(200, bytes(range(256)), content_type="text/plain; charset=shift_jis")
        if path == "/encoding/latin1":
            return self._send(200, "café déjà vu".encode("iso-8859-1"),
                              content_type="text/plain; charset=iso-8859-1")
        if path == "/html":
            return self._send(200, b"<!doctype html><p>not json</p>", content_type="text/html")
        return self._json({"error": f"no route {quote(path)}"}, 404)

    def _stream(self, chunks: List[bytes], delay: float = 0.0,
                content_type: str = "application/json") -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for chunk in chunks:
            if delay:
                time.sleep(delay)
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _route


class LoopbackServer:
    """`with LoopbackServer() as srv: srv.url("/get")` - serves on 127.0.0.1:<free port>."""

    def __init__(self) -> None:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self.host, self.port = self._httpd.server_address[:2]
        self.base_url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="loopback-http",
                                        daemon=True)

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def start(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "LoopbackServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()


if __name__ == "__main__":
    with LoopbackServer() as srv:
        print(f"serving on {srv.base_url} (Ctrl-C to stop)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
