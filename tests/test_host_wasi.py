"""``witgen host`` on every world of every WASI 0.2.12 package: the bindings type-check and import.

For each package directory in ``../shared/corpus/wasi/0.2.12/`` (each with its
``deps/``), every world of the package is generated in-process into a temporary
directory as ``wasi_<package>_<world>``; then one ``mypy --strict`` run checks all
the generated packages together and one fresh interpreter imports every module
of every package. Both with default features and with ``--all-features``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from pathlib import Path

import pytest
from conftest import WASI

from witgen.gen_host import generate, write_package
from witgen.pyview.names import snake
from witgen.resolve import load

ROOT = Path(__file__).resolve().parents[1]
VERSION_DIR = WASI / "0.2.12"


def packages() -> list[Path]:
    return sorted(p for p in VERSION_DIR.iterdir() if p.is_dir())


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(ROOT), env.get("PYTHONPATH", "")] if p)
    env.update(extra)
    return env


def generate_all(out: Path, all_features: bool) -> tuple[list[str], list[str]]:
    """Generate every world of every package into `out`: (package names, failures)."""
    names: list[str] = []
    failures: list[str] = []
    for path in packages():
        try:
            loaded = load(path, all_features=all_features)
        except Exception:
            failures.append(f"{path.name}: loading failed\n{traceback.format_exc()}")
            continue
        worlds = loaded.resolve.packages[loaded.main].worlds
        if not worlds:
            failures.append(f"{path.name}: the package has no worlds")
        for world_name in worlds:
            name = f"wasi_{snake(path.name)}_{snake(world_name)}"
            try:
                files = generate(loaded.resolve, loaded.select_world(world_name), name)
                write_package(files, out / name)
            except Exception:
                failures.append(
                    f"{path.name} world {world_name}: generation failed\n{traceback.format_exc()}"
                )
                continue
            names.append(name)
    return names, failures


def modules_of(out: Path, name: str) -> list[str]:
    pkg = out / name
    return [name] + [
        f"{name}." + p.relative_to(pkg).with_suffix("").as_posix().replace("/", ".")
        for p in sorted(pkg.rglob("*.py"))
        if p.name != "__init__.py"
    ]


@pytest.mark.parametrize("all_features", [False, True], ids=["default", "all-features"])
def test_wasi_worlds_generate_type_check_and_import(all_features: bool, tmp_path: Path) -> None:
    assert VERSION_DIR.is_dir(), f"the WASI corpus is missing: {VERSION_DIR}"
    out = tmp_path / "out"
    out.mkdir()
    names, failures = generate_all(out, all_features)
    assert names, "\n\n".join(failures)

    mypy = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            "--no-color-output",
            "--show-error-codes",
            *names,
        ],
        cwd=out,  # outside the repository: its mypy config must not apply
        capture_output=True,
        text=True,
        env=child_env(MYPYPATH=str(ROOT)),  # mypy cannot see the editable install of witgen
    )
    if mypy.returncode != 0:
        failures.append(f"mypy --strict failed:\n{mypy.stdout}{mypy.stderr}")

    modules = [m for name in names for m in modules_of(out, name)]
    script = (
        "import importlib, traceback\n"
        "bad = 0\n"
        f"for m in {modules!r}:\n"
        "    try:\n"
        "        importlib.import_module(m)\n"
        "    except Exception:\n"
        "        bad += 1\n"
        "        print(f'--- import {m} failed:'); traceback.print_exc(file=__import__('sys').stdout)\n"
        "raise SystemExit(1 if bad else 0)\n"
    )
    imported = subprocess.run(
        [sys.executable, "-c", script],
        cwd=out,
        capture_output=True,
        text=True,
        env=child_env(PYTHONPATH=os.pathsep.join([str(out), str(ROOT)])),
    )
    if imported.returncode != 0:
        failures.append(f"importing the generated packages failed:\n{imported.stdout}{imported.stderr}")

    assert not failures, f"{len(names)} packages generated ({', '.join(names)})\n\n" + "\n\n".join(failures)
