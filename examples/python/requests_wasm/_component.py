"""wasmtime-py plumbing: the engine, the compiled component, one instance per session, handles.

This module owns everything that touches `wasmtime` directly:

* one `Engine` and one `Linker` per process: WASI p2, wasi:http, and the two interfaces the host
  implements for world `client-with-host`: `requests:http/hooks` (`hooks.py`) and
  `requests:http/host-adapters` (`_host_adapters.py`); and a cache of compiled `Component`s
  keyed by file (so the ~0.5 s Cranelift compile happens once per process, and once per
  machine with the disk cache of `_diskcache`);
* `CALL_LOCK`, the one process-wide re-entrant lock held around every call into any instance
  (see its comment for why it is process-wide);
* `Instance`: one `Store` + one instantiation of the component, a cache of exported
  functions, and `call` / `call_ok` that turn WIT `result` errors into exceptions;
* `Handle`: an owned resource (`ResourceAny`) that is dropped in the guest exactly once, either
  explicitly or, when the Python object is garbage-collected, lazily before the next call (or
  handed into the guest with `take` when a function consumes it);
* `rec` / `field`: building and reading `wasmtime.component.Record` values, whose attribute
  names are the WIT field names (kebab-case, e.g. ``connect-ms``);
* `shared_instance`: an instance used only for the component's free functions
  (`retry-policy-for`) when no session is at hand.

How wasmtime-py 50 maps this WIT (read from `wasmtime/component/_types.py`, `VariantLikeType`):
a `result`, `option` or `variant` is *untagged* when its cases lift to disjoint Python classes,
and then the value is simply the payload; otherwise it is a `Variant(tag, payload)`. The WIT
`error` is a record, so a `result<T, error>` comes back as the `T` value or the `error`
`Record`, unless `T` lifts to a `Record` too (`merge-environment-settings`): then it is tagged,
`Variant("ok" | "err", ...)`. `call_ok` reads which from the function's type, so it never
guesses (the per-type shapes of the arguments are listed in `options.py`).

The default component is the build for world `client-with-host` (the `host` cargo feature),
which imports `requests:http/hooks` and `requests:http/host-adapters`; the linker defines both
always, so the build for world `client` instantiates too (an unused definition is fine), and
then hooks and host adapters are `UnsupportedError`.
"""

from __future__ import annotations

import contextlib
import os
import threading
from importlib import resources
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

from wasmtime import Engine, Store, WasiConfig
from wasmtime.component import Component, Func, Linker, Record, ResourceAny, ResultType

from . import _diskcache, _witcache
from .exceptions import RequestException, exception_from_wit

__all__ = ["DEFAULT_COMPONENT_PATH", "COMPONENT_ENV_VAR", "builtin_component_path", "CALL_LOCK", "Instance", "Handle", "rec",
           "field", "load_component", "shared_instance", "TYPES", "SESSION", "HOOKS",
           "HOST_ADAPTERS"]

#: The builds shipped in an installed wheel (`examples/python/build_wheel.py` puts them there):
#: ``requests_wasm/components/<world>.wasm``, found with `importlib.resources`.
PACKAGED_COMPONENTS = "components"
#: The repository's release builds, for a development checkout (the package run from
#: `examples/python`, nothing copied into it): `cargo build -p host-tests` builds world
#: `client-with-host` into `target/component-host` (`--features host`), world `client` into
#: `target/component`.
_REPOSITORY_TARGET = Path(__file__).resolve().parents[3] / "target"
_REPOSITORY_BUILDS = {"client-with-host": "component-host", "client": "component"}
_resource_files = contextlib.ExitStack()   # files extracted from a zipped install, kept open


def builtin_component_path(world: str = "client-with-host") -> Path:
    """The build of `world` (``client-with-host`` or ``client``) that comes with the package:
    the one shipped inside it (`importlib.resources`), else the repository's release build."""
    try:
        resource = resources.files(__package__) / PACKAGED_COMPONENTS / f"{world}.wasm"
        if resource.is_file():
            if isinstance(resource, Path):    # a regular install: the file itself
                return resource.resolve()
            return Path(_resource_files.enter_context(resources.as_file(resource)))
    except (ImportError, OSError, TypeError):   # no resource reader: the repository's build
        pass
    return (_REPOSITORY_TARGET / _REPOSITORY_BUILDS[world] / "wasm32-wasip2" / "release"
            / "requests_component.wasm")


#: The default component: the build for world `client-with-host` shipped in the package, else
#: the repository's (`target/component-host/wasm32-wasip2/release/requests_component.wasm`).
DEFAULT_COMPONENT_PATH = builtin_component_path()
#: Overrides the default component path when set.
COMPONENT_ENV_VAR = "REQUESTS_WASM_COMPONENT"

