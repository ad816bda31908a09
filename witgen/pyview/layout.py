"""Where a world's interfaces live in the generated package: one module per imported or exported
interface (`imports.<name>`, `exports.<name>`), and which module defines each named type."""

from __future__ import annotations

from dataclasses import dataclass

from witgen.pyview.names import snake
from witgen.pyview.types import Home
from witgen.resolve import ir


@dataclass
class Slot:
    """An interface the world imports or exports, and the name of its module."""

    key: ir.WorldKey
    iface: ir.InterfaceId
    imported: bool
    module_name: str = ""

    @property
    def module(self) -> str:
        """Dotted, relative to the package: `imports.host_api`."""
        return f"{'imports' if self.imported else 'exports'}.{self.module_name}"


def is_wasi(resolve: ir.Resolve, iface: ir.InterfaceId) -> bool:
    pkg = resolve.interfaces[iface].package
    return pkg is not None and resolve.packages[pkg].name.namespace == "wasi"


def _full_name(resolve: ir.Resolve, slot: Slot) -> str:
    iface = resolve.interfaces[slot.iface]
    if isinstance(slot.key, str) or iface.package is None:
        return snake(resolve.key_name(slot.key))
    pkg = resolve.packages[iface.package].name
    return snake(f"{pkg.namespace}-{pkg.name}-{iface.name}")


def _short_name(resolve: ir.Resolve, slot: Slot) -> str:
    if isinstance(slot.key, str):
        return snake(slot.key)
    return snake(resolve.interfaces[slot.iface].name or f"interface-{slot.iface}")


def assign_module_names(resolve: ir.Resolve, slots: list[Slot], unique: bool) -> None:
    """componentize-py's rule: snake_case interface names, the full `ns_pkg_name` form only where
    two would clash. `unique` adds a numeric suffix if even those clash (a plain-named import can
    look like a full name); componentize-py does not."""
    short = [_short_name(resolve, s) for s in slots]
    taken: set[str] = set()
    for slot, name in zip(slots, short, strict=True):
        name = _full_name(resolve, slot) if short.count(name) > 1 else name
        if unique:
            base, n = name, 2
            while name in taken:
                name, n = f"{base}_{n}", n + 1
            taken.add(name)
        slot.module_name = name


class WorldLayout:
    """The interface modules of one world and the homes of its named types.

    An interface the world both imports and exports has a module on each side; `home_of` says
    which one a reference means. Subclasses choose the alias modules import each other as.
    """

    def __init__(self, resolve: ir.Resolve, world: ir.WorldId, unique_module_names: bool) -> None:
        self.resolve = resolve
        self.world = resolve.worlds[world]
        imports = [
            Slot(k, v.id, True) for k, v in self.world.imports.items() if isinstance(v, ir.InterfaceItem)
        ]
        exports = [
            Slot(k, v.id, False) for k, v in self.world.exports.items() if isinstance(v, ir.InterfaceItem)
        ]
        assign_module_names(resolve, imports, unique_module_names)
        assign_module_names(resolve, exports, unique_module_names)
        self.exported_world_types = {v.id for v in self.world.exports.values() if isinstance(v, ir.TypeItem)}
        self.import_slots = imports
        self.export_slots = exports
        self.import_slot_of = {slot.iface: slot for slot in imports}
        self.export_slot_of = {slot.iface: slot for slot in exports}

    def world_functions(self, imported: bool) -> list[ir.Function]:
        """The world's own (not interface) imported or exported functions, in WIT order."""
        items = self.world.imports if imported else self.world.exports
        return [item.func for item in items.values() if isinstance(item, ir.FunctionItem)]

    def world_types(self) -> list[ir.TypeId]:
        """The world's own named types, in WIT order: imported, then exported (a component's
        top-level type exports; WIT-derived worlds have none, see `from_component.decode`)."""
        items = [*self.world.imports.values(), *self.world.exports.values()]
        return [item.id for item in items if isinstance(item, ir.TypeItem)]

    def alias_of(self, slot: Slot) -> str:
        """The name other generated modules import the slot's module as."""
        return ("_i_" if slot.imported else "_e_") + slot.module_name

    def home_of(self, id: ir.TypeId, prefer_import: bool = False) -> Home:
        """Where type `id` is defined: for an interface on both sides, the imported module if
        `prefer_import`, else the exported one."""
        owner = self.resolve.types[id].owner
        if isinstance(owner, ir.InterfaceOwner):
            first, second = (
                (self.import_slot_of, self.export_slot_of)
                if prefer_import
                else (self.export_slot_of, self.import_slot_of)
            )
            slot = first.get(owner.id) or second.get(owner.id)
            if slot is None:
                raise ValueError(
                    f"type {self.resolve.types[id].name} belongs to an interface outside the world"
                )
            return Home(slot.module, self.alias_of(slot), slot.imported, self.resolve.key_name(slot.key))
        return Home("", "_world", id not in self.exported_world_types, "")
