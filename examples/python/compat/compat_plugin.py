"""pytest plugin of the compatibility harness: requests' own tests against requests_wasm.

Loaded by `run.py` as ``-p compat_plugin`` (before requests' `tests/conftest.py` is imported), with
these environment variables:

* ``COMPAT_TARGET``: ``wrapper`` (``import requests`` is served by requests_wasm, below) or
  ``requests`` (the real requests: the baseline, same selection, same guard).
* ``COMPAT_RESULTS``: the file to which the outcome of every selected test is appended (JSON
  lines: ``meta``, then ``start`` / ``result`` per test, ``timeout`` if the watchdog ended the
  process, ``end``).
* ``COMPAT_DONE``: a file of test ids already run by an earlier process of this run (skipped).
* ``COMPAT_TEST_TIMEOUT``: seconds a test may take before the watchdog ends the process (30).
* ``COMPAT_WRAPPER_DIR``: the directory holding the `requests_wasm` package (examples/python).

**The alias.** With ``COMPAT_TARGET=wrapper`` the real requests is imported first (all its
modules), then every ``requests`` / ``requests.<sub>`` entry of `sys.modules` is replaced by a
shim module. A shim's names are, in this order:

1. the wrapper's: a name of `requests_wasm.__all__` that the real module also defines (at the
   top level: all of them) (``requests.Session``, ``requests.sessions.Session``, ``requests.models.Response``,
   ``requests.exceptions.ConnectionError``, ``requests.structures.CaseInsensitiveDict``...), and
   every name of ``requests_wasm.<sub>.__all__`` when the wrapper has a module of that name
   (adapters, exceptions, hooks, models, sessions, structures);
2. for `requests.api` (and the top level): ``request``, ``get``, ``options``, ``head``, ``post``,
   ``put``, ``patch``, ``delete``: the wrapper's functions when it has them, otherwise the
   harness's copy of requests' `api.py` over the wrapper's `Session` (``with Session() as s:
   return s.request(method, url, **kwargs)``: the one thing requests' own functions do), listed
   as harness-provided in RESULTS.md;
3. everything else falls through to the real module (``requests.auth.AuthBase``,
   ``requests.cookies.cookiejar_from_dict``, ``requests.adapters.HTTPAdapter``,
   ``requests.codes``...), so that a test can import what it needs and fail on what the wrapper
   does, not on an ImportError. `requests.compat`, `requests.packages` and `requests.__version__`
   are requests' own, untouched (stdlib/urllib3 re-exports, nothing of requests' HTTP logic). Every fall-through
   name a test touches is recorded per test (a module-level `__getattr__`), plus the names the
   test modules imported at collection that the test's source uses, so RESULTS.md can show
   which passing tests leaned on a requests class or function rather than the wrapper.

**Selection.** `tests/test_requests.py` tests that use the ``httpbin`` or ``httpbin_secure``
fixtures, and all of `tests/test_lowlevel.py`, less `DESELECTED` (each with its reason).

**Network guard.** `run.py` runs pytest in a new network namespace (only loopback exists); on
top of that, this plugin makes Python's `socket.getaddrinfo` and `socket.connect` refuse any
address outside 127.0.0.0/8 and ::1 (a name other than localhost never resolves), so nothing
in this process (requests, urllib3, httpbin) can reach beyond the machine even without one.
"""

from __future__ import annotations

import errno
import inspect
import ipaddress
import json
import os
import re
import socket
import sys
import threading
import time
import types
from typing import Any, Dict, List, Optional, Set

import pytest

TARGET = os.environ.get("COMPAT_TARGET", "requests")
RESULTS_PATH = os.environ.get("COMPAT_RESULTS")
WRAPPER_DIR = os.environ.get("COMPAT_WRAPPER_DIR")

#: Tests deselected from the selection, by function name, and why.
DESELECTED = {
    "test_use_proxy_from_environment": (
        "asks for http(s)://httpbin.org through a socks5:// proxy from the environment: needs "
        "PySocks, and socks5:// resolves httpbin.org on the client (a DNS query to the internet); "
        "a client without SOCKS would connect to httpbin.org itself. Deselected so no test "
        "addresses a host beyond loopback (the issue's 201 leaves these 8 out too)"),
}

