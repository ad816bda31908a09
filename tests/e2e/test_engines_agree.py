"""Differential tests: random values of every WIT type sent through the echo component
(`components/echo/`) on both engines, wasmtime's component API and witgen's own Canonical ABI
code ("cabi"). Both must return exactly what was sent.

List and string echoes hand the guest's (pointer, length) straight back, so the value makes a
full round trip through linear memory: lowered by the host into guest memory, lifted back out.
"""

from __future__ import annotations

import array
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import wasmtime
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from witgen.runtime.cabi import fastcall

from .build import SPECS
from .conftest import generate_bindings, submodule

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="session")
def echo_wasm() -> Path:
    from .conftest import _built

    return _built("echo")


@pytest.fixture(scope="session")
def echo_pkg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    spec = SPECS["echo"]
    return generate_bindings(tmp_path_factory, spec.wit_path, "witgen_e2e_echo", world=spec.world)


@pytest.fixture(scope="session")
def engines(echo_pkg: ModuleType, echo_wasm: Path) -> dict[str, Any]:
    config = wasmtime.Config()
    config.wasm_component_model_map = True
    engine = wasmtime.Engine(config)
    made = {abi: echo_pkg.Echo.from_file(echo_wasm, engine=engine, abi=abi) for abi in ("wasmtime", "cabi")}
    saved, fastcall.COMPILED = fastcall.COMPILED, False  # an instance that keeps to the plain paths
    try:
        made["cabi-ctypes"] = echo_pkg.Echo.from_file(echo_wasm, engine=engine, abi="cabi")
    finally:
        fastcall.COMPILED = saved
    return made


def test_both_engines_are_really_in_use(engines: dict[str, Any]) -> None:
    from witgen.runtime.cabi.engine import CabiInstance
    from witgen.runtime.wasmtime.instance import Instance

    assert type(engines["wasmtime"]._rt) is Instance
    assert type(engines["cabi"]._rt) is CabiInstance and engines["cabi"]._rt.compiled
    assert type(engines["cabi-ctypes"]._rt) is CabiInstance and not engines["cabi-ctypes"]._rt.compiled


# --------------------------------------------------------------------------- strategies

chars = st.characters(blacklist_categories=("Cs",))
text = st.text(alphabet=chars, max_size=12)


