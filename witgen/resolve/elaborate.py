"""World elaboration: includes, implicit imports, and export dependencies.

After this pass a world's imports and exports list everything a component
targeting it imports and exports, in the reference implementation's order:
interfaces a world item depends on through ``use`` come before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from witgen.errors import NotFound, ResolveError
from witgen.resolve import ir
from witgen.resolve.clone import Cloner
from witgen.suggest import did_you_mean


def interface_deps(resolve: ir.Resolve, iface_id: ir.InterfaceId) -> list[ir.InterfaceId]:
    """Interfaces whose types this interface brings in with ``use``, in order."""
    deps: dict[ir.InterfaceId, None] = {}
    for type_id in resolve.interfaces[iface_id].types.values():
        dep = type_interface_dep(resolve, type_id)
        if dep is not None and dep != iface_id:
            deps[dep] = None
    return list(deps)


def type_interface_dep(resolve: ir.Resolve, type_id: ir.TypeId) -> ir.InterfaceId | None:
    kind = resolve.types[type_id].kind
    if isinstance(kind, ir.Alias) and not isinstance(kind.ty, ir.Prim):
        owner = resolve.types[kind.ty].owner
        if isinstance(owner, ir.InterfaceOwner):
            return owner.id
    return None


def _import_sort_key(resolve: ir.Resolve, item: ir.WorldItem) -> int:
    """The reference's import classes: interfaces, used types, own types, functions, resource functions."""
    if isinstance(item, ir.InterfaceItem):
        return 0
    if isinstance(item, ir.TypeItem):
        typedef = resolve.types[item.id]
        kind = typedef.kind
        if isinstance(kind, ir.Alias) and not isinstance(kind.ty, ir.Prim):
            if resolve.types[kind.ty].owner != typedef.owner:
                return 1
        return 2
    return 3 if item.func.resource is None else 4


def elaborate_world(resolve: ir.Resolve, world_id: ir.WorldId) -> None:
    world = resolve.worlds[world_id]
    for include in world.includes:
        if resolve.is_enabled(include.stability):
            _include(resolve, world_id, include)
    world.includes = []
    imports = _elaborate_imports(resolve, world.imports)
    exports = _Exports(resolve, imports)
    for key, item in world.exports.items():
        if isinstance(item, ir.InterfaceItem):
            exports.exported[key] = item
        else:
            exports.exports[key] = item
    for key, item in exports.exported.items():
        if not exports.add(key, True, item):
            raise ResolveError(
                f"interface `{resolve.key_name(key)}` transitively depends on an interface in incompatible ways",
                world.span,
            )
    # Exports can add imports after types and functions; restore the class order.
    world.imports = _sorted_imports(resolve, imports)
    world.exports = exports.exports
    _check_case_insensitive(world)


def _sorted_imports(
    resolve: ir.Resolve, imports: dict[ir.WorldKey, ir.WorldItem]
) -> dict[ir.WorldKey, ir.WorldItem]:
    return dict(sorted(imports.items(), key=lambda kv: _import_sort_key(resolve, kv[1])))


def _elaborate_imports(
    resolve: ir.Resolve, items: dict[ir.WorldKey, ir.WorldItem]
) -> dict[ir.WorldKey, ir.WorldItem]:
    """``items`` by class, each interface or used type after the interfaces it depends on."""
    imports: dict[ir.WorldKey, ir.WorldItem] = {}
    for key, item in _sorted_imports(resolve, items).items():
        if isinstance(item, ir.InterfaceItem):
            _add_import(resolve, imports, key, item)
            continue
        if isinstance(item, ir.TypeItem):
            dep = type_interface_dep(resolve, item.id)
            if dep is not None:
                dep_item = ir.InterfaceItem(dep, resolve.types[item.id].stability)
                _add_import(resolve, imports, ir.InterfaceKey(dep), dep_item)
        imports[key] = item
    return imports


def _add_import(
    resolve: ir.Resolve, imports: dict[ir.WorldKey, ir.WorldItem], key: ir.WorldKey, item: ir.InterfaceItem
) -> None:
    """Import ``item`` after its dependencies; those get only its stability, like the reference."""
    if key in imports:
        return
    for dep in interface_deps(resolve, item.id):
        _add_import(resolve, imports, ir.InterfaceKey(dep), ir.InterfaceItem(dep, item.stability))
    imports[key] = item


