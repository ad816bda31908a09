"""A component's exported functions: how `witgen run` names them, lists them and finds them
in the generated bindings.

An export is called by its WIT name: `add` for a world-level function (or a function of an
exported interface, if only one interface has it: what `wasmtime run --invoke` accepts), or
`<interface>.<function>`, the interface written as its short name (`calc.add`), its full name
(`witgen-e2e:calc/calc.add`, `docs:adder/add@0.1.0.add`) or wasm-wave's spelling with the version
last (`docs:adder/add.add@0.1.0`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from witgen.gen_host.model import FuncView, HostModelBuilder, WorldView
from witgen.gen_wit.printer import WitPrinter
from witgen.resolve import ir


@dataclass(frozen=True)
class Export:
    func: ir.Function
    method: str
    """The Python method calling it (on the world object, or on `attr` of it)."""
    interface: str | None = None
    """The exported interface's full name (`ns:pkg/name@1.0.0`), None for world-level functions."""
    short: str | None = None
    """The interface's short name (`name`)."""
    attr: str | None = None
    """The world object's attribute holding the interface."""
    iface: ir.InterfaceId | None = None

    @property
    def name(self) -> str:
        """How `--list` and errors spell it: `add`, `calc.add`."""
        return f"{self.short}.{self.func.name}" if self.short else self.func.name


@dataclass
class ExportedInterface:
    name: str
    short: str
    functions: list[Export]
    resources: list[str]


def _short(resolve: ir.Resolve, key: ir.WorldKey, iface: ir.InterfaceId) -> str:
    if isinstance(key, str):
        return key
    return resolve.interfaces[iface].name or resolve.key_name(key)


class Exports:
    """The exports of one world, with the names its generated bindings give them."""

    def __init__(self, resolve: ir.Resolve, builder: HostModelBuilder, view: WorldView) -> None:
        self.resolve = resolve
        self.view = view
        self.world = builder.world
        self.world_functions = [self._world_export(f) for f in view.export_funcs]
        self.interfaces: list[ExportedInterface] = []
        for slot, module in zip(builder.export_slots, view.export_modules, strict=True):
            iface = resolve.interfaces[slot.iface]
            short = _short(resolve, slot.key, slot.iface)
            funcs = [f for f in iface.functions.values() if f.resource is None]
            by_name = {fv.wit_name: fv for fv in module.functions}
            exports = [
                Export(f, by_name[f.name].name, module.link_name, short, module.attr, slot.iface)
                for f in funcs
            ]
            resources = [
                name for name, id in iface.types.items() if isinstance(resolve.types[id].kind, ir.Resource)
            ]
            self.interfaces.append(ExportedInterface(module.link_name, short, exports, resources))

    def _world_export(self, fv: FuncView) -> Export:
        item = self.world.exports[fv.wit_name]
        assert isinstance(item, ir.FunctionItem)
        return Export(item.func, fv.name)

    def all(self) -> list[Export]:
        return self.world_functions + [e for i in self.interfaces for e in i.functions]

    def find(self, name: str) -> Export:
        """The export `name` means; a `LookupError` says why there is none."""
        name = re.sub(r"(^|[.:/])%", r"\1", name)  # `%`-escaped labels, as WAVE writes keywords
        if "." not in name:
            return self._bare(name)
        where, _, func = name.rpartition(".")
        version = re.fullmatch(r"([^@]+)(@.+)", func)
        if version and "@" not in where:  # `ns:pkg/iface.func@1.0.0`
            func, where = version.group(1), where + version.group(2)
        matches = [i for i in self.interfaces if self._names_interface(i, where)]
        if not matches:
            known = ", ".join(i.name for i in self.interfaces) or "none"
            raise LookupError(f"the component exports no interface `{where}` (it exports: {known})")
        if len(matches) > 1:
            raise LookupError(
                f"`{where}` could be any of {', '.join(i.name for i in matches)}: write the interface's full name"
            )
        for export in matches[0].functions:
            if export.func.name == func:
                return export
        known = ", ".join(e.func.name for e in matches[0].functions) or "none"
        raise LookupError(f"interface {matches[0].name} exports no function `{func}` (it has: {known})")

    @staticmethod
    def _names_interface(iface: ExportedInterface, where: str) -> bool:
        return where in (iface.name, iface.name.split("@")[0], iface.short)

    def _bare(self, name: str) -> Export:
        for export in self.world_functions:
            if export.func.name == name:
                return export
        found = [e for i in self.interfaces for e in i.functions if e.func.name == name]
        if len(found) == 1:
            return found[0]
        if found:
            raise LookupError(
                f"`{name}` is exported by {len(found)} interfaces: write one of "
                + ", ".join(f"`{e.name}`" for e in found)
            )
        known = ", ".join(e.name for e in self.all()) or "none"
        raise LookupError(f"the component exports no function `{name}` (`--list` shows them all: {known})")


def signature(resolve: ir.Resolve, func: ir.Function) -> str:
    """`func(a: u32, b: u32) -> u32`, as WIT writes it."""
    printer = WitPrinter(resolve)
    params = ", ".join(f"{p.name}: {printer.type_name(p.ty)}" for p in func.params)
    result = "" if func.result is None else f" -> {printer.type_name(func.result)}"
    prefix = "async func" if func.is_async else "func"
    return f"{prefix}({params}){result}"


def listing(exports: Exports) -> str:
    """Every export with its signature; an interface's functions indented under its name."""
    lines = [f"{e.func.name}: {signature(exports.resolve, e.func)}" for e in exports.world_functions]
    for iface in exports.interfaces:
        lines.append(f"{iface.name}:" if iface.short == iface.name else f"{iface.name} ({iface.short}):")
        lines += [f"  {e.func.name}: {signature(exports.resolve, e.func)}" for e in iface.functions]
        lines += [
            f"  resource {r} (its functions need a handle: not callable from `witgen run`)"
            for r in iface.resources
        ]
    return "\n".join(lines) + "\n"


def has_handle(resolve: ir.Resolve, ty: ir.Type | None, seen: frozenset[ir.TypeId] = frozenset()) -> bool:
    """Whether values of `ty` can hold a resource handle (which WAVE can't write)."""
    if ty is None or isinstance(ty, ir.Prim) or ty in seen:
        return False
    kind = resolve.types[ty].kind
    seen = seen | {ty}
    if isinstance(kind, (ir.Handle, ir.Resource)):
        return True
    if isinstance(kind, ir.Record):
        return any(has_handle(resolve, f.ty, seen) for f in kind.fields)
    if isinstance(kind, ir.Variant):
        return any(has_handle(resolve, c.ty, seen) for c in kind.cases)
    if isinstance(kind, ir.Tuple):
        return any(has_handle(resolve, t, seen) for t in kind.types)
    if isinstance(kind, ir.MapType):
        return has_handle(resolve, kind.key, seen) or has_handle(resolve, kind.value, seen)
    if isinstance(kind, ir.ResultType):
        return has_handle(resolve, kind.ok, seen) or has_handle(resolve, kind.err, seen)
    if isinstance(kind, (ir.ListType, ir.FixedListType, ir.OptionType, ir.Alias)):
        return has_handle(resolve, kind.ty, seen)
    return False
