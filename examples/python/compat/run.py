#!/usr/bin/env python3
"""Run requests' own test suite against requests_wasm, and against requests itself.

    python3 examples/python/compat/run.py            # both runs, prints the counts, writes RESULTS.md
    python3 examples/python/compat/run.py --only wrapper  # one side (RESULTS.md is not written)

What it does (a measurement, run on demand; not part of ./test.sh):

1. makes the venv `examples/python/compat/.venv` from `requirements.txt` (exact pins) when it is
   missing or the file changed;
2. downloads the sdist of the pinned requests (`pip download --no-binary :all: --no-deps`) into
   `.cache/`, checks its sha256 and unpacks it there: its `tests/` are what runs (never copied
   into the repository);
3. runs pytest on `tests/test_requests.py` (the tests using the ``httpbin`` / ``httpbin_secure``
   fixtures of pytest-httpbin) and `tests/test_lowlevel.py`, with `compat_plugin.py` (selection,
   alias, network guard, results), twice at once: ``import requests`` served by requests_wasm,
   and the real requests (the baseline). Each runs in a new network namespace (`unshare -n`:
   only loopback exists), so no test can reach beyond the machine. A test that hangs (a call
   into the component that never returns cannot be interrupted) ends its process after
   `--test-timeout` seconds; the run goes on in a new process with the tests left;
4. prints ``wrapper: P passed / F failed of N selected; requests itself: P' of N``, and writes
   `RESULTS.md` (every failing test with its reason, grouped; `reasons.py` holds the rules).

Needs the component built (`cargo build -p host-tests --locked`) and python3 with venv.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
PYTHON_DIR = HERE.parent                      # examples/python (holds requests_wasm)
REPO = HERE.parents[2]
VENV = HERE / ".venv"
CACHE = HERE / ".cache"
REQUIREMENTS = HERE / "requirements.txt"
RESULTS_MD = HERE / "RESULTS.md"
COMPONENT = REPO / "target" / "component-host" / "wasm32-wasip2" / "release" / "requests_component.wasm"

#: sha256 of the sdists this harness knows (a new pin gets its hash added here).
SDIST_SHA256 = {
    "2.32.5": "dbba0bac56e100853db0ea71b82b4dfd5fe2bf6d3754a8893c3af500cec7d7cf",
}
TEST_FILES = ["tests/test_requests.py", "tests/test_lowlevel.py"]
TARGETS = ("wrapper", "requests")

# Runs inside the namespace: bring the loopback interface up (a new network namespace has it
# down; no `ip` needed), then run pytest.
BOOT = r"""
import fcntl, socket, struct, sys
if sys.argv[1] == "--lo-up":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    req = struct.pack("16sh22x", b"lo", 0)
    flags = struct.unpack("16sh22x", fcntl.ioctl(s, 0x8913, req))[1]   # SIOCGIFFLAGS
    fcntl.ioctl(s, 0x8914, struct.pack("16sh22x", b"lo", flags | 1))    # SIOCSIFFLAGS, IFF_UP
    s.close()
