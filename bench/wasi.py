"""WASI-heavy calls: witgen's WASI in Python on the cabi engine vs wasmtime's own WASI on
wasmtime's engine (issue 18's goal: at least 1x, i.e. no slower).

Run: `python bench/wasi.py` (builds the kitchen, greeter-js and probe components on first use).
The componentize-py kitchen guest prints through CPython's `print` (wasi:cli/stdout, streams:
check-write, write, blocking-flush: six host calls per print); the JavaScript greeter through
`console.log`; the componentize-py probe does plain-Python file work on a preopened directory.
Output goes to /dev/null on both sides. Every ratio compares two numbers taken in this one run.
"""

from __future__ import annotations

import importlib
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import wasmtime

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from host import best_of, generate  # noqa: E402

from tests.e2e.build import SPECS, build  # noqa: E402
from witgen.wasi import Preopen, Wasi  # noqa: E402


class Api:
    """kitchen's host imports (only `now` and counters are touched here)."""

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)


def wasmtime_wasi() -> wasmtime.WasiConfig:
    config = wasmtime.WasiConfig()
    config.stdout_file = "/dev/null"
    config.stderr_file = "/dev/null"
    return config


def python_wasi() -> Wasi:
    devnull = open("/dev/null", "wb")  # noqa: SIM115  # lives as long as the instance
    return Wasi(stdout=devnull, stderr=devnull)


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="witgen-bench-wasi-"))
    sys.path.insert(0, str(tmp))
    rows: list[tuple[str, float, float]] = []

    kitchen = build("kitchen")
    generate(SPECS["kitchen"].wit_path, SPECS["kitchen"].world, tmp / "bench_kitchen")
    k = importlib.import_module("bench_kitchen")
    from tests.e2e.conftest import make_host_api

    def kitchen_instance(abi: str, wasi: Any) -> Any:
        imports = k.KitchenSinkImports(host_api=make_host_api(k), now=lambda: 1)
        return k.KitchenSink.from_file(kitchen, imports=imports, wasi=wasi, abi=abi)

    theirs = kitchen_instance("wasmtime", wasmtime_wasi())
    ours = kitchen_instance("cabi", python_wasi())
    line = "x" * 80
    rows.append(
        (
            "kitchen print(80 chars)",
            best_of(lambda: theirs.runner.print_line(line), 2000),
            best_of(lambda: ours.runner.print_line(line), 2000),
        )
    )
    rows.append(
        (
            "kitchen instantiate",
            best_of(lambda: kitchen_instance("wasmtime", wasmtime_wasi()), 5, 3),
            best_of(lambda: kitchen_instance("cabi", python_wasi()), 5, 3),
        )
    )

    greeter = build("greeter-js")
    generate(SPECS["greeter-js"].wit_path, SPECS["greeter-js"].world, tmp / "bench_greeter")
    g = importlib.import_module("bench_greeter")
    js_theirs = g.Greeter.from_file(greeter, wasi=wasmtime_wasi(), abi="wasmtime")
    js_ours = g.Greeter.from_file(greeter, wasi=python_wasi(), abi="cabi")
    rows.append(
        (
            "greeter-js console.log",
            best_of(lambda: js_theirs.shout(line), 2000),
            best_of(lambda: js_ours.shout(line), 2000),
        )
    )
    rows.append(
        (
            "greeter-js 64 random bytes",
            best_of(lambda: js_theirs.random_bytes(64), 2000),
            best_of(lambda: js_ours.random_bytes(64), 2000),
        )
    )

    probe = build("probe")
    generate(SPECS["probe"].wit_path, SPECS["probe"].world, tmp / "bench_probe")
    pr = importlib.import_module("bench_probe")
    data = tmp / "data"
    (data / "tree").mkdir(parents=True)
    for i in range(20):
        (data / "tree" / f"f{i}.txt").write_text("x" * 100)
    config = wasmtime_wasi()
    config.preopen_dir(str(data), "/data")
    probe_theirs = pr.Probe.from_file(probe, wasi=config, abi="wasmtime")
    probe_ours = pr.Probe.from_file(probe, wasi=Wasi(preopens=[Preopen(data, "/data")]), abi="cabi")
    for name, op, args, n in (
        ("probe write+read small file", "write", ["/data/small.txt", "hello"], 300),
        ("probe listdir of 20", "listdir", ["/data/tree"], 300),
        ("probe stat", "stat", ["/data/tree/f1.txt"], 300),
        ("probe 1 MB file write+digest", "fill", ["/data/big.bin", str(1 << 20)], 20),
    ):
        for guest in (probe_theirs, probe_ours):
            assert '"ok"' in guest.call(op, args), (name, guest.call(op, args))
        rows.append(
            (
                name,
                best_of(lambda op=op, args=args: probe_theirs.call(op, args), n),
                best_of(lambda op=op, args=args: probe_ours.call(op, args), n),
            )
        )

    print(f"{'call':32} {'wasmtime+wasmtime WASI':>24} {'cabi+witgen.wasi':>18} {'speed-up':>9}")
    for name, base, mine in rows:
        print(f"{name:32} {base * 1e6:21.1f} µs {mine * 1e6:15.1f} µs {base / mine:8.2f}x")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"({time.perf_counter() - start:.0f} s)")
