"""witgen's typed IR: a fully resolved set of WIT packages.

Modelled on wit-parser's ``Resolve``: flat arenas of packages, interfaces,
worlds and types, referring to each other by integer ids, one ``NewType`` per
arena so that mypy catches an id used in the wrong one. Everything the
generators (host, guest, canonical ABI) need is here; none of them look at the
AST. Items parsed from WIT carry the ``span`` of their name (None when read
from JSON or a binary), for errors found after resolution; spans never take
part in equality. Anonymous types (``list<u8>``, ``option<T>``...) are interned type
definitions without a name or owner, exactly as in wit-parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal, NewType, Union

from witgen.errors import Span

TypeId = NewType("TypeId", int)
InterfaceId = NewType("InterfaceId", int)
WorldId = NewType("WorldId", int)
PackageId = NewType("PackageId", int)


class Prim(Enum):
    """Primitive types: the ones that never get a type definition."""

    BOOL = "bool"
    U8 = "u8"
    U16 = "u16"
    U32 = "u32"
    U64 = "u64"
    S8 = "s8"
    S16 = "s16"
    S32 = "s32"
    S64 = "s64"
    F32 = "f32"
    F64 = "f64"
    CHAR = "char"
    STRING = "string"
    ERROR_CONTEXT = "error-context"


Type = Union[Prim, TypeId]
"""A use of a type: a primitive, or the id of a type definition."""


@dataclass(frozen=True, slots=True)
class Stability:
    """Feature-gate information: ``@since``, ``@unstable`` and ``@deprecated``."""

    kind: Literal["unknown", "stable", "unstable"] = "unknown"
    since: str | None = None
    feature: str | None = None
    deprecated: str | None = None


UNKNOWN_STABILITY = Stability()


def span_field() -> Any:
    """Where an item's name was written: not compared, not shown in ``repr``."""
    return field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class PackageName:
    namespace: str
    name: str
    version: str | None = None

    def __str__(self) -> str:
        base = f"{self.namespace}:{self.name}"
        return f"{base}@{self.version}" if self.version else base

    def interface_id(self, interface: str) -> str:
        """The name of an interface as the component model spells it."""
        base = f"{self.namespace}:{self.name}/{interface}"
        return f"{base}@{self.version}" if self.version else base


# ---- type definitions ----------------------------------------------------------


@dataclass(slots=True)
class Field:
    name: str
    ty: Type
    docs: str | None = None


@dataclass(slots=True)
class Record:
    fields: list[Field]


@dataclass(slots=True)
class Resource:
    pass


@dataclass(slots=True)
class Handle:
    kind: Literal["own", "borrow"]
    resource: TypeId


@dataclass(slots=True)
class Flag:
    name: str
    docs: str | None = None


@dataclass(slots=True)
class Flags:
    flags: list[Flag]


@dataclass(slots=True)
class Tuple:
    types: list[Type]


@dataclass(slots=True)
class Case:
    name: str
    ty: Type | None
    docs: str | None = None


@dataclass(slots=True)
class Variant:
    cases: list[Case]


@dataclass(slots=True)
class EnumCase:
    name: str
    docs: str | None = None


@dataclass(slots=True)
class EnumType:
    cases: list[EnumCase]


@dataclass(slots=True)
class OptionType:
    ty: Type


@dataclass(slots=True)
class ResultType:
    ok: Type | None
    err: Type | None


@dataclass(slots=True)
class ListType:
    ty: Type


@dataclass(slots=True)
class FixedListType:
    ty: Type
    size: int


@dataclass(slots=True)
class MapType:
    key: Type
    value: Type


@dataclass(slots=True)
class FutureType:
    ty: Type | None


@dataclass(slots=True)
class StreamType:
    ty: Type | None


@dataclass(slots=True)
class Alias:
    """``type a = b;`` and every type brought in by ``use``."""

    ty: Type


@dataclass(slots=True)
class Unknown:
    """Placeholder for a type imported from a package not yet resolved."""


TypeDefKind = Union[
    Record,
    Resource,
    Handle,
    Flags,
    Tuple,
    Variant,
    EnumType,
    OptionType,
    ResultType,
    ListType,
    FixedListType,
    MapType,
    FutureType,
    StreamType,
    Alias,
    Unknown,
]


@dataclass(frozen=True, slots=True)
class InterfaceOwner:
    id: InterfaceId


@dataclass(frozen=True, slots=True)
class WorldOwner:
    id: WorldId


TypeOwner = Union[InterfaceOwner, WorldOwner, None]


@dataclass(slots=True)
class TypeDef:
    name: str | None
    kind: TypeDefKind
    owner: TypeOwner
    docs: str | None = None
    stability: Stability = UNKNOWN_STABILITY
    external_id: str | None = None
    span: Span | None = span_field()


# ---- functions, interfaces, worlds, packages -------------------------------------

FunctionKindName = Literal[
    "freestanding", "async-freestanding", "method", "async-method", "static", "async-static", "constructor"
]


@dataclass(slots=True)
class Param:
    name: str
    ty: Type


@dataclass(slots=True)
class Function:
    """A function; resource functions carry wit-parser's ``[method]r.f`` style name."""

    name: str
    kind: FunctionKindName
    params: list[Param]
    result: Type | None
    resource: TypeId | None = None
    docs: str | None = None
    stability: Stability = UNKNOWN_STABILITY
    external_id: str | None = None
    span: Span | None = span_field()

    @property
    def is_async(self) -> bool:
        return self.kind.startswith("async")

    @property
    def item_name(self) -> str:
        """The name as written in WIT (``f`` for ``[method]r.f``)."""
        if self.kind == "constructor":
            return "constructor"
        if self.name.startswith("["):
            return self.name.split(".", 1)[1]
        return self.name


