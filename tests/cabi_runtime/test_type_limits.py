"""Value types' size limit (CanonicalABI.md "Element Size", the spec suite's
validation/max-value-size.wast): every value type a component defines is smaller than 2^28 bytes
laid out with 64-bit pointers. The cabi planner applies that rule itself, in one pass over
shared types, and fixed-length lists up to the limit load and pass between components without
being expanded element by element. (wasmtime-py 50 doesn't enable fixed-length lists, so the
wasmtime engine refuses all of these components.)"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import wasmtime

from witgen.component import types as t
from witgen.runtime.cabi.convert import Fields, FixedList, codec
from witgen.runtime.cabi.instantiate import instantiate
from witgen.runtime.errors import LinkError

from .resolvers import Resolver

VALID = [
    "(type (list u8 268435455))",
    "(type (list u64 33554431))",
    "(type (list string 16777215))",
    "(type (map u8 (list u8 4)))",
    "(type (tuple (list u8 268435454) (list u8 1)))",
    '(type (record (field "a" (list u8 134217727)) (field "b" (list u8 134217728))))',
    "(type (list (list u8 134217727) 2))",
    "(type (map u8 (list u8 268435455)))",
    "(type (option (map u8 (list u8 268435455))))",
    "(type (stream (list u8 268435455)))",
]
INVALID = [
    "(type (list u8 268435456))",
    "(type (list u64 33554432))",
    "(type (list u64 536870912))",  # 2^32 bytes: a 32-bit product would wrap to 0
    "(type (tuple (list u8 268435455) (list u8 1)))",
    '(type (record (field "a" (list u8 134217728)) (field "b" (list u8 134217728))))',
    "(type (list (list u8 268435455) 2))",
    "(type (list string 16777216))",  # 2^28 with 16-byte strings, 2^27 with 8-byte ones
    '(type (variant (case "a" (list u8 268435455)) (case "b")))',
]


def _load(build_wat: Callable[[str], bytes], body: str) -> None:
    store = wasmtime.Store()
    instantiate(build_wat(f"(component {body})"), store, Resolver(store), cache_dir=False)


def test_types_up_to_the_limit_load_fast(build_wat: Callable[[str], bytes]) -> None:
    build_wat(f"(component {' '.join(VALID)})")
    started = time.perf_counter()
    _load(build_wat, " ".join(VALID))
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("body", INVALID)
def test_types_past_the_limit_are_refused(build_wat: Callable[[str], bytes], body: str) -> None:
    with pytest.raises(LinkError, match="exceeds maximum byte size"):
        _load(build_wat, body)


def test_fixed_list_codecs_are_not_expanded() -> None:
    started = time.perf_counter()
    c = codec(t.ListType(t.Tuple((t.Prim("u8"), t.Prim("u32"))), (1 << 28) - 1))
    assert isinstance(c, FixedList) and isinstance(c.elem, Fields)
    assert (c.size, c.align, c.flat) == (8 * ((1 << 28) - 1), 4, None)  # None: it spills
    small = codec(t.ListType(t.Prim("u16"), 3))
    assert small.flat == ("i32",) * 3
    assert time.perf_counter() - started < 0.1


N = 3_000_000
FUSED = f"""(component
  (component $C
    (core module $CM
      (memory (export "mem") 64)
      (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
      (func (export "take") (param $p i32) (result i32)
        (i32.add (i32.load8_u (local.get $p)) (i32.load8_u (i32.add (local.get $p) (i32.const {N - 1}))))))
    (core instance $cm (instantiate $CM))
    (func (export "take") (param "a" (list u8 {N})) (result u32)
      (canon lift (core func $cm "take") (memory (core memory $cm "mem")) (realloc (core func $cm "realloc")))))
  (component $D
    (import "take" (func $take (param "a" (list u8 {N})) (result u32)))
    (core module $Mem (memory (export "mem") 64))
    (core instance $mem (instantiate $Mem))
    (core func $take' (canon lower (func $take) (memory (core memory $mem "mem"))))
    (core module $DM
      (import "" "mem" (memory 1))
      (import "" "take" (func $take (param i32) (result i32)))
      (func (export "run") (result i32)
        (i32.store8 (i32.const 16) (i32.const 40))
        (i32.store8 (i32.const {16 + N - 1}) (i32.const 2))
        (call $take (i32.const 16))))
    (core instance $dm (instantiate $DM (with "" (instance (export "mem" (memory $mem "mem")) (export "take" (func $take'))))))
    (func (export "run") (result u32) (canon lift (core func $dm "run"))))
  (instance $c (instantiate $C))
  (instance $d (instantiate $D (with "take" (func $c "take"))))
  (func (export "run") (alias export $d "run")))"""


def test_a_large_fixed_list_crosses_a_fused_adapter_as_bytes(build_wat: Callable[[str], bytes]) -> None:
    """3 MB in a spilled fixed-length list: one copy, not three million element codecs."""
    store = wasmtime.Store()
    inst = instantiate(build_wat(FUSED), store, Resolver(store), cache_dir=False)
    started = time.perf_counter()
    assert inst.exports["run"].core(store) == 42
    assert time.perf_counter() - started < 1.0
