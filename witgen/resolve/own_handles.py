"""Place a package's anonymous ``own<T>`` handles where wit-parser allocates them.

wit-parser reads a resource named as a type (and ``own<T>``) as the resource itself, then, when
it moves the package into its ``Resolve``, allocates one ``own<T>`` per resource just before
the first type that needs it, or, for a function's parameter or result, after all of the
package's types, in interface then world order. witgen interns the handles as it meets them,
so this pass moves them to those places, keeping type ids (and the JSON) the same as the
reference's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from witgen.resolve import ir


@dataclass
class _Order:
    owns: set[ir.TypeId]
    order: list[ir.TypeId] = field(default_factory=list)
    placed: set[ir.TypeId] = field(default_factory=set)

    def place(self, ty: ir.Type | None) -> None:
        if ty is not None and not isinstance(ty, ir.Prim) and ty in self.owns and ty not in self.placed:
            self.placed.add(ty)
            self.order.append(ty)

    def place_function(self, func: ir.Function) -> None:
        for param in func.params:
            self.place(param.ty)
        self.place(func.result)


def order_own_handles(
    resolve: ir.Resolve,
    first_type: int,
    interfaces: list[ir.InterfaceId],
    worlds: list[ir.WorldId],
    owns: set[ir.TypeId],
) -> dict[ir.TypeId, ir.TypeId]:
    """Renumber the types from ``first_type`` on (one package's) so that the handles in
    ``owns`` come where the reference puts them; returns the old-to-new id map (only ids
    that moved) after rewriting every reference in the package's types, interfaces and worlds."""
    plan = _Order(owns)
    for index in range(first_type, len(resolve.types)):
        type_id = ir.TypeId(index)
        if type_id in owns:
            continue
        kind = resolve.types[type_id].kind
        if not isinstance(kind, (ir.Handle, ir.Alias)):
            for child in ir.child_types(kind):
                plan.place(child)
        plan.order.append(type_id)
    for iface_id in interfaces:
        for func in resolve.interfaces[iface_id].functions.values():
            plan.place_function(func)
    for world_id in worlds:
        world = resolve.worlds[world_id]
        for item in [*world.imports.values(), *world.exports.values()]:
            if isinstance(item, ir.FunctionItem):
                plan.place_function(item.func)
    plan.order.extend(sorted(owns - plan.placed))
    moved = {old: ir.TypeId(first_type + i) for i, old in enumerate(plan.order) if old != first_type + i}
    if moved:
        _rewrite(resolve, first_type, plan.order, moved, interfaces, worlds)
    return moved


def _rewrite(
    resolve: ir.Resolve,
    first_type: int,
    order: list[ir.TypeId],
    moved: dict[ir.TypeId, ir.TypeId],
    interfaces: list[ir.InterfaceId],
    worlds: list[ir.WorldId],
) -> None:
    def ty(t: ir.Type) -> ir.Type:
        return t if isinstance(t, ir.Prim) else moved.get(t, t)

    def opt(t: ir.Type | None) -> ir.Type | None:
        return None if t is None else ty(t)

    def tid(t: ir.TypeId) -> ir.TypeId:
        return moved.get(t, t)

    def function(func: ir.Function) -> None:
        for param in func.params:
            param.ty = ty(param.ty)
        func.result = opt(func.result)
        if func.resource is not None:
            func.resource = tid(func.resource)

    resolve.types[first_type:] = [resolve.types[old] for old in order]
    for typedef in resolve.types[first_type:]:
        kind = typedef.kind
        if isinstance(kind, ir.Record):
            for f in kind.fields:
                f.ty = ty(f.ty)
        elif isinstance(kind, ir.Variant):
            for c in kind.cases:
                c.ty = opt(c.ty)
        elif isinstance(kind, ir.Tuple):
            kind.types = [ty(t) for t in kind.types]
        elif isinstance(kind, (ir.OptionType, ir.ListType, ir.FixedListType, ir.Alias)):
            kind.ty = ty(kind.ty)
        elif isinstance(kind, ir.MapType):
            kind.key, kind.value = ty(kind.key), ty(kind.value)
        elif isinstance(kind, ir.ResultType):
            kind.ok, kind.err = opt(kind.ok), opt(kind.err)
        elif isinstance(kind, (ir.FutureType, ir.StreamType)):
            kind.ty = opt(kind.ty)
        elif isinstance(kind, ir.Handle):
            kind.resource = tid(kind.resource)
    for iface_id in interfaces:
        iface = resolve.interfaces[iface_id]
        iface.types = {name: tid(t) for name, t in iface.types.items()}
        for func in iface.functions.values():
            function(func)
    for world_id in worlds:
        world = resolve.worlds[world_id]
        for item in [*world.imports.values(), *world.exports.values()]:
            if isinstance(item, ir.FunctionItem):
                function(item.func)
            elif isinstance(item, ir.TypeItem):
                item.id = tid(item.id)
