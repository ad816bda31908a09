"""witgen's cabi engine beside jco's transpiled JavaScript, the same components, in one run.

Run: `python bench/peers.py` (needs node 18+ and npm: jco is installed from npm into the test
cache on first use; the calc, echo and relay test components are built on first use).

jco turns a component into JavaScript that does the Canonical ABI in JS and runs the core
modules on node's own WebAssembly engine; witgen's cabi engine does the ABI in Python over
wasmtime. The two languages' floors differ by ~30x (a bare call into wasm costs ~0.5 us from
Python through ctypes, ~0.015 us from JS), so each column is also shown as a multiple of its own
language's floor: a raw core-wasm `add(i32, i32)` call with nothing around it.

Issue 19's goal: echo of 1000 records {f64,f64,u32,bool} within 2x of jco.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cabi import raw_call_seconds  # noqa: E402
from bench.host import best_of, generate  # noqa: E402
from tests.e2e.build import SPECS, build, jco  # noqa: E402

FLOOR_WAT_BYTES = bytes.fromhex(
    # (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
    "0061736d0100000001070160027f7f017f030201000707010361646400000a09010700200020016a0b"
)

NODE_SCRIPT = r"""
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
const dir = process.argv[2];
const load = async (name, imports) => {
  const m = await import(`${dir}/${name}/${name}.js`);
  return m.instantiate(async (f) => WebAssembly.compile(await readFile(`${dir}/${name}/${f}`)), imports);
};
// Seconds per call: the median of 5 timings of `n` calls, after a warm-up for the JIT.
const bestOf = (fn, n) => {
  for (let i = 0; i < n; i++) fn();
  const runs = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) fn();
    runs.push((performance.now() - t) / 1000 / n);
  }
  runs.sort((a, b) => a - b);
  return runs[2];
};
const floor = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(process.argv[3], 'hex'))).exports.add;
const calc = await load('calc', { log: { default: () => {} }, 'witgen-e2e:calc/host': { tick: (x) => x } });
const echo = await load('echo', {});
const relay = (await load('relay', {})).echo;
const tags = Array.from({ length: 1000 }, (_, i) => `tag-${i}`);
const points = Array.from({ length: 1000 }, (_, i) => ({ x: i, y: -i, id: i, visible: i % 2 === 0 }));
const text = 'witgen-'.repeat(Math.floor(102400 / 7));
const blob = new Uint8Array(102400).fill(7);
let sink = 0;
const out = {
  'raw core call (floor)': bestOf(() => { sink += floor(1, 2); }, 1000000),
  'add(u32,u32)': bestOf(() => { sink += calc.add(1, 2); }, 200000),
  'echo 1000 records {f64,f64,u32,bool}': bestOf(() => echo.echoPoints(points), 500),
  'echo 1000 strings': bestOf(() => echo.echoStrings(tags), 500),
  'echo 100 KB string': bestOf(() => echo.echoString(text), 500),
  'echo 100 KB list<u8>': bestOf(() => echo.echoBytes(blob), 500),
  'composed: add(u32,u32)': bestOf(() => { sink += relay.add(1, 2); }, 200000),
  'composed: echo 1000 strings': bestOf(() => relay.echoStrings(tags), 200),
};
console.log(JSON.stringify(out));
"""


def transpile(work: Path) -> None:
    """jco transpile of each component into `work/<name>/`, core modules as files."""
    for name in ("calc", "echo", "relay"):
        subprocess.run(
            [jco(), "transpile", str(build(name)), "-o", str(work / name), "--name", name]
            + ["--instantiation", "async", "--base64-cutoff", "0", "--quiet"],
            check=True,
            capture_output=True,
        )
        (work / name / "package.json").write_text('{"type": "module"}')


def node_timings(work: Path) -> dict[str, float]:
    script = work / "peers.mjs"
    script.write_text(NODE_SCRIPT)
    out = subprocess.run(
        ["node", str(script), str(work), FLOOR_WAT_BYTES.hex()], check=True, capture_output=True, text=True
    )
    timings: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return timings


def python_timings(work: Path) -> dict[str, float]:
    sys.path.insert(0, str(work))
    for name in ("calc", "echo", "relay"):
        generate(SPECS[name].wit_path, SPECS[name].world, work / f"peers_{name}")
    calc_pkg, echo_pkg, relay_pkg = (importlib.import_module(f"peers_{n}") for n in ("calc", "echo", "relay"))
    types = importlib.import_module("peers_echo.imports.types")

    class Host:
        def tick(self, x: int) -> int:
            return x

    calc = calc_pkg.Calculator.from_file(
        build("calc"), imports=calc_pkg.CalculatorImports(host=Host(), log=lambda m: None), abi="cabi"
    )
    echo = echo_pkg.Echo.from_file(build("echo"), abi="cabi")
    relay = relay_pkg.Relay.from_file(build("relay"), abi="cabi").echo
    tags = [f"tag-{i}" for i in range(1000)]
    points = [types.Point(float(i), float(-i), i, i % 2 == 0) for i in range(1000)]
    text = "witgen-" * (102_400 // 7)
    blob = bytes([7]) * 102_400
    cases: dict[str, tuple[Callable[[], Any], int]] = {
        "add(u32,u32)": (lambda: calc.add(1, 2), 200_000),
        "echo 1000 records {f64,f64,u32,bool}": (lambda: echo.echo_points(points), 500),
        "echo 1000 strings": (lambda: echo.echo_strings(tags), 500),
        "echo 100 KB string": (lambda: echo.echo_string(text), 500),
        "echo 100 KB list<u8>": (lambda: echo.echo_bytes(blob), 500),
        "composed: add(u32,u32)": (lambda: relay.add(1, 2), 200_000),
        "composed: echo 1000 strings": (lambda: relay.echo_strings(tags), 200),
    }
    out = {"raw core call (floor)": raw_call_seconds(calc, 200_000)}
    for name, (fn, n) in cases.items():
        fn()
        out[name] = best_of(fn, n)
    return out


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="witgen-bench-peers-"))
    transpile(work)
    js = node_timings(work)
    py = python_timings(work)
    js_floor, py_floor = js["raw core call (floor)"], py["raw core call (floor)"]
    header = ("call", "witgen cabi", "jco (node)", "witgen / jco", "witgen / py floor", "jco / js floor")
    rows = [header]
    for name in py:
        ours, theirs = py[name], js[name]
        rows.append(
            (
                name,
                f"{ours * 1e6:.2f} us",
                f"{theirs * 1e6:.3f} us",
                f"{ours / theirs:.2f}x",
                f"{ours / py_floor:.1f}x",
                f"{theirs / js_floor:.1f}x",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
    records = py["echo 1000 records {f64,f64,u32,bool}"] / js["echo 1000 records {f64,f64,u32,bool}"]
    print(f"\ngoal: echo of 1000 records within 2x of jco: {records:.2f}x")


if __name__ == "__main__":
    main()
