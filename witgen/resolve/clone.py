"""Deep copies of the items an ``include`` brings into a world.

Like the reference, a world that includes another gets its own copies of the
included world's types and anonymous interfaces (and of the anonymous types
they use), owned by the including world. That is what lets
``include a with { r as s }`` rename a resource without touching ``a``, and
what moves an anonymous interface into the including world's package.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from witgen.resolve import ir
from witgen.resolve.merge import map_kind


@dataclass
class Cloner:
    """Copies types, functions and anonymous interfaces from ``source`` to ``target``.

    ``types`` maps every type copied so far to its copy, so that one include
    copies each type once; ``renames`` are the include's ``with`` names.
    """

    resolve: ir.Resolve
    source: ir.InterfaceOwner | ir.WorldOwner
    target: ir.InterfaceOwner | ir.WorldOwner
    package: ir.PackageId | None
    renames: dict[str, str] = field(default_factory=dict)
    types: dict[ir.TypeId, ir.TypeId] = field(default_factory=dict)

    def world_item(self, item: ir.WorldItem) -> ir.WorldItem:
        """The copy of a world item keyed by name (items keyed by interface are shared)."""
        if isinstance(item, ir.TypeItem):
            return ir.TypeItem(self.type_id(item.id))
        if isinstance(item, ir.FunctionItem):
            return ir.FunctionItem(self.function(item.func))
        if self.resolve.interfaces[item.id].name is None:
            return replace(item, id=self.interface(item.id))
        return item

    def type_id(self, type_id: ir.TypeId) -> ir.TypeId:
        found = self.types.get(type_id)
        if found is not None:
            return found
        old = self.resolve.types[type_id]
        if old.owner is not None and old.owner != self.source:
            return type_id  # an interface's type (what a `use` points at) is shared
        kind = self.kind(old.kind)
        name = old.name
        if old.owner is not None and name is not None:
            name = self.renames.get(name, name)
        owner = None if old.owner is None else self.target
        self.resolve.types.append(replace(old, name=name, kind=kind, owner=owner))
        found = len(self.resolve.types) - 1
        self.types[type_id] = found
        return found

    def ty(self, ty: ir.Type) -> ir.Type:
        return ty if isinstance(ty, ir.Prim) else self.type_id(ty)

    def opt(self, ty: ir.Type | None) -> ir.Type | None:
        return None if ty is None else self.ty(ty)

    def kind(self, kind: ir.TypeDefKind) -> ir.TypeDefKind:
        """A type definition's body, with the types it refers to copied first."""
        return map_kind(kind, self.type_id)

    def function(self, func: ir.Function) -> ir.Function:
        resource = None if func.resource is None else self.type_id(func.resource)
        return replace(
            func,
            name=self.function_name(func, resource),
            params=[ir.Param(p.name, self.ty(p.ty)) for p in func.params],
            result=self.opt(func.result),
            resource=resource,
        )

    def function_name(self, func: ir.Function, resource: ir.TypeId | None) -> str:
        """``func``'s name after renames: its own, or its (copied) resource's."""
        if resource is None:
            return self.renames.get(func.name, func.name)
        prefix, _, rest = func.name.partition("]")
        resource_name = self.resolve.types[resource].name
        method = rest.partition(".")[2]
        return f"{prefix}]{resource_name}" + (f".{method}" if method else "")

    def interface(self, iface_id: ir.InterfaceId) -> ir.InterfaceId:
        """A copy of anonymous interface ``iface_id`` in the target's package."""
        old = self.resolve.interfaces[iface_id]
        new_id = len(self.resolve.interfaces)
        new = ir.Interface(None, self.package, docs=old.docs, stability=old.stability, clone_of=iface_id)
        self.resolve.interfaces.append(new)
        inner = replace(
            self, source=ir.InterfaceOwner(iface_id), target=ir.InterfaceOwner(new_id), renames={}
        )
        new.types = {name: inner.type_id(ty) for name, ty in old.types.items()}
        new.functions = {name: inner.function(f) for name, f in old.functions.items()}
        return new_id
