"""A generated host package imports wasmtime, the standard library and witgen's runtime, never the
generator's dependencies (issue 17, item 2): checked in a fresh process that loads the bundled
calculator on both engines and calls it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import witgen
from witgen.errors import WitError
from witgen.runtime import version

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


def test_a_package_for_another_runtime_api_fails_at_import_saying_what_to_install(tmp_path: Path) -> None:
    """The generated package states the runtime API it was written for and checks it first
    thing: bindings from a future witgen meet this runtime with one clear ImportError."""
    out = tmp_path / "calc_bindings"
    subprocess.run(
        [sys.executable, "-m", "witgen", "host", str(EXAMPLE / "calc.wit"), "-o", str(out)], check=True
    )
    init = out / "__init__.py"
    stated = f"_runtime_version.require(api={version.API}, generator={witgen.__version__!r}".replace("'", '"')
    assert stated in init.read_text()
    init.write_text(
        init.read_text().replace(f"require(api={version.API},", f"require(api={version.API + 1},")
    )
    run = subprocess.run(
        [sys.executable, "-c", "import calc_bindings.exports"], cwd=tmp_path, capture_output=True, text=True
    )
    assert run.returncode != 0
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("witgen.runtime.version.RuntimeVersionError: `calc_bindings` was generated"), last
    assert (
        f"for witgen-runtime API {version.API + 1}" in last and "pip install 'witgen-runtime>=" in last
    ), last


def test_runtime_requirements() -> None:
    assert version.requirement("0.1.0") == "witgen-runtime>=0.1.0,<0.2"
    assert version.requirement("1.4.2") == "witgen-runtime>=1.4.2,<2"
    version.require(api=version.API, generator="0.1.0", package="p")  # no error
    with pytest.raises(version.RuntimeVersionError, match=r"regenerate the bindings"):
        version.require(api=version.OLDEST_API - 1, generator="0.0.1", package="p")


SUBPACKAGE_PROGRAM = """
import sys
from outer.calc import Calculator, CalculatorImports

class Host:
    def tick(self, x: int) -> int:
        return x

for abi in ("wasmtime", "cabi"):
    calc = Calculator.from_file(sys.argv[1], imports=CalculatorImports(host=Host(), log=print), abi=abi)
    print(abi, calc.add(2, 3), calc.calc.add(1, 1))
"""


def test_bindings_generated_as_a_subpackage_run_on_both_engines(tmp_path: Path) -> None:
    """A dotted package name (bindings inside another package, as witgen.wasi will ship WASI's):
    modules import each other relatively and the cabi code loads by its full name."""
    from witgen.gen_host import generate, write_package
    from witgen.resolve import load

    loaded = load(EXAMPLE / "calc.wit")
    (tmp_path / "outer").mkdir()
    (tmp_path / "outer" / "__init__.py").write_text("")
    write_package(
        generate(loaded.resolve, loaded.select_world(None), "outer.calc"), tmp_path / "outer" / "calc"
    )
    out = subprocess.run(
        [sys.executable, "-c", SUBPACKAGE_PROGRAM, str(EXAMPLE / "calculator.wasm")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["wasmtime", "5", "2", "cabi", "5", "2"]
    typed = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "-p", "outer"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert typed.returncode == 0, typed.stdout
    with pytest.raises(WitError, match="not a valid Python package name"):
        generate(loaded.resolve, loaded.select_world(None), "outer.9calc")