# ---------------------------------------------------------------------------------------------
# the network guard
# ---------------------------------------------------------------------------------------------

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def _is_loopback(host: Any) -> bool:
    if host is None or host == "":
        return True  # a passive/bind lookup
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").split("%")[0]
    if host.lower().rstrip(".") in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _install_network_guard() -> None:
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback(host):
            raise socket.gaierror(socket.EAI_NONAME,
                                  f"compat harness: {host!r} is not loopback (no network)")
        return real_getaddrinfo(host, *args, **kwargs)

    def _check(address: Any) -> None:
        if isinstance(address, tuple) and address and not _is_loopback(address[0]):
            raise OSError(errno.ENETUNREACH,
                          f"compat harness: {address[0]!r} is not loopback (no network)")

    def connect(self: socket.socket, address: Any) -> None:
        _check(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        _check(address)
        return real_connect_ex(self, address)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]


_install_network_guard()

# ---------------------------------------------------------------------------------------------
# the alias: `import requests` -> requests_wasm, falling through to requests
# ---------------------------------------------------------------------------------------------

#: The test running now ("<collect>" while test modules are imported).
CURRENT = "<collect>"
#: Fall-through names touched, by test id: {"requests.auth.AuthBase": "class", ...}.
FALLTHROUGH: Dict[str, Dict[str, str]] = {}
#: Harness-provided names (the api functions when the wrapper has none).
HARNESS_PROVIDED: List[str] = []

REQUESTS_SUBMODULES = ("__version__", "_internal_utils", "adapters", "api", "auth", "certs",
                       "compat", "cookies", "exceptions", "help", "hooks", "models", "packages",
                       "sessions", "status_codes", "structures", "utils")
#: Requests' own, untouched (stdlib / urllib3 re-exports; nothing of requests' HTTP logic).
UNTOUCHED = {"compat", "packages", "__version__"}
API_NAMES = ("request", "get", "options", "head", "post", "put", "patch", "delete")


def _kind(obj: Any) -> str:
    """What a fall-through object is: `inert` ones (exceptions, warnings, constants, modules)
    cannot make a test pass by doing the wrapper's work; a `class` or `function` might."""
    if isinstance(obj, types.ModuleType):
        return "module"
    if isinstance(obj, type):
        if issubclass(obj, BaseException):
            return "exception"
        return "class"
    if callable(obj):
        return "function"
    return "constant"


class ShimModule(types.ModuleType):
    """`requests.<sub>` served by the wrapper, falling through to the real module."""

    def __init__(self, name: str, real: types.ModuleType) -> None:
        super().__init__(name, getattr(real, "__doc__", None))
        object.__setattr__(self, "_compat_real", real)

    def __getattr__(self, name: str) -> Any:
        real = object.__getattribute__(self, "_compat_real")
        value = getattr(real, name)  # AttributeError when neither has it
        if not (name.startswith("__") and name.endswith("__")):
            FALLTHROUGH.setdefault(CURRENT, {})[f"{self.__name__}.{name}"] = _kind(value)
        return value

    def __dir__(self) -> List[str]:
        real = object.__getattribute__(self, "_compat_real")
        return sorted(set(super().__dir__()) | set(dir(real)))


