"""`_wire.pack_records`/`unpack_records` against `struct`: every kind of field at its offset,
padding zeroed, and what the helper leaves to the generated loop (None) or refuses."""

from __future__ import annotations

import struct
from dataclasses import dataclass

import pytest

from witgen.runtime.cabi import _wire


@dataclass
class R:
    a: bool
    b: int
    c: int
    d: int
    e: int
    f: int
    g: int
    h: int
    i: int
    j: float
    k: float


NAMES = tuple("abcdefghijk")
KINDS = b"?bBhHiIqQfd"
OFFSETS = (0, 1, 2, 4, 6, 8, 12, 16, 24, 32, 40)
LAYOUT = struct.Struct("<?bBxhHiIqQf4xd")  # the same fields, padding spelled out
DESCRIPTION = (R, NAMES, KINDS, OFFSETS, LAYOUT.size)
ROWS = [
    R(True, -128, 255, -32768, 65535, -(2**31), 2**32 - 1, -(2**63), 2**64 - 1, 1.5, -0.0),
    R(False, 127, 0, 32767, 0, 2**31 - 1, 0, 2**63 - 1, 0, float("inf"), 1e308),
    R(True, 1, 2, 3, 4, 5, 6, 7, 8, 0.1, 0.1),
]


def _struct_bytes(rows: list[R]) -> bytes:
    return b"".join(LAYOUT.pack(*(getattr(r, n) for n in NAMES)) for r in rows)


def test_packing_matches_struct() -> None:
    assert LAYOUT.size == 48
    assert _wire.pack_records(ROWS, *DESCRIPTION) == (_struct_bytes(ROWS), 3)
    assert _wire.pack_records(tuple(ROWS), *DESCRIPTION) == (_struct_bytes(ROWS), 3)
    assert _wire.pack_records([], *DESCRIPTION) == (b"", 0)


def test_unpacking_matches_struct() -> None:
    data = memoryview(bytearray(b"\xff" * 8 + _struct_bytes(ROWS)))
    out = _wire.unpack_records(data, 8, 3, *DESCRIPTION)
    assert out[0] == ROWS[0] and out[1] == ROWS[1]
    assert out[2].j == struct.unpack("<f", struct.pack("<f", 0.1))[0] and out[2].k == 0.1
    assert all(type(r) is R for r in out)
    data[8] = 7  # any nonzero byte is true
    assert _wire.unpack_records(data, 8, 1, *DESCRIPTION)[0].a is True


def test_unpacking_is_bounded() -> None:
    data = memoryview(bytearray(_struct_bytes(ROWS)))
    with pytest.raises(IndexError):
        _wire.unpack_records(data, 1, 3, *DESCRIPTION)
    with pytest.raises(IndexError):
        _wire.unpack_records(data, 0, 2**60, *DESCRIPTION)


def _with(field: str, value: object) -> list[R]:
    rows = [R(**vars(r)) for r in ROWS]
    setattr(rows[1], field, value)
    return rows


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("a", 1),
        ("b", 128),
        ("c", -1),
        ("d", 2.0),
        ("g", True),
        ("h", 2**63),
        ("i", -1),
        ("j", 1e39),
        ("j", 1),
        ("k", "x"),
    ],
)
def test_values_not_taken_as_they_are_leave_the_list_to_python(field: str, value: object) -> None:
    assert _wire.pack_records(_with(field, value), *DESCRIPTION) is None


def test_other_sequences_and_classes_leave_the_list_to_python() -> None:
    assert _wire.pack_records(iter(ROWS), *DESCRIPTION) is None

    class Sub(R):
        pass

    assert _wire.pack_records([Sub(**vars(ROWS[0]))], *DESCRIPTION) is None


def test_a_list_changed_by_a_getter_is_left_to_python() -> None:
    rows: list[object] = []

    class Shrinking:
        def __get__(self, obj: object, owner: object) -> float:
            rows.clear()
            return 1.0

    @dataclass
    class S:
        x: float

    S.x = Shrinking()  # type: ignore[assignment]
    rows += [S.__new__(S), S.__new__(S)]
    assert _wire.pack_records(rows, S, ("x",), b"d", (0,), 8) is None


def test_bad_descriptions_are_errors() -> None:
    with pytest.raises(ValueError):
        _wire.pack_records(ROWS, R, NAMES, b"?", OFFSETS, 48)
    with pytest.raises(ValueError):
        _wire.pack_records(ROWS, R, NAMES, KINDS, OFFSETS, 16)
    with pytest.raises(ValueError):
        _wire.unpack_records(memoryview(b""), 0, 0, R, NAMES, b"?bBhHiIqQfz", OFFSETS, 48)
