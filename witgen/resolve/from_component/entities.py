"""Evaluate a decoded component's index spaces into entities that carry type identity.

WIT reconstruction hinges on *which* type a reference names, not on its index: a `use` is an
`eq` export whose target was exported by another interface, and an exported instance's types
come from instantiating a nested (shim) component with type arguments. So every type definition,
`eq`/`sub resource` export and resource gets a `Tid` object (wasmparser's type id); aliases and
instantiation arguments pass the *same* object along, and `eq` bounds make a new `Tid` whose
`target` is the referenced one. Core definitions (and values) never carry WIT types: they hold
`None` in their index spaces, kept only so that indices, outer aliases and instance exports of
every sort line up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from witgen.component import binary as b
from witgen.component import types as t


@dataclass(eq=False)
class Tid:
    """One type identity. `kind` is "defined", "resource", "alias", "func", "instance" or
    "component"; `val`/`scope` hold a defined or function type with its references unresolved
    (for an instance or component type, `scope` is where its declarations are evaluated)."""

    kind: str
    val: t.ValType | t.FuncType | None = None
    scope: Scope | None = None
    target: Tid | None = None
    imports: dict[str, Entity] = field(default_factory=dict)
    exports: dict[str, Entity] = field(default_factory=dict)
    names: dict[str, t.ExternName] = field(default_factory=dict)
    """The full spelling (options included) of each export name."""
    import_names: dict[str, t.ExternName] = field(default_factory=dict)
    decls: tuple[t.Decl, ...] = ()
    """An instance type's declarations, evaluated afresh (in `scope`) for each import."""

    def referenced(self) -> Tid:
        """The type an `eq` bound points at (itself for definitions and fresh resources)."""
        return self.target if self.kind == "alias" and self.target is not None else self

    def peel(self) -> Tid:
        """The definition at the end of a chain of aliases."""
        tid = self
        while tid.kind == "alias" and tid.target is not None:
            tid = tid.target
        return tid

    def ref(self, index: int) -> Tid:
        """The type at `index` of the scope this type was defined in."""
        assert self.scope is not None
        return self.scope.type(index)


@dataclass(eq=False)
class Func:
    type: Tid


@dataclass(eq=False)
class Instance:
    exports: dict[str, Entity]
    names: dict[str, t.ExternName] = field(default_factory=dict)


@dataclass(eq=False)
class Nested:
    """A nested component definition, evaluated afresh at each instantiation."""

    component: b.Component
    parent: Scope


Entity = Union[Tid, Func, Instance, Nested, None]


class EvalError(Exception):
    """The component's definitions do not line up (a reference of the wrong sort or out of range)."""


@dataclass(eq=False)
class Scope:
    """The component-level index spaces of one component or type declaration."""

    parent: Scope | None
    spaces: dict[str, list[Entity]] = field(default_factory=dict)

    def get(self, sort: str, index: int) -> Entity:
        space = self.spaces.get(sort)
        if space is None or not 0 <= index < len(space):
            raise EvalError(f"{sort} index {index} is out of range")
        return space[index]

    def type(self, index: int) -> Tid:
        ent = self.get("type", index)
        if not isinstance(ent, Tid):
            raise EvalError(f"type index {index} does not name a type")
        return ent

    def instance(self, index: int) -> Instance:
        ent = self.get("instance", index)
        if not isinstance(ent, Instance):
            raise EvalError(f"instance index {index} does not name an instance")
        return ent

    def add(self, sort: str | None, ent: Entity) -> None:
        if sort is not None:
            self.spaces.setdefault(sort, []).append(ent)

    def outer(self, count: int) -> Scope:
        scope = self
        for _ in range(count):
            if scope.parent is None:
                raise EvalError(f"outer alias count {count} leaves the outermost component")
            scope = scope.parent
        return scope


@dataclass
class Extern:
    """A top-level import or export of an evaluated component, in binary order."""

    is_import: bool
    name: str
    sort: str
    entity: Entity
    spelling: t.ExternName


def evaluate(component: b.Component) -> list[Extern]:
    """The imports and exports of the outermost component, with their entities."""
    return _Evaluator().component(component, None, None)