def _harness_api(session_class: Any) -> Dict[str, Any]:
    """requests' api.py, over the wrapper's Session (used only for what the wrapper lacks)."""

    def request(method: Any, url: Any, **kwargs: Any) -> Any:
        with session_class() as session:
            return session.request(method=method, url=url, **kwargs)

    def get(url: Any, params: Any = None, **kwargs: Any) -> Any:
        return request("get", url, params=params, **kwargs)

    def options(url: Any, **kwargs: Any) -> Any:
        return request("options", url, **kwargs)

    def head(url: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("allow_redirects", False)
        return request("head", url, **kwargs)

    def post(url: Any, data: Any = None, json: Any = None, **kwargs: Any) -> Any:
        return request("post", url, data=data, json=json, **kwargs)

    def put(url: Any, data: Any = None, **kwargs: Any) -> Any:
        return request("put", url, data=data, **kwargs)

    def patch(url: Any, data: Any = None, **kwargs: Any) -> Any:
        return request("patch", url, data=data, **kwargs)

    def delete(url: Any, **kwargs: Any) -> Any:
        return request("delete", url, **kwargs)

    funcs = dict(request=request, get=get, options=options, head=head, post=post, put=put,
                 patch=patch, delete=delete)
    for name, func in funcs.items():
        func.__module__ = "requests.api"
        func.__qualname__ = name
    return funcs


def _install_alias() -> Dict[str, Any]:
    import importlib
    import importlib.util

    import requests as real_requests  # noqa: F401 - the real one, before the alias
    real = {"requests": sys.modules["requests"]}
    for sub in REQUESTS_SUBMODULES:
        real[f"requests.{sub}"] = importlib.import_module(f"requests.{sub}")

    if WRAPPER_DIR and WRAPPER_DIR not in sys.path:
        sys.path.insert(0, WRAPPER_DIR)
    import requests_wasm as wrapper

    wrapper_names = {name: getattr(wrapper, name) for name in wrapper.__all__}
    api = {}
    for name in API_NAMES:
        if callable(getattr(wrapper, name, None)):
            api[name] = getattr(wrapper, name)
    if len(api) < len(API_NAMES):
        provided = _harness_api(wrapper.Session)
        for name in API_NAMES:
            if name not in api:
                api[name] = provided[name]
                HARNESS_PROVIDED.append(f"requests.{name} / requests.api.{name}")

    shims: Dict[str, ShimModule] = {}
    for full, module in real.items():
        sub = full.split(".", 1)[1] if "." in full else None
        if sub in UNTOUCHED:
            continue
        shim = ShimModule(full, module)
        # the wrapper's public names that this module of requests defines too (all of them
        # at the top level), then those of the wrapper's module of the same name
        for name, value in wrapper_names.items():
            if sub is None or name in module.__dict__:
                shim.__dict__[name] = value
        if sub and importlib.util.find_spec(f"requests_wasm.{sub}") is not None:
            wmod = importlib.import_module(f"requests_wasm.{sub}")
            for name in getattr(wmod, "__all__", ()):
                shim.__dict__[name] = getattr(wmod, name)
        if sub in (None, "api"):
            shim.__dict__.update(api)
        shims[full] = shim
    top = shims["requests"]
    top.__dict__["__path__"] = []
    top.__dict__["__file__"] = getattr(wrapper, "__file__", None)
    for full in real:
        sys.modules[full] = shims.get(full, real[full])
        if full != "requests":
            top.__dict__[full.split(".", 1)[1]] = sys.modules[full]
    return {"wrapper": wrapper.__file__, "real": real["requests"].__file__}


ALIAS = _install_alias() if TARGET == "wrapper" else None

# ---------------------------------------------------------------------------------------------
# selection, outcomes, results
# ---------------------------------------------------------------------------------------------

RESULTS: Dict[str, Dict[str, Any]] = {}
DESELECTED_RUN: List[Dict[str, str]] = []
OUT_OF_SCOPE = 0
_IMPORTED_AT_COLLECT: Dict[str, str] = {}
_STARTED = time.time()
#: Test ids finished in an earlier round of this run (run.py restarts pytest after a hang).
DONE: Set[str] = set()
if os.environ.get("COMPAT_DONE") and os.path.exists(os.environ["COMPAT_DONE"]):
    with open(os.environ["COMPAT_DONE"], encoding="utf-8") as _f:
        DONE = {line.rstrip("\n") for line in _f if line.strip()}
#: Seconds a test may take (setup, call and teardown) before the process is ended: a call into
#: the component that never returns (waiting on a socket without a timeout) cannot be
#: interrupted from Python, so the watchdog writes what it knows and exits, and run.py goes on
#: with the tests not run yet in a new process.
TEST_TIMEOUT = float(os.environ.get("COMPAT_TEST_TIMEOUT", "30"))
_RUNNING: Dict[str, Any] = {"test": None, "since": 0.0}


def _emit(record: Dict[str, Any]) -> None:
    """Append one JSON line to the results file (so a process that dies loses nothing)."""
    if not RESULTS_PATH:
        return
    with open(RESULTS_PATH, "a", encoding="utf-8") as f:
        f.write(json.dumps(record, sort_keys=True, default=str) + "\n")
        f.flush()


def _watchdog() -> None:
    while True:
        time.sleep(0.25)
        test, since = _RUNNING["test"], _RUNNING["since"]
        if test is not None and time.time() - since > TEST_TIMEOUT:
            _emit({"type": "timeout", "test": test, "seconds": TEST_TIMEOUT})
            os._exit(3)


def _selected(item: pytest.Item) -> bool:
    path = item.nodeid.split("::", 1)[0]
    if path.endswith("tests/test_lowlevel.py"):
        return True
    if path.endswith("tests/test_requests.py"):
        names = getattr(item, "fixturenames", ())
        return "httpbin" in names or "httpbin_secure" in names
    return False


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: List[pytest.Item]) -> None:
    global OUT_OF_SCOPE
    keep, drop = [], []
    selected: List[str] = []
    for item in items:
        func = getattr(item, "originalname", None) or item.name.split("[", 1)[0]
        if not _selected(item):
            OUT_OF_SCOPE += 1
            drop.append(item)
        elif func in DESELECTED:
            DESELECTED_RUN.append({"test": item.nodeid, "reason": DESELECTED[func]})
            drop.append(item)
        else:
            selected.append(item.nodeid)
            (drop if item.nodeid in DONE else keep).append(item)
    items[:] = keep
    if drop:
        config.hook.pytest_deselected(items=drop)
    # the fall-through names the test modules imported (at collection), for the static scan
    _IMPORTED_AT_COLLECT.update(FALLTHROUGH.get("<collect>", {}))
    _emit({"type": "meta", "target": TARGET, "alias": ALIAS, "harness_provided": HARNESS_PROVIDED,
           "deselected": DESELECTED_RUN, "out_of_scope": OUT_OF_SCOPE, "selected": len(selected),
           "selected_ids": selected,
           "python": sys.version.split()[0], "test_timeout": TEST_TIMEOUT,
           "imported_at_collect": _IMPORTED_AT_COLLECT})
    threading.Thread(target=_watchdog, name="compat-watchdog", daemon=True).start()


