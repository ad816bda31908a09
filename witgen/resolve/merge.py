"""Merging a decoded binary WIT package's resolve into the one being built, as wit-parser's
`Resolve::merge` does.

A binary package (`deps/x.wasm`) decodes to a resolve of its own: the package, preceded by the
parts of other packages it uses. Packages already present (defined in full, or carried by an
earlier binary) are matched by name: their interfaces and worlds by name, an interface's types
by name; what only the binary has is copied in. Everything else is copied with its ids remapped
(with `dataclasses.replace`, so fields the IR gains later are carried along).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from witgen.resolve import ir


def map_kind(kind: ir.TypeDefKind, f: Callable[[ir.TypeId], ir.TypeId]) -> ir.TypeDefKind:
    """`kind` with every type definition it refers to replaced by `f` of it."""

    def t(ty: ir.Type) -> ir.Type:
        return ty if isinstance(ty, ir.Prim) else f(ty)

    def opt(ty: ir.Type | None) -> ir.Type | None:
        return None if ty is None else t(ty)

    match kind:
        case ir.Alias(ty):
            return ir.Alias(t(ty))
        case ir.Handle(handle_kind, resource):
            return ir.Handle(handle_kind, f(resource))
        case ir.Record(fields):
            return ir.Record([replace(x, ty=t(x.ty)) for x in fields])
        case ir.Variant(cases):
            return ir.Variant([replace(c, ty=opt(c.ty)) for c in cases])
        case ir.Tuple(types):
            return ir.Tuple([t(ty) for ty in types])
        case ir.OptionType(ty):
            return ir.OptionType(t(ty))
        case ir.ListType(ty):
            return ir.ListType(t(ty))
        case ir.FixedListType(ty, size):
            return ir.FixedListType(t(ty), size)
        case ir.MapType(key, value):
            return ir.MapType(t(key), t(value))
        case ir.ResultType(ok, err):
            return ir.ResultType(opt(ok), opt(err))
        case ir.FutureType(ty):
            return ir.FutureType(opt(ty))
        case ir.StreamType(ty):
            return ir.StreamType(opt(ty))
    return kind


@dataclass
class Merger:
    """Copies `source`'s packages into `into`; the maps take a source id to its id in `into`."""

    into: ir.Resolve
    source: ir.Resolve
    packages: dict[ir.PackageId, ir.PackageId] = field(default_factory=dict)
    interfaces: dict[ir.InterfaceId, ir.InterfaceId] = field(default_factory=dict)
    worlds: dict[ir.WorldId, ir.WorldId] = field(default_factory=dict)
    types: dict[ir.TypeId, ir.TypeId] = field(default_factory=dict)

    def package(self, pkg_id: ir.PackageId) -> ir.PackageId:
        found = self.packages.get(pkg_id)
        if found is not None:
            return found
        pkg = self.source.packages[pkg_id]
        existing = self.into.package_names.get(pkg.name)
        if existing is None:
            existing = len(self.into.packages)
            self.into.packages.append(replace(pkg, interfaces={}, worlds={}))
            self.into.package_names[pkg.name] = existing
        self.packages[pkg_id] = existing
        target = self.into.packages[existing]
        for name, iface_id in pkg.interfaces.items():
            if name in target.interfaces:
                self.match_interface(iface_id, target.interfaces[name])
            else:
                target.interfaces[name] = self.interface(iface_id)
        for name, world_id in pkg.worlds.items():
            if name in target.worlds:
                self.match_world(world_id, target.worlds[name])
            else:
                target.worlds[name] = self.world(world_id)
        return existing

    def match_interface(self, from_id: ir.InterfaceId, into_id: ir.InterfaceId) -> None:
        """The same interface on both sides: types and functions only the source has are added."""
        self.interfaces[from_id] = into_id
        old, new = self.source.interfaces[from_id], self.into.interfaces[into_id]
        for name, ty in old.types.items():
            if name in new.types:
                self.types[ty] = new.types[name]
        for name, ty in old.types.items():
            if name not in new.types:
                new.types[name] = self.type_id(ty)
        for name, func in old.functions.items():
            if name not in new.functions:
                new.functions[name] = self.function(func)

    def match_world(self, from_id: ir.WorldId, into_id: ir.WorldId) -> None:
        self.worlds[from_id] = into_id
        old, new = self.source.worlds[from_id], self.into.worlds[into_id]
        for items, targets in ((old.imports, new.imports), (old.exports, new.exports)):
            for key, item in items.items():
                found = targets.get(key) if isinstance(key, str) else None
                if isinstance(item, ir.TypeItem) and isinstance(found, ir.TypeItem):
                    self.types[item.id] = found.id

    def interface(self, iface_id: ir.InterfaceId) -> ir.InterfaceId:
        found = self.interfaces.get(iface_id)
        if found is not None:
            return found
        old = self.source.interfaces[iface_id]
        package = None if old.package is None else self.package(old.package)
        found = self.interfaces.get(iface_id)  # its package may have just copied it
        if found is not None:
            return found
        new_id = len(self.into.interfaces)
        self.interfaces[iface_id] = new_id
        new = replace(old, package=package, types={}, functions={}, clone_of=None)
        self.into.interfaces.append(new)
        new.clone_of = None if old.clone_of is None else self.interface(old.clone_of)
        new.types = {name: self.type_id(ty) for name, ty in old.types.items()}
        new.functions = {name: self.function(f) for name, f in old.functions.items()}
        return new_id

    def world(self, world_id: ir.WorldId) -> ir.WorldId:
        found = self.worlds.get(world_id)
        if found is not None:
            return found
        old = self.source.worlds[world_id]
        new_id = len(self.into.worlds)
        self.worlds[world_id] = new_id
        new = replace(old, package=None, imports={}, exports={})
        self.into.worlds.append(new)
        new.package = None if old.package is None else self.package(old.package)
        new.imports = {self.key(k): self.world_item(item) for k, item in old.imports.items()}
        new.exports = {self.key(k): self.world_item(item) for k, item in old.exports.items()}
        return new_id

    def key(self, key: ir.WorldKey) -> ir.WorldKey:
        return key if isinstance(key, str) else ir.InterfaceKey(self.interface(key.id))

    def world_item(self, item: ir.WorldItem) -> ir.WorldItem:
        if isinstance(item, ir.InterfaceItem):
            return replace(item, id=self.interface(item.id))
        if isinstance(item, ir.FunctionItem):
            return ir.FunctionItem(self.function(item.func))
        return ir.TypeItem(self.type_id(item.id))

    def owner(self, owner: ir.TypeOwner) -> ir.TypeOwner:
        if isinstance(owner, ir.InterfaceOwner):
            return ir.InterfaceOwner(self.interface(owner.id))
        if isinstance(owner, ir.WorldOwner):
            return ir.WorldOwner(self.world(owner.id))
        return None

    def type_id(self, type_id: ir.TypeId) -> ir.TypeId:
        found = self.types.get(type_id)
        if found is not None:
            return found
        old = self.source.types[type_id]
        owner = self.owner(old.owner)
        found = self.types.get(type_id)  # copying its owner may have copied it
        if found is not None:
            return found
        kind = map_kind(old.kind, self.type_id)
        self.into.types.append(replace(old, kind=kind, owner=owner))
        found = len(self.into.types) - 1
        self.types[type_id] = found
        return found

    def function(self, func: ir.Function) -> ir.Function:
        def ty(t: ir.Type) -> ir.Type:
            return t if isinstance(t, ir.Prim) else self.type_id(t)

        return replace(
            func,
            params=[ir.Param(p.name, ty(p.ty)) for p in func.params],
            result=None if func.result is None else ty(func.result),
            resource=None if func.resource is None else self.type_id(func.resource),
        )


def merge(into: ir.Resolve, source: ir.Resolve) -> dict[ir.PackageId, ir.PackageId]:
    """Merge every package of `source` into `into`; returns where each package went."""
    merger = Merger(into, source)
    for pkg_id in range(len(source.packages)):
        merger.package(pkg_id)
    return merger.packages
