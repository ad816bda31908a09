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
import zipfile
from pathlib import Path
from typing import NamedTuple

import pytest

import witgen

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


class Dist(NamedTuple):
    sdist: Path
    wheel: Path
    runtime: Path


def _run(args: list[str | Path], cwd: Path, env: dict[str, str]) -> str:
    out = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True)
    assert out.returncode == 0, f"$ {' '.join(map(str, args))}\n{out.stdout}\n{out.stderr}"
    return out.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    """Both distributions: `python -m build` makes each sdist, then its wheel from the sdist, in
    a copy of the files git tracks (as a fresh clone has them: no stale build metadata)."""
    source = tmp_path_factory.mktemp("source")
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    for name in listed.stdout.decode().split("\0"):
        if not name:
            continue
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_symlink():  # runtime/witgen -> ../witgen
            (source / name).symlink_to(os.readlink(ROOT / name))
        elif (ROOT / name).is_file():
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    for project in (source, source / "runtime"):
        _run([sys.executable, "-m", "build", "--outdir", out, project], project, dict(os.environ))
    (sdist,) = out.glob("witgen-*.tar.gz")
    (wheel,) = out.glob("witgen-*.whl")
    (runtime,) = out.glob("witgen_runtime-*.whl")
    return Dist(sdist, wheel, runtime)


def test_sdist_carries_the_templates(built: Dist) -> None:
    with tarfile.open(built.sdist) as tar:
        names = tar.getnames()
    assert any(n.endswith("/templates/host/world.py.j2") for n in names), names


