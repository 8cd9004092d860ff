"""The benchmark's loopback HTTP/1.1 server, run as its own process (its own GIL).

One thread per connection, blocking sockets, keep-alive (HTTP/1.1's default; `Connection:
close` or HTTP/1.0 ends the connection after the answer), `TCP_NODELAY`. Nothing is parsed
beyond what the routes need, so a request costs the server a few tens of microseconds (the
`raw socket` row of the benchmark measures it from a client that does nothing else).

| route | answer |
|---|---|
| `GET /json` | a 100-byte JSON document (`application/json`) |
| `GET /bytes/N` | `N` bytes (`application/octet-stream`, `Content-Length`), sent from one 16 MiB buffer of `i % 251` |
| `POST`/`PUT /upload` | reads the body (`Content-Length` or chunked; `Expect: 100-continue` answered) and throws it away; answers `{"received": N}` |

    python3 server.py        # prints {"port": N} and serves on 127.0.0.1 until stdin closes
"""

import json
import socket
import sys
import threading

PATTERN = bytes(i % 251 for i in range(251))
BIG = memoryview((PATTERN * ((16 << 20) // 251 + 1))[:16 << 20])
SMALL_JSON = b'{"id": 12345, "name": "benchmark", "ok": true, "items": [1, 2, 3, 4, 5], "note": "100 bytes!!!!!!!"}'
assert len(SMALL_JSON) == 100, len(SMALL_JSON)
SCRATCH = 1 << 20


def _head(status, content_type, length, close):
    return (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\n"
            f"{'Connection: close' if close else 'Connection: keep-alive'}\r\n\r\n"
            ).encode("ascii")


def _discard(reader, n, scratch):
    left = n
    while left:
        got = reader.readinto(scratch[:min(left, SCRATCH)])
        if not got:
            raise ConnectionError("body cut short")
        left -= got
    return n


def _read_chunked(reader, scratch):
    total = 0
    while True:
        line = reader.readline(1024)
        if not line:
            raise ConnectionError("chunked body cut short")
        size = int(line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while reader.readline(1024) not in (b"\r\n", b"\n", b""):
                pass                                        # trailers
            return total
        total += _discard(reader, size, scratch)
        reader.readline(1024)                               # the CRLF after the data


def serve(conn):
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = conn.makefile("rb", buffering=256 << 10)
    scratch = memoryview(bytearray(SCRATCH))
    try:
        while True:
            line = reader.readline(65537)
            if not line:
                return
            if line in (b"\r\n", b"\n"):
                continue
            method, target, version = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
            headers = {}
            while True:
                h = reader.readline(65537)
                if h in (b"\r\n", b"\n", b""):
                    break
                name, _, value = h.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            close = (headers.get("connection", "").lower() == "close"
                     or version.upper() == "HTTP/1.0")
            if headers.get("expect", "").lower() == "100-continue":
                conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            received = 0
            if "chunked" in headers.get("transfer-encoding", "").lower():
                received = _read_chunked(reader, scratch)
            elif "content-length" in headers:
                received = _discard(reader, int(headers["content-length"]), scratch)
            path = target.split("?", 1)[0]
            if path == "/json":
                conn.sendall(_head("200 OK", "application/json", 100, close) + SMALL_JSON)
            elif path.startswith("/bytes/"):
                n = int(path[len("/bytes/"):])
                head = _head("200 OK", "application/octet-stream", n, close)
                if n <= 64 << 10:
                    conn.sendall(head + BIG[:n])
                else:
                    conn.sendall(head)
                    while n:
                        k = min(n, len(BIG))
                        conn.sendall(BIG[:k])
                        n -= k
            elif path == "/upload":
                body = json.dumps({"received": received}).encode()
                conn.sendall(_head("200 OK", "application/json", len(body), close) + body)
            else:
                conn.sendall(_head("404 Not Found", "text/plain", 9, close) + b"not found")
            if close:
                return
    except (ConnectionError, OSError, ValueError):
        return
    finally:
        try:
            reader.close()
            conn.close()
        except OSError:
            pass


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)

    def accept_loop():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    print(json.dumps({"port": listener.getsockname()[1]}), flush=True)
    while sys.stdin.buffer.read(4096):
        pass
    listener.close()


if __name__ == "__main__":
    main()
