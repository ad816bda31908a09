"""Golden tests for ``witgen guest``: generated stubs and ``--app`` skeletons, file by file.

Each case is ``tests/golden/guest/<case>/`` with ``input.wit`` (one package, one world) and the
expected output: ``out/`` (what ``witgen guest input.wit -o out`` writes: ``wit_world/``,
``componentize_py_types.py``...) and ``app/`` (what ``--app app/app.py`` writes). A changed,
missing or extra file fails with a unified diff; each case's output passes ``mypy --strict``
(stubs and skeleton together) and its ``wit_world`` package imports.

After an intended change to the generator or its templates:

    WITGEN_UPDATE_GOLDEN=1 python -m pytest tests/guest/test_golden.py

and review ``git diff tests/golden/guest``. The cases other than ``async_maps`` reuse the inputs of
the host golden cases (``tests/golden/host/<case>/input.wit``); update mode refreshes those copies.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from witgen.gen_guest import generate, generate_app
from witgen.resolve import load

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "guest"
HOST_GOLDEN = ROOT / "tests" / "golden" / "host"
UPDATE = os.environ.get("WITGEN_UPDATE_GOLDEN", "") not in ("", "0")
UPDATE_HINT = "if the change is intended: WITGEN_UPDATE_GOLDEN=1 python -m pytest tests/guest/test_golden.py"
IGNORED_DIRS = {"__pycache__", ".mypy_cache"}

CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "input.wit").is_file())


def generated(case: str) -> dict[str, dict[str, str]]:
    loaded = load(GOLDEN / case / "input.wit")
    world = loaded.select_world()
    return {"out": generate(loaded.resolve, world), "app": generate_app(loaded.resolve, world, "app")}


def golden_files(directory: Path) -> dict[str, str]:
    files: dict[str, str] = {}
    if directory.is_dir():
        for path in sorted(directory.rglob("*")):
            rel = path.relative_to(directory)
            if path.is_file() and not IGNORED_DIRS.intersection(rel.parts):
                files[rel.as_posix()] = path.read_text()
    return files


def write_tree(directory: Path, files: dict[str, str]) -> None:
    if directory.exists():
        shutil.rmtree(directory)
    for rel, text in files.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def diff_report(base: str, expected: dict[str, str], actual: dict[str, str]) -> str:
    parts: list[str] = []
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


def test_cases_are_present() -> None:
    assert {"greeter", "all_types", "resources", "world_items", "async_maps"} <= set(CASES), CASES


@pytest.mark.parametrize("case", [c for c in CASES if (HOST_GOLDEN / c / "input.wit").is_file()])
def test_inputs_are_the_host_cases(case: str) -> None:
    copy, source = GOLDEN / case / "input.wit", HOST_GOLDEN / case / "input.wit"
    if UPDATE:
        shutil.copyfile(source, copy)
    assert copy.read_text() == source.read_text(), f"{copy} is out of date with {source}; {UPDATE_HINT}"


@pytest.mark.parametrize("case", CASES)
def test_generated_stubs_match_golden(case: str) -> None:
    actual = generated(case)
    reports = []
    for part, files in actual.items():
        directory = GOLDEN / case / part
        if UPDATE:
            write_tree(directory, files)
        report = diff_report(f"tests/golden/guest/{case}/{part}", golden_files(directory), files)
        if report:
            reports.append(report)
    if reports:
        pytest.fail(
            f"witgen guest output for `{case}` differs from the golden files:\n\n"
            + "\n\n".join(reports)
            + f"\n\n{UPDATE_HINT}",
            pytrace=False,
        )


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("MYPYPATH", None)
    env.update(extra)
    return env


@pytest.mark.parametrize("case", CASES)
def test_golden_output_passes_mypy_strict_and_imports(
    case: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    out, app = GOLDEN / case / "out", GOLDEN / case / "app"
    assert out.is_dir() and app.is_dir(), f"no golden output for {case}; {UPDATE_HINT}"
    shutil.copytree(out, tmp_path, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*IGNORED_DIRS))
    shutil.copytree(app, tmp_path, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*IGNORED_DIRS))
    targets = sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".py" or (p / "__init__.py").is_file())
    cache = tmp_path_factory.getbasetemp() / "guest-golden-mypy-cache"
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), "--no-color-output", *targets],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=child_env(),
    )
    assert (
        proc.returncode == 0
    ), f"mypy --strict on the golden output of `{case}`:\n{proc.stdout}{proc.stderr}"
    modules = sorted(
        (
            "wit_world" + ("." + ".".join(p.relative_to(tmp_path / "wit_world").with_suffix("").parts))
            if p.name != "__init__.py"
            else "wit_world"
        )
        for p in (tmp_path / "wit_world").rglob("*.py")
    )
    script = f"import importlib\nfor m in {modules!r}:\n    importlib.import_module(m)\n"
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=child_env(PYTHONPATH=str(tmp_path)),
    )
    assert proc.returncode == 0, f"importing the golden stubs of `{case}` failed:\n{proc.stderr}"
