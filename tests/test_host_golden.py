"""Golden tests for ``witgen host``: generated packages, file by file, against ``tests/golden/host/``.

Each case is a directory ``tests/golden/host/<case>/`` holding ``input.wit`` (one
package with a single world) and the expected package, generated as
``witgen host input.wit -o <case>`` would: ``tests/golden/host/<case>/<case>/``.
The generator runs in-process; a changed, missing or extra file fails with a
unified diff. The ``greeter`` case's input is a copy of ``examples/greeter.wit``.

The golden packages are also checked as Python: every file compiles, each
package passes ``mypy --strict`` (run on a copy outside the repository so the
repository's mypy config cannot leak in) and imports in a fresh interpreter.

After an intended change to the generator (or its templates), rewrite the goldens with

    WITGEN_UPDATE_GOLDEN=1 python -m pytest tests/test_host_golden.py

and review ``git diff tests/golden`` before committing. See ``tests/golden/README.md``.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from witgen.gen_host import generate
from witgen.resolve import load

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "host"
GREETER = ROOT / "examples" / "greeter.wit"
UPDATE = os.environ.get("WITGEN_UPDATE_GOLDEN", "") not in ("", "0")
UPDATE_HINT = "if the change is intended: WITGEN_UPDATE_GOLDEN=1 python -m pytest tests/test_host_golden.py"

# Directories that may appear next to golden files without being part of them.
IGNORED_DIRS = {"__pycache__", ".mypy_cache"}

CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "input.wit").is_file())


def generated(case: str) -> dict[str, str]:
    """What ``witgen host`` generates for the case today (relative path -> text)."""
    loaded = load(GOLDEN / case / "input.wit")
    return generate(loaded.resolve, loaded.select_world(), case)


def golden_files(pkg_dir: Path) -> dict[str, str]:
    files: dict[str, str] = {}
    if not pkg_dir.is_dir():
        return files
    for path in sorted(pkg_dir.rglob("*")):
        rel = path.relative_to(pkg_dir)
        if path.is_file() and not IGNORED_DIRS.intersection(rel.parts):
            files[rel.as_posix()] = path.read_text()
    return files


def write_golden(pkg_dir: Path, files: dict[str, str]) -> None:
    if pkg_dir.exists():
        shutil.rmtree(pkg_dir)
    for rel, text in files.items():
        path = pkg_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def diff_report(case: str, expected: dict[str, str], actual: dict[str, str]) -> str:
    """A readable account of every difference, or "" if there is none."""
    parts: list[str] = []
    base = f"tests/golden/host/{case}/{case}"
    for rel in sorted(expected.keys() - actual.keys()):
        parts.append(f"missing from the output: {base}/{rel} is golden but was not generated")
    for rel in sorted(actual.keys() - expected.keys()):
        parts.append(f"extra in the output: {rel} was generated but {base}/{rel} does not exist")
    for rel in sorted(expected.keys() & actual.keys()):
        if expected[rel] != actual[rel]:
            diff = difflib.unified_diff(
                expected[rel].splitlines(keepends=True),
                actual[rel].splitlines(keepends=True),
                fromfile=f"{base}/{rel} (golden)",
                tofile=f"{rel} (generated)",
            )
            parts.append("".join(line if line.endswith("\n") else line + "\n" for line in diff).rstrip())
    return "\n\n".join(parts)


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("golden-mypy-cache")


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(ROOT), env.get("PYTHONPATH", "")] if p)
    env.update(extra)
    return env


def test_cases_are_present() -> None:
    assert {"greeter", "all_types", "resources", "world_items"} <= set(CASES), CASES
    for case in CASES:
        assert case.isidentifier(), f"golden case {case!r} must be a valid Python package name"


def test_greeter_input_is_the_bundled_example() -> None:
    copy = GOLDEN / "greeter" / "input.wit"
    if UPDATE:
        shutil.copyfile(GREETER, copy)
    assert (
        copy.read_text() == GREETER.read_text()
    ), f"{copy.relative_to(ROOT)} is out of date with examples/greeter.wit; {UPDATE_HINT}"


@pytest.mark.parametrize("case", CASES)
def test_generated_package_matches_golden(case: str) -> None:
    if case == "greeter" and UPDATE:
        shutil.copyfile(GREETER, GOLDEN / "greeter" / "input.wit")
    actual = generated(case)
    pkg_dir = GOLDEN / case / case
    if UPDATE:
        write_golden(pkg_dir, actual)
    report = diff_report(case, golden_files(pkg_dir), actual)
    if report:
        pytest.fail(
            f"witgen host output for `{case}` differs from the golden files:\n\n{report}\n\n{UPDATE_HINT}",
            pytrace=False,
        )


@pytest.mark.parametrize("case", CASES)
def test_golden_files_compile(case: str) -> None:
    files = golden_files(GOLDEN / case / case)
    assert files, f"no golden files for {case}; {UPDATE_HINT}"
    for rel, text in files.items():
        if rel.endswith(".py"):
            compile(text, f"tests/golden/host/{case}/{case}/{rel}", "exec", dont_inherit=True)


@pytest.mark.parametrize("case", CASES)
def test_golden_package_passes_mypy_strict_and_imports(case: str, tmp_path: Path, mypy_cache: Path) -> None:
    src = GOLDEN / case / case
    assert src.is_dir(), f"no golden package for {case}; {UPDATE_HINT}"
    shutil.copytree(src, tmp_path / case, ignore=shutil.ignore_patterns(*IGNORED_DIRS))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(mypy_cache),
            "--no-color-output",
            "--show-error-codes",
            case,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=child_env(MYPYPATH=str(ROOT)),  # mypy cannot see the editable install of witgen
    )
    assert proc.returncode == 0, f"mypy --strict on the golden package `{case}`:\n{proc.stdout}{proc.stderr}"
    modules = [case] + [
        f"{case}." + p.relative_to(tmp_path / case).with_suffix("").as_posix().replace("/", ".")
        for p in sorted((tmp_path / case).rglob("*.py"))
        if p.name != "__init__.py"
    ]
    script = f"import importlib\nfor m in {modules!r}:\n    importlib.import_module(m)\n"
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=child_env(PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)])),
    )
    assert proc.returncode == 0, f"importing the golden package `{case}` failed:\n{proc.stderr}"
