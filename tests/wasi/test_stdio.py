"""Where a guest's stdio goes under each policy setting."""

from __future__ import annotations

import io
import os

import pytest

from witgen.wasi.stdio import Source, sink


def test_output_targets(capfd: pytest.CaptureFixture[str]) -> None:
    buf = bytearray()
    sink(buf, 1)(b"ab")
    sink(buf, 1)(memoryview(b"cd"))
    assert buf == b"abcd"
    seen: list[bytes] = []
    sink(seen.append, 1)(bytearray(b"xy"))
    assert seen == [b"xy"] and type(seen[0]) is bytes
    file = io.BytesIO()
    sink(file, 1)(b"to a file")
    assert file.getvalue() == b"to a file"
    sink(None, 1)(b"dropped")
    sink("inherit", 1)(b"to fd 1\n")
    sink("inherit", 2)(b"to fd 2\n")
    out = capfd.readouterr()
    assert out.out == "to fd 1\n" and out.err == "to fd 2\n"


def test_input_sources() -> None:
    fixed = Source(b"hello")
    assert (fixed.read(3), fixed.read(10), fixed.read(10)) == (b"hel", b"lo", b"")
    assert fixed.fileno() is None
    assert Source(io.BytesIO(b"file")).read(10) == b"file"
    assert Source(None).read(10) == b""
    r, w = os.pipe()
    try:
        os.write(w, b"piped")
        inherit = Source("inherit")
        assert inherit.fileno() == 0
        inherit._fd = r  # the host's stdin, redirected for the test
        assert inherit.read(10) == b"piped"
    finally:
        os.close(r)
        os.close(w)
