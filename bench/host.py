"""Host bindings benchmark: witgen's generated bindings vs wasmtime-py's dynamic component API.

Run: `python bench/host.py` (builds the test components on first use, ~10 s). Every ratio compares
two numbers taken in this one run. Goals (issue "witgen host"):
  add(u32,u32) >= 4x faster than Func.__call__; echo of a 100 KB list<u8> >= 20x; sum of a
  100 000-element list<u32> >= 10x; a host import call within 1.5x of a core-wasm host call;
  second-process load of the 18 MB componentize-py component under 100 ms.
"""

from __future__ import annotations

import importlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import wasmtime
from wasmtime import component as wc

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.build import SPECS, build  # noqa: E402

ENGINES = ("wasmtime", "cabi")


def best_of(fn: Callable[[], object], number: int, repeat: int = 5) -> float:
    """Seconds per call: the median of `repeat` timings of `number` calls."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - start) / number)
    return statistics.median(runs)


def generate(wit: Path, world: str, out: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "witgen", "host", str(wit), "--world", world, "-o", str(out)], check=True
    )


class TickHost:
    def tick(self, x: int) -> int:
        return x


def core_host_call_seconds(n: int) -> float:
    """Per-call cost of a core wasm module calling a Python function (wasmtime.Func)."""
    wat = """(module (import "" "tick" (func $t (param i32) (result i32)))
      (func (export "run") (param $n i32) (result i32) (local $s i32)
        (block $d (loop $l (br_if $d (i32.eqz (local.get $n)))
          (local.set $s (i32.add (local.get $s) (call $t (local.get $n))))
          (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br $l)))
        (local.get $s)))"""
    store = wasmtime.Store()
    module = wasmtime.Module(store.engine, wat)
    ty = wasmtime.FuncType([wasmtime.ValType.i32()], [wasmtime.ValType.i32()])
    tick = wasmtime.Func(store, ty, lambda x: x)
    run = wasmtime.Instance(store, module, [tick]).exports(store)["run"]
    return best_of(lambda: run(store, n), 1) / n


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="witgen-bench-"))
    sys.path.insert(0, str(work))
    calc_spec = SPECS["calc"]
    calc_wasm = build("calc")
    generate(calc_spec.wit_path, calc_spec.world, work / "bench_calc")
    calc_pkg = importlib.import_module("bench_calc")

    def calculator(abi: str) -> Any:
        imports = calc_pkg.CalculatorImports(host=TickHost(), log=lambda msg: None)
        return calc_pkg.Calculator.from_file(calc_wasm, imports=imports, abi=abi)

    bound = {abi: calculator(abi) for abi in ENGINES}

    # The same component through wasmtime-py's dynamic API.
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    component = wc.Component.from_file(engine, str(calc_wasm))
    linker = wc.Linker(engine)
    with linker.root() as root:
        root.add_func("log", lambda store, msg: None)
        with root.add_instance("witgen-e2e:calc/host") as host:
            host.add_func("tick", lambda store, x: x)
    inst = linker.instantiate(store, component)
    dyn = {name: inst.get_func(store, name) for name in ("add", "echo-bytes", "sum-u32", "loop-host")}

    data = bytes(range(256)) * 400  # 102 400 bytes
    xs = list(range(100_000))
    for b in bound.values():
        assert b.echo_bytes(data) == data and b.sum_u32(xs) == sum(xs) % 2**32
    assert dyn["echo-bytes"](store, data) == data and dyn["sum-u32"](store, xs) == sum(xs) % 2**32

    rows = []

    def row(
        name: str, ours: dict[str, float], theirs: float, goal: str, unit: str = "us", scale: float = 1e6
    ) -> None:
        rows.append(
            (
                name,
                {abi: t * scale for abi, t in ours.items()},
                theirs * scale,
                {abi: theirs / t for abi, t in ours.items()},
                goal,
                unit,
            )
        )

    def each(call: Callable[[Any], object], number: int, repeat: int = 5) -> dict[str, float]:
        return {abi: best_of(lambda b=b: call(b), number, repeat) for abi, b in bound.items()}

    row(
        "add(u32,u32)",
        each(lambda b: b.add(1, 2), 20_000),
        best_of(lambda: dyn["add"](store, 1, 2), 2_000),
        ">= 4x",
    )
    row(
        "echo list<u8> 100 KB",
        each(lambda b: b.echo_bytes(data), 20),
        best_of(lambda: dyn["echo-bytes"](store, data), 3, 3),
        ">= 20x",
        "ms",
        1e3,
    )
    row(
        "sum list<u32> 100k",
        each(lambda b: b.sum_u32(xs), 20),
        best_of(lambda: dyn["sum-u32"](store, xs), 3, 3),
        ">= 10x",
        "ms",
        1e3,
    )
    n = 20_000
    ours_import = {abi: t / n for abi, t in each(lambda b: b.loop_host(n), 1).items()}
    dyn_import = best_of(lambda: dyn["loop-host"](store, n), 1) / n
    core_import = core_host_call_seconds(n)
    row("host import call (vs wasmtime-py component)", ours_import, dyn_import, "")

    print(
        f"{'benchmark':44} {'wasmtime engine':>17} {'cabi engine':>17} {'wasmtime-py':>12}  goal (speed-up)"
    )
    for name, ours, theirs, ratio, goal, unit in rows:
        cells = " ".join(f"{ours[abi]:7.2f}{unit} {ratio[abi]:6.1f}x" for abi in ENGINES)
        print(f"{name:44} {cells} {theirs:10.2f}{unit}  {goal}")
    for abi in ENGINES:
        print(
            f"{'host import call vs core-wasm host call':44} {abi} engine {ours_import[abi] * 1e6:.2f}us vs"
            f" {core_import * 1e6:.2f}us: {ours_import[abi] / core_import:.2f}x  <= 1.5x (time ratio, lower is better)"
        )
    print(load_benchmark(work))


def load_benchmark(work: Path) -> str:
    """Second-process load (compile cache warm) of the componentize-py component, per engine."""
    spec = SPECS["kitchen"]
    wasm = build("kitchen")
    # `wasi=True`: wasmtime's own WASI on its engine, witgen's (`witgen.wasi`) on the cabi engine.
    generate(spec.wit_path, spec.world, work / "bench_kitchen")
    lines = []
    for abi in ENGINES:
        script = f"""
