"""Lifting and lowering driven by runtime types (CanonicalABI.md), for calls between components.

Generated bindings specialise lift/lower per function when they are written. A fused adapter
between two composed components learns its types only when the component is instantiated, so
it builds one `Codec` per type at link time: objects holding sizes, offsets and flat layouts
(taken from `witgen.abi`, the one layout model), with no type inspection left for the call. Between the two sides values are plain Python:
ints (integers, chars as code points, flags as bit masks, handles as reps), bool, float, str,
tuples (records, tuples), `(case, payload)` pairs (variant, enum, option, result), `bytes`
(lists of numbers, copied as they are) and lists.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from typing import Any

import wasmtime

from witgen.abi import MAX_FLAT_PARAMS, Flattener, FlatVariant, VariantLayout, flag_words
from witgen.abi.definitions import MAX_LIST_BYTE_LENGTH, MAX_STRING_BYTE_LENGTH
from witgen.component import types as t
from witgen.runtime.cabi import fastcall
from witgen.runtime.cabi.fastcall import caller
from witgen.runtime.cabi.state import (
    CallScope,
    CanonOptions,
    ComponentInstance,
    ResourceType,
    lift_borrow,
    lift_own,
    lower_borrow,
    lower_own,
)
from witgen.runtime.cabi.support import STRING_CODECS, StringLoader
from witgen.runtime.cabi.transcode import store_string
from witgen.runtime.errors import Trap

U32 = 0xFFFFFFFF
U64 = 0xFFFFFFFFFFFFFFFF


class Unsupported(Exception):
    """A type the adapters cannot carry (streams, futures, error contexts)."""


class Side:
    """One end of a fused call: its instance, memory, `realloc` and string encoding.

    `scope` is the call's borrow scope, set for the duration of each call. The memory view is
    cached until wasm may have run (`realloc` here, or `stale()` after a call).
    """

    __slots__ = (
        "inst",
        "memory",
        "mv",
        "core_realloc",
        "compiled",
        "c_realloc",
        "fresh",
        "encoding",
        "decode",
        "scope",
    )

    def __init__(self, store: wasmtime.Store, inst: ComponentInstance, options: CanonOptions) -> None:
        self.inst = inst
        self.memory = None if options.memory is None else fastcall.memory(store, options.memory)
        self.core_realloc = None if options.realloc is None else caller(store, options.realloc, "IIII", "I")
        self.compiled = fastcall.COMPILED
        """Whether this side uses the compiled helper (decided once, when the adapter is made)."""
        self.c_realloc = (
            None
            if self.memory is None or options.realloc is None
            else fastcall.compiled_realloc(store, options.realloc, self.memory, inst, self._bad_pointer)
        )
        """The compiled helper's `Realloc` for this side (None: `_wire` is not built)."""
        self.fresh = None if self.c_realloc is None else self.c_realloc.alloc
        """`realloc(0, 0, align, size)` with its checks, in C."""
        self.encoding = options.string_encoding
        self.decode: StringLoader = STRING_CODECS[options.string_encoding][1]
        self.scope = CallScope()
        self.mv: memoryview | None = None

    def stale(self) -> None:
        """Wasm ran: the memory may have grown, so fetch the view again next time."""
        self.mv = None

    def view(self) -> memoryview:
        mv = self.mv
        if mv is None:
            if self.memory is None:
                raise Trap(f"{self.inst.name} passes values in linear memory but gave no memory option")
            mv = self.mv = self.memory.view()
        return mv

    def alloc(self, align: int, size: int) -> int:
        """`realloc(0, 0, align, size)` in this side's instance: called for every value stored,
        zero bytes included, and its pointer checked as the spec demands."""
        return self.realloc(0, 0, align, size)

    def realloc(self, old: int, old_size: int, align: int, size: int) -> int:
        if self.core_realloc is None:
            raise Trap(f"{self.inst.name} receives values in linear memory but gave no realloc option")
        self.mv = None
        fresh = self.fresh
        if fresh is not None and old == 0 and old_size == 0:
            fresh_ptr: int = fresh(align, size)
            return fresh_ptr
        inst = self.inst
        inst.may_leave = False
        try:
            ptr: int = self.core_realloc(old, old_size, align, size)
        finally:
            inst.may_leave = True
        if ptr % align or ptr + size > len(self.view()):
            self._bad_pointer(ptr, align, size)
        return ptr

    def _bad_pointer(self, ptr: int, align: int, size: int) -> int:
        what = "unaligned pointer" if ptr % align else "list content out-of-bounds"
        raise Trap(f"{what}: realloc of {self.inst.name} returned {ptr} for {size} bytes (alignment {align})")

    def check_span(self, ptr: int, size: int, align: int, what: str) -> memoryview:
        view = self.view()
        if ptr % align or ptr + size > len(view):
            problem = "unaligned pointer" if ptr % align else "pointer out of bounds"
            raise Trap(f"{problem}: {what} of {size} bytes at {ptr} (alignment {align})")
        return view

    def check_list(self, ptr: int, n: int, elem_size: int, align: int) -> memoryview:
        """The view holding a lifted list's `n` elements, checked (length limit included)."""
        size = n * elem_size
        view = self.view()
        if ptr % align or ptr + size > len(view) or size > MAX_LIST_BYTE_LENGTH:
            problem = (
                "unaligned pointer"
                if ptr % align
                else (
                    "list content out-of-bounds"
                    if size <= MAX_LIST_BYTE_LENGTH
                    else "list longer than 2^28 - 1 bytes"
                )
            )
            raise Trap(f"{problem}: list of {n} x {elem_size} bytes at {ptr}")
        return view


