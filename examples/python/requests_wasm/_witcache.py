"""WIT type information read once: wasmtime-py's conversions without per-call reflection.

wasmtime-py 50 converts every value between Python and the component by walking its type,
and reads each part of that type from the C API again on every call: a record's `fields`,
a list's `element`, an option's `payload`, a result's `ok` and `err`, a variant's `cases`, and
whether a variant-like value is tagged (which asks the classes of every case) are properties
that make new type objects each time. An export call also asks the function's type
(`Func.type`), and the trampoline of a host function (an import the linker defines) asks its
type again on each call. For one small GET through a Python adapter that was some 90 type
objects made and dropped: about a third of the wrapper's time.

This module keeps what those properties return, without changing any conversion:

* `freeze(ty)` turns a type object, and every type inside it, into an instance of a subclass
  of its own class (`__class__` is swapped in place) whose reflective properties are plain
  attributes read once, whose `_tagged()` / `_cases()` are computed once, and whose variant
  lowering tests the case classes computed once (not wasmtime-py's module-global
  `case_test_cache`, which two threads could share). The conversions themselves
  (`convert_to_c`, `convert_from_c`, `_lift`) are wasmtime-py's own.
* `cache_func_type(func, store)` gives an exported `Func` its type frozen once, so
  `Func.__call__` (wasmtime-py's) no longer asks for it.
* `add_func(linker_instance, name, func)` defines a host function like
  `LinkerInstance.add_func`, through a trampoline that freezes the function's parameter and
  result types on its first call and reuses them.
* The frozen strings, records, lists and tuples convert as wasmtime-py's do, with fewer
  copies; a `list<u8>`, which the C API holds as one 32-byte value per byte, is written and
  read in one bulk copy instead of one Python call per byte (about 20 times faster: 0.1 us
  per byte into the guest, 0.05 us out of it).

Everything here is an optimisation over wasmtime-py's internals (its `_ffi` module, the
`FUNCTIONS` slab and `catch_exceptions` of its linker), checked against wasmtime-py 50.0.1,
the version `requirements.txt` pins. `ENABLED` is False when they are not as expected (another
wasmtime-py), and then every function here falls back to wasmtime-py's own code path.
"""

from __future__ import annotations

import ctypes
from typing import Any, Callable, Dict, List, Optional, Tuple

from wasmtime.component import (FuncType, ListType, OptionType, Record, RecordType, ResultType,
                                String, TupleType, U8, ValType, Variant, VariantType)

try:  # wasmtime-py's internals (see the module docstring)
    from wasmtime import WasmtimeError
    from wasmtime import _ffi as ffi
    from wasmtime.component import _linker as _wl
    from wasmtime.component._types import VariantLikeType

    from wasmtime import _bindings as _fb

    ENABLED = all(hasattr(ffi, name) for name in (
        "wasmtime_component_val_t", "wasmtime_component_val_new",
        "wasmtime_component_func_callback_t", "wasmtime_component_linker_instance_add_func",
        "wasmtime_component_valrecord_t", "wasmtime_component_valrecord_new_uninit",
        "wasmtime_component_valrecord_delete", "wasmtime_component_vallist_t",
        "wasmtime_component_vallist_new_uninit", "wasmtime_component_vallist_delete",
        "wasmtime_component_valtuple_t", "wasmtime_component_valtuple_new_uninit",
        "wasmtime_component_valtuple_delete", "WASMTIME_COMPONENT_STRING",
        "WASMTIME_COMPONENT_RECORD", "WASMTIME_COMPONENT_LIST", "WASMTIME_COMPONENT_TUPLE",
        "WASMTIME_COMPONENT_BOOL",
    )) and all(hasattr(_fb, name) for name in (
        "_wasm_byte_vec_new", "_wasm_byte_vec_delete")) and all(
        hasattr(_wl, name) for name in ("FUNCTIONS", "func_finalize", "catch_exceptions"))
except ImportError:  # pragma: no cover - another wasmtime-py
    ENABLED = False

__all__ = ["ENABLED", "freeze", "cache_func_type", "add_func"]


