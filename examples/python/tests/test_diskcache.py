"""The compiled component on disk (requests_wasm/_diskcache.py): the first process compiles and
stores it, the next ones load it, a damaged file is compiled again, processes that start at
once all work, and the cache stays out of the way when it cannot be used. Each case runs
fresh Python processes (a process compiles a component once at most); no timing
assertions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

import pytest

from requests_wasm import _diskcache
from requests_wasm._component import resolve_component_path

HERE = Path(__file__).resolve().parents[1]          # examples/python
#: The fresh processes import the package the tests import: the source tree's (run in
#: examples/python), or the installed one with `REQUESTS_WASM_TEST_INSTALLED=1` (see conftest).
PROBE_CWD = (tempfile.gettempdir() if os.environ.get("REQUESTS_WASM_TEST_INSTALLED") == "1"
             else HERE)

PROBE = """
import json, sys
from requests_wasm import Session, _diskcache
with Session(env={}, transport="wasi-http") as s:   # instantiates the component: it works
    assert s.headers["Accept"] == "*/*"
print(json.dumps([list(entry) for entry in _diskcache.LOG]))
"""


def run(cache: object, extra_env: Dict[str, str] = {}) -> List[List[str]]:
    """One fresh process that loads the component with `cache` as the cache directory (None:
    the variable unset); what `_diskcache.LOG` says it did."""
    env = {k: v for k, v in os.environ.items() if k != _diskcache.CACHE_ENV_VAR}
    if cache is not None:
        env[_diskcache.CACHE_ENV_VAR] = str(cache)
    env.update(extra_env)
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=PROBE_CWD, env=env, check=True,
                         capture_output=True, text=True, timeout=300)
    return json.loads(out.stdout.strip().splitlines()[-1])


def entries(cache: Path) -> List[Path]:
    return sorted(p for p in cache.iterdir() if p.suffix == ".cwasm")


def test_compiled_once_then_loaded(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    [(_, what, detail)] = run(cache)
    assert what == "compiled" and detail.startswith("stored as ")
    [stored] = entries(cache)
    assert stored.name == detail[len("stored as "):]
    assert (cache.stat().st_mode & 0o777) == 0o700
    assert "-wasmtime-" in stored.name and stored.name.endswith(".cwasm")
    [(_, what, detail)] = run(cache)
    assert (what, detail) == ("loaded", stored.name)
    assert entries(cache) == [stored] and not [p for p in cache.iterdir() if p.suffix == ".tmp"]


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_a_damaged_file_is_compiled_again(tmp_path: Path, damage: str) -> None:
    cache = tmp_path / "cache"
    run(cache)
    [stored] = entries(cache)
    data = bytearray(stored.read_bytes())
    if damage == "flip":
        middle = len(data) // 2
        data[middle:middle + 16] = bytes(b ^ 0xFF for b in data[middle:middle + 16])
    else:
        data = data[:len(data) // 3]
    stored.write_bytes(bytes(data))
    [(_, what, detail)] = run(cache)
    assert what == "recompiled" and "CRC-32" in detail
    [again] = entries(cache)
    [(_, what, _)] = run(cache)
    assert what == "loaded"
    assert again.read_bytes() != bytes(data)


def test_processes_starting_at_once(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = {k: v for k, v in os.environ.items() if k != _diskcache.CACHE_ENV_VAR}
    env[_diskcache.CACHE_ENV_VAR] = str(cache)
    procs = [subprocess.Popen([sys.executable, "-c", PROBE], cwd=PROBE_CWD, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        [(_, what, _)] = json.loads(out.strip().splitlines()[-1])
        assert what in ("compiled", "loaded")
    [stored] = entries(cache)                          # one name, complete
    assert not [p for p in cache.iterdir() if p.suffix == ".tmp"]
    [(_, what, detail)] = run(cache)
    assert (what, detail) == ("loaded", stored.name)


def test_off_compiles_without_a_cache(tmp_path: Path) -> None:
    [(_, what, detail)] = run("off")
    assert (what, detail) == ("compiled", "no cache")


def test_which_directory(monkeypatch, tmp_path: Path) -> None:
    for off in ("", "off", "0", "OFF "):
        monkeypatch.setenv(_diskcache.CACHE_ENV_VAR, off)
        assert _diskcache.cache_dir() is None
    monkeypatch.setenv(_diskcache.CACHE_ENV_VAR, str(tmp_path / "mine"))
    assert _diskcache.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv(_diskcache.CACHE_ENV_VAR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _diskcache.cache_dir() == tmp_path / "xdg" / "requests_wasm"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert _diskcache.cache_dir() == tmp_path / "home" / ".cache" / "requests_wasm"


def test_unsafe_or_unwritable_directories_are_not_used(tmp_path: Path) -> None:
    mine = tmp_path / "made" / "here"
    assert _diskcache._usable(mine) and (mine.stat().st_mode & 0o777) == 0o700
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)                                # others could plant machine code here
    assert not _diskcache._usable(shared)
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    assert not _diskcache._usable(blocked)


def test_default_directory(tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    [(_, what, _)] = run(None, {"XDG_CACHE_HOME": str(xdg)})
    assert what in ("compiled", "loaded")
    assert entries(xdg / "requests_wasm")


def test_the_key_is_the_content(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run(cache)
    copy = tmp_path / "copy.wasm"                      # another path, the same content
    copy.write_bytes(resolve_component_path().read_bytes())
    [(_, what, _)] = run(cache, {"REQUESTS_WASM_COMPONENT": str(copy)})
    assert what == "loaded" and len(entries(cache)) == 1
    client = HERE.parents[1] / "target" / "component" / "wasm32-wasip2" / "release" / \
        "requests_component.wasm"
    if client.is_file() and client.read_bytes() != copy.read_bytes():
        [(_, what, _)] = run(cache, {"REQUESTS_WASM_COMPONENT": str(client)})
        assert what == "compiled" and len(entries(cache)) == 2
