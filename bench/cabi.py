"""The cabi engine beside the wasmtime engine and a raw core call, in one run.

Run: `python bench/cabi.py` (builds the calc and echo test components on first use). Goals
(issue "Canonical ABI engine"): add(u32,u32) within 2x of a raw `wasmtime_func_call_unchecked`
call; echo of a 100 KB string and list<u8> at >= 1 GB/s; a 100 000-element list<u32> from
`array.array` at >= 500 MB/s; a list of 1 000 records >= 5x faster than the wasmtime engine;
instantiation no slower than the wasmtime engine. Also timed: calls into a composed component
(`relay`: two components, so every call crosses a fused adapter between them) and the
instantiation of the 18 MB componentize-py `kitchen` component (compiled artifacts cached): both
engines with the same WASI written in Python (`witgen.wasi`), and the wasmtime engine with
its own WASI in Rust (`wasi=True`), which the cabi engine can't use.
"""

from __future__ import annotations

import array
import ctypes
import importlib
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import wasmtime

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.host import best_of, generate  # noqa: E402
from tests.e2e.build import SPECS, build  # noqa: E402
from witgen.runtime.cabi import fastcall  # noqa: E402
from witgen.wasi import Wasi  # noqa: E402


class TickHost:
    def tick(self, x: int) -> int:
        return x


def raw_call_seconds(inst: object, n: int) -> float:
    """A bare `wasmtime_func_call_unchecked` of the core `add`, arguments already in the buffer."""
    site_call = inst._rt._exports["add"]  # type: ignore[attr-defined]
    store = inst._rt.store  # type: ignore[attr-defined]
    buf = (ctypes.c_uint64 * 4)(1, 0, 2, 0)
    trap = ctypes.c_void_p()
    ctx = fastcall.context_address(store)
    faddr = ctypes.addressof(site_call.core._func)
    baddr, taddr = ctypes.addressof(buf), ctypes.addressof(trap)
    call = fastcall._call_unchecked
    return best_of(lambda: call(ctx, faddr, baddr, 2, taddr), n)


