"""The names of generated cabi call sites never clash: no factory binds a name twice, no inner
function rebinds one of its core parameters or a name its factory bound (a helper, the trap slot). Checked on
the source of every call site generated for the golden worlds and the e2e components' worlds."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from e2e.build import SPECS

from witgen.gen_host import generate
from witgen.resolve import load

ROOT = Path(__file__).resolve().parents[2]
WORLDS = {
    **{p.parent.name: (p, None) for p in sorted((ROOT / "tests/golden/host").glob("*/input.wit"))},
    "echo": (SPECS["echo"].wit_path, "echo"),
    "fixed": (SPECS["fixed"].wit_path, "fixed"),
    "calc": (SPECS["calc"].wit_path, "calculator"),
}


def bound_names(func: ast.FunctionDef) -> set[str]:
    """Names assigned in `func`'s own body (not in nested functions)."""
    names: set[str] = set()
    stack: list[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return names


@pytest.mark.parametrize("world", sorted(WORLDS))
def test_call_sites_never_rebind_parameters_or_factory_names(world: str) -> None:
    path, name = WORLDS[world]
    loaded = load(path)
    files = generate(loaded.resolve, loaded.select_world(name), "pkg")
    factories = 0
    for path, source in files.items():
        if not path.startswith("_cabi/"):
            continue
        for node in ast.parse(source).body:
            if not isinstance(node, ast.FunctionDef):
                continue
            factories += 1
            inner = next(n for n in node.body if isinstance(n, ast.FunctionDef))
            outer = bound_names(node) - {inner.name}
            params = {a.arg for a in inner.args.args}
            rebound = bound_names(inner)
            assert not rebound & params, f"{node.name} rebinds its parameters {sorted(rebound & params)}"
            assert not rebound & outer, f"{node.name} shadows its factory's {sorted(rebound & outer)}"
            assert not params & outer, f"{node.name}: parameters shadow {sorted(params & outer)}"
            prologue = [
                n.id
                for stmt in node.body
                if isinstance(stmt, ast.Assign)
                for target in stmt.targets
                for n in ast.walk(target)
                if isinstance(n, ast.Name)
            ]
            twice = sorted({n for n in prologue if prologue.count(n) > 1})
            assert not twice, f"{node.name} binds {twice} twice"
    assert factories


def test_parameters_named_like_the_methods_own_names_still_import(tmp_path: Path) -> None:
    import importlib
    import sys

    from witgen.gen_host import write_package

    (tmp_path / "w.wit").write_text(
        "package hostile:n;\n"
        "interface api {\n"
        "  resource r { constructor(self: u32); m: func(cls: u32, %result: u32); s: static func(cls: u32) -> u32; }\n"
        "  f: func(self: u32, cls: u32, %result: u32) -> u32;\n"
        "}\n"
        "world w { import api; export api; export g: func(self: u32, %result: string) -> u32; }\n"
    )
    loaded = load(tmp_path / "w.wit")
    write_package(generate(loaded.resolve, loaded.select_world(), "names_pkg"), tmp_path / "names_pkg")
    sys.path.insert(0, str(tmp_path))
    try:
        pkg = importlib.import_module("names_pkg")
        importlib.import_module("names_pkg.exports.api")
        importlib.import_module("names_pkg.imports.api")
    finally:
        sys.path.remove(str(tmp_path))
    assert "self_: int" in (tmp_path / "names_pkg/__init__.py").read_text()
    assert pkg.W.g.__code__.co_varnames[:3] == ("self", "self_", "result_")
