"""Value codecs: check Python values and move them in and out of wasmtime's component value structs.

A codec describes one WIT type. Generated modules build them once at import (no per-call type
lookup), and function call sites drive them:

* ``prepare(cx, v)`` checks a Python value completely and returns a normalised form. It raises
  ``TypeError``/``ValueError`` and never touches wasm, so a bad argument can't poison a Store.
* ``lower(cx, p, addr)`` writes a prepared value into the ``wasmtime_component_val_t`` at
  ``addr``. Compound payloads are allocated with libwasmtime's own allocators, so the same
  values can be handed to wasmtime as call arguments (freed by us) or host results (freed by it).
* ``lift(cx, addr)`` reads a value back. Resource pointers are taken out of the struct, so a
  later ``wasmtime_component_val_delete`` leaves them alone.

``to_dyn``/``from_dyn`` convert prepared values to and from wasmtime-py's dynamic representation,
for the public-API fallback when :mod:`witgen.runtime._capi` is unavailable.
"""

from __future__ import annotations

import ctypes
import enum
import math
from array import array
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from typing import Any, Protocol

from witgen.abi.values import F32_MAX, INT_RANGES
from witgen.runtime import _capi as C
from witgen.runtime import internals
from witgen.runtime.errors import ResourceDropped
from witgen.runtime.types import Err, Ok, Some


class Instance(Protocol):
    """What the codecs use of the wasmtime engine's instance (`witgen.runtime.wasmtime.instance`):
    its store and store context, its guest resource classes and host resource tables."""

    store: Any
    ctx: Any
    guest_classes: Any
    host_tables: dict[str, HostTable]

    def drop_resource(self, handle: GuestHandle, what: str) -> None: ...


_u8 = ctypes.c_uint8
_ptr = ctypes.c_void_p
_size = ctypes.c_size_t


def _kind_at(addr: int, kind: int) -> None:
    _u8.from_address(addr).value = kind


def _read_ptr(addr: int) -> int:
    return _ptr.from_address(addr).value or 0


def _read_size(addr: int) -> int:
    return _size.from_address(addr).value


def _put_name(addr: int, data: bytes) -> None:
    """Fill the ``wasm_name_t`` at ``addr`` with a libwasmtime-owned copy of ``data``."""
    C.byte_vec_new(addr, len(data), data)


def _get_name(addr: int) -> bytes:
    n = _read_size(addr)
    return ctypes.string_at(_read_ptr(addr + 8), n) if n else b""


def _type_name(v: object) -> str:
    return type(v).__name__


def _with_path(exc: Exception, where: str) -> Exception:
    """The same kind of error, with the position inside a compound value prefixed."""
    new = type(exc)(f"{where}: {exc}")
    return new


class Codec:
    """One WIT type. Subclasses say how its values are checked, lowered and lifted."""

    wit: str = "?"
    kind: int = -1
    owns_memory = True
    """Whether a lowered value holds allocations that `val_delete` must free."""

    def prepare(self, cx: Instance, v: Any) -> Any:
        raise NotImplementedError

    def lower(self, cx: Instance, p: Any, addr: int) -> None:
        raise NotImplementedError

    def lift(self, cx: Instance, addr: int) -> Any:
        raise NotImplementedError

    def lower_arg(self, cx: Instance, p: Any, addr: int, keep: list[Any]) -> bool:
        """Lower a top-level call argument; True if the caller must `val_delete` it afterwards.

        wasmtime only borrows call arguments, so bulk codecs build them in Python-owned memory
        (appended to `keep` until the call returns) and skip an allocate/free round trip.
        """
        self.lower(cx, p, addr)
        return self.owns_memory

    def to_dyn(self, cx: Instance, p: Any) -> Any:
        return p

    def from_dyn(self, cx: Instance, v: Any) -> Any:
        return v

    def dyn_classes(self) -> set[type]:
        """The Python classes wasmtime-py maps this type to (its `add_classes`)."""
        return {object}

    def __repr__(self) -> str:
        return f"<codec {self.wit}>"


# --- scalars ---------------------------------------------------------------------------------


class Scalar(Codec):
    """A codec whose payload is one C number at offset 8 (the call fast path writes it directly)."""

    owns_memory = False
    ctype: Any = ctypes.c_uint8

    def lower(self, cx: Instance, p: Any, addr: int) -> None:
        _kind_at(addr, self.kind)
        self.ctype.from_address(addr + 8).value = p

    def lift(self, cx: Instance, addr: int) -> Any:
        return self.ctype.from_address(addr + 8).value


class BoolCodec(Scalar):
    def dyn_classes(self) -> set[type]:
        return {bool}

    wit = "bool"
    kind = C.BOOL
    ctype = ctypes.c_bool

    def prepare(self, cx: Instance, v: Any) -> Any:
        if v is True or v is False:
            return v
        raise TypeError(f"expected bool, got {_type_name(v)}")