#: The exported interfaces, as instance export names.
TYPES = "requests:http/types@0.2.0"
SESSION = "requests:http/session@0.2.0"
#: The imported interfaces the host implements (world `client-with-host`).
HOOKS = "requests:http/hooks@0.2.0"
HOST_ADAPTERS = "requests:http/host-adapters@0.2.0"

#: Held around every call into any component instance, in every thread. A `Store` is
#: single-threaded, but a per-instance lock is not enough: wasmtime-py 50 converts values with
#: module-global state (`_types.case_test_cache`, the set it fills to tell variant cases apart,
#: and `_enter.LAST_EXCEPTION`, where a host callback's exception waits to be re-raised), so two
#: threads calling into two different stores at once can corrupt each other's conversions
#: (spurious `TypeError`s were seen in a prototype). Re-entrant, because a hook or a host
#: adapter runs inside a call and may call another session (another instance) on the same
#: thread. The cost: one thread at a time runs wasm, and a hook that waits for another
#: thread's request deadlocks.
CALL_LOCK = threading.RLock()

_runtime_lock = threading.Lock()
_engine: Optional[Engine] = None
_linker: Optional[Linker] = None
_components: Dict[Tuple[str, int, int], Component] = {}
_shared: Optional["Instance"] = None


def _runtime() -> Tuple[Engine, Linker]:
    """The process-wide engine and linker (WASI p2, wasi:http and the host's two
    interfaces), made on first use."""
    global _engine, _linker
    with _runtime_lock:
        if _engine is None or _linker is None:
            engine = Engine()
            linker = Linker(engine)
            linker.add_wasip2()      # std's wasi:cli/environment, exit, terminal-*, io, clocks...
            linker.add_wasi_http()   # wasi:http/types + outgoing-handler (wasmtime's transport)
            # (both modules import this one, hence the late imports)
            from .hooks import on_request, on_response
            from . import _host_adapters as host
            # The handles must be closed (the `with` does it), or the linker stays locked.
            # (`_witcache.add_func`: wasmtime-py's `add_func`, the types read once)
            with linker.root() as root:
                with root.add_instance(HOOKS) as iface:
                    _witcache.add_func(iface, "on-request", on_request)
                    _witcache.add_func(iface, "on-response", on_response)
                with root.add_instance(HOST_ADAPTERS) as iface:
                    for name, func in host.IMPORTS.items():
                        _witcache.add_func(iface, name, func)
            _engine, _linker = engine, linker
        return _engine, _linker


def resolve_component_path(path: Optional[os.PathLike | str] = None) -> Path:
    """The component file to use: `path`, else `$REQUESTS_WASM_COMPONENT`, else the one shipped
    in the package, else the repository's build (`DEFAULT_COMPONENT_PATH`)."""
    if path is None:
        path = os.environ.get(COMPONENT_ENV_VAR) or DEFAULT_COMPONENT_PATH
    resolved = Path(path).resolve()
    if not resolved.is_file():
        raise FileNotFoundError(
            f"component not found: {resolved} (build it from the repository root with "
            f"`cargo build -p host-tests --locked`, which builds it into "
            f"target/component-host; or install the wheel built by "
            f"examples/python/build_wheel.py; or pass component_path=)")
    return resolved


def load_component(path: Optional[os.PathLike | str] = None) -> Component:
    """Compile the component once per process (re-compiled only if the file changes), or load
    what an earlier process compiled from the disk cache (`_diskcache`)."""
    engine, _ = _runtime()
    resolved = resolve_component_path(path)
    st = resolved.stat()
    key = (str(resolved), st.st_mtime_ns, st.st_size)
    with _runtime_lock:
        component = _components.get(key)
        if component is None:
            component = _diskcache.load(engine, resolved)
            _components[key] = component
        return component


def rec(**fields: Any) -> Record:
    """A `Record` for lowering; `connect_ms=1` becomes the WIT field ``connect-ms``."""
    r = Record()
    for name, value in fields.items():
        setattr(r, name.replace("_", "-"), value)
    return r


def field(record: Any, name: str) -> Any:
    """Read a field of a lifted `Record` by its Python-style name (`host_only` -> ``host-only``)."""
    return getattr(record, name.replace("_", "-"))


