#!/usr/bin/env python3
"""The Python benchmark of requests_wasm (issue 11, "Fast"): one command, one interleaved run.

    python3 examples/python/bench/run.py            # ~3 minutes; --help for the options

It makes `examples/python/bench/.venv` from `requirements.txt` on first use (and when the pins
change) and re-runs itself there. It starts `server.py` (its own process, so the clients and
the server do not share a GIL) on 127.0.0.1, and measures, in this order:

1. start cost: importing the wrapper, the first `Session()`, the first GET, each in a fresh
   process (several runs: the first may compile the component, later ones may load it from a
   cache if the wrapper keeps one);
2. small GET and 1 KiB / 1 MiB / 10 MiB bodies down and up, for every client, interleaved:
   within each round every client runs its batch, in an order rotated each round; the figure
   is the median over rounds of the batch's mean time per operation (a client too slow for
   the case's time budget runs fewer rounds, at least one);
3. 100 MiB streamed down (`iter_content(1 MiB)`) and up (a generator of 1 MiB chunks) with
   requests_wasm and requests, each in a fresh process, with the growth of its peak RSS
   (`VmHWM` reset through `/proc/self/clear_refs` before the transfer) to show memory flat;
4. a cProfile of the wrapper's small GET (the top functions, and the time per package);
5. the issue's goals next to the figures.

Nothing leaves the loopback interface, and nothing here asserts a timing: it is not part of
./test.sh.
"""

import argparse
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
VENV = HERE / ".venv"
KiB, MiB = 1 << 10, 1 << 20
PATTERN = bytes(i % 251 for i in range(251))


def body_of(n):
    """`n` bytes of `i % 251`: binary (not UTF-8), as a file or an image would be."""
    return (PATTERN * (n // 251 + 1))[:n]


# ---- the venv --------------------------------------------------------------------------------

def ensure_venv(args):
    """Re-run this script with `.venv`'s Python, making or refreshing `.venv` first."""
    if args.no_venv or Path(sys.prefix).resolve() == VENV.resolve():
        return
    python = VENV / "bin" / "python"
    pins = (HERE / "requirements.txt").read_text() + (HERE.parent / "requirements.txt").read_text()
    stamp = VENV / ".bench-requirements"
    if not python.exists() or not stamp.exists() or stamp.read_text() != pins:
        print(f"making {VENV.relative_to(REPO)} from requirements.txt ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r",
                        str(HERE / "requirements.txt")], check=True)
        stamp.write_text(pins)
    os.execv(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])


def wrapper_from_rev(rev):
    """Export `examples/python/requests_wasm` at commit `rev` to a temporary directory and make
    every process of this run import it from there (`$BENCH_WRAPPER_DIR`)."""
    tmp = Path(tempfile.mkdtemp(prefix="requests-wasm-bench-"))
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev, "examples/python/requests_wasm"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
    os.environ["BENCH_WRAPPER_DIR"] = str(tmp / "examples" / "python")
    # the default component path is found from the package's own location: name it instead
    os.environ.setdefault("REQUESTS_WASM_COMPONENT", str(
        REPO / "target" / "component-host" / "wasm32-wasip2" / "release" / "requests_component.wasm"))
    return tmp


def component_note():
    """The component file requests_wasm loads, with its size and build time."""
    try:
        import clients
        clients.import_wrapper()
        from requests_wasm import _component
        path = Path(_component.resolve_component_path())
        st = path.stat()
        try:
            shown = path.relative_to(REPO)
        except ValueError:
            shown = path
        return (f"{shown} ({st.st_size:,} bytes, built "
                f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(st.st_mtime))})")
    except Exception as e:  # the wrapper of another commit may have no such function
        return f"{os.environ.get('REQUESTS_WASM_COMPONENT', 'its default')} ({type(e).__name__})"


def git(*args):
    try:
        return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


# ---- the server ------------------------------------------------------------------------------