Flat = list[Any]


class Codec:
    """Lift/lower one type: `lift`/`lower` over flat core values, `load`/`store` in memory.

    `size`, `align` and `flat` are set by `codec` from `witgen.abi`. `flat` is the type's
    flattening, or None past MAX_FLAT_PARAMS values (then only "it spills" matters, and a
    `list<u8, 268435455>` must not become a quarter-billion strings)."""

    size: int = 4
    align: int = 4
    flat: tuple[str, ...] | None = ("i32",)

    def lift(self, side: Side, it: Iterator[Any]) -> Any:
        raise NotImplementedError

    def lower(self, side: Side, v: Any, out: Flat) -> None:
        raise NotImplementedError

    def load(self, side: Side, ptr: int) -> Any:
        raise NotImplementedError

    def store(self, side: Side, v: Any, ptr: int) -> None:
        raise NotImplementedError


class Int(Codec):
    def __init__(self, bits: int, signed: bool) -> None:
        self.size = bits // 8
        self.mask = (1 << bits) - 1
        self.sign = 1 << (bits - 1) if signed else 0
        self.struct = struct.Struct("<" + {1: "B", 2: "H", 4: "I", 8: "Q"}[self.size])

    def lift(self, side: Side, it: Iterator[Any]) -> Any:
        v = next(it) & self.mask
        return v - (self.sign << 1) if v & self.sign else v

    def lower(self, side: Side, v: Any, out: Flat) -> None:
        out.append(v & (U64 if self.size == 8 else U32))

    def load(self, side: Side, ptr: int) -> Any:
        v = self.struct.unpack_from(side.view(), ptr)[0]
        return v - (self.sign << 1) if v & self.sign else v

    def store(self, side: Side, v: Any, ptr: int) -> None:
        self.struct.pack_into(side.view(), ptr, v & self.mask)


class Bool(Codec):
    def lift(self, side: Side, it: Iterator[Any]) -> Any:
        return (next(it) & U32) != 0

    def lower(self, side: Side, v: Any, out: Flat) -> None:
        out.append(1 if v else 0)

    def load(self, side: Side, ptr: int) -> Any:
        return side.view()[ptr] != 0

    def store(self, side: Side, v: Any, ptr: int) -> None:
        side.view()[ptr] = 1 if v else 0


def _char(code: int) -> int:
    if code >= 0x110000 or 0xD800 <= code <= 0xDFFF:
        raise Trap(f"invalid `char` bit pattern: code point {code:#x}")
    return code


