"""The reference lift and lower: the Canonical ABI written plainly, named as the spec's
``design/mvp/canonical-abi/definitions.py`` names it (``load``, ``store``, ``lift_flat``,
``lower_flat``, ``lift_flat_values``, ``lower_flat_values``...).

Everything fast in witgen (the generated bindings' specialised call sites, the cabi engine's
fused adapters and their compiled helper) is tested against this module on the same memory:
values lowered by a fast path must lift here to what was sent, and values lowered here must lift
there (``tests/abi/test_reference*.py``, ``tests/fuzz``). It is written for being read and
trusted, not for speed: one function per type and direction, layout taken from ``witgen.abi``.

Values are plain Python, as the cabi engine's adapters carry them between components: ``bool``,
``int`` (integers, handles as table indices, flags as a bit mask), ``float``, ``str`` (strings;
a ``char`` is a one-character ``str``), ``list`` (lists, fixed-length lists, maps as lists of
``(key, value)`` tuples), ``tuple`` (records and tuples, fields in order) and ``(case, payload)``
pairs (variants, enums, options and results; ``payload`` is None when the case has none).

Only the synchronous ABI is covered, with handles passed through as numbers (resource tables
and borrow scopes are the engine's business), and the 32-bit memory of the spec's MVP.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from witgen.abi.flat import Flattener
from witgen.abi.layout import Layout, align_to
from witgen.abi.shapes import AbiType, CoreType, Flags, List, Record, Variant
from witgen.abi.signature import MAX_FLAT_PARAMS, MAX_FLAT_RESULTS
from witgen.component import types as t

MAX_LIST_BYTE_LENGTH = (1 << 28) - 1
"""Lists longer than this many bytes trap when lifted."""
MAX_STRING_BYTE_LENGTH = (1 << 28) - 1
"""Strings longer than this many bytes (in their memory's encoding) trap when lifted."""
UTF16_TAG = 1 << 31
"""The bit of a latin1+utf16 string's length that says its code units are UTF-16."""
ENCODINGS = ("utf8", "utf16", "latin1+utf16")
SIGNED = frozenset({"s8", "s16", "s32", "s64"})


class Trap(Exception):
    """The spec's ``trap_if``: the other side broke the Canonical ABI (a bad pointer, length,
    discriminant, code point or string)."""


def trap_if(condition: bool, message: str) -> None:
    if condition:
        raise Trap(message)


@dataclass
class LiftLowerContext:
    """What lifting and lowering need of the instance whose memory holds the values.

    ``memory`` returns the current memory (it may move whenever ``realloc`` runs wasm);
    ``realloc`` is the instance's ``cabi_realloc(old_ptr, old_size, align, new_size)``.
    """

    memory: Callable[[], bytearray | memoryview]
    realloc: Callable[[int, int, int, int], int] | None = None
    string_encoding: str = "utf8"
    flattener: Flattener = field(default_factory=Flattener)

    @property
    def layout(self) -> Layout:
        return self.flattener.layout

    def alloc(self, align: int, size: int) -> int:
        """``realloc(0, 0, align, size)``, its pointer checked as the spec checks it."""
        trap_if(self.realloc is None, "values need memory but the options give no realloc")
        assert self.realloc is not None
        ptr = self.realloc(0, 0, align, size)
        trap_if(ptr != align_to(ptr, align), f"realloc returned unaligned pointer {ptr} (alignment {align})")
        trap_if(ptr + size > len(self.memory()), f"realloc returned {ptr} for {size} bytes, out of bounds")
        return ptr


# --- loading from memory ---------------------------------------------------------------------


def load(cx: LiftLowerContext, ptr: int, t_: AbiType) -> Any:
    """The value of type ``t_`` stored at ``ptr``."""
    layout = cx.layout.of(t_)
    assert ptr == align_to(ptr, layout.align)
    assert ptr + layout.size <= len(cx.memory())
    match t_:
        case t.Prim("bool"):
            return load_int(cx, ptr, 1) != 0
        case t.Prim("char"):
            return convert_i32_to_char(load_int(cx, ptr, 4))
        case t.Prim("f32"):
            return decode_i32_as_float(load_int(cx, ptr, 4))
        case t.Prim("f64"):
            return decode_i64_as_float(load_int(cx, ptr, 8))
        case t.Prim("string"):
            return load_string(cx, ptr)
        case t.Prim(name):
            return load_int(cx, ptr, layout.size, signed=name in SIGNED)
        case t.Own() | t.Borrow() | t.Stream() | t.Future():
            return load_int(cx, ptr, 4)
    shape = cx.layout.shape(t_)
    match shape:
        case List(_, None):
            return load_list(cx, ptr, shape)
        case List(elem, length):
            assert length is not None
            return load_list_from_valid_range(cx, ptr, length, elem)
        case Record():
            return load_record(cx, ptr, t_)
        case Variant():
            return load_variant(cx, ptr, t_)
        case Flags(count):
            return load_int(cx, ptr, layout.size) & ((1 << count) - 1)  # bits past the last flag are ignored
    raise AssertionError(t_)


def load_int(cx: LiftLowerContext, ptr: int, nbytes: int, signed: bool = False) -> int:
    return int.from_bytes(cx.memory()[ptr : ptr + nbytes], "little", signed=signed)


def convert_i32_to_char(i: int) -> str:
    trap_if(i >= 0x110000, f"invalid char: code point {i:#x} is past U+10FFFF")
    trap_if(0xD800 <= i <= 0xDFFF, f"invalid char: code point {i:#x} is a surrogate")
    return chr(i)


def decode_i32_as_float(i: int) -> float:
    return float(struct.unpack("<f", struct.pack("<I", i & 0xFFFFFFFF))[0])


def decode_i64_as_float(i: int) -> float:
    return float(struct.unpack("<d", struct.pack("<Q", i & 0xFFFFFFFFFFFFFFFF))[0])


def load_string(cx: LiftLowerContext, ptr: int) -> str:
    begin = load_int(cx, ptr, 4)
    tagged_code_units = load_int(cx, ptr + 4, 4)
    return load_string_from_range(cx, begin, tagged_code_units)


def load_string_from_range(cx: LiftLowerContext, ptr: int, tagged_code_units: int) -> str:
    match cx.string_encoding:
        case "utf8":
            alignment, byte_length, encoding = 1, tagged_code_units, "utf-8"
        case "utf16":
            alignment, byte_length, encoding = 2, 2 * tagged_code_units, "utf-16-le"
        case _:
            if tagged_code_units & UTF16_TAG:
                alignment, byte_length, encoding = 2, 2 * (tagged_code_units ^ UTF16_TAG), "utf-16-le"
            else:
                alignment, byte_length, encoding = 2, tagged_code_units, "latin-1"
    trap_if(
        byte_length > MAX_STRING_BYTE_LENGTH, f"string of {byte_length} bytes is longer than 2^28 - 1 bytes"
    )
    trap_if(ptr != align_to(ptr, alignment), f"unaligned string pointer {ptr} (alignment {alignment})")
    trap_if(ptr + byte_length > len(cx.memory()), f"string of {byte_length} bytes at {ptr} is out of bounds")
    try:
        return bytes(cx.memory()[ptr : ptr + byte_length]).decode(encoding)
    except UnicodeDecodeError:
        raise Trap(f"invalid {cx.string_encoding} string at {ptr}") from None


def load_list(cx: LiftLowerContext, ptr: int, shape: List) -> list[Any]:
    begin = load_int(cx, ptr, 4)
    length = load_int(cx, ptr + 4, 4)
    return load_list_from_range(cx, begin, length, shape.elem)


def load_list_from_range(cx: LiftLowerContext, ptr: int, length: int, elem: AbiType) -> list[Any]:
    layout = cx.layout.of(elem)
    trap_if(ptr != align_to(ptr, layout.align), f"unaligned list pointer {ptr} (alignment {layout.align})")
    trap_if(
        length * layout.size > MAX_LIST_BYTE_LENGTH,
        f"list of {length} elements is longer than 2^28 - 1 bytes",
    )
    trap_if(
        ptr + length * layout.size > len(cx.memory()), f"list of {length} elements at {ptr} is out of bounds"
    )
    return load_list_from_valid_range(cx, ptr, length, elem)


def load_list_from_valid_range(cx: LiftLowerContext, ptr: int, length: int, elem: AbiType) -> list[Any]:
    size = cx.layout.size(elem)
    return [load(cx, ptr + i * size, elem) for i in range(length)]


def load_record(cx: LiftLowerContext, ptr: int, t_: AbiType) -> tuple[Any, ...]:
    shape = cx.layout.shape(t_)
    assert isinstance(shape, Record)
    offsets = cx.layout.record(t_).offsets
    return tuple(load(cx, ptr + off, f) for f, off in zip(shape.fields, offsets, strict=True))


def load_variant(cx: LiftLowerContext, ptr: int, t_: AbiType) -> tuple[int, Any]:
    shape = cx.layout.shape(t_)
    assert isinstance(shape, Variant)
    layout = cx.layout.variant(t_)
    case_index = load_int(cx, ptr, layout.discriminant_size)
    trap_if(case_index >= len(shape.cases), f"invalid discriminant {case_index} ({len(shape.cases)} cases)")
    case = shape.cases[case_index]
    return case_index, None if case is None else load(cx, ptr + layout.payload_offset, case)


# --- storing into memory ---------------------------------------------------------------------


def store(cx: LiftLowerContext, v: Any, t_: AbiType, ptr: int) -> None:
    """Write ``v`` of type ``t_`` at ``ptr`` (allocating what it points to with ``realloc``)."""
    layout = cx.layout.of(t_)
    assert ptr == align_to(ptr, layout.align)
    assert ptr + layout.size <= len(cx.memory())
    match t_:
        case t.Prim("bool"):
            return store_int(cx, int(bool(v)), ptr, 1)
        case t.Prim("char"):
            return store_int(cx, char_to_i32(v), ptr, 4)
        case t.Prim("f32"):
            return store_int(cx, encode_float_as_i32(v), ptr, 4)
        case t.Prim("f64"):
            return store_int(cx, encode_float_as_i64(v), ptr, 8)
        case t.Prim("string"):
            return store_string(cx, v, ptr)
        case t.Prim(_) | t.Own() | t.Borrow() | t.Stream() | t.Future():
            return store_int(cx, v, ptr, layout.size)
    shape = cx.layout.shape(t_)
    match shape:
        case List(elem, None):
            return store_list(cx, v, ptr, elem)
        case List(elem, length):
            assert length == len(v)
            return store_list_into_valid_range(cx, v, ptr, elem)
        case Record():
            return store_record(cx, v, ptr, t_)
        case Variant():
            return store_variant(cx, v, ptr, t_)
        case Flags():
            return store_int(cx, v, ptr, layout.size)
    raise AssertionError(t_)


def store_int(cx: LiftLowerContext, v: int, ptr: int, nbytes: int) -> None:
    cx.memory()[ptr : ptr + nbytes] = (v % (1 << (8 * nbytes))).to_bytes(nbytes, "little")


def char_to_i32(c: str) -> int:
    assert len(c) == 1
    return ord(c)


def encode_float_as_i32(f: float) -> int:
    return int(struct.unpack("<I", struct.pack("<f", f))[0])


def encode_float_as_i64(f: float) -> int:
    return int(struct.unpack("<Q", struct.pack("<d", f))[0])


def store_string(cx: LiftLowerContext, v: str, ptr: int) -> None:
    begin, tagged_code_units = store_string_into_range(cx, v)
    store_int(cx, begin, ptr, 4)
    store_int(cx, tagged_code_units, ptr + 4, 4)


def store_string_into_range(cx: LiftLowerContext, v: str) -> tuple[int, int]:
    """A host string into the instance's encoding: (pointer, tagged code units).

    The spec transcodes from the source component's encoding with a growing allocation; a host
    string has no encoding, so this allocates the final size at once. The bytes written are
    the same (a latin1+utf16 string is latin1 when every character fits, UTF-16 otherwise)."""
    if cx.string_encoding == "utf8":
        data, align = v.encode("utf-8"), 1
        units = len(data)
    elif cx.string_encoding == "latin1+utf16" and all(ord(c) < 0x100 for c in v):
        data, align = v.encode("latin-1"), 2
        units = len(data)
    else:
        data, align = v.encode("utf-16-le", "surrogatepass"), 2
        units = len(data) // 2 | (UTF16_TAG if cx.string_encoding == "latin1+utf16" else 0)
    trap_if(len(data) > MAX_STRING_BYTE_LENGTH, f"string of {len(data)} bytes is longer than 2^28 - 1 bytes")
    ptr = cx.alloc(align, len(data))
    cx.memory()[ptr : ptr + len(data)] = data
    return ptr, units


def store_list(cx: LiftLowerContext, v: Sequence[Any], ptr: int, elem: AbiType) -> None:
    begin, length = store_list_into_range(cx, v, elem)
    store_int(cx, begin, ptr, 4)
    store_int(cx, length, ptr + 4, 4)


def store_list_into_range(cx: LiftLowerContext, v: Sequence[Any], elem: AbiType) -> tuple[int, int]:
    layout = cx.layout.of(elem)
    byte_length = len(v) * layout.size
    trap_if(byte_length > MAX_LIST_BYTE_LENGTH, f"list of {byte_length} bytes is longer than 2^28 - 1 bytes")
    ptr = cx.alloc(layout.align, byte_length)
    store_list_into_valid_range(cx, v, ptr, elem)
    return ptr, len(v)


def store_list_into_valid_range(cx: LiftLowerContext, v: Sequence[Any], ptr: int, elem: AbiType) -> None:
    size = cx.layout.size(elem)
    for i, e in enumerate(v):
        store(cx, e, elem, ptr + i * size)


def store_record(cx: LiftLowerContext, v: Sequence[Any], ptr: int, t_: AbiType) -> None:
    shape = cx.layout.shape(t_)
    assert isinstance(shape, Record)
    offsets = cx.layout.record(t_).offsets
    for f, off, x in zip(shape.fields, offsets, v, strict=True):
        store(cx, x, f, ptr + off)


def store_variant(cx: LiftLowerContext, v: tuple[int, Any], ptr: int, t_: AbiType) -> None:
    shape = cx.layout.shape(t_)
    assert isinstance(shape, Variant)
    layout = cx.layout.variant(t_)
    case_index, payload = v
    store_int(cx, case_index, ptr, layout.discriminant_size)
    case = shape.cases[case_index]
    if case is not None:
        store(cx, payload, case, ptr + layout.payload_offset)


# --- flat values -----------------------------------------------------------------------------


class CoreValueIter:
    """Core values one after the other (integers in any sign: they are read as bit patterns)."""

    def __init__(self, values: Sequence[Any]) -> None:
        self.values = values
        self.i = 0

    def next(self, t_: CoreType) -> Any:
        v = self.values[self.i]
        self.i += 1
        return v

    def done(self) -> bool:
        return self.i == len(self.values)


_BITS = {"u8": 8, "s8": 8, "u16": 16, "s16": 16, "u32": 32, "s32": 32, "u64": 64, "s64": 64}


def lift_flat(cx: LiftLowerContext, vi: CoreValueIter, t_: AbiType) -> Any:
    """The value of type ``t_`` carried by the next core values of ``vi``."""
    match t_:
        case t.Prim("bool"):
            return (vi.next("i32") & 0xFFFFFFFF) != 0
        case t.Prim("char"):
            return convert_i32_to_char(vi.next("i32") & 0xFFFFFFFF)
        case t.Prim("f32") | t.Prim("f64"):
            return float(vi.next("f32" if t_.name == "f32" else "f64"))
        case t.Prim("string"):
            ptr, units = vi.next("i32") & 0xFFFFFFFF, vi.next("i32") & 0xFFFFFFFF
            return load_string_from_range(cx, ptr, units)
        case t.Prim(name) if name in _BITS:
            bits = _BITS[name]
            i = vi.next("i64" if bits == 64 else "i32") % (1 << bits)
            return i - (1 << bits) if name in SIGNED and i >= 1 << (bits - 1) else i
        case t.Prim(_) | t.Own() | t.Borrow() | t.Stream() | t.Future():
            return vi.next("i32") & 0xFFFFFFFF
    shape = cx.layout.shape(t_)
    match shape:
        case List(elem, None):
            ptr, length = vi.next("i32") & 0xFFFFFFFF, vi.next("i32") & 0xFFFFFFFF
            return load_list_from_range(cx, ptr, length, elem)
        case List(elem, length):
            assert length is not None
            return [lift_flat(cx, vi, elem) for _ in range(length)]
        case Record(fields):
            return tuple(lift_flat(cx, vi, f) for f in fields)
        case Variant():
            return lift_flat_variant(cx, vi, t_)
        case Flags(count):
            words = [vi.next("i32") & 0xFFFFFFFF for _ in range(cx.flattener.count(t_))]
            return sum(w << (32 * i) for i, w in enumerate(words)) & ((1 << count) - 1)
    raise AssertionError(t_)


def lift_flat_variant(cx: LiftLowerContext, vi: CoreValueIter, t_: AbiType) -> tuple[int, Any]:
    shape = cx.layout.shape(t_)
    assert isinstance(shape, Variant)
    flat = cx.flattener.variant(t_)
    case_index = vi.next("i32") & 0xFFFFFFFF
    trap_if(case_index >= len(shape.cases), f"invalid discriminant {case_index} ({len(shape.cases)} cases)")
    slots = [vi.next(have) for have in flat.payload]
    case = shape.cases[case_index]
    if case is None:
        return case_index, None
    wanted = flat.cases[case_index]
    coerced = [_from_slot(x, have, want) for x, have, want in zip(slots, flat.payload, wanted, strict=False)]
    return case_index, lift_flat(cx, CoreValueIter(coerced), case)


def _from_slot(x: Any, have: CoreType, want: CoreType) -> Any:
    """A case's core value out of the joined slot that carried it (the spec's CoerceValueIter)."""
    if have == want:
        return x
    if want == "i32":
        return x & 0xFFFFFFFF  # out of an i64 slot
    if want == "f32":
        return decode_i32_as_float(x & 0xFFFFFFFF)
    return decode_i64_as_float(x)


def lower_flat(cx: LiftLowerContext, v: Any, t_: AbiType) -> list[Any]:
    """The core values carrying ``v`` of type ``t_`` (integers as unsigned bit patterns)."""
    match t_:
        case t.Prim("bool"):
            return [int(bool(v))]
        case t.Prim("char"):
            return [char_to_i32(v)]
        case t.Prim("f32") | t.Prim("f64"):
            return [float(v)]
        case t.Prim("string"):
            return list(store_string_into_range(cx, v))
        case t.Prim(name) if name in _BITS:
            return [v % (1 << (64 if _BITS[name] == 64 else 32))]
        case t.Prim(_) | t.Own() | t.Borrow() | t.Stream() | t.Future():
            return [v]
    shape = cx.layout.shape(t_)
    match shape:
        case List(elem, None):
            return list(store_list_into_range(cx, v, elem))
        case List(elem, _):
            return [x for e in v for x in lower_flat(cx, e, elem)]
        case Record(fields):
            return [x for f, e in zip(fields, v, strict=True) for x in lower_flat(cx, e, f)]
        case Variant():
            return lower_flat_variant(cx, v, t_)
        case Flags():
            return [(v >> (32 * i)) & 0xFFFFFFFF for i in range(cx.flattener.count(t_))]
    raise AssertionError(t_)


def lower_flat_variant(cx: LiftLowerContext, v: tuple[int, Any], t_: AbiType) -> list[Any]:
    shape = cx.layout.shape(t_)
    assert isinstance(shape, Variant)
    flat = cx.flattener.variant(t_)
    case_index, payload = v
    case = shape.cases[case_index]
    values = [] if case is None else lower_flat(cx, payload, case)
    mine = flat.cases[case_index]
    out: list[Any] = [case_index]
    for i, have in enumerate(flat.payload):
        if i < len(values):
            out.append(_to_slot(values[i], mine[i], have))
        else:
            out.append(0.0 if have in ("f32", "f64") else 0)
    return out


def _to_slot(x: Any, have: CoreType, want: CoreType) -> Any:
    """A case's core value widened into the joined slot (the spec's ``lower_flat_variant``)."""
    if have == want:
        return x
    if have == "f32":
        return encode_float_as_i32(x)  # into an i32 or i64 slot
    if have == "f64":
        return encode_float_as_i64(x)
    return x  # an i32 into an i64 slot


# --- parameter and result lists --------------------------------------------------------------


def lift_flat_values(
    cx: LiftLowerContext, max_flat: int, vi: CoreValueIter, ts: Sequence[AbiType]
) -> list[Any]:
    """Values of ``ts`` from core values, or from the tuple in memory one pointer points at."""
    if cx.flattener.count_types(ts) > max_flat:
        return list(lift_heap_values(cx, vi, ts))
    return [lift_flat(cx, vi, t_) for t_ in ts]


def lift_heap_values(cx: LiftLowerContext, vi: CoreValueIter, ts: Sequence[AbiType]) -> tuple[Any, ...]:
    ptr = vi.next("i32") & 0xFFFFFFFF
    tuple_type = Record(tuple(ts))
    layout = cx.layout.fields(ts)
    trap_if(
        ptr != align_to(ptr, layout.align), f"unaligned pointer {ptr} to values (alignment {layout.align})"
    )
    trap_if(ptr + layout.size > len(cx.memory()), f"values of {layout.size} bytes at {ptr} are out of bounds")
    return load_record(cx, ptr, tuple_type)


def lower_flat_values(
    cx: LiftLowerContext,
    max_flat: int,
    vs: Sequence[Any],
    ts: Sequence[AbiType],
    out_param: int | None = None,
) -> list[Any]:
    """Core values carrying ``vs``, or one pointer to them stored as a tuple past ``max_flat``.

    With ``out_param`` (a lowered import's results) the tuple goes where that pointer says and
    nothing is returned; without, it is allocated with ``realloc`` and its pointer returned."""
    if cx.flattener.count_types(ts) > max_flat:
        tuple_type = Record(tuple(ts))
        layout = cx.layout.fields(ts)
        if out_param is None:
            ptr = cx.alloc(layout.align, layout.size)
            flat: list[Any] = [ptr]
        else:
            ptr = out_param
            trap_if(
                ptr != align_to(ptr, layout.align),
                f"unaligned result pointer {ptr} (alignment {layout.align})",
            )
            trap_if(ptr + layout.size > len(cx.memory()), f"result pointer {ptr} is out of bounds")
            flat = []
        store_record(cx, tuple(vs), ptr, tuple_type)
        return flat
    return [x for t_, v in zip(ts, vs, strict=True) for x in lower_flat(cx, v, t_)]


def lift_params(cx: LiftLowerContext, core: Sequence[Any], func: t.FuncType) -> list[Any]:
    """An export's arguments as its lifted core function receives them (``canon lift``)."""
    vi = CoreValueIter(core)
    values = lift_flat_values(cx, MAX_FLAT_PARAMS, vi, [p for _, p in func.params])
    trap_if(not vi.done(), "more core values than the function's parameters")
    return values


def lower_results(cx: LiftLowerContext, result: Any, func: t.FuncType, retptr: int | None) -> list[Any]:
    """An import's result as its lowered core function returns it (``canon lower``): flat, or
    stored at the caller's ``retptr`` when it does not fit in one core value."""
    ts = [] if func.result is None else [func.result]
    vs = [] if func.result is None else [result]
    return lower_flat_values(cx, MAX_FLAT_RESULTS, vs, ts, out_param=retptr)
