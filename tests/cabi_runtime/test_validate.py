"""Full validation at load on the cabi engine (issue 22): wasmtime's validator over a skeleton of
the component (core bodies stubbed) plus core validation of every module, once per digest."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import wasmtime

from witgen.runtime.cabi import validate
from witgen.runtime.cabi.modules import _key, prepare
from witgen.runtime.errors import DecodeError, LinkError
from witgen.runtime.loading import default_engine
from witgen.runtime.wasmtime.compile import compile_component

BuildWat = Callable[[str], bytes]

_BUSY_MODULE = """
  (core module $busy
    (memory (export "memory") 1)
    (func (export "work") (param i32) (result i32)
      (local i32)
      (local.set 1 (i32.mul (local.get 0) (i32.const 3)))
      (i32.add (local.get 1) (i32.const 1))))
  (core instance $b (instantiate $busy))
"""

VALID = f"""(component
  {_BUSY_MODULE}
  (func (export "work") (param "x" u32) (result u32) (canon lift (core func $b "work"))))"""

# the lift's core function takes i32 where the component type needs (i32, i32): invalid, after
# a module with real bodies (the skeleton's offsets differ from the original's there)
MISTYPED_LIFT = f"""(component
  {_BUSY_MODULE}
  (component $inner
    (core module $m (func (export "f") (param i32) (result i32) local.get 0))
    (core instance $i (instantiate $m))
    (func (export "f") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "f"))))
  (instance $c (instantiate $inner))
  (export "f" (func $c "f")))"""

# a core function body that doesn't type-check, in a module nothing instantiates
BAD_BODY_UNUSED = """(component
  (core module $never (func (result i32) (i32.add (i32.const 1))))
  (core module $m (func (export "f") (result i32) i32.const 7))
  (core instance $i (instantiate $m))
  (func (export "f") (result u32) (canon lift (core func $i "f"))))"""

ASYNC_BUILTIN = """(component
  (core func $yield (canon thread.yield))
  (core module $m (import "" "yield" (func (result i32))) (func (export "f") (result i32) i32.const 1))
  (core instance $i (instantiate $m (with "" (instance (export "yield" (func $yield))))))
  (func (export "f") (result u32) (canon lift (core func $i "f"))))"""


def _refusal(data: bytes, abi: str) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        if abi == "cabi":
            prepare(data, default_engine(), False)
        else:
            compile_component(default_engine(), data, False)
    return info.value


def test_valid_component_loads(build_wat: BuildWat) -> None:
    data = build_wat(VALID)
    assert prepare(data, default_engine(), False).component is not None


def test_invalid_nested_lift_refused_like_wasmtime_at_the_same_offset(build_wat: BuildWat) -> None:
    data = build_wat(MISTYPED_LIFT)
    cabi, wasmtime_engine = _refusal(data, "cabi"), _refusal(data, "wasmtime")
    assert str(cabi) == str(wasmtime_engine)
    assert "core function" in cabi.message and cabi.offset is not None
    # the offset is the original's: inside the nested component, past the busy module
    assert data.index(b"\x00asm", 8) < cabi.offset < len(data)


def test_skeleton_offsets_map_back(build_wat: BuildWat) -> None:
    data = build_wat(MISTYPED_LIFT)
    found = validate.skeleton(data)
    assert found is not None and found.size < len(data)
    skeleton = found.data()
    # every byte the skeleton copied maps back to the same byte of the original
    for start, origin, piece in zip(found.starts, found.origins, found.parts, strict=True):
        if isinstance(piece, memoryview):
            for delta in (0, len(piece) - 1):
                assert found.original_offset(start + delta) == origin + delta
                assert skeleton[start + delta] == data[origin + delta]
    assert [bytes(m) for _, m in found.modules] == [data[base : base + len(m)] for base, m in found.modules]


def test_core_body_of_an_uninstantiated_module_is_validated(build_wat: BuildWat) -> None:
    error = _refusal(build_wat(BAD_BODY_UNUSED), "cabi")
    assert "core module at byte offset" in error.message
    assert "type mismatch" in error.message


def test_not_a_binary_is_refused() -> None:
    with pytest.raises(DecodeError, match="not a component binary"):
        prepare(b"(component)", default_engine(), False)


def test_async_builtin_passes_validation_and_meets_the_engines_refusal(build_wat: BuildWat) -> None:
    """The validator enables async, so the refusal is the cabi engine's own, naming what it lacks."""
    from witgen.runtime.cabi.instantiate import plan_of

    prepared = prepare(build_wat(ASYNC_BUILTIN), default_engine(), False)
    with pytest.raises(LinkError, match="thread.yield.*not supported"):
        plan_of(prepared)


def test_verdict_is_cached_on_disk(
    build_wat: BuildWat, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = build_wat(VALID) + b"\x00\x05\x04once"  # bytes no other test loads (a custom section)
    digest = _key(data)
    prepare(data, default_engine(), tmp_path)
    assert (tmp_path / "cabi" / f"{digest}.valid").exists()
    # another process: nothing remembered in memory, the marker on disk answers
    monkeypatch.setattr(validate, "_VALID", set())

    def no_compile(*args: object) -> None:
        raise AssertionError("validated again")

    monkeypatch.setattr(validate, "_check_structure", no_compile)
    validate.validate(data, default_engine(), digest, tmp_path / "cabi")


def test_invalid_verdict_is_never_cached(build_wat: BuildWat, tmp_path: Path) -> None:
    data = build_wat(MISTYPED_LIFT)
    for _ in range(2):
        with pytest.raises(DecodeError):
            prepare(data, default_engine(), tmp_path)
    assert not list(tmp_path.rglob("*.valid"))


def _fixed_list_component(core_params: str) -> str:
    return f"""(component
  (core module $m (func (export "f") (param {core_params}) (result i32) local.get 0))
  (core instance $i (instantiate $m))
  (func (export "f") (param "x" (list u32 2)) (result u32) (canon lift (core func $i "f"))))"""


def test_fixed_length_lists_are_left_to_the_engines_own_checks(build_wat: BuildWat) -> None:
    """wasmtime's C API can't enable fixed-length lists; the cabi engine runs them, so wasmtime's
    refusal of the feature is not taken as a verdict: the planner's checks run at load instead."""
    data = build_wat(_fixed_list_component("i32 i32"))
    with pytest.raises(wasmtime.WasmtimeError, match="fixed-length lists"):
        wasmtime.component.Component(validate.validator_engine(), data)
    prepared = prepare(data, default_engine(), False)
    assert not prepared.judged and prepared.plan is not None
    # the same component lifting a core function of the wrong type: refused at load, not later
    with pytest.raises(LinkError, match=r"\(func \(param i32\) \(result i32\)\)"):
        prepare(build_wat(_fixed_list_component("i32")), default_engine(), False)