def test_the_distributions_split_the_package_without_overlap(built: Dist) -> None:
    """`witgen-runtime` owns `witgen/__init__.py`, `py.typed`, `witgen/runtime/`, `witgen/component/`
    (the binary reader it shares with the front-end), `witgen/wasi/` and `witgen/http/` (with urllib3 for wasi:http); `witgen` the rest (with uvicorn for `witgen serve`),
    and pins that runtime: no file is in both (uninstalling one never breaks the other)."""

    def files(wheel: Path) -> set[str]:
        with zipfile.ZipFile(wheel) as zf:
            return {n for n in zf.namelist() if n.startswith("witgen/")}

    runtime, generator = files(built.runtime), files(built.wheel)
    assert not runtime & generator, runtime & generator
    assert {
        "witgen/__init__.py",
        "witgen/py.typed",
        "witgen/runtime/version.py",
        "witgen/component/binary.py",
        "witgen/abi/layout.py",
    } <= runtime
    own = ("witgen/runtime/", "witgen/component/", "witgen/abi/", "witgen/wasi/", "witgen/http/")
    assert all(n.startswith(own) for n in runtime - {"witgen/__init__.py", "witgen/py.typed"}), runtime
    assert {"witgen/wasi/fs/walk.py", "witgen/wasi/http/client.py", "witgen/http/app.py"} <= runtime
    assert {"witgen/cli.py", "witgen/run/serve.py", "witgen/templates/host/world.py.j2"} <= generator

    def requires(wheel: Path) -> list[str]:
        with zipfile.ZipFile(wheel) as zf:
            (meta,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
            return [line for line in zf.read(meta).decode().splitlines() if line.startswith("Requires-Dist")]

    generator_requires, runtime_requires = requires(built.wheel), requires(built.runtime)
    assert f"Requires-Dist: witgen-runtime=={witgen.__version__}" in generator_requires, generator_requires
    assert any(r.startswith("Requires-Dist: uvicorn") for r in generator_requires), generator_requires
    assert any(r.startswith("Requires-Dist: urllib3") for r in runtime_requires), runtime_requires


@pytest.fixture(scope="module")
def installed(built: Dist, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A fresh venv with both wheels installed, and the environment to run it in."""
    home = tmp_path_factory.mktemp("venv")
    venv.create(home, system_site_packages=True, with_pip=True)
    python = home / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{home / 'bin'}{os.pathsep}{env['PATH']}"
    _run([python, "-m", "pip", "install", "-q", "--no-deps", built.wheel, built.runtime], home, env)
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


SDK_USER = """\
import calc


class Host:
    def tick(self, x: int) -> int:
        return x


for abi in ("wasmtime", "cabi"):
    sdk = calc.load(imports=calc.CalculatorImports(host=Host(), log=print), abi=abi)
    total: int = sdk.add(2, 3) + sdk.calc.add(1, 1)
    print(abi, total)
"""


@pytest.fixture(scope="module")
def calc_sdk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`witgen sdk` of the bundled calculator (WIT from calc.wit: package `calc`)."""
    out = tmp_path_factory.mktemp("sdk") / "calc-sdk"
    wit, wasm = (
        ROOT / "examples" / "calculator" / "calc.wit",
        ROOT / "examples" / "calculator" / "calculator.wasm",
    )
    _run([sys.executable, "-m", "witgen", "sdk", wasm, "--wit", wit, "-o", out], out.parent, dict(os.environ))
    return out


def test_an_sdk_installs_and_type_checks(
    installed: tuple[Path, dict[str, str]], calc_sdk: Path, tmp_path: Path
) -> None:
    """The SDK, pip-installed into the venv with witgen's wheels, runs its bundled component with
    no path, and a user's script using it passes mypy --strict."""
    python, env = installed
    _run([python, "-m", "pip", "install", "-q", calc_sdk], tmp_path, env)
    (tmp_path / "use_sdk.py").write_text(SDK_USER)
    assert _run([python, "use_sdk.py"], tmp_path, env).split() == ["wasmtime", "7", "cabi", "7"]
    _run([python, "-m", "mypy", "--strict", "use_sdk.py"], tmp_path, env)


CONSUMER = """
from calc_bindings import Calculator, CalculatorImports

class Host:
    def tick(self, x: int) -> int:
        return x

for abi in ("wasmtime", "cabi"):
    calc = Calculator.from_file("calculator.wasm", imports=CalculatorImports(host=Host(), log=print), abi=abi)
    print(abi, calc.add(2, 3))
"""


def test_generated_bindings_need_only_the_runtime(built: Dist, calc_sdk: Path, tmp_path: Path) -> None:
    """A consumer of generated bindings installs `witgen-runtime` alone, in a venv that sees no
    other package (its one dependency, wasmtime, comes from the package index): no lark, jinja2
    or black. Before it is installed, importing the bindings says what to install. An SDK
    installs there too, needing nothing else."""
    example = tmp_path / "calculator"
    shutil.copytree(ROOT / "examples" / "calculator", example)
    _run(
        [sys.executable, "-m", "witgen", "host", "calc.wit", "-o", "calc_bindings"], example, dict(os.environ)
    )
    home = tmp_path / "venv"
    venv.create(home, with_pip=True)
    python = home / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}

    missing = subprocess.run([python, "-c", CONSUMER], cwd=example, env=env, capture_output=True, text=True)
    assert missing.returncode != 0
    assert f"calc_bindings needs witgen-runtime>={witgen.__version__}" in missing.stderr, missing.stderr

    _run([python, "-m", "pip", "install", "-q", built.runtime], home, env)
    frozen = _run([python, "-m", "pip", "list", "--format=freeze"], home, env)
    names = {line.split("==")[0].lower() for line in frozen.split()}
    assert {"witgen-runtime", "wasmtime"} <= names, names
    assert not names & {"witgen", "lark", "jinja2", "black"}, names
    assert _run([python, "-c", CONSUMER], example, env).split() == ["wasmtime", "5", "cabi", "5"]

    _run([python, "-m", "pip", "install", "-q", calc_sdk], home, env)
    (tmp_path / "use_sdk.py").write_text(SDK_USER)
    assert _run([python, "use_sdk.py"], tmp_path, env).split() == ["wasmtime", "7", "cabi", "7"]
