"""The layers of `witgen/` (issue 19, items 1 and 2): the front-end (parser, resolve, the
generators) never imports the runtime (nor wasmtime, but to read WebAssembly text); what both
share, `witgen.component` (the binary reader and the structural type model) and `witgen.abi`
(the Canonical ABI over that model), imports neither, and no package cycle is added. Checked statically over every import statement (those
inside functions and `TYPE_CHECKING` blocks too) and at run time in a fresh process."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tests.wasm_wit.helpers import wasm_tools

ROOT = Path(__file__).resolve().parents[1]
WITGEN = ROOT / "witgen"
EXAMPLE = ROOT / "examples" / "calculator"

FRONT_END = ("parser", "resolve", "abi", "pyview", "gen_host", "gen_guest", "gen_wit", "gen_sdk", "component")
RUNTIME = ("witgen.runtime", "witgen.wasi", "witgen.http")
KNOWN_CYCLES: set[tuple[str, str]] = set()
"""None left: engines are found by name (`runtime/engines.py`), the bindings name a loaded component
as `runtime.Component` (not the cabi engine's class), and witgen's WASI links itself into an
instance (`runtime.wasi.PythonWasi`), so the runtime imports neither the cabi engine nor `witgen.wasi`."""


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, relative imports made absolute."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


GRAPH = {_module(p): _imports(p) for p in sorted(WITGEN.rglob("*.py"))}


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_the_front_end_never_imports_the_runtime() -> None:
    front = tuple(f"witgen.{p}" for p in FRONT_END)
    arrows = sorted(
        f"{module} -> {name}"
        for module, names in GRAPH.items()
        if _under(module, front)
        for name in names
        if _under(name, RUNTIME)
    )
    assert not arrows, arrows


def _top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    return {alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names} | {
        node.module for node in tree.body if isinstance(node, ast.ImportFrom) and node.module
    }


def test_the_front_end_imports_wasmtime_only_to_read_webassembly_text() -> None:
    """`witgen.resolve.wat` converts `.wat` with `wasmtime.wat2wasm`, imported when text is met."""
    front = tuple(f"witgen.{p}" for p in FRONT_END)
    users = sorted(
        m for m, names in GRAPH.items() if _under(m, front) and any(_under(n, ("wasmtime",)) for n in names)
    )
    assert users == ["witgen.resolve.wat"]
    assert not any(_under(n, ("wasmtime",)) for n in _top_level_imports(WITGEN / "resolve" / "wat.py"))


PRIVATE_MEMBERS = {
    "_from_ptr",
    "_from_raw",
    "_context",
    "_consume",
    "_func",
    "_memory",
    "ptr",
    "LAST_EXCEPTION",
}
"""Members of wasmtime-py's objects that are not its public API (and that witgen's own objects
don't use as names)."""


def test_wasmtime_internals_are_touched_in_one_module() -> None:
    """Item 3: `witgen/runtime/internals.py` (version-checked, with `AVAILABLE` and a reason)
    is the only module importing wasmtime-py's private modules or using its objects' private
    members; everything else asks it."""
    private_imports = sorted(
        f"{m} -> {n}"
        for m, names in GRAPH.items()
        for n in names
        if n.startswith("wasmtime.") and any(part.startswith("_") for part in n.split(".")[1:])
    )
    assert private_imports == [
        "witgen.runtime.internals -> wasmtime._bindings",
        "witgen.runtime.internals -> wasmtime._extern",
        "witgen.runtime.internals -> wasmtime._extern.get_extern_ptr",
        "witgen.runtime.internals -> wasmtime._extern.wrap_extern",
        "witgen.runtime.internals -> wasmtime._ffi",
        "witgen.runtime.internals -> wasmtime.component._enter",
    ], private_imports
    members = sorted(
        f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}"
        for path in sorted(WITGEN.rglob("*.py"))
        if path.name != "internals.py"
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Attribute)
        and node.attr in PRIVATE_MEMBERS
        and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
    )
    assert members == [], members


@pytest.mark.parametrize(
    "shared, allowed",
    [(("witgen.component",), ("witgen.component",)), (("witgen.abi",), ("witgen.abi", "witgen.component"))],
)
def test_the_shared_layers_import_only_each_other_and_the_standard_library(
    shared: tuple[str, ...], allowed: tuple[str, ...]
) -> None:
    arrows = sorted(
        f"{module} -> {name}"
        for module, names in GRAPH.items()
        if _under(module, shared)
        for name in names
        if name.split(".")[0] not in sys.stdlib_module_names | {"__future__"} and not _under(name, allowed)
    )
    assert not arrows, arrows


def _package(module: str) -> str:
    parts = module.split(".")
    subpackages = (["runtime", "cabi"], ["runtime", "wasmtime"], ["gen_host", "cabi"])
    return ".".join(parts[:3] if parts[1:3] in subpackages else parts[:2])


def test_no_new_cycles_between_packages() -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for module, names in GRAPH.items():
        for name in names:
            if name.startswith("witgen.") and _package(name) != _package(module):
                edges[_package(module)].add(_package(name))

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                todo.extend(edges.get(node, ()))
        return False

    cycles = {(a, b) for a, targets in edges.items() for b in targets if reaches(b, a)}
    assert cycles <= KNOWN_CYCLES, sorted(cycles - KNOWN_CYCLES)


def test_the_engine_neutral_runtime_imports_neither_engine() -> None:
    """Item 3: `witgen.runtime` (errors, limits, sites, the `Engine` protocols, codecs) finds the
    engines by name; `runtime.wasmtime` and `runtime.cabi` build on it, never the other way."""
    engines = ("witgen.runtime.wasmtime", "witgen.runtime.cabi")
    arrows = sorted(
        f"{module} -> {name}"
        for module, names in GRAPH.items()
        if _under(module, ("witgen.runtime",)) and not _under(module, engines)
        for name in names
        if _under(name, engines)
    )
    assert not arrows, arrows
    assert {m for m in GRAPH if _under(m, ("witgen.runtime.wasmtime",))} >= {
        "witgen.runtime.wasmtime.engine",
        "witgen.runtime.wasmtime.instance",
    }


PROGRAM = """
import sys
from witgen.cli import main
code = main(sys.argv[1:])
print(code, "wasmtime" in sys.modules, sorted(m for m in sys.modules if m.startswith(("witgen.runtime", "witgen.wasi"))))
"""


@pytest.fixture(scope="module")
def package_wasm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pkg") / "calc-package.wasm"
    wasm_tools("component", "wit", EXAMPLE / "calc.wit", "--wasm", "-o", out)
    return out


@pytest.mark.parametrize("command", ["check", "wit"])
@pytest.mark.parametrize("kind", ["component", "package", "text"])
def test_reading_a_binary_loads_no_runtime(
    command: str, kind: str, package_wasm: Path, tmp_path: Path
) -> None:
    """`witgen check x.wasm` and `witgen wit x.wasm` import neither wasmtime nor the runtime;
    WebAssembly text (`x.wat`) needs wasmtime's `wat2wasm`, still not the runtime."""
    wasm = {"component": EXAMPLE / "calculator.wasm", "package": package_wasm}.get(kind)
    if wasm is None:
        wasm = tmp_path / "calc.wat"
        wasm.write_text(wasm_tools("print", package_wasm))
    out = subprocess.run(
        [sys.executable, "-c", PROGRAM, command, str(wasm)], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == f"0 {kind == 'text'} []", out.stdout