def ints(bits: int, signed: bool) -> st.SearchStrategy[int]:
    if signed:
        return st.integers(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    return st.integers(0, (1 << bits) - 1)


f32s = st.floats(width=32, allow_nan=False)
f64s = st.floats(allow_nan=False)


def scalars_strategy(types: ModuleType) -> st.SearchStrategy[Any]:
    """Random `scalars` records of the module `types`: every scalar type, full ranges."""
    return st.builds(
        types.Scalars,
        flag=st.booleans(),
        tiny=ints(8, True),
        byte=ints(8, False),
        short=ints(16, True),
        ushort=ints(16, False),
        int=ints(32, True),
        uint=ints(32, False),
        long=ints(64, True),
        ulong=ints(64, False),
        single=f32s,
        double=f64s,
        letter=chars,
    )


def everything_strategy(types: ModuleType) -> st.SearchStrategy[Any]:
    """Random `everything` records of the module `types` (with a `table` map if it has one)."""
    import dataclasses

    from witgen.runtime.types import Err, Ok, Some

    scalars = scalars_strategy(types)
    shape = st.one_of(
        st.builds(types.Shape_Circle, f64s),
        st.builds(types.Shape_Label, text),
        st.builds(types.Shape_Points, st.lists(st.tuples(ints(32, True), ints(32, True)), max_size=4)),
        st.just(types.Shape_Empty()),
    )
    perms = st.sampled_from([types.Perms(i) for i in range(8)])
    if "table" in {f.name for f in dataclasses.fields(types.Everything)}:
        optional = {"table": st.dictionaries(text, ints(32, False), max_size=4)}
    else:
        optional = {}
    return st.builds(
        types.Everything,
        scalars=scalars,
        name=text,
        blob=st.binary(max_size=16),
        nums=st.lists(ints(32, False), max_size=6),
        floats=st.lists(f64s, max_size=4),
        maybe=st.one_of(st.none(), text),
        nested=st.one_of(st.none(), st.builds(Some, st.one_of(st.none(), ints(16, False)))),
        outcome=st.one_of(st.builds(Ok, ints(32, False)), st.builds(Err, text)),
        unit=st.one_of(st.just(Ok(None)), st.just(Err(None))),
        shape=shape,
        color=st.sampled_from(list(types.Color)),
        perms=perms,
        pair=st.tuples(text, st.lists(ints(64, True), max_size=4)),
        tags=st.lists(text, max_size=4),
        bools=st.lists(st.booleans(), max_size=5),
        chars=st.lists(chars, max_size=5),
        **optional,
    )


def _types_module(pkg: ModuleType) -> ModuleType:
    return submodule(pkg, "imports.types")


# --------------------------------------------------------------------------- tests


def test_everything_with_a_map_round_trips_on_both_engines(
    engines: dict[str, Any], echo_pkg: ModuleType
) -> None:
    strategy = st.lists(everything_strategy(_types_module(echo_pkg)), max_size=3)

    @SETTINGS
    @given(strategy)
    def check(values: list[Any]) -> None:
        for abi, inst in engines.items():
            assert inst.echo_everything(values) == values, abi

    check()


@SETTINGS
@given(st.lists(text, max_size=8), st.binary(max_size=64), st.lists(ints(32, False), max_size=16), text)
def test_strings_and_lists_round_trip(
    engines: dict[str, Any], strings: list[str], blob: bytes, nums: list[int], s: str
) -> None:
    for abi, inst in engines.items():
        assert inst.echo_strings(strings) == strings, abi
        assert inst.echo_bytes(blob) == blob, abi
        assert inst.echo_u32s(nums) == nums, abi
        assert inst.echo_string(s) == s, abi


@SETTINGS
@given(ints(64, False), ints(8, True), f32s, f64s, chars)
def test_flat_scalars_round_trip(engines: dict[str, Any], u: int, s: int, f: float, d: float, c: str) -> None:
    for abi, inst in engines.items():
        assert inst.echo_u64(u) == u, abi
        assert inst.echo_s8(s) == s, abi
        assert inst.echo_f32(f) == f, abi
        assert inst.echo_f64(d) == d, abi
        assert inst.echo_char(c) == c, abi


def test_flat_variant_payloads_are_joined(engines: dict[str, Any]) -> None:
    """`result<f32, u64>` passes (i32, i64): an f32 payload travels as i64 bits. As a
    function's result, `ok` is returned and `err` raised."""
    from witgen.runtime.types import Err, Ok

    for abi, inst in engines.items():
        for x in (1.5, -0.0, float("inf"), -(2.0**127) * 1.5):
            assert inst.echo_result(Ok(x)) == x, abi
        for n in (0, 2**64 - 1, 2**32 + 7):
            with pytest.raises(Err) as raised:
                inst.echo_result(Err(n))
            assert raised.value.value == n, abi


def test_spilled_record_result_and_enum_flags(engines: dict[str, Any], echo_pkg: ModuleType) -> None:
    types = _types_module(echo_pkg)
    value = types.Scalars(
        True, -128, 255, -32768, 65535, -(2**31), 2**32 - 1, -(2**63), 2**64 - 1, 0.25, -1e300, "\U0010ffff"
    )
    for abi, inst in engines.items():
        assert inst.echo_scalars(value) == value, abi
        assert inst.echo_color(types.Color.BLUE) is types.Color.BLUE, abi
        assert (
            inst.echo_perms(types.Perms.READ | types.Perms.EXEC) == types.Perms.READ | types.Perms.EXEC
        ), abi


def test_bulk_inputs_are_accepted_without_copies_of_items(
    engines: dict[str, Any], echo_pkg: ModuleType
) -> None:
    types = _types_module(echo_pkg)
    points = [types.Point(float(i), -float(i), i, i % 2 == 0) for i in range(100)]
    nums = array.array("I", range(1000))
    for abi, inst in engines.items():
        assert inst.echo_points(points) == points, abi
        assert inst.echo_u32s(nums) == list(nums), abi
        assert inst.echo_bytes(bytearray(b"abc")) == b"abc", abi
        assert inst.echo_bytes(memoryview(b"xyz")) == b"xyz", abi


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda e: e.echo_u32s([1, -1]), ValueError, "parameter 'x'"),
        (lambda e: e.echo_u32s([1, "2"]), TypeError, "parameter 'x'"),
        (lambda e: e.echo_s8(128), ValueError, "128 is out of range for s8"),
        (lambda e: e.echo_char("ab"), ValueError, "parameter 'x'"),
        (lambda e: e.echo_string(b"x"), TypeError, "parameter 'x'"),
        (lambda e: e.echo_string("\ud800"), ValueError, "parameter 'x'"),
        (lambda e: e.echo_u64(True), TypeError, "parameter 'x'"),
        (lambda e: e.echo_color(1), TypeError, "parameter 'x'"),
    ],
)
def test_bad_values_fail_the_same_way_before_entering_wasm(
    engines: dict[str, Any], call: Any, error: type[Exception], message: str
) -> None:
    for abi, inst in engines.items():
        with pytest.raises(error, match=message):
            call(inst)
        assert inst.add(1, 2) == 3, f"{abi}: the instance must still work"


def test_engine_flag_sets_the_default_and_env_or_abi_override_it(
    tmp_path_factory: pytest.TempPathFactory, echo_wasm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import sys

    from witgen.runtime.cabi.engine import CabiInstance
    from witgen.runtime.wasmtime.instance import Instance

    from .conftest import ROOT, _subprocess_env

    out = tmp_path_factory.mktemp("engine-flag") / "witgen_e2e_echo_cabi"
    cmd = [
        sys.executable,
        "-m",
        "witgen",
        "host",
        str(SPECS["echo"].wit_path),
        "--engine",
        "cabi",
        "-o",
        str(out),
    ]
    subprocess.run(cmd, cwd=ROOT, env=_subprocess_env(), check=True)
    sys.path.insert(0, str(out.parent))
    import importlib

    pkg = importlib.import_module(out.name)
    monkeypatch.delenv("WITGEN_ABI", raising=False)
    config = wasmtime.Config()
    config.wasm_component_model_map = True
    engine = wasmtime.Engine(config)
    assert type(pkg.Echo.from_file(echo_wasm, engine=engine)._rt) is CabiInstance
    assert type(pkg.Echo.from_file(echo_wasm, engine=engine, abi="wasmtime")._rt) is Instance
    monkeypatch.setenv("WITGEN_ABI", "wasmtime")
    assert type(pkg.Echo.from_file(echo_wasm, engine=engine)._rt) is Instance
    with pytest.raises(ValueError, match="abi must be"):
        pkg.Echo.from_file(echo_wasm, engine=engine, abi="fast")