@dataclass
class _Exports:
    """Adds exported interfaces and what they depend on to a world.

    A dependency that is itself exported by path is exported; otherwise it is
    required as an import, and an interface both required and exported is an
    error. Dependencies take the stability and external id (not the docs) of
    the export that needs them; an interface already imported stays as it is.
    """

    resolve: ir.Resolve
    imports: dict[ir.WorldKey, ir.WorldItem]
    exports: dict[ir.WorldKey, ir.WorldItem] = field(default_factory=dict)
    exported: dict[ir.WorldKey, ir.InterfaceItem] = field(default_factory=dict)
    required: set[ir.InterfaceId] = field(default_factory=set)

    def add(self, key: ir.WorldKey, as_export: bool, item: ir.InterfaceItem) -> bool:
        """Add ``item`` as an export (or required import); False on an incompatible dependency."""
        if key in self.exports:
            return as_export
        if not as_export and item.id in self.required:
            return True
        for dep in interface_deps(self.resolve, item.id):
            dep_key = ir.InterfaceKey(dep)
            dep_item = ir.InterfaceItem(dep, item.stability, None, item.external_id)
            if not self.add(dep_key, as_export and dep_key in self.exported, dep_item):
                return False
        if not as_export:
            self.required.add(item.id)
            self.imports.setdefault(key, item)
            return True
        if item.id in self.required:
            return False
        self.exports[key] = item
        return True


def _include(resolve: ir.Resolve, world_id: ir.WorldId, include: ir.WorldInclude) -> None:
    """Copy the included world's items into ``world_id``, renamed as the include says."""
    world = resolve.worlds[world_id]
    source = resolve.worlds[include.world]
    renames = {n.name: n.as_ for n in include.names}
    present = {k for k in list(source.imports) + list(source.exports) if isinstance(k, str)}
    for name in include.names:
        if name.name not in present:
            raise NotFound(
                f"no import or export kebab-name `{name.name}`. Note that an ID does not support renaming",
                include.span,
                help=did_you_mean(name.name, present),
            )
    foreign = source.package != world.package
    cloner = Cloner(resolve, ir.WorldOwner(include.world), ir.WorldOwner(world_id), world.package, renames)
    for desc, src, dst in (
        ("import", source.imports, world.imports),
        ("export", source.exports, world.exports),
    ):
        for key, item in src.items():
            if isinstance(key, str):
                item = cloner.world_item(item)
                new_key = item.func.name if isinstance(item, ir.FunctionItem) else renames.get(key, key)
                if new_key in dst:
                    raise ResolveError(
                        f"{desc} of `{new_key}` shadows previously {desc}ed items", include.span
                    )
                dst[new_key] = item
                continue
            assert isinstance(item, ir.InterfaceItem)
            if foreign and item.stability.kind == "stable":
                # `@since` versions belong to the included package; they don't carry over.
                item = replace(item, stability=ir.UNKNOWN_STABILITY)
            prev = dst.get(key)
            if prev is None:
                dst[key] = item
            elif isinstance(prev, ir.InterfaceItem):
                dst[key] = replace(prev, stability=_merge_stability(item.stability, prev.stability))


def _merge_stability(new: ir.Stability, old: ir.Stability) -> ir.Stability:
    """Stability of an interface that more than one include brings in."""
    return old if new.kind == "unknown" else new


def _check_case_insensitive(world: ir.World) -> None:
    """Names an include brings in must differ from the world's in more than case.

    Clashes between names written in the world itself were reported where they were written;
    like the reference, these name the world (no item of it was written wrong).
    """
    for desc, items in (("import", world.imports), ("export", world.exports)):
        seen: dict[str, str] = {}
        for key in items:
            if not isinstance(key, str):
                continue
            prev = seen.setdefault(key.lower(), key)
            if prev != key:
                raise ResolveError(
                    f"{desc} `{key}` in world `{world.name}` conflicts with {desc} `{prev}` "
                    "(names must be strongly unique)",
                    world.span,
                )