class Char(Int):
    def __init__(self) -> None:
        super().__init__(32, False)

    def lift(self, side: Side, it: Iterator[Any]) -> Any:
        return _char(next(it) & U32)

    def load(self, side: Side, ptr: int) -> Any:
        return _char(super().load(side, ptr))


class Float(Codec):
    def __init__(self, bits: int) -> None:
        self.struct = struct.Struct("<f" if bits == 32 else "<d")

    def lift(self, side: Side, it: Iterator[Any]) -> Any:
        return next(it)

    def lower(self, side: Side, v: Any, out: Flat) -> None:
        out.append(v)

    def load(self, side: Side, ptr: int) -> Any:
        return self.struct.unpack_from(side.view(), ptr)[0]

    def store(self, side: Side, v: Any, ptr: int) -> None:
        self.struct.pack_into(side.view(), ptr, v)


_PTR_LEN = struct.Struct("<II")


class _PtrLen(Codec):
    """A (pointer, length) pair: strings and lists."""

    def lift(self, side: Side, it: Iterator[Any]) -> Any:
        return self.read(side, next(it) & U32, next(it) & U32)

    def load(self, side: Side, ptr: int) -> Any:
        return self.read(side, *_PTR_LEN.unpack_from(side.view(), ptr))

    def lower(self, side: Side, v: Any, out: Flat) -> None:
        out += self.write(side, v)

    def store(self, side: Side, v: Any, ptr: int) -> None:
        pair = self.write(side, v)  # first: its `realloc` calls may move the memory
        _PTR_LEN.pack_into(side.view(), ptr, *pair)

    def read(self, side: Side, ptr: int, n: int) -> Any:
        raise NotImplementedError

    def write(self, side: Side, v: Any) -> tuple[int, int]:
        raise NotImplementedError


class String(_PtrLen):
    """Between the sides a string is (text, source encoding, source length field): storing it
    makes the `realloc` calls of the spec's transcoding from that encoding."""

    def read(self, side: Side, ptr: int, n: int) -> Any:
        return side.decode(side.view(), ptr, n), side.encoding, n

    def write(self, side: Side, v: Any) -> tuple[int, int]:
        return store_string(side, *v)


class Utf8Strings:
    """A `list<string>` lifted from a UTF-8 memory by the compiled helper: the strings' bytes,
    checked, joined, and their lengths (no Python strings made when they go to UTF-8 again)."""

    __slots__ = ("blob", "lengths")

    def __init__(self, blob: bytes, lengths: tuple[int, ...]) -> None:
        self.blob, self.lengths = blob, lengths

    def items(self) -> list[tuple[str, str, int]]:
        """The strings as `Strings.read` gives them otherwise: (text, "utf8", length)."""
        out, at = [], 0
        for k in self.lengths:
            out.append((self.blob[at : at + k].decode(), "utf8", k))
            at += k
        return out


class Strings(_PtrLen):
    """`list<string>`: the (pointer, length) pairs read and written with one `struct` call;
    UTF-8 to UTF-8 in the compiled helper when there is one."""

    def read(self, side: Side, ptr: int, n: int) -> Any:
        view = side.check_list(ptr, n, 8, 4)
        decode, encoding = side.decode, side.encoding
        if encoding == "utf8" and side.compiled:
            found = fastcall.load_utf8_strings(view, ptr, n)
            if found is not None:
                return Utf8Strings(*found)
        pairs = _PTR_LEN.iter_unpack(view[ptr : ptr + n * 8])
        if encoding == "utf8":  # `decode` inlined while every string is in bounds and valid
            out: list[tuple[str, str, int]] = []
            size = len(view)
            try:
                for p, k in pairs:
                    if p + k > size or k > MAX_STRING_BYTE_LENGTH:
                        break
                    out.append((str(view[p : p + k], "utf-8"), "utf8", k))
                else:
                    return out
            except UnicodeDecodeError:
                pass
            pairs = _PTR_LEN.iter_unpack(view[ptr : ptr + n * 8])  # again, for `decode`'s trap
        return [(decode(view, p, k), encoding, k) for p, k in pairs]

    def write(self, side: Side, v: Any) -> tuple[int, int]:
        if type(v) is Utf8Strings:
            if side.encoding == "utf8" and side.c_realloc is not None:
                base = side.alloc(4, 8 * len(v.lengths))
                side.c_realloc.store_utf8_strings(v.blob, v.lengths, base)
                side.mv = None
                return base, len(v.lengths)
            v = v.items()
        base = side.alloc(4, 8 * len(v))
        pairs: list[int] = []
        for s in v:
            pairs += store_string(side, *s)
        struct.pack_into(f"<{len(pairs)}I", side.view(), base, *pairs)
        return base, len(v)