class Instance:
    """One `Store` and one instance of the component; every call into it goes through here.

    Calls are serialised with `CALL_LOCK` (process-wide, see there). Resources dropped by the
    garbage collector are queued and dropped in the guest before the next call, never from a
    finaliser (which could run in the middle of another call).
    """

    def __init__(self, component_path: Optional[os.PathLike | str] = None,
                 env: Optional[Iterable[Tuple[str, str]]] = None) -> None:
        engine, linker = _runtime()
        component = load_component(component_path)
        self.store = Store(engine)
        wasi = WasiConfig()
        wasi.env = list(env or [])
        self.store.set_wasi(wasi)
        self.store.set_wasi_http()
        #: `CALL_LOCK`, held around every call; hold it to make several calls atomic.
        self.lock = CALL_LOCK
        with CALL_LOCK, _runtime_lock:
            self._instance = linker.instantiate(self.store, component)
        #: (interface, name) -> the function and whether its `result` lifts tagged (None: it
        #: returns no `result`).
        self._funcs: Dict[Tuple[str, str], Tuple[Func, Optional[bool]]] = {}
        self._pending_drops: List[ResourceAny] = []

    def _lookup(self, interface: str, name: str) -> Tuple[Func, Optional[bool]]:
        key = (interface, name)
        entry = self._funcs.get(key)
        if entry is None:
            iface = self._instance.get_export_index(self.store, interface)
            index = (self._instance.get_export_index(self.store, name, iface)
                     if iface is not None else None)
            f = self._instance.get_func(self.store, index) if index is not None else None
            if f is None:
                raise AttributeError(f"the component exports no function {interface}#{name}")
            result = _witcache.cache_func_type(f, self.store).result
            # wasmtime-py's own rule (`VariantLikeType._tagged`): tagged when the ok and err
            # payloads can lift to the same Python class.
            tagged = result._tagged() if isinstance(result, ResultType) else None
            entry = self._funcs[key] = (f, tagged)
        return entry

    def func(self, interface: str, name: str) -> Func:
        """An exported function, e.g. ``("requests:http/session@0.2.0", "[method]session.get")``."""
        return self._lookup(interface, name)[0]

    def call(self, interface: str, name: str, *args: Any) -> Any:
        """Call an export and return the lifted value as wasmtime-py gives it."""
        with self.lock:
            self._drain_drops()
            return self._lookup(interface, name)[0](self.store, *args)

    def call_ok(self, interface: str, name: str, *args: Any) -> Any:
        """Call an export returning `result<T, error>`: give `T`, or raise the mapped exception.

        Untagged (the usual case), an `ok` value arrives bare and an `err` as the `error`
        `Record`; tagged (a `T` that lifts to a `Record` too), as `Variant("ok"|"err", ...)`.
        Which one is read from the function's type."""
        with self.lock:
            self._drain_drops()
            f, tagged = self._lookup(interface, name)
            value = f(self.store, *args)
        if tagged is None:
            raise TypeError(f"{interface}#{name} does not return a result")
        if tagged:
            if value.tag == "ok":
                return value.payload
            raise self.exception(value.payload)
        if isinstance(value, Record):  # untagged: `T` cannot lift to a Record, so it is the error
            raise self.exception(value)
        return value

    def exception(self, error: Record) -> RequestException:
        """The Python exception for a lifted WIT `error` record."""
        return exception_from_wit(error)

    def drop(self, resource: ResourceAny) -> None:
        """Run the guest destructor of an owned resource now."""
        with self.lock:
            self._drain_drops()
            resource.drop(self.store)

    def drop_later(self, resource: ResourceAny) -> None:
        """Queue a drop (safe from `__del__`: no call into wasm here)."""
        self._pending_drops.append(resource)

    def _drain_drops(self) -> None:
        while self._pending_drops:
            resource = self._pending_drops.pop()
            try:
                resource.drop(self.store)
            except Exception:  # a resource the guest already released; nothing left to free
                pass


def shared_instance() -> Instance:
    """An instance of the default component (or `$REQUESTS_WASM_COMPONENT`) for calls that need
    no session: the component's free functions (`types.retry-policy-for`). Made on first use."""
    global _shared
    with CALL_LOCK:
        if _shared is None:
            _shared = Instance(env=[])
        return _shared


class Handle:
    """An owned guest resource with the instance it lives in; dropped in the guest once."""

    __slots__ = ("instance", "_resource", "__weakref__")

    def __init__(self, instance: Instance, resource: ResourceAny) -> None:
        self.instance = instance
        self._resource: Optional[ResourceAny] = resource

    @property
    def resource(self) -> ResourceAny:
        if self._resource is None:
            raise ValueError("this object was closed; its guest resource is gone")
        return self._resource

    @property
    def alive(self) -> bool:
        return self._resource is not None

    def call(self, interface: str, name: str, *args: Any) -> Any:
        return self.instance.call(interface, name, self.resource, *args)

    def call_ok(self, interface: str, name: str, *args: Any) -> Any:
        return self.instance.call_ok(interface, name, self.resource, *args)

    def drop(self) -> None:
        resource, self._resource = self._resource, None
        if resource is not None:
            self.instance.drop(resource)

    def take(self) -> ResourceAny:
        """Give up the resource without dropping it, to pass its ownership into the guest (an
        `own<T>` parameter, e.g. `body-writer.finish`): the guest releases it from then on."""
        resource, self._resource = self.resource, None
        return resource

    def __del__(self) -> None:
        resource, self._resource = getattr(self, "_resource", None), None
        if resource is not None:
            self.instance.drop_later(resource)
