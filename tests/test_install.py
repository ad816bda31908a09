"""witgen as a user installs it (issue 17): an sdist and a wheel built from this checkout, the wheel
installed into a fresh venv, and from a directory outside the checkout the quickstart, `witgen
host`/`witgen guest` on a WASI world, and `mypy --strict` over the generated code and a user script.

The venv sees the test environment's packages (`--system-site-packages`: wasmtime, jinja2, mypy
are not downloaded again), but its own site-packages come first, so `witgen` is the wheel's
(checked).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WASI_CLI = ROOT.parent / "shared" / "corpus" / "wasi" / "0.2.12" / "cli"

USER_SCRIPT = """\
from calc_bindings import Calculator, CalculatorImports


class Host:
    def tick(self, x: int) -> int:
        return x


def total(path: str) -> int:
    calc = Calculator.from_file(path, imports=CalculatorImports(host=Host(), log=print), abi="cabi")
    return calc.add(2, 3)


print(total("calculator.wasm"))
"""


def _run(args: list[str | Path], cwd: Path, env: dict[str, str]) -> str:
    out = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True)
    assert out.returncode == 0, f"$ {' '.join(map(str, args))}\n{out.stdout}\n{out.stderr}"
    return out.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(sdist, wheel): `python -m build` makes the sdist, then the wheel from the sdist, in a
    copy of the files git tracks (as a fresh clone has them: no stale build metadata)."""
    source = tmp_path_factory.mktemp("source")
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    for name in listed.stdout.decode().split("\0"):
        if name and (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--outdir", out, source], source, dict(os.environ))
    (sdist,) = out.glob("witgen-*.tar.gz")
    (wheel,) = out.glob("witgen-*.whl")
    return sdist, wheel


def test_sdist_carries_the_templates(built: tuple[Path, Path]) -> None:
    with tarfile.open(built[0]) as tar:
        names = tar.getnames()
    assert any(n.endswith("/templates/host/world.py.j2") for n in names), names


@pytest.fixture(scope="module")
def installed(
    built: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, str]]:
    """A fresh venv with the wheel installed, and the environment to run it in."""
    home = tmp_path_factory.mktemp("venv")
    venv.create(home, system_site_packages=True, with_pip=True)
    python = home / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{home / 'bin'}{os.pathsep}{env['PATH']}"
    _run([python, "-m", "pip", "install", "-q", "--no-deps", built[1]], home, env)
    return python, env


def test_quickstart_and_wasi_world_outside_the_checkout(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    python, env = installed
    where = _run([python, "-c", "import witgen; print(witgen.__file__)"], tmp_path, env).strip()
    assert str(python.parent.parent) in where and str(ROOT) not in where, where
    witgen = python.parent / "witgen"
    modules = [
        str(p.relative_to(ROOT))[:-3].replace("/", ".")
        for p in (ROOT / "witgen").rglob("*.py")
        if p.name != "__main__.py"  # it runs the command line
    ]
    importer = (
        "import importlib, sys\nfor m in sys.argv[1:]: importlib.import_module(m.removesuffix('.__init__'))"
    )
    _run([python, "-c", importer, *modules], tmp_path, env)  # every module of the checkout is in the wheel

    # the quickstart, from a copy of the example
    example = tmp_path / "calculator"
    shutil.copytree(ROOT / "examples" / "calculator", example)
    _run([witgen, "host", "calc.wit", "-o", "calc_bindings"], example, env)
    assert "add(2, 3) = 5" in _run([python, "run.py"], example, env)

    # a WASI world, both generators, and mypy over what they wrote and a user's script
    _run([witgen, "host", WASI_CLI, "--world", "command", "-o", "cli_host"], tmp_path, env)
    _run([witgen, "guest", WASI_CLI, "--world", "command", "-o", "cli_guest"], tmp_path, env)
    (example / "user.py").write_text(USER_SCRIPT)
    assert _run([python, "user.py"], example, env).strip() == "5"
    _run([python, "-m", "mypy", "--strict", "user.py", "calc_bindings"], example, env)
    _run([python, "-m", "mypy", "--strict", "cli_host"], tmp_path, env)
    guest_env = dict(env, MYPYPATH=str(tmp_path / "cli_guest"))
    _run([python, "-m", "mypy", "--strict", "-p", "wit_world"], tmp_path, guest_env)
