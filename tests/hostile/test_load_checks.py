"""Hostile components rejected at load: a `LinkError` naming the function and both types, on
both engines, before any call, and the process lives on (issue 16, "validate before trusting").
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from witgen.runtime.cabi import corecheck, exportcheck, instantiate, modules
from witgen.runtime.cabi.engine import CabiComponent
from witgen.runtime.cabi.modules import Prepared
from witgen.runtime.errors import DecodeError, LinkError, Trap
from witgen.runtime.loading import default_engine

from . import load_check_components as L

ENGINES = ["wasmtime", "cabi"]


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("load-checks")


def _imports(pkg: ModuleType) -> Any:
    """Whatever the case's world imports, implemented trivially."""
    if "api" in getattr(pkg.WImports, "__dataclass_fields__", {}):

        class R:
            pass

        return pkg.WImports(api=type("Api", (), {"R": R})())
    if "g" in getattr(pkg.WImports, "__dataclass_fields__", {}):
        return pkg.WImports(g=lambda x: None)
    return pkg.WImports()


def _load(case: L.Case, work: Path, abi: str, wit: str | None = None) -> Any:
    pkg = L.bindings(wit or case.bindings_wit, work)
    return pkg.W.from_bytes(L.build(case, work), imports=_imports(pkg), abi=abi, cache_dir=False)


@pytest.mark.parametrize("abi", ENGINES)
@pytest.mark.parametrize("case", L.BINDING_MISMATCHES, ids=lambda c: c.name)
def test_export_of_another_type_is_a_link_error(case: L.Case, abi: str, work: Path) -> None:
    with pytest.raises(LinkError) as info:
        _load(case, work, abi)
    message = str(info.value)
    assert "export f" in message, message
    for word in case.mentions:
        assert word in message, f"{word!r} not in {message!r}"


@pytest.mark.parametrize("case", L.CORE_MISMATCHES, ids=lambda c: c.name)
def test_inconsistent_component_is_refused(case: L.Case, work: Path) -> None:
    """Both engines refuse it with the same validator's words (wasmtime's), at the same offset."""
    refusals = []
    for abi in ENGINES:
        with pytest.raises(DecodeError) as info:
            _load(case, work, abi)
        refusals.append(str(info.value))
    assert refusals[0] == refusals[1]
    assert refusals[0].startswith("the component is invalid: ")