class NumberList(_PtrLen):
    """A list of integers or floats, moved as its bytes (every bit pattern is a valid value)."""

    def __init__(self, elem_size: int) -> None:
        self.elem = elem_size

    def read(self, side: Side, ptr: int, n: int) -> Any:
        view = side.check_list(ptr, n, self.elem, self.elem)
        return view[ptr : ptr + n * self.elem].tobytes()

    def write(self, side: Side, v: Any) -> tuple[int, int]:
        ptr = side.alloc(self.elem, len(v))
        side.view()[ptr : ptr + len(v)] = v
        return ptr, len(v) // self.elem


class List(_PtrLen):
    def __init__(self, elem: Codec) -> None:
        self.elem = elem

    def read(self, side: Side, ptr: int, n: int) -> Any:
        e = self.elem
        side.check_list(ptr, n, e.size, e.align)
        return [e.load(side, ptr + i * e.size) for i in range(n)]

    def write(self, side: Side, v: Any) -> tuple[int, int]:
        e = self.elem
        ptr = side.alloc(e.align, len(v) * e.size)
        for i, x in enumerate(v):
            e.store(side, x, ptr + i * e.size)
        return ptr, len(v)


class FixedList(Codec):
    """`list<T, N>`: N values in a row, never expanded into N codecs (N may be 2^28 - 1).
    Numbers move in memory as their bytes, in one copy."""

    def __init__(self, elem: Codec, n: int) -> None:
        self.elem, self.n = elem, n
        self.raw = type(elem) in (Int, Float)

    def lift(self, side: Side, it: Iterator[Any]) -> Any:
        return [self.elem.lift(side, it) for _ in range(self.n)]

    def lower(self, side: Side, v: Any, out: Flat) -> None:
        for x in v:
            self.elem.lower(side, x, out)

    def load(self, side: Side, ptr: int) -> Any:
        if self.raw:
            return side.view()[ptr : ptr + self.size].tobytes()
        e = self.elem
        return [e.load(side, ptr + i * e.size) for i in range(self.n)]

    def store(self, side: Side, v: Any, ptr: int) -> None:
        if type(v) is bytes:
            side.view()[ptr : ptr + self.size] = v
            return
        e = self.elem
        for i, x in enumerate(v):
            e.store(side, x, ptr + i * e.size)


class Fields(Codec):
    """Records, tuples, fixed-length lists and spilled parameter lists: values in a row."""

    def __init__(self, fields: list[Codec], offsets: tuple[int, ...]) -> None:
        self.fields = fields
        self.offsets = offsets
        self.rows = list(zip(fields, offsets, strict=True))

    def lift(self, side: Side, it: Iterator[Any]) -> Any:
        return tuple([f.lift(side, it) for f in self.fields])

    def lower(self, side: Side, v: Any, out: Flat) -> None:
        for f, x in zip(self.fields, v, strict=True):
            f.lower(side, x, out)

    def load(self, side: Side, ptr: int) -> Any:
        return tuple([f.load(side, ptr + off) for f, off in self.rows])

    def store(self, side: Side, v: Any, ptr: int) -> None:
        for (f, off), x in zip(self.rows, v, strict=True):
            f.store(side, x, ptr + off)


