"""The decoded type model of the component binary format (Binary.md "Type Definitions").

Types are kept as the binary spells them: a value type that names another type holds a `TypeRef`
into the enclosing scope's type index space. Readers resolve those references against their own
index spaces: the cabi engine against the live one (`witgen/runtime/cabi/resolve.py`, `Own`/`Borrow`
targets becoming runtime `ResourceType`s), the front-end against a component's static types
(`witgen/resolve/from_component/entities.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

PRIMITIVES: dict[int, str] = {
    0x7F: "bool",
    0x7E: "s8",
    0x7D: "u8",
    0x7C: "s16",
    0x7B: "u16",
    0x7A: "s32",
    0x79: "u32",
    0x78: "s64",
    0x77: "u64",
    0x76: "f32",
    0x75: "f64",
    0x74: "char",
    0x73: "string",
    0x64: "error-context",
}


@dataclass(frozen=True)
class Prim:
    name: str


@dataclass(frozen=True)
class TypeRef:
    """A value type given by index into the enclosing scope's type index space."""

    index: int


@dataclass(frozen=True)
class Record:
    fields: tuple[tuple[str, ValType], ...]


@dataclass(frozen=True)
class Variant:
    cases: tuple[tuple[str, ValType | None], ...]


@dataclass(frozen=True)
class ListType:
    elem: ValType
    length: int | None = None  # fixed-length list when set


@dataclass(frozen=True)
class Tuple:
    elems: tuple[ValType, ...]


@dataclass(frozen=True)
class Flags:
    names: tuple[str, ...]


@dataclass(frozen=True)
class Enum:
    names: tuple[str, ...]


@dataclass(frozen=True)
class Option:
    elem: ValType


@dataclass(frozen=True)
class Result:
    ok: ValType | None
    err: ValType | None


@dataclass(frozen=True)
class Own:
    """`resource`: a type index when decoded, a `ResourceSlot` once planned, a `ResourceType` once bound."""

    resource: Any


@dataclass(frozen=True)
class Borrow:
    resource: Any


@dataclass(frozen=True)
class Stream:
    elem: ValType | None


@dataclass(frozen=True)
class Future:
    elem: ValType | None


@dataclass(frozen=True)
class Map:
    key: ValType
    value: ValType


ValType: TypeAlias = (
    Prim
    | TypeRef
    | Record
    | Variant
    | ListType
    | Tuple
    | Flags
    | Enum
    | Option
    | Result
    | Own
    | Borrow
    | Stream
    | Future
    | Map
)


@dataclass(frozen=True)
class FuncType:
    params: tuple[tuple[str, ValType], ...]
    result: ValType | None
    is_async: bool = False


@dataclass(frozen=True)
class ResourceDef:
    """`(resource (rep i32) (dtor f)?)`: `dtor`/`callback` are core func indices."""

    rep: str
    dtor: int | None
    is_async: bool = False
    callback: int | None = None


# --- extern descriptions, declarations -------------------------------------------------------


@dataclass(frozen=True)
class ExternDesc:
    """What an import/export declares: `kind` is a sort name ("func", "instance", "core module", ...).

    `index` is the type index (func/instance/component/core module types), the `eq` target of a
    type bound, or the value index of a value bound; `sub_resource` marks `(type (sub resource))`.
    """

    kind: str
    index: int | None = None
    sub_resource: bool = False
    valtype: ValType | None = None


@dataclass(frozen=True)
class ExternName:
    """An import/export name with the options of the extended name encoding (0x02): the
    interface a plain-named item `implements`, a version suffix, and an `external_id`."""

    name: str
    version_suffix: str | None = None
    implements: str | None = None
    external_id: str | None = None

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class ImportDecl:
    name: ExternName
    desc: ExternDesc


@dataclass(frozen=True)
class ExportDecl:
    name: ExternName
    desc: ExternDesc


@dataclass(frozen=True)
class TypeDecl:
    type: DefType


@dataclass(frozen=True)
class CoreTypeDecl:
    type: CoreType


@dataclass(frozen=True)
class AliasDecl:
    alias: Any  # binary.Alias (kept untyped here to avoid an import cycle)


Decl: TypeAlias = ImportDecl | ExportDecl | TypeDecl | CoreTypeDecl | AliasDecl


@dataclass(frozen=True)
class ComponentType:
    decls: tuple[Decl, ...]


@dataclass(frozen=True)
class InstanceType:
    decls: tuple[Decl, ...]


DefType: TypeAlias = ValType | FuncType | ResourceDef | ComponentType | InstanceType


# --- core types ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoreFuncType:
    params: tuple[str, ...]
    results: tuple[str, ...]


@dataclass(frozen=True)
class CoreImport:
    module: str
    name: str
    kind: str  # "func" | "table" | "memory" | "global" | "tag"
    detail: Any  # func: type index; others: a short textual description


@dataclass(frozen=True)
class CoreExportDecl:
    name: str
    kind: str
    detail: Any


@dataclass(frozen=True)
class CoreAliasDecl:
    sort: str
    count: int
    index: int


@dataclass(frozen=True)
class ModuleType:
    decls: tuple[CoreImport | CoreExportDecl | CoreAliasDecl | CoreTypeDecl, ...]


@dataclass(frozen=True)
class CoreGcType:
    """A core struct or array type (WebAssembly 3.0); no component function can use one."""

    kind: str  # "struct" | "array"
    fields: tuple[str, ...]


CoreType: TypeAlias = CoreFuncType | CoreGcType | ModuleType
