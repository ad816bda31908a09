"""The WIT abstract syntax tree: one class per construct, each with a span.

This is the parser's output and the resolver's input; nothing later in the
pipeline sees it. The classes are written out rather than made with
``@dataclass``, whose class creation costs milliseconds of every ``witgen``
start-up; ``_Node`` gives them a dataclass's equality and repr (fields in
``__slots__`` order).
"""

from __future__ import annotations

from typing import Literal, Union

from witgen.errors import SourceFile, Span


class _Node:
    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        names: tuple[str, ...] = self.__slots__
        return all(getattr(self, f) == getattr(other, f) for f in names)

    __hash__ = None  # type: ignore[assignment]  # mutable, like a dataclass with eq

    def __repr__(self) -> str:
        names: tuple[str, ...] = self.__slots__
        fields = ", ".join(f"{f}={getattr(self, f)!r}" for f in names)
        return f"{self.__class__.__qualname__}({fields})"


class Id(_Node):
    """An identifier, with any leading ``%`` escape removed."""

    __slots__ = ("name", "span")
    name: str
    span: Span

    def __init__(self, name: str, span: Span) -> None:
        self.name = name
        self.span = span


class PackageName(_Node):
    __slots__ = ("namespace", "name", "version", "span")
    namespace: Id
    name: Id
    version: str | None
    span: Span

    def __init__(self, namespace: Id, name: Id, version: str | None, span: Span) -> None:
        self.namespace = namespace
        self.name = name
        self.version = version
        self.span = span

    def key(self) -> tuple[str, str, str | None]:
        return (self.namespace.name, self.name.name, self.version)

    def __str__(self) -> str:
        base = f"{self.namespace.name}:{self.name.name}"
        return f"{base}@{self.version}" if self.version else base


class LocalPath(_Node):
    """``use foo`` / ``import foo``: an interface or world of this package."""

    __slots__ = ("id",)
    id: Id

    def __init__(self, id: Id) -> None:
        self.id = id

    @property
    def name(self) -> Id:
        return self.id


class PackagePath(_Node):
    """``ns:pkg/item@version``: an interface or world of another package."""

    __slots__ = ("package", "item")
    package: PackageName
    item: Id

    def __init__(self, package: PackageName, item: Id) -> None:
        self.package = package
        self.item = item

    @property
    def name(self) -> Id:
        return self.item


UsePath = Union[LocalPath, PackagePath]


class Attribute(_Node):
    """``@since(version = ..)``, ``@unstable(feature = ..)``,
    ``@deprecated(version = ..)`` or ``@external-id("..")``."""

    __slots__ = ("kind", "value", "span")
    kind: Literal["since", "unstable", "deprecated", "external-id"]
    value: str
    span: Span

    def __init__(
        self, kind: Literal["since", "unstable", "deprecated", "external-id"], value: str, span: Span
    ) -> None:
        self.kind = kind
        self.value = value
        self.span = span


Docs = list[str]


# ---- types -------------------------------------------------------------------


class PrimType(_Node):
    __slots__ = ("name", "span")
    name: str
    span: Span

    def __init__(self, name: str, span: Span) -> None:
        self.name = name
        self.span = span


class NamedType(_Node):
    __slots__ = ("id",)
    id: Id

    def __init__(self, id: Id) -> None:
        self.id = id

    @property
    def span(self) -> Span:
        return self.id.span


class GenericType(_Node):
    """``list``, ``option``, ``tuple``, ``result``, ``future``, ``stream``, ``map``,
    fixed-length ``list``. ``args`` holds ``None`` for an omitted ``result``
    payload (``result<_, E>``, ``result<T>``)."""

    __slots__ = ("kind", "args", "span", "size", "height")
    kind: Literal["list", "fixed-list", "map", "option", "tuple", "result", "future", "stream"]
    args: list[TypeExpr | None]
    span: Span
    size: int
    height: int

    def __init__(
        self,
        kind: Literal["list", "fixed-list", "map", "option", "tuple", "result", "future", "stream"],
        args: list[TypeExpr | None],
        span: Span,
        size: int = 0,
        height: int = 1,
    ) -> None:
        self.kind = kind
        self.args = args
        self.span = span
        self.size = size
        self.height = height


class HandleType(_Node):
    __slots__ = ("kind", "resource", "span")
    kind: Literal["own", "borrow"]
    resource: Id
    span: Span

    def __init__(self, kind: Literal["own", "borrow"], resource: Id, span: Span) -> None:
        self.kind = kind
        self.resource = resource
        self.span = span


