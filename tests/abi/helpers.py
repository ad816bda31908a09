"""Building small IRs for the unit tests: from WIT text, or by hand where WIT cannot say it."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from witgen.abi import Flattener, Layout
from witgen.resolve import ir, load


@dataclass
class Iface:
    """One interface's types and functions, with a layout and a flattener over its resolve."""

    resolve: ir.Resolve
    types: dict[str, ir.TypeId]
    functions: dict[str, ir.Function]
    layout: Layout
    flat: Flattener


def interface(body: str) -> Iface:
    """Resolve ``interface i { body }`` in a package of its own."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.wit"
        path.write_text(f"package t:t;\ninterface i {{\n{body}\n}}\n")
        loaded = load(path)
    resolve = loaded.resolve
    iface = resolve.interfaces[resolve.packages[loaded.main].interfaces["i"]]
    layout = Layout(resolve)
    return Iface(resolve, iface.types, iface.functions, layout, Flattener(resolve, layout))


def names(prefix: str, count: int) -> str:
    """``p0, p1, ...``: labels for generated enums, variants and flags."""
    return ", ".join(f"{prefix}{i}" for i in range(count))


def handmade(kind: ir.TypeDefKind) -> tuple[ir.Resolve, ir.TypeId]:
    """A resolve holding one anonymous type definition (for what WIT text rejects, such as 33 flags)."""
    resolve = ir.Resolve()
    resolve.types.append(ir.TypeDef(None, kind, None))
    return resolve, len(resolve.types) - 1