class IntCodec(Scalar):
    def dyn_classes(self) -> set[type]:
        return {int}

    def __init__(self, wit: str, kind: int, ctype: Any) -> None:
        self.wit = wit
        self.kind = kind
        self.ctype = ctype
        self.lo, self.hi = INT_RANGES[wit]

    def prepare(self, cx: Instance, v: Any) -> Any:
        if type(v) is not int:
            if isinstance(v, bool) or not isinstance(v, int):
                raise TypeError(f"expected int ({self.wit}), got {_type_name(v)}")
            v = int(v)
        if v < self.lo or v > self.hi:
            raise ValueError(f"{v} is out of range for {self.wit} ({self.lo}..{self.hi})")
        return v


class FloatCodec(Scalar):
    def dyn_classes(self) -> set[type]:
        return {float}

    def __init__(self, wit: str, kind: int, ctype: Any) -> None:
        self.wit = wit
        self.kind = kind
        self.ctype = ctype

    def prepare(self, cx: Instance, v: Any) -> Any:
        if type(v) is not float:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise TypeError(f"expected float ({self.wit}), got {_type_name(v)}")
            try:
                v = float(v)
            except OverflowError:
                raise ValueError(f"{v} is out of range for {self.wit}") from None
        if self.kind == C.F32 and math.isfinite(v) and abs(v) > F32_MAX:
            raise ValueError(f"{v} is out of range for f32")
        return v


class CharCodec(Scalar):
    def dyn_classes(self) -> set[type]:
        return {str}

    wit = "char"
    kind = C.CHAR
    ctype = ctypes.c_uint32

    def prepare(self, cx: Instance, v: Any) -> Any:
        if not isinstance(v, str):
            raise TypeError(f"expected a one-character str (char), got {_type_name(v)}")
        if len(v) != 1:
            raise ValueError(f"expected a single character (char), got a str of length {len(v)}")
        code = ord(v)
        if 0xD800 <= code <= 0xDFFF:
            raise ValueError(f"U+{code:04X} is a surrogate, not a Unicode scalar value (char)")
        return code

    def lift(self, cx: Instance, addr: int) -> Any:
        return chr(ctypes.c_uint32.from_address(addr + 8).value)

    def to_dyn(self, cx: Instance, p: Any) -> Any:
        return chr(p)


class StringCodec(Codec):
    def dyn_classes(self) -> set[type]:
        return {str}

    wit = "string"
    kind = C.STRING

    def prepare(self, cx: Instance, v: Any) -> Any:
        if not isinstance(v, str):
            raise TypeError(f"expected str, got {_type_name(v)}")
        try:
            return v.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(f"string is not valid Unicode ({exc.reason} at index {exc.start})") from None

    def lower(self, cx: Instance, p: Any, addr: int) -> None:
        _kind_at(addr, C.STRING)
        _put_name(addr + 8, p)

    def lift(self, cx: Instance, addr: int) -> Any:
        return _get_name(addr + 8).decode("utf-8")

    def to_dyn(self, cx: Instance, p: Any) -> Any:
        return p.decode("utf-8")


BOOL = BoolCodec()
S8 = IntCodec("s8", C.S8, ctypes.c_int8)
U8 = IntCodec("u8", C.U8, ctypes.c_uint8)
S16 = IntCodec("s16", C.S16, ctypes.c_int16)
U16 = IntCodec("u16", C.U16, ctypes.c_uint16)
S32 = IntCodec("s32", C.S32, ctypes.c_int32)
U32 = IntCodec("u32", C.U32, ctypes.c_uint32)
S64 = IntCodec("s64", C.S64, ctypes.c_int64)
U64 = IntCodec("u64", C.U64, ctypes.c_uint64)
F32 = FloatCodec("f32", C.F32, ctypes.c_float)
F64 = FloatCodec("f64", C.F64, ctypes.c_double)
CHAR = CharCodec()
STRING = StringCodec()


# --- lists -----------------------------------------------------------------------------------

# For lists of numbers: the `array` typecode (which range-checks in C) and the memoryview format
# and element stride used to scatter values into / gather them out of the 32-byte val structs.
_BULK: dict[int, tuple[str, int]] = {
    C.S8: ("b", 1),
    C.U8: ("B", 1),
    C.S16: ("h", 2),
    C.U16: ("H", 2),
    C.S32: ("i", 4),
    C.U32: ("I", 4),
    C.S64: ("q", 8),
    C.U64: ("Q", 8),
    C.F32: ("f", 4),
    C.F64: ("d", 8),
}


def _val_array(data: int, n: int) -> memoryview:
    return memoryview((ctypes.c_uint8 * (n * C.VAL_SIZE)).from_address(data)).cast("B")


def _borrowed_list(addr: int, n: int, keep: list[Any]) -> memoryview:
    """A list payload in Python-owned memory, for call arguments only (see `Codec.lower_arg`)."""
    buf = (ctypes.c_uint8 * (n * C.VAL_SIZE))()
    keep.append(buf)
    _kind_at(addr, C.LIST)
    _size.from_address(addr + 8).value = n
    _ptr.from_address(addr + 16).value = ctypes.addressof(buf)
    return memoryview(buf).cast("B")


def _new_list(addr: int, n: int, kind: int, new_uninit: Callable[[int, int], None]) -> int:
    _kind_at(addr, kind)
    new_uninit(addr + 8, n)
    return _read_ptr(addr + 16)


