"""Strings longer than MAX_STRING_BYTE_LENGTH (2^28 - 1 bytes in the memory's encoding) trap when
lifted (CanonicalABI.md `load_string_from_range`), before their bounds are looked at: in the
reference, in the generated bindings' loaders and in the fused adapters (plain and compiled paths).
A memory that could hold such a string would need 256 MiB, so the strings here are out of bounds
too: the trap must name the length, not the bounds."""

from __future__ import annotations

from typing import Any

import pytest

from witgen.abi import Flattener
from witgen.abi import definitions as ref
from witgen.component import types as t
from witgen.runtime.cabi import convert, fastcall
from witgen.runtime.cabi.support import STRING_CODECS
from witgen.runtime.errors import Trap

from .test_reference import Heap

TOO_LONG = ref.MAX_STRING_BYTE_LENGTH + 1
# (encoding, length field) of a string one byte (utf8, latin1) or one code unit (utf16) too long
CASES = [
    ("utf8", TOO_LONG),
    ("utf16", TOO_LONG // 2 + 1),
    ("latin1+utf16", TOO_LONG),
    ("latin1+utf16", (TOO_LONG // 2 + 1) | ref.UTF16_TAG),
]


@pytest.mark.parametrize("encoding, units", CASES)
def test_the_reference_traps_on_the_length(encoding: str, units: int) -> None:
    cx = Heap().reference(encoding, Flattener())
    with pytest.raises(ref.Trap, match=r"longer than 2\^28 - 1 bytes"):
        ref.load_string_from_range(cx, 16, units)


@pytest.mark.parametrize("encoding, units", CASES)
def test_the_bindings_loaders_trap_on_the_length(encoding: str, units: int) -> None:
    load = STRING_CODECS[encoding][1]
    with pytest.raises(Trap, match=r"longer than 2\^28 - 1 bytes"):
        load(memoryview(bytearray(1 << 16)), 16, units)
    assert load(memoryview(bytearray(1 << 16)), 16, 2) == "\0\0"  # a short one still loads


@pytest.mark.parametrize("encoding, units", CASES)
def test_the_fused_adapters_trap_on_the_length(encoding: str, units: int) -> None:
    heap = Heap()
    side = heap.side(encoding)
    heap.mem[16:24] = (64).to_bytes(4, "little") + units.to_bytes(4, "little")
    for vt in (t.Prim("string"), t.ListType(t.Prim("string"))):
        codec = convert.codec(vt, Flattener())
        at = 16 if isinstance(vt, t.Prim) else 32
        heap.mem[32:40] = (16).to_bytes(4, "little") + (1).to_bytes(4, "little")
        with pytest.raises(Trap, match=r"longer than 2\^28 - 1 bytes"):
            codec.load(side, at)


def test_the_compiled_string_list_leaves_a_too_long_string_to_the_plain_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`_wire.load_utf8_strings` reads whatever is in bounds; the wrapper hands a list holding a
    string past the limit back to the plain path, which traps."""
    found: Any = (b"x", (TOO_LONG,))
    monkeypatch.setattr(fastcall, "_c_strings", lambda *args: found)
    assert fastcall.load_utf8_strings(memoryview(bytearray(8)), 0, 1) is None
    found = (b"xy", (2,))
    assert fastcall.load_utf8_strings(memoryview(bytearray(8)), 0, 1) == found
