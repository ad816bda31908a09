"""Print a resolved package back to canonical WIT text.

The output follows ``wasm-tools component wit`` (wit-component's ``WitPrinter``)
item for item: the same ordering, blank lines, ``use`` grouping, gates and
escaping, so that re-parsing the text yields the same resolve.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from witgen.resolve.ir import (
    Alias,
    EnumType,
    FixedListType,
    Flags,
    Function,
    FunctionItem,
    FutureType,
    Handle,
    InterfaceId,
    InterfaceItem,
    InterfaceKey,
    InterfaceOwner,
    ListType,
    MapType,
    OptionType,
    PackageId,
    Prim,
    Record,
    Resolve,
    Resource,
    ResultType,
    Stability,
    StreamType,
    Tuple,
    Type,
    TypeId,
    TypeItem,
    TypeOwner,
    Variant,
    WorldId,
    WorldItem,
    WorldKey,
    WorldOwner,
)

KEYWORDS = frozenset("""
    use type func u8 u16 u32 u64 s8 s16 s32 s64 f32 f64 float32 float64 char resource record flags
    variant enum bool string option result future stream list own borrow _ as from static interface
    tuple world import export package with include constructor error-context async map
    """.split())
"""Words that must be written ``%word`` when used as identifiers."""


def escape(name: str) -> str:
    """``name`` as a WIT identifier, ``%``-escaped if it is a keyword."""
    return f"%{name}" if name in KEYWORDS else name


def doc_lines(docs: str) -> list[str]:
    """Split doc contents into lines the way Rust's ``str::lines`` does."""
    lines = docs.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


