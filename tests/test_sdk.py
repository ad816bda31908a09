"""`witgen sdk` (issue 17 item 3): a component and its typed bindings as a pip-installable project.
Installing one into a fresh venv and using it from outside the checkout is in tests/test_install.py;
here: what the project holds, its names, its README, and the errors."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from witgen.cli import main
from witgen.gen_sdk import SdkNames, generate_sdk
from witgen.resolve import load
from witgen.runtime import version

ROOT = Path(__file__).resolve().parents[1]
CALC = ROOT / "examples" / "calculator"
GOLDEN_RESOURCES = ROOT / "tests" / "golden" / "host" / "resources" / "input.wit"


def _sdk(tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "sdk"
    assert main(["sdk", str(CALC / "calculator.wasm"), "-o", str(out), *args]) == 0
    return out


def test_the_project_holds_bindings_component_and_metadata(tmp_path: Path) -> None:
    out = _sdk(tmp_path, "--wit", str(CALC / "calc.wit"), "--version", "2.1.0")
    meta = tomllib.loads((out / "pyproject.toml").read_text())["project"]
    assert (meta["name"], meta["version"]) == ("calc", "2.1.0")  # from the WIT package `witgen-e2e:calc`
    assert meta["dependencies"] == [version.requirement()]
    package = out / "src" / "calc"
    assert (package / "component.wasm").read_bytes() == (CALC / "calculator.wasm").read_bytes()
    assert (package / "py.typed").exists() and (package / "exports" / "calc.py").exists()
    init = (package / "__init__.py").read_text()
    assert "def load(\n" in init and '"load"' in init.split("__all__", 1)[1].split("]", 1)[0]


def test_the_readme_lists_every_export_with_its_python_signature(tmp_path: Path) -> None:
    readme = (_sdk(tmp_path, "--wit", str(CALC / "calc.wit")) / "README.md").read_text()
    for line in (
        "- `sdk.add(a: int, b: int) -> int`\n  Wrapping u32 addition.",
        "- `sdk.echo_bytes(b: bytes | bytearray | memoryview) -> bytes`",
        "- `sdk.sum_u32(xs: Sequence[int]) -> int`",
        "- `sdk.trap()`\n  Always traps (`unreachable`).",
        "## `sdk.calc`: exported interface `witgen-e2e:calc/calc`\n\nAn exported interface with a single function.",
        "- `sdk.calc.add(a: int, b: int) -> int`",
        "- `log: Callable[[str], None]`: A world-level import",
        "sdk = calc.load(imports=calc.CalculatorImports(...))",
    ):
        assert line in readme, line


def test_resources_and_errors_in_the_readme() -> None:
    loaded = load(GOLDEN_RESOURCES)
    world = loaded.select_world(None)
    names = SdkNames("res-sdk", "res_sdk", "1.0.0")
    readme = generate_sdk(loaded.resolve, world, names)["README.md"]
    for line in (
        "- `sdk.guest_side.Counter(start: int)`",  # an exported resource's constructor
        "- `counter.get() -> int`",  # a method, on an object
        "- `sdk.guest_side.Counter.merge(",  # a static
    ):
        assert line in readme, (line, readme)


def test_names_default_to_the_component_file_for_its_own_wit(tmp_path: Path) -> None:
    out = _sdk(tmp_path)  # WIT from the component: `root:component`, a name worth nothing
    meta = tomllib.loads((out / "pyproject.toml").read_text())["project"]
    assert (meta["name"], meta["version"]) == ("calculator", "0.1.0")
    assert (out / "src" / "calculator" / "__init__.py").exists()
    named = _sdk(tmp_path, "--name", "My.Calc-SDK")
    assert (named / "src" / "my_calc_sdk" / "component.wasm").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--wit", str(ROOT / "examples" / "greeter.wit")], "does not export example:greeter/greet@0.1.0"),
        (["--name", "bad name"], "`bad name` is not a valid distribution name"),
        (["--version", "one"], "`one` is not a valid version"),
    ],
)
def test_errors_are_one_line_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["sdk", str(CALC / "calculator.wasm"), "-o", str(tmp_path / "x"), *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err, err
    assert not (tmp_path / "x").exists()


def test_a_component_in_webassembly_text_ships_as_its_binary(tmp_path: Path) -> None:
    import wasmtime

    text = tmp_path / "adder.wat"
    text.write_text(
        '(component (core module $M (func (export "add") (param i32 i32) (result i32)'
        " (i32.add (local.get 0) (local.get 1))))"
        " (core instance $m (instantiate $M))"
        ' (func (export "add") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $m "add"))))'
    )
    out = tmp_path / "sdk"
    assert main(["sdk", str(text), "-o", str(out)]) == 0
    shipped = (out / "src" / "adder" / "component.wasm").read_bytes()
    assert shipped == bytes(wasmtime.wat2wasm(text.read_text()))


def test_not_a_component(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sdk", str(CALC / "calc.wit"), "-o", str(tmp_path / "x")]) == 1
    assert "is not a WebAssembly component" in capsys.readouterr().err


def test_the_sdk_package_passes_mypy_strict(tmp_path: Path) -> None:
    out = _sdk(tmp_path, "--wit", str(CALC / "calc.wit"))
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "-p", "calc"],
        cwd=out / "src",
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
