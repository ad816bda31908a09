"""World elaboration: includes, implicit imports, and export dependencies.

After this pass a world's imports and exports list everything a component
targeting it imports and exports, in the reference implementation's order:
interfaces a world item depends on through ``use`` come before it.
"""

from __future__ import annotations

from dataclasses import replace

from witgen.errors import WitError
from witgen.resolve import ir
from witgen.resolve.package_resolver import IncludeSpec, WorldSpans


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


def elaborate_world(resolve: ir.Resolve, world_id: ir.WorldId, spans: WorldSpans) -> None:
    world = resolve.worlds[world_id]
    for include in spans.includes:
        if resolve.is_enabled(include.stability):
            _include(resolve, world, include)

    def sort_key(item: ir.WorldItem) -> int:
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

    imports: dict[ir.WorldKey, ir.WorldItem] = {}
    for key, item in sorted(world.imports.items(), key=lambda kv: sort_key(kv[1])):
        if isinstance(item, ir.InterfaceItem):
            _add_import(resolve, imports, key, item.id, item.stability)
        elif isinstance(item, ir.TypeItem):
            dep = type_interface_dep(resolve, item.id)
            if dep is not None:
                _add_import(resolve, imports, ir.InterfaceKey(dep), dep, resolve.types[item.id].stability)
            imports[key] = item
        else:
            imports[key] = item

    exports: dict[ir.WorldKey, ir.WorldItem] = {}
    exported: dict[ir.InterfaceId, tuple[ir.WorldKey, ir.Stability]] = {}
    for key, item in world.exports.items():
        if isinstance(item, ir.InterfaceItem):
            exported[item.id] = (key, item.stability)
        else:
            exports[key] = item
    required: set[ir.InterfaceId] = set()

    def add_export(
        iface_id: ir.InterfaceId, key: ir.WorldKey, as_export: bool, stability: ir.Stability
    ) -> bool:
        if key in exports:
            return as_export
        if not as_export and iface_id in required:
            return True
        for dep in interface_deps(resolve, iface_id):
            if not add_export(dep, ir.InterfaceKey(dep), as_export and dep in exported, stability):
                return False
        item = ir.InterfaceItem(iface_id, stability)
        if as_export:
            if iface_id in required:
                return False
            exports[key] = item
        else:
            required.add(iface_id)
            imports[key] = item
        return True

    for iface_id, (key, stability) in exported.items():
        if not add_export(iface_id, key, True, stability):
            raise WitError(
                f"interface `{resolve.key_name(key)}` transitively depends on an interface in incompatible ways",
                spans.name,
            )
    world.imports = imports
    world.exports = exports
    _check_case_insensitive(resolve, world, spans)


def _add_import(
    resolve: ir.Resolve,
    imports: dict[ir.WorldKey, ir.WorldItem],
    key: ir.WorldKey,
    iface_id: ir.InterfaceId,
    stability: ir.Stability,
) -> None:
    if key in imports:
        return
    for dep in interface_deps(resolve, iface_id):
        _add_import(resolve, imports, ir.InterfaceKey(dep), dep, stability)
    imports[key] = ir.InterfaceItem(iface_id, stability)


def _include(resolve: ir.Resolve, world: ir.World, include: IncludeSpec) -> None:
    source = resolve.worlds[include.world]
    renames = {n.name.name: n.as_.name for n in include.names}
    present = {k for k in list(source.imports) + list(source.exports) if isinstance(k, str)}
    for name in include.names:
        if name.name.name not in present:
            raise WitError(
                f"no import or export kebab-name `{name.name.name}`. Note that an ID does not support renaming",
                include.span,
            )
    foreign = source.package != world.package
    for desc, src, dst in (
        ("import", source.imports, world.imports),
        ("export", source.exports, world.exports),
    ):
        for key, item in src.items():
            if foreign and isinstance(item, ir.InterfaceItem) and item.stability.kind == "stable":
                # `@since` versions belong to the included package; they don't carry over.
                item = ir.InterfaceItem(item.id, ir.UNKNOWN_STABILITY, item.docs, item.external_id)
            if isinstance(key, str):
                new_key = renames.get(key, key)
                if new_key in dst:
                    raise WitError(f"{desc} of `{new_key}` shadows previously {desc}ed items", include.span)
                if new_key != key and isinstance(item, ir.FunctionItem):
                    item = ir.FunctionItem(replace(item.func, name=new_key))
                dst[new_key] = item
                continue
            prev = dst.get(key)
            if prev is None:
                dst[key] = item
            elif isinstance(prev, ir.InterfaceItem) and isinstance(item, ir.InterfaceItem):
                dst[key] = ir.InterfaceItem(
                    prev.id, _merge_stability(item.stability, prev.stability), prev.docs, prev.external_id
                )


def _merge_stability(new: ir.Stability, old: ir.Stability) -> ir.Stability:
    """Stability of an interface that more than one include brings in."""
    return old if new.kind == "unknown" else new


def _check_case_insensitive(resolve: ir.Resolve, world: ir.World, spans: WorldSpans) -> None:
    for desc, items in (("import", world.imports), ("export", world.exports)):
        seen: dict[str, str] = {}
        for key in items:
            if not isinstance(key, str):
                continue
            prev = seen.setdefault(key.lower(), key)
            if prev != key:
                raise WitError(
                    f"name `{key}` conflicts with previous name `{prev}`",
                    spans.items.get((desc, key), spans.name),
                )