class _Output:
    """Text buffer that indents each new line by two spaces per open block."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._indent = 0
        self._needs_indent = False

    def text(self) -> str:
        return "".join(self._parts)

    def write(self, src: str) -> None:
        if self._needs_indent:
            self._parts.append("  " * self._indent)
            self._needs_indent = False
        self._parts.append(src)

    def newline(self) -> None:
        self._parts.append("\n")
        self._needs_indent = True

    def line(self, src: str) -> None:
        """``src`` followed by a newline."""
        self.write(src)
        self.newline()

    def semicolon(self) -> None:
        self.line(";")

    def block_start(self) -> None:
        self._parts.append(" {")
        self._indent += 1
        self.newline()

    def block_end(self) -> None:
        self._indent -= 1
        self.line("}")


class WitPrinter:
    """Prints packages of a ``Resolve`` as WIT source."""

    def __init__(self, resolve: Resolve) -> None:
        self.resolve = resolve
        self.out = _Output()
        # Whether the current block has items yet, to separate them with blank lines.
        self._any_items = False

    # ---- packages ----------------------------------------------------------------

    def print(self, main: PackageId, nested: Iterable[PackageId]) -> str:
        """``main`` as the file's package, then ``nested`` as ``package x { ... }`` blocks."""
        self.print_package(main, is_main=True)
        for i, pkg in enumerate(nested):
            if i > 0:
                self.out.newline()
                self.out.newline()
            self.print_package(pkg, is_main=False)
        return self.out.text()

    def print_package(self, pkg_id: PackageId, is_main: bool) -> None:
        """A package with its interfaces and worlds; nested (braced) unless ``is_main``."""
        pkg = self.resolve.packages[pkg_id]
        self._docs(pkg.docs)
        self.out.write(f"package {escape(pkg.name.namespace)}:{escape(pkg.name.name)}")
        if pkg.name.version:
            self.out.write(f"@{pkg.name.version}")
        if is_main:
            self.out.semicolon()
            self.out.newline()
        else:
            self.out.block_start()
        for name, iface_id in pkg.interfaces.items():
            iface = self.resolve.interfaces[iface_id]
            self._docs(iface.docs)
            self._stability(iface.stability)
            self.out.write(f"interface {escape(name)}")
            self.out.block_start()
            self._interface_body(iface_id)
            self.out.block_end()
            if is_main:
                self.out.newline()
        for name, world_id in pkg.worlds.items():
            world = self.resolve.worlds[world_id]
            self._docs(world.docs)
            self._stability(world.stability)
            self.out.write(f"world {escape(name)}")
            self.out.block_start()
            self._world_body(world_id)
            self.out.block_end()
        if not is_main:
            self.out.block_end()

    def _new_item(self) -> None:
        if self._any_items:
            self.out.newline()
        self._any_items = True

    # ---- interfaces ----------------------------------------------------------------

    def _interface_body(self, iface_id: InterfaceId) -> None:
        prev_items, self._any_items = self._any_items, False
        iface = self.resolve.interfaces[iface_id]
        resource_funcs = _group_resource_funcs(iface.functions.values())
        self._types(InterfaceOwner(iface_id), iface.types.items(), resource_funcs)
        for func in iface.functions.values():
            if func.resource is not None:
                continue
            self._new_item()
            self._docs(func.docs)
            self._stability(func.stability)
            self._external_id(func.external_id)
            self.out.write(f"{escape(func.item_name)}: ")
            self._function(func)
            self.out.semicolon()
        self._any_items = prev_items

    def _types(
        self,
        owner: TypeOwner,
        types: Iterable[tuple[str, TypeId]],
        resource_funcs: dict[TypeId, list[Function]],
    ) -> None:
        """``use`` statements for types aliased from elsewhere, then local declarations."""
        to_declare: list[TypeId] = []
        to_import: list[_UseGroup] = []
        for name, ty_id in types:
            ty = self.resolve.types[ty_id]
            source = self._use_source(owner, ty_id)
            if source is None:
                to_declare.append(ty_id)
                continue
            other = self.resolve.types[source]
            assert other.name is not None, "cannot import an unnamed type"
            group = _UseGroup(other.owner, ty.stability, ty.external_id)
            if to_import and to_import[-1].same_statement(group):
                group = to_import[-1]
            else:
                to_import.append(group)
            group.names.append((name, other.name))
        for group in to_import:
            self._use(owner, group)
        for ty_id in to_declare:
            self._new_item()
            ty = self.resolve.types[ty_id]
            self._docs(ty.docs)
            self._stability(ty.stability)
            self._external_id(ty.external_id)
            if isinstance(ty.kind, Resource):
                self._resource(ty_id, resource_funcs.get(ty_id, []))
            else:
                self._declare_type(ty_id)

    def _use_source(self, owner: TypeOwner, ty_id: TypeId) -> TypeId | None:
        """The type ``ty_id`` aliases, if it belongs to another owner (so needs a ``use``)."""
        kind = self.resolve.types[ty_id].kind
        if not isinstance(kind, Alias) or isinstance(kind.ty, Prim):
            return None
        other_owner = self.resolve.types[kind.ty].owner
        if other_owner is None or other_owner == owner:
            return None
        return kind.ty

    def _use(self, owner: TypeOwner, group: _UseGroup) -> None:
        source = group.source
        assert isinstance(source, InterfaceOwner), "types can only be used from interfaces"
        self._any_items = True
        self._stability(group.stability)
        self._external_id(group.external_id)
        items = ", ".join(
            escape(mine) if mine == theirs else f"{escape(theirs)} as {escape(mine)}"
            for mine, theirs in group.names
        )
        self.out.write(f"use {self._interface_path(source.id, self._owner_package(owner))}.{{{items}}}")
        self.out.semicolon()

    def _owner_package(self, owner: TypeOwner) -> PackageId | None:
        if isinstance(owner, InterfaceOwner):
            return self.resolve.interfaces[owner.id].package
        if isinstance(owner, WorldOwner):
            return self.resolve.worlds[owner.id].package
        return None

    def _interface_path(self, iface_id: InterfaceId, current: PackageId | None) -> str:
        """``name`` within the current package, ``ns:pkg/name@version`` outside it."""
        iface = self.resolve.interfaces[iface_id]
        assert iface.name is not None and iface.package is not None
        if iface.package == current:
            return escape(iface.name)
        pkg = self.resolve.packages[iface.package].name
        path = f"{escape(pkg.namespace)}:{escape(pkg.name)}/{escape(iface.name)}"
        return f"{path}@{pkg.version}" if pkg.version else path

    # ---- resources and functions ----------------------------------------------------

    def _resource(self, ty_id: TypeId, funcs: list[Function]) -> None:
        self.out.write(f"resource {self._resource_name(ty_id)}")
        if not funcs:
            self.out.semicolon()
            return
        self.out.block_start()
        for func in funcs:
            self._docs(func.docs)
            self._stability(func.stability)
            self._external_id(func.external_id)
            if func.kind in ("method", "async-method"):
                self.out.write(f"{escape(func.item_name)}: ")
            elif func.kind in ("static", "async-static"):
                self.out.write(f"{escape(func.item_name)}: static ")
            self._function(func)
            self.out.semicolon()
        self.out.block_end()

    def _resource_name(self, ty_id: TypeId) -> str:
        name = self.resolve.types[ty_id].name
        assert name is not None, "resources must be named"
        return escape(name)

    def _function(self, func: Function) -> None:
        """``[async] func(params) [-> result]``, or ``constructor(params)``."""
        if func.is_async:
            self.out.write("async ")
        self.out.write("constructor(" if func.kind == "constructor" else "func(")
        params = func.params[1:] if func.kind in ("method", "async-method") else func.params
        self.out.write(", ".join(f"{escape(p.name)}: {self.type_name(p.ty)}" for p in params))
        self.out.write(")")
        if func.result is not None and not self._is_constructor_shorthand(func):
            self.out.write(f" -> {self.type_name(func.result)}")

    def _is_constructor_shorthand(self, func: Function) -> bool:
        """Whether ``func`` is a constructor returning a plain ``own`` of its resource."""
        if func.kind != "constructor" or func.result is None or isinstance(func.result, Prim):
            return False
        kind = self.resolve.types[func.result].kind
        return isinstance(kind, Handle) and kind.kind == "own" and kind.resource == func.resource

    # ---- worlds ------------------------------------------------------------------

    def _world_body(self, world_id: WorldId) -> None:
        """Imported interfaces, then types (with resources), then imported functions, then exports."""
        prev_items, self._any_items = self._any_items, False
        world = self.resolve.worlds[world_id]
        types: list[tuple[str, TypeId]] = []
        funcs: list[tuple[WorldKey, WorldItem]] = []
        resource_funcs = _group_resource_funcs(
            item.func
            for item in [*world.imports.values(), *world.exports.values()]
            if isinstance(item, FunctionItem)
        )
        for key, item in world.imports.items():
            if isinstance(item, TypeItem):
                assert isinstance(key, str)
                types.append((key, item.id))
            elif isinstance(item, FunctionItem):
                if item.func.resource is None:
                    funcs.append((key, item))
            else:
                self._world_item(world_id, key, item, "import")
                self._any_items = True
        # A component's top-level type exports: WIT spells world types only one way.
        types += [(str(key), item.id) for key, item in world.exports.items() if isinstance(item, TypeItem)]
        self._types(WorldOwner(world_id), types, resource_funcs)
        for key, item in funcs:
            self._world_item(world_id, key, item, "import")
            self._any_items = True
        exports = [
            (key, item)
            for key, item in world.exports.items()
            if isinstance(item, InterfaceItem)
            or (isinstance(item, FunctionItem) and item.func.resource is None)
        ]  # a component's exported types and their functions are printed with the world's types
        if exports:
            self._new_item()
        for key, item in exports:
            self._world_item(world_id, key, item, "export")
        self._any_items = prev_items

    def _world_item(self, world_id: WorldId, key: WorldKey, item: WorldItem, keyword: str) -> None:
        package = self.resolve.worlds[world_id].package
        if isinstance(item, FunctionItem):
            self._docs(item.func.docs)
            self._stability(item.func.stability)
            self._external_id(item.func.external_id)
            self.out.write(f"{keyword} {escape(item.func.name)}: ")
            self._function(item.func)
            self.out.semicolon()
            return
        assert isinstance(item, InterfaceItem), "world types are printed with the world's types"
        iface = self.resolve.interfaces[item.id]
        if item.docs is not None:
            self._docs(item.docs)
        elif isinstance(key, str):
            self._docs(iface.docs)
        self._stability(item.stability)
        self._external_id(item.external_id)
        if isinstance(key, InterfaceKey):
            self.out.write(f"{keyword} {self._interface_path(key.id, package)}")
            self.out.semicolon()
        elif iface.name is not None:
            self.out.write(f"{keyword} {escape(key)}: {self._interface_path(item.id, package)}")
            self.out.semicolon()
        else:
            self.out.write(f"{keyword} {escape(key)}: interface")
            self.out.block_start()
            self._interface_body(item.id)
            self.out.block_end()

    # ---- types ---------------------------------------------------------------------

    def type_name(self, ty: Type) -> str:
        """How a use of ``ty`` is written: its name, or its anonymous type expression."""
        if isinstance(ty, Prim):
            return ty.value
        typedef = self.resolve.types[ty]
        if typedef.name is not None:
            return escape(typedef.name)
        return self._type_expr(ty, own_explicit=False)

    def _type_expr(self, ty_id: TypeId, own_explicit: bool) -> str:
        """The structural type expression of type definition ``ty_id``."""
        t = self.type_name
        match self.resolve.types[ty_id].kind:
            case Handle(kind, resource):
                name = self._resource_name(resource)
                return f"{kind}<{name}>" if kind == "borrow" or own_explicit else name
            case Tuple(types):
                return f"tuple<{', '.join(t(ty) for ty in types)}>"
            case OptionType(ty):
                return f"option<{t(ty)}>"
            case ResultType(ok, err):
                return _result_expr(None if ok is None else t(ok), None if err is None else t(err))
            case ListType(ty):
                return f"list<{t(ty)}>"
            case FixedListType(ty, size):
                return f"list<{t(ty)}, {size}>"
            case MapType(key, value):
                return f"map<{t(key)}, {t(value)}>"
            case FutureType(ty):
                return "future" if ty is None else f"future<{t(ty)}>"
            case StreamType(ty):
                return "stream" if ty is None else f"stream<{t(ty)}>"
            case Alias(ty):
                return t(ty)
            case kind:
                raise ValueError(f"cannot write anonymous type {kind!r}")

    def _declare_type(self, ty_id: TypeId) -> None:
        """The declaration of named, non-resource type ``ty_id``."""
        typedef = self.resolve.types[ty_id]
        assert typedef.name is not None
        name = escape(typedef.name)
        match typedef.kind:
            case Record(fields):
                self._block(
                    f"record {name}", ((f.docs, f"{escape(f.name)}: {self.type_name(f.ty)}") for f in fields)
                )
            case Flags(flags):
                self._block(f"flags {name}", ((f.docs, escape(f.name)) for f in flags))
            case Variant(cases):
                self._block(
                    f"variant {name}",
                    (
                        (
                            c.docs,
                            escape(c.name) if c.ty is None else f"{escape(c.name)}({self.type_name(c.ty)})",
                        )
                        for c in cases
                    ),
                )
            case EnumType(enum_cases):
                self._block(f"enum {name}", ((c.docs, escape(c.name)) for c in enum_cases))
            case _:
                self.out.write(f"type {name} = {self._type_expr(ty_id, own_explicit=True)}")
                self.out.semicolon()

    def _block(self, header: str, members: Iterable[tuple[str | None, str]]) -> None:
        """``header { member, ... }`` with one documented member per line."""
        self.out.write(header)
        self.out.block_start()
        for docs, member in members:
            self._docs(docs)
            self.out.line(f"{member},")
        self.out.block_end()

    # ---- docs and gates --------------------------------------------------------------

    def _docs(self, docs: str | None) -> None:
        if docs is None:
            return
        for line in doc_lines(docs):
            self.out.line(f"/// {line}" if line else "///")

    def _external_id(self, external_id: str | None) -> None:
        if external_id is not None:
            self.out.line(f'@external-id("{external_id}")')

    def _stability(self, stability: Stability) -> None:
        if stability.kind == "stable":
            self.out.line(f"@since(version = {stability.since})")
        elif stability.kind == "unstable":
            self.out.line(f"@unstable(feature = {stability.feature})")
        if stability.kind != "unknown" and stability.deprecated is not None:
            self.out.line(f"@deprecated(version = {stability.deprecated})")


