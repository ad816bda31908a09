"""The helpers generated canonical-ABI code calls: value checks, bulk copies, string codecs.

Generated call sites bind these names once, in their prologue, so a call only touches
locals. Checks raise `bad`, which the call site turns into a `TypeError`/`ValueError` that
names the parameter (by running the parameter's codec for its precise message); lifting a
value the guest got wrong raises `AbiViolation` (a `Trap`), and lifting more than the call's
budget raises `HostBudgetExhausted`: either kills the instance, as wasmtime's traps do.
"""

from __future__ import annotations

import array
import ctypes
import struct
import sys
from collections.abc import Callable
from typing import Any

from witgen.abi.definitions import MAX_STRING_BYTE_LENGTH, UTF16_TAG
from witgen.abi.values import F32_MAX
from witgen.runtime.cabi.fastcall import CoreFault
from witgen.runtime.errors import AbiViolation, HostBudgetExhausted, Trap
from witgen.runtime.types import Err, Ok, Some

__all__ = ["Err", "Ok", "Some", "CoreFault", "faults", "struct"]

stack_exhausted = (RecursionError, ctypes.ArgumentError)
"""A host function failing with one of these traps like a stack overflow: it is not the host's
own exception to hand back to the caller."""

faults = (CoreFault, Trap, *stack_exhausted)
"""What a call site catches to poison the instance: core traps, the ABI's own, and running out
of Python stack (unbounded re-entry through host imports; where wasmtime's own stack overflows,
the core call's arguments fail to convert with `ArgumentError`)."""

traps = (Trap, *stack_exhausted)
"""What a host function fails with that makes the guest's call trap (not the host's own error)."""

if sys.byteorder != "little":  # pragma: no cover - wasm memory is little-endian; so are our bulk copies
    raise ImportError("witgen's cabi engine needs a little-endian host")


class bad(Exception):  # noqa: N801 - lower-case so it can't clash with generated class names
    """A value failed its check; the call site reports which parameter and why."""


def trap(message: str) -> Any:
    raise AbiViolation(message)


def out_of_fuel() -> Any:
    raise HostBudgetExhausted(
        "too much data is being copied from the guest to the host: the call's hostcall fuel is exhausted"
    )


f32_max = F32_MAX
infs = (float("inf"), float("-inf"))
ptrlen = struct.Struct("<II")
u32s = struct.Struct("<I")
_f32 = struct.Struct("<f")
_f64 = struct.Struct("<d")
_u64 = struct.Struct("<Q")


def as_int(v: Any) -> int:
    """An `int` subclass as a plain int (not bool)."""
    if isinstance(v, int) and not isinstance(v, bool):
        return int(v)
    raise bad


def as_float(v: Any) -> float:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        try:
            return float(v)
        except OverflowError:
            raise bad from None
    raise bad


def as_bytes(v: Any) -> tuple[Any, int]:
    """A `list<u8>` argument as (buffer, length): bytes-like objects are used as they are."""
    if type(v) is bytes or type(v) is bytearray:
        return v, len(v)
    if isinstance(v, memoryview | bytes | bytearray | array.array):
        mv = memoryview(v)
        if mv.itemsize != 1 or mv.format not in ("B", "b", "c"):
            raise bad
        mv = mv.cast("B") if mv.c_contiguous else memoryview(mv.tobytes())
        return mv, len(mv)
    if isinstance(v, str | dict) or not hasattr(v, "__iter__"):
        raise bad
    try:
        data = bytes(v)
    except (TypeError, ValueError):
        raise bad from None
    return data, len(data)


_ITEMSIZE = {"b": 1, "B": 1, "h": 2, "H": 2, "i": 4, "I": 4, "q": 8, "Q": 8, "f": 4, "d": 8}
_EQUIVALENT = {
    code: {
        c
        for c in ("l", "L", "i", "I", "q", "Q", "h", "H", "b", "B")
        if c.lower() == code.lower() and array.array(c).itemsize == _ITEMSIZE[code]
    }
    | {code}
    for code in _ITEMSIZE
}


def as_array(v: Any, code: str) -> tuple[Any, int]:
    """A list of numbers as (buffer, count) laid out like the ABI's list: an `array.array`
    (or memoryview) of the matching item type is used without touching its items."""
    if (
        isinstance(v, array.array)
        and v.typecode in _EQUIVALENT[code]
        and v.typecode.isupper() == code.isupper()
    ):
        return memoryview(v).cast("B"), len(v)
    if isinstance(v, str | bytes | dict) or not hasattr(v, "__iter__"):
        raise bad
    if code in "fd":
        for x in v:
            if isinstance(x, bool) or not isinstance(x, (int, float)):
                raise bad
    elif not all(type(x) is int for x in v):
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in v):
            raise bad
    try:
        arr = array.array(code, v)
    except (OverflowError, TypeError, ValueError):
        raise bad from None
    return memoryview(arr).cast("B"), len(arr)


def check_span(m: memoryview, ptr: int, count: int, size: int, align: int) -> None:
    if ptr % align or ptr + count * size > len(m):
        what = "unaligned pointer" if ptr % align else "list content out-of-bounds"
        trap(f"{what}: list of {count} x {size} bytes at {ptr}")