TypeExpr = Union[PrimType, NamedType, GenericType, HandleType]


class Func(_Node):
    __slots__ = ("params", "result", "is_async", "span")
    params: list[tuple[Id, TypeExpr]]
    result: TypeExpr | None
    is_async: bool
    span: Span

    def __init__(
        self, params: list[tuple[Id, TypeExpr]], result: TypeExpr | None, is_async: bool, span: Span
    ) -> None:
        self.params = params
        self.result = result
        self.is_async = is_async
        self.span = span


class NamedFunc(_Node):
    __slots__ = ("docs", "attrs", "name", "func")
    docs: Docs
    attrs: list[Attribute]
    name: Id
    func: Func

    def __init__(self, docs: Docs, attrs: list[Attribute], name: Id, func: Func) -> None:
        self.docs = docs
        self.attrs = attrs
        self.name = name
        self.func = func


class ResourceFunc(_Node):
    __slots__ = ("kind", "func")
    kind: Literal["method", "static", "constructor"]
    func: NamedFunc

    def __init__(self, kind: Literal["method", "static", "constructor"], func: NamedFunc) -> None:
        self.kind = kind
        self.func = func


class Field(_Node):
    __slots__ = ("docs", "name", "ty")
    docs: Docs
    name: Id
    ty: TypeExpr

    def __init__(self, docs: Docs, name: Id, ty: TypeExpr) -> None:
        self.docs = docs
        self.name = name
        self.ty = ty


class Case(_Node):
    __slots__ = ("docs", "name", "ty")
    docs: Docs
    name: Id
    ty: TypeExpr | None

    def __init__(self, docs: Docs, name: Id, ty: TypeExpr | None) -> None:
        self.docs = docs
        self.name = name
        self.ty = ty


class RecordBody(_Node):
    __slots__ = ("fields",)
    fields: list[Field]

    def __init__(self, fields: list[Field]) -> None:
        self.fields = fields


class VariantBody(_Node):
    __slots__ = ("cases",)
    cases: list[Case]

    def __init__(self, cases: list[Case]) -> None:
        self.cases = cases


class EnumBody(_Node):
    __slots__ = ("cases",)
    cases: list[Case]

    def __init__(self, cases: list[Case]) -> None:
        self.cases = cases


class FlagsBody(_Node):
    __slots__ = ("flags",)
    flags: list[Case]

    def __init__(self, flags: list[Case]) -> None:
        self.flags = flags


class ResourceBody(_Node):
    __slots__ = ("funcs",)
    funcs: list[ResourceFunc]

    def __init__(self, funcs: list[ResourceFunc]) -> None:
        self.funcs = funcs


TypeBody = Union[TypeExpr, RecordBody, VariantBody, EnumBody, FlagsBody, ResourceBody]


class TypeDef(_Node):
    __slots__ = ("docs", "attrs", "name", "body", "keyword")
    docs: Docs
    attrs: list[Attribute]
    name: Id
    body: TypeBody
    keyword: Span

    def __init__(self, docs: Docs, attrs: list[Attribute], name: Id, body: TypeBody, keyword: Span) -> None:
        self.docs = docs
        self.attrs = attrs
        self.name = name
        self.body = body
        self.keyword = keyword


# ---- uses, interfaces, worlds --------------------------------------------------


class UseName(_Node):
    __slots__ = ("name", "as_")
    name: Id
    as_: Id | None

    def __init__(self, name: Id, as_: Id | None) -> None:
        self.name = name
        self.as_ = as_

    @property
    def local(self) -> Id:
        return self.as_ or self.name


class Use(_Node):
    __slots__ = ("attrs", "path", "names")
    attrs: list[Attribute]
    path: UsePath
    names: list[UseName]

    def __init__(self, attrs: list[Attribute], path: UsePath, names: list[UseName]) -> None:
        self.attrs = attrs
        self.path = path
        self.names = names


InterfaceItem = Union[TypeDef, NamedFunc, Use]


class Interface(_Node):
    __slots__ = ("docs", "attrs", "name", "items")
    docs: Docs
    attrs: list[Attribute]
    name: Id
    items: list[InterfaceItem]

    def __init__(self, docs: Docs, attrs: list[Attribute], name: Id, items: list[InterfaceItem]) -> None:
        self.docs = docs
        self.attrs = attrs
        self.name = name
        self.items = items