del sys.argv[1]
import pytest
sys.exit(pytest.main(sys.argv[1:]))
"""


def log(msg: str) -> None:
    print(f"[compat] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# setup: venv, sdist
# ---------------------------------------------------------------------------------------------

def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv() -> Path:
    stamp = VENV / ".compat-requirements.sha256"
    want = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if venv_python().exists() and stamp.exists() and stamp.read_text().strip() == want:
        return venv_python()
    if not venv_python().exists():
        log(f"creating {VENV.relative_to(REPO)}")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    log(f"installing {REQUIREMENTS.relative_to(REPO)}")
    subprocess.run([str(venv_python()), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    "-r", str(REQUIREMENTS)], check=True)
    subprocess.run([str(venv_python()), "-m", "pip", "check", "--disable-pip-version-check"],
                   check=True, stdout=subprocess.DEVNULL)
    stamp.write_text(want + "\n")
    return venv_python()


def requests_version() -> str:
    m = re.search(r"^requests==(\S+)", REQUIREMENTS.read_text(), re.M)
    if not m:
        sys.exit("requirements.txt pins no requests==VERSION")
    return m.group(1)


def ensure_sdist(python: Path, version: str) -> Path:
    CACHE.mkdir(exist_ok=True)
    tarball = CACHE / f"requests-{version}.tar.gz"
    tree = CACHE / f"requests-{version}"
    if not tarball.exists():
        log(f"downloading the requests {version} sdist into {CACHE.relative_to(REPO)}")
        subprocess.run([str(python), "-m", "pip", "download", "-q", "--disable-pip-version-check",
                        "--no-binary", ":all:", "--no-deps",
                        f"requests=={version}", "-d", str(CACHE)], check=True)
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    known = SDIST_SHA256.get(version)
    if known is None:
        log(f"warning: no known sha256 for requests {version} (got {digest}); add it to SDIST_SHA256")
    elif digest != known:
        sys.exit(f"{tarball}: sha256 {digest}, expected {known}")
    if not (tree / "tests" / "test_requests.py").exists():
        if tree.exists():
            shutil.rmtree(tree)
        with tarfile.open(tarball) as tar:
            tar.extractall(CACHE, filter="data") if hasattr(tarfile, "data_filter") \
                else tar.extractall(CACHE)
    return tree


def netns_prefix(allow_host_network: bool) -> Tuple[List[str], bool]:
    """`unshare -n` (as root) or `unshare -rn` (a user namespace otherwise): only loopback."""
    unshare = shutil.which("unshare")
    if unshare:
        for args in ([unshare, "-n"], [unshare, "-r", "-n"]):
            if subprocess.run(args + ["true"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0:
                return args, True
    if not allow_host_network:
        sys.exit("cannot make a network namespace (unshare -n / -rn failed): rerun with "
                 "--no-netns to run without one (the plugin's Python-level guard still refuses "
                 "non-loopback addresses to Python code, but not to wasmtime's own sockets)")
    log("warning: no network namespace; only the Python-level guard applies")
    return [], False


# ---------------------------------------------------------------------------------------------
# running one side
# ---------------------------------------------------------------------------------------------

def read_jsonl(path: Path) -> List[Dict[str, Any]]:
    out = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    pass  # a line cut by a killed process
    return out


def wrapper_at(rev: str) -> Tuple[Path, str]:
    """`examples/python/requests_wasm` as committed at `rev`, exported into .cache (read-only
    git: `git archive`), so a run measures a commit whatever the work tree holds."""
    commit = git("rev-parse", "--verify", f"{rev}^{{commit}}")
    if commit == "?":
        sys.exit(f"--at {rev}: not a commit")
    dest = CACHE / f"wrapper-{commit[:12]}"
    for old in CACHE.glob("wrapper-*"):  # earlier exports
        if old != dest:
            shutil.rmtree(old)
    if not (dest / "requests_wasm" / "__init__.py").exists():
        tmp = CACHE / f"wrapper-{commit[:12]}.tmp"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", commit,
                                  "examples/python/requests_wasm"], check=True,
                                 capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp)
        if dest.exists():
            shutil.rmtree(dest)
        (tmp / "examples" / "python").rename(dest)
        shutil.rmtree(tmp)
    return dest, commit


def run_side(target: str, python: Path, tree: Path, prefix: List[str], netns: bool,
             test_timeout: float, deadline: float, extra: List[str],
             wrapper_dir: Path) -> Dict[str, Any]:
    results = CACHE / f"results-{target}.jsonl"
    done = CACHE / f"done-{target}.txt"
    stderr_log = CACHE / f"pytest-{target}.log"
    for p in (results, done, stderr_log):
        if p.exists():
            p.unlink()
    env = dict(os.environ)
    for k in list(env):
        if k.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy",
                         "requests_ca_bundle", "curl_ca_bundle"):
            del env[k]  # requests' tests set these themselves; the machine's must not leak in
    env.update(COMPAT_TARGET=target, COMPAT_RESULTS=str(results), COMPAT_DONE=str(done),
               COMPAT_WRAPPER_DIR=str(wrapper_dir), COMPAT_TEST_TIMEOUT=str(test_timeout),
               PYTHONPATH=str(HERE), PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONSTARTUP", None)
    if wrapper_dir != PYTHON_DIR:  # an exported copy: its default component path points nowhere
        env.setdefault("REQUESTS_WASM_COMPONENT", str(COMPONENT))
    cmd = prefix + [str(python), "-c", BOOT, "--lo-up" if netns else "--no-lo",
                    "-p", "compat_plugin", "-c", str(HERE / "pytest.ini"), "--rootdir", str(tree),
                    "-p", "no:cacheprovider", "-q", "-rN", "--color=no", "-l", *extra, *TEST_FILES]
    rounds, stopped = [], []
    while True:
        with open(stderr_log, "a", encoding="utf-8") as errf:
            errf.write(f"\n===== round {len(rounds) + 1}: {' '.join(cmd[:2])} ... =====\n")
            errf.flush()
            proc = subprocess.Popen(cmd, cwd=tree, env=env, stdout=errf, stderr=subprocess.STDOUT)
            try:
                code = proc.wait(timeout=max(1.0, deadline - time.time()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                code = -9
        rounds.append(code)
        records = read_jsonl(results)
        finished = {r["test"] for r in records if r["type"] in ("result", "timeout")}
        started = [r["test"] for r in records if r["type"] == "start"]
        lost = [t for t in started if t not in finished]
        if code in (0, 1) and not lost:
            break
        if code == -9:
            stopped.extend(lost)
            log(f"{target}: the whole-run deadline passed; stopping")
            break
        for t in lost:  # died without the watchdog's line: crashed
            with open(results, "a", encoding="utf-8") as f:
                f.write(json.dumps({"type": "crashed", "test": t, "exitcode": code}) + "\n")
        if not started or len(rounds) > 60:
            log(f"{target}: pytest exited {code} without running a test; see {stderr_log}")
            break
        done.write_text("".join(t + "\n" for t in sorted(finished | set(lost))))
        hung = [r["test"] for r in read_jsonl(results) if r["type"] == "timeout"]
        log(f"{target}: {hung[-1] if code == 3 and hung else lost or '?'} "
            f"{'hung' if code == 3 else f'ended the process (exit {code})'}; going on")
    return collect(target, results, rounds, stopped)


def collect(target: str, results: Path, rounds: List[int], stopped: List[str]) -> Dict[str, Any]:
    records = read_jsonl(results)
    meta = next((r for r in records if r["type"] == "meta"), {})
    tests: Dict[str, Dict[str, Any]] = {}
    seconds = 0.0
    for r in records:
        kind = r["type"]
        if kind == "result":
            tests[r["test"]] = r
        elif kind == "timeout":
            tests[r["test"]] = {"test": r["test"], "outcome": "hung", "duration": r["seconds"],
                                "message": f"no result after {r['seconds']:g} s: a call that "
                                           "never returned; the process was ended",
                                "fallthrough": {}}
        elif kind == "crashed":
            tests[r["test"]] = {"test": r["test"], "outcome": "crashed", "duration": 0,
                                "message": f"the pytest process died (exit {r['exitcode']})",
                                "fallthrough": {}}
        elif kind == "end":
            seconds += r.get("seconds", 0)
    for t in stopped:
        tests.setdefault(t, {"test": t, "outcome": "hung", "message": "run deadline passed",
                             "fallthrough": {}})
    return {"target": target, "meta": meta, "tests": tests, "rounds": rounds}


# ---------------------------------------------------------------------------------------------
# reporting
# ---------------------------------------------------------------------------------------------

PASS = ("passed",)
EXPECTED_FAIL = ("xfailed", "xpassed")


def counts(side: Dict[str, Any]) -> Dict[str, int]:
    c = collections.Counter(t["outcome"] for t in side["tests"].values())
    n = side["meta"].get("selected", len(side["tests"]))
    not_run = len(set(side["meta"].get("selected_ids", [])) - set(side["tests"]))
    xf = c["xfailed"] + c["xpassed"]
    return {"n": n, "passed": c["passed"], "xfail": xf, "failed": n - c["passed"] - xf,
            "test_failed": c["failed"], "error": c["error"], "hung": c["hung"] + c["crashed"],
            "skipped": c["skipped"], "not_run": not_run}


def git(*args: str) -> str:
    try:
        return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def short_test(nodeid: str) -> str:
    return nodeid.replace("tests/test_requests.py::", "test_requests::").replace(
        "tests/test_lowlevel.py::", "test_lowlevel::")


def exception_line(message: str) -> str:
    """The crash message without pytest's diff lines: the first line and its `where`s."""
    lines = str(message).strip().splitlines()
    keep = lines[:1] + [ln for ln in lines[1:] if ln.strip().startswith(("+  where", "+    where"))]
    return " ".join(keep)


