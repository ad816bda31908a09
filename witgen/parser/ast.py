"""The WIT abstract syntax tree: one dataclass per construct, each with a span.

This is the parser's output and the resolver's input; nothing later in the
pipeline sees it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union

from witgen.errors import SourceFile, Span


@dataclass(slots=True)
class Id:
    """An identifier, with any leading ``%`` escape removed."""

    name: str
    span: Span


@dataclass(slots=True)
class PackageName:
    namespace: Id
    name: Id
    version: str | None
    span: Span

    def key(self) -> tuple[str, str, str | None]:
        return (self.namespace.name, self.name.name, self.version)

    def __str__(self) -> str:
        base = f"{self.namespace.name}:{self.name.name}"
        return f"{base}@{self.version}" if self.version else base


@dataclass(slots=True)
class LocalPath:
    """``use foo`` / ``import foo``: an interface or world of this package."""

    id: Id

    @property
    def name(self) -> Id:
        return self.id


@dataclass(slots=True)
class PackagePath:
    """``ns:pkg/item@version``: an interface or world of another package."""

    package: PackageName
    item: Id

    @property
    def name(self) -> Id:
        return self.item


UsePath = Union[LocalPath, PackagePath]


@dataclass(slots=True)
class Attribute:
    """``@since(version = ..)``, ``@unstable(feature = ..)``,
    ``@deprecated(version = ..)`` or ``@external-id("..")``."""

    kind: Literal["since", "unstable", "deprecated", "external-id"]
    value: str
    span: Span


Docs = list[str]


# ---- types -------------------------------------------------------------------


@dataclass(slots=True)
class PrimType:
    name: str
    span: Span


@dataclass(slots=True)
class NamedType:
    id: Id

    @property
    def span(self) -> Span:
        return self.id.span


@dataclass(slots=True)
class GenericType:
    """``list``, ``option``, ``tuple``, ``result``, ``future``, ``stream``, ``map``,
    fixed-length ``list``. ``args`` holds ``None`` for an omitted ``result``
    payload (``result<_, E>``, ``result<T>``)."""

    kind: Literal["list", "fixed-list", "map", "option", "tuple", "result", "future", "stream"]
    args: list[TypeExpr | None]
    span: Span
    size: int = 0
    height: int = 1


@dataclass(slots=True)
class HandleType:
    kind: Literal["own", "borrow"]
    resource: Id
    span: Span


TypeExpr = Union[PrimType, NamedType, GenericType, HandleType]


@dataclass(slots=True)
class Func:
    params: list[tuple[Id, TypeExpr]]
    result: TypeExpr | None
    is_async: bool
    span: Span


@dataclass(slots=True)
class NamedFunc:
    docs: Docs
    attrs: list[Attribute]
    name: Id
    func: Func


@dataclass(slots=True)
class ResourceFunc:
    kind: Literal["method", "static", "constructor"]
    func: NamedFunc


@dataclass(slots=True)
class Field:
    docs: Docs
    name: Id
    ty: TypeExpr


@dataclass(slots=True)
class Case:
    docs: Docs
    name: Id
    ty: TypeExpr | None


@dataclass(slots=True)
class RecordBody:
    fields: list[Field]


@dataclass(slots=True)
class VariantBody:
    cases: list[Case]


@dataclass(slots=True)
class EnumBody:
    cases: list[Case]


@dataclass(slots=True)
class FlagsBody:
    flags: list[Case]


@dataclass(slots=True)
class ResourceBody:
    funcs: list[ResourceFunc]


TypeBody = Union[TypeExpr, RecordBody, VariantBody, EnumBody, FlagsBody, ResourceBody]


@dataclass(slots=True)
class TypeDef:
    docs: Docs
    attrs: list[Attribute]
    name: Id
    body: TypeBody
    keyword: Span


# ---- uses, interfaces, worlds --------------------------------------------------


@dataclass(slots=True)
class UseName:
    name: Id
    as_: Id | None

    @property
    def local(self) -> Id:
        return self.as_ or self.name


@dataclass(slots=True)
class Use:
    attrs: list[Attribute]
    path: UsePath
    names: list[UseName]


InterfaceItem = Union[TypeDef, NamedFunc, Use]


@dataclass(slots=True)
class Interface:
    docs: Docs
    attrs: list[Attribute]
    name: Id
    items: list[InterfaceItem]


@dataclass(slots=True)
class ExternFunc:
    name: Id
    func: Func


@dataclass(slots=True)
class ExternInterface:
    name: Id
    items: list[InterfaceItem]


@dataclass(slots=True)
class ExternPath:
    path: UsePath


@dataclass(slots=True)
class ExternNamedPath:
    """``import label: path;`` -- an interface imported under a plain name."""

    name: Id
    path: UsePath


ExternKind = Union[ExternFunc, ExternInterface, ExternPath, ExternNamedPath]


def extern_span(kind: ExternKind) -> Span:
    if isinstance(kind, ExternPath):
        return kind.path.name.span
    return kind.name.span


@dataclass(slots=True)
class Import:
    docs: Docs
    attrs: list[Attribute]
    kind: ExternKind


@dataclass(slots=True)
class Export:
    docs: Docs
    attrs: list[Attribute]
    kind: ExternKind


@dataclass(slots=True)
class IncludeName:
    name: Id
    as_: Id


@dataclass(slots=True)
class Include:
    attrs: list[Attribute]
    path: UsePath
    names: list[IncludeName]


WorldItem = Union[Import, Export, Use, TypeDef, Include]


@dataclass(slots=True)
class World:
    docs: Docs
    attrs: list[Attribute]
    name: Id
    items: list[WorldItem]


@dataclass(slots=True)
class ToplevelUse:
    attrs: list[Attribute]
    path: UsePath
    as_: Id | None
    span: Span

    @property
    def local(self) -> Id:
        return self.as_ or self.path.name


@dataclass(slots=True)
class NestedPackage:
    docs: Docs
    name: PackageName
    items: list[FileItem]
    keyword: Span
    height: int = 1


FileItem = Union[Interface, World, ToplevelUse, NestedPackage]


@dataclass(slots=True)
class PackageHeader:
    docs: Docs
    name: PackageName
    docs_span: Span | None


@dataclass(slots=True)
class File:
    """One parsed ``.wit`` file."""

    source: SourceFile
    header: PackageHeader | None
    items: list[FileItem] = field(default_factory=list)
