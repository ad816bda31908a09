"""Building small IRs for the unit tests: from WIT text, or by hand where WIT cannot say it."""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from witgen.abi import Context, CoreSignature, Flattener, Layout, func_signature, task_return_signature
from witgen.abi.shapes import Shape
from witgen.resolve import ir, load
from witgen.resolve.structural import Structural


class OverIr:
    """A `witgen.abi` object whose methods take IR types (mapped by `Structural`), so the unit
    tests can name their types in WIT. Lists of types and shapes pass through, mapped."""

    def __init__(self, target: Layout | Flattener, structural: Structural) -> None:
        self.target = target
        self.structural = structural

    def map(self, arg: Any) -> Any:
        if isinstance(arg, ir.Prim) or (isinstance(arg, int) and not isinstance(arg, bool)):
            return self.structural.of(arg)
        if isinstance(arg, list):
            return [self.map(a) for a in arg]
        return arg

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.target, name)
        return lambda *args: method(*(self.map(a) for a in args))


def over_ir(resolve: ir.Resolve) -> tuple[Any, Any]:
    """A layout and a flattener over `resolve`'s IR types."""
    structural = Structural(resolve)
    layout = Layout()
    return OverIr(layout, structural), OverIr(Flattener(layout), structural)


def core_signature(flat: Any, func: ir.Function, context: Context, **options: bool) -> CoreSignature:
    return func_signature(flat.target, flat.structural.func(func), context, **options)


def task_return_of(flat: Any, func: ir.Function) -> CoreSignature:
    return task_return_signature(flat.target, flat.structural.func(func))


def shape_of(shape: Shape, resolve: ir.Resolve) -> Shape:
    """`shape` with IR members written as the structural types the ABI gives back."""
    structural = Structural(resolve)

    def member(x: Any) -> Any:
        if x is None or isinstance(x, Shape.__args__):  # type: ignore[attr-defined]
            return None if x is None else shape_of(x, resolve)
        return structural.of(x)

    changes = {f.name: getattr(shape, f.name) for f in dataclasses.fields(shape)}
    for name, value in changes.items():
        if isinstance(value, tuple):
            changes[name] = tuple(member(x) for x in value)
        elif name == "elem":
            changes[name] = member(value)
    return dataclasses.replace(shape, **changes)


@dataclass
class Iface:
    """One interface's types and functions, with a layout and a flattener over its resolve."""

    resolve: ir.Resolve
    types: dict[str, ir.TypeId]
    functions: dict[str, ir.Function]
    layout: Any
    flat: Any


def interface(body: str) -> Iface:
    """Resolve ``interface i { body }`` in a package of its own."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.wit"
        path.write_text(f"package t:t;\ninterface i {{\n{body}\n}}\n")
        loaded = load(path)
    resolve = loaded.resolve
    iface = resolve.interfaces[resolve.packages[loaded.main].interfaces["i"]]
    return Iface(resolve, iface.types, iface.functions, *over_ir(resolve))


def names(prefix: str, count: int) -> str:
    """``p0, p1, ...``: labels for generated enums, variants and flags."""
    return ", ".join(f"{prefix}{i}" for i in range(count))


def handmade(kind: ir.TypeDefKind) -> tuple[ir.Resolve, ir.TypeId]:
    """A resolve holding one anonymous type definition (for what WIT text rejects, such as 33 flags)."""
    resolve = ir.Resolve()
    resolve.types.append(ir.TypeDef(None, kind, None))
    return resolve, len(resolve.types) - 1
