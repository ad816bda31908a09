"""How a number crosses a fused adapter between two components (`fuse._conversion`): lifted
from the caller's flat value, lowered as the callee's (CanonicalABI.md's lift/lower of each)."""

from __future__ import annotations

from typing import Any, cast

import pytest

from witgen.runtime.cabi.convert import Bool, Char, Float, Int, Side
from witgen.runtime.cabi.fuse import _conversion
from witgen.runtime.errors import Trap

NO_SIDE = cast(Side, None)  # numbers never touch memory or handle tables


def convert(codec: Any, value: int) -> Any:
    conversion = _conversion(codec, NO_SIDE, NO_SIDE)
    assert conversion is not None
    return conversion(value)


@pytest.mark.parametrize(
    "codec", [Int(32, False), Int(32, True), Int(64, False), Int(64, True), Float(32), Float(64)]
)
def test_full_width_numbers_pass_as_they_are(codec: Any) -> None:
    assert _conversion(codec, NO_SIDE, NO_SIDE) is None


def test_narrow_integers_keep_their_low_bits_signed_or_not() -> None:
    assert convert(Int(8, False), 0x1FF) == 0xFF
    assert convert(Int(8, True), 0x1FF) == 0xFFFF_FFFF  # -1, as an i32 bit pattern
    assert convert(Int(8, True), 0x17F) == 0x7F
    assert convert(Int(16, False), 0xABCD_1234) == 0x1234
    assert convert(Int(16, True), 0x8000) == 0xFFFF_8000


def test_bools_become_zero_or_one() -> None:
    assert convert(Bool(), 2) == 1 and convert(Bool(), 0) == 0


def test_chars_are_checked() -> None:
    assert convert(Char(), 0x1F600) == 0x1F600
    with pytest.raises(Trap):
        convert(Char(), 0xD800)
    with pytest.raises(Trap):
        convert(Char(), 0x110000)
