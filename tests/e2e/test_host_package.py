"""The generated package: layout, names, docstrings and the world class's constructors."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import wasmtime

from .conftest import CalcSetup, KitchenSetup, _subprocess_env, kitchen_script, package_dir, submodule


def test_calc_package_layout(calc_pkg: ModuleType) -> None:
    root = package_dir(calc_pkg)
    assert root.name == "witgen_e2e_calc"
    for rel in ["__init__.py", "types.py", "py.typed", "imports/host.py", "exports/calc.py"]:
        assert (root / rel).is_file(), rel


def test_kitchen_package_layout(kitchen_pkg: ModuleType) -> None:
    root = package_dir(kitchen_pkg)
    for rel in [
        "__init__.py",
        "types.py",
        "py.typed",
        "imports/host_api.py",
        "exports/echo.py",
        "exports/results.py",
        "exports/resources.py",
        "exports/runner.py",
    ]:
        assert (root / rel).is_file(), rel
    # WASI is not part of the WIT world: no bindings for it.
    assert not list(root.rglob("*wasi*"))


def test_every_module_imports(kitchen_pkg: ModuleType) -> None:
    root = package_dir(kitchen_pkg)
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).with_suffix("")
        parts = [p for p in rel.parts if p != "__init__"]
        importlib.import_module(".".join([kitchen_pkg.__name__, *parts]))


def test_world_class_names(calc_pkg: ModuleType, kitchen_pkg: ModuleType, maps_pkg: ModuleType) -> None:
    assert inspect.isclass(calc_pkg.Calculator) and inspect.isclass(calc_pkg.CalculatorImports)
    assert inspect.isclass(kitchen_pkg.KitchenSink) and inspect.isclass(kitchen_pkg.KitchenSinkImports)
    assert inspect.isclass(maps_pkg.Maps)  # generated without --world: the file's only world


def test_type_names(kitchen_pkg: ModuleType) -> None:
    echo = submodule(kitchen_pkg, "exports.echo")
    for name in [
        "Point",
        "Person",
        "Shape",
        "Shape_Circle",
        "Shape_Rectangle",
        "Shape_Empty",
        "Color",
        "Perms",
        "Kw",
    ]:
        assert hasattr(echo, name), name
    assert echo.Color.DARK_GRAY.name == "DARK_GRAY"
    assert echo.Perms.EXEC_ALL.name == "EXEC_ALL"
    host_api = submodule(kitchen_pkg, "imports.host_api")
    for name in ["Level", "Entry", "Host"]:
        assert hasattr(host_api, name), name
    assert hasattr(submodule(kitchen_pkg, "exports.results"), "ParseError")
    assert hasattr(submodule(kitchen_pkg, "exports.resources"), "Accumulator")


def test_function_and_param_names(kitchen: Any) -> None:
    params = list(inspect.signature(kitchen.echo.multi).parameters)
    assert params == ["a", "b", "c"]
    assert list(inspect.signature(kitchen.echo.keywords).parameters) == ["class_", "in_"]
    assert callable(kitchen.echo.echo_list_u32)
    assert callable(kitchen.call_now)


def test_doc_comments_become_docstrings(calc_pkg: ModuleType, kitchen_pkg: ModuleType) -> None:
    assert "Wrapping u32 addition" in (calc_pkg.Calculator.add.__doc__ or "")
    echo = submodule(kitchen_pkg, "exports.echo")
    assert "A 2D point." in (echo.Point.__doc__ or "")
    resources = submodule(kitchen_pkg, "exports.resources")
    assert "Accumulates a running total." in (resources.Accumulator.__doc__ or "")
    assert "Adds `v`; returns the new total." in (resources.Accumulator.add.__doc__ or "")


# --------------------------------------------------------------------------- constructors


def test_from_file_accepts_str_path(calc_setup: CalcSetup) -> None:
    calc = calc_setup.pkg.Calculator.from_file(str(calc_setup.wasm), imports=calc_setup.imports())
    assert calc.add(1, 1) == 2


def test_from_bytes(calc_setup: CalcSetup) -> None:
    data = Path(calc_setup.wasm).read_bytes()
    calc = calc_setup.pkg.Calculator.from_bytes(data, imports=calc_setup.imports())
    assert calc.add(20, 22) == 42


def test_explicit_engine_and_store(calc_setup: CalcSetup) -> None:
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    calc = calc_setup.new(engine=engine, store=store)
    assert calc.add(5, 6) == 11
    assert calc.echo_string("s") == "s"


def test_cache_dir_stores_compiled_artifact(calc_setup: CalcSetup, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    first = calc_setup.new(cache_dir=cache)
    assert first.add(1, 2) == 3
    entries = sorted(p for p in cache.rglob("*") if p.is_file())
    assert entries, "nothing was written to cache_dir"
    second = calc_setup.new(cache_dir=cache)
    assert second.add(3, 4) == 7
    assert sorted(p for p in cache.rglob("*") if p.is_file()) == entries  # reused, not rewritten


def test_cache_dir_skips_compilation_in_a_new_process(kitchen_setup: KitchenSetup) -> None:
    """With a warm ``cache_dir``, a new process loads the 18 MB componentize-py guest from the
    cached artifact: compiling is made impossible there, and the guest still runs. (How fast
    that is, is measured in bench/host.py, not here.)"""
    kitchen_setup.new()  # warm the cache (the fixture passes cache_dir)
    code = kitchen_script(kitchen_setup, "print(sink.echo.echo_u32(7))")
    no_compile = (
        "from wasmtime import component as _wc\n"
        "def _refuse(*args, **kwargs):\n"
        "    raise AssertionError('compiled instead of loading the cached artifact')\n"
        "_wc.Component.__init__ = _refuse\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", no_compile + code], capture_output=True, text=True, env=_subprocess_env()
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "7"


def test_generated_package_needs_only_wasmtime_and_the_runtime(kitchen_setup: KitchenSetup) -> None:
    """Bindings run without the generator's own dependencies (lark, jinja2, black)."""
    code = kitchen_script(
        kitchen_setup,
        """
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("lark", "jinja2", "black"))
        print(sink.echo.echo_u32(3), heavy)
        """,
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_subprocess_env())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "3 []"
