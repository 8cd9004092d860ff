"""A small httpbin-like HTTP/1.1 server on 127.0.0.1, run in a thread, for example.py and the tests.

This module owns the loopback server: `LoopbackServer` (a `ThreadingHTTPServer` bound to
127.0.0.1 on a free port, usable as a context manager), its handler and its endpoints, and
`closed_port()`. It listens on loopback only and uses nothing outside the standard library.
Every request it receives is logged (method, path with query, headers): `LoopbackServer.seen`
gives the ones whose path contains a marker, so a test can check what reached the server.

Endpoints (JSON unless noted):
  /get /post /put /patch /delete /anything[/...]  echo: method, url, path, args, headers (names
                                                  in lower case), cookies, data, form, json,
                                                  files and parts (multipart/form-data: form
                                                  holds the fields, files name -> text, parts
                                                  every part with its headers)
  /headers                        {"headers": {...}}
  /upload                         a request body read in pieces and not echoed: {"method",
                                  "length", "sha256", "transfer_encoding", "content_length",
                                  "content_type", "headers" (names in lower case)}
  /basic-auth/<user>/<pass>       200 {"authenticated": true, "user": ...} or 401
  /digest-auth/<qop>/<user>/<pass>[/<algorithm>]
                                  RFC 7616 Digest (qop `auth` or `none`; MD5, MD5-sess, SHA,
                                  SHA-256, SHA-256-sess, SHA-512-256 when hashlib has it): 401
                                  with a challenge and a `digest_seen` cookie, then 200
                                  {"authenticated", "user", "nc", "algorithm"} for a right answer
                                  that sends the cookie back (403 without it), else 401 again
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
  /bytes/<n>[?gzip=1]             n bytes (0, 1, 2, ... 255, 0, ...), application/octet-stream;
                                  with gzip=1, gzip'd (Content-Encoding: gzip, Content-Length
                                  of the compressed body)
  /stream-bytes/<n>?chunk_size=[&gzip=1]
                                  the same n bytes, chunked (no Content-Length), in chunks of
                                  chunk_size (default 65536); with gzip=1, the gzip'd body so
  /gzip[?pad=<n>] /deflate        a JSON body with that Content-Encoding (/gzip: with "pad",
                                  n times "x", when pad is given)
  /brotli /zstd                   the /get echo plus {"brotli"|"zstd": true}, encoded with
                                  stored (uncompressed) brotli meta-blocks / zstd raw blocks:
                                  valid streams the standard library can write, no compression
  /lines                          text/plain lines, chunked mid-line: "alpha\r\nbeta\n\n"
                                  "gamma café\r\n" "last" (no final newline)
  /link                           two Link headers: next and last (relative), and one to
                                  example.com without rel
  /bad-gzip                       Content-Encoding: gzip on a body that is not gzip
  /garbage                        bytes that are not an HTTP response, then close
  /encoding/latin1                text/plain; charset=iso-8859-1
  /encoding/sjis                  bytes 0-255 labelled charset=shift_jis (a charset the component
                                  does not decode)
  /html                           text/html (not JSON)
  /flaky/<n>?key=&status=&retry_after=&stall=
                                  per key (any string; every method shares it): the first n
                                  requests get `status` (default 503; with a `Retry-After:
                                  <retry_after>` header when given), or with `stall=<seconds>`
                                  no answer for that long instead; later ones get 200
                                  {"attempts": <requests on this key so far>, "method": ...}
"""

from __future__ import annotations

import base64
import email.message
import gzip
import hashlib
import json
import re
import secrets
import socket
import threading
import time
import zlib
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import parse_qsl, quote, urlsplit

__all__ = ["LoopbackServer", "closed_port"]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_DIGEST_REALM = "requests-wasm@loopback"
_DIGEST_HASHES = {"MD5": "md5", "SHA": "sha1", "SHA-256": "sha256", "SHA-512-256": "sha512_256"}
_DIGEST_PARAM = re.compile(r'([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))')

#: The body of /lines, as its chunks (split mid-line and between \r and \n on purpose).
LINES_CHUNKS = [b"alpha\r", b"\nbe", b"ta\n\n", "gamma caf\u00e9\r\n".encode(), b"last"]