def _case_classes(ty: Optional[ValType]) -> Tuple[type, ...]:
    classes: set = set()
    if ty is None:
        classes.add(object)
    else:
        ty.add_classes(classes)
    return tuple(classes)


# What every frozen variant-like type (variant, option, result) shares: `_cases`, `_tagged`
# and `add_classes` answered from what was read once, and `_lower` as wasmtime-py's, with the
# case classes computed once. (Functions put in each class, not a mixin base: a frozen class
# must keep its base's layout, so that `__class__` can be swapped.)

def _fv_cases(self: Any) -> List[Tuple[str, Optional[ValType]]]:
    return self._rw_cases


def _fv_tagged(self: Any) -> bool:
    return self._rw_tagged


def _fv_add_classes(self: Any, s: set) -> None:
    s.update(self._rw_classes)


def _fv_lower(self: Any, store: Any, val: Any) -> Tuple[str, Any]:
    # wasmtime-py's `VariantLikeType._lower`, with `_rw_tests` in place of the classes it asks
    # each case for on every call.
    tagged = self._rw_tagged
    if tagged and not isinstance(val, Variant):
        raise TypeError("expected Variant type")
    for name, ty, classes in self._rw_tests:
        if tagged:
            if name != val.tag:
                continue
        elif ty is None:
            if val is not None:
                continue
        elif not isinstance(val, classes):
            continue
        if ty is None:
            return (name, None)
        raw = ffi.wasmtime_component_val_t()
        ty.convert_to_c(store, val.payload if tagged else val, ctypes.pointer(raw))
        return (name, ffi.wasmtime_component_val_new(ctypes.byref(raw)))
    raise ValueError('value not valid for this variant')


# The conversions below are wasmtime-py's own (`String`, `RecordType`, `ListType`,
# `TupleType` in `wasmtime/component/_types.py`), doing the same C calls in the same order, with
# fewer copies: a string is lowered with one copy (`wasm_byte_vec_new` from the encoded bytes,
# where `str_to_capi` copies twice) and lifted with one (`string_at`), a record's field names
# are encoded once (and not decoded again to be compared on the way back), and the C arrays
# are read through one view each.

if ENABLED:
    _STRING = ffi.WASMTIME_COMPONENT_STRING
    _RECORD = ffi.WASMTIME_COMPONENT_RECORD
    _LIST = ffi.WASMTIME_COMPONENT_LIST
    _TUPLE = ffi.WASMTIME_COMPONENT_TUPLE
    _BOOL = ffi.WASMTIME_COMPONENT_BOOL
    _byte_vec_new = _fb._wasm_byte_vec_new
    _byte_vec_delete = _fb._wasm_byte_vec_delete
    _BYTES = ctypes.POINTER(ctypes.c_uint8)
    # A `list<u8>` is an array of `wasmtime_component_val_t`, one per byte (kind `U8`, the
    # byte in the union): it is written and read in bulk, through a bytearray laid out so.
    _VAL_SIZE = ctypes.sizeof(ffi.wasmtime_component_val_t)
    _U8_AT = ffi.wasmtime_component_val_t.of.offset + type(
        ffi.wasmtime_component_val_t().of).u8.offset
    _U8_KIND = bytes([ffi.WASMTIME_COMPONENT_U8.value])


def _lower_bytes(vec: Any, data: bytes) -> None:
    """Fill the `wasm_byte_vec_t` `vec` (in place) with a copy of `data`."""
    _byte_vec_new(ctypes.byref(vec), len(data), ctypes.cast(data, _BYTES))


class _FastString(String):
    _rw_frozen = True

    def convert_to_c(self, store: Any, val: Any, ptr: Any) -> None:
        if not isinstance(val, str):
            raise TypeError("expected string type")
        contents = ptr.contents
        contents.kind = _STRING
        _lower_bytes(contents.of.string, val.encode("utf-8"))

    def convert_from_c(self, c: Any) -> Any:
        assert c.kind == _STRING.value
        vec = c.of.string
        ret = ctypes.string_at(vec.data, vec.size).decode("utf-8") if vec.size else ""
        _byte_vec_delete(ctypes.byref(vec))
        return ret