import time, sys
start = time.perf_counter()
sys.path[:0] = [{str(work)!r}, {str(ROOT)!r}]
import bench_kitchen as k
imported = time.perf_counter()
class Counter:
    @staticmethod
    def zero():
        return Counter()
class Host:
    Counter = Counter
    def __getattr__(self, name):
        return lambda *args: None
imports = k.KitchenSinkImports(host_api=Host(), now=lambda: 0)
sink = k.KitchenSink.from_file({str(wasm)!r}, imports=imports, wasi=True, abi={abi!r})  # type: ignore
print(f"{{(time.perf_counter() - start) * 1e3:.1f}} {{(time.perf_counter() - imported) * 1e3:.1f}}")
"""
        cache = work / "cache"
        # Children keep a bytecode cache of their own (as an installed package has), even where
        # the environment turns bytecode off: the first process writes it.
        env = {
            **__import__("os").environ,
            "WITGEN_CACHE_DIR": str(cache),
            "PYTHONPYCACHEPREFIX": str(work / "pyc"),
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        first = time.perf_counter()
        subprocess.run([sys.executable, "-c", script], check=True, env=env, capture_output=True)
        first_s = time.perf_counter() - first
        times = []
        for _ in range(5):
            out = subprocess.run(
                [sys.executable, "-c", script], check=True, env=env, capture_output=True, text=True
            )
            times.append([float(x) for x in out.stdout.split()])
        total = statistics.median(t[0] for t in times)
        load = statistics.median(t[1] for t in times)
        size = wasm.stat().st_size / 1e6
        lines.append(
            f"load {size:.0f} MB componentize-py component, {abi} engine: first process (compiles) {first_s:.2f} s;"
            f" second process {total:.0f} ms in-process (imports {total - load:.0f} ms +"
            f" from_file/instantiate {load:.0f} ms) — goal < 100 ms"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
