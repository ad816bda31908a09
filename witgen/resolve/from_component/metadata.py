"""Docs and stability of a binary WIT package, kept in its `package-docs` custom section.

The binary format has no room for docs or `@since`/`@unstable`, so wit-component stores them as
a version byte (0 or 1) followed by JSON keyed by item names; this puts them back on the IR.
"""

from __future__ import annotations

import json
from typing import Any

from witgen.errors import WitError
from witgen.resolve import ir

Json = Any


def inject_package_docs(resolve: ir.Resolve, package: ir.PackageId, data: bytes) -> None:
    if not data or data[0] not in (0, 1):
        raise WitError(f"unsupported package-docs version {data[:1]!r}")
    try:
        meta = json.loads(data[1:])
    except ValueError as exc:
        raise WitError(f"package-docs section is not valid JSON: {exc}") from None
    pkg = resolve.packages[package]
    for name, world_meta in meta.get("worlds", {}).items():
        if name not in pkg.worlds:
            raise WitError(f"package-docs names a missing world `{name}`")
        _world(resolve, pkg.worlds[name], world_meta)
    for name, iface_meta in meta.get("interfaces", {}).items():
        if name not in pkg.interfaces:
            raise WitError(f"package-docs names a missing interface `{name}`")
        _interface(resolve, pkg.interfaces[name], iface_meta)
    if meta.get("docs") is not None:
        pkg.docs = meta["docs"]


def stability(data: Json) -> ir.Stability:
    if not data:
        return ir.UNKNOWN_STABILITY
    if "stable" in data:
        body = data["stable"]
        return ir.Stability("stable", since=body.get("since"), deprecated=body.get("deprecated"))
    if "unstable" in data:
        body = data["unstable"]
        return ir.Stability("unstable", feature=body.get("feature"), deprecated=body.get("deprecated"))
    return ir.UNKNOWN_STABILITY


def _interface(resolve: ir.Resolve, iface_id: ir.InterfaceId, meta: Json) -> None:
    iface = resolve.interfaces[iface_id]
    for name, type_meta in meta.get("types", {}).items():
        if name not in iface.types:
            raise WitError(f"package-docs names a missing type `{name}`")
        _type(resolve.types[iface.types[name]], type_meta)
    for name, func_meta in meta.get("funcs", {}).items():
        if name not in iface.functions:
            raise WitError(f"package-docs names a missing function `{name}`")
        _function(iface.functions[name], func_meta)
    if meta.get("docs") is not None:
        iface.docs = meta["docs"]
    iface.stability = stability(meta.get("stability"))


def _function(func: ir.Function, meta: Json) -> None:
    if meta is None or isinstance(meta, str):
        func.docs = meta
        return
    func.docs = meta.get("docs")
    func.stability = stability(meta.get("stability"))


def _type(ty: ir.TypeDef, meta: Json) -> None:
    items: dict[str, str] = meta.get("items", {})
    if items:
        kind = ty.kind
        members: list[Any]
        if isinstance(kind, ir.Record):
            members = list(kind.fields)
        elif isinstance(kind, ir.Flags):
            members = list(kind.flags)
        elif isinstance(kind, ir.Variant):
            members = list(kind.cases)
        elif isinstance(kind, ir.EnumType):
            members = list(kind.cases)
        else:
            raise WitError(f"package-docs gives item docs for type `{ty.name}`, which has no items")
        for member in members:
            if member.name in items:
                member.docs = items[member.name]
    if meta.get("docs") is not None:
        ty.docs = meta["docs"]
    ty.stability = stability(meta.get("stability"))


def _world_item(world: ir.World, key: ir.WorldKey, exports_only: bool) -> ir.WorldItem | None:
    if not exports_only and key in world.imports:
        return world.imports[key]
    return world.exports.get(key)


def _world(resolve: ir.Resolve, world_id: ir.WorldId, meta: Json) -> None:
    world = resolve.worlds[world_id]
    for group, exports_only in (("interfaces", False), ("interface_exports", True)):
        for name, iface_meta in meta.get(group, {}).items():
            item = _world_item(world, name, exports_only)
            if not isinstance(item, ir.InterfaceItem):
                raise WitError(f"package-docs names a missing interface `{name}`")
            item.stability = stability(iface_meta.get("stability"))
            _interface(resolve, item.id, iface_meta)
    for name, type_meta in meta.get("types", {}).items():
        item = world.imports.get(name)
        if not isinstance(item, ir.TypeItem):
            raise WitError(f"package-docs names a missing type `{name}`")
        _type(resolve.types[item.id], type_meta)
    by_name = {
        (resolve.key_name(key), side): item
        for side, items in (("import", world.imports), ("export", world.exports))
        for key, item in items.items()
        if isinstance(item, ir.InterfaceItem)
    }
    for side in ("import", "export"):
        for name, data in meta.get(f"interface_{side}_stability", {}).items():
            if (name, side) not in by_name:
                raise WitError(f"package-docs names a missing interface `{name}`")
            by_name[(name, side)].stability = stability(data)
        for name, docs in meta.get(f"interface_{side}_docs", {}).items():
            if (name, side) not in by_name:
                raise WitError(f"package-docs names a missing interface `{name}`")
            by_name[(name, side)].docs = docs
    for group, exports_only in (("funcs", False), ("func_exports", True)):
        for name, func_meta in meta.get(group, {}).items():
            item = _world_item(world, name, exports_only)
            if not isinstance(item, ir.FunctionItem):
                raise WitError(f"package-docs names a missing function `{name}`")
            _function(item.func, func_meta)
    if meta.get("docs") is not None:
        world.docs = meta["docs"]
    world.stability = stability(meta.get("stability"))
