"""Lists of plain records (numbers and bools only) on the cabi engine: the compiled helper
(`_wire.pack_records`/`unpack_records`) packs and builds them, with the generated loop beside it
(`cabi-ctypes`, the helper off) for everything it leaves alone. Both paths and the wasmtime
engine must give the same values and the same errors, in both directions (an export's argument
and result, and a host import's argument and result)."""

from __future__ import annotations

import math
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import wasmtime

from witgen.runtime.cabi import fastcall

from .conftest import bindings_from_wat

R = '(record (field "a" bool) (field "b" s8) (field "c" u8) (field "d" s16) (field "e" u16) (field "f" s32) (field "g" u32) (field "h" s64) (field "i" u64) (field "j" f32) (field "k" f64))'

WAT = """(component
  (type $r' {R})
  (import "r" (type $r (eq $r')))
  (import "take" (func $take (param "x" (list $r)) (result (list $r))))
  (core module $M
    (memory (export "mem") 1)
    (global $heap (mut i32) (i32.const 1024))
    (func $realloc (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $heap) (i32.const 7)) (i32.const -8)))
      (global.set $heap (i32.add (local.get $p) (local.get 3)))
      (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
        (then (drop (memory.grow (i32.const 16)))))
      (local.get $p))
    (func (export "echo") (param i32 i32) (result i32)
      (i32.store (i32.const 8) (local.get 0))
      (i32.store (i32.const 12) (local.get 1))
      (i32.const 8)))
  (core instance $m (instantiate $M))
  (core func $take' (canon lower (func $take) (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (core module $N
    (import "" "take" (func $take (param i32 i32 i32)))
    (func (export "via-host") (param i32 i32) (result i32)
      (call $take (local.get 0) (local.get 1) (i32.const 16))
      (i32.const 16)))
  (core instance $n (instantiate $N (with "" (instance (export "take" (func $take'))))))
  (func (export "echo") (param "x" (list $r)) (result (list $r))
    (canon lift (core func $m "echo") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (func (export "via-host") (param "x" (list $r)) (result (list $r))
    (canon lift (core func $n "via-host") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
)""".replace("{R}", R)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleType, Path]:
    return bindings_from_wat(tmp_path_factory, WAT, "witgen_record_lists")


@pytest.fixture
def abi(engine_path: str) -> str:
    return engine_path


class Host:
    def __init__(self) -> None:
        self.reply: Any = None
        self.got: Any = None

    def take(self, x: Any) -> Any:
        self.got = x
        return x if self.reply is None else self.reply


def _load(built: tuple[ModuleType, Path], abi: str) -> tuple[Any, Any, Host]:
    pkg, path = built
    host = Host()
    c = pkg.Root.from_file(
        path, abi=abi, engine=wasmtime.Engine(), cache_dir=False, imports=pkg.RootImports(take=host.take)
    )
    return c, pkg.R, host


def _rows(R: Any) -> list[Any]:
    return [
        R(True, -128, 255, -32768, 65535, -(2**31), 2**32 - 1, -(2**63), 2**64 - 1, 1.5, -0.0),
        R(False, 127, 0, 32767, 0, 2**31 - 1, 0, 2**63 - 1, 0, float("inf"), float("-inf")),
        R(True, 0, 1, 2, 3, 4, 5, 6, 7, 3.4028234663852886e38, 1e308),
    ]


def test_the_compiled_path_is_there() -> None:
    assert fastcall.record_codecs()[1] is not None


def test_values_round_trip_both_directions(built: tuple[ModuleType, Path], abi: str) -> None:
    c, R, host = _load(built, abi)
    rows = _rows(R)
    assert c.echo(rows) == rows
    assert c.echo(tuple(rows)) == rows
    assert c.echo([]) == []
    assert c.via_host(rows) == rows and host.got == rows
    assert all(type(r) is R for r in c.echo(rows) + host.got)
    out = c.echo([R(True, 0, 0, 0, 0, 0, 0, 0, 0, float("nan"), float("nan"))])[0]
    assert math.isnan(out.j) and math.isnan(out.k)
    f32 = c.echo([R(True, 0, 0, 0, 0, 0, 0, 0, 0, 0.1, 0.1)])[0]
    assert f32.j == 0.10000000149011612 and f32.k == 0.1


def test_values_the_helper_leaves_to_the_loop(built: tuple[ModuleType, Path], abi: str) -> None:
    """Ints for floats and a generator instead of a list: converted by the generated loop."""
    c, R, _ = _load(built, abi)
    row = R(True, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)  # ints in the float fields
    assert c.echo([row]) == [R(True, 1, 2, 3, 4, 5, 6, 7, 8, 9.0, 10.0)]
    assert c.echo(list(_rows(R))[:1] * 3) == _rows(R)[:1] * 3


BAD = [
    ("a", 1, "bool"),
    ("b", 128, "s8"),
    ("c", -1, "u8"),
    ("e", 65536, "u16"),
    ("g", 2**32, "u32"),
    ("h", 2**63, "s64"),
    ("i", -1, "u64"),
    ("j", 1e39, "f32"),
    ("k", "1.0", "f64"),
    ("g", True, "u32 as bool"),
]


@pytest.mark.parametrize(("field", "value", "why"), BAD, ids=[b[2] for b in BAD])
def test_bad_values_are_refused_alike(
    built: tuple[ModuleType, Path], abi: str, field: str, value: Any, why: str
) -> None:
    c, R, host = _load(built, abi)
    rows = _rows(R)
    setattr(rows[1], field, value)
    with pytest.raises((TypeError, ValueError)) as raised:
        c.echo(rows)
    assert "x" in str(raised.value)  # names the parameter
    host.reply = rows
    with pytest.raises(Exception):  # noqa: B017 - a bad import result traps the call
        c.via_host(_rows(R))


@pytest.mark.parametrize("compiled", [True, False], ids=["cabi", "cabi-ctypes"])
def test_a_subclass_is_not_the_record(
    built: tuple[ModuleType, Path], compiled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cabi engine's checks take a record's own class only, on both paths (the wasmtime
    engine's codecs take subclasses too: a difference one definition of the checks removes)."""
    monkeypatch.setattr(fastcall, "COMPILED", compiled)
    c, R, _ = _load(built, "cabi")

    class Sub(R):  # type: ignore[misc, valid-type]
        pass

    row = Sub(*[getattr(_rows(R)[0], f) for f in "abcdefghijk"])
    with pytest.raises(TypeError, match="x"):
        c.echo([row])