_FAST_STRING = _FastString()


class _FrozenList(ListType):
    _rw_frozen = True
    element = None  # read once (an instance attribute), in place of ListType's property
    _rw_bytes = False

    def _is_bytes(self) -> bool:
        return self._rw_bytes

    def convert_to_c(self, store: Any, val: Any, ptr: Any) -> None:
        element = self.element
        if self._rw_bytes:
            if not isinstance(val, bytes):
                raise TypeError("expected bytes value")
            self._lower_bytes(val, ptr)
            return
        elif not isinstance(val, list):
            raise TypeError("expected list value")
        raw = ffi.wasmtime_component_vallist_t()
        ffi.wasmtime_component_vallist_new_uninit(raw, len(val))
        data = raw.data
        i = 0
        cleanup = True
        try:
            pointer = ctypes.pointer
            for e in val:
                element.convert_to_c(store, e, pointer(data[i]))
                i += 1
            contents = ptr.contents
            contents.kind = _LIST
            contents.of.list = raw
            cleanup = False
        finally:
            if cleanup:
                for j in range(i, len(val)):
                    data[j].kind = _BOOL
                    data[j].of.boolean = False
                ffi.wasmtime_component_vallist_delete(ctypes.byref(raw))

    @staticmethod
    def _lower_bytes(val: bytes, ptr: Any) -> None:
        """A `list<u8>` written in one copy: the values' array laid out in a bytearray (each
        value's kind `U8` and its byte; the rest zero), copied over the uninitialised list."""
        n = len(val)
        raw = ffi.wasmtime_component_vallist_t()
        ffi.wasmtime_component_vallist_new_uninit(raw, n)
        if n:
            size = n * _VAL_SIZE
            layout = bytearray(size)
            layout[0::_VAL_SIZE] = _U8_KIND * n
            layout[_U8_AT::_VAL_SIZE] = val
            ctypes.memmove(raw.data, (ctypes.c_char * size).from_buffer(layout), size)
        contents = ptr.contents
        contents.kind = _LIST
        contents.of.list = raw

    def convert_from_c(self, c: Any) -> Any:
        assert c.kind == _LIST.value
        items = c.of.tuple
        if self._rw_bytes:   # read in one copy: every value is a `U8`, which owns nothing
            try:
                n = c.of.record.size
                if not n:
                    return b""
                return ctypes.string_at(items.data, n * _VAL_SIZE)[_U8_AT::_VAL_SIZE]
            finally:
                ffi.wasmtime_component_valtuple_delete(ctypes.byref(items))
        try:
            element = self.element
            data = items.data
            ret = []
            for i in range(c.of.record.size):
                raw_field = data[i]
                ret.append(element.convert_from_c(raw_field))
                raw_field.kind = _BOOL
                raw_field.of.boolean = False
            if self._rw_bytes:
                return bytes(ret)
            return ret
        finally:
            ffi.wasmtime_component_valtuple_delete(ctypes.byref(items))


class _FrozenRecord(RecordType):
    _rw_frozen = True
    fields = None
    _rw_names: List[bytes] = []

    def convert_to_c(self, store: Any, val: Any, ptr: Any) -> None:
        fields = self.fields
        names = self._rw_names
        raw = ffi.wasmtime_component_valrecord_t()
        ffi.wasmtime_component_valrecord_new_uninit(raw, len(fields))
        data = raw.data
        i = 0
        cleanup = True
        try:
            pointer = ctypes.pointer
            for name, ty in fields:
                entry = data[i]
                ty.convert_to_c(store, getattr(val, name), pointer(entry.val))
                _lower_bytes(entry.name, names[i])
                i += 1
            contents = ptr.contents
            contents.kind = _RECORD
            contents.of.record = raw
            cleanup = False
        finally:
            if cleanup:
                for j in range(i, len(fields)):
                    data[j].val.kind = _BOOL
                    data[j].val.of.boolean = False
                ffi.wasmtime_component_valrecord_delete(ctypes.byref(raw))

    def convert_from_c(self, c: Any) -> Any:
        assert c.kind == _RECORD.value
        record = c.of.record
        try:
            ret = Record()
            values = ret.__dict__
            data = record.data
            for i, (name, ty) in zip(range(record.size), self.fields):
                raw_val = data[i].val
                values[name] = ty.convert_from_c(raw_val)
                raw_val.kind = _BOOL
                raw_val.of.boolean = False
            return ret
        finally:
            ffi.wasmtime_component_valrecord_delete(record)


