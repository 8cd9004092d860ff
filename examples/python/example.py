"""A short tour of requests_wasm: one Session (the WebAssembly component, run by wasmtime-py)
doing what a requests.Session does, against a loopback httpbin-like server it starts itself,
or against an httpbin-compatible base URL given on the command line.

    examples/python/.venv/bin/python examples/python/example.py [http://127.0.0.1:8080]
"""

from __future__ import annotations

import sys
import time

import requests_wasm as requests
from loopback_server import LoopbackServer


def tour(base: str) -> None:
    started = time.perf_counter()
    with requests.Session() as s:
        print(f"component ready in {time.perf_counter() - started:.2f}s "
              f"(target/{requests.DEFAULT_COMPONENT_PATH.parents[2].name}/.../"
              f"{requests.DEFAULT_COMPONENT_PATH.name})")
        s.headers["X-Example"] = "requests-wasm"
        s.params = {"client": "python"}
        s.timeout = (2, 5)  # session-wide (connect, read) seconds: not something requests has

        r = s.get(f"{base}/get", params={"q": "hello world"})
        print(f"GET  {r.url} -> {r.status_code} {r.reason} in {r.elapsed.total_seconds() * 1000:.1f} ms")
        print(f"     args={r.json()['args']} content-type={r.headers['content-type']}")

        # params={"client": None} drops the session's param for this one request
        r = s.get(f"{base}/cookies/set?session=abc&theme=dark", params={"client": None})
        print(f"GET  /cookies/set -> {r.status_code} via {[h.status_code for h in r.history]}; "
              f"jar={s.cookies.get_dict()}")

        s.auth = ("alice", "s3cret")
        r = s.get(f"{base}/basic-auth/alice/s3cret")
        print(f"GET  /basic-auth -> {r.status_code} {r.json()}")
        s.auth = None

        r = s.post(f"{base}/post", json={"answer": 42, "items": ["a", "b"]})
        print(f"POST /post json -> server saw {r.json()['json']}")

        r = s.get(f"{base}/stream/3", stream=True)
        print(f"GET  /stream/3 lines -> {list(r.iter_lines(decode_unicode=True))}")

        r = s.get(f"{base}/digest-auth/auth/alice/s3cret/SHA-256",
                  auth=requests.HTTPDigestAuth("alice", "s3cret"))
        print(f"GET  /digest-auth -> {r.status_code} after {[h.status_code for h in r.history]}")

        r = s.post(f"{base}/post", data={"title": "notes"},
                   files={"file": ("notes.txt", b"line one\nline two", "text/plain")})
        print(f"POST /post multipart -> form={r.json()['form']} files={r.json()['files']}")

        # hooks: requests' response hooks, plus httpx's "request" event, run by the component on
        # every hop; the hook functions stay in Python and the component calls them by name
        seen = []

        def stamp(request):                       # a request hook changes the request in place
            request.headers["X-Request-Id"] = "demo-1"

        def record(r, *args, **kwargs):           # requests' response hook signature works
            seen.append(r.status_code)

        s.hooks["request"].append(stamp)
        s.hooks["response"].append(record)
        r = s.get(f"{base}/redirect/2")
        sent = {k.lower(): v for k, v in r.json()["headers"].items()}
        print(f"GET  /redirect/2 with hooks -> server saw X-Request-Id={sent.get('x-request-id')}, "
              f"response hook saw {seen}")
        r = s.get(f"{base}/get", hooks={"request": lambda req: requests.HookResponse(
            json={"cached": True, "url": req.url})})      # answered by the hook: nothing sent
        print(f"GET  /get answered by a request hook -> {r.status_code} {r.json()}")
        try:
            s.get(f"{base}/status/418", hooks={"response": lambda r, *a, **k: r.raise_for_status()})
        except requests.HookError as e:
            print(f"GET  /status/418, hook raised -> {type(e).__name__} [{e.kind}], "
                  f"__cause__ {type(e.__cause__).__name__}: {e.__cause__}")
        s.hooks = {}

        # an adapter written in Python, mounted as with requests' mount(): it sends one request
        # and answers; the session does the rest (cookies, redirects, auth, retries, decoding)
        class Canned(requests.BaseAdapter):
            def send(self, request, settings):
                if "/login" in request.url:
                    return 302, [("Location", "/home"), ("Set-Cookie", "who=py; Path=/")], b""
                return (200, {"Content-Type": "text/plain"},
                        f"home; cookie={request.headers.get('cookie')}; verify={settings.verify}")

        s.mount("https://adapter.example/", Canned())
        r = s.get("https://adapter.example/login", verify="/etc/ssl/certs/ca.pem")
        print(f"GET  https://adapter.example/login (a Python adapter) -> {r.status_code} "
              f"{r.text!r} via {[h.status_code for h in r.history]}")

        s.retries = requests.Retry(total=2, backoff_factor=0.01, status_forcelist=[502, 503])
        try:
            s.get(f"{base}/status/503")
        except requests.RetryError as e:
            print(f"GET  /status/503 with retries -> {type(e).__name__} [{e.kind}] {e}")
        r = s.post(f"{base}/status/503")
        print(f"POST /status/503 with retries -> {r.status_code} (a POST is not retried)")
        s.retries = None

        for url, what in [(f"{base}/status/404", "raise_for_status"),
                          (f"{base}/delay/3000", "read timeout"),
                          ("example.com/no-scheme", "missing schema")]:
            try:
                if what == "raise_for_status":
                    s.get(url).raise_for_status()
                else:
                    s.get(url, timeout=(None, 0.5))
            except requests.RequestException as e:
                print(f"{what:>16}: {type(e).__name__} [{e.kind}] {e}"
                      + (f" (url: {e.url})" if e.url else ""))

        r = s.get(f"{base}/get")
        print(f"after the errors the session still works: {r.status_code}, "
              f"cookies sent={r.json()['cookies']}")
    try:
        s.get(f"{base}/get")
    except requests.SessionClosed as e:
        print(f"after close(): {type(e).__name__} [{e.kind}]")


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        tour(argv[1].rstrip("/"))
        return 0
    with LoopbackServer() as server:
        print(f"loopback server on {server.base_url}")
        tour(server.base_url)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
