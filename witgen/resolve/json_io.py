"""Conversion between the resolved IR and the JSON of ``wasm-tools component wit --json``.

``to_json`` produces exactly the document wasm-tools prints (as parsed JSON; key
order aside) and ``from_json`` reads it back, so ``to_json(from_json(j)) == j``.
Keys wasm-tools emits that the IR has no room for (such as ``external_id``) are
ignored by ``from_json``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from witgen.resolve.ir import (
    UNKNOWN_STABILITY,
    Alias,
    Case,
    EnumCase,
    EnumType,
    Field,
    FixedListType,
    Flag,
    Flags,
    Function,
    FunctionItem,
    FunctionKindName,
    FutureType,
    Handle,
    Interface,
    InterfaceId,
    InterfaceItem,
    InterfaceKey,
    InterfaceOwner,
    ListType,
    MapType,
    OptionType,
    Package,
    PackageId,
    PackageName,
    Param,
    Prim,
    Record,
    Resolve,
    Resource,
    ResultType,
    Stability,
    StreamType,
    Tuple,
    Type,
    TypeDef,
    TypeDefKind,
    TypeId,
    TypeItem,
    TypeOwner,
    Unknown,
    Variant,
    World,
    WorldItem,
    WorldKey,
    WorldOwner,
)

Json = Any
"""A parsed JSON value."""
JsonObject = dict[str, Any]

_PRIMS = {prim.value: prim for prim in Prim}
_INTERFACE_KEY = re.compile(r"interface-(\d+)")
_RESOURCE_FUNCTION_KINDS: tuple[FunctionKindName, ...] = (
    "method",
    "async-method",
    "static",
    "async-static",
    "constructor",
)


# ---- to_json ---------------------------------------------------------------------


def to_json(resolve: Resolve) -> JsonObject:
    """The ``wasm-tools component wit --json`` document describing ``resolve``."""
    return {
        "worlds": [_world_to_json(world) for world in resolve.worlds],
        "interfaces": [_interface_to_json(iface) for iface in resolve.interfaces],
        "types": [_typedef_to_json(ty) for ty in resolve.types],
        "packages": [_package_to_json(pkg) for pkg in resolve.packages],
    }


def _with_meta(obj: JsonObject, docs: str | None, stability: Stability = UNKNOWN_STABILITY) -> JsonObject:
    """Add the optional ``docs`` and ``stability`` keys to ``obj`` and return it."""
    if docs is not None:
        obj["docs"] = {"contents": docs}
    if stability.kind != "unknown":
        obj["stability"] = _stability_to_json(stability)
    return obj


def _stability_to_json(stability: Stability) -> JsonObject:
    if stability.kind == "stable":
        body: JsonObject = {"since": stability.since}
    else:
        body = {"feature": stability.feature}
    if stability.deprecated is not None:
        body["deprecated"] = stability.deprecated
    return {stability.kind: body}


def _type_to_json(ty: Type | None) -> Json:
    if ty is None:
        return None
    return ty.value if isinstance(ty, Prim) else ty


def _package_to_json(pkg: Package) -> JsonObject:
    obj: JsonObject = {"name": str(pkg.name)}
    _with_meta(obj, pkg.docs)
    obj["interfaces"] = dict(pkg.interfaces)
    obj["worlds"] = dict(pkg.worlds)
    return obj


def _interface_to_json(iface: Interface) -> JsonObject:
    obj: JsonObject = {
        "name": iface.name,
        "types": dict(iface.types),
        "functions": {name: _function_to_json(func) for name, func in iface.functions.items()},
    }
    _with_meta(obj, iface.docs, iface.stability)
    if iface.package is not None:
        obj["package"] = iface.package
    if iface.clone_of is not None:
        obj["clone_of"] = iface.clone_of
    return obj


def _function_to_json(func: Function) -> JsonObject:
    kind: Json = func.kind
    if func.kind in _RESOURCE_FUNCTION_KINDS:
        kind = {func.kind: func.resource}
    obj: JsonObject = {
        "name": func.name,
        "kind": kind,
        "params": [{"name": p.name, "type": _type_to_json(p.ty)} for p in func.params],
    }
    if func.result is not None:
        obj["result"] = _type_to_json(func.result)
    if func.external_id is not None:
        obj["external_id"] = func.external_id
    return _with_meta(obj, func.docs, func.stability)


def _key_to_json(key: WorldKey) -> str:
    """World keys naming an interface by path are spelled ``interface-N``."""
    return key if isinstance(key, str) else f"interface-{key.id}"


def _world_to_json(world: World) -> JsonObject:
    obj: JsonObject = {
        "name": world.name,
        "imports": {_key_to_json(k): _world_item_to_json(v) for k, v in world.imports.items()},
        "exports": {_key_to_json(k): _world_item_to_json(v) for k, v in world.exports.items()},
    }
    if world.package is not None:
        obj["package"] = world.package
    return _with_meta(obj, world.docs, world.stability)


def _world_item_to_json(item: WorldItem) -> JsonObject:
    if isinstance(item, InterfaceItem):
        body: JsonObject = {"id": item.id}
        if item.external_id is not None:
            body["external_id"] = item.external_id
        return {"interface": _with_meta(body, item.docs, item.stability)}
    if isinstance(item, FunctionItem):
        return {"function": _function_to_json(item.func)}
    return {"type": item.id}


def _owner_to_json(owner: TypeOwner) -> Json:
    if isinstance(owner, InterfaceOwner):
        return {"interface": owner.id}
    if isinstance(owner, WorldOwner):
        return {"world": owner.id}
    return None


def _typedef_to_json(ty: TypeDef) -> JsonObject:
    obj: JsonObject = {"name": ty.name, "kind": _kind_to_json(ty.kind), "owner": _owner_to_json(ty.owner)}
    if ty.external_id is not None:
        obj["external_id"] = ty.external_id
    return _with_meta(obj, ty.docs, ty.stability)


def _named_to_json(name: str, docs: str | None, **extra: Json) -> JsonObject:
    """A record field, flag, or enum/variant case."""
    return _with_meta({"name": name, **extra}, docs)


def _kind_to_json(kind: TypeDefKind) -> Json:
    t = _type_to_json
    match kind:
        case Record(fields):
            return {"record": {"fields": [_named_to_json(f.name, f.docs, type=t(f.ty)) for f in fields]}}
        case Resource():
            return "resource"
        case Handle(handle_kind, resource):
            return {"handle": {handle_kind: resource}}
        case Flags(flags):
            return {"flags": {"flags": [_named_to_json(f.name, f.docs) for f in flags]}}
        case Tuple(types):
            return {"tuple": {"types": [t(ty) for ty in types]}}
        case Variant(cases):
            return {"variant": {"cases": [_named_to_json(c.name, c.docs, type=t(c.ty)) for c in cases]}}
        case EnumType(enum_cases):
            return {"enum": {"cases": [_named_to_json(c.name, c.docs) for c in enum_cases]}}
        case OptionType(ty):
            return {"option": t(ty)}
        case ResultType(ok, err):
            return {"result": {"ok": t(ok), "err": t(err)}}
        case ListType(ty):
            return {"list": t(ty)}
        case FixedListType(ty, size):
            return {"fixed-length-list": [t(ty), size]}
        case MapType(key, value):
            return {"map": [t(key), t(value)]}
        case FutureType(ty):
            return {"future": t(ty)}
        case StreamType(ty):
            return {"stream": t(ty)}
        case Alias(ty):
            return {"type": t(ty)}
        case Unknown():
            return "unknown"
    raise TypeError(f"unexpected type definition kind {kind!r}")


# ---- from_json -------------------------------------------------------------------


def from_json(data: JsonObject) -> Resolve:
    """Rebuild a ``Resolve`` from a ``wasm-tools component wit --json`` document."""
    packages = [_package_from_json(p) for p in data["packages"]]
    return Resolve(
        packages=packages,
        interfaces=[_interface_from_json(i) for i in data["interfaces"]],
        worlds=[_world_from_json(w) for w in data["worlds"]],
        types=[_typedef_from_json(t) for t in data["types"]],
        package_names={pkg.name: PackageId(id) for id, pkg in enumerate(packages)},
    )


def _docs(obj: JsonObject) -> str | None:
    docs = obj.get("docs")
    if docs is None:
        return None
    contents: str | None = docs.get("contents")
    return contents


def _stability(obj: JsonObject) -> Stability:
    data = obj.get("stability")
    if data is None:
        return UNKNOWN_STABILITY
    if "stable" in data:
        body = data["stable"]
        return Stability("stable", since=body["since"], deprecated=body.get("deprecated"))
    body = data["unstable"]
    return Stability("unstable", feature=body["feature"], deprecated=body.get("deprecated"))


def _type(data: Json) -> Type:
    if isinstance(data, str):
        return _PRIMS[data]
    if isinstance(data, int):
        return TypeId(data)
    raise ValueError(f"invalid type reference {data!r}")


def _opt_type(data: Json) -> Type | None:
    return None if data is None else _type(data)


def _package_name(text: str) -> PackageName:
    base, _, version = text.partition("@")
    namespace, _, name = base.partition(":")
    return PackageName(namespace, name, version or None)


def _package_from_json(data: JsonObject) -> Package:
    return Package(
        name=_package_name(data["name"]),
        docs=_docs(data),
        interfaces=dict(data["interfaces"]),
        worlds=dict(data["worlds"]),
    )


def _interface_from_json(data: JsonObject) -> Interface:
    return Interface(
        name=data["name"],
        package=data.get("package"),
        types=dict(data["types"]),
        functions={name: _function_from_json(f) for name, f in data["functions"].items()},
        docs=_docs(data),
        stability=_stability(data),
        clone_of=data.get("clone_of"),
    )


def _function_from_json(data: JsonObject) -> Function:
    kind_data = data["kind"]
    resource: TypeId | None = None
    if isinstance(kind_data, dict):
        ((kind_data, resource),) = kind_data.items()
    return Function(
        name=data["name"],
        kind=kind_data,
        params=[Param(p["name"], _type(p["type"])) for p in data["params"]],
        result=_opt_type(data.get("result")),
        resource=resource,
        docs=_docs(data),
        stability=_stability(data),
        external_id=data.get("external_id"),
    )


def _world_key(name: str) -> WorldKey:
    """``interface-N`` (never a valid WIT name) stands for an interface imported by path."""
    match = _INTERFACE_KEY.fullmatch(name)
    return InterfaceKey(InterfaceId(int(match.group(1)))) if match else name


def _world_items(data: JsonObject) -> dict[WorldKey, WorldItem]:
    return {_world_key(name): _world_item_from_json(item) for name, item in data.items()}


def _world_item_from_json(data: JsonObject) -> WorldItem:
    if "interface" in data:
        body = data["interface"]
        return InterfaceItem(body["id"], _stability(body), _docs(body), body.get("external_id"))
    if "function" in data:
        return FunctionItem(_function_from_json(data["function"]))
    return TypeItem(data["type"])


def _world_from_json(data: JsonObject) -> World:
    return World(
        name=data["name"],
        package=data.get("package"),
        imports=_world_items(data["imports"]),
        exports=_world_items(data["exports"]),
        docs=_docs(data),
        stability=_stability(data),
    )


def _owner_from_json(data: Json) -> TypeOwner:
    if data is None:
        return None
    if "interface" in data:
        return InterfaceOwner(data["interface"])
    return WorldOwner(data["world"])


def _typedef_from_json(data: JsonObject) -> TypeDef:
    return TypeDef(
        name=data["name"],
        kind=_kind_from_json(data["kind"]),
        owner=_owner_from_json(data["owner"]),
        docs=_docs(data),
        stability=_stability(data),
        external_id=data.get("external_id"),
    )


def _handle(body: JsonObject) -> Handle:
    ((kind, resource),) = body.items()
    if kind not in ("own", "borrow"):
        raise ValueError(f"invalid handle kind {kind!r}")
    return Handle("own" if kind == "own" else "borrow", resource)


_KIND_READERS: dict[str, Callable[[Json], TypeDefKind]] = {
    "record": lambda b: Record([Field(f["name"], _type(f["type"]), _docs(f)) for f in b["fields"]]),
    "handle": _handle,
    "flags": lambda b: Flags([Flag(f["name"], _docs(f)) for f in b["flags"]]),
    "tuple": lambda b: Tuple([_type(t) for t in b["types"]]),
    "variant": lambda b: Variant([Case(c["name"], _opt_type(c["type"]), _docs(c)) for c in b["cases"]]),
    "enum": lambda b: EnumType([EnumCase(c["name"], _docs(c)) for c in b["cases"]]),
    "option": lambda b: OptionType(_type(b)),
    "result": lambda b: ResultType(_opt_type(b["ok"]), _opt_type(b["err"])),
    "list": lambda b: ListType(_type(b)),
    "fixed-length-list": lambda b: FixedListType(_type(b[0]), b[1]),
    "map": lambda b: MapType(_type(b[0]), _type(b[1])),
    "future": lambda b: FutureType(_opt_type(b)),
    "stream": lambda b: StreamType(_opt_type(b)),
    "type": lambda b: Alias(_type(b)),
}


def _kind_from_json(data: Json) -> TypeDefKind:
    if data == "resource":
        return Resource()
    if data == "unknown":
        return Unknown()
    ((tag, body),) = data.items()
    return _KIND_READERS[tag](body)