def _static_fallthrough(item: pytest.Item) -> Dict[str, str]:
    """Fall-through names imported at collection that this test's source mentions, or the
    source of a class or function of its module that it mentions (a helper class built on
    requests' own, such as `RedirectSession(SessionRedirectMixin)`)."""
    try:
        source = inspect.getsource(item.function)  # type: ignore[attr-defined]
    except (OSError, TypeError, AttributeError):
        return {}
    module = getattr(item, "module", None)
    helpers = []
    for name, obj in (vars(module).items() if module is not None else ()):
        if (inspect.isclass(obj) or inspect.isfunction(obj)) \
                and getattr(obj, "__module__", None) == module.__name__ \
                and obj is not getattr(item, "function", None) \
                and re.search(rf"(?<![\w.]){re.escape(name)}\b", source):
            try:
                helpers.append(inspect.getsource(obj))
            except (OSError, TypeError):
                pass
    source = "\n".join([source, *helpers])
    found = {}
    for qual, kind in _IMPORTED_AT_COLLECT.items():
        short = qual.rsplit(".", 1)[1]
        if re.search(rf"(?<![\w.]){re.escape(short)}\b", source):
            found[qual] = kind
    return found


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: Optional[pytest.Item]) -> Any:
    global CURRENT
    CURRENT = item.nodeid
    RESULTS[item.nodeid] = {"outcome": None, "duration": 0.0}
    _emit({"type": "start", "test": item.nodeid})
    _RUNNING.update(test=item.nodeid, since=time.time())
    yield
    _RUNNING.update(test=None)
    CURRENT = "<between>"
    entry = RESULTS[item.nodeid]
    used = dict(_static_fallthrough(item))
    used.update(FALLTHROUGH.get(item.nodeid, {}))
    entry["fallthrough"] = used
    _emit({"type": "result", "test": item.nodeid, **entry})


def _crash(report: pytest.TestReport) -> Dict[str, Any]:
    longrepr = report.longrepr
    crash = getattr(longrepr, "reprcrash", None)
    out: Dict[str, Any] = {}
    if crash is not None:
        out["message"] = crash.message
        out["where"] = f"{crash.path}:{crash.lineno}"
    else:
        out["message"] = str(longrepr).strip().splitlines()[-1] if longrepr else ""
    # the innermost frames, to tell the wrapper's code from the test's and requests' own
    frames = []
    chain = getattr(longrepr, "chain", None)
    if chain:
        tb = chain[-1][0]
        for entry in getattr(tb, "reprentries", [])[-6:]:
            loc = getattr(entry, "reprfileloc", None)
            if loc is not None:
                frames.append(f"{loc.path}:{loc.lineno}")
    out["frames"] = frames
    out["text"] = str(longrepr)[-4000:] if longrepr else ""
    return out


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    entry = RESULTS.setdefault(report.nodeid, {"outcome": None, "duration": 0.0})
    entry["duration"] = round(entry["duration"] + report.duration, 3)
    xfail = hasattr(report, "wasxfail")
    if report.when == "call":
        if xfail:
            entry["outcome"] = "xfailed" if report.skipped else "xpassed"
        else:
            entry["outcome"] = report.outcome  # passed / failed / skipped
        if report.failed:
            entry.update(_crash(report))
    elif report.failed:  # setup or teardown
        if entry.get("outcome") in (None, "passed"):
            entry["outcome"] = "error"
            entry["phase"] = report.when
            entry.update(_crash(report))
    elif report.skipped and report.when == "setup":
        entry["outcome"] = "xfailed" if xfail else "skipped"
        entry["message"] = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _emit({"type": "end", "seconds": round(time.time() - _STARTED, 1), "exitstatus": int(exitstatus)})
