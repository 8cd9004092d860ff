"""`_witcache`: the frozen types convert exactly as wasmtime-py's own. Values are lowered with
one and lifted with the other, both ways, for the component's richest types (request options,
a tagged result of a record, lists of records and tuples, options, variants, strings that are
empty or not ASCII)."""

from __future__ import annotations

import ctypes

import pytest
from wasmtime import _ffi as ffi
from wasmtime.component import Func, Record, Variant

from requests_wasm import PemData, _witcache
from requests_wasm._component import SESSION, TYPES, Instance, rec
from requests_wasm.options import _request_options, _send_options

pytestmark = pytest.mark.skipif(not _witcache.ENABLED, reason="another wasmtime-py")


@pytest.fixture(scope="module")
def inst() -> Instance:
    return Instance(env=[])


def fresh(inst: Instance, interface: str, name: str):
    """The function's type as wasmtime-py reads it (not frozen), and a frozen copy."""
    f = inst.func(interface, name)
    return Func.type(f, inst.store), _witcache.freeze(Func.type(f, inst.store))


def both_ways(store, plain, frozen, value):
    for lower, lift in ((plain, frozen), (frozen, plain)):
        raw = ffi.wasmtime_component_val_t()
        lower.convert_to_c(store, value, ctypes.pointer(raw))
        assert lift.convert_from_c(raw) == value


OPTIONS = [
    None,
    _request_options(params={"q": ["1", "2"], "é": ""}, headers={"X-A": "ü", "X-Gone": None},
                     cookies={"c": "v"}, json={"k": [1, "二"]}, auth=("user", "pässword"),
                     timeout=(1.5, None), allow_redirects=False, stream=True, verify=False,
                     cert=("/c.pem", "/k.pem"), proxies={"https": "http://p:3128"}),
    _request_options(data=b"\x00\xff binary", verify=PemData("-----BEGIN CERTIFICATE-----\n"),
                     cert=PemData("pem"), timeout=3),
    _request_options(data={"a": "1"}, headers=[("Accept", "")], auth=False),
]


def test_request_options_round_trip(inst: Instance) -> None:
    plain, frozen = fresh(inst, SESSION, "[method]session.get")
    assert type(frozen.params[2][1]) is _witcache.FROZEN[type(plain.params[2][1])]
    for value in OPTIONS:
        both_ways(inst.store, plain.params[2][1], frozen.params[2][1], value)
        both_ways(inst.store, plain.params[1][1], frozen.params[1][1], "http://h/é?q=")


def test_tagged_result_of_a_record(inst: Instance) -> None:
    plain, frozen = fresh(inst, SESSION, "[method]session.merge-environment-settings")
    assert frozen.result._tagged() is plain.result._tagged() is True
    settings = rec(proxies=[("http", "http://p:1")], proxy=None, stream=True,
                   verify=Variant("ca-bundle", Variant("data", "PEM")),
                   cert=rec(cert=Variant("path", "/c"), key=None), netrc_auth=False)
    both_ways(inst.store, plain.result, frozen.result, Variant("ok", settings))
    head = rec(status=302, reason="Found", url="http://h/",
               headers=[("Location", "/"), ("Set-Cookie", "")])
    error = rec(kind="invalid-url", message="bad ü", url=None, code="x", response=head,
                history=[head])
    both_ways(inst.store, plain.result, frozen.result, Variant("err", error))
    for value in (Variant("ok", settings), Variant("err", error)):  # what _lower tests
        assert frozen.result._lower(inst.store, value)[0] == value.tag


def test_untagged_results_options_and_lists(inst: Instance) -> None:
    plain, frozen = fresh(inst, SESSION, "[method]session.cookies")
    cookies = [rec(name="a", value="", domain="h", host_only=True, path="/", secure=False,
                   http_only=True, expires=None),
               rec(name="ü", value="v;", domain="", host_only=False, path="/p", secure=True,
                   http_only=False, expires=-5)]
    both_ways(inst.store, plain.result, frozen.result, cookies)
    both_ways(inst.store, plain.result, frozen.result, [])
    plain, frozen = fresh(inst, TYPES, "[method]response.read-chunk")
    assert frozen.result._tagged() is plain.result._tagged()
    for value in (b"\x00\x01\xff", b"", None):
        both_ways(inst.store, plain.result, frozen.result, value)
    plain, frozen = fresh(inst, SESSION, "[method]session.send")
    both_ways(inst.store, plain.params[2][1], frozen.params[2][1],
              _send_options(timeout=(None, 2), verify="/ca.pem", proxies={"all": "http://x"}))


def test_wrong_values_fail_as_before(inst: Instance) -> None:
    plain, frozen = fresh(inst, SESSION, "[method]session.get")
    for ty in (plain.params[1][1], frozen.params[1][1]):
        with pytest.raises(TypeError):
            ty.convert_to_c(inst.store, b"bytes", ctypes.pointer(ffi.wasmtime_component_val_t()))
    bad = Record()   # a record without its fields
    for ty in (plain.params[2][1], frozen.params[2][1]):
        with pytest.raises(AttributeError):
            ty.convert_to_c(inst.store, bad, ctypes.pointer(ffi.wasmtime_component_val_t()))