class Flags(Codec):
    def __init__(self, count: int, size: int) -> None:
        self.mask = (1 << count) - 1
        self.words = flag_words(count)
        self.size = size

    def lift(self, side: Side, it: Iterator[Any]) -> Any:
        v = 0
        for i in range(self.words):
            v |= (next(it) & U32) << (32 * i)
        return v & self.mask

    def lower(self, side: Side, v: Any, out: Flat) -> None:
        out += [(v >> (32 * i)) & U32 for i in range(self.words)]

    def load(self, side: Side, ptr: int) -> Any:
        return int.from_bytes(side.view()[ptr : ptr + self.size], "little") & self.mask

    def store(self, side: Side, v: Any, ptr: int) -> None:
        side.view()[ptr : ptr + self.size] = v.to_bytes(self.size, "little")


_F32 = struct.Struct("<f")
_F64 = struct.Struct("<d")
_I32 = struct.Struct("<I")
_I64 = struct.Struct("<Q")


def _from_slot(have: str, want: str) -> Callable[[Any], Any] | None:
    """Read a value of core type `want` out of a joined variant slot of type `have`."""
    if have == want:
        return None
    if want == "f32":
        return lambda x: _F32.unpack(_I32.pack(x & U32))[0]
    if want == "f64":
        return lambda x: _F64.unpack(_I64.pack(x & U64))[0]
    return lambda x: x & U32  # i32 out of i64


def _to_slot(have: str, want: str) -> Callable[[Any], Any] | None:
    """Put a value of core type `have` into a joined variant slot of type `want`."""
    if have == want:
        return None
    if have == "f32":
        return lambda x: _I32.unpack(_F32.pack(x))[0]
    if have == "f64":
        return lambda x: _I64.unpack(_F64.pack(x))[0]
    return lambda x: x & U32  # i32 into i64


class Variant(Codec):
    """Variants, enums, options and results: a discriminant, then the case's payload."""

    def __init__(self, cases: list[Codec | None], layout: VariantLayout, flat: FlatVariant | None) -> None:
        """`flat` is None when the variant spills (it then never travels as flat values)."""
        self.cases = cases
        self.disc = Int(8 * layout.discriminant_size, False)
        self.payload = layout.payload_offset
        joined = () if flat is None else flat.payload
        per_case = [()] * len(cases) if flat is None else list(flat.cases)
        self.pad = [0.0 if j in ("f32", "f64") else 0 for j in joined]
        self.reads = [
            None if c is None else [_from_slot(h, w) for h, w in zip(joined, mine, strict=False)]
            for c, mine in zip(cases, per_case, strict=True)
        ]
        self.writes = [
            None if c is None else [_to_slot(h, w) for h, w in zip(mine, joined, strict=False)]
            for c, mine in zip(cases, per_case, strict=True)
        ]

    def _case(self, i: int) -> int:
        if i >= len(self.cases):
            raise Trap(f"invalid variant discriminant {i} (the type has {len(self.cases)} cases)")
        return i

    def lift(self, side: Side, it: Iterator[Any]) -> Any:
        i = self._case(next(it) & U32)
        slots = [next(it) for _ in self.pad]
        c, reads = self.cases[i], self.reads[i]
        if c is None or reads is None:
            return i, None
        values = [x if r is None else r(x) for r, x in zip(reads, slots, strict=False)]
        return i, c.lift(side, iter(values))

    def lower(self, side: Side, v: Any, out: Flat) -> None:
        i, payload = v
        out.append(i)
        c, writes = self.cases[i], self.writes[i]
        flat: Flat = []
        if c is not None and writes is not None:
            c.lower(side, payload, flat)
            flat = [x if w is None else w(x) for w, x in zip(writes, flat, strict=True)]
        out += flat
        out += self.pad[len(flat) :]

    def load(self, side: Side, ptr: int) -> Any:
        i = self._case(self.disc.load(side, ptr))
        c = self.cases[i]
        return i, None if c is None else c.load(side, ptr + self.payload)

    def store(self, side: Side, v: Any, ptr: int) -> None:
        i, payload = v
        self.disc.store(side, i, ptr)
        c = self.cases[i]
        if c is not None:
            c.store(side, payload, ptr + self.payload)