class BytesCodec(Codec):
    def dyn_classes(self) -> set[type]:
        return {bytes}

    """`list<u8>` as `bytes`; any bytes-like object or sequence of ints in range goes in."""

    wit = "list<u8>"
    kind = C.LIST

    def prepare(self, cx: Instance, v: Any) -> Any:
        if isinstance(v, (bytes, bytearray)):
            return v
        if isinstance(v, memoryview):
            return v.cast("B") if v.contiguous else v.tobytes()
        if isinstance(v, str) or not isinstance(v, Sequence | array):
            raise TypeError(f"expected bytes (list<u8>), got {_type_name(v)}")
        try:
            return bytes(v)
        except ValueError:
            raise ValueError("list<u8> element out of range 0..255") from None
        except TypeError:
            raise TypeError("list<u8> elements must be int") from None

    def lower(self, cx: Instance, p: Any, addr: int) -> None:
        n = len(p)
        data = _new_list(addr, n, C.LIST, C.list_new_uninit)
        if n:
            mv = _val_array(data, n)
            mv[0 :: C.VAL_SIZE] = bytes((C.U8,)) * n
            mv[8 :: C.VAL_SIZE] = p

    def lower_arg(self, cx: Instance, p: Any, addr: int, keep: list[Any]) -> bool:
        n = len(p)
        if n:
            mv = _borrowed_list(addr, n, keep)
            mv[0 :: C.VAL_SIZE] = bytes((C.U8,)) * n
            mv[8 :: C.VAL_SIZE] = p
            return False
        self.lower(cx, p, addr)
        return True

    def lift(self, cx: Instance, addr: int) -> Any:
        n = _read_size(addr + 8)
        if not n:
            return b""
        return _val_array(_read_ptr(addr + 16), n)[8 :: C.VAL_SIZE].tobytes()

    def to_dyn(self, cx: Instance, p: Any) -> Any:
        return bytes(p)