def interleaved_minimum(
    ours: Callable[[], object], theirs: Callable[[], object], rounds: int
) -> tuple[float, float]:
    """Seconds per call of each, the minimum over `rounds` alternating single calls (garbage
    collection on): steadier than medians when the machine's speed drifts during the run."""
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        for i, fn in enumerate((ours, theirs)):
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best[0], best[1]


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="witgen-bench-cabi-"))
    sys.path.insert(0, str(work))
    for name in ("calc", "echo", "relay"):
        generate(SPECS[name].wit_path, SPECS[name].world, work / f"bench_{name}")
    generate(SPECS["kitchen"].wit_path, SPECS["kitchen"].world, work / "bench_kitchen")
    calc_pkg = importlib.import_module("bench_calc")
    echo_pkg = importlib.import_module("bench_echo")
    relay_pkg = importlib.import_module("bench_relay")
    kitchen_pkg = importlib.import_module("bench_kitchen")
    calc_wasm, echo_wasm, relay_wasm, kitchen_wasm = (build(n) for n in ("calc", "echo", "relay", "kitchen"))
    config = wasmtime.Config()
    config.wasm_component_model_map = True
    engine = wasmtime.Engine(config)

    def calc(abi: str) -> object:
        imports = calc_pkg.CalculatorImports(host=TickHost(), log=lambda msg: None)
        return calc_pkg.Calculator.from_file(calc_wasm, imports=imports, engine=engine, abi=abi)

    def echo(abi: str) -> object:
        return echo_pkg.Echo.from_file(echo_wasm, engine=engine, abi=abi)

    c = {abi: calc(abi) for abi in ("wasmtime", "cabi")}
    e = {abi: echo(abi) for abi in ("wasmtime", "cabi")}
    rows: list[tuple[str, str, str, str, str]] = []

    def row(name: str, cabi: float, other: float, other_name: str, goal: str, unit: str = "us") -> None:
        scale = {"us": 1e6, "ms": 1e3}[unit]
        rows.append(
            (
                name,
                f"{cabi * scale:.2f} {unit}",
                f"{other * scale:.2f} {unit} ({other_name})",
                f"{other / cabi:.2f}x",
                goal,
            )
        )

    raw = raw_call_seconds(c["cabi"], 200_000)
    add_cabi = best_of(lambda: c["cabi"].add(1, 2), 200_000)  # type: ignore[attr-defined]
    add_wt = best_of(lambda: c["wasmtime"].add(1, 2), 100_000)  # type: ignore[attr-defined]
    rows.append(
        (
            "add(u32,u32)",
            f"{add_cabi * 1e6:.2f} us",
            f"{raw * 1e6:.2f} us (raw unchecked core call)",
            f"{add_cabi / raw:.2f}x of raw",
            "<= 2x of raw",
        )
    )
    row("add(u32,u32)", add_cabi, add_wt, "wasmtime engine", "-")

    blob = bytes(range(256)) * 400  # 100 KB
    text = "witgen-" * (102_400 // 7)
    for label, fn, value in (
        ("echo 100 KB list<u8>", "echo_bytes", blob),
        ("echo 100 KB string", "echo_string", text),
    ):
        ours = best_of(lambda fn=fn, value=value: getattr(e["cabi"], fn)(value), 200)
        theirs = best_of(lambda fn=fn, value=value: getattr(e["wasmtime"], fn)(value), 5, repeat=3)
        size = len(value) if isinstance(value, bytes) else len(value.encode())
        rows.append(
            (
                label,
                f"{size / ours / 1e9:.2f} GB/s",
                f"{size / theirs / 1e6:.1f} MB/s (wasmtime engine)",
                f"{theirs / ours:.0f}x",
                ">= 1 GB/s",
            )
        )

    nums = array.array("I", range(100_000))
    ours = best_of(lambda: c["cabi"].sum_u32(nums), 200)  # type: ignore[attr-defined]
    theirs = best_of(lambda: c["wasmtime"].sum_u32(nums), 5, repeat=3)  # type: ignore[attr-defined]
    rows.append(
        (
            "sum 100k list<u32> from array",
            f"{400_000 / ours / 1e6:.0f} MB/s",
            f"{400_000 / theirs / 1e6:.1f} MB/s (wasmtime engine)",
            f"{theirs / ours:.0f}x",
            ">= 500 MB/s",
        )
    )

    types = importlib.import_module("bench_echo.imports.types")
    points = [types.Point(float(i), -float(i), i, i % 2 == 0) for i in range(1000)]
    ours = best_of(lambda: e["cabi"].echo_points(points), 200)  # type: ignore[attr-defined]
    theirs = best_of(lambda: e["wasmtime"].echo_points(points), 20)  # type: ignore[attr-defined]
    row("echo 1000 records {f64,f64,u32,bool}", ours, theirs, "wasmtime engine", ">= 5x", "ms")
    tags = [f"tag-{i}" for i in range(1000)]
    ours = best_of(lambda: e["cabi"].echo_strings(tags), 200)  # type: ignore[attr-defined]
    theirs = best_of(lambda: e["wasmtime"].echo_strings(tags), 20)  # type: ignore[attr-defined]
    row("echo 1000 strings", ours, theirs, "wasmtime engine", "-", "ms")

    relay = {
        abi: relay_pkg.Relay.from_file(relay_wasm, engine=engine, abi=abi).echo
        for abi in ("wasmtime", "cabi")
    }
    ours = best_of(lambda: relay["cabi"].add(1, 2), 20_000)
    theirs = best_of(lambda: relay["wasmtime"].add(1, 2), 20_000)
    row("composed: add(u32,u32) across 2 components", ours, theirs, "wasmtime engine", "-")
    ours = best_of(lambda: relay["cabi"].echo_string(text), 200)
    theirs = best_of(lambda: relay["wasmtime"].echo_string(text), 200)
    row("composed: echo 100 KB string", ours, theirs, "wasmtime engine", "-", "ms")
    ours = best_of(lambda: relay["cabi"].echo_strings(tags), 20)
    theirs = best_of(lambda: relay["wasmtime"].echo_strings(tags), 20)
    row("composed: echo 1000 strings", ours, theirs, "wasmtime engine", "-", "ms")

    cache = work / "cache"

    host = importlib.import_module("tests.e2e.conftest").make_host_api(kitchen_pkg)

    imports = kitchen_pkg.KitchenSinkImports(host_api=host, now=lambda: 0)

    def kitchen(abi: str) -> object:
        return kitchen_pkg.KitchenSink.from_file(
            kitchen_wasm, imports=imports, cache_dir=cache, abi=abi, wasi=Wasi()
        )

    loaded = {abi: kitchen(abi)._rt.component for abi in ("wasmtime", "cabi")}  # compiles and caches

    def kitchen_loaded(abi: str) -> object:
        return kitchen_pkg.KitchenSink(loaded[abi], imports=imports, wasi=Wasi())

    def kitchen_native_wasi(abi: str) -> object:
        return kitchen_pkg.KitchenSink(loaded[abi], imports=imports, wasi=True)

    for name, make, n in (
        ("instantiate calc (cached)", calc, 50),
        ("instantiate echo (cached)", echo, 50),
        ("instantiate kitchen, 18 MB (from_file, cached)", kitchen, 10),
        ("instantiate kitchen, component already loaded", kitchen_loaded, 20),
    ):
        ours = best_of(lambda make=make: make("cabi"), n)
        theirs = best_of(lambda make=make: make("wasmtime"), n)
        row(name, ours, theirs, "wasmtime engine", "no slower", "ms")
    ours, theirs = interleaved_minimum(lambda: kitchen_loaded("cabi"), lambda: kitchen_loaded("wasmtime"), 40)
    row(
        "instantiate kitchen, loaded: interleaved minimum of 40",
        ours,
        theirs,
        "wasmtime engine",
        "no slower",
        "ms",
    )
    ours = best_of(lambda: kitchen_loaded("cabi"), 20)
    theirs = best_of(lambda: kitchen_native_wasi("wasmtime"), 20)
    row(
        "instantiate kitchen, loaded (vs wasmtime's own WASI)",
        ours,
        theirs,
        "wasmtime engine, wasi=True",
        "-",
        "ms",
    )

    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    header = ("benchmark", "cabi engine", "compared with", "ratio", "goal")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    for r in (header, *rows):
        print("| " + " | ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) + " |")


if __name__ == "__main__":
    main()