class _FrozenTuple(TupleType):
    _rw_frozen = True
    elements = None

    def convert_to_c(self, store: Any, val: Any, ptr: Any) -> None:
        elements = self.elements
        if not isinstance(val, tuple):
            raise TypeError("expected tuple type")
        if len(val) != len(elements):
            raise TypeError("tuple length mismatch")
        raw = ffi.wasmtime_component_valtuple_t()
        ffi.wasmtime_component_valtuple_new_uninit(raw, len(elements))
        data = raw.data
        i = 0
        cleanup = True
        try:
            pointer = ctypes.pointer
            for ty, element in zip(elements, val):
                ty.convert_to_c(store, element, pointer(data[i]))
                i += 1
            contents = ptr.contents
            contents.kind = _TUPLE
            contents.of.tuple = raw
            cleanup = False
        finally:
            if cleanup:
                for j in range(i, len(elements)):
                    data[j].kind = _BOOL
                    data[j].of.boolean = False
                ffi.wasmtime_component_valtuple_delete(ctypes.byref(raw))

    def convert_from_c(self, c: Any) -> Any:
        assert c.kind == _TUPLE.value
        items = c.of.tuple
        try:
            data = items.data
            ret: List[Any] = []
            for i, ty in zip(range(c.of.record.size), self.elements):
                raw_field = data[i]
                ret.append(ty.convert_from_c(raw_field))
                raw_field.kind = _BOOL
                raw_field.of.boolean = False
            return tuple(ret)
        finally:
            ffi.wasmtime_component_valtuple_delete(ctypes.byref(items))


class _FrozenVariant(VariantType):
    _rw_frozen = True
    _cases, _tagged, add_classes, _lower = _fv_cases, _fv_tagged, _fv_add_classes, _fv_lower
    cases = None


class _FrozenOption(OptionType):
    _rw_frozen = True
    _cases, _tagged, add_classes, _lower = _fv_cases, _fv_tagged, _fv_add_classes, _fv_lower
    payload = None


class _FrozenResult(ResultType):
    _rw_frozen = True
    _cases, _tagged, add_classes, _lower = _fv_cases, _fv_tagged, _fv_add_classes, _fv_lower
    ok = None
    err = None


class _FrozenFuncType(FuncType):
    _rw_frozen = True
    params = None
    result = None


def _freeze_variant_like(ty: Any, cases: List[Tuple[str, Optional[ValType]]]) -> None:
    ty.__dict__["_rw_cases"] = cases
    ty.__dict__["_rw_tests"] = [(name, case, _case_classes(case)) for name, case in cases]
    seen: set = set()
    tagged = False
    for _, case in cases:  # wasmtime-py's `VariantLikeType._tagged`
        classes = set(_case_classes(case))
        if classes & seen:
            tagged = True
            break
        seen |= classes
    ty.__dict__["_rw_tagged"] = tagged
    if tagged:
        ty.__dict__["_rw_classes"] = (Variant,)
    else:
        every: set = set()
        for _, case in cases:
            every.update(_case_classes(case))
        ty.__dict__["_rw_classes"] = tuple(every)