@pytest.mark.parametrize("case", L.CORE_MISMATCHES, ids=lambda c: c.name)
def test_cabi_checks_refuse_it_without_the_validator(
    case: L.Case, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cabi engine's own checks stand behind the validator (which can't judge a component
    using a feature wasmtime can't enable, such as fixed-length lists)."""
    monkeypatch.setattr(modules, "validate", lambda *args: None)
    with pytest.raises(LinkError) as info:
        _load(case, work, "cabi")
    for word in case.mentions:
        assert word in str(info.value), f"{word!r} not in {info.value}"


@pytest.mark.parametrize("abi", ENGINES)
def test_matching_bindings_still_run(abi: str, work: Path) -> None:
    """The same components with bindings of their own types: they load and answer."""
    eight = "export f: func(a: u32, b: u32, c: u32, d: u32, e: u32, g: u32, h: u32, k: u32) -> u32;"
    w = _load(L.EIGHT_PARAMS, work, abi, wit=L._world("  " + eight))
    assert w.f(1, 2, 3, 4, 5, 6, 7, 8) == 8
    wide = "export f: func(a: u64, b: f64, c: u64, d: f64) -> f64;"
    w = _load(L.WIDE_FLOATS, work, abi, wit=L._world("  " + wide))
    assert w.f(1, 2.0, 3, 4.5) == 4.5


_CHILD = """
import sys
sys.path[:0] = [{hostile!r}]
from pathlib import Path
import load_check_components as L
from witgen.runtime.errors import LinkError
work = Path({work!r})
for case in (L.EIGHT_PARAMS, L.WIDE_FLOATS):
    pkg = L.bindings(case.bindings_wit, work)
    data = L.build(case, work)
    for abi in ("wasmtime", "cabi"):
        try:
            w = pkg.W.from_bytes(data, imports=pkg.WImports(), abi=abi, cache_dir=False)
            args = [1] * (4 if case is L.WIDE_FLOATS else 0)
            print(case.name, abi, "returned", w.f(*args))
        except LinkError as exc:
            print(case.name, abi, "LinkError")
print("alive")
"""


def test_issue_cases_leave_the_process_alive(work: Path) -> None:
    """The issue's two cases, in a child process: before the checks, the first one killed the
    interpreter with SIGILL on the cabi engine and the second returned garbage."""
    code = _CHILD.format(hostile=str(Path(L.__file__).parent), work=str(work))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split("\n")
    for name in ("eight-params", "u64-f64"):
        for abi in ENGINES:
            assert f"{name} {abi} LinkError" in lines, out.stdout
    assert "alive" in lines


# --- validated once per component ------------------------------------------------------------


@pytest.mark.parametrize("abi", ENGINES)
def test_checks_run_once_per_component(abi: str, work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    eight = "export f: func(a: u32, b: u32, c: u32, d: u32, e: u32, g: u32, h: u32, k: u32) -> u32;"
    pkg = L.bindings(L._world("  " + eight), work)
    calls: list[str] = []
    for module, name in [
        (corecheck, "check"),
        (exportcheck, "check_exports"),
    ]:
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _r=real, _n=name: (calls.append(_n), _r(*a))[1])
    import witgen.runtime.wasmtime.instance as wasmtime_engine

    real_wt = wasmtime_engine.check_wasmtime_exports
    monkeypatch.setattr(
        wasmtime_engine,
        "check_wasmtime_exports",
        lambda *a: (calls.append("wasmtime"), real_wt(*a))[1],
    )
    engine = default_engine()
    # bytes no other test loaded (a custom section): the first load prepares and checks them
    data = L.build(L.EIGHT_PARAMS, work) + _section(0, b"\x04once" + abi.encode())
    component = pkg.W.from_bytes(data, imports=pkg.WImports(), abi=abi, cache_dir=False)._rt.component
    first = len(calls)
    assert first >= 1
    for _ in range(3):
        w = pkg.W(component, imports=pkg.WImports(), engine=engine)
        assert w.f(1, 2, 3, 4, 5, 6, 7, 9) == 9
    assert len(calls) == first, calls


# --- the decoder and the planner refuse what they cannot handle, fast --------------------------


def _component(*sections: bytes) -> bytes:
    return b"\0asm\x0d\x00\x01\x00" + b"".join(sections)


def _section(sid: int, payload: bytes) -> bytes:
    return bytes([sid]) + _leb(len(payload)) + payload


def _leb(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _sleb(n: int) -> bytes:
    """A non-negative type index as the s33 LEB128 value types use."""
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        if n == 0 and not b & 0x40:
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


@pytest.mark.parametrize(
    "data",
    [
        # a type section claiming 2^32 - 1 types in a few bytes
        _component(_section(7, _leb(0xFFFFFFFF) + b"\x70\x79")),
        # a record claiming 2^32 - 1 fields
        _component(_section(7, b"\x01\x72" + _leb(0xFFFFFFFF))),
        # a start function with 2^32 - 1 results
        _component(_section(9, b"\x00\x00" + _leb(0xFFFFFFFF))),
        # a fixed-length list of 2^32 - 1 elements, lowered from the host
        _component(
            _section(7, b"\x02\x67\x79" + _leb(0xFFFFFFFF) + b"\x40\x01\x01x\x00\x01\x00"),
            _section(10, b"\x01\x00\x01g\x01\x01"),
            _section(8, b"\x01\x01\x00\x00\x00"),
        ),
    ],
    ids=["type-count", "record-fields", "start-results", "huge-fixed-list"],
)
def test_absurd_counts_fail_fast(data: bytes) -> None:
    started = time.perf_counter()
    try:
        component = modules.decode(data)
        instantiate.host_funcs(component)
    except (DecodeError, LinkError):
        pass
    assert time.perf_counter() - started < 1.0


def _nested(depth: int) -> bytes:
    inner = b""
    for _ in range(depth):
        inner = _component(_section(4, inner)) if inner else _component()
    return inner


def test_deep_nesting_is_a_decode_error() -> None:
    data = _nested(3000)
    with pytest.raises(DecodeError):  # the runtime's: a LinkError
        modules.decode(data)


def _type_chain(depth: int, shape: bytes) -> bytes:
    """Type 0 is `u32`'s list; type i+1 is `shape` over type i (a tuple of two: doubling)."""
    types = [b"\x70\x79"] + [shape.replace(b"@", _sleb(i)) for i in range(depth)]
    return _component(_section(7, _leb(len(types)) + b"".join(types)))


@pytest.mark.parametrize(
    "shape",
    [b"\x70@", b"\x6f\x02@@", b"\x67@\xff\xff\xff\xff\x0f"],
    ids=["deep-list", "doubling-tuple", "huge-fixed-list"],
)
def test_deep_or_exploding_types_are_refused(shape: bytes) -> None:
    """`list<list<...>>` 5000 deep, `tuple<T, T>` doubling 200 times (2^200 leaves), and
    `list<T, 4294967295>` (which fused adapters would lay out element by element)."""
    data = _type_chain({b"\x70@": 5000, b"\x6f\x02@@": 200}.get(shape, 1), shape)
    started = time.perf_counter()
    with pytest.raises(LinkError):
        instantiate.host_funcs(modules.decode(data))
    assert time.perf_counter() - started < 2.0


def test_exports_of_a_prepared_component_are_checked_on_the_plan(work: Path) -> None:
    """The cabi engine's verdict lives on the `Prepared` component, shared by its instances."""
    eight = "export f: func(a: u32, b: u32, c: u32, d: u32, e: u32, g: u32, h: u32, k: u32) -> u32;"
    pkg = L.bindings(L._world("  " + eight), work)
    w = pkg.W.from_bytes(L.build(L.EIGHT_PARAMS, work), imports=pkg.WImports(), abi="cabi", cache_dir=False)
    component = w._rt.component
    assert isinstance(component, CabiComponent)
    prepared: Prepared = component.prepared
    assert prepared.checked_exports, "no verdict cached"


@pytest.mark.parametrize("abi", ENGINES)
@pytest.mark.parametrize("case", [L.IMPORT_MISMATCH, L.SAME_CORE_IMPORT_MISMATCH], ids=lambda c: c.name)
def test_import_of_another_type_is_refused(case: L.Case, abi: str, work: Path) -> None:
    """The component imports `g: func(x: u32)`, the bindings implement `g` with another type.
    On the wasmtime engine the host function would read the u32 with the string codec (a
    segfault before the check); on the cabi engine an `s32` import has the same core signature,
    so the host would silently get other values. Both are refused at load, before any call."""
    pkg = L.bindings(case.bindings_wit, work)
    data = L.build(case, work)
    seen: list[object] = []
    with pytest.raises(LinkError) as info:
        pkg.W.from_bytes(data, imports=pkg.WImports(g=seen.append), abi=abi, cache_dir=False)
    for word in case.mentions:
        assert word in str(info.value), f"{word!r} not in {info.value}"
    assert seen == []


def test_import_check_runs_once_per_component_and_bindings(work: Path) -> None:
    """The cabi engine's import verdict lives on the `Prepared` component, shared by its instances."""
    pkg = L.bindings(_world_u32_import(), work)
    component = pkg.W.from_bytes(
        L.build(L.IMPORT_MISMATCH, work), imports=pkg.WImports(g=print), abi="cabi", cache_dir=False
    )._rt.component
    assert isinstance(component, CabiComponent)
    assert len(component.prepared.checked_imports) == 1


def _world_u32_import() -> str:
    return L._world("  import g: func(x: u32);\n  export f: func() -> u32;")


def test_wasmtime_engine_checks_a_component_once_per_content(
    work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`from_bytes`/`from_file` make a new `Component` each time; the verdict on its types
    follows its content (through the artifact cache's digest), so they are read once."""
    from witgen.runtime.wasmtime import instance

    calls: list[str] = []
    real = instance.check_wasmtime_exports

    def counting(*args: Any) -> None:
        calls.append("exports")
        real(*args)

    monkeypatch.setattr(instance, "check_wasmtime_exports", counting)
    eight = "export f: func(a: u32, b: u32, c: u32, d: u32, e: u32, g: u32, h: u32, k: u32) -> u32;"
    pkg = L.bindings(L._world("  " + eight), work)
    data = L.build(L.EIGHT_PARAMS, work)
    loaded = [
        pkg.W.from_bytes(data, imports=pkg.WImports(), abi="wasmtime", cache_dir=tmp_path) for _ in range(3)
    ]
    assert [w.f(1, 2, 3, 4, 5, 6, 7, 8) for w in loaded] == [8, 8, 8]
    assert calls == ["exports"]


START_TRAPS = L.Case(
    "start-traps",
    bindings_wit=L._world("  export f: func() -> u32;"),
    wat="""(component
  (core module $m (func $boom unreachable) (start $boom) (func (export "f") (result i32) i32.const 1))
  (core instance $i (instantiate $m))
  (func (export "f") (result u32) (canon lift (core func $i "f"))))""",
)


@pytest.mark.parametrize("abi", ENGINES)
def test_a_start_function_that_traps_is_a_trap(abi: str, work: Path) -> None:
    """Running code failed, not linking: both engines say `Trap` (the spec's assert_uninstantiable)."""
    with pytest.raises(Trap, match="unreachable"):
        _load(START_TRAPS, work, abi)