@dataclass(slots=True)
class Interface:
    name: str | None
    package: PackageId | None
    types: dict[str, TypeId] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=dict)
    docs: str | None = None
    stability: Stability = UNKNOWN_STABILITY
    clone_of: InterfaceId | None = None
    """The anonymous interface this one was copied from by a world's ``include``."""
    span: Span | None = span_field()


@dataclass(frozen=True, slots=True)
class InterfaceKey:
    """World key of an interface imported or exported by its own name."""

    id: InterfaceId


WorldKey = Union[str, InterfaceKey]
"""A world item's key: a plain name, or an interface imported by path."""


@dataclass(slots=True)
class InterfaceItem:
    id: InterfaceId
    stability: Stability = UNKNOWN_STABILITY
    docs: str | None = None
    external_id: str | None = None
    span: Span | None = span_field()


@dataclass(slots=True)
class FunctionItem:
    func: Function

    @property
    def span(self) -> Span | None:
        return self.func.span


@dataclass(slots=True)
class TypeItem:
    id: TypeId
    span: Span | None = span_field()


WorldItem = Union[InterfaceItem, FunctionItem, TypeItem]


@dataclass(frozen=True, slots=True)
class IncludeName:
    """``include w with { name as as_ }``."""

    name: str
    as_: str


@dataclass(slots=True)
class WorldInclude:
    """An ``include`` not yet elaborated into its world's imports and exports."""

    world: WorldId
    stability: Stability
    names: list[IncludeName]
    span: Span | None = span_field()


@dataclass(slots=True)
class World:
    name: str
    package: PackageId | None
    imports: dict[WorldKey, WorldItem] = field(default_factory=dict)
    exports: dict[WorldKey, WorldItem] = field(default_factory=dict)
    docs: str | None = None
    stability: Stability = UNKNOWN_STABILITY
    includes: list[WorldInclude] = field(default_factory=list, compare=False, repr=False)
    """Pending until elaboration copies them into ``imports`` and ``exports`` (then empty)."""
    span: Span | None = span_field()


@dataclass(slots=True)
class Package:
    name: PackageName
    docs: str | None = None
    interfaces: dict[str, InterfaceId] = field(default_factory=dict)
    worlds: dict[str, WorldId] = field(default_factory=dict)


@dataclass(slots=True)
class Resolve:
    """Every package resolved so far, with its interfaces, worlds and types."""

    packages: list[Package] = field(default_factory=list)
    interfaces: list[Interface] = field(default_factory=list)
    worlds: list[World] = field(default_factory=list)
    types: list[TypeDef] = field(default_factory=list)
    package_names: dict[PackageName, PackageId] = field(default_factory=dict)
    features: frozenset[str] = frozenset()
    all_features: bool = False

    def add_type(self, typedef: TypeDef) -> TypeId:
        self.types.append(typedef)
        return TypeId(len(self.types) - 1)

    def add_interface(self, interface: Interface) -> InterfaceId:
        self.interfaces.append(interface)
        return InterfaceId(len(self.interfaces) - 1)

    def add_world(self, world: World) -> WorldId:
        self.worlds.append(world)
        return WorldId(len(self.worlds) - 1)

    def add_package(self, package: Package) -> PackageId:
        """Append ``package`` (``package_names`` is the caller's to update: the id may be needed first)."""
        self.packages.append(package)
        return PackageId(len(self.packages) - 1)

    def interface_name(self, id: InterfaceId) -> str | None:
        """``ns:pkg/name@version`` of a named interface, or None if anonymous."""
        iface = self.interfaces[id]
        if iface.name is None or iface.package is None:
            return None
        return self.packages[iface.package].name.interface_id(iface.name)

    def key_name(self, key: WorldKey) -> str:
        """The component-level name of a world item."""
        if isinstance(key, str):
            return key
        return self.interface_name(key.id) or f"interface-{key.id}"

    def resolve_alias(self, ty: Type) -> Type:
        """Follow ``type a = b`` and ``use`` chains to the defining type."""
        while not isinstance(ty, Prim):
            kind = self.types[ty].kind
            if not isinstance(kind, Alias):
                break
            ty = kind.ty
        return ty

    def is_enabled(self, stability: Stability) -> bool:
        """Whether an item with this stability is part of the resolved packages."""
        if stability.kind != "unstable":
            return True
        return self.all_features or stability.feature in self.features


def child_types(kind: TypeDefKind) -> list[Type]:
    """The types directly contained in a type definition."""
    if isinstance(kind, Record):
        return [f.ty for f in kind.fields]
    if isinstance(kind, Variant):
        return [c.ty for c in kind.cases if c.ty is not None]
    if isinstance(kind, Tuple):
        return list(kind.types)
    if isinstance(kind, (OptionType, ListType, FixedListType, Alias)):
        return [kind.ty]
    if isinstance(kind, MapType):
        return [kind.key, kind.value]
    if isinstance(kind, ResultType):
        return [t for t in (kind.ok, kind.err) if t is not None]
    if isinstance(kind, (FutureType, StreamType)):
        return [kind.ty] if kind.ty is not None else []
    if isinstance(kind, Handle):
        return [kind.resource]
    return []