def freeze(ty: Any) -> Any:
    """`ty` (a wasmtime-py type object, or None) with its reflection read once, in place;
    see the module. Types with nothing to read (numbers, strings, enums, resources) are
    left as they are."""
    if ty is None or not ENABLED or getattr(ty, "_rw_frozen", False):
        return ty
    cls = type(ty)
    if cls is String:
        return _FAST_STRING
    if cls is ListType:
        element = freeze(ty.element)
        ty.__class__ = _FrozenList
        ty.__dict__["element"] = element
        ty.__dict__["_rw_bytes"] = isinstance(element, U8)
    elif cls is RecordType:
        fields = [(name, freeze(t)) for name, t in ty.fields]
        ty.__class__ = _FrozenRecord
        ty.__dict__["fields"] = fields
        ty.__dict__["_rw_names"] = [name.encode("utf-8") for name, _ in fields]
    elif cls is TupleType:
        elements = [freeze(t) for t in ty.elements]
        ty.__class__ = _FrozenTuple
        ty.__dict__["elements"] = elements
    elif cls is VariantType:
        cases = [(name, freeze(t)) for name, t in ty.cases]
        ty.__class__ = _FrozenVariant
        ty.__dict__["cases"] = cases
        _freeze_variant_like(ty, cases)
    elif cls is OptionType:
        payload = freeze(ty.payload)
        ty.__class__ = _FrozenOption
        ty.__dict__["payload"] = payload
        _freeze_variant_like(ty, [("none", None), ("some", payload)])
    elif cls is ResultType:
        ok, err = freeze(ty.ok), freeze(ty.err)
        ty.__class__ = _FrozenResult
        ty.__dict__["ok"] = ok
        ty.__dict__["err"] = err
        _freeze_variant_like(ty, [("ok", ok), ("err", err)])
    elif cls is FuncType:
        params = [(name, freeze(t)) for name, t in ty.params]
        result = freeze(ty.result)
        ty.__class__ = _FrozenFuncType
        ty.__dict__["params"] = params
        ty.__dict__["result"] = result
    return ty


def cache_func_type(func: Any, store: Any) -> FuncType:
    """The type of an exported function, frozen, and kept by the `Func` so that calling it
    (wasmtime-py's `Func.__call__` asks `self.type(store)` each time) reads no type again."""
    fty = func.type(store)
    if not ENABLED:
        return fty
    fty = freeze(fty)
    func.type = lambda _store, _fty=fty: _fty  # an instance attribute: shadows the method
    return fty


class _Import:
    """A host function with its frozen parameter and result types (read on its first call)."""

    __slots__ = ("func", "params", "result", "ready")

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.params: List[ValType] = []
        self.result: Optional[ValType] = None
        self.ready = False


if ENABLED:
    @ffi.wasmtime_component_func_callback_t
    def _trampoline(idx, context, ty_raw, args, nargs, results, nresults):  # type: ignore
        # wasmtime-py's `_linker.func_impl`, with the types frozen once per function.
        def run(store: Any) -> None:
            entry = _wl.FUNCTIONS.get(idx or 0)
            if not entry.ready:
                with FuncType._from_ptr(ty_raw, owner=store) as fty:
                    entry.params = [freeze(t) for _, t in fty.params]
                    entry.result = freeze(fty.result)
                entry.ready = True
            params, result_ty = entry.params, entry.result
            assert len(params) == nargs
            pyargs = [ty.convert_from_c(args[i]) for i, ty in enumerate(params)]
            result = entry.func(store, *pyargs)
            if result_ty is None:
                assert result is None
            else:
                result_ty.convert_to_c(store, result, results)
        return _wl.catch_exceptions(context, run)


def add_func(iface: Any, name: str, func: Callable[..., Any]) -> None:
    """`iface.add_func(name, func)`, through the caching trampoline (see the module)."""
    if not ENABLED:
        iface.add_func(name, func)
        return
    iface._assert_not_locked()
    name_bytes = name.encode("utf-8")
    name_buf = ctypes.create_string_buffer(name_bytes)
    idx = _wl.FUNCTIONS.allocate(_Import(func))
    err = ffi.wasmtime_component_linker_instance_add_func(iface.ptr(), name_buf, len(name_bytes),
                                                          _trampoline, idx, _wl.func_finalize)
    if err:
        raise WasmtimeError._from_ptr(err)


#: (for tests) the frozen classes, by the class they stand in for.
FROZEN: Dict[type, type] = {ListType: _FrozenList, RecordType: _FrozenRecord,
                            TupleType: _FrozenTuple, VariantType: _FrozenVariant,
                            OptionType: _FrozenOption, ResultType: _FrozenResult,
                            FuncType: _FrozenFuncType}