class NumberListCodec(Codec):
    def dyn_classes(self) -> set[type]:
        return {list}

    """A list of numbers (or bools), moved with strided memoryview copies instead of a Python loop."""

    kind = C.LIST

    def __init__(self, elem: Codec) -> None:
        self.elem = elem
        self.wit = f"list<{elem.wit}>"
        self.is_bool = elem.kind == C.BOOL
        self.typecode, self.width = ("B", 1) if self.is_bool else _BULK[elem.kind]

    def prepare(self, cx: Instance, v: Any) -> Any:
        if isinstance(v, array) and v.typecode == self.typecode:
            return v
        if isinstance(v, (str, bytes)) or not isinstance(v, Sequence | array):
            raise TypeError(f"expected a sequence ({self.wit}), got {_type_name(v)}")
        if self.is_bool:
            for i, x in enumerate(v):
                if x is not True and x is not False:
                    raise TypeError(f"[{i}]: expected bool, got {_type_name(x)}")
            return array("B", v)
        try:
            return array(self.typecode, v)
        except OverflowError:
            pass
        except TypeError:
            pass
        # Slow path only to name the offending element.
        for i, x in enumerate(v):
            try:
                self.elem.prepare(cx, x)
            except (TypeError, ValueError) as exc:
                raise _with_path(exc, f"[{i}]") from None
        return array(self.typecode, v)

    def lower(self, cx: Instance, p: Any, addr: int) -> None:
        n = len(p)
        data = _new_list(addr, n, C.LIST, C.list_new_uninit)
        if n:
            self._scatter(_val_array(data, n), p, n)

    def lower_arg(self, cx: Instance, p: Any, addr: int, keep: list[Any]) -> bool:
        n = len(p)
        if n:
            mv = _borrowed_list(addr, n, keep)
            self._scatter(mv, p, n)
            return False
        self.lower(cx, p, addr)
        return True

    def _scatter(self, mv: memoryview, p: Any, n: int) -> None:
        mv[0 :: C.VAL_SIZE] = bytes((self.elem.kind,)) * n
        w = self.width
        fmt: Any = self.typecode
        mv.cast(fmt)[8 // w :: C.VAL_SIZE // w] = memoryview(p).cast("B").cast(fmt)

    def lift(self, cx: Instance, addr: int) -> Any:
        n = _read_size(addr + 8)
        if not n:
            return []
        w = self.width
        fmt: Any = self.typecode
        values = _val_array(_read_ptr(addr + 16), n).cast(fmt)[8 // w :: C.VAL_SIZE // w].tolist()
        return [bool(x) for x in values] if self.is_bool else values

    def to_dyn(self, cx: Instance, p: Any) -> Any:
        return [bool(x) for x in p] if self.is_bool else p.tolist()


class ListCodec(Codec):
    def dyn_classes(self) -> set[type]:
        return {list}

    kind = C.LIST

    def __init__(self, elem: Codec) -> None:
        self.elem = elem
        self.wit = f"list<{elem.wit}>"

    def prepare(self, cx: Instance, v: Any) -> Any:
        if isinstance(v, (str, bytes)) or not isinstance(v, Sequence):
            raise TypeError(f"expected a sequence ({self.wit}), got {_type_name(v)}")
        out = []
        prep = self.elem.prepare
        for i, x in enumerate(v):
            try:
                out.append(prep(cx, x))
            except (TypeError, ValueError) as exc:
                raise _with_path(exc, f"[{i}]") from None
        return out

    def lower(self, cx: Instance, p: Any, addr: int) -> None:
        data = _new_list(addr, len(p), C.LIST, C.list_new_uninit)
        low = self.elem.lower
        for i, x in enumerate(p):
            low(cx, x, data + i * C.VAL_SIZE)

    def lift(self, cx: Instance, addr: int) -> Any:
        n = _read_size(addr + 8)
        data = _read_ptr(addr + 16)
        lift = self.elem.lift
        return [lift(cx, data + i * C.VAL_SIZE) for i in range(n)]

    def to_dyn(self, cx: Instance, p: Any) -> Any:
        return [self.elem.to_dyn(cx, x) for x in p]

    def from_dyn(self, cx: Instance, v: Any) -> Any:
        return [self.elem.from_dyn(cx, x) for x in v]


def list_of(elem: Codec) -> Codec:
    """The fastest codec for `list<elem>`."""
    if elem.kind == C.U8:
        return BytesCodec()
    if elem.kind in _BULK or elem.kind == C.BOOL:
        return NumberListCodec(elem)
    return ListCodec(elem)


class MapCodec(Codec):
    kind = C.MAP

    def __init__(self, key: Codec, value: Codec) -> None:
        self.key = key
        self.value = value
        self.wit = f"map<{key.wit}, {value.wit}>"

    def prepare(self, cx: Instance, v: Any) -> Any:
        if not isinstance(v, Mapping):
            raise TypeError(f"expected a mapping ({self.wit}), got {_type_name(v)}")
        out = []
        for k, x in v.items():
            try:
                out.append((self.key.prepare(cx, k), self.value.prepare(cx, x)))
            except (TypeError, ValueError) as exc:
                raise _with_path(exc, f"[{k!r}]") from None
        return out

    def lower(self, cx: Instance, p: Any, addr: int) -> None:
        data = _new_list(addr, len(p), C.MAP, C.map_new_uninit)
        for i, (k, x) in enumerate(p):
            entry = data + i * C.MAP_ENTRY_SIZE
            self.key.lower(cx, k, entry)
            self.value.lower(cx, x, entry + C.VAL_SIZE)

    def to_dyn(self, cx: Instance, p: Any) -> Any:
        raise TypeError(f"{self.wit}: wasmtime-py's public API can't pass maps (witgen's fast path can)")

    def from_dyn(self, cx: Instance, v: Any) -> Any:
        return self.to_dyn(cx, v)

    def lift(self, cx: Instance, addr: int) -> Any:
        n = _read_size(addr + 8)
        data = _read_ptr(addr + 16)
        out = {}
        for i in range(n):
            entry = data + i * C.MAP_ENTRY_SIZE
            out[self.key.lift(cx, entry)] = self.value.lift(cx, entry + C.VAL_SIZE)
        return out


class TupleCodec(Codec):
    def dyn_classes(self) -> set[type]:
        return {tuple}

    kind = C.TUPLE

    def __init__(self, elems: list[Codec]) -> None:
        self.elems = elems
        self.wit = f"tuple<{', '.join(e.wit for e in elems)}>"

    def prepare(self, cx: Instance, v: Any) -> Any:
        if not isinstance(v, (tuple, list)):
            raise TypeError(f"expected a tuple ({self.wit}), got {_type_name(v)}")
        if len(v) != len(self.elems):
            raise ValueError(f"expected a tuple of {len(self.elems)} elements ({self.wit}), got {len(v)}")
        out = []
        for i, (codec, x) in enumerate(zip(self.elems, v, strict=True)):
            try:
                out.append(codec.prepare(cx, x))
            except (TypeError, ValueError) as exc:
                raise _with_path(exc, f"[{i}]") from None
        return out

    def lower(self, cx: Instance, p: Any, addr: int) -> None:
        data = _new_list(addr, len(p), C.TUPLE, C.tuple_new_uninit)
        for i, (codec, x) in enumerate(zip(self.elems, p, strict=True)):
            codec.lower(cx, x, data + i * C.VAL_SIZE)

    def lift(self, cx: Instance, addr: int) -> Any:
        data = _read_ptr(addr + 16)
        return tuple(codec.lift(cx, data + i * C.VAL_SIZE) for i, codec in enumerate(self.elems))

    def to_dyn(self, cx: Instance, p: Any) -> Any:
        return tuple(c.to_dyn(cx, x) for c, x in zip(self.elems, p, strict=True))

    def from_dyn(self, cx: Instance, v: Any) -> Any:
        return tuple(c.from_dyn(cx, x) for c, x in zip(self.elems, v, strict=True))


# --- named types -----------------------------------------------------------------------------


class RecordCodec(Codec):
    def dyn_classes(self) -> set[type]:
        return _dyn_class("Record")

    """A record as a generated dataclass; ``fields`` are (WIT name, attribute name, codec)."""

    kind = C.RECORD

    def __init__(self, wit: str, cls: type, fields: list[tuple[str, str, Codec]]) -> None:
        self.wit = wit
        self.cls = cls
        self.fields = [(name.encode(), attr, codec) for name, attr, codec in fields]

    def prepare(self, cx: Instance, v: Any) -> Any:
        if not isinstance(v, self.cls):
            raise TypeError(f"expected {self.cls.__name__} ({self.wit}), got {_type_name(v)}")
        out = []
        for _, attr, codec in self.fields:
            try:
                out.append(codec.prepare(cx, getattr(v, attr)))
            except (TypeError, ValueError) as exc:
                raise _with_path(exc, f"field {attr!r}") from None
        return out

    def lower(self, cx: Instance, p: Any, addr: int) -> None:
        data = _new_list(addr, len(p), C.RECORD, C.record_new_uninit)
        for i, ((name, _, codec), x) in enumerate(zip(self.fields, p, strict=True)):
            entry = data + i * C.RECORD_ENTRY_SIZE
            _put_name(entry, name)
            codec.lower(cx, x, entry + 16)

    def lift(self, cx: Instance, addr: int) -> Any:
        data = _read_ptr(addr + 16)
        values = [
            codec.lift(cx, data + i * C.RECORD_ENTRY_SIZE + 16) for i, (_, _, codec) in enumerate(self.fields)
        ]
        return self.cls(*values)

    def to_dyn(self, cx: Instance, p: Any) -> Any:
        from wasmtime.component import Record

        rec = Record()
        for (name, _, codec), x in zip(self.fields, p, strict=True):
            setattr(rec, name.decode(), codec.to_dyn(cx, x))
        return rec

    def from_dyn(self, cx: Instance, v: Any) -> Any:
        return self.cls(*(codec.from_dyn(cx, getattr(v, name.decode())) for name, _, codec in self.fields))


def _dyn_class(name: str) -> set[type]:
    from wasmtime import component as wc

    cls: type = getattr(wc, name)
    return {cls}


class _DynCases:
    """wasmtime-py's rule for variant, option and result values: passed *untagged* (the bare
    payload, `None` for a case without one) unless two cases map to a common Python class, then
    *tagged* as `Variant(tag, payload)`."""

    def __init__(self, cases: list[tuple[str, Codec | None]]) -> None:
        self.cases = cases
        self.classes = [{object} if codec is None else codec.dyn_classes() for _, codec in cases]
        seen: set[type] = set()
        self.tagged = False
        for classes in self.classes:
            if classes & seen:
                self.tagged = True
            seen |= classes

    def all_classes(self) -> set[type]:
        return _dyn_class("Variant") if self.tagged else set().union(*self.classes)

    def to_dyn(self, cx: Instance, index: int, payload: Any) -> Any:
        name, codec = self.cases[index]
        value = None if codec is None or payload is None else codec.to_dyn(cx, payload)
        if self.tagged:
            from wasmtime.component import Variant

            return Variant(name, value)
        return value

    def from_dyn(self, cx: Instance, v: Any) -> tuple[int, Any]:
        """(case index, lifted payload)."""
        if self.tagged:
            index = [name for name, _ in self.cases].index(v.tag)
            payload = v.payload
        else:
            index = self._untagged_index(v)
            payload = v
        codec = self.cases[index][1]
        return index, (None if codec is None else codec.from_dyn(cx, payload))

    def _untagged_index(self, v: Any) -> int:
        if v is None:
            for i, (_, codec) in enumerate(self.cases):
                if codec is None:
                    return i
        for exact in (True, False):
            for i, ((_, codec), classes) in enumerate(zip(self.cases, self.classes, strict=True)):
                if codec is None:
                    continue
                if (type(v) in classes) if exact else isinstance(v, tuple(classes)):
                    return i
        raise ValueError(f"wasmtime-py returned {v!r}, which matches no case")


def _box(cx: Instance, codec: Codec, p: Any) -> int:
    """The boxed payload of a variant, option or result: lowered, then moved to the heap."""
    tmp = (ctypes.c_uint8 * C.VAL_SIZE)()
    codec.lower(cx, p, ctypes.addressof(tmp))
    return int(C.val_new(ctypes.addressof(tmp)))


class VariantCodec(Codec):
    """A variant as one dataclass per case; ``cases`` are (WIT name, case class, payload codec)."""

    kind = C.VARIANT

    def __init__(self, wit: str, cases: list[tuple[str, type, Codec | None]]) -> None:
        self.wit = wit
        self.cases = [(name.encode(), cls, codec) for name, cls, codec in cases]
        self.by_class = {cls: i for i, (_, cls, _) in enumerate(self.cases)}
        self.by_name = {name: i for i, (name, _, _) in enumerate(self.cases)}

    def prepare(self, cx: Instance, v: Any) -> Any:
        i = self.by_class.get(type(v))
        if i is None:
            expected = " | ".join(cls.__name__ for _, cls, _ in self.cases)
            raise TypeError(f"expected {expected} ({self.wit}), got {_type_name(v)}")
        codec = self.cases[i][2]
        if codec is None:
            return (i, None)
        try:
            return (i, codec.prepare(cx, v.value))
        except (TypeError, ValueError) as exc:
            raise _with_path(exc, f"{type(v).__name__}.value") from None

    def lower(self, cx: Instance, p: Any, addr: int) -> None:
        i, payload = p
        name, _, codec = self.cases[i]
        _kind_at(addr, C.VARIANT)
        _put_name(addr + 8, name)
        _ptr.from_address(addr + 24).value = _box(cx, codec, payload) if codec is not None else None

    def lift(self, cx: Instance, addr: int) -> Any:
        _, cls, codec = self.cases[self.by_name[_get_name(addr + 8)]]
        if codec is None:
            return cls()
        return cls(codec.lift(cx, _read_ptr(addr + 24)))

    def to_dyn(self, cx: Instance, p: Any) -> Any:
        i, payload = p
        return self._dyn.to_dyn(cx, i, payload)

    def from_dyn(self, cx: Instance, v: Any) -> Any:
        i, payload = self._dyn.from_dyn(cx, v)
        cls = self.cases[i][1]
        return cls() if self.cases[i][2] is None else cls(payload)

    @cached_property
    def _dyn(self) -> _DynCases:
        return _DynCases([(name.decode(), codec) for name, _, codec in self.cases])

    def dyn_classes(self) -> set[type]:
        return self._dyn.all_classes()


class EnumCodec(Codec):
    def dyn_classes(self) -> set[type]:
        return {str}

    """An enum as a Python `enum.Enum` whose members are in WIT order."""

    kind = C.ENUM
    owns_memory = True

    def __init__(self, wit: str, cls: type[enum.Enum], names: list[str]) -> None:
        self.wit = wit
        self.cls = cls
        self.members = list(cls)
        self.names = [n.encode() for n in names]
        self.index = {m: i for i, m in enumerate(self.members)}
        self.by_name = {n: i for i, n in enumerate(self.names)}

    def prepare(self, cx: Instance, v: Any) -> Any:
        i = self.index.get(v) if isinstance(v, self.cls) else None
        if i is None:
            raise TypeError(f"expected {self.cls.__name__} ({self.wit}), got {v!r}")
        return i

    def lower(self, cx: Instance, p: Any, addr: int) -> None:
        _kind_at(addr, C.ENUM)
        _put_name(addr + 8, self.names[p])

    def lift(self, cx: Instance, addr: int) -> Any:
        return self.members[self.by_name[_get_name(addr + 8)]]

    def to_dyn(self, cx: Instance, p: Any) -> Any:
        return self.names[p].decode()

    def from_dyn(self, cx: Instance, v: Any) -> Any:
        return self.members[self.by_name[v.encode()]]


class FlagsCodec(Codec):
    def dyn_classes(self) -> set[type]:
        return {set}

    """Flags as a Python `enum.Flag` whose bit i is the i-th WIT flag."""

    kind = C.FLAGS

    def __init__(self, wit: str, cls: type[enum.Flag], names: list[str]) -> None:
        self.wit = wit
        self.cls = cls
        self.names = [n.encode() for n in names]
        self.by_name = {n: i for i, n in enumerate(self.names)}
        self.all = (1 << len(names)) - 1

    def prepare(self, cx: Instance, v: Any) -> Any:
        if not isinstance(v, self.cls):
            raise TypeError(f"expected {self.cls.__name__} ({self.wit}), got {_type_name(v)}")
        bits = int(v.value)
        if bits & ~self.all:
            raise ValueError(f"unknown flag bits {bits & ~self.all:#x} for {self.wit}")
        return bits

    def _set(self, bits: int) -> list[bytes]:
        return [name for i, name in enumerate(self.names) if bits >> i & 1]

    def lower(self, cx: Instance, p: Any, addr: int) -> None:
        names = self._set(p)
        data = _new_list(addr, len(names), C.FLAGS, C.flags_new_uninit)
        for i, name in enumerate(names):
            _put_name(data + i * C.NAME_SIZE, name)

    def lift(self, cx: Instance, addr: int) -> Any:
        n = _read_size(addr + 8)
        data = _read_ptr(addr + 16)
        bits = 0
        for i in range(n):
            bits |= 1 << self.by_name[_get_name(data + i * C.NAME_SIZE)]
        return self.cls(bits)

    def to_dyn(self, cx: Instance, p: Any) -> Any:
        return {n.decode() for n in self._set(p)}

    def from_dyn(self, cx: Instance, v: Any) -> Any:
        bits = 0
        for name in v:
            bits |= 1 << self.by_name[name.encode()]
        return self.cls(bits)


class OptionCodec(Codec):
    """`option<T>` as ``None | T``; when ``T`` is itself an option, the some case is ``Some(T)``."""

    kind = C.OPTION

    def __init__(self, inner: Codec) -> None:
        self.inner = inner
        self.wit = f"option<{inner.wit}>"
        self.wrapped = inner.kind == C.OPTION

    def prepare(self, cx: Instance, v: Any) -> Any:
        if v is None:
            return None
        if self.wrapped:
            if not isinstance(v, Some):
                raise TypeError(f"expected None or Some(...) ({self.wit}), got {_type_name(v)}")
            v = v.value
        return (self.inner.prepare(cx, v),)

    def lower(self, cx: Instance, p: Any, addr: int) -> None:
        _kind_at(addr, C.OPTION)
        _ptr.from_address(addr + 8).value = None if p is None else _box(cx, self.inner, p[0])

    def lift(self, cx: Instance, addr: int) -> Any:
        payload = _read_ptr(addr + 8)
        if not payload:
            return None
        value = self.inner.lift(cx, payload)
        return Some(value) if self.wrapped else value

    @cached_property
    def _dyn(self) -> _DynCases:
        return _DynCases([("none", None), ("some", self.inner)])

    def to_dyn(self, cx: Instance, p: Any) -> Any:
        return self._dyn.to_dyn(cx, 0, None) if p is None else self._dyn.to_dyn(cx, 1, p[0])

    def from_dyn(self, cx: Instance, v: Any) -> Any:
        index, value = self._dyn.from_dyn(cx, v)
        if index == 0:
            return None
        return Some(value) if self.wrapped else value

    def dyn_classes(self) -> set[type]:
        return self._dyn.all_classes()


class ResultCodec(Codec):
    """`result<T, E>` as ``Ok(T) | Err(E)`` (a missing payload is ``None``)."""

    kind = C.RESULT

    def __init__(self, ok: Codec | None, err: Codec | None) -> None:
        self.ok = ok
        self.err = err
        self.wit = f"result<{ok.wit if ok else '_'}, {err.wit if err else '_'}>"

    def _case(self, cx: Instance, codec: Codec | None, v: Any, what: str) -> Any:
        if codec is None:
            if v is not None:
                raise TypeError(f"{what}: this case has no payload, expected None, got {_type_name(v)}")
            return None
        try:
            return (codec.prepare(cx, v),)
        except (TypeError, ValueError) as exc:
            raise _with_path(exc, what) from None

    def prepare(self, cx: Instance, v: Any) -> Any:
        if isinstance(v, Ok):
            return (True, self._case(cx, self.ok, v.value, "Ok.value"))
        if isinstance(v, Err):
            return (False, self._case(cx, self.err, v.value, "Err.value"))
        raise TypeError(f"expected Ok(...) or Err(...) ({self.wit}), got {_type_name(v)}")

    def lower(self, cx: Instance, p: Any, addr: int) -> None:
        is_ok, payload = p
        codec = self.ok if is_ok else self.err
        _kind_at(addr, C.RESULT)
        ctypes.c_bool.from_address(addr + 8).value = is_ok
        boxed = _box(cx, codec, payload[0]) if codec is not None and payload is not None else None
        _ptr.from_address(addr + 16).value = boxed

    def lift(self, cx: Instance, addr: int) -> Any:
        is_ok = ctypes.c_bool.from_address(addr + 8).value
        codec = self.ok if is_ok else self.err
        payload = _read_ptr(addr + 16)
        value = codec.lift(cx, payload) if codec is not None and payload else None
        return Ok(value) if is_ok else Err(value)

    @cached_property
    def _dyn(self) -> _DynCases:
        return _DynCases([("ok", self.ok), ("err", self.err)])

    def to_dyn(self, cx: Instance, p: Any) -> Any:
        is_ok, payload = p
        return self._dyn.to_dyn(cx, 0 if is_ok else 1, None if payload is None else payload[0])

    def from_dyn(self, cx: Instance, v: Any) -> Any:
        index, value = self._dyn.from_dyn(cx, v)
        return Ok(value) if index == 0 else Err(value)

    def dyn_classes(self) -> set[type]:
        return self._dyn.all_classes()


# --- resources -------------------------------------------------------------------------------


class GuestHandle:
    """What a resource object exported by the guest holds: its wasmtime handle, until dropped."""

    __slots__ = ("any", "instance")

    def __init__(self, any_: Any, instance: Instance) -> None:
        self.any = any_
        self.instance = instance


class GuestResourceCodec(Codec):
    def dyn_classes(self) -> set[type]:
        return _dyn_class("ResourceAny")

    """`own<R>`/`borrow<R>` of a resource the guest exports, as the generated resource class."""

    kind = C.RESOURCE

    def __init__(self, wit: str, key: str, own: bool, raw: bool = False) -> None:
        self.wit = f"{'own' if own else 'borrow'}<{wit}>"
        self.key = key
        self.own = own
        self.raw = raw
        """Lift to the bare handle (a constructor fills in the object it was called on)."""

    def prepare(self, cx: Instance, v: Any) -> Any:
        cls: Any = cx.guest_classes[self.key]
        if not isinstance(v, cls.__mro__[1]):
            raise TypeError(f"expected {cls.__name__} ({self.wit}), got {_type_name(v)}")
        handle: GuestHandle | None = v._handle
        if handle is None or handle.any is None:
            raise ResourceDropped(f"{cls.__name__} was already dropped or moved into the component")
        if handle.instance is not cx:
            raise ValueError(f"{cls.__name__} belongs to another component instance")
        return v

    def lower(self, cx: Instance, p: Any, addr: int) -> None:
        handle: GuestHandle = p._handle
        _kind_at(addr, C.RESOURCE)
        _ptr.from_address(addr + 8).value = C.any_clone(internals.handle(handle.any))
        if self.own:
            handle.any = None  # moved into the guest

    def lift(self, cx: Instance, addr: int) -> Any:
        any_ = internals.resource_any_from(_read_ptr(addr + 8))
        _kind_at(addr, C.BOOL)  # the pointer is ours now; keep val_delete off it
        return self._wrap(cx, any_)

    def _wrap(self, cx: Instance, any_: Any) -> Any:
        handle = GuestHandle(any_, cx)
        if self.raw:
            return handle
        cls = cx.guest_classes[self.key]
        obj = cls.__new__(cls)
        obj._handle = handle
        return obj

    def to_dyn(self, cx: Instance, p: Any) -> Any:
        handle: GuestHandle = p._handle
        any_ = handle.any
        if self.own:
            handle.any = None
        return any_

    def from_dyn(self, cx: Instance, v: Any) -> Any:
        return self._wrap(cx, v)


class HostResourceCodec(Codec):
    def dyn_classes(self) -> set[type]:
        return _dyn_class("ResourceAny")

    """`own<R>`/`borrow<R>` of a resource the host implements with a plain Python class."""

    kind = C.RESOURCE

    def __init__(self, wit: str, key: str, own: bool) -> None:
        self.wit = f"{'own' if own else 'borrow'}<{wit}>"
        self.key = key
        self.own = own

    def prepare(self, cx: Instance, v: Any) -> Any:
        table = cx.host_tables.get(self.key)
        if table is None:
            raise TypeError(f"{self.wit}: no host class was supplied for this resource")
        if not isinstance(v, table.cls):
            raise TypeError(f"expected {table.cls.__name__} ({self.wit}), got {_type_name(v)}")
        return v

    def lower(self, cx: Instance, p: Any, addr: int) -> None:
        table = cx.host_tables[self.key]
        rep = table.insert(p)
        host = C.host_new(self.own, rep, table.type_id)
        out = ctypes.c_void_p()
        err = C.host_to_any(cx.ctx, host, ctypes.addressof(out))
        C.host_delete(host)
        if err:
            raise internals.error_from(err)
        _kind_at(addr, C.RESOURCE)
        _ptr.from_address(addr + 8).value = out.value

    def lift(self, cx: Instance, addr: int) -> Any:
        table = cx.host_tables[self.key]
        any_addr = _read_ptr(addr + 8)
        host = ctypes.c_void_p()
        err = C.any_to_host(cx.ctx, any_addr, ctypes.addressof(host))
        if err:
            raise internals.error_from(err)
        rep = C.host_rep(host.value)
        C.host_delete(host.value)
        return table.take(rep) if self.own else table.get(rep)

    def to_dyn(self, cx: Instance, p: Any) -> Any:
        from wasmtime.component import ResourceHost

        table = cx.host_tables[self.key]
        rep = table.insert(p)
        return ResourceHost.own(rep, table.type_id) if self.own else ResourceHost.borrow(rep, table.type_id)

    def from_dyn(self, cx: Instance, v: Any) -> Any:
        table = cx.host_tables[self.key]
        rep = v.to_host(cx.store).rep
        return table.take(rep) if self.own else table.get(rep)


class HostTable:
    """The host objects a guest holds handles to, by `rep` (the integer wasmtime carries)."""

    def __init__(self, cls: type, type_id: int) -> None:
        self.cls = cls
        self.type_id = type_id
        self.objects: dict[int, Any] = {}
        self.reps: dict[int, int] = {}
        self.next_rep = 1

    def insert(self, obj: Any) -> int:
        rep = self.reps.get(id(obj))
        if rep is None:
            rep = self.next_rep
            self.next_rep += 1
            self.reps[id(obj)] = rep
            self.objects[rep] = obj
        return rep

    def get(self, rep: int) -> Any:
        return self.objects[rep]

    def take(self, rep: int) -> Any:
        obj = self.objects.pop(rep)
        self.reps.pop(id(obj), None)
        return obj

    def drop(self, rep: int) -> None:
        """The guest dropped its last handle: forget the object and run its `close()`, if any."""
        obj = self.objects.get(rep)
        if obj is None:
            return
        self.take(rep)
        close = getattr(obj, "close", None)
        if callable(close):
            close()


class UnsupportedCodec(Codec):
    """A type wasmtime-py can't pass (fixed-length lists, futures, streams, error-context)."""

    def __init__(self, wit: str) -> None:
        self.wit = wit

    def _fail(self) -> Any:
        raise TypeError(f"values of type {self.wit} can't cross wasmtime-py's component API yet")

    def prepare(self, cx: Instance, v: Any) -> Any:
        return self._fail()

    def lift(self, cx: Instance, addr: int) -> Any:
        return self._fail()


def unsupported(wit: str) -> Codec:
    return UnsupportedCodec(wit)


class FixedListCodec(UnsupportedCodec):
    """`list<T, N>`: checked (a sequence of exactly N valid elements), so a bad value gets the
    same message on both engines; only the cabi engine can pass it."""

    def __init__(self, elem: Codec, size: int) -> None:
        super().__init__(f"list<{elem.wit}, {size}>")
        self.elem = elem
        self.size = size

    def prepare(self, cx: Instance, v: Any) -> Any:
        if isinstance(v, (str, dict)) or not isinstance(v, Sequence | bytes | bytearray):
            raise TypeError(f"expected a sequence ({self.wit}), got {_type_name(v)}")
        if len(v) != self.size:
            raise ValueError(f"expected {self.size} elements ({self.wit}), got {len(v)}")
        for i, x in enumerate(v):
            try:
                self.elem.prepare(cx, x)
            except (TypeError, ValueError) as exc:
                raise _with_path(exc, f"[{i}]") from None
        return self._fail()


def fixed_list(elem: Codec, size: int) -> Codec:
    return FixedListCodec(elem, size)
