"""A generated host package imports wasmtime, the standard library and witgen's runtime, never the
generator's dependencies (issue 17, item 2): checked in a fresh process that loads the bundled
calculator on both engines and calls it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "calculator"

PROGRAM = """
import sys
from calc_bindings import Calculator, CalculatorImports

class Host:
    def tick(self, x: int) -> int:
        return x

for abi in ("wasmtime", "cabi"):
    calc = Calculator.from_file(sys.argv[1], imports=CalculatorImports(host=Host(), log=print), abi=abi)
    assert calc.add(2, 3) == 5
generator = ("lark", "jinja2", "black", "witgen.parser", "witgen.resolve", "witgen.gen_host",
             "witgen.gen_guest", "witgen.gen_wit", "witgen.pyview")
print(sorted(m for m in sys.modules if m.split(".")[0] in generator or m.startswith(generator)))
"""


def test_generated_package_imports_no_generator_module(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "witgen",
            "host",
            str(EXAMPLE / "calc.wit"),
            "-o",
            str(tmp_path / "calc_bindings"),
        ],
        check=True,
    )
    out = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(EXAMPLE / "calculator.wasm")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        pytest.fail(out.stderr)
    assert out.stdout.strip().splitlines()[-1] == "[]"
