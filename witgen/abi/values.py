"""The rules a Python value must meet to cross as a WIT value, defined once for every check.

The bindings' codecs (`witgen.runtime.codecs`, their `prepare`: the plain path, and the one place
messages are written) and the cabi call sites generated from `witgen.gen_host.cabi.values` (the
same rules inlined as predicates, falling back to `prepare` for the message) take their numbers
from here. The guest harness ships a generated copy (`templates/guest/_checks.py`), since the
stubs run where witgen isn't installed.
"""

from __future__ import annotations

import struct

INT_RANGES: dict[str, tuple[int, int]] = {
    "u8": (0, 0xFF),
    "u16": (0, 0xFFFF),
    "u32": (0, 0xFFFFFFFF),
    "u64": (0, 0xFFFFFFFFFFFFFFFF),
    "s8": (-0x80, 0x7F),
    "s16": (-0x8000, 0x7FFF),
    "s32": (-0x80000000, 0x7FFFFFFF),
    "s64": (-0x8000000000000000, 0x7FFFFFFFFFFFFFFF),
}
"""The values each integer type holds, inclusive, by WIT name."""

F32_MAX: float = struct.unpack("<f", b"\xff\xff\x7f\x7f")[0]
"""The largest finite f32: a finite float past it is out of range for f32 (infinities are not)."""
