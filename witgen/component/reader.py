"""A bounds-checked cursor over wasm binary bytes (LEB128 integers, names, vectors).

Every failure is a `DecodeError` carrying the absolute byte offset, so a truncated or corrupt
component reports where it broke instead of surfacing an IndexError from deep inside the decoder.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from witgen.component.errors import DecodeError

T = TypeVar("T")

_MAX_VEC = 10_000_000
"""No real component has more items in one vector; a larger count means corrupt input."""


class Reader:
    """Reads `data[pos:end]`; offsets in errors are absolute positions in `data`."""

    __slots__ = ("data", "pos", "end")

    def __init__(self, data: bytes | memoryview, pos: int = 0, end: int | None = None) -> None:
        self.data = memoryview(data) if isinstance(data, bytes) else data
        self.pos = pos
        self.end = len(data) if end is None else end

    def error(self, message: str, offset: int | None = None) -> DecodeError:
        return DecodeError(message, self.pos if offset is None else offset)

    @property
    def at_end(self) -> bool:
        return self.pos >= self.end

    def u8(self) -> int:
        if self.pos >= self.end:
            raise self.error("unexpected end of input")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def peek(self) -> int:
        if self.pos >= self.end:
            raise self.error("unexpected end of input")
        return self.data[self.pos]

    def take(self, n: int) -> memoryview:
        """The next `n` bytes as a view (no copy: core modules can be many megabytes)."""
        if n < 0 or self.pos + n > self.end:
            raise self.error(f"length {n} runs past the end of the enclosing section")
        view = self.data[self.pos : self.pos + n]
        self.pos += n
        return view

    def _uleb(self, bits: int) -> int:
        start = self.pos
        result = shift = 0
        while True:
            b = self.u8()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
            if shift >= bits + 7:
                raise self.error("integer representation too long", start)
        if result >> bits:
            raise self.error(f"integer too large for u{bits}", start)
        return result

    def u32(self) -> int:
        return self._uleb(32)

    def u64(self) -> int:
        return self._uleb(64)

    def s33(self) -> int:
        start = self.pos
        result = shift = 0
        while True:
            b = self.u8()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
            if shift >= 35:
                raise self.error("integer representation too long", start)
        if b & 0x40:
            result -= 1 << shift
        return result

    def name(self) -> str:
        start = self.pos
        raw = self.take(self.u32())
        try:
            return bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise self.error("name is not valid UTF-8", start) from None

    def boolean(self) -> bool:
        b = self.u8()
        if b > 1:
            raise self.error(f"invalid boolean byte {b:#x}", self.pos - 1)
        return b == 1

    def vec(self, item: Callable[[], T]) -> list[T]:
        start = self.pos
        n = self.u32()
        if n > _MAX_VEC or n > self.end - self.pos:
            raise self.error(f"vector length {n} is larger than the remaining input", start)
        return [item() for _ in range(n)]

    def optional(self, item: Callable[[], T]) -> T | None:
        flag = self.u8()
        if flag == 0:
            return None
        if flag == 1:
            return item()
        raise self.error(f"invalid option flag {flag:#x}", self.pos - 1)

    def sub(self, size: int) -> Reader:
        """A reader over the next `size` bytes; this reader skips past them."""
        if size < 0 or self.pos + size > self.end:
            raise self.error(f"section size {size} runs past the end of the input")
        sub = Reader(self.data, self.pos, self.pos + size)
        self.pos += size
        return sub

    def expect_end(self, what: str) -> None:
        if self.pos != self.end:
            raise self.error(f"{self.end - self.pos} unexpected trailing bytes in {what}")