class _Evaluator:
    def component(
        self, comp: b.Component, parent: Scope | None, args: dict[str, Entity] | None
    ) -> list[Extern]:
        scope = Scope(parent)
        externs: list[Extern] = []
        for d in comp.definitions:
            ent = self.definition(d, scope, args, externs)
            scope.add(d.sort, ent)
        return externs

    def definition(
        self, d: b.Definition, scope: Scope, args: dict[str, Entity] | None, externs: list[Extern]
    ) -> Entity:
        if isinstance(d, b.TypeDef):
            return self.deftype(d.type, scope)
        if isinstance(d, b.Alias):
            return self.alias(d, scope)
        if isinstance(d, b.Import):
            name = d.name.name
            ent = args[name] if args is not None and name in args else self.extern(d.desc, scope)
            externs.append(Extern(True, name, d.desc.kind, ent, d.name))
            return ent
        if isinstance(d, b.Export):
            ent = self.export(d, scope)
            externs.append(Extern(False, d.name.name, d.export_sort, ent, d.name))
            return ent
        if isinstance(d, b.Instantiate):
            target = scope.get("component", d.component)
            bound = {name: scope.get(sort, index) for name, sort, index in d.args}
            if isinstance(target, Nested):
                inner = self.component(target.component, target.parent, bound)
                exports = [e for e in inner if not e.is_import]
                return Instance({e.name: e.entity for e in exports}, {e.name: e.spelling for e in exports})
            if isinstance(target, Tid) and target.kind == "component":
                return Instance(dict(target.exports), dict(target.names))
            raise EvalError(f"component index {d.component} cannot be instantiated")
        if isinstance(d, b.InlineInstance):
            return Instance({n.name: scope.get(sort, i) for n, sort, i in d.exports})
        if isinstance(d, b.Canon) and d.op == "lift":
            assert d.type is not None
            return Func(scope.type(d.type))
        if isinstance(d, b.NestedComponent):
            return Nested(d.component, scope)
        return None

    def alias(self, alias: b.Alias, scope: Scope) -> Entity:
        if alias.target == "outer":
            return scope.outer(alias.count).get(alias.alias_sort, alias.outer_index)
        if alias.target == "export":
            exports = scope.instance(alias.instance).exports
            if alias.name not in exports:
                raise EvalError(f"instance {alias.instance} has no export `{alias.name}`")
            return exports[alias.name]
        return None

    def export(self, d: b.Export, scope: Scope) -> Entity:
        ent = scope.get(d.export_sort, d.target)
        if d.desc is not None and d.desc.kind == "func" and d.desc.index is not None:
            return Func(scope.type(d.desc.index))
        if d.export_sort == "type" and isinstance(ent, Tid):
            return Tid("alias", target=ent)
        if d.desc is not None and d.desc.kind == "instance" and isinstance(ent, Instance):
            # an ascribed instance type shows only its own exports (kept with their identities)
            ascribed = self.extern(d.desc, scope)
            if isinstance(ascribed, Instance):
                exports = {n: ent.exports.get(n, e) for n, e in ascribed.exports.items()}
                return Instance(exports, dict(ascribed.names))
        return ent

    def extern(self, desc: t.ExternDesc, scope: Scope) -> Entity:
        """The entity an import or export declaration introduces."""
        if desc.kind == "type":
            if desc.sub_resource or desc.index is None:
                return Tid("resource")
            return Tid("alias", target=scope.type(desc.index))
        if desc.index is None:
            return None
        if desc.kind == "func":
            return Func(scope.type(desc.index))
        if desc.kind == "instance":
            tid = scope.type(desc.index).peel()
            if tid.kind == "instance" and tid.scope is not None:  # fresh resources per import
                tid = self.declarations("instance", tid.decls, tid.scope)
            return Instance(dict(tid.exports), dict(tid.names))
        if desc.kind == "component":
            return scope.type(desc.index)
        return None

    def deftype(self, dt: t.DefType, scope: Scope) -> Tid:
        if isinstance(dt, t.FuncType):
            return Tid("func", val=dt, scope=scope)
        if isinstance(dt, t.ResourceDef):
            return Tid("resource")
        if isinstance(dt, t.InstanceType):
            return self.declarations("instance", dt.decls, scope)
        if isinstance(dt, t.ComponentType):
            return self.declarations("component", dt.decls, scope)
        return Tid("defined", val=dt, scope=scope)

    def declarations(self, kind: str, decls: tuple[t.Decl, ...], parent: Scope) -> Tid:
        inner = Scope(parent)
        tid = Tid(kind, scope=parent, decls=decls)
        for decl in decls:
            if isinstance(decl, t.TypeDecl):
                inner.add("type", self.deftype(decl.type, inner))
            elif isinstance(decl, t.CoreTypeDecl):
                inner.add("core type", None)
            elif isinstance(decl, t.AliasDecl):
                alias: b.Alias = decl.alias
                inner.add(alias.alias_sort, self.alias(alias, inner))
            elif isinstance(decl, (t.ImportDecl, t.ExportDecl)):
                ent = self.extern(decl.desc, inner)
                if isinstance(decl, t.ImportDecl):
                    tid.imports[decl.name.name] = ent
                    tid.import_names[decl.name.name] = decl.name
                else:
                    tid.exports[decl.name.name] = ent
                    tid.names[decl.name.name] = decl.name
                inner.add(decl.desc.kind, ent)
        return tid
