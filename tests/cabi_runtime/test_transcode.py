"""`transcode.store_string` against a recording memory: the paths a host can't reach through
bindings (a latin1+utf16 producer sending Latin-1 text as UTF-16, a `realloc` that moves)."""

from __future__ import annotations

import pytest

from witgen.runtime.cabi.transcode import UTF16_TAG, store_string


class Recorder:
    """A memory whose `realloc` logs its calls and hands out fresh space each time (copying)."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.mem = bytearray(1024)
        self.next = 64
        self.calls: list[tuple[int, int, int, int]] = []

    def realloc(self, old: int, old_size: int, align: int, size: int) -> int:
        self.calls.append((old, old_size, align, size))
        ptr = -(-self.next // align) * align
        self.next = ptr + size + 8  # never in place: the copy must carry what was written
        self.mem[ptr : ptr + min(old_size, size)] = self.mem[old : old + min(old_size, size)]
        return ptr

    def view(self) -> memoryview:
        return memoryview(self.mem)

    def text(self, ptr: int, tagged: int) -> str:
        if self.encoding == "utf8":
            return self.mem[ptr : ptr + tagged].decode()
        if self.encoding == "utf16" or tagged & UTF16_TAG:
            return self.mem[ptr : ptr + 2 * (tagged & ~UTF16_TAG)].decode("utf-16-le")
        return self.mem[ptr : ptr + tagged].decode("latin-1")


def test_utf16_latin1_text_is_deflated_to_latin1() -> None:
    dst = Recorder("latin1+utf16")
    ptr, n = store_string(dst, "café", "latin1+utf16", 4 | UTF16_TAG)
    assert n == 4 and dst.text(ptr, n) == "café"
    assert dst.calls == [(0, 0, 2, 8), (64, 8, 1, 4)]


def test_utf16_text_past_latin1_stays_utf16() -> None:
    dst = Recorder("latin1+utf16")
    ptr, n = store_string(dst, "a€", "latin1+utf16", 2 | UTF16_TAG)
    assert n == 2 | UTF16_TAG and dst.text(ptr, n) == "a€"
    assert dst.calls == [(0, 0, 2, 4)]


@pytest.mark.parametrize(("src", "units"), [("utf8", 9), ("utf16", 6)])
def test_inflation_keeps_the_latin1_prefix_when_realloc_moves(src: str, units: int) -> None:
    dst = Recorder("latin1+utf16")
    ptr, n = store_string(dst, "éé€abc", src, units)
    assert n & UTF16_TAG and dst.text(ptr, n) == "éé€abc"


@pytest.mark.parametrize("src", ["utf16", "latin1+utf16"])
def test_utf8_growth_keeps_the_ascii_prefix_when_realloc_moves(src: str) -> None:
    dst = Recorder("utf8")
    text = "abcdé" + ("" if src == "utf16" else "x")
    ptr, n = store_string(dst, text, src, len(text))
    assert dst.text(ptr, n) == text
    assert [c[2:] for c in dst.calls] == [
        (1, len(text)),
        (1, 3 * len(text) if src == "utf16" else 2 * len(text)),
        (1, n),
    ]
