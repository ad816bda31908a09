"""The code base itself: `mypy --strict`, `ruff` and `black --check` are clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_strict() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "witgen"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_black() -> None:
    """witgen's own code is black-formatted, like the code it generates."""
    result = subprocess.run(
        [sys.executable, "-m", "black", "--check", "--quiet", "witgen"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_benchmarks_import() -> None:
    """Benchmarks are not run in CI, so at least what they import at module level must exist
    (code they run in child processes is not covered: run them after moving test helpers)."""
    modules = sorted(p.stem for p in (ROOT / "bench").glob("*.py"))
    code = "import importlib\n" + "".join(f"importlib.import_module('bench.{m}')\n" for m in modules)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