def _pattern(n: int) -> bytes:
    """n bytes 0, 1, 2, ... 255, 0, 1, ..."""
    return (bytes(range(256)) * (n // 256 + 1))[:n]


def _digest_hash(algorithm: str, text: str) -> Optional[str]:
    name = _DIGEST_HASHES.get(algorithm.upper().replace("-SESS", ""))
    if name is None or name not in hashlib.algorithms_available:
        return None
    return hashlib.new(name, text.encode("utf-8")).hexdigest()


def brotli_stored(data: bytes) -> bytes:
    """`data` as a brotli stream (RFC 7932) of uncompressed meta-blocks: a window of 2**16 - 16
    (WBITS 16: one 0 bit), then per block of at most 65536 bytes ISLAST=0, MNIBBLES=4 (00),
    MLEN-1 in 16 bits and ISUNCOMPRESSED=1, padded to a byte, then the bytes; it ends with an
    empty last meta-block (ISLAST=1, ISLASTEMPTY=1). Bits are packed from the lowest."""
    out, bits, nbits = bytearray(), 0, 0

    def put(value: int, width: int) -> None:
        nonlocal bits, nbits
        bits |= value << nbits
        nbits += width

    def flush() -> None:  # pad to a byte boundary with zero bits
        nonlocal bits, nbits
        out.extend(bits.to_bytes((nbits + 7) // 8, "little"))
        bits = nbits = 0

    put(0, 1)                       # WBITS 16
    for i in range(0, len(data), 65536):
        block = data[i:i + 65536]
        put(0, 1)                   # ISLAST
        put(0, 2)                   # MNIBBLES: 4
        put(len(block) - 1, 16)     # MLEN - 1
        put(1, 1)                   # ISUNCOMPRESSED
        flush()
        out.extend(block)
    put(1, 1)                       # ISLAST
    put(1, 1)                       # ISLASTEMPTY
    flush()
    return bytes(out)


def zstd_raw(data: bytes) -> bytes:
    """`data` as one zstd frame (RFC 8878) of raw blocks: the magic number, a single-segment
    header with a 4-byte content size, then blocks of at most 128 KiB, each with a 3-byte header
    (Last_Block bit, Block_Type 0 = raw, Block_Size)."""
    out = bytearray(b"\x28\xb5\x2f\xfd\xa0" + len(data).to_bytes(4, "little"))
    blocks = [data[i:i + 131072] for i in range(0, len(data), 131072)] or [b""]
    for n, block in enumerate(blocks):
        out += ((len(block) << 3) | (n == len(blocks) - 1)).to_bytes(3, "little") + block
    return bytes(out)


def _multipart(body: bytes, content_type: str) -> List[Dict[str, Any]]:
    """The parts of a multipart/form-data body: name, filename, content_type, headers, data."""
    header = email.message.Message()
    header["Content-Type"] = content_type
    boundary = header.get_param("boundary")
    if not isinstance(boundary, str):
        return []
    parts = []
    for chunk in body.split(b"--" + boundary.encode("latin-1"))[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk[2:].partition(b"\r\n\r\n")
        part = email.message.Message()
        for line in head.decode("utf-8").split("\r\n"):
            name, _, value = line.partition(":")
            part[name.strip()] = value.strip()
        parts.append({
            "name": part.get_param("name", header="content-disposition"),
            "filename": part.get_param("filename", header="content-disposition"),
            "content_type": part.get("Content-Type"),
            "headers": {k.lower(): v for k, v in part.items()},
            "data": data[:-2] if data.endswith(b"\r\n") else data,
        })
    return parts


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

    def _body_pieces(self) -> Iterator[bytes]:
        """The request body as it arrives: one piece per chunk of a chunked body (a chunk over
        64 KiB in several), 64 KiB pieces of a Content-Length one."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return
                while size:
                    piece = self.rfile.read(min(size, 65536))
                    if not piece:
                        return
                    size -= len(piece)
                    yield piece
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        while length:
            piece = self.rfile.read(min(length, 65536))
            if not piece:
                return
            length -= len(piece)
            yield piece

    def _body(self) -> bytes:
        return b"".join(self._body_pieces())

    def _upload(self) -> None:
        """/upload: digest the body as it arrives, keep none of it."""
        digest, length = hashlib.sha256(), 0
        for piece in self._body_pieces():
            digest.update(piece)
            length += len(piece)
        return self._json({
            "method": self.command,
            "length": length,
            "sha256": digest.hexdigest(),
            "transfer_encoding": self.headers.get("Transfer-Encoding"),
            "content_length": self.headers.get("Content-Length"),
            "content_type": self.headers.get("Content-Type"),
            "headers": {k.lower(): ", ".join(self.headers.get_all(k) or [])
                        for k in dict.fromkeys(self.headers.keys())},
        })

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
        files: Dict[str, Any] = {}
        multipart: List[Dict[str, Any]] = []
        parsed: Any = None
        if ctype.startswith("application/x-www-form-urlencoded"):
            form = _multi(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        if ctype.startswith("multipart/form-data"):
            multipart = [dict(p, data=p["data"].decode("utf-8", "replace"))
                         for p in _multipart(body, ctype)]
            form = _multi([(p["name"], p["data"]) for p in multipart if p["filename"] is None])
            files = {p["name"]: p["data"] for p in multipart if p["filename"] is not None}
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
            "files": files,
            "parts": multipart,
            "json": parsed,
        }

    # ---- routing -----------------------------------------------------------------------------

    def _route(self) -> None:
        with self.server.log_lock:  # type: ignore[attr-defined]
            self.server.request_log.append({  # type: ignore[attr-defined]
                "method": self.command, "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()}})
        if urlsplit(self.path).path == "/upload":
            return self._upload()
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
        if seg[:1] == ["digest-auth"] and len(seg) in (4, 5):
            return self._digest_auth(*seg[1:4], seg[4] if len(seg) == 5 else "MD5")
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
        gzipped = dict(query).get("gzip") == "1"
        coding = [("Content-Encoding", "gzip")] if gzipped else []
        if seg[:1] == ["bytes"] and len(seg) == 2:
            data = _pattern(int(seg[1]))
            return self._send(200, gzip.compress(data) if gzipped else data, coding,
                              content_type="application/octet-stream")
        if seg[:1] == ["stream-bytes"] and len(seg) == 2:
            data, step = _pattern(int(seg[1])), int(dict(query).get("chunk_size", 65536))
            if gzipped:
                data = gzip.compress(data)
            return self._stream([data[i:i + step] for i in range(0, len(data), step)],
                                content_type="application/octet-stream", headers=coding)
        if path == "/gzip":
            doc: Dict[str, Any] = {"gzipped": True}
            if "pad" in dict(query):
                doc["pad"] = "x" * int(dict(query)["pad"])
            return self._send(200, gzip.compress(json.dumps(doc).encode()),
                              [("Content-Encoding", "gzip")])
        if path == "/deflate":
            return self._send(200, zlib.compress(json.dumps({"deflated": True}).encode()),
                              [("Content-Encoding", "deflate")])
        if path in ("/brotli", "/zstd"):
            flag = path[1:]
            encoded = json.dumps(dict(self._echo(body), **{flag: True})).encode()
            return self._send(200, (brotli_stored if flag == "brotli" else zstd_raw)(encoded),
                              [("Content-Encoding", "br" if flag == "brotli" else "zstd")])
        if path == "/lines":
            return self._stream(LINES_CHUNKS, content_type="text/plain; charset=utf-8")
        if path == "/link":
            return self._send(200, headers=[
                ("Link", '</page/2>; rel="next", </page/9>; rel="last"; title="end, really"'),
                ("Link", "<https://example.com/about>; type=text/html"),
            ])
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
        if seg[:1] == ["flaky"] and len(seg) == 2:
            return self._flaky(int(seg[1]), dict(query))
        if path == "/html":
            return self._send(200, b"<!doctype html><p>not json</p>", content_type="text/html")
        return self._json({"error": f"no route {quote(path)}"}, 404)

    def _digest_auth(self, qop: str, user: str, password: str, algorithm: str) -> None:
        """Check an RFC 7616 answer: the nonce must be one this server issued, and the cookie
        set with the challenge must come back."""
        if _digest_hash(algorithm, "") is None or qop not in ("auth", "none"):
            return self._json({"error": f"unsupported qop {qop!r} or algorithm {algorithm!r}"}, 400)
        header = self.headers.get("Authorization", "")
        if not header.startswith("Digest "):
            return self._digest_challenge(qop, algorithm)
        if "digest_seen" not in self._cookies():
            return self._json({"error": "the cookie set with the challenge was not sent back"}, 403)
        p = {m.group(1).lower(): (re.sub(r"\\(.)", r"\1", m.group(2))
                                  if m.group(2) is not None else m.group(3))
             for m in _DIGEST_PARAM.finditer(header[len("Digest "):])}
        get = lambda k: p.get(k, "")  # noqa: E731
        issued = self.server.digest_nonces  # type: ignore[attr-defined]
        if (get("nonce") not in issued or get("username") != user or get("realm") != _DIGEST_REALM
                or get("uri") != self.path or get("opaque") != "0pa9ue"):
            return self._digest_challenge(qop, algorithm)
        h = lambda text: _digest_hash(algorithm, text)  # noqa: E731
        ha1 = h(f"{user}:{_DIGEST_REALM}:{password}")
        if algorithm.upper().endswith("-SESS"):
            ha1 = h(f"{ha1}:{get('nonce')}:{get('cnonce')}")
        ha2 = h(f"{self.command}:{get('uri')}")
        if qop == "none":
            expected = h(f"{ha1}:{get('nonce')}:{ha2}")
        else:
            expected = h(f"{ha1}:{get('nonce')}:{get('nc')}:{get('cnonce')}:{get('qop')}:{ha2}")
        if get("response") != expected:
            return self._digest_challenge(qop, algorithm)
        return self._json({"authenticated": True, "user": user, "nc": get("nc"),
                           "algorithm": get("algorithm")})

    def _digest_challenge(self, qop: str, algorithm: str) -> None:
        nonce = secrets.token_hex(16)
        self.server.digest_nonces.add(nonce)  # type: ignore[attr-defined]
        qop_param = "" if qop == "none" else f', qop="{qop}"'
        value = (f'Digest realm="{_DIGEST_REALM}", nonce="{nonce}"{qop_param}, '
                 f'opaque="0pa9ue", algorithm={algorithm}')
        return self._send(401, b"", [("WWW-Authenticate", value),
                                     ("Set-Cookie", "digest_seen=1; Path=/")])

    def _flaky(self, failures: int, q: Dict[str, str]) -> None:
        with self.server.flaky_lock:  # type: ignore[attr-defined]
            counts = self.server.flaky_counts  # type: ignore[attr-defined]
            key = q.get("key", "")
            counts[key] = attempt = counts.get(key, 0) + 1
        if attempt > failures:
            return self._json({"attempts": attempt, "method": self.command})
        if "stall" in q:
            time.sleep(float(q["stall"]))
            self.close_connection = True
            return None
        headers = [("Retry-After", q["retry_after"])] if "retry_after" in q else []
        return self._json({"attempts": attempt, "method": self.command},
                          int(q.get("status", 503)), headers)

    def _stream(self, chunks: List[bytes], delay: float = 0.0,
                content_type: str = "application/json",
                headers: Optional[List[Tuple[str, str]]] = None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        for k, v in headers or []:
            self.send_header(k, v)
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
        self._httpd.digest_nonces = set()  # type: ignore[attr-defined]
        self._httpd.flaky_counts = {}  # type: ignore[attr-defined]
        self._httpd.flaky_lock = threading.Lock()  # type: ignore[attr-defined]
        self._httpd.request_log = []  # type: ignore[attr-defined]
        self._httpd.log_lock = threading.Lock()  # type: ignore[attr-defined]
        self.host, self.port = self._httpd.server_address[:2]
        self.base_url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="loopback-http",
                                        daemon=True)

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def seen(self, marker: str = "") -> List[Dict[str, Any]]:
        """The requests received so far whose path (with query) contains `marker`, oldest
        first: ``{"method", "path", "headers"}`` (header names in lower case)."""
        with self._httpd.log_lock:  # type: ignore[attr-defined]
            return [dict(r) for r in self._httpd.request_log  # type: ignore[attr-defined]
                    if marker in r["path"]]

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
