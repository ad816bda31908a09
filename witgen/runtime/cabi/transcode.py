"""Storing a string another component lifted, in the receiving side's encoding, with the
`realloc` calls CanonicalABI.md's `store_string_into_range` makes (the receiver sees them).

Copies allocate the exact size. Transcodings allocate optimistically and grow or shrink with
`realloc(old, old_size, align, new_size)`: into UTF-8 one byte per source code unit first;
UTF-8 into UTF-16 the worst case first; into latin1+utf16 one byte per unit first, inflating
to UTF-16 in place at the first code point past Latin-1 (or, from UTF-16 in a latin1+utf16
memory, UTF-16 first, deflated to Latin-1 when every code point fits). Each allocation's
pointer is checked for alignment and bounds, even for zero bytes.
"""

from __future__ import annotations

from typing import Protocol

from witgen.abi.definitions import UTF16_TAG


class Memory(Protocol):
    """The receiving side: its memory, encoding and `realloc` (pointer checked by `realloc`)."""

    encoding: str

    def realloc(self, old: int, old_size: int, align: int, size: int) -> int: ...

    def view(self) -> memoryview: ...


def source_units(encoding: str, tagged: int) -> tuple[str, int]:
    """A lifted string's simple encoding ("utf8", "utf16", "latin1") and its code units."""
    if encoding == "latin1+utf16":
        return ("utf16", tagged ^ UTF16_TAG) if tagged & UTF16_TAG else ("latin1", tagged)
    return encoding, tagged


def store_string(dst: Memory, s: str, src_encoding: str, src_tagged: int) -> tuple[int, int]:
    """Store `s` (lifted from a memory in `src_encoding`, with length field `src_tagged`)
    into `dst`: its (pointer, length field)."""
    simple, units = source_units(src_encoding, src_tagged)
    match dst.encoding:
        case "utf8":
            if simple == "utf8":
                return _copy(dst, s, units, 1, 1, "utf-8")
            return _to_utf8(dst, s, units, units * (3 if simple == "utf16" else 2))
        case "utf16":
            if simple == "utf8":
                return _utf8_to_utf16(dst, s, units)
            return _copy(dst, s, units, 2, 2, "utf-16-le")
        case _:  # latin1+utf16
            if src_encoding != "latin1+utf16":
                return _to_latin1_or_utf16(dst, s, units)
            if simple == "latin1":
                return _copy(dst, s, units, 1, 2, "latin-1")
            return _probably_utf16(dst, s, units)


def _copy(dst: Memory, s: str, units: int, unit_size: int, align: int, codec: str) -> tuple[int, int]:
    data = s.encode(codec)
    ptr = dst.realloc(0, 0, align, unit_size * units)
    dst.view()[ptr : ptr + len(data)] = data
    return ptr, units


def _first_past(s: str, limit: int) -> int:
    """The index of the first code point of `s` at or past `limit`, or -1."""
    for i, c in enumerate(s):
        if ord(c) >= limit:
            return i
    return -1


def _to_utf8(dst: Memory, s: str, units: int, worst: int) -> tuple[int, int]:
    ptr = dst.realloc(0, 0, 1, units)
    i = -1 if s.isascii() else _first_past(s, 0x80)
    if i < 0:
        dst.view()[ptr : ptr + units] = s.encode("ascii")
        return ptr, units
    dst.view()[ptr : ptr + i] = s[:i].encode("ascii")
    ptr = dst.realloc(ptr, units, 1, worst)
    data = s.encode("utf-8")
    dst.view()[ptr + i : ptr + len(data)] = data[i:]
    if worst > len(data):
        ptr = dst.realloc(ptr, worst, 1, len(data))
    return ptr, len(data)


def _utf8_to_utf16(dst: Memory, s: str, units: int) -> tuple[int, int]:
    worst = 2 * units
    ptr = dst.realloc(0, 0, 2, worst)
    data = s.encode("utf-16-le")
    dst.view()[ptr : ptr + len(data)] = data
    if len(data) < worst:
        ptr = dst.realloc(ptr, worst, 2, len(data))
    return ptr, len(data) // 2


def _to_latin1_or_utf16(dst: Memory, s: str, units: int) -> tuple[int, int]:
    ptr = dst.realloc(0, 0, 2, units)
    j = _first_past(s, 0x100)
    if j < 0:
        dst.view()[ptr : ptr + len(s)] = s.encode("latin-1")
        if len(s) < units:
            ptr = dst.realloc(ptr, units, 2, len(s))
        return ptr, len(s)
    dst.view()[ptr : ptr + j] = s[:j].encode("latin-1")
    worst = 2 * units
    ptr = dst.realloc(ptr, units, 2, worst)
    view = dst.view()
    latin1 = bytes(view[ptr : ptr + j])  # inflated in place: each byte gets a zero after it
    view[ptr : ptr + 2 * j : 2] = latin1
    view[ptr + 1 : ptr + 2 * j : 2] = bytes(j)
    data = s.encode("utf-16-le")
    view[ptr + 2 * j : ptr + len(data)] = data[2 * j :]
    if worst > len(data):
        ptr = dst.realloc(ptr, worst, 2, len(data))
    return ptr, (len(data) // 2) | UTF16_TAG


def _probably_utf16(dst: Memory, s: str, units: int) -> tuple[int, int]:
    size = 2 * units
    ptr = dst.realloc(0, 0, 2, size)
    data = s.encode("utf-16-le")
    view = dst.view()
    view[ptr : ptr + len(data)] = data
    if _first_past(s, 0x100) >= 0:
        return ptr, (len(data) // 2) | UTF16_TAG
    n = len(data) // 2
    view[ptr : ptr + n] = bytes(view[ptr : ptr + 2 * n : 2])  # deflated in place to Latin-1
    ptr = dst.realloc(ptr, size, 1, n)
    return ptr, n