class Server:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, str(HERE / "server.py")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.port = json.loads(self.proc.stdout.readline())["port"]
        self.base = f"http://127.0.0.1:{self.port}"

    def close(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# ---- memory ----------------------------------------------------------------------------------

def proc_status():
    """VmRSS and VmHWM of this process, in KiB."""
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1])
    return out


def reset_peak():
    """Reset VmHWM (Linux 4.0+): the peak then measures this transfer only."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class Sampler:
    """VmRSS sampled every 5 ms, when VmHWM cannot be reset."""

    def __init__(self):
        import threading
        self.peak = proc_status()["VmRSS"]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.wait(0.005):
            self.peak = max(self.peak, proc_status()["VmRSS"])

    def done(self):
        self.stop.set()
        self.thread.join()
        return max(self.peak, proc_status()["VmRSS"])


# ---- child processes -------------------------------------------------------------------------

def child_start(args):
    """Import, first Session, first GET, in this fresh process."""
    t0 = time.perf_counter()
    if args.client.startswith("requests_wasm"):
        import clients
        rw = clients.import_wrapper()
        t1 = time.perf_counter()
        s = rw.Session()
    elif args.client == "requests":
        import requests
        t1 = time.perf_counter()
        s = requests.Session()
    else:
        import httpx
        t1 = time.perf_counter()
        s = httpx.Client()
    t2 = time.perf_counter()
    assert s.get(args.url + "/json").json()["id"] == 12345
    t3 = time.perf_counter()
    print(json.dumps({"import": t1 - t0, "session": t2 - t1, "get": t3 - t2}))


def child_stream(args):
    """One streamed transfer of `--size` bytes, with the growth of the peak RSS."""
    import clients
    c = clients.make(args.client, args.url)
    c.get_json(args.url + "/json")
    size = args.size
    chunk = body_of(MiB)

    def transfer(n, deadline):
        if args.direction == "down":
            return c.stream_down(f"{args.url}/bytes/{n}", deadline)

        def chunks():
            sent = 0
            while sent < n and time.perf_counter() < deadline:
                k = min(MiB, n - sent)
                yield chunk if k == MiB else chunk[:k]
                sent += k
        return c.stream_up(args.url + "/upload", chunks())

    assert transfer(2 * MiB, float("inf")) == 2 * MiB          # warm the same path

    def measured(n, deadline_s):
        """(bytes moved, seconds, RSS before, peak RSS during, error) of one transfer."""
        gc.collect()
        before = proc_status()["VmRSS"]
        sampler = None if reset_peak() else Sampler()
        t0 = time.perf_counter()
        error = None
        try:
            moved = transfer(n, t0 + deadline_s)
        except Exception as e:  # reported, not raised: the parent prints it in the table
            moved, error = 0, f"{type(e).__name__}: {e}"[:200]
        seconds = time.perf_counter() - t0
        peak = sampler.done() if sampler else proc_status()["VmHWM"]
        return moved, seconds, before, peak, error

    # a tenth of the size first: memory is flat when the full size's peak is no higher
    small = measured(size // 10, args.deadline)
    moved, seconds, before, peak, error = measured(size, args.deadline)
    error = error or small[4]
    try:
        alive = c.alive(args.url + "/json")
    except Exception as e:
        alive, error = False, error or f"{type(e).__name__}: {e}"[:200]
    print(json.dumps({"name": c.name, "moved": moved, "seconds": seconds, "rss_before": before,
                      "peak": peak, "alive": alive, "error": error,
                      "small_moved": small[0], "small_growth": small[3] - small[2]}))


def run_child(argv, timeout, env=None):
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--no-venv", *argv],
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip()
                           else f"exit {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---- the interleaved cases -------------------------------------------------------------------

# key, what, operation, size, rounds, seconds per client per round
CASES = [
    ("get", "small GET (100 B JSON)", "get_json", 100, 9, 0.25),
    ("down-1k", "1 KiB download", "download", KiB, 7, 0.2),
    ("down-1m", "1 MiB download", "download", MiB, 5, 0.25),
    ("down-10m", "10 MiB download", "download", 10 * MiB, 5, 0.4),
    ("up-1k", "1 KiB upload", "upload", KiB, 7, 0.2),
    ("up-1m", "1 MiB upload", "upload", MiB, 5, 0.25),
    ("up-10m", "10 MiB upload", "upload", 10 * MiB, 5, 0.4),
]
EXPECTED_JSON = {"id": 12345, "name": "benchmark", "ok": True, "items": [1, 2, 3, 4, 5],
                 "note": "100 bytes!!!!!!!"}


def operation(client, op, size, base):
    if op == "get_json":
        url = base + "/json"

        def f():
            return client.get_json(url)
        return f, EXPECTED_JSON
    if op == "download":
        url = f"{base}/bytes/{size}"

        def f():
            return client.download(url)
        return f, size
    url, body = base + "/upload", body_of(size)

    def f():
        return client.upload(url, body)
    return f, size


def run_case(case, clients, base, budget, scale):
    key, what, op, size, rounds, per_round = case
    rounds = max(3, round(rounds * scale))
    plan, out = {}, {}
    for c in clients:
        f, want = operation(c, op, size, base)
        try:
            t0 = time.perf_counter()
            got = f()
            first = time.perf_counter() - t0
            if got != want:
                raise AssertionError(f"got {got!r:.60}, want {want!r:.60}")
            per, k = first, 0
            if first < budget / 4:                  # calibrate: time k ops, k growing
                k = 1
                while True:
                    t0 = time.perf_counter()
                    for _ in range(k):
                        f()
                    dt = time.perf_counter() - t0
                    if dt >= 0.05 or k >= 256:
                        break
                    k *= 4
                per = dt / k
            n = max(1, round(per_round * scale / per))
            plan[c.name] = (f, n, max(1, min(rounds, int(budget / (n * per)))))
        except Exception as e:
            out[c.name] = {"error": f"{type(e).__name__}: {e}"[:160]}
    means = {name: [] for name in plan}
    for r in range(rounds):
        gc.collect()
        order = [c for c in clients if c.name in plan]
        order = order[r % len(order):] + order[:r % len(order)] if order else order
        for c in order:
            f, n, limit = plan[c.name]
            if len(means[c.name]) >= limit or "error" in out.get(c.name, {}):
                continue
            try:
                t0 = time.perf_counter()
                for _ in range(n):
                    f()
                means[c.name].append((time.perf_counter() - t0) / n)
            except Exception as e:
                out[c.name] = {"error": f"{type(e).__name__}: {e}"[:160]}
    for name, ms in means.items():
        if ms and name not in out:
            out[name] = {"median": statistics.median(ms), "lo": min(ms), "hi": max(ms),
                         "rounds": len(ms), "n": plan[name][1]}
    return out


# ---- printing --------------------------------------------------------------------------------

def fmt_us(seconds):
    us = seconds * 1e6
    return f"{us:,.0f}" if us >= 100 else f"{us:.1f}"


def fmt_rate(size, seconds):
    rate = size / seconds / 1e6
    return f"{rate:,.0f}" if rate >= 10 else f"{rate:.2f}"


def print_table(header, rows):
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(str(x) for x in row) + " |")
    print(flush=True)


# ---- sections --------------------------------------------------------------------------------

CACHE_ENV = "REQUESTS_WASM_CACHE_DIR"


def wrapper_has_cache():
    """Whether this wrapper keeps the compiled component on disk (`$REQUESTS_WASM_CACHE_DIR`)."""
    import clients
    package = clients.WRAPPER_DIR / "requests_wasm"
    return any(CACHE_ENV in f.read_text(errors="replace") for f in package.glob("*.py"))


def section_start(base, names, runs):
    print("## Start cost (fresh process each: import, first Session(), first GET)\n", flush=True)
    rows = []
    cache_dir = Path(tempfile.mkdtemp(prefix="requests-wasm-bench-cache-"))
    try:
        for name in names:
            plan = [("-", None)]
            if name.startswith("requests_wasm"):
                if wrapper_has_cache():
                    plan = ([("cache off: compiles", {CACHE_ENV: ""}),
                             ("empty cache: compiles, writes it", {CACHE_ENV: str(cache_dir)})]
                            + [("cache hit: loads", {CACHE_ENV: str(cache_dir)})] * max(1, runs - 1))
                else:
                    plan = [("compiles (no disk cache in this wrapper)", None)] * runs
            for what, env in plan:
                try:
                    r = run_child(["--child", "start", "--client", name, "--url", base], 120,
                                  env=env)
                    rows.append([name, what, f"{r['import'] * 1e3:,.1f}",
                                 f"{r['session'] * 1e3:,.1f}", f"{r['get'] * 1e3:,.1f}",
                                 f"{(r['import'] + r['session'] + r['get']) * 1e3:,.1f}"])
                except Exception as e:
                    rows.append([name, what, "error", str(e)[:80], "", ""])
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    print_table(["client", "run", "import ms", "first Session() ms", "first GET ms", "total ms"],
                rows)
    return rows


def section_cases(cases, clients, base, budget, scale):
    print("## Interleaved cases (median of round means; ratio to requests.Session)\n", flush=True)
    results = {}
    rows = []
    for case in cases:
        key, what, op, size, _, _ = case
        t0 = time.perf_counter()
        res = run_case(case, clients, base, budget, scale)
        results[key] = res
        ref = res.get("requests.Session", {}).get("median")
        for c in clients:
            r = res.get(c.name)
            if r is None:
                continue
            if "error" in r:
                rows.append([what, c.name, "error", r["error"], "", "", ""])
                continue
            ratio = f"{r['median'] / ref:.2f}x" if ref else "-"
            rate = fmt_rate(size, r["median"]) if op != "get_json" else "-"
            rows.append([what, c.name, fmt_us(r["median"]),
                         f"{fmt_us(r['lo'])}-{fmt_us(r['hi'])}", rate, ratio,
                         f"{r['rounds']}x{r['n']}"])
        print(f"  ({what}: {time.perf_counter() - t0:.1f} s)", file=sys.stderr, flush=True)
    print_table(["case", "client", "us/op", "round means", "MB/s", "vs requests", "rounds x ops"],
                rows)
    return results


def section_streams(base, names, size, deadline):
    print(f"## Streamed {size // MiB} MiB (fresh process each; peak RSS growth during the "
          f"transfer)\n", flush=True)
    rows, results = [], {}
    for direction in ("down", "up"):
        for name in names:
            try:
                r = run_child(["--child", "stream", "--client", name, "--url", base,
                               "--direction", direction, "--size", str(size),
                               "--deadline", str(deadline)], deadline + 120)
            except Exception as e:
                r = {"name": name, "error": str(e)[:160], "moved": 0, "seconds": 0,
                     "rss_before": 0, "peak": 0, "alive": False, "small_growth": 0}
            results[(direction, r["name"])] = r
            growth = (r["peak"] - r["rss_before"]) / 1024
            small_growth = r.get("small_growth", 0) / 1024
            done = r["moved"] == size
            state = "complete" if done else (
                r["error"] or f"stopped at the {deadline:.0f} s deadline: "
                              f"{r['moved'] / MiB:.0f} MiB")
            rows.append([direction, r["name"], f"{r['seconds']:.2f}",
                         fmt_rate(r["moved"], r["seconds"]) if r["moved"] else "-",
                         f"{r['rss_before'] / 1024:.0f}", f"{small_growth:.1f}", f"{growth:.1f}",
                         state,
                         "yes" if r["alive"] else "NO"])
    print_table(["way", "client", "s", "MB/s", "RSS before MiB",
                 f"peak growth MiB, {size // MiB // 10} MiB", f"peak growth MiB, {size // MiB} MiB",
                 "result", "instance alive after"], rows)
    return results


def section_profile(base, n, what="small GET", op="get_json", size=100, top=15):
    """cProfile of `n` operations of the default requests_wasm session: its top functions by
    own time, and the own time summed by where the code lives."""
    import cProfile
    import pstats
    import clients
    c = clients.make("requests_wasm", base)
    f, _ = operation(c, op, size, base)
    for _ in range(min(n, 50)):
        f()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n):
        f()
    prof.disable()
    c.close()
    stats = pstats.Stats(prof)
    total = stats.total_tt
    print(f"## Where the time goes: cProfile of {n} x {what} with {c.name}\n")
    print(f"{total / n * 1e6:,.0f} us per operation under the profiler (its overhead "
          f"included).\n")

    def where(filename):
        f = filename.replace("\\", "/")
        for marker in ("/requests_wasm/", "/wasmtime/", "/urllib3/"):
            if marker in f:
                return marker.strip("/") + "/" + f.split(marker, 1)[1]
        if f == "~":
            return ""
        parts = f.rsplit("/", 2)
        return "/".join(parts[-2:]) if len(parts) > 2 else parts[-1]

    def group(loc, func):
        if not loc:
            return "socket I/O (sendall, recv_into...)" if "_socket.socket" in func else "builtins"
        if loc.startswith("wasmtime/_bindings.py"):
            return ("wasmtime_component_func_call: the guest, wasmtime, the crossing itself"
                    if func == "wasmtime_component_func_call" else "wasmtime C API, other calls")
        if loc.startswith("wasmtime/"):
            return "wasmtime-py (Python: conversions, handles)"
        if loc.startswith("requests_wasm/"):
            return "requests_wasm (Python: wrapper, its conversions, the urllib3 adapter)"
        if loc.startswith("urllib3/"):
            return "urllib3"
        if loc.startswith(("http/", "email/")):
            return "http.client (with email, its header parser)"
        if loc.endswith("/queue.py"):
            return "urllib3"                      # its connection pool is a queue
        if loc.endswith("/socket.py"):
            return "socket I/O (sendall, recv_into...)"
        return f"other Python: {loc}"

    per_pkg = {}
    entries = []
    for (filename, line, func), (cc, nc, tt, ct, _) in stats.stats.items():
        loc = where(filename)
        pkg = group(loc, func)
        per_pkg[pkg] = per_pkg.get(pkg, 0.0) + tt
        entries.append((tt, ct, nc, f"{loc}:{line}({func})" if loc else func))
    entries.sort(reverse=True)
    print_table(["own time %", "cumulative %", "calls per op", "function"],
                [[f"{tt / total * 100:.1f}", f"{ct / total * 100:.1f}", f"{nc / n:.1f}", name]
                 for tt, ct, nc, name in entries[:top]])
    print_table(["where (own time of its functions)", "%"],
                [[k, f"{v / total * 100:.1f}"] for k, v in
                 sorted(per_pkg.items(), key=lambda kv: -kv[1]) if v / total >= 0.005])


def section_canned(rounds, per_round):
    """The small GET's layers without the network: each library with an adapter of its own
    that answers the 100-byte JSON from memory, interleaved as the cases are. What is left is
    the library's own cost per request (for requests_wasm: the wrapper, the crossings and the
    guest, plus one call of a Python adapter)."""
    import requests
    import clients
    from requests.structures import CaseInsensitiveDict
    rw = clients.import_wrapper()
    body = json.dumps(EXPECTED_JSON).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]

    class CannedWasm(rw.BaseAdapter):
        def send(self, request, settings):
            return 200, headers, body

    class CannedRequests(requests.adapters.BaseAdapter):
        def send(self, request, **kwargs):
            r = requests.models.Response()
            r.status_code, r.reason, r.url, r.request = 200, "OK", request.url, request
            r.headers = CaseInsensitiveDict(headers)
            r._content, r.encoding = body, None
            return r

        def close(self):
            pass

    url = "http://canned.test/json"
    wasm = rw.Session()
    wasm.mount("http://canned.test/", CannedWasm())
    req = requests.Session()
    req.mount("http://canned.test/", CannedRequests())
    rows = {"requests_wasm + a Python adapter answering from memory":
            lambda: wasm.get(url).json(),
            "requests.Session + a requests adapter answering from memory":
            lambda: req.get(url).json()}
    for f in rows.values():
        assert f() == EXPECTED_JSON
    per, times = {}, {k: [] for k in rows}
    for name, f in rows.items():
        t0 = time.perf_counter()
        for _ in range(200):
            f()
        per[name] = max(1, round(per_round / ((time.perf_counter() - t0) / 200)))
    for r in range(rounds):
        for name in (list(rows) if r % 2 == 0 else list(rows)[::-1]):
            f, n = rows[name], per[name]
            t0 = time.perf_counter()
            for _ in range(n):
                f()
            times[name].append((time.perf_counter() - t0) / n)
    wasm.close()
    req.close()
    print("## The small GET without the network (median of round means)\n")
    print_table(["what", "us/op", "round means"],
                [[name, fmt_us(statistics.median(ts)), f"{fmt_us(min(ts))}-{fmt_us(max(ts))}"]
                 for name, ts in times.items()])


def section_goals(results, streams, size, clients_alive):
    if not results and not streams:
        return
    print("## Goals (issue 11)\n")
    rows = []

    def med(case, name):
        return results.get(case, {}).get(name, {}).get("median")

    wasm_names = sorted({n for res in results.values() for n in res if n.startswith("requests_wasm")}
                        | {n for _, n in streams if n.startswith("requests_wasm")})
    for name in wasm_names:
        g, ref, hx = med("get", name), med("get", "requests.Session"), med("get", "httpx.Client")
        if g and ref:
            rows.append([name, "small GET <= 1.0x requests.Session", f"{g / ref:.2f}x"
                         + (f" ({g / hx:.2f}x httpx)" if hx else ""),
                         "met" if g <= ref else "not met"])
        for case, what in (("down-10m", "10 MiB download"), ("up-10m", "10 MiB upload")):
            m, ref = med(case, name), med(case, "requests.Session")
            if m and ref:
                rows.append([name, f"{what} <= 2x requests", f"{m / ref:.2f}x",
                             "met" if m <= 2 * ref else "not met"])
            elif "error" in results.get(case, {}).get(name, {}):
                rows.append([name, f"{what} <= 2x requests", "error", "not met"])
        for direction in ("down", "up"):
            r = streams.get((direction, name))
            if r:
                growth = (r["peak"] - r["rss_before"]) / 1024
                small_growth = r.get("small_growth", 0) / 1024
                # flat: the peak does not grow with the size (+10% of the body at most)
                flat = growth - small_growth < size / MiB / 10
                ok = r["moved"] == size and flat and r["alive"]
                rows.append([name, f"{size // MiB} MiB streamed {direction}, flat memory",
                             f"{'complete' if r['moved'] == size else 'incomplete'}, "
                             f"{r['seconds']:.1f} s; peak RSS +{growth:.0f} MiB "
                             f"(+{small_growth:.0f} MiB for {size // MiB // 10} MiB)",
                             "met" if ok else "not met"])
    traps = [n for n, ok in clients_alive.items() if not ok]
    errors = [f"{case}: {name}" for case, res in results.items() for name, r in res.items()
              if name.startswith("requests_wasm") and "error" in r]
    rows.append(["requests_wasm", "no size traps the instance",
                 "errors: " + ", ".join(errors + traps) if errors or traps else
                 "every case ran; sessions alive after", "not met" if errors or traps else "met"])
    print_table(["client", "goal", "measured", ""], rows)


# ---- main ------------------------------------------------------------------------------------

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--no-venv", action="store_true", help="run with this Python as it is")
    p.add_argument("--rev", help="benchmark examples/python/requests_wasm as committed at REV "
                                 "(e.g. HEAD) instead of the working tree")
    p.add_argument("--scale", type=float, default=1.0,
                   help="multiply rounds and batch times (0.3 for a quick look)")
    p.add_argument("--budget", type=float, default=8.0,
                   help="seconds one client may spend on one case (slow ones run fewer rounds)")
    p.add_argument("--cases", help="comma-separated case keys: " + ",".join(c[0] for c in CASES))
    p.add_argument("--stream-size", type=int, default=100, help="MiB (default 100)")
    p.add_argument("--stream-deadline", type=float, default=20.0,
                   help="seconds before a streamed transfer is stopped and reported incomplete")
    p.add_argument("--start-runs", type=int, default=3)
    p.add_argument("--profile-gets", type=int, default=400)
    p.add_argument("--skip", default="", help="comma-separated: start,cases,streams,canned,profile")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--client", help=argparse.SUPPRESS)
    p.add_argument("--url", help=argparse.SUPPRESS)
    p.add_argument("--direction", help=argparse.SUPPRESS)
    p.add_argument("--size", type=int, help=argparse.SUPPRESS)
    p.add_argument("--deadline", type=float, help=argparse.SUPPRESS)
    args = p.parse_args()
    sys.path.insert(0, str(HERE))
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    if args.child == "start":
        return child_start(args)
    if args.child == "stream":
        return child_stream(args)
    ensure_venv(args)

    tmp = wrapper_from_rev(args.rev) if args.rev else None
    import clients
    import httpx
    import requests
    import urllib3
    import wasmtime  # noqa: F401
    from importlib.metadata import version
    skip = set(filter(None, args.skip.split(",")))
    wrapper = (f"requests_wasm as committed at {git('rev-parse', '--short', args.rev)} (its last "
               f"change: {git('log', '-1', '--format=%h', args.rev, '--', 'examples/python/requests_wasm')})"
               if args.rev else
               f"requests_wasm from the working tree (last commit "
               f"{git('log', '-1', '--format=%h', '--', 'examples/python/requests_wasm')}"
               f"{', with uncommitted changes' if git('status', '--porcelain', '--', 'examples/python/requests_wasm') else ''})")
    print(f"# requests_wasm benchmark, {time.strftime('%Y-%m-%d %H:%M')}\n")
    print(f"- {wrapper}; component {component_note()}")
    print(f"- Python {platform.python_version()}, wasmtime {version('wasmtime')}, requests "
          f"{requests.__version__}, httpx {httpx.__version__}, urllib3 {urllib3.__version__}; "
          f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}")
    server = Server()
    print(f"- server: bench/server.py in its own process on {server.base}\n", flush=True)
    began = time.perf_counter()
    try:
        made, notes = [], []
        for name in clients.FACTORIES:
            try:
                c = clients.make(name, server.base)
            except LookupError as e:
                notes.append(f"{name}: {e}")
                continue
            if any(m.name == c.name for m in made):
                notes.append(f"{name}: the same as {c.name}")
                c.close()
                continue
            made.append(c)
        wasm_variants = [n for n in clients.FACTORIES if n.startswith("requests_wasm")
                         and not any(note.startswith(n + ":") for note in notes)]
        for note in notes:
            print(f"- skipped {note}")
        print()
        if "start" not in skip:
            section_start(server.base, [wasm_variants[0], "requests", "httpx"], args.start_runs)
        results = {}
        if "cases" not in skip:
            keys = args.cases.split(",") if args.cases else [c[0] for c in CASES]
            results = section_cases([c for c in CASES if c[0] in keys], made, server.base,
                                    args.budget, args.scale)
        alive = {}
        for c in made:
            if c.name.startswith("requests_wasm"):
                try:
                    alive[c.name] = c.alive(server.base + "/json")
                except Exception:
                    alive[c.name] = False
            c.close()
        streams = {}
        size = args.stream_size * MiB
        if "streams" not in skip:
            streams = section_streams(server.base, wasm_variants + ["requests"], size,
                                      args.stream_deadline)
        if "canned" not in skip:
            section_canned(max(3, round(7 * args.scale)), 0.2 * args.scale)
        if "profile" not in skip:
            section_profile(server.base, args.profile_gets)
            section_profile(server.base, 3, "10 MiB download", "download", 10 * MiB, top=8)
            section_profile(server.base, 3, "10 MiB upload", "upload", 10 * MiB, top=8)
        section_goals(results, streams, size, alive)
        print(f"(whole run: {time.perf_counter() - began:.0f} s)")
    finally:
        server.close()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