class ExternFunc(_Node):
    __slots__ = ("name", "func")
    name: Id
    func: Func

    def __init__(self, name: Id, func: Func) -> None:
        self.name = name
        self.func = func


class ExternInterface(_Node):
    __slots__ = ("name", "items")
    name: Id
    items: list[InterfaceItem]

    def __init__(self, name: Id, items: list[InterfaceItem]) -> None:
        self.name = name
        self.items = items


class ExternPath(_Node):
    __slots__ = ("path",)
    path: UsePath

    def __init__(self, path: UsePath) -> None:
        self.path = path


class ExternNamedPath(_Node):
    """``import label: path;`` -- an interface imported under a plain name."""

    __slots__ = ("name", "path")
    name: Id
    path: UsePath

    def __init__(self, name: Id, path: UsePath) -> None:
        self.name = name
        self.path = path


ExternKind = Union[ExternFunc, ExternInterface, ExternPath, ExternNamedPath]


def extern_span(kind: ExternKind) -> Span:
    if isinstance(kind, ExternPath):
        return kind.path.name.span
    return kind.name.span


class Import(_Node):
    __slots__ = ("docs", "attrs", "kind")
    docs: Docs
    attrs: list[Attribute]
    kind: ExternKind

    def __init__(self, docs: Docs, attrs: list[Attribute], kind: ExternKind) -> None:
        self.docs = docs
        self.attrs = attrs
        self.kind = kind


class Export(_Node):
    __slots__ = ("docs", "attrs", "kind")
    docs: Docs
    attrs: list[Attribute]
    kind: ExternKind

    def __init__(self, docs: Docs, attrs: list[Attribute], kind: ExternKind) -> None:
        self.docs = docs
        self.attrs = attrs
        self.kind = kind


class IncludeName(_Node):
    __slots__ = ("name", "as_")
    name: Id
    as_: Id

    def __init__(self, name: Id, as_: Id) -> None:
        self.name = name
        self.as_ = as_


class Include(_Node):
    __slots__ = ("attrs", "path", "names")
    attrs: list[Attribute]
    path: UsePath
    names: list[IncludeName]

    def __init__(self, attrs: list[Attribute], path: UsePath, names: list[IncludeName]) -> None:
        self.attrs = attrs
        self.path = path
        self.names = names


WorldItem = Union[Import, Export, Use, TypeDef, Include]


class World(_Node):
    __slots__ = ("docs", "attrs", "name", "items")
    docs: Docs
    attrs: list[Attribute]
    name: Id
    items: list[WorldItem]

    def __init__(self, docs: Docs, attrs: list[Attribute], name: Id, items: list[WorldItem]) -> None:
        self.docs = docs
        self.attrs = attrs
        self.name = name
        self.items = items


class ToplevelUse(_Node):
    __slots__ = ("attrs", "path", "as_", "span")
    attrs: list[Attribute]
    path: UsePath
    as_: Id | None
    span: Span

    def __init__(self, attrs: list[Attribute], path: UsePath, as_: Id | None, span: Span) -> None:
        self.attrs = attrs
        self.path = path
        self.as_ = as_
        self.span = span

    @property
    def local(self) -> Id:
        return self.as_ or self.path.name


class NestedPackage(_Node):
    __slots__ = ("docs", "name", "items", "keyword", "height")
    docs: Docs
    name: PackageName
    items: list[FileItem]
    keyword: Span
    height: int

    def __init__(
        self, docs: Docs, name: PackageName, items: list[FileItem], keyword: Span, height: int = 1
    ) -> None:
        self.docs = docs
        self.name = name
        self.items = items
        self.keyword = keyword
        self.height = height


FileItem = Union[Interface, World, ToplevelUse, NestedPackage]


class PackageHeader(_Node):
    __slots__ = ("docs", "name", "docs_span")
    docs: Docs
    name: PackageName
    docs_span: Span | None

    def __init__(self, docs: Docs, name: PackageName, docs_span: Span | None) -> None:
        self.docs = docs
        self.name = name
        self.docs_span = docs_span


class File(_Node):
    """One parsed ``.wit`` file."""

    __slots__ = ("source", "header", "items")
    source: SourceFile
    header: PackageHeader | None
    items: list[FileItem]

    def __init__(
        self, source: SourceFile, header: PackageHeader | None, items: list[FileItem] | None = None
    ) -> None:
        self.source = source
        self.header = header
        self.items = items if items is not None else []