@dataclass
class _UseGroup:
    """Consecutive types used from one interface with the same gate and external id: one ``use``."""

    source: TypeOwner
    stability: Stability
    external_id: str | None
    names: list[tuple[str, str]] = field(default_factory=list)

    def same_statement(self, other: _UseGroup) -> bool:
        mine = (self.source, self.stability, self.external_id)
        return mine == (other.source, other.stability, other.external_id)


def _group_resource_funcs(funcs: Iterable[Function]) -> dict[TypeId, list[Function]]:
    """Resource functions (constructors, methods, statics) by resource, in order."""
    grouped: dict[TypeId, list[Function]] = {}
    for func in funcs:
        if func.resource is not None:
            grouped.setdefault(func.resource, []).append(func)
    return grouped


def _result_expr(ok: str | None, err: str | None) -> str:
    """``result``, ``result<T>``, ``result<_, E>`` or ``result<T, E>``."""
    if err is None:
        return "result" if ok is None else f"result<{ok}>"
    return f"result<{ok or '_'}, {err}>"


def print_package(resolve: Resolve, package: PackageId) -> str:
    """WIT text of one package alone, as its file's main package."""
    return WitPrinter(resolve).print(package, [])


def print_resolve(resolve: Resolve, main: PackageId) -> str:
    """WIT text of ``main`` followed by every other package of ``resolve`` as nested packages."""
    nested = [PackageId(id) for id in range(len(resolve.packages)) if id != main]
    return WitPrinter(resolve).print(main, nested)
