"""Issue 19 item 5, generated code: WIT that once broke generation or type-checking, generated
for both sides and checked with `mypy --strict` (and imported) each time.

`conformance.wit`: names that shadow the builtins annotations use (`str`, `int`, `float`, `bytes`,
`list` as type, function and field names), same-named types and functions across interfaces and
between a world's imports and exports, variants whose cases carry the same Python type, a guest
export returning its own resource (alone and in a tuple), and streams and futures anywhere in
host-side signatures (parameters, results, inside lists, options and records)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from witgen.cli import main

HERE = Path(__file__).parent
WIT = HERE / "conformance.wit"


def _mypy(root: Path, target: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", target],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def _imports(root: Path, module: str) -> None:
    out = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=root, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("host")
    assert main(["host", str(WIT), "-o", str(root / "conformance_host")]) == 0
    return root


@pytest.fixture(scope="module")
def guest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("guest")
    assert main(["guest", str(WIT), "-o", str(root)]) == 0
    return root


def test_host_bindings_type_check_and_import(host: Path) -> None:
    _mypy(host, "conformance_host")
    _imports(host, "conformance_host")


def test_guest_stubs_type_check_and_import(guest: Path) -> None:
    _mypy(guest, ".")
    _imports(guest, "wit_world.testing")


def test_guest_annotations_name_hidden_builtins_through_builtins(guest: Path) -> None:
    """componentize-py's names are kept (a world import `str` is `wit_world.str`), so where such a
    definition hides a builtin the annotations say `builtins.str`."""
    world = (guest / "wit_world" / "__init__.py").read_text()
    assert "def str(s: builtins.str) -> builtins.str:" in world
    assert "import builtins" in world
    shadows = (guest / "wit_world" / "imports" / "shadows.py").read_text()
    assert "def float(x: builtins.float) -> builtins.float:" in shadows
    assert "def list(a: builtins.str) -> Int:" in shadows


def test_variants_with_alike_cases_stay_distinct(host: Path) -> None:
    """`variant v { a(u32), b(u32), c(s64) }`: a class per case, so the case survives a round trip."""
    code = (
        "from conformance_host.imports import unify as u\n"
        "assert u.V_A(1) != u.V_B(1) and type(u.V_A(1)) is not type(u.V_B(1))\n"
        "assert u.W_X('s') != u.W_Y('s')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=host, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
