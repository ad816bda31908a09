"""A guest whose memory has 0 pages can still take empty values: `realloc` may return 0 for
0 bytes (in bounds), and storing nothing there must work on every engine and path. The cabi
engine's view of such a memory was the read-only `memoryview(b"")`, so storing an empty
`list<u8>` or string raised a foreign `TypeError` instead of calling the guest. Anything that
needs a byte still traps (a realloc result beyond the end of memory)."""

from __future__ import annotations

from typing import Any

import pytest
import wasmtime

from hostile.harness import Hostile
from witgen.runtime import Trap
from witgen.runtime.cabi import fastcall

WIT = """record p { a: bool, b: u32 }
export take-bytes: func(a: list<u8>) -> u32;
export take-string: func(a: string) -> u32;
export take-strings: func(a: list<string>) -> u32;
export take-points: func(a: list<p>) -> u32;"""

WAT = """(module
  (memory (export "memory") 0)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "take-bytes") (param i32 i32) (result i32) (local.get 1))
  (func (export "take-string") (param i32 i32) (result i32) (local.get 1))
  (func (export "take-strings") (param i32 i32) (result i32) (local.get 1))
  (func (export "take-points") (param i32 i32) (result i32) (local.get 1)))"""

COMPONENT = Hostile(WIT, WAT)


@pytest.fixture(params=("wasmtime", "cabi", "cabi-ctypes"))
def abi(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "cabi-ctypes":
        monkeypatch.setattr(fastcall, "COMPILED", False)
        return "cabi"
    return str(request.param)


@pytest.mark.parametrize(
    ("call", "arg"), [("take_bytes", b""), ("take_string", ""), ("take_strings", []), ("take_points", [])]
)
def test_empty_values_go_into_an_empty_memory(abi: str, call: str, arg: Any) -> None:
    c = COMPONENT.load(abi)
    assert getattr(c, call)(arg) == 0
    assert getattr(c, call)(arg) == 0


def test_a_value_that_needs_a_byte_traps(abi: str) -> None:
    with pytest.raises(Trap, match="beyond end of memory"):
        COMPONENT.load(abi).take_bytes(b"x")


def test_the_view_of_an_empty_memory_is_writable(abi: str) -> None:
    store = wasmtime.Store()
    instance = wasmtime.Instance(store, wasmtime.Module(store.engine, '(module (memory (export "m") 0))'), [])
    memory = instance.exports(store)["m"]
    assert isinstance(memory, wasmtime.Memory)
    view = fastcall.memory(store, memory).view()
    assert len(view) == 0 and not view.readonly
    view[0:0] = b""