def ld_bytes(m: memoryview, ptr: int, n: int) -> bytes:
    if ptr + n > len(m):
        trap(f"list content out-of-bounds: list<u8> of {n} bytes at {ptr}")
    return m[ptr : ptr + n].tobytes()


def ld_array(m: memoryview, ptr: int, n: int, code: str) -> list[Any]:
    size = _ITEMSIZE[code]
    check_span(m, ptr, n, size, size)
    return m[ptr : ptr + n * size].cast(code).tolist()  # type: ignore[call-overload, no-any-return]


def char_of(code: int) -> str:
    if code >= 0x110000 or 0xD800 <= code <= 0xDFFF:
        trap(f"invalid `char` bit pattern: code point {code:#x}")
    return chr(code)


def f32_bits(x: float) -> int:
    result: int = u32s.unpack(_f32.pack(x))[0]
    return result


def f32_from_bits(x: int) -> float:
    result: float = _f32.unpack(u32s.pack(x))[0]
    return result


def f64_bits(x: float) -> int:
    result: int = _u64.unpack(_f64.pack(x))[0]
    return result


def f64_from_bits(x: int) -> float:
    result: float = _f64.unpack(_u64.pack(x))[0]
    return result


# --- strings, per `string-encoding` canon option -----------------------------------------------

StringEncoder = Callable[[Any], tuple[bytes, int, int]]
"""str -> (bytes, the ABI's length field, alignment)."""
StringLoader = Callable[[memoryview, int, int], str]


def _enc_utf8(s: Any) -> tuple[bytes, int, int]:
    if type(s) is not str and not isinstance(s, str):
        raise bad
    try:
        data = s.encode()
    except UnicodeEncodeError:
        raise bad from None
    return data, len(data), 1


def _enc_utf16(s: Any) -> tuple[bytes, int, int]:
    if not isinstance(s, str):
        raise bad
    try:
        data = s.encode("utf-16-le")
    except UnicodeEncodeError:
        raise bad from None
    return data, len(data) // 2, 2


def _enc_latin1_utf16(s: Any) -> tuple[bytes, int, int]:
    if not isinstance(s, str):
        raise bad
    try:
        data = s.encode("latin-1")
        return data, len(data), 2
    except UnicodeEncodeError:
        pass
    try:
        data = s.encode("utf-16-le")
    except UnicodeEncodeError:
        raise bad from None
    return data, (len(data) // 2) | UTF16_TAG, 2


def _too_long(byte_length: int) -> None:
    trap(
        f"string of {byte_length} bytes is longer than 2^28 - 1 bytes (CanonicalABI.md MAX_STRING_BYTE_LENGTH)"
    )


def _ld_utf8(m: memoryview, ptr: int, n: int) -> str:
    if n > MAX_STRING_BYTE_LENGTH:
        _too_long(n)
    if ptr + n > len(m):
        trap(f"string content out-of-bounds: {n} bytes at {ptr}")
    try:
        return str(m[ptr : ptr + n], "utf-8")
    except UnicodeDecodeError as exc:
        trap(f"invalid utf-8: {exc}")
        raise


def _ld_utf16(m: memoryview, ptr: int, n: int) -> str:
    if 2 * n > MAX_STRING_BYTE_LENGTH:
        _too_long(2 * n)
    if ptr % 2 or ptr + 2 * n > len(m):
        what = "unaligned pointer" if ptr % 2 else "string content out-of-bounds"
        trap(f"{what}: UTF-16 string of {n} units at {ptr}")
    try:
        return str(m[ptr : ptr + 2 * n], "utf-16-le")
    except UnicodeDecodeError as exc:
        trap(f"invalid utf-16: {exc}")
        raise


def _ld_latin1_utf16(m: memoryview, ptr: int, n: int) -> str:
    if n & UTF16_TAG:
        return _ld_utf16(m, ptr, n ^ UTF16_TAG)
    if n > MAX_STRING_BYTE_LENGTH:
        _too_long(n)
    if ptr % 2 or ptr + n > len(m):
        what = "unaligned pointer" if ptr % 2 else "string content out-of-bounds"
        trap(f"{what}: latin-1 string of {n} bytes at {ptr}")
    return str(m[ptr : ptr + n], "latin-1")


STRING_COSTS: dict[str, tuple[int, int]] = {
    "utf8": (0xFFFFFFFF, 0),
    "utf16": (0xFFFFFFFF, 1),
    "latin1+utf16": (0x7FFFFFFF, 1),
}
"""(mask, shift) giving a lifted string's cost of the call's budget from its length field,
`(n & mask) << shift`: its bytes in memory (a latin-1 string is charged as if UTF-16)."""

DEFAULT_HOSTCALL_FUEL = 128 << 20
"""wasmtime's default budget for the values one lift moves into the host (`DEFAULT_HOSTCALL_FUEL`
in crates/wasmtime/src/runtime/component/store.rs)."""

STRING_CODECS: dict[str, tuple[StringEncoder, StringLoader]] = {
    "utf8": (_enc_utf8, _ld_utf8),
    "utf16": (_enc_utf16, _ld_utf16),
    "latin1+utf16": (_enc_latin1_utf16, _ld_latin1_utf16),
}
