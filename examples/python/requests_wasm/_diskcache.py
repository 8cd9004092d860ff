"""The compiled component, kept on disk between processes.

Compiling the component with Cranelift takes about half a second to a few seconds; loading
what wasmtime compiled before (`Component.serialize`, then `Component.deserialize_file`, which
maps the file) takes well under one millisecond. `load(engine, path)` does that:

* **Where.** ``$REQUESTS_WASM_CACHE_DIR`` when set (an empty value, ``0`` or ``off`` turns the
  cache off), else ``$XDG_CACHE_HOME/requests_wasm``, else ``~/.cache/requests_wasm``
  (``%LOCALAPPDATA%\\requests_wasm`` on Windows). The directory is made private (0700), and a
  directory that other users could write to, or that another user owns, is not used: what is
  in it is machine code this process will run.
* **Key.** One file per component content, wasmtime version and machine:
  ``<sha256 of the .wasm, 40 hex>-wasmtime-<version>-<machine>-<crc32 of the file>.cwasm``.
  wasmtime also refuses, by itself, a file made by another version or configuration.
* **Safe when processes start at once.** A file is written whole to a temporary name in the
  same directory and renamed over its final name (`os.replace`), so a reader sees an old file,
  a new one, or none, never a part. Two processes that compile at once write the same name;
  the last rename wins, and both files were complete.
* **A corrupt file is compiled again.** The CRC-32 in the name is checked against the file
  before wasmtime maps it (a truncated or damaged file would otherwise be executed), and a
  file that does not match, or that wasmtime refuses, is removed and replaced.
* **Never in the way.** Any failure to read, write or use the cache (a read-only home, a full
  disk) falls back to compiling, as without a cache. At most `KEEP` files stay (the oldest
  are removed when a new one is written).

`LOG` records what each load did (``"compiled"``, ``"loaded"``, ``"recompiled"`` and why), for
tests.
"""

from __future__ import annotations

import hashlib
import os
import platform
import stat
import sys
import tempfile
import zlib
from importlib import metadata
from pathlib import Path
from typing import List, Optional, Tuple

from wasmtime import Engine
from wasmtime.component import Component

__all__ = ["CACHE_ENV_VAR", "cache_dir", "load", "LOG", "KEEP"]

#: Names the cache directory; empty, ``0`` or ``off`` turns the cache off.
CACHE_ENV_VAR = "REQUESTS_WASM_CACHE_DIR"
#: How many compiled components the cache keeps.
KEEP = 8
#: What each `load` did: ``(path of the .wasm, what, detail)``.
LOG: List[Tuple[str, str, str]] = []
_SUFFIX = ".cwasm"


def cache_dir() -> Optional[Path]:
    """The cache directory in use (see the module), or None when the cache is off."""
    given = os.environ.get(CACHE_ENV_VAR)
    if given is not None:
        if given.strip().lower() in ("", "0", "off", "no", "false"):
            return None
        return Path(given)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base) / "requests_wasm" if base else None
    base = os.environ.get("XDG_CACHE_HOME")
    if not base or not os.path.isabs(base):  # (the XDG spec ignores a relative value)
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "requests_wasm"


def _usable(directory: Path) -> bool:
    """Make `directory` (private), and tell whether it is safe to load machine code from."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = directory.stat()
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode):
        return False
    if hasattr(os, "geteuid"):
        if st.st_uid != os.geteuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return False
    return True


def _wasmtime_version() -> str:
    try:
        return metadata.version("wasmtime")
    except metadata.PackageNotFoundError:  # pragma: no cover - not installed as a package
        return "unknown"


def _prefix(wasm: bytes) -> str:
    machine = (platform.machine() or "unknown").lower()
    return (f"{hashlib.sha256(wasm).hexdigest()[:40]}-wasmtime-{_wasmtime_version()}-"
            f"{sys.platform}-{machine}-")


def _crc_of_name(name: str) -> Optional[int]:
    try:
        return int(name[-len(_SUFFIX) - 8:-len(_SUFFIX)], 16)
    except ValueError:
        return None


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def _load_cached(engine: Engine, directory: Path, prefix: str,
                 wasm_path: str) -> Tuple[Optional[Component], str]:
    """A component from a cached file for `prefix`, or None, and what happened to the files
    that were there ("" when there were none)."""
    try:
        names = [n for n in os.listdir(directory) if n.startswith(prefix) and n.endswith(_SUFFIX)]
    except OSError:
        return None, ""
    why = ""
    for name in names:
        path = directory / name
        expected = _crc_of_name(name)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            continue
        if expected is None or zlib.crc32(data) != expected:
            why = f"{name}: its CRC-32 does not match (a damaged file)"
            _remove(path)
            continue
        try:
            component = Component.deserialize_file(engine, str(path))
        except Exception as e:  # noqa: BLE001 - wasmtime refused it: compile again
            why = f"{name}: wasmtime refused it ({e})"
            _remove(path)
            continue
        del data
        LOG.append((wasm_path, "loaded", name))
        return component, ""
    return None, why


def _store(directory: Path, prefix: str, component: Component) -> Optional[str]:
    """Write the compiled component under its name (atomically); the name, or None."""
    try:
        data = bytes(component.serialize())
        name = f"{prefix}{zlib.crc32(data):08x}{_SUFFIX}"
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, directory / name)
        except BaseException:
            _remove(Path(tmp))
            raise
    except Exception:  # noqa: BLE001 - a cache that cannot be written is no cache
        return None
    _prune(directory, keep=name)
    return name


def _prune(directory: Path, keep: str) -> None:
    """Keep the `KEEP` newest cached components (and `keep`)."""
    try:
        entries = []
        for entry in os.scandir(directory):
            if entry.name.endswith(_SUFFIX) and entry.name != keep:
                entries.append((entry.stat().st_mtime, entry.path))
        entries.sort(reverse=True)
        for _, path in entries[KEEP - 1:]:
            _remove(Path(path))
    except OSError:
        pass


def load(engine: Engine, wasm_path: Path) -> Component:
    """The component at `wasm_path` compiled for `engine`: from the disk cache when it holds
    it, else compiled (and then stored). See the module."""
    wasm = wasm_path.read_bytes()
    directory = cache_dir()
    if directory is None or not _usable(directory):
        LOG.append((str(wasm_path), "compiled", "no cache"))
        return Component(engine, wasm)
    prefix = _prefix(wasm)
    component, why = _load_cached(engine, directory, prefix, str(wasm_path))
    if component is not None:
        return component
    component = Component(engine, wasm)
    name = _store(directory, prefix, component)
    LOG.append((str(wasm_path), "recompiled" if why else "compiled",
                why or (f"stored as {name}" if name else "not stored")))
    return component
