"""A guest returning a list of plain records (built by the compiled `_wire.unpack_records` on
the cabi engine, by the generated loop with it off) with a bad pointer or length traps on every
engine and path, lengths that would overflow 32 bits included; an empty list ending exactly at
the end of memory is fine, one starting past it is not."""

from __future__ import annotations

import pytest

from hostile.harness import Hostile
from hostile.test_abi_violations import data, returns
from witgen.runtime import Trap
from witgen.runtime.cabi import fastcall

WIT = "record pt { x: u32, y: s64 }\nexport f: func() -> list<pt>;"

BAD = {
    "out of bounds": (65000, 1000),
    "misaligned": (34, 1),
    "2^29 elements": (8, 1 << 29),
    "wrapping past 2^32": (0xFFFFFFF8, 2),
    "empty, past the end": (0x10000 + 8, 0),
}


@pytest.fixture(params=("wasmtime", "cabi", "cabi-ctypes"))
def abi(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "cabi-ctypes":
        monkeypatch.setattr(fastcall, "COMPILED", False)
        return "cabi"
    return str(request.param)


@pytest.mark.parametrize("case", BAD)
def test_bad_lists_of_records_trap(abi: str, case: str) -> None:
    ptr, n = BAD[case]
    with pytest.raises(Trap):
        Hostile(WIT, returns(16, data(16, ptr, n))).load(abi).f()


def test_an_empty_list_at_the_end_of_memory_is_fine(abi: str) -> None:
    assert Hostile(WIT, returns(16, data(16, 0x10000, 0))).load(abi).f() == []


def test_records_are_read_where_the_guest_put_them(abi: str) -> None:
    got = Hostile(WIT, returns(16, data(16, 32, 2), data(32, 7, 0, 0xFFFFFFFF, 0xFFFFFFFF, 9, 0, 5, 0))).load(abi).f()
    assert [(p.x, p.y) for p in got] == [(7, -1), (9, 5)]
