"""Turn evaluated component entities into witgen's IR, the way wit-component's decoder does.

Interfaces are unified by name: a named interface seen again (imported by another interface, a
world, or both imported and exported) reuses the first one, and its types are matched by export
name. `type_map` records which IR type each `Tid` became, so an `eq` export whose target is
already known becomes `type x = y` (a `use`), and handles find their resource. Interfaces of other
packages are collected as foreign packages, inserted before the main package in dependency order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from witgen.component import types as t
from witgen.component.names import parse_name
from witgen.errors import WitError
from witgen.resolve import ir
from witgen.resolve.from_component.entities import Entity, Func, Instance, Nested, Tid

_PRIMS = {p.value: p for p in ir.Prim}
_RESOURCE_KINDS: dict[tuple[str, bool], ir.FunctionKindName] = {
    ("constructor", False): "constructor",
    ("constructor", True): "constructor",
    ("method", False): "method",
    ("method", True): "async-method",
    ("static", False): "static",
    ("static", True): "async-static",
}


@dataclass
class PackageFields:
    """A package being assembled: its name and items before it gets an id."""

    name: ir.PackageName
    interfaces: dict[str, ir.InterfaceId] = field(default_factory=dict)
    worlds: dict[str, ir.WorldId] = field(default_factory=dict)


def package_name(name: str) -> tuple[ir.PackageName, str]:
    """Split `ns:pkg/item@version` into its package name and item name."""
    parsed = parse_name(name)
    if parsed.kind != "interface" or parsed.namespace is None or parsed.package is None:
        raise WitError(f"`{name}` is not a fully qualified `namespace:package/name` name")
    return ir.PackageName(parsed.namespace, parsed.package, parsed.version), parsed.label


def _external_id(inst: Instance, name: str) -> str | None:
    spelling = inst.names.get(name)
    return None if spelling is None else spelling.external_id


def inexpressible(ent: Entity) -> bool:
    """An import or export WIT has no words for, left out of its world or interface: a core
    module (or another core item or a value: `None` here), a component, or a type naming a
    function, instance or component type."""
    if isinstance(ent, Tid):
        return ent.peel().kind in ("func", "instance", "component")
    return ent is None or isinstance(ent, Nested)


class IrBuilder:
    def __init__(self) -> None:
        self.resolve = ir.Resolve(all_features=True)
        self.type_map: dict[Tid, ir.TypeId] = {}
        self.named: dict[str, ir.InterfaceId] = {}
        self.foreign: dict[ir.PackageName, PackageFields] = {}
        self.iface_package: dict[ir.InterfaceId, ir.PackageName] = {}
        self.resources: dict[ir.TypeOwner, dict[str, ir.TypeId]] = {}
        self.unhomed: dict[Tid, tuple[str, bool]] = {}
        """Types only a skipped nested instance exports: export name, and whether the instance
        is one the component exports (see `home_world`)."""
        self.exporting = False
        """Whether the world item being built is an export."""
        self.home_world: tuple[ir.World, ir.WorldOwner] | None = None
        """The component's world, where a function's type that WIT could not reach through a
        skipped nested instance is defined as a world-level type; None for WIT packages."""

    def skip_nested(self, inst: Instance) -> None:
        """Remember the types of a nested instance WIT can't express, in case a function uses one."""
        for name, ent in inst.exports.items():
            if isinstance(ent, Tid):
                self.unhomed.setdefault(ent.referenced(), (name, self.exporting))
            elif isinstance(ent, Instance):
                self.skip_nested(ent)

    # ---- interfaces and worlds ----------------------------------------------------

    def world_item(
        self, spelling: t.ExternName, ent: Entity, owner: ir.WorldOwner, main: PackageFields
    ) -> tuple[ir.WorldKey, ir.WorldItem]:
        name, external_id = spelling.name, spelling.external_id
        if isinstance(ent, Instance):
            if spelling.implements is not None:
                iface = self.register_import(spelling.implements, ent)
                return name, ir.InterfaceItem(iface, external_id=external_id)
            if "/" in name:
                iface = self.register_import(name, ent)
                return ir.InterfaceKey(iface), ir.InterfaceItem(iface, external_id=external_id)
            key, iface = self.register_interface(name, ent, main)
            return key, ir.InterfaceItem(iface, external_id=external_id)
        if isinstance(ent, Func):
            return name, ir.FunctionItem(self.function(name, ent.type, owner, external_id))
        if isinstance(ent, Tid):
            return name, ir.TypeItem(self.type_export(name, owner, ent, external_id))
        raise WitError(f"component import or export `{name}` is not an instance, function or type")

    def world(self, name: str, comp: Tid, main: PackageFields) -> None:
        """A `world` encoded as a component type exported under `ns:pkg/world`."""
        _, label = package_name(name)
        world = ir.World(label, None)
        owner = ir.WorldOwner(len(self.resolve.worlds))
        for item_name, ent in comp.imports.items():
            key, item = self.world_item(comp.import_names[item_name], ent, owner, main)
            world.imports[key] = item
        for item_name, ent in comp.exports.items():
            key, item = self.world_item(comp.names[item_name], ent, owner, main)
            world.exports[key] = item
        self.resolve.worlds.append(world)
        main.worlds[label] = len(self.resolve.worlds) - 1

    def register_interface(
        self, name: str, inst: Instance, main: PackageFields
    ) -> tuple[ir.WorldKey, ir.InterfaceId]:
        """A new interface: named (`ns:pkg/i`, part of `main`) or a world's inline interface."""
        if name in self.named:
            iface_id = self.register_import(name, inst)
            return ir.InterfaceKey(iface_id), iface_id
        label = package_name(name)[1] if "/" in name else None
        iface = ir.Interface(label, None)
        owner = ir.InterfaceOwner(len(self.resolve.interfaces))
        for item_name, ent in inst.exports.items():
            if isinstance(ent, Instance):  # an instance inside an interface: no WIT for it
                self.skip_nested(ent)
                continue
            if inexpressible(ent):
                continue
            external_id = _external_id(inst, item_name)
            if isinstance(ent, Tid):
                iface.types[item_name] = self.type_export(item_name, owner, ent, external_id)
            elif isinstance(ent, Func):
                iface.functions[item_name] = self.function(item_name, ent.type, owner, external_id)
            else:
                raise WitError(f"export `{item_name}` of `{name}` is not a type or function")
        self.resolve.interfaces.append(iface)
        iface_id = len(self.resolve.interfaces) - 1
        if label is None:
            return name, iface_id
        main.interfaces[label] = iface_id
        self.named[name] = iface_id
        return ir.InterfaceKey(iface_id), iface_id

    def register_import(self, name: str, inst: Instance) -> ir.InterfaceId:
        """A named interface used here: defined earlier in this package, or another package's."""
        is_local = name in self.named
        iface_id = self.named[name] if is_local else self.dependency_interface(name)
        iface = self.resolve.interfaces[iface_id]
        owner = ir.InterfaceOwner(iface_id)
        for item_name, ent in inst.exports.items():
            if isinstance(ent, Instance):  # an instance inside an interface: no WIT for it
                self.skip_nested(ent)
                continue
            if inexpressible(ent):
                continue
            if isinstance(ent, Tid):
                known = iface.types.get(item_name)
                if known is None:
                    if is_local:
                        raise WitError(f"type `{item_name}` is not defined in interface `{name}`")
                    external_id = _external_id(inst, item_name)
                    iface.types[item_name] = self.type_export(item_name, owner, ent, external_id)
                else:
                    self.type_map.setdefault(ent, known)
            elif isinstance(ent, Func):
                if item_name in iface.functions:
                    continue
                if is_local:
                    raise WitError(f"function `{item_name}` is not defined in interface `{name}`")
                external_id = _external_id(inst, item_name)
                iface.functions[item_name] = self.function(item_name, ent.type, owner, external_id)
            else:
                raise WitError(f"export `{item_name}` of `{name}` is not a type or function")
        return iface_id

    def dependency_interface(self, name: str) -> ir.InterfaceId:
        pkg_name, label = package_name(name)
        pkg = self.foreign.setdefault(pkg_name, PackageFields(pkg_name))
        if label not in pkg.interfaces:
            self.resolve.interfaces.append(ir.Interface(label, None))
            pkg.interfaces[label] = len(self.resolve.interfaces) - 1
        iface_id = pkg.interfaces[label]
        self.iface_package[iface_id] = pkg_name
        return iface_id

    # ---- types and functions ------------------------------------------------------

    def find_alias(self, tid: Tid) -> ir.TypeId | None:
        cur: Tid | None = tid
        while cur is not None:
            if cur in self.type_map:
                return self.type_map[cur]
            cur = cur.target if cur.kind == "alias" else None
        return None

    def home_unhomed(self, tid: Tid) -> ir.TypeId | None:
        """A type reachable only through a skipped nested instance, made a world-level type
        under its export name (unless the world already has an item of that name): exported
        like a top-level type export if the instance is exported, else imported."""
        found = self.unhomed.get(tid.referenced())
        if found is None or self.home_world is None:
            return None
        (name, exported), (world, owner) = found, self.home_world
        if name in world.imports or name in world.exports:
            return None
        del self.unhomed[tid.referenced()]
        type_id = self.type_export(name, owner, tid.referenced())
        (world.exports if exported else world.imports)[name] = ir.TypeItem(type_id)
        return type_id

    def type_export(
        self, name: str, owner: ir.TypeOwner, created: Tid, external_id: str | None = None
    ) -> ir.TypeId:
        """A named type: a `use` of a known type, or a new definition."""
        prev = self.find_alias(created.referenced())
        kind: ir.TypeDefKind
        if prev is not None:
            kind = ir.Alias(prev)
        else:
            base = created.peel()
            kind = ir.Resource() if base.kind == "resource" else self.defined(base)
        self.resolve.types.append(ir.TypeDef(name, kind, owner, external_id=external_id))
        type_id = len(self.resolve.types) - 1
        if isinstance(kind, ir.Resource):
            self.resources.setdefault(owner, {})[name] = type_id
        self.type_map.setdefault(created, type_id)
        return type_id

    def valtype(self, val: t.ValType, scope_of: Tid) -> ir.Type:
        if isinstance(val, t.Prim):
            return _PRIMS[val.name]
        if isinstance(val, t.TypeRef):
            return self.type_ref(scope_of.ref(val.index))
        raise WitError(f"unexpected inline type {val!r}")

    def opt_valtype(self, val: t.ValType | None, scope_of: Tid) -> ir.Type | None:
        return None if val is None else self.valtype(val, scope_of)

    def type_ref(self, tid: Tid) -> ir.Type:
        """A use of a type: the IR type it already became, or a new anonymous type."""
        known = self.find_alias(tid)
        if known is None:
            known = self.home_unhomed(tid)
        if known is not None:
            return known
        base = tid.peel()
        if base.kind != "defined":
            raise WitError(f"a value type refers to a {base.kind} type that was never exported")
        self.resolve.types.append(ir.TypeDef(None, self.defined(base), None))
        type_id = len(self.resolve.types) - 1
        self.type_map[tid] = type_id
        return type_id

    def handle(self, kind: str, index: int, scope_of: Tid) -> ir.Handle:
        target = scope_of.ref(index)
        resource = self.find_alias(target)
        if resource is None:
            resource = self.home_unhomed(target)
        if resource is None:
            raise WitError("a handle refers to a resource that was never exported")
        return ir.Handle("own" if kind == "own" else "borrow", resource)

    def defined(self, tid: Tid) -> ir.TypeDefKind:
        """The IR kind of a defined value type (references resolved in its own scope)."""
        val = tid.val
        v = self.valtype
        o = self.opt_valtype
        if isinstance(val, t.Prim):
            return ir.Alias(_PRIMS[val.name])
        if isinstance(val, t.Record):
            return ir.Record([ir.Field(n, v(ty, tid)) for n, ty in val.fields])
        if isinstance(val, t.Variant):
            return ir.Variant([ir.Case(n, o(ty, tid)) for n, ty in val.cases])
        if isinstance(val, t.ListType):
            elem = v(val.elem, tid)
            return ir.ListType(elem) if val.length is None else ir.FixedListType(elem, val.length)
        if isinstance(val, t.Tuple):
            return ir.Tuple([v(ty, tid) for ty in val.elems])
        if isinstance(val, t.Flags):
            return ir.Flags([ir.Flag(n) for n in val.names])
        if isinstance(val, t.Enum):
            return ir.EnumType([ir.EnumCase(n) for n in val.names])
        if isinstance(val, t.Option):
            return ir.OptionType(v(val.elem, tid))
        if isinstance(val, t.Result):
            return ir.ResultType(o(val.ok, tid), o(val.err, tid))
        if isinstance(val, (t.Own, t.Borrow)):
            return self.handle("own" if isinstance(val, t.Own) else "borrow", val.resource, tid)
        if isinstance(val, t.Stream):
            return ir.StreamType(o(val.elem, tid))
        if isinstance(val, t.Future):
            return ir.FutureType(o(val.elem, tid))
        if isinstance(val, t.Map):
            return ir.MapType(v(val.key, tid), v(val.value, tid))
        raise WitError(f"type {val!r} has no WIT equivalent")

    def function(
        self, name: str, tid: Tid, owner: ir.TypeOwner, external_id: str | None = None
    ) -> ir.Function:
        ft = tid.val
        if not isinstance(ft, t.FuncType):
            raise WitError(f"`{name}` is not typed by a function type")
        params = [ir.Param(n, self.valtype(ty, tid)) for n, ty in ft.params]
        result = self.opt_valtype(ft.result, tid)
        parsed = parse_name(name)
        if parsed.kind == "plain":
            kind: ir.FunctionKindName = "async-freestanding" if ft.is_async else "freestanding"
            return ir.Function(name, kind, params, result, external_id=external_id)
        resource_kind = _RESOURCE_KINDS.get((parsed.kind, ft.is_async))
        resource = self.resources.get(owner, {}).get(parsed.resource or "")
        if resource_kind is None or resource is None:
            raise WitError(f"function `{name}` does not name a resource of its interface or world")
        return ir.Function(name, resource_kind, params, result, resource=resource, external_id=external_id)

    # ---- packages -----------------------------------------------------------------

    def finish(self, main: PackageFields) -> ir.PackageId:
        """Insert foreign packages (dependencies first), then `main`; returns main's id."""
        order: list[ir.PackageName] = []
        names = list(self.foreign)

        def visit(name: ir.PackageName) -> None:
            if name in order:
                return
            for iface in self.foreign[name].interfaces.values():
                for dep in self.interface_deps(iface):
                    dep_pkg = self.iface_package.get(dep)
                    if dep_pkg is not None and dep_pkg != name:
                        visit(dep_pkg)
            order.append(name)

        for name in names:
            visit(name)
        for name in order:
            self.insert(self.foreign[name])
        return self.insert(main)

    def interface_deps(self, iface_id: ir.InterfaceId) -> list[ir.InterfaceId]:
        deps: list[ir.InterfaceId] = []
        for type_id in self.resolve.interfaces[iface_id].types.values():
            kind = self.resolve.types[type_id].kind
            if isinstance(kind, ir.Alias) and not isinstance(kind.ty, ir.Prim):
                owner = self.resolve.types[kind.ty].owner
                if isinstance(owner, ir.InterfaceOwner) and owner.id != iface_id:
                    deps.append(owner.id)
        return deps

    def insert(self, fields: PackageFields) -> ir.PackageId:
        resolve = self.resolve
        pkg_id = resolve.package_names.get(fields.name)
        if pkg_id is None:
            resolve.packages.append(ir.Package(fields.name))
            pkg_id = len(resolve.packages) - 1
            resolve.package_names[fields.name] = pkg_id
        pkg = resolve.packages[pkg_id]
        for name, iface_id in fields.interfaces.items():
            pkg.interfaces[name] = iface_id
            resolve.interfaces[iface_id].package = pkg_id
        for name, world_id in fields.worlds.items():
            pkg.worlds[name] = world_id
            world = resolve.worlds[world_id]
            world.package = pkg_id
            for item in [*world.imports.values(), *world.exports.values()]:
                if isinstance(item, ir.InterfaceItem) and resolve.interfaces[item.id].name is None:
                    resolve.interfaces[item.id].package = pkg_id
        return pkg_id
