"""Regression: an import's option/result/variant parameters are lifted into temporaries that
must not clobber the core parameters after them (or the return pointer), and a variant result
goes back to the address the guest gave. Checked on the host side, on both engines."""

from __future__ import annotations

from typing import Any

import pytest

from hostile.harness import ENGINES, Hostile
from witgen.runtime.types import Err, Ok

FORWARD = Hostile(
    """variant v { a(u32), b(f64), c }
import g: func(o: option<u32>, r: result<u32, u8>, x: v, n: u32) -> v;
export f: func() -> v;""",
    """(module
  (import "$root" "g" (func $g (param i32 i32 i32 i32 i32 i64 i32 i32)))
  (memory (export "memory") 1)
  (func (export "f") (result i32)
    (call $g (i32.const 1) (i32.const 11) (i32.const 1) (i32.const 22)
             (i32.const 1) (i64.const 0x4004000000000000) (i32.const 33) (i32.const 64))
    (i32.const 64))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096)))""",
)


@pytest.mark.parametrize("abi", ENGINES)
@pytest.mark.parametrize("answer", ["a", "b", "c"])
def test_import_params_and_variant_result_keep_their_places(abi: str, answer: str) -> None:
    pkg = FORWARD.package()
    results = {"a": pkg.V_A(44), "b": pkg.V_B(1.5), "c": pkg.V_C()}
    seen: list[tuple[Any, ...]] = []

    def g(o: Any, r: Any, x: Any, n: int) -> Any:
        seen.append((o, r, x, n))
        return results[answer]

    assert FORWARD.load(abi, g=g).f() == results[answer]
    assert seen == [(11, Err(22), pkg.V_B(2.5), 33)]
    assert not isinstance(seen[0][1], Ok)
