"""The loopback httpbin-like fixture server of example.py and the tests.

It is the Rust one the Rust tests use (host-tests/src/server/, which lists its endpoints in
mod.rs), run as the child process target/debug/fixture-server (host-tests/src/bin/
fixture-server.rs), built with cargo when it is missing; `$REQUESTS_FIXTURE_SERVER` names another
binary to run. The child prints its port as one line of JSON and serves on 127.0.0.1 until its
stdin closes, so it also stops when this process exits. It logs every request it receives
(method, target, headers); `LoopbackServer.seen` asks it (`/__seen`) for the ones whose target
holds a marker, so a test can check what reached the server.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any, Dict, List
from urllib.parse import urlencode

__all__ = ["LoopbackServer", "closed_port"]

ROOT = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pattern(n: int) -> bytes:
    """The server's /bytes/<n> body: byte i is i % 251."""
    return (bytes(range(251)) * (n // 251 + 1))[:n]


def _binary() -> str:
    given = os.environ.get("REQUESTS_FIXTURE_SERVER")
    if given:
        return given
    target = ROOT / os.environ.get("CARGO_TARGET_DIR", "target")
    exe = target / "debug" / ("fixture-server.exe" if os.name == "nt" else "fixture-server")
    if not exe.is_file():
        try:
            out: Any = sys.stderr.fileno()      # cargo's output to stderr, not to stdout
        except (AttributeError, ValueError, OSError):
            out = None
        subprocess.run(["cargo", "build", "-p", "host-tests", "--bin", "fixture-server", "--locked"],
                       cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, check=True)
    return str(exe)


# No proxy from the environment for the requests to the server itself.
_local = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class LoopbackServer:
    """`with LoopbackServer() as srv: srv.url("/get")` - serves on 127.0.0.1:<free port>."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen([_binary()], cwd=ROOT, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE)
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        try:
            self.port: int = json.loads(line)["port"]
        except (ValueError, KeyError, TypeError):
            self.close()
            raise RuntimeError(f"the fixture server gave no port line: {line!r}") from None
        self.host = "127.0.0.1"
        self.base_url = f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def seen(self, marker: str = "") -> List[Dict[str, Any]]:
        """The requests received so far whose path (with query) contains `marker`, oldest
        first: ``{"method", "path", "headers"}`` (header names in lower case)."""
        with _local.open(self.url("/__seen?" + urlencode({"marker": marker})), timeout=30) as r:
            return json.load(r)

    def start(self) -> "LoopbackServer":
        return self

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            self._proc.wait()
        for pipe in (self._proc.stdin, self._proc.stdout):
            if pipe is not None:
                pipe.close()

    def __enter__(self) -> "LoopbackServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()


if __name__ == "__main__":
    with LoopbackServer() as srv:
        print(f"serving on {srv.base_url} (Ctrl-C to stop)")
        try:
            srv._proc.wait()
        except KeyboardInterrupt:
            pass