def md_cell(text: str, limit: int = 160, quiet: bool = False) -> str:
    """One table cell, on one line; `quiet`: without run-to-run noise (ports, addresses,
    nonces, random bytes), for what a test printed."""
    text = " ".join(str(text).split())
    if quiet:
        text = _quiet(text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("|", "\\|")


def _quiet(text: str) -> str:
    text = re.sub(r"\b(localhost|127\.0\.0\.1):\d+", r"\1:PORT", text)
    text = re.sub(r"(?<=[\d.]):\d{4,5}(?=[/)'\s])", ":PORT", text)  # a port after a cut host
    text = re.sub(r"\.\.\.[0-9a-f]{6,}\b", "...<hex>", text)
    text = re.sub(r" at 0x[0-9a-f]+", "", text)
    text = re.sub(r"Skipping \d+ identical", "Skipping N identical", text)
    text = re.sub(r"\b[0-9a-f]{16,}\b", "<hex>", text)  # Digest nonces, cnonces
    text = "".join(ch if ch.isprintable() and ord(ch) < 0x7f else "?" for ch in text)
    text = re.sub(r"\?[^ ']*\?", "<bytes>", text)  # random bytes (httpbin's /bytes/N)
    text = re.sub(r"'[^' ]*<bytes>[^' ]*'", "'<bytes>'", text)
    return text


def write_report(sides: Dict[str, Dict[str, Any]], version: str, seconds: float,
                 netns: bool, test_timeout: float, measured: str) -> str:
    sys.path.insert(0, str(HERE))
    import reasons  # noqa: E402 - the classification rules, beside this file

    w, r = sides["wrapper"], sides["requests"]
    cw, cr = counts(w), counts(r)
    summary = (f"wrapper: {cw['passed']} passed / {cw['failed']} failed of {cw['n']} selected; "
               f"requests itself: {cr['passed']} of {cr['n']}")
    failing = {t: rec for t, rec in w["tests"].items()
               if rec["outcome"] not in PASS + EXPECTED_FAIL}
    for t in set(w["meta"].get("selected_ids", [])) - set(w["tests"]):
        failing[t] = {"outcome": "not run", "message": "the run ended before this test ran"}
    classified = {t: reasons.classify(t, rec) for t, rec in failing.items()}

    lines: List[str] = []
    add = lines.append
    add("<!-- Written by run.py (examples/python/compat); do not edit by hand: rerun it. -->")
    add("# requests' own tests against requests_wasm")
    add("")
    add("```sh")
    add("python3 examples/python/compat/run.py")
    add("```")
    add("")
    add(f"**{summary}** (requests {version}: `tests/test_requests.py` tests using the `httpbin` / "
        f"`httpbin_secure` fixtures, and `tests/test_lowlevel.py`; xfail-marked tests are "
        f"counted apart: wrapper {cw['xfail']}, requests {cr['xfail']}).")
    add("")
    comp = Path(os.environ.get("REQUESTS_WASM_COMPONENT") or COMPONENT)
    comp_hash = hashlib.sha256(comp.read_bytes()).hexdigest()[:12] if comp.exists() else "?"
    add(f"Measured: {measured}, the component `{comp.name}` (sha256 `{comp_hash}`…) built in "
        f"`{comp.parent.relative_to(REPO) if comp.is_relative_to(REPO) else comp.parent}`, "
        f"{datetime.date.today().isoformat()}, Python {w['meta'].get('python', '?')}, "
        f"in {seconds:.0f} s (both runs at once; a hung test is ended after "
        f"{test_timeout:g} s){'' if netns else ', WITHOUT a network namespace'}.")
    add("")
    add("| | passed | failed | error (setup/teardown) | hung | skipped | not run | xfail-marked | selected |")
    add("|---|---|---|---|---|---|---|---|---|")
    for name, c in (("requests_wasm", cw), ("requests itself", cr)):
        add(f"| {name} | {c['passed']} | {c['test_failed']} | {c['error']} | {c['hung']} "
            f"| {c['skipped']} | {c['not_run']} | {c['xfail']} | {c['n']} |")
    add("")
    add("How the harness works: `README.md` beside this file. In short, `import requests` (and "
        "`requests.adapters`, `.auth`, `.cookies`, `.exceptions`, `.hooks`, `.models`, "
        "`.sessions`, `.structures`, ...) is served by the wrapper's names where it has them, "
        "and falls through to requests' own for the rest.")
    harness = w["meta"].get("harness_provided", [])
    if harness:
        names = [h.split(" / ")[0].replace("requests.", "") for h in harness]
        add("")
        add("Harness-provided, as the wrapper has no module-level request functions: `requests."
            + "`, `".join(names) + "` (and the same in `requests.api`) are requests' `api.py` "
            "over the wrapper's `Session` (`with Session() as s: return s.request(method, url, "
            "**kwargs)`).")
    add("")

    # grouped reasons
    groups: Dict[Tuple[str, str], List[str]] = collections.defaultdict(list)
    for t, (cat, why) in classified.items():
        groups[(cat, why)].append(t)
    by_cat: Dict[str, int] = collections.Counter(cat for cat, _ in classified.values())
    add("## Failures by reason")
    add("")
    add("Categories: " + ", ".join(f"{cat} {n}" for cat, n in
                                   sorted(by_cat.items(), key=lambda kv: (-kv[1], kv[0]))) + ".")
    add("")
    add("A test is counted under the first thing it fails on; behind it may be more (a test "
        "goes on after the line it fails on).")
    add("")
    add("| count | category | reason |")
    add("|---|---|---|")
    for (cat, why), ts in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        add(f"| {len(ts)} | {cat} | {md_cell(why, 400)} |")
    add("")

    add("## Every failing test")
    add("")
    add("The reason's category, then what the test hit (its exception, as pytest shows it).")
    add("")
    add("| test | outcome | category: reason | exception |")
    add("|---|---|---|---|")
    for t in sorted(failing):
        rec = failing[t]
        cat, why = classified[t]
        add(f"| `{short_test(t)}` | {rec['outcome']} | {cat}: {md_cell(why, 120)} "
            f"| {md_cell(exception_line(rec.get('message', '')), 200, quiet=True)} |")
    add("")

    # what requests itself fails, and the deselected tests
    rfail = {t: rec for t, rec in r["tests"].items() if rec["outcome"] not in PASS + EXPECTED_FAIL}
    add("## requests itself")
    add("")
    if rfail:
        for t, rec in sorted(rfail.items()):
            add(f"- `{short_test(t)}`: {rec['outcome']}: "
                f"{md_cell(exception_line(rec.get('message', '')), 200, quiet=True)}")
    else:
        add(f"All {cr['passed']} pass; the xfail-marked ones: "
            + ", ".join(f"`{short_test(t)}`" for t, rec in sorted(r["tests"].items())
                        if rec["outcome"] in EXPECTED_FAIL) + ".")
    wx = [f"`{short_test(t)}` ({rec['outcome']})" for t, rec in sorted(w["tests"].items())
          if rec["outcome"] in EXPECTED_FAIL]
    if wx:
        add(f"Through the wrapper, the xfail-marked ones: {', '.join(wx)}.")
    add("")
    add("## Deselected")
    add("")
    desel = w["meta"].get("deselected", [])
    out_of_scope = w["meta"].get("out_of_scope", 0)
    add(f"Out of scope: the {out_of_scope} other tests of `test_requests.py` (no `httpbin` "
        f"fixture: unit tests of requests' helpers, or tests addressing hosts beyond loopback, "
        f"such as `TestTimeout`'s `10.255.255.1` and `test_errors`' `doesnotexist.google.com`). "
        f"Deselected from the selection ({len(desel)}):")
    add("")
    reasons_seen: Dict[str, List[str]] = collections.defaultdict(list)
    for d in desel:
        reasons_seen[d["reason"]].append(d["test"])
    for why, ts in reasons_seen.items():
        add(f"- {', '.join(f'`{short_test(t)}`' for t in ts)}: {why}.")
    add("")

    # honesty: passing tests that touched requests' own classes or functions
    add("## Passing tests that touched requests' own code")
    add("")
    add("A passing test that used a fall-through class or function of requests (not an "
        "exception, constant or module) could owe its pass to requests rather than the wrapper; "
        "these are they, with what they used (read from the shim's accesses during the test and "
        "from names the test module imported that the test's source mentions, or the source of "
        "a class or function of the test module it mentions):")
    add("")
    leaned = []
    for t, rec in sorted(w["tests"].items()):
        if rec["outcome"] != "passed":
            continue
        used = sorted(q for q, k in rec.get("fallthrough", {}).items()
                      if k in ("class", "function"))
        if used:
            leaned.append(f"- `{short_test(t)}`: " + ", ".join(f"`{u}`" for u in used))
    lines.extend(leaned or ["- none"])
    add("")
    RESULTS_MD.write_text("\n".join(lines), encoding="utf-8")
    return summary


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", choices=TARGETS, help="run one side (RESULTS.md is not written)")
    ap.add_argument("--test-timeout", type=float, default=30.0,
                    help="seconds a test may take before its process is ended (30)")
    ap.add_argument("--deadline", type=float, default=1200.0,
                    help="seconds the whole of one side may take (1200)")
    ap.add_argument("--at", metavar="REV",
                    help="measure requests_wasm as committed at REV (e.g. HEAD) instead of the "
                         "work tree")
    ap.add_argument("--no-netns", action="store_true",
                    help="run without a network namespace when one cannot be made")
    ap.epilog = "Other arguments go to pytest (e.g. -k digest); RESULTS.md is then not written."
    args, args.pytest_args = ap.parse_known_args()

    if not COMPONENT.exists() and not os.environ.get("REQUESTS_WASM_COMPONENT"):
        sys.exit(f"{COMPONENT} is missing: build it with `cargo build -p host-tests --locked`")
    python = ensure_venv()
    version = requests_version()
    tree = ensure_sdist(python, version)
    prefix, netns = netns_prefix(args.no_netns)
    if args.at:
        wrapper_dir, commit = wrapper_at(args.at)
        measured = f"requests_wasm as committed at `{commit[:7]}`"
    else:
        wrapper_dir = PYTHON_DIR
        dirty = " (with uncommitted changes)" if git("status", "--porcelain", "--",
                                                      "examples/python/requests_wasm") else ""
        measured = (f"requests_wasm of the work tree at `{git('rev-parse', '--short', 'HEAD')}`"
                    f"{dirty}")
    targets = [args.only] if args.only else list(TARGETS)
    start = time.time()
    sides: Dict[str, Dict[str, Any]] = {}

    def one(target: str) -> None:
        sides[target] = run_side(target, python, tree, prefix, netns, args.test_timeout,
                                 start + args.deadline, args.pytest_args, wrapper_dir)

    threads = [threading.Thread(target=one, args=(t,)) for t in targets]
    log(f"running requests {version}'s tests against: {', '.join(targets)}"
        f"{' (network namespace: loopback only)' if netns else ''}")
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    seconds = time.time() - start
    partial = bool(args.only or args.pytest_args)
    for t in targets:
        c = counts(sides[t])
        if partial:  # pytest's own -k/-m may have left some of the selection out
            tests = sides[t]["tests"].values()
            ran = len(tests)
            passed = sum(1 for r in tests if r["outcome"] == "passed")
            xfail = sum(1 for r in tests if r["outcome"] in EXPECTED_FAIL)
            print(f"{t}: {passed} passed / {ran - passed - xfail} failed of {ran} run "
                  f"({xfail} xfail-marked; {c['n']} in the whole selection)")
        else:
            log(f"{t}: {c['passed']} passed, {c['failed']} failed, {c['xfail']} xfail-marked of "
                f"{c['n']} selected, in {len(sides[t]['rounds'])} process(es)")
    if partial:
        return 0
    summary = write_report(sides, version, seconds, netns, args.test_timeout, measured)
    print(summary)
    log(f"wrote {RESULTS_MD.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
