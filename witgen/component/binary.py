"""Decoder for the component binary format (Binary.md), keeping definitions in order.

Index spaces are built incrementally by the order of definitions, so the decoder returns one flat
list of definitions per component and stamps each with the sort and index it defines. Core
modules are kept as views of the input (never copied or parsed beyond their imports, which
wasmtime reports itself). Nested components are decoded recursively.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from witgen.component import types as t
from witgen.component.errors import DecodeError
from witgen.component.reader import Reader

COMPONENT_VERSION = 0x0D
CORE_SORTS = {
    0x00: "func",
    0x01: "table",
    0x02: "memory",
    0x03: "global",
    0x04: "tag",
    0x10: "type",
    0x11: "module",
    0x12: "instance",
}
SORTS = {0x01: "func", 0x02: "value", 0x03: "type", 0x04: "component", 0x05: "instance"}
EXTERN_KINDS = {0x01: "func", 0x02: "value", 0x03: "type", 0x04: "component", 0x05: "instance"}
CORE_VALTYPES = {
    0x7F: "i32",
    0x7E: "i64",
    0x7D: "f32",
    0x7C: "f64",
    0x7B: "v128",
    0x70: "funcref",
    0x6F: "externref",
}
_NAME_OPTIONS = {0x00: "implements", 0x01: "version suffix", 0x02: "external-id"}
STRING_ENCODINGS = {0x00: "utf8", 0x01: "utf16", 0x02: "latin1+utf16"}


# --- definitions -----------------------------------------------------------------------------


@dataclass(kw_only=True)
class Definition:
    """One item of a section. `sort`/`index` name the index-space slot it defines, if any."""

    offset: int = 0
    sort: str | None = None
    index: int | None = None


@dataclass
class CustomSection(Definition):
    name: str
    data: memoryview


@dataclass
class CoreModule(Definition):
    data: memoryview  # the module's own bytes, preamble included


@dataclass
class CoreInstantiate(Definition):
    module: int
    args: tuple[tuple[str, int], ...]  # (import module name, core instance index)


@dataclass
class CoreInlineInstance(Definition):
    exports: tuple[tuple[str, str, int], ...]  # (name, core sort e.g. "core func", index)


@dataclass
class CoreTypeDef(Definition):
    type: t.CoreType


@dataclass
class NestedComponent(Definition):
    component: Component


@dataclass
class Instantiate(Definition):
    component: int
    args: tuple[tuple[str, str, int], ...]  # (import name, sort, index)


@dataclass
class InlineInstance(Definition):
    exports: tuple[tuple[t.ExternName, str, int], ...]


@dataclass
class Alias(Definition):
    """`target` is "export" (component instance), "core export" or "outer"."""

    alias_sort: str
    target: str
    instance: int = -1  # export / core export
    name: str = ""
    count: int = -1  # outer
    outer_index: int = -1


@dataclass
class TypeDef(Definition):
    type: t.DefType


@dataclass
class CanonOpts:
    string_encoding: str = "utf8"
    memory: int | None = None
    realloc: int | None = None
    post_return: int | None = None
    is_async: bool = False
    callback: int | None = None
    core_type: int | None = None
    gc: bool = False


@dataclass
class Canon(Definition):
    """A canonical definition. `op` is the spec's name ("lift", "lower", "resource.new", ...).

    `func` is the core func (lift) or component func (lower); `type` the func type (lift), the
    resource type (resource.*) or the stream/future type; `is_async`/`cancellable`/`shared` are
    the builtins' immediates; `extra` holds remaining immediates (memory, table, slot indices).
    """

    op: str
    func: int | None = None
    type: int | None = None
    opts: CanonOpts | None = None
    is_async: bool = False
    cancellable: bool = False
    shared: bool = False
    result: t.ValType | None = None
    extra: tuple[int, ...] = ()


@dataclass
class Start(Definition):
    func: int
    args: tuple[int, ...]
    results: int


@dataclass
class Import(Definition):
    name: t.ExternName
    desc: t.ExternDesc


@dataclass
class Export(Definition):
    name: t.ExternName
    export_sort: str
    target: int
    desc: t.ExternDesc | None


@dataclass
class Value(Definition):
    type: t.ValType
    data: memoryview


D = TypeVar("D", bound=Definition)


@dataclass
class Component:
    """A decoded component: its definitions in binary order and the size of each index space."""

    definitions: list[Definition]
    counts: dict[str, int]
    offset: int = 0
    size: int = 0
    customs: list[CustomSection] = field(default_factory=list)

    def of(self, cls: type[D]) -> list[D]:
        return [d for d in self.definitions if isinstance(d, cls)]

    @property
    def imports(self) -> list[Import]:
        return self.of(Import)

    @property
    def exports(self) -> list[Export]:
        return self.of(Export)


# --- entry points ----------------------------------------------------------------------------


def is_component(data: bytes | memoryview) -> bool:
    return bytes(data[:4]) == b"\0asm" and bytes(data[6:8]) == b"\x01\x00"


MAX_NESTING = 100
"""Nested components, component/instance types and module types deeper than this are refused
(wasmparser's limit too), so decoding never runs out of stack."""


def decode(data: bytes | memoryview) -> Component:
    """Decode a whole component binary; raises `DecodeError` (with offset) on malformed input."""
    r = Reader(data)
    component = _Decoder(r).component()
    r.expect_end("component")
    return component


# --- the decoder -----------------------------------------------------------------------------


class _Decoder:
    def __init__(self, r: Reader) -> None:
        self.r = r
        self.depth = 0

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.r.error(f"components or types are nested more than {MAX_NESTING} levels deep")

    # preamble and sections

    def component(self) -> Component:
        self.enter()
        try:
            return self._component()
        finally:
            self.depth -= 1

    def _component(self) -> Component:
        r = self.r
        start = r.pos
        magic = bytes(r.take(4)) if r.end - r.pos >= 4 else b""
        if magic != b"\0asm":
            raise DecodeError("not a WebAssembly binary (bad magic)", start)
        version = r.u8() | r.u8() << 8
        layer = r.u8() | r.u8() << 8
        if layer != 1:
            raise DecodeError("this is a core wasm module, not a component", start + 6)
        if version != COMPONENT_VERSION:
            raise DecodeError(f"unsupported component binary version {version:#x}", start + 4)
        comp = Component([], {}, offset=start)
        while not r.at_end:
            sec_start = r.pos
            sid = r.u8()
            size = r.u32()
            sub = r.sub(size)
            self._section(comp, sid, sub, sec_start)
        comp.size = r.pos - start
        return comp

    def _add(self, comp: Component, d: Definition, sort: str | None) -> None:
        if sort is not None:
            d.sort = sort
            d.index = comp.counts.get(sort, 0)
            comp.counts[sort] = d.index + 1
        comp.definitions.append(d)

    def _section(self, comp: Component, sid: int, r: Reader, sec_start: int) -> None:
        outer, self.r = self.r, r
        try:
            if sid == 0:
                name = r.name()
                custom = CustomSection(name, r.take(r.end - r.pos), offset=sec_start)
                comp.customs.append(custom)
                comp.definitions.append(custom)
            elif sid == 1:
                self._add(comp, CoreModule(r.take(r.end - r.pos), offset=r.pos), "core module")
            elif sid == 4:
                pos = r.pos
                self._add(comp, NestedComponent(self.component(), offset=pos), "component")
            elif sid == 9:
                pos = r.pos
                func, args, results = r.u32(), tuple(r.vec(r.u32)), r.u32()
                start_def = Start(func, args, results, offset=pos)
                comp.definitions.append(start_def)
                base = comp.counts.get("value", 0)
                start_def.sort, start_def.index = ("value", base) if results else (None, None)
                comp.counts["value"] = base + results
            else:
                item = {
                    2: self._core_instance,
                    3: self._core_type_def,
                    5: self._instance,
                    6: self._alias,
                    7: self._type_def,
                    8: self._canon,
                    10: self._import,
                    11: self._export,
                    12: self._value,
                }.get(sid)
                if item is None:
                    raise DecodeError(f"unknown component section id {sid}", sec_start)
                for _ in range(self._count()):
                    pos = r.pos
                    d, sort = item()
                    d.offset = pos
                    self._add(comp, d, sort)
            r.expect_end(f"section {sid}")
        finally:
            self.r = outer

    def _count(self) -> int:
        start = self.r.pos
        n = self.r.u32()
        if n > self.r.end - self.r.pos:
            raise DecodeError(f"item count {n} is larger than the section", start)
        return n

    # sorts and names

    def _core_sort(self) -> str:
        b = self.r.u8()
        sort = CORE_SORTS.get(b)
        if sort is None:
            raise self.r.error(f"unknown core sort {b:#x}", self.r.pos - 1)
        return "core " + sort

    def _sort(self) -> str:
        b = self.r.u8()
        if b == 0x00:
            return self._core_sort()
        sort = SORTS.get(b)
        if sort is None:
            raise self.r.error(f"unknown sort {b:#x}", self.r.pos - 1)
        return sort

    def _extern_name(self) -> t.ExternName:
        r = self.r
        tag = r.u8()
        if tag in (0x00, 0x01):
            return t.ExternName(r.name())
        if tag == 0x02:
            name = r.name()
            options: dict[int, str] = {}
            for _ in range(r.u32()):
                opt = r.u8()
                if opt not in _NAME_OPTIONS:
                    raise r.error(f"unknown import/export name option {opt:#x}", r.pos - 1)
                options[opt] = r.name()
            return t.ExternName(name, options.get(0x01), options.get(0x00), options.get(0x02))
        raise r.error(f"unknown import/export name encoding {tag:#x}", r.pos - 1)

    # instances

    def _core_instance(self) -> tuple[Definition, str]:
        r = self.r
        kind = r.u8()
        if kind == 0x00:
            module = r.u32()

            def arg() -> tuple[str, int]:
                name = r.name()
                if r.u8() != 0x12:
                    raise r.error("core instantiate argument must be an instance", r.pos - 1)
                return name, r.u32()

            return CoreInstantiate(module, tuple(r.vec(arg))), "core instance"
        if kind == 0x01:
            return (
                CoreInlineInstance(tuple(r.vec(lambda: (r.name(), self._core_sort(), r.u32())))),
                "core instance",
            )
        raise r.error(f"unknown core instance kind {kind:#x}", r.pos - 1)

    def _instance(self) -> tuple[Definition, str]:
        r = self.r
        kind = r.u8()
        if kind == 0x00:
            comp = r.u32()
            return Instantiate(comp, tuple(r.vec(lambda: (r.name(), self._sort(), r.u32())))), "instance"
        if kind == 0x01:
            return (
                InlineInstance(tuple(r.vec(lambda: (self._extern_name(), self._sort(), r.u32())))),
                "instance",
            )
        raise r.error(f"unknown instance kind {kind:#x}", r.pos - 1)

    # aliases

    def _alias(self) -> tuple[Definition, str]:
        r = self.r
        sort = self._sort()
        target = r.u8()
        if target == 0x00:
            return Alias(sort, "export", instance=r.u32(), name=r.name()), sort
        if target == 0x01:
            return Alias(sort, "core export", instance=r.u32(), name=r.name()), sort
        if target == 0x02:
            return Alias(sort, "outer", count=r.u32(), outer_index=r.u32()), sort
        raise r.error(f"unknown alias target {target:#x}", r.pos - 1)

    # core types

    def _core_valtype(self) -> str:
        r = self.r
        b = r.u8()
        if b in CORE_VALTYPES:
            return CORE_VALTYPES[b]
        if b in (0x63, 0x64):
            heap = r.s33()
            return f"(ref {'null ' if b == 0x63 else ''}{heap})"
        if 0x69 <= b <= 0x74:
            return f"ref-abstract-{b:#x}"
        raise r.error(f"unknown core value type {b:#x}", r.pos - 1)

    def _limits(self) -> str:
        r = self.r
        flags = r.u8()
        if flags & ~0x0F:
            raise r.error(f"unknown limits flags {flags:#x}", r.pos - 1)
        read = r.u64 if flags & 0x04 else r.u32
        low = read()
        high = read() if flags & 0x01 else None
        page = r.u32() if flags & 0x08 else None
        text = f"{low}" + (f" {high}" if high is not None else "")
        return (
            text + (" shared" if flags & 0x02 else "") + (f" pagesize 2^{page}" if page is not None else "")
        )

    def _core_importdesc(self) -> tuple[str, object]:
        r = self.r
        kind = r.u8()
        if kind == 0x00:
            return "func", r.u32()
        if kind == 0x01:
            ref = self._core_valtype()
            return "table", f"{self._limits()} {ref}"
        if kind == 0x02:
            return "memory", self._limits()
        if kind == 0x03:
            vt = self._core_valtype()
            mut = r.boolean()
            return "global", f"{'mut ' if mut else ''}{vt}"
        if kind == 0x04:
            if r.u8() != 0x00:
                raise r.error("unknown tag attribute", r.pos - 1)
            return "tag", r.u32()
        raise r.error(f"unknown core import kind {kind:#x}", r.pos - 1)

    def _core_type(self) -> t.CoreType:
        """A component-level core type: a module type (0x50), or a core `rectype`, whose
        non-final `sub` form takes a 0x00 prefix here (Binary.md's 0x50 ambiguity). Subtyping
        is not kept: no component-level check needs more than a function type's signature."""
        r = self.r
        b = r.u8()
        if b == 0x50:
            self.enter()
            try:
                return t.ModuleType(tuple(r.vec(self._module_decl)))
            finally:
                self.depth -= 1
        if b == 0x00:
            if r.u8() != 0x50:
                raise r.error("expected a non-final subtype (0x50) after 0x00", r.pos - 1)
            r.vec(r.u32)
            return self._comptype(r.u8())
        if b == 0x4E:
            start = r.pos
            if r.u32() != 1:
                raise r.error("recursive groups of more than one core type are not supported", start)
            return self._subtype_of(r.u8())
        return self._subtype_of(b)

    def _subtype_of(self, b: int) -> t.CoreFuncType | t.CoreGcType:
        if b in (0x4F, 0x50):  # sub final / sub, with supertypes
            self.r.vec(self.r.u32)
            return self._comptype(self.r.u8())
        return self._comptype(b)

    def _comptype(self, b: int) -> t.CoreFuncType | t.CoreGcType:
        r = self.r
        if b == 0x60:
            return t.CoreFuncType(tuple(r.vec(self._core_valtype)), tuple(r.vec(self._core_valtype)))
        if b == 0x5F:
            return t.CoreGcType("struct", tuple(r.vec(self._fieldtype)))
        if b == 0x5E:
            return t.CoreGcType("array", (self._fieldtype(),))
        raise r.error(f"unknown core type form {b:#x}", r.pos - 1)

    def _fieldtype(self) -> str:
        r = self.r
        packed = {0x78: "i8", 0x77: "i16"}.get(r.peek())
        if packed is not None:
            r.u8()
        storage = packed or self._core_valtype()
        return f"mut {storage}" if r.boolean() else storage

    def _module_decl(self) -> t.CoreImport | t.CoreExportDecl | t.CoreAliasDecl | t.CoreTypeDecl:
        r = self.r
        tag = r.u8()
        if tag == 0x00:
            module, name = r.name(), r.name()
            kind, detail = self._core_importdesc()
            return t.CoreImport(module, name, kind, detail)
        if tag == 0x01:
            return t.CoreTypeDecl(self._core_type())
        if tag == 0x02:
            sort = self._core_sort()
            if r.u8() != 0x01:
                raise r.error("module type aliases must be outer aliases", r.pos - 1)
            return t.CoreAliasDecl(sort, r.u32(), r.u32())
        if tag == 0x03:
            name = r.name()
            kind, detail = self._core_importdesc()
            return t.CoreExportDecl(name, kind, detail)
        raise r.error(f"unknown module type declaration {tag:#x}", r.pos - 1)

    def _core_type_def(self) -> tuple[Definition, str]:
        return CoreTypeDef(self._core_type()), "core type"

    # component types

    def _valtype(self) -> t.ValType:
        r = self.r
        b = r.peek()
        if b in t.PRIMITIVES:
            r.pos += 1
            return t.Prim(t.PRIMITIVES[b])
        start = r.pos
        idx = r.s33()
        if idx < 0:
            raise r.error(f"unknown value type {b:#x}", start)
        return t.TypeRef(idx)

    def _label(self) -> str:
        return self.r.name()

    def _defvaltype(self) -> t.ValType:
        r = self.r
        start = r.pos
        b = r.u8()
        if b in t.PRIMITIVES:
            return t.Prim(t.PRIMITIVES[b])
        if b == 0x72:
            return t.Record(tuple(r.vec(lambda: (self._label(), self._valtype()))))
        if b == 0x71:

            def case() -> tuple[str, t.ValType | None]:
                label, ty = self._label(), r.optional(self._valtype)
                tail = r.u8()
                if tail == 0x01:  # legacy `refines` clause
                    r.u32()
                elif tail != 0x00:
                    raise r.error(f"invalid variant case terminator {tail:#x}", r.pos - 1)
                return label, ty

            return t.Variant(tuple(r.vec(case)))
        if b == 0x70:
            return t.ListType(self._valtype())
        if b == 0x67:
            elem = self._valtype()
            return t.ListType(elem, r.u32())
        if b == 0x6F:
            return t.Tuple(tuple(r.vec(self._valtype)))
        if b == 0x6E:
            return t.Flags(tuple(r.vec(self._label)))
        if b == 0x6D:
            return t.Enum(tuple(r.vec(self._label)))
        if b == 0x6B:
            return t.Option(self._valtype())
        if b == 0x6A:
            ok = r.optional(self._valtype)
            return t.Result(ok, r.optional(self._valtype))
        if b == 0x69:
            return t.Own(r.u32())
        if b == 0x68:
            return t.Borrow(r.u32())
        if b == 0x66:
            return t.Stream(r.optional(self._valtype))
        if b == 0x65:
            return t.Future(r.optional(self._valtype))
        if b == 0x63:
            key = self._valtype()
            return t.Map(key, self._valtype())
        raise r.error(f"unknown type form {b:#x}", start)

    def _result_list(self) -> t.ValType | None:
        r = self.r
        tag = r.u8()
        if tag == 0x00:
            return self._valtype()
        if tag == 0x01 and r.u8() == 0x00:
            return None
        raise r.error("invalid function result list (named results are not supported)", r.pos - 1)

    def _deftype(self) -> t.DefType:
        r = self.r
        b = r.peek()
        if b in (0x40, 0x43):
            r.pos += 1
            params = tuple(r.vec(lambda: (self._label(), self._valtype())))
            return t.FuncType(params, self._result_list(), is_async=b == 0x43)
        if b in (0x41, 0x42):
            r.pos += 1
            self.enter()
            try:
                if b == 0x41:
                    return t.ComponentType(tuple(r.vec(self._component_decl)))
                return t.InstanceType(tuple(r.vec(self._instance_decl)))
            finally:
                self.depth -= 1
        if b in (0x3F, 0x3E):
            r.pos += 1
            if r.u8() != 0x7F:
                raise r.error("resource representation must be i32", r.pos - 1)
            if b == 0x3F:
                return t.ResourceDef("i32", r.optional(r.u32))
            dtor = r.u32()
            return t.ResourceDef("i32", dtor, is_async=True, callback=r.optional(r.u32))
        return self._defvaltype()

    def _externdesc(self) -> t.ExternDesc:
        r = self.r
        kind = r.u8()
        if kind == 0x00:
            if r.u8() != 0x11:
                raise r.error("core extern descriptions must be modules", r.pos - 1)
            return t.ExternDesc("core module", r.u32())
        name = EXTERN_KINDS.get(kind)
        if name is None:
            raise r.error(f"unknown extern kind {kind:#x}", r.pos - 1)
        if name == "type":
            bound = r.u8()
            if bound == 0x00:
                return t.ExternDesc("type", r.u32())
            if bound == 0x01:
                return t.ExternDesc("type", sub_resource=True)
            raise r.error(f"unknown type bound {bound:#x}", r.pos - 1)
        if name == "value":
            bound = r.u8()
            if bound == 0x00:
                return t.ExternDesc("value", r.u32())
            if bound == 0x01:
                return t.ExternDesc("value", valtype=self._valtype())
            raise r.error(f"unknown value bound {bound:#x}", r.pos - 1)
        return t.ExternDesc(name, r.u32())

    def _instance_decl(self) -> t.Decl:
        r = self.r
        tag = r.u8()
        if tag == 0x00:
            return t.CoreTypeDecl(self._core_type())
        if tag == 0x01:
            return t.TypeDecl(self._deftype())
        if tag == 0x02:
            alias, _ = self._alias()
            return t.AliasDecl(alias)
        if tag == 0x04:
            return t.ExportDecl(self._extern_name(), self._externdesc())
        raise r.error(f"unknown instance type declaration {tag:#x}", r.pos - 1)

    def _component_decl(self) -> t.Decl:
        r = self.r
        if r.peek() == 0x03:
            r.pos += 1
            return t.ImportDecl(self._extern_name(), self._externdesc())
        return self._instance_decl()

    def _type_def(self) -> tuple[Definition, str]:
        return TypeDef(self._deftype()), "type"

    # canonical definitions

    def _opts(self) -> CanonOpts:
        r = self.r
        opts = CanonOpts()
        for _ in range(self._count()):
            b = r.u8()
            if b in STRING_ENCODINGS:
                opts.string_encoding = STRING_ENCODINGS[b]
            elif b == 0x03:
                opts.memory = r.u32()
            elif b == 0x04:
                opts.realloc = r.u32()
            elif b == 0x05:
                opts.post_return = r.u32()
            elif b == 0x06:
                opts.is_async = True
            elif b == 0x07:
                opts.callback = r.u32()
            elif b == 0x08:
                opts.core_type = r.u32()
            elif b == 0x09:
                opts.gc = True
            else:
                raise r.error(f"unknown canonical option {b:#x}", r.pos - 1)
        return opts

    def _canon(self) -> tuple[Definition, str]:
        r = self.r
        op = r.u8()
        if op == 0x00:
            if r.u8() != 0x00:
                raise r.error("canon lift must lift a core function", r.pos - 1)
            func, opts = r.u32(), self._opts()
            return Canon("lift", func=func, opts=opts, type=r.u32()), "func"
        if op == 0x01:
            if r.u8() != 0x00:
                raise r.error("canon lower must lower a function", r.pos - 1)
            return Canon("lower", func=r.u32(), opts=self._opts()), "core func"
        spec = _BUILTINS.get(op)
        if spec is None:
            raise r.error(f"unknown canonical definition {op:#x}", r.pos - 1)
        name, immediates = spec
        canon = Canon(name)
        extra: list[int] = []
        for imm in immediates:
            if imm == "type":
                canon.type = r.u32()
            elif imm == "opts":
                canon.opts = self._opts()
            elif imm == "async":
                canon.is_async = r.boolean()
            elif imm == "cancel":
                canon.cancellable = r.boolean()
            elif imm == "shared":
                canon.shared = r.boolean()
            elif imm == "results":
                canon.result = self._result_list()
            elif imm == "i32":
                if r.u8() != 0x7F:
                    raise r.error(f"{name} only supports i32", r.pos - 1)
            else:  # an index immediate (memory, table, core type, slot)
                extra.append(r.u32())
        canon.extra = tuple(extra)
        if name == "resource.drop async":
            canon.op, canon.is_async = "resource.drop", True
        return canon, "core func"

    # imports, exports, values

    def _import(self) -> tuple[Definition, str]:
        name = self._extern_name()
        desc = self._externdesc()
        return Import(name, desc), desc.kind

    def _export(self) -> tuple[Definition, str]:
        name = self._extern_name()
        sort = self._sort()
        index = self.r.u32()
        return Export(name, sort, index, self.r.optional(self._externdesc)), sort

    def _value(self) -> tuple[Definition, str]:
        ty = self._valtype()
        return Value(ty, self.r.take(self.r.u32())), "value"


_BUILTINS: dict[int, tuple[str, tuple[str, ...]]] = {
    0x02: ("resource.new", ("type",)),
    0x03: ("resource.drop", ("type",)),
    0x07: ("resource.drop async", ("type",)),
    0x04: ("resource.rep", ("type",)),
    0x05: ("task.cancel", ()),
    0x06: ("subtask.cancel", ("async",)),
    0x08: ("backpressure.set", ()),
    0x09: ("task.return", ("results", "opts")),
    0x0A: ("context.get", ("i32", "slot")),
    0x0B: ("context.set", ("i32", "slot")),
    0x0C: ("thread.yield", ("cancel",)),
    0x0D: ("subtask.drop", ()),
    0x0E: ("stream.new", ("type",)),
    0x0F: ("stream.read", ("type", "opts")),
    0x10: ("stream.write", ("type", "opts")),
    0x11: ("stream.cancel-read", ("type", "async")),
    0x12: ("stream.cancel-write", ("type", "async")),
    0x13: ("stream.drop-readable", ("type",)),
    0x14: ("stream.drop-writable", ("type",)),
    0x15: ("future.new", ("type",)),
    0x16: ("future.read", ("type", "opts")),
    0x17: ("future.write", ("type", "opts")),
    0x18: ("future.cancel-read", ("type", "async")),
    0x19: ("future.cancel-write", ("type", "async")),
    0x1A: ("future.drop-readable", ("type",)),
    0x1B: ("future.drop-writable", ("type",)),
    0x1C: ("error-context.new", ("opts",)),
    0x1D: ("error-context.debug-message", ("opts",)),
    0x1E: ("error-context.drop", ()),
    0x1F: ("waitable-set.new", ()),
    0x20: ("waitable-set.wait", ("cancel", "memory")),
    0x21: ("waitable-set.poll", ("cancel", "memory")),
    0x22: ("waitable-set.drop", ()),
    0x23: ("waitable.join", ()),
    0x24: ("backpressure.inc", ()),
    0x25: ("backpressure.dec", ()),
    0x26: ("thread.index", ()),
    0x27: ("thread.new-indirect", ("core type", "table")),
    0x28: ("thread.resume-later", ()),
    0x29: ("thread.suspend", ("cancel",)),
    0x2A: ("thread.suspend-then-resume", ("cancel",)),
    0x2B: ("thread.yield-then-resume", ("cancel",)),
    0x2C: ("thread.suspend-then-promote", ("cancel",)),
    0x2D: ("thread.yield-then-promote", ("cancel",)),
    0x40: ("thread.spawn-ref", ("shared", "core type")),
    0x41: ("thread.spawn-indirect", ("shared", "core type", "table")),
    0x42: ("thread.available-parallelism", ("shared",)),
}
"""Builtins after the resource ones: decoded so errors can name them; the engine runs none."""