class Handle(Int):
    """`own`/`borrow`: a handle index in one instance's table, a rep in between."""

    def __init__(self, rt: ResourceType, own: bool) -> None:
        super().__init__(32, False)
        self.rt = rt
        self.own = own

    def lift(self, side: Side, it: Iterator[Any]) -> Any:
        return self._lift(side, next(it) & U32)

    def load(self, side: Side, ptr: int) -> Any:
        return self._lift(side, super().load(side, ptr))

    def lower(self, side: Side, v: Any, out: Flat) -> None:
        out.append(self._lower(side, v))

    def store(self, side: Side, v: Any, ptr: int) -> None:
        super().store(side, self._lower(side, v), ptr)

    def _lift(self, side: Side, i: int) -> int:
        if self.own:
            return lift_own(side.inst, i, self.rt)
        return lift_borrow(side.inst, i, self.rt, side.scope)

    def _lower(self, side: Side, rep: int) -> int:
        if self.own:
            return lower_own(side.inst, rep, self.rt)
        return lower_borrow(side.inst, rep, self.rt, side.scope)


_NUMBER_SIZES = {
    "u8": 1,
    "s8": 1,
    "u16": 2,
    "s16": 2,
    "u32": 4,
    "s32": 4,
    "u64": 8,
    "s64": 8,
    "f32": 4,
    "f64": 8,
}


def codec(vt: t.ValType, abi: Flattener | None = None) -> Codec:
    """The codec of a resolved type; `Unsupported` for types adapters cannot carry. `abi` is the
    layout and flattening cache to share between the codecs of one link."""
    abi = abi if abi is not None else Flattener()
    c = _shaped(vt, abi)
    layout = abi.layout.of(vt)
    c.size, c.align = layout.size, layout.align
    c.flat = abi.flatten(vt) if abi.count(vt) <= MAX_FLAT_PARAMS else None
    return c


def fields(types: list[t.ValType], abi: Flattener) -> Fields:
    """Values of `types` one after the other, as spilled parameters sit in memory."""
    layout = abi.layout.fields(types)
    c = Fields([codec(x, abi) for x in types], layout.offsets)
    c.size, c.align = layout.size, layout.align
    c.flat = abi.flatten_types(types) if abi.count_types(types) <= MAX_FLAT_PARAMS else None
    return c


def _shaped(vt: t.ValType, abi: Flattener) -> Codec:
    match vt:
        case t.Prim("bool"):
            return Bool()
        case t.Prim("char"):
            return Char()
        case t.Prim("string"):
            return String()
        case t.Prim("f32"):
            return Float(32)
        case t.Prim("f64"):
            return Float(64)
        case t.Prim(name) if name in _NUMBER_SIZES:
            return Int(8 * _NUMBER_SIZES[name], name.startswith("s"))
        case t.ListType(t.Prim(name), None) if name in _NUMBER_SIZES:
            return NumberList(_NUMBER_SIZES[name])
        case t.ListType(t.Prim("string"), None):
            return Strings()
        case t.ListType(elem, None):
            return List(codec(elem, abi))
        case t.ListType(elem, int(length)):
            return FixedList(codec(elem, abi), length)
        case t.Map(key, value):
            return List(fields([key, value], abi))
        case t.Record(members):
            return Fields([codec(f, abi) for _, f in members], abi.layout.record(vt).offsets)
        case t.Tuple(elems):
            return Fields([codec(e, abi) for e in elems], abi.layout.record(vt).offsets)
        case t.Flags(names):
            return Flags(len(names), abi.layout.size(vt))
        case t.Enum(_) | t.Variant(_) | t.Option(_) | t.Result(_, _):
            return Variant(
                [None if c is None else codec(c, abi) for c in _cases(vt)],
                abi.layout.variant(vt),
                abi.variant(vt) if abi.count(vt) <= MAX_FLAT_PARAMS else None,
            )
        case t.Own(rt):
            return Handle(rt, own=True)
        case t.Borrow(rt):
            return Handle(rt, own=False)
    raise Unsupported(f"values of type {type(vt).__name__.lower()}")


def _cases(vt: t.Enum | t.Variant | t.Option | t.Result) -> list[t.ValType | None]:
    match vt:
        case t.Enum(names):
            return [None] * len(names)
        case t.Variant(cases):
            return [c for _, c in cases]
        case t.Option(elem):
            return [None, elem]
    return [vt.ok, vt.err]
